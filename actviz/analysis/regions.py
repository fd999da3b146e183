"""What a function does on a range: dead zones, saturation, the steepest point, minima,
kinks (:func:`analyze`)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .._numbers import format_number
from ..catalog import Activation, get
from ..checks import DEFAULT_RANGE, check_plot_num, check_range, check_threshold
from ..errors import ParameterError

GRID = 2001
Interval = tuple[float, float]
ROUNDING = 8 * 2.0**-52
"""Values of f' within this relative distance are equal but for rounding."""


class Span(tuple):
    """An interval ``(start, end)``, a pair like any other, that also knows which of its ends
    belong to it: ``closed = (False, True)`` is (start, end]. relu's plateau of f' = 1 on
    [-5, 5] is (0, 5], because relu'(0) = 0."""

    closed: tuple[bool, bool]

    def __new__(cls, start: float, end: float,
                closed: tuple[bool, bool] = (True, True)) -> Span:
        span = super().__new__(cls, (float(start), float(end)))
        span.closed = (bool(closed[0]), bool(closed[1]))
        return span

    def __reduce__(self) -> tuple[Any, ...]:
        return Span, (self[0], self[1], self.closed)

    def __repr__(self) -> str:
        return f"Span({self[0]!r}, {self[1]!r}, closed={self.closed})"

    def brackets(self) -> tuple[str, str]:
        """``("[", ")")`` and so on, for writing the interval."""
        return "[(" [not self.closed[0]], "])" [not self.closed[1]]

    def to_dict(self) -> dict[str, Any]:
        return {"start": self[0], "end": self[1], "closed": list(self.closed)}


@dataclass(frozen=True)
class MaxGradient:
    """Where f' is largest on the range: at ``x``, on a plateau ``interval``, at an edge
    (``at_edge``, with ``x`` the edge), or only in a limit. At a kink the value may be a
    one-sided limit. ``intervals`` lists every plateau (softshrink has two, either side of its
    dead zone); ``interval`` is the longest of them. ``approached`` says that the value is a
    supremum that f' approaches at the kink ``x`` without taking it there (hard_swish at 3);
    ``toward`` (+-inf) that it is the limit of f' as x -> +-inf, which f' comes within
    rounding of but never takes (softplus on [-1000, 1000]: sup f' = 1 as x -> inf)."""

    value: float
    x: float | None
    interval: Span | None
    at_edge: bool
    intervals: tuple[Span, ...] = ()
    approached: bool = False
    toward: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """As plain data; ``toward`` as the text "+inf" or "-inf" (JSON would write the
        number as null, and lose which side)."""
        return {"value": self.value, "x": self.x,
                "intervals": [iv.to_dict() for iv in self.intervals],
                "at_edge": self.at_edge, "approached": self.approached,
                "toward": None if self.toward is None else ("+inf" if self.toward > 0 else "-inf")}


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`. Intervals are :class:`Span` pairs ``(start, end)``
    that know which ends they include. ``low_gradient`` holds the stretches, other than
    saturation tails and dead zones, where 0 < |f'| < tau; ``vector`` describes the vector a
    vector function (softmax) was read on."""

    spec: str
    range: Interval
    saturation_threshold: float
    saturation: tuple[Span, ...]
    dead: tuple[Span, ...]
    max_gradient: MaxGradient
    minima: tuple[tuple[float, float], ...]
    maxima: tuple[tuple[float, float], ...]
    non_monotonic: tuple[Span, ...]
    kinks: tuple[float, ...]
    jumps: tuple[float, ...]
    low_gradient: tuple[Span, ...] = ()
    vector: str | None = None

    def to_dict(self) -> dict[str, Any]:
        spans = ("saturation", "dead", "non_monotonic", "low_gradient")
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in spans:
            data[name] = [iv.to_dict() for iv in data[name]]
        data["max_gradient"] = self.max_gradient.to_dict()
        return data


def analyze(spec: str | Activation, range: Interval = DEFAULT_RANGE,
            saturation_threshold: float = 0.05, flavor: str = "torch",
            output: int | None = None, num: int | None = None) -> Analysis:
    """Analyse ``spec`` on ``range`` with saturation threshold tau.

    For crelu, ``output`` picks one of its two outputs; without it the two are combined (a
    dead zone or saturation where both have one, the larger max gradient, every minimum and
    decreasing stretch). Vector functions (softmax, ...) are read on the vector of ``num``
    evenly spaced points of the range (default ``GRID``), the one a figure or table shows,
    since their value at one x depends on all the others.
    """
    act = get(spec, flavor=flavor)
    bounds = check_range(range)
    tau = check_threshold(saturation_threshold)
    if act.definition.vector:
        return analysis_of(act, bounds, tau, num=None if num is None else check_plot_num(num))
    act.check_poles(*bounds)
    outputs = act.definition.outputs
    if output is not None and output not in np.arange(outputs).tolist():
        raise ParameterError(f"{act.name} has {outputs} output{'s' * (outputs > 1)}; "
                             f"output must be one of {np.arange(outputs).tolist()}, got "
                             f"{output!r}")
    return analysis_of(act, bounds, tau, output)


def analysis_of(act: Activation, bounds: Interval, tau: float, output: int | None = None,
                num: int | None = None) -> Analysis:
    """:func:`analyze` for arguments already checked (a figure's, checked where its options
    were given): ``bounds`` a range, ``tau`` a threshold, no pole in the range, ``output``
    one of the function's."""
    if act.definition.vector:
        return _analyze_vector(act, bounds, tau, GRID if num is None else num)
    outputs = act.definition.outputs
    if outputs == 1 or output is not None:
        return Scalar(act, bounds, tau, output or 0).result()
    parts = [Scalar(act, bounds, tau, k).result() for k in np.arange(outputs).tolist()]
    return _combine(parts)


def vector_text(bounds: Interval, num: int) -> str:
    """Which vector a vector function was evaluated on, in words."""
    lo, hi = bounds
    return (f"the vector of {num} evenly spaced x from {format_number(lo)} to "
            f"{format_number(hi)}")


def _within(intervals: Sequence[Sequence[float]], lo: float, hi: float) -> list[Interval]:
    """The intervals clipped to [lo, hi], keeping those of positive length."""
    out = []
    for start, end in intervals:
        a, b = max(start, lo), min(end, hi)
        if a < b:
            out.append((float(a), float(b)))
    return out


def _merge(intervals: Sequence[Sequence[float]]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted((float(a), float(b)) for a, b in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def bisect(predicate: Callable[[float], bool], lo: float, hi: float,
           exact: Sequence[float] = ()) -> float:
    """The point in [lo, hi] where ``predicate`` changes value (it differs at lo and hi),
    to a relative 1e-15 (absolute near 0). A point of ``exact`` (kinks, say) or 0 itself is
    returned when it lies in the final bracket, so that a boundary at a kink is the kink and
    symmetric functions report x = 0, not x = -3e-323."""
    at_lo = predicate(lo)
    for _ in range(200):
        if hi - lo <= 1e-15 * max(1.0, abs(lo), abs(hi)):
            break
        mid = lo + (hi - lo) / 2
        if predicate(mid) == at_lo:
            lo = mid
        else:
            hi = mid
    for point in (*exact, 0.0):
        if lo <= point <= hi:
            return float(point)
    return lo + (hi - lo) / 2


class Scalar:
    """Analysis of one output of an element-wise function."""

    def __init__(self, act: Activation, bounds: Interval, tau: float, output: int):
        self.act, self.tau, self.k = act, tau, int(output)
        self.lo, self.hi = bounds
        self.kinks = list(act.kinks_in(self.lo, self.hi))
        self.pieces = act.pieces_in(self.lo, self.hi)
        self.exact = {self.lo, self.hi, *(k.x for k in self.kinks)}
        self.dead = self.spans(
            _merge(_within([(p.start, p.end) for p in self.pieces if p.slope_of(self.k) == 0],
                           *bounds)),
            lambda x: self.at(x, 1) == 0)
        xs = np.unique(np.concatenate([np.linspace(self.lo, self.hi, GRID),
                                       [k.x for k in self.kinks]]))
        f, d, dd = act.evaluate(xs, 2)
        act.check_finite(xs, (f, d, dd))  # a user formula that is NaN on the range says where
        self.xs, self.f, self.d, self.dd = xs, self._pick(f), self._pick(d), self._pick(dd)

    def _pick(self, values: np.ndarray) -> np.ndarray:
        return values[..., self.k] if self.act.definition.outputs > 1 else values

    def sign_at(self, x: float, order: int) -> float:
        """The ``order``-th derivative at x for a comparison in root finding: a formula's
        first pass alone (see :meth:`actviz.catalog.FormulaActivation.signs`)."""
        signs = getattr(self.act, "signs", None)
        if signs is None:
            return self.at(x, order)
        return float(self._pick(signs(np.array([x]), order))[0])

    def at(self, x: float, order: int) -> float:
        """The ``order``-th derivative at x (of this output)."""
        return float(self._pick(self.act.evaluate(np.array([x]), order)[order])[0])

    def bisect(self, predicate: Callable[[float], bool], lo: float, hi: float) -> float:
        return bisect(predicate, lo, hi, [k.x for k in self.kinks])

    def spans(self, intervals: Sequence[Interval],
              holds: Callable[[float], bool]) -> tuple[Span, ...]:
        """The intervals as spans of the set where ``holds``: an end that is a range end or a
        kink belongs to it where ``holds`` there; any other end is where a strict inequality
        of a continuous f' turned into equality, so it does not."""
        def closed(x: float) -> bool:
            return x in self.exact and holds(x)

        return tuple(Span(a, b, (closed(a), closed(b))) for a, b in intervals)

    def in_dead_zone(self, x: float) -> bool:
        return any(a < x < b for a, b in self.dead)

    def dead_mask(self) -> np.ndarray:
        """Grid points in a dead zone, its end points included."""
        mask = np.zeros(len(self.xs), bool)
        for a, b in self.dead:
            mask |= (self.xs >= a) & (self.xs <= b)
        return mask

    def result(self) -> Analysis:
        minima, maxima = self._stationary()
        saturation = self._saturation()
        return Analysis(
            spec=self.act.spec, range=(self.lo, self.hi), saturation_threshold=self.tau,
            saturation=saturation, dead=self.dead, max_gradient=self._max_gradient(),
            minima=minima, maxima=maxima, non_monotonic=self._negative(),
            kinks=tuple(k.x for k in self.kinks),
            jumps=tuple(k.x for k in self.kinks if k.order == 0),
            low_gradient=self._low_gradient(saturation),
        )

    def runs(self, mask: np.ndarray, holds: Callable[[float], bool]) -> list[Interval]:
        """The stretches of the range where ``holds``, from the grid points where ``mask``
        is set, each end refined by bisection between the grid points around it."""
        found = []
        n = len(self.xs)
        i = 0
        while i < n:
            if not mask[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and mask[j + 1]:
                j += 1
            start = self.lo if i == 0 else self.bisect(
                holds, float(self.xs[i - 1]), float(self.xs[i]))
            end = self.hi if j == n - 1 else self.bisect(
                holds, float(self.xs[j]), float(self.xs[j + 1]))
            if start < end:
                found.append((start, end))
            i = j + 1
        return _merge(found)

    # -- saturation and low gradient --------------------------------------------------------

    def _saturated(self, x: float) -> bool:
        return abs(self.sign_at(x, 1)) < self.tau and not self.in_dead_zone(x)

    def _saturation(self) -> tuple[Span, ...]:
        """The tails, reaching an edge of the range on a side where f' -> 0 as x -> +-inf,
        on which |f'| < tau (outside dead zones)."""
        assert self.act.limits is not None
        ok = (np.abs(self.d) < self.tau) & ~self.dead_mask()
        runs = self.runs(ok, self._saturated) if ok[0] or ok[-1] else []
        found = []
        for side, limit in enumerate(self.act.limits[1]):
            if np.ravel(limit)[min(self.k, np.size(limit) - 1)] != 0:
                continue  # f' does not vanish on this side: leaky_relu is not saturating
            found += [iv for iv in runs if iv[side] == (self.lo, self.hi)[side]]
        return self.spans(_merge(found), self._saturated)

    def _low_gradient(self, saturation: tuple[Span, ...]) -> tuple[Span, ...]:
        """Stretches where 0 < |f'| < tau that are not saturation tails: tanhshrink near 0,
        leaky_relu's negative side, sigmoid far out on a side where it is not a tail."""
        ok = (np.abs(self.d) < self.tau) & ~self.dead_mask()
        for a, b in saturation:
            ok &= ~((self.xs >= a) & (self.xs <= b))

        def low(x: float) -> bool:
            return self._saturated(x) and not any(a <= x <= b for a, b in saturation)

        return self.spans(self.runs(ok, low), low)

    # -- max gradient -----------------------------------------------------------------------

    def _max_gradient(self) -> MaxGradient:
        value, x = self.extreme_slope(+1)
        approached = any(k.x == x for k in self.kinks) and self.at(x, 1) != value
        scale = max(1.0, abs(value))
        plateau = _merge(_within([(p.start, p.end) for p in self.pieces
                                  if abs(p.slope_of(self.k) - value) <= 1e-12 * scale],
                                 self.lo, self.hi))
        if plateau:
            spans = self.spans(plateau, lambda t: self.at(t, 1) == value)
            longest = max(spans, key=lambda iv: iv[1] - iv[0])
            return MaxGradient(value, None, longest, False, spans)
        toward = self._limit_reached(value, x)
        if toward is not None:
            return MaxGradient(value, None, None, False, toward=toward)
        return MaxGradient(value, x, None, x in (self.lo, self.hi), approached=approached)

    @staticmethod
    def _flat_top(d: np.ndarray, dd: np.ndarray) -> int:
        """The grid point of the largest f', where f' is flat to rounding around it (on a
        range of 1e-9 near 0, sigmoid' is 0.25 at every point): the end of the flat run that
        f'' says is higher, not the point a rounding error lifted."""
        best = int(np.argmax(d))
        # where f' overflowed (exp far out), the run of inf: its end where f'' says higher
        tied = (d >= d[best] - ROUNDING * abs(d[best]) if np.isfinite(d[best])
                else d == d[best])
        start, stop = best, best
        while start > 0 and tied[start - 1]:
            start -= 1
        while stop < len(d) - 1 and tied[stop + 1]:
            stop += 1
        if (dd[start:stop + 1] <= 0).all():
            return start
        if (dd[start:stop + 1] >= 0).all():
            return stop
        return best

    def _limit_reached(self, value: float, x: float) -> float | None:
        """+-inf when ``value``, found at ``x``, is the limit of f' on that side, which f'
        only approaches: there f' has rounded to its limit, and no point is the steepest."""
        assert self.act.limits is not None
        for side, limit in zip((-math.inf, math.inf), self.act.limits[1], strict=True):
            bound = float(np.ravel(limit)[min(self.k, np.size(limit) - 1)])
            on_side = (x < 0) if side < 0 else (x > 0)
            if math.isfinite(bound) and bound != 0 and value == bound and on_side:
                return side
        return None

    def extreme_slope(self, sign: int) -> tuple[float, float]:
        """(value, x) of the largest f' (sign +1) or the smallest (sign -1) on the range:
        grid maxima refined on f'' = 0, and the one-sided limits at kinks."""
        d, dd = sign * self.d, sign * self.dd
        best = self._flat_top(d, dd)
        value, x = float(d[best]), float(self.xs[best])
        for i in range(1, len(d) - 1):  # refine interior maxima on f'' = 0
            if d[i] >= d[i - 1] and d[i] >= d[i + 1] and dd[i - 1] > 0 > dd[i + 1]:
                root = self.bisect(lambda t: sign * self.sign_at(t, 2) > 0, float(self.xs[i - 1]),
                                   float(self.xs[i + 1]))
                peak = sign * self.at(root, 1)
                tie = abs(peak - value) <= ROUNDING * abs(value)
                if (peak > value and not tie) or (tie and abs(root - x) < 1e-6):
                    value, x = peak, root
        for kink in self.kinks:  # a supremum approached from one side of a kink
            left, _, right = self.act.one_sided(kink.x, 1)
            sides = [sign * float(self._pick(left))] if kink.x > self.lo else []
            sides += [sign * float(self._pick(right))] if kink.x < self.hi else []
            if sides and max(sides) > value:
                value, x = max(sides), kink.x
        return sign * value, x

    # -- stationary points and decreasing stretches -----------------------------------------

    def _brackets(self) -> list[tuple[int, int]]:
        """Consecutive grid points where f' has strictly opposite signs, not across a jump."""
        sign = np.sign(self.d)
        nonzero = np.flatnonzero(sign)
        pairs = []
        jumps = [k.x for k in self.kinks if k.order == 0]
        for i, j in itertools.pairwise(nonzero):
            if sign[i] != sign[j] and not any(self.xs[i] < x < self.xs[j] for x in jumps):
                pairs.append((int(i), int(j)))
        return pairs

    def _stationary(self) -> tuple[tuple[tuple[float, float], ...], ...]:
        minima: list[tuple[float, float]] = []
        maxima: list[tuple[float, float]] = []
        for i, j in self._brackets():
            root = self.bisect(lambda t: self.sign_at(t, 1) > 0, float(self.xs[i]),
                               float(self.xs[j]))
            point = (root, self.at(root, 0))
            (minima if self.d[i] < 0 else maxima).append(point)
        return tuple(minima), tuple(maxima)

    def _negative(self) -> tuple[Span, ...]:
        def decreasing(t: float) -> bool:
            return self.sign_at(t, 1) < 0

        return self.spans(self.runs(self.d < 0, decreasing), decreasing)


def _intersect(a: tuple[Span, ...], b: tuple[Span, ...]) -> tuple[Span, ...]:
    """Where spans of ``a`` and of ``b`` overlap; an end belongs to the result where it
    belongs to every span it is an end of."""
    found = []
    for s1 in a:
        for s2 in b:
            start, end = max(s1[0], s2[0]), min(s1[1], s2[1])
            if start < end:
                ends = [all(s.closed[i] for s in (s1, s2) if s[i] == point)
                        for i, point in enumerate((start, end))]
                found.append(Span(start, end, (ends[0], ends[1])))
    return tuple(sorted(found))


def _union(spans: Sequence[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span[0] <= merged[-1][1]:
            last = merged[-1]
            end, closed = max((last[1], last.closed[1]), (span[1], span.closed[1]))
            merged[-1] = Span(last[0], end, (last.closed[0], closed))
        else:
            merged.append(span)
    return tuple(merged)


def _combine(parts: list[Analysis]) -> Analysis:
    """One analysis of a function with several outputs (crelu)."""
    first = parts[0]
    saturation, dead = first.saturation, first.dead
    for part in parts[1:]:
        saturation, dead = _intersect(saturation, part.saturation), _intersect(dead, part.dead)
    return Analysis(
        spec=first.spec, range=first.range, saturation_threshold=first.saturation_threshold,
        saturation=saturation, dead=dead,
        max_gradient=max((p.max_gradient for p in parts), key=lambda m: m.value),
        minima=tuple(sorted(m for p in parts for m in p.minima)),
        maxima=tuple(sorted(m for p in parts for m in p.maxima)),
        non_monotonic=_union([iv for p in parts for iv in p.non_monotonic]),
        kinks=first.kinks, jumps=first.jumps,
        low_gradient=_union([iv for p in parts for iv in p.low_gradient]),
    )


def _analyze_vector(act: Activation, bounds: Interval, tau: float, num: int) -> Analysis:
    """A vector function read on the vector itself: the largest diagonal derivative and the
    stretches where it is negative, at the sampled points (nothing between them exists)."""
    xs = np.linspace(bounds[0], bounds[1], num)
    _, d = act.evaluate(xs, 1)
    best = int(np.argmax(d))
    negative = np.flatnonzero(d < 0)
    runs: list[Span] = []
    if negative.size:
        splits = np.split(negative, np.flatnonzero(np.diff(negative) > 1) + 1)
        runs = [Span(xs[r[0]], xs[r[-1]]) for r in splits]
    return Analysis(
        spec=act.spec, range=bounds, saturation_threshold=tau, saturation=(), dead=(),
        max_gradient=MaxGradient(float(d[best]), float(xs[best]), None,
                                 best in (0, len(xs) - 1)),
        minima=(), maxima=(), non_monotonic=tuple(runs), kinks=(), jumps=(),
        vector=vector_text(bounds, num),
    )
