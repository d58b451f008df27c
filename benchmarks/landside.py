"""Benchmark: what the landside (yards, sea-rail, gates) costs per full port-year, in this
tree and in another commit (default ``main``), measured in the same run.

Run: ``python benchmarks/landside.py [SCENARIO] [--against REF] [--repeat N]``.

The landside's cost is the CPU time of one port-year (:func:`portsim.simulate.simulate`:
call plan, SimPy model, result tables) of the scenario as shipped (``full``) less that of
the same scenario with the landside taken out (``no landside``: no yards, rail terminals
or gates, as ``benchmarks/run.py`` does it), plus the landside's share of judging the
run (:func:`portsim.verdict.landside_table`, which now reads the component registry).
Each round runs both trees, alternating, each in its own Python process (so the other
tree's code is what it imports), and each process times its variants in turn; the
figures are medians over rounds, and the headline is the ratio of the two trees'
landside costs, paired by round (same machine load). The other tree is exported with
``git archive`` into a temporary folder; its Python environment is this one's.

``--variant demand`` times the scenario with ``sea_rail.trains: demand`` and
``late_train: roll_to_next_call`` (this tree only: the rule is new) beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from portsim.config import load_scenario
from portsim.simulate import Replications, simulate
from portsim.verdict import landside_table
import portsim.model.port, portsim.model.rail, portsim.model.gate, portsim.model.yard
sc = load_scenario(sys.argv[2], json.loads(sys.argv[3]))
no_land = sc.model_copy(update={"port": sc.port.model_copy(
    update={"yards": [], "rail_terminals": [], "gates": []})})
out = {}
for name, s in (("no landside", no_land), ("full", sc)):
    t = time.process_time()
    run = simulate(s, 0)
    out[name] = time.process_time() - t
t = time.process_time()
landside_table(Replications(sc, [run]))
out["judge landside"] = time.process_time() - t
print(json.dumps(out))
"""


def measure(tree: Path, scenario: str, changes: dict) -> dict[str, float]:
    """One round in ``tree``: CPU seconds per variant (a fresh process)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run([sys.executable, "-c", WORKER, str(tree), scenario,
                          json.dumps(changes)], capture_output=True, text=True, env=env,
                         check=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def export(ref: str, into: Path) -> Path:
    """The tree of commit ``ref`` (``git archive``) in ``into``."""
    archive = into / "tree.tar"
    with archive.open("wb") as f:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref], stdout=f, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    # byte-compile it, as this tree is, so that no round pays for compiling
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(into / "tree" / "portsim")],
                   check=True)
    return into / "tree"


def landside_cost(r: dict[str, float]) -> float:
    return r["full"] - r["no landside"] + r["judge landside"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", nargs="?", default="scenarios/plan-2025.yaml")
    p.add_argument("--against", default="main", help="commit to compare with (default main)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--variant", choices=["shipped", "demand"], default="shipped")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"this tree": ROOT, args.against: export(args.against, Path(tmp))}
        demand = {"landside.sea_rail.trains": "demand",
                  "landside.sea_rail.late_train": "roll_to_next_call"}
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in paths}
        if args.variant == "demand":
            runs["this tree, trains: demand + roll_to_next_call"] = []
        for _ in range(args.repeat):
            for name, tree in paths.items():
                runs[name].append(measure(tree, args.scenario, {}))
            if args.variant == "demand":
                runs["this tree, trains: demand + roll_to_next_call"].append(
                    measure(ROOT, args.scenario, demand))
    print(f"{args.scenario}: one port-year, CPU seconds, median of {args.repeat} rounds")
    for name, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        cost = statistics.median(landside_cost(r) for r in rs)
        print(f"  {name:48s} full {med['full']:5.2f}  no landside {med['no landside']:5.2f}"
              f"  judge landside {med['judge landside']:5.3f}  landside cost {cost:5.2f}")
    ratio = statistics.median(landside_cost(a) / landside_cost(b) for a, b in
                              zip(runs["this tree"], runs[args.against], strict=True))
    full = statistics.median(a["full"] / b["full"] for a, b in
                             zip(runs["this tree"], runs[args.against], strict=True))
    print(f"landside cost, this tree / {args.against} (paired by round): {ratio:.2f}x "
          f"(target <= 1.00x + noise); full port-year {full:.2f}x")


if __name__ == "__main__":
    main()
