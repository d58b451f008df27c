"""The layouts of the yards' flat records.

On the hot path a record is a few ints appended to one flat list (``records += (y, h,
…)``): no tuple or list per record, little work for the garbage collector. Each list has
one :class:`RecordLayout` here naming its fields, in order; :meth:`RecordLayout.read`
turns the list into named numpy columns for the views (:mod:`portsim.model.yard.views`).
"""

from __future__ import annotations

from portsim.records import RecordLayout

SLOW_DISCHARGE = RecordLayout(
    "slow_discharges", ("yard", "flow", "hour", "teu", "dwell_h"),
    "a piece of a slow-path discharge: TEU of one flow entering at an hour, and its dwell")
FAST_DIRECT = RecordLayout(
    "fast_direct", ("yard", "hour", "export", "empty"),
    "fast-path loading straight from the gate (the yard was full): export and empty TEU")
SLOW_LOAD = RecordLayout(
    "slow_loads", ("yard", "hour", "export", "empty", "export_direct", "empty_direct"),
    "slow-path loading: export and empty TEU, and of them straight from the gate")
GATE_HOUR = RecordLayout(
    "gate_hours", ("yard", "hour", "export_admitted", "empty_admitted", "held"),
    "an hour the gate held trucks back: change of the export and empty TEU admitted "
    "against the plan, TEU still held after it")
TRAIN_UNLOAD = RecordLayout(
    "train_unloads", ("yard", "hour", "teu", "source", "train"),
    "an inbound train unloaded: TEU, and where its batches' rail dwell is (source, train)")
TRAIN_LOAD = RecordLayout(
    "train_loads", ("yard", "hour_reserved", "hour_left", "teu"),
    "rail boxes an outbound train reserved at one hour and took away at another")

RAIL_ROLL = RecordLayout(
    "rail_rolls", ("yard", "hour", "teu"),
    "rail-export TEU whose departure at an hour moved (sea_rail.late_train: "
    "roll_to_next_call): negative — a planned departure cancelled (the boxes missed their "
    "ship), positive — loaded on a later call of the same service at that hour")

LAYOUTS = (SLOW_DISCHARGE, FAST_DIRECT, SLOW_LOAD, GATE_HOUR, TRAIN_UNLOAD, TRAIN_LOAD,
           RAIL_ROLL)
