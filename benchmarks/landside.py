"""Benchmark: what the landside (yards, sea-rail, gates) adds to a simulated port-year.

Run: ``python benchmarks/landside.py [SCENARIO] [--repeat N]`` (default: plan-2025, 5).

The same scenario is run with its landside and with the yards, rail terminals and gates
taken out of the port (the issue-2 model), alternately, so both see the same machine
load; the figures are medians over ``--repeat`` runs and the headline is their ratio,
measured in this one run (target: the landside adds at most 30 %). Each run is one
replication end to end: call plan, SimPy model, result tables (``simulate``).

Both the wall-clock time and the CPU time of this process are measured. On a shared
machine the wall clock also counts the time other processes held the cores, which swings
from run to run; the CPU time does not, so the headline ratio is on CPU time.
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
from portsim.simulate import simulate  # noqa: E402

TARGET = 1.30


def without_landside(sc):
    port = sc.port.model_copy(update={"yards": [], "rail_terminals": [], "gates": []})
    return sc.model_copy(update={"port": port})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/plan-2025.yaml"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    bare = without_landside(sc)
    if not sc.port.yards:
        sys.exit(f"{args.scenario}: the port has no yards; nothing to compare")
    plan = plan_calls(sc, 0)
    times: dict[str, list[float]] = {k: [] for k in (
        "full", "bare", "cpu_full", "cpu_bare", "model_full", "model_bare")}
    for _ in range(args.repeat):
        for name, scen in (("full", sc), ("bare", bare)):
            t0, c0 = time.perf_counter(), time.process_time()
            simulate(scen, 0)
            times[name].append(time.perf_counter() - t0)
            times[f"cpu_{name}"].append(time.process_time() - c0)
            c0 = time.process_time()
            m = PortModel(scen, plan, 0)
            m.run()
            m.tables()
            times[f"model_{name}"].append(time.process_time() - c0)
    med = {k: statistics.median(v) for k, v in times.items()}
    res = simulate(sc, 0)
    trains = res.tables.get("trains")
    n_trains = len(trains) if trains is not None else 0
    years = (sc.run.horizon_days + sc.run.warmup_days) / 365.0
    print(f"scenario              {sc.name}: {len(plan):,} calls, {len(sc.port.yards)} yards, "
          f"{len(sc.port.rail_terminals)} rail terminals ({n_trains:,} trains), "
          f"{len(sc.port.gates)} gates; {years:.3f} simulated years; median of {args.repeat}, "
          "alternating")
    print("                      CPU time (median)   wall clock (median)   model + tables CPU")
    for name, label in (("bare", "without landside"), ("full", "with landside")):
        print(f"{label:21s} {med[f'cpu_{name}'] * 1e3:10.1f} ms {med[name] * 1e3:14.1f} ms "
              f"{med[f'model_{name}'] * 1e3:14.1f} ms")
    ratio = med["cpu_full"] / med["cpu_bare"]
    print(f"ratio with / without  {ratio:.2f}x CPU   (target <= {TARGET:.2f}x: "
          f"{'met' if ratio <= TARGET else 'NOT met'}); wall clock "
          f"{med['full'] / med['bare']:.2f}x; model + tables "
          f"{med['model_full'] / med['model_bare']:.2f}x CPU")
    print("all runs (s): " + "; ".join(f"{k} " + ", ".join(f"{x:.2f}" for x in v)
                                       for k, v in times.items()))


if __name__ == "__main__":
    main()
