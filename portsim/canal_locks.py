"""The Pinglu Canal's lock hubs: the gate that meters river-sea ships into Qinzhou.

River-sea calls enter the canal upstream at random (Poisson at the rate of their
flow, :mod:`portsim.demand`); they pass the lock hubs in order (Madao, Qishi,
Qingnian) and sail on to the canal mouth, where they arrive at the port. Their arrival
times at the port are the locks' output, not a Poisson stream.

A hub is a resource with lockages (rule ``alternating``, see
:class:`portsim.config.canal.LockHub`): each of its ``lines`` lines offers a downbound
lockage every ``2 T`` (it levels back up in between, with the upbound traffic), the
lines staggered by ``2 T / lines``; a lockage starting at ``s`` takes the ships waiting
at ``s`` in arrival order while they fit the chamber (a ship of a class with ``k``
ships per lockage fills ``1 / k`` of it) and releases them at ``s + T``. A line under
maintenance makes no lockage that would overlap its closure. So a two-line hub passes
at most ``k / T`` ships an hour downbound, a burst leaves in batches of exactly ``k``,
and ships queue at the hub when traffic exceeds that. Between hubs (and from the last
one to the mouth) every ship takes the same sailing time, so the order is kept.

Scope: the canal's upbound traffic (ships leaving Qinzhou into the canal) does not
change arrivals at Qinzhou under this rule (a line's downbound slots are fixed), so it
is not simulated; the canal's own channel between the hubs is taken as free-flowing.

Cost: one pass over the canal calls per hub (a few list operations per lockage).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portsim.config.canal import Canal, LockHub

FILL_EPS = 1e-9


@dataclass
class LockPassage:
    """The canal calls of one replication and their lockages."""

    call: np.ndarray  # index of each canal call in the call plan
    entry_h: np.ndarray  # arrival at the first hub (the canal's upstream entrance)
    mouth_h: np.ndarray  # arrival at the canal mouth (= the call's arrival at the port)
    wait_h: np.ndarray  # hours waiting for lockages, all hubs
    lockages: list[tuple[str, int, float, int, float]] = field(default_factory=list)
    # (hub, line, start_h, ships, fill)
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
        lk = pd.DataFrame(self.lockages, columns=["hub", "line", "start_h", "ships", "fill"])
        window = end_h - start_h
        rows = []
        for hub in self.hubs:
            mine = lk[(lk["hub"] == hub.id) & (lk["start_h"] >= start_h)
                      & (lk["start_h"] < end_h)]
            slots = hub.lines * window / (2.0 * hub.lockage_h)
            closed = sum(min(c.days * 24.0, window) for c in hub.closures) / (
                2.0 * hub.lockage_h)
            rows.append({
                "hub": hub.id, "lines": hub.lines, "lockage_h": hub.lockage_h,
                "lockages": len(mine), "ships": int(mine["ships"].sum()),
                "mean_fill": float(mine["fill"].mean()) if len(mine) else 0.0,
                "ships_per_h": float(mine["ships"].sum()) / window,
                "slot_utilisation": float(mine["fill"].sum()) / max(slots - closed, 1e-9),
            })
        locks = pd.DataFrame(rows, columns=["hub", "lines", "lockage_h", "lockages", "ships",
                                            "mean_fill", "ships_per_h", "slot_utilisation"])
        calls = pd.DataFrame({"call": self.call, "canal_entry_h": self.entry_h,
                              "lock_wait_h": self.wait_h, "canal_mouth_h": self.mouth_h})
        return {"lockages": lk, "locks": locks, "canal_calls": calls}


def lock_through(arrival_h: np.ndarray, fill: np.ndarray, hub: LockHub,
                 record: list | None = None) -> np.ndarray:
    """Times the ships leave ``hub`` downbound: ``arrival_h`` sorted ascending, ``fill``
    the share of a chamber each ship takes (1 / k of its class). Appends
    ``(hub, line, start, ships, fill)`` per lockage to ``record``."""
    n = len(arrival_h)
    out = np.empty(n)
    T = hub.lockage_h
    period = 2.0 * T
    phases = [j * period / hub.lines for j in range(hub.lines)]
    closed = [[(c.start_day * 24.0, (c.start_day + c.days) * 24.0) for c in hub.closures
               if c.line == j] for j in range(hub.lines)]
    next_m = [0] * hub.lines  # next unused downbound slot of each line
    times = arrival_h.tolist()
    shares = fill.tolist()
    i = 0
    while i < n:
        a = times[i]
        best, best_line = math.inf, -1
        for j in range(hub.lines):
            m = max(next_m[j], math.ceil((a - phases[j]) / period - 1e-12))
            s = phases[j] + period * m
            moved = True
            while moved:  # skip slots that would overlap a closure
                moved = False
                for c0, c1 in closed[j]:
                    if s < c1 and s + T > c0:
                        m = math.ceil((c1 - phases[j]) / period - 1e-12)
                        s = phases[j] + period * m
                        moved = True
            if s < best:
                best, best_line, best_m = s, j, m
        next_m[best_line] = best_m + 1
        taken, used = 0, 0.0
        while i < n and times[i] <= best and used + shares[i] <= 1.0 + FILL_EPS:
            used += shares[i]
            out[i] = best + T
            i += 1
            taken += 1
        if record is not None:
            record.append((hub.id, best_line, best, taken, used))
    return out


def through_locks(canal: Canal, entry_h: np.ndarray, ship_class: list) -> LockPassage:
    """Pass canal calls (entry times at the first hub, sorted; their ship classes)
    through every hub in order and sail them to the mouth."""
    fill_of = {}
    for s in canal.classes:
        fill_of[s.id] = [1.0 / hub.ships_per_lockage_for(s) for hub in canal.locks]
    record: list = []
    t = np.asarray(entry_h, dtype=float)
    waited = np.zeros(len(t))
    for h, hub in enumerate(canal.locks):
        fill = np.array([fill_of[c][h] for c in ship_class]) if len(t) else np.zeros(0)
        out = lock_through(t, fill, hub, record)
        waited += out - t - hub.lockage_h
        t = out + hub.sail_to_next_h
    return LockPassage(np.arange(len(t)), np.asarray(entry_h, float), t, waited, record,
                       list(canal.locks))
