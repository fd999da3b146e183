"""Numerically stable building blocks shared by the kernels.

Every helper takes a finite float64 array and returns results accurate to a few ulps in the
relative sense for any finite input. They run under the ``np.errstate(all="ignore")`` that
:meth:`Activation.evaluate` sets: an exp may overflow to inf or underflow to 0 on purpose
where the formula built on it then gives the exact limit (1/(1 + inf) = 0), and no warning
reaches the caller.

They avoid ``np.where`` on the whole input where arithmetic does the same (a data-dependent
select is slow on unpredictable inputs), and compute a second formula only for the few
elements that need it (see :func:`fix`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

SQRT_2PI_INV = 1.0 / math.sqrt(2.0 * math.pi)
SQRT1_2 = math.sqrt(0.5)
BIG = 1e300

_special: ModuleType | None = None


def special() -> ModuleType:
    """``scipy.special``, imported on first use only (it costs a noticeable start-up time)."""
    global _special
    if _special is None:
        import scipy.special

        _special = scipy.special
    return _special


def scaled(x: np.ndarray, factor: float) -> np.ndarray:
    """``factor * x`` without overflow: x is first clipped to +-1e300/|factor|.

    Used where the product feeds a function that has long reached its limit (an exp, a
    sigmoid), so the clipping changes no result, only avoids an inf that would later meet a 0.
    """
    if abs(factor) <= 1.0:
        return factor * x
    bound = BIG / abs(factor)
    return factor * np.clip(x, -bound, bound)


def fix(out: np.ndarray, where: np.ndarray, formula: Callable[..., np.ndarray],
        *args: np.ndarray) -> None:
    """``out[where] = formula(*(a[where] for a in args))``, computed for those elements only:
    the rare inputs for which the fast formula of a kernel would cancel."""
    index = np.flatnonzero(where)
    if index.size:
        out[index] = formula(*(a[index] for a in args))


def at(out: list[np.ndarray] | None, k: int) -> np.ndarray | None:
    """Where a kernel writes its k-th result: the caller's array (``out``), or None to let
    the ufunc allocate one. ``out`` holds one array per result the caller asked for (one for
    order 0), so a helper that computes a further intermediate (``tanh_sech2``'s sech^2 at
    order 0) gets None for it rather than an IndexError."""
    return None if out is None or k >= len(out) else out[k]


def choose(mask: np.ndarray, a: Any, b: Any, out: np.ndarray | None = None) -> np.ndarray:
    """``a`` where ``mask`` else ``b`` (finite values), by arithmetic: the products with 1.0
    and 0.0 are exact, and unlike ``np.where`` nothing branches on an unpredictable mask."""
    m = mask.astype(np.float64)
    chosen = np.multiply(m, a, out=out)
    m -= 1.0
    m *= b
    chosen -= m
    return chosen


def logistic(x: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(sigma(x), sigma(-x))`` from one exp, each to full relative accuracy.

    With E = exp(-x): sigma(x) = 1/(1 + E) and sigma(-x) = E sigma(x). Neither subtracts,
    so both keep their digits in both tails (unlike 1 - sigma(x)). Below x = -709, E
    overflows to inf: sigma(x) is then exactly 0 and sigma(-x), inf * 0 there, is set to 1.
    """
    e = np.negative(x)
    np.exp(e, out=e)
    s = np.add(e, 1.0, out=out)
    np.reciprocal(s, out=s)
    e *= s
    fix(e, x < -709.0, np.ones_like, x)
    return s, e


def _tanh_series(x: np.ndarray) -> np.ndarray:
    """tanh(x) for |x| < 0.01: x (1 - x^2/3 + 2x^4/15 - 17x^6/315), truncation < 1e-17."""
    z = x * x
    return x * (1.0 + z * (-1.0 / 3.0 + z * (2.0 / 15.0 + z * (-17.0 / 315.0))))


def tanh_half(x: np.ndarray) -> np.ndarray:
    """``tanh(x/2) = sigma(x) - sigma(-x)``, accurate near 0."""
    t, _ = tanh_sech2(0.5 * x)
    return t


def tanh_sech2(x: np.ndarray,
               out: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(tanh(x), sech(x)**2)`` from one exp, both to full relative accuracy.

    With e = exp(-2|x|) and r = 1/(1 + e): tanh|x| = 2r - 1 = (1 - e) r and
    sech^2 x = 4 e r^2, which keeps its digits for large |x| where 1 - tanh^2 cancels to 0.
    Below |x| = 0.01, where 1 - e loses digits, tanh comes from its Taylor series and
    sech^2 as 1 - tanh^2 (no cancellation there, and never above 1, where 4 e r^2 can round
    to 1 + 2^-52).
    """
    a = np.abs(x)
    small = a < 0.01
    a *= -2.0
    e = np.exp(a, out=a)
    r = e + 1.0
    np.reciprocal(r, out=r)
    t = np.subtract(1.0, e, out=at(out, 0))
    t *= r
    np.copysign(t, x, out=t)
    fix(t, small, _tanh_series, x)
    e *= 4.0
    e *= r
    s2 = np.multiply(e, r, out=at(out, 1))
    fix(s2, small, lambda v: 1.0 - v * v, t)
    return t, s2


def expm1_minus(xn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(exp(xn), expm1(xn))`` for xn <= 0 from one exp: expm1 as exp - 1, which is exact to
    1e-13 relative below -0.001, and from its Taylor series above (where it would cancel)."""
    ex = np.exp(xn)
    em = ex - 1.0
    fix(em, (xn > -1e-3) & (xn < 0.0),
        lambda t: t * (1.0 + t * (0.5 + t * (1.0 / 6.0 + t / 24.0))), xn)
    return ex, em


def times_exp(c: float, t: np.ndarray) -> np.ndarray:
    """``c * exp(t)`` for t <= 0 and c > 0, also where exp(t) alone underflows to a subnormal
    or 0 but the product does not (elu's alpha = 1e300 at x = -800): there, as
    (c e^{t/2}) e^{t/2}, each factor normal, instead of c times a subnormal that has lost
    its digits."""
    r = np.exp(t)
    r *= c
    if c > 1.0:
        fix(r, t < -700.0, lambda u: (c * np.exp(0.5 * u)) * np.exp(0.5 * u), t)
    return r


def log1p_small(u: np.ndarray) -> np.ndarray:
    """``log1p(u)`` for 0 <= u <= 1: log(1 + u), and its Taylor series below u = 0.001
    where 1 + u would round away the digits of u (both exact to 1e-13 relative)."""
    out = u + 1.0
    np.log(out, out=out)
    fix(out, u < 1e-3, lambda t: t * (1.0 + t * (-0.5 + t * (1.0 / 3.0 + t * (-0.25 + t / 5)))),
        u)
    return out


def sinpi_cospi(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sin(pi x), cos(pi x))`` to full relative accuracy at any x, also next to their
    zeros (sin(pi x) at integers) and for |x| beyond 2^52, where pi*x would round away
    everything.

    x is reduced exactly: m = fmod(x, 2) (exact in IEEE arithmetic), n = round(2m), r = m - n/2
    in [-1/4, 1/4] (exact too); sin and cos of pi*r then lose nothing, and the quarter turn
    n mod 4 picks the signs and which is which.
    """
    m = np.fmod(x, 2.0)
    n = np.rint(2.0 * m)
    r = m - 0.5 * n
    pr = np.pi * r
    s, c = np.sin(pr), np.cos(pr)
    quarter = np.mod(n, 4.0)  # 0, 1, 2 or 3
    odd = quarter % 2.0 == 1.0
    sin = np.where(odd, c, s)
    cos = np.where(odd, -s, c)
    flip = quarter >= 2.0
    sin = np.where(flip, -sin, sin)
    cos = np.where(flip, -cos, cos)
    return sin, cos


def phi(x: np.ndarray) -> np.ndarray:
    """The standard normal density; 0 beyond |x| = 40 where it underflows anyway."""
    xc = np.clip(x, -40.0, 40.0)
    return SQRT_2PI_INV * np.exp(-0.5 * xc * xc)


def erfc(x: np.ndarray) -> np.ndarray:
    """erfc elementwise, to within an ulp: the C library's (Python's ``math.erfc``), one
    element at a time, for arrays of any length and whether or not scipy is loaded, so that a
    value never depends on what else ran in the process (scipy.special's erfc differs from the
    C library's in the last bit at about half the points). About 0.1 s per million points;
    importing scipy.special alone takes 0.3 s, a whole figure's drawing."""
    values = np.asarray(x, dtype=np.float64)
    flat = values.ravel().tolist()
    return np.fromiter(map(math.erfc, flat), dtype=np.float64, count=len(flat)).reshape(
        values.shape
    )


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = erfc(-x/sqrt(2))/2, accurate in the far left tail (no 1 + erf cancellation)."""
    return 0.5 * erfc(-SQRT1_2 * x)


def polynomial(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """sum(c[k] * x**k) by Horner's rule."""
    result = np.full_like(x, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = result * x + c
    return result
