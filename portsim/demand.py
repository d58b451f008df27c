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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from portsim.config.fit import QuayLine, lines_for, quay_lines
from portsim.config.load import eligible_terminals
from portsim.config.port import ShipClass
from portsim.config.scenario import Flow, Scenario, VolumeDistribution
from portsim.streams import gamma_multiplier, stream

HOURS_PER_YEAR = 8760.0


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
    for f_idx, flow in enumerate(scenario.demand):
        seed = run.seed
        r_arr = stream(seed, replication, f"arrivals:{flow.id}")
        r_vol = stream(seed, replication, f"volumes:{flow.id}")
        r_ter = stream(seed, replication, f"terminals:{flow.id}")
        r_srv = stream(seed, replication, f"handling:{flow.id}")
        per_year = class_calls_per_year(scenario, flow)
        for fc, calls_per_year in zip(flow.classes, per_year, strict=True):
            ship = port.ship_class(fc.ship_class)
            rate = calls_per_year / HOURS_PER_YEAR
            a = flow.arrivals
            t_liner = liner_arrivals(rate * a.liner_share, horizon_h, a.schedule_deviation_h,
                                     r_arr)
            t_tramp = random_arrivals(rate * (1 - a.liner_share), horizon_h, a.erlang_k, r_arr)
            times = np.concatenate([t_liner, t_tramp])
            n = len(times)
            vol = draw_volumes(fc.per_call, r_vol, n)
            terms = class_terminals(scenario, flow, ship, lines)
            choice = r_ter.choice(len(terms), size=n, p=terminal_weights(flow, scenario, terms))
            parts.append((
                times,
                np.full(n, f_idx),
                np.full(n, class_index[ship.id]),
                np.array([terminal_index[terms[c]] for c in range(len(terms))])[choice],
                vol,
                gamma_multiplier(r_srv, rules.handling_cv, n),
                np.concatenate([np.ones(len(t_liner), bool), np.zeros(len(t_tramp), bool)]),
            ))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    order = np.argsort(cols[0], kind="stable")
    return CallPlan(*(c[order] for c in cols))
