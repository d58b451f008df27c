"""Container yards as stocks that move in batches, coupled to ship handling.

Every yard keeps hourly integer counts of TEU entering and leaving, by flow (while the
model runs only the net change of the stock is kept hour by hour; the flows are recorded
per call and train and turned into numpy arrays for the results, see :class:`Yards`):

========== ============== =============== ======================================
flow       enters from    leaves to       when it leaves
========== ============== =============== ======================================
import     ship           truck (gate)    discharge + import dwell
export     truck (gate)   ship            when its ship loads (it arrives an
                                          export dwell before the ship)
transship  ship           ship            discharge + transshipment dwell (the
                                          connecting vessel is not identified), or
                                          with ``transshipment: connection`` on a
                                          named later call (see ``transshipment``)
rail_imp   ship           rail            on an outbound train, after it has
                                          waited a rail dwell (customs, planning)
rail_exp   rail           ship            unloading + rail dwell
empty_in   ship           truck (gate)    discharge + empty dwell
empty_out  truck (gate)   ship            when its ship loads
canal_to_  river-sea      ship            on the first call of the sea flow
sea        barge                          after a transfer dwell (only with
                                          ``canal.transfer_flow: through_yard``,
                                          see ``canal_transfer``)
sea_to_    ship           river-sea       on the barge it was discharged for
canal                     barge           (ditto)
========== ============== =============== ======================================

A container call at a terminal with a yard discharges ``round(TEU × discharge_share)``
and loads the rest. Full boxes follow the terminal's modal split (truck / rail /
transshipment) and ``empty_share`` of the boxes are empties; the split is a multinomial
draw per call (stream ``landside:split:<terminal>``). Each flow of a call moves in
``dwell_batches`` batches, each with its own dwell draw (stream ``dwell:<terminal>``):
splits and draws are numpy arrays made before the run, and a call's discharge books a
handful of batch departures — no event per box. Boxes a call loads (its
truck-delivered exports and empties) are planned before the run, an export dwell before
the ship's arrival, and leave when the ship loads. Loaded transshipment and rail-export
boxes are the departures of the transshipment and rail_exp flows: in aggregate the yard
does not match boxes to connecting vessels.

Blocking. The stock a ship will see is known ahead (entries and dwell departures are
booked as soon as they are decided). When a ship starts handling, the *fast path* checks
that its discharge fits below ``slow_at`` × capacity over its whole discharge time; then
its boxes are booked at the middle of the discharge and of the loading, with no further
event. Otherwise the *slow path* discharges hour by hour: at full rate below
``slow_at``, at ``slow_factor`` × rate above it, and not at all at capacity
(capacity = ground slots × stacking height × usable share); while discharge is blocked
the cranes load instead (loading frees space), and once nothing is left to load the ship
waits alongside for space. The hours lost are booked as the call's ``yard`` wait.
The gate keeps the top of the yard for ships: planned truck deliveries (exports,
empties) enter only while the stock is below ``slow_at`` × capacity and otherwise wait at
the gate (reported as TEU held); a ship whose export boxes are still held loads them
straight from the gate. Without this a full yard could lock up: its ships cannot
discharge, so they never load the exports that fill it. Trains unloading export boxes
are not refused.

Conservation: stock = Σ entries − Σ departures, hour by hour, with integer TEU; every
entry and departure is also on a record (calls, trains) so the ledger can be checked
against independent counts.

Modules, by concern: :mod:`~portsim.model.yard.flows` (the flows and the dwell draws),
:mod:`~portsim.model.yard.yards` (the per-call split and :class:`Yards`),
:mod:`~portsim.model.yard.stock` (stock levels, the gate, rail pools),
:mod:`~portsim.model.yard.ship_path` (fast and slow ship handling),
:mod:`~portsim.model.yard.trains` (train bookings),
:mod:`~portsim.model.yard.transshipment` (connections),
:mod:`~portsim.model.yard.canal_transfer` (the Pinglu Canal's boxes),
:mod:`~portsim.model.yard.records`
(the layouts of the flat records), :mod:`~portsim.model.yard.views` (numpy views) and
:mod:`~portsim.model.yard.tables` (result tables).
"""

from portsim.model.yard.flows import (
    EIN,
    EOUT,
    EXP,
    FLOW_MODES,
    FLOWS,
    IMP,
    MODES,
    REXP,
    RIMP,
    TS,
    dwell_hours,
    split_batches,
)
from portsim.model.yard.yards import Yards

__all__ = ["EIN", "EOUT", "EXP", "FLOWS", "FLOW_MODES", "IMP", "MODES", "REXP", "RIMP", "TS",
           "Yards", "dwell_hours", "split_batches"]
