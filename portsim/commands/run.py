"""``portsim run SCENARIO``: simulate, print the verdict, write tables and plots."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portsim.cli import executor, fmt_table, progress


def add_parser(sub) -> None:
    r = sub.add_parser("run", help="simulate a scenario and print the verdict")
    r.add_argument("scenario", help="scenario YAML file")
    r.add_argument("-o", "--output", help="output directory (default out/<scenario>)")
    r.add_argument("-n", "--replications", type=int, help="override run.replications")
    r.add_argument("--seed", type=int, help="override run.seed")
    r.add_argument("-w", "--workers", type=int, help="parallel processes (default: cores)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    r.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from portsim import plots
    from portsim.config import load_scenario
    from portsim.output import write_atomically
    from portsim.simulate import replicate
    from portsim.verdict import judge

    changes = {}
    if args.replications:
        changes["run.replications"] = args.replications
    if args.seed is not None:
        changes["run.seed"] = args.seed
    scenario = load_scenario(args.scenario, changes)
    n = scenario.run.replications
    with executor(args.workers, n) as pool, progress(n, scenario.name, args.quiet) as bar:
        reps = replicate(scenario, executor=pool, progress=bar.update)
    verdict = judge(reps)
    text = render_run(reps, verdict)
    print(text)
    out = Path(args.output or Path("out") / Path(args.scenario).stem)

    def write(tmp: Path) -> None:
        (tmp / "verdict.txt").write_text(text + "\n", encoding="utf-8")
        reps.calls.to_parquet(tmp / "calls.parquet", index=False)
        verdict.terminals.to_csv(tmp / "terminals.csv", index=False)
        verdict.flows.to_csv(tmp / "flows.csv", index=False)
        reps.berths.to_csv(tmp / "berths.csv", index=False)
        reps.area_kpis().to_csv(tmp / "areas.csv", index=False)
        reps.port_kpis().to_csv(tmp / "port_kpis.csv")
        first = reps.runs[0]
        plots.save(plots.occupancy_by_terminal(verdict.terminals,
                                               f"{scenario.name}: berth occupancy"),
                   tmp / "occupancy.png")
        plots.save(plots.waits_by_terminal(verdict.terminals, f"{scenario.name}: waiting"),
                   tmp / "waits.png")
        plots.save(plots.anchorage_queue(first, f"{scenario.name}: anchorage queue"),
                   tmp / "anchorage_queue.png")
        plots.save(plots.demand_vs_delivered(verdict.flows, f"{scenario.name}: throughput"),
                   tmp / "throughput.png")
        top_area = str(verdict.terminals.iloc[0]["area"])
        plots.save(plots.berth_gantt(first, top_area), tmp / "berth_gantt.png")

    written = write_atomically(out, write)
    if not args.quiet:
        print(f"\nwrote {len(written)} files to {out}/", file=sys.stderr)
    return 0


def render_run(reps, verdict) -> str:
    """The verdict and its tables, as printed by ``portsim run``."""
    sc = reps.scenario
    lines = [
        f"portsim — {sc.name}" + (f": {sc.description.strip()}" if sc.description else ""),
        f"{len(sc.port.berths)} berths in service"
        + (f" ({sc.year})" if sc.year else "")
        + f"; {len(reps.runs)} replications of {sc.run.horizon_days:g} days after "
          f"{sc.run.warmup_days:g} days warm-up; seed {sc.run.seed}",
        "",
        "Demand vs delivered (per year, mean ± 95 % CI)",
        fmt_table(verdict.flows.assign(
            demand=verdict.flows["demand_per_year"], got=verdict.flows["delivered_per_year"]),
            {"flow": ("flow", ""), "unit": ("unit", ""), "demand": ("demand", ",.0f"),
             "got": ("delivered", ",.0f"), "delivered_per_year_ci95": ("±", ",.0f"),
             "delivered_share": ("share", ".1%"), "mean_wait_h": ("mean wait h", ".1f"),
             "waiting_at_end": ("waiting at end", ".1f")}),
        "",
        "Terminals, most stressed first (occupancy vs planning band; waiting factor vs limit)",
        fmt_table(verdict.terminals, {
            "terminal": ("terminal", ""), "area": ("area", ""), "berths": ("berths", ".0f"),
            "calls": ("calls", ",.0f"), "occupancy": ("occupancy", ".1%"),
            "occupancy_ci95": ("±", ".1%"), "band_top": ("limit", ".0%"),
            "waiting_factor": ("WF", ".3f"), "waiting_factor_ci95": ("±", ".3f"),
            "wf_limit": ("WF limit", ".2f"), "mean_wait_h": ("mean wait h", ".1f"),
            "p95_wait_h": ("p95 wait h", ".1f"), "judgement": ("judgement", "")}),
        "",
        "ANSWER: " + verdict.answer,
    ]
    return "\n".join(lines)


