"""The Pinglu Canal's planning questions: how many transfer berths each cargo needs, what
the canal does to sea-going ships' waits, and which canal limit binds first.

Command: ``portsim canal berths|effect|binds SCENARIO…`` (:mod:`portsim.commands.canal`;
``python -m portsim.experiments.canal …`` is the same command). Replications run in
parallel through :mod:`portsim.experiments.runner`; every answer depends on the
scenario's seed and the settings only, not on the number of workers.

Transfer berths (:func:`search`): the fewest berths per transfer group (one transfer
terminal, one cargo) whose service criterion holds, decided with the capacity search's
machinery (:mod:`portsim.experiments.capacity`):

1. The criterion is the capacity search's ``waiting_factor``
   (:func:`~portsim.experiments.capacity.measure`: mean wait for a berth / mean time
   alongside, over the terminal's calls arriving in the window) against the cargo's
   planning limit ``rules.threshold(cargo).waiting_factor``.
2. Every group starts at the fewest berths that can carry its offered load at all:
   ``ceil(calls a year × mean berth hours / 8,760)`` (utilisation below 1), from one run
   of the scenario as written.
3. All groups are evaluated together on the same replications (seeds 0 … n − 1: common
   random numbers, so berth counts are compared on the same ships; one run measures
   every group). A count **holds** when the 95 % CI of the mean criterion over the
   replications lies at or below the limit, **fails** when it lies above; while the
   limit is inside the CI, replications are added with the capacity search's stopping
   rule (:func:`~portsim.experiments.capacity.replications_for` with the distance from
   the mean to the limit as the half-width wanted, batches at most doubling,
   :func:`~portsim.experiments.capacity.next_batch`) up to ``max_replications``; still
   undecided there, the mean decides and the row says "limit inside the CI".
4. A group that fails gets one more berth; one that holds is settled (the others keep
   their counts meanwhile). The one-fewer count is evaluated on the same replications
   if the search did not pass through it, so the answer shows the margin.

The answer per group: berths needed, the criterion there with its 95 % CI and status,
and the one fewer's.

Effect on sea-going ships (:func:`sea_going_effect`): the port with and without the
canal on the same seeds; per replication the mean wait (all causes, and berth, channel,
pilot) of the sea-going calls arriving in the window, and the paired difference with
its 95 % CI (Student t over the replications).

What binds first (:func:`what_binds`): every canal-related limit as a stress (value /
limit), averaged over the replications: the lock hubs (slot utilisation vs
``canal.lock_utilisation_limit``), the transfer terminals (waiting factor vs the
cargo's limit), the channel segments the river-sea ships share with sea-going ships
(the share of time the segment is held one-way vs ``canal.shared_segment_limit``; the
registered component ``shared_segments``), the yards and stockpiles the transferred
cargo goes through (their registered limits, as the verdict judges them), and the
pilots (utilisation vs ``POOL_LIMIT``); the largest stress binds first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from concurrent.futures import Executor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portsim.config.canal import is_canal_flow
from portsim.config.scenario import Scenario
from portsim.experiments.capacity import measure, next_batch, replications_for
from portsim.experiments.runner import TaskQueue, open_executor
from portsim.simulate import mean_ci

HOURS_PER_YEAR = 8760.0
POOL_LIMIT = 0.8
"""Utilisation of the pilot pool above which ships wait for pilots (assumption: a pool
of ~20 servers keeps waits short to ~80 %, Erlang C)."""


def canal_scenario(path: str | Path, changes: Mapping[str, Any] | None = None,
                   counts: Mapping[int, int] | None = None,
                   horizon_days: float | None = None) -> Scenario:
    """The scenario at ``path`` with ``changes`` (``PATH: VALUE``, as ``--set``) and
    ``canal.transfer_berths[i].count = counts[i]`` applied after its ``extends`` chain
    is resolved (so an inherited ``canal:`` block can be changed), validated like the
    file: bad input is an :class:`~portsim.errors.InputError` naming the file and path."""
    from portsim.config.load import apply_changes, read_yaml, resolve_extends, scenario_from_dict

    data = resolve_extends(read_yaml(path), path)
    every = {**(changes or {}),
             **{f"canal.transfer_berths[{i}].count": n for i, n in (counts or {}).items()}}
    if horizon_days is not None:  # validated like the file's run.horizon_days
        every["run.horizon_days"] = horizon_days
    if every:
        data = apply_changes(data, every, str(path))
    return scenario_from_dict(data, path)


def _with_horizon(sc: Scenario, horizon_days: float | None) -> Scenario:
    """``sc`` with another run horizon, checked as the file's ``run.horizon_days`` is."""
    if horizon_days is None:
        return sc
    from pydantic import ValidationError

    from portsim.config.scenario import RunSettings
    from portsim.errors import InputError, Problem

    try:
        run = RunSettings.model_validate({**sc.run.model_dump(), "horizon_days": horizon_days})
    except ValidationError as exc:
        why = exc.errors()[0]["msg"] if exc.errors() else str(exc)
        raise InputError([Problem("--horizon-days", "run.horizon_days",
                                  f"{why} (got {horizon_days})")]) from None
    return sc.model_copy(update={"run": run})


def with_berth_counts(path: str | Path, counts: Mapping[int, int]) -> Scenario:
    """The scenario at ``path`` with ``canal.transfer_berths[i].count = counts[i]`` (also
    when the canal block is inherited through ``extends``)."""
    return canal_scenario(path, None, counts)


def _calls(sc: Scenario, replication: int) -> pd.DataFrame:
    """The call table of one replication (no component tables: the searches need none)."""
    from portsim.simulate import simulate_calls

    return simulate_calls(sc, replication)


def terminal_criteria(sc: Scenario, replication: int) -> dict[str, float]:
    """The waiting factor of each transfer terminal's calls in one replication (a worker
    task)."""
    calls = _calls(sc, replication)
    terminal = calls["terminal"].astype(str).to_numpy()
    return {g.terminal: measure(calls[terminal == g.terminal], g.cargo, "waiting_factor")
            for g in (sc.canal.transfer_berths if sc.canal else [])}


def decide(values: list[float], limit: float) -> str:
    """``holds`` (the 95 % CI of the mean lies at or below ``limit``), ``fails`` (above
    it), ``limit inside the CI`` or ``no calls``."""
    mean, half, n = mean_ci(values)
    if n == 0:
        return "no calls"
    if n > 1 and mean + half <= limit:
        return "holds"
    if n > 1 and mean - half > limit:
        return "fails"
    return "limit inside the CI"


@dataclass
class GroupResult:
    """The search's answer for one group of transfer berths."""

    terminal: str
    cargo: str
    limit: float
    tried: dict[int, list[float]] = field(default_factory=dict)  # berths -> WF per rep
    needed: int | None = None

    def summary(self, count: int | None) -> tuple[float, float, str]:
        values = self.tried.get(count, []) if count is not None else []
        if not values:
            return math.nan, math.nan, ""
        mean, half, _ = mean_ci(values)
        return mean, half, decide(values, self.limit)

    def row(self) -> dict[str, Any]:
        mean, half, status = self.summary(self.needed)
        fewer = (self.needed or 0) - 1
        f_mean, f_half, f_status = self.summary(fewer if fewer in self.tried else None)
        return {"terminal": self.terminal, "cargo": self.cargo, "berths_needed": self.needed,
                "waiting_factor": mean, "ci95": half, "limit": self.limit, "status": status,
                "replications": len(self.tried.get(self.needed, [])) if self.needed else 0,
                "one_fewer": fewer if fewer in self.tried else None,
                "one_fewer_waiting_factor": f_mean, "one_fewer_ci95": f_half,
                "one_fewer_status": f_status}


class _Runs:
    """Runs of berth-count variants, each replication once, in parallel on ``pool``."""

    def __init__(self, path: str | Path, changes: Mapping[str, Any] | None,
                 horizon_days: float | None, pool: Executor | None):
        self.path, self.changes, self.horizon_days = path, changes, horizon_days
        self.queue = TaskQueue(pool)
        self.done: dict[tuple[tuple[int, ...], int], dict[str, float]] = {}
        self.runs = 0

    def values(self, counts: dict[int, int], n: int) -> dict[str, list[float]]:
        """Each terminal's criterion in replications 0 … n − 1 of the variant."""
        key = tuple(counts[i] for i in sorted(counts))
        todo = [r for r in range(n) if (key, r) not in self.done]
        if todo:
            sc = canal_scenario(self.path, self.changes, counts, self.horizon_days)
            for r in todo:
                self.queue.submit(r, terminal_criteria, sc, r)
            while len(self.queue):
                for r, ok, value in self.queue.next_done():
                    if not ok:
                        raise RuntimeError(f"replication {r} of berth counts {key} "
                                           f"failed: {type(value).__name__}: {value}")
                    self.done[(key, int(r))] = value  # type: ignore[call-overload]
                    self.runs += 1
        per_rep = [self.done[(key, r)] for r in range(n)]
        return {t: [v[t] for v in per_rep] for t in per_rep[0]} if per_rep else {}


def offered_berths(sc: Scenario | str | Path) -> dict[str, float]:
    """Berths' worth of work each transfer terminal is offered (calls a year × mean
    berth hours / 8,760), from replication 0 of the scenario as written."""
    if not isinstance(sc, Scenario):
        sc = canal_scenario(sc)
    calls = _calls(sc, 0)
    calls = calls[calls["in_window"].to_numpy()]
    years = sc.run.horizon_days / 365.0
    terminal = calls["terminal"].astype(str).to_numpy()
    out = {}
    for g in sc.canal.transfer_berths if sc.canal else []:
        mine = calls[terminal == g.terminal]
        out[g.terminal] = (len(mine) / years * float(mine["berth_h"].mean()) / HOURS_PER_YEAR
                           if len(mine) else 0.0)
    return out


def search(path: str | Path, replications: int = 3, horizon_days: float | None = None,
           max_berths: int = 30, *, changes: Mapping[str, Any] | None = None,
           max_replications: int = 20, workers: int | None = 1, scheduler: str | None = None,
           executor: Executor | None = None) -> list[GroupResult]:
    """The fewest berths per transfer group that hold the waiting-factor criterion (see
    the module docstring). ``replications``: the first batch (at least 2); more are
    added while a count's CI straddles the limit, up to ``max_replications``."""
    from portsim.errors import InputError

    if replications < 2 or max_replications < replications:
        raise InputError.single("--replications", "", "need 2 <= replications <= "
                                "--max-replications")
    sc = canal_scenario(path, changes, None, horizon_days)
    if sc.canal is None or sc.canal.transfer != "transfer_berths" \
            or not sc.canal.transfer_berths:
        raise InputError.single(str(path), "canal.transfer_berths",
                                "no canal transfer berths to size (a canal: block with "
                                "transfer: transfer_berths and transfer_berths: is needed)")
    groups = sc.canal.transfer_berths
    results = [GroupResult(g.terminal, g.cargo, sc.rules.threshold(g.cargo).waiting_factor)
               for g in groups]
    load = offered_berths(sc)
    counts = {i: max(1, math.ceil(load[g.terminal] + 1e-9)) for i, g in enumerate(groups)}
    ctx = open_executor(workers, scheduler) if executor is None else nullcontext(executor)
    with ctx as pool:
        runs = _Runs(path, changes, horizon_days, pool)
        try:
            while any(r.needed is None for r in results):
                open_ = [i for i, r in enumerate(results) if r.needed is None]
                n = replications
                while True:  # add replications while some open group is undecided
                    wf = runs.values(counts, n)
                    want = n
                    for i in open_:
                        v, limit = wf[groups[i].terminal], results[i].limit
                        if decide(v, limit) == "limit inside the CI" and n < max_replications:
                            finite = np.asarray(v, float)[np.isfinite(v)]
                            gap = abs(float(finite.mean()) - limit) if len(finite) else 0.0
                            need = (replications_for(finite, gap) if gap > 0
                                    and len(finite) > 1 else max_replications)
                            want = max(want, next_batch(n, need, max_replications).stop)
                    if want == n:
                        break
                    n = want
                for i in open_:
                    res, v = results[i], wf[groups[i].terminal]
                    res.tried[counts[i]] = v
                    status = decide(v, res.limit)
                    holds = status in ("holds", "no calls") or (
                        status == "limit inside the CI" and float(np.nanmean(v)) <= res.limit)
                    if holds or counts[i] >= max_berths:
                        res.needed = counts[i]
                        if counts[i] > 1 and counts[i] - 1 not in res.tried:
                            res.tried[counts[i] - 1] = runs.values(
                                {**counts, i: counts[i] - 1}, n)[groups[i].terminal]
                    else:
                        counts[i] += 1
        except BaseException:
            runs.queue.cancel()
            raise
    return results


def berths_table(results: list[GroupResult]) -> pd.DataFrame:
    """One row per transfer group (see :meth:`GroupResult.row`)."""
    return pd.DataFrame([r.row() for r in results])


def _sea_going_waits(sc: Scenario, replication: int) -> dict[str, float]:
    """Mean waits of the sea-going calls arriving in the window (a worker task)."""
    calls = _calls(sc, replication)
    sea = calls["in_window"].to_numpy() & ~calls["flow"].astype(str).map(
        is_canal_flow).to_numpy(dtype=bool)
    g = calls[sea]
    box = g[(g["cargo"].astype(str) == "container").to_numpy()]
    return {"wait_total_h": float(g["wait_total_h"].mean()),
            "wait_berth_h": float(g["wait_berth_h"].mean()),
            "wait_channel_h": float(g["wait_channel_h"].mean()),
            "wait_pilot_h": float(g["wait_pilot_h"].mean()),
            "container_wait_total_h": float(box["wait_total_h"].mean())}


def _per_replication(tasks: dict[Any, tuple], workers: int | None, scheduler: str | None,
                     executor: Executor | None) -> dict[Any, Any]:
    """Run ``{tag: (fn, *args)}`` through the runner; results by tag."""
    ctx = open_executor(workers, scheduler) if executor is None else nullcontext(executor)
    out: dict[Any, Any] = {}
    with ctx as pool:
        queue = TaskQueue(pool)
        for tag, (fn, *args) in tasks.items():
            queue.submit(tag, fn, *args)
        try:
            while len(queue):
                for tag, ok, value in queue.next_done():
                    if not ok:
                        raise RuntimeError(f"run {tag} failed: {type(value).__name__}: "
                                           f"{value}")
                    out[tag] = value
        except BaseException:
            queue.cancel()
            raise
    return out


def sea_going_effect(base: str | Path | Scenario, with_canal: str | Path | Scenario,
                     replications: int = 3, horizon_days: float | None = None, *,
                     workers: int | None = 1, scheduler: str | None = None,
                     executor: Executor | None = None) -> pd.DataFrame:
    """Mean waits of the sea-going calls without and with the canal, and the paired
    difference (with − without) with its 95 % CI, per wait kind."""
    pair = [_with_horizon(x, horizon_days) if isinstance(x, Scenario)
            else canal_scenario(x, horizon_days=horizon_days) for x in (base, with_canal)]
    got = _per_replication({(k, r): (_sea_going_waits, pair[k], r)
                            for r in range(replications) for k in (0, 1)},
                           workers, scheduler, executor)
    rows = []
    for kpi in got[(0, 0)]:
        a = [got[(0, r)][kpi] for r in range(replications)]
        b = [got[(1, r)][kpi] for r in range(replications)]
        diff, half, _ = mean_ci([y - x for x, y in zip(a, b, strict=True)])
        rows.append({"kpi": kpi, "without": float(np.mean(a)), "with": float(np.mean(b)),
                     "difference": diff, "ci95": half})
    return pd.DataFrame(rows)


def _limits_of_run(sc: Scenario, replication: int) -> list[tuple]:
    """The canal-related limits of one replication (a worker task)."""
    from portsim.simulate import simulate

    canal = sc.canal
    assert canal is not None
    res = simulate(sc, replication)
    calls, tables = res.calls, res.tables
    rows = []
    for _, hub in tables["locks"].iterrows():
        rows.append(("lock hub", hub["hub"], "slot utilisation", hub["slot_utilisation"],
                     canal.lock_utilisation_limit))
    terminal = calls["terminal"].astype(str).to_numpy()
    for g in canal.transfer_berths if canal.transfer == "transfer_berths" else []:
        rows.append(("transfer berths", g.terminal, "waiting factor",
                     measure(calls[terminal == g.terminal], g.cargo, "waiting_factor"),
                     sc.rules.threshold(g.cargo).waiting_factor))
    if "shared_segments" in tables:
        for _, seg in tables["shared_segments"].iterrows():
            what = "shared segment" if seg["shared"] else "canal segment"
            rows.append((what, seg["segment"], "one-way share",
                         float(seg["one_way_share"]), canal.shared_segment_limit))
    rows += _yard_limits(sc, tables)
    marine = tables["marine"].set_index("resource") if "marine" in tables else None
    if marine is not None and "pilots" in marine.index:
        rows.append(("pilots", "pilots", "utilisation",
                     float(marine.loc["pilots", "utilisation"]), POOL_LIMIT))
    return rows


def _yard_limits(sc: Scenario, tables: Mapping[str, pd.DataFrame]) -> list[tuple]:
    """The yards the canal's boxes go through (the transfer berths' ``yard``) and the
    stockpiles its bulk goes through, each judged by its registered limit
    (:mod:`portsim.model.components`: yard utilisation against the top of
    ``landside.yard.utilisation_band``, stockpile utilisation against the top of
    ``canal.stockpile_utilisation_band``) — the limit the verdict reads, in one place."""
    from portsim.model.components import STOCKPILE, YARD

    canal = sc.canal
    assert canal is not None
    yards = {g.yard for g in canal.transfer_berths if getattr(g, "yard", None)}
    rows = []
    for component, name, keep in ((YARD, "transfer yard", yards.__contains__),
                                  (STOCKPILE, "stockpile", lambda _id: True)):
        for spec in component.limits:
            table = tables.get(spec.table)
            if table is None or table.empty:
                continue
            for _, row in table.iterrows():
                if keep(str(row[spec.id_column])):
                    rows.append((name, str(row[spec.id_column]), spec.kpi,
                                 float(row[spec.kpi]), float(spec.limit(sc))))
    return rows


def what_binds(path: str | Path | Scenario, replications: int = 1,
               horizon_days: float | None = None, *, workers: int | None = 1,
               scheduler: str | None = None, executor: Executor | None = None
               ) -> pd.DataFrame:
    """The canal-related limits, most stressed first (stress = value / limit; values
    are means over the replications, with the 95 % CI half-width): lock hubs, transfer
    berths, channel segments on canal routes, the transfer yards and stockpiles, and the
    pilots."""
    from portsim.errors import InputError

    sc = (_with_horizon(path, horizon_days) if isinstance(path, Scenario)
          else canal_scenario(path, horizon_days=horizon_days))
    if sc.canal is None:
        raise InputError.single(str(sc.file or path), "canal",
                                "no canal: block in the scenario")
    got = _per_replication({r: (_limits_of_run, sc, r) for r in range(replications)},
                           workers, scheduler, executor)
    frame = pd.DataFrame([(*row, r) for r in range(replications) for row in got[r]],
                         columns=["component", "id", "kpi", "value", "limit", "replication"])
    rows = []
    for (component, id_, kpi), g in frame.groupby(["component", "id", "kpi"], sort=False):
        mean, half, _ = mean_ci(g["value"])
        limit = float(g["limit"].iloc[0])
        rows.append({"component": component, "id": id_, "kpi": kpi, "value": mean,
                     "ci95": half, "limit": limit, "stress": mean / limit})
    out = pd.DataFrame(rows)
    return out.sort_values("stress", ascending=False, kind="stable").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m portsim.experiments.canal …``: the same as ``portsim canal …``."""
    import sys

    from portsim.cli import main as cli_main

    return cli_main(["canal", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
