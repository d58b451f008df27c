"""``portsim preview SCENARIO``: the analytic estimate per terminal, before simulating.

Berth occupancy from demand and handling rates, the waiting factor of the M/E2/c and
E2/E2/c queues (exact, any number of berths) and the JTS 165 design-code capacity, with
a one-line preview verdict. Runs in about a second; see :mod:`portsim.preview`.
"""

from __future__ import annotations

import argparse
import sys

from portsim.cli import (
    fmt_table,
    json_option,
    lang_option,
    load_scenario_for,
    print_json,
    records,
    scenario_options,
)


def add_parser(sub) -> None:
    p = sub.add_parser("preview", help="analytic estimate per terminal (no simulation)")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--operating-days", type=float, default=None,
                   help="berth operating days Ty of the design-code capacity (default 350, "
                        "the port file's basis; closures left to the simulation; JTS 165 "
                        "examples use 333–350)")
    p.add_argument("--calls", action="store_true",
                   help="also print the expected calls per flow, ship class and terminal")
    p.add_argument("--csv", metavar="FILE", help="write the terminal table to FILE")
    scenario_options(p)
    json_option(p)
    lang_option(p)
    p.set_defaults(func=cmd_preview)


def cmd_preview(args: argparse.Namespace) -> int:
    from portsim import labels

    with labels.using(labels.language(args.lang)):
        return _preview(args)


def preview_json(pv) -> dict:
    """What ``portsim preview --json`` prints: the preview's answer and status, its
    per-terminal KPIs, and the JTS 165 capacity of the call mix (with its basis) beside
    the port file's declared capacity."""
    from portsim.preview import preview_status

    sc, t = pv.scenario, pv.terminals

    def total(col: str) -> float:
        return float(t[col].sum()) if col in t else 0.0

    return {
        "scenario": sc.name, "file": sc.file, "year": sc.year,
        "demand_scale": sc.demand_scale, "status": preview_status(t), "answer": pv.verdict,
        "jts165": {"teu_capacity": total("teu_capacity_jts"),
                   "teu_declared": total("teu_capacity_declared"),
                   "tonnes_capacity": total("tonnes_capacity_jts"),
                   "tonnes_declared": total("tonnes_capacity_declared"),
                   "teu_demand": total("teu_demand"), "tonnes_demand": total("tonnes_demand"),
                   "operating_days": pv.basis.operating_days,
                   "rho_container": pv.basis.rho("container"), "basis": pv.basis.name},
        "terminals": records(t),
    }


def _preview(args: argparse.Namespace) -> int:
    from portsim import labels
    from portsim.output import check_output_file, write_file_atomically
    from portsim.preview import OPERATING_DAYS, preview, render_preview

    scenario = load_scenario_for(args, args.scenario)
    csv = check_output_file(args.csv, "--csv") if args.csv else None
    days = OPERATING_DAYS if args.operating_days is None else args.operating_days
    if not 0 < days <= 366:
        print("error: --operating-days must be in (0, 366]", file=sys.stderr)
        return 2
    pv = preview(scenario, operating_days=days)
    if args.json:
        print_json(preview_json(pv))
        if csv is not None:
            write_file_atomically(csv, lambda tmp: pv.terminals.to_csv(tmp, index=False))
        return 0
    print(render_preview(pv))
    if args.calls:
        print("\n" + labels.t("Expected calls per flow, ship class and terminal"))
        print(fmt_table(pv.calls, {
            "flow": ("flow", ""), "ship_class": ("class", ""), "terminal": ("terminal", ""),
            "calls_per_year": ("calls/yr", ",.1f"), "volume": ("per call", ",.0f"),
            "unit": ("unit", ""), "cranes": ("cranes", ".1f"), "handling_h": ("handling h", ".1f"),
            "berth_h": ("berth h", ".1f"), "hold_h": ("service h", ".1f"),
            "arrival_scv": ("ca²", ".2f")}))
    if csv is not None:
        write_file_atomically(csv, lambda tmp: pv.terminals.to_csv(tmp, index=False))
    return 0
