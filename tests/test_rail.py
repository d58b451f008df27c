"""Sea-rail trains: the timetable is met when tracks are ample, and served trains saturate
at the hand-computed track capacity when they are not."""

from __future__ import annotations

import numpy as np
import pytest

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
