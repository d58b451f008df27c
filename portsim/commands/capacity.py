"""``portsim capacity SCENARIO``: the largest throughput that still meets service criteria.

Scales the container demand (or, with ``--cargo``, another family's, or ``--cargo all``
every family in turn) until each of several service criteria reaches its limit, all
searched on the same runs (:func:`portsim.experiments.capacity.panel`): the base
year's own waiting factor and mean wait simulated on the same model (``--base-year``,
default ``baseline-2020.yaml`` beside the scenario; ``--base-year none`` leaves them
out), the planning waiting factor on the guideline's basis and friction-inclusive,
mean and p95 wait, the share berthed within ``--within-h`` hours, and berth-window
compliance when the model has berth windows. The first criterion is the headline.

With ``--waiting-factor LIMIT`` or ``--max-wait-h HOURS`` a single criterion is
searched instead, as before. Prints every capacity ± 95 % CI with the criterion's limit
and source, the margin over the target (the scenario's demand, e.g. 8 M TEU;
``--target`` to change) and the bottleneck terminal at the headline capacity; ``-o``
writes ``capacity.csv``, ``capacity-criteria.png`` and the search tables. Method: see
:mod:`portsim.experiments.capacity`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portsim.cli import (
    execution_options,
    fmt_table,
    json_option,
    lang_option,
    load_scenario_for,
    print_json,
    records,
    scenario_options,
)


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
    c.add_argument("--base-year", metavar="SCENARIO",
                   help="base-year scenario whose simulated service level is a criterion "
                        "(default: baseline-2020.yaml beside the scenario; 'none': leave "
                        "it out)")
    c.add_argument("--base-year-replications", type=int, metavar="N",
                   help="replications of the base year (default: its run.replications)")
    c.add_argument("--within-h", type=float, default=None, metavar="K",
                   help="criterion 'berthed within K h of arrival' (default 2 h)")
    c.add_argument("--target", type=float,
                   help="throughput to compare the (first) capacity with (default: demand)")
    c.add_argument("--ci", type=float, default=0.02,
                   help="stop when the 95%% CI half-width is at most this share (0.02)")
    c.add_argument("--min-replications", type=int, default=6)
    c.add_argument("--max-replications", type=int, default=40)
    c.add_argument("--seed", type=int, help="override run.seed")
    c.add_argument("--no-bottleneck", action="store_true",
                   help="skip the runs at capacity that locate the bottleneck")
    c.add_argument("-o", "--output", help="write samples, runs and terminal tables here "
                                          "(default out/capacity-<scenario>)")
    execution_options(c)
    scenario_options(c)
    json_option(c)
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    c.add_argument("--report", action="store_true",
                   help="also write report.html (into -o DIR, default out/capacity-<scenario>)")
    lang_option(c)
    c.set_defaults(func=cmd_capacity)


def cmd_capacity(args: argparse.Namespace) -> int:
    from portsim import labels

    with labels.using(labels.language(args.lang)):
        return _capacity(args)


def _capacity(args: argparse.Namespace) -> int:
    from portsim.config import load_scenario
    from portsim.experiments.capacity import (
        DEFAULT_WITHIN_H,
        capacity,
        default_base_year,
    )

    changes = {"run.seed": args.seed} if args.seed is not None else {}
    scenario = load_scenario_for(args, args.scenario, changes)
    single = args.max_wait_h is not None or args.waiting_factor is not None
    kind = "mean_wait_h" if args.max_wait_h is not None else "waiting_factor"
    limit = args.max_wait_h if args.max_wait_h is not None else args.waiting_factor
    base = None
    if not single:
        if args.base_year is None:
            base = default_base_year(scenario)
        elif args.base_year.lower() != "none":
            base = load_scenario(args.base_year)
    try:
        res = capacity(scenario, cargo=args.cargo or ["container"], criterion=kind,
                       limit=limit, criteria=None if single else "panel", base_year=base,
                       base_year_replications=args.base_year_replications,
                       within_h=DEFAULT_WITHIN_H if args.within_h is None else args.within_h,
                       target=args.target, rel_ci=args.ci,
                       min_replications=args.min_replications,
                       max_replications=args.max_replications,
                       bottleneck=not args.no_bottleneck, workers=args.workers,
                       scheduler=args.scheduler, progress=not args.quiet)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    if args.json:
        print_json({"scenario": res.scenario, "answer": res.answer(),
                     "criteria": records(res.table())})
    else:
        print(render_capacity(res))
    if not args.output:  # like run and compare: a default folder
        args.output = str(Path("out") / f"capacity-{Path(args.scenario).stem}")
    if args.output:
        import pandas as pd

        from portsim.output import write_atomically

        def write(tmp: Path) -> None:
            from portsim import plots

            table = res.table()
            table.to_csv(tmp / "capacity.csv", index=False)
            res.evaluations.to_csv(tmp / "evaluations.csv", index=False)
            for fam in res.families.values():
                fam.samples.to_csv(tmp / f"samples_{fam.cargo}.csv", index=False)
                if fam.terminals is not None:
                    fam.terminals.to_csv(tmp / f"terminals_at_capacity_{fam.cargo}.csv",
                                         index=False)
            if len(res.criteria) > len(res.families):
                pd.concat([f.samples.assign(cargo=f.cargo, criterion=f.criterion.id)
                           for f in res.criteria]).to_csv(tmp / "samples_criteria.csv",
                                                          index=False)
                for cargo, fam in res.families.items():
                    suffix = "" if len(res.families) == 1 else f"-{cargo}"
                    plots.save(plots.capacity_criteria(
                        res.evaluations, table, f"{res.scenario}: {cargo} capacity under "
                        f"each service criterion", cargo=cargo, target=fam.target),
                        tmp / f"capacity-criteria{suffix}.png")
            if res.base_year is not None:
                res.base_year.samples.to_csv(tmp / "base_year.csv", index=False)
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
    """The tables and answer printed by ``portsim capacity``: with several criteria,
    one row per criterion with its limit and where the limit comes from."""
    from portsim.experiments.capacity import GUIDELINE_EXCLUDES

    table = res.table()
    runs = len(res.evaluations)
    lines = [f"portsim capacity — {res.scenario}: {runs} runs in {res.wall_s:.0f} s", ""]
    if len(table) > len(res.families):
        lines += [
            "Service criteria, all searched on the same port-year runs (headline first):",
            fmt_table(table.assign(limit_text=[_limit_text(r) for r in table.itertuples()]),
                      {"cargo": ("cargo", ""), "criterion_id": ("criterion", ""),
                       "limit_text": ("limit", ""), "capacity": ("capacity/yr", ",.0f"),
                       "ci95": ("± 95% CI", ",.0f"), "rel_ci": ("CI %", ".1%"),
                       "margin_share": ("margin", "+.1%"), "status": ("vs target", ""),
                       "replications": ("reps", "d"), "censored": ("censored", "d")}),
            "",
            "Where each limit comes from:",
            *[f"  {r.criterion_id}: {r.criterion} — {r.source}" for r in table.itertuples()],
            *[f"  {c.id}: left out — {why}" for c, why in res.skipped],
            f"  (the guideline basis leaves out what the PIANC/UNCTAD idealised queue "
            f"has not: {', '.join(GUIDELINE_EXCLUDES)})",
        ]
        if res.base_year is not None:
            lines.append(f"  base year: {res.base_year.describe()}")
        lines.append("")
    lines += [
        fmt_table(table[table["primary"]] if "primary" in table else table, {
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


def _limit_text(row) -> str:
    if row.kind in ("mean_wait_h", "p95_wait_h"):
        text = f"<= {row.limit:.3g} h"
    elif row.kind == "share_waiting_over_h":
        text = f">= {1 - row.limit:.0%} within {row.within_h:g} h"
    elif row.kind == "berth_window_missed":
        text = f">= {1 - row.limit:.0%} on window"
    else:
        text = f"<= {row.limit:.3g}"
    return text + (f" ± {row.limit_ci95:.2g}" if row.limit_ci95 == row.limit_ci95 else "")
