"""The edge of chaos (χ₁ = 1) of a function, its curve over σ_b, and the phase diagram."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._roots import brentq
from ..catalog import Activation
from ..errors import ParameterError
from .expectations import jump_size
from .model import EOC_GRID, FLAT, Model, PropagationError, sigma_arg, unitwise, variance_arg
from .propagation import fixed_point

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


class Ratios:
    """R(q) = E[phi^2]/E[phi'^2] and E[phi'^2] on the search grid, shared by every sigma_b."""

    def __init__(self, act: Activation):
        self.act = act
        self.model = Model(act)
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


def eoc_at(ratios: Ratios, sigma_b: float) -> EdgeOfChaos:
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


def _eoc_special(ratios: Ratios, sigma_b: float) -> EdgeOfChaos | None:
    """The answer for functions that jump (none) and positively homogeneous ones (every q
    at sigma_b = 0, none otherwise), or None for the others."""
    act = ratios.act
    jumps = [k.x for k in act.kinks if jump_size(act, k) != 0]
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


def _eoc_candidates(ratios: Ratios, sb2: float) -> list[float]:
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


def _eoc_stable(ratios: Ratios, sigma_b: float,
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
        model = Model(ratios.act, sigma_w, sigma_b)
        label = f"q = {q:.6g} (sigma_w = {sigma_w:.6g})"
        try:
            reached = fixed_point(model, 1.0 if q == 0 else q * (1 + 1e-3))
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
    return eoc_at(Ratios(act), sigma_arg("sigma_b", sigma_b))


def edge_of_chaos_curve(spec: str | Activation, sigma_bs: Sequence[float],
                        flavor: str = "torch") -> tuple[EdgeOfChaos, ...]:
    """:func:`edge_of_chaos` at each σ_b in ``sigma_bs`` (the expectations on the search grid
    are computed once)."""
    act = unitwise(spec, flavor)
    ratios = Ratios(act)
    return tuple(eoc_at(ratios, sigma_arg("sigma_b", b)) for b in sigma_bs)


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
    rows = np.array([sigma_arg("sigma_b", b) for b in sigma_bs], dtype=float)
    cols = np.array([sigma_arg("sigma_w", w) for w in sigma_ws], dtype=float)
    q0 = variance_arg("q0", q0)
    if q0 == 0:
        raise ParameterError("q0 must be > 0 for the phase diagram")
    return phase_diagram_of(act, rows, cols, q0)


def phase_diagram_of(act: Activation, rows: np.ndarray, cols: np.ndarray,
                     q0: float = 1.0) -> np.ndarray:
    """:func:`phase_diagram` of a function :func:`unitwise` accepted, on σ_b ``rows`` and
    σ_w ``cols`` checked already (the depth figure's own grid), q0 > 0."""
    sb2 = np.repeat(rows**2, cols.size)
    sw2 = np.tile(cols**2, rows.size)
    model = Model(act)
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
        jumps = [k.x for k in act.kinks if jump_size(act, k) != 0]
        if jumps:
            chi[known[(q_star[known] > 0) & (sw2[known] > 0)]] = math.inf
    return chi.reshape(rows.size, cols.size)


def _illinois(model: Model, sw2: np.ndarray, sb2: np.ndarray, lo: np.ndarray, hi: np.ndarray,
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
