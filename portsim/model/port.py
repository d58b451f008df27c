"""One replication of the port as SimPy processes.

A call's life: it arrives at the anchorage (the plan's arrival time), asks its
terminal for a berth and waits until called in, sails in through the channel,
berths, is handled, unberths (freeing the quay and cranes) and sails out.

Containers are aggregated per call: handling time = moves / (cranes × crane rate ×
simultaneity) × a mean-one random factor, where moves = TEU / TEU factor; other cargo
takes tonnes / loading rate. Outside the working hours of a day handling pauses,
modelled on average by stretching handling time by 24 / working hours. The only
events are the arrival, the call-in and the release: a port-year runs in about a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from portsim.config.fit import quay_lines
from portsim.config.scenario import Scenario
from portsim.demand import CallPlan
from portsim.model import channel
from portsim.model.canal import shared_segments
from portsim.model.cranes import CranePool
from portsim.model.gate import gate_tables
from portsim.model.passage_plan import PassagePlan
from portsim.model.quay import BerthWindows, JustInTime, Placement, TerminalQuay, Window
from portsim.model.rail import Rail
from portsim.model.yard import Yards
from portsim.streams import stream


@dataclass
class CallLog:
    """Times and placements of every call (hours; NaN where not reached)."""

    called_h: list[float]
    berthed_h: list[float]
    handled_h: list[float]
    unberthed_h: list[float]
    departed_h: list[float]
    line: list[int]
    start_m: list[float]
    length_m: list[float]
    cranes: list[int]
    free_h: list[float]
    """When the call's quay space was free for it (called in to a free space: the call-in;
    just in time: when the ship it follows left); ``berthed − free`` is the time the
    berth stood reserved but empty for the call."""
    waits: dict[str, list[float]]
    """Hours waited per cause other than the berth (tide, channel, pilot, tug, weather,
    yard …); the berth wait is the time from arrival to call-in."""
    qc_hours: list[float] = field(default_factory=list)
    """Quay-crane hours worked on the call (NaN until its work is done)."""
    cranes_max: list[int] = field(default_factory=list)
    """Most quay cranes the call had at once (``cranes``: at the start of work)."""

    @classmethod
    def empty(cls, n: int) -> CallLog:
        nan = [math.nan] * n
        return cls(list(nan), list(nan), list(nan), list(nan), list(nan),
                   [-1] * n, list(nan), list(nan), [0] * n, list(nan), {}, list(nan),
                   [0] * n)

    def add_wait(self, i: int, cause: str, hours: float) -> None:
        """Book ``hours`` of waiting by call ``i`` to ``cause``."""
        if hours > 0:
            per_call = self.waits.get(cause)
            if per_call is None:
                per_call = self.waits[cause] = [0.0] * len(self.called_h)
            per_call[i] += hours


class PortModel:
    """The resources of one replication and the processes that use them."""

    def __init__(self, scenario: Scenario, plan: CallPlan, replication: int = 0):
        self.scenario = scenario
        self.plan = plan
        self.replication = replication
        self.env = simpy.Environment()
        port, rules = scenario.port, scenario.rules
        self.lines = quay_lines(port.berths)
        self.log = CallLog.empty(len(plan))
        self.end_h = (scenario.run.warmup_days + scenario.run.horizon_days) * 24.0
        # tide windows, one-way rules, pilots, tugs, weather (None: fixed transit times);
        # it pre-registers its waiting causes so every replication has the same columns
        self.channel = channel.build(scenario, plan, self.end_h, self.log.waits, replication)
        transit = [port.transit_h(t.area) if rules.include_channel_transit else 0.0
                   for t in port.terminals]
        self.transit_h = transit
        self._terminal = plan.terminal.tolist()
        jit = self._just_in_time(replication) if rules.call_in == "just_in_time" else None
        self.quays: list[TerminalQuay] = []
        # rules.quay_cranes == "pool": one crane pool per quay line with QCs (None: fixed)
        self.crane_pools: dict[int, CranePool] | None = None
        if rules.quay_cranes == "pool":
            boxes = [s.loa_m for s in port.ship_classes if s.cargo == "container"] or [math.inf]
            self.crane_pools = {
                i: CranePool(self.env, q, crane_range=rules.crane_range,
                             width_m=rules.quay_crane_width_m,
                             shortest_ship_m=min(boxes) + rules.berth_clearance_m,
                             window_start_h=scenario.run.warmup_days * 24.0)
                for i, q in enumerate(self.lines) if q.cranes > 0}
        for t in port.terminals:
            mine = [(i, q) for i, q in enumerate(self.lines) if q.terminal == t.id]
            self.quays.append(TerminalQuay(
                self.env, mine, ukc_m=rules.berth_ukc_m, clearance_m=rules.berth_clearance_m,
                cranes_for=rules.cranes_for,
                crane_efficiency=rules.crane_efficiency * rules.twin_lift_factor,
                best_fit=rules.berth_allocation == "best_fit",
                liner_first=rules.queue_priority == "liner_first",
                just_in_time=jit,
                crane_pools=self.crane_pools,
            ))
        self.ships = port.ship_classes
        self.hours_factor = 24.0 / rules.working_hours_per_day
        self.teu_factor = rules.teu_factor
        self.berthing_h = rules.berthing_h
        self.unberthing_h = rules.unberthing_h
        # plain Python lists: scalar access to numpy arrays is slow on the per-call path
        self._class = [self.ships[c] for c in plan.ship_class.tolist()]
        self._liner = plan.liner.tolist()
        box = [s.cargo == "container" for s in self._class]
        self._work = [v / self.teu_factor if b else v
                      for v, b in zip(plan.volume.tolist(), box, strict=True)]
        self._factor = [f * self.hours_factor for f in plan.handling_factor.tolist()]
        self._planned_rate: dict[tuple[str, int], float] = {}
        if getattr(plan, "on_window", None) is not None and plan.on_window.any():
            self._berth_windows()
        # container yards, sea-rail trains and truck gates (None when the port file has no
        # yards); the "yard" wait is pre-registered so every replication has its column
        self.yards = Yards(scenario, plan, self.end_h, replication) if port.yards else None
        self.rail: Rail | None = None
        if self.yards is not None:
            self.log.waits.setdefault("yard", [0.0] * len(plan))
            sea_rail = scenario.landside.sea_rail
            if sea_rail.trains_here > 0 or (sea_rail.trains == "demand" and any(
                    y.rail_terminal is not None for y in port.yards)):
                self.rail = Rail(self.env, scenario, self.yards, replication)
                if self.rail.holds_ships:  # ships wait for late rail exports
                    self.log.waits.setdefault("rail", [0.0] * len(plan))

    def _just_in_time(self, replication: int) -> JustInTime:
        """Sailing hours per call and ETB errors for just-in-time call-in (a ``quay`` wait
        column is registered: a called ship alongside before the ship it follows left)."""
        n = len(self.plan)
        self.log.waits.setdefault("quay", [0.0] * n)
        rules = self.scenario.rules
        sd = rules.etb_error_h
        errors = (stream(self.scenario.run.seed, replication, "etb-error").normal(0.0, sd, n)
                  if sd > 0 else np.zeros(n))
        ch = self.channel
        if ch is not None:
            sail_h = ch.sail_h
            longest = max((o.sail_h for o in ch.options if o.direction == channel.INBOUND),
                          default=0.0)
        else:
            terminal, transit = self._terminal, self.transit_h

            def sail_h(i: int) -> float:
                return transit[terminal[i]]

            longest = max(transit, default=0.0)
        if ch is not None and rules.call_in_lead == "planned_passage":
            plan = PassagePlan(ch)  # the VTS's planned passage (tide, one-way, pilots)
            return JustInTime(sail_h, errors.tolist(), longest + 3.0 * sd,
                              plan.start_for)
        return JustInTime(sail_h, errors.tolist(), longest + 3.0 * sd)

    def _berth_windows(self) -> None:
        """Give each terminal the berth windows of its on-window service calls (the
        stretch of quay the service's window holds, over the window's hours) and each
        call's planned stay, which off-window ships must fit between windows."""
        plan, rules = self.plan, self.scenario.rules
        by_line = {q.line.id: q for quay in self.quays for q in quay.lines}
        per_terminal: list[dict[int, Window]] = [{} for _ in self.quays]
        services = plan.services
        for i in np.flatnonzero(plan.on_window).tolist():
            service = services[int(plan.service[i])]
            state = by_line[service.quay_line]
            need = self._class[i].loa_m + rules.berth_clearance_m
            opens = float(plan.window_start_h[i])
            w = Window(i, state, float(service.start_m), need, opens,
                       opens + float(plan.window_h[i]))
            state.windows.append(w)
            per_terminal[self._terminal[i]][i] = w
        for quay in self.quays:
            for state in quay.lines:
                state.windows.sort(key=lambda w: w.open_h)
                state.window_opens = [w.open_h for w in state.windows]
                state.longest_window_h = max((w.close_h - w.open_h for w in state.windows),
                                             default=0.0)
        for quay, by_call in zip(self.quays, per_terminal, strict=True):
            quay.windows = BerthWindows(by_call, self.planned_stay_h,
                                        rules.berth_windows == "protected")

    def planned_stay_h(self, i: int) -> float:
        """Hours from call-in to leaving the quay that the terminal plans for call ``i``:
        the approach, berthing, its work at the planned crane intensity (the mean-one
        random factor unknown: 1) and unberthing."""
        ship, t = self._class[i], self._terminal[i]
        rate = self._planned_rate.get((ship.id, t))
        if rate is None:
            rules = self.scenario.rules
            sections = [b for q in self.quays[t].lines for b in q.line.berths]
            if ship.cargo == "container":
                crane = min(b.crane_rate for b in sections if b.crane_rate)  # type: ignore[type-var]
                rate = (rules.cranes_for(ship.id) * crane * rules.crane_efficiency
                        * rules.twin_lift_factor)
            else:
                rate = min(b.loading_rate_t_h for b in sections if b.loading_rate_t_h)  # type: ignore[type-var]
            self._planned_rate[(ship.id, t)] = rate
        approach = (self.channel.sail_h(i) if self.channel is not None
                    else self.transit_h[t])
        return (approach + self.berthing_h + self._work[i] / rate * self.hours_factor
                + self.unberthing_h)

    def handling_h(self, i: int, placement: Placement) -> float:
        """Hours alongside spent working cargo for call ``i`` (moves or tonnes / rate).

        In crane-pool mode this is the plan at the start of work (the cranes the ship has
        then); the ship's actual time follows the cranes it gets (see :meth:`alongside`)."""
        return self._work[i] / placement.rate * self._factor[i]

    def call(self, i: int):
        """The process of call ``i``: anchorage → channel → berth → channel.

        Each stage is a method of its own so that channel, marine-service and yard
        models can refine one stage without touching the others. A stage that only
        holds the ship for a time it can compute returns that time (``None``: no hold,
        no event) and this process does the holding; the stages that wait for other
        processes (a berth, yard space) are generators.
        """
        env, log = self.env, self.log
        quay = self.quays[self._terminal[i]]
        placement: Placement = yield from self.wait_for_berth(i, quay)
        hold = self.sail_in(i)
        if hold is not None:
            yield env.timeout(hold)
        if placement.follows:  # just in time: the ship it follows has not left yet
            off_berth = env.now
            placement.arrived = env.event()
            yield placement.arrived
            log.add_wait(i, "quay", env.now - off_berth)
        log.berthed_h[i] = env.now
        log.free_h[i] = placement.free_at if placement.free_at == placement.free_at \
            else log.called_h[i]
        yield from self.alongside(i, placement, quay)
        hold = self.ready_to_sail(i)
        if hold is not None:
            log.unberthed_h[i] = math.nan  # still alongside
            yield env.timeout(hold)
            log.unberthed_h[i] = env.now
        quay.release(placement)
        self.sail_out(i)

    def wait_for_berth(self, i: int, quay: TerminalQuay):
        """Wait at anchorage until the terminal calls the ship in."""
        ship = self._class[i]
        placement = quay.place_now(ship, i)
        if placement is None:  # no room: wait for a berth to free (no event otherwise)
            called = self.env.event()
            quay.wait(i, ship, self._liner[i], called)
            placement = yield called
            if placement.ready_h > self.env.now:  # just in time: weigh anchor then
                yield self.env.timeout(placement.ready_h - self.env.now)
        log = self.log
        log.called_h[i] = self.env.now
        log.line[i], log.start_m[i] = placement.line, placement.start_m
        log.length_m[i], log.cranes[i] = placement.length_m, placement.cranes
        return placement

    def sail_in(self, i: int) -> float | None:
        """Hours from call-in to alongside: sailing from the anchorage to the berth (the
        berth is held meanwhile). With the channel model the ship first waits at
        anchorage for weather, tide, channel traffic, a pilot and tugs (see
        :mod:`portsim.model.channel`)."""
        ch = self.channel
        if ch is not None:
            now = self.env.now
            start, sail = ch.plan(i, now, channel.INBOUND)
            return start + sail - now if start < math.inf else self.end_h
        transit = self.transit_h[self._terminal[i]]
        return transit if transit > 0 else None

    def alongside(self, i: int, placement: Placement, quay: TerminalQuay):
        """Berth, work the cargo, unberth.

        With yards, a container call discharges into its terminal's yard and loads from
        it. Usually the whole discharge fits below the yard's blocking level and the
        boxes are booked at once (no extra event); otherwise discharge goes hour by
        hour — slower above the blocking level, not at all at capacity — and the hours
        lost are the call's ``yard`` wait (see :mod:`portsim.model.yard`)."""
        if placement.crane_job is not None:
            yield from self._alongside_pooled(i, placement, self.crane_pools[placement.line],
                                              quay)
            return
        log = self.log
        work = self.handling_h(i, placement)
        yards = self.yards
        berthing = self.berthing_h
        if self.rail is not None and self.rail.demand:  # rail exports in by the cut-off?
            yield self.env.timeout(berthing)
            berthing = 0.0
            log.add_wait(i, "rail", (yield from self.rail.exports_in(self.env, i)))
        if yards is not None and yards.uses(i) and not yards.fast(
                i, self.env.now + berthing, work):
            yield self.env.timeout(berthing)
            started = self.env.now
            lost, loading_left = yield from yards.handle_slowly(self.env, i, work)
            log.add_wait(i, "yard", lost)
            handled = self.env.now + loading_left
            log.qc_hours[i] = placement.cranes * (handled - started - lost)
        else:
            handled = self.env.now + berthing + work
            log.qc_hours[i] = placement.cranes * work
        log.cranes_max[i] = placement.cranes
        log.handled_h[i] = handled
        log.unberthed_h[i] = handled + self.unberthing_h
        if quay.just_in_time is not None:  # the terminal plans the next ship's arrival
            quay.expect_free(placement, log.unberthed_h[i])
        yield self.env.timeout(log.unberthed_h[i] - self.env.now)

    def _alongside_pooled(self, i: int, placement: Placement, pool: CranePool,
                          quay: TerminalQuay):
        """:meth:`alongside` for a container ship in crane-pool mode.

        Work starts after berthing with the cranes the pool gives then; the ship finishes
        when the crane-hours it got reach its work (moves × handling factor / (rate per QC
        × efficiency)), its cranes leave it at once (see :mod:`portsim.model.cranes`), and
        it unberths. The yard books the discharge with the plan at the start of work (the
        cranes the ship has then); if the discharge meets a slowed yard, the ship keeps
        those cranes for the yard's hour-by-hour path. A ship called in ahead of time (just
        in time) takes its cranes now; if the line cannot give it its minimum yet it waits
        alongside for a finish (booked as its ``quay`` wait)."""
        env, log = self.env, self.log
        yield env.timeout(self.berthing_h)
        if self.rail is not None and self.rail.demand:  # rail exports in by the cut-off?
            log.add_wait(i, "rail", (yield from self.rail.exports_in(env, i)))
        job = placement.crane_job
        if job.deferred:
            short_since = env.now
            while not pool.claim(job):
                freed = env.event()
                pool.claims.append(freed)
                yield freed
            log.add_wait(i, "quay", env.now - short_since)
        job = pool.start(job, self._work[i] / job.per_crane * self._factor[i])
        log.cranes[i] = job.cranes
        if quay.just_in_time is not None:  # the terminal plans the next ship's arrival
            quay.expect_free(placement, job.planned_finish() + self.unberthing_h)
        placement.rate = job.cranes * job.per_crane
        work = self.handling_h(i, placement)
        yards = self.yards
        if yards is not None and yards.uses(i) and not yards.fast(i, env.now, work):
            pool.freeze(job)
            lost, loading_left = yield from yards.handle_slowly(env, i, work)
            log.add_wait(i, "yard", lost)
            if loading_left > 0:
                yield env.timeout(loading_left)
            pool.finish(job)
            job.qc_hours -= job.cranes * lost  # the hours the cranes stood still for the yard
        else:
            yield job.done
            pool.finish(job)
        placement.cranes = 0  # returned to the pool: the quay's release frees none
        log.qc_hours[i], log.cranes_max[i] = job.qc_hours, job.cranes_max
        log.handled_h[i] = env.now
        log.unberthed_h[i] = env.now + self.unberthing_h
        yield env.timeout(self.unberthing_h)

    def ready_to_sail(self, i: int) -> float | None:
        """With the channel model: hours the ship stays alongside (holding the berth)
        after its work until it can sail — cargo work paused by berth closures, then
        weather, tide (outbound draught), channel traffic, pilot and tugs; ``None`` when
        it leaves at once."""
        ch = self.channel
        if ch is None:
            return None
        log, now = self.log, self.env.now
        start = ch.plan_out(i, now, log.berthed_h[i] + self.berthing_h, log.handled_h[i])
        if start > now:
            return start - now if start < math.inf else self.end_h
        return None

    def sail_out(self, i: int) -> None:
        """Sail from the berth out of the port (holds no resource: no event)."""
        ch = self.channel
        if ch is not None:
            self.log.departed_h[i] = ch.out_end[i]  # planned in ready_to_sail
        else:
            self.log.departed_h[i] = self.env.now + self.transit_h[self._terminal[i]]

    def arrivals(self):
        """Start each call's process at its arrival time."""
        env = self.env
        for i, t in enumerate(self.plan.arrival_h.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self.call(i))

    def in_system(self) -> int:
        """Ships in the port at the end, counted from the resources' own state:
        waiting at anchorage, lying at a berth, or sailing in or out."""
        waiting = sum(q.waiting for q in self.quays)
        alongside = sum(len(s.occupied) for q in self.quays for s in q.lines)
        now = self.env.now
        sailing = sum(
            1 for c, b, u, d in zip(self.log.called_h, self.log.berthed_h,
                                    self.log.unberthed_h, self.log.departed_h, strict=True)
            if u < now and not d <= now
        )
        return waiting + alongside + sailing

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables that model components add to the results (channel, marine, weather)."""
        out: dict[str, pd.DataFrame] = {}
        if self.channel is not None:
            start = self.scenario.run.warmup_days * 24.0
            out.update(self.channel.tables(start, self.end_h))
        if self.yards is not None:
            start = self.scenario.run.warmup_days * 24.0
            arrival = self.plan.arrival_h
            in_window = (arrival >= start) & (arrival < self.end_h)
            if self.rail is not None:
                self.rail.catch_up(self.end_h)
            out.update(self.yards.tables(start, np.asarray(self.log.waits["yard"]), in_window))
            if self.rail is not None:
                out.update(self.rail.tables(start))
            out.update(gate_tables(self.scenario, self.yards, start))
        out["quay_cranes"] = self.crane_table()
        if self.plan.canal:  # the Pinglu Canal's lock hubs and shared segments (model/canal.py)
            out.update(self.plan.canal.tables(self.scenario.run.warmup_days * 24.0, self.end_h))
            out["shared_segments"] = shared_segments(self.scenario, out.get("channel_segments"))
        canal = self.scenario.canal
        if canal is not None and canal.transfer_flow == "through_yard" and canal.stockpiles:
            out.update(self._stockpile_tables())
        return out

    def _stockpile_tables(self) -> dict[str, pd.DataFrame]:
        """The canal's bulk through the stockpiles (:mod:`portsim.model.stockpile`), from
        the calls' work start (berthed + berthing) and end."""
        from portsim.model.stockpile import stockpile_calls, stockpile_tables

        p, log = self.plan, self.log
        rows = stockpile_calls(self.scenario, p.terminal)  # only these: a few thousand

        def of(values: list[float]) -> np.ndarray:
            return np.fromiter(map(values.__getitem__, rows.tolist()), float, len(rows))

        return stockpile_tables(self.scenario, p.flow[rows], p.terminal[rows], p.volume[rows],
                                of(log.berthed_h) + self.berthing_h, of(log.handled_h),
                                self.scenario.run.warmup_days * 24.0, self.end_h,
                                self.replication)

    def crane_table(self) -> pd.DataFrame:
        """Quay-crane use per quay line with QCs: crane-hours worked inside the window and
        the utilisation busy QC-hours / (QCs × window hours). Fixed mode counts each call's
        cranes over its handling time (berthed + berthing to handled); pool mode the
        crane-hours the pool booked (see :mod:`portsim.model.cranes`)."""
        start, end = self.scenario.run.warmup_days * 24.0, self.end_h
        busy = [0.0] * len(self.lines)
        if self.crane_pools is not None:
            for i, pool in self.crane_pools.items():
                busy[i] = pool.busy_until(min(self.env.now, end))
        else:
            log, berthing = self.log, self.berthing_h
            for line, k, b, h in zip(log.line, log.cranes, log.berthed_h, log.handled_h,
                                     strict=True):
                if k > 0 and b == b:  # berthed (not NaN)
                    busy[line] += k * max(0.0, min(h, end) - max(b + berthing, start))
        rows = [{"quay_line": q.id, "terminal": q.terminal, "cranes": q.cranes,
                 "busy_qc_h": busy[i], "utilisation": busy[i] / (q.cranes * (end - start))}
                for i, q in enumerate(self.lines) if q.cranes > 0]
        return pd.DataFrame(rows, columns=["quay_line", "terminal", "cranes", "busy_qc_h",
                                           "utilisation"])

    def run(self) -> CallLog:
        self.env.process(self.arrivals())
        if self.rail is not None:
            self.rail.start()
        self.env.run(until=self.end_h)
        return self.log


def queue_length_series(arrival_h: np.ndarray, called_h: np.ndarray) -> tuple[np.ndarray, ...]:
    """Ships waiting at anchorage as a step function: (times, counts after each time)."""
    called = np.where(np.isnan(called_h), np.inf, called_h)
    times = np.concatenate([arrival_h, called])
    steps = np.concatenate([np.ones(len(arrival_h)), -np.ones(len(called))])
    order = np.argsort(times, kind="stable")
    times, steps = times[order], steps[order]
    keep = np.isfinite(times)
    return times[keep], np.cumsum(steps[keep])
