"""``portsim compare BASE.yaml OTHER.yaml …``: paired comparison on common random numbers.

Every scenario runs with the first one's seed, replications, horizon and warm-up, so
replication r of each sees the same ships and the same weather. Prints, for each
scenario against the first, the change of every headline KPI with a paired 95 %
confidence interval, and answers which scenario cuts waiting most; writes
``compare.csv`` (all KPIs), ``kpis.csv`` (per replication), ``compare.png`` and, per
scenario k with a channel model, ``channel-k.png`` (time–distance diagram with the tide).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portsim import cli
from portsim.cli import fmt_table

FORMATS = {
    "teu_delivered": ",.0f", "tonnes_delivered": ",.0f", "tide_bound_calls_share": ".1%",
    "tide_waited_calls_share": ".1%", "channel_max_occupancy": ".1%",
    "pilot_utilisation": ".1%", "tug_utilisation": ".1%", "one_way_conflicts_per_year": ",.0f",
}


def add_parser(sub) -> None:
    c = sub.add_parser("compare", help="compare scenarios on common random numbers")
    c.add_argument("scenarios", nargs="+", help="scenario YAML files; the first is the base")
    cli.replication_options(c, "compare-<base>")
    c.add_argument("--report", action="store_true",
                   help="also write report.html: answer, differences and plots in one page")
    c.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from portsim.errors import InputError, Problem
    from portsim.output import OutputFolder

    problems: list[Problem] = []
    scenarios = []
    for path in args.scenarios:
        try:
            scenarios.append(cli.load_scenario_for(args, path))  # --set: on every scenario
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    out = Path(args.output or Path("out") / f"compare-{Path(args.scenarios[0]).stem}")
    folder = OutputFolder(out)
    folder.prepare()  # -o is checked before simulating
    try:
        return _compare_and_write(args, scenarios, folder)
    finally:
        folder.discard()


def _compare_and_write(args: argparse.Namespace, scenarios, folder) -> int:
    from portsim import plots
    from portsim.compare import compare

    base = scenarios[0]
    out = folder.path
    n = args.replications or base.run.replications
    jobs = n * len(scenarios)
    with cli.executor(args.workers, jobs, args.scheduler) as pool, \
            cli.progress(jobs, "compare", args.quiet) as bar:
        result = compare(scenarios, replications=args.replications, seed=args.seed,
                         executor=pool, progress=bar.update)
    text = render_compare(result, scenarios)
    if args.json:
        cli.print_json({"base": result.base, "scenarios": list(result.labels),
                        "replications": n, "answer": result.answer(),
                        "differences": cli.records(result.table)})
    else:
        print(text)

    def write(tmp: Path) -> None:
        (tmp / "compare.txt").write_text(text + "\n", encoding="utf-8")
        result.table.to_csv(tmp / "compare.csv", index=False)
        result.kpis.to_csv(tmp / "kpis.csv", index=False)
        plots.save(plots.comparison(result.table, result.base,
                                    f"Against '{result.base}' ({n} paired replications)"),
                   tmp / "compare.png")
        for k, reps in enumerate(result.runs):  # time-distance diagram, first replication
            if "channel_calls" in reps.runs[0].tables:
                plots.save(plots.channel_diagram(reps.runs[0], days=3.0),
                           tmp / f"channel-{k}.png")
        if args.report:
            from portsim import report

            report.write(tmp / "report.html",
                         report.compare_report(result, text_output=text, formats=FORMATS))

    written = folder.write(write, {"command": "compare",
                                   "scenarios": [s.name for s in scenarios],
                                   "scenario_files": [str(Path(p).resolve())
                                                      for p in args.scenarios],
                                   "seed": args.seed if args.seed is not None
                                   else base.run.seed, "replications": n})
    if not args.quiet:
        print(f"\nwrote {len(written)} files to {out}/", file=sys.stderr)
    return 0


def render_compare(result, scenarios) -> str:
    """The comparison as printed: settings, one table per scenario, the answer."""
    base = scenarios[0]
    run = result.runs[0].scenario.run
    lines = [f"portsim compare — base '{result.base}'; {run.replications} replications of "
             f"{run.horizon_days:g} days after {run.warmup_days:g} days warm-up, seed "
             f"{run.seed}, common random numbers (paired differences, 95 % CI)"]
    changed = [sc.name for sc in scenarios[1:]
               if (sc.run.horizon_days, sc.run.warmup_days, sc.run.seed)
               != (base.run.horizon_days, base.run.warmup_days, base.run.seed)]
    if changed:
        lines.append(f"note: run with the base's settings: {', '.join(changed)}")
    for label, same in zip(result.labels[1:], result.same_ships[1:], strict=True):
        if not same:
            lines.append(f"note: '{label}' has other ships than the base (demand or berths "
                         "differ): differences include the change of traffic")
    head = result.headline()
    for label in result.labels[1:] or result.labels:
        t = head[head["scenario"] == label].copy()
        fmt = [FORMATS.get(k, ".2f") for k in t["kpi"]]
        for col in ("base", "value", "diff", "ci95"):
            t[col] = [format(v, f) if v == v else "–" for v, f in zip(t[col], fmt, strict=True)]
        t["sig"] = ["*" if s else "" for s in t["significant"]]
        lines += ["", f"{label} vs {result.base}",
                  fmt_table(t, {"kpi": ("KPI", ""), "base": (result.base[:24], ""),
                                "value": (label[:24], ""), "diff": ("difference", ""),
                                "ci95": ("± 95 % CI", ""), "sig": ("", "")})]
    lines += ["", "(* the 95 % interval excludes zero)", "", "ANSWER: " + result.answer()]
    if "container_mean_wait_total_h" in set(result.table["kpi"]):
        lines.append("Containers: " + result.answer("container_mean_wait_total_h"))
    return "\n".join(lines)
