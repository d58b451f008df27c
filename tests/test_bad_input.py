"""A user's mistake gets a clear message naming file and path, exit 2, no traceback,
and nothing written."""

from __future__ import annotations

import copy

import pytest

from portsim.cli import main
from tests.conftest import berth, port_dict, write_yaml

SCENARIO = {
    "name": "bad-input",
    "port": "port.yaml",
    "demand": [{"id": "box", "cargo": "container", "annual_volume": 100_000,
                "classes": [{"ship_class": "S", "share": 1,
                             "per_call": {"dist": "fixed", "mean": 1000}}]}],
    "run": {"horizon_days": 20, "warmup_days": 0, "replications": 1},
}


def _files(tmp_path, scenario=None, port=None):
    write_yaml(tmp_path / "port.yaml", port or port_dict([berth("B1"), berth("B2")]))
    return write_yaml(tmp_path / "scenario.yaml", scenario or SCENARIO)


def _run(tmp_path, capsys, scenario_path):
    out = tmp_path / "out"
    code = main(["run", str(scenario_path), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert not out.exists(), "nothing may be written for bad input"
    return err


def test_good_input_runs_and_writes(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(_files(tmp_path)), "-o", str(out), "-q"]) == 0
    assert (out / "verdict.txt").read_text().count("ANSWER") == 1
    assert sum(line.startswith("ANSWER: ") for line in capsys.readouterr().out.splitlines()) == 1


def test_malformed_yaml(tmp_path, capsys):
    path = _files(tmp_path)
    path.write_text("name: x\ndemand: [unclosed\n", encoding="utf-8")
    err = _run(tmp_path, capsys, path)
    assert "scenario.yaml" in err and "malformed YAML" in err and "line" in err


def test_duplicate_key(tmp_path, capsys):
    path = _files(tmp_path)
    path.write_text(path.read_text() + "name: again\n", encoding="utf-8")
    err = _run(tmp_path, capsys, path)
    assert "key 'name' appears twice" in err


def test_unknown_key_suggests_the_right_one(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["run"]["horizon_dyas"] = 10
    err = _run(tmp_path, capsys, _files(tmp_path, sc))
    assert "scenario.yaml: run.horizon_dyas" in err
    assert "did you mean 'horizon_days'" in err


@pytest.mark.parametrize("value, expect", [(-250, "greater than 0"), (None, "missing")])
def test_negative_or_missing_quay_length_names_the_berth(tmp_path, capsys, value, expect):
    b2 = berth("B2")
    if value is None:
        del b2["quay_length_m"]
    else:
        b2["quay_length_m"] = value
    err = _run(tmp_path, capsys, _files(tmp_path, port=port_dict([berth("B1"), b2])))
    assert "port.yaml: berths[1].quay_length_m (id B2)" in err
    assert expect in err


def test_ship_class_no_berth_can_serve(tmp_path, capsys):
    shallow = port_dict([berth("B1", depth=10.0), berth("B2", depth=11.0)])
    err = _run(tmp_path, capsys, _files(tmp_path, port=shallow))
    assert "scenario.yaml: demand[0].classes[0].ship_class" in err
    assert "no berth in service can serve ship class 'S'" in err
    assert "deepest B2 11 m" in err


def test_override_naming_a_missing_berth(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["overrides"] = {"remove": ["B3"], "change": {"B9": {"depth_m": 16}}}
    err = _run(tmp_path, capsys, _files(tmp_path, sc))
    assert "overrides.remove[0]: unknown berth 'B3'" in err
    assert "overrides.change.B9: unknown berth 'B9'" in err


def test_override_with_a_bad_value_points_at_the_scenario(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["overrides"] = {"change": {"B1": {"depth_m": -3}},
                       "add": [berth("B5", terminal="NOPE")]}
    err = _run(tmp_path, capsys, _files(tmp_path, sc))
    assert "scenario.yaml: overrides.change.B1.depth_m" in err
    assert "scenario.yaml: overrides.add[0].terminal: unknown terminal 'NOPE'" in err


def test_override_adding_a_berth_that_exists(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["overrides"] = {"remove": ["B2"], "add": [berth("B1"), berth("B2")]}
    err = _run(tmp_path, capsys, _files(tmp_path, sc))
    assert ("scenario.yaml: overrides.add[0].id: berth 'B1' already exists; "
            "use overrides.change") in err
    assert "overrides.add[1]" not in err  # removed first, so B2 may come back


def test_missing_port_file(tmp_path, capsys):
    sc = copy.deepcopy(SCENARIO)
    sc["port"] = "nowhere.yaml"
    err = _run(tmp_path, capsys, _files(tmp_path, sc))
    assert "port file 'nowhere.yaml' not found" in err


def test_unknown_reference_in_port_file(tmp_path, capsys):
    port = port_dict([berth("B1"), berth("B2", terminal="T")])
    port["terminals"][0]["area"] = "Z"
    err = _run(tmp_path, capsys, _files(tmp_path, port=port))
    assert "port.yaml: terminals[0].area: unknown area 'Z'" in err


def test_container_berth_without_cranes(tmp_path, capsys):
    err = _run(tmp_path, capsys, _files(tmp_path, port=port_dict([berth("B1", cranes=0)])))
    assert "berths[0] (id B1)" in err and "cranes >= 1" in err


def test_existing_output_is_untouched_on_bad_input(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old result")
    path = _files(tmp_path, port=port_dict([berth("B1", depth=5)]))
    assert main(["run", str(path), "-o", str(out), "-q"]) == 2
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_info_reports_bad_port_file(tmp_path, capsys):
    port = port_dict([berth("B1")])
    port["berths"][0]["depht_m"] = 3
    path = write_yaml(tmp_path / "port.yaml", port)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'depht_m'; did you mean 'depth_m'?" in err
