"""portsim — will the port deliver? Simulate a port's berths, channels, yards, rail and gates.

Each command reads a scenario (YAML: the port file it builds on, demand, rules, run
settings; keys in docs/reference.md) and answers in port language: throughput against
demand, berth utilisation and waiting factor against their planning limits, where the
port saturates first. A mistake in the input prints what is wrong and where (file and
path inside it) and exits with status 2, without a traceback and without writing
anything.

examples:
  portsim run scenarios/plan-2025.yaml                 verdict, tables, plots (out/plan-2025/)
  portsim run scenarios/plan-2025.yaml --report -n 10  ... with report.html, 10 replications
  portsim run scenarios/plan-2025.yaml --set demand_scale=1.1 --json
                                                       10 % more demand; answer and KPIs as JSON
  portsim preview scenarios/plan-2025.yaml             analytic estimate in a second
  portsim compare scenarios/plan-2025.yaml scenarios/operations/*.yaml -n 10
  portsim capacity scenarios/plan-2025.yaml -w 8       largest throughput meeting service criteria
  portsim robustness scenarios/plan-2025.yaml          the answer under other assumption sets
  portsim sweep sweeps/demand-vs-crane-rate.yaml --scheduler tcp://HOST:8786
  portsim services scenarios/plan-2025.yaml            liner services and berth windows
  portsim canal berths scenarios/pinglu-2030.yaml -n 5 transfer berths the canal needs
  portsim run scenarios/pinglu-2027.yaml --lang zh     the answer and report in Chinese
  portsim info berths.yaml --year 2025                 inventory per operation area

`portsim COMMAND --help` describes each command. Exit status: 0 done, 1 some runs
failed, 2 invalid input, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from portsim.errors import InputError

if TYPE_CHECKING:  # pandas is imported where a table is formatted: --help stays fast
    import pandas as pd

EXIT_INPUT = 2


def progress(total: int, label: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="run", file=sys.stderr,
                disable=quiet or not sys.stderr.isatty(), leave=False)


def count(least: int, most: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in ``[least, most]`` (a CLI count: ``-n``, ``-w``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
        if value < least or (most is not None and value > most):
            bound = f"at least {least}" if most is None else f"from {least} to {most}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    parse.__name__ = "count"
    return parse


#: Largest ``-w``: more processes than this only costs memory (each holds a port model).
MAX_WORKERS = 512


def replication_options(p: argparse.ArgumentParser, what: str) -> None:
    """The options ``run``, ``compare`` and ``robustness`` share: output, replications,
    seed, where runs execute (:func:`execution_options`), ``--set`` and ``--json``."""
    p.add_argument("-o", "--output", help=f"output directory (default out/{what})")
    p.add_argument("-n", "--replications", type=count(1, 100_000),
                   help="replications (default: the scenario's run.replications)")
    p.add_argument("--seed", type=count(0), help="seed (default: the scenario's run.seed)")
    execution_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    scenario_options(p)
    json_option(p)


def lang_option(p: argparse.ArgumentParser) -> None:
    """``--lang zh|en``: the language of the answer, the report and the plots (default:
    the scenario's ``language:``, else ``$PORTSIM_LANG``, else English;
    :func:`portsim.labels.language`)."""
    p.add_argument("--lang", choices=["en", "zh"], default=None,
                   help="language of the answer, report and plots: en or zh "
                        "(default: the scenario's language:, else $PORTSIM_LANG, else en)")


def execution_options(p: argparse.ArgumentParser) -> None:
    """``-w`` and ``--scheduler``: every command that runs many simulations has both."""
    p.add_argument("-w", "--workers", type=count(1, MAX_WORKERS),
                   help="local worker processes (default: cores)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask distributed scheduler instead of local processes")


def scenario_options(p: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` (repeatable): change one key of the scenario, validated like
    the file (every command that takes a scenario has it)."""
    p.add_argument("--set", dest="settings", action="append", default=[],
                   metavar="PATH=VALUE",
                   help="change one scenario key before validation, e.g. --set "
                        "demand_scale=1.1, --set rules.quay_cranes=fixed, --set "
                        "demand[0].annual_volume=9e6 (repeatable; VALUE is read as YAML)")


def json_option(p: argparse.ArgumentParser) -> None:
    """``--json``: the answer and KPIs as one JSON document on stdout (nothing else)."""
    p.add_argument("--json", action="store_true",
                   help="print the answer and KPIs as JSON on stdout instead of the text "
                        "(files are written as usual; progress and notes go to stderr)")


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set PATH=VALUE`` options as changes for :func:`portsim.load_scenario`.

    VALUE is read as YAML (``1.1`` a number, ``[a, b]`` a list, ``fixed`` a text), so
    it is checked exactly as the same value in the file; a malformed option is an
    :class:`InputError` naming ``--set``."""
    import yaml

    changes: dict[str, Any] = {}
    for text in getattr(args, "settings", None) or []:
        path, sep, value = text.partition("=")
        path = path.strip()
        if not sep or not path:
            raise InputError.single("--set", text, "expected PATH=VALUE, e.g. "
                                    "--set demand_scale=1.1")
        try:
            changes[path] = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError as exc:
            raise InputError.single("--set", path, f"cannot read the value '{value}' as "
                                    f"YAML: {getattr(exc, 'problem', exc)}") from None
    return changes


def load_scenario_for(args: argparse.Namespace, path: str,
                      changes: dict[str, Any] | None = None):
    """The scenario ``path`` with the command line's ``--set`` options, then ``changes``
    (``-n``, ``--seed``), applied before validation: a bad value names the file and the
    path as if it were written there. A command with ``--lang`` then speaks the language
    chosen by ``--lang``, else the scenario's ``language:``, else ``$PORTSIM_LANG``,
    else English (:func:`portsim.labels.adopt`)."""
    from portsim.config import load_scenario
    from portsim.errors import Problem

    given = settings(args)
    try:
        scenario = load_scenario(path, {**given, **(changes or {})})
    except InputError as exc:  # say which problems come from the command line
        def origin(p: Problem) -> Problem:
            key = next((k for k in given if p.path == k or p.path.startswith((k + ".", k + "["))
                        or k.startswith((p.path + ".", p.path + "["))), None)
            if key is None or p.file != str(path):
                return p
            return Problem(p.file, p.path, f"{p.message} [from --set {key}]")

        raise InputError([origin(p) for p in exc.problems]) from None
    if hasattr(args, "lang"):  # --lang > the scenario's language: > $PORTSIM_LANG > en
        from portsim import labels

        labels.adopt(labels.language(args.lang, scenario.language))
    return scenario


def print_json(document: Any) -> None:
    """One JSON document on stdout: NaN becomes null, numpy numbers plain numbers."""
    import json
    import math

    def plain(x: Any) -> Any:
        if isinstance(x, dict):
            return {str(k): plain(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [plain(v) for v in x]
        if hasattr(x, "item") and not isinstance(x, str | bytes):
            x = x.item()  # numpy scalar
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if x is None or isinstance(x, bool | int | float | str):
            return x
        return str(x)  # timestamps, paths

    print(json.dumps(plain(document), ensure_ascii=False, indent=2))


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """A table as a list of rows for :func:`print_json` (None: empty)."""
    return [] if frame is None else frame.to_dict(orient="records")


def executor(workers: int | None, jobs: int, scheduler: str | None = None):
    """A process pool of ``workers`` (default: cores, at most ``jobs``), inline for one,
    or the Dask cluster at ``scheduler`` (:func:`portsim.experiments.runner.open_executor`).

    The workers die with this process on any signal (:func:`portsim.processes.process_pool`).
    """
    if scheduler:
        from portsim.experiments.runner import open_executor

        return open_executor(scheduler=scheduler)
    from portsim.processes import process_pool

    workers = workers if workers is not None else min(jobs, os.cpu_count() or 1)
    return process_pool(workers) if workers > 1 else nullcontext(None)


def fmt_table(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> str:
    """Select, rename and format columns: {column: (header, format)}. In Chinese
    (:func:`portsim.labels.current`) headers and texts are the glossary's
    (:func:`portsim.labels.t`, :func:`portsim.labels.translate`)."""
    import pandas as pd

    from portsim import labels

    if frame.empty:
        return labels.t("(none)")
    picked = [(col, labels.word(header), fmt) for col, (header, fmt) in columns.items()
              if col in frame]
    cells = [
        [format(v, fmt) if isinstance(v, int | float) and pd.notna(v) else
         ("–" if pd.isna(v) else labels.translate(str(v))) for v in frame[col]]
        for col, _, fmt in picked
    ]
    out = pd.DataFrame(list(zip(*cells, strict=True)), columns=[h for _, h, _ in picked])
    return out.to_string(index=False)


COMMANDS = ["run", "info", "sweep", "capacity", "preview", "compare", "services", "robustness",
            "canal"]
"""Sub-commands, each a module of :mod:`portsim.commands` with ``add_parser(sub)``."""


def build_parser() -> argparse.ArgumentParser:
    from portsim import __version__

    head, _, rest = __doc__.partition("\n\n")
    p = argparse.ArgumentParser(prog="portsim", description=head + "\n\n" + rest.split(
        "\nexamples:")[0].strip(), epilog="examples:" + rest.split("\nexamples:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"portsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"portsim.commands.{name}").add_parser(sub)
    return p


EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status: 0 done, 1 some runs failed, 2 invalid input,
    130 interrupted (SIGINT or SIGTERM: temporary files and worker processes are
    cleaned up on the way out)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage error (2) or --help (0)
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    with terminate_as_interrupt():
        try:
            return args.func(args)
        except InputError as exc:
            print("error: invalid input", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return EXIT_INPUT
        except KeyboardInterrupt:
            print("\ninterrupted: nothing was written (a sweep keeps its finished runs)",
                  file=sys.stderr)
            return EXIT_INTERRUPTED


@contextmanager
def terminate_as_interrupt():
    """While a command runs, SIGTERM raises ``KeyboardInterrupt`` like SIGINT does, so
    that ``finally`` blocks remove temporary folders and stop worker processes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
