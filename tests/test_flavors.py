"""Flavors at kinks: each flavor returns its framework's f' and f'' at the kinks.

The expected values are the frameworks' own outputs, measured in float64 with torch 2.13,
Keras 3.15.1 (JAX backend) and JAX 0.10.2, f'' by nested autograd (``jax.grad(jax.grad(f))``,
``torch.autograd.grad`` with ``create_graph=True`` twice); ``tools/frameworks_at_kinks.py``
measures them again. The frameworks are not needed here: the numbers are constants, each with
the source that fixes it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import actviz
from actviz.catalog import FLAVORS, REGISTRY, definition, describe, instantiate
from actviz.catalog._core import CHUNK

from .helpers import invoke

SCALE_ALPHA = 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717

MEASURED = [
    # (spec, flavor, x, f'(x), f''(x)), as the frameworks return them
    # jax/_src/nn/functions.py leaky_relu: jnp.where(x >= 0, x, negative_slope * x); the
    # gradient of jnp.where is the branch taken (jax/_src/lax/lax.py _select_jvp). Keras:
    # keras/src/backend/jax/nn.py leaky_relu -> jax.nn.leaky_relu.
    ("leaky_relu", "jax", 0.0, 1.0, 0.0),
    ("leaky_relu", "keras", 0.0, 1.0, 0.0),  # slope 0.2 there
    ("leaky_relu:negative_slope=0.2", "jax", 0.0, 1.0, 0.0),
    ("leaky_relu:negative_slope=2", "jax", 0.0, 1.0, 0.0),
    ("leaky_relu:negative_slope=2", "keras", 0.0, 1.0, 0.0),
    ("leaky_relu", "torch", 0.0, 0.01, 0.0),  # LeakyReluBackward0
    # keras/src/layers/activations/prelu.py PReLU.call: relu(x) - alpha * relu(-x), jax.nn.relu
    # with relu'(0) = 0 (its custom_jvp): 0 whatever the weight. jax.nn has no prelu.
    ("prelu", "keras", 0.0, 0.0, 0.0),
    ("prelu:weight=0.25", "keras", 0.0, 0.0, 0.0),
    ("prelu", "torch", 0.0, 0.25, 0.0),  # PreluKernelBackward0
    # jax/_src/nn/functions.py hard_tanh: jnp.where(x > 1, 1, jnp.where(x < -1, -1, x)): x's
    # gradient at +-1; Keras's hard_tanh is jax.nn.hard_tanh
    ("hardtanh", "jax", -1.0, 1.0, 0.0), ("hardtanh", "jax", 1.0, 1.0, 0.0),
    ("hardtanh", "keras", -1.0, 1.0, 0.0), ("hardtanh", "keras", 1.0, 1.0, 0.0),
    ("hardtanh", "torch", 1.0, 0.0, 0.0),  # HardtanhBackward0
    # jax/_src/nn/functions.py elu: jnp.where(x > 0, x, alpha * jnp.expm1(...)): the left branch,
    # also for f''; PyTorch's elu_double_backward takes x < 0 only (f''(0) = 0)
    ("elu", "jax", 0.0, 1.0, 1.0), ("elu", "keras", 0.0, 1.0, 1.0), ("elu", "torch", 0.0, 1.0, 0.0),
    ("elu:alpha=0.5", "jax", 0.0, 0.5, 0.5), ("elu:alpha=3", "keras", 0.0, 3.0, 3.0),
    ("elu:alpha=0", "jax", 0.0, 0.0, 0.0),
    # jax/_src/nn/functions.py selu: scale * elu(x, alpha)
    ("selu", "jax", 0.0, SCALE_ALPHA, SCALE_ALPHA),
    ("selu", "keras", 0.0, SCALE_ALPHA, SCALE_ALPHA),
    ("selu", "torch", 0.0, SCALE_ALPHA, 0.0),
    # jax/_src/nn/functions.py celu: jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0)
    # / alpha); max and min split a tie's gradient 1/2-1/2 (jax/_src/lax/lax.py _balanced_eq)
    ("celu", "jax", 0.0, 1.0, 0.25), ("celu", "keras", 0.0, 1.0, 0.25),
    ("celu:alpha=2", "jax", 0.0, 1.0, 0.125), ("celu:alpha=3", "jax", 0.0, 1.0, 0.25 / 3.0),
    ("celu:alpha=0.1", "keras", 0.0, 1.0, 2.5), ("celu", "torch", 0.0, 1.0, 0.0),
    # jax/_src/nn/functions.py soft_sign: x / (jnp.abs(x) + 1); jnp.abs's jvp is
    # select(x >= 0, g, -g) (jax/_src/lax/lax.py _abs_jvp_rule): |x|' = 1 at 0
    ("softsign", "jax", 0.0, 1.0, -2.0), ("softsign", "keras", 0.0, 1.0, -2.0),
    ("softsign", "torch", 0.0, 1.0, 0.0),
    # jax/_src/nn/functions.py sparse_sigmoid: 0.5 * jnp.clip(x + 1.0, 0.0, 2.0), a tie of the
    # clip takes half; Keras 3 on PyTorch (the torch flavor): torch.where, 0
    ("sparse_sigmoid", "jax", -1.0, 0.25, 0.0), ("sparse_sigmoid", "jax", 1.0, 0.25, 0.0),
    ("sparse_sigmoid", "keras", -1.0, 0.25, 0.0), ("sparse_sigmoid", "keras", 1.0, 0.25, 0.0),
    ("sparse_sigmoid", "torch", 1.0, 0.0, 0.0),
    # keras/src/activations/activations.py ReLU.static_call, JAX backend: jnp.clip at max_value
    # takes half; max_value = 6 with no threshold calls jax.nn.relu6 (0 at 6); the threshold's
    # where and relu give 0
    ("relu:max_value=3", "keras", 3.0, 0.5, 0.0), ("relu:max_value=3", "keras", 0.0, 0.0, 0.0),
    ("relu:max_value=3", "torch", 3.0, 1.0, 0.0),  # Keras on PyTorch: torch.clamp keeps ends
    ("relu:negative_slope=0.2,max_value=3", "keras", 3.0, 0.5, 0.0),
    ("relu:negative_slope=0.2,max_value=3", "keras", 0.0, 0.0, 0.0),
    ("relu:negative_slope=0.2,threshold=1,max_value=3", "keras", 1.0, 0.0, 0.0),
    ("relu:negative_slope=0.2,threshold=1,max_value=3", "keras", 3.0, 0.5, 0.0),
    ("relu:negative_slope=-0.5,threshold=0.5,max_value=2", "keras", 2.0, 0.5, 0.0),
    ("relu:threshold=1,max_value=1.5", "keras", 1.5, 0.5, 0.0),
    ("relu:threshold=1", "keras", 1.0, 0.0, 0.0),
    ("relu:negative_slope=0.2,max_value=6", "keras", 6.0, 0.0, 0.0),
    ("relu:max_value=6", "keras", 6.0, 0.0, 0.0),  # relu6
    ("relu:negative_slope=0.2", "keras", 0.0, 1.0, 0.0),  # jax.nn.leaky_relu
    # the same in all three: jax.nn.relu and relu6's custom_jvp (lax.select, 0 at the kinks);
    # hard_sigmoid = relu6(x + 3.) / 6.; hard_silu = x * hard_sigmoid(x); sparse_plus's where;
    # keras/src/backend/jax/nn.py soft_shrink, hard_shrink and threshold (jnp.where)
    ("relu", "jax", 0.0, 0.0, 0.0), ("relu", "keras", 0.0, 0.0, 0.0),
    ("relu6", "jax", 0.0, 0.0, 0.0), ("relu6", "jax", 6.0, 0.0, 0.0),
    ("relu6", "keras", 6.0, 0.0, 0.0),
    ("hard_sigmoid", "jax", -3.0, 0.0, 0.0), ("hard_sigmoid", "keras", 3.0, 0.0, 0.0),
    ("hard_swish", "jax", -3.0, 0.0, 0.0), ("hard_swish", "jax", 3.0, 1.0, 0.0),
    ("hard_swish", "keras", 3.0, 1.0, 0.0),
    ("sparse_plus", "jax", -1.0, 0.0, 0.0), ("sparse_plus", "keras", 1.0, 1.0, 0.0),
    ("softshrink", "keras", 0.5, 0.0, 0.0), ("softshrink", "keras", -0.5, 0.0, 0.0),
    ("hardshrink", "keras", 0.5, 0.0, 0.0), ("hardshrink:lambd=1", "keras", -1.0, 0.0, 0.0),
    ("threshold", "keras", 1.0, 0.0, 0.0),
    ("threshold:threshold=2,value=-1", "keras", 2.0, 0.0, 0.0),
]


def _at(spec: str, flavor: str, x: float) -> tuple[float, float]:
    _, d1, d2 = actviz.get(spec, flavor=flavor).evaluate(x, 2)
    return float(d1), float(d2)


@pytest.mark.parametrize(("spec", "flavor", "x", "d1", "d2"), MEASURED)
def test_each_flavor_returns_its_frameworks_values_at_kinks(spec, flavor, x, d1, d2):
    act = actviz.get(spec, flavor=flavor)
    assert _at(spec, flavor, x) == (d1, d2)
    assert float(act.derivative(x)) == d1  # f' alone takes the same path
    assert float(act.second_derivative(x)) == d2
    assert float(act.evaluate(np.array([x]), 1)[1][0]) == d1


# What a flavor keeps where its framework has no such function: the torch flavor's values
LACKS = [
    ("rrelu", "jax", "jax.nn has no rrelu"), ("rrelu", "keras", "Keras 3 has no rrelu"),
    ("prelu", "jax", "jax.nn has no prelu"),
    ("hardtanh:min_val=-2,max_val=3", "jax", "jax.nn.hard_tanh has no min_val or max_val"),
    ("hardtanh:min_val=-2,max_val=3", "keras",
     "keras.activations.hard_tanh has no min_val or max_val"),
    ("relu:max_value=3", "jax", "jax.nn.relu takes no negative_slope, max_value or threshold"),
    ("softshrink", "jax", "jax.nn has no shrinkage functions"),
    ("hardshrink", "jax", "jax.nn has no shrinkage functions"),
    ("threshold", "jax", "jax.nn has no threshold"),
    ("relu_squared", "keras", "Keras 3 has no squared ReLU"),
    ("elish", "jax", "jax.nn has no elish"), ("isrlu", "keras", "Keras 3 has no isrlu"),
    ("binary_step", "jax", "jax.nn has no step function"), ("sign", "keras", "has no sign"),
    ("crelu", "jax", "jax.nn has no crelu"),
]


@pytest.mark.parametrize(("spec", "flavor", "why"), LACKS)
def test_a_framework_without_the_function_keeps_pytorchs_values(spec, flavor, why):
    act = actviz.get(spec, flavor=flavor)
    torch = instantiate(act.definition, act.params, "torch")
    xs = np.array([k.x for k in act.kinks])
    for mine, theirs in zip(act.evaluate(xs, 2), torch.evaluate(xs, 2), strict=True):
        assert np.array_equal(mine, theirs)
    assert act.at_kinks is not None and why in act.at_kinks.lacks
    assert act == torch and act.kinks == torch.kinks
    out = invoke("info", spec, "--flavor", flavor).output
    assert "the torch flavor's values" in " ".join(out.split())
    assert why in " ".join(out.split())


def _flavored_specs() -> list[str]:
    """Every catalog function at its defaults, and parameters that take other code paths."""
    return [
        *(n for n in sorted(REGISTRY) if REGISTRY[n].origin == "catalog"),
        "relu:max_value=3", "relu:threshold=1", "relu:negative_slope=0.2,max_value=3",
        "relu:negative_slope=0.2,threshold=1,max_value=3", "relu:negative_slope=1,max_value=3",
        "relu:negative_slope=-0.5,threshold=0.5,max_value=2", "relu:threshold=1,max_value=6",
        "leaky_relu:negative_slope=1", "leaky_relu:negative_slope=-2", "prelu:weight=1",
        "rrelu:lower=1,upper=1", "hardtanh:min_val=-2,max_val=3", "elu:alpha=0",
        "elu:alpha=2.5", "celu:alpha=1e-300", "celu:alpha=7", "softshrink:lambd=0",
        "hardshrink:lambd=2", "threshold:threshold=-1,value=-1",
    ]


FLAVORED = _flavored_specs()


@pytest.mark.parametrize("spec", FLAVORED)
def test_the_kernel_computes_the_torch_table(spec):
    """The torch flavor's table states what the kernel computes, at every kink."""
    act = actviz.get(spec)
    at = act.at_kinks
    if act.definition.at_kinks is None:
        assert not act.kinks, f"{spec} has kinks but no values at kinks for each flavor"
        return
    assert at is not None and not at.lacks
    for x, d1, d2 in at.values:
        assert _at(spec, "torch", x) == (d1, d2), (spec, x)
    assert all(k.source == at.label for k in act.kinks), spec  # the kinks name it


@pytest.mark.parametrize("spec", FLAVORED)
def test_every_table_covers_exactly_the_kinks_and_cites_a_source(spec):
    act = actviz.get(spec)
    d = act.definition
    if d.at_kinks is None:
        return
    tables = d.at_kinks(act.params)
    assert set(tables) == set(FLAVORS)
    xs = sorted(k.x for k in act.kinks)
    for flavor, table in tables.items():
        if table.lacks:
            assert not table.values and not table.source, (spec, flavor)
            continue
        assert table.source, (spec, flavor)
        if d.outputs == 1:
            assert sorted(v[0] for v in table.values) == xs, (spec, flavor)
        if flavor != "torch":  # a file and a function of the framework
            assert re.search(r"(jax/_src|keras/src)/\S+\.py \w+", table.source), table.source


def test_kinks_name_the_flavors_framework():
    assert [k.source for k in actviz.get("leaky_relu", flavor="jax").kinks] == ["JAX autograd"]
    assert [k.source for k in actviz.get("elu", flavor="keras").kinks] == [
        "Keras 3 autograd, JAX backend"]
    assert [k.source for k in actviz.get("rrelu", flavor="jax").kinks] == ["PyTorch autograd"]
    assert [k.source for k in actviz.get("relu", flavor="jax").kinks] == ["JAX autograd"]


def test_the_torch_flavor_changes_nothing_in_the_kernels():
    """No value is put after the kernel for the default flavor (it pays nothing)."""
    for name in actviz.names():
        assert actviz.get(name)._overrides == (), name


def test_only_the_exact_kink_changes_in_arrays_of_every_size():
    """In arrays longer than a block (several blocks, each with the kink at its edges and
    inside), with +-inf and NaN around: the flavor's value at the kink, the torch flavor's
    everywhere else, in f alone, with f', and all three."""
    n = 3 * CHUNK + 5
    xs = np.linspace(-4.0, 4.0, n)
    where = [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK + 7, n - 1]
    for spec, kink in (("leaky_relu", 0.0), ("hardtanh", 1.0), ("elu:alpha=0.5", 0.0),
                       ("softsign", 0.0), ("sparse_sigmoid", -1.0), ("relu:max_value=3", 3.0)):
        x = xs.copy()
        x[where] = kink
        x[[2, CHUNK + 1]] = [np.inf, np.nan]
        x[CHUNK + 2] = -np.inf
        for flavor in ("keras", "jax"):
            act = actviz.get(spec, flavor=flavor)
            torch = instantiate(act.definition, act.params, "torch")
            ours, theirs = act.evaluate(x, 2), torch.evaluate(x, 2)
            d1, d2 = _at(spec, flavor, kink)
            hit = x == kink
            np.testing.assert_array_equal(ours[0], theirs[0])
            np.testing.assert_array_equal(ours[1][~hit], theirs[1][~hit])
            np.testing.assert_array_equal(ours[2][~hit], theirs[2][~hit])
            assert (ours[1][hit] == d1).all() and (ours[2][hit] == d2).all()
            np.testing.assert_array_equal(act.evaluate(x, 1)[1], ours[1])
            np.testing.assert_array_equal(act(x), theirs[0])
            assert np.isnan(ours[1][CHUNK + 1]) and np.isnan(ours[2][CHUNK + 1])
            assert ours[1][2] == torch.limits[1][1] and ours[1][CHUNK + 2] == \
                torch.limits[1][0]
            shaped = act.evaluate(x[:12].reshape(3, 4), 2)
            assert shaped[1].shape == (3, 4)
            np.testing.assert_array_equal(shaped[1].ravel(), ours[1][:12])


@settings(max_examples=200, deadline=None)
@given(x=st.floats(allow_nan=True, allow_infinity=True),
       alpha=st.floats(min_value=1e-3, max_value=1e3),
       flavor=st.sampled_from(("keras", "jax")),
       name=st.sampled_from(("elu", "celu", "leaky_relu", "softsign", "hardtanh", "selu",
                             "sparse_sigmoid", "prelu", "relu")))
def test_a_flavor_differs_from_torch_only_at_its_kinks(x, alpha, flavor, name):
    param = {"elu": "alpha", "celu": "alpha", "leaky_relu": "negative_slope",
             "prelu": "weight", "relu": "max_value"}.get(name)
    params = {param: alpha} if param else {}
    act = actviz.get(name, flavor=flavor, **params)
    torch = instantiate(act.definition, act.params, "torch")
    ours, theirs = act.evaluate(np.array([x]), 2), torch.evaluate(np.array([x]), 2)
    if x in [k.x for k in act.kinks]:
        return
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_parameterised_kink_values_follow_the_parameters():
    for alpha in (1e-300, 0.1, 3.0, 1e300):
        assert _at(f"celu:alpha={alpha!r}", "jax", 0.0) == (1.0, 0.25 / alpha)
        assert _at(f"elu:alpha={alpha!r}", "keras", 0.0) == (alpha, alpha)
    for slope in (-3.0, 0.0, 0.5, 7.0):
        assert _at(f"leaky_relu:negative_slope={slope!r}", "jax", 0.0) == (1.0, 0.0)
        assert _at(f"prelu:weight={slope!r}", "keras", 0.0) == (0.0, 0.0)
    for lam in (0.25, 3.0):
        for x in (-lam, lam):
            assert _at(f"softshrink:lambd={lam}", "keras", x) == (0.0, 0.0)


def test_a_flavor_is_part_of_the_functions_identity():
    jax_leaky, torch_leaky = actviz.get("leaky_relu", flavor="jax"), actviz.get("leaky_relu")
    assert jax_leaky != torch_leaky and hash(jax_leaky) != hash(torch_leaky)
    assert jax_leaky.params == torch_leaky.params and jax_leaky.spec == torch_leaky.spec
    # the same values at the kinks: the same function
    assert actviz.get("relu", flavor="jax") == actviz.get("relu")
    assert actviz.get("rrelu", flavor="keras") == actviz.get("rrelu")
    for spec, flavor in (("leaky_relu", "jax"), ("leaky_relu", "keras"),
                         ("prelu:weight=0.25", "keras"), ("elu:alpha=2", "jax")):
        act = actviz.get(spec, flavor=flavor)
        text = repr(act)
        assert text.endswith(f", flavor={flavor!r})")
        name, _, _ = text.removeprefix("actviz.get(").partition(", flavor=")
        assert actviz.get(name.strip("'"), flavor=flavor) == act
    assert repr(actviz.get("prelu:weight=0.25", flavor="keras")) == \
        "actviz.get('prelu:weight=0.25', flavor='keras')"
    assert repr(actviz.get("relu", flavor="jax")) == "actviz.get('relu')"
    # keras's prelu starts at weight 0, where the layer's 0 at 0 is PyTorch's too
    assert repr(actviz.get("prelu", flavor="keras")) == "actviz.get('prelu:weight=0')"


def test_formulas_keep_one_convention_and_their_catalog_calls_follow_the_flavor():
    for flavor in FLAVORS:
        # abs'(0) = 0, max and min take the second argument at a tie, where the branch chosen
        assert _at("abs(x)", flavor, 0.0) == (0.0, 0.0)
        assert _at("max(x, 0)", flavor, 0.0) == (0.0, 0.0)
        assert _at("min(x, 0)", flavor, 0.0) == (0.0, 0.0)
        assert _at("where(x >= 0, x, 0.01*x)", flavor, 0.0) == (1.0, 0.0)
        assert _at("where(x > 0, x, 0.01*x)", flavor, 0.0) == (0.01, 0.0)
    assert _at("leaky_relu(x)", "jax", 0.0) == (1.0, 0.0)
    assert _at("leaky_relu(x)", "torch", 0.0) == (0.01, 0.0)
    assert _at("2*elu(x - 1)", "keras", 1.0) == (2.0, 2.0)
    assert _at("2*elu(x - 1)", "torch", 1.0) == (2.0, 0.0)
    assert _at("softsign(3*x)", "jax", 0.0) == (3.0, -18.0)
    jax_elu = actviz.get("elu(x)", flavor="jax")
    assert jax_elu != actviz.get("elu(x)") and hash(jax_elu) != hash(actviz.get("elu(x)"))
    assert [k.source for k in jax_elu.kinks] == ["elu: JAX autograd"]
    data = describe(actviz.get("abs(x)", flavor="jax"))["at_kinks"]
    assert data["source"].startswith("a formula's own abs, min, max and where follow one "
                                     "convention in every flavor")


# --- actviz info ------------------------------------------------------------------------------

def test_info_shows_the_values_at_kinks_and_their_source():
    out = invoke("info", "leaky_relu", "--flavor", "jax").output
    assert "x = 0: kink, f' jumps from 0.01 to 1; f'(0) = 1 (JAX autograd)" in out
    flat = " ".join(out.split())
    assert "at kinks jax: f'(0) = 1, f''(0) = 0" in flat
    assert ("(jax/_src/nn/functions.py leaky_relu: jnp.where(x >= 0, x, negative_slope * x), "
            "whose gradient is the branch taken (jax/_src/lax/lax.py _select_jvp): x at 0)") in flat
    assert "torch: f'(0) = 0.01, f''(0) = 0; keras: f'(0) = 1, f''(0) = 0" in flat
    flat = " ".join(invoke("info", "softsign", "--flavor", "keras").output.split())
    assert "keras: f'(0) = 1, f''(0) = -2" in flat
    assert "keras/src/backend/jax/nn.py softsign -> jax/_src/nn/functions.py soft_sign" in flat
    assert "jax/_src/lax/lax.py _abs_jvp_rule" in flat
    flat = " ".join(invoke("info", "relu:max_value=3", "--flavor", "keras").output.split())
    assert "f'(3) = 0.5 (Keras 3 autograd, JAX backend)" in flat
    assert "jnp.clip's tie takes half the gradient" in flat
    flat = " ".join(invoke("info", "elu").output.split())
    assert "at kinks torch: f'(0) = 1, f''(0) = 0 (torch.nn.functional.elu, EluBackward0" in flat
    assert "keras: f'(0) = 1, f''(0) = 1; jax: f'(0) = 1, f''(0) = 1" in flat
    assert "at kinks" not in invoke("info", "sigmoid").output


def test_the_flavor_options_help_says_what_it_changes():
    text = " ".join(invoke("info", "--help").output.split())
    assert "Whose defaults and values at kinks to use where frameworks differ" in text
    assert actviz.get("leaky_relu", flavor="keras").params["negative_slope"] == 0.2
    assert actviz.get("gelu", flavor="jax").params["approximate"] == "tanh"
    for flavor in ("keras", "jax"):
        assert _at("leaky_relu", flavor, 0.0)[0] == 1.0


def test_info_json_has_the_values_at_kinks_of_every_flavor():
    import json

    data = json.loads(invoke("info", "celu:alpha=2", "--flavor", "jax", "-f", "json").output)
    at = data["at_kinks"]
    assert data["flavor"] == "jax" and at["flavor"] == "jax" and at["lacks"] == ""
    assert at["values"] == [{"x": 0.0, "derivative": 1.0, "second_derivative": 0.125}]
    assert at["source"].startswith("jax/_src/nn/functions.py celu:")
    assert at["flavors"]["torch"]["values"][0]["second_derivative"] == 0.0
    assert at["flavors"]["keras"]["values"][0]["second_derivative"] == 0.125
    assert data["kinks"][0]["source"] == "JAX autograd"
    rrelu = json.loads(invoke("info", "rrelu", "--flavor", "keras", "-f", "json").output)
    assert rrelu["at_kinks"]["lacks"] == "Keras 3 has no rrelu"
    assert rrelu["at_kinks"]["source"].startswith("torch.nn.functional.rrelu")


# --- the README's table of differences at kinks ------------------------------------------------

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
ROW = re.compile(r"^\| `([^`]+)` \| (f'{1,2})\((-?[\d.]+)\) \| (.+?) \| (.+?) \| (.+?) \|$",
                 re.M)


def _readme_rows() -> dict[tuple[str, int, float], list[str]]:
    section = README.split("## Flavors", 1)[1].split("\n## ", 1)[0]
    return {(spec, primes.count("'"), float(x)): [torch, keras, jax]
            for spec, primes, x, torch, keras, jax in ROW.findall(section)}


def _differences(spec: str) -> dict[tuple[str, int, float], list[float]]:
    """(spec, order, x) -> [torch, keras, jax] where the flavors differ at a kink, at the same
    parameters (the spec's, PyTorch's defaults elsewhere)."""
    act = actviz.get(spec)
    found = {}
    if not act.kinks or act.definition.outputs > 1:
        return found
    xs = np.array([k.x for k in act.kinks])
    outs = [instantiate(act.definition, act.params, f).evaluate(xs, 2) for f in FLAVORS]
    for i, x in enumerate(xs):
        for order in (1, 2):
            values = [float(out[order][i]) for out in outs]
            if len(set(values)) > 1:
                found[(spec, order, float(x))] = values
    return found


def test_the_readme_table_is_every_difference_at_kinks():
    rows = _readme_rows()
    assert len(rows) >= 11
    specs = {n for n in REGISTRY if definition(n).origin == "catalog"} | {
        spec for spec, _, _ in rows}
    found = {}
    for spec in sorted(specs):
        found.update(_differences(spec))
    assert set(rows) == set(found)
    for key, cells in rows.items():
        for cell, value in zip(cells, found[key], strict=True):
            number = float(cell.split()[0])
            assert math.isclose(number, value, rel_tol=1e-4, abs_tol=0.0), (key, cell, value)


def test_the_readmes_other_claims_about_kinks():
    # Keras's relu with max_value = 6 calls relu6: 0 at 6 (any other cap: 1/2)
    assert _at("relu:max_value=6", "keras", 6.0) == (0.0, 0.0)
    assert _at("relu:max_value=6.5", "keras", 6.5) == (0.5, 0.0)
    # hard_sigmoid and hard_swish: the same kinks, at +-3, and the same values there
    for name in ("hard_sigmoid", "hard_swish", "relu", "relu6", "sparse_plus", "softshrink",
                 "hardshrink", "threshold"):
        kinks = [k.x for k in actviz.get(name).kinks]
        assert all(actviz.get(name, flavor=f)._overrides == () for f in FLAVORS), name
        if name.startswith("hard_s"):
            assert kinks == [-3.0, 3.0]
    for approximate in ("none", "tanh"):
        assert actviz.get("gelu", approximate=approximate).kinks == ()
    assert _at("abs(x)", "jax", 0.0)[0] == 0.0
    for flavor in FLAVORS:  # x_2 = tau = 0 is the edge of the support
        sparsemax = actviz.get("sparsemax", flavor=flavor)
        assert sparsemax.derivative(np.array([1.0, 0.0])).tolist() == [0.0, 0.0]
    assert "0 in every flavor" in describe(actviz.get("sparsemax"))["flavor_note"]
