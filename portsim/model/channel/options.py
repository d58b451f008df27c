"""The ways a ship class can make one transit (a route in one direction), prepared once
per replication for the channel model's hot path."""

from __future__ import annotations

from dataclasses import dataclass, field

from portsim.model.channel.sections import SegmentState
from portsim.tide_windows import Windows


@dataclass(slots=True)
class Option:
    """One way a ship of one class can make one transit (a route in one direction)."""

    index: int
    route: int
    direction: int
    sail_h: float  # start (pilot boarding) to end of transit
    lead_h: float  # pilot boarding before the first segment
    offsets: list[float]  # entry into each route segment (in sailing order), from start
    seg_ids: list[str]
    tide: Windows | None
    # sections with a traffic rule in play: (state, entry offset, one-way, the direction
    # the ship sails the section in — its transit's, or the other for a reversed segment)
    segs: list[tuple[SegmentState, float, bool, int]]
    pilot: tuple[float, float] | None  # (offset, length)
    tugs: tuple[float, float, int, float] | None  # (offset, length, count, tug-hours)
    weather: bool  # the run has channel closures (the weather check is needed)
    one_way_ids: set[str]  # segments the ship passes one-way
    # per segment of ``segs``, for the hot path: (offset, opposite list to check, reach,
    # same-direction list to check, same-direction separation, state, one-way, own list,
    # own one-way list, direction in the section)
    fast: list[tuple] = field(init=False)
    check: list[tuple] = field(init=False)  # (offset, opposite, reach, same, headway)
    book: list[tuple] = field(init=False)  # (offset, list to insert the entry time into)
    # what ChannelModel.plan reads, in one attribute: (option, closure starts, closure
    # ends (None: no closures), tide windows, check, pilot, pilot pool, tugs, tug pool,
    # book, sail_h)
    hot: tuple = field(init=False)

    def __post_init__(self) -> None:
        self.fast = [
            (off, (st.all if ow else st.ow)[1 - d], st.duration + st.headway,
             (st.all if ow else st.ow)[d], st.follow, st, ow, st.all[d], st.ow[d], d)
            for st, off, ow, d in self.segs
        ]
        self.check = [f[:5] for f in self.fast]
        # every passage goes into the section's list of its direction, a one-way one
        # also into the one-way list: (offset, list) pairs, one-way lists included
        self.book = [(f[0], f[7]) for f in self.fast] + [(f[0], f[8]) for f in self.fast
                                                         if f[6]]
        self.hot = ()  # set by the model that owns the option (it holds the pools)

