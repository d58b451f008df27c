"""The scenarios shipped in ``scenarios/`` load, and the 'fixes' scenario changes only
what it says it changes."""

from __future__ import annotations

import pytest

from portsim.config import load_scenario
from tests.conftest import REPO

SCENARIOS = sorted([*(REPO / "scenarios").glob("*.yaml"),
                    *(REPO / "scenarios" / "operations").glob("*.yaml")])


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
    # and in the crane pool (the shipped mode) the feeders' maximum, nothing else
    pool = {c: (plan.rules.crane_range(c), fixes.rules.crane_range(c))
            for c in plan.rules.quay_cranes_per_ship}
    assert {c for c, (a, b) in pool.items() if a != b} == {"C10k", "C20k", "C30k"}
    assert all(b == (a[0], 3) for c, (a, b) in pool.items() if c in {"C10k", "C20k", "C30k"})


@pytest.mark.parametrize("name, switched", [
    ("plan-2025-liner-stream", {"rules.liner_calls"}),
    ("plan-2025-protected-windows", {"rules.berth_windows"}),
    ("plan-2025-berth-free", {"rules.call_in"}),
    ("plan-2025-fixed-cranes", {"rules.quay_cranes"}),
    ("plan-2025-seasonal", {"seasons.profile"}),
    ("plan-2025-as-before", {"rules.liner_calls", "rules.call_in", "rules.quay_cranes"}),
])
def test_operations_variants_switch_only_what_they_name(name, switched):
    # each variant turns one mechanism of the operated port off (compare shows its effect)
    plan = load_scenario(REPO / "scenarios/plan-2025.yaml")
    variant = load_scenario(REPO / "scenarios/operations" / f"{name}.yaml")
    assert variant.port == plan.port and variant.demand == plan.demand
    changed = {f"rules.{k}" for k, v in plan.rules.model_dump().items()
               if variant.rules.model_dump()[k] != v}
    changed |= {f"seasons.{k}" for k, v in plan.seasons.model_dump().items()
                if variant.seasons.model_dump()[k] != v}
    assert changed == switched


def test_the_readme_scenario_example_loads_and_does_what_it_says(tmp_path):
    # the YAML example of README.md, written into scenarios/ (its port path is relative)
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = REPO / "scenarios" / f"_readme_example_{tmp_path.name}.yaml"
    path.write_text(block, encoding="utf-8")
    try:
        sc = load_scenario(path)
    finally:
        path.unlink()
    ids = {b.id for b in sc.port.berths}
    assert "LG-G1" not in ids and "DLS-14" in ids
    new = next(b for b in sc.port.berths if b.id == "DLS-14")
    assert new.quay_line == "DLS-ULCV-QL"
    assert next(b for b in sc.port.berths if b.id == "DLS-07").cranes == 5
