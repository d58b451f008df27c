"""Truck gates: an hourly fluid + pointwise-stationary queue, trucks in aggregate.

Method (no SimPy event per truck). After the run, each gate's truck visits per day are
the TEU its yards sent to or took from the road that day (gate-in exports and empties,
gate-out imports and empties; see :mod:`portsim.model.yard`) divided by
``teu_per_truck``; within a day they arrive by the scenario's 24-hour profile, giving an
hourly arrival rate λ_h. The days come from the ships: import and empty pick-ups an import
(empty) dwell after their ship discharged them, export deliveries before their ship —
an export dwell before it arrives (``gate.export_arrivals: export_dwell``, today's rule)
or evenly over a receiving window of ``receiving_days`` closing ``cutoff_h`` before it
arrives (``cut_off``: terminals receive a ship's exports in a window before its CY
cut-off); see :mod:`portsim.model.yard`. The gate's ``lanes`` each serve
``60 / service_min`` trucks an hour, μ = lanes × 60 / service_min in all. Two effects
make trucks wait:

* **backlog (fluid)** — when an hour brings more trucks than the lanes clear, the excess
  is carried over: Q_{h+1} = max(0, Q_h + λ_h − μ) (Lindley's recursion on hourly counts,
  solved in closed form as S_h − min(0, min_{j≤h} S_j) with S the cumulative λ − μ). A
  truck in hour h waits on average (Q_h + Q_{h+1}) / 2 / μ for the backlog ahead of it;
* **randomness (pointwise-stationary approximation, PSA)** — within the hour trucks
  queue as in a stationary M/G/c queue at that hour's utilisation ρ_h = λ_h / μ: the
  Allen–Cunneen wait W_q = C(c, cρ) / (μ (1 − ρ)) × (1 + cv²) / 2 with Erlang's C.
  ρ is capped at 0.95 there (the backlog term takes over above it), so the estimate
  stays finite in saturated hours.

The hourly wait is the sum of the two; KPIs weight hours by their trucks. The gate does
not feed back on the yard (a congested gate does not delay boxes): it tells a planner
whether the lanes are enough for the boxes the yard moves by road.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from portsim.config.scenario import Scenario
from portsim.demand import HOURS_PER_YEAR
from portsim.model.yard import EIN, EOUT, EXP, IMP, Yards

RHO_CAP = 0.95


def erlang_c_array(c: int, a: np.ndarray) -> np.ndarray:
    """Erlang C for ``c`` servers at offered loads ``a`` (< c), elementwise."""
    b = np.ones_like(a, dtype=float)
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return np.where(a > 0, c * b / (c - a * (1.0 - b)), 0.0)


def hourly_arrivals(day_trucks: np.ndarray, profile: np.ndarray, hours: int) -> np.ndarray:
    """Trucks per hour: each day's trucks spread by the 24-hour ``profile``; a last,
    partial day spreads its trucks over the hours it has."""
    p = profile / profile.sum()
    lam = np.repeat(day_trucks, 24) * np.tile(p, len(day_trucks))
    rest = hours % 24
    if rest:
        q = p[:rest] / p[:rest].sum() if p[:rest].sum() > 0 else np.full(rest, 1.0 / rest)
        lam[-24:-24 + rest] = day_trucks[-1] * q
    return lam[:hours]


def gate_queue(lam: np.ndarray, lanes: int, service_min: float, cv: float
               ) -> tuple[np.ndarray, ...]:
    """Per hour: (utilisation, backlog at the end of the hour, trucks queuing, wait h)."""
    mu1 = 60.0 / service_min
    mu = lanes * mu1
    s = np.cumsum(lam - mu)
    q_end = s - np.minimum(0.0, np.minimum.accumulate(s))
    q_start = np.concatenate([[0.0], q_end[:-1]])
    fluid_wait = (q_start + q_end) / 2.0 / mu
    rho = lam / mu
    rc = np.minimum(rho, RHO_CAP)
    c = erlang_c_array(lanes, rc * lanes)
    psa_wait = c / (mu * (1.0 - rc)) * (1.0 + cv * cv) / 2.0
    wait = fluid_wait + psa_wait
    queue = (q_start + q_end) / 2.0 + rc * mu * psa_wait
    return rho, q_end, queue, wait


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    if w.sum() <= 0:
        return 0.0
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, q * cw[-1])])


def gate_tables(scenario: Scenario, yards: Yards, start_h: float) -> dict[str, pd.DataFrame]:
    """``gate`` (KPIs per gate) and ``gate_hourly`` (arrivals, queue, wait per hour)."""
    spec = scenario.landside.gate
    H = yards.H
    h0 = min(int(start_h), H)
    annual = HOURS_PER_YEAR / max(H - h0, 1)
    profile = np.asarray(spec.hourly_profile, float)
    rows, hourly = [], []
    for g in scenario.port.gates:
        ys = [j for j, y in enumerate(yards.yards) if y.terminal in g.terminals]
        if not ys:  # none of its terminals has a yard in service
            continue
        teu = np.zeros(H)
        for y in ys:
            teu += (yards.fin[y, EXP, :H] + yards.fin[y, EOUT, :H]
                    + yards.fout[y, IMP, :H] + yards.fout[y, EIN, :H])
        day = np.bincount(np.arange(H) // 24, weights=teu, minlength=(H + 23) // 24)
        lam = hourly_arrivals(day / spec.teu_per_truck, profile, H)
        rho, backlog, queue, wait = gate_queue(lam, g.lanes, g.service_min, spec.service_cv)
        w = lam[h0:]
        rows.append({
            "gate": g.id, "terminals": "/".join(g.terminals), "lanes": g.lanes,
            "capacity_trucks_per_h": g.lanes * 60.0 / g.service_min,
            "trucks_per_year": float(w.sum()) * annual,
            "peak_trucks_per_h": float(w.max()) if len(w) else 0.0,
            "mean_wait_h": float((w * wait[h0:]).sum() / w.sum()) if w.sum() > 0 else 0.0,
            "p95_wait_h": _weighted_quantile(wait[h0:], w, 0.95),
            "max_queue_trucks": float(queue[h0:].max()) if len(w) else 0.0,
            "peak_utilisation": float(rho[h0:].max()) if len(w) else 0.0,
            "share_h_over_capacity": float((rho[h0:] > 1.0).mean()) if len(w) else 0.0,
        })
        hourly.append(pd.DataFrame({"gate": g.id, "hour": np.arange(H), "trucks": lam,
                                    "utilisation": rho, "backlog": backlog,
                                    "queue": queue, "wait_h": wait}))
    return {"gate": pd.DataFrame(rows),
            "gate_hourly": pd.concat(hourly, ignore_index=True) if hourly else pd.DataFrame()}
