"""The figure: panels of f, f' (and f''), their curves and marks, a legend that wraps to the
figure's width, the title, saving, and display in a notebook."""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend_handler import HandlerBase
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from .._files import write_atomically
from .._numbers import label_number
from ..analysis import Difference
from ..catalog import Activation, Named
from ..checks import check_canvas, check_drawable_range
from ..errors import ParameterError
from ..paths import FIGURE_FORMATS
from ..resolved import Options, orders
from .curves import SharedStretches, partition
from .labels import Label, Labels, merge_labels
from .layout import Cell, PanelLayout
from .marks import MARKS, Panel, key_handles, separate_markers, strip_lanes
from .series import Series, breaks, prepare, y_limits
from .style import (
    HOUSE_STYLE,
    PRIMES,
    SAVE_METADATA,
    SAVE_STYLE,
    colours,
    darker,
    drawing,
    figure_size,
    ink,
    label_size,
    outside,
    paper,
    scaled_style,
)
from .style import panel_height as panel_height_of


class ActvizFigure(Figure):
    """A matplotlib :class:`~matplotlib.figure.Figure` that a notebook shows as a picture
    without any magic command (``_repr_png_``); change it and save it like any figure.

    Before it is drawn it is laid out (:class:`~actviz.render.layout.PanelLayout`, or
    matplotlib's constrained layout for a figure of its own kind), then settles what depends
    on where things lie in pixels (:meth:`settle`): the dashes of curves that coincide, the
    sizes of markers on one spot, the places of the labels, and the notes under the panels
    for the labels that found no place in them."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.shared: list[SharedStretches] = []
        self.label_sets: list[Labels] = []
        self.keyed: dict[Label, int] = {}
        self.panel_axes: list[Axes] = []
        self.panel_layout: PanelLayout | None = None
        self.notes: Any = None
        """The legend of the labels that found no place, under the panels."""
        self.settlers: list[Callable[[], None]] = []
        """More steps that need the layout made (markers set side by side)."""
        self._settled = False
        self.rc = matplotlib.rcParams.copy()
        """The style it is drawn in: what :meth:`settle` adds (labels, notes) is made in it
        too, whatever style is in force when the figure is saved."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        _savefig(self, buffer, "png", None)
        return buffer.getvalue()

    def settle(self, renderer: Any) -> None:
        """Lay the figure out, then fit what depends on pixels to it. Labels that find no
        place go to the notes under the panels; a figure that may grow grows by the notes'
        height, so that its panels, and the places found, stay as they are; one of a fixed
        size is laid out again and its labels placed again."""
        with matplotlib.rc_context(self.rc):
            self._layout(renderer)
            for _ in range(sum(len(s.queued) for s in self.label_sets) + 1):
                failed = self._fit_to_pixels(renderer)
                if not failed:
                    return
                before = self._panel_boxes()
                for label in failed:
                    self.keyed[label] = len(self.keyed) + 1
                self._write_notes()
                self._layout(renderer)
                if np.allclose(self._panel_boxes(), before, atol=0.5 / self.dpi):
                    # the panels kept their size: the labels placed keep their places, and
                    # the new notes get their tags
                    for labels in self.label_sets:
                        labels.settle(renderer, self.keyed, tags_only=True)
                    return

    def _fit_to_pixels(self, renderer: Any) -> list[Label]:
        """Shared stretches, markers, settlers and labels for the layout as it is; the
        labels that found no place."""
        for stretches in self.shared:
            stretches.settle(renderer)
        for ax in self.panel_axes:
            separate_markers(ax)
        for step in self.settlers:
            step()
        return [f for labels in self.label_sets for f in labels.settle(renderer, self.keyed)]

    def _layout(self, renderer: Any) -> None:
        if self.panel_layout is not None:
            self.panel_layout.execute(renderer)
            return
        engine = self.get_layout_engine()
        if engine is not None:
            engine.execute(self)

    def _panel_boxes(self) -> np.ndarray:
        """The panels' widths and heights in inches."""
        size = self.get_size_inches()
        return np.array([[ax.get_position().width * size[0], ax.get_position().height * size[1]]
                         for ax in self.panel_axes]).reshape(-1, 2)

    def _write_notes(self) -> None:
        """The notes of the labels that found no place in their panel: numbered, in a legend
        under the panels, above the figure's legend."""
        if self.notes is not None:
            self.notes.remove()
            if self.panel_layout is not None:
                self.panel_layout.legends.remove(self.notes)
        handles = [_note_handle(number, label) for label, number in self.keyed.items()]
        ncols = _legend_columns(self, [str(h.get_label()) for h in handles])
        self.notes = self.legend(handles=_by_rows(handles, ncols), ncols=ncols,
                                 loc="upper center", frameon=False, numpoints=1,
                                 handler_map={Number: NumberHandler()},
                                 **{**legend_spacing(self), "handlelength": 1.2})
        self.notes.set_gid("notes")
        if self.panel_layout is not None:
            self.panel_layout.legends.insert(0, self.notes)

    def draw(self, renderer: Any) -> None:
        if self._settled or not (self.shared or self.label_sets or self.settlers
                                 or self.panel_layout):
            super().draw(renderer)
            return
        with self._fixed(renderer):
            super().draw(renderer)

    @contextmanager
    def _fixed(self, renderer: Any) -> Iterator[None]:
        """Settled for ``renderer`` (None: already), and kept as it is (no layout) until the
        end."""
        if renderer is not None:
            self.settle(renderer)
        engine = self.get_layout_engine()
        self.set_layout_engine(None)
        self._settled = True
        try:
            yield
        finally:
            self._settled = False
            self.set_layout_engine(engine)

    @contextmanager
    def settled(self, dpi: float) -> Iterator[None]:
        """Settled once at ``dpi`` for everything drawn inside (a save draws the figure
        twice, once to lay it out; any format: label offsets and marker sizes are in
        points, shared stretches in data units)."""
        old = self.dpi
        self.dpi = dpi
        try:
            self.settle(self.canvas.get_renderer())  # type: ignore[attr-defined]
        finally:
            self.dpi = old
        with self._fixed(None):
            yield


class Number(Line2D):
    """The handle of a note: its number in its colour (:class:`NumberHandler` draws it)."""

    def __init__(self, number: int, color: str, text: str):
        super().__init__([], [], linestyle="none", color=color, label=text)
        self.number = number


class NumberHandler(HandlerBase):
    """Draws a :class:`Number` handle as its number, in bold, in the handle's colour (a
    plain text: a mathtext marker costs 30 ms to lay out)."""

    def create_artists(self, legend: Any, orig_handle: Any, xdescent: float,
                       ydescent: float, width: float, height: float, fontsize: float,
                       trans: Any) -> list[Artist]:
        text = Text(width - xdescent, height / 2 - ydescent, str(orig_handle.number),
                    color=orig_handle.get_color(), fontsize=fontsize * 1.15,
                    fontweight="bold", ha="right", va="center")
        text.set_transform(trans)
        return [text]


def _note_handle(number: int, label: Label) -> Number:
    """The notes' entry of a label that found no place in its panel: its number, in its
    colour, and its text."""
    return Number(number, outside(label.color), label.text)


def _blank() -> Line2D:
    return Line2D([], [], linestyle="none", label=" ")


def draw(specs: Sequence[str | Activation | Named], opts: Options) -> ActvizFigure:
    """The figure of :func:`actviz.plot` for options already checked (``opts``, with their
    ``scope``): what the ``plot`` command and a batch job draw."""
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


LANE_POINTS = 1.4
"""The height of one function's lane in a track of regions, in label font sizes."""
NAME_WIDTH = 0.6
"""The width of a character of a lane's name, in ems (DejaVu Sans averages 0.56)."""
NAME_PAD = 8.0
"""Points between a lane's name and its track."""
AXIS_ROOM = 0.45
"""Inches left of a panel for its tick labels and y label."""
RIGHT_ROOM = 0.45
"""Inches of the figure right of its last panel, and between its columns."""


class Layout:
    """Where each curve goes: ``blocks`` of curves (one per grid column, or all of them
    overlaid), the panels' rows and columns, the lanes of the tracks of regions under the
    panels that show several curves, and the figure's size."""

    def __init__(self, series: list[Series], opts: Options):
        self.orders = orders(opts)
        self.grid = opts.layout == "grid"
        self.sharey = bool(opts.sharey)
        self.blocks = [series] if opts.sweep or not self.grid else _group(series)
        self.split = False
        """Whether an overlay too crowded for every curve to show is drawn as rows of
        overlays (functions that do not hide one another), with y axes shared."""
        if self.grid:
            self.columns = min(opts.columns or 3, len(self.blocks))
            self.block_rows = math.ceil(len(self.blocks) / self.columns)
            self.rows = self.block_rows * len(self.orders)
        else:
            self.columns, self.block_rows, self.rows = len(self.orders), 1, 1
            if len(series) > 2:
                self._split(series, opts)
        self.lanes = [strip_lanes(block) for block in self.blocks]
        self.size = figure_size(opts.size, (self.rows, self.columns), opts.layout)
        check_canvas(self.size[0], self.size[1], opts.dpi)
        self.lane = LANE_POINTS * label_size(self.size[0]) / 72
        """The height of a lane in a track of regions, in inches."""
        self.target = panel_height_of(opts.size, self.size[0],
                                      "grid" if self.split else opts.layout)
        """The height a panel is meant to have."""
        self.grow = None if isinstance(opts.size, tuple) else self.target
        """The height the panels keep as the figure grows (None: its size was asked for)."""

    def _split(self, series: list[Series], opts: Options) -> None:
        """Rows of overlays where one overlay would hide curves (see
        :func:`curves.partition`), judged on panels of the size the figure will have: one
        overlay's, or a row's once split (lower; of a figure of a fixed size, its height shared
        by the rows), each as wide as the names of the lanes of its track leave it."""
        width, height = figure_size(opts.size, (1, self.columns), opts.layout)
        style = scaled_style(width)
        names = NAME_WIDTH * style["ytick.labelsize"] * max(len(s.label) for s in series)
        left = max(names + NAME_PAD, AXIS_ROOM * 72)
        panel_width = (width - RIGHT_ROOM) * 72 / self.columns - left
        if isinstance(opts.size, tuple):
            one = rows = (height - 1.2) * 72
        else:
            one = panel_height_of(opts.size, width, opts.layout) * 72
            rows = panel_height_of(opts.size, width, "grid") * 72
        groups = partition(series, self.orders, opts.range,
                           ((panel_width, one), (panel_width, rows)), style["lines.linewidth"],
                           shared=isinstance(opts.size, tuple))
        if len(groups) > 1:
            self.blocks, self.split, self.rows = groups, True, len(groups)

    def _cells(self) -> list[tuple[int, int, int, list[Series], int]]:
        if not self.grid:
            return [(b, c, order, block, b) for b, block in enumerate(self.blocks)
                    for c, order in enumerate(self.orders)]
        found = []
        for b, block in enumerate(self.blocks):
            block_row, column = divmod(b, self.columns)
            for k, order in enumerate(self.orders):
                found.append((block_row * len(self.orders) + k, column, order, block, b))
        return found

    def panels(self) -> list[tuple[int, int, int, list[Series]]]:
        """(row, column, derivative order, curves) of every panel."""
        return [(r, c, order, members) for r, c, order, members, _ in self._cells()]

    def panel_lanes(self) -> list[dict[str, int]]:
        """The lanes of each panel's track (empty: no track), in the order of panels()."""
        return [self.lanes[b] for *_, b in self._cells()]


def _figure(series: list[Series], layout: Layout, opts: Options,
            specs: list[str]) -> ActvizFigure:
    fig = ActvizFigure(figsize=layout.size, dpi=opts.dpi)
    FigureCanvasAgg(fig)
    drawn: set[str] = set()
    size = label_size(layout.size[0])
    shared_y = layout.split or (layout.grid and layout.sharey)  # one y axis per derivative
    cells = layout.panels()
    lowest = {c: max(r for r, c2, _, _ in cells if c2 == c) for _, c, _, _ in cells}
    placed: list[Cell] = []
    for (row, column, order, members), lanes in zip(cells, layout.panel_lanes(), strict=True):
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        track = fig.add_axes((0.0, 0.0, 1.0, 1.0)) if lanes else None
        ax.set_gid("panel")  # (no axes are shared: the limits are set on each)
        fig.panel_axes.append(ax)
        panel = Panel(order, members, lanes, drawn, track)
        stretches = SharedStretches(ax)
        queued: list[Label] = []
        for s in members:
            line, labels = draw_series(ax, s, panel)
            stretches.add(line)
            queued += labels
        fig.shared.append(stretches)
        title = (specs[0] if opts.sweep else members[0].spec) if layout.grid else None
        if layout.split and order == layout.orders[0]:  # which functions a row of overlays has
            ax.set_title(", ".join(s.label for s in members), loc="left",
                         fontsize=matplotlib.rcParams["legend.fontsize"])
        bottom = row == lowest[column]
        ylabel = column == 0 or not layout.grid
        _decorate(ax, panel, opts.range, title if order == layout.orders[0] else None,
                  xlabel=bottom and track is None, ylabel=ylabel,
                  limits=y_limits(series, order) if shared_y else None)
        _ticks(ax, layout)
        names = True  # every track names its lanes (a row of overlays has no other key)
        if track is not None:
            track.set_xlim(*opts.range)
            _ticks(track, layout)
            _decorate_track(track, panel, names=names, xlabel=bottom)
        placed.append(Cell(ax, row, column, track, ticks=bottom or track is not None,
                           xlabel=bottom, ylabel=ylabel, names=names, lanes=len(lanes)))
        if queued:
            placing = Labels(merge_labels(queued, len(series) > 1, ink()), size, paper(),
                             darker)
            ax.add_artist(placing)
            fig.label_sets.append(placing)
    fig.panel_layout = PanelLayout(fig, placed, layout.rows, layout.columns, layout.lane,
                                   layout.grow, layout.target)
    _legend(fig, series, opts, drawn, layout)
    title = opts.title if opts.title is not None else _default_title(series, specs, opts)
    if title:
        fig.suptitle(title)
    return fig


def _ticks(ax: Axes, layout: Layout) -> None:
    """As many ticks as matplotlib's own choice gives on a panel of the size it is meant to
    have, fixed before the layout (a tick count that changes with the panel's final size
    would widen the tick labels after the layout has made room for them), and along x no
    more than leave room between their labels (``-0.0075`` is wide). Call it once the
    limits are set."""
    width = (layout.size[0] - 0.9) / layout.columns * 72
    height = (layout.grow or (layout.size[1] - 1.2) / layout.rows) * 72
    x_size = FontProperties(size=matplotlib.rcParams["xtick.labelsize"]).get_size_in_points()
    y_size = FontProperties(size=matplotlib.rcParams["ytick.labelsize"]).get_size_in_points()
    ax.yaxis.set_major_locator(MaxNLocator(nbins=int(np.clip(height / (2 * y_size), 1, 9)),
                                           steps=[1, 2, 2.5, 5, 10]))
    renderer = ax.get_figure(root=True).canvas.get_renderer()  # type: ignore[union-attr]
    font = FontProperties(size=matplotlib.rcParams["xtick.labelsize"])
    scale = 72.0 / ax.get_figure(root=True).dpi  # type: ignore[union-attr]
    low, high = sorted(ax.get_xlim())
    for nbins in range(int(np.clip(width / (3 * x_size), 1, 9)), 0, -1):
        locator = MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10])
        locs = [v for v in locator.tick_values(low, high) if low <= v <= high]
        texts = ax.xaxis.get_major_formatter().format_ticks(locs)
        widest = max((renderer.get_text_width_height_descent(t, font, ismath=False)[0]
                      for t in texts), default=0.0) * scale
        if nbins == 1 or len(texts) * (widest + x_size) <= width:
            break
    ax.xaxis.set_major_locator(locator)


def _group(series: list[Series]) -> list[list[Series]]:
    """Columns of the grid layout: the outputs of one crelu stay together."""
    groups: list[list[Series]] = []
    for s in series:
        if s.output and groups and groups[-1][0].act is s.act:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def draw_series(ax: Axes, s: Series, panel: Panel) -> tuple[Line2D, list[Label]]:
    """One curve on one panel with its discontinuities and annotations; returns its line
    and the labels it wants placed."""
    x, y, ends = breaks(s, panel.order)
    (line,) = ax.plot(x, y, color=s.color, linestyle=s.linestyle, zorder=3)
    line.set_gid(f"curve:{s.label}:{panel.order}")
    labels: list[Label] = []
    for mark in MARKS:
        if s.analysis is not None or mark.always:
            labels += mark.draw(ax, s, panel, ends)
    return line, labels


def _decorate(ax: Axes, panel: Panel, x_range: tuple[float, float], title: str | None,
              xlabel: bool, ylabel: bool, limits: tuple[float, float] | None = None) -> None:
    """Limits (``limits`` in y, or the panel's own), the zero line where it lies inside
    them, and the titles."""
    ax.set_xlim(*x_range)
    low, high = limits or y_limits(panel.members, panel.order)
    ax.set_ylim(low, high)
    if low < 0 < high:
        ax.axhline(0, color="0.55", lw=0.6, zorder=0.5)
    if title is not None:
        ax.set_title(title)
    if xlabel:  # the lowest panel of its column, even above an empty cell of the grid
        ax.set_xlabel("x")
        ax.xaxis.set_tick_params(labelbottom=True)
    else:
        ax.xaxis.set_tick_params(labelbottom=False)
    if ylabel:
        ax.set_ylabel(f"f{PRIMES[panel.order]}(x)")


def _decorate_track(track: Axes, panel: Panel, names: bool, xlabel: bool) -> None:
    """The track of regions under a panel: one lane per curve that has regions, named at
    the left in the curve's colour."""
    count = len(panel.lanes)
    track.set_gid("track")
    track.set_ylim(count, 0)
    track.grid(False)
    track.tick_params(axis="y", length=0)
    ticks = [k + 0.5 for k in range(count)]
    track.set_yticks(ticks)
    if names:
        by_lane = {k: s for s in panel.members for name, k in panel.lanes.items()
                   if s.label == name}
        track.set_yticklabels([by_lane[k].label for k in range(count)])
        for k, tick in enumerate(track.get_yticklabels()):
            tick.set_color(outside(by_lane[k].color))
    else:
        track.set_yticklabels([])
    if xlabel:
        track.set_xlabel("x")
    else:
        track.xaxis.set_tick_params(labelbottom=False)


def _default_title(series: list[Series], specs: list[str], opts: Options) -> str | None:
    """The formula when one function is drawn (a sweep counts as one)."""
    if len(specs) != 1:
        return None
    formula = f"${series[0].act.latex}$"
    if series[0].vector:
        return f"{formula}   over the sampled vector x ({opts.num} points)"
    return formula


# --- the legend ----------------------------------------------------------------------------------

def _legend(fig: ActvizFigure, series: list[Series], opts: Options, drawn: set[str],
            layout: Layout) -> None:
    """Curves, then regions, then the marker kinds drawn, read row by row. Regions have one
    entry each: in a figure of several functions, every region is drawn in its function's
    colour (as its curve is) and its lane is named, so one neutral entry per kind says what
    they are."""
    curves: list[Any] = []
    for s in series:
        label = s.label + (" (over the sampled vector)" if s.vector else "")
        hidden = [s.same_as.get(order) for order in layout.orders]
        if all(hidden):
            label += f" (= {hidden[0]} on this range)"
        curves.append(Line2D([], [], color=s.color, linestyle=s.linestyle, label=label))
    by_rank = sorted(MARKS, key=lambda mark: mark.legend_rank)
    if len(series) == 1:
        regions = [h for mark in by_rank for h in mark.legend(series[0], opts)]
    else:
        regions = [h for mark in by_rank for h in mark.common(series, opts)]
    handles = [*curves, *regions, *key_handles(drawn)]
    ncols = _legend_columns(fig, [h.get_label() for h in handles])
    legend = fig.legend(handles=_by_rows(handles, ncols), loc="upper center", ncols=ncols,
                        frameon=False, numpoints=1, **legend_spacing(fig))
    if fig.panel_layout is not None:
        fig.panel_layout.legends.append(legend)


def _by_rows(handles: list[Any], ncols: int) -> list[Any]:
    """matplotlib fills a legend's columns top to bottom: reorder (and pad the last row with
    blank entries) so that it reads row by row, curves first."""
    rows = math.ceil(len(handles) / ncols)
    padded = handles + [_blank() for _ in range(rows * ncols - len(handles))]
    return [padded[r * ncols + c] for c in range(ncols) for r in range(rows)]


def legend_spacing(fig: Figure) -> dict[str, float]:
    """A legend's handle length and column spacing (font sizes): handles long enough to show
    a line style's pattern, tighter in a figure narrower than 5 in."""
    if fig.get_figwidth() < 5:
        return {"handlelength": 2.4, "columnspacing": 1.0}
    return {"handlelength": 2.8, "columnspacing": 2.0}


def _legend_columns(fig: Figure, texts: list[str], handle: float | None = None) -> int:
    """As many columns (at most 4) as fit the figure's width with every entry (``handle``
    the legend's handle length in font sizes): the legend wraps into more rows, never off
    the figure."""
    spacing = legend_spacing(fig)
    handle = spacing["handlelength"] if handle is None else handle
    fontsize = FontProperties(size=matplotlib.rcParams["legend.fontsize"])
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    em = fontsize.get_size_in_points() * fig.dpi / 72
    widths = [renderer.get_text_width_height_descent(t, fontsize, ismath=False)[0]
              + (handle + 0.8) * em for t in texts]
    room = fig.get_figwidth() * fig.dpi - 2 * em
    for ncols in range(min(4, len(texts)), 0, -1):
        columns = [max(widths[c::ncols], default=0) for c in range(ncols)]
        if sum(columns) + spacing["columnspacing"] * em * (ncols - 1) <= room:
            return ncols
    return 1


# --- the difference of two functions ------------------------------------------------------------

DIFF_MARGIN = 0.14
"""Room above and below a difference's curve, as a share of its span: the largest
|difference| is at the top or the bottom, and its label needs room there."""


def plot_difference(diff: Difference, a: Activation, b: Activation, num: int = 2001,
                    dpi: float = 150.0, size: Any = None, style: str | None = None,
                    title: str | None = None) -> ActvizFigure:
    """f_A - f_B and f'_A - f'_B on the range of ``diff`` (an :class:`analysis.Difference`
    of ``a`` and ``b``), each largest |difference| marked (every point where it is taken)
    and labelled where it hides nothing. ``size``, ``style`` and ``title`` as in
    :func:`plot` (the default title names A and B)."""
    check_drawable_range(*diff.range)
    return draw_difference(diff, a, b, num, dpi, size, style, title)


def draw_difference(diff: Difference, a: Activation, b: Activation, num: int = 2001,
                    dpi: float = 150.0, size: Any = None, style: str | None = None,
                    title: str | None = None) -> ActvizFigure:
    """:func:`plot_difference` for a range checked to be drawable already (the ``diff``
    command checks it with its options)."""
    lo, hi = diff.range
    kinks = [k.x for act in (a, b) for k in act.kinks_in(lo, hi) if lo < k.x < hi]
    xs = np.unique(np.concatenate([np.linspace(lo, hi, num), kinks]))
    fa, fb = a.evaluate(xs, 1), b.evaluate(xs, 1)
    marks = [(diff.max_abs_at, diff.max_abs_on, "max |\u0394f|", diff.max_abs),
             (diff.max_abs_derivative_at, diff.max_abs_derivative_on, "max |\u0394f\u2032|",
              diff.max_abs_derivative)]
    width, height = figure_size(size, (1, 2), "overlay")
    check_canvas(width, height, dpi)
    with drawing(width, style):
        fig = ActvizFigure(figsize=(width, height), dpi=dpi)
        FigureCanvasAgg(fig)
        axes = [fig.add_axes((0.0, 0.0, 1.0, 1.0)) for _ in range(2)]
        fig.panel_layout = PanelLayout(
            fig, [Cell(ax, 0, k, xlabel=True) for k, ax in enumerate(axes)], 1, 2, 0.0,
            None if isinstance(size, tuple) else panel_height_of(size, width, "overlay"))
        (curve, dashes), (mark, _) = colours(2)  # greys under a grey style
        for order, ax in enumerate(axes):
            ax.set_gid("panel")
            fig.panel_axes.append(ax)
            gx, gy = _broken(xs, fa[order] - fb[order], a, b, order, kinks)
            ax.plot(gx, gy, color=curve, linestyle=dashes, gid=f"curve:difference:{order}")
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
            texts = [label_number(x, exact=x in (lo, hi)) for x in where]
            at = (f"\u00b1{label_number(abs(where[1]))}" if len(where) == 2
                  and texts[0] == label_number(-where[1]) else " and ".join(texts))
            on = ("on the whole range" if spans == (diff.range,) else "on " + " and ".join(
                f"{s.brackets()[0]}{label_number(s[0])}, {label_number(s[1])}{s.brackets()[1]}"
                for s in spans))
            edge = " (range edge)" if any(x in (lo, hi) for x in where) else ""
            long = ", ".join(([on] if spans else []) + ([f"at x = {at}{edge}"] if where else []))
            anchor = (float(points[0]), float(ys[0]))
            ax.set_xlim(lo, hi)
            finite = (fa[order] - fb[order])[np.isfinite(fa[order] - fb[order])]
            if len(finite) and np.ptp(finite) > 0:  # room above and below for the label
                low, high = float(finite.min()), float(finite.max())
                ax.set_ylim(low - DIFF_MARGIN * (high - low), high + DIFF_MARGIN * (high - low))
            ax.set_xlabel("x")
            ax.set_ylabel([r"$\Delta f = f_A(x) - f_B(x)$",
                           r"$\Delta f' = f'_A(x) - f'_B(x)$"][order])
            label = Label(anchor, f"{text} = {label_number(value)} {long}", mark, "difference")
            labels = Labels([label], label_size(width), paper(), darker)
            ax.add_artist(labels)
            fig.label_sets.append(labels)
        title = f"A = {diff.a},  B = {diff.b}" if title is None else title
        if title:
            fig.suptitle(title)
    return fig


def _broken(xs: np.ndarray, values: np.ndarray, a: Activation, b: Activation, order: int,
            kinks: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """The difference's curve with a gap where it jumps (relu' - elu' at 0): at each kink,
    its limits from either side with NaN between them, as :func:`series.breaks` draws a
    function's."""
    keep = np.ones(len(xs), bool)
    extra_x, extra_y = [], []
    for x in sorted(set(kinks)):
        left, _, right = (float(pa - pb) for pa, pb in zip(
            a.one_sided(x, order), b.one_sided(x, order), strict=True))
        if left == right or not (np.isfinite(left) and np.isfinite(right)):
            continue
        keep &= xs != x
        extra_x += [x, x, x]
        extra_y += [left, np.nan, right]
    gx = np.concatenate([xs[keep], extra_x])
    gy = np.concatenate([values[keep], extra_y])
    order_of = np.argsort(gx, kind="stable")
    return gx[order_of], gy[order_of]


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


MISSING_GLYPH = re.compile(r"Glyph (\d+) .* missing from font\(s\) (.+?)\.?$", re.S)
"""matplotlib's warning for a character its font cannot draw (drawn as a box)."""


def _savefig(fig: Figure, handle: Any, fmt: str, dpi: float | None) -> None:
    """Save with the settings that make the bytes reproducible; a layout that does not fit
    the figure's size is an error, not a warning. An :class:`ActvizFigure` is laid out and
    settled once here, so that matplotlib does not lay it out a second time."""
    with ExitStack() as stack:
        stack.enter_context(matplotlib.rc_context(SAVE_STYLE))
        seen = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        fonts = logging.getLogger("fontTools")  # PDF subsetting: "'created' timestamp
        level = fonts.level                       # seems very low", of DejaVu's fonts
        fonts.setLevel(logging.ERROR)
        stack.callback(fonts.setLevel, level)
        if isinstance(fig, ActvizFigure):
            stack.enter_context(fig.settled(dpi or fig.dpi))
        fig.savefig(handle, format=fmt, dpi=dpi or fig.dpi, metadata=SAVE_METADATA[fmt])
    for warning in seen:
        glyph = MISSING_GLYPH.match(str(warning.message))
        if glyph:  # a character the font has not (a control character, an emoji in a title)
            raise ParameterError(
                f"the figure's text holds U+{int(glyph[1]):04X}, which its font "
                f"({glyph[2]}) cannot draw; leave that character out (of --title)")
        if "layout" in str(warning.message):
            width, height = fig.get_size_inches()
            raise ParameterError(f"the figure does not fit in {width:g} x {height:g} "
                                 "inches; give a larger --size")
        warnings.warn(warning.message, warning.category, stacklevel=3)
