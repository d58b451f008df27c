"""The model against exact queueing theory: M/D/c and E2/E2/c.

(M/M/c and M/E2/c are in ``tests/test_queueing_validation.py``; not repeated here.)

A port of c identical berths with Poisson arrivals and constant berth time (M/D/c), or
Erlang-2 arrivals and Erlang-2 berth time (E2/E2/c), must reproduce the exact mean
wait of ``portsim.theory`` for c in {1, 4, 10} and ρ in {0.5, 0.7, 0.85}: every case
inside its 99.9 % CI and at most ``allowed_misses(9) = 2`` outside their 95 % CI (a
correct model passes with probability ≥ 99 %; seeds are fixed, so the outcome is
reproducible). The cases and the judging are those of ``python -m portsim.validation``,
which writes the same comparison, on a larger grid, to ``docs/validation.md``.
"""

from __future__ import annotations

import dataclasses

import pytest

from portsim.validation import (
    QUEUE_MODELS,
    SERVICE_H,
    QueueCase,
    agreement,
    allowed_misses,
    run_grid,
)

GRID = [(c, rho) for c in (1, 4, 10) for rho in (0.5, 0.7, 0.85)]


def _grid(model: str) -> list[QueueCase]:
    cases = run_grid([(model, c, rho) for c, rho in GRID])
    for k in cases:  # the berth times really have the intended mean and dispersion
        assert k.berth_h_mean == pytest.approx(SERVICE_H, rel=0.01)
        assert k.berth_h_cv == pytest.approx(QUEUE_MODELS[model].service_cv, abs=0.02)
    return cases


@pytest.mark.slow
def test_mdc_mean_wait_matches_the_exact_theory():
    a = agreement(_grid("M/D/c"), "wait")
    assert a.ok, a.report


@pytest.mark.slow
def test_e2e2c_mean_wait_matches_the_exact_markov_chain():
    cases = _grid("E2/E2/c")
    a = agreement(cases, "wait")
    assert a.ok, a.report
    # and the check has teeth: the same runs are told apart from M/E2/c (Poisson
    # arrivals), whose waits are 1.5-2x longer
    wrong = [dataclasses.replace(k, exact_wait_h=QUEUE_MODELS["M/E2/c"].exact_wait(
        k.rho * k.c / SERVICE_H, SERVICE_H, k.c)) for k in cases]
    assert not agreement(wrong, "wait").ok


def test_md1_quick():
    """A fast version for every run: M/D/1 at ρ = 0.5, where Wq = ρ D / (2 (1 − ρ)) = D/2."""
    (k,) = run_grid([("M/D/c", 1, 0.5)], calls=6000, reps=6)
    assert k.exact_wait_h == pytest.approx(SERVICE_H / 2)
    assert abs(k.sim_wait_h - k.exact_wait_h) <= k.wait_half95 * 1.5
    assert k.berth_h_cv == pytest.approx(0.0, abs=1e-9)


def _fake(z: float, n: int = 10) -> QueueCase:
    """A case whose simulated mean lies z standard errors from the theory."""
    return QueueCase(model="M/M/c", c=1, rho=0.5, calls=1000, reps=n, exact_wait_h=10.0,
                     sim_wait_h=10.0 + z, wait_half95=2.26, wait_se=1.0, exact_wf=0.5,
                     preview_wf=0.5, sim_wf=0.5 + z / 10, wf_half95=0.226, wf_se=0.1,
                     berth_h_mean=24.0, berth_h_cv=1.0, seconds=0.0)


def test_allowed_misses_is_the_binomial_99_percent_point():
    assert allowed_misses(9) == 2  # as tests/test_queueing_validation.py
    assert allowed_misses(1) == 1  # one case may miss its 95 % CI alone (P = 0.05)
    assert allowed_misses(24) == 4
    assert allowed_misses(100) == 11


def test_agreement_fails_on_drift_and_tolerates_chance():
    assert agreement([_fake(0.3)] * 9).ok
    assert agreement([_fake(2.5)] * 2 + [_fake(0.1)] * 7).ok  # two misses: chance
    assert not agreement([_fake(2.5)] * 3 + [_fake(0.1)] * 6).ok  # three: drift
    gross = agreement([_fake(5.0)] + [_fake(0.0)] * 8)  # one far outside 99.9 %
    assert not gross.ok and gross.gross == ["M/M/c c=1 rho=0.5"]
    assert not agreement([_fake(0.0), _fake(-5.0)], "wf").ok
    assert "OUTSIDE 95% CI" in gross.report
