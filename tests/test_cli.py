"""The command line: --set, --json, --version, --help, shared options, start-up cost."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from portsim.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
PLAN = str(REPO / "scenarios" / "plan-2025.yaml")
SHORT = ["--set", "run.horizon_days=30", "--set", "run.warmup_days=5"]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def options(p: argparse.ArgumentParser) -> set[str]:
    return {s for a in p._actions for s in a.option_strings}


def test_run_set_demand_scale_json(tmp_path, capsys):
    """The issue's example: ``run … --set demand_scale=1.1 --json`` prints one JSON
    document whose demand is 1.1 × the scenario's annual volumes (summed by hand from
    the YAML), and writes the usual files."""
    out = tmp_path / "out"
    code = main(["run", PLAN, "-n", "1", "-w", "1", "-q", "--set", "demand_scale=1.1",
                 *SHORT, "--json", "-o", str(out)])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)  # stdout is nothing but the JSON
    raw = yaml.safe_load(Path(PLAN).read_text(encoding="utf-8"))
    teu = sum(f["annual_volume"] for f in raw["demand"] if f["cargo"] == "container")
    assert doc["demand_scale"] == 1.1 and doc["horizon_days"] == 30
    assert doc["port"]["teu_demand"]["mean"] == pytest.approx(1.1 * teu, rel=1e-9)
    assert doc["status"] in ("delivers", "delivers, congested", "falls short", "saturated")
    assert doc["answer"].startswith("plan-2025: ")
    assert {t["terminal"] for t in doc["terminals"]} >= {"DLS-MP"}
    assert all(set(t) >= {"berth_utilisation", "waiting_factor", "judgement"}
               for t in doc["terminals"])
    assert (out / "verdict.txt").exists() and (out / "manifest.json").exists()


def test_set_problems_name_the_path_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", PLAN, "-q", "--set", "demand_scale=abc", "--set", "rules.cranes=2",
                 "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "plan-2025.yaml: demand_scale: expected a number" in err
    assert "[from --set demand_scale]" in err
    assert "rules.cranes: unknown key 'cranes'" in err
    assert "Traceback" not in err
    assert main(["run", PLAN, "--set", "demand_scale"]) == 2
    assert "--set: demand_scale: expected PATH=VALUE" in capsys.readouterr().err
    assert main(["preview", PLAN, "--set", "rules.quay_cranes=several"]) == 2
    assert "rules.quay_cranes: Input should be 'fixed' or 'pool'" in capsys.readouterr().err


def test_set_reaches_preview(capsys):
    """``--set`` changes what a command computes: the preview's container demand doubles."""
    assert main(["preview", PLAN]) == 0
    base = capsys.readouterr().out
    assert main(["preview", PLAN, "--set", "demand_scale=2"]) == 0
    doubled = capsys.readouterr().out
    assert base != doubled


def test_every_scenario_command_has_set_and_every_multi_run_command_workers_scheduler():
    subs = subcommands()
    for name in ("run", "capacity", "preview", "compare", "services", "robustness"):
        assert "--set" in options(subs[name]), name
    for name in ("run", "capacity", "compare", "robustness", "sweep"):
        assert {"-w", "--scheduler"} <= options(subs[name]), name
    for name in ("run", "capacity", "compare", "robustness"):
        assert "--json" in options(subs[name]), name


def test_version_and_help(capsys):
    from portsim import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"portsim {__version__}"
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "The ``portsim`` command" not in text
    assert "examples:" in text and "--set demand_scale=1.1" in text
    assert main(["run", "--help"]) == 0
    assert "examples:" in capsys.readouterr().out


def test_help_and_input_errors_do_not_import_heavy_modules(tmp_path):
    """Start-up: the parser and a bad scenario need neither pandas, scipy, matplotlib,
    dask nor SimPy (they cost ~1.2 s before anything happens)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    code = ("import sys; from portsim.cli import main; main(['run', sys.argv[1]]);"
            "heavy = [m for m in ('pandas', 'scipy', 'matplotlib', 'dask', 'simpy') "
            "if m in sys.modules]; print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == ""
    assert "port: required value is missing" in done.stderr


def test_an_unknown_quay_line_names_the_path_and_the_known_lines(tmp_path, capsys):
    """The README's example berth with its quay line misspelt (issue 16): exit 2, the
    file, the path inside it, and the terminal's quay lines to choose from."""
    scenario = tmp_path / "typo.yaml"
    scenario.write_text(
        f"name: typo\nextends: {PLAN}\noverrides:\n  add: [{{id: DLS-14, terminal: DLS-ULCV, "
        "cargo: [container], quay_length_m: 430, depth_m: 17.1, max_dwt: 200000, "
        "quay_line: DLS-ULCV-Q, cranes: 5, crane_rate: 30, design_capacity_teu: 900000, "
        "source: 'assumption: new berth'}]\n", encoding="utf-8")
    assert main(["preview", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert (f"{scenario}: overrides.add[0].quay_line: unknown quay line 'DLS-ULCV-Q'; did you "
            "mean 'DLS-ULCV-QL'? quay lines of terminal DLS-ULCV: DLS-ULCV-QL") in err


def test_capacity_writes_a_default_folder_and_answers_in_json(tmp_path, capsys, monkeypatch):
    """Without -o, capacity writes out/capacity-<scenario>/ like run and compare do."""
    from tests.test_capacity import _mixed, write_yaml

    _, port, scenario = _mixed(tmp_path, days=100)
    write_yaml(tmp_path / "port.yaml", port)
    f = write_yaml(tmp_path / "s.yaml", {"port": "port.yaml", **scenario})
    monkeypatch.chdir(tmp_path)
    assert main(["capacity", str(f), "--min-replications", "2", "--max-replications", "2",
                 "-w", "1", "-q", "--no-bottleneck", "--max-wait-h", "5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    table = pd.read_csv(tmp_path / "out" / "capacity-s" / "capacity.csv")
    assert [c["criterion"] for c in doc["criteria"]] == list(table["criterion"]) \
        == ["container mean wait <= 5 h"]
    assert doc["criteria"][0]["capacity"] == pytest.approx(table["capacity"][0], rel=1e-12)
    assert doc["answer"].startswith("mixed: container capacity")


def test_compare_and_robustness_answer_in_json_with_set_on_every_scenario(tmp_path, capsys):
    fixed = str(REPO / "scenarios" / "operations" / "plan-2025-fixed-cranes.yaml")
    assert main(["compare", PLAN, fixed, "-n", "1", *SHORT, "-w", "1", "-q", "--json",
                 "-o", str(tmp_path / "c")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scenarios"] == ["plan-2025", "plan-2025-fixed-cranes"]
    rows = {(r["scenario"], r["kpi"]): r for r in doc["differences"]}
    # --set reached both scenarios: the same 30-day demand, so no difference in it
    assert rows[("plan-2025-fixed-cranes", "teu_demand")]["diff"] == 0
    assert main(["robustness", PLAN, "--sets", "cranes-minus-one", "-n", "1", *SHORT, "-w",
                 "1", "-q", "--json", "-o", str(tmp_path / "r")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["set"] for s in doc["sets"]] == ["base", "cranes-minus-one"]
    assert doc["answer"].startswith(f"the answer ({doc['status']}) holds under")
