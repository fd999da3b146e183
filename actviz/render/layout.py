"""Where the panels of a figure go: a layout made for actviz's figures, from the sizes of
their texts.

A figure of panels is a grid of cells, each a panel and, under it, a track of regions where
it has one; above them the title, below them the notes and the legend. Every text that
takes room (tick labels, axis labels, panel titles, the legends) is measured once the
figure's style and limits are set, and the panels get the rest: with the height they are
meant to have when the figure may grow (its height follows), or an equal share of a size
asked for. Tick labels are known before the layout, as their count is fixed beforehand
(:func:`actviz.render.figure._ticks`).

matplotlib's constrained layout does this for any figure, by measuring every artist of
every axes twice per pass; a figure of eight functions took 0.8 s per pass, and the notes
need a second pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

from ..errors import ParameterError

PAD = 4.0
"""Points of room around the figure's edge and between stacked parts."""
GAP = 10.0
"""Points between two columns of panels (beyond the next column's tick labels)."""
SMALLEST = 0.35
"""Inches: a panel lower or narrower than this does not fit."""
POINTS = 72.0
RC: Any = matplotlib.rcParams
"""matplotlib's settings, read by key (the style in force when the layout runs)."""


@dataclass
class Cell:
    """One panel of the grid and what it shows around it."""

    panel: Axes
    row: int
    column: int
    track: Axes | None = None
    ticks: bool = True
    """Tick labels under the cell (under its track where it has one)."""
    xlabel: bool = False
    ylabel: bool = True
    names: bool = False
    """The track's lanes named at its left."""
    lanes: int = 0


class PanelLayout:
    """The layout of a figure of :class:`Cell` s in ``rows`` x ``columns``, a lane of a
    track being ``lane`` inches high, the panels ``grow`` inches high (None: the figure's
    height is kept and the panels share it)."""

    def __init__(self, fig: Figure, cells: list[Cell], rows: int, columns: int,
                 lane: float, grow: float | None, target: float = 2.5):
        self.fig = fig
        self.cells = cells
        self.rows = rows
        self.columns = columns
        self.lane = lane
        self.grow = grow
        self.target = grow or target
        """The height in inches a panel is meant to have (what a size too small is told to
        make room for)."""
        self.legends: list[Any] = []
        """Figure legends, stacked under the panels in this order."""

    def execute(self, renderer: Any) -> None:
        """Measure what takes room, size the figure (or the panels), and place the axes,
        the title and the legends."""
        fig = self.fig
        width = fig.get_figwidth() * POINTS
        left, right, top, bottom, tracks = self._rooms(renderer)
        title = fig._suptitle  # type: ignore[attr-defined]
        head = PAD + (_height(title, renderer) + PAD if title is not None else 0.0)
        heights = [_legend_height(legend, renderer) for legend in self.legends]
        feet = sum(h + PAD for h in heights) + PAD
        between = sum(top) + sum(tracks) + sum(bottom) + PAD * (self.rows - 1)
        if self.grow is not None:
            panel = self.grow * POINTS
            height = head + between + self.rows * panel + feet
            fig.set_size_inches(fig.get_figwidth(), round(height / POINTS, 3))
        else:
            height = fig.get_figheight() * POINTS
            panel = (height - head - between - feet) / self.rows
        sides = 2 * PAD + sum(left) + sum(right) + GAP * (self.columns - 1)
        axes_width = (width - sides) / self.columns
        if min(panel, axes_width) < SMALLEST * POINTS:
            need = [max(given, math.ceil(least * 10) / 10) for given, least in (
                (fig.get_figwidth(), sides / POINTS + self.columns * SMALLEST),
                (fig.get_figheight(), (head + between + feet) / POINTS
                 + self.rows * self.target))]
            raise ParameterError(
                f"the figure does not fit in {fig.get_figwidth():g} x {fig.get_figheight():g} "
                f"inches; give a larger --size, at least {need[0]:g} {need[1]:g}")
        xs = [PAD + sum(left[:c + 1]) + sum(right[:c]) + c * (axes_width + GAP)
              for c in range(self.columns)]
        y = height - head
        for r in range(self.rows):
            y -= top[r]
            for cell in (cell for cell in self.cells if cell.row == r):
                self._place(cell, xs[cell.column], y - panel, axes_width, panel, width,
                            height)
            y -= panel + tracks[r] + bottom[r] + PAD
        y += PAD
        if title is not None:
            title.set_y(1 - PAD / height)
            title.set_verticalalignment("top")
        for legend, tall in zip(self.legends, heights, strict=True):
            y -= PAD
            legend.set_bbox_to_anchor((0.5, y / height), transform=fig.transFigure)
            y -= tall

    def _rooms(self, renderer: Any) -> tuple[list[float], ...]:
        """Points taken left and right of each column, above and below each row's panels,
        and by each row's tracks."""
        left, right = [0.0] * self.columns, [0.0] * self.columns
        top, bottom, tracks = [0.0] * self.rows, [0.0] * self.rows, [0.0] * self.rows
        for cell in self.cells:
            c, r = cell.column, cell.row
            left[c] = max(left[c], self._left(cell, renderer))
            right[c] = max(right[c], self._right(cell, renderer))
            top[r] = max(top[r], self._top(cell.panel, renderer))
            below = cell.track if cell.track is not None else cell.panel
            tracks[r] = max(tracks[r], cell.lanes * self.lane * POINTS)
            bottom[r] = max(bottom[r], self._bottom(below, cell, renderer))
        return left, right, top, bottom, tracks

    def _place(self, cell: Cell, x: float, y: float, width: float, height: float,
               fig_width: float, fig_height: float) -> None:
        cell.panel.set_position(_fraction((x, y, width, height), fig_width, fig_height))
        if cell.track is not None:
            lanes = cell.lanes * self.lane * POINTS
            cell.track.set_position(_fraction((x, y - lanes, width, lanes), fig_width,
                                              fig_height))

    # --- what takes room around a panel ---------------------------------------------------

    def _left(self, cell: Cell, renderer: Any) -> float:
        panel = _ticks_room(cell.panel.yaxis, renderer, across=True)
        if cell.ylabel and cell.panel.get_ylabel():
            panel += RC["axes.labelpad"] + _size(cell.panel.yaxis.label,
                                                                  renderer)[0]
        track = 0.0
        if cell.track is not None and cell.names:
            track = _ticks_room(cell.track.yaxis, renderer, across=True)
        return max(panel, track)

    def _right(self, cell: Cell, renderer: Any) -> float:
        """Half the last x tick label, which may hang over the panel's right edge."""
        below = cell.track if cell.track is not None else cell.panel
        if not cell.ticks:
            return 0.0
        texts, _ = _tick_texts(below.xaxis)
        if not texts:
            return 0.0
        return _text_size(below, texts[-1], "xtick.labelsize", renderer)[0] / 2

    @staticmethod
    def _top(panel: Axes, renderer: Any) -> float:
        room = 0.0
        for title in (panel.title, getattr(panel, "_left_title", None),
                      getattr(panel, "_right_title", None)):  # (left: a row's functions)
            if title is not None and title.get_text():
                room = max(room, RC["axes.titlepad"] + _height(title, renderer))
        _, offset = _tick_texts(panel.yaxis)
        if offset:
            room = max(room, _text_size(panel, offset, "ytick.labelsize", renderer)[1] + PAD)
        return room + PAD / 2

    @staticmethod
    def _bottom(ax: Axes, cell: Cell, renderer: Any) -> float:
        room = 0.0
        if cell.ticks:
            room += _ticks_room(ax.xaxis, renderer, across=False)
            _, offset = _tick_texts(ax.xaxis)
            if offset:
                room += _text_size(ax, offset, "xtick.labelsize", renderer)[1]
        if cell.xlabel and ax.get_xlabel():
            room += RC["axes.labelpad"] + _height(ax.xaxis.label, renderer)
        return room


def _fraction(box: tuple[float, float, float, float], width: float,
              height: float) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return x / width, y / height, w / width, h / height


def _tick_texts(axis: Axis) -> tuple[list[str], str]:
    """The tick labels the axis will draw, and its offset text (``1e-5``, ``+0.5``)."""
    low, high = sorted(axis.get_view_interval())
    locator = axis.get_major_locator()
    locs = [v for v in locator.tick_values(low, high)
            if low - 1e-9 * (high - low) <= v <= high + 1e-9 * (high - low)]
    if not locs:
        return [], ""
    formatter = axis.get_major_formatter()
    texts = formatter.format_ticks(locs)
    return [t for t in texts if t], formatter.get_offset()


def _ticks_room(axis: Axis, renderer: Any, across: bool) -> float:
    """Points the tick labels (and ticks) of an axis take from the panel outwards: the
    widest label of a y axis (``across``), the highest of an x axis."""
    shown = axis.get_tick_params()
    if not shown.get("labelleft", shown.get("labelbottom", True)):
        return 0.0
    texts, _ = _tick_texts(axis)
    if not texts:
        return 0.0
    key = "ytick" if across else "xtick"
    size = float(shown.get("length", RC[f"{key}.major.size"]))
    pad = float(shown.get("pad", RC[f"{key}.major.pad"]))
    sizes = [_text_size(axis.axes, t, f"{key}.labelsize", renderer) for t in texts]
    return max(w if across else h for w, h in sizes) + size + pad


def _text_size(ax: Axes, text: str, rc: str, renderer: Any) -> tuple[float, float]:
    """(width, height) in points of ``text`` in the font of the rc key ``rc``, as a line of
    text is laid out (its height the font's line height, as matplotlib's text boxes)."""
    dpi = ax.get_figure(root=True).dpi  # type: ignore[union-attr]
    key = (text, RC[rc], str(RC["font.family"]), str(RC["font.sans-serif"]), dpi)
    if key not in _MEASURED:
        if len(_MEASURED) > 4096:
            _MEASURED.clear()
        font = FontProperties(size=RC[rc])
        width, height, _ = renderer.get_text_width_height_descent(text, font, ismath=False)
        _, line, _ = renderer.get_text_width_height_descent("lp", font, ismath=False)
        _MEASURED[key] = (width * 72.0 / dpi, max(height, line) * 72.0 / dpi)
    return _MEASURED[key]


_MEASURED: dict[tuple[Any, ...], tuple[float, float]] = {}
"""Sizes of texts measured (a figure measures its tick labels on every layout)."""


def _size(text: Text, renderer: Any) -> tuple[float, float]:
    """(width, height) in points of a text as it is drawn (turned, for a y label)."""
    if not text.get_text():
        return 0.0, 0.0
    box = text.get_window_extent(renderer)
    scale = 72.0 / text.get_figure(root=True).dpi  # type: ignore[union-attr]
    return box.width * scale, box.height * scale


def _height(text: Text, renderer: Any) -> float:
    return _size(text, renderer)[1]


def _legend_height(legend: Any, renderer: Any) -> float:
    return legend.get_window_extent(renderer).height * 72.0 / legend.figure.dpi
