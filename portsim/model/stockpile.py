"""Bulk terminals' stockpiles (堆场) through which the Pinglu Canal's bulk is transferred.

With ``canal.transfer_flow: through_yard`` a bulk transfer berth group names its
stockpile (``canal.transfer_berths[].stockpile``; ``canal.stockpiles``: a bulk terminal
and a capacity in tonnes). The stockpile keeps a tonnage ledger, built after the run
from the calls' work times (it does not hold up ships: it is judged, not simulated as a
resource):

* **Downbound** (canal → sea). Of the tonnes a bulk barge discharges, ``sea_share``
  continue by sea: the berths' ``ship_to_ship_share`` of them goes straight to a
  sea-going ship alongside (过驳: counted, never stocked), the rest enters the stockpile
  when the barge's work ends, as one lot with a drawn ``canal.transfer_dwell`` (least
  time before it can be loaded). The rest (1 − ``sea_share``) is Qinzhou's own cargo
  (leaves by land, not stocked here). Lots leave on sea-going calls of the traffic's
  ``sea_flow`` at the stockpile's terminal: each such call, when its work starts, loads
  the lots ready by then (oldest first) up to its own tonnes, if they make at least
  ``FULL_CARGO_SHARE`` (half) of them (a bulk carrier is fixed for a cargo, not a part
  load); a lot may be split over calls. What no call takes stays (``down_waiting_t``).
* **Upbound** (sea → canal). A bulk barge loads ``sea_share`` of its upbound tonnes from
  tonnes that sea-going calls of the ``sea_flow`` at the terminal discharged for the
  canal: the latest calls whose work ended at least a drawn ``transfer_dwell`` before the
  barge's work starts (and at most ``transfer_dwell.max_days`` before), each giving up to
  its tonnes. A sea-going bulk call either loads canal cargo or discharges it, not both
  (a bulk ship sails loaded one way): calls that loaded canal cargo give none.
  Those tonnes enter the stockpile when the sea call's work ends and leave when the
  barge's work starts; what no call can give is ``up_short_t``.

Stock = Σ entries − Σ departures, hour by hour; utilisation = mean stock / capacity in
the measurement window, judged against ``canal.stockpile_utilisation_band`` (top), and a
stockpile above its capacity in more than 1 % of hours is over too.

Basis: the tonnage of the sea leg is carried by the sea flow's own calls at the
terminal that stores it; a bulk lot is shipped first in, first out once it is ready.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque

import numpy as np
import pandas as pd

from portsim.config.scenario import Scenario
from portsim.records import RecordLayout
from portsim.streams import stream

FULL_CARGO_SHARE = 0.5
"""A sea-going bulk call loads canal cargo only when the tonnes ready make at least this
share of its cargo (assumption: a bulk carrier is fixed for a cargo, not a part load)."""

OVER_CAPACITY_HOURS = 0.01
"""A stockpile above its capacity in more than this share of hours is over."""


MOVE = RecordLayout(
    "stockpile_moves", ("stockpile", "hour", "tonnes"),
    "tonnes into (+) or out of (−) a stockpile at an hour")
"""The stockpiles' movements, kept as one flat list (:mod:`portsim.records`)."""


def stockpile_ledger(scenario: Scenario, flow: np.ndarray, terminal: np.ndarray,
                     volume: np.ndarray, work_start_h: np.ndarray, work_end_h: np.ndarray,
                     end_h: float, replication: int = 0
                     ) -> tuple[list[dict], list]:
    """The tonnes moved through each stockpile: per stockpile a row of totals, and the
    movements as one flat list laid out as :data:`MOVE` (stockpile id, hour, ± tonnes).
    Calls whose work did not start (NaN) move nothing; a call whose work ends at or after
    ``end_h`` (the end of the run) puts nothing into the stockpile."""
    from portsim.config.canal import canal_flow_id

    canal = scenario.canal
    assert canal is not None
    flows = [f.id for f in scenario.demand]
    terms = [t.id for t in scenario.port.terminals]
    pile_of_term = _pile_of_terminal(scenario)
    s2s_of_term = {g.terminal: g.ship_to_ship_share for g in canal.transfer_berths}
    both: dict[str, dict[str, float]] = {}
    sea_t: dict[str, dict[str, float]] = {}
    sea_flows: dict[str, set[str]] = {}
    for tr in canal.traffic:
        if tr.cargo != "dry_bulk":
            continue
        fid = canal_flow_id(tr.cargo, tr.ship_class)
        both.setdefault(fid, {"down": 0.0, "up": 0.0})[tr.direction] += tr.annual_t
        sea_t.setdefault(fid, {"down": 0.0, "up": 0.0})[tr.direction] += tr.annual_t * \
            tr.sea_share
        if tr.sea_flow is not None:
            sea_flows.setdefault(fid, set()).add(tr.sea_flow)
    rng = stream(scenario.run.seed, replication, "canal:stockpile")
    dwell = canal.transfer_dwell
    moves: list = []  # flat, laid out as MOVE
    rows = []
    my_sea_flows = set().union(*sea_flows.values()) if sea_flows else set()
    flow_idx, term_idx = np.asarray(flow), np.asarray(terminal)
    is_barge = np.array([f in both for f in flows], dtype=bool)[flow_idx]
    is_sea = np.array([f in my_sea_flows for f in flows], dtype=bool)[flow_idx]
    worked = ~np.isnan(np.asarray(work_start_h, dtype=float))
    # per flow and per terminal, then per barge by indexing (no dictionary per barge):
    # a barge's downbound tonnes = volume × down / (down + up) of its flow, of them
    # to_sea = × sea share, s2s = to_sea × its terminal's ship-to-ship share; the same
    # upbound, less the ship-to-ship share
    zero = {"down": 0.0, "up": 0.0}
    down_t = np.array([both.get(f, zero)["down"] for f in flows])
    up_t = np.array([both.get(f, zero)["up"] for f in flows])
    tot_t = down_t + up_t
    sea_down = np.array([sea_t[f]["down"] / both[f]["down"] if f in both and both[f]["down"]
                         else 0.0 for f in flows])
    sea_up = np.array([sea_t[f]["up"] / both[f]["up"] if f in both and both[f]["up"]
                       else 0.0 for f in flows])
    s2s_share = np.array([s2s_of_term.get(t, 0.0) for t in terms])
    vol = np.asarray(volume, float)
    starts_a = np.asarray(work_start_h, float)
    ends_a = np.asarray(work_end_h, float)
    max_back_h = dwell.max_days * 24.0
    for pile in canal.stockpiles:
        # the calls worked at a terminal of this stockpile, in call order: the barges of
        # the canal's bulk flows, and the sea flow's calls at the stockpile's own terminal
        mine = np.array([pile_of_term.get(t) == pile.id for t in terms], dtype=bool)[term_idx]
        at_home = np.array([t == pile.terminal for t in terms], dtype=bool)[term_idx]
        b = np.flatnonzero(mine & worked & is_barge)
        seas = np.flatnonzero(mine & worked & ~is_barge & is_sea & at_home)
        row = {"stockpile": pile.id, "terminal": pile.terminal, "capacity_t": pile.capacity_t,
               "barge_calls": len(b), "sea_calls": len(seas), "barge_discharged_t": 0.0,
               "ship_to_ship_t": 0.0, "to_land_t": 0.0, "down_in_t": 0.0,
               "down_loaded_t": 0.0, "up_need_t": 0.0, "up_in_t": 0.0, "up_short_t": 0.0}
        fb, tb = flow_idx[b], term_idx[b]
        tot = tot_t[fb]
        has = tot > 0
        safe = np.where(has, tot, 1.0)
        # downbound lots, ready at the barge's work end + dwell (the barges discharged in
        # the run; totals summed in call order, as a running sum)
        draws = _dwell_h(dwell, rng, len(b))
        down = np.where(has, vol[b] * down_t[fb] / safe, 0.0)
        to_sea = down * sea_down[fb]
        s2s = to_sea * s2s_share[tb]
        end = ends_a[b]
        done = ~np.isnan(end) & (end < end_h)
        row["barge_discharged_t"] = _running_sum(down[done])
        row["ship_to_ship_t"] = _running_sum(s2s[done])
        row["to_land_t"] = _running_sum((down - to_sea)[done])
        lot_t = (to_sea - s2s)[done]
        lot = lot_t > 0
        lot_t, lot_end = lot_t[lot], end[done][lot]
        lot_ready = lot_end + draws[done][lot]
        moves += MOVE.flat(pile.id, np.floor(lot_end).astype(np.int64), lot_t)
        row["down_in_t"] = _running_sum(lot_t)
        order = np.lexsort((lot_t, lot_end, lot_ready))  # oldest first (as sorted tuples)
        lots_ready, lots_t = lot_ready[order].tolist(), lot_t[order].tolist()
        ready: deque[float] = deque()  # the ready lots' tonnes left, oldest first
        k = 0
        # the sea calls in work-start order (plain lists for the loop: a NumPy item read
        # costs ~10x a list's); loader[j]: the j-th of them loaded canal cargo
        by_start = np.argsort(starts_a[seas], kind="stable")
        loader = np.zeros(len(seas), bool)
        for j, t, room in zip(by_start.tolist(), starts_a[seas][by_start].tolist(),
                              vol[seas][by_start].tolist(), strict=True):
            while k < len(lots_ready) and lots_ready[k] <= t:
                ready.append(lots_t[k])
                k += 1
            if sum(ready) < FULL_CARGO_SHARE * room:
                continue  # not enough for a cargo: the call may discharge for the canal
            while ready and room > 1e-9:
                take = min(room, ready[0])
                ready[0] -= take
                room -= take
                moves += (pile.id, math.floor(t), -take)
                row["down_loaded_t"] += take
                loader[j] = True
                if ready[0] <= 1e-9:
                    ready.popleft()
        # upbound: barges take from the latest sea calls (not loaders) ended by then
        givers = seas[~loader & (ends_a[seas] < end_h)]
        givers = givers[np.argsort(ends_a[givers], kind="stable")]
        ends, left = ends_a[givers].tolist(), vol[givers].tolist()
        # back[q + 1]: a giver at or before q with tonnes left (emptied givers are jumped
        # over with path halving; 0 stands for "none")
        back = list(range(len(givers) + 1))
        up_draws = _dwell_h(dwell, rng, len(b))
        up = np.where(has, vol[b] * up_t[fb] / safe, 0.0)
        needs = up * sea_up[fb]
        needs *= 1.0 - s2s_share[tb]
        by_start = np.argsort(starts_a[b], kind="stable")  # barges in work-start order
        row["up_need_t"] = _running_sum(needs[by_start])
        for need, t_b, w in zip(needs[by_start].tolist(), starts_a[b][by_start].tolist(),
                                up_draws[by_start].tolist(), strict=True):
            q = bisect_right(ends, t_b - w)
            while need > 1e-9:
                while back[q] != q:  # the latest giver at or before it with tonnes left
                    back[q] = back[back[q]]
                    q = back[q]
                if q == 0 or ends[q - 1] < t_b - w - max_back_h:
                    break
                take = min(need, left[q - 1])
                if take > 0:
                    left[q - 1] -= take
                    need -= take
                    moves += (pile.id, math.floor(ends[q - 1]), take,
                              pile.id, math.floor(t_b), -take)
                    row["up_in_t"] += take
                if left[q - 1] <= 0:
                    back[q] = q - 1  # emptied
                q -= 1
            row["up_short_t"] += need
        row["down_waiting_t"] = row["down_in_t"] - row["down_loaded_t"]
        rows.append(row)
    return rows, moves


def _pile_of_terminal(scenario: Scenario) -> dict[str, str]:
    """Terminal id → the stockpile its bulk goes through (a stockpile's own terminal, or
    the terminal of bulk transfer berths that name it)."""
    canal = scenario.canal
    assert canal is not None
    pile_of_term = {p.terminal: p.id for p in canal.stockpiles}
    pile_of_term.update({g.terminal: g.stockpile for g in canal.transfer_berths
                         if g.cargo == "dry_bulk" and g.stockpile is not None})
    return pile_of_term


def stockpile_calls(scenario: Scenario, terminal: np.ndarray) -> np.ndarray:
    """The calls the ledger reads (rows of the call plan, in order): those at a terminal
    whose bulk goes through a stockpile. The ledger of these calls alone is the ledger of
    all (the others move nothing through a stockpile)."""
    piles = _pile_of_terminal(scenario)
    at = np.array([t.id in piles for t in scenario.port.terminals], dtype=bool)
    return np.flatnonzero(at[np.asarray(terminal)])


def _running_sum(x: np.ndarray) -> float:
    """The sum of ``x`` added one by one in order (as a loop's running total would be;
    ``np.sum`` adds pairwise and may differ in the last bits)."""
    return float(np.cumsum(x)[-1]) if len(x) else 0.0


def _dwell_h(spec, rng: np.random.Generator, n: int) -> np.ndarray:
    from portsim.model.yard.flows import dwell_hours

    return dwell_hours(spec, rng, n).astype(float)


def stockpile_tables(scenario: Scenario, flow: np.ndarray, terminal: np.ndarray,
                     volume: np.ndarray, work_start_h: np.ndarray, work_end_h: np.ndarray,
                     start_h: float, end_h: float, replication: int = 0
                     ) -> dict[str, pd.DataFrame]:
    """``stockpile`` (KPIs per stockpile), ``stockpile_hourly`` (stock over time) and
    ``stockpile_ledger`` (the tonnage balance over the whole run)."""
    canal = scenario.canal
    assert canal is not None
    rows, moves = stockpile_ledger(scenario, flow, terminal, volume, work_start_h, work_end_h,
                                   end_h, replication)
    H = math.ceil(end_h)
    h0 = min(int(start_h), H)
    ids = [p.id for p in canal.stockpiles]
    index = {p: j for j, p in enumerate(ids)}
    net = np.zeros((len(ids), H + 1))
    if moves:  # summed in the ledger's order (bincount adds one by one, as a loop would)
        m = MOVE.lists(moves)
        cell = (np.array([index[p] for p in m["stockpile"]]) * (H + 1)
                + np.clip(np.asarray(m["hour"]), 0, H))
        net = np.bincount(cell, weights=np.asarray(m["tonnes"], float),
                          minlength=len(ids) * (H + 1)).reshape(len(ids), H + 1)
    stock = np.cumsum(net[:, :H], axis=1)
    kpis, ledger = [], []
    low, high = canal.stockpile_utilisation_band
    for j, row in enumerate(rows):
        s = stock[j, h0:H]
        cap = row["capacity_t"]
        mean = float(s.mean()) if len(s) else 0.0
        window_h = max(H - h0, 1)
        kpis.append({
            "stockpile": row["stockpile"], "terminal": row["terminal"], "capacity_t": cap,
            "mean_t": mean, "p95_t": float(np.quantile(s, 0.95)) if len(s) else 0.0,
            "max_t": float(s.max()) if len(s) else 0.0,
            "utilisation": mean / cap,
            "share_h_over_capacity": float((s > cap).mean()) if len(s) else 0.0,
            "t_in_per_year": float(net[j, h0:H][net[j, h0:H] > 0].sum()) * 8760.0 / window_h,
            "band_low": low, "band_high": high,
        })
        ledger.append({**row, "stock_end_t": float(stock[j, -1]) if H else 0.0})
    hourly = pd.DataFrame({
        "stockpile": pd.Categorical.from_codes(np.repeat(np.arange(len(ids)), H),
                                               categories=ids),
        "hour": np.tile(np.arange(H), len(ids)),
        "t": stock.reshape(-1)})
    return {"stockpile": pd.DataFrame(kpis), "stockpile_hourly": hourly,
            "stockpile_ledger": pd.DataFrame(ledger)}
