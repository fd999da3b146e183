"""The catalog against independent references: mpmath at high precision, mpmath
differentiation, identities, and the derivative conventions of PyTorch autograd."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import actviz
from actviz.catalog import REGISTRY, get

from .reference import (
    SCALAR,
    VECTOR,
    converged,
    mismatch,
    sparsemax_jacobian_diagonal,
    vector_component,
)
from .stored import Needed, Value, stored

MUST_HAVE = """identity binary_step sign sigmoid tanh hard_sigmoid hardtanh relu relu6 leaky_relu
prelu rrelu elu celu selu gelu silu swish mish softplus softsign log_sigmoid tanhshrink
softshrink hardshrink threshold hard_swish softmax softmin log_softmax crelu squareplus
quick_gelu lecun_tanh arctan bent_identity gaussian isru isrlu tanhexp smish elish
relu_squared sinc exponential sparse_plus""".split()

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _grid() -> np.ndarray:
    rng = np.random.default_rng(20261122)
    tiny = [s * 10.0**-k for k in (1, 2, 3, 5, 8, 12, 20, 300) for s in (-1, 1)]
    large = [s * v for v in (37.5, 50.0, 100.0, 700.0, 1e4, 1e8, 1e15, 1e100, 1e300)
             for s in (-1, 1)]
    return np.concatenate([np.linspace(-30, 30, 241), rng.uniform(-30, 30, 60), tiny, large])


GRID = _grid()


def _components(value):
    return value if isinstance(value, tuple) else (value,)


def test_at_least_forty_functions_with_every_must_have():
    names = actviz.names()
    assert len(names) >= 40
    assert names == sorted(names)
    assert set(MUST_HAVE) <= set(names)


def test_every_function_has_an_independent_reference():
    covered = {get(spec).name for spec in SCALAR} | set(VECTOR)
    assert covered == set(actviz.names())


@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("spec", sorted(SCALAR))
def test_value_matches_mpmath_to_1e_12(spec, order):
    """f as every evaluation order computes it (the kernels share work differently), against
    the mpmath reference at every point of GRID (stored: tests/stored.py)."""
    act = get(spec)
    values = act.evaluate(GRID, order)[0].reshape(len(GRID), -1)
    worst = []
    for x, row in zip(GRID, values, strict=True):
        exact = stored("catalog", spec, 0, float(x))
        assert exact is not None
        for ours, expected in zip(row, exact, strict=True):
            err = mismatch(float(ours), expected, 1e-12)
            if err:
                worst.append((err, float(x), float(ours), float(expected)))
    assert not worst, sorted(worst, reverse=True)[:5]


def _decades(f: float, derivative: float) -> int:
    """How many decades the derivative lies below f (a starting precision, nothing more)."""
    if derivative == 0 or not math.isfinite(f) or f == 0:
        return 0
    return int(min(700, max(0.0, math.log10(abs(f)) - math.log10(abs(derivative)))))


def _smooth_points(act) -> np.ndarray:
    """Grid points away from kinks and poles, where mpmath's finite differences do not
    straddle one (the pole's own values are tested in tests/test_catalog_frameworks.py)."""
    keep = np.ones(len(GRID), bool)
    for x0 in [k.x for k in act.kinks] + list(act.poles):
        keep &= np.abs(GRID - x0) > 1e-6
    return GRID[keep]


def _catalog_references(spec: str) -> list[Needed]:
    """f at every point of GRID; f' and f'' (mpmath's differentiation) at the smooth ones."""
    ref = SCALAR[spec]

    def values() -> list[Value]:
        return [list(_components(converged(ref, float(x), 0))) for x in GRID]

    def derivatives(order: int) -> list[Value]:
        act = get(spec)
        xs = _smooth_points(act)
        outs = act.evaluate(xs, 2)
        rows = []
        for i, x in enumerate(xs):
            f_row = outs[0].reshape(len(xs), -1)[i]
            row = outs[order].reshape(len(xs), -1)[i]
            parts = [ref] if len(row) == 1 else [
                lambda t, k=k: ref(t)[k] for k in range(len(row))]
            # our f and f^(k) only set the starting precision; the result is converged
            rows.append([converged(part, float(x), order, _decades(f_row[k], row[k]))
                         for k, part in enumerate(parts)])
        return rows

    smooth = [float(x) for x in _smooth_points(get(spec))]
    return [Needed(spec, "0", [float(x) for x in GRID], values),
            Needed(spec, "1", smooth, lambda: derivatives(1)),
            Needed(spec, "2", smooth, lambda: derivatives(2))]


def references() -> list[Needed]:
    """The mpmath references the tests of this module read from tests/data/references.json."""
    return [need for spec in sorted(SCALAR) for need in _catalog_references(spec)]


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("spec", sorted(SCALAR))
def test_derivatives_match_mpmath_differentiation(spec, order):
    """f' and f'' against mpmath's differentiation of the reference (stored), away from
    kinks and poles."""
    act = get(spec)
    xs = _smooth_points(act)
    outs = act.evaluate(xs, order)
    ours_all = outs[order].reshape(len(xs), -1)
    if order == 1:  # f' as order 2 computes it must be the same function
        np.testing.assert_allclose(act.evaluate(xs, 2)[1], outs[1], rtol=1e-13, atol=1e-300)
    worst = []
    for x, row in zip(xs, ours_all, strict=True):
        exact = stored("catalog", spec, order, float(x))
        assert exact is not None
        for ours, expected in zip(row, exact, strict=True):
            # Relative 1e-10: differentiation of f = a + b near a zero of f' cancels by
            # nature; the values are still far tighter than any plot or table needs.
            err = mismatch(float(ours), expected, 1e-10)
            if err:
                worst.append((err, float(x), float(ours), float(expected)))
    assert not worst, sorted(worst, reverse=True)[:5]


def _sign_changes(act, order: int) -> list[tuple[float, float]]:
    """Brackets [a, b] on [-12, 12] where f' or f'' changes sign, away from kinks (the grid
    avoids 0, where many derivatives vanish exactly)."""
    xs = np.linspace(-12, 12, 2400)
    values = act.evaluate(xs, order)[order]
    signs = np.sign(values)
    found = []
    for i in np.flatnonzero(signs[:-1] * signs[1:] < 0)[:6]:
        a, b = float(xs[i]), float(xs[i + 1])
        if not any(a - 1e-3 <= k.x <= b + 1e-3 for k in act.kinks):
            found.append((a, b))
    return found


ZEROS = [(spec, order, bracket) for spec in sorted(SCALAR) if get(spec).definition.outputs == 1
         for order in (1, 2) for bracket in _sign_changes(get(spec), order)]


def test_the_zeros_of_derivatives_are_many():
    assert len(ZEROS) >= 40 and len({spec for spec, _, _ in ZEROS}) >= 20


@pytest.mark.parametrize(("spec", "order", "bracket"), ZEROS,
                         ids=[f"{s}-{o}-{b[0]:.2f}" for s, o, b in ZEROS])
def test_next_to_a_zero_of_a_derivative_the_error_is_absolute(spec, order, bracket):
    """Next to a zero of f' or f'' no formula keeps relative digits (the derivative is a
    difference of terms that cancel there), so the README promises an absolute bound: the
    error at the zero (found by mpmath on the reference) and 1e-14, 1e-10 and 1e-6 from it
    is below 1e-15 times the size of f and its derivatives there (about 1 for every catalog
    function; measured: at most 4.7e-16)."""
    act, ref = get(spec), SCALAR[spec]
    with mp.workdps(50):
        root = mp.findroot(lambda t: mp.diff(ref, t, order), tuple(map(mp.mpf, bracket)),
                           solver="anderson")
        for offset in (0, 1e-14, -1e-14, 1e-10, -1e-10, 1e-6, -1e-6):
            x = float(root + offset)
            ours = float(act.evaluate(np.array([x]), order)[order][0])
            exact = [mp.diff(ref, mp.mpf(x), k) for k in range(order + 2)]
            scale = max(1.0, *(abs(float(v)) for v in exact))
            assert abs(ours - float(exact[order])) <= 1e-15 * scale, (x, ours, exact[order])


VECTORS = [
    [-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    [0.0, 40.0, -20.0, 1e-9],
    [1e300, -1e300, 3.0],
    [2.0, 2.0, -700.0],
    [7.5],
]


@pytest.mark.parametrize("name", sorted(VECTOR))
@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"n{len(v)}")
def test_vector_functions_match_mpmath(name, vector):
    act = get(name)
    f, d, dd = act.evaluate(np.array(vector), 2)
    with mp.workdps(700):
        v = [mp.mpf(t) for t in vector]
        exact = VECTOR[name](v)
        for i in range(len(v)):
            comp = vector_component(name, v, i)
            if name == "sparsemax":
                # piecewise linear, and the first vector has a tie (x = 4 is at the edge of
                # the support, where no derivative exists): the paper's Jacobian diagonal,
                # with the tied entry outside the support (the catalog's convention);
                # test_catalog_frameworks checks it by differences away from ties
                exp_d, exp_dd = sparsemax_jacobian_diagonal(v)[i], mp.mpf(0)
            else:
                exp_d = mp.diff(comp, v[i], 1)
                exp_dd = mp.diff(comp, v[i], 2)
            assert mismatch(float(f[i]), exact[i], 1e-12) == 0, (i, f[i], exact[i])
            assert mismatch(float(d[i]), exp_d, 1e-10) == 0, (i, d[i], exp_d)
            assert mismatch(float(dd[i]), exp_dd, 1e-10) == 0, (i, dd[i], exp_dd)


def test_vector_functions_work_along_the_last_axis():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    s = get("softmax")(x)
    assert s.shape == (2, 3)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(s[1], 1 / 3, rtol=1e-15)
    assert float(get("softmax")(4.2)) == 1.0


def test_vector_functions_at_infinities_and_nan():
    s = get("softmax")(np.array([np.inf, 0.0, -np.inf]))
    assert s.tolist() == [1.0, 0.0, 0.0]
    assert get("softmax")(np.array([np.inf, np.inf, 1.0])).tolist() == [0.5, 0.5, 0.0]
    assert get("log_softmax")(np.array([0.0, -np.inf])).tolist() == [0.0, -np.inf]
    assert get("softmin")(np.array([-np.inf, 0.0])).tolist() == [1.0, 0.0]
    rows = get("softmax").evaluate(np.array([[1.0, np.nan], [1.0, 1.0]]), 2)
    for out in rows:
        assert np.isnan(out[0]).all()
        assert np.isfinite(out[1]).all()


# --- conventions at kinks: what PyTorch autograd returns there --------------------------

CONVENTIONS = [
    ("relu", 0.0, 0.0),
    ("relu6", 0.0, 0.0),
    ("relu6", 6.0, 0.0),
    ("leaky_relu", 0.0, 0.01),
    ("leaky_relu:negative_slope=0.2", 0.0, 0.2),
    ("prelu", 0.0, 0.25),
    ("rrelu", 0.0, (1 / 8 + 1 / 3) / 2),
    ("hardtanh", -1.0, 0.0),
    ("hardtanh", 1.0, 0.0),
    ("elu", 0.0, 1.0),
    ("elu:alpha=0.5", 0.0, 0.5),
    ("selu", 0.0, SELU_SCALE * SELU_ALPHA),
    ("softshrink", -0.5, 0.0),
    ("softshrink", 0.5, 0.0),
    ("hardshrink", -0.5, 0.0),
    ("hardshrink", 0.5, 0.0),
    ("threshold", 1.0, 0.0),
    ("hard_sigmoid", -3.0, 0.0),
    ("hard_sigmoid", 3.0, 0.0),
    ("hard_swish", -3.0, 0.0),
    ("hard_swish", 3.0, 1.0),
    ("binary_step", 0.0, 0.0),
    ("sign", 0.0, 0.0),
    # keras.activations.relu / sparse_sigmoid under PyTorch autograd (Keras 3.15, torch
    # backend), measured
    ("sparse_sigmoid", -1.0, 0.0),
    ("sparse_sigmoid", 1.0, 0.0),
    ("relu:max_value=3", 0.0, 0.0),
    ("relu:max_value=3", 3.0, 1.0),
    ("relu:threshold=1", 1.0, 0.0),
    ("relu:negative_slope=0.2,max_value=3", 0.0, 0.0),
    ("relu:negative_slope=0.2,threshold=1,max_value=3", 1.0, 0.0),
    ("relu:negative_slope=0.2,threshold=1,max_value=3", 3.0, 1.0),
    ("relu:negative_slope=-0.5,threshold=0.5,max_value=2", 0.5, 0.0),
    ("relu:negative_slope=-0.5,threshold=0.5,max_value=2", 2.0, 1.0),
    ("relu:negative_slope=0.2,max_value=6", 6.0, 0.0),  # Keras calls relu6 there
    ("relu:negative_slope=0.2", 0.0, 0.2),  # Keras calls leaky_relu there
    ("relu:max_value=6", 6.0, 0.0),
]


@pytest.mark.parametrize(("spec", "x", "expected"), CONVENTIONS)
def test_derivative_at_kinks_follows_pytorch(spec, x, expected):
    assert float(get(spec).derivative(x)) == pytest.approx(expected, rel=1e-15)


SECOND_CONVENTIONS = [  # PyTorch double backward (elu/selu/celu/hardswish/relu**2/softsign)
    ("elu", 0.0, 0.0), ("selu", 0.0, 0.0), ("celu", 0.0, 0.0), ("hard_swish", 3.0, 0.0),
    ("relu_squared", 0.0, 0.0), ("softsign", 0.0, 0.0), ("elish", 0.0, 0.5),
    ("sparse_plus", 1.0, 0.0), ("sparse_plus", -1.0, 0.0),
]


@pytest.mark.parametrize(("spec", "x", "expected"), SECOND_CONVENTIONS)
def test_second_derivative_at_kinks(spec, x, expected):
    assert float(get(spec).second_derivative(x)) == expected


def test_values_at_jumps():
    assert float(get("relu:threshold=1")(1.0)) == 0.0
    assert float(get("relu:negative_slope=0.2,threshold=1,max_value=3")(1.0)) == 0.0
    assert float(get("binary_step")(0.0)) == 1.0
    assert float(get("sign")(0.0)) == 0.0
    assert float(get("hardshrink")(0.5)) == 0.0
    assert float(get("threshold")(1.0)) == 0.0


KINKED = sorted(spec for spec in SCALAR if get(spec).kinks)
PIECEWISE = sorted(spec for spec in SCALAR if get(spec).pieces)


@pytest.mark.parametrize("spec", KINKED)
def test_kinks_are_where_the_function_stops_being_smooth(spec):
    """Each declared kink of order k, checked on the mpmath reference: the derivatives below
    k agree on both sides, the k-th jumps (1e-9 away on each side; at a kink of order 3,
    where only the third derivative jumps, f, f' and f'' must agree)."""
    act = get(spec)
    for kink in act.kinks:
        with mp.workdps(40):
            sides = [mp.mpf(kink.x) + d for d in (mp.mpf("-1e-9"), mp.mpf("1e-9"))]
            for order in range(min(kink.order, 2) + 1):
                gap = max(abs(part(sides[0], order) - part(sides[1], order))
                          for part in _parts(spec))
                if order < kink.order:
                    assert gap < 1e-6, (spec, kink, order, gap)
                else:
                    assert gap > 1e-3, (spec, kink, order, gap)


def _parts(spec):
    """The mpmath reference of each output, as a function of (x, order)."""
    ref = SCALAR[spec]
    count = get(spec).definition.outputs

    def part(k):
        def fn(t):
            value = ref(t)
            return value[k] if count > 1 else value

        return lambda t, order: fn(t) if order == 0 else mp.diff(fn, t, order)

    return [part(k) for k in range(count)]


@pytest.mark.parametrize("spec", PIECEWISE)
def test_pieces_have_the_declared_slope(spec):
    """On each declared linear piece: the slope of the mpmath reference, and f'' = 0."""
    act = get(spec)
    for piece in act.pieces:
        a = max(piece.start, -50.0)
        b = min(piece.end, 50.0)
        xs = np.linspace(a, b, 7)[1:-1]
        derivative = act.derivative(xs)
        np.testing.assert_array_equal(derivative, np.broadcast_to(piece.slope, derivative.shape))
        np.testing.assert_array_equal(act.second_derivative(xs), 0.0)
        slopes = np.resize(np.ravel(piece.slope), len(_parts(spec)))
        with mp.workdps(30):
            for x in xs:
                for part, slope in zip(_parts(spec), slopes, strict=True):
                    exact = part(mp.mpf(float(x)), 1)
                    assert abs(exact - float(slope)) <= 1e-15 * abs(exact), (spec, x, exact)


def test_dead_zones_come_from_the_pieces():
    assert get("relu").dead_zones == ((-math.inf, 0.0),)
    assert get("softshrink").dead_zones == ((-0.5, 0.5),)
    assert get("hardtanh").dead_zones == ((-math.inf, -1.0), (1.0, math.inf))
    assert get("leaky_relu").dead_zones == ()
    assert get("leaky_relu:negative_slope=0").dead_zones == ((-math.inf, 0.0),)
    assert get("sigmoid").dead_zones == ()


# --- limits and stability --------------------------------------------------------------

EXTREME = np.array([-1e300, -1e4, -800, -30, -1e-300, 0, 1e-300, 30, 800, 1e4, 1e300,
                    -np.inf, np.inf, np.nan])


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_stable_at_extreme_inputs(name):
    """No overflow/invalid/divide warning, finite wherever the true value is finite (not at
    a pole: log1mexp(0) = -inf), the limits at +-inf, NaN for NaN."""
    act = get(name)
    x = EXTREME[:, np.newaxis] if act.definition.vector else EXTREME
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        outs = act.evaluate(x, 2)
        if act.definition.vector:  # all the finite extremes in one vector
            whole = act.evaluate(EXTREME[:-3], 2)
            assert all(np.isfinite(out).all() for out in whole)
    # Only exponential (f, f', f''), relu_squared (f, f') genuinely exceed float64 at large
    # |x|, and log1mexp's f'' = -1/(4 sinh^2(x/2)) ~ -1/x^2 at x = +-1e-300 (-1e600).
    overflow = {"exponential": (0, 1, 2), "relu_squared": (0, 1)}.get(name, ())
    tiny = {"log1mexp": (2,)}.get(name, ())
    for order, out in enumerate(outs):
        out = out.reshape(len(EXTREME), -1)
        assert np.isnan(out[-1]).all()
        x_ok = ~np.isin(EXTREME[:-3], act.poles)
        if order in overflow:
            x_ok &= np.abs(EXTREME[:-3]) < 100
        if order in tiny:
            x_ok &= np.abs(EXTREME[:-3]) > 1e-150
        finite_x = out[:-3][x_ok]
        # Unbounded functions may reach their (infinite) limit only at +-inf itself.
        assert np.isfinite(finite_x).all(), (order, out)
        if act.limits is not None:
            at_minus, at_plus = act.limits[order]
            np.testing.assert_array_equal(out[-3], np.ravel(at_minus))
            np.testing.assert_array_equal(out[-2], np.ravel(at_plus))


@pytest.mark.parametrize("spec", sorted(SCALAR))
def test_declared_limits_match_mpmath(spec):
    """f(+-inf) from the catalog against the reference at +-1e30 (f) and +-1e8 (f', f'')."""
    act, ref = get(spec), SCALAR[spec]
    for order, far in ((0, 1e30), (1, 1e8), (2, 1e8)):
        for side, x in enumerate((-far, far)):
            declared = np.ravel(act.limits[order][side])
            parts = [ref] if len(declared) == 1 else [
                lambda t, k=k: ref(t)[k] for k in range(len(declared))]
            exact = [converged(part, x, order) for part in parts]
            for limit, value in zip(declared, exact, strict=True):
                if math.isinf(limit):
                    assert mp.sign(value) == math.copysign(1, limit)
                    assert abs(value) > far ** 0.5, (order, x, value)
                else:
                    assert abs(value - limit) < 1e-6 * max(1.0, abs(limit)), (order, x, value)


# --- identities ----------------------------------------------------------------------------

X = np.linspace(-40, 40, 1601)


def test_identity_tanh_derivative():
    t = get("tanh")
    mid = X[np.abs(X) < 3]  # beyond, 1 - tanh^2 itself loses the digits
    np.testing.assert_allclose(t.derivative(mid), 1 - t(mid) ** 2, rtol=1e-13)


@pytest.mark.parametrize(("spec", "bound"), [("tanh", 1.0), ("lecun_tanh", 1.7159 * 2 / 3)])
def test_a_derivative_never_rounds_above_its_supremum(spec, bound):
    """sech^2 x <= 1: near 0, 4 e/(1 + e)^2 with e = exp(-2|x|) rounds to 1 + 2^-52 on some
    machines' exp (tanh'(-4e-9) was 1.0000000000000002); every point of a dense grid
    around 0 stays at or below the bound. (sigmoid' = sigma(x) sigma(-x) can still round to
    0.25 + 2^-54 there: within its 1e-16 accuracy, and a clamp would cost a pass over every
    array.)"""
    xs = np.concatenate([np.linspace(-1e-6, 1e-6, 20001), np.linspace(-0.02, 0.02, 20001)])
    act = get(spec)
    for out in act.evaluate(xs, 1)[1], act.evaluate(xs, 2)[1], act.derivative(xs):
        assert out.max() <= bound


def test_identity_softplus_derivative_is_sigmoid():
    np.testing.assert_allclose(get("softplus").derivative(X), get("sigmoid")(X), rtol=1e-15)


def test_identity_silu_is_swish_with_beta_one():
    assert get("swish") == get("silu")
    assert get("swish:beta=1").name == "silu"
    near = get("swish", beta=1 + 2**-40)
    np.testing.assert_allclose(near(X), get("silu")(X), rtol=1e-10)
    np.testing.assert_allclose(get("silu")(X), X * get("sigmoid")(X), rtol=1e-15)


def test_identity_celu_alpha_one_is_elu():
    np.testing.assert_array_equal(get("celu:alpha=1")(X), get("elu")(X))
    np.testing.assert_array_equal(get("celu").derivative(X[X != 0]),
                                  get("elu").derivative(X[X != 0]))


def test_identity_selu_is_scaled_elu():
    elu = get("elu", alpha=SELU_ALPHA)
    np.testing.assert_allclose(get("selu")(X), SELU_SCALE * elu(X), rtol=1e-15)
    np.testing.assert_allclose(get("selu").derivative(X), SELU_SCALE * elu.derivative(X),
                               rtol=1e-15)


def test_identity_tanh_from_sigmoid():
    mid = X[np.abs(X) > 0.5]  # 2 sigma(2x) - 1 cancels near 0
    np.testing.assert_allclose(get("tanh")(mid), 2 * get("sigmoid")(2 * mid) - 1,
                               rtol=1e-15, atol=2e-16)


def test_identity_log_sigmoid_is_minus_softplus_of_minus_x():
    np.testing.assert_allclose(get("log_sigmoid")(X), -get("softplus")(-X), rtol=1e-15)


# --- the evaluate contract -----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_evaluate_agrees_with_single_calls_and_shapes(name):
    act = get(name)
    x = np.linspace(-4, 4, 12).reshape(3, 4)
    before = x.copy()
    f, d, dd = act.evaluate(x, 2)
    np.testing.assert_allclose(f, act(x), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(d, act.derivative(x), rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(dd, act.second_derivative(x))
    np.testing.assert_array_equal(x, before)
    tail = (2,) if name == "crelu" else ()
    for out in (f, d, dd):
        assert out.shape == x.shape + tail and out.dtype == np.float64
        assert not np.shares_memory(out, x)
    scalar = act(0.5)
    assert isinstance(scalar, np.ndarray) and scalar.shape == tail
    assert act([1, 2]).dtype == np.float64
    assert len(act.evaluate(x, 0)) == 1 and len(act.evaluate(x)) == 2


def test_evaluate_rejects_bad_order():
    with pytest.raises(ValueError, match="order must be 0, 1 or 2"):
        get("relu").evaluate([1.0], 3)


def test_crelu_has_two_outputs():
    out = get("crelu")(np.array([-2.0, 3.0]))
    assert out.tolist() == [[0.0, 2.0], [3.0, 0.0]]
    assert get("crelu").derivative(np.array([-2.0, 0.0, 3.0])).tolist() == [
        [0.0, -1.0], [0.0, 0.0], [1.0, 0.0]]


def test_tanhshrink_small_inputs_keep_their_digits():
    # x - tanh(x) = x^3/3 - 2x^5/15 + ...: the naive subtraction returns 0 at 1e-9.
    x = 1e-9
    assert float(get("tanhshrink")(x)) == pytest.approx(x**3 / 3, rel=1e-15)


def test_gelu_is_exact_and_the_same_bits_whether_scipy_is_loaded_or_not(monkeypatch):
    """erfc comes from the C library at every length, so a value never depends on whether
    another part of the process loaded scipy (a parallel batch and a serial one wrote gelu's
    values differently in the last bit when short arrays took the C library's erfc and long
    ones scipy's); gelu and its derivatives agree with mpmath into the far left tail (below
    1e-300)."""
    from actviz.catalog import _math

    xs = np.concatenate([np.linspace(-38.0, 38.0, 1521), [-1e-300, 0.0, 1e-300]])
    act = get("gelu")
    monkeypatch.setattr(_math, "_special", None)
    unloaded = act.evaluate(xs, 2)
    long = np.tile(xs, 40)  # longer than any block an implementation might switch at
    unloaded_long = act.evaluate(long, 2)
    _math.special()
    for before, after in zip(unloaded, act.evaluate(xs, 2), strict=True):
        assert before.tobytes() == after.tobytes()
    for before, after in zip(unloaded_long, act.evaluate(long, 2), strict=True):
        assert before.tobytes() == after.tobytes()
        assert after[: xs.size].tobytes() == after[xs.size : 2 * xs.size].tobytes()
    f, d1, d2 = unloaded
    mp.mp.dps = 40
    for x, values in zip(xs, zip(f, d1, d2, strict=True), strict=True):
        u = mp.mpf(float(x))
        cdf = mp.erfc(-u / mp.sqrt(2)) / 2
        pdf = mp.exp(-u * u / 2) / mp.sqrt(2 * mp.pi)
        for got, want in zip(values, (u * cdf, cdf + u * pdf, (2 - u * u) * pdf), strict=True):
            want = float(want)
            if abs(want) < 1e-300:
                assert abs(got - want) <= 1e-300
            else:
                assert got == pytest.approx(want, rel=1e-12), (float(x), got, want)
    assert unloaded_long[0][: xs.size].tobytes() == f.tobytes()
