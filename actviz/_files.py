"""Writing files so that no reader ever sees half of one, and nothing is left behind.

A regular file (or a new one) is written to a temporary file in the same folder and renamed
into place; folders made for it are removed again if the write fails. A target that exists
and is not a regular file (``/dev/null``, a FIFO, a terminal, a symlink to one) is written
directly, never replaced. While a write is under way its temporary file is listed in
:data:`UNFINISHED`, so that a process stopped by a signal can remove it
(:mod:`actviz._interrupt`).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .errors import OutputError

UNFINISHED: dict[str, list[Path]] = {}
"""Temporary files being written, each with the folders made for it (outermost first)."""


def write_atomically(path: str | Path, write: Callable[[IO[Any]], None],
                     mode: str = "wb") -> Path:
    """Run ``write(handle)`` on a temporary file next to ``path``, then rename it into place.

    On any failure, an interrupt included, the temporary file and the folders made for it
    are removed and ``path`` is left as it was.
    """
    path = Path(path)
    options: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
    if _special(path):
        with open(path, mode, **options) as handle:
            write(handle)
        return path
    made = make_folders(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    UNFINISHED[temp] = made
    try:
        with os.fdopen(fd, mode, **options) as handle:
            write(handle)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes it private; give the usual mode
        os.replace(temp, path)
    except OSError as exc:  # said of the file asked for, not of the temporary one
        discard(temp)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        discard(temp)
        raise
    finally:
        UNFINISHED.pop(temp, None)
    return path


def _special(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file (following symlinks)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def make_folders(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; the folders made, outermost first."""
    missing = []
    for parent in (folder, *folder.parents):
        if parent.exists():
            break
        missing.append(parent)
    folder.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def discard(temp: str) -> None:
    """Remove an unfinished temporary file and the folders made for it, if empty."""
    Path(temp).unlink(missing_ok=True)
    for folder in reversed(UNFINISHED.get(temp, [])):
        try:
            folder.rmdir()
        except OSError:
            break  # not empty (another file went there) or gone: leave it


def discard_unfinished() -> None:
    """Remove every unfinished temporary file of this process (on a stop signal)."""
    for temp in list(UNFINISHED):
        discard(temp)
        UNFINISHED.pop(temp, None)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
