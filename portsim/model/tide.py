"""Water level and tidal windows.

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

import csv
import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from portsim.config.marine import Tide
from portsim.errors import InputError, Problem

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


# ----------------------------------------------------------------- CSV series

_UNIT_FACTOR = {"m": 1.0, "cm": 0.01}
PLAUSIBLE_RANGE_M = (0.05, 15.0)
"""A tidal series whose range (max − min) falls outside this is in the wrong units."""


def read_series(tide: Tide, file: str = "<port>") -> tuple[np.ndarray, np.ndarray]:
    """Read and check a CSV water-level series: (hours from the run's start, level m).

    Problems (missing columns, empty or non-numeric cells, times that do not increase,
    gaps longer than ``max_gap_h``, levels whose units contradict the column name or
    whose range is implausible for the stated units) raise an :class:`InputError`
    naming the CSV file and the line."""
    path = Path(str(tide.series))
    if not path.is_absolute():
        path = Path(file).parent / path
    name = str(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise InputError.single(file, "tide.series", f"tide file '{path}' not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(name, "", f"cannot read tide file: {exc}") from None
    rows = [r for r in rows if r and not r[0].lstrip().startswith("#")]
    if len(rows) < 3:
        raise InputError.single(name, "", "a tide series needs a header and at least 2 rows")
    header = [h.strip() for h in rows[0]]
    problems: list[Problem] = []
    time_col = next((c for c in ("time_h", "time") if c in header), None)
    level_col = next((c for c in ("level_m", "level_cm", "level") if c in header), None)
    if time_col is None:
        problems.append(Problem(name, "line 1", f"no time column: expected 'time_h' (hours "
                                f"from the start of the run) or 'time' (ISO); got {header}"))
    if level_col is None:
        problems.append(Problem(name, "line 1", f"no level column: expected 'level_m' or "
                                f"'level_cm'; got {header}"))
    if problems:
        raise InputError(problems)
    unit = {"level_m": "m", "level_cm": "cm"}.get(level_col)  # type: ignore[arg-type]
    if unit and tide.units and tide.units != unit:
        raise InputError.single(name, f"line 1, column {level_col}",
                                f"the column says {unit} but the port file says units: "
                                f"{tide.units}")
    unit = unit or tide.units
    if unit is None:
        raise InputError.single(name, f"line 1, column {level_col}",
                                "units unknown: name the column level_m / level_cm or set "
                                "tide.units in the port file")
    start = None
    if time_col == "time":
        if tide.start is None:
            raise InputError.single(file, "tide.start", "a series with ISO 'time' needs "
                                    "tide.start (the timestamp of the run's hour 0)")
        try:
            start = datetime.fromisoformat(tide.start)
        except ValueError:
            raise InputError.single(file, "tide.start", f"not an ISO timestamp: "
                                    f"{tide.start!r}") from None
    ti, li = header.index(time_col), header.index(level_col)  # type: ignore[arg-type]
    times: list[float] = []
    levels: list[float] = []
    for n, row in enumerate(rows[1:], start=2):
        cells = [*row, "", ""]
        t_raw, l_raw = cells[ti].strip(), cells[li].strip()
        if not t_raw or not l_raw:
            problems.append(Problem(name, f"line {n}", "empty cell: a gap in the series"))
            continue
        try:
            if start is not None:
                t = (datetime.fromisoformat(t_raw) - start).total_seconds() / 3600.0
            else:
                t = float(t_raw)
            level = float(l_raw)
        except ValueError:
            problems.append(Problem(name, f"line {n}", f"not a number/time: {row}"))
            continue
        if not (math.isfinite(t) and math.isfinite(level)):
            problems.append(Problem(name, f"line {n}", "NaN or infinite value: a gap"))
            continue
        if times and t <= times[-1]:
            problems.append(Problem(name, f"line {n}", f"time {t:g} h does not increase "
                                    f"(previous row {times[-1]:g} h)"))
            continue
        if times and t - times[-1] > tide.max_gap_h + 1e-9:
            problems.append(Problem(name, f"line {n}", f"gap of {t - times[-1]:g} h after "
                                    f"{times[-1]:g} h (tide.max_gap_h is {tide.max_gap_h:g} h)"))
        times.append(t)
        levels.append(level * _UNIT_FACTOR[unit])
        if len(problems) >= 10:
            break
    if problems:
        raise InputError(problems)
    lv = np.asarray(levels)
    span = float(lv.max() - lv.min())
    lo, hi = PLAUSIBLE_RANGE_M
    if not lo <= span <= hi:
        guess = "centimetres" if span > hi else "metres"
        raise InputError.single(
            name, f"column {level_col}",
            f"the levels span {span:g} m as read in {unit}: implausible for a tide "
            f"({lo:g}-{hi:g} m); they look like {guess} — check the units")
    return np.asarray(times), lv
