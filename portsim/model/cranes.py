"""A pool of quay cranes per quay line (``rules.quay_cranes: pool``).

The quay cranes (QCs) of a quay line run on one pair of rails in a fixed order along
the quay; they cannot pass each other. In pool mode they are shared by the container
ships lying along the line, as a terminal's crane-split plan shares them:

*Crane range.* A ship class has a minimum and a maximum number of QCs per ship
(``rules.quay_cranes_per_ship``; default min 1 and max the class's ``cranes_per_ship``).
The scenarios take the maximum from the upper end of the A8 band (docs/assumptions.md) (QCs per
ship by TEU size) and the minimum one below the band's lower end; both are capped at
the QCs of the line, and ``max`` × ``quay_crane_width_m`` must fit along the ship (LOA +
clearance; the scenario loader checks it).

*Call-in.* A ship is called in only if its line can give it at least its minimum: the
free QCs plus those the ships on the line hold above their own minimum. It takes free
QCs up to its maximum. If fewer than its minimum are free it borrows the shortfall, and
only the shortfall, from ships above their minimum: first from ships not yet working
(called in, still sailing in or berthing: their cranes stand idle), then from the
working ship with the least work left (one crane taken from a ship with W crane-hours
left and k cranes delays its finish by W / (k(k-1)), least for the smallest W). Basis:
the minimum is the crane intensity the terminal commits to a ship; cranes above it are
lent while no other ship needs them. A terminal that never took a crane from a working
ship would leave a ship at anchorage beside empty quay whenever the ships alongside held
every crane at their maximum (with 16 QCs and maxima of 5-6 three ships do).

*Start.* When the ship is berthed (``berthing_h`` after it reaches the berth) it tops up
from the free QCs to its maximum and work begins.

*Finish.* When a ship's work is done its QCs leave it at once (it may still lie alongside
for unberthing, the tide or a pilot; it needs no crane for that). The free QCs go to the
working ships below their maximum, the ship whose planned finish is latest first, each up
to its maximum: latest-finish-first is the longest-processing-time rule of crane-split
planning, which evens out the finish times so that the ship holding its berth longest is
helped first. Then the terminal calls in waiting ships (who may borrow, as above). Ships
not yet working get nothing at a finish (their cranes would stand idle until they berth).

*Work.* A ship's work is W = moves × handling factor / (rate per QC × efficiency)
crane-hours: the rate of the slowest berth section under the ship, efficiency =
simultaneity × twin-lift, the handling factor = the call's mean-one random factor ×
24 / working hours a day (as in ``fixed`` mode). With k(t) cranes the work is done when
∫k dt = W, so berth time follows from the QC-hours the ship actually gets. The finish
time is recomputed whenever k changes: the ship waits on one timeout at its planned
finish, moved to a new timeout when k changes (the superseded one fires with nobody
waiting: no polling, no hourly events). A ship
whose discharge meets a slowed yard (the yard's hour-by-hour path, see
:mod:`portsim.model.yard`) keeps the QCs it has at berthing until it finishes: it
neither lends nor gains.

*Cranes never cross.* QCs are identical, so a crane split is the count k_j of each ship.
Number the QCs 1..N along the rail and the ships on the line 1..m in quay order; ship j
works the contiguous block after the blocks of ships 1..j-1 and the free QCs parked
before it. Blocks in ship order exist for any counts with Σk ≤ N, and any change of split
is carried out by moving QCs along the rail, each keeping its place in the order (the c-th
crane stays the c-th). Physically each QC takes w m of rail (``quay_crane_width_m``) and
must stand over its ship: ship j, lying along l_j m, takes at most ⌊l_j / w⌋ QCs, which the
loader guarantees for every class's maximum. Lay the QCs out from the start of the quay:
before ship j put as many free QCs as fit in the rail left before its bow, then its k_j
QCs from the bow on. Each gap wastes less than w of rail, so all N QCs fit whenever the
line's length L ≥ (N + m) w; the scenario loader (and :class:`CranePool` at its build)
checks this bound for the most ships the line can hold, and :meth:`CranePool.layout`
builds the layout (the tests run it after every change of split).

*Records.* Per ship the QCs at the start of work (``cranes``), the most it had at once
(``cranes_max``) and the crane-hours it was worked (``qc_hours``; for a ship on the yard's
slow path, without the hours its QCs stood still for the yard); per line the crane-hours
its QCs were at a working ship inside the reporting window, yard stand-stills included (the
busy QC-hours of the ``quay_cranes`` table, utilisation = busy / (QCs × window)).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import simpy

from portsim.config.fit import QuayLine


@dataclass(slots=True, eq=False)
class CraneJob:
    """One ship's share of its line's QCs."""

    start_m: float
    length_m: float
    least: int  # the class's minimum (capped at the line's QCs)
    most: int  # the class's maximum (capped at the line's QCs)
    per_crane: float  # moves/h of one QC on this stretch × efficiency
    cranes: int = 0
    cranes_max: int = 0
    work_left: float = math.inf  # crane-hours still to do (inf: not started)
    since: float = math.nan  # when work_left was last brought up to date
    working: bool = False
    frozen: bool = False  # the yard's slow path: its QCs neither lent nor topped up
    version: int = 0
    done: simpy.Event | None = None
    qc_hours: float = 0.0
    deferred: bool = False  # called ahead of time (just in time): QCs taken at berthing

    def planned_finish(self) -> float:
        """When the work would be done with the cranes it has now (inf: not working)."""
        if not self.working:
            return math.inf
        return self.since + self.work_left / self.cranes


class CranePool:
    """The QCs of one quay line shared by the container ships along it."""

    def __init__(self, env: simpy.Environment, line: QuayLine, *,
                 crane_range: Callable[[str], tuple[int, int]], width_m: float,
                 shortest_ship_m: float, window_start_h: float):
        self.env = env
        self.line = line
        self.cranes = line.cranes
        self.free = line.cranes
        self.width_m = width_m
        self.window_start_h = window_start_h
        self._range = crane_range
        self._ranges: dict[str, tuple[int, int]] = {}
        self.jobs: list[CraneJob] = []  # ships on the line (and called to it)
        self.busy_h = 0.0  # crane-hours worked inside the window (in-progress work excluded)
        self.state: Any = None  # the quay's LineState: its cranes_free is kept in step
        self.on_freed: Callable[[], None] | None = None  # call in waiting ships
        self.checking = False  # tests: build the layout after every change of split
        self.claims: list[simpy.Event] = []  # berthed ships waiting for their minimum
        most_ships = max(1, math.floor(line.length_m / shortest_ship_m))
        if line.length_m < (self.cranes + most_ships) * width_m - 1e-9:
            raise ValueError(
                f"quay line {line.id}: {self.cranes} QCs of {width_m:g} m and up to "
                f"{most_ships} ships need ({self.cranes} + {most_ships}) × {width_m:g} m of "
                f"rail for a split that never crosses; the line is {line.length_m:g} m")

    def range_for(self, class_id: str) -> tuple[int, int]:
        """(min, max) QCs for a ship of this class on this line."""
        found = self._ranges.get(class_id)
        if found is None:
            least, most = self._range(class_id)
            found = self._ranges[class_id] = (min(least, self.cranes), min(most, self.cranes))
        return found

    def can_start(self, class_id: str) -> bool:
        """Whether a ship of this class could be called in now (its minimum available)."""
        least = self.range_for(class_id)[0]
        spare = self.free
        if spare >= least:
            return True
        for job in self.jobs:
            if not (job.frozen or job.deferred):
                spare += job.cranes - job.least
        return spare >= least

    def take(self, start_m: float, length_m: float, class_id: str, per_crane: float,
             defer: bool = False) -> CraneJob:
        """Give a ship being called in its QCs (see the module docstring); its job says how
        many. ``defer``: a ship called ahead of time to follow another (just-in-time
        call-in) takes none now: it takes its QCs when it berths (:meth:`claim`), when the
        ship it follows has handed its cranes back."""
        least, most = self.range_for(class_id)
        job = CraneJob(start_m, length_m, least, most, per_crane, deferred=defer)
        self.jobs.append(job)
        if defer:
            return job
        self._give(job)
        return job

    def claim(self, job: CraneJob) -> bool:
        """A ship called ahead has berthed: take its QCs as a ship called in now would
        (``False``, and nothing taken, when the line cannot give it its minimum yet: it
        waits alongside for a finish)."""
        if not job.deferred:
            return True
        least = job.least
        spare = self.free + sum(j.cranes - j.least for j in self.jobs
                                if j is not job and not (j.frozen or j.deferred))
        if spare < least:
            return False
        job.deferred = False
        self._give(job)
        return True

    def _give(self, job: CraneJob) -> None:
        least, most = job.least, job.most
        got = min(most, self.free)
        self.free -= got
        if got < least:
            self._borrow(least - got)
            got = least
        job.cranes = job.cranes_max = got
        self._changed()

    def _borrow(self, need: int) -> None:
        donors = [j for j in self.jobs if not j.frozen and j.cranes > j.least]
        donors.sort(key=lambda j: (j.working, j.planned_finish()))
        for job in donors:
            give = min(need, job.cranes - job.least)
            self._set(job, job.cranes - give)
            need -= give
            if need == 0:
                return
        raise AssertionError(f"quay line {self.line.id}: borrowed past the spare QCs")

    def start(self, job: CraneJob, crane_hours: float) -> CraneJob:
        """Work begins: top up from the free QCs and plan the finish."""
        extra = min(job.most - job.cranes, self.free)
        if extra > 0:
            self.free -= extra
            job.cranes += extra
            job.cranes_max = max(job.cranes_max, job.cranes)
        job.work_left = crane_hours
        job.since = self.env.now
        job.working = True
        self._schedule(job)
        self._changed()
        return job

    def freeze(self, job: CraneJob) -> None:
        """Keep the ship's QCs as they are until it finishes (the yard's slow path)."""
        job.frozen = True
        job.version += 1  # its planned finish no longer applies

    def finish(self, job: CraneJob) -> None:
        """The ship's work is done: its QCs go to the working ships, then to waiting ships."""
        self._account(job)
        job.working = False
        self.jobs.remove(job)
        self.free += job.cranes
        takers = [j for j in self.jobs
                  if j.working and not j.frozen and j.cranes < j.most]
        takers.sort(key=CraneJob.planned_finish, reverse=True)
        for taker in takers:
            if self.free == 0:
                break
            extra = min(taker.most - taker.cranes, self.free)
            self.free -= extra
            self._set(taker, taker.cranes + extra)
        self._changed()
        if self.claims:  # berthed ships short of their minimum try again
            waiting, self.claims = self.claims, []
            for event in waiting:
                event.succeed()
        if self.on_freed is not None:
            self.on_freed()

    def _set(self, job: CraneJob, cranes: int) -> None:
        if job.working:
            self._account(job)
        job.cranes = cranes
        if cranes > job.cranes_max:
            job.cranes_max = cranes
        if job.working:
            self._schedule(job)

    def _account(self, job: CraneJob) -> None:
        """Book the crane-hours worked since the last change of the ship's split."""
        now = self.env.now
        worked = job.cranes * (now - job.since)
        job.work_left -= worked
        job.qc_hours += worked
        if now > self.window_start_h:
            self.busy_h += job.cranes * (now - max(job.since, self.window_start_h))
        job.since = now

    def _schedule(self, job: CraneJob) -> None:
        """Plan the ship's finish: ``job.done`` becomes a timeout at the new finish, and a
        ship already waiting for its superseded finish is moved to it (the old timeout
        fires with nobody waiting: one event per change of split, none more)."""
        job.version += 1
        due = self.env.timeout(max(job.work_left, 0.0) / job.cranes)
        old = job.done
        if old is not None and old.callbacks:
            due.callbacks.extend(old.callbacks)  # type: ignore[union-attr]
            old.callbacks.clear()
        job.done = due

    def _changed(self) -> None:
        if self.state is not None:
            self.state.cranes_free = self.free
        if self.checking:
            self.layout()

    def busy_until(self, end_h: float) -> float:
        """Crane-hours worked inside the window up to ``end_h``, work in progress included."""
        busy = self.busy_h
        for job in self.jobs:
            if job.working and end_h > self.window_start_h:
                busy += job.cranes * (end_h - max(job.since, self.window_start_h))
        return busy

    def layout(self) -> list[tuple[float, int | None]]:
        """Where each QC stands (left end, m from the start of the line) and the index of
        the ship it works in quay order (``None``: free), built as in the module docstring;
        raises AssertionError if a count is out of range or the split cannot be laid out
        without crossing."""
        jobs = sorted((j for j in self.jobs if not j.deferred), key=lambda j: j.start_m)
        held = sum(j.cranes for j in jobs)
        assert held + self.free == self.cranes, (held, self.free, self.cranes)
        assert self.free >= 0
        free_left = self.free
        w = self.width_m
        spots: list[tuple[float, int | None]] = []
        cursor = 0.0
        for n, job in enumerate(jobs):
            assert job.least <= job.cranes <= job.most, (job.least, job.cranes, job.most)
            assert job.cranes * w <= job.length_m + 1e-9, "a ship holds more QCs than fit"
            fit = int((job.start_m - cursor) // w + 1e-9) if job.start_m > cursor else 0
            parked = min(fit, free_left)
            spots += [(cursor + p * w, None) for p in range(parked)]
            free_left -= parked
            cursor = max(cursor + parked * w, job.start_m)
            assert cursor + job.cranes * w <= job.start_m + job.length_m + 1e-9, \
                "a QC cannot reach its ship past its neighbours' cranes"
            spots += [(cursor + p * w, n) for p in range(job.cranes)]
            cursor += job.cranes * w
        spots += [(cursor + p * w, None) for p in range(free_left)]
        assert cursor + free_left * w <= self.line.length_m + 1e-9, \
            "the QCs do not fit on the rail"
        # in rail order, each ship's QCs form one block and the blocks follow the ships
        owners = [o for _, o in spots if o is not None]
        assert owners == sorted(owners)
        assert all(b - a >= w - 1e-9 for (a, _), (b, _) in pairwise(spots))
        return spots
