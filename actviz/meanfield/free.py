r"""The free-probability solution for the spectrum of :math:`JJ^T` (see
:mod:`actviz.meanfield.spectrum` for the theory): its edges, the density of its continuous
part and the mass below the grid.

With the law of :math:`d = \phi'(h)^2` of :mod:`actviz.meanfield.slopes` and
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
down to λ_min, or to :math:`10^{-300}\max(1, \lambda_{max})`; the density of the
continuous part is :math:`\rho(\lambda) = |\mathrm{Im}\,\psi|/(\pi\lambda)`. The atom at 0
(``zero_mass``) is P(φ'(h) = 0) (free multiplicative convolution keeps the larger atom at
0, and W has none).
Where φ' nearly vanishes on much of the mass (gelu, sigmoid at large q*), part of the
continuous spectrum lies below :math:`10^{-300}\lambda_{max}`, where float64 cannot hold λ
ρ(λ) (and below :math:`10^{-300}` itself where :math:`\lambda_{max} < 1`): that mass
(``mass_below``) comes from the real root x < 0 of :math:`\chi_J(x) = -1/\lambda_0` at the
grid's foot λ_0, :math:`1 + \psi_J(-1/\lambda_0) = E[\lambda_0/(\lambda + \lambda_0)]` (a
smoothed mass below λ_0), less the grid's share of that mean.

The walk from the edge can lose its branch: far from the edge of chaos, and where φ'² is
nearly constant, the edge sits at the quadrature's last node, next to a pole of ψ_D. So the
spectrum (:func:`actviz.meanfield.spectrum.jacobian_spectrum`) checks the density against
the moments, and where it fails, :func:`arc_roots` solves every λ of the grid again by a
continuation that cannot change branch (along z = e^{-iθ}/λ from the negative axis), and
:func:`_refined` adds points where the grid misses structure (band edges inside the
spectrum, narrow bands). The density is integrated by :func:`integral`, a trapezoid in a
variable that is √-like at both ends of the grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .slopes import SlopeLaw

_LOWEST = 1e-300
"""The density is computed down to this fraction of λ_max (below, its mass is < 1e-5 for
every depth up to 1000: the mass below λ near 0 grows like λ^(1/(L+1))), or down to this
λ itself where λ_max < 1 (lower, λ and ρ(λ) = |Im ψ|/(πλ) leave float64): see :func:`floor`."""


def floor(lam_max: float) -> float:
    """The foot of the density's grid: 1e-300 max(1, λ_max)."""
    return _LOWEST * max(1.0, lam_max)


class Chi:
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


def upper_edge(chi: Chi, below_atom: bool = False) -> tuple[float, float]:
    """(x_e, λ_max): where χ_J is largest on 0 < x < 1/max d, and 1/χ_J there. With
    ``below_atom`` (an atom at the top of the spectrum, :func:`extreme_atoms`), the upper
    edge of the continuous part instead: there ψ_J(1/λ) runs from −∞ (at the atom) up as λ
    falls, so x > 1/max d, and the edge is where χ_J is largest on the real branch beyond
    (hardtanh, 10 orthogonal layers: an atom at 1.19, the continuous part below 0.46);
    (inf, inf) where χ_J grows all along that branch (hardtanh, 3 layers: the continuous
    part reaches up to the atom)."""
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
    if below_atom and i == xs.size - 1:  # χ_J still grows: the continuum reaches the atom
        return math.inf, math.inf
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


def _solve(chi: Chi, guess: np.ndarray, lam: np.ndarray, rounds: int = 40
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


def _walk(chi: Chi, x_edge: float, curvature: float, lam_max: float,
          ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and ψ at λ = λ_max e^(-t) for the increasing ``ts``, each continued from the last
    (one Newton solve after another: for the few points of a coarse pass). After
    :data:`_LOST` points in a row whose Newton solve fails, the walk has lost its branch:
    the rest are NaN (the moments' check then sends the grid to :func:`arc_roots`)."""
    xs = np.full(ts.size, np.nan, dtype=complex)
    psis = np.full(ts.size, np.nan, dtype=complex)
    lost = 0
    for k, t in enumerate(ts):
        if k < 2 or t < 1e-6:
            guess = complex(x_edge, -math.sqrt(2 * t / curvature))
        else:
            with np.errstate(all="ignore"):
                guess = xs[k - 1] + (xs[k - 1] - xs[k - 2]) * (t - ts[k - 1]) / (ts[k - 1]
                                                                                 - ts[k - 2])
            if not guess.imag < 0 or not np.isfinite(guess):
                guess = xs[k - 1]
        x, psi, done = _solve(chi, np.array([guess]), np.array([lam_max * math.exp(-t)]), 60)
        xs[k], psis[k] = x[0], psi[0]
        lost = 0 if done[0] else lost + 1
        if lost >= _LOST:
            break
    return xs, psis


_LOST = 20


def _fine(chi: Chi, x_edge: float, curvature: float, lam_max: float, coarse: np.ndarray,
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


def _lower_edge(chi: Chi, lam_max: float) -> tuple[float, float] | None:
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
    if not floor(lam_max) < lam_min < lam_max:  # (above λ_max: rounding of a narrow law)
        return None
    return bottom + math.exp(u), lam_min


def negative_roots(chi: Chi, lam: np.ndarray) -> np.ndarray:
    """The real root x < 0 of χ_J(x) = −1/λ for each λ (χ_J decreases from 0 to −∞ there;
    ψ_J(−1/λ) = ψ_D(x) is real): bisection in log(−x), all λ at once."""
    target = -np.log(lam)
    lo, hi = np.full(lam.size, -700.0), np.full(lam.size, 700.0)
    for _ in range(60):  # 1400 / 2^60: below a rounding of u = log(-x)
        mid = (lo + hi) / 2
        with np.errstate(all="ignore"):
            up = ~(chi((-np.exp(mid)).astype(complex))[0].real < target)
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    return -np.exp((lo + hi) / 2)


def _below(chi: Chi, lam: float) -> float:
    r"""E[λ'/(λ' + λ)]-smoothed mass of the spectrum below ``lam``: 1 + ψ_J(−1/λ)
    = :math:`E[\lambda/(\lambda' + \lambda)]` over λ' ~ JJᵀ, from :func:`negative_roots`."""
    x = negative_roots(chi, np.array([lam])).astype(complex)
    return float(chi.law.psi(x)[1].real[0])  # 1 + ψ_D(x), summed as such


_ARC_STEPS = 600
"""At most this many rounds of the continuation along the arcs (a round moves every point
not yet at the real axis one step; 40-150 rounds where the spectrum is smooth)."""


def arc_roots(chi: Chi, lam: np.ndarray) -> np.ndarray:
    r"""ψ_D(x) at the root of χ_J(x) = 1/λ that gives the density at λ, for every λ > 0,
    found without the upper edge: along the arc :math:`z = e^{-i\theta}/\lambda`, θ from π
    down to 0, from the real root x < 0 at z = −1/λ (:func:`negative_roots`), where ψ_J is
    real and analytic, to the real axis, where :math:`\psi_J(1/\lambda)` is the boundary
    value from the correct side. Off the real axis the root moves smoothly with θ
    (:math:`dx/d\theta = -i/(\log\chi_J)'(x)`), so a predictor step and Newton's corrector,
    the step halved where the corrector strays (more than 0.3 of the step) or does not
    converge, keep each point on its branch; all λ move at once. NaN where a point does not
    reach the axis in :data:`_ARC_STEPS` rounds. Slower than the walk from the edge (a
    continuation per λ), and used where that walk does not hold the moments (laws whose
    edge sits at the quadrature's last node, far from the edge of chaos)."""
    n = lam.size
    x = negative_roots(chi, lam).astype(complex)
    theta = np.full(n, math.pi)
    step = np.full(n, math.pi / 16)
    base = -np.log(lam)
    for _ in range(_ARC_STEPS):
        act = np.flatnonzero(theta > 0)
        if act.size == 0:
            break
        old = x[act]
        slope = chi(old)[1]
        new_theta = np.maximum(theta[act] - step[act], 0.0)
        with np.errstate(all="ignore"):
            guess = old - 1j * (new_theta - theta[act]) / slope
        target = base[act] - 1j * new_theta
        y = guess.copy()
        for _ in range(8):
            value, dvalue, _ = chi(y)
            with np.errstate(all="ignore"):
                residual = _principal(value, target)
                y = y - residual / dvalue
            if np.all(np.abs(residual) <= 1e-11):
                break
        value = chi(y)[0]
        with np.errstate(all="ignore"):
            good = ((np.abs(_principal(value, target)) <= 1e-11) & np.isfinite(y)
                    & (np.abs(y - guess) <= 0.3 * np.abs(guess - old) + 1e-13 * np.abs(old)))
        ok, bad = act[good], act[~good]
        x[ok], theta[ok] = y[good], new_theta[good]
        step[ok] = np.minimum(step[ok] * 1.6, math.pi / 4)
        step[bad] /= 2
        stuck = bad[step[bad] < 1e-13]
        x[stuck], theta[stuck] = np.nan, 0.0
    x[theta > 0] = np.nan
    with np.errstate(all="ignore"):
        return chi.law.psi(x)[0]


@dataclass(frozen=True)
class Density:
    lam: np.ndarray
    rho: np.ndarray
    below: float
    """The mass of the continuous part below ``lam[0]`` (0 at a lower edge)."""


_COARSE = 40


_REFINE_TOLERANCE = 2e-5
_REFINE_POINTS = 4000


def _refined(chi: Chi, lam_max: float, ts: np.ndarray, psis: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """The grid ``ts`` (λ = λ_max e^(-t)) with points added where the density needs them:
    the mass is ∫ |Im ψ|/π dt, and an interval whose midpoint moves its trapezoid by more
    than :data:`_REFINE_TOLERANCE` is halved, all such intervals at once, until none is (or
    the grid holds :data:`_REFINE_POINTS`). This resolves the edges of bands inside the
    spectrum (two values of φ'², one Gaussian layer: two bands with a gap) and narrow ones
    (φ'² nearly constant), which a fixed grid crosses with a few points."""
    todo = np.ones(ts.size - 1, dtype=bool)  # the intervals (ts[i], ts[i+1]) to look at
    for _ in range(30):
        at = np.flatnonzero(todo)
        if at.size == 0 or ts.size >= _REFINE_POINTS:
            break
        mids = (ts[at] + ts[at + 1]) / 2
        found = arc_roots(chi, lam_max * np.exp(-mids))
        with np.errstate(all="ignore"):
            y = np.nan_to_num(np.abs(psis.imag) / np.pi)
            ym = np.nan_to_num(np.abs(found.imag) / np.pi)
        change = np.abs(ym - (y[at] + y[at + 1]) / 2) * (ts[at + 1] - ts[at]) / 2
        split = change > _REFINE_TOLERANCE
        ts = np.concatenate([ts, mids[split]])
        psis = np.concatenate([psis, found[split]])
        halves = np.zeros(ts.size, dtype=bool)  # each split interval's two halves, by start
        halves[at[split]] = True
        halves[ts.size - int(split.sum()):] = True
        order = np.argsort(ts, kind="stable")
        ts, psis, todo = ts[order], psis[order], halves[order][:-1]
    return ts, psis


def density_of(chi: Chi, x_edge: float, lam_max: float, points: int = 240,
               arcs: bool = False) -> Density:
    """The continuous part of the spectrum on a grid from λ_max down (see the module): the
    roots walked from the edge, or with ``arcs`` by :func:`arc_roots` (which need no
    ``x_edge``)."""
    curvature = 1.0
    if not arcs:
        h = 1e-5 * x_edge
        curvature = abs((chi.real(x_edge + h) - 2 * chi.real(x_edge) + chi.real(x_edge - h))
                        / h**2)
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
    if arcs:
        ts, psis = _refined(chi, lam_max, ts, arc_roots(chi, lam_max * np.exp(-ts)))
        psis[~np.isfinite(psis)] = 0j  # (a point not found: the moments' check tells)
    else:
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
    r"""The cumulative integral of ``values`` dλ over the grid ``lam`` (λ > 0 ascending):
    :math:`\int y\,dt` with y = λ·values and t = log(λ_top/λ), as a trapezoid in θ, where
    t = T(1 − cos θ)/2 (T = t at the grid's foot). Near either end θ is √t-like, so a density
    that vanishes like a square root at an edge and one that diverges like its inverse
    (two free projections of rank 1/2: relu, 2 orthogonal layers, arcsine at both ends) are
    integrated alike: a trapezoid in t was 0.8 % off in relu's mass there."""
    if lam.size < 2:
        return np.zeros(lam.size)
    y = values * lam
    t = np.log(lam[-1] / lam)
    span = float(t[0])
    theta = np.arccos(np.clip(1 - 2 * t / span, -1.0, 1.0))
    g = y * (span / 2) * np.sin(theta)
    steps = -np.diff(theta) * (g[1:] + g[:-1]) / 2
    return np.concatenate([[0.0], np.cumsum(steps)])
