"""The landside as data: container yards, sea-rail terminals, truck gates, and the
scenario knobs that drive them (dwell times, modal split, train timetable, gate profile).

Port file (``berths.yaml``) — infrastructure, each record sourced like a berth:

* ``yards``: one per container terminal. Capacity (JTJ 211 §5.8.9 vocabulary) is
  ``ground_slots × stacking_height × usable_share`` TEU; ``ground_slots × stacking_height``
  is the physical stack, against which yard *utilisation* is judged (60–80 % band).
* ``rail_terminals``: the railway container central station and the port sidings:
  loading tracks (count, usable length), rail cranes and their rate, and the fixed
  track time per train (placement, inspection, brake test, removal).
* ``gates``: truck gates with lanes and a service time per truck.

Scenario (``landside:`` section) — knobs with defaults from the assumptions
register (``docs/assumptions.md``: §5.3, §6, §7.3, A11, A12):

* ``yard``: discharge share of a call's TEU, empty share, blocking levels, planning band;
* ``dwell``: dwell-time distribution (days) per yard flow — import, export,
  transshipment, rail, empty;
* ``modal_split``: per container terminal (``default`` for the rest), the share of full
  boxes that go to/come from the hinterland by truck, by rail, or are transshipped;
* ``sea_rail``: the timetable derived from an annual train target, *with its statistical
  scope* (Qinzhou port-side, BBG port-side or the whole corridor) and the share of that
  scope the simulated rail terminals handle — never a silent guess;
* ``gate``: hourly truck-arrival profile, TEU per truck visit, service variability;
* ``changes``: per-id field changes of yards, rail terminals or gates (e.g. more tracks).

Nothing here simulates: :mod:`portsim.model.yard`, :mod:`portsim.model.rail` and
:mod:`portsim.model.gate` do.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

from portsim.config.base import Record, SourcedRecord
from portsim.errors import Problem, unknown

if TYPE_CHECKING:  # pragma: no cover
    from portsim.config.port import Port
    from portsim.config.scenario import Scenario, ScenarioSpec

DwellFlow = Literal["import", "export", "transshipment", "rail", "empty"]
DWELL_FLOWS: tuple[str, ...] = DwellFlow.__args__  # type: ignore[attr-defined]
MODES = ("truck", "rail", "transshipment")


# ============================================================ port file: infrastructure


class _InService(SourcedRecord):
    in_service: int | None = Field(None, description="first year of operation")
    retired: int | None = Field(None, description="first year out of service")
    note: str | None = None
    """Free text for the reader; not used by the model."""

    def in_service_in(self, year: int | None) -> bool:
        if year is None:
            return True
        started = self.in_service is None or self.in_service <= year
        return started and (self.retired is None or self.retired > year)


class Yard(_InService):
    """The container yard behind one terminal's quay."""

    id: str
    """Yard id."""
    terminal: str = Field(description="the container terminal whose ships use this yard")
    ground_slots: PositiveInt = Field(description="TEU ground slots (20-ft footprints)")
    stacking_height: PositiveFloat = Field(description="tiers stacked (by yard equipment)")
    usable_share: float = Field(
        0.8, gt=0.0, le=1.0,
        description="share of the physical stack that can be filled and still worked")
    rail_terminal: str | None = Field(
        None, description="rail terminal that loads/unloads this yard's rail boxes")

    @property
    def physical_teu(self) -> float:
        """Ground slots × stacking height (TEU)."""
        return self.ground_slots * self.stacking_height

    @property
    def capacity_teu(self) -> float:
        """Working capacity: ground slots × stacking height × usable share (TEU)."""
        return self.physical_teu * self.usable_share


class RailTerminal(_InService):
    """A sea-rail terminal: loading tracks worked by rail cranes (or reach stackers)."""

    id: str
    """Rail-terminal id."""
    name: str
    """Rail-terminal name."""
    area: str | None = None
    """Operation area (informative)."""
    tracks: PositiveInt = Field(description="loading tracks")
    track_length_m: PositiveFloat = Field(description="usable length of each loading track")
    cranes: PositiveInt = Field(description="rail cranes / reach stackers, shared evenly by tracks")
    crane_rate: PositiveFloat = Field(description="boxes per hour per crane")
    shunting_h: NonNegativeFloat = Field(
        description="fixed track time per train: placement, inspection, brake test, removal")
    share: NonNegativeFloat | None = Field(
        None, description="share of the port's trains (default: by number of tracks)")
    design_capacity_teu: NonNegativeFloat = 0.0
    """Design throughput (TEU/yr; informative)."""
    slots_per_day: NonNegativeFloat | None = Field(
        None, description="train paths a day in each direction (the timetable's capacity "
                          "when trains follow demand); default: the scenario's annual "
                          "target shared as today, split evenly by direction")

    @property
    def cranes_per_track(self) -> float:
        return self.cranes / self.tracks


class Gate(_InService):
    """A truck gate serving one or more container terminals."""

    id: str
    """Gate id."""
    name: str | None = None
    """Gate name."""
    terminals: list[str] = Field(min_length=1)
    """Container terminals whose trucks use the gate (at least one)."""
    lanes: PositiveInt
    """Gate lanes (count)."""
    service_min: PositiveFloat = Field(description="mean lane time per truck (minutes)")


# ============================================================ scenario knobs


class DwellSpec(SourcedRecord):
    """Dwell time in the yard (days): ``gamma``/``lognormal`` (mean, cv), ``fixed`` (mean).
    Draws are truncated at ``max_days``."""

    source: str = "assumption"
    """Where the dwell comes from."""
    dist: Literal["fixed", "gamma", "lognormal"] = "gamma"
    """Dwell distribution: fixed (mean), gamma or lognormal (mean, cv)."""
    mean_days: PositiveFloat
    """Mean dwell (days)."""
    cv: NonNegativeFloat = 0.6
    """Coefficient of variation of the dwell."""
    max_days: PositiveFloat = 60.0
    """Dwell draws are truncated here (days; at least mean_days)."""

    @model_validator(mode="after")
    def _max_above_mean(self) -> DwellSpec:
        if self.max_days < self.mean_days:
            raise ValueError(f"max_days ({self.max_days:g}) is below mean_days "
                             f"({self.mean_days:g})")
        return self


DEFAULT_DWELL: dict[str, DwellSpec] = {
    "import": DwellSpec(mean_days=4.5, source="assumption: A11 gateway import 4-5 d "
                        "(docs/assumptions.md §7.3)"),
    "export": DwellSpec(mean_days=4.5, source="assumption: A11 gateway export 4-5 d "
                        "(docs/assumptions.md §7.3)"),
    "transshipment": DwellSpec(mean_days=7.0, source="assumption: A11 7 d (JTJ 211 example, "
                               "docs/assumptions.md §7.3)"),
    "rail": DwellSpec(mean_days=2.5, source="assumption: A11 rail-connected boxes 2-3 d"),
    "empty": DwellSpec(mean_days=7.0, source="assumption: A11 empties 7 d"),
}


class ModalSplit(SourcedRecord):
    """Where a terminal's full boxes go to / come from: truck, rail, transshipment."""

    source: str = "assumption"
    """Where the split comes from."""
    truck: NonNegativeFloat
    """Share of full boxes by truck (shares sum to 1)."""
    rail: NonNegativeFloat = 0.0
    """Share of full boxes by sea-rail train."""
    transshipment: NonNegativeFloat = 0.0
    """Share of full boxes transshipped ship to ship."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> ModalSplit:
        total = self.truck + self.rail + self.transshipment
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"modal split must sum to 1: truck {self.truck:g} + rail {self.rail:g} + "
                f"transshipment {self.transshipment:g} = {total:g}")
        return self

    def shares(self) -> tuple[float, float, float]:
        return self.truck, self.rail, self.transshipment


DEFAULT_SPLIT = ModalSplit(truck=1.0, source="assumption: all hinterland boxes by truck unless "
                           "the scenario gives a modal split")


class YardPolicy(SourcedRecord):
    """How calls use the yards and when a full yard holds up ship handling."""

    source: str = "assumption"
    """Where the yard policy comes from."""
    discharge_share: float = Field(
        0.54, gt=0.0, lt=1.0,
        description="share of a call's TEU discharged (the rest is loaded); default derived: "
                    "COSCO FAITH 3,030 of 5,630 boxes discharged (docs/assumptions.md §4)")
    empty_share: float = Field(0.10, ge=0.0, lt=1.0,
                               description="share of boxes that are empty (assumption)")
    slow_at: float = Field(
        0.9, gt=0.0, le=1.0,
        description="above this share of capacity ship discharge slows (rehandles, housekeeping)")
    slow_factor: float = Field(
        0.5, gt=0.0, le=1.0, description="handling-rate factor while the yard is above slow_at")
    utilisation_band: tuple[float, float] = Field(
        (0.6, 0.8),
        description="planning band of mean stock / physical stack (docs/assumptions.md §7.3)")
    dwell_batches: PositiveInt = Field(
        4, le=64, description="dwell draws per call and flow (boxes move in this many batches)")
    transshipment: Literal["dwell", "connection"] = Field(
        "dwell", description="when a transshipment box leaves: 'dwell' — a transshipment "
                             "dwell after discharge (to no ship in particular); 'connection' "
                             "— on a named later call of the terminal (see "
                             "portsim.model.yard.transshipment)")
    min_connection_h: NonNegativeFloat = Field(
        24.0, description="with transshipment 'connection': least time between the arrivals "
                          "of the incoming and the outgoing call (assumption)")

    @model_validator(mode="after")
    def _band(self) -> YardPolicy:
        lo, hi = self.utilisation_band
        if not 0 < lo < hi <= 1:
            raise ValueError("utilisation_band needs 0 < low < high <= 1")
        return self


Scope = Literal["qinzhou_port", "bbg_port", "corridor"]
TrainRule = Literal["timetable", "demand"]
DepartureRule = Literal["when_full", "at_slot"]
LateTrainRule = Literal["roll", "delay_ship", "roll_to_next_call"]


class SeaRail(SourcedRecord):
    """Sea-rail trains: an annual target turned into a timetable at the rail terminals.

    ``scope`` says which statistic ``trains_per_year`` / ``target_teu`` count
    (docs/assumptions.md §5 and §5.3, statistical scopes): ``qinzhou_port`` — boxes
    through Qinzhou's own rail terminals;
    ``bbg_port`` — BBG's port-side sea-rail volume (Qinzhou + Fangchenggang + Beihai);
    ``corridor`` — the railway-side Western Land-Sea Corridor sea-rail trains (§5.3:
    the corridor ran >10,000 trains in 2025, >130万 TEU to 11-29; BBG's port-side sea-rail
    volume was >50万 TEU in 2025; ~24 trains a day at 钦州港东站 in Jan 2025). Unless the
    scope is ``qinzhou_port``, ``port_share`` (the part of that scope handled at the
    simulated terminals) must be given with its source. Trains are directional (one
    statistic train = one arrival or one departure); an ``inbound`` train brings export
    boxes to the yard, an ``outbound`` one loads rail boxes from the yard and may wait
    ``max_box_wait_h`` for them before leaving part-loaded.

    ``trains`` chooses what makes the trains (see :mod:`portsim.model.rail`):
    ``timetable`` — today's rule, the annual target as an evenly spaced timetable whatever
    the ships bring; ``demand`` — the boxes the ships discharge for rail (and load from
    rail) make the trains, and the timetable's *slots* (``slots_per_day`` per rail
    terminal and direction) are the capacity. ``departure`` (``demand`` only) says when an
    outbound train leaves: ``when_full`` — at the first slot by which a trainload is
    ready (a slot without one runs no train); ``at_slot`` — at every slot with whatever
    is ready, up to a trainload (none ready: no train). Rail export boxes are then tied
    to the ship that loads them and must be in the yard ``cutoff_h`` before it starts
    work; ``late_train`` says what a late train does: ``roll`` — its boxes miss the ship
    and roll to a later call of the terminal (counted only, the ship sails on time);
    ``delay_ship`` — the ship waits alongside for them (wait cause ``rail``);
    ``roll_to_next_call`` — the boxes of the late trains miss the ship (it sails on time
    with the boxes that are in) and are booked on the next call of the *same liner
    service* at the terminal: they stay in the yard until that call starts work and leave
    on it (rolling on again if still not in by its cut-off; a call of no service, or the
    last of its service in the run, leaves them in the yard), table ``rail_rolls``.
    """

    source: str = "assumption"
    """Where the sea-rail figures come from."""
    scope: Scope = "qinzhou_port"
    """Which statistic trains_per_year and target_teu count: qinzhou_port, bbg_port or
    corridor (see the class text)."""
    trains_per_year: NonNegativeFloat = 0.0
    """Sea-rail trains a year in the scope (one train = one arrival or one departure)."""
    target_teu: NonNegativeFloat | None = None
    """Sea-rail TEU a year in the scope (target; informative beside trains)."""
    port_share: float | None = Field(None, gt=0.0, le=1.0)
    """Share of the scope's trains handled at the simulated terminals (0 < share <= 1;
    required unless scope is qinzhou_port)."""
    teu_per_train: PositiveFloat = Field(
        50.0, description="TEU carried per train; derived ~50 TEU/train on the 到发 basis "
                          "(docs/assumptions.md §5.3)")
    wagons_per_train: PositiveInt = Field(50, description="A12: 50-wagon trains")
    teu_per_wagon: PositiveFloat = Field(2.0, description="A12: 2 TEU per wagon")
    wagon_length_m: PositiveFloat = Field(14.0, description="assumption: flat wagon over couplers")
    loco_length_m: NonNegativeFloat = Field(22.0, description="assumption: one locomotive")
    inbound_share: float = Field(0.5, ge=0.0, le=1.0)
    """Share of trains arriving loaded with export boxes (0 to 1)."""
    delay_mean_h: NonNegativeFloat = Field(1.0, description="assumption: mean train delay")
    delay_cv: NonNegativeFloat = 1.0
    """Coefficient of variation of the train delay."""
    max_box_wait_h: NonNegativeFloat = Field(
        24.0, description="an outbound train waits at most this long for its boxes")
    track_occupancy_limit: float = Field(0.7, gt=0.0, le=1.0,
                                         description="planning limit of track occupancy")
    trains: TrainRule = Field(
        "timetable", description="'timetable': the annual target as a fixed timetable; "
                                 "'demand': the ships' rail boxes make the trains, the "
                                 "timetable's slots are the capacity")
    departure: DepartureRule = Field(
        "when_full", description="with trains 'demand': an outbound train leaves at the first "
                                 "slot with a trainload ready ('when_full') or at every slot "
                                 "with what is ready ('at_slot')")
    cutoff_h: NonNegativeFloat = Field(
        12.0, description="with trains 'demand': rail export boxes must be in the yard this "
                          "long before their ship starts work (assumption: terminals close "
                          "export receiving 12-24 h before operations)")
    late_train: LateTrainRule = Field(
        "roll", description="with trains 'demand': boxes of a train in after the cut-off "
                            "roll to a later call, counted only ('roll'), the ship waits "
                            "for them ('delay_ship', wait cause 'rail'), or they are "
                            "booked on the next call of the same service and leave the "
                            "yard on it ('roll_to_next_call')")

    @model_validator(mode="after")
    def _scope_share(self) -> SeaRail:
        if self.scope == "qinzhou_port":
            if self.port_share not in (None, 1.0):
                raise ValueError("scope 'qinzhou_port' counts Qinzhou's own trains: port_share "
                                 "must be 1 (or left out)")
        elif self.port_share is None and self.trains_per_year > 0:
            raise ValueError(
                f"scope '{self.scope}' counts more than Qinzhou's rail terminals: give "
                "port_share (the share of these trains handled here) with its source")
        if self.teu_per_train > self.wagons_per_train * self.teu_per_wagon + 1e-9:
            raise ValueError(
                f"teu_per_train {self.teu_per_train:g} exceeds the train's "
                f"{self.wagons_per_train} wagons x {self.teu_per_wagon:g} TEU")
        return self

    @property
    def share_here(self) -> float:
        return 1.0 if self.port_share is None else float(self.port_share)

    @property
    def trains_here(self) -> float:
        """Trains per year at the simulated rail terminals."""
        return self.trains_per_year * self.share_here

    @property
    def target_teu_here(self) -> float | None:
        return None if self.target_teu is None else self.target_teu * self.share_here

    @property
    def train_length_m(self) -> float:
        return self.wagons_per_train * self.wagon_length_m + self.loco_length_m


@dataclass(frozen=True)
class ScopeFigure:
    """The latest public figure of one sea-rail statistical scope (docs/assumptions.md §5.3, §6)."""

    year: int
    trains: float | None  # trains a year (到发: arrivals and departures), None: not found
    teu: float | None  # TEU a year, None: not found
    what: str
    source: str


SCOPE_FIGURES: dict[str, ScopeFigure] = {
    "corridor": ScopeFigure(
        2025, 10_000, 1_300_000,
        "Western Land-Sea Corridor sea-rail trains, railway side: >10,000 trains, >130万 TEU "
        "to 29 Nov", "docs/assumptions.md §5.3 (163.com 2025-12-31; Xinhua 2025-11-30)"),
    "bbg_port": ScopeFigure(
        2025, None, 500_000, "BBG port-side sea-rail container volume >50万 TEU",
        "docs/assumptions.md §5.3 (163.com 2025-12-31)"),
    "qinzhou_port": ScopeFigure(
        2025, 24 * 365, None,
        "~24 sea-rail trains arriving or departing a day at 钦州港东站 (Jan 2025)",
        "docs/assumptions.md §6 (gmw-2025-02)"),
}
"""What each ``sea_rail.scope`` counted in its latest year (a planner compares the
scenario's target with it; nothing in the model reads it)."""


def scope_check(sea_rail: SeaRail) -> str:
    """The scenario's sea-rail target against its scope's latest public figure (and, for
    a port-side scope, against the whole corridor's, which it cannot exceed)."""
    fig = SCOPE_FIGURES[sea_rail.scope]
    parts = [f"scope {sea_rail.scope}: {fig.what} in {fig.year} ({fig.source})"]
    if fig.trains and sea_rail.trains_per_year:
        parts.append(f"target {sea_rail.trains_per_year:,.0f} trains = "
                     f"{sea_rail.trains_per_year / fig.trains:.2f} x that")
    if fig.teu and sea_rail.target_teu:
        parts.append(f"target {sea_rail.target_teu:,.0f} TEU = "
                     f"{sea_rail.target_teu / fig.teu:.2f} x that")
    corridor = SCOPE_FIGURES["corridor"]
    if sea_rail.scope != "corridor" and sea_rail.trains_per_year > (corridor.trains or 0):
        parts.append(f"more trains than the whole corridor's >{corridor.trains:,.0f} of "
                     f"{corridor.year}: check the scope")
    return "; ".join(parts)


DEFAULT_PROFILE: tuple[float, ...] = (
    # assumption: truck appointments by hour of day, quiet at night, two day peaks
    1.5, 1.0, 1.0, 1.0, 1.5, 2.5, 4.0, 5.5, 6.5, 6.5, 6.0, 5.0,
    4.5, 5.5, 6.5, 6.5, 6.0, 5.5, 5.0, 4.5, 4.0, 3.5, 3.0, 2.0,
)


class GateSpec(SourcedRecord):
    """Truck arrivals at the gates: hourly profile and what a truck carries."""

    source: str = "assumption"
    """Where the gate figures come from."""
    hourly_profile: list[NonNegativeFloat] = Field(
        list(DEFAULT_PROFILE), min_length=24, max_length=24,
        description="relative truck arrivals by hour of day (normalised)")
    teu_per_truck: PositiveFloat = Field(
        1.75, description="TEU per truck visit: one box per visit at the TEU factor")
    service_cv: NonNegativeFloat = Field(0.5, description="CV of lane time per truck")
    wait_limit_h: PositiveFloat = Field(0.5, description="planning limit of mean truck wait")
    export_arrivals: Literal["export_dwell", "cut_off"] = Field(
        "export_dwell",
        description="when export boxes come through the gate: 'export_dwell' — an export "
                    "dwell (landside.dwell.export) before their ship arrives; 'cut_off' — "
                    "spread evenly over the receiving window of receiving_days that closes "
                    "cutoff_h before their ship arrives")
    cutoff_h: NonNegativeFloat = Field(
        12.0, description="with export_arrivals 'cut_off': the terminal stops receiving a "
                          "ship's export boxes this long before it arrives (assumption: "
                          "CY cut-off 12-24 h before operations)")
    receiving_days: PositiveFloat = Field(
        4.0, description="with export_arrivals 'cut_off': days the receiving window is open "
                         "(assumption: export receiving opens 3-5 days before the cut-off)")

    @model_validator(mode="after")
    def _some_arrivals(self) -> GateSpec:
        if sum(self.hourly_profile) <= 0:
            raise ValueError("hourly_profile needs at least one hour with arrivals")
        return self


class Landside(Record):
    """The scenario's landside knobs (used when the port file has yards)."""

    yard: YardPolicy = YardPolicy()
    """How calls use the yards."""
    dwell: dict[DwellFlow, DwellSpec] = {}
    """Yard dwell per box flow (import, export, transshipment, rail, empty); default: the
    built-in assumptions."""
    modal_split: dict[str, ModalSplit] = Field(
        {}, description="per container terminal id, or 'default'")
    sea_rail: SeaRail = SeaRail()
    """Sea-rail trains."""
    gate: GateSpec = GateSpec()
    """Truck arrivals at the gates."""
    changes: dict[str, dict[str, Any]] = Field(
        {}, description="field changes of yards, rail terminals or gates, by id")

    def dwell_for(self, flow: str) -> DwellSpec:
        return self.dwell.get(flow, DEFAULT_DWELL[flow])  # type: ignore[call-overload]

    def split_for(self, terminal: str) -> ModalSplit:
        return self.modal_split.get(terminal, self.modal_split.get("default", DEFAULT_SPLIT))


# ============================================================ checks



def check_port_landside(port: Port, file: str,
                        check_source: Callable[[str, str], None]) -> list[Problem]:
    """Cross-references of yards, rail terminals and gates inside the port file."""
    problems: list[Problem] = []
    terminals = {t.id for t in port.terminals}
    areas = {a.id for a in port.areas}
    seen: set[str] = set()
    for name in ("yards", "rail_terminals", "gates"):
        for i, rec in enumerate(getattr(port, name)):
            if rec.id in seen:
                problems.append(Problem(file, f"{name}[{i}].id", f"duplicate id '{rec.id}' "
                                        "(yard, rail terminal and gate ids share one namespace)"))
            seen.add(rec.id)
            check_source(rec.source, f"{name}[{i}].source")
            for field, src in rec.provenance.items():
                check_source(src, f"{name}[{i}].{field}.source")
    rail_ids = {r.id for r in port.rail_terminals}
    yard_terms: dict[str, str] = {}
    for i, y in enumerate(port.yards):
        if y.terminal not in terminals:
            problems.append(Problem(file, f"yards[{i}].terminal",
                                    unknown("terminal", y.terminal, terminals)))
        elif y.terminal in yard_terms:
            problems.append(Problem(file, f"yards[{i}].terminal",
                                    f"terminal '{y.terminal}' already has yard "
                                    f"'{yard_terms[y.terminal]}'; one yard per terminal"))
        else:
            yard_terms[y.terminal] = y.id
        if y.rail_terminal is not None and y.rail_terminal not in rail_ids:
            problems.append(Problem(file, f"yards[{i}].rail_terminal",
                                    unknown("rail terminal", y.rail_terminal, rail_ids)))
    for i, r in enumerate(port.rail_terminals):
        if r.area is not None and r.area not in areas:
            problems.append(Problem(file, f"rail_terminals[{i}].area",
                                    unknown("area", r.area, areas)))
    for i, g in enumerate(port.gates):
        for j, t in enumerate(g.terminals):
            if t not in terminals:
                problems.append(Problem(file, f"gates[{i}].terminals[{j}]",
                                        unknown("terminal", t, terminals)))
    return problems


def resolve_landside(port: Port, spec: ScenarioSpec, file: str) -> Port:
    """Apply the scenario's ``landside.changes`` and keep the records in service in its year."""
    from portsim.config.load import validate  # local: load imports this module
    from portsim.errors import InputError

    changes = dict(spec.landside.changes)
    problems: list[Problem] = []
    update: dict[str, list[Any]] = {}
    kinds = {"yards": Yard, "rail_terminals": RailTerminal, "gates": Gate}
    for name, cls in kinds.items():
        out = []
        for rec in getattr(port, name):
            if rec.id in changes:
                merged = rec.model_dump(exclude_defaults=True) | changes.pop(rec.id)
                try:
                    rec = validate(cls, merged, file, prefix=("landside", "changes", rec.id))
                except InputError as exc:
                    problems += exc.problems
                    continue
            if rec.in_service_in(spec.year):
                out.append(rec)
        update[name] = out
    known = {r.id for name in kinds for r in getattr(port, name)}
    for rid in changes:
        problems.append(Problem(file, f"landside.changes.{rid}",
                                unknown("yard, rail terminal or gate", rid, known)))
    if problems:
        raise InputError(problems)
    return port.model_copy(update=update)


def check_scenario_landside(scenario: Scenario, file: str) -> list[Problem]:
    """Cross-checks of the landside knobs against the resolved port."""
    port, land = scenario.port, scenario.landside
    problems: list[Problem] = []
    if not port.yards:
        return problems
    terminals = {t.id for t in port.terminals}
    for key in land.modal_split:
        if key != "default" and key not in terminals:
            problems.append(Problem(file, f"landside.modal_split.{key}",
                                    unknown("terminal", key, terminals | {"default"})))
    known_sources = set(port.sources)

    def check_source(src: str, path: str) -> None:
        if src in known_sources or src.startswith(("assumption", "derived", "JTS", "JTJ",
                                                   "design", "brief", "facts")):
            return
        near = difflib.get_close_matches(src, sorted(known_sources), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        problems.append(Problem(file, path, f"source '{src}' is not a key of the port file's "
                                f"'sources' nor 'assumption'/'derived: …'{hint}"))

    sourced: list[tuple[str, SourcedRecord]] = [("landside.yard", land.yard),
                                                ("landside.sea_rail", land.sea_rail),
                                                ("landside.gate", land.gate)]
    sourced += [(f"landside.dwell.{k}", v) for k, v in land.dwell.items()]
    sourced += [(f"landside.modal_split.{k}", v) for k, v in land.modal_split.items()]
    for path, rec in sourced:
        check_source(rec.source, f"{path}.source")
        for field, src in rec.provenance.items():
            check_source(src, f"{path}.{field}.source")

    rail = land.sea_rail
    yards_by_terminal = {y.terminal: y for y in port.yards}
    rail_terms = {r.id: r for r in port.rail_terminals}
    uses_rail = False
    for t in sorted(yards_by_terminal):
        split = land.split_for(t)
        if split.rail > 0:
            uses_rail = True
            y = yards_by_terminal[t]
            if y.rail_terminal is None or y.rail_terminal not in rail_terms:
                where = (f"landside.modal_split.{t}" if t in land.modal_split
                         else "landside.modal_split.default")
                problems.append(Problem(
                    file, where,
                    f"terminal '{t}' sends {split.rail:.0%} of its boxes by rail, but its yard "
                    f"'{y.id}' has no rail terminal in service"
                    + (f" (rail terminal '{y.rail_terminal}' is not in service in "
                       f"{scenario.year})" if y.rail_terminal else "")))
    slots_given = rail.trains == "demand" and any(
        r.slots_per_day for r in port.rail_terminals
        if any(y.rail_terminal == r.id for y in port.yards))
    if uses_rail and rail.trains_here <= 0 and not slots_given:
        problems.append(Problem(file, "landside.sea_rail.trains_per_year",
                                "the modal split sends boxes by rail but no trains run "
                                "(trains_per_year is 0, and no rail terminal has "
                                "slots_per_day with trains: demand)"))
    if rail.trains_here > 0 or slots_given:
        served = [r for r in port.rail_terminals
                  if any(y.rail_terminal == r.id for y in port.yards)]
        if not served:
            problems.append(Problem(file, "landside.sea_rail.trains_per_year",
                                    "trains run but no yard in service is linked to a rail "
                                    "terminal in service"))
        length = rail.train_length_m
        longest = max((r.track_length_m for r in port.rail_terminals), default=0.0)
        if port.rail_terminals and length > longest:
            best = max(port.rail_terminals, key=lambda r: r.track_length_m)
            problems.append(Problem(
                file, "landside.sea_rail.wagons_per_train",
                f"a train of {rail.wagons_per_train} wagons x {rail.wagon_length_m:g} m + "
                f"{rail.loco_length_m:g} m locomotive = {length:g} m is longer than every "
                f"loading track (longest: {best.track_length_m:g} m at rail terminal "
                f"'{best.id}' in {scenario.port_file or 'the port file'})"))
        else:
            for r in served:
                if length > r.track_length_m and (r.share is None or r.share > 0):
                    problems.append(Problem(
                        file, "landside.sea_rail.wagons_per_train",
                        f"a train of {length:g} m does not fit the {r.track_length_m:g} m "
                        f"tracks of rail terminal '{r.id}'; shorten the train or set that "
                        "terminal's share to 0"))
    return problems


__all__ = [
    "DEFAULT_DWELL",
    "DWELL_FLOWS",
    "MODES",
    "DwellSpec",
    "Gate",
    "GateSpec",
    "Landside",
    "ModalSplit",
    "RailTerminal",
    "SeaRail",
    "Yard",
    "YardPolicy",
    "check_port_landside",
    "check_scenario_landside",
    "resolve_landside",
]
