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
    for name in ("run", "capacity", "preview", "compare", "services", "robustness"):
        assert {"--json", "--lang", "--set"} <= options(subs[name]), name


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


def test_preview_json_is_the_answer_status_terminals_and_jts_capacity(capsys):
    """``preview --json``: one document; its JTS 165 capacity is the sum of the terminals'
    (as the table prints it) and the figure the answer states; the status is the one the
    terminals' judgements give."""
    assert main(["preview", PLAN, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    terms = pd.DataFrame(doc["terminals"])
    jts = doc["jts165"]
    assert jts["teu_capacity"] == pytest.approx(terms["teu_capacity_jts"].sum())
    assert jts["tonnes_capacity"] == pytest.approx(terms["tonnes_capacity_jts"].sum())
    assert f"vs {jts['teu_capacity'] / 1e6:.2f} M TEU JTS 165 capacity" in doc["answer"]
    assert jts["operating_days"] == 350 and jts["rho_container"] == 0.65
    raw = yaml.safe_load(Path(PLAN).read_text(encoding="utf-8"))
    teu = sum(f["annual_volume"] for f in raw["demand"] if f["cargo"] == "container")
    assert jts["teu_demand"] == pytest.approx(teu, rel=1e-9)
    saturated = (terms["binding_utilisation"] >= 1).any()
    assert doc["status"] == ("saturated" if saturated else "congested" if terms["over"].any()
                             else "within limits")
    assert doc["answer"].startswith(f"PREVIEW plan-2025: {doc['status'].upper()}")
    assert {"terminal", "berth_utilisation", "waiting_factor", "judgement"} <= set(terms)


def test_services_json(capsys):
    assert main(["services", PLAN, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    services, terms = pd.DataFrame(doc["services"]), pd.DataFrame(doc["terminals"])
    assert doc["liner_calls"] == "services" and len(services) > 0
    # the terminal rows are the services' sums
    per = services.groupby("terminal")["calls_per_week"].sum()
    assert dict(zip(terms["terminal"], terms["calls_per_week"], strict=True)) == \
        pytest.approx(per.to_dict())


def _preview_language(args: list[str], capsys) -> str:
    assert main(["preview", *args]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    return "zh" if "仿真前的解析估算" in first else "en" if "analytic estimate" in first else "?"


def test_language_is_option_then_scenario_then_environment_then_english(tmp_path, capsys,
                                                                      monkeypatch):
    from portsim import labels

    def scenario(language: str | None) -> str:
        raw = yaml.safe_load(Path(PLAN).read_text(encoding="utf-8"))
        raw["port"] = str(REPO / "berths.yaml")
        if language:
            raw["language"] = language
        path = tmp_path / f"plan-{language}.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        return str(path)

    none, en, zh = scenario(None), scenario("en"), scenario("zh")
    monkeypatch.delenv(labels.ENV, raising=False)
    assert _preview_language([none], capsys) == "en"  # nothing said: English
    assert _preview_language([zh], capsys) == "zh"  # the scenario's language:
    assert _preview_language([zh, "--lang", "en"], capsys) == "en"  # --lang wins over it
    monkeypatch.setenv(labels.ENV, "zh")
    assert _preview_language([none], capsys) == "zh"  # the environment
    assert _preview_language([en], capsys) == "en"  # the scenario wins over it
    assert _preview_language([none, "--lang", "en"], capsys) == "en"
    monkeypatch.setenv(labels.ENV, "en")
    assert _preview_language([en, "--lang", "zh"], capsys) == "zh"
    assert labels.current() == "en"  # nothing of a command's language outlives it
    bad = tmp_path / "bad.yaml"
    raw = yaml.safe_load(Path(en).read_text(encoding="utf-8")) | {"language": "fr"}
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert main(["preview", str(bad)]) == 2
    assert "language" in capsys.readouterr().err


def test_run_prints_the_answer_in_parts_and_keeps_the_whole_line(tmp_path, capsys):
    """The first line of the answer is ``ANSWER: <name>: <STATUS>`` and nothing more; each
    part follows on its own labelled line, wrapped under 96 columns; ``verdict.txt`` and
    ``--json`` keep the whole one-line answer."""
    import unicodedata

    out = tmp_path / "out"
    assert main(["run", PLAN, "-n", "1", "-w", "1", "-q", *SHORT, "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(printed) if line.startswith("ANSWER: "))
    block = printed[start:]
    words = {"delivers": "DELIVERS", "delivers, congested": "DELIVERS, BUT CONGESTED",
             "falls short": "FALLS SHORT", "saturated": "SATURATED"}
    assert block[0] in {f"ANSWER: plan-2025: {w}" for w in words.values()}
    labelled = [line for line in block[1:] if not line.startswith("   ")]
    assert [line.split(":")[0].strip() for line in labelled] == \
        [h for h in ("Throughput", "Service", "What breaks first", "What fixes it")
         if any(line.startswith(f"  {h}:") for line in labelled)]
    assert len(labelled) >= 3

    def columns(line: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)

    assert all(columns(line) <= 96 for line in block)
    text = (out / "verdict.txt").read_text(encoding="utf-8")
    assert sum(line.startswith("ANSWER: ") for line in text.splitlines()) == 1
    one_line = text.splitlines()[-1]
    assert one_line.startswith("In one line: plan-2025: ")
    assert main(["run", PLAN, "-n", "1", "-w", "1", "-q", *SHORT, "--json",
                 "-o", str(tmp_path / "json")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert one_line == "In one line: " + doc["answer"]
    assert block[0] == f"ANSWER: plan-2025: {words[doc['status']]}"
    assert doc["answer_parts"]["headline"] == block[0].removeprefix("ANSWER: ")
    assert set(doc["answer_parts"]) <= {"headline", "throughput", "service", "breaks_first",
                                        "fixes"}
    # wrapping by terminal columns: at spaces, and between Chinese characters (2 columns)
    from portsim.commands.run import wrap

    assert wrap("aaa bbb 泊位利用率超出规划区间", 10) == ["aaa bbb 泊", "位利用率超", "出规划区间"]
    assert wrap("aaa bbbb cc", 8) == ["aaa bbbb", "cc"]
