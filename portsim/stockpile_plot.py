"""The figure of the canal's stockpiles (:mod:`portsim.model.stockpile`): stock over time
against the planning band and the capacity."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from portsim.labels import t as tr
from portsim.results import RunResult


def stockpile_stock(run: RunResult, title: str) -> Figure:
    """Stock of each stockpile over time (one replication) as a share of its capacity,
    with the planning band (``canal.stockpile_utilisation_band``) and the capacity."""
    hourly = run.tables["stockpile_hourly"]
    piles = run.tables["stockpile"].set_index("stockpile")
    canal = run.scenario.canal
    low, high = canal.stockpile_utilisation_band if canal else (0.5, 0.7)
    fig, ax = plt.subplots(figsize=(10, 3.8))
    top = 100.0
    for pile, g in hourly.groupby("stockpile", sort=False):
        share = g["t"] / float(piles.loc[pile, "capacity_t"]) * 100
        top = max(top, float(share.max()) + 5)
        ax.plot(g["hour"] / 24.0, share, lw=0.8, label=str(pile))
    ax.axhspan(low * 100, high * 100, color="#27ae60", alpha=0.12, label=tr("planning band"))
    ax.axhline(100, color="#c0392b", lw=0.8, ls="--")
    ax.axvspan(0, run.scenario.run.warmup_days, color="grey", alpha=0.15)
    ax.set_xlabel(tr("day (grey: warm-up)"))
    ax.set_ylabel(tr("stockpile stock (% of capacity)"))
    ax.set_ylim(0, top)
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    return fig
