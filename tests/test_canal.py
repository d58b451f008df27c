"""The Pinglu Canal in the port: river-sea calls metered by the locks, routed from the
canal mouth, worked at transfer berths, their tonnage carried on by sea.

Hand checks on a small port (one area, a sea route and a canal route sharing one
segment) and on the shipped ``scenarios/pinglu-2027.yaml``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from portsim.config.canal import is_canal_flow
from portsim.config.load import load_scenario
from portsim.simulate import simulate
from tests.conftest import REPO, berth, container_class, make_scenario, port_dict

RS = {"id": "RS-C5k", "cargo": "container", "dwt": 5000, "loa_m": 110, "beam_m": 16.0,
      "draught_m": 5.8, "teu_capacity": 350, "source": "assumption: test"}


def canal_block(**changes: Any) -> dict[str, Any]:
    """A canal with one two-line hub (T = 1 h; 300 x 34 m: 2 x 2 = 4 river-sea ships a
    lockage), 4 h to the mouth, containers both ways on RS-C5k, two transfer berths."""
    block = {
        "source": "assumption: test", "depth_m": 6.3, "ukc_m": 0.5,
        "locks": [{"id": "H1", "name": "hub", "chamber_length_m": 300, "chamber_width_m": 34,
                   "sill_depth_m": 8, "lines": 2, "lockage_h": 1.0, "sail_to_next_h": 4.0,
                   "source": "assumption: test"}],
        "classes": [RS],
        "traffic": [
            {"id": "down", "cargo": "container", "direction": "down", "annual_t": 3_000_000,
             "ship_class": "RS-C5k", "payload_t": 3000, "t_per_teu": 10, "sea_flow": "box",
             "source": "assumption: test"},
            {"id": "up", "cargo": "container", "direction": "up", "annual_t": 1_500_000,
             "ship_class": "RS-C5k", "payload_t": 3000, "t_per_teu": 10, "sea_flow": "box",
             "sea_share": 0.5, "source": "assumption: test"}],
        "transfer_berths": [{"terminal": "PL", "name": "transfer", "area": "A",
                             "cargo": "container", "count": 2, "quay_length_m": 140,
                             "depth_m": 7.0, "max_dwt": 5000, "cranes": 2, "crane_rate": 25,
                             "source": "assumption: test"}],
        "channel": {"mouth": {"id": "MOUTH", "name": "canal mouth", "source": "assumption"},
                    "segments": [{"id": "RIVER", "name": "river", "ends": ["A", "MOUTH"],
                                  "length_km": 18.52, "speed_kn": 10.0,
                                  "source": "assumption: test"}],
                    "routes": [{"id": "canal-A", "area": "A", "anchorage": "MOUTH",
                                "segments": ["RIVER"]}]},
    }
    block.update(changes)
    return block


def canal_scenario(tmp_path: Path, canal: dict | None = None, days: float = 60):
    port = port_dict([berth("B1", cranes=2), berth("B2", cranes=2)], [container_class()])
    port["anchorages"] = [{"id": "SEA", "name": "sea", "source": "assumption"}]
    port["channel_segments"] = [{"id": "BAY", "name": "bay", "ends": ["SEA", "A"],
                                 "length_km": 18.52, "speed_kn": 10.0, "two_way_max_dwt": 1000,
                                 "headway_h": 0.25, "source": "assumption: test"}]
    port["routes"] = [{"id": "sea-A", "area": "A", "anchorage": "SEA", "segments": ["BAY"]}]
    return make_scenario(tmp_path, port, {
        "name": "canal",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 200_000,
                    "terminals": ["T"],
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}]}],
        "canal": canal or canal_block(),
        "run": {"horizon_days": days, "warmup_days": 0, "seed": 3},
    })


def test_canal_flows_and_sea_leg_conserve_the_tonnage(tmp_path):
    # canal: 3.0 Mt down + 1.5 Mt up = 4.5 Mt = 450,000 TEU at the transfer berths, in
    # 3.0 Mt / 3,000 t = 1,000 calls of 450 TEU; by sea: 300,000 + 0.5 x 150,000 TEU more
    sc = canal_scenario(tmp_path)
    flows = {f.id: f for f in sc.demand}
    canal = flows["canal:container:RS-C5k"]
    assert canal.annual_volume == pytest.approx(450_000)
    assert canal.calls_per_year == pytest.approx(1_000)
    assert canal.terminals == ["PL"]
    assert flows["box"].annual_volume == pytest.approx(200_000 + 300_000 + 75_000)
    assert [b.id for b in sc.port.berths if b.terminal == "PL"] == ["PL-01", "PL-02"]
    off = canal_scenario(tmp_path / "off", canal_block(sea_leg="none"))
    assert {f.id: f for f in off.demand}["box"].annual_volume == 200_000


def test_calls_reach_the_port_when_the_locks_let_them(tmp_path):
    sc = canal_scenario(tmp_path)
    res = simulate(sc, 0)
    calls, cc, lk = res.calls, res.tables["canal_calls"], res.tables["lockages"]
    river = calls["flow"].astype(str).map(is_canal_flow).to_numpy()
    # every canal call in the port is one the locks released, arriving 1 h (lockage)
    # + 4 h (to the mouth) after its lockage started, in batches of at most k = 4
    assert sorted(cc["call"].tolist()) == np.flatnonzero(river).tolist()
    np.testing.assert_allclose(calls["arrival_h"].to_numpy()[cc["call"]], cc["canal_mouth_h"])
    starts = set(np.round(lk["start_h"] + 5.0, 9))
    assert set(np.round(cc["canal_mouth_h"], 9)) <= starts
    assert lk["ships"].max() <= 4
    assert (lk["start_h"] % 1.0 == 0).all()  # slots on the hour: lines at 0, 1, 2 … h
    assert (cc["lock_wait_h"] >= -1e-9).all() and (cc["lock_wait_h"] <= 1.0 + 1e-9).all()
    # ships through the hub = calls that entered the canal (none lost, none made)
    late = lk["start_h"] + 5.0 >= 60 * 24  # still in the canal when the run ends
    assert lk["ships"].sum() == len(cc) + lk.loc[late, "ships"].sum()
    # river-sea ships work at the transfer berths, sea-going ships never do
    assert set(calls.loc[river, "terminal"].astype(str)) == {"PL"}
    assert "PL" not in set(calls.loc[~river, "terminal"].astype(str))
    # their tonnage: every call that reached the port carries its 450 TEU
    assert calls.loc[river, "teu"].sum() == pytest.approx(450.0 * river.sum())


def test_river_sea_ships_keep_to_the_canal_routes(tmp_path):
    sc = canal_scenario(tmp_path, days=20)
    res = simulate(sc, 0)
    calls, ch = res.calls, res.tables["channel_calls"]
    river = calls["flow"].astype(str).map(is_canal_flow).to_numpy()
    routes = ch["route_in"].astype(object).fillna("-").to_numpy()
    assert set(routes[river]) - {"-"} == {"canal-A"}
    assert set(routes[~river]) - {"-"} == {"sea-A"}


def test_shipped_pinglu_scenario_routes_and_berths(tmp_path):
    sc = load_scenario(REPO / "scenarios" / "pinglu-2027.yaml").with_run(
        horizon_days=20, warmup_days=2)
    raw = yaml.safe_load((REPO / "scenarios" / "pinglu-2027.yaml").read_text("utf-8"))
    base = {f.id: f for f in load_scenario(REPO / "scenarios" / "plan-2025.yaml").demand}
    canal = raw["canal"]
    scale = canal["traffic_scale"]
    flows = {f.id: f for f in sc.demand}
    # conservation, figured from the YAML: canal flows carry both directions' tonnage;
    # each sea flow grows by the tonnage x sea share (containers at t/TEU)
    for cargo in ("container", "dry_bulk", "general"):
        mine = [t for t in canal["traffic"] if t["cargo"] == cargo]
        unit = mine[0].get("t_per_teu", 1)
        canal_flow = next(f for f in sc.demand if f.id.startswith(f"canal:{cargo}:"))
        assert canal_flow.annual_volume * unit == pytest.approx(
            scale * sum(t["annual_t"] for t in mine))
        sea = mine[0]["sea_flow"]
        added = scale * sum(t["annual_t"] * t.get("sea_share", 1.0) for t in mine) / unit
        assert flows[sea].annual_volume == pytest.approx(base[sea].annual_volume + added)
    res = simulate(sc, 0)
    calls = res.calls
    river = calls["flow"].astype(str).map(is_canal_flow).to_numpy()
    assert river.sum() > 0
    assert set(calls.loc[river, "terminal"].astype(str)) <= {"PL-TC", "PL-TB", "PL-TG"}
    route = res.tables["channel_calls"]["route_in"].astype(object).fillna("").to_numpy()
    sailed = route != ""
    assert sailed[river].sum() > 0
    assert all(r.startswith("canal-") for r in route[river & sailed])
    assert not any(r.startswith("canal-") for r in route[~river & sailed])


def test_the_canal_leaves_the_sea_going_calls_drawn_as_before(tmp_path):
    # common random numbers: with the sea leg off, the sea-going calls of a scenario with
    # the canal are exactly those of the same scenario without it
    from portsim.demand import plan_calls

    with_canal = canal_scenario(tmp_path / "with", canal_block(sea_leg="none"))
    without = with_canal.model_copy(update={
        "canal": None, "demand": [f for f in with_canal.demand if not is_canal_flow(f.id)]})
    a, b = plan_calls(with_canal, 0), plan_calls(without, 0)
    sea = a.flow == 0
    assert not b.canal and a.canal
    # a per-terminal sub-plan keeps the canal calls' passages, renumbered
    keep = a.flow != 0
    sub = a.canal[keep]
    assert sorted(sub.call.tolist()) == list(range(int(keep.sum())))
    np.testing.assert_array_equal(a.arrival_h[keep][sub.call], sub.mouth_h)
    assert not b.canal[keep[: len(b.arrival_h)]]
    np.testing.assert_array_equal(a.arrival_h[sea], b.arrival_h)
    np.testing.assert_array_equal(a.volume[sea], b.volume)


def _write_canal_scenario(tmp_path: Path, canal: dict, days: float = 60) -> str:
    canal_scenario(tmp_path, canal, days)  # writes port.yaml (and checks it loads)
    data = {"name": "canal", "port": "port.yaml",
            "demand": [{"id": "box", "cargo": "container", "annual_volume": 200_000,
                        "terminals": ["T"],
                        "classes": [{"ship_class": "S", "share": 1,
                                     "per_call": {"dist": "fixed", "mean": 1000}}]}],
            "canal": canal, "run": {"horizon_days": days, "warmup_days": 5, "seed": 3}}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def test_transfer_berth_search_finds_the_fewest_that_hold_the_criterion(tmp_path):
    from portsim.experiments.canal import offered_berths, search

    # 9 Mt / 3,000 t = 3,000 calls a year of (900k + 150k) / 3,000 = 350 TEU = 200 moves
    # at 2 QCs x 25 x 0.9 = 45 moves/h: 4.44 h handling + 0.5 h unberthing (+ 1 h
    # berthing, if counted) a call: 3,000 x 4.94-5.94 h / 8,760 h = 1.69-2.03 berths' work
    block = canal_block(traffic=[{**canal_block()["traffic"][0], "annual_t": 9_000_000}])
    path = _write_canal_scenario(tmp_path, block, days=90)
    load = offered_berths(path)["PL"]
    assert 1.69 * 0.9 < load < 2.03 * 1.1  # +- 10 %: the calls drawn in 90 days
    (res,) = search(path, replications=2)
    n = res.needed
    assert n is not None and n >= math.ceil(load)
    assert np.mean(res.tried[n]) <= res.limit == 0.1
    assert np.mean(res.tried[n - 1]) > res.limit  # one fewer fails (paired seeds)


def test_what_binds_names_the_one_way_river_mouth(tmp_path):
    from portsim.experiments.canal import what_binds

    # the river one ship at a time: 1,000 calls x 2 transits x 1 h hold it ~23 % of the
    # time; everything else is far from its limit except that one-way section
    block = canal_block()
    block["channel"]["segments"][0]["traffic_rule"] = "one_at_a_time"
    path = _write_canal_scenario(tmp_path, block, days=60)
    table = what_binds(path)
    assert table["stress"].is_monotonic_decreasing
    river = table.set_index("id").loc["RIVER"]
    assert river["component"] == "canal segment"
    assert 0.15 < river["value"] < 0.35
    hub = table.set_index("id").loc["H1"]
    assert hub["kpi"] == "slot utilisation" and hub["value"] < river["value"]


def test_existing_berths_option_sends_river_sea_ships_to_the_cargo_terminals(tmp_path):
    # transfer: existing_berths — no transfer terminal is built; the river-sea calls go
    # to the port's container terminal T (where the 110 m ship fits) by the canal route
    sc = canal_scenario(tmp_path, canal_block(transfer="existing_berths"), days=20)
    assert "PL" not in {t.id for t in sc.port.terminals}
    flows = {f.id: f for f in sc.demand}
    assert flows["canal:container:RS-C5k"].terminals is None
    res = simulate(sc, 0)
    calls = res.calls
    river = calls["flow"].astype(str).map(is_canal_flow).to_numpy()
    assert river.sum() > 0 and set(calls.loc[river, "terminal"].astype(str)) == {"T"}
    routes = res.tables["channel_calls"]["route_in"].astype(object).fillna("-").to_numpy()
    assert set(routes[river]) - {"-"} == {"canal-A"}


@pytest.mark.parametrize("name,switched", [
    ("pinglu-2027-low", {"traffic_scale": 0.6 * 0.7}),
    ("pinglu-2027-high", {"traffic_scale": 0.6 * 1.3}),
    ("pinglu-2030-low", {"traffic_scale": 0.805 * 0.7}),
    ("pinglu-2030-high", {"traffic_scale": 0.805 * 1.3}),
    ("pinglu-2035-low", {"traffic_scale": 1.146 * 0.7}),
    ("pinglu-2035-high", {"traffic_scale": 1.146 * 1.3}),
    ("pinglu-2030-no-sea-leg", {"sea_leg": "none"}),
    ("pinglu-2030-one-way-mouth", {"channel": "PL-QJ one_at_a_time"}),
])
def test_pinglu_variants_switch_only_what_they_name(name, switched):
    year = name.split("-")[1]
    central = load_scenario(REPO / "scenarios" / f"pinglu-{year}.yaml")
    variant = load_scenario(REPO / "scenarios" / "pinglu" / f"{name}.yaml")
    a, b = central.canal.model_dump(), variant.canal.model_dump()
    changed = {k for k in a if a[k] != b[k]}
    assert changed == set(switched)
    if "traffic_scale" in switched:
        assert b["traffic_scale"] == pytest.approx(switched["traffic_scale"], abs=1e-4)
    if "channel" in switched:
        rules = {s["id"]: (s["traffic_rule"], {**s, "traffic_rule": "-", "source": "-"})
                 for s in b["channel"]["segments"]}
        before = {s["id"]: (s["traffic_rule"], {**s, "traffic_rule": "-", "source": "-"})
                  for s in a["channel"]["segments"]}
        assert [k for k in rules if rules[k] != before[k]] == ["PL-QJ"]
        assert rules["PL-QJ"][0] == "one_at_a_time" and rules["PL-QJ"][1] == before["PL-QJ"][1]
    assert variant.port.berths == central.port.berths


def test_berth_counts_can_be_set_through_extends():
    from portsim.experiments.canal import with_berth_counts

    sc = with_berth_counts(str(REPO / "scenarios" / "pinglu" / "pinglu-2030-low.yaml"),
                           {0: 2, 1: 3})
    assert [g.count for g in sc.canal.transfer_berths] == [2, 3, 4]
    assert sum(b.terminal == "PL-TB" for b in sc.port.berths) == 3
    assert sc.canal.traffic_scale == pytest.approx(0.5635)


def test_the_canal_component_declares_the_tables_a_run_makes(tmp_path):
    from portsim.model.components import CANAL, components_in

    sc = canal_scenario(tmp_path, days=10)
    assert CANAL in components_in(sc)
    res = simulate(sc, 0)
    for spec in CANAL.tables:
        assert list(res.tables[spec.name].columns) == spec.expected_columns(set())
    for lim in CANAL.limits:
        assert lim.kpi in res.tables[lim.table] and lim.id_column in res.tables[lim.table]
        assert lim.limit(sc) == sc.canal.lock_utilisation_limit
