"""``portsim info PORTFILE``: inventory totals per operation area."""

from __future__ import annotations

import argparse

from portsim.cli import fmt_table


def add_parser(sub) -> None:
    i = sub.add_parser("info", help="inventory of a port file")
    i.add_argument("portfile")
    i.add_argument("--year", type=int, help="only berths in service that year")
    i.set_defaults(func=cmd_info)


def cmd_info(args: argparse.Namespace) -> int:
    from portsim.config import load_port
    from portsim.inventory import TONNES_PER_TEU, inventory, provenance

    port = load_port(args.portfile)
    inv = inventory(port, args.year)
    print(f"{port.name}" + (f" — berths in service in {args.year}" if args.year else ""))
    print(fmt_table(inv, {
        "area": ("area", ""), "berths": ("berths", ".0f"),
        "container_berths": ("container berths", ".0f"), "quay_m": ("quay m", ",.0f"),
        "teu_per_year": ("TEU/yr", ",.0f"), "mt_per_year": ("non-container Mt/yr", ".1f"),
        "overall_mt_per_year": ("overall Mt/yr", ".1f")}))
    print(f"(overall Mt/yr counts container capacity at {TONNES_PER_TEU:g} t/TEU — assumption)")
    print("\nWhere the numbers come from:")
    print(provenance(port).to_string(index=False))
    return 0


