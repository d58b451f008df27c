"""Segment traffic rules: ``one_at_a_time`` beside the ``convoy`` rule, hand-computed.

Set-up as in test_channel: one 18.52 km segment at 10 kn takes exactly 1 h; a ship
alongside takes 1 h berthing + 30 h of work + 0.5 h unberthing = 31.5 h. A sea-going
ship (150,000 t) and a river-sea barge (5,000 t) are both below the segment's two-way
limit, so under the convoy rule they pass freely.
"""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from portsim.model.channel import INBOUND, OUTBOUND, SegmentState
from portsim.model.port import PortModel
from tests.conftest import container_class
from tests.test_channel import BIG, plan, scenario, seg

BARGE = container_class("RS-5000", loa=110, draught=5.5, dwt=5_000)
HEADWAY = 0.25


def _run(tmp_path, rule: str, arrivals, classes):
    sc = scenario(tmp_path, classes=[BIG, BARGE],
                  segments=[seg(two_way_max_dwt=200_000, headway_h=HEADWAY, traffic_rule=rule)])
    model = PortModel(sc, plan(arrivals, classes=classes))
    return model, model.run()


def test_barge_meeting_an_outbound_ship_waits_until_it_is_out_plus_the_headway(tmp_path):
    # the sea-going ship: in 0-1 h, alongside at 1 h, unberthed and sailing out 32.5-33.5 h.
    # The barge is called in at 33.0 h: one at a time, it enters at 33.5 + 0.25 = 33.75 h
    model, log = _run(tmp_path, "one_at_a_time", [0.0, 33.0], [0, 1])
    assert model.channel.start[OUTBOUND][0] == pytest.approx(32.5, abs=1e-9)
    assert model.channel.start[INBOUND][1] == pytest.approx(33.75, abs=1e-9)
    assert log.waits["channel"][1] == pytest.approx(0.75, abs=1e-9)
    assert log.berthed_h[1] == pytest.approx(33.75 + 1.0, abs=1e-9)
    # the convoy rule lets the two pass each other (both below the two-way limit)
    _, convoy = _run(tmp_path, "convoy", [0.0, 33.0], [0, 1])
    assert convoy.waits.get("channel", [0.0, 0.0])[1] == 0.0
    assert convoy.berthed_h[1] == pytest.approx(33.0 + 1.0, abs=1e-9)


def test_a_follower_in_the_same_direction_waits_for_the_ship_ahead_to_leave(tmp_path):
    # barge called in at 0 h (in 0-1 h), sea-going ship at 0.2 h: enters at 1.25 h
    model, log = _run(tmp_path, "one_at_a_time", [0.0, 0.2], [1, 0])
    assert model.channel.start[INBOUND][1] == pytest.approx(1.0 + HEADWAY, abs=1e-9)
    assert log.waits["channel"][1] == pytest.approx(1.05, abs=1e-9)
    _, convoy = _run(tmp_path, "convoy", [0.0, 0.2], [1, 0])
    assert convoy.waits.get("channel", [0.0, 0.0])[1] == 0.0
    assert convoy.berthed_h[1] == pytest.approx(0.2 + 1.0, abs=1e-9)


def test_one_at_a_time_state_never_lets_two_passages_overlap():
    # random requests in both directions: booked passages [s, s + 1] are pairwise at
    # least the headway apart, whatever their directions (the rule's invariant)

    rng = random.Random(7)
    st = SegmentState("S", 1.0, 0.3, follow=1.3)
    booked = []
    for _ in range(300):
        d = rng.randrange(2)
        s = st.clear(rng.uniform(0, 200), d, True)
        st.book(s, d, True)
        booked.append(s)
    booked.sort()
    gaps = [b - a for a, b in pairwise(booked)]
    assert min(gaps) >= 1.3 - 1e-9
