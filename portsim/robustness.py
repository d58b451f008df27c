"""Robustness: does the answer hold under the other assumptions a planner could make?

Question
--------
The answer rests on assumptions the data do not settle: berths whose every number is
assumed, a container call mix (A9) drawn from single data points, a number of quay
cranes per call picked inside A8's ranges. An *assumption set* switches one of them;
the robustness run simulates the scenario as written (the base) and the scenario under
every set on common random numbers, and reports what each set changes, the headline
KPIs with their paired differences from the base (95 % CIs), and whether the verdict's
status ("delivers", "delivers, congested", "falls short") stays that of the base.

Assumption sets
---------------
A YAML file (shipped ones in ``scenarios/assumptions/``; by default the
``assumptions/`` folder beside the scenario file) with

* ``name``, ``changes`` (what it changes, one line) and ``basis`` (why it is a
  reasonable alternative, with its sources);
* ``overlay``: keys merged over the scenario file as written (after ``extends``):
  mappings key by key; ``demand`` is a mapping *flow id → keys of that flow* (an
  unknown flow id is an error); the lists under ``overrides`` (``remove``, ``add``)
  are appended to the scenario's; any other list or value is replaced;
* ``cranes_per_ship_change`` (optional, default 0): quay cranes added to (or, negative,
  taken from) every container ship class's ``rules.cranes_per_ship`` (at least 1; the
  berth's own cranes still cap it in the model).

Common random numbers: every variant runs with the base's seed, replications, horizon
and warm-up (:func:`portsim.compare.aligned`), so the calls of flows a set leaves alone
are the same ships, and a KPI's difference is taken replication by replication
(:func:`portsim.compare.paired`). A set that changes nothing gives exactly zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import Field

from portsim.config.base import Record
from portsim.config.load import (
    apply_changes,
    read_yaml,
    resolve_extends,
    scenario_from_dict,
    validate,
)
from portsim.config.scenario import Scenario
from portsim.errors import InputError, Problem
from portsim.simulate import Replications

ROBUSTNESS_KPIS = ("teu_delivered", "container_waiting_factor", "container_mean_wait_h")
"""The headline KPIs of the robustness table (port KPIs of every run)."""


class AssumptionSet(Record):
    """One named assumption set (see the module docstring)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    changes: str
    basis: str
    overlay: dict[str, Any] = {}
    cranes_per_ship_change: int = 0
    file: str | None = None


def assumptions_folder(scenario_file: str | Path) -> Path:
    """Where a scenario's assumption sets are: ``assumptions/`` beside its file."""
    return Path(scenario_file).resolve().parent / "assumptions"


def load_assumption_set(path: str | Path) -> AssumptionSet:
    """Read and check one assumption-set file (problems name the file and the key)."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError.single(path, "", "expected a mapping with name, changes, basis")
    aset: AssumptionSet = validate(AssumptionSet, {**data, "file": str(path)}, path)
    return aset


def assumption_sets(scenario_file: str | Path, names: Sequence[str] | None = None
                    ) -> list[AssumptionSet]:
    """The assumption sets beside a scenario (all, sorted by name, or those named —
    a name may also be the path of a set file)."""
    folder = assumptions_folder(scenario_file)
    found = {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}
    if names is None:
        paths = list(found.values())
    else:
        paths = []
        for n in names:
            if n in found:
                paths.append(found[n])
            elif Path(n).suffix in (".yaml", ".yml") and Path(n).exists():
                paths.append(Path(n))
            else:
                raise InputError.single(str(scenario_file), "--sets", f"no assumption set "
                                        f"'{n}' (in {folder}: {', '.join(found) or 'none'})")
    sets = [load_assumption_set(p) for p in paths]
    seen: set[str] = set()
    for s in sets:
        if s.name in seen:
            raise InputError.single(s.file or "", "name", f"two assumption sets are named "
                                    f"'{s.name}'")
        seen.add(s.name)
    return sets


def _overlay(data: dict[str, Any], overlay: dict[str, Any], file: str) -> dict[str, Any]:
    """The scenario data with an assumption set's overlay merged over it."""

    def merge(a: Any, b: Any) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **{k: merge(a.get(k), v) for k, v in b.items()}}
        return b

    out = dict(data)
    for key, value in overlay.items():
        if key == "demand":
            if not isinstance(value, dict):
                raise InputError.single(file, "overlay.demand",
                                        "expected a mapping: flow id → keys of that flow")
            flows = [dict(f) for f in data.get("demand", [])]
            ids = [f.get("id") for f in flows]
            for flow_id, keys in value.items():
                if flow_id not in ids:
                    raise InputError.single(file, f"overlay.demand.{flow_id}",
                                            f"the scenario has no flow '{flow_id}' (flows: "
                                            f"{', '.join(map(str, ids))})")
                i = ids.index(flow_id)
                flows[i] = merge(flows[i], keys)
            out["demand"] = flows
        elif key == "overrides" and isinstance(value, dict):
            base = dict(data.get("overrides") or {})
            for k, v in value.items():
                if k in ("remove", "add") and isinstance(v, list):
                    base[k] = list(base.get(k) or []) + v
                else:
                    base[k] = merge(base.get(k), v)
            out["overrides"] = base
        else:
            out[key] = merge(data.get(key), value)
    return out


def with_assumptions(scenario_file: str | Path, aset: AssumptionSet,
                     changes: dict[str, Any] | None = None) -> Scenario:
    """The scenario of ``scenario_file`` under an assumption set (named
    ``<scenario>+<set>``); ``changes``: dotted-path changes applied first, as
    :func:`portsim.config.load.load_scenario` does."""
    path = str(scenario_file)
    data = read_yaml(path)
    if changes:
        data = apply_changes(data, changes, path)
    data = resolve_extends(data, path)
    data = _overlay(data, aset.overlay, aset.file or aset.name)
    data["name"] = f"{data.get('name', Path(path).stem)}+{aset.name}"
    try:
        sc = scenario_from_dict(data, path)
    except InputError as exc:
        raise InputError([*exc.problems, Problem(
            aset.file or aset.name, "overlay",
            f"the scenario under assumption set '{aset.name}' is invalid (above)")]) from None
    if aset.cranes_per_ship_change:
        rules = sc.rules
        boxes = [s.id for s in sc.port.ship_classes if s.cargo == "container"]
        change = aset.cranes_per_ship_change
        cranes = dict(rules.cranes_per_ship) | {
            c: max(1, rules.cranes_for(c) + change) for c in boxes}
        # the crane pool's ranges move with it (min and max, each at least 1)
        ranges = {c: r.model_copy(update={"min": max(1, r.min + change),
                                          "max": max(1, r.max + change)})
                  for c, r in rules.quay_cranes_per_ship.items()}
        sc = sc.model_copy(update={"rules": rules.model_copy(
            update={"cranes_per_ship": cranes, "quay_cranes_per_ship": ranges,
                    "source": f"{rules.source}; cranes per container ship "
                              f"{aset.cranes_per_ship_change:+d} (assumption set "
                              f"{aset.name})"})})
    return sc


def verdict_status(reps: Replications) -> str:
    """The verdict's status word for a scenario's runs (:func:`portsim.verdict.judge`)."""
    from portsim.verdict import judge

    return judge(reps).status


@dataclass
class RobustnessResult:
    """The base and every assumption set, run on common random numbers."""

    scenario: str
    sets: list[AssumptionSet]
    comparison: Any  # portsim.compare.Comparison: labels, runs, kpis, table (paired)
    statuses: list[str]  # verdict status per label (base first)

    @property
    def base_status(self) -> str:
        return self.statuses[0]


def robustness(scenario_file: str | Path, sets: Sequence[str] | None = None, *,
               replications: int | None = None, seed: int | None = None,
               changes: dict[str, Any] | None = None, executor: Executor | None = None,
               progress: Callable[[int], None] | None = None,
               status: Callable[[Replications], str] = verdict_status) -> RobustnessResult:
    """Run the scenario and the scenario under each assumption set (``sets``: names in
    ``assumptions/`` beside the file, default all) on common random numbers, and judge
    each with ``status`` (default: the verdict's status)."""
    from portsim.compare import compare
    from portsim.config.load import load_scenario

    chosen = assumption_sets(scenario_file, sets)
    if not chosen:
        raise InputError.single(str(scenario_file), "assumptions",
                                f"no assumption sets in {assumptions_folder(scenario_file)}")
    base = load_scenario(scenario_file, changes)
    variants = [with_assumptions(scenario_file, s, changes) for s in chosen]
    comp = compare([base, *variants], replications=replications, seed=seed,
                   executor=executor, progress=progress)
    return RobustnessResult(base.name, chosen, comp, [status(r) for r in comp.runs])


def robustness_table(result: RobustnessResult,
                     kpis: Sequence[str] = ROBUSTNESS_KPIS) -> pd.DataFrame:
    """One row per assumption set (the base first): what it changes, each KPI's mean,
    paired difference from the base and its 95 % CI half-width, the verdict status and
    whether it is the base's (``holds``)."""
    comp = result.comparison
    t = comp.table.set_index(["scenario", "kpi"])
    rows = []
    described = [("base", "the scenario as written", "")] + [
        (s.name, s.changes, s.basis) for s in result.sets]
    for label, (name, changes, basis), st in zip(comp.labels, described, result.statuses,
                                                 strict=True):
        row: dict[str, Any] = {"set": name, "changes": changes, "basis": basis}
        for k in kpis:
            if (label, k) in t.index:
                r = t.loc[(label, k)]
                row |= {k: r["value"], f"{k}_diff": r["diff"], f"{k}_ci95": r["ci95"],
                        f"{k}_significant": bool(r["significant"])}
            else:
                row |= {k: float("nan"), f"{k}_diff": float("nan"),
                        f"{k}_ci95": float("nan"), f"{k}_significant": False}
        wf_up = row["container_waiting_factor_diff"] - row["container_waiting_factor_ci95"] \
            if "container_waiting_factor_diff" in row else float("nan")
        row |= {"status": st, "holds": st == result.base_status,
                # the base's container service level: its waiting factor not significantly
                # higher (paired 95 % CI); a sharper test than the status word
                "service_holds": not wf_up > 0,
                "replications": len(comp.runs[comp.labels.index(label)].runs)}
        rows.append(row)
    return pd.DataFrame(rows)


def robustness_sentence(result: RobustnessResult) -> str:
    """"The answer (delivers, congested) holds under N of M assumption sets; X flips it
    (to falls short); the container service level is significantly worse under Y
    (+0.12)" — for the verdict and the report."""
    from portsim.labels import current, t, translate

    table = robustness_table(result).iloc[1:]
    held = table[table["holds"]]
    flips = table[~table["holds"]]
    sep = "；" if current() == "zh" else "; "
    text = t("the answer ({status}) holds under {held} of {n} assumption sets",
             status=translate(result.base_status), held=len(held), n=len(table))
    if len(flips):
        text += sep + ", ".join(t("{set} flips it (to {status})", set=r.set,
                                  status=translate(r.status)) for r in flips.itertuples())
    worse = table[~table["service_holds"]]
    if len(worse):
        text += sep + t("the container service level (waiting factor) is significantly "
                        "worse under {sets}", sets=", ".join(
                            f"{r.set} ({r.container_waiting_factor_diff:+.2f})"
                            for r in worse.itertuples()))
    return text


def render_robustness(result: RobustnessResult) -> str:
    """The table printed by ``portsim robustness`` (and ``portsim run --robustness``), in
    the language of :func:`portsim.labels.current` (the sets' own notes as written)."""
    from portsim.cli import fmt_table
    from portsim.labels import current, t

    table = robustness_table(result)
    show = table.assign(
        teu=[f"{v / 1e6:.2f} ({d / 1e6:+.2f} ± {h / 1e6:.2f})" if d == d else f"{v / 1e6:.2f}"
             for v, d, h in zip(table["teu_delivered"], table["teu_delivered_diff"],
                                table["teu_delivered_ci95"].fillna(0), strict=True)],
        wf=[f"{v:.3f} ({d:+.3f} ± {h:.3f})" for v, d, h in zip(
            table["container_waiting_factor"], table["container_waiting_factor_diff"],
            table["container_waiting_factor_ci95"].fillna(0), strict=True)],
        wait=[f"{v:.1f} ({d:+.1f} ± {h:.1f})" for v, d, h in zip(
            table["container_mean_wait_h"], table["container_mean_wait_h_diff"],
            table["container_mean_wait_h_ci95"].fillna(0), strict=True)],
        holds_text=[t("yes") if h else t("NO") for h in table["holds"]],
        service_text=[t("yes") if h else t("NO") for h in table["service_holds"]])
    n = int(table["replications"].iloc[0])
    lines = [
        t("Robustness — {scenario}: {sets} assumption sets on common random numbers, {n} "
          "replications each (paired difference vs the base ± 95 % CI)",
          scenario=result.scenario, sets=len(table) - 1, n=n),
        fmt_table(show, {"set": ("set", ""), "teu": ("TEU delivered M (diff)", ""),
                         "wf": ("container WF (diff)", ""), "wait": ("mean wait h (diff)", ""),
                         "status": ("verdict", ""), "holds_text": ("holds", ""),
                         "service_text": ("WF not worse", "")}),
        "",
        t("What each set changes:"),
        *[f"  {r.set}: {r.changes}" for r in table.iloc[1:].itertuples()],
        "",
        t("ROBUSTNESS: ") + robustness_sentence(result) + ("。" if current() == "zh" else "."),
    ]
    return "\n".join(lines)
