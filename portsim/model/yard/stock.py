"""Stock levels of the yards while the model runs: the hourly net stock change, the
yard's clock (the gate admitting truck deliveries as it moves on), and the pools of rail
boxes ready for a train. See :mod:`portsim.model.yard` for the method."""

from __future__ import annotations

import math
from itertools import accumulate


class YardStock:
    """Stock levels and rail pools (a part of :class:`~portsim.model.yard.Yards`)."""

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
        pl0, pl1 = self._planned_export[y], self._planned_empty[y]
        if not (held[0] or held[1]):  # the usual case: everything due gets in at once
            run = list(accumulate(tot[a:z], initial=lvl))
            if max(run) <= lim:
                avail[0] += sum(pl0[a:z])
                avail[1] += sum(pl1[a:z])
                self._level[y] = run[-1]
                self._cursor[y] = h
                return
        gate = self._gate_hours
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
