"""actviz._roots.brentq is SciPy's brentq, step for step: the same root, bit for bit, on
smooth functions, steep ones, roots at tiny and huge scales, and at a bracket's end."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq as scipy_brentq

from actviz import ActvizError
from actviz._roots import brentq

CASES = [
    (lambda x: x * x - 2.0, 0.0, 2.0),
    (lambda x: math.cos(x) - x, 0.0, 1.0),
    (lambda x: math.exp(x) - 1e-300, -1000.0, 0.0),
    (lambda x: math.tanh(50 * (x - 0.3)), -1.0, 1.0),
    (lambda x: x**3, -1.0, 2.0),
    (lambda x: (x - 1e-200) * 1e100, -1.0, 1.0),
    (lambda x: math.log(x) - 300.0, 1.0, 1e300),
    (lambda x: x - 1.0, 1.0, 2.0),  # a root at the bracket's end
    (lambda x: math.atan(x - 7.5) + 1e-3 * x, -1e8, 1e8),
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize(("xtol", "rtol"), [(2e-12, 8.881784197001252e-16), (1e-300, 1e-15)])
def test_the_same_root_as_scipy_bit_for_bit(case, xtol, rtol):
    """The same root, or no convergence in both (x^3 at an absolute tolerance of 1e-300:
    the steps underflow; log(x) - 300 on [1, 1e300])."""
    f, a, b = CASES[case]
    try:
        expected = scipy_brentq(f, a, b, xtol=xtol, rtol=rtol, maxiter=300)
    except RuntimeError:  # scipy: "Failed to converge after 300 iterations."
        with pytest.raises(ActvizError, match="did not converge in 300 steps"):
            brentq(f, a, b, xtol=xtol, rtol=rtol, maxiter=300)
        return
    assert brentq(f, a, b, xtol=xtol, rtol=rtol, maxiter=300) == expected


def test_random_polynomials_agree_with_scipy():
    rng = np.random.default_rng(5)
    for _ in range(300):
        coefficients = rng.normal(size=int(rng.integers(2, 7)))
        poly = np.polynomial.Polynomial(coefficients)
        roots = [r.real for r in poly.roots() if abs(r.imag) < 1e-12]
        if not roots:
            continue
        root = roots[0]
        a, b = root - float(rng.uniform(0.01, 1)), root + float(rng.uniform(0.01, 1))
        fa, fb = poly(a), poly(b)
        if fa * fb >= 0:
            continue
        f = lambda x, poly=poly: float(poly(x))  # noqa: E731
        assert brentq(f, a, b, xtol=1e-300, rtol=1e-15) == scipy_brentq(
            f, a, b, xtol=1e-300, rtol=1e-15)


def test_nan_is_refused_as_scipy_refuses_it():
    """SciPy's brentq raises "function value ... is NaN"; stepping on would return 0.6000...
    below the NaN as a root of x - 0.7."""
    def f(x: float) -> float:
        return x - 0.7 if x < 0.6 else math.nan

    with pytest.raises(ValueError, match="NaN"):
        scipy_brentq(f, 0.0, 1.0)
    with pytest.raises(ActvizError, match=r"f is NaN at x = 1\.0"):
        brentq(f, 0.0, 1.0)


def test_no_sign_change_and_no_convergence_are_errors():
    with pytest.raises(ActvizError, match="must differ in sign"):
        brentq(lambda x: x * x + 1, -1.0, 1.0)
    with pytest.raises(ActvizError, match="did not converge in 3 steps"):
        brentq(lambda x: math.cos(x) - x, 0.0, 1.0, xtol=1e-300, rtol=1e-15, maxiter=3)
