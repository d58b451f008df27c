"""``portsim compare``: common random numbers and paired confidence intervals."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from portsim.cli import main
from portsim.compare import compare, paired
from portsim.config import load_scenario
from tests.conftest import berth, container_class, port_dict, write_yaml

DIURNAL = {"mean_level_m": 2.0, "source": "assumption: test",
           "constituents": [{"name": "K1", "amplitude_m": 1.0}]}


def _files(tmp_path):
    classes = [container_class("S", dwt=50_000),
               container_class("BIG", loa=300, draught=15.0, dwt=150_000)]
    port = port_dict([berth(f"B{k}", length=350, cranes=2, depth=20, max_dwt=200_000)
                      for k in range(3)], classes)
    port["anchorages"] = [{"id": "ANC", "name": "anchorage", "source": "assumption"}]
    port["channel_segments"] = [
        {"id": "EC", "name": "east", "length_km": 23.3, "speed_kn": 10, "bottom_depth_m": 13.0,
         "two_way_max_dwt": 100_000, "headway_h": 0.25, "source": "assumption"}]
    port["routes"] = [{"id": "east", "area": "A", "anchorage": "ANC", "segments": ["EC"]}]
    port["tide"] = DIURNAL
    port["pilots"] = {"count": 2, "boarding_h": 0.5, "source": "assumption"}
    port["weather"] = {"events": [{"kind": "fog", "per_year": 10, "duration_h": [2, 4],
                                   "source": "assumption"}]}
    write_yaml(tmp_path / "port.yaml", port)
    base = {
        "name": "as-is", "port": "port.yaml",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 1_200_000,
                    "classes": [{"ship_class": "S", "share": 3,
                                 "per_call": {"dist": "gamma", "mean": 1500, "cv": 0.4}},
                                {"ship_class": "BIG", "share": 1,
                                 "per_call": {"dist": "gamma", "mean": 4000, "cv": 0.3}}],
                    "normalise": True}],  # shares written as 3:1 weights
        "rules": {"channel_ukc_m": 0.5},
        "run": {"horizon_days": 90, "warmup_days": 10, "replications": 3, "seed": 7},
    }
    two_way = copy.deepcopy(base)
    two_way["name"] = "two-way"
    two_way["overrides"] = {"channel": {"segments": {"change": {
        "EC": {"two_way_max_dwt": {"value": 200_000, "source": "assumption: widened"}}}}}}
    deep = copy.deepcopy(base)
    deep["name"] = "deepened"
    deep["overrides"] = {"channel": {"segments": {"change": {"EC": {"bottom_depth_m": 16.0}}}}}
    a = write_yaml(tmp_path / "a.yaml", base)
    b = write_yaml(tmp_path / "b.yaml", two_way)
    c = write_yaml(tmp_path / "c.yaml", deep)
    return a, b, c


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(tmp_path, capsys):
    a, _, _ = _files(tmp_path)
    out = tmp_path / "out"
    assert main(["compare", str(a), str(a), "-o", str(out), "-q", "-w", "1"]) == 0
    table = pd.read_csv(out / "compare.csv")
    other = table[table["scenario"] == "as-is#2"]
    assert len(other) > 20
    assert (other["diff"].dropna() == 0.0).all()
    assert (other["ci95"].dropna() == 0.0).all()
    assert not other["significant"].any()
    assert (out / "compare.png").stat().st_size > 0
    assert "no scenario lowers" in capsys.readouterr().out


def test_common_random_numbers_same_ships_same_weather(tmp_path):
    a, b, c = _files(tmp_path)
    res = compare([load_scenario(a), load_scenario(b), load_scenario(c)])
    assert res.same_ships == [True, True, True]
    for k in (1, 2):
        for ra, rb in zip(res.runs[0].runs, res.runs[k].runs, strict=True):
            pd.testing.assert_frame_equal(ra.tables["weather"], rb.tables["weather"])
            np.testing.assert_array_equal(ra.calls["teu"], rb.calls["teu"])
    t = res.table.set_index(["scenario", "kpi"])
    # widening removes one-way conflicts; deepening removes tide waits, exactly
    assert t.loc[("two-way", "mean_wait_channel_h"), "value"] == 0.0
    assert t.loc[("two-way", "mean_wait_channel_h"), "diff"] < 0
    assert t.loc[("deepened", "mean_wait_tide_h"), "value"] == 0.0
    assert t.loc[("deepened", "tide_bound_calls_share"), "value"] == 0.0
    assert t.loc[("deepened", "mean_wait_tide_h"), "diff"] < 0
    assert "cuts mean_wait_total_h most" in res.answer()


def test_paired_interval_is_the_t_interval_of_the_differences():
    kpis = pd.DataFrame({"scenario": ["A"] * 3 + ["B"] * 3, "replication": [0, 1, 2] * 2,
                         "x": [10.0, 12.0, 14.0, 9.0, 10.0, 13.0]})
    t = paired(kpis, ["A", "B"]).set_index("scenario")
    d = np.array([-1.0, -2.0, -1.0])
    half = 4.302652729911275 * d.std(ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert t.loc["B", "diff"] == pytest.approx(d.mean())
    assert t.loc["B", "ci95"] == pytest.approx(half)
    assert t.loc["A", "diff"] == 0.0 and t.loc["A", "ci95"] == 0.0


def test_compare_bad_input_exits_2(tmp_path, capsys):
    a, _, _ = _files(tmp_path)
    bad = tmp_path / "bad.yaml"
    data = __import__("yaml").safe_load(a.read_text())
    data["overrides"] = {"channel": {"routes": {"add": [
        {"area": "A", "anchorage": "ANC", "segments": ["WEST"]}]}}}
    write_yaml(bad, data)
    assert main(["compare", str(a), str(bad), "-q", "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml: overrides.channel.routes.add[0].segments[0]" in err
    assert "missing channel segment 'WEST'" in err
    assert not (tmp_path / "o").exists()
