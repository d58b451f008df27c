"""Robustness: assumption sets (overlay semantics, shipped sets), common random numbers,
the paired table and the sentence, the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portsim.cli import main
from portsim.config.load import load_scenario
from portsim.demand import plan_calls
from portsim.errors import InputError
from portsim.robustness import (
    assumption_sets,
    robustness,
    robustness_sentence,
    robustness_table,
    with_assumptions,
)
from tests.conftest import REPO, berth, container_class, port_dict, write_yaml


def _port_with_sets(tmp_path, sets: dict[str, dict], cranes: int = 3):
    """Three container berths of ``cranes`` cranes, two ship classes worked by 2 and 1
    cranes; a container flow; the given assumption sets in assumptions/."""
    port = port_dict([berth(f"B{i}", cranes=cranes) for i in range(3)],
                     classes=[container_class("S"), container_class("L", loa=220.0)])
    write_yaml(tmp_path / "port.yaml", port)
    mix = [{"ship_class": cls, "share": share,
            "per_call": {"dist": "gamma", "mean": teu, "cv": 0.4}}
           for cls, share, teu in (("S", 0.7, 800), ("L", 0.3, 1500))]
    flow = {"id": "box", "cargo": "container", "annual_volume": 450_000, "classes": mix}
    run = {"horizon_days": 200, "warmup_days": 10, "replications": 4, "seed": 3}
    scenario = {"name": "small", "port": "port.yaml", "demand": [flow],
                "rules": {"cranes_per_ship": {"S": 2, "L": 1}}, "run": run}
    f = write_yaml(tmp_path / "small.yaml", scenario)
    (tmp_path / "assumptions").mkdir()
    for name, body in sets.items():
        write_yaml(tmp_path / "assumptions" / f"{name}.yaml",
                   {"name": name, "changes": f"test {name}", "basis": "test", **body})
    return f


SETS = {
    "one-berth-out": {"overlay": {"overrides": {"remove": ["B2"]}}},
    "all-large": {"overlay": {"demand": {"box": {"classes": [
        {"ship_class": "L", "share": 1, "per_call": {"dist": "gamma", "mean": 1500,
                                                     "cv": 0.3}}]}}}},
    "cranes-down": {"cranes_per_ship_change": -1},
    "cranes-up": {"cranes_per_ship_change": 1},
    "same": {"overlay": {"rules": {"cranes_per_ship": {"S": 2}}}},
}


def test_overlays_change_what_they_say_and_nothing_else(tmp_path):
    f = _port_with_sets(tmp_path, SETS)
    base = load_scenario(f)
    sets = {s.name: s for s in assumption_sets(f)}
    assert sorted(sets) == sorted(SETS)
    out = with_assumptions(f, sets["one-berth-out"])
    assert [b.id for b in out.port.berths] == ["B0", "B1"]
    assert out.name == "small+one-berth-out" and out.demand == base.demand
    large = with_assumptions(f, sets["all-large"])
    assert [c.ship_class for c in large.demand[0].classes] == ["L"]
    assert large.demand[0].annual_volume == base.demand[0].annual_volume
    down = with_assumptions(f, sets["cranes-down"])
    up = with_assumptions(f, sets["cranes-up"])
    assert (down.rules.cranes_for("S"), down.rules.cranes_for("L")) == (1, 1)  # at least 1
    assert (up.rules.cranes_for("S"), up.rules.cranes_for("L")) == (3, 2)
    assert with_assumptions(f, sets["same"]).rules == base.rules
    # a set that removes nothing keeps the scenario's own overrides (lists are appended)
    assert plan_calls(out, 0).arrival_h.tolist() == plan_calls(base, 0).arrival_h.tolist()


def test_bad_assumption_sets_name_the_file_and_the_key(tmp_path):
    f = _port_with_sets(tmp_path, {
        "no-flow": {"overlay": {"demand": {"coal": {"annual_volume": 1}}}},
        "no-berth": {"overlay": {"overrides": {"remove": ["B9"]}}}})
    sets = {s.name: s for s in assumption_sets(f)}
    with pytest.raises(InputError) as exc:
        with_assumptions(f, sets["no-flow"])
    assert exc.value.problems[0].file.endswith("no-flow.yaml")
    assert "overlay.demand.coal" in exc.value.problems[0].path
    with pytest.raises(InputError) as exc:
        with_assumptions(f, sets["no-berth"])
    assert any(p.file.endswith("no-berth.yaml") for p in exc.value.problems)
    write_yaml(tmp_path / "assumptions" / "typo.yaml", {"name": "typo", "changes": "x",
                                                        "basis": "y", "overlays": {}})
    with pytest.raises(InputError, match="overlays"):
        assumption_sets(f)
    with pytest.raises(InputError, match="no assumption set 'nope'"):
        assumption_sets(f, ["nope"])


def test_robustness_runs_on_common_random_numbers(tmp_path):
    """Same seeds: a set that changes nothing gives exactly zero differences; a set that
    only changes cranes keeps every ship; one crane fewer per call lengthens service
    and so the waits (paired, significant); a crane more is capped by the berths'
    3 cranes for S (2 → 3) but not L (1 → 2): waits fall."""
    f = _port_with_sets(tmp_path, SETS)
    res = robustness(f, ["same", "cranes-down", "cranes-up"])
    comp = res.comparison
    assert comp.same_ships == [True, True, True, True]
    table = robustness_table(res)
    assert list(table["set"]) == ["base", "same", "cranes-down", "cranes-up"]
    t = table.set_index("set")
    for k in ("teu_delivered", "container_waiting_factor", "container_mean_wait_h"):
        assert t.loc["same", f"{k}_diff"] == 0.0 and t.loc["same", f"{k}_ci95"] == 0.0
    assert t.loc["cranes-down", "container_mean_wait_h_diff"] > \
        t.loc["cranes-down", "container_mean_wait_h_ci95"] > 0
    assert t.loc["cranes-up", "container_mean_wait_h_diff"] < 0
    # the paired difference is the mean of the per-replication differences
    k = comp.kpis.set_index("replication")
    d = (k.loc[k["scenario"] == "small+cranes-down", "container_mean_wait_h"]
         - k.loc[k["scenario"] == "small", "container_mean_wait_h"])
    assert t.loc["cranes-down", "container_mean_wait_h_diff"] == pytest.approx(d.mean())
    assert t.loc["base", "holds"] and t.loc["same", "holds"]
    # service level: worse exactly where the waiting factor's paired CI is above zero
    assert not t.loc["cranes-down", "service_holds"] and t.loc["cranes-up", "service_holds"]
    assert "significantly worse under cranes-down" in robustness_sentence(res)


def test_sentence_counts_the_sets_under_which_the_answer_holds(tmp_path):
    """With a status of our own — "fine" while the mean wait is under the base's plus
    1 h — the set that removes a berth (a third of the quay) flips it, the unchanged
    set cannot."""
    f = _port_with_sets(tmp_path, SETS)
    base_wait = {}

    def status(reps) -> str:
        wait = float(np.mean([r.port["container_mean_wait_h"] for r in reps.runs]))
        base_wait.setdefault("h", wait)  # the base is judged first
        return "fine" if wait <= base_wait["h"] + 1.0 else "congested"

    res = robustness(f, ["same", "one-berth-out"], replications=3, status=status)
    assert res.statuses == ["fine", "fine", "congested"]
    sentence = robustness_sentence(res)
    assert sentence.startswith("the answer (fine) holds under 1 of 2 assumption sets; "
                               "one-berth-out flips it (to congested); ")
    assert "significantly worse under one-berth-out (+" in sentence
    assert "same" not in sentence.split("flips it")[1]


def test_shipped_assumption_sets_apply_to_plan_2025():
    scenario = REPO / "scenarios" / "plan-2025.yaml"
    base = load_scenario(scenario)
    sets = {s.name: s for s in assumption_sets(scenario)}
    assert {"no-assumed-ulcv-berths", "mix-a9", "mix-domestic-heavy", "mix-mainline-heavy",
            "cranes-minus-one", "cranes-plus-one"} <= set(sets)
    for s in sets.values():
        assert s.changes and s.basis
        with_assumptions(scenario, s)  # valid
    no_ulcv = with_assumptions(scenario, sets["no-assumed-ulcv-berths"])
    assert {b.id for b in base.port.berths} - {b.id for b in no_ulcv.port.berths} == \
        {"DLS-1101", "DLS-1102"}
    # the A9 set is today's mix: the same ships exactly
    a9 = with_assumptions(scenario, sets["mix-a9"])
    np.testing.assert_array_equal(plan_calls(a9, 0).arrival_h, plan_calls(base, 0).arrival_h)

    def mainline_share(sc) -> float:
        box = next(f for f in sc.demand if f.id == "containers")
        return sum(c.share for c in box.classes if c.ship_class in ("C100k", "C150k", "C200k")
                   ) / sum(c.share for c in box.classes)

    assert mainline_share(with_assumptions(scenario, sets["mix-domestic-heavy"])) == \
        pytest.approx(0.04)
    assert mainline_share(base) == pytest.approx(0.08)
    assert mainline_share(with_assumptions(scenario, sets["mix-mainline-heavy"])) == \
        pytest.approx(0.15)


def test_cli_robustness(tmp_path, capsys):
    f = _port_with_sets(tmp_path, SETS)
    out = tmp_path / "rob"
    assert main(["robustness", str(f), "--sets", "same,cranes-down", "-n", "2", "-w", "1",
                 "-q", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ROBUSTNESS: the answer (" in text and "holds under" in text
    table = pd.read_csv(out / "robustness.csv")
    assert list(table["set"]) == ["base", "same", "cranes-down"]
    assert (table["replications"] == 2).all()
    bad = tmp_path / "bad"
    assert main(["robustness", str(f), "--sets", "nope", "-q", "-o", str(bad)]) == 2
    assert "no assumption set 'nope'" in capsys.readouterr().err and not bad.exists()
    run_out = tmp_path / "run"  # run --robustness: every set beside the scenario
    assert main(["run", str(f), "-n", "2", "-w", "1", "-q", "--robustness", "--report",
                 "-o", str(run_out)]) == 0
    assert "ROBUSTNESS: " in capsys.readouterr().out
    table = pd.read_csv(run_out / "robustness.csv")
    assert len(table) == len(SETS) + 1
    # the report's answer carries the sentence, and a section shows every set
    page = (run_out / "report.html").read_text(encoding="utf-8")
    held = int(table["holds"].iloc[1:].sum())
    assert f"holds under {held} of {len(SETS)} assumption sets" in page
    assert all(name in page for name in SETS)
