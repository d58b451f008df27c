"""The yards' records turned into numpy views after (or during) the run: TEU in and out by
flow and hour, rail boxes ready and taken, TEU held at the gate."""

from __future__ import annotations

import numpy as np

from portsim.model.yard import records as rec
from portsim.model.yard.flows import EOUT, EXP, REXP, RIMP


class YardViews:
    """Numpy views of the records (a part of :class:`~portsim.model.yard.Yards`)."""

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
        ny, nf, L = len(self.yards), len(self.flows), self.L
        fin = np.zeros(ny * nf * L, np.int64)  # flat: (yard, flow, hour)
        fout = np.zeros(ny * nf * L, np.int64)
        ready = np.zeros(ny * L, np.int64)

        def at(y, f, h) -> np.ndarray:
            return (np.asarray(y) * nf + f) * L + h

        # ships: discharged at once (fast path) ...
        dis_h = np.asarray(self._dis_h, np.int64)
        r = np.flatnonzero(dis_h >= 0)
        ys, hs = self._yard_row[r], dis_h[r]
        for col, f in enumerate(self._dis_flows):
            np.add.at(fin, at(ys, f, hs), self.split_discharge[r, col])
        fast = dis_h[self._dwell_row] >= 0  # their batches that hold boxes
        rows = self._dwell_row[fast]
        np.add.at(fout, at(self._yard_row[rows], self._dwell_flow[fast],
                           dis_h[rows] + self._dwell_offs[fast]), self._dwell_cnts[fast])
        np.add.at(ready, (ys[:, None] * L + hs[:, None] + self._rail_off[r]).ravel(),
                  self._rail_cnt[r].ravel())
        # ... or hour by hour (slow path)
        a = rec.SLOW_DISCHARGE.read(self._slow_discharges)
        np.add.at(fin, at(a.yard, a.flow, a.hour), a.teu)
        rail = a.flow == RIMP
        b = a.where(rail)
        np.add.at(ready, b.yard * L + b.hour + b.dwell_h, b.teu)
        a = a.where(~rail)
        np.add.at(fout, at(a.yard, a.flow, a.hour + a.dwell_h), a.teu)
        # ships loading: all at once (fast path; some straight from the gate) ...
        lh = np.asarray(self._fast_load_h, np.int64)
        r = np.flatnonzero(lh >= 0)
        ys, hs = self._yard_row[r], lh[r]
        np.add.at(fout, at(ys, EXP, hs), self.split_load[r, 0])
        np.add.at(fout, at(ys, EOUT, hs), self.split_load[r, 3])
        a = rec.FAST_DIRECT.read(self._fast_direct)
        np.add.at(fin, at(a.yard, EXP, a.hour), a.export)
        np.add.at(fin, at(a.yard, EOUT, a.hour), a.empty)
        # ... or bit by bit (slow path)
        a = rec.SLOW_LOAD.read(self._slow_loads)
        for f, col, direct in ((EXP, "export", "export_direct"),
                               (EOUT, "empty", "empty_direct")):
            np.add.at(fout, at(a.yard, f, a.hour), a[col])
            np.add.at(fin, at(a.yard, f, a.hour), a[direct])
        # trucks through the gate: the planned deliveries up to each yard's clock, less
        # what the gate held back (and plus what it let in later)
        a = rec.GATE_HOUR.read(self._gate_hours)
        for f, col in ((EXP, "export_admitted"), (EOUT, "empty_admitted")):
            np.add.at(fin, at(a.yard, f, a.hour), a[col])
        held = np.zeros((ny, L), np.int64)
        held[a.yard, a.hour] = a.held
        fin = fin.reshape(ny, nf, L)
        for y in range(ny):
            c = self._cursor[y] + 1
            fin[y, EXP, :c] += self._planned_np[y, 0, :c]
            fin[y, EOUT, :c] += self._planned_np[y, 1, :c]
        fin = fin.reshape(-1)
        # trains: unloaded (their batches leave after a rail dwell) ...
        a = rec.TRAIN_UNLOAD.read(self._train_unloads)
        np.add.at(fin, at(a.yard, REXP, a.hour), a.teu)
        for src in range(len(self._src_off)):
            b = a.where(a.source == src)
            np.add.at(fout, at(b.yard[:, None], REXP,
                               b.hour[:, None] + self._src_off[src][b.train]).ravel(),
                      np.tile(self._src_cnt[src], len(b.yard)))
        # ... (rolled to a later ship: the planned departure moves) ...
        a = rec.RAIL_ROLL.read(self._rail_rolls)
        np.add.at(fout, at(a.yard, REXP, a.hour), a.teu)
        # ... and loaded
        a = rec.TRAIN_LOAD.read(self._train_loads)
        np.add.at(fout, at(a.yard, RIMP, a.hour_left), a.teu)
        taken = np.zeros(ny * L, np.int64)
        np.add.at(taken, a.yard * L + a.hour_reserved, a.teu)
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
