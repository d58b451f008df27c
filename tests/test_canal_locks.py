"""Lock hubs of the Pinglu Canal (portsim.model.canal): hand-computed lockages.

A two-line hub with T = 1 h per lockage and k = 3 ships per lockage: line 0 offers a
downbound lockage at 0, 2, 4 … h, line 1 at 1, 3, 5 … h (each line levels back up in
between), so the hub passes at most k / T = 3 ships an hour downbound.
"""

from __future__ import annotations

import numpy as np
import pytest

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
    return out, record


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
