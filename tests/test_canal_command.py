"""``portsim canal berths|effect|binds``: the command, its outputs, parallel runs that do
not change the answer, bad input; shared segments as a registered limit; the transfer-
berth search against M/M/c queueing theory."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from portsim.cli import main
from portsim.experiments.canal import canal_scenario, decide, search
from portsim.model.canal import shared_segments
from portsim.simulate import simulate
from portsim.theory import waiting_factor
from tests.conftest import REPO
from tests.test_canal import canal_block
from tests.test_canal import canal_scenario as toy_canal


def _toy_file(tmp_path, days: float = 60, block: dict | None = None,
              extra: dict | None = None) -> str:
    """The small port of tests/test_canal.py with its canal, written as a scenario file
    (``extra``: more top-level keys)."""
    toy_canal(tmp_path, block or canal_block(), days=days)  # writes port.yaml
    data = {"port": "port.yaml", "name": "canal",
            "demand": [{"id": "box", "cargo": "container", "annual_volume": 200_000,
                        "terminals": ["T"],
                        "classes": [{"ship_class": "S", "share": 1,
                                     "per_call": {"dist": "fixed", "mean": 1000}}]}],
            "canal": block or canal_block(),
            "run": {"horizon_days": days, "warmup_days": days / 30, "seed": 3},
            **(extra or {})}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def test_berths_answer_is_the_same_on_one_worker_and_two(tmp_path, capsys):
    path = _toy_file(tmp_path)
    one = search(path, 2, max_replications=4, workers=1)
    two = search(path, 2, max_replications=4, workers=2)
    assert [r.row() for r in one] == [r.row() for r in two]
    assert one[0].needed is not None and one[0].tried[one[0].needed]


def test_cli_canal_berths_writes_the_table_and_prints_json(tmp_path, capsys):
    path = _toy_file(tmp_path)
    out = tmp_path / "out"
    assert main(["canal", "berths", path, "-n", "2", "--max-replications", "3", "-w", "1",
                 "--json", "-q", "-o", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"question", "scenario", "replications", "answer", "table", "wall_s"}
    row = doc["table"][0]
    assert row["terminal"] == "PL" and row["berths_needed"] >= 1
    assert set(row) >= {"waiting_factor", "ci95", "limit", "status", "one_fewer",
                        "one_fewer_waiting_factor"}
    table = pd.read_csv(out / "berths.csv")
    assert table["berths_needed"].tolist() == [row["berths_needed"]]
    assert (out / "answer.txt").read_text(encoding="utf-8").strip()


def test_cli_canal_binds_and_effect_run_in_parallel(tmp_path, capsys):
    path = _toy_file(tmp_path, days=30)
    assert main(["canal", "binds", path, "-n", "2", "-w", "2", "-q",
                 "-o", str(tmp_path / "b")]) == 0
    text = capsys.readouterr().out
    assert "lock hub" in text and "ANSWER: binds first:" in text
    base = tmp_path / "base.yaml"
    data = yaml.safe_load((tmp_path / "scenario.yaml").read_text())
    data.pop("canal")
    base.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["canal", "effect", str(base), path, "-n", "2", "-w", "2", "-q",
                 "-o", str(tmp_path / "e")]) == 0
    effect = pd.read_csv(tmp_path / "e" / "effect.csv")
    assert effect["kpi"].tolist()[0] == "wait_total_h"
    # the paired difference is the difference of the means (same replications)
    assert effect["difference"].iloc[0] == pytest.approx(
        effect["with"].iloc[0] - effect["without"].iloc[0])


def test_binds_names_a_component_that_is_its_own_id_once():
    from portsim import labels
    from portsim.commands.canal import component_named

    assert component_named("pilots", "pilots") == "pilots"  # the pool: id = component
    assert component_named("lock hub", "MADAO") == "lock hub MADAO"
    with labels.using("zh"):
        assert component_named("pilots", "pilots") == "引航员"
        assert component_named("transfer berths", "PL-TC") == "江海联运换装泊位 PL-TC"
        assert component_named("shared segment", "BR-DLS") == "与海船共用航段 BR-DLS"


def test_cli_canal_bad_set_exits_2_and_writes_nothing(tmp_path, capsys):
    path = _toy_file(tmp_path)
    out = tmp_path / "out"
    code = main(["canal", "binds", path, "--set", "canal.locks[0].lockage_rule=sometimes",
                 "-o", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "lockage_rule" in err and "Traceback" not in err
    assert not out.exists()


def test_set_reaches_an_inherited_canal_block():
    # pinglu-2030 extends pinglu-2027, which holds the canal: block
    sc = canal_scenario(REPO / "scenarios" / "pinglu-2030.yaml",
                        {"canal.locks[0].lockage_rule": "fill_or_wait"}, {0: 7})
    assert sc.canal.locks[0].lockage_rule == "fill_or_wait"
    first = sc.canal.transfer_berths[0]
    assert first.count == 7
    assert sum(b.terminal == first.terminal for b in sc.port.berths) == 7


def test_module_alias_is_the_command():
    res = subprocess.run([sys.executable, "-m", "portsim.experiments.canal", "berths",
                          "--help"], capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 0 and "--max-replications" in res.stdout


def test_decide_follows_the_confidence_interval():
    assert decide([0.05, 0.06, 0.055], 0.1) == "holds"
    assert decide([0.2, 0.21, 0.19], 0.1) == "fails"
    assert decide([0.05, 0.15], 0.1) == "limit inside the CI"
    assert decide([math.nan], 0.1) == "no calls"


# ------------------------------------------------------------------ shared segments


def test_shared_segments_are_the_canal_routes_segments_marked_where_sea_routes_run():
    sc = canal_scenario(REPO / "scenarios" / "pinglu-2027.yaml", horizon_days=20)
    mouth = sc.canal.channel.mouth.id
    canal_segs = {s for r in sc.port.routes if r.anchorage == mouth for s in r.segments}
    sea_segs = {s for r in sc.port.routes if r.anchorage != mouth for s in r.segments}
    run = simulate(sc, 0)
    table = run.tables["shared_segments"]
    assert set(table["segment"]) == canal_segs
    assert {s for s, sh in zip(table["segment"], table["shared"], strict=True) if sh} == \
        canal_segs & sea_segs
    channel = run.tables["channel_segments"].set_index("segment")
    for r in table.itertuples():
        assert r.one_way_share == channel.at[r.segment, "one_way_share"]
    assert shared_segments(sc.model_copy(update={"canal": None}), None).empty


def test_portsim_run_names_the_shared_segments_among_the_limits(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(REPO / "scenarios" / "pinglu-2027.yaml"), "-n", "1",
                 "--set", "run.horizon_days=20", "--set", "run.warmup_days=2",
                 "-q", "-o", str(out), "--json"]) == 0
    text = capsys.readouterr().out
    assert "shared_segments" in text
    assert (out / "shared_segments.csv").exists()
    land = pd.read_csv(out / "landside.csv")
    mine = land[land["component"] == "shared_segments"]
    assert len(mine) and (mine["limit"] == 0.7).all()
    assert (mine["stress"] == mine["value"] / 0.7).all()


# ------------------------------------------------- transfer-berth search vs M/M/c theory


@pytest.mark.slow
def test_transfer_berth_search_returns_the_count_mmc_theory_gives(tmp_path):
    """One transfer terminal, Poisson canal entries through a lock that holds nobody
    (fill_or_wait with no wait, T = 0.001 h), exponential service (handling CV 1) of
    6 h, no berthing time and no approach holding the berth (channel transit off): an
    M/M/c queue of offered load a = 2.6 berths. M/M/c waiting factors (portsim.theory): c = 4:
    0.253, c = 5: 0.062 against the container limit 0.10, so the answer is 5 (the
    search starts at ceil(2.6) = 3)."""
    a, service_h, limit = 2.6, 6.0, 0.10
    assert waiting_factor("M/M/c", a / 4, 4) > 2 * limit
    assert waiting_factor("M/M/c", a / 5, 5) < 0.7 * limit
    lam = a / service_h  # calls an hour
    payload_t, t_per_teu = 3000.0, 10.0  # 300 TEU a call; 2 cranes x 25 moves/h = 6 h
    block = canal_block(
        locks=[{"id": "H1", "name": "hub", "chamber_length_m": 300, "chamber_width_m": 34,
                "sill_depth_m": 8, "lines": 2, "lockage_h": 0.001, "sail_to_next_h": 1.0,
                "ships_per_lockage": 50, "lockage_rule": "fill_or_wait", "max_wait_h": 0.0,
                "source": "assumption: test"}],
        traffic=[{"id": "down", "cargo": "container", "direction": "down",
                  "annual_t": lam * 8760 * payload_t, "ship_class": "RS-C5k",
                  "payload_t": payload_t, "t_per_teu": t_per_teu,
                  "source": "assumption: test"}],
        sea_leg="none")
    block["transfer_berths"][0]["count"] = 3
    path = _toy_file(tmp_path, 900, block, {
        "rules": {"handling_cv": 1.0, "berthing_h": 0, "unberthing_h": 0,
                  "crane_efficiency": 1.0, "teu_factor": 1.0,
                  "include_channel_transit": False}})  # no approach holding the berth
    sc = canal_scenario(path)
    calls = simulate(sc, 0).calls
    mine = calls[(calls["terminal"].astype(str) == "PL").to_numpy()
                 & calls["in_window"].to_numpy()]
    assert float(mine["berth_h"].mean()) == pytest.approx(service_h, rel=0.05)
    res = search(path, 4, max_replications=12, workers=2)[0]
    assert res.needed == 5, res.row()
    assert decide(res.tried[4], limit) == "fails"


# ------------------------------------------------------------ river-sea pilotage switch


def test_exempt_river_sea_ships_take_no_pilot_and_sea_going_ships_still_do(tmp_path):
    # pilots for every ship of 1,000 t or more: under by_size the 5,000 t river-sea ships
    # take one per transit too; exempt, the pool books exactly the sea-going transits
    path = _toy_file(tmp_path, days=30)
    port = yaml.safe_load((tmp_path / "port.yaml").read_text())
    port["pilots"] = {"count": 50, "boarding_h": 0.5, "return_h": 1.0, "min_dwt": 1000,
                      "source": "assumption: test"}
    (tmp_path / "port.yaml").write_text(yaml.safe_dump(port), encoding="utf-8")
    jobs = {}
    for rule in ("by_size", "exempt"):
        sc = canal_scenario(path, {"canal.river_sea_pilotage": rule})
        run = simulate(sc, 0)
        calls = run.calls
        river = calls["flow"].astype(str).str.startswith("canal:").to_numpy()
        transits = (calls["berthed_h"].notna().to_numpy().astype(int)
                    + calls["departed_h"].notna().to_numpy().astype(int))
        open_ = calls["departed_h"].isna().to_numpy()  # a transit may be under way at the end
        jobs[rule] = (int(run.tables["marine"].set_index("resource").at["pilots", "jobs"]),
                      int(transits[~river].sum()), int(transits[river].sum()),
                      int((open_ & river).sum()))
        if rule == "exempt":
            assert float(calls.loc[river, "wait_pilot_h"].sum()) == 0.0
    booked, sea, river_sea, _ = jobs["exempt"]
    assert river_sea > 0 and booked == sea
    booked, sea, river_sea, under_way = jobs["by_size"]
    assert sea + river_sea <= booked <= sea + river_sea + under_way


def test_the_demand_stage_does_not_import_the_model():
    code = ("import sys; from portsim.config import load_scenario; "
            "from portsim.demand import plan_calls; "
            "sc = load_scenario('scenarios/pinglu-2027.yaml', {'run.horizon_days': 5}); "
            "plan = plan_calls(sc, 0); assert plan.canal; "
            "print(sorted(m for m in sys.modules if m.startswith('portsim.model')))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True)
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize("question", ["berths", "binds"])
def test_cli_canal_bad_horizon_exits_2(tmp_path, capsys, question):
    path = _toy_file(tmp_path)
    assert main(["canal", question, path, "--horizon-days", "-5", "-w", "1",
                 "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "horizon_days" in err and "greater than 0" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
