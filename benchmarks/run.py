"""Benchmarks: what a simulated port-year costs, layer by layer, against a bare skeleton.

Run: ``make bench`` (or ``python benchmarks/run.py [SCENARIO] [--repeat N]``).

One port-year (one replication end to end: call plan, SimPy model, result tables, as
:func:`portsim.simulate.simulate` does it) is timed in four variants of the same
scenario, on the same call plan, alternating so that all see the same machine load:

* ``core``     — the issue-2 model: berths and fixed transit times (no channel
  model, no yards, rail or gates);
* ``channel``  — core + channels, tide, pilots, tugs and weather;
* ``landside`` — core + yards, sea-rail and gates;
* ``full``     — everything (what ``portsim run`` runs).

and a bare SimPy skeleton that pushes the same calls, each holding a berth as long as it
did in the core model, through a ``simpy.Resource`` of the same number of berths.

Machines are shared and noisy, so every figure is a median over ``--repeat`` rounds and
the headlines are ratios measured in this one run, on CPU time of this process (the wall
clock also counts other processes' time on a loaded machine). Targets: core ≤ 2× the
skeleton (issue 2); the channel model and the landside each add ≤ 30 % to the core
(issues 3 and 4). For a planner's run the marginal cost of each inside the full model is
printed too: ``full / landside`` is what switching the channel model on adds to a port-year
that already has the landside, ``full / channel`` what the landside adds to one with the
channel model.

``--instructions`` counts instead the machine instructions of one port-year per variant
under valgrind's cachegrind (Debian package ``valgrind``; a few minutes): deterministic,
so immune to the machine's noise, but blind to memory stalls, which CPU time includes.
The cost of starting Python, importing and loading the scenario (variant ``none``) is
subtracted.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portsim.config import Scenario, load_scenario  # noqa: E402
from portsim.demand import plan_calls  # noqa: E402
from portsim.model.port import PortModel  # noqa: E402
from portsim.simulate import simulate  # noqa: E402

TARGETS = {"core / skeleton": 2.0, "channel / core": 1.30, "landside / core": 1.30}


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


def variants(sc: Scenario) -> dict[str, Scenario]:
    """The scenario with the channel model and/or the landside taken out."""
    no_marine = sc.rules.model_copy(update={"marine_model": False})
    no_land = sc.port.model_copy(update={"yards": [], "rail_terminals": [], "gates": []})
    return {
        "core": sc.model_copy(update={"rules": no_marine, "port": no_land}),
        "channel": sc.model_copy(update={"port": no_land}),
        "landside": sc.model_copy(update={"rules": no_marine}),
        "full": sc,
    }


def core_service(sc: Scenario, plan) -> np.ndarray:
    """Hours each call held its berth in the core model (24 h for calls never served)."""
    log = PortModel(variants(sc)["core"], plan).run()
    service = np.asarray(log.unberthed_h) - np.asarray(log.called_h)
    return np.where(np.isfinite(service), service, 24.0)


def port_year(sc: Scenario) -> tuple[float, float]:
    """CPU and wall seconds of one replication end to end (plan, model, tables)."""
    c0, t0 = time.process_time(), time.perf_counter()
    simulate(sc, 0)
    return time.process_time() - c0, time.perf_counter() - t0


def cpu(fn: Callable[[], object]) -> float:
    c0 = time.process_time()
    fn()
    return time.process_time() - c0


def instructions(scenario: str) -> None:
    """Instruction counts per variant under cachegrind, less the fixed start-up cost."""
    import tempfile

    sc = load_scenario(scenario)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        service_file = os.path.join(tmp, "service.npy")
        np.save(service_file, core_service(sc, plan_calls(sc, 0)))
        env = {**os.environ, "PYTHONHASHSEED": "0", "PORTSIM_SKELETON_SERVICE": service_file}
        for name in ("none", "skeleton", "core", "channel", "landside", "full"):
            out = subprocess.run(
                ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                 "--cachegrind-out-file=/dev/null", sys.executable, __file__, scenario,
                 "--one", name], capture_output=True, text=True, check=True, env=env)
            m = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
            if m is None:
                sys.exit(f"no instruction count from valgrind for {name}:\n{out.stderr[-500:]}")
            counts[name] = int(m.group(1).replace(",", ""))
            print(f"{name:10s} {counts[name] / 1e9:7.3f} G instructions", flush=True)
    net = {k: v - counts["none"] for k, v in counts.items() if k != "none"}
    print("net of start-up, imports and call plan ('none'): " + ", ".join(
        f"{k} {v / 1e9:.3f} G" for k, v in net.items()))
    for a, b in (("core", "skeleton"), ("channel", "core"), ("landside", "core"),
                 ("full", "core"), ("full", "landside"), ("full", "channel")):
        k = f"{a} / {b}"
        target = TARGETS.get(k)
        verdict = "" if target is None else (
            f"(target <= {target:.2f}x: {'met' if net[a] / net[b] <= target else 'NOT met'})")
        print(f"ratio {k:16s} {net[a] / net[b]:5.2f}x  {verdict}")


def one(scenario: str, name: str) -> None:
    """Run one variant once (the process valgrind measures)."""
    sc = load_scenario(scenario)
    plan = plan_calls(sc, 0)
    if name == "skeleton":  # berth times of the core model, saved by the parent
        service = np.load(os.environ["PORTSIM_SKELETON_SERVICE"])
        end_h = (sc.run.horizon_days + sc.run.warmup_days) * 24.0
        skeleton(plan.arrival_h, service, len(sc.port.berths), end_h)
    elif name != "none":
        simulate(variants(sc)[name], 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/plan-2025.yaml"))
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--instructions", action="store_true",
                    help="count instructions under valgrind instead of timing")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return one(args.scenario, args.one)
    if args.instructions:
        return instructions(args.scenario)
    sc = load_scenario(args.scenario)
    years = (sc.run.horizon_days + sc.run.warmup_days) / 365.0
    end_h = (sc.run.horizon_days + sc.run.warmup_days) * 24.0
    scen = variants(sc)
    plan = plan_calls(sc, 0)

    # the skeleton gets the very same arrivals and the time each ship held its berth
    service = core_service(sc, plan)
    berths = len(sc.port.berths)

    cpu_s: dict[str, list[float]] = {k: [] for k in ["skeleton", *scen]}
    wall_s: dict[str, list[float]] = {k: [] for k in scen}
    for _ in range(args.repeat):
        cpu_s["skeleton"].append(cpu(lambda: skeleton(plan.arrival_h, service, berths, end_h)))
        for name, s in scen.items():
            c, w = port_year(s)
            cpu_s[name].append(c)
            wall_s[name].append(w)
    med = {k: statistics.median(v) for k, v in cpu_s.items()}

    def paired(a: str, b: str) -> float:
        """Median over rounds of the ratio within a round (same machine load)."""
        return statistics.median(x / y for x, y in zip(cpu_s[a], cpu_s[b], strict=True))

    ratios = {
        "core / skeleton": med["core"] / med["skeleton"],
        "channel / core": paired("channel", "core"),
        "landside / core": paired("landside", "core"),
        "full / core": med["full"] / med["core"],
        "full / skeleton": med["full"] / med["skeleton"],
        "full / landside": paired("full", "landside"),
        "full / channel": paired("full", "channel"),
    }

    n = len(plan)
    print(f"scenario   {sc.name}: {berths} berths, {n:,} calls in {years:.3f} simulated "
          f"years; CPU-time medians of {args.repeat} alternating rounds")
    print(f"{'variant':10s} {'CPU ms':>9s} {'wall ms':>9s} {'s/port-yr':>9s} {'calls/s':>9s}")
    print(f"{'skeleton':10s} {med['skeleton'] * 1e3:9.1f} {'':>9s} "
          f"{med['skeleton'] / years:9.2f} {n / med['skeleton']:9,.0f}")
    for name in scen:
        print(f"{name:10s} {med[name] * 1e3:9.1f} {statistics.median(wall_s[name]) * 1e3:9.1f} "
              f"{med[name] / years:9.2f} {n / med[name]:9,.0f}")
    for k, r in ratios.items():
        target = TARGETS.get(k)
        verdict = "" if target is None else (
            f"(target <= {target:.2f}x: {'met' if r <= target else 'NOT met'})")
        print(f"ratio {k:16s} {r:5.2f}x  {verdict}")
    print("all rounds, CPU s: " + "; ".join(
        f"{k} " + " ".join(f"{x:.2f}" for x in v) for k, v in cpu_s.items()))


if __name__ == "__main__":
    main()
