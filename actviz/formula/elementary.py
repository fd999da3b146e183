r"""The elementary functions of a formula, g(u) with g', g'' and g''' in closed form, and the
stable primitives that :mod:`.rewrite` puts in place of common idioms.

``fn(u, n)`` returns ``(g, g', ..., g^(n))`` at u for n <= 3, computing shared intermediates
once; an entry that is exactly 0 everywhere is None (abs''). The third derivative is not part
of any result: it bounds how much the rounding of u moves g'' (see :mod:`.jet`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..catalog._math import special

Derivs = tuple[Any, ...]


def _exp(u: Any, n: int) -> tuple[Any, ...]:
    e = np.exp(u)
    return (e,) * (n + 1)


def _log(u: Any, n: int) -> tuple[Any, ...]:
    v = np.log(u)
    if n == 0:
        return (v,)
    r = np.where(u < 0, np.nan, 1.0 / u)  # no derivative where there is no value
    return (v, r, -(r * r), 2.0 * r * r * r)[:n + 1]


def _log1p(u: Any, n: int) -> tuple[Any, ...]:
    v = np.log1p(u)
    if n == 0:
        return (v,)
    r = np.where(u < -1, np.nan, 1.0 / (1.0 + u))
    return (v, r, -(r * r), 2.0 * r * r * r)[:n + 1]


def _expm1(u: Any, n: int) -> tuple[Any, ...]:
    if n == 0:
        return (np.expm1(u),)
    e = np.exp(u)
    return (np.expm1(u), e, e, e)[:n + 1]


def _sqrt(u: Any, n: int) -> tuple[Any, ...]:
    s = np.sqrt(u)
    if n == 0:
        return (s,)
    d = 0.5 / s
    if n == 1:
        return (s, d)
    d2 = -d / (2.0 * u)
    return (s, d, d2, -1.5 * d2 / u)[:n + 1]


def _abs(u: Any, n: int) -> tuple[Any, ...]:
    return (np.abs(u), np.sign(u), None, None)[:n + 1]


def _sin(u: Any, n: int) -> tuple[Any, ...]:
    s = np.sin(u)
    if n == 0:
        return (s,)
    c = np.cos(u)
    return (s, c, -s, -c)[:n + 1]


def _cos(u: Any, n: int) -> tuple[Any, ...]:
    c = np.cos(u)
    if n == 0:
        return (c,)
    s = np.sin(u)
    return (c, -s, -c, s)[:n + 1]


def _tan(u: Any, n: int) -> tuple[Any, ...]:
    t = np.tan(u)
    if n == 0:
        return (t,)
    d = 1.0 + t * t
    return (t, d, 2.0 * t * d, 2.0 * d * (d + 2.0 * t * t))[:n + 1]


def _sinh(u: Any, n: int) -> tuple[Any, ...]:
    s = np.sinh(u)
    if n == 0:
        return (s,)
    c = np.cosh(u)
    return (s, c, s, c)[:n + 1]


def _cosh(u: Any, n: int) -> tuple[Any, ...]:
    c = np.cosh(u)
    if n == 0:
        return (c,)
    s = np.sinh(u)
    return (c, s, c, s)[:n + 1]


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _gauss(u: Any) -> Any:
    uc = np.clip(u, -40.0, 40.0)
    return uc, _TWO_OVER_SQRT_PI * np.exp(-uc * uc)


def _erf(u: Any, n: int) -> tuple[Any, ...]:
    v = special().erf(u)
    if n == 0:
        return (v,)
    uc, d = _gauss(u)
    return (v, d, -2.0 * uc * d, (4.0 * uc * uc - 2.0) * d)[:n + 1]


def _erfc(u: Any, n: int) -> tuple[Any, ...]:
    v = special().erfc(u)
    if n == 0:
        return (v,)
    uc, d = _gauss(u)
    return (v, -d, 2.0 * uc * d, (2.0 - 4.0 * uc * uc) * d)[:n + 1]


ELEMENTARY: dict[str, tuple[Callable, str]] = {
    "exp": (_exp, r"\exp"), "log": (_log, r"\log"), "log1p": (_log1p, r"\mathrm{log1p}"),
    "expm1": (_expm1, r"\mathrm{expm1}"), "sqrt": (_sqrt, ""), "abs": (_abs, ""),
    "sin": (_sin, r"\sin"), "cos": (_cos, r"\cos"), "tan": (_tan, r"\tan"),
    "sinh": (_sinh, r"\sinh"), "cosh": (_cosh, r"\cosh"), "erf": (_erf, r"\mathrm{erf}"),
    "erfc": (_erfc, r"\mathrm{erfc}"),
}
"""The elementary functions by name: ``fn(u, n)`` and the LaTeX operator."""

EXACT_DERIVATIVES = frozenset({"abs"})
"""Functions whose derivatives are exact wherever they are taken (abs' = sign(u))."""


# --- stable primitives, for the rewriter ---------------------------------------------------------

def sech2(u: Any, n: int) -> tuple[Any, ...]:
    r"""sech^2(u) = 1 - tanh^2(u) without the cancellation: 4e/(1 + e)^2 with e = exp(-2|u|)
    (below |u| = 0.01, where that form rounds above 1, 1 - tanh^2 itself), and its
    derivatives -2 t s, s (4t^2 - 2s), 8 t s (2s - t^2) with t = tanh(u)."""
    a = np.abs(u)
    e = np.exp(-2.0 * a)
    t = np.tanh(u)
    s = np.where(a < 0.01, 1.0 - t * t, 4.0 * e / ((1.0 + e) * (1.0 + e)))
    if n == 0:
        return (s,)
    out = [s, -2.0 * t * s]
    if n >= 2:
        out.append(s * (4.0 * t * t - 2.0 * s))
    if n >= 3:
        out.append(8.0 * t * s * (2.0 * s - t * t))
    return tuple(out)


def root_of_square_plus(c: float) -> Callable:
    r"""sqrt(u^2 + c) for a constant c, without overflow or cancellation: hypot(u, sqrt(c)) for
    c >= 0, sqrt((|u| - s)(|u| + s)) with s = sqrt(-c) for c < 0; h' = u/h, h'' = c/h^3,
    h''' = -3 c u / h^5, each as a chain of quotients that neither overflows nor underflows
    before its result does."""
    root = math.sqrt(abs(c))

    def fn(u: Any, n: int) -> tuple[Any, ...]:
        if c >= 0:
            h = np.hypot(u, root)
        else:
            a = np.abs(u)
            h = np.sqrt((a - root) * (a + root))
        if n == 0:
            return (h,)
        d = u / h
        if n == 1:
            return (h, d)
        d2 = c / h / h / h
        return (h, d, d2, -3.0 * d2 * d / h)[:n + 1]

    return fn
