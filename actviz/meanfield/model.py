"""One function at one (σ_w, σ_b): its variance, correlation and gradient maps, and the
checks of the theory's inputs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..catalog import Activation, get
from ..checks import check_count, check_sigma
from ..errors import NotFiniteError, ParameterError
from .expectations import (
    Z_REACH,
    Fn,
    expect,
    expect2,
    jump_size,
    kinks_between,
    normal_density,
    one_sided,
)

PHASE_TOL = 1e-9
"""|χ₁ - 1| ≤ PHASE_TOL is the edge of chaos ("critical"); the numbers are accurate to ~1e-12."""

FLAT = 1e-11
"""|V(q)/q - 1| ≤ FLAT is treated as V(q) = q (below the quadrature's accuracy there)."""

Q_MAX = 1e100
"""Fixed points are searched up to this q; above, the iteration is said to diverge."""

EOC_GRID = (1e-8, 1e8)
"""The edge of chaos is searched for fixed points q in this range (and at q = 0)."""




class PropagationError(ParameterError):
    """The mean-field theory has no answer for this input: no fixed point, or a function
    that does not act unit by unit. ``reason`` says which: "diverges" (q^l grows without
    bound), "unstable" (q0 lies on a fixed point that repels), "oscillates" (V'(q*) < -1),
    "function" (not unit-wise), or "" for anything else."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason



# --- the model: one function at one (sigma_w, sigma_b) -------------------------------------------

def unitwise(spec: str | Activation, flavor: str = "torch") -> Activation:
    """The activation of ``spec``, or :class:`PropagationError` if the theory does not apply
    to it: a vector function, or one with several outputs per input."""
    act = get(spec, flavor=flavor)
    if act.definition.vector:
        raise PropagationError(
            f"{act.name} is a vector function: a unit's output depends on the whole layer, "
            f"so the mean-field theory of unit-wise activations does not apply", "function")
    if act.poles:
        pole = min(act.poles, key=abs)
        raise PropagationError(
            f"{act.name} has a pole at x = {pole:g}: E[f'(z)^2] diverges there, so "
            f"the mean-field theory has no answer", "function")
    if act.definition.outputs > 1:
        raise PropagationError(
            f"{act.name} has {act.definition.outputs} outputs per input (it doubles the "
            f"layer's width); the mean-field theory here needs one output per unit",
            "function")
    try:
        act.check_finite(REAL_LINE, why="the mean-field theory integrates f, f' and f'' "
                         "over the whole real line")
    except NotFiniteError as exc:
        raise PropagationError(str(exc), "function") from None
    return act


REAL_LINE = np.linspace(-40.0, 40.0, 8001)
"""Where a user's function must be finite for the mean-field theory (the Gaussian integrals
at q = 1 reach |z| = 38): log(x), sqrt(x) and exp(exp(exp(x))) are not (the catalog's
functions are, by their tests)."""


def sigma_arg(name: str, value: Any) -> float:
    """sigma_w or sigma_b, checked as the command line and batch configs check it (one
    message for one bad value wherever it comes from); text is not a number here."""
    if isinstance(value, (str, bytes)):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    return check_sigma(value, name)


def count_arg(name: str, value: Any, minimum: int) -> int:
    """A count of layers, units or a seed, checked as the commands check theirs (the API
    takes any size the machine allows; the commands bound them)."""
    return check_count(value, name, minimum, None)


def variance_arg(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ParameterError(f"{name} must be a finite variance >= 0, got {number!r}")
    return number


class Model:
    """Gaussian expectations of one function, and its maps at one (sigma_w, sigma_b)."""

    def __init__(self, act: Activation, sigma_w: float = 1.0, sigma_b: float = 0.0):
        self.act = act
        self.sw2, self.sb2 = sigma_w * sigma_w, sigma_b * sigma_b

    def kinks(self, reach: float) -> np.ndarray:
        return np.array([k.x for k in kinks_between(self.act, -reach, reach)])

    def expect(self, fn: Fn, q: Any) -> np.ndarray:
        """E[g(sqrt(q) z)] for each q: (k, n)."""
        root = np.sqrt(np.atleast_1d(np.asarray(q, dtype=float)))
        return expect(fn, self.kinks(Z_REACH * float(root.max())), 0.0, root)

    # the integrands overflow (to inf, which the expectations then are) only for functions
    # whose moments are beyond float64 (f = 1e300)

    def square(self, u: np.ndarray) -> list[np.ndarray]:
        (f,) = self.act.evaluate(u, 0)
        with np.errstate(over="ignore"):
            return [f * f]

    def pair(self, u: np.ndarray) -> list[np.ndarray]:
        f, d = self.act.evaluate(u, 1)
        with np.errstate(over="ignore"):
            return [f * f, d * d]

    def moments(self, u: np.ndarray) -> list[np.ndarray]:
        f, d, dd = self.act.evaluate(u, 2)
        with np.errstate(over="ignore", invalid="ignore"):
            return [f * f, d * d, d * d + f * dd]

    def variance(self, q: Any) -> np.ndarray:
        """V(q) for each q (sigma_w = 0 passes nothing on, even where E[phi^2] overflows)."""
        square = self.expect(self.square, q)[0]
        return (self.sw2 * square if self.sw2 else np.zeros_like(square)) + self.sb2

    def chi(self, q: Any) -> np.ndarray:
        """sigma_w^2 E[phi'(u)^2] with autograd's phi' (the a.e. derivative), for each q."""
        return self.sw2 * self.expect(self.pair, q)[1]

    def jumps(self, q: float) -> list[tuple[float, float]]:
        """(k, phi(k+) - phi(k-)) for the jumps where u = sqrt(q) z has a density."""
        if q <= 0:
            return []
        reach = Z_REACH * math.sqrt(q)
        found = [(k.x, jump_size(self.act, k)) for k in kinks_between(self.act, -reach, reach)]
        return [(x, size) for x, size in found if size != 0]

    def slope(self, q: float, moments: np.ndarray | None = None) -> float:
        """V'(q) = sigma_w^2 (E[phi'^2 + phi phi''] + sum over kinks of
        p_q(k) [Δ(φφ')(k) + k/(2q) Δ(φ²)(k)])."""
        if moments is None:
            moments = self.expect(self.moments, q)[:, 0]
        value = float(moments[2])
        if q > 0:
            for kink in kinks_between(self.act, -Z_REACH * math.sqrt(q), Z_REACH * math.sqrt(q)):
                left, right = one_sided(self.act, kink.x, 1)
                jump_fd = right[0] * right[1] - left[0] * left[1]
                jump_ff = right[0] ** 2 - left[0] ** 2
                value += normal_density(kink.x, q) * float(jump_fd + kink.x / (2 * q) * jump_ff)
        return self.sw2 * value

    def correlation(self, q: float, delta: Any) -> np.ndarray:
        """E[(phi(u1) - phi(u2))^2] / 2 and E[phi'(u1) phi'(u2)] (autograd's phi', no Dirac
        terms) at variance q > 0 and correlation 1 - delta: (2, n). delta = 0 gives
        (0, E[phi'^2])."""
        delta = np.atleast_1d(np.asarray(delta, dtype=float))
        out = np.empty((2, delta.size))
        zero = delta <= 0
        if zero.any():
            out[0, zero] = 0.0
            out[1, zero] = self.expect(self.pair, q)[1, 0]
        if (~zero).any():
            act = self.act

            reach = Z_REACH * math.sqrt(q) * math.sqrt(2.0)
            kinks = self.kinks(reach)

            def fn(mid: np.ndarray, half: np.ndarray) -> list[np.ndarray]:
                u1, u2 = mid + half, mid - half
                f1, d1, dd1 = act.evaluate(u1, 2)
                f2, d2, dd2 = act.evaluate(u2, 2)
                gap = _gap(f1 - f2, d1, d2, dd1, dd2, u1, u2, half, kinks)
                return [0.5 * gap * gap, d1 * d2]

            rest = delta[~zero]  # a few at a time: each takes ~10^5 points per round
            out[:, ~zero] = np.concatenate(
                [expect2(fn, kinks, q, rest[i:i + 4]) for i in range(0, rest.size, 4)],
                axis=1)
        return out

    def dirac(self, q: float, delta: float) -> float:
        """The Dirac terms of E[phi'(u1) phi'(u2)] at correlation c = 1 - delta < 1 where phi
        jumps: 2 sum_k J_k p_q(k) E[phi'(u2) | u1 = k] + sum_{k,m} J_k J_m p_{q,c}(k, m)."""
        jumps = self.jumps(q)
        if not jumps:
            return 0.0
        c = 1.0 - delta
        s2 = delta * (2.0 - delta)  # 1 - c^2, without cancellation
        spread = math.sqrt(q * s2)
        act = self.act

        def slope(u: np.ndarray) -> list[np.ndarray]:
            return [act.evaluate(u, 1)[1]]

        centres = np.array([c * k for k, _ in jumps])
        reach = float(np.max(np.abs(centres))) + Z_REACH * spread
        conditional = expect(slope, self.kinks(reach), centres, spread)[0]
        value = 0.0
        for (k, size), given in zip(jumps, conditional, strict=True):
            value += 2.0 * size * normal_density(k, q) * float(given)
            for m, size_m in jumps:
                # k^2 - 2ckm + m^2 = (k - m)^2 + 2km(1 - c): no cancellation near c = 1
                exponent = ((k - m) ** 2 + 2.0 * k * m * delta) / (2.0 * q * s2)
                value += size * size_m * math.exp(-exponent) / (2 * math.pi * q * math.sqrt(s2))
        return value


_NEAR = 1e-3
"""Below this half-gap e, phi(m + e) - phi(m - e) comes from the Euler-Maclaurin formula."""


def _gap(direct: np.ndarray, d1: np.ndarray, d2: np.ndarray, dd1: np.ndarray,
         dd2: np.ndarray, u1: np.ndarray, u2: np.ndarray, half: np.ndarray,
         kinks: np.ndarray) -> np.ndarray:
    r"""phi(u_1) - phi(u_2) for u_{1,2} = m ± e without the cancellation of the subtraction
    when e is small: :math:`\int_{u_2}^{u_1}\phi' = e(\phi'(u_1) + \phi'(u_2)) -
    \tfrac{e^2}{3}(\phi''(u_1) - \phi''(u_2)) + O(e^5\phi^{(5)})` (trapezoid rule with the
    Euler-Maclaurin end correction, exact for cubics) where e < ``_NEAR`` and no kink lies
    between u_2 and u_1; the plain difference elsewhere (accurate there: no cancellation
    across a kink or for a large gap)."""
    near = half < _NEAR
    for k in kinks:
        near &= ~((u2 <= k) & (k <= u1))
    smooth = half * (d1 + d2) - half * half / 3.0 * (dd1 - dd2)
    return np.where(near, smooth, direct)
