"""The planned passage of a ship called in just in time (``rules.call_in_lead``).

When a terminal calls the next ship to follow one alongside (just-in-time call-in, see
:mod:`portsim.model.quay`) it wants the ship at the berth as the berth frees, at its
planned free time F. The lead it gives the ship is a matter of rule:

* ``sailing`` — the ship weighs anchor at F − its sailing time (pilot boarding + transit).
  The waits the vessel traffic service (VTS) then meets — tide, the one-way rule,
  pilots, tugs, weather — are spent after F with the berth reserved and empty.

* ``planned_passage`` — the VTS plans the passage as it orders the pilot: for a start
  (pilot boarding) at ``t`` it knows the planned arrival at the berth A(t) = s(t) + sail,
  where s(t) is the earliest start >= t that the tidal window for the ship's inbound
  draught, the one-way and headway rules given the passages already booked, a free
  pilot and tugs (as booked) and the announced channel closures allow (a dry run of the
  channel model's own planning, :meth:`ChannelModel.dry_run`, that books nothing).
  A(t) does not decrease with t. The ship is ordered to start at:

  1. F − sail when that start is clear (it arrives as the berth frees: A = F);
  2. otherwise at the clear start nearest to arriving at F: the last clear start s_e
     that still arrives by F (A(s_e) <= F: it then waits off the berth for the
     mismatch, its ``quay`` wait — as a tide-bound ship takes the last high water
     before its berth frees rather than the next one), or the first clear start after
     F − sail (it arrives late: the berth stands reserved and empty for the
     mismatch), whichever misses F by less; on a tie, the later one (nobody waits inside
     the port).

  A start in the past is not possible: the latest start found is never before the
  moment of the call. The ship weighs anchor at its planned start (± the ETB error);
  when the plan is the first clear start after F − sail it weighs anchor at F − sail
  and waits at anchorage for that start (booked to its cause: tide, channel, pilot …),
  exactly as with ``sailing``. So the berth is held empty only for what the plan could
  not avoid (the tide residual, when no earlier passage meets F more closely) or did
  not foresee (passages booked after the plan, the ETB error).

  The terminal looks for followers with the same look-ahead as with ``sailing`` (the
  longest sailing time + 3 ETB-error SDs before F), so the earlier start is searched
  from the moment of the call. A longer look-ahead (by half the longest gap between
  two tidal windows, 5.9 h in plan-2025, so that any closer earlier passage can be
  reached) was measured and rejected: committing followers that much sooner raised
  plan-2025's container waiting factor from 0.082 to 0.096 (replication 0).

Basis: the VTS and pilot stations plan a tide-bound or one-way ship's passage against
the berth plan's estimated time of berthing (ETB) and the tide table, ordering the
pilot for the start that meets the ETB; they do not send a ship to wait at the channel
entrance for the next tide when an earlier passage meets the berth. ``planned_passage``
is the default; ``sailing`` is the simpler reading (the model before this rule, results
bit-identical), kept as a switch since planners differ on how far the VTS plan reaches.
Measured: the 2021 back-test stays inside every calibration band with either lead (5
replications: e.g. anchored ships' wait 20.0 h sailing vs 20.0 h planned, direct
berthing 78.1 % vs 78.1 %); on plan-2025 (3 replications) the two leads differ by less
than their noise (container waiting factor 0.0804 vs 0.0805, reserved-but-empty berth
time per container call 1.965 vs 1.963 h): few calls meet a foreseeable wait that an
earlier passage avoids within the terminal's look-ahead.

Cost: one dry run per call-in; when F − sail is not clear, a few more (the tidal window
is found exactly; other conflicts by bisection to ``TOLERANCE_H``).
"""

from __future__ import annotations

from bisect import bisect_right

from portsim.model.channel import EPS, INBOUND, ChannelModel

TOLERANCE_H = 1.0 / 60.0
"""Bisection tolerance (h) for the last clear start before F − sail where a passage or a
pilot (not the tide) is in the way: the plan may start up to this much earlier than the
latest possible start (the ship then waits that much longer off the berth)."""


class PassagePlan:
    """Planned starts of called ships' inbound passages (rule ``planned_passage``)."""

    def __init__(self, channel: ChannelModel):
        self.channel = channel

    def start_for(self, i: int, now: float, free_h: float) -> float:
        """When call ``i``, called in at ``now``, should start its passage (pilot boarding)
        to be at its berth as the berth frees at ``free_h`` (see the module docstring)."""
        ch = self.channel
        target = free_h - ch.sail_h(i)
        if target <= now:  # too late for any choice: it weighs anchor now
            return target
        late, sail = ch.dry_run(i, target)
        if late + sail <= free_h + EPS:
            return target  # clear: arrives as the berth frees
        early = self._last_clear_start(i, now, target, free_h)
        if early is not None and free_h - early[1] < late + sail - free_h:
            return early[0]
        # the first clear start after F − sail: it weighs anchor at F − sail, as with
        # the sailing lead, and the channel model books its wait for that start to the
        # cause (tide, channel, pilot …)
        return target

    def _last_clear_start(self, i: int, now: float, target: float, free_h: float
                          ) -> tuple[float, float] | None:
        """The latest start in [now, target] whose passage arrives by ``free_h``, with its
        arrival (``None``: none does)."""
        ch = self.channel
        # the tide first, exactly: the end of the last window (of the fastest route's
        # tidal windows) opening before the target
        hi = target
        for o in ch.opts[INBOUND][i]:
            w = o.tide
            if w is None or w.always:
                continue
            j = bisect_right(w.starts, target) - 1
            if j < 0:
                return None
            hi = min(target, w.ends[j])
            break
        if hi < now:
            return None
        start, sail = ch.dry_run(i, hi)
        if start + sail <= free_h + EPS:
            return start, start + sail
        start, sail = ch.dry_run(i, now)
        if start + sail > free_h + EPS:
            return None
        lo, found = now, (start, start + sail)  # A(lo) <= free_h < A(hi)
        while hi - lo > TOLERANCE_H:
            mid = 0.5 * (lo + hi)
            start, sail = ch.dry_run(i, mid)
            if start + sail <= free_h + EPS:
                lo, found = mid, (start, start + sail)
            else:
                hi = mid
        return found

