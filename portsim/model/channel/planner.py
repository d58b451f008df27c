"""The channel model: plans every transit of one replication (the rules are in the
package docstring, :mod:`portsim.model.channel`)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort

import numpy as np

from portsim.config.canal import takes_pilot
from portsim.config.marine import reversed_segments
from portsim.config.passages import INBOUND, OUTBOUND, one_way, ship_routes, tide_legs
from portsim.config.scenario import Scenario
from portsim.model.channel.options import Option
from portsim.model.channel.records import ChannelRecords
from portsim.model.channel.sections import FORGET_EVERY_H, SegmentState, traffic_sections
from portsim.model.marine import Pool
from portsim.model.weather import closures, draw_events
from portsim.tide_windows import TideModel, tide_model

CAUSES = ("weather", "tide", "channel", "pilot", "tug")
"""Waiting causes of the channel model, in the order they are checked."""
EPS = 1e-9


class ChannelModel(ChannelRecords):
    """Plans every transit of one replication and records it."""

    def __init__(self, scenario: Scenario, plan, end_h: float, waits: dict[str, list[float]],
                 replication: int = 0):
        port, rules = scenario.port, scenario.rules
        self.scenario = scenario
        self.end_h = end_h
        self.n = n = len(plan)
        self.berthing_h = rules.berthing_h
        self.segments = {s.id: s for s in port.channel_segments}
        self.tide: TideModel | None = None
        if port.tide is not None:
            self.tide = tide_model(port.tide, end_h, scenario.port_file or "<port>")
        self.pilots = Pool("pilots", port.pilots.count) if port.pilots else None
        self.tugs = Pool("tugs", port.tugs.count) if port.tugs else None
        if port.weather is not None:
            self.events = draw_events(port.weather, scenario.run.seed, replication, end_h)
        else:
            self.events = []
        self.closed = closures(self.events, "channel")
        self.berths_closed = closures(self.events, "berths")
        # segments where a one-way rule can bind for a ship class in the plan
        classes = [port.ship_classes[c] for c in sorted(set(plan.ship_class.tolist()))]
        self.classes = classes
        self.sections = traffic_sections(port)
        self.states: dict[str, SegmentState] = {}  # by section id, sections with a rule
        for ids in self.sections.values():
            first = self.segments[ids[0]]
            if any(one_way(first, ship) for ship in classes):
                key = "+".join(ids)
                if key not in self.states:
                    duration = sum(self.segments[x].transit_h for x in ids)
                    follow = (duration + first.headway_h
                              if first.traffic_rule == "one_at_a_time" else None)
                    self.states[key] = SegmentState(key, duration, first.headway_h, ids,
                                                    follow)
        self.options: list[Option] = []
        self._cache: dict[tuple[int, str, int], list[Option]] = {}
        n_term = len(port.terminals)
        codes = plan.ship_class.astype(np.int64) * n_term + plan.terminal
        kinds = np.unique(codes).tolist()
        # per call: which kind (class, terminal) it is; per kind and direction: the
        # option of its first route (for the tables)
        self._kind = np.searchsorted(np.asarray(kinds, dtype=np.int64), codes)
        self._first: list[np.ndarray] = []
        # for the hot path, by direction and call: the fields of the only route's option
        # that ChannelModel.plan reads (None: several routes to choose from)
        hot: list[list] = []
        for direction, name in ((INBOUND, "opts_in"), (OUTBOUND, "opts_out")):
            table = [self._options(k // n_term, k % n_term, direction) for k in kinds]
            by_kind = np.empty(len(kinds), dtype=object)  # per call: one C-level take
            for j, o in enumerate(table):
                by_kind[j] = o
            setattr(self, name, by_kind[self._kind].tolist())
            for j, o in enumerate(table):
                by_kind[j] = o[0].hot if len(o) == 1 else None
            hot.append(by_kind[self._kind].tolist())
            self._first.append(np.array([o[0].index for o in table], dtype=np.int64))
        self.opts = (self.opts_in, self.opts_out)  # by direction
        self.hot = (hot[0], hot[1])
        nan = [math.nan] * n
        self.start = (list(nan), list(nan))  # planned start of each transit, by direction
        # the option of each planned transit: that of its only route, unless the call
        # has several (then recorded in ``chosen`` when planned); see :meth:`option`
        self.chosen: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.out_end = list(nan)  # out of the channel
        for cause in CAUSES:  # every replication and scenario gets the same columns
            waits.setdefault(cause, [0.0] * n)
        self.waits = waits
        self._forget_at = FORGET_EVERY_H

    # -- options -----------------------------------------------------------------

    def _options(self, c: int, t: int, direction: int) -> list[Option]:
        """The options of ship class ``c`` bound for terminal ``t`` in ``direction``: one
        per route to the terminal's area (shared by every terminal of the area)."""
        sc = self.scenario
        port, rules = sc.port, sc.rules
        area = port.terminals[t].area
        key = (c, area, direction)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        ship = port.ship_classes[c]
        pilots, tugs = port.pilots, port.tugs
        piloted = takes_pilot(sc, ship)  # by size; river-sea ships may be exempt
        lead = pilots.boarding_h if pilots and piloted else 0.0
        routes = ship_routes(sc, ship, area) or [(-1, None)]
        out: list[Option] = []
        for k, route in routes:
            order = [] if route is None else (
                route.segments if direction == INBOUND else route.segments[::-1])
            offsets, a = [], lead
            for sid in order:
                offsets.append(a)
                a += self.segments[sid].transit_h
            sail = a
            windows = None
            if self.tide is not None and route is not None:
                legs = tide_legs(port, route, ship, direction, lead, rules.channel_ukc_m,
                                 self.tide.lowest)
                if legs:
                    windows = self.tide.entry_windows(legs)
                    if not windows.any_between(0.0, self.end_h):
                        continue  # this route can never take the ship (checked at load)
            segs = []
            seen_sections: set[str] = set()
            # the direction the ship sails each segment in: a route from the canal mouth
            # sails some segments from their landward end (reversed_segments)
            back = [] if route is None else reversed_segments(port, route)
            back = back if direction == INBOUND else back[::-1]
            for sid, off, rev in zip(order, offsets, back, strict=True):
                sec = "+".join(self.sections[(k, sid)]) if route is not None else ""
                if sec in self.states and sec not in seen_sections:
                    seen_sections.add(sec)  # the section starts here in sailing order
                    segs.append((self.states[sec], off, one_way(self.segments[sid], ship),
                                 direction ^ rev))
            ow_ids = {sid for sid in order if one_way(self.segments[sid], ship)}
            pilot = None
            if pilots is not None and piloted:
                job = sail + (self.berthing_h if direction == INBOUND else 0.0) + pilots.return_h
                pilot = (0.0, job)
            tug = None
            if tugs is not None:
                need = tugs.for_ship(ship.id, ship.dwt)
                if need:
                    tug = (sail if direction == INBOUND else 0.0, tugs.assist_h, need,
                           tugs.assist_h * need)
            opt = Option(len(self.options), k, direction, sail, lead, offsets, list(order),
                         windows, segs, pilot, tug, bool(len(self.closed)), ow_ids)
            closed = self.closed if opt.weather else None
            opt.hot = (opt, closed.starts if closed else None, closed.ends if closed else None,
                       windows, opt.check, pilot, self.pilots, tug, self.tugs, opt.book, sail)
            self.options.append(opt)
            out.append(opt)
        if not out:  # load_scenario's check_passages reports this with the demand path
            from portsim.errors import InputError

            way = "inbound" if direction == INBOUND else "outbound"
            raise InputError.single(sc.file or "<scenario>", "demand",
                                    f"ship class '{ship.id}' can never pass any route to "
                                    f"area '{area}' ({way})")
        self._cache[key] = out
        return out

    # -- planning ----------------------------------------------------------------

    def _earliest(self, opt: Option, t: float, i: int) -> float:
        """Earliest start >= t that every constraint allows. With ``i >= 0`` each push is
        booked to call ``i`` as waiting for that cause (``i < 0``: a dry run).

        Hot path: every check first tests the common case (nothing in the way) with a
        comparison or one ``bisect`` and calls the full search only when needed."""
        closed = self.closed if opt.weather else None
        if closed is not None:
            c_starts, c_ends = closed.starts, closed.ends
            n_closed = len(c_starts)
        tide, segs = opt.tide, opt.fast
        pilot, tug = opt.pilot, opt.tugs
        pilots, tugs = self.pilots, self.tugs
        span = opt.sail_h
        while True:
            t0 = t
            if closed is not None and n_closed:
                j = bisect_right(c_ends, t)
                if j < n_closed and c_starts[j] < t + span:
                    t1 = closed.clear_for(t, span)
                    if i >= 0:
                        self._book_wait(i, "weather", t, t1)
                    t = t1
            if tide is not None:
                t1 = tide.next_open(t)
                if t1 == math.inf:
                    return math.inf
                if t1 > t + EPS:
                    if i >= 0:
                        self._book_wait(i, "tide", t, t1)
                    t = t1
            for off, opp, reach, same, h, state, ow, _, _, d in segs:
                s = t + off
                # quick test against the latest booked passages (entries are sorted)
                if not ((opp and opp[-1] > s - reach) or (h and same and same[-1] > s - h)):
                    continue
                t1 = state.clear(s, d, ow) - off
                if t1 > t + EPS:
                    if i >= 0:
                        self._book_wait(i, "channel", t, t1)
                        state.conflicts += 1
                    t = t1
            if pilot is not None and pilots.pending >= pilots.capacity:  # type: ignore[union-attr]
                t1 = pilots.earliest(t + pilot[0], pilot[1], 1) - pilot[0]  # type: ignore[union-attr]
                if t1 > t + EPS:
                    if i >= 0:
                        self._book_wait(i, "pilot", t, t1)
                    t = t1
            if tug is not None and tugs.pending + tug[2] > tugs.capacity:  # type: ignore[union-attr]
                t1 = tugs.earliest(t + tug[0], tug[1], tug[2]) - tug[0]  # type: ignore[union-attr]
                if t1 > t + EPS:
                    if i >= 0:
                        self._book_wait(i, "tug", t, t1)
                    t = t1
            if t == t0 or t == math.inf:
                return t

    def _book_wait(self, i: int, cause: str, t0: float, t1: float) -> None:
        """Book [t0, t1] (clipped to the end of the run) to call ``i`` and ``cause``."""
        end = self.end_h
        self.waits[cause][i] += min(t1, end) - min(t0, end)

    def plan(self, i: int, now: float, direction: int, clock: float | None = None
             ) -> tuple[float, float]:
        """Plan call ``i``'s transit from ``now``: (start, sailing hours). Waits are
        booked to the call by cause; the passage, pilot and tugs are booked.

        Most ships can start at once: a quick test of every constraint at ``now`` (the
        first pass of :meth:`_earliest`, inlined) avoids the search for them. ``clock`` is
        the simulation time (default ``now``); a ship may be ready later than that (after
        a berth closure), and bookings are only forgotten up to the clock, never up to a
        future ready time that other ships' plans may precede. Forgetting never changes
        a plan (the pools' and sections' searches ignore what is over), only its cost."""
        if clock is None:
            clock = now
        hot = self.hot[direction][i]
        if hot is None:  # several routes: the one that gets the ship through soonest
            opts = self.opts[direction][i]
            for pool in (self.pilots, self.tugs):
                if pool is not None:
                    pool.forget_before(clock)
            best = math.inf
            opt = opts[0]
            for o in opts:
                arrive = self._earliest(o, now, -1) + o.sail_h
                if arrive < best - EPS:
                    best, opt = arrive, o
            self.chosen[direction][i] = opt.index
            hot = opt.hot
        opt, c_starts, c_ends, tide, check, pilot, pilots, tug, tugs, book, sail = hot
        free = True
        if c_ends is not None:  # some channel closure in the run
            j = bisect_right(c_ends, now)
            free = j == len(c_ends) or c_starts[j] >= now + sail
        if free and tide is not None:  # Windows.next_open(now) == now, inlined
            w_ends = tide.ends
            j = bisect_left(w_ends, now)
            free = j < len(w_ends) and tide.starts[j] <= now
        if free:
            for off, opp, reach, same, h in check:
                s = now + off
                if opp and opp[-1] > s - reach:
                    j = bisect_right(opp, s - reach)
                    if j < len(opp) and opp[j] < s + reach:
                        free = False
                        break
                if h and same and same[-1] > s - h:
                    j = bisect_right(same, s - h)
                    if j < len(same) and same[j] < s + h:
                        free = False
                        break
        # pools: ``pending`` counts booked units not yet closed; close the finished ones
        # only when the bound says the pool might be full (every few jobs, not every call)
        # (when the bound fails, a pool that still has room at ``now`` lets the ship go
        # at once, as the search would find: it moves ``t`` only by more than EPS)
        if free and pilot is not None and pilots.pending >= pilots.capacity:  # type: ignore[union-attr]
            pilots.forget_before(clock)  # type: ignore[union-attr]
            free = pilots.pending < pilots.capacity or pilots.fits(  # type: ignore[union-attr]
                now + pilot[0], pilot[1], 1)
        if free and tug is not None and tugs.pending + tug[2] > tugs.capacity:  # type: ignore[union-attr]
            tugs.forget_before(clock)  # type: ignore[union-attr]
            free = tugs.pending + tug[2] <= tugs.capacity or tugs.fits(  # type: ignore[union-attr]
                now + tug[0], tug[1], tug[2])
        if free:
            t = now
        else:
            # the search consults only the pools this option uses
            if pilot is not None:
                pilots.forget_before(clock)  # type: ignore[union-attr]
            if tug is not None:
                tugs.forget_before(clock)  # type: ignore[union-attr]
            t = self._earliest(opt, now, i)
            if t == math.inf:
                self.start[direction][i] = t
                return t, sail
        self.start[direction][i] = t
        for off, own in book:
            insort(own, t + off)
        if pilot is not None:  # Pool.book, inlined (the pilot boards at t: pilot[0] == 0)
            insort(pilots.booked, (t + pilot[1], t, 1))  # type: ignore[union-attr]
            pilots.pending += 1  # type: ignore[union-attr]
            pilots.busy_h += pilot[1]  # type: ignore[union-attr]
        if tug is not None:  # Pool.book, inlined
            start = t + tug[0]
            insort(tugs.booked, (start + tug[1], start, tug[2]))  # type: ignore[union-attr]
            tugs.pending += tug[2]  # type: ignore[union-attr]
            tugs.busy_h += tug[3]  # type: ignore[union-attr]
        if clock >= self._forget_at:  # every two days or so: drop passages long past
            self._forget_at = clock + FORGET_EVERY_H
            for state in self.states.values():
                state.forget_before(clock)
        return t, sail

    def sail_h(self, i: int, direction: int = INBOUND) -> float:
        """Hours call ``i``'s transit takes once started (its fastest route's)."""
        return min(o.sail_h for o in self.opts[direction][i])

    def dry_run(self, i: int, t: float, direction: int = INBOUND) -> tuple[float, float]:
        """Without booking or recording anything: the earliest start >= ``t`` of call
        ``i``'s transit that every check allows given what is booked now, on the route
        that gets the ship through soonest, and that route's sailing hours (start
        ``inf``: no start left in the run). For plans made ahead of time (just-in-time
        call-in, :mod:`portsim.model.passage_plan`)."""
        best, sail = math.inf, 0.0
        for o in self.opts[direction][i]:
            start = self._earliest(o, t, -1)
            if start + o.sail_h < best + sail - EPS or best == math.inf:
                best, sail = start, o.sail_h
        return best, sail

    def option(self, direction: int, start: np.ndarray | None = None) -> np.ndarray:
        """The option index of every call's transit in ``direction`` (-1: not planned);
        ``start``: the planned starts in that direction as an array, if at hand."""
        idx = self._first[direction][self._kind]
        for i, k in self.chosen[direction].items():
            idx[i] = k
        if start is None:
            start = np.fromiter(self.start[direction], float, self.n)
        idx[np.isnan(start)] = -1
        return idx

    def plan_out(self, i: int, now: float, work_start: float, work_end: float) -> float:
        """Plan call ``i``'s outbound transit when it is ready to leave at ``now``;
        berth closures during its cargo work [work_start, work_end] delay it first."""
        clock = now
        ends = self.berths_closed.ends
        if ends:  # berth_pause, with its common case (no closure during the work) inlined
            j = bisect_right(ends, work_start)
            if j < len(ends) and self.berths_closed.starts[j] < work_end:
                pause = self.berth_pause(i, work_start, work_end)
                if pause > 0:
                    self._book_wait(i, "weather", now, now + pause)
                    now += pause
        t, sail = self.plan(i, now, OUTBOUND, clock)
        self.out_end[i] = t + sail
        return t

    def berth_pause(self, i: int, work_start: float, work_end: float) -> float:
        """Hours by which closures of the berths delay work that ran [start, end]."""
        closed = self.berths_closed
        j = bisect_right(closed.ends, work_start)
        if j == len(closed.starts) or closed.starts[j] >= work_end or not work_end > work_start:
            return 0.0  # no closure during the work (the common case)
        return closed.finish(work_start, work_end - work_start) - work_end

    def forget_before(self, now: float) -> None:
        """Drop bookings that can no longer matter (keeps every lookup short)."""
        for pool in (self.pilots, self.tugs):
            if pool is not None:
                pool.forget_before(now)
        for state in self.states.values():
            state.forget_before(now)


def build(scenario: Scenario, plan, end_h: float, waits: dict[str, list[float]],
          replication: int = 0) -> ChannelModel | None:
    """The channel model of a replication, or ``None`` when the scenario asks for fixed
    transit times only (no marine data, ``rules.marine_model: false``, or no channel)."""
    port, rules = scenario.port, scenario.rules
    if not (rules.marine_model and rules.include_channel_transit):
        return None
    classes = [port.ship_classes[c] for c in sorted(set(plan.ship_class.tolist()))]
    one_way_rule = any(one_way(s, ship) for s in port.channel_segments for ship in classes)
    if not (port.tide or port.pilots or port.tugs or port.weather or one_way_rule):
        return None
    return ChannelModel(scenario, plan, end_h, waits, replication)

