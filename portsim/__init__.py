"""portsim — a port throughput simulation engine (SimPy), built for Qinzhou Port.

The flow, each stage its own module::

    config (validated YAML)  →  demand (numpy call plan)  →  model (SimPy processes)
      →  results (tidy DataFrames, KPIs)  →  verdict / plots / CLI

For notebooks::

    import portsim
    sc = portsim.load_scenario("scenarios/plan-2025.yaml", {"run.replications": 10})
    run = portsim.simulate(sc, replication=0)       # one seed: run.calls, run.terminals …
    reps = portsim.replicate(sc)                    # all replications, KPIs with 95 % CI
    reps.terminal_kpis(); portsim.judge(reps).answer
    portsim.replicate(sc, keep="kpis")              # KPIs only: ~1 MB instead of ~10 MB a run

Public names: :func:`load_scenario` (``docs/reference.md`` lists every key),
:func:`load_port`, :func:`simulate`, :func:`replicate` (:class:`Replications`),
:func:`judge` (:class:`Verdict`), :func:`identical_berths` (a port of c identical
berths = an x/x/c queue, for checks against :mod:`portsim.theory`), :class:`RunResult`,
:class:`InputError`; :mod:`portsim.dictionary` (``help(portsim.dictionary)``: every
result column with its unit and meaning); comparisons :func:`portsim.compare.compare`,
capacity :func:`portsim.experiments.capacity.capacity`, sweeps
:func:`portsim.experiments.run_sweep`. Attributes are imported on first use, so
``import portsim`` is quick.
"""

import sys
import types
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
    if name == "dictionary":  # the data dictionary module
        import importlib

        return importlib.import_module("portsim.dictionary")
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'portsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


class _Package(types.ModuleType):
    """``portsim.simulate`` is the function, as it always was, although a module of
    the same name exists: importing that module would otherwise bind the name to it
    (the import system sets the submodule as an attribute of the package), hiding the
    function now that it is imported lazily. ``from portsim.simulate import …`` is
    unaffected (it reads ``sys.modules``)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _PUBLIC and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
