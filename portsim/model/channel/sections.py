"""Traffic sections of the channel and the passages booked through them (the one-way
rule); see :mod:`portsim.model.channel` for how a transit is planned."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

from portsim.config.port import Port

FORGET_EVERY_H = 48.0
"""How often the sections drop passages that can no longer conflict (simulated hours;
only a matter of speed: forgetting never changes a plan)."""


class SegmentState:
    """Booked passages through one traffic section, for its traffic rule (a one-way
    ship in a convoy section, every ship in a one-at-a-time section).

    A section is a run of consecutive segments with the same traffic rule (two-way
    limits, headway) that exactly the same routes use — e.g. the two parts of the East
    Channel. Checking the rule on the section is exactly equivalent to checking it on
    each of its segments (ships sail every segment at the same speed, and two ships in
    opposite directions must cross somewhere in it), and takes one check instead of
    several on the hot path.
    """

    __slots__ = ("all", "conflicts", "duration", "follow", "headway", "id", "ow", "segments")

    def __init__(self, id: str, duration: float, headway: float,
                 segments: tuple[str, ...] = (), follow: float | None = None):
        self.id = id
        self.segments = segments or (id,)
        self.duration = duration
        self.headway = headway
        # same-direction separation between entries: the headway in a convoy; in a
        # one-at-a-time section the follower waits until the ship ahead has left
        self.follow = headway if follow is None else follow
        self.all: tuple[list[float], list[float]] = ([], [])  # entry times, by direction
        self.ow: tuple[list[float], list[float]] = ([], [])  # entry times of one-way ships
        self.conflicts = 0

    def clear(self, s: float, d: int, ow: bool) -> float:
        """The earliest entry >= s into this segment in direction ``d`` that keeps the
        one-way rule against every booked passage."""
        dur, h, f = self.duration, self.headway, self.follow
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
            if f > 0 and same:
                hi = s + f
                j = bisect_right(same, s - f)
                if j < len(same) and same[j] < hi:
                    t = same[bisect_left(same, hi) - 1] + f
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
        cut = now - self.duration - max(self.headway, self.follow) - 1e-6
        for lst in (*self.all, *self.ow):
            k = bisect_right(lst, cut)
            if k:
                del lst[:k]




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
        return (s.two_way_max_dwt, s.two_way_max_beam_m, s.headway_h, s.traffic_rule,
                users[sid])

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

