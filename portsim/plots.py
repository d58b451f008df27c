"""Figures for planners (matplotlib, Agg backend): each function returns a Figure.

Every axis carries its unit; planning bands and every limit the verdict uses are drawn
where they apply. Labels come from the registry :mod:`portsim.labels` in the language of
:func:`portsim.labels.current` (``with labels.using("zh"): …``); a Chinese font (Noto
Sans SC, installed with portsim from PyPI) is registered at import as the fallback of
the Latin font, so Chinese labels and port names render on a fresh machine.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from portsim.config.scenario import Rules
from portsim.labels import label as term_label
from portsim.labels import plot_label
from portsim.labels import t as tr
from portsim.labels import term as registered
from portsim.results import RunResult

LATIN_FONT = "DejaVu Sans"  # matplotlib's own: Latin text looks as it always did


def cjk_font_path():
    """The Chinese font file portsim installs (Noto Sans SC from the PyPI package
    ``pylopdf-fonts-zh-cn``), or None when it is missing."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:  # pragma: no cover - a dependency of portsim
        return None
    path = sans_path()
    return path if path.is_file() else None


def register_cjk_font() -> str | None:
    """Register the Chinese font with matplotlib as the fallback of :data:`LATIN_FONT`
    (glyph by glyph: Latin text keeps its font); returns its family name."""
    path = cjk_font_path()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = [LATIN_FONT, name]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212
    return name


CJK_FONT = register_cjk_font()


def _band_label(column: str) -> str:
    basis = {"occupancy": tr("quay length x time"),
             "berth_utilisation": tr("JTS 165 berth-time basis")}.get(column, "")
    name, _ = plot_label(column)
    return f"{name}, {basis} — {tr('green: planning band')}" if basis else name


def occupancy_by_terminal(terminals: pd.DataFrame, title: str,
                          column: str = "occupancy") -> Figure:
    """``column`` (quay ``occupancy`` or design-code ``berth_utilisation``) per terminal
    (mean ± 95 % CI) against its planning band; with ``berth_utilisation`` the quay
    occupancy is marked beside it (black tick)."""
    t = terminals.sort_values(column)
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(t) + 1.6))
    y = np.arange(len(t))
    over = t[column] > t["band_top"]
    ax.barh(y, t[column] * 100, xerr=t.get(f"{column}_ci95", 0) * 100,
            color=np.where(over, "#c0392b", "#2e86c1"), alpha=0.9)
    if column != "occupancy" and "occupancy" in t:
        ax.plot(t["occupancy"] * 100, y, "|", color="black", ms=12,
                label=term_label("occupancy"))
        ax.legend(loc="lower right", fontsize=8)
    for i, (lo, hi) in enumerate(zip(t["band_low"], t["band_top"], strict=True)):
        ax.plot([lo * 100, hi * 100], [i, i], color="#27ae60", lw=6, alpha=0.35,
                solid_capstyle="butt")
    ax.set_yticks(y, [f"{a} · {n}" for a, n in zip(t["area"], t["terminal"], strict=True)],
                  fontsize=8)
    ax.set_xlabel(_band_label(column))
    ax.set_xlim(0, max(100, float((t[column] * 100).max()) + 5))
    ax.set_title(title)
    fig.tight_layout()
    return fig


def occupancy_by_berth(berths: pd.DataFrame, rules: Rules, title: str,
                       column: str = "occupancy") -> Figure:
    """``column`` (quay ``occupancy`` or design-code ``berth_utilisation``) of every
    berth (mean ± 95 % CI over replications), grouped by operation area, against the
    planning band of its main cargo (``rules.threshold``).

    ``berths``: the berth table of every replication stacked (``Replications.berths``).
    """
    from portsim.simulate import mean_ci

    rows = []
    for (area, berth), g in berths.groupby(["area", "berth"], sort=False, observed=True):
        mean, half, _ = mean_ci(g[column])
        rows.append((str(area), str(berth), str(g["cargo"].iloc[0]).split("/")[0], mean,
                     0.0 if np.isnan(half) else half))
    t = pd.DataFrame(rows, columns=["area", "berth", "cargo", "occupancy", "ci95"])
    t = t.sort_values(["area", "berth"], ascending=False, kind="stable").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.16 * len(t) + 1.6))
    y = np.arange(len(t))
    low = t["cargo"].map(lambda c: rules.threshold(c).occupancy_band[0]).to_numpy(float)
    top = t["cargo"].map(lambda c: rules.threshold(c).occupancy_band[1]).to_numpy(float)
    over = t["occupancy"].to_numpy() > top
    ax.barh(y, t["occupancy"] * 100, xerr=t["ci95"] * 100, height=0.75,
            color=np.where(over, "#c0392b", "#2e86c1"), alpha=0.9, error_kw={"lw": 0.6})
    for i in range(len(t)):
        ax.plot([low[i] * 100, top[i] * 100], [i, i], color="#27ae60", lw=4, alpha=0.35,
                solid_capstyle="butt")
    for k in np.flatnonzero(t["area"].to_numpy()[1:] != t["area"].to_numpy()[:-1]):
        ax.axhline(k + 0.5, color="grey", lw=0.5)
    ax.set_yticks(y, [f"{a} · {b}" for a, b in zip(t["area"], t["berth"], strict=True)],
                  fontsize=6)
    ax.set_ylim(-0.7, len(t) - 0.3)
    ax.set_xlabel(_band_label(column))
    ax.set_xlim(0, max(100, float((t["occupancy"] * 100).max()) + 5))
    ax.set_title(title)
    fig.tight_layout()
    return fig


def waits_by_terminal(terminals: pd.DataFrame, title: str) -> Figure:
    """Mean and 95th-percentile anchorage wait per terminal."""
    t = terminals.sort_values("mean_wait_h")
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(t) + 1.6))
    y = np.arange(len(t))
    ax.barh(y + 0.2, t["p95_wait_h"], height=0.4, color="#f5b041",
            label=term_label("p95_wait_h"))
    ax.barh(y - 0.2, t["mean_wait_h"], height=0.4, xerr=t.get("mean_wait_h_ci95"),
            color="#884ea0", label=term_label("mean_wait_h") + " (± 95 % CI)")
    ax.set_yticks(y, t["terminal"], fontsize=8)
    ax.set_xlabel(tr("wait for a berth at anchorage (h)"))
    ax.legend(loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def anchorage_queue(run: RunResult, title: str) -> Figure:
    """Ships waiting at anchorage over time (one replication)."""
    q = run.queue
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.step(q["time_h"] / 24.0, q["waiting"], where="post", color="#1f618d", lw=0.8)
    warm = run.scenario.run.warmup_days
    ax.axvspan(0, warm, color="grey", alpha=0.15, label=tr("warm-up"))
    ax.set_xlabel(tr("day"))
    ax.set_ylabel(tr("ships waiting"))
    ax.set_title(title)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def berth_gantt(run: RunResult, area: str, days: float = 28.0) -> Figure:
    """Which ship lay where and when: one row per berth section of an area."""
    calls = run.calls
    berths = run.berths[run.berths["area"] == area]
    start = run.scenario.run.warmup_days * 24.0
    end = start + days * 24.0
    sel = calls[(calls["area"] == area) & calls["berthed_h"].notna()
                & (calls["berthed_h"] < end)
                & (calls["unberthed_h"].fillna(np.inf) > start)]
    rows = {b: i for i, b in enumerate(berths["berth"])}
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(rows) + 1.5))
    colours = plt.get_cmap("tab20")
    for j, r in enumerate(sel.itertuples()):
        if r.berth not in rows:
            continue
        t0 = max(r.berthed_h, start)
        t1 = min(r.unberthed_h if np.isfinite(r.unberthed_h) else end, end)
        ax.broken_barh([((t0 - start) / 24.0, (t1 - t0) / 24.0)], (rows[r.berth] - 0.4, 0.8),
                       facecolors=colours(j % 20), edgecolor="black", linewidth=0.3)
    ax.set_yticks(list(rows.values()), list(rows), fontsize=7)
    ax.set_xlabel(tr("day after warm-up ({days:g} days shown)", days=days))
    ax.set_title(tr("Berth occupation — {area} (replication {rep})", area=area,
                   rep=run.replication))
    ax.set_xlim(0, days)
    fig.tight_layout()
    return fig


def demand_vs_delivered(flows: pd.DataFrame, title: str) -> Figure:
    """Annual demand and delivered volume per flow (mean ± 95 % CI)."""
    f = flows
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(f) + 1.6))
    y = np.arange(len(f))
    scale = np.where(f["unit"] == "TEU", 1e6, 1e6)
    ax.barh(y + 0.2, f["demand_per_year"] / scale, height=0.4, color="#aab7b8",
            label=term_label("demand_per_year"))
    ax.barh(y - 0.2, f["delivered_per_year"] / scale, height=0.4,
            xerr=f.get("delivered_per_year_ci95", 0) / scale, color="#117a65",
            label=term_label("delivered_per_year"))
    ax.set_yticks(y, [f"{n} ({tr('M TEU') if u == 'TEU' else tr('Mt')})"
                      for n, u in zip(f["flow"], f["unit"], strict=True)], fontsize=8)
    ax.set_xlabel(tr("per year (M TEU or Mt)"))
    ax.legend(loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


#: Colours of the waiting causes of the marine side (``wait_<cause>_h`` columns of the
#: calls table); their labels are the glossary's ``cause_<cause>`` terms
#: (:func:`cause_label`). The landside components' causes are declared, with colour and
#: label, in the component registry (:func:`cause_styles`).
CAUSES = {
    "berth": "#884ea0", "channel": "#2e86c1", "tide": "#17a589", "pilot": "#f5b041",
    "tug": "#dc7633", "weather": "#7f8c8d", "yard": "#c0392b", "gate": "#a04000",
    "rail": "#5d6d7e",
}


def cause_styles() -> dict[str, tuple[str, str]]:
    """Colour and label (current language) of every waiting cause: :data:`CAUSES`, then
    the wait causes of the registered components (:data:`portsim.model.components.
    REGISTRY`, their ``colour`` and ``label`` where the glossary has no term)."""
    from portsim.model.components import REGISTRY

    styles = {cause: (colour, cause_label(cause)) for cause, colour in CAUSES.items()}
    for comp in REGISTRY.values():
        for cause in comp.wait_causes:
            label = cause_label(cause.name)
            if label == cause.name and cause.label:
                label = cause.label
            styles.setdefault(cause.name, (cause.colour, label))
    return styles


def cause_label(cause: str) -> str:
    """The label of a waiting cause in the current language (an unregistered cause: its
    name)."""
    return term_label(f"cause_{cause}") if registered(f"cause_{cause}") else cause


def wait_causes(calls: pd.DataFrame) -> list[str]:
    """The waiting causes present in a calls table: ``wait_<cause>_h`` columns, berth first."""
    found = [c[5:-2] for c in calls.columns
             if c.startswith("wait_") and c.endswith("_h") and c != "wait_total_h"]
    order = list(cause_styles())
    return sorted(found, key=lambda c: (c != "berth", order.index(c)
                                        if c in order else len(order), c))


def waits_by_cause(calls: pd.DataFrame, title: str) -> Figure:
    """Mean wait per call by cause, stacked, per terminal (calls arriving in the window).

    Takes whatever ``wait_<cause>_h`` columns the calls table has (berth, and the channel,
    tide, pilot, tug, weather, yard … waits as those models add them); one replication's
    calls or several stacked (``Replications.calls``), pooled.
    """
    c = calls[calls["in_window"].astype(bool)] if "in_window" in calls else calls
    causes = wait_causes(c)
    means = (c.groupby("terminal", observed=True)[[f"wait_{k}_h" for k in causes]]
             .mean().fillna(0.0))
    means.columns = causes
    if len(causes) > 1:
        means = means.loc[:, (means > 0).any()]
    means = means.loc[means.sum(axis=1).sort_values().index]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(means) + 2.0))
    y = np.arange(len(means))
    left = np.zeros(len(means))
    other = plt.get_cmap("tab10")
    styles = cause_styles()
    for i, cause in enumerate(means.columns):
        colour, label = styles.get(cause, (other(i % 10), cause))
        ax.barh(y, means[cause], left=left, color=colour, label=label, height=0.7)
        left += means[cause].to_numpy()
    ax.set_yticks(y, [str(t) for t in means.index], fontsize=8)
    ax.set_xlabel(tr("mean wait per call (h), by cause"))
    if len(means.columns):
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


CURVE_KPIS = ("teu_delivered", "container_waiting_factor")


def capacity_curve(runs: pd.DataFrame, title: str, *, x: str = "teu_demand",
                   y: str | tuple[str, ...] | list[str] = CURVE_KPIS,
                   target: float | None = 8e6, limit: float | None = 0.10,
                   capacity: tuple[float, float] | None = None) -> Figure:
    """KPIs against container demand: mean and 95 % CI band over replications.

    ``runs``: one row per demand level × replication (e.g. ``SweepResult.runs``: the
    ``teu_demand`` column and the port KPIs). One panel per KPI in ``y``; ``target``
    (TEU/yr, the 2025 plan's 8 M) is marked on every panel, ``limit`` on the waiting-
    factor panel, and ``capacity`` = (capacity, CI half-width) in TEU/yr, e.g. from
    :func:`portsim.experiments.capacity`, as a shaded band.
    """
    from portsim.simulate import mean_ci

    kpis = [y] if isinstance(y, str) else list(y)
    fig, axes = plt.subplots(len(kpis), 1, figsize=(9, 3.3 * len(kpis) + 0.6), sharex=True,
                             squeeze=False)
    level = runs[x].round(0) if x == "teu_demand" else runs[x]
    for ax, kpi in zip(axes[:, 0], kpis, strict=True):
        label, scale = plot_label(kpi)
        stats = [(lv, *mean_ci(g[kpi])) for lv, g in runs.groupby(level, sort=True)]
        xs = np.array([s[0] for s in stats], dtype=float) / 1e6
        mean = np.array([s[1] for s in stats]) * scale
        half = np.nan_to_num(np.array([s[2] for s in stats], dtype=float)) * scale
        ax.scatter(runs[x] / 1e6, runs[kpi] * scale, s=10, color="#aab7b8", zorder=2,
                   label=tr("one replication"))
        ax.fill_between(xs, mean - half, mean + half, color="#2e86c1", alpha=0.25,
                        label=tr("95 % CI of the mean"))
        ax.plot(xs, mean, "o-", color="#1f618d", lw=1.8, ms=4, label=tr("mean"), zorder=3)
        if kpi == "teu_delivered":
            lim = [0, float(xs.max()) * 1.05] if len(xs) else [0, 1]
            ax.plot(lim, lim, ls=":", color="grey", lw=1, label=tr("delivered = demand"))
        if kpi == "container_waiting_factor" and limit is not None:
            ax.axhline(limit, color="#c0392b", ls="--", lw=1.2,
                       label=tr("planning limit {limit:g}", limit=limit))
        if capacity is not None and np.isfinite(capacity[0]):
            c, h = capacity[0] / 1e6, np.nan_to_num(capacity[1]) / 1e6
            ax.axvspan(c - h, c + h, color="#f5b041", alpha=0.35,
                       label=tr("capacity {c:.2f} ± {h:.2f} M TEU/yr", c=c, h=h))
        if target is not None:
            ax.axvline(target / 1e6, color="black", lw=1.2,
                       label=tr("target {v:g} M TEU/yr", v=target / 1e6))
        ax.set_ylabel(label, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=7)
    axes[-1, 0].set_xlabel(tr("container demand (M TEU/yr)"))
    axes[0, 0].set_title(title)
    fig.tight_layout()
    return fig


def capacity_search(evaluations: pd.DataFrame, title: str, *, limit: float,
                    capacity: tuple[float, float] | None = None,
                    target: float | None = None, unit: str = "TEU",
                    ylabel: str = "waiting factor (mean wait / berth time)") -> Figure:
    """A capacity search (``CapacityResult.evaluations`` of one family): each
    replication's criterion value against the volume tried, the limit, the capacity
    ± 95 % CI and the target."""
    scale, name = (1e-6, "M TEU/yr") if unit == "TEU" else (1e-6, "Mt/yr")
    fig, ax = plt.subplots(figsize=(9, 4.2))
    ev = (evaluations[evaluations["phase"] == "search"] if "phase" in evaluations
          else evaluations)
    for i, (_, g) in enumerate(ev.groupby("replication", sort=True)):
        g = g.sort_values("volume")
        ax.plot(g["volume"] * scale, g["value"], "o-", ms=3, lw=0.8, alpha=0.7,
                color=plt.get_cmap("tab10")(i % 10))
    ax.axhline(limit, color="#c0392b", ls="--", lw=1.2,
               label=tr("criterion limit {limit:g}", limit=limit))
    if capacity is not None and np.isfinite(capacity[0]):
        c, h = capacity[0] * scale, np.nan_to_num(capacity[1]) * scale
        ax.axvspan(c - h, c + h, color="#f5b041", alpha=0.4,
                   label=f"{tr('capacity')} {c:.2f} ± {h:.2f} {tr(name)}")
    if target is not None:
        ax.axvline(target * scale, color="black", lw=1.2,
                   label=f"{tr('target')} {target * scale:g} {tr(name)}")
    ax.set_xlabel(tr("annual demand tried ({name}); one line per replication", name=tr(name)))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save(fig: Figure, path) -> None:
    fig.savefig(path, dpi=110)
    plt.close(fig)


def comparison(table: pd.DataFrame, base: str, title: str) -> Figure:
    """Paired differences against the base scenario (mean ± 95 % CI over replications,
    common random numbers): mean wait per call by cause (left) and throughput (right)."""
    others = [s for s in dict.fromkeys(table["scenario"]) if s != base] or [base]
    styles = cause_styles()
    causes = [c for c in ("total", *styles) if f"mean_wait_{c}_h" in set(table["kpi"])]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 0.45 * len(causes) * len(others) + 2.2),
                                  gridspec_kw={"width_ratios": [3, 1.3]})
    height = 0.8 / len(others)
    colours = plt.get_cmap("tab10")
    y = np.arange(len(causes))
    for k, sc in enumerate(others):
        t = table[table["scenario"] == sc].set_index("kpi")
        d = [t["diff"].get(f"mean_wait_{c}_h", np.nan) for c in causes]
        e = [t["ci95"].get(f"mean_wait_{c}_h", np.nan) for c in causes]
        ax.barh(y + (k - (len(others) - 1) / 2) * height, d, height=height * 0.9,
                xerr=np.nan_to_num(e), color=colours(k % 10), label=sc, capsize=2)
        teu = t["diff"].get("teu_delivered", np.nan)
        teu_ci = t["ci95"].get("teu_delivered", np.nan)
        ax2.barh(k, teu / 1e3, xerr=np.nan_to_num(teu_ci / 1e3), color=colours(k % 10),
                 capsize=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, ["total" if c == "total" else styles[c][1] for c in causes], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(tr("change in mean wait per call vs '{base}' (h), ± 95 % paired CI",
                     base=base))
    ax.legend(fontsize=8, loc="best")
    ax2.axvline(0, color="black", lw=0.8)
    ax2.set_yticks(np.arange(len(others)), others, fontsize=8)
    ax2.invert_yaxis()
    ax2.set_xlabel(tr("change in containers delivered (k TEU/yr)"))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def channel_diagram(run: RunResult, days: float = 4.0, start_day: float | None = None) -> Figure:
    """Time–distance diagram of the channel with the tide above it (one replication).

    Each transit is a line from the sea end (0 km) to the berth end of its route
    (inbound rising, outbound falling); one-way ships in red. Above: the water level
    over chart datum and the weather closures (grey)."""
    from portsim.model.tide import tide_model

    sc = run.scenario
    port = sc.port
    cc = run.tables.get("channel_calls")
    seg = {s.id: s for s in port.channel_segments}
    t0 = (sc.run.warmup_days if start_day is None else start_day) * 24.0
    t1 = t0 + days * 24.0
    fig, (top, ax) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True,
                                  gridspec_kw={"height_ratios": [1, 3]})
    if port.tide is not None:
        tm = tide_model(port.tide, (sc.run.warmup_days + sc.run.horizon_days) * 24.0,
                        sc.port_file or "<port>")
        ts = np.linspace(t0, t1, 600)
        top.plot((ts - t0) / 24.0, tm.level(ts), color="#17a589")
        top.set_ylabel(tr("tide (m above CD)"))
    w = run.tables.get("weather")
    if w is not None:
        for r in w.itertuples():
            if r.end_h > t0 and r.start_h < t1:
                for a in (top, ax):
                    a.axvspan((max(r.start_h, t0) - t0) / 24.0, (min(r.end_h, t1) - t0) / 24.0,
                              color="grey", alpha=0.25)
    if cc is not None:
        routes = {(r.id or f"{r.anchorage}→{r.area} via {'/'.join(r.segments)}"): r
                  for r in port.routes}
        for d, sign in (("in", 1), ("out", -1)):
            sel = cc[(cc[f"start_{d}_h"] < t1) & (cc[f"start_{d}_h"] + cc[f"sail_{d}_h"] > t0)]
            for r in sel.itertuples():
                route = routes.get(str(getattr(r, f"route_{d}")))
                if route is None:
                    continue
                segs = [seg[s] for s in route.segments]
                km = np.concatenate([[0.0], np.cumsum([s.length_km for s in segs])])
                h = np.concatenate([[0.0], np.cumsum([s.transit_h for s in segs])])
                start = getattr(r, f"start_{d}_h")
                lead = getattr(r, f"sail_{d}_h") - h[-1]
                if sign > 0:
                    x, yk = start + lead + h, km
                else:
                    x, yk = start + lead + (h[-1] - h[::-1]), km[::-1]
                ow = bool(getattr(r, f"one_way_{d}"))
                ax.plot((x - t0) / 24.0, yk, color="#c0392b" if ow else "#2e86c1",
                        lw=1.6 if ow else 0.7, alpha=0.9 if ow else 0.6)
    ax.set_xlim(0, days)
    ax.set_xlabel(tr("day after hour {t0:g} (replication {rep})", t0=t0, rep=run.replication))
    ax.set_ylabel(tr("distance from the sea end of the route (km)"))
    top.set_title(tr("{name}: channel transits (red: one-way) and tide", name=sc.name))
    fig.tight_layout()
    return fig


def yard_occupancy(run: RunResult, title: str) -> Figure:
    """Yard stock over time (one replication), as a share of each yard's physical stack,
    with the planning band (60–80 %) and the working capacity (blocking) line."""
    hourly = run.tables["yard_hourly"]
    yards = run.tables["yard"].set_index("yard")
    band = run.scenario.landside.yard.utilisation_band
    fig, ax = plt.subplots(figsize=(10, 3.8))
    for yard, g in hourly.groupby("yard", observed=True):
        phys = float(yards.loc[yard, "physical_teu"])
        ax.plot(g["hour"] / 24.0, g["teu"] / phys * 100, lw=0.8, label=str(yard))
    ax.axhspan(band[0] * 100, band[1] * 100, color="#27ae60", alpha=0.12,
               label=tr("planning band"))
    caps = (yards["capacity_teu"] / yards["physical_teu"]).unique()
    for c in caps:
        ax.axhline(c * 100, color="#c0392b", lw=0.8, ls="--")
    ax.axvspan(0, run.scenario.run.warmup_days, color="grey", alpha=0.15)
    ax.set_xlabel(tr("day (grey: warm-up)"))
    ax.set_ylabel(tr("yard stock (% of slots x tiers)"))
    ax.set_ylim(0, max(100.0, float((hourly["teu"] / hourly["yard"].map(
        yards["physical_teu"]).astype(float)).max() * 100) + 5))
    ax.set_title(title + " — " + tr("red dashes: working capacity (discharge stops)"))
    ax.legend(loc="upper right", fontsize=7, ncol=3)
    fig.tight_layout()
    return fig


def rail_tracks(run: RunResult, title: str) -> Figure:
    """Loading tracks in use per rail terminal (daily mean, one replication) against the
    number of tracks (dashes) and the planning limit the verdict judges track occupancy
    against (dots: tracks x ``landside.sea_rail.track_occupancy_limit``, 70 % by
    default), and trains served per day."""
    trains = run.tables["trains"]
    rail = run.tables["rail"].set_index("rail_terminal")
    limit = float(run.scenario.landside.sea_rail.track_occupancy_limit)
    end_h = (run.scenario.run.warmup_days + run.scenario.run.horizon_days) * 24.0
    days = int(np.ceil(end_h / 24.0))
    fig, axes = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True)
    for term, g in trains.groupby("rail_terminal", sort=False):
        g = g.dropna(subset=["start_h"])
        busy = np.zeros(days)
        t0 = g["start_h"].to_numpy()
        t1 = np.minimum(g["end_h"].to_numpy(), end_h)
        for d in range(days):  # track-hours inside each day
            busy[d] = np.clip(np.minimum(t1, (d + 1) * 24.0) - np.maximum(t0, d * 24.0),
                              0, None).sum() / 24.0
        line = axes[0].plot(np.arange(days) + 0.5, busy, lw=0.9, label=str(term))[0]
        tracks = float(rail.loc[term, "tracks"])
        axes[0].axhline(tracks, color=line.get_color(), ls="--", lw=0.8)
        axes[0].axhline(tracks * limit, color=line.get_color(), ls=":", lw=1.4,
                        label=tr("{term}: limit {limit:.0%} of tracks", term=term,
                                 limit=limit))
        served = np.bincount((g["end_h"][g["end_h"] < end_h] // 24).astype(int),
                             minlength=days)[:days]
        axes[1].plot(np.arange(days) + 0.5, served, lw=0.9, label=str(term))
    axes[0].set_ylabel(tr("tracks in use (daily mean)"))
    axes[0].set_title(title + " — " + tr("dashes: tracks; dots: planning limit"))
    axes[0].legend(loc="upper right", fontsize=7)
    axes[1].set_ylabel(tr("trains served per day"))
    axes[1].set_xlabel(tr("day"))
    fig.tight_layout()
    return fig


def capacity_criteria(evaluations: pd.DataFrame, table: pd.DataFrame, title: str, *,
                      cargo: str = "container", target: float | None = None) -> Figure:
    """The capacity curve under several service criteria (``portsim capacity``).

    Every criterion's value over its limit (``value_<id>`` / ``limit``, so each limit
    is the line at 1) against the annual demand tried: one dot per run (every
    replication's search), the median per demand bin as a line; each criterion's
    capacity ± 95 % CI as a band in its colour, and ``target`` (8 M TEU for plan-2025)
    as a black line. ``evaluations``/``table``: :class:`CapacityResult` ``.evaluations``
    and ``.table()``.
    """
    ev = evaluations[(evaluations["cargo"] == cargo)] if len(evaluations) else evaluations
    rows = table[table["cargo"] == cargo]
    unit = str(rows["unit"].iloc[0]) if len(rows) else "TEU"
    name = "M TEU/yr" if unit == "TEU" else "Mt/yr"
    fig, ax = plt.subplots(figsize=(10, 5.2))
    cmap = plt.get_cmap("tab10")
    for i, row in enumerate(rows.itertuples()):
        col = f"value_{row.criterion_id}" if f"value_{row.criterion_id}" in ev else "value"
        color = cmap(i % 10)
        if len(ev) and col in ev:
            x = ev["volume"].to_numpy(dtype=float) / 1e6
            y = ev[col].to_numpy(dtype=float) / row.limit
            ok = np.isfinite(y) & (y > 0)
            ax.scatter(x[ok], y[ok], s=6, color=color, alpha=0.25)
            if ok.sum() >= 4:
                edges = np.quantile(x[ok], np.linspace(0, 1, min(10, ok.sum() // 3) + 1))
                bins = np.digitize(x[ok], edges[1:-1])
                mx = [np.median(x[ok][bins == b]) for b in np.unique(bins)]
                my = [np.median(y[ok][bins == b]) for b in np.unique(bins)]
                ax.plot(mx, my, "-", color=color, lw=1.6)
        c, h = row.capacity / 1e6, np.nan_to_num(row.ci95) / 1e6
        label = f"{row.criterion}: {c:.2f} ± {h:.2f}"
        if np.isfinite(c):
            ax.axvspan(c - h, c + h, color=color, alpha=0.25, label=label)
            ax.axvline(c, color=color, lw=1, ls="--")
    ax.axhline(1.0, color="#c0392b", lw=1.4, label=tr("each criterion's limit"))
    if target is not None:
        ax.axvline(target / 1e6, color="black", lw=1.6,
                   label=f"{tr('target')} {target / 1e6:g} {tr(name)}")
    ends = [v / 1e6 for v in (*(rows["capacity"] - rows["ci95"].fillna(0)),
                              *(rows["capacity"] + rows["ci95"].fillna(0)),
                              *([target] if target is not None else [])) if np.isfinite(v)]
    if ends:  # the crossings, not the far scales a search stepped out to
        ax.set_xlim(0.75 * min(ends), 1.25 * max(ends))
    ax.set_yscale("log")
    ax.set_xlabel(tr("{cargo} demand tried ({name}); one dot per port-year run", cargo=cargo,
                     name=tr(name)))
    ax.set_ylabel(tr("criterion value / its limit (log)"))
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    return fig
