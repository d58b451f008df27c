"""Trains' bookings in the yards: outbound trains taking ready rail boxes, inbound trains
unloading export boxes (the trains themselves are in :mod:`portsim.model.rail`)."""

from __future__ import annotations

import numpy as np


class TrainBookings:
    """Rail boxes in and out of the yards (a part of :class:`~portsim.model.yard.Yards`)."""

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
        self._train_loads += (y, h, h_out, n)

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
        self._train_unloads += (y, h, n, src, row)

    def rail_in_departures(self, src: int, row: int) -> tuple[list[int], tuple[int, ...]]:
        """The rail dwell (hours after unloading) of each batch of train ``row`` of source
        ``src`` and the batches' TEU (see :meth:`rail_in`)."""
        k = self.k
        return self._src_flat[src][row * k:row * k + k], self._src_cnt[src]

    def roll_rail_exports(self, y: int, h: int, n: int) -> None:
        """``n`` rail-export boxes of yard ``y`` booked to leave at hour ``h`` (a batch of
        :meth:`rail_in`) missed their ship: they stay in the yard (``late_train:
        roll_to_next_call``) until :meth:`load_rolled` books them on a later ship."""
        self._book(y, h, n)
        self._rail_rolls += (y, h, -n)

    def load_rolled(self, y: int, h: int, n: int) -> None:
        """``n`` rolled rail-export boxes leave yard ``y`` at hour ``h`` on a later call."""
        if h > self._last:
            h = self._last
        self._book(y, h, -n)
        self._rail_rolls += (y, h, n)

    def rail_export_weights(self, ys: list[int]) -> np.ndarray:
        """Expected rail exports of each yard (from the calls' load splits), normalised."""
        w = np.array([self.split_load[self._yard_row == y, 1].sum() for y in ys], float)
        if w.sum() <= 0:
            w = np.ones(len(ys))
        return w / w.sum()
