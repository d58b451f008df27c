"""The Pinglu Canal's lock hubs: the gate that meters river-sea ships into Qinzhou.

River-sea calls enter the canal upstream at random (Poisson at the rate of their
flow, :mod:`portsim.demand`); they pass the lock hubs in order (Madao, Qishi,
Qingnian) and sail on to the canal mouth, where they arrive at the port. Their arrival
times at the port are the locks' output, not a Poisson stream.

Where this lives (layering): the pass is a deterministic function of the drawn canal
entries and the hubs' data — sorting, a few list operations per lockage, no SimPy, no
port state (the port never holds a ship back in the canal). From Qinzhou's side it is
part of the *arrival process* (what the issue asks: "arrivals at the canal mouth are the
lock's output"), as the liner-service generator shapes liner arrivals, so the demand
stage computes it (:func:`portsim.demand.plan_calls`) and this module is model-free:
it imports the configuration only, and demand no longer depends on the model package.
(Running it in the model stage instead would need every caller of ``plan_calls`` —
capacity search, benchmarks, sub-plans per terminal — to re-sort and re-cut the plan.)
:mod:`portsim.model.canal` re-exports its names.

A hub is a resource with lockages; its rule (``lockage_rule``, see
:class:`portsim.config.canal.LockHub`) is one of

* ``alternating`` (default): each of its ``lines`` lines offers a downbound lockage
  every ``2 T`` (it levels back up in between, with the upbound traffic), the lines
  staggered by ``2 T / lines``; a lockage starting at ``s`` takes the ships waiting at
  ``s`` in arrival order while they fit the chamber (a ship of a class with ``k`` ships
  per lockage fills ``1 / k`` of it) and releases them at ``s + T``;
* ``fill_or_wait``: a line is ready for its next downbound lockage ``2 T`` after its
  last one started (every line ready at the start of the run); the lockage leaves when
  the chamber is full (the next waiting ship would not fit) or when its first ship has
  waited ``max_wait_h``, whichever comes first, but not before a line is ready — then
  it takes the ships waiting in arrival order while they fit, as above. The lockage
  goes to the line that can start it earliest (the lower index on a tie).

Under either rule a line under maintenance makes no lockage that would overlap its
closure (the lockage moves to the closure's end). So a hub passes at most
``lines × k / (2 T)`` ships an hour downbound (``k / T`` with two lines), a burst
leaves in batches of exactly ``k``, and ships queue at the hub when traffic exceeds
that. Between hubs (and from the last one to the mouth) every ship takes the same
sailing time, so the order is kept.

Scope: the canal's upbound traffic (ships leaving Qinzhou into the canal) does not
change arrivals at Qinzhou under these rules (a line's downbound lockages are spaced by
its up-and-down cycle whatever the upbound load), so it is not simulated; the canal's
own channel between the hubs is taken as free-flowing.

Cost: per hub, under ``alternating``, array operations over the ships and the hub's
slots, and a walk lockage by lockage only where a lockage leaves ships waiting for the
next (`benchmarks/canal.py`: ~3.5 ms a port-year of pinglu-2030 for three hubs, from
~12 ms lockage by lockage); under ``fill_or_wait`` one pass, lockage by lockage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portsim.config.canal import Canal, LockHub
from portsim.records import RecordLayout

FILL_EPS = 1e-9


LOCKAGE = RecordLayout(
    "lockages", ("hub", "line", "start_h", "ships", "fill"),
    "a downbound lockage: hub, line, start hour, ships locked through, chamber fill")
"""The lockages of a pass, kept as one flat list (:mod:`portsim.records`)."""


@dataclass
class LockPassage:
    """The canal calls of one replication and their lockages."""

    call: np.ndarray  # index of each canal call in the call plan
    entry_h: np.ndarray  # arrival at the first hub (the canal's upstream entrance)
    mouth_h: np.ndarray  # arrival at the canal mouth (= the call's arrival at the port)
    wait_h: np.ndarray  # hours waiting for lockages, all hubs
    lockages: list = field(default_factory=list)  # flat, laid out as LOCKAGE
    hubs: list[LockHub] = field(default_factory=list)

    def __getitem__(self, keep: np.ndarray) -> LockPassage:
        """The passages of the calls a sub-plan keeps (``keep``: a mask over the plan's
        calls), renumbered as in the sub-plan; the lockages stay whole."""
        kept = keep[self.call]
        new_index = np.cumsum(keep) - 1
        return LockPassage(new_index[self.call[kept]], self.entry_h[kept], self.mouth_h[kept],
                           self.wait_h[kept], self.lockages, self.hubs)

    def tables(self, start_h: float, end_h: float) -> dict[str, pd.DataFrame]:
        """``lockages`` (one row per downbound lockage) and ``locks`` (per hub: lockages,
        ships, mean fill, ships an hour, utilisation of the downbound lockage slots of
        the measurement window, mean lock wait of the ships it locked through)."""
        cols = LOCKAGE.lists(self.lockages)
        hub_col = pd.Categorical(cols["hub"], categories=[hub.id for hub in self.hubs])
        start_col = np.array(cols["start_h"], float)
        ships_col = np.array(cols["ships"], np.int64)
        fill_col = np.array(cols["fill"], float)
        lk = pd.DataFrame({"hub": hub_col, "line": np.array(cols["line"], np.int64),
                           "start_h": start_col, "ships": ships_col, "fill": fill_col})
        window = end_h - start_h
        in_window = (start_col >= start_h) & (start_col < end_h)
        rows = []
        for j, hub in enumerate(self.hubs):
            mine = in_window & (hub_col.codes == j)
            n = int(mine.sum())
            ships = float(ships_col[mine].sum())
            slots = hub.lines * window / (2.0 * hub.lockage_h)
            closed = sum(min(c.days * 24.0, window) for c in hub.closures) / (
                2.0 * hub.lockage_h)
            rows.append({
                "hub": hub.id, "lines": hub.lines, "lockage_h": hub.lockage_h,
                "lockages": n, "ships": int(ships),
                "mean_fill": float(fill_col[mine].mean()) if n else 0.0,
                "ships_per_h": ships / window,
                "slot_utilisation": float(fill_col[mine].sum()) / max(slots - closed, 1e-9),
            })
        locks = pd.DataFrame(rows, columns=["hub", "lines", "lockage_h", "lockages", "ships",
                                            "mean_fill", "ships_per_h", "slot_utilisation"])
        calls = pd.DataFrame({"call": self.call, "canal_entry_h": self.entry_h,
                              "lock_wait_h": self.wait_h, "canal_mouth_h": self.mouth_h})
        return {"lockages": lk, "locks": locks, "canal_calls": calls}


def lock_through(arrival_h: np.ndarray, fill: np.ndarray, hub: LockHub,
                 record: list | None = None) -> np.ndarray:
    """Times the ships leave ``hub`` downbound: ``arrival_h`` sorted ascending, ``fill``
    the share of a chamber each ship takes (1 / k of its class), under the hub's
    ``lockage_rule``. Appends the fields of each lockage (hub, line, start, ships, fill:
    :data:`LOCKAGE`) to the flat list ``record``."""
    if hub.lockage_rule == "fill_or_wait":
        return _fill_or_wait(arrival_h, fill, hub, record)
    n = len(arrival_h)
    if n == 0:
        return np.zeros(0)
    T = hub.lockage_h
    slot_h, slot_line, first = _open_slots(arrival_h, hub)
    # Runs of ships whose first open slot is the same, and each ship's chamber fill once
    # it and those before it in its run are aboard (added one by one, as boarding does).
    # A run whose ships all fit and are all waiting by its slot is one lockage of its
    # own unless ships left over from an earlier lockage are still waiting: only those
    # stretches are walked lockage by lockage.
    fill = np.asarray(fill, float)
    new_run = np.r_[True, first[1:] != first[:-1]]
    run_start = np.flatnonzero(new_run)
    run_of = np.cumsum(new_run) - 1
    pos = np.arange(n) - run_start[run_of]
    used = fill.copy()
    for k in range(1, int(pos.max()) + 1):
        at = np.flatnonzero(pos == k)
        used[at] = used[at - 1] + fill[at]
    ok = (used <= 1.0 + FILL_EPS) & (arrival_h <= slot_h[first])
    dirty = np.flatnonzero(~np.logical_and.reduceat(ok, run_start))
    whole = np.zeros(len(run_start), bool)  # runs that are one lockage of their own
    out = np.empty(n)
    walked: list = []  # lockages of the walked stretches: slot, ships, fill
    # the walks read one item at a time: plain lists (a NumPy item read costs ~10x)
    lists = ((arrival_h.tolist(), fill.tolist(), first.tolist(), slot_h.tolist(),
              new_run.tolist(), run_of.tolist()) if len(dirty) else ())
    r, d = 0, 0
    while r < len(run_start):
        while d < len(dirty) and dirty[d] < r:
            d += 1
        stop = int(dirty[d]) if d < len(dirty) else len(run_start)
        whole[r:stop] = True
        if stop == len(run_start):
            break
        r = _walk(int(run_start[stop]), *lists, T, out, walked, len(run_start))
    mine = whole[run_of]
    out[mine] = slot_h[first[mine]] + T
    if record is not None:
        last = np.r_[run_start[1:], n] - 1
        slot = np.r_[first[run_start[whole]], np.asarray(walked[0::3], np.int64)]
        ships = np.r_[(last - run_start + 1)[whole], np.asarray(walked[1::3], np.int64)]
        fills = np.r_[used[last[whole]], np.asarray(walked[2::3], float)]
        order = np.argsort(slot, kind="stable")  # lockages in time order
        slot, ships, fills = slot[order], ships[order], fills[order]
        record += LOCKAGE.flat(hub.id, slot_line[slot], slot_h[slot], ships, fills)
    return out


def _walk(i: int, arrival_h: list[float], fill: list[float], first: list[int],
          slot_h: list[float], new_run: list[bool], run_of: list[int], T: float,
          out: np.ndarray, walked: list, runs: int) -> int:
    """Lockage by lockage from ship ``i`` (the first of a run whose own lockage would not
    take it whole): each lockage takes the next open slot no lockage has taken, at or
    after its first ship's arrival, and the ships waiting by then, in order, while they
    fit (as :func:`_board`). Stops where a run begins with no ship left over before it;
    returns that run (``runs`` at the end)."""
    n = len(arrival_h)
    u = first[i]  # the next open slot no lockage has taken
    full = 1.0 + FILL_EPS
    while True:
        if first[i] > u:
            u = first[i]
        best = slot_h[u]
        start, used, leave = i, 0.0, best + T
        while i < n and arrival_h[i] <= best and used + fill[i] <= full:
            used += fill[i]
            out[i] = leave
            i += 1
        walked += (u, i - start, used)
        u += 1
        if i == n:
            return runs
        if new_run[i] and first[i] >= u:
            return run_of[i]


def _open_slots(arrival_h: np.ndarray, hub: LockHub
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hub's downbound lockage slots under ``alternating``, all lines merged in time
    order (the lower line first on a tie), less those that would overlap a closure of
    their line: (start hours, lines, and for each ship the first open slot at or after
    its arrival — on each line ``ceil((a - phase) / 2T)`` moved past closures, the
    earliest of the lines). Enough slots for every ship to take one of its own after
    the last arrival. A lockage only ever takes the earliest open slot at or after its
    first ship's arrival that no lockage has taken, and lockages start in time order, so
    the pass walks this list once (it used to recompute every line's next slot and
    test it against every closure for each lockage)."""
    n = len(arrival_h)
    T = hub.lockage_h
    period = 2.0 * T
    closed = _closures(hub)
    last = float(arrival_h[-1])
    slot_h, slot_line, slot_m = [], [], []
    for j in range(hub.lines):
        phase = j * period / hub.lines
        extra = n + 1
        while True:  # slots up to the last arrival, and n + 1 open ones after it
            m = np.arange(max(math.ceil((last - phase) / period), 0) + extra + 1)
            s = phase + period * m
            shut = np.zeros(len(m), bool)
            for c0, c1 in closed[j]:
                shut |= (s < c1) & (s + T > c0)
            if int((~shut & (s >= last)).sum()) > n:
                break
            extra *= 2
        slot_h.append(s[~shut])
        slot_line.append(np.full(int((~shut).sum()), j))
        slot_m.append(m[~shut])
    h = np.concatenate(slot_h)
    line = np.concatenate(slot_line)
    order = np.lexsort((line, h))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    # each ship's first open slot: per line the slot number ceil((a - phase) / 2T) (as
    # the clock reads it), moved to the first open one at or after it
    first = np.full(n, len(order), np.int64)
    offset = 0
    for j in range(hub.lines):
        phase = j * period / hub.lines
        m = np.ceil((arrival_h - phase) / period - 1e-12)
        at = np.searchsorted(slot_m[j], m, side="left")
        first = np.minimum(first, rank[offset + at])
        offset += len(slot_m[j])
    return h[order], line[order], first


def _closures(hub: LockHub) -> list[list[tuple[float, float]]]:
    """Per line, its maintenance closures as (start, end) hours."""
    return [[(c.start_day * 24.0, (c.start_day + c.days) * 24.0) for c in hub.closures
             if c.line == j] for j in range(hub.lines)]


def _board(times: list[float], shares: list[float], i: int, start: float, T: float,
           out: list[float], record: list | None, hub: str, line: int) -> int:
    """A lockage starting at ``start`` takes the ships from ``i`` on that are waiting by
    then, in order, while they fit the chamber; they leave at ``start + T``. Returns the
    next ship still waiting."""
    n = len(times)
    taken, used = 0, 0.0
    while i < n and times[i] <= start and used + shares[i] <= 1.0 + FILL_EPS:
        used += shares[i]
        out[i] = start + T
        i += 1
        taken += 1
    if record is not None:
        record += (hub, line, start, taken, used)
    return i


def _fill_or_wait(arrival_h: np.ndarray, fill: np.ndarray, hub: LockHub,
                  record: list | None) -> np.ndarray:
    """:func:`lock_through` under ``fill_or_wait`` (see the module docstring)."""
    n = len(arrival_h)
    out = [0.0] * n  # a list: one float written per ship (a NumPy item write is slower)
    T, wait = hub.lockage_h, hub.max_wait_h
    closed = _closures(hub)
    ready = [0.0] * hub.lines  # when each line can start its next downbound lockage
    times = arrival_h.tolist()
    shares = fill.tolist()
    i = 0
    while i < n:
        # when the chamber would be full: the arrival of the last ship that fits before
        # one that does not (never, if every ship left fits)
        used, m, full_at = 0.0, i, math.inf
        while m < n and used + shares[m] <= 1.0 + FILL_EPS:
            used += shares[m]
            m += 1
        if m < n or used >= 1.0 - FILL_EPS:
            full_at = times[m - 1]
        wish = min(full_at, times[i] + wait)
        best, best_line = math.inf, -1
        for j in range(hub.lines):
            s = max(ready[j], wish)
            moved = True
            while moved:  # a lockage may not overlap a closure of its line
                moved = False
                for c0, c1 in closed[j]:
                    if s < c1 and s + T > c0:
                        s, moved = c1, True
            if s < best:
                best, best_line = s, j
        ready[best_line] = best + 2.0 * T
        i = _board(times, shares, i, best, T, out, record, hub.id, best_line)
    return np.asarray(out, dtype=float)


def through_locks(canal: Canal, entry_h: np.ndarray, ship_class: list) -> LockPassage:
    """Pass canal calls (entry times at the first hub, sorted; their ship classes)
    through every hub in order and sail them to the mouth."""
    # the share of a chamber a ship of each class takes at each hub, per ship by indexing
    index = {s.id: j for j, s in enumerate(canal.classes)}
    fill_of = np.array([[1.0 / hub.ships_per_lockage_for(s) for hub in canal.locks]
                        for s in canal.classes]).reshape(len(canal.classes), len(canal.locks))
    of_ship = np.array([index[c] for c in ship_class], np.int64)
    record: list = []
    t = np.asarray(entry_h, dtype=float)
    waited = np.zeros(len(t))
    for h, hub in enumerate(canal.locks):
        fill = fill_of[of_ship, h]
        out = lock_through(t, fill, hub, record)
        waited += out - t - hub.lockage_h
        t = out + hub.sail_to_next_h
    return LockPassage(np.arange(len(t)), np.asarray(entry_h, float), t, waited, record,
                       list(canal.locks))
