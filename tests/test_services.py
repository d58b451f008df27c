"""Liner services with berth windows (issue 12, demand side): the generator, the packer,
the call plan in services mode, the pinned round trip, and bad input."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import yaml

from portsim.cli import main
from portsim.config import load_scenario
from portsim.config.load import read_yaml
from portsim.demand import plan_calls
from portsim.services import planned_window_h, resolve_services
from tests.conftest import REPO, berth, container_class, make_scenario, port_dict, write_yaml

PLAN_FIELDS = ["arrival_h", "flow", "ship_class", "terminal", "volume", "handling_factor",
               "liner", "service", "window_start_h", "window_h", "on_window"]


def _flow(volume: float, *, liner_share: float = 1.0, mean: float = 1000.0,
          generate: dict | None = None, allocation: list | None = None,
          services=None) -> dict:
    flow = {"id": "box", "cargo": "container", "annual_volume": volume,
            "classes": [{"ship_class": "S", "share": 1,
                         "per_call": {"dist": "fixed", "mean": mean}}],
            "arrivals": {"liner_share": liner_share}}
    flow["services"] = services if services is not None else {
        "generate": generate or {"S": {"trade": "feeder"}}}
    flow["allocation"] = allocation or [{"terminals": {"T": 1.0}, "source": "assumption: test"}]
    return flow


def _scenario(tmp_path, flow: dict, *, berths=None, compliance=None, run=None, rules=None):
    port = port_dict(berths or [berth(f"B{i}", length=300.0, line="QL") for i in range(4)])
    return make_scenario(tmp_path, port, {
        "name": "services-test", "demand": [flow],
        "rules": {"liner_calls": "services", "teu_factor": 1.0, "crane_efficiency": 0.9,
                  "handling_cv": 0.0,
                  "service_compliance": compliance or {"on_window_share": 1.0,
                                                       "deviation_h": 0.0,
                                                       "late_mean_h": 24.0},
                  **(rules or {})},
        "run": {"horizon_days": 365, "warmup_days": 0, "replications": 1, "seed": 3,
                **(run or {})},
    })


def _scv(times: np.ndarray) -> float:
    gaps = np.diff(np.sort(times))
    return float(gaps.var() / gaps.mean() ** 2)


# ----------------------------------------------------------------- generator


def test_window_length_is_the_planned_berth_time_of_the_mean_call(tmp_path):
    sc = _scenario(tmp_path, _flow(52_000), berths=[berth("B1")])
    # planned 2 cranes (default), but the berth has 1:
    # 1000 TEU / 1 TEU per move / (1 crane x 25 moves/h x 0.9) = 44.44 h, + 1.0 berthing
    # + 0.5 unberthing = 45.94 h, x 1.2 buffer = 55.1 h -> 56 whole hours
    assert planned_window_h(sc, "S", "T", 1000.0, 1.2) == 56.0
    (svc,) = resolve_services(sc)["box"].services
    assert svc.length_h == 56.0


def test_number_of_services_is_liner_calls_over_calls_per_service(tmp_path):
    # 300 calls/yr x 0.7 liner = 210 liner calls; / (365/7 = 52.14 per weekly service)
    # = 4.03 -> 4 services; the other 300 - 4 x 52.14 = 91.4 calls/yr are tramp
    sc = _scenario(tmp_path, _flow(300 * 1000, liner_share=0.7, mean=1000))
    plan = resolve_services(sc)["box"]
    assert len(plan.services) == 4
    assert plan.service_calls_per_year["S"] == pytest.approx(4 * 365 / 7)
    (row,) = plan.rounding
    assert row["teu_moved_to_tramp"] == pytest.approx((210 - 4 * 365 / 7) * 1000)


def test_allocation_shares_hold_by_largest_remainder(tmp_path):
    berths = [berth("A1", terminal="A"), berth("B1", terminal="B"), berth("C1", terminal="C")]
    # 10 weekly services with shares 0.45 / 0.35 / 0.2 -> quotas 4.5 / 3.5 / 2.0: floors
    # 4 / 3 / 2 and the one left over goes to the largest remainder (A, listed first on
    # the tie with B)
    flow = _flow(10 * 365 / 7 * 200, mean=200,
                 allocation=[{"terminals": {"A": 0.45, "B": 0.35, "C": 0.2},
                              "source": "assumption: test"}])
    plan = resolve_services(_scenario(tmp_path, flow, berths=berths))["box"]
    counts = {t: sum(s.terminal == t for s in plan.services) for t in "ABC"}
    assert counts == {"A": 5, "B": 3, "C": 2}


def test_windows_on_one_berth_never_overlap_and_are_levelled(tmp_path):
    # one 250 m berth, ship 200 m + 30 m clearance: one ship at a time. Two services with
    # 56 h windows fit in the week without overlap.
    sc = _scenario(tmp_path, _flow(2 * 365 / 7 * 1000), berths=[berth("B1")])
    a, b = resolve_services(sc)["box"].services
    gap = (b.window_start_h - a.window_start_h) % 168
    assert 56 <= gap <= 168 - 56


def test_a_service_that_does_not_fit_moves_to_the_next_terminal_of_its_row(tmp_path):
    # 1100 TEU: 48.9 h + 1.5 h = 50.4 h x 1.2 -> 61 h windows; three (183 h) do not fit in
    # one berth's week (168 h): the third goes to U
    berths = [berth("B1", terminal="T"), berth("U1", terminal="U")]
    flow = _flow(3 * 365 / 7 * 1100, mean=1100, allocation=[
        {"terminals": {"T": 0.9, "U": 0.1}, "source": "assumption: test"}])
    plan = resolve_services(_scenario(tmp_path, flow, berths=berths))["box"]
    assert sorted(s.terminal for s in plan.services) == ["T", "T", "U"]
    assert len(plan.moves) == 1 and "moved to U" in plan.moves[0]


def test_added_berth_at_one_terminal_changes_no_other_terminals_services():
    path = REPO / "scenarios" / "plan-2025.yaml"
    base = load_scenario(path, {"rules.liner_calls": "services"})
    new_berth = {"id": "DLS-14", "terminal": "DLS-MP", "cargo": ["container"],
                 "quay_length_m": 383.5, "depth_m": 15.1, "max_dwt": 100000,
                 "quay_line": "DLS-MP-QL", "cranes": 3, "crane_rate": 27,
                 "design_capacity_teu": 550000, "source": "assumption: test berth"}
    more = load_scenario(path, {"rules.liner_calls": "services",
                                "overrides.add": [new_berth]})
    before = resolve_services(base)["containers"].services
    after = resolve_services(more)["containers"].services
    assert len(before) == len(after)
    others = [s for s in before if s.terminal != "DLS-MP"]
    assert others and others == [s for s in after if s.terminal != "DLS-MP"]


def test_plan_2025_services_put_mainline_on_the_deep_berths():
    sc = load_scenario(REPO / "scenarios" / "plan-2025.yaml", {"rules.liner_calls": "services"})
    services = resolve_services(sc)["containers"].services
    # 100 Beibu Gulf routes in 2025 (facts §5.2), Qinzhou ~80 % of BBG's boxes; ~70 in 2024
    assert 60 <= len(services) <= 90
    deep = {"DLS-ULCV", "DLS-AUTO", "DLS-BBICT"}
    assert all(s.terminal in deep for s in services if s.trade == "foreign_mainline")
    assert all(s.terminal in {"DLS-ULCV", "DLS-AUTO"} for s in services
               if s.ship_class in ("C150k", "C200k"))
    assert not [s for s in services if s.terminal == "DLS-ULCV" and s.trade == "feeder"]


# ----------------------------------------------------------------- call plan


def test_service_calls_per_year_follow_the_frequency_exactly(tmp_path):
    win = {"length_h": 10}
    services = [
        {"id": "W", "trade": "feeder", "ship_class": "S", "terminal": "T",
         "call_size": {"dist": "fixed", "mean": 1000}, "frequency": "weekly",
         "window": {"day": 2, "hour": 5, **win}},
        {"id": "TW", "trade": "feeder", "ship_class": "S", "terminal": "T",
         "call_size": {"dist": "fixed", "mean": 1000}, "frequency": "twice_weekly",
         "window": {"day": 6, "hour": 20, **win}},
        {"id": "F", "trade": "feeder", "ship_class": "S", "terminal": "T",
         "call_size": {"dist": "fixed", "mean": 1000}, "frequency": "fortnightly",
         "window": {"day": 0, "hour": 0, **win}},
    ]
    warm_h = 30 * 24
    sc = _scenario(tmp_path, _flow(1000, services=services), run={"warmup_days": 30})
    plan = plan_calls(sc, 0)
    ends = warm_h + 365 * 24

    def windows(start: float, period: float) -> int:  # k >= 0 with start + k P in the year
        return math.ceil((ends - start) / period) - math.ceil((warm_h - start) / period)

    expected = [windows(2 * 24 + 5, 168), windows(6 * 24 + 20, 84), windows(0, 336)]
    inyear = (plan.window_start_h >= warm_h) & (plan.window_start_h < ends)
    got = [int(((plan.service == k) & inyear).sum()) for k in range(3)]
    # the measurement year (365 d = 52 weeks + 1 day) starts on day 30, a Wednesday: the
    # Wednesday service gets 53 calls in it
    assert got == expected == [53, 104, 26]
    assert np.all(plan.arrival_h[plan.service >= 0] == plan.window_start_h[plan.service >= 0])


def _terminal_scv(tmp_path, compliance: dict, reps: int = 3) -> float:
    # 10 weekly services of a 200 m ship on a 1,200 m quay, all calls liner
    flow = _flow(10 * 365 / 7 * 1000)
    sc = _scenario(tmp_path, flow, compliance=compliance, run={"horizon_days": 3 * 365})
    return float(np.mean([_scv(plan_calls(sc, r).arrival_h) for r in range(reps)]))


def test_on_window_calls_arrive_regularly(tmp_path):
    # all on-window, deviation 0.5 h: the terminal sees the same levelled weekly pattern
    # every week, so inter-arrival times vary only by the pattern; Poisson would give 1
    scv = _terminal_scv(tmp_path, {"on_window_share": 1.0, "deviation_h": 0.5,
                                   "late_mean_h": 24})
    assert scv < 0.5


def test_off_window_calls_arrive_near_poisson(tmp_path):
    # all off-window, late by ~exponential with mean 300 h >> the 16.8 h spacing: a
    # strongly displaced lattice is close to a Poisson process (scv -> 1). With ~15,000
    # gaps the estimate's sd is ~2/sqrt(n) = 0.016; the band 0.85-1.15 is > 9 sd wide.
    scv = _terminal_scv(tmp_path, {"on_window_share": 0.0, "deviation_h": 0.5,
                                   "late_mean_h": 300})
    assert 0.85 < scv < 1.15


def test_stream_mode_random_calls_are_poisson(tmp_path):
    flow = _flow(10 * 365 / 7 * 1000, liner_share=0.0)
    sc = _scenario(tmp_path, flow, rules={"liner_calls": "stream"},
                   run={"horizon_days": 3 * 365})
    scv = np.mean([_scv(plan_calls(sc, r).arrival_h) for r in range(3)])
    assert 0.85 < scv < 1.15  # Poisson: 1 (sd ~0.016 with ~1,500 gaps x 3)


def test_compliance_share_of_on_window_calls(tmp_path):
    sc = _scenario(tmp_path, _flow(10 * 365 / 7 * 1000),
                   compliance={"on_window_share": 0.7, "deviation_h": 2, "late_mean_h": 24},
                   run={"horizon_days": 3 * 365})
    plan = plan_calls(sc, 0)
    n = len(plan)
    share = plan.on_window.mean()
    assert abs(share - 0.7) < 4 * math.sqrt(0.7 * 0.3 / n)  # binomial, 4 sd
    late = (plan.arrival_h - plan.window_start_h)[~plan.on_window]
    on = (plan.arrival_h - plan.window_start_h)[plan.on_window & (plan.window_start_h > 0)]
    assert np.all(np.abs(on) <= 6.0 + 1e-9)  # tolerance 3 x 2 h
    assert np.all(late > 6.0)
    # mean lateness 24 h: 6 h tolerance + exponential of mean 18 h (sd 18 / sqrt(n_late))
    assert abs(late.mean() - 24.0) < 4 * 18 / math.sqrt(len(late))


def test_stream_mode_is_unchanged_by_the_services_data(repo):
    """With liner_calls: stream and flat seasons the services, allocation and seasons data
    change no draw: the plan equals the plan of the same scenario without them."""
    path = repo / "scenarios" / "plan-2025.yaml"
    data = read_yaml(path)
    data["rules"]["liner_calls"] = "stream"
    data["seasons"]["profile"] = "flat"
    bare = copy.deepcopy(data)
    for flow in bare["demand"]:
        flow.pop("services", None)
        flow.pop("allocation", None)
    bare.pop("seasons")
    bare["rules"].pop("liner_calls")
    bare["rules"].pop("service_compliance")
    from portsim.config import scenario_from_dict

    shipped = scenario_from_dict(data, path)
    without = scenario_from_dict(bare, path)
    for r in range(2):
        a, b = plan_calls(shipped, r), plan_calls(without, r)
        for name in PLAN_FIELDS:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


# ----------------------------------------------------------------- round trip


def test_generated_written_pinned_gives_the_identical_call_plan(tmp_path, capsys):
    src = REPO / "scenarios" / "plan-2025.yaml"
    data = read_yaml(src)
    data["rules"]["liner_calls"] = "services"
    data["port"] = str((src.parent / data["port"]).resolve())
    gen_file = write_yaml(tmp_path / "gen.yaml", data)
    out = tmp_path / "services.yaml"
    assert main(["services", str(gen_file), "-o", str(out)]) == 0
    assert "DLS-ULCV" in capsys.readouterr().out
    pinned = copy.deepcopy(data)
    pinned["demand"][0]["services"] = yaml.safe_load(out.read_text(encoding="utf-8"))
    pin_file = write_yaml(tmp_path / "pinned.yaml", pinned)
    generated, pinned_sc = load_scenario(gen_file), load_scenario(pin_file)
    for r in range(2):
        a, b = plan_calls(generated, r), plan_calls(pinned_sc, r)
        for name in PLAN_FIELDS:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert [s.as_yaml() for s in a.services] == [s.as_yaml() for s in b.services]


# ----------------------------------------------------------------- bad input


def _service(**changes) -> dict:
    svc = {"id": "S1", "trade": "feeder", "ship_class": "S", "terminal": "T",
           "call_size": {"dist": "fixed", "mean": 1000},
           "window": {"day": 1, "hour": 6, "length_h": 20}, "source": "assumption: test"}
    return {**svc, **changes}


def _bad(tmp_path, capsys, flow: dict, berths=None) -> str:
    port = port_dict(berths or [berth("B1")],
                     classes=[container_class(), container_class("BIG", loa=400, draught=16.5,
                                                                 dwt=200_000)])
    write_yaml(tmp_path / "port.yaml", port)
    path = write_yaml(tmp_path / "scenario.yaml", {
        "name": "bad", "port": "port.yaml", "demand": [flow],
        "rules": {"liner_calls": "services"},
        "run": {"horizon_days": 20, "warmup_days": 0, "replications": 1}})
    out = tmp_path / "out"
    code = main(["run", str(path), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and not out.exists()
    return err


@pytest.mark.parametrize("service, expect", [
    (_service(ship_class="X"), "services[0].ship_class (id S1): unknown ship class 'X'"),
    (_service(terminal="TT"), "services[0].terminal (id S1): unknown terminal 'TT'"),
    (_service(ship_class="BIG"), "ship class 'BIG' (LOA 400 m, draught 16.5 m, 200,000 DWT) "
                                 "fits no quay line of terminal 'T'"),
    (_service(window={"day": 1, "hour": 6, "length_h": 0}), "services[0].window.length_h"),
    (_service(window={"day": 1, "hour": 6, "length_h": 200}), "less than or equal to 168"),
    (_service(window={"day": 7, "hour": 6, "length_h": 20}), "services[0].window.day"),
])
def test_bad_service(tmp_path, capsys, service, expect):
    err = _bad(tmp_path, capsys, _flow(1000, services=[service]))
    assert "scenario.yaml: demand[0]." in err and expect in err, err


def test_allocation_shares_must_sum_to_one(tmp_path, capsys):
    flow = _flow(1000, allocation=[{"terminals": {"T": 0.6}, "source": "assumption: test"}])
    err = _bad(tmp_path, capsys, flow)
    assert "scenario.yaml: demand[0].allocation[0].terminals" in err, err
    assert "shares must sum to 1, they sum to 0.6" in err


def test_overlapping_pinned_windows_name_the_service(tmp_path, capsys):
    # one berth takes one ship: windows Tue 06-26 h and Tue 20 h overlap
    services = [_service(), _service(id="S2", window={"day": 1, "hour": 20, "length_h": 10})]
    err = _bad(tmp_path, capsys, _flow(1000, services=services))
    assert "demand[0].services[1] (id S2)" in err and "cannot be placed" in err


def test_allocation_row_needs_a_source(tmp_path, capsys):
    flow = _flow(1000, allocation=[{"terminals": {"T": 1.0}, "source": "my guess"}])
    err = _bad(tmp_path, capsys, flow)
    assert "demand[0].allocation[0].source: source 'my guess' is not a key" in err


def test_class_without_allocation_row(tmp_path, capsys):
    flow = _flow(1000, allocation=[{"trade": "domestic", "terminals": {"T": 1.0},
                                    "source": "assumption: test"}])
    err = _bad(tmp_path, capsys, flow)
    assert "demand[0].allocation: no allocation row takes ship class 'S'" in err


def test_services_command_without_services_is_an_input_error(tmp_path, capsys):
    flow = _flow(1000)
    del flow["services"], flow["allocation"]
    write_yaml(tmp_path / "port.yaml", port_dict([berth("B1")]))
    path = write_yaml(tmp_path / "scenario.yaml", {"name": "none", "port": "port.yaml",
                                                   "demand": [flow]})
    out = tmp_path / "services.yaml"
    assert main(["services", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "scenario.yaml: demand: no container flow has services" in err
    assert not out.exists()
