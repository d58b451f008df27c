"""Inventory of a port file: berths, quay, design capacity per area, and provenance."""

from __future__ import annotations

import pandas as pd

from portsim.config.port import Port

TONNES_PER_TEU = 10.0
"""Assumed gross tonnes per TEU to express container capacity in the overall tonnage."""


def inventory(port: Port, year: int | None = None) -> pd.DataFrame:
    """Berths, quay metres, TEU/yr and Mt/yr per operation area (berths in service)."""
    area_name = {a.id: a.name for a in port.areas}
    term_area = {t.id: t.area for t in port.terminals}
    rows = [
        {
            "area": area_name[term_area[b.terminal]],
            "berths": 1,
            "container_berths": int("container" in b.cargo),
            "quay_m": b.quay_length_m,
            "teu_per_year": b.design_capacity_teu,
            "mt_per_year": b.design_capacity_t / 1e6,
        }
        for b in port.berths
        if b.in_service_in(year)
    ]
    if not rows:
        return pd.DataFrame(columns=["area", "berths", "container_berths", "quay_m",
                                     "teu_per_year", "mt_per_year", "overall_mt_per_year"])
    frame = pd.DataFrame(rows).groupby("area", sort=False).sum().reset_index()
    total = frame.drop(columns="area").sum().to_frame().T.assign(area="TOTAL")
    frame = pd.concat([frame, total[frame.columns]], ignore_index=True)
    frame["overall_mt_per_year"] = frame["mt_per_year"] + frame["teu_per_year"] * (
        TONNES_PER_TEU / 1e6)
    return frame


def provenance(port: Port) -> pd.DataFrame:
    """How many numbers of each record kind come from a public source, the design code,
    a derivation or an assumption."""
    rows = []
    for kind in ("ship_classes", "terminals", "berths", "anchorages", "channel_segments"):
        for rec in getattr(port, kind):
            for field, value in rec.model_dump().items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    rows.append({"records": kind, "origin": _origin(rec.source_of(field))})
    if not rows:
        return pd.DataFrame(columns=["records", "origin", "numbers"])
    return (pd.DataFrame(rows).value_counts(["records", "origin"]).rename("numbers")
            .reset_index().sort_values(["records", "origin"]))


def _origin(source: str) -> str:
    s = source.lower()
    if s.startswith("assumption"):
        return "assumption"
    if s.startswith("derived"):
        return "derived"
    if s.startswith(("jts", "design")):
        return "design code"
    return "public source"
