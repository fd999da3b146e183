"""The figure: panels of f, f' (and f''), their curves and marks, a legend that wraps to the
figure's width, the title, saving, and display in a notebook."""

from __future__ import annotations

import io
import logging
import math
import warnings
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D

from .._files import write_atomically
from .._numbers import label_number
from ..analysis import Difference
from ..catalog import Activation, Named
from ..checks import check_canvas, check_drawable_range
from ..errors import ParameterError
from ..options import Options, figure_options, orders
from ..paths import FIGURE_FORMATS
from .labels import Label, Labels, merge_labels
from .marks import LANE, MARKS, Panel, key_handles, strip_lanes
from .series import Series, breaks, prepare
from .style import (
    HOUSE_STYLE,
    PRIMES,
    SAVE_METADATA,
    SAVE_STYLE,
    colours,
    darker,
    drawing,
    figure_size,
    label_size,
    paper,
)


class ActvizFigure(Figure):
    """A matplotlib :class:`~matplotlib.figure.Figure` that a notebook shows as a picture
    without any magic command (``_repr_png_``); change it and save it like any figure."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        _savefig(self, buffer, "png", None)
        return buffer.getvalue()


def plot(specs: str | Activation | Named | Sequence[str | Activation | Named],
         scope: Any = None, **options: Any) -> ActvizFigure:
    """A figure of f (and f', f'') for each spec, annotated.

    Options: ``range=(-5, 5)`` (default: [-5, 5] widened to show every kink), ``num=1001``,
    ``layout="overlay"|"grid"``, ``columns`` (grid), ``derivative=True``,
    ``second_derivative=False``, ``saturation_threshold=0.05``, ``annotations=True``,
    ``sweep="alpha=0.5,1,2"`` (or ``("alpha", [0.5, 1, 2])``), ``style`` (a matplotlib
    style name), ``dpi=150``, ``size=(w, h)`` in inches or ``"column"``/``"page"``,
    ``title``, ``flavor="torch"``. ``scope`` maps names a config defines to their
    definitions. The same function the ``actviz plot`` command calls.
    """
    if isinstance(specs, (str, Activation, Named)):
        specs = [specs]
    if not isinstance(specs, Sequence):
        raise ParameterError(f"plot takes a spec or a list of specs, got {specs!r}")
    opts = figure_options(options)
    opts.scope = scope
    with ExitStack() as stack:
        stack.enter_context(matplotlib.rc_context(HOUSE_STYLE))
        if opts.style:  # colours depend on the style (greys and dashes under grayscale)
            stack.enter_context(matplotlib.style.context(opts.style))
        series, opts = prepare(list(specs), opts)
    shown = [s if isinstance(s, str) else s.label if isinstance(s, Named) else s.spec
             for s in specs]
    layout = Layout(series, opts)
    with drawing(layout.size[0], opts.style):
        return _figure(series, layout, opts, shown)


class Layout:
    """Where each curve goes: ``blocks`` of curves (one per grid column, or all of them
    overlaid), the panels' rows and columns, and the figure's size."""

    def __init__(self, series: list[Series], opts: Options):
        self.orders = orders(opts)
        self.grid = opts.layout == "grid"
        self.blocks = [series] if opts.sweep or not self.grid else _group(series)
        if self.grid:
            self.columns = min(opts.columns or 3, len(self.blocks))
            self.block_rows = math.ceil(len(self.blocks) / self.columns)
            self.rows = self.block_rows * len(self.orders)
        else:
            self.columns, self.block_rows, self.rows = len(self.orders), 1, 1
        self.size = figure_size(opts.size, (self.rows, self.columns), opts.layout)
        check_canvas(self.size[0], self.size[1], opts.dpi)

    def panels(self) -> list[tuple[int, int, int, list[Series]]]:
        """(row, column, derivative order, curves) of every panel."""
        found = []
        if not self.grid:
            return [(0, c, order, self.blocks[0]) for c, order in enumerate(self.orders)]
        for b, block in enumerate(self.blocks):
            block_row, column = divmod(b, self.columns)
            for k, order in enumerate(self.orders):
                found.append((block_row * len(self.orders) + k, column, order, block))
        return found


def _figure(series: list[Series], layout: Layout, opts: Options,
            specs: list[str]) -> ActvizFigure:
    fig = ActvizFigure(figsize=layout.size, dpi=opts.dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(layout.rows, layout.columns, squeeze=False, sharex=True)
    used: set[tuple[int, int]] = set()
    drawn: set[str] = set()
    firsts: dict[int, Axes] = {}
    size = label_size(layout.size[0])
    for row, column, order, members in layout.panels():
        ax = axes[row, column]
        used.add((row, column))
        if layout.grid:  # the panels of one derivative share their y axis
            first = firsts.setdefault(order, ax)
            if first is not ax:
                ax.sharey(first)
        panel = Panel(order, members, strip_lanes(members), drawn)
        queued: list[Label] = []
        for s in members:
            queued += draw_series(ax, s, panel)
        title = (specs[0] if opts.sweep else members[0].spec) if layout.grid else None
        last = (row + 1, column) not in {(r, c) for r, c, _, _ in layout.panels()}
        _decorate(ax, panel, opts.range, title if order == layout.orders[0] else None,
                  xlabel=last, ylabel=column == 0 or not layout.grid)
        if queued:
            many = len(members) > 1
            floor = LANE * len(panel.lanes) + 0.03 if panel.lanes else 0.0
            ax.add_artist(Labels(merge_labels(queued, many), size, paper(), darker, floor))
    for row in range(layout.rows):
        for column in range(layout.columns):
            if (row, column) not in used:
                fig.delaxes(axes[row, column])
    _legend(fig, series, opts, drawn, layout)
    title = opts.title if opts.title is not None else _default_title(series, specs, opts)
    if title:
        fig.suptitle(title)
    return fig


def _group(series: list[Series]) -> list[list[Series]]:
    """Columns of the grid layout: the outputs of one crelu stay together."""
    groups: list[list[Series]] = []
    for s in series:
        if s.output and groups and groups[-1][0].act is s.act:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def draw_series(ax: Axes, s: Series, panel: Panel) -> list[Label]:
    """One curve on one panel with its discontinuities and annotations; returns the labels
    it wants placed. A curve that lies on an earlier one over the whole range is drawn
    dashed on top of it, so that both show."""
    x, y, ends = breaks(s, panel.order)
    style = s.linestyle if panel.order not in s.same_as else (0, (3, 3))
    (line,) = ax.plot(x, y, color=s.color, linestyle=style, zorder=3)
    line.set_gid(f"curve:{s.label}:{panel.order}")
    labels: list[Label] = []
    for mark in MARKS:
        if s.analysis is not None or mark.always:
            labels += mark.draw(ax, s, panel, ends)
    return labels


def _decorate(ax: Axes, panel: Panel, x_range: tuple[float, float], title: str | None,
              xlabel: bool, ylabel: bool) -> None:
    """Limits (room below the curves for the strips), the zero line, and the titles."""
    ax.set_xlim(*x_range)
    _y_limits(ax, panel)
    ax.axhline(0, color="0.55", lw=0.6, zorder=0.5)
    if title is not None:
        ax.set_title(title)
    if xlabel:  # the lowest panel of its column, even above an empty cell of the grid
        ax.set_xlabel("x")
        ax.xaxis.set_tick_params(labelbottom=True)
    if ylabel:
        ax.set_ylabel(f"f{PRIMES[panel.order]}(x)")


def _y_limits(ax: Axes, panel: Panel) -> None:
    """A panel whose curves are one constant c gets c - 1 to c + 1 (c -+ 1e-6 |c| where 1
    is lost in c's rounding: a constant 1e300), not a range around rounding noise; a panel
    with strips gets room below its curves for them."""
    values = np.concatenate([s.data[panel.order].ravel() for s in panel.members])
    values = values[np.isfinite(values)]
    if not len(values):
        return
    low, high = float(values.min()), float(values.max())
    if high == low:
        pad = max(1.0, 1e-6 * abs(low))
        low, high = low - pad, high + pad
    if not panel.lanes:
        if float(np.ptp(values)) == 0:
            ax.set_ylim(low, high)
        return
    reserve = LANE * len(panel.lanes) + 0.03  # strips, then a gap
    top = 0.06
    span = (high - low) / (1 - reserve - top)
    ax.set_ylim(low - reserve * span, high + top * span)


def _default_title(series: list[Series], specs: list[str], opts: Options) -> str | None:
    """The formula when one function is drawn (a sweep counts as one)."""
    if len(specs) != 1:
        return None
    formula = f"${series[0].act.latex}$"
    if series[0].vector:
        return f"{formula}   over the sampled vector x ({opts.num} points)"
    return formula


# --- the legend ----------------------------------------------------------------------------------

def _legend(fig: Figure, series: list[Series], opts: Options, drawn: set[str],
            layout: Layout) -> None:
    """Curves, then regions, then the marker kinds drawn, read row by row. Regions have one
    entry each: in a figure of several functions, every region is drawn in its function's
    colour (as its curve is), so one neutral entry per kind says what they are."""
    curves: list[Any] = []
    for s in series:
        label = s.label + (" (over the sampled vector)" if s.vector else "")
        hidden = [s.same_as.get(order) for order in layout.orders]
        style = s.linestyle
        if all(hidden):  # drawn dashed on the curve it coincides with, everywhere
            label += f" (= {hidden[0]} on this range)"
            style = (0, (3, 3))
        curves.append(Line2D([], [], color=s.color, linestyle=style, label=label))
    by_rank = sorted(MARKS, key=lambda mark: mark.legend_rank)
    if len(series) == 1:
        regions = [h for mark in by_rank for h in mark.legend(series[0], opts, False)]
    else:
        regions = [h for mark in by_rank for h in mark.common(series, opts)]
    handles = [*curves, *regions, *key_handles(drawn)]
    ncols = _legend_columns(fig, [h.get_label() for h in handles])
    fig.legend(handles=_by_rows(handles, ncols), loc="outside lower center", ncols=ncols,
               frameon=False, numpoints=1)


def _by_rows(handles: list[Any], ncols: int) -> list[Any]:
    """matplotlib fills a legend's columns top to bottom: reorder (and pad the last row with
    blank entries) so that it reads row by row, curves first."""
    rows = math.ceil(len(handles) / ncols)
    padded = handles + [Line2D([], [], linestyle="none", label=" ")
                        for _ in range(rows * ncols - len(handles))]
    return [padded[r * ncols + c] for c in range(ncols) for r in range(rows)]


def _legend_columns(fig: Figure, texts: list[str], handle: float = 2.0) -> int:
    """As many columns (at most 4) as fit the figure's width with every entry (``handle``
    the legend's handle length in font sizes): the legend wraps into more rows, never off
    the figure."""
    fontsize = FontProperties(size=matplotlib.rcParams["legend.fontsize"])
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    em = fontsize.get_size_in_points() * fig.dpi / 72
    widths = [renderer.get_text_width_height_descent(t, fontsize, ismath=False)[0]
              + (handle + 0.8) * em for t in texts]
    room = fig.get_figwidth() * fig.dpi - 2 * em
    for ncols in range(min(4, len(texts)), 0, -1):
        columns = [max(widths[c::ncols], default=0) for c in range(ncols)]
        if sum(columns) + 2.0 * em * (ncols - 1) <= room:
            return ncols
    return 1


# --- the difference of two functions ------------------------------------------------------------

def plot_difference(diff: Difference, a: Activation, b: Activation, num: int = 2001,
                    dpi: float = 150.0, size: Any = None, style: str | None = None,
                    title: str | None = None) -> ActvizFigure:
    """f_A - f_B and f'_A - f'_B on the range of ``diff`` (an :class:`analysis.Difference`
    of ``a`` and ``b``), each largest |difference| marked (every point where it is taken)
    and labelled where it hides nothing. ``size``, ``style`` and ``title`` as in
    :func:`plot` (the default title names A and B)."""
    lo, hi = diff.range
    check_drawable_range(lo, hi)
    kinks = [k.x for act in (a, b) for k in act.kinks_in(lo, hi) if lo < k.x < hi]
    xs = np.unique(np.concatenate([np.linspace(lo, hi, num), kinks]))
    fa, fb = a.evaluate(xs, 1), b.evaluate(xs, 1)
    marks = [(diff.max_abs_at, diff.max_abs_on, "max |\u0394f|", diff.max_abs),
             (diff.max_abs_derivative_at, diff.max_abs_derivative_on, "max |\u0394f\u2032|",
              diff.max_abs_derivative)]
    width, height = figure_size(size, (1, 2), "overlay")
    check_canvas(width, height, dpi)
    with drawing(width, style):
        fig = ActvizFigure(figsize=(width, height), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 2, sharex=True)
        (curve, dashes), (mark, _) = colours(2)  # greys under a grey style
        for order, ax in enumerate(axes):
            ax.plot(xs, fa[order] - fb[order], color=curve, linestyle=dashes,
                    gid=f"curve:difference:{order}")
            ax.axhline(0, color="0.55", lw=0.6, zorder=0.5)
            where, spans, text, value = marks[order]
            # points where the largest difference is taken get a marker; a stretch where it
            # is taken throughout (two functions that agree there) only the label, at its middle
            points = np.array(where or [(p + q) / 2 for p, q in spans[:1]], dtype=float)
            ys = a.evaluate(points, order)[order] - b.evaluate(points, order)[order]
            for x0, y0 in zip(points.tolist() if where else [], ys.tolist(), strict=False):
                ax.plot([x0], [y0], linestyle="none", marker="^" if y0 >= 0 else "v", ms=7,
                        color=mark, clip_on=False, zorder=6,
                        gid=f"max_difference:{order}")
            at = " and ".join(label_number(x) for x in where)
            on = ("on the whole range" if spans == (diff.range,) else "on " + " and ".join(
                f"{s.brackets()[0]}{label_number(s[0])}, {label_number(s[1])}{s.brackets()[1]}"
                for s in spans))
            long = ", ".join(([on] if spans else []) + ([f"at x = {at}"] if where else []))
            short = ", ".join(([on] if spans else []) + ([f"at {at}"] if where else []))
            anchor = (float(points[0]), float(ys[0]))
            ax.set_xlim(lo, hi)
            ax.set_xlabel("x")
            ax.set_ylabel([r"$\Delta f = f_A(x) - f_B(x)$",
                           r"$\Delta f' = f'_A(x) - f'_B(x)$"][order])
            label = Label(anchor, (f"{text} = {label_number(value)} {long}",
                                   f"{label_number(value, 3)} {short}",
                                   label_number(value, 3)), mark, "difference")
            ax.add_artist(Labels([label], label_size(width), paper(), darker))
        title = f"A = {diff.a},  B = {diff.b}" if title is None else title
        if title:
            fig.suptitle(title)
    return fig


# --- saving ------------------------------------------------------------------------------------

def save(fig: Figure, path: str | Path, fmt: str | None = None,
         dpi: float | None = None) -> Path:
    """Write ``fig`` to ``path`` atomically (a temporary file in the same folder, renamed into
    place), with fixed metadata so that the same figure gives the same bytes."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    if fmt not in FIGURE_FORMATS:
        raise ParameterError(f"unknown figure format '{fmt}'; choose one of "
                             f"{', '.join(FIGURE_FORMATS)}")
    return write_atomically(path, lambda handle: _savefig(fig, handle, fmt, dpi))


def _savefig(fig: Figure, handle: Any, fmt: str, dpi: float | None) -> None:
    """Save with the settings that make the bytes reproducible; a layout that does not fit
    the figure's size is an error, not a warning. A PNG at the figure's own resolution has
    its layout made once here, so that matplotlib does not draw the whole figure a first
    time only to lay it out."""
    engine = fig.get_layout_engine()
    once = fmt == "png" and dpi in (None, fig.dpi) and engine is not None
    with matplotlib.rc_context(SAVE_STYLE), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        if once:
            assert engine is not None
            engine.execute(fig)
            fig.set_layout_engine(None)
        fonts = logging.getLogger("fontTools")  # PDF subsetting: "'created' timestamp
        level = fonts.level                       # seems very low", of DejaVu's fonts
        fonts.setLevel(logging.ERROR)
        try:
            fig.savefig(handle, format=fmt, dpi=dpi or fig.dpi, metadata=SAVE_METADATA[fmt])
        finally:
            fonts.setLevel(level)
            if once:
                fig.set_layout_engine(engine)
    for warning in seen:
        if "layout" in str(warning.message):
            width, height = fig.get_size_inches()
            raise ParameterError(f"the figure does not fit in {width:g} x {height:g} "
                                 "inches; give a larger --size")
        warnings.warn(warning.message, warning.category, stacklevel=3)
