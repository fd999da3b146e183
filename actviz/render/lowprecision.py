"""The figure of ``actviz precision``: for each function a row of two panels, the ulp error
of f and of f' against x, one curve per format, with the intervals where f' flushes to 0
(though its exact value rounded is not 0), where the exact f' underflows, and where f
overflows, shaded in the format's colour, each kind with its own hatching.

A curve is the largest error among the points swept in each short stretch of x
(:data:`BINS_PER_INCH`; a format's 40,000 values would be a solid band): no point's error
is hidden by its neighbours. The y axis is linear from 0 to 1 ulp (correctly rounded values
lie under the dotted 0.5 ulp line) and logarithmic above, where flushes reach 2^p ulps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from ..checks import check_canvas
from ..errors import ParameterError
from ..lowprecision import Interval, Precision
from .style import SIZE_PRESETS, colours, drawing, figure_size, ink

BINS_PER_INCH = 70
"""Stretches of x per inch of figure width per panel whose largest error a curve shows."""
DASHES: tuple[Any, ...] = (  # matplotlib line styles: "-" or (offset, dash pattern)
    "-", (0.0, (5.0, 2.0)), (0.0, (1.0, 1.5)), (0.0, (6.0, 2.0, 1.0, 2.0)), (0.0, (2.0, 2.0)))
"""A line style per format, so that the formats stay apart in grey print and for a reader
who cannot tell their colours apart (five formats at most)."""
REGIONS = (("df_flush", "f\u2032 flushes to 0", "////", 0.22),
           ("df_underflow", "exact f\u2032 underflows", "....", 0.12),
           ("f_overflow", "f overflows", "xxxx", 0.22))
"""The kinds of interval: the key, the legend's words, the hatching, the fill's opacity."""


def envelope(x: np.ndarray, err: np.ndarray, lo: float, hi: float, bins: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the curve: every point where there are fewer than two per stretch, else
    the largest finite error of each stretch at its middle (NaN where a stretch holds none,
    which breaks the line)."""
    finite = np.where(np.isfinite(err), err, np.nan)
    if len(x) <= 2 * bins:
        return x, finite
    edges = np.linspace(lo, hi, bins + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    top = np.full(bins, -np.inf)
    known = ~np.isnan(finite)
    np.maximum.at(top, which[known], finite[known])
    return (edges[:-1] + edges[1:]) / 2, np.where(np.isfinite(top), top, np.nan)


def _size(size: Any, rows: int) -> tuple[float, float]:
    if size is None:
        return 8.2, round(2.3 * rows + 1.5, 2)
    if size in SIZE_PRESETS:
        width = SIZE_PRESETS[size]
        return width, round((1.5 if width < 5 else 2.2) * rows + (1.9 if width < 5 else 1.5), 2)
    width, height = figure_size(size, (rows, 2), "overlay")
    if width < 3.0 or height < 1.4 * rows + 1.2:
        raise ParameterError(f"the precision figure's {rows} row(s) of panels and legend need "
                             f"--size W H with W >= 3 and H >= {1.4 * rows + 1.2:g}; got "
                             f"{width:g} x {height:g}; or give --size column or page")
    return width, height


LANE = 0.12
"""With several formats, each format's intervals lie in a lane of its own under the panel's
0 (in the linear part of the axis, in units of ulp), so that they neither cover the curves
nor each other."""


def _spans(ax: Axes, spans: list[Interval] | None, colour: str, hatch: str, alpha: float,
           pad: float, gid: str, lane: int | None = None) -> None:
    """Each interval shaded, at least ``pad`` wide on either side of a single point: the
    panel's whole height, or lane ``lane`` under its 0."""
    for lo, hi in spans or []:
        if lane is None:
            ax.axvspan(lo - pad, hi + pad, facecolor=(*_rgb(colour), alpha), edgecolor=colour,
                       hatch=hatch, linewidth=0, zorder=0.5, gid=gid)
        else:
            top = -LANE * (lane + 0.5)
            ax.fill_between([lo - pad, hi + pad], top - LANE * 0.8, top,
                            facecolor=(*_rgb(colour), min(1.0, 3 * alpha)), edgecolor=colour,
                            hatch=hatch, linewidth=0, zorder=0.5, gid=gid)


def _rgb(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


def _panel(ax: Axes, records: Sequence[Precision], order: int, styles: dict[str, Any],
           lo: float, hi: float, bins: int) -> None:
    pad = (hi - lo) * 0.002
    top = 1.0
    keys = ["f_overflow"] if order == 0 else [key for key, *_ in REGIONS[:2]]
    lanes = len(records) > 1 and any(
        (r.curves.f_overflow if key == "f_overflow" and r.curves else getattr(r, key))
        for r in records for key in keys)
    for k, r in enumerate(records):
        assert r.curves is not None
        colour, dashes = styles[r.dtype]
        c = r.curves
        lane = k if lanes else None
        if order == 0:
            _spans(ax, c.f_overflow, colour, REGIONS[2][2], REGIONS[2][3], pad,
                   f"f_overflow:{r.spec}:{r.dtype}", lane)
        else:
            for key, _, hatch, alpha in REGIONS[:2]:
                _spans(ax, getattr(r, key), colour, hatch, alpha, pad,
                       f"{key}:{r.spec}:{r.dtype}", lane)
        gx, gy = envelope(c.x, c.ulp_f if order == 0 else c.ulp_df, lo, hi, bins)
        marker = "o" if len(c.x) <= 2 * bins else None
        ax.plot(gx, gy, color=colour, linestyle=dashes, marker=marker, markersize=2.5,
                linewidth=1.2, zorder=3, gid=f"ulp:{r.spec}:{r.dtype}:{order}")
        if np.isfinite(gy).any():
            top = max(top, float(np.nanmax(gy)))
    ax.axhline(0.5, color=ink(), linestyle=(0, (1, 2)), linewidth=0.8, zorder=2,
               gid="half_ulp")
    ax.set_yscale("symlog", linthresh=1.0, linscale=1.0)
    high = 2 ** math.ceil(math.log2(top) + 0.5) if top > 1 else 1.05
    ax.set_ylim(-LANE * (len(records) + 0.3) if lanes else 0, high)
    ticks = [0.0, 0.5, 1.0] + [10.0**k for k in range(1, int(math.log10(high)) + 1)]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(_tick))
    ax.set_xlim(lo, hi)
    ax.set_xlabel("x")
    prime = "\u2032" if order else ""
    ax.set_ylabel(f"ulp error of f{prime}")
    ax.set_title(f"{records[0].spec}: f{prime}", loc="left")


def _wrapped(title: str, width: float) -> str:
    """The title broken into lines that fit the figure's width (a column is 3.3 in)."""
    import textwrap

    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    points = FontProperties(size=rcParams["figure.titlesize"]).get_size_in_points()
    return textwrap.fill(title, max(20, int(width * 72 / (0.55 * points))))


def _tick(value: float, _: Any = None) -> str:
    """0, 0.5, 1, 10, 100, 1000, then powers of ten."""
    if value < 1e4:
        return f"{value:g}"
    return f"$10^{{{round(math.log10(value))}}}$"


def precision_figure(records: Sequence[Precision], dpi: float = 150.0, size: Any = None,
                     style: str | None = None, title: str | None = None) -> Figure:
    """A row per function of ``records`` (:func:`actviz.lowprecision.sweeps`): the ulp
    error of f and of f' against x, a curve per format, the intervals of each record
    shaded (see the module's docstring)."""
    if not records:
        raise ParameterError("no function to draw; give at least one SPEC")
    specs = list(dict.fromkeys(r.spec for r in records))
    dtypes = list(dict.fromkeys(r.dtype for r in records))
    width, height = _size(size, len(specs))
    check_canvas(width, height, dpi)
    xs = [r.curves.x for r in records if r.curves is not None]
    lo, hi = min(float(x[0]) for x in xs), max(float(x[-1]) for x in xs)
    with drawing(width, style):
        fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(len(specs), 2, squeeze=False, sharex=True)
        styles = {dtype: (colour, DASHES[k]) for k, (dtype, (colour, _)) in
                  enumerate(zip(dtypes, colours(len(dtypes)), strict=True))}
        for row, spec in enumerate(specs):
            mine = [r for r in records if r.spec == spec]
            for order in (0, 1):
                _panel(axes[row, order], mine, order, styles, lo, hi,
                       max(40, round(BINS_PER_INCH * width / 2.6)))
                if row < len(specs) - 1:
                    axes[row, order].set_xlabel("")
        handles: list[Any] = [Line2D([], [], color=c, linestyle=d, label=name)
                              for name, (c, d) in styles.items()]
        handles.append(Line2D([], [], color=ink(), linestyle=(0, (1, 2)), linewidth=0.8,
                              label="0.5 ulp"))
        for key, words, hatch, alpha in REGIONS:
            if any((r.curves.f_overflow if key == "f_overflow" and r.curves else
                    getattr(r, key)) for r in records):
                handles.append(Patch(facecolor=(*_rgb(ink()), alpha * 0.5), edgecolor=ink(),
                                     hatch=hatch, linewidth=0, label=words))
        fig.legend(handles=handles, loc="outside lower center",
                   ncols=min(len(handles), 2 if width < 5 else 7), frameon=False)
        if title is None:
            title = f"ulp error in {', '.join(dtypes)} ({records[0].mode} mode)"
        if title:
            fig.suptitle(_wrapped(title, width))
    return fig
