"""One writer per format (text, CSV, Markdown, LaTeX, JSON), each writing the three kinds of
table: values (:class:`actviz.tables.ValueTable`), properties (``actviz compare``) and
differences (``actviz diff``). The list of formats, their file extensions and the help text of
``--format`` all come from :data:`WRITERS`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from typing import IO, Any, ClassVar

import numpy as np

from ._numbers import format_number, latex_number, round_to, text_number
from ._text import columns, json_ready
from .analysis import Difference, Properties
from .tables import ROWS, ValueTable, difference_rows, latex_header


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
        raise NotImplementedError

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        raise NotImplementedError


def _rows(block: list[np.ndarray], digits: int | None) -> Iterator[list[str]]:
    xs, *values = block
    for i, x in enumerate(xs.tolist()):
        yield [format_number(x), *(text_number(float(v[i]), digits) for v in values)]


def property_cells(records: Sequence[Properties],
                   precision: int | None) -> list[tuple[str, str, list[str]]]:
    """(label, LaTeX label, one cell per record) for every row of the compare table."""
    table = []
    for row in ROWS:
        label, latex = row.labels(records)
        table.append((label, latex, [row.show(r, precision) for r in records]))
    return table


class Text(Writer):
    """Aligned columns for the terminal; property tables transposed (a column per function),
    as many function columns per block as fit in :attr:`width` characters."""

    name = "text"
    extensions = ("txt", "text")
    width = 100

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        digits = self.digits(precision)
        headers = table.headers
        width = [max(len(h), (digits or 17) + 7) for h in headers]
        width[0] = max(len(headers[0]), max(len(format_number(x)) for x in table.xs))
        out.write("  ".join(h.rjust(w) for h, w in zip(headers, width, strict=True)) + "\n")
        for block in table.blocks():
            for row in _rows(block, digits):
                out.write("  ".join(c.rjust(w) for c, w in zip(row, width, strict=True))
                          + "\n")

    def properties(self, out: IO[str], records: Sequence[Properties],
                   precision: int | None = None) -> None:
        table = [(label, *cells) for label, _, cells in
                 property_cells(records, self.digits(precision))]
        specs = [r.spec for r in records]
        label_width = max(len(row[0]) for row in table)
        start = 0
        while start < len(specs):
            used, end = label_width, start
            while end < len(specs):
                col = max(len(specs[end]), *(len(row[end + 1]) for row in table))
                if end > start and used + 2 + col > self.width:
                    break
                used += 2 + col
                end += 1
            rows = [("", *specs[start:end])] + [(row[0], *row[start + 1:end + 1])
                                                 for row in table]
            out.write(columns(rows) + "\n")
            start = end
            if start < len(specs):
                out.write("\n")

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        lo, hi = diff.range
        rows = difference_rows(diff, self.digits(precision))
        out.write(f"A = {diff.a}, B = {diff.b}, on [{format_number(lo)}, "
                  f"{format_number(hi)}]\n")
        out.write(columns([("  " + a, b, c) for a, b, c in rows], right=(False, True)) + "\n")


class Csv(Writer):
    """Comma-separated values with every digit by default; property tables have one row per
    function."""

    name = "csv"
    extensions = ("csv",)
    default_precision = None

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(table.headers)
        for block in table.blocks():
            writer.writerows(_rows(block, precision))

    def properties(self, out: IO[str], records: Sequence[Properties],
                   precision: int | None = None) -> None:
        writer = csv.writer(out, lineterminator="\n")
        table = property_cells(records, precision)
        writer.writerow(["spec", *(label for label, _, _ in table)])
        for i, r in enumerate(records):
            writer.writerow([r.spec, *(cells[i] for _, _, cells in table)])

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["a", "b", "range", "quantity", "value", "where"])
        for quantity, value, where in difference_rows(diff, precision):
            writer.writerow([diff.a, diff.b, " ".join(map(format_number, diff.range)),
                             quantity, value, where])


class Markdown(Writer):
    """GitHub-flavoured Markdown tables; property tables transposed."""

    name = "markdown"
    extensions = ("md", "markdown")

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        headers = table.headers
        out.write("| " + " | ".join(headers) + " |\n")
        out.write("|" + "|".join("---:" for _ in headers) + "|\n")
        for block in table.blocks():
            for row in _rows(block, self.digits(precision)):
                out.write("| " + " | ".join(row) + " |\n")

    def properties(self, out: IO[str], records: Sequence[Properties],
                   precision: int | None = None) -> None:
        specs = [r.spec for r in records]
        out.write("| property | " + " | ".join(specs) + " |\n")
        out.write("|:---|" + "|".join("---:" for _ in specs) + "|\n")
        for label, _, cells in property_cells(records, self.digits(precision)):
            out.write("| " + " | ".join(c.replace("|", r"\|") for c in (label, *cells))
                      + " |\n")

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        lo, hi = diff.range
        out.write(f"A = {diff.a}, B = {diff.b}, on [{format_number(lo)}, "
                  f"{format_number(hi)}]\n\n")
        out.write("| quantity | value | where |\n|:---|---:|:---|\n")
        for row in difference_rows(diff, self.digits(precision)):
            out.write("| " + " | ".join(c.replace("|", r"\|") for c in row) + " |\n")


class Latex(Writer):
    """booktabs tabulars (``\\usepackage{booktabs}``) with numbers in math mode."""

    name = "latex"
    extensions = ("tex", "latex")

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        out.write("\\begin{tabular}{" + "r" * len(table.headers) + "}\n\\toprule\n")
        out.write(" & ".join(["$x$", *(c.latex for c in table.columns)])
                  + " \\\\\n\\midrule\n")
        for block in table.blocks():
            for row in _rows(block, self.digits(precision)):
                out.write(" & ".join(latex_number(cell) for cell in row) + " \\\\\n")
        out.write("\\bottomrule\n\\end{tabular}\n")

    def properties(self, out: IO[str], records: Sequence[Properties],
                   precision: int | None = None) -> None:
        out.write("\\begin{tabular}{l" + "r" * len(records) + "}\n\\toprule\n")
        out.write(" & ".join(["property", *(latex_header(r.act, 0) for r in records)])
                  + " \\\\\n\\midrule\n")
        for _, latex, cells in property_cells(records, self.digits(precision)):
            out.write(" & ".join([latex, *(latex_cell(c) for c in cells)]) + " \\\\\n")
        out.write("\\bottomrule\n\\end{tabular}\n")

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        out.write("\\begin{tabular}{lrl}\n\\toprule\n"
                  "quantity & value & where \\\\\n\\midrule\n")
        for quantity, value, where in difference_rows(diff, self.digits(precision)):
            out.write(f"{latex_text(quantity)} & {latex_number(value)} & "
                      f"{latex_cell(where) if where else ''} \\\\\n")
        out.write("\\bottomrule\n\\end{tabular}\n")


def latex_cell(text: str) -> str:
    r"""Numbers, intervals and ``1.13 at x = 1.41`` in math mode, with ``\infty`` and
    ``\times10^{-5}``; words (yes, no, C-inf) as text."""
    smooth = re.fullmatch(r"C(\d|-inf)", text)
    if smooth:
        return "$C^{" + smooth[1].replace("-inf", r"\infty") + "}$"
    if not re.match(r"[-(\d]", text) or text == "-":
        return latex_text(text)
    body = re.sub(r"\binf\b", r"\\infty", text)
    body = re.sub(r"(\d(?:\.\d+)?)e([+-]?\d+)", lambda m: f"{m[1]}\\times10^{{{int(m[2])}}}",
                  body)
    body = re.sub(r" (at|on|\(edge\)) ?", lambda m: rf"\ \text{{{m[1]}}}\ ", body)
    return f"${body.strip()}$"


def latex_text(text: str) -> str:
    for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
        text = text.replace(char, "\\" + char if char != "\\" else r"\textbackslash{}")
    return text.replace("^", r"\^{}").replace("|", r"$|$")


class Json(Writer):
    """JSON with every digit by default; JSON has no infinity, so +-inf are written as null."""

    name = "json"
    extensions = ("json",)
    default_precision = None

    def values(self, out: IO[str], table: ValueTable, precision: int | None = None) -> None:
        """``{"x": [...], "functions": [{spec, name, params, value, derivative, ...}]}``,
        written array by array."""
        keys = ("value", "derivative", "second_derivative")

        def numbers(values: np.ndarray) -> str:
            flat = values.tolist()
            if precision is not None:
                flat = round_to(flat, precision)
            return json.dumps(json_ready(flat))

        out.write('{"x": ' + numbers(table.xs) + ', "functions": [')
        for n, (named, arrays) in enumerate(table.arrays()):
            act = named.act
            head = {"spec": named.label, "name": act.name, "params": act.params}
            out.write((", " if n else "") + json.dumps(head)[:-1])
            for order, values in arrays.items():
                out.write(f', "{keys[order]}": ' + numbers(values))
            out.write("}")
        out.write("]}\n")

    def properties(self, out: IO[str], records: Sequence[Properties],
                   precision: int | None = None) -> None:
        out.write(json.dumps(json_ready([r.to_dict() for r in records]), indent=2) + "\n")

    def difference(self, out: IO[str], diff: Difference, precision: int | None = None) -> None:
        data: dict[str, Any] = diff.to_dict()
        if precision is not None:
            data = {k: round_to(v, precision) if isinstance(v, float) else v
                    for k, v in data.items()}
        out.write(json.dumps(json_ready(data), indent=2) + "\n")


WRITERS: dict[str, Writer] = {w.name: w for w in (Text(), Csv(), Markdown(), Latex(), Json())}
"""Every table format, by name, in the order ``--format`` lists them."""
FORMATS = tuple(WRITERS)
EXTENSIONS = {ext: w.name for w in WRITERS.values() for ext in w.extensions}
"""File extension -> format."""


def writer(fmt: str) -> Writer:
    """The writer of ``fmt`` (a name of :data:`WRITERS`)."""
    return WRITERS[fmt]
