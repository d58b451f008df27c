"""From annual demand to a stream of ship calls (numpy, before any simulation).

For each flow the annual volume (scaled by the scenario's ``demand_scale`` and its
cargo family's ``demand_scale_by_cargo``) divided
by the mean volume per call gives the calls per year, shared among ship classes by
their call shares. Liner calls keep an evenly spaced timetable with a random phase
and a normal schedule deviation; tramp calls are Poisson (or Erlang-k renewal)
arrivals. Each call is given its volume, its terminal (by the flow's terminal
shares, or the terminals' design capacity, among those that can take the ship) and a
mean-one handling-time multiplier. All draws come from per-flow named streams, so
the call list is fixed before the SimPy model starts and is identical across
scenarios that share a seed (common random numbers).

With ``rules.liner_calls: services`` a container flow that has ``services`` takes its
liner calls from them (:mod:`portsim.services`): each service calls at every window
start (from its window in week 0, every 168 / calls-per-week hours); a share
``on_window_share`` of its calls arrives on-window, off the window start by
N(0, ``deviation_h``) truncated to ± the tolerance min(3 × deviation, window / 2) (by
the inverse normal CDF, so each call takes one draw); the others arrive late by the
tolerance + an exponential delay, ``late_mean_h`` after the window start on average.
The class's remaining calls (calls a year − its services' calls a year) are random
(tramp) calls whose terminal is drawn by the flow's allocation table. Seasons
(:class:`portsim.config.services.Seasons`) time-change the random and stream arrivals
and scale service call sizes; flat seasons and ``liner_calls: stream`` draw exactly
what they drew before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from portsim.config.fit import QuayLine, lines_for, quay_lines
from portsim.config.load import eligible_terminals
from portsim.config.port import ShipClass
from portsim.config.scenario import Flow, Scenario, VolumeDistribution
from portsim.services import (
    ResolvedService,
    ServiceList,
    ServicePlan,
    allocation_row,
    class_trade,
    day_intensity,
    hourly_intensity,
    resolve_services,
    row_shares,
    time_change,
)
from portsim.streams import gamma_multiplier, stream

HOURS_PER_YEAR = 8760.0


class NoCanal:
    """The ``canal`` of a call plan without the Pinglu Canal: falsy, and selecting calls
    with a mask (as a per-terminal sub-plan does) keeps it so."""

    def __getitem__(self, key: Any) -> NoCanal:
        return self

    def __bool__(self) -> bool:
        return False


NO_CANAL = NoCanal()


@dataclass(frozen=True)
class CallPlan:
    """All calls of one replication, sorted by arrival time (hours from start)."""

    arrival_h: np.ndarray
    flow: np.ndarray  # index into scenario.demand
    ship_class: np.ndarray  # index into port.ship_classes
    terminal: np.ndarray  # index into port.terminals
    volume: np.ndarray  # TEU for containers, tonnes otherwise
    handling_factor: np.ndarray  # mean-one multiplier of handling time
    liner: np.ndarray  # bool
    service: np.ndarray | None = None  # index into ``services``; -1: not a service call
    window_start_h: np.ndarray | None = None  # scheduled window start (NaN: no service)
    window_h: np.ndarray | None = None  # window length (NaN: no service)
    on_window: np.ndarray | None = None  # bool: arrived within its window's tolerance
    services: tuple[ResolvedService, ...] = ServiceList()
    # the canal calls' lock passages (portsim.canal_locks.LockPassage); falsy without
    canal: Any = None

    def __post_init__(self) -> None:
        n = len(self.arrival_h)
        defaults = {"service": np.full(n, -1), "window_start_h": np.full(n, np.nan),
                    "window_h": np.full(n, np.nan), "on_window": np.zeros(n, bool)}
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if self.canal is None:
            object.__setattr__(self, "canal", NO_CANAL)
        if not isinstance(self.services, ServiceList):
            object.__setattr__(self, "services", ServiceList(self.services))

    def __len__(self) -> int:
        return len(self.arrival_h)


def draw_volumes(dist: VolumeDistribution, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` call volumes from the flow class's distribution."""
    if dist.dist == "fixed" or (dist.dist in ("gamma", "lognormal") and not dist.cv):
        return np.full(n, float(dist.mean))  # type: ignore[arg-type]
    if dist.dist == "gamma":
        return dist.mean * gamma_multiplier(rng, float(dist.cv), n)  # type: ignore[operator]
    if dist.dist == "lognormal":
        sigma2 = np.log1p(dist.cv**2)  # type: ignore[operator]
        return rng.lognormal(np.log(dist.mean) - sigma2 / 2, np.sqrt(sigma2), n)  # type: ignore[arg-type]
    if dist.dist == "triangular":
        return rng.triangular(dist.low, dist.mode, dist.high, n)  # type: ignore[arg-type]
    return rng.uniform(dist.low, dist.high, n)  # type: ignore[arg-type]


def liner_arrivals(
    rate_per_h: float, horizon_h: float, deviation_h: float, rng: np.random.Generator
) -> np.ndarray:
    """Timetabled calls every 1/rate hours (random phase), each off schedule by N(0, dev)."""
    if rate_per_h <= 0:
        return np.empty(0)
    spacing = 1.0 / rate_per_h
    slots = rng.uniform(0.0, spacing) + spacing * np.arange(int(np.ceil(horizon_h / spacing)) + 1)
    times = slots + rng.normal(0.0, deviation_h, len(slots)) if deviation_h > 0 else slots
    return np.sort(times[(times >= 0.0) & (times < horizon_h)])


def random_arrivals(
    rate_per_h: float, horizon_h: float, erlang_k: int, rng: np.random.Generator
) -> np.ndarray:
    """Renewal arrivals with Erlang-k gaps of mean 1/rate (k = 1: a Poisson process)."""
    if rate_per_h <= 0:
        return np.empty(0)
    mean_gap = 1.0 / rate_per_h
    n = int(horizon_h * rate_per_h + 10 * np.sqrt(horizon_h * rate_per_h) + 20)
    times = np.cumsum(rng.gamma(erlang_k, mean_gap / erlang_k, n))
    while times[-1] < horizon_h:  # rarely needed: extend the sequence
        more = times[-1] + np.cumsum(rng.gamma(erlang_k, mean_gap / erlang_k, n))
        times = np.concatenate([times, more])
    return times[times < horizon_h]


def terminal_weights(flow: Flow, scenario: Scenario, terminals: list[str]) -> np.ndarray:
    """Share of a flow's calls per terminal: as given, else by design capacity."""
    port = scenario.port
    if isinstance(flow.terminals, dict):
        w = np.array([flow.terminals.get(t, 0.0) for t in terminals], dtype=float)
    else:
        field = "design_capacity_teu" if flow.cargo == "container" else "design_capacity_t"
        w = np.array(
            [sum(getattr(b, field) for b in port.berths
                 if b.terminal == t and flow.cargo in b.cargo) for t in terminals],
            dtype=float,
        )
    if w.sum() <= 0:
        w = np.ones(len(terminals))
    return w / w.sum()


def class_calls_per_year(scenario: Scenario, flow: Flow) -> list[float]:
    """Expected calls per year of each of the flow's ship classes (in ``flow.classes``
    order): the scaled annual volume over the mean volume per call, shared by call share.
    The call plan draws its arrivals at these rates; the analytic preview uses them too."""
    calls = flow.annual_volume * scenario.volume_scale(flow) / flow.mean_volume_per_call
    total_share = sum(c.share for c in flow.classes)
    return [calls * c.share / total_share for c in flow.classes]


def class_terminals(scenario: Scenario, flow: Flow, ship: ShipClass,
                    lines: list[QuayLine] | None = None) -> list[str]:
    """The terminals a flow's calls of one ship class may go to: those eligible for the
    flow where the ship fits some quay line (depth, length, DWT class)."""
    rules = scenario.rules
    lines = quay_lines(scenario.port.berths) if lines is None else lines
    fits = {q.terminal for q in lines_for(lines, ship, rules.berth_ukc_m,
                                          rules.berth_clearance_m)}
    return [t for t in eligible_terminals(flow, scenario.port) if t in fits]


def plan_calls(scenario: Scenario, replication: int) -> CallPlan:
    """Generate every call of one replication."""
    port, rules, run = scenario.port, scenario.rules, scenario.run
    horizon_h = (run.warmup_days + run.horizon_days) * 24.0
    class_index = {s.id: i for i, s in enumerate(port.ship_classes)}
    terminal_index = {t.id: i for i, t in enumerate(port.terminals)}
    lines = quay_lines(port.berths)
    parts: list[tuple[np.ndarray, ...]] = []
    plans = resolve_services(scenario) if rules.liner_calls == "services" else {}
    services: list[ResolvedService] = []
    seasonal = not scenario.seasons.flat
    warmup_h = run.warmup_days * 24.0
    if seasonal:  # operational horizon and time map, for random and for stream-liner calls
        tramp_clock = time_change(hourly_intensity(scenario.seasons, horizon_h, warmup_h, True),
                                  horizon_h)
        liner_clock = time_change(hourly_intensity(scenario.seasons, horizon_h, warmup_h,
                                                   False), horizon_h)
    for f_idx, flow in enumerate(scenario.demand):
        seed = run.seed
        r_arr = stream(seed, replication, f"arrivals:{flow.id}")
        r_vol = stream(seed, replication, f"volumes:{flow.id}")
        r_ter = stream(seed, replication, f"terminals:{flow.id}")
        r_srv = stream(seed, replication, f"handling:{flow.id}")
        per_year = class_calls_per_year(scenario, flow)
        plan = plans.get(flow.id)
        if plan is not None:
            parts += _service_calls(scenario, replication, f_idx, plan, len(services),
                                    class_index, terminal_index, horizon_h)
            services += plan.services
        for fc, calls_per_year in zip(flow.classes, per_year, strict=True):
            ship = port.ship_class(fc.ship_class)
            rate = calls_per_year / HOURS_PER_YEAR
            a = flow.arrivals
            if plan is not None:  # liner calls come from the services; the rest is tramp
                t_liner = np.empty(0)
                tramp_rate = max(0.0, calls_per_year - plan.service_calls_per_year.get(
                    ship.id, 0.0)) / HOURS_PER_YEAR
            elif seasonal:
                op_h, to_hours = liner_clock
                t_liner = to_hours(liner_arrivals(rate * a.liner_share, op_h,
                                                  a.schedule_deviation_h, r_arr))
                tramp_rate = rate * (1 - a.liner_share)
            else:
                t_liner = liner_arrivals(rate * a.liner_share, horizon_h,
                                         a.schedule_deviation_h, r_arr)
                tramp_rate = rate * (1 - a.liner_share)
            if seasonal:
                op_h, to_hours = tramp_clock
                t_tramp = to_hours(random_arrivals(tramp_rate, op_h, a.erlang_k, r_arr))
            else:
                t_tramp = random_arrivals(tramp_rate, horizon_h, a.erlang_k, r_arr)
            times = np.concatenate([t_liner, t_tramp])
            n = len(times)
            vol = draw_volumes(fc.per_call, r_vol, n)
            if plan is not None:  # by the allocation table
                shares = row_shares(allocation_row(flow, ship.id, class_trade(flow, ship.id)),
                                    scenario)
                terms, weights = list(shares), np.array(list(shares.values()))
                weights = weights / weights.sum()
            else:
                terms = class_terminals(scenario, flow, ship, lines)
                weights = terminal_weights(flow, scenario, terms)
            choice = r_ter.choice(len(terms), size=n, p=weights)
            parts.append((
                times,
                np.full(n, f_idx),
                np.full(n, class_index[ship.id]),
                np.array([terminal_index[terms[c]] for c in range(len(terms))])[choice],
                vol,
                gamma_multiplier(r_srv, rules.handling_cv, n),
                np.concatenate([np.ones(len(t_liner), bool), np.zeros(len(t_tramp), bool)]),
                np.full(n, -1), np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, bool),
            ))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    passage = None
    if scenario.canal is None:
        order = np.argsort(cols[0], kind="stable")
    else:  # canal calls arrive when the locks let them; those still in the canal drop out
        cols[0], keep, passage = _through_the_canal(scenario, cols, horizon_h)
        kept = np.flatnonzero(keep)
        order = kept[np.argsort(cols[0][kept], kind="stable")]
        # where each canal call ends up in the sorted plan
        place = np.empty(len(keep), np.int64)
        place[order] = np.arange(len(order))
        passage.call = place[passage.call]
    return CallPlan(*(c[order] for c in cols), services=ServiceList(services), canal=passage)


def _through_the_canal(scenario: Scenario, cols: list[np.ndarray], horizon_h: float):
    """The canal's calls enter the canal at their drawn time and reach the port when the
    lock hubs let them (:mod:`portsim.canal_locks`, a deterministic, model-free pass over
    the drawn entries). Returns the arrivals at the port, which calls to keep (calls
    still in the canal at the end of the run are dropped) and the lock passage."""
    from portsim.canal_locks import through_locks  # model-free: the locks shape arrivals
    from portsim.config.canal import is_canal_flow

    canal_flows = np.array([is_canal_flow(f.id) for f in scenario.demand])
    mine = np.flatnonzero(canal_flows[cols[1]])
    mine = mine[np.argsort(cols[0][mine], kind="stable")]
    classes = scenario.port.ship_classes
    passage = through_locks(scenario.canal, cols[0][mine],  # type: ignore[arg-type]
                            [classes[c].id for c in cols[2][mine].tolist()])
    arrival = cols[0].copy()
    arrival[mine] = passage.mouth_h
    keep = np.ones(len(arrival), bool)
    keep[mine[passage.mouth_h >= horizon_h]] = False
    inside = passage.mouth_h < horizon_h
    passage.call = mine[inside]  # (rows of the unsorted plan; plan_calls renumbers them)
    passage.entry_h, passage.mouth_h = passage.entry_h[inside], passage.mouth_h[inside]
    passage.wait_h = passage.wait_h[inside]
    return arrival, keep, passage


def _service_calls(scenario: Scenario, replication: int, f_idx: int, plan: ServicePlan,
                   first: int, class_index: dict[str, int], terminal_index: dict[str, int],
                   horizon_h: float) -> list[tuple[np.ndarray, ...]]:
    """The calls of a flow's services (one part per service), from streams of their own."""
    from scipy.special import ndtr, ndtri

    seed, flow_id = scenario.run.seed, plan.flow
    r_win = stream(seed, replication, f"service-windows:{flow_id}")
    r_vol = stream(seed, replication, f"service-volumes:{flow_id}")
    r_srv = stream(seed, replication, f"service-handling:{flow_id}")
    seasonal = not scenario.seasons.flat
    day_factor = day_intensity(scenario.seasons)
    warmup_h = scenario.run.warmup_days * 24.0
    parts = []
    for k, s in enumerate(plan.services):
        period = 168.0 / s.calls_per_week
        starts = s.window_start_h + period * np.arange(
            max(0, int(np.ceil((horizon_h - s.window_start_h) / period))))
        n = len(starts)
        c = s.compliance
        tol = min(3.0 * c.deviation_h, s.length_h / 2.0)
        on = r_win.random(n) < c.on_window_share
        u = r_win.random(n)
        if c.deviation_h > 0 and tol > 0:
            lo = ndtr(-tol / c.deviation_h)
            deviation = c.deviation_h * ndtri(lo + u * (1.0 - 2.0 * lo))
        else:
            deviation = np.zeros(n)
        late = tol + r_win.exponential(c.late_mean_h - tol, n)
        arrival = np.maximum(starts + np.where(on, deviation, late), 0.0)
        volume = draw_volumes(s.call_size, r_vol, n)
        if seasonal:  # ships sail fuller in peak months
            day = np.floor((starts - warmup_h) / 24.0).astype(int) % len(day_factor)
            volume = volume * day_factor[day]
        handling = gamma_multiplier(r_srv, scenario.rules.handling_cv, n)
        keep = arrival < horizon_h
        parts.append(tuple(x[keep] for x in (
            arrival, np.full(n, f_idx), np.full(n, class_index[s.ship_class]),
            np.full(n, terminal_index[s.terminal]), volume, handling, np.ones(n, bool),
            np.full(n, first + k), starts, np.full(n, s.length_h), on)))
    return parts
