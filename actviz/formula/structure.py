"""Kinks, linear pieces and poles from the structure of a bound formula."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from . import jet as J
from .intervals import Affine, complement_of, crossings, merge_pieces, overlay, point_inside
from .nodes import (
    Comparison,
    Condition,
    ConstNode,
    NegNode,
    Node,
    PowerNode,
    ProductNode,
    SumNode,
    XNode,
)


class StructureSearch:
    """One computation of kinks and pieces on [lo, hi]; non-linear crossings are searched on
    [wlo, whi]."""

    def __init__(self, lo: float, hi: float, wlo: float, whi: float):
        self.lo, self.hi, self.wlo, self.whi = lo, hi, wlo, whi
        self.numeric = False
        self._affine: dict[int, list[Affine]] = {}
        self._kink_candidates: dict[int, list[tuple[float, str]]] = {}
        self._poles: dict[int, list[float]] = {}
        self._zeros: dict[int, list[float]] = {}
        self._segments: dict[int, list[tuple[float, float, bool]]] = {}
        # The caches are keyed by id(node); the nodes are kept here, so that a temporary
        # node freed during the computation cannot pass its id, and its cached result, on
        # to a new one.
        self._alive: list[Any] = []

    def affine(self, node: Node) -> list[Affine]:
        key = id(node)
        if key not in self._affine:
            self._alive.append(node)
            self._affine[key] = merge_pieces(node.affine(self))
        return self._affine[key]

    def kink_candidates(self, node: Node) -> list[tuple[float, str]]:
        key = id(node)
        if key not in self._kink_candidates:
            self._alive.append(node)
            self._kink_candidates[key] = node.kink_candidates(self)
        return self._kink_candidates[key]

    def poles(self, node: Node) -> list[float]:
        key = id(node)
        if key not in self._poles:
            self._alive.append(node)
            self._poles[key] = node.poles(self)
        return self._poles[key]

    def zeros(self, node: Node) -> list[float]:
        key = id(node)
        if key not in self._zeros:
            self._alive.append(node)
            self._zeros[key] = node.zeros(self)
        return self._zeros[key]

    def segments(self, cond: Condition) -> list[tuple[float, float, bool]]:
        """(start, end, truth) where the condition's truth is known and constant."""
        key = id(cond)
        if key not in self._segments:
            self._alive.append(cond)
            points, unknown = split(cond, self)
            cuts = sorted({p for p in points if self.lo <= p <= self.hi})
            spans = [(s, t) for s, t in itertools.pairwise(cuts) if s < t]
            reps = [point_inside(s, t) for s, t in spans]
            keep = [i for i, r in enumerate(reps) if not any(u0 < r < u1 for u0, u1 in unknown)]
            truths: np.ndarray | list[bool] = []
            if keep:
                truths = cond.truth(np.array([reps[i] for i in keep], dtype=np.float64))
            self._segments[key] = [(*spans[i], bool(v)) for i, v in zip(keep, truths,
                                                                         strict=True)]
        return self._segments[key]

    def switches(self, cond: Condition) -> list[float]:
        """The points where the condition's truth changes."""
        segs = self.segments(cond)
        return [s1[1] for s1, s2 in itertools.pairwise(segs)
                if s1[1] == s2[0] and s1[2] != s2[2]]


# --- where a condition switches ----------------------------------------------------------------

def split(cond: Condition, ctx: StructureSearch) -> tuple[list[float], list[tuple[float, float]]]:
    """Points between which the truth of ``cond`` is constant, and the intervals left
    unknown."""
    if isinstance(cond, Comparison):
        return _split_comparison(cond, ctx)
    points: list[float] = []
    unknown: list[tuple[float, float]] = []
    for child in cond.children():
        p, u = split(child, ctx)
        points += p
        unknown += u
    return points, unknown


def _nearer(cond: Comparison, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether the crossing of left = right between the neighbouring doubles a < b is
    nearer a: |left - right| is smaller there, computed exactly in rationals where both
    sides are rational in x (x*x - 2), else in float64 where the error bounds tell the
    two apart (sin(x) near pi); False (b) where nothing tells."""
    out = np.zeros(a.shape, bool)
    with np.errstate(all="ignore"):
        comps = [J.add(cond.left.jet(t, 0)[0], cond.right.jet(t, 0)[0], -1.0) for t in (a, b)]
    (ga, ea), (gb, eb) = [(np.broadcast_to(np.abs(np.asarray(v, dtype=np.float64)),
                                           a.shape),
                           np.broadcast_to(np.asarray(0.0 if e is None else e,
                                                      dtype=np.float64), a.shape))
                          for v, e in comps]
    for i in range(a.size):
        exact = [_exact_gap(cond, float(t[i])) for t in (a, b)]
        if exact[0] is not None and exact[1] is not None:
            out[i] = abs(exact[0]) < abs(exact[1])
        else:
            out[i] = ga[i] + ea[i] < gb[i] - eb[i]
    return out


def _split_comparison(cond: Comparison, ctx: StructureSearch
                      ) -> tuple[list[float], list[tuple[float, float]]]:
    diff = overlay(ctx.affine(cond.left), ctx.affine(cond.right),
                    lambda p, q: (p[0] - q[0], p[1] - q[1]))
    points = [ctx.lo, ctx.hi]
    for s, t, a, b in diff:
        points += [s, t]
        if a != 0.0:
            root = -b / a + 0.0  # + 0.0: never -0.0
            if s < root < t:
                points.append(root)
    unknown = []
    for g0, g1 in complement_of(diff, ctx.lo, ctx.hi):
        c0, c1 = max(g0, ctx.wlo), min(g1, ctx.whi)
        if c0 >= c1:
            unknown.append((g0, g1))
            continue
        if g0 < c0:
            unknown.append((g0, c0))
        if c1 < g1:
            unknown.append((c1, g1))
        ctx.numeric = True
        points += [c0, c1, *crossings(cond.truth, c0, c1, lambda a, b: _nearer(cond, a, b))]
    return points, unknown


def _exact_gap(cond: Comparison, x: float) -> Fraction | None:
    """left - right at x in exact rational arithmetic, or None if a side is not rational in x
    (a function other than +, -, *, / and integer powers)."""
    left, right = _rational(cond.left, Fraction(x)), _rational(cond.right, Fraction(x))
    return None if left is None or right is None else left - right


def _rational(node: Node, x: Fraction) -> Fraction | None:
    """The node's exact value at x, where it is rational in x; None otherwise."""
    if isinstance(node, ConstNode):
        return Fraction(node.value)
    if isinstance(node, XNode):
        return x
    if isinstance(node, NegNode):
        inner = _rational(node.arg, x)
        return None if inner is None else -inner
    if isinstance(node, SumNode):
        parts = [_rational(t, x) for _, t in node.terms]
        if any(p is None for p in parts):
            return None
        return sum((s * p for (s, _), p in zip(node.terms, parts, strict=True)
                    if p is not None), Fraction(0))
    if isinstance(node, ProductNode):
        return _rational_product(node, x)
    if isinstance(node, PowerNode) and node.c == int(node.c) and abs(node.c) <= 64:
        base = _rational(node.base, x)
        if base is None or (base == 0 and node.c < 0):
            return None
        return base ** int(node.c)
    return None


def _rational_product(node: ProductNode, x: Fraction) -> Fraction | None:
    out = Fraction(1)
    for op, factor in node.factors:
        value = _rational(factor, x)
        if value is None or (op == "/" and value == 0):
            return None
        out = out * value if op == "*" else out / value
    return out
