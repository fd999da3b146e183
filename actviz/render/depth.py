r"""The figure of ``actviz depth``: what a deep random network does with each function, in four
panels (:mod:`actviz.meanfield` computes, this module draws):

(a) the phase diagram: the edge-of-chaos curve (χ₁ = 1) of every function over σ_b, and
    the settings drawn, on a log scale of σ_w where they lie far apart (sigmoid's edge of
    chaos is near 10, relu's at √2); for one function, χ₁ at the fixed point q* over
    (σ_b, σ_w) in colour behind it, centred at 1 (blue ordered, red chaotic; greys under a
    grey style), hatched where q has no fixed point. Markers on one spot are set side by
    side (a marker covers at most half of another);
(b) q^l, the mean square of the pre-activations, layer by layer from q^0 = 1;
(c) the mean squared gradient at layer l relative to the last layer's;
(d) the correlation map c ↦ C(c) of every setting with a fixed point, as C(c) - c (the change
    in one layer: C lies too close to the identity to read), with its stable fixed point c*.

In (b) and (c) the theory is drawn as lines and seeded random networks of the given width as
markers (:func:`actviz.meanfield.simulate_many`): the geometric mean over the networks, with
bars of one standard deviation (of the logarithm) either side. One network of width 1000
wanders 10-20 % around the theory (the mean-field limit is that of an infinite width);
their mean follows it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from .._numbers import label_number
from ..checks import check_canvas
from ..errors import ParameterError
from ..meanfield.report import EDGE, FORWARD, GIVEN, TORCH, Setting
from ..ranges import round_outward
from .curves import SharedStretches
from .figure import ActvizFigure, _by_rows, _legend_columns
from .layout import Cell, PanelLayout
from .marks import separate_markers
from .style import (
    SIZE_PRESETS,
    colours,
    drawing,
    figure_size,
    ink,
    monochrome,
    paper,
    scale,
)

MARKERS = {EDGE: "o", GIVEN: "o", TORCH: "s", FORWARD: "s"}
"""The marker of each kind of setting, on the phase diagram and in the legend."""
MARKER_SIZES = {EDGE: 9.5, GIVEN: 7.0, TORCH: 5.5, FORWARD: 5.5}
"""Points: the edge of chaos a little larger, so that a standard init drawn on the same spot
(relu's sqrt 2 is both) leaves a rim of it visible."""
DASHED = (0, (4, 2))
CHI_DECADES = 1.0
"""The colour scale of χ₁ spans 10^-1 to 10^1: beyond, the colours saturate."""
HATCH = "////"
"""The hatch of the phase diagram where q has no fixed point."""
GRID = 80
"""Points of the phase diagram along each axis."""
MARKS = 16
"""At most this many simulated points per curve."""
CORRELATIONS = 81
"""Points of the correlation map (a smooth function of c; each costs a 2-D integral)."""
HANDLE = 3.2
"""The legend's handle length (font sizes): long enough to show a dash beside a marker."""
CURVE_GREY = "0.45"
"""The neutral colour of legend entries that stand for every function's colour."""


@dataclass(frozen=True)
class Curve:
    """A setting drawn in (b) to (d): its look, and where it is for the legend (``edge of
    chaos``, ``PyTorch gain``, both for relu's sqrt 2, or empty for a σ_w given)."""

    setting: Setting
    where: str
    color: str
    dash: Any
    marker: str

    @property
    def sigma_w(self) -> float:
        assert self.setting.sigma_w is not None
        return self.setting.sigma_w


def depth_figure(found: Sequence[Setting], simulate: bool = True, width: int = 1000,
                 seed: int = 0, networks: int = 4, dpi: float = 150.0, size: Any = None,
                 style: str | None = None, title: str | None = None) -> ActvizFigure:
    """The four panels for the settings ``found``
    (:func:`actviz.meanfield.report.settings`). Settings with a q across the layers are drawn
    as curves; the others (no edge of chaos, an unstable fixed point) only as a marker on the
    phase diagram, with their reason in the table. ``simulate`` adds ``networks`` seeded random
    networks (seeds ``seed``, ``seed + 1``, ...) of ``width`` units per layer as markers."""
    if not found:
        raise ParameterError("no setting to draw; give at least one SPEC")
    fig_width, height = _size(size)
    check_canvas(fig_width, height, dpi)
    labels = list(dict.fromkeys(s.label for s in found))
    with drawing(fig_width, style):
        if len(labels) == 1:  # the map's colour bar: matplotlib's constrained layout
            fig = ActvizFigure(figsize=(fig_width, height), dpi=dpi, layout="constrained")
            FigureCanvasAgg(fig)
            axes = fig.subplots(2, 2)
        else:  # four panels: actviz's own layout, three times quicker
            fig = ActvizFigure(figsize=(fig_width, height), dpi=dpi)
            FigureCanvasAgg(fig)
            axes = np.array([[fig.add_axes((0.0, 0.0, 1.0, 1.0)) for _ in range(2)]
                             for _ in range(2)])
            fig.panel_layout = PanelLayout(fig, [Cell(axes[r, c], r, c, xlabel=True)
                                                 for r in range(2) for c in range(2)],
                                           2, 2, 0.0, None)
        functions = dict(zip(labels, colours(len(labels)), strict=True))
        curves = _curves(found, functions)
        sims = _simulations(curves, width, seed, networks) if simulate else {}
        fixed = [c for c in curves if c.setting.propagation is not None]
        layers = found[0].layers
        handles = _phase_panel(axes[0, 0], found, labels, functions, curves)
        _layers_panel(axes[0, 1], curves, layers, sims, "q")
        _layers_panel(axes[1, 0], curves, layers, sims, "grad_sq")
        handles += _correlation_panel(axes[1, 1], fixed)
        fig.settlers += [lambda: side_by_side(axes[0, 0], "setting:"),
                         lambda: separate_markers(axes[1, 1])]
        _legend(fig, found, curves, functions, handles,
                (networks, width, seed) if simulate and curves else None)
        if title is None:
            title = (f"Through {layers} layers at $\\sigma_b$ = "
                     f"{label_number(found[0].sigma_b, exact=True)}")
        if title:
            fig.suptitle(title)
    return fig


def _size(size: Any) -> tuple[float, float]:
    """(width, height) in inches: as given (tall enough for two rows of panels and the
    legend), a preset's width with room for them, or 8.2 x 7.4."""
    if size is None:
        return 8.2, 7.4
    if size in SIZE_PRESETS:
        width = SIZE_PRESETS[size]
        return width, round(0.8 * width + 2.3, 2)
    width, height = figure_size(size, (2, 2), "overlay")
    if width < 3.0 or height < 0.6 * width + 1.5:
        raise ParameterError(
            f"the depth figure's two rows of panels and legend need --size W H with W >= 3 "
            f"and H >= 0.6 W + 1.5 ({width:g} x {0.6 * width + 1.5:g} in at this width); "
            f"got {width:g} x {height:g}; or give --size column or page")
    return width, height


def _curves(found: Sequence[Setting], functions: dict[str, tuple[str, Any]]) -> list[Curve]:
    """The settings with a q across the layers, one curve per function and σ_w (relu's edge
    of chaos and PyTorch gain are one), each in its function's colour, solid at the edge of
    chaos or a σ_w given and dashed at the standard init; under a grey style every curve
    gets a grey and a dash of its own instead."""
    kept: list[tuple[Setting, str]] = []
    for s in found:
        if s.q is None or s.sigma_w is None:
            continue
        where = "" if s.kind == GIVEN else s.kind
        same = next((i for i, (t, _) in enumerate(kept) if t.label == s.label
                     and math.isclose(t.sigma_w or 0.0, s.sigma_w, rel_tol=1e-12)), None)
        if same is None:
            kept.append((s, where))
        else:
            kept[same] = (kept[same][0], f"{kept[same][1]} = {where}")
    grey = monochrome()
    own = colours(len(kept)) if grey else []
    curves = []
    for i, (s, where) in enumerate(kept):
        color, dash = own[i] if grey else functions[s.label]
        if not grey:  # the line style says the setting: solid at the edge of chaos or a
            dash = DASHED if MARKERS[s.kind] == "s" else "-"  # sigma_w given, else dashed
        curves.append(Curve(s, where, color, dash, MARKERS[s.kind]))
    return curves


def _simulations(curves: Sequence[Curve], width: int, seed: int,
                 networks: int) -> dict[int, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """For each curve, (geometric mean, standard deviation of the logarithm) of q and of
    the gradient (relative to the last layer) over ``networks`` networks, every curve's
    network k on the same random draws (seed + k)."""
    from ..meanfield.simulation import simulate_many_of

    if not curves:
        return {}
    runs = [simulate_many_of([(c.setting.named.act, (c.sigma_w, c.setting.sigma_b))
                              for c in curves], curves[0].setting.layers, width, seed + k)
            for k in range(networks)]
    out = {}
    for i, c in enumerate(curves):
        stats = {}
        for quantity in ("q", "grad_sq"):
            values = np.array([getattr(run[i], quantity) for run in runs])
            if quantity == "grad_sq":
                values = values / values[:, -1:]
            with np.errstate(all="ignore"):  # a zero gradient (binary_step) has no log
                logs = np.log(values)
                finite = np.isfinite(logs)
                count = finite.sum(axis=0)
                mean = np.where(finite, logs, 0.0).sum(axis=0) / count
                square = np.where(finite, (logs - mean) ** 2, 0.0).sum(axis=0) / count
            mean[count == 0] = np.nan
            stats[quantity] = (mean, np.sqrt(square))
        out[id(c.setting)] = stats
    return out


def _words(ax: Any, wide: str, narrow: str) -> str:
    """The long text in a figure 5 in wide or more, else the short one (a journal column
    leaves panels about an inch wide: the caption explains them)."""
    return wide if ax.figure.get_figwidth() >= 5 else narrow


def _k(ax: Any) -> float:
    """How much marker sizes shrink in a narrow figure (as its fonts do)."""
    return scale(ax.figure.get_figwidth())


# --- (a) the phase diagram -----------------------------------------------------------------------

def _extent(found: Sequence[Setting], log: bool) -> tuple[float, float, float]:
    """The largest σ_b, and the smallest and largest σ_w of the diagram: σ_b up to at least
    1 and past the settings drawn; σ_w from 0 (from below the settings on a log scale) to
    at least 3 and past them."""
    b = max([1.0] + [1.25 * s.sigma_b for s in found])
    ws = [s.sigma_w for s in found if s.sigma_w is not None and s.sigma_w > 0]
    top = round_outward(0.0, max([3.0] + [1.2 * w for w in ws]))[1]
    low = min(ws) / 1.6 if log and ws else 0.0
    return round_outward(0.0, b)[1], low, top


def _log_scale(found: Sequence[Setting]) -> bool:
    """σ_w on a log scale where the settings drawn lie more than a factor 4 apart."""
    ws = [s.sigma_w for s in found if s.sigma_w is not None and s.sigma_w > 0]
    return len(ws) > 1 and max(ws) / min(ws) > 4


def _colour_map() -> ListedColormap:
    """log10 χ₁ from -1 to 1: blue to white to red, its near-black ends left out; under a
    grey style, dark grey (ordered) to light grey (chaotic), lightness changing steadily."""
    if monochrome():
        return ListedColormap(matplotlib.colormaps["Greys_r"](np.linspace(0.2, 0.92, 256)))
    return ListedColormap(matplotlib.colormaps["RdBu_r"](np.linspace(0.08, 0.92, 256)))


def _phase_panel(ax: Axes, found: Sequence[Setting], labels: Sequence[str],
                 functions: dict[str, tuple[str, Any]], curves: Sequence[Curve]) -> list[Any]:
    log = _log_scale(found)
    b_max, w_min, w_max = _extent(found, log)
    handles: list[Any] = []
    if len(labels) == 1:
        handles += _chi_map(ax, found, labels[0], b_max, w_min, w_max, log)
    handles += _edge_curves(ax, found, functions, curves, b_max)
    for s in found:
        if s.sigma_w is None:
            continue
        color = next((c.color for c in curves if c.setting is s), None) or _function_colour(
            s.label, functions, curves)
        ax.plot([s.sigma_b], [s.sigma_w], linestyle="none", marker=MARKERS[s.kind],
                ms=MARKER_SIZES[s.kind] * _k(ax), markerfacecolor=color,
                markeredgecolor=paper(), markeredgewidth=1.0, zorder=5, clip_on=False,
                gid=f"setting:{s.name}")
    # the settings at sigma_b = 0 stand clear of the frame (behind a map, half over it)
    ax.set_xlim(-b_max / (GRID - 1) / 2 if len(labels) == 1 else -0.04 * b_max, b_max)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(w_min, w_max)
        ticks = [m * 10.0**k for k in range(-2, 3) for m in (1, 2, 5)
                 if w_min <= m * 10.0**k <= w_max]
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: label_number(v, exact=True)))
        ax.yaxis.set_minor_locator(NullLocator())
    else:
        ax.set_ylim(0.0, w_max)
    ax.set_xlabel(r"$\sigma_b$")
    ax.set_ylabel(r"$\sigma_w$")
    if len(labels) == 1:
        shown = "shading" if monochrome() else "colour"
        ax.set_title(_words(ax, f"(a) $\\chi_1$ of {labels[0]} ({shown})", f"(a) {labels[0]}"))
    else:
        ax.set_title(_words(ax, "(a) edge of chaos", "(a)"))
    return handles


def _chi_map(ax: Axes, found: Sequence[Setting], label: str, b_max: float, w_min: float,
             w_max: float, log: bool) -> list[Any]:
    """χ₁ of the one function drawn, in colour over (σ_b, σ_w), hatched where q has no
    fixed point; its colour bar."""
    from ..meanfield.chaos import phase_diagram_of

    first = next(s.named for s in found if s.label == label)
    sigma_bs = np.linspace(0.0, b_max, GRID)
    sigma_ws = (np.geomspace(w_min, w_max, GRID) if log else np.linspace(0.0, w_max, GRID))
    chi = phase_diagram_of(first.act, sigma_bs, sigma_ws).T  # rows: sigma_w
    with np.errstate(divide="ignore"):
        level = np.clip(np.log10(chi), -CHI_DECADES, CHI_DECADES)
    cmap = _colour_map().with_extremes(bad=paper())
    image = ax.pcolormesh(sigma_bs, sigma_ws, np.ma.masked_invalid(level), cmap=cmap,
                          vmin=-CHI_DECADES, vmax=CHI_DECADES, shading="nearest",
                          rasterized=True)
    image.set_gid("phase_diagram")
    handles: list[Any] = []
    if np.isnan(chi).any():  # hatched, so that it reads in grey print and on any paper
        hatched = ax.contourf(sigma_bs, sigma_ws, np.isnan(chi).astype(float),
                              levels=[0.5, 1.5], colors="none", hatches=[HATCH])
        hatched.set_edgecolor(CURVE_GREY)
        hatched.set_linewidth(0)
        hatched.set_gid("no_fixed_point")
        handles.append(Patch(facecolor=paper(), edgecolor=CURVE_GREY, hatch=HATCH,
                             label="no fixed point: q grows without bound"))
    bar = ax.figure.colorbar(image, ax=ax, pad=0.02, fraction=0.06)
    bar.set_ticks([-1.0, -0.5, 0.0, 0.5, 1.0], labels=["0.1", "0.3", "1", "3", "10"])
    bar.set_label(_words(ax, "$\\chi_1$  (ordered < 1 < chaotic)", "$\\chi_1$"))
    ax.grid(False)
    return handles


def _function_colour(label: str, functions: dict[str, tuple[str, Any]],
                     curves: Sequence[Curve]) -> str:
    """A function's colour: that of its first curve, else its own."""
    return next((c.color for c in curves if c.setting.label == label), functions[label][0])


EDGE_NODES = 11
"""Values of σ_b at which the edge of chaos is computed for the curve of (a) (0, then from
1/1000 of the range geometrically: the curve bends most near σ_b = 0), joined by a monotone
cubic (within 0.5 % of σ_w for tanh, elu, selu and erf, tested); the markers and the table
are exact."""


def _edge_curve(act: Any, b_max: float) -> tuple[np.ndarray, np.ndarray,
                                                  tuple[np.ndarray, np.ndarray]]:
    """The edge of chaos over σ_b as drawn: (σ_b, σ_w) on 81 points (NaN where there is
    none), and the (σ_b, σ_w) that stand alone (relu's √2 at σ_b = 0 only)."""
    from scipy.interpolate import PchipInterpolator

    from ..meanfield.chaos import Ratios, eoc_at

    nodes = np.concatenate([[0.0], b_max * np.geomspace(1e-3, 1.0, EDGE_NODES - 1)])
    ratios = Ratios(act)
    found = np.array([math.nan if e.sigma_w is None else e.sigma_w
                      for e in (eoc_at(ratios, b) for b in nodes.tolist())])
    bs = np.linspace(0.0, b_max, 81)
    ws = np.full(len(bs), np.nan)
    alone = []
    finite = np.isfinite(found)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(int), [0]])))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start == 1:
            alone.append(start)
            continue
        inside = (bs >= nodes[start]) & (bs <= nodes[stop - 1])
        ws[inside] = PchipInterpolator(nodes[start:stop], found[start:stop])(bs[inside])
    return bs, ws, (nodes[alone], found[alone])


def _edge_curves(ax: Axes, found: Sequence[Setting], functions: dict[str, tuple[str, Any]],
                 curves: Sequence[Curve], b_max: float) -> list[Any]:
    """The edge of chaos of every function over σ_b, in its colour (in ink over the χ₁ map of
    one function); a curve that is one point (relu: σ_w = √2 at σ_b = 0 only) as a
    diamond."""
    outline = [patheffects.withStroke(linewidth=3.2, foreground=paper())]
    alone_drawn = False
    single = len({s.label for s in found}) == 1
    for label in dict.fromkeys(s.label for s in found):
        act = next(s.named.act for s in found if s.label == label)
        # over the map of one function, its edge in ink (the map's blue is the first colour)
        color = ink() if single else _function_colour(label, functions, curves)
        bs, ws, lone = _edge_curve(act, b_max)
        ax.plot(bs, ws, color=color, lw=1.6, zorder=3, path_effects=outline,
                gid=f"edge_of_chaos:{label}")
        bs, ws = lone
        alone = np.ones(len(bs), bool)
        for s in found:  # a setting's marker on the same spot says it already
            if s.label == label and s.sigma_w is not None:
                alone &= ~(np.isclose(bs, s.sigma_b) & np.isclose(ws, s.sigma_w))
        if alone.any():
            ax.plot(bs[alone], ws[alone], linestyle="none", marker="D", ms=4.5 * _k(ax),
                    color=color, markeredgecolor=paper(), markeredgewidth=0.8, zorder=3,
                    clip_on=False, gid=f"edge_of_chaos:{label}")
            alone_drawn = True
    handles: list[Any] = [Line2D([], [], color=ink() if single else CURVE_GREY, lw=1.6,
                                 path_effects=outline,
                                 label="edge of chaos ($\\chi_1 = 1$)" if single else
                                 "edge of chaos ($\\chi_1 = 1$), each function's colour")]
    if alone_drawn:
        handles.append(Line2D([], [], linestyle="none", marker="D", ms=4.5 * _k(ax),
                              color=CURVE_GREY, label="an edge of chaos that is one point"))
    return handles


# --- (b), (c) across the layers -----------------------------------------------------------------

def _layers_panel(ax: Axes, curves: Sequence[Curve], layers: int,
                  sims: dict[int, dict[str, tuple[np.ndarray, np.ndarray]]],
                  quantity: str) -> None:
    """q^l or the gradient across the layers: theory lines, simulated means with bars."""
    values: list[np.ndarray] = []
    stretches = SharedStretches(ax)
    ax.get_figure(root=True).shared.append(stretches)  # type: ignore[union-attr]
    for c in curves:
        s = c.setting
        steps = np.arange(s.layers + 1)
        theory = getattr(s, quantity)
        (line,) = ax.plot(steps, theory, color=c.color, linestyle=c.dash, zorder=3,
                          gid=f"theory:{quantity}:{s.name}")
        stretches.add(line)
        values.append(theory)
        stats = sims.get(id(s))
        if stats is None:
            continue
        mean, spread = stats[quantity]
        marks = round(MARKS * _k(ax) ** 2)  # fewer in a narrow figure: 9 in a column
        pick = steps[::max(1, math.ceil((s.layers + 1) / marks))]
        pick = pick[np.isfinite(mean[pick])]
        centre = np.exp(mean[pick])
        bars = np.array([centre - np.exp(mean[pick] - spread[pick]),
                         np.exp(mean[pick] + spread[pick]) - centre])
        drawn = ax.errorbar(pick, centre, yerr=bars, linestyle="none", marker="o",
                            ms=4.0 * _k(ax), markerfacecolor=paper(), markeredgecolor=c.color,
                            markeredgewidth=1.0, ecolor=c.color, elinewidth=0.8, capsize=0,
                            zorder=4)
        drawn.lines[0].set_gid(f"simulated:{quantity}:{s.name}")
        values.append(centre)
    if not curves:
        ax.text(0.5, 0.5, "no setting with\na q to follow", transform=ax.transAxes,
                ha="center", va="center", color=ink())
    finite = np.concatenate(values) if values else np.ones(1)
    positive = finite[np.isfinite(finite) & (finite > 0)]
    if positive.size and positive.max() / positive.min() > 30:
        ax.set_yscale("log", nonpositive="mask")
        _decade_ticks(ax, float(positive.min()), float(positive.max()))
    ax.set_xlim(0, layers)
    ax.set_xlabel("layer $l$")
    if quantity == "q":
        ax.set_ylabel(_words(ax, "$q^l$ = mean $(h^l_i)^2$", "$q^l$"))
        ax.set_title(_words(ax, "(b) signal", "(b)"))
    else:
        ax.set_ylabel(r"mean $(\partial E/\partial h^l_i)^2$")
        ax.set_title(_words(ax, "(c) gradient, relative to the last layer", "(c)"))


SUPERSCRIPTS = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076"
                                           "\u2077\u2078\u2079")


def _power_of_ten(value: float, _: Any = None) -> str:
    """``10⁻³⁰`` as plain text with superscript digits (matplotlib's mathtext took 10 ms to
    lay out each tick label), ``1`` for 10⁰."""
    exponent = round(math.log10(value))
    return "1" if exponent == 0 else "10" + str(exponent).translate(SUPERSCRIPTS)


def _decade_ticks(ax: Axes, low: float, high: float) -> None:
    """Ticks every 1, 2, 5, 10, ... decades, at most 7 of them, starting from a multiple of
    the stride (matplotlib's own choice can step by 11 decades)."""
    lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
    stride = next(k for k in (1, 2, 5, 10, 20, 50, 100) if (hi - lo) / k <= 6)
    first = math.floor(lo / stride) * stride
    ax.yaxis.set_major_locator(FixedLocator([10.0**k for k in range(first, hi + 1, stride)]))
    ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    if stride > 1:
        ax.yaxis.set_minor_locator(NullLocator())


# --- (d) the correlation map --------------------------------------------------------------------

CORRELATION_NODES = 11
"""Values of c at which the correlation map is computed for (d) (Chebyshev points of
[-1, 1]), joined by the polynomial through them: within 1e-3 of the curve's span for the
functions of the catalog, 1.5e-2 for one that jumps (tested); c* and the table are exact."""


def _correlations(p: Any, c: np.ndarray) -> np.ndarray:
    """C(c) of the propagation ``p`` at ``c``, through :data:`CORRELATION_NODES`."""
    from scipy.interpolate import BarycentricInterpolator

    nodes = np.cos(np.pi * np.arange(CORRELATION_NODES) / (CORRELATION_NODES - 1))[::-1]
    return np.asarray(BarycentricInterpolator(nodes, p.correlation_map(nodes))(c))


def _correlation_panel(ax: Axes, curves: Sequence[Curve]) -> list[Any]:
    """C(c) - c over c: how much one layer changes the correlation of two inputs (C(c) itself
    lies too close to the identity to read); its zeros are the fixed points."""
    c = np.linspace(-1.0, 1.0, CORRELATIONS)
    ax.axhline(0, color="0.55", lw=0.6, zorder=0.5)
    starred = False
    stretches = SharedStretches(ax)
    ax.get_figure(root=True).shared.append(stretches)  # type: ignore[union-attr]
    for curve in curves:
        s, p = curve.setting, curve.setting.propagation
        (line,) = ax.plot(c, _correlations(p, c) - c, color=curve.color,
                          linestyle=curve.dash, zorder=3, gid=f"correlation_map:{s.name}")
        stretches.add(line)
        if p.c_star is not None:
            ax.plot([p.c_star], [0.0], linestyle="none", marker="*", ms=10 * _k(ax),
                    color=curve.color, markeredgecolor=paper(), markeredgewidth=0.8, zorder=5,
                    clip_on=False, gid=f"c_star:{s.name}")
            starred = True
    if not curves:
        ax.text(0.5, 0.5, "no setting with\na fixed point", transform=ax.transAxes,
                ha="center", va="center", color=ink())
    ax.set_xlim(-1, 1)
    ax.set_xlabel(_words(ax, "correlation $c$ of two inputs", "$c$"))
    ax.set_ylabel(_words(ax, "$C(c) - c$, change in a layer", "$C(c) - c$"))
    names = list(dict.fromkeys(c.setting.label for c in curves))
    if len(names) == 1:
        ax.set_title(_words(ax, f"(d) correlation map of {names[0]}", f"(d) {names[0]}"))
    else:
        ax.set_title(_words(ax, "(d) correlation map", "(d)"))
    if starred:
        return [Line2D([], [], linestyle="none", marker="*", ms=10 * _k(ax), color=CURVE_GREY,
                       label="$c^*$, the stable fixed point of $C$")]
    return []


# --- the legend ----------------------------------------------------------------------------------

def _legend(fig: ActvizFigure, found: Sequence[Setting], curves: Sequence[Curve],
            functions: dict[str, tuple[str, Any]], extra: list[Any],
            simulated: tuple[int, int, int] | None) -> None:
    """The curves (line and the setting's marker), the settings drawn only as a marker on
    the phase diagram, the simulated networks, then the symbols of (a) and (d)."""
    handles: list[Any] = []
    k = _k(fig)
    for c in curves:
        s = c.setting
        grows = " (q grows without bound)" if s.propagation is None else ""
        if s.grad_sq is not None and not np.any(s.grad_sq[:-1]):
            grows += " (f' = 0 but at its jumps: no gradient)"
        handles.append(Line2D(
            [], [], color=c.color, linestyle=c.dash, marker=c.marker,
            ms=MARKER_SIZES[s.kind] * 0.8 * k, markerfacecolor=c.color,
            markeredgecolor=paper(),
            label=f"{s.label}{', ' + c.where if c.where else ''}: $\\sigma_w$ = "
                  f"{label_number(c.sigma_w, 4, exact=True)}{grows}"))
    for s in found:
        if s.q is None and s.sigma_w is not None:
            color = _function_colour(s.label, functions, curves)
            where = "" if s.kind == GIVEN else f", {s.kind}"
            handles.append(Line2D([], [], linestyle="none", marker=MARKERS[s.kind],
                                  ms=MARKER_SIZES[s.kind] * 0.8 * k, markerfacecolor=color,
                                  markeredgecolor=paper(),
                                  label=f"{s.label}{where}: $\\sigma_w$ = "
                                        f"{label_number(s.sigma_w, 4, exact=True)}, "
                                        f"{s.status} (see the table)"))
    if simulated is not None:
        networks, width, seed = simulated
        text = (f"{networks} random networks (width {width}, seeds {seed}-"
                f"{seed + networks - 1}): mean, spread" if networks > 1 else
                f"a random network (width {width}, seed {seed})")
        handles.append(Line2D([], [], linestyle="none", marker="o", ms=4.0 * k,
                              markerfacecolor=paper(), markeredgecolor=CURVE_GREY,
                              label=text))
    handles += extra
    ncols = _legend_columns(fig, [h.get_label() for h in handles], HANDLE)
    legend = fig.legend(handles=_by_rows(handles, ncols), ncols=ncols,
                        loc="upper center" if fig.panel_layout else "outside lower center",
                        frameon=False, numpoints=1, handlelength=HANDLE)
    if fig.panel_layout is not None:
        fig.panel_layout.legends.append(legend)


COVER = 0.2
"""Markers set side by side cover at most this share of one another's width (and of one
another's box: markers on nearby spots that cover more are set side by side too)."""


def side_by_side(ax: Axes, prefix: str) -> None:
    """Markers (gid starting ``prefix``) that would cover more than half of one another
    are set side by side, centred on their common spot, as the figure now lies (and kept
    over the panel: a group at its edge moves inwards)."""
    from matplotlib.transforms import offset_copy

    lines = [line for line in ax.get_lines() if (line.get_gid() or "").startswith(prefix)]
    pixels = ax.figure.dpi / 72.0
    spots = []
    for line in lines:
        line.set_transform(ax.transData)
        (x, y), = line.get_transform().transform(np.asarray(line.get_xydata(), float)[:1])
        spots.append((x, y, line.get_markersize() * pixels))
    groups = [[i] for i in range(len(spots))]
    shift = np.zeros(len(spots))
    frame = ax.get_window_extent()
    while True:  # merge two groups that cover each other, lay out again (at most n - 1 times)
        pair = _covering(spots, shift, groups)
        if pair is None:
            break
        first, second = (next(g for g in groups if i in g) for i in pair)
        first += second
        groups.remove(second)
        for group in groups:  # left to right as their true spots, then as drawn
            row = sorted(group, key=lambda i: (round(spots[i][0], 6), i))
            shift[row] = _row(spots, row, frame)
    for line, dx in zip(lines, shift, strict=True):
        if dx:
            line.set_transform(offset_copy(ax.transData, ax.get_figure(root=True),
                                           x=dx / pixels, units="points"))


def _covering(spots: list[tuple[float, float, float]], shift: np.ndarray,
              groups: list[list[int]]) -> tuple[int, int] | None:
    """Two markers of different groups of which one covers more than 1.5 :data:`COVER` of
    the other's box (within a group, a row leaves at most :data:`COVER` covered)."""
    group_of = {i: k for k, group in enumerate(groups) for i in group}
    for (i, (x1, y1, s1)), (j, (x2, y2, s2)) in itertools.combinations(enumerate(spots), 2):
        if group_of[i] == group_of[j]:
            continue
        width = min(s1, s2, (s1 + s2) / 2 - abs(x1 + shift[i] - x2 - shift[j]))
        height = min(s1, s2, (s1 + s2) / 2 - abs(y1 - y2))
        if width > 0 and height > 0 and width * height > 1.5 * COVER * min(s1, s2) ** 2:
            return i, j
    return None


def _row(spots: list[tuple[float, float, float]], group: list[int], frame: Any) -> np.ndarray:
    """Offsets that set the markers of ``group`` in a row centred on their mean spot, each
    covering :data:`COVER` of its neighbour's width at most, the first not left of its own
    spot (markers at sigma_b = 0 do not move to values sigma_b cannot take), the row kept
    over the panel."""
    sizes = [spots[i][2] for i in group]
    steps = [(a + b) / 2 - COVER * min(a, b) for a, b in itertools.pairwise(sizes)]
    places = np.concatenate([[0.0], np.cumsum(steps)])
    xs = np.array([spots[i][0] for i in group])
    # centred on their spots, but none left of the leftmost (sigma_b >= 0), none past the panel
    places += max(xs.mean() - places.mean(), xs.min() - places[0])
    places -= max(0.0, places[-1] - frame.x1)
    return places - xs
