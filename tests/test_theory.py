"""Tests of portsim.theory against independent truth.

Reference values come from closed forms derived by hand (M/M/1, M/M/2, Erlang C
textbook case, Pollaczek–Khinchine, GI/M/1), from a log-space Erlang-C sum, and
from two brute-force Markov chains built here with a different state description
and a different solver (truncated chain + sparse/dense linear solve) — never from
numbers printed by the module itself.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal, localcontext
from math import factorial

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.sparse.linalg import spsolve
from scipy.special import logsumexp
from scipy.stats import poisson

from portsim.theory import (
    WAITING_FACTOR_MODELS,
    ekek_c_mean_wait,
    erlang_c,
    max_utilisation_for_waiting_factor,
    mdc_mean_wait,
    mek_c_mean_wait,
    mmc_mean_wait,
    phase_type_queue_mean_wait,
    waiting_factor,
)

# ----------------------------------------------------------------- independent references


def erlang_c_logspace(c: int, a: float) -> float:
    """Erlang C from its defining sum, P(wait) = T / (S + T), evaluated in log space.

    S = sum_{k<c} a^k / k!,  T = a^c / c! * c / (c - a).
    """
    log_terms = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]
    log_t = c * math.log(a) - math.lgamma(c + 1) + math.log(c / (c - a))
    return math.exp(log_t - logsumexp([*log_terms, log_t]))


def brute_force_wq(ka: int, ks: int, lam: float, service_mean: float, c: int, q_max: int) -> float:
    """Mean wait of E_ka/E_ks/c from a truncated CTMC with *labelled* servers.

    State = (arrival phase, phase of server 1, ..., phase of server c, queue length),
    server phase 0 meaning idle; an arrival takes the lowest-numbered idle server.
    Arrivals finding q_max waiting are lost (truncation; q_max is chosen so that this
    has probability far below the test tolerance). Solved with a sparse direct solve.
    """
    alpha, nu = ka * lam, ks / service_mean
    start = (0, (0,) * c, 0)
    index = {start: 0}
    frontier = [start]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []

    def add(src: int, dst_state: tuple, rate: float) -> None:
        if dst_state not in index:
            index[dst_state] = len(index)
            frontier.append(dst_state)
        rows.append(src)
        cols.append(index[dst_state])
        vals.append(rate)

    while frontier:
        state = frontier.pop()
        src = index[state]
        i, servers, q = state
        if i < ka - 1:
            add(src, (i + 1, servers, q), alpha)
        elif 0 in servers:
            j = servers.index(0)
            add(src, (0, (*servers[:j], 1, *servers[j + 1 :]), q), alpha)
        elif q < q_max:
            add(src, (0, servers, q + 1), alpha)
        else:
            add(src, (0, servers, q), alpha)  # lost arrival: only the phase restarts
        for j, phase in enumerate(servers):
            if phase == 0:
                continue
            if phase < ks:
                new, new_q = phase + 1, q
            elif q > 0:
                new, new_q = 1, q - 1
            else:
                new, new_q = 0, q
            add(src, (i, (*servers[:j], new, *servers[j + 1 :]), new_q), nu)

    n = len(index)
    gen = sp.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    gen = gen - sp.diags(np.asarray(gen.sum(axis=1)).ravel())
    system = gen.T.tolil()
    system[0, :] = np.ones(n)
    rhs = np.zeros(n)
    rhs[0] = 1.0
    pi = spsolve(system.tocsc(), rhs)
    queue = np.empty(n)
    for (_, _, q), k in index.items():
        queue[k] = q
    return float(pi @ queue) / lam


def mdc_chain_wq(lam: float, d: float, c: int, n_max: int) -> float:
    """M/D/c mean wait from the slotted chain N(t+D) = max(N(t) - c, 0) + Poisson(λD).

    The transition matrix is truncated at n_max and the stationary vector found by a
    dense linear solve (no generating functions, no roots).
    """
    a = lam * d
    p = np.zeros((n_max + 1, n_max + 1))
    for k in range(n_max + 1):
        base = max(k - c, 0)
        probs = poisson.pmf(np.arange(n_max + 1 - base), a)
        p[k, base:] = probs
        p[k, n_max] += 1.0 - probs.sum()
    system = p.T - np.eye(n_max + 1)
    system[-1, :] = 1.0
    rhs = np.zeros(n_max + 1)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    lq = float(np.maximum(np.arange(n_max + 1) - c, 0) @ pi)
    return lq / lam


def mdc_chain_wq_decimal(lam: float, c: int, n_max: int, digits: int = 60) -> float:
    """M/D/c (D = 1) mean wait from the same slotted chain, solved in 60-digit decimals.

    Plain Gaussian elimination with partial pivoting in :mod:`decimal`: slow but free
    of the floating-point cancellation that hides tiny low-load waits.
    """
    with localcontext() as ctx:
        ctx.prec = digits
        a = Decimal(repr(lam))
        pmf = [(-a).exp() * a**j / factorial(j) for j in range(n_max + 1)]
        size = n_max + 1
        # Row j of (P^T - I): sum_k p_k P[k, j] - p_j; the last row is replaced by 1s.
        mat = [[Decimal(0)] * size for _ in range(size)]
        for k in range(size):
            base = max(k - c, 0)
            for j in range(base, n_max):
                mat[j][k] += pmf[j - base]
            mat[n_max][k] += 1 - sum(pmf[: n_max - base])
        for j in range(size):
            mat[j][j] -= 1
        mat[n_max] = [Decimal(1)] * size
        rhs = [Decimal(0)] * n_max + [Decimal(1)]
        for col in range(size):
            piv = max(range(col, size), key=lambda r: abs(mat[r][col]))
            mat[col], mat[piv] = mat[piv], mat[col]
            rhs[col], rhs[piv] = rhs[piv], rhs[col]
            for r in range(col + 1, size):
                f = mat[r][col] / mat[col][col]
                if f:
                    for k in range(col, size):
                        mat[r][k] -= f * mat[col][k]
                    rhs[r] -= f * rhs[col]
        pi = [Decimal(0)] * size
        for r in range(size - 1, -1, -1):
            acc = rhs[r] - sum(mat[r][k] * pi[k] for k in range(r + 1, size))
            pi[r] = acc / mat[r][r]
        lq = sum((j - c) * pi[j] for j in range(c + 1, size))
        return float(lq / a)


# ----------------------------------------------------------------- Erlang C and M/M/c


@pytest.mark.parametrize("rho", [0.05, 0.3, 0.5, 0.8, 0.99])
def test_erlang_c_single_server_is_rho(rho: float) -> None:
    assert erlang_c(1, rho) == pytest.approx(rho, rel=1e-14)


def test_erlang_c_textbook_value() -> None:
    # c = 3, a = 2: B(3, 2) = (8/6) / (1 + 2 + 2 + 8/6) = 4/19, C = 3B / (3 - 2(1 - B)) = 4/9.
    assert erlang_c(3, 2.0) == pytest.approx(4.0 / 9.0, rel=1e-14)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9])
def test_erlang_c_two_servers_closed_form(rho: float) -> None:
    # M/M/2: p0 = (1 - ρ)/(1 + ρ), P(wait) = 2ρ²/(1 + ρ).
    assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho), rel=1e-13)


@pytest.mark.parametrize(("c", "a"), [(5, 3.7), (20, 17.0), (50, 49.5), (200, 190.0), (200, 60.0)])
def test_erlang_c_matches_log_space_sum(c: int, a: float) -> None:
    assert erlang_c(c, a) == pytest.approx(erlang_c_logspace(c, a), rel=1e-11)


def test_erlang_c_limits_and_errors() -> None:
    assert erlang_c(4, 0.0) == 0.0
    with pytest.raises(ValueError, match="offered_load"):
        erlang_c(3, 3.0)
    with pytest.raises(ValueError, match="offered_load"):
        erlang_c(3, -0.1)
    with pytest.raises(ValueError, match="c must be"):
        erlang_c(0, 0.5)


@pytest.mark.parametrize(("lam", "mu"), [(0.2, 1.0), (0.75, 1.0), (1.9, 2.0)])
def test_mm1_mean_wait(lam: float, mu: float) -> None:
    rho = lam / mu
    assert mmc_mean_wait(lam, 1 / mu, 1) == pytest.approx(rho / (mu - lam), rel=1e-13)


@pytest.mark.parametrize(("lam", "mu"), [(0.4, 1.0), (1.5, 1.0), (3.0, 2.0)])
def test_mm2_mean_wait_closed_form(lam: float, mu: float) -> None:
    # Wq = P(wait) / (2μ - λ) = [2ρ²/(1+ρ)] / [2μ(1-ρ)] = ρ² / (μ (1 - ρ²)), ρ = λ/(2μ).
    rho = lam / (2 * mu)
    assert mmc_mean_wait(lam, 1 / mu, 2) == pytest.approx(rho**2 / (mu * (1 - rho**2)), rel=1e-13)


# ----------------------------------------------------------------- phase-type solver


@pytest.mark.parametrize("c", [1, 2, 3, 7, 15])
@pytest.mark.parametrize("rho", [0.001, 0.2, 0.6, 0.9, 0.98])
def test_phase_type_with_exponential_phases_is_mmc(c: int, rho: float) -> None:
    service_mean = 3.5
    lam = rho * c / service_mean
    expected = mmc_mean_wait(lam, service_mean, c)
    got = phase_type_queue_mean_wait(1, 1, lam, service_mean, c)
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("rho", [0.1, 0.5, 0.85, 0.97])
def test_mek1_matches_pollaczek_khinchine(k: int, rho: float) -> None:
    s = 2.0
    lam = rho / s
    second_moment = (1 + 1 / k) * s**2
    expected = lam * second_moment / (2 * (1 - rho))
    assert mek_c_mean_wait(lam, s, 1, k=k) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("rho", [0.3, 0.7, 0.95])
def test_ekm1_matches_gi_m_1_closed_form(k: int, rho: float) -> None:
    # GI/M/1: σ solves σ = A*(μ(1 - σ)) with A*(s) = (kλ / (kλ + s))^k for Erlang-k
    # inter-arrival times; then P(wait) = σ and Wq = σ / (μ(1 - σ)).
    mu, lam = 1.0, rho

    def fixed_point(sig: float) -> float:
        return (k * lam / (k * lam + mu * (1 - sig))) ** k - sig

    sigma = brentq(fixed_point, 1e-12, 1 - 1e-12, xtol=1e-15)
    expected = sigma / (mu * (1 - sigma))
    got = phase_type_queue_mean_wait(k, 1, lam, 1 / mu, 1)
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("ka", "ks", "c", "rho"),
    [
        (2, 2, 1, 0.5),
        (2, 2, 1, 0.8),
        (2, 2, 2, 0.6),
        (2, 2, 2, 0.8),
        (2, 2, 3, 0.5),
        (2, 2, 3, 0.8),
        (1, 2, 2, 0.7),
        (3, 2, 2, 0.7),
        (2, 3, 2, 0.7),
    ],
)
def test_phase_type_matches_brute_force_ctmc(ka: int, ks: int, c: int, rho: float) -> None:
    service_mean = 1.7
    lam = rho * c / service_mean
    expected = brute_force_wq(ka, ks, lam, service_mean, c, q_max=160)
    got = phase_type_queue_mean_wait(ka, ks, lam, service_mean, c)
    assert got == pytest.approx(expected, rel=1e-8)


def test_wrappers_are_the_phase_type_solver() -> None:
    lam, s, c = 2.1, 1.3, 4
    assert mek_c_mean_wait(lam, s, c, k=3) == phase_type_queue_mean_wait(1, 3, lam, s, c)
    assert ekek_c_mean_wait(lam, s, c) == phase_type_queue_mean_wait(2, 2, lam, s, c)
    assert ekek_c_mean_wait(lam, s, c, 3, 2) == phase_type_queue_mean_wait(3, 2, lam, s, c)


def test_more_regular_arrivals_and_service_wait_less() -> None:
    lam, s, c = 3.2, 1.0, 4
    waits = [phase_type_queue_mean_wait(k, k, lam, s, c) for k in (1, 2, 3, 4)]
    assert all(a > b for a, b in itertools.pairwise(waits))


def test_phase_type_input_errors() -> None:
    with pytest.raises(ValueError, match="utilisation"):
        phase_type_queue_mean_wait(2, 2, 2.0, 1.0, 2)  # ρ = 1
    with pytest.raises(ValueError, match="utilisation"):
        ekek_c_mean_wait(5.0, 1.0, 4)  # ρ = 1.25
    with pytest.raises(ValueError, match="arrival_rate"):
        phase_type_queue_mean_wait(2, 2, 0.0, 1.0, 2)
    with pytest.raises(ValueError, match="service_mean"):
        phase_type_queue_mean_wait(2, 2, 1.0, -1.0, 2)
    with pytest.raises(ValueError, match="service_phases"):
        phase_type_queue_mean_wait(2, 0, 1.0, 1.0, 2)
    with pytest.raises(ValueError, match="c must be"):
        phase_type_queue_mean_wait(2, 2, 1.0, 1.0, 0)
    with pytest.raises(ValueError, match="max_level_states"):
        phase_type_queue_mean_wait(4, 4, 20.0, 1.0, 30)  # 21 824 states per level


def test_e2e2c_many_berths() -> None:
    # 20 and 30 berths at ρ = 0.8 (no wall-clock assertion: CI machines are shared).
    w20 = ekek_c_mean_wait(16.0, 1.0, 20)
    w30 = ekek_c_mean_wait(24.0, 1.0, 30)
    assert 0 < w30 < w20 < mek_c_mean_wait(16.0, 1.0, 20) < mmc_mean_wait(16.0, 1.0, 20)


# ----------------------------------------------------------------- M/D/c


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9, 0.99])
def test_md1_matches_pollaczek_khinchine(rho: float) -> None:
    d = 4.0
    lam = rho / d
    assert mdc_mean_wait(lam, d, 1) == pytest.approx(lam * d**2 / (2 * (1 - rho)), rel=1e-12)


@pytest.mark.parametrize("c", [2, 3, 5, 10])
@pytest.mark.parametrize("rho", [0.3, 0.7, 0.9])
def test_mdc_matches_slotted_chain(c: int, rho: float) -> None:
    d = 1.0
    lam = rho * c / d
    expected = mdc_chain_wq(lam, d, c, n_max=c + 400)
    assert mdc_mean_wait(lam, d, c) == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize(("c", "rho"), [(2, 0.01), (3, 0.05), (6, 0.1), (4, 0.3)])
def test_mdc_low_load_has_full_relative_accuracy(c: int, rho: float) -> None:
    # Waits of 1e-6 .. 1e-12 service times, where the roots formula alone cancels.
    lam = rho * c
    expected = mdc_chain_wq_decimal(lam, c, n_max=c + 30)
    assert mdc_mean_wait(lam, 1.0, c) == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize("c", [2, 3, 5])
@pytest.mark.parametrize("rho", [0.4, 0.7, 0.9])
def test_mdc_is_below_erlang_service_and_above_half_mmc(c: int, rho: float) -> None:
    lam = rho * c
    md = mdc_mean_wait(lam, 1.0, c)
    me4 = mek_c_mean_wait(lam, 1.0, c, k=4)
    me2 = mek_c_mean_wait(lam, 1.0, c, k=2)
    mm = mmc_mean_wait(lam, 1.0, c)
    assert md < me4 < me2 < mm
    # For c = 1 Wq(M/D/1) is exactly half of Wq(M/M/1); with more servers the ratio
    # exceeds 1/2 (the Cosmetatos correction factor is > 1).
    assert 0.5 * mm < md
    # Wq(M/E_k/c) is close to linear in the service SCV 1/k, with M/D/c at 1/k = 0
    # (exactly linear for c = 1 by Pollaczek–Khinchine): two independent methods meet.
    assert (me2 - md) / (me4 - md) == pytest.approx(2.0, rel=0.05)


def test_mdc_many_berths_is_finite_and_ordered() -> None:
    w = [mdc_mean_wait(0.9 * c, 1.0, c) for c in (50, 100, 200)]
    assert all(x > 0 for x in w)
    assert w[0] > w[1] > w[2]
    assert w[2] < mmc_mean_wait(180.0, 1.0, 200)


def test_mdc_errors() -> None:
    with pytest.raises(ValueError, match="utilisation"):
        mdc_mean_wait(3.0, 1.0, 3)
    with pytest.raises(ValueError, match="arrival_rate"):
        mdc_mean_wait(-1.0, 1.0, 3)


# ----------------------------------------------------------------- waiting factors


RHOS = [0.2, 0.4, 0.6, 0.75, 0.9]


@pytest.mark.parametrize("model", WAITING_FACTOR_MODELS)
def test_waiting_factor_increases_with_utilisation(model: str) -> None:
    for c in (1, 3, 8):
        values = [waiting_factor(model, rho, c) for rho in RHOS]
        assert all(a < b for a, b in itertools.pairwise(values)), (c, values)


@pytest.mark.parametrize("model", WAITING_FACTOR_MODELS)
def test_waiting_factor_decreases_with_berths(model: str) -> None:
    for rho in (0.4, 0.7, 0.9):
        values = [waiting_factor(model, rho, c) for c in (1, 2, 3, 5, 8, 12, 16)]
        assert all(a > b for a, b in itertools.pairwise(values)), (rho, values)


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.85])
def test_single_berth_waiting_factors_closed_form(rho: float) -> None:
    # One berth: M/M/1 ρ/(1-ρ); M/E2/1 and M/D/1 from Pollaczek–Khinchine with
    # E[S²]/s² = 1.5 and 1 respectively.
    assert waiting_factor("M/M/c", rho, 1) == pytest.approx(rho / (1 - rho), rel=1e-12)
    assert waiting_factor("M/E2/c", rho, 1) == pytest.approx(0.75 * rho / (1 - rho), rel=1e-9)
    assert waiting_factor("M/D/c", rho, 1) == pytest.approx(0.5 * rho / (1 - rho), rel=1e-12)


@pytest.mark.parametrize(("c", "rho"), [(1, 0.5), (2, 0.7), (3, 0.8)])
def test_e2e2_waiting_factor_matches_brute_force(c: int, rho: float) -> None:
    # No published table value is asserted: the UNCTAD/PIANC E2/E2/n table is
    # reproduced here by an independent brute-force chain instead.
    expected = brute_force_wq(2, 2, rho * c, 1.0, c, q_max=160)
    assert waiting_factor("E2/E2/c", rho, c) == pytest.approx(expected, rel=1e-8)


def test_waiting_factor_model_ordering() -> None:
    for c in (1, 4, 10):
        for rho in (0.5, 0.8):
            mm, me2 = waiting_factor("M/M/c", rho, c), waiting_factor("M/E2/c", rho, c)
            e2e2 = waiting_factor("E2/E2/c", rho, c)
            assert mm > me2 > e2e2 > 0


def test_waiting_factor_inputs() -> None:
    assert waiting_factor("M/M/c", 0.0, 3) == 0.0
    for model in WAITING_FACTOR_MODELS:
        assert 0.0 <= waiting_factor(model, 1e-6, 3) < 1e-12
    assert waiting_factor(" m/e2/c ", 0.5, 2) == waiting_factor("M/E2/c", 0.5, 2)
    with pytest.raises(ValueError, match="model"):
        waiting_factor("G/G/c", 0.5, 2)
    with pytest.raises(ValueError, match="utilisation"):
        waiting_factor("M/M/c", 1.0, 2)
    with pytest.raises(ValueError, match="utilisation"):
        waiting_factor("M/M/c", -0.1, 2)


@pytest.mark.parametrize("limit", [0.1, 0.5])
def test_max_utilisation_single_berth_closed_form(limit: float) -> None:
    # M/M/1: ρ/(1-ρ) = L  ->  ρ = L/(1+L);   M/D/1: ρ/(2(1-ρ)) = L  ->  ρ = 2L/(1+2L).
    assert max_utilisation_for_waiting_factor("M/M/c", 1, limit) == pytest.approx(
        limit / (1 + limit), abs=1e-9
    )
    assert max_utilisation_for_waiting_factor("M/D/c", 1, limit) == pytest.approx(
        2 * limit / (1 + 2 * limit), abs=1e-9
    )


@pytest.mark.parametrize("model", WAITING_FACTOR_MODELS)
@pytest.mark.parametrize("c", [2, 6, 14])
def test_max_utilisation_inverts_waiting_factor(model: str, c: int) -> None:
    limit = 0.1
    rho = max_utilisation_for_waiting_factor(model, c, limit)
    assert 0 < rho < 1
    assert waiting_factor(model, rho, c) == pytest.approx(limit, rel=1e-7)
    assert waiting_factor(model, rho - 1e-3, c) < limit < waiting_factor(model, rho + 1e-3, c)


def test_max_utilisation_grows_with_berths_and_limit() -> None:
    low = [max_utilisation_for_waiting_factor("E2/E2/c", c, 0.1) for c in (1, 2, 4, 8)]
    assert all(a < b for a, b in itertools.pairwise(low))
    assert max_utilisation_for_waiting_factor("E2/E2/c", 4, 0.3) > low[2]
    with pytest.raises(ValueError, match="limit"):
        max_utilisation_for_waiting_factor("M/M/c", 2, 0.0)
