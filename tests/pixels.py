"""What a reader sees of a figure, read off its rendered pixels (Agg output is
deterministic): how much of each curve shows in its own colour, and the colours the curves
and labels really have. The colour science here is independent of actviz's own
(actviz.render.colour): WCAG 2's formulas written out, and colorspacious for CIE Lab and
the simulations of colour-vision deficiency (Machado et al. 2009)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D

OWN = 14.0
"""ΔE (CIE Lab) within which a pixel shows a curve's colour."""


def wcag_luminance(rgb) -> np.ndarray:
    c = np.asarray(rgb, dtype=float)
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c[..., 0] * 0.2126 + c[..., 1] * 0.7152 + c[..., 2] * 0.0722


def wcag_contrast(a, b) -> float:
    la, lb = float(wcag_luminance(a)), float(wcag_luminance(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def lab(rgb) -> np.ndarray:
    import colorspacious

    return colorspacious.cspace_convert(np.asarray(rgb, dtype=float), "sRGB1", "CIELab")


def cvd_distance(a, b) -> dict[str, float]:
    """ΔE of two sRGB colours, normal and under each full deficiency."""
    import colorspacious

    out = {"normal": float(np.linalg.norm(lab(a) - lab(b)))}
    for kind in ("deuteranomaly", "protanomaly", "tritanomaly"):
        space = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}
        sa, sb = (np.clip(colorspacious.cspace_convert(c, space, "sRGB1"), 0, 1) for c in (a, b))
        out[kind] = float(np.linalg.norm(lab(sa) - lab(sb)))
    return out


def render(fig) -> np.ndarray:
    """The figure as drawn, RGB in [0, 1] (its layout kept as settled)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba(), dtype=float)[..., :3] / 255


@dataclass
class Seen:
    label: str
    panel: int
    pixels: int
    shown: float
    colour: np.ndarray
    """The curve's colour as its core pixels show it drawn alone."""
    background: np.ndarray


def _scratch(fig, ax):
    """A figure of the same size with one empty axes where ``ax`` lies, with its limits,
    scales and background: to draw one curve alone."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    other = Figure(figsize=fig.get_size_inches(), dpi=fig.dpi,
                   facecolor=fig.get_facecolor())
    FigureCanvasAgg(other)
    alone = other.add_axes(ax.get_position())
    alone.set_xscale(ax.get_xscale())
    alone.set_yscale(ax.get_yscale())
    alone.set_xlim(ax.get_xlim())
    alone.set_ylim(ax.get_ylim())
    alone.set_facecolor(ax.get_facecolor())
    alone.set_xticks([])
    alone.set_yticks([])
    alone.grid(False)
    for spine in alone.spines.values():
        spine.set_visible(False)
    return other, alone


def curves_seen(fig) -> list[Seen]:
    """For each curve of each panel: how many pixels it covers drawn alone and solid (its
    own pixels: the core of the line, where it covers at least 90 % of the pixel, by the
    way Agg blends a colour over the background), and the share of those that show its
    colour (within ΔE 14) in the figure as drawn."""
    with fig.settled(fig.dpi):
        full = render(fig)
    height = full.shape[0]
    found = []
    for p, stretches in enumerate(fig.shared):
        ax = stretches.ax
        box = ax.get_window_extent()
        rows = slice(max(0, int(height - box.y1)), int(height - box.y0))
        cols = slice(max(0, int(box.x0)), int(box.x1))
        other, alone = _scratch(fig, ax)
        ground = render(other)[rows, cols]
        for curve in stretches.curves:
            line = curve.line
            solo = Line2D(curve.x, curve.y, color=line.get_color(), lw=line.get_linewidth(),
                          linestyle="-", solid_capstyle="butt")
            alone.add_line(solo)
            drawn = render(other)[rows, cols]
            solo.remove()
            colour = np.array(to_rgb(line.get_color()))
            span = colour - ground
            norm = np.maximum((span * span).sum(axis=-1), 1e-12)
            coverage = ((drawn - ground) * span).sum(axis=-1) / norm
            core = (coverage >= 0.9) & (norm > 1e-3)
            if not core.any():
                continue
            near = np.linalg.norm(lab(full[rows, cols][core]) - lab(colour), axis=-1) < OWN
            label = (line.get_gid() or "").split(":")[1]
            found.append(Seen(label, p, int(core.sum()), float(near.mean()),
                              np.median(drawn[core], axis=0), np.median(ground, axis=(0, 1))))
    return found
