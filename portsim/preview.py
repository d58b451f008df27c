"""The analytic preview: what queueing theory and the design code expect, before simulating.

``preview(scenario)`` estimates, per terminal and without running the simulation:

* **demand** — the calls per year of every flow, ship class and terminal, from the same
  derivations the call plan uses (:func:`portsim.demand.class_calls_per_year`,
  :func:`portsim.demand.class_terminals`, :func:`portsim.demand.terminal_weights`);
* **berth time** — per call, handling ``moves / (cranes × crane rate × efficiency ×
  twin-lift)`` (or ``tonnes / loading rate``) stretched by ``24 / working hours``, plus
  berthing and unberthing; the berth is also held while the ship sails in through the
  channel, so the queue's service time adds the channel transit (as the model does);
* **berth occupancy** — quay-metre-hours used over quay-metre-hours available, measured
  like the simulation does (a ship on a continuous quay takes LOA + clearance, a berth of
  its own is taken whole), and the berth utilisation ``ρ = λ·S / c`` of the equivalent
  queue of ``c`` berths (a continuous quay counts as as many berths as the average ship
  of the mix fits, capped by its cranes on a container quay);
* **design-code berth utilisation** — ``berth_utilisation = λ·S / n``: the berth hours
  the calls take (reserved while sailing in, berthing, handling, unberthing: ``S`` is
  the hold time) over the ``n`` berths of the port file (its design-ship berths), each
  call taking one; the planning band is judged on it, by the same rule as the
  simulation's (:func:`portsim.limits.judge_terminal`);
* **waiting factor** — mean wait / mean service of the M/E2/c and E2/E2/c queues at that
  ``ρ`` and ``c``, solved exactly by :mod:`portsim.theory` for any number of berths, and a
  preview estimate from them: linear in the squared coefficient of variation of the
  arrivals ``ca²`` between E2/E2/c (0.5) and M/E2/c (1), and scaled Allen–Cunneen style
  for the actual ``ca²`` and the service variability ``cs²`` of the class mix (see
  :func:`blended_waiting_factor`; exact for c identical berths with Poisson or Erlang-2
  arrivals and Erlang-2 service, and for M/G/1);
* **design-code capacity** — the JTS 165 container-berth formula
  (:func:`portsim.design_code.container_berth_capacity`) with the scenario's per-call
  TEU, cranes per ship, crane rate, TEU factor, crane efficiency (K2) and twin-lift
  factor (K4), and its bulk equivalent, on the port file's own basis
  (:data:`portsim.design_code.PORT_FILE_BASIS`: 350 operating days, ρ 0.65 for container
  berths), times the terminal's berths (shared between cargo families by their demanded
  berth hours) — the capacity of the scenario's call mix, shown beside the capacity the
  port file declares for the same berths.

The arrival ``ca²`` of a terminal follows Whitt's QNA: a liner timetable with spacing
``d`` and normal deviation ``σ`` has ``ca² = min(1, 2σ²/d²)``, tramp calls ``1/k``
(Erlang-k); a random split with probability ``p`` gives ``p·ca² + 1 − p``; superposed
streams average their ``ca²`` weighted by rate.

What the preview leaves out, and the simulation models: ship classes that fit only part
of a quay, crane sharing between ships on one quay line, quay fragmentation on
continuous quays, the exact interplay of the class mix, time-varying effects, and the
marine model's waits that hold a berth (tide windows, one-way channel traffic, pilots,
tugs, weather closures).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portsim import theory
from portsim.config.fit import QuayLine, quay_lines, usable_runs
from portsim.config.port import Berth, ShipClass, Terminal
from portsim.config.scenario import Scenario, VolumeDistribution
from portsim.demand import HOURS_PER_YEAR, class_calls_per_year, class_terminals, terminal_weights
from portsim.design_code import (
    PORT_FILE_BASIS,
    ContainerBerthInputs,
    DesignBasis,
    bulk_berth_capacity,
    container_berth_capacity,
)
from portsim.limits import Limit, judge_terminal

__all__ = [
    "OPERATING_DAYS",
    "Preview",
    "arrival_scv",
    "band_top_basis",
    "blended_waiting_factor",
    "expected_calls",
    "preview",
    "render_beside_simulation",
    "render_preview",
]

OPERATING_DAYS = PORT_FILE_BASIS.operating_days
"""Berth operating days ``Ty`` for the design-code capacity: the port file's own basis
(350 d, :data:`portsim.design_code.PORT_FILE_BASIS`), so that the capacity of the
scenario's call mix compares with the capacities the port file declares (it was 365 d
with ρ at the band top 0.70, which gave plan-2025 8.13 M TEU instead of 7.24 M on the
port file's 350 d and ρ 0.65); pass ``operating_days`` to :func:`preview` for another."""

E2_SCV = 0.5  # squared coefficient of variation of an Erlang-2 time


# --------------------------------------------------------------------------- per call


def volume_moments(dist: VolumeDistribution) -> tuple[float, float]:
    """Mean and second moment of the volume per call."""
    m = dist.expected
    if dist.dist == "fixed":
        var = 0.0
    elif dist.dist in ("gamma", "lognormal"):
        var = (float(dist.cv or 0.0) * m) ** 2
    elif dist.dist == "triangular":
        a, c, b = float(dist.low), float(dist.mode), float(dist.high)  # type: ignore[arg-type]
        var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0
    else:
        var = (float(dist.high) - float(dist.low)) ** 2 / 12.0  # type: ignore[arg-type]
    return m, var + m * m


def arrival_scv(rate_per_h: float, liner_share: float, deviation_h: float,
                erlang_k: int) -> float:
    """Squared coefficient of variation of one class's inter-arrival times (QNA).

    The liner part keeps a timetable (spacing ``d``) with a normal deviation ``σ``:
    ``min(1, 2σ²/d²)``; the tramp part is an Erlang-k renewal process: ``1/k``.
    """
    if rate_per_h <= 0:
        return 1.0
    liner = rate_per_h * liner_share
    tramp = rate_per_h - liner
    scv_liner = min(1.0, 2.0 * (deviation_h * liner) ** 2) if liner > 0 else 0.0
    return (liner * scv_liner + tramp / erlang_k) / rate_per_h


def _twin_lift(scenario: Scenario) -> float:
    """Boxes per crane cycle (K4), where the rules give it."""
    return float(getattr(scenario.rules, "twin_lift_factor", 1.0))


@dataclass(frozen=True)
class _LineUse:
    """How one ship class uses one quay line: slots, metres taken, handling rate."""

    line: QuayLine
    slots: float  # ships of this class the line holds at once
    quay_m: float  # metres counted as occupied per ship (as the simulation measures)
    inv_rate: float  # 1 / (moves/h or t/h)
    cranes: float
    unit_rate: float  # moves/h per crane (containers) or t/h of the berth


def _line_use(line: QuayLine, ship: ShipClass, scenario: Scenario) -> _LineUse | None:
    rules = scenario.rules
    runs = usable_runs(line, ship, rules.berth_ukc_m, rules.berth_clearance_m)
    if not runs:
        return None
    need = ship.loa_m + rules.berth_clearance_m
    single = len(line.berths) == 1
    sections: list[Berth] = []
    pos = 0.0
    for b in line.berths:
        end = pos + b.quay_length_m
        if any(end > a + 1e-9 and pos < z - 1e-9 for a, z in runs):
            sections.append(b)
        pos = end
    if single:
        slots, quay_m = 1.0, line.berths[0].quay_length_m
    else:
        slots = float(sum(math.floor((z - a) / need + 1e-9) for a, z in runs))
        quay_m = need
    if ship.cargo == "container":
        cranes = float(min(rules.cranes_for(ship.id), max(line.cranes, 1)))
        rates = [b.crane_rate for b in sections if b.crane_rate]
        unit_rate = float(np.mean(rates))
        rate = cranes * unit_rate * rules.crane_efficiency * _twin_lift(scenario)
    else:
        cranes = 0.0
        unit_rate = rate = float(np.mean([b.loading_rate_t_h for b in sections
                                          if b.loading_rate_t_h]))
    return _LineUse(line, slots, quay_m, 1.0 / rate, cranes, unit_rate)


def expected_calls(scenario: Scenario) -> pd.DataFrame:
    """Expected calls per year and berth time per flow, ship class and terminal.

    Columns: flow, cargo, unit, ship_class, terminal, calls_per_year, volume (mean per
    call), volume_sq (second moment), arrival_scv (after the split to the terminal),
    cranes, unit_rate (moves/h per crane, or t/h), handling_h, berth_h (berthing +
    handling + unberthing), hold_h (berth_h + channel transit: the berth is held while
    the ship sails in), hold_sq (second moment), quay_m (quay metres counted as occupied
    while alongside), lines (ids of the quay lines the class may use there).
    """
    port, rules = scenario.port, scenario.rules
    lines = quay_lines(port.berths)
    stretch = 24.0 / rules.working_hours_per_day
    handling_sq_factor = 1.0 + rules.handling_cv ** 2
    rows = []
    for flow in scenario.demand:
        for fc, calls in zip(flow.classes, class_calls_per_year(scenario, flow), strict=True):
            ship = port.ship_class(fc.ship_class)
            terms = class_terminals(scenario, flow, ship, lines)
            weights = terminal_weights(flow, scenario, terms)
            m, m2 = volume_moments(fc.per_call)
            rate_h = calls / HOURS_PER_YEAR
            scv = arrival_scv(rate_h, flow.arrivals.liner_share,
                              flow.arrivals.schedule_deviation_h, flow.arrivals.erlang_k)
            for term, p in zip(terms, weights, strict=True):
                if p <= 0:
                    continue
                uses = [u for q in lines if q.terminal == term
                        if (u := _line_use(q, ship, scenario)) is not None]
                w = np.array([u.slots for u in uses], dtype=float)
                w = w / w.sum()
                inv_rate = float(sum(wi * u.inv_rate for wi, u in zip(w, uses, strict=True)))
                inv_rate_sq = float(sum(wi * u.inv_rate ** 2
                                        for wi, u in zip(w, uses, strict=True)))
                work = 1.0 / rules.teu_factor if flow.cargo == "container" else 1.0
                handling = m * work * inv_rate * stretch
                handling_sq = m2 * work ** 2 * inv_rate_sq * stretch ** 2 * handling_sq_factor
                fixed = rules.berthing_h + rules.unberthing_h
                transit = (port.transit_h(port.area_of_terminal(term))
                           if rules.include_channel_transit else 0.0)
                hold_fixed = fixed + transit
                rows.append({
                    "flow": flow.id, "cargo": flow.cargo, "unit": flow.unit,
                    "ship_class": ship.id, "terminal": term,
                    "calls_per_year": calls * p, "volume": m, "volume_sq": m2,
                    "arrival_scv": p * scv + 1.0 - p,
                    "liner_share": flow.arrivals.liner_share,
                    "cranes": float(sum(wi * u.cranes for wi, u in zip(w, uses, strict=True))),
                    "unit_rate": float(sum(wi * u.unit_rate
                                           for wi, u in zip(w, uses, strict=True))),
                    "handling_h": handling,
                    "berth_h": handling + fixed,
                    "hold_h": handling + hold_fixed,
                    "hold_sq": hold_fixed ** 2 + 2 * hold_fixed * handling + handling_sq,
                    "transit_h": transit,
                    "quay_m": float(sum(wi * u.quay_m for wi, u in zip(w, uses, strict=True))),
                    "lines": tuple(u.line.id for u in uses),
                })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- queueing


def blended_waiting_factor(rho: float, c: int, ca2: float, cs2: float = E2_SCV
                           ) -> tuple[float, float, float]:
    """Waiting factors (M/E2/c, E2/E2/c, preview estimate) at utilisation ``rho``.

    The estimate starts from the exact queue nearest in arrival variability: E2/E2/c for
    ``ca² <= 0.5``, M/E2/c for ``ca² >= 1``, and between them the value linear in
    ``ca²``; it is then scaled, Allen–Cunneen style, by ``(ca² + cs²) / (a + 0.5)``,
    where ``a`` is the anchor's own ``ca²`` (0.5, 1, or ``ca²`` in between). It is
    therefore exact for c identical berths with Poisson or Erlang-2 arrivals and
    Erlang-2 service, and for M/G/1. Infinite at ``rho >= 1`` (no steady state).
    """
    if not rho < 1.0:
        return math.inf, math.inf, math.inf
    if rho <= 0.0:
        return 0.0, 0.0, 0.0
    wf_m = theory.waiting_factor("M/E2/c", rho, c)
    wf_e = theory.waiting_factor("E2/E2/c", rho, c)
    anchor = min(max(ca2, E2_SCV), 1.0)
    base = wf_e + (wf_m - wf_e) * (anchor - E2_SCV) / (1.0 - E2_SCV)
    return wf_m, wf_e, base * (max(ca2, 0.0) + cs2) / (anchor + E2_SCV)


PACKING_LOSS = 0.5
"""Quay lost to fragmentation on a continuous quay, in lengths of the mix's average ship:
ships of mixed lengths leave gaps, about half a ship on average at the end of a run."""


def _servers(calls: pd.DataFrame, lines: list[QuayLine]) -> float:
    """Berth-equivalents of a group of quay lines: one per berth of its own; on a
    continuous quay as many ships of the mix's average length as fit, less the
    fragmentation loss (:data:`PACKING_LOSS`), at least one, and at most one per crane
    when every section is container-only. Fractional on continuous quays."""
    load = calls["calls_per_year"] * calls["hold_h"]
    c = 0.0
    for q in lines:
        using = calls["lines"].map(lambda ids, q=q: q.id in ids).to_numpy()
        if not using.any():
            continue
        if len(q.berths) == 1:
            c += 1.0
            continue
        need = float(np.average(calls["quay_m"][using], weights=load[using]))
        n = max(1.0, q.length_m / need - PACKING_LOSS)
        if all(b.cargo == ["container"] for b in q.berths):
            n = min(n, float(max(q.cranes, 1)))
        c += n
    return max(c, 1.0)


def _group_waiting_factor(load: float, c: float, ca2: float, cs2: float
                          ) -> tuple[float, float, float]:
    """:func:`blended_waiting_factor` for ``load`` busy berths on average over a possibly
    fractional number ``c`` of berths: at the utilisation ``load / c``, linear in ``c``
    between the neighbouring whole numbers of berths (exact for whole ``c``)."""
    rho = load / c
    lo, hi = max(math.floor(c), 1), max(math.ceil(c), 1)
    at_lo = blended_waiting_factor(rho, lo, ca2, cs2)
    if hi == lo:
        return at_lo
    at_hi = blended_waiting_factor(rho, hi, ca2, cs2)
    f = c - lo
    return tuple((1 - f) * a + f * b for a, b in zip(at_lo, at_hi, strict=True))  # type: ignore[return-value]


@dataclass(frozen=True)
class _Queue:
    """The c-berth queue of one group of quay lines: the classes that can use no other."""

    lines: frozenset[str]
    servers: float
    load: float  # berths busy on average (λ·S)
    hold_h: float
    wf: tuple[float, float, float]  # M/E2/c, E2/E2/c, preview

    @property
    def utilisation(self) -> float:
        return self.load / self.servers


def _queue(g: pd.DataFrame, lines: list[QuayLine], ids: frozenset[str]) -> _Queue:
    """The queue for the lines ``ids``: every call group whose lines all lie in ``ids``
    must be served there (calls that could also go elsewhere are left out)."""
    sub = g[g["lines"].map(lambda ls: set(ls) <= ids)]
    lam = sub["calls_per_year"].to_numpy() / HOURS_PER_YEAR
    hold = float(np.average(sub["hold_h"], weights=lam))
    cs2 = max(float(np.average(sub["hold_sq"], weights=lam)) / hold ** 2 - 1.0, 0.0)
    ca2 = float(np.average(sub["arrival_scv"], weights=lam))
    c = _servers(sub, [q for q in lines if q.id in ids])
    load = float(lam.sum()) * hold
    return _Queue(ids, c, load, hold, _group_waiting_factor(load, c, ca2, cs2))


# --------------------------------------------------------------------------- design code


def _design_capacity(calls: pd.DataFrame, scenario: Scenario, cargo: str, berths: float,
                     basis: DesignBasis) -> float:
    """JTS 165 capacity (TEU/yr or t/yr) of ``berths`` berths for this cargo's call mix,
    on ``basis`` (operating days and ρ of the cargo)."""
    rules = scenario.rules
    w = calls["calls_per_year"].to_numpy()
    q = float(np.average(calls["volume"], weights=w))
    t_f = float(np.average(calls["hold_h"] - calls["handling_h"], weights=w))
    rho = basis.rho(cargo)
    operating_days = basis.operating_days
    t_d = rules.working_hours_per_day
    rate = float(np.average(calls["unit_rate"], weights=w))
    try:
        if cargo == "container":
            # the formula's inputs are averages over the call mix: mean TEU per call, mean
            # cranes per ship, mean crane rate (it ignores that big ships get more cranes)
            cranes = float(np.average(calls["cranes"], weights=w))
            one = container_berth_capacity(ContainerBerthInputs(
                operating_days=operating_days, utilisation=rho, teu_per_call=q,
                hours_per_day=t_d, auxiliary_hours=t_f, crane_rate_boxes_per_h=rate,
                cranes_per_ship=cranes, teu_factor=rules.teu_factor,
                simultaneity=rules.crane_efficiency, rehandle_share=0.0,
                twin_lift_factor=_twin_lift(scenario)))
        else:
            one = bulk_berth_capacity(operating_days, rho, q, rate, t_d, t_f)
    except ValueError:
        return math.nan
    return one * berths


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class Preview:
    """The analytic estimate of a scenario: per call group, per terminal, and its verdict."""

    scenario: Scenario
    calls: pd.DataFrame
    terminals: pd.DataFrame
    verdict: str
    limits: tuple[Limit, ...] = ()
    """One :class:`~portsim.limits.Limit` per terminal, as the simulation's verdict has."""
    basis: DesignBasis = PORT_FILE_BASIS
    """Operating days and ρ the design-code capacity was evaluated on."""


def band_top_basis(scenario: Scenario, operating_days: float = 365.0) -> DesignBasis:
    """A basis at the top of each cargo's planning band over the whole year: the
    utilisation a simulated occupancy is compared with (used by
    :mod:`portsim.validation.capacity` to compare the formula with the simulation)."""
    rules = scenario.rules
    cargos = sorted({s.cargo for s in scenario.port.ship_classes} | {"container"})
    return DesignBasis(operating_days, {c: rules.threshold(c).occupancy_band[1]
                                        for c in cargos},
                       PORT_FILE_BASIS.hours_per_day,
                       "top of the planning band of each cargo (scenario rules), whole year",
                       name="band-top basis")


def preview(scenario: Scenario, operating_days: float | None = None,
            basis: DesignBasis = PORT_FILE_BASIS) -> Preview:
    """The analytic preview of a scenario (no simulation; about a second for the port).

    The design-code capacity is evaluated on ``basis`` (default: the port file's own,
    :data:`portsim.design_code.PORT_FILE_BASIS`), with ``operating_days`` in place of
    its operating days when given.

    The exact queue solutions use many small dense matrices, which multi-threaded BLAS
    slows down several-fold, so BLAS runs on one thread meanwhile.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        if operating_days is not None:
            basis = dataclasses.replace(basis, operating_days=float(operating_days))
        return _preview(scenario, basis)


def _terminal_row(scenario: Scenario, t: Terminal, g: pd.DataFrame, lines: list[QuayLine],
                  basis: DesignBasis) -> dict:
    """The preview of one terminal from its expected calls ``g``."""
    port, rules = scenario.port, scenario.rules
    lam = g["calls_per_year"].to_numpy() / HOURS_PER_YEAR
    hold = float(np.average(g["hold_h"], weights=lam))
    hold_sq = float(np.average(g["hold_sq"], weights=lam))
    berth_h = float(np.average(g["berth_h"], weights=lam))
    cs2 = max(hold_sq / hold ** 2 - 1.0, 0.0)
    ca2 = float(np.average(g["arrival_scv"], weights=lam))
    mine = [q for q in lines if q.terminal == t.id]
    # the whole terminal as one queue, and the queue of each group of quay lines that
    # some ship classes are confined to (deep or long sections); each call waits as
    # in the queue of the lines it can use
    pooled = _queue(g, mine, frozenset(i for ls in g["lines"] for i in ls))
    groups = {ids: _queue(g, mine, ids) for ids in {frozenset(ls) for ls in g["lines"]}}
    waits = np.array([groups[frozenset(ls)].wf[2] * groups[frozenset(ls)].hold_h
                      for ls in g["lines"]])
    wait = float(np.average(waits, weights=lam)) if np.isfinite(waits).all() else math.inf
    binding = max(groups.values(), key=lambda q: q.utilisation)
    c, rho = pooled.servers, pooled.utilisation
    wf_m, wf_e, _ = pooled.wf
    quay_m = sum(b.quay_length_m for b in port.berths if b.terminal == t.id)
    occupancy = float((lam * g["berth_h"] * g["quay_m"]).sum()) / quay_m
    cargos = sorted(set(g["cargo"]))
    thr = rules.threshold(cargos[0])
    # design code per cargo family, berths shared by demanded berth hours
    n_berths = sum(1 for b in port.berths if b.terminal == t.id)
    hours = (g["calls_per_year"] * g["hold_h"]).groupby(g["cargo"]).sum()
    cap = {"TEU": 0.0, "t": 0.0}
    dem = {"TEU": 0.0, "t": 0.0}
    declared = {
        "TEU": sum(b.design_capacity_teu for b in port.berths if b.terminal == t.id),
        "t": sum(b.design_capacity_t for b in port.berths if b.terminal == t.id),
    }
    for cargo, gc in g.groupby("cargo"):
        unit = "TEU" if cargo == "container" else "t"
        share = float(hours[cargo] / hours.sum())
        cap[unit] += _design_capacity(gc, scenario, str(cargo), n_berths * share,
                                      basis)
        dem[unit] += float((gc["calls_per_year"] * gc["volume"]).sum())
    ratio = max((dem[u] / cap[u] for u in cap if dem[u] > 0 and cap[u] > 0),
                default=math.nan)
    berth_utilisation = float((lam * g["hold_h"]).sum()) / n_berths
    saturated = not binding.utilisation < 1.0
    limit = judge_terminal(
        t.id, thr, berth_utilisation,
        wait / berth_h if math.isfinite(wait) else math.inf,
        saturated=("" if not saturated else "saturated (ρ ≥ 1)" if binding is pooled else
                   f"saturated (ρ ≥ 1 at {', '.join(sorted(binding.lines))})"))
    return {
        "terminal": t.id, "area": t.area, "cargo": "/".join(cargos),
        "calls_per_year": float(g["calls_per_year"].sum()),
        "teu_demand": dem["TEU"], "tonnes_demand": dem["t"],
        "servers": c, "hold_h": hold, "berth_h": berth_h, "ca2": ca2, "cs2": cs2,
        "utilisation": rho, "occupancy": occupancy, "berth_utilisation": berth_utilisation,
        "binding_lines": ", ".join(sorted(binding.lines)),
        "binding_servers": binding.servers, "binding_utilisation": binding.utilisation,
        "wf_me2c": wf_m, "wf_e2e2c": wf_e, "wf_model": "E2/E2/c" if ca2 < 0.75 else "M/E2/c",
        "wf_queue": wait / hold, "mean_wait_h": wait,
        "waiting_factor": wait / berth_h if math.isfinite(wait) else math.inf,
        "teu_capacity_jts": cap["TEU"], "tonnes_capacity_jts": cap["t"],
        "teu_capacity_declared": declared["TEU"], "tonnes_capacity_declared": declared["t"],
        "demand_over_capacity": ratio,
        "band_top": thr.occupancy_band[1], "wf_limit": thr.waiting_factor,
        "stress": limit.stress, "over": limit.over, "judgement": limit.reason,
        "limit": limit,
    }


def _preview(scenario: Scenario, basis: DesignBasis) -> Preview:
    port = scenario.port
    calls = expected_calls(scenario)
    lines = quay_lines(port.berths)
    rows = []
    for t in port.terminals:
        g = calls[calls["terminal"] == t.id]
        if g.empty or g["calls_per_year"].sum() <= 0:
            continue
        rows.append(_terminal_row(scenario, t, g, lines, basis))
    limits = tuple(r.pop("limit") for r in rows)
    terms = pd.DataFrame(rows)
    if len(terms):
        terms = terms.sort_values("stress", ascending=False).reset_index(drop=True)
    return Preview(scenario, calls, terms, _verdict(scenario, terms, basis), limits, basis)


def terminal_at_scale(pv: Preview, terminal: str, scale: float) -> dict:
    """One terminal's preview with its expected calls multiplied by ``scale`` (arrival
    variability kept as at scale 1): a quick way to find where it reaches a limit."""
    from threadpoolctl import threadpool_limits

    sc = pv.scenario
    g = pv.calls[pv.calls["terminal"] == terminal]
    g = g.assign(calls_per_year=g["calls_per_year"] * scale)
    with threadpool_limits(limits=1, user_api="blas"):
        return _terminal_row(sc, sc.port.terminal(terminal), g, quay_lines(sc.port.berths),
                             pv.basis)


def preview_status(terms: pd.DataFrame) -> str:
    """``"no demand"``, ``"saturated"`` (ρ ≥ 1 at a terminal), ``"congested"`` (a terminal
    over its planning limits) or ``"within limits"``."""
    if terms.empty:
        return "no demand"
    if (~(terms["binding_utilisation"] < 1.0)).any():
        return "saturated"
    return "congested" if terms["over"].any() else "within limits"


def _verdict(scenario: Scenario, terms: pd.DataFrame, basis: DesignBasis) -> str:
    """The preview's one-line verdict in the current language (:mod:`portsim.labels`)."""
    from portsim.labels import current
    from portsim.labels import t as tr

    if terms.empty:
        return tr("PREVIEW {name}: no demand", name=scenario.name)
    top = terms.iloc[0]
    sat = terms[~(terms["binding_utilisation"] < 1.0)]
    over = terms[terms["over"]]
    parts = []
    teu, cap_teu = terms["teu_demand"].sum(), terms["teu_capacity_jts"].sum()
    if teu > 0:
        parts.append(tr("{teu:.2f} M TEU demanded vs {cap:.2f} M TEU JTS 165 capacity of "
                        "this call mix at {days:g} d and ρ {rho:.2f} ({basis}; the port file "
                        "declares {declared:.2f} M TEU)", teu=teu / 1e6, cap=cap_teu / 1e6,
                        days=basis.operating_days, rho=basis.rho("container"),
                        basis=tr(basis.name),
                        declared=terms["teu_capacity_declared"].sum() / 1e6))
    t, cap_t = terms["tonnes_demand"].sum(), terms["tonnes_capacity_jts"].sum()
    if t > 0:
        parts.append(tr("{t:.1f} Mt vs {cap:.1f} Mt", t=t / 1e6, cap=cap_t / 1e6))
    where = tr("most stressed: {terminal} ({area}), berth utilisation {u:.0%} (quay "
               "occupancy {occ:.0%}) vs {top:.0%}, waiting factor {wf:.2f} vs {lim:.2f}",
               terminal=top["terminal"], area=top["area"], u=top["berth_utilisation"],
               occ=top["occupancy"], top=top["band_top"], wf=top["waiting_factor"],
               lim=top["wf_limit"])
    if len(sat):
        status = tr("SATURATED at {n} terminal(s) ({names}): demand exceeds berth capacity",
                    n=len(sat), names=", ".join(sat["terminal"]))
    elif len(over):
        status = tr("CONGESTED: {n} of {total} terminal(s) over planning limits",
                    n=len(over), total=len(terms))
    else:
        status = tr("WITHIN LIMITS at all {n} terminals", n=len(terms))
    zh = current() == "zh"
    sep = "；" if zh else "; "
    return (tr("PREVIEW {name}: {status}", name=scenario.name, status=status) + sep
            + sep.join([*parts, where]) + ("。" if zh else "."))


# --------------------------------------------------------------------------- rendering


def _fmt(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> str:
    from portsim.cli import fmt_table

    return fmt_table(frame, columns)


def _capacity_text(r: pd.Series) -> str:
    out = []
    from portsim.labels import t

    if r["teu_demand"] > 0:
        out.append(t("{cap:.2f} M TEU (declared {declared:.2f})",
                     cap=r["teu_capacity_jts"] / 1e6, declared=r["teu_capacity_declared"] / 1e6))
    if r["tonnes_demand"] > 0:
        out.append(t("{cap:.1f} Mt (declared {declared:.1f})",
                     cap=r["tonnes_capacity_jts"] / 1e6,
                     declared=r["tonnes_capacity_declared"] / 1e6))
    return " + ".join(out)


def render_preview(pv: Preview) -> str:
    """The preview table and its one-line verdict, as ``portsim preview`` prints them."""
    from portsim.labels import t as tr
    from portsim.landside_sizing import sizing_lines

    sc = pv.scenario
    t = pv.terminals.copy()
    if t.empty:
        return pv.verdict
    t["jts"] = [_capacity_text(r) for _, r in t.iterrows()]
    lines = [
        tr("portsim preview — {name}: analytic estimate before simulating ({n} berths)",
           name=sc.name, n=len(sc.port.berths)) if not sc.year else
        tr("portsim preview — {name}: analytic estimate before simulating ({n} berths in "
           "service in {year})", name=sc.name, n=len(sc.port.berths), year=sc.year),
        tr("occupancy: quay-time used (as simulated); berth util.: design-code berth-time "
           "per berth of the port file (judged against the planning band); ρ: utilisation "
           "of the c-berth queue; WF: mean wait / mean berth time; JTS 165 capacity of this "
           "call mix at {days:g} d, ρ {rho:.2f} ({basis}) and the port file's declared "
           "capacity", days=pv.basis.operating_days, rho=pv.basis.rho("container"),
           basis=tr(pv.basis.name)),
        "",
        _fmt(t, {
            "terminal": ("terminal", ""), "cargo": ("cargo", ""),
            "calls_per_year": ("calls/yr", ",.0f"), "servers": ("c", ".1f"),
            "hold_h": ("service h", ".1f"), "occupancy": ("occupancy", ".1%"),
            "berth_utilisation": ("berth util.", ".1%"), "utilisation": ("ρ", ".2f"),
            "wf_me2c": ("WF M/E2/c", ".3f"),
            "wf_e2e2c": ("WF E2/E2/c", ".3f"), "ca2": ("ca²", ".2f"), "cs2": ("cs²", ".2f"),
            "waiting_factor": ("WF", ".3f"), "mean_wait_h": ("wait h", ".1f"),
            "jts": ("JTS 165 capacity", ""), "demand_over_capacity": ("demand/cap", ".2f"),
            "judgement": ("judgement", "")}),
        "",
        *sizing_lines(sc),  # the landside's design-code sizing, a check (not an input)
        pv.verdict,
    ]
    return "\n".join(lines)


def beside_simulation(pv: Preview, simulated: pd.DataFrame) -> pd.DataFrame:
    """Preview and simulated KPIs per terminal side by side (``simulated``: the verdict's
    terminal table or ``Replications.terminal_kpis()``)."""
    cols = ["terminal", "berth_utilisation", "occupancy", "waiting_factor", "mean_wait_h"]
    sim = simulated[[c for c in simulated.columns
                     if c in cols or c in [f"{x}_ci95" for x in cols]]]
    sim = sim.assign(**{c: np.nan for c in cols if c not in sim})  # an older table
    both = pv.terminals[["terminal", "servers", "utilisation", *cols[1:]]].merge(
        sim, on="terminal", how="outer", suffixes=("_preview", "_sim"))
    return both


def render_beside_simulation(pv: Preview, simulated: pd.DataFrame) -> str:
    """A short "preview vs simulation" table per terminal for ``portsim run``."""
    from portsim.labels import t
    both = beside_simulation(pv, simulated)
    if both.empty:
        return ""
    both = both.sort_values("berth_utilisation_sim", ascending=False, na_position="last")
    return "\n".join([
        t("Preview vs simulation (analytic estimate before simulating | simulated mean ± 95 "
          "% CI)"),
        _fmt(both, {
            "terminal": ("terminal", ""), "servers": ("c", ".1f"),
            "berth_utilisation_preview": ("berth util. preview", ".1%"),
            "berth_utilisation_sim": ("berth util. sim", ".1%"),
            "berth_utilisation_ci95": ("±", ".1%"),
            "occupancy_preview": ("occ. preview", ".1%"), "occupancy_sim": ("occ. sim", ".1%"),
            "occupancy_ci95": ("±", ".1%"), "waiting_factor_preview": ("WF preview", ".3f"),
            "waiting_factor_sim": ("WF sim", ".3f"), "waiting_factor_ci95": ("±", ".3f"),
            "mean_wait_h_preview": ("wait h preview", ".1f"),
            "mean_wait_h_sim": ("wait h sim", ".1f"), "mean_wait_h_ci95": ("±", ".1f")}),
        pv.verdict,
    ])


def run_section(scenario: Scenario, simulated: pd.DataFrame) -> list[str]:
    """The lines ``portsim run`` prints between its terminal table and its answer.

    A preview that cannot be computed must not cost the planner the simulation just
    run, so a failure becomes a one-line note instead of an exception.
    """
    try:
        text = render_beside_simulation(preview(scenario), simulated)
    except Exception as exc:  # pragma: no cover - defensive: the run's results come first
        from portsim.labels import t

        return [t("(preview unavailable: {e})", e=f"{type(exc).__name__}: {exc}"), ""]
    return [text, ""] if text else []
