"""The Pinglu Canal's boxes through the yard (``canal.transfer_flow: through_yard``):
barges' boxes leave on the sea flow's calls after their dwell and come back from them,
hand-computed on a small port, and conserved box by box over a run's ledgers."""

from __future__ import annotations

import numpy as np
import pytest

from portsim.config.canal import canal_flow_id
from portsim.config.load import load_scenario
from portsim.demand import CallPlan, plan_calls
from portsim.model.port import PortModel
from portsim.model.yard.canal_transfer import connect_down, connect_up
from portsim.model.yard.flows import XD, XU
from portsim.simulate import simulate
from tests.conftest import REPO, berth, container_class, make_scenario, port_dict
from tests.test_canal import canal_block, canal_scenario

YARD = {"id": "Y", "terminal": "T", "ground_slots": 20000, "stacking_height": 4,
        "usable_share": 0.8, "source": "assumption: test"}


def transfer_scenario(tmp_path, dwell_days: float = 1.0, s2s: float = 0.0,
                      down_sea_share: float = 1.0, days: float = 60):
    """The canal test port (tests/test_canal.py) with a yard behind terminal T and the
    transfer berths PL mapped to it; dwell fixed; half of a sea call's TEU discharged."""
    block = canal_block(transfer_flow="through_yard",
                        transfer_dwell={"dist": "fixed", "mean_days": dwell_days,
                                        "source": "assumption: test"})
    block["transfer_berths"][0]["yard"] = "Y"
    block["transfer_berths"][0]["ship_to_ship_share"] = s2s
    block["traffic"][0]["sea_share"] = down_sea_share
    port = port_dict([berth("B1", cranes=2), berth("B2", cranes=2)], [container_class()])
    port["anchorages"] = [{"id": "SEA", "name": "sea", "source": "assumption"}]
    port["channel_segments"] = [{"id": "BAY", "name": "bay", "ends": ["SEA", "A"],
                                 "length_km": 18.52, "speed_kn": 10.0,
                                 "source": "assumption: test"}]
    port["routes"] = [{"id": "sea-A", "area": "A", "anchorage": "SEA", "segments": ["BAY"]}]
    port["yards"] = [YARD]
    return make_scenario(tmp_path, port, {
        "name": "canal-transfer",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 200_000,
                    "terminals": ["T"],
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}]}],
        "canal": block,
        "landside": {"yard": {"discharge_share": 0.5, "empty_share": 0.0,
                              "source": "assumption: test"},
                     "modal_split": {"T": {"truck": 1.0}}},
        "run": {"horizon_days": days, "warmup_days": 0, "seed": 3},
    })


def test_connections_hand_computed():
    """Barges A (0 h) and B (10 h), 2 batches each, dwell 24 h; sea calls S1 (30 h, room
    100) and S2 (50 h, room 500). A's batches (ready 24 h) go on S1 (60 of 100: the second
    batch of 60 no longer fits, so it takes S2); B's (ready 34 h) on S2: offsets 30, 50,
    40, 40. Upbound: barge C at 100 h needs 120 with dwell 24 h: from the latest call
    arrived by 76 h, S2 (discharges 80), then S1 (100): 80 + 40, offsets 50 and 70."""
    off, load, links = connect_down(
        np.array([0.0, 10.0]), np.zeros(2, int), np.array([[60, 60], [50, 50]]),
        np.full((2, 2), 24), np.array([30.0, 50.0]), np.zeros(2, int),
        np.array([100, 500]), never_h=9999)
    assert off.tolist() == [[30, 50], [40, 40]]
    assert load.tolist() == [60, 160]
    assert links.tolist() == [[0, 0, 60], [0, 1, 60], [1, 1, 50], [1, 1, 50]]
    cnt, up_off, got, ups = connect_up(
        np.array([100.0]), np.zeros(1, int), np.array([120]), np.array([24]),
        np.array([30.0, 50.0]), np.zeros(2, int), np.array([100, 80]), k=2, lookback_h=240)
    assert got.tolist() == [120]
    assert cnt.tolist() == [[40, 0], [80, 0]] and up_off[:, 0].tolist() == [70, 50]
    assert ups.tolist() == [[1, 0, 80], [0, 0, 40]]


def test_a_batch_no_call_can_take_stays_in_the_yard():
    off, load, links = connect_down(
        np.array([0.0]), np.zeros(1, int), np.array([[80]]), np.array([[24]]),
        np.array([10.0, 30.0]), np.zeros(2, int), np.array([500, 50]), never_h=9999)
    assert off.tolist() == [[9999]] and load.tolist() == [0, 0] and links.tolist() == []


def _plan(sc, calls: list[tuple[float, str, float]]) -> CallPlan:
    """A hand call plan: (arrival h, 'barge' or 'sea', TEU)."""
    flows = [f.id for f in sc.demand]
    classes = [s.id for s in sc.port.ship_classes]
    terms = [t.id for t in sc.port.terminals]
    barge = canal_flow_id("container", "RS-C5k")
    n = len(calls)
    return CallPlan(
        arrival_h=np.array([c[0] for c in calls]),
        flow=np.array([flows.index(barge if c[1] == "barge" else "box") for c in calls]),
        ship_class=np.array([classes.index("RS-C5k" if c[1] == "barge" else "S")
                             for c in calls]),
        terminal=np.array([terms.index("PL" if c[1] == "barge" else "T") for c in calls]),
        volume=np.array([c[2] for c in calls]), handling_factor=np.ones(n),
        liner=np.zeros(n, bool))


def test_two_barges_one_sea_call_hand_computed(tmp_path):
    """Traffic 3.0 Mt down, 1.5 Mt up (half from the sea), 10 t/TEU: a barge of 300 TEU
    discharges 2/3 = 200 (all for the sea) and loads 100, 50 of them from the sea. Dwell
    exactly 24 h. Barges A (0 h), B (10 h); sea call S (100 h, 1,000 TEU: discharges and
    loads 500); barge C (150 h). A's and B's 200 each leave on S: 100 h and 90 h after
    their discharge; C's 200 find no later call and stay. A and B find no upbound boxes
    (S comes later): 50 + 50 short; C takes its 50 from S's discharge, 50 h after it."""
    sc = transfer_scenario(tmp_path)
    plan = _plan(sc, [(0.0, "barge", 300), (10.0, "barge", 300), (100.0, "sea", 1000),
                      (150.0, "barge", 300)])
    model = PortModel(sc, plan, 0)
    model.run()
    tables = model.tables()
    yards = model.yards
    assert yards.split_discharge[:, 4].tolist() == [200, 200, 0, 200]  # canal_to_sea
    assert yards.split_load[:, 4].tolist() == [0, 0, 400, 0]  # S loads 400 canal TEU
    assert yards.split_discharge[:, 5].tolist() == [0, 0, 50, 0]  # S discharges 50 for C
    assert sorted({(b, s) for b, s, _ in yards.down_connections.tolist()}) == [(0, 2), (1, 2)]
    assert yards.up_connections.tolist() == [[2, 3, 50]]
    h = yards._dis_h  # hour each call's discharge was booked (fast path)
    fin, fout = yards.fin[0], yards.fout[0]
    for call, gap in ((0, 100), (1, 90)):
        assert fin[XD, h[call]] >= 200
        assert fout[XD, h[call] + gap] >= 200
    H = yards.H
    assert fout[XD, :H].sum() == 400 and fout[XD, H:].sum() == 200  # C's: after the run
    assert fin[XU, h[2]] == 50 and fout[XU, h[2] + 50] == 50
    row = tables["canal_transfer"].iloc[0]
    assert (row["down_to_sea_teu"], row["down_loaded_teu"], row["down_waiting_teu"]) == \
        (600, 400, 200)
    assert (row["up_from_sea_teu"], row["up_loaded_teu"], row["up_short_teu"]) == (50, 50, 100)
    led = tables["yard_ledger"].iloc[0]
    assert led["in_barge"] == 600 and led["out_barge"] == 50
    ins = sum(led[f"in_{m}"] for m in ("ship", "truck", "rail", "barge"))
    outs = sum(led[f"out_{m}"] for m in ("ship", "truck", "rail", "barge"))
    assert ins - outs == led["stock_end"]


@pytest.mark.parametrize("s2s, sea_share", [(0.0, 1.0), (0.25, 0.8)],
                         ids=["all-through-the-yard", "ship-to-ship-and-to-land"])
def test_canal_boxes_are_conserved_over_a_run(tmp_path, s2s, sea_share):
    """A 60-day run: every TEU the barges discharged is loaded onto a sea-going call, still
    in the yard, worked ship-to-ship or left by truck (1 - sea_share); no transfer box
    leaves before it came or before its dwell; each direction of the plan is split as the
    canal traffic says (2/3 of a barge's TEU discharged, within rounding)."""
    sc = transfer_scenario(tmp_path, s2s=s2s, down_sea_share=sea_share)
    plan = plan_calls(sc, 0)
    model = PortModel(sc, plan, 0)
    model.run()
    tables = model.tables()
    yards = model.yards
    barge = yards._barge
    assert barge.sum() > 50 and yards._sea.sum() > 50
    vol = np.rint(plan.volume[yards.rows][barge])
    d = yards.split_discharge[barge, 0] + yards.split_discharge[barge, 4] + yards._s2s[barge]
    assert np.all(np.abs(d - vol * 2 / 3) <= 0.5)
    worked = yards.discharged[barge] > 0
    row = tables["canal_transfer"].iloc[0]
    truck = int(yards.split_discharge[barge, 0][worked].sum())
    s2s_teu = int(yards._s2s[barge][worked].sum())
    assert row["ship_to_ship_teu"] == s2s_teu
    assert row["barge_discharged_teu"] == row["down_to_sea_teu"] + truck
    assert row["down_to_sea_teu"] == row["down_loaded_teu"] + row["down_waiting_teu"]
    total = row["down_loaded_teu"] + row["down_waiting_teu"] + truck + s2s_teu
    assert total == pytest.approx((vol * 2 / 3)[worked].sum(), abs=int(worked.sum()))
    if s2s:
        assert s2s_teu == pytest.approx(s2s * sea_share * (vol * 2 / 3)[worked].sum(),
                                        rel=0.02)
        assert truck == pytest.approx((1 - sea_share) * (vol * 2 / 3)[worked].sum(), rel=0.02)
    stock = yards.flow_stock()
    assert stock[0, XD].min() >= 0 and stock[0, XU].min() >= 0
    assert stock[0, XD, -1] == row["down_waiting_teu"]
    arr = plan.arrival_h[yards.rows]
    for b, s, _ in yards.down_connections:  # the connection respects the 24 h dwell
        assert arr[s] >= arr[b] + 24 - 1e-9
    for s, b, _ in yards.up_connections:
        assert arr[b] >= arr[s] + 24 - 1e-9


def test_volume_only_leaves_the_barges_out_of_the_yard(tmp_path):
    """Today's behaviour: with volume_only the transfer berths have no yard and the yard
    tables have no canal flows."""
    block = canal_block()
    sc = canal_scenario(tmp_path, block)
    assert sc.canal.transfer_flow == "volume_only"
    res = simulate(sc, 0)
    assert "canal_transfer" not in res.tables and "stockpile" not in res.tables


def test_the_shipped_pinglu_scenario_moves_its_boxes_through_the_yard():
    sc = load_scenario(REPO / "scenarios" / "pinglu-2027.yaml")
    assert sc.canal.transfer_flow == "through_yard"
    sc = sc.model_copy(update={"run": sc.run.model_copy(update={"horizon_days": 40,
                                                               "warmup_days": 5})})
    res = simulate(sc, 0)
    row = res.tables["canal_transfer"].set_index("yard").loc["Y-BBICT"]
    assert row["barge_calls"] > 100
    assert row["down_loaded_teu"] > 0.8 * row["down_to_sea_teu"]
    flows = res.tables["yard_flows"].set_index(["yard", "flow"])
    assert flows.loc[("Y-BBICT", "canal_to_sea"), "teu_in_per_year"] > 0
    assert flows.loc[("Y-BBICT", "sea_to_canal"), "teu_in_per_year"] > 0


def test_sea_calls_at_any_terminal_or_only_the_transfer_yards():
    """any_terminal (default): sea-going calls at every Dalanping yard bring boxes for the
    barges; same_terminal: only calls through the transfer berths' yard do."""
    sc = load_scenario(REPO / "scenarios" / "pinglu-2027.yaml")
    sc = sc.model_copy(update={"run": sc.run.model_copy(update={"horizon_days": 20,
                                                               "warmup_days": 2})})
    assert sc.canal.transfer_sea_calls == "any_terminal"
    anywhere = simulate(sc, 0).tables["canal_transfer"]
    assert len(anywhere) > 2 and (anywhere["up_from_sea_teu"] > 0).sum() > 2
    same = sc.model_copy(update={"canal": sc.canal.model_copy(
        update={"transfer_sea_calls": "same_terminal"})})
    only = simulate(same, 0).tables["canal_transfer"]
    assert only["yard"].tolist() == ["Y-BBICT"]


def test_what_binds_judges_the_transfer_yard_and_the_stockpile_by_their_limits():
    # "which binds first — the locks, the transfer berths, the yards or the shared
    # channels": the yard the transfer berths feed (Y-BBICT) and the bulk stockpile are
    # in the list, at the value the run's own tables give and the registered limits; the
    # port's other yards are not canal limits.
    from portsim.experiments.canal import canal_scenario, what_binds

    path = REPO / "scenarios" / "pinglu-2027.yaml"
    table = what_binds(path, 1, horizon_days=20)
    sc = canal_scenario(path, horizon_days=20)
    tables = simulate(sc, 0).tables
    yards = table[table["component"] == "transfer yard"].set_index("id")
    assert list(yards.index) == ["Y-BBICT"]
    yard = tables["yard"].set_index("yard").loc["Y-BBICT"]
    assert yards.loc["Y-BBICT", "value"] == pytest.approx(yard["utilisation"])
    assert yards.loc["Y-BBICT", "limit"] == sc.landside.yard.utilisation_band[1]
    piles = table[table["component"] == "stockpile"].set_index("id")
    assert list(piles.index) == ["SP-GZS"]
    pile = tables["stockpile"].set_index("stockpile").loc["SP-GZS"]
    assert piles.loc["SP-GZS", "value"] == pytest.approx(pile["utilisation"])
    assert piles.loc["SP-GZS", "limit"] == sc.canal.stockpile_utilisation_band[1]
    assert table["stress"].is_monotonic_decreasing
