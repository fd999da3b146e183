"""User formulas against independent references: mpmath (its diff at 40 digits and more),
exact identities with the catalog, kinks and pieces known by hand, hostile input, and
property-based tests."""

from __future__ import annotations

import math
import pickle

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actviz
from actviz import ActvizError, FormulaError, NotFiniteError, ParameterError, SpecError
from actviz.catalog import describe
from actviz.catalog._core import CHUNK

from .reference import converged, mismatch
from .stored import Needed, Value, stored
from .test_catalog import EXTREME, GRID

INF = math.inf


def _sigmoid(t):
    return 1 / (1 + mp.exp(-t))


def _f(value: float) -> mp.mpf:
    """A float constant of a formula, exactly (0.1 is the double nearest 0.1)."""
    return mp.mpf(value)


def _elu(t, alpha):
    return t if t > 0 else alpha * mp.expm1(t)


def _decades(f: float, derivative: float) -> int:
    """How many decades the derivative lies below f (a starting precision, nothing more)."""
    if derivative == 0 or not math.isfinite(f) or f == 0:
        return 0
    return int(min(700, max(0.0, math.log10(abs(f)) - math.log10(abs(derivative)))))


LARGE = [s * v for v in (50.0, 1e3, 1e8, 1e15, 1e100, 1e300) for s in (-1, 1)]
SMALL = [-50.0, 50.0, -1e3, 1e3]
MODERATE = [s * v for v in (50.0, 1e3, 1e8, 1e15) for s in (-1, 1)]

# (spec, extra parameters for get, mpmath reference, large inputs where it is stable as typed)
FORMULAS = [
    ("x*tanh(softplus(x))", {}, lambda t: t * mp.tanh(mp.log1p(mp.exp(t))), LARGE),
    ("x*sigmoid(beta*x); beta=1.5", {}, lambda t: t * _sigmoid(_f(1.5) * t), LARGE),
    ("x*sigmoid(beta*x); beta=1.5", {"beta": 0.3}, lambda t: t * _sigmoid(_f(0.3) * t), LARGE),
    ("x*erf(x)", {}, lambda t: t * mp.erf(t), LARGE),
    ("relu(x)^2", {}, lambda t: max(t, 0) ** 2, LARGE),
    ("where(x > 0, x, alpha*expm1(x)); alpha=1.3", {},
     lambda t: t if t > 0 else _f(1.3) * mp.expm1(t), LARGE),
    ("max(x, 0.1*x)", {}, lambda t: max(t, _f(0.1) * t), LARGE),
    ("min(max(x, -1), 1) + 0.1*tanh(x)", {},
     lambda t: min(max(t, -1), 1) + _f(0.1) * mp.tanh(t), LARGE),
    ("elu(x, alpha=0.5)*sigmoid(x)", {}, lambda t: _elu(t, _f(0.5)) * _sigmoid(t), LARGE),
    ("log1p(exp(-abs(x))) + max(x, 0)", {},
     lambda t: mp.log1p(mp.exp(-abs(t))) + max(t, 0), LARGE),
    # differentiated as typed, (u' - q w')/w cancels far out: only moderately large inputs
    ("x/(1 + abs(x))", {}, lambda t: t / (1 + abs(t)), SMALL),
    ("tanh(x)^2*exp(-x^2/8)", {}, lambda t: mp.tanh(t) ** 2 * mp.exp(-t**2 / 8), LARGE),
    ("softplus(2*x - 1, beta=2)/2", {}, lambda t: mp.log1p(mp.exp(2 * (2 * t - 1))) / 4,
     LARGE),
    ("x*arctan(x)", {}, lambda t: t * mp.atan(t), [-50.0, 50.0]),  # f'' cancels far out
    ("cos(x)*exp(-abs(x))", {}, lambda t: mp.cos(t) * mp.exp(-abs(t)), LARGE),
    ("leaky_relu(2*x - 1, negative_slope=0.2) + sin(x)/4", {},
     lambda t: (2 * t - 1 if 2 * t - 1 > 0 else _f(0.2) * (2 * t - 1)) + mp.sin(t) / 4,
     LARGE),
    ("where(x < -1, -1, where(x > 1, 1, x^3/3 + 2*x/3))", {},
     lambda t: -1 if t < -1 else (1 if t > 1 else t**3 / 3 + 2 * t / 3), LARGE),
    ("(1 + x^2)^(-0.5)", {}, lambda t: (1 + t**2) ** mp.mpf(-0.5), MODERATE),
    ("2^(-x^2) + x^3/10", {}, lambda t: mp.power(2, -t**2) + t**3 / 10, LARGE),
    ("gelu(x, approximate=tanh)*x + silu(x)", {},
     lambda t: t / 2 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (t + _f(0.044715) * t**3))) * t
     + t * _sigmoid(t), MODERATE),
]


def _points(act, large) -> np.ndarray:
    rng = np.random.default_rng(12)
    xs = np.concatenate([np.linspace(-30, 30, 61), rng.uniform(-30, 30, 20),
                         [-1e-3, 1e-3, -1e-8, 1e-8], large])
    keep = np.ones(len(xs), bool)
    for kink in act.kinks:
        keep &= np.abs(xs - kink.x) > 1e-6
    return xs[keep]


def _formula_id(spec: str, params: dict) -> str:
    return f"{spec}{params or ''}"


def references() -> list[Needed]:
    """f, f' and f'' of each formula's mpmath reference at its points (tests/stored.py)."""
    needs = []
    for spec, params, ref, large in FORMULAS:
        act = actviz.get(spec, **params)
        xs = [float(x) for x in _points(act, large)]

        def compute(order: int, act=act, xs=xs, ref=ref) -> list[Value]:
            outs = act.evaluate(np.array(xs), order)
            # our f and f^(k) only set the starting precision; the result is converged
            return [[converged(ref, x, order, _decades(f, value))]
                    for x, value, f in zip(xs, outs[order], outs[0], strict=True)]

        needs += [Needed(_formula_id(spec, params), str(order), xs,
                         lambda order=order, compute=compute: compute(order))
                  for order in range(3)]
    return needs


@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize(("spec", "params", "large"), [(s, p, g) for s, p, _, g in FORMULAS],
                         ids=[_formula_id(s, p) for s, p, _, _ in FORMULAS])
def test_formulas_match_mpmath(spec, params, large, order):
    """f, f', f'' to 1e-10 relative (f to 1e-12) away from kinks, on [-30, 30] and far out,
    against mpmath on the formula written out (stored: tests/stored.py)."""
    act = actviz.get(spec, **params)
    xs = _points(act, large)
    ours = act.evaluate(xs, order)[order]
    worst = []
    for x, value in zip(xs, ours, strict=True):
        exact = stored("formula", _formula_id(spec, params), order, float(x))
        assert exact is not None
        err = mismatch(float(value), exact[0], 1e-12 if order == 0 else 1e-10)
        if err:
            worst.append((err, float(x), float(value), float(exact[0])))
    assert not worst, sorted(worst, reverse=True)[:5]


def test_at_least_fifteen_formulas_are_checked_against_mpmath():
    assert len({spec for spec, *_ in FORMULAS}) >= 15


# --- identities with the catalog -----------------------------------------------------------

ATOL = (0.0, 0.0, 1e-16)
"""f and f' to 1e-12 relative everywhere; f'' too, or to 1e-16 absolute next to a root of f''
(mish'' = 4.6e-5 at 1.49: two correct ways of computing it differ there by rounding)."""

IDENTITIES = [
    ("x*tanh(softplus(x))", "mish"),
    ("x*sigmoid(x)", "silu"),
    ("x*sigmoid(1.702*x)", "quick_gelu"),
    ("max(x, 0)", "relu"),
    ("elu(x, alpha=2)", "elu:alpha=2"),
]


def _same(ours: np.ndarray, theirs: np.ndarray, rtol: float, atol: float = 0.0) -> np.ndarray:
    """Elementwise: equal (inf and NaN included) or within rtol relative (or atol)."""
    with np.errstate(all="ignore"):
        close = np.abs(ours - theirs) <= rtol * np.abs(theirs) + atol
    return (ours == theirs) | (np.isnan(ours) & np.isnan(theirs)) | close


@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize(("formula", "name"), IDENTITIES)
def test_identities_with_the_catalog(formula, name, order):
    """At every input the catalog's tests use (+-1e300, +-inf, NaN included), every order."""
    xs = np.concatenate([GRID, EXTREME])
    ours = actviz.get(formula).evaluate(xs, order)
    theirs = actviz.get(name).evaluate(xs, order)
    for k in range(order + 1):
        ok = _same(ours[k], theirs[k], 1e-12, ATOL[k])
        assert ok.all(), (k, xs[~ok][:5], ours[k][~ok][:5], theirs[k][~ok][:5])
        assert np.isfinite(ours[k][:-3]).all() or name == "relu"


def test_identities_hold_across_evaluation_blocks():
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(-30, 30, 2 * CHUNK + 5), EXTREME])
    ours = actviz.get("x*tanh(softplus(x))").evaluate(xs, 2)
    theirs = actviz.get("mish").evaluate(xs, 2)
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert _same(a, b, 1e-12, ATOL[k]).all()


def test_max_x_0_is_relu_with_its_kink_and_dead_zone():
    act, relu = actviz.get("max(x, 0)"), actviz.get("relu")
    assert [(k.x, k.order) for k in act.kinks] == [(k.x, k.order) for k in relu.kinks]
    assert act.dead_zones == relu.dead_zones == ((-INF, 0.0),)
    assert act.kinks_exact
    assert [(p.start, p.end, p.slope) for p in act.pieces_in(-5, 5)] == [
        (-5.0, 0.0, 0.0), (0.0, 5.0, 1.0)]
    assert act.limits == relu.limits
    # the convention at the tie: max's second argument, so relu'(0) = 0 as PyTorch's relu
    assert act.one_sided(0.0, 1) == relu.one_sided(0.0, 1)


def test_elu_alpha_two_has_elus_kink_and_limits():
    ours, theirs = actviz.get("elu(x, alpha=2)"), actviz.get("elu:alpha=2")
    assert [(k.x, k.order) for k in ours.kinks] == [(k.x, k.order) for k in theirs.kinks]
    assert ours.limits == theirs.limits


# --- parameters, sweeps, specs -------------------------------------------------------------

def test_sweeps_over_a_formulas_parameter():
    base = actviz.get("x*sigmoid(beta*x); beta=1.5")
    assert base.params == {"beta": 1.5}
    swept = actviz.get("x*sigmoid(beta*x); beta=1.5", beta=2)
    assert swept.params == {"beta": 2.0}
    assert swept.spec == "x*sigmoid(beta*x); beta=2"
    assert actviz.get(swept.spec) == swept
    assert swept == actviz.get("x*sigmoid(beta*x); beta=2")
    assert swept != base
    np.testing.assert_array_equal(swept(GRID), actviz.get("swish:beta=2")(GRID))
    assert actviz.get(base, beta=2) == swept
    with pytest.raises(ParameterError, match="has no parameter 'gamma'"):
        actviz.get("x*sigmoid(beta*x); beta=1.5", gamma=1)
    with pytest.raises(ParameterError, match="beta must be a number"):
        actviz.get("x*sigmoid(beta*x); beta=1.5", beta="abc")


def test_a_parameter_inside_a_catalog_call_is_checked_at_its_column():
    assert actviz.get("elu(x, alpha=a); a=0.5", a=2)(-1.0) == pytest.approx(2 * math.expm1(-1))
    with pytest.raises(ParameterError) as info:
        actviz.get("softplus(x, beta=b); b=1", b=-1)
    assert str(info.value) == ("in 'softplus(x, beta=b); b=1': softplus: beta must be > 0, "
                               "got -1 at column 13.")


def test_flavor_reaches_the_catalog_functions_inside():
    torch = actviz.get("leaky_relu(x)")
    keras = actviz.get("leaky_relu(x)", flavor="keras")
    assert float(torch(-1.0)) == -0.01 and float(keras(-1.0)) == -0.2
    assert torch != keras
    assert actviz.get("x*sigmoid(x)") == actviz.get("x*sigmoid(x)", flavor="jax")


def test_names_stay_names_and_name_like_formulas_work():
    assert actviz.get("relu").name == "relu"
    assert actviz.get(" Elu : Alpha = 2 ").params == {"alpha": 2.0}
    assert float(actviz.get("x")(3.0)) == 3.0
    assert float(actviz.get("x - 1")(3.0)) == 2.0
    assert float(actviz.get("pi")(3.0)) == math.pi
    with pytest.raises(actviz.UnknownActivationError) as info:
        actviz.get("rleu")
    assert str(info.value) == "unknown activation 'rleu'. Did you mean 'relu'?"
    with pytest.raises(SpecError) as info:
        actviz.get("x*sigmoid(x):beta=2")
    assert "its parameters follow ';'" in str(info.value)


def test_scope_names_work_like_catalog_names():
    pswish = actviz.define("pswish", "x*sigmoid(beta*x)", params={"beta": 1.5},
                           title="Parametric swish")
    scope = {"pswish": pswish}
    assert pswish.title == "Parametric swish" and pswish.family == "formula"
    act = actviz.get("pswish:beta=3", scope=scope)
    assert act.spec == "pswish:beta=3" and act.params == {"beta": 3.0}
    np.testing.assert_array_equal(act(GRID), actviz.get("swish:beta=3")(GRID))
    assert actviz.get("pswish", scope=scope, beta=2) == actviz.get("pswish:beta=2", scope=scope)
    both = actviz.get("pswish(x, beta=2) - x*sigmoid(2*x)", scope=scope)
    assert not np.any(both(GRID))
    with pytest.raises(actviz.UnknownActivationError, match="unknown activation 'pswish'"):
        actviz.get("pswish")
    with pytest.raises(ParameterError, match="cannot name a function"):
        actviz.define("exp", "x")


def test_activations_and_definitions_pickle_for_batch_workers():
    act = actviz.get("x*sigmoid(beta*x); beta=1.5", beta=2)
    again = pickle.loads(pickle.dumps(act))
    assert again == act
    np.testing.assert_array_equal(again.evaluate(GRID, 2)[2], act.evaluate(GRID, 2)[2])
    pswish = actviz.define("pswish", "x*sigmoid(beta*x)", params={"beta": 1.5})
    defined = pickle.loads(pickle.dumps(actviz.get("pswish:beta=3", scope={"pswish": pswish})))
    assert defined.spec == "pswish:beta=3"
    np.testing.assert_array_equal(defined(GRID), actviz.get("swish:beta=3")(GRID))


def test_order_zero_computes_no_derivative():
    calls = []

    def probe(x, order):
        calls.append(order)
        return (x * x, 2 * x, np.full_like(x, 2.0))[:order + 1]

    actviz.register("probe_order", probe, limits=((INF, INF), (-INF, INF), (2.0, 2.0)))
    try:
        act = actviz.get("2*probe_order(x) + 1")
        calls.clear()
        assert act(np.array([1.0, 2.0])).tolist() == [3.0, 9.0]
        assert calls == [0]
        assert act.derivative(np.array([1.0])).tolist() == [4.0]
        assert calls == [0, 1]
    finally:
        actviz.unregister("probe_order")


def test_results_are_fresh_float_arrays_of_the_input_shape():
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    for spec in ("x", "3", "x*sigmoid(x)", "where(x > 0, x, 0)"):
        outs = actviz.get(spec).evaluate(x, 2)
        for out in outs:
            assert out.shape == x.shape and out.dtype == np.float64
            assert not np.shares_memory(out, x)
        assert len({id(o) for o in outs}) == 3
    assert actviz.get("x")(2.5).shape == ()


def test_infinite_and_nan_inputs_take_the_limits():
    act = actviz.get("x*sigmoid(x)")
    f, d, dd = act.evaluate(np.array([-INF, INF, np.nan]), 2)
    assert f[:2].tolist() == [0.0, INF] and d[:2].tolist() == [0.0, 1.0]
    assert dd[:2].tolist() == [0.0, 0.0]
    assert np.isnan([f[2], d[2], dd[2]]).all()
    assert np.isnan(actviz.get("sin(x)")(np.array([INF]))).all()


# --- kinks and pieces ----------------------------------------------------------------------

def _kinks(spec, lo=None, hi=None):
    act = actviz.get(spec)
    kinks = act.kinks if lo is None else act.kinks_in(lo, hi)
    return [(k.x, k.order) for k in kinks]


@pytest.mark.parametrize(("spec", "expected"), [
    ("where(x > 0, x, 0)", [(0.0, 1)]),
    ("where(x > 0, 1, 0)", [(0.0, 0)]),
    ("relu(x)**2", [(0.0, 2)]),
    ("relu(x)^3", [(0.0, 3)]),
    ("relu(2*x - 1)", [(0.5, 1)]),
    ("relu(-4*x + 1)", [(0.25, 1)]),
    ("leaky_relu(2*x - 1, negative_slope=0.2)", [(0.5, 1)]),
    ("hardtanh(3*x + 1)", [(-2 / 3, 1), (0.0, 1)]),
    ("abs(x - 2)", [(2.0, 1)]),
    ("min(max(x, -1), 1)", [(-1.0, 1), (1.0, 1)]),
    ("elu(x)", [(0.0, 2)]),
    ("elu(x, alpha=2)", [(0.0, 1)]),
    ("softsign(x)", [(0.0, 2)]),
    ("isrlu(x)", [(0.0, 3)]),
    ("relu(relu(x) - 5)", [(5.0, 1)]),  # relu's own kink at 0 lies in the outer dead zone
    ("where(x > 0, relu(x + 5), 0)", [(0.0, 0)]),  # the kink at -5 is in the unused branch
    ("where(x > 1 and x < 3, x, 0)", [(1.0, 0), (3.0, 0)]),
    ("max(x, x)", []),
    ("sigmoid(x)", []),
])
def test_kinks_from_the_structure_are_exact(spec, expected):
    assert _kinks(spec) == expected
    assert actviz.get(spec).kinks_exact


def test_kinks_of_non_linear_arguments_are_found_numerically_on_the_range():
    act = actviz.get("where(x^2 < 1, 0, x)")
    assert not act.kinks_exact
    kinks = act.kinks_in(-5, 5)
    assert [k.order for k in kinks] == [0, 0]
    assert abs(kinks[0].x + 1) <= 2e-16 and kinks[1].x == 1.0
    assert act.dead_zones == ((kinks[0].x, 1.0),)
    zones = [(p.start, p.end) for p in act.pieces_in(-5, 5) if p.slope == 0]
    assert zones == [(kinks[0].x, 1.0)]
    relu_sin = actviz.get("relu(sin(x))")
    found = [k.x for k in relu_sin.kinks_in(-7, 7)]
    np.testing.assert_allclose(found, [-2 * np.pi, -np.pi, 0.0, np.pi, 2 * np.pi], atol=1e-14)
    dead = [(p.start, p.end) for p in relu_sin.pieces_in(-7, 7) if p.slope == 0]
    np.testing.assert_allclose(dead, [(-7, -2 * np.pi), (-np.pi, 0), (np.pi, 2 * np.pi)],
                               atol=1e-14)
    assert [k.x for k in relu_sin.kinks] == pytest.approx(
        [k * np.pi for k in range(-15, 16)], abs=1e-13)  # the default window, [-50, 50]


def test_catalog_kinks_in_and_pieces_in_filter_and_clip():
    hardtanh = actviz.get("hardtanh")
    assert [k.x for k in hardtanh.kinks_in(0, 5)] == [1.0]
    assert [k.x for k in hardtanh.kinks_in(-1, 1)] == [-1.0, 1.0]
    assert hardtanh.pieces_in(0, 5) == (actviz.catalog.Piece(0.0, 1.0, 1.0),
                                        actviz.catalog.Piece(1.0, 5.0, 0.0))
    assert hardtanh.kinks_exact


# --- limits --------------------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "limits"), [
    ("x*tanh(softplus(x))", ((0, INF), (0, 1), (0, 0))),
    ("relu(x)**2", ((0, INF), (0, INF), (0, 2))),
    ("x/(1 + abs(x))", ((-1, 1), (0, 0), (0, 0))),
    ("sqrt(abs(x))", ((INF, INF), (0, 0), (0, 0))),  # f' -> 0 only like x^(-1/2)
    ("exp(-x)", ((INF, 0), (-INF, 0), (INF, 0))),
    ("sin(x)/x", ((0, 0), (0, 0), (0, 0))),
    ("elu(x, alpha=2)", ((-2, INF), (0, 1), (0, 0))),
])
def test_limits_at_infinity(spec, limits):
    assert actviz.get(spec).limits == limits


@pytest.mark.parametrize(("spec", "unknown"), [
    ("sin(x)", [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]),
    ("log(x)", [(0, 0), (1, 0), (2, 0)]),  # undefined for x < 0
    ("1 + 1/log(abs(x) + 2)", [(0, 0), (0, 1)]),  # converges too slowly to tell
])
def test_no_limit_is_invented(spec, unknown):
    limits = actviz.get(spec).limits
    for order, side in unknown:
        assert math.isnan(limits[order][side]), (order, side, limits)


# --- metadata ------------------------------------------------------------------------------

LATEX_FORMULAS = [
    "x*tanh(softplus(x))", "x*sigmoid(beta*x); beta=1.5", "max(x, 0)", "-x**2/(1 + abs(x))",
    "x^2^3", "(x + 1)*(x - 1)/2*3", "1e-5*x + 2.5e10", "exp(-x^2/2)/sqrt(2*pi)",
    "gelu(x, approximate=tanh)", "leaky_relu(2*x - 1, negative_slope=0.2)", "x - -x",
    "where(x > 0 and x < 1 or not x >= 3, x, -x)", "(where(x != 0, 1, 2))^2", "x**-1",
    "log1p(exp(x)) + expm1(x) + erfc(x) + cosh(x)", "elu(x, alpha=a); a=0.5",
]


@pytest.mark.parametrize("spec", LATEX_FORMULAS)
def test_formula_latex_parses_as_mathtext(spec):
    from matplotlib.mathtext import MathTextParser

    d = actviz.get(spec).definition
    for text in (d.latex, d.latex_d, d.symbol):
        MathTextParser("path").parse(f"${text}$")


def test_latex_is_built_from_the_tree():
    assert actviz.get("x*sigmoid(beta*x); beta=1.5").definition.latex == \
        r"f(x) = x\,\sigma\left(\beta\,x\right)"
    assert actviz.get("(x + 1)/2").definition.latex == r"f(x) = \frac{x + 1}{2}"
    assert actviz.get("x^2^3").definition.latex == "f(x) = {x}^{{2}^{3}}"


def test_describe_shows_the_formula():
    data = describe(actviz.get("x*sigmoid(beta*x); beta=1.5"))
    assert data["family"] == "formula" and data["title"] == "x*sigmoid(beta*x)"
    assert data["formula"]["f"] == "x*sigmoid(beta*x)"
    assert data["formula"]["derivative"].startswith("computed exactly from the formula")
    assert data["params"][0]["name"] == "beta" and data["params"][0]["value"] == 1.5
    assert data["reference"] is None and data["origin"] == "formula" and data["kinks_exact"]
    assert not describe(actviz.get("where(x^2 < 1, 0, x)"))["kinks_exact"]
    assert describe(actviz.get("relu"))["origin"] == "catalog"
    relu = describe(actviz.get("max(x, 0)"))
    assert relu["kinks"][0]["left"] == 0.0 and relu["kinks"][0]["right"] == 1.0
    assert relu["dead_zones"] == [[-INF, 0.0]]


def test_check_finite_says_where():
    act = actviz.get("log(x)")
    x = np.linspace(0, 1, 5)
    with pytest.raises(NotFiniteError) as info:
        act.check_finite(x)
    assert str(info.value) == ("'log(x)': f is not finite at x = 0 (it is -inf there); "
                               "choose a range where the function is defined")
    with pytest.raises(NotFiniteError, match=r"f'' is not finite at x = 0 \(it is inf"):
        actviz.check_finite(actviz.get("x^1.5"), np.array([1.0, 0.0]))
    with pytest.raises(NotFiniteError, match=r"f is not finite at x = -1 \(it is NaN"):
        actviz.get("sqrt(x)").check_finite(np.array([1.0, -1.0]), order=0)
    actviz.check_finite(act, np.linspace(0.5, 1, 5))
    actviz.check_finite(act, np.array([np.inf]))  # the limit there, not a finite x
    # the catalog is trusted: nothing is evaluated or looked at
    nan = (np.array([np.nan]),) * 3
    actviz.check_finite(actviz.get("relu"), np.array([1.0]), nan)


# --- errors and hostile input --------------------------------------------------------------

def test_errors_point_into_the_formula():
    with pytest.raises(FormulaError) as info:
        actviz.get("x*tanh(sofplus(x))")
    assert str(info.value) == ("in 'x*tanh(sofplus(x))': unknown function 'sofplus' at "
                               "column 8. Did you mean 'softplus'?")
    cases = {
        "x*(1 + x": "in 'x*(1 + x': '(' is never closed at column 3; add ')'",
        "x) + 1": "in 'x) + 1': unbalanced ')' at column 2.",
        "x*sigmoid(beta*x)": "in 'x*sigmoid(beta*x)': unknown name 'beta' at column 11; a "
        "formula is in x, and a parameter needs a default after ';' (as in '...; beta=1')",
        "x*sigmoid(beta*x); beta=abc": "in 'x*sigmoid(beta*x); beta=abc': the parameter "
        "'beta' must be a number, got 'abc' at column 25.",
        "2x": "in '2x': expected an operator before 'x' at column 2; write * for a product, "
        "as in 2*x",
        "x > 0": "in 'x > 0': a comparison can only be the condition of where(condition, a, "
        "b) at column 1.",
        "elu(x, beta=1)": "in 'elu(x, beta=1)': elu has no parameter 'beta'. It takes: alpha "
        "(default 1) at column 8.",
        "x if x > 0 else 0": "in 'x if x > 0 else 0': 'if' is not allowed at column 3; write "
        "where(condition, a, b)",
        "x/0": "in 'x/0': division by 0 at column 3.",
    }
    for spec, message in cases.items():
        with pytest.raises(ActvizError) as info:
            actviz.get(spec)
        assert str(info.value) == message


HOSTILE = [
    "__import__('os').system('ls')",
    "__import__",
    "x.__class__",
    "x.real",
    "os.system('echo hi')",
    "().__class__.__bases__[0].__subclasses__()",
    "[x for x in range(10)]",
    "{x: 1}",
    "lambda x: x",
    "lambda: 1",
    "eval('1')",
    "exec('import os')",
    "open('/etc/passwd')",
    "getattr(x, 'y')",
    "globals()",
    "import os",
    "x if x else x",
    "'x'",
    "x; __x=1",
    "9**9**9**9",
    "2**10000*x",
    "1e999 * x",
    "x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x**x"
    "**x**x**x**x**x**x",
    "(" * 1000 + "x" + ")" * 1000,
    "-" * 5000 + "x",
    "x" * 100_000,
    "x+" * 50_000 + "x",
    "sigmoid(" * 40 + "x" + ")" * 40,
    "x*" * 600 + "x",
    "exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp("
    "exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(exp(x)))))))))))))))))))))))))))))))))",
    "x\\\nimport os",
    "x # comment",
    "x @ x",
    "`x`",
]


@pytest.mark.parametrize("spec", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_refused_with_one_line(spec):
    with pytest.raises(ActvizError) as info:
        actviz.get(spec)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400


def test_size_limits_are_enforced_before_the_work_grows():
    # Refused by length in constant time, by depth or size while parsing: the work is
    # bounded by MAX_LENGTH, MAX_DEPTH and MAX_NODES, whatever the input.
    from actviz.formula import syntax as _formula

    with pytest.raises(SpecError, match="at most 4096 characters long, got 100000"):
        actviz.get("x" * 100_000)
    with pytest.raises(FormulaError, match="nests more than 32 levels deep at column 33"):
        actviz.get("(" * 1000 + "x" + ")" * 1000)
    with pytest.raises(FormulaError, match="more than 500 parts"):
        actviz.get("x*" * 600 + "x")
    with pytest.raises(FormulaError, match=r"the exponent 387420489 is too large"):
        actviz.get("9**9**9**9")
    assert _formula.MAX_DEPTH * 12 < 1000  # parser frames per level: far from the stack limit


# --- property-based ------------------------------------------------------------------------

FORMULA_CHARS = "x+-*/^()0123456789.,<>=! abcdefghijklmnopqrstuvwxyz_;e'\"[]:@&|"


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(FORMULA_CHARS, max_size=40), st.text(max_size=30)))
def test_random_text_gives_a_function_or_an_actviz_error(text):
    try:
        act = actviz.get(text)
    except ActvizError as exc:
        message = str(exc)
    else:
        message = ""
    assert "\n" not in message
    if message:
        return
    outs = act.evaluate(np.array([-2.0, 0.0, 0.5, np.inf]), 2)
    # a catalog name may come up too: crelu has two outputs per input
    shape = (4,) if act.definition.outputs == 1 else (4, act.definition.outputs)
    assert all(out.shape == shape for out in outs)


UNARY = {
    "exp": mp.exp, "tanh": mp.tanh, "sigmoid": _sigmoid,
    "softplus": lambda u: mp.log1p(mp.exp(u)), "arctan": mp.atan, "erf": mp.erf,
    "sin": mp.sin, "cos": mp.cos, "silu": lambda u: u * _sigmoid(u),
}


def _trees():
    leaf = st.one_of(st.just(("x",)),
                     st.sampled_from([0.5, 1.5, 2.0, 3.0, 0.25]).map(lambda c: ("c", c)))
    return st.recursive(leaf, lambda kids: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), kids, kids),
        st.tuples(st.just("neg"), kids),
        st.tuples(st.just("square"), kids),
        st.tuples(st.sampled_from(sorted(UNARY)), kids)), max_leaves=6)


def _text(node) -> str:
    kind = node[0]
    if kind == "x":
        return "x"
    if kind == "c":
        return repr(node[1])
    if kind in "+-*/":
        return f"({_text(node[1])}) {kind} ({_text(node[2])})"
    if kind == "neg":
        return f"-({_text(node[1])})"
    if kind == "square":
        return f"({_text(node[1])})^2"
    return f"{kind}({_text(node[1])})"


def _mp_function(node):
    kind = node[0]
    if kind == "x":
        return lambda t: t
    if kind == "c":
        value = node[1]
        return lambda t: mp.mpf(value)
    if kind in "+-*/":
        a, b = _mp_function(node[1]), _mp_function(node[2])
        return {"+": lambda t: a(t) + b(t), "-": lambda t: a(t) - b(t),
                "*": lambda t: a(t) * b(t), "/": lambda t: a(t) / b(t)}[kind]
    inner = _mp_function(node[1])
    if kind == "neg":
        return lambda t: -inner(t)
    if kind == "square":
        return lambda t: inner(t) ** 2
    g = UNARY[kind]
    return lambda t: g(inner(t))


def _magnitude(node, t):
    """(exact jet, jet of the magnitudes of every term, worst amplification of a relative
    rounding error on the way): used only to skip points where float64 cannot be close
    (cancellation), never as the reference."""
    kind = node[0]
    if kind == "x":
        return [t, 1, 0], [abs(t), 1, 0], 1
    if kind == "c":
        c = mp.mpf(node[1])
        return [c, 0, 0], [abs(c), 0, 0], 1
    if kind in "+-":
        (ja, ma, ka), (jb, mb, kb) = _magnitude(node[1], t), _magnitude(node[2], t)
        sign = 1 if kind == "+" else -1
        jet = [a + sign * b for a, b in zip(ja, jb, strict=True)]
        mag = [a + b for a, b in zip(ma, mb, strict=True)]
        cancel = mag[0] / abs(jet[0]) if jet[0] else mp.inf
        return jet, mag, max(ka, kb) * cancel
    if kind in ("*", "/", "square"):
        ja, ma, ka = _magnitude(node[1], t)
        if kind == "square":
            jb, mb, kb = ja, ma, ka
        elif kind == "*":
            jb, mb, kb = _magnitude(node[2], t)
        else:
            jw, mw, kb = _magnitude(node[2], t)
            if jw[0] == 0:
                return [mp.inf] * 3, [mp.inf] * 3, mp.inf
            inv = [1 / jw[0], -jw[1] / jw[0] ** 2, 2 * jw[1] ** 2 / jw[0] ** 3 - jw[2] / jw[0] ** 2]
            jb = inv
            mb = [abs(inv[0]), mw[1] / jw[0] ** 2,
                  2 * mw[1] ** 2 / abs(jw[0]) ** 3 + mw[2] / jw[0] ** 2]
        jet = [ja[0] * jb[0], ja[1] * jb[0] + ja[0] * jb[1],
               ja[2] * jb[0] + 2 * ja[1] * jb[1] + ja[0] * jb[2]]
        mag = [ma[0] * mb[0], ma[1] * mb[0] + ma[0] * mb[1],
               ma[2] * mb[0] + 2 * ma[1] * mb[1] + ma[0] * mb[2]]
        return jet, mag, max(ka, kb)
    ju, mu, ku = _magnitude(node[1], t)
    if kind == "neg":
        return [-v for v in ju], mu, ku
    g = UNARY[kind]
    gs = [mp.diff(g, ju[0], k) for k in range(3)]
    jet = [gs[0], gs[1] * ju[1], gs[2] * ju[1] ** 2 + gs[1] * ju[2]]
    mag = [abs(gs[0]), abs(gs[1]) * mu[1], abs(gs[2]) * mu[1] ** 2 + abs(gs[1]) * mu[2]]
    amplify = abs(ju[0] * gs[1] / gs[0]) if gs[0] else mp.inf
    return jet, mag, ku * max(1, amplify)


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_trees())
def test_random_expression_trees_agree_with_mpmath(tree):
    text = _text(tree)
    try:
        act = actviz.get(text)
    except ActvizError:
        return  # a constant part that is not finite (division by 0), refused
    reference = _mp_function(tree)
    xs = np.array([-2.3, -0.6, 0.4, 1.7])
    outs = act.evaluate(xs, 2)
    for i, x in enumerate(xs):
        with mp.workdps(40):
            try:
                _, magnitude, amplify = _magnitude(tree, mp.mpf(x))
                exact = [reference(mp.mpf(x))] + [mp.diff(reference, mp.mpf(x), k)
                                                 for k in (1, 2)]
            except (ZeroDivisionError, OverflowError):
                continue
            for k in range(3):
                ours = float(outs[k][i])
                if magnitude[k] == 0:  # every term is exactly 0: so must the result be
                    assert ours == 0, (text, x, k, ours)
                    continue
                if not math.isfinite(ours) or not mp.isfinite(exact[k]) or exact[k] == 0:
                    continue
                if amplify > 1e4 or magnitude[k] > 1e4 * abs(exact[k]):
                    continue  # ill-conditioned in float64: no value could be close
                assert abs(ours - exact[k]) <= 1e-9 * abs(exact[k]), (text, x, k, ours,
                                                                      exact[k])


@pytest.mark.parametrize(("inner", "inverse"), [("x**3", np.cbrt), ("x**3 + 0*x", np.cbrt),
                                                 ("sinh(x)", np.arcsinh)])
def test_every_kink_of_a_composition_is_found(inner, inverse):
    """abs(u - k) for k = 1..7 of a non-linear u: seven kinks at u^-1(k). (The search once
    cached results by id() of temporary nodes, and a freed node's id could hand its result
    to a new one: kinks went missing depending on memory.)"""
    spec = " + ".join(f"abs({inner} - {k})" for k in range(1, 8))
    kinks = [k.x for k in actviz.get(spec).kinks]
    np.testing.assert_allclose(kinks, inverse(np.arange(1.0, 8.0)), rtol=1e-12)


@pytest.mark.parametrize(("spec", "x", "slope"), [
    ("abs(x)", 0.0, 0.0), ("abs(x - 1)", 1.0, 0.0), ("abs(2*x)", 0.0, 0.0),
    ("x + abs(x)", 0.0, 1.0), ("abs(sin(x))", 0.0, 0.0), ("3*abs(x) - x", 0.0, -1.0)])
def test_abs_has_the_derivative_pytorch_gives_at_0(spec, x, slope):
    """PyTorch, tools/autograd/derivatives.yaml: abs's backward is grad * self.sgn(), and
    sgn(0) = 0, so abs'(0) = 0 (not 1, not -1), in every evaluation order and inside a
    composition."""
    act = actviz.get(spec)
    for order in (1, 2):
        assert act.evaluate(np.array([x, x]), order)[1].tolist() == [slope, slope]
    assert any(kink["x"] == x for kink in describe(act)["kinks"])
