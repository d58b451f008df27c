"""Design-code berth utilisation (JTS 165 berth-time basis), worked out by hand, beside the
quay-metre occupancy."""

from __future__ import annotations

import pytest

from portsim.model.port import PortModel
from portsim.results import berths_frame, summarise
from tests.conftest import berth
from tests.test_model_hand_cases import _plan, _scenario

CHANNEL = {  # 18.52 km at 10 kn: 1 h from the anchorage to the berths
    "anchorages": [{"id": "anch", "name": "anchorage", "source": "assumption"}],
    "channel_segments": [{"id": "ch", "name": "channel", "length_km": 18.52, "speed_kn": 10,
                          "source": "assumption"}],
    "routes": [{"area": "A", "anchorage": "anch", "segments": ["ch"]}],
}


def test_two_berths_reserved_time_counts(tmp_path):
    # Two berths of their own, calls at 0, 5 and 10 h; 1 h sailing in (the berth is
    # reserved from call-in), then 1 h berthing + 30 h handling + 0.5 h unberthing.
    # call 0: B1 reserved 0, berthed 1, unberthed 32.5
    # call 1: B2 reserved 5, berthed 6, unberthed 37.5
    # call 2: waits for B1: reserved 32.5, berthed 33.5, unberthed 65
    sc = _scenario(tmp_path, [berth("B1", cranes=2), berth("B2", cranes=2)],
                   port_extra=CHANNEL)
    plan = _plan([0.0, 5.0, 10.0])
    model = PortModel(sc, plan)
    log = model.run()
    assert log.called_h == pytest.approx([0.0, 5.0, 32.5])
    assert log.unberthed_h == pytest.approx([32.5, 37.5, 65.0])
    res = summarise(sc, 0, plan, log, model.in_system())
    b = res.berths.set_index("berth")
    window = 240.0  # 10 days, no warm-up
    # berth-time basis: reserved + alongside hours per berth
    assert b.loc["B1", "berth_utilisation"] == pytest.approx(65.0 / window, abs=1e-12)
    assert b.loc["B2", "berth_utilisation"] == pytest.approx(32.5 / window, abs=1e-12)
    # quay-metre occupancy: alongside only (berthing to unberthing), 31.5 h per call
    assert b.loc["B1", "occupancy"] == pytest.approx(63.0 / window, abs=1e-12)
    assert b.loc["B2", "occupancy"] == pytest.approx(31.5 / window, abs=1e-12)
    t = res.terminals.set_index("terminal").loc["T"]
    assert t["berth_utilisation"] == pytest.approx(97.5 / (2 * window), abs=1e-12)
    assert t["occupancy"] == pytest.approx(94.5 / (2 * window), abs=1e-12)

    # with the reserved hours the call log gives (a berth held 0.25 h before berthing),
    # the reservation starts then, not at call-in
    calls = res.calls.assign(reserved_h=0.25)
    b2 = berths_frame(sc, calls).set_index("berth")
    assert b2.loc["B1", "berth_utilisation"] == pytest.approx(
        (32.5 - 0.75 + 65.0 - 33.25) / window, abs=1e-12)
    assert b2.loc["B2", "berth_utilisation"] == pytest.approx((37.5 - 5.75) / window,
                                                              abs=1e-12)


def test_continuous_quay_counts_each_design_berth_once(tmp_path):
    # 600 m quay built as two 300 m berths; ships of 200 m LOA + 30 m clearance. Calls at
    # 0, 0, 0: the first at 0 m (hull 15-215 m: berth Q1), the second at 230 m (hull
    # 245-445 m: across Q1 and Q2), both 0-31.5 h; the third waits and lies at 0 m from
    # 31.5 to 63 h. Q1 is taken 0-63 h (two ships at once count once), Q2 0-31.5 h.
    sc = _scenario(tmp_path, [berth("Q1", length=300, cranes=2, line="L"),
                              berth("Q2", length=300, cranes=2, line="L")])
    plan = _plan([0.0, 0.0, 0.0])
    model = PortModel(sc, plan)
    log = model.run()
    assert log.start_m == pytest.approx([0.0, 230.0, 0.0])
    res = summarise(sc, 0, plan, log, model.in_system())
    b = res.berths.set_index("berth")
    window = 240.0
    assert b.loc["Q1", "berth_utilisation"] == pytest.approx(63.0 / window, abs=1e-12)
    assert b.loc["Q2", "berth_utilisation"] == pytest.approx(31.5 / window, abs=1e-12)
    # quay-metre occupancy: 230 + 70 + 230 metres on Q1, 160 m on Q2, 31.5 h each
    assert b.loc["Q1", "occupancy"] == pytest.approx(530 * 31.5 / (300 * window))
    assert b.loc["Q2", "occupancy"] == pytest.approx(160 * 31.5 / (300 * window))
    t = res.terminals.set_index("terminal").loc["T"]
    assert t["berth_utilisation"] == pytest.approx(94.5 / (2 * window), abs=1e-12)
