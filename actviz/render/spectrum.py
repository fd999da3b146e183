"""The figure of ``actviz spectrum``: on the left, for each function, the density of the
squared singular values of J at depth L (per unit of log10 λ, so that the many decades near
0 that deep Gaussian networks fill stay visible) over the histogram of the eigenvalues of
simulated random networks; on the right, the variance of the squared singular values
against depth for both kinds of weights (solid: orthogonal, dashed: Gaussian; colour and
marker: the function), from the closed form m_1^2 L (mu_2/mu_1^2 - 1 - s_1). Each density
panel has its own range of log10 λ, from where the density falls below 1e-3 of its peak;
the mass of λ > 0 left of it is written in the panel where it reaches 5e-4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..checks import check_canvas
from ..errors import ParameterError
from ..meanfield.free import integral
from ..meanfield.slopes import slope_law
from ..meanfield.spectrum import JacobianSpectrum, simulate_jacobian_of
from .style import SIZE_PRESETS, colours, drawing, ink


def _size(size: Any, rows: int) -> tuple[float, float]:
    if size is None:
        return 8.2, round(2.0 * rows + 1.4, 2)
    if size in SIZE_PRESETS:
        width = SIZE_PRESETS[size]
        if width < 5:
            return width, round(1.6 * rows + 1.9 + 1.7, 2)
        return width, round(1.8 * rows + 1.4, 2)
    return float(size[0]), float(size[1])


def _log_density(s: JacobianSpectrum) -> tuple[np.ndarray, np.ndarray]:
    """(log10 λ, the density per unit log10 λ: λ ρ(λ) ln 10)."""
    lam, rho = s.density
    return np.log10(lam), lam * rho * math.log(10)


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")
"""One marker per function in the variance panel (the line style there tells the kind of
weights); each function's markers sit at its own offset, so coinciding curves both show."""


def spectrum_figure(found: Sequence[JacobianSpectrum], simulate: bool = True,
                    width: int = 200, seed: int = 0, networks: int = 2, dpi: float = 150.0,
                    size: Any = None, style: str | None = None,
                    title: str | None = None) -> Figure:
    """The densities beside simulated networks, and the variance against depth."""
    if not found:
        raise ParameterError("no function to draw; give at least one SPEC")
    fig_w, fig_h = _size(size, len(found))
    check_canvas(fig_w, fig_h, dpi)
    narrow = fig_w < 5
    with drawing(fig_w, style):
        fig = Figure(figsize=(fig_w, fig_h), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        if narrow:  # a column: the densities stacked, the variance below them
            grid = fig.add_gridspec(len(found) + 1, 1)
            dens = [fig.add_subplot(grid[i, 0]) for i in range(len(found))]
            var_ax = fig.add_subplot(grid[len(found), 0])
        else:
            grid = fig.add_gridspec(len(found), 2, width_ratios=(1.3, 1))
            dens = [fig.add_subplot(grid[i, 0]) for i in range(len(found))]
            var_ax = fig.add_subplot(grid[:, 1])
        colour_of = [c for c, _ in colours(len(found))]
        for ax, s, colour in zip(dens, found, colour_of, strict=True):
            _density_panel(ax, s, colour, simulate, width, seed, networks)
        dens[-1].set_xlabel(r"$\log_{10}\lambda$ ($\lambda$: eigenvalue of $JJ^T$)")
        grey = KEY_GREY
        keys: list[Any] = []
        if simulate:
            keys.append(Patch(color=grey, alpha=0.3, linewidth=0,
                              label=f"{networks} simulated network{'s' * (networks != 1)} of "
                              f"{width} units" r" ($\lambda > 10^{-30}\lambda_{\max}$)"))
        if any(s.atoms for s in found):
            keys.append(Line2D([], [], color=grey, linewidth=ATOM_WIDTH,
                               label="point mass (atom) of the spectrum"))
        keys += [Line2D([], [], color=grey, linewidth=1.5, label="free probability (densities)"),
                 Line2D([], [], color=ink(), linestyle=(0, (1, 2)), linewidth=0.8,
                        label="mean (densities), depth L (variance)")]
        _variance_panel(var_ax, found, colour_of, keys)
        if title is None:
            first = found[0]
            kind = "Gaussian" if first.weights == "gaussian" else first.weights
            title = (f"$JJ^T$ through {first.layers} layer{'s' * (first.layers != 1)}, "
                     f"{kind} weights, "
                     f"$\\sigma_b$ = {first.sigma_b:g}")
        if title:
            fig.suptitle(title, fontsize="medium")
    return fig


KEY_GREY = "0.5"
"""The colour of the legend's samples of line styles and marks that stand for every function
(a mid grey: 3.9:1 on white, 5.3:1 on black; not black, which may be a function's colour)."""

ATOM_WIDTH = 3.5
"""The line width of an atom's stem (the density's curve is 1.5)."""


def _shown_from(s: JacobianSpectrum, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(the lowest log10 λ the panel shows, the mass of λ > 0 left of it): the axis starts
    where the density per log10 λ last exceeds 1e-3 of its peak, less 0.3."""
    if not y.size:  # atoms, one orthogonal layer's law: from the lowest atom or quantile
        ends = [at for at, _ in s.atoms] + [q for q in s.quantiles[:1] if q > 0]
        return min([math.log10(s.lambda_max) - 1, *(math.log10(e) - 0.3 for e in ends)]), 0.0
    low = float(x[y > 1e-3 * y.max()].min()) - 0.3
    lam, rho = s.density
    cdf = integral(lam, rho)
    left = s.mass_below + float(np.interp(low, x, cdf)) if low > x[0] else s.mass_below
    return low, left


def _simulated_logs(s: JacobianSpectrum, width: int, seed: int, networks: int
                    ) -> tuple[np.ndarray, int]:
    """(log10 of the simulated networks' eigenvalues, less rounding noise; their count)."""
    values = np.concatenate([simulate_jacobian_of(
        s.activation, s.sigma_w, s.sigma_b, s.layers, width, s.weights, seed + k,
        s.q_star) for k in range(networks)])
    # squared singular values below 1e-30 of a network's largest are rounding noise of
    # the SVD of J (float64 resolves singular values down to ~1e-16 of the largest)
    floor = np.concatenate([np.full(width, 1e-30 * np.max(values[k * width:(k + 1) * width]))
                            for k in range(networks)])
    return np.log10(values[values > floor]), values.size


def _one_layer(ax: Any, s: JacobianSpectrum, colour: str, low: float, high: float) -> None:
    """One orthogonal layer: no free convolution, the law of σ_w² φ'(h)² itself, drawn from
    its quadrature rule as a step curve per log10 λ (its atoms apart, as stems)."""
    law = slope_law(s.activation, s.q_star)
    keep = law.d > 0
    for at, _ in s.atoms:
        keep &= ~np.isclose(s.sigma_w**2 * law.d, at, rtol=1e-12, atol=0)
    if not keep.any():
        return
    bins = np.linspace(low, high, 41)
    heights, _ = np.histogram(np.log10(s.sigma_w**2 * law.d[keep]), bins=bins,
                              weights=law.p[keep])
    ax.stairs(heights / (bins[1] - bins[0]), bins, color=colour, linewidth=1.5)


def _words(s: JacobianSpectrum, left: float) -> str:
    """The panel's text: the function, its variance, its atoms, the mass left of the axis."""
    words = f"{s.spec}\nvariance " + (f"{s.variance:.3g}" if not math.isnan(s.variance)
                                      else "below float64")
    if s.zero_mass > 0:
        words += f"\nmass at 0: {s.zero_mass:.3g}"
    for at, mass in s.atoms:
        words += f"\natom at {at:.3g}: mass {mass:.3g}"
    if left >= 5e-4:
        words += f"\nmass left of the axis: {left:.2g}"
    if math.isnan(s.mass_below):
        words += "\ndensity not resolved (see the notes)"
    return words


def _density_panel(ax: Any, s: JacobianSpectrum, colour: str, simulate: bool,
                   width: int, seed: int, networks: int) -> None:
    """One function's density and histogram, on its own range of log10 λ."""
    x, y = _log_density(s)
    unresolved = math.isnan(s.mass_below)  # (the density did not hold the moments)
    low, left = _shown_from(s, x, y)
    high = math.log10(s.lambda_max) + 0.3
    bars: float | None = None
    if simulate:
        logs, total = _simulated_logs(s, width, seed, networks)
        if unresolved and logs.size:  # the axis from the simulated networks
            low = min(low, float(np.min(logs)) - 0.3)
        keep = (logs >= low) & (logs <= high)
        bins = np.linspace(low, high, 41)
        if s.atoms:  # an atom in the middle of its bin (its eigenvalues round to either side)
            at, step = math.log10(s.atoms[-1][0]), bins[1] - bins[0]
            bins = at + step * (np.arange(math.floor((low - at) / step - 0.5),
                                          math.ceil((high - at) / step + 0.5) + 1) + 0.5)
            bins = bins[(bins >= low - step) & (bins <= high + step)]
        # weights: each eigenvalue counts 1/N of a network's spectrum, so that the bars
        # estimate the same density (per unit log10 λ) as the curve, the atom at 0 aside
        heights, edges, _ = ax.hist(
            logs[keep], bins=bins, color=colour, alpha=0.3, linewidth=0,
            weights=np.full(int(keep.sum()), 1.0 / (total * (bins[1] - bins[0]))))
        if s.atoms and y.size:  # the axis for the continuous part: the atoms' bars clipped
            near = np.zeros(heights.size, dtype=bool)
            for at, _ in s.atoms:
                near |= (edges[:-1] <= math.log10(at)) & (math.log10(at) <= edges[1:])
            bars = float(np.max(heights[~near], initial=0.0))
    if y.size:
        ax.plot(x, y, color=colour, linewidth=1.5)
    elif s.layers == 1 and s.weights == "orthogonal" and s.activation is not None:
        _one_layer(ax, s, colour, low, high)
    for at, _ in s.atoms:  # a point mass: a thick stem the height of the panel
        ax.axvline(math.log10(at), color=colour, linewidth=ATOM_WIDTH, gid="atom")
    ax.axvline(math.log10(s.mean), color=ink(), linestyle=(0, (1, 2)), linewidth=0.8)
    ax.text(0.02, 0.95, _words(s, 0.0 if unresolved else left), transform=ax.transAxes,
            va="top", ha="left", fontsize="small", color=ink())
    ax.set_xlim(low, high)
    tallest = float(y.max()) if y.size else 0.0 if unresolved else 1.0  # (1: a stem's panel)
    if bars is not None:
        ax.set_ylim(0, 1.08 * max(tallest, bars))
    else:
        ax.set_ylim(0, 1.08 * max(tallest, ax.get_ylim()[1]))
    ax.set_ylabel(r"density per $\log_{10}\lambda$", fontsize="small")


def _variance_panel(ax: Any, found: Sequence[JacobianSpectrum], colour_of: Sequence[str],
                    keys: Sequence[Any]) -> None:
    """The variance against depth, both kinds of weights, up to 3 L: colour and marker for
    the function, line style for the weights (solid orthogonal, dashed Gaussian); and the
    figure's one legend, under all panels (``keys``: the density panels' marks)."""
    top = max(s.layers for s in found)
    depth = np.arange(1, 3 * top + 1)
    step = max(1, depth.size // 6)
    for k, (s, colour) in enumerate(zip(found, colour_of, strict=True)):
        offset = (k * step) // len(found)
        for kind, dash in (("orthogonal", "-"), ("gaussian", "--")):
            values = s.variance_at(depth, kind)
            # cut where the variance leaves float64 (far from the edge of chaos, deep: an
            # inf made the log axis' formatter raise OverflowError)
            shown = (values > 1e-250) & (values < 1e250)  # (room for the log axis' ticks)
            if not shown.any():
                continue
            ax.plot(depth, np.where(shown, values, np.nan), color=colour,
                    linestyle=dash, linewidth=1.3, marker=MARKERS[k % len(MARKERS)],
                    markevery=(offset, step), markersize=4)
    flat = [f"{s.spec}, {kind}" for s in found for kind in ("orthogonal", "gaussian")
            if s.variance_at(1, kind) == 0 and s.chi1 > 0]
    if flat:  # nothing to draw on a log scale: say so where the curve would be
        ax.text(0.98, 0.02, "variance 0 at every depth (exact isometry):\n" + "\n".join(flat),
                transform=ax.transAxes, ha="right", va="bottom", fontsize="small",
                color=ink())
    ax.axvline(top, color=ink(), linestyle=(0, (1, 2)), linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("depth L (layers)")
    ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.set_ylabel(r"variance of $\lambda$")
    handles = [Line2D([], [], color=c, marker=MARKERS[k % len(MARKERS)], markersize=4,
                      linestyle="none", label=s.spec)
               for k, (s, c) in enumerate(zip(found, colour_of, strict=True))]
    handles += [Line2D([], [], color=KEY_GREY, linestyle="-",
                       label="orthogonal weights (variance)"),
                Line2D([], [], color=KEY_GREY, linestyle="--",
                       label="Gaussian weights (variance)"), *keys]
    narrow = ax.figure.get_figwidth() < 5
    ax.figure.legend(handles=handles, fontsize="x-small", frameon=False,
                     loc="outside lower center", ncols=2 if narrow else 3)
