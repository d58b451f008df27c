"""Builders for small, hand-checkable ports and scenarios."""

from __future__ import annotations

import os

# One BLAS thread per test worker: pytest-xdist already uses every core, and the exact
# queueing solvers slow down tenfold when BLAS threads compete with the workers.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from portsim.config import scenario_from_dict  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def container_class(id: str = "S", loa: float = 200.0, draught: float = 12.0,
                    dwt: float = 50_000) -> dict[str, Any]:
    return {"id": id, "cargo": "container", "dwt": dwt, "loa_m": loa, "beam_m": 32.0,
            "draught_m": draught, "source": "assumption: test"}


def berth(id: str, *, length: float = 250.0, depth: float = 15.0, cranes: int = 1,
          rate: float = 25.0, line: str | None = None, terminal: str = "T",
          cargo: list[str] | None = None, max_dwt: float = 100_000, **extra) -> dict[str, Any]:
    b = {"id": id, "terminal": terminal, "cargo": cargo or ["container"],
         "quay_length_m": length, "depth_m": depth, "max_dwt": max_dwt, "cranes": cranes,
         "crane_rate": rate, "source": "assumption: test", **extra}
    if line:
        b["quay_line"] = line
    return b


def port_dict(berths: list[dict], classes: list[dict] | None = None,
              terminals: list[str] | None = None) -> dict[str, Any]:
    terms = terminals or sorted({b["terminal"] for b in berths})
    return {
        "name": "test port",
        "ship_classes": classes or [container_class()],
        "areas": [{"id": "A", "name": "Area A"}],
        "terminals": [{"id": t, "name": t, "area": "A", "source": "assumption"} for t in terms],
        "berths": berths,
    }


def identical_berths_scenario(tmp_path: Path, *, c: int, rho: float, service_h: float = 24.0,
                              service_cv: float = 1.0, calls: int = 20_000, reps: int = 10,
                              seed: int = 1, erlang_k: int = 1):
    """c identical berths, Poisson (or Erlang-k) arrivals, gamma service of mean
    ``service_h`` and CV ``service_cv``; no channel, no berthing time: an x/x/c queue."""
    rate = 1000.0 / service_h  # moves/h so that a 1000-TEU call takes service_h hours
    port = port_dict([berth(f"B{i}", rate=rate) for i in range(c)])
    lam_per_h = rho * c / service_h
    horizon_days = calls / lam_per_h / 24.0
    return make_scenario(tmp_path, port, {
        "name": f"queue c={c} rho={rho}",
        "demand": [{"id": "box", "cargo": "container", "annual_volume": lam_per_h * 8760 * 1000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}],
                    "arrivals": {"erlang_k": erlang_k}}],
        "rules": {"handling_cv": service_cv, "berthing_h": 0, "unberthing_h": 0,
                  "crane_efficiency": 1.0, "teu_factor": 1.0},
        "run": {"horizon_days": horizon_days, "warmup_days": horizon_days * 0.05,
                "replications": reps, "seed": seed},
    })


def make_scenario(tmp_path: Path, port: dict, scenario: dict):
    tmp_path.mkdir(parents=True, exist_ok=True)
    port_file = tmp_path / "port.yaml"
    port_file.write_text(yaml.safe_dump(port, sort_keys=False), encoding="utf-8")
    data = {"port": "port.yaml", **scenario}
    return scenario_from_dict(data, tmp_path / "scenario.yaml")


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def repo() -> Path:
    return REPO
