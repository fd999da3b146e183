"""Numerically stable building blocks shared by the kernels.

Every helper takes a finite float64 array and returns results accurate to a few ulps in the
relative sense, without floating-point warnings, for any finite input.
"""

from __future__ import annotations

import math
from types import ModuleType

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


def logistic(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(sigma(x), sigma(-x), e)`` with ``e = exp(-|x|)``, each to full relative accuracy.

    The two-branch form: for x >= 0, sigma(x) = 1/(1+e) and sigma(-x) = e/(1+e); mirrored for
    x < 0. One exp serves both and sigma(x)*sigma(-x) = e/(1+e)^2 needs no subtraction.
    """
    e = np.exp(-np.abs(x))
    r = 1.0 / (1.0 + e)
    er = e * r
    pos = x >= 0
    return np.where(pos, r, er), np.where(pos, er, r), e


def tanh_half(x: np.ndarray) -> np.ndarray:
    """``tanh(x/2) = sigma(x) - sigma(-x)``, accurate near 0 (via expm1)."""
    em = np.expm1(-np.abs(x))
    return -np.sign(x) * em / (2.0 + em)


def tanh_sech2(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(tanh(x), sech(x)**2)``, both to full relative accuracy.

    With e = exp(-2|x|) and m = expm1(-2|x|): tanh|x| = -m/(2+m), accurate near 0, and
    sech^2 x = 4e/(1+e)^2, which keeps its digits for large |x| where 1 - tanh^2 (or 1 + m)
    cancels to 0.
    """
    a = -2.0 * np.abs(x)
    em = np.expm1(a)
    e = np.exp(a)
    one_e = 1.0 + e
    return -np.sign(x) * em / (2.0 + em), 4.0 * e / (one_e * one_e)


def phi(x: np.ndarray) -> np.ndarray:
    """The standard normal density; 0 beyond |x| = 40 where it underflows anyway."""
    xc = np.clip(x, -40.0, 40.0)
    return SQRT_2PI_INV * np.exp(-0.5 * xc * xc)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = erfc(-x/sqrt(2))/2, accurate in the far left tail (no 1 + erf cancellation)."""
    return 0.5 * special().erfc(-SQRT1_2 * x)


def polynomial(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """sum(c[k] * x**k) by Horner's rule."""
    result = np.full_like(x, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = result * x + c
    return result
