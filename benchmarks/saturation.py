"""Benchmark: the cost of a port-year per call as container demand passes saturation.

Run: ``python benchmarks/saturation.py [SCENARIO] [--scales 1 2 4 8] [--repeat 3]``.

The SimPy model of one replication (call plan excluded) is timed in CPU seconds at each
container demand scale; the figure is the median over ``--repeat`` rounds per call of
the plan. Past saturation the anchorage queue grows all year; the quay keeps its queue
per ship class (and each on-window call under its window's stretch), so a departure
looks at the head of each queue, not at every waiting ship: the cost per call should stay
flat from one saturated scale to the next, whatever the queue's length.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portsim.config import load_scenario  # noqa: E402
from portsim.demand import plan_calls  # noqa: E402
from portsim.model.port import PortModel  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "plan-2025.yaml"))
    p.add_argument("--scales", type=float, nargs="+", default=[1.0, 2.0, 4.0, 8.0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    base = load_scenario(args.scenario)
    print(f"{base.name}: SimPy model of one replication, CPU µs per call (median of "
          f"{args.repeat})")
    print(f"{'container demand':>17} {'calls':>7} {'µs/call':>8} {'waiting at end':>15}")
    for k in args.scales:
        sc = base.model_copy(update={"demand_scale_by_cargo": {"container": k}})
        plan = plan_calls(sc, 0)
        times, waiting = [], 0
        for _ in range(args.repeat):
            t = time.process_time()
            model = PortModel(sc, plan, 0)
            model.run()
            times.append(time.process_time() - t)
            waiting = sum(q.waiting for q in model.quays)
        print(f"{k:>16g}x {len(plan):>7,} {statistics.median(times) / len(plan) * 1e6:>8.1f} "
              f"{waiting:>15,}")


if __name__ == "__main__":
    main()
