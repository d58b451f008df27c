"""Reading a CSV water-level series (the ``tide.series`` of a port file) and checking it.

Config-side: the tide window computation (:mod:`portsim.tide_windows`) and the port
file's checks (:func:`portsim.config.marine.check_marine`) both read series through it.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path

import numpy as np

from portsim.config.marine import Tide
from portsim.errors import InputError, Problem

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
