"""Sweeps: scenario parameter points × replications, on any executor, into a Parquet dataset.

Method
------
1. The spec (:mod:`portsim.experiments.spec`) expands into points (scenario files ×
   explicit points × the grid's cartesian product); each point has ``n`` replications.
   Every run gets a key — (scenario hash, parameters, replication, seed) — and an id
   derived from it.
2. Runs already recorded in the sweep directory (:mod:`portsim.experiments.store`) are
   skipped: a killed sweep resumes where it stopped, and no run is computed twice.
   Failed runs are skipped too (a failure is a reproducible fact about the model)
   unless ``retry_failed``.
3. Each point's scenario is resolved once, in this process (the port file is parsed
   once per content, see :func:`portsim.config.load.load_port`); a point whose changes
   make the scenario invalid records all its runs as failed with the input error.
4. The remaining runs go to the executor (:mod:`portsim.experiments.runner`: inline, a
   local process pool using every core by default, or a Dask cluster), the runs of the
   costliest points first (cost: the calls a run simulates) so that the pool's tail
   holds short runs. A task carries the resolved scenario, the replication index and
   the run's keys; the worker simulates it and returns the run's records already as
   Parquet bytes — port KPIs, per-terminal KPIs (with planning limits and stress, as in
   :func:`portsim.verdict.terminal_table`) and per-flow delivery, or, for a run that
   raises, its error message — so the collecting process only writes files, as they
   arrive, and stays out of the workers' way.
5. The result gathers every run of the spec from the store — those computed now and
   those found — so the dataset, and the :class:`SweepResult`, are the same whether the
   sweep ran in one go, in pieces, on one worker, two, or a cluster: seeds depend only
   on the key, and nothing computed depends on the worker that computed it (the
   ``META_COLUMNS`` record who and when, and are the only columns that differ).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portsim.config.load import read_yaml, scenario_from_dict, validate
from portsim.config.scenario import Scenario
from portsim.errors import InputError, Problem
from portsim.experiments.runner import TaskQueue, open_executor, progress_bar
from portsim.experiments.spec import (
    PointData,
    SweepSpec,
    canonical_json,
    check_spec,
    expand,
    load_spec,
    point_data,
    run_key,
)
from portsim.experiments.store import META_COLUMNS, SweepStore, parquet_bytes
from portsim.simulate import Replications, mean_ci, simulate

#: KPIs the summary shows by default (columns of the runs table: the port KPIs).
DEFAULT_KPIS = ("teu_delivered", "tonnes_delivered", "container_waiting_factor",
                "container_mean_wait_h", "all_mean_wait_h", "queue_mean")


# ----------------------------------------------------------------- the worker side


@dataclass
class RunOutput:
    """What a worker sends back for one run: small tables, not the call log."""

    status: str  # "ok" or "failed"
    port: dict[str, float] = field(default_factory=dict)
    terminals: pd.DataFrame | None = None
    flows: pd.DataFrame | None = None
    error: str | None = None
    elapsed_s: float = 0.0
    cpu_s: float = 0.0
    worker: str = ""


def simulate_run(scenario: Scenario, replication: int) -> RunOutput:
    """Simulate one run and reduce it to its records (runs in a worker process)."""
    from portsim.verdict import terminal_table

    t0, c0 = time.perf_counter(), time.process_time()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        run = simulate(scenario, replication)
        terms = terminal_table(Replications(scenario, [run]))
        terms = terms.drop(columns=[c for c in terms.columns if c.endswith("_ci95")])
        port = {str(k): float(v) for k, v in run.port.items()}
        return RunOutput("ok", port, terms, run.flows.copy(),
                         elapsed_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0,
                         worker=worker)
    except Exception as exc:
        return RunOutput("failed", error=f"{type(exc).__name__}: {exc}",
                         elapsed_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0,
                         worker=worker)


def run_records(output: RunOutput, keys: dict[str, Any], session: str) -> dict[str, bytes]:
    """The Parquet files of one run (``runs``/``terminals``/``flows``, or ``failed``).

    Built where the run was computed, so that the process collecting results only
    writes bytes: serialising is spread over the workers.
    """
    meta = {"elapsed_s": output.elapsed_s, "cpu_s": output.cpu_s, "worker": output.worker,
            "session": session, "finished_at": pd.Timestamp.now(tz="UTC").isoformat()}
    if output.status != "ok":
        return {"failed": parquet_bytes(pd.DataFrame([keys | {"error": output.error}
                                                      | meta]))}
    assert output.terminals is not None and output.flows is not None
    link = {k: keys[k] for k in ("run_id", "scenario_hash", "replication", "seed")}
    return {"terminals": parquet_bytes(output.terminals.assign(**link)),
            "flows": parquet_bytes(output.flows.assign(**link)),
            "runs": parquet_bytes(pd.DataFrame([keys | output.port | meta]))}


def execute(run_fn: Callable[[Scenario, int], RunOutput], scenario: Scenario,
            replication: int, keys: dict[str, Any], session: str) -> dict[str, bytes]:
    """A sweep task: run ``run_fn`` and return the run's records as Parquet bytes."""
    try:
        output = run_fn(scenario, replication)
    except Exception as exc:  # run_fn is expected to catch; be safe with foreign ones
        output = RunOutput("failed", error=f"{type(exc).__name__}: {exc}")
    return run_records(output, keys, session)


# ----------------------------------------------------------------- planning the runs


@dataclass(frozen=True)
class PlannedRun:
    run_id: str
    point: int
    replication: int


@dataclass
class SweepPlan:
    """The expanded sweep: its points, their parameter columns and every run's id."""

    spec: SweepSpec
    name: str
    base_dir: Path
    points: list[PointData]
    param_columns: dict[str, dict[int, Any]]  # column -> {point: value}
    runs: list[PlannedRun]

    def key_record(self, run: PlannedRun) -> dict[str, Any]:
        p = self.points[run.point]
        rec: dict[str, Any] = {"run_id": run.run_id, "scenario": p.scenario_name,
                               "scenario_hash": p.scenario_hash,
                               "params": p.point.params_json}
        for col, values in self.param_columns.items():
            rec[col] = values.get(run.point)
        rec |= {"replication": run.replication, "seed": p.seed}
        return rec

    def points_frame(self) -> pd.DataFrame:
        rows = []
        for p in self.points:
            row: dict[str, Any] = {"point": p.point.index, "scenario": p.scenario_name}
            row |= {col: v.get(p.point.index) for col, v in self.param_columns.items()}
            rows.append(row | {"replications": p.replications, "seed": p.seed})
        return pd.DataFrame(rows)


def _column_values(points: list[PointData]) -> dict[str, dict[int, Any]]:
    """One column per parameter; values of one type per column (numbers as floats,
    anything that is not all-bool/all-number/all-text as canonical JSON)."""
    keys: list[str] = []
    for p in points:
        keys += [k for k in p.point.changes if k not in keys]
    out: dict[str, dict[int, Any]] = {}
    for key in keys:
        vals = {p.point.index: p.point.changes[key] for p in points if key in p.point.changes}
        present = list(vals.values())
        if all(isinstance(v, bool) for v in present):
            out[key] = vals
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
            out[key] = {i: float(v) for i, v in vals.items()}
        elif all(isinstance(v, str) for v in present):
            out[key] = vals
        else:
            out[key] = {i: canonical_json(v) for i, v in vals.items()}
    return out


def plan_sweep(spec: SweepSpec, base_dir: str | Path, name: str,
               file: str = "<sweep>") -> SweepPlan:
    """Expand a spec into points and runs (reads the scenario files, runs nothing)."""
    base = Path(base_dir)
    points = expand(spec, base)
    base_data: dict[Path, dict[str, Any]] = {}
    pds = []
    for pt in points:
        if pt.scenario_file not in base_data:
            base_data[pt.scenario_file] = read_yaml(pt.scenario_file)
        pds.append(point_data(pt, base_data[pt.scenario_file], spec.replications))
    runs: list[PlannedRun] = []
    seen: dict[str, int] = {}
    problems = []
    for p in pds:
        for r in range(p.replications):
            rid = run_key(p.scenario_hash, p.point.params_json, r, p.seed)
            if rid in seen:
                if seen[rid] != p.point.index and r == 0:
                    problems.append(Problem(file, "points", (
                        f"point {p.point.index} ({p.point.params_json}) is the same run as "
                        f"point {seen[rid]}; every point must differ")))
                continue
            seen[rid] = p.point.index
            runs.append(PlannedRun(rid, p.point.index, r))
    if problems:
        raise InputError(problems)
    return SweepPlan(spec, name, base, pds, _column_values(pds), runs)


# ----------------------------------------------------------------- the result


@dataclass
class SweepResult:
    """Every run of a sweep, as DataFrames (one row per run, terminal or flow).

    ``runs``, ``terminals`` and ``flows`` carry the run keys, a ``point`` column and one
    column per parameter; ``failures`` lists the runs that raised with their ``error``;
    ``lost`` the runs whose worker or transport failed (not recorded: a rerun retries
    them). ``computed`` and ``skipped`` count this invocation's work.
    """

    plan: SweepPlan
    path: Path
    runs: pd.DataFrame
    terminals: pd.DataFrame
    flows: pd.DataFrame
    failures: pd.DataFrame
    lost: pd.DataFrame
    computed: int
    skipped: int
    session: str
    wall_s: float

    @property
    def points(self) -> pd.DataFrame:
        return self.plan.points_frame()

    @property
    def missing(self) -> int:
        """Runs of the spec with no record (not yet run: ``limit``, interrupted, lost)."""
        return len(self.plan.runs) - len(self.runs) - len(self.failures)

    @property
    def complete(self) -> bool:
        return self.missing == 0 and self.failures.empty

    def summary(self, kpis: tuple[str, ...] | list[str] = DEFAULT_KPIS) -> pd.DataFrame:
        """Per point: parameters, runs ok/failed, mean and 95 % CI half-width of each KPI,
        and the most stressed terminal (stress of the mean occupancy and waiting factor
        against the planning limits, as in :func:`portsim.verdict.terminal_table`)."""
        pts = self.points
        failed = (self.failures.groupby("point").size() if not self.failures.empty
                  else pd.Series(dtype=int))
        rows = []
        for _, pt in pts.iterrows():
            i = int(pt["point"])
            g = self.runs[self.runs["point"] == i] if not self.runs.empty else self.runs
            row = pt.drop(labels=["replications", "seed"]).to_dict()
            row |= {"runs": len(g), "failed": int(failed.get(i, 0))}
            for k in kpis:
                if k in g:
                    m, h, _ = mean_ci(g[k])
                    row |= {k: m, f"{k}_ci95": h}
            row |= self._bottleneck(i)
            rows.append(row)
        return pd.DataFrame(rows)

    def _bottleneck(self, point: int) -> dict[str, Any]:
        t = self.terminals
        if t.empty:
            return {"bottleneck": None, "stress": np.nan}
        t = t[t["point"] == point]
        if t.empty:
            return {"bottleneck": None, "stress": np.nan}
        m = t.groupby(["terminal", "area"], observed=True, sort=False)[
            ["occupancy", "waiting_factor", "band_top", "wf_limit"]].mean()
        stress = np.fmax(m["occupancy"] / m["band_top"], m["waiting_factor"] / m["wf_limit"])
        if stress.isna().all():
            return {"bottleneck": None, "stress": np.nan}
        top = stress.idxmax()
        return {"bottleneck": f"{top[0]} ({top[1]})", "stress": float(stress.max())}

    def failure_report(self) -> str:
        """Failed (and lost) runs grouped by point and message, one line each."""
        lines = []
        pts = self.points.set_index("point")
        for label, frame in (("failed", self.failures), ("lost", self.lost)):
            if frame.empty:
                continue
            for (point, error), g in frame.groupby(["point", "error"], sort=True):
                params = json.loads(str(g["params"].iloc[0])) if "params" in g else {}
                what = ", ".join(f"{k}={v}" for k, v in params.items()) or "base scenario"
                reps = ", ".join(str(r) for r in sorted(g["replication"]))
                lines.append(f"point {point} [{pts.loc[point, 'scenario']}: {what}] "
                             f"replication(s) {reps} {label}: {error}")
        return "\n".join(lines)


def _attach(frame: pd.DataFrame, plan: SweepPlan) -> pd.DataFrame:
    if frame.empty:
        return frame
    point_of = {r.run_id: r.point for r in plan.runs}
    out = frame.copy()
    out.insert(0, "point", out["run_id"].map(point_of).astype(int))
    sort = ["point", "replication"] + [c for c in ("terminal", "flow") if c in out]
    return out.sort_values(sort, kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------- running


def spec_from_source(source: str | Path | SweepSpec | dict[str, Any],
                     base_dir: str | Path | None = None) -> tuple[SweepSpec, Path, str, str]:
    """(spec, base directory, name, file label) from a path, a mapping or a spec."""
    if isinstance(source, str | Path):
        path = Path(source)
        spec = load_spec(path)
        return spec, path.parent, spec.name or path.stem, str(path)
    spec = validate(SweepSpec, source, "<sweep>") if isinstance(source, dict) else source
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    check_spec(spec, "<sweep>", base)
    return spec, base, spec.name or "sweep", "<sweep>"


def run_sweep(
    source: str | Path | SweepSpec | dict[str, Any],
    out: str | Path | None = None,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    limit: int | None = None,
    retry_failed: bool = False,
    base_dir: str | Path | None = None,
    run_fn: Callable[[Scenario, int], RunOutput] = simulate_run,
) -> SweepResult:
    """Run (or resume) a sweep and return all its runs.

    ``source`` is a spec file, a mapping or a :class:`SweepSpec` (``base_dir``: where its
    scenario paths are relative to, default the current directory). Results go to
    ``out`` (default ``out/sweeps/<name>``). Runs execute on ``executor`` when given,
    else on a Dask cluster when ``scheduler`` is an address, else on ``workers`` local
    processes (default: all cores; ``1`` runs inline). ``limit`` caps the number of runs
    done by this call (the rest is left for a rerun). ``run_fn`` replaces the simulation
    (tests; it must be picklable for a process pool).
    """
    t0 = time.perf_counter()
    spec, base, name, file = spec_from_source(source, base_dir)
    plan = plan_sweep(spec, base, name, file)
    root = Path(out) if out is not None else Path("out") / "sweeps" / name
    check_sweep_folder(root)
    store = SweepStore(root)
    session = uuid.uuid4().hex[:12]
    lost_rows: list[dict[str, Any]] = []
    computed = 0
    skipped = 0

    # the executor first: a refused scheduler address writes nothing
    ctx = open_executor(workers, scheduler) if executor is None else nullcontext(executor)
    with ctx as pool:
        root.mkdir(parents=True, exist_ok=True)
        with store.lock():  # a second sweep on this folder is refused while this one runs
            write_text_atomically(root / "sweep.json", json.dumps({
                "name": name, "spec": spec.model_dump(mode="json"),
                "points": plan.points_frame().to_dict(orient="records"),
                "runs": len(plan.runs)}, indent=2, default=str))
            done = store.status()
            todo = [r for r in plan.runs
                    if r.run_id not in done or (retry_failed and done[r.run_id] == "failed")]
            skipped = len(plan.runs) - len(todo)
            if limit is not None:
                todo = todo[:max(limit, 0)]
            with progress_bar(len(todo), name, progress) as bar:
                computed, lost_rows = _execute_runs(plan, todo, pool, store, session, run_fn,
                                                    bar, window=_window(pool, workers))

    ids = [r.run_id for r in plan.runs]
    lost = _attach(pd.DataFrame(lost_rows), plan)
    return SweepResult(
        plan=plan, path=root,
        runs=_attach(store.read("runs", ids), plan),
        terminals=_attach(store.read("terminals", ids), plan),
        flows=_attach(store.read("flows", ids), plan),
        failures=_attach(store.read("failed", ids), plan),
        lost=lost, computed=computed, skipped=skipped, session=session,
        wall_s=time.perf_counter() - t0,
    )


def _window(pool: Executor | None, workers: int | None) -> int:
    """Runs handed to the executor at once: enough to keep every worker busy, few enough
    that results are collected (and written) while later points are still being set up."""
    if pool is None:
        return 1
    n = getattr(pool, "_max_workers", None) or workers or 8
    return 4 * int(n)


def _execute_runs(plan: SweepPlan, todo: list[PlannedRun], pool: Executor | None,
                  store: SweepStore, session: str,
                  run_fn: Callable[[Scenario, int], RunOutput], bar: Any,
                  window: int) -> tuple[int, list[dict[str, Any]]]:
    """Resolve each point's scenario, hand its runs to ``pool`` (at most ``window`` in
    flight) and write every result as it comes back, so a sweep killed at any moment
    loses only the runs in flight. A point whose scenario cannot be built — whatever the
    exception — records its runs as failed with the message; the rest go on."""
    pending_by_point: dict[int, list[PlannedRun]] = {}
    for r in todo:
        pending_by_point.setdefault(r.point, []).append(r)
    # longest-processing-time first: the costliest points' runs go first, so that the
    # pool's tail holds cheap runs (ties keep the spec's order)
    order = sorted(pending_by_point, key=lambda i: -plan.points[i].cost)
    queue = TaskQueue(pool)
    lost_rows: list[dict[str, Any]] = []
    computed = 0

    def tasks():
        for i in order:
            runs, p = pending_by_point[i], plan.points[i]
            try:
                if p.error is not None:
                    raise _PointError(p.error)
                assert p.data is not None
                scenario = scenario_from_dict(p.data, p.point.scenario_file)
            except Exception as exc:  # any failure is this point's record
                msg = (str(exc) if isinstance(exc, _PointError)
                       else f"{type(exc).__name__}: {exc}")
                for r in runs:
                    store.write(r.run_id, run_records(RunOutput("failed", error=msg),
                                                      plan.key_record(r), session))
                    bar.update(1)
                continue
            for r in runs:
                yield r, scenario

    def collect() -> None:
        nonlocal computed
        for run, ok, value in queue.next_done():
            assert isinstance(run, PlannedRun)
            if ok:
                store.write(run.run_id, value)
                computed += 1
            else:
                lost_rows.append(plan.key_record(run)
                                 | {"error": f"{type(value).__name__}: {value}"})
            bar.update(1)

    try:
        for r, scenario in tasks():
            while len(queue) >= window:
                collect()
            queue.submit(r, execute, run_fn, scenario, r.replication, plan.key_record(r),
                         session)
        while len(queue):
            collect()
    except BaseException:
        queue.cancel()
        raise
    return computed, lost_rows


def check_sweep_folder(root: Path) -> None:
    """The sweep folder is a folder (or can be made): checked before any work."""
    if "\x00" in str(root):
        raise InputError.single("-o/--output", str(root).replace("\x00", "\\0"),
                                "the path contains a NUL byte")
    if root.exists() and not root.is_dir():
        raise InputError.single("-o/--output", str(root), "exists and is not a folder")
    for up in root.parents:
        if up.exists():
            if not up.is_dir():
                raise InputError.single("-o/--output", str(root),
                                        f"'{up}' is a file, so no folder can be made under it")
            if not os.access(up, os.W_OK | os.X_OK) and not root.exists():
                raise InputError.single("-o/--output", str(root),
                                        f"cannot create a folder in '{up}' (not writable)")
            break


def write_text_atomically(path: Path, text: str) -> None:
    """Write a small text file under a temporary name and rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class _PointError(Exception):
    """A point whose changes could not be applied to the scenario file."""


def deterministic(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the columns that record who computed a run and when."""
    return frame.drop(columns=[c for c in META_COLUMNS if c in frame.columns])
