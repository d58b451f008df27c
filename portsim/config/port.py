"""The port as data: ship classes, operation areas, terminals, berths, anchorages, channels.

Model description only — no simulation here. Geometry follows the Chinese port
design code's vocabulary: a berth has a quay length, an alongside depth below chart
datum and a largest ship (DWT) class; container berths have quay cranes, other berths
a loading rate. Berths that share a ``quay_line`` form one continuous quay (listed in
order along the quay), on which ships take any free stretch long enough for them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, model_validator

from portsim.config.base import Record, SourcedRecord
from portsim.config.landside import Gate, RailTerminal, Yard
from portsim.config.marine import Pilots, Tide, Tugs, Weather

CargoType = Literal["container", "dry_bulk", "liquid_bulk", "general", "lng", "ro_ro"]
"""Cargo families. A berth lists those it handles (a multipurpose berth lists several)."""

CARGO_TYPES: tuple[str, ...] = CargoType.__args__  # type: ignore[attr-defined]


class ShipClass(SourcedRecord):
    """A design ship: one DWT class of one cargo family."""

    id: str
    """Ship-class id used by flows, services and rules (e.g. C150k)."""
    cargo: CargoType
    """Cargo family the class carries."""
    # bounds: the largest ship built, Seawise Giant: 564,763 DWT, LOA 458 m, beam 69 m,
    # draught 24.6 m; a value beyond these is a unit slip
    dwt: PositiveFloat = Field(le=700_000)
    """Deadweight tonnage of the design ship (t; 0 < DWT <= 700,000)."""
    loa_m: PositiveFloat = Field(le=500)
    """Length overall (m; at most 500)."""
    beam_m: PositiveFloat = Field(le=80)
    """Beam (m; at most 80)."""
    draught_m: PositiveFloat = Field(le=30, description="design (laden) draught")
    draught_in_m: PositiveFloat | None = Field(
        None, description="draught arriving (channel inbound); default: draught_m"
    )
    draught_out_m: PositiveFloat | None = Field(
        None, description="draught leaving (channel outbound); default: draught_m"
    )
    teu_capacity: PositiveFloat | None = None
    """Nominal container capacity (TEU); container classes only, informative."""
    note: str | None = None
    """Free text for the reader; not used by the model."""


class Area(Record):
    """An operation area (作业区), e.g. Dalanping South."""

    id: str
    """Operation-area id (e.g. DLS)."""
    name: str
    """Operation-area name as used locally."""
    note: str | None = None
    """Free text for the reader; not used by the model."""


class Terminal(SourcedRecord):
    """A terminal: one operator's berths within an operation area."""

    id: str
    """Terminal id used by berths, flows, services and landside records."""
    name: str
    """Terminal name."""
    area: str
    """Id of the operation area the terminal lies in."""
    operator: str | None = None
    """Operating company (informative)."""
    note: str | None = None
    """Free text for the reader; not used by the model."""


class Berth(SourcedRecord):
    """A production berth (or one berth-length section of a continuous quay)."""

    id: str
    """Berth id (unique in the port file; used by scenario overrides)."""
    terminal: str
    """Id of the terminal the berth belongs to."""
    number: str | None = None
    """The port's own berth number (e.g. 1101#; informative)."""
    cargo: list[CargoType] = Field(min_length=1)
    """Cargo families the berth handles (at least one; a multipurpose berth lists several)."""
    quay_length_m: PositiveFloat = Field(
        le=20_000, description="bound: the longest continuous quays are ~5 km")
    depth_m: PositiveFloat = Field(le=50, description="alongside depth below chart datum "
                                   "(bound: the deepest berths are ~25-30 m)")
    max_dwt: PositiveFloat = Field(description="largest ship class (DWT) the berth takes")
    quay_line: str | None = None
    """Continuous quay the berth is a section of: berths sharing a quay line form one quay
    on which ships take any free stretch (list them together, in order along the quay);
    none: a berth of its own."""
    cranes: NonNegativeInt = 0
    """Quay cranes on the berth (count; container berths need at least 1)."""
    crane_rate: PositiveFloat | None = Field(
        None, description="gross moves per hour per quay crane"
    )
    loading_rate_t_h: PositiveFloat | None = Field(
        None, description="gross tonnes per hour for non-container cargo"
    )
    design_capacity_teu: NonNegativeFloat = 0.0
    """Design throughput capacity (TEU/yr) from the port's data; used to share demand
    between terminals and in the preview."""
    design_capacity_t: NonNegativeFloat = 0.0
    """Design throughput capacity (t/yr) for non-container cargo."""
    in_service: int | None = Field(None, description="first year of operation")
    retired: int | None = Field(None, description="first year out of service")
    automated: bool = False
    """Whether the berth is an automated terminal (informative)."""
    note: str | None = None
    """Free text for the reader; not used by the model."""

    @model_validator(mode="after")
    def _equipment_matches_cargo(self) -> Berth:
        if "container" in self.cargo and (self.cranes < 1 or self.crane_rate is None):
            raise ValueError(
                "a container berth needs cranes >= 1 and crane_rate (moves/h per crane)"
            )
        if set(self.cargo) - {"container"} and self.loading_rate_t_h is None:
            raise ValueError(
                f"a berth handling {sorted(set(self.cargo) - {'container'})} needs "
                "loading_rate_t_h (gross t/h)"
            )
        return self

    def in_service_in(self, year: int | None) -> bool:
        """Whether the berth works in ``year`` (always, when no year is asked)."""
        if year is None:
            return True
        started = self.in_service is None or self.in_service <= year
        return started and (self.retired is None or self.retired > year)


class Anchorage(SourcedRecord):
    """A waiting area for ships before they are called in."""

    id: str
    """Anchorage id, named by routes."""
    name: str
    """Anchorage name."""
    area_km2: PositiveFloat | None = None
    """Water area (km²; informative)."""
    note: str | None = None
    """Free text for the reader; not used by the model."""


class ChannelSegment(SourcedRecord):
    """One stretch of an approach channel.

    Traffic rule (``traffic_rule``, a scenario switch):

    * ``convoy`` (default, the rule of the approach channels): ships up to
      ``two_way_max_dwt`` (and ``two_way_max_beam_m``) pass each other; a larger ship
      transits one-way — it holds the segment against opposite traffic, which keeps
      ``headway_h`` clear of it, and same-direction ships follow it at least
      ``headway_h`` apart (a convoy).
    * ``one_at_a_time``: one ship in the segment whatever its direction or size — the
      next ship, either way, enters ``headway_h`` after the previous one has left (lock
      approaches, narrow river mouths and bridge spans; basis: the one-way sections of
      inland waterways, where a signal station lets one ship through at a time).

    With a tide, a ship may be in the segment only while ``bottom_depth_m`` + tide >=
    its draught + ``ukc_m``.
    """

    id: str
    """Segment id, named by routes."""
    name: str
    """Segment name."""
    length_km: PositiveFloat
    """Length along the channel (km)."""
    speed_kn: PositiveFloat = Field(description="transit speed through the segment")
    bottom_depth_m: PositiveFloat | None = Field(None, description="below chart datum")
    width_m: PositiveFloat | None = None
    """Bottom width (m; informative)."""
    two_way_max_dwt: NonNegativeFloat | None = Field(
        None, description="ships above this DWT class transit one-way"
    )
    two_way_max_beam_m: PositiveFloat | None = Field(
        None, description="ships wider than this transit one-way"
    )
    headway_h: NonNegativeFloat = Field(
        0.0, description="separation behind a one-way passage (followers, opposite traffic)"
    )
    traffic_rule: Literal["convoy", "one_at_a_time"] = Field(
        "convoy", description="convoy: one-way ships by size, followers at a headway; "
        "one_at_a_time: one ship in the segment whatever the direction"
    )
    ukc_m: NonNegativeFloat | None = Field(
        None, description="under-keel clearance in the segment (default: rules.channel_ukc_m)"
    )
    ends: tuple[str, str] | None = Field(
        None, description="(seaward, landward) waypoint ids: the segment as a graph edge"
    )
    note: str | None = None
    """Free text for the reader; not used by the model."""

    @property
    def transit_h(self) -> float:
        """Hours to sail the segment (1 kn = 1.852 km/h)."""
        return self.length_km / (self.speed_kn * 1.852)


class Route(Record):
    """The way from an anchorage to one operation area, as a list of segments (seaward
    first). An area may have several routes; each ship takes the one that gets it to
    the berth (inbound) or out to sea (outbound) soonest."""

    id: str | None = None
    """Route id (needed to remove it in a scenario)."""
    area: str
    """Operation area the route leads to."""
    anchorage: str
    """Anchorage the route starts from."""
    segments: list[str] = Field(min_length=1)
    """Channel segment ids, seaward first (at least one)."""


class SourceRef(Record):
    """A public source that numbers in the port file cite by key."""

    cite: str
    """The citation: publisher, title, date, address."""
    confidence: Literal["H", "M", "L", "-"] = "-"
    """Confidence in the source: H(igh), M(edium), L(ow) or - (not rated)."""


class Port(Record):
    """The whole port as data."""

    name: str
    """Name of the port."""
    description: str | None = None
    """Free text describing the port file."""
    sources: dict[str, SourceRef] = {}
    """Public sources by key; every `source:` in the file names one of these keys, a design
    code or `assumption: …`."""
    ship_classes: list[ShipClass] = Field(min_length=1)
    """Design ship classes (at least one)."""
    areas: list[Area] = Field(min_length=1)
    """Operation areas (作业区)."""
    terminals: list[Terminal] = Field(min_length=1)
    """Terminals, each in one area."""
    berths: list[Berth] = Field(min_length=1)
    """Production berths (or berth-length sections of continuous quays)."""
    anchorages: list[Anchorage] = []
    """Anchorages where ships wait to be called in."""
    channel_segments: list[ChannelSegment] = []
    """Stretches of the approach channels."""
    routes: list[Route] = []
    """Anchorage → operation area routes as lists of segments (none: no channel model)."""
    tide: Tide | None = None
    """Water level above chart datum (none: no tidal windows)."""
    pilots: Pilots | None = None
    """The pilot pool (none: pilots never wait)."""
    tugs: Tugs | None = None
    """The tug pool (none: tugs never wait)."""
    weather: Weather | None = None
    """Weather closures of the channel and berths (none: no closures)."""
    yards: list[Yard] = []
    """Container yards (none: no landside model)."""
    rail_terminals: list[RailTerminal] = []
    """Sea-rail terminals (none: no rail model)."""
    gates: list[Gate] = []
    """Truck gates (none: no gate model)."""

    def ship_class(self, class_id: str) -> ShipClass:
        return next(s for s in self.ship_classes if s.id == class_id)

    def terminal(self, terminal_id: str) -> Terminal:
        return next(t for t in self.terminals if t.id == terminal_id)

    def area_of_terminal(self, terminal_id: str) -> str:
        return self.terminal(terminal_id).area

    def route_to(self, area_id: str) -> Route | None:
        return next((r for r in self.routes if r.area == area_id), None)

    def transit_h(self, area_id: str) -> float:
        """Sailing time anchorage → area (0 when the port file gives no route)."""
        route = self.route_to(area_id)
        if route is None:
            return 0.0
        seg = {s.id: s for s in self.channel_segments}
        return sum(seg[s].transit_h for s in route.segments)
