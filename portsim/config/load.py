"""Read YAML, validate it, resolve the port and the scenario's overrides.

All problems found are collected and raised together as one :class:`InputError`,
each naming the file and the path inside it, so that a planner can fix a file in
one pass. Nothing here touches the simulation.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from portsim.config.canal import resolve_canal
from portsim.config.fit import largest_berth_summary, lines_for, quay_lines
from portsim.config.landside import (
    check_port_landside,
    check_scenario_landside,
    resolve_landside,
)
from portsim.config.marine import apply_channel_changes, check_marine
from portsim.config.port import Berth, Port
from portsim.config.scenario import Flow, Scenario, ScenarioSpec
from portsim.config.services import check_services
from portsim.errors import InputError, Problem, format_loc, unknown

# libyaml's C parser when PyYAML was built with it (the wheels are): ~10x faster on
# berths.yaml than the pure-Python one; same safe constructors, same error marks.
_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe YAML loader that refuses a key given twice in one mapping."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' appears twice in one mapping", mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


#: Limits on what one YAML file may expand to: values after aliases are expanded
#: (an alias bomb grows exponentially: nine nested aliases of nine make 387 M values)
#: and nesting depth. berths.yaml, the largest shipped input, has ~40 k values, depth 6.
MAX_YAML_VALUES = 2_000_000
MAX_YAML_DEPTH = 64


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping, turning every failure into an :class:`InputError`.

    Refused by name: a path that is a folder, a named pipe, a device or too large
    (:func:`portsim.config.files.unreadable_reason`), YAML nested deeper than
    ``MAX_YAML_DEPTH`` or expanding (through aliases) to more than ``MAX_YAML_VALUES``.
    """
    from portsim.config.files import unreadable_reason

    why = unreadable_reason(path)
    if why is not None:
        raise InputError.single(str(path).replace("\x00", "\\0"), "", why)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(path, "", f"cannot read file: {exc}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError.single(path, where, f"malformed YAML: {problem}") from None
    except RecursionError:
        raise InputError.single(path, "", f"YAML nested too deeply (more than "
                                f"{MAX_YAML_DEPTH} levels)") from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise InputError.single(path, "", f"expected a YAML mapping at the top, got {kind}")
    check_expansion(data, path)
    return data


def check_expansion(data: Any, file: str | Path) -> None:
    """Refuse YAML that nests deeper than ``MAX_YAML_DEPTH`` or expands (aliases counted
    every time they are used) to more than ``MAX_YAML_VALUES`` values. Stops counting
    at the limit, so an alias bomb costs no more than the limit to detect."""
    count = 0
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        node, depth, at = stack.pop()
        count += 1
        if count > MAX_YAML_VALUES:
            raise InputError.single(file, at, f"the YAML expands to more than "
                                    f"{MAX_YAML_VALUES:,} values (aliases counted each time "
                                    "they are used): an alias bomb or a runaway file")
        if depth > MAX_YAML_DEPTH:
            raise InputError.single(file, at, f"YAML nested more than {MAX_YAML_DEPTH} "
                                    "levels deep")
        if isinstance(node, dict):
            stack += [(v, depth + 1, f"{at}.{k}" if at else str(k)) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(v, depth + 1, f"{at}[{i}]") for i, v in enumerate(node)]


# ----------------------------------------------------------------- pydantic errors


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the last element of ``loc`` (for key suggestions)."""
    current: Any = root
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        else:
            args = typing.get_args(current)
            current = args[-1] if args else None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Optional[X] / X | None / list[X] (only when X is a model) → X."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
            if typing.get_origin(arg) in (list, dict):
                return arg
    return tp


def _describe(err: Mapping[str, Any], root: type[BaseModel]) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(root, loc)
        allowed = sorted(model.model_fields) if model else []
        near = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        listing = f" Allowed keys: {', '.join(allowed)}." if allowed else ""
        return f"unknown key '{key}'{hint}.{listing}"
    if kind == "missing":
        return "required value is missing"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    given = err.get("input")
    if kind not in ("model_type", "dict_type", "list_type") and not isinstance(given, dict | list):
        msg += f" (got {given!r})"
    return msg


def _label(data: Any, loc: tuple[Any, ...]) -> str:
    """``berths[12].depth_m`` plus the id of the record it is in, when there is one."""
    node = data
    ident = None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            ident = node["id"]
    path = format_loc(loc)
    return f"{path} (id {ident})" if ident and not path.endswith(".id") else path


def validate(model: type[BaseModel], data: Any, file: str | Path, prefix: tuple = ()) -> Any:
    """Validate ``data`` against ``model``; problems name ``file`` and the path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                str(file),
                format_loc(prefix + tuple(err["loc"])) if prefix else _label(data, err["loc"]),
                _describe(err, model),
            )
            for err in exc.errors()
        ]
        raise InputError(problems) from None


# ----------------------------------------------------------------- port


def _check_port(port: Port, file: str) -> list[Problem]:
    """Cross-references inside the port file: ids unique, every reference resolves."""
    problems: list[Problem] = []

    def unique(items: list[Any], name: str) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(Problem(file, f"{name}[{i}].id", f"duplicate id '{item.id}'"))
            seen.add(item.id)
        return seen

    unique(port.ship_classes, "ship_classes")
    areas = unique(port.areas, "areas")
    terminals = unique(port.terminals, "terminals")
    unique(port.berths, "berths")
    anchorages = unique(port.anchorages, "anchorages")
    segments = unique(port.channel_segments, "channel_segments")
    known_sources = set(port.sources)

    def check_source(src: str, path: str) -> None:
        if src in known_sources or src.startswith(("assumption", "derived", "JTS", "design")):
            return
        near = difflib.get_close_matches(src, sorted(known_sources), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        problems.append(
            Problem(file, path, f"source '{src}' is not a key of 'sources' nor 'assumption'"
                    f"/'derived: …'/a design code{hint}")
        )

    for i, t in enumerate(port.terminals):
        if t.area not in areas:
            problems.append(Problem(file, f"terminals[{i}].area", unknown("area", t.area, areas)))
    for name in ("ship_classes", "terminals", "berths", "anchorages", "channel_segments"):
        for i, rec in enumerate(getattr(port, name)):
            check_source(rec.source, f"{name}[{i}].source")
            for field, src in rec.provenance.items():
                check_source(src, f"{name}[{i}].{field}.source")
    problems += _check_berths(port.berths, terminals, port, file, "berths")
    problems += check_port_landside(port, file, check_source)
    for i, r in enumerate(port.routes):
        if r.area not in areas:
            problems.append(Problem(file, f"routes[{i}].area", unknown("area", r.area, areas)))
        if r.anchorage not in anchorages:
            problems.append(
                Problem(file, f"routes[{i}].anchorage", unknown("anchorage", r.anchorage,
                                                               anchorages))
            )
        for j, s in enumerate(r.segments):
            if s not in segments:
                problems.append(
                    Problem(file, f"routes[{i}].segments[{j}]",
                            unknown("channel segment", s, segments))
                )
    problems += check_marine(port, file)  # tide, pilots, tugs, weather, route continuity
    return problems


def _check_berths(
    berths: list[Berth], terminals: set[str], port: Port, file: str, name: str
) -> list[Problem]:
    problems = []
    line_terminal: dict[str, str] = {}
    line_last: dict[str, int] = {}  # quay line -> index of its last berth so far
    for i, b in enumerate(berths):
        if b.terminal not in terminals:
            problems.append(
                Problem(file, f"{name}[{i}].terminal", unknown("terminal", b.terminal, terminals))
            )
        if b.quay_line and line_last.get(b.quay_line, i - 1) != i - 1:
            # the berths of a quay line are its sections in order along the quay; one
            # listed apart would be joined to the others across whatever lies between
            j = line_last[b.quay_line]
            problems.append(Problem(
                file, f"{name}[{i}].quay_line",
                f"berth '{b.id}' is on quay line '{b.quay_line}', but the line's berths are "
                f"not listed together ({name}[{j}] '{berths[j].id}' is its previous "
                f"section; {name}[{j + 1}] '{berths[j + 1].id}' lies between): list a quay "
                "line's berths consecutively, in order along the quay"))
        if b.quay_line:
            line_last[b.quay_line] = i
        if b.quay_line:
            owner = line_terminal.setdefault(b.quay_line, b.terminal)
            if owner != b.terminal:
                problems.append(
                    Problem(file, f"{name}[{i}].quay_line",
                            f"quay line '{b.quay_line}' already belongs to terminal '{owner}'; "
                            "a quay line stays within one terminal")
                )
    return problems


_PORT_CACHE: dict[tuple[str, str], Port] = {}


def load_port(path: str | Path) -> Port:
    """Read and check a port file (``berths.yaml``).

    A checked port is kept per (path, SHA-256 of the file's bytes), so resolving many
    scenarios on one port file (a sweep's points) parses its YAML once; an edited file
    is read afresh. Ports are immutable records, so sharing one is safe.
    """
    import hashlib

    from portsim.config.files import unreadable_reason

    why = unreadable_reason(path)
    if why is not None:  # before the bytes are read: a named pipe would block
        raise InputError.single(path, "", why)
    try:
        key = (str(Path(path).resolve()), hashlib.sha256(Path(path).read_bytes()).hexdigest())
    except OSError:
        key = None
    if key is not None and key in _PORT_CACHE:
        return _PORT_CACHE[key]
    data = read_yaml(path)
    port: Port = validate(Port, data, path)
    problems = _check_port(port, str(path))
    if problems:
        raise InputError(problems)
    if key is not None:
        if len(_PORT_CACHE) >= 8:
            _PORT_CACHE.pop(next(iter(_PORT_CACHE)))
        _PORT_CACHE[key] = port
    return port


# ----------------------------------------------------------------- scenario


def apply_keyed(items: list, model: type[BaseModel], remove: list[str], change: dict,
                add: list, file: str, prefix: tuple[str, ...], kind: str,
                check_added: Callable[[Any, str], Problem | None] | None = None,
                ) -> tuple[list, list[Problem]]:
    """A list of records with ids (berths, channel segments) after a scenario's
    ``remove`` (ids), ``change`` (id: fields to change) and ``add`` (new records), in
    that order; the list keeps its order, added records go last. Every problem points
    at the scenario (``<prefix>.change.B9``); ``check_added(record, path)`` may refuse
    an added record."""
    at = ".".join(prefix)
    by_id = {x.id: x for x in items}
    order = [x.id for x in items]
    problems: list[Problem] = []
    for i, rid in enumerate(remove):
        if rid not in by_id:
            problems.append(Problem(file, f"{at}.remove[{i}]", unknown(kind, rid, set(by_id))))
        else:
            del by_id[rid]
            order.remove(rid)
    for rid, fields in change.items():
        if rid not in by_id:
            problems.append(Problem(file, f"{at}.change.{rid}", unknown(kind, rid, set(by_id))))
            continue
        merged = by_id[rid].model_dump(exclude_defaults=True) | fields
        try:
            by_id[rid] = validate(model, merged, file, prefix=(*prefix, "change", rid))
        except InputError as exc:
            problems += exc.problems
    for i, raw in enumerate(add):
        try:
            x = validate(model, raw, file, prefix=(*prefix, "add", i))
        except InputError as exc:
            problems += exc.problems
            continue
        if x.id in by_id:
            problems.append(Problem(file, f"{at}.add[{i}].id",
                                    f"{kind} '{x.id}' already exists; use {at}.change"))
            continue
        refused = check_added(x, f"{at}.add[{i}]") if check_added else None
        if refused is not None:
            problems.append(refused)
            continue
        by_id[x.id] = x
        order.append(x.id)
    return [by_id[rid] for rid in order], problems


def _apply_overrides(port: Port, spec: ScenarioSpec, file: str) -> tuple[Port, list[Problem]]:
    """Remove, change and add berths as the scenario says; problems point at the scenario
    (the port is returned unchanged when there are any)."""
    terminals = {t.id for t in port.terminals}

    def known_terminal(b: Berth, at: str) -> Problem | None:
        if b.terminal in terminals:
            return None
        return Problem(file, f"{at}.terminal", unknown("terminal", b.terminal, terminals))

    o = spec.overrides
    berths, problems = apply_keyed(port.berths, Berth, o.remove, o.change, o.add, file,
                                   ("overrides",), "berth", known_terminal)
    problems += _check_override_quay_lines(port, o, file)
    if problems:
        return port, problems
    return port.model_copy(update={"berths": berths}), []


def _check_override_quay_lines(port: Port, o: Any, file: str) -> list[Problem]:
    """A berth added or changed by a scenario names a quay line of the port file, or one
    the scenario declares in ``overrides.new_quay_lines``; a misspelt line would
    otherwise make a quay of its own (no error, different berth fits)."""
    lines = {b.quay_line for b in port.berths if b.quay_line}
    known = lines | set(o.new_quay_lines)
    problems = []
    for i, new in enumerate(o.new_quay_lines):
        if new in lines:
            problems.append(Problem(file, f"overrides.new_quay_lines[{i}]",
                                    f"quay line '{new}' already exists in the port file"))
    named = [(f"overrides.add[{i}].quay_line", b.get("quay_line"))
             for i, b in enumerate(o.add) if isinstance(b, dict)]
    named += [(f"overrides.change.{bid}.quay_line", f.get("quay_line"))
              for bid, f in o.change.items() if isinstance(f, dict)]
    for at, line in named:
        if isinstance(line, str) and line not in known:
            near = difflib.get_close_matches(line, sorted(lines), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            terminal = next((b.get("terminal") for b in o.add if isinstance(b, dict)
                             and b.get("quay_line") == line), None)
            own = sorted({b.quay_line for b in port.berths
                          if b.quay_line and b.terminal == terminal})
            listing = (f"quay lines of terminal {terminal}: {', '.join(own)}" if own else
                       f"known quay lines: {', '.join(sorted(lines)[:20])}"
                       + (" …" if len(lines) > 20 else ""))
            problems.append(Problem(file, at, (
                f"unknown quay line '{line}'; {hint}{listing} (a new quay line must be "
                "listed in overrides.new_quay_lines)")))
    return problems


def _check_demand(scenario: Scenario, file: str) -> list[Problem]:
    """Every flow's ship classes exist, carry its cargo and fit some berth."""
    port, rules = scenario.port, scenario.rules
    problems: list[Problem] = []
    class_ids = {s.id for s in port.ship_classes}
    terminal_ids = {t.id for t in port.terminals}
    flow_ids: set[str] = set()
    lines = quay_lines(port.berths)
    for i, flow in enumerate(scenario.demand):
        at = f"demand[{i}]"
        if flow.id in flow_ids:
            problems.append(Problem(file, f"{at}.id", f"duplicate flow id '{flow.id}'"))
        flow_ids.add(flow.id)
        eligible = set(eligible_terminals(flow, port))
        named = list(flow.terminals or [])
        for t in named:
            if t not in terminal_ids:
                problems.append(Problem(file, f"{at}.terminals.{t}",
                                        unknown("terminal", t, terminal_ids)))
            elif t not in eligible:
                problems.append(Problem(file, f"{at}.terminals.{t}",
                                        f"terminal '{t}' has no berth in service for "
                                        f"{flow.cargo}"))
        if not eligible and not named:
            problems.append(Problem(file, f"{at}.cargo",
                                    f"no berth in service handles {flow.cargo}"))
        for j, fc in enumerate(flow.classes):
            cat = f"{at}.classes[{j}].ship_class"
            if fc.ship_class not in class_ids:
                problems.append(Problem(file, cat, unknown("ship class", fc.ship_class,
                                                            class_ids)))
                continue
            ship = port.ship_class(fc.ship_class)
            if ship.cargo != flow.cargo:
                problems.append(Problem(file, cat, f"ship class '{ship.id}' carries "
                                        f"{ship.cargo}, but the flow is {flow.cargo}"))
                continue
            usable = [q for q in lines_for(lines, ship, rules.berth_ukc_m, rules.berth_clearance_m)
                      if q.terminal in eligible]
            if not usable:
                problems.append(Problem(
                    file, cat,
                    f"no berth in service can serve ship class '{ship.id}' "
                    f"(LOA {ship.loa_m:g} m + {rules.berth_clearance_m:g} m clearance, "
                    f"draught {ship.draught_m:g} m + UKC {rules.berth_ukc_m:g} m, "
                    f"{ship.dwt:,.0f} DWT) at the flow's terminals; "
                    f"{largest_berth_summary(port, flow.cargo)}"))
    for cid in rules.cranes_per_ship:
        if cid not in class_ids:
            problems.append(Problem(file, f"rules.cranes_per_ship.{cid}",
                                    unknown("ship class", cid, class_ids)))
    problems += crane_range_problems(file, scenario)
    return problems


def crane_range_problems(file: str, scenario: Scenario) -> list[Problem]:
    """The crane-pool data: known classes, and room along the ship for its most QCs
    (each takes ``quay_crane_width_m`` of rail; see :mod:`portsim.model.cranes`)."""
    rules, problems = scenario.rules, []
    classes = {s.id: s for s in scenario.port.ship_classes}
    width = rules.quay_crane_width_m
    for cid, crane_range in rules.quay_cranes_per_ship.items():
        where = f"rules.quay_cranes_per_ship.{cid}"
        ship = classes.get(cid)
        if ship is None:
            problems.append(Problem(file, where, unknown("ship class", cid, set(classes))))
        elif crane_range.max * width > ship.loa_m + rules.berth_clearance_m + 1e-9:
            problems.append(Problem(
                file, f"{where}.max",
                f"{crane_range.max} QCs need {crane_range.max * width:g} m of rail "
                f"({width:g} m each, rules.quay_crane_width_m) but the ship lies along "
                f"{ship.loa_m + rules.berth_clearance_m:g} m (LOA + clearance)"))
    if rules.quay_cranes == "pool":
        boxes = [s.loa_m + rules.berth_clearance_m for s in classes.values()
                 if s.cargo == "container"]
        for line in quay_lines(scenario.port.berths):
            ships = max(1, math.floor(line.length_m / min(boxes))) if boxes else 1
            if line.cranes and line.length_m < (line.cranes + ships) * width - 1e-9:
                problems.append(Problem(
                    file, "rules.quay_crane_width_m",
                    f"quay line {line.id} ({line.length_m:g} m) is too short for its "
                    f"{line.cranes} QCs of {width:g} m and up to {ships} ships: a crane "
                    f"split without crossing needs ({line.cranes} + {ships}) × {width:g} m"))
    return problems


def eligible_terminals(flow: Flow, port: Port) -> list[str]:
    """Terminals with at least one berth in service for the flow's cargo."""
    has = {b.terminal for b in port.berths if flow.cargo in b.cargo}
    candidates = list(flow.terminals) if flow.terminals else [t.id for t in port.terminals]
    return [t for t in candidates if t in has]


def resolve_extends(data: dict[str, Any], file: str | Path,
                    base_dir: str | Path | None = None, seen: tuple[Path, ...] = ()
                    ) -> dict[str, Any]:
    """A scenario that says ``extends: other.yaml`` (relative to its own file) is the
    other scenario with this one's keys merged over it: mappings key by key, lists and
    values replaced. Problems in inherited keys are reported against the extending file.
    """
    if "extends" not in data:
        return data
    parent_name = data["extends"]
    if not isinstance(parent_name, str):
        raise InputError.single(file, "extends", "expected the path of a scenario file")
    here = Path(base_dir) if base_dir is not None else Path(file).parent
    parent = (here / parent_name).resolve()
    if parent in seen:
        raise InputError.single(file, "extends", f"'{parent_name}' extends itself (cycle)")
    if not parent.exists():
        raise InputError.single(file, "extends", f"scenario '{parent_name}' not found "
                                f"(looked in {parent})")
    base = resolve_extends(read_yaml(parent), parent, None, (*seen, parent))
    if isinstance(base.get("port"), str):
        base["port"] = str((parent.parent / base["port"]).resolve())

    def merge(a: Any, b: Any) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **{k: merge(a.get(k), v) for k, v in b.items()}}
        return b

    return merge(base, {k: v for k, v in data.items() if k != "extends"})


def scenario_from_dict(data: dict[str, Any], file: str | Path = "<scenario>",
                       base_dir: str | Path | None = None) -> Scenario:
    """Build a resolved scenario from an already-parsed mapping (used by sweeps)."""
    file = str(file)
    data = resolve_extends(data, file, base_dir)
    spec: ScenarioSpec = validate(ScenarioSpec, data, file)
    base = Path(base_dir) if base_dir is not None else Path(file).parent
    port_path = (base / spec.port).resolve()
    if not port_path.exists():
        raise InputError.single(file, "port", f"port file '{spec.port}' not found "
                                f"(looked in {port_path})")
    from portsim.config.files import unreadable_reason

    why = unreadable_reason(port_path)
    if why is not None:  # named with the scenario's key, not only the path
        raise InputError.single(file, "port", f"port file '{spec.port}' {why}")
    port = load_port(port_path)
    port, problems = _apply_overrides(port, spec, file)
    try:  # the channel's problems are reported with the berths', not after them are fixed
        port = apply_channel_changes(port, spec.overrides.channel, file)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    port = port.model_copy(update={"berths": [b for b in port.berths
                                              if b.in_service_in(spec.year)]})
    if not port.berths:
        raise InputError.single(file, "year", f"no berth is in service in {spec.year}")
    port = resolve_landside(port, spec, file)
    demand = spec.demand
    if spec.canal is not None:  # river-sea classes, transfer berths, canal flows, sea leg
        port, demand = resolve_canal(spec.canal, port, demand, file, spec.rules.berth_ukc_m,
                                     spec.rules.channel_ukc_m)
    scenario = Scenario(
        name=spec.name, description=spec.description, description_zh=spec.description_zh,
        language=spec.language, file=file, port_file=str(port_path),
        year=spec.year, port=port, demand=demand, demand_scale=spec.demand_scale,
        demand_scale_by_cargo=spec.demand_scale_by_cargo,
        rules=spec.rules, run=spec.run, landside=spec.landside, seasons=spec.seasons,
        canal=spec.canal,
    )
    problems = (_check_demand(scenario, file) + check_scenario_landside(scenario, file)
                + check_services(scenario, file))
    if problems:
        raise InputError(problems)
    from portsim.config.passages import check_passages

    problems = check_passages(scenario, file)
    if problems:
        raise InputError(problems)
    if scenario.rules.liner_calls == "services":  # a pinned list that cannot be packed
        from portsim.services import resolve_services

        resolve_services(scenario)
    return scenario


def load_scenario(path: str | Path, changes: Mapping[str, Any] | None = None) -> Scenario:
    """Read, validate and resolve a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario YAML (keys: ``docs/reference.md``). Its ``port:`` file is read
        relative to it; ``extends:`` merges it over another scenario.
    changes : mapping, optional
        Dotted paths to values set in the YAML before validation, checked exactly as if
        written in the file — the hook of sweeps and of the CLI's ``--set``:
        ``{"run.seed": 7, "demand_scale": 1.2, "demand[0].annual_volume": 9e6}``.

    Returns
    -------
    Scenario
        The resolved scenario: the port after the scenario's overrides (berths in
        service in ``year``), demand, rules, run settings, landside and seasons.

    Raises
    ------
    InputError
        Every problem found, each naming the file and the path inside it
        (``exc.problems``); nothing is simulated.

    Examples
    --------
    >>> import portsim
    >>> sc = portsim.load_scenario("scenarios/plan-2025.yaml", {"run.replications": 2})
    >>> sc.run.replications, len(sc.port.berths) > 100
    (2, True)
    """
    data = read_yaml(path)
    if changes:
        data = apply_changes(data, changes, str(path))
    return scenario_from_dict(data, path)


def apply_changes(data: dict[str, Any], changes: Mapping[str, Any], file: str) -> dict[str, Any]:
    """Set dotted paths (``rules.teu_factor``, ``demand[0].annual_volume``) in a copy."""
    import copy
    import re

    out = dict(data)  # copied along each changed path only: the rest is shared, not mutated
    for dotted, value in changes.items():
        parts: list[str | int] = []
        for token in dotted.split("."):
            m = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", token)
            if not m:
                raise InputError.single(file, dotted, "cannot parse this parameter path")
            parts.append(m.group(1))
            parts += [int(x) for x in re.findall(r"\[(\d+)\]", m.group(2))]
        node: Any = out
        for k, part in enumerate(parts[:-1]):
            try:
                child = node[part]
            except (KeyError, IndexError, TypeError):
                if isinstance(part, str) and isinstance(node, dict):
                    child = {}
                else:
                    raise InputError.single(file, format_loc(tuple(parts[: k + 1])),
                                            "no such element to change") from None
            child = dict(child) if isinstance(child, dict) else (
                list(child) if isinstance(child, list) else child)
            try:
                node[part] = child
            except (IndexError, TypeError):
                raise InputError.single(file, format_loc(tuple(parts[: k + 1])),
                                        "no such element to change") from None
            node = child
        try:
            node[parts[-1]] = copy.deepcopy(value)
        except (IndexError, TypeError):
            raise InputError.single(file, dotted, "no such element to change") from None
    return out
