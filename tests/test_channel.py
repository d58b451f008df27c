"""Channel, tide, pilots, tugs and weather: hand-computed cases.

Common set-up: a 18.52 km segment sailed at 10 kn takes exactly 1 h; a ship alongside
takes 1 h berthing + 30 h of work + 0.5 h unberthing = 31.5 h (as in
test_model_hand_cases: 1750 TEU, 2 cranes x 25 moves/h x 0.8, 20 working hours/day).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from portsim.config.marine import Tide
from portsim.demand import CallPlan
from portsim.model.channel import INBOUND, OUTBOUND, SegmentState
from portsim.model.marine import Pool
from portsim.model.port import PortModel
from portsim.model.tide import TideModel
from portsim.results import summarise
from portsim.simulate import simulate
from tests.conftest import berth, container_class, make_scenario, port_dict

BIG = container_class("BIG", loa=200, draught=15.0, dwt=150_000)


def seg(id="S1", length=18.52, speed=10.0, **extra):
    return {"id": id, "name": id, "length_km": length, "speed_kn": speed,
            "source": "assumption: test", **extra}


def plan(arrivals, classes=None, terminals=None) -> CallPlan:
    n = len(arrivals)
    return CallPlan(
        arrival_h=np.asarray(arrivals, float), flow=np.zeros(n, int),
        ship_class=np.asarray(classes if classes is not None else [0] * n),
        terminal=np.asarray(terminals if terminals is not None else [0] * n),
        volume=np.full(n, 1750.0), handling_factor=np.ones(n), liner=np.zeros(n, bool))


def scenario(tmp_path, *, segments=None, routes=None, classes=None, berths=None, rules=None,
             **marine):
    classes = classes or [BIG]
    port = port_dict(berths or [berth("B1", cranes=2, depth=20, max_dwt=200_000),
                                berth("B2", cranes=2, depth=20, max_dwt=200_000),
                                berth("B3", cranes=2, depth=20, max_dwt=200_000)], classes)
    port["anchorages"] = [{"id": "ANC", "name": "anchorage", "source": "assumption"}]
    port["channel_segments"] = segments or [seg()]
    port["routes"] = routes or [{"area": "A", "anchorage": "ANC",
                                 "segments": [s["id"] for s in port["channel_segments"]]}]
    port.update({k: v for k, v in marine.items() if v is not None})
    return make_scenario(tmp_path, port, {
        "name": "channel",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 1000,
                    "classes": [{"ship_class": classes[0]["id"], "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1750}}]}],
        "rules": {"teu_factor": 1.75, "default_cranes_per_ship": 2, "crane_efficiency": 0.8,
                  "berthing_h": 1.0, "unberthing_h": 0.5, "working_hours_per_day": 20,
                  "channel_ukc_m": 0.5, **(rules or {})},
        "run": {"horizon_days": 10, "warmup_days": 0},
    })


# A regular diurnal test tide: one constituent of period 24 h, 2 m mean, 1 m amplitude:
# h(t) = 2 + cos(2 pi t / 24), high water at 0, 24, 48 … h.
DIURNAL = {"mean_level_m": 2.0, "source": "assumption: test",
           "constituents": [{"name": "T24", "amplitude_m": 1.0, "speed_deg_h": 15.0}]}


# ----------------------------------------------------------------- tide


def test_deterministic_tide_gives_the_exact_window():
    # draught 15.0 + UKC 0.5 - bottom 13.0 = 2.5 m of tide: cos(15 t deg) >= 0.5, i.e.
    # within 4 h of high water; a 1-h transit may start from HW - 4 h to HW + 3 h.
    m = TideModel(Tide(**DIURNAL), 100.0)
    deep = m.deep_enough(2.5)
    assert [x for x in deep.starts if x > -5][:3] == pytest.approx([-4.0, 20.0, 44.0], abs=1e-8)
    assert [x for x in deep.ends if x > 0][:3] == pytest.approx([4.0, 28.0, 52.0], abs=1e-8)
    entry = m.entry_windows([(2.5, 0.0, 1.0)])
    k = entry.starts.index(next(x for x in entry.starts if x > 0))
    assert entry.starts[k] == pytest.approx(20.0, abs=1e-8)
    assert entry.ends[k] == pytest.approx(27.0, abs=1e-8)
    assert entry.next_open(0.0) == 0.0
    assert entry.next_open(3.5) == pytest.approx(20.0, abs=1e-8)
    assert entry.next_open(5.0) == pytest.approx(20.0, abs=1e-8)
    assert entry.next_open(21.0) == 21.0


def test_window_holds_over_the_whole_transit():
    # two 1-h segments: the first needs 2.5 m (|t - HW| <= 4 h), the second, entered 1 h
    # later, 2.75 m (|t - HW| <= d, d = arccos(0.75) / 15 deg = 2.7604 h): a ship may start
    # from HW - d - 1 to HW + d - 2 (the second segment binds at both ends).
    d = math.degrees(math.acos(0.75)) / 15.0
    m = TideModel(Tide(**DIURNAL), 100.0)
    entry = m.entry_windows([(2.5, 0.0, 1.0), (2.75, 1.0, 2.0)])
    k = entry.starts.index(next(x for x in entry.starts if x > 0))
    assert entry.starts[k] == pytest.approx(24.0 - d - 1.0, abs=1e-8)
    assert entry.ends[k] == pytest.approx(24.0 + d - 2.0, abs=1e-8)


def test_ship_waits_at_anchorage_for_the_window_then_sails(tmp_path):
    sc = scenario(tmp_path, segments=[seg(bottom_depth_m=13.0)], tide=DIURNAL)
    p = plan([5.0])  # called in at 5 h (berth free); next window opens at 20 h
    model = PortModel(sc, p)
    log = model.run()
    assert log.called_h[0] == 5.0
    assert model.channel.start[INBOUND][0] == pytest.approx(20.0, abs=1e-8)
    assert log.berthed_h[0] == pytest.approx(21.0, abs=1e-8)
    # outbound the same draught: ready at 21 + 31.5 = 52.5 h, past the window (44-51 h):
    # waits alongside until 68 h, leaves the berth then and is out at 69 h
    assert log.waits["tide"][0] == pytest.approx(15.0 + 15.5, abs=1e-8)
    assert log.unberthed_h[0] == pytest.approx(68.0, abs=1e-8)
    assert log.departed_h[0] == pytest.approx(69.0, abs=1e-8)


def test_inbound_and_outbound_draughts_differ(tmp_path):
    light = {**BIG, "draught_out_m": 12.0}  # after discharge: 12.0 + 0.5 - 13.0 < 0, no tide
    sc = scenario(tmp_path, segments=[seg(bottom_depth_m=13.0)], classes=[light], tide=DIURNAL)
    log = PortModel(sc, plan([5.0])).run()
    assert log.waits["tide"][0] == pytest.approx(15.0, abs=1e-8)
    assert log.unberthed_h[0] == pytest.approx(21.0 + 31.5, abs=1e-8)
    assert log.departed_h[0] == pytest.approx(21.0 + 31.5 + 1.0, abs=1e-8)


def test_the_berth_is_held_while_a_laden_ship_waits_alongside_for_the_tide(tmp_path):
    # one berth: the second ship is called in only when the first leaves at 68 h
    sc = scenario(tmp_path, segments=[seg(bottom_depth_m=13.0)], tide=DIURNAL,
                  berths=[berth("B1", cranes=2, depth=20, max_dwt=200_000)])
    log = PortModel(sc, plan([5.0, 6.0])).run()
    assert log.called_h[1] == pytest.approx(68.0, abs=1e-8)


# ----------------------------------------------------------------- one-way traffic


def test_one_way_segment_state_by_hand():
    s = SegmentState("S1", 1.0, 0.25)  # a 1-h segment with a 15-min headway
    s.book(0.0, INBOUND, True)
    # opposite direction: the second ship waits for the first's transit (1 h) + headway
    assert s.clear(0.0, OUTBOUND, True) == pytest.approx(1.25)
    assert s.clear(0.0, OUTBOUND, False) == pytest.approx(1.25)  # two-way ships too
    # same direction: a follower keeps the headway
    assert s.clear(0.0, INBOUND, True) == pytest.approx(0.25)
    assert s.clear(0.0, INBOUND, False) == pytest.approx(0.25)
    # a gap before a booked passage is used when the transit fits in it
    s.book(10.0, OUTBOUND, True)
    assert s.clear(3.0, INBOUND, True) == pytest.approx(3.0)
    assert s.clear(9.0, INBOUND, True) == pytest.approx(11.25)


def test_two_ships_meeting_in_a_one_way_segment(tmp_path):
    # the first ship sails out over [32.5, 33.5] h; a ship arriving at 32.6 h to sail in
    # waits until the segment is clear plus the headway: 33.5 + 0.25 h
    sc = scenario(tmp_path, segments=[seg(two_way_max_dwt=100_000, headway_h=0.25)])
    log = PortModel(sc, plan([0.0, 32.6])).run()
    assert log.departed_h[0] == pytest.approx(33.5)
    assert log.waits["channel"][1] == pytest.approx(33.75 - 32.6)
    assert log.berthed_h[1] == pytest.approx(34.75)


def test_two_ships_meeting_at_the_same_moment_wait_transit_plus_headway(tmp_path):
    # first ship inbound at 0 h; a second ship ready to sail out at the same moment
    # (planned right after it) waits exactly the first's transit + headway
    sc = scenario(tmp_path, segments=[seg(two_way_max_dwt=100_000, headway_h=0.25)])
    model = PortModel(sc, plan([0.0, 0.0]))
    ch = model.channel
    start0, sail0 = ch.plan(0, 0.0, INBOUND)
    start1, _ = ch.plan(1, 0.0, OUTBOUND)
    assert (start0, sail0) == (0.0, pytest.approx(1.0))
    assert start1 - 0.0 == pytest.approx(sail0 + 0.25)
    assert ch.waits["channel"][1] == pytest.approx(1.25)


def test_same_direction_follower_keeps_the_headway(tmp_path):
    sc = scenario(tmp_path, segments=[seg(two_way_max_dwt=100_000, headway_h=0.25)])
    log = PortModel(sc, plan([0.0, 0.0])).run()
    assert log.waits["channel"] == pytest.approx([0.0, 0.25])
    assert log.berthed_h == pytest.approx([1.0, 1.25])


def test_small_ships_pass_two_way(tmp_path):
    small = container_class("SMALL", dwt=50_000)
    sc = scenario(tmp_path, segments=[seg(two_way_max_dwt=100_000, headway_h=0.25)],
                  classes=[small])
    assert PortModel(sc, plan([0.0, 0.0])).channel is None  # no rule binds: issue-2 model
    log = PortModel(sc, plan([0.0, 0.0])).run()
    assert log.berthed_h == pytest.approx([1.0, 1.0])


# ----------------------------------------------------------------- pilots and tugs


def test_one_pilot_serialises_boardings(tmp_path):
    # a pilot job inbound: 0.5 h boarding + 1 h transit + 1 h berthing = 2.5 h
    sc = scenario(tmp_path, pilots={"count": 1, "boarding_h": 0.5, "source": "assumption"})
    log = PortModel(sc, plan([0.0, 0.0, 0.0])).run()
    assert log.waits["pilot"] == pytest.approx([0.0, 2.5, 5.0])
    assert log.berthed_h == pytest.approx([1.5, 4.0, 6.5])


def test_tugs_needed_at_berthing(tmp_path):
    # two tugs, each ship needs 2 for 1 h when it reaches the berth (at start + 1 h)
    tugs = {"count": 2, "assist_h": 1.0, "needed": [{"max_dwt": 1e6, "tugs": 2}],
            "source": "assumption"}
    sc = scenario(tmp_path, tugs=tugs)
    log = PortModel(sc, plan([0.0, 0.0])).run()
    assert log.waits["tug"] == pytest.approx([0.0, 1.0])
    assert log.berthed_h == pytest.approx([1.0, 2.0])


def test_pool_uses_gaps_before_later_bookings():
    pool = Pool("p", 1)
    pool.book(10.0, 2.0)
    assert pool.earliest(0.0, 5.0) == 0.0  # fits before the booking at 10 h
    assert pool.earliest(6.0, 5.0) == 12.0
    pool.book(0.0, 5.0)
    assert pool.earliest(0.0, 5.0) == 5.0
    assert pool.earliest(0.0, 6.0) == 12.0
    two = Pool("t", 3)
    two.book(0.0, 4.0, 2)
    assert two.earliest(0.0, 1.0, 1) == 0.0
    assert two.earliest(0.0, 1.0, 2) == 4.0
    assert two.earliest(0.0, 1.0, 4) == math.inf


def test_pool_search_agrees_with_the_definition():
    """The step-function search of ``Pool.earliest`` gives, bit for bit, the start the
    direct scan of every job at every candidate gives (random pools, ties included)."""
    rng = np.random.default_rng(7)
    for _ in range(3000):
        cap = int(rng.integers(1, 7))
        pool = Pool("p", cap)
        for _ in range(int(rng.integers(0, 25))):
            start = float(rng.integers(0, 40)) / 2 if rng.random() < 0.5 else rng.uniform(0, 40)
            length = float(rng.choice([0.5, 1.0, 2.0, rng.uniform(0.1, 8.0)]))
            pool.book(start, length, int(rng.integers(1, cap + 1)))
        t = float(rng.integers(0, 40)) / 2 if rng.random() < 0.5 else rng.uniform(0, 40)
        length = float(rng.choice([1.0, 2.5, rng.uniform(0.1, 8.0)]))
        k = int(rng.integers(1, cap + 1))
        expected = t if pool.pending + k <= cap else pool._earliest_scan(t, length, k)
        assert pool.earliest(t, length, k) == expected
        if pool.fits(t, length, k):
            assert expected == t


# ----------------------------------------------------------------- weather


def test_a_closure_delays_by_its_length(tmp_path):
    weather = {"closures": [{"start_h": 2.0, "end_h": 12.0, "kind": "fog"}]}
    sc = scenario(tmp_path, weather=weather)
    log = PortModel(sc, plan([2.0])).run()
    assert log.waits["weather"][0] == pytest.approx(10.0)
    assert log.berthed_h[0] == pytest.approx(13.0)


def test_a_closure_ahead_keeps_ships_out_of_the_channel(tmp_path):
    # a 1-h transit starting at 1.5 h would run into the closure at 2 h: wait to 12 h
    weather = {"closures": [{"start_h": 2.0, "end_h": 12.0}]}
    log = PortModel(scenario(tmp_path, weather=weather), plan([1.5])).run()
    assert log.berthed_h[0] == pytest.approx(13.0)


def test_berth_closure_pauses_cargo_work(tmp_path):
    # a typhoon closes channel and berths over [10, 20) h: the ship alongside from 1 h
    # stops work for 10 h and leaves 10 h later than it would have
    weather = {"closures": [{"start_h": 10.0, "end_h": 20.0, "closes": ["channel", "berths"]}]}
    log = PortModel(scenario(tmp_path, weather=weather), plan([0.0])).run()
    assert log.waits["weather"][0] == pytest.approx(10.0)
    assert log.unberthed_h[0] == pytest.approx(32.5 + 10.0)
    assert log.departed_h[0] == pytest.approx(43.5)


def test_random_weather_is_the_same_across_channel_scenarios(tmp_path):
    weather = {"events": [{"kind": "fog", "per_year": 50, "duration_h": [2, 4],
                           "months": [1], "start_hour": [4, 8], "source": "assumption"}]}
    a = scenario(tmp_path / "a", weather=weather)
    b = scenario(tmp_path / "b", weather=weather,
                 segments=[seg(two_way_max_dwt=100_000, headway_h=0.5)])
    ta = PortModel(a, plan([0.0]), replication=3).channel.events
    tb = PortModel(b, plan([0.0]), replication=3).channel.events
    assert ta == tb and len(ta) > 0
    assert all(4 <= s % 24 <= 8 for _, s, _, _ in ta)
    assert PortModel(a, plan([0.0]), replication=4).channel.events != ta


# ----------------------------------------------------------------- bookkeeping


def _busy_port(tmp_path):
    tugs = {"count": 3, "assist_h": 1.0, "needed": [{"max_dwt": 60_000, "tugs": 1},
                                                    {"max_dwt": 1e6, "tugs": 2}],
            "source": "assumption"}
    weather = {"events": [{"kind": "typhoon", "per_year": 6, "duration_h": [24, 48],
                           "closes": ["channel", "berths"], "source": "assumption"},
                          {"kind": "fog", "per_year": 20, "duration_h": [2, 4],
                           "source": "assumption"}]}
    classes = [container_class("S", dwt=50_000), BIG]
    port = port_dict([berth(f"B{k}", cranes=2, depth=20, max_dwt=200_000) for k in range(4)],
                     classes)
    port["anchorages"] = [{"id": "ANC", "name": "anchorage", "source": "assumption"}]
    port["channel_segments"] = [seg("OUT", bottom_depth_m=13.0, two_way_max_dwt=100_000,
                                    headway_h=0.25),
                                seg("IN", length=9.26, bottom_depth_m=14.0)]
    port["routes"] = [{"area": "A", "anchorage": "ANC", "segments": ["OUT", "IN"]}]
    port.update({"tide": DIURNAL, "tugs": tugs, "weather": weather,
                 "pilots": {"count": 2, "boarding_h": 0.5, "return_h": 0.5,
                            "source": "assumption"}})
    return make_scenario(tmp_path, port, {
        "name": "busy",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 1_500_000,
                    "classes": [{"ship_class": "S", "share": 4,
                                 "per_call": {"dist": "gamma", "mean": 1500, "cv": 0.4}},
                                {"ship_class": "BIG", "share": 1,
                                 "per_call": {"dist": "gamma", "mean": 4000, "cv": 0.3}}],
                    "normalise": True}],  # shares written as 4:1 weights
        "rules": {"channel_ukc_m": 0.5, "handling_cv": 0.5},
        "run": {"horizon_days": 120, "warmup_days": 10, "seed": 3},
    })


@pytest.mark.parametrize("call_in", ["berth_free", "just_in_time"])
def test_every_hour_is_booked_to_one_cause_or_to_work(tmp_path, call_in):
    sc = _busy_port(tmp_path)
    sc = sc.model_copy(update={"rules": sc.rules.model_copy(update={"call_in": call_in})})
    res = simulate(sc, 0)
    c = res.calls.merge(res.tables["channel_calls"], on="call")
    done = c[c["status"] == "departed"]
    assert len(done) > 200
    waits = [col for col in c if col.startswith("wait_") and col != "wait_total_h"]
    assert {"wait_berth_h", "wait_tide_h", "wait_channel_h", "wait_pilot_h", "wait_tug_h",
            "wait_weather_h"} <= set(waits)
    for cause in ("tide", "channel", "pilot", "tug", "weather"):
        assert done[f"wait_{cause}_h"].sum() > 0, cause
    rules = sc.rules
    booked = (done["wait_total_h"] + done["sail_in_h"] + done["sail_out_h"] + rules.berthing_h
              + done["handling_h"] + rules.unberthing_h)
    np.testing.assert_allclose(done["departed_h"] - done["arrival_h"], booked, atol=1e-6)
    # and nobody sails in a closure, nor through a segment too shallow for the tide
    ch = res.tables["channel_segments"].set_index("segment")
    assert ch.loc["OUT", "conflicts"] > 0 and ch.loc["OUT", "one_way_passages"] > 0
    assert 0 < ch.loc["OUT", "occupancy"] < 1


def test_no_ship_sails_in_a_closure_or_outside_its_window(tmp_path):
    sc = _busy_port(tmp_path)
    res = simulate(sc, 1)
    model_tide = TideModel(Tide(**DIURNAL), 200 * 24)
    w = res.tables["weather"]
    cc = res.tables["channel_calls"].merge(res.calls[["call", "ship_class"]], on="call")
    for d in ("in", "out"):
        st = cc[f"start_{d}_h"].dropna()
        st = st[np.isfinite(st)]
        sail = cc.loc[st.index, f"sail_{d}_h"]
        for s, e in zip(w["start_h"], w["end_h"], strict=True):
            assert not ((st < e) & (st + sail > s)).any()
        big = cc.loc[st.index, "ship_class"] == "BIG"
        # BIG: draught 15.0 + 0.5 - 13.0 = 2.5 m over the first hour of the channel
        # (inbound after 0.5 h boarding; outbound the OUT segment is the last hour)
        t0 = st[big] + (0.5 if d == "in" else 0.5 + 0.5)
        for k in np.linspace(0, 1, 11):
            assert (model_tide.level(t0.to_numpy() + k) >= 2.5 - 1e-6).all()


def test_results_carry_channel_kpis(tmp_path):
    res = simulate(_busy_port(tmp_path), 0)
    p = res.port
    for k in ("mean_wait_tide_h", "mean_wait_channel_h", "mean_wait_pilot_h",
              "mean_wait_tug_h", "mean_wait_weather_h", "mean_wait_total_h",
              "tide_bound_calls_share", "one_way_conflicts_per_year",
              "channel_max_occupancy", "pilot_utilisation", "tug_utilisation",
              "channel_closed_h_per_year"):
        assert k in p.index, k
    assert 0 < p["tide_bound_calls_share"] < 1
    res2 = summarise(res.scenario, 0, *_again(res.scenario))
    assert set(res2.port.index) == set(p.index)


def _again(sc):
    from portsim.demand import plan_calls

    pl = plan_calls(sc, 0)
    m = PortModel(sc, pl, 0)
    log = m.run()
    return pl, log, m.in_system(), m.tables()


def test_marine_model_off_gives_fixed_transits(tmp_path):
    sc = _busy_port(tmp_path)
    off = sc.model_copy(update={"rules": sc.rules.model_copy(update={"marine_model": False})})
    res = simulate(off, 0)
    assert "channel_calls" not in res.tables
    c = res.calls[res.calls["status"] == "departed"]
    np.testing.assert_allclose(c["berthed_h"] - c["called_h"], 1.5)  # 1 h + 0.5 h segments


def test_consecutive_segments_with_one_rule_form_one_traffic_section(tmp_path):
    # two 1-h segments, same rule, same routes: one section; a ship meeting the first one
    # waits for it to clear both (2 h) plus the headway — as segment-by-segment checks give
    sc = scenario(tmp_path, segments=[seg("S1", two_way_max_dwt=100_000, headway_h=0.25),
                                      seg("S2", two_way_max_dwt=100_000, headway_h=0.25)])
    ch = PortModel(sc, plan([0.0, 0.0])).channel
    assert list(ch.states) == ["S1+S2"]
    ch.plan(0, 0.0, INBOUND)
    start, _ = ch.plan(1, 0.0, OUTBOUND)
    assert start == pytest.approx(2.25)


def test_ship_takes_the_route_that_gets_it_through_soonest(tmp_path):
    # route A: a 1-h shallow segment (tide window from HW - 4 h to HW + 3 h); route B: a
    # 2-h deep one. At 0 h route A is open (in at 1 h); at 5 h it is closed until 20 h,
    # so route B (in at 7 h) wins.
    segments = [seg("SHALLOW", bottom_depth_m=13.0), seg("DEEP", length=37.04)]
    routes = [{"id": "A", "area": "A", "anchorage": "ANC", "segments": ["SHALLOW"]},
              {"id": "B", "area": "A", "anchorage": "ANC", "segments": ["DEEP"]}]
    sc = scenario(tmp_path, segments=segments, routes=routes, tide=DIURNAL)
    model = PortModel(sc, plan([0.0, 5.0]))
    log = model.run()
    assert log.berthed_h == pytest.approx([1.0, 7.0])
    res = summarise(sc, 0, model.plan, log, model.in_system(), model.tables())
    assert res.tables["channel_calls"]["route_in"].astype(str).tolist() == ["A", "B"]
    assert log.waits["tide"][1] == 0.0


def test_channel_plots_draw(tmp_path):
    from portsim import plots

    res = simulate(_busy_port(tmp_path), 0)
    plots.save(plots.channel_diagram(res, days=5.0), tmp_path / "channel.png")
    assert (tmp_path / "channel.png").stat().st_size > 10_000


def test_ships_are_conserved_with_the_channel_model(tmp_path):
    res = simulate(_busy_port(tmp_path), 2)
    p = res.port
    assert p["calls_arrived"] == p["calls_departed"] + res.in_system_at_end


def test_forgetting_old_bookings_never_changes_a_plan(tmp_path, monkeypatch):
    """Pools and sections drop finished bookings to stay fast; keeping them all must give
    the very same run (a ship ready after a berth closure plans ahead of the clock)."""
    sc = _busy_port(tmp_path)
    fast = simulate(sc, 0).calls
    from portsim.model import channel as ch_mod
    from portsim.model import marine

    monkeypatch.setattr(marine.Pool, "forget_before", lambda self, now: None)
    monkeypatch.setattr(ch_mod.SegmentState, "forget_before", lambda self, now: None)
    slow = simulate(sc, 0).calls
    pd.testing.assert_frame_equal(fast, slow)
