"""The scenarios shipped in ``scenarios/`` load, and the 'fixes' scenario changes only
what it says it changes."""

from __future__ import annotations

import pytest

from portsim.config import load_scenario
from tests.conftest import REPO

SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_loads_with_its_demand_and_berths(path):
    sc = load_scenario(path)
    assert sc.name == path.stem
    assert sc.port.berths and sc.demand
    assert all(f.annual_volume > 0 for f in sc.demand)


def test_fixes_change_only_the_9_10_quay_and_feeder_cranes():
    plan = load_scenario(REPO / "scenarios/plan-2025.yaml")
    fixes = load_scenario(REPO / "scenarios/plan-2025-fixes.yaml")
    before = {b.id: b for b in plan.port.berths}
    after = {b.id: b for b in fixes.port.berths}
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"DLS-09", "DLS-10"}
    assert after["DLS-09"].quay_length_m + after["DLS-10"].quay_length_m == pytest.approx(991)
    assert fixes.demand == plan.demand
    cranes = {c: (plan.rules.cranes_for(c), fixes.rules.cranes_for(c))
              for c in plan.rules.cranes_per_ship}
    assert {c for c, (a, b) in cranes.items() if a != b} == {"C10k", "C20k", "C30k"}
    assert all(b == 3 for c, (a, b) in cranes.items() if c in {"C10k", "C20k", "C30k"})
