"""From the call log of one replication to tidy DataFrames and KPIs.

Measurement window: from the end of the warm-up to the end of the run. A call counts
for waiting statistics when it arrives inside the window; a call still at anchorage
at the end counts with the wait it has had so far (a lower bound, which is what a
saturated port deserves). Throughput counts the volume of calls whose handling ends
inside the window, annualised. Occupancy is quay-length × time used by ships
(from the start of berthing to the end of unberthing, LOA plus clearance) over
quay-length × window on continuous quays; a berth of its own (no quay line) is taken
whole by the ship alongside, which gives the classic berth occupancy.

Berth utilisation (``berth_utilisation``) is the design code's (JTS 165 ρ) on the
berth-time basis: the hours a berth is taken by a call — the berth **reserved** for it
while it sails in (``reserved_h`` when the call log gives it, else ``berthed_h −
called_h``), berthing, handling and unberthing — over the window, per berth. On a
continuous quay the berth sections of the port file are its design-ship slots (the
berths the quay line was built as): a call takes one slot, that of the section under
its bow-end start position, whatever its length; the utilisation of a terminal or area
is the mean over its berths (berth-hours taken / (berths × window)).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portsim.config.fit import quay_lines
from portsim.config.scenario import Scenario
from portsim.demand import HOURS_PER_YEAR, CallPlan
from portsim.model.channel import port_kpis as channel_kpis
from portsim.model.port import CallLog, queue_length_series

STATUS_ORDER = ["departed", "outbound", "at_berth", "inbound", "waiting"]


@dataclass
class RunResult:
    """Everything one replication produced, as DataFrames."""

    scenario: Scenario
    replication: int
    calls: pd.DataFrame
    berths: pd.DataFrame
    terminals: pd.DataFrame
    areas: pd.DataFrame
    flows: pd.DataFrame
    queue: pd.DataFrame
    port: pd.Series
    in_system_at_end: int  # counted from the model's state, for conservation checks
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Further tables from model components (channel segments, yard, rail, gate …)."""


def _window(scenario: Scenario) -> tuple[float, float]:
    run = scenario.run
    return run.warmup_days * 24.0, (run.warmup_days + run.horizon_days) * 24.0


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    """A categorical column straight from integer codes (-1: missing) — no string parsing."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=int), categories=labels)


def calls_frame(scenario: Scenario, plan: CallPlan, log: CallLog) -> pd.DataFrame:
    """One row per call with every timestamp (hours from start) and wait."""
    port, rules = scenario.port, scenario.rules
    start_h, end_h = _window(scenario)
    lines = quay_lines(port.berths)
    classes = port.ship_classes
    cargo_labels = sorted({s.cargo for s in classes})
    class_cargo = np.array([cargo_labels.index(s.cargo) for s in classes])
    cargo_code = class_cargo[plan.ship_class]
    is_box = np.array([s.cargo == "container" for s in classes])[plan.ship_class]

    def masked(values: list[float]) -> np.ndarray:
        a = np.asarray(values, dtype=float)
        return np.where(a <= end_h, a, np.nan)

    called = masked(log.called_h)
    berthed = masked(log.berthed_h)
    handled = masked(log.handled_h)
    unberthed = masked(log.unberthed_h)
    departed = masked(log.departed_h)
    line = np.asarray(log.line, dtype=int)
    start_m = np.asarray(log.start_m, dtype=float)
    status = np.select(
        [~np.isnan(departed), ~np.isnan(unberthed), ~np.isnan(berthed), ~np.isnan(called)],
        [0, 1, 2, 3], 4)
    # the berth section under the ship's start position on its quay line
    berth_ids = [b.id for b in port.berths]
    berth_code = np.full(len(plan), -1)
    for q, ql in enumerate(lines):
        on = line == q
        if on.any():
            ends = np.cumsum([b.quay_length_m for b in ql.berths])
            k = np.minimum(np.searchsorted(ends, start_m[on] + 1e-9, side="right"),
                           len(ql.berths) - 1)
            codes = np.array([berth_ids.index(b.id) for b in ql.berths])
            berth_code[on] = codes[k]
    terminals = [t.id for t in port.terminals]
    areas = [a.id for a in port.areas]
    terminal_area = np.array([areas.index(t.area) for t in port.terminals])
    volume = plan.volume
    other_waits = {f"wait_{cause}_h": np.asarray(w, dtype=float)
                   for cause, w in sorted(log.waits.items())}
    frame = pd.DataFrame({
        "call": np.arange(len(plan)),
        "flow": _categorical(plan.flow, [f.id for f in scenario.demand]),
        "cargo": _categorical(cargo_code, cargo_labels),
        "ship_class": _categorical(plan.ship_class, [s.id for s in classes]),
        "liner": plan.liner,
        "terminal": _categorical(plan.terminal, terminals),
        "area": _categorical(terminal_area[plan.terminal], areas),
        "quay_line": _categorical(line, [q.id for q in lines]),
        "berth": _categorical(berth_code, berth_ids),
        "start_m": start_m,
        "length_m": np.asarray(log.length_m, dtype=float),
        "cranes": np.asarray(log.cranes),
        "cranes_max": np.asarray(log.cranes_max),
        "teu": np.where(is_box, volume, 0.0),
        "tonnes": np.where(is_box, 0.0, volume),
        "moves": np.where(is_box, volume / rules.teu_factor, 0.0),
        "arrival_h": plan.arrival_h,
        "called_h": called,
        "berthed_h": berthed,
        "handled_h": handled,
        "unberthed_h": unberthed,
        "departed_h": departed,
        "wait_berth_h": np.where(np.isnan(called), end_h, called) - plan.arrival_h,
        "berth_h": unberthed - berthed,
        "handling_h": handled - berthed - rules.berthing_h,
        "reserved_h": berthed - masked(log.free_h),
        "qc_hours": np.where(np.isnan(handled), np.nan, np.asarray(log.qc_hours, dtype=float)),
        "status": _categorical(status, STATUS_ORDER),
        "in_window": (plan.arrival_h >= start_h) & (plan.arrival_h < end_h),
        "service": plan.service,  # index into plan.services; -1: not a service call
        "on_window": plan.on_window,
        "window_start_h": plan.window_start_h,
        **other_waits,
    })
    frame["wait_total_h"] = frame[["wait_berth_h", *other_waits]].sum(axis=1)
    return frame


def berth_taken(scenario: Scenario, calls: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per call, the interval (start, end; hours, clipped to the measurement window) its
    berth was taken for it on the design-code basis: from the moment the berth was
    reserved for it (``berthed_h − reserved_h`` when the calls frame has
    ``reserved_h``, else ``called_h``) until it unberthed (the end of the run when still
    there); an empty interval for a call never called in."""
    start_h, end_h = _window(scenario)
    called = calls["called_h"].to_numpy()
    berthed = calls["berthed_h"].to_numpy()
    if "reserved_h" in calls:
        reserved = calls["reserved_h"].to_numpy()
        t0 = np.where(np.isnan(berthed), called, berthed - np.nan_to_num(reserved))
    else:
        t0 = called
    t1 = calls["unberthed_h"].to_numpy()
    t1 = np.minimum(np.where(np.isnan(t1), end_h, t1), end_h)
    t0 = np.where(np.isnan(t0), end_h, np.maximum(t0, start_h))
    return t0, np.maximum(t1, t0)


def _covered_h(t0: np.ndarray, t1: np.ndarray) -> float:
    """Length of the union of the intervals [t0, t1] (hours a berth is taken by any)."""
    if len(t0) == 0:
        return 0.0
    order = np.argsort(t0, kind="stable")
    a, z = t0[order], t1[order]
    before = np.concatenate([[-np.inf], np.maximum.accumulate(z)[:-1]])
    return float(np.clip(z - np.maximum(a, before), 0.0, None).sum())


def berths_frame(scenario: Scenario, calls: pd.DataFrame) -> pd.DataFrame:
    """Per berth section: ``occupancy`` (share of its quay-length × window used by ships)
    and ``berth_utilisation`` (design-code berth-time basis, see :func:`berth_time_h`)."""
    start_h, end_h = _window(scenario)
    window_h = end_h - start_h
    taken0, taken1 = berth_taken(scenario, calls)
    half_clearance = scenario.rules.berth_clearance_m / 2.0
    line_code = calls["quay_line"].cat.codes.to_numpy()
    start_m = calls["start_m"].to_numpy()
    end_m = start_m + calls["length_m"].to_numpy()
    t0 = calls["berthed_h"].to_numpy()
    t0 = np.where(np.isnan(t0), end_h, t0)
    t1 = calls["unberthed_h"].to_numpy()
    t1 = np.where(np.isnan(t1), end_h, t1)
    alongside_h = np.clip(np.minimum(t1, end_h) - np.maximum(t0, start_h), 0.0, None)
    in_window = calls["in_window"].to_numpy()
    order = np.argsort(line_code, kind="stable")
    bounds = np.searchsorted(line_code[order], np.arange(len(calls["quay_line"].cat.categories)
                                                         + 1))
    rows = []
    for q, line in enumerate(quay_lines(scenario.port.berths)):
        idx = order[bounds[q]:bounds[q + 1]]  # the calls placed on this line
        s, e, dt, inwin = start_m[idx], end_m[idx], alongside_h[idx], in_window[idx]
        t0, t1 = taken0[idx], taken1[idx]
        pos = 0.0
        for b in line.berths:
            a, z = pos, pos + b.quay_length_m
            pos = z
            overlap_m = np.clip(np.minimum(z, e) - np.maximum(a, s), 0.0, None)
            if len(line.berths) == 1:  # a berth of its own is taken whole by one ship
                overlap_m = np.where(overlap_m > 0, b.quay_length_m, 0.0)
                hull = np.ones(len(idx), dtype=bool)
            else:
                hull = (np.minimum(z, e - half_clearance)
                        - np.maximum(a, s + half_clearance)) > 0
            rows.append({
                "berth": b.id, "terminal": b.terminal, "quay_line": line.id,
                "cargo": "/".join(b.cargo), "quay_length_m": b.quay_length_m,
                "depth_m": b.depth_m, "max_dwt": b.max_dwt, "cranes": b.cranes,
                "calls": int(((s >= a) & (s < z) & inwin).sum()),
                "occupancy": float((overlap_m * dt).sum() / (b.quay_length_m * window_h)),
                "berth_utilisation": _covered_h(t0[hull], t1[hull]) / window_h,
            })
    return pd.DataFrame(rows)


def _time_average(times: np.ndarray, values: np.ndarray, start: float, end: float) -> float:
    """Time-weighted mean over [start, end] of a step function that is 0 before
    ``times[0]`` and ``values[i]`` from ``times[i]`` on."""
    if len(times) == 0:
        return 0.0
    edges = np.clip(times, start, end)
    widths = np.diff(np.concatenate([edges, [end]]))
    return float((widths * values).sum()) / (end - start)


def _queue_stats(arrival: np.ndarray, called: np.ndarray, start: float, end: float):
    times, counts = queue_length_series(arrival, called)
    if len(times) == 0:
        return 0.0, 0, times, counts
    inside = (times >= start) & (times <= end)
    before = counts[times < start]
    peak = max(int(counts[inside].max()) if inside.any() else 0,
               int(before[-1]) if len(before) else 0)
    return _time_average(times, counts, start, end), peak, times, counts


def _group_kpis(calls: pd.DataFrame, berths: pd.DataFrame, key: str, scenario: Scenario,
                end_h: float) -> pd.DataFrame:
    """KPIs per terminal or area, from numpy arrays indexed by group (no per-group masks)."""
    start_h, _ = _window(scenario)
    annual = HOURS_PER_YEAR / (end_h - start_h)
    arrival = calls["arrival_h"].to_numpy()
    called = calls["called_h"].to_numpy()
    handled = calls["handled_h"].to_numpy()
    berthed = calls["berthed_h"].to_numpy()
    berth_h = calls["berth_h"].to_numpy()
    wait = calls["wait_berth_h"].to_numpy()
    teu, tonnes = calls["teu"].to_numpy(), calls["tonnes"].to_numpy()
    inwin = calls["in_window"].to_numpy()
    done = (handled >= start_h) & (handled <= end_h)
    waiting = (calls["status"] == "waiting").to_numpy()
    cargo = calls["cargo"].astype(str).to_numpy()
    quay = berths.groupby(key, observed=True)["quay_length_m"].sum() if key in berths else {}
    used = ((berths["occupancy"] * berths["quay_length_m"]).groupby(berths[key], observed=True)
            .sum() if key in berths else {})
    n_berths = berths.groupby(key, observed=True).size() if key in berths else {}
    utilisation = (berths.groupby(key, observed=True)["berth_utilisation"].mean()
                   if key in berths else {})
    rows = []
    for name, idx in calls.groupby(key, observed=True).indices.items():
        w = idx[inwin[idx]]
        if len(w) == 0:
            continue
        served = w[~np.isnan(berthed[w])]
        mean_berth = (float(np.nanmean(berth_h[served]))
                      if len(served) and not np.isnan(berth_h[served]).all() else np.nan)
        mean_wait = float(wait[w].mean())
        d = idx[done[idx]]
        q_mean, q_max, _, _ = _queue_stats(arrival[idx], called[idx], start_h, end_h)
        q_len = float(quay.get(name, np.nan)) if len(quay) else np.nan
        rows.append({
            key: name,
            "cargo": "/".join(sorted(set(cargo[w]))),
            "berths": int(n_berths.get(name, 0)) if len(n_berths) else 0,
            "quay_m": q_len,
            "calls": len(w),
            "teu_per_year": float(teu[d].sum()) * annual,
            "tonnes_per_year": float(tonnes[d].sum()) * annual,
            "occupancy": float(used.get(name, np.nan)) / q_len if len(quay) else np.nan,
            "berth_utilisation": (float(utilisation.get(name, np.nan)) if len(utilisation)
                                  else np.nan),
            "mean_wait_h": mean_wait,
            "p95_wait_h": float(np.quantile(wait[w], 0.95)),
            "mean_berth_h": mean_berth,
            "waiting_factor": mean_wait / mean_berth if mean_berth and mean_berth > 0 else np.nan,
            "queue_mean": q_mean,
            "queue_max": q_max,
            "waiting_at_end": int(waiting[w].sum()),
        })
    # a run in which no call of any group arrives in the window has no rows, but the
    # columns all the same (a run where nothing arrives is a result, not an error)
    out = pd.DataFrame(rows, columns=[key, *GROUP_KPI_COLUMNS])
    return out if rows else out.astype({c: float for c in GROUP_KPI_COLUMNS if c != "cargo"})


#: The columns of the per-terminal and per-area KPI tables after the group's key.
GROUP_KPI_COLUMNS = ("cargo", "berths", "quay_m", "calls", "teu_per_year", "tonnes_per_year",
                     "occupancy", "berth_utilisation", "mean_wait_h", "p95_wait_h",
                     "mean_berth_h",
                     "waiting_factor", "queue_mean", "queue_max", "waiting_at_end")


def summarise(scenario: Scenario, replication: int, plan: CallPlan, log: CallLog,
              in_system_at_end: int, tables: dict[str, pd.DataFrame] | None = None
              ) -> RunResult:
    """Build every DataFrame of one replication."""
    start_h, end_h = _window(scenario)
    annual = HOURS_PER_YEAR / (end_h - start_h)
    calls = calls_frame(scenario, plan, log)
    berths = berths_frame(scenario, calls)
    area_of = {t.id: t.area for t in scenario.port.terminals}
    berths["area"] = berths["terminal"].map(area_of)
    terminals = _group_kpis(calls, berths, "terminal", scenario, end_h)
    terminals.insert(1, "area", terminals["terminal"].map(area_of))
    areas = _group_kpis(calls, berths, "area", scenario, end_h)
    done = _handled_in_window(calls, start_h, end_h)
    delivered = _delivered(scenario, done, annual)
    flows = []
    for f in scenario.demand:
        vol = delivered[f.id]
        demand = f.annual_volume * scenario.volume_scale(f)
        w = calls[(calls["flow"] == f.id) & calls["in_window"]]
        flows.append({"flow": f.id, "cargo": f.cargo, "unit": f.unit, "demand_per_year": demand,
                      "delivered_per_year": vol, "delivered_share": vol / demand,
                      "calls": len(w), "mean_wait_h": float(w["wait_berth_h"].mean())})
    times, counts = queue_length_series(calls["arrival_h"].to_numpy(),
                                        calls["called_h"].to_numpy())
    queue = pd.DataFrame({"time_h": times, "waiting": counts.astype(int)})
    box = calls[calls["in_window"] & (calls["cargo"] == "container")]
    served = box[box["berthed_h"].notna()]
    mean_wait_box = float(box["wait_berth_h"].mean()) if len(box) else np.nan
    mean_berth_box = float(served["berth_h"].dropna().mean()) if len(served) else np.nan
    arrived = int((calls["arrival_h"] < end_h).sum())
    departed = int((calls["status"] == "departed").sum())
    flows_df = pd.DataFrame(flows)
    port = pd.Series({
        "teu_demand": float(flows_df.loc[flows_df.unit == "TEU", "demand_per_year"].sum()),
        "teu_delivered": float(done["teu"].sum()) * annual,
        "tonnes_demand": float(flows_df.loc[flows_df.unit == "t", "demand_per_year"].sum()),
        "tonnes_delivered": float(done["tonnes"].sum()) * annual,
        "calls_arrived": arrived,
        "calls_departed": departed,
        "calls_in_system": arrived - departed,
        "container_mean_wait_h": mean_wait_box,
        "container_p95_wait_h": float(box["wait_berth_h"].quantile(0.95)) if len(box)
        else np.nan,
        "container_waiting_factor": mean_wait_box / mean_berth_box if mean_berth_box else np.nan,
        "all_mean_wait_h": float(calls.loc[calls["in_window"], "wait_berth_h"].mean()),
        "queue_mean": _time_average(times, counts, start_h, end_h),
        "queue_max": int(counts.max()) if len(counts) else 0,
    })
    port = pd.concat([port, wait_kpis(calls),
                      pd.Series(channel_kpis(calls, tables or {}, start_h, end_h), dtype=float)])
    port, tables = month_kpis(scenario, calls, port, tables)
    return RunResult(scenario, replication, calls, berths, terminals, areas, flows_df, queue,
                     port, in_system_at_end, tables or {})


def month_kpis(scenario: Scenario, calls: pd.DataFrame, port: pd.Series,
               tables: dict[str, pd.DataFrame] | None) -> tuple[pd.Series, dict]:
    """Container calls by calendar month of arrival (the measurement year starts 1 January
    at the end of the warm-up): the ``months`` table (month, calls, TEU, mean berth wait,
    waiting factor = mean wait / mean berth time of those served) and the port KPIs
    ``peak_month_container_waiting_factor`` / ``_mean_wait_h`` of the month of peak demand
    by the scenario's seasons (January when demand is flat)."""
    from portsim.services import month_of_hour, peak_month

    box = calls[calls["in_window"] & (calls["cargo"] == "container")]
    month = month_of_hour(box["arrival_h"].to_numpy(), scenario.run.warmup_days * 24.0)
    rows = []
    for m in range(1, 13):
        g = box[month == m]
        berth = g["berth_h"].dropna()
        wait = float(g["wait_berth_h"].mean()) if len(g) else np.nan
        rows.append({"month": m, "calls": len(g), "teu": float(g["teu"].sum()),
                     "mean_wait_h": wait,
                     "waiting_factor": wait / float(berth.mean()) if len(berth) else np.nan})
    months = pd.DataFrame(rows)
    peak = months.iloc[peak_month(scenario.seasons) - 1]
    port = pd.concat([port, pd.Series({
        "peak_month_container_waiting_factor": float(peak["waiting_factor"]),
        "peak_month_container_mean_wait_h": float(peak["mean_wait_h"])})])
    return port, {**(tables or {}), "months": months}


def delivered_per_year(scenario: Scenario, calls: pd.DataFrame) -> dict[str, float]:
    """TEU (containers) or tonnes per year handled in the window, per flow."""
    start_h, end_h = _window(scenario)
    return _delivered(scenario, _handled_in_window(calls, start_h, end_h),
                      HOURS_PER_YEAR / (end_h - start_h))


def _handled_in_window(calls: pd.DataFrame, start_h: float, end_h: float) -> pd.DataFrame:
    """The calls whose cargo work ended inside the measurement window."""
    return calls[(calls["handled_h"] >= start_h) & (calls["handled_h"] <= end_h)]


def _delivered(scenario: Scenario, done: pd.DataFrame, annual: float) -> dict[str, float]:
    """Per flow, TEU (containers) or tonnes of the handled calls ``done``, per year."""
    out = {}
    for f in scenario.demand:
        g = done[done["flow"] == f.id]
        out[f.id] = float((g["teu"] if f.cargo == "container" else g["tonnes"]).sum()) * annual
    return out


def wait_kpis(calls: pd.DataFrame) -> pd.Series:
    """Mean hours waited per call (calls arriving in the window) by cause and in total,
    for all calls and for container calls."""
    inwin = calls[calls["in_window"]]
    box = inwin[inwin["cargo"] == "container"]
    cols = [c for c in calls if c.startswith("wait_") and c.endswith("_h")]
    out = {f"mean_{c}": float(inwin[c].mean()) for c in cols}
    out["container_mean_wait_total_h"] = float(box["wait_total_h"].mean()) if len(box) \
        else np.nan
    return pd.Series(out, dtype=float)
