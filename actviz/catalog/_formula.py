r"""User formulas: a safe parser, second-order forward-mode differentiation over the catalog's
kernels, kinks and linear pieces from the expression's structure, and limits at +-inf.

A formula is an expression in ``x`` with optional named parameters and their defaults after
';', for example ``x*sigmoid(beta*x); beta=1.5``. The grammar, from loosest to tightest::

    condition:  a or b,  a and b,  not a,  comparisons < <= > >= == != (chains allowed)
    value:      a + b,  a - b,  a * b,  a / b,  -a,  a ** b  (or a ^ b; right-associative,
                and -x**2 is -(x**2) as in Python), numbers (1, 2.5, 1e-3), x, pi, e,
                parameters, (parentheses), function calls
    functions:  exp log log1p expm1 sqrt abs sin cos tan sinh cosh erf erfc, min(a, b),
                max(a, b), where(condition, a, b), and every catalog function by name or
                alias with its parameters as keywords: elu(x, alpha=0.5), sigmoid(1.702*x),
                gelu(x, approximate=tanh). Names defined in a scope (a configuration's
                ``define:``) and plugins work the same way.

Parsing is a small recursive-descent parser of its own over a whitelist of tokens, not
Python's ``ast``: ``^`` is a power here (in Python it is a bitwise xor, with the wrong
precedence), every error can name its column in the text as typed, and the limits below are
enforced while parsing, before any work grows with the input. Nothing is ever ``eval``-ed.
Limits: at most ``MAX_LENGTH`` characters (checked first, in constant time), nesting depth
``MAX_DEPTH`` (parentheses, calls, unary signs and exponents each count), ``MAX_NODES``
nodes, and constant exponents of magnitude at most ``MAX_EXPONENT``. All arithmetic is
float64, so a power costs the same whatever its size; a constant part that overflows
(``9**9**9``) is refused.

Evaluation passes ``(value, d/dx, d2/dx2)`` up the tree (only up to the requested order),
each with a bound on its error (:mod:`._jet`). Derivatives that are exactly zero (of
constants) are carried as ``None`` and skipped, and linear terms carry their slope as a
number. A catalog function g contributes its own ``evaluate(u, order)`` and the chain rule
composes it: (g o u)' = g'(u) u', (g o u)'' = g''(u) u'^2 + g'(u) u''. A first pass
(:meth:`B.fast`) carries relative bounds, mostly single numbers; the points it cannot vouch
for go through the precise pass (:meth:`B.ev`), whose absolute bounds follow overflows and
underflows, and where a value's bound exceeds ``TOL`` (1e-10; beyond the slack next to a
zero) the value is NaN: :meth:`FormulaActivation.why` says what the formula as typed does
there (:mod:`._explain`). In a product that is part of a derivative, an exact zero wins over
an overflowed factor (g'(u) = 0 exactly where u' overflowed is 0, not NaN). Conventions at the
points where a derivative does not exist: abs'(0) = 0 (as PyTorch); ``max(a, b)`` and
``min(a, b)`` take the derivatives of b at a tie, so ``max(x, 0)`` is relu with relu'(0) = 0
(PyTorch's ``torch.maximum`` would give 1/2); ``where`` takes the branch its condition picks;
a catalog function its own convention.

Before evaluation, the bound tree is rewritten (:mod:`._rewrite`): the idioms that lose digits
as typed (log(1 + exp(u)), 1/(1 + exp(-u)), u/(1 + abs(u)), 1 - tanh(u)^2, ...) become their
stable forms, whatever their spelling, and named formulas called inside are put in place.

Kinks and linear pieces come from the structure. A kink k of a catalog function applied to
an argument that is linear, a*x + b, on a stretch, lies at x = (k - b)/a there, computed
exactly; abs, min, max, where and comparisons add the points where their arguments cross,
exactly where the arguments are linear. Elsewhere the crossings are found by a grid of
``GRID`` points and bisection (two crossings closer than the grid spacing can be missed), on
the range asked for, or on the window [-``WINDOW``, ``WINDOW``] for :attr:`Activation.kinks`;
the activation's ``kinks_exact`` is then False. The order of each kink (0: f jumps, 1: f'
jumps, 2: f'' jumps) is read from one-sided values of f, f', f'' extrapolated to the point
from both sides; a point where none of them jumps is reported as order 3 (a higher
derivative may jump), unless the function is linear across it.

Limits at +-inf are read from the values at x = +-1e20, 1e40, 1e80, 1e160 and 1e300 (see
:func:`actviz.catalog._plugins.sampled_limits`): a finite limit when the values approach the
last one and the last two agree to 1e-12, an infinite one when they grow in magnitude with one
sign, and NaN (no limit known) otherwise, e.g. for sin(x) or log(x) at -inf. Propagating limits
through the tree would fail on the very formulas people write (x*sigmoid(x) is 0*inf at -inf).

Poles (1/u, log(u), a negative power of u where u = 0; tan(u) where cos(u) = 0; a catalog
function's pole under u) are found like kinks and confirmed where |f| grows without bound
toward them (:meth:`Bound.poles`); kinks and poles found by bisection are the doubles nearest
the true points (:func:`_crossings`).
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import keyword
import math
import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .._suggest import did_you_mean
from ..errors import (
    ActvizError,
    FormulaError,
    NotFiniteError,
    ParameterError,
    UnknownActivationError,
)
from . import _jet as J
from ._core import (
    ALIASES,
    INF,
    REGISTRY,
    Activation,
    Definition,
    Kink,
    Param,
    Piece,
    format_number,
    normalize,
)
from ._core import (
    definition as lookup_definition,
)
from ._elementary import ELEMENTARY, EXACT_DERIVATIVES
from ._plugins import RESERVED, sampled_limits

MAX_LENGTH = 4096
MAX_DEPTH = 32
MAX_NODES = 500
MAX_EXPONENT = 1000.0
WINDOW = 50.0
GRID = 2049
FAMILY = "formula"
TEXT_D = "computed exactly from the formula (forward-mode differentiation of second order)"
LATEX_D = r"f'(x):\ \mathrm{computed\ exactly\ from\ the\ formula}"

Jet = list  # [(value, error)] * (order + 1); see :mod:`._jet`


# --- jets: products, quotients, functions, selections ------------------------------------------

def _times(u: Jet, w: Jet, order: int) -> Jet:
    out = [J.mul(u[0], w[0])]
    if order >= 1:
        out.append(J.add(J.mul(u[1], w[0], True), J.mul(u[0], w[1], True)))
    if order >= 2:
        cross = J.scale(2.0, J.mul(u[1], w[1], True))
        out.append(J.add(J.add(J.mul(u[2], w[0], True), cross), J.mul(u[0], w[2], True)))
    return out


def _divide(u: Jet, w: Jet, order: int) -> Jet:
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


def _ftimes(u: list[J.Fast], w: list[J.Fast], order: int) -> list[J.Fast]:
    out = [J.fmul(u[0], w[0], value=True)]
    if order >= 1:
        out.append(J.fadd(J.fmul(u[1], w[0]), J.fmul(u[0], w[1])))
    if order >= 2:
        cross = J.fscale(2.0, J.fmul(u[1], w[1]))
        out.append(J.fadd(J.fadd(J.fmul(u[2], w[0]), cross), J.fmul(u[0], w[2])))
    return out


def _fdivide(u: list[J.Fast], w: list[J.Fast], order: int) -> list[J.Fast]:
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


def _fapply(fn: Callable, u: list[J.Fast], order: int, ulps: float, conditions: Any,
            exact_derivatives: bool = False) -> list[J.Fast]:
    """The first pass's g(u) for an elementary g (see :func:`_apply`)."""
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


def _fcall(node: BCall, u: list[J.Fast], shape: tuple[int, ...], order: int) -> list[J.Fast]:
    """The first pass's g(u) for a catalog (or plugin) function (see :func:`_call`); the
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


def _select(mask: np.ndarray, a: J.Comp, b: J.Comp) -> J.Comp:
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


def _apply(fn: Callable, u: Jet, order: int, ulps: float,
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
:mod:`._explain` looks for what went wrong: 0/0 of two such values)."""


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


def _call(node: BCall, u: Jet, shape: tuple[int, ...], order: int) -> Jet:
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
        comps = inner.root.ev(arg, order)
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


SPECIAL_FUNCTIONS = ("min", "max", "where")
CONSTANTS = {"pi": math.pi, "e": math.e}
_KEYWORD_HINTS = {
    "if": "; write where(condition, a, b)", "else": "; write where(condition, a, b)",
    "lambda": "; a formula is an expression in x, not Python code",
    "import": "; a formula is an expression in x, not Python code",
}


# --- errors ------------------------------------------------------------------------------------

def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:97] + "..."


def _error(text: str, message: str, col: int, tail: str = ".") -> FormulaError:
    """``in 'TEXT': MESSAGE at column N.`` (1-based column) with an optional tail."""
    return FormulaError(f"in '{_shown(text)}': {message} at column {col + 1}{tail}")


# --- tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|<=|>=|==|!=|[-+*/^(),<>=])"
)
_SPACE = re.compile(r"\s+")
_CHAR_HINTS = {
    "'": "strings are not allowed", '"': "strings are not allowed",
    "[": "brackets are not allowed; group with parentheses",
    "]": "brackets are not allowed; group with parentheses",
    "{": "braces are not allowed; group with parentheses",
    "}": "braces are not allowed; group with parentheses",
    ":": "':' is not allowed; parameters follow ';', as in 'x*sigmoid(beta*x); beta=1.5'",
    "&": "'&' is not allowed; write 'and' in a condition",
    "|": "'|' is not allowed; write 'or' in a condition, abs(...) for an absolute value",
    "~": "'~' is not allowed; write 'not' in a condition",
    "#": "comments are not allowed", "@": "'@' is not allowed", "%": "'%' is not allowed",
    "!": "'!' is not allowed; write 'not' or '!='", ";": "a second ';' is not allowed",
    "\\": "backslashes are not allowed",
}


def _tokens(text: str, start: int, stop: int) -> list[tuple[str, str, int]]:
    """(kind, text, column) for text[start:stop]; kind is num, name, op or end."""
    found: list[tuple[str, str, int]] = []
    pos = start
    while True:
        space = _SPACE.match(text, pos, stop)
        if space:
            pos = space.end()
        if pos >= stop:
            found.append(("end", "", pos))
            return found
        match = _TOKEN.match(text, pos, stop)
        if match is None:
            char = text[pos]
            if char == "." and found and (found[-1][0] == "name" or found[-1][1] == ")"):
                message = "attribute access ('.') is not allowed"
            else:
                message = _CHAR_HINTS.get(char, f"unexpected character {char!r}")
            raise _error(text, message, pos)
        found.append((match.lastgroup or "", match.group(), pos))
        pos = match.end()


# --- the parsed expression ---------------------------------------------------------------------

class Expr:
    """A node of a parsed formula; ``col`` and ``end`` delimit its text."""

    col: int = 0
    end: int = 0
    condition = False

    def children(self) -> tuple[Expr, ...]:
        return ()

    def bind(self, env: _Env) -> B:
        raise NotImplementedError

    def tex(self) -> tuple[str, int]:
        raise NotImplementedError

    def uses_x(self) -> bool:
        return any(child.uses_x() for child in self.children())


def _constant_value(node: B) -> float:
    with np.errstate(all="ignore"):
        return float(np.asarray(node.ev(np.zeros(1), 0)[0][0]).reshape(-1)[0])


def _fold(node: Any) -> Any:
    """The tree with every part without x made a constant (with its error bound): after the
    rewriting, so that the rewriter saw the parts whole."""
    if isinstance(node, (BConst, BVar)) or not isinstance(node, (B, C)):
        return node
    if isinstance(node, B) and node.const is not None:
        with np.errstate(all="ignore"):
            value, error = node.ev(np.zeros(1), 0)[0]
        folded = BConst(float(np.asarray(value).reshape(-1)[0]),
                        None if error is None else float(np.asarray(error).reshape(-1)[0]))
        folded.src = node.src
        return folded
    for name in _CHILD_FIELDS.get(type(node), ()):
        value = getattr(node, name)
        if isinstance(value, list):
            setattr(node, name, [(v[0], _fold(v[1])) if isinstance(v, tuple) else _fold(v)
                                 for v in value])
        else:
            setattr(node, name, _fold(value))
    if isinstance(node, BMinMax):
        node.cond = CCmp(">" if node.name == "max" else "<", node.a, node.b)
    return node


def _leaf(bound: B, node: Expr) -> B:
    bound.src = (node.col, node.end)
    return bound


class Num(Expr):
    def __init__(self, value: float):
        self.value = value

    def bind(self, env):
        return _leaf(BConst(self.value), self)

    def tex(self):
        return _tex_number(self.value), 9


class Var(Expr):
    def uses_x(self):
        return True

    def bind(self, env):
        return _leaf(BVar(), self)

    def tex(self):
        return "x", 9


class Named(Expr):
    """pi or e."""

    def __init__(self, name: str):
        self.name = name

    def bind(self, env):
        return _leaf(BConst(CONSTANTS[self.name]), self)

    def tex(self):
        return (r"\pi" if self.name == "pi" else "e"), 9


class ParamRef(Expr):
    def __init__(self, name: str):
        self.name = name

    def bind(self, env):
        return _leaf(BConst(float(env.params[self.name])), self)

    def tex(self):
        return _tex_name(self.name), 9


class Neg(Expr):
    def __init__(self, arg: Expr):
        self.arg = arg

    def children(self):
        return (self.arg,)

    def bind(self, env):
        return env.fold(BNeg(self.arg.bind(env)), self)

    def tex(self):
        return "-" + _wrap(self.arg, 7), 6


class Sum(Expr):
    def __init__(self, terms: list[tuple[int, Expr]]):
        self.terms = terms

    def children(self):
        return tuple(t for _, t in self.terms)

    def bind(self, env):
        return env.fold(BSum([(s, t.bind(env)) for s, t in self.terms]), self)

    def tex(self):
        parts = []
        for i, (sign, term) in enumerate(self.terms):
            if i == 0:
                parts.append(("-" + _wrap(term, 7)) if sign < 0 else _wrap(term, 4))
            else:
                parts.append((" - " if sign < 0 else " + ") + _wrap(term, 5, no_sign=True))
        return "".join(parts), 4


class Prod(Expr):
    def __init__(self, factors: list[tuple[str, Expr]]):
        self.factors = factors

    def children(self):
        return tuple(f for _, f in self.factors)

    def bind(self, env):
        factors = [(op, f.bind(env)) for op, f in self.factors]
        for (op, bound), (_, node) in zip(factors, self.factors, strict=True):
            if op == "/" and bound.const == 0.0:
                raise env.error("division by 0", node)
        return env.fold(BProd(factors), self)

    def tex(self):
        raw, prec = self.factors[0][1].tex()
        text = rf"\left({raw}\right)" if prec < 5 else raw
        for op, factor in self.factors[1:]:
            if op == "/":
                text, prec = rf"\frac{{{raw}}}{{{factor.tex()[0]}}}", 8
                raw = text
            else:
                right = _wrap(factor, 5, no_sign=True)
                sep = r" \cdot " if right[:1].isdigit() or right.startswith(r"\frac") else r"\,"
                text, prec = text + sep + right, 5
                raw = text
        return text, min(prec, 5) if len(self.factors) > 1 else prec


class Pow(Expr):
    def __init__(self, base: Expr, exponent: Expr):
        self.base, self.exponent = base, exponent

    def children(self):
        return (self.base, self.exponent)

    def bind(self, env):
        base, exponent = self.base.bind(env), self.exponent.bind(env)
        if exponent.const is not None:
            c = exponent.const
            if abs(c) > MAX_EXPONENT:
                raise env.error(f"the exponent {format_number(c)} is too large (at most "
                                f"{format_number(MAX_EXPONENT)} in magnitude)",
                                self.exponent)
            if c == 1.0:
                return base
            if c == 0.0:
                return BConst(1.0)
            return env.fold(BPowConst(base, c), self)
        if base.const is not None:
            if base.const <= 0.0:
                raise env.error(f"a power of {format_number(base.const)} with an exponent that "
                                "depends on x is not a real function", self)
            return env.fold(BPowBase(base.const, exponent), self)
        return env.fold(BPowGeneral(base, exponent), self)

    def tex(self):
        return f"{{{_wrap(self.base, 9)}}}^{{{self.exponent.tex()[0]}}}", 7


class Elem(Expr):
    def __init__(self, name: str, arg: Expr):
        self.name, self.arg = name, arg

    def children(self):
        return (self.arg,)

    def bind(self, env):
        return env.fold(BElem(self.name, self.arg.bind(env)), self)

    def tex(self):
        inner = self.arg.tex()[0]
        if self.name == "sqrt":
            return rf"\sqrt{{{inner}}}", 9
        if self.name == "abs":
            return rf"\left|{inner}\right|", 9
        return rf"{ELEMENTARY[self.name][1]}\left({inner}\right)", 9


class MinMax(Expr):
    def __init__(self, name: str, a: Expr, b: Expr):
        self.name, self.a, self.b = name, a, b

    def children(self):
        return (self.a, self.b)

    def bind(self, env):
        return env.fold(BMinMax(self.name, self.a.bind(env), self.b.bind(env)), self)

    def tex(self):
        return rf"\{self.name}\left({self.a.tex()[0]},\ {self.b.tex()[0]}\right)", 9


class Where(Expr):
    def __init__(self, cond: Expr, a: Expr, b: Expr):
        self.cond, self.a, self.b = cond, a, b

    def children(self):
        return (self.cond, self.a, self.b)

    def bind(self, env):
        cond = self.cond.bind(env)
        if cond.const is not None:
            return self.a.bind(env) if cond.const else self.b.bind(env)
        return env.fold(BWhere(cond, self.a.bind(env), self.b.bind(env)), self)

    def tex(self):
        return (rf"{_wrap(self.a, 4)}\ \mathrm{{if}}\ {self.cond.tex()[0]}\ "
                rf"\mathrm{{else}}\ {_wrap(self.b, 4)}"), 0


class Call(Expr):
    """A catalog (or scope, or plugin) function applied to one argument, with keywords."""

    def __init__(self, found: Definition, arg: Expr, keywords: list[tuple[str, Any, int]]):
        self.found, self.arg, self.keywords = found, arg, keywords

    def children(self):
        return (self.arg, *(v for _, v, _ in self.keywords if isinstance(v, Expr)))

    def bind(self, env):
        from ._core import instantiate

        raw = {}
        for key, value, at in self.keywords:
            raw[key] = value if isinstance(value, str) else value.bind(env).const
            try:
                self.found.param(key).coerce(raw[key], self.found.name)
            except ActvizError as exc:
                raise ParameterError(f"in '{_shown(env.text)}': {exc} at column {at + 1}."
                                     ) from None
        try:
            act = instantiate(self.found, raw, env.flavor)
        except ActvizError as exc:
            raise ParameterError(f"in '{_shown(env.text)}': {exc} at column {self.col + 1}."
                                 ) from None
        return env.fold(BCall(act, self.arg.bind(env)), self)

    def tex(self):
        inner = self.arg.tex()[0]
        if self.keywords:
            shown = [rf"{_tex_name(k)} = " + (rf"\mathrm{{{v}}}" if isinstance(v, str)
                                              else v.tex()[0]) for k, v, _ in self.keywords]
            inner += r";\ " + r",\ ".join(shown)
        return rf"{self.found.symbol}\left({inner}\right)", 9


class Compare(Expr):
    condition = True

    def __init__(self, ops: list[str], operands: list[Expr]):
        self.ops, self.operands = ops, operands

    def children(self):
        return tuple(self.operands)

    def bind(self, env):
        bound = [o.bind(env) for o in self.operands]
        parts: list[C] = [CCmp(op, a, b) for op, a, b in
                          zip(self.ops, bound, bound[1:], strict=False)]
        cond = parts[0] if len(parts) == 1 else CAnd(parts)
        return env.fold_condition(cond)

    def tex(self):
        text = _wrap(self.operands[0], 4)
        for op, operand in zip(self.ops, self.operands[1:], strict=True):
            text += f" {_TEX_CMP[op]} {_wrap(operand, 4)}"
        return text, 3


_TEX_CMP = {"<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq", "==": "=", "!=": r"\neq"}


class BoolOp(Expr):
    condition = True

    def __init__(self, op: str, items: list[Expr]):
        self.op, self.items = op, items

    def children(self):
        return tuple(self.items)

    def bind(self, env):
        items = [i.bind(env) for i in self.items]
        return env.fold_condition(CAnd(items) if self.op == "and" else COr(items))

    def tex(self):
        level = 1 if self.op == "and" else 0
        sep = r" \wedge " if self.op == "and" else r" \vee "
        return sep.join(_wrap(i, level + 1) for i in self.items), level


class NotOp(Expr):
    condition = True

    def __init__(self, arg: Expr):
        self.arg = arg

    def children(self):
        return (self.arg,)

    def bind(self, env):
        return env.fold_condition(CNot(self.arg.bind(env)))

    def tex(self):
        return r"\neg " + _wrap(self.arg, 3), 2


# --- LaTeX -------------------------------------------------------------------------------------

_GREEK = set("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi rho "
             "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi "
             "Omega".split())


def _tex_name(name: str) -> str:
    if name in _GREEK:
        return "\\" + name
    if len(name) == 1:
        return name
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _tex_number(value: float) -> str:
    text = format_number(value)
    if "e" not in text:
        return text
    mantissa, _, exponent = text.partition("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \times {power}"


def _wrap(node: Expr, level: int, no_sign: bool = False) -> str:
    text, prec = node.tex()
    if prec < level or (no_sign and text.startswith("-")):
        return rf"\left({text}\right)"
    return text


# --- the parser --------------------------------------------------------------------------------

_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")


class _Parser:
    """Recursive descent over the tokens of ``text[start:stop]``; depth and size bounded."""

    def __init__(self, text: str, start: int, stop: int, params: Mapping[str, Any],
                 scope: Mapping[str, Definition] | None):
        self.text = text
        self.tokens = _tokens(text, start, stop)
        self.i = 0
        self.depth = 0
        self.nodes = 0
        self.params = params
        self.used: set[str] = set()
        self.scope = scope

    # -- helpers

    def peek(self, offset: int = 0) -> tuple[str, str, int]:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, col: int, tail: str = ".") -> FormulaError:
        return _error(self.text, message, col, tail)

    def node(self, node: Expr, col: int) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(f"the formula has more than {MAX_NODES} parts", col)
        node.col = col
        node.end = self.tokens[self.i - 1][2] + len(self.tokens[self.i - 1][1])
        return node

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the formula nests more than {MAX_DEPTH} levels deep", col)

    def value(self, node: Expr) -> Expr:
        if node.condition:
            raise self.error("a comparison can only be the condition of where(condition, a, b)",
                             node.col)
        return node

    def cond(self, node: Expr) -> Expr:
        if not node.condition:
            raise self.error("a condition such as x > 0 is needed here", node.col)
        return node

    def unexpected(self, tok: tuple[str, str, int]) -> FormulaError:
        kind, text, col = tok
        if kind == "end":
            return self.error("the formula ends where an expression is expected", col)
        if text == ")":
            return self.error("unbalanced ')'", col)
        if text == "(":
            return self.error("unexpected '('", col, "; write * for a product, as in x*(x + 1)")
        if kind == "name" and text in ("and", "or", "not"):
            return self.error(f"unexpected '{text}'", col)
        if kind == "name":
            self.refuse_word(text, col)
        if kind in ("num", "name"):
            return self.error(f"expected an operator before '{text}'", col,
                              "; write * for a product, as in 2*x")
        return self.error(f"unexpected '{text}'", col)

    # -- grammar

    def formula(self) -> Expr:
        node = self.value(self.expr())
        if self.peek()[0] != "end":
            raise self.unexpected(self.peek())
        return node

    def expr(self) -> Expr:
        self.enter(self.peek()[2])
        node = self.disjunction()
        self.depth -= 1
        return node

    def disjunction(self) -> Expr:
        col = self.peek()[2]
        items = [self.conjunction()]
        while self.peek()[:2] == ("name", "or"):
            self.take()
            items.append(self.cond(self.conjunction()))
        if len(items) == 1:
            return items[0]
        return self.node(BoolOp("or", [self.cond(items[0]), *items[1:]]), col)

    def conjunction(self) -> Expr:
        col = self.peek()[2]
        items = [self.negation()]
        while self.peek()[:2] == ("name", "and"):
            self.take()
            items.append(self.cond(self.negation()))
        if len(items) == 1:
            return items[0]
        return self.node(BoolOp("and", [self.cond(items[0]), *items[1:]]), col)

    def negation(self) -> Expr:
        if self.peek()[:2] == ("name", "not"):
            col = self.take()[2]
            self.enter(col)
            arg = self.cond(self.negation())
            self.depth -= 1
            return self.node(NotOp(arg), col)
        return self.comparison()

    def comparison(self) -> Expr:
        col = self.peek()[2]
        operands = [self.sum()]
        ops = []
        while self.peek()[0] == "op" and self.peek()[1] in _COMPARISONS:
            ops.append(self.take()[1])
            operands.append(self.sum())
        if not ops:
            return operands[0]
        return self.node(Compare(ops, [self.value(o) for o in operands]), col)

    def sum(self) -> Expr:
        col = self.peek()[2]
        terms = [(1, self.term())]
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            sign = 1 if self.take()[1] == "+" else -1
            terms.append((sign, self.value(self.term())))
        if len(terms) == 1:
            return terms[0][1]
        self.value(terms[0][1])
        return self.node(Sum(terms), col)

    def term(self) -> Expr:
        col = self.peek()[2]
        factors = [("*", self.unary())]
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            factors.append((op, self.value(self.unary())))
        if len(factors) == 1:
            return factors[0][1]
        self.value(factors[0][1])
        return self.node(Prod(factors), col)

    def unary(self) -> Expr:
        kind, text, col = self.peek()
        if kind == "op" and text in "+-":
            self.take()
            self.enter(col)
            arg = self.value(self.unary())
            self.depth -= 1
            return arg if text == "+" else self.node(Neg(arg), col)
        return self.power()

    def power(self) -> Expr:
        col = self.peek()[2]
        base = self.atom()
        if self.peek()[0] == "op" and self.peek()[1] in ("**", "^"):
            self.take()
            self.enter(self.peek()[2])
            exponent = self.value(self.unary())
            self.depth -= 1
            return self.node(Pow(self.value(base), exponent), col)
        return base

    def atom(self) -> Expr:
        tok = self.take()
        kind, text, col = tok
        if kind == "num":
            value = float(text)
            if not math.isfinite(value):
                raise self.error(f"the number {text} is too large", col)
            return self.node(Num(value), col)
        if kind == "name":
            if self.peek()[:2] == ("op", "("):
                return self.call(text, col)
            return self.name(text, col)
        if (kind, text) == ("op", "("):
            if self.peek()[:2] == ("op", ")"):
                raise self.error("empty parentheses", col)
            node = self.expr()
            if self.peek()[:2] != ("op", ")"):
                if self.peek()[0] == "end":
                    raise self.error("'(' is never closed", col, "; add ')'")
                raise self.unexpected(self.peek())
            self.take()
            return node
        raise self.unexpected(tok)

    def refuse_word(self, text: str, col: int) -> None:
        if "__" in text:
            raise self.error(f"'{text}' is not allowed: names with '__' are refused", col)
        if keyword.iskeyword(text):
            raise self.error(f"'{text}' is not allowed", col, _KEYWORD_HINTS.get(
                text, "; a formula is an expression in x, not Python code"))

    def name(self, text: str, col: int) -> Expr:
        self.refuse_word(text, col)
        if text == "x":
            return self.node(Var(), col)
        if text in CONSTANTS:
            return self.node(Named(text), col)
        if text in self.params:
            self.used.add(text)
            return self.node(ParamRef(text), col)
        key = normalize(text)
        if key in ELEMENTARY or key in SPECIAL_FUNCTIONS or _known_function(key, self.scope):
            raise self.error(f"'{text}' is a function", col, f"; call it, as in {text}(x)")
        hint = did_you_mean(text, ["x", "pi", "e", *self.params])
        raise self.error(f"unknown name '{text}'", col, "." + hint if hint else
                         f"; a formula is in x, and a parameter needs a default after ';' "
                         f"(as in '...; {text}=1')")

    def arguments(self, col: int) -> tuple[list[Expr], list[tuple[str, Any, int]]]:
        """The arguments after '(' up to ')': positional, then keywords."""
        self.take()  # '('
        args: list[Expr] = []
        keywords: list[tuple[str, Any, int]] = []
        if self.peek()[:2] == ("op", ")"):
            self.take()
            return args, keywords
        while True:
            kind, text, at = self.peek()
            if kind == "name" and self.peek(1)[:2] == ("op", "="):
                self.refuse_word(text, at)
                self.take()
                self.take()
                vkind, vtext, _ = self.peek()
                if vkind == "name" and self.peek(1)[1] in (",", ")") and \
                        vtext not in ("x", "pi", "e") and vtext not in self.params:
                    self.refuse_word(vtext, self.peek()[2])
                    self.take()
                    keywords.append((text, vtext, at))
                else:
                    keywords.append((text, self.value(self.expr()), at))
            else:
                if keywords:
                    raise self.error("an argument without a name follows a keyword argument",
                                     at)
                args.append(self.expr())
            if self.peek()[:2] == ("op", ","):
                self.take()
                if self.peek()[:2] == ("op", ")"):
                    raise self.error("an argument is missing after ','", self.peek()[2])
                continue
            if self.peek()[:2] == ("op", ")"):
                self.take()
                return args, keywords
            if self.peek()[0] == "end":
                raise self.error("'(' is never closed", col, "; add ')'")
            raise self.unexpected(self.peek())

    def call(self, text: str, col: int) -> Expr:
        key, found = self.callee(text, col)
        args, keywords = self.arguments(self.peek()[2])
        if found is not None:
            return self.node(self.catalog_call(found, text, col, args, keywords), col)
        if keywords:
            raise self.error(f"{key} takes no keyword arguments", keywords[0][2])
        return self.node(self.builtin_call(key, col, args), col)

    def callee(self, text: str, col: int) -> tuple[str, Definition | None]:
        """The normalised name of the function called ``text``, and its definition; None for
        the formula's own functions (elementary ones, min, max, where)."""
        self.refuse_word(text, col)
        if text == "x" or text in CONSTANTS or text in self.params:
            raise self.error(f"'{text}' is not a function", col,
                             "; write * for a product, as in x*(x + 1)")
        key = normalize(text)
        if key in ELEMENTARY or key in SPECIAL_FUNCTIONS:
            return key, None
        found = _function(key, self.scope)
        if found is None:
            candidates = [*ELEMENTARY, *SPECIAL_FUNCTIONS, *REGISTRY, *ALIASES,
                          *(normalize(k) for k in self.scope or ())]
            hint = did_you_mean(key, candidates)
            raise self.error(f"unknown function '{text}'", col, "." + hint if hint else
                             ". Run 'actviz list' to see the catalog's functions.")
        return key, found

    def builtin_call(self, key: str, col: int, args: list[Expr]) -> Expr:
        """where(condition, a, b), min(a, b), max(a, b) or an elementary function of one."""
        if key == "where":
            if len(args) != 3:
                raise self.error(f"where takes 3 arguments (condition, a, b), got {len(args)}",
                                 col)
            return Where(self.cond(args[0]), self.value(args[1]), self.value(args[2]))
        if key in ("min", "max"):
            if len(args) != 2:
                raise self.error(f"{key} takes 2 arguments, got {len(args)}", col)
            return MinMax(key, self.value(args[0]), self.value(args[1]))
        if len(args) != 1:
            raise self.error(f"{key} takes 1 argument, got {len(args)}", col)
        return Elem(key, self.value(args[0]))

    def catalog_call(self, found: Definition, text: str, col: int, args: list[Expr],
                     keywords: list[tuple[str, Any, int]]) -> Expr:
        if found.vector or found.outputs > 1:
            what = "works on whole vectors" if found.vector else "has two outputs"
            raise self.error(f"{found.name} {what} and cannot be part of a formula", col)
        if len(args) != 1:
            raise self.error(f"{text} takes 1 argument (and its parameters as keywords, as "
                             f"in {text}(x{_example_keyword(found)})), got {len(args)}", col)
        seen: set[str] = set()
        checked = []
        for key, value, at in keywords:
            param = self.keyword_param(found, key, at)
            if param.name in seen:
                raise self.error(f"the parameter '{key}' is given twice", at)
            seen.add(param.name)
            self.check_keyword(found, param, key, value, at)
            checked.append((param.name, value, at))
        return Call(found, self.value(args[0]), checked)

    def keyword_param(self, found: Definition, key: str, at: int) -> Param:
        """The parameter of ``found`` that the keyword ``key`` names."""
        param = found.param(normalize(key))
        if param is None:
            from ._core import _unknown_parameter

            raise self.error(_unknown_parameter(found, key).rstrip("."), at)
        return param

    def check_keyword(self, found: Definition, param: Param, key: str, value: str | Expr,
                      at: int) -> None:
        """Refuse a keyword value that ``param`` cannot take: a word for a number, an
        expression for a choice, an expression in x, or a constant that ``param`` refuses."""
        if isinstance(value, str) and not param.choices:
            raise self.error(f"the parameter '{key}' of {found.name} must be a number, "
                             f"got '{value}'", at)
        if isinstance(value, Expr) and param.choices:
            raise self.error(f"the parameter '{key}' of {found.name} is one of "
                             f"{', '.join(param.choices)}", at,
                             f"; write {key}={param.choices[-1]}")
        if isinstance(value, Expr) and value.uses_x():
            raise self.error(f"the parameter '{key}' of {found.name} cannot depend on x", at)
        if isinstance(value, (str, Num)):
            try:
                param.coerce(value if isinstance(value, str) else value.value, found.name)
            except ActvizError as exc:
                raise self.error(str(exc), at) from None


def _example_keyword(found: Definition) -> str:
    numeric = [p for p in found.params if not p.choices]
    return f", {numeric[0].name}={numeric[0].show_default()}" if numeric else ""


def _known_function(key: str, scope: Mapping[str, Definition] | None) -> bool:
    from ._core import _in_scope, _registered

    return _in_scope(key, scope) is not None or _registered(key) is not None


def _function(key: str, scope: Mapping[str, Definition] | None) -> Definition | None:
    """The definition a function name in a formula calls: scope, catalog, then plugins."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
        return None
    try:
        return lookup_definition(key, scope)
    except UnknownActivationError:
        return None


# --- parameters after ';' ----------------------------------------------------------------------

_ITEM = re.compile(r"\s*([^=,;]*?)\s*(=)\s*([^,;]*?)\s*(?:[,;]|$)")


def _parse_params(text: str, start: int) -> dict[str, tuple[float, int]]:
    """``beta=1.5, gamma=2`` from text[start:] -> {name: (default, column)}."""
    found: dict[str, tuple[float, int]] = {}
    pos = start
    if not text[start:].strip():
        raise _error(text, "nothing follows ';'", start, "; write NAME=VALUE, as in "
                     "'x*sigmoid(beta*x); beta=1.5'")
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _ITEM.match(text, pos)
        if match is None:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise _error(text, "expected NAME=VALUE", col, ", as in 'beta=1.5'")
        name, ncol = match.group(1), match.start(1)
        _check_param_name(text, name, ncol)
        if name in found:
            raise _error(text, f"the parameter '{name}' is given twice", ncol)
        found[name] = (_param_default(text, name, match.group(3), match.start(3)), ncol)
        pos = match.end()
    return found


def _check_param_name(text: str, name: str, col: int) -> None:
    """Refuse ``name`` (at ``col`` of ``text``) as the name of a formula's parameter."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise _error(text, f"'{name}' is not a parameter name", col)
    if "__" in name or keyword.iskeyword(name):
        raise _error(text, f"'{name}' is not allowed as a parameter name", col)
    if name != normalize(name):
        raise _error(text, f"parameter names are lowercase, got '{name}'", col)
    if name == "x" or name in CONSTANTS or name in ELEMENTARY or name in RESERVED:
        raise _error(text, f"'{name}' cannot be a parameter name", col)


def _param_default(text: str, name: str, value: str, col: int) -> float:
    """The default ``value`` (at ``col`` of ``text``) of the parameter ``name``: a finite
    number."""
    try:
        number = float(value)
    except ValueError:
        raise _error(text, f"the parameter '{name}' must be a number, got '{value}'",
                     col) from None
    if not math.isfinite(number):
        raise _error(text, f"the parameter '{name}' must be finite, got '{value}'", col)
    return number


# --- bound expressions: parameters substituted, constants folded -------------------------------

class _Env:
    def __init__(self, text: str, params: Mapping[str, Any], flavor: str):
        self.text, self.params, self.flavor = text, params, flavor

    def error(self, message: str, node: Expr) -> FormulaError:
        return _error(self.text, message, node.col)

    def fold(self, bound: B, node: Expr) -> B:
        """A node of constants is computed here, once: it must be finite, and its value is
        its ``const`` (for the checks that need one: a division by 0, a constant exponent, a
        keyword). The node stays, so that the rewriter sees 1 - tanh(40)^2 whole (as typed
        it rounds to 0); :func:`_fold` makes it a constant after the rewriting."""
        if bound.src is None:
            bound.src = (node.col, node.end)
        if all(child.const is not None for child in bound.children()):
            value = _constant_value(bound)
            if not math.isfinite(value):
                part = self.text[node.col:node.end]
                raise _error(self.text, f"the constant part '{part}' is {format_number(value)}",
                             node.col)
            bound.const = value
        return bound

    def fold_condition(self, cond: C) -> C:
        if all(child.const is not None for child in cond.children()):
            with np.errstate(all="ignore"):
                cond.const = bool(cond.truth(np.zeros(1))[0])
        return cond


Affine = tuple[float, float, float, float]
"""(start, end, a, b): the expression is a*x + b on the open interval (start, end)."""


class B:
    """A bound node: evaluates its jet (values and error bounds, see :mod:`._jet`), and knows
    its linear pieces, kink candidates and poles. ``src`` is (start, end) of its text in the
    formula, where it has one."""

    const: float | None = None
    src: tuple[int, int] | None = None

    def children(self) -> tuple[Any, ...]:
        return ()

    def ev(self, x: np.ndarray, order: int) -> Jet:
        """[(value, error)] for f, f', f'' up to ``order`` (see :mod:`._jet`)."""
        raise NotImplementedError

    def fast(self, x: np.ndarray, order: int) -> list[J.Fast]:
        """[(value, rho)] for f, f', f'' up to ``order``: the first pass, with relative
        bounds (see :mod:`._jet`); the values are those of :meth:`ev`."""
        raise NotImplementedError

    def affine(self, ctx: _Ctx) -> list[Affine]:
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

    def cands(self, ctx: _Ctx) -> list[tuple[float, str]]:
        return [c for child in self.children() if isinstance(child, B)
                for c in ctx.cands(child)]

    def poles(self, ctx: _Ctx) -> list[float]:
        """Where |f| may grow without bound (1/u and log(u) where u = 0, tan(u) where
        cos(u) = 0, ...): candidates, confirmed by :meth:`Bound.poles`."""
        return [p for child in self.children() if isinstance(child, B)
                for p in ctx.poles(child)]

    def zeros(self, ctx: _Ctx) -> list[float]:
        """Where this node is 0: where it changes sign (or stops being positive or
        negative), and the zeros of a factor or of the base of a power (x^2 at 0)."""
        zero = BConst(0.0)
        return ctx.switches(CCmp(">", self, zero)) + ctx.switches(CCmp("<", self, zero))


class BConst(B):
    """A constant: exact (a number as typed, a parameter), or the value of a part of the
    formula without x, with its error bound."""

    def __init__(self, value: float, error: float | None = None):
        self.const = self.value = float(value)
        self.error = None if not error else float(error)

    def ev(self, x, order):
        return [(np.float64(self.const), self.error), (None, None), (None, None)][:order + 1]

    def fast(self, x, order):
        rho = None if self.error is None else (
            self.error / abs(self.const) if self.const else math.inf)
        return [(np.float64(self.const), rho), (None, None), (None, None)][:order + 1]

    def affine(self, ctx):
        return [(ctx.lo, ctx.hi, 0.0, self.const)]


class BVar(B):
    def ev(self, x, order):
        return [(x, None), (1.0, None), (None, None)][:order + 1]

    fast = ev

    def affine(self, ctx):
        return [(ctx.lo, ctx.hi, 1.0, 0.0)]


class BNeg(B):
    def __init__(self, arg: B):
        self.arg = arg

    def children(self):
        return (self.arg,)

    def ev(self, x, order):
        return [J.neg(c) for c in self.arg.ev(x, order)]

    def zeros(self, ctx):
        return ctx.zeros(self.arg)

    def fast(self, x, order):
        return [J.neg(c) for c in self.arg.fast(x, order)]

    def affine(self, ctx):
        return [(s, t, -a, -b) for s, t, a, b in ctx.affine(self.arg)]


class BCancel(B):
    """u - u: exactly 0 (and its derivatives too) wherever u is finite, NaN elsewhere; what
    a sum of the same expression with both signs becomes (:mod:`._rewrite`)."""

    def __init__(self, arg: B):
        self.arg = arg

    def children(self):
        return (self.arg,)

    def ev(self, x, order):
        return [(None, None) if v is None else (v - v, None) for v, _ in self.arg.ev(x, order)]

    def fast(self, x, order):
        return [(None, None) if v is None else (v - v, None)
                for v, _ in self.arg.fast(x, order)]

    def affine(self, ctx):
        return [(s, t, 0.0, 0.0) for s, t, _, _ in ctx.affine(self.arg)]

    def poles(self, ctx):
        return []


class BSum(B):
    def __init__(self, terms: list[tuple[int, B]]):
        self.terms = terms

    def children(self):
        return tuple(t for _, t in self.terms)

    def ev(self, x, order):
        out: Jet = []
        for i, (sign, term) in enumerate(self.terms):
            jet = term.ev(x, order)
            if i == 0:
                out = jet if sign > 0 else [J.neg(c) for c in jet]
            else:
                out = [J.add(a, b, sign) for a, b in zip(out, jet, strict=True)]
        return out

    def fast(self, x, order):
        out: list[J.Fast] = []
        for i, (sign, term) in enumerate(self.terms):
            jet = term.fast(x, order)
            if i == 0:
                out = jet if sign > 0 else [J.neg(c) for c in jet]
            else:
                out = [J.fadd(a, b, sign, value=k == 0)
                       for k, (a, b) in enumerate(zip(out, jet, strict=True))]
        return out

    def affine(self, ctx):
        sign, first = self.terms[0]
        acc = [(s, t, sign * a, sign * b) for s, t, a, b in ctx.affine(first)]
        for sign, term in self.terms[1:]:
            acc = _overlay(acc, ctx.affine(term),
                           lambda p, q, sign=sign: (p[0] + sign * q[0], p[1] + sign * q[1]))
        return acc


class BProd(B):
    def __init__(self, factors: list[tuple[str, B]]):
        self.factors = factors

    def children(self):
        return tuple(f for _, f in self.factors)

    def ev(self, x, order):
        acc = self.factors[0][1].ev(x, order)
        for op, factor in self.factors[1:]:
            jet = factor.ev(x, order)
            acc = _times(acc, jet, order) if op == "*" else _divide(acc, jet, order)
        return acc

    def fast(self, x, order):
        acc = self.factors[0][1].fast(x, order)
        for op, factor in self.factors[1:]:
            jet = factor.fast(x, order)
            acc = _ftimes(acc, jet, order) if op == "*" else _fdivide(acc, jet, order)
        return acc

    def poles(self, ctx):
        found = super().poles(ctx)
        for op, factor in self.factors:
            if op == "/":
                found += ctx.zeros(factor)
        return found

    def zeros(self, ctx):
        found = super().zeros(ctx)
        for op, factor in self.factors:
            if op == "*":
                found += ctx.zeros(factor)
        return found

    def affine(self, ctx):
        acc = ctx.affine(self.factors[0][1])
        for op, factor in self.factors[1:]:
            acc = _overlay(acc, ctx.affine(factor), _affine_times if op == "*" else
                           _affine_divide)
        return acc


def _affine_times(p, q):
    (a1, b1), (a2, b2) = p, q
    if a1 == 0.0:
        return b1 * a2, b1 * b2
    if a2 == 0.0:
        return a1 * b2, b1 * b2
    return None


def _affine_divide(p, q):
    (a1, b1), (a2, b2) = p, q
    if a2 == 0.0 and b2 != 0.0:
        return a1 / b2, b1 / b2
    return None


class BPowConst(B):
    """u ** c for a constant c."""

    def __init__(self, base: B, c: float):
        self.base, self.c = base, c

    def children(self):
        return (self.base,)

    def poles(self, ctx):
        return super().poles(ctx) + (ctx.zeros(self.base) if self.c < 0 else [])

    def zeros(self, ctx):
        return ctx.zeros(self.base) if self.c > 0 else []

    def ev(self, x, order):
        u = self.base.ev(x, order)
        if self.c == 2.0:  # u*u: the product rule, with its error bounds
            return _times(u, u, order)
        return _apply(self.apply, u, order, J.ELEMENTARY_ULPS, size=self.size)

    def fast(self, x, order):
        u = self.base.fast(x, order)
        if self.c == 2.0:
            return _ftimes(u, u, order)
        c = self.c
        return _fapply(self.apply, u, order, J.ELEMENTARY_ULPS,
                       tuple(abs(c - k) for k in range(3)))

    def size(self, u: np.ndarray, e: np.ndarray, k: int) -> np.ndarray:
        """log2 of a lower bound on |c (c-1) ... (c-k+1) u^(c-k)| for |u| within e."""
        c = self.c
        factor = abs(math.prod(c - i for i in range(k)))
        if factor == 0:
            return np.full(np.shape(u), -np.inf)
        mag = np.abs(u) - e if c - k > 0 else np.abs(u) + e
        return (c - k) * np.log2(np.maximum(mag, 0.0)) + math.log2(factor)

    def apply(self, u, order):
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


class BPowBase(B):
    """a ** w for a constant a > 0."""

    def __init__(self, a: float, exponent: B):
        self.a, self.exponent = a, exponent
        self.log_a = math.log(a)

    def children(self):
        return (self.exponent,)

    def ev(self, x, order):
        return _apply(self.apply, self.exponent.ev(x, order), order, J.ELEMENTARY_ULPS,
                      size=self.size)

    def fast(self, x, order):
        return _fapply(self.apply, self.exponent.fast(x, order), order, J.ELEMENTARY_ULPS,
                       (745.0, 745.0, 745.0))

    def size(self, w: np.ndarray, e: np.ndarray, k: int) -> np.ndarray:
        """log2 of a lower bound on |a^w log(a)^k| for w within e."""
        log2_a = math.log2(self.a)
        least = np.minimum((w - e) * log2_a, (w + e) * log2_a)
        return least + (k * math.log2(abs(self.log_a)) if k else 0.0)

    def apply(self, w, order):
        v = np.power(self.a, w)
        out = [v]
        for _ in range(order):
            out.append(out[-1] * self.log_a)
        return tuple(out)


class BPowGeneral(B):
    """u ** w = exp(w log u), both depending on x."""

    def __init__(self, base: B, exponent: B):
        self.base, self.exponent = base, exponent

    def children(self):
        return (self.base, self.exponent)

    def poles(self, ctx):
        return super().poles(ctx) + ctx.zeros(self.base)

    def ev(self, x, order):
        """exp(w log u), composed with its error bounds; the value itself is u ** w."""
        u, w = self.base.ev(x, order), self.exponent.ev(x, order)
        log_u = _apply(ELEMENTARY["log"][0], u, order, J.ELEMENTARY_ULPS)
        out = _apply(ELEMENTARY["exp"][0], _times(w, log_u, order), order, J.ELEMENTARY_ULPS)
        power = np.power(u[0][0], w[0][0])
        out[0] = (np.where(np.isfinite(power) | ~np.isfinite(out[0][0]), power, out[0][0]),
                  out[0][1])
        return out

    def fast(self, x, order):
        u, w = self.base.fast(x, order), self.exponent.fast(x, order)
        log_u = _fapply(ELEMENTARY["log"][0], u, order, J.ELEMENTARY_ULPS,
                        ELEMENTARY_CONDITIONS["log"])
        out = _fapply(ELEMENTARY["exp"][0], _ftimes(w, log_u, order), order,
                      J.ELEMENTARY_ULPS, ELEMENTARY_CONDITIONS["exp"])
        power = np.power(u[0][0], w[0][0])
        out[0] = (np.where(np.isfinite(power) | ~np.isfinite(out[0][0]), power, out[0][0]),
                  out[0][1])
        return out

    def affine(self, ctx):
        def both_constant(p, q):
            if p[0] != 0.0 or q[0] != 0.0:
                return None
            with np.errstate(all="ignore"):
                v = float(np.power(p[1], q[1]))
            return (0.0, v) if math.isfinite(v) else None

        return _overlay(ctx.affine(self.base), ctx.affine(self.exponent), both_constant)


class BElem(B):
    def __init__(self, name: str, arg: B, fn: Callable | None = None):
        self.name, self.arg = name, arg
        self.fn = ELEMENTARY[name][0] if fn is None else fn

    def children(self):
        return (self.arg,)

    def poles(self, ctx):
        found = super().poles(ctx)
        if self.name == "log":
            found += ctx.zeros(self.arg)
        elif self.name == "log1p":
            found += ctx.zeros(BSum([(1, BConst(1.0)), (1, self.arg)]))
        elif self.name == "tan":
            found += ctx.zeros(BElem("cos", self.arg))
        return found

    def zeros(self, ctx):
        if self.name in ("abs", "sqrt"):
            return ctx.zeros(self.arg)
        return super().zeros(ctx)

    def ev(self, x, order):
        return _apply(self.fn, self.arg.ev(x, order), order, J.ELEMENTARY_ULPS,
                      exact_derivatives=self.name in EXACT_DERIVATIVES,
                      size=LOG_SIZES.get(self.name))

    def fast(self, x, order):
        return _fapply(self.fn, self.arg.fast(x, order), order, J.ELEMENTARY_ULPS,
                       ELEMENTARY_CONDITIONS.get(self.name, (None, None, None)),
                       exact_derivatives=self.name in EXACT_DERIVATIVES)

    def apply(self, u, order):
        return self.fn(u, order)

    def affine(self, ctx):
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
                    sign = 1.0 if a * _inside(lo, hi) + b > 0 else -1.0
                    out.append((lo, hi, sign * a, sign * b))
        return out

    def cands(self, ctx):
        found = super().cands(ctx)
        if self.name == "abs":
            cross = CCmp(">", self.arg, BConst(0.0))
            found += [(r, "abs'(0) = 0, as PyTorch") for r in ctx.switches(cross)]
        return found


class BWhere(B):
    source = "where: the branch the condition picks"

    def __init__(self, cond: C, a: B, b: B):
        self.cond, self.a, self.b = cond, a, b

    def children(self):
        return (self.cond, self.a, self.b)

    def ev(self, x, order):
        mask = np.broadcast_to(self.cond.truth(x), x.shape)
        if mask.all():
            return self.a.ev(x, order)
        if not mask.any():
            return self.b.ev(x, order)
        ja, jb = self.a.ev(x, order), self.b.ev(x, order)
        return [_select(mask, a, b) for a, b in zip(ja, jb, strict=True)]

    def fast(self, x, order):
        mask = np.broadcast_to(self.cond.truth(x), x.shape)
        if mask.all():
            return self.a.fast(x, order)
        if not mask.any():
            return self.b.fast(x, order)
        ja, jb = self.a.fast(x, order), self.b.fast(x, order)
        return [J.fselect(mask, a, b) for a, b in zip(ja, jb, strict=True)]

    def affine(self, ctx):
        out = []
        first, second = ctx.affine(self.a), ctx.affine(self.b)
        for s, t, truth in ctx.segments(self.cond):
            out += _clip(first if truth else second, s, t)
        return out

    def poles(self, ctx):
        found = []
        for branch, wanted in ((self.a, True), (self.b, False)):
            points = ctx.poles(branch)
            if points:
                xs = np.array(points)
                delta = _delta(xs)
                near = (self.cond.truth(xs - delta) == wanted) | \
                    (self.cond.truth(xs + delta) == wanted)
                found += [p for p, keep in zip(points, near, strict=True) if keep]
        return found

    def cands(self, ctx):
        found = [(r, self.source) for r in ctx.switches(self.cond)]
        for branch, wanted in ((self.a, True), (self.b, False)):
            points = ctx.cands(branch)
            if points:
                xs = np.array([p for p, _ in points])
                delta = _delta(xs)
                near = (self.cond.truth(xs - delta) == wanted) | \
                    (self.cond.truth(xs + delta) == wanted)
                found += [p for p, keep in zip(points, near, strict=True) if keep]
        return found


class BMinMax(BWhere):
    """max(a, b) = where(a > b, a, b), min(a, b) = where(a < b, a, b): b's derivatives at a
    tie; the value propagates NaN from either side."""

    def __init__(self, name: str, a: B, b: B):
        super().__init__(CCmp(">" if name == "max" else "<", a, b), a, b)
        self.name = name
        self.source = f"{name}: the second argument at a tie"

    def children(self):
        return (self.a, self.b)

    def ev(self, x, order):
        ja, jb = self.a.ev(x, order), self.b.ev(x, order)
        mask = np.broadcast_to((np.greater if self.name == "max" else np.less)(
            ja[0][0], jb[0][0]), x.shape)
        out = [_select(mask, a, b) for a, b in zip(ja, jb, strict=True)]
        value = (np.maximum if self.name == "max" else np.minimum)(ja[0][0], jb[0][0])
        out[0] = (value, out[0][1])  # NaN from either side
        return out

    def fast(self, x, order):
        ja, jb = self.a.fast(x, order), self.b.fast(x, order)
        mask = np.broadcast_to((np.greater if self.name == "max" else np.less)(
            ja[0][0], jb[0][0]), x.shape)
        out = [J.fselect(mask, a, b) for a, b in zip(ja, jb, strict=True)]
        value = (np.maximum if self.name == "max" else np.minimum)(ja[0][0], jb[0][0])
        out[0] = (value, out[0][1])
        return out


class BCall(B):
    """A catalog function g applied to u: g's own evaluate, composed by the chain rule."""

    def __init__(self, act: Activation, arg: B):
        self.act, self.arg = act, arg

    def children(self):
        return (self.arg,)

    def ev(self, x, order):
        return _call(self, self.arg.ev(x, order), x.shape, order)

    def fast(self, x, order):
        return _fcall(self, self.arg.fast(x, order), x.shape, order)

    def apply(self, u, order):
        return self.act.evaluate(u, order)

    def affine(self, ctx):
        out = []
        inner = ctx.affine(self.arg)
        pieces = self.act.pieces
        for s, t, a, b in inner:
            out += self.linear_through(pieces, s, t, a, b)
        out += self.flat_between(ctx, pieces, _complement(inner, ctx.lo, ctx.hi))
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
                u0 = _inside(piece.start, piece.end)
                c = self.at(u0) - slope * u0
                out.append((lo, hi, slope * a, slope * b + c))
        return out

    def flat_between(self, ctx: _Ctx, pieces: Sequence[Piece],
                     gaps: list[tuple[float, float]]) -> list[Affine]:
        """Where g(u) is constant inside the gaps, where u is not linear: the stretches where u
        lies inside a flat piece of g."""
        out: list[Affine] = []
        for piece in pieces:
            if not gaps or piece.slope_of(0) != 0.0:
                continue
            parts: list[C] = []
            if piece.start > -INF:
                parts.append(CCmp(">", self.arg, BConst(piece.start)))
            if piece.end < INF:
                parts.append(CCmp("<", self.arg, BConst(piece.end)))
            cond = parts[0] if len(parts) == 1 else CAnd(parts)
            value = self.at(_inside(piece.start, piece.end))
            for s, t, truth in ctx.segments(cond):
                if truth:
                    out += [(lo, hi, 0.0, value) for lo, hi in
                            ((max(s, g0), min(t, g1)) for g0, g1 in gaps) if lo < hi]
        return out

    def poles(self, ctx):
        found = super().poles(ctx)
        for pole in self.act.poles:
            shifted = BSum([(1, self.arg), (-1, BConst(pole))])
            found += ctx.zeros(shifted)
        return found

    def cands(self, ctx):
        found = super().cands(ctx)
        name = self.act.name
        for kink in self.act.kinks:
            cross = CCmp(">", self.arg, BConst(kink.x))
            source = f"{name}: {kink.source}" if kink.source else name
            found += [(r, source) for r in ctx.switches(cross)]
        return found


# --- conditions --------------------------------------------------------------------------------

class C:
    """A bound condition: its truth on an array, and where it may switch."""

    const: bool | None = None

    def children(self) -> tuple[Any, ...]:
        return ()

    def truth(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def split(self, ctx: _Ctx) -> tuple[list[float], list[tuple[float, float]]]:
        """Points between which the truth is constant, and the intervals left unknown."""
        points: list[float] = []
        unknown: list[tuple[float, float]] = []
        for child in self.children():
            p, u = child.split(ctx)
            points += p
            unknown += u
        return points, unknown


_OPS: dict[str, Callable] = {"<": np.less, "<=": np.less_equal, ">": np.greater,
                             ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal}


class CCmp(C):
    def __init__(self, op: str, left: B, right: B):
        self.op, self.left, self.right = op, left, right

    def children(self):
        return (self.left, self.right)

    def truth(self, x):
        with np.errstate(all="ignore"):
            return np.broadcast_to(_OPS[self.op](self.left.fast(x, 0)[0][0],
                                                 self.right.fast(x, 0)[0][0]), np.shape(x))

    def nearer(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether the crossing of left = right between the neighbouring doubles a < b is
        nearer a: |left - right| is smaller there, computed exactly in rationals where both
        sides are rational in x (x*x - 2), else in float64 where the error bounds tell the
        two apart (sin(x) near pi); False (b) where nothing tells."""
        out = np.zeros(a.shape, bool)
        with np.errstate(all="ignore"):
            comps = [J.add(self.left.ev(t, 0)[0], self.right.ev(t, 0)[0], -1.0) for t in (a, b)]
        (ga, ea), (gb, eb) = [(np.broadcast_to(np.abs(np.asarray(v, dtype=np.float64)),
                                               a.shape),
                               np.broadcast_to(np.asarray(0.0 if e is None else e,
                                                          dtype=np.float64), a.shape))
                              for v, e in comps]
        for i in range(a.size):
            exact = [_exact_gap(self, float(t[i])) for t in (a, b)]
            if exact[0] is not None and exact[1] is not None:
                out[i] = abs(exact[0]) < abs(exact[1])
            else:
                out[i] = ga[i] + ea[i] < gb[i] - eb[i]
        return out

    def split(self, ctx):
        diff = _overlay(ctx.affine(self.left), ctx.affine(self.right),
                        lambda p, q: (p[0] - q[0], p[1] - q[1]))
        points = [ctx.lo, ctx.hi]
        for s, t, a, b in diff:
            points += [s, t]
            if a != 0.0:
                root = -b / a + 0.0  # + 0.0: never -0.0
                if s < root < t:
                    points.append(root)
        unknown = []
        for g0, g1 in _complement(diff, ctx.lo, ctx.hi):
            c0, c1 = max(g0, ctx.wlo), min(g1, ctx.whi)
            if c0 >= c1:
                unknown.append((g0, g1))
                continue
            if g0 < c0:
                unknown.append((g0, c0))
            if c1 < g1:
                unknown.append((c1, g1))
            ctx.numeric = True
            points += [c0, c1, *_crossings(self.truth, c0, c1, self.nearer)]
        return points, unknown


def _exact_gap(cond: CCmp, x: float) -> Fraction | None:
    """left - right at x in exact rational arithmetic, or None if a side is not rational in x
    (a function other than +, -, *, / and integer powers)."""
    left, right = _rational(cond.left, Fraction(x)), _rational(cond.right, Fraction(x))
    return None if left is None or right is None else left - right


def _rational(node: B, x: Fraction) -> Fraction | None:
    """The node's exact value at x, where it is rational in x; None otherwise."""
    if isinstance(node, BConst):
        return Fraction(node.value)
    if isinstance(node, BVar):
        return x
    if isinstance(node, BNeg):
        inner = _rational(node.arg, x)
        return None if inner is None else -inner
    if isinstance(node, BSum):
        parts = [_rational(t, x) for _, t in node.terms]
        if any(p is None for p in parts):
            return None
        return sum((s * p for (s, _), p in zip(node.terms, parts, strict=True)
                    if p is not None), Fraction(0))
    if isinstance(node, BProd):
        return _rational_product(node, x)
    if isinstance(node, BPowConst) and node.c == int(node.c) and abs(node.c) <= 64:
        base = _rational(node.base, x)
        if base is None or (base == 0 and node.c < 0):
            return None
        return base ** int(node.c)
    return None


def _rational_product(node: BProd, x: Fraction) -> Fraction | None:
    out = Fraction(1)
    for op, factor in node.factors:
        value = _rational(factor, x)
        if value is None or (op == "/" and value == 0):
            return None
        out = out * value if op == "*" else out / value
    return out


class CAnd(C):
    def __init__(self, items: list[C]):
        self.items = items

    def children(self):
        return tuple(self.items)

    def truth(self, x):
        out = self.items[0].truth(x)
        for item in self.items[1:]:
            out = out & item.truth(x)
        return out


class COr(CAnd):
    def truth(self, x):
        out = self.items[0].truth(x)
        for item in self.items[1:]:
            out = out | item.truth(x)
        return out


class CNot(C):
    def __init__(self, arg: C):
        self.arg = arg

    def children(self):
        return (self.arg,)

    def truth(self, x):
        return ~self.arg.truth(x)


# --- intervals ---------------------------------------------------------------------------------

def _inside(s: float, t: float) -> float:
    """A finite point strictly inside (s, t)."""
    if math.isinf(s) and math.isinf(t):
        return 0.0
    if math.isinf(s):
        return t - max(1.0, abs(t))
    if math.isinf(t):
        return s + max(1.0, abs(s))
    return s / 2 + t / 2


def _overlay(first: list[Affine], second: list[Affine],
             combine: Callable[[tuple[float, float], tuple[float, float]],
                               tuple[float, float] | None]) -> list[Affine]:
    """Pieces where both are linear, combined (or dropped where ``combine`` gives None)."""
    out = []
    i = j = 0
    first, second = sorted(first), sorted(second)
    while i < len(first) and j < len(second):
        s1, t1, a1, b1 = first[i]
        s2, t2, a2, b2 = second[j]
        lo, hi = max(s1, s2), min(t1, t2)
        if lo < hi:
            got = combine((a1, b1), (a2, b2))
            if got is not None and all(math.isfinite(v) for v in got):
                out.append((lo, hi, float(got[0]), float(got[1])))
        if t1 <= t2:
            i += 1
        else:
            j += 1
    return out


def _clip(pieces: list[Affine], s: float, t: float) -> list[Affine]:
    return [(max(s, p[0]), min(t, p[1]), p[2], p[3]) for p in pieces
            if max(s, p[0]) < min(t, p[1])]


def _complement(pieces: list[Affine], lo: float, hi: float) -> list[tuple[float, float]]:
    gaps = []
    at = lo
    for s, t, _, _ in sorted(pieces):
        if s > at:
            gaps.append((at, s))
        at = max(at, t)
    if at < hi:
        gaps.append((at, hi))
    return gaps


def _merge(pieces: list[Affine]) -> list[Affine]:
    out: list[Affine] = []
    for piece in sorted(pieces):
        if out and out[-1][1] >= piece[0] and out[-1][2:] == piece[2:]:
            out[-1] = (out[-1][0], max(out[-1][1], piece[1]), *piece[2:])
        elif out and out[-1][1] > piece[0]:
            continue  # overlaps an earlier piece (only from rounding): keep the first
        else:
            out.append(piece)
    return out


def _delta(x: np.ndarray) -> np.ndarray:
    """The step used on either side of a point to read one-sided values (about 1e-6
    relative)."""
    return 2.0 ** -20 * np.maximum(1.0, np.abs(x))


def _crossings(truth: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
               nearer: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
               ) -> list[float]:
    """Where ``truth`` changes on [lo, hi]: brackets on a grid of ``GRID`` points, all bisected
    together down to neighbouring floats a < b; the point returned is a where ``nearer(a, b)``
    says the true crossing is nearer a, else b (the first float with the truth of the right
    side), so that it is the double nearest the true crossing (-2.0 for x*x < 4, the double
    nearest pi for sin(x) > 0); or 0 when the last bracket, narrower than 1e-15, holds 0."""
    xs = np.linspace(lo, hi, GRID)
    t = truth(xs)
    index = np.flatnonzero(t[1:] != t[:-1])
    if not index.size:
        return []
    a, b = xs[index], xs[index + 1]
    at_a = t[index]
    for _ in range(200):
        mid = a + (b - a) / 2
        zero = (a <= 0) & (b >= 0)
        open_ = (mid > a) & (mid < b) & ~(zero & (b - a <= 1e-15))
        if not open_.any():
            break
        same = truth(mid) == at_a
        a = np.where(open_ & same, mid, a)
        b = np.where(open_ & ~same, mid, b)
    roots = b
    if nearer is not None:  # the correctly rounded crossing: the neighbour nearer the true one
        roots = np.where(nearer(a, b), a, b)
    roots = np.where((a <= 0) & (b >= 0) & (b - a <= 1e-15), 0.0, roots)
    return [float(r) for r in roots]


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {
    BSum: ("terms",), BProd: ("factors",), BNeg: ("arg",), BElem: ("arg",), BCall: ("arg",),
    BCancel: ("arg",), BPowConst: ("base",), BPowBase: ("exponent",),
    BPowGeneral: ("base", "exponent"), BMinMax: ("a", "b"), BWhere: ("cond", "a", "b"),
    CCmp: ("left", "right"), CNot: ("arg",), CAnd: ("items",), COr: ("items",),
}
"""The attributes of each kind of node that hold its children (a node, or a list of nodes
or of (sign or operator, node) pairs)."""


class _Ctx:
    """One computation of kinks and pieces on [lo, hi]; non-linear crossings are searched on
    [wlo, whi]."""

    def __init__(self, lo: float, hi: float, wlo: float, whi: float):
        self.lo, self.hi, self.wlo, self.whi = lo, hi, wlo, whi
        self.numeric = False
        self._affine: dict[int, list[Affine]] = {}
        self._cands: dict[int, list[tuple[float, str]]] = {}
        self._poles: dict[int, list[float]] = {}
        self._zeros: dict[int, list[float]] = {}
        self._segments: dict[int, list[tuple[float, float, bool]]] = {}
        # The caches are keyed by id(node); the nodes are kept here, so that a temporary
        # node freed during the computation cannot pass its id, and its cached result, on
        # to a new one.
        self._alive: list[Any] = []

    def affine(self, node: B) -> list[Affine]:
        key = id(node)
        if key not in self._affine:
            self._alive.append(node)
            self._affine[key] = _merge(node.affine(self))
        return self._affine[key]

    def cands(self, node: B) -> list[tuple[float, str]]:
        key = id(node)
        if key not in self._cands:
            self._alive.append(node)
            self._cands[key] = node.cands(self)
        return self._cands[key]

    def poles(self, node: B) -> list[float]:
        key = id(node)
        if key not in self._poles:
            self._alive.append(node)
            self._poles[key] = node.poles(self)
        return self._poles[key]

    def zeros(self, node: B) -> list[float]:
        key = id(node)
        if key not in self._zeros:
            self._alive.append(node)
            self._zeros[key] = node.zeros(self)
        return self._zeros[key]

    def segments(self, cond: C) -> list[tuple[float, float, bool]]:
        """(start, end, truth) where the condition's truth is known and constant."""
        key = id(cond)
        if key not in self._segments:
            self._alive.append(cond)
            points, unknown = cond.split(self)
            cuts = sorted({p for p in points if self.lo <= p <= self.hi})
            spans = [(s, t) for s, t in itertools.pairwise(cuts) if s < t]
            reps = [_inside(s, t) for s, t in spans]
            keep = [i for i, r in enumerate(reps) if not any(u0 < r < u1 for u0, u1 in unknown)]
            truths: np.ndarray | list[bool] = []
            if keep:
                truths = cond.truth(np.array([reps[i] for i in keep], dtype=np.float64))
            self._segments[key] = [(*spans[i], bool(v)) for i, v in zip(keep, truths,
                                                                         strict=True)]
        return self._segments[key]

    def switches(self, cond: C) -> list[float]:
        """The points where the condition's truth changes."""
        segs = self.segments(cond)
        return [s1[1] for s1, s2 in itertools.pairwise(segs)
                if s1[1] == s2[0] and s1[2] != s2[2]]


# --- a formula bound to parameter values -------------------------------------------------------

TOL = 1e-10
"""A value whose error bound exceeds TOL times its size (or ``TINY``) is not given: NaN, and
:meth:`Bound.why` says why. The promise is 1e-9; the bounds are first order, hence the
margin."""

TINY = 1e-300
"""Below this, values are compared absolutely: a float64 can only be absolutely close."""

SLACK = 2.0 ** -42
"""Next to a zero of f^(k) no formula keeps relative digits: there a value is right if moving x
by SLACK of itself (about 2e-13), or of 1 where |x| < 1, moves f^(k) by at least its error
bound. (Of 1: a formula adds x to its constants, and rounding x + 1 moves x by 1e-16 even at
x = 0, where 2*smoothstep((x + 1)/2) - 1 is 0 with an error bound of 2e-16.)"""


def _scale(x: np.ndarray) -> np.ndarray:
    """|x|, or 1 where |x| < 1: what the slack next to a zero is a share of."""
    return np.maximum(np.abs(x), 1.0)


def unreliable(out: np.ndarray, error: Any) -> np.ndarray:
    """Where a value's error bound exceeds ``TOL`` relative (absolute below ``TINY``), or an
    infinite value is not known to be an overflow."""
    with np.errstate(all="ignore"):
        err = np.broadcast_to(np.asarray(error, dtype=np.float64), out.shape)
        finite = np.isfinite(out)
        ok = err <= TOL * np.maximum(np.abs(out), TINY)
        return np.where(finite, ~ok, np.isinf(out) & ~(err <= 0))


def _as_output(value: Any, x: np.ndarray, outs: list[np.ndarray]) -> np.ndarray:
    """``value`` (None for 0, a number or an array) as a fresh float64 array of x's shape."""
    if value is None:
        return np.zeros_like(x)
    if np.ndim(value) == 0:
        return np.full_like(x, float(value))
    out = np.asarray(value, dtype=np.float64)
    if out.shape != x.shape:
        out = np.broadcast_to(out, x.shape)
    if np.may_share_memory(out, x) or any(out is o for o in outs) or not out.flags.writeable:
        out = out.copy()
    return out

class Bound:
    """A formula with its parameters and flavor fixed: the kernel, kinks, pieces, limits.

    The kernel returns f, f', f'' where their error bounds (:mod:`._jet`) show them right;
    at a point where one is not (see :func:`unreliable`), that one is NaN, and :meth:`why`
    says what the formula as typed does there."""

    def __init__(self, root: B, text: str = "", rewrites: tuple[str, ...] = ()):
        self.root = root
        self.text = text
        self.rewrites = rewrites

    def kernel(self, x: np.ndarray, order: int, **_params: Any) -> tuple[np.ndarray, ...]:
        """f, f', f'' up to ``order`` at x: the first pass (:meth:`B.fast`) where its bounds
        show the values right (with the slack next to a zero: |x f^(k+1)| from the jet
        itself, or for the highest derivative from central differences of the first pass),
        the precise pass (:meth:`B.ev`) on the other points."""
        jet = self.root.fast(x, order)
        outs: list[np.ndarray] = []
        for value, _ in jet:
            outs.append(_as_output(value, x, outs))
        doubt: np.ndarray | None = None
        for k, (_, rho) in enumerate(jet):
            out = outs[k]
            with np.errstate(all="ignore"):
                finite = np.isfinite(out)
                if rho is None or (isinstance(rho, float) and rho <= TOL):
                    sure = finite  # the same relative bound everywhere, and small enough
                else:
                    sure = finite & (rho * np.abs(out) <= TOL * np.maximum(np.abs(out), TINY))
            if sure.all():
                continue
            index = np.flatnonzero(~sure & finite & np.isfinite(
                np.broadcast_to(np.asarray(0.0 if rho is None else rho), x.shape)))
            if index.size:
                err = np.broadcast_to(np.asarray(rho, dtype=np.float64), x.shape)[index] * \
                    np.abs(out[index])
                slope = (np.abs(outs[k + 1][index]) if k < order else
                         self._first_pass_slope(x[index], k))
                within = err <= TOL * np.maximum(np.abs(out[index]), TINY) + \
                    SLACK * _scale(x[index]) * np.where(np.isfinite(slope), slope, 0.0)
                sure = sure.copy()
                sure[index[within]] = True
            doubt = ~sure if doubt is None else doubt | ~sure
        if doubt is not None and doubt.any():
            index = np.flatnonzero(np.broadcast_to(doubt, x.shape))
            precise = self.precise(x[index], order)
            for out, again in zip(outs, precise, strict=True):
                out[index] = again
        return tuple(outs)

    def _first_pass_slope(self, x: np.ndarray, k: int) -> np.ndarray:
        """|f^(k+1)| at x by central differences over x -+ 2^-30 max(|x|, 1) of the first
        pass, less their error bounds (0 where those say nothing)."""
        step = 2.0 ** -30 * _scale(x)
        sides = []
        with np.errstate(all="ignore"):
            for s in (-1.0, 1.0):
                value, rho = self.root.fast(x + s * step, k)[k]
                value = np.broadcast_to(np.asarray(0.0 if value is None else value,
                                                   dtype=np.float64), x.shape)
                err = np.abs(value) * np.broadcast_to(
                    np.asarray(0.0 if rho is None else rho, dtype=np.float64), x.shape)
                sides.append((value, err))
            change = np.abs(sides[1][0] - sides[0][0]) - sides[0][1] - sides[1][1]
            slope = np.maximum(change, 0.0) / np.where(step > 0, 2.0 * step, 1.0)
        return np.where(np.isfinite(slope), slope, 0.0)

    def precise(self, x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
        """The precise pass alone: each value with its error bound, NaN where that exceeds
        ``TOL`` (beyond the slack next to a zero)."""
        jet = self.root.ev(x, order)
        outs: list[np.ndarray] = []
        for k, (value, error) in enumerate(jet):
            out = _as_output(value, x, outs)
            if error is not None:
                bad = unreliable(out, error)
                if bad.any():
                    bad = self._beyond_slack(x, k, order, bad, out, error)
                    if bad.any():
                        if not out.flags.writeable or np.may_share_memory(out, x):
                            out = out.copy()
                        out[bad] = np.nan
            outs.append(out)
        return tuple(outs)

    def _beyond_slack(self, x: np.ndarray, k: int, order: int, bad: np.ndarray,
                      out: np.ndarray, error: Any) -> np.ndarray:
        """``bad`` without the points where the error is within what moving x by ``SLACK``
        of itself (of 1 where |x| < 1) moves the value (next to a zero of f^(k), where no
        formula keeps relative digits); |f^(k+1)| from central differences over
        x -+ 2^-30 max(|x|, 1), less their error bounds."""
        index = np.flatnonzero(bad & np.isfinite(out))
        if not index.size:
            return bad
        at = x[index]
        step = 2.0 ** -30 * _scale(at)
        sides = [self.root.ev(at + s * step, order)[k] for s in (-1.0, 1.0)]
        values = [np.broadcast_to(np.asarray(0.0 if v is None else v, dtype=np.float64),
                                  at.shape) for v, _ in sides]
        errors = [np.broadcast_to(np.asarray(0.0 if e is None else e, dtype=np.float64),
                                  at.shape) for _, e in sides]
        change = np.abs(values[1] - values[0]) - errors[0] - errors[1]
        slack = SLACK * _scale(at) * np.maximum(change, 0.0) / (2.0 * step)
        err = np.broadcast_to(np.asarray(error, dtype=np.float64), x.shape)[index]
        within = err <= TOL * np.maximum(np.abs(out[index]), TINY) + slack
        bad = bad.copy()
        bad[index[within]] = False
        return bad

    def evaluate(self, x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
        """The kernel at finite x of any shape."""
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            return tuple(out.reshape(x.shape) for out in self.kernel(x.reshape(-1), order))

    def why(self, x: float, k: int) -> str | None:
        """Why f^(k) is NaN at x, when the formula as typed cannot give it there in float64
        (its error bound exceeds ``TOL``): the part of the formula where its digits are lost
        and, where one is known, the stable spelling; None if f^(k) is NaN for another reason
        (no value there)."""
        from ._explain import explain

        return explain(self, x, k)

    def limits(self):
        return sampled_limits(self.evaluate)

    def structure(self, lo: float, hi: float
                  ) -> tuple[tuple[Kink, ...], tuple[Piece, ...], bool]:
        """Kinks in [lo, hi], linear pieces clipped to it, and whether both are exact (no
        crossing had to be searched numerically)."""
        if math.isfinite(lo) and math.isfinite(hi):
            wlo, whi = lo, hi
        else:
            wlo, whi = max(lo, -WINDOW), min(hi, WINDOW)
        ctx = _Ctx(lo, hi, wlo, whi)
        with np.errstate(all="ignore"):
            affine = ctx.affine(self.root)
            candidates = ctx.cands(self.root)
            kinks = self._orders(candidates, affine, lo, hi)
        pieces = tuple(Piece(float(max(s, lo)), float(min(t, hi)), float(a))
                       for s, t, a, _ in affine if max(s, lo) < min(t, hi))
        return kinks, pieces, not ctx.numeric

    def poles(self, lo: float, hi: float) -> tuple[float, ...]:
        """The poles in [lo, hi] (on the window [-``WINDOW``, ``WINDOW``] where a crossing
        must be searched numerically and the range is infinite): the points of
        :meth:`B.poles` next to which |f| grows without bound."""
        if math.isfinite(lo) and math.isfinite(hi):
            wlo, whi = lo, hi
        else:
            wlo, whi = max(lo, -WINDOW), min(hi, WINDOW)
        ctx = _Ctx(lo, hi, wlo, whi)
        with np.errstate(all="ignore"):
            found = sorted({float(p) for p in ctx.poles(self.root)
                            if math.isfinite(p) and lo <= p <= hi})
            if not found:
                return ()
            sure = self._unbounded(np.array(found))
        return tuple(p for p, yes in zip(found, sure, strict=True) if yes)

    def _unbounded(self, points: np.ndarray) -> np.ndarray:
        """Whether |f| grows without bound toward each point, from one side at least: at
        2^-8, 2^-16, ..., 2^-48 (relative) from it, |f| grows at every step by no less than
        half its first growth (log(x) by the same amount, 1/x ever more; sin(x)/x and
        x*log(x) do not), or overflows."""
        steps = 2.0 ** -np.arange(8.0, 49.0, 8.0)
        scale = np.maximum(1.0, np.abs(points))
        sure = np.zeros(points.shape, bool)
        for side in (-1.0, 1.0):
            xs = points[:, None] + side * steps[None, :] * scale[:, None]
            size = np.abs(self.evaluate(xs, 0)[0])
            at = np.abs(self.evaluate(points, 0)[0])
            size = np.where(np.isnan(size), -np.inf, size)
            grow = np.diff(size, axis=1)
            rising = np.all((grow > 0) | np.isinf(size[:, 1:]), axis=1)
            steady = (grow[:, -1] >= 0.5 * grow[:, 0]) | np.isinf(size[:, -1])
            sure |= (rising & steady & np.isfinite(size[:, 0])) | (np.isinf(at) & rising)
        return sure

    def _orders(self, candidates: list[tuple[float, str]], affine: list[Affine], lo: float,
                hi: float) -> tuple[Kink, ...]:
        chosen: list[tuple[float, str]] = []
        for x, source in sorted(candidates, key=lambda c: c[0]):
            if not (math.isfinite(x) and lo <= x <= hi):
                continue
            if chosen and x - chosen[-1][0] <= 4 * float(_delta(np.array(x))):
                continue
            chosen.append((x, source))
        if not chosen:
            return ()
        r = np.array([x for x, _ in chosen])
        d = _delta(r)
        outs = self.evaluate(np.concatenate([r - 2 * d, r - d, r + d, r + 2 * d]), 2)
        kinks = []
        for i, (x, source) in enumerate(chosen):
            order = 3
            for k in range(3):
                v = outs[k].reshape(4, len(r))[:, i]
                left, right = 2 * v[1] - v[0], 2 * v[2] - v[3]
                scale = max(1.0, abs(v[1]), abs(v[2]))
                if not abs(left - right) <= 1e-7 * scale:
                    order = k
                    break
            if order == 3 and any(s < x < t for s, t, _, _ in affine):
                continue  # linear across it: no kink
            kinks.append(Kink(float(x), order, source))
        return tuple(kinks)


# --- the formula -------------------------------------------------------------------------------

class Formula:
    """A parsed formula: its text, parameters, and the expression tree (unbound)."""

    def __init__(self, name: str | None, text: str, scope: Mapping[str, Definition] | None,
                 params: Mapping[str, float] | None = None):
        self.name, self.text, self.scope = name, text, scope
        if not isinstance(text, str):
            raise FormulaError(f"a formula must be a string, got {text!r}")
        if len(text) > MAX_LENGTH:
            raise FormulaError(f"a formula is at most {MAX_LENGTH} characters long, got "
                               f"{len(text)}")
        body_end = text.find(";")
        declared = _parse_params(text, body_end + 1) if body_end >= 0 else {}
        for key, value in (params or {}).items():
            if normalize(key) in declared:
                raise FormulaError(f"in '{_shown(text)}': the parameter '{key}' is given both "
                                   "after ';' and in params")
            if not isinstance(value, (int, float)) or isinstance(value, bool) or \
                    not math.isfinite(value):
                raise FormulaError(f"in '{_shown(text)}': the parameter '{key}' must be a "
                                   f"finite number, got {value!r}")
            declared[normalize(key)] = (float(value), -1)
        self.extra = {normalize(k): float(v) for k, v in (params or {}).items()}
        stop = body_end if body_end >= 0 else len(text)
        self.body = text[:stop].strip()
        if not self.body:
            raise FormulaError(f"in '{_shown(text)}': the formula is empty")
        parser = _Parser(text, 0, stop, {k: v for k, (v, _) in declared.items()}, scope)
        self.root = parser.formula()
        for key, (_, col) in declared.items():
            if key not in parser.used:
                where = f" at column {col + 1}" if col >= 0 else ""
                raise FormulaError(f"in '{_shown(text)}': the parameter '{key}' is not used in "
                                   f"the formula{where}.")
        self.params = tuple(Param(key, value, "a parameter of the formula")
                            for key, (value, _) in declared.items())
        self.flavored = any(isinstance(n, Call) and n.found.flavored for n in _walk(self.root))
        self.bind({p.name: p.default for p in self.params}, "torch")  # checks the constants

    @property
    def anonymous(self) -> bool:
        return self.name is None

    def __reduce__(self):
        return (Formula, (self.name, self.text, self.scope, self.extra))

    def bind(self, values: Mapping[str, Any], flavor: str) -> Bound:
        """The formula with these parameter values and flavor, constants folded and its
        idioms in their stable forms (:mod:`._rewrite`)."""
        from ._rewrite import rewrite

        root, notes = rewrite(self.root.bind(_Env(self.text, values, flavor)), self.text,
                              flavor)
        return Bound(_fold(root), self.text, notes)

    def kernel(self, x: np.ndarray, order: int, **params: Any) -> tuple[np.ndarray, ...]:
        """The formula evaluated with its derivatives (binds on every call; an
        :class:`Activation` binds once)."""
        return self.bind(params, "torch").kernel(x, order)

    def limits(self, params: Mapping[str, Any]):
        return self.bind(params, "torch").limits()

    def kinks(self, params: Mapping[str, Any]) -> tuple[Kink, ...]:
        return self.bind(params, "torch").structure(-INF, INF)[0]

    def pieces(self, params: Mapping[str, Any]) -> tuple[Piece, ...]:
        return self.bind(params, "torch").structure(-INF, INF)[1]

    def latex_body(self) -> str:
        return self.root.tex()[0]

    def activate(self, definition: Definition, values: Mapping[str, Any],
                 flavor: str) -> FormulaActivation:
        return FormulaActivation(definition, values, flavor, self.bind(values, flavor))


def _walk(node: Expr):
    yield node
    for child in node.children():
        yield from _walk(child)


class FormulaActivation(Activation):
    """An :class:`Activation` of a formula: bound once, kinks and pieces from its structure
    (see the module's docstring), limits sampled far out."""

    def __init__(self, definition: Definition, params: Mapping[str, Any], flavor: str,
                 bound: Bound):
        self.definition = definition
        self._params = dict(params)
        self.flavor = flavor
        self._bound = bound
        self._kernel = bound.kernel
        self._writes_out = False
        self.__doc__ = definition.doc
        self.limits = bound.limits()
        self.kinks, self.pieces, self.kinks_exact = bound.structure(-INF, INF)
        self.poles = bound.poles(-INF, INF)
        if self.poles:  # a pole is not a kink (log(abs(x)) at 0)
            self.kinks = tuple(k for k in self.kinks if k.x not in self.poles)
        self._poles: dict[tuple[float, float], tuple[float, ...]] = {}
        self.band = None
        self.latex, self.latex_d = definition.latex, definition.latex_d
        self.text, self.text_d = definition.text, definition.text_d
        self._ranges: dict[tuple[float, float], tuple[tuple[Kink, ...], tuple[Piece, ...]]] = {}

    def check_given(self, x: Any, outs: Sequence[np.ndarray]) -> None:
        """Raise :class:`NotFiniteError` with :meth:`why` where a value in ``outs`` (the
        results of ``evaluate(x, order)``) is NaN because the formula as typed cannot give
        it in float64; a NaN where the function has no value (log(-1)) passes, as in a
        table of values."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        for k, out in enumerate(outs):
            nan = np.flatnonzero(np.isnan(np.asarray(out).reshape(-1)) & np.isfinite(x))
            if not nan.size:
                continue
            with np.errstate(all="ignore"):
                raw = self._bound.root.ev(x[nan], k)[k][0]
            raw = np.broadcast_to(np.asarray(0.0 if raw is None else raw, dtype=np.float64),
                                  nan.shape)
            flagged = nan[~np.isnan(raw)]  # given by the formula, refused by the check
            probes = [(int(i), int(flagged.size)) for i in flagged[:1]]
            probes += [(int(i), 1) for i in nan[:3] if i not in flagged[:1]]  # 0 * inf inside
            for i, count in probes:
                told = self.why(float(x[i]), k, count, int(x.size))
                if told is not None:
                    raise NotFiniteError(told)

    def signs(self, x: Any, order: int) -> np.ndarray:
        """f^(order) at finite x from the first pass alone, without the accuracy check: for
        root finding, which needs only signs (right wherever the value is not within its
        error of 0), at a fraction of the cost near a zero, where the check works hardest."""
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            value = self._bound.root.fast(x.reshape(-1), order)[order][0]
        return _as_output(value, x.reshape(-1), []).reshape(x.shape)

    @property
    def rewrites(self) -> tuple[str, ...]:
        """The idioms evaluated in their stable forms (:mod:`._rewrite`), in words."""
        return self._bound.rewrites

    def why(self, x: float, k: int, count: int = 1, total: int = 1) -> str | None:
        """The one-line message for a point where f^(k) is NaN because the formula as typed
        cannot be evaluated there in float64 (None if it has no value there at all);
        ``count`` of ``total`` points are concerned."""
        from ._explain import message

        return message(self.spec, self._bound, x, k, count, total)

    def _on(self, lo: float, hi: float) -> tuple[tuple[Kink, ...], tuple[Piece, ...]]:
        key = (float(lo), float(hi))
        if key not in self._ranges:
            self._ranges[key] = self._bound.structure(*key)[:2]
        return self._ranges[key]

    def kinks_in(self, lo: float, hi: float) -> tuple[Kink, ...]:
        found = super().kinks_in(lo, hi) if self.kinks_exact else self._on(lo, hi)[0]
        poles = self.poles_in(lo, hi)
        return tuple(k for k in found if k.x not in poles) if poles else found

    def poles_in(self, lo: float, hi: float) -> tuple[float, ...]:
        """The poles in [lo, hi], found on that range (tan(x) has them everywhere)."""
        key = (float(lo), float(hi))
        if key not in self._poles:
            self._poles[key] = self._bound.poles(*key)
        return self._poles[key]

    def pieces_in(self, lo: float, hi: float) -> tuple[Piece, ...]:
        if self.kinks_exact:
            return super().pieces_in(lo, hi)
        return self._on(lo, hi)[1]

    @property
    def spec(self) -> str:
        formula = self.definition.formula
        if not formula.anonymous:
            return super().spec
        if not self._params:
            return formula.body
        values = ", ".join(f"{k}={format_number(v)}" for k, v in self._params.items())
        return f"{formula.body}; {values}"

    def _identity(self) -> tuple:
        flavor = self.flavor if self.definition.formula.flavored else None
        return (self.name, tuple(sorted(self._params.items())), flavor)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FormulaActivation):
            return NotImplemented if not isinstance(other, Activation) else False
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __reduce__(self):
        return (_reactivate, (self.definition, self._params, self.flavor))


def _reactivate(definition, params, flavor):
    return definition.formula.activate(definition, params, flavor)


# --- definitions -------------------------------------------------------------------------------

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def check_name(name: str) -> str:
    """The normalised name, or :class:`ParameterError` if it cannot name a function."""
    if not isinstance(name, str):
        raise ParameterError(f"a function's name must be a string, got {name!r}")
    key = normalize(name)
    if not _NAME.fullmatch(key) or "__" in key:
        raise ParameterError(f"'{name}' cannot name a function: use letters, digits and '_', "
                             "starting with a letter")
    if key in RESERVED or keyword.iskeyword(key):
        raise ParameterError(f"'{name}' cannot name a function: a formula uses that word")
    return key


class FormulaKernel:
    """``kernel(x, order, **params)`` of a formula's :class:`Definition` (picklable)."""

    def __init__(self, formula: Formula):
        self.formula = formula
        self.__doc__ = (f"The user formula f(x) = {formula.body}; f' and f'' are computed "
                        "exactly from it by forward-mode differentiation of second order.")

    def __call__(self, x: np.ndarray, order: int, **params: Any) -> tuple[np.ndarray, ...]:
        return self.formula.kernel(x, order, **params)


def make_definition(formula: Formula, name: str, title: str | None = None,
                    **meta: Any) -> Definition:
    symbol = r"f" if formula.anonymous else r"\mathrm{" + name.replace("_", r"\_") + "}"
    meta.setdefault("reference", None)
    return Definition(
        name=name, kernel=FormulaKernel(formula), title=title or formula.body,
        family=FAMILY, symbol=symbol, latex=f"{symbol}(x) = {formula.latex_body()}",
        latex_d=LATEX_D, text=formula.body, text_d=TEXT_D, limits=formula.limits,
        params=formula.params, kinks=formula.kinks, pieces=formula.pieces,
        formula=formula, origin="formula", **meta)


def define_formula(name: str, formula: str, params: Mapping[str, float] | None = None,
                   title: str | None = None, scope: Mapping[str, Definition] | None = None,
                   **meta: Any) -> Definition:
    """A formula as a named :class:`Definition`, not registered (``define:`` in YAML)."""
    key = check_name(name)
    return make_definition(Formula(key, formula, scope, params), key, title, **meta)


@functools.lru_cache(maxsize=256)
def _anonymous(text: str) -> Definition:
    return make_definition(Formula(None, text, None), text.split(";")[0].strip())


def formula_definition(spec: str, scope: Mapping[str, Definition] | None = None) -> Definition:
    """The definition of the formula ``spec`` (a spec that is not a name)."""
    text = spec.strip()
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"a formula is at most {MAX_LENGTH} characters long, got "
                           f"{len(text)}")
    if scope:
        return make_definition(Formula(None, text, scope), text.split(";")[0].strip())
    return _anonymous(text)


def formula_definition_or_none(spec: str,
                               scope: Mapping[str, Definition] | None = None) -> Definition | None:
    """The definition of ``spec`` as a formula, or None if it is not a valid one."""
    try:
        return formula_definition(spec, scope)
    except ActvizError:
        return None


def forget() -> None:
    """Drop the cached anonymous formulas (after the registry changed)."""
    _anonymous.cache_clear()
