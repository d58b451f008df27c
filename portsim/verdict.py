"""The planner's answer: is the demand delivered, and where does the port break first?

Judgement rules (all over replications, with 95 % confidence intervals):

* a flow **falls short** when even the upper end of the CI of its delivered volume is
  below 97 % of its demand, or when ships pile up at anchorage (calls still waiting
  at the end exceed 5 % of the flow's annual calls) — the port is saturated;
* a terminal is **over its planning limits** when its berth occupancy is above the top of
  its planning band (JTS 165: 50–70 % for container berths) or its waiting factor
  (mean wait / mean berth time) is above the limit (PIANC/UNCTAD practice: 0.10 for
  liner berths, ~0.30 for bulk);
* the terminal that **breaks first** is the one with the highest stress, the larger of
  occupancy / band top and waiting factor / limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from portsim.simulate import Replications

SHORTFALL_SHARE = 0.97
BACKLOG_SHARE = 0.05


@dataclass
class Verdict:
    """The answer with the tables it stands on."""

    status: str  # "delivers", "delivers, congested", "falls short"
    answer: str
    flows: pd.DataFrame
    terminals: pd.DataFrame
    bottleneck: str | None


def terminal_table(reps: Replications) -> pd.DataFrame:
    """Per-terminal KPIs with their planning thresholds and stress."""
    t = reps.terminal_kpis()
    rules = reps.scenario.rules
    band_top = [rules.threshold(c.split("/")[0]).occupancy_band[1] for c in t["cargo"]]
    band_low = [rules.threshold(c.split("/")[0]).occupancy_band[0] for c in t["cargo"]]
    wf_limit = [rules.threshold(c.split("/")[0]).waiting_factor for c in t["cargo"]]
    t["band_low"], t["band_top"], t["wf_limit"] = band_low, band_top, wf_limit
    t["stress"] = np.fmax(t["occupancy"] / t["band_top"], t["waiting_factor"] / t["wf_limit"])
    flags = []
    for _, r in t.iterrows():
        f = []
        if r["occupancy"] > r["band_top"]:
            f.append("occupancy above band")
        if r["waiting_factor"] > r["wf_limit"]:
            f.append("waiting factor above limit")
        if r["occupancy"] < r["band_low"] and not f:
            f.append("below band (spare capacity)")
        flags.append("; ".join(f) or "ok")
    t["judgement"] = flags
    return t.sort_values("stress", ascending=False, na_position="last").reset_index(drop=True)


def flow_table(reps: Replications) -> pd.DataFrame:
    f = reps.flow_kpis()
    backlog = (
        reps.calls.query("in_window and status == 'waiting'")
        .groupby(["replication", "flow"], observed=True).size()
        .groupby("flow", observed=True).mean()
    )
    years = reps.scenario.run.horizon_days / 365.0
    f["waiting_at_end"] = f["flow"].map(backlog).fillna(0.0).astype(float)
    f["backlog_share"] = f["waiting_at_end"] / (f["calls"] / years)
    upper = (f["delivered_per_year"] + f["delivered_per_year_ci95"].fillna(0.0)) / f[
        "demand_per_year"]
    f["short"] = (upper < SHORTFALL_SHARE) | (f["backlog_share"] > BACKLOG_SHARE)
    return f


def _fmt_volume(v: float, unit: str) -> str:
    return f"{v / 1e6:.2f} M TEU" if unit == "TEU" else f"{v / 1e6:.1f} Mt"


def judge(reps: Replications) -> Verdict:
    """Judge a set of replications against demand and planning thresholds."""
    flows, terms = flow_table(reps), terminal_table(reps)
    kpi = reps.port_kpis()
    short = flows[flows["short"]]
    over = terms[terms["judgement"].str.contains("above")]
    top = terms.iloc[0] if len(terms) else None
    bottleneck = str(top["terminal"]) if top is not None else None
    box = flows[flows["unit"] == "TEU"]
    if len(box):
        d = box["delivered_per_year"].sum()
        ci = float(np.sqrt((box["delivered_per_year_ci95"].fillna(0.0) ** 2).sum()))
        headline = (f"{_fmt_volume(box['demand_per_year'].sum(), 'TEU')} demanded, "
                    f"{d / 1e6:.2f} ± {ci / 1e6:.2f} M TEU/yr delivered")
    else:
        headline = "no container demand"
    wait = kpi.loc["container_mean_wait_h"]
    wf = kpi.loc["container_waiting_factor"]
    service = (f"container ships wait {wait['mean']:.1f} ± {_nz(wait['ci95']):.1f} h at "
               f"anchorage on average (waiting factor {wf['mean']:.2f})")
    if top is not None:
        where = (f"first to saturate: {top['terminal']} ({top['area']}), occupancy "
                 f"{top['occupancy']:.0%} vs {top['band_top']:.0%} planning limit, waiting "
                 f"factor {top['waiting_factor']:.2f} vs {top['wf_limit']:.2f}")
    else:
        where = ""
    name = reps.scenario.name
    if len(short):
        status = "falls short"
        names = ", ".join(f"{r.flow} ({r.delivered_share:.0%} of demand)"
                          for r in short.itertuples())
        answer = f"{name}: FALLS SHORT — {headline}; short: {names}; {service}; {where}."
    elif len(over):
        status = "delivers, congested"
        answer = (f"{name}: DELIVERS, BUT CONGESTED — {headline}; {service}; "
                  f"{len(over)} terminal(s) over planning limits; {where}.")
    else:
        status = "delivers"
        answer = f"{name}: DELIVERS — {headline}; {service}; {where}."
    return Verdict(status, answer, flows, terms, bottleneck)


def _nz(x: float) -> float:
    return 0.0 if x is None or not np.isfinite(x) else float(x)
