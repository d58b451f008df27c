"""Where runs execute: in this process, a local process pool, or a Dask cluster.

Everything above this module talks to one :class:`concurrent.futures.Executor`:

* ``workers=1`` (or no executor): runs inline, one after the other;
* ``workers=N`` (default: every core this process may use): a
  :class:`~concurrent.futures.ProcessPoolExecutor` of ``N`` processes;
* ``scheduler="tcp://HOST:PORT"``: a ``distributed.Client`` connected to that Dask
  scheduler, used through ``client.get_executor(pure=False)`` (Dask's own
  ``concurrent.futures`` adapter; ``pure=False`` because runs are not to be
  deduplicated by argument hashing). Workers need ``portsim`` importable and nothing
  else: a task carries its fully resolved scenario, so no file is read on a worker.

Results never depend on which of these is used: a run's random numbers depend only
on its seed, replication and stream names (:mod:`portsim.streams`).
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager
from typing import Any

from portsim.errors import InputError
from portsim.processes import process_pool


def default_workers() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def open_executor(workers: int | None = None,
                  scheduler: str | None = None) -> Iterator[Executor | None]:
    """An executor for ``workers`` local processes, or for a Dask scheduler address.

    Yields ``None`` for a single local worker (run inline). On the way out pending
    work is cancelled and the pool (or the client, not the cluster) is closed.
    """
    if scheduler:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - dask[distributed] is a dependency
            raise InputError.single("--scheduler", "", "needs dask[distributed]") from None
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError.single("--scheduler", "",
                                    f"cannot connect to Dask scheduler {scheduler}: {exc}"
                                    ) from None
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
        return
    n = workers if workers is not None else default_workers()
    if n < 1:
        raise InputError.single("--workers", "", f"must be at least 1, got {n}")
    if n == 1:
        yield None
        return
    with process_pool(n) as pool:  # workers die with this process, on any signal
        yield pool


class TaskQueue:
    """Submit tagged calls to an executor (or run them inline) and collect them as they end.

    ``next_done()`` blocks until at least one call has finished and returns
    ``(tag, ok, value)`` triples: ``value`` is the result, or the exception raised
    while running or transporting the call (worker lost, cluster gone …).
    """

    def __init__(self, executor: Executor | None):
        self.executor = executor
        self._futures: dict[Future, Hashable] = {}
        self._inline: deque[tuple[Hashable, Callable[..., Any], tuple[Any, ...]]] = deque()

    def submit(self, tag: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        if self.executor is None:
            self._inline.append((tag, fn, args))
        else:
            self._futures[self.executor.submit(fn, *args)] = tag

    def __len__(self) -> int:
        return len(self._futures) + len(self._inline)

    def next_done(self) -> list[tuple[Hashable, bool, Any]]:
        if self._inline:
            tag, fn, args = self._inline.popleft()
            try:
                return [(tag, True, fn(*args))]
            except Exception as exc:
                return [(tag, False, exc)]
        if not self._futures:
            return []
        done, _ = wait(list(self._futures), return_when=FIRST_COMPLETED)
        out = []
        for fut in done:
            tag = self._futures.pop(fut)
            try:
                out.append((tag, True, fut.result()))
            except Exception as exc:
                out.append((tag, False, exc))
        return out

    def cancel(self) -> None:
        """Drop everything not yet started."""
        self._inline.clear()
        for fut in self._futures:
            fut.cancel()
        self._futures.clear()


def progress_bar(total: int | None, label: str, enabled: bool):
    """A tqdm bar with ETA on a terminal (stderr); silent when not a TTY or disabled.
    ``total=None``: a counter with rate and elapsed time, no percentage (for work whose
    size is not known in advance, e.g. a capacity search)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="run", file=sys.stderr, dynamic_ncols=True,
                disable=not enabled or not sys.stderr.isatty(), leave=False)
