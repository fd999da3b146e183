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

from .chaos import EdgeOfChaos, edge_of_chaos, edge_of_chaos_curve, phase_diagram
from .gains import Gains, gains, standard_gain
from .model import PropagationError, unitwise
from .propagation import Propagation, propagation, sequences
from .simulation import Simulation, simulate, simulate_many

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
