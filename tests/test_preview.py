"""The analytic preview: same call derivations as the model, exact queueing theory,
the JTS 165 formula, the CLI and its place in ``portsim run``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from portsim import theory
from portsim.cli import main
from portsim.config import load_scenario
from portsim.demand import plan_calls
from portsim.design_code import ContainerBerthInputs, bulk_berth_capacity, container_berth_capacity
from portsim.preview import (
    arrival_scv,
    blended_waiting_factor,
    expected_calls,
    preview,
    render_beside_simulation,
    render_preview,
)
from portsim.validation import identical_berths
from tests.conftest import berth, container_class, make_scenario, port_dict, write_yaml

BULK = {"id": "B", "cargo": "dry_bulk", "dwt": 70_000, "loa_m": 228.0, "beam_m": 32.3,
        "draught_m": 13.5, "source": "assumption: test"}


def _two_terminals(tmp_path, **rules):
    """Containers at two terminals (one also takes the big class), bulk at a third;
    a channel of 18.52 km at 10 kn (1 h) between anchorage and berths."""
    classes = [container_class("S"), container_class("L", loa=300, dwt=90_000), BULK]
    berths = [
        berth("A1", terminal="TA", design_capacity_teu=300_000, cranes=2, rate=30),
        berth("A2", terminal="TA", design_capacity_teu=300_000, cranes=2, rate=30),
        berth("B1", terminal="TB", length=400, design_capacity_teu=100_000, cranes=3,
              rate=25),
        {"id": "D1", "terminal": "TD", "cargo": ["dry_bulk"], "quay_length_m": 280,
         "depth_m": 15, "max_dwt": 100_000, "loading_rate_t_h": 1200,
         "source": "assumption: test"},
    ]
    port = port_dict(berths, classes)
    port["anchorages"] = [{"id": "AN", "name": "anchorage", "source": "assumption"}]
    port["channel_segments"] = [{"id": "S1", "name": "channel", "length_km": 18.52,
                                 "speed_kn": 10, "source": "assumption"}]
    port["routes"] = [{"area": "A", "anchorage": "AN", "segments": ["S1"]}]
    return make_scenario(tmp_path, port, {
        "name": "two terminals",
        "demand": [
            {"id": "box", "cargo": "container", "annual_volume": 600_000,
             "classes": [{"ship_class": "S", "share": 3,
                          "per_call": {"dist": "gamma", "mean": 800, "cv": 0.4}},
                         {"ship_class": "L", "share": 1,
                          "per_call": {"dist": "triangular", "low": 2000, "mode": 3000,
                                       "high": 4000}}],
             "normalise": True,  # shares written as 3:1 weights
             "arrivals": {"liner_share": 0.5, "schedule_deviation_h": 6}},
            {"id": "ore", "cargo": "dry_bulk", "annual_volume": 3_000_000,
             "classes": [{"ship_class": "B", "share": 1,
                          "per_call": {"dist": "fixed", "mean": 50_000}}]}],
        "rules": {"cranes_per_ship": {"S": 2, "L": 3}, "teu_factor": 1.6,
                  "crane_efficiency": 0.8, "berthing_h": 1.0, "unberthing_h": 0.5,
                  "working_hours_per_day": 22, **rules},
        "run": {"horizon_days": 3650, "warmup_days": 0, "replications": 1},
    })


def test_expected_calls_match_the_call_plan(tmp_path):
    """The preview's calls per year per class and terminal are what the model draws."""
    years = 50.0
    sc = _two_terminals(tmp_path).with_run(horizon_days=365 * years)
    calls = expected_calls(sc)
    plan = plan_calls(sc, 0)
    classes = [s.id for s in sc.port.ship_classes]
    terminals = [t.id for t in sc.port.terminals]
    for _, r in calls.iterrows():
        drawn = ((plan.ship_class == classes.index(r["ship_class"]))
                 & (plan.terminal == terminals.index(r["terminal"]))).sum() / years
        sigma = math.sqrt(r["calls_per_year"] * years) / years  # Poisson-like count
        assert abs(drawn - r["calls_per_year"]) <= 4 * sigma, r.to_dict()
    # S fits both container terminals, shared 600:100 by design capacity; L only TB
    s = calls.set_index(["ship_class", "terminal"])["calls_per_year"]
    calls_per_year = 600_000 / (0.75 * 800 + 0.25 * 3000)
    assert s["S", "TA"] == pytest.approx(calls_per_year * 0.75 * 6 / 7)
    assert s["L", "TB"] == pytest.approx(calls_per_year * 0.25)
    assert ("L", "TA") not in s.index
    assert s["B", "TD"] == pytest.approx(60.0)


def test_berth_time_by_hand(tmp_path):
    sc = _two_terminals(tmp_path)
    c = expected_calls(sc).set_index(["ship_class", "terminal"])
    stretch = 24 / 22
    # S at TA: 800 TEU / 1.6 = 500 moves at 2 cranes x 30 x 0.8 = 48 moves/h
    assert c.loc[("S", "TA"), "handling_h"] == pytest.approx(500 / 48 * stretch)
    # L at TB: 3000 TEU / 1.6 = 1875 moves at 3 x 25 x 0.8 = 60 moves/h
    assert c.loc[("L", "TB"), "handling_h"] == pytest.approx(1875 / 60 * stretch)
    # bulk: 50,000 t at 1,200 t/h
    b = c.loc[("B", "TD")]
    assert b["handling_h"] == pytest.approx(50_000 / 1200 * stretch)
    assert b["berth_h"] == pytest.approx(b["handling_h"] + 1.5)
    assert b["hold_h"] == pytest.approx(b["berth_h"] + 1.0)  # 1 h channel transit


def test_hold_time_second_moment(tmp_path):
    sc = _two_terminals(tmp_path, handling_cv=0.5)
    b = expected_calls(sc).set_index(["ship_class", "terminal"]).loc[("B", "TD")]
    h, fixed = b["handling_h"], b["hold_h"] - b["handling_h"]
    assert b["hold_sq"] == pytest.approx(fixed ** 2 + 2 * fixed * h + h * h * 1.25)


def test_occupancy_and_utilisation_by_hand(tmp_path):
    sc = _two_terminals(tmp_path)
    pv = preview(sc)
    calls = pv.calls
    t = pv.terminals.set_index("terminal")
    g = calls[calls["terminal"] == "TD"]
    lam = g["calls_per_year"].sum() / 8760
    assert t.loc["TD", "servers"] == 1
    assert t.loc["TD", "utilisation"] == pytest.approx(lam * g["hold_h"].iloc[0])
    # the berth is counted whole (280 m) while the ship is alongside (not while sailing in)
    assert t.loc["TD", "occupancy"] == pytest.approx(lam * g["berth_h"].iloc[0])
    g = calls[calls["terminal"] == "TA"]
    lam = g["calls_per_year"].to_numpy() / 8760
    assert t.loc["TA", "servers"] == 2
    assert t.loc["TA", "occupancy"] == pytest.approx(
        float((lam * g["berth_h"] * 250).sum()) / 500)


def test_design_code_capacity_single_cargo(tmp_path):
    sc = _two_terminals(tmp_path)
    pv = preview(sc, operating_days=350)
    t = pv.terminals.set_index("terminal")
    c = pv.calls.set_index(["ship_class", "terminal"])
    # rho on the port file's basis (berths.yaml: 0.65 container and dry bulk), not the
    # top of the planning band
    one = container_berth_capacity(ContainerBerthInputs(
        operating_days=350, utilisation=0.65, teu_per_call=800, hours_per_day=22,
        auxiliary_hours=2.5, crane_rate_boxes_per_h=30, cranes_per_ship=2, teu_factor=1.6,
        simultaneity=0.8, rehandle_share=0.0, twin_lift_factor=1.0))
    assert c.loc[("S", "TA"), "cranes"] == 2
    assert t.loc["TA", "teu_capacity_jts"] == pytest.approx(2 * one)
    bulk = bulk_berth_capacity(350, 0.65, 50_000, 1200, 22, 2.5)
    assert t.loc["TD", "tonnes_capacity_jts"] == pytest.approx(bulk)
    assert t.loc["TD", "demand_over_capacity"] == pytest.approx(3e6 / bulk)


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("c", [1, 3, 10, 20, 25, 30])
def test_identical_berths_preview_is_exact_theory(k, c):
    """Any number of berths (no table stopping at 10): the preview's waiting factor is
    the exact M/E2/c or E2/E2/c value of portsim.theory."""
    model = "M/E2/c" if k == 1 else "E2/E2/c"
    for rho in (0.5, 0.85):
        sc = identical_berths(model, c, rho, calls=1000, reps=1)
        t = preview(sc).terminals.iloc[0]
        assert t["servers"] == c
        assert t["utilisation"] == pytest.approx(rho)
        assert t["ca2"] == pytest.approx(1 / k)
        assert t["cs2"] == pytest.approx(0.5)
        assert t["waiting_factor"] == pytest.approx(theory.waiting_factor(model, rho, c),
                                                    rel=1e-9)
        assert t["wf_me2c"] == pytest.approx(theory.waiting_factor("M/E2/c", rho, c))
        assert t["wf_e2e2c"] == pytest.approx(theory.waiting_factor("E2/E2/c", rho, c))


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.9])
@pytest.mark.parametrize("cs2", [0.0, 0.5, 1.0, 2.0])
def test_blended_waiting_factor_is_pollaczek_khinchine_for_one_berth(rho, cs2):
    _, _, wf = blended_waiting_factor(rho, 1, 1.0, cs2)
    assert wf == pytest.approx(rho * (1 + cs2) / (2 * (1 - rho)), rel=1e-9)


def test_blended_waiting_factor_between_and_beyond_the_two_queues():
    wf_m, wf_e, mid = blended_waiting_factor(0.8, 6, 0.75)
    assert wf_e < mid < wf_m
    assert mid == pytest.approx((wf_m + wf_e) / 2)
    _, _, regular = blended_waiting_factor(0.8, 6, 0.25)
    assert regular == pytest.approx(wf_e * 0.75)
    assert blended_waiting_factor(1.0, 6, 1.0) == (math.inf, math.inf, math.inf)
    assert blended_waiting_factor(0.0, 6, 1.0) == (0.0, 0.0, 0.0)


def test_arrival_scv():
    assert arrival_scv(0.1, 0.0, 6.0, 1) == pytest.approx(1.0)
    assert arrival_scv(0.1, 0.0, 6.0, 4) == pytest.approx(0.25)
    assert arrival_scv(0.1, 1.0, 0.0, 1) == 0.0  # a strict timetable
    # spacing 10 h, deviation 3 h: 2 * 9 / 100
    assert arrival_scv(0.1, 1.0, 3.0, 1) == pytest.approx(0.18)
    assert arrival_scv(0.1, 0.5, 3.0, 1) == pytest.approx(0.5 * 2 * 9 / 400 + 0.5)


def test_saturated_terminal(tmp_path):
    port = port_dict([berth("B1", rate=10)])
    sc = make_scenario(tmp_path, port, {
        "name": "too much",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 3_000_000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}]}]})
    pv = preview(sc)
    t = pv.terminals.iloc[0]
    assert t["utilisation"] > 1 and math.isinf(t["waiting_factor"])
    assert "saturated" in t["judgement"]
    assert pv.verdict.startswith("PREVIEW too much: SATURATED")
    assert "PREVIEW" in render_preview(pv)


def test_cli_preview(tmp_path, capsys):
    sc = {"name": "cli", "port": "port.yaml",
          "demand": [{"id": "box", "cargo": "container", "annual_volume": 400_000,
                      "classes": [{"ship_class": "S", "share": 1,
                                   "per_call": {"dist": "fixed", "mean": 1000}}]}]}
    write_yaml(tmp_path / "port.yaml", port_dict([berth("B1"), berth("B2")]))
    path = write_yaml(tmp_path / "scenario.yaml", sc)
    csv = tmp_path / "preview.csv"
    assert main(["preview", str(path), "--calls", "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "WF E2/E2/c" in out and "JTS 165 capacity" in out and "Expected calls" in out
    assert any(line.startswith("PREVIEW cli: CONGESTED") for line in out.splitlines())
    written = pd.read_csv(csv)
    expected = preview(load_scenario(path)).terminals
    assert list(written["terminal"]) == list(expected["terminal"]) == ["T"]
    for col in ("calls_per_year", "occupancy", "wf_e2e2c", "teu_capacity_jts"):
        assert written[col].to_numpy() == pytest.approx(expected[col].to_numpy(), rel=1e-12)
    bad = dict(sc, demand=[dict(sc["demand"][0], cargo="dry_bulk")])
    path = write_yaml(tmp_path / "bad.yaml", bad)
    assert main(["preview", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "Traceback" not in err


def test_run_shows_preview_beside_simulation(tmp_path, capsys):
    write_yaml(tmp_path / "port.yaml", port_dict([berth("B1"), berth("B2")]))
    path = write_yaml(tmp_path / "scenario.yaml", {
        "name": "beside", "port": "port.yaml",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 400_000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}]}],
        "run": {"horizon_days": 60, "warmup_days": 5, "replications": 2}})
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "-q", "-w", "1"]) == 0
    out = capsys.readouterr().out
    assert "Preview vs simulation" in out and "occ. preview" in out and "WF sim" in out
    answer = next(i for i, line in enumerate(out.splitlines()) if line.startswith("ANSWER: "))
    assert answer > out.splitlines().index(next(line for line in out.splitlines()
                                                if line.startswith("Preview vs simulation")))


def test_beside_simulation_keeps_terminals_of_either_side(tmp_path):
    sc = _two_terminals(tmp_path)
    pv = preview(sc)
    import pandas as pd

    sim = pd.DataFrame({"terminal": ["TA", "TX"], "occupancy": [0.5, 0.1],
                        "occupancy_ci95": [0.01, 0.01], "waiting_factor": [0.1, 0.0],
                        "waiting_factor_ci95": [0.01, 0.0], "mean_wait_h": [1.0, 0.0],
                        "mean_wait_h_ci95": [0.1, 0.0]})
    text = render_beside_simulation(pv, sim)
    for name in ("TA", "TB", "TD", "TX"):
        assert name in text
    assert np.isfinite(pv.terminals["waiting_factor"]).all()


def _bulk_berth(id: str, depth: float, dwt: float) -> dict:
    return {"id": id, "terminal": "T", "cargo": ["dry_bulk"], "quay_length_m": 280,
            "depth_m": depth, "max_dwt": dwt, "loading_rate_t_h": 1000,
            "source": "assumption: test"}


def test_ship_classes_confined_to_one_berth_queue_there(tmp_path):
    """Big ships fit only the deep berth: they wait as at a one-berth terminal, while the
    small ones, which fit all three berths, wait in the pooled queue of three."""
    small = dict(BULK, id="S20", dwt=20_000, loa_m=170.0, draught_m=9.5)
    big = dict(BULK, id="B50", dwt=50_000, loa_m=220.0, draught_m=12.5)
    port = port_dict([_bulk_berth("X", 14.0, 50_000), _bulk_berth("Y", 10.5, 20_000),
                      _bulk_berth("Z", 10.5, 20_000)], [small, big])
    sc = make_scenario(tmp_path, port, {
        "name": "fit", "demand": [{"id": "ore", "cargo": "dry_bulk",
                                   "annual_volume": 4_000_000,
                                   "classes": [{"ship_class": "S20", "share": 1,
                                                "per_call": {"dist": "fixed", "mean": 15_000}},
                                               {"ship_class": "B50", "share": 1,
                                                "per_call": {"dist": "fixed", "mean": 40_000}}],
                                   "normalise": True}],  # 1:1 weights
        "rules": {"berthing_h": 0, "unberthing_h": 0}})
    pv = preview(sc)
    c = pv.calls.set_index("ship_class")
    assert c.loc["B50", "lines"] == ("berth:X",)
    lam = c["calls_per_year"] / 8760
    load_big = lam["B50"] * c.loc["B50", "hold_h"]
    cs2_big = c.loc["B50", "hold_sq"] / c.loc["B50", "hold_h"] ** 2 - 1
    wait_big = blended_waiting_factor(load_big, 1, 1.0, cs2_big)[2] * c.loc["B50", "hold_h"]
    load = float((lam * c["hold_h"]).sum())
    hold = load / lam.sum()
    cs2 = float((lam * c["hold_sq"]).sum() / lam.sum()) / hold ** 2 - 1
    wait_small = blended_waiting_factor(load / 3, 3, 1.0, cs2)[2] * hold
    t = pv.terminals.iloc[0]
    assert t["mean_wait_h"] == pytest.approx(
        (lam["B50"] * wait_big + lam["S20"] * wait_small) / lam.sum())
    assert t["binding_lines"] == "berth:X"
    assert t["binding_utilisation"] == pytest.approx(load_big)
    assert t["mean_wait_h"] > 3 * wait_small  # far more than the pooled queue suggests


def test_terminal_at_scale(tmp_path):
    from portsim.preview import terminal_at_scale

    sc = _two_terminals(tmp_path)
    pv = preview(sc)
    row = pv.terminals.set_index("terminal").loc["TA"]
    at1 = terminal_at_scale(pv, "TA", 1.0)
    assert at1["waiting_factor"] == pytest.approx(row["waiting_factor"])
    at2 = terminal_at_scale(pv, "TA", 1.5)
    assert at2["occupancy"] == pytest.approx(1.5 * row["occupancy"])
    assert at2["waiting_factor"] > row["waiting_factor"]
