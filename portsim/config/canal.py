"""The Pinglu Canal (平陆运河) as seen from Qinzhou: its locks, its traffic, the river-sea
ships it brings and the transfer berths (江海联运换装泊位) that take them.

Model description only — the locks are simulated in :mod:`portsim.model.canal`, the
river-sea ships in the port by the port and channel models like any other call.

A scenario's ``canal:`` block says

* **locks** — the lock hubs in sailing order from the canal's upstream entrance towards
  the sea (Madao, Qishi, Qingnian): chamber length × width × sill depth, lock lines,
  hours per lockage, sailing time to the next hub (the last: to the canal mouth), and
  maintenance closures of single lines. Ships per lockage follow from the chamber and
  the ship (:meth:`LockHub.ships_per_lockage`) unless given.
* **classes** — the river-sea ship classes (5,000 t and smaller), added to the port's
  ship classes; their draught must fit the canal (``depth_m`` − ``ukc_m``) and their hull
  every chamber.
* **traffic** — annual tonnage by cargo and direction (``down``: from the canal to the
  sea, unloaded at Qinzhou; ``up``: loaded at Qinzhou into the canal), each on one
  river-sea class with its payload per call. A call unloads its downbound payload and
  loads its upbound one; calls a year = the larger direction's tonnage / payload.
* **transfer** — where the river-sea ships work (a scenario switch):
  ``transfer_berths`` (the plan's dedicated river-sea transfer berths, ``transfer_berths:``
  as data: count, length, depth, equipment, rates) or ``existing_berths`` (the terminals
  of the cargo where the ship fits, as the 2035 vision's Longmen berths).
* **sea leg** (switch ``sea_leg``: ``added`` or ``none``) — the transferred tonnage
  continues by sea: ``sea_flow`` names the sea-going flow whose annual volume grows by
  the canal tonnage × ``sea_share`` (both directions; containers at ``t_per_teu``; the
  rest of the tonnage is Qinzhou's own industry or goes by land), so tonnage is
  conserved canal → transfer berth → sea ship.
* **transfer flow** (switch ``transfer_flow``: ``volume_only`` or ``through_yard``) —
  ``volume_only``: the sea leg is volume only, nothing ties a barge's cargo to a
  sea-going call; ``through_yard``: container barges' boxes pass through the yard their
  transfer berths are mapped to (``transfer_berths[].yard``) and leave on the
  ``sea_flow``'s calls there, and back (:mod:`portsim.model.yard.canal_transfer`); bulk
  barges' tonnes pass through the stockpile their berths are mapped to
  (``transfer_berths[].stockpile``, ``stockpiles``: :mod:`portsim.model.stockpile`);
  ``transfer_berths[].ship_to_ship_share`` of it is worked ship-to-ship (过驳),
  bypassing the yard or stockpile. General cargo stays volume only.
* **channel** — the canal mouth (an anchorage the river-sea ships arrive at), the canal's
  approach channel into the port (平陆运河进港航道) and the routes from the mouth to each
  area, through segments shared with sea-going ships under each segment's traffic rule.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from portsim.config.base import Record, SourcedRecord
from portsim.config.landside import DwellSpec
from portsim.config.port import Anchorage, ChannelSegment, Route, ShipClass

Direction = Literal["down", "up"]


class LockClosure(Record):
    """One lock line out of service (maintenance), in days from the run's start."""

    line: int = Field(ge=0, description="lock line index (0 or 1 for a two-line hub)")
    start_day: NonNegativeFloat
    """Day of the run the closure starts (0 = start of the run)."""
    days: PositiveFloat
    """Length of the closure (days)."""
    note: str | None = None
    """Free text: what the closure is and where it comes from."""


class LockHub(SourcedRecord):
    """A lock hub (船闸枢纽): ``lines`` parallel lock lines with identical chambers.

    Lockage rule (``lockage_rule``): ``alternating`` — each line levels up and down in
    turn, one lockage every ``lockage_h`` (entry, closing, filling or emptying, opening,
    exit), so a line offers a downbound lockage every 2 × ``lockage_h`` whatever the
    traffic; the lines are staggered evenly. A downbound lockage takes the first
    ``ships_per_lockage`` ships waiting at its start (first come, first served), which
    leave the chamber ``lockage_h`` later. So a hub passes at most
    ``lines × k / (2 T)`` ships an hour in each direction (k / T with two lines).
    Basis: ship locks work one direction per levelling; alternating service is the
    normal pattern of a busy two-way lock (Three Gorges, Xijiang locks).

    ``fill_or_wait``: a downbound lockage leaves when the chamber is full or when its
    first ship has waited ``max_wait_h``, whichever comes first, on a line that has
    levelled back up (2 × ``lockage_h`` after its last downbound lockage started). Same
    ceiling of ``lines × k / (2 T)`` ships an hour; at light traffic fuller lockages
    (less water, fewer cycles) for a wait of up to ``max_wait_h``. Basis: busy locks
    gather ships into full chambers by a lockage plan rather than locking single ships
    on a fixed clock (Three Gorges and Xijiang lockage scheduling); how long the
    Pinglu locks will hold a part-filled chamber is not published (assumption).
    Simulated in :mod:`portsim.canal_locks`.
    """

    id: str
    """Lock hub id (e.g. MADAO)."""
    name: str
    """Name of the lock hub (English and Chinese)."""
    chamber_length_m: PositiveFloat
    """Usable chamber length (m)."""
    chamber_width_m: PositiveFloat
    """Usable chamber width (m)."""
    sill_depth_m: PositiveFloat
    """Depth over the sill (m); a ship's draught plus UKC must fit."""
    lines: PositiveInt = 2
    """Lock lines (chambers side by side) of the hub."""
    lockage_h: PositiveFloat = Field(description="one lockage, entry to exit (T)")
    ships_per_lockage: PositiveInt | None = Field(
        None, description="k; default: from the chamber and the ship (rows × abreast)")
    length_gap_m: NonNegativeFloat = Field(
        10.0, description="clearance per ship along the chamber (mooring, gates)")
    beam_gap_m: NonNegativeFloat = Field(1.0, description="clearance per ship across")
    sail_to_next_h: NonNegativeFloat = Field(
        description="sailing time to the next hub downstream (the last: to the canal mouth)")
    lockage_rule: Literal["alternating", "fill_or_wait"] = "alternating"
    """When a downbound lockage leaves: `alternating` (each line on a fixed down-and-up
    clock) or `fill_or_wait` (when the chamber is full or after `max_wait_h`)."""
    max_wait_h: NonNegativeFloat = Field(
        1.0, description="fill_or_wait: longest a downbound lockage holds its first ship "
        "for the chamber to fill (h; assumption: about one lockage time, so a part-filled "
        "lockage costs a ship at most what waiting for the next cycle would; Pinglu "
        "lockage plans not published)")
    closures: list[LockClosure] = []
    """Maintenance closures of single lines."""
    note: str | None = None
    """Free text on the hub and its sources."""

    def ships_per_lockage_for(self, ship: ShipClass) -> int:
        """k for one class: ships end to end × ships abreast that fit the chamber (0 when
        the ship does not fit at all); ``ships_per_lockage`` when given."""
        if ship.loa_m > self.chamber_length_m or ship.beam_m > self.chamber_width_m:
            return 0
        if self.ships_per_lockage is not None:
            return self.ships_per_lockage
        rows = math.floor(self.chamber_length_m / (ship.loa_m + self.length_gap_m))
        abreast = math.floor(self.chamber_width_m / (ship.beam_m + self.beam_gap_m))
        return max(1, rows) * max(1, abreast)


class CanalTraffic(SourcedRecord):
    """Annual tonnage of one cargo in one direction, on one river-sea class."""

    id: str
    """Traffic id."""
    cargo: Literal["container", "dry_bulk", "general"]
    """Cargo family of the traffic."""
    direction: Direction
    """`down` (to the sea, towards Qinzhou) or `up` (inland)."""
    annual_t: NonNegativeFloat = Field(description="tonnes a year through Qinzhou")
    ship_class: str
    """River-sea ship class (id in `canal.classes`) that carries it."""
    payload_t: PositiveFloat = Field(description="tonnes per loaded call")
    t_per_teu: PositiveFloat | None = Field(
        None, description="containers: tonnes per TEU (payload and sea leg in TEU)")
    sea_flow: str | None = Field(
        None, description="the sea-going flow of the scenario that carries it on by sea")
    sea_share: float = Field(
        1.0, ge=0.0, le=1.0, description="share of the tonnage that continues by sea (the "
        "rest is Qinzhou's own industry or goes by land)")
    note: str | None = None
    """Free text on the figure and its source."""

    @model_validator(mode="after")
    def _teu(self) -> CanalTraffic:
        if self.cargo == "container" and self.t_per_teu is None:
            raise ValueError("container traffic needs t_per_teu (tonnes per TEU)")
        return self


class TransferBerths(SourcedRecord):
    """A group of identical river-sea transfer berths (江海联运换装泊位) of one cargo."""

    terminal: str = Field(description="id of the transfer terminal (created)")
    name: str
    """Name of the transfer terminal."""
    area: str = Field(description="operation area of the terminal (a route from the canal "
                      "mouth must reach it)")
    cargo: Literal["container", "dry_bulk", "general"]
    """Cargo family the transfer berths handle."""
    count: PositiveInt
    """Number of transfer berths (江海联运换装泊位)."""
    quay_length_m: PositiveFloat
    """Quay length per berth (m)."""
    depth_m: PositiveFloat
    """Depth alongside (m)."""
    max_dwt: PositiveFloat
    """Largest ship (t DWT) a berth takes."""
    cranes: int = Field(0, ge=0, description="quay cranes per berth (containers)")
    crane_rate: PositiveFloat | None = None
    """Boxes an hour per crane (containers)."""
    loading_rate_t_h: PositiveFloat | None = None
    """Handling rate per berth (t/h, bulk and general cargo)."""
    design_capacity_teu: NonNegativeFloat = 0.0
    """Declared design capacity of the berths (TEU/yr), for the preview."""
    design_capacity_t: NonNegativeFloat = 0.0
    """Declared design capacity of the berths (t/yr), for the preview."""
    yard: str | None = Field(
        None, description="containers, transfer_flow through_yard: the yard (port file id) "
        "the berths' boxes go through — the yard of the terminal the berths belong to")
    stockpile: str | None = Field(
        None, description="bulk, transfer_flow through_yard: the stockpile (canal.stockpiles "
        "id) the berths' tonnes go through")
    ship_to_ship_share: float = Field(
        0.0, ge=0.0, le=1.0, description="share of the transferred cargo worked ship-to-ship "
        "(过驳) alongside a sea-going ship, bypassing the yard or stockpile (0: the berths do "
        "not allow it)")
    note: str | None = None
    """Free text on the berths and their sources."""


class Stockpile(SourcedRecord):
    """The stockpile (堆场) of one bulk terminal, through which canal bulk is transferred.

    Tonnes only (no blocking of ships): bulk barges discharge the tonnes that continue by
    sea into it and load their upbound tonnes from it; the sea-going calls of the
    traffic's ``sea_flow`` at ``terminal`` load / discharge them
    (:mod:`portsim.model.stockpile`)."""

    id: str
    """Stockpile id."""
    terminal: str = Field(description="the bulk terminal (port file id) whose stockpile it is")
    capacity_t: PositiveFloat = Field(description="tonnes the stockpile can hold (working "
                                      "capacity)")
    note: str | None = None
    """Free text on the stockpile and its sources."""


class CanalChannel(Record):
    """The canal mouth and the river-sea ships' way into the port."""

    mouth: Anchorage
    """Where river-sea ships enter the port: the canal mouth, as an anchorage."""
    segments: list[ChannelSegment] = []
    """Channel segments of the canal's approach into the port (shared ones are named in
    the routes)."""
    routes: list[Route] = Field(min_length=1)
    """Routes from the canal mouth to the operation areas."""


class Canal(SourcedRecord):
    """The Pinglu Canal block of a scenario (see the module docstring)."""

    name: str = "Pinglu Canal (平陆运河)"
    """Name of the canal."""
    depth_m: PositiveFloat = Field(description="canal channel depth")
    ukc_m: NonNegativeFloat = Field(0.5, description="under-keel clearance in the canal")
    locks: list[LockHub] = Field(min_length=1)
    """The lock hubs, seaward last."""
    classes: list[ShipClass] = Field(min_length=1)
    """River-sea ship classes (5,000 t and smaller)."""
    traffic: list[CanalTraffic] = Field(min_length=1)
    """Annual canal traffic through Qinzhou by cargo and direction."""
    transfer: Literal["transfer_berths", "existing_berths"] = "transfer_berths"
    """Where river-sea ships berth: dedicated `transfer_berths` or the cargo's `existing_berths`."""
    transfer_berths: list[TransferBerths] = []
    """The transfer berths (江海联运换装泊位) by cargo."""
    transfer_flow: Literal["volume_only", "through_yard"] = Field(
        "volume_only", description="volume_only: the transferred cargo only adds to the "
        "sea_flow's volume (no yard, no stockpile); through_yard: container barges' boxes "
        "pass through the yard of their transfer berths' terminal and leave on the "
        "sea_flow's calls there (and back), bulk through the stockpile "
        "(portsim.model.yard.canal_transfer, portsim.model.stockpile)")
    transfer_sea_calls: Literal["any_terminal", "same_terminal"] = Field(
        "any_terminal", description="with through_yard, which sea-going calls of the "
        "sea_flow take (and bring) the canal's boxes: any_terminal — a call at any container "
        "terminal with a yard (boxes trucked between the Dalanping terminals; consistent "
        "with the sea leg, which spreads the canal's TEU over the flow's terminals); "
        "same_terminal — only calls at the terminal whose yard the transfer berths use. "
        "Containers only: bulk always goes by the stockpile's terminal")
    transfer_dwell: DwellSpec = Field(
        DwellSpec(mean_days=2.0, cv=0.5, max_days=10.0,
                  source="assumption: boxes on a through bill of lading (江海联运) wait for "
                  "customs and stowage planning only, as rail-connected boxes (A11 2-3 d); "
                  "the wait for the next suitable call comes on top"),
        description="least time a transferred box (or bulk lot) stays in the yard "
        "(stockpile) before it can leave, both directions")
    stockpiles: list[Stockpile] = []
    """Stockpiles of the bulk terminals canal bulk is transferred through."""
    stockpile_utilisation_band: tuple[float, float] = Field(
        (0.5, 0.7), description="planning band of a stockpile's mean stock / capacity "
        "(assumption: as the berths' 0.5-0.7 band; a bulk yard needs free room for "
        "stacking, reclaiming and blending)")
    traffic_scale: PositiveFloat = Field(
        1.0, description="factor on every traffic tonnage (low / central / high variants)")
    sea_leg: Literal["added", "none"] = Field(
        "added", description="added: the transferred tonnage (× sea_share) joins each "
        "traffic's sea_flow; none: the sea-going flows are left as they are (isolates the "
        "river-sea ships' own effect on channels, pilots and berths)")
    channel: CanalChannel
    """The canal's approach channel into the port."""
    lock_utilisation_limit: float = Field(
        0.7, gt=0.0, le=1.0, description="planning limit on the share of a hub's downbound "
        "lockage capacity used (assumption: the 0.5-0.7 planning band of berths; locks "
        "queue as they fill, the Three Gorges peer passed its design load within years)")
    river_sea_pilotage: Literal["by_size", "exempt"] = Field(
        "by_size", description="by_size: river-sea ships take a pilot like any ship of "
        "pilots.min_dwt or more (the port-wide rule); exempt: they sail without one — "
        "they are Chinese-flagged domestic ships, and China's Maritime Traffic Safety Law "
        "(revised 2021, art. 38) makes pilotage compulsory for foreign ships, nuclear and "
        "radioactive cargo ships, VLCCs, bulk gas and chemical tankers that may endanger "
        "the port, and ships near the channel's limits — none of which a 5,000 t dry-cargo "
        "river-sea ship is (the shipped Pinglu scenarios use exempt; a port's own rules "
        "may still ask more, hence the switch)")
    shared_segment_limit: float = Field(
        0.7, gt=0.0, le=1.0, description="planning limit on the share of time a channel "
        "segment on a canal route is held one-way (by a ship above its two-way limit, or "
        "any ship under one_at_a_time): assumption, the 0.7 top of the berths' planning "
        "band for a segment working as a single server (ships queue as it fills); no "
        "channel standard found")
    note: str | None = None
    """Free text on the canal block and its sources."""


CANAL_FLOW_PREFIX = "canal:"
"""Flows the canal adds to the demand are named ``canal:<cargo>:<ship class>``; the call
plan sends their calls through the locks (:mod:`portsim.model.canal`)."""


def takes_pilot(scenario, ship: ShipClass) -> bool:
    """Whether ships of class ``ship`` take a pilot for each transit: the port has pilots,
    the ship is of ``pilots.min_dwt`` or more, and it is not a river-sea class under
    ``canal.river_sea_pilotage: exempt``."""
    pilots = scenario.port.pilots
    if pilots is None or ship.dwt < pilots.min_dwt:
        return False
    canal = scenario.canal
    return not (canal is not None and canal.river_sea_pilotage == "exempt"
                and any(s.id == ship.id for s in canal.classes))


def is_canal_flow(flow_id: str) -> bool:
    return flow_id.startswith(CANAL_FLOW_PREFIX)


def canal_flow_id(cargo: str, ship_class: str) -> str:
    return f"{CANAL_FLOW_PREFIX}{cargo}:{ship_class}"


def resolve_canal(canal: Canal, port, demand: list, file: str, berth_ukc_m: float = 0.0,
                  channel_ukc_m: float = 0.0):
    """The port and demand with the canal in them, or an :class:`InputError` naming the
    scenario file and the path in its ``canal:`` block.

    Adds the river-sea classes, the canal mouth, the approach channel and its routes, the
    transfer terminals and berths (``transfer: transfer_berths``), one flow per cargo and
    river-sea class (its calls = the larger direction's tonnage / payload; each call
    unloads its downbound and loads its upbound share, so the flow's annual volume is the
    two directions' tonnage, containers in TEU), and the canal tonnage to each traffic's
    ``sea_flow`` (the sea leg)."""
    from portsim.config.marine import check_routes
    from portsim.config.port import Berth, Terminal
    from portsim.config.scenario import Flow
    from portsim.errors import InputError, Problem, unknown

    at = "canal"
    problems: list[Problem] = []
    known = {s.id for s in port.ship_classes}
    for i, ship in enumerate(canal.classes):
        if ship.id in known:
            problems.append(Problem(file, f"{at}.classes[{i}].id",
                                    f"ship class '{ship.id}' is already in the port file"))
        if ship.draught_m + canal.ukc_m > canal.depth_m + 1e-9:
            problems.append(Problem(
                file, f"{at}.classes[{i}].draught_m",
                f"river-sea class '{ship.id}' draws {ship.draught_m:g} m: too deep for the "
                f"canal ({canal.depth_m:g} m deep, {canal.ukc_m:g} m under-keel clearance)"))
        for j, hub in enumerate(canal.locks):
            if hub.ships_per_lockage_for(ship) == 0:
                problems.append(Problem(
                    file, f"{at}.locks[{j}]",
                    f"lock '{hub.id}' chamber {hub.chamber_length_m:g} m × "
                    f"{hub.chamber_width_m:g} m is smaller than river-sea class '{ship.id}' "
                    f"({ship.loa_m:g} m × {ship.beam_m:g} m)"))
            elif ship.draught_m > hub.sill_depth_m:
                problems.append(Problem(
                    file, f"{at}.locks[{j}].sill_depth_m",
                    f"lock '{hub.id}' sill {hub.sill_depth_m:g} m is shallower than the "
                    f"draught of river-sea class '{ship.id}' ({ship.draught_m:g} m)"))
            for k, c in enumerate(hub.closures):
                if c.line >= hub.lines:
                    problems.append(Problem(file, f"{at}.locks[{j}].closures[{k}].line",
                                            f"line {c.line}, but the hub has {hub.lines} "
                                            f"lines (0-{hub.lines - 1})"))
    classes = {s.id: s for s in canal.classes}
    flows = {f.id: f for f in demand}
    for i, f in enumerate(demand):
        if is_canal_flow(f.id):
            problems.append(Problem(file, f"demand[{i}].id", f"flow ids starting "
                                    f"'{CANAL_FLOW_PREFIX}' are the canal's own"))
    # transfer terminals and berths
    terminals, berths = list(port.terminals), list(port.berths)
    transfer_terminals: dict[str, list[TransferBerths]] = {}
    if canal.transfer == "transfer_berths":
        taken = {t.id for t in terminals}
        for i, g in enumerate(canal.transfer_berths):
            if g.area not in {a.id for a in port.areas}:
                problems.append(Problem(file, f"{at}.transfer_berths[{i}].area",
                                        unknown("area", g.area, {a.id for a in port.areas})))
                continue
            if g.terminal in taken:
                problems.append(Problem(file, f"{at}.transfer_berths[{i}].terminal",
                                        f"terminal '{g.terminal}' already exists"))
                continue
            taken.add(g.terminal)
            terminals.append(Terminal(id=g.terminal, name=g.name, area=g.area,
                                      source=g.source))
            transfer_terminals.setdefault(g.cargo, []).append(g)
            for n in range(1, g.count + 1):
                try:
                    berths.append(Berth(
                        id=f"{g.terminal}-{n:02d}", terminal=g.terminal, number=f"{n}",
                        cargo=[g.cargo], quay_length_m=g.quay_length_m, depth_m=g.depth_m,
                        max_dwt=g.max_dwt, cranes=g.cranes, crane_rate=g.crane_rate,
                        loading_rate_t_h=g.loading_rate_t_h,
                        design_capacity_teu=g.design_capacity_teu,
                        design_capacity_t=g.design_capacity_t, source=g.source,
                        provenance=g.provenance))
                except ValueError as exc:
                    problems.append(Problem(file, f"{at}.transfer_berths[{i}]", str(exc)))
                    break
    # traffic → flows (one per cargo and class) and the sea leg
    scale = canal.traffic_scale
    groups: dict[tuple[str, str], dict[str, float]] = {}
    first: dict[tuple[str, str], CanalTraffic] = {}
    sea_add: dict[str, float] = {}
    for i, tr in enumerate(canal.traffic):
        ship = classes.get(tr.ship_class)
        if ship is None:
            problems.append(Problem(file, f"{at}.traffic[{i}].ship_class",
                                    unknown("river-sea class", tr.ship_class, set(classes))))
            continue
        if ship.cargo != tr.cargo:
            problems.append(Problem(file, f"{at}.traffic[{i}].ship_class",
                                    f"class '{ship.id}' carries {ship.cargo}, not {tr.cargo}"))
            continue
        if tr.annual_t > 0 and not _fits_somewhere(canal, tr, ship, berths, transfer_terminals,
                                                    berth_ukc_m):
            where = ("no transfer berth" if canal.transfer == "transfer_berths"
                     else "no berth")
            problems.append(Problem(
                file, f"{at}.traffic[{i}]",
                f"{tr.annual_t * scale:,.0f} t/yr of {tr.cargo} on '{ship.id}' but {where} "
                f"of that cargo can take the ship ({ship.dwt:g} t, draught "
                f"{ship.draught_m:g} m)"))
            continue
        key = (tr.cargo, tr.ship_class)
        g = groups.setdefault(key, {"down": 0.0, "up": 0.0})
        g[tr.direction] += tr.annual_t * scale
        first.setdefault(key, tr)
        if canal.transfer_flow == "through_yard" and tr.annual_t > 0 and tr.sea_flow is None \
                and tr.cargo != "general":
            problems.append(Problem(file, f"{at}.traffic[{i}].sea_flow",
                                    "transfer_flow through_yard needs the sea-going flow "
                                    "that carries the transferred cargo on (sea_flow)"))
        if tr.sea_flow is not None and (canal.sea_leg == "added"
                                        or canal.transfer_flow == "through_yard"):
            sea = flows.get(tr.sea_flow)
            if sea is None:
                problems.append(Problem(file, f"{at}.traffic[{i}].sea_flow",
                                        unknown("flow", tr.sea_flow, set(flows))))
            elif sea.cargo != tr.cargo:
                problems.append(Problem(file, f"{at}.traffic[{i}].sea_flow",
                                        f"flow '{sea.id}' carries {sea.cargo}, not {tr.cargo}"))
            elif canal.sea_leg == "added":
                sea_add[sea.id] = sea_add.get(sea.id, 0.0) + tr.annual_t * scale * (
                    tr.sea_share / (tr.t_per_teu or 1.0))
    if canal.transfer_flow == "through_yard":
        problems += _check_transfer_flow(canal, port, file)
    # the canal's channel
    anchorages = list(port.anchorages)
    if canal.channel.mouth.id in {a.id for a in anchorages}:
        problems.append(Problem(file, f"{at}.channel.mouth.id",
                                f"anchorage '{canal.channel.mouth.id}' already exists"))
    segments = list(port.channel_segments)
    seg_ids = {s.id for s in segments}
    for i, s in enumerate(canal.channel.segments):
        if s.id in seg_ids:
            problems.append(Problem(file, f"{at}.channel.segments[{i}].id",
                                    f"channel segment '{s.id}' already exists"))
        seg_ids.add(s.id)
    areas = {a.id for a in port.areas}
    for i, r in enumerate(canal.channel.routes):
        if r.anchorage != canal.channel.mouth.id:
            problems.append(Problem(file, f"{at}.channel.routes[{i}].anchorage",
                                    f"a canal route starts at the canal mouth "
                                    f"'{canal.channel.mouth.id}'"))
        if r.area not in areas:
            problems.append(Problem(file, f"{at}.channel.routes[{i}].area",
                                    unknown("area", r.area, areas)))
    if problems:
        raise InputError(problems)
    new_port = port.model_copy(update={
        "ship_classes": [*port.ship_classes, *canal.classes],
        "terminals": terminals, "berths": berths,
        "anchorages": [*anchorages, canal.channel.mouth],
        "channel_segments": [*segments, *canal.channel.segments],
        "routes": [*port.routes, *canal.channel.routes]})
    problems += check_routes(new_port, file, f"{at}.channel.routes", canal.channel.routes)
    if new_port.tide is None:  # with a tide, the scenario's passage check finds the windows
        problems += _too_deep(canal, new_port, file, channel_ukc_m)
    new_demand = [f.model_copy(update={"annual_volume": f.annual_volume + sea_add[f.id]})
                  if f.id in sea_add else f for f in demand]
    for (cargo, cid), g in groups.items():
        tr = first[(cargo, cid)]
        total_t = g["down"] + g["up"]
        if total_t <= 0:
            continue
        calls = max(g["down"], g["up"]) / tr.payload_t
        unit = tr.t_per_teu or 1.0
        terms = ([t.terminal for t in transfer_terminals.get(cargo, [])]
                 if canal.transfer == "transfer_berths" else None)
        new_demand.append(Flow(
            id=canal_flow_id(cargo, cid), cargo=cargo, annual_volume=total_t / unit,
            source=tr.source, terminals=terms,
            classes=[{"ship_class": cid, "share": 1.0,
                      "per_call": {"dist": "fixed", "mean": total_t / unit / calls}}],
            arrivals={"liner_share": 0.0, "erlang_k": 1}))
    if problems:
        raise InputError(problems)
    return new_port, new_demand


def _check_transfer_flow(canal: Canal, port, file: str) -> list:
    """With ``transfer_flow: through_yard``: every container transfer berth group names a
    yard of the port file, every bulk group a stockpile of the canal block, and every
    stockpile a terminal of the port file."""
    from portsim.errors import Problem, unknown

    problems = []
    yards = {y.id for y in port.yards}
    piles = {p.id for p in canal.stockpiles}
    terminals = {t.id for t in port.terminals}
    for j, p in enumerate(canal.stockpiles):
        if p.terminal not in terminals:
            problems.append(Problem(file, f"canal.stockpiles[{j}].terminal",
                                    unknown("terminal", p.terminal, terminals)))
    if canal.transfer != "transfer_berths":
        return problems
    # cargo: (the field naming where it goes through, the ids there are, what it is)
    where = {"container": ("yard", yards, "yard", "the yard of the terminal they belong to"),
             "dry_bulk": ("stockpile", piles, "stockpile", "a stockpile of canal.stockpiles")}
    for i, g in enumerate(canal.transfer_berths):
        if g.cargo not in where:
            continue  # general cargo stays volume only
        key, known, what, hint = where[g.cargo]
        value = getattr(g, key)
        if value is None:
            problems.append(Problem(
                file, f"canal.transfer_berths[{i}].{key}",
                f"transfer_flow through_yard: the {g.cargo} transfer berths '{g.terminal}' "
                f"are mapped to no {what} (give {hint})"))
        elif value not in known:
            problems.append(Problem(file, f"canal.transfer_berths[{i}].{key}",
                                    unknown(what, value, known)))
    return problems


def _too_deep(canal: Canal, port, file: str, channel_ukc_m: float) -> list:
    """Without a tide, a river-sea class must fit every segment of the canal routes it
    may take at chart datum (draught + the segment's UKC <= its bottom depth)."""
    from portsim.errors import Problem

    seg = {s.id: s for s in port.channel_segments}
    problems = []
    cargo_in_area = {(g.cargo, g.area) for g in canal.transfer_berths}
    for i, route in enumerate(canal.channel.routes):
        for ship in canal.classes:
            if canal.transfer == "transfer_berths" and (ship.cargo, route.area) not in \
                    cargo_in_area:
                continue  # the class never takes this route
            for sid in route.segments:
                s = seg.get(sid)
                if s is None or s.bottom_depth_m is None:
                    continue
                ukc = s.ukc_m if s.ukc_m is not None else channel_ukc_m
                if ship.draught_m + ukc > s.bottom_depth_m + 1e-9:
                    problems.append(Problem(
                        file, f"canal.channel.routes[{i}]",
                        f"river-sea class '{ship.id}' (draught {ship.draught_m:g} m + UKC "
                        f"{ukc:g} m) is too deep for segment '{sid}' ({s.bottom_depth_m:g} m "
                        f"below chart datum, and the port has no tide) on its route to area "
                        f"'{route.area}'"))
                    break
    return problems


def _fits_somewhere(canal: Canal, tr: CanalTraffic, ship: ShipClass, berths: list,
                    transfer_terminals: dict[str, list[TransferBerths]],
                    berth_ukc_m: float) -> bool:
    """Whether some berth for the traffic can take its ship (DWT class and depth)."""
    if canal.transfer == "transfer_berths":
        own = {g.terminal for g in transfer_terminals.get(tr.cargo, [])}
        berths = [b for b in berths if b.terminal in own]
    return any(tr.cargo in b.cargo and b.max_dwt >= ship.dwt
               and b.depth_m >= ship.draught_m + berth_ukc_m for b in berths)
