"""Plain-text helpers shared by the table writers and the command line."""

from __future__ import annotations

import json
from collections.abc import Sequence


def columns(rows: Sequence[Sequence[str]], right: Sequence[bool] = (), gap: str = "  ") -> str:
    """Rows of cells as aligned text columns; ``right[i]`` right-aligns column i."""
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            flush_right = i < len(right) and right[i]
            cells.append(cell.rjust(widths[i]) if flush_right else cell.ljust(widths[i]))
        lines.append(gap.join(cells).rstrip())
    return "\n".join(lines)


def json_ready(value: object) -> object:
    """``value`` with every non-finite float replaced by None (JSON has no inf or NaN) and
    tuples turned into lists."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    return value


def json_text(value: object, indent: int | None = 2) -> str:
    """``value`` as strict JSON: non-finite floats as null (:func:`json_ready`), and a
    ``ValueError`` rather than a ``NaN`` or ``Infinity`` that a strict parser refuses, should
    one ever slip through."""
    return json.dumps(json_ready(value), indent=indent, allow_nan=False)
