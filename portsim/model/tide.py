"""Water level and tidal windows — kept here for existing imports.

The computation is model-free and lives in :mod:`portsim.tide_windows` (the scenario
check at load time needs it too); the CSV reader is config-side
(:mod:`portsim.config.tide_series`).
"""

from portsim.config.tide_series import PLAUSIBLE_RANGE_M, read_series
from portsim.tide_windows import (
    ALWAYS,
    GRID_H,
    NEVER,
    PAD_H,
    TideModel,
    Windows,
    intersect,
    tide_model,
)

__all__ = ["ALWAYS", "GRID_H", "NEVER", "PAD_H", "PLAUSIBLE_RANGE_M", "TideModel", "Windows",
           "intersect", "read_series", "tide_model"]
