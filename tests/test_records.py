"""Flat records (portsim.records): a layout writes columns to one flat list and reads
them back unchanged, field by field and row by row."""

from __future__ import annotations

import numpy as np

from portsim.records import RecordLayout

LAYOUT = RecordLayout("test", ("hub", "line", "start_h", "ships"), "a test record")


def test_columns_written_flat_read_back_as_they_were():
    flat = LAYOUT.flat("H", np.array([0, 1, 0]), np.array([1.5, 2.5, 3.5]), [3, 1, 2])
    assert flat == ["H", 0, 1.5, 3, "H", 1, 2.5, 1, "H", 0, 3.5, 2]
    cols = LAYOUT.lists(flat)
    assert cols == {"hub": ["H"] * 3, "line": [0, 1, 0], "start_h": [1.5, 2.5, 3.5],
                    "ships": [3, 1, 2]}
    assert LAYOUT.rows(flat) == [("H", 0, 1.5, 3), ("H", 1, 2.5, 1), ("H", 0, 3.5, 2)]
    assert all(type(v) is int for v in cols["line"])  # Python numbers, not NumPy scalars


def test_no_rows_make_an_empty_list():
    assert LAYOUT.flat("H", np.zeros(0, int), np.zeros(0), []) == []
