r"""Layouts that fit a two-column article, and the writers of the tables in them."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from .._align import Column, parts
from .._numbers import format_number
from .cells import function_cell, latex_cell, number_width, pad_integer
from .measure import (
    COLUMN_WIDTH,
    FLOAT_HEIGHT,
    GAP,
    ONE_COLUMN,
    RULES,
    SIZES,
    SLACK,
    TABCOLSEP,
    TEXT_WIDTH,
    Measure,
    Size,
    measure,
)

if TYPE_CHECKING:
    pass

@dataclass(frozen=True)
class Layout:
    """How a table is set: its size, its blocks (the columns of each, after the first
    column, which every block repeats), the width of each position of the tabular in pt
    (paragraph columns; none for columns of numbers), its estimated height and the width it
    was laid out for."""

    size: Size
    blocks: list[list[int]]
    widths: list[float]
    height: float
    target: float

if TYPE_CHECKING:
    from ..tables import Grid


def _blocks(groups: Sequence[list[int]], count: int) -> list[list[int]]:
    """The groups in ``count`` blocks (or fewer) of nearly equal numbers of groups, in
    order."""
    per = math.ceil(len(groups) / count)
    return [[i for group in groups[k:k + per] for i in group]
            for k in range(0, len(groups), per)]


def _pack(units: Sequence[list[int]], widths: Sequence[float], budget: float
          ) -> list[list[int]]:
    """The units (lists of columns) in order, as few blocks as hold them within ``budget``
    (each unit fits alone)."""
    blocks: list[list[int]] = []
    used = budget
    for unit in units:
        need = sum(widths[j] for j in unit)
        if used + need > budget:
            blocks.append([])
            used = 0.0
        blocks[-1] += unit
        used += need
    return blocks


def _joint(units: Sequence[list[int]], widths: Sequence[float], budget: float
           ) -> list[list[int]] | None:
    """Units packed into blocks whose columns, which the blocks share (a position of the
    tabular is as wide as its widest cell in any block), fit ``budget`` together; None if
    they cannot."""
    room = budget
    while room > 0:
        blocks = _pack(units, widths, room)
        count = max(len(block) for block in blocks)
        joint = sum(max((widths[b[k]] for b in blocks if k < len(b)), default=0.0)
                    for k in range(count))
        if joint <= budget:
            return blocks
        if all(len(block) == 1 for block in blocks):
            return None
        room = min(room - 1.0, room - (joint - budget))
    return None


# value tables: right-aligned columns of numbers, the x column repeated in each block


def value_layout(heads: Sequence[str], columns: Sequence[Column], groups: Sequence[list[int]],
                 rows: int, targets: Sequence[float] = (COLUMN_WIDTH, TEXT_WIDTH)) -> Layout:
    """A value table's layout: in a column if it fits there, else across the page; at the
    largest size, and in it the fewest blocks, that fit the width and the float's height
    (failing the height: the largest size that fits the width). ``groups`` are each
    function's columns, kept together in a block where they fit (the x column, 0, is in
    every block); a function whose columns do not fit side by side is split."""
    natural = [max(measure(h).longest_line, sum(number_width(c)))
               for h, c in zip(heads, columns, strict=True)]
    fallback: Layout | None = None
    for target in targets:
        for size in SIZES:
            scaled = [w * size.scale + 2 * TABCOLSEP for w in natural]
            budget = target - SLACK - scaled[0]
            units = [g for group in groups for g in (
                [group] if sum(scaled[j] for j in group) <= budget else [[j] for j in group])]
            if any(scaled[u[0]] > budget for u in units):
                continue
            blocks = _joint(units, scaled, budget)
            if blocks is None:
                continue
            height = len(blocks) * (rows + 1) * size.line + (len(blocks) + 2) * RULES
            layout = Layout(size, blocks, [], height, target)
            if height <= FLOAT_HEIGHT:
                return layout
            fallback = fallback or layout
    return fallback or Layout(SIZES[-1], [[j] for group in groups for j in group], [],
                              math.inf, targets[-1])


# tables whose cells wrap: compare, depth, diff


def paragraph_layout(cells: Sequence[Sequence[str]], groups: Sequence[list[int]],
                     target: float, blocks: bool = True) -> Layout | None:
    """The fewest blocks, and for them the largest size, in which the table of ``cells``
    (rows of LaTeX, the heads first, the labels in the first column) fits ``target`` wide
    and the float's height; if none fits the height, the lowest of those that fit the width;
    None if none does. ``groups`` are the other columns, in the order they go into blocks."""
    measures = [[measure(row[j]) for row in cells] for j in range(len(cells[0]))]
    least = [max(m.widest for m in column) for column in measures]
    most = [max(m.natural for m in column) for column in measures]
    best: Layout | None = None
    for count in range(1, (len(groups) if blocks else 1) + 1):
        parts_ = _blocks(groups, count)
        positions = [[0, *block] for block in parts_]
        for size in SIZES:
            widths = _widths(positions, least, most, size.scale, target - SLACK)
            if widths is None:
                continue
            height = _height(measures, positions, widths, size)
            layout = Layout(size, parts_, widths, height, target)
            if height <= FLOAT_HEIGHT:
                return layout
            if best is None or height < best.height:
                best = layout
    return best


def _widths(positions: Sequence[list[int]], least: Sequence[float], most: Sequence[float],
            scale: float, budget: float) -> list[float] | None:
    """The width of each position of the tabular (the blocks share them): at least the
    widest piece of every cell there, the room left shared in proportion to what they would
    take on one line; None if they do not fit ``budget``."""
    count = max(len(p) for p in positions)
    low = [max(least[p[k]] for p in positions if k < len(p)) * scale for k in range(count)]
    high = [max(max(most[p[k]] for p in positions if k < len(p)) * scale, low[k])
            for k in range(count)]
    free = budget - GAP * (count - 1)
    if sum(low) > free:
        return None
    if sum(high) <= free:
        return high
    spare = free - sum(low)
    want = sum(h - lo for h, lo in zip(high, low, strict=True))
    return [lo + spare * (h - lo) / want for h, lo in zip(high, low, strict=True)]


def _height(measures: Sequence[Sequence[Measure]], positions: Sequence[list[int]],
            widths: Sequence[float], size: Size) -> float:
    total = (len(positions) * 2 + 1) * RULES
    for columns in positions:
        for r in range(len(measures[0])):
            lines = max(measures[j][r].lines(widths[k], size.scale)
                        for k, j in enumerate(columns))
            total += lines * size.line
    return total


RAGGED = "\\raggedright\\hspace{0pt}"
"""Left-aligned, unjustified text in a narrow paragraph column (safe because the rows end
with ``\\tabularnewline``, not ``\\\\``, which \\raggedright redefines)."""


def write_paragraphs(out: IO[str], cells: Sequence[Sequence[str]], layout: Layout) -> None:
    """The table of ``cells`` in ``layout``: paragraph columns as shares of ``\\linewidth``,
    blocks under each other."""
    size = layout.size
    count = len(layout.widths)
    gaps = GAP * (count - 1)
    free = layout.target - SLACK - gaps
    spec = f"@{{\\hspace{{{format_number(GAP)}pt}}}}".join(
        f"p{{\\dimexpr(\\linewidth-{format_number(gaps)}pt)*{math.floor(1000 * w / free)}"
        f"/1000\\relax}}" for w in layout.widths)
    out.write("{" + size.command + "\\hyphenpenalty=10000\n")
    out.write(f"\\begin{{tabular}}{{@{{}}{spec}@{{}}}}\n\\toprule\n")
    for n, block in enumerate(layout.blocks):
        columns = [0, *block]
        pad = [""] * (count - len(columns))
        if n:
            out.write("\\midrule\n")
        for r, row in enumerate(cells):
            line = [RAGGED + _sized(row[j], size) if row[j] else "" for j in columns]
            out.write(" & ".join(line + pad) + " \\tabularnewline\n")
            if r == 0:
                out.write("\\midrule\n")
    out.write("\\bottomrule\n\\end{tabular}}\n")


def write_fitting(out: IO[str], layout: Layout, narrow: Layout | None,
                  write: Callable[[IO[str], Layout], None], comments: Sequence[str] = ()
                  ) -> None:
    """A table in ``layout``; one laid out for the page of a two-column article also in
    ``narrow``, for the 345 pt of a one-column article, chosen by TeX from ``\\linewidth``;
    then the ``comments`` and, for a table wider than a column, a line that says so."""
    if layout.target > COLUMN_WIDTH and narrow is not None:
        out.write(f"\\ifdim\\linewidth<{format_number(layout.target - SLACK)}pt% "
                  f"a one-column page: {format_number(narrow.target)} pt\n")
        write(out, narrow)
        out.write("\\else% the page of a two-column article\n")
        write(out, layout)
        out.write("\\fi\n")
    else:
        write(out, layout)
    out.write("".join(f"% {line}\n" for line in comments))
    out.write(fits(layout.target))


def _sized(cell: str, size: Size) -> str:
    """The parameters under a function's name one size below a table in small type, never
    larger than the table's own."""
    if size.scale < 0.9:
        return cell.replace("\\newline{\\footnotesize ", "\\newline{\\scriptsize ")
    return cell


def fits(target: float) -> str:
    """The comment that says that a table needs the width of the page (a table without it
    fits a column)."""
    if target <= COLUMN_WIDTH:
        return ""
    return ("% actviz: fits \\textwidth, not a column: in a two-column article "
            "\\begin{table*}...\\input{this file}...\\end{table*}\n")


def grid_cells(grid: Grid) -> list[list[str]]:
    """A compare or depth table as rows of LaTeX cells, heads first, whichever way round, its
    numbers aligned on the point. Quantities no record has (all "-") are left out unless
    they were chosen."""
    keep = [(latex, cells) for _, latex, cells in grid.rows
            if grid.chosen or any(c != "-" for c in cells)]
    heads = [function_cell(act) for act in grid.functions]
    if grid.functions_as == "rows":
        top = ["", *(latex for latex, _ in keep)]
        body = [[head, *(cells[i] for _, cells in keep)] for i, head in enumerate(heads)]
    else:
        top = ["", *heads]
        body = [[latex, *cells] for latex, cells in keep]
    return [top, *aligned(body)]


def aligned(body: Sequence[Sequence[str]]) -> list[list[str]]:
    """Rows of text cells (a LaTeX label first) as LaTeX, the plain numbers of each column
    aligned on the point (:func:`pad_integer`), the rest through :func:`latex_cell`."""
    count = len(body[0]) if body else 0
    columns = [Column().add_all([row[j] for row in body]) for j in range(count)]
    return [[row[0], *(pad_integer(c, columns[j]) if parts(c) is not None else latex_cell(c)
                       for j, c in enumerate(row) if j)] for row in body]


def write_grid(out: IO[str], grid: Grid) -> None:
    """A compare or depth table: for up to three functions in a column if it fits there,
    else across the page (and for a one-column page)."""
    cells = grid_cells(grid)
    groups = [[j] for j in range(1, len(cells[0]))]
    functions = len({act.spec for act in grid.functions})
    layout = None
    for target in ([COLUMN_WIDTH] if functions <= 3 else []) + [TEXT_WIDTH]:
        layout = paragraph_layout(cells, groups, target) or crammed(cells, groups, target)
        if layout.height <= FLOAT_HEIGHT:
            break
    assert layout is not None
    narrow = paragraph_layout(cells, groups, ONE_COLUMN) or crammed(cells, groups, ONE_COLUMN)
    notes = grid.grouped_notes()
    write_fitting(out, layout, narrow, lambda o, lay: write_paragraphs(o, cells, lay),
                  ["Notes:", *notes] if notes else [])


def crammed(cells: Sequence[Sequence[str]], groups: Sequence[list[int]], target: float
             ) -> Layout:
    """When nothing fits: one column per block, in the smallest type."""
    size = SIZES[-1]
    least = [max(measure(row[j]).widest for row in cells) * size.scale
             for j in range(len(cells[0]))]
    return Layout(size, [list(g) for g in groups], [least[0], max(least[1:], default=0.0)],
                  math.inf, target)
