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
from bisect import bisect_left, bisect_right, insort
from operator import itemgetter

_end, _units = itemgetter(0), itemgetter(2)


class Pool:
    """``capacity`` interchangeable units, booked as intervals of time.

    Jobs not yet finished sit in a list sorted by end time (closing the finished ones is
    one slice); their total ``pending`` units are an upper bound on the units busy at
    any later moment, so while ``pending + k`` fits
    the capacity a job fits anywhere (the common case, O(1)). Otherwise :meth:`fits`
    adds up the units of the jobs overlapping the interval — enough room even if they
    all ran at once is room (the next most common case, one pass over a few dozen
    jobs) — and only then is the earliest start searched among the job ends on the
    usage step function (exact). Finished jobs are closed (:meth:`forget_before`) only
    to keep ``pending`` tight; every search skips jobs over by its start anyway, so
    forgetting or not never changes an answer.
    """

    __slots__ = ("booked", "busy_h", "capacity", "closed", "name", "pending")

    def __init__(self, name: str, capacity: int):
        self.name = name
        self.capacity = capacity
        # (end, start, units) of the open jobs, sorted (by end first)
        self.booked: list[tuple[float, float, int]] = []
        self.pending = 0  # units of the open jobs
        self.busy_h = 0.0  # unit-hours booked (for utilisation)
        self.closed = 0  # jobs closed (finished)

    @property
    def jobs(self) -> int:
        """Jobs booked so far (finished or not)."""
        return self.closed + len(self.booked)

    def earliest(self, t: float, length: float, k: int = 1) -> float:
        """The earliest start >= t of an interval of ``length`` hours with ``k`` units
        free throughout (``inf`` when ``k`` exceeds the capacity).

        The candidates are ``t`` and every job end after it (a start that is not one of
        these can be moved earlier to one of them without losing units). The usage is a
        step function: it is tabulated once at its breakpoints (job starts and ends), and
        the peak over a candidate interval ``[x, x + length)`` is the largest step that
        begins in it or covers ``x`` — a slice and ``max`` per candidate instead of a
        scan of every job."""
        cap = self.capacity
        if k > cap:
            return math.inf
        if k <= 0 or self.pending + k <= cap:
            return t
        if not length > 0:
            return self._earliest_scan(t, length, k)
        if self.fits(t, length, k):  # the common case: room at t already
            return t
        room = cap - k
        step: dict[float, int] = {}
        ends = [t]
        for e, s, u in self.booked:
            if e > t:  # jobs over by t cannot overlap any candidate interval
                step[s] = step.get(s, 0) + u
                step[e] = step.get(e, 0) - u
                ends.append(e)
        points = sorted(step)
        points.insert(0, -math.inf)
        usage = [0]  # units busy on [points[j], points[j + 1])
        busy = 0
        for p in points[1:]:
            busy += step[p]
            usage.append(busy)
        ends.sort()
        last = None
        for x in ends:
            if x == last:
                continue
            last = x
            a = bisect_right(points, x) - 1
            b = bisect_left(points, x + length)
            if max(usage[a:b]) <= room:
                return x
        return math.inf  # not reached: after the last job ends every unit is free

    def fits(self, t: float, length: float, k: int = 1) -> bool:
        """Whether ``k`` units are surely free throughout ``[t, t + length)``: the jobs
        that overlap it leave room even if all of them ran at once (sufficient)."""
        hi = t + length
        return sum([u for e, s, u in self.booked if e > t and s < hi]) + k <= self.capacity

    def _earliest_scan(self, t: float, length: float, k: int) -> float:
        """:meth:`earliest` by a direct scan of the jobs at every candidate (the
        definition; used for intervals of no length)."""
        cap = self.capacity
        jobs = [(s, e, u) for e, s, u in self.booked if e > t]
        for x in sorted({t, *(e for _, e, _ in jobs)}):
            hi = x + length
            over = [(s, e, u) for s, e, u in jobs if s < hi and e > x]
            if sum(u for _, _, u in over) + k <= cap:
                return x
            points = [x, *(s for s, _, _ in over if s > x)]
            if all(sum(u for s, e, u in over if s <= q < e) + k <= cap for q in points):
                return x
        return math.inf

    def book(self, t: float, length: float, k: int = 1) -> None:
        """Take ``k`` units for [t, t + length)."""
        if k <= 0 or length <= 0:
            return
        insort(self.booked, (t + length, t, k))
        self.pending += k
        self.busy_h += k * length

    def forget_before(self, now: float) -> None:
        """Close the jobs finished by ``now`` (every later query starts at ``now`` or after)."""
        jobs = self.booked
        if jobs and jobs[0][0] <= now:
            n = bisect_right(jobs, now, key=_end)
            self.pending -= sum(map(_units, jobs[:n]))
            self.closed += n
            del jobs[:n]
