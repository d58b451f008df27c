"""Container liner services, the class × terminal allocation table, and seasons, as data.

A liner service (a "string") calls at one terminal on a fixed day and hour of the week
in a berth window agreed by contract; its ships are of one class and bring a call size
that varies from call to call. A container flow lists its services (``services:`` as a
list: pinned) or asks the generator to derive them from its volume and class mix
(``services: {generate: …}``); either way the flow's ``allocation`` table says which
terminals take which ship classes and trades, and in what shares. Seasons are monthly
demand factors (with a Spring-Festival trough) and a day-of-week pattern for random
calls. Nothing here simulates; :mod:`portsim.services` and :mod:`portsim.demand` use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    TypeAdapter,
    field_validator,
    model_validator,
)

from portsim.config.base import Record
from portsim.errors import Problem, unknown

if TYPE_CHECKING:
    from portsim.config.scenario import Scenario

Trade = Literal["foreign_mainline", "intra_asia", "domestic", "feeder"]
FrequencyName = Literal["weekly", "twice_weekly", "fortnightly"]
CALLS_PER_WEEK: dict[str, float] = {"weekly": 1.0, "twice_weekly": 2.0, "fortnightly": 0.5}
HOURS_PER_WEEK = 168.0
DAYS_PER_YEAR = 365
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def calls_per_week(frequency: FrequencyName | float) -> float:
    """Calls per week of a frequency given by name or as a number."""
    return CALLS_PER_WEEK[frequency] if isinstance(frequency, str) else float(frequency)


class Window(Record):
    """A weekly berth window: its start (``day`` 0 = Monday … 6, ``hour``) and length."""

    day: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    hour: float = Field(ge=0.0, lt=24.0)
    """Start hour of day (0 <= h < 24)."""
    length_h: float = Field(gt=0.0, le=HOURS_PER_WEEK,
                            description="hours the berth is held for the service (0 < h <= 168)")

    @property
    def start_h(self) -> float:
        """Hours from Monday 00:00 to the window's start."""
        return self.day * 24.0 + self.hour


class Compliance(Record):
    """How services keep their windows.

    A share ``on_window_share`` of the calls arrives on-window, off the window start by
    N(0, ``deviation_h``) truncated to ± the window tolerance (3 × ``deviation_h``, at
    most half the window); the others arrive late, after the tolerance, by
    ``tolerance + exponential`` with mean lateness ``late_mean_h`` from the window start.
    """

    on_window_share: float = Field(0.7, ge=0.0, le=1.0)
    """Share of calls arriving on-window (0 to 1)."""
    deviation_h: NonNegativeFloat = 2.0
    """Standard deviation of an on-window arrival about the window start (h)."""
    late_mean_h: PositiveFloat = 24.0
    """Mean lateness of a late call after the window start (h; above 3 × deviation_h)."""
    source: str = ("assumption: schedule reliability of container lines ~55-70 % on time "
                   "(carrier schedule-reliability indices); on-window ±2 h, late mean 24 h")
    """Where the compliance figures come from."""

    @model_validator(mode="after")
    def _late_after_tolerance(self) -> Compliance:
        if self.late_mean_h <= 3.0 * self.deviation_h:
            raise ValueError(f"late_mean_h ({self.late_mean_h:g}) must exceed the on-window "
                             f"tolerance 3 × deviation_h ({3 * self.deviation_h:g})")
        return self


class Service(Record):
    """One container liner service calling at one terminal.

    ``quay_line`` and ``start_m`` (the window's berth position) are written by the
    generator; a planner may give them or leave them to the packer, which books the
    window from its start rounded to the whole hour (calls keep the exact start).
    """

    id: str
    """Service id (e.g. the line's service code)."""
    trade: Trade
    """Trade of the service: foreign_mainline, intra_asia, domestic or feeder."""
    ship_class: str
    """Ship-class id of the port file."""
    call_size: VolumeDistribution = Field(description="TEU per call (loaded + discharged)")
    frequency: FrequencyName | PositiveFloat = Field(
        "weekly", description="weekly | twice_weekly | fortnightly, or calls per week")
    terminal: str
    """Terminal the service calls at."""
    window: Window
    """Weekly berth window (day, hour, length)."""
    compliance: Compliance | None = Field(None, description="default: rules.service_compliance")
    quay_line: str | None = None
    """Quay line of the window (default: chosen by the packer)."""
    start_m: NonNegativeFloat | None = None
    """Window's position along the quay line (m from its start; default: chosen by the
    packer)."""
    source: str = "assumption"
    """Where the service comes from."""

    @property
    def calls_per_week(self) -> float:
        return calls_per_week(self.frequency)


class ClassServices(Record):
    """How the generator makes services of one ship class."""

    trade: Trade
    """Trade of the class's services."""
    frequency: FrequencyName | PositiveFloat = "weekly"
    """weekly | twice_weekly | fortnightly, or calls per week."""
    source: str = "assumption"
    """Where trade and frequency come from."""


class ServiceGeneration(Record):
    """Ask the generator (:mod:`portsim.services`) for the flow's services.

    ``classes``: trade and frequency per ship class (every class of the flow);
    ``window_buffer``: berth window = planned berth time of the mean call × this, in
    whole hours.
    """

    generate: dict[str, ClassServices] = Field(min_length=1)
    """Ship-class id → trade and frequency of its services (every class of the flow)."""
    window_buffer: float = Field(1.2, ge=1.0, le=3.0)
    """Berth window = planned berth time of the mean call × this (1 to 3), in whole hours."""
    buffer_source: str = ("assumption: windows ~20 % longer than the planned berth time of "
                          "the mean call, the margin a terminal plans for call-size spread")
    """Where window_buffer comes from."""


def pinned_or_generated(value: Any, handler: Any) -> Any:
    """Validate a flow's ``services``: a list is pinned services, a mapping asks the
    generator (so an error names ``services[3].window.day``, not both readings)."""
    if isinstance(value, list):
        return _PINNED.validate_python(value)
    if isinstance(value, dict):
        return ServiceGeneration.model_validate(value)
    return handler(value)


class AllocationRow(Record):
    """One row of the class × terminal allocation table.

    It applies to the calls of ``ship_classes`` (all classes when empty) of ``trade``
    (any trade when empty). ``terminals`` is a mapping terminal → share (shares sum to
    1) or a list of terminals shared pro rata to their declared design capacity.
    """

    trade: Trade | None = None
    """Trade the row applies to (any trade when empty)."""
    ship_classes: list[str] = []
    """Ship classes the row applies to (all when empty)."""
    terminals: dict[str, NonNegativeFloat] | list[str] = Field(min_length=1)
    """Terminal → share (shares sum to 1), or a list shared pro rata to design capacity."""
    source: str
    """Where the allocation comes from."""

    @field_validator("terminals")
    @classmethod
    def _shares_sum_to_one(cls, value: dict[str, float] | list[str]):
        if isinstance(value, dict) and abs(sum(value.values()) - 1.0) > 1e-6:
            raise ValueError(f"terminal shares must sum to 1, they sum to {sum(value.values()):g}")
        return value

    def matches(self, ship_class: str, trade: str | None) -> bool:
        """Whether the row takes calls of this class and trade (a row naming a trade
        takes no class whose trade is unknown)."""
        return ((not self.ship_classes or ship_class in self.ship_classes)
                and (self.trade is None or self.trade == trade))


class Trough(Record):
    """A demand trough over some days of the year (the Spring Festival)."""

    start_day: int = Field(ge=1, le=DAYS_PER_YEAR, description="first day of the year (1 = 1 Jan)")
    days: int = Field(ge=1, le=60)
    """Length of the trough (days; 1 to 60)."""
    factor: float = Field(gt=0.0, le=1.0)
    """Demand factor in the trough (0 < factor <= 1)."""
    source: str = "assumption"
    """Where the trough comes from."""


class Seasons(Record):
    """Monthly demand factors, a Spring-Festival trough and a day-of-week pattern.

    The demand intensity of a day is ``monthly[month] × trough.factor (in the trough)``,
    normalised so that its mean over the 365-day year is 1: annual volumes stay the
    scenario's. Random (tramp) calls follow it, and the ``weekly`` pattern (Monday
    first, normalised to mean 1), as a non-homogeneous Poisson process made by a time
    change; service calls keep their windows and carry ``intensity ×`` their call size.
    Calendar: hour 0 of a run is a Monday 00:00; the measurement year starts 1 January
    at the end of the warm-up (the warm-up is the previous December).
    """

    profile: Literal["flat", "seasonal"] = Field(
        "flat", description="flat: demand even through the year (the factors are kept as "
        "data but not applied); seasonal: apply them")
    monthly: list[PositiveFloat] = Field([1.0] * 12, min_length=12, max_length=12)
    """Demand factor per month, January first (12 values > 0; normalised to mean 1)."""
    weekly: list[PositiveFloat] = Field([1.0] * 7, min_length=7, max_length=7)
    """Demand factor per day of week, Monday first (7 values > 0; normalised to mean 1)."""
    trough: Trough | None = None
    """Spring-Festival trough (none: no trough)."""
    source: str = "flat (no seasons)"
    """Where the seasonal factors come from."""

    @property
    def flat(self) -> bool:
        return self.profile == "flat" or (len(set(self.monthly)) == 1
                                          and len(set(self.weekly)) == 1 and self.trough is None)


# scenario.py imports this module just after defining VolumeDistribution, so either
# import order finds it here
from portsim.config.scenario import VolumeDistribution  # noqa: E402

Service.model_rebuild()
_PINNED = TypeAdapter(list[Service])


def check_services(scenario: Scenario, file: str) -> list[Problem]:
    """Cross-references of the flows' services and allocation tables: ship classes and
    terminals exist, a class fits every terminal it is allocated to (depth, length, DWT,
    as :mod:`portsim.config.fit`), every class has an allocation row and, when
    generated, a trade."""
    from portsim.config.fit import lines_for, quay_lines

    port, rules = scenario.port, scenario.rules
    classes = {s.id: s for s in port.ship_classes}
    terminals = {t.id for t in port.terminals}
    lines = quay_lines(port.berths)
    problems: list[Problem] = []

    def fits(class_id: str, terminal: str) -> bool:
        ship = classes[class_id]
        return any(q.terminal == terminal for q in
                   lines_for(lines, ship, rules.berth_ukc_m, rules.berth_clearance_m))

    def check_pair(class_id: str, terminal: str, at: str, where: str) -> None:
        if class_id not in classes:
            problems.append(Problem(file, at, unknown("ship class", class_id, set(classes))))
        elif classes[class_id].cargo != "container":
            problems.append(Problem(file, at, f"ship class '{class_id}' is not a container ship"))
        elif terminal not in terminals:
            problems.append(Problem(file, where, unknown("terminal", terminal, terminals)))
        elif not fits(class_id, terminal):
            ship = classes[class_id]
            problems.append(Problem(file, where, (
                f"ship class '{class_id}' (LOA {ship.loa_m:g} m, draught {ship.draught_m:g} m, "
                f"{ship.dwt:,.0f} DWT) fits no quay line of terminal '{terminal}'")))

    def check_source(src: str, at: str) -> None:
        if src not in port.sources and not src.startswith(("assumption", "derived", "JTS")):
            problems.append(Problem(file, at, f"source '{src}' is not a key of the port "
                                    "file's 'sources' nor 'assumption: …'/'derived: …'"))

    for i, flow in enumerate(scenario.demand):
        at = f"demand[{i}]"
        if flow.services is None and not flow.allocation:
            continue
        for r, row in enumerate(flow.allocation):
            check_source(row.source, f"{at}.allocation[{r}].source")
        if isinstance(flow.services, list):
            for s, svc in enumerate(flow.services):
                check_source(svc.source, f"{at}.services[{s}].source (id {svc.id})")
        if flow.cargo != "container":
            problems.append(Problem(file, f"{at}.services", "services are for container flows"))
            continue
        flow_classes = [c.ship_class for c in flow.classes]
        trade_of: dict[str, str | None] = {c: None for c in flow_classes}
        if isinstance(flow.services, ServiceGeneration):
            for c in flow.services.generate:
                if c not in flow_classes:
                    problems.append(Problem(file, f"{at}.services.generate.{c}",
                                            f"'{c}' is not a ship class of flow '{flow.id}' "
                                            f"(its classes: {', '.join(flow_classes)})"))
            for c in flow_classes:
                if c not in flow.services.generate:
                    problems.append(Problem(file, f"{at}.services.generate",
                                            f"no trade given for ship class '{c}'"))
                else:
                    trade_of[c] = flow.services.generate[c].trade
        elif isinstance(flow.services, list):
            seen: set[str] = set()
            for s, svc in enumerate(flow.services):
                where = f"{at}.services[{s}]"
                if svc.id in seen:
                    problems.append(Problem(file, f"{where}.id",
                                            f"duplicate service id '{svc.id}'"))
                seen.add(svc.id)
                check_pair(svc.ship_class, svc.terminal, f"{where}.ship_class (id {svc.id})",
                           f"{where}.terminal (id {svc.id})")
                if svc.quay_line is not None:
                    owner = {q.id: q.terminal for q in lines}.get(svc.quay_line)
                    if owner != svc.terminal:
                        problems.append(Problem(file, f"{where}.quay_line (id {svc.id})",
                                                f"quay line '{svc.quay_line}' is not a quay line "
                                                f"of terminal '{svc.terminal}'"))
            for svc in flow.services:
                if trade_of.get(svc.ship_class) is None:
                    trade_of[svc.ship_class] = svc.trade
        for r, row in enumerate(flow.allocation):
            names = row.terminals if isinstance(row.terminals, list) else [
                t for t, share in row.terminals.items() if share > 0]
            for c in row.ship_classes or [c for c in flow_classes if row.matches(c, trade_of[c])]:
                for t in names:
                    check_pair(c, t, f"{at}.allocation[{r}].ship_classes",
                               f"{at}.allocation[{r}].terminals.{t}")
        for c in flow_classes:
            if not any(row.matches(c, trade_of[c]) for row in flow.allocation):
                problems.append(Problem(file, f"{at}.allocation",
                                        f"no allocation row takes ship class '{c}'"))
    return problems

