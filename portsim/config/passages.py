"""Which transits a ship class can make: the channel's rules on config records and the
load-time check that every class of the demand can pass some route.

Config-side (no simulation): the channel model (:mod:`portsim.model.channel`) applies the
same rules while it plans transits; the tidal windows come from the model-free
:mod:`portsim.tide_windows`.
"""

from __future__ import annotations

from portsim.config.canal import CANAL_FLOW_PREFIX, takes_pilot
from portsim.config.port import ChannelSegment, Port, Route, ShipClass
from portsim.config.scenario import Scenario
from portsim.errors import Problem
from portsim.tide_windows import TideModel, tide_model

INBOUND, OUTBOUND = 0, 1
"""Directions of a transit."""


def route_label(route: Route) -> str:
    return route.id or f"{route.anchorage}→{route.area} via {'/'.join(route.segments)}"


def draught(ship: ShipClass, direction: int) -> float:
    d = ship.draught_in_m if direction == INBOUND else ship.draught_out_m
    return d if d is not None else ship.draught_m


def one_way(seg: ChannelSegment, ship: ShipClass) -> bool:
    """Whether ``ship`` transits ``seg`` one-way: every ship in a ``one_at_a_time``
    segment, in a ``convoy`` segment a ship above its two-way limits."""
    if seg.traffic_rule == "one_at_a_time":
        return True
    if seg.two_way_max_dwt is not None and ship.dwt > seg.two_way_max_dwt:
        return True
    return seg.two_way_max_beam_m is not None and ship.beam_m > seg.two_way_max_beam_m


def ship_routes(scenario: Scenario, ship: ShipClass, area: str) -> list[tuple[int, Route]]:
    """The routes (index in ``port.routes``, route) a ship of ``ship``'s class may take to
    ``area``: with the Pinglu Canal, river-sea classes come and go by the canal mouth's
    routes and sea-going ships by the others; without it, every route to the area."""
    routes = [(k, r) for k, r in enumerate(scenario.port.routes) if r.area == area]
    canal = scenario.canal
    if canal is None:
        return routes
    river_sea = any(c.id == ship.id for c in canal.classes)
    mouth = canal.channel.mouth.id
    return [(k, r) for k, r in routes if (r.anchorage == mouth) == river_sea]


def tide_legs(port: Port, route: Route, ship: ShipClass, direction: int, lead_h: float,
              ukc_default: float, lowest: float) -> list[tuple[float, float, float]]:
    """``(need_m, a_h, b_h)`` for every segment of the route where the ship needs the
    tide: it is in the segment from ``t + a`` to ``t + b`` after starting at ``t``."""
    seg = {s.id: s for s in port.channel_segments}
    order = route.segments if direction == INBOUND else route.segments[::-1]
    legs, a = [], lead_h
    for sid in order:
        s = seg[sid]
        b = a + s.transit_h
        if s.bottom_depth_m is not None:
            ukc = s.ukc_m if s.ukc_m is not None else ukc_default
            need = draught(ship, direction) + ukc - s.bottom_depth_m
            if need > lowest:
                legs.append((round(need, 9), round(a, 9), round(b, 9)))
        a = b
    return legs


def check_passages(scenario: Scenario, file: str) -> list[Problem]:
    """Every ship class of the demand can make every transit it needs — some route to
    its area has a tidal window in the run, its tugs exist — else a problem naming the
    class and the route (instead of a ship that waits forever)."""
    from portsim.demand import class_terminals

    port, rules = scenario.port, scenario.rules
    if not (rules.marine_model and rules.include_channel_transit):
        return []
    run = scenario.run
    end_h = (run.warmup_days + run.horizon_days) * 24.0
    problems: list[Problem] = []
    tide = None
    if port.tide is not None:
        try:
            tide = tide_model(port.tide, end_h, scenario.port_file or file)
        except Exception as exc:  # an InputError from the CSV reader
            from portsim.errors import InputError

            if isinstance(exc, InputError):
                return list(exc.problems)
            raise
        lo, hi = tide.covers_h
        if port.tide.series is not None and (lo > 0 or hi < end_h):
            problems.append(Problem(
                str(port.tide.series), "time_h",
                f"the tide series covers {lo:g}-{hi:g} h but the run needs 0-{end_h:g} h "
                f"(warm-up + horizon)"))
            return problems
    seen: set[tuple[str, str]] = set()
    for i, flow in enumerate(scenario.demand):
        for j, fc in enumerate(flow.classes):
            if fc.ship_class not in {s.id for s in port.ship_classes}:
                continue
            ship = port.ship_class(fc.ship_class)
            at = f"demand[{i}].classes[{j}].ship_class"
            if flow.id.startswith(CANAL_FLOW_PREFIX):  # a flow the canal block made
                at = next(f"canal.classes[{k}]" for k, c in enumerate(scenario.canal.classes)
                          if c.id == fc.ship_class)
            if port.tugs is not None:
                need = port.tugs.for_ship(ship.id, ship.dwt)
                if need > port.tugs.count:
                    problems.append(Problem(file, at, f"ship class '{ship.id}' needs {need} "
                                            f"tugs but the port has {port.tugs.count}"))
            if tide is None:
                continue
            areas = {port.area_of_terminal(t) for t in class_terminals(scenario, flow, ship)}
            for area in sorted(areas):
                if (ship.id, area) in seen:
                    continue
                seen.add((ship.id, area))
                routes = [r for _, r in ship_routes(scenario, ship, area)]
                for direction, name in ((INBOUND, "inbound"), (OUTBOUND, "outbound")):
                    why = []
                    for r in routes:
                        lead = (port.pilots.boarding_h  # type: ignore[union-attr]
                                if takes_pilot(scenario, ship) else 0.0)
                        legs = tide_legs(port, r, ship, direction, lead, rules.channel_ukc_m,
                                         tide.lowest)
                        if not legs or tide.entry_windows(legs).any_between(0.0, end_h):
                            break
                        why.append(_why(port, r, ship, direction, rules.channel_ukc_m, tide,
                                        legs))
                    else:
                        if routes:
                            problems.append(Problem(
                                file, at,
                                f"ship class '{ship.id}' can never sail {name} to area "
                                f"'{area}': " + "; ".join(why)))
    return problems


def _why(port: Port, route: Route, ship: ShipClass, direction: int, ukc_default: float,
         tide: TideModel, legs) -> str:
    seg = {s.id: s for s in port.channel_segments}
    worst = max(legs)
    need = worst[0]
    order = route.segments if direction == INBOUND else route.segments[::-1]
    names = []
    for sid in order:
        s = seg[sid]
        if s.bottom_depth_m is None:
            continue
        ukc = s.ukc_m if s.ukc_m is not None else ukc_default
        if abs(draught(ship, direction) + ukc - s.bottom_depth_m - need) < 1e-6:
            names.append(f"segment '{sid}' (bottom {s.bottom_depth_m:g} m below chart datum, "
                         f"draught {draught(ship, direction):g} m + UKC {ukc:g} m)")
    where = names[0] if names else "a segment"
    if need > tide.highest:
        return (f"route {route_label(route)}: {where} needs {need:.2f} m of tide, but the "
                f"tide never rises above {tide.highest:.2f} m in this run")
    return (f"route {route_label(route)}: the tide is never high enough for long enough "
            f"to pass every segment in one transit ({where} needs {need:.2f} m)")

