"""Which berths a ship can use: cargo, ship class, depth with under-keel clearance, length.

Berths that share a ``quay_line`` are sections of one continuous quay; a ship may lie
across several adjacent sections, provided every section it touches takes its cargo,
its DWT class and its draught. A berth without a quay line is a quay of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portsim.config.port import Berth, Port, ShipClass


@dataclass(frozen=True)
class QuayLine:
    """Adjacent berth sections of one terminal, in order along the quay."""

    id: str
    terminal: str
    berths: tuple[Berth, ...]

    @property
    def length_m(self) -> float:
        return sum(b.quay_length_m for b in self.berths)

    @property
    def cranes(self) -> int:
        return sum(b.cranes for b in self.berths)


def quay_lines(berths: Iterable[Berth]) -> list[QuayLine]:
    """Group berths into quay lines, keeping the port file's order."""
    groups: dict[str, list[Berth]] = {}
    for b in berths:
        groups.setdefault(b.quay_line or f"berth:{b.id}", []).append(b)
    return [QuayLine(key, bs[0].terminal, tuple(bs)) for key, bs in groups.items()]


def section_takes(berth: Berth, ship: ShipClass, ukc_m: float) -> bool:
    """Whether a berth section takes this ship's cargo, DWT class and draught."""
    return (
        ship.cargo in berth.cargo
        and berth.max_dwt >= ship.dwt
        and berth.depth_m >= ship.draught_m + ukc_m
    )


def usable_runs(
    line: QuayLine, ship: ShipClass, ukc_m: float, clearance_m: float
) -> list[tuple[float, float]]:
    """Stretches ``(start_m, end_m)`` of the line where the ship may lie.

    Only maximal runs of adjacent qualifying sections at least ``loa + clearance`` long.
    """
    need = ship.loa_m + clearance_m
    runs: list[tuple[float, float]] = []
    pos = 0.0
    start: float | None = None
    for b in line.berths:
        if section_takes(b, ship, ukc_m):
            start = pos if start is None else start
        elif start is not None:
            runs.append((start, pos))
            start = None
        pos += b.quay_length_m
    if start is not None:
        runs.append((start, pos))
    return [(a, z) for a, z in runs if z - a >= need - 1e-9]


def lines_for(
    lines: Sequence[QuayLine], ship: ShipClass, ukc_m: float, clearance_m: float
) -> list[QuayLine]:
    """The quay lines on which the ship can lie somewhere."""
    return [q for q in lines if usable_runs(q, ship, ukc_m, clearance_m)]


def largest_berth_summary(port: Port, cargo: str) -> str:
    """One line on the biggest berths for a cargo, to explain why a ship fits nowhere."""
    bs = [b for b in port.berths if cargo in b.cargo]
    if not bs:
        return f"no berth in the port handles {cargo}"
    deepest = max(bs, key=lambda b: b.depth_m)
    biggest = max(bs, key=lambda b: b.max_dwt)
    lines = quay_lines(bs)
    longest = max(lines, key=lambda q: q.length_m)
    return (
        f"{cargo} berths: deepest {deepest.id} {deepest.depth_m:g} m, largest class "
        f"{biggest.id} {biggest.max_dwt:,.0f} DWT, longest quay {longest.id} "
        f"{longest.length_m:,.0f} m"
    )
