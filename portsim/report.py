"""One self-contained HTML page per result: the verdict first, then tables, then plots.

The page has no external resource — styles inline, figures embedded as base64 PNG,
no script — so it opens offline, can be mailed as one file and printed as is::

    from portsim import report
    html = report.run_report(reps, verdict)          # portsim run … --report
    html = report.capacity_report(cap, curve=runs)   # portsim capacity … --report
    html = report.compare_report(result)             # portsim compare … --report
    report.write(path, html)

Every builder returns the page as a string; :func:`page` is the building block
(a title, a verdict, then :class:`Section` s of tables, text and figures).
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Verdict status → colour class of the verdict box.
STATUS_CLASS = {"delivers": "ok", "delivers, congested": "warn", "falls short": "bad",
                "saturated": "bad"}

CSS = """
:root { --ink:#1c2833; --muted:#5d6d7e; --line:#d5d8dc; --ok:#1e8449; --warn:#b9770e;
        --bad:#c0392b; --band:#f4f6f7; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.sub, p.note, figcaption, footer { color: var(--muted); }
p.sub { margin: 0 0 16px; }
p.note { font-size: 13px; margin: 4px 0 8px; }
.verdict { border-left: 8px solid var(--muted); background: var(--band); padding: 14px 18px;
           margin: 16px 0 8px; border-radius: 4px; }
.verdict.ok { border-color: var(--ok); } .verdict.warn { border-color: var(--warn); }
.verdict.bad { border-color: var(--bad); }
.verdict .status { font-weight: 700; font-size: 20px; text-transform: uppercase;
                   letter-spacing: .03em; }
.verdict.ok .status { color: var(--ok); } .verdict.warn .status { color: var(--warn); }
.verdict.bad .status { color: var(--bad); }
.verdict p { margin: 6px 0 0; font-size: 16px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 160px; }
.kpi b { display: block; font-size: 20px; } .kpi span { color: var(--muted); font-size: 13px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 4px; }
th, td { padding: 4px 7px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.wrap { white-space: normal; min-width: 170px; }
th { background: var(--band); text-align: left; position: sticky; top: 0;
     white-space: normal; vertical-align: bottom; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fdedec; } tr.warn td { background: #fef5e7; }
figure { margin: 18px 0 26px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
pre { background: var(--band); padding: 10px 12px; font-size: 12px; overflow-x: auto; }
nav { font-size: 13px; margin: 6px 0 0; } nav a { margin-right: 12px; color: #1f618d; }
footer { margin-top: 40px; font-size: 12px; }
@media print { h2 { break-after: avoid; } figure { break-inside: avoid; } }
"""


# ----------------------------------------------------------------- building blocks


@dataclass
class Section:
    """A heading and its content: HTML fragments in order (see :func:`table`, :func:`figure`,
    :func:`text`)."""

    title: str
    parts: list[str] = field(default_factory=list)
    anchor: str | None = None

    def add(self, *parts: str) -> Section:
        self.parts.extend(p for p in parts if p)
        return self


def text(body: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{html.escape(body)}</p>'


def pre(body: str) -> str:
    return f"<pre>{html.escape(body)}</pre>"


def figure(fig, caption: str = "", dpi: int = 100) -> str:
    """A matplotlib figure as an embedded PNG (the figure is closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    alt = html.escape(caption or (fig.axes[0].get_title() if fig.axes else "figure"))
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{alt}">{cap}</figure>'


def _guess_format(col: str, values: pd.Series) -> str:
    base = col.removesuffix("_ci95")
    if pd.api.types.is_bool_dtype(values):
        return ""
    if not pd.api.types.is_numeric_dtype(values):
        return ""
    share_words = ("occupancy", "share", "utilisation", "utilization", "band_", "rel_ci")
    if any(w in base for w in share_words):
        return ".1%"
    if "waiting_factor" in base or base in ("wf_limit", "value_at_capacity"):
        return ".3f"
    if base in ("stress", "scale", "crane_efficiency") or base.endswith("_scale"):
        return ".2f"
    if base.endswith(("_h", "_km", "_m", "_s", "_days")):
        return ",.1f"
    v = values.dropna().to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return ",.1f"
    if np.abs(v).max() >= 100 or np.all(v == np.round(v)):
        return ",.0f"
    return ",.3g"


def _cell(v: Any, fmt: str) -> tuple[str, bool]:
    """(text, is_number)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return "–", False
    if isinstance(v, bool | np.bool_):
        return ("yes" if v else "no"), False
    if isinstance(v, int | float | np.integer | np.floating):
        if not np.isfinite(v):
            return ("∞" if v > 0 else "−∞"), True
        try:
            return format(v, fmt or ",.4g"), True
        except ValueError:
            return str(v), True
    s = str(v)
    return s, bool(_NUMBER.fullmatch(s))


_NUMBER = re.compile(r"[-+−]?[\d,.]+(e[-+]?\d+)? ?%?")


def _header(col: str) -> str:
    words = col.replace("_per_year", "/yr").replace("_", " ")
    for unit, label in ((" h", " (h)"), (" km", " (km)"), (" m", " (m)"), (" s", " (s)")):
        if words.endswith(unit):
            words = words[: -len(unit)] + label
    return words


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, str]] | None = None, *,
          max_rows: int = 80, row_class: Callable[[pd.Series], str] | None = None,
          ci: bool | Iterable[str] = True) -> str:
    """A DataFrame as an HTML table.

    ``columns``: {column: (header, format)} to select, rename and format (missing
    columns are skipped); default: every column, headers and formats guessed from the
    names (``*_h`` hours, ``occupancy`` as %, …). With ``ci`` (True, or the columns to
    do it for), a column ``x_ci95`` next to ``x`` is shown in the same cell as ``mean ±
    half-width`` (a zero half-width is left out). ``row_class(row)`` may return
    ``"bad"`` or ``"warn"`` to shade a row.
    """
    if frame is None or frame.empty:
        return text("no records")
    with_ci = (set(frame.columns) if ci is True else set() if ci is False else set(ci))
    if columns is None:
        columns = {c: (_header(c), _guess_format(c, frame[c])) for c in frame.columns
                   if not (c.endswith("_ci95") and c.removesuffix("_ci95") in with_ci)}
    picked = [(c, h, f or _guess_format(c, frame[c])) for c, (h, f) in columns.items()
              if c in frame]
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in picked)
    rows = []
    for _, r in shown.iterrows():
        cells = []
        for c, _, f in picked:
            s, num = _cell(r[c], f)
            half = f"{c}_ci95"
            if c in with_ci and half in frame and half not in columns and num:
                h, hnum = _cell(r[half], f)
                if hnum and r[half] != 0:
                    s = f"{s} ± {h}"
            cls = ' class="num"' if num else (' class="wrap"' if len(s) > 24 else "")
            cells.append(f"<td{cls}>{html.escape(s)}</td>")
        rc = row_class(r) if row_class else ""
        rows.append(f'<tr class="{rc}">' if rc else "<tr>")
        rows[-1] += "".join(cells) + "</tr>"
    more = (text(f"first {max_rows} of {len(frame):,} rows shown")
            if len(frame) > max_rows else "")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
            + "\n".join(rows) + "</tbody></table></div>" + more)


def kpi_cards(items: Iterable[tuple[str, str]]) -> str:
    """Big numbers with a label: [(value text, label), …]."""
    cards = "".join(f'<div class="kpi"><b>{html.escape(v)}</b><span>{html.escape(k)}</span>'
                    "</div>" for v, k in items)
    return f'<div class="kpis">{cards}</div>'


def _slug(s: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in s.lower()).strip("-") or "section"


def page(title: str, answer: str, sections: Sequence[Section], *, status: str | None = None,
         tone: str | None = None, subtitle: str = "", verdict_extra: str = "") -> str:
    """A complete HTML page: title, the verdict box, a table of contents, the sections.

    ``status`` is shown in the verdict box, coloured by ``tone`` (``"ok"``, ``"warn"``,
    ``"bad"``; default: from the verdict status words of :mod:`portsim.verdict`).
    """
    from portsim import __version__

    cls = tone or STATUS_CLASS.get(status or "", "")
    stat = f'<div class="status">{html.escape(status)}</div>' if status else ""
    body_answer = "".join(f"<p>{html.escape(line)}</p>" for line in answer.splitlines()
                          if line.strip())
    nav = "".join(f'<a href="#{s.anchor or _slug(s.title)}">{html.escape(s.title)}</a>'
                  for s in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{html.escape(subtitle)}</p>' if subtitle else "",
        f'<div class="verdict {cls}" id="verdict">{stat}{body_answer}</div>',
        verdict_extra,
        f"<nav>{nav}</nav>" if len(sections) > 1 else "",
    ]
    for s in sections:
        parts.append(f'<section id="{s.anchor or _slug(s.title)}">'
                     f"<h2>{html.escape(s.title)}</h2>")
        parts.extend(s.parts)
        parts.append("</section>")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<footer>portsim {__version__} · generated {stamp} · self-contained page: "
                 "no external resources</footer></main></body></html>")
    return "\n".join(p for p in parts if p)


def write(path: str | Path, page_html: str) -> Path:
    """Write a page (UTF-8)."""
    p = Path(path)
    p.write_text(page_html, encoding="utf-8")
    return p


# ----------------------------------------------------------------- tables of a run

FLOW_COLUMNS = {
    "flow": ("flow", ""), "cargo": ("cargo", ""), "unit": ("unit", ""),
    "demand_per_year": ("demand /yr", ",.0f"), "delivered_per_year": ("delivered /yr", ",.0f"),
    "delivered_share": ("share", ".1%"), "mean_wait_h": ("mean wait (h)", ".1f"),
    "waiting_at_end": ("waiting at end", ".1f"), "short": ("short", ""),
}
TERMINAL_COLUMNS = {
    "terminal": ("terminal", ""), "area": ("area", ""), "cargo": ("cargo", ""),
    "berths": ("berths", ".0f"), "calls": ("calls", ",.0f"),
    "berth_utilisation": ("berth utilisation", ".1%"), "band_top": ("band top", ".0%"),
    "occupancy": ("quay occupancy", ".1%"),
    "waiting_factor": ("waiting factor", ".3f"), "wf_limit": ("WF limit", ".2f"),
    "mean_wait_h": ("mean wait (h)", ".1f"), "p95_wait_h": ("p95 wait (h)", ".1f"),
    "stress": ("stress", ".2f"), "judgement": ("judgement", ""),
}
PORT_KPI_LABELS = {
    "teu_demand": ("container demand (TEU/yr)", ",.0f"),
    "teu_delivered": ("container throughput delivered (TEU/yr)", ",.0f"),
    "tonnes_demand": ("bulk & general demand (t/yr)", ",.0f"),
    "tonnes_delivered": ("bulk & general delivered (t/yr)", ",.0f"),
    "calls_arrived": ("calls arrived", ",.0f"),
    "calls_departed": ("calls departed", ",.0f"),
    "calls_in_system": ("calls in port at the end", ",.0f"),
    "container_mean_wait_h": ("container ships: mean wait for a berth (h)", ".2f"),
    "container_p95_wait_h": ("container ships: 95th-percentile wait (h)", ".1f"),
    "container_waiting_factor": ("container waiting factor (wait / berth time)", ".3f"),
    "all_mean_wait_h": ("all ships: mean wait for a berth (h)", ".2f"),
    "queue_mean": ("ships at anchorage, mean", ".1f"),
    "queue_max": ("ships at anchorage, max", ".0f"),
}


def _judged(row: pd.Series) -> str:
    return "bad" if bool(row.get("over", False)) else ""


def port_kpi_table(reps) -> pd.DataFrame:
    """Port KPIs with readable names: kpi, mean, ci95 (formatted per KPI)."""
    k = reps.port_kpis()
    rows = []
    for name, r in k.iterrows():
        label, fmt = PORT_KPI_LABELS.get(str(name), (_header(str(name)), ""))
        fmt = fmt or _guess_format(str(name), pd.Series([r["mean"]]))
        mean, _ = _cell(r["mean"], fmt)
        half, num = _cell(r["ci95"], fmt)
        rows.append({"KPI": label, "mean": mean, "± 95 % CI": half if num else "–",
                     "replications": int(r["n"])})
    return pd.DataFrame(rows)


def component_table(reps, name: str) -> tuple[pd.DataFrame, str]:
    """A component's table over all replications, made small enough to read.

    A table with one row per component and replication (channel segments, marine
    resources, yard blocks …: each key appears once per replication) becomes its mean
    over replications; a table with one row per event or call (channel passages,
    weather closures …) becomes a summary of each numeric column.
    """
    n = len(reps.runs)
    t = (reps.table(name) if any(name in r.tables for r in reps.runs)
         else pd.DataFrame())
    if t.empty:
        return t, "no records in any replication"
    t = t.drop(columns=["replication"])
    numeric = [c for c in t.columns if pd.api.types.is_numeric_dtype(t[c])
               and not pd.api.types.is_bool_dtype(t[c]) and c not in ("call", "id")]
    flags = [c for c in t.columns if pd.api.types.is_bool_dtype(t[c])]
    keys = [c for c in t.columns if c not in numeric and c not in flags and c != "call"]
    if keys:
        sizes = t.groupby(keys, observed=True, sort=False, dropna=False).size()
        if len(sizes) and (sizes == n).all():
            out = (t.groupby(keys, observed=True, sort=False, dropna=False)[numeric + flags]
                   .mean().reset_index())
            return out, f"one row per {keys[0]}: mean over {n} replication(s)"
    rows = []
    for c in numeric + flags:
        if c in TIME_INDEX:
            continue
        v = t[c].astype(float)
        fmt = ".1%" if c in flags else _guess_format(c, v)
        stats = {"mean": v.mean(), "median": v.median(), "p95": v.quantile(0.95),
                 "max": v.max()}
        rows.append({"column": f"{c} (share true)" if c in flags else c,
                     **{k: _cell(x, fmt)[0] for k, x in stats.items()},
                     "values": f"{int(v.notna().sum()):,}"})
    summary = pd.DataFrame(rows)
    extra = ""
    if keys:
        counts = t[keys[0]].astype(str).value_counts()
        if len(counts) <= 8:
            extra = "; rows by " + keys[0] + ": " + ", ".join(
                f"{k} {v / n:,.4g}/replication" for k, v in counts.items())
    return summary, (f"{len(t):,} rows ({len(t) / n:,.4g} per replication): each numeric "
                     f"column summarised{extra}")


#: Columns that index time in a component's time series (not summarised).
TIME_INDEX = {"hour", "day", "time_h", "t_h", "time", "start_h", "end_h"}


def component_names(reps) -> list[str]:
    """Names of the component tables present in any replication, in first-seen order."""
    names: list[str] = []
    for r in reps.runs:
        names += [k for k in r.tables if k not in names]
    return names


def _landside_section(landside) -> Section:
    """The registered components against their planning limits: the heading names each
    component and its KPI from the registry's labels (:data:`portsim.model.components.
    REGISTRY`); the ``inputs`` column says which sizing figures are sourced or assumed."""
    from portsim.model.components import REGISTRY

    present = [c for c in REGISTRY.values() if c.name in set(landside["component"])]
    judged = ", ".join(f"{c.label}: {c.kpi(s.kpi).label} vs {s.limit_source}"
                       for c in present for s in c.limits)
    return Section("Landside").add(
        text(f"Landside components, most stressed first, each against its planning limit "
             f"({judged}); shaded rows are over the limit. Inputs: which of the figures "
             "that size each one are sourced (a key of the port file's sources), derived "
             "from other figures, or assumed."),
        table(landside.sort_values("stress", ascending=False), {
            "component": ("component", ""), "id": ("id", ""), "kpi": ("KPI", ""),
            "value": ("value", ".3g"), "limit": ("limit", ".3g"),
            "stress": ("stress", ".2f"), "judgement": ("judgement", ""),
            "inputs": ("inputs", "")},
            row_class=lambda r: "bad" if bool(r.get("over")) else ""))


def _component_figures(reps) -> list[str]:
    """Figures of the component models: the channel's (:data:`COMPONENT_PLOTS`), then the
    plots every registered component declares (:data:`portsim.model.components.
    REGISTRY`) whose table is present; a plot that fails is reported, not fatal."""
    from portsim import plots
    from portsim.model.components import components_in

    out = []
    first = reps.runs[0]
    drawings = [(caption, table_name, lambda fn=fn_name, call=call: call(
                    getattr(plots, fn), reps))
                for fn_name, table_name, caption, call in COMPONENT_PLOTS
                if hasattr(plots, fn_name)]
    drawings += [(p.caption, p.table, lambda p=p: p.draw(first, reps.scenario.name))
                 for comp in components_in(reps.scenario) for p in comp.plots]
    for caption, table_name, draw in drawings:
        if table_name and table_name not in first.tables:
            continue
        try:
            out.append(figure(draw(), caption))
        except Exception as exc:  # a component plot must not cost the whole report
            out.append(text(f"{caption}: could not be drawn ({type(exc).__name__}: {exc})"))
    return out


#: (plot function in :mod:`portsim.plots`, component table it needs, caption, call) of the
#: components not (yet) in :data:`portsim.model.components.REGISTRY`; the registered
#: ones (yard, rail, gate …) declare their plots there.
COMPONENT_PLOTS: list[tuple[str, str | None, str, Callable[[Any, Any], Any]]] = [
    ("channel_diagram", "channel_calls",
     "Channel time–distance diagram: each transit from the sea end to the berth end "
     "(inbound rising, outbound falling; red: one-way ships), the tide above it and "
     "weather closures in grey (first replication, 4 days after warm-up).",
     lambda fn, reps: fn(reps.runs[0])),
]


def run_report(reps, verdict=None, *, text_output: str | None = None,
               robustness=None) -> str:
    """The page for ``portsim run``: verdict, key figures, tables, plots (and, with
    ``robustness``, a :class:`portsim.robustness.RobustnessResult`, the answer under each
    assumption set: its sentence joins the answer, its table a section)."""
    from portsim import plots
    from portsim.verdict import judge

    verdict = verdict if verdict is not None else judge(reps)
    sc = reps.scenario
    name = sc.name
    first = reps.runs[0]
    subtitle = " · ".join(s for s in [
        (sc.description or "").strip(),
        f"{len(sc.port.berths)} berths in service" + (f" ({sc.year})" if sc.year else ""),
        f"{len(reps.runs)} replication(s) of {sc.run.horizon_days:g} days after "
        f"{sc.run.warmup_days:g} days warm-up, seed {sc.run.seed}",
    ] if s)
    kpi = reps.port_kpis()
    cards = []
    for key, label, scale, unit, fmt in (
            ("teu_delivered", "container throughput delivered", 1e-6, " M TEU/yr", ".2f"),
            ("tonnes_delivered", "bulk & general delivered", 1e-6, " Mt/yr", ".1f"),
            ("container_mean_wait_h", "container ships: mean wait for a berth", 1, " h",
             ".1f"),
            ("container_waiting_factor", "container waiting factor", 1, "", ".2f")):
        if key in kpi.index and np.isfinite(kpi.loc[key, "mean"]):
            m, h = kpi.loc[key, "mean"] * scale, kpi.loc[key, "ci95"] * scale
            ci = f" ± {h:{fmt}}" if np.isfinite(h) else ""
            cards.append((f"{m:{fmt}}{ci}{unit}", label))
    if verdict.bottleneck:
        cards.append((verdict.bottleneck, "most stressed terminal"))

    sections = [
        Section("Demand vs delivered").add(
            text("Per year, mean ± 95 % confidence interval over replications."),
            table(verdict.flows, FLOW_COLUMNS,
                  row_class=lambda r: "bad" if bool(r.get("short")) else "")),
        Section("Terminals").add(
            text("Most stressed first. Berth utilisation on the JTS 165 berth-time basis "
                 "(hours a berth is taken per berth: reserved while the ship sails in, "
                 "berthing, handling, unberthing) against the top of its planning band, "
                 "waiting factor (mean wait / mean berth time) against its limit; the "
                 "quay-metre occupancy is shown beside it, not judged. Shaded rows are "
                 "over a planning limit."),
            table(verdict.terminals, TERMINAL_COLUMNS, row_class=_judged,
                  ci=("calls", "berth_utilisation", "occupancy", "waiting_factor"))),
    ]
    ranking = getattr(verdict, "ranking", None)
    if ranking is not None and ranking.order:
        sections[-1].add(text(
            "Ranked by stress with paired differences across replications (same "
            "replication index = common random numbers): " + ranking.sentence() + "."))
    sat = getattr(verdict, "saturation", None)
    if sat is not None and len(sat):
        sections.append(Section("Saturation").add(
            text("Does the anchorage queue grow over the measurement window? Batch means of "
                 "the number of ships waiting (10 batches), the rise of a least-squares "
                 "trend over the window per replication, a one-sided test pooled over "
                 "replications (Stouffer), each check at 5 % / (number of checks) so that a "
                 "stationary port is called saturated with probability at most 5 %; "
                 "saturated = the test rejects and the queue rises by at least one ship. "
                 "Shaded rows saturate."),
            table(sat.sort_values("p_value"), {
                "id": ("terminal", ""), "growth": ("queue rise over window (ships)", ".1f"),
                "growth_ci95": ("±", ".1f"), "growth_min": ("least (one replication)", ".1f"),
                "growth_max": ("most", ".1f"), "p_value": ("p", ".2g"),
                "replications": ("replications", ".0f"), "saturated": ("saturated", "")},
                ci=False, row_class=lambda r: "bad" if bool(r.get("saturated")) else "")))
    landside = getattr(verdict, "landside", None)
    if landside is not None and len(landside):
        sections.append(_landside_section(landside))
    if getattr(verdict, "limits", None):
        sections.append(Section("Limit records", anchor="limits").add(
            text("Every judged thing once: the KPI that gives its stress, its value and "
                 "limit, over or not, the reason and the basis of the limit."),
            table(verdict.limits_table(), {
                "component": ("component", ""), "id": ("id", ""), "kpi": ("KPI", ""),
                "value": ("value", ".3g"), "ci95": ("± 95 % CI", ".2g"),
                "limit": ("limit", ".3g"), "stress": ("stress", ".2f"),
                "over": ("over", ""), "reason": ("reason", ""), "basis": ("basis", "")},
                ci=False, row_class=lambda r: "bad" if bool(r.get("over")) else "")))
    sections += [
        Section("Port KPIs").add(table(port_kpi_table(reps), ci=False)),
        Section("Operation areas").add(table(reps.area_kpis())),
    ]
    names = component_names(reps)
    if names:
        comp = Section("Component models", anchor="components")
        for n in names:
            frame, note = component_table(reps, n)
            comp.add(f"<h3>{html.escape(_header(n))}</h3>", text(note),
                     table(frame) if not frame.empty else "")
        sections.append(comp)
    figs = Section("Plots")
    figs.add(
        figure(plots.demand_vs_delivered(verdict.flows, f"{name}: throughput"),
               "Annual demand and delivered volume per flow (mean ± 95 % CI)."),
        figure(plots.occupancy_by_terminal(verdict.terminals,
                                           f"{name}: berth utilisation",
                                           "berth_utilisation"),
               "Berth utilisation (JTS 165 berth-time basis) per terminal against its "
               "planning band (green), quay-metre occupancy marked beside it; red bars "
               "are above the band."),
        figure(plots.occupancy_by_berth(reps.berths, reps.scenario.rules,
                                        f"{name}: occupancy per berth"),
               "Occupancy of every berth section (share of its quay length x time used "
               "by ships, mean ± 95 % CI), grouped by operation area, against the "
               "planning band of its cargo (green); red bars are above the band."),
        figure(plots.waits_by_terminal(verdict.terminals, f"{name}: waiting for a berth"),
               "Mean and 95th-percentile wait for a berth per terminal."),
        figure(plots.waits_by_cause(reps.calls, f"{name}: waiting time by cause"),
               "Mean wait per call by cause, calls arriving in the measurement window, all "
               "replications pooled."),
        figure(plots.anchorage_queue(first, f"{name}: anchorage queue"),
               f"Ships waiting at anchorage over time (replication {first.replication})."),
    )
    if len(verdict.terminals):
        area = str(verdict.terminals.iloc[0]["area"])
        figs.add(figure(plots.berth_gantt(first, area),
                        f"Which ship lay where and when in {area}, the operation area of "
                        "the most stressed terminal (first 4 weeks after warm-up)."))
    figs.add(*_component_figures(reps))
    sections.append(figs)
    answer = verdict.answer
    if robustness is not None:
        from portsim.robustness import robustness_sentence, robustness_table

        sentence = robustness_sentence(robustness)
        answer += " ROBUSTNESS: " + sentence
        sections.insert(2, Section("Robustness").add(
            text("The same scenario under each named assumption set (scenarios/"
                 "assumptions/), on the same seeds: paired differences from the base with "
                 "95 % CIs, the verdict's status, and whether the answer holds. "
                 + sentence),
            table(robustness_table(robustness))))
    if text_output:
        sections.append(Section("As printed by portsim run", anchor="text").add(
            pre(text_output)))
    return page(f"portsim — {name}", answer, sections, status=verdict.status,
                subtitle=subtitle, verdict_extra=kpi_cards(cards))


# ----------------------------------------------------------------- capacity


def capacity_report(res, *, curve: pd.DataFrame | None = None,
                    text_output: str | None = None) -> str:
    """The page for ``portsim capacity``: the answer, the capacity table, the search.

    ``res``: a :class:`portsim.experiments.capacity.CapacityResult`. ``curve``: optional
    runs at several demand levels (e.g. ``SweepResult.runs`` of a container-growth
    sweep) drawn as the capacity curve with the capacity marked.
    """
    from portsim import plots

    fams = list(res.families.values())
    status = tone = None
    if fams:
        f0 = fams[0]
        lo, hi = f0.capacity - f0.ci95, f0.capacity + f0.ci95
        status, tone = (("capacity above target", "ok") if lo >= f0.target else
                        ("target inside the CI", "warn") if hi >= f0.target else
                        ("capacity below target", "bad"))
    cards = []
    for f in fams:
        u = "M TEU/yr" if f.unit == "TEU" else "Mt/yr"
        cards.append((f"{f.capacity / 1e6:.2f} ± {f.ci95 / 1e6:.2f} {u}",
                      f"{f.cargo} capacity ({f.criterion.describe()})"))
        cards.append((f"{f.margin_share:+.1%}", f"margin over the {f.target / 1e6:g} "
                       f"{u.split('/')[0]} target"))
    sections = [Section("Capacity").add(
        text("Capacity: the largest annual volume at which the service criterion still "
             "holds — mean of one root per replication, with its 95 % confidence interval."),
        table(res.table(), {
            "cargo": ("cargo", ""), "criterion": ("criterion", ""),
            "demand": ("demand /yr", ",.0f"), "target": ("target /yr", ",.0f"),
            "capacity": ("capacity /yr", ",.0f"), "rel_ci": ("CI %", ".1%"),
            "margin_share": ("margin", "+.1%"), "replications": ("replications", ",.0f"),
            "runs": ("runs", ",.0f"), "value_at_capacity": ("value at capacity", ".3f"),
            "bottleneck": ("bottleneck", ""), "bottleneck_area": ("area", ""),
            "stress": ("stress", ".2f")}))]
    figs = Section("Plots")
    for f in fams:
        ev = res.evaluations
        ev = ev[ev["cargo"] == f.cargo] if "cargo" in ev else ev
        ylabel = ("waiting factor (mean wait / berth time)"
                  if f.criterion.kind == "waiting_factor" else "mean wait for a berth (h)")
        figs.add(figure(plots.capacity_search(
            ev, f"{res.scenario}: {f.cargo} capacity search", limit=f.criterion.limit,
            capacity=(f.capacity, f.ci95), target=f.target, unit=f.unit, ylabel=ylabel),
            "Each replication's criterion value at the volumes the search tried; the "
            "capacity is where the lines cross the limit."))
    box = res.families.get("container")
    if curve is not None and not curve.empty:
        limit = (box.criterion.limit if box is not None
                 and box.criterion.kind == "waiting_factor" else 0.10)
        figs.add(figure(plots.capacity_curve(
            curve, f"{res.scenario}: throughput and waiting against demand", limit=limit,
            target=box.target if box is not None else 8e6,
            capacity=(box.capacity, box.ci95) if box is not None else None),
            "Capacity curve: each KPI against container demand, mean and 95 % CI over "
            "replications; the capacity found by the search shaded."))
    for f in fams:
        sec = Section(f"{f.cargo}: replications", anchor=f"samples-{_slug(f.cargo)}")
        sec.add(text("One capacity sample per replication (the root of its curve)."),
                table(f.samples))
        if f.terminals is not None:
            sec.add(f"<h3>Terminals at the capacity ({html.escape(f.cargo)})</h3>",
                    table(f.terminals, TERMINAL_COLUMNS, row_class=_judged))
        sections.append(sec)
    sections.append(figs)
    if text_output:
        sections.append(Section("As printed by portsim capacity", anchor="text").add(
            pre(text_output)))
    return page(f"portsim capacity — {res.scenario}", res.answer(), sections,
                status=status, tone=tone,
                subtitle=f"{len(res.evaluations)} runs in {res.wall_s:.0f} s",
                verdict_extra=kpi_cards(cards))


# ----------------------------------------------------------------- compare


def compare_report(result, *, text_output: str | None = None,
                   formats: dict[str, str] | None = None) -> str:
    """The page for ``portsim compare``: which scenario changes waiting most, the paired
    differences against the base, each scenario's own verdict, and the plots.

    ``result``: a :class:`portsim.compare.Comparison` (every scenario run on the base's
    random numbers; differences per replication with a paired 95 % CI).
    """
    from portsim import plots
    from portsim.verdict import judge

    base = result.base
    formats = formats or {}
    t = result.table
    waits = t[(t["kpi"] == "mean_wait_total_h") & (t["scenario"] != base)].dropna(
        subset=["diff"])
    better = waits[(waits["diff"] < 0) & waits["significant"]]
    if waits.empty:
        status, tone = None, None
    elif len(better):
        status, tone = "a significant improvement", "ok"
    else:
        status, tone = "no significant improvement", "warn"
    cards = [(f"{r.diff:+.2f} ± {_nz(r.ci95):.2f} h", f"{r.scenario}: wait per call vs base")
             for r in waits.itertuples()]
    run = result.runs[0].scenario.run
    subtitle = (f"base '{base}'; {run.replications} replication(s) of {run.horizon_days:g} "
                f"days after {run.warmup_days:g} days warm-up, seed {run.seed}; common "
                "random numbers, paired differences with 95 % confidence intervals")

    verdicts = []
    for label, reps in zip(result.labels, result.runs, strict=True):
        v = judge(reps)
        k = reps.port_kpis()["mean"]
        verdicts.append({"scenario": label, "status": v.status, "bottleneck": v.bottleneck,
                         "teu_delivered": k.get("teu_delivered", np.nan),
                         "container_waiting_factor": k.get("container_waiting_factor",
                                                           np.nan),
                         "mean_wait_total_h": k.get("mean_wait_total_h", np.nan),
                         "answer": v.answer})
    vt = pd.DataFrame(verdicts)

    def diff_rows(frame: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for r in frame.itertuples():
            fmt = formats.get(r.kpi) or (".2f" if r.kpi.endswith("_h") else _guess_format(
                r.kpi, pd.Series([r.base, r.value])))
            rows.append({"KPI": _header(r.kpi), base[:30]: _cell(r.base, fmt)[0],
                         "scenario": _cell(r.value, fmt)[0],
                         "difference": _cell(r.diff, fmt)[0],
                         "± 95 % CI": _cell(r.ci95, fmt)[0],
                         "significant": "yes" if r.significant else "",
                         "_sig": bool(r.significant)})
        return pd.DataFrame(rows)

    head = result.headline() if hasattr(result, "headline") else t
    sections = [Section("Scenarios").add(
        text("Each scenario judged on its own (as portsim run would)."),
        table(vt, {"scenario": ("scenario", ""), "status": ("verdict", ""),
                   "bottleneck": ("most stressed terminal", ""),
                   "teu_delivered": ("TEU/yr delivered", ",.0f"),
                   "container_waiting_factor": ("container WF", ".3f"),
                   "mean_wait_total_h": ("wait per call (h)", ".2f")},
              row_class=lambda r: {"falls short": "bad", "saturated": "bad",
                                  "delivers, congested": "warn"}
              .get(str(r["status"]), "")))]
    for label in result.labels[1:] or result.labels:
        rows = diff_rows(head[head["scenario"] == label])
        cols = {c: (c, "") for c in rows.columns if c != "_sig"}
        cols["scenario"] = (label[:30], "")
        sections.append(Section(f"{label} vs {base}", anchor=f"vs-{_slug(label)}").add(
            text("Headline KPIs: base mean, scenario mean, mean paired difference and its "
                 "95 % CI; shaded where the interval excludes zero."),
            table(rows, cols, ci=False,
                  row_class=lambda r: "warn" if r["_sig"] else "")))
    full = Section("All KPIs", anchor="all-kpis")
    for label in result.labels[1:] or result.labels:
        rows = diff_rows(t[t["scenario"] == label])
        cols = {c: (c, "") for c in rows.columns if c != "_sig"}
        cols["scenario"] = (label[:30], "")
        full.add(f"<h3>{html.escape(label)} vs {html.escape(base)}</h3>",
                 table(rows, cols, ci=False, max_rows=200))
    sections.append(full)
    figs = Section("Plots")
    figs.add(figure(plots.comparison(t, base, f"Against '{base}' ({run.replications} paired "
                                              "replications)"),
                    "Change of the mean wait per call by cause, and of containers delivered, "
                    "against the base (mean paired difference ± 95 % CI)."))
    for label, reps in zip(result.labels, result.runs, strict=True):
        figs.add(figure(plots.waits_by_cause(reps.calls, f"{label}: waiting time by cause"),
                        f"{label}: mean wait per call by cause and terminal."))
    sections.append(figs)
    if text_output:
        sections.append(Section("As printed by portsim compare", anchor="text").add(
            pre(text_output)))
    return page(f"portsim compare — {base}", result.answer(), sections, status=status,
                tone=tone, subtitle=subtitle, verdict_extra=kpi_cards(cards))


def _nz(x: float) -> float:
    return 0.0 if x is None or not np.isfinite(x) else float(x)
