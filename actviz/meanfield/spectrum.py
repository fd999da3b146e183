r"""The spectrum of the input-output Jacobian of a deep random network (dynamical isometry):
:func:`jacobian_spectrum`, :func:`simulate_jacobian`, and the rows of ``actviz spectrum``.

Pennington, Schoenholz & Ganguli (2017, "Resurrecting the sigmoid in deep learning through
dynamical isometry", arXiv:1711.04735; 2018, "The emergence of spectral universality in deep
networks", arXiv:1802.09979). With :math:`x^l = \phi(h^l)`, :math:`h^l = W^l x^{l-1} + b^l`,
the Jacobian is :math:`J = \partial x^L/\partial x^0 = \prod_l D^l W^l`,
:math:`D^l = \mathrm{diag}(\phi'(h^l))`, and at the fixed point q* of the variance map every
:math:`h^l_i \sim N(0, q^*)`. With :math:`\mu_k = E[\phi'(h)^{2k}]`:

- the mean of the squared singular values (the eigenvalues λ of :math:`JJ^T`) is
  :math:`m_1 = \chi_1^L`, :math:`\chi_1 = \sigma_w^2\mu_1`;
- their variance is :math:`m_1^2\,L\,(\mu_2/\mu_1^2 - 1 - s_1)`, :math:`s_1 = -1` for Gaussian
  weights (:math:`W_{ij} \sim N(0, \sigma_w^2/N)`) and 0 for orthogonal ones (σ_w times a Haar
  orthogonal matrix); the *isometry depth* :math:`1/(\mu_2/\mu_1^2 - 1 - s_1)` is the depth
  at which that variance reaches :math:`m_1^2` (the spread of the spectrum equals its mean);
- the density: S-transforms multiply under free multiplicative convolution, so
  :math:`S_{JJ^T} = S_{WW^T}^L S_{D^2}^L` with :math:`S_{WW^T}(z) = 1/(\sigma_w^2(1+z))`
  (Gaussian) or :math:`\sigma_w^{-2}` (orthogonal).

Numerics (any φ). The law of :math:`d = \phi'(h)^2`, h ~ N(0, q*), is a quadrature rule:
Gauss-Legendre nodes (16 a panel) on panels of width 1/2 in z = h/√q* over |z| <= 10 (the
normal mass beyond is 1.5e-23), split at φ's kinks, so that its moment transform
:math:`\psi_D(x) = E[x d/(1 - x d)]` is a sum, for any complex x (and
:math:`1 + \psi_D = E[1/(1 - x d)]` summed as such, exact where ψ is near −1). Writing
:math:`\psi = \psi_D(x)`, :math:`S_{D^2}(\psi) = x(1+\psi)/\psi`, and the inverse moment
transform of :math:`JJ^T` is

.. math:: \chi_J(x) = \frac{\psi}{1+\psi}\Big(\frac{x(1+\psi)}{\psi}\Big)^L S_{WW^T}(\psi)^L .

The upper edge of the support is :math:`\lambda_{max} = 1/\max_x \chi_J(x)` over real
:math:`0 < x < 1/\max d` (the branch point of ψ_J(1/λ); golden-section search). With
orthogonal weights the support may stop short of 0: :math:`1/\lambda_{min}` is the minimum
of χ_J over real :math:`x > 1/\min d` (where ψ_D < −1, as ψ_J(1/λ) is below the support).
Between the edges, :math:`\chi_J(x) = 1/\lambda` is solved for complex x (Im x < 0) by
Newton's method on :math:`\log\chi_J(x) + \log\lambda`: a coarse pass of 24 points, each
continued from the last from the edge (where
:math:`x - x_e \approx -i\sqrt{2\log(\lambda_{max}/\lambda)/|(\log\chi_J)''|}`), puts the
roots on their branch; Newton then runs on the whole grid of 280 points at once from log x
interpolated between them (a point that strays is redone from its neighbour). The grid runs
down to λ_min, or to :math:`10^{-300}\max(1, \lambda_{max})`; the density of the continuous part is
:math:`\rho(\lambda) = |\mathrm{Im}\,\psi|/(\pi\lambda)`. The atom at 0 (``zero_mass``) is
P(φ'(h) = 0) (free multiplicative convolution keeps the larger atom at 0, and W has none).
Where φ' nearly vanishes on much of the mass (gelu, sigmoid at large q*), part of the
continuous spectrum lies below :math:`10^{-300}\lambda_{max}`, where float64 cannot hold λ
ρ(λ) (and below :math:`10^{-300}` itself where :math:`\lambda_{max} < 1`): that mass
(``mass_below``) comes from the real root x < 0 of :math:`\chi_J(x) = -1/\lambda_0` at the
grid's foot λ_0, :math:`1 + \psi_J(-1/\lambda_0) = E[\lambda_0/(\lambda + \lambda_0)]` (a
smoothed mass below λ_0), less the grid's share of that mean. The
continuous part, the atom and ``mass_below`` add up to 1 (to ~1e-4, tests/test_spectrum.py).
Quantiles come from that cumulative distribution.

Checked against closed forms (tests/test_spectrum.py): λ_max of a linear network with
Gaussian weights is the Fuss-Catalan edge :math:`(L+1)^{L+1}/L^L`; relu at L = 1, σ_w = √2,
Gaussian weights, is Marchenko-Pastur of ratio 1/2, edge :math:`3 + 2\sqrt2`; and against
seeded random networks (:func:`simulate_jacobian`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._numbers import text_number
from ..catalog import Activation, Named
from ..checks import check_sigma
from ..errors import ParameterError
from .chaos import Ratios, eoc_at
from .model import PropagationError, count_arg, sigma_arg, unitwise
from .propagation import propagation_of

WEIGHTS = ("orthogonal", "gaussian")
"""The kinds of weight matrix: σ_w times a Haar orthogonal matrix, or N(0, σ_w²/N) entries."""

QUANTILES = (0.05, 0.5, 0.95)
"""The quantiles of the squared singular values that the table shows."""

_REACH = 10.0
_PANEL = 0.5
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_LOWEST = 1e-300
"""The density is computed down to this fraction of λ_max (below, its mass is < 1e-5 for
every depth up to 1000: the mass below λ near 0 grows like λ^(1/(L+1))), or down to this
λ itself where λ_max < 1 (lower, λ and ρ(λ) = |Im ψ|/(πλ) leave float64): see :func:`floor`."""


def floor(lam_max: float) -> float:
    """The foot of the density's grid: 1e-300 max(1, λ_max)."""
    return _LOWEST * max(1.0, lam_max)


def weights_arg(value: Any) -> str:
    """``orthogonal`` or ``gaussian`` (any case)."""
    if not isinstance(value, str) or value.lower() not in WEIGHTS:
        raise ParameterError(f"weights must be one of {', '.join(WEIGHTS)}, got {value!r}")
    return value.lower()


# --- the law of phi'(h)^2 ------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class SlopeLaw:
    """The law of d = φ'(h)², h ~ N(0, q): distinct values ``d`` (sorted) with probabilities
    ``p`` (a quadrature rule, exact atoms where φ' is constant on a piece)."""

    d: np.ndarray
    p: np.ndarray
    zero_mass: float
    """P(φ'(h) = 0), from the rule (exact where the dead zone ends at a kink)."""
    truncated: bool
    """Whether the largest d is at |z| = 10, the end of the rule (φ' still growing there)."""
    ends: tuple[float, float] = (0.0, 0.0)
    """P(d = its smallest positive value) and P(d = its largest value) where d takes them on
    a whole piece (an atom: φ' constant there, hardtanh's 1), else 0."""

    def moment(self, k: int) -> float:
        return float(np.sum(self.p * self.d**k))

    def psi(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """ψ_D(x) = E[x d/(1 - x d)], 1 + ψ_D(x) = E[1/(1 - x d)] (without the rounding of
        1 + ψ where ψ is near −1) and the derivative E[d/(1 - x d)²], for each x."""
        with np.errstate(all="ignore"):
            t = x[..., None] * self.d
            inverse = 1 / (1 - t)
            return (np.sum(self.p * (t * inverse), axis=-1), np.sum(self.p * inverse, axis=-1),
                    np.sum(self.p * self.d * inverse**2, axis=-1))


def _limit_law(act: Activation) -> SlopeLaw:
    """The law of φ'(h)² as q -> 0 (see :func:`slope_law`)."""
    if not act.kinks_in(0.0, 0.0):
        at_0 = float(np.ravel(act.evaluate(np.zeros(1), 1)[1])[0])
        return SlopeLaw(np.array([at_0 * at_0]), np.ones(1), float(at_0 == 0), False)
    left, _, right = (float(np.ravel(v)[0]) for v in act.one_sided(0.0, 1))
    values, index = np.unique(np.array([left * left, right * right]), return_inverse=True)
    mass = np.bincount(index, np.array([0.5, 0.5]))
    ends = (float(mass[0]) if values[0] > 0 else 0.0, float(mass[-1]))
    return SlopeLaw(values, mass, float(mass[0]) if values[0] == 0 else 0.0, False, ends)


def slope_law(act: Activation, q: float) -> SlopeLaw:
    """The law of φ'(h)², h ~ N(0, q), as a quadrature rule (see the module docstring); at
    q = 0 its limit q -> 0: φ'(0)², or at a kink at 0 its one-sided values, each with
    probability 1/2 (relu below sigma_w = √2: half the units on, not J = 0)."""
    if q == 0:
        return _limit_law(act)
    root = math.sqrt(q)
    edges = np.linspace(-_REACH, _REACH, round(2 * _REACH / _PANEL) + 1)
    if q > 0:
        cuts = [k.x / root for k in act.kinks_in(-_REACH * root, _REACH * root)]
        edges = np.unique(np.concatenate([edges, np.array(cuts, dtype=float)]))
    a, b = edges[:-1], edges[1:]
    z = ((a + b) / 2)[:, None] + ((b - a) / 2)[:, None] * _GL_X
    weight = (((b - a) / 2)[:, None] * _GL_W * np.exp(-z * z / 2)).ravel()
    slope = act.evaluate(root * z.ravel(), 1)[1]
    d = slope * slope
    values, index = np.unique(d, return_inverse=True)
    p = np.bincount(index.ravel(), weight) / weight.sum()
    nodes = np.bincount(index.ravel())  # a constant piece holds a panel's nodes at least
    first = 1 if values[0] == 0 else 0
    atoms = tuple(float(p[i]) if values[i] > 0 and nodes[i] >= _GL_X.size else 0.0
                  for i in (min(first, values.size - 1), values.size - 1))
    ends = np.concatenate([d[: _GL_X.size], d[-_GL_X.size:]])
    inner = d[_GL_X.size:-_GL_X.size]
    truncated = bool(q > 0 and np.max(ends) > np.max(inner) * (1 + 1e-12))
    zero = float(p[0]) if values[0] == 0 else 0.0
    return SlopeLaw(values, p, zero, truncated, (atoms[0], atoms[1]))


# --- the free-probability solution ---------------------------------------------------------------

class _Chi:
    """log χ_J(x) and its derivative, for one law, depth, σ_w and kind of weights."""

    def __init__(self, law: SlopeLaw, layers: int, sigma_w: float, gaussian: bool):
        self.law, self.layers, self.gaussian = law, layers, gaussian
        self.log_s2 = 2 * math.log(sigma_w)

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(log χ_J(x), d/dx log χ_J(x), ψ_D(x))."""
        n = self.layers
        psi, one, dpsi = self.law.psi(x)
        with np.errstate(all="ignore"):
            lp, l1p = np.log(psi), np.log(one)
            w = n if self.gaussian else 0
            value = lp - l1p + n * (l1p + np.log(x) - lp - self.log_s2) - w * l1p
            slope = dpsi * (1 / psi - 1 / one + (n - w) / one - n / psi) + n / x
        return value, slope, psi

    def real(self, x: float) -> float:
        return float(self(np.array([complex(x)]))[0].real[0])


def _edge(chi: _Chi, below_atom: bool = False) -> tuple[float, float]:
    """(x_e, λ_max): where χ_J is largest on 0 < x < 1/max d, and 1/χ_J there. With
    ``below_atom`` (an atom at the top of the spectrum, :func:`extreme_atoms`), the upper
    edge of the continuous part instead: there ψ_J(1/λ) runs from −∞ (at the atom) up as λ
    falls, so x > 1/max d, and the edge is where χ_J is largest on the real branch beyond
    (hardtanh, 10 orthogonal layers: an atom at 1.19, the continuous part below 0.46)."""
    top = 1.0 / float(chi.law.d[-1])
    if below_atom:
        xs = top * (1 + np.geomspace(1e-13, 1e8, 1200))
    else:
        xs = top * np.concatenate([np.geomspace(1e-8, 0.5, 200)[:-1],
                                   1 - np.geomspace(0.5, 1e-13, 1000)])
    with np.errstate(all="ignore"):
        found = chi(xs.astype(complex))[0]
    values = found.real
    real = np.abs(np.angle(np.exp(1j * found.imag))) < 1e-9
    values[~np.isfinite(values) | ~real] = -math.inf
    i = int(np.argmax(values))
    lo, hi = float(xs[max(i - 1, 0)]), float(xs[min(i + 1, xs.size - 1)])
    golden = (math.sqrt(5) - 1) / 2
    c, e = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fc, fe = chi.real(c), chi.real(e)
    for _ in range(200):
        if hi - lo <= 1e-15 * hi:
            break
        if fc >= fe:
            hi, e, fe = e, c, fc
            c = hi - golden * (hi - lo)
            fc = chi.real(c)
        else:
            lo, c, fc = c, e, fe
            e = lo + golden * (hi - lo)
            fe = chi.real(e)
    x = (lo + hi) / 2
    return x, float(np.exp(np.float64(-chi.real(x))))  # (inf where it overflows)


def _principal(value: np.ndarray, target: np.ndarray) -> np.ndarray:
    """log χ_J(x) − log(1/λ) with its imaginary part in (−π, π]."""
    r = value - target
    return r.real + 1j * np.angle(np.exp(1j * r.imag))


def _solve(chi: _Chi, guess: np.ndarray, lam: np.ndarray, rounds: int = 40
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newton's method on log χ_J(x) = −log λ for every λ at once, from ``guess`` (Im x < 0):
    (x, ψ_D(x), converged)."""
    target = -np.log(lam)
    x = guess.astype(complex).copy()
    done = np.zeros(x.size, dtype=bool)
    failed = ~np.isfinite(x)
    for _ in range(rounds):
        active = np.flatnonzero(~done & ~failed)
        if active.size == 0:
            break
        value, slope, _ = chi(x[active])
        with np.errstate(all="ignore"):
            residual = _principal(value, target[active])
            step = residual / slope
        # done where x is the root for λ within a relative 1e-11: its density is that of
        # λ(1 ± 1e-11) (x itself may be less accurate where χ_J is flat in x)
        now = np.abs(residual) <= 1e-11
        done[active[now]] = True
        bad = ~now & ~np.isfinite(step)
        failed[active[bad]] = True
        move = ~now & ~bad
        new = x[active[move]] - step[move]
        up = new.imag >= 0  # stay below the real axis: halve towards it
        new[up] = new[up].real + 0.5j * x[active[move]][up].imag
        x[active[move]] = new
    with np.errstate(all="ignore"):
        psi = chi.law.psi(x)[0]
    return x, psi, done & ~failed


def _walk(chi: _Chi, x_edge: float, curvature: float, lam_max: float,
          ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and ψ at λ = λ_max e^(-t) for the increasing ``ts``, each continued from the last
    (one Newton solve after another: for the few points of a coarse pass)."""
    xs = np.empty(ts.size, dtype=complex)
    psis = np.empty(ts.size, dtype=complex)
    for k, t in enumerate(ts):
        if k < 2 or t < 1e-6:
            guess = complex(x_edge, -math.sqrt(2 * t / curvature))
        else:
            with np.errstate(all="ignore"):
                guess = xs[k - 1] + (xs[k - 1] - xs[k - 2]) * (t - ts[k - 1]) / (ts[k - 1]
                                                                                 - ts[k - 2])
            if not guess.imag < 0 or not np.isfinite(guess):
                guess = xs[k - 1]
        x, psi, _ = _solve(chi, np.array([guess]), np.array([lam_max * math.exp(-t)]), 60)
        xs[k], psis[k] = x[0], psi[0]
    return xs, psis


def _fine(chi: _Chi, x_edge: float, curvature: float, lam_max: float, coarse: np.ndarray,
          ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and ψ at λ = λ_max e^(-t) for every t of the fine grid ``ts``: a sequential pass
    over the ``coarse`` ts puts each root on its branch, then Newton runs on the whole fine
    grid at once from log x interpolated in √t between them; a point whose root is not
    found, or lands far from its guess (another branch), is redone sequentially from its
    neighbour."""
    cx, _ = _walk(chi, x_edge, curvature, lam_max, coarse)
    near = ts < coarse[1]
    logs = np.log(cx)
    root = np.sqrt(coarse)
    guess = np.exp(np.interp(np.sqrt(ts), root, logs.real)
                   + 1j * np.interp(np.sqrt(ts), root, logs.imag))
    guess[near] = x_edge - 1j * np.sqrt(2 * ts[near] / curvature)
    lam = lam_max * np.exp(-ts)
    if coarse.size >= ts.size:  # no coarser pass to speak of
        return _walk(chi, x_edge, curvature, lam_max, ts)
    xs, psis, ok = _solve(chi, guess, lam)
    with np.errstate(all="ignore"):
        far = np.abs(np.log(xs / guess)) > 0.1
    for k in np.flatnonzero(~ok | far | ~(xs.imag < 0)):
        start = xs[k - 1] if k > 0 else guess[k]
        x, psi, _ = _solve(chi, np.array([start]), lam[k:k + 1], 60)
        xs[k], psis[k] = x[0], psi[0]
    return xs, psis


def _lower_edge(chi: _Chi, lam_max: float) -> tuple[float, float] | None:
    """(x, λ_min) where orthogonal weights leave a gap above 0: 1/λ_min is the minimum of
    χ_J on x > 1/min d (there ψ_D < −1, as ψ_J(1/λ) is for every λ below the support);
    None where it lies below the grid's :func:`floor` (or d has an atom at 0)."""
    if chi.gaussian or chi.law.d[0] == 0:
        return None
    bottom = 1.0 / float(chi.law.d[0])
    xs = bottom * (1 + np.geomspace(1e-14, 1e14, 400))
    with np.errstate(all="ignore"):
        values = chi(xs.astype(complex))[0].real
    values[~np.isfinite(values)] = math.inf
    i = int(np.argmin(values))
    if i in (0, xs.size - 1):
        return None
    lo, hi = math.log(float(xs[i - 1]) - bottom), math.log(float(xs[i + 1]) - bottom)

    def f(u: float) -> float:
        return chi.real(bottom + math.exp(u))

    golden = (math.sqrt(5) - 1) / 2
    c, e = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fc, fe = f(c), f(e)
    for _ in range(120):
        if hi - lo <= 1e-12:
            break
        if fc <= fe:
            hi, e, fe = e, c, fc
            c = hi - golden * (hi - lo)
            fc = f(c)
        else:
            lo, c, fc = c, e, fe
            e = lo + golden * (hi - lo)
            fe = f(e)
    u = (lo + hi) / 2
    lam_min = math.exp(-f(u))
    if not lam_min > floor(lam_max):
        return None
    return bottom + math.exp(u), lam_min


def _below(chi: _Chi, lam: float) -> float:
    r"""E[λ'/(λ' + λ)]-smoothed mass of the spectrum below ``lam``: 1 + ψ_J(−1/λ)
    = :math:`E[\lambda/(\lambda' + \lambda)]` over λ' ~ JJᵀ, from the real root x < 0 of
    χ_J(x) = −1/λ (χ_J decreases from 0 to −∞ there), by bisection in log(−x)."""
    target = -math.log(lam)

    def f(u: float) -> float:  # log|χ_J(x)| − log(1/λ), increasing in u = log(−x)
        return chi.real(-math.exp(u)) - target

    lo, hi = -50.0, 50.0
    while f(lo) > 0 and lo > -700:
        lo -= 50
    while f(hi) < 0 and hi < 700:
        hi += 50
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13 * max(1.0, abs(mid)):
            break
    x = -math.exp((lo + hi) / 2)
    return float(np.sum(chi.law.p / (1 - x * chi.law.d)))


@dataclass(frozen=True)
class Density:
    lam: np.ndarray
    rho: np.ndarray
    below: float
    """The mass of the continuous part below ``lam[0]`` (0 at a lower edge)."""


_COARSE = 40


def _density(chi: _Chi, x_edge: float, lam_max: float, points: int = 240) -> Density:
    """The continuous part of the spectrum on a grid from λ_max down (see the module)."""
    h = 1e-5 * x_edge
    curvature = abs((chi.real(x_edge + h) - 2 * chi.real(x_edge) + chi.real(x_edge - h)) / h**2)
    if not curvature > 0:
        curvature = 1.0 / x_edge**2
    lower = _lower_edge(chi, lam_max)
    if lower is not None:  # the grid on [λ_min, λ_max], dense at both ends
        span = math.log(lam_max / lower[1])
        s = np.linspace(0, 1, points + 1)[1:-1]
        ts = span * (1 - np.cos(np.pi * s)) / 2
        ts = np.unique(np.concatenate([np.geomspace(1e-12, 1e-3, 20) * span, ts,
                                       span * (1 - np.geomspace(1e-3, 1e-12, 20))]))
        # every point in turn: over the wide spans of deep orthogonal networks, roots
        # interpolated between coarse points land on other branches (tanh, sigma_b = 0.5)
        coarse = ts
    else:
        span = math.log(lam_max / floor(lam_max))
        s = np.linspace(0, 1, points)[1:]
        ts = np.concatenate([np.geomspace(1e-12, 0.5, 40), 0.5 + s**2 * (span - 0.5)])
        c = np.linspace(0, 1, _COARSE)[1:]
        coarse = np.concatenate([np.geomspace(1e-12, 0.5, 12), 0.5 + c**2 * (span - 0.5)])
    _, psis = _fine(chi, x_edge, curvature, lam_max, np.unique(coarse), ts)
    ts = np.concatenate([[0.0], ts])
    psis = np.concatenate([[0j], psis])
    below = 0.0
    if lower is not None:
        ts = np.concatenate([ts, [span]])
        psis = np.concatenate([psis, [0j]])
    lam = lam_max * np.exp(-ts)
    with np.errstate(all="ignore"):
        rho = np.abs(psis.imag) / (np.pi * lam)
    # Newton's x overflows within 1e-3 (in log λ) of a lower edge 1e-100 λ_max down (tanhexp,
    # sigma_b = 0.5): the density vanishes there like the square root of the distance
    rho[~np.isfinite(rho)] = 0.0
    lam, rho = lam[::-1].copy(), rho[::-1].copy()
    if lower is None and chi.law.zero_mass < 1:
        # the mass below the grid (λ < 1e-300 λ_max, where λ ρ(λ) underflows): from the
        # smoothed mass 1 + ψ_J(−1/λ_0) at the grid's foot λ_0, less what the grid holds of
        # it, plus the part of the kernel λ'/(λ'+λ_0) below λ_0 (ln 2 times the density
        # per unit ln λ there)
        low = float(lam[0])
        smooth = _below(chi, low) - chi.law.zero_mass
        held = integral(lam, rho * low / (lam + low))[-1]
        below = max(0.0, smooth - held + math.log(2) * float(lam[0] * rho[0]))
        if below < 1e-9:
            below = 0.0
    return Density(lam, rho, below)


def integral(lam: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The cumulative trapezoid integral of ``values`` dλ in log λ (λ > 0 ascending)."""
    y = values * lam
    steps = np.diff(np.log(lam)) * (y[1:] + y[:-1]) / 2
    return np.concatenate([[0.0], np.cumsum(steps)])


# --- the spectrum --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class JacobianSpectrum:
    r"""The spectrum of :math:`JJ^T` at depth ``layers`` (see the module docstring).

    ``density`` is (lam, rho): the density of the continuous part on a grid of λ
    (ascending; geometric, down to 1e-300 max(1, λ_max), so integrate in log λ, ∫ρ dλ = ∫λρ d(log
    λ), as :func:`integral` does: a trapezoid in λ overcounts its wide low steps), which
    integrates with ``zero_mass``, ``mass_below`` and the ``atoms`` to 1
    (with ``zero_mass`` alone where those are empty); it is empty where the spectrum
    has no continuous part (one orthogonal layer, or φ' constant under N(0, q*) with
    orthogonal weights: the law of σ_w² φ'(h)² itself, given by ``quantiles``).
    ``quantiles`` are the 5, 50 and 95 % quantiles of the squared singular values."""

    spec: str
    weights: str
    layers: int
    sigma_w: float
    sigma_b: float
    setting: str
    q_star: float
    chi1: float
    mu1: float
    mu2: float
    mean: float
    variance: float
    isometry_depth: float
    lambda_max: float
    zero_mass: float
    atoms: tuple[tuple[float, float], ...]
    """The atoms of the spectrum other than at 0, as (λ, mass) pairs: with orthogonal weights
    where φ' takes its largest (or smallest non-zero) value on a piece of probability above
    1 − 1/L (hardtanh at small q*: an atom at λ_max; see :func:`extreme_atoms`), and the
    whole spectrum, ((λ_max, 1),), where φ'(h)² takes one value (tanh at q* = 0)."""
    mass_below: float
    """The mass of the continuous part below the density's grid (λ < 1e-300 max(1, λ_max),
    where λ ρ(λ) underflows; deep networks of functions whose φ' nearly vanishes on much of the
    mass, gelu at large q*), computed apart (see the module docstring)."""
    density: tuple[np.ndarray, np.ndarray]
    quantiles: tuple[float, float, float]
    notes: tuple[str, ...] = ()
    activation: Any = field(default=None, repr=False)

    def variance_at(self, layers: Any, weights: str | None = None) -> np.ndarray:
        """The variance of the squared singular values at each depth in ``layers``, for
        ``weights`` (default this spectrum's kind)."""
        s1 = -1.0 if (weights or self.weights) == "gaussian" else 0.0
        depth = np.asarray(layers, dtype=float)
        with np.errstate(all="ignore"):
            return self.chi1 ** (2 * depth) * depth * (self.mu2 / self.mu1**2 - 1 - s1)

    def to_dict(self) -> dict[str, Any]:
        """The numbers as plain data (JSON-ready but for infinities); not the density."""
        act = self.activation
        data: dict[str, Any] = {"spec": self.spec}
        if act is not None:
            data |= {"name": act.name, "params": act.params}
        data |= {key: getattr(self, key) for key in (
            "setting", "weights", "layers", "sigma_w", "sigma_b", "q_star", "chi1", "mu1",
            "mu2", "mean", "variance", "isometry_depth", "lambda_max", "zero_mass", "mass_below")}
        data["atoms"] = [[at, mass] for at, mass in self.atoms]
        data |= {f"quantile_{round(100 * p):02d}": v
                 for p, v in zip(QUANTILES, self.quantiles, strict=True)}
        return data | {"notes": list(self.notes)}


def _quantiles(cdf: np.ndarray, lam: np.ndarray, top: float) -> tuple[float, float, float]:
    """The quantiles of a distribution whose cumulative function on ``lam`` is ``cdf``: 0
    within an atom at 0, ``top`` within an atom there above the grid's last point."""
    out = []
    for p in QUANTILES:
        if p <= cdf[0]:
            out.append(0.0 if cdf[0] > 0 else float(lam[0]))
        elif p > cdf[-1]:
            out.append(top)
        else:
            k = min(int(np.searchsorted(cdf, p)), lam.size - 1)
            a, b = cdf[k - 1], cdf[k]
            f = 0.0 if b == a else (p - a) / (b - a)
            out.append(float(math.exp((1 - f) * math.log(lam[k - 1]) + f * math.log(lam[k]))))
    return out[0], out[1], out[2]


def extreme_atoms(law: SlopeLaw, layers: int, scale: float) -> tuple[tuple[float, float], ...]:
    r"""The atoms of the spectrum other than at 0, with orthogonal weights, as (λ, mass):
    where φ'(h)² takes its largest value d with probability a on a whole piece (hardtanh's
    1), the vectors that every :math:`D^l W^l` maps into that piece form a subspace of
    dimension at least :math:`N(1 - L(1 - a))`, on which :math:`|Jx|^2 = (\sigma_w^2
    d)^L|x|^2`: an atom of mass :math:`\max(0, 1 - L(1 - a))` at the top of the spectrum (for
    free projections, exactly that: Bercovici & Voiculescu). The same at the smallest
    positive value of d."""
    positive = law.d[law.d > 0]
    ends = [(float(positive[-1]), law.ends[1])]
    if positive.size > 1:
        ends.insert(0, (float(positive[0]), law.ends[0]))
    return tuple((float(np.float64(scale * d) ** layers), 1 - layers * (1 - a)) for d, a in ends
                 if a > 0 and 1 - layers * (1 - a) > 0)


def _law_quantiles(values: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    """Quantiles of a discrete law (values sorted)."""
    cdf = np.cumsum(p)
    found = [float(values[min(int(np.searchsorted(cdf, q - 1e-12)), values.size - 1)])
             for q in QUANTILES]
    return found[0], found[1], found[2]


@dataclass(frozen=True)
class _Shape:
    """The distribution's part of a :class:`JacobianSpectrum`."""

    lambda_max: float
    quantiles: tuple[float, float, float]
    density: tuple[np.ndarray, np.ndarray]
    atoms: tuple[tuple[float, float], ...]
    below: float
    notes: tuple[str, ...]


def _shape(law: SlopeLaw, layers: int, sigma_w: float, gaussian: bool) -> _Shape:
    """The distribution of the squared singular values at depth ``layers``: its top, its
    quantiles, the density of its continuous part, its atoms and the mass below the grid."""
    scale = sigma_w**2
    if not gaussian and (layers == 1 or law.d.size == 1):
        # no continuous part: one orthogonal layer gives sigma_w^2 phi'(h)^2 itself, and a
        # constant phi' gives every eigenvalue m_1
        values = (scale * law.d) ** layers if law.d.size == 1 else scale * law.d
        lam_max = float(values[-1])
        note = ("every squared singular value is (sigma_w^2 phi'(h)^2)^L with one value of "
                "phi'(h)^2: a point mass, exact isometry" if law.d.size == 1 else
                "one orthogonal layer: the squared singular values are sigma_w^2 phi'(h)^2 "
                "themselves, no free convolution and no density")
        return _Shape(lam_max, _law_quantiles(values, law.p), (np.empty(0), np.empty(0)),
                      ((lam_max, 1.0),) if law.d.size == 1 else (), 0.0, (note,))
    chi = _Chi(law, layers, sigma_w, gaussian)
    atoms = () if gaussian else extreme_atoms(law, layers, scale)
    on_top = bool(atoms) and atoms[-1][0] == float(np.float64(scale * law.d[-1]) ** layers)
    x_edge, lam_max = _edge(chi, on_top)
    found = _density(chi, x_edge, lam_max)
    cdf = law.zero_mass + found.below + integral(found.lam, found.rho)
    for at, mass in atoms:
        cdf = cdf + mass * (found.lam >= at * (1 - 1e-12))
    lam_max = max([lam_max, *(at for at, _ in atoms)])
    return _Shape(lam_max, _quantiles(cdf, found.lam, lam_max), (found.lam, found.rho), atoms,
                  found.below, ())


def _setting(act: Activation, label: str, sigma_w: float | None, sigma_b: float
             ) -> tuple[float, str, float, tuple[str, ...]]:
    """(σ_w, the setting's name, the q to start the fixed-point search from, notes): the
    edge of chaos for ``sigma_b`` where ``sigma_w`` is None (as ``actviz depth``)."""
    if sigma_w is not None:
        if sigma_w == 0:
            raise PropagationError(f"{label}: sigma_w = 0 makes J = 0 (every squared singular "
                                   "value is 0); give a sigma_w > 0", "sigma_w")
        return sigma_w, "given", 1.0, ()
    eoc = eoc_at(Ratios(act), sigma_b)
    if eoc.sigma_w is None:
        raise PropagationError(f"{label}: no edge of chaos: {eoc.reason}", "no sigma_w")
    if eoc.q_star is None:
        return eoc.sigma_w, "edge of chaos", 1.0, (
            "every q is a fixed point here; q* = 1, the inputs' mean square",)
    return eoc.sigma_w, "edge of chaos", eoc.q_star, ()


def spectrum_of(named: Named, sigma_w: float | None, sigma_b: float, layers: int,
                weights: str) -> JacobianSpectrum:
    """:func:`jacobian_spectrum` of a resolved function, arguments checked already (as the
    command checks its options). Refused, as ``actviz depth`` refuses them, with a
    :class:`PropagationError` naming the function: no edge of chaos (without ``sigma_w``),
    no stable fixed point, a function that jumps (χ₁ = ∞)."""
    act, label = named.act, named.label
    try:
        unitwise(act)
    except PropagationError as exc:
        raise PropagationError(f"{label}: {exc}", exc.reason) from None
    sigma_w, setting, q0, notes = _setting(act, label, sigma_w, sigma_b)
    try:
        p = propagation_of(act, sigma_w, sigma_b, q0)
    except PropagationError as exc:
        raise PropagationError(f"{label}: {exc}", exc.reason) from None
    if not math.isfinite(p.chi_1):
        raise PropagationError(f"{label}: phi' holds a Dirac delta where {act.name} jumps, so "
                               f"chi_1 = inf: the Jacobian has no finite spectrum", "function")
    q = p.q_star
    law = slope_law(act, q)
    mu1, mu2 = law.moment(1), law.moment(2)
    gaussian = weights == "gaussian"
    s1 = -1.0 if gaussian else 0.0
    chi1 = sigma_w**2 * mu1
    with np.errstate(all="ignore"):
        mean = float(np.float64(chi1) ** layers)  # (inf where it overflows, not an error)
        spread = mu2 / mu1**2 - 1 - s1 if mu1 > 0 else math.nan
        spread = max(spread, 0.0)  # rounding: phi' constant gives -1e-16
        variance = mean * mean * layers * spread
        isometry = 1 / spread if spread > 0 else math.inf
    if not mu1 > 0:
        raise PropagationError(f"{label}: phi'(h) = 0 almost surely at q* = {q:g}: J = 0",
                               "function")
    if law.truncated:
        notes += (f"phi'^2 still grows at |h| = {_REACH:g} sqrt(q*): the law of phi'(h)^2 is "
                  f"cut there (mass 1.5e-23 beyond), and so is lambda_max",)
    if not 1e-300 < mean < 1e300:
        raise PropagationError(
            f"{label}: the mean squared singular value chi_1^L = {chi1:.6g}^{layers} is beyond "
            f"float64 (1e-300 to 1e300); give fewer --layers or a sigma_w nearer the edge of "
            f"chaos", "range")
    shape = _shape(law, layers, sigma_w, gaussian)
    notes += shape.notes
    return JacobianSpectrum(
        spec=label, weights=weights, layers=layers, sigma_w=sigma_w, sigma_b=sigma_b,
        setting=setting, q_star=q, chi1=chi1, mu1=mu1, mu2=mu2, mean=mean, variance=variance,
        isometry_depth=isometry, lambda_max=shape.lambda_max, zero_mass=law.zero_mass,
        mass_below=shape.below, atoms=shape.atoms, density=shape.density,
        quantiles=shape.quantiles, notes=notes + p.notes, activation=act)


def jacobian_spectrum(spec: str | Activation, sigma_w: float | None = None,
                      sigma_b: float = 0.0, layers: int = 30, weights: str = "orthogonal",
                      flavor: str = "torch") -> JacobianSpectrum:
    r"""The spectrum of :math:`JJ^T`, J the input-output Jacobian of a deep random network of
    ``layers`` layers with φ = ``spec`` at the fixed point q* of the variance map (see the
    module docstring): without ``sigma_w``, at the edge of chaos for ``sigma_b``.

    >>> s = jacobian_spectrum("relu", 2 ** 0.5, layers=10, weights="gaussian")
    >>> round(s.mean, 12), round(s.variance, 9), s.zero_mass
    (1.0, 20.0, 0.5)
    """
    act = unitwise(spec, flavor)
    label = spec if isinstance(spec, str) else act.spec
    return spectrum_of(Named(label, act), None if sigma_w is None else
                       sigma_arg("sigma_w", sigma_w), sigma_arg("sigma_b", sigma_b),
                       count_arg("layers", layers, 1), weights_arg(weights))


def spectra(functions: Sequence[Named], sigma_w: float | None, sigma_b: float, layers: int,
            weights: str) -> list[JacobianSpectrum]:
    """What ``actviz spectrum`` reports: each function's spectrum."""
    if not functions:
        raise ParameterError("no function to propagate; give at least one SPEC")
    return [spectrum_of(named, sigma_w, sigma_b, layers, weights) for named in functions]


# --- the table ----------------------------------------------------------------------------------

SPECTRUM_ROWS: tuple[tuple[str, str, Callable[[JacobianSpectrum], Any]], ...] = (
    ("setting", "setting", lambda s: s.setting),
    ("weights", "weights", lambda s: s.weights),
    ("sigma_w", r"$\sigma_w$", lambda s: s.sigma_w),
    ("sigma_b", r"$\sigma_b$", lambda s: s.sigma_b),
    ("q*", "$q^*$", lambda s: s.q_star),
    ("chi_1", r"$\chi_1$", lambda s: s.chi1),
    ("mu_1 = E[f'^2]", r"$\mu_1 = \mathrm{E}[\phi'^2]$", lambda s: s.mu1),
    ("mu_2 = E[f'^4]", r"$\mu_2 = \mathrm{E}[\phi'^4]$", lambda s: s.mu2),
    ("mean, layer {L}", "mean, layer {L}", lambda s: s.mean),
    ("variance, layer {L}", "variance, layer {L}", lambda s: s.variance),
    ("isometry depth", "isometry depth", lambda s: s.isometry_depth),
    ("lambda_max", r"$\lambda_{\max}$", lambda s: s.lambda_max),
    ("mass at 0", "mass at 0", lambda s: s.zero_mass),
    ("atoms (lambda: mass)", r"atoms ($\lambda$: mass)",
     lambda s: ", ".join(f"{text_number(at, 4)}: {text_number(m, 4)}" for at, m in s.atoms)
     or "-"),
    ("mass < 1e-300 max(1, lambda_max)", r"mass $< 10^{-300}\max(1, \lambda_{\max})$",
     lambda s: s.mass_below),
    ("5% quantile", r"5\,\% quantile", lambda s: s.quantiles[0]),
    ("median", "median", lambda s: s.quantiles[1]),
    ("95% quantile", r"95\,\% quantile", lambda s: s.quantiles[2]),
)
"""The rows of ``actviz spectrum``: label, LaTeX label, value (a number or text)."""


def spectrum_rows(found: Sequence[JacobianSpectrum], digits: int | None
                  ) -> list[tuple[str, str, list[str]]]:
    """(label, LaTeX label, one cell per function) for every row of the spectrum table."""
    layers = str(found[0].layers) if found else ""

    def cell(value: Any) -> str:
        return value if isinstance(value, str) else text_number(float(value), digits)

    return [(label.replace("{L}", layers), latex.replace("{L}", layers),
             [cell(get(s)) for s in found]) for label, latex, get in SPECTRUM_ROWS]


# --- a simulated network -------------------------------------------------------------------------

def simulate_jacobian(spec: str | Activation, sigma_w: float, sigma_b: float, layers: int,
                      width: int = 400, weights: str = "orthogonal", seed: int = 0,
                      q_star: float | None = None, flavor: str = "torch") -> np.ndarray:
    r"""The eigenvalues of :math:`JJ^T` (ascending) of one seeded random network of
    ``layers`` layers of ``width`` units: :math:`x^0 = \phi(h^0)` with :math:`h^0` of mean
    square exactly q* (``q_star``, default the fixed point of the variance map from 1),
    :math:`h^l = W^l x^{l-1} + b^l`, :math:`J \leftarrow D^l W^l J` with
    :math:`D^l = \mathrm{diag}(\phi'(h^l))` (autograd's φ'), W Gaussian or σ_w times Haar
    orthogonal (QR of a Gaussian matrix with the signs of R's diagonal, Mezzadri 2007);
    :math:`J^T J`'s eigenvalues as squared singular values. Each layer draws from its own
    generator (``SeedSequence(seed).spawn``)."""
    act = unitwise(spec, flavor)
    sigma_w, sigma_b = sigma_arg("sigma_w", sigma_w), sigma_arg("sigma_b", sigma_b)
    layers = count_arg("layers", layers, 1)
    width = count_arg("width", width, 2)
    seed = count_arg("seed", seed, 0)
    kind = weights_arg(weights)
    if q_star is None:
        q_star = propagation_of(act, sigma_w, sigma_b).q_star
    else:
        q_star = check_sigma(math.sqrt(q_star), "sqrt(q_star)") ** 2
    return simulate_jacobian_of(act, sigma_w, sigma_b, layers, width, kind, seed, q_star)


def simulate_jacobian_of(act: Activation, sigma_w: float, sigma_b: float, layers: int,
                         width: int, weights: str, seed: int, q_star: float) -> np.ndarray:
    """:func:`simulate_jacobian` with its arguments checked. BLAS runs on one thread here:
    threaded OpenBLAS spends ~30x longer on a 200 x 200 QR on a busy 2-core machine (its
    threads wait for each other), and these matrices are too small to gain from threads."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _simulate(act, sigma_w, sigma_b, layers, width, weights, seed, q_star)


def _simulate(act: Activation, sigma_w: float, sigma_b: float, layers: int, width: int,
              weights: str, seed: int, q_star: float) -> np.ndarray:
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(layers + 1)]
    z = streams[0].standard_normal(width)
    # q* = 0 is the limit q -> 0 (slope_law): start at a tiny mean square, whose signs and
    # slopes are the limit's, not at h = 0 exactly (relu'(0) = 0 would give J = 0)
    h = z * math.sqrt((q_star or 1e-12) / np.mean(z * z))
    jac = np.eye(width)
    with np.errstate(all="ignore"):
        for rng in streams[1:]:
            w = rng.standard_normal((width, width))
            if weights == "orthogonal":
                qm, r = np.linalg.qr(w)
                w = qm * np.sign(np.diag(r))
            else:
                w /= math.sqrt(width)
            b = rng.standard_normal(width) * sigma_b
            (f,) = act.evaluate(h, 0)
            h = sigma_w * (w @ f) + b
            d = act.evaluate(h, 1)[1]
            jac = d[:, None] * (sigma_w * (w @ jac))
        values = np.linalg.svd(jac, compute_uv=False) ** 2
    return np.sort(values)


def check_spectrum_simulation(layers: int, width: int, networks: int) -> None:
    """The figure's simulation must stay quick: layers x width^3 x networks flops bounded."""
    work = layers * width**3 * networks
    if work > 4 * 10**10:
        raise ParameterError(f"simulating {networks} network(s) of {layers} layers x {width} "
                             f"units takes layers x width^3 x networks = {work:.3g} flops; "
                             f"at most 4e10: give a smaller --width, --layers or --networks, "
                             f"or --no-simulate")
