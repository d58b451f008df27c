"""The Pinglu Canal's planning questions: how many transfer berths each cargo needs, what
the canal does to sea-going ships' waits, and which canal limit binds first.

Transfer berths (:func:`search`): the fewest that hold the service criterion, by a
small search over berth counts with paired replications.

The capacity search (:mod:`portsim.experiments.capacity`) scales demand; here the
demand is fixed and the number of berths varies, so this is its own search:

1. Every group of ``canal.transfer_berths`` (one transfer terminal, one cargo) starts at
   the fewest berths that can carry its offered load at all: ``ceil(calls a year ×
   mean berth hours / 8,760)`` (utilisation below 1), the berth hours measured in a
   first run of the scenario as written.
2. All groups are evaluated together on the same replications (seeds 0 … n − 1 of the
   scenario: common random numbers, so counts are compared on the same ships): the
   criterion is the waiting factor of the terminal's calls (mean wait for a berth /
   mean berth time, :func:`~portsim.experiments.capacity.measure`) against the
   cargo's limit ``rules.threshold(cargo).waiting_factor`` — met when the mean over
   the replications is at most the limit.
3. A group that fails gets one more berth; a group that passes is settled. Repeat until
   every group passes (or ``max_berths``).

The answer per group: the berths needed, the waiting factor there with its 95 % CI, and
the one berth fewer's (which failed), so a planner sees the margin.

Effect on sea-going ships (:func:`sea_going_effect`): the port with and without the
canal on the same seeds; per replication the mean wait (all causes, and berth, channel,
pilot) of the sea-going calls arriving in the window, and the paired difference with
its 95 % CI (Student t over the replications).

What binds first (:func:`what_binds`): every canal-related limit of one run as a
stress (value / limit): the lock hubs (slot utilisation vs
``canal.lock_utilisation_limit``), the transfer terminals (waiting factor vs the
cargo's limit), the channel segments the river-sea ships share with sea-going ships
(the share of time the segment is held one-way — by a ship above its two-way limit,
or by any ship under the one-at-a-time rule — vs ``SHARED_SEGMENT_LIMIT``; two-way
traffic does not queue, so plain occupancy is no limit), and the pilots (utilisation vs
``POOL_LIMIT``); the largest stress binds first.

Run: ``python -m portsim.experiments.canal berths scenarios/pinglu-2030.yaml -n 3``;
``python -m portsim.experiments.canal effect scenarios/plan-2025.yaml
scenarios/pinglu-2030.yaml -n 3``; ``python -m portsim.experiments.canal binds
scenarios/pinglu-2030.yaml``.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from portsim.config.canal import is_canal_flow
from portsim.config.load import load_scenario
from portsim.experiments.capacity import measure
from portsim.simulate import mean_ci, simulate

HOURS_PER_YEAR = 8760.0
SHARED_SEGMENT_LIMIT = 0.7
"""Share of time a segment is held one-way above which traffic queues (assumption: the
planning band top of berths, 0.7, for a segment as a single server; no channel
standard found)."""
POOL_LIMIT = 0.8
"""Utilisation of the pilot pool above which ships wait for pilots (assumption: a pool
of ~20 servers keeps waits short to ~80 %, Erlang C)."""


@dataclass
class GroupResult:
    """The search's answer for one group of transfer berths."""

    terminal: str
    cargo: str
    limit: float
    tried: dict[int, list[float]] = field(default_factory=dict)  # berths -> WF per rep
    needed: int | None = None

    def row(self) -> dict:
        mean, half, _ = mean_ci(self.tried.get(self.needed, [])) if self.needed else (
            math.nan, math.nan, 0)
        fewer = self.tried.get((self.needed or 0) - 1)
        f_mean = mean_ci(fewer)[0] if fewer else math.nan
        return {"terminal": self.terminal, "cargo": self.cargo, "berths_needed": self.needed,
                "waiting_factor": mean, "ci95": half, "limit": self.limit,
                "one_fewer_waiting_factor": f_mean}


def with_berth_counts(path: str, counts: dict[int, int]):
    """The scenario at ``path`` with ``canal.transfer_berths[i].count`` set to
    ``counts[i]`` (also when the canal block is inherited through ``extends``)."""
    from portsim.config.load import apply_changes, read_yaml, resolve_extends, scenario_from_dict

    data = resolve_extends(read_yaml(path), path)
    changes = {f"canal.transfer_berths[{i}].count": n for i, n in counts.items()}
    return scenario_from_dict(apply_changes(data, changes, str(path)), path)


def _waiting_factors(path: str, counts: dict[int, int], replications: int,
                     horizon_days: float | None) -> dict[str, list[float]]:
    """Waiting factor of each transfer terminal's calls, per replication."""
    sc = with_berth_counts(path, counts)
    if horizon_days is not None:
        sc = sc.with_run(horizon_days=horizon_days)
    groups = sc.canal.transfer_berths if sc.canal else []
    out: dict[str, list[float]] = {g.terminal: [] for g in groups}
    for r in range(replications):
        calls = simulate(sc, r).calls
        for g in groups:
            mine = calls[(calls["terminal"].astype(str) == g.terminal).to_numpy()]
            out[g.terminal].append(measure(mine, g.cargo, "waiting_factor"))
    return out


def offered_berths(path: str, horizon_days: float | None = None) -> dict[str, float]:
    """Berths' worth of work each transfer terminal is offered (calls a year × mean
    berth hours / 8,760), from one run of the scenario as written."""
    sc = load_scenario(path)
    if horizon_days is not None:
        sc = sc.with_run(horizon_days=horizon_days)
    calls = simulate(sc, 0).calls
    calls = calls[calls["in_window"].to_numpy()]
    years = sc.run.horizon_days / 365.0
    out = {}
    for g in sc.canal.transfer_berths if sc.canal else []:
        mine = calls[(calls["terminal"].astype(str) == g.terminal).to_numpy()]
        out[g.terminal] = len(mine) / years * float(mine["berth_h"].mean()) / HOURS_PER_YEAR
    return out


def search(path: str, replications: int = 3, horizon_days: float | None = None,
           max_berths: int = 30) -> list[GroupResult]:
    """The fewest berths per transfer group that hold the waiting-factor criterion."""
    sc = load_scenario(path)
    if sc.canal is None or sc.canal.transfer != "transfer_berths":
        raise ValueError(f"{path}: no canal transfer berths to size")
    groups = sc.canal.transfer_berths
    results = [GroupResult(g.terminal, g.cargo, sc.rules.threshold(g.cargo).waiting_factor)
               for g in groups]
    load = offered_berths(path, horizon_days)
    counts = {i: max(1, math.ceil(load[g.terminal] + 1e-9)) for i, g in enumerate(groups)}
    while True:
        wf = _waiting_factors(path, counts, replications, horizon_days)
        open_groups = False
        for i, (g, res) in enumerate(zip(groups, results, strict=True)):
            if res.needed is not None:
                continue
            res.tried[counts[i]] = wf[g.terminal]
            mean = float(np.nanmean(wf[g.terminal])) if wf[g.terminal] else math.nan
            if mean <= res.limit or counts[i] >= max_berths:
                res.needed = counts[i]
                if counts[i] > 1 and counts[i] - 1 not in res.tried:
                    res.tried[counts[i] - 1] = _waiting_factors(
                        path, {**counts, i: counts[i] - 1}, replications,
                        horizon_days)[g.terminal]
            else:
                counts[i] += 1
                open_groups = True
        if not open_groups:
            return results


def _sea_going_waits(path: str, replication: int, horizon_days: float | None
                     ) -> dict[str, float]:
    sc = load_scenario(path)
    if horizon_days is not None:
        sc = sc.with_run(horizon_days=horizon_days)
    calls = simulate(sc, replication).calls
    sea = calls["in_window"].to_numpy() & ~calls["flow"].astype(str).map(
        is_canal_flow).to_numpy(dtype=bool)
    g = calls[sea]
    box = g[(g["cargo"].astype(str) == "container").to_numpy()]
    return {"wait_total_h": float(g["wait_total_h"].mean()),
            "wait_berth_h": float(g["wait_berth_h"].mean()),
            "wait_channel_h": float(g["wait_channel_h"].mean()),
            "wait_pilot_h": float(g["wait_pilot_h"].mean()),
            "container_wait_total_h": float(box["wait_total_h"].mean())}


def sea_going_effect(base: str, with_canal: str, replications: int = 3,
                     horizon_days: float | None = None):
    """Mean waits of the sea-going calls without and with the canal, and the paired
    difference (with − without) with its 95 % CI, per wait kind."""
    import pandas as pd

    pairs = [(_sea_going_waits(base, r, horizon_days),
              _sea_going_waits(with_canal, r, horizon_days)) for r in range(replications)]
    rows = []
    for kpi in pairs[0][0]:
        a = [p[0][kpi] for p in pairs]
        b = [p[1][kpi] for p in pairs]
        diff, half, _ = mean_ci([y - x for x, y in zip(a, b, strict=True)])
        rows.append({"kpi": kpi, "without": float(np.mean(a)), "with": float(np.mean(b)),
                     "difference": diff, "ci95": half})
    return pd.DataFrame(rows)


def what_binds(path: str, replication: int = 0, horizon_days: float | None = None):
    """The canal-related limits of one run, most stressed first (stress = value / limit)."""
    import pandas as pd

    sc = load_scenario(path)
    if horizon_days is not None:
        sc = sc.with_run(horizon_days=horizon_days)
    canal = sc.canal
    if canal is None:
        raise ValueError(f"{path}: no canal")
    res = simulate(sc, replication)
    calls, tables = res.calls, res.tables
    rows = []
    for _, hub in tables["locks"].iterrows():
        rows.append(("lock hub", hub["hub"], "slot utilisation", hub["slot_utilisation"],
                     canal.lock_utilisation_limit))
    for g in canal.transfer_berths:
        mine = calls[(calls["terminal"].astype(str) == g.terminal).to_numpy()]
        rows.append(("transfer berths", g.terminal, "waiting factor",
                     measure(mine, g.cargo, "waiting_factor"),
                     sc.rules.threshold(g.cargo).waiting_factor))
    mouth = canal.channel.mouth.id
    canal_segs = {s for r in sc.port.routes if r.anchorage == mouth for s in r.segments}
    sea_segs = {s for r in sc.port.routes if r.anchorage != mouth for s in r.segments}
    seg = tables["channel_segments"].set_index("segment")
    for sid in sorted(canal_segs):
        what = "shared segment" if sid in sea_segs else "canal segment"
        rows.append((what, sid, "one-way share", float(seg.loc[sid, "one_way_share"]),
                     SHARED_SEGMENT_LIMIT))
    marine = tables["marine"].set_index("resource")
    if "pilots" in marine.index:
        rows.append(("pilots", "pilots", "utilisation",
                     float(marine.loc["pilots", "utilisation"]), POOL_LIMIT))
    out = pd.DataFrame(rows, columns=["component", "id", "kpi", "value", "limit"])
    out["stress"] = out["value"] / out["limit"]
    return out.sort_values("stress", ascending=False, kind="stable").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    from portsim.errors import InputError

    ap = argparse.ArgumentParser(prog="python -m portsim.experiments.canal",
                                 description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="question", required=True)
    b = sub.add_parser("berths", help="transfer berths needed per cargo")
    b.add_argument("scenario")
    e = sub.add_parser("effect", help="sea-going ships' waits without and with the canal")
    e.add_argument("base")
    e.add_argument("scenario")
    w = sub.add_parser("binds", help="canal limits of one run, most stressed first")
    w.add_argument("scenario")
    for p in (b, e, w):
        p.add_argument("-n", "--replications", type=int, default=3)
        p.add_argument("--horizon-days", type=float, default=None)
    args = ap.parse_args(argv)
    fmt = {"float_format": lambda x: f"{x:.3f}", "index": False}
    try:
        if args.question == "berths":
            table = pd.DataFrame([r.row() for r in search(
                args.scenario, args.replications, args.horizon_days)])
            print(f"Transfer berths needed — {Path(args.scenario).name}, "
                  f"{args.replications} paired replications (waiting factor mean ± 95 % CI "
                  f"vs the cargo's limit)")
        elif args.question == "effect":
            table = sea_going_effect(args.base, args.scenario, args.replications,
                                     args.horizon_days)
            print(f"Sea-going calls' mean waits (h), {Path(args.base).name} vs "
                  f"{Path(args.scenario).name}, {args.replications} paired replications")
        else:
            table = what_binds(args.scenario, 0, args.horizon_days)
            print(f"Canal limits of {Path(args.scenario).name} (replication 0), most "
                  f"stressed first")
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(table.to_string(**fmt))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
