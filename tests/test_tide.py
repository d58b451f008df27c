"""Tide: harmonic constituents, CSV series and their checks; the Qinzhou defaults."""

from __future__ import annotations

import numpy as np
import pytest

from portsim.config import load_port
from portsim.config.marine import Tide
from portsim.errors import InputError
from portsim.model.tide import TideModel, read_series


def _csv(tmp_path, text, name="tide.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_series_reads_and_interpolates(tmp_path):
    path = _csv(tmp_path, "time_h,level_cm\n0,100\n1,300\n2,100\n")
    t, lv = read_series(Tide(series=str(path), source="assumption"))
    assert t.tolist() == [0.0, 1.0, 2.0] and lv.tolist() == [1.0, 3.0, 1.0]
    m = TideModel(Tide(series=str(path), source="assumption"), 2.0)
    assert m.level(0.5) == pytest.approx(2.0)
    w = m.deep_enough(2.0)  # linear: above 2 m from 0.5 h to 1.5 h
    assert w.starts == pytest.approx([0.5]) and w.ends == pytest.approx([1.5])


def test_csv_iso_times_need_a_start(tmp_path):
    path = _csv(tmp_path, "time,level_m\n2025-01-01T00:00,1.0\n2025-01-01T00:30,1.5\n"
                          "2025-01-01T01:00,2.0\n")
    t, _ = read_series(Tide(series=str(path), start="2025-01-01T00:00", source="a"))
    assert t.tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(InputError, match=r"tide\.start"):
        read_series(Tide(series=str(path), source="a"))


@pytest.mark.parametrize("text, where, what", [
    ("time_h,level_m\n0,1.0\n1,\n2,1.2\n", "line 3", "empty cell: a gap"),
    ("time_h,level_m\n0,1.0\n1,1.1\n4,1.2\n", "line 4", "gap of 3 h"),
    ("time_h,level_m\n0,1.0\n1,1.1\n1,1.2\n", "line 4", "does not increase"),
    ("time_h,level_m\n0,1.0\n1,abc\n2,1.2\n", "line 3", "not a number"),
    ("time_h,level_m\n0,100\n1,355\n2,120\n", "column level_m", "look like centimetres"),
    ("time_h,level_cm\n0,1.0\n1,3.5\n2,1.2\n", "column level_cm", "look like metres"),
    ("time_h,depth\n0,1.0\n1,3.5\n", "line 1", "no level column"),
])
def test_bad_tide_files_name_file_and_line(tmp_path, text, where, what):
    path = _csv(tmp_path, text)
    with pytest.raises(InputError) as exc:
        read_series(Tide(series=str(path), source="assumption"))
    p = exc.value.problems[0]
    assert p.file == str(path) and p.path == where and what in p.message


def test_unit_in_column_name_must_agree_with_port_file(tmp_path):
    path = _csv(tmp_path, "time_h,level_cm\n0,100\n1,300\n")
    with pytest.raises(InputError, match="the column says cm but the port file says units: m"):
        read_series(Tide(series=str(path), units="m", source="assumption"))


def test_qinzhou_default_tide_matches_the_published_regime(repo):
    """berths.yaml: regular diurnal, mean range ~2.55 m, largest range 4.5-5.5 m, chart
    datum at (about) the lowest water."""
    port = load_port(repo / "berths.yaml")
    tide = port.tide
    amp = {c.name: c.amplitude_m for c in tide.constituents}
    assert (amp["K1"] + amp["O1"]) / amp["M2"] > 4.0  # 正规全日潮 criterion
    m = TideModel(tide, 365 * 24.0)
    t = np.arange(0.0, 365 * 24.0, 0.1)
    h = m.level(t)
    day = 24.84
    ranges = [np.ptp(h[(t >= k * day) & (t < (k + 1) * day)]) for k in range(int(8760 / day))]
    assert np.mean(ranges) == pytest.approx(2.55, abs=0.1)
    assert 4.5 <= max(ranges) <= 5.5
    assert -0.05 <= h.min() <= 0.3
    # one high water a day, most days
    highs = np.sum((h[1:-1] > h[:-2]) & (h[1:-1] >= h[2:]))
    assert 365 <= highs <= 440


def test_example_csv_agrees_with_the_harmonic_tide(repo):
    port = load_port(repo / "berths.yaml")
    csv = Tide(series=str(repo / "data/tide-example.csv"), source="assumption")
    a, b = TideModel(port.tide, 9000.0), TideModel(csv, 9000.0)
    t = np.linspace(0, 9000, 5001)
    assert np.abs(a.level(t) - b.level(t)).max() < 0.05  # hourly rows, linear in between
    wa = a.entry_windows([(3.0, 0.5, 1.8)])
    wb = b.entry_windows([(3.0, 0.5, 1.8)])
    starts_a = [x for x in wa.starts if 0 < x < 9000]
    starts_b = [x for x in wb.starts if 0 < x < 9000]
    assert abs(len(starts_a) - len(starts_b)) <= 2
    assert abs(wa.total_h(0, 9000) - wb.total_h(0, 9000)) < 0.01 * 9000
