"""Seasons (issue 12): monthly factors, the Spring-Festival trough, a day-of-week pattern;
annual volume kept; monthly KPIs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from portsim.config.services import MONTH_DAYS, Seasons, Trough
from portsim.demand import plan_calls
from portsim.services import day_intensity, peak_month
from portsim.simulate import simulate
from tests.conftest import berth, make_scenario, port_dict

MONTHLY = [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.5, 1.3, 1.2, 1.0, 0.9, 1.0]
ALPHA = 0.001  # false-alarm rate of each goodness-of-fit test


def _scenario(tmp_path, seasons: dict | None, *, calls: float = 20_000, liner_share=0.0,
              services: bool = False, reps: int = 1, berths: int = 4):
    flow = {"id": "box", "cargo": "container", "annual_volume": calls * 100,
            "classes": [{"ship_class": "S", "share": 1,
                         "per_call": {"dist": "fixed", "mean": 100}}],
            "arrivals": {"liner_share": liner_share}}
    rules: dict = {"teu_factor": 1.0, "handling_cv": 0.0}
    if services:
        flow["services"] = {"generate": {"S": {"trade": "feeder"}}}
        flow["allocation"] = [{"terminals": {"T": 1.0}, "source": "assumption: test"}]
        rules["liner_calls"] = "services"
    data = {"name": "seasons-test", "demand": [flow], "rules": rules,
            "run": {"horizon_days": 365, "warmup_days": 0, "replications": reps, "seed": 11}}
    if seasons is not None:
        data["seasons"] = seasons
    port = port_dict([berth(f"B{i}", length=300.0, line="QL", cranes=2, rate=60.0)
                      for i in range(berths)])
    return make_scenario(tmp_path, port, data)


def _month_of(hours: np.ndarray) -> np.ndarray:
    """Month 1-12 of hours from 1 January 00:00 (no warm-up), from the calendar."""
    edges = np.cumsum([0, *MONTH_DAYS]) * 24.0
    return np.searchsorted(edges, hours, side="right")


def test_factors_are_normalised_to_mean_one():
    s = Seasons(profile="seasonal", monthly=MONTHLY,
                trough=Trough(start_day=29, days=14, factor=0.8))
    f = day_intensity(s)
    assert f.mean() == pytest.approx(1.0)
    # by hand: the ratio of a July day to a 1 January day is 1.5 / 0.6; a trough day in
    # February (day 40) is 0.7 x 0.8 of a plain one
    assert f[190] / f[0] == pytest.approx(1.5 / 0.6)
    assert f[40] / f[50] == pytest.approx(0.8)
    assert peak_month(s) == 7


def test_monthly_call_counts_follow_the_factors(tmp_path):
    sc = _scenario(tmp_path, {"profile": "seasonal", "monthly": MONTHLY})
    t = np.concatenate([plan_calls(sc, r).arrival_h for r in range(3)])
    counts = np.bincount(_month_of(t), minlength=13)[1:13]
    weights = np.asarray(MONTHLY) * np.asarray(MONTH_DAYS)  # intensity x days, by hand
    expected = counts.sum() * weights / weights.sum()
    stat = float(((counts - expected) ** 2 / expected).sum())
    # given the total, monthly counts of a Poisson process are multinomial: Pearson's
    # statistic is chi-square with 11 degrees of freedom
    assert stat < chi2.ppf(1 - ALPHA, 11)


def test_flat_demand_fails_the_seasonal_test(tmp_path):
    """The monthly test has power: flat arrivals are far from the seasonal counts."""
    sc = _scenario(tmp_path, None)
    t = np.concatenate([plan_calls(sc, r).arrival_h for r in range(3)])
    counts = np.bincount(_month_of(t), minlength=13)[1:13]
    weights = np.asarray(MONTHLY) * np.asarray(MONTH_DAYS)
    expected = counts.sum() * weights / weights.sum()
    assert float(((counts - expected) ** 2 / expected).sum()) > chi2.ppf(1 - ALPHA, 11)


def test_day_of_week_pattern_of_random_calls(tmp_path):
    weekly = [1.3, 1.1, 1.0, 1.0, 1.0, 0.9, 0.7]
    sc = _scenario(tmp_path, {"profile": "seasonal", "weekly": weekly})
    t = np.concatenate([plan_calls(sc, r).arrival_h for r in range(3)])
    counts = np.bincount((t // 24).astype(int) % 7, minlength=7)  # hour 0 is a Monday
    # 365 days = 52 weeks + 1 Monday: each weekday's exposure is 52 days, Monday 53
    weights = np.asarray(weekly) * np.array([53, 52, 52, 52, 52, 52, 52])
    expected = counts.sum() * weights / weights.sum()
    stat = float(((counts - expected) ** 2 / expected).sum())
    assert stat < chi2.ppf(1 - ALPHA, 6)


def test_annual_volume_is_kept_with_seasons_and_services(tmp_path):
    seasons = {"profile": "seasonal", "monthly": MONTHLY,
               "trough": {"start_day": 29, "days": 14, "factor": 0.8}}
    sc = _scenario(tmp_path, seasons, calls=2000, liner_share=0.7, services=True, berths=8)
    teu = [plan_calls(sc, r).volume.sum() for r in range(8)]
    # demand 2,000 calls x 100 TEU; tramp calls (~590/yr, Poisson) carry the sampling
    # error: sd ~ sqrt(590) x 100 / sqrt(8) = 860 TEU = 0.4 %; service call sizes are
    # scaled by the day's factor at weekly points (the year's mean of 1 sampled weekly)
    assert np.mean(teu) == pytest.approx(200_000, rel=0.02)


def test_service_call_sizes_follow_the_month(tmp_path):
    seasons = {"profile": "seasonal", "monthly": MONTHLY}
    sc = _scenario(tmp_path, seasons, calls=2000, liner_share=1.0, services=True, berths=8)
    plan = plan_calls(sc, 0)
    svc = plan.service >= 0
    month = _month_of(plan.window_start_h[svc])
    size = plan.volume[svc]
    norm = np.mean(np.repeat(MONTHLY, MONTH_DAYS))  # the factors' mean over the days
    for m in (1, 7):  # fixed 100 TEU x the month's factor / mean
        assert np.allclose(size[month == m], 100 * MONTHLY[m - 1] / norm)


def test_flat_or_unit_factors_draw_exactly_what_no_seasons_draws(tmp_path):
    base = plan_calls(_scenario(tmp_path / "a", None, liner_share=0.5), 0)
    for seasons in ({"profile": "flat", "monthly": MONTHLY},
                    {"profile": "seasonal", "monthly": [2.0] * 12}):
        other = plan_calls(_scenario(tmp_path / "b", seasons, liner_share=0.5), 0)
        np.testing.assert_array_equal(base.arrival_h, other.arrival_h)
        np.testing.assert_array_equal(base.volume, other.volume)


def test_months_table_and_peak_month_kpis(tmp_path):
    sc = _scenario(tmp_path, {"profile": "seasonal", "monthly": MONTHLY}, calls=3000)
    res = simulate(sc, 0)
    months = res.tables["months"]
    box = res.calls[res.calls["in_window"] & (res.calls["cargo"] == "container")]
    assert list(months["month"]) == list(range(1, 13))
    assert months["calls"].sum() == len(box)  # every container call in one month
    assert months["teu"].sum() == pytest.approx(box["teu"].sum())
    july = months.set_index("month").loc[7]  # the peak month of MONTHLY
    assert res.port["peak_month_container_mean_wait_h"] == pytest.approx(july["mean_wait_h"])
    assert res.port["peak_month_container_waiting_factor"] == pytest.approx(
        july["waiting_factor"])
    assert july["calls"] == months["calls"].max()
