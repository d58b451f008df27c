"""Conservation laws: ships and cargo are neither lost nor made."""

from __future__ import annotations

import numpy as np
import pytest

from portsim.demand import HOURS_PER_YEAR
from portsim.simulate import simulate
from tests.conftest import berth, container_class, make_scenario, port_dict


@pytest.fixture(params=[(0.6, "berth_free"), (1.3, "berth_free"), (0.6, "just_in_time"),
                        (1.3, "just_in_time")],
                ids=["unsaturated", "saturated", "unsaturated-jit", "saturated-jit"])
def mixed(tmp_path, request):
    """Containers on a continuous quay and bulk on a multipurpose berth; at 1.3 x demand
    the port saturates and ships are still waiting at the end; with either call-in rule."""
    scale, call_in = request.param
    classes = [container_class("S", loa=200), container_class("L", loa=330, dwt=90_000,
                                                              draught=14.0),
               {"id": "BULK", "cargo": "dry_bulk", "dwt": 50_000, "loa_m": 220, "beam_m": 32,
                "draught_m": 12.5, "source": "assumption"}]
    berths = [berth("Q1", length=300, cranes=2, line="L"),
              berth("Q2", length=300, cranes=2, line="L"),
              berth("Q3", length=300, cranes=2, line="L"),
              berth("MP", length=260, cranes=1, cargo=["container", "dry_bulk"],
                    loading_rate_t_h=800, terminal="U")]
    port = port_dict(berths, classes)
    return make_scenario(tmp_path, port, {
        "name": "mixed",
        "demand": [
            {"id": "box", "cargo": "container", "annual_volume": 900_000 * scale,
             "classes": [{"ship_class": "S", "share": 3,
                          "per_call": {"dist": "gamma", "mean": 900, "cv": 0.4}},
                         {"ship_class": "L", "share": 1,
                          "per_call": {"dist": "lognormal", "mean": 3000, "cv": 0.3}}],
             "normalise": True,  # shares written as 3:1 weights
             "arrivals": {"liner_share": 0.7, "schedule_deviation_h": 6}},
            {"id": "ore", "cargo": "dry_bulk", "annual_volume": 2.5e6 * scale,
             "classes": [{"ship_class": "BULK", "share": 1,
                          "per_call": {"dist": "triangular", "low": 20e3, "mode": 40e3,
                                       "high": 50e3}}]},
        ],
        "rules": {"call_in": call_in},
        "run": {"horizon_days": 200, "warmup_days": 20, "seed": 11},
    })


def test_every_ship_that_arrives_is_departed_or_still_in_the_port(mixed):
    res = simulate(mixed, 0)
    p = res.port
    # two independent counts: the call records and the resources' state at the end
    assert p["calls_arrived"] == p["calls_departed"] + res.in_system_at_end
    assert p["calls_arrived"] == len(res.calls)
    by_status = res.calls["status"].value_counts()
    assert by_status.sum() == p["calls_arrived"]
    assert by_status.get("departed", 0) == p["calls_departed"]


def test_cargo_handled_equals_the_sum_over_calls(mixed):
    res = simulate(mixed, 0)
    run = mixed.run
    start, end = run.warmup_days * 24, (run.warmup_days + run.horizon_days) * 24
    c = res.calls
    done = c[(c["handled_h"] >= start) & (c["handled_h"] <= end)]
    annual = HOURS_PER_YEAR / (end - start)
    assert res.terminals["teu_per_year"].sum() == pytest.approx(done["teu"].sum() * annual)
    assert res.areas["teu_per_year"].sum() == pytest.approx(done["teu"].sum() * annual)
    assert res.port["teu_delivered"] == pytest.approx(done["teu"].sum() * annual)
    assert res.port["tonnes_delivered"] == pytest.approx(done["tonnes"].sum() * annual)
    assert res.flows["delivered_per_year"].sum() == pytest.approx(
        (done["teu"].sum() + done["tonnes"].sum()) * annual)
    # boxes: moves x TEU factor = TEU, call by call
    box = c[c["cargo"] == "container"]
    assert np.allclose(box["moves"] * mixed.rules.teu_factor, box["teu"])


def test_quay_occupancy_equals_ship_length_time(mixed):
    """Metre-hours of occupancy summed over berth sections = sum over calls of their
    quay length x time alongside inside the window (continuous quay, no double count)."""
    res = simulate(mixed, 0)
    run = mixed.run
    start, end = run.warmup_days * 24, (run.warmup_days + run.horizon_days) * 24
    b = res.berths[res.berths["quay_line"] == "L"]
    used = (b["occupancy"] * b["quay_length_m"]).sum() * (end - start)
    c = res.calls[(res.calls["quay_line"] == "L") & res.calls["berthed_h"].notna()]
    t0 = np.maximum(c["berthed_h"], start)
    t1 = np.minimum(c["unberthed_h"].fillna(end), end)
    assert used == pytest.approx(float((c["length_m"] * np.clip(t1 - t0, 0, None)).sum()))


def test_no_two_ships_overlap_on_the_quay(mixed):
    # each ship holds its stretch from the moment it was free for it (the call-in when
    # called to a free quay; just in time, when the ship it follows left) to unberthing
    c = simulate(mixed, 0).calls
    c = c[c["quay_line"] == "L"].dropna(subset=["berthed_h"])
    c = c.assign(free_h=c["berthed_h"] - c["reserved_h"])
    if mixed.rules.call_in == "berth_free":
        assert np.allclose(c["free_h"], c["called_h"])
    a = c[["start_m", "length_m", "free_h", "unberthed_h"]].to_numpy(dtype=float, copy=True)
    a[:, 3] = np.where(np.isnan(a[:, 3]), np.inf, a[:, 3])
    for i in range(len(a)):
        s, ln, t0, t1 = a[i]
        other = a[i + 1:]
        time_overlap = (other[:, 2] < t1) & (other[:, 3] > t0)
        space_overlap = (other[:, 0] < s + ln - 1e-9) & (other[:, 0] + other[:, 1] > s + 1e-9)
        assert not (time_overlap & space_overlap).any()


def test_saturation_shows_as_shortfall_and_backlog(mixed):
    res = simulate(mixed, 0)
    ratio = res.flows.set_index("flow")["delivered_share"]
    if mixed.demand[0].annual_volume > 1e6:  # the saturated variant
        assert ratio["box"] < 0.97
        assert (res.calls["status"] == "waiting").sum() > 20
    else:
        assert ratio["box"] == pytest.approx(1.0, abs=0.1)
