"""``portsim robustness SCENARIO``: does the answer hold under other assumption sets?

Runs the scenario as written and under each assumption set in ``assumptions/`` beside
the scenario file (``--sets`` to pick some) on common random numbers, prints a table —
set, what it changes, TEU delivered, container waiting factor and mean wait with their
paired differences from the base (± 95 % CI), the verdict's status and whether it holds
— and the sentence "the answer holds under N of M assumption sets; X flips it". ``-o``
writes ``robustness.csv``, ``robustness_kpis.csv`` and ``robustness.txt``. Method and
file format: :mod:`portsim.robustness`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portsim.cli import (
    executor,
    lang_option,
    load_scenario_for,
    print_json,
    progress,
    records,
    replication_options,
    settings,
)


def add_parser(sub) -> None:
    r = sub.add_parser("robustness", help="the answer under named assumption sets "
                                          "(common random numbers)")
    r.add_argument("scenario", help="scenario YAML file")
    r.add_argument("--sets", help="comma-separated assumption sets (default: all in "
                                  "assumptions/ beside the scenario)")
    replication_options(r, "robustness-<scenario>")
    lang_option(r)
    r.set_defaults(func=cmd_robustness)


def run_robustness(args: argparse.Namespace):
    """The robustness run of ``args`` (scenario, sets, replications, seed, workers,
    quiet): shared by ``portsim robustness`` and ``portsim run --robustness``."""
    from portsim.robustness import assumption_sets, robustness

    sets = [s.strip() for s in args.sets.split(",") if s.strip()] if getattr(
        args, "sets", None) else None
    chosen = assumption_sets(args.scenario, sets)  # bad input first, before any run
    scenario = load_scenario_for(args, args.scenario)  # bad input first; its language:
    n = args.replications or scenario.run.replications
    with executor(args.workers, n * (len(chosen) + 1), args.scheduler) as pool, \
            progress(n * (len(chosen) + 1), "robustness", args.quiet) as bar:
        return robustness(args.scenario, [s.file or s.name for s in chosen],
                          replications=args.replications, seed=args.seed,
                          changes=settings(args) or None, executor=pool,
                          progress=bar.update)


def write_robustness(result, tmp: Path, text: str) -> None:
    """``robustness.csv`` (the table), ``robustness_kpis.csv`` (every KPI per set and
    replication) and ``robustness.txt`` (as printed)."""
    from portsim.robustness import robustness_table

    robustness_table(result).to_csv(tmp / "robustness.csv", index=False)
    result.comparison.kpis.to_csv(tmp / "robustness_kpis.csv", index=False)
    (tmp / "robustness.txt").write_text(text + "\n", encoding="utf-8")


def cmd_robustness(args: argparse.Namespace) -> int:
    from portsim import labels

    with labels.using(labels.language(args.lang)):
        return _robustness(args)


def _robustness(args: argparse.Namespace) -> int:
    from portsim.output import write_atomically
    from portsim.robustness import render_robustness, robustness_sentence, robustness_table

    result = run_robustness(args)
    text = render_robustness(result)
    if args.json:
        print_json({"scenario": result.comparison.base, "status": result.base_status,
                    "answer": robustness_sentence(result),
                    "sets": records(robustness_table(result))})
    else:
        print(text)
    out = Path(args.output or Path("out") / f"robustness-{Path(args.scenario).stem}")
    written = write_atomically(out, lambda tmp: write_robustness(result, tmp, text))
    if not args.quiet:
        print(f"\nwrote {len(written)} files to {out}/", file=sys.stderr)
    return 0
