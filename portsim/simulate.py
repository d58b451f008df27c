"""Running the model: one replication, or many with confidence intervals.

``simulate(scenario, replication)`` plans the calls, runs the SimPy model and returns
a :class:`~portsim.results.RunResult`. ``replicate`` runs several replications (in
parallel when given an executor) and gathers them into a :class:`Replications`
object whose ``kpis`` hold the mean and a 95 % confidence interval of every KPI.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from portsim.config.scenario import Scenario
from portsim.demand import plan_calls
from portsim.model.port import PortModel
from portsim.results import RunResult, calls_frame, summarise

Keep = Literal["calls", "tables", "kpis"]
"""What :func:`replicate` keeps of each replication (see :func:`reduce_run`)."""


def simulate(scenario: Scenario, replication: int = 0) -> RunResult:
    """Run one replication of the scenario: plan the calls, run the SimPy model, tabulate.

    Parameters
    ----------
    scenario : Scenario
        A resolved scenario (:func:`portsim.load_scenario`).
    replication : int, default 0
        Replication index. Every random stream is seeded from (``scenario.run.seed``,
        replication, stream name), so the same scenario and replication give the same
        numbers in any process, and replication ``r`` of two scenarios sees the same
        ships where their demand agrees (common random numbers).

    Returns
    -------
    RunResult
        DataFrames of the replication: ``calls`` (one row per call), ``berths``,
        ``terminals``, ``areas``, ``flows``, ``queue``, the ``port`` KPIs (a Series) and
        component ``tables`` (channel, yard, rail, gate …). Columns and units:
        ``help(portsim.dictionary)``.

    Examples
    --------
    >>> import portsim
    >>> sc = portsim.load_scenario("scenarios/plan-2025.yaml",
    ...                            {"run.horizon_days": 30, "run.warmup_days": 5})
    >>> run = portsim.simulate(sc, replication=0)
    >>> run.terminals[["terminal", "berth_utilisation", "waiting_factor"]].head(3)
    ... # doctest: +SKIP
    """
    plan = plan_calls(scenario, replication)
    model = PortModel(scenario, plan, replication)
    log = model.run()
    return summarise(scenario, replication, plan, log, model.in_system(), model.tables())


def simulate_calls(scenario: Scenario, replication: int = 0) -> pd.DataFrame:
    """The ``calls`` table of one replication, without the component tables or the
    summaries (what the capacity and transfer-berth searches need; the same numbers as
    ``simulate(scenario, replication).calls``)."""
    plan = plan_calls(scenario, replication)
    return calls_frame(scenario, plan, PortModel(scenario, plan, replication).run())


def mean_ci(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the half-width of its Student-t confidence interval (NaN with one value)."""
    x = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return np.nan, np.nan, 0
    if len(x) == 1:
        return float(x[0]), np.nan, 1
    from scipy import stats  # here, not at import: scipy.stats costs ~0.6 s

    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(half), len(x)


def ci_table(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean, CI half-width and count per group, over the ``replication`` column."""
    rows = []
    for key, g in frame.groupby(by, observed=True, sort=False) if by else [((), frame)]:
        key = key if isinstance(key, tuple) else (key,)
        for col in columns:
            mean, half, n = mean_ci(g[col])
            rows.append({**dict(zip(by, key, strict=True)), "kpi": col, "mean": mean,
                         "ci95": half, "n": n})
    return pd.DataFrame(rows)


def reduce_run(run: RunResult, keep: Keep) -> RunResult:
    """What :func:`replicate` keeps of a replication.

    ``calls``: everything (today's behaviour; needed by :func:`portsim.judge` and the
    plots); ``tables``: without the per-call and anchorage-queue tables (the largest:
    ~19,000 rows per port-year of plan-2025), keeping the KPI and component tables;
    ``kpis``: only the KPI tables — port, flows, terminals, areas, berths.
    """
    if keep == "calls":
        return run
    if keep not in ("tables", "kpis"):
        raise ValueError(f"keep must be 'calls', 'tables' or 'kpis', got {keep!r}")
    # copies, not views: an empty slice of a frame would keep its arrays alive
    return dataclasses.replace(run, calls=run.calls.head(0).copy(deep=True),
                               queue=run.queue.head(0).copy(deep=True),
                               tables=run.tables if keep == "tables" else {})


def simulate_and_reduce(scenario: Scenario, replication: int, keep: Keep) -> RunResult:
    """:func:`simulate`, then :func:`reduce_run` in the worker (less to send back); when
    something was dropped, the freed heap is handed back (:func:`return_freed_memory`)."""
    run = reduce_run(simulate(scenario, replication), keep)
    if keep != "calls":
        return_freed_memory()
    return run


def return_freed_memory() -> None:
    """Give freed heap pages back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). glibc keeps what a port-year freed, fragmented, so a process that runs
    replication after replication grows by ~12 MB each (plan-2025) even when it keeps
    nothing of them (``benchmarks/memory.py``); trimming keeps it at one port-year's
    working set. Costs a few milliseconds; results are unaffected."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


@dataclass
class Replications:
    """Several replications of one scenario, stacked with a ``replication`` column.

    ``keep`` says what each run kept (:func:`reduce_run`); ``calls`` raises when they
    were not kept, rather than answer with an empty table.
    """

    scenario: Scenario
    runs: list[RunResult]
    keep: Keep = "calls"

    def _stack(self, attr: str) -> pd.DataFrame:
        return pd.concat(
            [getattr(r, attr).assign(replication=r.replication) for r in self.runs],
            ignore_index=True,
        )

    def table(self, name: str) -> pd.DataFrame:
        """A component's table (``RunResult.tables[name]``) over all replications.

        Empty (no rows, no columns) when no replication has the table: a scenario
        without that component (no sea-rail, no yards) is a valid scenario.
        """
        frames = [r.tables[name].assign(replication=r.replication) for r in self.runs
                  if name in r.tables]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def calls(self) -> pd.DataFrame:
        """Every call of every replication (needs ``replicate(..., keep="calls")``)."""
        if self.keep != "calls":
            raise ValueError(f"the calls were not kept (replicate(..., keep={self.keep!r})); "
                             "use keep='calls' for calls and the verdict")
        return self._stack("calls")

    @property
    def terminals(self) -> pd.DataFrame:
        return self._stack("terminals")

    @property
    def berths(self) -> pd.DataFrame:
        return self._stack("berths")

    @property
    def areas(self) -> pd.DataFrame:
        return self._stack("areas")

    @property
    def flows(self) -> pd.DataFrame:
        return self._stack("flows")

    @property
    def port(self) -> pd.DataFrame:
        return pd.DataFrame([r.port.rename(None) for r in self.runs]).assign(
            replication=[r.replication for r in self.runs])

    def port_kpis(self) -> pd.DataFrame:
        """Port-level KPIs: mean and 95 % CI over replications."""
        frame = self.port
        cols = [c for c in frame.columns if c != "replication"]
        return ci_table(frame, [], cols).set_index("kpi")

    def terminal_kpis(self) -> pd.DataFrame:
        """Per-terminal KPIs: one row per terminal, mean and CI columns side by side."""
        return _wide(self.terminals, ["terminal", "area", "cargo"])

    def area_kpis(self) -> pd.DataFrame:
        return _wide(self.areas, ["area", "cargo"])

    def flow_kpis(self) -> pd.DataFrame:
        return _wide(self.flows, ["flow", "cargo", "unit"])


def _wide(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    cols = [c for c in frame.columns
            if c not in [*keys, "replication"] and pd.api.types.is_numeric_dtype(frame[c])]
    long = ci_table(frame, keys, cols)
    if long.empty:  # no group had a call in the window (nothing arrived): no rows
        return pd.DataFrame(columns=[*keys, *cols, *(f"{c}_ci95" for c in cols)])
    mean = long.pivot_table(index=keys, columns="kpi", values="mean", observed=True, sort=False)
    half = long.pivot_table(index=keys, columns="kpi", values="ci95", observed=True, sort=False,
                            dropna=False)
    # a KPI that is NaN in every group (no call served: no mean wait) stays, as NaN
    out = mean.reindex(columns=cols).join(half.reindex(columns=cols).add_suffix("_ci95"))
    return out.reset_index()


def replicate(scenario: Scenario, replications: int | None = None,
              executor: Executor | None = None,
              progress: Callable[[int], None] | None = None,
              keep: Keep = "calls") -> Replications:
    """Run several replications and gather them, with 95 % confidence intervals.

    Parameters
    ----------
    scenario : Scenario
        A resolved scenario (:func:`portsim.load_scenario`).
    replications : int, optional
        How many (default: the scenario's ``run.replications``); replication indices
        ``0 … n-1``.
    executor : concurrent.futures.Executor, optional
        Where to run them (a ``ProcessPoolExecutor``, a Dask client's executor); default
        one after the other in this process. Results do not depend on the executor or
        its number of workers: each replication's random streams depend only on the seed
        and the replication index, and runs are returned in index order.
    progress : callable, optional
        Called with 1 as each replication finishes (e.g. a tqdm bar's ``update``).
    keep : {"calls", "tables", "kpis"}, default "calls"
        What to keep of each replication (:func:`reduce_run`): ``"calls"`` everything
        (needed by :func:`portsim.judge` and the plots); ``"tables"`` all but the call and
        queue tables; ``"kpis"`` only the KPI tables. With ``"kpis"`` a 20-replication
        plan-2025 holds about 1 MB of results instead of ~190 MB
        (``benchmarks/memory.py``); the KPIs are identical.

    Returns
    -------
    Replications
        ``port_kpis()``, ``terminal_kpis()``, ``flow_kpis()``, ``area_kpis()`` (mean and
        95 % CI half-width per KPI); stacked tables ``terminals``, ``berths``, ``calls``
        … with a ``replication`` column; ``runs`` (one :class:`RunResult` each).

    Examples
    --------
    >>> import portsim
    >>> sc = portsim.load_scenario("scenarios/plan-2025.yaml",
    ...                            {"run.horizon_days": 30, "run.warmup_days": 5})
    >>> reps = portsim.replicate(sc, 3, keep="kpis")
    >>> reps.port_kpis().loc["teu_delivered", ["mean", "ci95"]]  # doctest: +SKIP
    >>> from concurrent.futures import ProcessPoolExecutor
    >>> with ProcessPoolExecutor(2) as pool:  # doctest: +SKIP
    ...     reps = portsim.replicate(sc, 10, executor=pool)
    """
    n = replications or scenario.run.replications
    if keep not in ("calls", "tables", "kpis"):
        raise ValueError(f"keep must be 'calls', 'tables' or 'kpis', got {keep!r}")
    runs: list[RunResult] = []
    if executor is None:
        for r in range(n):
            runs.append(simulate_and_reduce(scenario, r, keep))
            if progress:
                progress(1)
    else:
        futures = [executor.submit(simulate, scenario, r) if keep == "calls"
                   else executor.submit(simulate_and_reduce, scenario, r, keep)
                   for r in range(n)]
        for fut in as_completed(futures):
            fut.result()
            if progress:
                progress(1)
        runs = [f.result() for f in futures]
    return Replications(scenario, runs, keep)
