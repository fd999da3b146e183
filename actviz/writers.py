"""One writer per format (text, CSV, Markdown, LaTeX, JSON), each writing the three kinds of
table: values (:class:`actviz.tables.ValueTable`), properties (``actviz compare``) and
differences (``actviz diff``). The list of formats, their file extensions and the help text of
``--format`` come from :data:`actviz.paths.TABLE_FORMATS`, which names the writers of
:data:`WRITERS`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, ClassVar

import numpy as np

from ._align import Column
from ._numbers import format_number, round_data, text_number
from ._text import columns, json_text
from .paths import TABLE_FORMATS
from .tables import DIFFERENCE_LABELS, Grid, ValueTable, difference_rows, property_grid

if TYPE_CHECKING:
    from .analysis import Difference, Properties
    from .latex import Layout
    from .lowprecision import Precision
    from .meanfield.report import Setting
    from .meanfield.spectrum import JacobianSpectrum


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
                   precision: int | None = None, rows: Sequence[str] | None = None,
                   functions_as: str = "columns") -> None:
        """The compare table: the ``rows`` named, or every row that applies."""
        self.grid(out, property_grid(records, self.digits(precision), rows, functions_as))

    def depth(self, out: IO[str], found: Sequence[Setting], precision: int | None = None,
              functions_as: str = "columns") -> None:
        """The depth table: a column (or row) per function and setting."""
        self.grid(out, depth_grid(found, self.digits(precision), functions_as))

    def precision(self, out: IO[str], records: Sequence[Precision],
                  precision: int | None = None, functions_as: str = "columns") -> None:
        """The precision table: a column (or row) per function and format."""
        self.grid(out, precision_grid(records, self.digits(precision), functions_as))

    def spectrum(self, out: IO[str], found: Sequence[JacobianSpectrum],
                 precision: int | None = None, functions_as: str = "columns") -> None:
        """The spectrum table: a column (or row) per function."""
        self.grid(out, spectrum_grid(found, self.digits(precision), functions_as))

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


def depth_grid(found: Sequence[Setting], digits: int | None,
               functions_as: str = "columns") -> Grid:
    """The depth table of the settings ``found``, numbers to ``digits`` digits."""
    from .meanfield.report import depth_rows
    return Grid([s.label for s in found], [s.named.act for s in found],
                depth_rows(found, digits), digits, [s.notes for s in found],
                [s.name for s in found], functions_as)


def precision_grid(records: Sequence[Precision], digits: int | None,
                   functions_as: str = "columns") -> Grid:
    """The precision table of ``records``, numbers to ``digits`` digits."""
    from .lowprecision import precision_rows

    return Grid([r.spec for r in records], [r.act for r in records],
                precision_rows(records, digits), digits, [r.notes for r in records],
                [f"{r.spec} ({r.dtype})" for r in records], functions_as)


def spectrum_grid(found: Sequence[JacobianSpectrum], digits: int | None,
                  functions_as: str = "columns") -> Grid:
    """The spectrum table of ``found``, numbers to ``digits`` digits."""
    from .meanfield.spectrum import spectrum_rows

    return Grid([s.spec for s in found], [s.activation for s in found],
                spectrum_rows(found, digits), digits, [s.notes for s in found],
                [s.spec for s in found], functions_as)


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
        """Right-aligned columns, numbers aligned on the decimal point: a first pass over
        the table measures each column, the second writes it."""
        digits = self.digits(precision)
        headers = table.headers
        measured = measure(table, digits)
        width = [max(len(h), c.width) for h, c in zip(headers, measured, strict=True)]
        out.write("  ".join(h.rjust(w) for h, w in zip(headers, width, strict=True)).rstrip()
                  + "\n")
        for block in table.blocks():
            for row in _rows(block, digits):
                out.write("  ".join(c.right(cell).rjust(w) for cell, c, w in zip(
                    row, measured, width, strict=True)).rstrip() + "\n")

    def grid(self, out: IO[str], grid: Grid) -> None:
        """Left-aligned columns, numbers aligned on the decimal point; on a terminal, as many
        columns per block as fit its width, each block with the first column again."""
        heads, table = grid.matrix()
        aligned = [Column().add_all([row[j + 1] for row in table]) for j in range(len(heads))]
        table = [[row[0], *(c.left(cell) for c, cell in zip(aligned, row[1:], strict=True))]
                 for row in table]
        specs = list(heads)
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
            rows = [(grid.corner(), *specs[start:end])] + [(row[0], *row[start + 1:end + 1])
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


def measure(table: ValueTable, digits: int | None) -> list[Column]:
    """Each column of ``table`` measured for aligning its numbers (a pass over the table)."""
    measured = [Column() for _ in table.headers]
    for block in table.blocks():
        for row in _rows(block, digits):
            for column, cell in zip(measured, row, strict=True):
                column.add(cell)
    return measured


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
        """Right-aligned columns whose numbers end in figure and punctuation spaces, so that
        their decimal points line up when rendered (a first pass measures the columns)."""
        digits = self.digits(precision)
        headers = table.headers
        measured = measure(table, digits)
        out.write("| " + " | ".join(headers) + " |\n")
        out.write("|" + "|".join("---:" for _ in headers) + "|\n")
        for block in table.blocks():
            for row in _rows(block, digits):
                out.write("| " + " | ".join(c.markdown(cell) for c, cell in zip(
                    measured, row, strict=True)) + " |\n")

    def grid(self, out: IO[str], grid: Grid) -> None:
        heads, table = grid.matrix()
        aligned = [Column().add_all([row[j + 1] for row in table]) for j in range(len(heads))]
        out.write(f"| {grid.corner() or 'property'} | " + " | ".join(heads) + " |\n")
        out.write("|:---|" + "|".join("---:" for _ in heads) + "|\n")
        for label, *cells in table:
            cells = [c.markdown(cell) for c, cell in zip(aligned, cells, strict=True)]
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
    mode aligned on the decimal point, laid out to fit a two-column article
    (:mod:`actviz.latex`): a value table, a difference, and a comparison or depth table of up
    to three functions in a column; more functions across the page (``table*``)."""

    name = "latex"
    extensions = TABLE_FORMATS["latex"]

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        """x and the value columns, right-aligned; the functions that do not fit side by side
        come in blocks under each other, each with its own x column."""
        from . import latex

        digits = self.digits(precision)
        heads = ["$x$", *(c.latex for c in table.columns)]
        measured = measure(table, digits)
        groups: list[list[int]] = []
        for i, column in enumerate(table.columns, start=1):
            if groups and table.columns[groups[-1][0] - 1].function == column.function:
                groups[-1].append(i)
            else:
                groups.append([i])
        layout = latex.value_layout(heads, measured, groups, len(table.xs))
        narrow = latex.value_layout(heads, measured, groups, len(table.xs), (latex.ONE_COLUMN,))

        def write(out: IO[str], layout: Layout) -> None:
            count = 1 + max(len(block) for block in layout.blocks)
            size = layout.size.command
            out.write("{" + size + "\n" if size else "")
            out.write("\\begin{tabular}{" + "r@{}l" * count + "}\n\\toprule\n")
            for n, block in enumerate(layout.blocks):
                pad = [" & "] * (count - 1 - len(block))
                if n:
                    out.write("\\midrule\n")
                out.write(" & ".join(["\\multicolumn{2}{c}{" + heads[i] + "}"
                                      for i in [0, *block]] + pad) + " \\\\\n\\midrule\n")
                for values in table.blocks():
                    for row in _rows([values[0], *(values[i] for i in block)], digits):
                        out.write(" & ".join([" & ".join(latex.split_number(cell))
                                              for cell in row] + pad) + " \\\\\n")
            out.write("\\bottomrule\n\\end{tabular}\n" + ("}\n" if size else ""))

        latex.write_fitting(out, layout, narrow, write)

    def grid(self, out: IO[str], grid: Grid) -> None:
        """Quantities no record has (all "-") are left out unless chosen by name; the notes
        follow as comments, which say how a number was computed without taking room."""
        from . import latex

        latex.write_grid(out, grid)

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        """Quantity, value (aligned on the point) and where, in a column; A and B in a
        comment."""
        from . import latex

        rows = difference_rows(diff, self.digits(precision))
        body = [[quantity, value, where or "-"] for (_, quantity), (_, value, where)
                in zip(DIFFERENCE_LABELS, rows, strict=True)]
        cells = [["quantity", "value", "where"], *latex.aligned(body)]
        for row in cells[1:]:
            row[2] = "" if row[2] == "--" else row[2]
        layout = latex.paragraph_layout(cells, [[1], [2]], latex.COLUMN_WIDTH, blocks=False) \
            or latex.crammed(cells, [[1], [2]], latex.COLUMN_WIDTH)
        lo, hi = diff.range
        latex.write_fitting(
            out, layout, None, lambda o, lay: latex.write_paragraphs(o, cells, lay),
            [f"A = {diff.a}, B = {diff.b}, on [{format_number(lo)}, {format_number(hi)}]"])


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
                   precision: int | None = None, rows: Sequence[str] | None = None,
                   functions_as: str = "columns") -> None:
        """Every key of every record, whatever ``rows`` choose for the tables."""
        data = [r.to_dict() for r in records]
        out.write(json_text(round_data(data, precision, INPUTS)) + "\n")

    def depth(self, out: IO[str], found: Sequence[Setting], precision: int | None = None,
              functions_as: str = "columns") -> None:
        data = [s.to_dict() for s in found]
        out.write(json_text(round_data(data, precision, INPUTS)) + "\n")

    def spectrum(self, out: IO[str], found: Sequence[JacobianSpectrum],
                 precision: int | None = None, functions_as: str = "columns") -> None:
        data = [s.to_dict() for s in found]
        out.write(json_text(round_data(data, precision, INPUTS)) + "\n")

    def precision(self, out: IO[str], records: Sequence[Precision],
                  precision: int | None = None, functions_as: str = "columns") -> None:
        data = [r.to_dict() for r in records]
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
