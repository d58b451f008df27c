"""Faults: kills and signals mid-sweep and mid-run, a second sweep on one folder, points
that fail in any way, and output folders that must stay whole.

* SIGKILL of ``portsim sweep`` (the parent; the workers are not signalled) leaves no
  worker alive, and a rerun computes exactly the runs that were missing — the union
  equals an uninterrupted sweep, number for number;
* SIGTERM of ``portsim sweep`` exits 130 and stops its workers;
* a kill (SIGKILL or SIGTERM) mid-``run`` never leaves a folder mixing two runs: the
  previous output stays whole, SIGTERM removes the temporary folder, and the next run
  removes the one SIGKILL left;
* the output folder is replaced whole, so no file of an earlier run stays beside a new
  one, and a folder that is not a portsim output is never touched.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from portsim.cli import main
from portsim.experiments import deterministic, run_sweep
from portsim.experiments.store import SweepStore
from portsim.output import write_atomically
from tests.conftest import REPO, berth, port_dict, write_yaml


def _scenario(tmp_path: Path, *, days: float = 60, name: str = "tiny",
              replications: int = 2) -> Path:
    write_yaml(tmp_path / "port.yaml", port_dict([berth("B1", cranes=2),
                                                  berth("B2", cranes=2)]))
    return write_yaml(tmp_path / f"{name}.yaml", {
        "name": name, "port": "port.yaml",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 500_000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "gamma", "mean": 1200, "cv": 0.5}}]}],
        "run": {"horizon_days": days, "warmup_days": 5, "replications": replications,
                "seed": 5}})


def _spec(tmp_path: Path, days: float, scales: list[float], replications: int = 3) -> Path:
    _scenario(tmp_path, days=days)
    return write_yaml(tmp_path / "sweep.yaml", {
        "scenario": "tiny.yaml", "replications": replications,
        "grid": {"demand_scale": scales}})


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(d.name))
    return out


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "portsim", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _kill_sweep_mid_way(tmp_path: Path, sig: int) -> tuple[Path, Path, int, set[int]]:
    f = _spec(tmp_path, days=150, scales=[0.8, 0.9, 1.0, 1.1, 1.2, 1.3])  # 18 runs
    out = tmp_path / "killed"
    proc = _start(["sweep", str(f), "-o", str(out), "-w", "2", "-q"], tmp_path)
    try:
        _wait_until(lambda: len(list((out / "runs").glob("*.parquet"))) >= 2
                    or proc.poll() is not None, 180, "two finished runs")
        assert proc.poll() is None, "the sweep ended before it could be killed"
        workers = _children(proc.pid)
        assert len(workers) >= 2, "a two-worker pool has (at least) two processes"
        os.kill(proc.pid, sig)  # the parent only: its workers must follow it
        code = proc.wait(timeout=60)
        _wait_until(lambda: not any(_alive(w) for w in workers), 15, "the workers to end")
    finally:  # whatever happened, leave no process of this test behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return f, out, code, workers


@pytest.mark.slow
def test_sigkill_mid_sweep_leaves_no_worker_and_resumes_to_the_full_result(tmp_path):
    f, out, code, _ = _kill_sweep_mid_way(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    survivors = {p.stem for p in (out / "runs").glob("*.parquet")}
    assert 2 <= len(survivors) < 18
    resumed = run_sweep(f, out, workers=2)
    # nothing computed twice: exactly the missing runs now, none of the survivors again
    assert resumed.computed == 18 - len(survivors) and resumed.skipped == len(survivors)
    now = set(resumed.runs.loc[resumed.runs["session"] == resumed.session, "run_id"])
    assert now.isdisjoint(survivors) and len(now) == resumed.computed
    full = run_sweep(f, tmp_path / "full", workers=1)
    for table in ("runs", "terminals", "flows"):
        pd.testing.assert_frame_equal(deterministic(getattr(full, table)),
                                      deterministic(getattr(resumed, table)), check_exact=True)


@pytest.mark.slow
def test_sigterm_mid_sweep_exits_130_and_stops_its_workers(tmp_path):
    _, out, code, _ = _kill_sweep_mid_way(tmp_path, signal.SIGTERM)
    assert code == 130
    assert not list(out.rglob(".*.tmp")), "no half-written record stays"


def test_a_second_sweep_on_the_same_folder_is_refused(tmp_path, capsys):
    f = _spec(tmp_path, days=20, scales=[1.0], replications=1)
    out = tmp_path / "out"
    with SweepStore(out).lock():  # a sweep is running on this folder
        assert main(["sweep", str(f), "-o", str(out), "-w", "1", "-q"]) == 2
    err = capsys.readouterr().err
    assert "another portsim sweep" in err and f"pid {os.getpid()}" in err
    assert not (out / "runs").exists()
    assert main(["sweep", str(f), "-o", str(out), "-w", "1", "-q"]) == 0  # lock released


def test_a_point_failing_with_any_exception_is_recorded_and_the_rest_go_on(tmp_path,
                                                                             monkeypatch):
    sweep_module = importlib.import_module("portsim.experiments.sweep")

    f = _spec(tmp_path, days=20, scales=[0.8, 1.0, 1.2], replications=2)
    real = sweep_module.scenario_from_dict

    def broken_for_one_point(data, file):
        if data.get("demand_scale") == 1.0:
            raise ZeroDivisionError("a model bug at this point")
        return real(data, file)

    monkeypatch.setattr(sweep_module, "scenario_from_dict", broken_for_one_point)
    res = run_sweep(f, tmp_path / "out", workers=1)
    assert len(res.runs) == 4 and len(res.failures) == 2
    assert set(res.failures["error"]) == {"ZeroDivisionError: a model bug at this point"}
    assert set(res.failures["point"]) == {1}


def test_results_are_written_while_later_points_are_still_being_set_up(tmp_path,
                                                                        monkeypatch):
    sweep_module = importlib.import_module("portsim.experiments.sweep")

    f = _spec(tmp_path, days=20, scales=[0.8, 0.9, 1.0, 1.1], replications=1)
    out = tmp_path / "out"
    real = sweep_module.scenario_from_dict
    written_when_resolving: list[int] = []

    def counting(data, file):
        written_when_resolving.append(len(list((out / "runs").glob("*.parquet"))))
        return real(data, file)

    monkeypatch.setattr(sweep_module, "scenario_from_dict", counting)
    run_sweep(f, out, workers=1)
    # inline, one run in flight: when point k is set up, the runs of points 0..k-2 are
    # on disk (point k-1's run is the one in flight), not none until every point is set up
    assert written_when_resolving == [0, 0, 1, 2]


# ----------------------------------------------------------------- output folders


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_new_run_replaces_the_folder_whole(tmp_path, capsys):
    a = _scenario(tmp_path, days=20, name="a")
    b = _scenario(tmp_path, days=20, name="b")
    out = tmp_path / "D"
    assert main(["run", str(a), "--report", "-o", str(out), "-q", "-w", "1"]) == 0
    assert (out / "report.html").exists() and _manifest(out)["scenario"] == "a"
    assert main(["run", str(b), "-o", str(out), "-q", "-w", "1"]) == 0
    files = {p.name for p in out.iterdir()}
    assert "report.html" not in files, "run A's report must not stay beside run B's tables"
    manifest = _manifest(out)
    assert manifest["scenario"] == "b" and manifest["written_by"] == "portsim"
    assert set(manifest["files"]) == files - {"manifest.json"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".D.")]


def test_the_same_run_twice_writes_the_same_bytes_except_the_manifest_time(tmp_path, capsys):
    a = _scenario(tmp_path, days=20, name="a")
    assert main(["run", str(a), "-o", str(tmp_path / "1"), "-q", "-w", "1"]) == 0
    assert main(["run", str(a), "-o", str(tmp_path / "2"), "-q", "-w", "2"]) == 0
    one, two = _tree(tmp_path / "1"), _tree(tmp_path / "2")
    assert set(one) == set(two)
    data = [f for f in one if f.endswith((".csv", ".parquet", ".txt"))]
    assert data and all(one[f] == two[f] for f in data)
    m1, m2 = _manifest(tmp_path / "1"), _manifest(tmp_path / "2")
    assert {k: v for k, v in m1.items() if k != "created"} == \
        {k: v for k, v in m2.items() if k != "created"}


def test_a_file_the_user_added_to_an_output_folder_is_never_deleted(tmp_path, capsys):
    a = _scenario(tmp_path, days=20, name="a")
    out = tmp_path / "D"
    assert main(["run", str(a), "-o", str(out), "-q", "-w", "1"]) == 0
    (out / "my-notes").mkdir()
    (out / "my-notes" / "n.txt").write_text("mine")
    before = _tree(out)
    assert main(["run", str(a), "-o", str(out), "-q", "-w", "1"]) == 2
    assert "my-notes, which portsim did not write" in capsys.readouterr().err
    assert _tree(out) == before


def test_a_full_disk_while_writing_is_reported_and_leaves_nothing(tmp_path, capsys,
                                                                  monkeypatch):
    a = _scenario(tmp_path, days=20, name="a")

    def no_space(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", no_space)
    assert main(["run", str(a), "-o", str(tmp_path / "D"), "-q", "-w", "1"]) == 2
    err = capsys.readouterr().err
    assert "-o/--output" in err and "No space left on device" in err and "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".D", "D"))]


def test_a_failing_writer_leaves_the_old_folder_and_no_temporary(tmp_path):
    out = tmp_path / "D"
    write_atomically(out, lambda d: (d / "a.txt").write_text("old"), {"scenario": "old"})

    def fails(d: Path) -> None:
        (d / "b.txt").write_text("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically(out, fails)
    assert (out / "a.txt").read_text() == "old" and not (out / "b.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["D"]


def _kill_run_mid_way(tmp_path: Path, sig: int) -> tuple[Path, dict[str, bytes], int]:
    a = _scenario(tmp_path, days=20, name="a")
    long = _scenario(tmp_path, days=3000, name="long", replications=4)
    out = tmp_path / "D"
    assert main(["run", str(a), "--report", "-o", str(out), "-q", "-w", "1"]) == 0
    before = _tree(out)
    proc = _start(["run", str(long), "-o", str(out), "-q", "-w", "1"], tmp_path)
    try:
        _wait_until(lambda: any(p.name.startswith(".D.portsim-tmp.")
                                for p in tmp_path.iterdir()) or proc.poll() is not None,
                    60, "the run's temporary folder")
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.3)
        os.kill(proc.pid, sig)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return out, before, code


@pytest.mark.slow
def test_sigkill_mid_run_leaves_the_previous_output_whole(tmp_path, capsys):
    out, before, code = _kill_run_mid_way(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert _tree(out) == before, "the earlier output must stay whole and unmixed"
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".D.portsim-tmp.")]
    # the next run into the folder removes what the killed one left
    b = _scenario(tmp_path, days=20, name="b")
    assert main(["run", str(b), "-o", str(out), "-q", "-w", "1"]) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".D.")]
    assert _manifest(out)["scenario"] == "b" and not (out / "report.html").exists()


@pytest.mark.slow
def test_sigterm_mid_run_exits_130_and_removes_its_temporary_folder(tmp_path):
    out, before, code = _kill_run_mid_way(tmp_path, signal.SIGTERM)
    assert code == 130
    assert _tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".D.")]


@pytest.mark.slow
def test_a_refused_scheduler_address_writes_nothing(tmp_path, capsys):
    f = _spec(tmp_path, days=20, scales=[1.0], replications=1)
    out = tmp_path / "out"
    code = main(["sweep", str(f), "-o", str(out), "--scheduler", "tcp://127.0.0.1:9", "-q"])
    assert code == 2 and "cannot connect to Dask scheduler" in capsys.readouterr().err
    assert not out.exists()
