"""Jets of products, quotients, elementary and catalog functions: the chain rule with error
bounds (:mod:`.jet`), in the first pass (relative bounds) and the precise one."""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..catalog._core import Activation
from . import jet as J

if TYPE_CHECKING:
    from .nodes import CallNode

Jet = list  # [(value, error)] * (order + 1); see :mod:`.jet`


# --- jets: products, quotients, functions, selections ------------------------------------------

def jet_times(u: Jet, w: Jet, order: int) -> Jet:
    out = [J.mul(u[0], w[0])]
    if order >= 1:
        out.append(J.add(J.mul(u[1], w[0], True), J.mul(u[0], w[1], True)))
    if order >= 2:
        cross = J.scale(2.0, J.mul(u[1], w[1], True))
        out.append(J.add(J.add(J.mul(u[2], w[0], True), cross), J.mul(u[0], w[2], True)))
    return out


def jet_divide(u: Jet, w: Jet, order: int) -> Jet:
    q = J.div(u[0], w[0])
    out = [q]
    if order >= 1:
        q1 = J.div(J.add(u[1], J.mul(q, w[1], True), -1.0), w[0])
        out.append(q1)
        if order >= 2:
            top = J.add(J.add(u[2], J.scale(2.0, J.mul(q1, w[1], True)), -1.0),
                        J.mul(q, w[2], True), -1.0)
            out.append(J.div(top, w[0]))
    return out


def fast_times(u: list[J.Fast], w: list[J.Fast], order: int) -> list[J.Fast]:
    out = [J.fmul(u[0], w[0], value=True)]
    if order >= 1:
        out.append(J.fadd(J.fmul(u[1], w[0]), J.fmul(u[0], w[1])))
    if order >= 2:
        cross = J.fscale(2.0, J.fmul(u[1], w[1]))
        out.append(J.fadd(J.fadd(J.fmul(u[2], w[0]), cross), J.fmul(u[0], w[2])))
    return out


def fast_divide(u: list[J.Fast], w: list[J.Fast], order: int) -> list[J.Fast]:
    q = J.fdiv(u[0], w[0], value=True)
    out = [q]
    if order >= 1:
        q1 = J.fdiv(J.fadd(u[1], J.fmul(q, w[1]), -1.0), w[0])
        out.append(q1)
        if order >= 2:
            top = J.fadd(J.fadd(u[2], J.fscale(2.0, J.fmul(q1, w[1])), -1.0),
                         J.fmul(q, w[2]), -1.0)
            out.append(J.fdiv(top, w[0]))
    return out


Conditions = tuple[float | None, float | None, float | None]

ELEMENTARY_CONDITIONS: dict[str, Conditions] = {
    "exp": (745.0, 745.0, 745.0), "expm1": (745.0, 745.0, 745.0), "sqrt": (0.5, 0.5, 1.5),
    "abs": (1.0, 0.0, 0.0), "sinh": (711.0, 711.0, 711.0), "cosh": (711.0, 711.0, 711.0),
    "erf": (1.0, 1500.0, 1500.0), "erfc": (1500.0, 1500.0, 1500.0),
    "log": (None, 1.0, 2.0),
}
"""Bounds on the condition numbers |u g^(k+1)(u) / g^(k)(u)| of g, g', g'' wherever g^(k) is
a normal double (exp(u) for -745 < u < 710: |u| < 745); None where there is none (log near
1, sin near its zeros, log1p, tan): there it is read point by point."""


def fast_apply(fn: Callable, u: list[J.Fast], order: int, ulps: float, conditions: Any,
            exact_derivatives: bool = False) -> list[J.Fast]:
    """The first pass's g(u) for an elementary g (see :func:`jet_apply`)."""
    u0, r0 = u[0]
    dynamic = r0 is not None and any(c is None for c in conditions[:order + 1])
    gs = fn(u0, order + 1 if dynamic else order)
    comps = J.ffunction(gs, r0, u0, order, ulps, conditions, exact_derivatives,
                        _exact_argument(u0, r0))
    return J.fchain(comps, u, order)


def _exact_argument(u: Any, rho: Any) -> Any:
    """Where g's value is exact when 0: at an exact argument of 0 (sin(0), exp'(0) - 1...)
    or 1 (log(1))."""
    if rho is not None and not isinstance(rho, np.ndarray) and rho != 0:
        return False
    with np.errstate(all="ignore"):
        at = (np.asarray(u) == 0) | (np.asarray(u) == 1)
        return at if rho is None else at & (np.asarray(rho) == 0)


def fast_call(node: CallNode, u: list[J.Fast], shape: tuple[int, ...], order: int) -> list[J.Fast]:
    """The first pass's g(u) for a catalog (or plugin) function (see :func:`jet_call`); the
    condition numbers are the sampled ones of :func:`_condition`, and a function whose
    condition is not bounded sends every point with an inexact argument to the precise
    pass."""
    act = node.act
    u0, r0 = u[0]
    arg = np.broadcast_to(np.asarray(u0, dtype=np.float64), shape)
    gs = act.evaluate(arg, order)
    conditions = _condition(act) if r0 is not None else (0.0, 0.0, 0.0)
    exact = _exact_argument(arg, r0)
    flat = [p for p in act.pieces if p.slope_of(0) == 0.0]
    if flat:
        inside = np.zeros(shape, bool)
        for piece in flat:
            inside |= (arg > piece.start) & (arg < piece.end)
        exact = exact | inside
    comps = J.ffunction(gs, r0, arg, order, J.CATALOG_ULPS,
                        tuple(c if c < 1e6 else np.inf for c in conditions), False, exact)
    if flat and order >= 1:  # g', g'' on a flat piece are exact: so is a 0 times anything
        comps = [comps[0]] + [(g, None if rho is None else np.where(inside, 0.0, rho))
                              for g, rho in comps[1:]]
    return J.fchain(comps, u, order)


def jet_select(mask: np.ndarray, a: J.Comp, b: J.Comp) -> J.Comp:
    """Component a where ``mask``, b elsewhere."""
    (va, ea), (vb, eb) = a, b
    if va is None and vb is None:
        return None, None
    value = np.where(mask, 0.0 if va is None else va, 0.0 if vb is None else vb)
    if ea is None and eb is None:
        return value, None
    return value, np.where(mask, 0.0 if ea is None else ea, 0.0 if eb is None else eb)


LogSize = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
"""log2 of a lower bound on |g^(k)(t)| for t within e of u: ``size(u, e, k)``, for the
functions that overflow (exp, powers), so that exp(x)/2 at x = 800 is known to overflow."""

_LOG2E = math.log2(math.e)


def _exp_size(u: np.ndarray, e: np.ndarray, k: int) -> np.ndarray:
    return (u - e) * _LOG2E


def _hyperbolic_size(u: np.ndarray, e: np.ndarray, k: int) -> np.ndarray:
    return (np.abs(u) - e) * _LOG2E - 1.001


LOG_SIZES: dict[str, LogSize] = {"exp": _exp_size, "expm1": _exp_size,
                                 "sinh": _hyperbolic_size, "cosh": _hyperbolic_size}


def jet_apply(fn: Callable, u: Jet, order: int, ulps: float,
           exact_derivatives: bool = False, size: LogSize | None = None) -> Jet:
    """The jet of g(u) for an elementary g: ``fn(u, n)`` gives g, ..., g^(n) (n <= 3); where u
    carries an error, g^(k+1) bounds what it does to g^(k)."""
    u0, e0 = u[0]
    gs = fn(u0, order + 1 if e0 is not None else order)
    comps = J.function(gs, e0, order, ulps, exact_derivatives=exact_derivatives)
    comps = _exact_points(u0, e0, comps)
    comps = _deep_zeros(fn, u0, comps)
    if not (J.finite(u0) and all(J.finite(c[0]) for c in comps if c[0] is not None)):
        comps = _non_finite(fn, u0, e0, comps, order, size)
    return J.chain(comps, u, order)


def _exact_points(u: Any, e_u: Any, comps: list[J.Comp]) -> list[J.Comp]:
    """At an exact argument of 0 or 1, a value of g^(k) that is a short binary fraction
    (0, 1, 0.5, -2, ...: 10 significant bits or fewer) is taken as exact: exp(0) = 1,
    cos(0) = 1, log(1) = 0, sigmoid(0) = 0.5, tanh'(0) = 1, so that sigmoid(x) - 0.5 and
    log(exp(x)) are exact at x = 0 rather than a cancellation of rounding errors."""
    if np.ndim(u) == 0:
        return comps
    special = (u == 0) | (u == 1)
    if e_u is not None:
        special &= np.asarray(e_u) == 0
    if not special.any():
        return comps
    out = list(comps)
    for k, (g, e) in enumerate(comps):
        if g is None or e is None or np.ndim(g) == 0:
            continue
        at = np.broadcast_to(np.asarray(g, dtype=np.float64), special.shape)[special]
        scaled = at * 1024.0
        short = np.isfinite(at) & (np.abs(at) <= 1024.0) & (scaled == np.round(scaled))
        if short.any():
            mask = np.zeros(special.shape, bool)
            mask[np.flatnonzero(special)[short]] = True
            out[k] = (g, np.where(mask, 0.0, e))
    return out


DEEP_ZEROS = contextvars.ContextVar("DEEP_ZEROS", default=True)
"""Whether :func:`_deep_zeros` takes a value decayed to 0 as exact (off while
:mod:`.explain` looks for what went wrong: 0/0 of two such values)."""


def _deep_zeros(fn: Callable, u: Any, comps: list[J.Comp],
                skip: np.ndarray | None = None) -> list[J.Comp]:
    """A g^(k) that is 0 at u and at u/1024 too has decayed to 0 (exp(-1e300), softplus'' at
    1e16): its true value lies far below the smallest double (below ETA^1024 for an
    exponential tail), and its error is taken as 0, not as the rounding of an underflow
    (which, times x = 1e300, would be 5e-24)."""
    out = list(comps)
    if not DEEP_ZEROS.get():
        return out
    for k, (g, e) in enumerate(comps):
        if g is None or e is None or np.ndim(g) == 0:
            continue
        zero = (g == 0) & (e != 0) & np.isfinite(e)
        if skip is not None:
            zero &= ~skip
        if not zero.any():
            continue
        uu = np.broadcast_to(np.asarray(u, dtype=np.float64), zero.shape)
        half = np.asarray(fn(uu[zero] / 1024.0, k)[k], dtype=np.float64)
        deep = np.zeros(zero.shape, bool)
        deep[zero] = half == 0
        if deep.any():
            out[k] = (g, np.where(deep, 0.0, e))
    return out


def _non_finite(fn: Callable, u: Any, e_u: Any, comps: list[J.Comp],
                order: int, size: LogSize | None = None) -> list[J.Comp]:
    """The errors of g^(k)(u) where u or g^(k)(u) is not finite: where u overflowed (error 0),
    g^(k) lies between its values at the largest double and at infinity; where g^(k)
    overflows at a finite u, it is an overflow if it also does at both ends of u's error
    interval; anything else is unknown."""
    exact = e_u is None
    u = np.asarray(u, dtype=np.float64)
    e_u = np.zeros(u.shape) if e_u is None else np.broadcast_to(
        np.asarray(e_u, dtype=np.float64), u.shape)
    out: list[J.Comp] = []
    for k, (g, e) in enumerate(comps):
        if g is None:
            out.append((g, e))
            continue
        g = np.asarray(g, dtype=np.float64)
        e = np.array(np.broadcast_to(np.asarray(0.0 if e is None else e, dtype=np.float64),
                                     np.broadcast_shapes(g.shape, u.shape)))
        g = np.broadcast_to(g, e.shape)
        uu, ee = np.broadcast_to(u, e.shape), np.broadcast_to(e_u, e.shape)
        far = np.isinf(uu)
        over = np.isfinite(uu) & np.isinf(g)
        e[np.isnan(uu)] = np.inf
        if far.any():
            at_big = np.asarray(fn(np.copysign(J.BIG, uu[far]), k)[k], dtype=np.float64)
            gap = np.abs(np.broadcast_to(g[far], at_big.shape) - at_big)
            gap[np.isinf(at_big) & (at_big == g[far])] = 0.0
            e[far] = np.where(ee[far] <= 0, np.where(np.isnan(gap), np.inf, gap), np.inf)
            if k:  # g' = 0 on its way to inf and at it: a flat piece (relu' at -inf)
                flat = np.zeros(e.shape, bool)
                flat[far] = (gap == 0) & (at_big == 0) & (ee[far] <= 0)
                e[flat] = J.STRUCTURAL
        if over.any():
            sides = [np.asarray(fn(uu[over] + s * ee[over], k)[k], dtype=np.float64)
                     for s in (-1.0, 1.0)]
            same = (sides[0] == g[over]) & (sides[1] == g[over])
            if exact is False:  # at an argument of 0 that is not x's own: a pole of g, or a
                same &= uu[over] != 0  # value that underflowed to 0 (log(exp(-1e300)))
            bound: Any = 0.0
            if size is not None:
                with np.errstate(all="ignore"):
                    low = np.asarray(size(uu[over], ee[over], k), dtype=np.float64)
                bound = np.where(low > J.LOG2_BIG, -np.minimum(low, 1e300), 0.0)
            e[over] = np.where(same, bound, np.inf)
        e[np.isnan(g)] = np.inf
        out.append((g, e))
    return out


def jet_call(node: CallNode, u: Jet, shape: tuple[int, ...], order: int) -> Jet:
    """The jet of a catalog (or plugin, or scope) function g applied to u. A formula inside
    (a scope's definition) brings its own error bounds; a kernel is trusted to
    ``CATALOG_ULPS``. Where u carries an error, g^(k+1) bounds what it does to g^(k); for the
    highest derivative asked for, whose next one the kernel does not give, only where the
    function's sampled condition number says it may matter (see :func:`_condition`)."""
    act = node.act
    u0, e0 = u[0]
    arg = np.broadcast_to(np.asarray(u0, dtype=np.float64), shape)
    inner = getattr(act, "_bound", None)
    if inner is not None:  # a formula: its own bounds
        comps = inner.root.jet(arg, order)
        if e0 is not None:
            gs = [c[0] for c in comps]
            top = _top_sensitivity(act, arg, e0, gs[order], order)
            comps = [(g, ge) if g is None else
                     (g, J.plus(ge, top if k == order else J.times_abs(gs[k + 1], e0)))
                     for k, (g, ge) in enumerate(comps)]
    else:
        gs = list(act.evaluate(arg, order))
        top = None if e0 is None else _top_sensitivity(act, arg, e0, gs[order], order)
        comps = J.function(gs, e0, order, J.CATALOG_ULPS, top=top)
        comps = _exact_on_pieces(act, arg, comps)
        comps = _exact_points(arg, e0, comps)
        comps = _deep_zeros(lambda v, n: act.evaluate(v, n), arg, comps)
    if not (J.finite(u0) and all(J.finite(c[0]) for c in comps if c[0] is not None)):
        comps = _non_finite(lambda v, n: act.evaluate(np.asarray(v, dtype=np.float64), n),
                            arg, e0, comps, order)
    return J.chain(comps, u, order)


def _exact_on_pieces(act: Activation, u: np.ndarray, comps: list[J.Comp]) -> list[J.Comp]:
    """g, g' and g'' are exact where u lies inside a flat piece of g (relu = relu' = 0 for
    u < 0), g' and g'' structurally (``STRUCTURAL``), so that such a 0 wins over an overflow
    in the chain rule."""
    flat = [p for p in act.pieces if p.slope_of(0) == 0.0]
    if len(comps) < 2 or not flat:
        return comps
    inside = np.zeros(u.shape, bool)
    for piece in flat:
        inside |= (u > piece.start) & (u < piece.end)
    if not inside.any():
        return comps
    out = list(comps)
    for k in range(len(comps)):
        g, e = comps[k]
        if g is not None and e is not None:
            out[k] = (g, np.where(inside, J.STRUCTURAL if k else 0.0, e))
    return out


NEGLIGIBLE = 2.0 ** -40
"""A relative change of g^(k) below this (9e-13) is left out of the error bound of g^(k)."""

_CONDITIONS: dict[Any, tuple[float, float, float]] = {}


def _condition(act: Activation) -> tuple[float, float, float]:
    """max |u g^(k+1)(u) / g^(k)(u)| for k = 0, 1, 2 over u in [-50, 50] and out to +-1e300,
    where g^(k) is not 0 (the third derivative by central differences): how much a relative
    error of u can grow in g, g', g''. Computed once per function and parameters."""
    key = (act.name, tuple(sorted((k, repr(v)) for k, v in act.params.items())),
           getattr(act, "flavor", None))
    if key not in _CONDITIONS:
        u = np.concatenate([np.linspace(-50.0, 50.0, 4001),
                            -np.logspace(-300, 300, 601), np.logspace(-300, 300, 601)])
        with np.errstate(all="ignore"):
            gs = list(act.evaluate(u, 2))
            h = 2.0 ** -20 * np.maximum(1.0, np.abs(u))
            gs.append((act.evaluate(u + h, 2)[2] - act.evaluate(u - h, 2)[2]) / (2.0 * h))
            found = []
            for k in range(3):
                g, nxt = np.abs(gs[k]), np.abs(gs[k + 1])
                ok = (g > 1e-290) & np.isfinite(g) & np.isfinite(nxt)
                ratio = np.abs(u[ok]) * nxt[ok] / g[ok]
                found.append(float(ratio.max()) if ratio.size else 0.0)
        _CONDITIONS[key] = (found[0], found[1], found[2])
    return _CONDITIONS[key]


def _top_sensitivity(act: Activation, u: np.ndarray, e_u: Any, g_top: Any,
                     order: int) -> Any:
    """A bound on |g^(order)(u + d) - g^(order)(u)| for |d| <= e_u: from g^(order+1) (or, for
    g'', from g'' itself at u -+ e_u) where the condition number of g^(order) says it may
    exceed ``NEGLIGIBLE`` relative; None where it cannot."""
    cond = _condition(act)[order]
    e = np.broadcast_to(np.asarray(e_u, dtype=np.float64), u.shape)
    need = (cond * e > NEGLIGIBLE * np.abs(u)) | ~np.isfinite(e)
    if not need.any():
        return None
    at, err = u[need], e[need]
    sens = np.zeros(u.shape)
    with np.errstate(all="ignore"):
        if order < 2:
            sens[need] = np.abs(act.evaluate(at, order + 1)[order + 1]) * err
        else:
            g = np.broadcast_to(np.asarray(g_top, dtype=np.float64), u.shape)[need]
            sides = [act.evaluate(at + s * err, 2)[2] for s in (-1.0, 1.0)]
            change = np.maximum(np.abs(sides[0] - g), np.abs(sides[1] - g))
            sens[need] = np.where(np.isnan(change), np.inf, change)
    return sens

