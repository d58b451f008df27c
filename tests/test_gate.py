"""Truck gates: the hourly fluid + pointwise-stationary queue, checked by hand and
against Erlang C."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portsim.demand import CallPlan
from portsim.model.gate import gate_queue, hourly_arrivals
from portsim.model.port import PortModel
from portsim.model.yard import EIN, EOUT, EXP, IMP
from portsim.simulate import simulate
from portsim.theory import mmc_mean_wait
from tests.test_yard import landside_scenario


def test_steady_hour_is_an_mmc_queue():
    """40 trucks/h at 3 lanes of 3 min (20 trucks/h each), exponential lane times: the
    PSA wait is the M/M/3 wait of queueing theory, and there is no backlog."""
    lam = np.full(5, 40.0)
    rho, backlog, _, wait = gate_queue(lam, lanes=3, service_min=3.0, cv=1.0)
    assert np.allclose(rho, 2 / 3)
    assert (backlog == 0).all()
    assert np.allclose(wait, mmc_mean_wait(40.0, 3.0 / 60.0, 3))


def test_overloaded_hour_carries_a_backlog():
    """100 trucks in one hour at 60 trucks/h: 40 are left at the end of the hour and
    cleared in the next; a truck waits on average (0 + 40) / 2 / 60 = 1/3 h for the backlog
    in the first hour and (40 + 0) / 2 / 60 in the second."""
    lam = np.array([100.0, 0.0, 0.0])
    rho, backlog, _, wait = gate_queue(lam, lanes=3, service_min=3.0, cv=0.0)
    assert backlog.tolist() == [40.0, 0.0, 0.0]
    fluid = np.array([1 / 3, 1 / 3, 0.0])
    assert wait[1:] == pytest.approx(fluid[1:])
    assert wait[0] > fluid[0]  # plus the (capped) random queueing of a saturated hour
    assert rho[0] == pytest.approx(100 / 60)


def test_hourly_profile_spreads_each_day():
    profile = np.array([0.0] * 6 + [1.0] * 12 + [0.0] * 6)  # 06-18 h only
    lam = hourly_arrivals(np.array([240.0, 120.0]), profile, 48)
    assert lam[:24].sum() == pytest.approx(240.0)
    assert lam[24:].sum() == pytest.approx(120.0)
    assert lam[6] == pytest.approx(20.0) and lam[3] == 0.0
    # a partial last day spreads its trucks over the hours it has
    part = hourly_arrivals(np.array([240.0, 120.0]), profile, 36)
    assert part[24:].sum() == pytest.approx(120.0)


def test_gate_counts_the_trucks_the_yard_sends_by_road(tmp_path):
    sc = landside_scenario(tmp_path)
    res = simulate(sc, 0)
    from portsim.demand import plan_calls
    from portsim.model.port import PortModel

    model = PortModel(sc, plan_calls(sc, 0), 0)
    model.run()
    tables = model.tables()
    y = model.yards
    H, h0 = y.H, int(sc.run.warmup_days * 24)
    fin, fout = y.fin, y.fout
    road = (fin[0, EXP, :H] + fin[0, EOUT, :H] + fout[0, IMP, :H] + fout[0, EIN, :H])
    gate = tables["gate"].iloc[0]
    # whole days inside the window are spread exactly; check the run's total
    hourly = tables["gate_hourly"]
    assert hourly["trucks"].sum() == pytest.approx(road.sum() / sc.landside.gate.teu_per_truck)
    assert gate["trucks_per_year"] == pytest.approx(
        hourly["trucks"].iloc[h0:].sum() * 8760 / (H - h0))
    assert 0 < gate["mean_wait_h"] < gate["p95_wait_h"] + 1e-9
    assert res.tables["gate"].iloc[0]["trucks_per_year"] == pytest.approx(gate["trucks_per_year"])


def test_answer_names_every_landside_component_over_its_limit():
    """The answer's landside clause: all components over their limit, then the most stressed
    of each kind that has none over — never a component within limits passed off as over."""
    from portsim.verdict import landside_sentence

    land = pd.DataFrame([
        ("rail", "RT-PORT", "track_occupancy", 0.846, 0.70, True, ""),
        ("rail", "RT-CENTRAL", "track_occupancy", 0.750, 0.70, True, ""),
        ("yard", "Y-ULCV", "utilisation", 0.497, 0.80, False, ""),
        ("yard", "Y-AUTO", "utilisation", 0.486, 0.80, False, ""),
        ("gate", "G-AUTO", "mean_wait_h", 0.059, 0.50, False, ""),
    ], columns=["component", "id", "kpi", "value", "limit", "over", "over_because"])
    assert landside_sentence(land) == (
        "landside over limits: RT-PORT track occupancy 85% vs 70%, RT-CENTRAL track "
        "occupancy 75% vs 70%; landside within limits, most stressed: Y-ULCV yard "
        "utilisation 50% vs 80%, G-AUTO mean truck wait 0.06 vs 0.50")
    # a yard below its utilisation limit but full at times is over: the answer says why
    land.loc[3, ["over", "over_because"]] = [True, "full 3% of hours"]
    assert landside_sentence(land) == (
        "landside over limits: RT-PORT track occupancy 85% vs 70%, RT-CENTRAL track "
        "occupancy 75% vs 70%, Y-AUTO yard utilisation 49% vs 80% (full 3% of hours); "
        "landside within limits, most stressed: G-AUTO mean truck wait 0.06 vs 0.50")
    calm = land.assign(over=False, over_because="")
    assert landside_sentence(calm) == (
        "landside within limits, most stressed: Y-ULCV yard utilisation 50% vs 80%, RT-PORT "
        "track occupancy 85% vs 70%, G-AUTO mean truck wait 0.06 vs 0.50")


@pytest.mark.parametrize("rule", ["export_dwell", "cut_off"])
def test_export_trucks_arrive_before_their_ships_cut_off(tmp_path, rule):
    """One ship arriving at 200 h with 1,000 TEU, half loaded, all by truck, no empties: 500
    export TEU come through the gate for it. With ``export_arrivals: cut_off`` (cut-off 12 h
    before arrival, receiving window 4 days = 96 h) every batch comes in hours 92-188, so
    no truck arrives before day 3 (hour 72) and all 500 TEU = 500 / 1.75 truck visits come
    in days 0-7 (hours < 192), before the ship's imports (discharged from 200 h) go out.
    With today's export dwell (gamma, mean 4.5 d) boxes also come before hour 92."""
    sc = landside_scenario(tmp_path, landside={
        "modal_split": {"T": {"truck": 1.0}}, "sea_rail": {},
        "yard": {"discharge_share": 0.5, "empty_share": 0, "source": "assumption: test"},
        "gate": {"export_arrivals": rule, "cutoff_h": 12, "receiving_days": 4},
    }, run={"horizon_days": 20, "warmup_days": 0})
    plan = CallPlan(arrival_h=np.array([200.0]), flow=np.zeros(1, int),
                    ship_class=np.zeros(1, int), terminal=np.zeros(1, int),
                    volume=np.array([1000.0]), handling_factor=np.ones(1),
                    liner=np.zeros(1, bool))
    model = PortModel(sc, plan, 0)
    model.run()
    tables = model.tables()
    planned = model.yards.planned[0, 0]  # export gate-ins by hour
    hours = np.flatnonzero(planned)
    assert planned.sum() == 500
    trucks = tables["gate_hourly"]["trucks"].to_numpy()
    if rule == "cut_off":
        assert hours.min() >= 200 - 12 - 96 and hours.max() <= 200 - 12
        assert trucks[:72].sum() == 0
        assert trucks[:192].sum() == pytest.approx(500 / 1.75)
    else:
        assert hours.min() < 200 - 12 - 96
