"""Regenerate every measured figure the README and docs quote, from the model.

Each figure is the output of one command a user can type. This script runs them (two
at a time by default) and writes each command's output, unedited, to
``docs/figures/<name>.txt`` with the command, the commit and the date on top, so every
number in the README can be traced to a file the model wrote::

    python tools/figures.py                 # all of them (about 40 minutes on 2 cores)
    python tools/figures.py run-plan-2025   # one or more by name
    python tools/figures.py --list

``make validation`` regenerates ``docs/validation.md`` and ``docs/calibration.md``
separately (they are written by :mod:`portsim.validation`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
BIN = Path(sys.executable).parent
PORTSIM = str(BIN / "portsim")
PYTHON = sys.executable

OPERATIONS = sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "scenarios/operations").glob("*.yaml")
)
CHANNELS = [
    "scenarios/channel-2025-as-is.yaml",
    "scenarios/channel-east-two-way.yaml",
    "scenarios/channel-west-route.yaml",
    "scenarios/channel-deepened.yaml",
]

#: name -> command (argv). A ``{tmp}`` argument is replaced by a fresh temporary folder.
COMMANDS: dict[str, list[str]] = {
    "run-plan-2025": [PORTSIM, "run", "scenarios/plan-2025.yaml", "-o", "{tmp}"],
    "run-plan-2025-x1.3": [
        PORTSIM, "run", "scenarios/plan-2025.yaml", "--set", "demand_scale_by_cargo.container=1.3",
        "-o", "{tmp}",
    ],
    "compare-operations": [
        PORTSIM, "compare", "scenarios/plan-2025.yaml", *OPERATIONS, "-n", "10", "-o", "{tmp}",
    ],
    "compare-channels": [PORTSIM, "compare", *CHANNELS, "-n", "10", "-o", "{tmp}"],
    "compare-fixes": [
        PORTSIM, "compare", "scenarios/plan-2025.yaml", "scenarios/plan-2025-fixes.yaml",
        "-n", "5", "-o", "{tmp}",
    ],
    "robustness-plan-2025": [
        PORTSIM, "robustness", "scenarios/plan-2025.yaml", "-n", "5", "-o", "{tmp}",
    ],
    "capacity-plan-2025": [PORTSIM, "capacity", "scenarios/plan-2025.yaml", "-o", "{tmp}"],
    "compare-pinglu": [
        PORTSIM, "compare", "scenarios/plan-2025.yaml", "scenarios/pinglu-2027.yaml",
        "scenarios/pinglu/pinglu-2030-no-sea-leg.yaml",
        "scenarios/pinglu/pinglu-2030-volume-only.yaml",
        "scenarios/pinglu/pinglu-2030-pilotage-by-size.yaml", "scenarios/pinglu-2030.yaml",
        "-n", "5", "-o", "{tmp}",
    ],
    "run-vision-2035": [PORTSIM, "run", "scenarios/vision-2035.yaml", "-o", "{tmp}"],
    "bench-run": [PYTHON, "benchmarks/run.py", "--repeat", "5"],
    "bench-run-instructions": [PYTHON, "benchmarks/run.py", "--instructions"],
    "bench-saturation": [PYTHON, "benchmarks/saturation.py"],
    "bench-operations": [PYTHON, "benchmarks/operations.py", "--repeat", "3"],
    "bench-canal": [PYTHON, "benchmarks/canal.py", "--repeat", "5"],
    "bench-canal-instructions": [PYTHON, "benchmarks/canal.py", "--instructions"],
    "bench-canal-phases": [PYTHON, "benchmarks/canal.py", "--phases", "--repeat", "7"],
    "bench-canal-instructions-no-sea-leg": [
        PYTHON, "benchmarks/canal.py", "--instructions", "--set", "canal.sea_leg=none",
    ],
}

#: The Pinglu Canal's three questions per year, each against the port year it extends.
CANAL_BASES = {"2027": "scenarios/plan-2025.yaml", "2030": "scenarios/plan-2025.yaml",
               "2035": "scenarios/vision-2035.yaml"}
for _year, _base in CANAL_BASES.items():
    _canal = [PORTSIM, "canal"]
    _scenario = f"scenarios/pinglu-{_year}.yaml"
    COMMANDS[f"canal-berths-{_year}"] = [*_canal, "berths", _scenario, "-n", "5", "-o", "{tmp}"]
    COMMANDS[f"canal-effect-{_year}"] = [*_canal, "effect", _base, _scenario, "-n", "5",
                                         "-o", "{tmp}"]
    COMMANDS[f"canal-binds-{_year}"] = [*_canal, "binds", _scenario, "-n", "5", "-o", "{tmp}"]
COMMANDS["canal-effect-2030-no-sea-leg"] = [
    PORTSIM, "canal", "effect", "scenarios/plan-2025.yaml",
    "scenarios/pinglu/pinglu-2030-no-sea-leg.yaml", "-n", "5", "-o", "{tmp}",
]


def _shown(argv: list[str]) -> str:
    """The command as a user types it (``portsim …``, ``python …``)."""
    if "{tmp}" in argv:  # the temporary output folder is not part of the figure
        i = argv.index("{tmp}")
        argv = argv[: i - 1] + argv[i + 1 :]
    return " ".join(
        shlex.quote("python" if a == PYTHON else Path(a).name if a == PORTSIM else a)
        for a in argv
    )


def _header(name: str, argv: list[str]) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    shown = _shown(argv)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"# {name}\n$ {shown}\n# commit {commit}, {stamp}\n\n"


def run_one(name: str) -> tuple[str, int, float]:
    """Run figure ``name``'s command and write its output to docs/figures/<name>.txt."""
    argv = COMMANDS[name]
    start = dt.datetime.now()
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = str(Path(tmp) / "out")
        real = [out_dir if a == "{tmp}" else a for a in argv]
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", COLUMNS="120")
        done = subprocess.run(real, cwd=ROOT, capture_output=True, text=True, env=env)
    text = _header(name, argv) + done.stdout
    if done.returncode:
        text += f"\n# exit status {done.returncode}\n{done.stderr}"
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{name}.txt").write_text(text, encoding="utf-8")
    return name, done.returncode, (dt.datetime.now() - start).total_seconds()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="figures to regenerate (default: all)")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="commands run at once")
    args = parser.parse_args()
    if args.list:
        for name, argv in COMMANDS.items():
            print(f"{name:24s} {_shown(argv)}")
        return 0
    unknown = [n for n in args.names if n not in COMMANDS]
    if unknown:
        print(f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(COMMANDS)}")
        return 2
    names = args.names or list(COMMANDS)
    failed = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, code, seconds in pool.map(run_one, names):
            failed += code != 0
            print(f"{name:24s} {'ok' if code == 0 else f'FAILED ({code})'}  {seconds:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
