"""Bad channel, tide and marine input: a clear message naming file and path, exit 2 —
never a ship that waits for ever."""

from __future__ import annotations

import copy

import pytest

from portsim.cli import main
from tests.conftest import berth, container_class, port_dict, write_yaml

DIURNAL = {"mean_level_m": 2.0, "source": "assumption: test",
           "constituents": [{"name": "K1", "amplitude_m": 1.0}]}


def _port(**extra):
    port = port_dict([berth("B1", cranes=2, depth=20, max_dwt=200_000)],
                     [container_class("BIG", draught=15.0, dwt=150_000)])
    port["anchorages"] = [{"id": "ANC", "name": "anchorage", "source": "assumption"}]
    port["channel_segments"] = [
        {"id": "OUT", "name": "outer", "length_km": 18.52, "speed_kn": 10,
         "bottom_depth_m": 13.0, "ends": ["ANC", "MID"], "source": "assumption"},
        {"id": "IN", "name": "inner", "length_km": 9.26, "speed_kn": 10,
         "bottom_depth_m": 14.0, "ends": ["MID", "A"], "source": "assumption"}]
    port["routes"] = [{"id": "main", "area": "A", "anchorage": "ANC", "segments": ["OUT", "IN"]}]
    port["tide"] = copy.deepcopy(DIURNAL)
    port.update(extra)
    return port


SCENARIO = {
    "name": "bad", "port": "port.yaml",
    "demand": [{"id": "box", "cargo": "container", "annual_volume": 200_000,
                "classes": [{"ship_class": "BIG", "share": 1,
                             "per_call": {"dist": "fixed", "mean": 2000}}]}],
    "rules": {"channel_ukc_m": 0.5},
    "run": {"horizon_days": 20, "warmup_days": 0, "replications": 1},
}


def _run(tmp_path, capsys, port, scenario=None):
    write_yaml(tmp_path / "port.yaml", port)
    sc = write_yaml(tmp_path / "scenario.yaml", scenario or SCENARIO)
    code = main(["run", str(sc), "-o", str(tmp_path / "out"), "-q", "-w", "1"])
    return code, capsys.readouterr().err


def test_good_channel_input_runs(tmp_path, capsys):
    code, err = _run(tmp_path, capsys, _port())
    assert code == 0, err


def test_route_through_a_missing_segment(tmp_path, capsys):
    port = _port()
    port["routes"][0]["segments"] = ["OUT", "INNER"]
    code, err = _run(tmp_path, capsys, port)
    assert code == 2
    assert "port.yaml: routes[0].segments[1]" in err and "'INNER'" in err
    assert "unknown channel segment 'INNER'; known: IN, OUT" in err
    assert not (tmp_path / "out").exists()


def test_route_whose_segments_do_not_connect(tmp_path, capsys):
    port = _port()
    port["channel_segments"][1]["ends"] = ["ELSEWHERE", "A"]
    code, err = _run(tmp_path, capsys, port)
    assert code == 2
    assert "port.yaml: routes[0].segments[1]" in err
    assert "starts at 'ELSEWHERE' but 'OUT' ends at 'MID'" in err


def test_a_ship_that_can_never_meet_a_window(tmp_path, capsys):
    # draught 15.0 + UKC 0.5 - bottom 13.0 = 2.5 m: fine; make the outer segment 11.0 m:
    # it needs 4.5 m of tide, but the tide never rises above 3.0 m
    port = _port()
    port["channel_segments"][0]["bottom_depth_m"] = 11.0
    code, err = _run(tmp_path, capsys, port)
    assert code == 2
    assert "scenario.yaml: demand[0].classes[0].ship_class" in err
    assert "ship class 'BIG' can never sail inbound to area 'A'" in err
    assert "route main" in err and "segment 'OUT'" in err and "needs 4.50 m" in err


def test_a_window_too_short_for_the_transit(tmp_path, capsys):
    # both segments need 2.99 m: the tide (2 + cos) stays above it for 2 x 0.54 h around
    # high water — too short for the 1.5-h transit
    port = _port()
    port["channel_segments"][0]["bottom_depth_m"] = 12.51
    port["channel_segments"][1]["bottom_depth_m"] = 12.51
    code, err = _run(tmp_path, capsys, port)
    assert code == 2
    assert "never high enough for long enough" in err


def test_tide_file_with_a_gap(tmp_path, capsys):
    (tmp_path / "tide.csv").write_text(
        "time_h,level_m\n" + "".join(f"{h},{2 + (h % 24) / 24:.2f}\n" for h in range(100))
        + "".join(f"{h},2.0\n" for h in range(106, 600)), encoding="utf-8")
    port = _port(tide={"series": "tide.csv", "source": "assumption"})
    code, err = _run(tmp_path, capsys, port)
    assert code == 2
    assert "tide.csv: line 102: gap of 7 h after 99 h" in err


def test_tide_file_in_wrong_units(tmp_path, capsys):
    (tmp_path / "tide.csv").write_text(
        "time_h,level_m\n" + "".join(f"{h},{200 + 100 * (h % 24) / 24:.0f}\n"
                                     for h in range(600)), encoding="utf-8")
    port = _port(tide={"series": "tide.csv", "source": "assumption"})
    code, err = _run(tmp_path, capsys, port)
    assert code == 2
    assert "tide.csv: column level_m" in err and "look like centimetres" in err


def test_tide_file_too_short_for_the_run(tmp_path, capsys):
    (tmp_path / "tide.csv").write_text(
        "time_h,level_m\n" + "".join(f"{h},{2 + (h % 24) / 24:.2f}\n" for h in range(200)),
        encoding="utf-8")
    port = _port(tide={"series": "tide.csv", "source": "assumption"})
    code, err = _run(tmp_path, capsys, port)
    assert code == 2
    assert "covers 0-199 h but the run needs 0-480 h" in err


def test_more_tugs_than_the_port_has(tmp_path, capsys):
    port = _port(tugs={"count": 2, "needed": [{"max_dwt": 1e6, "tugs": 4}],
                       "source": "assumption"})
    code, err = _run(tmp_path, capsys, port)
    assert code == 2
    assert "ship class 'BIG' needs 4 tugs but the port has 2" in err


@pytest.mark.parametrize("key, value, expect", [
    ("pilots", {"count": 0, "source": "assumption"}, "pilots.count"),
    ("weather", {"events": [{"kind": "fog", "per_year": 5, "duration_h": [4, 2],
                             "source": "assumption"}]}, "duration_h needs low <= high"),
    ("tide", {"mean_level_m": 2, "constituents": [{"name": "XX", "amplitude_m": 1}],
              "source": "assumption"}, "unknown constituent 'XX'"),
    ("tugs", {"count": 3, "needed": [{"max_dwt": 1e6, "tugs": 1}], "per_class": {"BIGG": 2},
              "source": "assumption"}, "tugs.per_class.BIGG: unknown ship class 'BIGG'"),
])
def test_bad_marine_blocks(tmp_path, capsys, key, value, expect):
    code, err = _run(tmp_path, capsys, _port(**{key: value}))
    assert code == 2
    assert expect in err


def test_scenario_override_of_a_missing_segment(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["overrides"] = {"channel": {"segments": {"change": {"OUTER": {"bottom_depth_m": 18}}}}}
    code, err = _run(tmp_path, capsys, _port(), sc)
    assert code == 2
    assert "scenario.yaml: overrides.channel.segments.change.OUTER" in err
    assert "did you mean 'OUT'" in err


def test_scenario_adds_a_segment_that_exists(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["overrides"] = {"channel": {"segments": {
        "add": [{"id": "OUT", "name": "again", "length_km": 1.0, "speed_kn": 10,
                 "ends": ["ANC", "MID"], "source": "assumption"}]}}}
    code, err = _run(tmp_path, capsys, _port(), sc)
    assert code == 2
    assert ("scenario.yaml: overrides.channel.segments.add[0].id: channel segment 'OUT' "
            "already exists; use overrides.channel.segments.change") in err
    assert not (tmp_path / "out").exists()


def test_scenario_removes_a_segment_a_route_needs(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["overrides"] = {"channel": {"segments": {"remove": ["IN"]}}}
    code, err = _run(tmp_path, capsys, _port(), sc)
    assert code == 2
    assert ("scenario.yaml: overrides.channel.segments: route 0 of the port file (A) goes "
            "through segment 'IN', which the scenario removes (segments[1] of that route)") in err


def test_berth_and_channel_override_problems_are_reported_together(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["overrides"] = {"change": {"B1": {"depth_m": -3}},
                       "channel": {"segments": {"change": {"OUTER": {"bottom_depth_m": 18}}}}}
    code, err = _run(tmp_path, capsys, _port(), sc)
    assert code == 2
    assert "scenario.yaml: overrides.change.B1.depth_m" in err
    assert "scenario.yaml: overrides.channel.segments.change.OUTER" in err
    assert not (tmp_path / "out").exists()


def test_scenario_extends_another(tmp_path, capsys):
    write_yaml(tmp_path / "port.yaml", _port())
    sub = tmp_path / "sub"
    sub.mkdir()
    write_yaml(tmp_path / "base.yaml", SCENARIO)
    child = write_yaml(sub / "child.yaml", {
        "extends": "../base.yaml", "name": "child",
        "overrides": {"channel": {"segments": {"change": {"OUT": {"bottom_depth_m": 16}}}}}})
    from portsim.config import load_scenario

    sc = load_scenario(child)
    assert sc.name == "child" and sc.run.horizon_days == 20
    assert {s.id: s.bottom_depth_m for s in sc.port.channel_segments}["OUT"] == 16
    loop = write_yaml(tmp_path / "loop.yaml", {"extends": "loop.yaml", "name": "x"})
    assert main(["run", str(loop), "-q"]) == 2
    assert "extends itself" in capsys.readouterr().err
