"""Sea-rail trains at the port's rail terminals (the railway container central station
and the port sidings).

Timetable. The scenario's annual target (``sea_rail.trains_per_year`` × ``port_share``,
the part of the target's statistical *scope* handled here) is shared among the rail
terminals (``share``, default by number of tracks) and turned into evenly spaced trains:
a terminal with ``n`` trains a year has one every ``8760 / n`` hours, the first half a
headway after the start. Each train is late by a gamma delay (stream ``trains:<id>``).
Trains are directional, as the statistics count them: a share ``inbound_share`` (spread
evenly through the timetable) bring export boxes from the hinterland; the others are
outbound and carry rail boxes away.

A train needs a loading track and, when outbound, its boxes: rail boxes discharged from
ships become ready for a train after their rail dwell (customs, planning) in the yard of
their terminal; an outbound train takes up to ``teu_per_train`` ready boxes from the
yards its rail terminal serves (the fullest first). If fewer are ready it waits, checking
every hour, for at most ``max_box_wait_h`` and then leaves with what there is (a *short*
train; with none it is *cancelled*). Trains get tracks first come first served in the
order they are ready; a train holds its track for
``shunting_h + boxes / (cranes per track × crane rate)`` hours (cranes are shared evenly
among tracks), so a terminal's track capacity is ``tracks × 8760 / that time`` trains a
year. Boxes leave (outbound) or enter (inbound) the yards when the train's handling ends;
an inbound train unloads into one of the served yards, taken in weighted turns so that
each gets trains in proportion to its expected rail exports, and its boxes leave for their
ships after a rail dwell.

The multi-track queue is solved with a heap of track-free times inside one SimPy process
per rail terminal (FCFS on ready time, as a ``simpy.Resource`` would), so a train costs a
few microseconds; outbound trains short of boxes queue (FIFO) for a second process per
terminal that wakes when the booked boxes make a trainload.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np
import pandas as pd

from portsim.config.scenario import Scenario
from portsim.demand import HOURS_PER_YEAR
from portsim.model.yard import Yards, dwell_hours, split_batches
from portsim.streams import gamma_multiplier, stream

STATUS = ["served", "cancelled", "waiting"]


class Rail:
    """The rail terminals of one replication and their trains."""

    def __init__(self, env, scenario: Scenario, yards: Yards, replication: int = 0):
        self.env = env
        self.yards = yards
        land = scenario.landside
        sr = self.spec = land.sea_rail
        port = scenario.port
        self.end_h = yards.end_h
        self.teu_factor = scenario.rules.teu_factor
        self.need = max(1, round(sr.teu_per_train))
        self.terminals = [r for r in port.rail_terminals
                          if any(y.rail_terminal == r.id for y in yards.yards)]
        self.served = [[j for j, y in enumerate(yards.yards) if y.rail_terminal == r.id]
                       for r in self.terminals]
        self.weights = [yards.rail_export_weights(ys) for ys in self.served]
        # rail boxes becoming ready at each terminal, per hour (views kept in step by Yards)
        self.group = [yards.ready_group(ys) for ys in self.served]
        self.waiting: list[deque[int]] = [deque() for _ in self.terminals]
        self._checked = [-1] * len(self.terminals)  # queue head: search boxes from this hour
        self._clock = [0.0] * len(self.terminals)  # time of the last train event dealt with
        self._head_k = [-1] * len(self.terminals)  # queue head whose time is cached, the
        self._head_v = [-1] * len(self.terminals)  # group version it was computed at, and
        self._head_t = [math.inf] * len(self.terminals)  # the time
        self._next_t = [-math.inf] * len(self.terminals)  # next train event, when known
        self._next_v = [-1] * len(self.terminals)  # ... at this group version
        self._last_hour = -1
        w = np.array([r.share if r.share is not None else r.tracks for r in self.terminals],
                     float)
        w = w / w.sum() if w.sum() > 0 else w
        seed = scenario.run.seed
        self.sched: list[np.ndarray] = []
        self.arrival: list[np.ndarray] = []
        self.inbound: list[np.ndarray] = []
        self.offsets: list[list[list[int]]] = []
        self.order: list[list[int]] = []
        for r, share in zip(self.terminals, w, strict=True):
            per_year = sr.trains_here * share
            if per_year > 0:
                headway = HOURS_PER_YEAR / per_year
                sched = (np.arange(int(self.end_h / headway + 0.5) + 1) + 0.5) * headway
                sched = sched[sched < self.end_h]
            else:
                sched = np.empty(0)
            n = len(sched)
            kk = np.arange(n)
            s = sr.inbound_share
            inbound = np.floor((kk + 1) * s + 1e-9) > np.floor(kk * s + 1e-9)
            rng = stream(seed, replication, f"trains:{r.id}")
            delay = (sr.delay_mean_h * gamma_multiplier(rng, sr.delay_cv, n)
                     if sr.delay_mean_h > 0 else np.zeros(n))
            arrival = sched + delay
            self.sched.append(sched)
            self.arrival.append(arrival)
            self.inbound.append(inbound)
            self.offsets.append(dwell_hours(land.dwell_for("rail"),
                                            stream(seed, replication, f"dwell:rail:{r.id}"),
                                            (n, yards.k)).tolist())
            self.order.append(np.argsort(arrival, kind="stable").tolist())
        self.free = [[0.0] * r.tracks for r in self.terminals]
        self._arrival_list = [a.tolist() for a in self.arrival]
        self._inb = [inb.tolist() for inb in self.inbound]
        self._next = [0] * len(self.terminals)
        # an inbound train's boxes leave for their ships in batches: (dwell h, TEU) pairs
        self._in_cnt = split_batches(np.array([self.need]), yards.k)[0].tolist()
        # an inbound train unloads into one served yard; yards take turns in proportion to
        # their expected rail exports (golden-ratio sequence: evenly spread, no draws)
        self._in_yard = []
        for ys, w, arr in zip(self.served, self.weights, self.arrival, strict=True):
            u = (np.arange(len(arr)) * 0.6180339887498949) % 1.0
            pick = np.minimum(np.searchsorted(np.cumsum(w), u, side="right"), len(ys) - 1)
            self._in_yard.append(np.asarray(ys)[pick].tolist())
        self._full_h = [self.track_h(ti, self.need) for ti in range(len(self.terminals))]
        nan = math.nan
        self.ready_h = [[nan] * len(a) for a in self.arrival]
        self.start_h = [[nan] * len(a) for a in self.arrival]
        self.done_h = [[nan] * len(a) for a in self.arrival]
        self.teu = [[0] * len(a) for a in self.arrival]
        self.status = [[2] * len(a) for a in self.arrival]  # index into STATUS

    def track_h(self, ti: int, teu: float) -> float:
        """Hours a train with ``teu`` TEU holds a track at rail terminal ``ti``."""
        r = self.terminals[ti]
        return r.shunting_h + teu / self.teu_factor / (r.cranes_per_track * r.crane_rate)

    def track_capacity_per_year(self, ti: int) -> float:
        """Trains a year the tracks can serve when every train is full (hand formula)."""
        return self.terminals[ti].tracks * HOURS_PER_YEAR / self.track_h(ti, self.need)

    def start(self) -> None:
        """Trains need no SimPy events: the yards call :meth:`catch_up` whenever their
        clock moves on (and the model calls it with the end of the run at the end)."""
        self.yards.on_advance = self.catch_up

    def catch_up(self, until: float | None = None) -> None:
        """Deal with every train event up to ``until`` (default: now), in time order.

        Events are train arrivals and the moment the head of a terminal's queue of
        outbound trains short of boxes gets them (the first hour the ready boxes booked
        so far make a trainload) or gives up (its deadline). Boxes are booked to become
        ready no earlier than the hour they are discharged in, so whatever is booked by
        now already decides every event up to now; events after now wait for the next
        call. Tracks go first come first served in the order trains are ready (a heap of
        track-free times, as a ``simpy.Resource`` would give them)."""
        if until is None:  # called as the clock moves: once an hour is enough (bookings
            now = self.env.now  # are hourly; a train dealt with later keeps its own times)
            if int(now) == self._last_hour:
                return
            self._last_hour = int(now)
        else:
            now = until
        now = min(now, self.end_h)
        for ti in range(len(self.terminals)):
            if (self._next_t[ti] > now  # nothing due at this terminal yet, and no new boxes
                    and self._next_v[ti] == self.yards.group_version[self.group[ti]]):
                continue
            order, arrival, inbound = self.order[ti], self._arrival_list[ti], self._inb[ti]
            queue = self.waiting[ti]
            serve = self._serve
            need = self.need
            p = self._next[ti]
            n = len(order)
            end_h = self.end_h
            free, full_h = self.free[ti], self._full_h[ti]
            ready_h, start_h, done_h = self.ready_h[ti], self.start_h[ti], self.done_h[ti]
            teu, status, in_yard = self.teu[ti], self.status[ti], self._in_yard[ti]
            offsets, in_cnt, rail_in = self.offsets[ti], self._in_cnt, self.yards.rail_in
            while True:
                if not queue:  # inbound trains, nobody waiting for boxes: straight to a track
                    while p < n:
                        k = order[p]
                        t_arr = arrival[k]
                        if not inbound[k] or t_arr > now or t_arr >= end_h:
                            break
                        p += 1
                        first = free[0]
                        start = t_arr if t_arr > first else first
                        done = start + full_h
                        heapq.heapreplace(free, done)
                        ready_h[k], start_h[k], done_h[k], teu[k], status[k] = (
                            t_arr, start, done, need, 0)
                        rail_in(in_yard[k], int(done), need,
                                zip(offsets[k], in_cnt, strict=True))
                        self._clock[ti] = t_arr
                t_arr = arrival[order[p]] if p < n else math.inf
                t_head = self._head_time(ti) if queue else math.inf
                if t_arr < t_head:
                    if t_arr > now or t_arr >= self.end_h:
                        break
                    k = order[p]
                    p += 1
                    self._clock[ti] = t_arr
                    if inbound[k]:
                        serve(ti, k, t_arr, need, None)
                    elif queue or not self._load(ti, k, t_arr, full_only=True):
                        if not queue:
                            self._checked[ti] = int(t_arr)
                        queue.append(k)
                else:  # the head of the queue: its boxes are ready, or its deadline
                    if t_head > now or t_head >= self.end_h:
                        self._checked[ti] = max(self._checked[ti], int(now) - 1)
                        break
                    self._clock[ti] = t_head
                    self._load(ti, queue.popleft(), t_head, full_only=False)
                    self._checked[ti] = int(t_head)
            self._next[ti] = p
            self._next_t[ti] = min(t_arr, t_head)
            self._next_v[ti] = self.yards.group_version[self.group[ti]]

    def _head_time(self, ti: int) -> float:
        """When the head of the queue of outbound trains short of boxes leaves: the
        first hour its trainload is booked ready, or its deadline (cached until the
        rail group's pool changes)."""
        k = self.waiting[ti][0]
        g = self.group[ti]
        version = self.yards.group_version[g]
        arrival = self._arrival_list[ti][k]
        deadline = arrival + self.spec.max_box_wait_h
        if self._head_k[ti] == k and self._head_v[ti] == version:
            full = self._head_t[ti]
        else:
            full = self.yards.group_full_at(g, self._checked[ti], int(deadline), self.need)
            self._head_k[ti], self._head_v[ti], self._head_t[ti] = k, version, full
        return min(max(full, arrival, self._clock[ti]), deadline)

    def _load(self, ti: int, k: int, now: float, full_only: bool) -> bool:
        """Reserve an outbound train's boxes at time ``now`` if a trainload is ready (or
        whatever is ready, when ``full_only`` is False); True when the train is dealt
        with (served, or cancelled with no boxes at all)."""
        h = int(now)
        total = self.yards.group_pool(self.group[ti], h)
        if full_only and total < self.need:
            return False
        ys = self.served[ti]
        take = min(total, self.need)
        if take <= 0:
            self.ready_h[ti][k] = now
            self.status[ti][k] = 1  # cancelled: no boxes
            return True
        avail = [self.yards.rail_ready(y, h) for y in ys] if len(ys) > 1 else [total]
        best = max(range(len(ys)), key=avail.__getitem__)
        if avail[best] >= take:  # the fullest yard has the whole trainload
            self.yards.take_rail(ys[best], h, take)
            self._serve(ti, k, now, take, ((ys[best], take),))
            return True
        alloc = []
        left = take
        for j in sorted(range(len(ys)), key=lambda j: -avail[j]):
            m = min(left, avail[j])
            if m > 0:
                self.yards.take_rail(ys[j], h, m)
                alloc.append((ys[j], m))
                left -= m
            if left == 0:
                break
        self._serve(ti, k, now, take, alloc)
        return True

    def _serve(self, ti: int, k: int, ready: float, teu: int, alloc) -> None:
        """Give the train the first free track; book its boxes at the end of handling."""
        free = self.free[ti]
        start = max(ready, free[0])
        done = start + (self._full_h[ti] if teu == self.need else self.track_h(ti, teu))
        heapq.heapreplace(free, done)
        self.ready_h[ti][k] = ready
        self.start_h[ti][k] = start
        self.done_h[ti][k] = done
        self.teu[ti][k] = teu
        self.status[ti][k] = 0
        h = int(done)
        if alloc is None:  # inbound: the whole train to one yard (see _in_yard)
            self.yards.rail_in(self._in_yard[ti][k], h, teu,
                               zip(self.offsets[ti][k], self._in_cnt, strict=True))
        else:
            for y, m in alloc:
                self.yards.rail_out(y, h, m)

    # ------------------------------------------------------------------ results

    def tables(self, start_h: float) -> dict[str, pd.DataFrame]:
        """``trains`` (one row per timetabled train) and ``rail`` (KPIs per terminal);
        call :meth:`catch_up` with the end of the run before the yards' tables."""
        end_h = self.end_h
        window = max(end_h - start_h, 1e-9)
        annual = HOURS_PER_YEAR / window
        frames, rows = [], []
        ready_rate = self.yards.ready[:, :self.yards.H]
        waiting = np.cumsum(ready_rate, axis=1) - np.cumsum(
            self.yards.taken[:, :self.yards.H], axis=1)
        h0 = min(int(start_h), self.yards.H)
        for ti, r in enumerate(self.terminals):
            n = len(self.sched[ti])
            ready = np.asarray(self.ready_h[ti], float)
            start = np.asarray(self.start_h[ti], float)
            done = np.asarray(self.done_h[ti], float)
            status = np.asarray(self.status[ti], int)
            arrival = self.arrival[ti]
            inbound = self.inbound[ti]
            teu = np.asarray(self.teu[ti], float)
            # trains still waiting at the end count with the wait they have had so far
            began = np.where(np.isnan(start), end_h, np.minimum(start, end_h))
            got = np.where(np.isnan(ready), np.where(arrival < end_h, end_h, arrival), ready)
            frame = pd.DataFrame({
                "rail_terminal": r.id, "train": np.arange(n),
                "direction": np.where(inbound, "inbound", "outbound"),
                "scheduled_h": self.sched[ti], "arrival_h": arrival, "ready_h": ready,
                "start_h": start, "end_h": done, "teu": teu,
                "status": pd.Categorical.from_codes(status, categories=STATUS),
                "box_wait_h": got - arrival,
                "track_wait_h": np.where(status == 1, 0.0, began - got),
            })
            frames.append(frame)
            served = (status == 0) & (done >= start_h) & (done <= end_h)
            arrived = (arrival >= start_h) & (arrival < end_h)
            busy = np.clip(np.minimum(np.nan_to_num(done, nan=end_h), end_h)
                           - np.maximum(np.nan_to_num(start, nan=end_h), start_h), 0.0, None)
            out = ~inbound
            ys = self.served[ti]
            wait_teu = float(waiting[ys, h0:].sum(axis=0).mean()) if h0 < self.yards.H else 0.0
            ready_in = float(ready_rate[ys, h0:].sum())
            rows.append({
                "rail_terminal": r.id, "name": r.name, "tracks": r.tracks,
                "track_length_m": r.track_length_m,
                "trains_scheduled_per_year": float(((self.sched[ti] >= start_h)
                                                    & (self.sched[ti] < end_h)).sum()) * annual,
                "trains_served_per_year": float(served.sum()) * annual,
                "track_capacity_per_year": self.track_capacity_per_year(ti),
                "teu_in_per_year": float(teu[served & inbound].sum()) * annual,
                "teu_out_per_year": float(teu[served & out].sum()) * annual,
                "teu_per_year": float(teu[served].sum()) * annual,
                "short_trains": int((served & out & (teu < self.need)).sum()),
                "cancelled_trains": int(((status == 1) & arrived).sum()),
                "track_occupancy": float(busy.sum()) / (r.tracks * window),
                "mean_track_wait_h": float(frame.loc[arrived, "track_wait_h"].mean())
                if arrived.any() else 0.0,
                "mean_box_wait_h": float(frame.loc[arrived & out, "box_wait_h"].mean())
                if (arrived & out).any() else 0.0,
                "boxes_waiting_teu": wait_teu,
                # Little's law: TEU waiting / TEU becoming ready per hour
                "box_wait_for_train_h": wait_teu / (ready_in / window) if ready_in else 0.0,
            })
        trains = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return {"trains": trains, "rail": pd.DataFrame(rows)}
