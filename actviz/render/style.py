"""The look of actviz figures: the house style, colours and line styles, font sizes that
follow the figure's width, sizes for a journal column and a page, and the settings that make
saved files reproducible."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.colors import to_rgb

from .colour import alike, contrast, luminance, reaching, to_hex

# Okabe & Ito's colour-blind-safe hues first (the five of them that stay apart under every
# simulated deficiency), then their orange, sky blue and yellow and two more hues; each is
# darkened or lightened as the background needs (see :func:`colours`). INK stands for the
# style's text colour: black on white, white on a dark background.
INK = "ink"
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", INK, "#E69F00", "#56B4E9", "#F0E442",
           "#7B4FA6", "#8C5A3C")
GREYS = ("#000000", "#6e6e6e", "#3c3c3c", "#5a5a5a", "#7a7a7a", "#2a2a2a", "#4d4d4d",
         "#666666")
"""Curves under a grey style (each at least 4.5:1 on white), told apart by :data:`DASHES`."""
DASHES: tuple[Any, ...] = ("-", (0, (6, 2)), (0, (2.5, 1.2)), (0, (7, 1.6, 1.6, 1.6)),
                           (0, (11, 2.6)), (0, (4.5, 1.2, 1.8, 1.2, 1.8, 1.2)),
                           (0, (9, 1.6, 3.5, 1.6)), (0, (2, 0.9)),
                           (0, (5, 1.4, 5, 1.4, 1.5, 1.4)), (0, (14, 1.8, 2.5, 1.8)))
"""Ten line styles, in units of the line width: solid, dashed, short dashes, dash-dot, long
dashes, dash-dot-dot, ...; each leaves the line drawn on at least two thirds of its length
(a dotted line would show less than half of its curve)."""
ALIKE = 25.0
"""ΔE (CIE Lab) below which two curves' colours get different line styles, with normal
vision or any simulated deficiency: above the 15 at which colours are confused, as a thin
line shows less of its colour than a patch."""


def duty(style: Any) -> float:
    """The share of a line's length a line style draws."""
    if not isinstance(style, tuple):
        return 1.0
    pattern = style[1]
    return float(sum(pattern[0::2]) / sum(pattern))
CURVE_CONTRAST = 3.3
"""WCAG 2 contrast of a curve against its background on a light ground (3:1 asked, with
room for anti-aliasing)."""
DARK_CONTRAST = 4.5
"""The same on a dark ground: WCAG 2's ratio overrates dark colours on black (a 4:1 blue
reads poorly there), so curves get the contrast asked of text."""
TEXT_CONTRAST = 4.6
"""WCAG 2 contrast of label text against the label's box (4.5:1 asked)."""
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
    if color in ("none", "None"):
        color = matplotlib.rcParams["figure.facecolor"]
    return "white" if color in ("none", "None") else color


def dark() -> bool:
    """Whether the axes' background in the style in force is dark."""
    return float(luminance(to_rgb(paper()))) < 0.18


def legible(color: str, ratio: float | None = None, ground: str | None = None) -> str:
    """``color`` darkened (on a light background) or lightened (on a dark one) until it has
    ``ratio`` contrast (default: a curve's) against ``ground`` (default: the axes'
    background)."""
    if ratio is None:
        ratio = DARK_CONTRAST if dark() else CURVE_CONTRAST
    return to_hex(reaching(to_rgb(color), to_rgb(ground or paper()), ratio))


def colours(count: int) -> list[tuple[str, Any]]:
    """(colour, line style) for ``count`` functions: the palette made legible on the
    background in force (see :func:`styled` for the line styles), or greys, each with a
    line style of its own, under a grey style."""
    if monochrome():  # greys differ in lightness only: each gets a line style of its own
        return [(legible(GREYS[i % len(GREYS)]), DASHES[i % len(DASHES)])
                for i in range(count)]
    base = [ink() if c == INK else c for c in (PALETTE[i % len(PALETTE)]
                                               for i in range(count))]
    return styled([legible(c) for c in base])


def ramp(count: int) -> list[tuple[str, Any]]:
    """(colour, line style) for the members of a sweep: viridis from its dark end (from its
    light end on a dark background) as far as its colours keep a curve's contrast against
    the background; greys under a grey style."""
    if monochrome():
        return colours(count)
    from matplotlib import colormaps

    viridis = colormaps["viridis"](np.linspace(0.0, 1.0, 101))[:, :3]
    ratio = DARK_CONTRAST if dark() else CURVE_CONTRAST
    ground = to_rgb(paper())
    ok = [contrast(c, ground) >= ratio for c in viridis]
    start, stop = _longest_run(ok)
    if stop - start < 20:  # a background on which viridis fails: the palette instead
        return colours(count)
    lo, hi = start / 100, (stop - 1) / 100
    spots = [lo + (hi - lo) * i / max(count - 1, 1) for i in range(count)]
    if dark():
        spots = spots[::-1]
    picked = colormaps["viridis"](spots)
    return styled([hex_colour(c) for c in picked])


def _longest_run(flags: Sequence[bool]) -> tuple[int, int]:
    """[start, stop) of the longest run of True."""
    best, start = (0, 0), None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def styled(palette: Sequence[str]) -> list[tuple[str, Any]]:
    """A line style for each colour: solid unless an earlier curve's colour is the same or
    alike (ΔE < 15 with normal vision or under a simulated deficiency, see
    :func:`colour.alike`), then the first of :data:`DASHES` that no such curve has; so no
    two curves share colour and line style, and colours a reader may confuse differ in
    line style too."""
    rgbs = [to_rgb(c) for c in palette]
    chosen: list[int] = []
    for i, rgb in enumerate(rgbs):
        taken = {chosen[j] for j in range(i) if rgbs[j] == rgb or alike(rgbs[j], rgb, ALIKE)}
        free = [k for k in range(len(DASHES)) if k not in taken]
        chosen.append(free[0] if free else min(range(len(DASHES)), key=chosen.count))
    return [(c, DASHES[k]) for c, k in zip(palette, chosen, strict=True)]


def hex_colour(rgba: Sequence[float]) -> str:
    return to_hex(rgba)


def outside(color: str) -> str:
    """The colour of text for a curve of ``color`` drawn outside the axes, on the figure's
    background (a track's names, the numbers of the notes)."""
    return legible(color, TEXT_CONTRAST, matplotlib.rcParams["figure.facecolor"])


def darker(color: str) -> str:
    """The colour of text for a curve of ``color``: the same hue with the contrast asked of
    text against the background (darker on a light one, lighter on a dark one)."""
    return legible(color, TEXT_CONTRAST)


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


def panel_height(size: Any, width: float, layout: str) -> float:
    """The height in inches a panel keeps as its figure grows for a long legend: a preset's
    (:func:`figure_size`), else 2.5 in (overlay) or 1.9 in (grid)."""
    if size in SIZE_PRESETS:
        return 1.3 if width < 5 else 2.0
    return 1.9 if layout == "grid" else 2.5


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

