"""Weather closures: when the channel (and optionally cargo handling) stops.

Each random event kind occurs a Poisson number of times per calendar year of the run
(mean ``per_year``); an event starts on a uniformly drawn day among its ``months``
(at a uniform hour of ``start_hour`` when given, else any hour) and lasts a uniform
``duration_h``. Fixed closures are added as given. Overlapping closures merge.

Draws come from one named stream per event kind (``weather:<kind>``), so two
scenarios run with the same seed see the same weather (common random numbers), and a
scenario that adds a fog season does not change its typhoons. Closures are taken as
forecast: a ship does not enter the channel when a closure would begin before it is
through (typhoons are announced days ahead; treating fog alike is an assumption).
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from portsim.config.marine import Weather
from portsim.streams import stream


@dataclass(frozen=True)
class Closures:
    """Merged, sorted closure intervals [starts[j], ends[j]) (hours)."""

    starts: list[float]
    ends: list[float]

    def __len__(self) -> int:
        return len(self.starts)

    def clear_for(self, t: float, duration: float) -> float:
        """The earliest time >= t from which ``duration`` hours pass without a closure."""
        starts, ends = self.starts, self.ends
        j = bisect_right(ends, t)
        while j < len(starts) and starts[j] < t + duration:
            t = ends[j]
            j += 1
        return t

    def finish(self, start: float, work_h: float) -> float:
        """When ``work_h`` hours of work begun at ``start`` end, pausing during closures."""
        t, left = start, work_h
        starts, ends = self.starts, self.ends
        j = bisect_right(ends, t)
        while j < len(starts):
            s, e = starts[j], ends[j]
            if s >= t + left:
                break
            if s > t:
                left -= s - t
            t = max(t, e)
            j += 1
        return t + left

    def hours(self, start: float, end: float) -> float:
        s = np.clip(np.asarray(self.starts, float), start, end)
        e = np.clip(np.asarray(self.ends, float), start, end)
        return float((e - s).sum())


def merge(intervals: list[tuple[float, float]]) -> Closures:
    starts: list[float] = []
    ends: list[float] = []
    for s, e in sorted(intervals):
        if starts and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return Closures(starts, ends)


def _month_starts(start_month: int, end_h: float) -> list[tuple[int, float, float]]:
    """(calendar month, start hour, end hour) of every month of the run (a non-leap
    calendar year starting in ``start_month``)."""
    out = []
    t, month = 0.0, start_month
    while t < end_h:
        days = calendar.monthrange(2025, month)[1]
        out.append((month, t, t + days * 24.0))
        t += days * 24.0
        month = month % 12 + 1
    return out


def draw_events(weather: Weather, seed: int, replication: int,
                end_h: float) -> list[tuple[str, float, float, tuple[str, ...]]]:
    """Every closure of one replication: (kind, start h, end h, what it closes)."""
    months = _month_starts(weather.start_month, end_h)
    years = math.ceil(end_h / 8760.0)
    events: list[tuple[str, float, float, tuple[str, ...]]] = []
    for ev in weather.events:
        rng = stream(seed, replication, f"weather:{ev.kind}")
        for y in range(years):
            lo, hi = y * 8760.0, (y + 1) * 8760.0
            season = [(s, e) for m, s, e in months if m in ev.months and s >= lo and s < hi]
            n = int(rng.poisson(ev.per_year))
            if not season or n == 0:
                continue
            days = np.concatenate([np.arange(s, e, 24.0) for s, e in season])
            day = rng.choice(days, size=n)
            if ev.start_hour is not None:
                hour = rng.uniform(ev.start_hour[0], ev.start_hour[1], size=n)
            else:
                hour = rng.uniform(0.0, 24.0, size=n)
            dur = rng.uniform(ev.duration_h[0], ev.duration_h[1], size=n)
            for d, h, du in zip(day.tolist(), hour.tolist(), dur.tolist(), strict=True):
                if d + h < end_h:
                    events.append((ev.kind, d + h, d + h + du, tuple(ev.closes)))
    for c in weather.closures:
        events.append((c.kind, c.start_h, c.end_h, tuple(c.closes)))
    events.sort(key=lambda e: e[1])
    return events


def closures(events: list[tuple[str, float, float, tuple[str, ...]]], what: str) -> Closures:
    """The merged closures of ``what`` (``channel`` or ``berths``)."""
    return merge([(s, e) for _, s, e, closes in events if what in closes])
