"""Peak memory of ``portsim.replicate`` on plan-2025, by what it keeps of each replication.

Run: ``python benchmarks/memory.py [SCENARIO] [-n 1 4] [--keep calls tables kpis]``.

Each (keep, n) is measured in a fresh process, replications one after the other in that
process (as each worker of a pool runs them): the peak resident set size
(``ru_maxrss``) after ``replicate(sc, n, keep=…)`` minus the peak after loading the
scenario and running one replication unkept (the model's own working set, paid once per
process whatever is kept), and the bytes the result still holds (``memory_usage(deep)``
of every kept DataFrame). The growth per replication is the slope between the two
``n``; the figure for 20 replications is extrapolated from it — linear, because each
replication adds the same kind of tables of about the same size — and is never taken
below the base plus what the result holds then (heap freed by earlier replications can
hide the growth at small ``n``).

Measured on plan-2025 (``-n 1 4``, 2-core machine, glibc): ``calls`` holds 11.3 MB per
replication (226 MB at 20; peak RSS ≈ 610 MB), ``tables`` 6.3 MB (126 MB at 20; peak
RSS ≈ 380 MB, from ``-n 2 10``), ``kpis`` 0.03 MB (0.7 MB at 20; peak RSS flat at one
port-year's working set, ~295 MB, the same at 2 and 10 replications, because
:func:`portsim.simulate.return_freed_memory` hands freed heap back after each reduced
replication).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys
import portsim
from portsim.simulate import simulate

scenario, keep, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sc = portsim.load_scenario(scenario)
simulate(sc, 0)  # the working set of one replication, paid whatever is kept
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
reps = portsim.replicate(sc, n, keep=keep)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
held = 0
for run in reps.runs:
    frames = [run.calls, run.berths, run.terminals, run.areas, run.flows, run.queue,
              *run.tables.values()]
    held += sum(int(f.memory_usage(deep=True).sum()) for f in frames)
print(json.dumps({"base_mb": base / 1024, "peak_mb": peak / 1024, "held_mb": held / 2**20}))
"""


def measure(scenario: str, keep: str, n: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, scenario, keep, str(n)], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("scenario", nargs="?", default="scenarios/plan-2025.yaml")
    p.add_argument("-n", type=int, nargs=2, default=[1, 4], metavar=("N1", "N2"),
                   help="two replication counts; the slope between them is extrapolated")
    p.add_argument("--keep", nargs="+", default=["calls", "tables", "kpis"])
    p.add_argument("--target", type=int, default=20, help="replications to extrapolate to")
    args = p.parse_args()
    n1, n2 = args.n
    print(f"{args.scenario}: peak RSS above one unkept replication, and bytes held by the "
          f"result; {args.target} replications extrapolated from n = {n1} and {n2}")
    print(f"{'keep':8} {'n':>3} {'RSS+ MB':>9} {'held MB':>9}")
    for keep in args.keep:
        rows = {n: measure(args.scenario, keep, n) for n in (n1, n2)}
        for n, r in rows.items():
            print(f"{keep:8} {n:>3} {r['peak_mb'] - r['base_mb']:>9.1f} {r['held_mb']:>9.2f}")
        held_per = (rows[n2]["held_mb"] - rows[n1]["held_mb"]) / (n2 - n1)
        rss_per = ((rows[n2]["peak_mb"] - rows[n2]["base_mb"])
                   - (rows[n1]["peak_mb"] - rows[n1]["base_mb"])) / (n2 - n1)
        held_t = rows[n1]["held_mb"] + held_per * (args.target - n1)
        # freed heap the allocator kept may absorb what is held at small n: the peak is at
        # least the base plus what the result holds, whatever the slope says
        rss_t = max(rows[n2]["peak_mb"] + rss_per * (args.target - n2),
                    rows[n2]["base_mb"] + held_t)
        print(f"{keep:8} -> {args.target} replications: held ≈ {held_t:.1f} MB "
              f"({held_per:.2f} MB per replication), peak RSS ≈ {rss_t:.0f} MB "
              f"(one-replication base {rows[n2]['base_mb']:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
