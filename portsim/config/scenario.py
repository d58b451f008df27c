"""Scenarios: which port, what demand, which operating rules, how long to run.

A scenario file names its port file (``port: ../berths.yaml``), a ``year`` that
selects the berths in service, and overrides that add, remove or change berths.
Demand is a list of flows (containers in TEU, other cargo in tonnes), each with a
mix of ship classes, a per-call volume distribution and an arrival process.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from portsim.config.base import Record
from portsim.config.canal import Canal
from portsim.config.landside import Landside
from portsim.config.marine import ChannelChanges
from portsim.config.port import CargoType, Port

#: Bounds on magnitudes, each with its basis. A value outside is a slip (a unit, a
#: missing decimal point), never a scenario of this port.
#: Volume moved by one call: the largest ships carry < 0.5 Mt (Valemax 400,000 DWT) or
#: < 25,000 TEU; 1 M (TEU or t) leaves a factor of two above either.
MAX_CALL_VOLUME = 1_000_000.0
#: A flow's annual volume: world container throughput is ~0.9 G TEU/yr and world
#: seaborne trade ~12 Gt/yr (UNCTAD RMT 2023); 1e10 is above both.
MAX_ANNUAL_VOLUME = 1e10
#: Demand factors: a factor over 100 on a planning scenario is not this port.
MAX_DEMAND_SCALE = 100.0
#: Simulated days (horizon, warm-up): the steady-state queueing checks
#: (:mod:`portsim.validation.queues`) run one small queue for up to ~10^6 days; 10^7
#: days of even a two-berth port are ~10^8 calls, more than memory holds, so a horizon
#: beyond that (10^12 days) is a slip.
MAX_DAYS = 10_000_000.0
SHARE_TOLERANCE = 1e-6


def check_shares(shares: dict[str, float], what: str, normalise: bool) -> None:
    """Shares must sum to 1 (within ``SHARE_TOLERANCE``) unless ``normalise: true``."""
    total = sum(shares.values())
    if normalise or abs(total - 1.0) <= SHARE_TOLERANCE:
        return
    terms = " + ".join(f"{k} {v:g}" for k, v in shares.items())
    raise ValueError(f"{what} must sum to 1: {terms} = {total:g}; correct them, or write "
                     "'normalise: true' in the flow to have them rescaled to sum to 1")


class VolumeDistribution(Record):
    """Volume moved per call: TEU (loaded + discharged) for containers, tonnes otherwise.

    ``gamma``/``lognormal`` take ``mean`` and ``cv``; ``triangular`` takes
    ``low``/``mode``/``high``; ``uniform`` takes ``low``/``high``; ``fixed`` takes ``mean``.
    """

    dist: Literal["fixed", "gamma", "lognormal", "triangular", "uniform"] = "gamma"
    """Distribution of the volume per call: fixed, gamma, lognormal (mean, cv), triangular
    (low, mode, high) or uniform (low, high)."""
    mean: PositiveFloat | None = Field(None, le=MAX_CALL_VOLUME)
    """Mean volume per call (TEU for containers, t otherwise)."""
    cv: NonNegativeFloat | None = Field(None, le=10.0)
    """Coefficient of variation (standard deviation / mean; 0 to 10)."""
    low: NonNegativeFloat | None = Field(None, le=MAX_CALL_VOLUME)
    """Smallest volume per call (TEU or t; triangular, uniform)."""
    mode: NonNegativeFloat | None = Field(None, le=MAX_CALL_VOLUME)
    """Most likely volume per call (TEU or t; triangular)."""
    high: PositiveFloat | None = Field(None, le=MAX_CALL_VOLUME)
    """Largest volume per call (TEU or t; triangular, uniform)."""

    @model_validator(mode="after")
    def _parameters_present(self) -> VolumeDistribution:
        need = {
            "fixed": ("mean",),
            "gamma": ("mean", "cv"),
            "lognormal": ("mean", "cv"),
            "triangular": ("low", "mode", "high"),
            "uniform": ("low", "high"),
        }[self.dist]
        missing = [p for p in need if getattr(self, p) is None]
        if missing:
            raise ValueError(f"dist '{self.dist}' needs {', '.join(need)}; missing {missing}")
        if self.dist == "triangular" and not (self.low <= self.mode <= self.high):  # type: ignore[operator]
            raise ValueError("triangular needs low <= mode <= high")
        if self.dist == "uniform" and not self.low < self.high:  # type: ignore[operator]
            raise ValueError("uniform needs low < high")
        return self

    @property
    def expected(self) -> float:
        """Mean volume per call."""
        if self.dist in ("fixed", "gamma", "lognormal"):
            return float(self.mean)  # type: ignore[arg-type]
        if self.dist == "triangular":
            return (self.low + self.mode + self.high) / 3.0  # type: ignore[operator]
        return (self.low + self.high) / 2.0  # type: ignore[operator]


from portsim.config.services import (  # noqa: E402  (services.py needs VolumeDistribution)
    AllocationRow,
    Compliance,
    Seasons,
    Service,
    ServiceGeneration,
    pinned_or_generated,
)


class FlowClass(Record):
    """One ship class in a flow's mix: its share of the flow's calls and call volume."""

    ship_class: str
    """Ship-class id of the port file (its cargo must be the flow's)."""
    share: PositiveFloat = Field(description="share of the flow's calls")
    per_call: VolumeDistribution
    """Volume moved per call of this class (TEU loaded + discharged, or t)."""


class Arrivals(Record):
    """How calls arrive: scheduled liner services and random (tramp) calls.

    Liner calls keep a fixed timetable (one slot per call, evenly spread over the
    year) and arrive off schedule by a normal deviation; the rest arrive at random
    with Poisson (``erlang_k: 1``) or Erlang-k inter-arrival times.
    """

    liner_share: float = Field(0.0, ge=0.0, le=1.0)
    """Share of calls that are scheduled liner calls (0 to 1); the rest arrive at random."""
    schedule_deviation_h: NonNegativeFloat = 6.0
    """Standard deviation of a liner call's arrival about its timetable slot (h)."""
    erlang_k: PositiveInt = 1
    """Shape of the random calls' inter-arrival times: 1 = Poisson (exponential), k > 1 =
    Erlang-k (more regular)."""


class Flow(Record):
    """A stream of ship calls carrying one cargo family."""

    id: str
    """Flow id (unique in the scenario)."""
    cargo: CargoType
    """Cargo family of the flow."""
    annual_volume: PositiveFloat = Field(
        le=MAX_ANNUAL_VOLUME, description="TEU/yr for containers, t/yr otherwise")
    source: str = "assumption"
    """Where the annual volume comes from (a source key or `assumption: …`)."""
    terminals: list[str] | dict[str, PositiveFloat] | None = Field(
        None,
        description="terminals the flow may use (list) or its share per terminal (mapping); "
        "default: every terminal with a berth for the cargo, shared by design capacity",
    )
    classes: list[FlowClass] = Field(min_length=1)
    """Ship-class mix: share of calls and volume per call for each class (shares sum to 1)."""
    arrivals: Arrivals = Arrivals()
    """How the flow's calls arrive (liner share, schedule deviation, randomness)."""
    services: list[Service] | ServiceGeneration | None = Field(
        None, description="liner services (list: pinned) or {generate: …} (rules.liner_calls: "
        "services); see portsim.config.services")
    allocation: list[AllocationRow] = Field(
        [], description="class × terminal allocation table (services mode)")

    @field_validator("services", mode="wrap")
    @classmethod
    def _services(cls, value: Any, handler: Any) -> Any:
        return pinned_or_generated(value, handler)

    normalise: bool = Field(
        False, description="rescale class shares that do not sum to 1 (default: such "
        "shares are an error naming their sum; terminal shares are relative weights)")

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Flow:
        check_shares({c.ship_class: c.share for c in self.classes}, "class shares",
                     self.normalise)
        return self

    @property
    def unit(self) -> str:
        return "TEU" if self.cargo == "container" else "t"

    @property
    def mean_volume_per_call(self) -> float:
        total = sum(c.share for c in self.classes)
        return sum(c.share * c.per_call.expected for c in self.classes) / total

    @property
    def calls_per_year(self) -> float:
        return self.annual_volume / self.mean_volume_per_call


class Thresholds(Record):
    """Planning thresholds a terminal is judged against."""

    occupancy_band: tuple[float, float] = (0.5, 0.7)
    """Planning band of berth utilisation (low, high; shares of the year, 0 <= low < high
    <= 1)."""
    waiting_factor: PositiveFloat = 0.1
    """Planning limit of the waiting factor (mean wait / mean berth time; > 0)."""
    source: str = "assumption"
    """Where the thresholds come from."""

    @model_validator(mode="after")
    def _band_in_order(self) -> Thresholds:
        lo, hi = self.occupancy_band
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError(f"occupancy_band needs 0 <= low < high <= 1 (a share of the "
                             f"year), got [{lo:g}, {hi:g}]")
        return self


class CraneRange(Record):
    """How many quay cranes may work one ship of a class at once (crane-pool rule)."""

    min: PositiveInt = Field(1, description="fewest QCs a ship is started with")
    max: PositiveInt = Field(description="most QCs that work the ship at once")
    source: str = Field(min_length=1)
    """Where the range comes from (a source key or `assumption: …`)."""

    @model_validator(mode="after")
    def _ordered(self) -> CraneRange:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


class Rules(Record):
    """Operating rules: how ships are berthed and handled."""

    teu_factor: float = Field(
        1.75, ge=1.0, le=2.25,
        description="TEU per box (container move): between 1 (all 20') and 2.25 (all 45')")
    cranes_per_ship: dict[str, PositiveInt] = Field(
        {}, description="quay cranes working one ship, by ship class"
    )
    default_cranes_per_ship: PositiveInt = 2
    """Quay cranes working one ship of a class not in cranes_per_ship (count)."""
    crane_efficiency: float = Field(
        0.9, gt=0.0, le=1.0, description="simultaneous-working factor (K2 in JTS 165)"
    )
    twin_lift_factor: float = Field(
        1.0, ge=1.0, le=2.0,
        description="boxes per crane cycle from twin-lift / dual trolleys (K4 in JTS 165)",
    )
    handling_cv: NonNegativeFloat = Field(
        0.5, description="coefficient of variation of handling time (gamma)"
    )
    berthing_h: NonNegativeFloat = 1.0
    """Time to berth a ship alongside (h), part of berth time."""
    unberthing_h: NonNegativeFloat = 0.5
    """Time to unberth a ship (h), part of berth time."""
    berth_clearance_m: NonNegativeFloat = Field(
        30.0, description="quay length a ship needs beyond its LOA"
    )
    berth_ukc_m: NonNegativeFloat = Field(
        0.6, description="under-keel clearance required alongside"
    )
    working_hours_per_day: float = Field(24.0, gt=0.0, le=24.0)
    """Hours a day cargo is handled (h; 0 < h <= 24)."""
    berth_allocation: Literal["first_fit", "best_fit"] = "best_fit"
    """Where on a quay line a ship is placed: the first free stretch that fits (first_fit)
    or the tightest one (best_fit)."""
    queue_priority: Literal["fcfs", "liner_first"] = "fcfs"
    """Anchorage queue order: first come, first served (fcfs) or liner calls before tramp
    calls (liner_first)."""
    include_channel_transit: bool = True
    """Count the channel transit between anchorage and berth in the call's time in port."""
    marine_model: bool = Field(
        True, description="simulate tide windows, one-way rules, pilots, tugs and weather "
        "where the port file gives them (false: fixed channel transit times only)"
    )
    channel_ukc_m: NonNegativeFloat = Field(
        1.0, description="under-keel clearance in the channel where a segment gives none"
    )
    call_in: Literal["berth_free", "just_in_time"] = Field(
        "berth_free",
        description="when the terminal calls the next ship in: when its quay space is free "
        "(it then holds the berth during its approach), or just in time — sailing so that "
        "it arrives as the ship alongside is planned to leave",
    )
    call_in_lead: Literal["sailing", "planned_passage"] = Field(
        "planned_passage",
        description="just in time: the lead with which the next ship is called — its sailing "
        "time only (tide, one-way and pilot waits then fall after the berth frees), or its "
        "planned passage, the VTS's dry run of tide window, one-way rule, pilots and tugs "
        "as booked (see portsim.model.passage_plan)",
    )
    berth_windows: Literal["protected", "priority"] = Field(
        "priority",
        description="services' berth windows: other ships keep clear of the windows of "
        "on-window calls for their whole planned stay (protected), or on-window calls only "
        "go first in the queue and for their window's stretch (priority)",
    )
    etb_error_h: NonNegativeFloat = Field(
        0.5, description="just in time: standard deviation (h) of a called ship's arrival "
        "at the berth about its planned time (ETB error)",
    )
    thresholds: dict[CargoType, Thresholds] = {}
    """Planning thresholds per cargo family (default: the built-in band and waiting-factor
    limit of each family)."""
    liner_calls: Literal["stream", "services"] = Field(
        "stream", description="container liner calls: one evenly spaced stream per class sent "
        "to terminals at random (stream), or the flows' services with berth windows")
    service_compliance: Compliance = Compliance()
    """How liner services keep their berth windows (default for every service)."""
    source: str = "assumption"
    """Where the rules come from."""
    quay_cranes: Literal["fixed", "pool"] = Field(
        "fixed", description="fixed: a ship keeps the QCs it was given at call-in "
        "(min(planned, free)); pool: each quay line's QCs are a pool, a ship starts with "
        "at least its minimum and gains cranes freed by finishing ships up to its maximum "
        "(see portsim.model.cranes)",
    )
    quay_cranes_per_ship: dict[str, CraneRange] = Field(
        {}, description="pool mode: min and max QCs per ship, by ship class "
        "(default: min 1, max the class's cranes_per_ship)",
    )
    quay_crane_width_m: PositiveFloat = Field(
        27.0, description="pool mode: rail length one QC takes (between bumpers); "
        "adjacent working QCs stand at least this far apart",
    )

    def cranes_for(self, class_id: str) -> int:
        return self.cranes_per_ship.get(class_id, self.default_cranes_per_ship)

    def crane_range(self, class_id: str) -> tuple[int, int]:
        """(min, max) QCs per ship of a class in pool mode."""
        given = self.quay_cranes_per_ship.get(class_id)
        if given is None:
            return 1, self.cranes_for(class_id)
        return given.min, given.max

    def threshold(self, cargo: str) -> Thresholds:
        return self.thresholds.get(cargo, DEFAULT_THRESHOLDS.get(cargo, Thresholds()))  # type: ignore[arg-type]


DEFAULT_THRESHOLDS: dict[str, Thresholds] = {
    # JTS 165 container-berth utilisation 0.50–0.70; waiting factor 0.10 for liner berths
    # and 0.30 for bulk (PIANC/UNCTAD planning practice; assumption until checked).
    "container": Thresholds(
        occupancy_band=(0.5, 0.7), waiting_factor=0.1,
        source="band: JTS 165 / 陈飞 2024 (50-70 %); waiting factor 0.10: assumption",
    ),
    "dry_bulk": Thresholds(occupancy_band=(0.5, 0.75), waiting_factor=0.3),
    "liquid_bulk": Thresholds(occupancy_band=(0.4, 0.6), waiting_factor=0.3),
    "general": Thresholds(occupancy_band=(0.5, 0.7), waiting_factor=0.3),
    "lng": Thresholds(occupancy_band=(0.3, 0.5), waiting_factor=0.2),
    "ro_ro": Thresholds(occupancy_band=(0.5, 0.7), waiting_factor=0.2),
}


class RunSettings(Record):
    """How long and how often to simulate."""

    horizon_days: PositiveFloat = Field(365.0, le=MAX_DAYS)
    """Measured simulation length (days), after the warm-up."""
    warmup_days: NonNegativeFloat = Field(30.0, le=MAX_DAYS)
    """Warm-up (days) simulated before measuring, not counted in results."""
    replications: PositiveInt = Field(5, le=100_000)
    """Independent replications (1 to 100,000); CIs are over replications."""
    seed: int = Field(2025, ge=0, le=2**63 - 1)
    """Seed of every random stream (0 to 2^63-1); same seed, same numbers."""


class BerthChanges(Record):
    """Overrides of the port file: remove, change, add berths (applied in that order);
    ``channel``: changes to channel segments, routes, tide, pilots, tugs and weather."""

    remove: list[str] = []
    """Ids of port-file berths taken out of service."""
    change: dict[str, dict[str, Any]] = {}
    """Berth id → fields to change (any berth field)."""
    add: list[dict[str, Any]] = []
    """New berths (full berth records, with source)."""
    new_quay_lines: list[str] = Field(
        [], description="quay lines that added berths create (every other quay line an "
        "added or changed berth names must exist in the port file)")
    channel: ChannelChanges = ChannelChanges()
    """Changes to channel segments, routes, tide, pilots, tugs and weather."""


class ScenarioSpec(Record):
    """A scenario as written in YAML (before the port file is resolved)."""

    name: str
    """Scenario name, used in output and folder names."""
    description: str | None = None
    """One line on what the scenario is."""
    description_zh: str | None = None
    """The same line in Chinese (the report and terminal show the description in their
    language, falling back to the other when only one is given)."""
    language: Literal["en", "zh"] | None = None
    """Default language of this scenario's terminal output and report (``en`` or ``zh``):
    ``--lang`` wins over it, it wins over the environment variable ``PORTSIM_LANG``;
    none of them: English."""
    port: str = Field(description="port file, relative to the scenario file")
    year: int | None = Field(None, description="keep the berths in service this year")
    overrides: BerthChanges = BerthChanges()
    """Changes to the port file: remove, change, add berths; channel changes."""
    demand: list[Flow] = Field(min_length=1)
    """Demand flows (at least one)."""
    demand_scale: PositiveFloat = Field(1.0, le=MAX_DEMAND_SCALE)
    """Factor on every flow's annual volume (> 0, at most the demand bound)."""
    demand_scale_by_cargo: dict[CargoType, Annotated[float, Field(gt=0.0,
                                                                  le=MAX_DEMAND_SCALE)]] = Field(
        {}, description="extra demand factor per cargo family, on top of demand_scale")
    rules: Rules = Rules()
    """Operating rules and mechanism switches."""
    run: RunSettings = RunSettings()
    """Run length, warm-up, replications and seed."""
    landside: Landside = Landside()
    """Yard, dwell, modal split, sea-rail and gate knobs (used when the port file has
    yards)."""
    seasons: Seasons = Seasons()
    """Monthly and weekly demand pattern (flat by default)."""
    canal: Canal | None = Field(None, description="the Pinglu Canal (portsim.config.canal)")


class Scenario(Record):
    """A fully resolved scenario: the port after overrides, demand, rules, run settings."""

    name: str
    """Scenario name."""
    description: str | None = None
    """One line on what the scenario is."""
    description_zh: str | None = None
    """The same line in Chinese."""
    language: Literal["en", "zh"] | None = None
    """Default language of its output (``--lang`` > this > ``PORTSIM_LANG`` > English)."""
    file: str | None = None
    """The scenario file it was read from."""
    port_file: str | None = None
    """The port file, resolved to an absolute path."""
    year: int | None = None
    """Year whose berths are in service."""
    port: Port
    """The port after the scenario's overrides."""
    demand: list[Flow]
    """Demand flows."""
    demand_scale: float = 1.0
    """Factor on every flow's annual volume."""
    demand_scale_by_cargo: dict[CargoType, float] = {}
    """Extra demand factor per cargo family, on top of demand_scale."""
    rules: Rules
    """Operating rules."""
    run: RunSettings
    """Run settings."""
    landside: Landside = Landside()
    """Landside knobs."""
    seasons: Seasons = Seasons()
    """Seasonal demand pattern."""
    canal: Canal | None = None
    """The Pinglu Canal, resolved (None: no canal)."""

    def volume_scale(self, flow: Flow) -> float:
        """Factor on a flow's annual volume: ``demand_scale`` × its cargo family's factor."""
        return self.demand_scale * self.demand_scale_by_cargo.get(flow.cargo, 1.0)

    def with_run(self, **changes: Any) -> Scenario:
        """A copy with some run settings changed (e.g. seed, replications)."""
        return self.model_copy(update={"run": self.run.model_copy(update=changes)})
