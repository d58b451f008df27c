"""The quay-crane pool (``rules.quay_cranes: pool``): hand-computed cases, conservation of
crane-hours, and ``fixed`` mode unchanged."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from portsim import load_scenario
from portsim.config.fit import quay_lines
from portsim.demand import CallPlan, plan_calls
from portsim.model.cranes import CranePool
from portsim.model.port import PortModel
from portsim.results import summarise
from portsim.simulate import simulate
from tests.conftest import REPO, berth, container_class, make_scenario, port_dict

RATE = 25.0  # moves/h per QC; efficiency 1, TEU factor 1: a TEU is a move, W = TEU / 25


def _plan(arrivals, classes, volumes, factors=None) -> CallPlan:
    n = len(arrivals)
    return CallPlan(
        arrival_h=np.asarray(arrivals, float), flow=np.zeros(n, int),
        ship_class=np.asarray(classes), terminal=np.zeros(n, int),
        volume=np.asarray(volumes, float),
        handling_factor=np.asarray(factors if factors is not None else [1.0] * n, float),
        liner=np.zeros(n, bool))


def _pool_scenario(tmp_path, sections: int, cranes_each: int, ranges: dict):
    """One quay line of ``sections`` × 300 m; class S (LOA 200 m) and F (LOA 150 m)."""
    classes = [container_class("S", loa=200), container_class("F", loa=150, dwt=20_000)]
    berths = [berth(f"Q{k}", length=300, cranes=cranes_each, rate=RATE, line="L")
              for k in range(sections)]
    return make_scenario(tmp_path, port_dict(berths, classes), {
        "name": "crane pool",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 1000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}]}],
        "rules": {"teu_factor": 1.0, "crane_efficiency": 1.0, "twin_lift_factor": 1.0,
                  "berthing_h": 1.0, "unberthing_h": 0.5, "working_hours_per_day": 24,
                  "quay_cranes": "pool",
                  "quay_cranes_per_ship": {c: {"min": lo, "max": hi, "source": "assumption: test"}
                                           for c, (lo, hi) in ranges.items()}},
        "run": {"horizon_days": 10, "warmup_days": 0},
    })


def _watch(model: PortModel) -> list[tuple[float, dict[float, int], int]]:
    """Lay the cranes out after every change of split (asserting order, contiguity and the
    ranges) and record (time, cranes per ship by position, free cranes)."""
    history: list[tuple[float, dict[float, int], int]] = []
    assert model.crane_pools is not None
    for pool in model.crane_pools.values():
        pool.checking = True
        changed = pool._changed

        def record(pool: CranePool = pool, changed=changed) -> None:
            changed()
            history.append((pool.env.now, {j.start_m: j.cranes for j in pool.jobs},
                            pool.free))
        pool._changed = record  # type: ignore[method-assign]
    return history


def test_ship_gains_the_cranes_of_the_ship_that_finishes(tmp_path):
    # Line of 2 × 300 m with 3 QCs each (N = 6); S: min 2, max 4.
    # A (1000 TEU -> W = 40 crane-h) arrives at 0: 6 free, takes its max 4; works from 1 h
    #   (berthing), finishes at 1 + 40 / 4 = 11 h.
    # B (2000 TEU × factor 1.2 -> W = 96 crane-h) arrives at 0.5: 2 free = its minimum, takes
    #   them; works from 1.5 h with 2 QCs: by 11 h 2 × 9.5 = 19 crane-h done, 77 left.
    #   At 11 h A's 4 QCs are freed and B (below its max) gains 2: 77 / 4 = 19.25 h more,
    #   B finishes at 30.25 h.
    sc = _pool_scenario(tmp_path, 2, 3, {"S": (2, 4), "F": (1, 2)})
    plan = _plan([0.0, 0.5], [0, 0], [1000.0, 2000.0], [1.0, 1.2])
    model = PortModel(sc, plan)
    history = _watch(model)
    log = model.run()
    assert log.called_h == [0.0, 0.5]
    assert log.handled_h == pytest.approx([11.0, 30.25])
    assert log.unberthed_h == pytest.approx([11.5, 30.75])
    assert log.cranes == [4, 2] and log.cranes_max == [4, 4]
    # QC-hours conserved: each ship got exactly its work, and the pool booked their sum
    assert log.qc_hours == pytest.approx([40.0, 96.0])
    pool = model.crane_pools[0]  # type: ignore[index]
    assert pool.busy_h == pytest.approx(136.0)
    # the split over time: B has 2 QCs until the hour A finishes, then 4
    b_start = log.start_m[1]
    b_cranes = [(t, ships[b_start]) for t, ships, _ in history if b_start in ships]
    assert [t for t, _ in b_cranes if t < 11.0] == pytest.approx([0.5, 1.0, 1.5])
    assert all(k == 2 for t, k in b_cranes if t < 11.0)
    assert b_cranes[-1] == (pytest.approx(11.0), 4)
    for _, ships, free in history:
        assert all(2 <= k <= 4 for k in ships.values())
        assert sum(ships.values()) + free == 6
    table = model.tables()["quay_cranes"]
    assert table["busy_qc_h"].iloc[0] == pytest.approx(136.0)
    assert table["utilisation"].iloc[0] == pytest.approx(136.0 / (6 * 240.0))


def test_ship_waits_at_anchorage_until_a_finish_frees_its_minimum(tmp_path):
    # One 600 m line, 4 QCs; S: min 3, max 4. A (W = 40) takes all 4 at 0, works 1-11 h.
    # B arrives at 2: no QC free and A lends only 4 - 3 = 1 < 3, so B waits, although the
    # quay has room. A finishes at 11 h: B is called in then (wait 9 h), berths, works from
    # 12 h with 4 QCs, 1500 TEU -> W = 60 -> finishes at 27 h.
    sc = _pool_scenario(tmp_path, 2, 2, {"S": (3, 4), "F": (1, 2)})
    plan = _plan([0.0, 2.0], [0, 0], [1000.0, 1500.0])
    model = PortModel(sc, plan)
    history = _watch(model)
    log = model.run()
    assert log.called_h == pytest.approx([0.0, 11.0])
    assert log.handled_h == pytest.approx([11.0, 27.0])
    res = summarise(sc, 0, plan, log, model.in_system())
    assert res.calls["wait_berth_h"].tolist() == pytest.approx([0.0, 9.0])
    assert all(3 <= k <= 4 for _, ships, _ in history for k in ships.values())


def test_a_new_ship_borrows_only_its_shortfall_above_the_lenders_minimum(tmp_path):
    # One 600 m line, 4 QCs. A (S: min 3, max 4; W = 40) takes 4 at 0 and works from 1 h.
    # F (min 1, max 2; 250 TEU -> W = 10) arrives at 3 h: none free; A lends 1 (4 -> 3).
    #   A has done 4 × 2 = 8 by 3 h; 32 left at 3 QCs -> A finishes at 3 + 32 / 3 h.
    # F works from 4 h with 1 QC; at A's finish (13.667 h) it has done 9.667 and gains a
    #   second QC (its max): the last 0.333 crane-h take 0.1667 h -> F finishes at 13.833 h.
    sc = _pool_scenario(tmp_path, 2, 2, {"S": (3, 4), "F": (1, 2)})
    plan = _plan([0.0, 3.0], [0, 1], [1000.0, 250.0])
    model = PortModel(sc, plan)
    _watch(model)
    log = model.run()
    a_done = 3.0 + 32.0 / 3.0
    assert log.called_h == pytest.approx([0.0, 3.0])
    assert log.handled_h == pytest.approx([a_done, a_done + (10.0 - (a_done - 4.0)) / 2.0])
    assert log.cranes == [4, 1] and log.cranes_max == [4, 2]
    assert log.qc_hours == pytest.approx([40.0, 10.0])


def _with_cranes(sc, mode: str):
    return sc.model_copy(update={"rules": sc.rules.model_copy(update={"quay_cranes": mode})})


@pytest.fixture(scope="module")
def plan_2025():
    return load_scenario(REPO / "scenarios" / "plan-2025.yaml")


@pytest.mark.parametrize("call_in", ["berth_free", "just_in_time"])
def test_pool_conserves_crane_hours_and_ships_on_plan_2025(plan_2025, call_in):
    # just in time, a ship called ahead takes its cranes when it berths (never before)
    sc = _with_cranes(plan_2025, "pool")
    sc = sc.model_copy(update={"rules": sc.rules.model_copy(update={"call_in": call_in})})
    res = simulate(sc, 0)
    plan = plan_calls(sc, 0)
    c = res.calls
    rules = sc.rules
    # each call's work from the data alone: moves × factor / (slowest QC rate under the ship
    # × efficiency), the factor being the plan's mean-one factor × 24 / working hours
    lines = quay_lines(sc.port.berths)
    per_crane = np.full(len(c), np.nan)
    for ql in lines:
        ends = np.cumsum([b.quay_length_m for b in ql.berths])
        starts = ends - [b.quay_length_m for b in ql.berths]
        for k in np.flatnonzero((c["quay_line"] == ql.id).to_numpy()):
            a, z = c["start_m"].iat[k], c["start_m"].iat[k] + c["length_m"].iat[k]
            under = [b.crane_rate for b, s0, s1 in zip(ql.berths, starts, ends, strict=True)
                     if s1 > a + 1e-9 and s0 < z - 1e-9 and b.crane_rate]
            per_crane[k] = min(under) if under else np.nan
    factor = plan.handling_factor * 24.0 / rules.working_hours_per_day
    expected = (c["moves"].to_numpy() * factor
                / (per_crane * rules.crane_efficiency * rules.twin_lift_factor))
    done = ((c["cargo"] == "container") & c["handled_h"].notna()).to_numpy()
    assert done.sum() > 3000
    np.testing.assert_allclose(c["qc_hours"].to_numpy()[done], expected[done], rtol=1e-7)
    # the ranges hold per call, and the lines' booked crane-hours do not exceed their QCs
    lo_hi = np.array([rules.crane_range(s) for s in c["ship_class"].astype(str)])
    box = c[done]
    assert (box["cranes"].to_numpy() >= lo_hi[done, 0]).all()
    assert (box["cranes_max"].to_numpy() <= lo_hi[done, 1]).all()
    assert (box["cranes"] <= box["cranes_max"]).all()
    table = res.tables["quay_cranes"]
    assert ((table["utilisation"] > 0) & (table["utilisation"] <= 1)).all()
    p = res.port
    assert p["calls_arrived"] == p["calls_departed"] + res.in_system_at_end


def _calls_hash(calls: pd.DataFrame) -> str:
    old = calls.drop(columns=["qc_hours", "cranes_max"])
    return hashlib.sha256(pd.util.hash_pandas_object(old, index=True).to_numpy()
                          .tobytes()).hexdigest()


def test_fixed_mode_ignores_the_crane_ranges_and_keeps_todays_rule(plan_2025):
    plan_2025 = _with_cranes(plan_2025, "fixed")
    bare = plan_2025.model_copy(update={"rules": plan_2025.rules.model_copy(
        update={"quay_cranes_per_ship": {}, "quay_crane_width_m": 1.0})})
    res = simulate(plan_2025, 0)
    assert _calls_hash(res.calls) == _calls_hash(simulate(bare, 0).calls)
    c = res.calls[(res.calls["cargo"] == "container") & res.calls["handled_h"].notna()]
    # today's rule: min(planned, free) cranes, kept for the whole stay
    planned = np.array([plan_2025.rules.cranes_for(s) for s in c["ship_class"].astype(str)])
    assert (c["cranes"].to_numpy() <= planned).all()
    assert (c["cranes"] == c["cranes_max"]).all()
    fast = c["wait_yard_h"] == 0 if "wait_yard_h" in c else slice(None)
    np.testing.assert_allclose(c.loc[fast, "qc_hours"],
                               c.loc[fast, "cranes"] * c.loc[fast, "handling_h"], rtol=1e-9)


def test_any_split_within_the_counts_lays_out_without_crossing():
    # The docstring's claim, checked on random quays: ships in quay order with at most
    # ⌊l / w⌋ QCs each and Σk ≤ N, on a line of L ≥ (N + m) w, always have a layout in
    # which the QCs keep their order, each ship's QCs are one block over the ship, and no
    # two QCs stand closer than w.
    import simpy

    from portsim.config.fit import QuayLine
    from portsim.model.cranes import CraneJob

    rng = np.random.default_rng(12)
    w, shortest = 27.0, 120.0
    for _ in range(2000):
        sections = int(rng.integers(1, 5))
        lengths = rng.uniform(200, 450, sections)
        n_cranes = int(rng.integers(sections, int(lengths.sum() // w) + 1))  # up to the bound
        line = QuayLine("L", "T", tuple(
            berth_record(f"B{k}", length, 1 if k else n_cranes - sections + 1)
            for k, length in enumerate(lengths)))
        if line.cranes != n_cranes or line.length_m < (
                n_cranes + int(line.length_m // shortest)) * w:
            continue
        pool = CranePool(simpy.Environment(), line, crane_range=lambda _, n=n_cranes: (1, n),
                         width_m=w, shortest_ship_m=shortest, window_start_h=0.0)
        cursor, left = 0.0, n_cranes
        while left > 0:
            cursor += rng.uniform(0, 150)
            size = rng.uniform(shortest, 430)
            if cursor + size > line.length_m:
                break
            k = int(rng.integers(1, min(left, int(size // w)) + 1))
            pool.jobs.append(CraneJob(cursor, size, 1, n_cranes, 1.0, cranes=k))
            left -= k
            cursor += size
        pool.free = left
        spots = pool.layout()
        assert len(spots) == n_cranes


def berth_record(id: str, length: float, cranes: int):
    from portsim.config.port import Berth
    return Berth(**berth(id, length=length, cranes=cranes))


@pytest.mark.parametrize("ranges, where, words", [
    ({"XX": {"min": 1, "max": 2, "source": "s"}}, "rules.quay_cranes_per_ship.XX",
     "unknown ship class 'XX'"),
    ({"S": {"min": 1, "max": 9, "source": "s"}}, "rules.quay_cranes_per_ship.S.max",
     "9 QCs need 243 m"),
    ({"S": {"min": 3, "max": 2, "source": "s"}}, "rules.quay_cranes_per_ship.S",
     "min (3) is above max (2)"),
])
def test_bad_crane_ranges_are_named_with_file_and_path(tmp_path, capsys, ranges, where, words):
    from portsim.cli import main
    from tests.conftest import write_yaml

    write_yaml(tmp_path / "port.yaml", port_dict([berth("B1", cranes=4)]))
    path = write_yaml(tmp_path / "scenario.yaml", {
        "name": "bad cranes", "port": "port.yaml",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": 100_000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}]}],
        "rules": {"quay_cranes": "pool", "quay_cranes_per_ship": ranges},
        "run": {"horizon_days": 20, "warmup_days": 0, "replications": 1}})
    out = tmp_path / "out"
    assert main(["run", str(path), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and not out.exists()
    assert "scenario.yaml" in err and where in err and words in err
