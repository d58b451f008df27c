"""The component descriptions agree with what the model makes: every table a landside
component declares exists with exactly the declared columns (in order), its wait causes
are on the calls when they should be, and a scenario has the components it models."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

from portsim.model import components
from portsim.model.components import REGISTRY, Component, TableSpec, components_in
from portsim.simulate import simulate
from tests.conftest import berth, make_scenario, port_dict, write_yaml
from tests.test_yard import landside_port, landside_scenario, landside_scenario_dict


@pytest.mark.parametrize("sea_rail", [
    {"trains_per_year": 1500, "teu_per_train": 50},
    {"trains_per_year": 1500, "teu_per_train": 50, "trains": "demand",
     "late_train": "delay_ship"},
    {"trains_per_year": 1500, "teu_per_train": 50, "trains": "demand",
     "late_train": "roll_to_next_call"},
], ids=["timetable", "trains-from-demand", "rolling-to-next-call"])
def test_declared_tables_are_the_tables_made(tmp_path, sea_rail):
    sc = landside_scenario(tmp_path, landside={"sea_rail": sea_rail},
                           run={"horizon_days": 30, "warmup_days": 5})
    res = simulate(sc, 0)
    present = components_in(sc)
    assert [c.name for c in present] == ["yard", "rail", "gate"]
    declared = set()
    for comp in present:
        for spec in comp.tables:
            if not spec.present(comp.conditions(sc)):
                assert spec.name not in res.tables
                continue
            declared.add(spec.name)
            made = list(res.tables[spec.name].columns)
            assert made == spec.expected_columns(comp.conditions(sc)), spec.name
            assert set(spec.key) <= set(made)
            for col in spec.columns:
                assert col.description, (spec.name, col.name)
        for kpi in comp.kpis:
            assert kpi.column in res.tables[kpi.table].columns
        for lim in comp.limits:
            assert lim.kpi in res.tables[lim.table].columns
            assert lim.id_column in res.tables[lim.table].columns
            assert 0 < lim.limit(sc) < float("inf")
        for cause in comp.wait_causes:
            expected = cause.name != "rail" or sea_rail.get("late_train") == "delay_ship"
            assert (f"wait_{cause.name}_h" in res.calls) == expected, cause.name
    # every landside table the run made is declared by some component
    landside = {"yard", "yard_flows", "yard_hourly", "yard_ledger", "rail", "trains", "gate",
                "gate_hourly", "rail_rolls"}
    assert landside & set(res.tables) == declared


def test_limits_read_the_scenario(tmp_path):
    sc = landside_scenario(tmp_path, landside={
        "sea_rail": {"trains_per_year": 1500, "teu_per_train": 50,
                     "track_occupancy_limit": 0.55},
        "gate": {"wait_limit_h": 0.25}})
    limits = {c.name: c.limits[0].limit(sc) for c in components_in(sc)}
    assert limits == {"yard": 0.8, "rail": 0.55, "gate": 0.25}


def test_a_port_without_yards_has_no_landside_components(tmp_path):
    port = port_dict([berth("B1", cranes=3)])
    sc = make_scenario(tmp_path, port, {
        "name": "core",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 100_000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}]}],
        "run": {"horizon_days": 5, "warmup_days": 0},
    })
    assert components_in(sc) == []
    no_rail = landside_scenario(tmp_path / "nr", landside_port(rail=False), landside={
        "modal_split": {}, "sea_rail": {}})
    assert [c.name for c in components_in(no_rail)] == ["yard", "gate"]


def test_a_toy_component_registers_in_a_few_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(components, "REGISTRY", dict(REGISTRY))
    toy = components.register(Component(
        name="lock", label="canal lock", id_column="lock", present=lambda sc: True,
        tables=(TableSpec("lock", ("lock",), "per lock", (
            components.Column("lock", "", "lock id"),
            components.Column("cycles_per_day", "cycles/day", "lockages"))),),
    ))
    sc = landside_scenario(tmp_path)
    assert components_in(sc)[-1] is toy
    assert toy.table("lock").column("cycles_per_day").unit == "cycles/day"


# ------------------------------------------------------------------ a toy component, end to end

LOCK_FILL = {"L1": 0.70, "L2": 0.20}
"""The toy locks' filling share in replication 0; replication r adds 0.1 r."""


def _lock_plot(run, title):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    t = run.tables["lock"]
    ax.bar(t["lock"], t["fill_share"])
    ax.set_title(title)
    return fig


def _register_toy_lock(monkeypatch) -> Component:
    """A canal lock registered in a few lines: a wait cause, a table, a KPI with a limit
    and a plot; and a stand-in for its model, which adds the table and the wait column
    to every replication's result."""
    monkeypatch.setattr(components, "REGISTRY", dict(REGISTRY))
    toy = components.register(Component(
        name="lock", label="canal lock", id_column="lock", present=lambda sc: True,
        wait_causes=(components.WaitCause("lock", "hours waiting for a lockage", "always",
                                          label="lock queue", colour="#123456"),),
        tables=(TableSpec("lock", ("lock",), "per lock", (
            components.Column("lock", "", "lock id"),
            components.Column("fill_share", "1", "share of hours filling or emptying"))),),
        kpis=(components.Kpi("fill_share", "lock", "fill_share", "1", "lock busy share"),),
        limits=(components.LimitSpec("fill_share", "lock", "lock", lambda sc: 0.5,
                                     "toy limit 50 %"),),
        plots=(components.PlotSpec(_lock_plot, "lock", "Toy locks: busy share.",
                                   "lock_busy.png", title="locks"),),
    ))

    simulate_module = importlib.import_module("portsim.simulate")  # the module, not the API
    real = simulate_module.replicate

    def replicate_with_locks(*args, **kwargs):
        reps = real(*args, **kwargs)
        for run in reps.runs:
            r = run.replication
            run.tables["lock"] = pd.DataFrame({
                "lock": list(LOCK_FILL), "fill_share": [v + 0.1 * r for v in LOCK_FILL.values()]})
            run.calls["wait_lock_h"] = 1.0
        return reps

    monkeypatch.setattr(simulate_module, "replicate", replicate_with_locks)
    return toy


def test_a_toy_component_shows_in_the_verdict_report_and_run_output(tmp_path, monkeypatch):
    """Registering a component (no edit to verdict, report, plots or the run command)
    puts it in the verdict's landside table and limit records, the answer, the report,
    the printed output and the output folder. Truth by hand: L1's busy share is 0.70 and
    0.80 in replications 0 and 1, mean 0.75 against the limit 0.5 → stress 1.5, over; L2's
    0.20 and 0.30 → 0.25, stress 0.5, within."""
    from portsim import plots
    from portsim.cli import main

    _register_toy_lock(monkeypatch)
    write_yaml(tmp_path / "port.yaml", landside_port())
    short = landside_scenario_dict(run={"horizon_days": 20, "warmup_days": 2,
                                        "replications": 2})
    scenario = write_yaml(tmp_path / "scenario.yaml", {"port": "port.yaml", **short})
    out = tmp_path / "out"
    assert main(["run", str(scenario), "-o", str(out), "-w", "1", "-q", "--report"]) == 0

    land = pd.read_csv(out / "landside.csv").set_index("id")
    assert land.loc["L1", "component"] == "lock"
    assert land.loc["L1", "value"] == pytest.approx(0.75)
    assert land.loc["L1", "stress"] == pytest.approx(1.5)
    assert bool(land.loc["L1", "over"]) and not bool(land.loc["L2", "over"])
    assert land.loc["L2", "value"] == pytest.approx(0.25)
    verdict = (out / "verdict.txt").read_text(encoding="utf-8")
    assert "L1 lock busy share 75% vs 50%" in verdict.split("ANSWER:")[1]
    assert "lock busy share vs toy limit 50 %" in verdict  # the landside heading
    lock = pd.read_csv(out / "lock.csv")
    assert sorted(lock["replication"]) == [0, 0, 1, 1]
    assert (out / "lock_busy.png").stat().st_size > 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Toy locks: busy share." in html and "canal lock" in html
    assert plots.cause_styles()["lock"] == ("#123456", "lock queue")
    # the yard, rail and gate still come out as before, beside the toy
    assert {"yard", "rail", "gate", "lock"} <= set(land["component"])
    assert (out / "yard_occupancy.png").exists() and (out / "rail_tracks.png").exists()


def test_the_toy_components_limit_is_a_limit_record(tmp_path, monkeypatch):
    from portsim.simulate import replicate
    from portsim.verdict import judge

    _register_toy_lock(monkeypatch)
    simulate_module = importlib.import_module("portsim.simulate")
    sc = landside_scenario(tmp_path, run={"horizon_days": 20, "warmup_days": 2,
                                          "replications": 2})
    reps = simulate_module.replicate(sc)
    assert replicate is not simulate_module.replicate  # the stand-in model ran
    v = judge(reps)
    records = {(r.component, r.id): r for r in v.limits}
    l1 = records[("lock", "L1")]
    assert (l1.kpi, l1.limit, l1.over) == ("fill_share", 0.5, True)
    assert l1.value == pytest.approx(0.75) and l1.stress == pytest.approx(1.5)
    assert l1.reason == "above limit" and l1.basis == "toy limit 50 %"
    assert not records[("lock", "L2")].over


# ------------------------------------------------------------------ sourced or assumed


def test_inputs_are_told_apart_as_sourced_derived_or_assumed(repo):
    """A sizing figure whose source is a key of the port file's sources is *sourced*, one
    written 'derived: …' *derived*, anything else *assumed*; the shipped port file's yards
    and gates are assumed (quay-length rules), not derived from declared capacity."""
    from portsim.config import load_scenario
    from portsim.config.landside import Yard
    from portsim.model.components import input_provenance, provenance_words, source_kind

    sc = load_scenario(repo / "scenarios" / "plan-2025.yaml")
    known = set(sc.port.sources)
    assert source_kind("msn-2019-03", known) == "sourced"
    assert source_kind("JTJ 211-99", known) == "sourced"
    assert source_kind("derived: 24 h / 4", known) == "derived"
    assert source_kind("assumption: 850 m", known) == "assumed"
    assert source_kind("a guess", known) == "assumed"
    yard = Yard.model_validate({
        "id": "Y1", "terminal": "T", "source": "assumption: test",
        "ground_slots": {"value": 100, "source": "msn-2019-03"},
        "stacking_height": {"value": 4, "source": "derived: 2 x 2"}})
    probe = Component(name="probe", label="probe", id_column="yard", present=lambda s: True,
                      inputs=lambda s: {"Y1": yard},
                      input_fields=("ground_slots", "stacking_height", "usable_share"))
    kinds = input_provenance(probe, sc, "Y1")
    assert kinds == {"sourced": ["ground_slots"], "derived": ["stacking_height"],
                     "assumed": ["usable_share"]}
    assert provenance_words(kinds) == ("sourced: ground_slots; derived: stacking_height; "
                                       "assumed: usable_share")
    assert input_provenance(REGISTRY["yard"], sc, "Y-BBICT")["assumed"] == [
        "ground_slots", "stacking_height", "usable_share"]
    assert input_provenance(REGISTRY["gate"], sc, "G-AUTO")["assumed"] == ["lanes",
                                                                           "service_min"]


def test_the_answer_says_which_figures_are_assumed():
    from portsim.verdict import landside_sentence

    land = pd.DataFrame([
        ("rail", "RT-PORT", "track_occupancy", 0.85, 0.70, True, "",
         "derived: shunting_h; assumed: tracks"),
        ("yard", "Y-AUTO", "utilisation", 0.49, 0.80, False, "", "assumed: ground_slots"),
    ], columns=["component", "id", "kpi", "value", "limit", "over", "over_because", "inputs"])
    assert landside_sentence(land) == (
        "landside over limits: RT-PORT track occupancy 85% vs 70% [derived: shunting_h; "
        "assumed: tracks]; landside within limits, most stressed: Y-AUTO yard utilisation "
        "49% vs 80% [assumed: ground_slots]")
