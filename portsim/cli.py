"""The ``portsim`` command.

    portsim run SCENARIO [-o DIR]     simulate, print the verdict, write tables and plots
    portsim info PORTFILE [--year Y]  inventory totals per operation area
    portsim services SCENARIO [-o F]  liner services and berth windows per terminal
    portsim robustness SCENARIO       the answer under named assumption sets

A mistake in the input prints what is wrong and where (file and path inside it) and
exits with status 2, without a traceback and without writing anything.
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

import pandas as pd

from portsim.errors import InputError

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
    """The options ``run`` and ``compare`` share: output, replications, seed, workers."""
    p.add_argument("-o", "--output", help=f"output directory (default out/{what})")
    p.add_argument("-n", "--replications", type=count(1, 100_000),
                   help="replications (default: the scenario's run.replications)")
    p.add_argument("--seed", type=count(0), help="seed (default: the scenario's run.seed)")
    p.add_argument("-w", "--workers", type=count(1, MAX_WORKERS),
                   help="parallel processes (default: cores)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def lang_option(p: argparse.ArgumentParser) -> None:
    """``--lang zh|en``: the language of the answer, the report and the plots (default:
    ``$PORTSIM_LANG``, else English; :func:`portsim.labels.language`)."""
    p.add_argument("--lang", choices=["en", "zh"], default=None,
                   help="language of the answer, report and plots: en or zh "
                        "(default: $PORTSIM_LANG, else en)")


def executor(workers: int | None, jobs: int):
    """A process pool of ``workers`` (default: cores, at most ``jobs``), or inline for one.

    The workers die with this process on any signal (:func:`portsim.processes.process_pool`).
    """
    from portsim.processes import process_pool

    workers = workers if workers is not None else min(jobs, os.cpu_count() or 1)
    return process_pool(workers) if workers > 1 else nullcontext(None)


def fmt_table(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> str:
    """Select, rename and format columns: {column: (header, format)}."""
    if frame.empty:
        return "(none)"
    picked = [(col, header, fmt) for col, (header, fmt) in columns.items() if col in frame]
    cells = [
        [format(v, fmt) if isinstance(v, int | float) and pd.notna(v) else
         ("–" if pd.isna(v) else str(v)) for v in frame[col]]
        for col, _, fmt in picked
    ]
    out = pd.DataFrame(list(zip(*cells, strict=True)), columns=[h for _, h, _ in picked])
    return out.to_string(index=False)


COMMANDS = ["run", "info", "sweep", "capacity", "preview", "compare", "services", "robustness"]
"""Sub-commands, each a module of :mod:`portsim.commands` with ``add_parser(sub)``."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="portsim", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
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
