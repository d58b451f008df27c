"""The Pinglu Canal in the port model: the lock hubs' names and the shared segments.

The lock pass is model-free arithmetic on the drawn canal entries and lives in
:mod:`portsim.canal_locks` (the demand stage computes it: the locks shape the arrival
process at the canal mouth, see that module's docstring for why); this module
re-exports the names the model and older code import.

Shared segments (:func:`shared_segments`): the channel segments on the routes from the
canal mouth (``canal.channel.routes``), marked ``shared`` when a sea-going route uses
them too. Their KPI is the share of the measurement window a segment is held one-way
(``one_way_share`` of the channel model's ``channel_segments`` table: by a ship above
the segment's two-way limit, or by any ship under the one-at-a-time rule). Two-way
traffic does not queue, so plain occupancy is no limit; one-way holding is what makes
ships of either kind wait, and it is judged against ``canal.shared_segment_limit`` (the
registered component ``shared_segments``, :mod:`portsim.model.components`).
"""

from __future__ import annotations

import pandas as pd

from portsim.canal_locks import FILL_EPS, LockPassage, lock_through, through_locks
from portsim.config.scenario import Scenario

SHARED_SEGMENT_COLUMNS = ["segment", "shared", "one_way_share", "one_way_passages",
                          "occupancy"]


def shared_segments(scenario: Scenario, channel_segments: pd.DataFrame | None
                    ) -> pd.DataFrame:
    """One row per channel segment on a route from the canal mouth: whether sea-going
    routes share it, and its one-way share, one-way passages and occupancy in the
    window (from the channel model's ``channel_segments``; zeros when the run has no
    channel model, i.e. free-flowing segments)."""
    canal = scenario.canal
    if canal is None:
        return pd.DataFrame(columns=SHARED_SEGMENT_COLUMNS)
    mouth = canal.channel.mouth.id
    routes = scenario.port.routes
    on_canal = list(dict.fromkeys(s for r in routes if r.anchorage == mouth
                                  for s in r.segments))
    on_sea = {s for r in routes if r.anchorage != mouth for s in r.segments}
    seg: dict = {}  # segment id → (one-way share, one-way passages, occupancy)
    if channel_segments is not None:
        cs = channel_segments
        seg = dict(zip(cs["segment"].tolist(), zip(
            cs["one_way_share"].tolist(), cs["one_way_passages"].tolist(),
            cs["occupancy"].tolist(), strict=True), strict=True))
    rows = []
    for sid in on_canal:
        share, passages, occupancy = seg.get(sid, (0.0, 0, 0.0))
        rows.append({"segment": sid, "shared": sid in on_sea, "one_way_share": float(share),
                     "one_way_passages": int(passages), "occupancy": float(occupancy)})
    return pd.DataFrame(rows, columns=SHARED_SEGMENT_COLUMNS)


__all__ = ["FILL_EPS", "LockPassage", "lock_through", "shared_segments", "through_locks"]
