"""What each landside component of the model declares about itself, in one place.

A *component* (the container yards, the sea-rail terminals, the truck gates; later a
canal lock or a transfer terminal) is described by one :class:`Component` record:

* ``wait_causes`` — the causes it books on calls (``calls.wait_<cause>_h``) and when;
* ``tables`` — the result tables it adds to :attr:`RunResult.tables`, each column with
  its unit and meaning (:class:`TableSpec`, :class:`Column`);
* ``kpis`` — its port KPIs: one figure per component instance (a yard, a rail
  terminal …), read from one of its tables (:class:`Kpi`);
* ``limits`` — what it is judged against: the KPI, where the limit comes from in the
  scenario, and the second criterion that also puts it over (:class:`LimitSpec`); each
  instance is judged into the verdict's one limit record, :class:`portsim.limits.Limit`
  (:meth:`LimitSpec.judge`);
* ``plots`` — the figures drawn from its tables (:class:`PlotSpec`: a function of
  :mod:`portsim.plots` or any ``function(run, title)``, the table it needs, a caption and
  a file name);
* ``inputs`` — the port-file records of its instances and the fields that size them, so
  that the verdict can say which figures are sourced and which assumed
  (:func:`input_provenance`).

Readers: :mod:`portsim.verdict` (the landside table, its limit records and the answer's
landside clause), :mod:`portsim.report` (the landside section and the component plots),
:mod:`portsim.plots` (the wait-cause labels) and :mod:`portsim.commands.run` (the tables
and plots written, the landside lines printed) read :data:`REGISTRY`; none of them names
a component.

:data:`REGISTRY` holds them by name, in the order a report shows them;
:func:`components_in` says which a scenario has. The registry only *describes*:
nothing here simulates, and the per-call hot path of :class:`~portsim.model.port.
PortModel` keeps its explicit slots. A test (``tests/test_components.py``) checks the
descriptions against the tables a run really makes, column by column.

Adding a component is one module: its model (which adds its tables to
``RunResult.tables``), and a :func:`register` call with its record.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from portsim.config.base import SourcedRecord
from portsim.config.scenario import Scenario
from portsim.labels import t
from portsim.limits import Limit


@dataclass(frozen=True)
class Column:
    """One column of a result table."""

    name: str
    unit: str  # "" for ids and labels; "1" for shares and ratios
    description: str
    only_when: str = ""  # a condition under which the column exists (else: always)


@dataclass(frozen=True)
class TableSpec:
    """A result table a component adds: one row per ``key``."""

    name: str
    key: tuple[str, ...]
    description: str
    columns: tuple[Column, ...]
    only_when: str = ""
    """A condition under which the table exists (else: whenever the component is)."""
    file: str | None = ""
    """What ``portsim run`` writes it to: a ``.csv`` or ``.parquet`` file name ("": the
    table's name + ``.csv``; None: not written, e.g. hourly series)."""

    @property
    def file_name(self) -> str | None:
        return f"{self.name}.csv" if self.file == "" else self.file

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def present(self, conditions: set[str]) -> bool:
        """Whether the table exists when ``conditions`` hold."""
        return not self.only_when or self.only_when in conditions

    def expected_columns(self, conditions: set[str]) -> list[str]:
        """The columns present when ``conditions`` hold (see :attr:`Column.only_when`)."""
        return [c.name for c in self.columns if not c.only_when or c.only_when in conditions]


@dataclass(frozen=True)
class WaitCause:
    """A cause of ship waiting the component books (``calls.wait_<name>_h``)."""

    name: str
    description: str
    registered_when: str  # when the column exists in every replication
    label: str = ""
    """Short label for plot legends ("" : the name)."""
    colour: str = "#5d6d7e"


@dataclass(frozen=True)
class Kpi:
    """A port KPI of each component instance: a column of one of its tables."""

    name: str
    table: str
    column: str
    unit: str
    label: str

    def format(self, value: float) -> str:
        """The value as the answer writes it: shares as percentages, else 2 decimals."""
        return format(value, ".0%" if self.unit == "1" else ".2f")


Row = Mapping[str, Any]


@dataclass(frozen=True)
class LimitSpec:
    """A planning limit: ``kpi`` of each instance against ``limit(scenario)``; over when
    above it, or when the ``also_over`` criterion holds.

    ``second(row)`` gives the words of the second criterion when it holds for an
    instance's row (mean over replications, or one replication) and "" otherwise;
    ``band_low(scenario)``, when given, is the bottom of a planning band (below it:
    spare capacity); ``detail(row)`` adds the figures a planner reads beside the KPI;
    ``basis`` is where the limit comes from, in words."""

    kpi: str
    table: str
    id_column: str
    limit: Callable[[Scenario], float]
    limit_source: str  # where the limit comes from (scenario path or code)
    also_over: str = ""
    second: Callable[[Row], str] | None = None
    band_low: Callable[[Scenario], float] | None = None
    detail: Callable[[Row], str] | None = None
    basis: str = ""

    def judge(self, component: str, row: Row, scenario: Scenario,
              inputs: str = "") -> tuple[Limit, str]:
        """One instance's row judged into the verdict's limit record, with the words of
        the second criterion ("" when it does not hold). Rule: stress = value / limit;
        over when the value is above the limit or the second criterion holds; the reason
        says where the value lies (above band / limit, in band, below band: spare
        capacity), the second criterion and the detail; ``inputs`` (which sizing figures
        are sourced and which assumed) goes into the record's basis."""
        value = float(row[self.kpi])
        limit = float(self.limit(scenario))
        low = self.band_low(scenario) if self.band_low else None
        because = self.second(row) if self.second else ""
        words = []
        if value > limit:
            words.append("above band" if low is not None else "above limit")
        elif low is not None:
            words.append("below band (spare capacity)" if value < low else "in band")
        words += [w for w in (because, self.detail(row) if self.detail else "") if w]
        stress = value / limit if limit else math.inf
        basis = "; ".join(b for b in (self.basis or self.limit_source, inputs) if b)
        record = Limit(component, str(row[self.id_column]), self.kpi, value, limit,
                       float(stress), bool(value > limit or because), "; ".join(words),
                       None, basis)
        return record, because


@dataclass(frozen=True)
class PlotSpec:
    """A figure: ``function(run, title)`` — a name in :mod:`portsim.plots` or a callable —
    drawn from ``table`` of the first replication; ``title`` is appended to the
    scenario's name."""

    function: str | Callable[[Any, str], Any]
    table: str
    caption: str
    file: str
    title: str = ""

    def draw(self, run: Any, scenario_name: str) -> Any:
        """The figure for one replication's result, its title in the current language."""
        from portsim.labels import t

        fn = self.function
        if isinstance(fn, str):
            from portsim import plots

            fn = getattr(plots, fn)
        return fn(run, f"{scenario_name}: {t(self.title or self.table)}")


@dataclass(frozen=True)
class Component:
    """Everything the verdict, report, plots and run command need to know about one
    modelled component."""

    name: str
    label: str
    id_column: str
    present: Callable[[Scenario], bool]
    wait_causes: tuple[WaitCause, ...] = ()
    tables: tuple[TableSpec, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    limits: tuple[LimitSpec, ...] = ()
    plots: tuple[PlotSpec, ...] = ()
    conditions: Callable[[Scenario], set[str]] = field(default=lambda sc: set())
    inputs: Callable[[Scenario], Mapping[str, SourcedRecord]] | None = None
    """The port-file record of each instance (by id), for :func:`input_provenance`."""
    input_fields: tuple[str, ...] = ()
    """The fields of those records that size the instance (its capacity inputs)."""

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.name == name)

    def kpi(self, name: str) -> Kpi:
        return next(k for k in self.kpis if k.name == name)


REGISTRY: dict[str, Component] = {}


def register(component: Component) -> Component:
    """Add (or replace) ``component`` in the registry; returns it."""
    REGISTRY[component.name] = component
    return component


def components_in(scenario: Scenario) -> list[Component]:
    """The registered components the scenario has, in registry order."""
    return [c for c in REGISTRY.values() if c.present(scenario)]


KINDS = ("sourced", "derived", "assumed")


def source_kind(source: str, known: set[str] | frozenset[str]) -> str:
    """How a figure is backed: ``sourced`` (a key of the port file's ``sources:``, or a
    design code), ``derived`` (``derived: …`` — computed from other figures; the words
    say from what) or ``assumed`` (``assumption: …`` or anything else)."""
    s = source.strip()
    if s in known or s.startswith(("JTS", "JTJ")):
        return "sourced"
    return "derived" if s.startswith("derived") else "assumed"


def input_provenance(component: Component, scenario: Scenario, id_: str) -> dict[str, list[str]]:
    """The sizing fields of one instance by how they are backed (:func:`source_kind`):
    ``{"sourced": [...], "derived": [...], "assumed": [...]}`` (empty without inputs)."""
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    records = component.inputs(scenario) if component.inputs else {}
    record = records.get(id_)
    if record is None:
        return out
    known = set(scenario.port.sources)
    for f in component.input_fields:
        out[source_kind(record.source_of(f), known)].append(f)
    return out


def provenance_words(kinds: Mapping[str, list[str]]) -> str:
    """``sourced: a, b; assumed: c`` (kinds with no field left out)."""
    return "; ".join(t("{kind}: {fields}", "en", kind=k, fields=", ".join(v))
                     for k, v in kinds.items() if v)


# ============================================================ yard


def _has_yards(sc: Scenario) -> bool:
    return bool(sc.port.yards)


FULL_HOURS_LIMIT = 0.01
"""A yard full in more than this share of hours is over (discharge stops when full)."""


def _yard_full(r: Row) -> str:
    return (t("full {share:.0%} of hours", "en", share=r["share_h_full"])
            if r["share_h_full"] > FULL_HOURS_LIMIT else "")


def _yard_waits(r: Row) -> str:
    return (t("ships waited {wait:.2f} h/call for yard space", "en",
              wait=r["yard_wait_h_mean"]) if r["yard_wait_h_total"] > 0 else "")


C = Column
PER_YEAR = "TEU/year"

CANAL_THROUGH_YARD = "canal.transfer_flow: through_yard"


def _yard_conditions(sc: Scenario) -> set[str]:
    canal = sc.canal
    return {CANAL_THROUGH_YARD} if canal is not None and \
        canal.transfer_flow == "through_yard" else set()


YARD = register(Component(
    name="yard", label="container yard", id_column="yard", present=_has_yards,
    conditions=_yard_conditions,
    wait_causes=(WaitCause(
        "yard", "hours a ship's discharge was slowed or stopped by a congested or full yard",
        "the port file has yards", label="yard full", colour="#c0392b"),),
    tables=(
        TableSpec("yard", ("yard",), "KPIs per yard", (
            C("yard", "", "yard id"), C("terminal", "", "container terminal"),
            C("physical_teu", "TEU", "ground slots × stacking height"),
            C("capacity_teu", "TEU", "physical stack × usable share (working capacity)"),
            C("mean_teu", "TEU", "mean stock"), C("p95_teu", "TEU", "95th percentile stock"),
            C("max_teu", "TEU", "highest stock"),
            C("utilisation", "1", "mean stock / physical stack (judged against the band)"),
            C("peak_utilisation", "1", "p95 stock / physical stack"),
            C("occupancy", "1", "mean stock / working capacity"),
            C("share_h_slowed", "1", "share of hours at or above slow_at × capacity"),
            C("share_h_full", "1", "share of hours at capacity"),
            C("calls", "calls", "container calls through the yard in the window"),
            C("calls_yard_delayed", "calls", "of them with a yard wait"),
            C("yard_wait_h_total", "h", "yard wait of those calls, summed"),
            C("yard_wait_h_mean", "h/call", "yard wait per call"),
            C("teu_in_per_year", PER_YEAR, "TEU entering the yard"),
            C("held_at_gate_teu_mean", "TEU", "mean TEU held at the gate (yard near full)"),
            C("direct_from_gate_teu", "TEU", "TEU loaded straight from the gate"),
            C("rail_waiting_teu_mean", "TEU", "mean rail boxes ready and waiting for a train"),
        )),
        TableSpec("yard_flows", ("yard", "flow"), "TEU per yard and box flow", (
            C("yard", "", "yard id"), C("flow", "", "box flow (import, export, …)"),
            C("from", "", "mode the flow enters from"), C("to", "", "mode it leaves to"),
            C("teu_in_per_year", PER_YEAR, "TEU entering"),
            C("teu_out_per_year", PER_YEAR, "TEU leaving"),
            C("mean_stock_teu", "TEU", "mean stock of the flow"),
            C("mean_dwell_days", "d", "Little's law: mean stock / entry rate"),
        )),
        TableSpec("yard_hourly", ("yard", "hour"), "stock per yard and hour", file=None,
                  columns=(
            C("yard", "", "yard id"), C("hour", "h", "hour from the start of the run"),
            C("teu", "TEU", "stock"), C("rail_waiting_teu", "TEU", "rail boxes waiting"),
        )),
        TableSpec("yard_ledger", ("yard",), "the box balance over the whole run", (
            C("yard", "", "yard id"), C("terminal", "", "container terminal"),
            C("in_ship", "TEU", "from ships"), C("out_ship", "TEU", "to ships"),
            C("in_truck", "TEU", "from trucks"), C("out_truck", "TEU", "to trucks"),
            C("in_rail", "TEU", "from trains"), C("out_rail", "TEU", "to trains"),
            C("in_barge", "TEU", "from river-sea barges (the canal)", CANAL_THROUGH_YARD),
            C("out_barge", "TEU", "to river-sea barges (the canal)", CANAL_THROUGH_YARD),
            C("held_at_gate_end", "TEU", "held at the gate at the end"),
            C("planned_gate_in", "TEU", "truck deliveries planned in the run"),
            C("stock_end", "TEU", "stock at the end"), C("min_stock", "TEU", "lowest stock"),
        )),
        TableSpec("canal_transfer", ("yard",), "the Pinglu Canal's boxes through each yard "
                  "with transfer berths, whole run (portsim.model.yard.canal_transfer)",
                  only_when=CANAL_THROUGH_YARD, columns=(
            C("yard", "", "yard id"), C("barge_calls", "calls", "river-sea container calls"),
            C("sea_calls", "calls", "calls of the sea flow through the yard that took or "
              "brought canal boxes"),
            C("barge_discharged_teu", "TEU", "TEU the barges discharged into the yard"),
            C("down_to_sea_teu", "TEU", "of them for a sea-going call (canal_to_sea)"),
            C("down_loaded_teu", "TEU", "canal_to_sea TEU loaded onto sea-going calls"),
            C("down_waiting_teu", "TEU", "canal_to_sea TEU still in the yard at the end"),
            C("ship_to_ship_teu", "TEU", "TEU worked ship-to-ship, bypassing the yard"),
            C("up_from_sea_teu", "TEU", "TEU sea-going calls discharged for the canal"),
            C("up_loaded_teu", "TEU", "sea_to_canal TEU loaded onto barges"),
            C("up_waiting_teu", "TEU", "sea_to_canal TEU still in the yard at the end"),
            C("up_short_teu", "TEU", "upbound TEU the barges found no box for"),
            C("mean_stock_teu", "TEU", "mean stock of the two transfer flows"),
        )),
    ),
    kpis=(Kpi("utilisation", "yard", "utilisation", "1", "yard utilisation"),
          Kpi("yard_wait_h_mean", "yard", "yard_wait_h_mean", "h/call", "yard wait per call")),
    limits=(LimitSpec("utilisation", "yard", "yard",
                      lambda sc: sc.landside.yard.utilisation_band[1],
                      "landside.yard.utilisation_band (top)",
                      also_over="share_h_full > 0.01 (full in more than 1 % of hours)",
                      second=_yard_full, band_low=lambda sc: sc.landside.yard.utilisation_band[0],
                      detail=_yard_waits,
                      basis="landside.yard.utilisation_band (Chinese practice 60-80 %, "
                            "docs/assumptions.md §7.3); full > 1 % of hours"),),
    plots=(PlotSpec("yard_occupancy", "yard_hourly",
                    "Container yard stock over time as a share of each yard's slots × tiers, "
                    "against the planning band (green) and the working capacity (red dashes; "
                    "first replication).", "yard_occupancy.png", title="yard stock"),),
    inputs=lambda sc: {y.id: y for y in sc.port.yards},
    input_fields=("ground_slots", "stacking_height", "usable_share"),
))


# ============================================================ rail


def _has_rail(sc: Scenario) -> bool:
    sr = sc.landside.sea_rail
    linked = any(y.rail_terminal is not None for y in sc.port.yards)
    return bool(sc.port.yards) and (sr.trains_here > 0 or (sr.trains == "demand" and linked))


DEMAND = "trains: demand"
ROLL = "late_train: roll_to_next_call"


def _rail_conditions(sc: Scenario) -> set[str]:
    sr = sc.landside.sea_rail
    if sr.trains != "demand":
        return set()
    return {DEMAND, ROLL} if sr.late_train == "roll_to_next_call" else {DEMAND}


TRAINS_SERVED_SHARE = 0.97
"""A rail terminal serving fewer than this share of its timetabled trains is over."""


def _served_share(r: Row) -> float:
    scheduled = r["trains_scheduled_per_year"]
    return r["trains_served_per_year"] / scheduled if scheduled else math.nan


def _rail_short(r: Row) -> str:
    served = _served_share(r)
    return (t("{served:.0%} of timetabled trains served", "en", served=served)
            if served < TRAINS_SERVED_SHARE else "")


def _rail_detail(r: Row) -> str:
    return "; ".join([
        t("{served:,.0f} of {scheduled:,.0f} timetabled trains/yr served ({share:.0%})", "en",
          served=r["trains_served_per_year"], scheduled=r["trains_scheduled_per_year"],
          share=_served_share(r)),
        t("{teu:,.0f} TEU/yr", "en", teu=r["teu_per_year"]),
        t("mean track wait {wait:.1f} h", "en", wait=r["mean_track_wait_h"])])


RAIL = register(Component(
    name="rail", label="sea-rail terminal", id_column="rail_terminal", present=_has_rail,
    conditions=_rail_conditions,
    wait_causes=(WaitCause(
        "rail", "hours a ship waited alongside for rail export boxes that missed its cut-off",
        "sea_rail.trains is 'demand' and late_train is 'delay_ship'", label="rail",
        colour="#5d6d7e"),),
    tables=(
        TableSpec("rail", ("rail_terminal",), "KPIs per rail terminal", (
            C("rail_terminal", "", "rail terminal id"), C("name", "", "name"),
            C("tracks", "tracks", "loading tracks"),
            C("track_length_m", "m", "usable length of each track"),
            C("trains_scheduled_per_year", "trains/year",
              "trains due to run (timetable: every timetabled train; demand: the trains "
              "formed, not the unused slots)"),
            C("trains_served_per_year", "trains/year", "trains handled in the window"),
            C("track_capacity_per_year", "trains/year", "tracks × 8760 / track time of a full "
              "train"),
            C("teu_in_per_year", PER_YEAR, "TEU unloaded from inbound trains"),
            C("teu_out_per_year", PER_YEAR, "TEU loaded on outbound trains"),
            C("teu_per_year", PER_YEAR, "TEU by rail, both ways"),
            C("short_trains", "trains", "outbound trains that left part-loaded"),
            C("cancelled_trains", "trains", "outbound trains that left with nothing"),
            C("track_occupancy", "1", "track-hours used / track-hours available"),
            C("mean_track_wait_h", "h", "mean wait of a train for a track"),
            C("mean_box_wait_h", "h", "mean wait of an outbound train for its boxes"),
            C("boxes_waiting_teu", "TEU", "mean rail boxes ready and waiting"),
            C("box_wait_for_train_h", "h", "Little's law: a ready box's wait for a train"),
            C("slots_per_day", "slots/day", "train paths a day each way", DEMAND),
            C("outbound_slots_per_year", "slots/year", "outbound slots offered", DEMAND),
            C("unused_slots_per_year", "slots/year", "outbound slots no train ran in", DEMAND),
            C("trains_in_served_per_year", "trains/year", "inbound trains served", DEMAND),
            C("trains_out_served_per_year", "trains/year", "outbound trains served", DEMAND),
            C("rail_export_demand_teu_per_year", PER_YEAR,
              "rail exports the calls load (modal split × loaded boxes)", DEMAND),
            C("calls_rail_late", "calls", "calls whose rail exports missed the cut-off "
              "(whole run)", DEMAND),
            C("rail_export_rolled_teu", "TEU", "rail exports rolled to a later call (whole "
              "run)", DEMAND),
            C("rail_export_rolled_loaded_teu", "TEU", "of them loaded on a later call of "
              "their service (whole run)", ROLL),
            C("rail_export_rolled_open_teu", "TEU", "of them not loaded by the end: no later "
              "call of the service in the run, or their train did not run", ROLL),
        )),
        TableSpec("rail_rolls", ("rail_terminal", "call", "train"), "one row per roll: the "
                  "share of a call's rail exports one late train brought", only_when=ROLL,
                  columns=(
            C("rail_terminal", "", "rail terminal id"),
            C("call", "", "the call the boxes missed (index in the calls table)"),
            C("next_call", "", "the next call of its service they roll to (-1: none)"),
            C("train", "", "the inbound train bringing them (-1: it did not run)"),
            C("teu", "TEU", "TEU rolled"),
            C("at_h", "h", "when the call they missed started work"),
            C("loaded_h", "h", "when the next call loaded them (NaN: rolled on, or not)"),
        )),
        TableSpec("trains", ("rail_terminal", "train"), "one row per train (or slot)",
                  file="trains.parquet", columns=(
            C("rail_terminal", "", "rail terminal id"), C("train", "", "train number"),
            C("direction", "", "inbound (to the port) or outbound"),
            C("scheduled_h", "h", "timetabled time or slot"),
            C("arrival_h", "h", "arrival (scheduled + delay)"),
            C("ready_h", "h", "ready for a track (outbound: its boxes reserved)"),
            C("start_h", "h", "start of handling on a track"),
            C("end_h", "h", "end of handling"), C("teu", "TEU", "TEU carried"),
            C("status", "", "served, cancelled, waiting (and unused: a slot no train ran in)"),
            C("box_wait_h", "h", "wait for boxes"), C("track_wait_h", "h", "wait for a track"),
        )),
    ),
    kpis=(Kpi("track_occupancy", "rail", "track_occupancy", "1", "track occupancy"),
          Kpi("teu_per_year", "rail", "teu_per_year", PER_YEAR, "rail TEU")),
    limits=(LimitSpec("track_occupancy", "rail", "rail_terminal",
                      lambda sc: sc.landside.sea_rail.track_occupancy_limit,
                      "landside.sea_rail.track_occupancy_limit",
                      also_over="trains_served_per_year < 97 % of trains_scheduled_per_year",
                      second=_rail_short, detail=_rail_detail,
                      basis="landside.sea_rail.track_occupancy_limit; < 97 % of "
                            "timetabled trains served"),),
    plots=(PlotSpec("rail_tracks", "trains",
                    "Sea-rail terminals: loading tracks in use (daily mean) against the "
                    "tracks there are, and trains served per day (first replication).",
                    "rail_tracks.png", title="sea-rail tracks"),),
    inputs=lambda sc: {t.id: t for t in sc.port.rail_terminals},
    input_fields=("tracks", "track_length_m", "cranes", "crane_rate", "shunting_h",
                  "slots_per_day"),
))


# ============================================================ gate


def _has_gates(sc: Scenario) -> bool:
    return bool(sc.port.yards) and bool(sc.port.gates)


def _gate_detail(r: Row) -> str:
    return "; ".join([
        t("peak {trucks:.0f} trucks/h on {lanes:.0f} lanes", "en",
          trucks=r["peak_trucks_per_h"], lanes=r["lanes"]),
        t("p95 wait {wait:.2f} h", "en", wait=r["p95_wait_h"])])


GATE = register(Component(
    name="gate", label="truck gate", id_column="gate", present=_has_gates,
    tables=(
        TableSpec("gate", ("gate",), "KPIs per gate", (
            C("gate", "", "gate id"), C("terminals", "", "terminals served, '/'-joined"),
            C("lanes", "lanes", "lanes"),
            C("capacity_trucks_per_h", "trucks/h", "lanes × 60 / service minutes"),
            C("trucks_per_year", "trucks/year", "truck visits"),
            C("peak_trucks_per_h", "trucks/h", "busiest hour"),
            C("mean_wait_h", "h", "mean truck wait (weighted by trucks)"),
            C("p95_wait_h", "h", "95th percentile truck wait"),
            C("max_queue_trucks", "trucks", "longest queue"),
            C("peak_utilisation", "1", "highest hourly arrivals / capacity"),
            C("share_h_over_capacity", "1", "share of hours with arrivals above capacity"),
        )),
        TableSpec("gate_hourly", ("gate", "hour"), "per gate and hour", file=None, columns=(
            C("gate", "", "gate id"), C("hour", "h", "hour from the start of the run"),
            C("trucks", "trucks/h", "arrivals"), C("utilisation", "1", "arrivals / capacity"),
            C("backlog", "trucks", "trucks left over at the end of the hour"),
            C("queue", "trucks", "mean trucks queuing"), C("wait_h", "h", "mean wait"),
        )),
    ),
    kpis=(Kpi("mean_wait_h", "gate", "mean_wait_h", "h", "mean truck wait"),),
    limits=(LimitSpec("mean_wait_h", "gate", "gate", lambda sc: sc.landside.gate.wait_limit_h,
                      "landside.gate.wait_limit_h", detail=_gate_detail),),
    inputs=lambda sc: {g.id: g for g in sc.port.gates},
    input_fields=("lanes", "service_min"),
))


# ============================================================ canal (Pinglu Canal lock hubs)


def _has_canal(sc: Scenario) -> bool:
    return sc.canal is not None


CANAL = register(Component(
    name="canal", label="canal lock hub", id_column="hub", present=_has_canal,
    tables=(
        TableSpec("locks", ("hub",), "per lock hub of the Pinglu Canal, downbound "
                  "(portsim.model.canal)", (
                      C("hub", "", "lock hub id"), C("lines", "lines", "lock lines"),
                      C("lockage_h", "h", "one lockage, entry to exit"),
                      C("lockages", "lockages", "downbound lockages in the window"),
                      C("ships", "ships", "ships locked downbound in the window"),
                      C("mean_fill", "1", "mean share of the chamber filled per lockage"),
                      C("ships_per_h", "ships/h", "ships locked an hour"),
                      C("slot_utilisation", "1", "chambers filled / downbound lockage "
                        "slots open (lines × window / 2 T, less maintenance)"),
                  )),
        TableSpec("lockages", ("hub", "start_h"), "one row per downbound lockage", (
            C("hub", "", "lock hub id"), C("line", "", "lock line"),
            C("start_h", "h", "start of the lockage"), C("ships", "ships", "ships locked"),
            C("fill", "1", "share of the chamber filled"),
        )),
        TableSpec("canal_calls", ("call",), "one row per canal call that reached the port", (
            C("call", "", "call index (as in calls)"),
            C("canal_entry_h", "h", "arrival at the first lock hub"),
            C("lock_wait_h", "h", "hours waiting for lockages, all hubs"),
            C("canal_mouth_h", "h", "arrival at the canal mouth (= arrival_h of the call)"),
        )),
    ),
    kpis=(Kpi("slot_utilisation", "locks", "slot_utilisation", "1", "lock slot utilisation"),
          Kpi("ships_per_h", "locks", "ships_per_h", "ships/h", "ships locked an hour")),
    limits=(LimitSpec("slot_utilisation", "locks", "hub",
                      lambda sc: sc.canal.lock_utilisation_limit if sc.canal else 0.7,
                      "canal.lock_utilisation_limit"),),
))


# ============================================================ stockpile (canal bulk)


def _has_stockpiles(sc: Scenario) -> bool:
    c = sc.canal
    return c is not None and c.transfer_flow == "through_yard" and bool(c.stockpiles)


def _stockpile_over(r: Row) -> str:
    share = r["share_h_over_capacity"]
    return t("above capacity {share:.0%} of hours", "en", share=share) if share > 0.01 else ""


def _stockpile_detail(r: Row) -> str:
    return "; ".join((
        t("mean {mean:,.0f} t, p95 {p95:,.0f} t of {capacity:,.0f} t", "en",
          mean=r["mean_t"], p95=r["p95_t"], capacity=r["capacity_t"]),
        t("{t_in:,.0f} t/yr in", "en", t_in=r["t_in_per_year"])))


def _stockpile_plot(run: Any, title: str) -> Any:
    from portsim.stockpile_plot import stockpile_stock

    return stockpile_stock(run, title)


STOCKPILE = register(Component(
    name="stockpile", label="bulk stockpile", id_column="stockpile", present=_has_stockpiles,
    tables=(
        TableSpec("stockpile", ("stockpile",), "per stockpile the canal's bulk goes through "
                  "(portsim.model.stockpile)", (
                      C("stockpile", "", "stockpile id"), C("terminal", "", "bulk terminal"),
                      C("capacity_t", "t", "tonnes it can hold"),
                      C("mean_t", "t", "mean stock"), C("p95_t", "t", "95th percentile stock"),
                      C("max_t", "t", "highest stock"),
                      C("utilisation", "1", "mean stock / capacity (judged against the band)"),
                      C("share_h_over_capacity", "1", "share of hours above capacity"),
                      C("t_in_per_year", "t/year", "tonnes entering"),
                      C("band_low", "1", "bottom of the planning band"),
                      C("band_high", "1", "top of the planning band"),
                  )),
        TableSpec("stockpile_hourly", ("stockpile", "hour"), "stock per stockpile and hour",
                  file=None, columns=(
                      C("stockpile", "", "stockpile id"),
                      C("hour", "h", "hour from the start of the run"), C("t", "t", "stock"),
                  )),
        TableSpec("stockpile_ledger", ("stockpile",), "the tonnage balance, whole run", (
            C("stockpile", "", "stockpile id"), C("terminal", "", "bulk terminal"),
            C("capacity_t", "t", "tonnes it can hold"),
            C("barge_calls", "calls", "bulk barge calls worked"),
            C("sea_calls", "calls", "calls of the sea flow worked at the terminal"),
            C("barge_discharged_t", "t", "tonnes the barges discharged"),
            C("ship_to_ship_t", "t", "of them worked ship-to-ship (bypassing the stockpile)"),
            C("to_land_t", "t", "of them staying in Qinzhou (1 - sea_share)"),
            C("down_in_t", "t", "of them into the stockpile"),
            C("down_loaded_t", "t", "loaded from it onto sea-going calls"),
            C("up_need_t", "t", "upbound tonnes the barges load from the sea"),
            C("up_in_t", "t", "of them discharged by sea-going calls and loaded"),
            C("up_short_t", "t", "of them no sea-going call gave"),
            C("down_waiting_t", "t", "downbound tonnes still in the stockpile at the end"),
            C("stock_end_t", "t", "stock at the end"),
        )),
    ),
    kpis=(Kpi("utilisation", "stockpile", "utilisation", "1", "stockpile utilisation"),),
    limits=(LimitSpec("utilisation", "stockpile", "stockpile",
                      lambda sc: sc.canal.stockpile_utilisation_band[1] if sc.canal else 0.7,
                      "canal.stockpile_utilisation_band (top)",
                      also_over="share_h_over_capacity > 0.01",
                      second=_stockpile_over,
                      band_low=lambda sc: sc.canal.stockpile_utilisation_band[0] if sc.canal
                      else 0.5, detail=_stockpile_detail,
                      basis="canal.stockpile_utilisation_band (assumption: 0.5-0.7, as the "
                            "berths' band); above capacity > 1 % of hours"),),
    plots=(PlotSpec(_stockpile_plot, "stockpile_hourly",
                    "Bulk stockpiles of the canal transfer: stock over time as a share of "
                    "capacity, against the planning band (green) and the capacity (red "
                    "dashes; first replication).", "stockpile_stock.png",
                    title="stockpile stock"),),
    inputs=lambda sc: {p.id: p for p in sc.canal.stockpiles} if sc.canal else {},
    input_fields=("capacity_t",),
))


def _segment_detail(r: Row) -> str:
    shared = r.get("shared")
    whose = (t("shared with sea-going ships" if shared else "river-sea ships only", "en")
             if shared == shared and shared is not None else "")
    occupancy = r.get("occupancy")
    busy = (t("occupied {share:.0%}", "en", share=occupancy)
            if occupancy == occupancy and occupancy is not None else "")
    return "; ".join(w for w in (whose, busy) if w)


SHARED_SEGMENTS = register(Component(
    name="shared_segments", label="canal route segment", id_column="segment",
    present=_has_canal,
    tables=(
        TableSpec("shared_segments", ("segment",), "per channel segment on a route from the "
                  "canal mouth (portsim.model.canal.shared_segments)", (
                      C("segment", "", "channel segment id"),
                      C("shared", "", "True when a sea-going route uses the segment too"),
                      C("one_way_share", "1", "share of the window the segment is held "
                        "one-way (a ship above its two-way limit, or any ship under "
                        "one_at_a_time)"),
                      C("one_way_passages", "passages", "passages that held it one-way"),
                      C("occupancy", "1", "share of the window any ship is in it"),
                  )),
    ),
    kpis=(Kpi("one_way_share", "shared_segments", "one_way_share", "1",
              "share of time held one-way"),),
    limits=(LimitSpec("one_way_share", "shared_segments", "segment",
                      lambda sc: sc.canal.shared_segment_limit if sc.canal else 0.7,
                      "canal.shared_segment_limit", detail=_segment_detail,
                      basis="canal.shared_segment_limit (assumption: the 0.7 top of the "
                      "berths' planning band for a segment working as a single server)"),),
))


__all__ = ["CANAL", "GATE", "RAIL", "REGISTRY", "SHARED_SEGMENTS", "STOCKPILE", "YARD",
           "Column", "Component", "Kpi", "LimitSpec", "PlotSpec", "TableSpec", "WaitCause",
           "components_in", "input_provenance",
           "provenance_words", "register", "source_kind"]
