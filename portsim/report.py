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

Language: each builder takes ``lang`` (``"en"``/``"zh"``, default
:func:`portsim.labels.current`); headers, units and formats come from the one registry
:mod:`portsim.labels` (shares as %, hours with one decimal), plots are drawn in the same
language, and operation areas carry their names in it. The CSS falls back to Chinese
fonts (Noto Sans SC/CJK, Source Han Sans, PingFang, Microsoft YaHei …) and prints on
A4 landscape with tables wrapped, not clipped.
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

from portsim import labels
from portsim.labels import t as tr

#: Verdict status → colour class of the verdict box.
STATUS_CLASS = {"delivers": "ok", "delivers, congested": "warn", "falls short": "bad",
                "saturated": "bad"}

CSS = """
:root { --ink:#1c2833; --muted:#5d6d7e; --line:#d5d8dc; --ok:#1e8449; --warn:#b9770e;
        --bad:#c0392b; --band:#f4f6f7; }
* { box-sizing: border-box; }
body { font: 15px/1.45 "portsim CJK", system-ui, -apple-system, "Segoe UI", Roboto,
       "Noto Sans", "Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
       "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
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
.verdict dl.parts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px;
                    margin: 10px 0 0; font-size: 15px; }
.verdict dl.parts dt { font-weight: 600; color: var(--muted); }
.verdict dl.parts dd { margin: 0; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--muted); }
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
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 11px; } main { max-width: none; padding: 0; } nav { display: none; }
  h2 { break-after: avoid; } figure, tr, .verdict, .kpis { break-inside: avoid; }
  .scroll { overflow: visible; }
  table { width: 100%; font-size: 9px; table-layout: auto; }
  th, td { white-space: normal; overflow-wrap: anywhere; padding: 2px 4px; }
  th { position: static; } thead { display: table-header-group; }
  figure img { max-height: 170mm; width: auto; } pre { white-space: pre-wrap; }
  details > *:not(summary) { display: block; }
}
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
    caption = labels.translate(caption)
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{alt}">{cap}</figure>'


def _guess_format(col: str, values: pd.Series) -> str:
    base = col.removesuffix("_ci95")
    if labels.fmt(base):
        return labels.fmt(base)
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
        return (tr("yes") if v else tr("no")), False
    if isinstance(v, int | float | np.integer | np.floating):
        if not np.isfinite(v):
            return ("∞" if v > 0 else "−∞"), True
        try:
            return format(v, fmt or ",.4g"), True
        except ValueError:
            return str(v), True
    s = str(v)
    return labels.translate(s), bool(_NUMBER.fullmatch(s))


_NUMBER = re.compile(r"[-+−]?[\d,.]+(e[-+]?\d+)? ?%?")


def _header(col: str) -> str:
    if labels.term(col) is not None:
        return labels.header(col)
    if labels.word(col) != col:  # a name the glossary has (a component table's)
        return labels.word(col)
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
        return text(tr("no records"))
    with_ci = (set(frame.columns) if ci is True else set() if ci is False else set(ci))
    if columns is None:
        columns = {c: (_header(c), _guess_format(c, frame[c])) for c in frame.columns
                   if not (c.endswith("_ci95") and c.removesuffix("_ci95") in with_ci)}
    picked = [(c, h, f or _guess_format(c, frame[c])) for c, (h, f) in columns.items()
              if c in frame]
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(labels.word(h))}</th>" for _, h, _ in picked)
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
    more = (text(tr("first {n} of {total:,} rows shown", n=max_rows, total=len(frame)))
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


def page(title: str, answer: str | dict[str, str], sections: Sequence[Section], *,
         status: str | None = None, tone: str | None = None, subtitle: str = "",
         verdict_extra: str = "", status_text: str | None = None) -> str:
    """A complete HTML page: title, the verdict box, a table of contents, the sections.

    ``answer``: text (one paragraph per line) or the answer in parts ({heading: text},
    e.g. :func:`portsim.verdict.answer_parts` with its headings translated), shown as a
    list of headings and sentences. ``status`` is shown in the verdict box (as
    ``status_text`` when given, e.g. translated), coloured by ``tone`` (``"ok"``,
    ``"warn"``, ``"bad"``; default: from the verdict status words of
    :mod:`portsim.verdict`). The page's language is :func:`portsim.labels.current`.
    """
    from portsim import __version__

    cls = tone or STATUS_CLASS.get(status or "", "")
    shown = status_text or status
    stat = f'<div class="status">{html.escape(shown)}</div>' if shown else ""
    if isinstance(answer, dict):
        body_answer = '<dl class="parts">' + "".join(
            f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in answer.items()
            if v) + "</dl>"
    else:
        body_answer = "".join(f"<p>{html.escape(line)}</p>" for line in answer.splitlines()
                              if line.strip())
    nav = "".join(f'<a href="#{s.anchor or _slug(s.title)}">{html.escape(s.title)}</a>'
                  for s in sections)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if labels.current() == "zh" else "en"}"><head>'
        '<meta charset="utf-8">',
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
    parts.append(f"<footer>portsim {__version__} · {tr('generated')} {stamp} · "
                 f"{tr('self-contained page: no external resources')}</footer>"
                 "</main></body></html>")
    out = "\n".join(p for p in parts if p)
    face = cjk_font_face(out)
    return out.replace("</style>", face + "</style>", 1) if face else out


#: The embedded Chinese font's family: first in the CSS font stack (it has only the page's
#: Chinese characters, so Latin text falls through to the system font; first, because
#: Chromium shows boxes for runs laid out before a later-listed web font has loaded).
CJK_FAMILY = "portsim CJK"
_CJK_TEXT = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")


def cjk_font_face(page_html: str) -> str:
    """An ``@font-face`` rule embedding the Chinese font (Noto Sans SC, the one the plots
    use) cut down to the Chinese characters of the page (fontTools subsetting: tens of
    kB), so the page shows its Chinese text on any machine, with no Chinese font
    installed and no network. ``""`` when the page has no Chinese text."""
    chars = sorted(set(_CJK_TEXT.findall(page_html)))
    if not chars:
        return ""
    from fontTools import subset

    from portsim.plots import cjk_font_path

    path = cjk_font_path()
    if path is None:  # pragma: no cover - a dependency of portsim
        return ""
    opts = subset.Options()
    opts.hinting, opts.desubroutinize, opts.layout_features = False, True, []
    opts.notdef_outline = True
    font = subset.load_font(str(path), opts)
    cutter = subset.Subsetter(opts)
    cutter.populate(unicodes=[ord(c) for c in chars])
    cutter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'\n@font-face {{ font-family: "{CJK_FAMILY}"; '
            f'src: url(data:font/otf;base64,{data}) format("opentype"); }}\n')


def write(path: str | Path, page_html: str) -> Path:
    """Write a page (UTF-8)."""
    p = Path(path)
    p.write_text(page_html, encoding="utf-8")
    return p


# ----------------------------------------------------------------- tables of a run

FLOW_KEYS = ["flow", "cargo", "unit", "demand_per_year", "delivered_per_year",
             "delivered_share", "mean_wait_h", "waiting_at_end", "short"]
TERMINAL_KEYS = ["terminal", "area", "cargo", "berths", "calls", "berth_utilisation",
                 "band_top", "occupancy", "waiting_factor", "wf_limit", "mean_wait_h",
                 "p95_wait_h", "stress", "judgement"]
PORT_KPI_KEYS = ["teu_demand", "teu_delivered", "tonnes_demand", "tonnes_delivered",
                 "calls_arrived", "calls_departed", "calls_in_system", "container_mean_wait_h",
                 "container_p95_wait_h", "container_waiting_factor", "all_mean_wait_h",
                 "queue_mean", "queue_max"]
"""The columns of the run's tables; headers, units and formats: :mod:`portsim.labels`."""


def flow_columns(lang: str | None = None) -> dict[str, tuple[str, str]]:
    return labels.columns(FLOW_KEYS, lang)


def terminal_columns(lang: str | None = None) -> dict[str, tuple[str, str]]:
    return labels.columns(TERMINAL_KEYS, lang)


def _judged(row: pd.Series) -> str:
    return "bad" if bool(row.get("over", False)) else ""


def port_kpi_table(reps) -> pd.DataFrame:
    """Port KPIs with readable names (:mod:`portsim.labels`): KPI, value, ± 95 % CI,
    replications. A maximum (``queue_max`` …) is not averaged: its value is the range
    over replications and the largest ("31–56, largest 56"), no CI."""
    k = reps.port_kpis()
    rows = []
    for name, r in k.iterrows():
        key = str(name)
        label = labels.header(key)
        fmt = labels.fmt(key) or _guess_format(key, pd.Series([r["mean"]]))
        if is_maximum(key):
            per = [float(run.port.get(key, np.nan)) for run in reps.runs]
            per = [v for v in per if np.isfinite(v)]
            if per:
                lo, hi = _cell(min(per), fmt)[0], _cell(max(per), fmt)[0]
                value = hi if lo == hi else tr("{lo}–{hi} per replication, largest {hi}",
                                               lo=lo, hi=hi)
            else:
                value = "–"
            rows.append({"KPI": label, "value": value, "± 95 % CI": "–",
                         "replications": int(r["n"])})
            continue
        mean, _ = _cell(r["mean"], fmt)
        half, num = _cell(r["ci95"], fmt)
        rows.append({"KPI": label, "value": mean, "± 95 % CI": half if num else "–",
                     "replications": int(r["n"])})
    out = pd.DataFrame(rows)
    return out.rename(columns={"KPI": labels.label("kpi"), "value": labels.label("value"),
                               "± 95 % CI": labels.label("ci95"),
                               "replications": labels.label("replications")})


def component_table(reps, name: str) -> tuple[pd.DataFrame, str]:
    """A component's table over all replications, made small enough to read.

    A table with one row per component and replication (channel segments, marine
    resources, yard blocks …: each key appears once per replication) becomes its mean
    over replications — a maximum (``max_*``, ``*_max``, ``peak_*``) the highest of any
    replication, not a mean; a table with one row per event or call (channel passages,
    weather closures …) becomes a summary of each numeric column. Identifiers (call,
    train numbers) and time stamps (arrival, start, end …) are not statistics and are
    left out (:func:`meaningless`).
    """
    n = len(reps.runs)
    t = (reps.table(name) if any(name in r.tables for r in reps.runs)
         else pd.DataFrame())
    if t.empty:
        return t, tr("no records in any replication")
    t = t.drop(columns=["replication"])
    t = t.drop(columns=[c for c in t.columns if meaningless(c)])
    # a column whose meaning depends on its table (a yard's "occupancy" is not the
    # quay's) has a term of its own, "table.column"
    t = t.rename(columns={c: f"{name}.{c}" for c in t.columns
                          if labels.term(f"{name}.{c}") is not None})
    if "name" in t:  # a place name: the language's part
        t["name"] = [labels.local_name(v) if isinstance(v, str) else v for v in t["name"]]
    numeric = [c for c in t.columns if pd.api.types.is_numeric_dtype(t[c])
               and not pd.api.types.is_bool_dtype(t[c]) and c not in ("call", "id")]
    flags = [c for c in t.columns if pd.api.types.is_bool_dtype(t[c])]
    keys = [c for c in t.columns if c not in numeric and c not in flags and c != "call"]
    if keys:
        sizes = t.groupby(keys, observed=True, sort=False, dropna=False).size()
        if len(sizes) and (sizes == n).all():
            grouped = t.groupby(keys, observed=True, sort=False, dropna=False)
            highest = [c for c in numeric if is_maximum(c)]
            out = grouped[[c for c in numeric + flags if c not in highest]].mean()
            for c in highest:
                out[f"{_header(c)} ({tr('highest replication')})"] = grouped[c].max()
            return out.reset_index(), tr("one row per {key}: mean over {n} replication(s); "
                                         "maxima: the highest replication",
                                         key=labels.label(keys[0]), n=n)
    rows = []
    for c in numeric + flags:
        if c in TIME_INDEX:
            continue
        v = t[c].astype(float)
        fmt = ".1%" if c in flags else _guess_format(c, v)
        stats = {tr("mean"): v.mean(), tr("median"): v.median(), tr("p95"): v.quantile(0.95),
                 tr("max (any replication)"): v.max()}
        rows.append({tr("column"): (tr("{column} (share true)", column=_header(c))
                                    if c in flags else _header(c)),
                     **{k: _cell(x, fmt)[0] for k, x in stats.items()},
                     tr("values"): f"{int(v.notna().sum()):,}"})
    summary = pd.DataFrame(rows)
    note = tr("{rows:,} rows ({per:,.4g} per replication): each numeric column summarised",
              rows=len(t), per=len(t) / n)
    if keys:
        counts = t[keys[0]].astype(str).value_counts()
        if len(counts) <= 8:
            listed = ", ".join(tr("{value} {count:,.4g}/replication",
                                  value=labels.translate(k), count=v / n)
                               for k, v in counts.items())
            note += "; " + tr("rows by {key}: {counts}", key=labels.label(keys[0]),
                              counts=listed)
    return summary, note


#: Columns that index time in a component's time series (not summarised).
TIME_INDEX = {"hour", "day", "time_h", "t_h", "time", "start_h", "end_h"}

_TIMESTAMP = re.compile(r"(start|end|arrival|scheduled|ready|called|berthed|handled|unberthed"
                        r"|departed|window_start)(_in|_out)?_h")
_IDENTIFIER = {"call", "train", "id", "replication", "hour", "day", "time", "time_h", "t_h"}


def meaningless(column: str) -> bool:
    """An identifier or a time stamp: its mean says nothing (``train``, ``start_h`` …).
    Durations (``busy_h``, ``sail_in_h``, ``*_wait_h``) are statistics and stay."""
    return column in _IDENTIFIER or bool(_TIMESTAMP.fullmatch(column))


def is_maximum(column: str) -> bool:
    """A maximum within one replication (``max_teu``, ``queue_max``, ``peak_*``): shown as
    the highest replication (or per replication), never as a mean ± CI."""
    return column.startswith(("max_", "peak_")) or column.endswith("_max")


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
    judged = ", ".join(tr("{component}: {kpi} vs {limit}", component=tr(c.label),
                          kpi=tr(c.kpi(s.kpi).label),
                          limit=labels.translate(s.limit_source))
                       for c in present for s in c.limits)
    return Section(tr("Landside and canal"), anchor="landside").add(
        text(tr("Landside components, most stressed first, each against its planning "
                "limit ({judged}); shaded rows are over the limit. Inputs: which of the "
                "figures that size each one are sourced (a key of the port file's sources), "
                "derived from other figures, or assumed.", judged=judged)),
        table(_in_words(kpis_in_words(landside.sort_values("stress", ascending=False)),
                        "judgement"),
              labels.columns(["component", "id", "kpi", "value", "limit", "stress",
                              "judgement", "inputs"]),
              row_class=lambda r: "bad" if bool(r.get("over")) else ""))


def kpis_in_words(landside: pd.DataFrame) -> pd.DataFrame:
    """The landside table with its ``kpi`` column as the registry's label of each
    component's KPI (``utilisation`` of a yard → "yard utilisation"), in the language."""
    from portsim.model.components import REGISTRY

    def said(component: str, kpi: str) -> str:
        comp = REGISTRY.get(component)
        found = next((k for k in comp.kpis if k.name == kpi), None) if comp else None
        return tr(found.label) if found else kpi

    return landside.assign(kpi=[said(str(c), str(k)) for c, k in
                                zip(landside["component"], landside["kpi"], strict=True)])


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
            out.append(text(tr("{caption}: could not be drawn ({e})", caption=tr(caption),
                               e=f"{type(exc).__name__}: {exc}")))
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


#: Headings of the answer's parts (:func:`portsim.verdict.answer_parts`).
PART_HEADINGS = {"headline": "Answer", "throughput": "Throughput", "service": "Service",
                 "breaks_first": "What breaks first", "fixes": "What fixes it",
                 "robustness": "Robustness"}


def _area_named(frame: pd.DataFrame, port) -> pd.DataFrame:
    """The ``area`` column as the operation area's name in the report's language."""
    if frame is None or "area" not in frame:
        return frame
    names = labels.area_names(port)
    return frame.assign(area=[f"{a} {names[a]}" if a in names and names[a] != a else a
                              for a in frame["area"].astype(str)])


def transfer_terminals(scenario) -> set[str]:
    """The terminals the canal's transfer berths make (``canal.transfer_berths`` when the
    river-sea ships berth there, ``canal.transfer: transfer_berths``); none without."""
    canal = getattr(scenario, "canal", None)
    if canal is None or canal.transfer != "transfer_berths":
        return set()
    return {g.terminal for g in canal.transfer_berths}


def transfer_named(frame: pd.DataFrame | None, scenario) -> pd.DataFrame | None:
    """A terminal table whose transfer terminals (:func:`transfer_terminals`) say in their
    ``area`` cell that they are the canal's transfer berths (江海联运换装泊位):
    ``DLS · canal transfer berths``; other rows as they are."""
    ids = transfer_terminals(scenario)
    if frame is None or not ids or "area" not in frame or "terminal" not in frame:
        return frame
    note = tr("canal transfer berths")
    return frame.assign(area=[f"{a} · {note}" if str(t) in ids else a
                              for t, a in zip(frame["terminal"], frame["area"], strict=True)])


def _in_words(frame: pd.DataFrame | None, *columns: str) -> pd.DataFrame | None:
    """Judgements (``"waiting factor above limit; …"``, :mod:`portsim.limits`) in the
    report's language, clause by clause (a clause the glossary lacks stays as it is)."""
    if frame is None or labels.current() == "en":
        return frame
    out = frame.copy()
    for c in columns:
        if c in out:
            out[c] = [v if not isinstance(v, str) else "；".join(
                tr(part.strip()) for part in v.split(";")) for v in out[c]]
    return out


def preview_table(reps, terminals: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The analytic preview beside the simulation per terminal (:mod:`portsim.preview`),
    and the preview's own verdict; an empty table when the preview cannot be computed."""
    from portsim.preview import beside_simulation, preview

    try:
        pv = preview(reps.scenario)
        both = beside_simulation(pv, terminals)
    except Exception as exc:  # the simulation's report must not fail on the preview
        return pd.DataFrame(), tr("preview unavailable: {e}", e=f"{type(exc).__name__}: {exc}")
    both = both.sort_values("berth_utilisation_sim", ascending=False, na_position="last")
    return both, pv.verdict


def _preview_columns() -> dict[str, tuple[str, str]]:
    prev, sim = tr("preview"), tr("simulated")
    cols = {"terminal": (labels.label("terminal"), ""),
            "servers": (labels.label("servers"), ".1f")}
    for key in ("berth_utilisation", "occupancy", "waiting_factor", "mean_wait_h"):
        cols[f"{key}_preview"] = (f"{labels.header(key)} · {prev}", labels.fmt(key))
        cols[f"{key}_sim"] = (f"{labels.header(key)} · {sim}", labels.fmt(key))
    return cols


def run_report(reps, verdict=None, *, text_output: str | None = None,
               robustness=None, lang: str | None = None) -> str:
    """The page for ``portsim run``: the answer in its parts, key figures, tables, plots
    (and, with ``robustness``, a :class:`portsim.robustness.RobustnessResult`, the
    answer under each assumption set: its sentence joins the answer, its table a
    section). ``lang``: ``"en"`` or ``"zh"`` (default :func:`portsim.labels.current`)."""
    with labels.using(lang):
        return _run_report(reps, verdict, text_output, robustness)


def _run_report(reps, verdict, text_output, robustness) -> str:
    from portsim import plots
    from portsim.verdict import STATUS_WORDS, answer_in_one_line, answer_parts, judge

    verdict = verdict if verdict is not None else judge(reps)
    lg = labels.current()
    sc = reps.scenario
    name = sc.name
    first = reps.runs[0]
    subtitle = " · ".join(s for s in [
        labels.scenario_description(sc),
        tr("{n} berths in service", n=len(sc.port.berths)) + (f" ({sc.year})" if sc.year
                                                              else ""),
        tr("{n} replication(s) of {days:g} days after {warm:g} days warm-up, seed {seed}",
           n=len(reps.runs), days=sc.run.horizon_days, warm=sc.run.warmup_days,
           seed=sc.run.seed),
    ] if s)
    kpi = reps.port_kpis()
    cards = []
    for key, scale, unit, fmt in (
            ("teu_delivered", 1e-6, tr(" M TEU/yr"), ".2f"),
            ("tonnes_delivered", 1e-6, tr(" Mt/yr"), ".1f"),
            ("container_mean_wait_h", 1, " " + labels.unit("container_mean_wait_h"), ".1f"),
            ("container_waiting_factor", 1, "", ".2f")):
        if key in kpi.index and np.isfinite(kpi.loc[key, "mean"]):
            m, h = kpi.loc[key, "mean"] * scale, kpi.loc[key, "ci95"] * scale
            ci = f" ± {h:{fmt}}" if np.isfinite(h) else ""
            cards.append((f"{m:{fmt}}{ci}{unit}", labels.label(key)))
    if verdict.bottleneck:
        cards.append((verdict.bottleneck, tr("most stressed terminal")))

    terminals = _in_words(transfer_named(_area_named(verdict.terminals, sc.port), sc),
                          "judgement")
    sections = [
        Section(tr("Demand vs delivered"), anchor="demand").add(
            text(tr("Per year, mean ± 95 % confidence interval over replications.")),
            table(verdict.flows, flow_columns(),
                  row_class=lambda r: "bad" if bool(r.get("short")) else "")),
        Section(tr("Terminals"), anchor="terminals").add(
            text(tr("Most stressed first. Berth utilisation on the JTS 165 berth-time basis "
                    "(hours a berth is taken per berth: reserved while the ship sails in, "
                    "berthing, handling, unberthing) against the top of its planning band, "
                    "waiting factor (mean wait / mean berth time) against its limit; the "
                    "quay-metre occupancy is shown beside it, not judged. Shaded rows are "
                    "over a planning limit.")),
            table(terminals, terminal_columns(), row_class=_judged,
                  ci=("calls", "berth_utilisation", "occupancy", "waiting_factor"))),
    ]
    ranking = getattr(verdict, "ranking", None)
    if ranking is not None and ranking.order:
        sections[-1].add(text(
            tr("Ranked by stress with paired differences across replications (same "
               "replication index = common random numbers): ") + ranking.sentence(lang=lg)
            + ("。" if lg == "zh" else ".")))
    both, pv_verdict = preview_table(reps, verdict.terminals)
    if len(both) or pv_verdict:
        sections.append(Section(tr("Preview vs simulation"), anchor="preview").add(
            text(tr("The analytic preview (queueing theory and the JTS 165 berth-capacity "
                    "formula, computed before simulating) beside the simulated mean, per "
                    "terminal. Where they differ, the simulation has what the formula "
                    "leaves out (berth windows, tides, cranes, the quay as a line).")),
            table(both, _preview_columns(), ci=False) if len(both) else "",
            text(pv_verdict) if pv_verdict else ""))
    sat = getattr(verdict, "saturation", None)
    if sat is not None and len(sat):
        sections.append(Section(tr("Saturation"), anchor="saturation").add(
            text(tr("Does the anchorage queue grow over the measurement window? Batch means "
                    "of the number of ships waiting (10 batches), the rise of a least-squares "
                    "trend over the window per replication, a one-sided test pooled over "
                    "replications (Stouffer), each check at 5 % / (number of checks) so "
                    "that a stationary port is called saturated with probability at most "
                    "5 %; saturated = the test rejects and the queue rises by at least one "
                    "ship. Shaded rows saturate.")),
            table(sat.sort_values("p_value"), labels.columns(
                ["id", "growth", "growth_ci95", "growth_min", "growth_max", "p_value",
                 "replications", "saturated"], id=labels.label("terminal"),
                growth_ci95="±"), ci=False,
                row_class=lambda r: "bad" if bool(r.get("saturated")) else "")))
    landside = getattr(verdict, "landside", None)
    if landside is not None and len(landside):
        sections.append(_landside_section(landside))
    if getattr(verdict, "limits", None):
        sections.append(Section(tr("Limit records"), anchor="limits").add(
            text(tr("Every judged thing once: the KPI that gives its stress, its value and "
                    "limit, over or not, the reason and the basis of the limit.")),
            table(_in_words(verdict.limits_table(), "reason"), labels.columns(
                ["component", "id", "kpi", "value", "ci95", "limit", "stress", "over",
                 "reason", "basis"]) | {"ci95": (labels.label("ci95"), ".2g")},
                ci=False, row_class=lambda r: "bad" if bool(r.get("over")) else "")))
    sections += [
        Section(tr("Port KPIs"), anchor="port-kpis").add(table(port_kpi_table(reps),
                                                               ci=False)),
        Section(tr("Operation areas"), anchor="areas").add(
            table(_area_named(reps.area_kpis(), sc.port))),
    ]
    names = component_names(reps)
    if names:
        comp = Section(tr("Component models"), anchor="components")
        for n in names:
            frame, note = component_table(reps, n)
            comp.add(f"<h3>{html.escape(_header(n))}</h3>", text(note),
                     table(frame) if not frame.empty else "")
        sections.append(comp)
    figs = Section(tr("Plots"), anchor="plots")
    figs.add(
        figure(plots.demand_vs_delivered(verdict.flows, f"{name}: {tr('throughput')}"),
               tr("Annual demand and delivered volume per flow (mean ± 95 % CI).")),
        figure(plots.occupancy_by_terminal(
            terminals, f"{name}: {labels.label('berth_utilisation')}", "berth_utilisation"),
               tr("Berth utilisation (JTS 165 berth-time basis) per terminal against its "
                  "planning band (green), quay-metre occupancy marked beside it; red bars "
                  "are above the band.")),
        figure(plots.occupancy_by_berth(_area_named(reps.berths, sc.port), reps.scenario.rules,
                                        f"{name}: {tr('occupancy per berth')}"),
               tr("Occupancy of every berth section (share of its quay length x time used "
                  "by ships, mean ± 95 % CI), grouped by operation area, against the "
                  "planning band of its cargo (green); red bars are above the band.")),
        figure(plots.waits_by_terminal(verdict.terminals,
                                       f"{name}: {tr('waiting for a berth')}"),
               tr("Mean and 95th-percentile wait for a berth per terminal.")),
        figure(plots.waits_by_cause(reps.calls, f"{name}: {tr('waiting time by cause')}"),
               tr("Mean wait per call by cause, calls arriving in the measurement window, "
                  "all replications pooled.")),
        figure(plots.anchorage_queue(first, f"{name}: {tr('anchorage queue')}"),
               tr("Ships waiting at anchorage over time (replication {rep}).",
                  rep=first.replication)),
    )
    if len(verdict.terminals):
        area = str(verdict.terminals.iloc[0]["area"])
        area_name = labels.area_names(sc.port).get(area, area)
        figs.add(figure(plots.berth_gantt(first, area),
                        tr("Which ship lay where and when in {area}, the operation area of "
                           "the most stressed terminal (first 4 weeks after warm-up).",
                           area=area_name)))
    figs.add(*_component_figures(reps))
    sections.append(figs)
    parts = answer_parts(verdict, name, lg)
    if robustness is not None:
        from portsim.robustness import robustness_sentence, robustness_table

        sentence = robustness_sentence(robustness)
        parts["robustness"] = sentence
        sections.insert(2, Section(tr("Robustness"), anchor="robustness").add(
            text(tr("The same scenario under each named assumption set (scenarios/"
                    "assumptions/), on the same seeds: paired differences from the base "
                    "with 95 % CIs, the verdict's status, and whether the answer holds.")
                 + " " + sentence),
            table(robustness_table(robustness))))
    shown = {tr(PART_HEADINGS[k]): v for k, v in parts.items()}
    one_line = answer_in_one_line(verdict, name)
    if robustness is not None:
        one_line += " " + tr("ROBUSTNESS: ") + parts["robustness"]
    extra = kpi_cards(cards) + (
        f"<details><summary>{html.escape(tr('The answer in one paragraph'))}</summary>"
        f"<p class=\"note\">{html.escape(one_line)}</p></details>")
    if text_output:
        sections.append(Section(tr("As printed by portsim run"), anchor="text").add(
            pre(text_output)))
    status_text = STATUS_WORDS.get(verdict.status, {}).get(lg, verdict.status)
    return page(f"portsim — {name}", shown, sections, status=verdict.status,
                status_text=status_text, subtitle=subtitle, verdict_extra=extra)


# ----------------------------------------------------------------- capacity


def capacity_report(res, *, curve: pd.DataFrame | None = None,
                    text_output: str | None = None, lang: str | None = None) -> str:
    """The page for ``portsim capacity``: the answer, the capacity table, the search.

    ``res``: a :class:`portsim.experiments.capacity.CapacityResult`. ``curve``: optional
    runs at several demand levels (e.g. ``SweepResult.runs`` of a container-growth
    sweep) drawn as the capacity curve with the capacity marked. ``lang``: ``"en"`` or
    ``"zh"`` (default :func:`portsim.labels.current`).
    """
    with labels.using(lang):
        return _capacity_report(res, curve, text_output)


def _capacity_report(res, curve, text_output) -> str:
    from portsim import plots

    fams = list(res.families.values())
    status = tone = None
    if fams:
        f0 = fams[0]
        lo, hi = f0.capacity - f0.ci95, f0.capacity + f0.ci95
        status, tone = ((tr("capacity above target"), "ok") if lo >= f0.target else
                        (tr("target inside the CI"), "warn") if hi >= f0.target else
                        (tr("capacity below target"), "bad"))
    cards = []
    for f in fams:
        u = tr("M TEU/yr") if f.unit == "TEU" else tr("Mt/yr")
        cards.append((f"{f.capacity / 1e6:.2f} ± {f.ci95 / 1e6:.2f} {u}",
                      f"{f.cargo} {labels.label('capacity')} ({f.criterion.describe()})"))
        cards.append((f"{f.margin_share:+.1%}", tr("margin over the {v:g} target",
                                                   v=f.target / 1e6)))
    sections = [Section(labels.label("capacity").capitalize(), anchor="capacity").add(
        text(tr("Capacity: the largest annual volume at which the service criterion still "
                "holds — mean of one root per replication, with its 95 % confidence "
                "interval.")),
        table(res.table(), labels.columns(
            ["cargo", "criterion", "demand", "target", "capacity", "rel_ci", "margin_share",
             "replications", "runs", "value_at_capacity", "bottleneck", "bottleneck_area",
             "stress"])))]
    figs = Section(tr("Plots"), anchor="plots")
    for f in fams:
        ev = res.evaluations
        ev = ev[ev["cargo"] == f.cargo] if "cargo" in ev else ev
        ylabel = (labels.header("waiting_factor") if f.criterion.kind == "waiting_factor"
                  else labels.header("mean_wait_h"))
        figs.add(figure(plots.capacity_search(
            ev, f"{res.scenario}: {f.cargo} {tr('capacity search')}",
            limit=f.criterion.limit, capacity=(f.capacity, f.ci95), target=f.target,
            unit=f.unit, ylabel=ylabel),
            tr("Each replication's criterion value at the volumes the search tried; the "
               "capacity is where the lines cross the limit.")))
    box = res.families.get("container")
    if curve is not None and not curve.empty:
        limit = (box.criterion.limit if box is not None
                 and box.criterion.kind == "waiting_factor" else 0.10)
        figs.add(figure(plots.capacity_curve(
            curve, f"{res.scenario}: {tr('throughput and waiting against demand')}",
            limit=limit,
            target=box.target if box is not None else 8e6,
            capacity=(box.capacity, box.ci95) if box is not None else None),
            tr("Capacity curve: each KPI against container demand, mean and 95 % CI over "
               "replications; the capacity found by the search shaded.")))
    for f in fams:
        sec = Section(f"{f.cargo}: {labels.label('replications')}",
                      anchor=f"samples-{_slug(f.cargo)}")
        sec.add(text(tr("One capacity sample per replication (the root of its curve).")),
                table(f.samples))
        if f.terminals is not None:
            sec.add(f"<h3>{html.escape(tr('Terminals at the capacity'))} "
                    f"({html.escape(f.cargo)})</h3>",
                    table(f.terminals, terminal_columns(), row_class=_judged))
        sections.append(sec)
    sections.append(figs)
    if text_output:
        sections.append(Section(tr("As printed by portsim capacity"), anchor="text").add(
            pre(text_output)))
    return page(f"portsim capacity — {res.scenario}", res.answer(), sections,
                status=status, tone=tone,
                subtitle=tr("{n} runs in {s:.0f} s", n=len(res.evaluations), s=res.wall_s),
                verdict_extra=kpi_cards(cards))


# ----------------------------------------------------------------- compare


def compare_report(result, *, text_output: str | None = None,
                   formats: dict[str, str] | None = None, lang: str | None = None) -> str:
    """The page for ``portsim compare``: which scenario changes waiting most, the paired
    differences against the base, each scenario's own verdict, and the plots.

    ``result``: a :class:`portsim.compare.Comparison` (every scenario run on the base's
    random numbers; differences per replication with a paired 95 % CI). KPI names,
    units and formats come from :mod:`portsim.labels` (``formats`` overrides a format);
    a difference is marked significant only where it is non-zero as shown and its 95 %
    interval excludes zero (:func:`portsim.compare.marked`).
    """
    with labels.using(lang):
        return _compare_report(result, text_output, formats)


def _compare_report(result, text_output, formats) -> str:
    from portsim import plots
    from portsim.compare import kpi_format, marked
    from portsim.verdict import STATUS_WORDS, judge

    base = result.base
    formats = formats or {}
    t = result.table
    waits = t[(t["kpi"] == "mean_wait_total_h") & (t["scenario"] != base)].dropna(
        subset=["diff"])
    better = waits[(waits["diff"] < 0) & waits["significant"]]
    if waits.empty:
        status, tone = None, None
    elif len(better):
        status, tone = tr("a significant improvement"), "ok"
    else:
        status, tone = tr("no significant improvement"), "warn"
    cards = [(f"{r.diff:+.2f} ± {_nz(r.ci95):.2f} {labels.unit('mean_wait_total_h')}",
              tr("{s}: wait per call vs base", s=r.scenario)) for r in waits.itertuples()]
    run = result.runs[0].scenario.run
    subtitle = tr("base '{base}'; {n} replication(s) of {days:g} days after {warm:g} days "
                  "warm-up, seed {seed}; common random numbers, paired differences with "
                  "95 % confidence intervals", base=base, n=run.replications,
                  days=run.horizon_days, warm=run.warmup_days, seed=run.seed)

    verdicts = []
    for label, reps in zip(result.labels, result.runs, strict=True):
        v = judge(reps)
        k = reps.port_kpis()["mean"]
        verdicts.append({"scenario": label, "status": v.status,
                         "status_text": STATUS_WORDS.get(v.status, {}).get(labels.current(),
                                                                          v.status),
                         "bottleneck": v.bottleneck,
                         "teu_delivered": k.get("teu_delivered", np.nan),
                         "container_waiting_factor": k.get("container_waiting_factor",
                                                           np.nan),
                         "mean_wait_total_h": k.get("mean_wait_total_h", np.nan),
                         "answer": v.answer})
    vt = pd.DataFrame(verdicts)

    def diff_rows(frame: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for r in frame.itertuples():
            fmt = formats.get(r.kpi) or kpi_format(r.kpi) or _guess_format(
                r.kpi, pd.Series([r.base, r.value]))
            sig = marked(r.diff, bool(r.significant), fmt)
            rows.append({"KPI": labels.header(r.kpi), "base": _cell(r.base, fmt)[0],
                         "scenario": _cell(r.value, fmt)[0],
                         "difference": _cell(r.diff, fmt)[0],
                         "± 95 % CI": _cell(r.ci95, fmt)[0],
                         "significant": tr("yes") if sig else "", "_sig": sig})
        return pd.DataFrame(rows)

    def diff_columns(label: str) -> dict[str, tuple[str, str]]:
        return {"KPI": (labels.label("kpi"), ""), "base": (base[:30], ""),
                "scenario": (label[:30], ""), "difference": (labels.label("diff"), ""),
                "± 95 % CI": (labels.label("ci95"), ""),
                "significant": (labels.label("significant"), "")}

    head = result.headline() if hasattr(result, "headline") else t
    sections = [Section(tr("Scenarios"), anchor="scenarios").add(
        text(tr("Each scenario judged on its own (as portsim run would).")),
        table(vt, labels.columns(["scenario", "status_text", "bottleneck", "teu_delivered",
                                  "container_waiting_factor", "mean_wait_total_h"],
                                 status_text=labels.label("status"),
                                 bottleneck=tr("most stressed terminal")),
              row_class=lambda r: {"falls short": "bad", "saturated": "bad",
                                  "delivers, congested": "warn"}
              .get(str(r["status"]), "")))]
    for label in result.labels[1:] or result.labels:
        rows = diff_rows(head[head["scenario"] == label])
        sections.append(Section(f"{label} vs {base}", anchor=f"vs-{_slug(label)}").add(
            text(tr("Headline KPIs: base mean, scenario mean, mean paired difference and its "
                    "95 % CI; shaded where the difference is non-zero and the interval "
                    "excludes zero.")),
            table(rows, diff_columns(label), ci=False,
                  row_class=lambda r: "warn" if r["_sig"] else "")))
    full = Section(tr("All KPIs"), anchor="all-kpis")
    for label in result.labels[1:] or result.labels:
        rows = diff_rows(t[t["scenario"] == label])
        full.add(f"<h3>{html.escape(label)} vs {html.escape(base)}</h3>",
                 table(rows, diff_columns(label), ci=False, max_rows=200,
                       row_class=lambda r: "warn" if r["_sig"] else ""))
    sections.append(full)
    figs = Section(tr("Plots"), anchor="plots")
    figs.add(figure(plots.comparison(t, base, tr("Against '{base}' ({n} paired replications)",
                                                 base=base, n=run.replications)),
                    tr("Change of the mean wait per call by cause, and of containers "
                       "delivered, against the base (mean paired difference ± 95 % CI).")))
    for label, reps in zip(result.labels, result.runs, strict=True):
        figs.add(figure(plots.waits_by_cause(reps.calls,
                                             f"{label}: {tr('waiting time by cause')}"),
                        tr("{s}: mean wait per call by cause and terminal.", s=label)))
    sections.append(figs)
    if text_output:
        sections.append(Section(tr("As printed by portsim compare"), anchor="text").add(
            pre(text_output)))
    return page(f"portsim compare — {base}", result.answer(), sections, status=status,
                tone=tone, subtitle=subtitle, verdict_extra=kpi_cards(cards))


def _nz(x: float) -> float:
    return 0.0 if x is None or not np.isfinite(x) else float(x)
