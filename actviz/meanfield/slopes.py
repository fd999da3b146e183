r"""The law of the squared slope :math:`d = \phi'(h)^2`, h ~ N(0, q), that the Jacobian's
spectrum (:mod:`actviz.meanfield.spectrum`) is built from.

The law of :math:`d = \phi'(h)^2`, h ~ N(0, q*), is a quadrature rule:
Gauss-Legendre nodes (16 a panel) on panels of width 1/2 in z = h/√q* over |z| <= 10 (the
normal mass beyond is 1.5e-23), split at φ's kinks, so that its moment transform
:math:`\psi_D(x) = E[x d/(1 - x d)]` is a sum, for any complex x (and
:math:`1 + \psi_D = E[1/(1 - x d)]` summed as such, exact where ψ is near −1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..catalog import Activation

REACH = 10.0
"""The rule covers |h| <= REACH √q (the normal mass beyond is 1.5e-23)."""
_PANEL = 0.5
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)


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
            inverse = 1 / (1 - x[..., None] * self.d)
            weighted = (self.p * self.d).astype(complex)  # (sums as products: 2-3x faster)
            return (x * (inverse @ weighted), inverse @ self.p.astype(complex),
                    (inverse * inverse) @ weighted)


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
    edges = np.linspace(-REACH, REACH, round(2 * REACH / _PANEL) + 1)
    if q > 0:
        cuts = [k.x / root for k in act.kinks_in(-REACH * root, REACH * root)]
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
