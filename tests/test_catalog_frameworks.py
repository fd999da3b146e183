"""What the frameworks have: every activation name of torch.nn.functional, jax.nn and
keras.activations resolves to the right function, and the functions and parameters added for
them (sparse_sigmoid, sparsemax, sinc's normalized, smish's alpha and beta, Keras's relu
parameters, log1mexp's kernel) against independent references."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import actviz
from actviz import ParameterError
from actviz.catalog import get
from actviz.catalog._core import Activation

from .reference import _sparsemax

# The names, as the frameworks list them (PyTorch 2.13's torch.nn.functional "non-linear
# activation functions", jax.nn 0.10 and keras.activations 3.15), with the catalog function
# each one is. Checked against the frameworks' own values outside the test suite.
TORCH = {
    "threshold": "threshold", "relu": "relu", "hardtanh": "hardtanh",
    "hardswish": "hard_swish", "relu6": "relu6", "elu": "elu", "selu": "selu", "celu": "celu",
    "leaky_relu": "leaky_relu", "prelu": "prelu", "rrelu": "rrelu", "gelu": "gelu",
    "logsigmoid": "log_sigmoid", "hardshrink": "hardshrink", "tanhshrink": "tanhshrink",
    "softsign": "softsign", "softplus": "softplus", "softmin": "softmin", "softmax": "softmax",
    "softshrink": "softshrink", "log_softmax": "log_softmax", "tanh": "tanh",
    "sigmoid": "sigmoid", "hardsigmoid": "hard_sigmoid", "silu": "silu", "mish": "mish",
}
JAX = {
    "celu": "celu", "elu": "elu", "gelu": "gelu", "hard_sigmoid": "hard_sigmoid",
    "hard_silu": "hard_swish", "hard_swish": "hard_swish", "hard_tanh": "hardtanh",
    "identity": "identity", "leaky_relu": "leaky_relu", "log_sigmoid": "log_sigmoid",
    "log_softmax": "log_softmax", "mish": "mish", "relu": "relu", "relu6": "relu6",
    "selu": "selu", "sigmoid": "sigmoid", "silu": "silu", "soft_sign": "softsign",
    "softmax": "softmax", "softplus": "softplus", "sparse_plus": "sparse_plus",
    "sparse_sigmoid": "sparse_sigmoid", "squareplus": "squareplus", "swish": "silu",
    "tanh": "tanh", "log1mexp": "log1mexp",
}
KERAS = {
    "celu": "celu", "elu": "elu", "exponential": "exponential", "gelu": "gelu",
    "hard_shrink": "hardshrink", "hard_sigmoid": "hard_sigmoid", "hard_silu": "hard_swish",
    "hard_swish": "hard_swish", "hard_tanh": "hardtanh", "leaky_relu": "leaky_relu",
    "linear": "identity", "log_sigmoid": "log_sigmoid", "log_softmax": "log_softmax",
    "mish": "mish", "relu": "relu", "relu6": "relu6", "selu": "selu", "sigmoid": "sigmoid",
    "silu": "silu", "soft_shrink": "softshrink", "softmax": "softmax", "softplus": "softplus",
    "softsign": "softsign", "sparse_plus": "sparse_plus", "sparse_sigmoid": "sparse_sigmoid",
    "sparsemax": "sparsemax", "squareplus": "squareplus", "swish": "silu", "tanh": "tanh",
    "tanh_shrink": "tanhshrink", "threshold": "threshold",
}
# What the frameworks list there and actviz does not take, and why.
NOT_TAKEN = {
    "glu": "torch, jax, keras: halves the input along an axis (n inputs, n/2 outputs), not a "
           "function of x alone or of a vector onto itself",
    "gumbel_softmax": "torch: a random sample",
    "logsumexp": "jax: a reduction", "logmeanexp": "jax: a reduction",
    "standardize": "jax: a normalisation", "one_hot": "jax: an encoding",
}


@pytest.mark.parametrize(("framework", "names"), [("torch", TORCH), ("jax", JAX),
                                                  ("keras", KERAS)])
def test_every_framework_name_resolves_to_the_right_function(framework, names):
    for name, canonical in names.items():
        assert get(name, flavor=framework).name == canonical, (framework, name)
    assert not set(names) & set(NOT_TAKEN)


@pytest.mark.parametrize("name", sorted(NOT_TAKEN))
def test_names_not_taken_stay_unknown(name):
    with pytest.raises(actviz.UnknownActivationError):
        get(name)


# --- sparse_sigmoid -------------------------------------------------------------------------

def test_sparse_sigmoid_is_the_derivative_of_sparse_plus():
    x = np.linspace(-3, 3, 601)
    x = x[np.abs(np.abs(x) - 1) > 1e-9]
    np.testing.assert_array_equal(get("sparse_sigmoid")(x), get("sparse_plus").derivative(x))
    np.testing.assert_array_equal(get("sparse_sigmoid").derivative(x),
                                  get("sparse_plus").second_derivative(x))


# --- sparsemax --------------------------------------------------------------------------------

def _vectors() -> list[list[float]]:
    rng = np.random.default_rng(20261206)
    rows = [list(rng.normal(0, s, n)) for s in (0.2, 0.5, 2.0) for n in (2, 3, 7, 12)]
    return [*rows, [0.0, 0.5, 1.0], [1.0, 0.8, -1.0], [1e-9, 0.0, -1e-9], [1e300, 1e300, 0.0]]


@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: f"n{len(v)}")
def test_sparsemax_against_mpmath_and_differences(vector):
    f, d, dd = get("sparsemax").evaluate(np.array(vector), 2)
    with mp.workdps(700):  # 1 + 1e300 keeps its 1
        v = [mp.mpf(t) for t in vector]
        exact = _sparsemax(v)
        for i in range(len(v)):
            assert abs(f[i] - exact[i]) <= 1e-15 * len(v), (i, f[i], exact[i])

            def comp(t, i=i):
                w = list(v)
                w[i] = t
                return _sparsemax(w)[i]

            # piecewise linear: a small step either side gives the slope off the ties
            h = mp.mpf("1e-30")
            left = (comp(v[i]) - comp(v[i] - h)) / h
            right = (comp(v[i] + h) - comp(v[i])) / h
            if abs(left - right) < 1e-20:
                assert abs(d[i] - left) < 1e-12, (i, d[i], left)
    assert abs(math.fsum(f) - 1) < 1e-15 * len(vector)
    assert (dd == 0).all()


def test_sparsemax_examples_and_the_keras_bug():
    s = get("sparsemax")
    # keras-team/keras#23425: Keras 3.15 returns [0, 0, 0.25] here
    np.testing.assert_allclose(s(np.array([0.0, 0.5, 1.0])), [0.0, 0.25, 0.75], rtol=1e-15)
    np.testing.assert_allclose(s(np.array([1.0, 0.8, -1.0])), [0.6, 0.4, 0.0], rtol=1e-15)
    assert s(np.array([-1.0, 0.0, 1.0])).tolist() == [0.0, 0.0, 1.0]  # keras.ops' example
    np.testing.assert_allclose(s(np.array([[1.0, 1.0, 1.0, 1.0]])), 0.25, rtol=1e-15)
    # the Jacobian diagonal: 1 - 1/k on a support of k entries
    np.testing.assert_allclose(s.derivative(np.array([1.0, 0.8, -1.0])), [0.5, 0.5, 0.0])


def test_sparsemax_at_infinities_and_nan():
    s = get("sparsemax")
    assert s(np.array([np.inf, 0.0, -np.inf])).tolist() == [1.0, 0.0, 0.0]
    assert s(np.array([np.inf, np.inf, 1.0])).tolist() == [0.5, 0.5, 0.0]
    assert s(np.array([-np.inf, -np.inf])).tolist() == [0.5, 0.5]
    assert s(np.array([-1e308, 1e308, 0.0])).tolist() == [0.0, 1.0, 0.0]
    rows = s.evaluate(np.array([[1.0, np.nan], [1.0, 1.0]]), 2)
    for out in rows:
        assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()


def test_sparsemax_at_a_tie_takes_the_entry_outside_the_support():
    # 4 = tau: the edge of the support; its derivative is 0 (the side where it is outside)
    d = get("sparsemax").derivative(np.array([5.0, 4.0, 0.0]))
    assert d.tolist() == [0.0, 0.0, 0.0]


# --- sinc, normalized -----------------------------------------------------------------------

def test_normalized_sinc_is_zero_at_every_nonzero_integer():
    n = np.concatenate([np.arange(-1000.0, 0.0), np.arange(1.0, 1001.0),
                        [2.0**52 + 1, 2.0**53, 1e300, -1e308]])
    f, d, _ = get("sinc:normalized=true").evaluate(n, 2)
    assert (f == 0).all()
    # f'(n) = cos(pi n)/n = (-1)^n / n
    small = np.abs(n) <= 1000
    np.testing.assert_allclose(d[small], np.where(n[small] % 2 == 0, 1.0, -1.0) / n[small],
                               rtol=1e-15)


def test_normalized_sinc_is_the_unnormalised_one_at_pi_x():
    x = np.linspace(-7, 7, 1401)
    norm, plain = get("sinc", normalized=True), get("sinc")
    np.testing.assert_allclose(norm(x), plain(np.pi * x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(norm.derivative(x), np.pi * plain.derivative(np.pi * x),
                               rtol=1e-10, atol=1e-14)
    assert get("sinc:normalized=false") == plain and get("sinc:normalized=yes") == norm


# --- smish's alpha and beta -----------------------------------------------------------------

def test_smish_alpha_and_beta_scale_output_and_input():
    x = np.linspace(-10, 10, 401)
    base = get("smish")
    act = get("smish:alpha=2,beta=0.5")
    # f(x) = alpha x T(beta x) = (alpha/beta) g(beta x), g = smish with alpha = beta = 1
    np.testing.assert_allclose(act(x), 4.0 * base(0.5 * x), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(act.derivative(x), 2.0 * base.derivative(0.5 * x), rtol=1e-14)
    assert act.limits[1] == (0.0, 0.6 * 2) and get("smish:alpha=1,beta=1") == base
    with pytest.raises(ParameterError, match="smish: alpha must be > 0, got 0"):
        get("smish:alpha=0")


# --- relu with Keras's parameters -----------------------------------------------------------

def test_relu_with_defaults_is_todays_relu():
    relu = get("relu")
    assert relu.spec == "relu" and get("relu:max_value=none") == relu
    assert get("relu", max_value=None) == relu and get("relu:max_value=inf") == relu
    assert [(k.x, k.order, k.source) for k in relu.kinks] == [(0.0, 1, "PyTorch autograd")]
    assert [(p.start, p.end, p.slope) for p in relu.pieces] == [(-math.inf, 0.0, 0.0),
                                                                 (0.0, math.inf, 1.0)]
    assert relu.limits == ((0.0, math.inf), (0.0, 1.0), (0.0, 0.0))


def test_relu_reduces_to_keras_shortcuts():
    assert get("relu:negative_slope=0.2").spec == "leaky_relu:negative_slope=0.2"
    assert get("relu:max_value=6").spec == "relu6"
    assert get("relu:max_value=6,negative_slope=0.2").name == "relu"
    assert get("relu:max_value=3").spec == "relu:max_value=3"


@pytest.mark.parametrize(("spec", "message"), [
    ("relu:threshold=-1", "relu: threshold must be >= 0 (as keras.layers.ReLU"),
    ("relu:max_value=1,threshold=1",
     "relu: max_value must be > threshold, got max_value=1, threshold=1"),
    ("relu:max_value=0", "relu: max_value must be > 0 or none, got 0"),
    ("relu:max_value=nan", "relu: max_value must be finite, got nan"),
])
def test_relu_parameters_out_of_range(spec, message):
    with pytest.raises(ParameterError) as info:
        get(spec)
    assert str(info.value).startswith(message)


RELU_SPECS = ["relu:max_value=3", "relu:threshold=1", "relu:negative_slope=0.2,max_value=3",
              "relu:negative_slope=-0.5,max_value=2,threshold=0.5",
              "relu:negative_slope=1,max_value=3", "relu:negative_slope=1.5,threshold=2.5",
              "sparse_sigmoid"]


@pytest.mark.parametrize("spec", RELU_SPECS)
def test_declared_kinks_and_pieces_of_the_new_piecewise_functions(spec):
    """As test_catalog's for the defaults: below a kink's order nothing jumps, at it
    something does, and each piece has its slope."""
    act = get(spec)
    for kink in act.kinks:
        lo = act.evaluate(np.array([kink.x - 1e-9]), 2)
        hi = act.evaluate(np.array([kink.x + 1e-9]), 2)
        for order in range(3):
            gap = float(np.max(np.abs(hi[order] - lo[order])))
            assert (gap < 1e-6) if order < kink.order else (order > kink.order or gap > 1e-3)
    for piece in act.pieces:
        xs = np.linspace(max(piece.start, -50.0), min(piece.end, 50.0), 23)[1:-1]
        np.testing.assert_array_equal(act.derivative(xs), piece.slope)
    assert get("relu:negative_slope=1,max_value=3").derivative(0.0) == 1.0  # smooth there
    assert [k.x for k in get("relu:negative_slope=1,max_value=3").kinks] == [3.0]


# --- log1mexp: a pole at 0 ------------------------------------------------------------------

def _log1mexp() -> Activation:
    return get("log1mexp")


def test_log1mexp_kernel_against_mpmath():
    act = _log1mexp()
    xs = [s * v for v in (5e-324, 1e-300, 1e-20, 1e-8, 1e-3, 0.3, 0.6931, 0.6932, 1.0, 5.0,
                          30.0, 700.0, 745.0, 1e5, 1e300) for s in (-1, 1)]
    outs = act.evaluate(np.array(xs), 2)
    with mp.workdps(50):
        for i, x in enumerate(xs):
            a = abs(mp.mpf(x))
            exact = (mp.log(-mp.expm1(-a)), mp.sign(x) / mp.expm1(a),
                     -1 / (mp.expm1(a) * -mp.expm1(-a)))
            for order, true in enumerate(exact):
                ours = float(outs[order][i])
                if abs(true) >= mp.mpf(2) ** 1024 - mp.mpf(2) ** 970:  # rounds to inf
                    assert math.isinf(ours) and (ours > 0) == (true > 0), (x, order)
                elif abs(true) < 1e-300:
                    assert abs(ours) <= 1e-300, (x, order, ours)
                else:
                    assert abs((ours - true) / true) < 1e-14, (x, order, ours, true)


def test_log1mexp_kernel_at_the_pole_and_the_ends():
    f, d, dd = _log1mexp().evaluate(np.array([0.0, -np.inf, np.inf, np.nan]), 2)
    assert f[0] == -np.inf and d[0] == np.inf and dd[0] == -np.inf  # jax.nn.log1mexp at 0
    assert f[1:3].tolist() == [0.0, 0.0] and d[1:3].tolist() == [0.0, 0.0]
    assert np.isnan(f[3])


def test_log1mexp_says_where_its_pole_is():
    from actviz.catalog import describe
    from actviz.info import info_text

    act = get("log1mexp")
    assert act.poles == (0.0,) and not act.kinks
    assert describe(act)["poles"] == [0.0]
    text = info_text(act, "text")
    assert "kinks      none: C-infinity off its pole" in text
    assert "poles      x = 0: |f| grows without bound; analyses take a range on one side" in text


def test_analyses_refuse_a_range_across_the_pole_and_say_which_side_to_take():
    from actviz.analysis import analyze, difference, properties
    from actviz.meanfield import PropagationError, propagation

    message = (r"log1mexp has a pole at x = 0 \(\|f\| grows without bound there\), inside the "
               r"range \[-5, 5\]; give a range on one side of it, e.g. --range 0.2 5")
    for attempt in (lambda: analyze("log1mexp"), lambda: properties("log1mexp"),
                    lambda: difference("log1mexp", "softplus")):
        with pytest.raises(ParameterError, match=message):
            attempt()
    with pytest.raises(PropagationError, match="E\\[f'\\(z\\)\\^2\\] diverges"):
        propagation("log1mexp", 1.0, 0.0)


def test_log1mexp_on_one_side_of_its_pole():
    """On [0.1, 5] log1mexp is smooth and increasing: f' = 1/expm1(x) is largest at 0.1;
    over the reals f' is unbounded (Lipschitz constant inf), and the Gaussian statistics,
    whose E[f'(z)^2] diverges at the pole, are left out."""
    from actviz.analysis import properties

    p = properties("log1mexp", (0.1, 5.0))
    assert p.monotonic and p.smoothness == "C-inf off its pole"
    assert p.lipschitz == math.inf and p.sup_slope == math.inf and p.gaussian is None
    assert p.max_gradient.value == pytest.approx(1 / math.expm1(0.1), rel=1e-12)
    assert p.max_gradient.x == 0.1 and p.max_gradient.at_edge
    assert p.output_range[0] == pytest.approx(math.log(-math.expm1(-0.1)), rel=1e-12)


def test_a_figure_leaves_a_gap_at_the_pole_and_marks_it():
    fig = actviz.plot(["log1mexp", "softplus"])
    fig.draw_without_rendering()
    f_panel, d_panel = fig.panel_axes[:2]
    for ax in (f_panel, d_panel):
        poles = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("pole:")]
        assert [line.get_xdata()[0] for line in poles] == [0.0]
        # the curve as drawn, whole (where it coincides with another, its line gets a gap
        # and a dashed piece takes over)
        curve = next(c for stretches in fig.shared for c in stretches.curves
                     if c.line.get_gid() == f"curve:log1mexp:{fig.panel_axes.index(ax)}")
        x, y = curve.x, curve.y
        assert np.isnan(y[x == 0.0]).all() and np.isfinite(y[x != 0.0]).all()
        assert not ((np.abs(x) < 0.1) & (x != 0)).any()  # the gap: 1 % of the range a side
        low, high = ax.get_ylim()
        assert math.isfinite(low) and math.isfinite(high)
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "pole: |f| grows without bound (no analysis across it)" in labels
    # softplus is still analysed (its largest slope marked), log1mexp across its pole not
    gids = [artist.get_gid() or "" for ax in fig.axes for artist in ax.get_children()]
    assert "max_gradient:softplus" in gids and "max_gradient:log1mexp" not in gids
    assert "saturation:softplus" in gids and "saturation:log1mexp" not in gids


def test_the_table_gives_the_pole_its_values():
    from click.testing import CliRunner

    from actviz.cli import cli

    out = CliRunner().invoke(cli, ["table", "log1mexp", "--points", "-1,0,1", "-f", "csv"])
    # the table on stdout; stderr says that one point is not finite (issue 19)
    assert out.stderr.startswith("Warning: 1 of 3 points have values that are not finite")
    rows = [line.split(",") for line in out.stdout.splitlines()[1:]]
    assert rows[1] == ["0", "-inf", "inf"]  # jax.nn.log1mexp at 0, f' from the right
    assert float(rows[0][1]) == float(rows[2][1]) == pytest.approx(math.log(-math.expm1(-1)),
                                                                   rel=1e-15)
