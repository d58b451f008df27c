"""Figures for planners (matplotlib, Agg backend): each function returns a Figure.

Every axis carries its unit; planning bands are drawn where they apply.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from portsim.results import RunResult


def occupancy_by_terminal(terminals: pd.DataFrame, title: str) -> Figure:
    """Berth occupancy per terminal (mean ± 95 % CI) against its planning band."""
    t = terminals.sort_values("occupancy")
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(t) + 1.6))
    y = np.arange(len(t))
    over = t["occupancy"] > t["band_top"]
    ax.barh(y, t["occupancy"] * 100, xerr=t.get("occupancy_ci95", 0) * 100,
            color=np.where(over, "#c0392b", "#2e86c1"), alpha=0.9)
    for i, (lo, hi) in enumerate(zip(t["band_low"], t["band_top"], strict=True)):
        ax.plot([lo * 100, hi * 100], [i, i], color="#27ae60", lw=6, alpha=0.35,
                solid_capstyle="butt")
    ax.set_yticks(y, [f"{a} · {n}" for a, n in zip(t["area"], t["terminal"], strict=True)],
                  fontsize=8)
    ax.set_xlabel("berth occupancy (%) — green: planning band")
    ax.set_xlim(0, max(100, float((t["occupancy"] * 100).max()) + 5))
    ax.set_title(title)
    fig.tight_layout()
    return fig


def waits_by_terminal(terminals: pd.DataFrame, title: str) -> Figure:
    """Mean and 95th-percentile anchorage wait per terminal."""
    t = terminals.sort_values("mean_wait_h")
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(t) + 1.6))
    y = np.arange(len(t))
    ax.barh(y + 0.2, t["p95_wait_h"], height=0.4, color="#f5b041", label="95th percentile")
    ax.barh(y - 0.2, t["mean_wait_h"], height=0.4, xerr=t.get("mean_wait_h_ci95"),
            color="#884ea0", label="mean (± 95 % CI)")
    ax.set_yticks(y, t["terminal"], fontsize=8)
    ax.set_xlabel("wait for a berth at anchorage (h)")
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
    ax.axvspan(0, warm, color="grey", alpha=0.15, label="warm-up")
    ax.set_xlabel("day")
    ax.set_ylabel("ships waiting")
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
    ax.set_xlabel(f"day after warm-up ({days:g} days shown)")
    ax.set_title(f"Berth occupation — {area} (replication {run.replication})")
    ax.set_xlim(0, days)
    fig.tight_layout()
    return fig


def demand_vs_delivered(flows: pd.DataFrame, title: str) -> Figure:
    """Annual demand and delivered volume per flow (mean ± 95 % CI)."""
    f = flows
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(f) + 1.6))
    y = np.arange(len(f))
    scale = np.where(f["unit"] == "TEU", 1e6, 1e6)
    ax.barh(y + 0.2, f["demand_per_year"] / scale, height=0.4, color="#aab7b8", label="demand")
    ax.barh(y - 0.2, f["delivered_per_year"] / scale, height=0.4,
            xerr=f.get("delivered_per_year_ci95", 0) / scale, color="#117a65",
            label="delivered")
    ax.set_yticks(y, [f"{n} ({'M TEU' if u == 'TEU' else 'Mt'})"
                      for n, u in zip(f["flow"], f["unit"], strict=True)], fontsize=8)
    ax.set_xlabel("per year (M TEU or Mt)")
    ax.legend(loc="lower right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save(fig: Figure, path) -> None:
    fig.savefig(path, dpi=110)
    plt.close(fig)
