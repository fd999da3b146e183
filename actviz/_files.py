"""Writing files so that no reader ever sees half of one, and nothing is left behind.

A regular file (or a new one) is written to a temporary file in the same folder and renamed
into place, keeping the mode of the file it replaces; folders made for it are removed again if
the write fails. A regular file this process may not write (read-only, 444) is refused, as
``echo > file`` refuses it. A target that exists and is not a regular file (``/dev/null``, a
FIFO, a terminal, a symlink to one) is written directly, never replaced; a block device
(a disk) is refused.

Temporary files are named ``.NAME.HOST-PID.RANDOM.tmp``: the machine (a hash of its name)
and the process that writes them. While a write is under way its temporary file is listed in
:data:`UNFINISHED`, so that a process stopped by a signal can remove it
(:mod:`actviz._interrupt`). A process killed outright (SIGKILL, power loss) cannot: the next
write into the same folder removes the temporary files of processes of this machine that no
longer run (:func:`sweep_stale`), and never those of a process that still runs, so that two
runs into one folder do not delete each other's files.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .errors import OutputError

UNFINISHED: dict[str, list[Path]] = {}
"""Temporary files being written, each with the folders made for it (outermost first)."""

TEMPORARY = re.compile(r"\..+\.(?P<host>[0-9a-f]{6})-(?P<pid>[0-9]{1,10})\.[a-z0-9_]{8}\.tmp")
"""The name of a temporary file of :func:`write_atomically` (the random part is
``tempfile``'s)."""

NAME_IN_TEMPORARY = 100
"""Characters of the target's name kept in its temporary file's name (which must fit the file
system's 255 whenever the target's name does)."""

_swept: set[str] = set()
"""Folders this process has swept (:func:`sweep_stale` runs once per folder)."""


def write_atomically(path: str | Path, write: Callable[[IO[Any]], None],
                     mode: str = "wb") -> Path:
    """Run ``write(handle)`` on a temporary file next to ``path``, then rename it into place.

    On any failure, an interrupt included, the temporary file and the folders made for it
    are removed and ``path`` is left as it was. Errors name ``path``, never the temporary
    file.
    """
    path = Path(path)
    options: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
    if special(path):
        with open(path, mode, **options) as handle:
            write(handle)
        return path
    keep = check_writable(path)
    try:
        fd, temp, made = _temporary(path)
    except OSError as exc:  # said of the file asked for, not of the temporary one
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    UNFINISHED[temp] = made
    try:
        with os.fdopen(fd, mode, **options) as handle:
            write(handle)
        os.chmod(temp, keep if keep is not None else 0o666 & ~_umask())
        os.replace(temp, path)
    except OSError as exc:
        discard(temp)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        discard(temp)
        raise
    finally:
        UNFINISHED.pop(temp, None)
    return path


def _temporary(path: Path, attempts: int = 5) -> tuple[int, str, list[Path]]:
    """A new temporary file beside ``path`` (its folders made, the folder swept once): its
    descriptor, its name and the folders made for it. Another writer whose write failed may
    remove a folder it made between our finding the folder and making the file there (two
    workers of a batch into a new output folder): then the folder is made again."""
    folder = os.path.abspath(path.parent)
    prefix = f".{path.name[:NAME_IN_TEMPORARY]}.{owner()}."
    for attempt in range(attempts):
        made = make_folders(path.parent)
        if folder not in _swept:
            _swept.add(folder)
            sweep_stale(folder)
        try:
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
        except FileNotFoundError:
            if attempt < attempts - 1:
                continue
            _remove_folders(made)
            raise
        except OSError:
            _remove_folders(made)
            raise
        return fd, temp, made
    raise AssertionError("unreachable")


def describe(mode: int) -> str:
    """What a file of this ``st_mode`` is: ``a file``, ``a character device``, ..."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a file"


def special(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file or a folder (following symlinks):
    it is written through, not replaced."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_writable(path: Path) -> int | None:
    """Refuse what may not be written at ``path``: a block device, a socket, or a regular file
    this process may not write (as ``echo > file`` refuses it). The mode of the regular file
    there, which its replacement keeps, or None if there is none."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISBLK(found.st_mode) or stat.S_ISSOCK(found.st_mode):
        raise OutputError(f"cannot write {path}: it is {describe(found.st_mode)}; write to a "
                          "file, a FIFO or a character device such as /dev/stdout")
    if not stat.S_ISREG(found.st_mode):
        return None
    if not os.access(path, os.W_OK):
        raise OutputError(f"cannot write {path}: Permission denied (the file is read-only; "
                          "make it writable or choose another name)")
    return stat.S_IMODE(found.st_mode)


def make_folders(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; the folders made, outermost first."""
    missing = []
    for parent in (folder, *folder.parents):
        if parent.exists():
            break
        missing.append(parent)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        _remove_folders(missing[::-1])
        raise
    return missing[::-1]


def _remove_folders(made: list[Path]) -> None:
    """Remove folders made for a file (outermost first), innermost first, while empty."""
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            break  # not empty (another file went there) or gone: leave it


def discard(temp: str) -> None:
    """Remove an unfinished temporary file and the folders made for it, if empty."""
    Path(temp).unlink(missing_ok=True)
    _remove_folders(UNFINISHED.get(temp, []))


def discard_unfinished() -> None:
    """Remove every unfinished temporary file of this process (on a stop signal)."""
    for temp in list(UNFINISHED):
        discard(temp)
        UNFINISHED.pop(temp, None)


# --- temporary files of processes that died -----------------------------------------------------

def host() -> str:
    """This machine, as 6 hex digits (a hash of its name): a folder shared by several machines
    is swept only of this one's temporary files."""
    return f"{zlib.crc32(os.uname().nodename.encode()) & 0xFFFFFF:06x}"


def owner() -> str:
    """``HOST-PID``: the writer named in a temporary file's name."""
    return f"{host()}-{os.getpid()}"


def running(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine (a zombie counts: its parent has yet
    to reap it). In doubt, True: a temporary file is removed only when its owner is gone."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):  # another user's process, or no such number
        return True
    return True


def sweep_stale(folder: str | Path) -> list[Path]:
    """Remove the temporary files in ``folder`` that processes of this machine left when they
    were killed: only names of :data:`TEMPORARY`'s pattern, only regular files, only when the
    process named in them no longer runs. The files removed."""
    mine = host()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        found = TEMPORARY.fullmatch(entry.name)
        if found is None or found["host"] != mine or running(int(found["pid"])):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
