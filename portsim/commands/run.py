"""``portsim run SCENARIO``: simulate, print the verdict, write tables and plots."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from portsim.cli import (
    executor,
    fmt_table,
    lang_option,
    load_scenario_for,
    print_json,
    progress,
    records,
    replication_options,
)
from portsim.labels import t as tr


def add_parser(sub) -> None:
    r = sub.add_parser(
        "run", help="simulate a scenario and print the verdict",
        description="Simulate the scenario's replications, print the verdict (demand vs "
                    "delivered, terminals against their planning limits, landside, the "
                    "answer) and write tables, plots and optionally report.html.",
        epilog="examples:\n  portsim run scenarios/plan-2025.yaml --report\n"
               "  portsim run scenarios/plan-2025.yaml -n 2 --set demand_scale=1.1 --json\n"
               "  portsim run scenarios/plan-2025.yaml --set rules.quay_cranes=fixed "
               "-o out/fixed-cranes",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("scenario", help="scenario YAML file")
    replication_options(r, "<scenario>")
    r.add_argument("--report", action="store_true",
                   help="also write report.html: verdict, tables and plots in one page")
    r.add_argument("--robustness", action="store_true",
                   help="also run every assumption set (assumptions/ beside the scenario) "
                        "on the same seeds: robustness table and sentence, robustness.csv")
    lang_option(r)
    r.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from portsim import labels

    with labels.using(labels.language(getattr(args, "lang", None))):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from portsim.output import OutputFolder

    changes = {}
    if args.replications:
        changes["run.replications"] = args.replications
    if args.seed is not None:
        changes["run.seed"] = args.seed
    scenario = load_scenario_for(args, args.scenario, changes)
    out = Path(args.output or Path("out") / Path(args.scenario).stem)
    folder = OutputFolder(out)
    folder.prepare()  # -o is checked (and its temporary folder made) before simulating
    try:
        return _run_and_write(args, scenario, folder)
    finally:
        folder.discard()


def _run_and_write(args: argparse.Namespace, scenario, folder) -> int:
    from portsim import plots
    from portsim.simulate import replicate
    from portsim.verdict import judge

    n = scenario.run.replications
    with executor(args.workers, n, args.scheduler) as pool, \
            progress(n, scenario.name, args.quiet) as bar:
        reps = replicate(scenario, executor=pool, progress=bar.update)
    verdict = judge(reps)
    text = render_run(reps, verdict)
    robust = None
    if args.robustness:  # portsim.robustness: its table and sentence follow the answer
        from portsim.commands.robustness import run_robustness
        from portsim.robustness import render_robustness

        robust = run_robustness(args)
        text += "\n\n" + render_robustness(robust)
    if args.json:
        print_json(run_json(reps, verdict, robust))
    else:
        print(text)
    out = folder.path

    def write(tmp: Path) -> None:
        (tmp / "verdict.txt").write_text(
            text + "\n\n" + one_line_answer(verdict, scenario.name) + "\n", encoding="utf-8")
        reps.calls.to_parquet(tmp / "calls.parquet", index=False)
        verdict.terminals.to_csv(tmp / "terminals.csv", index=False)
        verdict.flows.to_csv(tmp / "flows.csv", index=False)
        reps.berths.to_csv(tmp / "berths.csv", index=False)
        reps.area_kpis().to_csv(tmp / "areas.csv", index=False)
        reps.port_kpis().to_csv(tmp / "port_kpis.csv")
        first = reps.runs[0]
        plots.save(plots.occupancy_by_terminal(verdict.terminals,
                                               f"{scenario.name}: " + tr("berth occupancy")),
                   tmp / "occupancy.png")
        plots.save(plots.occupancy_by_berth(reps.berths, scenario.rules,
                                            f"{scenario.name}: " + tr("occupancy per berth")),
                   tmp / "occupancy_berths.png")
        plots.save(plots.waits_by_terminal(verdict.terminals,
                                           f"{scenario.name}: " + tr("waiting for a berth")),
                   tmp / "waits.png")
        plots.save(plots.anchorage_queue(first, f"{scenario.name}: " + tr("anchorage queue")),
                   tmp / "anchorage_queue.png")
        plots.save(plots.demand_vs_delivered(verdict.flows,
                                             f"{scenario.name}: " + tr("throughput")),
                   tmp / "throughput.png")
        top_area = (str(verdict.terminals.iloc[0]["area"]) if len(verdict.terminals)
                    else scenario.port.terminals[0].area)  # no call: the port's first area
        plots.save(plots.berth_gantt(first, top_area), tmp / "berth_gantt.png")
        write_landside(reps, verdict, tmp)
        if robust is not None:
            from portsim.commands.robustness import write_robustness

            write_robustness(robust, tmp, text)
        if args.report:
            from portsim import report

            report.write(tmp / "report.html", report.run_report(
                reps, verdict, text_output=text, robustness=robust))

    written = folder.write(write, run_manifest(scenario, args.scenario, "run"))
    if not args.quiet:
        print(f"\nwrote {len(written)} files to {out}/", file=sys.stderr)
    return 0


def run_json(reps, verdict, robust=None) -> dict:
    """What ``portsim run --json`` prints: the answer (the whole line, in English, and its
    parts in the language of the run), its status, and the KPIs (mean and 95 % CI
    half-width over replications) of the port, flows, terminals and landside."""
    from portsim.verdict import answer_parts

    sc = reps.scenario
    port = reps.port_kpis()
    doc = {
        "scenario": sc.name, "file": sc.file, "year": sc.year, "seed": sc.run.seed,
        "replications": len(reps.runs), "horizon_days": sc.run.horizon_days,
        "warmup_days": sc.run.warmup_days, "demand_scale": sc.demand_scale,
        "status": verdict.status, "answer": verdict.answer,
        "answer_parts": answer_parts(verdict, sc.name),  # in the language of the run
        "bottleneck": verdict.bottleneck, "saturated": list(verdict.saturated),
        "port": {k: {"mean": row["mean"], "ci95": row["ci95"]} for k, row in port.iterrows()},
        "flows": records(verdict.flows), "terminals": records(verdict.terminals),
        "landside": records(verdict.landside),
    }
    if robust is not None:
        from portsim.robustness import robustness_sentence, robustness_table

        doc["robustness"] = {"sentence": robustness_sentence(robust),
                             "sets": records(robustness_table(robust))}
    return doc


def run_manifest(scenario, scenario_file: str, command: str) -> dict:
    """What ``manifest.json`` says about a run (besides portsim's version and the time)."""
    return {"command": command, "scenario": scenario.name,
            "scenario_file": str(Path(scenario_file).resolve()),
            "port_file": scenario.port_file, "seed": scenario.run.seed,
            "replications": scenario.run.replications,
            "horizon_days": scenario.run.horizon_days, "warmup_days": scenario.run.warmup_days}


def in_language(columns: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Terminal-table headers: as given in English (short), the registry's labels
    (:mod:`portsim.labels`) in Chinese."""
    from portsim import labels

    if labels.current() == "en":
        return columns
    named = {"demand": "demand_per_year", "got": "delivered_per_year", "band_top": "band_top"}
    return {c: ((labels.header(named.get(c, c)) if labels.term(named.get(c, c)) else h), f)
            for c, (h, f) in columns.items()}


def render_run(reps, verdict) -> str:
    """The verdict and its tables, as printed by ``portsim run`` (in the language of
    :func:`portsim.labels.current`: table headers and the answer)."""
    from portsim import labels
    from portsim.preview import run_section
    from portsim.report import transfer_named

    sc = reps.scenario
    about = labels.scenario_description(sc)
    lines = [
        f"portsim — {sc.name}" + (f": {about}" if about else ""),
        labels.t("{n} berths in service", n=len(sc.port.berths))
        + (f" ({sc.year})" if sc.year else "") + ("；" if labels.current() == "zh" else "; ")
        + labels.t("{n} replication(s) of {days:g} days after {warm:g} days warm-up, seed "
                   "{seed}", n=len(reps.runs), days=sc.run.horizon_days,
                   warm=sc.run.warmup_days, seed=sc.run.seed),
        "",
        labels.t("Demand vs delivered (per year, mean ± 95 % CI)"),
        fmt_table(verdict.flows.assign(
            demand=verdict.flows["demand_per_year"], got=verdict.flows["delivered_per_year"]),
            in_language({"flow": ("flow", ""), "unit": ("unit", ""), "demand": ("demand", ",.0f"),
             "got": ("delivered", ",.0f"), "delivered_per_year_ci95": ("±", ",.0f"),
             "delivered_share": ("share", ".1%"), "mean_wait_h": ("mean wait h", ".1f"),
             "waiting_at_end": ("waiting at end", ".1f")})),
        "",
        labels.t("Terminals, most stressed first (berth utilisation, JTS 165 berth-time "
                 "basis, vs planning band; waiting factor vs limit; quay-metre occupancy "
                 "beside)"),
        fmt_table(transfer_named(verdict.terminals, sc), in_language({
            "terminal": ("terminal", ""), "area": ("area", ""), "berths": ("berths", ".0f"),
            "calls": ("calls", ",.0f"), "berth_utilisation": ("berth util.", ".1%"),
            "berth_utilisation_ci95": ("±", ".1%"), "band_top": ("limit", ".0%"),
            "occupancy": ("quay occ.", ".1%"),
            "waiting_factor": ("WF", ".3f"), "waiting_factor_ci95": ("±", ".3f"),
            "wf_limit": ("WF limit", ".2f"), "mean_wait_h": ("mean wait h", ".1f"),
            "p95_wait_h": ("p95 wait h", ".1f"), "judgement": ("judgement", "")})),
        "",
        *run_section(sc, verdict.terminals),  # preview vs simulation (portsim.preview)
        *landside_section(verdict),
        *answer_lines(verdict, sc.name),
    ]
    return "\n".join(lines)


#: Width the answer's parts are wrapped to (an 80–100 column terminal).
ANSWER_WIDTH = 96


def answer_lines(verdict, name: str, width: int = ANSWER_WIDTH) -> list[str]:
    """The answer as printed, in parts (:func:`portsim.verdict.answer_parts`): a first line
    ``ANSWER: <name>: <STATUS>`` (``结论：…`` in Chinese) that scripts can grep, then one
    labelled line per part (throughput, service level, what breaks first, what fixes
    it), each wrapped to ``width`` columns under its label. The whole one-line answer
    (:attr:`Verdict.answer`) is in ``verdict.txt`` and ``--json``."""
    from portsim import labels
    from portsim.report import PART_HEADINGS
    from portsim.verdict import answer_parts

    zh = labels.current() == "zh"
    parts = answer_parts(verdict, name)
    first = (f"{labels.t('Answer')}：" if zh else "ANSWER: ") + parts.pop("headline")
    heads = {k: labels.t(PART_HEADINGS[k]) for k in parts}
    indent = 2 + max((_columns(h) for h in heads.values()), default=0) + 2
    lines = [first]
    for key, value in parts.items():
        if not value:
            continue
        head = heads[key]
        label = "  " + head + ("：" if zh else ":")
        label += " " * (indent - _columns(label))
        body = wrap(value, max(20, width - indent))
        lines.append(label + body[0] if body else label.rstrip())
        lines += [" " * indent + b for b in body[1:]]
    return lines


_WIDE = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
_TOKEN = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]|[^\s\u2e80-\u9fff"
                    r"\u3000-\u303f\uff00-\uffef]+\s*|\s+")


def _columns(text: str) -> int:
    """Terminal columns of ``text`` (a Chinese character or full-width mark takes two)."""
    return len(text) + len(_WIDE.findall(text))


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns: broken at spaces, and
    between any two Chinese characters (which take two columns each)."""
    lines, line = [], ""
    for token in _TOKEN.findall(text):
        if line and _columns(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def one_line_answer(verdict, name: str) -> str:
    """The last line of ``verdict.txt``: the whole answer in one line
    (:func:`portsim.verdict.answer_in_one_line`)."""
    from portsim import labels
    from portsim.verdict import answer_in_one_line

    return labels.t("In one line: ") + answer_in_one_line(verdict, name)


def write_landside(reps, verdict, tmp: Path) -> None:
    """The landside judgement (``landside.csv``), then for every registered component
    (:data:`portsim.model.components.REGISTRY`) the tables it declares with a file name
    (all replications) and its plots (first replication)."""
    from portsim import plots
    from portsim.model.components import components_in

    if verdict.landside is not None:
        verdict.landside.to_csv(tmp / "landside.csv", index=False)
    first = reps.runs[0]
    for comp in components_in(reps.scenario):
        for spec in comp.tables:
            frame = reps.table(spec.name)
            file = spec.file_name
            if file is None or not len(frame):
                continue
            if file.endswith(".parquet"):
                frame.to_parquet(tmp / file, index=False)
            else:
                frame.to_csv(tmp / file, index=False)
        for plot in comp.plots:
            if plot.table in first.tables and len(first.tables[plot.table]):
                plots.save(plot.draw(first, reps.scenario.name), tmp / plot.file)


def landside_section(verdict) -> list[str]:
    """The registered components against their planning limits (when modelled): one
    line per component KPI and limit in the heading, from the registry's labels."""
    from portsim.cli import fmt_table
    from portsim.model.components import REGISTRY
    from portsim.report import kpis_in_words

    if verdict.landside is None or not len(verdict.landside):
        return []
    from portsim.labels import t, translate

    present = set(verdict.landside["component"])
    judged = "; ".join(t("{kpi} vs {limit}", kpi=t(comp.kpi(spec.kpi).label),
                         limit=translate(spec.limit_source))
                       for comp in REGISTRY.values() if comp.name in present
                       for spec in comp.limits)
    return [
        t("Landside and canal, most stressed first ({judged})", judged=judged),
        fmt_table(kpis_in_words(verdict.landside), {
            "component": ("component", ""), "id": ("id", ""), "kpi": ("kpi", ""),
            "value": ("value", ".3f"), "limit": ("limit", ".2f"), "stress": ("stress", ".2f"),
            "judgement": ("judgement", ""), "inputs": ("inputs", "")}),
        "",
    ]
