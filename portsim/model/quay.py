"""Berth allocation on quay lines.

A terminal owns one or more quay lines. A ship waiting at anchorage is *called in*
when a stretch of quay long enough for it (LOA + clearance), with every section deep
enough and rated for its class, is free — and, for a container ship, when at least one
quay crane of that line is free. Waiting ships are served first come first served
(``liner_first`` puts liner calls ahead of tramp calls); a ship that does not fit the
freed quay does not block a later ship that does (overtaking), as at a real port.

**Just-in-time call-in** (``call_in: just_in_time``). A liner terminal does not wait for a
berth to free before calling the next ship: once the ship alongside has a planned
finish, the terminal picks the next ship that will fit the space it frees (in the queue's
order) and orders its pilot so that it arrives as the berth frees — with
``call_in_lead: sailing`` the ship weighs anchor at *planned free − its sailing time*
(± an ETB error), so its approach happens while the previous ship is still working, but
the tide, one-way and pilot waits it meets fall after the berth frees; with
``planned_passage`` it weighs anchor at the start the VTS's passage plan gives it (the
waits the plan foresees spent at anchorage before the berth frees; the rule and its
basis in :mod:`portsim.model.passage_plan`).
The called ship's quay space is booked at once (overlapping the ship it follows); it
berths when it is alongside *and* the ship it follows has left (a late departure is
its ``quay`` wait), and the berth stands empty only for the residual mismatch
(``reserved_h``). With ``call_in: berth_free`` (the plain queueing model) a ship is
called only when its space is free, and holds it during its whole approach. Basis:
terminal practice of ordering pilots for the estimated time of berthing (ETB) from the
berth plan; PIANC/UNCTAD queue models count only the time alongside as service.

**Berth windows** (liner services, ``liner_calls: services``). A service's weekly berth
window books a stretch of its terminal's quay (line, position, LOA + clearance) for the
window's hours. A call that arrives *on-window* has priority for its window's stretch:
it takes it as soon as the stretch is free (before any ship waiting at anchorage), or
any other free stretch that no window needs during its stay. An *off-window* call or a
tramp ship is slotted where and when the quay is free for its whole planned stay
(approach + berthing + planned handling + unberthing) without touching the window of
an on-window call that has not yet berthed: it takes the first free gap after the
bookings and never displaces them (a window is released when its ship is called in).
Waiting off-window ships keep the queue's order within their class. Basis: the berth
windows that terminals agree with liner services, which are the terminals' own
priority rule (on-window vessels are served first; vessels off their window are
accommodated "as space permits"). ``berth_windows: priority`` is the looser reading,
where terminals let any ship use free quay and only the queue and a window's own
stretch favour on-window calls (an on-window ship may then find its stretch taken and
wait or take another): reasonable planners differ, so it is a switch.

The queue is kept per ship class (and priority), in arrival order: a departure tries
the head of each class in the queue's order, and a class that does not fit the freed
quay is skipped whole (placing only uses quay up). This gives the same order as a scan
of the whole queue, at a cost that does not grow with the queue (a saturated port).

A berth of its own (no quay line) takes one ship at a time, however long it is.
Placement on a continuous quay line is left-packed: a ship lies at the start of a usable run or
against the stern of a ship already alongside. ``best_fit`` chooses, among all free
positions at the terminal, the one in the shortest free gap, keeping long quay free
for long ships; ``first_fit`` takes the first line in the port file's order.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simpy

from portsim.config.fit import QuayLine, usable_runs
from portsim.config.port import ShipClass
from portsim.model.cranes import CranePool


@dataclass(slots=True, eq=False)
class Placement:
    """Where a ship lies and with what it is worked (compared by identity: a ship's
    placement is removed from lists by itself, never by an equal-looking one)."""

    line: int
    state: LineState
    start_m: float
    length_m: float
    cranes: int
    rate: float  # moves/h for containers (all cranes), t/h otherwise
    # just-in-time call-in: the ships still alongside that this ship's space overlaps
    # (it berths when they have gone), the ships following this one, its planned time
    # to leave the quay, when it weighs anchor, and when its space became free
    follows: list[Placement] | None = None
    followers: list[Placement] | None = None
    free_plan: float = math.nan
    ready_h: float = math.nan
    free_at: float = math.nan
    gone: bool = False
    precall_at: float = math.nan  # when the terminal looks for ships to follow this one
    arrived: Any = None  # event: alongside, waiting for the ships it follows to leave
    crane_job: Any = None  # crane pool: the ship's share of its line's QCs


@dataclass(slots=True)
class LineState:
    """A quay line during the run: ships alongside and cranes in use."""

    line: QuayLine
    index: int
    occupied: list[tuple[float, float]] = field(default_factory=list)  # sorted by start
    cranes_free: int = 0
    single: bool = False  # a berth of its own: one ship at a time, whatever its length
    # berth windows on this line, sorted by opening (open_h list kept for bisect), and
    # the longest window (bounds the search for windows overlapping a time)
    windows: list[Window] = field(default_factory=list)
    window_opens: list[float] = field(default_factory=list)
    longest_window_h: float = 0.0

    def gaps(self, run: tuple[float, float], need: float):
        """Every free position in ``run`` for a ship needing ``need`` metres: the start
        and the end of each free gap long enough (the ship may lie at either end)."""
        a, z = run
        if self.single:
            if not self.occupied:
                yield a, z - a
            return
        cursor = a
        for s0, s1 in self.occupied:
            if s1 <= a or s0 >= z:
                continue
            if s0 - cursor >= need - 1e-9:
                yield cursor, s0 - cursor
                if s0 - cursor > need + 1e-9:
                    yield s0 - need, s0 - cursor
            cursor = max(cursor, s1)
        if z - cursor >= need - 1e-9:
            yield cursor, z - cursor
            if z - cursor > need + 1e-9:
                yield z - need, z - cursor

    def is_free(self, a: float, z: float) -> bool:
        """Whether no ship holds any of the stretch [a, z)."""
        if self.single:
            return not self.occupied
        return not any(s0 < z - 1e-9 and s1 > a + 1e-9 for s0, s1 in self.occupied)

    def window_clash(self, a: float, z: float, t0: float, t1: float, own: int,
                     called: set[int]) -> bool:
        """Whether a ship on [a, z) over [t0, t1) would touch the window of an on-window
        call not yet called in (other than ``own``)."""
        if not self.windows:
            return False
        opens = self.window_opens
        hi = bisect.bisect_left(opens, t1)
        lo = bisect.bisect_left(opens, t0 - self.longest_window_h)
        single = self.single
        for w in self.windows[lo:hi]:
            if w.close_h > t0 and w.call != own and w.call not in called and (
                    single or (w.start_m < z - 1e-9 and w.start_m + w.need_m > a + 1e-9)):
                return True
        return False

    def free_gap(self, run: tuple[float, float], need: float) -> tuple[float, float] | None:
        """The first free position in ``run`` for a ship needing ``need`` metres,
        and the length of the free gap it sits in (``next(gaps(...))`` without the
        generator: the plain allocator's hot path)."""
        a, z = run
        if self.single:
            return None if self.occupied else (a, z - a)
        cursor = a
        for s0, s1 in self.occupied:
            if s1 <= a or s0 >= z:
                continue
            if s0 - cursor >= need - 1e-9:
                return cursor, s0 - cursor
            cursor = max(cursor, s1)
        if z - cursor >= need - 1e-9:
            return cursor, z - cursor
        return None


@dataclass(slots=True)
class Waiting:
    call: int
    ship: ShipClass
    liner: bool
    event: simpy.Event
    key: tuple[int, int]  # queue order: (priority, arrival order)
    done: bool = False  # called in (it may still sit in a second queue: skipped there)


@dataclass(slots=True)
class Window:
    """A berth window held for one on-window call: a stretch of a quay line over the
    window's hours (until the call is called in)."""

    call: int
    state: LineState
    start_m: float
    need_m: float
    open_h: float
    close_h: float


@dataclass(slots=True)
class BerthWindows:
    """The berth windows of a terminal and what the allocator needs to respect them:
    per on-window call its window, and per call its planned stay (hours from call-in to
    leaving the quay)."""

    by_call: dict[int, Window]
    stay_h: Callable[[int], float]
    protected: bool = False
    """``berth_windows: protected``: other ships keep clear of the windows; ``priority``:
    on-window calls only go first (for their stretch and in the queue)."""


@dataclass(slots=True)
class JustInTime:
    """What the terminal needs to call ships in ahead: each call's sailing hours from
    the anchorage to the berth, its ETB error (hours, drawn beforehand), the longest
    lead any call needs and, with ``call_in_lead: planned_passage``, the passage plan."""

    sail_h: Callable[[int], float]
    etb_error_h: list[float]
    lead_h: float
    planned_start: Callable[[int, float, float], float] | None = None
    """``call_in_lead: planned_passage``: (call, now, berth free at) → when the call should
    start its passage (:class:`portsim.model.passage_plan.PassagePlan`); ``None``: at
    free − sailing hours."""


class TerminalQuay:
    """The berth allocator of one terminal."""

    def __init__(
        self,
        env: simpy.Environment,
        lines: list[tuple[int, QuayLine]],
        *,
        ukc_m: float,
        clearance_m: float,
        cranes_for: Any,
        crane_efficiency: float,  # simultaneity (K2) x twin-lift (K4): boxes per crane cycle
        best_fit: bool,
        liner_first: bool,
        just_in_time: JustInTime | None = None,
        windows: BerthWindows | None = None,
        crane_pools: dict[int, CranePool] | None = None,
    ):
        self.env = env
        self.lines = [LineState(q, i, cranes_free=q.cranes, single=len(q.berths) == 1)
                      for i, q in lines]
        self.ukc_m = ukc_m
        self.clearance_m = clearance_m
        self.cranes_for = cranes_for
        self.crane_efficiency = crane_efficiency
        self.best_fit = best_fit
        self.liner_first = liner_first
        self.just_in_time = just_in_time
        self.windows = windows
        self._window_called: set[int] = set()  # on-window calls called in (windows released)
        # on-window calls waiting, by their window's stretch (line, start, metres): a
        # departure from a stretch tries its first waiting call (they are also in the
        # queue of their class, ahead of every other ship)
        self.stretch_waiting: dict[tuple[int, float, float], deque[Waiting]] = {}
        # the anchorage queue, per (ship class, priority), each in arrival order
        self.queues: dict[tuple[str, int], deque[Waiting]] = {}
        self.waiting = 0
        self._arrivals = 0
        self.alongside: list[Placement] = []  # just in time: ships with a quay space
        # rules.quay_cranes == "pool": the QCs of each line shared by its ships, by line index
        self.crane_pools = crane_pools
        self._deferring = False  # just in time: called ahead, cranes taken at berthing
        if crane_pools is not None:
            for state in self.lines:
                pool = crane_pools.get(state.index)  # lines with QCs
                if pool is not None:
                    pool.state, pool.on_freed = state, self._serve_queue
        self._candidates: dict[str, list[tuple[LineState, list[tuple[float, float]]]]] = {}
        self._rates: dict[tuple[int, float, float, bool], float] = {}  # per crane, or t/h

    def _usable(self, ship: ShipClass) -> list[tuple[LineState, list[tuple[float, float]]]]:
        """The lines where this ship class may lie, with their usable runs (cached)."""
        found = self._candidates.get(ship.id)
        if found is None:
            found = [(state, runs) for state in self.lines
                     if (runs := usable_runs(state.line, ship, self.ukc_m, self.clearance_m))]
            self._candidates[ship.id] = found
        return found

    def _place(self, ship: ShipClass) -> Placement | None:
        need = ship.loa_m + self.clearance_m
        container = ship.cargo == "container"
        pools = self.crane_pools
        best: tuple[float, LineState, float] | None = None
        for state, runs in self._usable(ship):
            if container:  # _cranes_ok, inlined (the allocator's hot path)
                if pools is None:
                    if state.cranes_free < 1:
                        continue
                elif not (self._deferring or pools[state.index].can_start(ship.id)):
                    continue
            for run in runs:
                spot = state.free_gap(run, need)
                if spot is None:
                    continue
                if not self.best_fit:
                    return self._take(state, spot[0], need, ship)
                if best is None or spot[1] < best[0]:
                    best = (spot[1], state, spot[0])
                break
        if best is None:
            return None
        return self._take(best[1], best[2], need, ship)

    def _take(self, state: LineState, start: float, need: float, ship: ShipClass) -> Placement:
        bisect.insort(state.occupied, (start, start + need))
        container = ship.cargo == "container"
        key = (state.index, start, need, container)
        rate = self._rates.get(key)
        if rate is None:  # the slowest section under the ship sets the rate (cached)
            covered = self._sections(state.line, start, start + need)
            if container:
                rate = min(b.crane_rate for b in covered if b.crane_rate)  # type: ignore[type-var]
            else:
                rate = min(b.loading_rate_t_h for b in covered if b.loading_rate_t_h)  # type: ignore[type-var]
            self._rates[key] = rate
        job = None
        if container and self.crane_pools is not None:  # the pool's rule: see cranes.py
            per_crane = rate * self.crane_efficiency
            job = self.crane_pools[state.index].take(start, need, ship.id, per_crane,
                                                     defer=self._deferring)
            cranes = job.cranes
            rate = cranes * per_crane
        elif container:
            cranes = min(self.cranes_for(ship.id), state.cranes_free)
            state.cranes_free -= cranes
            rate = cranes * rate * self.crane_efficiency
        else:
            cranes = 0
        placement = Placement(state.index, state, start, need, cranes, rate)
        placement.crane_job = job
        return placement

    @staticmethod
    def _sections(line: QuayLine, a: float, z: float) -> list[Any]:
        out, pos = [], 0.0
        for b in line.berths:
            end = pos + b.quay_length_m
            if end > a + 1e-9 and pos < z - 1e-9:
                out.append(b)
            pos = end
        return out

    # -- berth windows ------------------------------------------------------------

    def _cranes_ok(self, state: LineState, ship: ShipClass) -> bool:
        """Whether the line can give a container ship the quay cranes it needs to be
        called in: one free QC (fixed cranes), its class's minimum (crane pool; a ship
        called ahead of time takes and checks its cranes when it berths)."""
        if ship.cargo != "container":
            return True
        pools = self.crane_pools
        if pools is None:
            return state.cranes_free >= 1
        return self._deferring or pools[state.index].can_start(ship.id)

    def _find(self, call: int, ship: ShipClass) -> Placement | None:
        """A placement for ``call`` now, with berth windows: an on-window call takes its
        window's stretch when it is free; otherwise (and for every other call) a free
        stretch that no window of an on-window call not yet called in needs during the
        call's planned stay."""
        windows = self.windows
        win = windows.by_call.get(call)  # type: ignore[union-attr]
        if win is not None and call not in self._window_called:
            st = win.state
            if st.is_free(win.start_m, win.start_m + win.need_m) and self._cranes_ok(st, ship):
                self._window_called.add(call)
                return self._take(st, win.start_m, win.need_m, ship)
        if not windows.protected:  # type: ignore[union-attr]
            placement = self._place(ship)
            if placement is not None and call in windows.by_call:  # type: ignore[union-attr]
                self._window_called.add(call)
            return placement
        need = ship.loa_m + self.clearance_m
        now = self.env.now
        until = now + windows.stay_h(call)  # type: ignore[union-attr]
        called = self._window_called
        best: tuple[float, LineState, float] | None = None
        for state, runs in self._usable(ship):
            if not self._cranes_ok(state, ship):
                continue
            for run in runs:
                for start, gap in state.gaps(run, need):
                    if state.window_clash(start, start + need, now, until, call, called):
                        continue
                    if not self.best_fit:
                        return self._take_call(call, state, start, need, ship)
                    if best is None or gap < best[0]:
                        best = (gap, state, start)
                    break
        if best is None:
            return None
        return self._take_call(call, best[1], best[2], need, ship)

    def _take_call(self, call: int, state: LineState, start: float, need: float,
                   ship: ShipClass) -> Placement:
        if call in self.windows.by_call:  # type: ignore[union-attr]
            self._window_called.add(call)  # an on-window call elsewhere: window released
        return self._take(state, start, need, ship)

    def place_now(self, ship: ShipClass, call: int = -1) -> Placement | None:
        """Call the ship in at once if the quay has room for it now, else ``None``.

        Ships already waiting did not fit the quay as it is now, so a newcomer that
        fits takes the free stretch without passing anyone who could have used it."""
        placement = self._place(ship) if self.windows is None else self._find(call, ship)
        if placement is not None and self.just_in_time is not None:
            self.alongside.append(placement)
            placement.ready_h = placement.free_at = self.env.now
        return placement

    def wait(self, call: int, ship: ShipClass, liner: bool, event: simpy.Event) -> None:
        """Queue the ship at anchorage (after :meth:`place_now` found no room); ``event``
        fires with its placement when a departure frees room for it (or, just in time,
        when a ship alongside is planned to leave a space it fits)."""
        priority = 0 if (liner or not self.liner_first) else 1
        win = None if self.windows is None else self.windows.by_call.get(call)
        if win is not None and call not in self._window_called:
            priority = -1  # on-window: first in the queue, and waits for its stretch
        self._arrivals += 1
        w = Waiting(call, ship, liner, event, (priority, self._arrivals))
        self.waiting += 1
        q = self.queues.get((ship.id, priority))
        if q is None:
            q = self.queues[(ship.id, priority)] = deque()
        q.append(w)
        if priority < 0:
            stretch = (win.state.index, win.start_m, win.need_m)  # type: ignore[union-attr]
            self.stretch_waiting.setdefault(stretch, deque()).append(w)
        if self.just_in_time is not None:
            now = self.env.now
            for p in list(self.alongside):
                if p.free_plan != p.free_plan:  # not alongside with its work planned yet
                    continue
                if p.precall_at != p.precall_at:  # nobody asked for its space yet
                    self._schedule_precall(p)
                elif p.precall_at <= now and not p.followers:  # asked, none fitted: retry
                    self._precall(p)

    def release(self, placement: Placement) -> None:
        """The ship has left the berth: free its quay and cranes, call in the next ships."""
        state = placement.state
        state.occupied.remove((placement.start_m, placement.start_m + placement.length_m))
        state.cranes_free += placement.cranes
        freed = (state.index, placement.start_m, placement.start_m + placement.length_m)
        if self.just_in_time is not None:
            placement.gone = True
            self.alongside.remove(placement)
            for f in placement.followers or ():
                f.follows.remove(placement)  # type: ignore[union-attr]
                if not f.follows:
                    f.free_at = self.env.now
                    if f.arrived is not None:
                        f.arrived.succeed()
        self._serve_queue(freed)

    def _heads(self) -> list[tuple[tuple[int, int], tuple[str, int]]]:
        """The first waiting ship of each (class, priority) queue, in queue order."""
        heads = []
        for k, q in self.queues.items():
            while q and q[0].done:
                q.popleft()
            if q:
                heads.append((q[0].key, k))
        heapq.heapify(heads)
        return heads

    def _serve_queue(self, freed: tuple[int, float, float] | None = None) -> None:
        """Call in waiting ships, in queue order, while the quay has room for them
        (``freed``: the stretch of quay just freed, line and metres)."""
        if self.waiting:
            self._call_waiting(None, freed)

    def _call_waiting(self, follows: Placement | None,
                      freed: tuple[int, float, float] | None = None) -> None:
        """Call in the waiting ships the quay has room for: the first on-window call
        waiting for each window stretch that ``freed`` touches, then the head of each
        (class, priority) queue in queue order (on-window calls first); a class whose
        head does not fit is skipped whole (placing only uses quay up)."""
        if freed is not None and self.stretch_waiting:
            line, a, z = freed
            for (on, s0, need), dq in self.stretch_waiting.items():
                if on != line or s0 >= z - 1e-9 or s0 + need <= a + 1e-9:
                    continue
                while dq and dq[0].done:
                    dq.popleft()
                if dq:
                    w = dq[0]
                    placement = self._find(w.call, w.ship)
                    if placement is not None:
                        dq.popleft()
                        self._called(w, placement, follows)
        heads = self._heads()
        no_room: set[str] = set()
        plain = self.windows is None
        while heads:
            _, k = heapq.heappop(heads)
            if k[0] in no_room:
                continue
            q = self.queues[k]
            w = q[0]
            placement = self._place(w.ship) if plain else self._find(w.call, w.ship)
            if placement is None:
                no_room.add(k[0])
                continue
            q.popleft()
            self._called(w, placement, follows)
            while q and q[0].done:
                q.popleft()
            if q:
                heapq.heappush(heads, (q[0].key, k))

    def _called(self, w: Waiting, placement: Placement, follows: Placement | None) -> None:
        """Tell waiting ship ``w`` its placement (just in time: and whom it follows)."""
        w.done = True
        self.waiting -= 1
        jit = self.just_in_time
        if jit is not None:
            self.alongside.append(placement)
            now = self.env.now
            if follows is None:
                placement.ready_h = now
                placement.free_at = now
            else:
                placement.follows = [follows]
                if follows.followers is None:
                    follows.followers = []
                follows.followers.append(placement)
                if jit.planned_start is None:  # call_in_lead: sailing
                    placement.ready_h = max(now, follows.free_plan - jit.sail_h(w.call)
                                            + jit.etb_error_h[w.call])
                else:  # planned_passage: the start the VTS plan gives it
                    placement.ready_h = max(now, jit.planned_start(w.call, now, follows.free_plan)
                                            + jit.etb_error_h[w.call])
        w.event.succeed(placement)

    # -- just-in-time call-in ----------------------------------------------------

    def expect_free(self, placement: Placement, free_h: float) -> None:
        """The ship on ``placement`` plans to leave its space at ``free_h`` (known once
        it is alongside with its work planned): the terminal will call the next ship so
        that it arrives then."""
        placement.free_plan = free_h
        if self.waiting:
            self._schedule_precall(placement)

    def _schedule_precall(self, p: Placement) -> None:
        at = p.free_plan - self.just_in_time.lead_h  # type: ignore[union-attr]
        p.precall_at = at
        now = self.env.now
        if at <= now:
            self._precall(p)
        else:
            self.env.timeout(at - now).callbacks.append(lambda _e: self._precall(p))

    def _precall(self, p: Placement) -> None:
        """Call in, ahead, the waiting ships (in queue order) that fit the space ``p``
        will free; they follow ``p``."""
        if p.gone or not self.waiting:
            return
        state = p.state
        span = (p.start_m, p.start_m + p.length_m)
        state.occupied.remove(span)  # as the quay will be when p has left
        state.cranes_free += p.cranes
        self._deferring = True
        try:
            self._call_waiting(p, (state.index, span[0], span[1]))
        finally:
            self._deferring = False
        bisect.insort(state.occupied, span)
        state.cranes_free -= p.cranes
