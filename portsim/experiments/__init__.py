"""Experiments at scale: parameter sweeps and capacity searches, local or on Dask.

For notebooks::

    from portsim.experiments import sweep, capacity
    res = sweep("sweeps/demand-vs-crane-rate.yaml")      # resumable, all cores
    res.summary()                                        # per point: KPIs ± 95 % CI
    res.runs, res.terminals, res.flows, res.failures     # one row per run / terminal …
    cap = capacity("scenarios/plan-2025.yaml")           # container capacity ± CI
    cap.container.capacity, cap.container.ci95, cap.container.bottleneck
    cap.answer()

Both take ``workers=N`` (local processes, default all cores), ``scheduler=
"tcp://HOST:PORT"`` (a Dask distributed cluster) or any ``executor=`` (a
:class:`concurrent.futures.Executor`, e.g. ``distributed.Client(...).get_executor()``).
"""

from portsim.experiments.capacity import (
    CapacityResult,
    Criterion,
    FamilyCapacity,
    RootSearch,
    capacity,
)
from portsim.experiments.spec import SweepSpec, load_spec
from portsim.experiments.store import SweepStore
from portsim.experiments.sweep import SweepResult, deterministic, run_sweep

sweep = run_sweep

__all__ = [
    "CapacityResult",
    "Criterion",
    "FamilyCapacity",
    "RootSearch",
    "SweepResult",
    "SweepSpec",
    "SweepStore",
    "capacity",
    "deterministic",
    "load_spec",
    "run_sweep",
    "sweep",
]
