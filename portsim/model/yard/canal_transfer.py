"""The Pinglu Canal's container transfer (江海联运) through the yard.

With ``canal.transfer_flow: through_yard`` a river-sea container barge works at its
transfer berths and its boxes pass through the yard those berths are mapped to
(``canal.transfer_berths[].yard``: the yard of the terminal the berths belong to):

* **Downbound** (canal → sea). Of the TEU a barge discharges, ``sea_share`` continue by
  sea; of those, the berths' ``ship_to_ship_share`` goes straight to a sea-going ship
  alongside (过驳, they never enter the yard: counted, not stocked), the rest enters the
  yard as the flow ``canal_to_sea`` in ``dwell_batches`` batches, each with a drawn
  ``canal.transfer_dwell`` (the least time before it can leave: customs, stowage). A batch
  leaves on the first call of the traffic's ``sea_flow`` (which: below) that arrives at
  or after the barge's arrival + the dwell and still has room for the whole batch (room:
  the TEU the call loads; batches in order of readiness, first come first served — as the
  transshipment connections, :mod:`portsim.model.yard.transshipment`). It leaves the
  yard the two calls' planned arrival gap after its discharge. Which calls: with
  ``canal.transfer_sea_calls: any_terminal`` (default) a call at any container terminal
  with a yard (the box is trucked to it from the transfer berths' yard — the Dalanping
  terminals are side by side — and the sea leg spreads the canal's TEU over the flow's
  terminals, so each terminal's calls carry their share); with ``same_terminal`` only
  calls through the same yard. A batch no call takes
  stays in the yard to the end of the run (counted as ``down_waiting_teu``, not lost).
  The rest (1 − ``sea_share``) is Qinzhou's own cargo: it leaves by truck as imports.
* **Upbound** (sea → canal). A barge loads ``sea_share`` of its upbound TEU from boxes
  that sea-going calls of the ``sea_flow`` (as above) discharged for the canal: the
  latest such calls that arrived at least a drawn ``transfer_dwell`` before the barge
  (and at most ``transfer_dwell.max_days`` before), latest first, each giving what is
  left of its discharge (in at most ``dwell_batches`` pieces). They enter the yard as
  the flow ``sea_to_canal`` and leave on the barge the arrival gap later. What no call
  can give is the barge's ``up_short_teu`` (the barge sails that much lighter); the rest
  of its upbound TEU (1 − ``sea_share``) comes by truck as exports.

A sea-going call's transfer boxes are part of its volume (the sea leg adds the canal's
TEU × ``sea_share`` to the flow, ``canal.sea_leg: added``): its other boxes are the rest
of its discharge and load, split by its terminal's modal split as before.

Basis: a box on a through bill of lading is stowed on the first suitable sailing after
it is ready (as hub transshipment); river-sea boxes are planned to the barge they are
booked on. The matching is made before the run on the planned arrivals, as the
transshipment connections are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from portsim.config.scenario import Scenario
from portsim.model.yard.flows import XD, XU


@dataclass
class TransferSetup:
    """What the yard needs to know about the canal's container transfer."""

    terminal_yard: dict[str, str]
    """Transfer terminal id → the yard (id) its boxes go through."""
    down_share: dict[str, float]
    """Canal flow id → share of a barge's TEU it discharges (downbound / both ways)."""
    sea_share_down: dict[str, float]
    """Canal flow id → share of its downbound TEU that continues by sea."""
    sea_share_up: dict[str, float]
    """Canal flow id → share of its upbound TEU that comes from the sea."""
    sea_flows: set[str]
    """The sea-going flows that carry the transferred boxes on."""
    ship_to_ship: dict[str, float] = field(default_factory=dict)
    """Transfer terminal id → share worked ship-to-ship (bypassing the yard)."""


def transfer_setup(scenario: Scenario) -> TransferSetup | None:
    """The container transfer of the scenario; None unless ``transfer_flow: through_yard``."""
    from portsim.config.canal import canal_flow_id

    canal = scenario.canal
    if canal is None or canal.transfer_flow != "through_yard":
        return None
    totals: dict[str, dict[str, float]] = {}
    sea: dict[str, dict[str, float]] = {}
    flows: set[str] = set()
    for tr in canal.traffic:
        if tr.cargo != "container":
            continue
        fid = canal_flow_id(tr.cargo, tr.ship_class)
        totals.setdefault(fid, {"down": 0.0, "up": 0.0})[tr.direction] += tr.annual_t
        s = sea.setdefault(fid, {"down": 0.0, "up": 0.0})
        s[tr.direction] += tr.annual_t * tr.sea_share
        if tr.sea_flow is not None:
            flows.add(tr.sea_flow)

    def share(num: dict[str, dict[str, float]], d: str) -> dict[str, float]:
        return {f: num[f][d] / totals[f][d] if totals[f][d] > 0 else 0.0 for f in totals}

    both = {f: t["down"] + t["up"] for f, t in totals.items()}
    return TransferSetup(
        terminal_yard={g.terminal: g.yard for g in canal.transfer_berths
                       if g.cargo == "container" and g.yard is not None},
        down_share={f: totals[f]["down"] / both[f] if both[f] > 0 else 0.0 for f in totals},
        sea_share_down=share(sea, "down"), sea_share_up=share(sea, "up"), sea_flows=flows,
        ship_to_ship={g.terminal: g.ship_to_ship_share for g in canal.transfer_berths
                      if g.cargo == "container"})


def connect_down(barge_arrival_h: np.ndarray, barge_yard: np.ndarray, batches: np.ndarray,
                 dwell_h: np.ndarray, sea_arrival_h: np.ndarray, sea_yard: np.ndarray,
                 sea_room: np.ndarray, never_h: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Downbound batches onto sea-going calls.

    ``batches``, ``dwell_h``: (barges, k) TEU and least dwell per batch; ``sea_room``: TEU
    each sea-going call can load. Returns (offset hours per batch from its barge's
    arrival to its sea call's, ``never_h`` where no call takes it; TEU each sea call
    loads; the connections, one row (barge, sea call, TEU) each: an array, not a tuple per
    connection, which would be ~8,000 objects a port-year kept for the garbage collector
    to count)."""
    nb, k = batches.shape
    off = np.full((nb, k), never_h, np.int64)
    parts: list[tuple[np.ndarray, ...]] = []  # per yard: (barge, batch, sea call, TEU)
    ready = barge_arrival_h[:, None] + dwell_h
    for y in np.unique(barge_yard).tolist():
        calls = np.flatnonzero(sea_yard == y)
        calls = calls[np.argsort(sea_arrival_h[calls], kind="stable")]
        arr = sea_arrival_h[calls].astype(float)
        n_calls = len(calls)
        room = sea_room[calls].astype(np.int64).tolist()  # per position in arrival order
        # the batches of this yard's barges in order of readiness (barge, batch on a tie),
        # and for each the first call arriving at or after it is ready
        b_rows = np.flatnonzero(barge_yard == y)
        bb, jj = np.nonzero(batches[b_rows] > 0)
        bb = b_rows[bb]
        t_cell = ready[bb, jj]
        order = np.lexsort((jj, bb, t_cell))
        bb, jj, t_cell = bb[order], jj[order], t_cell[order]
        teu = batches[bb, jj]
        first = np.searchsorted(arr, t_cell, side="left")
        # skip[q]: a call at or after q that may still have room (calls with none are
        # jumped over with path halving, so full calls cost nothing after they fill)
        skip = list(range(n_calls + 1))
        chosen = [n_calls] * len(teu)  # the position of each batch's call (none: n_calls)
        for i, (q, n) in enumerate(zip(first.tolist(), teu.tolist(), strict=True)):
            while True:
                while skip[q] != q:  # the next call that has any room
                    skip[q] = skip[skip[q]]
                    q = skip[q]
                if q == n_calls or room[q] >= n:
                    break
                q += 1
            if q == n_calls:
                continue  # no call takes it: it stays in the yard
            room[q] -= n
            if room[q] == 0:
                skip[q] = q + 1
            chosen[i] = q
        pos = np.asarray(chosen, np.int64)
        taken = pos < n_calls
        parts.append((bb[taken], jj[taken], calls[pos[taken]], teu[taken],
                      arr[pos[taken]]))
    if not parts:
        parts.append((np.zeros(0, np.int64),) * 4 + (np.zeros(0),))
    taken_b, taken_j, to_call, teu_t, call_arr = (
        np.concatenate(col) for col in zip(*parts, strict=True))
    # offset: the sea call's arrival less the barge's, in whole hours (half to even)
    off[taken_b, taken_j] = np.maximum(
        0, np.rint(call_arr - barge_arrival_h[taken_b].astype(float))).astype(np.int64)
    load = np.bincount(to_call, weights=teu_t, minlength=len(sea_arrival_h)).astype(np.int64)
    links = np.array([taken_b, to_call, teu_t], np.int64).T.reshape(-1, 3)
    return off, load, links


def connect_up(barge_arrival_h: np.ndarray, barge_yard: np.ndarray, need: np.ndarray,
               dwell_h: np.ndarray, sea_arrival_h: np.ndarray, sea_yard: np.ndarray,
               sea_room: np.ndarray, k: int, lookback_h: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Upbound boxes from sea-going calls onto barges.

    ``need``: TEU each barge loads from the sea; ``dwell_h``: its least dwell;
    ``sea_room``: TEU each sea-going call discharges. Barges in arrival order take from
    the latest calls of their yard that arrived between ``lookback_h`` + dwell and dwell
    before them, each call giving at most ``k`` pieces. Returns (TEU per piece (sea
    calls, k), offset hours per piece from the sea call's arrival to its barge's, TEU each
    barge got, the connections, one row (sea call, barge, TEU) each)."""
    ns = len(sea_arrival_h)
    cnt = np.zeros((ns, k), np.int64)
    off = np.zeros((ns, k), np.int64)
    got = np.zeros(len(barge_arrival_h), np.int64)
    rank = np.empty(len(barge_arrival_h), np.int64)  # each barge's place in arrival order
    rank[np.argsort(barge_arrival_h, kind="stable")] = np.arange(len(barge_arrival_h))
    parts: list[tuple[np.ndarray, ...]] = []  # per yard: (sea call, piece, TEU, barge, hours)
    for y in np.unique(barge_yard).tolist():
        # this yard's calls by arrival, and back[q + 1]: a call at or before q that may
        # still give (exhausted calls are jumped over with path halving; index 0 stands
        # for "none left")
        calls = np.flatnonzero(sea_yard == y)
        calls = calls[np.argsort(sea_arrival_h[calls], kind="stable")]
        arr_a = sea_arrival_h[calls].astype(float)
        arr = arr_a.tolist()
        room = sea_room[calls].astype(np.int64).tolist()  # per position in arrival order
        used = [0] * len(calls)
        back = list(range(len(calls) + 1))
        for q in range(1, len(calls) + 1):
            if room[q - 1] <= 0 or k <= 0:
                back[q] = q - 1  # gives nothing
        # this yard's barges that need boxes, in arrival order, and for each the position
        # + 1 of the latest call arrived a dwell before it
        mine = np.flatnonzero((barge_yard == y) & (need > 0))
        mine = mine[np.argsort(rank[mine])]
        latest = barge_arrival_h[mine].astype(float) - dwell_h[mine].astype(float)
        starts = np.searchsorted(arr_a, latest, side="right")
        pos: list[int] = []  # per piece: its call's position, its number, TEU, barge
        piece: list[int] = []
        teu: list[int] = []
        to: list[int] = []
        for b, left, q, earliest in zip(mine.tolist(), need[mine].astype(np.int64).tolist(),
                                        starts.tolist(), (latest - lookback_h).tolist(),
                                        strict=True):
            wanted = left
            while left > 0:
                while back[q] != q:  # the latest call at or before it that can still give
                    back[q] = back[back[q]]
                    q = back[q]
                if q == 0 or arr[q - 1] < earliest:
                    break
                c = q - 1
                take = min(left, room[c])
                room[c] -= take
                pos.append(c)
                piece.append(used[c])
                teu.append(take)
                to.append(b)
                used[c] += 1
                left -= take
                if room[c] == 0 or used[c] == k:
                    back[q] = q - 1  # exhausted
                q -= 1
            got[b] = wanted - left
        at = np.asarray(pos, np.int64)
        parts.append((calls[at], np.asarray(piece, np.int64), np.asarray(teu, np.int64),
                      np.asarray(to, np.int64), arr_a[at]))
    if not parts:
        parts.append((np.zeros(0, np.int64),) * 4 + (np.zeros(0),))
    call, piece_no, teu_a, barge, call_arr = (
        np.concatenate(col) for col in zip(*parts, strict=True))
    cnt[call, piece_no] = teu_a
    # offset: the barge's arrival less the sea call's, in whole hours (half to even)
    off[call, piece_no] = np.maximum(
        0, np.rint(barge_arrival_h[barge].astype(float) - call_arr)).astype(np.int64)
    # the connections in the barges' arrival order (a barge's pieces as taken)
    order = np.argsort(rank[barge], kind="stable")
    links = np.array([call[order], barge[order], teu_a[order]], np.int64).T.reshape(-1, 3)
    return cnt, off, got, links


class CanalTransfer:
    """The canal's transfer boxes in the yard (a part of
    :class:`~portsim.model.yard.Yards`, used with ``transfer_flow: through_yard``)."""

    def _canal_transfer(self, scenario: Scenario, plan, rows: np.ndarray, v: np.ndarray,
                        replication: int):
        """Barges' and sea-going calls' transfer boxes, matched before the run. Returns
        (TEU each call discharges, TEU it loads, and of them the TEU its terminal's modal
        split shares out) and keeps the batches for the yard's dwell columns."""
        from portsim.model.yard.flows import dwell_hours, split_batches
        from portsim.streams import stream

        xfer, k, pol = self.transfer, self.k, scenario.landside.yard
        canal = scenario.canal
        # per flow (and per terminal) first, then per call by indexing: no loop over calls
        flow_ids = [f.id for f in scenario.demand]
        flow_of, term_of = plan.flow[rows], plan.terminal[rows]

        def per_call(values: list) -> np.ndarray:
            return np.asarray(values)[flow_of]

        barge = per_call([f in xfer.down_share for f in flow_ids]).astype(bool)
        sea = per_call([f in xfer.sea_flows for f in flow_ids]).astype(bool) & ~barge
        down = per_call([xfer.down_share.get(f, pol.discharge_share) for f in flow_ids])
        d = np.rint(v * down).astype(np.int64)
        ld = v - d
        sd = per_call([xfer.sea_share_down.get(f, 0.0) for f in flow_ids])
        su = per_call([xfer.sea_share_up.get(f, 0.0) for f in flow_ids])
        s2s = np.asarray([xfer.ship_to_ship.get(t.id, 0.0)
                          for t in scenario.port.terminals], float)[term_of]
        to_sea = np.where(barge, np.rint(d * sd), 0).astype(np.int64)
        self._s2s = np.rint(to_sea * s2s).astype(np.int64)
        xd_tot = to_sea - self._s2s
        up_sea = np.where(barge, np.rint(ld * su), 0).astype(np.int64)
        bi, si = np.flatnonzero(barge), np.flatnonzero(sea)
        arr, yard = plan.arrival_h[rows], self._yard_row
        if canal.transfer_sea_calls == "any_terminal":  # one pool: any yard's calls
            yard = np.zeros_like(yard)
        rs = stream(scenario.run.seed, replication, "canal:transfer")
        batches = split_batches(xd_tot[bi], k)
        down_dwell = dwell_hours(canal.transfer_dwell, rs, (len(bi), k))
        up_dwell = dwell_hours(canal.transfer_dwell, rs, len(bi))
        off, load, down_links = connect_down(arr[bi], yard[bi], batches, down_dwell, arr[si],
                                             yard[si], ld[si], self._never)
        cnt, up_off, got, up_links = connect_up(arr[bi], yard[bi], up_sea[bi], up_dwell,
                                                arr[si], yard[si], d[si], k,
                                                canal.transfer_dwell.max_days * 24.0)
        m = len(rows)
        self._barge, self._sea = barge, sea
        self._xd_cnt = np.zeros((m, k), np.int64)
        self._xd_cnt[bi] = batches
        self._xd_off = np.zeros((m, k), np.int64)
        self._xd_off[bi] = off
        self._xu_cnt = np.zeros((m, k), np.int64)
        self._xu_cnt[si] = cnt
        self._xu_off = np.zeros((m, k), np.int64)
        self._xu_off[si] = up_off
        self._xd_load = np.zeros(m, np.int64)
        self._xd_load[si] = load
        self._xu_got = np.zeros(m, np.int64)
        self._xu_got[bi] = got
        self._up_need = up_sea
        # (barge row, sea call row, TEU) and (sea call row, barge row, TEU), as arrays
        self.down_connections = np.column_stack(
            [bi[down_links[:, 0]], si[down_links[:, 1]], down_links[:, 2]])
        self.up_connections = np.column_stack(
            [si[up_links[:, 0]], bi[up_links[:, 1]], up_links[:, 2]])
        d_split = d.copy()
        ld_split = ld.copy()
        d_split[si] -= cnt.sum(axis=1)
        ld_split[si] -= load
        d_split[bi] = d[bi] - to_sea[bi]  # to Qinzhou: by truck
        ld_split[bi] = ld[bi] - up_sea[bi]
        return d, ld, d_split, ld_split

    def transfer_tables(self) -> dict:
        """``canal_transfer``: per yard the canal's boxes go through, over the whole run
        (TEU)."""
        import pandas as pd

        if self.transfer is None:
            return {}
        fin, fout, H = self.fin, self.fout, self.H
        # the stock of the two transfer flows only (as flow_stock has them)
        stock = np.cumsum(fin[:, [XD, XU], :H] - fout[:, [XD, XU], :H], axis=2)
        carries = self._sea & ((self._xd_load > 0) | (self._xu_cnt.sum(axis=1) > 0))
        discharged = self.discharged  # (a view built from the run's list: once)
        rows = []
        for j, y in enumerate(self.yards):
            mine = self._yard_row == j
            b = mine & self._barge
            s = mine & carries
            if not (b.any() or s.any()):
                continue
            xd_in = int(fin[j, XD, :H].sum())
            xu_in = int(fin[j, XU, :H].sum())
            rows.append({
                "yard": y.id, "barge_calls": int(b.sum()), "sea_calls": int(s.sum()),
                "barge_discharged_teu": int(discharged[b].sum()),
                "down_to_sea_teu": xd_in, "down_loaded_teu": int(fout[j, XD, :H].sum()),
                "down_waiting_teu": int(stock[j, 0, -1]) if H else 0,
                "ship_to_ship_teu": int(self._s2s[b & (discharged > 0)].sum()),
                "up_from_sea_teu": xu_in, "up_loaded_teu": int(fout[j, XU, :H].sum()),
                "up_waiting_teu": int(stock[j, 1, -1]) if H else 0,
                "up_short_teu": int((self._up_need[b] - self._xu_got[b]).sum()),
                "mean_stock_teu": float((stock[j, 0] + stock[j, 1]).mean()) if H else 0.0,
            })
        return {"canal_transfer": pd.DataFrame(rows, columns=[
            "yard", "barge_calls", "sea_calls", "barge_discharged_teu", "down_to_sea_teu",
            "down_loaded_teu", "down_waiting_teu", "ship_to_ship_teu", "up_from_sea_teu",
            "up_loaded_teu", "up_waiting_teu", "up_short_teu", "mean_stock_teu"])}
