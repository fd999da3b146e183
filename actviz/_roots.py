"""Brent's method for a root in a bracket, in plain Python: the same algorithm, step for
step, as SciPy's ``scipy.optimize.brentq`` (its C function ``brentq`` in
``scipy/optimize/Zeros/brentq.c``, after Brent 1973), so that a root comes out bit for bit
as SciPy gives it (tested against it), without importing ``scipy.optimize``, which costs
about 0.8 s of CPU: more than the whole of ``actviz compare`` without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .errors import ActvizError


def brentq(f: Callable[[float], float], a: float, b: float, xtol: float = 2e-12,
           rtol: float = 4 * 2.220446049250313e-16, maxiter: int = 100) -> float:
    """A root of ``f`` in [a, b], where f(a) and f(b) differ in sign, to within
    ``xtol + rtol * |x|``; raises if they do not differ or after ``maxiter`` steps."""
    xpre, xcur = float(a), float(b)
    xblk = fblk = spre = scur = 0.0
    fpre, fcur = _value(f, xpre), _value(f, xcur)
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if _negative(fpre) == _negative(fcur):
        raise ActvizError(f"f(a) and f(b) must differ in sign, got {fpre!r} and {fcur!r}")
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and _negative(fpre) != _negative(fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            stry = _step(xpre, xcur, xblk, fpre, fcur, fblk)
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # a good short step
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = _value(f, xcur)
    raise ActvizError(f"Brent's method did not converge in {maxiter} steps (last x = {xcur!r})")


def _value(f: Callable[[float], float], x: float) -> float:
    """f(x), refused where it is NaN, as SciPy's brentq refuses it ("function value is
    NaN"): Brent's steps would treat NaN as a sign."""
    value = float(f(x))
    if math.isnan(value):
        raise ActvizError(f"f is NaN at x = {x!r}; Brent's method needs a value there")
    return value


def _step(xpre: float, xcur: float, xblk: float, fpre: float, fcur: float,
          fblk: float) -> float:
    """The secant step (xpre is xblk) or inverse quadratic interpolation's."""
    if xpre == xblk:  # interpolate
        return _divide(-fcur * (xcur - xpre), fcur - fpre)
    dpre = _divide(fpre - fcur, xpre - xcur)  # extrapolate
    dblk = _divide(fblk - fcur, xblk - xcur)
    return _divide(-fcur * (fblk * dblk - fpre * dpre), dblk * dpre * (fblk - fpre))


def _divide(a: float, b: float) -> float:
    """a / b as C divides doubles: +-inf or NaN for b = 0, where Python raises."""
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _negative(value: float) -> bool:
    return math.copysign(1.0, value) < 0
