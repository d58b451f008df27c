"""Bad landside input: a clear message naming the file and the path, exit 2, nothing
written (``portsim run``)."""

from __future__ import annotations

import copy
import math

import pytest

from portsim.cli import main
from tests.conftest import write_yaml
from tests.test_yard import landside_port

SCENARIO = {
    "name": "bad-landside",
    "port": "port.yaml",
    "demand": [{"id": "box", "cargo": "container", "annual_volume": 100_000,
                "classes": [{"ship_class": "S", "share": 1,
                             "per_call": {"dist": "fixed", "mean": 1000}}]}],
    "landside": {"modal_split": {"T": {"truck": 0.8, "rail": 0.1, "transshipment": 0.1}},
                 "sea_rail": {"trains_per_year": 1000, "teu_per_train": 50}},
    "run": {"horizon_days": 20, "warmup_days": 0, "replications": 1},
}


def _files(tmp_path, scenario=None, port=None):
    write_yaml(tmp_path / "port.yaml", port or landside_port())
    return write_yaml(tmp_path / "scenario.yaml", scenario or SCENARIO)


def _bad(tmp_path, capsys, scenario=None, port=None) -> str:
    out = tmp_path / "out"
    code = main(["run", str(_files(tmp_path, scenario, port)), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert not out.exists(), "nothing may be written for bad input"
    return err


def _with(**landside):
    sc = copy.deepcopy(SCENARIO)
    sc["landside"].update(landside)
    return sc


def test_good_landside_input_runs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(_files(tmp_path)), "-o", str(out), "-q"]) == 0
    for name in ("yard.csv", "rail.csv", "gate.csv", "yard_occupancy.png", "rail_tracks.png"):
        assert (out / name).exists(), name


def test_negative_dwell(tmp_path, capsys):
    err = _bad(tmp_path, capsys, _with(dwell={"import": {"mean_days": -2}}))
    assert "scenario.yaml: landside.dwell.import.mean_days" in err
    assert "greater than 0" in err and "-2" in err


def test_modal_split_not_summing_to_one(tmp_path, capsys):
    err = _bad(tmp_path, capsys, _with(modal_split={"T": {"truck": 0.8, "rail": 0.3}}))
    assert "scenario.yaml: landside.modal_split.T" in err
    assert "modal split must sum to 1: truck 0.8 + rail 0.3 + transshipment 0 = 1.1" in err


def test_train_longer_than_every_track(tmp_path, capsys):
    port = landside_port(track_m=600)
    err = _bad(tmp_path, capsys, _with(sea_rail={"trains_per_year": 1000, "teu_per_train": 50,
                                                 "wagons_per_train": 50}), port=port)
    assert "scenario.yaml: landside.sea_rail.wagons_per_train" in err
    assert "50 wagons x 14 m + 22 m locomotive = 722 m is longer than every loading track" in err
    assert "longest: 600 m at rail terminal 'R'" in err and "port.yaml" in err


@pytest.mark.parametrize("change, where, says", [
    ({"sea_rail": {"scope": "corridor", "trains_per_year": 14000}}, "landside.sea_rail",
     "give port_share"),
    ({"sea_rail": {"trains_per_year": 0}}, "landside.sea_rail.trains_per_year",
     "no trains run"),
    ({"sea_rail": {"trains_per_year": 0, "trains": "demand"}},
     "landside.sea_rail.trains_per_year", "no rail terminal has slots_per_day"),
    ({"sea_rail": {"trains_per_year": 0, "trains": "timetbale"}}, "landside.sea_rail.trains",
     "'timetable' or 'demand'"),
    ({"modal_split": {"NOPE": {"truck": 1}}}, "landside.modal_split.NOPE",
     "unknown terminal 'NOPE'"),
    ({"dwell": {"rail": {"mean_days": 3, "cv": 0.5, "dwel": 1}}}, "landside.dwell.rail.dwel",
     "unknown key 'dwel'"),
    ({"yard": {"slow_at": 1.5}}, "landside.yard.slow_at", "less than or equal to 1"),
    ({"sea_rail": {"trains_per_year": 1000, "teu_per_train": 150}}, "landside.sea_rail",
     "exceeds the train's 50 wagons x 2 TEU"),
    ({"changes": {"Y": {"ground_slots": -5}}}, "landside.changes.Y.ground_slots",
     "greater than 0"),
    ({"yard": {"discharge_share": 0.5, "source": "nowhere-2099"}}, "landside.yard.source",
     "source 'nowhere-2099'"),
])
def test_other_landside_mistakes(tmp_path, capsys, change, where, says):
    err = _bad(tmp_path, capsys, _with(**change))
    assert f"scenario.yaml: {where}" in err and says in err


def test_port_file_mistakes_name_the_record(tmp_path, capsys):
    port = landside_port()
    port["yards"][0]["terminal"] = "TX"
    port["yards"][0]["rail_terminal"] = "RX"
    port["gates"][0]["terminals"] = ["T", "Q"]
    port["rail_terminals"][0]["tracks"] = 0
    err = _bad(tmp_path, capsys, port=port)
    assert "port.yaml: rail_terminals[0].tracks (id R)" in err
    port["rail_terminals"][0]["tracks"] = 2
    err = _bad(tmp_path, capsys, port=port)
    assert "port.yaml: yards[0].terminal: unknown terminal 'TX'" in err
    assert "port.yaml: yards[0].rail_terminal: unknown rail terminal 'RX'" in err
    assert "port.yaml: gates[0].terminals[1]: unknown terminal 'Q'" in err


def test_trains_from_demand_run_end_to_end(tmp_path, capsys):
    """``trains: demand`` with the rail terminal's slots and no annual target runs through
    ``portsim run`` and writes the rail outputs; so does a rail share of 0 (no train)."""
    port = landside_port()
    port["rail_terminals"][0]["slots_per_day"] = 6
    for name, split in (("rail", {"truck": 0.8, "rail": 0.1, "transshipment": 0.1}),
                        ("no-rail", {"truck": 0.9, "transshipment": 0.1})):
        sc = _with(sea_rail={"trains_per_year": 0, "teu_per_train": 50, "trains": "demand"},
                   modal_split={"T": split})
        out = tmp_path / name / "out"
        (tmp_path / name).mkdir()
        code = main(["run", str(_files(tmp_path / name, sc, port)), "-o", str(out), "-q"])
        assert code == 0, capsys.readouterr().err
        assert (out / "rail.csv").exists() and (out / "yard.csv").exists()



def test_design_code_sizing_is_a_check_beside_the_port_file(repo):
    """The landside is not sized from the berths' declared capacity any more; the design
    code's sizing is shown beside it (portsim preview). By hand, plan-2025: Y-BBICT's
    berths declare 3.2 M TEU -> JTJ 211 N_s = 3,200,000 x 4.5 x 1.25 / (360 x 4 x 0.65)
    = 19,230.8 ground slots (the old input), against 17,750 in the port file (1,420 m of
    quay x 500 m2 / 40 m2); the rail terminals' 900,000 TEU / 50 / 365 / 4 = 12.33 tracks,
    x 0.27 at RT-PORT = 3.33; G-MP: 1.1 M TEU x ((1 - 0.1) x 0.82 + 0.1) / 1.75 trucks/TEU
    / 8760 x (6.5 / (98.5 / 24)) / (0.7 x 60 / 2.5) = 5.7 -> 6 lanes."""
    from portsim.config import load_scenario
    from portsim.landside_sizing import design_code_sizing, sizing_lines

    sc = load_scenario(repo / "scenarios" / "plan-2025.yaml")
    t = design_code_sizing(sc).set_index("id")
    assert t.loc["Y-BBICT", "design_code"] == pytest.approx(
        3_200_000 * 4.5 * 1.25 / (360 * 4 * 0.65))
    assert t.loc["Y-BBICT", "port_file"] == 17_750 == 1420 * 500 // 40
    assert t.loc["RT-PORT", "design_code"] == pytest.approx(900_000 / 50 / 365 / 4 * 0.27)
    visits = ((1 - 0.1) * 0.82 + 0.1) / 1.75
    assert t.loc["G-MP", "design_code"] == math.ceil(
        1_100_000 * visits / 8760 * 6.5 / (98.5 / 24) / (0.7 * 60 / 2.5)) == 6
    assert "Landside sizing check" in sizing_lines(sc)[0]
    # and no landside figure of the shipped port file is derived from the declared capacity
    for rec in [*sc.port.yards, *sc.port.gates, *sc.port.rail_terminals]:
        for f in ("ground_slots", "lanes", "tracks", "share"):
            if hasattr(rec, f):
                assert "design capacity" not in rec.source_of(f), (rec.id, f)


def test_the_sea_rail_target_is_read_against_its_scopes_public_figure():
    """Scope is a stated parameter with the facts file's figures: a port-side target of
    14,000 trains is 14,000 / (24 x 365) = 1.60 x the ~24 trains a day of 钦州港东站 and
    more than the whole corridor's >10,000 trains of 2025 (facts §5.3), which the check
    says; a corridor-scope target of 4,607 trains is 0.46 x the corridor's 10,000."""
    from portsim.config.landside import SeaRail, scope_check

    port_side = scope_check(SeaRail(trains_per_year=14_000, target_teu=700_000))
    assert "target 14,000 trains = 1.60 x that" in port_side
    assert "check the scope" in port_side and "gmw-2025-02" in port_side
    corridor = scope_check(SeaRail(scope="corridor", port_share=0.4, trains_per_year=4607,
                                   target_teu=650_000))
    assert "target 4,607 trains = 0.46 x that" in corridor
    assert "target 650,000 TEU = 0.50 x that" in corridor
    assert "check the scope" not in corridor
