"""Validation: the simulation against queueing theory, the preview, the design code and
the port's own history (2020 calibration, 2021 back-test).

One command regenerates ``docs/validation.md`` and ``docs/calibration.md``::

    python -m portsim.validation            # or: make validation
    python -m portsim.validation --quick    # a smaller grid, for a look (not committed)

Modules: :mod:`~portsim.validation.queues` (x/x/c queues against exact theory and the
preview), :mod:`~portsim.validation.capacity` (JTS 165 against simulated capacity per
terminal), :mod:`~portsim.validation.calibration` (2020 and 2021 against public
statistics), :mod:`~portsim.validation.report` (the two documents). The tests in
``tests/validation/`` call the same functions.
"""

from portsim.validation.calibration import TARGETS, Target, compare, measures, run_year
from portsim.validation.capacity import capacity_comparison, demo_scenario, scale_grid
from portsim.validation.queues import (
    QUEUE_MODELS,
    REPS,
    SERVICE_H,
    Agreement,
    QueueCase,
    QueueModel,
    agreement,
    allowed_misses,
    identical_berths,
    run_grid,
    run_queue_case,
)

__all__ = [
    "QUEUE_MODELS",
    "REPS",
    "SERVICE_H",
    "TARGETS",
    "Agreement",
    "QueueCase",
    "QueueModel",
    "Target",
    "agreement",
    "allowed_misses",
    "capacity_comparison",
    "compare",
    "demo_scenario",
    "identical_berths",
    "measures",
    "run_grid",
    "run_queue_case",
    "run_year",
    "scale_grid",
]
