"""Hand-computed cases: every timestamp of a few calls, worked out on paper."""

from __future__ import annotations

import numpy as np
import pytest

from portsim.demand import CallPlan
from portsim.model.port import PortModel
from portsim.results import summarise
from tests.conftest import berth, container_class, make_scenario, port_dict


def _plan(arrivals, classes=None, volumes=None, factors=None, liner=None) -> CallPlan:
    n = len(arrivals)
    return CallPlan(
        arrival_h=np.asarray(arrivals, float),
        flow=np.zeros(n, int),
        ship_class=np.asarray(classes if classes is not None else [0] * n),
        terminal=np.zeros(n, int),
        volume=np.asarray(volumes if volumes is not None else [1750.0] * n, float),
        handling_factor=np.asarray(factors if factors is not None else [1.0] * n, float),
        liner=np.asarray(liner if liner is not None else [False] * n, bool),
    )


def _scenario(tmp_path, berths, classes=None, rules=None, port_extra=None):
    port = port_dict(berths, classes)
    port.update(port_extra or {})
    return make_scenario(tmp_path, port, {
        "name": "hand",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 1000,
                    "classes": [{"ship_class": (classes or [container_class()])[0]["id"],
                                 "share": 1, "per_call": {"dist": "fixed", "mean": 1000}}]}],
        "rules": {"teu_factor": 1.75, "default_cranes_per_ship": 2, "crane_efficiency": 0.8,
                  "berthing_h": 1.0, "unberthing_h": 0.5, "working_hours_per_day": 20,
                  **(rules or {})},
        "run": {"horizon_days": 10, "warmup_days": 0},
    })


def test_two_calls_one_berth_timestamps(tmp_path):
    # 1750 TEU / 1.75 = 1000 moves; 2 cranes x 25 moves/h x 0.8 = 40 moves/h -> 25 h of work,
    # stretched by 24/20 working hours -> 30 h. Alongside: 1 h berthing + 30 h + 0.5 h = 31.5 h.
    sc = _scenario(tmp_path, [berth("B1", cranes=2)])
    plan = _plan([0.0, 1.0])
    model = PortModel(sc, plan)
    log = model.run()
    assert log.called_h == [0.0, 31.5]
    assert log.handled_h[0] == pytest.approx(31.0)
    assert log.unberthed_h == pytest.approx([31.5, 63.0])
    res = summarise(sc, 0, plan, log, model.in_system())
    assert res.calls["wait_berth_h"].tolist() == pytest.approx([0.0, 30.5])
    assert res.calls["handling_h"].tolist() == pytest.approx([30.0, 30.0])
    # occupancy over the 240 h window: 63 h of ship time on one berth
    assert res.berths["occupancy"].iloc[0] == pytest.approx(63.0 / 240.0)


def test_channel_transit_reserves_the_berth(tmp_path):
    # 18.52 km at 10 kn (18.52 km/h) = 1 h each way; the berth is held from call-in.
    extra = {
        "anchorages": [{"id": "anch", "name": "anchorage", "source": "assumption"}],
        "channel_segments": [{"id": "ch", "name": "channel", "length_km": 18.52,
                              "speed_kn": 10, "source": "assumption"}],
        "routes": [{"area": "A", "anchorage": "anch", "segments": ["ch"]}],
    }
    sc = _scenario(tmp_path, [berth("B1", cranes=2)], port_extra=extra)
    log = PortModel(sc, _plan([0.0, 0.0])).run()
    assert log.berthed_h[0] == pytest.approx(1.0)
    assert log.unberthed_h[0] == pytest.approx(32.5)
    assert log.departed_h[0] == pytest.approx(33.5)
    assert log.called_h[1] == pytest.approx(32.5)  # called in when the first ship unberths
    assert log.berthed_h[1] == pytest.approx(33.5)


def test_continuous_quay_takes_two_ships_side_by_side(tmp_path):
    # 600 m quay in two 300 m sections; a ship needs 200 + 30 = 230 m: two fit (460 m),
    # a third waits until one leaves; cranes: 2 per section, 2 per ship.
    sc = _scenario(tmp_path, [berth("Q1", length=300, cranes=2, line="L"),
                              berth("Q2", length=300, cranes=2, line="L")])
    log = PortModel(sc, _plan([0.0, 0.0, 0.0])).run()
    assert log.called_h == [0.0, 0.0, 31.5]
    assert log.start_m[:2] == [0.0, 230.0]
    assert log.start_m[2] == 0.0


def test_long_ship_spans_sections_and_waits_for_the_whole_stretch(tmp_path):
    classes = [container_class("S", loa=200), container_class("L", loa=400, dwt=90_000)]
    sc = _scenario(tmp_path, [berth("Q1", length=300, cranes=2, line="L"),
                              berth("Q2", length=300, cranes=2, line="L")], classes=classes)
    # a small ship at 0 h takes [0, 230); the long ship (430 m) cannot fit beside it (370 m free)
    log = PortModel(sc, _plan([0.0, 0.5], classes=[0, 1])).run()
    assert log.called_h[1] == pytest.approx(31.5)
    assert log.start_m[1] == 0.0


def test_draught_and_class_limits_pick_the_right_berth(tmp_path):
    classes = [container_class("DEEP", draught=14.5, dwt=100_000)]
    sc = _scenario(tmp_path, [berth("SHALLOW", depth=12.0, cranes=2),
                              berth("SMALL", depth=16.0, max_dwt=50_000, cranes=2),
                              berth("OK", depth=15.1, cranes=2)], classes=classes)
    log = PortModel(sc, _plan([0.0, 0.0], classes=[0, 0])).run()
    # 14.5 m + 0.6 m UKC = 15.1 m: only OK qualifies, so the second ship waits for it
    assert log.line == [2, 2]
    assert log.called_h[1] == pytest.approx(31.5)


def test_crane_pool_limits_ships_on_a_quay_line(tmp_path):
    # 3 cranes on a 700 m line: the first ship takes 2, the second gets the remaining 1 and
    # works at half speed (1000 moves / (1 x 25 x 0.8) = 50 h, x 24/20 = 60 h).
    sc = _scenario(tmp_path, [berth("Q1", length=350, cranes=2, line="L"),
                              berth("Q2", length=350, cranes=1, line="L")])
    log = PortModel(sc, _plan([0.0, 0.0])).run()
    assert log.cranes == [2, 1]
    assert log.handled_h[1] - log.berthed_h[1] == pytest.approx(1.0 + 60.0)


def test_liner_first_priority(tmp_path):
    sc = _scenario(tmp_path, [berth("B1", cranes=2)], rules={"queue_priority": "liner_first"})
    log = PortModel(sc, _plan([0.0, 1.0, 2.0], liner=[False, False, True])).run()
    # the liner (arrived last) is called in before the tramp that arrived at 1 h
    assert log.called_h[2] == pytest.approx(31.5)
    assert log.called_h[1] == pytest.approx(63.0)
