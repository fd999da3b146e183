"""Figures of activation functions: matplotlib ``Figure`` objects on the Agg backend, never
pyplot, and deterministic saving to PNG, SVG or PDF.

Computation comes first (:func:`prepare`: the curves, their pieces between discontinuities,
their analyses), drawing second (functions that receive an ``Axes``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox, IdentityTransform

from ._files import write_atomically
from ._numbers import label_number
from .analysis import Analysis, Difference, analyze
from .catalog import Activation, Named, resolve_specs, sweep
from .checks import MAX_NUM, check_canvas
from .errors import ParameterError
from .options import Options, figure_options, orders
from .paths import FIGURE_FORMATS

# Okabe & Ito's colour-blind-safe palette, most distinct first (yellow last: faint on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
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
}

SAVE_STYLE: Any = {
    "svg.hashsalt": "actviz",  # fixed ids: the same figure gives the same SVG bytes
    "svg.fonttype": "path",
    "pdf.fonttype": 42,  # TrueType fonts in PDFs, as journals ask
}
"""rcParams that matter when a figure is written, so :func:`save` sets them then."""

SAVE_METADATA = {
    "png": {"Software": "actviz"},
    "svg": {"Date": None, "Creator": "actviz"},
    "pdf": {"Creator": "actviz", "Producer": "actviz", "CreationDate": None},
}


# --- what to draw ------------------------------------------------------------------------------

@dataclass
class Series:
    """One curve: a function, one value of a sweep, or one output of crelu."""

    label: str
    act: Activation
    color: str
    spec: str = ""
    output: int | None = None
    linestyle: Any = "-"
    analysis: Analysis | None = None
    vector: bool = False
    data: list[np.ndarray] = field(default_factory=list)  # f, f', f'' on the grid
    xs: np.ndarray = field(default_factory=lambda: np.empty(0))  # the grid

    def pick(self, values: np.ndarray) -> np.ndarray:
        return values if self.output is None else values[..., self.output]


def prepare(specs: Sequence[str | Activation | Named],
            options: Options) -> tuple[list[Series], np.ndarray]:
    """The curves of a figure, evaluated on the sample points, with their analyses; and the
    sample points."""
    if not specs:
        raise ParameterError("no function to plot; give at least one SPEC")
    if options.sweep is not None:
        if len(specs) != 1 or not isinstance(specs[0], str):
            raise ParameterError("sweep works with one function; got "
                                 + " ".join(map(str, specs)))
        members = sweep(specs[0], options.sweep, options.flavor)
        ramp = colormaps["viridis"]
        count = max(len(members) - 1, 1)
        series = [Series(m.label, m.act, _hex(ramp(0.05 + 0.8 * i / count)), specs[0])
                  for i, m in enumerate(members)]
    else:
        series = [Series(m.label, m.act, PALETTE[i % len(PALETTE)], m.label)
                  for i, m in enumerate(resolve_specs(specs, options.flavor))]
    expanded = []
    for s in series:
        if s.act.definition.outputs > 1:
            for k in range(s.act.definition.outputs):
                label = f"{s.label}[{k}]"
                expanded.append(Series(label, s.act, s.color, s.spec, k, ("-", "--")[k % 2]))
        else:
            s.vector = s.act.definition.vector
            expanded.append(s)
    total = options.num * len(expanded)
    if total > MAX_NUM:
        raise ParameterError(f"a figure samples at most {MAX_NUM} points in all; num "
                             f"{options.num} times {len(expanded)} curves is {total}")
    xs = grid(options, [s.act for s in expanded])
    for s in expanded:
        s.xs = xs
        s.data = [s.pick(v) for v in s.act.evaluate(xs, 2)]
        if options.annotations:
            s.analysis = analyze(s.act, options.range, options.saturation_threshold,
                                 output=s.output)
    return expanded, xs


def grid(options: Options, acts: Sequence[Activation]) -> np.ndarray:
    """``num`` evenly spaced points of the range, plus every kink in it, exactly."""
    lo, hi = options.range
    kinks = [k.x for act in acts if not act.definition.vector for k in act.kinks
             if lo < k.x < hi]
    return np.unique(np.concatenate([np.linspace(lo, hi, options.num), kinks]))


def _hex(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgba[:3])


def breaks(series: Series, xs: np.ndarray, order: int):
    """The curve of derivative ``order`` with a NaN gap at each of its discontinuities, and
    the discontinuities as (x, value there, one-sided limits that differ from it)."""
    y = series.data[order]
    if series.vector:
        return xs, y, []
    lo, hi = xs[0], xs[-1]
    xs_out, ys_out, ends = [xs], [y], []
    for kink in series.act.kinks:
        if kink.order > order or not lo < kink.x < hi:
            continue
        left, at, right = (float(series.pick(v)) for v in series.act.one_sided(kink.x, order))
        others = sorted({v for v in (left, right) if v != at})
        if not others:
            continue
        ends.append((kink.x, at, others))
        xs_out.append(np.array([kink.x, kink.x, kink.x]))
        ys_out.append(np.array([left, np.nan, right]))
    x_all = np.concatenate(xs_out)
    y_all = np.concatenate(ys_out)
    # The kink's own grid point would draw the vertical segment: drop it, keep the triples.
    keep = np.ones(len(x_all), bool)
    for x, _, _ in ends:
        keep[: len(xs)] &= xs != x
    order_idx = np.argsort(x_all[keep], kind="stable")
    return x_all[keep][order_idx], y_all[keep][order_idx], ends


# --- labels ------------------------------------------------------------------------------------

def max_gradient_label(analysis: Analysis) -> str:
    m = analysis.max_gradient
    head = f"max f{PRIMES[1]} = {label_number(m.value)}"
    if m.interval is not None:
        spans = " \u222a ".join(f"[{label_number(a, exact=True)}, {label_number(b, exact=True)}]"
                                for a, b in m.intervals)
        return f"{head} on {spans}"
    assert m.x is not None
    if m.approached:
        return f"sup f{PRIMES[1]} = {label_number(m.value)} as x \u2192 {label_number(m.x)}"
    edge = " (range edge)" if m.at_edge else ""
    return f"{head} at x = {label_number(m.x)}{edge}"


# --- drawing -----------------------------------------------------------------------------------

Label = tuple[tuple[float, float], str, str, str]  # anchor (data coords), text, colour, owner


def plot(specs: str | Activation | Named | Sequence[str | Activation | Named],
         **options: Any) -> Figure:
    """A figure of f (and f', f'') for each spec, annotated.

    Options: ``range=(-5, 5)``, ``num=1001``, ``layout="overlay"|"grid"``,
    ``derivative=True``, ``second_derivative=False``, ``saturation_threshold=0.05``,
    ``annotations=True``, ``sweep="alpha=0.5,1,2"`` (or ``("alpha", [0.5, 1, 2])``),
    ``style`` (a matplotlib style name), ``dpi=150``, ``size=(w, h)`` in inches, ``title``,
    ``flavor="torch"``. The same function the ``actviz plot`` command calls.
    """
    if isinstance(specs, (str, Activation, Named)):
        specs = [specs]
    if not isinstance(specs, Sequence):
        raise ParameterError(f"plot takes a spec or a list of specs, got {specs!r}")
    opts = figure_options(options)
    series, xs = prepare(list(specs), opts)
    shown = [s if isinstance(s, str) else s.label if isinstance(s, Named) else s.spec
             for s in specs]
    with ExitStack() as stack:
        stack.enter_context(matplotlib.rc_context(HOUSE_STYLE))
        if opts.style:
            stack.enter_context(matplotlib.style.context(opts.style))
        return _figure(series, xs, opts, shown)


def _figure(series: list[Series], xs: np.ndarray, opts: Options,
            specs: list[str]) -> Figure:
    shown = orders(opts)
    columns = [series] if opts.sweep else _group(series)
    grid_layout = opts.layout == "grid"
    if grid_layout:
        rows, cols = len(shown), len(columns)
        size = opts.size or (max(3.1 * cols, 4.6), 2.5 * rows + 1.0)
    else:
        rows, cols = 1, len(shown)
        size = opts.size or (3.9 * cols + 0.4, 3.6)
    check_canvas(size[0], size[1], opts.dpi)
    fig = Figure(figsize=size, dpi=opts.dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True,
                        sharey="row" if grid_layout else False)
    labels: dict[Axes, list[Label]] = {}
    members_of: dict[Axes, list[Series]] = {}
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            order = shown[r] if grid_layout else shown[c]
            members = members_of[ax] = columns[c] if grid_layout else series
            for s in members:
                labels.setdefault(ax, []).extend(draw_series(ax, s, xs, order))
            title = (specs[0] if opts.sweep else members[0].spec) if grid_layout else None
            _panel(ax, members, order, opts.range, title=title if r == 0 else None,
                   xlabel=r == rows - 1, ylabel=c == 0 or not grid_layout)
    _legend(fig, series, opts)
    title = opts.title if opts.title is not None else _default_title(series, specs, opts)
    if title:
        fig.suptitle(title)
    for ax, queued in labels.items():
        if queued:
            ax.add_artist(Labels(merge_labels(queued, len(members_of[ax]) > 1)))
    return fig


def _panel(ax: Axes, members: list[Series], order: int, x_range: tuple[float, float],
           title: str | None, xlabel: bool, ylabel: bool) -> None:
    """Limits, the zero line, and the titles of one panel."""
    ax.set_xlim(*x_range)
    _flat_panel_limits(ax, members, order)
    ax.axhline(0, color="0.55", lw=0.6, zorder=0.5)
    if title is not None:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel("x")
    if ylabel:
        ax.set_ylabel(_panel_title(order))


class Labels(Artist):
    """Text labels of one axes, placed when the figure is drawn: then the layout is final,
    and placing them costs no extra pass over the figure. See :func:`place_labels`."""

    def __init__(self, queued: list[tuple[tuple[float, float], str, str]]):
        super().__init__()
        self.queued = queued
        self.notes: list[Annotation] = []
        self.set_in_layout(False)
        self.set_zorder(7)

    def get_children(self) -> list[Artist]:
        return list(self.notes)

    def draw(self, renderer: Any) -> None:
        assert isinstance(self.axes, Axes)
        self.notes = place_labels(self.axes, self.queued, renderer)
        for note in self.notes:
            note.draw(renderer)
        self.stale = False


def merge_labels(queued: list[Label], many: bool) -> list[tuple[tuple[float, float], str, str]]:
    """Name the function in each label when a panel shows several (``many``), and say once
    what several share: ``relu, elu: max f′ = 1 on [0, 5]``."""
    groups: dict[tuple[Any, str], list[Label]] = {}
    for label in queued:
        groups.setdefault((label[0], label[1]), []).append(label)
    merged = []
    for (anchor, text), members in groups.items():
        if not many:
            merged.append((anchor, text, members[0][2]))
        elif len(members) == 1:
            merged.append((anchor, f"{members[0][3]}: {text}", members[0][2]))
        else:
            names = ", ".join(m[3] for m in members)
            merged.append((anchor, f"{names}: {text}", "#404040"))
    return merged


def _flat_panel_limits(ax: Axes, members: list[Series], order: int) -> None:
    """A panel whose curves are all one constant c (f'' of a piecewise linear function)
    gets the y range c - 1 to c + 1, not matplotlib's range around rounding noise."""
    values = np.concatenate([s.data[order].ravel() for s in members])
    values = values[np.isfinite(values)]
    if len(values) and np.ptp(values) == 0:
        ax.set_ylim(values[0] - 1, values[0] + 1)


def _group(series: list[Series]) -> list[list[Series]]:
    """Columns of the grid layout: the outputs of one crelu stay together."""
    groups: list[list[Series]] = []
    for s in series:
        if s.output and groups and groups[-1][0].act is s.act:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def _panel_title(order: int) -> str:
    return f"f{PRIMES[order]}(x)"


def _default_title(series: list[Series], specs: list[str], opts: Options) -> str | None:
    """The formula when one function is drawn (a sweep counts as one)."""
    if len(specs) != 1:
        return None
    formula = f"${series[0].act.definition.latex}$"
    if series[0].vector:
        return f"{formula}   over the sampled vector x ({opts.num} points)"
    return formula


def draw_series(ax: Axes, s: Series, xs: np.ndarray, order: int) -> list[Label]:
    """One curve on one panel with its discontinuities and annotations; returns the text
    labels it wants placed."""
    x, y, ends = breaks(s, xs, order)
    (line,) = ax.plot(x, y, color=s.color, linestyle=s.linestyle, zorder=3)
    line.set_gid(f"curve:{s.label}:{order}")
    labels: list[Label] = []
    for mark in MARKS:
        if s.analysis is not None or mark.always:
            labels += mark.draw(ax, s, order, ends)
    return labels


# --- annotation kinds ----------------------------------------------------------------------------

Ends = list[tuple[float, float, list[float]]]
"""The discontinuities of a curve on a panel: (x, value there, the other one-sided values)."""


class Mark:
    """One kind of annotation. It draws itself on a panel (returning the text labels it wants
    placed), adds its entries for one function to the legend, and its marker to the legend's
    key of marker kinds. ``always`` marks are drawn also with --no-annotations; the ranks
    order the legend entries. A new kind is one subclass here, one entry of :data:`MARKS`,
    and the field of :class:`actviz.analysis.Analysis` it shows."""

    always = False
    legend_rank = 0
    key_rank = 0

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        return []

    def key(self, analysed: list[Series], opts: Options) -> list[tuple[str, str, str]]:
        """(marker, face colour, text) of the marker kind, if any function shows it."""
        return []


class Jumps(Mark):
    """At a discontinuity of f or a derivative: filled where the function is, open where it
    is not (relu'(0) = 0 filled, 1 open)."""

    always = True

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        for x0, at, others in ends:
            ax.plot([x0] * len(others), others, linestyle="none", marker="o", ms=4.5,
                    mfc="white", mec=s.color, mew=1.2, zorder=4, gid=f"open:{s.label}:{order}")
            ax.plot([x0], [at], linestyle="none", marker="o", ms=4.5, color=s.color, zorder=5,
                    gid=f"closed:{s.label}:{order}")
        return []


class TrainingBand(Mark):
    """The slopes a function draws from in training (rrelu), from the catalog's ``band``."""

    always = True
    legend_rank = 2

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        band = s.act.band
        if band is None or order > 1:
            return []
        xs = s.xs
        inside = xs[(xs >= band.start) & (xs <= band.end)]
        if not len(inside):
            return []
        if order == 0:
            low, high = band.high * inside, band.low * inside
        else:
            low, high = np.full_like(inside, band.low), np.full_like(inside, band.high)
        ax.fill_between(inside, low, high, color=s.color, alpha=0.16, lw=0, zorder=2,
                        gid=f"band:{s.label}")
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        band = s.act.band
        if band is None:
            return []
        low, high = (label_number(v, 3, exact=True) for v in (band.low, band.high))
        return [Patch(color=s.color, alpha=0.25, lw=0,
                      label=f"{s.label} {band.label} {low}\u2013{high}")]


class DeadZones(Mark):
    """Where f' is exactly 0, hatched in the function's colour."""

    legend_rank = 1

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        for start, end in s.analysis.dead:
            ax.axvspan(start, end, facecolor="none", edgecolor=s.color, hatch="////", lw=0,
                       alpha=0.55, zorder=1, gid=f"dead:{s.label}")
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        if s.analysis is None or not s.analysis.dead:
            return []
        return [Patch(facecolor="none", edgecolor=s.color, hatch="////", lw=0,
                      label=f"{s.label} dead zone: f{PRIMES[1]} = 0")]


class Saturation(Mark):
    """Where f' tends to 0 and |f'| < tau, lightly shaded in the function's colour."""

    legend_rank = 0

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        for start, end in s.analysis.saturation:
            ax.axvspan(start, end, color=s.color, alpha=0.11, lw=0, zorder=1,
                       gid=f"saturation:{s.label}")
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        if s.analysis is None or not s.analysis.saturation:
            return []
        tau = label_number(opts.saturation_threshold, exact=True)
        return [Patch(color=s.color, alpha=0.2, lw=0,
                      label=f"{s.label} saturates: |f{PRIMES[1]}| < {tau}")]


def _corners(s: Series) -> list[float]:
    assert s.analysis is not None
    lo, hi = s.analysis.range
    return [k.x for k in s.act.kinks if k.order == 1 and lo < k.x < hi]


class Kinks(Mark):
    """Corners of f (f' jumps), as small diamonds on the f panel."""

    key_rank = 2

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        corners = _corners(s)
        if order == 0 and corners and not s.vector:
            ax.plot(corners, s.pick(s.act(np.array(corners))), linestyle="none", marker="D",
                    ms=4, color=s.color, mec="white", mew=0.6, zorder=5, clip_on=False,
                    gid=f"kink:{s.label}")
        return []

    def key(self, analysed: list[Series], opts: Options) -> list[tuple[str, str, str]]:
        if any(_corners(s) for s in analysed if not s.vector):
            return [("D", "black", f"kink: f{PRIMES[1]} jumps")]
        return []


class Minima(Mark):
    """Local minima of f, open triangles with their value."""

    key_rank = 1

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        if order != 0:
            return []
        labels: list[Label] = []
        for x0, y0 in s.analysis.minima:
            ax.plot([x0], [y0], linestyle="none", marker="v", ms=7, mfc="white", mec=s.color,
                    mew=1.4, zorder=6, clip_on=False, gid=f"minimum:{s.label}")
            labels.append(((x0, y0), f"min {label_number(y0)} at x = {label_number(x0)}",
                           s.color, s.label))
        return labels

    def key(self, analysed: list[Series], opts: Options) -> list[tuple[str, str, str]]:
        if any(s.analysis is not None and s.analysis.minima for s in analysed):
            return [("v", "white", "local minimum")]
        return []


class Plateau(Mark):
    """The largest slope taken on whole intervals (linear pieces): a band on the f' panel."""

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        m = s.analysis.max_gradient
        if order != 1 or m.interval is None or m.value == 0:
            return []  # (the largest f' is 0, on a dead zone: no steepest point to show)
        for start, end in m.intervals:
            ax.plot([start, end], [m.value, m.value], color=s.color, lw=6, alpha=0.25,
                    solid_capstyle="butt", zorder=2, gid=f"plateau:{s.label}")
        anchor = ((m.interval[0] + m.interval[1]) / 2, m.value)
        return [(anchor, max_gradient_label(s.analysis), s.color, s.label)]


class Steepest(Mark):
    """Where f' is largest, at one point: a filled triangle on f and on f'."""

    key_rank = 0

    def draw(self, ax: Axes, s: Series, order: int, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        m = s.analysis.max_gradient
        if order == 0 and m.x is not None and not s.vector:
            ax.plot([m.x], [float(s.pick(s.act(m.x)))], linestyle="none", marker="^", ms=6,
                    color=s.color, mec="white", mew=0.6, zorder=6, clip_on=False,
                    gid=f"max_gradient:{s.label}")
        if order != 1 or m.interval is not None or m.x is None:
            return []
        ax.plot([m.x], [m.value], linestyle="none", marker="^", ms=7, color=s.color,
                mec="white", mew=0.6, zorder=6, clip_on=False, gid=f"max_gradient:{s.label}")
        return [((m.x, m.value), max_gradient_label(s.analysis), s.color, s.label)]

    def key(self, analysed: list[Series], opts: Options) -> list[tuple[str, str, str]]:
        if any(s.analysis is not None and s.analysis.max_gradient.x is not None
               for s in analysed):
            return [("^", "black", f"max f{PRIMES[1]}")]
        return []


MARKS: tuple[Mark, ...] = (Jumps(), TrainingBand(), DeadZones(), Saturation(), Kinks(),
                           Minima(), Plateau(), Steepest())
"""Every annotation kind, in drawing order."""


def _legend(fig: Figure, series: list[Series], opts: Options) -> None:
    handles: list[Any] = [
        Line2D([], [], color=s.color, linestyle=s.linestyle,
               label=s.label + (" (over the sampled vector)" if s.vector else ""))
        for s in series
    ]
    by_rank = sorted(MARKS, key=lambda mark: mark.legend_rank)
    for s in series:
        for mark in by_rank:
            handles += mark.legend(s, opts)
    analysed = [s for s in series if s.analysis is not None]
    if analysed:
        for mark in sorted(MARKS, key=lambda mark: mark.key_rank):
            for marker, face, text in mark.key(analysed, opts):
                handles.append(Line2D([], [], linestyle="none", marker=marker, mfc=face,
                                      mec="black", mew=1.2, color="black", label=text))
    ncols = max(1, min(len(handles), 4 if opts.layout == "overlay" else 3))
    fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False)


CANDIDATES = [(dx * r, dy * r) for r in (1.0, 2.2, 3.6)
              for dx, dy in ((1, 1), (1, -1), (-1, 1), (-1, -1), (0, 1.3), (0, -1.3),
                             (1.4, 0), (-1.4, 0))]


def place_labels(ax: Axes, queued: list[tuple[tuple[float, float], str, str]],
                 renderer: Any) -> list[Annotation]:
    """Put the labels where they overlap no other label, as few curve points and markers as
    possible, and stay inside the axes; a thin leader line joins a label set away from its
    point. Each label is measured once; its candidate places are that box, moved around the
    point, and pushed back inside the axes where it would stick out (a label wider than
    the room beside its point still fits above or below it)."""
    inside = ax.get_window_extent(renderer)
    points = []
    for line in ax.get_lines():
        data = np.asarray(line.get_xydata(), dtype=float)
        data = data[np.isfinite(data).all(axis=1)]
        if len(data):
            points.append(ax.transData.transform(data[:: max(1, len(data) // 400)]))
    cloud = np.concatenate(points) if points else np.empty((0, 2))
    pixels_per_point = ax.figure.dpi / 72.0
    pad = LABEL_PAD * LABEL_SIZE * pixels_per_point
    taken: list[Bbox] = []
    notes = []
    for anchor, text, color in queued:
        size = _annotation(ax, anchor, text, color, 0, 0).get_window_extent(renderer)
        width, height = size.width + 2 * pad, size.height + 2 * pad
        px, py = ax.transData.transform(anchor)
        best = None
        for dx, dy in CANDIDATES:
            x = px + dx * 10 * pixels_per_point
            y = py + dy * 10 * pixels_per_point
            x0 = x if dx > 0 else x - width if dx < 0 else x - width / 2
            y0 = y if dy > 0 else y - height if dy < 0 else y - height / 2
            x0 = min(max(x0, inside.x0), max(inside.x0, inside.x1 - width))
            y0 = min(max(y0, inside.y0), max(inside.y0, inside.y1 - height))
            box = Bbox.from_bounds(x0, y0, width, height)
            outside = not (box.x0 >= inside.x0 and box.x1 <= inside.x1
                           and box.y0 >= inside.y0 and box.y1 <= inside.y1)
            overlaps = sum(box.overlaps(other) for other in taken)
            covered = int(np.count_nonzero(
                (cloud[:, 0] > box.x0) & (cloud[:, 0] < box.x1)
                & (cloud[:, 1] > box.y0) & (cloud[:, 1] < box.y1)))
            # Far from its point, a label reads as belonging elsewhere: distance costs too.
            gap = _gap(box, px, py) / pixels_per_point
            score = outside * 10000 + overlaps * 1000 + covered + 0.6 * gap
            if best is None or score < best[0]:
                best = (score, box, gap)
        assert best is not None
        _, box, gap = best
        offset = ((box.x0 + pad - px) / pixels_per_point, (box.y0 + pad - py) / pixels_per_point)
        notes.append(_annotation(ax, anchor, text, color, *offset, leader=gap > 12,
                                 align=("left", "bottom")))
        taken.append(box)
    return notes


def _gap(box: Bbox, x: float, y: float) -> float:
    """How far the point (x, y) lies from the box, 0 inside."""
    return math.hypot(max(box.x0 - x, 0.0, x - box.x1), max(box.y0 - y, 0.0, y - box.y1))


LABEL_SIZE = 7.5
LABEL_PAD = 0.15


def _annotation(ax: Axes, anchor, text, color, dx, dy, leader=False,
                align: tuple[str, str] | None = None) -> Annotation:
    """A label at (dx, dy) points from its anchor (not added to the axes: :class:`Labels`
    draws it); ``align`` (ha, va) defaults to the side the offset points to."""
    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    if align is not None:
        ha, va = align
    arrow = {"arrowstyle": "-", "color": color, "lw": 0.6, "shrinkA": 0, "shrinkB": 3}
    note = Annotation(text, xy=anchor, xytext=(dx, dy), textcoords="offset points",
                      ha=ha, va=va, fontsize=LABEL_SIZE, color=_darker(color), zorder=7,
                      bbox={"boxstyle": f"round,pad={LABEL_PAD}", "fc": "white", "ec": "none",
                            "alpha": 0.85},
                      arrowprops=arrow if leader else None, annotation_clip=False)
    note.set_transform(IdentityTransform())
    note.axes = ax
    note.set_figure(ax.figure)
    note.set_in_layout(False)
    note.set_gid("label")
    return note


def _darker(color: str) -> str:
    return _hex([0.8 * c for c in to_rgb(color)])


# --- difference of two functions ------------------------------------------------------------

def plot_difference(diff: Difference, a: Activation, b: Activation, num: int = 2001,
                    dpi: float = 150.0, size: tuple[float, float] | None = None) -> Figure:
    """f_A - f_B and f'_A - f'_B on the range of ``diff`` (an :class:`analysis.Difference` of
    ``a`` and ``b``), each largest |difference| marked and labelled."""
    lo, hi = diff.range
    kinks = [k.x for act in (a, b) for k in act.kinks if lo < k.x < hi]
    xs = np.unique(np.concatenate([np.linspace(lo, hi, num), kinks]))
    fa, fb = a.evaluate(xs, 1), b.evaluate(xs, 1)
    marks = [(diff.max_abs_x, "max |\u0394f|", diff.max_abs),
             (diff.max_abs_derivative_x, "max |\u0394f\u2032|", diff.max_abs_derivative)]
    with matplotlib.rc_context(HOUSE_STYLE):
        fig = Figure(figsize=size or (8.2, 3.6), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 2, sharex=True)
        labels = {}
        for order, ax in enumerate(axes):
            gap = fa[order] - fb[order]
            ax.plot(xs, gap, color=PALETTE[0], gid=f"curve:difference:{order}")
            ax.axhline(0, color="0.55", lw=0.6, zorder=0.5)
            x0, text, value = marks[order]
            y0 = float(a.evaluate(np.array([x0]), order)[order][0]
                       - b.evaluate(np.array([x0]), order)[order][0])
            ax.plot([x0], [y0], linestyle="none", marker="^" if y0 >= 0 else "v", ms=7,
                    color=PALETTE[1], clip_on=False, zorder=6, gid=f"max_difference:{order}")
            labels[ax] = [((x0, y0), f"{text} = {label_number(value)} at x = {label_number(x0)}",
                           PALETTE[1])]
            ax.set_xlim(lo, hi)
            ax.set_xlabel("x")
            ax.set_ylabel([r"$\Delta f = f_A(x) - f_B(x)$",
                           r"$\Delta f' = f'_A(x) - f'_B(x)$"][order])
        fig.suptitle(f"A = {diff.a},  B = {diff.b}")
        for ax, queued in labels.items():
            ax.add_artist(Labels(queued))
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

    def write(handle: Any) -> None:
        with matplotlib.rc_context(SAVE_STYLE), warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            fig.savefig(handle, format=fmt, dpi=dpi or fig.dpi, metadata=SAVE_METADATA[fmt])
        for warning in seen:
            if "layout" in str(warning.message):
                width, height = fig.get_size_inches()
                raise ParameterError(f"the figure does not fit in {width:g} x {height:g} "
                                     "inches; give a larger --size")
            warnings.warn(warning.message, warning.category, stacklevel=2)

    return write_atomically(path, write)
