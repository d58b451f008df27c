"""Sweep specifications: which scenario(s), which parameter points, how many replications.

A spec is a small YAML file (see ``sweeps/*.yaml``)::

    name: demand-vs-crane-rate
    scenario: ../scenarios/plan-2025.yaml     # or a list of files: scenario variants
    replications: 5                           # default: the scenario's run.replications
    seed: 2025                                # default: the scenario's run.seed
    fixed:                                    # changes applied at every point
      run.horizon_days: 365
    grid:                                     # the cartesian product of these lists …
      demand_scale: [0.9, 1.0, 1.1]
      rules.crane_efficiency: [0.8, 0.9]
    points:                                   # … times these explicit points
      - {rules.berth_allocation: first_fit}
      - {rules.berth_allocation: best_fit}

A parameter is a dotted path into the scenario file as :func:`portsim.config.load.
apply_changes` understands it (``demand_scale``, ``rules.crane_efficiency``,
``demand[0].annual_volume``, ``overrides.remove``, ``demand_scale_by_cargo.container``).
Paths are checked against the scenario schema when the spec is read, so a typo is
an input error naming the spec file and the path; *values* are checked when each
point's scenario is resolved, so a value that makes a scenario invalid fails that
point only (recorded as failed runs, the sweep goes on).

Every run is identified by a key: the scenario hash (SHA-256 of the scenario file's
parsed content and of the bytes of the port file it names), the canonical JSON of
the point's parameters (``fixed`` included), the replication index and the seed.
The seed is the scenario's ``run.seed`` after the point's changes (``seed:`` in the
spec sets it for every point); replication ``r`` of every point therefore draws from
the same random streams (common random numbers across points), and a run's numbers
depend on nothing but its key.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import re
import stat
import types
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from portsim.config.load import apply_changes, read_yaml, validate
from portsim.config.scenario import RunSettings, ScenarioSpec
from portsim.errors import InputError, Problem

#: Most points a sweep may have: planning takes ~2 ms and resolving ~20 ms per point on
#: the Qinzhou port (before any simulation), so 20,000 points are ~8 minutes of set-up;
#: a larger study is several specs (or a coarser grid).
MAX_POINTS = 20_000

#: Columns every run record has; a parameter may not take one of these names.
KEY_COLUMNS = ("run_id", "scenario", "scenario_hash", "params", "replication", "seed")

_TOKEN = re.compile(r"([^\[\]]+)((?:\[\d+\])*)")


class SweepSpec(BaseModel):
    """A sweep as written in YAML (strict: unknown keys and wrong types are errors)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="default: the spec file's stem; a plain folder name (letters, digits, "
        "'.', '_', '-'; no '/', no leading dot) so that results stay in out/sweeps/")
    description: str | None = None
    scenario: str | Annotated[list[str], Field(min_length=1)] = Field(
        description="scenario file(s), relative to the spec file")
    replications: PositiveInt | None = Field(
        None, description="replications per point (default: the scenario's)")
    seed: Annotated[int, Field(ge=0)] | None = Field(
        None, description="run.seed for every point (default: the scenario's)")
    fixed: dict[str, Any] = Field({}, description="changes applied at every point")
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(
        {}, description="parameter -> values; the sweep runs their cartesian product")
    points: list[dict[str, Any]] = Field(
        [], description="explicit parameter points (crossed with the grid)")

    @model_validator(mode="after")
    def _disjoint(self) -> SweepSpec:
        in_points = {k for p in self.points for k in p}
        both = (set(self.grid) & in_points) | (set(self.fixed) & (set(self.grid) | in_points))
        if both:
            raise ValueError(f"parameter(s) {sorted(both)} given in more than one of "
                             "fixed/grid/points")
        return self

    @property
    def scenario_files(self) -> list[str]:
        return [self.scenario] if isinstance(self.scenario, str) else list(self.scenario)


# ----------------------------------------------------------------- parameter paths


def parse_path(dotted: str) -> list[str | int]:
    """``demand[0].annual_volume`` → ``["demand", 0, "annual_volume"]``."""
    parts: list[str | int] = []
    for token in dotted.split("."):
        m = _TOKEN.fullmatch(token)
        if not m:
            raise ValueError("cannot parse this parameter path (expected e.g. "
                             "'rules.crane_efficiency' or 'demand[0].annual_volume')")
        parts.append(m.group(1))
        parts += [int(x) for x in re.findall(r"\[(\d+)\]", m.group(2))]
    return parts


def check_path(dotted: str) -> str | None:
    """Why ``dotted`` is not a path into a scenario file, or ``None`` when it is.

    Walks the pydantic schema of :class:`ScenarioSpec`: model fields must exist
    (with a did-you-mean), list positions need a list, mapping keys are free.
    """
    try:
        parts = parse_path(dotted)
    except ValueError as exc:
        return str(exc)
    current: Any = ScenarioSpec
    for k, part in enumerate(parts):
        current = _strip_optional(current)
        origin = typing.get_origin(current)
        where = ".".join(str(p) for p in parts[:k]) or "the scenario"
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                allowed = sorted(current.model_fields)
                near = difflib.get_close_matches(str(part), allowed, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                return (f"'{part}' is not a field of {where}{hint} "
                        f"Allowed: {', '.join(allowed)}.")
            current = current.model_fields[part].annotation
        elif origin is list or origin is tuple:
            if not isinstance(part, int):
                return f"{where} is a list: use an index, e.g. '{where}[0]'"
            args = typing.get_args(current)
            current = args[0] if args else Any
        elif origin is dict:
            if isinstance(part, int):
                return f"{where} is a mapping, not a list"
            args = typing.get_args(current)
            current = args[1] if len(args) == 2 else Any
        elif typing.get_origin(current) in (typing.Union, types.UnionType):
            return None  # e.g. list | dict (a flow's terminals): any key or index
        elif current is Any:
            return None
        else:
            return f"{where} is a single value; it has no part '{part}'"
    return None


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    if typing.get_origin(tp) is Annotated:
        return typing.get_args(tp)[0]
    return tp


# ----------------------------------------------------------------- loading


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep spec; every problem names the file and the path in it."""
    data = read_yaml(path)
    spec: SweepSpec = validate(SweepSpec, data, path)
    check_spec(spec, str(path), Path(path).parent)
    return spec


def check_spec(spec: SweepSpec, path: str, base: Path) -> None:
    """Parameter paths exist in the scenario schema; scenario files exist."""
    problems: list[Problem] = []
    n_points = (len(spec.scenario_files) * max(len(spec.points), 1)
                * math.prod(len(v) for v in spec.grid.values()))
    if n_points > MAX_POINTS:
        sizes = " x ".join(f"{len(v)} {k}" for k, v in spec.grid.items())
        problems.append(Problem(str(path), "grid", (
            f"the sweep has {n_points:,} points ({len(spec.scenario_files)} scenario file(s) x "
            f"{max(len(spec.points), 1)} point(s) x grid {sizes}), more than the "
            f"{MAX_POINTS:,} a sweep may have; use a coarser grid or split it into "
            "several specs")))
        raise InputError(problems)
    for section in ("fixed", "grid"):
        for key in getattr(spec, section):
            problems += _path_problems(str(path), f"{section}.{key}", key)
    for i, point in enumerate(spec.points):
        for key in point:
            problems += _path_problems(str(path), f"points[{i}].{key}", key)
    for i, f in enumerate(spec.scenario_files):
        if not (base / f).is_file():
            at = "scenario" if isinstance(spec.scenario, str) else f"scenario[{i}]"
            problems.append(Problem(str(path), at, f"scenario file '{f}' not found "
                                    f"(looked in {(base / f).resolve()})"))
    if problems:
        raise InputError(problems)


def _path_problems(file: str, at: str, key: str) -> list[Problem]:
    if key in KEY_COLUMNS:
        return [Problem(file, at, f"'{key}' is a reserved column name, not a parameter")]
    why = check_path(key)
    return [Problem(file, at, f"not a scenario parameter: {why}")] if why else []


# ----------------------------------------------------------------- expansion and keys


@dataclass(frozen=True)
class Point:
    """One parameter point of a sweep: a scenario file and the changes applied to it."""

    index: int
    scenario_file: Path
    changes: dict[str, Any]

    @property
    def params_json(self) -> str:
        return canonical_json(self.changes)


def expand(spec: SweepSpec, base_dir: str | Path) -> list[Point]:
    """Every point of the sweep, in a fixed order: scenario files × points × grid."""
    base = Path(base_dir)
    seed = {"run.seed": spec.seed} if spec.seed is not None else {}
    grid_keys = list(spec.grid)
    combos = [dict(zip(grid_keys, values, strict=True))
              for values in itertools.product(*(spec.grid[k] for k in grid_keys))]
    out: list[Point] = []
    for f in spec.scenario_files:
        for p in spec.points or [{}]:
            for g in combos:
                changes = {**seed, **spec.fixed, **p, **g}
                out.append(Point(len(out), (base / f).resolve(), changes))
    return out


def _canonical(value: Any) -> Any:
    """Numbers as floats (``1`` and ``1.0`` are the same parameter value), recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return str(value)


def canonical_json(value: Any) -> str:
    """A canonical JSON text: sorted keys, numbers as floats, no spaces."""
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"))


def run_key(scenario_hash: str, params_json: str, replication: int, seed: int) -> str:
    """The id of one run: a digest of (scenario hash, parameters, replication, seed)."""
    blob = json.dumps([scenario_hash, params_json, int(replication), int(seed)])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


@lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes (``missing`` when it cannot be read)."""
    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):  # a pipe would block; the scenario's check names it
            return "not-a-file"
        return _file_digest(str(p.resolve()), st.st_mtime_ns, st.st_size)
    except OSError:
        return "missing"


def scenario_hash(base_data: dict[str, Any], point_data: dict[str, Any],
                  scenario_file: Path) -> str:
    """Digest of the scenario file's parsed content and of the port file it names."""
    port = point_data.get("port")
    port_digest = (file_digest(scenario_file.parent / port) if isinstance(port, str)
                   else "none")
    memo = _BASE_JSON.get(id(base_data))
    if memo is None or memo[0] is not base_data:  # one canonical text per parsed file
        memo = _BASE_JSON[id(base_data)] = (base_data, canonical_json(base_data))
        while len(_BASE_JSON) > 16:
            _BASE_JSON.pop(next(iter(_BASE_JSON)))
    blob = '{"port":' + json.dumps(port_digest) + ',"scenario":' + memo[1] + "}"
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


_BASE_JSON: dict[int, tuple[dict[str, Any], str]] = {}


@dataclass(frozen=True)
class PointData:
    """A point with its scenario mapping after the changes, and what its runs are keyed on."""

    point: Point
    data: dict[str, Any] | None
    scenario_name: str
    scenario_hash: str
    seed: int
    replications: int
    error: str | None  # a change that cannot be applied
    cost: float = 0.0  # expected calls per run (0 when unknown): runs costly points first


def point_data(point: Point, base_data: dict[str, Any], replications: int | None) -> PointData:
    """Apply a point's changes to the scenario mapping; derive its seed and replications."""
    name = str(base_data.get("name", point.scenario_file.stem))
    try:
        data = apply_changes(base_data, point.changes, str(point.scenario_file))
        error = None
    except InputError as exc:
        data, error = None, f"InputError: {exc}"
    src = data if data is not None else base_data
    run = src.get("run") if isinstance(src.get("run"), dict) else {}
    seed = run.get("seed", RunSettings().seed)
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else -1
    n = replications or run.get("replications", RunSettings().replications)
    n = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1
    return PointData(point, data, name, scenario_hash(base_data, src, point.scenario_file),
                     seed, n, error, expected_calls(data))


_COST_KEYS = ("demand", "demand_scale", "demand_scale_by_cargo", "run")


def expected_calls(data: dict[str, Any] | None) -> float:
    """Calls one run of the scenario simulates, from its demand alone (0 if invalid).

    A run's cost grows with its calls, so this orders a sweep's runs costliest first.
    Memoised on the parts of the scenario it reads (a grid over other parameters costs
    one validation, not one per point).
    """
    if data is None:
        return 0.0
    demand = data.get("demand")
    small = canonical_json({k: data.get(k) for k in _COST_KEYS if k != "demand"})
    key = (id(demand), small)  # points share their base's demand list unless they change it
    hit = _COST_MEMO.get(key)
    if hit is not None and hit[0] is demand:
        return hit[1]
    cost = _expected_calls(canonical_json({k: data.get(k) for k in _COST_KEYS}))
    _COST_MEMO[key] = (demand, cost)
    while len(_COST_MEMO) > 4096:
        _COST_MEMO.pop(next(iter(_COST_MEMO)))
    return cost


_COST_MEMO: dict[tuple[int, str], tuple[Any, float]] = {}


@lru_cache(maxsize=4096)
def _expected_calls(parts_json: str) -> float:
    parts = {k: v for k, v in json.loads(parts_json).items() if v is not None}
    try:
        spec = ScenarioSpec.model_validate({"name": "cost", "port": "-", **parts})
    except ValueError:
        return 0.0
    years = (spec.run.warmup_days + spec.run.horizon_days) / 365.0
    by_cargo = spec.demand_scale_by_cargo
    return years * sum(f.calls_per_year * spec.demand_scale * by_cargo.get(f.cargo, 1.0)
                       for f in spec.demand)
