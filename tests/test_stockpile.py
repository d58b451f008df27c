"""The canal's bulk through a stockpile (:mod:`portsim.model.stockpile`): a hand case and
the tonnage balance of a run."""

from __future__ import annotations

import numpy as np
import pytest

from portsim.config.canal import canal_flow_id
from portsim.config.load import load_scenario
from portsim.model.stockpile import MOVE, stockpile_ledger, stockpile_tables
from portsim.simulate import simulate
from tests.conftest import REPO

PINGLU = REPO / "scenarios" / "pinglu-2027.yaml"


def _fixed_dwell(hours: float):
    sc = load_scenario(PINGLU)
    dwell = sc.canal.transfer_dwell.model_copy(update={"dist": "fixed",
                                                       "mean_days": hours / 24.0})
    return sc.model_copy(update={"canal": sc.canal.model_copy(
        update={"transfer_dwell": dwell})})


def _bulk_case():
    """pinglu-2027 with a 24 h dwell; the bulk barge and the sea bulk flow, the transfer
    and the sea terminal (their indices), and a bulk barge's tonnes per call."""
    sc = _fixed_dwell(24.0)
    flows = [f.id for f in sc.demand]
    terms = [t.id for t in sc.port.terminals]
    return (sc, (flows.index(canal_flow_id("dry_bulk", "RS-B5k")), flows.index("ore-other-bulk")),
            (terms.index("PL-TB"), terms.index("GZS-BULK")), 4500 * 30 / 16.5)


def test_stockpile_hand_computed():
    """pinglu-2027's bulk: 16.5 Mt down, 13.5 Mt up on 4,500 t payloads, so a barge carries
    4,500 × 30 / 16.5 = 8,181.8 t, 4,500 down (2,700 by sea: sea_share 0.6) and 3,681.8 up
    (2,209.1 from the sea). Dwell exactly 24 h. Barge A works 0-10 h, B 5-20 h, C 100-110 h;
    sea call S (5,000 t) 50-60 h, S2 (3,000 t) 60-70 h. S finds A's and B's 5,400 t ready
    (>= half its cargo) and loads 5,000; S2 finds 400 (< 1,500) and discharges instead: C
    takes its 2,209.1 from S2 (ended 70 <= 100 - 24). C's 2,700 t come in at 110 h and
    stay. End stock 400 + 2,700 = 3,100 t."""
    sc, (barge, sea), (tb, gz), per_call = _bulk_case()
    flow = np.array([barge, barge, sea, sea, barge])
    term = np.array([tb, tb, gz, gz, tb])
    vol = np.array([per_call, per_call, 5000, 3000, per_call])
    start = np.array([0.0, 5.0, 50.0, 60.0, 100.0])
    end = np.array([10.0, 20.0, 60.0, 70.0, 110.0])
    rows, moves = stockpile_ledger(sc, flow, term, vol, start, end, end_h=200.0)
    r = rows[0]
    assert r["barge_discharged_t"] == pytest.approx(3 * 4500)
    assert r["to_land_t"] == pytest.approx(3 * 1800)
    assert r["down_in_t"] == pytest.approx(3 * 2700)
    assert r["down_loaded_t"] == pytest.approx(5000)
    assert r["down_waiting_t"] == pytest.approx(3100)
    up = (per_call - 4500) * 0.6
    assert r["up_need_t"] == pytest.approx(3 * up)
    assert r["up_in_t"] == pytest.approx(up)
    assert r["up_short_t"] == pytest.approx(2 * up)
    by_hour: dict[int, float] = {}
    for _, h, t in MOVE.rows(moves):
        by_hour[h] = by_hour.get(h, 0.0) + t
    assert by_hour == pytest.approx({10: 2700.0, 20: 2700.0, 50: -5000.0, 70: up, 100: -up,
                                     110: 2700.0})
    tables = stockpile_tables(sc, flow, term, vol, start, end, 0.0, 200.0)
    hourly = tables["stockpile_hourly"]
    s = hourly["t"].to_numpy()
    assert s[9] == 0 and s[10] == pytest.approx(2700) and s[49] == pytest.approx(5400)
    assert s[50] == pytest.approx(400) and s[70] == pytest.approx(400 + up)
    assert s[-1] == pytest.approx(3100)
    assert tables["stockpile_ledger"]["stock_end_t"].iloc[0] == pytest.approx(3100)


@pytest.mark.parametrize(("over", "loads"), [(0.0, True), (1e-12, False), (-1e-12, True)])
def test_a_sea_call_loads_canal_bulk_from_exactly_half_its_cargo(over, loads):
    """The full-cargo rule at its line: barges A and B leave two lots (ready at 34 h and
    44 h); sea call S (work from 50 h) loads them when they make at least half its cargo
    — with its cargo exactly twice the lots, and a hair below, it loads; a hair above,
    it does not."""
    sc, (barge, sea), (tb, gz), per_call = _bulk_case()
    flow, term = np.array([barge, barge, sea]), np.array([tb, tb, gz])
    start, end = np.array([0.0, 5.0, 50.0]), np.array([10.0, 20.0, 60.0])
    first, _ = stockpile_ledger(sc, flow, term, np.array([per_call, per_call, 1e9]), start,
                                end, end_h=200.0)
    ready = first[0]["down_in_t"]  # the two lots (S, a billion tonnes, takes none)
    assert first[0]["down_loaded_t"] == 0.0
    cargo = 2.0 * ready * (1.0 + over)
    rows, _ = stockpile_ledger(sc, flow, term, np.array([per_call, per_call, cargo]), start,
                               end, end_h=200.0)
    assert rows[0]["down_loaded_t"] == (pytest.approx(ready) if loads else 0.0)


def test_stockpile_tonnage_is_conserved_over_a_run():
    """pinglu-2027, 40 days: the barges' tonnes = ship-to-ship + to land + into the
    stockpile; into it = loaded onto sea-going calls + still there; the hourly stock never
    goes below zero and ends at what is still there; utilisation = mean stock / capacity."""
    sc = load_scenario(PINGLU)
    sc = sc.model_copy(update={"run": sc.run.model_copy(update={"horizon_days": 40,
                                                               "warmup_days": 5})})
    res = simulate(sc, 0)
    led = res.tables["stockpile_ledger"].iloc[0]
    assert led["barge_calls"] > 100 and led["down_loaded_t"] > 0 and led["up_in_t"] > 0
    assert led["barge_discharged_t"] == pytest.approx(
        led["ship_to_ship_t"] + led["to_land_t"] + led["down_in_t"])
    assert led["to_land_t"] == pytest.approx(0.4 * led["barge_discharged_t"])
    assert led["down_in_t"] == pytest.approx(led["down_loaded_t"] + led["down_waiting_t"])
    assert led["up_need_t"] == pytest.approx(led["up_in_t"] + led["up_short_t"])
    hourly = res.tables["stockpile_hourly"]
    assert hourly["t"].min() >= -1e-6
    assert hourly["t"].iloc[-1] == pytest.approx(led["down_waiting_t"], abs=1e-3)
    kpi = res.tables["stockpile"].iloc[0]
    window = hourly[hourly["hour"] >= 5 * 24]["t"]
    assert kpi["utilisation"] == pytest.approx(window.mean() / kpi["capacity_t"])


def test_the_stockpile_is_a_registered_component_judged_in_the_verdict():
    from portsim.model.components import STOCKPILE, components_in

    sc = load_scenario(PINGLU)
    assert STOCKPILE in components_in(sc)
    sc = sc.model_copy(update={"run": sc.run.model_copy(update={"horizon_days": 20,
                                                               "warmup_days": 2})})
    res = simulate(sc, 0)
    for spec in STOCKPILE.tables:
        assert list(res.tables[spec.name].columns) == [c.name for c in spec.columns]
    row = res.tables["stockpile"].iloc[0]
    limit, _ = STOCKPILE.limits[0].judge("stockpile", row, sc)
    assert limit.limit == pytest.approx(0.7) and limit.value == pytest.approx(row["utilisation"])
