"""Validated input: the port as data (``berths.yaml``) and scenarios (``scenarios/*.yaml``).

``load_scenario(path)`` is the entry point: it reads the scenario, the port file it
names, applies the scenario's overrides and checks every cross-reference, so the
model receives a fully resolved, immutable :class:`Scenario`.
"""

from portsim.config.load import load_port, load_scenario, scenario_from_dict
from portsim.config.port import (
    Anchorage,
    Area,
    Berth,
    CargoType,
    ChannelSegment,
    Port,
    Route,
    ShipClass,
    Terminal,
)
from portsim.config.scenario import Flow, Rules, RunSettings, Scenario

__all__ = [
    "Anchorage",
    "Area",
    "Berth",
    "CargoType",
    "ChannelSegment",
    "Flow",
    "Port",
    "Route",
    "Rules",
    "RunSettings",
    "Scenario",
    "ShipClass",
    "Terminal",
    "load_port",
    "load_scenario",
    "scenario_from_dict",
]
