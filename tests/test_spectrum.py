"""actviz spectrum: the Jacobian's singular-value spectrum (Pennington, Schoenholz & Ganguli
2017, arXiv:1711.04735; 2018, arXiv:1802.09979) against closed forms, mpmath and seeded
random networks."""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest

import actviz
from actviz.meanfield.spectrum import integral

from .helpers import invoke


@pytest.mark.parametrize("layers", [1, 2, 5, 10])
def test_linear_gaussian_edge_is_fuss_catalan(layers):
    s = actviz.jacobian_spectrum("identity", 1.0, 0.0, layers, "gaussian")
    assert s.lambda_max == pytest.approx((layers + 1) ** (layers + 1) / layers**layers,
                                         rel=1e-9)
    assert s.variance == pytest.approx(layers, rel=1e-9)  # Fuss-Catalan: m2 - m1^2 = L


def test_relu_one_layer_edge_is_marchenko_pastur():
    s = actviz.jacobian_spectrum("relu", math.sqrt(2), 0.0, 1, "gaussian")
    assert s.lambda_max == pytest.approx(3 + 2 * math.sqrt(2), rel=1e-9)
    assert s.zero_mass == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(("weights", "factor"), [("gaussian", 2), ("orthogonal", 1)])
def test_relu_variance_at_the_edge_of_chaos(weights, factor):
    for layers in (3, 30):
        s = actviz.jacobian_spectrum("relu", math.sqrt(2), 0.0, layers, weights)
        assert s.mean == pytest.approx(1, abs=1e-9)
        assert s.variance == pytest.approx(factor * layers, rel=1e-9)


def test_hardtanh_and_erf_moments_in_closed_form():
    s = actviz.jacobian_spectrum("hardtanh", None, 0.3, 10)
    p = math.erf(1 / math.sqrt(2 * s.q_star))
    assert s.mu1 == pytest.approx(p, rel=1e-9)
    assert s.mu2 == pytest.approx(p, rel=1e-9)
    e = actviz.jacobian_spectrum("erf(x)", 1.2, 0.2, 10)
    for k, mu in ((1, e.mu1), (2, e.mu2)):
        assert mu == pytest.approx((4 / math.pi) ** k / math.sqrt(1 + 4 * k * e.q_star),
                                   rel=1e-9)


@pytest.mark.parametrize("spec", ["tanh", "elu", "gelu", "selu", "silu"])
def test_mu_against_mpmath(spec):
    s = actviz.jacobian_spectrum(spec, 1.3, 0.3, 5)
    act = actviz.get(spec)
    mpmath.mp.dps = 30
    q = s.q_star

    def moment(k):
        def f(z):
            return (float(act.derivative(float(z) * math.sqrt(q))) ** (2 * k)
                    * mpmath.npdf(z))
        return float(mpmath.quad(f, [-12, -math.sqrt(1 / q) * 0, 0, 12]))

    assert s.mu1 == pytest.approx(moment(1), rel=1e-8)
    assert s.mu2 == pytest.approx(moment(2), rel=1e-8)


@pytest.mark.slow
def test_mu_of_every_catalog_function_against_mpmath():
    """mu_1, mu_2 of the law of phi'(h)^2 at q = 0.7 (a fixed q, not the code's q*) for every
    unit-wise function of tests/reference.py (acceptance 1): mpmath's quadrature, split at the
    kinks, of the derivative mpmath takes of the independent reference (30 digits); functions
    that jump (order-0 kinks: phi' holds a Dirac delta, refused by spectrum) and vector ones
    left out."""
    from actviz.meanfield.model import PropagationError, unitwise
    from actviz.meanfield.spectrum import slope_law

    from .reference import SCALAR

    q = 0.7
    checked = 0
    with mpmath.workdps(30):
        r = mpmath.sqrt(q)
        for spec, f in sorted(SCALAR.items()):
            act = actviz.get(spec)
            try:
                unitwise(act)
            except PropagationError:  # two outputs a unit (crelu): not unit-wise
                continue
            if any(k.order == 0 for k in act.kinks):
                continue
            cuts = sorted({k.x / math.sqrt(q) for k in act.kinks_in(-12 * math.sqrt(q),
                                                                    12 * math.sqrt(q))})
            law = slope_law(act, q)
            for k in (1, 2):
                exact = mpmath.quad(lambda z, f=f, k=k: mpmath.diff(f, r * z) ** (2 * k)
                                    * mpmath.npdf(z), [-12, *cuts, 12])
                assert law.moment(k) == pytest.approx(float(exact), rel=1e-9), (spec, k)
            checked += 1
    assert checked >= 55  # 58 of the 69 references on this branch


@pytest.mark.parametrize(("spec", "sigma_w", "sigma_b", "layers", "weights"), [
    ("relu", math.sqrt(2), 0.0, 30, "gaussian"), ("relu", math.sqrt(2), 0.0, 30, "orthogonal"),
    ("tanh", None, 0.1, 30, "orthogonal"), ("hardtanh", None, 0.3, 10, "gaussian"),
    ("identity", 1.0, 0.0, 5, "gaussian")])
def test_the_density_integrates_to_one_with_the_moments(spec, sigma_w, sigma_b, layers,
                                                         weights):
    s = actviz.jacobian_spectrum(spec, sigma_w, sigma_b, layers, weights)
    lam, rho = s.density
    assert integral(lam, rho)[-1] + s.zero_mass == pytest.approx(1, abs=1e-3)
    mean = integral(lam, rho * lam)[-1]
    assert mean == pytest.approx(s.mean, rel=1e-2)
    assert integral(lam, rho * lam**2)[-1] - mean**2 == pytest.approx(s.variance, rel=3e-2)


def _moments_hold(s) -> None:
    """Mass (with the atom at 0 and the mass below the grid) 1 within 1e-3, mean within
    1e-2 and variance within 3e-2 of the closed forms (acceptance 1)."""
    lam, rho = s.density
    atoms = sum(mass for _, mass in s.atoms)
    assert integral(lam, rho)[-1] + s.zero_mass + s.mass_below + atoms == \
        pytest.approx(1, abs=1e-3)
    mean = integral(lam, rho * lam)[-1] + sum(at * mass for at, mass in s.atoms)
    assert mean == pytest.approx(s.mean, rel=1e-2)
    square = integral(lam, rho * lam**2)[-1] + sum(at**2 * mass for at, mass in s.atoms)
    assert square - mean**2 == pytest.approx(s.variance, rel=3e-2)


def test_mass_below_the_grid_is_counted():
    """gelu at sigma_b = 0.5 (q* = 6.4): phi'(h)^2 < 1e-10 on 2.6 % of the mass, so after 30
    layers 1.7 % of the spectrum lies below 1e-300 lambda_max (the density there decays only
    slowly per unit of log lambda); without it the density held 0.983."""
    s = actviz.jacobian_spectrum("gelu", None, 0.5, 30, "orthogonal")
    assert 0.01 < s.mass_below < 0.03
    _moments_hold(s)


def _edge_settings() -> list[tuple[str, float, str]]:
    from actviz.meanfield import PropagationError

    found = []
    for name in actviz.names():
        for sigma_b in (0.05, 0.5):
            try:
                actviz.jacobian_spectrum(name, None, sigma_b, 1, "gaussian")
            except (PropagationError, ValueError):
                continue
            found += [(name, sigma_b, w) for w in ("orthogonal", "gaussian")]
    return found


def test_hardtanh_with_orthogonal_weights_has_an_atom_at_the_top():
    """phi'(h)^2 = 1 with probability p = erf(1/sqrt(2 q*)) (hardtanh's slope 1 on [-1, 1]):
    the vectors every layer keeps in that piece span at least N(1 - L(1 - p)) dimensions,
    on which |Jx|^2 = sigma_w^(2L)|x|^2, an atom at the top of the spectrum; a network of 400
    units shows it (eigenvalues equal to sigma_w^(2L) to 1e-8), within 5 standard deviations
    of the binomial count of units outside [-1, 1] (sqrt(L N p (1 - p)) = 8 units)."""
    s = actviz.jacobian_spectrum("hardtanh", None, 0.05, 10, "orthogonal")
    p = math.erf(1 / math.sqrt(2 * s.q_star))
    assert len(s.atoms) == 1
    at, mass = s.atoms[0]
    assert at == pytest.approx(s.sigma_w**20, rel=1e-12)
    assert mass == pytest.approx(1 - 10 * (1 - p), abs=1e-9)
    assert s.lambda_max == pytest.approx(at, rel=1e-9)
    assert s.quantiles[2] == pytest.approx(at, rel=1e-9)  # (the top 82 % is the atom)
    _moments_hold(s)
    values = actviz.simulate_jacobian("hardtanh", s.sigma_w, 0.05, 10, 400, "orthogonal", 0)
    found = int(np.sum(np.abs(values / at - 1) < 1e-8))
    assert abs(found - 400 * mass) <= 5 * math.sqrt(10 * 400 * p * (1 - p))
    # Gaussian weights stretch every direction: no atom
    assert actviz.jacobian_spectrum("hardtanh", None, 0.05, 10, "gaussian").atoms == ()


@pytest.mark.slow
def test_every_catalog_function_at_its_edge_of_chaos_integrates_to_its_moments():
    settings = _edge_settings()
    assert len({name for name, _, _ in settings}) >= 10
    wrong = set()
    for name, sigma_b, weights in settings:
        s = actviz.jacobian_spectrum(name, None, sigma_b, 30, weights)
        if s.density[0].size:
            try:
                _moments_hold(s)
            except AssertionError:
                wrong.add((name, sigma_b, weights))
    assert wrong == set()


@pytest.mark.parametrize("weights", ["orthogonal", "gaussian"])
def test_simulated_networks_agree_with_mean_and_variance(weights):
    """Width 400, 4 seeds, 10 layers of tanh: the sample mean of the eigenvalues has a
    standard error of sqrt(variance / N) per network at most (eigenvalues of one matrix are
    negatively correlated); the tolerance is 5 such errors for the 4 networks together,
    and 25 % for the variance (its estimate is a fourth moment)."""
    s = actviz.jacobian_spectrum("tanh", None, 0.1, 10, weights)
    values = [actviz.simulate_jacobian("tanh", s.sigma_w, 0.1, 10, 400, weights, seed,
                                       ) for seed in range(4)]
    flat = np.concatenate(values)
    assert abs(flat.mean() - s.mean) <= 5 * math.sqrt(s.variance / flat.size)
    assert flat.var() == pytest.approx(s.variance, rel=0.25)


@pytest.mark.slow
@pytest.mark.parametrize("weights", ["orthogonal", "gaussian"])
def test_wide_networks_agree_with_mean_and_variance(weights):
    """Width 1000, 6 seeds, 10 layers of tanh (acceptance 2): each network's mean and
    variance of its eigenvalues are independent draws across seeds, so their averages lie
    within t(0.9995, 5) standard errors (estimated from the 6 draws: Student's t, a
    two-sided 1e-3 test) of the theory, plus L/N = 1 % for the bias of a finite width."""
    from scipy.stats import t as student

    s = actviz.jacobian_spectrum("tanh", None, 0.1, 10, weights)
    draws = np.array([(v.mean(), v.var()) for v in (
        actviz.simulate_jacobian("tanh", s.sigma_w, 0.1, 10, 1000, weights, seed)
        for seed in range(6))])
    bound = student.ppf(1 - 5e-4, 5) * draws.std(axis=0, ddof=1) / math.sqrt(6)
    assert abs(draws[:, 0].mean() - s.mean) <= bound[0] + 0.01 * s.mean
    assert abs(draws[:, 1].mean() - s.variance) <= bound[1] + 0.01 * s.variance


def test_errors_are_one_line():
    for args, message in (
            (["relu", "--layers", "0"], "Error: layers must be between 1 and 1000, got 0"),
            (["relu", "--weights", "bogus"], "Error: Invalid value for '--weights'"),
            (["softmax"], "Error: softmax is a vector function"),
            (["relu", "--sigma-w", "3"], "Error: relu: no fixed point"),
            (["tanh", "--sigma-w", "0", "--sigma-b", "0.1"],
             "Error: tanh: sigma_w = 0 makes J = 0"),
            # chi_1^L beyond float64: it raised OverflowError (found by a review)
            (["tanh", "--sigma-w", "5", "--layers", "1000"],
             "Error: tanh: the mean squared singular value chi_1^L = 2.90042^1000 is beyond"),
            (["tanh", "--sigma-w", "0.1", "--layers", "1000"], "Error: tanh: the mean")):
        result = invoke("spectrum", *args)
        assert result.exit_code == 2
        assert result.output.startswith(message), result.output
        assert result.output.count("\n") == 1
    depth = invoke("depth", "softmax").output
    assert invoke("spectrum", "softmax").output == depth


def test_json_keys_and_same_bytes():
    first = invoke("spectrum", "relu", "-f", "json", "--layers", "5").output
    assert first == invoke("spectrum", "relu", "-f", "json", "--layers", "5").output
    (record,) = json.loads(first)
    for key in ("spec", "mean", "variance", "lambda_max", "isometry_depth"):
        assert key in record


def test_relu_below_its_edge_of_chaos_is_the_limit_q_to_0():
    """relu at sigma_w = 1, sigma_b = 0: q* = 0, where half the units stay on in the limit
    q -> 0 (relu'(h) is 0 or 1 with probability 1/2 at every q > 0), so mu_1 = mu_2 = 1/2,
    the mean is (1/2)^L and the variance (1/2)^(2L) L (orthogonal weights); it refused this
    with "phi'(h) = 0 almost surely" (relu'(0) = 0). A network of 400 units agrees."""
    s = actviz.jacobian_spectrum("relu", 1.0, 0.0, 10)
    assert (s.q_star, s.mu1, s.mu2, s.zero_mass) == (0, 0.5, 0.5, 0.5)
    assert s.mean == 0.5**10 and s.variance == pytest.approx(0.5**20 * 10, rel=1e-12)
    _moments_hold(s)
    values = actviz.simulate_jacobian("relu", 1.0, 0.0, 10, 400)
    assert np.mean(values < 1e-20 * values.max()) == pytest.approx(0.5, abs=0.05)
    assert values.mean() == pytest.approx(s.mean, rel=0.2)


@pytest.mark.parametrize("weights", ["orthogonal", "gaussian"])
@pytest.mark.parametrize("sigma_w", [0.5, 0.01])
def test_relu_far_below_its_edge_is_the_edge_spectrum_scaled(sigma_w, weights):
    """relu is positively homogeneous and the law of relu'(h) is the same at every q* (0 or 1
    with probability 1/2), so the spectrum at sigma_w = c sqrt(2) is the one at sqrt(2) scaled
    by c^(2L) (every S-transform carries sigma_w^-2 per layer). There lambda_max < 1, and the
    grid's foot 1e-300 lambda_max underflowed to 0 (`spectrum --sigma-w 0.5 relu` raised
    "math domain error", found by the property test)."""
    s = actviz.jacobian_spectrum("relu", sigma_w, 0.0, 30, weights)
    edge = actviz.jacobian_spectrum("relu", math.sqrt(2), 0.0, 30, weights)
    scale = (sigma_w**2 / 2) ** 30
    assert s.lambda_max < 1e-20
    assert s.lambda_max == pytest.approx(edge.lambda_max * scale, rel=1e-12)
    assert s.mean == pytest.approx(edge.mean * scale, rel=1e-12)
    assert s.variance == pytest.approx(edge.variance * scale**2, rel=1e-12)
    assert s.quantiles[2] == pytest.approx(edge.quantiles[2] * scale, rel=2e-3)
    assert s.zero_mass == edge.zero_mass == 0.5
    assert s.density[0][0] > 0 and np.all(np.isfinite(s.density[1]))
    _moments_hold(s)
