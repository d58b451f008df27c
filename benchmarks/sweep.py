"""Benchmarks for experiments: sweep speed-up from 1 to 2 cores, and the capacity answer.

Run: ``python benchmarks/sweep.py [SCENARIO] [--repeat N] [--skip-speedup|--skip-capacity]``.

1. **Speed-up**: a 20-run sweep (demand scale 0.9/1.0/1.1/1.2 × 5 replications of the
   scenario) on a process pool of 1 worker and of 2 workers, alternately, ``--repeat``
   times each, into fresh directories. Machines are shared and noisy: the figures are
   medians and the headline is their ratio. The two pools run the very same code path
   (``run_sweep`` with the pool as executor); the sweep's results are checked identical.
2. **Capacity**: ``capacity(SCENARIO)`` with its defaults (container waiting factor at
   the container threshold, CI half-width <= 2 %) on 2 local workers: the capacity ±
   CI, the half-width as a share of the capacity, the margin over the target, the
   bottleneck, and the wall time. Both parts also report the CPU time of the worker
   processes: on a machine shared with other jobs, CPU / cores is what the wall time
   would be on idle cores.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portsim.config.load import load_port  # noqa: E402
from portsim.experiments import capacity, deterministic, run_sweep  # noqa: E402


def children_cpu() -> float:
    """CPU seconds used so far by finished child processes (the pool's workers)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def makespan(cpu: list[float], workers: int) -> float:
    """When the last run ends if runs take ``cpu`` seconds each and are handed, in
    order, to whichever of ``workers`` idle workers frees first (a process pool)."""
    free = [0.0] * workers
    for c in cpu:
        k = free.index(min(free))
        free[k] += c
    return max(free)


def _spin(n: int) -> int:
    """Pure-Python busy work: a perfectly parallel reference task."""
    x = 0
    for i in range(n):
        x = (x + i * i) % 1_000_003
    return x


def reference(workers: int, tasks: int = 4, n: int = 6_000_000) -> float:
    """Wall time of ``tasks`` equal busy-work tasks on a pool of ``workers``."""
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_spin, [n] * tasks))
    return time.perf_counter() - t0


def speedup(scenario: Path, repeat: int) -> None:
    spec = {"name": "bench-20", "scenario": str(scenario.resolve()), "replications": 5,
            "grid": {"demand_scale": [0.9, 1.0, 1.1, 1.2]}}
    times: dict[int, list[float]] = {1: [], 2: []}
    busy: dict[int, list[float]] = {1: [], 2: []}
    ideal: dict[int, list[float]] = {1: [], 2: []}
    ref: dict[int, list[float]] = {1: [], 2: []}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            for workers in (1, 2):
                ref[workers].append(reference(workers))
                t0, c0, m0 = time.perf_counter(), children_cpu(), self_cpu()
                with ProcessPoolExecutor(max_workers=workers) as pool:
                    res = run_sweep(spec, Path(tmp) / f"w{workers}-{i}", executor=pool)
                wall = time.perf_counter() - t0
                runs = res.runs.sort_values(["point", "replication"])
                ideal[workers].append(makespan(list(runs["cpu_s"]), workers)
                                      + self_cpu() - m0)
                assert res.computed == 20 and res.complete, res.failure_report()
                times[workers].append(wall)
                busy[workers].append(children_cpu() - c0)
                results[workers] = res
    for table in ("runs", "terminals", "flows"):
        pd.testing.assert_frame_equal(deterministic(getattr(results[1], table)),
                                      deterministic(getattr(results[2], table)))
    t1, t2 = statistics.median(times[1]), statistics.median(times[2])
    print(f"sweep speed-up      {scenario.stem}: 20 runs (4 demand scales × 5 replications),"
          f" median of {repeat}")
    print(f"  1 worker          {t1:7.1f} s wall  (workers' CPU {statistics.median(busy[1]):.1f}"
          f" s; all walls: {', '.join(f'{t:.1f}' for t in times[1])})")
    print(f"  2 workers         {t2:7.1f} s wall  (workers' CPU {statistics.median(busy[2]):.1f}"
          f" s; all walls: {', '.join(f'{t:.1f}' for t in times[2])})")
    print(f"  speed-up          {t1 / t2:7.2f}x   (target >= 1.8x; results identical)")
    r = statistics.median(ref[1]) / statistics.median(ref[2])
    print(f"  reference job     {r:7.2f}x   (perfectly parallel busy work, run just before "
          f"each sweep: what the machine gives right now)")
    print(f"  relative          {t1 / t2 / r:7.2f}    (sweep speed-up / reference speed-up)")
    i1, i2 = statistics.median(ideal[1]), statistics.median(ideal[2])
    print(f"  on idle cores     {i1:7.1f} s vs {i2:.1f} s = {i1 / i2:.2f}x  (the runs' own CPU "
          "times scheduled on 1 or 2 workers, plus this process's CPU: what the walls are "
          "when no other job competes for the cores)")


def capacity_answer(scenario: Path) -> None:
    t0, c0 = time.perf_counter(), children_cpu()
    res = capacity(scenario, workers=2)
    wall, cpu = time.perf_counter() - t0, children_cpu() - c0
    box = res.container
    assert box is not None
    print(f"capacity            {scenario.stem}, 2 workers: {len(res.evaluations)} runs "
          f"({box.replications} replications)")
    print(f"  capacity          {box.capacity / 1e6:.3f} ± {box.ci95 / 1e6:.3f} M TEU/yr "
          f"(half-width {box.rel_ci:.2%} of capacity; target <= 2 %)")
    print(f"  margin            {box.margin / 1e6:+.3f} M TEU ({box.margin_share:+.1%}) over "
          f"{box.target / 1e6:.2f} M TEU")
    print(f"  bottleneck        {box.bottleneck} ({box.bottleneck_area}), stress "
          f"{box.stress:.2f}; {box.criterion.describe()} at capacity: "
          f"{box.check[0]:.3f} ± {box.check[1]:.3f}")
    print(f"  wall time         {wall:.1f} s (target: about a minute on 2 cores); workers' "
          f"CPU {cpu:.1f} s, i.e. {cpu / 2:.0f} s of wall on 2 idle cores")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/plan-2025.yaml"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-speedup", action="store_true")
    ap.add_argument("--skip-capacity", action="store_true")
    args = ap.parse_args()
    scenario = Path(args.scenario)
    load_port(ROOT / "berths.yaml")  # parse the port file once, outside every timing
    if not args.skip_speedup:
        speedup(scenario, args.repeat)
    if not args.skip_capacity:
        capacity_answer(scenario)


if __name__ == "__main__":
    main()
