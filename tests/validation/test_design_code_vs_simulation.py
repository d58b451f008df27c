"""The JTS 165 design-code capacity against the simulation.

Where the formula's assumptions hold (berths of their own, every ship worked by the same
cranes), the simulated occupancy at a demand D is D / (formula capacity at ρ = 1): the
simulated throughput at occupancy ρ *is* the formula's capacity. Where they do not, the
simulation departs from it in the direction of the reason: ships sharing the cranes of
a continuous quay take longer than the formula's handling time.
"""

from __future__ import annotations

import pytest

from portsim.design_code import ContainerBerthInputs, container_berth_capacity
from portsim.preview import band_top_basis, preview
from portsim.simulate import mean_ci, replicate
from portsim.validation.capacity import capacity_comparison, demo_scenario
from tests.conftest import berth, container_class, make_scenario, port_dict


def _scenario(tmp_path, berths, annual_teu: float, cranes: int = 2):
    port = port_dict(berths, [container_class("S", loa=200)])
    return make_scenario(tmp_path, port, {
        "name": "formula",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": annual_teu,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "gamma", "mean": 1200, "cv": 0.3}}]}],
        "rules": {"cranes_per_ship": {"S": cranes}, "teu_factor": 1.5,
                  "crane_efficiency": 0.9, "twin_lift_factor": 1.1, "berthing_h": 1.0,
                  "unberthing_h": 0.5},
        "run": {"horizon_days": 730, "warmup_days": 30, "replications": 6, "seed": 11}})


def test_simulated_occupancy_is_the_formulas_on_berths_of_their_own(tmp_path):
    sc = _scenario(tmp_path, [berth(f"B{i}", cranes=2, rate=25) for i in range(3)], 800_000)
    one = container_berth_capacity(ContainerBerthInputs(
        operating_days=365, utilisation=0.7, teu_per_call=1200, hours_per_day=24,
        auxiliary_hours=1.5, crane_rate_boxes_per_h=25, cranes_per_ship=2, teu_factor=1.5,
        simultaneity=0.9, rehandle_share=0.0, twin_lift_factor=1.1))
    # the formula at the band top over the whole year (the preview's default basis is the
    # port file's 350 d and rho 0.65)
    pv = preview(sc, basis=band_top_basis(sc)).terminals.iloc[0]
    assert pv["teu_capacity_jts"] == pytest.approx(3 * one)
    expected = 800_000 * 0.7 / (3 * one)  # the occupancy at which D is the capacity
    assert pv["occupancy"] == pytest.approx(expected)
    reps = replicate(sc)
    occ, half, _ = mean_ci(reps.terminals["occupancy"], level=0.999)
    assert abs(occ - expected) <= half  # inside the 99.9 % CI
    # the throughput at the simulated occupancy, scaled to ρ = 0.7, is the formula's
    # capacity (TEU and berth hours move together: their ratio hardly varies)
    teu = reps.terminals["teu_per_year"].mean()
    assert teu * 0.7 / occ == pytest.approx(3 * one, rel=0.03)


def test_crane_sharing_on_a_continuous_quay_slows_handling(tmp_path):
    """Three 230 m ships fit the 700 m quay but its 4 cranes cannot give each the 3 it
    asks for: handling takes longer than the formula (and the preview) assume."""
    quay = [berth(f"Q{i}", length=350, cranes=2, rate=25, line="L") for i in range(2)]
    sc = _scenario(tmp_path, quay, 700_000, cranes=3)
    pv = preview(sc)
    handling = float(pv.calls["handling_h"].iloc[0])
    reps = replicate(sc)
    calls = reps.calls.query("in_window and status == 'departed'")
    assert calls["handling_h"].mean() > 1.15 * handling
    assert (calls["cranes"] < 3).mean() > 0.2
    sim_occ = reps.terminals["occupancy"].mean()
    assert sim_occ > 1.1 * float(pv.terminals.iloc[0]["occupancy"])


@pytest.mark.slow
def test_capacity_comparison_on_the_demo_port():
    """Bulk berths of their own: simulated capacity at the band top = JTS 165 (±5 %).
    The continuous container quay holds more ships than it has berth sections: the
    simulation's capacity exceeds the formula's, and the reasons say why."""
    frame = capacity_comparison(demo_scenario(), reps=3).set_index("terminal")
    ore, box = frame.loc["ORE"], frame.loc["BOX"]
    assert ore["sim_occupancy_capacity"] == pytest.approx(ore["jts_capacity"], rel=0.05)
    assert box["sim_occupancy_capacity"] > 1.1 * box["jts_capacity"]
    assert "continuous quay" in box["reasons"] and "class mix" in box["reasons"]
    assert "randomness" in ore["reasons"]
    for t in (ore, box):  # the service criterion binds before or near the band top
        assert t["sim_wf_capacity"] == pytest.approx(t["preview_wf_capacity"], rel=0.2)
