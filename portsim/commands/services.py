"""``portsim services SCENARIO [-o FILE]``: the container liner services of a scenario.

Prints, per terminal, the services, calls a week, TEU a year, berth-window hours a week
and the share of the terminal's quay-week (quay metres × 168 h) the windows book, then
the service list, the rounding of liner calls to whole services and any service the
packer moved. ``-o FILE`` writes the list as YAML to paste under the flow's
``services:`` (pinned: the same call plan, and a planner may edit it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from portsim.cli import (
    fmt_table,
    json_option,
    lang_option,
    load_scenario_for,
    print_json,
    records,
    scenario_options,
)

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add_parser(sub) -> None:
    p = sub.add_parser("services", help="the liner services and berth windows per terminal")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the services as YAML to pin under the flow's services:")
    scenario_options(p)
    json_option(p)
    lang_option(p)
    p.set_defaults(func=cmd_services)


def service_tables(scenario, plans):
    """(one row per service, one row per terminal) for the resolved services."""
    import pandas as pd

    from portsim.config.fit import quay_lines
    from portsim.services import WEEKS_PER_YEAR

    port, rules = scenario.port, scenario.rules
    rows = []
    for plan in plans.values():
        for s in plan.services:
            ship = port.ship_class(s.ship_class)
            rows.append({
                "flow": plan.flow, "id": s.id, "trade": s.trade, "ship_class": s.ship_class,
                "terminal": s.terminal, "quay_line": s.quay_line, "start_m": s.start_m,
                "day": DAY_NAMES[s.day], "hour": s.hour, "length_h": s.length_h,
                "calls_per_week": s.calls_per_week,
                "teu_per_year": s.calls_per_week * WEEKS_PER_YEAR * s.call_size.expected,
                "window_h_per_week": s.length_h * s.calls_per_week,
                "metre_hours": s.length_h * s.calls_per_week
                * (ship.loa_m + rules.berth_clearance_m),
            })
    services = pd.DataFrame(rows)
    quay = {}
    for q in quay_lines(port.berths):
        if any("container" in b.cargo for b in q.berths):
            quay[q.terminal] = quay.get(q.terminal, 0.0) + q.length_m
    terms = (services.groupby("terminal", sort=False)
             .agg(services=("id", "size"), calls_per_week=("calls_per_week", "sum"),
                  teu_per_year=("teu_per_year", "sum"),
                  window_h_per_week=("window_h_per_week", "sum"),
                  metre_hours=("metre_hours", "sum"))
             .reset_index())
    terms["quay_m"] = terms["terminal"].map(quay)
    terms["quay_week_share"] = terms["metre_hours"] / (terms["quay_m"] * 168.0)
    return services, terms


def cmd_services(args: argparse.Namespace) -> int:
    from portsim import labels

    with labels.using(labels.language(args.lang)):
        return _services(args)


def _services(args: argparse.Namespace) -> int:
    import pandas as pd

    from portsim.errors import InputError
    from portsim.labels import t
    from portsim.services import resolve_services

    scenario = load_scenario_for(args, args.scenario)
    plans = resolve_services(scenario)
    if not plans:
        raise InputError.single(args.scenario, "demand",
                                "no container flow has services (a list, or {generate: …})")
    services, terms = service_tables(scenario, plans)
    if args.json:  # the tables as printed, as one document (-o still writes the YAML)
        print_json({"scenario": scenario.name, "liner_calls": scenario.rules.liner_calls,
                    "terminals": records(terms), "services": records(services)})
        if args.output:
            _write_pinned(args.output, plans, scenario)
        return 0
    print(t("Liner services of {name} (rules.liner_calls: {mode})", name=scenario.name,
            mode=scenario.rules.liner_calls) + "\n")
    print(fmt_table(terms, {
        "terminal": ("terminal", ""), "services": ("services", "d"),
        "calls_per_week": ("calls/week", ".1f"), "teu_per_year": ("TEU/yr", ",.0f"),
        "window_h_per_week": ("window h/week", ",.0f"), "quay_m": ("quay m", ",.0f"),
        "quay_week_share": ("quay-week share", ".0%")}))
    print("\n" + t("{n} services, {calls:.1f} calls a week, {teu:,.0f} TEU a year in service "
                   "calls", n=len(services), calls=services["calls_per_week"].sum(),
                   teu=services["teu_per_year"].sum()) + "\n")
    print(fmt_table(services, {
        "id": ("service", ""), "trade": ("trade", ""), "ship_class": ("class", ""),
        "terminal": ("terminal", ""), "quay_line": ("quay line", ""),
        "start_m": ("from m", ",.0f"), "day": ("weekday", ""), "hour": ("hour", "02.0f"),
        "length_h": ("window h", ".0f"), "calls_per_week": ("calls/week", ".1f"),
        "teu_per_year": ("TEU/yr", ",.0f")}))
    for plan in plans.values():
        if plan.rounding:
            print("\n" + t("Rounding liner calls to whole services ({flow}; the difference "
                           "is made up by tramp calls where the class has any):",
                           flow=plan.flow))
            print(fmt_table(pd.DataFrame(plan.rounding), {
                "ship_class": ("class", ""), "liner_calls_wanted": ("liner calls/yr", ",.1f"),
                "services": ("services", "d"), "service_calls": ("service calls/yr", ",.1f"),
                "teu_moved_to_tramp": ("TEU/yr to tramp", ",.0f")}))
        for note in plan.moves:
            print(t("moved: {note}", note=note))
    if args.output:
        _write_pinned(args.output, plans, scenario)
        print(f"\nwrote {args.output}")
    return 0


def _write_pinned(output: str, plans, scenario) -> None:
    """The services as YAML to paste under the flow's ``services:``."""
    import yaml

    from portsim.services import pinned_yaml

    lists = {f: pinned_yaml(p, scenario) for f, p in plans.items()}
    body = next(iter(lists.values())) if len(lists) == 1 else lists
    head = (f"# Liner services of {scenario.name}, written by `portsim services`.\n"
            "# Paste under the container flow's `services:` to pin them (replace the\n"
            "# `generate:` block; keep `allocation:` for the tramp calls).\n")
    Path(output).write_text(
        head + yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8")
