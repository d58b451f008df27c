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
``--set canal.river_sea_pilotage=exempt``). ``--phases`` times each stage of the
port-year instead (call plan, set-up, SimPy run, tables, summaries): where the canal's
cost per call goes.

``--instructions`` counts machine instructions under valgrind (cachegrind) instead of
timing: ``--port-years`` (3) port-years of each scenario (replications 0, 1, 2 in one
process) less the same process without the runs (start-up, imports, loading), per call;
the first port-year alone is given beside them. Deterministic for one checkout and
environment, so it settles what CPU times on a shared machine cannot (they vary by
±10 % between runs of the same code); ~12 minutes on 2 cores. It then counts one more
port-year with the canal's traffic halved (:data:`MARGINAL_SCALE`) and gives the ratio
for it beside the first port-years': what is left of the canal's cost at its full
traffic, beyond its own passes, is that of a busier port — a call costs more where more
ships queue for the same berths (``benchmarks/saturation.py``), with or without a canal.

Where the canal's own work is (bit-identical results throughout): the lock pass merges
each hub's slots once and walks lockage by lockage only where ships are left over
(:mod:`portsim.canal_locks`); the transfer matching finds each batch's first call by
``searchsorted`` and keeps only the path-halving search in Python; the stockpile ledger
computes the barges' tonnes by indexing and reads only the calls at the stockpiles'
terminals; a call keeps only its yard dwell batches that hold boxes, so the canal's two
transfer flows no longer add empty batches to every container call.

Why several port-years, each process's from a collected heap: Python's cyclic garbage
collector makes a full collection after a number of allocations, and a full collection
visits every tracked object in the process and every item of every list (the model's
per-hour and per-call lists): ~0.1 s, 7 % of a port-year. Whether one falls inside the
measured port-years depends on where the counts stood when they began, so both
scenarios begin right after ``gc.collect()`` (as timing tools do) and run several
port-years. What the canal adds to the collector is then what its own allocations
cause: the canal's passes keep their records as lists of numbers (lockages, stockpile
movements, transfer connections as arrays), not a tuple per row — with tuples,
pinglu-2030 made 5x plan-2025's young collections per port-year (385 against 77 in three)
and three full ones against none. (Pausing the collector for the port-year instead let
``replicate(keep="calls")`` grow by ~32 MB a replication instead of ~17 MB: the garbage
only the collector frees piled up and fragmented the heap; rejected.)
"""

from __future__ import annotations

import argparse
import gc
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
MARGINAL_SCALE = 0.5
"""``--instructions`` also counts a port-year with the canal's traffic scaled by this: the
ratio at less traffic, in a less busy port."""


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
    ap.add_argument("--port-years", type=int, default=3,
                    help="port-years per process with --instructions (default 3)")
    ap.add_argument("--phases", action="store_true",
                    help="CPU time of each stage of a port-year, per call")
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
    if args.one is not None:  # the port-years (or none) under valgrind
        gc.collect()  # both start from a collected heap (and so does the load-only run)
        if not args.load_only:
            for replication in range(args.port_years):
                simulate(scenarios[args.one], replication)
        return 0
    if args.instructions:
        with_ = scenarios["with canal"]
        low = canal_scenario(args.with_, {**changes, "canal.traffic_scale":
                                          with_.canal.traffic_scale * MARGINAL_SCALE})
        if args.horizon_days is not None:
            low = low.with_run(horizon_days=args.horizon_days)
        return instructions(argv or sys.argv[1:], scenarios, args.port_years, low)
    if args.phases:
        return phases(scenarios, args.repeat)
    times: dict[str, list[float]] = {k: [] for k in scenarios}
    calls: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, sc in scenarios.items():
            gc.collect()  # each timed port-year starts from a collected heap
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


def phases(scenarios: dict, repeat: int) -> int:
    """CPU time per call of each stage of :func:`portsim.simulate.simulate` (call plan with
    the lock pass, model set-up with the transfer matching, SimPy run, component tables,
    summaries), medians over ``repeat`` alternating rounds from a collected heap, and what
    the canal scenario spends in each beyond its share of calls."""
    from portsim.model.port import PortModel
    from portsim.results import summarise

    stages = ("plan", "set-up", "run", "tables", "summaries")
    times = {name: {s: [] for s in stages} for name in scenarios}
    calls: dict[str, int] = {}
    collections = {name: [0, 0, 0] for name in scenarios}  # garbage collections by generation
    counting: list[str] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start" and counting:
            collections[counting[0]][info["generation"]] += 1

    gc.callbacks.append(count)
    for _ in range(repeat):
        for name, sc in scenarios.items():
            gc.collect()
            counting[:] = [name]
            t = [time.process_time()]
            plan = plan_calls(sc, 0)
            t.append(time.process_time())
            model = PortModel(sc, plan, 0)
            t.append(time.process_time())
            log = model.run()
            t.append(time.process_time())
            tables = model.tables()
            t.append(time.process_time())
            res = summarise(sc, 0, plan, log, model.in_system(), tables)
            t.append(time.process_time())
            calls[name] = len(res.calls)
            counting.clear()
            for s, a, b in zip(stages, t, t[1:], strict=False):
                times[name][s].append(b - a)
            del res, tables, log, model, plan
    gc.callbacks.remove(count)
    wo, w = "without canal", "with canal"
    print(f"{'stage':<10} {'µs/call without':>16} {'µs/call with':>13} "
          f"{'with, beyond its share of calls':>32}")
    total = {wo: 0.0, w: 0.0}
    for s in stages:
        per = {n: statistics.median(times[n][s]) / calls[n] * 1e6 for n in (wo, w)}
        total[wo] += per[wo]
        total[w] += per[w]
        print(f"{s:<10} {per[wo]:>16.2f} {per[w]:>13.2f} "
              f"{(per[w] - per[wo]) * calls[w] / 1000:>29.1f} ms")
    print(f"{'total':<10} {total[wo]:>16.2f} {total[w]:>13.2f}   calls/s with / without: "
          f"{total[wo] / total[w]:.3f} (sum of the stages' medians)")
    for n in (wo, w):
        young, middle, full = (c / repeat for c in collections[n])
        print(f"garbage collections a port-year, {n}: {young:.1f} young, {middle:.1f} middle, "
              f"{full:.1f} full (from a collected heap)")
    return 0


def instructions(argv: list[str], scenarios: dict, port_years: int, low) -> int:
    """Instructions per simulated call of each scenario under cachegrind (its port-years
    less the same process that only loads the scenario; the first port-year alone
    beside), and their ratio; then the same ratio for one port-year of ``low`` (the canal
    scenario with its traffic scaled by :data:`MARGINAL_SCALE`)."""
    from concurrent.futures import ThreadPoolExecutor

    rest, skip = [], False
    for a in argv:  # the arguments the counted processes share (theirs are added below)
        if skip or a == "--instructions" or a.startswith("--port-years="):
            skip = False
            continue
        if a == "--port-years":
            skip = True
            continue
        rest.append(a)
    env = {**os.environ, "PYTHONHASHSEED": "0"}

    # the canal's traffic scaled by MARGINAL_SCALE (one port-year): what one more call of
    # the canal's traffic costs, apart from what having the canal costs at all
    fewer = ["--set", f"canal.traffic_scale={low.canal.traffic_scale!r}"]

    def count(name: str, years: int, more: tuple[str, ...] = ()) -> int:
        extra = ["--load-only"] if years == 0 else ["--port-years", str(years)]
        out = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no",
             "--cachegrind-out-file=/dev/null", sys.executable, __file__, *rest, *more,
             "--one", name, *extra], capture_output=True, text=True, check=True, env=env)
        m = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
        if m is None:
            sys.exit(f"no instruction count from valgrind:\n{out.stderr[-500:]}")
        return int(m.group(1).replace(",", ""))

    jobs = [(name, years, ()) for name in scenarios for years in sorted({0, 1, port_years})]
    jobs.append(("with canal", 1, tuple(fewer)))
    with ThreadPoolExecutor(max_workers=2) as pool:  # valgrind counts do not share
        counts = dict(zip(jobs, pool.map(lambda job: count(*job), jobs), strict=True))
    per_call, first = {}, {}
    for name, sc in scenarios.items():
        calls = [len(simulate(sc, r).calls) for r in range(port_years)]
        base = counts[(name, 0, ())]
        per_call[name] = (counts[(name, port_years, ())] - base) / sum(calls)
        first[name] = (counts[(name, 1, ())] - base) / calls[0]
        print(f"{name:<14} {sum(calls):>8,} calls in {port_years} port-years  "
              f"{(counts[(name, port_years, ())] - base) / 1e9:7.3f} G instructions  "
              f"{per_call[name] / 1e3:7.1f} k per call (first port-year alone "
              f"{first[name] / 1e3:.1f} k)", flush=True)
    ratio = per_call["without canal"] / per_call["with canal"]
    print(f"calls per instruction with / without the canal: {ratio:.3f} over {port_years} "
          f"port-years (first port-year alone: "
          f"{first['without canal'] / first['with canal']:.3f}; target >= {TOLERANCE:g})")
    # the same for a port-year with the canal's traffic scaled (as the first port-year)
    nl = len(simulate(low, 0).calls)
    lo = counts[("with canal", 1, tuple(fewer))] - counts[("with canal", 0, ())]
    print(f"with the canal's traffic x{MARGINAL_SCALE:g} (canal.traffic_scale "
          f"{low.canal.traffic_scale:g}): {nl:,} calls in 1 port-year  {lo / 1e9:7.3f} G "
          f"instructions  {lo / nl / 1e3:7.1f} k per call; calls per instruction with / "
          f"without the canal: {first['without canal'] / (lo / nl):.3f} (first port-years)")
    return 0 if ratio >= TOLERANCE else 1


if __name__ == "__main__":
    raise SystemExit(main())
