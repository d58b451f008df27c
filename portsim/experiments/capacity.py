"""Capacity search: the largest annual throughput at which the port still meets a criterion.

Question
--------
How many TEU a year (or, per cargo family, tonnes) can the port take before its
service level becomes unacceptable? "Unacceptable" is a choice, so a capacity run can
apply several service criteria at once (``criteria="panel"``, what ``portsim capacity``
does: :func:`panel`, each criterion with its limit and its source): the base year's
own service level simulated on the same model ("the 2025 port at the service 2020
had", which agrees with history by construction), the planning waiting factor on the
basis the PIANC/UNCTAD tables were computed on and friction-inclusive, mean and p95
wait, the share of calls berthed within k hours, and berth-window compliance (see
:data:`Kind` for exactly what each measures). With one criterion — the default of
:func:`capacity` — it is the planning waiting-factor limit of the cargo family (mean
wait for a berth divided by mean berth time, ``rules.threshold(cargo).waiting_factor``:
0.10 for container berths) or a mean-wait limit in hours. The measured value is that
of every call of the family arriving inside the measurement window.

Several criteria share the runs: a replication's run at a scale measures every
criterion (:class:`_Chain`); the first criterion still searching picks the next
scale, and each criterion's own bracket narrows with every run that falls inside it.
The cost grows with how far apart the crossings lie, not with the number of criteria.
The headline (first) criterion's bracket is narrowed to ``xtol``, the others' to
``2 × xtol``: the log-linear interpolation inside a 10 % bracket is still within 0.2 %
of the root on the exact M/E2/c curve, far inside their CIs, and it saves a run or two
per replication and criterion.

Method: per-replication root finding with common random numbers
-----------------------------------------------------------------
Only the family searched is scaled (``demand_scale_by_cargo``); other cargo stays at
its demand, so shared berths keep their other traffic. For replication ``r`` the
function ``g_r(s)`` = criterion value when the family's demand is ``s`` × its
scenario demand is evaluated on the same random streams at every ``s`` (the seed and
replication fix the streams; scaling demand rescales the same arrival gaps), so it
is a smooth-ish, increasing function of ``s`` rather than independent noise. Each
replication's crossing ``s_r`` of ``g_r(s) = limit`` is found by a safeguarded
Illinois (regula falsi) iteration on ``log(g_r(s) / limit)``: step out from a start
until the crossing is bracketed (secant extrapolation, at most ×2 per step), then
shrink the bracket (bisecting whenever two interpolation steps fail to halve it) to a
relative width ``xtol`` (5 %) and interpolate log-linearly inside it. That is
precise enough: on the exact M/E2/c curve the interpolation error over a 5 % bracket
is below 0.05 % of the root (0.2 % over 10 %), far inside any useful CI. The ``s_r``
are independent samples of the capacity (replications use independent streams), so
the capacity is their mean with a Student-t 95 % confidence interval.

Replications run in batches. The ``pilots`` (2) start from ``start`` (the scenario's
demand) with a 25 % first step and take 4 to 6 runs each. Every later replication
starts from the mean of the batches before it, and its second run is placed by a
Newton step with the slope of ``log g`` in ``s`` pooled within those replications
(least squares on their points near the crossing, each replication centred on its
own mean: with common random numbers replications differ in level more than in
slope), stretched by 30 % so that it brackets the crossing; that usually takes 2
runs. The slope only places that run: every sample is still a crossing of its own
replication's curve inside a bracket of at most ``xtol``, so an error in the pooled
slope costs runs, never accuracy. The second batch fills up to ``min_replications``;
then, while the CI half-width exceeds ``rel_ci`` of the mean, a batch adds the
replications the current spread asks for (10 % to spare), at most doubling them (the
spread of six samples is itself uncertain: a batch sized on it alone overshoots), up to
``max_replications``. Within a batch all replications run concurrently on any
:class:`concurrent.futures.Executor` (one run per task, each replication's runs in
sequence). Because a replication depends only on its seed and on the batches before
it, the answer is the same on one worker, many, or a Dask cluster.

The curves ``g_r(s)`` are not perfectly smooth. In
:func:`portsim.demand.plan_calls` the ship classes (and liner and tramp calls) of a
flow share a stream, so a change in one class's number of calls reshuffles the draws
of the next; and the model's own discrete choices (which ship gets which berth or
channel slot) change with every arrival time. On plan-2025 ``g_r`` jitters by about
±10 % along ``s`` (and still does with one stream per class, which was tried). The
jitter is part of the replication-to-replication variance the CI measures: it costs
replications, not validity.

Each sample is the root of one replication's curve, and the mean of roots differs
from the root of the mean curve by a term of the order of the curve's curvature
times the variance of ``g_r`` (Jensen); with port-year runs this is well inside the
CI (the M/E2/c test checks the answer against exact queueing theory). Stopping on
the observed spread makes the nominal 95 % a little optimistic when very few
replications are used; ``min_replications`` (6) keeps that small.

Bottleneck
----------
At the capacity (the mean scale) the first ``bottleneck_replications`` replications
are run once more; the terminal with the highest stress among those handling the
family — :func:`portsim.verdict.terminal_table`: the larger of berth utilisation / top of
planning band and waiting factor / limit — is the bottleneck, reported with its area.
The same runs check the criterion at the capacity (its mean should be near the limit).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from portsim.config.load import load_scenario
from portsim.config.scenario import Scenario
from portsim.errors import InputError
from portsim.experiments.runner import TaskQueue, open_executor, progress_bar
from portsim.results import RunResult, delivered_per_year
from portsim.simulate import Replications, mean_ci, simulate, simulate_calls

Kind = Literal["waiting_factor", "waiting_factor_guideline", "waiting_factor_friction",
               "mean_wait_h", "p95_wait_h", "share_waiting_over_h", "berth_window_missed"]
"""What a criterion measures on the calls of a cargo family arriving in the window.

* ``waiting_factor`` — today's ``container_waiting_factor``: mean berth-queue wait
  (``wait_berth_h``, arrival at the anchorage to call-in) / mean time alongside
  (``berth_h``, berthed to unberthed, which includes the hours a ship stays alongside
  after its work for a berth closure, weather, the outbound tide, channel traffic, a
  pilot or tugs).
* ``waiting_factor_guideline`` — the basis of the PIANC/UNCTAD (and JTS 165) tables:
  their idealised E2/E2/n (or M/E2/n) queue has ships that are served the moment a
  berth is free and hold it only while they are berthed and worked. It knows nothing
  of weather or berth closures, tide windows, one-way channel traffic, pilot or tug
  waits, the approach from the anchorage, or yard blocking. So: mean berth-queue wait
  (``wait_berth_h``: none of the marine waits, which are booked after call-in) / mean
  berth service time (berthing + cargo work + unberthing: ``handled_h − berthed_h +
  rules.unberthing_h``, i.e. ``berth_h`` without the hours held alongside after the
  work). What it cannot remove: the queue is still lengthened by the berth being held
  while ships wait for the tide, weather or a pilot between call-in and berthing, and
  after their work; a strictly idealised port would need those frictions switched off
  in the model (``rules.marine_model: false``).
* ``waiting_factor_friction`` — friction-inclusive: mean of every wait (berth queue,
  weather, tide, channel, pilot, tug, yard: ``wait_total_h``) / mean ``berth_h``.
* ``mean_wait_h`` / ``p95_wait_h`` — mean / 95th percentile of the berth-queue wait (h).
* ``share_waiting_over_h`` — share of calls not berthed "on arrival", i.e. whose
  berth-queue wait exceeds ``within_h`` hours (``within_h = 0``: P(wait > 0)); the
  criterion "at least x % berthed within k h" is this share <= 1 − x.
* ``berth_window_missed`` — share of on-window calls (those arriving within their
  service's berth-window tolerance: the calls frame's ``on_window`` column, from liner
  services) whose window the terminal did not keep: their berth-queue wait exceeds
  ``within_h`` hours. (Whether a ship arrives on its window is the service's doing, an
  input; whether it then gets its berth is the port's, and grows with demand.) NaN
  without liner services.

Every kind grows with demand, so a capacity is where it crosses its limit from below.
"""

GUIDELINE_EXCLUDES = ("weather and berth closures", "tide windows", "one-way channel traffic",
                      "pilot waits", "tug waits", "the approach from the anchorage",
                      "yard blocking")
"""What the guideline's idealised queue leaves out (see ``waiting_factor_guideline``)."""


# ----------------------------------------------------------------- criterion


@dataclass(frozen=True)
class Criterion:
    """``value(cargo) <= limit`` for one kind of measurement (see :data:`Kind`).

    ``name``: a short id (a column of the evaluations table); ``source``: where the
    limit comes from; ``within_h``: the k of ``share_waiting_over_h``.
    """

    cargo: str
    kind: Kind
    limit: float
    name: str = ""
    source: str = ""
    within_h: float = 0.0
    limit_ci95: float = math.nan  # when the limit is itself measured (the base year's)

    @property
    def id(self) -> str:
        return self.name or self.kind

    def describe(self) -> str:
        """The criterion in words, in the language of :func:`portsim.labels.current`."""
        from portsim.labels import t, translate

        what = {
            "waiting_factor": "waiting factor",
            "waiting_factor_guideline": "waiting factor (guideline basis)",
            "waiting_factor_friction": "waiting factor (all waits)",
            "mean_wait_h": "mean wait",
            "p95_wait_h": "p95 wait",
        }
        cargo = translate(self.cargo)
        if self.kind in ("mean_wait_h", "p95_wait_h"):
            return t("{cargo} {what} <= {limit:.3g} h", cargo=cargo, what=t(what[self.kind]),
                     limit=self.limit)
        if self.kind == "share_waiting_over_h":
            return t("{cargo} berthed within {h:g} h of arrival >= {share:.0%}", cargo=cargo,
                     h=self.within_h, share=1 - self.limit)
        if self.kind == "berth_window_missed":
            return t("{cargo} berth-window compliance >= {share:.0%}", cargo=cargo,
                     share=1 - self.limit)
        return t("{cargo} {what} <= {limit:.3g}", cargo=cargo, what=t(what[self.kind]),
                 limit=self.limit)


def measure(calls: pd.DataFrame, cargo: str, kind: Kind, *, within_h: float = 0.0,
            unberthing_h: float = 0.0) -> float:
    """The value of ``kind`` (see :data:`Kind`) over the family's calls in the window
    (``calls``: a run's call table; ``unberthing_h``: the rules' unberthing time, for the
    guideline basis).

    NaN when no call of the family arrived in the window (or, for
    ``berth_window_missed``, when the calls frame has no ``on_window`` column).
    """
    g = calls[calls["in_window"].to_numpy() & (calls["cargo"].astype(str) == cargo).to_numpy()]
    if g.empty:
        return math.nan
    queue = g["wait_berth_h"]
    if kind == "mean_wait_h":
        return float(queue.mean())
    if kind == "p95_wait_h":
        return float(queue.quantile(0.95))
    if kind == "share_waiting_over_h":
        return float((queue.to_numpy() > within_h).mean())
    if kind == "berth_window_missed":
        if "on_window" not in g:
            return math.nan
        on = g["on_window"].fillna(False).to_numpy(dtype=bool)
        if not on.any():
            return math.nan
        return float((queue.to_numpy()[on] > within_h).mean())
    served = g[g["berthed_h"].notna()]
    if kind == "waiting_factor_guideline":
        service = (served["handled_h"] - served["berthed_h"] + unberthing_h).dropna()
        wait = float(queue.mean())
    elif kind == "waiting_factor_friction":
        service = served["berth_h"].dropna()
        wait = float(g["wait_total_h"].mean())
    else:
        service = served["berth_h"].dropna()
        wait = float(queue.mean())
    return wait / float(service.mean()) if len(service) and service.mean() > 0 else math.nan


def family_demand(scenario: Scenario, cargo: str) -> float:
    """Annual demand of a cargo family in the scenario (TEU or t)."""
    return float(sum(f.annual_volume * scenario.volume_scale(f)
                     for f in scenario.demand if f.cargo == cargo))


def scaled(scenario: Scenario, cargo: str, scale: float) -> Scenario:
    """The scenario with the family's demand multiplied by ``scale``."""
    by_cargo = dict(scenario.demand_scale_by_cargo)
    by_cargo[cargo] = by_cargo.get(cargo, 1.0) * scale  # type: ignore[index]
    return scenario.model_copy(update={"demand_scale_by_cargo": by_cargo})


@dataclass
class Evaluation:
    """One run at one scale (what a worker returns): ``values`` holds every criterion's
    value, in the order asked; ``value`` is the first."""

    value: float
    delivered: float
    elapsed_s: float
    run: RunResult | None = None
    values: tuple[float, ...] = ()
    grows: bool = False
    """The anchorage queue of a terminal of the family grows over the run (one
    replication's stationarity test, :mod:`portsim.saturation`)."""


def evaluate(scenario: Scenario, cargo: str, kind: Kind | Sequence[Criterion], scale: float,
             replication: int, keep_run: bool = False) -> Evaluation:
    """Run replication ``replication`` with the family scaled by ``scale`` (a worker task)
    and measure ``kind`` — or every criterion of a list, on the same run: one port-year
    serves all the criteria of a search."""
    t0 = time.perf_counter()
    sc = scaled(scenario, cargo, scale)
    if keep_run:
        run = simulate(sc, replication)
        calls = run.calls
    else:  # the search needs the calls only: no berth, terminal or component tables
        calls = simulate_calls(sc, replication)
    delivered = delivered_per_year(sc, calls)
    volume = sum(delivered[f.id] for f in sc.demand if f.cargo == cargo)
    crits = ([Criterion(cargo, kind, 1.0)] if isinstance(kind, str) else list(kind))
    values = tuple(measure(calls, cargo, c.kind, within_h=c.within_h,
                           unberthing_h=sc.rules.unberthing_h) for c in crits)
    return Evaluation(values[0], float(volume), time.perf_counter() - t0,
                      run if keep_run else None, values, _grows(sc, calls, cargo))


def _grows(scenario: Scenario, calls: pd.DataFrame, cargo: str) -> bool:
    """Whether the anchorage queue of a terminal handling ``cargo`` grows over this one
    run: each terminal's batch-means trend tested one-sided at 5 % shared over the
    terminals (Bonferroni) and at least one ship of growth, as the verdict's check
    (:mod:`portsim.saturation`) does with one replication — year on year when the
    scenario's runs are (seasonal demand over two years or more)."""
    from portsim.saturation import FALSE_ALARM, growth_test, judged_year_on_year, stationarity

    growth, batches, df = growth_test(judged_year_on_year(scenario))
    run = scenario.run
    start, end = run.warmup_days * 24.0, (run.warmup_days + run.horizon_days) * 24.0
    arrival, called = calls["arrival_h"].to_numpy(), calls["called_h"].to_numpy()
    family = (calls["cargo"].astype(str) == cargo).to_numpy()
    groups = {name: idx for name, idx in calls.groupby("terminal", observed=True).indices.items()
              if family[idx].any()}
    each = FALSE_ALARM / max(len(groups), 1)
    return any(stationarity(str(name), [growth(arrival[idx], called[idx], start, end,
                                               batches)],
                            each, batches=batches, df=df).saturated
               for name, idx in groups.items())


# ----------------------------------------------------------------- one replication's root


@dataclass
class RootSearch:
    """Find where ``g(s)`` crosses ``limit`` for one replication (see module docstring).

    Call :meth:`next_scale` for the next ``s`` to evaluate (``None`` when done), then
    :meth:`observe` with ``g(s)``. Works on ``h = log(g / limit)``: ``h <= 0`` meets
    the criterion. ``g`` of 0 or NaN (no waiting, no calls) counts as far below.
    """

    start: float = 1.0
    step: float = 0.25
    xtol: float = 0.05
    lower: float = 1e-3
    upper: float = 50.0
    max_evals: int = 25
    slope: float | None = None  # d log(g)/ds pooled from other replications: places run 2
    trail: list[tuple[float, float]] = field(default_factory=list)
    _a: tuple[float, float] | None = None  # largest scale seen meeting the criterion
    _b: tuple[float, float] | None = None  # smallest scale seen failing it
    _wa: float = 0.0
    _wb: float = 0.0
    _side: int = 0
    _widths: list[float] = field(default_factory=list)
    status: str = "running"  # "ok", "above upper", "below lower", "max evals"

    def observe(self, scale: float, value: float, limit: float) -> None:
        h = math.log(value / limit) if value > 0 and math.isfinite(value) else -math.inf
        self.trail.append((scale, h))
        # Scales are proposed beyond the bracket's end while stepping out and inside it
        # afterwards, so replacing the end of the same sign keeps a < b. A scale another
        # criterion's search asked for (several criteria share a replication's runs) may
        # lie anywhere: it replaces an end only if it narrows the bracket.
        a, b = self._a, self._b
        inside = (a is None or scale > a[0]) and (b is None or scale < b[0])
        if not inside:
            return
        if h <= 0:
            self._a, self._wa = (scale, h), h
            if self._side == -1 and self._b is not None:
                self._wb /= 2.0  # Illinois: the other end was kept twice
            self._side = -1
        else:
            self._b, self._wb = (scale, h), h
            if self._side == 1 and self._a is not None:
                self._wa /= 2.0
            self._side = 1

    def _extrapolate(self, side: int) -> float | None:
        """Secant through the last two finite points on one side of the crossing."""
        pts = [(s, h) for s, h in self.trail if math.isfinite(h) and (h <= 0) == (side < 0)]
        if len(pts) < 2:
            return None
        (s1, h1), (s2, h2) = pts[-2], pts[-1]
        if h1 == h2 or s1 == s2:
            return None
        return s2 - h2 * (s2 - s1) / (h2 - h1)

    def next_scale(self) -> float | None:
        if self.status != "running":
            return None
        if not self.trail:
            return self.start
        if len(self.trail) >= self.max_evals:
            self.status = "max evals"
            return None
        if len(self.trail) == 1 and self.slope and math.isfinite(self.trail[0][1]):
            # a Newton step with the pooled slope, stretched a little so that it
            # brackets the crossing, and at least 1 % long
            s0, h0 = self.trail[0]
            step = -1.3 * h0 / self.slope
            step = math.copysign(max(abs(step), 0.01 * s0), -h0 if h0 else 1.0)
            return min(max(s0 + step, s0 / 2, self.lower), s0 * 2, self.upper)
        a, b = self._a, self._b
        if b is None:  # criterion met everywhere so far: go up
            assert a is not None
            if a[0] >= self.upper:
                self.status = "above upper"
                return None
            guess = self._extrapolate(-1)
            first = a[0] * (1 + self.step) if math.isfinite(a[1]) else a[0] * 2
            nxt = first if guess is None or guess <= a[0] else min(max(guess, a[0] * 1.02),
                                                                   a[0] * 2)
            return min(nxt, self.upper)
        if a is None:  # criterion failed everywhere so far: go down
            if b[0] <= self.lower:
                self.status = "below lower"
                return None
            guess = self._extrapolate(1)
            first = b[0] / (1 + self.step)
            nxt = first if guess is None or guess >= b[0] else max(min(guess, b[0] / 1.02),
                                                                   b[0] / 2)
            return max(nxt, self.lower)
        width = b[0] - a[0]
        self._widths.append(width)
        if width <= self.xtol * a[0] * (1 + 1e-9):
            self.status = "ok"
            return None
        stalled = len(self._widths) >= 3 and width > 0.5 * self._widths[-3]
        if math.isfinite(self._wa) and not stalled:
            s = b[0] - self._wb * width / (self._wb - self._wa)
        else:  # bisect: no slope, or interpolation failed to halve the bracket in two steps
            s = (a[0] + b[0]) / 2
        return min(max(s, a[0] + 0.1 * width), b[0] - 0.1 * width)

    @property
    def bracketed(self) -> bool:
        """Whether scales on both sides of the crossing have been seen."""
        return self._a is not None and self._b is not None

    @property
    def root(self) -> float:
        """The crossing: interpolated inside the final bracket (log-linear in ``g``)."""
        a, b = self._a, self._b
        if a is None:
            return self.lower if b is None else min(b[0], self.lower)
        if b is None:
            return a[0]
        if not math.isfinite(a[1]):
            return (a[0] + b[0]) / 2
        return a[0] + (0 - a[1]) * (b[0] - a[0]) / (b[1] - a[1])


def pooled_slope(searches: Sequence[RootSearch], band: float = 1.0) -> float | None:
    """Slope of ``log(g / limit)`` in the scale, pooled within replications.

    Least squares on every search's points near the crossing (``|h| <= band``), each
    replication centred on its own means (common random numbers: the replications
    differ in level, they share the slope). ``None`` until two points of one exist.
    """
    sxy = sxx = 0.0
    for search in searches:
        pts = np.array([(s, h) for s, h in search.trail if math.isfinite(h) and abs(h) <= band])
        if len(pts) < 2:
            continue
        ds, dh = pts[:, 0] - pts[:, 0].mean(), pts[:, 1] - pts[:, 1].mean()
        sxy += float(ds @ dh)
        sxx += float(ds @ ds)
    return sxy / sxx if sxx > 0 and sxy > 0 else None


# ----------------------------------------------------------------- the criteria panel

DEFAULT_MEAN_WAIT_H = 6.0
"""Mean berth-queue wait limit (h). Source — assumption: the ±6 h a liner call may
deviate from its schedule (A14); a mean wait inside it is absorbed by the rotation."""

DEFAULT_P95_WAIT_H = 24.0
"""95th-percentile berth-queue wait limit (h). Source — assumption: one day is what a
weekly liner rotation can recover before the next port (the tail, not the mean, breaks
schedules)."""

DEFAULT_WITHIN_H = 2.0
"""The k of "berthed within k h of arrival" (h). Source — assumption: berthing on
arrival, allowing the pilot boarding and approach slack a liner window has."""

DEFAULT_BERTHED_WITHIN_SHARE = 0.90
"""Share of calls to berth within ``DEFAULT_WITHIN_H``. Source — assumption: the 90 %
berth-on-arrival commitment container terminals commonly give liner services."""

DEFAULT_WINDOW_COMPLIANCE = 0.90
"""Berth-window compliance to keep. Source — assumption: as the berth-on-arrival share
(a window kept for 9 calls in 10)."""


@dataclass
class BaseYearLevel:
    """The service level of the base year on the same model: its scenario simulated at
    its own demand, the family's waiting factor (today's basis) and mean berth-queue
    wait per replication, with their means and 95 % CIs."""

    scenario: str
    file: str | None
    cargo: str
    waiting_factor: float
    waiting_factor_ci95: float
    mean_wait_h: float
    mean_wait_h_ci95: float
    samples: pd.DataFrame  # replication, waiting_factor, mean_wait_h

    def describe(self) -> str:
        return (f"{self.scenario} ({len(self.samples)} replications): {self.cargo} waiting "
                f"factor {self.waiting_factor:.3f} ± {self.waiting_factor_ci95:.3f}, mean "
                f"wait {self.mean_wait_h:.1f} ± {self.mean_wait_h_ci95:.1f} h")


def default_base_year(scenario: Scenario) -> Path | None:
    """The base-year scenario of a shipped scenario: ``baseline-2020.yaml`` next to the
    scenario file (the 2020 port calibrated to the 2020 actuals, 3.95 M TEU), when it
    exists; ``None`` otherwise (the base-year criteria are then left out)."""
    if not scenario.file:
        return None
    candidate = Path(scenario.file).parent / "baseline-2020.yaml"
    return candidate if candidate.exists() else None


def panel(scenario: Scenario, cargo: str = "container", base: BaseYearLevel | None = None,
          within_h: float = DEFAULT_WITHIN_H) -> list[Criterion]:
    """The service criteria a capacity run applies together, each with its source.

    In order (the first is the headline the answer is given on):

    1. ``base_year_wf`` — the base year's waiting factor (today's basis), measured on
       the same model (``base``): "the port at the service the base year had". The
       model reproduces the base year's throughput, so the criterion agrees with
       history by construction (at its own demand the base year meets it).
    2. ``base_year_wait`` — the base year's mean berth-queue wait, likewise.
    3. ``wf_guideline`` — the planning waiting factor (``rules.threshold(cargo)``,
       0.10 for containers after the PIANC/UNCTAD tables) on the basis those tables were
       computed on (:data:`Kind`, ``waiting_factor_guideline``).
    4. ``wf_friction`` — the same limit on every wait over the time alongside: the
       guideline's number on a basis it was not defined on, shown for contrast.
    5. ``mean_wait`` (:data:`DEFAULT_MEAN_WAIT_H`), 6. ``p95_wait``
       (:data:`DEFAULT_P95_WAIT_H`), 7. ``berthed_within`` (:data:`DEFAULT_WITHIN_H`,
       :data:`DEFAULT_BERTHED_WITHIN_SHARE`), 8. ``berth_window``
       (:data:`DEFAULT_WINDOW_COMPLIANCE`; left out of the answer when the calls have no
       ``on_window`` column).
    """
    wf = scenario.rules.threshold(cargo)
    out: list[Criterion] = []
    if base is not None:
        out += [
            Criterion(cargo, "waiting_factor", base.waiting_factor, "base_year_wf",
                      f"{base.scenario} simulated on the same model (waiting factor of "
                      f"today's basis, {len(base.samples)} replications)",
                      limit_ci95=base.waiting_factor_ci95),
            Criterion(cargo, "mean_wait_h", base.mean_wait_h, "base_year_wait",
                      f"{base.scenario} simulated on the same model (mean berth-queue "
                      f"wait, {len(base.samples)} replications)",
                      limit_ci95=base.mean_wait_h_ci95),
        ]
    out += [
        Criterion(cargo, "waiting_factor_guideline", wf.waiting_factor, "wf_guideline",
                  f"planning waiting factor ({wf.source or 'PIANC/UNCTAD tables'}), on "
                  f"the tables' basis: berth-queue wait / berth service time, without "
                  f"{', '.join(GUIDELINE_EXCLUDES)}"),
        Criterion(cargo, "waiting_factor_friction", wf.waiting_factor, "wf_friction",
                  "the planning waiting factor applied to every wait (berth queue, "
                  "weather, tide, channel, pilot, tug, yard) / time alongside"),
        Criterion(cargo, "mean_wait_h", DEFAULT_MEAN_WAIT_H, "mean_wait",
                  "assumption: the ±6 h liner schedule deviation (A14)"),
        Criterion(cargo, "p95_wait_h", DEFAULT_P95_WAIT_H, "p95_wait",
                  "assumption: one day, recoverable within a weekly rotation"),
        Criterion(cargo, "share_waiting_over_h", 1 - DEFAULT_BERTHED_WITHIN_SHARE,
                  "berthed_within", "assumption: terminals' 90 % berth-on-arrival "
                  "commitment to liner services", within_h=within_h),
        Criterion(cargo, "berth_window_missed", 1 - DEFAULT_WINDOW_COMPLIANCE, "berth_window",
                  "assumption: a berth window kept (berthed within k h) for 9 of 10 "
                  "on-window calls", within_h=within_h),
    ]
    return out


# ----------------------------------------------------------------- results


@dataclass
class FamilyCapacity:
    """The capacity answer for one cargo family under one criterion."""

    cargo: str
    unit: str
    criterion: Criterion
    demand: float  # the scenario's annual demand of the family (TEU or t)
    target: float  # what the capacity is compared with (default: the demand)
    scale: float  # mean crossing scale
    scale_ci95: float
    capacity: float  # scale × demand
    ci95: float
    replications: int
    samples: pd.DataFrame  # replication, scale, capacity, evaluations, status
    check: tuple[float, float] = (math.nan, math.nan)  # criterion at the capacity: mean, CI
    delivered: float = math.nan  # mean delivered per year at the capacity
    bottleneck: str | None = None
    bottleneck_area: str | None = None
    stress: float = math.nan
    terminals: pd.DataFrame | None = None  # terminal_table at the capacity

    @property
    def margin(self) -> float:
        return self.capacity - self.target

    @property
    def margin_share(self) -> float:
        return self.margin / self.target if self.target else math.nan

    @property
    def rel_ci(self) -> float:
        return self.ci95 / self.capacity if self.capacity else math.nan

    @property
    def status(self) -> str:
        """"above target", "below target" or "target inside the CI"."""
        lo, hi = self.capacity - self.ci95, self.capacity + self.ci95
        if lo > self.target:
            return "above target"
        if hi < self.target:
            return "below target"
        return "target inside the CI"

    def answer(self) -> str:
        """The family's capacity in words, in the language of
        :func:`portsim.labels.current` (the glossary's phrases)."""
        from portsim.labels import current, t, translate

        big = 1e6
        unit = t("M TEU") if self.unit == "TEU" else t("Mt")
        cargo = translate(self.cargo)
        cap = t("{cargo} capacity {c:.2f} ± {h:.2f} {unit}/yr ({criterion}; 95 % CI over {n} "
                "replications)", cargo=cargo, c=self.capacity / big, h=self.ci95 / big,
                unit=unit, criterion=self.criterion.describe(), n=self.replications)
        sure = (t("; the target lies inside the CI") if self.status == "target inside the CI"
                else "")
        margin = t("{m:.2f} {unit} ({share:.1%}) above the {target:.2f} {unit} target"
                   if self.margin >= 0 else
                   "{m:.2f} {unit} ({share:.1%}) below the {target:.2f} {unit} target",
                   m=abs(self.margin) / big, unit=unit, share=abs(self.margin_share),
                   target=self.target / big) + sure
        where = ""
        if self.bottleneck:
            tab = self.terminals
            row = tab[tab["terminal"] == self.bottleneck].iloc[0] if tab is not None else None
            detail = ""
            if row is not None:
                used = ("berth_utilisation" if "berth_utilisation" in row else "occupancy")
                detail = t(": {what} {u:.0%} vs {top:.0%}, waiting factor {wf:.2f} vs "
                           "{lim:.2f}", what=t(used.replace("_", " ")), u=row[used],
                           top=row["band_top"], wf=row["waiting_factor"], lim=row["wf_limit"])
            where = t("; bottleneck at capacity: {t} ({area}), stress {stress:.2f}",
                      t=self.bottleneck, area=self.bottleneck_area, stress=self.stress) + detail
        censored = (self.samples["status"] != "ok").sum()
        note = t(" [{n} replication(s) hit a search bound]", n=censored) if censored else ""
        end = "。" if current() == "zh" else "."
        return f"{cap} — {margin}{where}{end}{note}"


@dataclass
class CapacityResult:
    """Capacities of the families searched, with every evaluation made.

    ``families``: the headline (first) criterion's answer per family; ``criteria``:
    every criterion's answer (the headline ones included), in the order searched.
    ``base_year``: the base year's service level the base-year criteria use, if any.
    ``skipped``: criteria left out, with the reason.
    """

    scenario: str
    families: dict[str, FamilyCapacity]
    evaluations: pd.DataFrame  # cargo, replication, scale, value(s), delivered, elapsed_s
    wall_s: float
    criteria: list[FamilyCapacity] = field(default_factory=list)
    base_year: BaseYearLevel | None = None
    skipped: list[tuple[Criterion, str]] = field(default_factory=list)

    @property
    def container(self) -> FamilyCapacity | None:
        return self.families.get("container")

    def table(self) -> pd.DataFrame:
        """One row per family and criterion: the capacity, its CI and the criterion's
        limit and source (``primary``: the criterion the answer is given on)."""
        rows = []
        saturation = {cargo: self.saturation(cargo) for cargo in self.families}
        for f in self.criteria or list(self.families.values()):
            c = f.criterion
            sat = saturation.get(f.cargo, {})
            rows.append({
                "cargo": f.cargo, "unit": f.unit, "criterion": c.describe(),
                "criterion_id": c.id, "kind": c.kind, "limit": c.limit,
                "limit_ci95": c.limit_ci95, "within_h": c.within_h, "source": c.source,
                "primary": self.families.get(f.cargo) is f,
                "demand": f.demand, "target": f.target, "capacity": f.capacity,
                "ci95": f.ci95, "rel_ci": f.rel_ci, "margin": f.margin,
                "margin_share": f.margin_share, "status": f.status, "scale": f.scale,
                "replications": f.replications, "runs": int(
                    (self.evaluations["cargo"] == f.cargo).sum()),
                "censored": int((f.samples["status"] != "ok").sum()),
                "value_at_capacity": f.check[0], "value_at_capacity_ci95": f.check[1],
                "bottleneck": f.bottleneck, "bottleneck_area": f.bottleneck_area,
                "stress": f.stress,
                "saturation_throughput": sat.get("throughput", math.nan),
                "saturation_throughput_ci95": sat.get("ci95", math.nan),
            })
        return pd.DataFrame(rows)

    def criteria_sentence(self, cargo: str = "container") -> str:
        """How the answer reads under every criterion: "target 8.00 M TEU met under N of
        M criteria; not under ...", for the verdict and the report."""
        fams = [f for f in self.criteria if f.cargo == cargo]
        if len(fams) < 2:
            return ""
        from portsim.labels import label, t

        above = [f for f in fams if f.status == "above target"]
        below = [f for f in fams if f.status == "below target"]
        unsure = [f for f in fams if f.status == "target inside the CI"]
        unit = t("M TEU") if fams[0].unit == "TEU" else t("Mt")
        text = t("the {target:.2f} {unit} target is within capacity under {n} of {total} "
                 "service criteria", target=fams[0].target / 1e6, unit=unit, n=len(above),
                 total=len(fams))
        if below:
            text += t("; not under {ids}", ids=", ".join(label(f.criterion.id)
                                                         for f in below))
        if unsure:
            text += t("; too close to call under {ids}", ids=", ".join(
                label(f.criterion.id) for f in unsure))
        return text

    def saturation(self, cargo: str = "container") -> dict[str, float]:
        """The **saturation throughput**: the largest demand at which no terminal of the
        family has a growing queue, from the search's own runs. Per replication, between
        the largest scale run without growth below the smallest scale run with growth
        (their midpoint; a replication whose runs never grew, or grew at every scale, is
        censored); mean and 95 % CI over the bracketed replications, × the demand."""
        ev = self.evaluations
        ev = ev[ev["cargo"] == cargo] if len(ev) else ev
        fam = self.families.get(cargo)
        out = {"throughput": math.nan, "ci95": math.nan, "scale": math.nan,
               "bracketed": 0, "replications": 0, "highest_stationary": math.nan}
        if fam is None or not len(ev) or "grows" not in ev:
            return out
        points = []
        highest = []
        for _, g in ev.groupby("replication"):
            grows = g[g["grows"].astype(bool)]["scale"]
            calm = g[~g["grows"].astype(bool)]["scale"]
            out["replications"] += 1
            if len(calm):
                highest.append(float(calm.max()))
            if len(grows) and len(calm[calm < grows.min()]):
                points.append((float(calm[calm < grows.min()].max()) + float(grows.min())) / 2)
        out["bracketed"] = len(points)
        out["highest_stationary"] = float(max(highest)) * fam.demand if highest else math.nan
        if points:
            mean, half, _ = mean_ci(points)
            out.update(scale=mean, throughput=mean * fam.demand, ci95=half * fam.demand)
        return out

    def saturation_sentence(self, cargo: str = "container") -> str:
        sat = self.saturation(cargo)
        fam = self.families.get(cargo)
        if fam is None or not sat["replications"]:
            return ""
        from portsim.labels import t, translate

        unit, big = (t("M TEU"), 1e6) if fam.unit == "TEU" else (t("Mt"), 1e6)
        if sat["bracketed"]:
            ci = f" ± {sat['ci95'] / big:.2f}" if np.isfinite(sat["ci95"]) else ""
            return t("saturation throughput (largest demand at which no {cargo} terminal's "
                     "queue grows) {v:.2f}{ci} {unit}/yr ({k} of {n} replications bracketed "
                     "by the search's runs)", cargo=translate(cargo),
                     v=sat["throughput"] / big, ci=ci, unit=unit, k=sat["bracketed"],
                     n=sat["replications"])
        return t("no {cargo} terminal's queue grew in any run of the search (up to {v:.2f} "
                 "{unit}/yr): the saturation throughput lies above the scales searched",
                 cargo=translate(cargo), v=sat["highest_stationary"] / big, unit=unit)

    def answer(self) -> str:
        from portsim.labels import current

        end = "。" if current() == "zh" else "."
        lines = [f"{self.scenario}: {f.answer()}" for f in self.families.values()]
        for cargo in self.families:
            sentence = self.criteria_sentence(cargo)
            if sentence:
                lines.append(f"{self.scenario}: {sentence}{end}")
            saturation = self.saturation_sentence(cargo)
            if saturation:
                lines.append(f"{self.scenario}: {saturation}{end}")
        return "\n".join(lines)


# ----------------------------------------------------------------- the search


@dataclass
class _Chain:
    """One replication's searches, one per criterion, sharing its runs: the first
    criterion still searching chooses the next scale, and every criterion still
    searching takes the value measured there."""

    replication: int
    searches: list[RootSearch]
    pending: float | None = None
    started: set[int] = field(default_factory=set)

    def next_scale(self) -> float | None:
        """A criterion's first own proposal is its start (the mean of its roots in the
        batches before) unless the runs so far bracket its crossing already or include
        that scale: stepping out from the other criteria's points along a flat stretch of
        its curve would go far (the friction-inclusive waiting factor never falls below
        the marine waits over the time alongside)."""
        for k, search in enumerate(self.searches):
            if search.status != "running":
                continue
            if k not in self.started:
                self.started.add(k)
                seen = {s for s, _ in search.trail}
                if search.start not in seen and not search.bracketed:
                    return search.start
            s = search.next_scale()
            if s is not None:
                return s
        return None

    def observe(self, scale: float, values: Sequence[float], crits: Sequence[Criterion]
                ) -> None:
        for search, value, crit in zip(self.searches, values, crits, strict=True):
            if search.status != "running":
                continue
            if crit.kind == "berth_window_missed" and not math.isfinite(value):
                search.status = "no data"  # the calls frame has no on_window column
                continue
            search.observe(scale, value, crit.limit)


def _criteria(scenario: Scenario, cargos: Sequence[str], kind: Kind,
              limit: float | None) -> list[Criterion]:
    present = _present(scenario, cargos)
    out = []
    for c in present:
        if kind == "waiting_factor":
            lim = limit if limit is not None else scenario.rules.threshold(c).waiting_factor
        else:
            if limit is None:
                raise InputError.single("--max-wait-h", "", "a mean-wait criterion needs "
                                        "a limit in hours")
            lim = limit
        if not lim > 0:
            raise InputError.single("--limit", "", f"the limit must be > 0, got {lim}")
        out.append(Criterion(c, kind, float(lim)))
    return out


def _present(scenario: Scenario, cargos: Sequence[str]) -> list[str]:
    """The cargo families asked for ("all": every family in the demand), checked."""
    present = [c for c in dict.fromkeys(f.cargo for f in scenario.demand)]
    if list(cargos) == ["all"]:
        return present
    for c in cargos:
        if c not in present:
            raise InputError.single(scenario.file or "<scenario>", "demand",
                                    f"no demand flow carries '{c}' (flows carry: "
                                    f"{', '.join(present)})")
    return list(cargos)


def capacity(
    scenario: Scenario | str | Path,
    *,
    cargo: str | Sequence[str] = "container",
    criterion: Kind = "waiting_factor",
    limit: float | None = None,
    criteria: Sequence[Criterion] | Literal["panel"] | None = None,
    base_year: Scenario | str | Path | None = None,
    base_year_replications: int | None = None,
    within_h: float = DEFAULT_WITHIN_H,
    target: float | None = None,
    rel_ci: float = 0.02,
    min_replications: int = 6,
    max_replications: int = 40,
    start: float = 1.0,
    xtol: float = 0.05,
    bottleneck: bool = True,
    bottleneck_replications: int = 6,
    pilots: int = 2,
    executor: Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> CapacityResult:
    """Search the capacity of one or more cargo families (see the module docstring).

    Examples
    --------
    >>> from portsim.experiments.capacity import capacity
    >>> res = capacity("scenarios/plan-2025.yaml", criteria="panel",
    ...                base_year="scenarios/baseline-2020.yaml", workers=2)  # doctest: +SKIP
    >>> res.table()[["criterion", "capacity", "ci95", "status"]]  # doctest: +SKIP
    >>> res.answer()  # doctest: +SKIP

    Parameters (as keywords)
    ------------------------
    ``scenario``: a resolved scenario or a scenario file. ``cargo``: a family, a list,
    or ``"all"`` (every family in the demand). ``criterion``/``limit``: one criterion,
    the waiting factor (default limit: the family's planning threshold) or the mean
    wait in hours. ``criteria``: instead, several criteria searched together on the
    same runs — a list of :class:`Criterion`, or ``"panel"`` (:func:`panel` for every
    family, with the base-year criteria when ``base_year`` — a scenario or file — is
    given; it is simulated at its own demand over ``base_year_replications``, default
    its ``run.replications``; ``within_h``: the k of "berthed within k h"). The first
    criterion of a family is its headline. ``target``: what the capacity of the first
    family is compared with (default: its demand in the scenario — 8 M TEU for
    plan-2025). Stops when every criterion's CI half-width is at most ``rel_ci`` of its
    capacity (or at ``max_replications``). ``bottleneck_replications`` replications are
    run again at the headline capacity to find the bottleneck (``bottleneck=False``
    skips them). ``pilots``: replications searched first, from ``start``; the others
    start from what they found. The answer depends on the scenario's seed and these
    settings only, not on the executor or its number of workers.
    """
    t0 = time.perf_counter()
    sc = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    cargos = [cargo] if isinstance(cargo, str) else list(cargo)
    if min_replications < 2 or max_replications < min_replications:
        raise InputError.single("--min-replications", "", "need 2 <= min <= max replications")
    if criteria == "panel" and not within_h >= 0:
        raise InputError.single("--within-h", "", f"must be >= 0 h, got {within_h}")
    base_sc = (load_scenario(base_year) if isinstance(base_year, str | Path) else base_year)
    ctx = open_executor(workers, scheduler) if executor is None else nullcontext(executor)
    evaluations: list[dict[str, Any]] = []
    families: dict[str, FamilyCapacity] = {}
    every: list[FamilyCapacity] = []
    skipped: list[tuple[Criterion, str]] = []
    base: BaseYearLevel | None = None
    with ctx as pool:
        if criteria == "panel":
            present = _present(sc, cargos)
            groups = []
            for c in present:
                if base_sc is not None:
                    base = base_year_level(base_sc, c, base_year_replications, pool)
                groups.append(panel(sc, c, base, within_h))
        elif criteria is not None:
            by_cargo: dict[str, list[Criterion]] = {}
            for crit in criteria:
                by_cargo.setdefault(crit.cargo, []).append(crit)
            _present(sc, list(by_cargo))
            groups = list(by_cargo.values())
        else:
            groups = [[c] for c in _criteria(sc, cargos, criterion, limit)]
        # no total: how many runs a search needs is not known before its CIs say so; the
        # bar counts runs and shows replications done and the current CI (_show_search)
        with progress_bar(None, f"{sc.name} capacity", progress) as bar:
            for k, crits in enumerate(groups):
                fams, left_out = _search(sc, crits, pool, pilots, start, xtol, rel_ci,
                                         min_replications, max_replications,
                                         bottleneck_replications if bottleneck else 0,
                                         evaluations, bar)
                if target is not None and k == 0:
                    for fam in fams:
                        fam.target = float(target)
                families[crits[0].cargo] = fams[0]
                every += fams
                skipped += left_out
    return CapacityResult(sc.name, families,
                          _in_order(evaluations, [g[0].cargo for g in groups]),
                          time.perf_counter() - t0, every, base, skipped)


def base_year_level(base: Scenario, cargo: str = "container", replications: int | None = None,
                    executor: Executor | None = None) -> BaseYearLevel:
    """Simulate the base year at its own demand and measure the family's waiting
    factor (today's basis) and mean berth-queue wait, with 95 % CIs (see
    :class:`BaseYearLevel`). Replications are those of the base scenario's seed."""
    n = replications or base.run.replications
    if n < 2:
        raise InputError.single("--base-year-replications", "", "need at least 2")
    _present(base, [cargo])
    crits = [Criterion(cargo, "waiting_factor", 1.0), Criterion(cargo, "mean_wait_h", 1.0)]
    queue = TaskQueue(executor)
    for r in range(n):
        queue.submit(r, evaluate, base, cargo, crits, 1.0, r)
    values: dict[int, tuple[float, ...]] = {}
    while len(queue):
        for rep, ok, value in queue.next_done():
            if not ok:
                raise RuntimeError(f"base-year replication {rep} failed: {value}")
            assert isinstance(value, Evaluation)
            values[int(rep)] = value.values  # type: ignore[call-overload]
    order = sorted(values)
    samples = pd.DataFrame({"replication": order,
                            "waiting_factor": [values[r][0] for r in order],
                            "mean_wait_h": [values[r][1] for r in order]})
    wf, wf_half, _ = mean_ci(samples["waiting_factor"])
    wait, wait_half, _ = mean_ci(samples["mean_wait_h"])
    return BaseYearLevel(base.name, base.file, cargo, wf, wf_half, wait, wait_half, samples)


def _in_order(evaluations: list[dict[str, Any]], cargos: list[str]) -> pd.DataFrame:
    """The evaluations by cargo, phase and replication, not in the order they finished
    (which depends on the workers); a replication's search steps keep their order."""
    frame = pd.DataFrame(evaluations)
    if frame.empty:
        return frame
    rank = {"cargo": {c: i for i, c in enumerate(cargos)},
            "phase": {"search": 0, "at capacity": 1}}
    return frame.sort_values(
        ["cargo", "phase", "replication"], kind="stable",
        key=lambda col: col.map(rank[col.name]) if col.name in rank else col,
    ).reset_index(drop=True)


def _search(sc: Scenario, crits: list[Criterion], pool: Executor | None, pilots: int,
            start: float, xtol: float, rel_ci: float, min_reps: int, max_reps: int,
            bottleneck: int, evaluations: list[dict[str, Any]], bar
            ) -> tuple[list[FamilyCapacity], list[tuple[Criterion, str]]]:
    """Batches of replications until every CI is narrow enough (see the module docstring).

    Batch 1 is the pilots (started at ``start``), batch 2 fills up to ``min_reps``,
    later batches add what the CIs so far say is missing. Every chain of a batch starts
    from the mean and pooled slope of the batches before it, so each sample — and the
    number of replications — depends on the seed only, not on which worker ran what.
    All criteria of one family (``crits``, same cargo) share the runs: a replication's
    run at a scale gives every criterion its value there.
    """
    cargo = crits[0].cargo
    demand = family_demand(sc, cargo)
    queue = TaskQueue(pool)
    done: dict[int, _Chain] = {}
    k_all = range(len(crits))
    max_evals = max(25, 8 * len(crits))

    def live() -> list[int]:
        """Criteria that can be measured (not "no data" in every replication)."""
        return [k for k in k_all if any(done[r].searches[k].status != "no data"
                                        for r in done)] if done else list(k_all)

    def roots(k: int) -> np.ndarray:
        return np.array([done[r].searches[k].root for r in sorted(done)])

    def run_batch(reps: range) -> None:
        prior = [done[r] for r in sorted(done)]
        starts = [float(roots(k).mean()) if prior else start for k in k_all]
        chains = {r: _Chain(r, [RootSearch(
            start=starts[k], step=xtol if prior else 0.25, xtol=xtol if k == 0 else 2 * xtol,
            max_evals=max_evals,
            slope=pooled_slope([c.searches[k] for c in prior])) for k in k_all])
            for r in reps}
        for chain in chains.values():  # criteria without data: not searched again
            for k in k_all:
                if prior and k not in live():
                    chain.searches[k].status = "no data"

        def submit(chain: _Chain) -> bool:
            s = chain.next_scale()
            if s is None:
                return False
            chain.pending = s
            queue.submit(chain.replication, evaluate, sc, cargo,
                         crits if len(crits) > 1 else crits[0].kind, s, chain.replication)
            return True

        for chain in chains.values():
            submit(chain)
        while len(queue):
            for rep, ok, value in queue.next_done():
                if not ok:
                    raise RuntimeError(f"replication {rep} of the {cargo} capacity "
                                       f"search failed: {type(value).__name__}: {value}")
                chain = chains[int(rep)]  # type: ignore[call-overload]
                s = chain.pending
                assert s is not None and isinstance(value, Evaluation)
                chain.observe(s, value.values, crits)
                evaluations.append(_row(cargo, chain.replication, s, demand, value, crits,
                                        "search"))
                _tick(bar, len(queue))
                if not submit(chain):
                    done[chain.replication] = chain
                    _show_search(bar, cargo, roots(0), rel_ci)

    def missing() -> int:
        """Replications the widest CI asks for (0: every CI is narrow enough)."""
        need = 0
        for k in live():
            r = roots(k)
            need = max(need, replications_for(r, rel_ci * float(r.mean())))
        return need

    try:
        run_batch(range(0, min(pilots, min_reps)))
        run_batch(range(len(done), min_reps))
        while len(done) < max_reps:
            need = missing()
            if not need:
                break
            run_batch(next_batch(len(done), need, max_reps))
    except BaseException:
        queue.cancel()
        raise

    order = sorted(done)
    fams: list[FamilyCapacity] = []
    skipped: list[tuple[Criterion, str]] = []
    for k in k_all:
        crit = crits[k]
        if k not in live():
            skipped.append((crit, "the calls frame has no on_window column (no berth "
                                  "windows in this model)"))
            continue
        r = roots(k)
        scale, scale_half, n = mean_ci(r)
        samples = pd.DataFrame({
            "replication": order, "scale": r, "capacity": r * demand,
            "evaluations": [len(done[i].searches[k].trail) for i in order],
            "status": [done[i].searches[k].status for i in order]})
        fams.append(FamilyCapacity(
            cargo=cargo, unit="TEU" if cargo == "container" else "t", criterion=crit,
            demand=demand, target=demand, scale=scale, scale_ci95=scale_half,
            capacity=scale * demand, ci95=scale_half * demand, replications=n,
            samples=samples))
    if bottleneck and fams:
        _bottleneck(sc, crits, fams[0], queue, order[:bottleneck], evaluations, bar)
    return fams, skipped


def replications_for(samples: np.ndarray, half_width: float) -> int:
    """The stopping rule: 0 when the 95 % CI half-width of the mean of ``samples`` (one
    value per replication) is at most ``half_width``; else the replications the CI asks
    for at the current spread, 10 % to spare. Used by the capacity search (half-width
    ``rel_ci`` × the mean) and the transfer-berth search
    (:mod:`portsim.experiments.canal`: the distance from the mean to the limit)."""
    n, sd = len(samples), float(samples.std(ddof=1))
    if stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= half_width:
        return 0
    return math.ceil(1.1 * (stats.t.ppf(0.975, n - 1) * sd / half_width) ** 2)


def next_batch(done: int, need: int, max_reps: int) -> range:
    """The next batch of replications after ``done`` of them when ``need`` are asked
    for: at least one more, at most doubling (the spread of a few samples is itself
    uncertain), at most ``max_reps`` in all."""
    return range(done, min(max(need, done + 1), 2 * done, max_reps))


def _row(cargo: str, replication: int, scale: float, demand: float, value: Evaluation,
         crits: Sequence[Criterion], phase: str) -> dict[str, Any]:
    """A row of the evaluations table: ``value`` is the first criterion's; with several
    criteria, ``value_<id>`` each one's."""
    row: dict[str, Any] = {"cargo": cargo, "replication": replication, "scale": scale,
                           "volume": scale * demand, "value": value.value,
                           "delivered": value.delivered, "elapsed_s": value.elapsed_s,
                           "grows": value.grows, "phase": phase}
    if len(crits) > 1:
        row |= {f"value_{c.id}": v for c, v in zip(crits, value.values, strict=True)}
    return row


def _bottleneck(sc: Scenario, crits: Sequence[Criterion], fam: FamilyCapacity,
                queue: TaskQueue, replications: list[int], evaluations: list[dict[str, Any]],
                bar) -> None:
    """Run every replication at the (headline) capacity; judge the terminals there."""
    from portsim.verdict import terminal_table

    crit = fam.criterion
    for r in replications:
        queue.submit(r, evaluate, sc, crit.cargo,
                     list(crits) if len(crits) > 1 else crit.kind, fam.scale, r, True)
    runs: dict[int, RunResult] = {}
    values: dict[int, tuple[float, float]] = {}
    while len(queue):
        for rep, ok, value in queue.next_done():
            if not ok:
                raise RuntimeError(f"replication {rep} at the capacity failed: {value}")
            assert isinstance(value, Evaluation) and value.run is not None
            runs[int(rep)] = value.run  # type: ignore[call-overload]
            values[int(rep)] = (value.value, value.delivered)  # type: ignore[call-overload]
            evaluations.append(_row(crit.cargo, int(rep), fam.scale,  # type: ignore[call-overload]
                                    fam.demand, value, crits, "at capacity"))
            _tick(bar, len(queue))
    reps = Replications(scaled(sc, crit.cargo, fam.scale), [runs[r] for r in sorted(runs)])
    terms = terminal_table(reps)
    # summed in replication order: the same bits whichever worker finished first
    at_capacity = [values[r] for r in sorted(values)]
    mean, half, _ = mean_ci(v for v, _ in at_capacity)
    fam.check = (mean, half)
    fam.delivered = mean_ci(d for _, d in at_capacity)[0]
    fam.terminals = terms
    own = terms[terms["cargo"].astype(str).str.split("/").apply(lambda cs: crit.cargo in cs)]
    own = own[own["stress"].notna()]
    if len(own):
        top = own.sort_values("stress", ascending=False).iloc[0]
        fam.bottleneck = str(top["terminal"])
        fam.bottleneck_area = str(top["area"])
        fam.stress = float(top["stress"])


def _tick(bar, left: int) -> None:
    """One run done (the bar has no total, so it never runs backwards; ``left``: runs
    still queued, kept for the bar's caller)."""
    bar.update(1)


def search_state(cargo: str, roots: np.ndarray, rel_ci: float) -> str:
    """What the capacity search has so far, in words for the progress bar: replications
    finished and the headline capacity's current 95 % CI half-width relative to its mean,
    against the target ``rel_ci`` (the search stops when it is reached)."""
    r = np.asarray(roots, dtype=float)
    r = r[np.isfinite(r)]
    n = len(r)
    if n < 2 or not r.mean() > 0:
        return f"{cargo}: {n} replication(s) done"
    half = stats.t.ppf(0.975, n - 1) * r.std(ddof=1) / math.sqrt(n)
    return (f"{cargo}: {n} replications done, CI ±{half / r.mean():.1%} "
            f"(stops at ±{rel_ci:.1%})")


def _show_search(bar, cargo: str, roots: np.ndarray, rel_ci: float) -> None:
    if not bar.disable:
        bar.set_postfix_str(search_state(cargo, roots, rel_ci), refresh=True)
