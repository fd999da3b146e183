r"""Mean-field signal propagation through a deep random network: what an activation function
does to signals and gradients across many layers, and a simulated network that checks it.

The network (Poole et al. 2016, arXiv:1606.05340; Schoenholz et al. 2017, arXiv:1611.01232)
is fully connected, of width N, with pre-activations

.. math:: h^l = W^l \phi(h^{l-1}) + b^l, \qquad W^l_{ij} \sim \mathcal N(0, \sigma_w^2/N),
          \quad b^l_i \sim \mathcal N(0, \sigma_b^2).

Units: ``sigma_w`` and ``sigma_b`` are *standard deviations* everywhere in this module
(Hayou, Doucet & Rousseau 2019, arXiv:1902.06853); Poole and Schoenholz plot the variances
σ_w², σ_b². ReLU's edge of chaos is ``sigma_w = sqrt(2)``, σ_w² = 2.

With z, z₁, z₂ ~ N(0, 1) independent, :math:`u = \sqrt q\,z`, :math:`u_1 = \sqrt q\,z_1`,
:math:`u_2 = \sqrt q\,(c z_1 + \sqrt{1-c^2}\,z_2)` (Poole; Schoenholz):

- variance map :math:`V(q) = \sigma_w^2\,E[\phi(u)^2] + \sigma_b^2`; q* is the fixed point
  that the iteration :math:`q^l = V(q^{l-1})` reaches from :math:`q^0` (``q0``, default 1);
- its slope :math:`V'(q) = \sigma_w^2\,E[\phi'(u)^2 + \phi(u)\phi''(u)]` (plus the kink
  terms below) and the depth scale :math:`\xi_q = -1/\log|V'(q^*)|` (Schoenholz);
- :math:`\chi_1 = \sigma_w^2 E[\phi'(\sqrt{q^*} z)^2]`: the factor by which the mean squared
  gradient grows per layer backwards (Schoenholz) and the slope of the correlation map at
  c = 1 (Poole). Phase: ordered when χ₁ < 1 (vanishing gradients), chaotic when χ₁ > 1
  (exploding), critical, the edge of chaos, within ``PHASE_TOL`` of 1;
- correlation map :math:`C(c) = (\sigma_w^2 E[\phi(u_1)\phi(u_2)] + \sigma_b^2)/q^*` and c*
  its stable fixed point in [0, 1]: 1 in the ordered and critical phases, the other root in
  the chaotic phase (C is convex on [0, 1], its Mehler expansion having nonnegative
  coefficients, so there is exactly one); :math:`\chi_c = C'(c^*) = \sigma_w^2
  E[\phi'(u_1)\phi'(u_2)]` and :math:`\xi_c = -1/\log\chi_c` (Schoenholz). At a stable c*,
  χ_c <= 1; ξ_c = ∞ at the edge of chaos (and where χ_c rounds to 1 or above there);
- edge of chaos: χ₁ = 1 at a fixed point q means :math:`q = \sigma_b^2 + E[\phi(u)^2] /
  E[\phi'(u)^2]` and :math:`\sigma_w^2 = 1/E[\phi'(u)^2]` (Hayou et al.), a root-finding
  problem in q alone, solved for q in [1e-8, 1e8] and at q = 0.

Near c = 1 the map is iterated on δ = 1 - c, never on c:
:math:`1 - C(c) = \sigma_w^2 E[(\phi(u_1) - \phi(u_2))^2] / (2 V(q))` has no cancellation,
with :math:`u_{1,2} = \sqrt q\,(a x \pm b y)`, :math:`a = \sqrt{1 - \delta/2}`,
:math:`b = \sqrt{\delta/2}`, x, y independent standard normals (so u₁ - u₂ = 2√q b y exactly);
where the half-gap e = √q b y is below 1e-3, φ(u₁) - φ(u₂) is the trapezoid rule on φ' with
its Euler-Maclaurin end correction, :math:`e(\phi'_1 + \phi'_2) - \tfrac{e^2}{3}(\phi''_1 -
\phi''_2)`, exact for cubics (not across a kink, where the plain difference is accurate).
Measured: C(c) to ~1e-15 absolute and 1 - C(c) to ~1e-15 relative for ReLU against its
arc-cosine kernel, for δ from 1e-2 down to 1e-300.

Numerics. Every Gaussian expectation is integrated in z with a vectorised adaptive 15-point
Gauss-Kronrod rule on |z| <= 38 (the density is below 1e-313 beyond), split at the kinks and
jumps mapped into z and at u = ±1/4, ±1, ±4, ±16 (a large q squeezes φ's features into a
narrow stretch of z), so every piece is smooth: q*, χ₁, V', c*, χ_c agree with mpmath to
about 1e-13 (tests/test_meanfield.py). The two-dimensional expectations integrate over x
inside, split where u₁ or u₂ crosses a kink, and over y >= 0 outside (the integrands are
symmetric in y), split where two such lines cross; the band between the lines u₁ = k and
u₂ = k keeps its exact width, and a band too thin for x to resolve is integrated in closed
form from the one-sided values. At q = 0 an expectation is the value at u = 0 (the mean of
the one-sided values at a kink), its limit.

Kinks and jumps (``act.kinks``). Corners (φ' jumps) and jumps of φ'' only split the
integrals. In V'(q) the integration by parts that turns :math:`\partial_q E[\phi(u)^2]` into
:math:`E[\phi'^2 + \phi\phi'']` (heat equation: :math:`\partial_q p_q = \tfrac12 p_q''`)
leaves at each kink k the term :math:`p_q(k)\,[\Delta(\phi\phi')(k) + \tfrac{k}{2q}
\Delta(\phi^2)(k)]` (p_q the N(0, q) density, Δ the jump from left to right), which is
included: it is 0 for ReLU (φ(0) = 0) and :math:`\phi(k)\,\Delta\phi'(k)\,p_q(k)` at a corner
where φ(k) ≠ 0 (relu6 at 6, hardtanh at ±1). Where φ itself jumps (binary_step, sign,
hardshrink, threshold), φ' holds a Dirac delta of weight Δφ(k), so the mean-field
:math:`\chi_1 = \sigma_w^2 E[\phi'^2]` is infinite: reported as ``inf`` (the correlation map
has an infinite slope at c = 1, nearby inputs decorrelate at once: chaotic, and no edge of
chaos), while χ_c at c* < 1 is finite and includes the delta terms :math:`2\sum_k
\Delta\phi(k)\,p_q(k)\,E[\phi'(u_2) \mid u_1 = k] + \sum_{k,m} \Delta\phi(k)\Delta\phi(m)\,
p_{q,c}(k, m)` (p_{q,c} the joint density). Backpropagation with autograd's φ' (0 at a jump)
sees only the absolutely continuous part: :meth:`Propagation.chi_map` and
:meth:`Propagation.gradient_sequence` are that part, which is what :func:`simulate` measures.

No fixed point. When the iteration of V runs off to infinity (relu with σ_w > √2, identity
with σ_w >= 1 and σ_b > 0, exponential at large σ_w), :func:`propagation` raises
:class:`PropagationError` (a :class:`~actviz.errors.ParameterError`) and says so; likewise
for a fixed point with V'(q*) < -1, around which q^l oscillates. Fixed points are searched
on a geometric grid from q0 (steps of 2^(1/4), then 4) up to 1e100 or down to σ_b², and
refined by Brent's method; |V(q)/q - 1| <= ``FLAT`` counts as V(q) = q (ReLU at σ_w = √2,
σ_b = 0 keeps q^l = q0). When q* = 0 (σ_b = 0, φ(0) = 0 and the signal dies out), χ₁ and V'
are their limits at q = 0 and the correlation map is its limit as q → 0, known when the
one-sided slopes a₋ = φ'(0⁻), a₊ = φ'(0⁺) are not both 0: the map of the piecewise-linear
a₊u for u > 0, a₋u for u < 0 (the identity if a₊ = a₋; ReLU's arc-cosine map otherwise),
whose slope at c = 1 is 1, so χ_c = 1 and ξ_c = ∞ (correlations do not converge
exponentially); otherwise c*, χ_c and ξ_c are None.

Vector functions (softmax, ...) act on a whole layer, not unit by unit, and crelu doubles the
width: neither fits the theory, and both are refused with :class:`PropagationError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._quadrature import integrate_tasks as _integrate
from ._roots import brentq
from .catalog import Activation, Kink, get
from .checks import check_count, check_sigma, check_simulation
from .errors import NotFiniteError, ParameterError

__all__ = [
    "EdgeOfChaos",
    "Gains",
    "Propagation",
    "PropagationError",
    "Simulation",
    "edge_of_chaos",
    "edge_of_chaos_curve",
    "gains",
    "phase_diagram",
    "propagation",
    "sequences",
    "simulate",
    "simulate_many",
    "standard_gain",
    "unitwise",
]

PHASE_TOL = 1e-9
"""|χ₁ - 1| ≤ PHASE_TOL is the edge of chaos ("critical"); the numbers are accurate to ~1e-12."""

FLAT = 1e-11
"""|V(q)/q - 1| ≤ FLAT is treated as V(q) = q (below the quadrature's accuracy there)."""

Q_MAX = 1e100
"""Fixed points are searched up to this q; above, the iteration is said to diverge."""

EOC_GRID = (1e-8, 1e8)
"""The edge of chaos is searched for fixed points q in this range (and at q = 0)."""

_Z = 38.0
"""Integration range |z| <= _Z: the standard normal density is below 1e-313 beyond."""

_RTOL = 1e-12
"""Accept an interval when |K15 - G7| <= _RTOL * (integral of |f| over the task)."""



class PropagationError(ParameterError):
    """The mean-field theory has no answer for this input: no fixed point, or a function
    that does not act unit by unit. ``reason`` says which: "diverges" (q^l grows without
    bound), "unstable" (q0 lies on a fixed point that repels), "oscillates" (V'(q*) < -1),
    "function" (not unit-wise), or "" for anything else."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _intervals(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of break points (n, p) -> the intervals [a, b] between consecutive sorted points,
    with their row as task; intervals of zero length are dropped."""
    points = np.sort(points, axis=1)
    a, b = points[:, :-1], points[:, 1:]
    task = np.broadcast_to(np.arange(points.shape[0])[:, None], a.shape)
    keep = b > a
    return a[keep], b[keep], task[keep]


_BASE = np.array([-_Z, -16.0, -8.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 8.0, 16.0, _Z])
_BASE_HALF = np.array([0.0, 1.0, 2.0, 4.0, 8.0, 16.0, _Z])


_FEATURES = np.array([-16.0, -4.0, -1.0, -0.25, 0.0, 0.25, 1.0, 4.0, 16.0])
"""Break points in u as well as in z: the functions change character at |u| ~ 1, which is a
narrow stretch of z when q is large (a width 1/sqrt(q)) and would slip between the nodes."""


def _gauss(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / _SQRT_2PI


# --- the function's kinks, and expectations split there ------------------------------------------

def _cuts(act: Activation, lo: float, hi: float) -> tuple[Kink, ...]:
    """The kinks and jumps of ``act`` in [lo, hi], sorted: the one place the integrals learn
    where to split (for user formulas, found on that range)."""
    return tuple(act.kinks_in(lo, hi))


def _sides(act: Activation, x: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    """f, f', ... (up to ``order``) just left and just right of x: two arrays (order + 1,)."""
    points = np.array([np.nextafter(x, -math.inf), np.nextafter(x, math.inf)])
    values = np.array(list(act.evaluate(points, order)))
    return values[:, 0], values[:, 1]


def _jump(act: Activation, kink: Kink) -> float:
    """phi(k+) - phi(k-): nonzero only at a jump."""
    if kink.order != 0:
        return 0.0
    left, right = _sides(act, kink.x, 0)
    return float(right[0] - left[0])


def _density(x: float, q: float) -> float:
    """The N(0, q) density at x."""
    return math.exp(-x * x / (2 * q)) / math.sqrt(2 * math.pi * q)


Fn = Callable[[np.ndarray], list[np.ndarray]]
Fn2 = Callable[[np.ndarray, np.ndarray], list[np.ndarray]]


def _expect(fn: Fn, kinks: np.ndarray, mean: Any, std: Any,
            rtol: float = _RTOL) -> np.ndarray:
    r"""E[g(m + s z)] for z ~ N(0, 1) and every pair (m, s) at once: an array (k, n), where
    ``fn(u)`` returns the k integrands g at the points u.

    The integral over |z| <= _Z is split at the ``kinks`` mapped into z, (k - m)/s, so that
    every piece is smooth. Where s = 0 the expectation is g(m) (the mean of the one-sided
    values when m is a kink: the limit s -> 0)."""
    mean, std = np.broadcast_arrays(np.atleast_1d(np.asarray(mean, dtype=float)),
                                    np.atleast_1d(np.asarray(std, dtype=float)))
    n = mean.size
    spread = std > 0
    parts: dict[str, np.ndarray] = {}
    if spread.any():
        m, s = mean[spread], std[spread]
        cuts = np.concatenate([kinks, np.setdiff1d(_FEATURES, kinks)])
        with np.errstate(all="ignore"):
            mapped = np.clip((cuts[None, :] - m[:, None]) / s[:, None], -_Z, _Z)
        a, b, task = _intervals(np.concatenate(
            [np.broadcast_to(_BASE, (m.size, _BASE.size)), mapped], axis=1))
        a, b = (a + b) / 2, (b - a) / 2

        def integrand(x: np.ndarray, t: np.ndarray) -> np.ndarray:
            weight = _gauss(x)
            values = fn(m[t][:, None] + s[t][:, None] * x)
            return np.stack([np.where(weight > 0, g * weight, 0.0) for g in values])

        parts["spread"] = _integrate(integrand, a, b, task, m.size, rtol)
    if not spread.all():
        points = mean[~spread]
        values = np.stack(fn(points))
        for j, x in enumerate(points):
            if np.any(kinks == x):
                sides = np.stack(fn(np.array([np.nextafter(x, -math.inf),
                                              np.nextafter(x, math.inf)])))
                values[:, j] = sides.mean(axis=1)
        parts["point"] = values
    k = next(iter(parts.values())).shape[0]
    out = np.empty((k, n))
    if "spread" in parts:
        out[:, spread] = parts["spread"]
    if "point" in parts:
        out[:, ~spread] = parts["point"]
    return out


def _expect2(fn: Fn2, kinks: np.ndarray, q: float, delta: Any,
             rtol: float = _RTOL) -> np.ndarray:
    r"""E[g(u_1, u_2)] with u_{1,2} = sqrt(q) (a x ± b y), a = sqrt(1 - δ/2), b = sqrt(δ/2),
    x, y ~ N(0, 1) independent (variance q, correlation c = 1 - δ), for each δ in (0, 2]:
    an array (k, n).

    ``fn(m, e)`` returns k integrands at u_{1,2} = m ± e (e = sqrt(q) b y >= 0 exactly, so
    that u_1 - u_2 = 2e carries no rounding), each symmetric under u_1 <-> u_2 (y -> -y): the
    outer integral runs over y >= 0 and doubles. The inner integral over x is split where u_1
    or u_2 crosses a kink, the outer one where two of those lines cross,
    y = (k_i - k_j) / (2 b sqrt q)."""
    delta = np.atleast_1d(np.asarray(delta, dtype=float))
    n = delta.size
    root = math.sqrt(q)
    a_all, b_all = np.sqrt(1.0 - delta / 2), np.sqrt(delta / 2)
    cuts = np.concatenate([kinks, np.setdiff1d(_FEATURES, kinks)])
    gaps = np.array(sorted({ki - kj for ki in kinks for kj in kinks if ki > kj}
                           | {2.0 * f for f in _FEATURES if f > 0}))
    with np.errstate(all="ignore"):
        meet = np.clip(gaps[None, :] / (2 * root * b_all)[:, None], 0.0, _Z)
    oa, ob, otask = _intervals(np.concatenate(
        [np.broadcast_to(_BASE_HALF, (n, _BASE_HALF.size)), meet], axis=1))
    oa, ob = (oa + ob) / 2, (ob - oa) / 2

    def outer(y: np.ndarray, t: np.ndarray) -> np.ndarray:
        ys = y.ravel()
        ts = np.repeat(t, y.shape[1])
        a, shift = a_all[ts], root * b_all[ts] * ys
        slope = root * a
        with np.errstate(all="ignore"):
            lo = (cuts[None, :] - shift[:, None]) / slope[:, None]
            hi = (cuts[None, :] + shift[:, None]) / slope[:, None]
            lo = np.clip(np.nan_to_num(lo, nan=_Z), -_Z, _Z)
            hi = np.clip(np.nan_to_num(hi, nan=_Z), -_Z, _Z)
            middle = kinks[None, :] / slope[:, None]
            width = shift / slope
        # Between the lines u_1 = k and u_2 = k lies a band of width 2 shift / slope. Its
        # width is set exactly, not taken from two rounded end points (1e-10 apart near
        # x = 10, say). A band narrower than 1e-13 of its centre, where x cannot resolve it,
        # is integrated apart: 2 width g(k+, k-) density(centre), with g taken at the one-sided
        # values (u_1 - k and k - u_2 are then below 1e-13 |k|).
        thin = width[:, None] <= 1e-13 * np.maximum(1.0, np.abs(middle))
        thin &= np.abs(middle) < _Z
        nk = kinks.size
        lo[:, :nk] = np.where(thin, middle, lo[:, :nk])
        hi[:, :nk] = np.where(thin, middle, hi[:, :nk])
        ia, ib, itask = _intervals(np.concatenate(
            [np.broadcast_to(_BASE, (ys.size, _BASE.size)), lo, hi], axis=1))
        centre, half = (ia + ib) / 2, (ib - ia) / 2
        for j in range(nk):
            band = (ia == lo[itask, j]) & (ib == hi[itask, j])
            centre[band] = middle[itask[band], j]
            half[band] = width[itask[band]]
        rows, cols = np.nonzero(thin & (width[:, None] > 0))

        def inner(x: np.ndarray, s: np.ndarray) -> np.ndarray:
            base = slope[s][:, None] * x
            offset = shift[s][:, None]
            weight = _gauss(x)
            values = fn(base, np.broadcast_to(offset, base.shape))
            return np.stack([np.where(weight > 0, g * weight, 0.0) for g in values])

        values = _integrate(inner, centre, half, itask, ys.size, rtol * 1e-2, budget=200)
        if rows.size:
            at = kinks[cols]
            sides = np.stack(fn(at, np.spacing(np.abs(at))))
            band = 2.0 * width[rows] * _gauss(middle[rows, cols]) * sides
            for i in range(values.shape[0]):
                values[i] += np.bincount(rows, band[i], ys.size)
        return (values * (2.0 * _gauss(ys))).reshape((values.shape[0], *y.shape))

    return _integrate(outer, oa, ob, otask, n, rtol, budget=100)


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


def _sigma(name: str, value: Any) -> float:
    """sigma_w or sigma_b, checked as the command line and batch configs check it (one
    message for one bad value wherever it comes from); text is not a number here."""
    if isinstance(value, (str, bytes)):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    return check_sigma(value, name)


def _count(name: str, value: Any, minimum: int) -> int:
    """A count of layers, units or a seed, checked as the commands check theirs (the API
    takes any size the machine allows; the commands bound them)."""
    return check_count(value, name, minimum, None)


def _q(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ParameterError(f"{name} must be a finite variance >= 0, got {number!r}")
    return number


class _Model:
    """Gaussian expectations of one function, and its maps at one (sigma_w, sigma_b)."""

    def __init__(self, act: Activation, sigma_w: float = 1.0, sigma_b: float = 0.0):
        self.act = act
        self.sw2, self.sb2 = sigma_w * sigma_w, sigma_b * sigma_b

    def kinks(self, reach: float) -> np.ndarray:
        return np.array([k.x for k in _cuts(self.act, -reach, reach)])

    def expect(self, fn: Fn, q: Any) -> np.ndarray:
        """E[g(sqrt(q) z)] for each q: (k, n)."""
        root = np.sqrt(np.atleast_1d(np.asarray(q, dtype=float)))
        return _expect(fn, self.kinks(_Z * float(root.max())), 0.0, root)

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
        found = [(k.x, _jump(self.act, k)) for k in _cuts(self.act, -_Z * math.sqrt(q),
                                                          _Z * math.sqrt(q))]
        return [(x, size) for x, size in found if size != 0]

    def slope(self, q: float, moments: np.ndarray | None = None) -> float:
        """V'(q) = sigma_w^2 (E[phi'^2 + phi phi''] + sum over kinks of
        p_q(k) [Δ(φφ')(k) + k/(2q) Δ(φ²)(k)])."""
        if moments is None:
            moments = self.expect(self.moments, q)[:, 0]
        value = float(moments[2])
        if q > 0:
            for kink in _cuts(self.act, -_Z * math.sqrt(q), _Z * math.sqrt(q)):
                left, right = _sides(self.act, kink.x, 1)
                jump_fd = right[0] * right[1] - left[0] * left[1]
                jump_ff = right[0] ** 2 - left[0] ** 2
                value += _density(kink.x, q) * float(jump_fd + kink.x / (2 * q) * jump_ff)
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

            reach = _Z * math.sqrt(q) * math.sqrt(2.0)
            kinks = self.kinks(reach)

            def fn(mid: np.ndarray, half: np.ndarray) -> list[np.ndarray]:
                u1, u2 = mid + half, mid - half
                f1, d1, dd1 = act.evaluate(u1, 2)
                f2, d2, dd2 = act.evaluate(u2, 2)
                gap = _gap(f1 - f2, d1, d2, dd1, dd2, u1, u2, half, kinks)
                return [0.5 * gap * gap, d1 * d2]

            rest = delta[~zero]  # a few at a time: each takes ~10^5 points per round
            out[:, ~zero] = np.concatenate(
                [_expect2(fn, kinks, q, rest[i:i + 4]) for i in range(0, rest.size, 4)],
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
        reach = float(np.max(np.abs(centres))) + _Z * spread
        conditional = _expect(slope, self.kinks(reach), centres, spread)[0]
        value = 0.0
        for (k, size), given in zip(jumps, conditional, strict=True):
            value += 2.0 * size * _density(k, q) * float(given)
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


# --- fixed points --------------------------------------------------------------------------------

def _grid(q0: float, direction: int, stop: float) -> np.ndarray:
    """Points from q0 towards ``stop``: steps of 2^(1/4) for a factor 2^20, then of 4."""
    fine = q0 * 2.0 ** (direction * np.arange(1, 81) / 4)
    far = fine[-1] * 4.0 ** (direction * np.arange(1, 200))
    points = np.concatenate([fine, far])
    return points[points < stop] if direction > 0 else points[points > stop]


def _side(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """+1 where V(q) > q, -1 where V(q) < q, 0 where they agree to ``FLAT`` (or V = inf: +1)."""
    gap = v - q
    side = np.where(gap > FLAT * q, 1, np.where(gap < -FLAT * q, -1, 0))
    return np.where(np.isfinite(v), side, 1)


def _fixed_point(model: _Model, q0: float) -> float:
    """The fixed point of V that q^l = V(q^{l-1}) reaches from q0, or PropagationError."""
    if q0 == 0:
        v0 = float(model.variance(0.0)[0])
        if v0 == 0:
            return 0.0
        q0 = v0  # one layer on, the iteration is at V(0) > 0
    v = float(model.variance(q0)[0])
    if not math.isfinite(v):
        raise PropagationError(_diverges(model, q0), "diverges")
    start = int(_side(np.array([q0]), np.array([v]))[0])
    if start == 0:
        return q0
    bracket = _bracket(model, q0, start)
    if bracket is not None:
        return float(brentq(lambda q: float(model.variance(q)[0]) - q, *bracket,
                            xtol=1e-300, rtol=1e-15, maxiter=300))
    if start > 0:
        raise PropagationError(_diverges(model, q0), "diverges")
    return model.sb2  # V(q) >= sigma_b^2 everywhere, = q at sigma_b^2 to FLAT (or q* = 0)


def _bracket(model: _Model, q0: float, start: int) -> tuple[float, float] | None:
    """The first grid interval from q0, in the direction ``start`` that V(q) - q points to,
    where V(q) - q changes sign: the fixed point the iteration reaches lies inside. Downwards
    the grid ends at sigma_b^2 (or 1e-30 q0, then 0), where V(q) >= q."""
    if start > 0:
        points = _grid(q0, +1, Q_MAX)
    else:
        floor = model.sb2 if model.sb2 > 0 else 1e-30 * q0
        points = np.concatenate([_grid(q0, -1, floor), [model.sb2]])
    last_same = q0
    for chunk in np.array_split(points, max(1, len(points) // 16)):
        with np.errstate(all="ignore"):
            values = model.variance(chunk)
        sides = _side(chunk, values)
        if chunk[-1] == 0.0:  # q = 0 with sigma_b = 0: V(0) = sw^2 phi(0)^2 >= 0
            sides[-1] = 1 if values[-1] > 0 else 0
        crossed = np.flatnonzero(sides == -start)
        if crossed.size:
            first = int(crossed[0])
            same = np.flatnonzero(sides[:first] == start)
            if same.size:
                last_same = float(chunk[same[-1]])
            lo, hi = sorted((last_same, float(chunk[first])))
            return lo, hi
        same = np.flatnonzero(sides == start)
        if same.size:
            last_same = float(chunk[same[-1]])
    return None


def _diverges(model: _Model, q0: float) -> str:
    return (f"no fixed point: from q0 = {q0:g}, q^l = V(q^(l-1)) grows without bound "
            f"(V(q) > q up to q = {Q_MAX:g}) at sigma_w = {math.sqrt(model.sw2):g}, "
            f"sigma_b = {math.sqrt(model.sb2):g}; a smaller sigma_w keeps it finite")


def _stable(model: _Model, q: float, v_slope: float) -> None:
    """PropagationError for a fixed point the iteration does not settle at: V'(q*) > 1 (only
    when q0 lies on it: the iteration stays there exactly, but the smallest change of q0,
    or a real network's fluctuations, carries q^l away) or V'(q*) < -1 (oscillation)."""
    if v_slope > 1.0 + PHASE_TOL:
        raise PropagationError(
            f"q0 = {q:.6g} is an unstable fixed point: V'(q0) = {v_slope:.6g} > 1, so q^l "
            f"stays there only if it starts exactly there; the smallest change (or a real "
            f"network's fluctuations) carries it away (sigma_w = {math.sqrt(model.sw2):g}, "
            f"sigma_b = {math.sqrt(model.sb2):g})", "unstable")
    if v_slope < -1.0 - PHASE_TOL:
        raise PropagationError(
            f"the fixed point q* = {q:.6g} is unstable: V'(q*) = {v_slope:.6g} < -1, so q^l "
            f"oscillates around it without converging (sigma_w = {math.sqrt(model.sw2):g}, "
            f"sigma_b = {math.sqrt(model.sb2):g})", "oscillates")


def _phase(chi_1: float) -> str:
    if chi_1 > 1.0 + PHASE_TOL:
        return "chaotic"
    if chi_1 < 1.0 - PHASE_TOL:
        return "ordered"
    return "critical"


def _depth(rate: float) -> float:
    """-1/log(rate) for 0 <= rate < 1 (0 at rate 0); inf from 1 - PHASE_TOL on."""
    rate = abs(rate)
    if rate >= 1.0 - PHASE_TOL:
        return math.inf
    if rate == 0.0:
        return 0.0
    return -1.0 / math.log(rate)


def _correlation_root(model: _Model, q: float) -> tuple[float, float]:
    """(δ*, χ_c) in the chaotic phase: the root of δ' = δ, δ' = σ_w² D(δ)/q, δ = 1 - c,
    D = E[(φ(u1) - φ(u2))²]/2, by Newton's method on H(t) = log(δ'/δ) in t = log δ,
    safeguarded by bisection in t. H(-∞) = log χ₁ > 0 (∞ where φ jumps) and H(0) =
    log(1 - C(0)) <= 0; the root is unique (the map is convex on [0, 1]). In t both the smooth
    case (δ' ≈ χ₁δ near 0) and the jump case (δ' ≈ A√δ: c* can be 1 - 1e-40) are nearly
    linear, so Newton takes a handful of steps; dδ'/dδ = C'(c) includes the Dirac terms."""

    def evaluate(delta: float) -> tuple[float, float]:
        d, slopes = model.correlation(q, delta)[:, 0]
        image = model.sw2 * float(d) / q
        return image, model.sw2 * (float(slopes) + model.dirac(q, delta))

    image, slope = evaluate(1.0)
    if abs(image - 1.0) <= 1e-14:  # C(0) = 0: odd functions without bias
        return 1.0, slope
    lo, hi = math.log(1e-300), 0.0
    if image > 1.0:  # C(0) < 0: the root lies at a negative correlation
        lo, hi = 0.0, math.log(2.0)
        image, slope = evaluate(2.0)
    t = hi
    for _ in range(200):
        delta = math.exp(t)
        value = math.log(image / delta) if image > 0 else -math.inf
        if value > 0:
            lo = t
        else:
            hi = t
        derivative = slope * delta / image - 1.0 if image > 0 else math.nan
        new = t - value / derivative if derivative < 0 else math.nan
        if not lo < new < hi:
            new = (lo + hi) / 2
        if value == 0 or abs(new - t) <= 2e-16 * max(1.0, abs(t)):
            break
        t = new
        image, slope = evaluate(math.exp(t))
    return math.exp(t), slope


def _limit_map(act: Activation) -> tuple[float, float] | None:
    """(phi'(0-), phi'(0+)) when phi(0) = 0 and they are not both 0, else None: the one-sided
    values beside a corner at 0, phi'(0) itself where phi' is continuous there."""
    if float(act(0.0)) != 0:
        return None
    if any(k.order <= 1 for k in _cuts(act, 0.0, 0.0)):
        left, right = _sides(act, 0.0, 1)
        slopes = float(left[1]), float(right[1])
    else:
        slope = float(act.derivative(0.0))
        slopes = slope, slope
    return None if slopes == (0.0, 0.0) else slopes


@dataclass(frozen=True, eq=False)
class Propagation:
    r"""Mean-field signal propagation of one function at (σ_w, σ_b); see the module docstring.

    ``sigma_w``, ``sigma_b`` are standard deviations (σ_w² and σ_b² are the variances
    Poole and Schoenholz plot). ``q_star`` is the fixed point reached from ``q0``; ``chi_1``
    the gradient factor per layer at q* (inf where φ jumps); ``v_slope`` = V'(q*);
    ``c_star``, ``chi_c`` the stable fixed point of the correlation map and its slope there;
    ``xi_q`` = -1/log|V'(q*)|, ``xi_c`` = -1/log χ_c (inf at the edge of chaos or where the
    rate is 1, 0 where it is 0); ``phase`` "ordered", "chaotic" or "critical" (|χ₁ - 1| <=
    ``PHASE_TOL``). ``c_star``, ``chi_c`` and ``xi_c`` are None when q* = 0 and φ vanishes
    faster than linearly at 0, and ``c_star`` also when the limit map is the identity (every
    c is a fixed point). ``notes`` say how kinks, jumps and limits were treated.
    """

    spec: str
    sigma_w: float
    sigma_b: float
    q0: float
    q_star: float
    chi_1: float
    v_slope: float
    c_star: float | None
    chi_c: float | None
    xi_q: float
    xi_c: float | None
    phase: str
    notes: tuple[str, ...]
    activation: Activation = field(repr=False)

    @property
    def _model(self) -> _Model:
        return _Model(self.activation, self.sigma_w, self.sigma_b)

    def variance_map(self, q: Any) -> np.ndarray:
        r""":math:`V(q) = \sigma_w^2 E[\phi(\sqrt q z)^2] + \sigma_b^2` for each q (array)."""
        q = _variances("q", q)
        return self._model.variance(q).reshape(np.shape(q))

    def variance_slope(self, q: float) -> float:
        """V'(q), kink terms included (see the module docstring)."""
        return self._model.slope(_q("q", q))

    def chi_map(self, q: Any) -> np.ndarray:
        r""":math:`\sigma_w^2 E[\phi'(\sqrt q z)^2]` for each q with autograd's φ' (the
        a.e. derivative, no Dirac terms at jumps): the factor by which backpropagation
        multiplies the mean squared gradient through a layer whose pre-activations have
        variance q."""
        q = _variances("q", q)
        return self._model.chi(q).reshape(np.shape(q))

    def correlation_map(self, c: Any) -> np.ndarray:
        r""":math:`C(c) = (\sigma_w^2 E[\phi(u_1)\phi(u_2)] + \sigma_b^2)/q^*` for each c in
        [-1, 1], computed as 1 - σ_w² E[(φ(u₁) - φ(u₂))²]/(2q*) (no cancellation near 1).
        At q* = 0 it is the q -> 0 limit (see the module docstring)."""
        return 1.0 - self.decorrelation_map(1.0 - _correlations(c))

    def decorrelation_map(self, delta: Any) -> np.ndarray:
        r"""The correlation map on δ = 1 - c: :math:`\delta \mapsto 1 - C(1 - \delta)`,
        accurate to a relative 1e-12 even for δ = 1e-300."""
        delta = np.asarray(delta, dtype=float)
        flat = np.atleast_1d(delta)
        if np.any(~np.isfinite(flat) | (flat < 0) | (flat > 2)):
            raise ParameterError("1 - c must lie in [0, 2] (c in [-1, 1])")
        if self.q_star == 0:
            out = self._limit(flat)
        else:
            model = self._model
            out = model.sw2 * model.correlation(self.q_star, flat)[0] / self.q_star
        return out.reshape(delta.shape)

    def correlation_slope(self, c: Any) -> np.ndarray:
        r""":math:`C'(c) = \sigma_w^2 E[\phi'(u_1)\phi'(u_2)]` at q* for each c in [-1, 1)
        (Dirac terms included where φ jumps; at c = 1 this is χ₁)."""
        c = _correlations(c)
        flat = np.atleast_1d(c)
        out = np.empty(flat.shape)
        if self.q_star == 0:
            out = 1.0 - self._kink_weight() * np.arccos(flat)
            return out.reshape(np.shape(c))
        model = self._model
        delta = 1.0 - flat
        inside = delta > 0
        out[~inside] = self.chi_1
        if inside.any():
            slopes = model.correlation(self.q_star, delta[inside])[1]
            dirac = [model.dirac(self.q_star, float(d)) for d in delta[inside]]
            out[inside] = model.sw2 * (slopes + np.array(dirac))
        return out.reshape(np.shape(c))

    def _kink_weight(self) -> float:
        """k = (a+ - a-)^2 / (pi (a+^2 + a-^2)) of the q -> 0 limit map, whose 1 - C is
        δ - k (sin θ - θ cos θ) with θ = arccos(1 - δ), and whose slope is 1 - k θ."""
        limit = _limit_map(self.activation)
        if limit is None or self.sigma_w == 0:
            raise PropagationError("q* = 0 and phi vanishes faster than linearly at 0 (or "
                                   "sigma_w = 0): the correlation map has no limit computed "
                                   "here")
        left, right = limit
        return (right - left) ** 2 / (math.pi * (right * right + left * left))

    def _limit(self, delta: np.ndarray) -> np.ndarray:
        theta = 2.0 * np.arcsin(np.sqrt(delta / 2))
        return delta - self._kink_weight() * (np.sin(theta) - theta * np.cos(theta))

    def q_sequence(self, q0: float, layers: int) -> np.ndarray:
        """q^0 = q0, q^l = V(q^(l-1)) for l = 1..layers: an array of layers + 1 values."""
        return _q_sequence(self._model, _q("q0", q0), _count("layers", layers, 0))

    def c_sequence(self, c0: float, layers: int, q0: float | None = None) -> np.ndarray:
        """c^0 = c0 and c^l = C(c^(l-1)) for l = 1..layers, iterated on 1 - c. With ``q0``
        the two inputs start at variance q0 and the map at layer l uses q^(l-1) (the
        normalised map 1 - σ_w² D/V(q)); without it, q stays at q*."""
        c0 = float(_correlations(c0))
        layers = _count("layers", layers, 0)
        delta = [1.0 - c0]
        if q0 is None:
            for _ in range(layers):
                delta.append(float(self.decorrelation_map(delta[-1])))
            return 1.0 - np.array(delta)
        qs = self.q_sequence(q0, layers)
        model = self._model
        for q in qs[:-1]:
            if q <= 0:
                raise PropagationError("q^l reached 0: the correlation is undefined")
            v = float(model.variance(q)[0])
            delta.append(model.sw2 * float(model.correlation(q, delta[-1])[0, 0]) / v)
        return 1.0 - np.array(delta)

    def gradient_sequence(self, q0: float, layers: int) -> np.ndarray:
        r"""The mean squared gradient with respect to the pre-activations h^l, l = 0..layers,
        relative to the last layer's (1 at l = layers): backpropagation multiplies it by
        :math:`\chi(q^{l-1}) = \sigma_w^2 E[\phi'(\sqrt{q^{l-1}} z)^2]` from layer l to l-1,
        with q^l from :meth:`q_sequence` (autograd's φ', as :func:`simulate` measures)."""
        return _gradient_sequence(self._model, self.q_sequence(q0, layers))

    def to_dict(self) -> dict[str, Any]:
        """The numbers, JSON-ready but for infinities (floats)."""
        return {key: getattr(self, key) for key in (
            "spec", "sigma_w", "sigma_b", "q0", "q_star", "chi_1", "v_slope", "c_star",
            "chi_c", "xi_q", "xi_c", "phase")} | {"notes": list(self.notes)}


def _q_sequence(model: _Model, q: float, layers: int) -> np.ndarray:
    out = [q]
    with np.errstate(all="ignore"):
        for _ in range(layers):
            q = float(model.variance(q)[0]) if math.isfinite(q) else math.inf
            out.append(q)
    return np.array(out)


def _gradient_sequence(model: _Model, qs: np.ndarray) -> np.ndarray:
    out = np.ones(len(qs))
    if len(qs) > 1:
        with np.errstate(all="ignore"):
            factors = model.chi(qs[:-1])
        out[:-1] = np.cumprod(factors[::-1])[::-1]
    return out


def sequences(spec: str | Activation, sigma_w: float, sigma_b: float, layers: int,
              q0: float = 1.0, flavor: str = "torch") -> tuple[np.ndarray, np.ndarray]:
    """(q^l, the mean squared gradient at layer l relative to the last layer's), l = 0 ..
    ``layers``, as :meth:`Propagation.q_sequence` and :meth:`Propagation.gradient_sequence`
    give them, but also where q has no fixed point (it grows without bound: the values
    stay finite for a finite number of layers unless they overflow to inf)."""
    model = _Model(unitwise(spec, flavor), _sigma("sigma_w", sigma_w),
                   _sigma("sigma_b", sigma_b))
    qs = _q_sequence(model, _q("q0", q0), _count("layers", layers, 0))
    return qs, _gradient_sequence(model, qs)


def _variances(name: str, q: Any) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    if np.any(~np.isfinite(q) | (q < 0)):
        raise ParameterError(f"{name} must be finite variances >= 0")
    return q


def _correlations(c: Any) -> np.ndarray:
    c = np.asarray(c, dtype=float)
    if np.any(~np.isfinite(c) | (c < -1) | (c > 1)):
        raise ParameterError("a correlation c must lie in [-1, 1]")
    return c


def propagation(spec: str | Activation, sigma_w: float, sigma_b: float,
                flavor: str = "torch", q0: float = 1.0) -> Propagation:
    r"""Mean-field propagation of ``spec`` through a deep random network with weight and bias
    standard deviations ``sigma_w``, ``sigma_b`` (σ_w², σ_b² the variances): q*, χ₁, c*,
    χ_c, ξ_q, ξ_c and the phase, with the maps as methods of the result (see
    :class:`Propagation` and the module docstring for the formulas and the treatment of kinks
    and jumps). q* is the fixed point that q^l = V(q^(l-1)) reaches from ``q0``.

    Raises :class:`PropagationError` when the iteration diverges (no fixed point), when the
    fixed point is unstable (V'(q*) < -1), and for vector or two-output functions;
    :class:`~actviz.errors.ParameterError` for a sigma that is not a number from 0 to 100
    (:func:`actviz.checks.check_sigma`, as the commands check it).

    >>> p = propagation("relu", 2 ** 0.5, 0.0)
    >>> p.phase, round(p.chi_1, 12), p.q_star
    ('critical', 1.0, 1.0)
    """
    act = unitwise(spec, flavor)
    sigma_w, sigma_b = _sigma("sigma_w", sigma_w), _sigma("sigma_b", sigma_b)
    q0 = _q("q0", q0)
    model = _Model(act, sigma_w, sigma_b)
    q_star = _fixed_point(model, q0)
    moments = model.expect(model.moments, q_star)[:, 0]
    v_slope = model.slope(q_star, moments)
    _stable(model, q_star, v_slope)
    notes = _notes(act, q_star)
    jumps = model.jumps(q_star)
    chi_1 = math.inf if jumps and sigma_w > 0 else model.sw2 * float(moments[1])
    phase = _phase(chi_1)
    c_star: float | None
    chi_c: float | None
    if q_star == 0:
        limit = _limit_map(act) if sigma_w > 0 else None
        if limit is None:
            c_star = chi_c = None
            notes += ("q* = 0 and phi vanishes faster than linearly at 0 (or sigma_w = 0): "
                      "the correlation map has no q -> 0 limit computed here",)
        else:
            c_star = None if limit[0] == limit[1] else 1.0
            chi_c = 1.0
            notes += ("q* = 0: the signal dies out; the correlation map is its q -> 0 limit, "
                      + ("the identity (every c is a fixed point)" if c_star is None else
                         "that of a piecewise-linear function, slope 1 at c* = 1"),)
    elif phase == "chaotic":
        delta, chi_c = _correlation_root(model, q_star)
        c_star = 1.0 - delta
    else:
        c_star, chi_c = 1.0, chi_1
    return Propagation(
        spec=act.spec if not isinstance(spec, str) else spec, sigma_w=sigma_w,
        sigma_b=sigma_b, q0=q0, q_star=q_star, chi_1=chi_1, v_slope=v_slope, c_star=c_star,
        chi_c=chi_c, xi_q=_depth(v_slope), xi_c=None if chi_c is None else _depth(chi_c),
        phase=phase, notes=notes, activation=act)


def _notes(act: Activation, q: float) -> tuple[str, ...]:
    """How each kink within reach of N(0, q*) was treated, in words."""
    notes = []
    reach = _Z * math.sqrt(q)
    for kink in _cuts(act, -reach, reach) if q > 0 else ():
        at = f"x = {kink.x:g}"
        if kink.order == 0:
            notes.append(f"f jumps at {at}: f' holds a Dirac delta there, so chi_1 = inf; "
                         f"autograd sees f' = 0 there instead, and so do the gradient ratio "
                         f"and a simulated network")
        elif kink.order == 1:
            notes.append(f"corner at {at}: the integrals are split there")
        else:
            primes = "'" * kink.order
            notes.append(f"f{primes} jumps at {at}: the integrals are split there")
    return tuple(notes)


# --- edge of chaos -------------------------------------------------------------------------------

@dataclass(frozen=True)
class EdgeOfChaos:
    r"""The edge of chaos at one σ_b: the σ_w (standard deviation) with χ₁ = 1 at the fixed
    point q*, or ``sigma_w = None`` with the ``reason``. ``q_star`` is None where every q is a
    fixed point (ReLU-like functions at σ_b = 0: χ₁ = σ_w² E[φ′²] does not depend on q).
    ``others`` lists further (σ_w, q*) pairs when several fixed points qualify; ``reason``
    also explains a found point when there is something to say."""

    sigma_b: float
    sigma_w: float | None
    q_star: float | None
    reason: str = ""
    others: tuple[tuple[float, float], ...] = ()


class _Ratios:
    """R(q) = E[phi^2]/E[phi'^2] and E[phi'^2] on the search grid, shared by every sigma_b."""

    def __init__(self, act: Activation):
        self.act = act
        self.model = _Model(act)
        lo, hi = EOC_GRID
        self.q = np.geomspace(lo, hi, 8 * round(math.log10(hi / lo)) + 1)
        with np.errstate(all="ignore"):
            self.square, self.slope = self.model.expect(self.model.pair, self.q)
            self.ratio = self.square / self.slope
        self.homogeneous = bool(np.all(np.abs(self.ratio - self.q) <= 1e-10 * self.q))

    def at(self, q: float) -> tuple[float, float]:
        """(E[phi^2], E[phi'^2]) at q."""
        square, slope = self.model.expect(self.model.pair, q)[:, 0]
        return float(square), float(slope)


def _eoc(ratios: _Ratios, sigma_b: float) -> EdgeOfChaos:
    """The edge of chaos at one sigma_b; see :func:`edge_of_chaos`."""
    special = _eoc_special(ratios, sigma_b)
    if special is not None:
        return special
    candidates = _eoc_candidates(ratios, sigma_b * sigma_b)
    found, rejected = _eoc_stable(ratios, sigma_b, candidates)
    if found:
        sigma_w, q = found[0]
        reason = ("q* = 0: the signal dies out, slowly (not exponentially), at sigma_w = "
                  "sqrt(2 / (phi'(0-)^2 + phi'(0+)^2))" if q == 0 else "")
        return EdgeOfChaos(sigma_b, sigma_w, q, reason, tuple(found[1:]))
    if candidates:
        reason = "no stable fixed point has chi_1 = 1: " + "; ".join(rejected)
    else:
        values = ratios.q - sigma_b * sigma_b - ratios.ratio
        values = values[np.isfinite(values)]
        side = ("ordered (chi_1 < 1)" if np.all(values < 0) else
                "chaotic (chi_1 > 1)" if np.all(values > 0) else "never critical")
        lo, hi = EOC_GRID
        reason = (f"no fixed point q in [{lo:g}, {hi:g}] has chi_1 = 1, i.e. q = sigma_b^2 + "
                  f"E[phi^2]/E[phi'^2]: every fixed point in that range is {side}, whatever "
                  f"sigma_w")
    return EdgeOfChaos(sigma_b, None, None, reason)


def _eoc_special(ratios: _Ratios, sigma_b: float) -> EdgeOfChaos | None:
    """The answer for functions that jump (none) and positively homogeneous ones (every q
    at sigma_b = 0, none otherwise), or None for the others."""
    act = ratios.act
    jumps = [k.x for k in act.kinks if _jump(act, k) != 0]
    if jumps:
        return EdgeOfChaos(sigma_b, None, None,
                           f"{act.name} jumps at x = {jumps[0]:g}: phi' holds a Dirac delta, so "
                           f"chi_1 = inf at every q > 0; there is no edge of chaos")
    if not ratios.homogeneous:
        return None
    sigma_w = 1.0 / math.sqrt(ratios.at(1.0)[1])
    law = (f"E[phi^2] = q E[phi'^2] at every q ({act.name} is positively homogeneous): "
           f"chi_1 = sigma_w^2 E[phi'^2] does not depend on q")
    if sigma_b == 0:
        return EdgeOfChaos(sigma_b, sigma_w, None,
                           f"{law}; chi_1 = 1 at sigma_w = {sigma_w:.12g} for every q, and "
                           f"every q is a fixed point")
    return EdgeOfChaos(sigma_b, None, None,
                       f"{law}, so chi_1 = 1 needs sigma_w = {sigma_w:.12g}, where V(q) = q + "
                       f"sigma_b^2 has no fixed point for sigma_b > 0")


def _eoc_candidates(ratios: _Ratios, sb2: float) -> list[float]:
    """The roots in q of q - sigma_b^2 - E[phi^2]/E[phi'^2]: bracketed on the grid, refined
    by Brent's method; and q = 0 when sigma_b = 0 and phi(0) = 0."""
    def gap(q: float) -> float:
        square, slope = ratios.at(q)
        return q - sb2 - square / slope

    values = ratios.q - sb2 - ratios.ratio
    good = np.isfinite(values[:-1]) & np.isfinite(values[1:])
    change = good & (np.sign(values[:-1]) * np.sign(values[1:]) <= 0) & (values[:-1] != 0)
    candidates = [float(brentq(gap, float(ratios.q[i]), float(ratios.q[i + 1]), xtol=1e-300,
                               rtol=1e-15)) for i in np.flatnonzero(change)]
    if sb2 == 0 and float(ratios.act(0.0)) == 0:
        candidates.insert(0, 0.0)
    return candidates


def _eoc_stable(ratios: _Ratios, sigma_b: float,
                candidates: list[float]) -> tuple[list[tuple[float, float]], list[str]]:
    """(sigma_w, q) for the candidates that are stable fixed points, smallest sigma_w first:
    the iteration of V started 0.1 % above q returns to it (from q = 1 for q = 0); and why
    the others are not."""
    found: list[tuple[float, float]] = []
    rejected: list[str] = []
    for q in candidates:
        slope = ratios.at(q)[1]
        if not slope > 0:
            rejected.append(f"at q = {q:.6g}, E[phi'^2] = 0, so chi_1 = 0 whatever sigma_w")
            continue
        sigma_w = 1.0 / math.sqrt(slope)
        model = _Model(ratios.act, sigma_w, sigma_b)
        label = f"q = {q:.6g} (sigma_w = {sigma_w:.6g})"
        try:
            reached = _fixed_point(model, 1.0 if q == 0 else q * (1 + 1e-3))
        except PropagationError:
            rejected.append(f"{label} is not reached")
            continue
        if (q == 0 and reached == 0) or abs(reached - q) <= 1e-6 * max(q, 1e-300):
            found.append((sigma_w, q))
        else:
            rejected.append(f"{label} is unstable")
    return sorted(found), rejected


def edge_of_chaos(spec: str | Activation, sigma_b: float = 0.0,
                  flavor: str = "torch") -> EdgeOfChaos:
    r"""The σ_w (a standard deviation) at which χ₁ = 1 for the given σ_b, and q* there.

    χ₁ = 1 at a fixed point q means :math:`q = \sigma_b^2 + E[\phi^2]/E[\phi'^2]` and
    :math:`\sigma_w = 1/\sqrt{E[\phi'(\sqrt q z)^2]}` (Hayou et al. 2019): the roots in q
    on [1e-8, 1e8] are found by bracketing on a grid (8 points a decade) and Brent's method,
    and each is kept if the iteration of V, started 0.1 % above it, returns to it (a stable
    fixed point). With σ_b = 0 and φ(0) = 0, q = 0 is a candidate too, at
    :math:`\sigma_w^2 = 2/(\phi'(0^-)^2 + \phi'(0^+)^2)`, kept if the iteration from q = 1 dies
    out (tanh: σ_w = 1). Several points: the smallest σ_w, the others in ``others``.
    ``sigma_w`` is None, with the ``reason``, where there is none: functions that jump
    (χ₁ = ∞), ReLU-like functions at σ_b > 0 (no fixed point where χ₁ = 1), functions whose
    fixed points are all ordered (softplus), and smooth ReLUs at small σ_b, where χ₁ = 1 only
    at an unstable fixed point, V'(q) > 1 (silu below σ_b ≈ 0.75, gelu below 0.45, mish
    below 0.35: the stable fixed point disappears before its χ₁ reaches 1).

    >>> round(edge_of_chaos("relu").sigma_w ** 2, 12)
    2.0
    >>> eoc = edge_of_chaos("tanh", 0.5)
    >>> round(eoc.sigma_w, 6), round(eoc.q_star, 6)
    (1.549674, 1.317939)
    """
    act = unitwise(spec, flavor)
    return _eoc(_Ratios(act), _sigma("sigma_b", sigma_b))


def edge_of_chaos_curve(spec: str | Activation, sigma_bs: Sequence[float],
                        flavor: str = "torch") -> tuple[EdgeOfChaos, ...]:
    """:func:`edge_of_chaos` at each σ_b in ``sigma_bs`` (the expectations on the search grid
    are computed once)."""
    act = unitwise(spec, flavor)
    ratios = _Ratios(act)
    return tuple(_eoc(ratios, _sigma("sigma_b", b)) for b in sigma_bs)


# --- the phase diagram ---------------------------------------------------------------------------

def phase_diagram(spec: str | Activation, sigma_bs: Sequence[float], sigma_ws: Sequence[float],
                  flavor: str = "torch", q0: float = 1.0) -> np.ndarray:
    r"""χ₁ at the fixed point q* reached from ``q0``, for every σ_b in ``sigma_bs`` (rows) and
    σ_w in ``sigma_ws`` (columns), standard deviations: an array (len(sigma_bs),
    len(sigma_ws)), NaN where q^l grows past 1e12 q0 (no fixed point, or one beyond), inf
    where φ jumps (see the module docstring).

    The same numbers as ``propagation(spec, w, b, q0=q0).chi_1``, computed together: E[φ²] on
    a grid of q (q0 times 2^(k/4), |k| <= 160, and q = 0) brackets every fixed point at
    once, and a vectorised Illinois (regula falsi) iteration on exact expectations refines
    them all to ~1e-13; a 60 x 60 diagram takes about a second.
    """
    act = unitwise(spec, flavor)
    rows = np.array([_sigma("sigma_b", b) for b in sigma_bs], dtype=float)
    cols = np.array([_sigma("sigma_w", w) for w in sigma_ws], dtype=float)
    q0 = _q("q0", q0)
    if q0 == 0:
        raise ParameterError("q0 must be > 0 for the phase diagram")
    sb2 = np.repeat(rows**2, cols.size)
    sw2 = np.tile(cols**2, rows.size)
    model = _Model(act)
    grid = np.concatenate([[0.0], q0 * 2.0 ** (np.arange(-160, 161) / 4)])
    start = 161  # grid[start] == q0
    with np.errstate(all="ignore"):
        square = model.expect(model.square, grid)[0]
        gap = sw2[:, None] * square[None, :] + sb2[:, None] - grid[None, :]
    sign = np.where(gap > FLAT * grid, 1, np.where(gap < -FLAT * grid, -1, 0))
    sign[:, 0] = np.where(gap[:, 0] > 0, 1, 0)  # q = 0: V(0) = sw^2 phi(0)^2 + sb^2 >= 0
    sign = np.where(np.isfinite(gap), sign, 1)
    direction = sign[:, start]
    q_star = np.full(sw2.size, math.nan)
    q_star[direction == 0] = q0
    lo = np.zeros(sw2.size, dtype=int)
    hi = np.zeros(sw2.size, dtype=int)
    up = direction > 0
    if up.any():  # the first grid point above q0 where V(q) < q, after the last with V > q
        past = (sign[up, start:] < 0)
        found = past.any(axis=1)
        first = start + np.argmax(past, axis=1)
        index = np.flatnonzero(up)
        hi[index] = first
        before = (sign[up, :] > 0) & (np.arange(grid.size)[None, :] < first[:, None])
        lo[index] = grid.size - 1 - np.argmax(before[:, ::-1], axis=1)
        up[index[~found]] = False
    down = direction < 0
    if down.any():  # the first grid point below q0 where V(q) > q
        above = sign[down, : start + 1] > 0
        found = above.any(axis=1)
        first = start - np.argmax(above[:, ::-1], axis=1)
        index = np.flatnonzero(down)
        lo[index] = first
        after = (sign[down, :] < 0) & (np.arange(grid.size)[None, :] > first[:, None])
        hi[index] = np.argmax(after, axis=1)
        q_star[index[~found]] = 0.0
        down[index[~found]] = False
    bracket = np.flatnonzero(up | down)
    if bracket.size:
        q_star[bracket] = _illinois(model, sw2[bracket], sb2[bracket], grid[lo[bracket]],
                                    grid[hi[bracket]], gap[bracket, lo[bracket]],
                                    gap[bracket, hi[bracket]])
    chi = np.full(sw2.size, math.nan)
    known = np.flatnonzero(np.isfinite(q_star))
    if known.size:
        chi[known] = sw2[known] * model.expect(model.pair, q_star[known])[1]
        jumps = [k.x for k in act.kinks if _jump(act, k) != 0]
        if jumps:
            chi[known[(q_star[known] > 0) & (sw2[known] > 0)]] = math.inf
    return chi.reshape(rows.size, cols.size)


def _illinois(model: _Model, sw2: np.ndarray, sb2: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              f_lo: np.ndarray, f_hi: np.ndarray) -> np.ndarray:
    """Roots of V(q) - q in the brackets [lo, hi] (opposite signs at the ends), all at once:
    regula falsi with Illinois' halving, to a relative 1e-14 or 60 rounds."""
    lo, hi, f_lo, f_hi = lo.copy(), hi.copy(), f_lo.copy(), f_hi.copy()
    side = np.zeros(lo.size, dtype=int)
    root = (lo + hi) / 2
    active = np.ones(lo.size, dtype=bool)
    for _ in range(60):
        index = np.flatnonzero(active)
        if index.size == 0:
            break
        with np.errstate(all="ignore"):
            guess = (lo[index] * f_hi[index] - hi[index] * f_lo[index]) / (f_hi[index]
                                                                            - f_lo[index])
        bad = ~((guess > np.minimum(lo[index], hi[index]))
                & (guess < np.maximum(lo[index], hi[index])))
        guess[bad] = (lo[index][bad] + hi[index][bad]) / 2
        value = sw2[index] * model.expect(model.square, guess)[0] + sb2[index] - guess
        root[index] = guess
        same = np.sign(value) == np.sign(f_lo[index])
        for where, replace, keep, last in ((same, (lo, f_lo), (hi, f_hi), -1),
                                           (~same, (hi, f_hi), (lo, f_lo), +1)):
            sel = index[where]
            replace[0][sel], replace[1][sel] = guess[where], value[where]
            halve = side[sel] == last
            keep[1][sel[halve]] /= 2
            side[sel] = last
        width = np.abs(hi[index] - lo[index])
        active[index] = (value != 0) & (width > 1e-14 * np.abs(guess))
    return root


# --- gains ---------------------------------------------------------------------------------------

def _torch_gain(act: Activation) -> float | None:
    """``torch.nn.init.calculate_gain`` for this function, where PyTorch defines one (as
    data: PyTorch is not imported). leaky_relu takes the function's own slope."""
    table = {"identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0),
             "selu": 0.75}
    if act.name == "leaky_relu":
        slope = float(act.params["negative_slope"])
        return math.sqrt(2.0 / (1.0 + slope * slope))
    return table.get(act.name)


@dataclass(frozen=True)
class Gains:
    r"""Three gains (weight standard deviation times √fan_in) for z ~ N(0, 1):
    ``forward`` = 1/√E[φ(z)²] (the variance of the signal is kept; None, like the others,
    where the expectation is beyond float64: f = 1e300 x), ``backward`` =
    1/√E[φ′(z)²] (the variance of the gradient is kept) with autograd's φ′, the one
    backpropagation multiplies by: 0 at a jump, where the mean-field φ′ holds a Dirac delta
    (so hardshrink's is 1/√0.617, beside the E[f'²] = 0.617 that ``compare`` shows; inf where
    E[φ′²] = 0, binary_step),
    ``edge_of_chaos`` = the σ_w with χ₁ = 1 at σ_b = 0 (None with ``edge_of_chaos_reason``),
    and ``torch`` = ``torch.nn.init.calculate_gain`` where PyTorch defines it."""

    spec: str
    forward: float | None
    backward: float | None
    edge_of_chaos: float | None
    edge_of_chaos_reason: str
    torch: float | None


def standard_gain(spec: str | Activation, flavor: str = "torch") -> tuple[str, float]:
    """The gain of a standard init: ("torch", PyTorch's ``calculate_gain``) where PyTorch
    defines one, else ("forward", 1/√E[φ(z)²]) (inf where E[φ(z)²] = 0); without the edge
    of chaos that :func:`gains` also computes."""
    act = unitwise(spec, flavor)
    torch = _torch_gain(act)
    if torch is not None:
        return "torch", torch
    model = _Model(act)
    square = float(model.expect(model.square, 1.0)[0, 0])
    if math.isinf(square):
        raise PropagationError(f"{act.spec}: E[f(z)^2] is beyond the largest double, so the "
                               "forward gain 1/sqrt(E[f(z)^2]) is not computed", "function")
    return "forward", 1.0 / math.sqrt(square) if square > 0 else math.inf


def _gain(expectation: float) -> float | None:
    """1/sqrt(E): inf where E = 0, None where E overflowed float64."""
    if math.isinf(expectation):
        return None
    return 1.0 / math.sqrt(expectation) if expectation > 0 else math.inf


def gains(spec: str | Activation, flavor: str = "torch") -> Gains:
    """The forward, backward and edge-of-chaos gains of ``spec`` beside PyTorch's
    ``calculate_gain``; see :class:`Gains`."""
    act = unitwise(spec, flavor)
    ratios = _Ratios(act)
    square, slope = ratios.at(1.0)
    eoc = _eoc(ratios, 0.0)
    return Gains(  # None where the expectation is beyond float64 (f = 1e300 x)
        spec=act.spec if not isinstance(spec, str) else spec,
        forward=_gain(square), backward=_gain(slope),
        edge_of_chaos=eoc.sigma_w, edge_of_chaos_reason=eoc.reason, torch=_torch_gain(act))


# --- a simulated network -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Simulation:
    r"""What a seeded random network measured, layer by layer (arrays of ``layers + 1``
    values, index l = 0 the input pre-activations):

    - ``q``: the mean squared pre-activation :math:`\tfrac1N \sum_i (h^l_i)^2`, averaged over
      the two inputs (theory: :meth:`Propagation.q_sequence`);
    - ``c``: the correlation :math:`h^l_a \cdot h^l_b / (|h^l_a| |h^l_b|)` of the two inputs
      (theory: :meth:`Propagation.c_sequence` with ``q0``);
    - ``grad_sq``: the mean squared gradient :math:`\tfrac1N \sum_i (\partial E/\partial
      h^l_i)^2` by backpropagation from a random output gradient of mean square 1, averaged
      over the two inputs (theory: :meth:`Propagation.gradient_sequence`).
    """

    spec: str
    sigma_w: float
    sigma_b: float
    layers: int
    width: int
    seed: int
    q0: float
    c0: float
    q: np.ndarray
    c: np.ndarray
    grad_sq: np.ndarray


def simulate(spec: str | Activation, sigma_w: float, sigma_b: float, layers: int,
             width: int = 1000, seed: int = 0, q0: float = 1.0, c0: float = 0.5,
             flavor: str = "torch") -> Simulation:
    r"""Run a random fully connected network of ``layers`` layers and ``width`` units:
    :math:`h^l = W^l \phi(h^{l-1}) + b^l`, :math:`W^l_{ij} \sim N(0, \sigma_w^2/N)`,
    :math:`b^l_i \sim N(0, \sigma_b^2)` (standard deviations given), on two inputs h^0_a, h^0_b
    of mean square exactly ``q0`` and correlation exactly ``c0``; then backpropagate a random
    output gradient (two independent ones, one per input, each scaled to mean square 1)
    through the catalog's φ' (autograd's convention at kinks). See :class:`Simulation` for
    what is measured.

    The weight matrices are never formed: the network is drawn exactly in distribution by
    conditioning on what the two inputs see of each W (Gaussian conditioning). For the
    N x 2 matrix F = φ(h^{l-1}), the rows of W F are independent N(0, FᵀF/N), so W F = Z
    (FᵀF/N)^(1/2) with Z an N x 2 standard normal draw; given W F = Y, W is
    Y (FᵀF)⁺ Fᵀ + W' (I - P) with W' a fresh copy and P the projection on F's columns, so
    the backward pass needs Wᵀ G = F (FᵀF)⁺ Yᵀ G + (I - P) Z' (GᵀG/N)^(1/2), Z' another
    N x 2 draw. A layer costs O(N) draws and work instead of O(N²) (width 1000: 80 times
    less), and the result is that of a dense network of the same distribution (tested
    against one, statistically). Deterministic for a seed: each layer draws Z, b and Z'
    from its own generator (``SeedSequence(seed).spawn``).
    """
    return simulate_many([(spec, sigma_w, sigma_b)], layers, width, seed, q0, c0, flavor)[0]


def _root(gram: np.ndarray) -> np.ndarray:
    """The symmetric square root of a 2 x 2 positive semi-definite matrix (exact for a
    singular one: two inputs a layer maps to one)."""
    values, vectors = np.linalg.eigh(gram)
    return np.asarray((vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T)


def simulate_many(networks: Sequence[tuple[str | Activation, float, float]], layers: int,
                  width: int = 1000, seed: int = 0, q0: float = 1.0, c0: float = 0.5,
                  flavor: str = "torch") -> list[Simulation]:
    """:func:`simulate` for several (spec, sigma_w, sigma_b) on the same random draws: the
    results are those of :func:`simulate` with the same seed, each network's."""
    acts = [unitwise(spec, flavor) for spec, _, _ in networks]
    sigmas = [(_sigma("sigma_w", w), _sigma("sigma_b", b)) for _, w, b in networks]
    layers = _count("layers", layers, 1)
    width = _count("width", width, 2)
    seed = _count("seed", seed, 0)
    check_simulation(layers, width, len(networks), flags=False)  # as depth bounds its work
    q0 = _q("q0", q0)
    c0 = float(_correlations(c0))
    streams = np.random.SeedSequence(seed).spawn(layers + 1)
    rng = np.random.default_rng(streams[0])
    # two inputs with exact mean square q0 and correlation c0 (Gram-Schmidt)
    raw = rng.standard_normal((width, 2))
    e1 = raw[:, 0] / np.linalg.norm(raw[:, 0])
    other = raw[:, 1] - (raw[:, 1] @ e1) * e1
    e2 = other / np.linalg.norm(other)
    scale = math.sqrt(width * q0)
    start = np.stack([e1, c0 * e1 + math.sqrt(max(0.0, 1.0 - c0 * c0)) * e2], axis=1) * scale
    grad = rng.standard_normal((width, 2))
    grad /= np.sqrt(np.mean(grad * grad, axis=0))
    draws = []
    for layer in range(1, layers + 1):  # Z, b and Z' of each layer, shared by the networks
        generator = np.random.default_rng(streams[layer])
        draws.append((generator.standard_normal((width, 2)), generator.standard_normal(width),
                      generator.standard_normal((width, 2))))
    count = len(networks)
    q = np.empty((layers + 1, count))
    c = np.empty((layers + 1, count))
    grad_sq = np.empty((layers + 1, count))
    with np.errstate(all="ignore"):
        for k, (act, (sigma_w, sigma_b)) in enumerate(zip(acts, sigmas, strict=True)):
            q[:, k], c[:, k], grad_sq[:, k] = _one_network(act, sigma_w, sigma_b, start,
                                                            grad, draws)
    return [Simulation(spec=act.spec if not isinstance(spec, str) else spec, sigma_w=w,
                       sigma_b=b, layers=layers, width=width, seed=seed, q0=q0, c0=c0,
                       q=q[:, k].copy(), c=c[:, k].copy(), grad_sq=grad_sq[:, k].copy())
            for k, (act, (spec, _, _), (w, b)) in enumerate(zip(acts, networks, sigmas,
                                                                strict=True))]


def _one_network(act: Activation, sigma_w: float, sigma_b: float, start: np.ndarray,
                 grad: np.ndarray, draws: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """q, c and the mean squared gradient of one network, layer by layer (see
    :func:`simulate`): the forward pass keeps F and Y = W F of each layer, the backward pass
    draws the rest of W^T G from them."""
    width = len(start)
    h = start
    q, c = [_mean_square(h)], [_correlation(h)]
    kept = []
    for normal, noise, _ in draws:
        f, d = act.evaluate(h, 1)
        y = normal @ _root(f.T @ f / width)  # W f: rows independent N(0, f^T f / N)
        kept.append((f, d, y))
        h = sigma_w * y + sigma_b * noise[:, None]
        q.append(_mean_square(h))
        c.append(_correlation(h))
    back = grad
    squares = [float(np.mean(back * back))]
    for (f, d, y), (_, _, fresh) in zip(reversed(kept), reversed(draws), strict=True):
        inverse = np.linalg.pinv(f.T @ f)
        seen = f @ (inverse @ (y.T @ back))  # the part of W^T g that W f fixes
        unseen = fresh @ _root(back.T @ back / width)  # W'^T g, then off the span of f
        unseen -= f @ (inverse @ (f.T @ unseen))
        back = d * (sigma_w * (seen + unseen))
        squares.append(float(np.mean(back * back)))
    return np.array(q), np.array(c), np.array(squares[::-1])


def _mean_square(h: np.ndarray) -> float:
    """The mean square of the two inputs' pre-activations, averaged over the two."""
    return float(np.mean(h * h))


def _correlation(h: np.ndarray) -> float:
    a, b = h[:, 0], h[:, 1]
    return float(a @ b / math.sqrt((a @ a) * (b @ b)))
