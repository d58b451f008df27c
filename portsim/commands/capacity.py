"""``portsim capacity SCENARIO``: the largest throughput that still meets a service criterion.

Scales the container demand (or, with ``--cargo``, another family's, or ``--cargo all``
every family in turn) until the waiting factor reaches its planning limit (default:
``rules.threshold(cargo).waiting_factor``, 0.10 for containers) or, with
``--max-wait-h``, until the mean wait for a berth reaches that many hours. Prints the
capacity ± 95 % CI, the margin over the target (the scenario's demand, e.g. 8 M TEU;
``--target`` to change) and the bottleneck terminal at capacity. Method: see
:mod:`portsim.experiments.capacity`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portsim.cli import fmt_table


def add_parser(sub) -> None:
    c = sub.add_parser("capacity", help="largest throughput meeting a service criterion")
    c.add_argument("scenario", help="scenario YAML file")
    c.add_argument("--cargo", action="append",
                   help="cargo family to scale (default container; repeat, or 'all')")
    crit = c.add_mutually_exclusive_group()
    crit.add_argument("--waiting-factor", type=float, metavar="LIMIT",
                      help="waiting-factor limit (default: the family's planning threshold)")
    crit.add_argument("--max-wait-h", type=float, metavar="HOURS",
                      help="criterion: mean wait for a berth at most HOURS instead")
    c.add_argument("--target", type=float,
                   help="throughput to compare the (first) capacity with (default: demand)")
    c.add_argument("--ci", type=float, default=0.02,
                   help="stop when the 95%% CI half-width is at most this share (0.02)")
    c.add_argument("--min-replications", type=int, default=6)
    c.add_argument("--max-replications", type=int, default=40)
    c.add_argument("--seed", type=int, help="override run.seed")
    c.add_argument("--no-bottleneck", action="store_true",
                   help="skip the runs at capacity that locate the bottleneck")
    c.add_argument("-o", "--output", help="write samples, runs and terminal tables here")
    c.add_argument("-w", "--workers", type=int, help="local worker processes (default: cores)")
    c.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask distributed scheduler instead of local processes")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    c.add_argument("--report", action="store_true",
                   help="also write report.html (into -o DIR, default out/capacity-<scenario>)")
    c.set_defaults(func=cmd_capacity)


def cmd_capacity(args: argparse.Namespace) -> int:
    from portsim.config import load_scenario
    from portsim.experiments.capacity import capacity

    changes = {"run.seed": args.seed} if args.seed is not None else {}
    scenario = load_scenario(args.scenario, changes)
    kind = "mean_wait_h" if args.max_wait_h is not None else "waiting_factor"
    limit = args.max_wait_h if args.max_wait_h is not None else args.waiting_factor
    try:
        res = capacity(scenario, cargo=args.cargo or ["container"], criterion=kind,
                       limit=limit, target=args.target, rel_ci=args.ci,
                       min_replications=args.min_replications,
                       max_replications=args.max_replications,
                       bottleneck=not args.no_bottleneck, workers=args.workers,
                       scheduler=args.scheduler, progress=not args.quiet)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    print(render_capacity(res))
    if args.report and not args.output:
        args.output = str(Path("out") / f"capacity-{Path(args.scenario).stem}")
    if args.output:
        from portsim.output import write_atomically

        def write(tmp: Path) -> None:
            res.table().to_csv(tmp / "capacity.csv", index=False)
            res.evaluations.to_csv(tmp / "evaluations.csv", index=False)
            for fam in res.families.values():
                fam.samples.to_csv(tmp / f"samples_{fam.cargo}.csv", index=False)
                if fam.terminals is not None:
                    fam.terminals.to_csv(tmp / f"terminals_at_capacity_{fam.cargo}.csv",
                                         index=False)
            (tmp / "answer.txt").write_text(res.answer() + "\n", encoding="utf-8")
            if args.report:
                from portsim import report

                report.write(tmp / "report.html",
                             report.capacity_report(res, text_output=render_capacity(res)))

        written = write_atomically(args.output, write)
        if not args.quiet:
            print(f"\nwrote {len(written)} files to {args.output}/", file=sys.stderr)
    return 0


def render_capacity(res) -> str:
    """The table and answer printed by ``portsim capacity``."""
    table = res.table()
    runs = len(res.evaluations)
    lines = [
        f"portsim capacity — {res.scenario}: {runs} runs in {res.wall_s:.0f} s",
        "",
        fmt_table(table, {
            "cargo": ("cargo", ""), "criterion": ("criterion", ""),
            "demand": ("demand/yr", ",.0f"), "capacity": ("capacity/yr", ",.0f"),
            "ci95": ("± 95% CI", ",.0f"), "rel_ci": ("CI %", ".1%"),
            "margin_share": ("margin", "+.1%"), "replications": ("reps", "d"),
            "runs": ("runs", "d"), "value_at_capacity": ("value at cap.", ".3f"),
            "bottleneck": ("bottleneck", ""), "bottleneck_area": ("area", ""),
            "stress": ("stress", ".2f")}),
        "",
        "ANSWER: " + res.answer(),
    ]
    return "\n".join(lines)
