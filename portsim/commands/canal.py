"""``portsim canal berths|effect|binds SCENARIO…``: the Pinglu Canal's planning questions.

* ``berths SCENARIO`` — the fewest transfer berths per transfer terminal and cargo whose
  waiting factor holds the cargo's limit, decided with the capacity search's CI rule
  (``-n`` replications first, more while the limit is inside the CI, up to
  ``--max-replications``), with the one-fewer's result;
* ``effect BASE SCENARIO`` — the sea-going ships' mean waits without (BASE) and with the
  canal (SCENARIO), paired by replication, difference ± 95 % CI;
* ``binds SCENARIO`` — every canal-related limit (lock hubs, transfer terminals,
  segments on the canal routes, pilots) as value / limit over ``-n`` replications, most
  stressed first.

Replications run in parallel (``-w``, ``--scheduler``); the answer does not depend on
the number of workers. ``--set PATH=VALUE`` changes the scenario after its ``extends``
chain is resolved (so an inherited ``canal:`` block can be changed; with ``effect`` it
applies to SCENARIO). Writes ``<question>.csv`` and ``answer.txt`` to ``-o`` (default
``out/canal-<scenario>/``); ``--json`` prints the table as JSON. Method:
:mod:`portsim.experiments.canal`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from portsim.cli import (
    count,
    execution_options,
    json_option,
    lang_option,
    print_json,
    records,
    scenario_options,
    settings,
)

QUESTIONS = {
    "berths": "transfer berths needed per cargo",
    "effect": "sea-going ships' waits without and with the canal (paired)",
    "binds": "canal limits, most stressed first",
}


def add_parser(sub) -> None:
    c = sub.add_parser("canal", help="the Pinglu Canal: transfer berths, effect, what binds",
                       description=__doc__.split("\n\n")[0])
    questions = c.add_subparsers(dest="question", required=True, metavar="QUESTION")
    for name, help_ in QUESTIONS.items():
        q = questions.add_parser(name, help=help_)
        if name == "effect":
            q.add_argument("base", help="scenario without the canal (e.g. plan-2025.yaml)")
        q.add_argument("scenario", help="scenario with a canal: block")
        q.add_argument("-n", "--replications", type=count(1, 1000), default=3,
                       help="replications (berths: the first batch, at least 2; default 3)")
        if name == "berths":
            q.add_argument("--max-replications", type=count(2, 1000), default=20,
                           help="most replications per berth count while the limit is "
                                "inside the CI (default 20)")
            q.add_argument("--max-berths", type=count(1, 500), default=30)
        q.add_argument("--horizon-days", type=float, default=None,
                       help="shorter or longer runs than the scenario's")
        q.add_argument("-o", "--output",
                       help="output directory (default out/canal-<scenario>)")
        q.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")
        execution_options(q)
        scenario_options(q)
        json_option(q)
        lang_option(q)
        q.set_defaults(func=cmd_canal)


def cmd_canal(args: argparse.Namespace) -> int:
    from portsim import labels

    with labels.using(labels.language(args.lang)):
        return _canal(args)


def _canal(args: argparse.Namespace) -> int:
    from portsim.experiments import canal
    from portsim.output import write_atomically

    changes = settings(args)
    t0 = time.perf_counter()
    n = args.replications
    opts = {"workers": args.workers, "scheduler": args.scheduler}
    name = Path(args.scenario).name
    try:
        if args.question == "berths":
            if n < 2:
                from portsim.errors import InputError

                raise InputError.single("--replications", str(n),
                                        "the berth search needs at least 2 replications")
            results = canal.search(args.scenario, n, args.horizon_days, args.max_berths,
                                   changes=changes, max_replications=args.max_replications,
                                   **opts)
            table = canal.berths_table(results)
            title = (f"Transfer berths needed — {name}: waiting factor mean ± 95 % CI vs the "
                     f"cargo's limit, paired replications (first {n}, more while the limit "
                     f"is inside the CI, at most {args.max_replications})")
            answer = "; ".join(
                f"{r['terminal']} ({r['cargo']}): {r['berths_needed']} berths, waiting factor "
                f"{r['waiting_factor']:.3f} ± {r['ci95']:.3f} vs {r['limit']:.2f} "
                f"({r['status']}, {r['replications']} replications)"
                + (f"; {r['one_fewer']} berths: {r['one_fewer_waiting_factor']:.3f} ± "
                   f"{r['one_fewer_ci95']:.3f} ({r['one_fewer_status']})"
                   if r["one_fewer"] is not None else "")
                for r in table.to_dict("records"))
        elif args.question == "effect":
            scenario = canal.canal_scenario(args.scenario, changes)
            table = canal.sea_going_effect(args.base, scenario, n, args.horizon_days, **opts)
            title = (f"Sea-going calls' mean waits (h), {Path(args.base).name} vs {name}, "
                     f"{n} paired replications")
            row = table.set_index("kpi").loc["wait_total_h"]
            answer = (f"the canal changes sea-going ships' mean wait by "
                      f"{row['difference']:+.2f} ± {row['ci95']:.2f} h per call "
                      f"({row['without']:.2f} → {row['with']:.2f} h)")
        else:
            scenario = canal.canal_scenario(args.scenario, changes)
            table = canal.what_binds(scenario, n, args.horizon_days, **opts)
            title = f"Canal limits of {name} ({n} replications), most stressed first"
            top = table.iloc[0]
            answer = (f"binds first: {top['component']} {top['id']} — {top['kpi']} "
                      f"{top['value']:.3f} vs limit {top['limit']:.2f} (stress "
                      f"{top['stress']:.2f})")
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    wall = time.perf_counter() - t0
    if args.json:
        print_json({"question": args.question, "scenario": args.scenario,
                    "replications": n, "answer": answer, "table": records(table),
                    "wall_s": wall})
    else:
        print(title)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        print(f"\nANSWER: {answer}")
    output = args.output or str(Path("out") / f"canal-{Path(args.scenario).stem}")

    def write(tmp: Path) -> None:
        table.to_csv(tmp / f"{args.question}.csv", index=False)
        (tmp / "answer.txt").write_text(f"{title}\n{answer}\n", encoding="utf-8")

    written = write_atomically(output, write)
    if not args.quiet:
        print(f"\n{len(written)} files written to {output}/ in {wall:.0f} s",
              file=sys.stderr)
    return 0
