"""The simulation against exact queueing theory on ``c`` identical berths.

A port of ``c`` identical berths (no channel, no berthing time) is an x/x/c queue:
M/M/c, M/D/c, M/E2/c and E2/E2/c are simulated and compared with the exact mean wait
of :mod:`portsim.theory`, and with the waiting factor of the analytic preview.

Judging a grid of confidence intervals: a 95 % interval misses the truth one time in
twenty even for a perfect model. :func:`agreement` therefore requires every case inside
its 99.9 % interval and at most :func:`allowed_misses` cases outside their 95 %
interval (the number a correct model exceeds with probability below 1 %), as in
``tests/test_queueing_validation.py``.
"""

from __future__ import annotations

import math
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy import stats

from portsim import theory
from portsim.config import Scenario, scenario_from_dict
from portsim.preview import preview

SERVICE_H = 24.0
"""Mean berth time of the identical-berth ports (hours)."""

REPS = 10


@dataclass(frozen=True)
class QueueModel:
    """An x/x/c queue as the model runs it: arrival Erlang-k and service CV (gamma)."""

    name: str
    erlang_k: int
    service_cv: float
    exact: Callable[[float, float, int], float]

    def exact_wait(self, arrival_rate: float, service_mean: float, c: int) -> float:
        return self.exact(arrival_rate, service_mean, c)


QUEUE_MODELS: dict[str, QueueModel] = {
    "M/M/c": QueueModel("M/M/c", 1, 1.0, theory.mmc_mean_wait),
    "M/D/c": QueueModel("M/D/c", 1, 0.0, theory.mdc_mean_wait),
    "M/E2/c": QueueModel("M/E2/c", 1, 1 / math.sqrt(2),
                         lambda lam, s, c: theory.mek_c_mean_wait(lam, s, c, k=2)),
    "E2/E2/c": QueueModel("E2/E2/c", 2, 1 / math.sqrt(2), theory.ekek_c_mean_wait),
}


def calls_for(c: int, rho: float) -> int:
    """Calls per replication: more where waits are most variable (few berths, high ρ)."""
    if rho > 0.8:
        return 40_000 if c == 1 else 20_000
    return 12_000


def default_seed(model: str, c: int, rho: float) -> int:
    """A seed of its own for every case, fixed so that outcomes are reproducible."""
    return zlib.crc32(f"validation|{model}|{c}|{rho:.4f}".encode()) % 2**31


def identical_berths(model: str, c: int, rho: float, *, calls: int | None = None,
                     reps: int = REPS, seed: int | None = None,
                     service_h: float = SERVICE_H) -> Scenario:
    """``c`` identical berths fed as the queue ``model`` at utilisation ``rho``: a port
    that is exactly an x/x/c queue, to check the simulation (or a rule of one's own)
    against queueing theory (:mod:`portsim.theory`).

    Each call moves 1000 TEU at ``1000 / service_h`` moves/h (one crane, TEU factor 1,
    efficiency 1), times a mean-one gamma factor of the model's CV; no channel and no
    berthing time, so the berth time is the service time of the queue.

    Parameters
    ----------
    model : {"M/M/c", "M/D/c", "M/E2/c", "E2/E2/c"}
        Arrivals (M = Poisson, E2 = Erlang-2) / service time (M exponential, D fixed,
        E2 Erlang-2) / berths.
    c : int
        Berths (one terminal, one area, each 250 m, 15 m deep).
    rho : float
        Berth utilisation λ·s/c (0 < ρ < 1 for a stationary queue).
    calls : int, optional
        Calls per replication (sets the horizon; default :func:`calls_for`).
    reps : int, default 10
        ``run.replications`` of the scenario.
    seed : int, optional
        Default: one fixed seed per (model, c, ρ).
    service_h : float, default 24
        Mean berth (service) time in hours.

    Returns
    -------
    Scenario
        Resolved, ready for :func:`portsim.simulate` / :func:`portsim.replicate`
        (warm-up 5 % of the horizon).

    Examples
    --------
    >>> import portsim
    >>> from portsim import theory
    >>> sc = portsim.identical_berths("M/M/c", c=2, rho=0.7, calls=4000, reps=4)
    >>> reps = portsim.replicate(sc)
    >>> wait = reps.port_kpis().loc["all_mean_wait_h", "mean"]  # doctest: +SKIP
    >>> theory.mmc_mean_wait(0.7 * 2 / 24, 24, 2)  # the exact mean wait (h)  # doctest: +SKIP
    """
    q = QUEUE_MODELS[model]
    calls = calls or calls_for(c, rho)
    seed = default_seed(model, c, rho) if seed is None else seed
    lam_per_h = rho * c / service_h
    horizon_days = calls / lam_per_h / 24.0
    port = {
        "name": f"{c} identical berths",
        "ship_classes": [{"id": "S", "cargo": "container", "dwt": 50_000, "loa_m": 200.0,
                          "beam_m": 32.0, "draught_m": 12.0, "source": "assumption: test"}],
        "areas": [{"id": "A", "name": "Area A"}],
        "terminals": [{"id": "T", "name": "T", "area": "A", "source": "assumption"}],
        "berths": [{"id": f"B{i}", "terminal": "T", "cargo": ["container"],
                    "quay_length_m": 250.0, "depth_m": 15.0, "max_dwt": 100_000, "cranes": 1,
                    "crane_rate": 1000.0 / service_h, "source": "assumption: test"}
                   for i in range(c)],
    }
    scenario = {
        "name": f"{model} c={c} rho={rho:g}",
        "port": "port.yaml",
        "demand": [{"id": "box", "cargo": "container",
                    "annual_volume": lam_per_h * 8760 * 1000,
                    "classes": [{"ship_class": "S", "share": 1,
                                 "per_call": {"dist": "fixed", "mean": 1000}}],
                    "arrivals": {"erlang_k": q.erlang_k}}],
        "rules": {"handling_cv": q.service_cv, "berthing_h": 0, "unberthing_h": 0,
                  "crane_efficiency": 1.0, "teu_factor": 1.0},
        "run": {"horizon_days": horizon_days, "warmup_days": horizon_days * 0.05,
                "replications": reps, "seed": seed},
    }
    with tempfile.TemporaryDirectory(prefix="portsim-validation-") as tmp:
        (Path(tmp) / "port.yaml").write_text(yaml.safe_dump(port, sort_keys=False),
                                             encoding="utf-8")
        return scenario_from_dict(scenario, Path(tmp) / "scenario.yaml")


# --------------------------------------------------------------------------- one case


@dataclass(frozen=True)
class QueueCase:
    """One simulated queue against its exact mean wait and the preview's waiting factor."""

    model: str
    c: int
    rho: float
    calls: int
    reps: int
    exact_wait_h: float
    sim_wait_h: float
    wait_half95: float
    wait_se: float
    exact_wf: float
    preview_wf: float
    sim_wf: float
    wf_half95: float
    wf_se: float
    berth_h_mean: float
    berth_h_cv: float
    seconds: float

    def z(self, estimate: str = "wait") -> float:
        """(simulated − target) / standard error: ``wait`` vs theory, ``wf`` vs preview."""
        if estimate == "wait":
            return (self.sim_wait_h - self.exact_wait_h) / self.wait_se
        return (self.sim_wf - self.preview_wf) / self.wf_se


def _mean_half_se(values: Iterable[float]) -> tuple[float, float, float]:
    x = np.asarray(list(values), dtype=float)
    n = len(x)
    se = float(x.std(ddof=1) / math.sqrt(n))
    return float(x.mean()), float(stats.t.ppf(0.975, n - 1) * se), se


def run_queue_case(model: str, c: int, rho: float, *, calls: int | None = None,
                   reps: int = REPS, seed: int | None = None,
                   executor: Executor | None = None) -> QueueCase:
    """Simulate one identical-berth queue (``reps`` replications) and compare."""
    from portsim.simulate import replicate

    t0 = time.perf_counter()
    sc = identical_berths(model, c, rho, calls=calls, reps=reps, seed=seed)
    reps_ = replicate(sc, executor=executor)
    berth_h = reps_.calls.query("status == 'departed'")["berth_h"]
    wait = _mean_half_se(reps_.port["container_mean_wait_h"])
    wf = _mean_half_se(reps_.terminals["waiting_factor"])
    lam = rho * c / SERVICE_H
    exact = QUEUE_MODELS[model].exact_wait(lam, SERVICE_H, c)
    pv = preview(sc).terminals.iloc[0]
    return QueueCase(
        model=model, c=c, rho=rho, calls=calls or calls_for(c, rho), reps=reps,
        exact_wait_h=exact, sim_wait_h=wait[0], wait_half95=wait[1], wait_se=wait[2],
        exact_wf=exact / SERVICE_H, preview_wf=float(pv["waiting_factor"]),
        sim_wf=wf[0], wf_half95=wf[1], wf_se=wf[2],
        berth_h_mean=float(berth_h.mean()), berth_h_cv=float(berth_h.std() / berth_h.mean()),
        seconds=time.perf_counter() - t0,
    )


def _run_case_args(args: tuple[str, int, float, int | None, int]) -> QueueCase:
    model, c, rho, calls, reps = args
    return run_queue_case(model, c, rho, calls=calls, reps=reps)


def run_grid(cases: Sequence[tuple[str, int, float]], *, reps: int = REPS,
             calls: int | None = None, executor: Executor | None = None,
             progress: Callable[[QueueCase], None] | None = None) -> list[QueueCase]:
    """Run many cases (in parallel over cases when given an executor), in input order."""
    jobs = [(m, c, rho, calls, reps) for m, c, rho in cases]
    if executor is None:
        out = []
        for job in jobs:
            out.append(_run_case_args(job))
            if progress:
                progress(out[-1])
        return out
    futures = [executor.submit(_run_case_args, job) for job in jobs]
    out = []
    for fut in futures:
        out.append(fut.result())
        if progress:
            progress(out[-1])
    return out


# --------------------------------------------------------------------------- judging a grid


def allowed_misses(n: int, p: float = 0.05, confidence: float = 0.99) -> int:
    """Cases outside their 95 % CI that a correct model stays within with probability
    ``confidence``: the smallest k with P(Binomial(n, p) <= k) >= confidence."""
    return int(stats.binom.ppf(confidence, n, p))


@dataclass(frozen=True)
class Agreement:
    ok: bool
    outside95: int
    allowed: int
    gross: list[str]
    report: str


def agreement(cases: Sequence[QueueCase], estimate: str = "wait") -> Agreement:
    """Every case inside its 99.9 % CI and at most :func:`allowed_misses` outside 95 %.

    ``estimate="wait"`` compares the simulated mean wait with the exact theory;
    ``"wf"`` the simulated waiting factor with the preview's.
    """
    lines, gross, outside = [], [], 0
    for k in cases:
        df = k.reps - 1
        t95, t999 = stats.t.ppf(0.975, df), stats.t.ppf(0.9995, df)
        z = k.z(estimate)
        out95 = abs(z) > t95
        outside += out95
        if abs(z) > t999:
            gross.append(f"{k.model} c={k.c} rho={k.rho:g}")
        if estimate == "wait":
            sim, half, target = k.sim_wait_h, k.wait_half95, k.exact_wait_h
            unit = " h"
        else:
            sim, half, target = k.sim_wf, k.wf_half95, k.preview_wf
            unit = ""
        lines.append(f"{k.model:8s} c={k.c:2d} rho={k.rho:.2f}: sim {sim:9.4f} ± {half:7.4f}"
                     f"{unit}, {'theory' if estimate == 'wait' else 'preview'} {target:9.4f}"
                     f"{unit}  z={z:+.2f}{'  OUTSIDE 95% CI' if out95 else ''}")
    allowed = allowed_misses(len(cases))
    ok = not gross and outside <= allowed
    lines.append(f"{outside} of {len(cases)} outside the 95 % CI (allowed {allowed}); "
                 f"outside 99.9 %: {', '.join(gross) or 'none'}")
    return Agreement(ok, outside, allowed, gross, "\n".join(lines))
