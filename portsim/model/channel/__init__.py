"""The approach channel: routes, tidal windows, one-way rules, pilots, tugs and weather.

How a transit is planned
------------------------
A ship is ready to sail in when the terminal calls it in (the berth is then reserved
for it) and ready to sail out when it has unberthed. From that moment the channel's
traffic control plans its transit as a vessel traffic service does — from a known
timetable, since sailing speeds, the tide and the closures are known in advance —
and picks the earliest start ``t`` at which **all** of these hold:

* **weather**: no channel closure begins before the ship is through
  (:mod:`portsim.model.weather`);
* **tide**: ``depth + tide >= draught + UKC`` in every segment for the whole time the
  ship is in it (inbound and outbound draughts may differ; windows precomputed in
  :mod:`portsim.model.tide`, found with one ``bisect``);
* **channel traffic**: in every segment where the ship is one-way (larger than the
  segment's two-way limit) no opposite passage overlaps its own, with ``headway_h``
  between them, and same-direction ships keep ``headway_h`` apart; a two-way ship
  keeps the same distances from one-way ships (they hold the segment) — the ``convoy``
  rule; in a ``one_at_a_time`` segment every ship is one-way and a follower in the same
  direction also waits until the ship ahead is out plus ``headway_h`` (one ship in the
  section whatever the direction);
* **pilot**: a pilot is free from boarding (``t``) to the end of the job;
* **tugs**: the ship's number of tugs are free while it berths (inbound, at the end of
  the transit) or unberths (outbound, at ``t``).

Starting from the ready time, each check in turn pushes ``t`` to the earliest time it
allows, and the push is booked as waiting to that cause (weather, tide, channel,
pilot, tug); the checks repeat until none moves ``t``. Every hour between ready and
start is so booked to exactly one cause. The transit's segment passages, pilot and
tugs are then booked (:class:`~portsim.model.marine.Pool`), so later plans see them.
When an area has several routes (e.g. East and West Channel), the ship takes the one
that gets it to the berth — or out to sea — soonest.

Where ships wait (modelling decision)
-------------------------------------
*Inbound*, the ship is called in when a berth is free (the berth wait, as in the core
model) and then waits at anchorage for its start — holding the berth, as a terminal
holds a berth window for a tide-bound mainline ship. *Outbound*, a ship that cannot
sail yet waits alongside, holding its berth (a laden ship waits at the quay for the
high water); a typhoon that also closes the berths pauses cargo work, and the pause
delays the ship's departure by the closed time (booked to weather). So for every call

    departed − arrival = wait_berth + wait_tide + wait_channel + wait_pilot + wait_tug
                         + wait_weather + sail in + berthing + handling + unberthing
                         + sail out

(plus any yard wait booked by the yard model), which a test checks call by call.
Sailing in takes the pilot's boarding time plus the transit; berthing, unberthing and
handling are the quay model's.

Cost: all of this is arithmetic at two moments of a call (ready to sail in, ready to
sail out), with at most one extra SimPy timeout when the ship has to wait.
"""

from portsim.config.passages import (
    INBOUND,
    OUTBOUND,
    check_passages,
    draught,
    one_way,
    route_label,
    tide_legs,
)
from portsim.model.channel.options import Option
from portsim.model.channel.planner import CAUSES, EPS, ChannelModel, build
from portsim.model.channel.records import ChannelRecords, port_kpis
from portsim.model.channel.sections import FORGET_EVERY_H, SegmentState, traffic_sections

__all__ = ["CAUSES", "EPS", "FORGET_EVERY_H", "INBOUND", "OUTBOUND", "ChannelModel",
           "ChannelRecords", "Option", "SegmentState", "build", "check_passages", "draught",
           "one_way", "port_kpis", "route_label", "tide_legs", "traffic_sections"]
