"""Curves that lie on one another stay visible: where two or more curves of a panel run
within a line's width of each other (relu, leaky_relu and elu for x > 0), each is drawn
there as dashes that take turns along the shared stretch, so that every curve shows in its
own colour on a share of it, and nowhere is one curve hidden under another.

This needs the panel's final size in pixels, so it is done when the figure is drawn (after
its layout; see :meth:`ActvizFigure.draw <actviz.render.figure.ActvizFigure.draw>`): each
curve keeps its own line (its identity style) where it runs alone, and gets a piece of line
per shared stretch, with a dash pattern offset by its rank in the group.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .series import Series, y_limits
from .style import duty

TURN = 2.5
"""Length of one curve's dash on a shared stretch, in line widths."""
CLOSE = 0.75
"""Two curves share a stretch where their centre lines are less than this many line widths
apart (measured across the curve, not vertically)."""


@dataclass
class Curve:
    """One curve of a panel: its line (the whole curve, in its own style) and its data."""

    line: Line2D
    x: np.ndarray
    y: np.ndarray
    pieces: list[Line2D] = field(default_factory=list)


class SharedStretches:
    """The curves of one panel, and the dashed pieces they get where they coincide."""

    def __init__(self, ax: Axes):
        self.ax = ax
        self.curves: list[Curve] = []

    def add(self, line: Line2D) -> None:
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        self.curves.append(Curve(line, x, y))

    def settle(self, renderer: Any) -> None:
        """Recompute the shared stretches for the panel as it now lies on the figure."""
        for curve in self.curves:
            for piece in curve.pieces:
                piece.remove()
            curve.pieces = []
            curve.line.set_data(curve.x, curve.y)
        if len(self.curves) < 2:
            return
        width = max(c.line.get_linewidth() for c in self.curves)
        pixels = width * self.ax.figure.dpi / 72.0
        columns, ys = self._sampled()
        if columns is None:
            return
        groups = _groups(ys, CLOSE * pixels)
        turn = TURN * pixels
        for i, curve in enumerate(self.curves):
            shared = []
            for start, stop, members in _runs(groups[:, i]):
                count = bin(members).count("1")
                if count < 2 or columns[stop - 1] - columns[start] < count * turn:
                    continue
                shared.append((columns[start], columns[stop - 1], members))
            if shared:
                self._split(i, curve, shared)

    def _sampled(self) -> tuple[np.ndarray | None, np.ndarray]:
        """Every curve's display y at each pixel column of the panel (NaN where it has no
        point: outside its range, in its gaps)."""
        frame = self.ax.get_window_extent()
        if not (np.isfinite(frame.bounds).all() and frame.width > 2):
            return None, np.empty((0, 0))
        columns = np.arange(np.floor(frame.x0), np.ceil(frame.x1) + 1.0)
        ys = np.full((len(columns), len(self.curves)), np.nan)
        for i, curve in enumerate(self.curves):
            points = self.ax.transData.transform(np.column_stack([curve.x, curve.y]))
            ys[:, i] = _resample(points, columns)
        return columns, ys

    def _split(self, i: int, curve: Curve, shared: list[tuple[float, float, int]]) -> None:
        """Draw the curve's shared stretches as dashed pieces, the rest on its own line."""
        to_data = self.ax.transData.inverted()
        x, y = curve.x, curve.y
        own_x, own_y = [x], [y]
        hide = np.zeros(len(x), bool)
        for left, right, members in shared:
            (x0, _), (x1, _) = to_data.transform([[left, 0.0], [right, 0.0]])
            inside = (x > x0) & (x < x1)
            hide |= inside
            ends = np.array([x0, x1])
            piece_x = np.concatenate([[x0], x[inside], [x1]])
            piece_y = np.concatenate([[_at(x, y, x0)], y[inside], [_at(x, y, x1)]])
            rank = bin(members & ((1 << i) - 1)).count("1")
            count = bin(members).count("1")
            line = curve.line
            piece = Line2D(piece_x, piece_y, color=line.get_color(), lw=line.get_linewidth(),
                           linestyle=((count - rank) % count * TURN, (TURN, (count - 1) * TURN)),
                           dash_capstyle="butt", zorder=line.get_zorder() + 0.01,
                           gid=f"{line.get_gid()}:shared")
            self.ax.add_line(piece)
            curve.pieces.append(piece)
            own_x.append(ends)
            own_y.append(np.array([_at(x, y, x0), _at(x, y, x1)]))
            own_x.append(np.array([(x0 + x1) / 2]))
            own_y.append(np.array([np.nan]))
        keep = np.concatenate([~hide, np.ones(sum(len(v) for v in own_x[1:]), bool)])
        xs, ys_ = np.concatenate(own_x)[keep], np.concatenate(own_y)[keep]
        order = np.argsort(xs, kind="stable")
        curve.line.set_data(xs[order], ys_[order])


def _at(x: np.ndarray, y: np.ndarray, x0: float) -> float:
    """The curve's y at x0, interpolated between its points."""
    finite = np.isfinite(y)
    return float(np.interp(x0, x[finite], y[finite]))


def _resample(points: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The polyline's y at each column x, interpolated within its unbroken parts only."""
    out = np.full(len(columns), np.nan)
    finite = np.isfinite(points).all(axis=1)
    if finite.sum() < 2:
        return out
    # split at the gaps (a NaN point, or a repeated x: a jump drawn as a break)
    breaks = np.flatnonzero(~finite)
    bounds = np.concatenate([[-1], breaks, [len(points)]])
    for a, b in itertools.pairwise(bounds):
        part = points[a + 1:b]
        if len(part) < 2:
            continue
        xs, ys = part[:, 0], part[:, 1]
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
        inside = (columns >= xs[0]) & (columns <= xs[-1])
        out[inside] = np.interp(columns[inside], xs, ys)
    return out


def _groups(ys: np.ndarray, close: float) -> np.ndarray:
    """For each column and curve, the bit mask of the curves it runs with there (itself
    included): the connected group of curves whose centre lines are within ``close``
    pixels of one another (see :func:`_near`)."""
    return _masks(_near(ys, close), np.isfinite(ys))


def _near(ys: np.ndarray, close: float) -> np.ndarray:
    """Columns x curves x curves: whether two curves' centre lines are within ``close``
    pixels of each other at a column, measured across the curves (a vertical gap times the
    cosine of the slope); two that part briefly and not far (leaky_relu weaving about gelu
    and mish for x < 0) stay together rather than make a string of stretches too short to
    take turns in; two that part far (at a jump) do not."""
    count = ys.shape[1]
    slope = np.gradient(ys, axis=0)
    across = np.sqrt(1.0 + np.nan_to_num(slope, nan=0.0) ** 2)
    gap = np.abs(ys[:, :, None] - ys[:, None, :]) / np.maximum(across[:, :, None],
                                                                across[:, None, :])
    gap = np.nan_to_num(gap, nan=np.inf)
    near = gap < close
    near |= _closed(near, BRIDGE * close / CLOSE) & (gap < LOOSE * close)
    near &= np.isfinite(ys)[:, :, None] & np.isfinite(ys)[:, None, :]
    return near | np.eye(count, dtype=bool)[None]


def _masks(near: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The bit mask of each curve's group at each column: the transitive closure of
    ``near`` (groups, not pairs); 0 where the curve is not ``present``."""
    count = near.shape[1]
    reach = near.copy()
    for _ in range(max(count - 2, 0)):
        grown = np.einsum("cij,cjk->cik", reach.astype(np.int8), near.astype(np.int8)) > 0
        if np.array_equal(grown, reach):
            break
        reach = grown
    bits = 1 << np.arange(count)
    masks = (reach * bits[None, None, :]).sum(axis=2)
    masks[~present] = 0
    return masks


BRIDGE = 6.0
"""Columns (in line widths): two curves that part for less than twice this, and stay within
:data:`LOOSE` times the distance of curves that coincide meanwhile, stay together."""
LOOSE = 2.5


def _closed(near: np.ndarray, reach: float) -> np.ndarray:
    """``near`` (columns x curves x curves) with its gaps of up to 2 ``reach`` columns filled
    (a morphological closing: where two curves part only briefly they stay together, but a
    stretch where they meet does not grow at its ends, and a crossing stays a crossing)."""
    width = round(reach)
    if width < 1:
        return near
    return ~_widened(~_widened(near, width), width)


def _widened(near: np.ndarray, width: int) -> np.ndarray:
    """``near`` true also within ``width`` columns of where it is true."""
    counts = np.cumsum(np.concatenate([np.zeros((1, *near.shape[1:]), int),
                                       near.astype(int)]), axis=0)
    columns = np.arange(near.shape[0])
    low = np.clip(columns - width, 0, near.shape[0])
    high = np.clip(columns + width + 1, 0, near.shape[0])
    return (counts[high] - counts[low]) > 0


def _runs(masks: np.ndarray) -> list[tuple[int, int, int]]:
    """[start, stop) of each run of one value in ``masks``, with the value."""
    if not len(masks):
        return []
    change = np.flatnonzero(np.diff(masks)) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [len(masks)]])
    return [(int(a), int(b), int(masks[a])) for a, b in zip(starts, stops, strict=True)]


def shares(masks: np.ndarray, duties: Sequence[float]) -> np.ndarray:
    """For the group masks of curves at the same columns (:func:`_masks`), the share of its
    columns each curve would show in its own colour, if every group took turns evenly and
    each curve alone showed the share ``duties`` of its length its line style draws."""
    counts = np.zeros(masks.shape, int)
    for k in range(masks.shape[1]):
        counts += (masks >> k) & 1
    present = counts > 0
    alone = np.asarray(duties, dtype=float)[None, :]
    turns = np.where(counts == 1, alone, np.where(present, 1.0 / np.maximum(counts, 1), 0.0))
    return turns.sum(axis=0) / np.maximum(present.sum(axis=0), 1)


VISIBLE = 0.4
"""An overlay keeps every curve showing in its own colour on at least this share of its
length (a quarter is asked; the share is estimated before the figure is drawn, without its
labels and markers); a panel where a curve would show less is split."""


def sampled(members: Sequence[Series], order: int, x_range: tuple[float, float],
            limits: tuple[float, float], panel: tuple[float, float]) -> np.ndarray:
    """The curves of derivative ``order`` at one column per point of a panel ``panel`` =
    (width, height) points in size, in points from its bottom, the y ``limits`` given."""
    lo, hi = x_range
    low, high = limits
    columns = np.linspace(lo, hi, max(int(panel[0]), 2))
    ys = np.full((len(columns), len(members)), np.nan)
    for i, s in enumerate(members):
        y = np.asarray(s.data[order], dtype=float)
        if y.ndim != 1 or len(y) != len(s.xs):
            continue
        finite = np.isfinite(y)
        if finite.sum() < 2:
            continue
        inside = (columns >= s.xs[finite][0]) & (columns <= s.xs[finite][-1])
        ys[inside, i] = (np.interp(columns[inside], s.xs[finite], y[finite]) - low) / (
            high - low) * panel[1]
    return ys


def partition(series: Sequence[Series], orders: Sequence[int], x_range: tuple[float, float],
              panels: tuple[tuple[float, float], tuple[float, float]],
              line: float, shared: bool = False) -> list[list[Series]]:
    """The curves in as few groups as let every curve of every group show on
    :data:`VISIBLE` of its length in each panel (by :func:`shares`, estimated on panels of
    ``panels`` = ((width, height) of one overlay, (width, height) of a row of several) in
    points with lines ``line`` points wide, the panels of one derivative sharing their y
    limits; with ``shared``, the rows share the second height, a figure of a fixed size):
    each curve, in order, joins the group where the least visible curve stays most visible."""
    series = list(series)
    duties = [duty(s.linestyle) for s in series]
    limits = {order: y_limits(series, order) for order in orders}
    found: dict[tuple[float, float], list[tuple[np.ndarray, np.ndarray]]] = {}

    def near_pairs(panel: tuple[float, float]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Which curves run together, at a panel's size (not depending on the grouping)."""
        if panel not in found:
            pairs = []
            for order in orders:
                ys = sampled(series, order, x_range, limits[order], panel)
                pairs.append((_near(ys, CLOSE * line), np.isfinite(ys)))
            found[panel] = pairs
        return found[panel]

    def worst(group: Sequence[int], pairs: list[tuple[np.ndarray, np.ndarray]]) -> float:
        if len(group) < 2:
            return 1.0
        pick = list(group)
        return min(float(shares(_masks(near[:, pick][:, :, pick], present[:, pick]),
                                [duties[i] for i in pick]).min())
                   for near, present in pairs)

    if worst(range(len(series)), near_pairs(panels[0])) >= VISIBLE:
        return [series]
    width, height = panels[1]
    for count in range(2, len(series) + 1):
        rows = near_pairs((width, height / count) if shared else (width, height))
        groups: list[list[int]] = [[] for _ in range(count)]
        for i in range(len(series)):
            scores = [worst([*g, i], rows) for g in groups]
            best = max(range(count), key=lambda k: (scores[k], -len(groups[k]), -k))
            groups[best].append(i)
        if all(worst(g, rows) >= VISIBLE for g in groups):
            return [[series[i] for i in g] for g in groups if g]
    return [[s] for s in series]
