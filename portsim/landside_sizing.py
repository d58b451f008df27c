"""The design-code sizing of the landside, as a *check* beside the port file's figures.

The port file sizes yards, gates and rail tracks from the quay length and labelled
assumptions (``berths.yaml``, rules (Y) and (L); issue 14: not from the berths' declared
capacity, or the landside would restate the berth plan). What the design code would
give on the declared capacity ``Q`` (TEU/yr, the sum of ``design_capacity_teu`` of the
terminal's berths in service) is shown here, by ``portsim preview``, so that a planner
sees how far the assumed landside is from a yard, gate or track count sized for the
berth plan:

* **yard** (JTJ 211-99 §5.8.9, docs/assumptions.md §7.3): ground slots
  ``N_s = Q · t_dc · K_BK / (T_yk · N1 · A)`` with the gateway dwell ``t_dc`` (the
  scenario's import dwell, A11 4-5 d), ``K_BK`` 1.25 (A11), ``T_yk`` 360 d (350-365),
  ``N1`` the yard's stacking height and ``A`` 0.65 (A11);
* **gate** (the previous port file's rule (G)): lanes for a peak-hour lane utilisation
  of 0.7 at ``Q``: ``Q`` × truck visits per TEU (the terminal's truck share of full
  boxes and the empties, over TEU per truck) / 8,760 h × the peak hour of the hourly
  profile / (0.7 × 60 / service minutes), rounded up, at least 2;
* **rail tracks**: the rail terminals' design capacity (``design_capacity_teu``, summed:
  one published figure may cover several work areas) / TEU per train / 365 d / 4 trains
  per track-day (udn-2025-11), shared by each terminal's ``share``.

Nothing here simulates or feeds the model.
"""

from __future__ import annotations

import math

import pandas as pd

from portsim.config.scenario import Scenario

__all__ = ["design_code_sizing", "sizing_lines"]

K_BK = 1.25  # A11: peak factor of yard stock
T_YK_DAYS = 360.0  # JTJ 211: 350-365 yard operating days
YARD_UTILISATION = 0.65  # A11
LANE_UTILISATION = 0.7  # rule (G): peak-hour lane utilisation
TRAINS_PER_TRACK_DAY = 4.0  # udn-2025-11: 货2线 2 -> 4 container trains a day


def _declared_teu(sc: Scenario, terminals: list[str]) -> float:
    return float(sum(b.design_capacity_teu for b in sc.port.berths if b.terminal in terminals))


def design_code_sizing(sc: Scenario) -> pd.DataFrame:
    """One row per yard, gate and rail terminal: ``component``, ``id``, ``figure``, the
    port file's value (``port_file``), the design-code sizing on the declared capacity
    (``design_code``), their ratio and the formula's basis."""
    from portsim.labels import t

    land = sc.landside
    rows = []
    dwell_days = land.dwell_for("import").mean_days
    for y in sc.port.yards:
        q = _declared_teu(sc, [y.terminal])
        if q <= 0:
            continue
        slots = q * dwell_days * K_BK / (T_YK_DAYS * y.stacking_height * YARD_UTILISATION)
        rows.append(("yard", y.id, "ground_slots", float(y.ground_slots), slots,
                     f"JTJ 211 N_s = {q:,.0f} TEU x {dwell_days:g} d x {K_BK} / ({T_YK_DAYS:g} "
                     f"x {y.stacking_height:g} x {YARD_UTILISATION})"))
    peak = max(land.gate.hourly_profile) / (sum(land.gate.hourly_profile) / 24.0)
    e = land.yard.empty_share
    for g in sc.port.gates:
        q = _declared_teu(sc, g.terminals)
        if q <= 0:
            continue
        truck = sum(land.split_for(t).truck for t in g.terminals) / len(g.terminals)
        visits = ((1 - e) * truck + e) / land.gate.teu_per_truck
        lanes = max(2, math.ceil(q * visits / 8760.0 * peak
                                 / (LANE_UTILISATION * 60.0 / g.service_min)))
        rows.append(("gate", g.id, "lanes", float(g.lanes), float(lanes),
                     f"rule (G): {q:,.0f} TEU x {visits:.2f} trucks/TEU / 8760 h x peak "
                     f"{peak:.2f} / ({LANE_UTILISATION} x 60 / {g.service_min:g} min)"))
    sr = land.sea_rail
    rail = sc.port.rail_terminals
    declared = sum(r.design_capacity_teu for r in rail)  # one figure may cover several
    tracks_all = sum(r.tracks for r in rail)
    for r in rail if declared > 0 else []:
        tracks = declared / sr.teu_per_train / 365.0 / TRAINS_PER_TRACK_DAY
        share = r.share if r.share is not None else r.tracks / tracks_all
        rows.append(("rail", r.id, "tracks", float(r.tracks), tracks * share,
                     t("{teu:,.0f} TEU / {per_train:g} TEU per train / 365 d / {per_day:g} "
                       "trains per track-day x share {share:g}", teu=declared,
                       per_train=sr.teu_per_train, per_day=TRAINS_PER_TRACK_DAY,
                       share=share)))
    frame = pd.DataFrame(rows, columns=["component", "id", "figure", "port_file",
                                        "design_code", "basis"])
    frame["ratio"] = frame["port_file"] / frame["design_code"]
    return frame


def sizing_lines(sc: Scenario) -> list[str]:
    """The check as ``portsim preview`` prints it (nothing when there is no landside)."""
    from portsim.cli import fmt_table
    from portsim.labels import t

    frame = design_code_sizing(sc)
    if frame.empty:
        return []
    return [
        t("Landside sizing check: the port file's figures (sized from quay length and "
          "assumptions) beside the design code's sizing for the berths' declared capacity "
          "(not an input)"),
        fmt_table(frame, {"component": ("component", ""), "id": ("id", ""),
                          "figure": ("figure", ""), "port_file": ("port file", ",.0f"),
                          "design_code": ("design code", ",.1f"),
                          "ratio": ("ratio", ".2f"), "basis": ("basis", "")}),
        "",
    ]
