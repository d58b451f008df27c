"""Flat records: rows kept as one flat list per kind, named by a layout.

A model appends each row's fields to one flat list (``records += (a, b, …)``): no tuple
or list kept per row, so tens of thousands of rows a port-year are one object for the
garbage collector, not tens of thousands (a tuple per row made pinglu-2030 run five
times plan-2025's young collections, ``benchmarks/canal.py``). A :class:`RecordLayout`
names the fields in order and turns the list back into columns: integer numpy columns
(:meth:`RecordLayout.read`, the yards' hour-by-hour records) or plain lists of any type
(:meth:`RecordLayout.lists`: the lock hubs' lockages, the stockpiles' movements); a
pass that computes many rows as arrays appends them at once (:meth:`RecordLayout.flat`).
Model-free: the demand stage's lock pass uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RecordLayout:
    """The fields of one kind of flat record, in the order they are appended."""

    name: str
    fields: tuple[str, ...]
    doc: str

    @property
    def width(self) -> int:
        return len(self.fields)

    def read(self, flat: list[int]) -> Columns:
        """The records as named integer columns (``.yard``, ``.hour`` …)."""
        a = np.array(flat, np.int64).reshape(-1, self.width)
        return Columns({f: a[:, j] for j, f in enumerate(self.fields)})

    def lists(self, flat: list) -> dict[str, list]:
        """The records as one list per field, of whatever type they were appended."""
        return {f: flat[j::self.width] for j, f in enumerate(self.fields)}

    def flat(self, *columns) -> list:
        """Columns (one per field, in order; a scalar stands for the same value in every
        row) as the flat list :meth:`lists` reads back: the records of a pass built with
        arrays appended at once."""
        n = max((len(c) for c in columns if np.ndim(c)), default=0)
        out: list = [None] * (self.width * n)
        for j, c in enumerate(columns):
            out[j::self.width] = np.asarray(c).tolist() if np.ndim(c) else [c] * n
        return out

    def rows(self, flat: list) -> list[tuple]:
        """The records as tuples (for reading a few, as tests do)."""
        return list(zip(*self.lists(flat).values(), strict=True))


class Columns(dict):
    """Named columns of a record list; fields are attributes too (``cols.yard``)."""

    def __getattr__(self, field: str) -> np.ndarray:
        try:
            return self[field]
        except KeyError:  # pragma: no cover - a typo in a field name
            raise AttributeError(field) from None

    def where(self, mask: np.ndarray) -> Columns:
        """The records where ``mask`` holds."""
        return Columns({f: a[mask] for f, a in self.items()})
