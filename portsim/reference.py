"""The reference of every key, generated from the pydantic models (one source).

Writes the JSON Schemas of the two input files — ``portsim/schema/scenario.schema.json``
(a scenario, :class:`~portsim.config.scenario.ScenarioSpec`) and
``portsim/schema/port.schema.json`` (a port file such as ``berths.yaml``,
:class:`~portsim.config.port.Port`) — and ``docs/reference.md`` made from them: every
key with its type, unit, default, allowed range and description. A field's
description is the docstring under it in ``portsim/config/*.py``. It also writes the
assumptions register ``docs/assumptions.md`` from ``data/assumptions.yaml`` (each
A-number's value and basis, and where the repository uses it).

    python -m portsim.reference          # (or: make reference) write the three files
    python -m portsim.reference --check  # exit 1 naming the files that are stale

``tests/test_reference.py`` fails when a model changes and these are not regenerated.
Editors that understand ``# yaml-language-server: $schema=…`` (VS Code's YAML
extension, JetBrains, Neovim's yamlls) complete and check keys with the schemas.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
REFERENCE = REPO / "docs" / "reference.md"
ASSUMPTIONS_DATA = REPO / "data" / "assumptions.yaml"
ASSUMPTIONS = REPO / "docs" / "assumptions.md"
#: Where an assumption's use is searched for: the inputs and the code
USAGE_GLOBS = ("berths.yaml", "scenarios/**/*.yaml", "sweeps/*.yaml", "portsim/**/*.py")
USAGE_EXCLUDED = ("portsim/theory.py",  # its A0, A1, A2 are matrix blocks of a QBD
                  "portsim/reference.py")
DRAFT = "https://json-schema.org/draft/2020-12/schema"

#: A number (or any value) of a sourced record written with its own source.
SOURCED_VALUE = {
    "type": "object",
    "title": "SourcedValue",
    "description": "A value with its own source: {value: 15.1, source: jsycport-2022}.",
    "properties": {"value": {}, "source": {"type": "string"}, "note": {"type": "string"},
                   "confidence": {"type": "string"}},
    "required": ["value", "source"],
    "additionalProperties": False,
}


def models() -> dict[str, Any]:
    """The file kinds and the model each is validated with."""
    from portsim.config.port import Port
    from portsim.config.scenario import ScenarioSpec

    return {"scenario": ScenarioSpec, "port": Port}


def _record_classes() -> dict[str, type]:
    from portsim.config.base import Record

    out: dict[str, type] = {}
    stack: list[type] = [Record]
    while stack:
        cls = stack.pop()
        out.setdefault(cls.__name__, cls)
        stack += cls.__subclasses__()
    return out


def _tidy(node: Any) -> Any:
    """Descriptions on one line (docstrings wrap at the source's width)."""
    if isinstance(node, dict):
        return {k: (" ".join(v.split()) if k == "description" and isinstance(v, str)
                    else _tidy(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    return node


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a ``scenario`` or ``port`` file, as the loader reads it: a
    field of a sourced record may be written ``{value: …, source: …}``, and a scenario
    may ``extends:`` another (then it needs neither ``port`` nor ``demand``)."""
    from portsim.config.base import SourcedRecord

    model = models()[kind]
    doc = _tidy(model.model_json_schema(mode="validation"))
    classes = _record_classes()
    defs = doc.setdefault("$defs", {})
    for name, body in [(model.__name__, doc), *defs.items()]:
        cls = classes.get(name)
        if cls is None or not issubclass(cls, SourcedRecord):
            continue
        for key, prop in list(body.get("properties", {}).items()):
            if key in ("source", "provenance"):
                continue
            keep = {k: prop[k] for k in ("title", "description", "default") if k in prop}
            inner = {k: v for k, v in prop.items() if k not in keep}
            body["properties"][key] = {**keep, "anyOf": [inner,
                                                         {"$ref": "#/$defs/SourcedValue"}]}
    if any("SourcedValue" in json.dumps(v) for v in defs.values()) or "anyOf" in json.dumps(
            doc.get("properties", {})):
        defs["SourcedValue"] = SOURCED_VALUE
    if kind == "scenario":
        doc["properties"] = {"extends": {
            "type": "string", "title": "Extends",
            "description": "Another scenario file (relative to this one) whose keys this one "
                           "changes: mappings merge key by key, lists and values are "
                           "replaced."}, **doc["properties"]}
        required = doc.pop("required", [])
        doc["anyOf"] = [{"required": required}, {"required": ["extends"]}]
        _allow_patch(doc, defs, "canal")
    return {"$schema": DRAFT, "$id": f"https://portsim/schema/{kind}.schema.json", **doc}


def _allow_patch(doc: dict[str, Any], defs: dict[str, Any], key: str) -> None:
    """Let block ``key`` of a scenario also be written as a *patch*: a scenario that
    ``extends:`` another may give only the keys it changes (mappings merge key by key;
    lists are replaced whole, so list items stay complete). The patch is the block's
    definition without ``required``, its nested mappings patches too."""

    def patch(name: str) -> str:
        patched = f"{name}Patch"
        if patched not in defs:
            body = json.loads(json.dumps(defs[name]))
            body.pop("required", None)
            defs[patched] = body
            for prop in body.get("properties", {}).values():
                for alt in prop.get("anyOf", [prop]):
                    ref = alt.get("$ref", "")
                    target = ref.rsplit("/", 1)[-1]
                    if ref and target in defs and target != "SourcedValue" and \
                            defs[target].get("type") == "object":
                        alt["$ref"] = f"#/$defs/{patch(target)}"
        return patched

    prop = doc["properties"][key]
    for alt in prop.get("anyOf", []):
        ref = alt.get("$ref", "")
        if ref:
            prop["anyOf"].append({"$ref": f"#/$defs/{patch(ref.rsplit('/', 1)[-1])}"})
            break


def schema_text(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- markdown

_UNITS = [  # (name pattern, unit) — the first match wins
    (r"_deg_h$", "deg/h"), (r"_t_h$", "t/h"), (r"_km2$", "km²"), (r"_km$", "km"),
    (r"_kn$", "kn"), (r"_deg$", "deg"), (r"_m$", "m"), (r"_h$", "h"), (r"_days?$", "days"),
    (r"_min$", "min"), (r"^days$", "days"), (r"_teu$", "TEU/yr"), (r"^design_capacity_t$", "t/yr"),
    (r"(^|_)dwt$", "t (DWT)"), (r"^crane_rate$", "moves/h"), (r"^per_year$", "1/yr"),
    (r"^trains_per_year$", "trains/yr"), (r"^annual_volume$", "TEU/yr or t/yr"),
    (r"share$|^(truck|rail|transshipment)$", "fraction"), (r"^(cranes|lanes|tracks|count|tugs)$",
                                                          "count"),
    (r"^teu_per_", "TEU"), (r"_factor$|^cv$|_cv$|^demand_scale$|_buffer$", "factor"),
]


def unit_of(key: str) -> str:
    for pattern, unit in _UNITS:
        if re.search(pattern, key):
            return unit
    return ""


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_text(prop: dict[str, Any]) -> str:
    """A short, readable type: ``number``, ``list of Berth``, ``one of a, b``."""
    if "$ref" in prop:
        name = _ref_name(prop["$ref"])
        return name if name == "SourcedValue" else f"[{name}](#{name.lower()})"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if "anyOf" in prop:
        parts = [type_text(p) for p in prop["anyOf"] if p.get("$ref", "").rsplit("/", 1)[-1]
                 != "SourcedValue"]
        text = " or ".join(dict.fromkeys(parts))
        return text + (" (or {value, source})" if any(
            p.get("$ref", "").endswith("SourcedValue") for p in prop["anyOf"]) else "")
    kind = prop.get("type")
    if kind == "array":
        if "prefixItems" in prop:
            return "[" + ", ".join(type_text(p) for p in prop["prefixItems"]) + "]"
        return "list of " + type_text(prop.get("items", {}))
    if kind == "object":
        extra = prop.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return "mapping to " + type_text(extra)
        return "mapping"
    if kind == "null":
        return "null"
    return kind or "any"


def range_text(prop: dict[str, Any]) -> str:
    """``> 0, ≤ 700000`` from the schema's bounds (through ``anyOf``)."""
    for p in prop.get("anyOf", []):
        text = range_text(p)
        if text:
            return text
    parts = []
    for key, sign in (("exclusiveMinimum", ">"), ("minimum", "≥"), ("exclusiveMaximum", "<"),
                      ("maximum", "≤")):
        if key in prop:
            parts.append(f"{sign} {prop[key]:g}")
    for key, text in (("minItems", "at least {} items"), ("maxItems", "at most {} items"),
                      ("minLength", "at least {} characters")):
        if key in prop and not (key == "minItems" and prop.get("maxItems") == prop[key]):
            parts.append(text.format(prop[key]))
    if prop.get("minItems") is not None and prop.get("maxItems") == prop.get("minItems"):
        parts = [p for p in parts if "at most" not in p] + [f"exactly {prop['minItems']} items"]
    items = prop.get("items")
    if isinstance(items, dict):
        inner = range_text(items)
        if inner:
            parts.append(f"each {inner}")
    return ", ".join(parts)


def default_text(prop: dict[str, Any], required: bool, extends: bool = False) -> str:
    if required:
        return "required unless `extends`" if extends else "required"
    if "default" not in prop:
        return ""
    value = prop["default"]
    if isinstance(value, dict) and value:
        return "see below"
    text = json.dumps(value, ensure_ascii=False)
    return f"`{text}`" if len(text) <= 40 else f"`{text[:37]}…`"


def _walk(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The root model, then every definition in the order it is first reached."""
    defs = doc.get("$defs", {})
    seen: list[str] = []
    queue: list[tuple[str, dict[str, Any]]] = [(doc.get("title", "root"), doc)]
    while queue:
        name, body = queue.pop(0)
        if name in seen:
            continue
        seen.append(name)
        yield name, body
        for ref in re.findall(r'"\$ref": "#/\$defs/([^"]+)"',
                              json.dumps(body.get("properties", {}))):
            if ref not in seen and ref in defs:
                queue.append((ref, defs[ref]))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference_markdown() -> str:
    """``docs/reference.md``: one table per record of each file kind."""
    lines = [
        "# Reference: every key of a scenario and a port file",
        "",
        "Generated by `python -m portsim.reference` (or `make reference`) from the pydantic",
        "models in `portsim/config/`, through the JSON Schemas `portsim/schema/"
        "scenario.schema.json`",
        "and `portsim/schema/port.schema.json`; do not edit by hand. A test fails when a model",
        "changes and this page is not regenerated.",
        "",
        "Every scenario file starts with `# yaml-language-server: $schema=…`, so editors with",
        "a YAML language server complete and check keys as you type. Units follow the key's",
        "suffix (`_m` metres, `_h` hours, `_days` days, `_km` kilometres, `_kn` knots) and the",
        "description. In the port file, and in the sourced records of a scenario (yard, sea",
        "rail, gate, dwell, modal split), any value may be written `{value: 15.1, source: "
        "jsycport-2022}`",
        "to give it a source of its own (shown as \"(or {value, source})\").",
        "",
        "Change one key from the command line with `--set PATH=VALUE` (e.g. `--set "
        "demand_scale=1.1`,",
        "`--set rules.quay_cranes=fixed`, `--set demand[0].annual_volume=9e6`); it is checked",
        "exactly as the same value in the file.",
        "",
    ]
    for kind, title in (("scenario", "Scenario file (`scenarios/*.yaml`)"),
                        ("port", "Port file (`berths.yaml`)")):
        doc = schema(kind)
        lines += [f"## {title}", ""]
        for name, body in _walk(doc):
            heading = "Scenario" if body is doc and kind == "scenario" else (
                "Port" if body is doc else name)
            anchor = f"<a id=\"{name.lower()}\"></a>" if body is not doc else ""
            lines += [f"### {heading} {anchor}".rstrip(), ""]
            if body.get("description"):
                lines += [_cell(" ".join(body["description"].split())), ""]
            required = set(body.get("required", []))
            if body is doc and "anyOf" in body:  # a scenario: unless it extends another
                required = set(body["anyOf"][0]["required"])
            lines += ["| key | type | unit | default | allowed | description |",
                      "|---|---|---|---|---|---|"]
            for key, prop in body.get("properties", {}).items():
                lines.append("| " + " | ".join(_cell(x) for x in (
                    f"`{key}`", type_text(prop), unit_of(key),
                    default_text(prop, key in required, "anyOf" in body and body is doc),
                    range_text(prop),
                    prop.get("description", ""))) + " |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- assumptions


def assumption_uses(ident: str) -> dict[str, list[int]]:
    """File (relative to the repository) → line numbers that name assumption ``ident``."""
    pattern = re.compile(rf"\b{re.escape(ident)}\b")
    uses: dict[str, list[int]] = {}
    files = sorted({p for g in USAGE_GLOBS for p in REPO.glob(g) if p.is_file()
                    and p.relative_to(REPO).as_posix() not in USAGE_EXCLUDED})
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        hits = [i for i, line in enumerate(lines, 1) if pattern.search(line)]
        if hits:
            uses[path.relative_to(REPO).as_posix()] = hits
    return uses


def assumptions_markdown() -> str:
    """``docs/assumptions.md``: every A-number with its value, basis and uses, then the
    fact-sheet sections (§3 … §8) that scenario comments cite."""
    import yaml

    data = yaml.safe_load(ASSUMPTIONS_DATA.read_text(encoding="utf-8"))
    lines = [
        "# Assumptions register",
        "",
        "Generated by `python -m portsim.reference` (or `make reference`) from",
        "`data/assumptions.yaml`; do not edit by hand. \"A<n>\" in a scenario, the port file",
        "or the code refers to the assumption of that number below; \"§<n>\" to the section",
        "of public facts at the end. An assumption is not a fact: replace it when data",
        "arrive. The robustness sets (`scenarios/assumptions/`, `portsim robustness`) test",
        "how the answer depends on the most influential ones.",
        "",
        "| # | parameter | value | basis | used in |",
        "|---|---|---|---|---|",
    ]
    for a in data["assumptions"]:
        uses = assumption_uses(a["id"])
        # files and counts, not line numbers: an edit elsewhere in a file leaves it fresh
        where = "; ".join(f"`{f}` ({len(ls)}×)" for f, ls in uses.items())
        lines.append("| " + " | ".join(_cell(x) for x in (
            f"<a id=\"{a['id'].lower()}\"></a>**{a['id']}**", a["parameter"], a["value"],
            a["basis"], where or "(not used)")) + " |")
    lines += ["", "## Public facts the comments cite", "",
              "Summaries of the fact sheet compiled for the project from public sources; the",
              "sources themselves are the keys of `sources:` in `berths.yaml`.", ""]
    for f in data["facts"]:
        lines += [f"### {f['section']} {f['title']}", "", f["text"], ""]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- files


def generated() -> dict[Path, str]:
    """Every generated file and its text."""
    out = {SCHEMA_DIR / f"{kind}.schema.json": schema_text(kind) for kind in models()}
    out[REFERENCE] = reference_markdown()
    out[ASSUMPTIONS] = assumptions_markdown()
    return out


def stale() -> list[Path]:
    """Generated files whose committed text differs from what the models give now."""
    return [path for path, text in generated().items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        old = stale()
        for path in old:
            print(f"stale: {path} (run python -m portsim.reference)", file=sys.stderr)
        return 1 if old else 0
    for path, text in generated().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
