"""Mean-field signal propagation (actviz.meanfield) against numbers derived independently:
closed forms (the erf and arc-cosine kernels, ReLU's homogeneity, step functions), published
values (Schoenholz et al. 2017, Hayou et al. 2019, SELU's fixed point), mpmath quadratures of
the functions written out literally, Mehler's expansion of the correlation map, and a seeded
random network simulated in NumPy."""

from __future__ import annotations

import functools
import itertools
import math

import mpmath as mp
import numpy as np
import pytest

import actviz
from actviz import ParameterError
from actviz.analysis import properties
from actviz.catalog import Activation, Definition, Family, Kink
from actviz.meanfield import (
    PropagationError,
    edge_of_chaos,
    edge_of_chaos_curve,
    gains,
    phase_diagram,
    propagation,
    sequences,
    simulate,
    standard_gain,
)

from .helpers import invoke
from .reference import SELU_ALPHA, SELU_SCALE

DPS = 25
SQRT2 = math.sqrt(2.0)


# --- mpmath references ---------------------------------------------------------------------------

def _sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def _elu_like(alpha, scale):
    return (lambda x: scale * x if x > 0 else scale * alpha * (mp.exp(x) - 1),
            lambda x: scale if x > 0 else scale * alpha * mp.exp(x),
            lambda x: mp.mpf(0) if x > 0 else scale * alpha * mp.exp(x))


# (f, f', f'') written out from the definitions, and the kinks to split the integrals at
MP = {
    "tanh": ((mp.tanh, lambda x: 1 - mp.tanh(x) ** 2,
              lambda x: -2 * mp.tanh(x) * (1 - mp.tanh(x) ** 2)), ()),
    "selu": (_elu_like(SELU_ALPHA, SELU_SCALE), (0,)),
    "elu": (_elu_like(mp.mpf(1), mp.mpf(1)), (0,)),
    "gelu": ((lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * mp.npdf(x),
              lambda x: mp.npdf(x) * (2 - x * x)), ()),
    "silu": ((lambda x: x * _sigmoid(x),
              lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
              lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (2 + x * (1 - 2 * _sigmoid(x)))), ()),
    "sigmoid": ((_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
                 lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x))), ()),
}


def expect(g, q, cuts=()):
    """E[g(sqrt(q) z)], z ~ N(0, 1), split at the kinks."""
    r = mp.sqrt(q)
    points = [-mp.inf, *sorted(mp.mpf(c) / r for c in cuts), mp.inf]
    return mp.quad(lambda z: g(r * z) * mp.npdf(z), points)


@functools.cache
def reference(name, sigma_w, sigma_b, q):
    """V(q) - q, chi_1 and V'(q) at q from mpmath quadratures of the literal functions."""
    (f, d, dd), cuts = MP[name]
    with mp.workdps(DPS):
        sw2, sb2, q = mp.mpf(sigma_w) ** 2, mp.mpf(sigma_b) ** 2, mp.mpf(q)
        residual = sw2 * expect(lambda u: f(u) ** 2, q, cuts) + sb2 - q
        chi = sw2 * expect(lambda u: d(u) ** 2, q, cuts)
        slope = sw2 * expect(lambda u: d(u) ** 2 + f(u) * dd(u), q, cuts)
        return residual, chi, slope


def mehler(f, q, terms, cuts=()):
    r"""a_n^2 = E[f(sqrt(q) z) He_n(z)]^2 / n! for n < terms, so that E[f(u_1) f(u_2)] =
    sum_n a_n^2 c^n (Mehler's formula): a 48-point Gauss-Legendre rule on unit intervals of
    [-14, 14] (split at the kinks), with He_n by its recurrence."""
    from mpmath.calculus.quadrature import GaussLegendre

    nodes = GaussLegendre(mp.mp).calc_nodes(5, mp.mp.prec)
    r = mp.sqrt(q)
    edges = sorted({mp.mpf(k) for k in range(-14, 15)}
                   | {mp.mpf(c) / r for c in cuts if abs(c / r) < 14})
    sums = [mp.mpf(0)] * terms
    for a, b in itertools.pairwise(edges):
        for x, w in nodes:
            z = (a + b) / 2 + (b - a) / 2 * x
            weight = w * (b - a) / 2 * mp.npdf(z) * f(r * z)
            h0, h1 = mp.mpf(1), z
            sums[0] += weight
            sums[1] += weight * z
            for n in range(2, terms):
                h0, h1 = h1, z * h1 - (n - 1) * h0
                sums[n] += weight * h1
    return [s * s / mp.factorial(n) for n, s in enumerate(sums)]


def rel(value, tol):
    return pytest.approx(value, rel=tol, abs=0)


# --- an activation outside the catalog: erf, whose kernels are closed forms ----------------------

def _erf_kernel(x, order):
    from scipy.special import erf

    f = erf(x)
    if order == 0:
        return (f,)
    d = 2.0 / math.sqrt(math.pi) * np.exp(-x * x)
    if order == 1:
        return f, d
    return f, d, -2.0 * x * d


ERF = Activation(Definition(
    name="erf", kernel=_erf_kernel, title="error function", family=Family.SIGMOID,
    symbol=r"\mathrm{erf}", latex="", latex_d="", text="erf(x)", text_d="",
    limits=lambda p: ((-1.0, 1.0), (0.0, 0.0), (0.0, 0.0))), {})


def erf_square(q):
    """E[erf(sqrt(q) z)^2] = (2/pi) arcsin(2q / (1 + 2q)) (Williams 1997, the erf kernel of
    neural_tangents/_src/stax/elementwise.py: (2/pi) arcsin(2 S12 / sqrt((1 + 2 S11)(1 + 2
    S22))))."""
    return 2 / mp.pi * mp.asin(2 * q / (1 + 2 * q))


def test_the_issues_erf_formula_is_the_arcsine_kernel_in_other_words():
    # The issue writes E[erf(sqrt(q) z)^2] = (2/pi) arctan(q / sqrt(q + 1/4)); the standard
    # kernel is (2/pi) arcsin(2q/(1+2q)). They are the same: arcsin x = arctan(x/sqrt(1-x^2))
    # and 2q/sqrt(1 + 4q) = q/sqrt(q + 1/4). All three agree at 30 digits.
    with mp.workdps(30):
        for q in (mp.mpf("0.1"), mp.mpf(1), mp.mpf("7.5")):
            direct = expect(lambda u: mp.erf(u) ** 2, q)
            assert abs(direct - erf_square(q)) < mp.mpf(10) ** -28
            assert abs(direct - 2 / mp.pi * mp.atan(q / mp.sqrt(q + mp.mpf(1) / 4))) < 1e-28


def test_erf_maps_match_their_closed_forms():
    # V(q) = sw^2 (2/pi) arcsin(2q/(1+2q)) + sb^2; chi(q) = sw^2 (4/pi) / sqrt(1 + 4q);
    # V'(q) = sw^2 (4/pi) / ((1 + 2q) sqrt(1 + 4q)); C'(c) = sw^2 (4/pi) / sqrt((1+2q)^2 -
    # 4 q^2 c^2). The quadrature is good to ~1e-13; 1e-11 leaves room.
    p = propagation(ERF, 1.7, 0.4)
    qs = np.array([1e-6, 0.02, 0.7, 3.0, 250.0])
    with mp.workdps(DPS):
        expected = [float(1.7**2 * erf_square(mp.mpf(q)) + mp.mpf(0.4) ** 2) for q in qs]
    assert p.variance_map(qs) == rel(expected, 1e-11)
    assert p.chi_map(qs) == rel(1.7**2 * 4 / np.pi / np.sqrt(1 + 4 * qs), 1e-11)
    for q in qs[1:]:
        exact = 1.7**2 * 4 / np.pi / ((1 + 2 * q) * math.sqrt(1 + 4 * q))
        assert p.variance_slope(q) == rel(exact, 1e-10)
    q = p.q_star
    cs = np.array([-0.9, 0.0, 0.5, 0.999])
    exact_map = (1.7**2 * 2 / np.pi * np.arcsin(2 * q * cs / (1 + 2 * q)) + 0.16) / q
    assert p.correlation_map(cs) == rel(exact_map, 1e-11)
    exact_slope = 1.7**2 * 4 / np.pi / np.sqrt((1 + 2 * q) ** 2 - 4 * q * q * cs**2)
    assert p.correlation_slope(cs) == rel(exact_slope, 1e-11)


@pytest.mark.parametrize(("sigma_w", "sigma_b", "phase"),
                         [(0.8, 0.2, "ordered"), (2.5, 0.3, "chaotic"), (2.0, 1.0, "chaotic")])
def test_erf_fixed_points_match_the_closed_forms(sigma_w, sigma_b, phase):
    # q* and c* by mpmath findroot on the closed-form maps; chi_1, chi_c, V'(q*) from them.
    with mp.workdps(DPS):
        sw2, sb2 = mp.mpf(sigma_w) ** 2, mp.mpf(sigma_b) ** 2
        q = mp.findroot(lambda t: sw2 * erf_square(t) + sb2 - t, (sb2, sw2 + sb2),
                        solver="anderson")
        chi_1 = sw2 * 4 / mp.pi / mp.sqrt(1 + 4 * q)
        slope = sw2 * 4 / mp.pi / ((1 + 2 * q) * mp.sqrt(1 + 4 * q))

        def cmap(c):
            return (sw2 * 2 / mp.pi * mp.asin(2 * q * c / (1 + 2 * q)) + sb2) / q

        c_star = mp.mpf(1) if phase == "ordered" else mp.findroot(
            lambda c: cmap(c) - c, (0, 1 - mp.mpf(10) ** -6), solver="anderson")
        chi_c = sw2 * 4 / mp.pi / mp.sqrt((1 + 2 * q) ** 2 - 4 * q * q * c_star**2)
    p = propagation(ERF, sigma_w, sigma_b)
    assert p.phase == phase
    assert p.q_star == rel(float(q), 1e-11)
    assert p.chi_1 == rel(float(chi_1), 1e-11)
    assert p.v_slope == rel(float(slope), 1e-10)
    assert p.c_star == pytest.approx(float(c_star), abs=1e-11)
    assert p.chi_c == rel(float(chi_c), 1e-10)
    assert p.xi_q == rel(-1 / math.log(float(slope)), 1e-9)
    assert p.xi_c == rel(-1 / math.log(float(chi_c)), 1e-9)


# --- ReLU and its family: exact ------------------------------------------------------------------

def arccos_kernel(c):
    """Cho & Saul (2009), degree 1, normalised: 2 E[relu(u1) relu(u2)] / q."""
    return (np.sqrt(1 - c * c) + (np.pi - np.arccos(c)) * c) / np.pi


def test_relu_edge_of_chaos_is_sqrt_2_where_every_q_is_critical():
    # E[relu(u)^2] = q/2 and E[relu'(u)^2] = 1/2 at every q: chi_1 = sigma_w^2 / 2 exactly.
    eoc = edge_of_chaos("relu")
    assert eoc.sigma_w == rel(SQRT2, 1e-13)
    assert eoc.q_star is None and "every q" in eoc.reason
    for q0 in (1e-3, 1.0, 37.0):
        p = propagation("relu", SQRT2, 0.0, q0=q0)
        assert p.q_star == rel(q0, 1e-13)
        assert p.chi_1 == rel(1.0, 1e-13)
        assert p.phase == "critical" and p.c_star == 1.0 and p.xi_c == math.inf
    assert propagation("relu", 1.3, 0.0).chi_1 == rel(1.3**2 / 2, 1e-13)


def test_relu_has_no_edge_of_chaos_with_a_bias():
    eoc = edge_of_chaos("relu", 0.1)
    assert eoc.sigma_w is None and eoc.q_star is None
    assert "no fixed point" in eoc.reason and "homogeneous" in eoc.reason


@pytest.mark.parametrize(("spec", "flavor", "slope"), [
    ("leaky_relu", "torch", 0.01), ("leaky_relu", "keras", 0.2),
    ("leaky_relu:negative_slope=0.5", "torch", 0.5), ("prelu", "torch", 0.25),
])
def test_leaky_relu_edge_of_chaos(spec, flavor, slope):
    # E[phi'^2] = (1 + a^2)/2 at every q, so sigma_w^2 = 2 / (1 + a^2)
    assert edge_of_chaos(spec, flavor=flavor).sigma_w ** 2 == rel(2 / (1 + slope**2), 1e-13)


def test_relu_correlation_map_is_the_arc_cosine_kernel():
    p = propagation("relu", SQRT2, 0.0)
    cs = np.array([-1.0, -0.7, 0.0, 0.3, 0.9, 0.999999, 1.0])
    assert p.correlation_map(cs) == pytest.approx(arccos_kernel(cs), abs=1e-14)
    # slope: E[relu'(u1) relu'(u2)] = (pi - arccos c) / (2 pi)
    assert p.correlation_slope(cs[:-1]) == pytest.approx(1 - np.arccos(cs[:-1]) / np.pi,
                                                         abs=1e-13)
    # near c = 1 the map is computed on 1 - c: relative accuracy where c itself has none
    with mp.workdps(320):  # the map cancels to d - (2 sqrt 2/(3 pi)) d^1.5: 300 digits
        for delta in (1e-6, 1e-12, 1e-200):
            d = mp.mpf(delta)
            theta = 2 * mp.asin(mp.sqrt(d / 2))  # arccos(1 - d), and sqrt(1 - c^2):
            exact = 1 - (mp.sqrt(d * (2 - d)) + (mp.pi - theta) * (1 - d)) / mp.pi
            assert float(p.decorrelation_map(delta)) == rel(float(exact), 1e-12)


def test_relu_with_a_bias():
    # q* = sb^2 / (1 - sw^2/2); C(c) = (sw^2 q* k(c)/2 + sb^2) / q*; ordered, c* = 1
    p = propagation("relu", 1.2, 0.5)
    q = 0.25 / (1 - 0.72)
    assert p.q_star == rel(q, 1e-13)
    assert p.chi_1 == rel(0.72, 1e-13) and p.phase == "ordered"
    assert p.v_slope == rel(0.72, 1e-13) and p.xi_q == rel(-1 / math.log(0.72), 1e-12)
    cs = np.array([-0.5, 0.2, 0.99])
    assert p.correlation_map(cs) == pytest.approx((0.72 * q * arccos_kernel(cs) + 0.25) / q,
                                                  abs=1e-14)
    assert (p.c_star, p.chi_c) == (1.0, p.chi_1)


def test_relu_signal_dying_out():
    # sigma_w < sqrt 2, sigma_b = 0: q^l -> 0; the map tends to the arc-cosine one whatever
    # sigma_w, with slope 1 at c* = 1 (polynomial, not exponential, convergence)
    p = propagation("relu", 1.2, 0.0)
    assert p.q_star == 0.0 and p.chi_1 == rel(0.72, 1e-15) and p.phase == "ordered"
    assert (p.c_star, p.chi_c, p.xi_c) == (1.0, 1.0, math.inf)
    cs = np.array([-0.3, 0.4, 0.95])
    assert p.correlation_map(cs) == pytest.approx(arccos_kernel(cs), abs=1e-14)
    assert p.correlation_slope(cs) == pytest.approx(1 - np.arccos(cs) / np.pi, abs=1e-14)


def test_limit_map_of_a_leaky_relu():
    # leaky_relu (slope a = 0.2) with q* = 0: the map of u+ - a u-, whatever q:
    # C(c) = (2 (1 + a^2) J(c) - 4 a J(-c)) / (1 + a^2), J(c) = E[u1+ u2+]/q = (sqrt(1 - c^2)
    # + (pi - arccos c) c) / (2 pi) (Cho & Saul 2009), and E[u1+ u2-] = q J(-c).
    p = propagation("leaky_relu", 1.0, 0.0, flavor="keras")
    assert p.q_star == 0.0 and p.chi_1 == rel(1.04 / 2, 1e-15)
    cs = np.array([-0.6, 0.1, 0.7, 0.99])

    def j(c):
        return (np.sqrt(1 - c * c) + (np.pi - np.arccos(c)) * c) / (2 * np.pi)
    expected = (2 * 1.04 * j(cs) - 0.8 * j(-cs)) / 1.04
    assert p.correlation_map(cs) == pytest.approx(expected, abs=1e-14)


def test_tanh_signal_dying_out_keeps_correlations():
    # tanh at sigma_w < 1, sigma_b = 0: q* = 0, chi_1 = sigma_w^2 tanh'(0)^2; the limit map is
    # the identity: every c is a fixed point (c_star None), chi_c = 1, xi_c = inf
    p = propagation("tanh", 0.8, 0.0)
    assert p.q_star == 0.0 and p.chi_1 == rel(0.64, 1e-15)
    assert p.v_slope == rel(0.64, 1e-15) and p.xi_q == rel(-1 / math.log(0.64), 1e-14)
    assert p.c_star is None and (p.chi_c, p.xi_c) == (1.0, math.inf)
    assert p.correlation_map([0.3, 0.8]) == pytest.approx([0.3, 0.8], abs=1e-15)


# --- published numbers ---------------------------------------------------------------------------

def check_edge_of_chaos(name, sigma_b, tol):
    """The two equations of the edge of chaos, by mpmath at actviz's (sigma_w, q*): the fixed
    point, sigma_w^2 E[f^2] + sigma_b^2 = q*, and chi_1 = sigma_w^2 E[f'^2] = 1. (Their
    Jacobian is well conditioned at these points: residuals of 1e-11 mean errors of ~1e-11.)"""
    (f, d, _), cuts = MP[name]
    eoc = edge_of_chaos(name, sigma_b)
    with mp.workdps(DPS):
        sw2, q = mp.mpf(eoc.sigma_w) ** 2, mp.mpf(eoc.q_star)
        fixed = sw2 * expect(lambda u: f(u) ** 2, q, cuts) + mp.mpf(sigma_b) ** 2
        chi = sw2 * expect(lambda u: d(u) ** 2, q, cuts)
    assert float(fixed) == rel(eoc.q_star, tol)
    assert float(chi) == rel(1.0, tol)
    return eoc


def test_tanh_critical_point_of_schoenholz():
    # Schoenholz et al. 2017 (fig. 1, sec. 3): sigma_w^2 ~ 1.7604 at sigma_b^2 = 0.05 (three
    # digits are all the figure gives); and the same point to 1e-10 from mpmath.
    eoc = check_edge_of_chaos("tanh", math.sqrt(0.05), 1e-11)
    assert abs(eoc.sigma_w**2 - 1.7604) < 1e-3


def test_critical_means_within_1e_9_of_chi_1_equal_1():
    """The phase is "critical" only within PHASE_TOL = 1e-9 of chi_1 = 1 (the numbers are
    accurate to 1e-12): a sigma_w 1e-6 off tanh's edge of chaos is ordered or chaotic, and
    its correlation depth finite."""
    eoc = edge_of_chaos("tanh", 0.5)
    at = propagation("tanh", eoc.sigma_w, 0.5)
    assert at.phase == "critical" and at.xi_c == math.inf
    above = propagation("tanh", eoc.sigma_w * (1 + 1e-6), 0.5)
    below = propagation("tanh", eoc.sigma_w * (1 - 1e-6), 0.5)
    assert above.chi_1 - 1 > 1e-7 and above.phase == "chaotic"
    assert 1 - below.chi_1 > 1e-7 and below.phase == "ordered"
    # chi_c = chi_1 at c* = 1 in the ordered phase: xi_c = -1/log(chi_1), about 1/(1 - chi_1)
    assert below.xi_c == rel(-1 / math.log(below.chi_1), 1e-9) and below.xi_c < 1e7


@pytest.mark.parametrize(("sigma_b", "sigma_w"),
                         [(0.05, 1.12434), (0.2, 1.30787), (0.5, 1.55254), (1.0, 1.85756)])
def test_tanh_edge_of_chaos_of_hayou(sigma_b, sigma_w):
    # Hayou, Doucet & Rousseau 2019, sec. 3: Monte Carlo estimates, so 0.5 %
    assert edge_of_chaos("tanh", sigma_b).sigma_w == rel(sigma_w, 5e-3)


def test_edge_of_chaos_curve_is_edge_of_chaos_at_each_bias():
    curve = edge_of_chaos_curve("tanh", [0.0, 0.5, 1.0])
    assert [e.sigma_b for e in curve] == [0.0, 0.5, 1.0]
    # tanh at sigma_b = 0: sigma_w = 1/tanh'(0) = 1 with q* = 0 (Hayou et al. 2019)
    assert (curve[0].sigma_w, curve[0].q_star) == (1.0, 0.0)
    for point in curve[1:]:
        p = propagation("tanh", point.sigma_w, point.sigma_b)
        assert p.chi_1 == rel(1.0, 1e-11) and p.phase == "critical"
        assert p.q_star == rel(point.q_star, 1e-10)


@pytest.mark.parametrize(("name", "sigma_b"), [("elu", 0.5), ("selu", 0.3), ("gelu", 0.5),
                                               ("silu", 1.0), ("sigmoid", 0.0)])
def test_edge_of_chaos_against_mpmath(name, sigma_b):
    check_edge_of_chaos(name, sigma_b, 1e-11)


def test_sigmoid_has_an_edge_of_chaos_at_sigma_b_zero_far_out():
    # sigmoid(0) = 1/2, so q* > 0 and the sigmoid's small slope needs sigma_w ~ 10.15
    # (sigma_w^2 ~ 103, q* ~ 45.6) to reach chi_1 = 1: the point exists (mpmath above).
    eoc = edge_of_chaos("sigmoid", 0.0)
    assert eoc.sigma_w == pytest.approx(10.1493, abs=1e-4)
    assert eoc.q_star == pytest.approx(45.624, abs=1e-3)


def test_functions_without_an_edge_of_chaos_say_why():
    step = edge_of_chaos("binary_step")
    assert step.sigma_w is None and "jumps" in step.reason and "inf" in step.reason
    # softplus: E[phi^2]/E[phi'^2] > q - sigma_b^2 at every q: every fixed point is ordered
    soft = edge_of_chaos("softplus", 0.5)
    assert soft.sigma_w is None and "ordered" in soft.reason
    # silu at sigma_b = 0.5: chi_1 = 1 only at an unstable fixed point (V' > 1)
    silu = edge_of_chaos("silu", 0.5)
    assert silu.sigma_w is None and silu.reason.startswith(
        "no stable fixed point has chi_1 = 1: q = 4.42808 (sigma_w = 1.45695) is not reached")


def test_selu_fixed_point_is_one():
    # Klambauer et al. 2017: with sigma_w = 1, sigma_b = 0, (mean 0, variance 1) is a fixed
    # point; the constants carry ~17 digits. c* = 0 because E[selu(z)] = 0 (C(0) = 0), and
    # chi_c = E[selu'(z)]^2 = (scale (1/2 + alpha e^(1/2) Phi(-1)))^2.
    p = propagation("selu", 1.0, 0.0)
    assert p.q_star == rel(1.0, 1e-13)
    assert p.phase == "chaotic" and p.c_star == 0.0
    with mp.workdps(DPS):
        mean_slope = SELU_SCALE * (mp.mpf(1) / 2 + SELU_ALPHA * mp.exp(0.5) * mp.ncdf(-1))
    assert p.chi_c == rel(float(mean_slope**2), 1e-11)


# --- mpmath at several settings ------------------------------------------------------------------

SETTINGS = [
    ("tanh", 0.9, 0.1), ("tanh", 2.0, 0.0), ("tanh", 2.5, 0.3),
    ("selu", 1.0, 0.0), ("selu", 0.9, 0.3), ("selu", 1.2, 0.1),
    ("gelu", 1.0, 0.1), ("gelu", 1.41, 0.5),
    ("elu", 1.3, 0.0), ("elu", 1.0, 0.5),
    ("silu", 1.2, 0.3), ("silu", 1.41, 1.0),
]


@pytest.mark.parametrize(("name", "sigma_w", "sigma_b"), SETTINGS)
def test_fixed_point_and_slopes_against_mpmath(name, sigma_w, sigma_b):
    # q* by its residual in mpmath: an error e in q* leaves V(q*) - q* = (V'(q*) - 1) e, so
    # |residual| / |1 - V'| bounds the relative error. 1e-10 relative: the adaptive quadrature
    # reaches ~1e-13, the target is 1e-8.
    p = propagation(name, sigma_w, sigma_b)
    residual, chi, slope = reference(name, sigma_w, sigma_b, p.q_star)
    assert abs(float(residual)) / abs(1 - float(slope)) <= 1e-10 * p.q_star
    assert p.chi_1 == rel(float(chi), 1e-10)
    assert p.v_slope == rel(float(slope), 1e-10)
    assert p.phase == ("chaotic" if chi > 1 else "ordered")
    if p.phase == "ordered":
        assert (p.c_star, p.chi_c) == (1.0, p.chi_1)


@pytest.mark.parametrize(("name", "sigma_w", "sigma_b", "terms"), [
    ("tanh", 2.5, 0.3, 30), ("selu", 1.2, 0.1, 60), ("elu", 1.3, 0.0, 110),
])
def test_chaotic_correlation_fixed_point_against_mehler(name, sigma_w, sigma_b, terms):
    # C(c) = (sw^2 sum_n a_n^2 c^n + sb^2) / q* and C'(c) = sw^2 sum_n n a_n^2 c^(n-1) / q*,
    # an expansion that has nothing in common with actviz's two-dimensional quadrature. The
    # terms kept make the tail below 1e-14 at these c* (0.12, 0.39, 0.68): checked by hand
    # against 40 more terms.
    (f, _, _), cuts = MP[name]
    p = propagation(name, sigma_w, sigma_b)
    q = mp.mpf(p.q_star)  # checked against mpmath above
    with mp.workdps(20):
        a2 = mehler(f, q, terms, cuts)
        sw2, sb2 = mp.mpf(sigma_w) ** 2, mp.mpf(sigma_b) ** 2
        c_star = mp.findroot(lambda c: (sw2 * mp.fsum(a * c**n for n, a in enumerate(a2))
                                        + sb2) / q - c, mp.mpf(p.c_star))
        chi_c = sw2 * mp.fsum(n * a * c_star ** (n - 1) for n, a in enumerate(a2) if n) / q
    assert p.c_star == pytest.approx(float(c_star), abs=1e-10)
    assert p.chi_c == rel(float(chi_c), 1e-10)
    assert p.xi_c == rel(-1 / math.log(float(chi_c)), 1e-8)


def test_odd_functions_without_bias_decorrelate_completely():
    # tanh, sigma_b = 0, chaotic: C(0) = sw^2 E[tanh]^2 / q* = 0, so c* = 0 exactly and
    # chi_c = sw^2 E[tanh'(u)]^2 (the c = 0 term of E[phi'(u1) phi'(u2)]).
    p = propagation("tanh", 2.0, 0.0)
    q = mp.mpf(p.q_star)  # checked against mpmath above
    with mp.workdps(DPS):
        mean_slope = expect(lambda u: 1 - mp.tanh(u) ** 2, q)
    assert p.c_star == 0.0
    assert p.chi_c == rel(float(4 * mean_slope**2), 1e-10)


# --- kinks and jumps -----------------------------------------------------------------------------

def test_variance_slope_at_corners_where_phi_is_not_zero():
    # hardtanh: corners at +-1 where phi = +-1, relu6: at 6 where phi = 6, threshold: a jump
    # at 1 from 0 to 1. V(q) in closed form with t = k/sqrt(q), Q(t) = 1 - Phi(t):
    #   hardtanh: q (1 - 2Q(t) - 2 t phi(t)) + 2 Q(t)
    #   relu6:    q (1/2 - Q(t) - t phi(t)) + 36 Q(t)
    #   threshold: q (Q(t) + t phi(t))
    # and V' by mpmath's differentiation: the corner and jump terms of the module are needed.
    def hardtanh(q):
        t = 1 / mp.sqrt(q)
        return q * (1 - 2 * mp.ncdf(-t) - 2 * t * mp.npdf(t)) + 2 * mp.ncdf(-t)

    def relu6(q):
        t = 6 / mp.sqrt(q)
        return q * (mp.mpf(1) / 2 - mp.ncdf(-t) - t * mp.npdf(t)) + 36 * mp.ncdf(-t)

    def threshold(q):
        t = 1 / mp.sqrt(q)
        return q * (mp.ncdf(-t) + t * mp.npdf(t))

    for name, square in (("hardtanh", hardtanh), ("relu6", relu6), ("threshold", threshold)):
        p = propagation(name, 0.5, 0.1)
        for q in (0.3, 2.0, 30.0):
            with mp.workdps(DPS):
                value = 0.25 * square(mp.mpf(q)) + mp.mpf(0.1) ** 2
                slope = 0.25 * mp.diff(square, mp.mpf(q))
            assert float(p.variance_map(q)) == rel(float(value), 1e-12)
            assert p.variance_slope(q) == rel(float(slope), 1e-10)


def test_a_jump_makes_chi_1_infinite_but_chi_c_finite():
    # binary_step: E[f(u1) f(u2)] = 1/4 + arcsin(c)/(2 pi) (the orthant probability), V is
    # constant, q* = sw^2/2 + sb^2, and C'(c) = sw^2 / (2 pi q* sqrt(1 - c^2)), infinite at
    # c = 1: chi_1 = inf, chaotic, with a finite chi_c at c* < 1 (Dirac terms of phi').
    sw, sb = 1.0, 0.5
    p = propagation("binary_step", sw, sb)
    q = sw**2 / 2 + sb**2
    with mp.workdps(DPS):
        c_star = mp.findroot(lambda c: (sw**2 * (0.25 + mp.asin(c) / (2 * mp.pi)) + sb**2) / q
                             - c, (0.5, 0.99), solver="anderson")
        chi_c = sw**2 / (2 * mp.pi * q * mp.sqrt(1 - c_star**2))
    assert p.q_star == rel(q, 1e-14) and p.v_slope == 0.0 and p.xi_q == 0.0
    assert p.chi_1 == math.inf and p.phase == "chaotic"
    assert p.c_star == pytest.approx(float(c_star), abs=1e-11)
    assert p.chi_c == rel(float(chi_c), 1e-10)
    assert any("jumps at x = 0" in note for note in p.notes)
    # sign: E[sign(u1) sign(u2)] = (2/pi) arcsin(c)
    s = propagation("sign", 1.0, 0.5)
    cs = np.array([-0.5, 0.3, 0.9])
    assert s.correlation_map(cs) == pytest.approx((2 / np.pi * np.arcsin(cs) + 0.25) / 1.25,
                                                  abs=1e-13)
    # backpropagation through autograd's derivative (0 almost everywhere) sees nothing
    assert p.chi_map([0.5, 2.0]) == pytest.approx([0.0, 0.0], abs=0)
    # the backward gain keeps the gradient that backpropagation carries (autograd's phi'):
    # none gets through binary_step, and hardshrink's is that of E[f'^2] without the deltas
    assert gains("binary_step").backward == math.inf
    hard = properties("hardshrink")
    outside = float(mp.erfc(mp.mpf(0.5) / mp.sqrt(2)))  # P(|z| > lambd): f' = 1 there
    assert hard.gaussian is not None and hard.gaussian.grad_sq == rel(outside, 1e-9)
    assert gains("hardshrink").backward == rel(1 / math.sqrt(hard.gaussian.grad_sq), 1e-12)


def _kinked_kernel(x, order):
    """f = x for x < 0.7, 0.7 + 3 (x - 0.7) beyond: a corner at 0.7 where f = 0.7."""
    f = np.where(x < 0.7, x, 0.7 + 3.0 * (x - 0.7))
    if order == 0:
        return (f,)
    d = np.where(x < 0.7, 1.0, 3.0)
    return (f, d) if order == 1 else (f, d, np.zeros_like(x))


KINKED = Activation(Definition(
    name="kinked", kernel=_kinked_kernel, title="a corner at 0.7", family=Family.OTHER,
    symbol="k", latex="", latex_d="", text="", text_d="",
    limits=lambda p: ((-math.inf, math.inf), (1.0, 3.0), (0.0, 0.0)),
    kinks=lambda p: (Kink(0.7, 1),)), {})


def test_a_function_outside_the_catalog_with_a_corner():
    # f = u + 2 (u - k)^+ with k = 0.7, so E[f^2] = q + 8 E[((u - k)^+)^2] + 4 k E[(u - k)^+],
    # with E[(u - k)^+] = s phi(t) - k Q(t), E[((u - k)^+)^2] = (q + k^2) Q(t) - k s phi(t),
    # s = sqrt(q), t = k/s, Q = 1 - Phi (truncated normal moments); V' by mpmath's diff.
    def square(q):
        s, k = mp.sqrt(q), mp.mpf("0.7")
        t = k / s
        tail1 = s * mp.npdf(t) - k * mp.ncdf(-t)
        tail2 = (q + k * k) * mp.ncdf(-t) - k * s * mp.npdf(t)
        return q + 8 * tail2 + 4 * k * tail1

    p = propagation(KINKED, 0.4, 0.2)
    for q in (0.2, 1.0, 9.0):
        with mp.workdps(DPS):
            value = 0.16 * square(mp.mpf(q)) + mp.mpf(0.2) ** 2
            slope = 0.16 * mp.diff(square, mp.mpf(q))
        assert float(p.variance_map(q)) == rel(float(value), 1e-12)
        assert p.variance_slope(q) == rel(float(slope), 1e-10)


# --- theory across layers ------------------------------------------------------------------------

def test_sequences_of_relu_in_closed_form():
    # q^l = (sw^2/2) q^(l-1) + sb^2 and chi = sw^2/2 at every layer (exact for ReLU)
    p = propagation("relu", 1.3, 0.4)
    q = [2.5]
    for _ in range(6):
        q.append(1.3**2 / 2 * q[-1] + 0.16)
    assert p.q_sequence(2.5, 6) == rel(q, 1e-13)
    assert p.gradient_sequence(2.5, 6) == rel((1.3**2 / 2) ** np.arange(6, -1, -1), 1e-13)
    # the correlation at sigma_w^2 = 2, sigma_b = 0: the arc-cosine kernel iterated
    critical = propagation("relu", SQRT2, 0.0)
    c = [0.2]
    for _ in range(8):
        c.append(arccos_kernel(c[-1]))
    assert critical.c_sequence(0.2, 8) == pytest.approx(c, abs=1e-14)
    assert critical.c_sequence(0.2, 8, q0=5.0) == pytest.approx(c, abs=1e-14)


def test_sequences_of_erf_in_closed_form():
    # from q0 far from q*: q_ab^l = sw^2 (2/pi) arcsin(2 q c / (1 + 2q)) + sb^2 at q = q^(l-1),
    # c^l = q_ab^l / q^l; chi at each layer: sw^2 (4/pi) / sqrt(1 + 4 q^l)
    sw2, sb2 = 2.0**2, 0.3**2
    p = propagation(ERF, 2.0, 0.3)
    q, c = [25.0], [0.9]
    for _ in range(5):
        q_ab = sw2 * 2 / np.pi * np.arcsin(2 * q[-1] * c[-1] / (1 + 2 * q[-1])) + sb2
        q.append(sw2 * 2 / np.pi * np.arcsin(2 * q[-1] / (1 + 2 * q[-1])) + sb2)
        c.append(q_ab / q[-1])
    assert p.q_sequence(25.0, 5) == rel(q, 1e-12)
    assert p.c_sequence(0.9, 5, q0=25.0) == pytest.approx(c, abs=1e-12)
    chi = sw2 * 4 / np.pi / np.sqrt(1 + 4 * np.array(q[:-1]))
    expected = np.append(np.cumprod(chi[::-1])[::-1], 1.0)
    assert p.gradient_sequence(25.0, 5) == rel(expected, 1e-11)


# --- the phase diagram ---------------------------------------------------------------------------

def test_phase_diagram_of_relu_in_closed_form():
    # chi_1 = sw^2/2 wherever a fixed point exists: sw^2 < 2 (q* = sb^2/(1 - sw^2/2), or 0
    # without bias), sw^2 = 2 with sb = 0 (q* = q0); NaN where q^l grows without bound
    bs, ws = np.array([0.0, 0.3, 1.0]), np.array([0.5, 1.2, SQRT2, 1.5, 3.0])
    chi = phase_diagram("relu", bs, ws)
    expected = np.where(ws < SQRT2, ws**2 / 2, np.nan)[None, :].repeat(3, axis=0)
    expected[0, 2] = 1.0
    assert chi == pytest.approx(expected, rel=1e-13, nan_ok=True)


def test_phase_diagram_of_erf_against_the_closed_form():
    bs, ws = np.array([0.1, 0.6]), np.array([0.7, 1.4, 2.8])
    chi = phase_diagram(ERF, bs, ws)
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            with mp.workdps(DPS):
                q = mp.findroot(lambda t, w=w, b=b: w**2 * erf_square(t) + b**2 - t,
                                (b**2, w**2 + b**2), solver="anderson")
                exact = w**2 * 4 / mp.pi / mp.sqrt(1 + 4 * q)
            assert chi[i, j] == rel(float(exact), 1e-11)


def test_phase_diagram_where_phi_jumps():
    chi = phase_diagram("sign", [0.0, 0.5], [0.0, 1.0])
    # sigma_w = sigma_b = 0 leaves q* = 0, where the jump has no weight: chi_1 = 0; and
    # sigma_w = 0 carries no gradient at all, whatever the delta: chi_1 = 0 * inf = 0
    assert chi.tolist() == [[0.0, math.inf], [0.0, math.inf]]
    assert propagation("sign", 0.0, 0.5).chi_1 == 0.0


# --- gains ---------------------------------------------------------------------------------------

def test_gains_of_relu_agree_everywhere():
    g = gains("relu")
    assert (g.forward, g.backward, g.edge_of_chaos) == (rel(SQRT2, 1e-13),) * 3
    assert g.torch == SQRT2


@pytest.mark.parametrize(("spec", "flavor", "torch"), [
    ("identity", "torch", 1.0), ("sigmoid", "torch", 1.0), ("tanh", "torch", 5 / 3),
    ("relu", "torch", math.sqrt(2)), ("selu", "torch", 0.75),
    ("leaky_relu", "torch", math.sqrt(2 / (1 + 0.01**2))),
    ("leaky_relu", "keras", math.sqrt(2 / (1 + 0.2**2))),
    ("leaky_relu:negative_slope=0.3", "torch", math.sqrt(2 / (1 + 0.3**2))),
    ("gelu", "torch", None), ("elu", "torch", None), ("prelu", "torch", None),
])
def test_torch_calculate_gain_values(spec, flavor, torch):
    # torch.nn.init.calculate_gain (PyTorch 2.x docs): linear/identity 1, sigmoid 1, tanh 5/3,
    # relu sqrt 2, leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4; nothing for the others
    assert gains(spec, flavor=flavor).torch == (None if torch is None else rel(torch, 1e-15))


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "selu", "gelu", "silu"])
def test_forward_and_backward_gains_against_mpmath(name):
    (f, d, _), cuts = MP[name]
    g = gains(name)
    with mp.workdps(DPS):
        forward = 1 / mp.sqrt(expect(lambda u: f(u) ** 2, 1, cuts))
        backward = 1 / mp.sqrt(expect(lambda u: d(u) ** 2, 1, cuts))
    assert g.forward == rel(float(forward), 1e-12)
    assert g.backward == rel(float(backward), 1e-12)


def test_gains_at_the_edge_of_chaos_or_why_not():
    assert gains("tanh").edge_of_chaos == 1.0  # 1/tanh'(0), with q* = 0
    assert gains("selu").edge_of_chaos == rel(math.sqrt(2 / (SELU_SCALE**2 * (
        1 + SELU_ALPHA**2))), 1e-14)  # 1/sqrt of the mean of the one-sided slopes squared
    silu = gains("silu")
    assert silu.edge_of_chaos is None and silu.edge_of_chaos_reason
    assert gains("selu").forward == rel(1.0, 1e-13)


# --- the simulated network -----------------------------------------------------------------------

def test_simulation_is_deterministic_and_starts_where_asked():
    a = simulate("tanh", 1.5, 0.2, 6, width=64, seed=3, q0=2.0, c0=0.3)
    b = simulate("tanh", 1.5, 0.2, 6, width=64, seed=3, q0=2.0, c0=0.3)
    other = simulate("tanh", 1.5, 0.2, 6, width=64, seed=4, q0=2.0, c0=0.3)
    for key in ("q", "c", "grad_sq"):
        assert np.array_equal(getattr(a, key), getattr(b, key))
        assert getattr(a, key).shape == (7,)
        assert not np.array_equal(getattr(a, key)[1:], getattr(other, key)[1:])
    assert a.q[0] == rel(2.0, 1e-14) and a.c[0] == pytest.approx(0.3, abs=1e-14)
    assert a.grad_sq[-1] == rel(1.0, 1e-14)


def _dense_network(act, sigma_w, sigma_b, layers, width, rng):
    """The network as it is defined, its weight matrices drawn in full: (q, grad_sq) per
    layer, from two inputs of mean square 1 and correlation 0.5 and a random output gradient
    of mean square 1 (the reference of the test below, independent of actviz's way)."""
    raw = rng.standard_normal((width, 2))
    e1 = raw[:, 0] / np.linalg.norm(raw[:, 0])
    e2 = raw[:, 1] - (raw[:, 1] @ e1) * e1
    e2 /= np.linalg.norm(e2)
    h = np.stack([e1, 0.5 * e1 + math.sqrt(0.75) * e2], axis=1) * math.sqrt(width)
    g = rng.standard_normal((width, 2))
    g /= np.sqrt(np.mean(g * g, axis=0))
    weights, slopes, q = [], [], [np.mean(h * h)]
    for _ in range(layers):
        f, d = act.evaluate(h, 1)
        w = rng.standard_normal((width, width)) * sigma_w / math.sqrt(width)
        h = w @ f + sigma_b * rng.standard_normal(width)[:, None]
        weights.append(w)
        slopes.append(d)
        q.append(np.mean(h * h))
    grads = [np.mean(g * g)]
    for w, d in zip(reversed(weights), reversed(slopes), strict=True):
        g = d * (w.T @ g)
        grads.append(np.mean(g * g))
    return np.array(q), np.array(grads[::-1])


@pytest.mark.parametrize(("name", "sigma_w", "sigma_b"), [
    ("tanh", 1.5, 0.3), ("relu", SQRT2, 0.1), ("sigmoid", 4.0, 0.2), ("hardtanh", 1.2, 0.5),
])
def test_the_simulation_is_a_dense_network_in_distribution(name, sigma_w, sigma_b):
    """actviz draws no weight matrix (see simulate: Gaussian conditioning); over 250 seeds
    the log of q and of the mean squared gradient at every layer have the mean and the
    spread of 250 dense networks of width 120 drawn in full (means within 4.5 standard
    errors, spreads within a factor 1.35: 250 samples)."""
    act = actviz.get(name)
    runs = 250
    rng = np.random.default_rng(11)
    dense = [_dense_network(act, sigma_w, sigma_b, 8, 120, rng) for _ in range(runs)]
    ours = [simulate(name, sigma_w, sigma_b, 8, width=120, seed=seed) for seed in range(runs)]
    for k, key in enumerate(("q", "grad_sq")):
        a = np.log(np.array([run[k] for run in dense]))
        b = np.log(np.array([getattr(run, key) for run in ours]))
        layers = slice(1, None) if key == "q" else slice(0, -1)  # (the ends are fixed)
        a, b = a[:, layers], b[:, layers]
        z = (a.mean(axis=0) - b.mean(axis=0)) / np.sqrt(a.var(axis=0) / runs
                                                        + b.var(axis=0) / runs)
        assert np.abs(z).max() < 4.5, (key, z)
        ratio = a.std(axis=0) / b.std(axis=0)
        assert ((ratio > 1 / 1.35) & (ratio < 1.35)).all(), (key, ratio)


WIDTH, LAYERS = 1000, 40


@pytest.mark.parametrize(("name", "sigma_w", "sigma_b"), [
    ("tanh", 0.8, 0.1), ("tanh", 2.5, 0.3), ("relu", SQRT2, 0.0), ("selu", 1.0, 0.0),
])
def test_simulated_network_agrees_with_the_theory(name, sigma_w, sigma_b):
    r"""Per layer, backpropagation multiplies the squared gradient norm by
    r_l = sw^2 (1/N) sum_i phi'(h_i)^2 zeta_i^2 (zeta = W^T g / |g| sw/sqrt(N) ~ N(0, 1)),
    whose mean is chi(q^(l-1)) and whose relative variance is v = (3 E[phi'^4] / E[phi'^2]^2
    - 1) / N: 2.0/N (ordered tanh), 7.3/N (chaotic tanh), 5/N (relu), 2.95/N (selu). The mean
    of log r_l over L layers then has a standard error sqrt(v / L); the bound is 5 of them
    (a little more than 4 because q^l itself fluctuates by sqrt(2/N) and moves chi(q^l)):
    0.036, 0.067, 0.056, 0.043, i.e. 7 % and 14 % of |log chi| = 0.53 and 0.48 for tanh, and
    absolute for relu and selu (log chi = 0 and 0.07). Over six seeds the deviations were
    0.004, 0.019, 0.004, 0.007 (one standard deviation). The one-step variance map
    q^l = V(q^(l-1)) is checked the same way on the measured q: relative spread per layer
    sqrt(2/N) (1 + Var phi^2 / E[phi^2]^2)^(1/2) < 2.5 sqrt(2/N), 4 standard errors."""
    sim = simulate(name, sigma_w, sigma_b, LAYERS, width=WIDTH, seed=2024)
    p = propagation(name, sigma_w, sigma_b)
    theory = p.gradient_sequence(1.0, LAYERS)
    measured = np.log(sim.grad_sq[:-1] / sim.grad_sq[1:]).mean()
    predicted = np.log(theory[:-1] / theory[1:]).mean()
    q = float(p.q_star)
    if name == "relu":
        spread = 5.0  # phi' in {0, 1}: E[phi'^4] = E[phi'^2] = 1/2
    else:
        (_, d, _), cuts = MP[name]
        with mp.workdps(15):
            m2 = expect(lambda u: d(u) ** 2, q, cuts)
            m4 = expect(lambda u: d(u) ** 4, q, cuts)
        spread = float(3 * m4 / m2**2 - 1)
    assert abs(measured - predicted) <= 5 * math.sqrt(spread / WIDTH / LAYERS)
    one_step = np.log(sim.q[1:] / p.variance_map(sim.q[:-1]))
    assert abs(one_step.mean()) <= 4 * 2.5 * math.sqrt(2 / WIDTH / LAYERS)


def test_simulated_correlations_follow_the_map():
    # one step at a time on the measured (q, c): c^l against C at q^(l-1) from c^(l-1); the
    # per-layer spread of a sample correlation of N pairs is about (1 - c^2)/sqrt(N) < 0.032,
    # so the mean of 20 layers is within 4 * 0.032 / sqrt(20) = 0.029
    sim = simulate("tanh", 2.5, 0.3, 20, width=WIDTH, seed=11, c0=0.9)
    p = propagation("tanh", 2.5, 0.3)
    predicted = [p.c_sequence(c, 1, q0=q)[1] for q, c in zip(sim.q[:-1], sim.c[:-1], strict=True)]
    assert abs(np.mean(sim.c[1:] - predicted)) <= 0.029
    # (the run itself wanders around c*: the per-layer noise is carried on with a factor
    # chi_c = 0.82 per layer, a standard deviation of 0.032 / sqrt(1 - 0.82^2) = 0.056)


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [-0.1, math.nan, math.inf, -math.inf, "1", True, None])
def test_sigma_must_be_a_finite_standard_deviation(value):
    for call in (lambda: propagation("tanh", value, 0.1), lambda: propagation("tanh", 1.0, value),
                 lambda: edge_of_chaos("tanh", value),
                 lambda: simulate("tanh", value, 0.1, 3, width=8)):
        with pytest.raises(ParameterError, match=r"sigma_(w|b) must be"):
            call()


@pytest.mark.parametrize(("spec", "sigma_w", "sigma_b"), [
    ("relu", 1.5, 0.0), ("identity", 1.1, 0.1), ("identity", 1.0, 0.1), ("exponential", 1.0, 0.0),
    ("relu_squared", 1.0, 0.5), ("gelu", 2.0, 0.2),
])
def test_no_fixed_point_is_refused_with_the_reason(spec, sigma_w, sigma_b):
    with pytest.raises(PropagationError, match=r"no fixed point.*grows without bound"):
        propagation(spec, sigma_w, sigma_b)


def test_exponential_has_a_fixed_point_when_sigma_w_is_small():
    # V(q) = sw^2 e^(2q) + sb^2 (E[e^(2 sqrt(q) z)] = e^(2q)); chi_1 = V'(q*) = sw^2 e^(2q*)
    p = propagation("exponential", 0.3, 0.0)
    with mp.workdps(DPS):
        q = mp.findroot(lambda t: mp.mpf(0.09) * mp.exp(2 * t) - t, (0, 0.5), solver="anderson")
    assert p.q_star == rel(float(q), 1e-12)
    assert p.chi_1 == rel(float(0.09 * mp.exp(2 * q)), 1e-12)
    assert p.v_slope == rel(float(2 * 0.09 * mp.exp(2 * q)), 1e-11)


@pytest.mark.parametrize("spec", ["softmax", "softmin", "log_softmax"])
def test_vector_functions_are_refused(spec):
    for call in (lambda: propagation(spec, 1.0, 0.0), lambda: edge_of_chaos(spec),
                 lambda: gains(spec), lambda: simulate(spec, 1.0, 0.0, 2, width=8)):
        with pytest.raises(PropagationError, match=r"vector function.*whole layer"):
            call()


def test_two_output_functions_are_refused():
    with pytest.raises(PropagationError, match="crelu has 2 outputs"):
        propagation("crelu", 1.0, 0.0)


def test_other_bad_arguments():
    with pytest.raises(ParameterError, match="layers must be a whole number >= 1, got 0"):
        simulate("tanh", 1.0, 0.0, 0)
    with pytest.raises(ParameterError, match="width must be a whole number >= 2, got 1"):
        simulate("tanh", 1.0, 0.0, 3, width=1)
    with pytest.raises(ParameterError, match="q0 must be a finite variance"):
        propagation("tanh", 1.0, 0.0, q0=-1.0)
    p = propagation("tanh", 1.5, 0.1)
    with pytest.raises(ParameterError, match="correlation c must lie in"):
        p.correlation_map(1.5)
    with pytest.raises(ParameterError, match="layers must be a whole number >= 0, got -1"):
        p.q_sequence(1.0, -1)
    with pytest.raises(actviz.UnknownActivationError):
        propagation("nosuch", 1.0, 0.0)
    with pytest.raises(ParameterError, match=r"^simulating 1 network of 1e30 layers x 1000 units"):
        simulate("tanh", 1.0, 0.0, 10**30)


@pytest.mark.parametrize("value", [-1, float("nan"), 1e9, "x", True])
def test_a_bad_sigma_gets_one_message_from_the_api_and_the_command_line(value):
    """propagation("tanh", -1, 0) and depth --sigma-w -1 said it in two ways: one check
    (actviz.checks.check_sigma) serves the API, the command line and batch configs."""
    from actviz.checks import check_sigma

    def message(call) -> str:
        with pytest.raises(ParameterError) as caught:
            call()
        return str(caught.value)

    expected = message(lambda: check_sigma(value, "sigma_w"))
    assert expected.startswith("sigma_w must be a")
    assert message(lambda: propagation("tanh", value, 0.0)) == expected
    assert message(lambda: simulate("tanh", value, 0.0, 3, width=8)) == expected
    assert message(lambda: actviz.edge_of_chaos("tanh", sigma_b=value)) == message(
        lambda: check_sigma(value, "sigma_b"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # click reads text
        result = invoke("depth", "tanh", "--sigma-w", str(value), "--no-simulate")
        assert (result.exit_code, result.output) == (2, f"Error: {expected}\n")


def test_public_names_and_light_import():
    import subprocess
    import sys

    code = ("import sys, actviz, actviz.meanfield; "
            "print(callable(actviz.propagation), 'scipy' in sys.modules, "
            "'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "False", "False"]
    assert actviz.edge_of_chaos is edge_of_chaos and actviz.simulate is simulate


@pytest.mark.parametrize("sigma_b", [0.0, 0.3, 1.0])
def test_every_function_has_an_edge_of_chaos_or_a_reason(sigma_b):
    """A reason that ends in the middle (relu_squared once said 'the fixed points with chi_1
    = 1 are not stable: ' and nothing more, for a candidate where E[phi'^2] = 0) is a bug."""
    import actviz

    for name in actviz.names():
        d = actviz.get(name).definition
        if d.vector or d.outputs > 1 or actviz.get(name).poles:  # refused: see below
            continue
        eoc = edge_of_chaos(name, sigma_b)
        if eoc.sigma_w is None:
            assert eoc.reason and not eoc.reason.rstrip().endswith(":"), (name, eoc.reason)
    with pytest.raises(PropagationError, match="log1mexp has a pole at x = 0"):
        edge_of_chaos("log1mexp", sigma_b)
    square = edge_of_chaos("relu_squared")
    assert square.reason == ("no stable fixed point has chi_1 = 1: at q = 0, E[phi'^2] = 0, so "
                             "chi_1 = 0 whatever sigma_w")


@pytest.mark.parametrize("name", ["silu", "gelu", "mish"])
def test_an_unstable_fixed_point_at_q0_is_refused(name):
    """At the forward gain, V(1) = 1 by construction, but for the smooth ReLUs V'(1) > 1 (here
    from mpmath: V'(q) = sigma_w^2 E[phi'^2 + phi phi''] at q = 1): q^l stays at 1 only if
    it starts exactly there, and a real network leaves it (issue found by a review: the table
    said 'chaotic, q* = 1' while the simulated network's q fell to 1e-3)."""
    f = {"silu": lambda u: u / (1 + mp.exp(-u)), "gelu": lambda u: u * mp.ncdf(u),
         "mish": lambda u: u * mp.tanh(mp.log1p(mp.exp(u)))}[name]
    with mp.workdps(30):
        square = mp.quad(lambda z: f(z) ** 2 * mp.npdf(z), [-mp.inf, 0, mp.inf])
        sw2 = 1 / square  # the forward gain, squared: V(1) = 1
        slope = sw2 * mp.quad(lambda z: (mp.diff(f, z) ** 2 + f(z) * mp.diff(f, z, 2))
                              * mp.npdf(z), [-mp.inf, 0, mp.inf])
    assert slope > 1
    with pytest.raises(PropagationError, match=r"q0 = 1 is an unstable fixed point: V'\(q0\) "
                       + f"= {float(slope):.6g} > 1"):
        propagation(name, float(mp.sqrt(sw2)), 0.0)


def test_sequences_where_q_has_no_fixed_point():
    """relu at sigma_w = sqrt 2 with a bias: V(q) = q + sigma_b^2, so q^l = 1 + l sigma_b^2
    exactly, and chi = 1 at every q: the gradient keeps its size."""
    with pytest.raises(PropagationError, match="no fixed point"):
        propagation("relu", SQRT2, 0.2)
    q, grad = sequences("relu", SQRT2, 0.2, 30)
    assert q == pytest.approx(1 + 0.04 * np.arange(31), rel=1e-12)
    assert grad == pytest.approx(np.ones(31), rel=1e-12)
    # and where a fixed point exists, the same numbers as the propagation's sequences
    p = propagation("tanh", 1.5, 0.3)
    q, grad = sequences("tanh", 1.5, 0.3, 12, q0=2.0)
    assert q.tolist() == p.q_sequence(2.0, 12).tolist()
    assert grad.tolist() == p.gradient_sequence(2.0, 12).tolist()


def test_the_standard_gain_is_pytorchs_else_the_forward_gain():
    for name in actviz.names():
        d = actviz.get(name).definition
        if d.vector or d.outputs > 1 or actviz.get(name).poles:  # refused: see below
            continue
        g = gains(name)
        expected = ("torch", g.torch) if g.torch is not None else ("forward", g.forward)
        which, value = standard_gain(name)
        assert which == expected[0] and value == pytest.approx(expected[1], rel=1e-14), name
