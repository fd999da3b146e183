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

Numerics (any φ): the law of :math:`d = \phi'(h)^2` is a quadrature rule
(:mod:`actviz.meanfield.slopes`), and the free-probability equations are solved by
:mod:`actviz.meanfield.free`, which describes how.

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
from .free import Chi, Density, density_of, integral, upper_edge
from .model import PropagationError, count_arg, sigma_arg, unitwise
from .propagation import propagation_of
from .slopes import REACH, SlopeLaw, slope_law

WEIGHTS = ("orthogonal", "gaussian")
"""The kinds of weight matrix: σ_w times a Haar orthogonal matrix, or N(0, σ_w²/N) entries."""

QUANTILES = (0.05, 0.5, 0.95)
"""The quantiles of the squared singular values that the table shows."""

def weights_arg(value: Any) -> str:
    """``orthogonal`` or ``gaussian`` (any case)."""
    if not isinstance(value, str) or value.lower() not in WEIGHTS:
        raise ParameterError(f"weights must be one of {', '.join(WEIGHTS)}, got {value!r}")
    return value.lower()


# --- the spectrum --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class JacobianSpectrum:
    r"""The spectrum of :math:`JJ^T` at depth ``layers`` (see the module docstring).

    ``density`` is (lam, rho): the density of the continuous part on a grid of λ
    (ascending; geometric, down to 1e-300 max(1, λ_max), so integrate in log λ, ∫ρ dλ = ∫λρ d(log
    λ), as :func:`~actviz.meanfield.free.integral` does: a trapezoid in λ overcounts its wide
    low steps), which
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


def _quantiles(cdf: np.ndarray, lam: np.ndarray, top: float,
               atoms: Sequence[tuple[float, float]] = ()) -> tuple[float, float, float]:
    """The quantiles of a distribution whose cumulative function on ``lam`` is ``cdf``: 0
    within an atom at 0, ``top`` within an atom there above the grid's last point, an atom's
    λ within its jump at a grid point (not a λ interpolated below it)."""
    out = []
    for p in QUANTILES:
        if p <= cdf[0]:
            out.append(0.0 if cdf[0] > 0 else float(lam[0]))
        elif p > cdf[-1]:
            out.append(top)
        else:
            k = min(int(np.searchsorted(cdf, p)), lam.size - 1)
            a, b = cdf[k - 1], cdf[k]
            jump = [at for at, mass in atoms
                    if lam[k - 1] < at * (1 - 1e-12) <= lam[k] and p > b - mass]
            if jump:
                out.append(jump[0])
                continue
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
    # an atom of mass below 1e-9 is the rounding of a sum that is 0 (relu, 2 layers: 1 - 2 x
    # 1/2 gave 2e-16, and the edge was sought below an atom that is not there)
    return tuple((float(np.float64(scale * d) ** layers), 1 - layers * (1 - a)) for d, a in ends
                 if a > 0 and 1 - layers * (1 - a) > 1e-9)


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


MASS_TOLERANCE = 5e-3
MEAN_TOLERANCE = 2e-2
"""The density is reported where, with the atoms and the mass below its grid, it holds a mass
within MASS_TOLERANCE of 1 and a mean within MEAN_TOLERANCE (relative) of m_1 = χ₁^L."""


def _held(found: Density, law: SlopeLaw, atoms: Sequence[tuple[float, float]],
          mean: float) -> tuple[float, float]:
    """(the mass, the mean / m_1) of the distribution with the density ``found``."""
    mass = (law.zero_mass + found.below + float(integral(found.lam, found.rho)[-1])
            + sum(m for _, m in atoms))
    first = (float(integral(found.lam, found.rho * (found.lam / mean))[-1])
             + sum(at / mean * m for at, m in atoms))
    return mass, first


def _holds(mass: float, first: float) -> bool:
    return abs(mass - 1) <= MASS_TOLERANCE and abs(first - 1) <= MEAN_TOLERANCE


def _shape(law: SlopeLaw, layers: int, sigma_w: float, gaussian: bool, mean: float
           ) -> _Shape:
    """The distribution of the squared singular values at depth ``layers`` (mean ``mean``):
    its top, its quantiles, the density of its continuous part, its atoms and the mass below
    the grid; where the density does not hold the moments by either method, no quantiles
    (NaN) and no density."""
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
        atoms = ((lam_max, 1.0),) if law.d.size == 1 else extreme_atoms(law, 1, scale)
        return _Shape(lam_max, _law_quantiles(values, law.p), (np.empty(0), np.empty(0)),
                      atoms, 0.0, (note,))
    chi = Chi(law, layers, sigma_w, gaussian)
    atoms = () if gaussian else extreme_atoms(law, layers, scale)
    on_top = bool(atoms) and atoms[-1][0] == float(np.float64(scale * law.d[-1]) ** layers)
    x_edge, lam_max = upper_edge(chi, on_top)
    if math.isinf(x_edge):  # the continuous part reaches the atom: no edge to walk from
        lam_max = atoms[-1][0]
        found = density_of(chi, x_edge, lam_max, arcs=True)
    else:
        found = density_of(chi, x_edge, lam_max)
    held = _held(found, law, atoms, mean)
    if not _holds(*held):  # the walk from the edge lost its branch: the arcs instead
        again = found if math.isinf(x_edge) else density_of(chi, x_edge, lam_max, arcs=True)
        held_again = _held(again, law, atoms, mean)
        if not _holds(*held_again):
            mass, first = min(held, held_again, key=lambda h: abs(h[0] - 1) + abs(h[1] - 1))
            note = (f"the density did not hold the moments here (mass {mass:.4g}, mean "
                    f"{first:.4g} m_1, by either method; the check: mass within "
                    f"{MASS_TOLERANCE:g} of 1, mean within {MEAN_TOLERANCE:g} of m_1): no "
                    f"quantiles and no mass below the grid; q*, mu_1, mu_2, the mean, the "
                    f"variance and lambda_max are computed separately and hold")
            mu1, s1 = law.moment(1), -1.0 if gaussian else 0.0
            sd = math.sqrt(max(layers * (law.moment(2) / mu1**2 - 1 - s1), 0.0))
            if sd < 1e-2:  # (phi' nearly constant: 1 - x d cancels to a few digits)
                note += (f"; the spectrum is narrow, its standard deviation {sd:.2g} of its "
                         f"mean: by Chebyshev's inequality 95 % of it lies within 4.5 standard "
                         f"deviations of the mean")
            nan = math.nan
            return _Shape(max([lam_max, *(at for at, _ in atoms)]), (nan, nan, nan),
                          (np.empty(0), np.empty(0)), atoms, nan, (note,))
        found = again
    cdf = law.zero_mass + found.below + integral(found.lam, found.rho)
    for at, mass in atoms:
        cdf = cdf + mass * (found.lam >= at * (1 - 1e-12))
    lam_max = max([lam_max, *(at for at, _ in atoms)])
    low = [name for name, p in zip(("5% quantile", "median", "95% quantile"), QUANTILES,
                                   strict=True)
           if law.zero_mass < p <= law.zero_mass + found.below]
    verb = "lie" if len(low) > 1 else "lies"
    notes = (f"{' and '.join(low)} {verb} below the density's grid (lambda < "
             f"{float(found.lam[0]):.3g}, where float64 cannot hold the density): shown as "
             f"0",) if low else ()
    return _Shape(lam_max, _quantiles(cdf, found.lam, lam_max, atoms), (found.lam, found.rho),
                  atoms, found.below, notes)


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
        raise PropagationError(f"{label}: no edge of chaos: {eoc.reason}; give a sigma_w "
                               f"(--sigma-w) for a network off the edge", "no sigma_w")
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
        notes += (f"phi'^2 still grows at |h| = {REACH:g} sqrt(q*): the law of phi'(h)^2 is "
                  f"cut there (mass 1.5e-23 beyond), and so is lambda_max",)
    if not 1e-300 < mean < 1e300:
        raise PropagationError(
            f"{label}: the mean squared singular value chi_1^L = {chi1:.6g}^{layers} is beyond "
            f"float64 (1e-300 to 1e300); give fewer --layers or a sigma_w nearer the edge of "
            f"chaos", "range")
    if variance == 0 and spread > 0:  # m_1^2 underflows: not a variance of 0
        notes += (f"the variance, {layers * spread:.4g} m_1^2, is below float64's range "
                  f"(m_1 = {mean:.4g}): not given",)
        variance = math.nan
    shape = _shape(law, layers, sigma_w, gaussian, mean)
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
