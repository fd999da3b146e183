"""The look of actviz figures: the house style, colours and line styles, font sizes that
follow the figure's width, sizes for a journal column and a page, and the settings that make
saved files reproducible."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import matplotlib
import matplotlib.style
from matplotlib.colors import to_rgb

# Okabe & Ito's colour-blind-safe palette, most distinct first (yellow last: faint on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
GREYS = ("#000000", "#555555", "#888888", "#333333", "#6f6f6f", "#222222", "#999999",
         "#444444")
"""Curves under a grey style, told apart by :data:`DASHES` as well."""
DASHES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1.5, 1, 1.5, 1, 1.5)),
                           (0, (1, 1)), (0, (8, 2)), (0, (3, 1, 3, 1, 1, 1)))
PRIMES = ("", "\u2032", "\u2033")  # f, f′, f″

HOUSE_STYLE: Any = {
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "legend.fontsize": 8.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "lines.linewidth": 1.7,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "hatch.linewidth": 0.7,
    "figure.dpi": 100.0,
    "legend.numpoints": 1,  # (the classic style draws two markers per legend entry)
    "legend.scatterpoints": 1,
}

FULL_WIDTH = 8.2
"""The default figure width (two panels) in inches; narrower figures get smaller fonts."""
SIZE_PRESETS = {"column": 3.3, "page": 7.0}
"""Widths in inches of a journal's single column and of its full text width."""
LABEL_SIZE = 7.5
"""Points, at the full width."""


def scale(width: float) -> float:
    """Fonts shrink with the figure's width, to 3/4 at a column (3.3 in) and no further, so
    that a column figure still holds its labels and nothing drops below 6 pt."""
    return min(1.0, max(0.75, 0.75 + 0.25 * (width - 3.3) / (FULL_WIDTH - 3.3)))


def scaled_style(width: float) -> Any:
    """The house style's font sizes and line widths for a figure ``width`` inches wide."""
    factor = scale(width)
    style = dict(HOUSE_STYLE)
    for key in ("font.size", "axes.titlesize", "axes.labelsize", "legend.fontsize",
                "xtick.labelsize", "ytick.labelsize"):
        style[key] = max(6.0, HOUSE_STYLE[key] * factor)
    style["lines.linewidth"] = HOUSE_STYLE["lines.linewidth"] * (0.5 + 0.5 * factor)
    return style


@contextmanager
def drawing(width: float, style: str | None = None) -> Iterator[None]:
    """The rcParams a figure ``width`` inches wide is drawn under: the house style scaled to
    that width, then the matplotlib ``style`` asked for, if any."""
    with ExitStack() as stack:
        stack.enter_context(matplotlib.rc_context(scaled_style(width)))
        if style:
            stack.enter_context(matplotlib.style.context(style))
        yield


def label_size(width: float) -> float:
    return max(6.0, LABEL_SIZE * scale(width))


def monochrome() -> bool:
    """Whether the style in force draws in greys only (``grayscale``): then curves are
    told apart by line style, not colour."""
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color", [])
    if not cycle:
        return False
    for color in cycle:
        r, g, b = to_rgb(color)
        if max(r, g, b) - min(r, g, b) > 0.02:
            return False
    return True


def ink() -> str:
    """The colour of text and axes in the style in force (white on dark_background)."""
    return matplotlib.rcParams["text.color"]


def paper() -> str:
    """The background of the axes in the style in force (fills open markers)."""
    color = matplotlib.rcParams["axes.facecolor"]
    return "white" if color in ("none", "None") else color


def colours(count: int) -> list[tuple[str, Any]]:
    """(colour, line style) for ``count`` functions: the palette with solid lines, or greys
    with dashes under a grey style."""
    if monochrome():
        return [(GREYS[i % len(GREYS)], DASHES[i % len(DASHES)]) for i in range(count)]
    return [(PALETTE[i % len(PALETTE)], "-") for i in range(count)]


def ramp(count: int) -> list[tuple[str, Any]]:
    """(colour, line style) for the members of a sweep: a sequential colour map, or greys
    with dashes under a grey style."""
    if monochrome():
        return colours(count)
    from matplotlib import colormaps

    viridis = colormaps["viridis"]
    last = max(count - 1, 1)
    return [(hex_colour(viridis(0.05 + 0.8 * i / last)), "-") for i in range(count)]


def hex_colour(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgba[:3])


def darker(color: str) -> str:
    """A colour for text in that colour, a little darker so it reads on a light ground;
    on a dark ground the colour itself."""
    if sum(to_rgb(paper())) < 1.5:
        return hex_colour([min(1.0, 0.25 + c) for c in to_rgb(color)])
    return hex_colour([0.8 * c for c in to_rgb(color)])


def figure_size(size: Any, panels: tuple[int, int], layout: str) -> tuple[float, float]:
    """The size in inches: given (W, H), a preset name (its width, a height for the
    panels), or the default for ``panels`` = (rows, columns)."""
    rows, cols = panels
    if isinstance(size, tuple) and len(size) == 2 and all(isinstance(v, float) for v in size):
        return size
    if size in SIZE_PRESETS:
        width = SIZE_PRESETS[size]
        per_row = 1.45 if width < 5 else 2.1
        return width, round(per_row * rows + (1.1 if width < 5 else 1.0), 2)
    if layout == "grid":
        return max(3.1 * cols, 4.6), 2.5 * rows + 1.0
    return 3.9 * cols + 0.4, 3.6


SAVE_STYLE: Any = {
    "svg.hashsalt": "actviz",  # fixed ids: the same figure gives the same SVG bytes
    "svg.fonttype": "path",
    "pdf.fonttype": 42,  # TrueType fonts in PDFs, as journals ask
}
"""rcParams that matter when a figure is written, so saving sets them then."""

SAVE_METADATA = {
    "png": {"Software": "actviz"},
    "svg": {"Date": None, "Creator": "actviz"},
    "pdf": {"Creator": "actviz", "Producer": "actviz", "CreationDate": None},
}


def round_outward(lo: float, hi: float) -> tuple[float, float]:
    """``[lo, hi]`` widened to multiples of a round step (1, 2 or 5 times a power of ten,
    about a tenth of the span): range ends a reader takes in at a glance."""
    raw = (hi - lo) / 10
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 5, 10) if f * power >= raw)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step
