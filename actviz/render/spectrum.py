"""The figure of ``actviz spectrum``: on the left, for each function, the density of the
squared singular values of J at depth L (per unit of log10 λ, so that the many decades near
0 that deep Gaussian networks fill stay visible) over the histogram of the eigenvalues of
simulated random networks; on the right, the variance of the squared singular values
against depth for both kinds of weights (solid: orthogonal, dashed: Gaussian), from the
closed form m_1^2 L (mu_2/mu_1^2 - 1 - s_1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..checks import check_canvas
from ..errors import ParameterError
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
        styles = colours(len(found))
        lows = []
        for ax, s, (colour, dash) in zip(dens, found, styles, strict=True):
            low = _density_panel(ax, s, colour, dash, simulate, width, seed, networks)
            lows.append(low)
        lo = min(lows)
        for ax in dens:
            ax.set_xlim(lo, max(math.log10(s.lambda_max) for s in found) + 0.3)
            ax.set_ylim(bottom=0)
        for ax in dens[:-1]:
            ax.set_xlabel("")
        dens[-1].set_xlabel(r"$\log_{10}\lambda$ ($\lambda$: eigenvalue of $JJ^T$)")
        _variance_panel(var_ax, found, styles)
        if title is None:
            first = found[0]
            title = (f"$JJ^T$ through {first.layers} layers, {first.weights} weights, "
                     f"$\\sigma_b$ = {first.sigma_b:g}")
        if title:
            fig.suptitle(title, fontsize="medium")
    return fig


def _density_panel(ax: Any, s: JacobianSpectrum, colour: str, dash: Any, simulate: bool,
                   width: int, seed: int, networks: int) -> float:
    """One function's density and histogram; the lowest log10 λ worth showing."""
    x, y = _log_density(s)
    shown = x[y > 1e-3 * y.max()] if y.size else np.array([math.log10(s.lambda_max) - 1])
    low = float(shown.min()) - 0.3 if shown.size else -1.0
    if simulate:
        values = np.concatenate([simulate_jacobian_of(
            s.activation, s.sigma_w, s.sigma_b, s.layers, width, s.weights, seed + k,
            s.q_star) for k in range(networks)])
        # squared singular values below 1e-30 of a network's largest are rounding noise of
        # the SVD of J (float64 resolves singular values down to ~1e-16 of the largest)
        floor = np.concatenate([np.full(width, 1e-30 * np.max(values[k * width:(k + 1) * width]))
                                for k in range(networks)])
        positive = values[values > floor]
        logs = np.log10(positive)
        keep = logs >= low - 5
        bins = np.linspace(low, math.log10(s.lambda_max) + 0.3, 41)
        # weights: each eigenvalue counts 1/N of a network's spectrum, so that the bars
        # estimate the same density (per unit log10 λ) as the curve, the atom at 0 aside
        ax.hist(np.clip(logs[keep], bins[0], bins[-1]), bins=bins,
                weights=np.full(int(keep.sum()), 1.0 / (values.size * (bins[1] - bins[0]))),
                color=colour, alpha=0.3, linewidth=0,
                label=f"{networks} network{'s' * (networks != 1)} of {width} units"
                r" ($\lambda > 10^{-30}\lambda_{\max}$)")
    if y.size:
        ax.plot(x, y, color=colour, linestyle=dash, linewidth=1.5, label="free probability")
    else:
        ax.axvline(math.log10(s.lambda_max), color=colour, linestyle=dash, linewidth=1.5,
                   label="free probability")
    ax.axvline(math.log10(s.mean), color=ink(), linestyle=(0, (1, 2)), linewidth=0.8,
               label="mean")
    words = f"{s.spec}\nvariance {s.variance:.3g}"
    if s.zero_mass > 0:
        words += f"\nmass at 0: {s.zero_mass:.3g}"
    ax.text(0.02, 0.95, words, transform=ax.transAxes, va="top", ha="left",
            fontsize="small", color=ink())
    ax.set_ylabel(r"density per $\log_{10}\lambda$", fontsize="small")
    ax.legend(loc="upper right", fontsize="x-small", frameon=False)
    return low


def _variance_panel(ax: Any, found: Sequence[JacobianSpectrum],
                    styles: Sequence[tuple[str, Any]]) -> None:
    """The variance against depth, both kinds of weights, up to 3 L."""
    top = max(s.layers for s in found)
    depth = np.arange(1, 3 * top + 1)
    for s, (colour, _) in zip(found, styles, strict=True):
        for kind, dash in (("orthogonal", "-"), ("gaussian", "--")):
            values = s.variance_at(depth, kind)
            if np.all(values <= 0):
                continue
            ax.plot(depth, np.where(values > 0, values, np.nan), color=colour,
                    linestyle=dash, linewidth=1.3)
    ax.axvline(top, color=ink(), linestyle=(0, (1, 2)), linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("depth L (layers)")
    ax.set_ylabel(r"variance of $\lambda$")
    handles = [Line2D([], [], color=c, linestyle=d, label=s.spec)
               for s, (c, d) in zip(found, styles, strict=True)]
    handles += [Line2D([], [], color=ink(), linestyle="-", label="orthogonal"),
                Line2D([], [], color=ink(), linestyle="--", label="Gaussian")]
    ax.legend(handles=handles, fontsize="x-small", frameon=False, loc="upper left")
