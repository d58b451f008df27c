"""``python -m portsim.validation``: regenerate docs/validation.md and docs/calibration.md."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

# One BLAS thread per process: the exact queue solutions use many small matrices and the
# worker processes already use every core. Set before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

PARTS = ("queues", "capacity", "calibration")


def main(argv: Sequence[str] | None = None) -> int:
    from concurrent.futures import ProcessPoolExecutor
    from contextlib import nullcontext
    from pathlib import Path

    from portsim.validation.report import CAPACITY_SCENARIOS, write_calibration, write_validation

    p = argparse.ArgumentParser(prog="python -m portsim.validation",
                                description="Regenerate docs/validation.md (theory, preview, "
                                "design code) and docs/calibration.md (2020, 2021).")
    p.add_argument("--docs", default="docs", help="directory of the two documents")
    p.add_argument("--quick", action="store_true",
                   help="a small grid and few replications, for a look (do not commit)")
    p.add_argument("--only", choices=PARTS, action="append",
                   help="only this part (queues, capacity: validation.md; calibration: "
                        "calibration.md; repeatable)")
    p.add_argument("-w", "--workers", type=int, default=2, help="processes (default 2)")
    p.add_argument("--scenario", action="append", default=None,
                   help="scenarios for the design-code comparison (default: "
                        f"{', '.join(CAPACITY_SCENARIOS)})")
    args = p.parse_args(argv)
    parts = args.only or list(PARTS)
    scenarios = args.scenario if args.scenario is not None else [
        s for s in CAPACITY_SCENARIOS if Path(s).exists()]
    docs = Path(args.docs)

    def log(s: str) -> None:
        print(s, file=sys.stderr, flush=True)

    pool = (ProcessPoolExecutor(max_workers=args.workers) if args.workers > 1
            else nullcontext(None))
    with pool as ex:
        if "queues" in parts or "capacity" in parts:
            write_validation(docs / "validation.md", parts=parts, quick=args.quick,
                             executor=ex, scenarios=scenarios, log=log)
        if "calibration" in parts:
            write_calibration(docs / "calibration.md", quick=args.quick, executor=ex, log=log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
