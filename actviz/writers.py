"""One writer per format (text, CSV, Markdown, LaTeX, JSON), each writing the three kinds of
table: values (:class:`actviz.tables.ValueTable`), properties (``actviz compare``) and
differences (``actviz diff``). The list of formats, their file extensions and the help text of
``--format`` come from :data:`actviz.paths.TABLE_FORMATS`, which names the writers of
:data:`WRITERS`.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, ClassVar

import numpy as np

from ._numbers import format_number, latex_number, round_data, text_number
from ._text import columns, json_text
from .catalog import Activation
from .depth import Setting, depth_rows
from .paths import TABLE_FORMATS
from .tables import DIFFERENCE_LABELS, Grid, ValueTable, difference_rows, property_grid

if TYPE_CHECKING:
    from .analysis import Difference, Properties


class Writer:
    """How one format writes each kind of table. ``precision`` is the number of significant
    digits asked for, or None for the format's default (:attr:`default_precision`; None there
    means every digit, as the shortest text that reads back exactly)."""

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    """File extensions that select this format, the first one used for new files."""
    default_precision: ClassVar[int | None] = 6

    def digits(self, precision: int | None) -> int | None:
        return self.default_precision if precision is None else precision

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        raise NotImplementedError

    def properties(self, out: IO[str], records: Sequence[Properties],
                   precision: int | None = None) -> None:
        """The compare table."""
        self.grid(out, property_grid(records, self.digits(precision)))

    def depth(self, out: IO[str], found: Sequence[Setting], precision: int | None = None,
              ) -> None:
        """The depth table: a column per function and setting."""
        self.grid(out, depth_grid(found, self.digits(precision)))

    def grid(self, out: IO[str], grid: Grid) -> None:
        """A table of a column per record, a row per quantity (see :class:`Grid`)."""
        raise NotImplementedError

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        raise NotImplementedError


def _rows(block: list[np.ndarray], digits: int | None) -> Iterator[list[str]]:
    """Rows of cells: x and the values, in the table's precision (every digit if None)."""
    xs, *values = block
    for i, x in enumerate(xs.tolist()):
        yield [text_number(x, digits), *(text_number(float(v[i]), digits) for v in values)]


def depth_grid(found: Sequence[Setting], digits: int | None) -> Grid:
    """The depth table of the settings ``found``, numbers to ``digits`` digits."""
    return Grid([s.label for s in found], [s.named.act for s in found],
                depth_rows(found, digits), digits, [s.notes for s in found],
                [s.name for s in found])


def _notes(out: IO[str], grid: Grid, bullet: str = "  ") -> None:
    """The table's notes under it, each once (see :meth:`Grid.grouped_notes`)."""
    notes = grid.grouped_notes()
    if notes:
        out.write("\nNotes:\n" + "".join(f"{bullet}{note}\n" for note in notes))


class Text(Writer):
    """Aligned columns; property tables transposed (a column per function). On a terminal,
    as many function columns per block as fit its width; in a file or a pipe, all of them."""

    name = "text"
    extensions = TABLE_FORMATS["text"]

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        digits = self.digits(precision)
        headers = table.headers
        width = [max(len(h), (digits or 17) + 7) for h in headers]
        width[0] = max(len(headers[0]), max(len(text_number(x, digits)) for x in table.xs))
        out.write("  ".join(h.rjust(w) for h, w in zip(headers, width, strict=True)) + "\n")
        for block in table.blocks():
            for row in _rows(block, digits):
                out.write("  ".join(c.rjust(w) for c, w in zip(row, width, strict=True))
                          + "\n")

    def grid(self, out: IO[str], grid: Grid) -> None:
        table = [(label, *cells) for label, _, cells in grid.rows]
        specs = list(grid.heads)
        width = terminal_width(out)
        label_width = max(len(row[0]) for row in table)
        start = 0
        while start < len(specs):
            used, end = label_width, start
            while end < len(specs):
                col = max(len(specs[end]), *(len(row[end + 1]) for row in table))
                if end > start and used + 2 + col > width:
                    break
                used += 2 + col
                end += 1
            rows = [("", *specs[start:end])] + [(row[0], *row[start + 1:end + 1])
                                                 for row in table]
            out.write(columns(rows) + "\n")
            start = end
            if start < len(specs):
                out.write("\n")
        _notes(out, grid)

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        lo, hi = diff.range
        rows = difference_rows(diff, self.digits(precision))
        out.write(f"A = {diff.a}, B = {diff.b}, on [{format_number(lo)}, "
                  f"{format_number(hi)}]\n")
        out.write(columns([("  " + a, b, c) for a, b, c in rows], right=(False, True)) + "\n")


def terminal_width(out: IO[str]) -> float:
    """The width of the terminal ``out`` writes to, or infinity for a file or a pipe."""
    try:
        if out.isatty():
            import shutil

            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError, OSError):
        pass
    return math.inf


class Csv(Writer):
    """Comma-separated values with every digit by default; property tables have one row per
    function."""

    name = "csv"
    extensions = TABLE_FORMATS["csv"]
    default_precision = None

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(table.headers)
        for block in table.blocks():
            writer.writerows(_rows(block, precision))

    def grid(self, out: IO[str], grid: Grid) -> None:
        """A row per record; its notes, if any record has some, in a last column."""
        writer = csv.writer(out, lineterminator="\n")
        notes = any(grid.notes)
        writer.writerow(["spec", *(label for label, _, _ in grid.rows), *["notes"] * notes])
        for i, head in enumerate(grid.heads):
            last = [" | ".join(grid.notes[i])] if notes else []
            writer.writerow([head, *(cells[i] for _, _, cells in grid.rows), *last])

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["a", "b", "range", "quantity", "value", "where"])
        for quantity, value, where in difference_rows(diff, precision):
            writer.writerow([diff.a, diff.b, " ".join(map(format_number, diff.range)),
                             quantity, value, where])


class Markdown(Writer):
    """GitHub-flavoured Markdown tables; property tables transposed."""

    name = "markdown"
    extensions = TABLE_FORMATS["markdown"]

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        headers = table.headers
        out.write("| " + " | ".join(headers) + " |\n")
        out.write("|" + "|".join("---:" for _ in headers) + "|\n")
        for block in table.blocks():
            for row in _rows(block, self.digits(precision)):
                out.write("| " + " | ".join(row) + " |\n")

    def grid(self, out: IO[str], grid: Grid) -> None:
        out.write("| property | " + " | ".join(grid.heads) + " |\n")
        out.write("|:---|" + "|".join("---:" for _ in grid.heads) + "|\n")
        for label, _, cells in grid.rows:
            out.write("| " + " | ".join(c.replace("|", r"\|") for c in (label, *cells))
                      + " |\n")
        _notes(out, grid, "- ")

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        lo, hi = diff.range
        out.write(f"A = {diff.a}, B = {diff.b}, on [{format_number(lo)}, "
                  f"{format_number(hi)}]\n\n")
        out.write("| quantity | value | where |\n|:---|---:|:---|\n")
        for row in difference_rows(diff, self.digits(precision)):
            out.write("| " + " | ".join(c.replace("|", r"\|") for c in row) + " |\n")


class Latex(Writer):
    r"""booktabs tabulars that need nothing but ``\usepackage{booktabs}``, numbers in math
    mode, sized to fit an article's text width (345 pt) at 10 pt: value tables with many
    columns and property tables of many functions come in blocks stacked under each other
    (:func:`fitting`). Property tables are transposed (a row per property) in columns that
    wrap their text; properties no function has (all "-") are left out."""

    name = "latex"
    extensions = TABLE_FORMATS["latex"]

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        """x and the value columns; when they would not fit the text width, the columns
        come in blocks under each other, each with its own x column."""
        digits = self.digits(precision)
        columns = table.columns
        parts = column_blocks(table, max(1, fitting(digits, 12.0) - 1))
        width = max(len(part) for part in parts)
        out.write("\\begin{tabular}{" + "r" * (1 + width) + "}\n\\toprule\n")
        for n, part in enumerate(parts):
            pad = [""] * (width - len(part))
            if n:
                out.write("\\midrule\n")
            out.write(" & ".join(["$x$", *(columns[i].latex for i in part), *pad])
                      + " \\\\\n\\midrule\n")
            for block in table.blocks():
                rows = _rows([block[0], *(block[1 + i] for i in part)], digits)
                for row in rows:
                    out.write(" & ".join([*(latex_number(cell) for cell in row), *pad])
                              + " \\\\\n")
        out.write("\\bottomrule\n\\end{tabular}\n")

    def grid(self, out: IO[str], grid: Grid) -> None:
        """Rows no record has (all "-") are left out; the notes follow as comments, which
        say how a number was computed without taking the table's room."""
        table = [(latex, [latex_cell(c) for c in cells]) for _, latex, cells in grid.rows
                 if any(c != "-" for c in cells)]
        records = grid.functions
        n = min(fitting(grid.digits, 6.0, share=0.8), len(records))
        column = f"@{{\\hspace{{6pt}}}}p{{\\dimexpr 0.8\\linewidth/{n}-6pt\\relax}}"
        out.write(f"\\begin{{tabular}}{{@{{}}p{{0.2\\linewidth}}*{{{n}}}{{{column}}}@{{}}}}\n"
                  "\\toprule\n")
        for start in range(0, len(records), n):
            names = [function_cell(act) for act in records[start:start + n]]
            pad = [""] * (n - len(names))
            if start:
                out.write("\\midrule\n")
            out.write(" & ".join(["", *(RAGGED + name for name in names), *pad])
                      + " \\tabularnewline\n\\midrule\n")
            for label, cells in table:
                row = [RAGGED + label, *(RAGGED + c for c in cells[start:start + n]), *pad]
                out.write(" & ".join(row) + " \\tabularnewline\n")
        out.write("\\bottomrule\n\\end{tabular}\n")
        notes = grid.grouped_notes()
        if notes:
            out.write("% Notes:\n" + "".join(f"% {note}\n" for note in notes))

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        out.write("\\begin{tabular}{lrl}\n\\toprule\n"
                  "quantity & value & where \\\\\n\\midrule\n")
        rows = difference_rows(diff, self.digits(precision))
        for (_, quantity), (_, value, where) in zip(DIFFERENCE_LABELS, rows, strict=True):
            out.write(f"{quantity} & {latex_number(value)} & "
                      f"{latex_cell(where) if where else ''} \\\\\n")
        out.write("\\bottomrule\n\\end{tabular}\n")


def column_blocks(table: ValueTable, per_block: int) -> list[list[int]]:
    """The value columns in blocks of at most ``per_block``, a function's columns (f, f',
    f'') kept together."""
    groups: list[list[int]] = []
    for i, column in enumerate(table.columns):
        if groups and table.columns[groups[-1][0]].function == column.function:
            groups[-1].append(i)
        else:
            groups.append([i])
    blocks: list[list[int]] = []
    for group in groups:
        if blocks and len(blocks[-1]) + len(group) <= per_block:
            blocks[-1] += group
        else:
            blocks.append(list(group))
    return blocks


TEXT_WIDTH = 345.0
"""An article's text width at 10 pt, in points (LaTeX's default)."""


def fitting(digits: int | None, gap: float, share: float = 1.0) -> int:
    """How many columns of numbers with ``digits`` significant digits fit side by side in
    ``share`` of the text width, with ``gap`` points between columns: a cell such as
    ``(-0.123456,`` is about digits + 4 characters of 5.2 pt each."""
    cell = ((digits or 17) + 4) * 5.2 + gap
    return max(1, min(6, int(share * TEXT_WIDTH // cell)))


RAGGED = "\\raggedright\\hspace{0pt}"
"""Left-aligned, unjustified text in a narrow paragraph column (safe because the rows end
with ``\\tabularnewline``, not ``\\\\``, which \\raggedright redefines); the empty
space lets TeX hyphenate a cell's first word (``discontinuous``) where it must."""


def function_cell(act: Activation) -> str:
    """A function's name for a column that may be narrow: its symbol, then on a line of its
    own, small, the parameters that differ from the (torch) defaults, breakable at ``_``."""
    d = act.definition
    defaults = d.defaults()
    changed = [latex_text(k).replace("\\_", "\\_\\allowbreak ") + "${}=" + _tex_value(v) + "$"
               for k, v in act.params.items() if v != defaults[k]]
    head = f"${d.symbol}$"
    return head + ("\\newline{\\footnotesize " + ", ".join(changed) + "}" if changed else "")


def _tex_value(value: Any) -> str:
    return value if isinstance(value, str) else format_number(value)


TOKEN = re.compile(r"(?P<num>-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(?P<inf>-?inf\b)|(?P<arrow>->)"
                   r"|(?P<word>[A-Za-z][A-Za-z-]*)|(?P<space>\s+)|(?P<other>.)")


def _number_tex(token: str) -> str:
    mantissa, _, exponent = token.partition("e")
    return mantissa + (f"\\times10^{{{int(exponent)}}}" if exponent else "")


MATH: dict[str | None, Callable[[str], str]] = {
    "num": _number_tex,
    "inf": lambda token: token.replace("inf", r"\infty"),
    "arrow": lambda token: r"\to",
}


def latex_cell(text: str) -> str:
    r"""A table cell as LaTeX: numbers, intervals and formulas in math mode (with ``\infty``,
    ``\to`` and ``\times10^{-5}``), words as text between them, so that a narrow column can
    break the line there: ``1 on (0, 5]`` -> ``$1$ on $(0, 5]$``. Needs no package."""
    smooth = re.fullmatch(r"C(\d|-inf)", text)
    if smooth:
        return "$C^{" + smooth[1].replace("-inf", r"\infty") + "}$"
    if text == "-":
        return "--"
    parts: list[tuple[bool, str]] = []  # (math?, text)
    words = False  # inside parentheses of words: "(range edge)"
    for match in TOKEN.finditer(text):
        kind, token = match.lastgroup, match[0]
        if kind == "word" and token != "x":
            parts.append((False, latex_text(token)))
        elif kind == "space":
            parts.append((parts[-1][0] if parts else False, " "))
        elif kind in MATH:
            parts.append((True, MATH[kind](token)))
        elif token == ";" or (token == ")" and words):
            parts.append((False, token))
            words = False
        elif token == "(" and not _math_follows(text, match.end()):
            parts.append((False, token))
            words = True
        elif token == ",":
            parts.append((True, ",\\allowbreak"))  # a narrow column may break a pair
        else:
            parts.append((True, latex_text(token) if token in "&%$#_{}|" else token))
    return _join(parts)


def _math_follows(text: str, position: int) -> bool:
    """Whether the text after an opening parenthesis is a number or x (an interval or a
    point), not words (``(range edge)``)."""
    return bool(re.match(r"\s*(-?\d|-?inf|x\b)", text[position:]))


def _join(parts: list[tuple[bool, str]]) -> str:
    """Math runs wrapped in ``$...$``, with the spaces at their edges moved outside."""
    out, run = [], []
    for in_math, token in [*parts, (False, "")]:
        if in_math:
            run.append(token)
            continue
        if run:
            body = "".join(run)
            core = body.strip()
            out.append(body[:len(body) - len(body.lstrip())] + f"${core}$"
                       + body[len(body.rstrip()):])
            run = []
        out.append(token)
    return "".join(out)


def latex_text(text: str) -> str:
    for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
        text = text.replace(char, "\\" + char if char != "\\" else r"\textbackslash{}")
    return text.replace("^", r"\^{}").replace("|", r"$|$")


class Json(Writer):
    """Strict JSON with every digit by default (``-p`` rounds every computed number; the
    inputs, ``params``, ``range``, ``saturation_threshold`` and ``sigma_b``, stay as given).
    JSON has no infinity and no NaN: they are written as null. docs/json.md documents every
    key."""

    name = "json"
    extensions = TABLE_FORMATS["json"]
    default_precision = None

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        """``{"x": [...], "functions": [{spec, name, params, value, derivative, ...}]}``,
        written array by array."""
        keys = ("value", "derivative", "second_derivative")

        def numbers(values: np.ndarray) -> str:
            return json_text(round_data(values.tolist(), precision), indent=None)

        out.write('{"x": ' + numbers(table.xs) + ', "functions": [')
        for n, (named, arrays) in enumerate(table.arrays()):
            act = named.act
            head = {"spec": named.label, "name": act.name, "params": act.params}
            out.write((", " if n else "") + json_text(head, indent=None)[:-1])
            for order, values in arrays.items():
                out.write(f', "{keys[order]}": ' + numbers(values))
            out.write("}")
        out.write("]}\n")

    def properties(self, out: IO[str], records: Sequence[Properties],
                   precision: int | None = None) -> None:
        data = [r.to_dict() for r in records]
        out.write(json_text(round_data(data, precision, INPUTS)) + "\n")

    def depth(self, out: IO[str], found: Sequence[Setting], precision: int | None = None,
              ) -> None:
        data = [s.to_dict() for s in found]
        out.write(json_text(round_data(data, precision, INPUTS)) + "\n")

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        out.write(json_text(round_data(diff.to_dict(), precision, INPUTS)) + "\n")


INPUTS = frozenset({"params", "range", "saturation_threshold", "sigma_b"})
"""JSON keys whose values are the user's input, written as given whatever ``-p`` says."""


WRITERS: dict[str, Writer] = {w.name: w for w in (Text(), Csv(), Markdown(), Latex(), Json())}
"""Every table format, by name, in the order ``--format`` lists them."""


def writer(fmt: str) -> Writer:
    """The writer of ``fmt`` (a name of :data:`WRITERS`)."""
    return WRITERS[fmt]
