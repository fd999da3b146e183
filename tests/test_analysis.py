"""The analysis against numbers derived independently: roots of the mpmath references'
derivatives (mpmath differentiation and findroot), and the piecewise structure by hand."""

from __future__ import annotations

import math

import mpmath as mp
import pytest

import actviz
from actviz.analysis import analyze
from actviz.errors import ParameterError

from .reference import SCALAR

TOL = 1e-7


def d(name, order=1):
    return lambda x: mp.diff(SCALAR[name], x, order)


def root(fn, guess):
    with mp.workdps(30):
        return float(mp.findroot(fn, guess))


def approx(value):
    return pytest.approx(value, abs=TOL)


def test_sigmoid():
    a = analyze("sigmoid")
    edge = root(lambda x: d("sigmoid")(x) - 0.05, 2.9)
    assert edge == approx(2.887270950)
    assert a.saturation == (approx((-5, -edge)), approx((edge, 5)))
    assert a.max_gradient.value == approx(0.25)
    assert a.max_gradient.x == approx(0.0)
    assert a.max_gradient.interval is None and not a.max_gradient.at_edge
    assert a.dead == () and a.minima == () and a.non_monotonic == ()


def test_tanh_saturation_boundary():
    edge = root(lambda x: d("tanh")(x) - 0.05, 2.2)
    assert edge == approx(2.178272210)
    assert analyze("tanh").saturation == (approx((-5, -edge)), approx((edge, 5)))


def test_gelu():
    a = analyze("gelu")
    peak = root(d("gelu", 2), 1.4)
    assert peak == approx(math.sqrt(2))
    with mp.workdps(30):
        peak_value = float(d("gelu")(mp.mpf(peak)))
    assert peak_value == approx(1.128904145)
    assert a.max_gradient.x == approx(peak)
    assert a.max_gradient.value == approx(peak_value)
    low = root(d("gelu"), -0.75)
    assert low == approx(-0.751791525)
    assert a.minima == (approx((low, float(SCALAR["gelu"](mp.mpf(low))))),)
    assert a.minima[0][1] == approx(-0.169971207)
    edge = root(lambda x: d("gelu")(x) + 0.05, -2.35)
    assert edge == approx(-2.348606332)
    assert a.saturation == (approx((-5, edge)),)
    assert a.non_monotonic == (approx((-5, low)),)


def test_silu():
    a = analyze("silu")
    low = root(d("silu"), -1.28)
    assert a.minima == (approx((low, float(SCALAR["silu"](mp.mpf(low))))),)
    assert a.minima[0] == approx((-1.278464543, -0.278464543))
    peak = root(d("silu", 2), 2.4)
    assert a.max_gradient.x == approx(2.399357281) == peak
    assert a.max_gradient.value == approx(1.099839320)


def test_elu_saturates_below_log_tau():
    a = analyze("elu")
    assert a.saturation == (approx((-5, math.log(0.05))),)
    assert a.max_gradient.interval == (0.0, 5.0)


def test_relu_dead_zone_and_plateau():
    a = analyze("relu")
    assert a.dead == ((-5.0, 0.0),)
    assert a.saturation == ()
    m = a.max_gradient
    assert (m.value, m.x, m.interval, m.at_edge) == (1.0, None, (0.0, 5.0), False)
    assert a.kinks == (0.0,)


def test_leaky_relu_neither_saturates_nor_dies():
    a = analyze("leaky_relu")
    assert a.saturation == () and a.dead == ()


def test_softplus_steepest_at_the_edge():
    m = analyze("softplus").max_gradient
    assert m.at_edge and m.x == 5.0
    assert m.value == approx(1 / (1 + math.exp(-5)))


def test_softshrink_and_hardtanh_dead_zones():
    assert analyze("softshrink").dead == ((-0.5, 0.5),)
    assert analyze("hardtanh").dead == ((-5.0, -1.0), (1.0, 5.0))
    assert analyze("hardtanh").saturation == ()
    assert analyze("softshrink").max_gradient.intervals == ((-5.0, -0.5), (0.5, 5.0))


def test_dead_zones_come_from_the_catalog_not_from_underflow():
    # sigmoid' underflows to exactly 0 below x = -745: still saturation, never "dead".
    a = analyze("sigmoid", range=(-900, -700))
    assert a.dead == ()
    assert a.saturation == ((-900.0, -700.0),)


def test_kinks_and_jumps_in_range():
    a = analyze("hard_swish")
    assert a.kinks == (-3.0, 3.0) and a.jumps == ()
    assert a.dead == ((-5.0, -3.0),)
    assert a.minima == (approx((-1.5, -0.375)),)
    assert a.non_monotonic == ((-3.0, approx(-1.5)),)
    m = a.max_gradient  # the supremum 3/2 is approached from the left of the kink at 3
    assert (m.value, m.x, m.approached) == (1.5, 3.0, True)
    assert analyze("binary_step").jumps == (0.0,)
    assert analyze("relu6", range=(-1, 10)).kinks == (0.0, 6.0)


def test_selu_steepest_at_its_kink():
    m = analyze("selu").max_gradient
    assert m.x == 0.0 and not m.approached  # selu'(0) = scale * alpha is taken at 0
    assert m.value == pytest.approx(1.0507009873554805 * 1.6732632423543772)


def test_threshold_changes_the_boundary():
    loose = analyze("sigmoid", saturation_threshold=0.1).saturation[0][1]
    tight = analyze("sigmoid", saturation_threshold=0.01).saturation[0][1]
    assert tight < loose
    assert analyze("sigmoid", saturation_threshold=0).saturation == ()


def test_crelu_combines_its_outputs():
    a = analyze("crelu")
    assert a.dead == ()  # one of the two outputs always passes a gradient
    assert a.non_monotonic == ((-5.0, 0.0),)  # relu(-x) decreases
    assert analyze("crelu", output=1).dead == ((0.0, 5.0),)


def test_vector_functions_are_read_on_the_sampled_vector():
    a = analyze("softmin")
    assert a.non_monotonic == ((-5.0, 5.0),)
    assert a.saturation == () and a.dead == ()


def test_results_are_plain_data():
    data = analyze("gelu").to_dict()
    assert data["max_gradient"]["x"] == approx(math.sqrt(2))
    assert data["range"] == (-5.0, 5.0)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"range": (5, -5)}, "range MIN must be below MAX, got 5 -5"),
    ({"range": (0, math.inf)}, "range must be finite, got 0 inf"),
    ({"range": (1,)}, "range must be two numbers MIN MAX"),
    ({"saturation_threshold": -1}, "saturation threshold must be a finite number >= 0"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(")):
        analyze("relu", **kwargs)


def test_api_exports_analyze():
    assert actviz.analyze is analyze


@pytest.mark.parametrize(("spec", "bounds", "x", "value"), [
    ("sigmoid", (0.0, 1e-9), 0.0, 0.25),       # f' falls from its maximum at 0
    ("tanh", (0.0, 1e-9), 0.0, 1.0),
    ("tanh", (-1e-6, 1e-6), 0.0, 1.0),         # the peak itself, not a point 1 ulp above
    ("sigmoid", (-1e-9, 0.0), 0.0, 0.25),      # f' rises to 0 at the right end
    ("tanh", (1e-300, 2e-300), 1e-300, 1.0),
    # gelu' = Phi + x phi rises until sqrt(2): the right end, 1/2 + 2 phi(0) x there
    ("gelu", (0.0, 1e-9), 1e-9, 0.5 + 1e-9 * math.sqrt(2 / math.pi)),
])
def test_steepest_point_on_ranges_too_small_for_f_prime_to_change(spec, bounds, x, value):
    """Across such ranges f' is one float (or two, by rounding); where it is largest is
    still known from f'' (sigmoid'' < 0 for x > 0), and a supremum is not exceeded by a
    rounding error (tanh' <= 1)."""
    best = analyze(spec, range=bounds).max_gradient
    assert best.x == x
    assert best.value == pytest.approx(value, rel=1e-15)
    if spec != "gelu":
        assert best.value <= value
