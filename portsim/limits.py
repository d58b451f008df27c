"""One limit record: every judged thing (a terminal, a yard, a rail terminal, a gate) is
judged once, into a :class:`Limit`, and every reader — the verdict, the preview, the
capacity bottleneck, sweeps and the report — reads the same records.

Terminal rule (:func:`judge_terminal`, the only place it is written):

* **berth utilisation** on the design-code basis (JTS 165: berth-time per berth,
  including berthing/unberthing and the time a berth is held for a ship sailing in;
  see :func:`portsim.results.berths_frame`) against the top of the cargo's planning band
  (``Rules.threshold(cargo).occupancy_band``, JTS 165: 50–70 % for container berths);
* **waiting factor** (mean wait / mean berth time) against the cargo's limit
  (``Rules.threshold(cargo).waiting_factor``; PIANC/UNCTAD practice: 0.10 liner, ~0.30
  bulk);
* ``stress`` is the larger of utilisation / band top and waiting factor / limit; the
  terminal is **over** when either exceeds its limit, **saturated** (stress infinite,
  over) when the caller found its queue has no steady state;
* below the bottom of the band with nothing over it has spare capacity.

The record's ``kpi``/``value``/``limit`` are those of the criterion that gives the
stress; ``reason`` says every criterion that is over, in words for the planner;
``over`` is a boolean of the record — nothing reads "over" from the words.

Readers: :func:`portsim.verdict.terminal_limits` / ``Verdict.limits`` give the records of
a run (``limits_frame`` makes them a table); :func:`portsim.verdict.terminal_table` is the
terminal KPI table with each record's ``stress``, ``over`` and ``judgement`` (= reason)
— what the capacity bottleneck and sweeps read; ``Preview.limits`` the preview's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from portsim.config.scenario import Thresholds

__all__ = ["Limit", "Ranking", "judge_terminal", "limits_frame", "rank_by_stress"]

BERTH_UTILISATION = "berth_utilisation"
WAITING_FACTOR = "waiting_factor"


@dataclass(frozen=True)
class Limit:
    """One judged thing against its planning limit."""

    component: str
    """"terminal", "yard", "rail", "gate"."""
    id: str
    kpi: str
    """The KPI that gives the stress (e.g. ``berth_utilisation``, ``waiting_factor``)."""
    value: float
    limit: float
    stress: float
    """``value / limit`` of the binding criterion; above 1 is over (inf: saturated)."""
    over: bool
    reason: str
    """The judgement in words: every criterion over its limit, or "ok" / spare capacity."""
    ci95: float | None = None
    """Half-width of the 95 % CI of ``value`` over replications (None: not known)."""
    basis: str = ""
    """Where the limit comes from (design code, planning practice, assumption)."""


def judge_terminal(terminal: str, thresholds: Thresholds, berth_utilisation: float,
                   waiting_factor: float, *, saturated: str = "",
                   ci95: dict[str, float] | None = None) -> Limit:
    """Judge one terminal (the rule in the module docstring).

    ``saturated``: a non-empty text ("saturated (ρ ≥ 1)", "queue grows") when the caller
    found that the terminal has no steady state; it then is over with infinite stress.
    ``ci95``: CI half-widths by KPI name, to carry the binding KPI's CI.
    """
    from portsim.labels import t

    band_low, band_top = thresholds.occupancy_band
    wf_limit = float(thresholds.waiting_factor)
    util_stress = berth_utilisation / band_top
    wf_stress = waiting_factor / wf_limit
    if math.isnan(wf_stress) or (not math.isnan(util_stress) and util_stress >= wf_stress):
        kpi, value, limit, stress = BERTH_UTILISATION, berth_utilisation, band_top, util_stress
    else:
        kpi, value, limit, stress = WAITING_FACTOR, waiting_factor, wf_limit, wf_stress
    flags = []
    if saturated:
        flags.append(saturated)
        stress = math.inf
    if berth_utilisation > band_top:
        flags.append("berth utilisation above band")
    if waiting_factor > wf_limit:
        flags.append("waiting factor above limit")
    over = bool(flags)
    if berth_utilisation < band_low and not flags:
        flags.append("below band (spare capacity)")
    basis = t("berth utilisation band {low:.0%}–{top:.0%}, waiting factor {wf:g}: {source}",
              "en", low=band_low, top=band_top, wf=wf_limit, source=thresholds.source)
    return Limit("terminal", terminal, kpi, float(value), float(limit), float(stress), over,
                 "; ".join(flags) or "ok", (ci95 or {}).get(kpi), basis)


def limits_frame(records: Iterable[Limit]) -> pd.DataFrame:
    """The records as a table (one row each, the record's fields as columns), most
    stressed first."""
    rows = [asdict(r) for r in records]
    frame = pd.DataFrame(rows, columns=[f.name for f in fields(Limit)])
    frame["over"] = frame["over"].astype(bool)
    return frame.sort_values("stress", ascending=False, kind="stable",
                             na_position="last").reset_index(drop=True)


NAMED = 5
"""At most this many names of a group that cannot be told apart are spelt out."""


@dataclass(frozen=True)
class Ranking:
    """Judged things ranked by stress, with the paired comparison of the top two.

    The replications share their random numbers by index (common random numbers), so
    the stress of two things in the same replication is compared pairwise: the top one
    is **first** only when the paired 95 % CI of (its stress − the runner-up's) lies
    above 0; otherwise ``group`` holds every thing whose paired difference from the top
    has a CI that reaches 0 (they cannot be told apart)."""

    order: list[str]
    """Ids by mean stress, highest first."""
    stress: dict[str, float]
    """Mean stress over replications."""
    first: str | None
    """The top id when separable from the runner-up, else None."""
    group: list[str]
    """The top and every id that cannot be told apart from it (just the top when it is
    separable or alone)."""
    difference: float
    """Mean paired difference of stress, top − runner-up (NaN: no runner-up)."""
    ci95: float
    """Half-width of its 95 % CI (NaN with fewer than two replications)."""
    replications: int

    def sentence(self, what: str = "first to saturate", lang: str = "en") -> str:
        """The ranking in words for the answer (``lang``: the glossary's language; the
        verdict's one-line answer is English, the report translates it)."""
        from portsim.labels import t

        if not self.order:
            return ""
        top = self.order[0]
        if self.first:
            if len(self.order) < 2:
                return t("{what}: {first}", lang, what=t(what, lang), first=self.first)
            return t("{what}: {first} (stress {stress:.2f}, {diff:.2f} ± {ci:.2f} above "
                     "{runner}, paired over {n} replications)", lang, what=t(what, lang),
                     first=self.first, stress=self.stress[top], diff=self.difference,
                     ci=self.ci95, runner=self.order[1], n=self.replications)
        if self.replications < 2:
            return t("most stressed: {top} (stress {stress:.2f}; one replication, no paired "
                     "CI to separate it from the next)", lang, top=top,
                     stress=self.stress[top])
        names = self.group[:NAMED]
        more = len(self.group) - len(names)
        listed = (t("{names} and {more} more", lang, names=", ".join(names), more=more)
                  if more else t("{names} and {last}", lang, names=", ".join(names[:-1]),
                                 last=names[-1]))
        return t("{what}: {listed} cannot be told apart (stress {stresses}; paired 95 % CI "
                 "over {n} replications)", lang, what=t(what, lang), listed=listed,
                 stresses=", ".join(f"{self.stress[n]:.2f}" for n in names),
                 n=self.replications)


def rank_by_stress(per_replication: pd.DataFrame) -> Ranking:
    """Rank from a table with columns ``replication``, ``id``, ``stress`` (one row per
    thing and replication). Things with no finite stress in some replication are
    compared over the replications where both have one."""
    from portsim.simulate import mean_ci

    wide = per_replication.pivot_table(index="replication", columns="id", values="stress",
                                       aggfunc="mean", sort=True)
    wide = wide.replace([np.inf, -np.inf], np.nan)
    means = wide.mean(axis=0).dropna().sort_values(ascending=False, kind="stable")
    order = [str(i) for i in means.index]
    n = len(wide)
    stress = {str(k): float(v) for k, v in means.items()}
    if len(order) < 2:
        return Ranking(order, stress, order[0] if order else None, order[:1], np.nan,
                       np.nan, n)
    top = order[0]

    def paired(other: str) -> tuple[float, float]:
        d = (wide[top] - wide[other]).dropna()
        mean, half, _ = mean_ci(d.to_numpy())
        if len(d) >= 2 and not np.isfinite(half):  # identical differences: no spread
            half = 0.0
        return mean, half

    diff, half = paired(order[1])
    if np.isfinite(half) and diff - half > 0:
        return Ranking(order, stress, top, [top], diff, half, n)
    group = [top]
    if n >= 2:
        for other in order[1:]:
            d, h = paired(other)
            if not (np.isfinite(h) and d - h > 0):
                group.append(other)
    return Ranking(order, stress, None, group, diff, half, n)
