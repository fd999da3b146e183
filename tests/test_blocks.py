"""Evaluation in blocks: an array longer than CHUNK goes through the kernels block by block,
into preallocated output arrays where a kernel takes ``out=``. Every function, every
parameterised variant that takes another code path, every order on its own: the result must
be the one the same points give in small pieces, and each order's f (and f') must be the
other orders' f (f')."""

from __future__ import annotations

import numpy as np
import pytest

from actviz.catalog import REGISTRY, get
from actviz.catalog._core import CHUNK

# Specs whose kernels take a second code path (a branch on a parameter, a scaled input, an
# extra division, a different select), beside every catalog name with its defaults.
PARAMETERISED = [
    "gelu:approximate=tanh",
    "softplus:beta=2", "softplus:beta=0.25",
    "swish:beta=2", "swish:beta=0.5",
    "leaky_relu:negative_slope=0", "leaky_relu:negative_slope=1",
    "leaky_relu:negative_slope=-0.5", "leaky_relu:negative_slope=3",
    "leaky_relu:negative_slope=1e308",
    "prelu:weight=-2", "prelu:weight=2",
    "rrelu:lower=1,upper=3", "rrelu:lower=-1,upper=-0.5",
    "elu:alpha=0.5", "elu:alpha=0", "elu:alpha=3", "elu:alpha=1e300",
    "celu:alpha=2", "celu:alpha=0.25", "celu:alpha=1e300", "celu:alpha=1e-300",
    "hardtanh:min_val=-2,max_val=3", "hardtanh:min_val=0.5,max_val=0.75",
    "squareplus:b=1", "squareplus:b=100", "squareplus:b=5e-324",
    "isru:alpha=0.25", "isru:alpha=9", "isru:alpha=1e300",
    "isrlu:alpha=0.25", "isrlu:alpha=9",
    "softshrink:lambd=0", "softshrink:lambd=2",
    "hardshrink:lambd=0", "hardshrink:lambd=2",
    "threshold:threshold=0.5,value=-1", "threshold:threshold=-1,value=-1",
    "sinc:normalized=true",
    "smish:alpha=2,beta=0.5", "smish:alpha=0.5,beta=3", "smish:alpha=1e300",
    "relu:max_value=3", "relu:threshold=1", "relu:negative_slope=0.2,max_value=3",
    "relu:negative_slope=-0.5,max_value=2,threshold=0.5",
    "relu:negative_slope=0.2,threshold=1e300",
]
SPECS = sorted(REGISTRY) + PARAMETERISED

EXTREMES = np.array([np.inf, -np.inf, np.nan, 1e300, -1e300, 0.0, -0.0, 1e-300, -1e-300])


def _inputs() -> np.ndarray:
    """Three and a bit blocks of random values from -40 to 40, with the extremes scattered
    through them and placed on both sides of every block boundary."""
    rng = np.random.default_rng(20261205)
    x = rng.uniform(-40, 40, 3 * CHUNK + 101)
    spots = rng.choice(len(x), 300, replace=False)
    x[spots] = EXTREMES[np.arange(300) % len(EXTREMES)]
    for k, edge in enumerate((CHUNK, 2 * CHUNK, 3 * CHUNK)):
        x[edge - 2:edge + 2] = np.roll(EXTREMES, k)[:4]
    return x


X = _inputs()
PIECE = 1000  # well under CHUNK: one block, no out arrays


def _shaped(act, x: np.ndarray) -> np.ndarray:
    """Vector functions take rows of 7 (along the last axis), the others a flat array."""
    return x[: len(x) // 7 * 7].reshape(-1, 7) if act.definition.vector else x


def test_the_input_is_several_blocks_long():
    assert len(X) > 3 * CHUNK
    assert np.isnan(X).sum() > 30 and np.isinf(X).sum() > 60 and (np.abs(X) == 1e300).sum() > 60


def test_every_parameterised_spec_keeps_its_parameters():
    """Guard against a spec that silently reduces to a default (the test would then not
    reach the second code path)."""
    for spec in PARAMETERISED:
        act = get(spec)
        assert act.spec != act.name, spec


@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("spec", SPECS)
def test_blocks_give_what_small_pieces_give(spec, order):
    act = get(spec)
    x = _shaped(act, X)
    whole = act.evaluate(x, order)
    assert len(whole) == order + 1
    for k in range(order + 1):
        pieces = np.concatenate([act.evaluate(x[i:i + PIECE], order)[k]
                                 for i in range(0, len(x), PIECE)])
        np.testing.assert_array_equal(whole[k], pieces, err_msg=f"{spec} order {order} [{k}]")


@pytest.mark.parametrize("spec", SPECS)
def test_every_order_gives_the_same_f_and_f_prime(spec):
    act = get(spec)
    x = _shaped(act, X)
    (f0,), (f1, d1), (f2, d2, _) = (act.evaluate(x, order) for order in (0, 1, 2))
    np.testing.assert_array_equal(f0, f1)
    np.testing.assert_array_equal(f0, f2)
    np.testing.assert_array_equal(d1, d2)


@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("spec", [s for s in SPECS if get(s).definition.writes_out])
def test_kernels_that_take_out_write_every_result_there(spec, order):
    """A kernel that accepts ``out=`` must return the arrays it was given (evaluate copies a
    stray result as a safety net, but the point of ``out`` is to allocate nothing)."""
    act = get(spec)
    x = np.linspace(-50, 50, 1001)
    out = [np.full(len(x), -7.0) for _ in range(order + 1)]
    with np.errstate(all="ignore"):  # as evaluate runs the kernels
        results = act.definition.kernel(x, order, out=out, **act.params)
    assert len(results) == order + 1
    for k, (result, target) in enumerate(zip(results, out, strict=True)):
        assert result is target, (spec, order, k)


def test_a_kernel_that_allocates_despite_out_still_fills_the_blocks():
    """The safety net in evaluate, for kernels from plugins: a result that is not the given
    out array is copied into it."""
    from actviz.catalog import Definition
    from actviz.catalog._core import Activation

    def doubling(x, order, out=None):  # takes out= and ignores it
        return (2.0 * x, np.full_like(x, 2.0), np.zeros_like(x))[: order + 1]

    limits = ((-np.inf, np.inf), (2.0, 2.0), (0.0, 0.0))
    act = Activation(Definition("doubling", doubling, "Doubling", "linear", "D", "f(x) = 2x",
                                "f'(x) = 2", "2x", "2", lambda _p: limits), {})
    for order in (0, 1, 2):
        outs = act.evaluate(X, order)
        np.testing.assert_array_equal(outs[0], 2.0 * X)
        if order:
            np.testing.assert_array_equal(outs[1][~np.isnan(X)], 2.0)
