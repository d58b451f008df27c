"""A ship's path through its yard: discharge and loading booked at once when the yard has
room (the fast path), hour by hour when it does not (the slow path, whose lost hours are
the call's ``yard`` wait). See :mod:`portsim.model.yard` for the method."""

from __future__ import annotations

import math
from collections import deque
from itertools import accumulate, zip_longest
from operator import add

from portsim.model.yard.flows import EIN, IMP, RIMP, TS, XD, XU


class ShipPath:
    """Ship handling against the yard (a part of :class:`~portsim.model.yard.Yards`)."""

    def fast(self, i: int, start_h: float, work_h: float) -> bool:
        """Book call ``i``'s boxes at once if its discharge cannot meet a slowed yard
        (handling from ``start_h`` for ``work_h`` hours); False: use :meth:`handle_slowly`."""
        r = self._row[i]
        y = self._yr[r]
        d = self._discharge_teu[r]
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
                    plt = map(add, self._planned_export[y][a:e], self._planned_empty[y][a:e])
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
        d = self._discharge_teu[r]
        tot = self._tot[y]
        tot[h] += d
        b, e = self._dptr[r], self._dptr[r + 1]  # the batches that hold boxes
        offs, cnts = self._doff[b:e], self._dcnt[b:e]
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
        d = self._discharge_teu[r]
        wd = work_h * self._dfrac[r]
        wl = work_h - wd
        t0 = env.now
        H = self.H
        k = self.k
        by_flow: dict[int, list[list[int]]] = {IMP: [], TS: [], EIN: [], RIMP: []}
        if self._nc > 3 * k:  # the canal's transfer flows
            by_flow.update({XD: [], XU: []})
        b, e = self._dptr[r], self._dptr[r + 1]  # the batches that hold boxes
        for f, o, n in zip(self._dwell_flow[b:e].tolist(), self._doff[b:e], self._dcnt[b:e],
                           strict=True):
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
                self._fast_direct += (y, h, d0, d1)
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
            self._slow_loads += (y, h, n0, n1, d0, d1)
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
            self._slow_discharges += (y, f, h, take, off)
            if f == RIMP:
                self._book_ready(y, h, (off,), (take,))
            else:
                self._book(y, h + off, -take)
            n -= take
            if take == left:
                pieces.popleft()
            else:
                piece[2] = left - take
