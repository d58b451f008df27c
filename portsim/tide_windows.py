"""Water level and tidal windows (model-free: the scenario check and the channel model
both use it).

The water level above chart datum comes from harmonic constituents
(``h(t) = Z0 + Σ A·cos(ω·t − g)``, t in hours from the start of the run) or from a
CSV series (linear between rows). A ship may be in a channel segment only while
``bottom depth + h(t) >= draught + under-keel clearance``.

Windows are computed once per (tide, run length) and per passage shape, never per
event: the level is evaluated on a 0.1-h grid (or at the CSV rows), the times it
crosses a segment's required level are refined by bisection (to ~1e-9 h), which
gives the intervals where the segment is deep enough. A ship entering the route at
``t`` is in segment k during ``[t + a_k, t + b_k]``, so the entry times that keep it
inside one deep-enough interval ``[s, e]`` of segment k form ``[s − a_k, e − b_k]``.
The entry windows of the whole transit are the intersection of these sets over the
segments: sorted, disjoint intervals — finding the next window from any time is one
``bisect``.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from portsim.config.marine import Tide
from portsim.config.tide_series import read_series

GRID_H = 0.1
"""Step of the grid on which a harmonic tide is scanned for crossings (hours)."""

PAD_H = 72.0
"""Windows are computed this far past the end of the run, for ships still in port."""


@dataclass(frozen=True)
class Windows:
    """Sorted, disjoint closed intervals [starts[j], ends[j]] (hours)."""

    starts: list[float]
    ends: list[float]

    @property
    def always(self) -> bool:
        return len(self.starts) == 1 and self.starts[0] == -math.inf and self.ends[0] == math.inf

    def __len__(self) -> int:
        return len(self.starts)

    def next_open(self, t: float) -> float:
        """The earliest time >= t inside a window (``inf`` when none is left)."""
        j = bisect_left(self.ends, t)
        if j == len(self.ends):
            return math.inf
        s = self.starts[j]
        return s if s > t else t

    def any_between(self, lo: float, hi: float) -> bool:
        """Whether some window overlaps [lo, hi]."""
        j = bisect_left(self.ends, lo)
        return j < len(self.ends) and self.starts[j] <= hi

    def total_h(self, start: float, end: float) -> float:
        """Hours of [start, end] covered by windows."""
        s = np.clip(np.asarray(self.starts), start, end)
        e = np.clip(np.asarray(self.ends), start, end)
        return float((e - s).sum())


ALWAYS = Windows([-math.inf], [math.inf])
NEVER = Windows([], [])


class TideModel:
    """The water level of one tide specification over one run."""

    def __init__(self, tide: Tide, end_h: float, file: str = "<port>"):
        self.tide = tide
        self.file = file
        self.end_h = end_h + PAD_H
        if tide.series is not None:
            self.times, self.levels = read_series(tide, file)
            self.grid = self.times
        else:
            self.times = self.levels = None
            # from PAD_H before the start, so that a window open at hour 0 has a real start
            self.grid = np.arange(-PAD_H, self.end_h + GRID_H, GRID_H)
        self.on_grid = self.level(self.grid)
        run = self.on_grid[self.grid >= 0]
        self._range = (float(run.min()), float(run.max()))
        self._windows: dict[tuple, Windows] = {}

    def level(self, t: np.ndarray | float) -> np.ndarray:
        """Water level above chart datum (m) at hours ``t``."""
        t = np.asarray(t, dtype=float)
        if self.times is not None:
            return np.interp(t, self.times, self.levels)
        h = np.full(t.shape, float(self.tide.mean_level_m))
        for c in self.tide.constituents:
            h += c.amplitude_m * np.cos(np.radians(c.speed * t - c.phase_deg))
        return h

    @property
    def covers_h(self) -> tuple[float, float]:
        return float(max(self.grid[0], 0.0)), float(self.grid[-1])

    @property
    def lowest(self) -> float:
        """Lowest level from the run's start on."""
        return self._range[0]

    @property
    def highest(self) -> float:
        """Highest level from the run's start on."""
        return self._range[1]

    def deep_enough(self, need: float) -> Windows:
        """Intervals where the level is at least ``need`` metres above chart datum."""
        key = ("above", need)
        hit = self._windows.get(key)
        if hit is not None:
            return hit
        ok = self.on_grid >= need
        if ok.all():
            out = ALWAYS
        elif not ok.any():
            out = NEVER
        else:
            edges = np.flatnonzero(np.diff(ok.astype(np.int8)))
            lo, hi = self.grid[edges], self.grid[edges + 1]
            rising = ~ok[edges]
            crossing = self._bisect(lo, hi, need, rising)
            starts = list(crossing[rising])
            ends = list(crossing[~rising])
            if ok[0]:
                starts.insert(0, float(self.grid[0]))
            if ok[-1]:
                ends.append(float(self.grid[-1]))
            out = Windows([float(s) for s in starts], [float(e) for e in ends])
        self._windows[key] = out
        return out

    def _bisect(self, lo: np.ndarray, hi: np.ndarray, need: float, rising: np.ndarray):
        lo, hi = lo.copy(), hi.copy()
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            above = self.level(mid) >= need
            # rising: below at lo, above at hi; falling: above at lo, below at hi
            go_hi = above == rising
            hi = np.where(go_hi, mid, hi)
            lo = np.where(go_hi, lo, mid)
            if float((hi - lo).max()) < 1e-10:
                break
        return np.where(rising, hi, lo)

    def entry_windows(self, legs: Sequence[tuple[float, float, float]]) -> Windows:
        """Entry times for a transit whose legs are ``(need_m, a_h, b_h)``: the ship must
        be in water of at least ``need_m`` above chart datum from ``t + a`` to ``t + b``."""
        key = ("entry", tuple(legs))
        hit = self._windows.get(key)
        if hit is not None:
            return hit
        out = ALWAYS
        for need, a, b in legs:
            deep = self.deep_enough(need)
            if deep.always:
                continue
            s = np.asarray(deep.starts) - a
            e = np.asarray(deep.ends) - b
            keep = e >= s
            out = intersect(out, Windows([float(x) for x in s[keep]],
                                         [float(x) for x in e[keep]]))
            if not len(out):
                break
        self._windows[key] = out
        return out


def intersect(a: Windows, b: Windows) -> Windows:
    """Intersection of two sorted lists of disjoint closed intervals."""
    if a.always:
        return b
    if b.always:
        return a
    i = j = 0
    starts: list[float] = []
    ends: list[float] = []
    while i < len(a.starts) and j < len(b.starts):
        s = max(a.starts[i], b.starts[j])
        e = min(a.ends[i], b.ends[j])
        if s <= e:
            starts.append(s)
            ends.append(e)
        if a.ends[i] < b.ends[j]:
            i += 1
        else:
            j += 1
    return Windows(starts, ends)


_MODELS: dict[tuple[str, float], TideModel] = {}


def tide_model(tide: Tide, end_h: float, file: str = "<port>") -> TideModel:
    """A (cached) :class:`TideModel`: the windows of one tide are computed once per
    process, shared by every replication and by the scenario check."""
    key = (tide.model_dump_json(), float(end_h))
    model = _MODELS.get(key)
    if model is None:
        if len(_MODELS) >= 16:
            _MODELS.pop(next(iter(_MODELS)))
        model = _MODELS[key] = TideModel(tide, end_h, file)
    return model
