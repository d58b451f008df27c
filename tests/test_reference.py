"""The reference of every key: generated from the models, committed, honest about the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from portsim import reference

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (REPO / "scenarios").rglob("*.yaml")
                   if p.parent.name != "assumptions")  # assumptions/: robustness sets


def test_committed_schemas_and_reference_match_the_models():
    """Fails when a model field changes and ``python -m portsim.reference`` was not run."""
    assert reference.stale() == [], "run: python -m portsim.reference (or make reference)"


def test_a_changed_model_makes_the_files_stale(monkeypatch):
    """The check above is not vacuous: one more rule knob and all three files differ."""
    from pydantic import create_model

    from portsim.config.scenario import Rules, ScenarioSpec

    NewRules = create_model("Rules", __base__=Rules, tug_speed_kn=(float, 8.0))
    NewSpec = create_model("ScenarioSpec", __base__=ScenarioSpec, rules=(NewRules, NewRules()))
    real = reference.models
    monkeypatch.setattr(reference, "models", lambda: {**real(), "scenario": NewSpec})
    stale = {p.name for p in reference.stale()}
    assert stale == {"scenario.schema.json", "reference.md"}


def _models() -> list[type[BaseModel]]:
    from portsim.config.base import Record

    out, stack = [], [Record]
    while stack:
        cls = stack.pop()
        out.append(cls)
        stack += cls.__subclasses__()
    return [m for m in out if m.__module__.startswith("portsim.config")]


def test_every_field_has_a_description():
    missing = [f"{m.__name__}.{name}" for m in _models()
               for name, field in m.model_fields.items() if not field.description]
    assert missing == []


def test_every_key_is_in_the_reference():
    text = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    for kind, model in reference.models().items():
        for m in [model, *_models()]:
            if m.__name__ == "Scenario":  # the resolved scenario: built, never written
                continue
            for name in m.model_fields:
                assert f"| `{name}` |" in text, (kind, m.__name__, name)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_scenarios_meet_the_schema_and_name_it(path):
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target == (REPO / "portsim" / "schema" / "scenario.schema.json")
    schema = json.loads(target.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(yaml.safe_load(text))) == []


def test_port_file_meets_the_schema():
    text = (REPO / "berths.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=portsim/schema/port.schema.json")
    schema = json.loads((REPO / "portsim/schema/port.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(yaml.safe_load(text))) == []


def test_the_schema_refuses_what_the_loader_refuses():
    """A misspelt key, a wrong strategy name and a negative number are schema errors too
    (an editor flags them before portsim does)."""
    schema = reference.schema("scenario")
    check = Draft202012Validator(schema)
    good = {"name": "x", "port": "../berths.yaml",
            "demand": [{"id": "c", "cargo": "container", "annual_volume": 1e6,
                        "classes": [{"ship_class": "C30k", "share": 1,
                                     "per_call": {"dist": "fixed", "mean": 1000}}]}]}
    assert list(check.iter_errors(good)) == []
    for bad in ({**good, "rules": {"teu_facto": 1.8}},
                {**good, "rules": {"quay_cranes": "several"}},
                {**good, "run": {"replications": 0}},
                {"name": "no port, no demand, no extends"}):
        assert list(check.iter_errors(bad)), bad
    assert list(check.iter_errors({"name": "child", "extends": "plan-2025.yaml"})) == []


def test_nothing_points_outside_the_repository():
    """Comments and sources cite the assumptions register, not a file of the machine
    they were written on."""
    files = [REPO / "berths.yaml", *(REPO / "scenarios").rglob("*.yaml"),
             *(REPO / "sweeps").glob("*.yaml"), *(REPO / "data").glob("*"),
             *(REPO / "portsim").rglob("*.py")]
    outside = ("/work/", "qinzhou_facts", "../shared", "facts file")
    found = [f"{p.relative_to(REPO)}:{i}" for p in files if p.is_file()
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if any(o in line for o in outside) and p.name != "reference.py"]
    assert found == []


def test_every_assumption_number_cited_is_in_the_register():
    import re

    known = {a["id"] for a in yaml.safe_load(
        (REPO / "data" / "assumptions.yaml").read_text(encoding="utf-8"))["assumptions"]}
    assert known == {f"A{i}" for i in range(1, 16)}
    cited = set()
    for p in [REPO / "berths.yaml", *(REPO / "scenarios").rglob("*.yaml")]:
        cited |= set(re.findall(r"\bA\d+\b", p.read_text(encoding="utf-8")))
    assert cited and cited <= known
    text = (REPO / "docs" / "assumptions.md").read_text(encoding="utf-8")
    for ident in known:
        assert f"**{ident}**" in text
    # the register says where an assumption is used, and it is (A9: the robustness set)
    assert "scenarios/assumptions/mix-a9.yaml" in reference.assumption_uses("A9")
