"""The preview's waiting factor for c identical berths equals the simulated one, within
the simulation's confidence interval, for any number of berths up to 20.

The preview (``portsim preview``) computes the waiting factor without simulating, from
the exact E2/E2/c (Erlang-2 arrivals) or M/E2/c (Poisson) queue of ``portsim.theory``.
Here it is compared with the simulated waiting factor (mean wait / mean berth time of
the terminal, 10 replications) for c from 5 to 20 — berth counts where printed
waiting-factor tables stop or interpolate — judged like every validation grid: all
cases inside their 99.9 % CI, at most ``allowed_misses(n)`` outside their 95 % CI.
"""

from __future__ import annotations

import pytest

from portsim import theory
from portsim.validation import agreement, run_grid


def _check(model: str, cs: tuple[int, ...], rhos: tuple[float, ...]) -> None:
    cases = run_grid([(model, c, rho) for c in cs for rho in rhos])
    for k in cases:  # the preview's value is the exact theory, for any c
        assert k.preview_wf == pytest.approx(theory.waiting_factor(model, k.rho, k.c),
                                             rel=1e-9)
    a = agreement(cases, "wf")
    assert a.ok, a.report


@pytest.mark.slow
def test_preview_waiting_factor_e2e2c_up_to_20_berths():
    _check("E2/E2/c", (5, 15, 20), (0.7, 0.85))


@pytest.mark.slow
def test_preview_waiting_factor_me2c_up_to_20_berths():
    _check("M/E2/c", (15, 20), (0.7, 0.85))
