"""Tests of the JTS 165 berth-capacity formulas with hand-worked numbers."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from portsim.design_code import (
    ContainerBerthInputs,
    bulk_berth_capacity,
    container_berth_capacity,
)

TYPICAL = ContainerBerthInputs(
    operating_days=340,
    utilisation=0.65,
    teu_per_call=2000,
    hours_per_day=24,
    auxiliary_hours=4,
    crane_rate_boxes_per_h=30,
    cranes_per_ship=2,
    teu_factor=1.5,
    simultaneity=0.9,
    rehandle_share=0.03,
    twin_lift_factor=1.1,
)


def test_container_berth_hand_computation() -> None:
    # p = n P1 K1 K2 (1 - K3) K4 = 2 * 30 * 1.5 * 0.9 * 0.97 * 1.1
    #   = 60 * 1.5 = 90;  90 * 0.9 = 81;  81 * 0.97 = 78.57;  78.57 * 1.1 = 86.427 TEU/h
    p = 86.427
    assert TYPICAL.handling_rate_teu_per_h == pytest.approx(p, rel=1e-12)
    # handling time Q/p = 2000 / 86.427 = 23.14092 h; + t_f 4 h = 27.14092 h per call
    # productive hours Ty ρ t_d = 340 * 0.65 * 24 = 5304 h/yr -> 195.43 calls/yr
    # Pt = 5304 * 2000 / 27.14092 ≈ 390 849 TEU/yr
    expected = 340 * 0.65 * 2000 * 24 / (2000 / p + 4)
    assert container_berth_capacity(TYPICAL) == pytest.approx(expected, rel=1e-12)
    assert 390_000 < container_berth_capacity(TYPICAL) < 391_500


def test_zero_auxiliary_time_gives_productive_hours_times_rate() -> None:
    no_aux = dataclasses.replace(TYPICAL, auxiliary_hours=0)
    expected = 340 * 0.65 * 24 * 86.427  # Ty ρ t_d p
    assert container_berth_capacity(no_aux) == pytest.approx(expected, rel=1e-12)


def test_large_calls_approach_the_no_auxiliary_limit() -> None:
    limit = 340 * 0.65 * 24 * 86.427
    caps = [
        container_berth_capacity(dataclasses.replace(TYPICAL, teu_per_call=q))
        for q in (500, 2000, 8000, 1e7)
    ]
    assert all(a < b for a, b in itertools.pairwise(caps))
    assert caps[-1] < limit
    assert caps[-1] == pytest.approx(limit, rel=1e-4)


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("operating_days", 333, 350),
        ("utilisation", 0.5, 0.7),
        ("hours_per_day", 22, 24),
        ("crane_rate_boxes_per_h", 25, 35),
        ("cranes_per_ship", 2, 4),
        ("teu_factor", 1.1, 1.9),
        ("simultaneity", 0.85, 0.95),
        ("twin_lift_factor", 1.05, 1.25),
    ],
)
def test_capacity_increases_with_productive_inputs(field: str, low: float, high: float) -> None:
    lo = container_berth_capacity(dataclasses.replace(TYPICAL, **{field: low}))
    hi = container_berth_capacity(dataclasses.replace(TYPICAL, **{field: high}))
    assert hi > lo


@pytest.mark.parametrize(
    ("field", "low", "high"), [("auxiliary_hours", 3, 5), ("rehandle_share", 0, 0.05)]
)
def test_capacity_decreases_with_lost_time(field: str, low: float, high: float) -> None:
    lo = container_berth_capacity(dataclasses.replace(TYPICAL, **{field: low}))
    hi = container_berth_capacity(dataclasses.replace(TYPICAL, **{field: high}))
    assert hi < lo


def test_capacity_is_proportional_to_utilisation_and_days() -> None:
    base = container_berth_capacity(TYPICAL)
    half = container_berth_capacity(dataclasses.replace(TYPICAL, utilisation=0.325))
    assert half == pytest.approx(base / 2, rel=1e-12)
    days = container_berth_capacity(dataclasses.replace(TYPICAL, operating_days=170))
    assert days == pytest.approx(base / 2, rel=1e-12)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("utilisation", 1.2),
        ("utilisation", 0.0),
        ("operating_days", 400),
        ("hours_per_day", 25),
        ("auxiliary_hours", -1),
        ("teu_per_call", 0),
        ("crane_rate_boxes_per_h", -5),
        ("cranes_per_ship", 0),
        ("teu_factor", 0.8),
        ("simultaneity", 1.1),
        ("rehandle_share", 1.0),
        ("twin_lift_factor", 0.9),
        ("utilisation", float("nan")),
    ],
)
def test_bad_container_input_names_the_argument(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(TYPICAL, **{field: value})


def test_container_inputs_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TYPICAL.utilisation = 0.9  # type: ignore[misc]


def test_bulk_berth_hand_computation() -> None:
    # 100 000 t at 5 000 t/h = 20 h handling + 4 h auxiliary = 24 h per call;
    # 340 d * 0.6 * 24 h = 4 896 productive h/yr -> 204 calls -> 20.4 Mt/yr.
    cap = bulk_berth_capacity(340, 0.6, 100_000, 5_000, 24, 4)
    assert cap == pytest.approx(20_400_000, rel=1e-12)
    assert bulk_berth_capacity(340, 0.6, 100_000, 5_000, 24, 0) == pytest.approx(
        340 * 0.6 * 24 * 5_000, rel=1e-12
    )


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"utilisation": 1.5}, "utilisation"),
        ({"loading_rate_t_per_h": -100}, "loading_rate_t_per_h"),
        ({"tonnes_per_call": 0}, "tonnes_per_call"),
        ({"hours_per_day": 0}, "hours_per_day"),
        ({"auxiliary_hours": -0.5}, "auxiliary_hours"),
        ({"operating_days": 0}, "operating_days"),
    ],
)
def test_bad_bulk_input_names_the_argument(kwargs: dict[str, float], name: str) -> None:
    args = {
        "operating_days": 340,
        "utilisation": 0.6,
        "tonnes_per_call": 100_000,
        "loading_rate_t_per_h": 5_000,
        "hours_per_day": 24,
        "auxiliary_hours": 4,
    } | kwargs
    with pytest.raises(ValueError, match=name) as info:
        bulk_berth_capacity(**args)
    assert "must be a number in" in str(info.value)
