"""What the channel model records: its per-call, per-segment, marine and weather tables
and the port-level channel KPIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portsim.config.passages import INBOUND, OUTBOUND, route_label
from portsim.model.channel.options import Option


class ChannelRecords:
    """The channel model's tables (mixed into :class:`~portsim.model.channel.ChannelModel`,
    whose planned transits they read)."""

    def tables(self, start_h: float, end_h: float) -> dict[str, pd.DataFrame]:
        """``channel_calls`` (one row per call), ``channel_segments`` (one row per
        segment: passages, occupancy, one-way share, conflicts over the measurement
        window), ``marine`` (pilot and tug use, weather closures) and ``weather``
        (one row per closure)."""
        port = self.scenario.port
        labels = [route_label(r) for r in port.routes]
        opts = self.options
        cols = {"call": np.arange(self.n)}
        # each per-call list is turned into an array once (they hold ~20k Python objects)
        starts = [np.fromiter(self.start[d], float, self.n) for d in (INBOUND, OUTBOUND)]
        planned = [(self.option(d, st), st) for d, st in enumerate(starts)]
        sail_o = np.array([o.sail_h for o in opts] or [np.nan])
        route_o = np.array([o.route for o in opts] or [-1])
        bound_o = np.array([o.tide is not None for o in opts] or [False])
        ow_o = np.array([any(w for _, _, w, _ in o.segs) for o in opts] or [False])
        for d, name in ((INBOUND, "in"), (OUTBOUND, "out")):
            idx, start = planned[d]
            known = idx >= 0
            safe = np.where(known, idx, 0)
            sail = sail_o[safe]
            route = route_o[safe]
            cols[f"route_{name}"] = pd.Categorical.from_codes(  # codes valid by construction
                np.where(known & (route >= 0), route, -1), categories=labels,
                validate=False) if labels else \
                pd.Categorical.from_codes(np.full(self.n, -1), categories=["-"])
            cols[f"start_{name}_h"] = start
            cols[f"sail_{name}_h"] = np.where(known, sail, np.nan)
            cols[f"tide_bound_{name}"] = known & bound_o[safe]
            cols[f"one_way_{name}"] = known & ow_o[safe]
        calls = pd.DataFrame(cols)
        window = end_h - start_h
        rows = []
        groups = [_by_option(idx, start) for idx, start in planned]
        users = self._users()
        for seg in port.channel_segments:
            st, dr, ow = self._passages(seg.id, planned, groups, users.get(seg.id, []))
            inside = (st >= start_h) & (st < end_h)
            dur = seg.transit_h
            section = next((st for st in self.states.values() if seg.id in st.segments), None)
            rows.append({
                "segment": seg.id,
                "section": section.id if section is not None else seg.id,
                "length_km": seg.length_km,
                "transit_h": dur,
                "passages_in": int((inside & (dr == INBOUND)).sum()),
                "passages_out": int((inside & (dr == OUTBOUND)).sum()),
                "one_way_passages": int((inside & ow).sum()),
                "occupancy": _covered(st, dur, start_h, end_h) / window,
                "one_way_share": _covered(st[ow], dur, start_h, end_h) / window,
                "conflicts": section.conflicts if section is not None else 0,
            })
        segments = pd.DataFrame(rows, columns=[
            "segment", "section", "length_km", "transit_h", "passages_in", "passages_out",
            "one_way_passages", "occupancy", "one_way_share", "conflicts"])
        marine = []
        for pool in (self.pilots, self.tugs):
            if pool is not None:
                marine.append({"resource": pool.name, "capacity": pool.capacity,
                               "jobs": pool.jobs, "busy_h": pool.busy_h,
                               "utilisation": pool.busy_h / (pool.capacity * self.end_h)})
        for what, cl in (("channel closed", self.closed), ("berths closed", self.berths_closed)):
            marine.append({"resource": what, "capacity": np.nan, "jobs": len(cl),
                           "busy_h": cl.hours(start_h, end_h), "utilisation":
                           cl.hours(start_h, end_h) / window})
        weather = pd.DataFrame(
            [{"kind": k, "start_h": s, "end_h": e, "closes": "/".join(c)}
             for k, s, e, c in self.events],
            columns=["kind", "start_h", "end_h", "closes"])
        return {"channel_calls": calls, "channel_segments": segments,
                "marine": pd.DataFrame(marine), "weather": weather}

    def _passages(self, seg_id: str, planned: list[tuple[np.ndarray, np.ndarray]],
                  groups: list[dict[int, np.ndarray]] | None = None,
                  users: list[tuple[Option, float]] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entry times, directions and one-way flags of every planned passage;
        ``planned``: (option index, start) arrays per direction; ``groups``: the finite
        starts by option per direction (:func:`_by_option`) and ``users``: the options
        through the segment with their entry offsets (:meth:`_users`), both computed once
        for all segments. The passages come grouped by direction and option: every use
        of them (counts, the sorted starts of :func:`_covered`) is independent of their
        order."""
        if groups is None:
            groups = [_by_option(idx, start) for idx, start in planned]
        if users is None:
            users = self._users().get(seg_id, [])
        starts, dirs, ows = [], [], []
        for d, by_opt in enumerate(groups):
            for o, off in users:
                st = by_opt.get(o.index) if o.direction == d else None
                if st is None:
                    continue
                starts.append(st + off)  # finite starts + finite offset: all finite
                dirs.append(np.full(len(st), d))
                ows.append(np.full(len(st), seg_id in o.one_way_ids))
        if not starts:
            return np.zeros(0), np.zeros(0, int), np.zeros(0, bool)
        return np.concatenate(starts), np.concatenate(dirs), np.concatenate(ows)

    def _users(self) -> dict[str, list[tuple[Option, float]]]:
        """For every segment: the options that pass it, with their entry offsets."""
        out: dict[str, list[tuple[Option, float]]] = {}
        for o in self.options:
            for sid in dict.fromkeys(o.seg_ids):  # a segment counts once per transit
                out.setdefault(sid, []).append((o, o.offsets[o.seg_ids.index(sid)]))
        return out


def _by_option(idx: np.ndarray, start: np.ndarray) -> dict[int, np.ndarray]:
    """The finite start times of the planned transits, by option index."""
    keep = (idx >= 0) & np.isfinite(start)
    idx, start = idx[keep], start[keep]
    order = np.argsort(idx, kind="stable")
    idx, start = idx[order], start[order]
    cut = np.flatnonzero(np.diff(idx)) + 1
    lo = np.concatenate(([0], cut)).tolist()
    hi = np.concatenate((cut, [len(idx)])).tolist()
    return {int(idx[a]): start[a:b] for a, b in zip(lo, hi, strict=True) if b > a}



def _covered(starts: np.ndarray, dur: float, lo: float, hi: float) -> float:
    """Hours of [lo, hi] during which at least one passage [s, s + dur] is under way."""
    if len(starts) == 0:
        return 0.0
    s = np.sort(starts)
    e = s + dur
    s, e = np.clip(s, lo, hi), np.clip(e, lo, hi)
    prev_end = np.maximum.accumulate(np.concatenate([[lo], e[:-1]]))
    return float(np.clip(e - np.maximum(s, prev_end), 0.0, None).sum())



def port_kpis(calls: pd.DataFrame, tables: dict[str, pd.DataFrame], start_h: float,
              end_h: float) -> dict[str, float]:
    """Port-level channel KPIs of one replication (empty without the channel model):
    share of calls bound by the tide in either direction, share that waited for it,
    calls delayed by one-way traffic per year, the busiest segment's occupancy, pilot
    and tug utilisation, closed hours per year."""
    cc = tables.get("channel_calls")
    if cc is None:
        return {}
    annual = 8760.0 / (end_h - start_h)
    inwin = calls["in_window"].to_numpy()
    n = max(int(inwin.sum()), 1)
    bound = (cc["tide_bound_in"].to_numpy() | cc["tide_bound_out"].to_numpy())[inwin]
    out = {
        "tide_bound_calls_share": float(bound.sum()) / n,
        "tide_waited_calls_share": float((calls["wait_tide_h"].to_numpy()[inwin] > 0).sum()) / n,
        "one_way_conflicts_per_year":
            float((calls["wait_channel_h"].to_numpy()[inwin] > 0).sum()) * annual,
    }
    seg = tables.get("channel_segments")
    out["channel_max_occupancy"] = float(seg["occupancy"].max()) if seg is not None and len(seg) \
        else 0.0
    marine = tables.get("marine")
    if marine is not None:
        m = marine.set_index("resource")
        for name in ("pilots", "tugs"):
            if name in m.index:
                out[f"{name[:-1]}_utilisation"] = float(m.loc[name, "utilisation"])
        out["channel_closed_h_per_year"] = float(m.loc["channel closed", "busy_h"]) * annual
        out["berths_closed_h_per_year"] = float(m.loc["berths closed", "busy_h"]) * annual
    return out
