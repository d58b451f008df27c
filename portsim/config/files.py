"""What an input path may be: a regular file of sane size, not a folder, pipe or device.

A named pipe given as input would block the read forever; a device could stream
without end; a folder is a slip. Each is refused by name before anything is read.
"""

from __future__ import annotations

import stat
from pathlib import Path

#: Largest input file read (bytes): berths.yaml is ~0.1 MB, a year of hourly tide ~0.2 MB.
MAX_INPUT_BYTES = 50_000_000


def unreadable_reason(path: str | Path) -> str | None:
    """Why ``path`` cannot be an input file (``None`` when it can, or does not exist)."""
    text = str(path)
    if "\x00" in text:
        return "the path contains a NUL byte"
    try:
        st = Path(text).stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read it: {exc.strerror}"
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(st.st_mode):
        return "is a named pipe, not a regular file (portsim reads only regular files)"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file (a device or socket); portsim reads only regular files"
    if st.st_size > MAX_INPUT_BYTES:
        return (f"is {st.st_size / 1e6:,.0f} MB, more than the {MAX_INPUT_BYTES / 1e6:g} MB an "
                "input file may have")
    return None
