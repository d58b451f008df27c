"""Bad canal input is refused like any other (the bad-input corpus's way: exit 2, the
file and the path inside it named, no traceback, nothing written)."""

from __future__ import annotations

import copy

import pytest

from tests import test_bad_input_corpus as corpus
from tests.test_canal import RS, canal_block


def _scenario(**canal_changes) -> dict:
    sc = copy.deepcopy(corpus.SCENARIO)
    sc["canal"] = canal_block(**canal_changes)
    return sc


def _class(**changes) -> list[dict]:
    return [RS | changes]


def _lock(**changes) -> list[dict]:
    return [canal_block()["locks"][0] | changes]


def _shallow_river(depth: float) -> dict:
    channel = canal_block()["channel"]
    channel["segments"] = [{**channel["segments"][0], "bottom_depth_m": depth, "ukc_m": 0.5}]
    return channel


TIDE = {"mean_level_m": 0.3, "source": "assumption: test",
        "constituents": [{"name": "T24", "amplitude_m": 0.2, "speed_deg_h": 15.0}]}


def _tide_port() -> dict:
    p = corpus.base_port()
    p["tide"] = TIDE
    return p


CASES = [
    corpus.run_case("canal-class-too-deep-for-its-route",
                    _scenario(channel=_shallow_river(5.0)),
                    ["scenario.yaml", "canal.channel.routes[0]", "'RS-C5k'", "too deep",
                     "'RIVER'"]),
    corpus.run_case("canal-class-too-deep-for-its-route-even-at-high-water",
                    _scenario(channel=_shallow_river(5.0)),
                    ["scenario.yaml", "canal.classes[0]", "'RS-C5k'", "never sail inbound",
                     "'RIVER'"], _tide_port()),
    corpus.run_case("canal-class-too-deep", _scenario(classes=_class(draught_m=6.5)),
                    ["scenario.yaml", "canal.classes[0].draught_m", "too deep for the canal",
                     "6.5 m"]),
    corpus.run_case("canal-lock-smaller-than-ship",
                    _scenario(locks=_lock(chamber_length_m=100)),
                    ["scenario.yaml", "canal.locks[0]", "smaller than river-sea class",
                     "RS-C5k"]),
    corpus.run_case("canal-lock-sill-too-shallow", _scenario(locks=_lock(sill_depth_m=5.0)),
                    ["scenario.yaml", "canal.locks[0].sill_depth_m", "shallower"]),
    corpus.run_case("canal-tonnage-without-transfer-berth",
                    _scenario(transfer_berths=[{**canal_block()["transfer_berths"][0],
                                                "max_dwt": 3000}]),
                    ["scenario.yaml", "canal.traffic[0]", "no transfer berth", "container"]),
    corpus.run_case("canal-transfer-berth-too-shallow",
                    _scenario(transfer_berths=[{**canal_block()["transfer_berths"][0],
                                                "depth_m": 6.0}]),
                    ["scenario.yaml", "canal.traffic[0]", "no transfer berth"]),
    corpus.run_case("canal-unknown-sea-flow",
                    _scenario(traffic=[{**canal_block()["traffic"][0], "sea_flow": "boxes"}]),
                    ["scenario.yaml", "canal.traffic[0].sea_flow", "'boxes'"]),
    corpus.run_case("canal-route-not-from-the-mouth",
                    _scenario(channel={**canal_block()["channel"], "routes": [
                        {"area": "A", "anchorage": "ELSEWHERE", "segments": ["RIVER"]}]}),
                    ["scenario.yaml", "canal.channel.routes[0].anchorage", "canal mouth"]),
    corpus.run_case("canal-closure-of-a-missing-line",
                    _scenario(locks=_lock(closures=[{"line": 2, "start_day": 1, "days": 1}])),
                    ["scenario.yaml", "canal.locks[0].closures[0].line", "2 lines"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_canal_input_is_refused_cleanly(case, tmp_path, capsys, monkeypatch):
    corpus.test_bad_input_is_refused_cleanly(case, tmp_path, capsys, monkeypatch)
