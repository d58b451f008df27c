"""Writing results to a directory, all or nothing.

Files are first written into a temporary sibling directory and moved into place only
when every file has been written, so a failure never leaves half an output behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(out_dir: str | Path, writer: Callable[[Path], None]) -> list[Path]:
    """Call ``writer(tmp_dir)``, then move what it wrote into ``out_dir``."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        writer(tmp)
        out.mkdir(exist_ok=True)
        written = []
        for item in sorted(tmp.iterdir()):
            target = out / item.name
            if target.is_dir():
                shutil.rmtree(target)
            item.replace(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
