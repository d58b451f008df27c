"""Benchmark: what the Pinglu Canal costs in a simulated port-year.

Run: ``python benchmarks/canal.py [--repeat N] [--horizon-days D] [--set PATH=VALUE]``.

Times one full port-year (call plan with the lock hubs, SimPy model, result tables, as
:func:`portsim.simulate.simulate` does it) of the port without the canal
(``scenarios/plan-2025.yaml``) and with it (``scenarios/pinglu-2030.yaml``: the same
port, ~5,800 more river-sea calls a year plus the sea leg's extra sea-going calls),
alternating the two so that both see the same machine load; CPU time of this process,
median over ``--repeat`` rounds, and the ratio of calls per CPU second with / without
the canal paired by round (median of the rounds' ratios: a busy machine slows both of a
round alike). The target: the canal adds cost in proportion to its calls — calls
simulated per CPU second with the canal not lower than without (5 % tolerance for the
machine's noise). The locks' own pass (``through_locks``) is timed separately.
``--set PATH=VALUE`` changes the canal scenario after its ``extends`` chain (e.g.
``--set canal.river_sea_pilotage=exempt``).

``--instructions`` counts machine instructions under valgrind (cachegrind) instead of
timing: one port-year of each scenario less the same process without the run (start-up,
imports, loading), per call. Deterministic for one checkout and environment, so it
settles what CPU times on a shared machine cannot (they vary by ±10 % between runs of the
same code); a few minutes. Between checkouts it moves by ~1.5 % (paths, compiled caches,
where the garbage collector's runs fall before and after the port-year): 0.948 and 0.963
for the same commit in two directories.

The garbage collector: :func:`portsim.simulate.simulate` pauses Python's cyclic collector
for the port-year (:func:`portsim.simulate.collector_paused`). Before, one full collection
fell inside a pinglu-2030 port-year (~0.1 s, 7 % of it) and none inside plan-2025's, which
alone made calls/s with the canal ~7 % lower.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from portsim.canal_locks import through_locks  # noqa: E402
from portsim.config import load_scenario  # noqa: E402
from portsim.config.canal import is_canal_flow  # noqa: E402
from portsim.demand import plan_calls  # noqa: E402
from portsim.experiments.canal import canal_scenario  # noqa: E402
from portsim.simulate import simulate  # noqa: E402

TOLERANCE = 0.95


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--horizon-days", type=float, default=None)
    ap.add_argument("--without", default=str(ROOT / "scenarios" / "plan-2025.yaml"))
    ap.add_argument("--with", dest="with_", default=str(ROOT / "scenarios" / "pinglu-2030.yaml"))
    ap.add_argument("--set", dest="settings", action="append", default=[],
                    metavar="PATH=VALUE", help="change the canal scenario (repeatable)")
    ap.add_argument("--instructions", action="store_true",
                    help="count instructions under valgrind instead of timing")
    ap.add_argument("--one", choices=["without canal", "with canal"], help=argparse.SUPPRESS)
    ap.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    changes = {k.strip(): yaml.safe_load(v) for k, _, v in
               (text.partition("=") for text in args.settings)}
    scenarios = {}
    for name, path in (("without canal", args.without), ("with canal", args.with_)):
        if args.one is not None and name != args.one:
            continue
        sc = (canal_scenario(path, changes) if name == "with canal" and changes
              else load_scenario(path))
        if args.horizon_days is not None:
            sc = sc.with_run(horizon_days=args.horizon_days)
        scenarios[name] = sc
    if args.one is not None:  # one port-year (or none) under valgrind
        if not args.load_only:
            simulate(scenarios[args.one], 0)
        return 0
    if args.instructions:
        return instructions(argv or sys.argv[1:], scenarios)
    times: dict[str, list[float]] = {k: [] for k in scenarios}
    calls: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, sc in scenarios.items():
            t0 = time.process_time()
            res = simulate(sc, 0)
            times[name].append(time.process_time() - t0)
            calls[name] = len(res.calls)
    sc = scenarios["with canal"]
    plan = plan_calls(sc, 0)
    river = [c for c, f in enumerate(sc.demand) if is_canal_flow(f.id)]
    mine = [i for i, f in enumerate(plan.flow.tolist()) if f in river]
    entries = plan.canal.entry_h
    classes = [sc.port.ship_classes[plan.ship_class[i]].id for i in mine]
    t0 = time.process_time()
    for _ in range(5):
        through_locks(sc.canal, entries, classes)  # type: ignore[arg-type]
    locks_s = (time.process_time() - t0) / 5
    rate = {}
    print(f"{'variant':<14} {'calls':>8} {'CPU s (median)':>15} {'calls/s':>9}")
    for name in scenarios:
        med = statistics.median(times[name])
        rate[name] = calls[name] / med
        print(f"{name:<14} {calls[name]:>8,} {med:>15.2f} {rate[name]:>9,.0f}")
    paired = statistics.median(
        (calls["with canal"] / w) / (calls["without canal"] / wo)
        for w, wo in zip(times["with canal"], times["without canal"], strict=True))
    ratio = paired
    print(f"calls/s with / without the canal: {ratio:.2f} paired by round (of the medians: "
          f"{rate['with canal'] / rate['without canal']:.2f}; target >= {TOLERANCE:g}); "
          f"the locks' pass: {locks_s * 1000:.1f} ms for {len(mine):,} canal calls")
    return 0 if ratio >= TOLERANCE else 1


def instructions(argv: list[str], scenarios: dict) -> int:
    """Instructions per simulated call of each scenario under cachegrind (one port-year
    less the same process that only loads the scenario), and their ratio."""
    rest = [a for a in argv if a != "--instructions"]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    per_call = {}
    for name, sc in scenarios.items():
        counts = []
        for extra in (["--load-only"], []):
            out = subprocess.run(
                ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                 "--cachegrind-out-file=/dev/null", sys.executable, __file__, *rest,
                 "--one", name, *extra], capture_output=True, text=True, check=True, env=env)
            m = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
            if m is None:
                sys.exit(f"no instruction count from valgrind:\n{out.stderr[-500:]}")
            counts.append(int(m.group(1).replace(",", "")))
        calls = len(simulate(sc, 0).calls)
        per_call[name] = (counts[1] - counts[0]) / calls
        print(f"{name:<14} {calls:>8,} calls  {(counts[1] - counts[0]) / 1e9:7.3f} G "
              f"instructions  {per_call[name] / 1e3:7.1f} k per call", flush=True)
    ratio = per_call["without canal"] / per_call["with canal"]
    print(f"calls per instruction with / without the canal: {ratio:.3f} "
          f"(target >= {TOLERANCE:g})")
    return 0 if ratio >= TOLERANCE else 1


if __name__ == "__main__":
    raise SystemExit(main())
