"""Comparing scenarios on common random numbers, with paired confidence intervals.

Every scenario is run with the *first* scenario's run settings (seed, replications,
horizon, warm-up), so replication r of every scenario sees the same ships and the same
weather: the call plan and the weather are drawn from streams named by flow and event
kind, seeded by (seed, r) only (:mod:`portsim.streams`). A KPI's difference is then
taken replication by replication, ``d_r = KPI_B,r − KPI_A,r``, and its mean gets a
Student-t 95 % interval over the replications (a paired comparison): the noise the two
runs share cancels, so far fewer replications separate two designs than comparing two
independent means would need. A scenario compared with itself gives exactly zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portsim.config.scenario import Scenario
from portsim.results import RunResult
from portsim.simulate import Replications, mean_ci, simulate

HEADLINE = [
    "teu_delivered", "tonnes_delivered", "mean_wait_total_h", "mean_wait_berth_h",
    "mean_wait_tide_h", "mean_wait_channel_h", "mean_wait_pilot_h", "mean_wait_tug_h",
    "mean_wait_weather_h", "container_mean_wait_total_h", "tide_bound_calls_share",
    "tide_waited_calls_share", "one_way_conflicts_per_year", "channel_max_occupancy",
    "pilot_utilisation", "tug_utilisation",
]
"""KPIs shown first (all KPIs of the runs are in the full table)."""


def kpi_format(kpi: str) -> str:
    """The format of a KPI's values and differences (:mod:`portsim.labels`; hours not
    registered: 2 decimals)."""
    from portsim.labels import fmt

    return fmt(kpi) or (".2f" if kpi.endswith("_h") else "")


def marked(diff: float, significant: bool, fmt: str = ".2f") -> bool:
    """Whether a difference gets the significance mark: its paired 95 % interval
    excludes zero (``significant``) *and* it is non-zero as shown in ``fmt`` — a
    difference printed as 0.00 ± 0.00 is not called significant."""
    if not significant or diff is None or not np.isfinite(diff) or diff == 0:
        return False
    return any(ch in "123456789" for ch in format(abs(float(diff)), fmt or ".2f"))


def slug(name: str) -> str:
    """A scenario name as a file-name part: letters, digits, ``-``, ``_``, ``.``."""
    out = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name).strip("-.")
    return out or "scenario"


def output_name(names: Sequence[str], limit: int = 80) -> str:
    """The default output folder of a comparison, named after its scenarios:
    ``compare-<base>-vs-<other>-<other>…`` (a long list shortened with a digest of the
    whole, so two comparisons with the same base but other scenarios never share a
    folder)."""
    import hashlib

    base, others = slug(names[0]), [slug(n) for n in names[1:]]
    full = f"compare-{base}" + (f"-vs-{'-'.join(others)}" if others else "")
    if len(full) <= limit:
        return full
    digest = hashlib.sha1("\0".join(names).encode()).hexdigest()[:8]
    return f"{full[: limit - 9].rstrip('-')}-{digest}"

@dataclass
class Comparison:
    """Runs of several scenarios on common random numbers, and their paired differences."""

    labels: list[str]
    runs: list[Replications]
    kpis: pd.DataFrame  # one row per (scenario, replication), one column per KPI
    table: pd.DataFrame  # long: scenario, kpi, base, value, diff, ci95, n, significant
    same_ships: list[bool]  # per scenario: identical call plans to the base's

    @property
    def base(self) -> str:
        return self.labels[0]

    def headline(self) -> pd.DataFrame:
        t = self.table[self.table["kpi"].isin(HEADLINE)]
        order = {k: i for i, k in enumerate(HEADLINE)}
        return t.sort_values(["scenario", "kpi"], key=lambda s: s.map(order)
                             if s.name == "kpi" else s.map(self.labels.index)).reset_index(
            drop=True)

    def answer(self, kpi: str = "mean_wait_total_h") -> str:
        """Which scenario changes ``kpi`` most against the base, with its interval."""
        from portsim.labels import current, label, t

        what = label(kpi) if current() == "zh" else kpi  # English: the KPI's column name
        tab = self.table[(self.table["kpi"] == kpi) & (self.table["scenario"] != self.base)]
        tab = tab.dropna(subset=["diff"])
        if tab.empty:
            return t("no scenario to compare with the base '{base}' on {kpi}", base=self.base,
                     kpi=what)
        best = tab.sort_values("diff").iloc[0]
        lo, hi = best["diff"] - best["ci95"], best["diff"] + best["ci95"]
        sig = (t("significant at 95 %") if best["significant"]
               else t("NOT significant at 95 % — run more replications"))
        if best["diff"] >= 0:
            return t("no scenario lowers {kpi} against '{base}' (smallest change {s}: "
                     "{diff:+.2f}, 95 % CI {lo:+.2f} to {hi:+.2f})", kpi=what, base=self.base,
                     s=best["scenario"], diff=best["diff"], lo=lo, hi=hi)
        others = tab[tab["scenario"] != best["scenario"]]
        rest = "; ".join(f"{r.scenario} {r.diff:+.2f} ± {r.ci95:.2f}"
                         for r in others.itertuples())
        text = t("'{s}' cuts {kpi} most: {diff:+.2f} h per call (95 % CI {lo:+.2f} to "
                 "{hi:+.2f}; base {base:.2f} h), {sig}", s=best["scenario"], kpi=what,
                 diff=best["diff"], lo=lo, hi=hi, base=best["base"], sig=sig)
        if rest:
            text += t(". Others: {rest}", rest=rest)
        if len(others):  # is the winner ahead of the runner-up? (paired, same replications)
            second = others.sort_values("diff").iloc[0]["scenario"]
            k = self.kpis.set_index("replication")
            d = (k.loc[k["scenario"] == second, kpi] - k.loc[k["scenario"] == best["scenario"],
                                                           kpi]).to_numpy(dtype=float)
            m, half, n = mean_ci(d[np.isfinite(d)])
            ahead = n > 1 and np.isfinite(half) and m > half
            text += t(". Against the runner-up '{second}' it is {m:.3f} ± {half:.3f} h per "
                      "call lower", second=second, m=m, half=half)
            text += t(" (significant)") if ahead else t(" (not significant: a tie)")
        return text


def kpi_row(run: RunResult) -> pd.Series:
    """The KPIs of one replication compared between scenarios: the port-level series."""
    return run.port.astype(float)


def unique_labels(scenarios: Sequence[Scenario]) -> list[str]:
    labels: list[str] = []
    for sc in scenarios:
        name, k = sc.name, 2
        while name in labels:
            name = f"{sc.name}#{k}"
            k += 1
        labels.append(name)
    return labels


def aligned(scenarios: Sequence[Scenario], replications: int | None = None,
            seed: int | None = None) -> list[Scenario]:
    """The scenarios with the first one's run settings (and an optional seed or number
    of replications), so that they share their random numbers."""
    run = scenarios[0].run
    changes = {"seed": run.seed if seed is None else seed,
               "replications": replications or run.replications,
               "horizon_days": run.horizon_days, "warmup_days": run.warmup_days}
    return [sc.with_run(**changes) for sc in scenarios]


def paired(kpis: pd.DataFrame, labels: list[str], level: float = 0.95) -> pd.DataFrame:
    """Per scenario and KPI: base mean, scenario mean, mean paired difference and the
    half-width of its confidence interval over the replications."""
    base = kpis[kpis["scenario"] == labels[0]].set_index("replication")
    cols = [c for c in kpis.columns if c not in ("scenario", "replication")]
    rows = []
    for label in labels:
        other = kpis[kpis["scenario"] == label].set_index("replication")
        common = base.index.intersection(other.index)
        for col in cols:
            a = base.loc[common, col].to_numpy(dtype=float)
            b = other.loc[common, col].to_numpy(dtype=float)
            if np.isnan(a).all() and np.isnan(b).all():
                continue
            d = b - a
            ok = np.isfinite(d)
            diff, half, n = mean_ci(d[ok], level)
            if n and np.all(d[ok] == 0):
                diff, half = 0.0, 0.0  # exactly equal runs: exactly zero, with one run too
            rows.append({
                "scenario": label, "kpi": col,
                "base": float(np.nanmean(a)) if np.isfinite(a).any() else np.nan,
                "value": float(np.nanmean(b)) if np.isfinite(b).any() else np.nan,
                "diff": diff, "ci95": half, "n": n,
                "significant": bool(n > 1 and np.isfinite(half) and abs(diff) > half),
            })
    return pd.DataFrame(rows, columns=["scenario", "kpi", "base", "value", "diff", "ci95",
                                       "n", "significant"])


def compare(scenarios: Sequence[Scenario], replications: int | None = None,
            seed: int | None = None, executor: Executor | None = None,
            progress: Callable[[int], None] | None = None) -> Comparison:
    """Run every scenario on common random numbers and compare each with the first.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The first is the base; all run with its seed, replications, horizon and warm-up,
        so replication r of each sees the same ships and weather.
    replications, seed : int, optional
        Override the base's ``run.replications`` / ``run.seed``.
    executor, progress
        As for :func:`portsim.replicate`.

    Returns
    -------
    Comparison
        ``table`` (every KPI of every scenario: value, paired difference from the base,
        95 % CI, significance), ``kpis`` (per replication), ``runs``, ``answer()``.

    Examples
    --------
    >>> import portsim
    >>> from portsim.compare import compare
    >>> short = {"run.horizon_days": 60, "run.replications": 3}
    >>> base = portsim.load_scenario("scenarios/plan-2025.yaml", short)
    >>> fixed = portsim.load_scenario("scenarios/operations/plan-2025-fixed-cranes.yaml", short)
    >>> compare([base, fixed]).answer()  # doctest: +SKIP
    """
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    scs = aligned(scenarios, replications, seed)
    labels = unique_labels(scs)
    n = scs[0].run.replications
    jobs = [(k, r) for k in range(len(scs)) for r in range(n)]
    if executor is None:
        results = []
        for k, r in jobs:
            results.append(simulate(scs[k], r))
            if progress:
                progress(1)
    else:
        futures = [executor.submit(simulate, scs[k], r) for k, r in jobs]
        results = []
        for fut in futures:
            results.append(fut.result())
            if progress:
                progress(1)
    runs = [Replications(sc, [res for (k, _), res in zip(jobs, results, strict=True) if k == i])
            for i, sc in enumerate(scs)]
    rows = []
    for label, reps in zip(labels, runs, strict=True):
        for run in reps.runs:
            rows.append(kpi_row(run).rename(None).to_frame().T.assign(
                scenario=label, replication=run.replication))
    kpis = pd.concat(rows, ignore_index=True)
    front = ["scenario", "replication"]
    kpis = kpis[front + [c for c in kpis.columns if c not in front]]
    same = []
    for reps in runs:
        same.append(all(
            np.array_equal(a.calls["arrival_h"].to_numpy(), b.calls["arrival_h"].to_numpy())
            for a, b in zip(runs[0].runs, reps.runs, strict=True)))
    return Comparison(labels, runs, kpis, paired(kpis, labels), same)
