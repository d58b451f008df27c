"""Benchmark: what the channel, tide and marine-service model adds to a plan-2025 year.

Run: ``python benchmarks/channel.py [SCENARIO] [--repeat N]``.

The same scenario and the same call plan are run with ``rules.marine_model`` off
(fixed channel transit times, the issue-2 model) and on (tidal windows, one-way
rules with headways, pilots, tugs, weather closures). Each repeat times both, one
after the other (alternating which goes first), so the load of a shared machine hits
both alike; figures are medians over the repeats of CPU time (``time.process_time``, which
other jobs on a shared machine disturb far less than wall-clock time; wall clock is
shown too) and the headline is the ratio
on / off of the full cost of a port-year (plan calls + SimPy model + results
DataFrames). Target: ratio <= 1.30. The tide windows are computed once per process
and cached; their one-off cost is shown separately ("cold").
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
from portsim.model import tide as tide_mod  # noqa: E402
from portsim.model.port import PortModel  # noqa: E402
from portsim.results import summarise  # noqa: E402


def one_year(sc) -> tuple[float, float, float, float, object]:
    """(plan, model, results) CPU seconds of one replication, its wall-clock seconds,
    and the model."""
    w0 = time.perf_counter()
    t0 = time.process_time()
    plan = plan_calls(sc, 0)
    t1 = time.process_time()
    model = PortModel(sc, plan, 0)
    log = model.run()
    t2 = time.process_time()
    summarise(sc, 0, plan, log, model.in_system(), model.tables())
    t3 = time.process_time()
    return t1 - t0, t2 - t1, t3 - t2, time.perf_counter() - w0, model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/plan-2025.yaml"))
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    on = load_scenario(args.scenario)
    if on.port.tide is None and on.port.pilots is None and on.port.weather is None:
        sys.exit(f"{args.scenario}: the port file has no tide/pilot/tug/weather data")
    off = on.model_copy(update={"rules": on.rules.model_copy(update={"marine_model": False})})

    tide_mod._MODELS.clear()
    t = time.process_time()
    end_h = (on.run.warmup_days + on.run.horizon_days) * 24.0
    PortModel(on, plan_calls(on, 0), 0)  # builds the tide model and every window once
    cold = time.process_time() - t
    tide_mod._MODELS.clear()
    t = time.process_time()
    tide_mod.tide_model(on.port.tide, end_h, on.port_file or "")
    cold_tide = time.process_time() - t

    times: dict[str, list[tuple[float, float, float]]] = {"off": [], "on": []}
    wall: dict[str, list[float]] = {"off": [], "on": []}
    model = None
    for r in range(args.repeat):
        order = [("off", off), ("on", on)] if r % 2 == 0 else [("on", on), ("off", off)]
        for name, sc in order:
            p, m, s, w, mdl = one_year(sc)
            times[name].append((p, m, s))
            wall[name].append(w)
            if name == "on":
                model = mdl
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in times.items()}
    full = {k: sum(v) for k, v in med.items()}
    ratios = [sum(a) / sum(b) for a, b in zip(times["on"], times["off"], strict=True)]
    n = len(model.plan)  # type: ignore[union-attr]
    years = (on.run.horizon_days + on.run.warmup_days) / 365.0
    print(f"scenario              {on.name}: {n:,} calls in {years:.3f} simulated years, "
          f"median of {args.repeat} alternating repeats")
    print("CPU time of this process (robust to other jobs on a shared machine):")
    print(f"{'':22}{'marine off':>12}{'marine on':>12}{'on/off':>9}")
    for i, label in enumerate(("plan calls", "SimPy model", "results DataFrames")):
        a, b = med["off"][i], med["on"][i]
        print(f"{label:22}{a * 1e3:10.1f}ms{b * 1e3:10.1f}ms{b / a:8.2f}x")
    print(f"{'full port-year':22}{full['off'] * 1e3:10.1f}ms{full['on'] * 1e3:10.1f}ms"
          f"{full['on'] / full['off']:8.2f}x")
    print(f"ratio on/off, median of per-repeat ratios   {statistics.median(ratios):.2f}x   "
          f"(target <= 1.30x)")
    best = {k: min(sum(x) for x in v) for k, v in times.items()}
    print(f"fastest repeat (least disturbed): off {best['off'] * 1e3:.0f} ms, on "
          f"{best['on'] * 1e3:.0f} ms, ratio {best['on'] / best['off']:.2f}x")
    w_off, w_on = statistics.median(wall["off"]), statistics.median(wall["on"])
    print(f"wall clock, median: off {w_off * 1e3:.0f} ms, on {w_on * 1e3:.0f} ms, "
          f"ratio {w_on / w_off:.2f}x (noisier when the machine is shared)")
    print(f"one-off, cold: tide model {cold_tide * 1e3:.1f} ms; model set-up with every "
          f"tidal window {cold * 1e3:.1f} ms (cached per process afterwards)")
    ch = model.channel  # type: ignore[union-attr]
    bound = sum(1 for o in ch.options if o.tide is not None)
    print(f"channel model: {len(ch.options)} transit options ({bound} tide-bound), "
          f"{len(ch.states)} segments with a one-way rule, {len(ch.events)} weather closures")


if __name__ == "__main__":
    main()
