r"""Second-order jets with running error bounds: the arithmetic of a formula's evaluation.

A formula is evaluated bottom-up; each node passes its *jet* up the tree: the values of f, f'
and f'' (up to the order asked for) and, beside each, an absolute bound on its error
(Wilkinson's running error analysis, first order in the unit roundoff ``U``). A component is
``(value, error)``:

- ``value`` is None (exactly 0, as the derivatives of constants), a float or an array;
- ``error`` is None (the value is exact: x itself, constants, slopes) or a float or array of
  bounds >= 0 on |value - true value|, where the true value is the formula's exact value at
  the same x (every constant taken as the double it rounds to).

Each operation adds its own rounding, ``U |result|`` (and ``ETA`` for a product or quotient
that may fall among the subnormal numbers), to the errors of its operands carried through it:
``|a| e_b + |b| e_a + e_a e_b`` for a product, ``(e_a + |q| e_b) / |b|`` for a quotient,
``|g'(u)| e_u`` for a function g (see :func:`chain`). A cancellation shows as an error
that stays while the value shrinks, an argument rounded near a point where g is
ill-conditioned (log near 1) as a large ``|g'(u)| e_u``.

Infinities. An infinite value whose error is <= 0 is an *overflow*: its true value is finite
but beyond the largest double, with that sign, and at least 2^(-error) in magnitude (an error
of 0 says only "beyond the largest double": exp(1000)); an infinite value with an infinite
error is one whose true value is unknown (exp(709.9)/2 may or may not fit a double). What an
operation does with an overflow is decided from the log2 of bounds on the magnitudes of its
operands (:func:`_log_lower`, :func:`_log_upper`): (1e300)^2/8 overflows (its true value is
1.25e599), 1/(1 + exp(1000)) is 0 to within 5.6e-309, exp(1000) - exp(1000) and
exp(1000) * exp(-1000) are unknown. In a product that is part of a derivative, a factor that
is structurally 0 (error ``STRUCTURAL``, -0.0: a flat piece of a catalog function) wins over
an overflowed one: g'(u) = 0 exactly where u' overflowed is 0.

The bounds are first order (a product of two errors is kept, higher terms of a function's
Taylor expansion are not) and they trust the catalog's kernels to ``CATALOG_ULPS`` ulps and
NumPy's and SciPy's elementary functions to ``ELEMENTARY_ULPS``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

U = 2.0 ** -53
"""The unit roundoff of float64: a correctly rounded operation errs by at most U |result|."""

ETA = 2.0 ** -1074
"""The smallest subnormal double: the absolute error of a product or quotient that underflows."""

BIG = float(np.finfo(np.float64).max)

ELEMENTARY_ULPS = 4.0
"""The error of NumPy's and SciPy's exp, log, sin, erf, ... in units of U (they are within a
few ulps on every platform NumPy supports)."""

CATALOG_ULPS = 64.0
"""The error of a catalog kernel (f, f', f'') in units of U: the catalog's tests hold them to
1e-12 relative and measured 5e-16; 64 ulps (7e-15) leaves room for both."""

Comp = tuple[Any, Any]
"""(value, error) of one component of a jet; see the module's docstring."""


def finite(value: Any) -> bool:
    """Whether every entry of ``value`` is finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    return bool(np.isfinite(value).all())


_finite = finite


def _exact(r: Any, a: Any, b: Any, add: bool) -> bool:
    """Whether a + b (or a * b) of two Python floats was computed exactly (slopes and
    constants stay exact: 1.5 * 2 is 3): Knuth's TwoSum, or Dekker's product with
    Veltkamp's split, whose rounding error term is 0 exactly when the result is exact."""
    if not (isinstance(r, float) and isinstance(a, float) and isinstance(b, float)):
        return False
    if not (math.isfinite(r) and math.isfinite(a) and math.isfinite(b)):
        return False
    if add:
        bb = r - a
        return (a - (r - bb)) + (b - bb) == 0.0
    if max(abs(a), abs(b)) > 1e290 or abs(r) < 1e-290:
        exact = Fraction(a) * Fraction(b)
        return exact == Fraction(r)
    ca, cb = 134217729.0 * a, 134217729.0 * b
    ah = ca - (ca - a)
    bh = cb - (cb - b)
    al, bl = a - ah, b - bh
    return ((ah * bh - r) + ah * bl + al * bh) + al * bl == 0.0


def _abs(value: Any) -> Any:
    return abs(value) if isinstance(value, float) else np.abs(value)


LOG2_BIG = math.log2(BIG)


def _log_lower(value: Any, error: Any) -> Any:
    """log2 of a lower bound on the magnitude of the true value: from ``|value| - error`` for
    a finite value, from the bound an overflow carries (``-error``, or the largest double for
    an error of 0), -inf when nothing is known."""
    mag = np.abs(np.asarray(value, dtype=np.float64))
    err = np.zeros(mag.shape) if error is None else np.broadcast_to(
        np.asarray(error, dtype=np.float64), mag.shape)
    with np.errstate(all="ignore"):
        low = np.log2(np.where(np.isfinite(mag), np.maximum(mag - err, 0.0), 0.0))
        over = np.isinf(mag) & (err <= 0)
        low = np.where(over, np.maximum(-err, LOG2_BIG), low)
        return np.where(np.isnan(low), -np.inf, low)


def _log_upper(value: Any, error: Any) -> Any:
    """log2 of an upper bound on the magnitude of the true value (inf when unknown)."""
    mag = np.abs(np.asarray(value, dtype=np.float64))
    err = 0.0 if error is None else np.asarray(error, dtype=np.float64)
    with np.errstate(all="ignore"):
        up = np.log2(np.where(np.isfinite(mag), mag + np.maximum(err, 0.0), np.inf))
        return np.where(np.isnan(up), np.inf, up)


def _upper(value: Any, error: Any) -> Any:
    """An upper bound on the magnitude of the true value (inf when unknown)."""
    mag = np.abs(np.asarray(value, dtype=np.float64))
    err = 0.0 if error is None else np.asarray(error, dtype=np.float64)
    with np.errstate(all="ignore"):
        up = mag + err
        return np.where(np.isnan(up), np.inf, up)


def _settle(result: Any, error: Any, log_lower: Any) -> tuple[Any, Any]:
    """The error where ``result`` is not finite: an overflow where ``log_lower`` (log2 of a
    lower bound on the true magnitude) reaches past the largest double, recorded as the
    error -log_lower (an overflow's error is <= 0); inf elsewhere (unknown, or NaN)."""
    r = np.asarray(result, dtype=np.float64)
    e = np.array(np.broadcast_to(np.asarray(error, dtype=np.float64), r.shape))
    low = np.broadcast_to(np.asarray(log_lower, dtype=np.float64), r.shape)
    bad = ~np.isfinite(r)
    e[bad] = np.inf
    over = bad & np.isinf(r) & (low >= LOG2_BIG)
    e[over] = -np.minimum(low[over], 1e300)
    if isinstance(result, float):
        return result, float(e)
    return result, e


def neg(a: Comp) -> Comp:
    value, error = a
    return (None if value is None else -value), error


def add(a: Comp, b: Comp, sign: float = 1.0) -> Comp:
    """a + sign * b (sign is +1 or -1)."""
    (va, ea), (vb, eb) = a, b
    if vb is None:
        return a
    if va is None:
        return (vb if sign > 0 else -vb), eb
    r = va + vb if sign > 0 else va - vb
    if ea is None and eb is None and _exact(r, va, sign * vb, add=True):
        return r, None
    e = U * _abs(r)
    if ea is not None:
        e = e + ea
    if eb is not None:
        e = e + eb
    if not _finite(r):
        e = _sum_settle(r, e, ((va, ea, 1.0), (vb, eb, sign)))
    return r, e


def _sum_settle(r: Any, e: Any, terms: tuple[tuple[Any, Any, float], ...]) -> Any:
    """The error of a sum that is infinite somewhere: an overflow where the terms of the
    result's sign, at their least, outweigh the others, at their most, beyond the largest
    double (1e300 + 1e300 - 1, exp(1000) - 1; not exp(1000) - exp(1000))."""
    rr = np.asarray(r, dtype=np.float64)
    same_sum = np.full(rr.shape, -np.inf)
    other_sum = np.full(rr.shape, -np.inf)
    with np.errstate(all="ignore"):
        for value, error, sign in terms:
            v = sign * np.asarray(value, dtype=np.float64)
            same = np.sign(v) == np.sign(rr)
            same_sum = np.where(same, np.logaddexp2(same_sum, _log_lower(value, error)),
                                same_sum)
            other_sum = np.where(same, other_sum,
                                 np.logaddexp2(other_sum, _log_upper(value, error)))
        gap = other_sum - same_sum
        low = np.where(gap < 0, same_sum + np.log2(-np.expm1(gap * math.log(2.0))), -np.inf)
    return _settle(r, e, low)[1]


MIN_NORMAL = 2.0 ** -1022
"""Below this a result is subnormal: its rounding error is absolute, up to ``ETA``."""


def _rounding(r: Any, a: Any, b: Any) -> tuple[Any, bool]:
    """U |r|, and ``ETA`` where the product or quotient r of the nonzero a and b fell below
    the normal numbers (an exact 0 times anything is exactly 0); and whether r is finite
    (one pass over |r| for both)."""
    mag = _abs(r)
    e = U * mag
    if isinstance(mag, float):
        finite = mag <= BIG
        return (e + ETA if mag < MIN_NORMAL and a != 0 and b != 0 else e), finite
    if not mag.size:
        return e, True
    low, high = mag.min(), mag.max()
    if low < MIN_NORMAL:
        tiny = mag < MIN_NORMAL
        e = e + ETA * (tiny & (np.asarray(a) != 0) & (np.asarray(b) != 0))
    return e, bool(high <= BIG)


def mul(a: Comp, b: Comp, zero_wins: bool = False) -> Comp:
    """a * b. With ``zero_wins`` (a term of a derivative), a structural 0 (error
    ``STRUCTURAL``) times an overflow is an exact 0 (relu'(u) = 0 where u' overflowed);
    times a value not known at all, NaN."""
    (va, ea), (vb, eb) = a, b
    if va is None or vb is None:
        return None, None
    r = va * vb
    if ea is None and eb is None and _exact(r, va, vb, add=False):
        return r, None
    e, finite = _rounding(r, va, vb)
    if eb is not None:
        e = e + _abs(va) * eb
    if ea is not None:
        e = e + _abs(vb) * ea
        if eb is not None:
            e = e + ea * eb
    if not finite:
        r, e = _mul_settle(r, e, va, ea, vb, eb, zero_wins)
    return r, e


STRUCTURAL = -0.0
"""The error that marks a 0 as structural, the exact value of a flat piece (relu'(u) for
u < 0): such a 0 times an overflow is 0. Any other 0 with no error (exp(-1e300), decayed
below every double) times an overflow is unknown: x*exp(x)*exp(-x) at x = -1e300 has
f' = 1, not 0."""


def _exact_zero(value: Any, error: Any) -> Any:
    v = np.asarray(value, dtype=np.float64)
    if error is None:
        return v == 0
    e = np.asarray(error, dtype=np.float64)
    return (v == 0) & (e == 0) & np.signbit(e)


def _known(value: Any, error: Any) -> Any:
    """Finite, or an overflow (whose true value is finite)."""
    v = np.asarray(value, dtype=np.float64)
    return np.isfinite(v) if error is None else (np.isfinite(v) | (np.asarray(error) <= 0))


def _mul_settle(r: Any, e: Any, va: Any, ea: Any, vb: Any, eb: Any, zero_wins: bool) -> Any:
    with np.errstate(all="ignore"):
        low = _log_lower(va, ea) + _log_lower(vb, eb)
    r, e = _settle(r, e, np.where(np.isnan(low), -np.inf, low))
    if zero_wins:
        zero = (_exact_zero(va, ea) & _known(vb, eb)) | (_exact_zero(vb, eb) & _known(va, ea))
        if np.any(zero):
            r = np.where(zero, 0.0, r)
            e = np.where(zero, 0.0, e)
            if np.ndim(r) == 0:
                r, e = float(r), float(e)
    return r, e


def square(a: Comp) -> Comp:
    return mul(a, a)


def scale(c: float, a: Comp) -> Comp:
    """c * a for an exact constant c (2 * a is exact)."""
    value, error = a
    if value is None or c == 0.0:
        return None, None
    r = c * value
    if c in (2.0, -2.0, 1.0, -1.0):
        return r, None if error is None else abs(c) * error
    e, finite = _rounding(r, c, value)
    if error is not None:
        e = e + abs(c) * error
    if not finite:
        r, e = _mul_settle(r, e, c, None, value, error, False)
    return r, e


def div(a: Comp, b: Comp) -> Comp:
    """a / b (b is never None: a division by an exact 0 is refused before). Where b carries an
    error as large as itself, nothing is known."""
    (va, ea), (vb, eb) = a, b
    if va is None:
        return None, None
    q = va / vb
    e, finite = _rounding(q, va, 1.0)
    if ea is not None or eb is not None:
        top = ea if eb is None else (_abs(q) * eb if ea is None else ea + _abs(q) * eb)
        room = _abs(vb) if eb is None else _abs(vb) - eb  # the least |b| can truly be
        with np.errstate(all="ignore"):
            e = e + np.where(room > 0, top / room, np.inf)
    if not _finite(vb):  # a quotient by an overflow: below |a| / (largest double)
        with np.errstate(all="ignore"):
            e = e + _upper(va, ea) / BIG
            e = np.where(np.isnan(e), np.inf, e)
    if not finite:
        with np.errstate(all="ignore"):
            low = _log_lower(va, ea) - _log_upper(vb, eb)
            q, e = _settle(q, e, np.where(np.isnan(low), -np.inf, low))
    return q, e


def plus(e1: Any, e2: Any) -> Any:
    """The sum of two error bounds (None is 0)."""
    if e1 is None:
        return e2
    if e2 is None:
        return e1
    return e1 + e2


def times_abs(value: Any, error: Any) -> Any:
    """|value| * error (None for an exact 0 or no error)."""
    if value is None or error is None:
        return None
    return _abs(value) * error


def function(gs: Any, e_u: Any, order: int, ulps: float, top: Any = None,
             exact_derivatives: bool = False) -> list[Comp]:
    """The components (g^(k)(u), error) for k <= order of a function g evaluated at u to
    ``ulps`` ulps: ``gs`` holds g, g', ... at u (one more than ``order`` when u carries the
    error ``e_u``, so that g^(k+1) e_u bounds what the error does to g^(k); else ``top``
    stands for g^(order+1) e_u). With ``exact_derivatives``, g', g'' are exact (abs)."""
    out: list[Comp] = []
    for k in range(order + 1):
        g = gs[k]
        if g is None:
            out.append((None, None))
            continue
        if exact_derivatives and k >= 1:
            out.append((g, None))
            continue
        e = ulps * _rounding(g, 1.0, 1.0)[0]
        if e_u is not None:
            if k + 1 < len(gs):
                if gs[k + 1] is not None:
                    e = e + _abs(gs[k + 1]) * e_u
            elif top is not None:
                e = e + top
        out.append((g, e))
    return out


def chain(g: list[Comp], u: list[Comp], order: int) -> list[Comp]:
    """The jet of g(u) from (g, g', g'') at u's value and u's jet: (g o u)' = g'(u) u',
    (g o u)'' = g''(u) u'^2 + g'(u) u''."""
    out = [g[0]]
    if order >= 1:
        out.append(mul(g[1], u[1], True))
    if order >= 2:
        out.append(add(mul(g[2], square(u[1]), True), mul(g[1], u[2], True)))
    return out


def exact(value: Any) -> Comp:
    return value, None


# --- the first pass: values with relative bounds -----------------------------------------------
#
# A screening pass that costs little more than the values themselves: each component is
# (value, rho) with |value - true value| <= rho |value| to first order; rho is None (exact), a
# float (the same bound everywhere: x*sigmoid(1.5*x) has rho = 810 U for f whatever x), or an
# array where a sum may cancel or a function's condition number is read point by point. A
# point where an intermediate overflows or underflows, or where a bound is not finite, gets
# rho = inf. The evaluation (:class:`.bound.Bound`) takes the values whose rho is within
# the tolerance and sends the other points through the precise pass above.

Fast = tuple[Any, Any]
"""(value, rho) of one component in the first pass."""


def _guard(r: Any, rho: Any, a: Any = 0.0, b: Any = 0.0) -> Any:
    """rho, made inf where the value r is not finite, or fell below the normal numbers from
    nonzero a and b (an underflow loses digits that a later factor may need)."""
    if isinstance(r, float):
        m = abs(r)
        if not (MIN_NORMAL <= m <= BIG) and not (m == 0 and (a == 0 or b == 0)):
            return math.inf
        return rho
    m = np.abs(r)
    if m.size and m.min() >= MIN_NORMAL and m.max() <= BIG:
        return rho
    ok = (m >= MIN_NORMAL) & (m <= BIG)
    bad = ~ok & ~((m == 0) & ((np.asarray(a) == 0) | (np.asarray(b) == 0)))
    if not bad.any():
        return rho
    return np.where(bad, np.inf, 0.0 if rho is None else rho)


def fadd(a: Fast, b: Fast, sign: float = 1.0, value: bool = False) -> Fast:
    """a + sign * b. ``value``: a value (not a derivative), whose overflow a later quotient
    or function could hide (1/inf = 0), so it is marked; a derivative's shows at the end."""
    (va, ra), (vb, rb) = a, b
    if vb is None:
        return a
    if va is None:
        return (vb if sign > 0 else -vb), rb
    r = va + vb if sign > 0 else va - vb
    if ra is None and rb is None:
        if _exact(r, va, sign * vb, add=True):
            return r, None
        return r, (_overflow_guard(r, U) if value else U)
    with np.errstate(all="ignore"):
        top = (0.0 if ra is None else _abs(va) * ra) + (0.0 if rb is None else _abs(vb) * rb)
        # a 0 with an error is inf relatively (its absolute error is all that is known);
        # 0/0, exact zeros that cancel, is NaN and left to the precise pass
        rho = top / _abs(r) + U
    if isinstance(rho, float) or np.ndim(rho) == 0:
        rho = float(rho)
        if rho != rho and top == 0:  # exact zeros that add up to 0 (x*x*x + 2*x at 0)
            return r, U
        return r, rho if math.isfinite(rho) and math.isfinite(r) else math.inf
    if np.isnan(rho.min()):  # the same, and inf / inf, which stays for the precise pass
        rho = np.where(np.isnan(rho) & (top == 0), U, rho)
    if value:
        rho = _overflow_guard(r, rho)
    return r, rho


def _overflow_guard(r: Any, rho: Any) -> Any:
    """rho, made inf where r is not finite (a sum neither underflows nor loses digits below
    the normal numbers)."""
    if isinstance(r, float):
        return rho if math.isfinite(r) else math.inf
    m = np.abs(r)
    if m.size and m.max() <= BIG:
        return rho
    return np.where(m <= BIG, rho, np.inf)


def fmul(a: Fast, b: Fast, value: bool = True) -> Fast:
    """a * b, marked where it overflows or underflows (an underflowed f' times a huge value:
    0.5/(0.5/x) at -1e300, whose f' = 1 came out as 0)."""
    (va, ra), (vb, rb) = a, b
    if va is None or vb is None:
        return None, None
    r = va * vb
    if ra is None and rb is None and _exact(r, va, vb, add=False):
        return r, None
    rho = U if ra is None else ra + U
    if rb is not None:
        rho = rho + rb
    return r, _guard(r, rho, va, vb)


def fscale(c: float, a: Fast) -> Fast:
    value, rho = a
    if value is None or c == 0.0:
        return None, None
    r = c * value
    if c in (2.0, -2.0, 1.0, -1.0):
        return r, rho
    return r, U if rho is None else rho + U


def fdiv(a: Fast, b: Fast, value: bool = True) -> Fast:
    (va, ra), (vb, rb) = a, b
    if va is None:
        return None, None
    q = va / vb
    if ra is None and rb is None and isinstance(q, float) and isinstance(vb, float) and \
            _exact(va, q, vb, add=False):
        return q, None
    rho = U if ra is None else ra + U
    if rb is not None:
        rho = rho + rb
    return q, _guard(q, rho, va, 1.0)


def fselect(mask: np.ndarray, a: Fast, b: Fast) -> Fast:
    (va, ra), (vb, rb) = a, b
    if va is None and vb is None:
        return None, None
    value = np.where(mask, 0.0 if va is None else va, 0.0 if vb is None else vb)
    if ra is None and rb is None:
        return value, None
    if not isinstance(ra, np.ndarray) and not isinstance(rb, np.ndarray):
        return value, max(0.0 if ra is None else ra, 0.0 if rb is None else rb)
    return value, np.where(mask, 0.0 if ra is None else ra, 0.0 if rb is None else rb)


def ffunction(gs: Any, rho_u: Any, u: Any, order: int, ulps: float,
              condition: Any, exact_derivatives: bool = False,
              exact_zero: Any = None) -> list[Fast]:
    """(g^(k)(u), rho) for k <= order: the function's own ``ulps``, plus ``condition[k]``
    (a bound on |u g^(k+1)/g^(k)|: a number, or None to read it from ``gs`` point by point,
    which then holds g^(order+1) too) times the argument's rho. A value g that is not finite
    or below the normal numbers gets rho = inf, except where ``exact_zero`` (a mask, or True
    for all) says that a 0 is exact."""
    out: list[Fast] = []
    for k in range(order + 1):
        g = gs[k]
        if g is None:
            out.append((None, None))
            continue
        if exact_derivatives and k >= 1:
            out.append((g, None))
            continue
        rho: Any = ulps * U
        if rho_u is not None:
            c = condition[k]
            if c is None:
                nxt = gs[k + 1]
                if nxt is None:
                    c = 0.0
                else:
                    with np.errstate(all="ignore"):
                        c = np.abs(u) * np.abs(nxt) / np.abs(g)
                        c = np.where(np.isnan(c), np.inf, c)
            rho = rho + c * rho_u
        out.append((g, _value_guard(g, rho, exact_zero) if k == 0 else rho))
    return out


def _value_guard(g: Any, rho: Any, exact_zero: Any) -> Any:
    """rho, made inf where a function's value overflowed or underflowed (see :func:`fadd`),
    except at the zeros that ``exact_zero`` says are exact."""
    m = np.abs(g)
    if m.size and m.min() >= MIN_NORMAL and m.max() <= BIG:
        return rho
    bad = ~((m >= MIN_NORMAL) & (m <= BIG))
    if exact_zero is not None:
        bad &= ~((m == 0) & exact_zero)
    return np.where(bad, np.inf, rho) if bad.any() else rho


def fchain(g: list[Fast], u: list[Fast], order: int) -> list[Fast]:
    out = [g[0]]
    if order >= 1:
        out.append(fmul(g[1], u[1]))
    if order >= 2:
        out.append(fadd(fmul(g[2], fmul(u[1], u[1])), fmul(g[1], u[2])))
    return out


# --- the tolerance -----------------------------------------------------------------------------

TOL = 1e-10
"""A value whose error bound exceeds TOL times its size (or ``TINY``) is not given: NaN, and
:meth:`Bound.why` says why. The promise is 1e-9; the bounds are first order, hence the
margin."""

TINY = 1e-300
"""Below this, values are compared absolutely: a float64 can only be absolutely close."""

SLACK = 2.0 ** -42
"""Next to a zero of f^(k) no formula keeps relative digits: there a value is right if moving x
by SLACK of itself (about 2e-13) moves f^(k) by at least its error bound; at x = 0 itself, by
SLACK (a formula adds x to its constants, and rounding x + 1 moves x by 1e-16 even at x = 0,
where 2*smoothstep((x + 1)/2) - 1 is 0 with an error bound of 2e-16)."""


def slack_scale(x: np.ndarray) -> np.ndarray:
    """|x|, or 1 at x = 0: what the slack next to a zero is a share of."""
    return np.where(x == 0, 1.0, np.abs(x))


def unreliable(out: np.ndarray, error: Any) -> np.ndarray:
    """Where a value's error bound exceeds ``TOL`` relative (absolute below ``TINY``), or an
    infinite value is not known to be an overflow."""
    with np.errstate(all="ignore"):
        err = np.broadcast_to(np.asarray(error, dtype=np.float64), out.shape)
        finite = np.isfinite(out)
        ok = err <= TOL * np.maximum(np.abs(out), TINY)
        return np.where(finite, ~ok, np.isinf(out) & ~(err <= 0))
