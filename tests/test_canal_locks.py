"""Lock hubs of the Pinglu Canal (portsim.model.canal): hand-computed lockages.

A two-line hub with T = 1 h per lockage and k = 3 ships per lockage: line 0 offers a
downbound lockage at 0, 2, 4 … h, line 1 at 1, 3, 5 … h (each line levels back up in
between), so the hub passes at most k / T = 3 ships an hour downbound.
"""

from __future__ import annotations

import numpy as np
import pytest

from portsim.canal_locks import LOCKAGE
from portsim.config.canal import LockClosure, LockHub
from portsim.config.port import ShipClass
from portsim.model.canal import lock_through


def hub(k: int | None = 3, lines: int = 2, T: float = 1.0, closures=()) -> LockHub:
    return LockHub(id="H", name="hub", chamber_length_m=300, chamber_width_m=34,
                   sill_depth_m=8, lines=lines, lockage_h=T, ships_per_lockage=k,
                   sail_to_next_h=0.0, closures=list(closures), source="assumption: test")


def run(arrivals, h: LockHub, k: int):
    record: list = []
    a = np.asarray(arrivals, float)
    out = lock_through(a, np.full(len(a), 1.0 / k), h, record)
    return out, LOCKAGE.rows(record)


def test_a_burst_leaves_in_lockage_batches_of_exactly_k():
    # ten ships at 0.5 h: slots 1 (line 1), 2 (line 0), 3 (line 1), 4 (line 0)
    out, record = run([0.5] * 10, hub(), 3)
    assert [r[3] for r in record] == [3, 3, 3, 1]
    assert [r[2] for r in record] == [1.0, 2.0, 3.0, 4.0]
    assert [r[1] for r in record] == [1, 0, 1, 0]
    assert out.tolist() == [2.0] * 3 + [3.0] * 3 + [4.0] * 3 + [5.0]


def test_a_ship_arriving_at_a_slot_start_takes_it_and_a_lone_ship_waits_for_the_next():
    out, record = run([2.0, 2.5], hub(), 3)
    assert out.tolist() == [3.0, 4.0]  # lockage at 2 (line 0), then at 3 (line 1)
    assert [r[3] for r in record] == [1, 1]


@pytest.mark.parametrize("k,T", [(3, 1.0), (4, 1.5), (2, 0.75)])
def test_at_most_k_over_T_ships_an_hour_per_direction(k, T):
    # saturating arrivals (10 an hour for 200 h): the hub passes exactly k / T an hour,
    # up to one lockage at either end of the window
    arrivals = np.sort(np.random.default_rng(1).uniform(0, 200, 2000))
    out, _ = run(arrivals, hub(k=k, T=T), k)
    for lo in (20.0, 50.0, 100.0):
        n = int(((out >= lo) & (out < lo + 60.0)).sum())
        assert n <= k * 60.0 / T + k
        assert n >= k * 60.0 / T - k
    assert np.all(np.diff(out) >= 0)  # first come, first served


def test_a_line_under_maintenance_halves_the_hub():
    # line 0 closed for the first 2 days: only line 1 locks (k every 2 T) until 48 h
    closed = hub(closures=[LockClosure(line=0, start_day=0, days=2)])
    arrivals = np.sort(np.random.default_rng(2).uniform(0, 100, 1000))
    out, record = run(arrivals, closed, 3)
    assert all(r[1] == 1 for r in record if r[2] < 48.0)
    n = int(((out > 10.0) & (out <= 40.0)).sum())
    assert n == 3 * 15  # 15 lockages of line 1 between 10 and 40 h
    assert any(r[1] == 0 for r in record if r[2] >= 48.0)


def test_ships_per_lockage_from_the_chamber_and_the_ship():
    # Madao 300 m x 34 m; a 100 m x 16 m ship with 10 m / 1 m clearances: 2 end to end
    # (300 / 110) x 2 abreast (34 / 17) = 4
    madao = hub(k=None)
    ship = ShipClass(id="RS", cargo="dry_bulk", dwt=5000, loa_m=100, beam_m=16,
                     draught_m=5.5, source="assumption: test")
    assert madao.ships_per_lockage_for(ship) == 4
    long_ship = ship.model_copy(update={"loa_m": 310.0})
    assert madao.ships_per_lockage_for(long_ship) == 0


# ------------------------------------------------------------ lockage rule fill_or_wait


def fill_hub(k: int = 3, lines: int = 2, T: float = 1.0, wait: float = 5.0,
             closures=()) -> LockHub:
    return hub(k=k, lines=lines, T=T, closures=closures).model_copy(
        update={"lockage_rule": "fill_or_wait", "max_wait_h": wait})


def test_fill_or_wait_a_burst_of_k_leaves_at_once_and_a_remainder_waits_its_max():
    # ten ships at 0.5 h, k = 3, T = 1, both lines level at the start, max wait 5 h:
    # two full lockages leave at 0.5 (lines 0 and 1), the third full one when line 0
    # has levelled back up (0.5 + 2 T = 2.5), the lone tenth ship after its 5 h
    # maximum wait (0.5 + 5 = 5.5: both lines ready, the lower index takes it)
    out, record = run([0.5] * 10, fill_hub(), 3)
    assert [r[3] for r in record] == [3, 3, 3, 1]
    assert [r[2] for r in record] == [0.5, 0.5, 2.5, 5.5]
    assert [r[1] for r in record] == [0, 1, 0, 0]
    assert out.tolist() == [1.5] * 6 + [3.5] * 3 + [6.5]


def test_fill_or_wait_leaves_when_the_chamber_fills():
    # k = 3, ships at 0, 0.2, 0.4 h: full when the third arrives
    out, record = run([0.0, 0.2, 0.4], fill_hub(), 3)
    assert [(r[2], r[3]) for r in record] == [(0.4, 3)]
    assert out.tolist() == [1.4] * 3


def test_fill_or_wait_a_lone_ship_leaves_after_the_maximum_wait():
    out, record = run([3.0], fill_hub(wait=0.75), 3)
    assert [(r[2], r[3]) for r in record] == [(3.75, 1)]
    assert out.tolist() == [4.75]
    out, _ = run([3.0], fill_hub(wait=0.0), 3)  # no wait: leaves at once
    assert out.tolist() == [4.0]


@pytest.mark.parametrize("k,T", [(3, 1.0), (4, 1.5)])
def test_fill_or_wait_passes_at_most_k_over_T_an_hour_and_every_lockage_is_full(k, T):
    # saturating arrivals: both lines lock a full chamber every 2 T (k / T an hour)
    arrivals = np.sort(np.random.default_rng(1).uniform(0, 200, 2000))
    out, record = run(arrivals, fill_hub(k=k, T=T), k)
    for lo in (20.0, 50.0, 100.0):
        n = int(((out >= lo) & (out < lo + 60.0)).sum())
        assert k * 60.0 / T - k <= n <= k * 60.0 / T + k
    assert all(r[3] == k for r in record[:-1])
    starts = {0: [], 1: []}
    for r in record:
        starts[r[1]].append(r[2])
    for line in starts.values():  # a line locks down at most once per 2 T
        assert np.all(np.diff(line) >= 2 * T - 1e-9)
    assert np.all(np.diff(out) >= 0)  # first come, first served


def test_fill_or_wait_keeps_clear_of_a_closure():
    # one line, closed days 0-1: a full lockage at 0 h waits for the end of the closure
    closed = fill_hub(lines=1, closures=[LockClosure(line=0, start_day=0, days=1)])
    out, record = run([0.0] * 3, closed, 3)
    assert [(r[2], r[3]) for r in record] == [(24.0, 3)]
    assert out.tolist() == [25.0] * 3


def test_an_unknown_lockage_rule_is_refused():
    with pytest.raises(ValueError, match="lockage_rule"):
        LockHub(id="H", name="hub", chamber_length_m=300, chamber_width_m=34,
                sill_depth_m=8, lockage_h=1.0, sail_to_next_h=0.0,
                lockage_rule="first_come", source="assumption: test")


def _alternating_by_the_clock(arrivals, fill, h: LockHub):
    """The ``alternating`` rule read off the clock, lockage by lockage: every line's next
    slot (``2T`` apart, lines staggered, moved past its closures), the earliest of them,
    and the waiting ships in order while they fit. (The pass itself merges the slots once
    and walks only where ships are left over.)"""
    T, period = h.lockage_h, 2.0 * h.lockage_h
    phases = [j * period / h.lines for j in range(h.lines)]
    closed = [[(c.start_day * 24.0, (c.start_day + c.days) * 24.0) for c in h.closures
               if c.line == j] for j in range(h.lines)]
    nxt = [0] * h.lines
    out, rows, i = [0.0] * len(arrivals), [], 0
    while i < len(arrivals):
        best = None
        for j in range(h.lines):
            m = max(int(np.ceil((arrivals[i] - phases[j]) / period - 1e-12)), nxt[j])
            while any(phases[j] + period * m < c1 and phases[j] + period * m + T > c0
                      for c0, c1 in closed[j]):
                m += 1
            s = phases[j] + period * m
            if best is None or s < best[0]:
                best = (s, j, m)
        s, j, m = best
        nxt[j] = m + 1
        first, used = i, 0.0
        while i < len(arrivals) and arrivals[i] <= s and used + fill[i] <= 1.0 + 1e-9:
            used += fill[i]
            out[i] = s + T
            i += 1
        rows.append(("H", j, s, i - first, used))
    return out, rows


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_pass_makes_the_lockages_the_clock_rule_makes(seed):
    # mixed classes (a third, a half, a whole chamber), quiet spells and bursts that
    # leave ships over for later lockages, three lines, closures on two of them
    rng = np.random.default_rng(seed)
    gaps = np.where(rng.random(600) < 0.3, rng.exponential(0.05, 600),
                    rng.exponential(2.0, 600))
    arrivals = np.cumsum(gaps)
    fill = rng.choice([1 / 3, 1 / 2, 1.0], 600)
    h = hub(lines=3, T=1.25, closures=[LockClosure(line=0, start_day=5, days=3),
                                       LockClosure(line=2, start_day=9, days=1.5),
                                       LockClosure(line=0, start_day=20, days=2)])
    record: list = []
    out = lock_through(arrivals, fill, h, record)
    want_out, want_rows = _alternating_by_the_clock(arrivals.tolist(), fill.tolist(), h)
    assert out.tolist() == want_out
    assert LOCKAGE.rows(record) == want_rows
    assert any(r[3] > 1 for r in want_rows) and max(r[4] for r in want_rows) > 0.99
