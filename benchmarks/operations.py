"""Benchmark: what each mechanism of the operated port costs per port-year.

Run: ``python benchmarks/operations.py [--repeat 3]``.

``simulate`` (call plan, SimPy model, result tables) of one plan-2025 replication is timed
in CPU seconds for plan-2025 as shipped and for each variant of ``scenarios/operations/``
that switches one mechanism off (and all of them: the model as it was), and for plan-2025
with the just-in-time lead of sailing time only (``rules.call_in_lead: sailing``),
alternating so that all see the same machine load; the figures are medians and ratios to the
``plan-2025-as-before`` variant measured in the same run.
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
from portsim.simulate import simulate  # noqa: E402

VARIANTS = ["plan-2025.yaml", "operations/plan-2025-liner-stream.yaml",
            "operations/plan-2025-berth-free.yaml", "operations/plan-2025-fixed-cranes.yaml",
            "operations/plan-2025-as-before.yaml", "plan-2025.yaml, sailing lead"]
BASE = "operations/plan-2025-as-before.yaml"
CHANGES = {"plan-2025.yaml, sailing lead": ("plan-2025.yaml", {"rules.call_in_lead": "sailing"})}
"""Variants that are a shipped scenario with a rule changed: (file, changes)."""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    scenarios = {v: load_scenario(ROOT / "scenarios" / CHANGES[v][0], CHANGES[v][1])
                 if v in CHANGES else load_scenario(ROOT / "scenarios" / v) for v in VARIANTS}
    cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for _ in range(args.repeat):
        for v, sc in scenarios.items():
            t = time.process_time()
            simulate(sc, 0)
            cpu[v].append(time.process_time() - t)
    base = statistics.median(cpu[BASE])
    print(f"one port-year (simulate), CPU median of {args.repeat}; ratio to {BASE}")
    for v in VARIANTS:
        m = statistics.median(cpu[v])
        print(f"{v:45s} {m:6.2f} s  {m / base:5.2f}x")


if __name__ == "__main__":
    main()
