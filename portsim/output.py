"""Writing results to a folder as one unit.

A run's files are written into a fresh temporary folder beside the output folder
(``.<name>.portsim-tmp.<pid>.<random>``) together with ``manifest.json`` (what was run:
scenario, seed, replications, portsim version, time, the files), and only then swapped
in whole for the old folder. So:

* no file of an earlier run stays beside a new one (the folder is replaced, not merged);
* a failure or a kill never leaves a folder that mixes two runs: on Linux the swap is
  one ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, and a kill between them
  leaves the new folder complete under its temporary name and no output folder;
* a folder that is not a portsim output (no ``manifest.json``) and is not empty is never
  replaced or deleted, nor is a portsim output to which the user added a file or folder
  (one its manifest does not list): the user is told to move it or choose another ``-o``;
* ``-o`` is checked before any simulation (:meth:`OutputFolder.prepare`): a file, a
  folder under a file, a read-only parent or a foreign folder is an input error at once,
  not after an hour of simulation;
* temporary folders are removed on the way out (also on SIGINT/SIGTERM, which the CLI
  turns into exceptions), and those of a killed process (SIGKILL: its pid is gone) by the
  next run that writes beside them.

The manifest's ``created`` time is the only thing that differs between two runs of the
same scenario and seed; it is kept out of the data files.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from portsim.errors import InputError

MANIFEST = "manifest.json"
_TMP_TAG = ".portsim-tmp."


def _version() -> str:
    from portsim import __version__

    return __version__


def is_portsim_output(folder: Path) -> bool:
    """A folder portsim wrote (it has a ``manifest.json`` naming portsim)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("written_by") == "portsim"


def written_by_portsim(folder: Path) -> list[str]:
    """The files the manifest of a portsim output folder lists."""
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return []
    return list(files) if isinstance(files, dict) else []


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_temporaries(out: Path) -> list[Path]:
    """Temporary folders beside ``out`` left by a process that no longer runs."""
    stale = []
    prefix = f".{out.name}{_TMP_TAG}"
    try:
        siblings = list(out.parent.iterdir())
    except OSError:
        return []
    for p in siblings:
        if not p.name.startswith(prefix) or not p.is_dir() or p.is_symlink():
            continue
        pid_text = p.name[len(prefix):].split(".")[0]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            stale.append(p)
    return stale


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False when not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


class OutputFolder:
    """An output folder written as one unit (see the module docstring).

    ``prepare()`` checks ``-o`` and creates the temporary folder (call it before the
    work); ``commit(manifest)`` writes the manifest and swaps the folder in;
    ``discard()`` removes the temporary folder (always safe to call).
    """

    def __init__(self, path: str | Path, option: str = "-o/--output"):
        self.path = Path(path)
        self.option = option
        self.tmp: Path | None = None

    def _refuse(self, message: str) -> InputError:
        return InputError.single(self.option, str(self.path), message)

    def prepare(self) -> Path:
        out = self.path
        if "\x00" in str(out):
            raise self._refuse("the path contains a NUL byte")
        if out.name in ("", ".", ".."):
            out = self.path = out.resolve()
        if out.is_symlink():
            if not out.is_dir():
                raise self._refuse("is a symbolic link to something that is not a folder")
            out = self.path = out.resolve()  # swap the folder it points to, not the link
        if out.exists() and not out.is_dir():
            raise self._refuse("exists and is not a folder; choose a folder path for the output")
        if out.is_dir():
            try:
                entries = [p.name for p in out.iterdir()]
            except OSError as exc:
                raise self._refuse(f"cannot read the folder: {exc.strerror}") from None
            if entries and not is_portsim_output(out):
                raise self._refuse(
                    "is a folder that is not a portsim output (no manifest.json) and not "
                    "empty; portsim replaces its output folder whole, so choose a new or "
                    "empty folder (nothing was changed)")
            foreign = sorted(set(entries) - set(written_by_portsim(out)) - {MANIFEST})
            if entries and foreign:
                raise self._refuse(
                    f"holds {', '.join(foreign[:5])}{' …' if len(foreign) > 5 else ''}, "
                    "which portsim did not write (not in its manifest.json); portsim replaces "
                    "its output folder whole, so move them out or choose another -o "
                    "(nothing was changed)")
        parent = out.parent
        for up in [parent, *parent.parents]:
            if up.exists():
                if not up.is_dir():
                    raise self._refuse(f"'{up}' is a file, so no folder can be made under it")
                break
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._refuse(f"cannot create the parent folder: {exc.strerror}") from None
        for stale in stale_temporaries(out):
            shutil.rmtree(stale, ignore_errors=True)
        try:
            tmp = parent / f".{out.name}{_TMP_TAG}{os.getpid()}.{uuid.uuid4().hex[:8]}"
            tmp.mkdir()
            (tmp / ".probe").write_bytes(b"")
            (tmp / ".probe").unlink()
        except OSError as exc:
            raise self._refuse(f"cannot write beside it in '{parent}': {exc.strerror}") from None
        self.tmp = tmp
        return tmp

    def commit(self, manifest: dict[str, Any] | None = None) -> list[Path]:
        """Write ``manifest.json`` into the temporary folder and swap it in whole."""
        assert self.tmp is not None, "prepare() first"
        tmp, out = self.tmp, self.path
        files = sorted(p.name for p in tmp.iterdir())
        record = {"written_by": "portsim", "portsim_version": _version(), **(manifest or {}),
                  "created": _now(),
                  "files": {f: (tmp / f).stat().st_size for f in files if (tmp / f).is_file()}}
        (tmp / MANIFEST).write_text(json.dumps(record, indent=2, default=str) + "\n",
                                    encoding="utf-8")
        # the folder may have changed while we worked: check again that it is ours
        if out.exists() and not out.is_dir():
            raise self._refuse("became a file while portsim was running; nothing was written")
        if out.is_dir() and any(out.iterdir()) and not is_portsim_output(out):
            raise self._refuse("became a non-portsim folder while portsim was running; "
                               "nothing was written")
        if out.is_dir():
            if _exchange(tmp, out):  # tmp now holds the old output
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                old = out.parent / f".{out.name}{_TMP_TAG}{os.getpid()}.old"
                out.rename(old)
                tmp.rename(out)
                shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
        self.tmp = None
        return [out / f for f in [*files, MANIFEST]]

    def discard(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def write(self, writer: Callable[[Path], None],
              manifest: dict[str, Any] | None = None) -> list[Path]:
        """``writer(tmp)`` then :meth:`commit`; the temporary folder goes on any failure."""
        tmp = self.tmp if self.tmp is not None else self.prepare()
        try:
            writer(tmp)
            return self.commit(manifest)
        except OSError as exc:
            raise self._refuse(f"writing the output failed: {exc.strerror or exc} "
                               "(nothing was changed)") from None
        finally:
            self.discard()


def check_output_file(path: str | Path, option: str) -> Path:
    """A single output file (``--csv FILE``): not a folder, in an existing folder, no NUL."""
    text = str(path)
    if "\x00" in text:
        raise InputError.single(option, text.replace("\x00", "\\0"),
                                "the path contains a NUL byte")
    out = Path(text)
    if out.is_dir():
        raise InputError.single(option, text, "is a folder; give a file name")
    if not out.parent.is_dir():
        raise InputError.single(option, text, f"folder '{out.parent}' does not exist")
    return out


def write_file_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` beside ``path``, then rename it into place (no half-written file)."""
    tmp = path.with_name(f".{path.name}{_TMP_TAG}{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomically(out_dir: str | Path, writer: Callable[[Path], None],
                     manifest: dict[str, Any] | None = None) -> list[Path]:
    """Call ``writer(tmp_dir)``, then swap the folder in whole (see :class:`OutputFolder`)."""
    return OutputFolder(out_dir).write(writer, manifest)
