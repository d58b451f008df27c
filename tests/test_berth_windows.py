"""Berth windows in berth allocation, worked out on paper (``berth_windows: protected``
unless a test says ``priority``).

The hand-case port (see tests/test_model_hand_cases.py): 1000 moves at 2 cranes x 25
moves/h x 0.8, stretched by 24/20 working hours -> 30 h of work; berthing 1 h and
unberthing 0.5 h -> 31.5 h alongside; no channel (no approach time).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

from portsim.demand import CallPlan
from portsim.model.port import PortModel
from tests.conftest import berth
from tests.test_model_hand_cases import _plan, _scenario

PROTECTED = {"berth_windows": "protected"}


class _Service(NamedTuple):
    quay_line: str
    start_m: float


def _windowed(arrivals, windows, services, **kw) -> CallPlan:
    """A call plan whose calls ``windows[i] = (service, open_h, length_h)`` are on-window
    (None: an off-window or tramp call)."""
    base = _plan(arrivals, **kw)
    service = np.array([w[0] if w else -1 for w in windows])
    opens = np.array([w[1] if w else np.nan for w in windows], float)
    length = np.array([w[2] if w else np.nan for w in windows], float)
    fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
    return CallPlan(**{**fields, "service": service, "window_start_h": opens,
                       "window_h": length, "on_window": service >= 0,
                       "services": tuple(services)})


def test_an_on_window_service_never_waits_for_a_tramp(tmp_path):
    # a weekly service with a 40 h window from 0 and 168 h on the one berth; a tramp ship
    # arriving at 150 would stay to 181.5 and so touch the window opening at 168: it
    # waits until the service ship has left (168 + 31.5 = 199.5), and the service ship
    # berths on arrival. Without windows the tramp takes the berth and the liner waits.
    sc = _scenario(tmp_path, [berth("B1", cranes=2)], rules=PROTECTED)
    svc = [_Service("berth:B1", 0.0)]
    arrivals = [0.0, 150.0, 168.0]
    windows = [(0, 0.0, 40.0), None, (0, 168.0, 40.0)]
    log = PortModel(sc, _windowed(arrivals, windows, svc)).run()
    assert log.called_h == pytest.approx([0.0, 199.5, 168.0])
    plain = PortModel(sc, _plan(arrivals)).run()
    assert plain.called_h == pytest.approx([0.0, 150.0, 181.5])


def test_overlapping_windows_make_the_second_service_wait_their_overlap(tmp_path):
    # service A's window [0, 31.5) and service B's [26.5, 58) on the same berth overlap by
    # k = 5 h: B's ship, on-window at 26.5, waits exactly 5 h for A's ship to leave
    sc = _scenario(tmp_path, [berth("B1", cranes=2)], rules=PROTECTED)
    svc = [_Service("berth:B1", 0.0), _Service("berth:B1", 0.0)]
    log = PortModel(sc, _windowed([0.0, 26.5], [(0, 0.0, 31.5), (1, 26.5, 31.5)], svc)).run()
    assert log.called_h[1] - 26.5 == pytest.approx(5.0)


def test_an_on_window_ship_goes_before_ships_already_waiting(tmp_path):
    # service A's ship holds the berth [0, 31.5); a tramp waits since 1 h; service B's
    # ship, on-window at 20 h, waits for its stretch too and is called first when the
    # berth frees; the tramp only after B's ship has left (31.5 + 31.5 = 63)
    sc = _scenario(tmp_path, [berth("B1", cranes=2)], rules=PROTECTED)
    svc = [_Service("berth:B1", 0.0), _Service("berth:B1", 0.0)]
    log = PortModel(sc, _windowed([0.0, 1.0, 20.0], [(0, 0.0, 32.0), None, (1, 20.0, 40.0)],
                                  svc)).run()
    assert log.called_h == pytest.approx([0.0, 63.0, 31.5])


def test_an_off_window_ship_takes_a_free_stretch_clear_of_the_windows(tmp_path):
    # a 600 m line; a service's window holds [0, 230) m over [40, 80) h. A tramp arriving
    # at 10 h stays to 41.5 h: at 0 m it would touch the window, so it lies at the other
    # end of the free quay (600 - 230 = 370 m); the service ship then berths at 0 m on
    # arrival.
    sc = _scenario(tmp_path, [berth("Q1", length=300, cranes=2, line="L"),
                              berth("Q2", length=300, cranes=2, line="L")], rules=PROTECTED)
    svc = [_Service("L", 0.0)]
    log = PortModel(sc, _windowed([10.0, 40.0], [None, (0, 40.0, 40.0)], svc)).run()
    assert log.start_m == pytest.approx([370.0, 0.0])
    assert log.called_h == pytest.approx([10.0, 40.0])


def test_the_first_gap_after_the_bookings(tmp_path):
    # one berth, windows [40, 72) and [75, 107) for two service calls: a tramp arriving at
    # 0 h stays 31.5 h and fits before the first window (0 -> 31.5); a second tramp at 1 h
    # would end at 63 (after waiting) and so touch both windows: it waits until the
    # second service ship has left (75 + 31.5 = 106.5) without displacing either
    sc = _scenario(tmp_path, [berth("B1", cranes=2)], rules=PROTECTED)
    svc = [_Service("berth:B1", 0.0)]
    log = PortModel(sc, _windowed([0.0, 1.0, 40.0, 75.0],
                                  [None, None, (0, 40.0, 32.0), (0, 75.0, 32.0)],
                                  svc)).run()
    assert log.called_h == pytest.approx([0.0, 106.5, 40.0, 75.0])


def test_priority_windows_let_a_tramp_use_free_quay(tmp_path):
    # the looser reading (berth_windows: priority): the tramp of the first case takes the
    # free berth at 150 h although its stay touches the window at 168; the service ship,
    # on-window at 168, then waits for it (181.5) — and still goes before later arrivals
    sc = _scenario(tmp_path, [berth("B1", cranes=2)], rules={"berth_windows": "priority"})
    svc = [_Service("berth:B1", 0.0)]
    log = PortModel(sc, _windowed([0.0, 150.0, 168.0], [(0, 0.0, 40.0), None,
                                                         (0, 168.0, 40.0)], svc)).run()
    assert log.called_h == pytest.approx([0.0, 150.0, 181.5])


def test_the_service_list_is_worked_out_once_per_scenario_content():
    # the services (and so the berth windows) depend on the scenario only: the same
    # content gives the list already worked out, a change of demand a list of its own,
    # equal to working it out afresh
    from portsim.config import load_scenario
    from portsim.services import _resolve, resolve_services
    from tests.conftest import REPO

    sc = load_scenario(REPO / "scenarios" / "plan-2025.yaml")
    first = resolve_services(sc)
    assert resolve_services(sc.model_copy()) is first
    assert first == _resolve(sc)
    more = sc.model_copy(update={"demand_scale_by_cargo": {"container": 1.3}})
    scaled = resolve_services(more)
    assert scaled is not first and scaled == _resolve(more)
    assert sum(len(p.services) for p in scaled.values()) > sum(
        len(p.services) for p in first.values())
