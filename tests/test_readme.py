"""Every shell and Python snippet of README.md runs (so the README cannot rot).

Snippets run as written, made short by a documented substitution (the numbers are not
checked here, only that the command works as the README says):

* ``portsim run|compare|robustness …``: ``-n N`` becomes ``-n 1`` and
  ``--set run.horizon_days=20 --set run.warmup_days=5 -w 1 -q -o <tmp>`` is added;
* ``portsim sweep SPEC``: ``--limit 1 -w 1 -q -o <tmp>`` (one run of the grid);
* ``make run``: ``make -o .venv/.installed run OUT=<tmp> ARGS="<the options above>"``
  (``ARGS`` is passed on to ``portsim run``);
* Python: ``load_scenario(path)`` becomes ``load_scenario(path, {"run.horizon_days": 20,
  "run.warmup_days": 5, "run.replications": 2})``.

Left out, each for a stated reason (see ``SKIPPED``): ``make test`` (it is this suite),
and the Dask cluster lines (they need machines; the same ``--scheduler`` path is tested
on a ``LocalCluster`` in tests/test_sweep.py).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FAST = ["--set", "run.horizon_days=20", "--set", "run.warmup_days=5", "-w", "1", "-q"]
SKIPPED = {
    "make test": "it is the test suite itself",
    "dask scheduler": "needs a Dask cluster on other machines",
    "--scheduler tcp://HOST": "needs a Dask cluster on other machines",
}


def snippets(kinds: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line number, code) of every fenced block of these languages in README.md."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^```(\w+)\n(.*?)^```", text, flags=re.S | re.M):
        if m.group(1) in kinds:
            out.append((text[: m.start()].count("\n") + 1, m.group(2)))
    return out


def shell_commands() -> list[tuple[str, str]]:
    """(where, command) for every command line of the shell blocks (continuations joined,
    comments dropped)."""
    out = []
    for line_no, code in snippets(("sh", "bash", "shell")):
        for cmd in code.replace("\\\n", " ").splitlines():
            cmd = cmd.split("  #")[0].split(" # ")[0].strip()
            if cmd and not cmd.startswith("#"):
                out.append((f"README.md:{line_no}", " ".join(cmd.split())))
    return out


def fast(cmd: str, tmp: Path) -> list[str] | None:
    """The command as run by the test (None: skipped, see SKIPPED)."""
    if any(key in cmd for key in SKIPPED):
        return None
    words = shlex.split(cmd)
    if words[:2] == ["make", "run"]:
        args = " ".join(["-n", "1", *FAST])
        return ["make", "-o", ".venv/.installed", "run", f"OUT={tmp / 'out'}",
                f"ARGS={args}", *words[2:]]
    assert words[0] == "portsim", f"a README command the test does not know: {cmd}"
    words = [sys.executable, "-m", "portsim", *words[1:]]
    if words[3] == "sweep":
        return [*words, "--limit", "1", "-w", "1", "-q", "-o", str(tmp / "sweep")]
    if "-n" in words:
        words[words.index("-n") + 1] = "1"
    else:
        words += ["-n", "1"]
    return [*words, *FAST, "-o", str(tmp / "out")]


COMMANDS = shell_commands()


def test_the_readme_has_snippets_to_run():
    assert len(COMMANDS) >= 4 and snippets(("python",))


@pytest.mark.parametrize("where,cmd", COMMANDS, ids=[c for _, c in COMMANDS])
def test_readme_shell_command_runs(where, cmd, tmp_path):
    argv = fast(cmd, tmp_path)
    if argv is None:
        pytest.skip(next(why for key, why in SKIPPED.items() if key in cmd))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PATH": f"{Path(sys.executable).parent}"
           f"{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, f"{where}: {cmd}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("line_no,code", snippets(("python",)))
def test_readme_python_snippet_runs(line_no, code, monkeypatch):
    short = re.sub(r"load_scenario\((\"[^\"]+\")\)",
                   r'load_scenario(\1, {"run.horizon_days": 20, "run.warmup_days": 5, '
                   r'"run.replications": 2})', code)
    assert short != code, "the substitution no longer matches the README"
    monkeypatch.chdir(REPO)
    exec(compile(short, f"README.md:{line_no}", "exec"), {"__name__": "readme"})
