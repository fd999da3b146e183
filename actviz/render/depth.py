r"""The figure of ``actviz depth``: what a deep random network does with each function, in four
panels (:mod:`actviz.meanfield` computes, this module draws):

(a) the phase diagram of the first function: χ₁ at the fixed point q* over (σ_b, σ_w), on a
    colour scale centred at 1 (blue ordered, red chaotic, grey where q has no fixed point),
    with the edge-of-chaos curve (χ₁ = 1) of every function and the settings drawn;
(b) q^l, the mean square of the pre-activations, layer by layer from q^0 = 1;
(c) the mean squared gradient at layer l relative to the last layer's;
(d) the correlation map c ↦ C(c) of the first function, as C(c) - c (the change in one
    layer: C lies too close to the identity to read), with its stable fixed point c*.

In (b) and (c) the theory is drawn as lines and a seeded random network of the given width as
markers (:func:`actviz.meanfield.simulate`): where they part, the network is too narrow for
the mean-field limit, or the theory's assumptions fail.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import ExitStack
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

from .._numbers import label_number
from ..checks import check_canvas
from ..depth import EDGE, FORWARD, GIVEN, TORCH, Setting
from ..errors import ParameterError
from .figure import ActvizFigure, _by_rows, _legend_columns
from .style import (
    HOUSE_STYLE,
    SIZE_PRESETS,
    colours,
    figure_size,
    ink,
    paper,
    round_outward,
    scale,
    scaled_style,
)

MARKERS = {EDGE: "o", GIVEN: "o", TORCH: "s", FORWARD: "s"}
"""The marker of each kind of setting (and its simulated points)."""
DASHED = (0, (4, 2))
CHI_DECADES = 1.0
"""The colour scale of χ₁ spans 10^-1 to 10^1: beyond, the colours saturate."""
NO_FIXED_POINT = "#bdbdbd"
"""The colour of the phase diagram where q has no fixed point."""
GRID = 64
"""Points of the phase diagram along each axis."""
MARKS = 16
"""At most this many simulated points per curve."""
CORRELATIONS = 81
"""Points of the correlation map (a smooth function of c; each costs a 2-D integral)."""


def depth_figure(found: Sequence[Setting], simulate: bool = True, width: int = 1000,
                 seed: int = 0, dpi: float = 150.0, size: Any = None, style: str | None = None,
                 title: str | None = None) -> ActvizFigure:
    """The four panels for the settings ``found`` (:func:`actviz.depth.settings`); settings
    with no σ_w (no edge of chaos, say) are left out. ``simulate`` adds a seeded random
    network of ``width`` units per layer as markers."""
    if not found:
        raise ParameterError("no setting to draw; give at least one SPEC")
    drawn, names = _merged(found)
    fig_width, height = _size(size)
    check_canvas(fig_width, height, dpi)
    with ExitStack() as stack:
        stack.enter_context(matplotlib.rc_context(HOUSE_STYLE))
        stack.enter_context(matplotlib.rc_context(scaled_style(fig_width)))
        if style:
            stack.enter_context(matplotlib.style.context(style))
        fig = ActvizFigure(figsize=(fig_width, height), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 2)
        labels = list(dict.fromkeys(s.label for s in found))
        looks = dict(zip(labels, colours(len(labels)), strict=True))
        sims = _simulations(drawn, width, seed) if simulate else {}
        main = drawn[0].label if drawn else labels[0]  # the function of (a) and (d)
        handles: list[Any] = []
        handles += _phase_panel(axes[0, 0], found, main, looks)
        layers = found[0].layers
        _layers_panel(axes[0, 1], drawn, layers, looks, sims, "q")
        _layers_panel(axes[1, 0], drawn, layers, looks, sims, "grad_sq")
        handles += _correlation_panel(axes[1, 1], [s for s in drawn if s.label == main],
                                      looks)
        _legend(fig, found, drawn, names, looks, handles, simulate, width, seed)
        if title is None:
            title = (f"Through {layers} layers at $\\sigma_b$ = "
                     f"{label_number(found[0].sigma_b, exact=True)}")
        if title:
            fig.suptitle(title)
    return fig


def _size(size: Any) -> tuple[float, float]:
    """(width, height) in inches: as given, a preset's width with room for two rows of
    panels and the legend, or 8.2 x 7.4."""
    if size is None:
        return 8.2, 7.4
    if size in SIZE_PRESETS:
        width = SIZE_PRESETS[size]
        return width, round(0.78 * width + 2.4, 2)
    return figure_size(size, (2, 2), "overlay")


def _merged(found: Sequence[Setting]) -> tuple[list[Setting], list[str]]:
    """The settings to draw (those with a σ_w), one per function and σ_w, and how the
    legend says where each is: ``the edge of chaos and the PyTorch gain`` for relu."""
    drawn: list[Setting] = []
    names: list[str] = []
    for s in found:
        if s.propagation is None:
            continue
        where = "the edge of chaos" if s.kind == EDGE else "" if s.kind == GIVEN \
            else f"the {s.kind}"
        same = next((i for i, t in enumerate(drawn) if t.label == s.label
                     and math.isclose(t.propagation.sigma_w, s.propagation.sigma_w,
                                                  rel_tol=1e-12)), None)
        if same is None:
            drawn.append(s)
            names.append(where)
        else:
            names[same] += f" and {where}"
    return drawn, names


def _simulations(drawn: Sequence[Setting], width: int, seed: int) -> dict[int, Any]:
    """One simulated network per setting drawn, all on the same random draws."""
    from ..meanfield import simulate_many

    if not drawn:
        return {}
    sims = simulate_many([(s.named.act, s.propagation.sigma_w, s.sigma_b) for s in drawn],
                         drawn[0].layers, width=width, seed=seed)
    return {id(s): sim for s, sim in zip(drawn, sims, strict=True)}


def _words(ax: Any, wide: str, narrow: str) -> str:
    """The long text in a figure 5 in wide or more, else the short one (a journal column
    leaves panels about an inch wide: the caption explains them)."""
    return wide if ax.figure.get_figwidth() >= 5 else narrow


def _k(ax: Any) -> float:
    """How much marker sizes shrink in a narrow figure (as its fonts do)."""
    return scale(ax.figure.get_figwidth())


def _look(s: Setting, looks: dict[str, tuple[str, Any]]) -> tuple[str, Any, str]:
    """(colour, line style, marker) of a setting: its function's colour; solid at the edge
    of chaos or the σ_w given, dashed at the standard init (or the function's own dashes
    under a grey style)."""
    color, dash = looks[s.label]
    if dash == "-" and MARKERS[s.kind] == "s":
        dash = DASHED
    return color, dash, MARKERS[s.kind]


# --- (a) the phase diagram -----------------------------------------------------------------------

def _extent(found: Sequence[Setting]) -> tuple[float, float]:
    """The largest σ_b and σ_w of the diagram: at least 1 and 3, and room past the
    settings drawn."""
    b = max([1.0] + [1.25 * s.sigma_b for s in found])
    w = max([3.0] + [1.2 * s.sigma_w for s in found if s.sigma_w is not None])
    return round_outward(0.0, b)[1], round_outward(0.0, w)[1]


def _phase_panel(ax: Axes, found: Sequence[Setting], main: str,
                 looks: dict[str, tuple[str, Any]]) -> list[Any]:
    from ..meanfield import edge_of_chaos_curve, phase_diagram

    if not found:
        return []
    first = next(s.named for s in found if s.label == main)
    b_max, w_max = _extent(found)
    sigma_bs = np.linspace(0.0, b_max, GRID)
    sigma_ws = np.linspace(0.0, w_max, GRID)
    # rows: sigma_b, columns: sigma_w
    chi = phase_diagram(first.act, sigma_bs.tolist(), sigma_ws.tolist())
    with np.errstate(divide="ignore"):
        level = np.clip(np.log10(chi.T), -CHI_DECADES, CHI_DECADES)
    cmap = matplotlib.colormaps["RdBu_r"].copy()
    cmap = ListedColormap(cmap(np.linspace(0.08, 0.92, 256)),  # no near-black ends
                          bad=NO_FIXED_POINT)
    step_b, step_w = b_max / (GRID - 1), w_max / (GRID - 1)
    image = ax.imshow(np.ma.masked_invalid(level), origin="lower", aspect="auto",
                      interpolation="nearest", cmap=cmap, vmin=-CHI_DECADES, vmax=CHI_DECADES,
                      extent=(-step_b / 2, b_max + step_b / 2, -step_w / 2, w_max + step_w / 2))
    image.set_gid("phase_diagram")
    bar = ax.figure.colorbar(image, ax=ax, pad=0.02, fraction=0.06)
    ticks = [-1.0, -0.5, 0.0, 0.5, 1.0]
    bar.set_ticks(ticks, labels=["0.1", "0.3", "1", "3", "10"])
    bar.set_label(_words(ax, "$\\chi_1$  (ordered < 1 < chaotic)", "$\\chi_1$"))
    outline = [patheffects.withStroke(linewidth=3.2, foreground=paper())]
    curve_bs = np.linspace(0.0, b_max, 41)
    for label in dict.fromkeys(s.label for s in found):
        act = next(s.named.act for s in found if s.label == label)
        color, dash = looks[label]
        curve = edge_of_chaos_curve(act, curve_bs.tolist())
        ws = np.array([math.nan if e.sigma_w is None else e.sigma_w for e in curve])
        ax.plot(curve_bs, ws, color=color, linestyle=dash, lw=1.6, zorder=3,
                path_effects=outline, gid=f"edge_of_chaos:{label}")
        alone = np.isfinite(ws) & ~np.isfinite(np.roll(ws, 1)) & ~np.isfinite(np.roll(ws, -1))
        alone[0] = np.isfinite(ws[0]) and not np.isfinite(ws[1])
        if alone.any():  # a curve that is one point (relu's sqrt(2) at sigma_b = 0)
            ax.plot(curve_bs[alone], ws[alone], linestyle="none", marker="D",
                    ms=4.5 * _k(ax),
                    color=color, zorder=3, clip_on=False, gid=f"edge_of_chaos:{label}")
    for s in found:
        if s.sigma_w is None:
            continue
        color, _, marker = _look(s, looks)
        ax.plot([s.sigma_b], [s.sigma_w], linestyle="none", marker=marker, ms=7 * _k(ax),
                markerfacecolor=color, markeredgecolor=paper(), markeredgewidth=1.2,
                zorder=5, clip_on=False, gid=f"setting:{s.name}")
    ax.set_xlim(-step_b / 2, b_max + step_b / 2)
    ax.set_ylim(-step_w / 2, w_max + step_w / 2)
    ax.grid(False)
    ax.set_xlabel(r"$\sigma_b$")
    ax.set_ylabel(r"$\sigma_w$")
    ax.set_title(_words(ax, f"(a) phase diagram: {first.label}", f"(a) {first.label}"))
    handles: list[Any] = [Line2D([], [], color=ink(), lw=1.6, path_effects=outline,
                                 label=r"edge of chaos ($\chi_1 = 1$) of each function")]
    if np.isnan(chi).any():
        handles.append(Patch(facecolor=NO_FIXED_POINT,
                             label="no fixed point: q grows without bound"))
    return handles


def _empty(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no setting with\na fixed point", transform=ax.transAxes,
            ha="center", va="center", color=ink())


# --- (b), (c) across the layers -----------------------------------------------------------------

def _layers_panel(ax: Axes, drawn: Sequence[Setting], layers: int,
                  looks: dict[str, tuple[str, Any]], sims: dict[int, Any],
                  quantity: str) -> None:
    """q^l or the gradient across the layers: theory lines, simulated markers."""
    values: list[np.ndarray] = []
    for s in drawn:
        color, dash, marker = _look(s, looks)
        steps = np.arange(s.layers + 1)
        theory = getattr(s, quantity)
        ax.plot(steps, theory, color=color, linestyle=dash, zorder=3,
                gid=f"theory:{quantity}:{s.name}")
        values.append(theory)
        sim = sims.get(id(s))
        if sim is not None:
            measured = getattr(sim, quantity)
            if quantity == "grad_sq":
                measured = measured / measured[-1]
            every = max(1, math.ceil((s.layers + 1) / MARKS))
            pick = steps[::every]
            ax.plot(pick, measured[pick], linestyle="none", marker=marker,
                    ms=4.5 * _k(ax),
                    markerfacecolor="none", markeredgecolor=color, markeredgewidth=1.1,
                    zorder=4, gid=f"simulated:{quantity}:{s.name}")
            values.append(measured[pick])
    if not drawn:
        _empty(ax)
    finite = np.concatenate(values) if values else np.ones(1)
    positive = finite[np.isfinite(finite) & (finite > 0)]
    if positive.size and positive.max() / positive.min() > 30:
        ax.set_yscale("log", nonpositive="mask")
    ax.set_xlim(0, layers)
    ax.set_xlabel("layer $l$")
    if quantity == "q":
        ax.set_ylabel(_words(ax, "$q^l$ = mean $(h^l_i)^2$", "$q^l$"))
        ax.set_title(_words(ax, "(b) signal", "(b)"))
    else:
        ax.set_ylabel(r"mean $(\partial E/\partial h^l_i)^2$")
        ax.set_title(_words(ax, "(c) gradient, from the last layer", "(c)"))


# --- (d) the correlation map --------------------------------------------------------------------

def _correlation_panel(ax: Axes, drawn: Sequence[Setting],
                       looks: dict[str, tuple[str, Any]]) -> list[Any]:
    """C(c) - c over c: how much one layer changes the correlation of two inputs (C(c) itself
    lies too close to the identity to read); its zeros are the fixed points."""
    c = np.linspace(-1.0, 1.0, CORRELATIONS)
    ax.axhline(0, color="0.55", lw=0.6, zorder=0.5)
    starred = False
    for s in drawn:
        color, dash, _ = _look(s, looks)
        p = s.propagation
        ax.plot(c, p.correlation_map(c) - c, color=color, linestyle=dash, zorder=3,
                gid=f"correlation_map:{s.name}")
        if p.c_star is not None:
            ax.plot([p.c_star], [0.0], linestyle="none", marker="*", ms=10 * _k(ax),
                    color=color, markeredgecolor=paper(), markeredgewidth=0.8, zorder=5,
                    clip_on=False, gid=f"c_star:{s.name}")
            starred = True
    if not drawn:
        _empty(ax)
    ax.set_xlim(-1, 1)
    ax.set_xlabel(_words(ax, "correlation $c$ of two inputs", "$c$"))
    ax.set_ylabel(_words(ax, "$C(c) - c$, change in a layer", "$C(c) - c$"))
    name = drawn[0].label if drawn else ""
    ax.set_title(_words(ax, f"(d) correlation map: {name}", f"(d) {name}"))
    if starred:
        return [Line2D([], [], linestyle="none", marker="*", ms=10 * _k(ax), color=ink(),
                       label="$c^*$, the stable fixed point of $C$")]
    return []


# --- the legend ----------------------------------------------------------------------------------

def _legend(fig: Any, found: Sequence[Setting], drawn: Sequence[Setting],
            names: Sequence[str], looks: dict[str, tuple[str, Any]], extra: list[Any],
            simulate: bool, width: int, seed: int) -> None:
    """The settings drawn (line and marker), then those with a σ_w but no fixed point (a
    marker on the phase diagram only), then the symbols."""
    handles: list[Any] = []
    for s, where in zip(drawn, names, strict=True):
        color, dash, marker = _look(s, looks)
        at = f" at {where}," if where else ""
        handles.append(Line2D([], [], color=color, linestyle=dash, marker=marker,
                              ms=5 * _k(fig),
                              markerfacecolor=color, markeredgecolor=paper(),
                              label=f"{s.label}{at} $\\sigma_w$ = "
                                    f"{label_number(s.propagation.sigma_w, 4, exact=True)}"))
    for s in found:
        if s.propagation is None and s.sigma_w is not None:
            color, _, marker = _look(s, looks)
            at = "" if s.kind == GIVEN else f" at the {s.kind},"
            handles.append(Line2D([], [], linestyle="none", marker=marker, ms=5 * _k(fig),
                                  markerfacecolor=color, markeredgecolor=paper(),
                                  label=f"{s.label}{at} $\\sigma_w$ = "
                                        f"{label_number(s.sigma_w, 4, exact=True)}: "
                                        "no fixed point"))
    if simulate and drawn:
        handles.append(Line2D([], [], linestyle="none", marker="o", ms=4.5 * _k(fig),
                              markerfacecolor="none", markeredgecolor=ink(),
                              label=f"a random network, width {width}, seed {seed}"))
    handles += extra
    if not handles:
        return
    ncols = _legend_columns(fig, [h.get_label() for h in handles])
    fig.legend(handles=_by_rows(handles, ncols), loc="outside lower center", ncols=ncols,
               frameon=False, numpoints=1)
