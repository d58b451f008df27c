"""Errors a user can cause, reported without a traceback.

Every problem names the file, the path inside it (``berths[12].depth_m``), what is
wrong and, where it can, what would be right. The CLI prints them and exits 2.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class InputError(Exception):
    """The user's input (scenario, port file, sweep spec) is invalid."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(cls, file: str | Path, path: str, message: str) -> InputError:
        return cls([Problem(str(file), path, message)])


def unknown(kind: str, value: str, known: set[str]) -> str:
    """``unknown berth 'B9'; did you mean 'B8'?`` (or the known ids when nothing is close)."""
    near = difflib.get_close_matches(value, sorted(known), n=1)
    hint = f"did you mean '{near[0]}'?" if near else f"known: {', '.join(sorted(known)[:12])}"
    return f"unknown {kind} '{value}'; {hint}"


def format_loc(loc: tuple[object, ...]) -> str:
    """Turn a pydantic error location into ``berths[12].depth_m``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
