"""Just-in-time call-in, worked out on paper (``rules.call_in: just_in_time``).

The port of the hand cases: one berth, 2 cranes x 25 moves/h x 0.8 = 40 moves/h, 1000
moves -> 25 h of work stretched by 24/20 working hours = 30 h; berthing 1 h, unberthing
0.5 h; a channel of 18.52 km at 10 kn = 1 h sailing (P) each way, no tide, no pilots.
"""

from __future__ import annotations

import pytest

from portsim.model.port import PortModel
from portsim.results import summarise
from tests.conftest import berth, container_class
from tests.test_model_hand_cases import _plan, _scenario

CHANNEL = {
    "anchorages": [{"id": "anch", "name": "anchorage", "source": "assumption"}],
    "channel_segments": [{"id": "ch", "name": "channel", "length_km": 18.52,
                          "speed_kn": 10, "source": "assumption"}],
    "routes": [{"area": "A", "anchorage": "anch", "segments": ["ch"]}],
}


def _run(tmp_path, call_in, arrivals, berths=None, classes=None, ship_classes=None):
    sc = _scenario(tmp_path, berths or [berth("B1", cranes=2)], classes=ship_classes,
                   rules={"call_in": call_in, "etb_error_h": 0.0}, port_extra=CHANNEL)
    plan = _plan(arrivals, classes=classes)
    model = PortModel(sc, plan)
    log = model.run()
    return sc, plan, model, log


def test_the_next_ship_arrives_as_the_berth_frees(tmp_path):
    # ship 0: called 0, berths 1 (P), works to 32, leaves the berth at 32.5 (planned free).
    # Ship 1 (waiting since 0.5) weighs anchor at 32.5 - P = 31.5 and berths at 32.5: the
    # berth is idle between the two ships' work only for unberthing + berthing (1.5 h).
    sc, plan, model, log = _run(tmp_path, "just_in_time", [0.0, 0.5])
    assert log.unberthed_h[0] == pytest.approx(32.5)
    assert log.called_h[1] == pytest.approx(31.5)
    assert log.berthed_h[1] == pytest.approx(32.5)
    gap = (log.berthed_h[1] + 1.0) - log.handled_h[0]  # work of 1 starts after berthing
    assert gap == pytest.approx(0.5 + 1.0)
    res = summarise(sc, 0, plan, log, model.in_system())
    # ship 0 was called to a free berth: it held it for its approach (P); ship 1 none
    assert res.calls["reserved_h"].tolist() == pytest.approx([1.0, 0.0])
    assert res.calls["wait_berth_h"].tolist() == pytest.approx([0.0, 31.0])


def test_berth_free_call_in_holds_the_berth_during_the_approach(tmp_path):
    # the plain model: ship 1 is called when ship 0 has left (32.5) and berths P later;
    # the berth is idle for unberthing + P + berthing between the two ships' work
    sc, plan, model, log = _run(tmp_path, "berth_free", [0.0, 0.5])
    assert log.called_h[1] == pytest.approx(32.5)
    assert log.berthed_h[1] == pytest.approx(33.5)
    res = summarise(sc, 0, plan, log, model.in_system())
    assert res.calls["reserved_h"].tolist() == pytest.approx([1.0, 1.0])


def test_a_late_departure_is_the_called_ships_quay_wait(tmp_path):
    # with a typhoon-free channel but 2 h of extra alongside time for ship 0 that the
    # terminal could not plan for (a berth held by its outbound pilot), ship 1 arrives
    # on plan at 32.5 and waits off the berth until ship 0 has left
    extra = dict(CHANNEL, pilots={"count": 1, "boarding_h": 0.0, "return_h": 2.0,
                                  "min_dwt": 0, "source": "assumption"})
    sc = _scenario(tmp_path, [berth("B1", cranes=2)],
                   rules={"call_in": "just_in_time", "etb_error_h": 0.0}, port_extra=extra)
    plan = _plan([0.0, 0.5])
    log = PortModel(sc, plan).run()
    # ship 0's pilot: boards at 0, 1 h inbound + 1 h berthing + 2 h back = free at 4.
    # Ship 1's inbound pilot is booked when it is called (31.5): the pilot is free, it
    # sails 31.5 -> 32.5. Ship 0 is ready to sail at 32.5 but the only pilot is then on
    # ship 1's job until 32.5 + 1 h berthing + 2 h return = 35.5: ship 0 leaves at 35.5,
    # so ship 1 waits 3 h off the berth (its quay wait) and berths at 35.5.
    assert log.berthed_h[1] == pytest.approx(35.5)
    assert log.waits["quay"][1] == pytest.approx(3.0)
    assert log.unberthed_h[0] == pytest.approx(35.5)


def test_a_called_ship_follows_only_a_space_it_fits(tmp_path):
    # a 600 m line: a small ship (230 m) and a large one (430 m) alongside would not fit;
    # the large ship waits for the small one to be planned out and follows it
    classes = [container_class("S", loa=200), container_class("L", loa=400, dwt=90_000)]
    *_, log = _run(
        tmp_path, "just_in_time", [0.0, 0.5], ship_classes=classes, classes=[0, 1],
        berths=[berth("Q1", length=300, cranes=2, line="L"),
                berth("Q2", length=300, cranes=2, line="L")])
    assert log.start_m[1] == 0.0
    assert log.berthed_h[1] == pytest.approx(log.unberthed_h[0])


def test_just_in_time_conserves_ships(tmp_path):
    # many ships on two berths: every arrival departs or is still in the port
    sc, plan, model, log = _run(tmp_path, "just_in_time", [i * 7.0 for i in range(40)],
                                berths=[berth("B1", cranes=2), berth("B2", cranes=2)])
    res = summarise(sc, 0, plan, log, model.in_system())
    arrived = int((res.calls["arrival_h"] < 240).sum())
    departed = int((res.calls["status"] == "departed").sum())
    assert arrived == departed + model.in_system()
    served = res.calls.dropna(subset=["berthed_h"])
    assert (served["reserved_h"] >= -1e-9).all()
    # no two ships alongside the same berth at once
    b = served.sort_values("berthed_h")
    for line in b["quay_line"].unique():
        on = b[b["quay_line"] == line]
        assert (on["berthed_h"].to_numpy()[1:] >= on["unberthed_h"].to_numpy()[:-1] - 1e-9).all()


# ----------------------------------------------------------------- call-in lead
# A tide-bound ship (draught 15 m over a 13 m channel: 2.5 m of tide needed) on the test
# channel's diurnal tide: a 1-h passage may start only in [HW - 4, HW + 3], i.e. in
# [20, 27], [44, 51], [68, 75] … h (tests/test_channel.py works these windows out). It
# leaves light (draught out 12 m: no tide outbound). One berth; 1750 TEU = 1000 moves at
# 40 moves/h = 30 h of work; alongside 1 + 30 + 0.5 = 31.5 h. The terminal looks 4 h
# ahead for a follower (its look-ahead is longest sailing + 3 ETB-error SDs; the ETB
# error is set to 0 so that the case is exact, the look-ahead to 4 h by hand).


def _lead_run(tmp_path, lead, arrivals):
    from tests.test_channel import BIG, DIURNAL, plan, scenario, seg

    light_out = {**BIG, "draught_out_m": 12.0}
    sc = scenario(tmp_path, segments=[seg(bottom_depth_m=13.0)], tide=DIURNAL,
                  classes=[light_out], berths=[berth("B1", cranes=2, depth=20,
                                                     max_dwt=200_000)],
                  rules={"call_in": "just_in_time", "etb_error_h": 0.0,
                         "call_in_lead": lead})
    p = plan(arrivals)
    model = PortModel(sc, p)
    model.quays[0].just_in_time.lead_h = 4.0
    log = model.run()
    res = summarise(sc, 0, p, log, model.in_system())
    idle = (log.berthed_h[1] + 1.0) - log.handled_h[0]  # between the two ships' work
    return log, res.calls, idle



def test_planned_passage_with_no_marine_waits_is_the_sailing_lead(tmp_path):
    # the first hand case with call_in_lead: planned_passage: the passage at F - P is
    # clear, so the ship weighs anchor then and the berth idles for unberthing + berthing
    sc = _scenario(tmp_path, [berth("B1", cranes=2)], port_extra=CHANNEL,
                   rules={"call_in": "just_in_time", "etb_error_h": 0.0,
                          "call_in_lead": "planned_passage"})
    plan = _plan([0.0, 0.5])
    log = PortModel(sc, plan).run()
    assert log.called_h[1] == pytest.approx(31.5)
    assert log.berthed_h[1] == pytest.approx(32.5)
    assert (log.berthed_h[1] + 1.0) - log.handled_h[0] == pytest.approx(0.5 + 1.0)


def test_planned_passage_takes_the_last_high_water_before_the_berth_frees(tmp_path):
    # ship 0 arrives at 21 (window open): sails 21-22, works 23-53, leaves the berth at
    # F = 53.5. The follower (waiting since 21.5) is called at F - 4 = 49.5.
    #  sailing: it weighs anchor at F - 1 = 52.5, past the window that closed at 51,
    #    waits for the next one (68) and berths at 69: the berth stands empty 69 - 53.5 =
    #    15.5 h; between the two ships' work 0.5 + 15.5 + 1 = 17 h.
    #  planned passage: F - 1 is shut; the last clear start before it is 51 (arrives 52,
    #    1.5 h early) and the first after it 68 (arrives 69, 15.5 h late): it starts at
    #    51, waits 1.5 h off the berth (quay wait) and berths at 53.5 as the berth frees.
    log, calls, idle = _lead_run(tmp_path, "sailing", [21.0, 21.5])
    assert log.unberthed_h[0] == pytest.approx(53.5, abs=1e-8)
    assert log.called_h[1] == pytest.approx(52.5, abs=1e-8)
    assert log.berthed_h[1] == pytest.approx(69.0, abs=1e-8)
    assert calls["reserved_h"].iloc[1] == pytest.approx(15.5, abs=1e-8)
    assert idle == pytest.approx(0.5 + 15.5 + 1.0, abs=1e-8)
    log, calls, idle = _lead_run(tmp_path, "planned_passage", [21.0, 21.5])
    assert log.unberthed_h[0] == pytest.approx(53.5, abs=1e-8)
    assert log.called_h[1] == pytest.approx(51.0, abs=1e-6)
    assert log.waits["quay"][1] == pytest.approx(1.5, abs=1e-6)
    assert log.waits["tide"][1] == pytest.approx(0.0, abs=1e-9)
    assert log.berthed_h[1] == pytest.approx(53.5, abs=1e-8)
    assert calls["reserved_h"].iloc[1] == pytest.approx(0.0, abs=1e-8)
    assert idle == pytest.approx(0.5 + 1.0, abs=1e-8)


@pytest.mark.parametrize("lead", ["sailing", "planned_passage"])
def test_the_tide_residual_is_kept_when_no_passage_meets_the_berth(tmp_path, lead):
    # ship 0 arrives at 1 (window [-4, 3] open): berths 2, leaves the berth at F = 33.5.
    # The follower is called at F - 4 = 29.5, after the window [20, 27] closed: no start
    # from 29.5 arrives by F, the next window opens at 44 (arrives X = 45). Both leads:
    # the berth stands empty X - F = 11.5 h; between the two ships' work 0.5 + 11.5 + 1.
    log, calls, idle = _lead_run(tmp_path, lead, [1.0, 1.5])
    assert log.unberthed_h[0] == pytest.approx(33.5, abs=1e-8)
    assert log.berthed_h[1] == pytest.approx(45.0, abs=1e-8)
    assert log.waits["tide"][1] == pytest.approx(44.0 - 32.5, abs=1e-8)
    assert calls["reserved_h"].iloc[1] == pytest.approx(45.0 - 33.5, abs=1e-8)
    assert idle == pytest.approx(0.5 + 11.5 + 1.0, abs=1e-8)
