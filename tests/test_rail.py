"""Sea-rail trains: the timetable is met when tracks are ample, and served trains saturate
at the hand-computed track capacity when they are not."""

from __future__ import annotations

import numpy as np
import pytest

from portsim.demand import CallPlan
from portsim.model.port import PortModel
from portsim.results import summarise
from portsim.simulate import simulate
from tests.test_yard import landside_port, landside_scenario

HOURS = 8760.0


def _rail_scenario(tmp_path, *, tracks: int, days: float = 10, inbound_share: float = 1.0,
                   delay_h: float = 0.0, trains_per_year: float = 8760, **sea_rail):
    """One train an hour; a 50-TEU train holds a track 2 h shunting + 50 boxes / (1 crane x
    25 boxes/h) = 4 h (TEU factor 1), so a track serves 8760 / 4 = 2190 trains a year."""
    port = landside_port(tracks=tracks, cranes=tracks, crane_rate=25, shunting_h=2)
    return landside_scenario(tmp_path, port, teu=50_000, landside={
        "modal_split": {},
        "sea_rail": {"trains_per_year": trains_per_year, "teu_per_train": 50,
                     "inbound_share": inbound_share, "delay_mean_h": delay_h, **sea_rail},
    }, rules={"teu_factor": 1.0}, run={"horizon_days": days, "warmup_days": 0})


def test_ample_tracks_meet_the_timetable_exactly(tmp_path):
    res = simulate(_rail_scenario(tmp_path, tracks=10), 0)
    trains = res.tables["trains"]
    # trains at 0.5, 1.5, ..., 239.5 h: 240 of them, every one on time
    assert len(trains) == 240
    assert np.allclose(trains["scheduled_h"], np.arange(240) + 0.5)
    assert (trains["status"] == "served").all()
    assert np.allclose(trains["start_h"], trains["arrival_h"])
    assert np.allclose(trains["end_h"] - trains["start_h"], 4.0)
    assert (trains["track_wait_h"] == 0).all()
    rail = res.tables["rail"].iloc[0]
    assert rail["trains_scheduled_per_year"] == pytest.approx(HOURS)
    # those that end inside the 240 h run: k + 0.5 + 4 <= 240 -> 236
    assert rail["trains_served_per_year"] == pytest.approx(236 * HOURS / 240)
    assert rail["track_capacity_per_year"] == pytest.approx(10 * HOURS / 4)
    assert rail["mean_track_wait_h"] == 0
    # 4 tracks busy on average out of 10
    assert rail["track_occupancy"] == pytest.approx(0.4, abs=0.01)


def test_ample_tracks_with_delays_still_serve_every_train_at_once(tmp_path):
    res = simulate(_rail_scenario(tmp_path, tracks=12, delay_h=2.0), 0)
    trains = res.tables["trains"]
    assert (trains["arrival_h"] >= trains["scheduled_h"]).all()
    assert trains["arrival_h"].sub(trains["scheduled_h"]).mean() == pytest.approx(2.0, rel=0.2)
    served = trains[trains["status"] == "served"]
    assert np.allclose(served["start_h"], served["arrival_h"])


@pytest.mark.parametrize("tracks, served", [(1, 59), (2, 118)])
def test_too_few_tracks_saturate_at_the_track_capacity(tmp_path, tracks, served):
    """One train an hour against 1 track (one train every 4 h): the track works without a
    break from the first arrival at 0.5 h, so trains end at 4.5, 8.5, ... and
    floor((240 - 0.5) / 4) = 59 end inside 240 h; two tracks (the second from 1.5 h): 118."""
    res = simulate(_rail_scenario(tmp_path, tracks=tracks), 0)
    rail = res.tables["rail"].iloc[0]
    capacity = tracks * HOURS / 4
    assert rail["track_capacity_per_year"] == pytest.approx(capacity)
    assert rail["trains_served_per_year"] == pytest.approx(served * HOURS / 240)
    assert rail["trains_served_per_year"] == pytest.approx(capacity, rel=0.02)
    assert rail["track_occupancy"] > 0.99
    trains = res.tables["trains"]
    assert trains["track_wait_h"].max() > 100  # the queue of trains grows all along


def test_saturation_converges_to_the_capacity(tmp_path):
    res = simulate(_rail_scenario(tmp_path, tracks=3, days=100), 0)
    rail = res.tables["rail"].iloc[0]
    assert rail["trains_served_per_year"] / rail["track_capacity_per_year"] == pytest.approx(
        1.0, abs=0.002)


def test_outbound_train_waits_for_its_boxes_then_leaves(tmp_path):
    """Outbound trains with no rail boxes in the yard wait max_box_wait_h, then are
    cancelled; with plenty of rail boxes they leave full at once."""
    res = simulate(_rail_scenario(tmp_path, tracks=10, inbound_share=0.0,
                                  trains_per_year=876, max_box_wait_h=6), 0)
    trains = res.tables["trains"]
    assert (trains["direction"] == "outbound").all()
    due = trains["arrival_h"] + 6 < 240  # deadline inside the run
    assert (trains.loc[due, "status"] == "cancelled").all()
    assert (trains.loc[~due, "status"] == "waiting").all()
    assert np.allclose(trains.loc[due, "box_wait_h"], 6.0)
    # now with rail boxes: 30 % of a busy port's full boxes go by rail
    sc = landside_scenario(tmp_path / "busy", landside_port(tracks=10, cranes=10), landside={
        "modal_split": {"T": {"truck": 0.7, "rail": 0.3}},
        "sea_rail": {"trains_per_year": 876, "teu_per_train": 50, "inbound_share": 0.0,
                     "delay_mean_h": 0},
    }, run={"horizon_days": 60, "warmup_days": 10})
    t = simulate(sc, 0).tables["trains"]
    late = t[t["arrival_h"] > 24 * 20]  # once rail boxes have had their rail dwell
    assert (late["status"] == "served").all()
    assert (late["teu"] == 50).all()
    assert late["box_wait_h"].max() == 0


# ------------------------------------------------------------------ trains from demand


def _demand_scenario(tmp_path, *, teu: float, slots_per_day: float, rail: float = 0.3,
                     **sea_rail):
    """A busy terminal sending ``rail`` of its full boxes by rail; trains made from them
    (``trains: demand``) in ``slots_per_day`` slots each way; no train delays."""
    port = landside_port(tracks=20, cranes=20, crane_rate=15, shunting_h=3)
    port["rail_terminals"][0]["slots_per_day"] = slots_per_day
    return landside_scenario(tmp_path, port, teu=teu, landside={
        "modal_split": {"T": {"truck": 1.0 - rail, "rail": rail}},
        "sea_rail": {"trains_per_year": 0, "teu_per_train": 50, "trains": "demand",
                     "delay_mean_h": 0, **sea_rail},
    }, run={"horizon_days": 300, "warmup_days": 10})


def _served_per_year(res, direction: str) -> float:
    return float(res.tables["rail"].iloc[0][f"trains_{direction}_served_per_year"])


def test_trains_follow_the_ships_rail_boxes(tmp_path):
    """With ample slots, trains carry what the ships bring: expected rail TEU = annual TEU x
    (1 - discharge share 0.54) x (1 - empties 0.1) x rail share 0.3 inbound (exports the
    ships load) and x 0.54 x 0.9 x 0.3 outbound (imports they discharge), in 50-TEU trains;
    twice the container volume makes twice the trains."""
    per_year = {}
    for teu in (300_000, 600_000):
        res = simulate(_demand_scenario(tmp_path / str(teu), teu=teu, slots_per_day=50), 0)
        rail = res.tables["rail"].iloc[0]
        assert rail["unused_slots_per_year"] > 0  # the slots do not bind
        exports = teu * 0.46 * 0.9 * 0.3 / 50
        imports = teu * 0.54 * 0.9 * 0.3 / 50
        # calls arrive at random (Poisson count, gamma sizes cv 0.3): ~500 calls a year
        # at 600k TEU, so 300 days' totals scatter by ~5 %; 20 % is > 3.5 sigma
        assert _served_per_year(res, "in") == pytest.approx(exports, rel=0.2)
        assert _served_per_year(res, "out") == pytest.approx(imports, rel=0.2)
        trains = res.tables["trains"]
        out = trains[(trains.direction == "outbound") & (trains.status == "served")]
        assert (out["teu"] == 50).all()  # when_full: only full trains leave
        per_year[teu] = (_served_per_year(res, "in"), _served_per_year(res, "out"))
    for d in (0, 1):
        assert per_year[600_000][d] / per_year[300_000][d] == pytest.approx(2.0, abs=0.25)


def test_trains_saturate_at_the_slot_capacity(tmp_path):
    """2 slots a day each way at headway 12 h: slots at 6, 18, ... h; the 600 of them in the
    300-day window (after 10 days' warm-up) are the capacity, 2 x 365 = 730 trains a year
    each way. Demand is ~4 trains a day each way, so every outbound slot runs a full train.
    Inbound trains bring boxes due a mean rail dwell (2.5 d = 60 h) before their ship: the
    plan has no ship after the run's end (7,440 h), so the 5 slots after 7,380 h (7,386 …
    7,434 h) have no boxes to bring, and the one at 7,374 h only if boxes are due by then:
    594 or 595 inbound trains in the window, every earlier slot used."""
    res = simulate(_demand_scenario(tmp_path, teu=600_000, slots_per_day=2), 0)
    rail = res.tables["rail"].iloc[0]
    per_year = 8760 / (300 * 24)
    assert rail["outbound_slots_per_year"] == pytest.approx(730.0)
    assert _served_per_year(res, "out") == pytest.approx(730.0)
    assert round(_served_per_year(res, "in") / per_year) in (594, 595)
    assert rail["unused_slots_per_year"] == 0
    # the boxes the slots cannot carry pile up in the yard, waiting for a train
    assert rail["box_wait_for_train_h"] > 24
    # and doubling the volume again adds no train
    res2 = simulate(_demand_scenario(tmp_path / "x2", teu=1_200_000, slots_per_day=2), 0)
    assert _served_per_year(res2, "out") == pytest.approx(730.0)
    assert round(_served_per_year(res2, "in") / per_year) in (594, 595)


def test_no_rail_boxes_no_trains(tmp_path):
    """Modal split 0 by rail: every slot goes unused, no train runs, nothing crashes."""
    res = simulate(_demand_scenario(tmp_path, teu=600_000, slots_per_day=4, rail=0.0), 0)
    rail = res.tables["rail"].iloc[0]
    assert rail["trains_served_per_year"] == 0
    assert rail["teu_per_year"] == 0
    assert rail["rail_export_demand_teu_per_year"] == 0
    trains = res.tables["trains"]
    assert (trains["direction"] == "outbound").all()
    assert (trains["status"] == "unused").all()
    assert res.tables["yard_ledger"].iloc[0][["in_rail", "out_rail"]].sum() == 0


def test_at_slot_trains_leave_with_what_is_there(tmp_path):
    """``departure: at_slot``: with 24 slots a day and ~4 trainloads of imports a day, a
    slot finds less than a trainload ready and leaves with it (a short train) — so more
    outbound trains run than with ``when_full`` (here ~1.45 times as many), never above
    50 TEU, most of them short."""
    full = simulate(_demand_scenario(tmp_path / "f", teu=600_000, slots_per_day=24), 0)
    slot = simulate(_demand_scenario(tmp_path / "s", teu=600_000, slots_per_day=24,
                                     departure="at_slot"), 0)
    assert _served_per_year(slot, "out") > 1.2 * _served_per_year(full, "out")
    t = slot.tables["trains"]
    out = t[(t.direction == "outbound") & (t.status == "served")]
    assert out["teu"].max() <= 50
    assert (out["teu"] < 50).mean() > 0.5
    # the same boxes go by rail either way (to within what is still waiting at the end)
    teu_full = full.tables["rail"].iloc[0]["teu_out_per_year"]
    assert slot.tables["rail"].iloc[0]["teu_out_per_year"] == pytest.approx(teu_full, rel=0.02)


def _late_train_case(tmp_path, late_train: str, arrivals: tuple[float, ...] = (100.0,),
                     days: float = 10):
    """One ship arriving at 100 h with 200 TEU, half discharged, half loaded; all full
    boxes by rail (no empties), so it loads exactly 100 TEU of rail exports = 2 trains of
    50. Rail dwell fixed 1 day, so its boxes are due at 100 - 24 = 76 h; hourly slots at
    0.5, 1.5, ... h: the two trains take the latest free slots by 76 h, 75.5 and 74.5 h.
    Every train runs 40 h late (fixed): they arrive at 115.5 and 114.5 h, each on its own
    track for 2 h + 50 boxes / 25 boxes/h = 4 h, unloaded by 119.5 and 118.5 h. The
    cut-off is 12 h before work: the boxes are in at 119.5 + 12 = 131.5 h, while the ship
    (no berth wait, no transit, berthing 0 h) would start at 100 h: 31.5 h late."""
    port = landside_port(tracks=2, cranes=2, crane_rate=25, shunting_h=2, berths=1)
    port["rail_terminals"][0]["slots_per_day"] = 24
    sc = landside_scenario(tmp_path, port, landside={
        "modal_split": {"T": {"truck": 0.0, "rail": 1.0}},
        "yard": {"discharge_share": 0.5, "empty_share": 0, "source": "assumption: test"},
        "dwell": {"rail": {"dist": "fixed", "mean_days": 1.0}},
        "sea_rail": {"trains_per_year": 0, "teu_per_train": 50, "trains": "demand",
                     "delay_mean_h": 40, "delay_cv": 0, "cutoff_h": 12,
                     "late_train": late_train},
    }, rules={"teu_factor": 1.0, "berthing_h": 0, "unberthing_h": 0, "handling_cv": 0,
              "include_channel_transit": False},
        run={"horizon_days": days, "warmup_days": 0})
    n = len(arrivals)
    plan = CallPlan(arrival_h=np.array(arrivals), flow=np.zeros(n, int),
                    ship_class=np.zeros(n, int), terminal=np.zeros(n, int),
                    volume=np.full(n, 200.0), handling_factor=np.ones(n),
                    liner=np.ones(n, bool), service=np.zeros(n, int))  # one weekly service
    model = PortModel(sc, plan, 0)
    log = model.run()
    res = summarise(sc, 0, plan, log, model.in_system(), model.tables())
    res.yards = model.yards
    return log, res


def test_a_late_train_delays_its_ship_by_the_computed_time(tmp_path):
    log, res = _late_train_case(tmp_path / "d", "delay_ship")
    trains = res.tables["trains"]
    inbound = trains[trains.direction == "inbound"]
    assert inbound["arrival_h"].tolist() == [114.5, 115.5]
    assert inbound["end_h"].tolist() == [118.5, 119.5]
    assert log.berthed_h[0] == 100.0
    assert res.calls["wait_rail_h"].iloc[0] == pytest.approx(31.5)
    # the same ship when the boxes roll instead: it works at once, 100 TEU roll
    log_roll, roll = _late_train_case(tmp_path / "r", "roll")
    assert log.handled_h[0] - log_roll.handled_h[0] == pytest.approx(31.5)
    assert "wait_rail_h" not in roll.calls
    rail = roll.tables["rail"].iloc[0]
    assert rail["rail_export_rolled_teu"] == 100
    assert rail["calls_rail_late"] == 1
    assert res.tables["rail"].iloc[0]["rail_export_rolled_teu"] == 0


def test_late_boxes_roll_to_the_next_call_of_the_service(tmp_path):
    """``late_train: roll_to_next_call``, by hand. Two calls of one weekly service, at 100 h
    and 268 h, each loading 100 TEU of rail exports (2 trains of 50; the case of
    :func:`_late_train_case`). Call 0's trains are unloaded at 118.5 and 119.5 h (boxes in
    at int(): hours 118 and 119), after its start of work at 100 h: the ship sails on time
    and its 100 TEU roll to call 1. Their planned departure (rail dwell 24 h: hours 142,
    143) is cancelled; they are in by call 1's cut-off (119.5 + 12 = 131.5 <= 268) and leave
    on it at hour 268. Call 1's own trains (slots 242.5 and 243.5 + 40 h: unloaded at 286.5
    and 287.5 h) are late for it too and roll on, but the service has no later call in the
    run: they stay in the yard to the end (hours 286, 287: +50 each)."""
    from portsim.model.yard import REXP

    log, res = _late_train_case(tmp_path / "n", "roll_to_next_call", (100.0, 268.0), days=15)
    assert log.berthed_h[0] == 100.0 and log.berthed_h[1] == 268.0  # nobody waits
    assert "wait_rail_h" not in res.calls
    rolls = res.tables["rail_rolls"]
    assert rolls["call"].tolist() == [0, 0, 1, 1]
    assert rolls["next_call"].tolist() == [1, 1, -1, -1]
    assert rolls["teu"].tolist() == [50, 50, 50, 50]
    assert rolls["loaded_h"].iloc[:2].tolist() == [268.0, 268.0]
    assert rolls["loaded_h"].iloc[2:].isna().all()
    rail = res.tables["rail"].iloc[0]
    assert (rail["rail_export_rolled_teu"], rail["rail_export_rolled_loaded_teu"],
            rail["rail_export_rolled_open_teu"], rail["calls_rail_late"]) == (200, 100, 100, 2)
    # the rail exports in the yard, hour by hour: 50 from 118, 100 from 119 until call 1
    # loads them at 268, then call 1's own from 286 and 287 to the end
    stock = res.yards.flow_stock()[0, REXP]
    expected = np.zeros(len(stock), int)
    expected[118:268] = 50
    expected[119:268] = 100
    expected[286:] = 50
    expected[287:] = 100
    assert stock.tolist() == expected.tolist()
    # box conservation with the rolled boxes: the ledger balances TEU by TEU
    led = res.tables["yard_ledger"].iloc[0]
    ins = led[["in_ship", "in_truck", "in_rail"]].sum()
    outs = led[["out_ship", "out_truck", "out_rail"]].sum()
    assert ins - outs == led["stock_end"] == res.yards.stock()[0, -1]
    assert led["in_rail"] == 200  # four inbound trains of 50 TEU
    # what the ships took from rail: the 100 rolled TEU on call 1, nothing on call 0
    fout = res.yards.fout[0, REXP, :res.yards.H]
    assert fout.sum() == 100 and fout[268] == 100


def test_rolled_boxes_keep_the_ship_on_time_where_delay_ship_holds_it(tmp_path):
    """The same two calls: with ``delay_ship`` call 0 waits 31.5 h (see above) and call 1
    its own late trains; rolling, neither waits and call 0 works exactly as under ``roll``."""
    log_d, delay = _late_train_case(tmp_path / "d", "delay_ship", (100.0, 268.0), days=15)
    log_r, _ = _late_train_case(tmp_path / "r", "roll", (100.0, 268.0), days=15)
    log_n, _ = _late_train_case(tmp_path / "n", "roll_to_next_call", (100.0, 268.0), days=15)
    assert delay.calls["wait_rail_h"].iloc[0] == pytest.approx(31.5)
    assert log_n.handled_h[0] == log_r.handled_h[0]
    assert log_d.handled_h[0] - log_n.handled_h[0] == pytest.approx(31.5)
