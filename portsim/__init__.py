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

from portsim.config import load_port, load_scenario
from portsim.errors import InputError
from portsim.results import RunResult
from portsim.simulate import Replications, replicate, simulate
from portsim.verdict import Verdict, judge

__all__ = [
    "InputError",
    "Replications",
    "RunResult",
    "Verdict",
    "judge",
    "load_port",
    "load_scenario",
    "replicate",
    "simulate",
]
__version__ = "0.1.0"
