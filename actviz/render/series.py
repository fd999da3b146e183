"""What a figure draws, computed before anything is drawn: the curves (one per function,
sweep value or output), sampled and analysed, and the range they are drawn on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..analysis import Analysis
from ..analysis.regions import analysis_of
from ..catalog import Activation, Named, once, resolve_specs, sweep
from ..checks import MAX_NUM, check_drawable_range
from ..errors import ParameterError
from ..ranges import auto_range
from ..resolved import Options
from .style import colours, ramp

HATCHES = ("////", "\\\\\\\\")
"""Hatches of a function's dead zones: one per output (crelu's two differ)."""


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
    data: list[np.ndarray] = field(default_factory=list)  # f, f', f'' on xs
    xs: np.ndarray = field(default_factory=lambda: np.empty(0))
    hatch: str = HATCHES[0]
    same_as: dict[int, str] = field(default_factory=dict)
    """For each derivative order, the label of an earlier curve this one coincides with on
    the whole range (drawn dashed on top of it, so that both show)."""

    def pick(self, values: np.ndarray) -> np.ndarray:
        return values if self.output is None else values[..., self.output]


def prepare(specs: Sequence[str | Activation | Named],
            options: Options) -> tuple[list[Series], Options]:
    """The curves of a figure, evaluated on their sample points, with their analyses; and
    the options with the range settled (when none was given: [-5, 5], widened to show every
    kink of the functions)."""
    if not specs:
        raise ParameterError("no function to plot; give at least one SPEC")
    if options.sweep is not None:
        if len(specs) != 1 or not isinstance(specs[0], str):
            raise ParameterError("sweep works with one function; got "
                                 + " ".join(map(str, specs)))
        members = sweep(specs[0], options.sweep, options.flavor, options.scope)
        looks = ramp(len(members))
        series = [Series(m.label, m.act, color, specs[0], linestyle=dash)
                  for m, (color, dash) in zip(members, looks, strict=True)]
    else:
        named = resolve_specs(specs, options.flavor, options.scope)
        looks = colours(len(named))
        series = [Series(m.label, m.act, color, m.label, linestyle=dash)
                  for m, (color, dash) in zip(named, looks, strict=True)]
    _once(series, options.sweep is not None)
    expanded = _outputs(series)
    if options.range is None:  # (a range given was checked where it was given)
        options = Options({**options, "range": auto_range([s.act for s in expanded])},
                          explicit=options.explicit, scope=options.scope)
        check_drawable_range(*options.range)
    total = options.num * len(expanded)
    if total > MAX_NUM:
        raise ParameterError(f"a figure samples at most {MAX_NUM} points in all; num "
                             f"{options.num} times {len(expanded)} curves is {total}")
    shared = grid(options, [s.act for s in expanded])
    for s in expanded:
        s.vector = s.act.definition.vector
        # a vector function is evaluated on its own vector, the num evenly spaced points, so
        # that its analysis reads the very vector that is drawn
        lo, hi = options.range
        s.xs = np.linspace(lo, hi, options.num) if s.vector else shared
        poles = () if s.vector else s.act.poles_in(lo, hi)
        if poles:  # a gap around each pole: nothing there is finite
            s.xs = _around(s.xs, poles, POLE_GAP * (hi - lo))
        outs = s.act.evaluate(s.xs, 2)
        if not s.vector:
            s.act.check_finite(s.xs, outs)  # a user formula drawn broken says where instead
        s.data = [s.pick(v) for v in outs]
        if options.annotations and not poles:  # no maxima or integrals across a pole
            s.analysis = analysis_of(s.act, options.range, options.saturation_threshold,
                                     s.output, options.num)
    _coinciding(expanded)
    return expanded, options


def _once(series: list[Series], swept: bool) -> None:
    """A figure draws each curve once: a function (or a sweep's value) given twice, under
    the same name or another (elu and elu:alpha=1, alpha=1,1.0), is refused, as it would be
    one curve under another."""
    once([Named(s.label, s.act) for s in series], "a figure draws each curve once",
         " in the sweep" if swept else "")


POLE_GAP = 0.01
"""Half the width of the gap a figure leaves around a pole, as a share of the range (0.1 on
[-5, 5], where log1mexp's f' reaches 9.5)."""


def _around(xs: np.ndarray, poles: Sequence[float], gap: float) -> np.ndarray:
    """``xs`` without the points closer than ``gap`` to a pole, with the gap's ends added."""
    keep = np.ones(len(xs), bool)
    ends = []
    for pole in poles:
        keep &= np.abs(xs - pole) >= gap
        ends += [x for x in (pole - gap, pole + gap) if xs[0] <= x <= xs[-1]]
    return np.unique(np.concatenate([xs[keep], ends]))


def _outputs(series: list[Series]) -> list[Series]:
    """A curve per output of a function with several (crelu): solid and dashed, hatched
    one way and the other."""
    expanded = []
    for s in series:
        outputs = s.act.definition.outputs
        if outputs == 1:
            expanded.append(s)
            continue
        for k in range(outputs):
            expanded.append(Series(f"{s.label}[{k}]", s.act, s.color, s.spec, k,
                                   ("-", "--")[k % 2], hatch=HATCHES[k % len(HATCHES)]))
    return expanded


def _coinciding(series: list[Series]) -> None:
    """Mark each curve that lies on an earlier one over the whole range (relu6 and relu on
    [-5, 5]), per derivative order."""
    for j, later in enumerate(series):
        for earlier in series[:j]:
            if earlier.xs is not later.xs or earlier.xs.shape != later.xs.shape:
                continue
            for order in range(3):
                a, b = earlier.data[order], later.data[order]
                if order not in later.same_as and np.array_equal(
                        np.nan_to_num(a), np.nan_to_num(b)):
                    later.same_as[order] = earlier.label


def grid(options: Options, acts: Sequence[Activation]) -> np.ndarray:
    """``num`` evenly spaced points of the range, plus every kink in it, exactly."""
    lo, hi = options.range
    kinks = [k.x for act in acts if not act.definition.vector for k in act.kinks_in(lo, hi)
             if lo < k.x < hi]
    return np.unique(np.concatenate([np.linspace(lo, hi, options.num), kinks]))


def breaks(series: Series, order: int) -> tuple[np.ndarray, np.ndarray,
                                                list[tuple[float, float, list[float]]]]:
    """The curve of derivative ``order`` with a NaN gap at each of its discontinuities, and
    the discontinuities as (x, value there, one-sided limits that differ from it)."""
    xs, y = series.xs, series.data[order]
    if series.vector:
        return xs, y, []
    lo, hi = xs[0], xs[-1]
    xs_out, ys_out, ends = [xs], [y], []
    for pole in series.act.poles_in(lo, hi):  # the curve stops on either side
        xs_out.append(np.array([pole]))
        ys_out.append(np.array([np.nan]))
    for kink in series.act.kinks_in(lo, hi):
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


SPREAD = 5.0
"""The y axis takes in 0 only where the curves then still span a fifth of it."""
MARGIN = (0.1, 0.14)
"""Room below and above the curves, as shares of their span (above, room for the labels
of maxima)."""


def y_limits(members: Sequence[Series], order: int) -> tuple[float, float]:
    """The y limits of a panel of derivative ``order`` showing the curves ``members``:
    their values with a margin, and 0 where taking it in keeps them spanning a fifth of the
    axis (on a narrow range gelu' lies near 0.5 and would be flat against 0); curves that
    are one constant c get c - 1 to c + 1 (c -+ 1e-6 |c| where 1 is lost in c's rounding:
    a constant 1e300)."""
    values = np.concatenate([s.data[order].ravel() for s in members])
    values = values[np.isfinite(values)]
    if not len(values):
        return -1.0, 1.0
    low, high = float(values.min()), float(values.max())
    if high == low:
        pad = max(1.0, 1e-6 * abs(low))
        return low - pad, high + pad
    if low > 0 and high <= SPREAD * (high - low):
        low = 0.0
    elif high < 0 and -low <= SPREAD * (high - low):
        high = 0.0
    span = high - low
    return low - MARGIN[0] * span, high + MARGIN[1] * span
