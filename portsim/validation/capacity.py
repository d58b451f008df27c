"""Design-code capacity against simulated capacity, per terminal.

The JTS 165 formula (through :mod:`portsim.preview`, which evaluates it with the
scenario's own inputs) gives a terminal's capacity at the top of its planning band. The
simulated counterpart is the throughput at which the simulated occupancy reaches the
same band top — and, as a service criterion the formula lacks, the throughput at which
the waiting factor reaches its planning limit. Each terminal is simulated alone with
its own calls from the port's call plan, the demand scaled over a grid around the
preview's estimate (common random numbers); the crossings are interpolated.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from portsim.config import Scenario, scenario_from_dict
from portsim.preview import band_top_basis, preview


def _scaled(scenario: Scenario, s: float) -> Scenario:
    return scenario.model_copy(update={"demand_scale": scenario.demand_scale * s})


def simulate_terminal(scenario: Scenario, terminal: str, replication: int) -> pd.Series:
    """One replication of one terminal alone: the calls the full call plan sends to it
    (same arrival times, volumes and handling factors as in the port run), without the
    other terminals' ships. Returns the terminal's KPI row."""
    from portsim.demand import CallPlan, plan_calls
    from portsim.model.port import PortModel
    from portsim.results import summarise

    # only the flows that reach the terminal: each flow draws from streams of its own,
    # so leaving the others out changes none of this terminal's calls
    reach = {f.id for f in scenario.demand if terminal in _flow_terminals(scenario, f)}
    scenario = scenario.model_copy(update={
        "demand": [f for f in scenario.demand if f.id in reach]})
    plan = plan_calls(scenario, replication)
    index = [t.id for t in scenario.port.terminals].index(terminal)
    keep = plan.terminal == index
    sub = CallPlan(**{f.name: getattr(plan, f.name)[keep] for f in fields(CallPlan)})
    try:
        model = PortModel(scenario, sub, replication)
    except TypeError:  # a model without per-replication components
        model = PortModel(scenario, sub)
    log = model.run()
    res = summarise(scenario, replication, sub, log, model.in_system(), model.tables())
    return res.terminals.set_index("terminal").loc[terminal]


def _flow_terminals(scenario: Scenario, flow: Any) -> set[str]:
    from portsim.demand import class_terminals

    return {t for fc in flow.classes
            for t in class_terminals(scenario, flow, scenario.port.ship_class(fc.ship_class))}


def _simulate_point(args: tuple[Scenario, str, float, int]) -> dict:
    scenario, terminal, s, rep = args
    row = simulate_terminal(_scaled(scenario, s), terminal, rep)
    return {"terminal": terminal, "scale": s, "replication": rep,
            "occupancy": float(row["occupancy"]), "waiting_factor": float(row["waiting_factor"])}


def _crossing(x: np.ndarray, y: np.ndarray, target: float, log: bool = False) -> float:
    """Where the (increasing) curve y(x) first reaches ``target``, linearly interpolated
    (in log y when ``log``); NaN when it is not bracketed by the grid."""
    ok = np.isfinite(y) & ((y > 0) if log else True)
    x, y = x[ok], y[ok]
    if len(x) < 2 or (log and target <= 0):
        return math.nan
    if log:
        y, target = np.log(y), math.log(target)
    above = np.nonzero(y >= target)[0]
    if len(above) == 0 or above[0] == 0:
        return math.nan
    i = above[0]
    return float(x[i - 1] + (target - y[i - 1]) * (x[i] - x[i - 1]) / (y[i] - y[i - 1]))


def scale_grid(targets: Sequence[float], points: int = 7, low: float = 0.5,
               high: float = 1.3, cap: float = 5.0) -> list[float]:
    """Demand scales bracketing the given target scales (geometric, plus 1), at most
    ``cap`` (past which the terminal would be simulated far beyond saturation)."""
    ok = [t for t in targets if np.isfinite(t) and t > 0]
    lo, hi = low * min(ok, default=1.0), min(high * max(ok, default=1.0), cap)
    lo = min(lo, 0.8 * hi)
    grid = set(np.round(np.geomspace(lo, max(hi, lo * 1.01), points), 3).tolist())
    return sorted(grid | {1.0})


def capacity_comparison(scenario: Scenario, reps: int = 3,
                        executor: Executor | None = None) -> pd.DataFrame:
    """Design-code capacity against simulated capacity, per terminal.

    Each terminal is simulated alone (:func:`simulate_terminal`: its own calls from the
    port's call plan) with the whole demand scaled over a grid around the preview's
    estimates (:func:`scale_grid`; common random numbers across scales). The simulated
    capacity is the throughput at the scale where its simulated occupancy reaches the
    top of its planning band (the utilisation the JTS 165 formula is evaluated at), and,
    separately, where its waiting factor reaches the planning limit; both linearly
    interpolated (NaN when the grid does not bracket them: a terminal whose ship classes
    confined to some berths saturate them first never reaches the band top). Volumes are of the
    terminal's main unit (TEU for a terminal with container demand, else tonnes).
    """
    pv = preview(scenario, basis=band_top_basis(scenario))  # the formula at the band top
    grids, pv_scale = {}, {}
    for _, t in pv.terminals.iterrows():
        pv_scale[t["terminal"]] = _preview_scale(pv, t["terminal"], t["wf_limit"])
        # no further than where the busiest berth group the preview sees saturates
        grids[t["terminal"]] = scale_grid([t["band_top"] / t["occupancy"],
                                           pv_scale[t["terminal"]]],
                                          cap=min(5.0, 1.25 / t["binding_utilisation"]))
    jobs = [(scenario, term, s, r) for term, grid in grids.items() for s in grid
            for r in range(reps)]
    if executor is None:
        points = [_simulate_point(j) for j in jobs]
    else:
        points = list(executor.map(_simulate_point, jobs, chunksize=4))
    mean = pd.DataFrame(points).groupby(["terminal", "scale"])[
        ["occupancy", "waiting_factor"]].mean()
    rows = []
    for _, t in pv.terminals.iterrows():
        x = np.asarray(grids[t["terminal"]], dtype=float)
        m = mean.loc[t["terminal"]].reindex(x)
        teu = t["teu_demand"] > 0
        demand = t["teu_demand"] if teu else t["tonnes_demand"]
        jts = t["teu_capacity_jts"] if teu else t["tonnes_capacity_jts"]
        declared = t["teu_capacity_declared"] if teu else t["tonnes_capacity_declared"]
        s_occ = _crossing(x, m["occupancy"].to_numpy(), t["band_top"])
        s_wf = _crossing(x, m["waiting_factor"].to_numpy(), t["wf_limit"], log=True)
        rows.append({
            "terminal": t["terminal"], "area": t["area"], "cargo": t["cargo"],
            "unit": "TEU" if teu else "t", "demand": demand, "jts_capacity": jts,
            "declared_capacity": declared, "band_top": t["band_top"],
            "wf_limit": t["wf_limit"],
            "preview_occupancy_capacity": demand * t["band_top"] / t["occupancy"],
            "sim_occupancy_capacity": demand * s_occ,
            "preview_wf_capacity": demand * pv_scale[t["terminal"]],
            "sim_wf_capacity": demand * s_wf,
            "scales": ", ".join(f"{v:g}" for v in x),
            "reasons": "; ".join(_reasons(scenario, pv, t)),
        })
    return pd.DataFrame(rows)


def _preview_scale(pv: Any, terminal: str, limit: float) -> float:
    """Demand scale at which the preview's waiting factor of ``terminal`` hits ``limit``."""
    from scipy.optimize import brentq

    from portsim.preview import terminal_at_scale

    def wf(s: float) -> float:
        v = float(terminal_at_scale(pv, terminal, s)["waiting_factor"])
        return (v if math.isfinite(v) else 1e9) - limit

    lo, hi = 1e-3, 1.0
    while wf(hi) < 0:
        hi *= 1.5
        if hi > 100:
            return math.nan
    try:
        return float(brentq(wf, lo, hi, xtol=1e-3))
    except ValueError:
        return math.nan


def _reasons(scenario: Scenario, pv: Any, t: pd.Series) -> list[str]:
    """Why the formula and the simulation differ at this terminal (from the preview)."""
    from portsim.config.fit import quay_lines

    out = []
    port = scenario.port
    g = pv.calls[pv.calls["terminal"] == t["terminal"]]
    w = g["calls_per_year"].to_numpy()
    # class mix: the formula's average ship (mean Q at mean cranes) vs the mix's mean
    if (g["cargo"] == "container").any():
        gc = g[g["cargo"] == "container"]
        wc = gc["calls_per_year"].to_numpy()
        formula = float(np.average(gc["volume"], weights=wc)) / float(
            np.average(gc["cranes"], weights=wc))
        mix = float(np.average(gc["volume"] / gc["cranes"], weights=wc))
        if abs(mix / formula - 1) > 0.05:
            out.append(f"class mix: big ships get more cranes, so TEU per crane per call "
                       f"averages {mix:,.0f} vs {formula:,.0f} at the formula's mean ship")
    lines = [q for q in quay_lines(port.berths) if q.terminal == t["terminal"]]
    n_sections = sum(len(q.berths) for q in lines)
    long_lines = [q for q in lines if len(q.berths) > 1]
    if long_lines:
        out.append(f"continuous quay: the mix fits {t['servers']:.1f} ships at once on "
                   f"{n_sections} berth sections; occupancy counts quay metres, not berths")
        if (g["cargo"] == "container").any():
            cranes = sum(q.cranes for q in long_lines)
            asked = float(np.average(g["cranes"], weights=w)) * t["servers"]
            if asked > cranes:
                out.append(f"crane sharing: {t['servers']:.1f} ships would ask {asked:.0f} "
                           f"cranes, the quay has {cranes}")
    groups = {frozenset(ls) for ls in g["lines"]}
    if len(groups) > 1:
        confined = sorted(set(g.loc[g["lines"].map(len) < max(map(len, groups)),
                                    "ship_class"]))
        out.append(f"ship–berth fit: {', '.join(confined)} fit only part of the terminal "
                   f"(busiest group {t['binding_lines']} at ρ {t['binding_utilisation']:.2f} "
                   f"when the terminal is at {t['utilisation']:.2f})")
    lengths = [b.quay_length_m for q in lines for b in q.berths]
    if lengths and max(lengths) > 1.2 * min(lengths):
        out.append(f"berths of {min(lengths):.0f}–{max(lengths):.0f} m: occupancy is "
                   "quay-length weighted, the formula counts berths")
    if float(np.average(g["transit_h"], weights=w)) > 0:
        out.append(f"channel transit {np.average(g['transit_h'], weights=w):.1f} h holds "
                   "the berth (counted as auxiliary time in the formula)")
    out.append(f"randomness: arrivals ca² {t['ca2']:.2f}, berth time cs² {t['cs2']:.2f} "
               "(the formula has none)")
    return out


def demo_scenario() -> Scenario:
    """A small two-terminal port where the formula's assumptions partly hold: four
    berths of their own for bulk, and a continuous container quay with shared cranes."""
    classes = [
        {"id": "F", "cargo": "container", "dwt": 20_000, "loa_m": 183, "beam_m": 27.6,
         "draught_m": 10.5, "source": "assumption: demo"},
        {"id": "M", "cargo": "container", "dwt": 100_000, "loa_m": 346, "beam_m": 45.6,
         "draught_m": 14.5, "source": "assumption: demo"},
        {"id": "B", "cargo": "dry_bulk", "dwt": 70_000, "loa_m": 228, "beam_m": 32.3,
         "draught_m": 13.5, "source": "assumption: demo"},
    ]
    berths = [{"id": f"C{i}", "terminal": "BOX", "cargo": ["container"],
               "quay_length_m": 350, "depth_m": 16, "max_dwt": 150_000, "cranes": 3,
               "crane_rate": 28, "quay_line": "Q", "source": "assumption: demo"}
              for i in range(1, 5)]
    berths += [{"id": f"B{i}", "terminal": "ORE", "cargo": ["dry_bulk"],
                "quay_length_m": 280, "depth_m": 15, "max_dwt": 100_000,
                "loading_rate_t_h": 1500, "source": "assumption: demo"} for i in range(1, 5)]
    port = {"name": "demo port", "ship_classes": classes,
            "areas": [{"id": "A", "name": "Area A"}],
            "terminals": [{"id": "BOX", "name": "container quay", "area": "A",
                           "source": "assumption"},
                          {"id": "ORE", "name": "bulk berths", "area": "A",
                           "source": "assumption"}],
            "berths": berths}
    scenario = {
        "name": "demo", "port": "port.yaml",
        "demand": [
            {"id": "box", "cargo": "container", "annual_volume": 1_500_000,
             "classes": [{"ship_class": "F", "share": 0.7,
                          "per_call": {"dist": "gamma", "mean": 800, "cv": 0.4}},
                         {"ship_class": "M", "share": 0.3,
                          "per_call": {"dist": "gamma", "mean": 4000, "cv": 0.3}}],
             "arrivals": {"liner_share": 0.85, "schedule_deviation_h": 6}},
            {"id": "ore", "cargo": "dry_bulk", "annual_volume": 20_000_000,
             "classes": [{"ship_class": "B", "share": 1,
                          "per_call": {"dist": "gamma", "mean": 60_000, "cv": 0.2}}]}],
        "rules": {"cranes_per_ship": {"F": 2, "M": 4}},
        "run": {"horizon_days": 365, "warmup_days": 30, "replications": 3, "seed": 7},
    }
    with tempfile.TemporaryDirectory(prefix="portsim-validation-") as tmp:
        (Path(tmp) / "port.yaml").write_text(yaml.safe_dump(port, sort_keys=False),
                                             encoding="utf-8")
        return scenario_from_dict(scenario, Path(tmp) / "scenario.yaml")
