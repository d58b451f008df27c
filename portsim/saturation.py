"""Saturation: does the anchorage queue of a terminal (or of the port) keep growing over
the measurement window?

A port whose queue grows has no steady state: the demand is not delivered in the long
run however the one simulated year looks (delivered volume equals demand until the
backlog reaches the end of the year). The check, per terminal and for the whole port:

1. **batch means** — the measurement window is split into :data:`BATCHES` equal
   batches; in each, the time-average number of that terminal's ships waiting at
   anchorage (arrived, not yet called in to a berth: observed exactly at the end of the
   run too, unlike the wait of a call still waiting);
2. **trend** — a least-squares line through the batch means against time; its rise
   over the window (``growth``, ships) is the estimate of one replication;
3. **test** — in each replication a one-sided t-test of the slope (H0: no growth;
   ``BATCHES − 2`` degrees of freedom, the standard error inflated for the lag-1
   autocorrelation of the batch means), **pooled over replications** (independent by
   construction) by Stouffer's method; each of the ``m`` checks of a port (its
   terminals and the port as a whole) runs at :data:`FALSE_ALARM` / ``m``
   (Bonferroni), so a stationary port is called saturated with probability at most
   :data:`FALSE_ALARM` (5 %);
4. **material** — and the mean growth is at least :data:`MIN_GROWTH_SHIPS` ships over
   the window (a trend too small to matter to a planner is not saturation).

**Seasons.** With seasonal demand (``seasons.profile: seasonal``) the queue follows the
calendar: a one-year window that ends in the December peak shows a rising trend in a
port that is in a perfectly periodic steady state. There the check compares like with
like in the calendar: when the window holds at least two years, steps 1–2 become

1'. **calendar batch means** — each of the window's last two years is split into
    :data:`CALENDAR_BATCHES` equal parts (the same calendar days in both years), with the
    time-average queue in each;
2'. **year-on-year rise** — d_k = (second year's mean − first year's) for each part k:
    a periodic steady state has E[d_k] = 0 whatever the season does, a queue that grows
    by G ships a year has d_k ≈ G in every part. The growth over the window is the mean
    of d_k × the window in years; its standard error sd(d) / √K, inflated for the lag-1
    autocorrelation of d as in the trend test, with K − 1 degrees of freedom;

and steps 3–4 are unchanged. A seasonal run whose window is shorter than two years is
judged by the trend test, which then reads a late-year peak as growth: such a run
should be given a two-year horizon (``run.horizon_days: 730``). With flat demand the
check is the trend test, as before.

The terminal is **SATURATED** when its test rejects and the growth is material. A queue
still filling up from an empty port at the start of the window looks like growth: the
warm-up must be long enough for the busiest terminal (a caveat for ρ close to 1).
This replaces the old backlog rule (ships still waiting at the end > 5 % of a flow's
annual calls, which let ~225 ships wait at plan-2025 scale).

:func:`saturation_throughput` finds, from runs at several demand scales, the largest
scale at which every terminal is stationary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from portsim.results import RunResult

__all__ = ["BATCHES", "CALENDAR_BATCHES", "FALSE_ALARM", "MIN_GROWTH_SHIPS",
           "SaturationThroughput", "Stationarity", "calendar_growth", "queue_batch_means",
           "queue_growth", "saturation_throughput", "seasonal_window", "stationarity",
           "stationarity_table"]

BATCHES = 10
"""Batches the measurement window is split into."""
FALSE_ALARM = 0.05
"""One-sided false-alarm rate of the test for a growing queue (per terminal checked)."""
MIN_GROWTH_SHIPS = 1.0
"""Least growth of the anchorage queue over the window, in ships, called saturation."""
CALENDAR_BATCHES = 12
"""Parts of each calendar year compared year on year by the seasonal check."""
YEAR_H = 365 * 24.0
"""A calendar year of the run (the seasons' 365-day year)."""
PORT = "port"


@dataclass(frozen=True)
class Stationarity:
    """The stationarity check of one terminal (or the port) over replications."""

    id: str
    growth: float
    """Mean fitted rise of the anchorage queue over the window (ships)."""
    ci95: float
    """Half-width of the 95 % CI of ``growth`` (NaN with one replication)."""
    p_value: float
    """One-sided p-value of "the queue grows"."""
    replications: int
    saturated: bool
    growth_min: float = np.nan
    """Smallest growth of one replication."""
    growth_max: float = np.nan
    """Largest growth of one replication."""


def queue_batch_means(arrival_h: np.ndarray, called_h: np.ndarray, start_h: float,
                      end_h: float, batches: int = BATCHES) -> np.ndarray:
    """Time-average number of ships waiting at anchorage in each of ``batches`` equal
    parts of [start_h, end_h]: a ship waits from its arrival until it is called in to a
    berth (until the end when it never is)."""
    edges = np.linspace(start_h, end_h, batches + 1)
    a = np.asarray(arrival_h, dtype=float)
    z = np.asarray(called_h, dtype=float)
    z = np.where(np.isnan(z), end_h, z)
    keep = (a < end_h) & (z > start_h)
    a, z = a[keep, None], z[keep, None]
    overlap = np.clip(np.minimum(z, edges[None, 1:]) - np.maximum(a, edges[None, :-1]),
                      0.0, None)
    return overlap.sum(axis=0) / np.diff(edges)


def _lag1(resid: np.ndarray) -> float:
    """Lag-1 autocorrelation of residuals, clipped to [0, 0.9]."""
    denom = float((resid * resid).sum())
    r = float((resid[1:] * resid[:-1]).sum() / denom) if denom > 0 else 0.0
    return min(max(r, 0.0), 0.9)


def _fit(means: np.ndarray) -> tuple[float, float]:
    """Rise over the window of the least-squares line through the batch means and the
    standard error of that rise, inflated for the lag-1 autocorrelation ``r`` of the
    residuals by ``sqrt((1 + r) / (1 − r))`` (``r`` clipped to [0, 0.9]; the AR(1)
    variance factor of a mean)."""
    k = len(means)
    x = (np.arange(k) + 0.5) / k  # batch midpoints as a share of the window
    fit = stats.linregress(x, means)
    r = _lag1(means - (fit.intercept + fit.slope * x))
    return float(fit.slope), float(fit.stderr) * float(np.sqrt((1 + r) / (1 - r)))


def queue_growth(arrival_h: np.ndarray, called_h: np.ndarray, start_h: float,
                 end_h: float, batches: int = BATCHES) -> tuple[float, float]:
    """Fitted rise of the anchorage queue over the window (ships) and its standard error,
    from one replication."""
    return _fit(queue_batch_means(arrival_h, called_h, start_h, end_h, batches))


def calendar_growth(arrival_h: np.ndarray, called_h: np.ndarray, start_h: float,
                    end_h: float, batches: int = CALENDAR_BATCHES) -> tuple[float, float]:
    """Growth of the anchorage queue over the window (ships) and its standard error from
    one replication of a seasonal run, year on year (steps 1'–2' of the module
    docstring): the window's last two years, each in ``batches`` calendar parts."""
    if end_h - start_h < 2 * YEAR_H - 1e-6:
        raise ValueError("the calendar comparison needs a window of two years or more")
    first = queue_batch_means(arrival_h, called_h, end_h - 2 * YEAR_H, end_h - YEAR_H,
                              batches)
    second = queue_batch_means(arrival_h, called_h, end_h - YEAR_H, end_h, batches)
    d = second - first
    r = _lag1(d - d.mean())
    years = (end_h - start_h) / YEAR_H
    se = float(d.std(ddof=1)) / np.sqrt(len(d)) * float(np.sqrt((1 + r) / (1 - r)))
    return float(d.mean()) * years, se * years


def seasonal_window(run: RunResult) -> bool:
    """Whether a run is judged year on year: seasonal demand and a window of two years
    or more."""
    return judged_year_on_year(run.scenario)


def judged_year_on_year(scenario) -> bool:
    """Whether runs of ``scenario`` are judged year on year (:func:`calendar_growth`):
    seasonal demand and a measurement window of two years or more."""
    r = scenario.run
    return (not scenario.seasons.flat) and r.horizon_days * 24.0 >= 2 * YEAR_H - 1e-6


def growth_test(calendar: bool, batches: int = BATCHES):
    """The growth estimate of one replication and its test's settings, as
    ``(growth, batches, df)``: the calendar comparison for runs judged year on year,
    else the batch-means trend."""
    if calendar:
        return calendar_growth, CALENDAR_BATCHES, CALENDAR_BATCHES - 1
    return queue_growth, batches, batches - 2


def _p_grows(mean: float, se: float, df: int) -> float:
    """One-sided p-value of a growth ``mean`` with standard error ``se`` (no spread:
    0 when it grows, 1 when not)."""
    if se > 0:
        return float(stats.t.sf(mean / se, df))
    return 0.0 if mean > 0 else 1.0


def stationarity(id: str, growths: list[tuple[float, float]],
                 false_alarm: float = FALSE_ALARM,
                 min_growth: float = MIN_GROWTH_SHIPS,
                 batches: int = BATCHES, df: int | None = None) -> Stationarity:
    """Judge one terminal from the (growth, standard error) of each replication: each
    replication's one-sided t-test of its trend, pooled by Stouffer's method (the sum of
    their normal scores over √n), at ``false_alarm``; saturated when it rejects and the
    mean growth is at least ``min_growth`` ships. ``df``: degrees of freedom of each
    test (default ``batches − 2``, the trend's; the calendar comparison's is K − 1)."""
    if df is None:
        df = batches - 2
    g = np.array([x for x, _ in growths], dtype=float)
    n = len(g)
    if n == 0:
        return Stationarity(id, np.nan, np.nan, 1.0, 0, False)
    mean = float(g.mean())
    half = (float(stats.t.ppf(0.975, n - 1) * g.std(ddof=1) / np.sqrt(n)) if n >= 2
            else np.nan)
    p_each = np.array([_p_grows(x, se, df) for x, se in growths])
    z = np.clip(stats.norm.isf(p_each), -38.0, 38.0)
    p = float(stats.norm.sf(z.sum() / np.sqrt(n)))
    return Stationarity(id, mean, half, p, n, bool(p < false_alarm and mean >= min_growth),
                        float(g.min()), float(g.max()))


def _window(run: RunResult) -> tuple[float, float]:
    r = run.scenario.run
    return r.warmup_days * 24.0, (r.warmup_days + r.horizon_days) * 24.0


def stationarity_table(runs: Iterable[RunResult], batches: int = BATCHES,
                       false_alarm: float = FALSE_ALARM) -> pd.DataFrame:
    """The check for every terminal with calls and for the whole port (id ``port``):
    columns id, growth (ships over the window), growth_ci95, growth_min, growth_max (of
    one replication), p_value, replications, saturated. Each of the ``m`` checks runs
    at ``false_alarm / m`` (Bonferroni), so that a stationary port is called saturated
    with probability at most ``false_alarm``. Seasonal runs of two years or more are
    judged year on year (:func:`calendar_growth`; ``batches`` is then
    :data:`CALENDAR_BATCHES`)."""
    runs = list(runs)
    calendar = bool(runs) and all(seasonal_window(run) for run in runs)
    growth, batches, df = growth_test(calendar, batches)
    per: dict[str, list[tuple[float, float]]] = {}
    for run in runs:
        start, end = _window(run)
        calls = run.calls
        arrival, called = calls["arrival_h"].to_numpy(), calls["called_h"].to_numpy()
        per.setdefault(PORT, []).append(growth(arrival, called, start, end, batches))
        for name, idx in calls.groupby("terminal", observed=True).indices.items():
            per.setdefault(str(name), []).append(
                growth(arrival[idx], called[idx], start, end, batches))
    each = false_alarm / max(len(per), 1)
    rows = [stationarity(k, v, each, batches=batches, df=df) for k, v in per.items()]
    return pd.DataFrame({
        "id": [r.id for r in rows], "growth": [r.growth for r in rows],
        "growth_ci95": [r.ci95 for r in rows], "growth_min": [r.growth_min for r in rows],
        "growth_max": [r.growth_max for r in rows], "p_value": [r.p_value for r in rows],
        "replications": [r.replications for r in rows],
        "saturated": [r.saturated for r in rows]})


def saturated_terminals(table: pd.DataFrame) -> list[str]:
    """The terminals of a :func:`stationarity_table` whose queue grows, fastest first."""
    t = table[(table["id"] != PORT) & table["saturated"]]
    return t.sort_values("growth", ascending=False)["id"].tolist()


def is_saturated(table: pd.DataFrame) -> bool:
    """A port is saturated when a terminal's queue grows, or the port's as a whole."""
    return bool(table["saturated"].any())


@dataclass(frozen=True)
class SaturationThroughput:
    """The largest demand scale at which every terminal is stationary."""

    scale: float | None
    """Largest scale below the smallest saturated one (None: saturated at every scale)."""
    saturated_scale: float | None
    """Smallest scale found saturated (None: stationary at every scale tried)."""
    checks: pd.DataFrame
    """Per scale: saturated (bool), terminals (the saturating ones, comma-separated)."""


def saturation_throughput(runs_by_scale: Iterable[tuple[float, Iterable[RunResult]]],
                          batches: int = BATCHES,
                          false_alarm: float = FALSE_ALARM) -> SaturationThroughput:
    """From runs at several demand scales (each: scale, the replications run at it),
    the saturation throughput: the largest scale at which every terminal (and the port)
    is stationary, below the smallest scale at which one saturates. Multiply by the
    demand of scale 1 for the volume; the answer is only as fine as the scales tried."""
    rows = []
    for scale, runs in sorted(runs_by_scale, key=lambda x: x[0]):
        table = stationarity_table(list(runs), batches, false_alarm)
        rows.append({"scale": float(scale), "saturated": is_saturated(table),
                     "terminals": ", ".join(saturated_terminals(table))})
    checks = pd.DataFrame(rows, columns=["scale", "saturated", "terminals"])
    bad = checks.loc[checks["saturated"], "scale"]
    first_bad = float(bad.min()) if len(bad) else None
    ok = checks.loc[~checks["saturated"], "scale"]
    if first_bad is not None:
        ok = ok[ok < first_bad]
    return SaturationThroughput(float(ok.max()) if len(ok) else None, first_bad, checks)
