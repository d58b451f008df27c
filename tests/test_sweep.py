"""Sweeps: spec checking, expansion and keys, identical results on any executor (1 worker,
2 workers, a Dask LocalCluster), resume after a partial or killed run without computing
any run twice, failures recorded while the rest goes on, and the CLI."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from portsim.cli import main
from portsim.errors import InputError
from portsim.experiments import capacity, deterministic, load_spec, run_sweep
from portsim.experiments.runner import progress_bar
from portsim.experiments.spec import canonical_json, check_path, expand, run_key
from portsim.experiments.sweep import RunOutput, plan_sweep, simulate_run
from tests.conftest import REPO, berth, identical_berths_scenario, port_dict, write_yaml


def _setup(tmp_path: Path, *, days: float = 60, grid: dict | None = None,
           replications: int = 3, **spec_extra) -> Path:
    """A two-berth port, a container scenario and a sweep spec; returns the spec path."""
    write_yaml(tmp_path / "port.yaml", port_dict([berth("B1", cranes=2),
                                                  berth("B2", cranes=2)]))
    write_yaml(tmp_path / "scenario.yaml", {
        "name": "tiny", "port": "port.yaml",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 500_000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "gamma", "mean": 1200, "cv": 0.5}}],
                    "arrivals": {"liner_share": 0.5}}],
        "run": {"horizon_days": days, "warmup_days": 5, "replications": 2, "seed": 5},
    })
    spec = {"scenario": "scenario.yaml", "replications": replications,
            "grid": grid if grid is not None else {"demand_scale": [0.8, 1.2]}, **spec_extra}
    return write_yaml(tmp_path / "sweep.yaml", spec)


def _same(a, b) -> None:
    """Two sweep results hold identical numbers (exactly), whoever computed them."""
    for table in ("runs", "terminals", "flows"):
        pd.testing.assert_frame_equal(deterministic(getattr(a, table)),
                                      deterministic(getattr(b, table)), check_exact=True)


# ----------------------------------------------------------------- spec


@pytest.mark.parametrize(("spec", "path", "words"), [
    ({"scenario": "scenario.yaml", "grids": {}}, "grids", "did you mean 'grid'"),
    ({"scenario": "scenario.yaml", "grid": {"rules.crane_eficiency": [0.8]}},
     "grid.rules.crane_eficiency", "did you mean 'crane_efficiency'"),
    ({"scenario": "scenario.yaml", "grid": {"demand_scale": []}}, "grid.demand_scale",
     "at least 1"),
    ({"scenario": "scenario.yaml", "replications": "5"}, "replications", "integer"),
    ({"scenario": "nowhere.yaml"}, "scenario", "not found"),
    ({"scenario": "scenario.yaml", "points": [{"demand[x].annual_volume": 1}]},
     "points[0].demand[x].annual_volume", "cannot parse"),
    ({"scenario": "scenario.yaml", "fixed": {"demand_scale": 1},
      "grid": {"demand_scale": [1, 2]}}, "", "more than one of fixed/grid/points"),
])
def test_bad_spec_names_file_and_path(tmp_path, spec, path, words):
    _setup(tmp_path)
    f = write_yaml(tmp_path / "bad.yaml", spec)
    with pytest.raises(InputError) as err:
        load_spec(f)
    problems = err.value.problems
    assert any(p.file == str(f) and p.path == path and words in p.message for p in problems), \
        [str(p) for p in problems]


def test_bad_spec_exits_2_from_the_cli(tmp_path, capsys):
    _setup(tmp_path)
    f = write_yaml(tmp_path / "bad.yaml", {"scenario": "scenario.yaml",
                                           "grid": {"rules.crane_eficiency": [0.8]}})
    assert main(["sweep", str(f), "-o", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{f}: grid.rules.crane_eficiency" in err and "crane_efficiency" in err


def test_parameter_paths_follow_the_scenario_schema():
    for ok in ("demand_scale", "rules.crane_efficiency", "demand[0].annual_volume",
               "demand[1].classes[0].per_call.mean", "overrides.remove",
               "overrides.change.B1.cranes", "rules.thresholds.container.waiting_factor",
               "demand_scale_by_cargo.container", "demand[0].terminals.T", "run.seed"):
        assert check_path(ok) is None, (ok, check_path(ok))
    assert "did you mean 'demand_scale'" in check_path("demand_scal")
    assert "is a list" in check_path("demand.annual_volume")
    assert "single value" in check_path("demand_scale.x")


def test_grid_times_points_order_and_stable_keys(tmp_path):
    f = _setup(tmp_path, grid={"demand_scale": [0.8, 1], "rules.crane_efficiency": [0.8, 0.9]},
               points=[{"rules.berth_allocation": "first_fit"},
                       {"rules.berth_allocation": "best_fit"}])
    spec = load_spec(f)
    pts = expand(spec, tmp_path)
    assert len(pts) == 8
    assert pts[0].changes == {"rules.berth_allocation": "first_fit", "demand_scale": 0.8,
                              "rules.crane_efficiency": 0.8}
    assert pts[1].changes["rules.crane_efficiency"] == 0.9  # last grid key varies fastest
    assert pts[4].changes["rules.berth_allocation"] == "best_fit"
    plan = plan_sweep(spec, tmp_path, "x")
    assert len(plan.runs) == 8 * 3 and len({r.run_id for r in plan.runs}) == 24
    assert [r.run_id for r in plan_sweep(spec, tmp_path, "x").runs] == \
        [r.run_id for r in plan.runs]
    # 1 and 1.0 are the same parameter value; the seed and the port file are in the key
    assert canonical_json({"a": 1, "b": [2]}) == canonical_json({"b": [2.0], "a": 1.0})
    assert run_key("h", '{"a":1.0}', 0, 5) != run_key("h", '{"a":1.0}', 0, 6)
    write_yaml(tmp_path / "port.yaml", port_dict([berth("B1", cranes=3), berth("B2")]))
    assert plan_sweep(spec, tmp_path, "x").runs[0].run_id != plan.runs[0].run_id


def test_a_repeated_point_is_an_input_error(tmp_path):
    f = _setup(tmp_path, grid={"demand_scale": [1, 1.0]})
    with pytest.raises(InputError, match="same run as point 0"):
        run_sweep(f, tmp_path / "out", workers=1)


# ----------------------------------------------------------------- executors


@pytest.mark.slow
def test_one_worker_two_workers_and_a_dask_cluster_give_identical_results(tmp_path):
    from distributed import LocalCluster

    f = _setup(tmp_path)
    one = run_sweep(f, tmp_path / "one", workers=1)
    two = run_sweep(f, tmp_path / "two", workers=2)
    assert len(one.runs) == 6 and one.complete and two.computed == 6
    _same(one, two)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        dask = run_sweep(f, tmp_path / "dask", scheduler=cluster.scheduler_address)
        small = identical_berths_scenario(tmp_path / "q", c=2, rho=0.3, calls=1500, seed=2)
        kw = {"min_replications": 3, "max_replications": 3, "bottleneck": False}
        on_dask = capacity(small, scheduler=cluster.scheduler_address, **kw)
    assert dask.computed == 6
    _same(one, dask)
    pd.testing.assert_frame_equal(on_dask.container.samples,
                                  capacity(small, workers=1, **kw).container.samples)
    # the dataset is plain Parquet: readable without portsim
    runs = pd.read_parquet(tmp_path / "dask" / "runs")
    assert len(runs) == 6 and {"run_id", "demand_scale", "replication", "seed",
                               "container_waiting_factor"} <= set(runs.columns)


def test_an_executor_given_by_the_caller_is_used_and_left_open(tmp_path):
    f = _setup(tmp_path, replications=2)
    with ProcessPoolExecutor(max_workers=2) as pool:
        a = run_sweep(f, tmp_path / "a", executor=pool)
        assert pool.submit(int, "3").result() == 3  # still usable
    b = run_sweep(f, tmp_path / "b", workers=1)
    assert a.computed == 4
    _same(a, b)


# ----------------------------------------------------------------- resume


def test_a_partial_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    f = _setup(tmp_path)
    full = run_sweep(f, tmp_path / "full", workers=1)
    part = run_sweep(f, tmp_path / "resumed", workers=1, limit=2)
    assert part.computed == 2 and part.missing == 4 and not part.complete
    first = part.runs.set_index("run_id")[["session", "finished_at"]]
    rest = run_sweep(f, tmp_path / "resumed", workers=2)
    assert (rest.computed, rest.skipped) == (4, 2)
    again = run_sweep(f, tmp_path / "resumed", workers=2)
    assert (again.computed, again.skipped) == (0, 6)
    _same(full, again)
    # no run computed twice: each run has one record, from the session that made it
    assert part.computed + rest.computed == len(full.runs)
    assert again.runs["session"].value_counts().to_dict() == {part.session: 2,
                                                              rest.session: 4}
    kept = again.runs.set_index("run_id").loc[first.index, ["session", "finished_at"]]
    pd.testing.assert_frame_equal(kept, first)


@pytest.mark.slow
def test_a_killed_sweep_resumes_without_recomputing(tmp_path):
    f = _setup(tmp_path, days=200, grid={"demand_scale": [0.8, 1.0, 1.2, 1.4]})
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "portsim", "sweep", str(f), "-o", str(out), "-w", "1", "-q"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((out / "runs").glob("*.parquet"))) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    survivors = {p.stem for p in (out / "runs").glob("*.parquet")}
    assert 3 <= len(survivors) < 12
    resumed = run_sweep(f, out, workers=2)
    assert resumed.computed == 12 - len(survivors) and resumed.skipped == len(survivors)
    assert set(resumed.runs.loc[resumed.runs["session"] == resumed.session, "run_id"]) \
        .isdisjoint(survivors)
    full = run_sweep(f, tmp_path / "full", workers=2)
    _same(full, resumed)


# ----------------------------------------------------------------- failures


def flaky_run(scenario, replication) -> RunOutput:
    """A run function that raises for replication 1 (like a model error)."""
    if replication == 1:
        return simulate_run(scenario.model_copy(update={"demand": []}), replication)
    return simulate_run(scenario, replication)


def dying_run(scenario, replication) -> RunOutput:
    """A run function whose worker process dies (a lost run, not a failed one)."""
    os._exit(3)


def test_failed_runs_are_recorded_and_the_rest_finish(tmp_path, capsys):
    f = _setup(tmp_path, grid={"rules.crane_efficiency": [0.9, 1.5]})
    res = run_sweep(f, tmp_path / "out", workers=2, run_fn=flaky_run)
    assert len(res.runs) == 2 and len(res.failures) == 4 and not res.complete
    bad = res.failures.set_index(["point", "replication"])["error"]
    assert "crane_efficiency" in bad[(1, 0)] and "less than or equal to 1" in bad[(1, 0)]
    assert "Error" in bad[(0, 1)]  # the exception's type and message
    assert "point 1" in res.failure_report() and "replication(s) 0, 1, 2" in \
        res.failure_report()
    # failures are facts: a rerun skips them unless asked to retry
    assert run_sweep(f, tmp_path / "out", workers=1, run_fn=flaky_run).computed == 0
    assert run_sweep(f, tmp_path / "out", workers=1, run_fn=flaky_run,
                     retry_failed=True).computed == 1  # point 1 never reaches a worker
    # the CLI finishes the rest, names the failures and exits non-zero
    assert main(["sweep", str(f), "-o", str(tmp_path / "cli"), "-w", "2", "-q"]) == 1
    err = capsys.readouterr().err
    assert "3 run(s) of 6 failed" in err and "rules.crane_efficiency=1.5" in err


def test_lost_runs_are_reported_not_recorded(tmp_path):
    f = _setup(tmp_path, replications=2)
    res = run_sweep(f, tmp_path / "out", workers=2, run_fn=dying_run)
    assert res.runs.empty and res.failures.empty and len(res.lost) == 4
    assert "lost" in res.failure_report()
    assert run_sweep(f, tmp_path / "out", workers=1).computed == 4  # retried on rerun


# ----------------------------------------------------------------- CLI and API


def test_cli_sweep_prints_the_table_and_writes_the_dataset(tmp_path, capsys):
    f = _setup(tmp_path, replications=2)
    assert main(["sweep", str(f), "-o", str(tmp_path / "out"), "-w", "1", "-q"]) == 0
    cap = capsys.readouterr()
    assert "2 point(s), 4 run(s) — 4 computed now" in cap.out
    assert "demand_scale" in cap.out and "most stressed" in cap.out
    assert cap.err == ""
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert list(summary["demand_scale"]) == [0.8, 1.2] and list(summary["runs"]) == [2, 2]
    assert summary["teu_delivered"].iloc[1] > summary["teu_delivered"].iloc[0]
    assert main(["sweep", str(f), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert "0 computed now, 4 already done" in capsys.readouterr().out


def test_progress_bar_is_silent_off_a_terminal():
    with progress_bar(10, "x", enabled=True) as bar:  # pytest captures stderr: no TTY
        assert bar.disable


def test_example_specs_are_valid():
    specs = sorted((REPO / "sweeps").glob("*.yaml"))
    assert specs
    for f in specs:
        spec = load_spec(f)
        assert expand(spec, f.parent)
