"""Local worker processes that never outlive the process that started them.

A :class:`~concurrent.futures.ProcessPoolExecutor`'s workers wait on a pipe; when their
parent is killed (SIGKILL cannot be caught) they would wait forever, each holding a
port model (~190 MB). So every worker asks the kernel, as it starts, to be sent
SIGKILL when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``), and checks that the
parent did not die before that request. On an interrupt (SIGINT, or SIGTERM which the
CLI turns into one) the pool's workers are stopped at once instead of finishing the
runs in hand.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Pool initializer: SIGKILL this worker when its parent ends (Linux); ignore SIGINT
    (the parent handles Ctrl-C and stops the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):  # pragma: no cover - no prctl
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def new_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process."""
    return ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent,
                               initargs=(os.getpid(),))


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes now and let it go (on an interrupt)."""
    processes = dict(getattr(pool, "_processes", None) or {})
    for proc in processes.values():
        with suppress(OSError, AttributeError):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes.values():
        with suppress(OSError, AttributeError, AssertionError):
            proc.join(timeout=5)


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """:func:`new_pool` for a ``with`` block: shut down normally, killed on any exception."""
    pool = new_pool(workers)
    try:
        yield pool
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown(wait=True, cancel_futures=True)
