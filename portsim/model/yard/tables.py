"""Result tables of the yards: ``yard`` (KPIs per yard), ``yard_flows`` (per yard and
flow), ``yard_hourly`` (stock over time) and ``yard_ledger`` (the box balance)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portsim.demand import HOURS_PER_YEAR
from portsim.model.yard.flows import FLOW_MODES


class YardTables:
    """Result tables (a part of :class:`~portsim.model.yard.Yards`)."""

    def stock(self) -> np.ndarray:
        """Stock per yard and hour of the run, shape (yards, H)."""
        return np.cumsum(self.tot[:, :self.H], axis=1)

    def flow_stock(self, fin: np.ndarray | None = None, fout: np.ndarray | None = None
                   ) -> np.ndarray:
        """Stock per yard, flow and hour, shape (yards, flows, H)."""
        fin = self.fin if fin is None else fin
        fout = self.fout if fout is None else fout
        return np.cumsum(fin[:, :, :self.H] - fout[:, :, :self.H], axis=2)

    def ledger(self) -> pd.DataFrame:
        """TEU in and out of each yard by mode over the whole run, and the end stock."""
        rows = []
        stock = self.stock()
        fin, fout = self.fin, self.fout
        for j, y in enumerate(self.yards):
            row = {"yard": y.id, "terminal": y.terminal}
            for mode in self.modes:
                row[f"in_{mode}"] = int(sum(fin[j, f, :self.H].sum()
                                            for f, name in enumerate(self.flows)
                                            if FLOW_MODES[name][0] == mode))
                row[f"out_{mode}"] = int(sum(fout[j, f, :self.H].sum()
                                             for f, name in enumerate(self.flows)
                                             if FLOW_MODES[name][1] == mode))
            row["held_at_gate_end"] = self._held[j][0] + self._held[j][1]
            row["planned_gate_in"] = int(self._planned_np[j, :, :self.H].sum())
            row["stock_end"] = int(stock[j, -1]) if self.H else 0
            row["min_stock"] = int(stock[j].min()) if self.H else 0
            rows.append(row)
        return pd.DataFrame(rows)

    def tables(self, start_h: float, yard_wait: np.ndarray, in_window: np.ndarray
               ) -> dict[str, pd.DataFrame]:
        """KPI tables: ``yard`` (per yard), ``yard_flows`` (per yard and flow),
        ``yard_hourly`` (stock over time) and ``yard_ledger`` (the box balance)."""
        H = self.H
        for j in range(len(self.yards)):  # let the gate admit what is due until the end
            self.level_at(j, H - 1)
        self.freeze()
        h0 = min(int(start_h), H)
        window_h = max(H - h0, 1)
        annual = HOURS_PER_YEAR / window_h
        stock = self.stock()
        fin, fout, held = self.fin, self.fout, self.held
        fstock = self.flow_stock(fin, fout)
        ready_cum = np.cumsum(self.ready[:, :H], axis=1)
        taken_cum = np.cumsum(self.taken[:, :H], axis=1)
        waiting_rail = ready_cum - taken_cum
        rows, frows = [], []
        call_wait = yard_wait[self.rows]
        inwin = in_window[self.rows]
        for j, y in enumerate(self.yards):
            s = stock[j, h0:H]
            mine = (self._yard_row == j) & inwin
            w = call_wait[mine]
            mean = float(s.mean()) if len(s) else 0.0
            rows.append({
                "yard": y.id, "terminal": y.terminal,
                "physical_teu": y.physical_teu, "capacity_teu": y.capacity_teu,
                "mean_teu": mean,
                "p95_teu": float(np.quantile(s, 0.95)) if len(s) else 0.0,
                "max_teu": float(s.max()) if len(s) else 0.0,
                "utilisation": mean / y.physical_teu,
                "peak_utilisation": float(np.quantile(s, 0.95)) / y.physical_teu if len(s)
                else 0.0,
                "occupancy": mean / y.capacity_teu,
                "share_h_slowed": float((s >= self.slow[j]).mean()) if len(s) else 0.0,
                "share_h_full": float((s >= self.cap[j]).mean()) if len(s) else 0.0,
                "calls": int(mine.sum()),
                "calls_yard_delayed": int((w > 0).sum()),
                "yard_wait_h_total": float(w.sum()),
                "yard_wait_h_mean": float(w.mean()) if len(w) else 0.0,
                "teu_in_per_year": float(fin[j, :, h0:H].sum()) * annual,
                "held_at_gate_teu_mean": float(held[j, h0:H].mean()) if h0 < H else 0.0,
                "direct_from_gate_teu": self.direct[j],
                "rail_waiting_teu_mean": float(waiting_rail[j, h0:H].mean()) if h0 < H
                else 0.0,
            })
            for f, name in enumerate(self.flows):
                teu_in = float(fin[j, f, h0:H].sum())
                fs = float(fstock[j, f, h0:H].mean()) if h0 < H else 0.0
                frows.append({
                    "yard": y.id, "flow": name, "from": FLOW_MODES[name][0],
                    "to": FLOW_MODES[name][1], "teu_in_per_year": teu_in * annual,
                    "teu_out_per_year": float(fout[j, f, h0:H].sum()) * annual,
                    "mean_stock_teu": fs,
                    # Little's law: mean stock / entry rate
                    "mean_dwell_days": fs / (teu_in / window_h) / 24.0 if teu_in > 0
                    else np.nan,
                })
        hourly = pd.DataFrame({
            "yard": pd.Categorical.from_codes(np.repeat(np.arange(len(self.yards)), H),
                                              categories=[y.id for y in self.yards]),
            "hour": np.tile(np.arange(H), len(self.yards)),
            "teu": stock.reshape(-1),
            "rail_waiting_teu": waiting_rail.reshape(-1),
        })
        return {"yard": pd.DataFrame(rows), "yard_flows": pd.DataFrame(frows),
                "yard_hourly": hourly, "yard_ledger": self.ledger(), **self.transfer_tables()}
