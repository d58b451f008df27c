"""Liner services with berth windows, and seasons: the demand side before the call plan.

**Generator** (a flow with ``services: {generate: …}``). From the flow's annual volume
(scaled as the call plan scales it) × ``arrivals.liner_share`` × class mix it derives,
per ship class, the liner calls a year; over the calls a year of one service
(calls per week × 365/7) and rounded to the nearest whole number this is the number of
services. The rounding is made up by random (tramp) calls where there are any: the flow's
calls a year are kept, so its volume is; ``ServicePlan.rounding`` states, per class,
the service calls wanted and given and the TEU a year moved between the two. Each
service gets the class's trade and frequency (data), a terminal by the flow's allocation
table (largest remainder over the row's shares, so the shares hold to within one service;
pro rata to design capacity only for a row that lists its terminals without shares), the
class's call-size distribution and a **weekly berth window** as long as the planned
berth time of its mean call: moves / (planned cranes, at most the quay line's, × the
slowest crane rate of the
sections the class may use × crane efficiency × twin-lift factor), per working hour,
plus berthing and unberthing, × ``window_buffer``, rounded up to whole hours.

**Levelling and packing.** A terminal's services are placed longest window first on a
cyclic week of 168 whole hours × quay metres (5 m cells) of its quay lines, where the
class fits (LOA + clearance, depth with UKC, DWT, as :mod:`portsim.config.fit`): the start
hour is the one farthest from the window starts already booked (arrivals spread over the
week, as a terminal staggers its services), then the one whose hours carry the fewest
metre-hours already booked, then the earliest; the position is the first quay line and
lowest start metre free for the whole window. A generated service that fits nowhere at
its terminal moves to the next terminal of its allocation row (largest share first) and
the move is reported; a pinned service keeps its day and hour (and its quay line and
start metre when given) and is an :class:`InputError` naming it when its window cannot
be placed. Terminals are packed one
by one from their own services, so capacity added at one terminal changes no other
terminal's services (unless a pro-rata row includes it).

**Seasons.** A day's demand intensity is the monthly factor × the trough factor (Spring
Festival), normalised to mean 1 over the year; tramp calls also follow the day-of-week
pattern. Random arrivals are made non-homogeneous by a **time change**: the renewal
process is drawn in operational time and mapped through the inverse of the cumulative
intensity (a Poisson process stays Poisson with the seasonal rate; Erlang-k gaps are
Erlang in operational time). Service calls keep their windows (ships do not sail more
often in a peak month) and carry intensity × their drawn call size: ships sail fuller in
peak months and lighter in the trough (basis: A13; carriers adjust loads before they
blank sailings — blank sailings are not modelled). Calendar: hour 0 of a run is a Monday
00:00 and the measurement year starts 1 January at the end of the warm-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from portsim.config.fit import QuayLine, quay_lines, usable_runs
from portsim.config.scenario import Flow, Scenario, VolumeDistribution
from portsim.config.services import (
    DAYS_PER_YEAR,
    HOURS_PER_WEEK,
    MONTH_DAYS,
    AllocationRow,
    Compliance,
    Seasons,
    ServiceGeneration,
    calls_per_week,
)
from portsim.errors import InputError, Problem

CELL_M = 5.0
"""Quay-metre resolution of the packing grid."""
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7.0
WEEK = int(HOURS_PER_WEEK)


@dataclass(frozen=True)
class ResolvedService:
    """A service with its terminal, quay line, window position and compliance fixed."""

    id: str
    flow: str
    trade: str
    ship_class: str
    terminal: str
    quay_line: str
    start_m: float
    day: int
    hour: float
    length_h: float
    calls_per_week: float
    call_size: VolumeDistribution
    compliance: Compliance
    frequency: str | float = "weekly"
    source: str = "assumption"

    @property
    def window_start_h(self) -> float:
        """Hours from Monday 00:00 to the start of the weekly window."""
        return self.day * 24.0 + self.hour

    def as_yaml(self, inherit: Compliance | None = None) -> dict[str, Any]:
        """The service as a planner pins it under ``services:`` (compliance omitted when
        it is ``inherit``, the scenario default)."""
        out: dict[str, Any] = {
            "id": self.id, "trade": self.trade, "ship_class": self.ship_class,
            "call_size": self.call_size.model_dump(exclude_none=True),
            "frequency": self.frequency, "terminal": self.terminal,
            "window": {"day": self.day, "hour": self.hour, "length_h": self.length_h},
            "quay_line": self.quay_line, "start_m": self.start_m, "source": self.source,
        }
        if self.compliance != inherit:
            out["compliance"] = self.compliance.model_dump()
        return out


class ServiceList(tuple):
    """The resolved services of a call plan. Selecting calls with a mask (``list[mask]``,
    as a per-terminal sub-plan does) keeps the list whole: calls index into it."""

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, np.ndarray):
            return self
        return super().__getitem__(key)


@dataclass
class ServicePlan:
    """The services of one flow and what became of its liner calls."""

    flow: str
    services: list[ResolvedService]
    service_calls_per_year: dict[str, float]  # by ship class
    rounding: list[dict[str, Any]] = field(default_factory=list)
    moves: list[str] = field(default_factory=list)  # services moved to another terminal


# ----------------------------------------------------------------- allocation


def allocation_row(flow: Flow, ship_class: str, trade: str | None) -> AllocationRow:
    """The first row of the flow's table that takes this class (and trade)."""
    return next(r for r in flow.allocation if r.matches(ship_class, trade))


def row_shares(row: AllocationRow, scenario: Scenario) -> dict[str, float]:
    """Terminal → share of a row: as given, or pro rata to declared design capacity."""
    if isinstance(row.terminals, dict):
        return {t: s for t, s in row.terminals.items() if s > 0}
    cap = {t: sum(b.design_capacity_teu for b in scenario.port.berths
                  if b.terminal == t and "container" in b.cargo) for t in row.terminals}
    total = sum(cap.values())
    return {t: (c / total if total > 0 else 1 / len(cap)) for t, c in cap.items()}


def largest_remainder(n: int, shares: dict[str, float]) -> dict[str, int]:
    """Whole numbers summing to ``n`` in the proportions ``shares`` (Hamilton's method;
    ties go to the terminal listed first)."""
    quota = {t: n * s for t, s in shares.items()}
    out = {t: math.floor(q) for t, q in quota.items()}
    left = n - sum(out.values())
    for t in sorted(quota, key=lambda t: -(quota[t] - out[t]))[:left]:
        out[t] += 1
    return out


def class_trade(flow: Flow, ship_class: str) -> str | None:
    """The trade of a class's calls: from the generator's table, else from the first
    pinned service of the class (None when neither says)."""
    if isinstance(flow.services, ServiceGeneration):
        spec = flow.services.generate.get(ship_class)
        return spec.trade if spec else None
    for s in flow.services or []:
        if s.ship_class == ship_class:
            return s.trade
    return None


# ----------------------------------------------------------------- window length


def planned_window_h(scenario: Scenario, ship_class: str, terminal: str, mean_teu: float,
                     buffer: float) -> float:
    """Whole hours of the berth window of a service whose mean call is ``mean_teu``."""
    port, rules = scenario.port, scenario.rules
    ship = port.ship_class(ship_class)
    lines = [q for q in quay_lines(port.berths) if q.terminal == terminal
             and usable_runs(q, ship, rules.berth_ukc_m, rules.berth_clearance_m)]
    rates = [b.crane_rate for q in lines
             for a, z in usable_runs(q, ship, rules.berth_ukc_m, rules.berth_clearance_m)
             for b in _sections(q, a, z) if b.crane_rate]
    cranes = min(rules.cranes_for(ship_class), max(q.cranes for q in lines))
    rate = min(rates) * cranes * rules.crane_efficiency * rules.twin_lift_factor
    handling = mean_teu / rules.teu_factor / rate * 24.0 / rules.working_hours_per_day
    berth = handling + rules.berthing_h + rules.unberthing_h
    return float(min(HOURS_PER_WEEK, math.ceil(berth * buffer - 1e-9)))


def _sections(line: QuayLine, a: float, z: float) -> list:
    out, pos = [], 0.0
    for b in line.berths:
        if pos + b.quay_length_m > a + 1e-9 and pos < z - 1e-9:
            out.append(b)
        pos += b.quay_length_m
    return out


# ----------------------------------------------------------------- packing


class QuayWeek:
    """A terminal's quay lines as cyclic week × quay-metre grids of booked windows."""

    def __init__(self, scenario: Scenario, terminal: str):
        self.scenario = scenario
        self.lines = [q for q in quay_lines(scenario.port.berths) if q.terminal == terminal]
        self.grids = [np.zeros((WEEK, int(q.length_m // CELL_M)), bool) for q in self.lines]
        self.starts: list[int] = []

    def _usable(self, q: int, ship_class: str) -> np.ndarray:
        rules, line = self.scenario.rules, self.lines[q]
        mask = np.zeros(self.grids[q].shape[1], bool)
        ship = self.scenario.port.ship_class(ship_class)
        for a, z in usable_runs(line, ship, rules.berth_ukc_m, rules.berth_clearance_m):
            mask[math.ceil(a / CELL_M - 1e-9):int(z // CELL_M)] = True
        return mask

    def _need_cells(self, ship_class: str) -> int:
        ship = self.scenario.port.ship_class(ship_class)
        return math.ceil((ship.loa_m + self.scenario.rules.berth_clearance_m) / CELL_M - 1e-9)

    def load(self) -> np.ndarray:
        """Booked quay metres per hour of the week (all lines)."""
        return sum((g.sum(axis=1) * CELL_M for g in self.grids), np.zeros(WEEK))

    def _free_starts(self, q: int, ship_class: str, length: int) -> np.ndarray:
        """ok[h, m]: the window may start at hour h with the ship from cell m."""
        grid = self.grids[q]
        need = self._need_cells(ship_class)
        cells = grid.shape[1]
        if need > cells:
            return np.zeros((WEEK, 0), bool)
        cum = np.concatenate([np.zeros((1, cells), int),
                              np.cumsum(np.concatenate([grid, grid[:length]]), axis=0)])
        busy = (cum[length:length + WEEK] - cum[:WEEK]) > 0
        free = ~busy & self._usable(q, ship_class)
        run = np.concatenate([np.zeros((WEEK, 1), int), np.cumsum(free, axis=1)], axis=1)
        return (run[:, need:] - run[:, :-need]) == need

    def place(self, ship_class: str, length_h: float, hour: int | None = None,
              line_id: str | None = None, start_m: float | None = None
              ) -> tuple[str, float, int] | None:
        """Book a window: (quay line, start metre, start hour) or None when nothing is
        free. ``hour`` None: the levelled hour; ``line_id``/``start_m``: a fixed place."""
        length = math.ceil(length_h - 1e-9)
        load = self.load()
        cyc = np.concatenate([load, load[:length]])
        cost = np.convolve(cyc, np.ones(length), "valid")[:WEEK]
        week = np.arange(WEEK)
        gap = np.full(WEEK, WEEK)
        for s in self.starts:  # hours to the nearest window start already booked
            gap = np.minimum(gap, np.minimum((week - s) % WEEK, (s - week) % WEEK))
        hours = [hour] if hour is not None else sorted(
            range(WEEK), key=lambda h: (-gap[h], cost[h], h))
        options = [(q, self._free_starts(q, ship_class, length))
                   for q, line in enumerate(self.lines) if line_id in (None, line.id)]
        for h in hours:
            for q, ok in options:
                if ok.shape[1] == 0:
                    continue
                if start_m is not None:
                    m = round(start_m / CELL_M)
                    if m >= ok.shape[1] or not ok[h, m]:
                        continue
                elif not ok[h].any():
                    continue
                else:
                    m = int(np.argmax(ok[h]))
                rows = (h + np.arange(length)) % WEEK
                self.grids[q][rows, m:m + self._need_cells(ship_class)] = True
                self.starts.append(h)
                return self.lines[q].id, m * CELL_M, h
        return None


# ----------------------------------------------------------------- the services


RESOLVED_KEPT = 8
"""How many scenarios' resolved services :func:`resolve_services` keeps (only a matter of
speed: a kept list is what generating it again would give)."""
_resolved: dict[str, dict[str, ServicePlan]] = {}


def resolve_services(scenario: Scenario) -> dict[str, ServicePlan]:
    """The services of every container flow that has ``services`` (generated or pinned),
    packed on their terminals' quays; flow id → :class:`ServicePlan`.

    The list depends on the scenario only (never on the replication), so it is worked out
    once per scenario and kept, keyed by the scenario's full content (a frozen record, so
    equal content gives the same list): the replications of a run, and a worker's
    successive tasks on one scenario, then share it. Callers must not change it."""
    key = scenario.model_dump_json()
    plans = _resolved.get(key)
    if plans is None:
        plans = _resolve(scenario)
        if len(_resolved) >= RESOLVED_KEPT:
            del _resolved[next(iter(_resolved))]  # the oldest
        _resolved[key] = plans
    return plans


def _resolve(scenario: Scenario) -> dict[str, ServicePlan]:
    plans: dict[str, ServicePlan] = {}
    generated = [f for f in scenario.demand if isinstance(f.services, ServiceGeneration)]
    for i, flow in enumerate(scenario.demand):
        if flow.services is None or flow.cargo != "container":
            continue
        if isinstance(flow.services, ServiceGeneration):
            prefix = f"{flow.id}:" if len(generated) > 1 else ""
            plans[flow.id] = _generate(scenario, flow, prefix)
        else:
            plans[flow.id] = _pin(scenario, flow, i)
    return plans


def _calls_per_year(scenario: Scenario, flow: Flow) -> dict[str, float]:
    calls = flow.annual_volume * scenario.volume_scale(flow) / flow.mean_volume_per_call
    total = sum(c.share for c in flow.classes)
    return {c.ship_class: calls * c.share / total for c in flow.classes}


@dataclass
class _Draft:
    ship_class: str
    trade: str
    frequency: str | float
    call_size: VolumeDistribution
    terminals: list[str]  # the row's terminals, this one first, then by share
    source: str


def _generate(scenario: Scenario, flow: Flow, prefix: str) -> ServicePlan:
    gen = flow.services
    assert isinstance(gen, ServiceGeneration)
    per_year = _calls_per_year(scenario, flow)
    default = scenario.rules.service_compliance
    drafts: dict[str, list[_Draft]] = {t.id: [] for t in scenario.port.terminals}
    rounding = []
    for fc in flow.classes:
        c = fc.ship_class
        spec = gen.generate[c]
        per_service = calls_per_week(spec.frequency) * WEEKS_PER_YEAR
        wanted = per_year[c] * flow.arrivals.liner_share
        n = math.floor(wanted / per_service + 0.5)
        rounding.append({"ship_class": c, "liner_calls_wanted": wanted,
                         "service_calls": n * per_service, "services": n,
                         "teu_moved_to_tramp": (wanted - n * per_service) * fc.per_call.expected})
        shares = row_shares(allocation_row(flow, c, spec.trade), scenario)
        ranked = sorted(shares, key=lambda t: -shares[t])
        for t, k in largest_remainder(n, shares).items():
            order = [t] + [x for x in ranked if x != t]
            drafts[t] += [_Draft(c, spec.trade, spec.frequency, fc.per_call, order,
                                 f"derived: portsim generator from flow '{flow.id}' volume, "
                                 f"class mix and allocation; {spec.source}")] * k
    services: list[ResolvedService] = []
    moves: list[str] = []
    weeks = {t: QuayWeek(scenario, t) for t in drafts}
    counter: dict[tuple[str, str], int] = {}
    pending = [(t, d) for t in drafts for d in drafts[t]]
    lengths = {}
    for t, d in pending:
        lengths[(t, d.ship_class)] = planned_window_h(scenario, d.ship_class, t,
                                                      d.call_size.expected, gen.window_buffer)
    # longest window first within each terminal, terminals in port order
    pending.sort(key=lambda td: (list(drafts).index(td[0]), -lengths[(td[0], td[1].ship_class)],
                                td[1].ship_class))
    for t, d in pending:
        for target in d.terminals[d.terminals.index(t):]:
            length = planned_window_h(scenario, d.ship_class, target, d.call_size.expected,
                                      gen.window_buffer)
            spot = weeks[target].place(d.ship_class, length)
            if spot is None:
                continue
            k = counter[(target, d.ship_class)] = counter.get((target, d.ship_class), 0) + 1
            sid = f"{prefix}{target}-{d.ship_class}-{k:02d}"
            if target != t:
                moves.append(f"{sid}: no room for a {length:g} h window at {t}, moved to {target}")
            line, start_m, h = spot
            services.append(ResolvedService(
                sid, flow.id, d.trade, d.ship_class, target, line, start_m, h // 24,
                float(h % 24), length, calls_per_week(d.frequency), d.call_size, default,
                d.frequency, d.source))
            break
        else:
            moves.append(f"a {d.ship_class} service fits at none of {', '.join(d.terminals)}: "
                         "its calls are left to tramp calls")
    order = {t: i for i, t in enumerate(drafts)}
    services.sort(key=lambda s: (order[s.terminal], s.window_start_h, s.id))
    return ServicePlan(flow.id, services, _calls_a_year(flow, services), rounding, moves)


def _calls_a_year(flow: Flow, services: list[ResolvedService]) -> dict[str, float]:
    """Service calls a year per ship class (calls a week summed first, so a generated
    list and the same list pinned give the very same number)."""
    per_week = {c.ship_class: 0.0 for c in flow.classes}
    for s in services:
        per_week[s.ship_class] = per_week.get(s.ship_class, 0.0) + s.calls_per_week
    return {c: w * WEEKS_PER_YEAR for c, w in per_week.items()}


def _pin(scenario: Scenario, flow: Flow, index: int) -> ServicePlan:
    default = scenario.rules.service_compliance
    weeks = {t.id: QuayWeek(scenario, t.id) for t in scenario.port.terminals}
    services, problems = [], []
    assert isinstance(flow.services, list)
    for s, svc in enumerate(flow.services):
        hour = round(svc.window.start_h)
        spot = weeks[svc.terminal].place(svc.ship_class, svc.window.length_h, hour,
                                         svc.quay_line, svc.start_m)
        if spot is None:
            where = (f" at {svc.quay_line} {svc.start_m:g} m" if svc.start_m is not None
                     else "")
            problems.append(Problem(
                str(scenario.file), f"demand[{index}].services[{s}] (id {svc.id})",
                f"the {svc.window.length_h:g} h window of service '{svc.id}' "
                f"(day {svc.window.day}, {svc.window.hour:g} h{where}) cannot be placed on "
                f"{svc.terminal}'s quay: it overlaps other windows or the ship does not fit"))
            continue
        line, start_m, _ = spot
        services.append(ResolvedService(
            svc.id, flow.id, svc.trade, svc.ship_class, svc.terminal, line, start_m,
            svc.window.day, svc.window.hour, svc.window.length_h, svc.calls_per_week,
            svc.call_size, svc.compliance or default, svc.frequency, svc.source))
    if problems:
        raise InputError(problems)
    return ServicePlan(flow.id, services, _calls_a_year(flow, services))


def pinned_yaml(plan: ServicePlan, scenario: Scenario) -> list[dict[str, Any]]:
    """The services as a YAML-ready list to paste under a flow's ``services:``."""
    return [s.as_yaml(scenario.rules.service_compliance) for s in plan.services]


# ----------------------------------------------------------------- seasons


def day_intensity(seasons: Seasons) -> np.ndarray:
    """Demand intensity of each day of the year (365 values, mean 1)."""
    month = np.repeat(np.arange(12), MONTH_DAYS)
    f = np.asarray(seasons.monthly, float)[month]
    if seasons.trough is not None:
        days = (seasons.trough.start_day - 1 + np.arange(seasons.trough.days)) % DAYS_PER_YEAR
        f[days] *= seasons.trough.factor
    return f / f.mean()


def month_of_hour(t: np.ndarray, warmup_h: float) -> np.ndarray:
    """Calendar month (1–12) of run hours ``t`` (1 January at the end of the warm-up)."""
    day = np.floor((np.asarray(t, float) - warmup_h) / 24.0).astype(int) % DAYS_PER_YEAR
    return np.repeat(np.arange(1, 13), MONTH_DAYS)[day]


def peak_month(seasons: Seasons) -> int:
    """The month of highest mean demand intensity (the first one on a tie)."""
    f = day_intensity(seasons)
    return int(np.argmax(np.bincount(month_of_hour(np.arange(DAYS_PER_YEAR) * 24.0, 0.0),
                                     weights=f)[1:] / MONTH_DAYS)) + 1


def hourly_intensity(seasons: Seasons, horizon_h: float, warmup_h: float,
                     weekly: bool) -> np.ndarray:
    """Intensity of each hour of the run (days by month and trough; × day of week)."""
    hours = np.arange(math.ceil(horizon_h) + 1)
    day = np.floor((hours - warmup_h) / 24.0).astype(int) % DAYS_PER_YEAR
    f = day_intensity(seasons)[day]
    if weekly:
        w = np.asarray(seasons.weekly, float)
        f = f * (w / w.mean())[(hours // 24) % 7]
    return f


def time_change(intensity: np.ndarray, horizon_h: float) -> tuple[float, Any]:
    """(operational length of the run, map operational time → run hours) for an hourly
    intensity: t = Λ⁻¹(s) with Λ the cumulative intensity (piecewise linear)."""
    grid = np.concatenate([[0.0], np.cumsum(intensity)])
    hours = np.arange(len(grid), dtype=float)
    return float(np.interp(horizon_h, hours, grid)), lambda s: np.interp(s, grid, hours)
