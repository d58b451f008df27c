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
    landside: pd.DataFrame | None = None
    """Yards, rail terminals and gates against their planning limits (None: no yards)."""


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
    over = terms[terms["judgement"].astype(str).str.contains("above")]
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
    land = landside_table(reps)
    land_over = land[land["over"]] if land is not None else None
    if land is not None and len(land):
        where += "; " + landside_sentence(land)
        rail_text = rail_target_sentence(reps)
        if rail_text:
            where += "; " + rail_text
    name = reps.scenario.name
    if not int(flows["calls"].sum()):  # nothing arrived in the window: say so, judge nothing
        sc = reps.scenario
        expected = sum(f.calls_per_year * sc.volume_scale(f) for f in sc.demand) \
            * sc.run.horizon_days / 365.0
        answer = (f"{name}: NO CALLS — no ship arrived in the {sc.run.horizon_days:g} days "
                  f"measured (the demand expects {expected:.2g} calls in that time); "
                  "nothing was handled, so nothing is judged.")
        return Verdict("no calls", answer, flows, terms, None, land)
    if not (flows["delivered_per_year"] > 0).any():  # ships came, none finished its work
        answer = (f"{name}: NOTHING HANDLED — {flows['calls'].sum():g} call(s) arrived "
                  f"in the {reps.scenario.run.horizon_days:g} days measured and none finished "
                  "its cargo work in that time; lengthen run.horizon_days (or check the "
                  "berths' handling rates) before judging.")
        return Verdict("nothing handled", answer, flows, terms, None, land)
    if len(short):
        status = "falls short"
        names = ", ".join(f"{r.flow} ({r.delivered_share:.0%} of demand)"
                          for r in short.itertuples())
        answer = f"{name}: FALLS SHORT — {headline}; short: {names}; {service}; {where}."
    elif len(over) or (land_over is not None and len(land_over)):
        status = "delivers, congested"
        n_land = 0 if land_over is None else len(land_over)
        answer = (f"{name}: DELIVERS, BUT CONGESTED — {headline}; {service}; "
                  f"{len(over)} terminal(s) and {n_land} landside component(s) over planning "
                  f"limits; {where}.")
    else:
        status = "delivers"
        answer = f"{name}: DELIVERS — {headline}; {service}; {where}."
    return Verdict(status, answer, flows, terms, bottleneck, land)


def landside_table(reps: Replications) -> pd.DataFrame | None:
    """Yards, rail terminals and gates judged against their planning limits (mean over
    replications; ``stress`` = KPI / limit, above 1 is over; ``over_because`` names a
    second criterion that puts the component over, if any):

    * a **yard**: mean stock / physical stack (utilisation) against the top of the planning
      band (60–80 % in Chinese practice, facts §7.3), and over too when full in more than
      1 % of hours; yard waits of ships are reported;
    * a **rail terminal**: loading-track occupancy against ``track_occupancy_limit``, and
      over too when it serves under 97 % of its timetabled trains; the trains and rail TEU
      it delivers against the timetable / target share;
    * a **gate**: the mean truck wait against ``gate.wait_limit_h``.
    """
    if not any("yard" in r.tables for r in reps.runs):
        return None
    land = reps.scenario.landside
    lo, hi = land.yard.utilisation_band
    rows = []
    yard = reps.table("yard").groupby(["yard", "terminal"], sort=False).mean(
        numeric_only=True).reset_index()
    for r in yard.itertuples():
        judge = ("above band" if r.utilisation > hi else
                 "below band (spare capacity)" if r.utilisation < lo else "in band")
        if r.share_h_full > 0.01:
            judge += f"; full {r.share_h_full:.0%} of hours"
        if r.yard_wait_h_total > 0:
            judge += f"; ships waited {r.yard_wait_h_mean:.2f} h/call for yard space"
        rows.append({"component": "yard", "id": r.yard, "kpi": "utilisation",
                     "value": r.utilisation, "limit": hi, "stress": r.utilisation / hi,
                     "over": bool(r.utilisation > hi or r.share_h_full > 0.01),
                     "over_because": (f"full {r.share_h_full:.0%} of hours"
                                      if r.share_h_full > 0.01 else ""),
                     "judgement": judge})
    if any("rail" in r.tables for r in reps.runs):
        rail = reps.table("rail").groupby("rail_terminal", sort=False).mean(
            numeric_only=True).reset_index()
        limit = land.sea_rail.track_occupancy_limit
        for r in rail.itertuples():
            served = r.trains_served_per_year / r.trains_scheduled_per_year \
                if r.trains_scheduled_per_year else np.nan
            judge = (f"{r.trains_served_per_year:,.0f} of {r.trains_scheduled_per_year:,.0f} "
                     f"timetabled trains/yr served ({served:.0%}); {r.teu_per_year:,.0f} TEU/yr;"
                     f" mean track wait {r.mean_track_wait_h:.1f} h")
            rows.append({"component": "rail", "id": r.rail_terminal, "kpi": "track_occupancy",
                         "value": r.track_occupancy, "limit": limit,
                         "stress": r.track_occupancy / limit,
                         "over": bool(r.track_occupancy > limit or served < SHORTFALL_SHARE),
                         "over_because": (f"{served:.0%} of timetabled trains served"
                                          if served < SHORTFALL_SHARE else ""),
                         "judgement": judge})
    if any("gate" in r.tables for r in reps.runs):
        gate = reps.table("gate").groupby("gate", sort=False).mean(
            numeric_only=True).reset_index()
        limit = land.gate.wait_limit_h
        for r in gate.itertuples():
            rows.append({"component": "gate", "id": r.gate, "kpi": "mean_wait_h",
                         "value": r.mean_wait_h, "limit": limit,
                         "stress": r.mean_wait_h / limit, "over": bool(r.mean_wait_h > limit),
                         "over_because": "",
                         "judgement": f"peak {r.peak_trucks_per_h:.0f} trucks/h on "
                                      f"{r.lanes:.0f} lanes; p95 wait {r.p95_wait_h:.2f} h"})
    out = pd.DataFrame(rows)
    return out.sort_values("stress", ascending=False, kind="stable").reset_index(drop=True)


def landside_sentence(land: pd.DataFrame) -> str:
    """One clause for the answer: every landside component over its limit (most stressed
    first), then, for each kind (yard, rail, gate) with none over, its most stressed one.
    A component over on its second criterion (a yard full at times, a rail terminal serving
    too few of its trains) says so in brackets."""
    units = {"utilisation": "yard utilisation", "track_occupancy": "track occupancy",
             "mean_wait_h": "mean truck wait"}

    def say(r: pd.Series) -> str:
        fmt = ".2f" if r["kpi"] == "mean_wait_h" else ".0%"
        text = (f"{r['id']} {units[r['kpi']]} {format(r['value'], fmt)} vs "
                f"{format(r['limit'], fmt)}")
        if r["over_because"]:  # over on a second criterion: say which
            text += f" ({r['over_because']})"
        return text

    over = land[land["over"]]
    within = [g.iloc[0] for comp in ("yard", "rail", "gate")
              if comp not in set(over["component"])
              and len(g := land[land["component"] == comp])]
    parts = []
    if len(over):
        parts.append("landside over limits: " + ", ".join(say(r) for _, r in over.iterrows()))
    if within:
        parts.append("landside within limits, most stressed: "
                     + ", ".join(say(r) for r in within))
    return "; ".join(parts)


def rail_target_sentence(reps: Replications) -> str | None:
    """Trains and rail TEU a year against the scenario's sea-rail target (its scope)."""
    if not any("rail" in r.tables for r in reps.runs):
        return None
    sr = reps.scenario.landside.sea_rail
    per_rep = reps.table("rail").groupby("replication")[
        ["trains_served_per_year", "teu_per_year"]].sum()
    trains, teu = per_rep.mean()
    text = (f"sea-rail ({sr.scope} scope x {sr.share_here:g} here): {trains:,.0f} trains/yr "
            f"served vs {sr.trains_here:,.0f} timetabled")
    if sr.target_teu_here:
        text += f"; {teu:,.0f} rail TEU/yr vs {sr.target_teu_here:,.0f} target"
    return text


def _nz(x: float) -> float:
    return 0.0 if x is None or not np.isfinite(x) else float(x)
