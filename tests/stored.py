"""Stored mpmath references: the high-precision values that cost mpmath minutes, computed once
and kept in tests/data/references.json, which the default tests read.

Each test module in TABLES says which references it needs in ``references()``: a list of
Needed (a key such as a spec, a part such as a derivative order, the exact inputs, and how
mpmath computes the values there), next to the tests that read them. The default run checks
that the file holds exactly these points (tests/test_stored.py); ``pytest -m slow``
recomputes every value with mpmath and compares it with the file, so stale or wrong data
cannot hide.

After adding or changing a function, a formula or a point, regenerate the file:

    python -m tests.stored
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import mpmath as mp

PATH = Path(__file__).parent / "data" / "references.json"
# the modules whose references() the file holds, by table name
TABLES = {
    "catalog": "tests.test_catalog",
    "formula": "tests.test_formula",
    "formula_accuracy": "tests.test_formula_accuracy",
}
DIGITS = 20
"""Significant digits stored: far beyond the 1e-12 the tests ask, and than a float64 holds."""

Value = list[mp.mpf] | None  # the components (crelu has two; a jet f, f', f'', f'''), or none
REGENERATE = "regenerate tests/data/references.json with `python -m tests.stored`"


class Needed(NamedTuple):
    """References a test reads: at each x of ``xs``, ``compute()``'s value (in the order of
    xs), stored under table / key / part / repr(x) (exact: a float's repr reads back as the same
    float)."""

    key: str
    part: str
    xs: Sequence[float]
    compute: Callable[[], list[Value]]


class MissingReference(AssertionError):
    pass


def needed(table: str) -> list[Needed]:
    return importlib.import_module(TABLES[table]).references()  # type: ignore[no-any-return]


def encode(value: Value) -> list[str] | None:
    return None if value is None else [mp.nstr(v, DIGITS) for v in value]


def compute(table: str) -> dict[str, dict[str, dict[str, list[str] | None]]]:
    """Every reference of one table, computed now with mpmath, encoded as stored."""
    out: dict[str, dict[str, dict[str, list[str] | None]]] = {}
    for need in needed(table):
        values = need.compute()
        assert len(values) == len(need.xs), need.key
        part = out.setdefault(need.key, {}).setdefault(need.part, {})
        for x, value in zip(need.xs, values, strict=True):
            part[repr(float(x))] = encode(value)
    return out


@functools.cache
def load() -> dict[str, dict[str, dict[str, dict[str, list[str] | None]]]]:
    if not PATH.exists():
        raise MissingReference(f"{PATH} is missing: {REGENERATE}")
    with PATH.open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def stored(table: str, key: str, part: str | int, x: float) -> Value:
    """The stored reference at x (mpf at DIGITS + 5 digits, so that nothing of it is lost
    where a test subtracts it at a higher working precision), or a MissingReference that says
    how to make it."""
    try:
        text = load()[table][key][str(part)][repr(float(x))]
    except KeyError:
        raise MissingReference(
            f"no stored reference for {table} {key!r}, {part}, x = {float(x)!r}: "
            f"{REGENERATE}") from None
    if text is None:
        return None
    with mp.workdps(DIGITS + 5):
        return [mp.mpf(t) for t in text]


def write(tables: dict[str, dict[str, dict[str, dict[str, list[str] | None]]]]) -> None:
    """One line per key and part, keys sorted: a change shows as a few changed lines."""
    lines = ["{"]
    for i, (table, keys) in enumerate(sorted(tables.items())):
        lines.append(f"{json.dumps(table)}: {{")
        items = [(key, part, points) for key, parts in sorted(keys.items())
                 for part, points in sorted(parts.items())]
        grouped: dict[str, list[str]] = {}
        for key, part, points in items:
            grouped.setdefault(key, []).append(
                f"  {json.dumps(part)}: {json.dumps(points, separators=(',', ':'))}")
        for j, (key, parts) in enumerate(grouped.items()):
            lines.append(f" {json.dumps(key)}: {{")
            lines.append(",\n".join(parts))
            lines.append(" }" + ("," if j < len(grouped) - 1 else ""))
        lines.append("}" + ("," if i < len(tables) - 1 else ""))
    lines.append("}")
    PATH.parent.mkdir(exist_ok=True)
    PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    names = argv or sorted(TABLES)
    tables = dict(load()) if PATH.exists() else {}
    for name in names:
        print(f"computing {name} ...", file=sys.stderr)
        tables[name] = compute(name)
    write(tables)
    print(f"wrote {PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
