"""``portsim canal berths|effect|binds SCENARIO…``: the Pinglu Canal's planning questions.

* ``berths SCENARIO`` — the fewest transfer berths per transfer terminal and cargo whose
  waiting factor holds the cargo's limit, decided with the capacity search's CI rule
  (``-n`` replications first, more while the limit is inside the CI, up to
  ``--max-replications``), with the one-fewer's result;
* ``effect BASE SCENARIO`` — the sea-going ships' mean waits without (BASE) and with the
  canal (SCENARIO), paired by replication, difference ± 95 % CI;
* ``binds SCENARIO`` — every canal-related limit (lock hubs, transfer terminals, the
  transfer yards and stockpiles, segments on the canal routes, pilots) as value / limit
  over ``-n`` replications, most stressed first.

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
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:  # pandas is imported where a table is printed: --help stays fast
    import pandas as pd

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


#: How each question's title, answer and the line about the files written are said: the
#: glossary's English keys (:func:`portsim.labels.t` says them in the run's language).
BERTHS_TITLE = ("Transfer berths needed — {name}: waiting factor mean ± 95 % CI vs the "
                "cargo's limit, paired replications (first {n}, more while the limit is "
                "inside the CI, at most {most})")
BERTHS_GROUP = ("{terminal} ({cargo}): {berths} berths, waiting factor {wf:.3f} ± {ci:.3f} "
                "vs {limit:.2f} ({status}, {n} replications)")
BERTHS_ONE_FEWER = "{berths} berths: {wf:.3f} ± {ci:.3f} ({status})"
EFFECT_TITLE = "Sea-going calls' mean waits (h), {base} vs {name}, {n} paired replications"
EFFECT_ANSWER = ("the canal changes sea-going ships' mean wait by {diff:+.2f} ± {ci:.2f} h "
                 "per call ({before:.2f} → {after:.2f} h)")
BINDS_TITLE = "Canal limits of {name} ({n} replications), most stressed first"
BINDS_ANSWER = ("binds first: {what} — {kpi} {value:.3f} vs limit {limit:.2f} "
                "(stress {stress:.2f})")
WRITTEN = "{count} files written to {output}/ in {wall:.0f} s"
#: The sea-going waits of ``effect`` (its ``kpi`` column) in words, for the Chinese table.
EFFECT_KPIS = {"wait_total_h": "mean wait, all causes",
               "wait_berth_h": "mean wait for a berth",
               "wait_channel_h": "mean wait for the channel",
               "wait_pilot_h": "mean wait for a pilot",
               "container_wait_total_h": "container ships' mean wait, all causes"}


def component_named(component: str, id_: str) -> str:
    """A limit's component and id as one name (in the language): ``lock hub MADAO``; a
    component that is its own id (the pilots' pool, id ``pilots``) is named once."""
    from portsim import labels

    what = labels.word(component)
    return what if id_ == component else f"{what} {id_}"


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """The table as printed in the run's language: in Chinese the headers and the words
    in it (cargo, status, component, KPI, the pilots' id) from the glossary; ids and
    numbers as they are. English: the table itself (its headers are the CSV's)."""
    from portsim import labels

    if labels.current() == "en":
        return table
    out = table.copy()
    for c in ("cargo", "status", "one_fewer_status", "component", "id"):
        if c in out:
            out[c] = [labels.word(v) if isinstance(v, str) else v for v in out[c]]
    if "kpi" in out:
        out["kpi"] = [labels.word(EFFECT_KPIS.get(v, v)) if isinstance(v, str) else v
                      for v in out["kpi"]]
    out.columns = [labels.label(c) if labels.term(c) else labels.word(c) for c in out.columns]
    return out


def _canal(args: argparse.Namespace) -> int:
    from portsim import labels
    from portsim.experiments import canal
    from portsim.output import write_atomically

    changes = settings(args)
    t0 = time.perf_counter()
    n = args.replications
    opts = {"workers": args.workers, "scheduler": args.scheduler}
    name = Path(args.scenario).name
    zh = labels.current() == "zh"
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
            title = labels.t(BERTHS_TITLE, name=name, n=n, most=args.max_replications)
            parts = []
            for r in table.to_dict("records"):
                parts.append(labels.t(
                    BERTHS_GROUP, terminal=r["terminal"], cargo=labels.word(r["cargo"]),
                    berths=r["berths_needed"], wf=r["waiting_factor"], ci=r["ci95"],
                    limit=r["limit"], status=labels.word(r["status"]), n=r["replications"]))
                if r["one_fewer"] is not None:
                    parts.append(labels.t(
                        BERTHS_ONE_FEWER, berths=r["one_fewer"],
                        wf=r["one_fewer_waiting_factor"], ci=r["one_fewer_ci95"],
                        status=labels.word(r["one_fewer_status"])))
            answer = ("；" if zh else "; ").join(parts)
        elif args.question == "effect":
            scenario = canal.canal_scenario(args.scenario, changes)
            table = canal.sea_going_effect(args.base, scenario, n, args.horizon_days, **opts)
            title = labels.t(EFFECT_TITLE, base=Path(args.base).name, name=name, n=n)
            row = table.set_index("kpi").loc["wait_total_h"]
            answer = labels.t(EFFECT_ANSWER, diff=row["difference"], ci=row["ci95"],
                              before=row["without"], after=row["with"])
        else:
            scenario = canal.canal_scenario(args.scenario, changes)
            table = canal.what_binds(scenario, n, args.horizon_days, **opts)
            title = labels.t(BINDS_TITLE, name=name, n=n)
            top = table.iloc[0]
            answer = labels.t(BINDS_ANSWER, what=component_named(top["component"], top["id"]),
                              kpi=labels.word(top["kpi"]), value=top["value"],
                              limit=top["limit"], stress=top["stress"])
    except KeyboardInterrupt:
        print("\n" + labels.t("interrupted"), file=sys.stderr)
        return 130
    wall = time.perf_counter() - t0
    if args.json:
        print_json({"question": args.question, "scenario": args.scenario,
                    "replications": n, "answer": answer, "table": records(table),
                    "wall_s": wall})
    else:
        import pandas as pd

        print(title)
        with pd.option_context("display.unicode.east_asian_width", zh):
            print(shown(table).to_string(
                index=False, float_format=lambda x: f"{x:.3f}"))
        print("\n" + (f"{labels.t('Answer')}：" if zh else "ANSWER: ") + answer)
    output = args.output or str(Path("out") / f"canal-{Path(args.scenario).stem}")

    def write(tmp: Path) -> None:
        table.to_csv(tmp / f"{args.question}.csv", index=False)
        (tmp / "answer.txt").write_text(f"{title}\n{answer}\n", encoding="utf-8")

    written = write_atomically(output, write)
    if not args.quiet:
        print("\n" + labels.t(WRITTEN, count=len(written), output=output, wall=wall),
              file=sys.stderr)
    return 0
