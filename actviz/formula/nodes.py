"""The bound tree: a formula with its parameters substituted, constants folded; each node
evaluates its jet and knows its linear pieces, kink candidates, poles and zeros."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..catalog._core import INF, Activation, Piece
from . import jet as J
from .chain import (
    ELEMENTARY_CONDITIONS,
    LOG_SIZES,
    Jet,
    fast_apply,
    fast_call,
    fast_divide,
    fast_times,
    jet_apply,
    jet_call,
    jet_divide,
    jet_select,
    jet_times,
)
from .elementary import ELEMENTARY, EXACT_DERIVATIVES
from .intervals import Affine, clip_pieces, complement_of, overlay, point_inside, side_step

if TYPE_CHECKING:
    from .structure import StructureSearch

def constant_value(node: Node) -> float:
    with np.errstate(all="ignore"):
        return float(np.asarray(node.jet(np.zeros(1), 0)[0][0]).reshape(-1)[0])


def fold(node: Any) -> Any:
    """The tree with every part without x made a constant (with its error bound): after the
    rewriting, so that the rewriter saw the parts whole."""
    if isinstance(node, (ConstNode, XNode)) or not isinstance(node, (Node, Condition)):
        return node
    if isinstance(node, Node) and node.const is not None:
        with np.errstate(all="ignore"):
            value, error = node.jet(np.zeros(1), 0)[0]
        folded = ConstNode(float(np.asarray(value).reshape(-1)[0]),
                        None if error is None else float(np.asarray(error).reshape(-1)[0]))
        folded.src = node.src
        return folded
    for name in CHILD_FIELDS.get(type(node), ()):
        value = getattr(node, name)
        if isinstance(value, list):
            setattr(node, name, [(v[0], fold(v[1])) if isinstance(v, tuple) else fold(v)
                                 for v in value])
        else:
            setattr(node, name, fold(value))
    if isinstance(node, MinMaxNode):
        node.cond = Comparison(">" if node.name == "max" else "<", node.a, node.b)
    return node


# --- bound expressions: parameters substituted, constants folded -------------------------------



class Node:
    """A bound node: evaluates its jet (values and error bounds, see :mod:`.jet`), and knows
    its linear pieces, kink candidates and poles. ``src`` is (start, end) of its text in the
    formula, where it has one."""

    const: float | None = None
    src: tuple[int, int] | None = None

    def children(self) -> tuple[Any, ...]:
        return ()

    def jet(self, x: np.ndarray, order: int) -> Jet:
        """[(value, error)] for f, f', f'' up to ``order`` (see :mod:`.jet`)."""
        raise NotImplementedError

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        """[(value, rho)] for f, f', f'' up to ``order``: the first pass, with relative
        bounds (see :mod:`.jet`); the values are those of :meth:`jet`."""
        raise NotImplementedError

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        """Where this node is linear in x (constant pieces of a smooth function included)."""
        pieces = [p for p in ctx.affine(self.children()[0]) if p[2] == 0.0] if \
            self.children() else []
        out = []
        for s, t, _, b in pieces:
            v = self.at(b)
            if math.isfinite(v):
                out.append((s, t, 0.0, v))
        return out

    def at(self, u: float) -> float:
        """This node's value for a constant argument u (one-argument nodes)."""
        with np.errstate(all="ignore"):
            return float(np.asarray(self.apply(np.array([u]), 0)[0]).reshape(-1)[0])

    def apply(self, u: np.ndarray, order: int) -> Sequence[Any]:
        raise NotImplementedError

    def kink_candidates(self, ctx: StructureSearch) -> list[tuple[float, str]]:
        return [c for child in self.children() if isinstance(child, Node)
                for c in ctx.kink_candidates(child)]

    def poles(self, ctx: StructureSearch) -> list[float]:
        """Where |f| may grow without bound (1/u and log(u) where u = 0, tan(u) where
        cos(u) = 0, ...): candidates, confirmed by :meth:`Bound.poles`."""
        return [p for child in self.children() if isinstance(child, Node)
                for p in ctx.poles(child)]

    def zeros(self, ctx: StructureSearch) -> list[float]:
        """Where this node is 0: where it changes sign (or stops being positive or
        negative), and the zeros of a factor or of the base of a power (x^2 at 0)."""
        zero = ConstNode(0.0)
        return ctx.switches(Comparison(">", self, zero)) + ctx.switches(Comparison("<", self, zero))


class ConstNode(Node):
    """A constant: exact (a number as typed, a parameter), or the value of a part of the
    formula without x, with its error bound."""

    def __init__(self, value: float, error: float | None = None) -> None:
        self.const = self.value = float(value)
        self.error = None if not error else float(error)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        return [(np.float64(self.const), self.error), (None, None), (None, None)][:order + 1]

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        rho = None if self.error is None else (
            self.error / abs(self.const) if self.const else math.inf)
        return [(np.float64(self.const), rho), (None, None), (None, None)][:order + 1]

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        return [(ctx.lo, ctx.hi, 0.0, self.value)]


class XNode(Node):
    def jet(self, x: np.ndarray, order: int) -> Jet:
        return [(x, None), (1.0, None), (None, None)][:order + 1]

    fast_jet = jet

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        return [(ctx.lo, ctx.hi, 1.0, 0.0)]


class NegNode(Node):
    def __init__(self, arg: Node) -> None:
        self.arg = arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        return [J.neg(c) for c in self.arg.jet(x, order)]

    def zeros(self, ctx: StructureSearch) -> list[float]:
        return ctx.zeros(self.arg)

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        return [J.neg(c) for c in self.arg.fast_jet(x, order)]

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        return [(s, t, -a, -b) for s, t, a, b in ctx.affine(self.arg)]


class CancelNode(Node):
    """u - u: exactly 0 (and its derivatives too) wherever u is finite, NaN elsewhere; what
    a sum of the same expression with both signs becomes (:mod:`.rewrite`)."""

    def __init__(self, arg: Node) -> None:
        self.arg = arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        return [(None, None) if v is None else (v - v, None) for v, _ in self.arg.jet(x, order)]

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        return [(None, None) if v is None else (v - v, None)
                for v, _ in self.arg.fast_jet(x, order)]

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        return [(s, t, 0.0, 0.0) for s, t, _, _ in ctx.affine(self.arg)]

    def poles(self, ctx: StructureSearch) -> list[float]:
        return []


class SumNode(Node):
    def __init__(self, terms: list[tuple[int, Node]]) -> None:
        self.terms = terms

    def children(self) -> tuple[Any, ...]:
        return tuple(t for _, t in self.terms)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        out: Jet = []
        for i, (sign, term) in enumerate(self.terms):
            jet = term.jet(x, order)
            if i == 0:
                out = jet if sign > 0 else [J.neg(c) for c in jet]
            else:
                out = [J.add(a, b, sign) for a, b in zip(out, jet, strict=True)]
        return out

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        out: list[J.Fast] = []
        for i, (sign, term) in enumerate(self.terms):
            jet = term.fast_jet(x, order)
            if i == 0:
                out = jet if sign > 0 else [J.neg(c) for c in jet]
            else:
                out = [J.fadd(a, b, sign, value=k == 0)
                       for k, (a, b) in enumerate(zip(out, jet, strict=True))]
        return out

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        sign, first = self.terms[0]
        acc = [(s, t, sign * a, sign * b) for s, t, a, b in ctx.affine(first)]
        for sign, term in self.terms[1:]:
            acc = overlay(acc, ctx.affine(term), _affine_sum(sign))
        return acc


class ProductNode(Node):
    def __init__(self, factors: list[tuple[str, Node]]) -> None:
        self.factors = factors

    def children(self) -> tuple[Any, ...]:
        return tuple(f for _, f in self.factors)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        acc = self.factors[0][1].jet(x, order)
        for op, factor in self.factors[1:]:
            jet = factor.jet(x, order)
            acc = jet_times(acc, jet, order) if op == "*" else jet_divide(acc, jet, order)
        return acc

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        acc = self.factors[0][1].fast_jet(x, order)
        for op, factor in self.factors[1:]:
            jet = factor.fast_jet(x, order)
            acc = fast_times(acc, jet, order) if op == "*" else fast_divide(acc, jet, order)
        return acc

    def poles(self, ctx: StructureSearch) -> list[float]:
        found = super().poles(ctx)
        for op, factor in self.factors:
            if op == "/":
                found += ctx.zeros(factor)
        return found

    def zeros(self, ctx: StructureSearch) -> list[float]:
        found = super().zeros(ctx)
        for op, factor in self.factors:
            if op == "*":
                found += ctx.zeros(factor)
        return found

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        acc = ctx.affine(self.factors[0][1])
        for op, factor in self.factors[1:]:
            acc = overlay(acc, ctx.affine(factor), _affine_times if op == "*" else
                           _affine_divide)
        return acc


def _affine_sum(sign: int) -> Callable[[tuple[float, float], tuple[float, float]],
                                        tuple[float, float] | None]:
    """p + sign * q, of two linear pieces (a, b)."""
    def combine(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
        return p[0] + sign * q[0], p[1] + sign * q[1]

    return combine


def _affine_times(p: tuple[float, float], q: tuple[float, float]
                  ) -> tuple[float, float] | None:
    (a1, b1), (a2, b2) = p, q
    if a1 == 0.0:
        return b1 * a2, b1 * b2
    if a2 == 0.0:
        return a1 * b2, b1 * b2
    return None


def _affine_divide(p: tuple[float, float], q: tuple[float, float]
                   ) -> tuple[float, float] | None:
    (a1, b1), (a2, b2) = p, q
    if a2 == 0.0 and b2 != 0.0:
        return a1 / b2, b1 / b2
    return None


class PowerNode(Node):
    """u ** c for a constant c."""

    def __init__(self, base: Node, c: float) -> None:
        self.base, self.c = base, c

    def children(self) -> tuple[Any, ...]:
        return (self.base,)

    def poles(self, ctx: StructureSearch) -> list[float]:
        return super().poles(ctx) + (ctx.zeros(self.base) if self.c < 0 else [])

    def zeros(self, ctx: StructureSearch) -> list[float]:
        return ctx.zeros(self.base) if self.c > 0 else []

    def jet(self, x: np.ndarray, order: int) -> Jet:
        u = self.base.jet(x, order)
        if self.c == 2.0:  # u*u: the product rule, with its error bounds
            return jet_times(u, u, order)
        return jet_apply(self.apply, u, order, J.ELEMENTARY_ULPS, size=self.size)

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        u = self.base.fast_jet(x, order)
        if self.c == 2.0:
            return fast_times(u, u, order)
        c = self.c
        return fast_apply(self.apply, u, order, J.ELEMENTARY_ULPS,
                       tuple(abs(c - k) for k in range(3)))

    def size(self, u: np.ndarray, e: np.ndarray, k: int) -> np.ndarray:
        """log2 of a lower bound on |c (c-1) ... (c-k+1) u^(c-k)| for |u| within e."""
        c = self.c
        factor = abs(math.prod(c - i for i in range(k)))
        if factor == 0:
            return np.full(np.shape(u), -np.inf)
        mag = np.abs(u) - e if c - k > 0 else np.abs(u) + e
        return (c - k) * np.log2(np.maximum(mag, 0.0)) + math.log2(factor)

    def apply(self, u: np.ndarray, order: int) -> Sequence[Any]:
        c = self.c
        if c == 2.0:
            return (u * u, 2.0 * u, 2.0, None)[:order + 1]
        if c == 0.5:
            return ELEMENTARY["sqrt"][0](u, order)
        v = np.power(u, c)
        out = [v]
        for k in range(1, order + 1):
            factor = math.prod(c - i for i in range(k))
            out.append(factor * np.power(u, c - k))
        return tuple(out)


class ExponentialNode(Node):
    """a ** w for a constant a > 0."""

    def __init__(self, a: float, exponent: Node) -> None:
        self.a, self.exponent = a, exponent
        self.log_a = math.log(a)

    def children(self) -> tuple[Any, ...]:
        return (self.exponent,)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        return jet_apply(self.apply, self.exponent.jet(x, order), order, J.ELEMENTARY_ULPS,
                      size=self.size)

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        return fast_apply(self.apply, self.exponent.fast_jet(x, order), order, J.ELEMENTARY_ULPS,
                       (745.0, 745.0, 745.0))

    def size(self, w: np.ndarray, e: np.ndarray, k: int) -> np.ndarray:
        """log2 of a lower bound on |a^w log(a)^k| for w within e."""
        log2_a = math.log2(self.a)
        least = np.minimum((w - e) * log2_a, (w + e) * log2_a)
        return least + (k * math.log2(abs(self.log_a)) if k else 0.0)

    def apply(self, w: np.ndarray, order: int) -> Sequence[Any]:
        v = np.power(self.a, w)
        out = [v]
        for _ in range(order):
            out.append(out[-1] * self.log_a)
        return tuple(out)


class GeneralPowerNode(Node):
    """u ** w = exp(w log u), both depending on x."""

    def __init__(self, base: Node, exponent: Node) -> None:
        self.base, self.exponent = base, exponent

    def children(self) -> tuple[Any, ...]:
        return (self.base, self.exponent)

    def poles(self, ctx: StructureSearch) -> list[float]:
        return super().poles(ctx) + ctx.zeros(self.base)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        """exp(w log u), composed with its error bounds; the value itself is u ** w."""
        u, w = self.base.jet(x, order), self.exponent.jet(x, order)
        log_u = jet_apply(ELEMENTARY["log"][0], u, order, J.ELEMENTARY_ULPS)
        out = jet_apply(ELEMENTARY["exp"][0], jet_times(w, log_u, order), order, J.ELEMENTARY_ULPS)
        power = np.power(u[0][0], w[0][0])
        out[0] = (np.where(np.isfinite(power) | ~np.isfinite(out[0][0]), power, out[0][0]),
                  out[0][1])
        return out

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        u, w = self.base.fast_jet(x, order), self.exponent.fast_jet(x, order)
        log_u = fast_apply(ELEMENTARY["log"][0], u, order, J.ELEMENTARY_ULPS,
                        ELEMENTARY_CONDITIONS["log"])
        out = fast_apply(ELEMENTARY["exp"][0], fast_times(w, log_u, order), order,
                      J.ELEMENTARY_ULPS, ELEMENTARY_CONDITIONS["exp"])
        power = np.power(u[0][0], w[0][0])
        out[0] = (np.where(np.isfinite(power) | ~np.isfinite(out[0][0]), power, out[0][0]),
                  out[0][1])
        return out

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        def both_constant(p: tuple[float, float], q: tuple[float, float]
                          ) -> tuple[float, float] | None:
            if p[0] != 0.0 or q[0] != 0.0:
                return None
            with np.errstate(all="ignore"):
                v = float(np.power(p[1], q[1]))
            return (0.0, v) if math.isfinite(v) else None

        return overlay(ctx.affine(self.base), ctx.affine(self.exponent), both_constant)


class ElementaryNode(Node):
    def __init__(self, name: str, arg: Node, fn: Callable | None = None) -> None:
        self.name, self.arg = name, arg
        self.fn = ELEMENTARY[name][0] if fn is None else fn

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)

    def poles(self, ctx: StructureSearch) -> list[float]:
        found = super().poles(ctx)
        if self.name == "log":
            found += ctx.zeros(self.arg)
        elif self.name == "log1p":
            found += ctx.zeros(SumNode([(1, ConstNode(1.0)), (1, self.arg)]))
        elif self.name == "tan":
            found += ctx.zeros(ElementaryNode("cos", self.arg))
        return found

    def zeros(self, ctx: StructureSearch) -> list[float]:
        if self.name in ("abs", "sqrt"):
            return ctx.zeros(self.arg)
        return super().zeros(ctx)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        return jet_apply(self.fn, self.arg.jet(x, order), order, J.ELEMENTARY_ULPS,
                      exact_derivatives=self.name in EXACT_DERIVATIVES,
                      size=LOG_SIZES.get(self.name))

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        return fast_apply(self.fn, self.arg.fast_jet(x, order), order, J.ELEMENTARY_ULPS,
                       ELEMENTARY_CONDITIONS.get(self.name, (None, None, None)),
                       exact_derivatives=self.name in EXACT_DERIVATIVES)

    def apply(self, u: np.ndarray, order: int) -> Sequence[Any]:
        return self.fn(u, order)

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        if self.name != "abs":
            return super().affine(ctx)
        out = []
        for s, t, a, b in ctx.affine(self.arg):
            if a == 0.0:
                out.append((s, t, 0.0, abs(b)))
                continue
            root = -b / a + 0.0
            for lo, hi in ((s, min(t, root)), (max(s, root), t)):
                if lo < hi:
                    sign = 1.0 if a * point_inside(lo, hi) + b > 0 else -1.0
                    out.append((lo, hi, sign * a, sign * b))
        return out

    def kink_candidates(self, ctx: StructureSearch) -> list[tuple[float, str]]:
        found = super().kink_candidates(ctx)
        if self.name == "abs":
            cross = Comparison(">", self.arg, ConstNode(0.0))
            found += [(r, "abs'(0) = 0, as PyTorch") for r in ctx.switches(cross)]
        return found


class WhereNode(Node):
    source = "where: the branch the condition picks"

    def __init__(self, cond: Condition, a: Node, b: Node) -> None:
        self.cond, self.a, self.b = cond, a, b

    def children(self) -> tuple[Any, ...]:
        return (self.cond, self.a, self.b)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        mask = np.broadcast_to(self.cond.truth(x), x.shape)
        if mask.all():
            return self.a.jet(x, order)
        if not mask.any():
            return self.b.jet(x, order)
        ja, jb = self.a.jet(x, order), self.b.jet(x, order)
        return [jet_select(mask, a, b) for a, b in zip(ja, jb, strict=True)]

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        mask = np.broadcast_to(self.cond.truth(x), x.shape)
        if mask.all():
            return self.a.fast_jet(x, order)
        if not mask.any():
            return self.b.fast_jet(x, order)
        ja, jb = self.a.fast_jet(x, order), self.b.fast_jet(x, order)
        return [J.fselect(mask, a, b) for a, b in zip(ja, jb, strict=True)]

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        out = []
        first, second = ctx.affine(self.a), ctx.affine(self.b)
        for s, t, truth in ctx.segments(self.cond):
            out += clip_pieces(first if truth else second, s, t)
        return out

    def poles(self, ctx: StructureSearch) -> list[float]:
        found = []
        for branch, wanted in ((self.a, True), (self.b, False)):
            points = ctx.poles(branch)
            if points:
                xs = np.array(points)
                delta = side_step(xs)
                near = (self.cond.truth(xs - delta) == wanted) | \
                    (self.cond.truth(xs + delta) == wanted)
                found += [p for p, keep in zip(points, near, strict=True) if keep]
        return found

    def kink_candidates(self, ctx: StructureSearch) -> list[tuple[float, str]]:
        found = [(r, self.source) for r in ctx.switches(self.cond)]
        for branch, wanted in ((self.a, True), (self.b, False)):
            points = ctx.kink_candidates(branch)
            if points:
                xs = np.array([p for p, _ in points])
                delta = side_step(xs)
                near = (self.cond.truth(xs - delta) == wanted) | \
                    (self.cond.truth(xs + delta) == wanted)
                found += [p for p, keep in zip(points, near, strict=True) if keep]
        return found


class MinMaxNode(WhereNode):
    """max(a, b) = where(a > b, a, b), min(a, b) = where(a < b, a, b): b's derivatives at a
    tie; the value propagates NaN from either side."""

    def __init__(self, name: str, a: Node, b: Node) -> None:
        super().__init__(Comparison(">" if name == "max" else "<", a, b), a, b)
        self.name = name
        self.source = f"{name}: the second argument at a tie"

    def children(self) -> tuple[Any, ...]:
        return (self.a, self.b)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        ja, jb = self.a.jet(x, order), self.b.jet(x, order)
        mask = np.broadcast_to((np.greater if self.name == "max" else np.less)(
            ja[0][0], jb[0][0]), x.shape)
        out = [jet_select(mask, a, b) for a, b in zip(ja, jb, strict=True)]
        value = (np.maximum if self.name == "max" else np.minimum)(ja[0][0], jb[0][0])
        out[0] = (value, out[0][1])  # NaN from either side
        return out

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        ja, jb = self.a.fast_jet(x, order), self.b.fast_jet(x, order)
        mask = np.broadcast_to((np.greater if self.name == "max" else np.less)(
            ja[0][0], jb[0][0]), x.shape)
        out = [J.fselect(mask, a, b) for a, b in zip(ja, jb, strict=True)]
        value = (np.maximum if self.name == "max" else np.minimum)(ja[0][0], jb[0][0])
        out[0] = (value, out[0][1])
        return out


class CallNode(Node):
    """A catalog function g applied to u: g's own evaluate, composed by the chain rule."""

    def __init__(self, act: Activation, arg: Node) -> None:
        self.act, self.arg = act, arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)

    def jet(self, x: np.ndarray, order: int) -> Jet:
        return jet_call(self, self.arg.jet(x, order), x.shape, order)

    def fast_jet(self, x: np.ndarray, order: int) -> list[J.Fast]:
        return fast_call(self, self.arg.fast_jet(x, order), x.shape, order)

    def apply(self, u: np.ndarray, order: int) -> Sequence[Any]:
        return self.act.evaluate(u, order)

    def affine(self, ctx: StructureSearch) -> list[Affine]:
        out = []
        inner = ctx.affine(self.arg)
        pieces = self.act.pieces
        for s, t, a, b in inner:
            out += self.linear_through(pieces, s, t, a, b)
        out += self.flat_between(ctx, pieces, complement_of(inner, ctx.lo, ctx.hi))
        return sorted(out)

    def linear_through(self, pieces: Sequence[Piece], s: float, t: float, a: float,
                       b: float) -> list[Affine]:
        """Where g(a*x + b) is linear on (s, t): a constant where a = 0, otherwise wherever
        a*x + b lies in one of g's linear pieces."""
        if a == 0.0:
            v = self.at(b)
            return [(s, t, 0.0, v)] if math.isfinite(v) else []
        out = []
        for piece in pieces:
            x1, x2 = (piece.start - b) / a, (piece.end - b) / a
            lo, hi = max(s, min(x1, x2)), min(t, max(x1, x2))
            if lo < hi:
                slope = float(piece.slope_of(0))
                u0 = point_inside(piece.start, piece.end)
                c = self.at(u0) - slope * u0
                out.append((lo, hi, slope * a, slope * b + c))
        return out

    def flat_between(self, ctx: StructureSearch, pieces: Sequence[Piece],
                     gaps: list[tuple[float, float]]) -> list[Affine]:
        """Where g(u) is constant inside the gaps, where u is not linear: the stretches where u
        lies inside a flat piece of g."""
        out: list[Affine] = []
        for piece in pieces:
            if not gaps or piece.slope_of(0) != 0.0:
                continue
            parts: list[Condition] = []
            if piece.start > -INF:
                parts.append(Comparison(">", self.arg, ConstNode(piece.start)))
            if piece.end < INF:
                parts.append(Comparison("<", self.arg, ConstNode(piece.end)))
            cond = parts[0] if len(parts) == 1 else AllOf(parts)
            value = self.at(point_inside(piece.start, piece.end))
            for s, t, truth in ctx.segments(cond):
                if truth:
                    out += [(lo, hi, 0.0, value) for lo, hi in
                            ((max(s, g0), min(t, g1)) for g0, g1 in gaps) if lo < hi]
        return out

    def poles(self, ctx: StructureSearch) -> list[float]:
        found = super().poles(ctx)
        for pole in self.act.poles:
            shifted = SumNode([(1, self.arg), (-1, ConstNode(pole))])
            found += ctx.zeros(shifted)
        return found

    def kink_candidates(self, ctx: StructureSearch) -> list[tuple[float, str]]:
        found = super().kink_candidates(ctx)
        name = self.act.name
        for kink in self.act.kinks:
            cross = Comparison(">", self.arg, ConstNode(kink.x))
            source = f"{name}: {kink.source}" if kink.source else name
            found += [(r, source) for r in ctx.switches(cross)]
        return found


# --- conditions --------------------------------------------------------------------------------

class Condition:
    """A bound condition: its truth on an array, and where it may switch."""

    const: bool | None = None

    def children(self) -> tuple[Any, ...]:
        return ()

    def truth(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError


_OPS: dict[str, Callable] = {"<": np.less, "<=": np.less_equal, ">": np.greater,
                             ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal}


class Comparison(Condition):
    def __init__(self, op: str, left: Node, right: Node) -> None:
        self.op, self.left, self.right = op, left, right

    def children(self) -> tuple[Any, ...]:
        return (self.left, self.right)

    def truth(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.broadcast_to(_OPS[self.op](self.left.fast_jet(x, 0)[0][0],
                                                 self.right.fast_jet(x, 0)[0][0]), np.shape(x))


class AllOf(Condition):
    def __init__(self, items: list[Condition]) -> None:
        self.items = items

    def children(self) -> tuple[Any, ...]:
        return tuple(self.items)

    def truth(self, x: np.ndarray) -> np.ndarray:
        out = self.items[0].truth(x)
        for item in self.items[1:]:
            out = out & item.truth(x)
        return out


class AnyOf(AllOf):
    def truth(self, x: np.ndarray) -> np.ndarray:
        out = self.items[0].truth(x)
        for item in self.items[1:]:
            out = out | item.truth(x)
        return out


class NotCondition(Condition):
    def __init__(self, arg: Condition) -> None:
        self.arg = arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)

    def truth(self, x: np.ndarray) -> np.ndarray:
        return ~self.arg.truth(x)


CHILD_FIELDS: dict[type, tuple[str, ...]] = {
    SumNode: ("terms",), ProductNode: ("factors",), NegNode: ("arg",),
    ElementaryNode: ("arg",), CallNode: ("arg",), CancelNode: ("arg",), PowerNode: ("base",),
    ExponentialNode: ("exponent",), GeneralPowerNode: ("base", "exponent"),
    MinMaxNode: ("a", "b"), WhereNode: ("cond", "a", "b"),
    Comparison: ("left", "right"), NotCondition: ("arg",), AllOf: ("items",), AnyOf: ("items",),
}
"""The attributes of each kind of node that hold its children (a node, or a list of nodes
or of (sign or operator, node) pairs)."""

