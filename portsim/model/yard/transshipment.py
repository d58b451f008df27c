"""Transshipment connections: the outgoing call that takes a discharged transshipment box.

With ``yard.transshipment: connection`` (the default ``dwell`` keeps today's rule: a
transshipment box leaves a drawn transshipment dwell after its discharge, to no ship in
particular) each call's transshipment boxes are matched, before the run, to the later
calls of the same terminal that load transshipment boxes — first come first served in
arrival order, a connection needing at least ``min_connection_h`` between the two
arrivals (basis: a hub terminal plans a box onto the first suitable outgoing vessel after
its minimum connection time; the outgoing call's transshipment load, from the modal split,
is its capacity for them). A batch of boxes leaves the yard the two calls' planned
arrival gap after it was discharged (so on its outgoing call's loading when both ships
keep their plan); a batch no later call can take (at the end of the plan) keeps its
drawn dwell. The offsets are capped at the yard's booking horizon (the longest dwell).
"""

from __future__ import annotations

import numpy as np


def connect_transshipment(arrival_h: np.ndarray, terminal: np.ndarray, batches: np.ndarray,
                          loads: np.ndarray, min_connection_h: float, max_offset_h: int
                          ) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Match transshipment batches to outgoing calls.

    ``arrival_h``, ``terminal``: per call (row), sorted by arrival; ``batches``: (rows, k)
    TEU discharged for transshipment, in batches; ``loads``: TEU of transshipment each
    call loads. Returns (offset hours per batch, -1 where not connected; the connections
    as (from row, to row, TEU))."""
    m, k = batches.shape
    offsets = np.full((m, k), -1, np.int64)
    connections: list[tuple[int, int, int]] = []
    left = loads.astype(np.int64).tolist()
    arr = arrival_h.tolist()
    for t in np.unique(terminal).tolist():
        rows = np.flatnonzero(terminal == t).tolist()
        p = 0  # first outgoing call that may still take boxes
        for a in rows:
            earliest = arr[a] + min_connection_h
            for b in range(k):
                n = int(batches[a, b])
                if n <= 0:
                    continue
                while p < len(rows) and (arr[rows[p]] < earliest or left[rows[p]] == 0):
                    p += 1
                room, q = 0, p
                while q < len(rows) and room < n:
                    room += left[rows[q]]
                    q += 1
                if room < n:  # no later call can take the whole batch
                    continue
                need, q = n, p
                while need:
                    take = min(need, left[rows[q]])
                    if take:
                        left[rows[q]] -= take
                        need -= take
                        connections.append((a, rows[q], take))
                    last = rows[q]
                    q += 1
                offsets[a, b] = min(round(arr[last] - arr[a]), max_offset_h)
    return offsets, connections
