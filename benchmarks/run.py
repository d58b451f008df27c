"""Benchmarks: what a simulated port-year costs, against a bare SimPy skeleton.

Run: ``make bench`` (or ``python benchmarks/run.py [SCENARIO] [--repeat N]``).

Machines are shared and noisy, so every figure is a median over ``--repeat`` runs
and the headline is a ratio measured in the same run: the full model (call planning,
quay allocation, results DataFrames) against a skeleton that pushes the same calls
with the same berth times through a ``simpy.Resource`` of the same number of berths.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portsim.config import load_scenario  # noqa: E402
from portsim.demand import plan_calls  # noqa: E402
from portsim.model.port import PortModel  # noqa: E402
from portsim.results import summarise  # noqa: E402


def skeleton(arrivals: np.ndarray, service: np.ndarray, berths: int, until: float) -> int:
    """The least a SimPy port can do: calls queue for one of ``berths`` identical berths."""
    env = simpy.Environment()
    quay = simpy.Resource(env, capacity=berths)
    done = [0]

    def call(i: int):
        with quay.request() as req:
            yield req
            yield env.timeout(service[i])
        done[0] += 1

    def source():
        for i, t in enumerate(arrivals):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(call(i))

    env.process(source())
    env.run(until=until)
    return done[0]


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/plan-2025.yaml"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    years = (sc.run.horizon_days + sc.run.warmup_days) / 365.0
    end_h = (sc.run.horizon_days + sc.run.warmup_days) * 24.0

    t_plan, plan = timed(lambda: plan_calls(sc, 0), args.repeat)

    def model_only():
        m = PortModel(sc, plan)
        return m, m.run()

    t_model, (model, log) = timed(model_only, args.repeat)
    t_results, _ = timed(lambda: summarise(sc, 0, plan, log, model.in_system()), args.repeat)
    t_full = t_plan + t_model + t_results

    # the skeleton gets the very same arrivals and the same time each ship held its berth
    called = np.asarray(log.called_h)
    unberthed = np.asarray(log.unberthed_h)
    service = np.where(np.isnan(called), 24.0, unberthed - called)
    service = np.where(np.isfinite(service), service, 24.0)
    t_skel, n_skel = timed(
        lambda: skeleton(plan.arrival_h, service, len(sc.port.berths), end_h), args.repeat)

    n = len(plan)
    print(f"scenario            {sc.name}: {len(sc.port.berths)} berths, {n:,} calls in "
          f"{years:.3f} simulated years, median of {args.repeat}")
    print(f"plan calls (numpy)  {t_plan * 1e3:8.1f} ms")
    print(f"SimPy model         {t_model * 1e3:8.1f} ms")
    print(f"results DataFrames  {t_results * 1e3:8.1f} ms")
    print(f"full model          {t_full * 1e3:8.1f} ms = {t_full / years:.2f} s per port-year, "
          f"{n / t_full:,.0f} calls/s")
    print(f"bare SimPy skeleton {t_skel * 1e3:8.1f} ms ({n_skel:,} calls served)")
    print(f"ratio full / skeleton   {t_full / t_skel:.2f}x   (target <= 2x)")
    print(f"ratio model / skeleton  {t_model / t_skel:.2f}x")


if __name__ == "__main__":
    main()
