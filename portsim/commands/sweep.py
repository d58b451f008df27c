"""``portsim sweep SPEC``: a grid of scenario parameters × replications, resumable.

Runs every point of the spec (see :mod:`portsim.experiments.spec`) on local processes
(all cores by default) or on a Dask cluster (``--scheduler tcp://HOST:PORT``), writes a
Parquet dataset to ``out/sweeps/<name>/`` (or ``-o DIR``) and prints, per point, the
mean and 95 % CI of the main KPIs and the most stressed terminal. A rerun skips the
runs already done, so an interrupted sweep resumes. Exit status: 0 when every run of
the spec succeeded (or was left for later by ``--limit``), 1 when some failed (they are
listed), 2 for an invalid spec or scenario, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys

from portsim.cli import MAX_WORKERS, count, fmt_table


def add_parser(sub) -> None:
    s = sub.add_parser("sweep", help="run a parameter sweep (resumable, parallel)")
    s.add_argument("spec", help="sweep spec YAML file")
    s.add_argument("-o", "--output", help="sweep directory (default out/sweeps/<name>)")
    s.add_argument("-w", "--workers", type=count(1, MAX_WORKERS),
                   help="local worker processes (default: all cores)")
    s.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask distributed scheduler instead of local processes")
    s.add_argument("--limit", type=count(1), help="do at most this many runs now (rerun for more)")
    s.add_argument("--retry-failed", action="store_true",
                   help="run again the runs recorded as failed")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes")
    s.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from portsim.experiments.sweep import run_sweep

    try:
        res = run_sweep(args.spec, args.output, workers=args.workers,
                        scheduler=args.scheduler, progress=not args.quiet, limit=args.limit,
                        retry_failed=args.retry_failed)
    except KeyboardInterrupt:
        print("\ninterrupted: finished runs are saved; rerun the same command to resume",
              file=sys.stderr)
        return 130
    print(render_sweep(res))
    summary = res.summary()
    summary.to_csv(res.path / "summary.csv", index=False)
    if not args.quiet:
        print(f"\ndataset: {res.path}/ (runs, terminals, flows, failed; summary.csv)",
              file=sys.stderr)
    if not res.failures.empty or not res.lost.empty:
        n = len(res.failures) + len(res.lost)
        print(f"\nerror: {n} run(s) of {len(res.plan.runs)} failed:", file=sys.stderr)
        print("  " + res.failure_report().replace("\n", "\n  "), file=sys.stderr)
        if not res.failures.empty:
            print("  (failures are recorded; --retry-failed runs them again)", file=sys.stderr)
        return 1
    return 0


def render_sweep(res) -> str:
    """The header and the per-point table printed by ``portsim sweep``."""
    plan = res.plan
    summary = res.summary()
    params = list(plan.param_columns)
    cols: dict[str, tuple[str, str]] = {"point": ("point", "d")}
    if summary["scenario"].nunique() > 1:
        cols["scenario"] = ("scenario", "")
    for p in params:
        if summary[p].nunique(dropna=False) > 1 or len(summary) == 1:
            cols[p] = (p, "g")
    cols |= {"runs": ("runs", "d"), "failed": ("failed", "d"),
             "teu_delivered": ("TEU/yr", ",.0f"), "teu_delivered_ci95": ("±", ",.0f"),
             "container_waiting_factor": ("box WF", ".3f"),
             "container_waiting_factor_ci95": ("±", ".3f"),
             "container_mean_wait_h": ("box wait h", ".1f"),
             "container_mean_wait_h_ci95": ("±", ".1f"),
             "bottleneck": ("most stressed", ""), "stress": ("stress", ".2f")}
    missing = res.missing
    head = (f"sweep {plan.name}: {len(plan.points)} point(s), {len(plan.runs)} run(s) — "
            f"{res.computed} computed now, {res.skipped} already done, "
            f"{len(res.failures)} failed" + (f", {missing} not run yet" if missing else "")
            + f" ({res.wall_s:.1f} s)")
    return head + "\n\n" + fmt_table(summary, cols)
