"""From annual demand to calls: counts, volumes and terminal shares."""

from __future__ import annotations

import numpy as np
import pytest

from portsim.demand import liner_arrivals, plan_calls, random_arrivals
from portsim.streams import stream
from tests.conftest import berth, container_class, make_scenario, port_dict


def test_liner_timetable_gives_the_exact_number_of_calls():
    rng = stream(1, 0, "x")
    t = liner_arrivals(rate_per_h=7 / 168, horizon_h=52 * 168, deviation_h=0.0, rng=rng)
    assert len(t) == 7 * 52
    assert np.allclose(np.diff(t), 24.0)


def test_random_arrivals_have_the_right_rate_and_dispersion():
    rng = stream(1, 0, "y")
    t = random_arrivals(rate_per_h=0.5, horizon_h=200_000, erlang_k=1, rng=rng)
    gaps = np.diff(t)
    assert len(t) == pytest.approx(100_000, rel=0.01)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, rel=0.02)
    t2 = random_arrivals(rate_per_h=0.5, horizon_h=200_000, erlang_k=4, rng=stream(1, 0, "z"))
    g2 = np.diff(t2)
    assert g2.std() / g2.mean() == pytest.approx(0.5, rel=0.03)


def test_annual_volume_and_terminal_shares(tmp_path):
    classes = [container_class("S"), container_class("L", loa=300, dwt=90_000)]
    port = port_dict([berth("A1", terminal="TA", design_capacity_teu=300_000),
                      berth("B1", terminal="TB", length=400, design_capacity_teu=100_000)],
                     classes)
    sc = make_scenario(tmp_path, port, {
        "name": "d",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 2_000_000,
                    "classes": [
                        {"ship_class": "S", "share": 3,
                         "per_call": {"dist": "gamma", "mean": 1000, "cv": 0.4}},
                        {"ship_class": "L", "share": 1,
                         "per_call": {"dist": "triangular", "low": 2000, "mode": 3000,
                                      "high": 4000}}],
                    "normalise": True}],  # shares written as 3:1 weights
        "run": {"horizon_days": 3650, "warmup_days": 0},
    })
    plan = plan_calls(sc, 0)
    years = 10.0
    # calls/yr = 2e6 / (0.75 * 1000 + 0.25 * 3000) = 1333.3
    assert len(plan) / years == pytest.approx(1333.3, rel=0.02)
    assert plan.volume.sum() / years == pytest.approx(2_000_000, rel=0.02)
    small = plan.ship_class == 0
    assert small.mean() == pytest.approx(0.75, abs=0.01)
    # S fits both terminals and is shared 3:1 by design capacity; L (330 m) fits only TB
    assert (plan.terminal[small] == 0).mean() == pytest.approx(0.75, abs=0.02)
    assert (plan.terminal[~small] == 1).all()
