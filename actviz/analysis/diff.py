"""How far two functions drift apart on a range: :func:`difference`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .._numbers import format_number
from .._quadrature import integrate
from ..catalog import Activation, get
from ..checks import DEFAULT_RANGE, check_range
from ..errors import ParameterError
from .regions import GRID, Interval, Span, bisect


@dataclass(frozen=True)
class Difference:
    """How far two functions drift apart on a range: the largest |f_A - f_B| and
    |f'_A - f'_B|, every point where they are taken (``..._at``: gelu and its tanh
    approximation differ most at -2.699 and 2.699 alike; ``..._x`` is the first), every
    stretch where they are taken throughout (``..._on``: relu and elu agree on [0.5, 5], so
    the largest difference, 0, is taken on all of it), and the mean |f_A - f_B|.
    ``..._approached`` says that the largest value is a limit at a jump, not taken
    there."""

    a: str
    b: str
    range: Interval
    max_abs: float
    max_abs_x: float
    max_abs_derivative: float
    max_abs_derivative_x: float
    mean_abs: float
    max_abs_at: tuple[float, ...] = ()
    max_abs_derivative_at: tuple[float, ...] = ()
    max_abs_approached: bool = False
    max_abs_derivative_approached: bool = False
    max_abs_on: tuple[Span, ...] = ()
    max_abs_derivative_on: tuple[Span, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["range"] = list(self.range)
        for key in ("max_abs_at", "max_abs_derivative_at"):
            data[key] = list(data[key])
        for key in ("max_abs_on", "max_abs_derivative_on"):
            data[key] = [span.to_dict() for span in data[key]]
        return data


Gap = Callable[[np.ndarray | float, int], np.ndarray]


TIES = 1e-9
"""Maxima within this relative distance of the largest are taken to be equal to it."""


PLATEAU = 3
"""Grid points in a row at the largest |difference| that make a stretch where it is taken
throughout (two could be the sides of one flat peak)."""


def _largest(gap: Gap, xs: np.ndarray, order: int, kinks: list[float]
             ) -> tuple[float, tuple[float, ...], tuple[Span, ...], bool]:
    """max |g^(order)| with g the ``gap`` of two functions, every x where it is taken,
    every stretch where it is taken throughout, and whether it is only approached: each
    local maximum of the grid refined on g^(order+1) = 0, and the one-sided limits at the
    kinks of the range (a jump's largest difference may be a limit)."""
    values = np.abs(gap(xs, order))
    found: list[tuple[float, float, bool]] = []
    peaks = (values >= np.roll(values, 1)) & (values >= np.roll(values, -1))
    peaks[[0, -1]] = True
    for i in np.flatnonzero(peaks & (values >= values.max() * 0.5)).tolist():
        value, x = _refine(gap, xs, values, i, order, kinks)
        found.append((value, x, False))
    lo, hi = float(xs[0]), float(xs[-1])
    for k in kinks:
        at = float(abs(gap(k, order)[0]))
        for side, inside in ((-np.inf, k > lo), (np.inf, k < hi)):
            if inside:
                near = float(np.nextafter(k, side))
                limit = float(abs(gap(near, order)[0]))
                if limit > at * (1 + TIES) + 1e-300:
                    found.append((limit, k, True))
    best = max(value for value, _, _ in found)
    spans = _plateaus(gap, xs, order, values >= best * (1 - TIES), kinks, best)
    ties = sorted({x for value, x, _ in found if value >= best * (1 - TIES)
                   and not any(a <= x <= b for a, b in spans)})
    approached = bool(ties) and all(flag for value, x, flag in found
                                    if value >= best * (1 - TIES) and x in ties)
    return best, tuple(ties), spans, approached


def _first(points: tuple[float, ...], spans: tuple[Span, ...]) -> float:
    """The first x where the largest difference is taken: a point, or a point of a stretch
    (its start, or for an open start its end, or its middle when both ends are open)."""
    taken = [s[0] if s.closed[0] else s[1] if s.closed[1] else (s[0] + s[1]) / 2
             for s in spans]
    return min((*points, *taken))


def _plateaus(gap: Gap, xs: np.ndarray, order: int, tied: np.ndarray, kinks: list[float],
              best: float) -> tuple[Span, ...]:
    """The stretches of at least :data:`PLATEAU` grid points in a row where ``tied``; a
    stretch that a kink ends, with the largest value only approached there (relu6' -
    hardtanh' is 1 on (-1, 0]), reaches the kink, open at it."""
    runs = np.flatnonzero(np.diff(np.concatenate([[0], tied.astype(np.int8), [0]])))
    spans = []
    for start, stop in zip(runs[::2].tolist(), runs[1::2].tolist(), strict=True):
        if stop - start < PLATEAU:
            continue
        ends, closed = [float(xs[start]), float(xs[stop - 1])], [True, True]
        for side, j, toward in ((0, start - 1, np.inf), (1, stop, -np.inf)):
            if 0 <= j < len(xs) and float(xs[j]) in kinks:
                near = float(np.nextafter(xs[j], toward))
                if float(abs(gap(near, order)[0])) >= best * (1 - TIES):
                    ends[side], closed[side] = float(xs[j]), False
        spans.append(Span(ends[0], ends[1], (closed[0], closed[1])))
    return tuple(spans)


def _refine(gap: Gap, xs: np.ndarray, values: np.ndarray, i: int, order: int,
            kinks: list[float]) -> tuple[float, float]:
    """The grid maximum at index i made exact by bisection on g^(order+1) = 0: (value, x)."""
    sign = float(np.sign(gap(xs[i], order)[0]))
    best, where = float(values[i]), float(xs[i])

    def rising(t: float) -> bool:
        return bool(sign * gap(t, order + 1)[0] > 0)

    for j in (i - 1, i):
        if 0 <= j < len(xs) - 1:
            lo, hi = float(xs[j]), float(xs[j + 1])
            if rising(lo) and not rising(hi) and sign * gap(hi, order + 1)[0] < 0:
                root = bisect(rising, lo, hi, kinks)  # |g| rises then falls: a peak inside
                value = float(abs(gap(root, order)[0]))
                if value > best:
                    best, where = value, root
    return best, where


def _sign_changes(g: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray,
                  exact: Sequence[float]) -> list[float]:
    """The zeros of g between each a and b (g(a) and g(b) of opposite signs), all bisected
    together to a relative 1e-15 (a point of ``exact``, or 0, in the last bracket is
    returned instead, as :func:`bisect` does)."""
    if not len(a):
        return []
    a, b = a.astype(np.float64), b.astype(np.float64)
    positive = g(a) > 0
    for _ in range(200):
        open_ = b - a > 1e-15 * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        if not open_.any():
            break
        mid = a + (b - a) / 2
        same = (g(mid) > 0) == positive
        a = np.where(open_ & same, mid, a)
        b = np.where(open_ & ~same, mid, b)
    roots = []
    for lo, hi in zip(a.tolist(), b.tolist(), strict=True):
        inside = [p for p in (*exact, 0.0) if lo <= p <= hi]
        roots.append(float(inside[0]) if inside else lo + (hi - lo) / 2)
    return roots


def difference(a: str | Activation, b: str | Activation, range: Interval = DEFAULT_RANGE,
               flavor: str = "torch", labels: tuple[str, str] | None = None) -> Difference:
    """Compare two element-wise functions on ``range``; see :class:`Difference`. ``labels``
    name them (default: the specs as given)."""
    fa, fb = get(a, flavor=flavor), get(b, flavor=flavor)
    for act in (fa, fb):
        if act.definition.vector or act.definition.outputs > 1:
            raise ParameterError(f"diff compares functions of one input and one output; "
                                 f"{act.name} is not one")
    if labels is None:
        labels = (a if isinstance(a, str) else fa.spec, b if isinstance(b, str) else fb.spec)
    return difference_of(fa, fb, check_range(range), labels)


def difference_of(fa: Activation, fb: Activation, range: Interval,
                  labels: tuple[str, str]) -> Difference:
    """:func:`difference` of two functions of one input and one output on a range checked
    already (the ``diff`` command checks both where they are given)."""
    lo, hi = range
    for act in (fa, fb):
        act.check_poles(lo, hi)
    kinks = sorted({k.x for act in (fa, fb) for k in act.kinks_in(lo, hi) if lo < k.x < hi})
    xs = np.unique(np.concatenate([np.linspace(lo, hi, GRID), kinks]))
    for act in (fa, fb):
        act.check_finite(xs)

    def gap(x: np.ndarray | float, order: int) -> np.ndarray:
        x = np.atleast_1d(np.asarray(x, dtype=float))
        return fa.evaluate(x, order)[order] - fb.evaluate(x, order)[order]

    signs = np.sign(gap(xs, 0))
    changes = np.flatnonzero(signs[:-1] * signs[1:] < 0)
    roots = _sign_changes(lambda t: gap(t, 0), xs[changes], xs[changes + 1], kinks)
    cuts = sorted({lo, hi, *kinks, *roots})
    area, converged = integrate(lambda t: np.abs(gap(t, 0)), cuts, rtol=1e-12)
    if not converged:
        raise ParameterError(
            f"the mean |f_A - f_B| on [{format_number(lo)}, {format_number(hi)}] cannot be "
            f"integrated to 1e-12: f_A - f_B oscillates faster than the range can be sampled "
            f"(it changes sign in {len(changes)} of the grid's {len(xs) - 1} steps); give a "
            "narrower range")
    edges = sorted({k.x for act in (fa, fb) for k in act.kinks_in(lo, hi)})
    value, where, on, approached = _largest(gap, xs, 0, edges)
    d_value, d_where, d_on, d_approached = _largest(gap, xs, 1, edges)
    return Difference(a=labels[0], b=labels[1], range=(lo, hi),
                      max_abs=value, max_abs_x=_first(where, on),
                      max_abs_derivative=d_value, max_abs_derivative_x=_first(d_where, d_on),
                      mean_abs=area / (hi - lo),
                      max_abs_at=where, max_abs_derivative_at=d_where,
                      max_abs_approached=approached,
                      max_abs_derivative_approached=d_approached,
                      max_abs_on=on, max_abs_derivative_on=d_on)
