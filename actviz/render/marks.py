"""The annotation kinds of a figure, each a small class: it draws itself on a panel (and
returns the labels it wants placed), adds its entries for one function to the legend, and
names the marker kind it drew for the legend's key. A new kind is one class here, one entry
of :data:`MARKS`, and the field of :class:`actviz.analysis.Analysis` it shows.

Regions (saturation, dead zones) are shaded over the whole panel when it shows one
function; with several, each function gets a strip of its own along the bottom of the
panel, below the curves, so that no two translucent fills of different colours overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from .._numbers import label_number
from ..analysis import Analysis, MaxGradient, Span
from ..resolved import Options
from .labels import Label
from .series import HATCHES, Series, y_limits
from .style import PRIMES, dark, ink, paper

Ends = list[tuple[float, float, list[float]]]
"""The discontinuities of a curve on a panel: (x, value there, the other one-sided values)."""

MAX_MINIMA_LABELS = 4
"""Minima labelled per curve, lowest first (sinc on a wide range has hundreds)."""


@dataclass
class Panel:
    """One panel being drawn: its derivative ``order``, its curves, the lane of each curve
    with regions in the ``track`` under the panel (none: one function, shaded over the
    whole panel), and the marker kinds drawn so far in the figure (shared by all panels,
    for the legend's key)."""

    order: int
    members: list[Series]
    lanes: dict[str, int] = field(default_factory=dict)
    drawn: set[str] = field(default_factory=set)
    track: Axes | None = None

    @property
    def single(self) -> bool:
        return len(self.members) == 1

    def lane(self, s: Series) -> tuple[float, float]:
        """The lane of ``s`` in the track: its bottom and top as fractions of the track's
        height (lane 0 at the top)."""
        count = len(self.lanes)
        k = self.lanes[s.label]
        return 1 - (k + 0.88) / count, 1 - (k + 0.12) / count


def strip_lanes(members: list[Series]) -> dict[str, int]:
    """A lane per curve that has a region to show, when the panel shows several curves."""
    if len(members) == 1:
        return {}
    with_regions = [s for s in members if s.analysis is not None
                    and (s.analysis.saturation or s.analysis.dead)]
    return {s.label: k for k, s in enumerate(with_regions)}


class Mark:
    """One kind of annotation. ``always`` marks are drawn also with --no-annotations;
    ``legend_rank`` orders the legend entries of a function, ``key_rank`` the marker kinds."""

    always = False
    legend_rank = 0
    key_rank = 0
    kind = ""
    """The one name of this kind: the prefix of the ids of the artists it draws
    (``kind:label``), and what it adds to its panel's ``drawn`` set when it draws a marker of
    the legend's key."""
    key: tuple[str, str] | None = None
    """(marker, "filled" or "open") of the marker this kind adds to the legend's key."""

    def gid(self, s: Series, *more: object) -> str:
        """The id of an artist this kind draws for the curve ``s``: ``kind:label[:more]``."""
        return ":".join([self.kind, s.label, *map(str, more)])

    def drawn(self, panel: Panel) -> None:
        """Note on ``panel`` that this kind's key marker was drawn there."""
        panel.drawn.add(self.kind)

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        """The legend entries of this kind for the one function ``s`` of a figure."""
        return []

    def common(self, series: list[Series], opts: Options) -> list[Artist]:
        """One legend entry for this kind, for a figure of several functions (each function's
        regions are drawn in its own colour, which its curve's entry shows)."""
        return []

    def key_text(self) -> str:
        return ""


def value_at(s: Series, order: int, x: float) -> float:
    """The curve's derivative ``order`` at x: for a vector function, the drawn value at the
    sample x (its value depends on the whole vector)."""
    if s.vector:
        return float(s.data[order][int(np.argmin(np.abs(s.xs - x)))])
    return float(s.pick(s.act.evaluate(np.array([x]), order)[order])[0])


class Jumps(Mark):
    """At a discontinuity of f or a derivative: filled where the function is, open where it
    is not (relu'(0) = 0 filled, 1 open)."""

    always = True

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        for x0, at, others in ends:
            ax.plot([x0] * len(others), others, linestyle="none", marker="o", ms=4.5,
                    mfc=paper(), mec=s.color, mew=1.2, zorder=4,
                    gid=f"open:{s.label}:{panel.order}")
            ax.plot([x0], [at], linestyle="none", marker="o", ms=4.5, color=s.color, zorder=5,
                    gid=f"closed:{s.label}:{panel.order}")
        return []


def jumps(s: Series) -> list[tuple[float, float]]:
    """(x, size) of each jump of f inside the curve's range: f' holds a Dirac delta there,
    of the size of the jump."""
    if s.vector:
        return []
    lo, hi = float(s.xs[0]), float(s.xs[-1])
    found = []
    for kink in s.act.kinks_in(lo, hi):
        if kink.order == 0 and lo < kink.x < hi:
            left, _, right = (float(s.pick(v)) for v in s.act.one_sided(kink.x, 0))
            if np.isfinite(right - left) and right != left:
                found.append((kink.x, right - left))
    return found


DELTA = 0.45
"""The height of a Dirac delta's arrow, as a share of its panel's height: the same for every
jump (its size is in the legend: an arrow's height is no value on the f' axis)."""
APART = 7.0
"""Points between the arrows of several functions that jump at one x, set side by side."""


class Deltas(Mark):
    """Where f jumps, f' holds a Dirac delta: an arrow on the f' panel, up for a jump up,
    down for a jump down, in the function's colour, and a legend entry with the jump's size
    (autograd sees none of it: binary_step' is 0). Arrows of several functions at one x
    stand side by side."""

    kind = "delta"

    always = True
    legend_rank = 4

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        if panel.order != 1:
            return []
        from matplotlib.transforms import offset_copy

        low, high = y_limits(panel.members, panel.order)
        for x0, size in jumps(s):
            here = [m for m in panel.members if any(x == x0 for x, _ in jumps(m))]
            shift = (here.index(s) - (len(here) - 1) / 2) * APART
            base = value_at(s, 1, x0)
            tip = base + DELTA * (high - low) * (1 if size > 0 else -1)
            tip = min(max(tip, low + 0.02 * (high - low)), high - 0.02 * (high - low))
            ax.plot([x0, x0], [base, tip], color=s.color, lw=1.0, zorder=4.5,
                    marker="^" if size > 0 else "v", markevery=[1], ms=6,
                    solid_capstyle="butt", gid=self.gid(s),
                    transform=offset_copy(ax.transData, ax.get_figure(root=True), x=shift,
                                          units="points"))
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        return self._entries([s], False)

    def common(self, series: list[Series], opts: Options) -> list[Artist]:
        return self._entries(series, True)

    @staticmethod
    def _entries(series: list[Series], named: bool) -> list[Artist]:
        from matplotlib.lines import Line2D

        handles: list[Artist] = []
        for s in series:
            found = jumps(s)
            if not found:
                continue
            sizes = sorted({size for _, size in found})
            where = " and ".join(f"x = {label_number(x, exact=True)}" for x, _ in found)
            by = " or ".join(label_number(v, exact=True) for v in sizes)
            who = f"{s.label}: " if named else ""
            handles.append(Line2D([], [], color=s.color, lw=1.2, marker="^", ms=6,
                                  markevery=[1],
                                  label=f"{who}\u03b4 in f{PRIMES[1]}: f jumps by {by} "
                                        f"at {where}"))
        return handles


class Poles(Mark):
    """A dashed vertical line at each pole in the range (log1mexp at 0), where |f| grows
    without bound; the figure leaves a gap around it and no analysis crosses it."""

    kind = "pole"

    always = True
    legend_rank = 3

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        lo, hi = s.xs[0], s.xs[-1]
        for pole in s.act.poles_in(lo, hi) if not s.vector else ():
            ax.axvline(pole, color=s.color, lw=0.9, linestyle=(0, (4, 3)), zorder=1.5,
                       gid=self.gid(s, panel.order))
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        return self.common([s], opts)

    def common(self, series: list[Series], opts: Options) -> list[Artist]:
        from matplotlib.lines import Line2D

        lo, hi = opts.range
        if not any(s.act.poles_in(lo, hi) for s in series if not s.vector):
            return []
        return [Line2D([], [], color=ink(), lw=0.9, linestyle=(0, (4, 3)),
                       label="pole: |f| grows without bound (no analysis across it)")]


class TrainingBand(Mark):
    """The slopes a function draws from in training (rrelu), from the catalog's ``band``:
    shaded for one such function in a panel, its two edges dotted for several."""

    kind = "band"

    always = True
    legend_rank = 2

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        band = s.act.band
        if band is None or panel.order > 1:
            return []
        inside = s.xs[(s.xs >= band.start) & (s.xs <= band.end)]
        if not len(inside):
            return []
        if panel.order == 0:
            low, high = band.high * inside, band.low * inside
        else:
            low, high = np.full_like(inside, band.low), np.full_like(inside, band.high)
        banded = [m for m in panel.members if m.act.band is not None]
        if len(banded) == 1:
            ax.fill_between(inside, low, high, color=s.color, alpha=0.16, lw=0, zorder=2,
                            gid=self.gid(s))
        else:
            for edge in (low, high):
                ax.plot(inside, edge, color=s.color, lw=0.8, linestyle=":", zorder=2,
                        gid=self.gid(s))
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        band = s.act.band
        if band is None:
            return []
        low, high = (label_number(v, 3, exact=True) for v in (band.low, band.high))
        return [Patch(color=s.color, alpha=0.25, lw=0,
                      label=f"{s.label} {band.label} {low}\u2013{high}")]

    def common(self, series: list[Series], opts: Options) -> list[Artist]:
        bands = [s.act.band for s in series if s.act.band is not None]
        if not bands:
            return []
        return [Patch(color=ink(), alpha=0.2, lw=0, label=bands[0].label)]


class DeadZones(Mark):
    """Where f' is exactly 0, hatched in the function's colour (in its strip when the panel
    shows several functions)."""

    kind = "dead"

    legend_rank = 1

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        for start, end in s.analysis.dead:
            if panel.track is not None:
                bottom, top = panel.lane(s)
                panel.track.axvspan(start, end, ymin=bottom, ymax=top, facecolor=paper(),
                                    edgecolor=s.color, hatch=s.hatch, lw=0.6, zorder=1.5,
                                    gid=self.gid(s))
            else:
                ax.axvspan(start, end, facecolor="none", edgecolor=s.color, hatch=s.hatch,
                           lw=0, alpha=0.55, zorder=1, gid=self.gid(s))
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        if s.analysis is None or not s.analysis.dead:
            return []
        return [Patch(facecolor="none", edgecolor=s.color, hatch=s.hatch, lw=0,
                      label=f"dead zone: f{PRIMES[1]} = 0")]

    def common(self, series: list[Series], opts: Options) -> list[Artist]:
        if not any(s.analysis is not None and s.analysis.dead for s in series):
            return []
        return [Patch(facecolor="none", edgecolor=ink(), hatch=HATCHES[0], lw=0,
                      label=f"dead zone: f{PRIMES[1]} = 0")]


class Saturation(Mark):
    """The tails where f' tends to 0 with |f'| < tau, lightly shaded in the function's
    colour (in its strip when the panel shows several functions)."""

    kind = "saturation"

    legend_rank = 0

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        for start, end in s.analysis.saturation:
            if panel.track is not None:
                bottom, top = panel.lane(s)
                panel.track.axvspan(start, end, ymin=bottom, ymax=top, color=s.color,
                                    alpha=0.9 if dark() else 0.55, lw=0, zorder=1.5,
                                    gid=self.gid(s))
            else:
                ax.axvspan(start, end, color=s.color, alpha=0.11, lw=0, zorder=1,
                           gid=self.gid(s))
        return []

    def legend(self, s: Series, opts: Options) -> list[Artist]:
        if s.analysis is None or not s.analysis.saturation:
            return []
        return [Patch(color=s.color, alpha=0.2, lw=0, label=saturation_text(opts))]

    def common(self, series: list[Series], opts: Options) -> list[Artist]:
        if not any(s.analysis is not None and s.analysis.saturation for s in series):
            return []
        return [Patch(color=ink(), alpha=0.3, lw=0, label=saturation_text(opts))]


def saturation_text(opts: Options) -> str:
    tau = label_number(opts.saturation_threshold, exact=True)
    return f"saturation: f{PRIMES[1]} \u2192 0, |f{PRIMES[1]}| < {tau}"


def _corners(s: Series) -> list[float]:
    """Corners of f inside the range, where no steepest-point marker sits already."""
    assert s.analysis is not None
    lo, hi = s.analysis.range
    steepest = s.analysis.max_gradient.x
    return [k.x for k in s.act.kinks_in(lo, hi)
            if k.order == 1 and lo < k.x < hi and k.x != steepest]


class Kinks(Mark):
    """Corners of f (f' jumps), as small diamonds on the f panel."""

    kind = "kink"

    key_rank = 2
    key = ("D", "filled")

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        corners = _corners(s)
        if panel.order == 0 and corners and not s.vector:
            ax.plot(corners, s.pick(s.act(np.array(corners))), linestyle="none", marker="D",
                    ms=4, color=s.color, mec=paper(), mew=0.6, zorder=5, clip_on=False,
                    gid=self.gid(s))
            self.drawn(panel)
        return []

    def key_text(self) -> str:
        return f"kink: f{PRIMES[1]} jumps"


class Minima(Mark):
    """Local minima of f, open triangles; the lowest few labelled with their value."""

    kind = "minimum"

    key_rank = 1
    key = ("v", "open")

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        if panel.order != 0 or not s.analysis.minima:
            return []
        xs, ys = zip(*s.analysis.minima, strict=True)
        ax.plot(xs, ys, linestyle="none", marker="v", ms=7, mfc=paper(), mec=s.color,
                mew=1.4, zorder=6, clip_on=False, gid=self.gid(s))
        self.drawn(panel)
        lowest = sorted(s.analysis.minima, key=lambda point: point[1])[:MAX_MINIMA_LABELS]
        return [Label((x0, y0), f"min {label_number(y0)} at x = {label_number(x0)}",
                      s.color, s.label) for x0, y0 in lowest]

    def key_text(self) -> str:
        return "local minimum"


def gradient_text(m: MaxGradient) -> str:
    """The label of the steepest slope: ``max f′ = 1 on (0, 5]``, ``max f′ = 1.129 at
    x = 1.414``, ``sup f′ = 1.500 as x → 3``, ``sup f′ = 1 as x → ∞``."""
    f1 = f"f{PRIMES[1]}"
    value = label_number(m.value)
    if m.intervals:
        spans = " \u222a ".join(_span_text(iv) for iv in m.intervals)
        return f"max {f1} = {value} on {spans}"
    if m.toward is not None:
        where = "\u221e" if m.toward > 0 else "\u2212\u221e"
        return f"sup {f1} = {value} as x \u2192 {where}"
    assert m.x is not None
    at = label_number(m.x, exact=m.at_edge)  # a range's end is a number given
    if m.approached:
        return f"sup {f1} = {value} as x \u2192 {at}"
    edge = " (range edge)" if m.at_edge else ""
    return f"max {f1} = {value} at x = {at}{edge}"


def _span_text(span: Span) -> str:
    left, right = span.brackets()
    return (f"{left}{label_number(span[0], exact=True)}, "
            f"{label_number(span[1], exact=True)}{right}")


class Plateau(Mark):
    """The largest slope taken on whole intervals (linear pieces): a band on the f' panel
    when the panel shows one function (several bands would blend), and a label."""

    kind = "plateau"

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        assert s.analysis is not None
        m = s.analysis.max_gradient
        if panel.order != 1 or m.interval is None or m.value == 0:
            return []  # (the largest f' is 0, on a dead zone: no steepest point to show)
        if panel.single:
            for start, end in m.intervals:
                ax.plot([start, end], [m.value, m.value], color=s.color, lw=6, alpha=0.25,
                        solid_capstyle="butt", zorder=2, gid=self.gid(s))
        spots = [a + (b - a) * t for a, b in m.intervals for t in (0.5, 0.3, 0.7, 0.15, 0.85)]
        anchors = tuple((x, m.value) for x in spots)
        return [Label(anchors[0], gradient_text(m), s.color, s.label, anchors[1:], marked=False)]


class Steepest(Mark):
    """Where f' is largest at one point: a filled triangle on f and on f'. A supremum that
    f' only approaches as x -> +-inf is labelled at the range's edge, with no marker."""

    kind = "max_gradient"

    key_rank = 0
    key = ("^", "filled")

    def draw(self, ax: Axes, s: Series, panel: Panel, ends: Ends) -> list[Label]:
        a: Analysis | None = s.analysis
        assert a is not None
        m = a.max_gradient
        if m.interval is not None or not math.isfinite(m.value):
            return []  # (a plateau is drawn by Plateau; f' overflowed: no point to mark)
        if m.toward is not None:
            if panel.order != 1:
                return []
            edge = a.range[1] if m.toward > 0 else a.range[0]
            return [Label((edge, m.value), gradient_text(m), s.color, s.label)]
        assert m.x is not None
        if panel.order == 0:
            ax.plot([m.x], [value_at(s, 0, m.x)], linestyle="none", marker="^", ms=6,
                    color=s.color, mec=paper(), mew=0.6, zorder=6, clip_on=False,
                    gid=self.gid(s))
            self.drawn(panel)
        if panel.order != 1:
            return []
        y = value_at(s, 1, m.x) if s.vector else m.value
        ax.plot([m.x], [y], linestyle="none", marker="^", ms=7, color=s.color,
                mec=paper(), mew=0.6, zorder=6, clip_on=False, gid=self.gid(s))
        self.drawn(panel)
        return [Label((m.x, y), gradient_text(m), s.color, s.label)]

    def key_text(self) -> str:
        return f"max f{PRIMES[1]}"


MARKS: tuple[Mark, ...] = (Jumps(), Deltas(), Poles(), TrainingBand(), DeadZones(),
                           Saturation(), Kinks(), Minima(), Plateau(), Steepest())
"""Every annotation kind, in drawing order."""


def key_handles(drawn: set[str]) -> list[Any]:
    """The legend's key of the marker kinds that were drawn, in ink on paper (readable on a
    dark style too)."""
    from matplotlib.lines import Line2D

    handles = []
    for mark in sorted(MARKS, key=lambda mark: mark.key_rank):
        if mark.key is None or mark.kind not in drawn:
            continue
        marker, fill = mark.key
        handles.append(Line2D([], [], linestyle="none", marker=marker,
                              mfc=ink() if fill == "filled" else paper(), mec=ink(), mew=1.2,
                              color=ink(), label=mark.key_text()))
    return handles


HIDDEN = 0.5
"""A marker may cover at most this share of another's box."""
SMALLER = 0.55
"""A marker drawn on another's spot shrinks to this share of the smaller one's size, so that
the one below shows as a rim around it."""


def separate_markers(ax: Axes) -> None:
    """Where a marker of one curve covers more than half of a marker of another curve
    (silu's minimum next to mish's), the one drawn later shrinks, so that both show."""
    # in the order they are drawn: the one on top shrinks
    lines = sorted((line for line in ax.get_lines() if _is_marker(line)),
                   key=lambda line: line.get_zorder())
    if len(lines) < 2:
        return
    pixels = ax.figure.dpi / 72.0
    placed: list[tuple[str, np.ndarray, float]] = []
    for line in lines:
        if not hasattr(line, "actviz_size"):
            line.actviz_size = line.get_markersize()  # type: ignore[attr-defined]
        size = line.actviz_size  # type: ignore[attr-defined]
        owner = [*(line.get_gid() or "").split(":"), ""][1]
        points = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        points = points[np.isfinite(points).all(axis=1)]
        smallest = size
        for other, where, other_size in placed:
            if other == owner or not len(where) or not len(points):
                continue
            small = min(size, other_size) * pixels
            gap = np.abs(points[:, None, :] - where[None, :, :])
            shared = np.clip((size + other_size) / 2 * pixels - gap, 0, small).prod(
                axis=2) / small ** 2
            if (shared > HIDDEN).any():
                smallest = min(smallest, SMALLER * min(size, other_size))
        line.set_markersize(smallest)
        placed.append((owner, points, smallest))


def _is_marker(line: Any) -> bool:
    return (line.get_marker() not in (None, "None", "", " ")
            and line.get_linestyle() in ("None", "none", "", " "))
