"""What each landside component of the model declares about itself, in one place.

A *component* (the container yards, the sea-rail terminals, the truck gates; later a
canal lock or a transfer terminal) is described by one :class:`Component` record:

* ``wait_causes`` — the causes it books on calls (``calls.wait_<cause>_h``) and when;
* ``tables`` — the result tables it adds to :attr:`RunResult.tables`, each column with
  its unit and meaning (:class:`TableSpec`, :class:`Column`);
* ``kpis`` — its port KPIs: one figure per component instance (a yard, a rail
  terminal …), read from one of its tables (:class:`Kpi`);
* ``limits`` — what it is judged against: the KPI, where the limit comes from in the
  scenario, and the second criterion that also puts it over (:class:`LimitSpec`, the
  precursor of the verdict's ``Limit`` record);
* ``plots`` — the figures drawn from its tables (:class:`PlotSpec`: a function of
  :mod:`portsim.plots`, the table it needs, a caption and a file name).

:data:`REGISTRY` holds them by name, in the order a report shows them;
:func:`components_in` says which a scenario has. The registry only *describes*:
nothing here simulates, and the per-call hot path of :class:`~portsim.model.port.
PortModel` keeps its explicit slots. A test (``tests/test_components.py``) checks the
descriptions against the tables a run really makes, column by column.

Adding a component is one module: its model, and a :func:`register` call with its
record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from portsim.config.scenario import Scenario


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

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def expected_columns(self, conditions: set[str]) -> list[str]:
        """The columns present when ``conditions`` hold (see :attr:`Column.only_when`)."""
        return [c.name for c in self.columns if not c.only_when or c.only_when in conditions]


@dataclass(frozen=True)
class WaitCause:
    """A cause of ship waiting the component books (``calls.wait_<name>_h``)."""

    name: str
    description: str
    registered_when: str  # when the column exists in every replication


@dataclass(frozen=True)
class Kpi:
    """A port KPI of each component instance: a column of one of its tables."""

    name: str
    table: str
    column: str
    unit: str
    label: str


@dataclass(frozen=True)
class LimitSpec:
    """A planning limit: ``kpi`` of each instance against ``limit(scenario)``; over when
    above it, or when the ``also_over`` criterion holds."""

    kpi: str
    table: str
    id_column: str
    limit: Callable[[Scenario], float]
    limit_source: str  # where the limit comes from (scenario path or code)
    also_over: str = ""


@dataclass(frozen=True)
class PlotSpec:
    """A figure: ``function(run, title)`` of :mod:`portsim.plots` drawn from ``table``."""

    function: str
    table: str
    caption: str
    file: str


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

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.name == name)


REGISTRY: dict[str, Component] = {}


def register(component: Component) -> Component:
    """Add (or replace) ``component`` in the registry; returns it."""
    REGISTRY[component.name] = component
    return component


def components_in(scenario: Scenario) -> list[Component]:
    """The registered components the scenario has, in registry order."""
    return [c for c in REGISTRY.values() if c.present(scenario)]


# ============================================================ yard


def _has_yards(sc: Scenario) -> bool:
    return bool(sc.port.yards)


C = Column
PER_YEAR = "TEU/year"

YARD = register(Component(
    name="yard", label="container yard", id_column="yard", present=_has_yards,
    wait_causes=(WaitCause(
        "yard", "hours a ship's discharge was slowed or stopped by a congested or full yard",
        "the port file has yards"),),
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
        TableSpec("yard_hourly", ("yard", "hour"), "stock per yard and hour", (
            C("yard", "", "yard id"), C("hour", "h", "hour from the start of the run"),
            C("teu", "TEU", "stock"), C("rail_waiting_teu", "TEU", "rail boxes waiting"),
        )),
        TableSpec("yard_ledger", ("yard",), "the box balance over the whole run", (
            C("yard", "", "yard id"), C("terminal", "", "container terminal"),
            C("in_ship", "TEU", "from ships"), C("out_ship", "TEU", "to ships"),
            C("in_truck", "TEU", "from trucks"), C("out_truck", "TEU", "to trucks"),
            C("in_rail", "TEU", "from trains"), C("out_rail", "TEU", "to trains"),
            C("held_at_gate_end", "TEU", "held at the gate at the end"),
            C("planned_gate_in", "TEU", "truck deliveries planned in the run"),
            C("stock_end", "TEU", "stock at the end"), C("min_stock", "TEU", "lowest stock"),
        )),
    ),
    kpis=(Kpi("utilisation", "yard", "utilisation", "1", "yard utilisation"),
          Kpi("yard_wait_h_mean", "yard", "yard_wait_h_mean", "h/call", "yard wait per call")),
    limits=(LimitSpec("utilisation", "yard", "yard",
                      lambda sc: sc.landside.yard.utilisation_band[1],
                      "landside.yard.utilisation_band (top)",
                      also_over="share_h_full > 0.01 (full in more than 1 % of hours)"),),
    plots=(PlotSpec("yard_occupancy", "yard_hourly",
                    "Container yard stock over time as a share of each yard's slots × tiers, "
                    "against the planning band and the working capacity (first replication).",
                    "yard_occupancy.png"),),
))


# ============================================================ rail


def _has_rail(sc: Scenario) -> bool:
    sr = sc.landside.sea_rail
    linked = any(y.rail_terminal is not None for y in sc.port.yards)
    return bool(sc.port.yards) and (sr.trains_here > 0 or (sr.trains == "demand" and linked))


DEMAND = "trains: demand"


def _rail_conditions(sc: Scenario) -> set[str]:
    return {DEMAND} if sc.landside.sea_rail.trains == "demand" else set()

RAIL = register(Component(
    name="rail", label="sea-rail terminal", id_column="rail_terminal", present=_has_rail,
    conditions=_rail_conditions,
    wait_causes=(WaitCause(
        "rail", "hours a ship waited alongside for rail export boxes that missed its cut-off",
        "sea_rail.trains is 'demand' and late_train is 'delay_ship'"),),
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
        )),
        TableSpec("trains", ("rail_terminal", "train"), "one row per train (or slot)", (
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
                      also_over="trains_served_per_year < 97 % of trains_scheduled_per_year"),),
    plots=(PlotSpec("rail_tracks", "trains",
                    "Sea-rail terminals: loading tracks in use (daily mean) and trains served "
                    "per day (first replication).", "rail_tracks.png"),),
))


# ============================================================ gate


def _has_gates(sc: Scenario) -> bool:
    return bool(sc.port.yards) and bool(sc.port.gates)


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
        TableSpec("gate_hourly", ("gate", "hour"), "per gate and hour", (
            C("gate", "", "gate id"), C("hour", "h", "hour from the start of the run"),
            C("trucks", "trucks/h", "arrivals"), C("utilisation", "1", "arrivals / capacity"),
            C("backlog", "trucks", "trucks left over at the end of the hour"),
            C("queue", "trucks", "mean trucks queuing"), C("wait_h", "h", "mean wait"),
        )),
    ),
    kpis=(Kpi("mean_wait_h", "gate", "mean_wait_h", "h", "truck wait"),),
    limits=(LimitSpec("mean_wait_h", "gate", "gate", lambda sc: sc.landside.gate.wait_limit_h,
                      "landside.gate.wait_limit_h"),),
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


__all__ = ["CANAL", "GATE", "RAIL", "REGISTRY", "YARD", "Column", "Component", "Kpi", "LimitSpec",
           "PlotSpec", "TableSpec", "WaitCause", "components_in", "register"]
