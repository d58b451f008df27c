"""The planner's answer: is the demand delivered, and where does the port break first?

Judgement rules (all over replications, with 95 % confidence intervals):

* the port is **SATURATED** when the anchorage queue of a terminal (or of the port)
  grows over the measurement window — batch means of the queue, a trend pooled over
  replications, one-sided test at a 5 % false-alarm rate (:mod:`portsim.saturation`);
  the terminals that saturate are named. (This replaces the old backlog rule, which
  called a flow short only when the ships still waiting at the end exceeded 5 % of its
  annual calls — ~225 ships at plan-2025 scale);
* a flow **falls short** when even the upper end of the CI of its delivered volume is
  below 97 % of its demand;
* a terminal is **over its planning limits** when its berth utilisation on the design
  code's berth-time basis (JTS 165 ρ: berth hours taken per berth, including berthing,
  unberthing and the time the berth is reserved for a ship sailing in) is above the top
  of its planning band (JTS 165: 50–70 % for container berths) or its waiting factor
  (mean wait / mean berth time) is above the limit (PIANC/UNCTAD practice: 0.10 for
  liner berths, ~0.30 for bulk) — one rule, :func:`portsim.limits.judge_terminal`, also
  used by the preview; the quay-metre occupancy is shown beside it, not judged;
* terminals are ranked by **stress** (the larger of utilisation / band top and waiting
  factor / limit); the top one is named **first to saturate** only when its stress
  exceeds the runner-up's with a paired 95 % CI (same replication index = common random
  numbers) that excludes 0, otherwise the group that cannot be told apart is named
  (:func:`portsim.limits.rank_by_stress`); landside components likewise.

Statuses: "saturated", "falls short", "delivers, congested", "delivers".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portsim.limits import Limit, Ranking, judge_terminal, limits_frame, rank_by_stress
from portsim.saturation import PORT, saturated_terminals, stationarity_table
from portsim.simulate import Replications, mean_ci

SHORTFALL_SHARE = 0.97
SATURATED_REASON = "saturated (anchorage queue grows)"


@dataclass
class Verdict:
    """The answer with the tables it stands on."""

    status: str  # "saturated", "falls short", "delivers, congested", "delivers"
    answer: str
    flows: pd.DataFrame
    terminals: pd.DataFrame
    bottleneck: str | None
    """The most stressed terminal (named first to saturate only if ``ranking.first``)."""
    landside: pd.DataFrame | None = None
    """Yards, rail terminals and gates against their planning limits (None: no yards)."""
    limits: list[Limit] = field(default_factory=list)
    """Every judged thing (terminals, then landside components), one record each."""
    saturation: pd.DataFrame | None = None
    """The stationarity check per terminal and for the port
    (:func:`portsim.saturation.stationarity_table`)."""
    saturated: list[str] = field(default_factory=list)
    """Terminals whose anchorage queue grows (fastest first)."""
    ranking: Ranking | None = None
    """Terminals ranked by stress with the paired comparison of the top two."""
    landside_ranking: Ranking | None = None
    criteria: pd.DataFrame | None = None
    """The container service under each criterion of the capacity panel
    (:func:`service_criteria`)."""

    def limits_table(self) -> pd.DataFrame:
        """The limit records as one table (:func:`portsim.limits.limits_frame`)."""
        return limits_frame(self.limits)


def _threshold(reps: Replications, cargo: str):
    return reps.scenario.rules.threshold(str(cargo).split("/")[0])


def terminal_limits(reps: Replications, saturated: list[str] | None = None,
                    kpis: pd.DataFrame | None = None) -> list[Limit]:
    """One :class:`~portsim.limits.Limit` per terminal, on the mean over replications
    (``kpis``: ``reps.terminal_kpis()`` when already at hand); the terminals in
    ``saturated`` are over with infinite stress."""
    t = reps.terminal_kpis() if kpis is None else kpis
    sat = set(saturated or [])
    return [judge_terminal(str(r["terminal"]), _threshold(reps, r["cargo"]),
                           float(r["berth_utilisation"]), float(r["waiting_factor"]),
                           saturated=SATURATED_REASON if r["terminal"] in sat else "",
                           ci95={"berth_utilisation": float(r["berth_utilisation_ci95"]),
                                 "waiting_factor": float(r["waiting_factor_ci95"])})
            for _, r in t.iterrows()]


def terminal_table(reps: Replications, saturated: list[str] | None = None,
                   records: list[Limit] | None = None) -> pd.DataFrame:
    """Per-terminal KPIs (berth utilisation on the design-code basis beside quay-metre
    occupancy) with their planning thresholds and the judgement of
    :func:`terminal_limits` (``records``, when already made): ``stress``, ``over``
    (bool), ``judgement`` (the reason), most stressed first. ``saturated``: terminals
    found saturated (default: found here by
    :func:`portsim.saturation.stationarity_table`)."""
    t = reps.terminal_kpis()
    if records is None:
        if saturated is None:
            saturated = saturated_terminals(stationarity_table(reps.runs))
        records = terminal_limits(reps, saturated, t)
    by_id = {r.id: r for r in records}
    t["band_low"] = [_threshold(reps, c).occupancy_band[0] for c in t["cargo"]]
    t["band_top"] = [_threshold(reps, c).occupancy_band[1] for c in t["cargo"]]
    t["wf_limit"] = [_threshold(reps, c).waiting_factor for c in t["cargo"]]
    t["stress"] = [by_id[str(x)].stress for x in t["terminal"]]
    t["over"] = [by_id[str(x)].over for x in t["terminal"]]
    t["judgement"] = [by_id[str(x)].reason for x in t["terminal"]]
    return t.sort_values("stress", ascending=False, na_position="last").reset_index(drop=True)


def terminal_stress_by_replication(reps: Replications) -> pd.DataFrame:
    """Per replication and terminal, the stress of :func:`portsim.limits.judge_terminal`
    (columns replication, id, stress) — what :func:`portsim.limits.rank_by_stress` pairs."""
    t = reps.terminals
    stress = [judge_terminal(str(r.terminal), _threshold(reps, r.cargo),
                             float(r.berth_utilisation), float(r.waiting_factor)).stress
              for r in t.itertuples()]
    return pd.DataFrame({"replication": t["replication"].to_numpy(),
                         "id": t["terminal"].astype(str).to_numpy(), "stress": stress})


def flow_table(reps: Replications) -> pd.DataFrame:
    """Per flow: demand, delivered (CI), ships still waiting at the end (shown, no longer
    judged: saturation is the stationarity check's), and ``short``."""
    f = reps.flow_kpis()
    backlog = (
        reps.calls.query("in_window and status == 'waiting'")
        .groupby(["replication", "flow"], observed=True).size()
        .groupby("flow", observed=True).mean()
    )
    f["waiting_at_end"] = f["flow"].map(backlog).fillna(0.0).astype(float)
    upper = (f["delivered_per_year"] + f["delivered_per_year_ci95"].fillna(0.0)) / f[
        "demand_per_year"]
    f["short"] = upper < SHORTFALL_SHARE
    return f


def _fmt_volume(v: float, unit: str) -> str:
    return f"{v / 1e6:.2f} M TEU" if unit == "TEU" else f"{v / 1e6:.1f} Mt"


CRITERIA = ("judged on berth utilisation (JTS 165 berth-time basis: berthing, handling, "
            "unberthing and reserved time per berth) against the top of its planning band "
            "and on the waiting factor (mean wait / mean berth time) against its limit")


def _saturation_clause(sat: pd.DataFrame, saturated: list[str]) -> str:
    rows = sat.set_index("id")

    def grows(name: str) -> str:
        r = rows.loc[name]
        spread = (f" ({r['growth_min']:+.0f} to {r['growth_max']:+.0f} in the "
                  f"{int(r['replications'])} replications)" if r["replications"] > 1 else "")
        return f"{name} {r['growth']:+.0f} ships{spread}"

    named = saturated or [PORT]
    return ("the anchorage queue grows over the year at " + ", ".join(grows(n) for n in named)
            + f" (batch-means trend, one-sided test at 5 % false alarm over "
            f"{int(rows.loc[named[0], 'replications'])} replication(s)): no steady state, "
            "the demand cannot be delivered year after year")


def judge(reps: Replications) -> Verdict:
    """Judge a set of replications against demand and planning thresholds.

    Parameters
    ----------
    reps : Replications
        From :func:`portsim.replicate` with ``keep="calls"`` (the default): the
        stationarity check and the service criteria read every call.

    Returns
    -------
    Verdict
        ``status`` (``"delivers"``, ``"delivers, congested"``, ``"falls short"``,
        ``"saturated"``), ``answer`` (the sentence ``portsim run`` prints after
        ANSWER:), ``flows`` (demand against delivered), ``terminals`` (berth
        utilisation and waiting factor against their limits, most stressed first),
        ``landside``, ``bottleneck``, ``saturated``, ``limits_table()``.

    Examples
    --------
    >>> import portsim
    >>> sc = portsim.load_scenario("scenarios/plan-2025.yaml",
    ...                            {"run.horizon_days": 60, "run.replications": 3})
    >>> verdict = portsim.judge(portsim.replicate(sc))
    >>> verdict.status, verdict.terminals[["terminal", "judgement"]].head()  # doctest: +SKIP
    """
    sat = stationarity_table(reps.runs)
    saturated = saturated_terminals(sat)
    port_grows = bool(sat.loc[sat["id"] == PORT, "saturated"].any())
    records = terminal_limits(reps, saturated)
    flows, terms = flow_table(reps), terminal_table(reps, records=records)
    kpi = reps.port_kpis()
    short = flows[flows["short"]]
    over = terms[terms["over"]]
    ranking = rank_by_stress(terminal_stress_by_replication(reps)) if len(terms) else None
    bottleneck = ranking.order[0] if ranking and ranking.order else (
        str(terms.iloc[0]["terminal"]) if len(terms) else None)
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
    criteria = service_criteria(reps)
    if len(criteria):
        service += "; " + criteria_sentence(criteria)
    where = CRITERIA
    port_grows = port_grows or bool(saturated)
    if bottleneck is not None:
        top = terms.set_index("terminal").loc[bottleneck]
        what = "most stressed" if port_grows else "first to saturate"
        where += (f"; {ranking.sentence(what) if ranking else what + ': ' + bottleneck}"
                  f"; {bottleneck} ({top['area']}): berth utilisation "
                  f"{top['berth_utilisation']:.0%} (quay occupancy {top['occupancy']:.0%}) vs "
                  f"{top['band_top']:.0%} band top, waiting factor "
                  f"{top['waiting_factor']:.2f} vs {top['wf_limit']:.2f}")
    land = landside_table(reps)
    land_records: list[Limit] = []
    land_ranking = None
    land_over = land[land["over"]] if land is not None else None
    if land is not None and len(land):
        land_records = landside_limits(land)
        land_ranking = rank_by_stress(landside_stress_by_replication(reps))
        where += "; " + landside_sentence(land)
        if land_ranking.order:
            where += "; landside " + land_ranking.sentence("most stressed")
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
    if port_grows:
        status = "saturated"
        answer = (f"{name}: SATURATED — {headline}; {_saturation_clause(sat, saturated)}; "
                  f"{service}; {where}.")
    elif len(short):
        status = "falls short"
        names = ", ".join(f"{r.flow} ({r.delivered_share:.0%} of demand)"
                          for r in short.itertuples())
        answer = f"{name}: FALLS SHORT — {headline}; short: {names}; {service}; {where}."
    elif len(over) or (land_over is not None and len(land_over)):
        status = "delivers, congested"
        n_land = 0 if land_over is None else len(land_over)
        answer = (f"{name}: DELIVERS, BUT CONGESTED — {headline}; no queue grows; {service}; "
                  f"{len(over)} terminal(s) and {n_land} landside component(s) over planning "
                  f"limits; {where}.")
    else:
        status = "delivers"
        answer = f"{name}: DELIVERS — {headline}; no queue grows; {service}; {where}."
    return Verdict(status, answer, flows, terms, bottleneck, land,
                   limits=[*records, *land_records], saturation=sat, saturated=saturated,
                   ranking=ranking, landside_ranking=land_ranking, criteria=criteria)


def service_criteria(reps: Replications, cargo: str = "container") -> pd.DataFrame:
    """The container service at the simulated demand under each criterion of the capacity
    panel (:func:`portsim.experiments.capacity.panel`, without the base year's, which
    needs the base year simulated: ``portsim capacity`` applies it): value (mean and 95 %
    CI over replications), limit, whether the mean meets it, and the limit's source.
    ``portsim capacity`` turns the same criteria into capacities."""
    from portsim.experiments.capacity import measure, panel

    sc = reps.scenario
    rows = []
    for c in panel(sc, cargo):
        values = [measure(r.calls, cargo, c.kind, within_h=c.within_h,
                          unberthing_h=sc.rules.unberthing_h) for r in reps.runs]
        mean, half, n = mean_ci(values)
        if not n:
            continue
        rows.append({"criterion": c.id, "description": c.describe(), "kind": c.kind,
                     "value": mean, "value_ci95": half, "limit": c.limit,
                     "met": bool(mean <= c.limit), "source": c.source})
    return pd.DataFrame(rows, columns=["criterion", "description", "kind", "value",
                                       "value_ci95", "limit", "met", "source"])


def criteria_sentence(criteria: pd.DataFrame) -> str:
    """One clause: how the service at this demand reads under every criterion."""
    def say(r: pd.Series) -> str:
        if r["kind"] in ("share_waiting_over_h", "berth_window_missed"):
            value, limit = f"{1 - r['value']:.0%}", f"{1 - r['limit']:.0%}"
            sign = ">=" if r["met"] else "<"
        else:
            fmt = ".1f" if r["kind"].endswith("_h") else ".2f"
            value, limit = format(r["value"], fmt), format(r["limit"], fmt)
            sign = "<=" if r["met"] else ">"
        return f"{r['criterion']} {value} {sign} {limit}"

    met = int(criteria["met"].sum())
    return (f"service criteria met {met} of {len(criteria)} ("
            + ", ".join(say(r) for _, r in criteria.iterrows()) + ")")


def landside_table(reps: Replications) -> pd.DataFrame | None:
    """The landside components of the registry (:data:`portsim.model.components.REGISTRY`:
    yards, rail terminals, gates and any component registered later) judged against
    their planning limits, on the mean over replications; most stressed first. One row
    per instance and limit: ``component``, ``id``, ``kpi``, ``value``, ``limit``,
    ``stress`` (= value / limit, above 1 is over), ``over``, ``over_because`` (the
    second criterion that puts it over, if any), ``judgement`` (the record's reason),
    ``basis`` (where the limit comes from) and ``inputs`` (which of the figures sizing
    the instance are sourced, derived or assumed —
    :func:`portsim.model.components.input_provenance`). Each component's rule is its
    :class:`~portsim.model.components.LimitSpec` (:meth:`~portsim.model.components.
    LimitSpec.judge`); today:

    * a **yard**: mean stock / physical stack (utilisation) against the top of the planning
      band (60–80 % in Chinese practice, docs/assumptions.md §7.3), and over too when full
      in more than 1 % of hours; yard waits of ships are reported;
    * a **rail terminal**: loading-track occupancy against ``track_occupancy_limit``, and
      over too when it serves under 97 % of its timetabled trains;
    * a **gate**: the mean truck wait against ``gate.wait_limit_h``.

    None when the run has none of the components' tables.
    """
    rows = _landside_rows(reps, [])
    if not rows:
        return None
    out = pd.DataFrame(rows, columns=[*LANDSIDE_COLUMNS])
    return out.sort_values("stress", ascending=False, kind="stable").reset_index(drop=True)


LANDSIDE_COLUMNS = ("component", "id", "kpi", "value", "limit", "stress", "over",
                    "over_because", "judgement", "basis", "inputs")


def landside_limits(land: pd.DataFrame) -> list[Limit]:
    """The rows of :func:`landside_table` as limit records."""
    return [Limit(r.component, r.id, r.kpi, float(r.value), float(r.limit), float(r.stress),
                  bool(r.over), r.judgement, None, r.basis) for r in land.itertuples()]


def landside_stress_by_replication(reps: Replications) -> pd.DataFrame:
    """Per replication and landside component, its stress (columns replication, id
    ``component:id``, stress) — what :func:`portsim.limits.rank_by_stress` pairs."""
    rows = _landside_rows(reps, ["replication"])
    return pd.DataFrame({"replication": [r["replication"] for r in rows],
                         "id": [f"{r['component']} {r['id']}" for r in rows],
                         "stress": [r["stress"] for r in rows]})


def _landside_rows(reps: Replications, by: list[str]) -> list[dict]:
    """The landside judgement rows of every registered component whose table the runs
    made, of the mean over replications (``by`` empty) or per replication
    (``by=["replication"]``)."""
    from portsim.model.components import components_in, input_provenance, provenance_words

    sc = reps.scenario
    rows = []
    for comp in components_in(sc):
        inputs_of: dict[str, str] = {}  # per instance, the same in every replication
        for spec in comp.limits:
            frame = reps.table(spec.table)
            if not len(frame):
                continue
            keys = [*by, spec.id_column]
            mean = frame.groupby(keys, sort=False).mean(numeric_only=True).reset_index()
            for r in mean.to_dict("records"):
                id_ = str(r[spec.id_column])
                if id_ not in inputs_of:
                    inputs_of[id_] = provenance_words(input_provenance(comp, sc, id_))
                inputs = inputs_of[id_]
                record, because = spec.judge(comp.name, r, sc, inputs)
                rows.append({**{k: r[k] for k in by}, "component": record.component,
                             "id": record.id, "kpi": record.kpi, "value": record.value,
                             "limit": record.limit, "stress": record.stress,
                             "over": record.over, "over_because": because,
                             "judgement": record.reason, "basis": record.basis,
                             "inputs": inputs})
    return rows


def landside_sentence(land: pd.DataFrame) -> str:
    """One clause for the answer: every landside component over its limit (most stressed
    first), then, for each kind (yard, rail, gate … in registry order) with none over,
    its most stressed one. A component over on its second criterion (a yard full at
    times, a rail terminal serving too few of its trains) says so in brackets, and which
    of the figures sizing it are sourced, derived or assumed in square brackets (the
    ``inputs`` column, when there); the KPI's label and format are the registry's
    (:class:`portsim.model.components.Kpi`)."""
    from portsim.model.components import REGISTRY

    def kpi_of(r: pd.Series):
        comp = REGISTRY.get(r["component"])
        return next((k for k in comp.kpis if k.name == r["kpi"]), None) if comp else None

    def say(r: pd.Series) -> str:
        kpi = kpi_of(r)
        label = kpi.label if kpi else r["kpi"]
        value, limit = ((kpi.format(r["value"]), kpi.format(r["limit"])) if kpi else
                        (f"{r['value']:.3g}", f"{r['limit']:.3g}"))
        text = f"{r['id']} {label} {value} vs {limit}"
        if r["over_because"]:  # over on a second criterion: say which
            text += f" ({r['over_because']})"
        if r.get("inputs"):  # which of its sizing figures are sourced, which assumed
            text += f" [{r['inputs']}]"
        return text

    over = land[land["over"]]
    kinds = [*REGISTRY, *(k for k in dict.fromkeys(land["component"]) if k not in REGISTRY)]
    within = [g.iloc[0] for comp in kinds
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
    from portsim.config.landside import scope_check

    return text + f" ({scope_check(sr)})"


def _nz(x: float) -> float:
    return 0.0 if x is None or not np.isfinite(x) else float(x)


# ----------------------------------------------------------------- the answer in parts

#: Status words in each language (the verdict's ``status``).
STATUS_WORDS = {
    "saturated": {"en": "SATURATED", "zh": "饱和"},
    "falls short": {"en": "FALLS SHORT", "zh": "未能完成需求"},
    "delivers, congested": {"en": "DELIVERS, BUT CONGESTED", "zh": "能完成需求，但拥堵"},
    "delivers": {"en": "DELIVERS", "zh": "能完成需求"},
    "no calls": {"en": "NO CALLS", "zh": "无船舶到港"},
    "nothing handled": {"en": "NOTHING HANDLED", "zh": "未完成任何作业"},
}

PARTS = ("headline", "throughput", "service", "breaks_first", "fixes")
"""The parts of the answer, in the order a planner reads them."""


def berths_to_band(berths: float, utilisation: float, band_top: float) -> int:
    """Berths a terminal needs added to bring its berth utilisation down to the top of
    its planning band at the same demand: ``ceil(berths · ρ / ρ_top) − berths`` (≥ 0).

    Basis: berth utilisation is berth-hours taken / berth-hours available (JTS 165), so
    at the same calls and the same berth time per call it falls as 1 / berths. A first
    estimate for a planner (it ignores that shorter queues also shorten reserved time
    and that berths come in quay-length units); ``portsim compare`` with the berths
    added is the check.
    """
    if not (np.isfinite(berths) and np.isfinite(utilisation) and band_top > 0):
        return 0
    return max(0, int(np.ceil(berths * utilisation / band_top - 1e-9)) - round(berths))


def answer_parts(verdict: Verdict, name: str, lang: str | None = None) -> dict[str, str]:
    """The answer broken into its parts (:data:`PARTS`): headline, throughput, service,
    what breaks first, what fixes it — each a sentence or two in ``lang`` (``"en"`` or
    ``"zh"``; default :func:`portsim.labels.current`), from the verdict's own tables.
    The one-line :attr:`Verdict.answer` stays as it is."""
    from portsim.labels import current, label, language, translate
    from portsim.labels import t as tr

    lg = current() if lang is None else language(lang)
    zh = lg == "zh"
    word = STATUS_WORDS.get(verdict.status, {"en": verdict.status.upper(),
                                             "zh": verdict.status})[lg]
    parts: dict[str, str] = {"headline": f"{name}: {word}"}
    if verdict.status in ("no calls", "nothing handled"):
        # the reason is the answer: in English the verdict's own words, which say why
        reason = (verdict.answer.split(" — ", 1)[-1] if lg == "en" and " — " in verdict.answer
                  else tr("nothing was handled, so nothing is judged", lg))
        parts["headline"] += " — " + reason
        return parts
    f = verdict.flows
    box = f[f["unit"] == "TEU"]
    other = f[f["unit"] != "TEU"]
    bits = []
    if len(box):
        d = box["delivered_per_year"].sum()
        ci = float(np.sqrt((box["delivered_per_year_ci95"] ** 2).sum(min_count=1)))
        got = f"{d / 1e6:.2f}" + (f" ± {ci / 1e6:.2f}" if np.isfinite(ci) else "")
        bits.append(tr("containers: {demand:.2f} M TEU/yr demanded, {got} delivered", lg,
                       demand=box["demand_per_year"].sum() / 1e6, got=got))
    if len(other):
        bits.append(tr("bulk & general: {demand:.1f} Mt/yr demanded, {got:.1f} delivered",
                       lg, demand=other["demand_per_year"].sum() / 1e6,
                       got=other["delivered_per_year"].sum() / 1e6))
    short = f[f["short"]]
    if len(short):
        bits.append(tr("short: {flows}", lg, flows=", ".join(
            f"{translate(str(r.flow), lg)} ({r.delivered_share:.0%})"
            for r in short.itertuples())))
    elif verdict.status != "saturated":
        bits.append(tr("every flow delivered, no queue grows", lg))
    sep = "；" if zh else "; "
    parts["throughput"] = sep.join(bits)
    if verdict.criteria is not None and len(verdict.criteria):
        c = verdict.criteria
        met = int(c["met"].sum())
        parts["service"] = tr("container service criteria met: {met} of {n} ({names})", lg,
                              met=met, n=len(c),
                              names=", ".join(f"{label(r.criterion, lg)} "
                                              f"{'✓' if r.met else '✗'}"
                                              for r in c.itertuples()))
    terms = verdict.terminals
    if verdict.saturated:
        parts["breaks_first"] = tr("the anchorage queue grows at {names}: no steady state",
                                   lg, names=", ".join(verdict.saturated))
    elif verdict.bottleneck is not None and len(terms):
        top = terms.set_index("terminal").loc[verdict.bottleneck]
        ranking = verdict.ranking
        group = (ranking.group if ranking is not None and not ranking.first
                 and len(ranking.group) > 1 else [verdict.bottleneck])
        # "first to saturate" only when a paired CI separates it (limits.rank_by_stress)
        key = ("first to saturate: {names}" if ranking is not None and ranking.first
               else "first to saturate, cannot be told apart: {names}" if len(group) > 1
               else "most stressed (not separable from the next): {names}")
        parts["breaks_first"] = (
            tr(key, lg, names=", ".join(group)) + sep
            + tr("{t}: berth utilisation {u:.0%} vs band top {top:.0%}, waiting factor "
                 "{wf:.2f} vs {lim:.2f}", lg, t=verdict.bottleneck,
                 u=top["berth_utilisation"], top=top["band_top"],
                 wf=top["waiting_factor"], lim=top["wf_limit"]))
    land = verdict.landside
    if land is not None and len(land) and land["over"].any():
        over = land[land["over"]]
        parts["breaks_first"] = (parts.get("breaks_first", "") + sep if
                                 parts.get("breaks_first") else "") + tr(
            "landside over its limit: {names}", lg,
            names=", ".join(f"{r.id} ({r.value:.2f} vs {r.limit:.2f})"
                            for r in over.itertuples()))
    fixes = []
    if len(terms):
        for r in terms[terms["over"]].head(3).itertuples():
            k = berths_to_band(float(r.berths), float(r.berth_utilisation), float(r.band_top))
            if k:
                fixes.append(tr("{t}: about {k} more berth(s) bring its berth utilisation "
                                "to {top:.0%}", lg, t=r.terminal, k=k, top=r.band_top))
            else:
                fixes.append(tr("{t}: shorter waits (its utilisation is within the band; "
                                "the waiting factor is over)", lg, t=r.terminal))
    if fixes:
        parts["fixes"] = (tr("first estimate at the same demand (check with portsim compare)",
                             lg) + ": " + sep.join(fixes))
    elif verdict.status == "delivers":
        parts["fixes"] = tr("nothing to fix at this demand", lg)
    return parts


def answer_in_one_line(verdict: Verdict, name: str, lang: str | None = None) -> str:
    """The whole answer as one paragraph: in English the verdict's own sentence
    (:attr:`Verdict.answer`), in Chinese its parts (:func:`answer_parts`) joined."""
    from portsim.labels import current, language

    lg = current() if lang is None else language(lang)
    if lg == "en":
        return verdict.answer
    return "；".join(v for v in answer_parts(verdict, name, lg).values() if v) + "。"
