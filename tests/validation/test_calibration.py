"""The calibrated 2020 baseline stays within the ranges of docs/calibration.md, and the
2021 back-test is the calibrated model with the 2021 berths and demand."""

from __future__ import annotations

import pytest

from portsim.config import load_scenario
from portsim.simulate import replicate
from portsim.validation.calibration import TARGETS, compare, measures
from portsim.validation.report import replace_blocks
from tests.conftest import REPO, berth, container_class, make_scenario, port_dict

BASELINE = REPO / "scenarios" / "baseline-2020.yaml"
BACKTEST = REPO / "scenarios" / "backtest-2021.yaml"


@pytest.mark.slow
def test_calibrated_2020_baseline_stays_in_range():
    """3.95 M TEU and 136 Mt delivered; container occupancy, ship-hour rate, anchorage
    waiting (measured net of each call's own passage, pilot boarding included), weekly
    services and sea-rail trains inside the documented ranges (scenario's own seed and
    replications)."""
    sc = load_scenario(BASELINE)
    assert sc.year == 2020
    table = compare(measures(replicate(sc).runs), TARGETS[2020])
    outside = table[~table["inside"]]
    assert outside.empty, outside[["key", "simulated", "low", "high"]].to_string()


def test_backtest_2021_is_the_calibrated_model_with_2021_berths_and_demand():
    base, back = load_scenario(BASELINE), load_scenario(BACKTEST)
    assert back.year == 2021
    # nothing re-tuned for 2021: the rules are the calibrated 2020 rules, field by field
    assert back.rules == base.rules
    assert back.run.horizon_days == base.run.horizon_days
    teu = sum(f.annual_volume for f in back.demand if f.cargo == "container")
    other = sum(f.annual_volume for f in back.demand if f.cargo != "container")
    assert teu == pytest.approx(4.6e6)
    assert other == pytest.approx(160e6 - 4.6e6 * 10, rel=0.01)  # 114 Mt at 10 t/TEU
    ids = {b.id for b in back.port.berths} - {b.id for b in base.port.berths}
    assert {"SD-01", "GZS-G7", "JGJ-L07"} <= ids
    assert not any(b.startswith("DLS-0") and b in ids for b in ids)  # no new container berth


def test_ship_hour_rate_and_anchorage_measures_by_hand(tmp_path):
    """With constant handling the ship-hour rate is cranes × rate × K2 × K4; a lone ship
    on an empty port berths directly."""
    port = port_dict([berth("B1", cranes=2, rate=25)], [container_class()])
    sc = make_scenario(tmp_path, port, {
        "name": "measures", "year": 2020,
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 36_500,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}],
                    "arrivals": {"liner_share": 1.0, "schedule_deviation_h": 0}}],
        "rules": {"handling_cv": 0, "crane_efficiency": 0.8, "twin_lift_factor": 1.1,
                  "cranes_per_ship": {"S": 2}, "teu_factor": 1.6},
        "run": {"horizon_days": 200, "warmup_days": 10, "replications": 2}})
    m = measures(replicate(sc).runs)
    assert m.loc["ship_hour_rate", "mean"] == pytest.approx(2 * 25 * 0.8 * 1.1)
    assert m.loc["direct_berthing", "mean"] == 1.0  # one call a day, 12.5 h alongside
    assert m.loc["wait_all_h", "mean"] == 0.0
    assert m.loc["weekly_services", "mean"] == pytest.approx(36.5 / 52, rel=0.02)
    assert m.loc["teu", "mean"] == pytest.approx(36_500, rel=0.01)


def test_generated_blocks_are_replaced_and_prose_is_kept():
    text = ("# Doc\nprose\n<!-- generated:a -->\nold\n<!-- /generated:a -->\nmore prose\n")
    out = replace_blocks(text, {"a": "new table", "b": "added"})
    assert "old" not in out and "new table" in out and "more prose" in out
    assert out.count("<!-- generated:a -->") == 1
    assert "<!-- generated:b -->\nadded\n<!-- /generated:b -->" in out
    assert replace_blocks(out, {"a": "new table", "b": "added"}) == out
