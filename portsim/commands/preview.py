"""``portsim preview SCENARIO``: the analytic estimate per terminal, before simulating.

Berth occupancy from demand and handling rates, the waiting factor of the M/E2/c and
E2/E2/c queues (exact, any number of berths) and the JTS 165 design-code capacity, with
a one-line preview verdict. Runs in about a second; see :mod:`portsim.preview`.
"""

from __future__ import annotations

import argparse
import sys

from portsim.cli import fmt_table, load_scenario_for, scenario_options


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
    p.set_defaults(func=cmd_preview)


def cmd_preview(args: argparse.Namespace) -> int:
    from portsim.output import check_output_file, write_file_atomically
    from portsim.preview import OPERATING_DAYS, preview, render_preview

    scenario = load_scenario_for(args, args.scenario)
    csv = check_output_file(args.csv, "--csv") if args.csv else None
    days = OPERATING_DAYS if args.operating_days is None else args.operating_days
    if not 0 < days <= 366:
        print("error: --operating-days must be in (0, 366]", file=sys.stderr)
        return 2
    pv = preview(scenario, operating_days=days)
    print(render_preview(pv))
    if args.calls:
        print("\nExpected calls per flow, ship class and terminal")
        print(fmt_table(pv.calls, {
            "flow": ("flow", ""), "ship_class": ("class", ""), "terminal": ("terminal", ""),
            "calls_per_year": ("calls/yr", ",.1f"), "volume": ("per call", ",.0f"),
            "unit": ("unit", ""), "cranes": ("cranes", ".1f"), "handling_h": ("handling h", ".1f"),
            "berth_h": ("berth h", ".1f"), "hold_h": ("service h", ".1f"),
            "arrival_scv": ("ca²", ".2f")}))
    if csv is not None:
        write_file_atomically(csv, lambda tmp: pv.terminals.to_csv(tmp, index=False))
    return 0
