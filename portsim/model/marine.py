"""Marine services as resources: pilots and tugs.

A :class:`Pool` is a resource of ``capacity`` interchangeable units (pilots, tugs)
booked *ahead*, the way a pilot station or tug operator plans from the vessel
traffic schedule: when a ship's transit is planned (perhaps hours ahead, for the
next tidal window), its pilot and tugs are booked for the exact interval they will
work. The pool keeps its usage as a step function of time, so a job fits wherever
at most ``capacity − k`` units are busy throughout its interval — before a later
booking as well as after it. Since jobs are intervals and units interchangeable,
such a schedule can always be staffed with named units (interval graphs are
perfect), so the pool needs no identities.

Why not a ``simpy.Resource``: a FIFO resource is taken *now* and held; a tide-bound
ship would either hold a pilot idle until its window or grab it only at the window
and risk losing window, channel slot and tug slot to whoever came first — with waits
that then depend on the order of requests rather than on capacity. Booking every
resource of a transit at once for one common start (see :mod:`portsim.model.channel`)
finds the earliest start that all of them allow.
"""

from __future__ import annotations

import math
from heapq import heappop, heappush


class Pool:
    """``capacity`` interchangeable units, booked as intervals of time.

    Jobs not yet finished sit in a heap by end time; their total ``pending`` units are
    an upper bound on the units busy at any later moment, so while ``pending + k`` fits
    the capacity a job fits anywhere (the common case, O(1)). Otherwise the earliest
    start is searched among the job ends, checking the usage at every job start inside
    the candidate interval (exact; the pools hold a few dozen jobs at most).
    """

    __slots__ = ("busy_h", "capacity", "heap", "jobs", "name", "pending")

    def __init__(self, name: str, capacity: int):
        self.name = name
        self.capacity = capacity
        self.heap: list[tuple[float, float, int]] = []  # (end, start, units) of open jobs
        self.pending = 0  # units of the jobs in the heap
        self.busy_h = 0.0  # unit-hours booked (for utilisation)
        self.jobs = 0

    def earliest(self, t: float, length: float, k: int = 1) -> float:
        """The earliest start >= t of an interval of ``length`` hours with ``k`` units
        free throughout (``inf`` when ``k`` exceeds the capacity)."""
        cap = self.capacity
        if k > cap:
            return math.inf
        if k <= 0 or self.pending + k <= cap:
            return t
        jobs = [(s, e, u) for e, s, u in self.heap if e > t]
        for x in sorted({t, *(e for _, e, _ in jobs)}):
            hi = x + length
            over = [(s, e, u) for s, e, u in jobs if s < hi and e > x]
            if sum(u for _, _, u in over) + k <= cap:
                return x
            points = [x, *(s for s, _, _ in over if s > x)]
            if all(sum(u for s, e, u in over if s <= q < e) + k <= cap for q in points):
                return x
        return math.inf  # not reached: after the last job ends every unit is free

    def book(self, t: float, length: float, k: int = 1) -> None:
        """Take ``k`` units for [t, t + length)."""
        if k <= 0 or length <= 0:
            return
        heappush(self.heap, (t + length, t, k))
        self.pending += k
        self.busy_h += k * length
        self.jobs += 1

    def forget_before(self, now: float) -> None:
        """Close the jobs finished by ``now`` (every later query starts at ``now`` or after)."""
        heap = self.heap
        while heap and heap[0][0] <= now:
            self.pending -= heappop(heap)[2]

    def busy_at(self, t: float) -> int:
        return sum(u for e, s, u in self.heap if s <= t < e)
