"""A corpus of bad inputs — scenarios, port files, tide CSVs, sweep specs and the command
line — each of which must be refused the same way: exit status 2, a message naming the
file (or option) and the path inside it, no traceback, nothing written, and no hang.

Every case builds its files in a fresh folder, runs ``portsim`` in-process under a
timer (``TIMEOUT_S``: a case that blocks — a named pipe read, an alias bomb expanded —
fails instead of hanging the suite), and compares the folder before and after: not
one file may appear, vanish or change. The cases are the kinds of issue 15 (a careless
user and a hostile file), plus the kinds that already worked, so they stay working.
"""

from __future__ import annotations

import copy
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from portsim.cli import main
from portsim.config.load import apply_changes
from tests.conftest import berth, port_dict, write_yaml

TIMEOUT_S = 20.0

SCENARIO: dict[str, Any] = {
    "name": "corpus", "port": "port.yaml",
    "demand": [{"id": "box", "cargo": "container", "annual_volume": 100_000,
                "classes": [{"ship_class": "S", "share": 1,
                             "per_call": {"dist": "fixed", "mean": 1000}}]}],
    "run": {"horizon_days": 10, "warmup_days": 0, "replications": 1},
}


def base_port() -> dict[str, Any]:
    return port_dict([berth("B1", line="Q"), berth("B2", line="Q"), berth("B3")])


def tide_port(series: str) -> dict[str, Any]:
    port = base_port()
    port["tide"] = {"series": series, "source": "assumption: test"}
    return port


@dataclass
class Case:
    """Files to write (name -> YAML data, text or a builder) and the command to run."""

    id: str
    argv: list[str]
    expect: list[str]  # substrings the message must contain (file, path, what)
    files: dict[str, Any] | None = None
    make: Callable[[Path], None] | None = None  # extra set-up (pipes, folders)


def scenario(changes: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    data = copy.deepcopy(SCENARIO) | top
    return apply_changes(data, changes or {}, "<test>") if changes else data


def port(mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    p = base_port()
    mutate(p)
    return p


RUN = ["run", "scenario.yaml", "-o", "out", "-q", "-w", "1"]


def run_case(id: str, sc: dict[str, Any] | str, expect: list[str],
             p: dict[str, Any] | None = None, *, argv: list[str] | None = None,
             make: Callable[[Path], None] | None = None, **files: Any) -> Case:
    """``portsim run`` on a scenario (and a port file, by default the base port)."""
    return Case(id, argv or RUN, expect,
                {"scenario.yaml": sc, "port.yaml": p or base_port(), **files}, make)


def sweep_case(id: str, spec: dict[str, Any] | str, expect: list[str],
               extra: list[str] | None = None, make=None) -> Case:
    return Case(id, ["sweep", "sweep.yaml", "-o", "sweep-out", "-q", "-w", "1",
                     *(extra or [])], expect,
                {"scenario.yaml": SCENARIO, "port.yaml": base_port(), "sweep.yaml": spec},
                make)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(p: dict[str, Any]) -> None:
        p.update(apply_changes(p, {path: value}, "<test>"))
    return mutate


def _fifo(name: str) -> Callable[[Path], None]:
    return lambda d: os.mkfifo(d / name)


def _folder(name: str) -> Callable[[Path], None]:
    return lambda d: (d / name).mkdir()


ALIAS_BOMB = "\n".join([
    "name: bomb", "port: port.yaml",
    "a: &a [x, x, x, x, x, x, x, x, x]",
    *[f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]"
      for p, n in zip("abcdefgh", "bcdefghi", strict=True)],
    ""])
DEEP = "name: deep\nport: port.yaml\nrun: " + "{a: " * 200 + "1" + "}" * 200 + "\n"
TIDE_OK_ROWS = "".join(f"{h},{2 + (h % 24) / 24:.2f}\n" for h in range(400))
SHARES = [{"ship_class": "S", "share": 0.5, "per_call": {"dist": "fixed", "mean": 1000}},
          {"ship_class": "S2", "share": 0.3, "per_call": {"dist": "fixed", "mean": 1000}}]


def two_class_port() -> dict[str, Any]:
    p = base_port()
    p["ship_classes"].append({**p["ship_classes"][0], "id": "S2"})
    return p


def pinglu_case(id: str, mutate: Callable[[dict[str, Any]], None], expect: list[str]) -> Case:
    """``portsim run`` on a scenario extending the shipped pinglu-2027 with its canal block
    changed by ``mutate`` (lists are replaced whole by ``extends``, so the block is
    copied)."""
    import yaml

    parent = Path(__file__).resolve().parents[1] / "scenarios" / "pinglu-2027.yaml"
    canal = copy.deepcopy(yaml.safe_load(parent.read_text(encoding="utf-8"))["canal"])
    mutate(canal)
    sc = {"extends": str(parent), "name": "corpus-canal", "canal": canal,
          "run": {"horizon_days": 2, "warmup_days": 0, "replications": 1}}
    return Case(id, RUN, expect, {"scenario.yaml": sc})


CASES: list[Case] = [
    # ---------------------------------------------------------------- scenario values
    run_case("band-high-to-low", scenario({"rules.thresholds.container.occupancy_band":
                                           [0.7, 0.5]}),
             ["scenario.yaml", "rules.thresholds.container", "low < high"]),
    run_case("band-as-percent", scenario({"rules.thresholds.container.occupancy_band":
                                          [50, 70]}),
             ["scenario.yaml", "occupancy_band", "<= 1"]),
    run_case("class-shares-sum-0.8", scenario({"demand[0].classes": SHARES}),
             ["scenario.yaml", "demand[0]", "class shares must sum to 1", "= 0.8"],
             two_class_port()),
    run_case("class-shares-sum-1.3",
             scenario({"demand[0].classes": [SHARES[0], {**SHARES[1], "share": 0.8}]}),
             ["scenario.yaml", "demand[0]", "= 1.3", "normalise: true"], two_class_port()),
    run_case("yes-for-horizon", scenario({"run.horizon_days": True}),
             ["scenario.yaml", "run.horizon_days", "boolean"]),
    run_case("text-for-horizon", scenario({"run.horizon_days": "20"}),
             ["scenario.yaml", "run.horizon_days", "text '20'"]),
    run_case("yes-for-replications", scenario({"run.replications": True}),
             ["scenario.yaml", "run.replications", "boolean"]),
    run_case("on-for-seed", scenario({"run.seed": True}), ["run.seed", "boolean"]),
    run_case("horizon-1e12-days", scenario({"run.horizon_days": 1e12}),
             ["scenario.yaml", "run.horizon_days", "less than or equal to 10000000"]),
    run_case("warmup-1e9-days", scenario({"run.warmup_days": 1e9}), ["run.warmup_days"]),
    run_case("teu-factor-1e-300", scenario({"rules.teu_factor": 1e-300}),
             ["scenario.yaml", "rules.teu_factor", "greater than or equal to 1"]),
    run_case("teu-factor-infinite", scenario({"rules.teu_factor": float("inf")}),
             ["rules.teu_factor", "finite"]),
    run_case("annual-volume-infinite", scenario({"demand[0].annual_volume": float("inf")}),
             ["demand[0].annual_volume", "finite"]),
    run_case("annual-volume-1e15", scenario({"demand[0].annual_volume": 1e15}),
             ["demand[0].annual_volume", "less than or equal"]),
    run_case("annual-volume-nan", scenario({"demand[0].annual_volume": float("nan")}),
             ["demand[0].annual_volume"]),
    run_case("demand-scale-1e6", scenario({"demand_scale": 1e6}), ["demand_scale"]),
    run_case("demand-scale-by-cargo-yes", scenario({"demand_scale_by_cargo.container": True}),
             ["demand_scale_by_cargo", "boolean"]),
    run_case("seed-negative", scenario({"run.seed": -1}), ["run.seed", "greater than"]),
    run_case("call-volume-1e9", scenario({"demand[0].classes[0].per_call.mean": 1e9}),
             ["per_call.mean", "less than or equal"]),
    run_case("call-cv-1e6",
             scenario({"demand[0].classes[0].per_call": {"dist": "gamma", "mean": 1000,
                                                          "cv": 1e6}}),
             ["per_call.cv"]),
    run_case("liner-share-1.5", scenario({"demand[0].arrivals": {"liner_share": 1.5}}),
             ["arrivals.liner_share"]),
    run_case("working-hours-25", scenario({"rules.working_hours_per_day": 25}),
             ["rules.working_hours_per_day"]),
    run_case("crane-efficiency-0", scenario({"rules.crane_efficiency": 0}),
             ["rules.crane_efficiency"]),
    run_case("cranes-per-ship-yes", scenario({"rules.cranes_per_ship": {"S": "yes"}}),
             ["rules.cranes_per_ship", "text 'yes'"]),
    run_case("handling-cv-negative", scenario({"rules.handling_cv": -1}),
             ["rules.handling_cv"]),
    run_case("unknown-key", scenario({"run.horizon_dyas": 5}),
             ["run.horizon_dyas", "did you mean 'horizon_days'"]),
    run_case("no-demand", scenario(demand=[]), ["scenario.yaml", "demand"]),
    run_case("unknown-ship-class", scenario({"demand[0].classes[0].ship_class": "S9"}),
             ["demand[0].classes[0].ship_class", "unknown ship class 'S9'"]),
    run_case("year-without-berths", scenario(year=1900) | {
        "overrides": {"change": {b: {"in_service": 2000} for b in ("B1", "B2", "B3")}}},
             ["scenario.yaml", "year", "no berth is in service in 1900"]),
    # ---------------------------------------------------------------- quay lines
    run_case("added-berth-on-undeclared-quay-line",
             scenario(overrides={"add": [berth("B4", line="Q-TYPO")]}),
             ["scenario.yaml", "overrides.add[0].quay_line", "unknown quay line 'Q-TYPO'",
              "new_quay_lines"]),
    run_case("changed-berth-to-undeclared-quay-line",
             scenario(overrides={"change": {"B3": {"quay_line": "R"}}}),
             ["overrides.change.B3.quay_line", "unknown quay line 'R'"]),
    run_case("new-quay-line-that-exists",
             scenario(overrides={"new_quay_lines": ["Q"]}),
             ["overrides.new_quay_lines[0]", "already exists"]),
    run_case("berth-off-its-quay-line-between-sections", scenario(),
             ["port.yaml", "berths[2].quay_line", "not listed together"],
             port_dict([berth("B1", line="Q"), berth("B2"), berth("B3", line="Q")])),
    run_case("quay-line-across-terminals", scenario(),
             ["port.yaml", "berths[1].quay_line", "belongs to terminal"],
             port_dict([berth("B1", line="Q"), berth("B2", line="Q", terminal="U")])),
    # ---------------------------------------------------------------- port file values
    run_case("berth-depth-1e6", scenario(), ["port.yaml", "berths[0].depth_m (id B1)"],
             port(_set("berths[0].depth_m", 1e6))),
    run_case("berth-length-as-text", scenario(), ["berths[0].quay_length_m", "text"],
             port(_set("berths[0].quay_length_m", "300"))),
    run_case("berth-cranes-yes", scenario(), ["berths[1].cranes", "boolean"],
             port(_set("berths[1].cranes", True))),
    run_case("crane-rate-true", scenario(), ["berths[0].crane_rate", "boolean"],
             port(_set("berths[0].crane_rate", True))),
    run_case("ship-dwt-1e9", scenario(), ["port.yaml", "ship_classes[0].dwt"],
             port(_set("ship_classes[0].dwt", 1e9))),
    run_case("ship-loa-infinite", scenario(), ["ship_classes[0].loa_m", "finite"],
             port(_set("ship_classes[0].loa_m", float("inf")))),
    run_case("ship-draught-negative", scenario(), ["ship_classes[0].draught_m"],
             port(_set("ship_classes[0].draught_m", -12))),
    run_case("duplicate-berth-id", scenario(), ["port.yaml", "berths[1].id", "duplicate"],
             port_dict([berth("B1"), berth("B1")])),
    run_case("berth-unknown-terminal", scenario(), ["berths[0].terminal", "unknown terminal"],
             port(_set("berths[0].terminal", "NOPE"))),
    # ---------------------------------------------------------------- files and YAML
    Case("scenario-is-a-folder", ["run", "scenario.yaml", "-o", "out", "-q"],
         ["scenario.yaml", "is a folder"], make=_folder("scenario.yaml")),
    Case("scenario-is-a-named-pipe", ["run", "scenario.yaml", "-o", "out", "-q"],
         ["scenario.yaml", "named pipe"], make=_fifo("scenario.yaml")),
    Case("scenario-path-with-nul", ["run", "scen\x00ario.yaml", "-o", "out", "-q"],
         ["NUL byte"]),
    Case("scenario-missing", ["run", "nowhere.yaml", "-o", "out", "-q"],
         ["nowhere.yaml", "file not found"]),
    run_case("scenario-alias-bomb", ALIAS_BOMB, ["scenario.yaml", "expands to more than"]),
    run_case("scenario-nested-too-deep", DEEP, ["scenario.yaml", "nest"]),
    run_case("scenario-is-a-list", "- a\n- b\n", ["scenario.yaml", "mapping"]),
    run_case("scenario-empty", "", ["scenario.yaml", "got empty"]),
    run_case("scenario-with-tabs", "name: x\n\tport: p\n", ["scenario.yaml", "malformed YAML"]),
    run_case("scenario-duplicate-key", "name: a\nname: b\n", ["appears twice"]),
    Case("scenario-not-utf8", RUN, ["scenario.yaml", "cannot read"],
         {"scenario.yaml": b"name: \xff\xfe\n", "port.yaml": base_port()}),
    run_case("extends-missing", {"extends": "base.yaml", "name": "x"},
             ["scenario.yaml", "extends", "not found"]),
    run_case("extends-itself", {"extends": "scenario.yaml", "name": "x"},
             ["extends", "cycle"]),
    run_case("port-is-a-folder", scenario(port="ports"),
             ["scenario.yaml: port", "port file 'ports' is a folder"],
             **{"ports/x.yaml": "x: 1\n"}),
    Case("port-is-a-named-pipe", RUN, ["scenario.yaml: port", "port.yaml", "named pipe"],
         {"scenario.yaml": SCENARIO}, _fifo("port.yaml")),
    # ---------------------------------------------------------------- tide CSV
    run_case("tide-series-is-a-folder", scenario(), ["port.yaml", "tide.series", "is a folder"],
             tide_port("tides"), **{"tides/a.csv": "time_h,level_m\n"}),
    Case("tide-series-is-a-named-pipe", RUN, ["port.yaml", "tide.series", "named pipe"],
         {"scenario.yaml": SCENARIO, "port.yaml": tide_port("tide.csv")}, _fifo("tide.csv")),
    run_case("tide-series-missing", scenario(), ["tide.series", "not found"],
             tide_port("tide.csv")),
    run_case("tide-series-text-cell", scenario(), ["tide.csv", "line 4", "not a number"],
             tide_port("tide.csv"), **{"tide.csv": "time_h,level_m\n0,1\n1,1.2\n2,high\n"
                                       + TIDE_OK_ROWS}),
    run_case("tide-series-no-level-column", scenario(), ["tide.csv", "line 1", "level"],
             tide_port("tide.csv"), **{"tide.csv": "time_h,height\n0,1\n1,2\n2,1\n"}),
    # ---------------------------------------------------------------- sweep specs
    sweep_case("sweep-name-escapes-output", {"name": "../../escape", "scenario": "scenario.yaml",
                                             "grid": {"demand_scale": [1.0]}},
               ["sweep.yaml", "name", "should match pattern"]),
    sweep_case("sweep-name-absolute", {"name": "/tmp/x", "scenario": "scenario.yaml",
                                       "grid": {"demand_scale": [1.0]}}, ["sweep.yaml", "name"]),
    sweep_case("sweep-grid-of-a-million",
               {"scenario": "scenario.yaml",
                "grid": {f"demand[0].classes[0].per_call.{k}": [1.0 + i for i in range(100)]
                         for k in ("mean", "cv", "low")} | {"demand_scale": [1.0]}},
               ["sweep.yaml", "grid", "1,000,000 points", "more than"]),
    sweep_case("sweep-alias-bomb", ALIAS_BOMB.replace("name: bomb\nport: port.yaml\n",
                                                      "scenario: scenario.yaml\n"),
               ["sweep.yaml", "expands to more than"]),
    sweep_case("sweep-replications-0", {"scenario": "scenario.yaml", "replications": 0},
               ["sweep.yaml", "replications"]),
    sweep_case("sweep-replications-yes", {"scenario": "scenario.yaml", "replications": True},
               ["sweep.yaml", "replications"]),
    sweep_case("sweep-unknown-parameter", {"scenario": "scenario.yaml",
                                           "grid": {"rules.teu_factr": [1.0]}},
               ["grid.rules.teu_factr", "did you mean 'teu_factor'"]),
    Case("sweep-spec-is-a-named-pipe", ["sweep", "sweep.yaml", "-o", "o", "-q"],
         ["sweep.yaml", "named pipe"], make=_fifo("sweep.yaml")),
    Case("sweep-spec-is-a-folder", ["sweep", "sweep.yaml", "-o", "o", "-q"],
         ["sweep.yaml", "is a folder"], make=_folder("sweep.yaml")),
    sweep_case("sweep-output-is-a-file", {"scenario": "scenario.yaml"},
               ["-o/--output", "sweep-out", "not a folder"],
               make=lambda d: (d / "sweep-out").write_text("mine")),
    sweep_case("sweep-output-under-a-file", {"scenario": "scenario.yaml"},
               ["-o/--output", "is a file"], ["-o", "afile/sub"],
               make=lambda d: (d / "afile").write_text("mine")),
    # ---------------------------------------------------------------- command line
    run_case("cli-replications-0", SCENARIO, ["-n/--replications", "from 1 to 100000, got 0"],
             argv=[*RUN, "-n", "0"]),
    run_case("cli-workers-0", SCENARIO, ["-w/--workers", "got 0"], argv=[*RUN, "-w", "0"]),
    run_case("cli-workers-negative", SCENARIO, ["-w/--workers", "got -3"],
             argv=[*RUN, "-w", "-3"]),
    run_case("cli-workers-text", SCENARIO, ["-w/--workers", "whole number"],
             argv=[*RUN, "-w", "two"]),
    run_case("cli-seed-negative", SCENARIO, ["--seed", "got -1"], argv=[*RUN, "--seed", "-1"]),
    run_case("cli-unknown-option", SCENARIO, ["unrecognized arguments: --replicas"],
             argv=[*RUN, "--replicas", "3"]),
    sweep_case("cli-sweep-workers-0", {"scenario": "scenario.yaml"}, ["-w/--workers", "got 0"],
               ["-w", "0"]),
    sweep_case("cli-sweep-limit-0", {"scenario": "scenario.yaml"}, ["--limit", "got 0"],
               ["--limit", "0"]),
    Case("cli-compare-replications-0",
         ["compare", "scenario.yaml", "scenario.yaml", "-o", "out", "-n", "0"],
         ["-n/--replications", "got 0"], {"scenario.yaml": SCENARIO, "port.yaml": base_port()}),
    run_case("cli-output-is-a-file", SCENARIO, ["-o/--output", "out", "not a folder"],
             make=lambda d: (d / "out").write_text("my notes")),
    run_case("cli-output-under-a-file", SCENARIO, ["-o/--output", "is a file"],
             argv=["run", "scenario.yaml", "-o", "afile/out", "-q", "-w", "1"],
             make=lambda d: (d / "afile").write_text("my notes")),
    run_case("cli-output-is-a-foreign-folder", SCENARIO,
             ["-o/--output", "not a portsim output"],
             make=lambda d: ((d / "out").mkdir(), (d / "out" / "thesis.tex").write_text("x"))),
    run_case("cli-output-with-nul", SCENARIO, ["-o/--output", "NUL byte"],
             argv=["run", "scenario.yaml", "-o", "o\x00ut", "-q"]),
    Case("cli-preview-csv-is-a-folder", ["preview", "scenario.yaml", "--csv", "tables"],
         ["--csv", "tables", "is a folder"], {"scenario.yaml": SCENARIO, "port.yaml": base_port()},
         _folder("tables")),
    Case("cli-preview-csv-in-a-missing-folder",
         ["preview", "scenario.yaml", "--csv", "nowhere/t.csv"],
         ["--csv", "does not exist"], {"scenario.yaml": SCENARIO, "port.yaml": base_port()}),
    Case("cli-info-port-is-a-folder", ["info", "ports"], ["ports", "is a folder"],
         make=_folder("ports")),
    # ---------------------------------------------------------------- canal transfer
    pinglu_case("canal-transfer-sea-flow-of-another-cargo",
                lambda c: c["traffic"][2].update(sea_flow="ore-other-bulk"),
                ["canal.traffic[2].sea_flow", "carries dry_bulk, not container"]),
    pinglu_case("canal-stockpile-without-capacity",
                lambda c: c["stockpiles"][0].pop("capacity_t"),
                ["canal.stockpiles[0].capacity_t"]),
    pinglu_case("canal-stockpile-of-zero-tonnes",
                lambda c: c["stockpiles"][0].update(capacity_t=0),
                ["canal.stockpiles[0].capacity_t"]),
    pinglu_case("canal-transfer-berth-mapped-to-no-yard",
                lambda c: c["transfer_berths"][0].pop("yard"),
                ["canal.transfer_berths[0].yard", "mapped to no yard"]),
    pinglu_case("canal-transfer-berth-mapped-to-an-unknown-yard",
                lambda c: c["transfer_berths"][0].update(yard="Y-NOWHERE"),
                ["canal.transfer_berths[0].yard", "Y-NOWHERE"]),
]


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None: folder or special file)."""
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = p.read_bytes() if p.is_file() and not p.is_fifo() else None
    return out


def _write(folder: Path, name: str, content: Any) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        write_yaml(path, content)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def test_the_corpus_is_large_and_ids_are_unique():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_cleanly(case: Case, tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    for name, content in (case.files or {}).items():
        _write(work, name, content)
    if case.make:
        case.make(work)
    monkeypatch.chdir(work)
    before = _snapshot(work)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT_S)
    try:
        code = main(case.argv)
    except _Timeout:
        pytest.fail(f"{case.id}: no answer within {TIMEOUT_S:g} s (a hang)")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    err = capsys.readouterr().err
    assert code == 2, f"exit {code}, expected 2; stderr:\n{err}"
    assert "Traceback" not in err
    for words in case.expect:
        assert words in err, f"'{words}' not in the message:\n{err}"
    # the message names the file (or the command-line option) it is about
    named = [n.split("/")[0] for n in (case.files or {})] + [
        a.replace("\x00", "\\0") for a in case.argv[1:] if a not in ("-q",)]
    assert any(n in err for n in named if n and not n.isdigit()), err
    assert _snapshot(work) == before, "a refused input must not write, move or delete a file"
