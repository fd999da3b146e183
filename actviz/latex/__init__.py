r"""LaTeX tables that go into a paper as they are: booktabs alone, numbers aligned on the decimal
point, laid out to fit a two-column article.

Where a table goes: a value table, a difference, and a comparison or depth table of up to
three functions are laid out for one column (``\columnwidth``, 229.5 pt in
``\documentclass[twocolumn]{article}``: ``\begin{table}``) where they fit there; a comparison or
depth table of more functions, and any table that needs it, for the width of the page
(``\textwidth``, 469 pt: ``\begin{table*}``, said in the file's last line), with a second
layout for a one-column article's 345 pt that TeX picks by ``\linewidth``; at most about
500 pt high, so that a caption fits too. What does not fit side by side comes in blocks under
each other (a value table's functions, a comparison's functions or quantities), in a smaller
type (``\small``, ``\footnotesize``, ``\scriptsize``) where that saves stacking.

Layouts are chosen from the widths of the cells, estimated here from the metrics of Computer
Modern at 10 pt (measured with ``\settowidth``; the tests compare the estimates with TeX's own
widths and compile every default table). Columns that wrap (``p``) are given as shares of
``\linewidth``, so a table also fills a wider float; no word is hyphenated
(``\hyphenpenalty=10000``), and a cell breaks only at spaces, after a comma or after a binary
operator or a relation of its formula.

Numbers align on the decimal point without a package: a column of numbers is two columns,
``r@{}l``, the integer part right-aligned and the point, fraction and exponent left-aligned
after it; in a column that wraps text, each number is preceded by a ``\phantom`` of the sign
and integer digits it lacks against the column's widest.
"""


from __future__ import annotations

from .cells import (
    function_cell,
    function_name,
    latex_cell,
    latex_text,
    number_width,
    pad_integer,
    split_number,
    tex_value,
)
from .layout import (
    RAGGED,
    Layout,
    aligned,
    crammed,
    fits,
    grid_cells,
    paragraph_layout,
    value_layout,
    write_fitting,
    write_grid,
    write_paragraphs,
)
from .measure import (
    COLUMN_WIDTH,
    FLOAT_HEIGHT,
    ONE_COLUMN,
    SIZES,
    TEXT_WIDTH,
    Measure,
    Size,
    measure,
    width,
)

__all__ = ["COLUMN_WIDTH", "FLOAT_HEIGHT", "ONE_COLUMN", "RAGGED", "SIZES", "TEXT_WIDTH",
           "Layout", "Measure", "Size", "aligned", "crammed", "fits", "function_cell",
           "function_name", "grid_cells", "latex_cell", "latex_text", "measure", "number_width",
           "pad_integer", "paragraph_layout", "split_number", "tex_value", "value_layout",
           "width", "write_fitting", "write_grid", "write_paragraphs"]
