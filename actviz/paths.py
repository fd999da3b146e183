"""Where output goes and in which format: default file names, formats from extensions, and the
checks that a path can be written."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import OutputError, ParameterError

FIGURE_FORMATS = ("png", "svg", "pdf")
OUTPUT_DIR = Path("output")


def file_stem(labels: Sequence[str]) -> str:
    """A file-safe stem from specs: ``relu elu`` -> ``relu_elu``, ``elu:alpha=0.5`` ->
    ``elu_alpha-0.5``."""
    parts = []
    for label in labels:
        text = label.strip().lower().replace(":", "_").replace("=", "-").replace(",", "_")
        parts.append(re.sub(r"[^a-z0-9._-]+", "-", text).strip("-."))
    stem = "_".join(p for p in parts if p) or "actviz"
    if len(stem) > 120:
        digest = hashlib.sha1(stem.encode()).hexdigest()[:8]
        stem = f"{stem[:100]}-{digest}"
    return stem


def output_format(path: str | Path | None, fmt: str | None, choices: Sequence[str],
                  default: str, extensions: Mapping[str, str] | None = None) -> str:
    """The format: ``fmt`` if given, else from the extension of ``path``, else ``default``.

    ``extensions`` maps file extensions to formats where they differ (``.md`` -> markdown).
    A ``fmt`` that contradicts the extension is refused, also when the extension names a
    format of the other kind (``-f csv -o t.png``: a table written into a .png).
    """
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in choices:
            raise ParameterError(f"unknown format '{fmt}'; choose one of {', '.join(choices)}")
        named = _named_format(path, choices, extensions)
        if named is not None and named != fmt:
            raise ParameterError(f"--format {fmt} contradicts the extension of {path}, which "
                                 f"is {named}; give one of them, or make them agree")
        other = named_format(path)
        if named is None and other is not None:
            assert path is not None
            what = "figure" if other in FIGURE_FORMATS else "table"
            right = Path(path).with_suffix("." + extension(fmt))
            raise ParameterError(f"--format {fmt} contradicts the extension of {path}, a "
                                 f"{other} {what}; give -o {right}")
        return fmt
    if path is None:
        return default
    ext = Path(path).suffix.lower().lstrip(".")
    if not ext:
        return default
    fmt = (extensions or {}).get(ext, ext)
    if fmt not in choices:
        known = [e for e, f in (extensions or {}).items() if f in choices] or list(choices)
        raise ParameterError(
            f"cannot tell the format from the extension '.{ext}' of {path}; "
            f"use one of {', '.join('.' + e for e in known)} or give --format"
        )
    return fmt


TABLE_FORMATS = {"text": ("txt", "text"), "csv": ("csv",), "markdown": ("md", "markdown"),
                 "latex": ("tex", "latex"), "json": ("json",)}
"""Every table format, in the order ``--format`` lists them, with the file extensions that
select it (the first one used for new files); :data:`actviz.writers.WRITERS` writes each. Kept
here so that a command checks its options without importing the writers."""
FORMATS = tuple(TABLE_FORMATS)
EXTENSIONS = {ext: name for name, exts in TABLE_FORMATS.items() for ext in exts}
"""File extension -> table format."""

GENERIC_EXTENSIONS = ("txt",)
"""Extensions that fit any text format, so that --format picks which (``-o t.txt -f csv``)."""


def _named_format(path: str | Path | None, choices: Sequence[str],
                  extensions: Mapping[str, str] | None) -> str | None:
    """The format the extension of ``path`` names, if it names one of ``choices``."""
    if path is None:
        return None
    ext = Path(path).suffix.lower().lstrip(".")
    if not ext or ext in GENERIC_EXTENSIONS:
        return None
    fmt = (extensions or {}).get(ext, ext)
    return fmt if fmt in choices else None


def named_format(path: str | Path | None) -> str | None:
    """The format, table or figure, that the extension of ``path`` names (``.md`` ->
    markdown, ``.png`` -> png); None for no extension, an unknown one or ``.txt`` (which
    suits every text format)."""
    if path is None:
        return None
    ext = Path(path).suffix.lower().lstrip(".")
    if ext in GENERIC_EXTENSIONS:
        return None
    return EXTENSIONS.get(ext) or (ext if ext in FIGURE_FORMATS else None)


def extension(fmt: str) -> str:
    """The file extension of a format: ``md`` for markdown, ``png`` for png."""
    return TABLE_FORMATS[fmt][0] if fmt in TABLE_FORMATS else fmt


def writable_path(path: str | Path) -> Path:
    """``path``, after checking that no folder on the way to it is a file and that it is not
    a file that may not be written (read-only, a block device): before any work, the checks
    :func:`actviz._files.write_atomically` makes again when it writes."""
    from ._files import check_writable, describe

    path = Path(path)
    for parent in path.parents:
        found = _mode(parent)
        if found is not None and not stat.S_ISDIR(found):
            raise OutputError(f"cannot write {path}: {parent} is {describe(found)}, not a "
                              "folder")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    check_writable(path)
    return path


def writable_folder(folder: str | Path) -> Path:
    """``folder``, after checking that neither it nor a folder above it is a file (or a
    device, a FIFO, ...)."""
    from ._files import describe

    folder = Path(folder)
    for path in (folder, *folder.parents):
        found = _mode(path)
        if found is not None and not stat.S_ISDIR(found):
            raise OutputError(f"cannot write into {folder}: {path} is {describe(found)}, not "
                              "a folder")
    return folder


def _mode(path: Path) -> int | None:
    """The ``st_mode`` of what ``path`` names (following symlinks), or None if nothing."""
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):
        return None
