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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from portsim.config.fit import quay_lines
from portsim.config.scenario import Scenario
from portsim.demand import CallPlan
from portsim.model import channel
from portsim.model.gate import gate_tables
from portsim.model.quay import Placement, TerminalQuay
from portsim.model.rail import Rail
from portsim.model.yard import Yards


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
    waits: dict[str, list[float]]
    """Hours waited per cause other than the berth (tide, channel, pilot, tug, weather,
    yard …); the berth wait is the time from arrival to call-in."""

    @classmethod
    def empty(cls, n: int) -> CallLog:
        nan = [math.nan] * n
        return cls(list(nan), list(nan), list(nan), list(nan), list(nan),
                   [-1] * n, list(nan), list(nan), [0] * n, {})

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
        self.env = simpy.Environment()
        port, rules = scenario.port, scenario.rules
        self.lines = quay_lines(port.berths)
        self.quays: list[TerminalQuay] = []
        for t in port.terminals:
            mine = [(i, q) for i, q in enumerate(self.lines) if q.terminal == t.id]
            self.quays.append(TerminalQuay(
                self.env, mine, ukc_m=rules.berth_ukc_m, clearance_m=rules.berth_clearance_m,
                cranes_for=rules.cranes_for,
                crane_efficiency=rules.crane_efficiency * rules.twin_lift_factor,
                best_fit=rules.berth_allocation == "best_fit",
                liner_first=rules.queue_priority == "liner_first",
            ))
        self.ships = port.ship_classes
        transit = [port.transit_h(t.area) if rules.include_channel_transit else 0.0
                   for t in port.terminals]
        self.transit_h = transit
        self.hours_factor = 24.0 / rules.working_hours_per_day
        self.teu_factor = rules.teu_factor
        self.berthing_h = rules.berthing_h
        self.unberthing_h = rules.unberthing_h
        self.log = CallLog.empty(len(plan))
        # plain Python lists: scalar access to numpy arrays is slow on the per-call path
        self._class = [self.ships[c] for c in plan.ship_class.tolist()]
        self._terminal = plan.terminal.tolist()
        self._liner = plan.liner.tolist()
        box = [s.cargo == "container" for s in self._class]
        self._work = [v / self.teu_factor if b else v
                      for v, b in zip(plan.volume.tolist(), box, strict=True)]
        self._factor = [f * self.hours_factor for f in plan.handling_factor.tolist()]
        self.end_h = (scenario.run.warmup_days + scenario.run.horizon_days) * 24.0
        # tide windows, one-way rules, pilots, tugs, weather (None: fixed transit times);
        # it pre-registers its waiting causes so every replication has the same columns
        self.channel = channel.build(scenario, plan, self.end_h, self.log.waits, replication)
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

    def handling_h(self, i: int, placement: Placement) -> float:
        """Hours alongside spent working cargo for call ``i`` (moves or tonnes / rate)."""
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
        log.berthed_h[i] = env.now
        yield from self.alongside(i, placement)
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
        placement = quay.place_now(ship)
        if placement is None:  # no room: wait for a berth to free (no event otherwise)
            called = self.env.event()
            quay.wait(i, ship, self._liner[i], called)
            placement = yield called
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

    def alongside(self, i: int, placement: Placement):
        """Berth, work the cargo, unberth.

        With yards, a container call discharges into its terminal's yard and loads from
        it. Usually the whole discharge fits below the yard's blocking level and the
        boxes are booked at once (no extra event); otherwise discharge goes hour by
        hour — slower above the blocking level, not at all at capacity — and the hours
        lost are the call's ``yard`` wait (see :mod:`portsim.model.yard`)."""
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
            lost, loading_left = yield from yards.handle_slowly(self.env, i, work)
            log.add_wait(i, "yard", lost)
            handled = self.env.now + loading_left
        else:
            handled = self.env.now + berthing + work
        log.handled_h[i] = handled
        log.unberthed_h[i] = handled + self.unberthing_h
        yield self.env.timeout(log.unberthed_h[i] - self.env.now)

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
        return out

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
