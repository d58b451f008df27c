"""The Python API for notebooks: what replicate keeps, the data dictionary, docstrings."""

from __future__ import annotations

import pydoc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import portsim
from portsim import dictionary

REPO = Path(__file__).resolve().parents[1]
SHORT = {"run.horizon_days": 20, "run.warmup_days": 5}


@pytest.fixture(scope="module")
def plan():
    return portsim.load_scenario(REPO / "scenarios" / "plan-2025.yaml", SHORT)


@pytest.fixture(scope="module")
def kept(plan):
    """The same two replications kept three ways (the last through an executor)."""
    return {"calls": portsim.replicate(plan, 2),
            "tables": portsim.replicate(plan, 2, keep="tables"),
            "kpis": portsim.replicate(plan, 2, executor=ThreadPoolExecutor(1), keep="kpis")}


def held_bytes(reps) -> int:
    return sum(int(f.memory_usage(deep=True).sum()) for r in reps.runs
               for f in (r.calls, r.berths, r.terminals, r.areas, r.flows, r.queue,
                         *r.tables.values()))


def test_keep_kpis_gives_the_same_kpis_and_holds_no_calls(kept):
    full, tables, kpis = kept["calls"], kept["tables"], kept["kpis"]
    for reduced in (tables, kpis):
        pd.testing.assert_frame_equal(reduced.port_kpis(), full.port_kpis())
        pd.testing.assert_frame_equal(reduced.terminal_kpis(), full.terminal_kpis())
        pd.testing.assert_frame_equal(reduced.flow_kpis(), full.flow_kpis())
        assert all(len(r.calls) == 0 and len(r.queue) == 0 for r in reduced.runs)
        with pytest.raises(ValueError, match="calls were not kept"):
            reduced.calls  # noqa: B018
    assert all(r.tables == {} for r in kpis.runs)
    assert all(r.tables.keys() == f.tables.keys() for r, f in zip(tables.runs, full.runs,
                                                                   strict=True))
    # the stated bound: a KPI-only replication of plan-2025 holds at most 64 kB whatever
    # the horizon (its tables have a row per berth, terminal, area, flow), against ~11 MB
    # for a full port-year (benchmarks/memory.py: 0.03 MB against 11.3 MB); even on
    # this 20-day run it is under a tenth of the full result
    assert held_bytes(kpis) / len(kpis.runs) < 64 * 1024
    assert held_bytes(kpis) < 0.1 * held_bytes(full)
    with pytest.raises(ValueError, match="keep must be"):
        portsim.replicate(kept["calls"].scenario, 1, keep="everything")


@pytest.mark.parametrize("table", [t.name for t in dictionary.CORE_TABLES])
def test_dictionary_matches_the_columns_a_run_makes(kept, table):
    """Every column a run makes is described, and every column described as always
    present is there (plan-2025 and a port of identical berths without a channel)."""
    spec = dictionary.tables()[table]
    declared = [c.name for c in spec.columns]
    always = [c.name for c in spec.columns if not c.only_when]
    plain = portsim.simulate(portsim.identical_berths("M/M/c", 2, 0.5, calls=300, reps=1))
    for run in (kept["calls"].runs[0], plain):
        actual = list(run.port.index) if table == "port" else list(getattr(run, table).columns)
        assert [c for c in actual if c not in declared] == []
        assert [c for c in always if c not in actual] == []
    if table == "calls":  # a column that depends on the channel model is said to
        assert "wait_tide_h" not in plain.calls and "wait_tide_h" in kept["calls"].runs[0].calls


def test_help_shows_the_dictionary():
    text = pydoc.render_doc(portsim.dictionary, renderer=pydoc.plaintext)
    for spec in dictionary.CORE_TABLES:
        for c in spec.columns:
            assert f"{c.name}" in text
    frame = dictionary.describe("yard")  # the landside tables, from the same records
    assert {"column", "unit", "meaning"} <= set(frame.columns) and len(frame) > 5
    with pytest.raises(KeyError, match="no table"):
        dictionary.describe("cranes")


@pytest.mark.parametrize("name", ["load_scenario", "simulate", "replicate", "judge",
                                  "identical_berths"])
def test_public_functions_have_numpy_docstrings_with_an_example(name):
    doc = getattr(portsim, name).__doc__
    for section in ("Parameters\n", "Returns\n", "Examples\n", ">>> "):
        assert section in doc, (name, section)


def test_identical_berths_is_the_queue_it_says():
    """c berths, arrival rate ρ·c/s: the calls a year follow from (ρ, c, s) by hand."""
    sc = portsim.identical_berths("M/D/c", c=3, rho=0.6, calls=500, reps=2, service_h=12)
    assert len(sc.port.berths) == 3 and sc.run.replications == 2
    assert sc.demand[0].calls_per_year == pytest.approx(0.6 * 3 / 12 * 8760)


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, portsim; heavy = [m for m in ('pandas', 'scipy', 'simpy') "
            "if m in sys.modules]; print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""
