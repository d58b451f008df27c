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

Trains from demand (``sea_rail.trains: demand``; the rule above is ``timetable``, kept
as the default). The timetable is then a set of *slots* — ``slots_per_day`` train paths
each way per rail terminal (default: the annual target shared as above, half each way),
evenly spaced — and the slots are the capacity; what runs in them follows the ships.
Outbound: each slot takes a trainload of the rail boxes ships discharged (after their
rail dwell) when one is ready (``departure: when_full``), or whatever is ready
(``at_slot``); a slot with nothing to carry goes unused (status ``unused``), and boxes
the slots cannot carry wait in the yard for a later one. Inbound: the rail exports the
calls load (modal split × loaded boxes, per terminal) fill ``ceil(TEU / teu_per_train)``
trains, in the order their boxes are due (their ship's arrival less the mean rail dwell);
each takes the latest free slot no later than its first box is due, and does not run when
none is left. So rail TEU and trains scale with the container volume until the slots bind,
then saturate at the slot count (basis: a rail operator sells train paths in a timetable
and runs a block train when its load is there; the corridor's and the port's trains are
counted by the same 到发 statistic, docs/assumptions.md §5.3).

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

Late trains (trains from demand). A call's rail exports are due in the yard
``cutoff_h`` before it starts work; when a train bringing them is not in by then,
``late_train`` decides: ``roll`` — the boxes miss the ship and are counted (the yard keeps
their aggregate rail dwell); ``delay_ship`` — the ship waits alongside (its ``rail``
wait); ``roll_to_next_call`` — the ship sails on time with the boxes that are in and the
late ones (each train's share of the call's TEU) are booked on the next call of the same
liner service at the terminal (:class:`RolledExports`): their planned departure from the
yard is cancelled and they leave when that call starts work, if their train is in by its
cut-off, else they roll on again. Basis: a terminal closes export receiving at the
cut-off and a box that misses it is rolled to the service's next sailing (same
destination); a tramp call has no next sailing, so its rolled boxes stay in the yard.

Trains need no SimPy events: whenever a yard's clock moves to a new hour, the trains
whose events are due are dealt with in time order (:meth:`Rail.catch_up`). The
multi-track queue is a heap of track-free times per rail terminal (FCFS on ready time,
as a ``simpy.Resource`` would give them); outbound trains short of boxes queue (FIFO),
and the head's event — the first hour the booked ready boxes make a trainload, or its
deadline — is looked for only when the pool can hold a trainload by then. Train records
are plain lists; the yards keep the boxes' bookings (see :mod:`portsim.model.yard`).
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
UNUSED = 3  # trains from demand: a timetable slot no train ran in
STATUS_SLOTS = [*STATUS, "unused"]


class Rail:
    """The rail terminals of one replication and their trains."""

    def __init__(self, env, scenario: Scenario, yards: Yards, replication: int = 0):
        self.env = env
        self.yards = yards
        self.scenario = scenario
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
        self._last_hour = -1
        w = np.array([r.share if r.share is not None else r.tracks for r in self.terminals],
                     float)
        w = w / w.sum() if w.sum() > 0 else w
        seed = scenario.run.seed
        self.sched: list[np.ndarray] = []
        self.arrival: list[np.ndarray] = []
        self.inbound: list[np.ndarray] = []
        self.offsets: list[np.ndarray] = []  # per train (row): rail dwell h of its batches
        self.order: list[list[int]] = []
        self.demand = sr.trains == "demand"
        self.slots_per_day: list[float] = []
        self.rail_exports_teu: list[int] = []  # demand: rail exports the calls load, per terminal
        self._in_train_yard: list[list[int]] = []
        # demand: call -> (rail terminal, trains bringing its rail exports, their TEU)
        self.export_train: dict[int, tuple[int, tuple[int, ...], int]] = {}
        self.export_share: dict[int, tuple[int, ...]] = {}  # call -> its TEU on each train
        self.cutoff_h = sr.cutoff_h
        self.holds_ships = sr.late_train == "delay_ship"
        self.rolled_teu = [0] * len(self.terminals)
        self.late_calls = [0] * len(self.terminals)
        # roll_to_next_call: each call's TEU per train, and the rolled boxes' bookings
        self.rolls = (RolledExports(self, yards)
                      if self.demand and sr.late_train == "roll_to_next_call" else None)
        for ti, (r, share) in enumerate(zip(self.terminals, w, strict=True)):
            per_year = sr.trains_here * share
            if self.demand:
                inbound, sched = self._demand_timetable(ti, r, per_year)
            elif per_year > 0:
                headway = HOURS_PER_YEAR / per_year
                sched = (np.arange(int(self.end_h / headway + 0.5) + 1) + 0.5) * headway
                sched = sched[sched < self.end_h]
            else:
                sched = np.empty(0)
            n = len(sched)
            if not self.demand:
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
            off = dwell_hours(land.dwell_for("rail"),
                              stream(seed, replication, f"dwell:rail:{r.id}"), (n, yards.k))
            self.offsets.append(off)
            self.order.append(np.argsort(arrival, kind="stable").tolist())
        self.free = [[0.0] * r.tracks for r in self.terminals]
        self._arrival_list = [a.tolist() for a in self.arrival]
        self._deadline = [(a + sr.max_box_wait_h).tolist() for a in self.arrival]
        # the trains in order of arrival, closed by a sentinel that never arrives
        self._arr_s = [[*a[o].tolist(), math.inf]
                       for a, o in zip(self.arrival, self.order, strict=True)]
        self._inb_s = [[*inb[o].tolist(), False]
                       for inb, o in zip(self.inbound, self.order, strict=True)]
        self._next = [0] * len(self.terminals)
        # an inbound train's boxes leave for their ships in batches of these TEU
        self._in_cnt = tuple(split_batches(np.array([self.need]), yards.k)[0].tolist())
        self._src = [yards.rail_source(off, self._in_cnt) for off in self.offsets]
        # an inbound train unloads into one served yard; yards take turns in proportion to
        # their expected rail exports (golden-ratio sequence: evenly spread, no draws)
        self._in_yard = []
        for ti, (ys, w, arr) in enumerate(zip(self.served, self.weights, self.arrival,
                                              strict=True)):
            if self.demand:  # the yard of the first ship the train's boxes are for
                self._in_yard.append(self._in_train_yard[ti])
                continue
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

    def _demand_timetable(self, ti: int, r, per_year: float) -> tuple[np.ndarray, np.ndarray]:
        """Trains from demand (``sea_rail.trains: demand``): (inbound flags, slot times).

        Slots: ``slots_per_day`` per direction (the rail terminal's, or else the annual
        target shared as in the timetable rule and split evenly by direction), evenly
        spaced, the first half a headway after the start — the timetable's *capacity*.
        Every outbound slot is offered to a train; whether one runs is decided in the run
        (``departure``). Inbound trains are formed before the run from the rail exports
        the calls of the terminal's yards load (the modal split × the loaded boxes): the
        boxes, taken in the order of their ship's arrival less the mean rail dwell (the
        hour they are due in the yard), fill trains of ``teu_per_train`` (the last one
        rounded up to a full train: ``ceil(TEU / teu_per_train)`` trains); each train takes
        the latest free inbound slot no later than the due hour of its first box, and
        runs not at all when every such slot is taken — so inbound trains follow demand
        until the slots bind, then saturate at the slot count. Calls whose boxes would be
        due before the run or after its end bring no train."""
        per_day = r.slots_per_day if r.slots_per_day is not None else per_year / 365.0 / 2.0
        self.slots_per_day.append(float(per_day))
        if per_day > 0:
            headway = 24.0 / per_day
            slots = (np.arange(int(self.end_h / headway + 0.5) + 1) + 0.5) * headway
            slots = slots[slots < self.end_h]
        else:
            slots = np.empty(0)
        yards = self.yards
        ys = self.served[ti]
        mine = np.isin(yards._yard_row, ys)
        teu = yards.split_load[mine, 1]
        lead = self.scenario.landside.dwell_for("rail").mean_days * 24.0
        due = yards.arrival_h[mine] - lead
        keep = (teu > 0) & (due >= 0) & (due < self.end_h)
        order_calls = np.argsort(due[keep], kind="stable")
        due, teu = due[keep][order_calls], teu[keep][order_calls]
        yard_of = yards._yard_row[mine][keep][order_calls]
        total = int(teu.sum())
        self.rail_exports_teu.append(total)
        n_trains = -(-total // self.need)
        # the due hour and yard of each train's first box
        first = np.searchsorted(np.cumsum(teu), np.arange(n_trains) * self.need, side="right")
        # latest free slot at or before each due hour (union-find over slot indices)
        free_below = list(range(len(slots) + 1))  # slot index + 1 -> free slot index + 1

        def find(x: int) -> int:
            while free_below[x] != x:
                free_below[x] = free_below[free_below[x]]
                x = free_below[x]
            return x

        taken, train_yard = [], []
        slot_of_train = [-1] * n_trains
        last = np.searchsorted(slots, due[first], side="right")  # slots <= due: [0, last)
        for j, x in enumerate(last.tolist()):
            f = find(x)
            if f == 0:
                continue  # no free slot early enough: the train does not run
            free_below[f] = f - 1
            taken.append(f - 1)
            slot_of_train[j] = f - 1
            train_yard.append(int(yard_of[first[j]]))
        by_slot = np.argsort(np.asarray(taken, int), kind="stable")
        inbound_at = slots[np.asarray(taken, int)[by_slot]] if taken else np.empty(0)
        sched = np.concatenate([slots, inbound_at])
        inbound = np.concatenate([np.zeros(len(slots), bool), np.ones(len(inbound_at), bool)])
        yard = np.concatenate([np.full(len(slots), -1),
                               np.asarray(train_yard, int)[by_slot] if taken else []])
        order = np.argsort(sched, kind="stable")
        self._in_train_yard.append(yard[order].astype(int).tolist())  # per train; -1: outbound
        # each call's rail exports: TEU and the trains that bring them (train numbers in
        # this terminal's timetable; -1: a train that does not run)
        position = np.empty(len(order), int)
        position[order] = np.arange(len(order))
        rank = {s_: q for q, s_ in enumerate(np.asarray(taken, int)[by_slot].tolist())}
        calls = yards.rows[mine][keep][order_calls]
        cum = np.cumsum(teu)
        first_train = (cum - teu) // self.need
        last_train = (cum - 1) // self.need
        for i, n, j0, j1, c in zip(calls.tolist(), teu.tolist(), first_train.tolist(),
                                   last_train.tolist(), cum.tolist(), strict=True):
            ks = tuple(-1 if slot_of_train[j] < 0
                       else int(position[len(slots) + rank[slot_of_train[j]]])
                       for j in range(j0, j1 + 1))
            self.export_train[i] = (ti, ks, int(n))
            if self.spec.late_train == "roll_to_next_call":  # TEU of the call on each train
                self.export_share[i] = tuple(min(c, (j + 1) * self.need)
                                             - max(c - n, j * self.need)
                                             for j in range(j0, j1 + 1))
        return inbound[order], sched[order]

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
        track-free times, as a ``simpy.Resource`` would give them).

        A terminal is looked at only if something can be due: a train has arrived, the
        head's deadline has passed, or its group's pool (which never falls from one hour
        to the next) already holds a trainload at the current hour."""
        if until is None:  # called as the clock moves: once an hour is enough (bookings
            now = self.env.now  # are hourly; a train dealt with later keeps its own times)
            if int(now) == self._last_hour:
                return
            self._last_hour = int(now)
        else:
            now = until
        if now > self.end_h:
            now = self.end_h
        for ti in range(len(self.terminals)):
            if self._arr_s[ti][self._next[ti]] > now:  # no train has arrived since
                queue = self.waiting[ti]
                if not queue or (self._deadline[ti][queue[0]] > now
                                 and self.yards.group_pool(self.group[ti], int(now))
                                 < self.need):
                    continue
            self._run(ti, now)

    def _run(self, ti: int, now: float) -> None:
        """The train events of rail terminal ``ti`` up to ``now``, in time order (an
        arrival and the queue head's event at the same time: the head first).

        While outbound trains wait for boxes, the head's event is found once: if its
        group's pool is short of a trainload at the current hour and its deadline is
        later, it cannot leave by now, and the arrivals up to now — which take no boxes
        — are dealt with in one sweep; otherwise its exact time is found (the first hour
        the pool makes a trainload, or the deadline) and the arrivals before it go
        first."""
        yards = self.yards
        order, arr_s, inb_s = self.order[ti], self._arr_s[ti], self._inb_s[ti]
        queue, deadline = self.waiting[ti], self._deadline[ti]
        g, group_pool = self.group[ti], yards.group_pool
        need, end_h = self.need, self.end_h
        p, clock, checked = self._next[ti], self._clock[ti], self._checked[ti]
        while True:
            if queue:
                k0 = queue[0]
                dl = deadline[k0]
                if dl > now and group_pool(g, int(now)) < need:
                    t_head = math.inf  # the head leaves after now
                else:
                    full = yards.group_full_at(g, checked, int(dl), need)
                    t_head = min(max(full, self._arrival_list[ti][k0], clock), dl)
                # arrivals before the head's event: inbound to a track, outbound queue
                while True:
                    t_arr = arr_s[p]
                    if not t_arr < t_head or t_arr > now or t_arr >= end_h:
                        break
                    k = order[p]
                    p += 1
                    clock = t_arr
                    if inb_s[p - 1]:
                        self._inbound(ti, k, t_arr)
                    else:
                        queue.append(k)
                if t_arr < t_head or t_head > now or t_head >= end_h:
                    if t_head > now:
                        checked = max(checked, int(now) - 1)
                    break
                clock = t_head
                self._load(ti, queue.popleft(), t_head, full_only=False)
                checked = int(t_head)
                continue
            t_arr = arr_s[p]
            if t_arr > now or t_arr >= end_h:
                break
            k = order[p]
            p += 1
            clock = t_arr
            if inb_s[p - 1]:  # inbound: straight to a track
                self._inbound(ti, k, t_arr)
            elif self.demand:  # a slot: a train runs in it or the slot goes unused
                self._slot(ti, k, t_arr)
            elif not self._load(ti, k, t_arr, full_only=True):  # no trainload ready yet
                checked = int(t_arr)
                queue.append(k)
        self._next[ti], self._clock[ti], self._checked[ti] = p, clock, checked

    def exports_in(self, env, i: int):
        """Call ``i`` is ready to start work now (trains from demand): are its rail export
        boxes in by its cut-off — every train bringing them unloaded ``cutoff_h`` before
        now? If not, with ``late_train: delay_ship`` the ship waits alongside until they
        are (the last train's unloading end + ``cutoff_h``; trains not yet arrived are
        waited for first) and the hours are returned as its ``rail`` wait; with ``roll``
        the boxes roll to a later call of the terminal (counted) and the ship starts now.
        Boxes whose train does not run (no slot left) roll in either case. A generator
        (it may wait); returns the hours waited. With ``roll_to_next_call``, see
        :meth:`RolledExports.at_work`."""
        if self.rolls is not None:
            self.rolls.at_work(i, env.now)  # (never waits)
            return 0.0
        got = self.export_train.get(i)
        if got is None:
            return 0.0
        ti, ks, teu = got
        t_work = env.now
        if min(ks) < 0:
            self.rolled_teu[ti] += teu
            self.late_calls[ti] += 1
            return 0.0
        arrival = max(float(self.arrival[ti][k]) for k in ks)
        if arrival > t_work and self.holds_ships:
            yield env.timeout(arrival - t_work)
        if arrival <= env.now:
            self.catch_up(env.now)  # the trains have arrived: tracks and unloading are known
            ready = max(self.done_h[ti][k] for k in ks) + self.cutoff_h
        else:
            ready = math.inf  # (roll) still on its way
        if ready <= t_work:
            return 0.0
        self.late_calls[ti] += 1
        if not self.holds_ships:
            self.rolled_teu[ti] += teu
            return 0.0
        if ready > env.now:
            yield env.timeout(ready - env.now)
        return env.now - t_work

    def _slot(self, ti: int, k: int, t: float) -> None:
        """Outbound slot ``k`` comes up at ``t`` (trains from demand): a train leaves in it
        with a trainload if one is ready; with ``departure: at_slot`` also with whatever
        is ready; otherwise no train runs (status ``unused``)."""
        if self._load(ti, k, t, full_only=True):
            return
        if self.spec.departure == "at_slot" and self.yards.group_pool(self.group[ti], int(t)) > 0:
            self._load(ti, k, t, full_only=False)
            return
        self.ready_h[ti][k] = t
        self.status[ti][k] = UNUSED

    def _inbound(self, ti: int, k: int, t: float) -> None:
        """Inbound train ``k`` arrives at ``t``: the first free track, a full train's
        handling, its boxes into its yard at the end (see ``_in_yard``)."""
        done = self._track(ti, k, t, self.need)
        self.yards.rail_in(self._in_yard[ti][k], int(done), self.need, self._src[ti], k)
        if self.rolls is not None:
            self.rolls.unloaded(ti, k)

    def _load(self, ti: int, k: int, now: float, full_only: bool) -> bool:
        """Reserve an outbound train's boxes at time ``now`` if a trainload is ready (or
        whatever is ready, when ``full_only`` is False) and give it a track; True when
        the train is dealt with (served, or cancelled with no boxes at all)."""
        h = int(now)
        yards = self.yards
        total = yards.group_pool(self.group[ti], h)
        need = self.need
        if total >= need:
            take = need
        elif full_only:
            return False
        elif total <= 0:
            self.ready_h[ti][k] = now
            self.status[ti][k] = 1  # cancelled: no boxes
            return True
        else:
            take = total
        ys = self.served[ti]
        if len(ys) == 1:
            alloc: list[tuple[int, int]] = [(ys[0], take)]
        else:
            avail = yards.rail_ready_all(ys, h)
            best = max(range(len(ys)), key=avail.__getitem__)
            if avail[best] >= take:  # the fullest yard has the whole trainload
                alloc = [(ys[best], take)]
            else:  # the fullest first
                alloc = []
                left = take
                for j in sorted(range(len(ys)), key=lambda j: -avail[j]):
                    m = min(left, avail[j])
                    if m > 0:
                        alloc.append((ys[j], m))
                        left -= m
                    if left == 0:
                        break
        done = int(self._track(ti, k, now, take))
        for y, m in alloc:
            yards.rail_load(y, h, done, m)
        return True

    def _track(self, ti: int, k: int, ready: float, teu: int) -> float:
        """Give train ``k``, ready at ``ready``, the first free track of terminal ``ti``
        (a heap of track-free times) for the handling of ``teu`` TEU; record its times and
        return the end of its handling."""
        free = self.free[ti]
        first = free[0]
        start = ready if ready > first else first
        done = start + (self._full_h[ti] if teu == self.need else self.track_h(ti, teu))
        heapq.heapreplace(free, done)
        self.ready_h[ti][k], self.start_h[ti][k], self.done_h[ti][k] = ready, start, done
        self.teu[ti][k] = teu
        self.status[ti][k] = 0
        return done

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
                "status": pd.Categorical.from_codes(
                    status, categories=STATUS_SLOTS if self.demand else STATUS),
                "box_wait_h": got - arrival,
                "track_wait_h": np.where((status == 1) | (status == UNUSED), 0.0, began - got),
            })
            frames.append(frame)
            served = (status == 0) & (done >= start_h) & (done <= end_h)
            # (an unused slot of trains from demand is no train)
            arrived = (arrival >= start_h) & (arrival < end_h) & (status != UNUSED)
            busy = np.clip(np.minimum(np.nan_to_num(done, nan=end_h), end_h)
                           - np.maximum(np.nan_to_num(start, nan=end_h), start_h), 0.0, None)
            out = ~inbound
            ys = self.served[ti]
            wait_teu = float(waiting[ys, h0:].sum(axis=0).mean()) if h0 < self.yards.H else 0.0
            ready_in = float(ready_rate[ys, h0:].sum())
            # trains due to run: every timetabled train; with trains from demand the
            # inbound trains formed and the slots a train ran (or waits) in, not the
            # unused slots (those are the spare capacity, ``unused_slots_per_year``)
            rows.append({
                "rail_terminal": r.id, "name": r.name, "tracks": r.tracks,
                "track_length_m": r.track_length_m,
                "trains_scheduled_per_year": float(((self.sched[ti] >= start_h)
                                                    & (self.sched[ti] < end_h)
                                                    & (status != UNUSED)).sum()) * annual,
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
            if self.demand:  # the slots (capacity) and the demand that made the trains
                slots = (self.sched[ti] >= start_h) & (self.sched[ti] < end_h)
                rows[-1].update({
                    "slots_per_day": self.slots_per_day[ti],
                    "outbound_slots_per_year": float((slots & out).sum()) * annual,
                    "unused_slots_per_year": float(((status == UNUSED) & slots).sum()) * annual,
                    "trains_in_served_per_year": float((served & inbound).sum()) * annual,
                    "trains_out_served_per_year": float((served & out).sum()) * annual,
                    "rail_export_demand_teu_per_year":
                        self.rail_exports_teu[ti] * HOURS_PER_YEAR / max(end_h, 1e-9),
                    # over the whole run (warm-up included): calls whose rail exports were
                    # not in by the cut-off, and the TEU that rolled to a later call
                    "calls_rail_late": self.late_calls[ti],
                    "rail_export_rolled_teu": self.rolled_teu[ti],
                })
            if self.rolls is not None:
                rows[-1].update(self.rolls.summary(ti))
        trains = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        out = {"trains": trains, "rail": pd.DataFrame(rows)}
        if self.rolls is not None:
            out["rail_rolls"] = self.rolls.table()
        return out


class RolledExports:
    """Rail exports rolled to the next call of the same liner service
    (``sea_rail.late_train: roll_to_next_call``; the rule is in the module docstring).

    At a call's start of work (:meth:`at_work`): first the boxes rolled onto it earlier
    are loaded (their departure from the yard booked at this hour) when their train
    was unloaded ``cutoff_h`` before, else rolled on; then its own rail exports are
    checked train by train — a train not in by the cut-off (or not running) rolls its
    share of the call's TEU. A rolled box's planned departure (the rail dwell after its
    train's unloading, :meth:`~portsim.model.yard.Yards.rail_in`) is cancelled as soon as
    the train has unloaded (:meth:`unloaded`); boxes of a train that never runs never
    reach the yard and are only recorded. Every roll is a row of :meth:`table`."""

    def __init__(self, rail: Rail, yards: Yards):
        self.rail, self.yards = rail, yards
        # next call of the same service at the same yard (plan index; calls in arrival order)
        self.next_call: dict[int, int] = {}
        last: dict[tuple[int, int], int] = {}
        for i, svc, y in zip(yards.rows.tolist(), yards.service_row.tolist(),
                             yards._yard_row.tolist(), strict=True):
            if svc >= 0:
                prev = last.get((svc, y))
                if prev is not None:
                    self.next_call[prev] = i
                last[(svc, y)] = i
        self.waiting: dict[int, list[tuple[int, int, int, int]]] = {}  # call -> (ti, k, TEU, roll)
        self.to_cancel: dict[tuple[int, int], int] = {}  # train not yet unloaded -> TEU
        self.left: dict[tuple[int, int], list[int]] = {}  # train -> TEU per batch still planned
        # one record per roll: rail terminal, call, next call, train, TEU, hour, loaded hour
        self.records: list[list] = []

    def at_work(self, i: int, now: float) -> None:
        """Call ``i`` starts work at ``now``: load the boxes rolled onto it, roll its own
        late rail exports."""
        rail = self.rail
        waiting = self.waiting.pop(i, None)
        got = rail.export_train.get(i)
        if waiting is None and got is None:
            return
        rail.catch_up(now)  # trains arrived by now: their unloading is known
        cutoff = rail.cutoff_h
        for ti, k, n, rec in waiting or ():
            done = rail.done_h[ti][k]
            if done + cutoff <= now:  # (NaN: not unloaded, compares False)
                self.yards.load_rolled(rail._in_yard[ti][k], int(now), n)
                self.records[rec][6] = now
            else:
                self._roll(ti, k, n, i, now)
        if got is None:
            return
        ti, ks, _ = got
        late = [(k, n) for k, n in zip(ks, rail.export_share[i], strict=True)
                if not (k >= 0 and rail.done_h[ti][k] + cutoff <= now)]
        if not late:
            return
        rail.late_calls[ti] += 1
        for k, n in late:
            rail.rolled_teu[ti] += n
            if k >= 0:
                if math.isnan(rail.done_h[ti][k]):
                    key = (ti, k)
                    self.to_cancel[key] = self.to_cancel.get(key, 0) + n
                else:
                    self._cancel(ti, k, n)
            self._roll(ti, k, n, i, now)

    def _roll(self, ti: int, k: int, n: int, i: int, now: float) -> None:
        """``n`` TEU of train ``k`` miss call ``i``: to its service's next call."""
        nxt = self.next_call.get(i, -1)
        self.records.append([self.rail.terminals[ti].id, i, nxt, k, n, now, math.nan])
        if nxt >= 0 and k >= 0:
            self.waiting.setdefault(nxt, []).append((ti, k, n, len(self.records) - 1))

    def unloaded(self, ti: int, k: int) -> None:
        """Inbound train ``k`` has unloaded: cancel the departures of its rolled boxes."""
        n = self.to_cancel.pop((ti, k), 0)
        if n:
            self._cancel(ti, k, n)

    def _cancel(self, ti: int, k: int, n: int) -> None:
        """``n`` TEU of unloaded train ``k`` stay in the yard: their planned departures
        (the train's batches, first batches first) are cancelled."""
        rail, yards = self.rail, self.yards
        y = rail._in_yard[ti][k]
        h = min(int(rail.done_h[ti][k]), yards._last_in)  # the hour rail_in booked
        offs, cnts = yards.rail_in_departures(rail._src[ti], k)
        left = self.left.setdefault((ti, k), list(cnts))
        for b, o in enumerate(offs):
            m = min(n, left[b])
            if m:
                yards.roll_rail_exports(y, h + o, m)
                left[b] -= m
                n -= m
            if not n:
                break

    def summary(self, ti: int) -> dict[str, float]:
        """Rolled TEU of rail terminal ``ti`` loaded on a later call and not (whole run)."""
        tid = self.rail.terminals[ti].id
        loaded = sum(r[4] for r in self.records if r[0] == tid and not math.isnan(r[6]))
        return {"rail_export_rolled_loaded_teu": loaded,
                "rail_export_rolled_open_teu": self.rail.rolled_teu[ti] - loaded}

    def table(self) -> pd.DataFrame:
        """``rail_rolls``: one row per roll (a late share of a call's rail exports)."""
        cols = ["rail_terminal", "call", "next_call", "train", "teu", "at_h", "loaded_h"]
        return pd.DataFrame(self.records, columns=cols)
