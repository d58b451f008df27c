"""Marine data of the port: tide, pilots, tugs, weather — and scenario changes to the channel.

Model description only — the simulation is in :mod:`portsim.model.channel`.

* **Tide** (``tide:`` in the port file): either harmonic constituents (K1, O1, P1, Q1,
  M2, S2 … with amplitude in metres and phase lag in degrees, around ``mean_level_m``
  above chart datum) or a water-level series read from a CSV file (``series:``, path
  relative to the port file; columns ``time_h`` — hours from the start of the run — or
  ``time`` — ISO timestamps, with ``start:`` the timestamp of the run's hour 0 — and
  ``level_m`` or ``level_cm``). Levels are heights above chart datum, the datum of the
  channel depths. ``h(t) = mean_level_m + Σ A·cos(speed·t − phase)``, t in hours.
* **Pilots** (``pilots:``): a pool of ``count`` pilots; every ship of ``min_dwt`` or
  more takes one for each transit. A pilot is busy from boarding (``boarding_h``,
  before the ship enters the channel) to the end of the transit — inbound until the
  ship is alongside (``Rules.berthing_h``) — plus ``return_h`` back to the station.
* **Tugs** (``tugs:``): a pool of ``count`` tugs; a ship needs the number of its DWT
  band (``needed``) or of its class (``per_class``), for ``assist_h`` hours at the
  berth end of each transit (berthing, unberthing and turning).
* **Weather** (``weather:``): random closures — each event kind (typhoon, fog …)
  occurs ``per_year`` times a year on average (Poisson), starts on a random day of
  its ``months`` (at a random hour of ``start_hour`` when given) and lasts a uniform
  ``duration_h`` — plus fixed ``closures`` (for what-ifs and tests). ``closes``
  says what an event stops: the channel (no ship enters when the closure would
  overlap its transit) and, optionally, cargo handling at the berths.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

from portsim.config.base import Record, SourcedRecord

CONSTITUENT_SPEEDS: dict[str, float] = {
    # degrees per hour (Doodson / IHO standard speeds)
    "Q1": 13.3986609, "O1": 13.9430356, "P1": 14.9589314, "K1": 15.0410686,
    "N2": 28.4397295, "M2": 28.9841042, "S2": 30.0, "K2": 30.0821373,
    "M4": 57.9682084, "MS4": 58.9841042, "M6": 86.9523127, "SA": 0.0410686, "SSA": 0.0821373,
}
"""Angular speeds of the common tidal constituents (deg/h)."""


class Constituent(SourcedRecord):
    """One harmonic constituent: amplitude (m) and phase lag (deg) at the run's hour 0."""

    name: str
    """Constituent name (M2, S2, K1, O1, …); its standard speed is used unless speed_deg_h
    is given."""
    amplitude_m: NonNegativeFloat
    """Amplitude (m)."""
    phase_deg: float = 0.0
    """Phase lag at the run's hour 0 (degrees)."""
    speed_deg_h: PositiveFloat | None = Field(
        None, description="angular speed; default: the standard speed of the named constituent"
    )
    source: str = "assumption"
    """Where the amplitude and phase come from."""

    @model_validator(mode="after")
    def _known_speed(self) -> Constituent:
        if self.speed_deg_h is None and self.name.upper() not in CONSTITUENT_SPEEDS:
            raise ValueError(
                f"unknown constituent '{self.name}'; give speed_deg_h or use one of "
                f"{', '.join(CONSTITUENT_SPEEDS)}"
            )
        return self

    @property
    def speed(self) -> float:
        return self.speed_deg_h or CONSTITUENT_SPEEDS[self.name.upper()]


class Tide(SourcedRecord):
    """Water level above chart datum: harmonic constituents or a CSV series."""

    mean_level_m: float | None = Field(None, description="mean sea level above chart datum")
    constituents: list[Constituent] = []
    """Harmonic constituents (or give series)."""
    series: str | None = Field(None, description="CSV water-level file, relative to the port file")
    units: Literal["m", "cm"] | None = Field(
        None, description="units of the CSV levels (default: from the column name)"
    )
    start: str | None = Field(None, description="ISO timestamp of the run's hour 0 (CSV 'time')")
    max_gap_h: PositiveFloat = Field(1.0, description="largest allowed step between CSV rows")
    note: str | None = None
    """Free text for the reader; not used by the model."""

    @model_validator(mode="after")
    def _one_kind(self) -> Tide:
        if self.series is None and not self.constituents:
            raise ValueError("a tide needs 'constituents' (harmonic) or 'series' (CSV file)")
        if self.series is not None and self.constituents:
            raise ValueError("give either 'constituents' or 'series', not both")
        if self.constituents and self.mean_level_m is None:
            raise ValueError("a harmonic tide needs mean_level_m (mean sea level above chart "
                             "datum)")
        return self


class Pilots(SourcedRecord):
    """The pilot pool."""

    count: PositiveInt
    """Pilots on duty (count)."""
    boarding_h: NonNegativeFloat = Field(0.5, description="pilot boarding before the transit")
    return_h: NonNegativeFloat = Field(0.0, description="pilot's way back to the station")
    min_dwt: NonNegativeFloat = Field(0.0, description="ships of this DWT or more take a pilot")
    note: str | None = None
    """Free text for the reader; not used by the model."""


class TugBand(Record):
    """Tugs needed by ships up to ``max_dwt`` (the first band that fits applies)."""

    max_dwt: PositiveFloat
    """Upper DWT bound of the band (t)."""
    tugs: NonNegativeInt
    """Tugs a ship in this band needs per berthing or unberthing (count)."""


class Tugs(SourcedRecord):
    """The tug pool."""

    count: PositiveInt
    """Tugs in the pool (count)."""
    assist_h: PositiveFloat = Field(1.0, description="hours a tug works one berthing/unberthing")
    needed: list[TugBand] = Field(min_length=1, description="tugs by DWT band, ascending")
    per_class: dict[str, NonNegativeInt] = Field({}, description="tugs by ship class (wins)")
    note: str | None = None
    """Free text for the reader; not used by the model."""

    @model_validator(mode="after")
    def _ascending(self) -> Tugs:
        dwts = [b.max_dwt for b in self.needed]
        if dwts != sorted(dwts):
            raise ValueError("tug bands 'needed' must be in ascending max_dwt")
        return self

    def for_ship(self, class_id: str, dwt: float) -> int:
        if class_id in self.per_class:
            return self.per_class[class_id]
        for band in self.needed:
            if dwt <= band.max_dwt:
                return band.tugs
        return self.needed[-1].tugs


Closes = Literal["channel", "berths"]


class WeatherEvent(SourcedRecord):
    """A kind of closure drawn at random (Poisson count per year)."""

    kind: str
    """Kind of closure (fog, typhoon, wind …), used in wait causes."""
    per_year: NonNegativeFloat
    """Mean number of events a year (Poisson)."""
    duration_h: tuple[PositiveFloat, PositiveFloat] = Field(description="uniform low, high")
    months: list[int] = Field(list(range(1, 13)), min_length=1)
    """Months (1-12) in which the event can start."""
    start_hour: tuple[float, float] | None = Field(
        None, description="onset hour of day (uniform low, high), e.g. early-morning fog"
    )
    closes: list[Closes] = ["channel"]
    """What the event closes: the channel, the berths, or both."""
    note: str | None = None
    """Free text for the reader; not used by the model."""

    @model_validator(mode="after")
    def _ranges(self) -> WeatherEvent:
        if self.duration_h[0] > self.duration_h[1]:
            raise ValueError("duration_h needs low <= high")
        if any(not 1 <= m <= 12 for m in self.months):
            raise ValueError("months are 1-12")
        if self.start_hour is not None and not (
            0 <= self.start_hour[0] <= self.start_hour[1] <= 24
        ):
            raise ValueError("start_hour needs 0 <= low <= high <= 24")
        return self


class FixedClosure(Record):
    """A closure at a given time (hours from the start of the run)."""

    start_h: NonNegativeFloat
    """Start (hours from the run's hour 0)."""
    end_h: PositiveFloat
    """End (hours from the run's hour 0; after start_h)."""
    kind: str = "closure"
    """Kind of closure, used in wait causes."""
    closes: list[Closes] = ["channel"]
    """What the closure closes: the channel, the berths, or both."""

    @model_validator(mode="after")
    def _order(self) -> FixedClosure:
        if self.end_h <= self.start_h:
            raise ValueError("end_h must be after start_h")
        return self


class Weather(Record):
    """Weather closures: random events and fixed closures."""

    start_month: int = Field(1, ge=1, le=12, description="calendar month at the run's hour 0")
    events: list[WeatherEvent] = []
    """Random closures."""
    closures: list[FixedClosure] = []
    """Closures at given times."""
    note: str | None = None
    """Free text for the reader; not used by the model."""


# ----------------------------------------------------------------- scenario changes


class RecordChanges(Record):
    """Remove, change (merge fields), add records by id — applied in that order."""

    remove: list[str] = []
    """Ids of records to remove."""
    change: dict[str, dict[str, Any]] = {}
    """Record id → fields to change."""
    add: list[dict[str, Any]] = []
    """New records."""


class RouteChanges(Record):
    """Remove routes (by id) and add routes."""

    remove: list[str] = []
    """Ids of routes to remove."""
    add: list[dict[str, Any]] = []
    """New routes."""


class ChannelChanges(Record):
    """A scenario's changes to the channel and marine data of the port file.

    ``tide``, ``pilots``, ``tugs`` and ``weather`` are merged key by key into the
    port file's block (``null`` removes the block)."""

    segments: RecordChanges = RecordChanges()
    """Remove, change, add channel segments."""
    routes: RouteChanges = RouteChanges()
    """Remove and add routes."""
    tide: dict[str, Any] | None = None
    """Keys merged into the port file's tide block."""
    pilots: dict[str, Any] | None = None
    """Keys merged into the port file's pilots block."""
    tugs: dict[str, Any] | None = None
    """Keys merged into the port file's tugs block."""
    weather: dict[str, Any] | None = None
    """Keys merged into the port file's weather block."""
    remove: list[Literal["tide", "pilots", "tugs", "weather"]] = Field(
        [], description="marine blocks to drop from the port file"
    )


# ----------------------------------------------------------------- checks and changes

_SOURCE_PREFIXES = ("assumption", "derived", "JTS", "design")


def check_marine(port: Any, file: str) -> list[Any]:
    """Cross-references of the marine data in a port file: sources, tug classes, route
    continuity (when segments give their ``ends``) and a readable tide series."""
    import difflib

    from portsim.errors import InputError, Problem

    problems: list[Problem] = []
    known = set(port.sources)

    def source(src: str, path: str) -> None:
        if src in known or src.startswith(_SOURCE_PREFIXES):
            return
        near = difflib.get_close_matches(src, sorted(known), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        problems.append(Problem(file, path, f"source '{src}' is not a key of 'sources' nor "
                                f"'assumption'/'derived: …'/a design code{hint}"))

    def sourced(rec: Any, path: str) -> None:
        source(rec.source, f"{path}.source")
        for field, src in rec.provenance.items():
            source(src, f"{path}.{field}.source")

    if port.tide is not None:
        sourced(port.tide, "tide")
        for i, c in enumerate(port.tide.constituents):
            sourced(c, f"tide.constituents[{i}]")
        if port.tide.series is not None:
            from portsim.config.files import unreadable_reason
            from portsim.config.tide_series import read_series

            series = Path(str(port.tide.series))
            series = series if series.is_absolute() else Path(file).parent / series
            why = unreadable_reason(series)
            if why is not None:  # a pipe would block the read, a folder is a slip
                problems.append(Problem(file, "tide.series", f"tide file '{series}' {why}"))
            else:
                try:
                    read_series(port.tide, file)
                except InputError as exc:
                    problems += exc.problems
    for name in ("pilots", "tugs"):
        if getattr(port, name) is not None:
            sourced(getattr(port, name), name)
    if port.tugs is not None:
        classes = {s.id for s in port.ship_classes}
        for cid in port.tugs.per_class:
            if cid not in classes:
                near = difflib.get_close_matches(cid, sorted(classes), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                problems.append(Problem(file, f"tugs.per_class.{cid}",
                                        f"unknown ship class '{cid}'{hint}"))
    if port.weather is not None:
        for i, ev in enumerate(port.weather.events):
            sourced(ev, f"weather.events[{i}]")
    problems += check_routes(port, file, "routes", port.routes, report_missing=False)
    return problems


def reversed_segments(port: Any, route: Any) -> list[bool]:
    """For each segment of ``route`` (in its order, from its anchorage): whether the
    route sails it from its landward to its seaward end. Followed from the anchorage
    through the segments' ``ends``; a segment without ends, or one that does not join,
    counts as sailed as written (seaward to landward)."""
    seg = {s.id: s for s in port.channel_segments}
    node = route.anchorage
    out = []
    for sid in route.segments:
        ends = seg[sid].ends if sid in seg else None
        back = ends is not None and ends[1] == node and ends[0] != node
        out.append(back)
        node = None if ends is None else (ends[0] if back else ends[1])
    return out


def channel_graph(port: Any):
    """The channel network as a ``networkx.MultiDiGraph``: waypoints as nodes, segments
    that give their ``ends`` (seaward, landward) as edges keyed by segment id."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for s in port.channel_segments:
        if s.ends is not None:
            g.add_edge(s.ends[0], s.ends[1], key=s.id, length_km=s.length_km)
    return g


def check_routes(port: Any, file: str, name: str, routes: list[Any],
                 report_missing: bool = True) -> list[Any]:
    """Every route's segments exist, route ids are unique and, where segments give their
    ends, each segment starts where the previous one ends (else the shortest connected
    way through the channel network is suggested)."""
    import difflib

    import networkx as nx

    from portsim.errors import Problem

    problems: list[Problem] = []
    seg = {s.id: s for s in port.channel_segments}
    ids: set[str] = set()
    graph = None
    for i, r in enumerate(routes):
        if r.id is not None:
            if r.id in ids:
                problems.append(Problem(file, f"{name}[{i}].id", f"duplicate route id '{r.id}'"))
            ids.add(r.id)
        missing = False
        for j, sid in enumerate(r.segments):
            if sid not in seg:
                missing = True
                if not report_missing:
                    continue
                near = difflib.get_close_matches(sid, sorted(seg), n=1)
                hint = f"did you mean '{near[0]}'?" if near else f"known: {', '.join(sorted(seg))}"
                problems.append(Problem(file, f"{name}[{i}].segments[{j}]",
                                        f"route through a missing channel segment '{sid}'; "
                                        f"{hint}"))
        if missing:
            continue
        ends = [seg[sid].ends for sid in r.segments]
        if any(e is None for e in ends):
            continue
        # a route may sail a segment against its (seaward, landward) ends: a canal route
        # from the canal mouth reaches the sea through the inner channels the other way
        reverse = reversed_segments(port, r)
        ends = [(e[1], e[0]) if back else e for e, back in zip(ends, reverse, strict=True)]
        for j in range(1, len(ends)):
            if ends[j - 1][1] != ends[j][0]:  # type: ignore[index]
                graph = graph if graph is not None else channel_graph(port)
                try:
                    nodes = nx.shortest_path(graph, ends[0][0], ends[-1][1],  # type: ignore[index]
                                             weight="length_km")
                    way = [min(graph[a][b], key=lambda k, a=a, b=b: graph[a][b][k]["length_km"])
                           for a, b in pairwise(nodes)]
                    hint = f"; a connected way is {way}"
                except (nx.NetworkXNoPath, nx.NodeNotFound):
                    hint = ""
                problems.append(Problem(
                    file, f"{name}[{i}].segments[{j}]",
                    f"segment '{r.segments[j]}' starts at '{ends[j][0]}' but "  # type: ignore[index]
                    f"'{r.segments[j - 1]}' ends at '{ends[j - 1][1]}'{hint}"))  # type: ignore[index]
                break
    return problems


def apply_channel_changes(port: Any, changes: ChannelChanges, file: str) -> Any:
    """The port after a scenario's ``overrides.channel``; problems point at the scenario."""
    from portsim.config.load import apply_keyed, validate
    from portsim.config.port import ChannelSegment, Route
    from portsim.errors import InputError, Problem, unknown

    if changes == ChannelChanges():
        return port
    at = "overrides.channel"
    sc = changes.segments
    segments, problems = apply_keyed(port.channel_segments, ChannelSegment, sc.remove,
                                     sc.change, sc.add, file,
                                     ("overrides", "channel", "segments"), "channel segment")
    routes = list(port.routes)
    route_ids = {r.id for r in routes if r.id}
    for i, rid in enumerate(changes.routes.remove):
        if rid not in route_ids:
            problems.append(Problem(file, f"{at}.routes.remove[{i}]",
                                    unknown("route id", rid, route_ids)))
        routes = [r for r in routes if r.id != rid]
    added = []
    for i, raw in enumerate(changes.routes.add):
        try:
            added.append(validate(Route, raw, file, prefix=("overrides", "channel", "routes",
                                                            "add", i)))
        except InputError as exc:
            problems += exc.problems
    update: dict[str, Any] = {}
    for block, model in (("tide", Tide), ("pilots", Pilots), ("tugs", Tugs),
                         ("weather", Weather)):
        change = getattr(changes, block)
        if block in changes.remove:
            update[block] = None
        if change is None:
            continue
        base = getattr(port, block)
        merged = (base.model_dump(exclude_defaults=True) if base is not None else {}) | change
        try:
            update[block] = validate(model, merged, file, prefix=("overrides", "channel", block))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    new = port.model_copy(update={"channel_segments": segments, "routes": routes + added,
                                  **update})
    problems += check_routes(new, file, f"{at}.routes.add", added)
    kept = {s.id for s in segments}
    for i, r in enumerate(routes):
        for j, sid in enumerate(r.segments):
            if sid not in kept:
                problems.append(Problem(file, f"{at}.segments",
                                        f"route {i} of the port file ({r.area}) goes through "
                                        f"segment '{sid}', which the scenario removes "
                                        f"(segments[{j}] of that route)"))
    areas = {a.id for a in port.areas}
    anchorages = {a.id for a in port.anchorages}
    for i, r in enumerate(added):
        if r.area not in areas:
            problems.append(Problem(file, f"{at}.routes.add[{i}].area",
                                    unknown("area", r.area, areas)))
        if r.anchorage not in anchorages:
            problems.append(Problem(file, f"{at}.routes.add[{i}].anchorage",
                                    unknown("anchorage", r.anchorage, anchorages)))
    if problems:
        raise InputError(problems)
    return new
