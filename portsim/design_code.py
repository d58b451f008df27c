"""Berth-capacity formulas of the Chinese port design code.

Source: JTS 165-2013 *Design Code of General Layout for Sea Ports*, §7.10.7 (as
reproduced in a design thesis; reconstructed form — verify against the standard).

The code sizes a berth deterministically: a berth is productive for
``Ty · ρ · t_d`` hours a year (operating days × utilisation × working hours per
day), and each ship call occupies it for the handling time ``Q / p`` plus the
auxiliary time ``t_f`` (berthing, unberthing, lashing, inspection). The annual
capacity is the number of calls that fit, times the cargo per call:

    Pt = Ty · ρ · Q · t_d / (Q / p + t_f)

For containers ``Q`` is in TEU and the berth handling rate ``p`` in TEU/h:

    p = n · P1 · K1 · K2 · (1 − K3) · K4

where ``P1`` is the quay-crane base rate in *boxes*/h and ``K1`` (TEU per box)
converts boxes to TEU, so ``Pt`` is in TEU/yr. For bulk cargo ``Q`` is in tonnes
and ``p`` is the ship loading/unloading rate in t/h, so ``Pt`` is in t/yr.

Queueing is not in the formula: the utilisation ρ is the planner's allowance for
ship waiting (see :mod:`portsim.theory` for the waiting time it implies).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = ["PORT_FILE_BASIS", "ContainerBerthInputs", "DesignBasis", "bulk_berth_capacity",
           "container_berth_capacity"]


@dataclass(frozen=True)
class DesignBasis:
    """The operating days ``Ty`` and berth utilisation ``ρ`` a port file's design
    capacities were computed on: one basis for every design-code capacity portsim shows,
    so that they can be compared with the port file's own."""

    operating_days: float
    utilisation: dict[str, float]
    """ρ by cargo family."""
    hours_per_day: float
    source: str
    name: str = "port-file basis"
    """How the answer names the basis."""

    def rho(self, cargo: str) -> float:
        """ρ of a cargo family (the container value for a family the basis omits)."""
        return self.utilisation.get(cargo, self.utilisation["container"])


PORT_FILE_BASIS = DesignBasis(
    operating_days=350.0,
    utilisation={"container": 0.65, "dry_bulk": 0.65, "general": 0.60, "liquid_bulk": 0.50,
                 "lng": 0.50, "ro_ro": 0.60},
    hours_per_day=24.0,
    source="berths.yaml header: container berths sized with the JTS 165 formula at Ty 350 d, "
           "ρ 0.65, t_d 24 h; other berths' rates (R) at Ty 350 d, ρ 0.65 dry bulk / 0.60 "
           "general / 0.50 liquid (lng and ro-ro: assumption, as liquid and general)",
)
"""The basis of the port file's design capacities (berths.yaml): 350 operating days,
ρ 0.65 for container berths (JTS 165 planning practice, inside its 0.50–0.70 range)."""


def _check(
    name: str,
    value: float,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
    typical: str = "",
) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` lies in the physical range."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        upper = "inf" if math.isinf(high) else f"{high:g}"
        hint = f"; typical {typical}" if typical else ""
        raise ValueError(
            f"{name} must be a number in {left}{low:g}, {upper}{right}{hint}, got {value!r}"
        )


def _common_checks(
    operating_days: float, utilisation: float, hours_per_day: float, auxiliary_hours: float
) -> None:
    _check("operating_days", operating_days, 0.0, 366.0, low_open=True, typical="333–350 d/yr")
    _check("utilisation", utilisation, 0.0, 1.0, low_open=True, typical="0.50–0.70")
    _check("hours_per_day", hours_per_day, 0.0, 24.0, low_open=True, typical="22–24 h")
    _check("auxiliary_hours", auxiliary_hours, 0.0, math.inf, high_open=True, typical="3–5 h")


def _capacity(
    operating_days: float,
    utilisation: float,
    cargo_per_call: float,
    hours_per_day: float,
    handling_rate: float,
    auxiliary_hours: float,
) -> float:
    """Productive berth hours per year divided by berth hours per call, times cargo per call."""
    hours_per_call = cargo_per_call / handling_rate + auxiliary_hours
    return operating_days * utilisation * cargo_per_call * hours_per_day / hours_per_call


@dataclass(frozen=True)
class ContainerBerthInputs:
    """Inputs of the JTS 165 container-berth capacity formula (one berth).

    Symbols of JTS 165-2013 §7.10.7 (as reproduced in a design thesis; reconstructed
    form — verify against the standard), with the typical ranges quoted there:

    * ``operating_days`` — Ty, berth operating days per year (333–350).
    * ``utilisation`` — ρ, berth utilisation (0.50–0.70).
    * ``teu_per_call`` — Q, TEU loaded + discharged per ship call (TEU, not boxes).
    * ``hours_per_day`` — t_d, working hours per day (22–24).
    * ``auxiliary_hours`` — t_f, auxiliary + berthing/unberthing hours per call (3–5).
    * ``crane_rate_boxes_per_h`` — P1, quay-crane base rate in boxes/h.
    * ``cranes_per_ship`` — n, quay cranes working one ship (may be a fractional average).
    * ``teu_factor`` — K1, TEU per box (1.1–1.9).
    * ``simultaneity`` — K2, simultaneous-working factor of the cranes (0.85–0.95).
    * ``rehandle_share`` — K3, share of rehandle (non-productive) moves (0–0.05).
    * ``twin_lift_factor`` — K4, twin-lift/dual-trolley uplift (1.05–1.25).

    Values are checked against *physical* limits (wider than the typical ranges)
    on construction; a violation raises ``ValueError`` naming the field.
    """

    operating_days: float
    utilisation: float
    teu_per_call: float
    hours_per_day: float
    auxiliary_hours: float
    crane_rate_boxes_per_h: float
    cranes_per_ship: float
    teu_factor: float
    simultaneity: float
    rehandle_share: float
    twin_lift_factor: float

    def __post_init__(self) -> None:
        _common_checks(
            self.operating_days, self.utilisation, self.hours_per_day, self.auxiliary_hours
        )
        _check("teu_per_call", self.teu_per_call, 0.0, math.inf, low_open=True, high_open=True)
        _check(
            "crane_rate_boxes_per_h",
            self.crane_rate_boxes_per_h,
            0.0,
            math.inf,
            low_open=True,
            high_open=True,
            typical="25–40 boxes/h",
        )
        _check(
            "cranes_per_ship",
            self.cranes_per_ship,
            0.0,
            math.inf,
            low_open=True,
            high_open=True,
            typical="2–6",
        )
        _check("teu_factor", self.teu_factor, 1.0, 2.25, typical="1.1–1.9 TEU/box")
        _check("simultaneity", self.simultaneity, 0.0, 1.0, low_open=True, typical="0.85–0.95")
        _check("rehandle_share", self.rehandle_share, 0.0, 1.0, high_open=True, typical="0–0.05")
        _check("twin_lift_factor", self.twin_lift_factor, 1.0, 2.0, typical="1.05–1.25")

    @property
    def handling_rate_teu_per_h(self) -> float:
        """Berth handling rate p = n · P1 · K1 · K2 · (1 − K3) · K4 in TEU/h."""
        return (
            self.cranes_per_ship
            * self.crane_rate_boxes_per_h
            * self.teu_factor
            * self.simultaneity
            * (1.0 - self.rehandle_share)
            * self.twin_lift_factor
        )


def container_berth_capacity(inputs: ContainerBerthInputs) -> float:
    """Annual capacity of one container berth in TEU/yr (JTS 165-2013 §7.10.7).

    ``Pt = Ty · ρ · Q · t_d / (Q/p + t_f)`` with ``p`` from
    :attr:`ContainerBerthInputs.handling_rate_teu_per_h` (as reproduced in a design
    thesis; reconstructed form — verify against the standard). With ``t_f = 0`` it
    reduces to ``Ty · ρ · t_d · p``: the berth handles cargo all its productive hours.
    """
    if not isinstance(inputs, ContainerBerthInputs):
        raise TypeError(f"inputs must be a ContainerBerthInputs, got {type(inputs).__name__}")
    return _capacity(
        inputs.operating_days,
        inputs.utilisation,
        inputs.teu_per_call,
        inputs.hours_per_day,
        inputs.handling_rate_teu_per_h,
        inputs.auxiliary_hours,
    )


def bulk_berth_capacity(
    operating_days: float,
    utilisation: float,
    tonnes_per_call: float,
    loading_rate_t_per_h: float,
    hours_per_day: float,
    auxiliary_hours: float,
) -> float:
    """Annual capacity of one bulk berth in t/yr (JTS 165-2013 §7.10.7 structure).

    Same form as the container formula with the handling time per call equal to
    ``tonnes_per_call / loading_rate_t_per_h`` (effective berth rate in t/h):
    ``Pt = Ty · ρ · Q · t_d / (Q/p + t_f)`` (as reproduced in a design thesis;
    reconstructed form — verify against the standard).
    """
    _common_checks(operating_days, utilisation, hours_per_day, auxiliary_hours)
    _check("tonnes_per_call", tonnes_per_call, 0.0, math.inf, low_open=True, high_open=True)
    _check(
        "loading_rate_t_per_h", loading_rate_t_per_h, 0.0, math.inf, low_open=True, high_open=True
    )
    return _capacity(
        operating_days,
        utilisation,
        tonnes_per_call,
        hours_per_day,
        loading_rate_t_per_h,
        auxiliary_hours,
    )
