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
                                          connecting vessel is not identified)
rail_imp   ship           rail            on an outbound train, after it has
                                          waited a rail dwell (customs, planning)
rail_exp   rail           ship            unloading + rail dwell
empty_in   ship           truck (gate)    discharge + empty dwell
empty_out  truck (gate)   ship            when its ship loads
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
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from itertools import accumulate, zip_longest
from operator import add

import numpy as np
import pandas as pd

from portsim.config.landside import DwellSpec
from portsim.config.scenario import Scenario
from portsim.demand import HOURS_PER_YEAR, CallPlan
from portsim.streams import gamma_multiplier, stream

FLOWS = ("import", "export", "transshipment", "rail_import", "rail_export", "empty_in",
         "empty_out")
IMP, EXP, TS, RIMP, REXP, EIN, EOUT = range(len(FLOWS))
FLOW_MODES = {  # flow: (enters from, leaves to)
    "import": ("ship", "truck"), "export": ("truck", "ship"),
    "transshipment": ("ship", "ship"), "rail_import": ("ship", "rail"),
    "rail_export": ("rail", "ship"), "empty_in": ("ship", "truck"),
    "empty_out": ("truck", "ship"),
}
MODES = ("ship", "truck", "rail")


def dwell_hours(spec: DwellSpec, rng: np.random.Generator, size) -> np.ndarray:
    """Whole hours of dwell, drawn from ``spec`` and truncated at ``max_days``."""
    n = int(np.prod(size))
    if spec.dist == "fixed" or spec.cv == 0:
        days = np.full(n, spec.mean_days)
    elif spec.dist == "gamma":
        days = spec.mean_days * gamma_multiplier(rng, spec.cv, n)
    else:
        s2 = math.log1p(spec.cv**2)
        days = rng.lognormal(math.log(spec.mean_days) - s2 / 2, math.sqrt(s2), n)
    days = np.minimum(days, spec.max_days)
    return np.rint(days * 24.0).astype(np.int64).reshape(size)


def split_batches(n: np.ndarray, k: int) -> np.ndarray:
    """Integer counts ``n`` split into ``k`` near-equal batches, shape (len(n), k)."""
    base, rem = np.divmod(n, k)
    return base[:, None] + (np.arange(k)[None, :] < rem[:, None])


class Yards:
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
            dis[sel] = r_split.multinomial(d[sel], p)
            lod[sel] = r_split.multinomial(ld[sel], p)
            r_dw = stream(seed, replication, f"dwell:{tid}")
            ns = int(sel.sum())
            dwell_off[sel, :k] = dwell_hours(land.dwell_for("import"), r_dw, (ns, k))
            dwell_off[sel, k:2 * k] = dwell_hours(land.dwell_for("transshipment"), r_dw, (ns, k))
            dwell_off[sel, 2 * k:] = dwell_hours(land.dwell_for("empty"), r_dw, (ns, k))
            rail_off[sel] = dwell_hours(land.dwell_for("rail"), r_dw, (ns, k))
            # exports and empties delivered by truck an export (empty) dwell before the ship
            pre_exp = dwell_hours(land.dwell_for("export"), r_dw, (ns, k))
            pre_emp = dwell_hours(land.dwell_for("empty"), r_dw, (ns, k))
            arr = np.floor(plan.arrival_h[rows[sel]]).astype(np.int64)[:, None]
            ys = self._yard_row[sel]
            for q, col, pre in ((0, 0, pre_exp), (1, 3, pre_emp)):
                cnt = split_batches(lod[sel, col], k)
                hrs = np.clip(arr - pre, 0, H)
                yy = np.broadcast_to(ys[:, None], cnt.shape)
                np.add.at(planned, (yy, q, hrs), cnt)
        self._planned_np = planned
        # (arrays of machine integers: read a few at a time, not worth Python lists)
        self._pl0 = [array("q", planned[j, 0].tobytes()) for j in range(ny)]
        self._pl1 = [array("q", planned[j, 1].tobytes()) for j in range(ny)]
        # net stock change per hour; the hours ahead of a yard's clock count its planned
        # truck deliveries already (taken out again if the gate holds them, see _advance)
        self._tot = planned.sum(axis=1).tolist()
        dwell_cnt = np.concatenate([split_batches(dis[:, 0], k), split_batches(dis[:, 2], k),
                                    split_batches(dis[:, 3], k)], axis=1)
        rail_cnt = split_batches(dis[:, 1], k)
        self._flow_of_col = [IMP] * k + [TS] * k + [EIN] * k
        self._nc = 3 * k  # dwell batches per call
        # per call (flat, 3k resp. k entries per row): batches leaving by dwell (offset,
        # TEU) and rail batches becoming ready (offset, TEU)
        self._dwell_off, self._dwell_cnt = dwell_off, dwell_cnt
        self._rail_off, self._rail_cnt = rail_off, rail_cnt
        self._doff, self._dcnt = dwell_off.ravel().tolist(), dwell_cnt.ravel().tolist()
        self._roff, self._rcnt = rail_off.ravel().tolist(), rail_cnt.ravel().tolist()
        self._min_off = dwell_off.min(axis=1).tolist() if m else []
        self._arrays: dict[str, np.ndarray] = {}
        self.split_discharge = dis
        self.split_load = lod
        self._D = d.tolist()
        self._dfrac = np.where(v > 0, d / np.maximum(v, 1), 0.0).tolist()
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
        self._pieces: list[int] = []  # slow-path discharge: y, flow, h, TEU, dwell h
        self._fast_load_h = [-1] * m  # hour a call loaded all at once (fast path)
        self._direct: list[int] = []  # ... of which straight from the gate: y, h, exp, eout
        self._loads: list[int] = []  # slow-path loading: y, h, exp, eout, of which direct
        self._gate: list[int] = []  # gate hour: y, h, Δ exp, Δ eout admitted, TEU held
        self._rin: list[int] = []  # trains unloaded: y, h, TEU, dwell source, its row
        self._rout: list[int] = []  # rail boxes loaded: y, h reserved, h left, TEU
        # rail dwell of trains' boxes, by source (rail terminal): flat hours, (n, k), TEU
        self._src_flat: list[list[int]] = []
        self._src_off: list[np.ndarray] = []
        self._src_cnt: list[tuple[int, ...]] = []

    # ------------------------------------------------------------------ numpy views

    def freeze(self) -> None:
        """The run is over: from now on the numpy views are built once and kept."""
        self._frozen = True

    def _keep(self, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if getattr(self, "_frozen", False):
            self._arrays.update(arrays)
        return arrays

    def _flows(self) -> dict[str, np.ndarray]:
        """``fin``, ``fout``, ``taken``, ``held`` and ``ready`` from the records, as the run
        has booked them so far (the hot path keeps no per-flow lists)."""
        if "fin" in self._arrays:
            return self._arrays
        ny, nf, L = len(self.yards), len(FLOWS), self.L
        fin = np.zeros(ny * nf * L, np.int64)  # flat: (yard, flow, hour)
        fout = np.zeros(ny * nf * L, np.int64)
        ready = np.zeros(ny * L, np.int64)

        def at(y, f, h) -> np.ndarray:
            return (np.asarray(y) * nf + f) * L + h

        def records(rec: list[int], width: int) -> np.ndarray:
            return np.array(rec, np.int64).reshape(-1, width)

        # ships: discharged at once (fast path) ...
        dis_h = np.asarray(self._dis_h, np.int64)
        r = np.flatnonzero(dis_h >= 0)
        ys, hs = self._yard_row[r], dis_h[r]
        for col, f in enumerate((IMP, RIMP, TS, EIN)):
            np.add.at(fin, at(ys, f, hs), self.split_discharge[r, col])
        np.add.at(fout, at(ys[:, None], np.asarray(self._flow_of_col)[None, :],
                           hs[:, None] + self._dwell_off[r]).ravel(),
                  self._dwell_cnt[r].ravel())
        np.add.at(ready, (ys[:, None] * L + hs[:, None] + self._rail_off[r]).ravel(),
                  self._rail_cnt[r].ravel())
        # ... or hour by hour (slow path)
        a = records(self._pieces, 5)
        np.add.at(fin, at(a[:, 0], a[:, 1], a[:, 2]), a[:, 3])
        rail = a[:, 1] == RIMP
        np.add.at(ready, a[rail, 0] * L + a[rail, 2] + a[rail, 4], a[rail, 3])
        a = a[~rail]
        np.add.at(fout, at(a[:, 0], a[:, 1], a[:, 2] + a[:, 4]), a[:, 3])
        # ships loading: all at once (fast path; some straight from the gate) ...
        lh = np.asarray(self._fast_load_h, np.int64)
        r = np.flatnonzero(lh >= 0)
        ys, hs = self._yard_row[r], lh[r]
        np.add.at(fout, at(ys, EXP, hs), self.split_load[r, 0])
        np.add.at(fout, at(ys, EOUT, hs), self.split_load[r, 3])
        a = records(self._direct, 4)
        np.add.at(fin, at(a[:, 0], EXP, a[:, 1]), a[:, 2])
        np.add.at(fin, at(a[:, 0], EOUT, a[:, 1]), a[:, 3])
        # ... or bit by bit (slow path)
        a = records(self._loads, 6)
        for f, col, direct in ((EXP, 2, 4), (EOUT, 3, 5)):
            np.add.at(fout, at(a[:, 0], f, a[:, 1]), a[:, col])
            np.add.at(fin, at(a[:, 0], f, a[:, 1]), a[:, direct])
        # trucks through the gate: the planned deliveries up to each yard's clock, less
        # what the gate held back (and plus what it let in later)
        a = records(self._gate, 5)
        for f, col in ((EXP, 2), (EOUT, 3)):
            np.add.at(fin, at(a[:, 0], f, a[:, 1]), a[:, col])
        held = np.zeros((ny, L), np.int64)
        held[a[:, 0], a[:, 1]] = a[:, 4]
        fin = fin.reshape(ny, nf, L)
        for y in range(ny):
            c = self._cursor[y] + 1
            fin[y, EXP, :c] += self._planned_np[y, 0, :c]
            fin[y, EOUT, :c] += self._planned_np[y, 1, :c]
        fin = fin.reshape(-1)
        # trains: unloaded (their batches leave after a rail dwell) ...
        a = records(self._rin, 5)
        np.add.at(fin, at(a[:, 0], REXP, a[:, 1]), a[:, 2])
        for src in range(len(self._src_off)):
            b = a[a[:, 3] == src]
            np.add.at(fout, at(b[:, :1], REXP, b[:, 1:2] + self._src_off[src][b[:, 4]]).ravel(),
                      np.tile(self._src_cnt[src], len(b)))
        # ... and loaded
        a = records(self._rout, 4)
        np.add.at(fout, at(a[:, 0], RIMP, a[:, 2]), a[:, 3])
        taken = np.zeros(ny * L, np.int64)
        np.add.at(taken, a[:, 0] * L + a[:, 1], a[:, 3])
        return self._keep({"fin": fin.reshape(ny, nf, L), "fout": fout.reshape(ny, nf, L),
                           "taken": taken.reshape(ny, L), "held": held,
                           "ready": ready.reshape(ny, L)})

    @property
    def fin(self) -> np.ndarray:
        """TEU entering, (yards, flows, hours incl. after the run)."""
        return self._flows()["fin"]

    @property
    def fout(self) -> np.ndarray:
        """TEU leaving, (yards, flows, hours incl. after the run)."""
        return self._flows()["fout"]

    @property
    def taken(self) -> np.ndarray:
        """Rail boxes reserved by a train, (yards, hours)."""
        return self._flows()["taken"]

    @property
    def held(self) -> np.ndarray:
        """TEU held at the gate, (yards, hours)."""
        return self._flows()["held"]

    @property
    def tot(self) -> np.ndarray:
        """Net change of the stock, (yards, hours): entries less departures, booked so
        far (the planned truck deliveries ahead of a yard's clock are not in yet)."""
        if "tot" in self._arrays:
            return self._arrays["tot"]
        return self._keep({"tot": self.fin.sum(axis=1) - self.fout.sum(axis=1)})["tot"]

    @property
    def ready(self) -> np.ndarray:
        """Rail boxes becoming ready for a train, (yards, hours)."""
        return self._flows()["ready"]

    @property
    def planned(self) -> np.ndarray:
        """Truck deliveries planned (exports, empties), (yards, 2, hours)."""
        return self._planned_np

    @property
    def discharged(self) -> np.ndarray:
        """TEU each call (row) discharged into the yard so far."""
        return np.asarray(self._discharged, np.int64)

    @property
    def loaded(self) -> np.ndarray:
        """TEU each call (row) loaded from the yard (or the gate) so far."""
        return np.asarray(self._loaded, np.int64)

    @property
    def load_hour(self) -> np.ndarray:
        """Hour of each call's (last) loading booking; -1 if none."""
        return np.asarray(self._load_hour, np.int64)

    # ------------------------------------------------------------------ stock levels

    def uses(self, i: int) -> bool:
        """Whether call ``i`` goes through a yard."""
        return self._row[i] >= 0

    def level_at(self, y: int, h: int) -> int:
        """Stock of yard ``y`` (TEU) during hour ``h`` as booked so far."""
        if h >= self.H:
            h = self.H - 1
        c = self._cursor[y]
        if h > c:
            if self.on_advance is not None:
                self.on_advance()  # let the rail book the inbound trains that have arrived
                c = self._cursor[y]
            self._advance(y, c, h)
        elif h < c:  # an earlier hour than one already looked at
            return self._level[y] - sum(self._tot[y][h + 1:c + 1])
        return self._level[y]

    def _advance(self, y: int, c: int, h: int) -> None:
        """Move yard ``y``'s clock from hour ``c`` to ``h``, admitting the truck gate-ins
        due (and any held at the gate) while the stock stays at or below the gate limit
        (``slow_at`` × capacity: above it the space is kept for ships).

        The hours ahead of the clock already count the planned deliveries, so in the
        usual case (nothing held, the limit not reached) admitting them is a running sum;
        otherwise hour by hour, each hour's planned deliveries are taken out of its net
        change and what the gate lets in is put back (recorded for ``fin`` / ``held``)."""
        tot = self._tot[y]
        held, avail = self._held[y], self._avail[y]
        lim = self.slow[y]
        lvl = self._level[y]
        a, z = c + 1, h + 1
        pl0, pl1 = self._pl0[y], self._pl1[y]
        if not (held[0] or held[1]):  # the usual case: everything due gets in at once
            run = list(accumulate(tot[a:z], initial=lvl))
            if max(run) <= lim:
                avail[0] += sum(pl0[a:z])
                avail[1] += sum(pl1[a:z])
                self._level[y] = run[-1]
                self._cursor[y] = h
                return
        gate = self._gate
        for hh in range(a, z):
            a0, a1 = pl0[hh], pl1[hh]
            lvl += tot[hh] - a0 - a1
            if a0 or a1 or held[0] or held[1]:
                h0, h1 = held[0] + a0, held[1] + a1
                pend = h0 + h1
                n = n0 = n1 = 0
                if lvl < lim:
                    n = min(pend, int(lim - lvl))
                    n1 = min(h1, n * h1 // pend)
                    n0 = min(h0, n - n1)
                    n1 = n - n0
                    lvl += n
                    h0 -= n0
                    h1 -= n1
                    avail[0] += n0
                    avail[1] += n1
                tot[hh] += n - a0 - a1
                held[0], held[1] = h0, h1
                gate += (y, hh, n0 - a0, n1 - a1, h0 + h1)
        self._level[y] = lvl
        self._cursor[y] = h

    def _book(self, y: int, h: int, n: int) -> None:
        """Add ``n`` (may be negative) to the net stock change of hour ``h``."""
        self._tot[y][h] += n
        if h <= self._cursor[y]:
            self._level[y] += n

    def rail_ready(self, y: int, h: int) -> int:
        """Rail boxes in yard ``y`` ready for a train and not yet taken, at hour ``h``."""
        if h >= self.H:
            h = self.H - 1
        c = self._r_cursor[y]
        ready = self._ready[y]
        if h > c:
            self._r_level[y] += sum(ready[c + 1:h + 1])
            self._r_cursor[y] = h
        elif h < c:
            return self._r_level[y] - sum(ready[h + 1:c + 1]) - self._taken_total[y]
        return self._r_level[y] - self._taken_total[y]

    def rail_ready_all(self, ys: list[int], h: int) -> list[int]:
        """:meth:`rail_ready` of each yard in ``ys`` (one call for a rail terminal)."""
        if h >= self.H:
            h = self.H - 1
        out = []
        for y in ys:
            c = self._r_cursor[y]
            if h > c:
                self._r_level[y] += sum(self._ready[y][c + 1:h + 1])
                self._r_cursor[y] = h
                out.append(self._r_level[y] - self._taken_total[y])
            else:
                out.append(self.rail_ready(y, h))
        return out

    def ready_group(self, ys: list[int]) -> int:
        """Make the yards ``ys`` one pool of rail boxes (those one rail terminal serves);
        returns the group's index for :meth:`group_pool` and :meth:`group_full_at`."""
        g = len(self._g_ready)
        for y in ys:
            self._group_of[y] = g
        if any(any(self._ready[y]) for y in ys):
            arr = list(map(sum, zip(*(self._ready[y] for y in ys), strict=True)))
        else:  # (no boxes booked yet: the usual case, the rail is set up before the run)
            arr = [0] * self.L
        self._g_ready.append(arr)
        self._g_cursor.append(-1)
        self._g_level.append(0)
        self._g_taken.append(sum(self._taken_total[y] for y in ys))
        return g

    def group_pool(self, g: int, h: int) -> int:
        """Ready rail boxes not yet taken in rail group ``g`` at hour ``h`` (a running
        sum kept at a cursor; never decreasing in ``h``)."""
        if h >= self.H:
            h = self.H - 1
        c = self._g_cursor[g]
        ready = self._g_ready[g]
        if h > c:
            self._g_level[g] += sum(ready[c + 1:h + 1])
            self._g_cursor[g] = h
        elif h < c:
            return self._g_level[g] - sum(ready[h + 1:c + 1]) - self._g_taken[g]
        return self._g_level[g] - self._g_taken[g]

    def group_full_at(self, g: int, h: int, until: int, need: int) -> float:
        """First hour in [h, until] when the boxes booked so far make ``need`` in group
        ``g``; infinity if none."""
        pool = self.group_pool(g, h)
        if pool >= need:
            return float(h)
        ready = self._g_ready[g]
        for hh in range(h + 1, min(until, self.H - 1) + 1):
            pool += ready[hh]
            if pool >= need:
                return float(hh)
        return math.inf

    def _book_ready(self, y: int, h: int, offs, cnts) -> None:
        """Rail boxes discharged at hour ``h`` become ready ``o`` hours later: batches of
        ``n`` TEU, offsets ``offs`` and TEU ``cnts``."""
        ready = self._ready[y]
        g = self._group_of[y]
        rc = self._r_cursor[y]
        radd = 0
        if g >= 0:
            garr, gc = self._g_ready[g], self._g_cursor[g]
            if h > rc and h > gc:  # the usual case: every batch ahead of the cursors
                for o, n in zip(offs, cnts, strict=True):
                    ready[h + o] += n
                    garr[h + o] += n
                return
            gadd = 0
            for o, n in zip(offs, cnts, strict=True):
                if n:
                    hh = h + o
                    ready[hh] += n
                    garr[hh] += n
                    if hh <= rc:
                        radd += n
                    if hh <= gc:
                        gadd += n
            self._g_level[g] += gadd
        else:
            for o, n in zip(offs, cnts, strict=True):
                if n:
                    ready[h + o] += n
                    if h + o <= rc:
                        radd += n
        self._r_level[y] += radd

    # ------------------------------------------------------------------ ships

    def fast(self, i: int, start_h: float, work_h: float) -> bool:
        """Book call ``i``'s boxes at once if its discharge cannot meet a slowed yard
        (handling from ``start_h`` for ``work_h`` hours); False: use :meth:`handle_slowly`."""
        r = self._row[i]
        y = self._yr[r]
        d = self._D[r]
        wd = work_h * self._dfrac[r]
        H = self.H
        h0 = int(start_h)
        if h0 >= H:
            h0 = H - 1
        c = self._cursor[y]
        if h0 > c:  # (level_at, inlined)
            if self.on_advance is not None:
                self.on_advance()
                c = self._cursor[y]
            self._advance(y, c, h0)
            lvl = self._level[y]
        else:
            lvl = self.level_at(y, h0)
        if d > 0:
            held = self._held[y]
            peak = lvl + held[0] + held[1] + d
            lim = self.slow[y]
            if peak > lim:
                return False
            a, z = h0 + 1, min(int(start_h + wd), H - 1) + 1
            if z > a:
                tot = self._tot[y]
                c = self._cursor[y]
                if c >= a:  # hours the clock has passed: add their planned deliveries
                    e = min(c + 1, z)
                    plt = map(add, self._pl0[y][a:e], self._pl1[y][a:e])
                    seg = list(map(add, tot[a:e], plt)) + tot[e:z]
                else:
                    seg = tot[a:z]
                if peak + max(0, max(accumulate(seg))) > lim:
                    return False
            h = int(start_h + wd / 2)
            self._discharge_all(r, y, h if h < self._last_in else self._last_in)
        h = int(start_h + wd + (work_h - wd) / 2)
        self._load_all(r, y, h if h < self._last else self._last)
        return True

    def _discharge_all(self, r: int, y: int, h: int) -> None:
        """Book all of call row ``r``'s discharge at hour ``h``: the entry, the batches'
        dwell departures and the rail boxes' ready hours."""
        d = self._D[r]
        tot = self._tot[y]
        tot[h] += d
        nc = self._nc
        b = r * nc
        offs, cnts = self._doff[b:b + nc], self._dcnt[b:b + nc]
        for o, n in zip(offs, cnts, strict=True):
            tot[h + o] -= n
        c = self._cursor[y]
        if h <= c:  # an hour the yard's clock has passed (rare): its level moves too
            self._level[y] += d
            if h + self._min_off[r] <= c:
                self._level[y] -= sum(n for o, n in zip(offs, cnts, strict=True) if h + o <= c)
        self._discharged[r] += d
        self._dis_h[r] = h
        if self._drail[r]:
            b = r * self.k
            self._book_ready(y, h, self._roff[b:b + self.k], self._rcnt[b:b + self.k])

    def handle_slowly(self, env, i: int, work_h: float):
        """Work call ``i`` hour by hour against its yard's stock.

        Discharge runs at full rate below ``slow_at`` × capacity and at ``slow_factor`` ×
        rate up to capacity. While the yard is full the cranes load instead (at
        ``slow_factor`` × rate; loading frees space) and stand still once there is nothing
        left to load. Returns (hours lost to the yard, hours of loading still to do)."""
        r = self._row[i]
        y = self._yr[r]
        d = self._D[r]
        wd = work_h * self._dfrac[r]
        wl = work_h - wd
        t0 = env.now
        H = self.H
        k, nc = self.k, 3 * self.k
        by_flow: dict[int, list[list[int]]] = {IMP: [], TS: [], EIN: [], RIMP: []}
        for f, o, n in zip(self._flow_of_col, self._doff[r * nc:(r + 1) * nc],
                           self._dcnt[r * nc:(r + 1) * nc], strict=True):
            if n:
                by_flow[f].append([f, o, n])
        by_flow[RIMP] = [[RIMP, o, n] for o, n in zip(self._roff[r * k:(r + 1) * k],
                                                      self._rcnt[r * k:(r + 1) * k],
                                                      strict=True) if n]
        pieces: deque[list[int]] = deque(  # interleave the flows: a discharge mixes them
            p for batch in zip_longest(*by_flow.values()) for p in batch if p)
        rate = d / wd if wd > 0 else math.inf
        cap, slow = self.cap[y], self.slow[y]
        done = 0.0
        booked = 0
        p_load = 0.0  # share of the loading done while discharge was blocked
        exp, eout = self._exp[r], self._eout[r]
        got = [0, 0]  # export and empty TEU loaded so far
        while booked < d:
            t = env.now
            h = int(t)
            if h >= H:  # the run is over
                yield env.timeout(1.0)
                continue
            lvl = self.level_at(y, h)
            if lvl < cap:
                speed = rate * (1.0 if lvl < slow else self.slow_factor)
                room = cap - lvl
                dt = min(h + 1 - t, (d - done) / speed)
                x = speed * dt
                if x > room:
                    x = room
                    dt = x / speed
                done += x
                target = d if done >= d - 1e-9 else min(d, int(done))
                if target > booked:
                    self._discharge_part(y, h, target - booked, pieces)
                    self._discharged[r] += target - booked
                    booked = target
                if dt > 0:
                    yield env.timeout(dt)
            elif wl > 0 and p_load < 1.0:
                speed = self.slow_factor / wl
                dt = min(h + 1 - t, (1.0 - p_load) / speed)
                p_load = min(1.0, p_load + speed * dt)
                self._load_upto(r, y, h, p_load, got)
                yield env.timeout(dt)
            else:
                yield env.timeout(h + 1 - t)
        left = wl * (1.0 - p_load)
        lost = max(0.0, env.now - t0 - wd - wl * p_load)
        self.slowed_h[y] += env.now - t0
        if got[0] < exp or got[1] < eout:
            self._load_upto(r, y, min(int(env.now + left / 2), self._last), 1.0, got)
        return lost, left

    def _load_all(self, r: int, y: int, h: int) -> None:
        """Book all of call row ``r``'s loading at hour ``h`` (the fast path; as
        :meth:`_load_upto` with nothing loaded before)."""
        n0, n1 = self._exp[r], self._eout[r]
        if n0 or n1:
            held, avail = self._held[y], self._avail[y]
            a0, a1 = avail
            own0 = n0 if n0 < a0 else a0
            own1 = n1 if n1 < a1 else a1
            avail[0], avail[1] = a0 - own0, a1 - own1
            d0, d1 = n0 - own0, n1 - own1  # still held at the gate: straight to the ship
            if d0 or d1:
                held[0] -= d0
                held[1] -= d1
                self.direct[y] += d0 + d1
                self._direct += (y, h, d0, d1)
            self._fast_load_h[r] = h
            own = own0 + own1
            self._tot[y][h] -= own
            if h <= self._cursor[y]:
                self._level[y] -= own
            self._loaded[r] += n0 + n1
            self._load_hour[r] = h

    def _load_upto(self, r: int, y: int, h: int, share: float, got: list[int]) -> None:
        """Book the loading of call row ``r`` up to ``share`` of its boxes at hour ``h``:
        admitted boxes leave the yard, boxes still held at the gate go straight aboard."""
        exp, eout = self._exp[r], self._eout[r]
        te = exp if share >= 1.0 else int(share * exp)
        tm = eout if share >= 1.0 else int(share * eout)
        n0, n1 = te - got[0], tm - got[1]
        if n0 or n1:
            held, avail = self._held[y], self._avail[y]
            own0 = n0 if n0 < avail[0] else avail[0]
            own1 = n1 if n1 < avail[1] else avail[1]
            avail[0] -= own0
            avail[1] -= own1
            d0, d1 = n0 - own0, n1 - own1  # still held at the gate: straight to the ship
            held[0] -= d0
            held[1] -= d1
            self._loads += (y, h, n0, n1, d0, d1)
            self.direct[y] += d0 + d1
            self._book(y, h, -(own0 + own1))
            self._loaded[r] += n0 + n1
            self._load_hour[r] = h
            got[0], got[1] = te, tm

    def _discharge_part(self, y: int, h: int, n: int, pieces: deque) -> None:
        """Book ``n`` TEU discharged at hour ``h``, taken from the call's batch queue."""
        self._book(y, h, n)
        while n > 0:
            piece = pieces[0]
            f, off, left = piece
            take = min(n, left)
            self._pieces += (y, f, h, take, off)
            if f == RIMP:
                self._book_ready(y, h, (off,), (take,))
            else:
                self._book(y, h + off, -take)
            n -= take
            if take == left:
                pieces.popleft()
            else:
                piece[2] = left - take

    # ------------------------------------------------------------------ trains

    def rail_load(self, y: int, h: int, h_out: int, n: int) -> None:
        """A train reserves ``n`` ready rail boxes of yard ``y`` at hour ``h``; they leave
        the yard on it at hour ``h_out`` (the end of its handling)."""
        self._taken_total[y] += n
        g = self._group_of[y]
        if g >= 0:
            self._g_taken[g] += n
        if h_out > self._last:
            h_out = self._last
        self._tot[y][h_out] -= n
        if h_out <= self._cursor[y]:
            self._level[y] -= n
        self._rout += (y, h, h_out, n)

    def rail_source(self, offsets: np.ndarray, cnts: tuple[int, ...]) -> int:
        """Register the rail dwell (hours, one row of ``k`` batches per train) drawn for
        the boxes inbound trains bring, and the TEU of the batches; returns the source
        number for :meth:`rail_in`."""
        self._src_flat.append(offsets.ravel().tolist())
        self._src_off.append(offsets)
        self._src_cnt.append(tuple(cnts))
        return len(self._src_off) - 1

    def rail_in(self, y: int, h: int, n: int, src: int, row: int) -> None:
        """``n`` export boxes unloaded from a train into yard ``y`` at hour ``h``; they
        leave for their ships in batches after their rail dwell (row ``row`` of source
        ``src``, see :meth:`rail_source`)."""
        if h > self._last_in:
            h = self._last_in
        k = self.k
        offs, cnts = self._src_flat[src][row * k:row * k + k], self._src_cnt[src]
        tot = self._tot[y]
        tot[h] += n
        for o, m in zip(offs, cnts, strict=True):
            tot[h + o] -= m
        c = self._cursor[y]
        if h <= c:  # an hour the yard's clock has passed (rare): its level moves too
            self._level[y] += n - sum(m for o, m in zip(offs, cnts, strict=True) if h + o <= c)
        self._rin += (y, h, n, src, row)

    def rail_export_weights(self, ys: list[int]) -> np.ndarray:
        """Expected rail exports of each yard (from the calls' load splits), normalised."""
        w = np.array([self.split_load[self._yard_row == y, 1].sum() for y in ys], float)
        if w.sum() <= 0:
            w = np.ones(len(ys))
        return w / w.sum()

    # ------------------------------------------------------------------ results

    def stock(self) -> np.ndarray:
        """Stock per yard and hour of the run, shape (yards, H)."""
        return np.cumsum(self.tot[:, :self.H], axis=1)

    def flow_stock(self, fin: np.ndarray | None = None, fout: np.ndarray | None = None
                   ) -> np.ndarray:
        """Stock per yard, flow and hour, shape (yards, flows, H)."""
        fin = self.fin if fin is None else fin
        fout = self.fout if fout is None else fout
        return np.cumsum(fin[:, :, :self.H] - fout[:, :, :self.H], axis=2)

    def ledger(self) -> pd.DataFrame:
        """TEU in and out of each yard by mode over the whole run, and the end stock."""
        rows = []
        stock = self.stock()
        fin, fout = self.fin, self.fout
        for j, y in enumerate(self.yards):
            row = {"yard": y.id, "terminal": y.terminal}
            for mode in MODES:
                row[f"in_{mode}"] = int(sum(fin[j, f, :self.H].sum()
                                            for f, name in enumerate(FLOWS)
                                            if FLOW_MODES[name][0] == mode))
                row[f"out_{mode}"] = int(sum(fout[j, f, :self.H].sum()
                                             for f, name in enumerate(FLOWS)
                                             if FLOW_MODES[name][1] == mode))
            row["held_at_gate_end"] = self._held[j][0] + self._held[j][1]
            row["planned_gate_in"] = int(self._planned_np[j, :, :self.H].sum())
            row["stock_end"] = int(stock[j, -1]) if self.H else 0
            row["min_stock"] = int(stock[j].min()) if self.H else 0
            rows.append(row)
        return pd.DataFrame(rows)

    def tables(self, start_h: float, yard_wait: np.ndarray, in_window: np.ndarray
               ) -> dict[str, pd.DataFrame]:
        """KPI tables: ``yard`` (per yard), ``yard_flows`` (per yard and flow),
        ``yard_hourly`` (stock over time) and ``yard_ledger`` (the box balance)."""
        H = self.H
        for j in range(len(self.yards)):  # let the gate admit what is due until the end
            self.level_at(j, H - 1)
        self.freeze()
        h0 = min(int(start_h), H)
        window_h = max(H - h0, 1)
        annual = HOURS_PER_YEAR / window_h
        stock = self.stock()
        fin, fout, held = self.fin, self.fout, self.held
        fstock = self.flow_stock(fin, fout)
        ready_cum = np.cumsum(self.ready[:, :H], axis=1)
        taken_cum = np.cumsum(self.taken[:, :H], axis=1)
        waiting_rail = ready_cum - taken_cum
        rows, frows = [], []
        call_wait = yard_wait[self.rows]
        inwin = in_window[self.rows]
        for j, y in enumerate(self.yards):
            s = stock[j, h0:H]
            mine = (self._yard_row == j) & inwin
            w = call_wait[mine]
            mean = float(s.mean()) if len(s) else 0.0
            rows.append({
                "yard": y.id, "terminal": y.terminal,
                "physical_teu": y.physical_teu, "capacity_teu": y.capacity_teu,
                "mean_teu": mean,
                "p95_teu": float(np.quantile(s, 0.95)) if len(s) else 0.0,
                "max_teu": float(s.max()) if len(s) else 0.0,
                "utilisation": mean / y.physical_teu,
                "peak_utilisation": float(np.quantile(s, 0.95)) / y.physical_teu if len(s)
                else 0.0,
                "occupancy": mean / y.capacity_teu,
                "share_h_slowed": float((s >= self.slow[j]).mean()) if len(s) else 0.0,
                "share_h_full": float((s >= self.cap[j]).mean()) if len(s) else 0.0,
                "calls": int(mine.sum()),
                "calls_yard_delayed": int((w > 0).sum()),
                "yard_wait_h_total": float(w.sum()),
                "yard_wait_h_mean": float(w.mean()) if len(w) else 0.0,
                "teu_in_per_year": float(fin[j, :, h0:H].sum()) * annual,
                "held_at_gate_teu_mean": float(held[j, h0:H].mean()) if h0 < H else 0.0,
                "direct_from_gate_teu": self.direct[j],
                "rail_waiting_teu_mean": float(waiting_rail[j, h0:H].mean()) if h0 < H
                else 0.0,
            })
            for f, name in enumerate(FLOWS):
                teu_in = float(fin[j, f, h0:H].sum())
                fs = float(fstock[j, f, h0:H].mean()) if h0 < H else 0.0
                frows.append({
                    "yard": y.id, "flow": name, "from": FLOW_MODES[name][0],
                    "to": FLOW_MODES[name][1], "teu_in_per_year": teu_in * annual,
                    "teu_out_per_year": float(fout[j, f, h0:H].sum()) * annual,
                    "mean_stock_teu": fs,
                    # Little's law: mean stock / entry rate
                    "mean_dwell_days": fs / (teu_in / window_h) / 24.0 if teu_in > 0
                    else np.nan,
                })
        hourly = pd.DataFrame({
            "yard": pd.Categorical.from_codes(np.repeat(np.arange(len(self.yards)), H),
                                              categories=[y.id for y in self.yards]),
            "hour": np.tile(np.arange(H), len(self.yards)),
            "teu": stock.reshape(-1),
            "rail_waiting_teu": waiting_rail.reshape(-1),
        })
        return {"yard": pd.DataFrame(rows), "yard_flows": pd.DataFrame(frows),
                "yard_hourly": hourly, "yard_ledger": self.ledger()}
