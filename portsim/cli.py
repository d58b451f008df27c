"""The ``portsim`` command.

    portsim run SCENARIO [-o DIR]     simulate, print the verdict, write tables and plots
    portsim info PORTFILE [--year Y]  inventory totals per operation area
    portsim robustness SCENARIO       the answer under named assumption sets

A mistake in the input prints what is wrong and where (file and path inside it) and
exits with status 2, without a traceback and without writing anything.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext

import pandas as pd

from portsim.errors import InputError

EXIT_INPUT = 2


def progress(total: int, label: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="run", file=sys.stderr,
                disable=quiet or not sys.stderr.isatty(), leave=False)


def replication_options(p: argparse.ArgumentParser, what: str) -> None:
    """The options ``run`` and ``compare`` share: output, replications, seed, workers."""
    p.add_argument("-o", "--output", help=f"output directory (default out/{what})")
    p.add_argument("-n", "--replications", type=int,
                   help="replications (default: the scenario's run.replications)")
    p.add_argument("--seed", type=int, help="seed (default: the scenario's run.seed)")
    p.add_argument("-w", "--workers", type=int, help="parallel processes (default: cores)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def executor(workers: int | None, jobs: int):
    workers = workers if workers is not None else min(jobs, os.cpu_count() or 1)
    return ProcessPoolExecutor(max_workers=workers) if workers > 1 else nullcontext(None)


def fmt_table(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> str:
    """Select, rename and format columns: {column: (header, format)}."""
    picked = [(col, header, fmt) for col, (header, fmt) in columns.items() if col in frame]
    cells = [
        [format(v, fmt) if isinstance(v, int | float) and pd.notna(v) else
         ("–" if pd.isna(v) else str(v)) for v in frame[col]]
        for col, _, fmt in picked
    ]
    out = pd.DataFrame(list(zip(*cells, strict=True)), columns=[h for _, h, _ in picked])
    return out.to_string(index=False)


COMMANDS = ["run", "info", "sweep", "capacity", "preview", "compare", "robustness"]
"""Sub-commands, each a module of :mod:`portsim.commands` with ``add_parser(sub)``."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="portsim", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"portsim.commands.{name}").add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print("error: invalid input", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
