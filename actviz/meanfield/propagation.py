"""Fixed points of the variance map, and :func:`propagation`: everything the theory says
about one function at one (σ_w, σ_b)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._roots import brentq
from ..catalog import Activation
from ..errors import ParameterError
from .expectations import Z_REACH, kinks_between, one_sided
from .model import (
    FLAT,
    PHASE_TOL,
    Q_MAX,
    Model,
    PropagationError,
    count_arg,
    sigma_arg,
    unitwise,
    variance_arg,
)

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


def fixed_point(model: Model, q0: float) -> float:
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


def _bracket(model: Model, q0: float, start: int) -> tuple[float, float] | None:
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


def _diverges(model: Model, q0: float) -> str:
    return (f"no fixed point: from q0 = {q0:g}, q^l = V(q^(l-1)) grows without bound "
            f"(V(q) > q up to q = {Q_MAX:g}) at sigma_w = {math.sqrt(model.sw2):g}, "
            f"sigma_b = {math.sqrt(model.sb2):g}; a smaller sigma_w keeps it finite")


def _stable(model: Model, q: float, v_slope: float) -> None:
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


def _correlation_root(model: Model, q: float) -> tuple[float, float]:
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
    if any(k.order <= 1 for k in kinks_between(act, 0.0, 0.0)):
        left, right = one_sided(act, 0.0, 1)
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
    def _model(self) -> Model:
        return Model(self.activation, self.sigma_w, self.sigma_b)

    def variance_map(self, q: Any) -> np.ndarray:
        r""":math:`V(q) = \sigma_w^2 E[\phi(\sqrt q z)^2] + \sigma_b^2` for each q (array)."""
        q = _variances("q", q)
        return self._model.variance(q).reshape(np.shape(q))

    def variance_slope(self, q: float) -> float:
        """V'(q), kink terms included (see the module docstring)."""
        return self._model.slope(variance_arg("q", q))

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
        return 1.0 - self.decorrelation_map(1.0 - correlations_arg(c))

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
        c = correlations_arg(c)
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
        return _q_sequence(self._model, variance_arg("q0", q0), count_arg("layers", layers, 0))

    def c_sequence(self, c0: float, layers: int, q0: float | None = None) -> np.ndarray:
        """c^0 = c0 and c^l = C(c^(l-1)) for l = 1..layers, iterated on 1 - c. With ``q0``
        the two inputs start at variance q0 and the map at layer l uses q^(l-1) (the
        normalised map 1 - σ_w² D/V(q)); without it, q stays at q*."""
        c0 = float(correlations_arg(c0))
        layers = count_arg("layers", layers, 0)
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


def _q_sequence(model: Model, q: float, layers: int) -> np.ndarray:
    out = [q]
    with np.errstate(all="ignore"):
        for _ in range(layers):
            q = float(model.variance(q)[0]) if math.isfinite(q) else math.inf
            out.append(q)
    return np.array(out)


def _gradient_sequence(model: Model, qs: np.ndarray) -> np.ndarray:
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
    return sequences_of(unitwise(spec, flavor), sigma_arg("sigma_w", sigma_w),
                        sigma_arg("sigma_b", sigma_b), count_arg("layers", layers, 0),
                        variance_arg("q0", q0))


def sequences_of(act: Activation, sigma_w: float, sigma_b: float, layers: int,
                 q0: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sequences` of a function :func:`unitwise` accepted, arguments checked."""
    model = Model(act, sigma_w, sigma_b)
    qs = _q_sequence(model, q0, layers)
    return qs, _gradient_sequence(model, qs)


def _variances(name: str, q: Any) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    if np.any(~np.isfinite(q) | (q < 0)):
        raise ParameterError(f"{name} must be finite variances >= 0")
    return q


def correlations_arg(c: Any) -> np.ndarray:
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
    sigma_w, sigma_b = sigma_arg("sigma_w", sigma_w), sigma_arg("sigma_b", sigma_b)
    return propagation_of(act, sigma_w, sigma_b, variance_arg("q0", q0),
                          act.spec if not isinstance(spec, str) else spec)


def propagation_of(act: Activation, sigma_w: float, sigma_b: float, q0: float = 1.0,
                   spec: str | None = None) -> Propagation:
    """:func:`propagation` of a function :func:`unitwise` accepted, with arguments checked
    already (as ``actviz depth`` checks its options); ``spec`` names it (default its own)."""
    model = Model(act, sigma_w, sigma_b)
    q_star = fixed_point(model, q0)
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
        spec=act.spec if spec is None else spec, sigma_w=sigma_w,
        sigma_b=sigma_b, q0=q0, q_star=q_star, chi_1=chi_1, v_slope=v_slope, c_star=c_star,
        chi_c=chi_c, xi_q=_depth(v_slope), xi_c=None if chi_c is None else _depth(chi_c),
        phase=phase, notes=notes, activation=act)


def _notes(act: Activation, q: float) -> tuple[str, ...]:
    """How each kink within reach of N(0, q*) was treated, in words."""
    notes = []
    reach = Z_REACH * math.sqrt(q)
    for kink in kinks_between(act, -reach, reach) if q > 0 else ():
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
