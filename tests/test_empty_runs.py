"""Scenarios without a component, and runs in which nothing happens, run end to end and
say so: a port without sea-rail (or without yards) through ``portsim run`` and the API,
a run in which no ship arrives, and one in which none finishes its work."""

from __future__ import annotations

import json

import pandas as pd

import portsim
from portsim.cli import main
from tests.conftest import REPO, berth, port_dict, write_yaml

NO_RAIL = {
    "extends": str(REPO / "scenarios" / "plan-2025.yaml"),
    "name": "plan-2025 without sea-rail",
    "landside": {
        "modal_split": {
            "default": {"truck": 0.9, "rail": 0.0, "transshipment": 0.1,
                        "source": "assumption: test, no rail"},
            "LG-MP": {"truck": 0.9, "rail": 0.0, "transshipment": 0.1,
                      "source": "assumption: test, no rail"}},
        "sea_rail": {"trains_per_year": 0, "target_teu": 0}},
    "run": {"horizon_days": 10, "warmup_days": 0, "replications": 1},
}


def test_a_port_without_sea_rail_runs_end_to_end(tmp_path, capsys):
    path = write_yaml(tmp_path / "no-rail.yaml", NO_RAIL)
    out = tmp_path / "out"
    assert main(["run", str(path), "-o", str(out), "-q", "-w", "1"]) == 0
    printed = capsys.readouterr().out
    files = {p.name for p in out.iterdir()}
    assert {"yard.csv", "gate.csv", "landside.csv", "verdict.txt"} <= files
    assert not {"rail.csv", "trains.parquet", "rail_tracks.png"} & files  # no rail: no rail file
    land = pd.read_csv(out / "landside.csv")
    assert set(land["component"]) == {"yard", "gate"}
    answer = printed.split("ANSWER: ")[1].replace(NO_RAIL["name"], "")
    assert "rail" not in answer and "train" not in answer
    # the API: the same scenario, the rail table empty, the verdict without rail
    reps = portsim.replicate(portsim.load_scenario(path))
    assert reps.table("rail").empty and reps.table("trains").empty
    assert not reps.table("yard").empty
    verdict = portsim.judge(reps)
    assert set(verdict.landside["component"]) == {"yard", "gate"}


def _tiny(tmp_path, volume: float, horizon_days: float) -> str:
    write_yaml(tmp_path / "port.yaml", port_dict([berth("B1"), berth("B2")]))
    return str(write_yaml(tmp_path / "scenario.yaml", {
        "name": "tiny", "port": "port.yaml",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": volume,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}]}],
        "run": {"horizon_days": horizon_days, "warmup_days": 0, "replications": 2}}))


def test_a_port_without_yards_runs_end_to_end(tmp_path, capsys):
    path = _tiny(tmp_path, 100_000, 20)
    out = tmp_path / "out"
    assert main(["run", path, "-o", str(out), "-q", "-w", "1"]) == 0
    files = {p.name for p in out.iterdir()}
    assert "landside.csv" not in files and "yard.csv" not in files
    reps = portsim.replicate(portsim.load_scenario(path))
    assert reps.table("yard").empty and portsim.judge(reps).landside is None


def test_a_run_in_which_no_ship_arrives_says_so(tmp_path, capsys):
    # 1 TEU a year in calls of 1000 TEU: one call in 1000 years, so none in 5 days
    # (P(an arrival) = 1 - exp(-5/365/1000) ~ 1.4e-5 per replication)
    path = _tiny(tmp_path, 1, 5)
    out = tmp_path / "out"
    assert main(["run", path, "-o", str(out), "-q", "-w", "1"]) == 0
    printed = capsys.readouterr().out
    assert "NO CALLS — no ship arrived in the 5 days measured" in printed
    assert "Traceback" not in printed
    terminals = pd.read_csv(out / "terminals.csv")
    assert terminals.empty and "occupancy" in terminals.columns  # the columns, no rows
    flows = pd.read_csv(out / "flows.csv")
    assert flows["delivered_per_year"].tolist() == [0.0] and flows["calls"].tolist() == [0]
    reps = portsim.replicate(portsim.load_scenario(path))
    verdict = portsim.judge(reps)
    assert verdict.status == "no calls" and verdict.bottleneck is None
    assert reps.port["calls_arrived"].tolist() == [0, 0]


def test_a_run_in_which_no_ship_finishes_says_so(tmp_path, capsys):
    # 50 M TEU/yr = 5.7 calls an hour, each 1000 TEU at 25 moves/h x 1 crane / 1.75 TEU
    # per move needs ~23 h alongside: in a 0.01-day (14.4 min) window some arrive, none
    # can finish
    path = _tiny(tmp_path, 50e6, 0.01)
    assert main(["run", path, "-o", str(tmp_path / "out"), "-q", "-w", "1"]) == 0
    printed = capsys.readouterr().out
    assert "NOTHING HANDLED" in printed and "none finished its cargo work" in printed
    verdict = portsim.judge(portsim.replicate(portsim.load_scenario(path)))
    assert verdict.status == "nothing handled"
    assert (verdict.flows["calls"] > 0).all() and (verdict.flows["delivered_per_year"] == 0).all()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["scenario"] == "tiny" and manifest["replications"] == 2
