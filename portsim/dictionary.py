"""Data dictionary of the core result tables (filled in below from :data:`CORE_TABLES`).

The records are :class:`~portsim.model.components.TableSpec` and
:class:`~portsim.model.components.Column`, the same record types the landside
components use for their tables (``portsim.model.components.REGISTRY``), so every
result table is described one way. ``help(portsim.dictionary)`` shows them all;
:func:`describe` gives one as a DataFrame (column, unit, meaning, when present), e.g.
``portsim.dictionary.describe("terminals")`` or ``describe("yard")``.

Units: ``h`` hours, ``m`` metres, ``TEU/year`` and ``t/year`` per 365-day year of the
measurement window, ``1`` a share or ratio (0.75 = 75 %), ``count``; an empty unit is an
id or label. Times (``*_h`` of ``calls``) are hours from the start of the run, warm-up
included. KPIs count calls that arrived in the measurement window (after the warm-up),
unless said otherwise. ``tests/test_cli_api.py`` checks these against the columns a run
really makes.
"""

from __future__ import annotations

from portsim.model.components import REGISTRY, TableSpec
from portsim.model.components import Column as C

PER_YEAR = "TEU/year"
CHANNEL = "the port file has routes (channel model)"
SERVICES = "a flow has liner services"
JUST_IN_TIME = "rules.call_in: just_in_time"

WAIT_CAUSES = (
    ("berth", "waiting at anchorage for a berth (until called in)", ""),
    ("channel", "waiting for the channel (one-way passages, occupancy)", CHANNEL),
    ("pilot", "waiting for a pilot", CHANNEL),
    ("quay", "waiting at the berth for a late ship to leave (just-in-time call-in)",
     JUST_IN_TIME),
    ("tide", "waiting for a tidal window", CHANNEL),
    ("tug", "waiting for tugs", CHANNEL),
    ("weather", "waiting out a weather closure", CHANNEL),
    # the components' own causes, as the registry declares them (yard, rail …)
    *((cause.name, cause.description, cause.registered_when)
      for component in REGISTRY.values() for cause in component.wait_causes),
)


def _group_columns(key: str, what: str) -> tuple[C, ...]:
    return (
        C(key, "", f"{what} id"), *((C("area", "", "operation area"),) if key != "area" else ()),
        C("cargo", "", "cargo families handled (joined with /)"),
        C("berths", "count", "berth sections"), C("quay_m", "m", "quay length"),
        C("calls", "count", "calls that arrived in the window"),
        C("teu_per_year", PER_YEAR, "TEU handled by departed calls, per year"),
        C("tonnes_per_year", "t/year", "tonnes handled by departed calls, per year"),
        C("occupancy", "1", "quay-metre occupancy: ship length + clearance × hours "
                            "alongside / (quay length × window hours)"),
        C("berth_utilisation", "1", "berth utilisation on the JTS 165 berth-time basis: "
                                    "hours a berth is taken (reserved, berthing, handling, "
                                    "unberthing) / window hours, mean over berths"),
        C("mean_wait_h", "h", "mean wait for a berth (anchorage) per call"),
        C("p95_wait_h", "h", "95th percentile of that wait"),
        C("mean_berth_h", "h", "mean berth time per call (berthing to unberthing)"),
        C("waiting_factor", "1", "mean_wait_h / mean_berth_h"),
        C("queue_mean", "count", "time-average number of ships waiting"),
        C("queue_max", "count", "most ships waiting at once"),
        C("waiting_at_end", "count", "ships still waiting at the end of the run"),
    )


CORE_TABLES: tuple[TableSpec, ...] = (
    TableSpec("calls", ("call",), "one row per ship call (RunResult.calls)", (
        C("call", "", "call index in the call plan"), C("flow", "", "demand flow id"),
        C("cargo", "", "cargo family"), C("ship_class", "", "ship class id"),
        C("liner", "", "True for a scheduled liner call"),
        C("terminal", "", "terminal id"), C("area", "", "operation area id"),
        C("quay_line", "", "quay line the ship lay at (missing: never berthed)"),
        C("berth", "", "berth section under the ship's bow-end position"),
        C("start_m", "m", "position along the quay line"),
        C("length_m", "m", "quay length taken: LOA + clearance"),
        C("cranes", "count", "quay cranes at the start of handling"),
        C("cranes_max", "count", "most quay cranes that worked the ship at once"),
        C("teu", "TEU", "TEU loaded + discharged (0 for non-container calls)"),
        C("tonnes", "t", "tonnes loaded + discharged (0 for container calls)"),
        C("moves", "count", "crane moves: teu / TEU factor"),
        C("arrival_h", "h", "arrival at the anchorage"),
        C("called_h", "h", "called in (NaN: not yet)"), C("berthed_h", "h", "made fast"),
        C("handled_h", "h", "cargo handling finished"), C("unberthed_h", "h", "left the berth"),
        C("departed_h", "h", "left the port (passed out of the channel)"),
        *(C(f"wait_{name}_h", "h", what, when) for name, what, when in WAIT_CAUSES),
        C("wait_total_h", "h", "sum of every wait_*_h"),
        C("berth_h", "h", "berth time: unberthed_h − berthed_h"),
        C("handling_h", "h", "handling time: handled_h − berthed_h − berthing time"),
        C("reserved_h", "h", "berth reserved for the ship before it made fast (held empty)"),
        C("qc_hours", "h", "quay-crane hours worked on the ship"),
        C("status", "", "departed, outbound, at_berth, inbound or waiting at the end"),
        C("in_window", "", "True when it arrived in the measurement window"),
        C("service", "", "index of its liner service (-1: not a service call)"),
        C("on_window", "", "True when a service call arrived within its window tolerance"),
        C("window_start_h", "h", "start of its berth window (NaN: none)"),
    )),
    TableSpec("berths", ("berth",), "one row per berth section (RunResult.berths)", (
        C("berth", "", "berth id"), C("terminal", "", "terminal id"),
        C("quay_line", "", "quay line id"), C("cargo", "", "cargo families (joined with /)"),
        C("quay_length_m", "m", "quay length"), C("depth_m", "m", "alongside depth"),
        C("max_dwt", "t", "largest ship (DWT)"), C("cranes", "count", "quay cranes"),
        C("calls", "count", "calls in the window whose position starts on this section"),
        C("occupancy", "1", "quay-metre occupancy of the section"),
        C("berth_utilisation", "1", "JTS 165 berth-time utilisation of the section"),
        C("area", "", "operation area id"),
    )),
    TableSpec("terminals", ("terminal",), "KPIs per terminal (RunResult.terminals)",
              _group_columns("terminal", "terminal")),
    TableSpec("areas", ("area",), "KPIs per operation area (RunResult.areas)",
              _group_columns("area", "operation area")),
    TableSpec("flows", ("flow",), "demand against delivered per flow (RunResult.flows)", (
        C("flow", "", "flow id"), C("cargo", "", "cargo family"),
        C("unit", "", "TEU or t"), C("demand_per_year", "unit/year", "annual volume × scales"),
        C("delivered_per_year", "unit/year", "volume of departed calls, per year"),
        C("delivered_share", "1", "delivered / demand"),
        C("calls", "count", "calls that arrived in the window"),
        C("mean_wait_h", "h", "mean wait for a berth"),
    )),
    TableSpec("queue", ("time_h",), "ships waiting at anchorage, a step function "
                                    "(RunResult.queue)", (
        C("time_h", "h", "time of a change"), C("waiting", "count", "ships waiting from then"),
    )),
    TableSpec("port", (), "port KPIs of one replication (RunResult.port, a Series; "
                          "Replications.port_kpis() gives mean and 95 % CI)", (
        C("teu_demand", PER_YEAR, "container demand"),
        C("teu_delivered", PER_YEAR, "TEU handled by departed calls"),
        C("tonnes_demand", "t/year", "non-container demand"),
        C("tonnes_delivered", "t/year", "tonnes handled by departed calls"),
        C("calls_arrived", "count", "calls that arrived in the window"),
        C("calls_departed", "count", "of those, calls that left"),
        C("calls_in_system", "count", "arrived − departed"),
        C("container_mean_wait_h", "h", "mean berth wait of container calls"),
        C("container_p95_wait_h", "h", "95th percentile of that wait"),
        C("container_waiting_factor", "1", "container mean wait / mean berth time"),
        C("all_mean_wait_h", "h", "mean berth wait of every call"),
        C("queue_mean", "count", "time-average ships waiting"),
        C("queue_max", "count", "most ships waiting at once"),
        *(C(f"mean_wait_{name}_h", "h", f"mean per call: {what}", when)
          for name, what, when in WAIT_CAUSES),
        C("mean_wait_total_h", "h", "mean total wait per call"),
        C("container_mean_wait_total_h", "h", "mean total wait per container call"),
        C("tide_bound_calls_share", "1", "share of calls whose draught needs the tide", CHANNEL),
        C("tide_waited_calls_share", "1", "share of calls that waited for the tide", CHANNEL),
        C("one_way_conflicts_per_year", "1/year", "one-way passages that held a ship",
          CHANNEL),
        C("channel_max_occupancy", "1", "highest segment occupancy", CHANNEL),
        C("pilot_utilisation", "1", "pilot-hours used / available", CHANNEL),
        C("tug_utilisation", "1", "tug-hours used / available", CHANNEL),
        C("channel_closed_h_per_year", "h/year", "hours the channel was closed", CHANNEL),
        C("berths_closed_h_per_year", "h/year", "hours the berths were closed", CHANNEL),
        C("peak_month_container_waiting_factor", "1",
          "container waiting factor of the busiest month"),
        C("peak_month_container_mean_wait_h", "h", "container mean wait of the busiest month"),
    )),
)
"""The core tables every run makes, in the order of :class:`~portsim.results.RunResult`."""


def tables() -> dict[str, TableSpec]:
    """Every described table by name: the core tables, then each landside component's."""
    from portsim.model.components import REGISTRY

    out = {t.name: t for t in CORE_TABLES}
    for component in REGISTRY.values():
        out.update({t.name: t for t in component.tables})
    return out


def describe(table: str | None = None):
    """The dictionary as a DataFrame: ``table``, ``column``, ``unit``, ``meaning``,
    ``present`` (when the column exists; empty: always).

    Parameters
    ----------
    table : str, optional
        One table (``"calls"``, ``"terminals"``, ``"yard"`` …); default every table.

    Examples
    --------
    >>> import portsim
    >>> portsim.dictionary.describe("terminals").head(3)  # doctest: +SKIP
    """
    import pandas as pd

    specs = tables()
    if table is not None and table not in specs:
        raise KeyError(f"no table '{table}'; known: {', '.join(specs)}")
    chosen = [specs[table]] if table is not None else list(specs.values())
    return pd.DataFrame([{"table": t.name, "column": c.name, "unit": c.unit,
                          "meaning": c.description, "present": c.only_when}
                         for t in chosen for c in t.columns])


def _render(specs: tuple[TableSpec, ...]) -> str:
    lines = []
    for t in specs:
        key = ", ".join(t.key) if t.key else "one row"
        lines += ["", f"{t.name} — {t.description} (key: {key})", ""]
        for c in t.columns:
            unit = f" [{c.unit}]" if c.unit else ""
            when = f" (when {c.only_when})" if c.only_when else ""
            lines.append(f"    {c.name}{unit}: {c.description}{when}")
    return "\n".join(lines)


__doc__ = (__doc__ or "") + "\nCore tables\n-----------\n" + _render(CORE_TABLES) + (
    "\n\nLandside tables (portsim.model.components): ``describe('yard')`` etc.\n")
