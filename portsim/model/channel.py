"""The approach channel: routes, tidal windows, one-way rules, pilots, tugs and weather.

How a transit is planned
------------------------
A ship is ready to sail in when the terminal calls it in (the berth is then reserved
for it) and ready to sail out when it has unberthed. From that moment the channel's
traffic control plans its transit as a vessel traffic service does — from a known
timetable, since sailing speeds, the tide and the closures are known in advance —
and picks the earliest start ``t`` at which **all** of these hold:

* **weather**: no channel closure begins before the ship is through
  (:mod:`portsim.model.weather`);
* **tide**: ``depth + tide >= draught + UKC`` in every segment for the whole time the
  ship is in it (inbound and outbound draughts may differ; windows precomputed in
  :mod:`portsim.model.tide`, found with one ``bisect``);
* **channel traffic**: in every segment where the ship is one-way (larger than the
  segment's two-way limit) no opposite passage overlaps its own, with ``headway_h``
  between them, and same-direction ships keep ``headway_h`` apart; a two-way ship
  keeps the same distances from one-way ships (they hold the segment);
* **pilot**: a pilot is free from boarding (``t``) to the end of the job;
* **tugs**: the ship's number of tugs are free while it berths (inbound, at the end of
  the transit) or unberths (outbound, at ``t``).

Starting from the ready time, each check in turn pushes ``t`` to the earliest time it
allows, and the push is booked as waiting to that cause (weather, tide, channel,
pilot, tug); the checks repeat until none moves ``t``. Every hour between ready and
start is so booked to exactly one cause. The transit's segment passages, pilot and
tugs are then booked (:class:`~portsim.model.marine.Pool`), so later plans see them.
When an area has several routes (e.g. East and West Channel), the ship takes the one
that gets it to the berth — or out to sea — soonest.

Where ships wait (modelling decision)
-------------------------------------
*Inbound*, the ship is called in when a berth is free (the berth wait, as in the core
model) and then waits at anchorage for its start — holding the berth, as a terminal
holds a berth window for a tide-bound mainline ship. *Outbound*, a ship that cannot
sail yet waits alongside, holding its berth (a laden ship waits at the quay for the
high water); a typhoon that also closes the berths pauses cargo work, and the pause
delays the ship's departure by the closed time (booked to weather). So for every call

    departed − arrival = wait_berth + wait_tide + wait_channel + wait_pilot + wait_tug
                         + wait_weather + sail in + berthing + handling + unberthing
                         + sail out

(plus any yard wait booked by the yard model), which a test checks call by call.
Sailing in takes the pilot's boarding time plus the transit; berthing, unberthing and
handling are the quay model's.

Cost: all of this is arithmetic at two moments of a call (ready to sail in, ready to
sail out), with at most one extra SimPy timeout when the ship has to wait.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portsim.config.port import ChannelSegment, Port, Route, ShipClass
from portsim.config.scenario import Scenario
from portsim.errors import Problem
from portsim.model.marine import Pool
from portsim.model.tide import TideModel, Windows, tide_model
from portsim.model.weather import closures, draw_events

CAUSES = ("weather", "tide", "channel", "pilot", "tug")
"""Waiting causes of the channel model, in the order they are checked."""
INBOUND, OUTBOUND = 0, 1
EPS = 1e-9
FORGET_EVERY_H = 48.0
"""How often the sections drop passages that can no longer conflict (simulated hours;
only a matter of speed: forgetting never changes a plan)."""


def route_label(route: Route) -> str:
    return route.id or f"{route.anchorage}→{route.area} via {'/'.join(route.segments)}"


def draught(ship: ShipClass, direction: int) -> float:
    d = ship.draught_in_m if direction == INBOUND else ship.draught_out_m
    return d if d is not None else ship.draught_m


def one_way(seg: ChannelSegment, ship: ShipClass) -> bool:
    """Whether ``ship`` transits ``seg`` one-way."""
    if seg.two_way_max_dwt is not None and ship.dwt > seg.two_way_max_dwt:
        return True
    return seg.two_way_max_beam_m is not None and ship.beam_m > seg.two_way_max_beam_m


def tide_legs(port: Port, route: Route, ship: ShipClass, direction: int, lead_h: float,
              ukc_default: float, lowest: float) -> list[tuple[float, float, float]]:
    """``(need_m, a_h, b_h)`` for every segment of the route where the ship needs the
    tide: it is in the segment from ``t + a`` to ``t + b`` after starting at ``t``."""
    seg = {s.id: s for s in port.channel_segments}
    order = route.segments if direction == INBOUND else route.segments[::-1]
    legs, a = [], lead_h
    for sid in order:
        s = seg[sid]
        b = a + s.transit_h
        if s.bottom_depth_m is not None:
            ukc = s.ukc_m if s.ukc_m is not None else ukc_default
            need = draught(ship, direction) + ukc - s.bottom_depth_m
            if need > lowest:
                legs.append((round(need, 9), round(a, 9), round(b, 9)))
        a = b
    return legs


# ----------------------------------------------------------------- segment traffic


class SegmentState:
    """Booked passages through one traffic section, for the one-way rule.

    A section is a run of consecutive segments with the same traffic rule (two-way
    limits, headway) that exactly the same routes use — e.g. the two parts of the East
    Channel. Checking the rule on the section is exactly equivalent to checking it on
    each of its segments (ships sail every segment at the same speed, and two ships in
    opposite directions must cross somewhere in it), and takes one check instead of
    several on the hot path.
    """

    __slots__ = ("all", "conflicts", "duration", "headway", "id", "ow", "segments")

    def __init__(self, id: str, duration: float, headway: float,
                 segments: tuple[str, ...] = ()):
        self.id = id
        self.segments = segments or (id,)
        self.duration = duration
        self.headway = headway
        self.all: tuple[list[float], list[float]] = ([], [])  # entry times, by direction
        self.ow: tuple[list[float], list[float]] = ([], [])  # entry times of one-way ships
        self.conflicts = 0

    def clear(self, s: float, d: int, ow: bool) -> float:
        """The earliest entry >= s into this segment in direction ``d`` that keeps the
        one-way rule against every booked passage."""
        dur, h = self.duration, self.headway
        opp = self.all[1 - d] if ow else self.ow[1 - d]
        same = self.all[d] if ow else self.ow[d]
        while True:
            moved = False
            if opp:
                hi = s + dur + h
                j = bisect_right(opp, s - dur - h)
                if j < len(opp) and opp[j] < hi:
                    t = opp[bisect_left(opp, hi) - 1] + dur + h
                    if t > s:  # rounding can give t == s: then s is clear (no endless loop)
                        s, moved = t, True
            if h > 0 and same:
                hi = s + h
                j = bisect_right(same, s - h)
                if j < len(same) and same[j] < hi:
                    t = same[bisect_left(same, hi) - 1] + h
                    if t > s:
                        s, moved = t, True
            if not moved:
                return s

    def book(self, s: float, d: int, ow: bool) -> None:
        """Book a passage entering at ``s`` (the channel model inlines this)."""
        insort(self.all[d], s)
        if ow:
            insort(self.ow[d], s)

    def forget_before(self, now: float) -> None:
        """Forget passages that can no longer conflict with an entry at ``now`` or later."""
        cut = now - self.duration - self.headway - 1e-6
        for lst in (*self.all, *self.ow):
            k = bisect_right(lst, cut)
            if k:
                del lst[:k]


@dataclass(slots=True)
class Option:
    """One way a ship of one class can make one transit (a route in one direction)."""

    index: int
    route: int
    direction: int
    sail_h: float  # start (pilot boarding) to end of transit
    lead_h: float  # pilot boarding before the first segment
    offsets: list[float]  # entry into each route segment (in sailing order), from start
    seg_ids: list[str]
    tide: Windows | None
    segs: list[tuple[SegmentState, float, bool]]  # segments with a one-way rule in play
    pilot: tuple[float, float] | None  # (offset, length)
    tugs: tuple[float, float, int, float] | None  # (offset, length, count, tug-hours)
    weather: bool  # the run has channel closures (the weather check is needed)
    one_way_ids: set[str]  # segments the ship passes one-way
    # per segment of ``segs``, for the hot path: (offset, opposite list to check, reach,
    # same-direction list to check, headway, state, one-way, own list, own one-way list)
    fast: list[tuple] = field(init=False)
    check: list[tuple] = field(init=False)  # (offset, opposite, reach, same, headway)
    book: list[tuple] = field(init=False)  # (offset, list to insert the entry time into)
    # what ChannelModel.plan reads, in one attribute: (option, closure starts, closure
    # ends (None: no closures), tide windows, check, pilot, pilot pool, tugs, tug pool,
    # book, sail_h)
    hot: tuple = field(init=False)

    def __post_init__(self) -> None:
        d = self.direction
        self.fast = [
            (off, (st.all if ow else st.ow)[1 - d], st.duration + st.headway,
             (st.all if ow else st.ow)[d], st.headway, st, ow, st.all[d], st.ow[d])
            for st, off, ow in self.segs
        ]
        self.check = [f[:5] for f in self.fast]
        # every passage goes into the section's list of its direction, a one-way one
        # also into the one-way list: (offset, list) pairs, one-way lists included
        self.book = [(f[0], f[7]) for f in self.fast] + [(f[0], f[8]) for f in self.fast
                                                         if f[6]]
        self.hot = ()  # set by the model that owns the option (it holds the pools)


# ----------------------------------------------------------------- the channel model


class ChannelModel:
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
                    self.states[key] = SegmentState(
                        key, sum(self.segments[x].transit_h for x in ids), first.headway_h, ids)
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
        lead = pilots.boarding_h if pilots and ship.dwt >= pilots.min_dwt else 0.0
        routes = [(k, r) for k, r in enumerate(port.routes) if r.area == area] or [(-1, None)]
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
            for sid, off in zip(order, offsets, strict=True):
                sec = "+".join(self.sections[(k, sid)]) if route is not None else ""
                if sec in self.states and sec not in seen_sections:
                    seen_sections.add(sec)  # the section starts here in sailing order
                    segs.append((self.states[sec], off, one_way(self.segments[sid], ship)))
            ow_ids = {sid for sid in order if one_way(self.segments[sid], ship)}
            pilot = None
            if pilots is not None and ship.dwt >= pilots.min_dwt:
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
        tide, segs, d = opt.tide, opt.fast, opt.direction
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
            for off, opp, reach, same, h, state, ow, _, _ in segs:
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

    # -- records -----------------------------------------------------------------

    def tables(self, start_h: float, end_h: float) -> dict[str, pd.DataFrame]:
        """``channel_calls`` (one row per call), ``channel_segments`` (one row per
        segment: passages, occupancy, one-way share, conflicts over the measurement
        window), ``marine`` (pilot and tug use, weather closures) and ``weather``
        (one row per closure)."""
        port = self.scenario.port
        labels = [route_label(r) for r in port.routes]
        opts = self.options
        cols = {"call": np.arange(self.n)}
        # each per-call list is turned into an array once (they hold ~20k Python objects)
        starts = [np.fromiter(self.start[d], float, self.n) for d in (INBOUND, OUTBOUND)]
        planned = [(self.option(d, st), st) for d, st in enumerate(starts)]
        sail_o = np.array([o.sail_h for o in opts] or [np.nan])
        route_o = np.array([o.route for o in opts] or [-1])
        bound_o = np.array([o.tide is not None for o in opts] or [False])
        ow_o = np.array([any(w for _, _, w in o.segs) for o in opts] or [False])
        for d, name in ((INBOUND, "in"), (OUTBOUND, "out")):
            idx, start = planned[d]
            known = idx >= 0
            safe = np.where(known, idx, 0)
            sail = sail_o[safe]
            route = route_o[safe]
            cols[f"route_{name}"] = pd.Categorical.from_codes(  # codes valid by construction
                np.where(known & (route >= 0), route, -1), categories=labels,
                validate=False) if labels else \
                pd.Categorical.from_codes(np.full(self.n, -1), categories=["-"])
            cols[f"start_{name}_h"] = start
            cols[f"sail_{name}_h"] = np.where(known, sail, np.nan)
            cols[f"tide_bound_{name}"] = known & bound_o[safe]
            cols[f"one_way_{name}"] = known & ow_o[safe]
        calls = pd.DataFrame(cols)
        window = end_h - start_h
        rows = []
        groups = [_by_option(idx, start) for idx, start in planned]
        users = self._users()
        for seg in port.channel_segments:
            st, dr, ow = self._passages(seg.id, planned, groups, users.get(seg.id, []))
            inside = (st >= start_h) & (st < end_h)
            dur = seg.transit_h
            section = next((st for st in self.states.values() if seg.id in st.segments), None)
            rows.append({
                "segment": seg.id,
                "section": section.id if section is not None else seg.id,
                "length_km": seg.length_km,
                "transit_h": dur,
                "passages_in": int((inside & (dr == INBOUND)).sum()),
                "passages_out": int((inside & (dr == OUTBOUND)).sum()),
                "one_way_passages": int((inside & ow).sum()),
                "occupancy": _covered(st, dur, start_h, end_h) / window,
                "one_way_share": _covered(st[ow], dur, start_h, end_h) / window,
                "conflicts": section.conflicts if section is not None else 0,
            })
        segments = pd.DataFrame(rows, columns=[
            "segment", "section", "length_km", "transit_h", "passages_in", "passages_out",
            "one_way_passages", "occupancy", "one_way_share", "conflicts"])
        marine = []
        for pool in (self.pilots, self.tugs):
            if pool is not None:
                marine.append({"resource": pool.name, "capacity": pool.capacity,
                               "jobs": pool.jobs, "busy_h": pool.busy_h,
                               "utilisation": pool.busy_h / (pool.capacity * self.end_h)})
        for what, cl in (("channel closed", self.closed), ("berths closed", self.berths_closed)):
            marine.append({"resource": what, "capacity": np.nan, "jobs": len(cl),
                           "busy_h": cl.hours(start_h, end_h), "utilisation":
                           cl.hours(start_h, end_h) / window})
        weather = pd.DataFrame(
            [{"kind": k, "start_h": s, "end_h": e, "closes": "/".join(c)}
             for k, s, e, c in self.events],
            columns=["kind", "start_h", "end_h", "closes"])
        return {"channel_calls": calls, "channel_segments": segments,
                "marine": pd.DataFrame(marine), "weather": weather}

    def _passages(self, seg_id: str, planned: list[tuple[np.ndarray, np.ndarray]],
                  groups: list[dict[int, np.ndarray]] | None = None,
                  users: list[tuple[Option, float]] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entry times, directions and one-way flags of every planned passage;
        ``planned``: (option index, start) arrays per direction; ``groups``: the finite
        starts by option per direction (:func:`_by_option`) and ``users``: the options
        through the segment with their entry offsets (:meth:`_users`), both computed once
        for all segments. The passages come grouped by direction and option: every use
        of them (counts, the sorted starts of :func:`_covered`) is independent of their
        order."""
        if groups is None:
            groups = [_by_option(idx, start) for idx, start in planned]
        if users is None:
            users = self._users().get(seg_id, [])
        starts, dirs, ows = [], [], []
        for d, by_opt in enumerate(groups):
            for o, off in users:
                st = by_opt.get(o.index) if o.direction == d else None
                if st is None:
                    continue
                starts.append(st + off)  # finite starts + finite offset: all finite
                dirs.append(np.full(len(st), d))
                ows.append(np.full(len(st), seg_id in o.one_way_ids))
        if not starts:
            return np.zeros(0), np.zeros(0, int), np.zeros(0, bool)
        return np.concatenate(starts), np.concatenate(dirs), np.concatenate(ows)

    def _users(self) -> dict[str, list[tuple[Option, float]]]:
        """For every segment: the options that pass it, with their entry offsets."""
        out: dict[str, list[tuple[Option, float]]] = {}
        for o in self.options:
            for sid in dict.fromkeys(o.seg_ids):  # a segment counts once per transit
                out.setdefault(sid, []).append((o, o.offsets[o.seg_ids.index(sid)]))
        return out

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


def _by_option(idx: np.ndarray, start: np.ndarray) -> dict[int, np.ndarray]:
    """The finite start times of the planned transits, by option index."""
    keep = (idx >= 0) & np.isfinite(start)
    idx, start = idx[keep], start[keep]
    order = np.argsort(idx, kind="stable")
    idx, start = idx[order], start[order]
    cut = np.flatnonzero(np.diff(idx)) + 1
    lo = np.concatenate(([0], cut)).tolist()
    hi = np.concatenate((cut, [len(idx)])).tolist()
    return {int(idx[a]): start[a:b] for a, b in zip(lo, hi, strict=True) if b > a}


def traffic_sections(port: Port) -> dict[tuple[int, str], tuple[str, ...]]:
    """For every (route index, segment id): the traffic section holding the segment — the
    longest run of consecutive segments of the route with the same rule (two-way DWT
    and beam limits, headway) used by exactly the same routes."""
    seg = {s.id: s for s in port.channel_segments}
    users: dict[str, frozenset[int]] = {}
    for k, r in enumerate(port.routes):
        for sid in r.segments:
            users[sid] = users.get(sid, frozenset()) | {k}

    def rule(sid: str) -> tuple:
        s = seg[sid]
        return (s.two_way_max_dwt, s.two_way_max_beam_m, s.headway_h, users[sid])

    out: dict[tuple[int, str], tuple[str, ...]] = {}
    for k, r in enumerate(port.routes):
        run: list[str] = []
        for sid in [*r.segments, None]:
            if run and (sid is None or rule(sid) != rule(run[-1])):
                for x in run:
                    out[(k, x)] = tuple(run)
                run = []
            if sid is not None:
                run.append(sid)
    return out


def _covered(starts: np.ndarray, dur: float, lo: float, hi: float) -> float:
    """Hours of [lo, hi] during which at least one passage [s, s + dur] is under way."""
    if len(starts) == 0:
        return 0.0
    s = np.sort(starts)
    e = s + dur
    s, e = np.clip(s, lo, hi), np.clip(e, lo, hi)
    prev_end = np.maximum.accumulate(np.concatenate([[lo], e[:-1]]))
    return float(np.clip(e - np.maximum(s, prev_end), 0.0, None).sum())


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


# ----------------------------------------------------------------- checks at load


def check_passages(scenario: Scenario, file: str) -> list[Problem]:
    """Every ship class of the demand can make every transit it needs — some route to
    its area has a tidal window in the run, its tugs exist — else a problem naming the
    class and the route (instead of a ship that waits forever)."""
    from portsim.demand import class_terminals

    port, rules = scenario.port, scenario.rules
    if not (rules.marine_model and rules.include_channel_transit):
        return []
    run = scenario.run
    end_h = (run.warmup_days + run.horizon_days) * 24.0
    problems: list[Problem] = []
    tide = None
    if port.tide is not None:
        try:
            tide = tide_model(port.tide, end_h, scenario.port_file or file)
        except Exception as exc:  # an InputError from the CSV reader
            from portsim.errors import InputError

            if isinstance(exc, InputError):
                return list(exc.problems)
            raise
        lo, hi = tide.covers_h
        if port.tide.series is not None and (lo > 0 or hi < end_h):
            problems.append(Problem(
                str(port.tide.series), "time_h",
                f"the tide series covers {lo:g}-{hi:g} h but the run needs 0-{end_h:g} h "
                f"(warm-up + horizon)"))
            return problems
    seen: set[tuple[str, str]] = set()
    for i, flow in enumerate(scenario.demand):
        for j, fc in enumerate(flow.classes):
            if fc.ship_class not in {s.id for s in port.ship_classes}:
                continue
            ship = port.ship_class(fc.ship_class)
            at = f"demand[{i}].classes[{j}].ship_class"
            if port.tugs is not None:
                need = port.tugs.for_ship(ship.id, ship.dwt)
                if need > port.tugs.count:
                    problems.append(Problem(file, at, f"ship class '{ship.id}' needs {need} "
                                            f"tugs but the port has {port.tugs.count}"))
            if tide is None:
                continue
            areas = {port.area_of_terminal(t) for t in class_terminals(scenario, flow, ship)}
            for area in sorted(areas):
                if (ship.id, area) in seen:
                    continue
                seen.add((ship.id, area))
                routes = [r for r in port.routes if r.area == area]
                for direction, name in ((INBOUND, "inbound"), (OUTBOUND, "outbound")):
                    why = []
                    for r in routes:
                        lead = (port.pilots.boarding_h if port.pilots
                                and ship.dwt >= port.pilots.min_dwt else 0.0)
                        legs = tide_legs(port, r, ship, direction, lead, rules.channel_ukc_m,
                                         tide.lowest)
                        if not legs or tide.entry_windows(legs).any_between(0.0, end_h):
                            break
                        why.append(_why(port, r, ship, direction, rules.channel_ukc_m, tide,
                                        legs))
                    else:
                        if routes:
                            problems.append(Problem(
                                file, at,
                                f"ship class '{ship.id}' can never sail {name} to area "
                                f"'{area}': " + "; ".join(why)))
    return problems


def _why(port: Port, route: Route, ship: ShipClass, direction: int, ukc_default: float,
         tide: TideModel, legs) -> str:
    seg = {s.id: s for s in port.channel_segments}
    worst = max(legs)
    need = worst[0]
    order = route.segments if direction == INBOUND else route.segments[::-1]
    names = []
    for sid in order:
        s = seg[sid]
        if s.bottom_depth_m is None:
            continue
        ukc = s.ukc_m if s.ukc_m is not None else ukc_default
        if abs(draught(ship, direction) + ukc - s.bottom_depth_m - need) < 1e-6:
            names.append(f"segment '{sid}' (bottom {s.bottom_depth_m:g} m below chart datum, "
                         f"draught {draught(ship, direction):g} m + UKC {ukc:g} m)")
    where = names[0] if names else "a segment"
    if need > tide.highest:
        return (f"route {route_label(route)}: {where} needs {need:.2f} m of tide, but the "
                f"tide never rises above {tide.highest:.2f} m in this run")
    return (f"route {route_label(route)}: the tide is never high enough for long enough "
            f"to pass every segment in one transit ({where} needs {need:.2f} m)")


def port_kpis(calls: pd.DataFrame, tables: dict[str, pd.DataFrame], start_h: float,
              end_h: float) -> dict[str, float]:
    """Port-level channel KPIs of one replication (empty without the channel model):
    share of calls bound by the tide in either direction, share that waited for it,
    calls delayed by one-way traffic per year, the busiest segment's occupancy, pilot
    and tug utilisation, closed hours per year."""
    cc = tables.get("channel_calls")
    if cc is None:
        return {}
    annual = 8760.0 / (end_h - start_h)
    inwin = calls["in_window"].to_numpy()
    n = max(int(inwin.sum()), 1)
    bound = (cc["tide_bound_in"].to_numpy() | cc["tide_bound_out"].to_numpy())[inwin]
    out = {
        "tide_bound_calls_share": float(bound.sum()) / n,
        "tide_waited_calls_share": float((calls["wait_tide_h"].to_numpy()[inwin] > 0).sum()) / n,
        "one_way_conflicts_per_year":
            float((calls["wait_channel_h"].to_numpy()[inwin] > 0).sum()) * annual,
    }
    seg = tables.get("channel_segments")
    out["channel_max_occupancy"] = float(seg["occupancy"].max()) if seg is not None and len(seg) \
        else 0.0
    marine = tables.get("marine")
    if marine is not None:
        m = marine.set_index("resource")
        for name in ("pilots", "tugs"):
            if name in m.index:
                out[f"{name[:-1]}_utilisation"] = float(m.loc[name, "utilisation"])
        out["channel_closed_h_per_year"] = float(m.loc["channel closed", "busy_h"]) * annual
        out["berths_closed_h_per_year"] = float(m.loc["berths closed", "busy_h"]) * annual
    return out
