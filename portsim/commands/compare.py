"""``portsim compare BASE.yaml OTHER.yaml …``: paired comparison on common random numbers.

Every scenario runs with the first one's seed, replications, horizon and warm-up, so
replication r of each sees the same ships and the same weather. Prints, for each
scenario against the first, the change of every headline KPI with a paired 95 %
confidence interval, and answers which scenario cuts waiting most; writes
``compare.csv`` (all KPIs), ``kpis.csv`` (per replication), ``compare.png`` and, per
scenario with a channel model, ``channel-<scenario>.png`` (time–distance diagram with
the tide), to ``out/compare-<base>-vs-<others>`` unless ``-o`` says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portsim import cli
from portsim.cli import fmt_table, lang_option, replication_options
from portsim.labels import t as tr


def add_parser(sub) -> None:
    c = sub.add_parser("compare", help="compare scenarios on common random numbers")
    c.add_argument("scenarios", nargs="+", help="scenario YAML files; the first is the base")
    replication_options(c, "compare-<base>-vs-<others>")
    lang_option(c)
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
    from portsim.compare import output_name, unique_labels

    out = Path(args.output or Path("out") / output_name(unique_labels(scenarios)))
    folder = OutputFolder(out)
    folder.prepare()  # -o is checked before simulating
    try:
        return _compare_and_write(args, scenarios, folder)
    finally:
        folder.discard()


def _compare_and_write(args: argparse.Namespace, scenarios, folder) -> int:
    from portsim import labels

    with labels.using(labels.language(getattr(args, "lang", None), scenarios[0].language)):
        return _compare_in_language(args, scenarios, folder)


def _compare_in_language(args: argparse.Namespace, scenarios, folder) -> int:
    from portsim import plots
    from portsim.compare import compare, slug

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
                                    tr("Against '{base}' ({n} paired replications)",
                                       base=result.base, n=n)),
                   tmp / "compare.png")
        for label, reps in zip(result.labels, result.runs, strict=True):
            if "channel_calls" in reps.runs[0].tables:  # time-distance diagram, first rep.
                plots.save(plots.channel_diagram(reps.runs[0], days=3.0),
                           tmp / f"channel-{slug(label)}.png")
        if args.report:
            from portsim import report

            report.write(tmp / "report.html", report.compare_report(result, text_output=text))

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
    """The comparison as printed: settings, one table per scenario (KPI names, units and
    formats of :mod:`portsim.labels`; ``*`` where :func:`portsim.compare.marked`), the
    answer."""
    from portsim import labels
    from portsim.compare import kpi_format, marked

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
        fmt = [kpi_format(k) or ".2f" for k in t["kpi"]]
        t["sig"] = ["*" if marked(d, bool(s), f) else ""
                    for d, s, f in zip(t["diff"], t["significant"], fmt, strict=True)]
        for col in ("base", "value", "diff", "ci95"):
            t[col] = [format(v, f) if v == v else "–" for v, f in zip(t[col], fmt, strict=True)]
        t["kpi"] = [labels.header(k) for k in t["kpi"]]
        lines += ["", f"{label} vs {result.base}",
                  fmt_table(t, {"kpi": (labels.label("kpi"), ""),
                                "base": (result.base[:24], ""),
                                "value": (label[:24], ""),
                                "diff": (labels.label("diff"), ""),
                                "ci95": (labels.label("ci95"), ""), "sig": ("", "")})]
    lines += ["", tr("(* non-zero and the 95 % interval excludes zero)"), "",
              "ANSWER: " + result.answer()]
    if "container_mean_wait_total_h" in set(result.table["kpi"]):
        lines.append("Containers: " + result.answer("container_mean_wait_total_h"))
    return "\n".join(lines)
