"""Berth allocation on quay lines.

A terminal owns one or more quay lines. A ship waiting at anchorage is *called in*
when a stretch of quay long enough for it (LOA + clearance), with every section deep
enough and rated for its class, is free — and, for a container ship, when at least one
quay crane of that line is free. Waiting ships are served first come first served
(``liner_first`` puts liner calls ahead of tramp calls); a ship that does not fit the
freed quay does not block a later ship that does (overtaking), as at a real port.

A berth of its own (no quay line) takes one ship at a time, however long it is.
Placement on a continuous quay line is left-packed: a ship lies at the start of a usable run or
against the stern of a ship already alongside. ``best_fit`` chooses, among all free
positions at the terminal, the one in the shortest free gap, keeping long quay free
for long ships; ``first_fit`` takes the first line in the port file's order.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import simpy

from portsim.config.fit import QuayLine, usable_runs
from portsim.config.port import ShipClass
from portsim.model.cranes import CranePool


@dataclass(slots=True)
class Placement:
    """Where a ship lies and with what it is worked."""

    line: int
    state: LineState
    start_m: float
    length_m: float
    cranes: int
    rate: float  # moves/h for containers (all cranes), t/h otherwise


@dataclass(slots=True)
class LineState:
    """A quay line during the run: ships alongside and cranes in use."""

    line: QuayLine
    index: int
    occupied: list[tuple[float, float]] = field(default_factory=list)  # sorted by start
    cranes_free: int = 0
    single: bool = False  # a berth of its own: one ship at a time, whatever its length

    def free_gap(self, run: tuple[float, float], need: float) -> tuple[float, float] | None:
        """The first free position in ``run`` for a ship needing ``need`` metres,
        and the length of the free gap it sits in."""
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
        # rules.quay_cranes == "pool": the QCs of each line shared by its ships, by line index
        self.crane_pools = crane_pools
        if crane_pools is not None:
            for state in self.lines:
                pool = crane_pools.get(state.index)  # lines with QCs
                if pool is not None:
                    pool.state, pool.on_freed = state, self._serve_queue
        self.queue: list[Waiting] = []
        self._queued_classes: set[str] = set()
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
        best: tuple[float, LineState, float] | None = None
        pools = self.crane_pools
        for state, runs in self._usable(ship):
            if container and (state.cranes_free < 1 if pools is None
                              else not pools[state.index].can_start(ship.id)):
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
        if container and self.crane_pools is not None:  # the pool's rule: see cranes.py
            per_crane = rate * self.crane_efficiency
            cranes = self.crane_pools[state.index].take(start, need, ship.id, per_crane)
            rate = cranes * per_crane
        elif container:
            cranes = min(self.cranes_for(ship.id), state.cranes_free)
            state.cranes_free -= cranes
            rate = cranes * rate * self.crane_efficiency
        else:
            cranes = 0
        return Placement(state.index, state, start, need, cranes, rate)

    @staticmethod
    def _sections(line: QuayLine, a: float, z: float) -> list[Any]:
        out, pos = [], 0.0
        for b in line.berths:
            end = pos + b.quay_length_m
            if end > a + 1e-9 and pos < z - 1e-9:
                out.append(b)
            pos = end
        return out

    def place_now(self, ship: ShipClass) -> Placement | None:
        """Call the ship in at once if the quay has room for it now, else ``None``.

        Ships already waiting did not fit the quay as it is now, so a newcomer that
        fits takes the free stretch without passing anyone who could have used it."""
        return self._place(ship)

    def wait(self, call: int, ship: ShipClass, liner: bool, event: simpy.Event) -> None:
        """Queue the ship at anchorage (after :meth:`place_now` found no room); ``event``
        fires with its placement when a departure frees room for it."""
        self.queue.append(Waiting(call, ship, liner, event))
        self._queued_classes.add(ship.id)

    def release(self, placement: Placement) -> None:
        """The ship has left the berth: free its quay and cranes, call in the next ships."""
        state = placement.state
        state.occupied.remove((placement.start_m, placement.start_m + placement.length_m))
        state.cranes_free += placement.cranes
        self._serve_queue()

    def _serve_queue(self) -> None:
        if not self.queue:
            return
        order = self.queue
        if self.liner_first:
            order = [w for w in self.queue if w.liner] + [w for w in self.queue if not w.liner]
        served: list[Waiting] = []
        no_room: set[str] = set()  # placing only uses quay up: a class that failed stays failed
        for w in order:
            if w.ship.id in no_room:
                if len(no_room) >= len(self._queued_classes):
                    break
                continue
            placement = self._place(w.ship)
            if placement is None:
                no_room.add(w.ship.id)
                continue
            w.event.succeed(placement)
            served.append(w)
        if served:
            gone = {id(w) for w in served}
            self.queue = [w for w in self.queue if id(w) not in gone]

    @property
    def waiting(self) -> int:
        return len(self.queue)
