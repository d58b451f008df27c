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
from bisect import bisect_right, insort
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
        step function of time with breakpoints at job starts and ends; one sweep over
        them in time order finds the first stretch from ``t`` or from a job end with at
        most ``capacity − k`` units busy throughout and at least ``length`` long — its
        start is the answer (the earliest candidate that fits starts such a stretch:
        every free candidate before it would start a longer one). One sort and one pass,
        where tabulating the usage and taking its peak over each candidate's interval
        cost a slice and ``max`` per candidate (same answers, bit for bit: the same
        candidates and the same comparison ``next busy start >= x + length``). The job
        ends are already sorted (the booking list's order), only the starts booked ahead
        of ``t`` (a few) are sorted and merged in, and the sweep stops at the answer."""
        cap = self.capacity
        if k > cap:
            return math.inf
        if k <= 0 or self.pending + k <= cap:
            return t
        if not length > 0:
            return self._earliest_scan(t, length, k)
        room = cap - k
        jobs = self.booked  # sorted by end: the jobs over by t (a prefix) cannot overlap
        if jobs and jobs[0][0] <= t:  # any candidate interval
            jobs = jobs[bisect_right(jobs, t, key=_end):]
        hi = t + length
        if sum([u for e, s, u in jobs if s < hi]) <= room:
            return t  # the common case: room at t even if every overlapping job ran at once
        ahead = sorted([(s, u) for e, s, u in jobs if s > t])  # booked to start after t
        busy = sum(map(_units, jobs)) - sum([u for s, u in ahead])  # units busy at t
        # sweep the usage step function from t in time order (job ends are already
        # sorted, starts ahead merged in): a free stretch starts at t or where usage
        # falls to ``room`` (a job end); the first that lasts ``length`` is the answer
        free_from = t if busy <= room else None
        inf = math.inf
        n_end, n_start = len(jobs), len(ahead)
        i = j = 0
        while True:
            p = jobs[i][0] if i < n_end else inf
            if j < n_start and ahead[j][0] < p:
                p = ahead[j][0]
            if p == inf:
                break
            if free_from is not None and p >= free_from + length:
                return free_from
            while i < n_end and jobs[i][0] == p:
                busy -= jobs[i][2]
                i += 1
            while j < n_start and ahead[j][0] == p:
                busy += ahead[j][1]
                j += 1
            if busy > room:
                free_from = None
            elif free_from is None:
                free_from = p
        return free_from if free_from is not None else math.inf

    def fits(self, t: float, length: float, k: int = 1) -> bool:
        """Whether ``k`` units are surely free throughout ``[t, t + length)``: the jobs
        that overlap it leave room even if all of them ran at once (sufficient)."""
        hi = t + length
        jobs = self.booked  # sorted by end: the jobs over by t are a prefix
        first = bisect_right(jobs, t, key=_end) if jobs and jobs[0][0] <= t else 0
        return sum([u for e, s, u in jobs[first:] if s < hi]) + k <= self.capacity

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
