"""Box flows through a container yard: their names, where they come from and go to, and
the draws that split a call's boxes into batches with dwell times."""

from __future__ import annotations

import math

import numpy as np

from portsim.config.landside import DwellSpec
from portsim.streams import gamma_multiplier

FLOWS = ("import", "export", "transshipment", "rail_import", "rail_export", "empty_in",
         "empty_out")
IMP, EXP, TS, RIMP, REXP, EIN, EOUT = range(len(FLOWS))
FLOW_MODES = {  # flow: (enters from, leaves to)
    "import": ("ship", "truck"), "export": ("truck", "ship"),
    "transshipment": ("ship", "ship"), "rail_import": ("ship", "rail"),
    "rail_export": ("rail", "ship"), "empty_in": ("ship", "truck"),
    "empty_out": ("truck", "ship"),
}
MODES = ("ship", "truck", "rail")
CANAL_FLOWS = ("canal_to_sea", "sea_to_canal")
"""The Pinglu Canal's transfer flows (only with ``canal.transfer_flow: through_yard``):
boxes a river-sea barge discharged for a sea-going call, and boxes a sea-going call
discharged for a barge (:mod:`portsim.model.yard.canal_transfer`)."""
XD, XU = len(FLOWS), len(FLOWS) + 1
FLOW_MODES.update({"canal_to_sea": ("barge", "ship"), "sea_to_canal": ("ship", "barge")})
CANAL_MODES = (*MODES, "barge")


def dwell_hours(spec: DwellSpec, rng: np.random.Generator, size) -> np.ndarray:
    """Whole hours of dwell, drawn from ``spec`` and truncated at ``max_days``."""
    n = int(np.prod(size))
    if spec.dist == "fixed" or spec.cv == 0:
        days = np.full(n, spec.mean_days)
    elif spec.dist == "gamma":
        days = spec.mean_days * gamma_multiplier(rng, spec.cv, n)
    else:
        s2 = math.log1p(spec.cv**2)
        days = rng.lognormal(math.log(spec.mean_days) - s2 / 2, math.sqrt(s2), n)
    days = np.minimum(days, spec.max_days)
    return np.rint(days * 24.0).astype(np.int64).reshape(size)


def split_batches(n: np.ndarray, k: int) -> np.ndarray:
    """Integer counts ``n`` split into ``k`` near-equal batches, shape (len(n), k)."""
    base, rem = np.divmod(n, k)
    return base[:, None] + (np.arange(k)[None, :] < rem[:, None])


def receiving_window_hours(cutoff_h: float, receiving_days: float, rng: np.random.Generator,
                           size) -> np.ndarray:
    """Whole hours before its ship's arrival at which an export batch comes through the
    gate when exports are received in a window: uniform over the ``receiving_days`` that
    end ``cutoff_h`` before the ship (rounded up, so a batch is never later than the
    cut-off)."""
    n = int(np.prod(size))
    before = cutoff_h + rng.uniform(0.0, receiving_days * 24.0, n)
    return np.ceil(before - 1e-9).astype(np.int64).reshape(size)

