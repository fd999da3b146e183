"""What matters about an activation function on a range: dead zones, saturation, the steepest
point, minima, stretches where it decreases, kinks.

Pure NumPy. A dense grid only brackets each feature; boundaries and extrema are then refined
by bisection on the analytic f' and f'' to a few ulps, and dead zones come from the catalog's
piecewise definition, never from a derivative that happens to underflow to 0.

Definitions (DESIGN.md, "Analysis"):

- dead zone: an interval where f' is identically 0;
- saturation: an interval reaching an edge of the range, on a side where f'(x) -> 0 as
  x -> +-inf, on which |f'| < tau, outside dead zones;
- max gradient: the largest f' on the range: a point, a plateau (a linear piece), or an edge;
- minima (maxima): where f' changes sign from - to + (+ to -);
- non-monotonic: where f' < 0.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .catalog import Activation, get
from .options import check_range, check_threshold

GRID = 2001
Interval = tuple[float, float]


@dataclass(frozen=True)
class MaxGradient:
    """Where f' is largest on the range: at ``x``, on a plateau ``interval``, or at an edge
    (``at_edge``, with ``x`` the edge). At a kink the value may be a one-sided limit.
    ``intervals`` lists every plateau (softshrink has two, either side of its dead zone);
    ``interval`` is the longest of them."""

    value: float
    x: float | None
    interval: Interval | None
    at_edge: bool
    intervals: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`; intervals are ``(start, end)`` tuples."""

    spec: str
    range: Interval
    saturation_threshold: float
    saturation: tuple[Interval, ...]
    dead: tuple[Interval, ...]
    max_gradient: MaxGradient
    minima: tuple[tuple[float, float], ...]
    maxima: tuple[tuple[float, float], ...]
    non_monotonic: tuple[Interval, ...]
    kinks: tuple[float, ...]
    jumps: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def analyze(spec: str | Activation, range: Interval = (-5.0, 5.0),
            saturation_threshold: float = 0.05, flavor: str = "torch",
            output: int | None = None) -> Analysis:
    """Analyse ``spec`` on ``range`` with saturation threshold tau.

    For crelu, ``output`` picks one of its two outputs; without it the two are combined (a
    dead zone or saturation where both have one, the larger max gradient, every minimum and
    decreasing stretch). Vector functions (softmax, ...) are read on the sampled vector of
    ``GRID`` points, since their value at one x depends on all the others.
    """
    act = get(spec, flavor=flavor)
    bounds = check_range(range)
    tau = check_threshold(saturation_threshold)
    if act.definition.vector:
        return _analyze_vector(act, bounds, tau)
    outputs = act.definition.outputs
    if outputs == 1 or output is not None:
        return _Scalar(act, bounds, tau, output or 0).result()
    parts = [_Scalar(act, bounds, tau, k).result() for k in np.arange(outputs)]
    return _combine(parts)


def _within(intervals, lo: float, hi: float) -> list[Interval]:
    """The intervals clipped to [lo, hi], keeping those of positive length."""
    out = []
    for start, end in intervals:
        a, b = max(start, lo), min(end, hi)
        if a < b:
            out.append((float(a), float(b)))
    return out


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


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
        self.kinks = [k for k in act.kinks if self.lo <= k.x <= self.hi]
        self.dead = _merge(_within(
            [(p.start, p.end) for p in act.pieces if p.slope_of(self.k) == 0], *bounds))
        xs = np.unique(np.concatenate([np.linspace(self.lo, self.hi, GRID),
                                       [k.x for k in self.kinks]]))
        f, d, dd = act.evaluate(xs, 2)
        self.xs, self.f, self.d, self.dd = xs, self._pick(f), self._pick(d), self._pick(dd)

    def _pick(self, values: np.ndarray) -> np.ndarray:
        return values[..., self.k] if self.act.definition.outputs > 1 else values

    def at(self, x: float, order: int) -> float:
        """The ``order``-th derivative at x (of this output)."""
        return float(self._pick(self.act.evaluate(np.array([x]), order)[order])[0])

    def bisect(self, predicate: Callable[[float], bool], lo: float, hi: float) -> float:
        return bisect(predicate, lo, hi, [k.x for k in self.kinks])

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
        return Analysis(
            spec=self.act.spec, range=(self.lo, self.hi), saturation_threshold=self.tau,
            saturation=self._saturation(), dead=self.dead, max_gradient=self._max_gradient(),
            minima=minima, maxima=maxima, non_monotonic=self._negative(),
            kinks=tuple(k.x for k in self.kinks),
            jumps=tuple(k.x for k in self.kinks if k.order == 0),
        )

    # -- saturation -------------------------------------------------------------------------

    def _saturation(self) -> tuple[Interval, ...]:
        assert self.act.limits is not None
        found = []
        for side, limit in enumerate(self.act.limits[1]):
            if np.ravel(limit)[min(self.k, np.size(limit) - 1)] != 0:
                continue  # f' does not vanish on this side: leaky_relu is not saturating

            def saturated(x: float) -> bool:
                return abs(self.at(x, 1)) < self.tau and not self.in_dead_zone(x)

            ok = (np.abs(self.d) < self.tau) & ~self.dead_mask()
            order = list(range(len(self.xs)))[::1 if side == 0 else -1]
            if not ok[order[0]]:
                continue
            stop = next((i for i in order if not ok[i]), None)
            if stop is None:
                found.append((self.lo, self.hi))
                continue
            inner = order[order.index(stop) - 1]
            edge = self.bisect(saturated, *sorted((float(self.xs[inner]), float(self.xs[stop]))))
            found.append((self.lo, edge) if side == 0 else (edge, self.hi))
        return _merge([(a, b) for a, b in found if a < b])

    # -- max gradient -----------------------------------------------------------------------

    def _max_gradient(self) -> MaxGradient:
        d = self.d
        best = int(np.argmax(d))
        value, x = float(d[best]), float(self.xs[best])
        for i in range(1, len(d) - 1):  # refine interior maxima on f'' = 0
            if d[i] >= d[i - 1] and d[i] >= d[i + 1] and self.dd[i - 1] > 0 > self.dd[i + 1]:
                root = self.bisect(lambda t: self.at(t, 2) > 0, float(self.xs[i - 1]),
                              float(self.xs[i + 1]))
                peak = self.at(root, 1)
                if peak > value or (peak == value and abs(root - x) < 1e-6):
                    value, x = peak, root
        for kink in self.kinks:  # a supremum approached from one side of a kink
            left, _, right = self.act.one_sided(kink.x, 1)
            sides = [float(self._pick(left))] if kink.x > self.lo else []
            sides += [float(self._pick(right))] if kink.x < self.hi else []
            if sides and max(sides) > value:
                value, x = max(sides), kink.x
        scale = max(1.0, abs(value))
        plateau = _merge(_within([(p.start, p.end) for p in self.act.pieces
                                  if abs(p.slope_of(self.k) - value) <= 1e-12 * scale],
                                 self.lo, self.hi))
        if plateau:
            longest = max(plateau, key=lambda iv: iv[1] - iv[0])
            return MaxGradient(value, None, longest, False, plateau)
        edge = x in (self.lo, self.hi)
        return MaxGradient(value, x, None, edge)

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
        minima, maxima = [], []
        for i, j in self._brackets():
            root = self.bisect(lambda t: self.at(t, 1) > 0, float(self.xs[i]), float(self.xs[j]))
            point = (root, self.at(root, 0))
            (minima if self.d[i] < 0 else maxima).append(point)
        return tuple(minima), tuple(maxima)

    def _negative(self) -> tuple[Interval, ...]:
        negative = self.d < 0
        found = []
        i = 0
        n = len(self.xs)
        while i < n:
            if not negative[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and negative[j + 1]:
                j += 1
            start = self.lo if i == 0 else self.bisect(
                lambda t: self.at(t, 1) < 0, float(self.xs[i - 1]), float(self.xs[i]))
            end = self.hi if j == n - 1 else self.bisect(
                lambda t: self.at(t, 1) < 0, float(self.xs[j]), float(self.xs[j + 1]))
            if start < end:
                found.append((start, end))
            i = j + 1
        return _merge(found)


def _intersect(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    return _merge([(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b
                   if max(s1, s2) < min(e1, e2)])


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
        non_monotonic=_merge([iv for p in parts for iv in p.non_monotonic]),
        kinks=first.kinks, jumps=first.jumps,
    )


def _analyze_vector(act: Activation, bounds: Interval, tau: float) -> Analysis:
    xs = np.linspace(bounds[0], bounds[1], GRID)
    _, d = act.evaluate(xs, 1)
    best = int(np.argmax(d))
    negative = np.flatnonzero(d < 0)
    runs: list[Interval] = []
    if negative.size:
        splits = np.split(negative, np.flatnonzero(np.diff(negative) > 1) + 1)
        runs = [(float(xs[r[0]]), float(xs[r[-1]])) for r in splits]
    return Analysis(
        spec=act.spec, range=bounds, saturation_threshold=tau, saturation=(), dead=(),
        max_gradient=MaxGradient(float(d[best]), float(xs[best]), None,
                                 best in (0, len(xs) - 1)),
        minima=(), maxima=(), non_monotonic=tuple(runs), kinks=(), jumps=(),
    )
