"""Capacity search: the largest annual throughput at which the port still meets a criterion.

Question
--------
How many TEU a year (or, per cargo family, tonnes) can the port take before its
service level becomes unacceptable? The service criterion is, by default, the
planning waiting-factor limit of the cargo family — mean wait for a berth divided by
mean berth time, ``rules.threshold(cargo).waiting_factor``: 0.10 for container
berths, after the PIANC/UNCTAD tables — or, alternatively, a mean-wait limit in
hours. The measured value is that of every call of the family arriving inside the
measurement window (the same definition as ``container_waiting_factor`` in the port
KPIs).

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
family — :func:`portsim.verdict.terminal_table`: the larger of occupancy / top of
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
from portsim.demand import plan_calls
from portsim.errors import InputError
from portsim.experiments.runner import TaskQueue, open_executor, progress_bar
from portsim.model.port import PortModel
from portsim.results import RunResult, calls_frame, delivered_per_year
from portsim.simulate import Replications, mean_ci, simulate

Kind = Literal["waiting_factor", "mean_wait_h"]


# ----------------------------------------------------------------- criterion


@dataclass(frozen=True)
class Criterion:
    """``value(cargo) <= limit``, the value being the waiting factor or mean wait (h)."""

    cargo: str
    kind: Kind
    limit: float

    def describe(self) -> str:
        if self.kind == "waiting_factor":
            return f"{self.cargo} waiting factor <= {self.limit:g}"
        return f"{self.cargo} mean wait <= {self.limit:g} h"


def measure(calls: pd.DataFrame, cargo: str, kind: Kind) -> float:
    """Mean wait for a berth (h) or waiting factor of the family's calls in the window
    (``calls``: a run's call table).

    NaN when no call of the family arrived in the window.
    """
    g = calls[calls["in_window"].to_numpy() & (calls["cargo"].astype(str) == cargo).to_numpy()]
    if g.empty:
        return math.nan
    wait = float(g["wait_berth_h"].mean())
    if kind == "mean_wait_h":
        return wait
    berth = g.loc[g["berthed_h"].notna(), "berth_h"].dropna()
    return wait / float(berth.mean()) if len(berth) and berth.mean() > 0 else math.nan


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
    """One run at one scale (what a worker returns)."""

    value: float
    delivered: float
    elapsed_s: float
    run: RunResult | None = None


def evaluate(scenario: Scenario, cargo: str, kind: Kind, scale: float, replication: int,
             keep_run: bool = False) -> Evaluation:
    """Run replication ``replication`` with the family scaled by ``scale`` (a worker task)."""
    t0 = time.perf_counter()
    sc = scaled(scenario, cargo, scale)
    if keep_run:
        run = simulate(sc, replication)
        calls = run.calls
    else:  # the search needs the calls only: no berth, terminal or component tables
        plan = plan_calls(sc, replication)
        calls = calls_frame(sc, plan, PortModel(sc, plan, replication).run())
    delivered = delivered_per_year(sc, calls)
    volume = sum(delivered[f.id] for f in sc.demand if f.cargo == cargo)
    return Evaluation(measure(calls, cargo, kind), float(volume), time.perf_counter() - t0,
                      run if keep_run else None)


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
        # afterwards, so replacing the end of the same sign keeps a < b.
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


def pooled_slope(chains: Sequence[_Chain], band: float = 1.0) -> float | None:
    """Slope of ``log(g / limit)`` in the scale, pooled within replications.

    Least squares on every chain's points near the crossing (``|h| <= band``), each
    chain centred on its own means (common random numbers: the replications differ
    in level, they share the slope). ``None`` until two points of a chain exist.
    """
    sxy = sxx = 0.0
    for c in chains:
        pts = np.array([(s, h) for s, h in c.search.trail if math.isfinite(h) and abs(h) <= band])
        if len(pts) < 2:
            continue
        ds, dh = pts[:, 0] - pts[:, 0].mean(), pts[:, 1] - pts[:, 1].mean()
        sxy += float(ds @ dh)
        sxx += float(ds @ ds)
    return sxy / sxx if sxx > 0 and sxy > 0 else None


# ----------------------------------------------------------------- results


@dataclass
class FamilyCapacity:
    """The capacity answer for one cargo family."""

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

    def answer(self) -> str:
        big = 1e6
        unit = "M TEU" if self.unit == "TEU" else "Mt"
        cap = (f"{self.cargo} capacity {self.capacity / big:.2f} ± {self.ci95 / big:.2f} "
               f"{unit}/yr ({self.criterion.describe()}; 95 % CI over {self.replications} "
               f"replications)")
        word = "above" if self.margin >= 0 else "below"
        lo, hi = self.capacity - self.ci95, self.capacity + self.ci95
        sure = ("" if (lo > self.target or hi < self.target)
                else "; the target lies inside the CI")
        margin = (f"{abs(self.margin) / big:.2f} {unit} ({abs(self.margin_share):.1%}) {word} "
                  f"the {self.target / big:.2f} {unit} target{sure}")
        where = ""
        if self.bottleneck:
            t = self.terminals
            row = t[t["terminal"] == self.bottleneck].iloc[0] if t is not None else None
            detail = ""
            if row is not None:
                detail = (f": occupancy {row['occupancy']:.0%} vs {row['band_top']:.0%}, "
                          f"waiting factor {row['waiting_factor']:.2f} vs "
                          f"{row['wf_limit']:.2f}")
            where = (f"; bottleneck at capacity: {self.bottleneck} ({self.bottleneck_area}), "
                     f"stress {self.stress:.2f}{detail}")
        censored = (self.samples["status"] != "ok").sum()
        note = f" [{censored} replication(s) hit a search bound]" if censored else ""
        return f"{cap} — {margin}{where}.{note}"


@dataclass
class CapacityResult:
    """Capacities of the families searched, with every evaluation made."""

    scenario: str
    families: dict[str, FamilyCapacity]
    evaluations: pd.DataFrame  # cargo, replication, scale, value, delivered, elapsed_s
    wall_s: float

    @property
    def container(self) -> FamilyCapacity | None:
        return self.families.get("container")

    def table(self) -> pd.DataFrame:
        rows = []
        for f in self.families.values():
            rows.append({
                "cargo": f.cargo, "unit": f.unit, "criterion": f.criterion.describe(),
                "demand": f.demand, "target": f.target, "capacity": f.capacity,
                "ci95": f.ci95, "rel_ci": f.rel_ci, "margin": f.margin,
                "margin_share": f.margin_share, "scale": f.scale,
                "replications": f.replications, "runs": int(
                    (self.evaluations["cargo"] == f.cargo).sum()),
                "value_at_capacity": f.check[0], "value_at_capacity_ci95": f.check[1],
                "bottleneck": f.bottleneck, "bottleneck_area": f.bottleneck_area,
                "stress": f.stress,
            })
        return pd.DataFrame(rows)

    def answer(self) -> str:
        return "\n".join(f"{self.scenario}: {f.answer()}" for f in self.families.values())


# ----------------------------------------------------------------- the search


@dataclass
class _Chain:
    replication: int
    search: RootSearch
    pending: float | None = None


def _criteria(scenario: Scenario, cargos: Sequence[str], kind: Kind,
              limit: float | None) -> list[Criterion]:
    present = [c for c in dict.fromkeys(f.cargo for f in scenario.demand)]
    if list(cargos) == ["all"]:
        cargos = present
    out = []
    for c in cargos:
        if c not in present:
            raise InputError.single(scenario.file or "<scenario>", "demand",
                                    f"no demand flow carries '{c}' (flows carry: "
                                    f"{', '.join(present)})")
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


def capacity(
    scenario: Scenario | str | Path,
    *,
    cargo: str | Sequence[str] = "container",
    criterion: Kind = "waiting_factor",
    limit: float | None = None,
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

    ``scenario``: a resolved scenario or a scenario file. ``cargo``: a family, a list,
    or ``"all"`` (every family in the demand). ``criterion``/``limit``: the waiting
    factor (default limit: the family's planning threshold) or the mean wait in hours.
    ``target``: what the capacity of the first family is compared with (default: its
    demand in the scenario — 8 M TEU for plan-2025). Stops when the CI half-width is at
    most ``rel_ci`` of the capacity. ``bottleneck_replications`` replications are run
    again at the capacity to find the bottleneck (``bottleneck=False`` skips them).
    ``pilots``: replications searched first, from ``start``; the others start from
    what they found. The answer depends on the scenario's seed and these settings only,
    not on the executor or its number of workers.
    """
    t0 = time.perf_counter()
    sc = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    cargos = [cargo] if isinstance(cargo, str) else list(cargo)
    crits = _criteria(sc, cargos, criterion, limit)
    if min_replications < 2 or max_replications < min_replications:
        raise InputError.single("--min-replications", "", "need 2 <= min <= max replications")
    ctx = open_executor(workers, scheduler) if executor is None else nullcontext(executor)
    evaluations: list[dict[str, Any]] = []
    families: dict[str, FamilyCapacity] = {}
    with ctx as pool:
        estimate = min_replications * 3 + (bottleneck_replications if bottleneck else 0)
        with progress_bar(estimate * len(crits), f"{sc.name} capacity", progress) as bar:
            for k, crit in enumerate(crits):
                fam = _search(sc, crit, pool, pilots, start, xtol, rel_ci, min_replications,
                              max_replications, bottleneck_replications if bottleneck else 0,
                              evaluations, bar)
                if target is not None and k == 0:
                    fam.target = float(target)
                families[crit.cargo] = fam
    return CapacityResult(sc.name, families, _in_order(evaluations, [c.cargo for c in crits]),
                          time.perf_counter() - t0)


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


def _search(sc: Scenario, crit: Criterion, pool: Executor | None, pilots: int, start: float,
            xtol: float, rel_ci: float, min_reps: int, max_reps: int, bottleneck: int,
            evaluations: list[dict[str, Any]], bar) -> FamilyCapacity:
    """Batches of replications until the CI is narrow enough (see the module docstring).

    Batch 1 is the pilots (started at ``start``), batch 2 fills up to ``min_reps``,
    later batches add what the CI so far says is missing. Every chain of a batch starts
    from the mean and pooled slope of the batches before it, so each sample — and the
    number of replications — depends on the seed only, not on which worker ran what.
    """
    demand = family_demand(sc, crit.cargo)
    queue = TaskQueue(pool)
    done: dict[int, _Chain] = {}

    def roots() -> np.ndarray:
        return np.array([done[r].search.root for r in sorted(done)])

    def run_batch(reps: range) -> None:
        prior = [done[r] for r in sorted(done)]
        first = float(roots().mean()) if prior else start
        chains = {r: _Chain(r, RootSearch(start=first, step=xtol if prior else 0.25,
                                          xtol=xtol, slope=pooled_slope(prior)))
                  for r in reps}

        def submit(chain: _Chain) -> bool:
            s = chain.search.next_scale()
            if s is None:
                return False
            chain.pending = s
            queue.submit(chain.replication, evaluate, sc, crit.cargo, crit.kind, s,
                         chain.replication)
            return True

        for chain in chains.values():
            submit(chain)
        while len(queue):
            for rep, ok, value in queue.next_done():
                if not ok:
                    raise RuntimeError(f"replication {rep} of the {crit.cargo} capacity "
                                       f"search failed: {type(value).__name__}: {value}")
                chain = chains[int(rep)]  # type: ignore[call-overload]
                s = chain.pending
                assert s is not None and isinstance(value, Evaluation)
                chain.search.observe(s, value.value, crit.limit)
                evaluations.append({"cargo": crit.cargo, "replication": chain.replication,
                                    "scale": s, "volume": s * demand, "value": value.value,
                                    "delivered": value.delivered,
                                    "elapsed_s": value.elapsed_s, "phase": "search"})
                _tick(bar, len(queue))
                if not submit(chain):
                    done[chain.replication] = chain

    try:
        run_batch(range(0, min(pilots, min_reps)))
        run_batch(range(len(done), min_reps))
        while len(done) < max_reps:
            r = roots()
            n, mean, sd = len(r), float(r.mean()), float(r.std(ddof=1))
            if stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) <= rel_ci * mean:
                break
            # replications the CI asks for at the current spread, 10 % to spare; at most
            # doubling, since the spread of a few samples is itself uncertain
            need = math.ceil(1.1 * (stats.t.ppf(0.975, n - 1) * sd / (rel_ci * mean)) ** 2)
            run_batch(range(n, min(max(need, n + 1), 2 * n, max_reps)))
    except BaseException:
        queue.cancel()
        raise

    order = sorted(done)
    r = roots()
    scale, scale_half, n = mean_ci(r)
    samples = pd.DataFrame({
        "replication": order, "scale": r, "capacity": r * demand,
        "evaluations": [len(done[i].search.trail) for i in order],
        "status": [done[i].search.status for i in order]})
    fam = FamilyCapacity(
        cargo=crit.cargo, unit="TEU" if crit.cargo == "container" else "t", criterion=crit,
        demand=demand, target=demand, scale=scale, scale_ci95=scale_half,
        capacity=scale * demand, ci95=scale_half * demand, replications=n, samples=samples)
    if bottleneck:
        _bottleneck(sc, crit, fam, queue, order[:bottleneck], evaluations, bar)
    return fam


def _bottleneck(sc: Scenario, crit: Criterion, fam: FamilyCapacity, queue: TaskQueue,
                replications: list[int], evaluations: list[dict[str, Any]], bar) -> None:
    """Run every replication at the capacity; judge the terminals there."""
    from portsim.verdict import terminal_table

    for r in replications:
        queue.submit(r, evaluate, sc, crit.cargo, crit.kind, fam.scale, r, True)
    runs: dict[int, RunResult] = {}
    values: dict[int, tuple[float, float]] = {}
    while len(queue):
        for rep, ok, value in queue.next_done():
            if not ok:
                raise RuntimeError(f"replication {rep} at the capacity failed: {value}")
            assert isinstance(value, Evaluation) and value.run is not None
            runs[int(rep)] = value.run  # type: ignore[call-overload]
            values[int(rep)] = (value.value, value.delivered)  # type: ignore[call-overload]
            evaluations.append({"cargo": crit.cargo, "replication": rep, "scale": fam.scale,
                                "volume": fam.capacity, "value": value.value,
                                "delivered": value.delivered, "elapsed_s": value.elapsed_s,
                                "phase": "at capacity"})
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
    """One run done; the bar's total is an estimate, raised when the search runs longer."""
    bar.update(1)
    if not bar.disable and bar.total is not None and bar.n + left >= bar.total:
        bar.total = bar.n + left + 2
        bar.refresh()
