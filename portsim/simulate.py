"""Running the model: one replication, or many with confidence intervals.

``simulate(scenario, replication)`` plans the calls, runs the SimPy model and returns
a :class:`~portsim.results.RunResult`. ``replicate`` runs several replications (in
parallel when given an executor) and gathers them into a :class:`Replications`
object whose ``kpis`` hold the mean and a 95 % confidence interval of every KPI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from portsim.config.scenario import Scenario
from portsim.demand import plan_calls
from portsim.model.port import PortModel
from portsim.results import RunResult, summarise


def simulate(scenario: Scenario, replication: int = 0) -> RunResult:
    """Run one replication of the scenario."""
    plan = plan_calls(scenario, replication)
    model = PortModel(scenario, plan, replication)
    log = model.run()
    return summarise(scenario, replication, plan, log, model.in_system(), model.tables())


def mean_ci(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the half-width of its Student-t confidence interval (NaN with one value)."""
    x = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return np.nan, np.nan, 0
    if len(x) == 1:
        return float(x[0]), np.nan, 1
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


@dataclass
class Replications:
    """Several replications of one scenario, stacked with a ``replication`` column."""

    scenario: Scenario
    runs: list[RunResult]

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
              progress: Callable[[int], None] | None = None) -> Replications:
    """Run ``replications`` (default: the scenario's) replications.

    Results do not depend on the executor or its number of workers: each replication's
    random streams depend only on the seed and the replication index, and runs are
    returned in index order. ``progress(1)`` is called as each replication finishes.
    """
    n = replications or scenario.run.replications
    runs: list[RunResult] = []
    if executor is None:
        for r in range(n):
            runs.append(simulate(scenario, r))
            if progress:
                progress(1)
    else:
        futures = [executor.submit(simulate, scenario, r) for r in range(n)]
        for fut in as_completed(futures):
            fut.result()
            if progress:
                progress(1)
        runs = [f.result() for f in futures]
    return Replications(scenario, runs)
