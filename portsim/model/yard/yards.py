"""The yards of one replication: the per-call box split drawn before the run, and the
class that joins the yard's concerns (stock levels, the ship path, train bookings, numpy
views, result tables). See :mod:`portsim.model.yard` for the method."""

from __future__ import annotations

import math
from array import array

import numpy as np

from portsim.config.scenario import Scenario
from portsim.demand import CallPlan
from portsim.model.yard.canal_transfer import CanalTransfer, transfer_setup
from portsim.model.yard.flows import (
    CANAL_FLOWS,
    CANAL_MODES,
    EIN,
    FLOWS,
    IMP,
    MODES,
    RIMP,
    TS,
    XD,
    XU,
    dwell_hours,
    receiving_window_hours,
    split_batches,
)
from portsim.model.yard.ship_path import ShipPath
from portsim.model.yard.stock import YardStock
from portsim.model.yard.tables import YardTables
from portsim.model.yard.trains import TrainBookings
from portsim.model.yard.transshipment import connect_transshipment
from portsim.model.yard.views import YardViews
from portsim.streams import stream


class Yards(ShipPath, TrainBookings, YardStock, YardViews, YardTables, CanalTransfer):
    """The yards of one replication: hourly TEU stocks and the per-call box split.

    Only what decides the model's course is kept hour by hour while it runs, in plain
    Python lists (a scalar update of a list is ~10x cheaper than a numpy call on a few
    elements): per yard the net change of the stock (``_tot``, which for the hours the
    yard's clock has not reached yet already counts the planned truck deliveries, so the
    look-ahead of a ship is one running sum), the rail boxes becoming ready, and the rail
    groups' pools. Everything else — TEU by flow in and out, rail boxes taken, TEU held at
    the gate — is only *recorded* (a call's discharge hour, one tuple per load, train or
    gate hold) and turned into the numpy views ``fin``, ``fout``, ``taken`` and ``held``
    on request, with ``tot``, ``ready`` and ``planned``. The per-call tables are flat
    lists (no list per call), which keeps the garbage collector's work small.
    """

    def __init__(self, scenario: Scenario, plan: CallPlan, end_h: float, replication: int = 0):
        port, land = scenario.port, scenario.landside
        pol = land.yard
        self.scenario = scenario
        self.yards = list(port.yards)
        ny = len(self.yards)
        self.H = H = math.ceil(end_h)  # hours 0..H-1 are in the run; H on: after it
        # the lists run past the end by the longest dwell (and handling), so bookings after
        # the run need no clipping on the hot path
        longest = max(land.dwell_for(f).max_days for f in ("import", "export",
                                                            "transshipment", "rail", "empty"))
        self._max_off = math.ceil(longest * 24)
        ts_cap = self._max_off
        # the Pinglu Canal's container transfer through the yard (None: not modelled)
        xfer = self.transfer = transfer_setup(scenario)
        self.flows = (*FLOWS, *CANAL_FLOWS) if xfer else FLOWS
        self.modes = CANAL_MODES if xfer else MODES
        if xfer:  # a transfer batch no call takes leaves "never": after the run
            self._max_off = max(self._max_off, H + 1)
        self._never = self._max_off
        self.L = L = H + self._max_off + 24 * 60
        self._last = L - 1
        self._last_in = L - 1 - self._max_off  # latest hour for an entry with dwell departures
        self.end_h = end_h
        self.cap = [y.capacity_teu for y in self.yards]
        self.slow = [pol.slow_at * c for c in self.cap]
        self.slow_factor = pol.slow_factor
        self._ready = [[0] * L for _ in range(ny)]  # rail boxes becoming ready for a train
        self._cursor = [-1] * ny
        self._level = [0] * ny
        self._r_cursor = [-1] * ny
        self._r_level = [0] * ny  # cumulative ready boxes up to the cursor
        self._taken_total = [0] * ny
        self.slowed_h = [0.0] * ny  # hours ships discharged slowly or stood still
        self._held = [[0, 0] for _ in range(ny)]
        self._avail = [[0, 0] for _ in range(ny)]  # admitted, not yet booked to a ship
        self.direct = [0] * ny  # TEU loaded straight from the gate (yard full)
        # rail groups: the yards one rail terminal serves share one pool of ready boxes
        self._group_of: list[int] = [-1] * ny
        self._g_ready: list[list[int]] = []
        self._g_cursor: list[int] = []
        self._g_level: list[int] = []
        self._g_taken: list[int] = []
        self.on_advance = None  # called before a yard's clock moves on (rail: inbound trains)
        k = self.k = pol.dwell_batches

        term_yard = np.full(len(port.terminals), -1)
        t_index = {t.id: i for i, t in enumerate(port.terminals)}
        for j, y in enumerate(self.yards):
            term_yard[t_index[y.terminal]] = j
        if xfer:  # transfer berths work through the yard they are mapped to
            y_index = {y.id: j for j, y in enumerate(self.yards)}
            for tid, yid in xfer.terminal_yard.items():
                term_yard[t_index[tid]] = y_index[yid]
        is_box = np.array([s.cargo == "container" for s in port.ship_classes])[plan.ship_class]
        call_yard = np.where(is_box, term_yard[plan.terminal], -1)
        rows = np.flatnonzero(call_yard >= 0)
        self.rows = rows
        m = len(rows)
        row_of = np.full(len(plan), -1)
        row_of[rows] = np.arange(m)
        self._row = row_of.tolist()
        self._yard_row = call_yard[rows]
        self.arrival_h = plan.arrival_h[rows]  # of the calls through a yard (rows)
        v = np.rint(plan.volume[rows]).astype(np.int64)
        d = np.rint(v * pol.discharge_share).astype(np.int64)
        ld = v - d
        dis = np.zeros((m, 4), np.int64)  # truck, rail, transshipment, empty
        lod = np.zeros((m, 4), np.int64)
        seed = scenario.run.seed
        d_split, ld_split = d, ld  # the TEU split by the terminal's modal split
        if xfer:
            d, ld, d_split, ld_split = self._canal_transfer(scenario, plan, rows, v, replication)
            barge = self._barge
        dwell_off = np.zeros((m, 3 * k), np.int64)  # import | transship | empty_in
        rail_off = np.zeros((m, k), np.int64)
        planned = np.zeros((ny, 2, L), np.int64)  # truck gate-ins: export, empty_out
        terms = plan.terminal[rows]
        e = pol.empty_share
        for tj in np.unique(terms):
            tid = port.terminals[tj].id
            sel = terms == tj
            truck, rail, ts = land.split_for(tid).shares()
            p = np.array([(1 - e) * truck, (1 - e) * rail, (1 - e) * ts, e])
            p = p / p.sum()
            r_split = stream(seed, replication, f"landside:split:{tid}")
            dis[sel] = r_split.multinomial(d_split[sel], p)
            lod[sel] = r_split.multinomial(ld_split[sel], p)
            if xfer:  # a barge's boxes that stay in Qinzhou come and go by truck
                b = sel & barge
                dis[b], lod[b] = 0, 0
                dis[b, 0], lod[b, 0] = d_split[b], ld_split[b]
            r_dw = stream(seed, replication, f"dwell:{tid}")
            ns = int(sel.sum())
            dwell_off[sel, :k] = dwell_hours(land.dwell_for("import"), r_dw, (ns, k))
            dwell_off[sel, k:2 * k] = dwell_hours(land.dwell_for("transshipment"), r_dw, (ns, k))
            dwell_off[sel, 2 * k:] = dwell_hours(land.dwell_for("empty"), r_dw, (ns, k))
            rail_off[sel] = dwell_hours(land.dwell_for("rail"), r_dw, (ns, k))
            # exports and empties delivered by truck an export (empty) dwell before the ship
            # (exports: or in the receiving window before its cut-off, gate.export_arrivals)
            pre_exp = dwell_hours(land.dwell_for("export"), r_dw, (ns, k))
            pre_emp = dwell_hours(land.dwell_for("empty"), r_dw, (ns, k))
            if land.gate.export_arrivals == "cut_off":  # the receiving window before cut-off
                pre_exp = receiving_window_hours(
                    land.gate.cutoff_h, land.gate.receiving_days,
                    stream(seed, replication, f"gate:receiving:{tid}"), (ns, k))
            arr = np.floor(plan.arrival_h[rows[sel]]).astype(np.int64)[:, None]
            ys = self._yard_row[sel]
            for q, col, pre in ((0, 0, pre_exp), (1, 3, pre_emp)):
                cnt = split_batches(lod[sel, col], k)
                hrs = np.clip(arr - pre, 0, H)
                yy = np.broadcast_to(ys[:, None], cnt.shape)
                np.add.at(planned, (yy, q, hrs), cnt)
        self._planned_np = planned
        # transshipment boxes: to a named outgoing call (connection) or after a dwell
        self.connections: list[tuple[int, int, int]] = []  # (from row, to row, TEU)
        self.unconnected_ts_teu = 0
        if pol.transshipment == "connection" and m:
            ts = split_batches(dis[:, 2], k)
            off, self.connections = connect_transshipment(
                plan.arrival_h[rows], plan.terminal[rows], ts, lod[:, 2],
                pol.min_connection_h, ts_cap)
            linked = off >= 0
            dwell_off[:, k:2 * k] = np.where(linked, off, dwell_off[:, k:2 * k])
            self.unconnected_ts_teu = int(ts[~linked].sum())
        # (arrays of machine integers: read a few at a time, not worth Python lists)
        self._planned_export = [array("q", planned[j, 0].tobytes()) for j in range(ny)]
        self._planned_empty = [array("q", planned[j, 1].tobytes()) for j in range(ny)]
        # net stock change per hour; the hours ahead of a yard's clock count its planned
        # truck deliveries already (taken out again if the gate holds them, see _advance)
        self._tot = planned.sum(axis=1).tolist()
        dwell_cnt = np.concatenate([split_batches(dis[:, 0], k), split_batches(dis[:, 2], k),
                                    split_batches(dis[:, 3], k)], axis=1)
        rail_cnt = split_batches(dis[:, 1], k)
        self._flow_of_col = [IMP] * k + [TS] * k + [EIN] * k
        self._dis_flows = (IMP, RIMP, TS, EIN)  # the flows of split_discharge's columns
        if xfer:  # + canal_to_sea (barges' batches) | sea_to_canal (sea calls' pieces)
            dwell_off = np.concatenate([dwell_off, self._xd_off, self._xu_off], axis=1)
            dwell_cnt = np.concatenate([dwell_cnt, self._xd_cnt, self._xu_cnt], axis=1)
            self._flow_of_col += [XD] * k + [XU] * k
            self._dis_flows += (XD, XU)
            dis = np.concatenate([dis, self._xd_cnt.sum(axis=1)[:, None],
                                  self._xu_cnt.sum(axis=1)[:, None]], axis=1)
            lod = np.concatenate([lod, self._xd_load[:, None], self._xu_got[:, None]], axis=1)
        self._nc = len(self._flow_of_col)  # dwell batches per call
        # per call, the batches leaving by dwell that hold boxes (a call's row of the
        # (calls, 3k [+ 2k with the canal's transfer]) table has many empty ones: a call
        # with no transshipment, every call that carries no transfer boxes), flat: call
        # r's from _dptr[r] to _dptr[r + 1] — offset, TEU (and flow, kept as an array:
        # only the slow path reads it); and the rail batches becoming ready (flat, k per
        # call: offset, TEU)
        held = dwell_cnt != 0
        d_rows, d_cols = np.nonzero(held)  # by call, then column: the order of the table
        self._dwell_row = d_rows
        self._dwell_flow = np.asarray(self._flow_of_col, np.int64)[d_cols]
        self._dwell_offs, self._dwell_cnts = dwell_off[held], dwell_cnt[held]
        self._dptr = np.r_[0, np.cumsum(held.sum(axis=1))].tolist()
        self._doff, self._dcnt = self._dwell_offs.tolist(), self._dwell_cnts.tolist()
        self._rail_off, self._rail_cnt = rail_off, rail_cnt
        self._roff, self._rcnt = rail_off.ravel().tolist(), rail_cnt.ravel().tolist()
        # the earliest a call's boxes leave (none: after the run)
        self._min_off = (np.where(held, dwell_off, self.L).min(axis=1).tolist()
                         if m else [])
        self._arrays: dict[str, np.ndarray] = {}
        self.split_discharge = dis
        self.split_load = lod
        self._discharge_teu = d.tolist()
        self._dfrac = np.where(v > 0, d / np.maximum(v, 1), 0.0).tolist()
        if xfer:  # ship-to-ship boxes are worked but never enter the yard
            self._discharge_teu = (d - self._s2s).tolist()
        self._drail = dis[:, 1].tolist()
        self._exp = lod[:, 0].tolist()
        self._eout = lod[:, 3].tolist()
        self._yr = self._yard_row.tolist()
        # ship-side records: TEU discharged into / loaded from the yard, per row
        self._discharged = [0] * m
        self._loaded = [0] * m
        self._load_hour = [-1] * m
        # records from which the numpy views are built (see _flows)
        self._dis_h = [-1] * m  # hour a call discharged all at once (fast path)
        # flat lists of ints, a fixed number per record:
        self._slow_discharges: list[int] = []  # slow-path discharge: y, flow, h, TEU, dwell h
        self._fast_load_h = [-1] * m  # hour a call loaded all at once (fast path)
        self._fast_direct: list[int] = []  # ... of which straight from the gate: y, h, exp, eout
        self._slow_loads: list[int] = []  # slow-path loading: y, h, exp, eout, of which direct
        self._gate_hours: list[int] = []  # gate hour: y, h, Δ exp, Δ eout admitted, TEU held
        self._train_unloads: list[int] = []  # trains unloaded: y, h, TEU, dwell source, its row
        self._train_loads: list[int] = []  # rail boxes loaded: y, h reserved, h left, TEU
        self._rail_rolls: list[int] = []  # rail exports rolled: y, h, ±TEU (records.RAIL_ROLL)
        # the liner service of each call through a yard (rows; -1: not a service call)
        self.service_row = plan.service[rows]
        # rail dwell of trains' boxes, by source (rail terminal): flat hours, (n, k), TEU
        self._src_flat: list[list[int]] = []
        self._src_off: list[np.ndarray] = []
        self._src_cnt: list[tuple[int, ...]] = []
