"""One limit record: the terminal rule, the table of records, and the ranking by stress
with paired confidence intervals."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from portsim.config.scenario import Thresholds
from portsim.limits import Limit, judge_terminal, limits_frame, rank_by_stress
from portsim.preview import preview
from portsim.simulate import replicate
from portsim.verdict import judge, terminal_stress_by_replication
from tests.conftest import berth, make_scenario, port_dict

BOX = Thresholds(occupancy_band=(0.5, 0.7), waiting_factor=0.1, source="test")


def test_terminal_rule_by_hand():
    over = judge_terminal("A", BOX, 0.77, 0.05)
    assert over.over and over.kpi == "berth_utilisation"
    assert over.stress == pytest.approx(0.77 / 0.7) and over.limit == 0.7
    assert over.reason == "berth utilisation above band"
    slow = judge_terminal("B", BOX, 0.6, 0.25, ci95={"waiting_factor": 0.03})
    assert slow.over and slow.kpi == "waiting_factor" and slow.stress == pytest.approx(2.5)
    assert slow.ci95 == 0.03 and slow.reason == "waiting factor above limit"
    both = judge_terminal("C", BOX, 0.8, 0.2)
    assert both.reason == "berth utilisation above band; waiting factor above limit"
    spare = judge_terminal("D", BOX, 0.3, 0.02)
    assert not spare.over and spare.reason == "below band (spare capacity)"
    assert spare.stress == pytest.approx(0.3 / 0.7)
    ok = judge_terminal("E", BOX, 0.6, 0.05)
    assert not ok.over and ok.reason == "ok"
    sat = judge_terminal("F", BOX, 0.3, 0.02, saturated="queue grows")
    assert sat.over and math.isinf(sat.stress) and sat.reason.startswith("queue grows")


def test_limits_frame_most_stressed_first():
    records = [judge_terminal("A", BOX, 0.6, 0.05), judge_terminal("B", BOX, 0.6, 0.25),
               Limit("gate", "G", "mean_wait_h", 0.2, 0.5, 0.4, False, "ok")]
    frame = limits_frame(records)
    assert frame["id"].tolist() == ["B", "A", "G"]
    assert frame["over"].tolist() == [True, False, False]
    assert list(frame.columns[:8]) == ["component", "id", "kpi", "value", "limit", "stress",
                                       "over", "reason"]


def two_terminals(tmp_path, load_a: float, load_b: float, reps: int = 8):
    """Two terminals of one berth each, Poisson calls of 24 h fixed service, a flow to each
    at berth utilisation ``load_a`` and ``load_b``."""
    port = port_dict([berth("A1", terminal="TA", rate=1000 / 24),
                      berth("B1", terminal="TB", rate=1000 / 24)])

    def flow(name, term, load):
        return {"id": name, "cargo": "container", "annual_volume": load / 24 * 8760e3,
                "terminals": [term], "classes": [{"ship_class": "S", "share": 1,
                                                  "per_call": {"dist": "fixed",
                                                               "mean": 1000}}]}
    return make_scenario(tmp_path, port, {
        "name": "two terminals",
        "demand": [flow("a", "TA", load_a), flow("b", "TB", load_b)],
        "rules": {"handling_cv": 0.0, "berthing_h": 0, "unberthing_h": 0,
                  "crane_efficiency": 1.0, "teu_factor": 1.0},
        "run": {"horizon_days": 365, "warmup_days": 30, "replications": reps, "seed": 3}})


def test_clearly_different_loads_name_one_first(tmp_path):
    v = judge(replicate(two_terminals(tmp_path, 0.8, 0.3)))
    assert v.ranking.first == "TA" and v.ranking.group == ["TA"]
    assert v.ranking.difference - v.ranking.ci95 > 0
    assert "first to saturate: TA (stress" in v.answer


def test_identical_terminals_are_a_group(tmp_path):
    # same load, different random calls: the paired CI of the difference covers 0 (a
    # 95 % CI: this fixed seed is one of the 95 %)
    v = judge(replicate(two_terminals(tmp_path, 0.6, 0.6)))
    assert v.ranking.first is None and sorted(v.ranking.group) == ["TA", "TB"]
    assert "cannot be told apart" in v.answer
    assert v.bottleneck in ("TA", "TB")


def test_paired_difference_by_hand():
    # B is exactly 0.1 above A in every replication, though both vary a lot: paired, the
    # difference is 0.1 with no spread; unpaired they could not be told apart.
    a = [0.5, 1.5, 0.8, 1.2]
    table = pd.DataFrame({"replication": [0, 1, 2, 3] * 2, "id": ["A"] * 4 + ["B"] * 4,
                          "stress": a + [x + 0.1 for x in a]})
    r = rank_by_stress(table)
    assert r.first == "B" and r.order == ["B", "A"]
    assert r.difference == pytest.approx(0.1) and r.ci95 == pytest.approx(0.0, abs=1e-12)
    # with one replication there is no CI: nothing is named first
    one = rank_by_stress(table[table["replication"] == 0])
    assert one.first is None and one.group == ["B"] and "one replication" in one.sentence()


def test_preview_and_simulation_judge_by_the_same_rule(tmp_path):
    sc = two_terminals(tmp_path, 0.8, 0.3, reps=2)
    pv = preview(sc)
    for rec, (_, row) in zip(pv.limits, pv.terminals.set_index("terminal", drop=False)
                             .loc[[r.id for r in pv.limits]].iterrows(), strict=True):
        again = judge_terminal(rec.id, sc.rules.threshold("container"),
                               row["berth_utilisation"], row["waiting_factor"])
        assert (rec.over, rec.stress, rec.reason) == (again.over, again.stress, again.reason)
        assert row["over"] == rec.over and row["judgement"] == rec.reason
    v = judge(replicate(sc))
    per_rep = terminal_stress_by_replication(replicate(sc))
    assert set(per_rep["id"]) == {"TA", "TB"} and len(per_rep) == 4
    for rec in v.limits:
        row = v.terminals.set_index("terminal").loc[rec.id]
        assert row["over"] == rec.over and row["stress"] == rec.stress
    # the preview's design-code utilisation of a berth of its own is lambda x S
    assert pv.terminals.set_index("terminal").loc["TA", "berth_utilisation"] == \
        pytest.approx(0.8)
