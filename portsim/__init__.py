"""portsim — a port throughput simulation engine (SimPy), built for Qinzhou Port.

The flow, each stage its own module::

    config (validated YAML)  →  demand (numpy call plan)  →  model (SimPy processes)
      →  results (tidy DataFrames, KPIs)  →  verdict / plots / CLI

For notebooks::

    import portsim
    sc = portsim.load_scenario("scenarios/plan-2025.yaml")
    run = portsim.simulate(sc, replication=0)       # one seed: run.calls, run.terminals …
    reps = portsim.replicate(sc)                    # all replications, KPIs with 95 % CI
    reps.terminal_kpis(); portsim.judge(reps).answer
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: public name -> module it lives in; imported on first use (PEP 562), so that
#: ``import portsim`` and ``portsim --help`` do not load pandas, scipy and SimPy
_PUBLIC = {
    "InputError": "portsim.errors",
    "Replications": "portsim.simulate",
    "RunResult": "portsim.results",
    "Verdict": "portsim.verdict",
    "identical_berths": "portsim.validation.queues",
    "judge": "portsim.verdict",
    "load_port": "portsim.config",
    "load_scenario": "portsim.config",
    "replicate": "portsim.simulate",
    "simulate": "portsim.simulate",
}
__all__ = [
    "InputError",
    "Replications",
    "RunResult",
    "Verdict",
    "identical_berths",
    "judge",
    "load_port",
    "load_scenario",
    "replicate",
    "simulate",
]

if TYPE_CHECKING:
    from portsim.config import load_port, load_scenario
    from portsim.errors import InputError
    from portsim.results import RunResult
    from portsim.simulate import Replications, replicate, simulate
    from portsim.validation.queues import identical_berths
    from portsim.verdict import Verdict, judge


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'portsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
