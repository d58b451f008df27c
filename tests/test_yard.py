"""Container yards: boxes are conserved, and a yard that is too small holds up ships.

``landside_port`` / ``landside_scenario`` are the small landside builders the rail, gate
and input tests share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portsim.demand import CallPlan, plan_calls
from portsim.model.port import PortModel
from portsim.model.yard import FLOW_MODES, FLOWS
from portsim.results import summarise
from portsim.simulate import Replications, simulate
from portsim.verdict import landside_sentence, landside_table
from tests.conftest import berth, make_scenario, port_dict


def landside_port(*, slots: int = 4000, height: float = 4, usable: float = 0.8, tracks: int = 2,
                  track_m: float = 850, cranes: int = 2, crane_rate: float = 15,
                  shunting_h: float = 3, lanes: int = 4, berths: int = 2, rail: bool = True,
                  gate: bool = True) -> dict:
    port = port_dict([berth(f"B{i}", cranes=3) for i in range(berths)])
    port["yards"] = [{"id": "Y", "terminal": "T", "ground_slots": slots,
                      "stacking_height": height, "usable_share": usable,
                      "rail_terminal": "R" if rail else None, "source": "assumption: test"}]
    if rail:
        port["rail_terminals"] = [{"id": "R", "name": "rail", "tracks": tracks,
                                   "track_length_m": track_m, "cranes": cranes,
                                   "crane_rate": crane_rate, "shunting_h": shunting_h,
                                   "source": "assumption: test"}]
    if gate:
        port["gates"] = [{"id": "G", "terminals": ["T"], "lanes": lanes, "service_min": 3,
                          "source": "assumption: test"}]
    return port


def landside_scenario(tmp_path, port: dict | None = None, *, teu: float = 600_000,
                      landside: dict | None = None, run: dict | None = None,
                      rules: dict | None = None):
    return make_scenario(tmp_path, port or landside_port(), landside_scenario_dict(
        teu=teu, landside=landside, run=run, rules=rules))


def landside_scenario_dict(*, teu: float = 600_000, landside: dict | None = None,
                           run: dict | None = None, rules: dict | None = None) -> dict:
    """The scenario of :func:`landside_scenario` as a dict (without its port file)."""
    land = {"modal_split": {"T": {"truck": 0.7, "rail": 0.1, "transshipment": 0.2}},
            "sea_rail": {"trains_per_year": 1500, "teu_per_train": 50}}
    land.update(landside or {})
    return {
        "name": "landside",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": teu,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "gamma", "mean": 1000, "cv": 0.3}}]}],
        "landside": land,
        "rules": rules or {},
        "run": {"horizon_days": 200, "warmup_days": 20, "seed": 3, **(run or {})},
    }


def _run(sc):
    plan = plan_calls(sc, 0)
    model = PortModel(sc, plan, 0)
    log = model.run()
    tables = model.tables()
    return model, plan, log, tables


# ------------------------------------------------------------------ conservation


@pytest.mark.parametrize("slots, trains, ts", [
    (4000, "timetable", "dwell"), (1800, "timetable", "dwell"), (4000, "demand", "dwell"),
    (1800, "demand", "dwell"), (1800, "demand", "connection")],
    ids=["ample-yard", "congested-yard", "ample-yard-trains-from-demand",
         "congested-yard-trains-from-demand", "congested-yard-demand-ts-connections"])
def test_boxes_are_neither_lost_nor_made(tmp_path, slots, trains, ts):
    """ship → yard → rail / truck / ship, TEU by TEU: the yard's ledger balances exactly and
    agrees with independent counts from the calls, the trains and the truck plan (with a
    fixed timetable and with trains made from the ships' rail boxes; transshipment boxes
    after a dwell or on their connecting calls)."""
    sc = landside_scenario(tmp_path, landside_port(slots=slots), landside={
        "sea_rail": {"trains_per_year": 1500, "teu_per_train": 50, "trains": trains},
        "yard": {"transshipment": ts, "source": "assumption: test"}})
    model, plan, log, tables = _run(sc)
    yards = model.yards
    H = yards.H
    led = tables["yard_ledger"].iloc[0]
    # 1. the balance: in - out = stock at the end, and the stock is never negative
    ins = led["in_ship"] + led["in_truck"] + led["in_rail"]
    outs = led["out_ship"] + led["out_truck"] + led["out_rail"]
    assert ins - outs == led["stock_end"]
    assert led["min_stock"] >= 0
    assert yards.stock()[0, -1] == led["stock_end"]
    # flow by flow too: nothing leaves a flow that did not enter it
    for f, name in enumerate(FLOWS):
        assert (np.cumsum(yards.fin[0, f] - yards.fout[0, f]) >= 0).all(), name
    # 2. ship side: what the calls discharged and loaded, call by call
    ship_in = sum(yards.fin[0, f, :].sum() for f, n in enumerate(FLOWS)
                  if FLOW_MODES[n][0] == "ship")
    assert yards.discharged.sum() == ship_in  # incl. boxes booked after the end
    beyond = sum(yards.fin[0, f, H:].sum() for f, n in enumerate(FLOWS)
                 if FLOW_MODES[n][0] == "ship")
    assert led["in_ship"] == ship_in - beyond
    done = np.asarray(log.handled_h)[yards.rows] <= sc.run.horizon_days * 24
    d = np.asarray(yards._discharge_teu)
    assert (yards.discharged[done] == d[done]).all()
    assert (yards.discharged <= d).all()
    full_load = yards.split_load[:, 0] + yards.split_load[:, 3]
    assert (yards.loaded[done] == full_load[done]).all()
    # the split of each call: discharge + load = its TEU, nothing rounded away
    v = np.rint(plan.volume[yards.rows]).astype(int)
    assert (yards.split_discharge.sum(axis=1) + yards.split_load.sum(axis=1) == v).all()
    # 3. rail side: trains carried exactly what the yard booked to and from rail
    trains = tables["trains"]
    served = trains[(trains["status"] == "served") & (trains["end_h"] < H)]
    assert served.loc[served.direction == "outbound", "teu"].sum() == led["out_rail"]
    assert served.loc[served.direction == "inbound", "teu"].sum() == led["in_rail"]
    # every rail box taken by a train was ready first; no train took more than a trainload
    assert yards.taken.sum() <= yards.ready.sum()
    assert (trains["teu"] <= sc.landside.sea_rail.teu_per_train).all()
    # 4. road side: every box planned to come by truck is in the ledger or at the gate
    assert led["in_truck"] + led["held_at_gate_end"] == led["planned_gate_in"]
    assert led["planned_gate_in"] == int(yards.split_load[:, [0, 3]].sum())
    # 5. transshipment connections: no outgoing call takes more than it loads, and every
    # discharged transshipment TEU is connected or keeps its dwell
    if ts == "connection":
        conn = pd.DataFrame(yards.connections, columns=["from_row", "to_row", "teu"])
        took = conn.groupby("to_row")["teu"].sum()
        assert (took <= yards.split_load[took.index, 2]).all()
        assert (conn["from_row"] < conn["to_row"]).all()
        assert conn["teu"].sum() + yards.unconnected_ts_teu == yards.split_discharge[:, 2].sum()


def test_yard_tables_and_results(tmp_path):
    sc = landside_scenario(tmp_path)
    res = simulate(sc, 0)
    y = res.tables["yard"].iloc[0]
    assert y["capacity_teu"] == pytest.approx(4000 * 4 * 0.8)
    assert 0 < y["utilisation"] < 1
    assert y["utilisation"] == pytest.approx(y["mean_teu"] / y["physical_teu"])
    flows = res.tables["yard_flows"].set_index("flow")
    # Little's law recovers the dwell the scenario asked for (default import 4.5 d)
    assert flows.loc["import", "mean_dwell_days"] == pytest.approx(4.5, rel=0.1)
    assert flows.loc["transshipment", "mean_dwell_days"] == pytest.approx(7.0, rel=0.15)
    hourly = res.tables["yard_hourly"]
    assert len(hourly) == int(np.ceil((sc.run.horizon_days + sc.run.warmup_days) * 24))
    assert "wait_yard_h" in res.calls  # the cause is registered even when nobody waits


def test_without_yards_the_core_model_is_unchanged(tmp_path):
    port = port_dict([berth("B1", cranes=3), berth("B2", cranes=3)])
    base = make_scenario(tmp_path / "a", port, {
        "name": "core",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 600_000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "gamma", "mean": 1000, "cv": 0.3}}]}],
        "run": {"horizon_days": 60, "warmup_days": 5, "seed": 3},
    })
    res = simulate(base, 0)
    assert "wait_yard_h" not in res.calls
    assert not any(k.startswith(("yard", "rail", "gate", "trains")) for k in res.tables)
    # an ample yard changes no ship's times: the fast path books boxes without events
    with_yard = landside_scenario(tmp_path / "b", landside_port(slots=50_000, rail=False),
                                  landside={"modal_split": {}, "sea_rail": {}},
                                  run={"horizon_days": 60, "warmup_days": 5})
    res2 = simulate(with_yard, 0)
    cols = ["called_h", "berthed_h", "unberthed_h"]
    pd.testing.assert_frame_equal(res.calls[cols], res2.calls[cols])
    assert res2.calls["wait_yard_h"].sum() == 0


# ------------------------------------------------------------------ blocking


def _one_ship_plan(volume: float) -> CallPlan:
    return CallPlan(arrival_h=np.array([0.0]), flow=np.zeros(1, int),
                    ship_class=np.zeros(1, int), terminal=np.zeros(1, int),
                    volume=np.array([volume]), handling_factor=np.ones(1),
                    liner=np.zeros(1, bool))


def test_tiny_yard_stops_discharge_hand_computed(tmp_path):
    """Yard of 30 TEU (30 slots x 1 tier x 1.0), import dwell exactly 5 h, one ship
    discharging 100 TEU at 10 TEU/h (1 crane x 10 moves/h, TEU factor 1, nothing loaded).
    Hours 0-2 fill the yard (30 TEU); the first boxes leave at hour 5, so discharge runs in
    hours 0,1,2 | 5,6,7 | 10,11,12 | 15 and ends at 16 h instead of 10 h: 6 h under `yard`."""
    port = landside_port(slots=30, height=1, usable=1.0, rail=False, gate=False, berths=1)
    port["berths"][0]["cranes"] = 1
    port["berths"][0]["crane_rate"] = 10
    sc = landside_scenario(tmp_path, port, landside={
        "modal_split": {}, "sea_rail": {},
        "yard": {"discharge_share": 0.999, "empty_share": 0, "slow_at": 1.0,
                 "source": "assumption: test"},
        "dwell": {"import": {"dist": "fixed", "mean_days": 5 / 24}},
    }, rules={"teu_factor": 1.0, "crane_efficiency": 1.0, "berthing_h": 0,
              "unberthing_h": 0, "handling_cv": 0}, run={"horizon_days": 2, "warmup_days": 0})
    plan = _one_ship_plan(100.0)
    model = PortModel(sc, plan, 0)
    log = model.run()
    assert log.handled_h[0] == pytest.approx(16.0)
    assert log.waits["yard"][0] == pytest.approx(6.0)
    fin = model.yards.fin[0].sum(axis=0)
    assert np.flatnonzero(fin).tolist() == [0, 1, 2, 5, 6, 7, 10, 11, 12, 15]
    assert model.yards.stock()[0].max() == 30
    res = summarise(sc, 0, plan, log, model.in_system(), model.tables())
    assert res.calls["wait_yard_h"].iloc[0] == pytest.approx(6.0)
    assert res.calls["wait_total_h"].iloc[0] == pytest.approx(6.0)  # no berth wait


def test_tiny_yard_becomes_the_bottleneck(tmp_path):
    """The same ships with an ample and with a small yard: with the small one ships wait
    for yard space (booked under `yard`), hold their berths longer, and others queue."""
    ample = simulate(landside_scenario(tmp_path / "a", landside_port(slots=4000)), 0)
    tiny_sc = landside_scenario(tmp_path / "b", landside_port(slots=1800))
    tiny = simulate(tiny_sc, 0)
    a, t = ample.calls[ample.calls.in_window], tiny.calls[tiny.calls.in_window]
    assert t["wait_yard_h"].mean() > 2.0
    assert (t["wait_yard_h"] > 0).mean() > 0.5
    assert a["wait_yard_h"].mean() < 0.1
    assert t["berth_h"].mean() > a["berth_h"].mean() + 2.0
    assert t["wait_berth_h"].mean() > a["wait_berth_h"].mean()
    ty = tiny.tables["yard"].iloc[0]
    assert ty["share_h_slowed"] > 0.5 and ty["share_h_full"] > 0
    assert ty["yard_wait_h_total"] == pytest.approx(t["wait_yard_h"].sum())
    # the yard never holds more than its capacity plus one hour of landside arrivals
    assert ty["max_teu"] <= ty["capacity_teu"] * 1.05
    # the verdict calls the yard over and, if its mean utilisation is within the limit,
    # says it is over because it was full
    land = landside_table(Replications(tiny_sc, [tiny]))
    yard = land.query("component == 'yard'").iloc[0]
    assert yard["over"]
    assert yard["over_because"] == f"full {ty['share_h_full']:.0%} of hours"
    over_clause = landside_sentence(land).split("within limits")[0]
    assert f"{yard['id']} yard utilisation" in over_clause
    assert yard["over_because"] in over_clause


def test_transshipment_boxes_leave_on_their_connecting_call(tmp_path):
    """``transshipment: connection``, minimum connection 24 h. Calls A, B, C at 0, 10 and
    100 h, each 200 TEU, half discharged, all transshipment (no empties): each discharges
    100 and loads 100 transshipment TEU. A's boxes cannot make B (10 h < 24 h), so they go
    on C and leave the yard 100 h after their discharge; B's would need C too, which A's
    boxes fill, so B's keep their drawn dwell. The ledger still balances box by box."""
    sc = landside_scenario(tmp_path, landside_port(berths=3), landside={
        "modal_split": {"T": {"truck": 0.0, "transshipment": 1.0}}, "sea_rail": {},
        "yard": {"discharge_share": 0.5, "empty_share": 0, "transshipment": "connection",
                 "min_connection_h": 24, "source": "assumption: test"},
    }, rules={"berthing_h": 0, "include_channel_transit": False},
        run={"horizon_days": 60, "warmup_days": 0})
    plan = CallPlan(arrival_h=np.array([0.0, 10.0, 100.0]), flow=np.zeros(3, int),
                    ship_class=np.zeros(3, int), terminal=np.zeros(3, int),
                    volume=np.full(3, 200.0), handling_factor=np.ones(3),
                    liner=np.zeros(3, bool))
    model = PortModel(sc, plan, 0)
    model.run()
    tables = model.tables()
    yards = model.yards
    assert yards.connections == [(0, 2, 25), (0, 2, 25), (0, 2, 25), (0, 2, 25)]
    assert yards.unconnected_ts_teu == 200  # B's 100 and C's own 100: no later call
    ts = FLOWS.index("transshipment")
    h_a = yards._dis_h[0]  # hour A's discharge was booked (fast path)
    assert yards.fin[0, ts, h_a] == 100
    assert yards.fout[0, ts, h_a + 100] == 100
    # conservation per flow: every transshipment box that came in went out or is in stock
    fin, fout = yards.fin[0, ts].sum(), yards.fout[0, ts].sum()
    assert fin == 300 and fout == 300  # (the drawn dwells end inside the booking horizon)
    led = tables["yard_ledger"].iloc[0]
    ins = led["in_ship"] + led["in_truck"] + led["in_rail"]
    outs = led["out_ship"] + led["out_truck"] + led["out_rail"]
    assert ins - outs == led["stock_end"]
