"""The component descriptions agree with what the model makes: every table a landside
component declares exists with exactly the declared columns (in order), its wait causes
are on the calls when they should be, and a scenario has the components it models."""

from __future__ import annotations

import pytest

from portsim.model import components
from portsim.model.components import REGISTRY, Component, TableSpec, components_in
from portsim.simulate import simulate
from tests.conftest import berth, make_scenario, port_dict
from tests.test_yard import landside_port, landside_scenario


@pytest.mark.parametrize("sea_rail", [
    {"trains_per_year": 1500, "teu_per_train": 50},
    {"trains_per_year": 1500, "teu_per_train": 50, "trains": "demand",
     "late_train": "delay_ship"},
], ids=["timetable", "trains-from-demand"])
def test_declared_tables_are_the_tables_made(tmp_path, sea_rail):
    sc = landside_scenario(tmp_path, landside={"sea_rail": sea_rail},
                           run={"horizon_days": 30, "warmup_days": 5})
    res = simulate(sc, 0)
    present = components_in(sc)
    assert [c.name for c in present] == ["yard", "rail", "gate"]
    declared = set()
    for comp in present:
        for spec in comp.tables:
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
                "gate_hourly"}
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
