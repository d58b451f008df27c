"""The model against queueing theory.

A port of c identical berths with Poisson arrivals and exponential (M/M/c) or Erlang-2
(M/E2/c) handling must reproduce the exact mean waiting time, computed by
``portsim.theory`` (Erlang C; the phase-type Markov chain solved exactly), within the
95 % confidence interval of its replications, for c in {1, 4, 10} and ρ in
{0.5, 0.7, 0.85}.

Each case runs 10 independent replications of about 20,000 calls (40,000 for c = 1 at
ρ = 0.85, where waits are most variable) after a 5 % warm-up, with a seed of its own.
A 95 % interval misses the truth one time in twenty even for a perfect model, so over
the nine cases of a queue model the test requires: every case inside its 99.9 %
interval (no gross error anywhere), and at most two of the nine outside their 95 %
interval (P = 0.93 for a correct model; a bias of one half-width would push most of
them out). The deterministic seeds make the outcome reproducible.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

from portsim.simulate import mean_ci, replicate
from portsim.theory import mek_c_mean_wait, mmc_mean_wait
from tests.conftest import identical_berths_scenario

SERVICE_H = 24.0
CASES = [(c, rho) for c in (1, 4, 10) for rho in (0.5, 0.7, 0.85)]
REPS = 10


def _case(tmp_path, c: int, rho: float, cv: float) -> tuple[float, float, float]:
    """Simulated mean wait, its 95 % CI half-width, and the t-statistic's scale."""
    calls = 40_000 if (c == 1 and rho > 0.8) else 20_000
    seed = 10_000 * round(cv * 100) + 100 * c + round(rho * 100)
    sc = identical_berths_scenario(tmp_path / f"{c}-{rho}", c=c, rho=rho,
                                   service_h=SERVICE_H, service_cv=cv, calls=calls,
                                   reps=REPS, seed=seed)
    reps = replicate(sc)
    berth_h = reps.calls.query("status == 'departed'")["berth_h"]
    # the handling times really have the intended mean and dispersion
    assert berth_h.mean() == pytest.approx(SERVICE_H, rel=0.01)
    assert berth_h.std() / berth_h.mean() == pytest.approx(cv, rel=0.03)
    mean, half, _ = mean_ci(reps.port["container_mean_wait_h"])
    return mean, half, half / stats.t.ppf(0.975, REPS - 1)


def _validate(tmp_path, cv: float, theory) -> None:
    t999 = stats.t.ppf(0.9995, REPS - 1)
    misses, report = 0, []
    for c, rho in CASES:
        mean, half, se = _case(tmp_path, c, rho, cv)
        exact = theory(rho * c / SERVICE_H, SERVICE_H, c)
        inside = abs(mean - exact) <= half
        misses += not inside
        report.append(f"c={c:2d} rho={rho:.2f}: sim {mean:8.3f} ± {half:6.3f} h, "
                      f"theory {exact:8.3f} h {'ok' if inside else 'OUTSIDE 95% CI'}")
        assert abs(mean - exact) <= t999 * se, "\n".join(report)
    assert misses <= 2, "\n".join(report)


@pytest.mark.slow
def test_mmc_mean_wait_matches_erlang_c(tmp_path):
    _validate(tmp_path, 1.0, mmc_mean_wait)


@pytest.mark.slow
def test_me2c_mean_wait_matches_the_exact_markov_chain(tmp_path):
    _validate(tmp_path, 1 / math.sqrt(2), lambda lam, s, c: mek_c_mean_wait(lam, s, c, k=2))


def test_mm1_quick(tmp_path):
    """A fast version for every run: M/M/1 at ρ = 0.5, where Wq = ρ/(1 − ρ)·S = S."""
    sc = identical_berths_scenario(tmp_path, c=1, rho=0.5, service_h=10.0, calls=8000, reps=6)
    mean, half, _ = mean_ci(replicate(sc).port["container_mean_wait_h"])
    assert abs(mean - 10.0) <= half
