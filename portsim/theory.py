"""Analytic queueing theory for a port of ``c`` identical berths.

This is the "theory beside simulation": closed-form or numerically exact mean
waiting times for the multi-server queues that port-planning guidelines
(PIANC, UNCTAD, JTS 165) use to size berth groups. Ships are customers, berths
are servers, service is the berth occupancy per call and the queue is FCFS.

Models
------
* ``M/M/c``      – Poisson arrivals, exponential service (Erlang C).
* ``E_ka/E_ks/c`` – Erlang-``ka`` inter-arrival times and Erlang-``ks`` service
  times, solved exactly as a continuous-time Markov chain with the
  matrix-geometric method (``ka = 1`` gives Poisson arrivals, ``ks = 1``
  exponential service). ``M/E2/c`` and ``E2/E2/c`` are the two models of the
  UNCTAD/PIANC berth "waiting-factor" tables.
* ``M/D/c``      – Poisson arrivals, constant service, exact via the roots of
  ``z**c = exp(-a (1 - z))`` (Crommelin 1932; Tijms, *A First Course in
  Stochastic Models*, 2003, ch. 9 on multi-server queues).

Every function returns the mean waiting time in queue ``Wq`` (time from arrival
until the start of service, excluding service) in the time unit of
``service_mean``. The waiting factor of the planning tables is ``Wq / service_mean``.
"""

from __future__ import annotations

import math
import operator
from functools import lru_cache

import numpy as np
from scipy.linalg import lu_factor, lu_solve, solve
from scipy.optimize import brentq
from scipy.special import lambertw
from scipy.stats import poisson

__all__ = [
    "WAITING_FACTOR_MODELS",
    "ekek_c_mean_wait",
    "erlang_c",
    "max_utilisation_for_waiting_factor",
    "mdc_mean_wait",
    "mek_c_mean_wait",
    "mmc_mean_wait",
    "phase_type_queue_mean_wait",
    "waiting_factor",
]

WAITING_FACTOR_MODELS: tuple[str, ...] = ("M/M/c", "M/E2/c", "E2/E2/c", "M/D/c")

#: Largest number of phase states per QBD level the exact solver accepts by default.
#: The level size is ``ka * C(c + ks - 1, ks - 1)`` and the cost grows with its cube
#: (milliseconds below 100 states, ~1 s at 600, tens of seconds at 2 000 on two cores).
DEFAULT_MAX_LEVEL_STATES = 2000


# --------------------------------------------------------------------------- validation


def _positive_int(name: str, value: int) -> int:
    try:
        ivalue = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if ivalue < 1:
        raise ValueError(f"{name} must be >= 1, got {ivalue}")
    return ivalue


def _positive_float(name: str, value: float) -> float:
    fvalue = float(value)
    if not math.isfinite(fvalue) or fvalue <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return fvalue


def _check_stable(arrival_rate: float, service_mean: float, c: int) -> float:
    rho = arrival_rate * service_mean / c
    if rho >= 1.0:
        raise ValueError(
            f"utilisation rho = arrival_rate * service_mean / c = {rho:.6g} must be < 1 "
            "for a stationary queue"
        )
    return rho


# --------------------------------------------------------------------------- M/M/c


def erlang_c(c: int, offered_load: float) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang C).

    ``offered_load`` is ``a = λ/μ`` in Erlangs (mean number of busy berths); it must
    satisfy ``0 <= a < c``. The Erlang-B blocking probability is built with the
    stable recursion ``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))`` (no factorials,
    safe for hundreds of servers) and converted with
    ``C = c B / (c - a (1 - B))``.
    """
    c = _positive_int("c", c)
    a = float(offered_load)
    if not math.isfinite(a) or a < 0.0:
        raise ValueError(f"offered_load must be finite and >= 0, got {offered_load!r}")
    if a >= c:
        raise ValueError(f"offered_load must be < c = {c} for a stable queue, got {a}")
    if a == 0.0:
        return 0.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def mmc_mean_wait(arrival_rate: float, service_mean: float, c: int) -> float:
    """Mean wait in queue of M/M/c: ``Wq = C(c, a) / (c μ - λ)``, ``a = λ s``, ``μ = 1/s``."""
    lam = _positive_float("arrival_rate", arrival_rate)
    s = _positive_float("service_mean", service_mean)
    c = _positive_int("c", c)
    _check_stable(lam, s, c)
    a = lam * s
    return erlang_c(c, a) * s / (c - a)


# --------------------------------------------------------------------------- E_ka/E_ks/c


@lru_cache(maxsize=256)
def _compositions(total: int, parts: int) -> tuple[tuple[int, ...], ...]:
    """All ways to put ``total`` busy servers into ``parts`` service phases."""
    if parts == 1:
        return ((total,),)
    out: list[tuple[int, ...]] = []
    for first in range(total, -1, -1):
        out.extend((first, *rest) for rest in _compositions(total - first, parts - 1))
    return tuple(out)


def _level_blocks(
    n: int, c: int, ka: int, ks: int, alpha: float, nu: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Generator blocks (local, up, down) of level ``n`` (``n`` customers present).

    A level-``n`` state is ``(arrival phase i, service configuration s)`` with index
    ``i * len(S) + index(s)``; ``s[p]`` counts busy servers in service phase ``p`` and
    ``sum(s) = min(n, c)``. Arrival phases advance at rate ``alpha = ka λ``; the last
    one produces an arrival (phase restarts at 0). Each busy server advances its
    phase at rate ``nu = ks / s``; leaving the last phase is a departure, after which
    the server immediately starts the head-of-line ship if the queue is non-empty.
    """
    m = min(n, c)
    confs = _compositions(m, ks)
    index = {s: j for j, s in enumerate(confs)}
    n_conf = len(confs)
    size = ka * n_conf

    up_confs = _compositions(m + 1, ks) if n < c else confs
    up_index = {s: j for j, s in enumerate(up_confs)}
    n_up = len(up_confs)

    if n == 0:
        down_confs: tuple[tuple[int, ...], ...] = ()
    elif n <= c:
        down_confs = _compositions(m - 1, ks)
    else:
        down_confs = confs
    down_index = {s: j for j, s in enumerate(down_confs)}
    n_down = len(down_confs)

    local = np.zeros((size, size))
    up = np.zeros((size, ka * n_up))
    down = np.zeros((size, ka * n_down)) if n > 0 else None

    for j, s in enumerate(confs):
        # Service events do not depend on the arrival phase: compute targets once.
        local_moves: list[tuple[int, float]] = []
        down_moves: list[tuple[int, float]] = []
        for p, busy in enumerate(s):
            if busy == 0:
                continue
            rate = nu * busy
            moved = list(s)
            moved[p] -= 1
            if p < ks - 1:
                moved[p + 1] += 1
                local_moves.append((index[tuple(moved)], rate))
            else:
                if n > c:  # queue non-empty: freed berth takes the next ship
                    moved[0] += 1
                down_moves.append((down_index[tuple(moved)], rate))
        if n < c:
            arrived = list(s)
            arrived[0] += 1
            up_target = up_index[tuple(arrived)]
        else:
            up_target = j

        for i in range(ka):
            k = i * n_conf + j
            if i < ka - 1:
                local[k, k + n_conf] += alpha
            else:
                up[k, up_target] += alpha  # new inter-arrival time starts in phase 0
            for target, rate in local_moves:
                local[k, i * n_conf + target] += rate
            if down is not None:
                for target, rate in down_moves:
                    down[k, i * n_down + target] += rate
            local[k, k] -= alpha + nu * m
    return local, up, down


def _qbd_g_matrix(a0: np.ndarray, a1: np.ndarray, a2: np.ndarray) -> np.ndarray:
    """Minimal solution ``G`` of ``A2 + A1 G + A0 G² = 0`` by logarithmic reduction.

    ``A0`` (up), ``A1`` (local) and ``A2`` (down) are the repeating blocks of a
    positive-recurrent QBD; ``G[i, j]`` is the probability that, starting in phase
    ``i`` of level ``n + 1``, the chain first enters level ``n`` in phase ``j``
    (Latouche & Ramaswami 1993; quadratic convergence).
    """
    size = a1.shape[0]
    eye = np.eye(size)
    lu = lu_factor(-a1)
    b_up = lu_solve(lu, a0)
    b_down = lu_solve(lu, a2)
    g = b_down.copy()
    t = b_up.copy()
    for _ in range(200):
        u = b_up @ b_down + b_down @ b_up
        lu = lu_factor(eye - u)
        b_up = lu_solve(lu, b_up @ b_up)
        b_down = lu_solve(lu, b_down @ b_down)
        increment = t @ b_down
        g += increment
        t = t @ b_up
        if np.max(np.abs(1.0 - g.sum(axis=1))) < 1e-14 or np.max(increment) < 1e-300:
            break
    else:  # pragma: no cover - only for pathological inputs
        raise RuntimeError("logarithmic reduction did not converge")
    return g


def _with_exact_diagonal(generator: np.ndarray, exit_rates: np.ndarray | float) -> np.ndarray:
    """Clip rounding negatives off the off-diagonal rates and rebuild the diagonal.

    The diagonal becomes ``-(sum of off-diagonal rates + exit_rates)``, i.e. it is
    computed from non-negative quantities instead of by cancellation.
    """
    out = np.maximum(generator, 0.0)
    np.fill_diagonal(out, 0.0)
    np.fill_diagonal(out, -(out.sum(axis=1) + exit_rates))
    return out


def _phase_type_queue(
    ka: int, ks: int, arrival_rate: float, service_mean: float, c: int, max_level_states: int
) -> float:
    """Time-stationary mean queue length ``Lq`` of the E_ka/E_ks/c queue."""
    n_conf_c = math.comb(c + ks - 1, ks - 1)
    level_size = ka * n_conf_c
    if level_size > max_level_states:
        raise ValueError(
            f"E{ka}/E{ks}/{c} has {level_size} phase states per level (> max_level_states="
            f"{max_level_states}); the dense matrix-geometric solve would be too slow"
        )
    alpha = ka * arrival_rate
    nu = ks / service_mean

    blocks = [_level_blocks(n, c, ka, ks, alpha, nu) for n in range(c + 2)]
    a1, a0, _ = blocks[c]
    a2 = blocks[c + 1][2]
    assert a2 is not None
    g = _qbd_g_matrix(a0, a1, a2)
    # R = A0 N with N = (-(A1 + A0 G))^{-1}; pi_{n+1} = pi_n R for n >= c.
    # A1 + A0 G is the generator of level n censored on levels >= n while it stays
    # there; it is left only downwards, at rates A2 1.
    r = a0 @ np.linalg.inv(-_with_exact_diagonal(a1 + a0 @ g, a2.sum(axis=1)))
    np.maximum(r, 0.0, out=r)

    # Linear level reduction of the boundary: L~_n is the generator of the chain
    # censored on levels 0..n (restricted to level n); it is left only upwards, at
    # rates U_n 1. H_n = D_n (-L~_{n-1})^{-1} gives pi_{n-1} = pi_n H_n. Resetting the
    # diagonals from the exact exit rates (GTH idea) avoids the cancellation that
    # otherwise destroys the chain at very low load.
    hs: list[np.ndarray] = []
    l_tilde = blocks[0][0]
    for n in range(1, c + 1):
        down_n = blocks[n][2]
        assert down_n is not None
        h = lu_solve(lu_factor(-l_tilde), down_n.T, trans=1).T  # D_n (-L~_{n-1})^{-1}
        np.maximum(h, 0.0, out=h)
        hs.append(h)
        if n == c:
            l_tilde = _with_exact_diagonal(a1 + a0 @ g + h @ blocks[n - 1][1], 0.0)
        else:
            l_tilde = _with_exact_diagonal(
                blocks[n][0] + h @ blocks[n - 1][1], blocks[n][1].sum(axis=1)
            )

    # pi_c l_tilde = 0 with pi_c 1 = 1 (rescaled below): replace one equation.
    system = l_tilde.T.copy()
    system[-1, :] = 1.0
    rhs = np.zeros(level_size)
    rhs[-1] = 1.0
    pi_c = np.maximum(solve(system, rhs), 0.0)

    ones = np.ones(level_size)
    eye = np.eye(level_size)
    u = solve(eye - r, ones)  # (I - R)^{-1} 1
    w = solve(eye - r, u)  # (I - R)^{-2} 1
    tail_mass = float(pi_c @ u)  # sum_{n >= c} pi_n 1
    lq = float(pi_c @ r @ w)  # sum_{n >= c} (n - c) pi_n 1

    boundary_mass = 0.0
    pi_n = pi_c
    for h in reversed(hs):
        pi_n = pi_n @ h
        boundary_mass += float(pi_n.sum())
    total = tail_mass + boundary_mass
    # Lq is a sum of non-negative terms; at vanishing load rounding can leave ~-1e-20.
    return max(lq, 0.0) / total


def phase_type_queue_mean_wait(
    arrival_phases: int,
    service_phases: int,
    arrival_rate: float,
    service_mean: float,
    c: int,
    *,
    max_level_states: int = DEFAULT_MAX_LEVEL_STATES,
) -> float:
    """Exact mean wait in queue of the E_ka/E_ks/c queue (FCFS, ``c`` identical servers).

    Inter-arrival times are Erlang-``arrival_phases`` with mean ``1/arrival_rate``
    (``1`` = Poisson); service times are Erlang-``service_phases`` with mean
    ``service_mean`` (``1`` = exponential). The squared coefficient of variation of
    an Erlang-k time is ``1/k``, so ``k = 2`` is the "moderately regular" ship
    arrival/berth occupancy assumed by the UNCTAD/PIANC tables.

    Method: the queue is a continuous-time Markov chain on (customers present ``n``,
    arrival phase, number of busy servers in each service phase). Levels ``n >= c``
    have identical blocks and form a quasi-birth-death process, so
    ``pi_{n+1} = pi_n R`` with ``R`` the minimal solution of ``A0 + R A1 + R² A2 = 0``
    (obtained from ``G`` by logarithmic reduction). Levels ``0..c`` are solved
    exactly by block elimination (linear level reduction). Then
    ``Lq = pi_c R (I - R)^{-2} 1`` and ``Wq = Lq / λ`` (Little). Nothing is
    truncated; the result is exact up to floating-point rounding.

    The level size is ``ka * C(c + ks - 1, ks - 1)`` and the work grows with its
    cube: E2/E2/c has ``2(c + 1)`` states per level (milliseconds for c = 30), but
    E4/E4/30 has 21 824 and is refused above ``max_level_states``.
    """
    ka = _positive_int("arrival_phases", arrival_phases)
    ks = _positive_int("service_phases", service_phases)
    lam = _positive_float("arrival_rate", arrival_rate)
    s = _positive_float("service_mean", service_mean)
    c = _positive_int("c", c)
    _check_stable(lam, s, c)
    return _phase_type_queue(ka, ks, lam, s, c, max_level_states) / lam


def mek_c_mean_wait(arrival_rate: float, service_mean: float, c: int, k: int = 2) -> float:
    """Exact mean wait in queue of M/E_k/c (Poisson arrivals, Erlang-k service)."""
    return phase_type_queue_mean_wait(1, k, arrival_rate, service_mean, c)


def ekek_c_mean_wait(
    arrival_rate: float,
    service_mean: float,
    c: int,
    k_arrival: int = 2,
    k_service: int = 2,
) -> float:
    """Exact mean wait in queue of E_k/E_k/c (Erlang inter-arrival and service times)."""
    return phase_type_queue_mean_wait(k_arrival, k_service, arrival_rate, service_mean, c)


# --------------------------------------------------------------------------- M/D/c


def _gth_stationary(p: np.ndarray) -> np.ndarray:
    """Stationary vector of a stochastic matrix by Grassmann–Taksar–Heyman elimination.

    GTH uses no subtractions, so even probabilities of 1e-200 keep full relative
    accuracy (a plain linear solve would lose them in rounding).
    """
    a = p.copy()
    n = a.shape[0]
    for k in range(n - 1, 0, -1):
        a[:k, k] /= a[k, :k].sum()
        a[:k, :k] += np.outer(a[:k, k], a[k, :k])
    x = np.zeros(n)
    x[0] = 1.0
    for k in range(1, n):
        x[k] = x[:k] @ a[:k, k]
    return x / x.sum()


def _mdc_lq_slotted_chain(a: float, c: int) -> float:
    """Lq of M/D/c from the slotted chain ``N(t + D) = max(N(t) - c, 0) + Poisson(a)``.

    The chain is truncated at ``n_max`` (overflow lumped into the last state) and
    solved with GTH; ``n_max`` grows until the last state is negligible. Only used at
    low load, where the queue-length tail decays very fast.
    """
    extra = 80
    while True:
        n_max = c + extra
        p = np.zeros((n_max + 1, n_max + 1))
        for k in range(n_max + 1):
            base = max(k - c, 0)
            p[k, base:n_max] = poisson.pmf(np.arange(n_max - base), a)
            p[k, n_max] = poisson.sf(n_max - base - 1, a)
        pi = _gth_stationary(p)
        lq = float(np.maximum(np.arange(n_max + 1) - c, 0) @ pi)
        if pi[-1] * n_max <= 1e-17 * lq or extra >= 5000:
            return lq
        extra *= 2


def mdc_mean_wait(arrival_rate: float, service_mean: float, c: int) -> float:
    """Exact mean wait in queue of M/D/c (Poisson arrivals, constant service time D).

    Method (Crommelin 1932; Tijms 2003, ch. 9): every ship in service at time ``t`` has
    left by ``t + D``, so the number present satisfies
    ``N(t + D) = max(N(t) - c, 0) + A`` with ``A ~ Poisson(a)``, ``a = λD``. Its
    generating function has denominator ``z**c - exp(-a(1 - z))``, whose ``c`` roots
    in the closed unit disk are ``z_0 = 1`` and, for ``k = 1..c-1``,
    ``z_k = -W0(-ρ ω_k e^{-ρ}) / ρ`` with ``ρ = a/c``, ``ω_k = e^{2πik/c}`` and ``W0``
    the principal Lambert-W branch (closed form, no root search). Then

        Lq = Σ_{k=1}^{c-1} 1 / (1 - z_k) + (a² - c(c - 1)) / (2 (c - a)),

    and ``Wq = Lq / λ``. For ``c = 1`` this is Pollaczek–Khinchine,
    ``Wq = ρ D / (2 (1 - ρ))``.

    The two terms cancel at low load (absolute error ~1e-15·c² in Lq), so when the
    roots give ``Lq < 1e-3`` the same slotted chain is instead solved directly
    (truncated far beyond any significant state, GTH elimination), which keeps full
    relative accuracy down to underflow. The two routes agree to ~1e-13 where both
    are accurate.
    """
    lam = _positive_float("arrival_rate", arrival_rate)
    d = _positive_float("service_mean", service_mean)
    c = _positive_int("c", c)
    rho = _check_stable(lam, d, c)
    a = lam * d
    if c == 1:
        return a * a / (2.0 * (1.0 - a)) / lam
    k = np.arange(1, c)
    omega = np.exp(2j * np.pi * k / c)
    z = -lambertw(-rho * omega * math.exp(-rho), 0) / rho
    lq = float(np.sum(1.0 / (1.0 - z)).real) + (a * a - c * (c - 1)) / (2.0 * (c - a))
    if lq < 1e-3:
        lq = _mdc_lq_slotted_chain(a, c)
    return lq / lam


# --------------------------------------------------------------------------- waiting factors


def _canonical_model(model: str) -> str:
    key = model.replace(" ", "").replace("_", "").upper()
    for name in WAITING_FACTOR_MODELS:
        if key == name.upper():
            return name
    raise ValueError(f"model must be one of {WAITING_FACTOR_MODELS}, got {model!r}")


def waiting_factor(model: str, utilisation: float, c: int) -> float:
    """Mean waiting time divided by mean service time for ``c`` berths at utilisation ρ.

    This is the PIANC/UNCTAD berth waiting-factor table, computed exactly for any
    number of berths instead of interpolated from a printed table. ``model`` is one
    of ``"M/M/c"``, ``"M/E2/c"``, ``"E2/E2/c"`` or ``"M/D/c"`` and
    ``utilisation = λ s / c`` must lie in ``[0, 1)`` (0 gives 0).
    """
    name = _canonical_model(model)
    c = _positive_int("c", c)
    rho = float(utilisation)
    if not math.isfinite(rho) or rho < 0.0 or rho >= 1.0:
        raise ValueError(f"utilisation must be in [0, 1), got {utilisation!r}")
    if rho == 0.0:
        return 0.0
    lam = rho * c  # service_mean = 1, so Wq is already in service-time units
    if name == "M/M/c":
        return mmc_mean_wait(lam, 1.0, c)
    if name == "M/E2/c":
        return mek_c_mean_wait(lam, 1.0, c, k=2)
    if name == "E2/E2/c":
        return ekek_c_mean_wait(lam, 1.0, c, k_arrival=2, k_service=2)
    return mdc_mean_wait(lam, 1.0, c)


def max_utilisation_for_waiting_factor(model: str, c: int, limit: float) -> float:
    """Largest berth utilisation whose waiting factor does not exceed ``limit``.

    Planning guidelines cap the ratio waiting time / service time (e.g. 0.1–0.5);
    this inverts :func:`waiting_factor`, which rises strictly from 0 at ρ = 0 to
    infinity as ρ → 1, with Brent's method (``xtol = 1e-10``).
    """
    name = _canonical_model(model)
    c = _positive_int("c", c)
    limit = _positive_float("limit", limit)

    def excess(rho: float) -> float:
        return waiting_factor(name, rho, c) - limit

    high = 0.99
    while excess(high) < 0.0:
        if high >= 1.0 - 1e-7:
            raise ValueError(f"limit {limit} is not reached for utilisation below {high}")
        high = 1.0 - (1.0 - high) / 10.0
    return float(brentq(excess, 0.0, high, xtol=1e-10, rtol=1e-12))
