"""What matters about an activation function on a range: dead zones, saturation, the steepest
point, minima, stretches where it decreases, kinks.

Pure NumPy. A dense grid only brackets each feature; boundaries and extrema are then refined
by bisection on the analytic f' and f'' to a few ulps, and dead zones come from the catalog's
piecewise definition, never from a derivative that happens to underflow to 0.

Definitions (docs/design.md, "What the annotations mean"):

- dead zone: an interval where f' is identically 0;
- saturation: an interval reaching an edge of the range, on a side where f'(x) -> 0 as
  x -> +-inf, on which |f'| < tau, outside dead zones;
- max gradient: the largest f' on the range: a point, a plateau (a linear piece), or an edge;
- minima (maxima): where f' changes sign from - to + (+ to -);
- non-monotonic: where f' < 0.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from ._numbers import format_number
from ._quadrature import integrate
from .catalog import Activation, get
from .checks import DEFAULT_RANGE, check_plot_num, check_range, check_threshold
from .errors import ParameterError

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
        return _analyze_vector(act, bounds, tau, GRID if num is None else check_plot_num(num))
    act.check_poles(*bounds)
    outputs = act.definition.outputs
    if output is not None and output not in np.arange(outputs).tolist():
        raise ParameterError(f"{act.name} has {outputs} output{'s' * (outputs > 1)}; "
                             f"output must be one of {np.arange(outputs).tolist()}, got "
                             f"{output!r}")
    if outputs == 1 or output is not None:
        return _Scalar(act, bounds, tau, output or 0).result()
    parts = [_Scalar(act, bounds, tau, k).result() for k in np.arange(outputs).tolist()]
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


class _Scalar:
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
        tied = d >= d[best] - ROUNDING * abs(d[best])
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


# --- properties for compare ---------------------------------------------------------------------

REAL_LINE = ("compare's Gaussian statistics (E[f(z)], ...) and Lipschitz constant need f, f' "
             "and f'' on the whole real line, not only on the range")
"""Why :func:`properties` needs a function finite beyond the range asked for."""

WIDE = (-50.0, 50.0)
"""Where sup |f'| over the reals is searched (with the limits at +-inf): every feature of the
catalog's functions lies well inside."""


@dataclass(frozen=True)
class Gaussian:
    """Statistics of f(z) for z ~ N(0, 1): E[f], Var[f], E[f'^2] and 1/sqrt(E[f^2]).

    For crelu, ``mean`` and ``var`` are per output and the squares are of the output vector's
    length (so ``gain`` is still one number)."""

    mean: float | list[float]
    var: float | list[float]
    grad_sq: float
    gain: float


def smoothness(act: Activation) -> str:
    """``discontinuous``, ``C0``, ``C1``, ``C2`` or ``C-inf``, from the catalog's kinks;
    ``C-inf off its pole`` (log1mexp: not defined at its pole, smooth elsewhere)."""
    if act.poles and not act.kinks:
        return "C-inf off its pole" + "s" * (len(act.poles) > 1)
    if not act.kinks:
        return "C-inf"
    lowest = min(k.order for k in act.kinks)
    return "discontinuous" if lowest == 0 else f"C{lowest - 1}"


def gaussian(act: Activation) -> Gaussian | None:
    """E[f(z)], Var[f(z)], E[f'(z)^2], 1/sqrt(E[f(z)^2]) for z ~ N(0, 1), integrated piece
    by piece between the kinks with adaptive Gauss-Kronrod quadrature, every piece's points
    in one evaluation (:mod:`actviz._quadrature`; accurate to about 1e-12); None for vector
    functions, whose value at z depends on the rest of a vector, and for functions with a
    pole, where E[f'(z)^2] diverges."""
    if act.definition.vector or act.poles:
        return None
    cuts = sorted({-40.0, 0.0, 40.0, *(k.x for k in act.kinks_in(-40.0, 40.0) if -40 < k.x < 40)})
    outputs = act.definition.outputs
    # every expectation is divided by the mass of the density as the same rule integrates it
    # (1 + 2e-16), so that a constant's mean is the constant and its variance 0
    mass, _ = integrate(lambda z: np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi), cuts)

    def expect(order: int, power: int, output: int | None, shift: float = 0.0,
               scaled: bool = False) -> Any:
        """E[(f^(order)(z) - shift)^power] (summed over outputs unless ``output`` picks
        one). f is divided by S, its size at a few points, before the power, so that f^2
        does not overflow where E[f^2] fits (leaky_relu with a slope of 1e300); where the
        expectation itself exceeds float64, it is inf, as it truly is. A first power below
        1e-14 of E[|f|] is 0: the quadrature's rounding (E[1e300 x] = 0, not 1e283). With
        ``scaled``, (E[...] / S^power, S)."""
        probe = act.evaluate(np.array([-8.0, -1.0, 0.0, 1.0, 8.0]), order)[order] - shift
        top = float(np.max(np.abs(probe)))
        scale = top if math.isfinite(top) and top > 1.0 else 1.0

        def integrand(z: np.ndarray) -> np.ndarray:
            value = (act.evaluate(z, order)[order] - shift) / scale
            value = value ** power if output is None else value[..., output] ** power
            if value.ndim > z.ndim:
                value = np.sum(value, axis=-1)
            weight = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
            return np.where(weight == 0.0, 0.0, value * weight)

        part = integrate(integrand, cuts)[0] / mass
        if power == 1:
            size, _ = integrate(lambda z: np.abs(integrand(z)), cuts)
            part = _clean(part, size / mass)
        if scaled:
            return part, scale
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.float64(part) * np.float64(scale) ** power)

    part, scale = expect(0, 2, None, scaled=True)
    mean: float | list[float]
    var: float | list[float]
    if outputs == 1:
        single = float(expect(0, 1, None))
        mean = single
        var = expect(0, 2, None, single)  # E[(f - mean)^2]: no cancellation of E[f^2] - mean^2
    else:
        means = [expect(0, 1, k) for k in range(outputs)]
        mean = means
        var = [expect(0, 2, k, m) for k, m in enumerate(means)]
    gain = 1.0 / (math.sqrt(part) * scale) if part > 0 else math.inf  # 1e-300 for 1e300*x
    return Gaussian(mean=mean, var=var, grad_sq=expect(1, 2, None), gain=gain)


def _clean(mean: float, size: float) -> float:
    """A mean below the quadrature's accuracy, 1e-14 of E[|f|], is 0: selu's is 0 by
    construction and comes out as 5.6e-17, which is noise, not information."""
    return 0.0 if abs(mean) < 1e-14 * size else mean


def sup_slope(act: Activation) -> float:
    """sup |f'| over the reals (inf when f' is unbounded): the steepest slopes on a wide
    interval, refined, and the limits of f' at +-inf. Jumps of f are not slopes: see
    :func:`lipschitz`. Next to a pole f' is unbounded: inf."""
    assert act.limits is not None
    if act.poles:
        return math.inf
    limits = [abs(v) for v in np.ravel(act.limits[1]) if not math.isnan(v)]  # NaN: none
    slopes = []
    for k in range(act.definition.outputs):
        scan = _Scalar(act, WIDE, 0.0, k)
        slopes += [abs(scan.extreme_slope(+1)[0]), abs(scan.extreme_slope(-1)[0])]
    return float(max(limits + slopes))


def lipschitz(act: Activation) -> float:
    """The Lipschitz constant over the reals: sup |f'|, or inf when f jumps anywhere (no
    constant bounds |f(a) - f(b)| / |a - b| across a jump)."""
    if any(k.order == 0 for k in act.kinks_in(*WIDE)) or any(k.order == 0 for k in act.kinks):
        return math.inf
    return sup_slope(act)


def output_range(act: Activation, result: Analysis, output: int = 0) -> Span:
    """The smallest and largest f on the range (the infimum and supremum, at jumps) as a
    span whose ends are closed where f takes them: edges, minima and maxima found by
    root-finding, the values at kinks (taken) and their one-sided limits (approached)."""
    lo, hi = result.range
    pick = (lambda v: float(np.ravel(v)[output])) if act.definition.outputs > 1 else float
    candidates = [(pick(act(lo)), True), (pick(act(hi)), True)]
    candidates += [(y, True) for _, y in (*result.minima, *result.maxima)]
    for kink in act.kinks_in(lo, hi):
        if lo <= kink.x <= hi:
            left, at, right = (pick(v) for v in act.one_sided(kink.x, 0))
            candidates += [(at, True)]
            candidates += [(left, left == at)] if kink.x > lo else []
            candidates += [(right, right == at)] if kink.x < hi else []
    xs = np.linspace(lo, hi, GRID)
    values = act(xs).reshape(GRID, -1)[:, output]
    candidates += [(float(values.min()), True), (float(values.max()), True)]
    low = min(v for v, _ in candidates)
    high = max(v for v, _ in candidates)
    taken = [any(t for v, t in candidates if v == end) for end in (low, high)]
    return Span(low, high, (taken[0], taken[1]))


def monotonic(act: Activation, result: Analysis) -> bool:
    """Whether f is non-decreasing on the range (the sense of the activation-function
    literature): f' >= 0 everywhere, and every jump goes up (the value at the jump lying
    between its one-sided limits)."""
    if result.non_monotonic:
        return False
    lo, hi = result.range
    for x in result.jumps:
        left, at, right = act.one_sided(x, 0)
        below = np.all(left <= at) if x > lo else True
        above = np.all(at <= right) if x < hi else True
        if not (below and above):
            return False
    return True


@dataclass(frozen=True)
class Properties:
    """What ``actviz compare`` reports of one function (docs/design.md, properties).

    ``output_range`` is a :class:`Span` (one per output for crelu) closed where f takes its
    bound; ``bounds`` (the limits of f at -inf and +inf), f(0), f'(0), ``lipschitz`` and
    ``sup_slope`` are None for vector functions, which are read on ``vector``; ``cost`` is
    set only when it was measured (:mod:`actviz.timing`)."""

    spec: str
    name: str
    params: dict[str, Any]
    range: Interval
    saturation_threshold: float
    output_range: Span | list[Span]
    bounds: Any
    f0: float | list[float] | None
    df0: float | list[float] | None
    monotonic: bool
    smoothness: str
    zero_centred: bool
    lipschitz: float | None
    sup_slope: float | None
    max_gradient: MaxGradient
    minima: tuple[tuple[float, float], ...]
    saturation: tuple[Span, ...]
    low_gradient: tuple[Span, ...]
    dead: tuple[Span, ...]
    kinks: tuple[float, ...]
    jumps: tuple[float, ...]
    gaussian: Gaussian | None
    act: Activation = field(repr=False, compare=False)
    """The function itself, with its flavor's parameters (for headers such as LaTeX's)."""
    vector: str | None = None
    cost: float | None = None
    gains: Any = None
    """The three gains beside PyTorch's (:class:`actviz.meanfield.Gains`), None for vector
    and two-output functions, which the mean-field theory does not cover."""

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data (JSON-ready but for infinities, which stay floats)."""
        spans = self.output_range if isinstance(self.output_range, list) else [
            self.output_range]
        return {
            "spec": self.spec, "name": self.name, "params": self.params,
            "range": list(self.range),
            "output_range": [s.to_dict() for s in spans] if len(spans) > 1
            else spans[0].to_dict(),
            "bounds": self.bounds, "f0": self.f0,
            "df0": self.df0, "monotonic": self.monotonic, "smoothness": self.smoothness,
            "zero_centred": self.zero_centred, "lipschitz": self.lipschitz,
            "sup_slope": self.sup_slope, "max_gradient": self.max_gradient.to_dict(),
            "minima": [list(m) for m in self.minima],
            "saturation": [iv.to_dict() for iv in self.saturation],
            "low_gradient": [iv.to_dict() for iv in self.low_gradient],
            "dead": [iv.to_dict() for iv in self.dead],
            "kinks": list(self.kinks), "jumps": list(self.jumps),
            "gaussian": asdict(self.gaussian) if self.gaussian is not None else None,
            "gains": _gains_dict(self.gains),
            "vector": self.vector, "cost": self.cost,
            "saturation_threshold": self.saturation_threshold,
        }


def _gains_dict(gains: Any) -> dict[str, Any] | None:
    if gains is None:
        return None
    return {key: getattr(gains, key) for key in ("forward", "backward", "edge_of_chaos",
                                                "edge_of_chaos_reason", "torch")}


def properties(spec: str | Activation, range: Interval = DEFAULT_RANGE,
               saturation_threshold: float = 0.05, flavor: str = "torch",
               label: str | None = None) -> Properties:
    """What ``actviz compare`` reports of one function; ``label`` is the spec to show
    (default: the spec as given, or the activation's own)."""
    act = get(spec, flavor=flavor)
    result = analyze(act, range, saturation_threshold)
    vector = act.definition.vector
    bounds = None if act.limits is None else [
        np.ravel(v).tolist() if act.definition.outputs > 1 else float(v)
        for v in act.limits[0]]
    f0, df0 = act.evaluate(np.array([0.0]), 1)
    if not vector and not act.poles:
        act.check_finite(np.linspace(*WIDE, 4001), why=REAL_LINE)
    stats = gaussian(act)
    if vector:
        values = act(np.linspace(*result.range, GRID))
        spans = [Span(float(values.min()), float(values.max()))]
    else:
        outputs = np.arange(act.definition.outputs).tolist()
        spans = [output_range(act, result, k) for k in outputs]
    if label is None:
        label = spec if isinstance(spec, str) else act.spec
    jumps = set(result.jumps)
    return Properties(
        spec=label, name=act.name, params=act.params, range=result.range,
        saturation_threshold=result.saturation_threshold,
        output_range=spans[0] if len(spans) == 1 else spans,
        bounds=bounds, f0=None if vector else _scalar_or_list(f0[0]),
        df0=None if vector else _scalar_or_list(df0[0]),
        monotonic=monotonic(act, result), smoothness=smoothness(act),
        zero_centred=stats is not None and _zero(stats.mean),
        lipschitz=None if vector else lipschitz(act),
        sup_slope=None if vector else sup_slope(act), max_gradient=result.max_gradient,
        minima=result.minima, saturation=result.saturation,
        low_gradient=result.low_gradient, dead=result.dead,
        kinks=tuple(x for x in result.kinks if x not in jumps), jumps=result.jumps,
        gaussian=stats, act=act, vector=result.vector,
    )


def _scalar_or_list(value: np.ndarray) -> float | list[float]:
    return float(value) if np.ndim(value) == 0 else np.asarray(value).tolist()


def _zero(mean: float | list[float]) -> bool:
    """Zero-centred: E[f(z)] = 0 for z ~ N(0, 1), to 1e-9 (every output, for crelu)."""
    return all(abs(m) < 1e-9 for m in np.ravel(mean))


# --- diff ---------------------------------------------------------------------------------------

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
    lo, hi = check_range(range)
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
    if labels is None:
        labels = (a if isinstance(a, str) else fa.spec, b if isinstance(b, str) else fb.spec)
    return Difference(a=labels[0], b=labels[1], range=(lo, hi),
                      max_abs=value, max_abs_x=_first(where, on),
                      max_abs_derivative=d_value, max_abs_derivative_x=_first(d_where, d_on),
                      mean_abs=area / (hi - lo),
                      max_abs_at=where, max_abs_derivative_at=d_where,
                      max_abs_approached=approached,
                      max_abs_derivative_approached=d_approached,
                      max_abs_on=on, max_abs_derivative_on=d_on)
