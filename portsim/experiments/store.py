"""The sweep's Parquet dataset: one file per finished run, written atomically.

Layout of a sweep directory::

    sweep.json                 the spec and its points (rewritten by every invocation)
    runs/<run_id>.parquet      one row per successful run: keys, parameters, port KPIs
    terminals/<run_id>.parquet one row per terminal of that run (KPIs, limits, stress)
    flows/<run_id>.parquet     one row per demand flow of that run
    failed/<run_id>.parquet    one row per run that raised: keys, parameters, error

Each directory is a Parquet dataset (``pandas.read_parquet("…/runs")`` reads it).
A file is written under a temporary dot-name and renamed into place, and the
``runs/`` (or ``failed/``) record is written last, so a run is *done* exactly when its
record exists: a sweep killed at any moment loses at most the runs in flight, and a
rerun skips everything done. Names starting with a dot are ignored by Parquet readers.
"""

from __future__ import annotations

import fcntl
import os
import socket
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from portsim.errors import InputError

#: Columns that record how and when a run was computed, not what it computed;
#: they differ between two otherwise identical runs.
META_COLUMNS = ("elapsed_s", "cpu_s", "worker", "session", "finished_at")


class SweepStore:
    """Read and write the records of one sweep directory."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _dir(self, table: str) -> Path:
        return self.root / table

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the sweep folder's lock (``.lock``, released when this process ends,
        however it ends); refuse, naming the holder, when another sweep holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the block
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise InputError.single("-o/--output", str(self.root), (
                    f"another portsim sweep ({holder}) is writing to this folder; wait for "
                    "it to finish or choose another -o")) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} on {socket.gethostname()}")
            fh.flush()
            yield
        finally:
            fh.close()

    def status(self) -> dict[str, str]:
        """``run_id -> "ok" | "failed"`` for every run recorded so far."""
        out: dict[str, str] = {}
        for table, state in (("failed", "failed"), ("runs", "ok")):
            d = self._dir(table)
            if d.is_dir():
                for f in d.iterdir():
                    if f.suffix == ".parquet" and not f.name.startswith("."):
                        out[f.stem] = state
        return out

    def _write(self, table: str, run_id: str, data: bytes) -> None:
        d = self._dir(table)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{run_id}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            tmp.write_bytes(data)
            os.replace(tmp, d / f"{run_id}.parquet")
        finally:
            tmp.unlink(missing_ok=True)

    def write(self, run_id: str, tables: dict[str, bytes]) -> None:
        """Store one run's files (Parquet bytes by table). A successful run's ``runs/``
        record is written last — the commit — and replaces an earlier failure."""
        for table in ("terminals", "flows", "failed", "runs"):
            if table in tables:
                self._write(table, run_id, tables[table])
        if "runs" in tables:
            (self._dir("failed") / f"{run_id}.parquet").unlink(missing_ok=True)

    def read(self, table: str, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The records of ``table`` (only those of ``run_ids`` when given), in id order."""
        d = self._dir(table)
        if not d.is_dir():
            return pd.DataFrame()
        if run_ids is None:
            files = sorted(f for f in d.glob("*.parquet") if not f.name.startswith("."))
        else:
            files = [d / f"{r}.parquet" for r in sorted(set(run_ids))]
            files = [f for f in files if f.exists()]
        if not files:
            return pd.DataFrame()
        tables = [pq.read_table(f) for f in files]
        try:
            return pa.concat_tables(tables, promote_options="permissive").to_pandas()
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column changed type between specs
            return pd.concat([t.to_pandas() for t in tables], ignore_index=True)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as the bytes of a Parquet file (categoricals as plain strings)."""
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(_plain(frame), preserve_index=False), sink)
    return sink.getvalue().to_pybytes()


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as strings, so that files written apart concatenate."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
    return out
