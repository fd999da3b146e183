"""ReLU-like functions: piecewise, identity (or a scaled identity) for positive inputs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

import numpy as np

from .._numbers import format_number
from . import _frameworks as fw
from ._core import AtKinks, Band, Family, Kink, Limits, Param, Piece, register
from ._math import at, choose, expm1_minus, fix, times_exp
from ._sigmoid import _isru_parts, _isru_second

TORCH = "PyTorch autograd"
INF = math.inf
RELU_KERAS_FORMS = {
    "latex": r"f(x) = \min(x, M)\ (x > \theta),\ \ a(x - \theta)\ (x \leq \theta)",
    "latex_d": r"f'(x) = 1\ (\theta < x < M),\ \ 0\ (x > M),\ \ a\ (x < \theta)",
    "text": "min(x, max_value) if x > threshold else negative_slope * (x - threshold)",
    "text_d": "1 if threshold < x < max_value; 0 above max_value; negative_slope below "
              "threshold",
}
"""Keras's general relu(x, negative_slope, max_value, threshold)."""


def _clip(x: np.ndarray, order: int, lo: float, hi: float,
          out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """f = clip(x, lo, hi), f' = 1 strictly inside (0 at lo and hi, as PyTorch), f'' = 0."""
    f = np.maximum(x, lo, out=at(out, 0)) if hi == INF else np.clip(x, lo, hi, out=at(out, 0))
    if order == 0:
        return (f,)
    inside = np.greater(x, lo)
    if hi != INF:
        inside &= np.less(x, hi)
    d = _as_float(inside, at(out, 1))
    if order == 1:
        return f, d
    return f, d, _zeros(x, at(out, 2))


def _as_float(mask: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if out is None:
        return mask.astype(np.float64)
    np.copyto(out, mask)
    return out


def _zeros(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if out is None:
        return np.zeros_like(x)
    out.fill(0.0)
    return out


KERAS = "Keras autograd, torch backend"


def _relu_check(p: Mapping[str, Any]) -> str | None:
    if p["max_value"] <= p["threshold"]:
        return (f"max_value must be > threshold, got max_value={format_number(p['max_value'])}, "
                f"threshold={format_number(p['threshold'])}")
    return None


def _relu_reduce(p: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Keras's own shortcuts, as the functions they are: a slope alone is leaky_relu, a cap
    of 6 alone is relu6."""
    slope, cap, threshold = p["negative_slope"], p["max_value"], p["threshold"]
    if threshold == 0 and cap == INF and slope != 0:
        return "leaky_relu", {"negative_slope": slope}
    if threshold == 0 and cap == 6 and slope == 0:
        return "relu6", {}
    return None


def _plain_relu(p: Mapping[str, Any]) -> bool:
    return p["negative_slope"] == 0 and p["max_value"] == INF and p["threshold"] == 0


def _relu_kinks(p: Mapping[str, Any]) -> tuple[Kink, ...]:
    if _plain_relu(p):
        return (Kink(0.0, 1, TORCH),)
    slope, cap, threshold = p["negative_slope"], p["max_value"], p["threshold"]
    kinks: list[Kink] = []
    if threshold > 0:
        kinks.append(Kink(threshold, 0, KERAS))  # f jumps from 0 to threshold
    elif slope != 1:
        kinks.append(Kink(0.0, 1, KERAS))
    if cap < INF:
        kinks.append(Kink(cap, 1, KERAS))
    return tuple(kinks)


KERAS_RELU = ("keras/src/activations/activations.py ReLU.static_call on the {backend} backend: "
              "ops.where(x > threshold, x, 0) or relu(x) (0 at the threshold), then "
              "clip(x, 0, max_value) ({clip}), or relu6(x) when max_value = 6 and threshold = 0 "
              "(0 at 6), minus negative_slope * relu(threshold - x) (0 at the threshold)")


def _relu_at_kinks(p: Mapping[str, Any]) -> dict[str, AtKinks]:
    if _plain_relu(p):
        jax = fw.jax("relu", "its custom_jvp, lax.select(x > 0, g, 0), gives 0 at 0",
                     (0.0, 0.0, 0.0))
        return fw.tables(
            torch=fw.torch("torch.nn.functional.relu, ReluBackward0: 0 where x <= 0",
                           (0.0, 0.0, 0.0)),
            keras=fw.keras_as_jax("relu", jax), jax=jax)
    slope, cap, threshold = p["negative_slope"], p["max_value"], p["threshold"]
    low = () if threshold == 0 and slope == 1 else ((threshold, 0.0, 0.0),)
    relu6_at_cap = threshold == 0 and cap == 6

    def at_cap(clipped: float) -> tuple[fw.Point, ...]:
        return () if cap == INF else ((cap, 0.0 if relu6_at_cap else clipped, 0.0),)

    return fw.tables(
        torch=fw.torch(KERAS_RELU.format(backend="torch", clip="1 at max_value: the gradient "
                                         "of torch.clamp keeps its ends") + "; PyTorch has no "
                       "relu with these parameters", *low, *at_cap(1.0), label=KERAS),
        keras=fw.keras(KERAS_RELU.format(backend="JAX", clip="1/2 at max_value: jnp.clip's "
                                         "tie takes half the gradient, jax/_src/lax/lax.py "
                                         "_balanced_eq"), *low, *at_cap(0.5)),
        jax=fw.lacks("jax.nn.relu takes no negative_slope, max_value or threshold (Keras's)"))


def _relu_pieces(p: Mapping[str, Any]) -> tuple[Piece, ...]:
    slope, cap, threshold = p["negative_slope"], p["max_value"], p["threshold"]
    tail = (Piece(cap, INF, 0.0),) if cap < INF else ()
    return (Piece(-INF, threshold, slope), Piece(threshold, cap, 1.0), *tail)


@register(
    "relu",
    title="Rectified linear unit",
    family=Family.RELU,
    symbol=r"\mathrm{ReLU}",
    latex=r"\mathrm{ReLU}(x) = \max(0, x)",
    latex_d=r"f'(x) = 1\ (x > 0),\ \ 0\ (x \leq 0)",
    text="max(0, x)",
    text_d="1 if x > 0 else 0",
    forms=lambda p: {} if (p["negative_slope"], p["max_value"], p["threshold"]) == (
        0.0, INF, 0.0) else RELU_KERAS_FORMS,
    params=(Param("negative_slope", 0.0, "slope below the threshold (Keras)"),
            Param("max_value", INF, "largest output (Keras)", minimum=0.0, strict=True,
                  unbounded=True),
            Param("threshold", 0.0, "where f jumps to x (Keras)", minimum=0.0,
                  why="as keras.layers.ReLU: below 0 keras.activations.relu changes its "
                  "formula with max_value")),
    check=_relu_check,
    reduce=_relu_reduce,
    limits=lambda p: ((_toward_minus_inf(p["negative_slope"]), p["max_value"]),
                      (p["negative_slope"], 0.0 if p["max_value"] < INF else 1.0), (0.0, 0.0)),
    kinks=_relu_kinks,
    pieces=_relu_pieces,
    at_kinks=_relu_at_kinks,
    reference="Nair & Hinton (2010), Rectified Linear Units Improve Restricted Boltzmann "
    "Machines, ICML",
)
def relu(x: np.ndarray, order: int, negative_slope: float, max_value: float, threshold: float,
         out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Rectified linear unit, with the parameters of Keras's general ``relu(x,
    negative_slope=0, max_value=None, threshold=0)``; the defaults are the plain ReLU.

    .. math:: \mathrm{ReLU}(x) = \max(0, x), \quad f'(x) = [x > 0]

    Convention: f'(0) = 0, as PyTorch autograd (the seed blog's 1 is a slip).

    With parameters a = negative_slope, M = max_value, t = threshold (t >= 0, M > t), as
    ``keras.activations.relu`` computes it:

    .. math:: f(x) = \min(x, M)\ (x > t), \quad a(x - t)\ (x \le t)

    so f jumps from 0 to t at t > 0. Keras's own shortcuts resolve to the functions they are:
    a slope alone (t = 0, no cap) is ``leaky_relu``, a cap of 6 alone is ``relu6``.
    Convention (PyTorch autograd of Keras's formula, the torch backend): f(t) = 0,
    f'(t) = 0 (also at t = 0 with a cap; f'(0) = 1 where a = 1 and t = 0, where f is
    smooth), f'(M) = 1 (``torch.clamp`` keeps its ends), except f'(6) = 0 when t = 0 and
    M = 6, where Keras calls relu6. The keras flavor follows Keras on its JAX backend, whose
    ``jnp.clip`` gives f'(M) = 1/2; ``jax.nn.relu`` takes none of these parameters, and the jax
    flavor keeps the values above.
    """
    if negative_slope == 0 and max_value == INF and threshold == 0:
        return _clip(x, order, 0.0, INF, out)
    return _keras_relu(x, order, negative_slope, max_value, threshold, out)


def _keras_relu(x: np.ndarray, order: int, slope: float, cap: float, threshold: float,
                out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    above = np.greater(x, threshold)
    f = np.minimum(x, cap, out=at(out, 0))
    low: np.ndarray | float
    if slope != 0:
        low = x - threshold
        low *= slope
        # x - threshold overflows only near -1.8e308 with a large threshold; slope*x -
        # slope*threshold is then the value (or the inf it truly is)
        fix(low, ~np.isfinite(low), lambda v: slope * v - slope * threshold, x)
    else:
        low = 0.0
    np.copyto(f, low, where=~above)
    if order == 0:
        return (f,)
    d = choose(above, 1.0, slope, out=at(out, 1))
    d[x == threshold] = 1.0 if (threshold == 0 and slope == 1) else 0.0
    if cap < INF:
        d[x > cap] = 0.0
        d[x == cap] = 0.0 if (threshold == 0 and cap == 6) else 1.0
    if order == 1:
        return f, d
    return f, d, _zeros(x, at(out, 2))


RELU6_JAX = fw.jax("relu6", "its custom_jvp, lax.select((x > 0) & (x < 6), g, 0), gives 0 "
                   "at 0 and 6", (0.0, 0.0, 0.0), (6.0, 0.0, 0.0))


@register(
    "relu6",
    title="ReLU capped at 6",
    family=Family.RELU,
    aliases=("relu_6",),
    symbol=r"\mathrm{ReLU6}",
    latex=r"\mathrm{ReLU6}(x) = \min(\max(0, x), 6)",
    latex_d=r"f'(x) = 1\ \mathrm{on}\ (0, 6),\ 0\ \mathrm{elsewhere}",
    text="min(max(0, x), 6)",
    text_d="1 if 0 < x < 6 else 0",
    limits=((0.0, 6.0), (0.0, 0.0), (0.0, 0.0)),
    kinks=(Kink(0.0, 1, TORCH), Kink(6.0, 1, TORCH)),
    pieces=(Piece(-INF, 0.0, 0.0), Piece(0.0, 6.0, 1.0), Piece(6.0, INF, 0.0)),
    at_kinks=fw.tables(
        torch=fw.torch("torch.nn.functional.relu6 = hardtanh(x, 0, 6), HardtanhBackward0: 1 "
                       "only inside (0, 6)", (0.0, 0.0, 0.0), (6.0, 0.0, 0.0)),
        keras=fw.keras_as_jax("relu6", RELU6_JAX),
        jax=RELU6_JAX),
    reference="Krizhevsky (2010), Convolutional Deep Belief Networks on CIFAR-10, "
    "technical report, University of Toronto",
)
def relu6(x: np.ndarray, order: int, out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""ReLU capped at 6, PyTorch's ``relu6`` (= ``hardtanh(x, 0, 6)``).

    Convention: f'(0) = f'(6) = 0, as PyTorch autograd.
    """
    return _clip(x, order, 0.0, 6.0, out)


def _hardtanh_at_kinks(p: Mapping[str, Any]) -> dict[str, AtKinks]:
    lo, hi = p["min_val"], p["max_val"]
    torch = fw.torch("torch.nn.functional.hardtanh, HardtanhBackward0: 1 only inside "
                     "(min_val, max_val)", (lo, 0.0, 0.0), (hi, 0.0, 0.0))
    if (lo, hi) != (-1.0, 1.0):
        return fw.tables(
            torch=torch,
            keras=fw.lacks("keras.activations.hard_tanh has no min_val or max_val: it clips "
                           "to [-1, 1]"),
            jax=fw.lacks("jax.nn.hard_tanh has no min_val or max_val: it clips to [-1, 1]"))
    jax = fw.jax("hard_tanh", "jnp.where(x > 1, 1, jnp.where(x < -1, -1, x)), whose gradient "
                 "is the branch taken: x at -1 and 1", (-1.0, 1.0, 0.0), (1.0, 1.0, 0.0))
    return fw.tables(torch=torch, keras=fw.keras_as_jax("hard_tanh", jax), jax=jax)


def _hardtanh_check(p: Mapping[str, Any]) -> str | None:
    if p["min_val"] >= p["max_val"]:
        return (f"min_val must be < max_val, got min_val={p['min_val']:g}, "
                f"max_val={p['max_val']:g}")
    return None


@register(
    "hardtanh",
    title="Hard tanh",
    family=Family.SIGMOID,
    aliases=("hard_tanh",),
    symbol=r"\mathrm{HardTanh}",
    latex=r"\mathrm{HardTanh}(x) = \min(\max(x, m), M)",
    latex_d=r"f'(x) = 1\ \mathrm{on}\ (m, M),\ 0\ \mathrm{elsewhere}",
    text="min(max(x, min_val), max_val)",
    text_d="1 if min_val < x < max_val else 0",
    params=(Param("min_val", -1.0, "lower end of the linear region"),
            Param("max_val", 1.0, "upper end of the linear region")),
    check=_hardtanh_check,
    limits=lambda p: ((p["min_val"], p["max_val"]), (0.0, 0.0), (0.0, 0.0)),
    kinks=lambda p: (Kink(p["min_val"], 1, TORCH), Kink(p["max_val"], 1, TORCH)),
    pieces=lambda p: (Piece(-INF, p["min_val"], 0.0), Piece(p["min_val"], p["max_val"], 1.0),
                      Piece(p["max_val"], INF, 0.0)),
    at_kinks=_hardtanh_at_kinks,
)
def hardtanh(x: np.ndarray, order: int, min_val: float, max_val: float,
             out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Hard tanh: the identity clipped to [min_val, max_val].

    Convention: f'(min_val) = f'(max_val) = 0, as PyTorch autograd. The jax and keras flavors
    give f'(-1) = f'(1) = 1, as ``jax.nn.hard_tanh`` (a ``where`` that takes the x branch
    there), which has no min_val or max_val: with others, they keep PyTorch's 0.
    """
    return _clip(x, order, min_val, max_val, out)


def _leaky(x: np.ndarray, order: int, slope: float,
           out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """f = x for x > 0 else slope * x; f'(0) = slope, as PyTorch autograd."""
    # max(x, slope x) is x for x > 0 and slope x below, exactly, when slope <= 1; min for
    # slope > 1. Nothing multiplies slope x by a 0 or 1 mask, so a product that overflows
    # (slope 1e308, x = 3) is dropped on the side where it is not the value, never NaN.
    if slope <= 1:
        f = np.maximum(x, slope * x, out=at(out, 0))
    else:
        f = np.minimum(x, slope * x, out=at(out, 0))
    if order == 0:
        return (f,)
    d = choose(np.greater(x, 0.0), 1.0, slope, out=at(out, 1))
    if order == 1:
        return f, d
    return f, d, _zeros(x, at(out, 2))


def _toward_minus_inf(slope: float) -> float:
    """The limit of slope * x as x -> -inf."""
    return -INF if slope > 0 else (INF if slope < 0 else 0.0)


class _LeakyMeta(TypedDict):
    """What a leaky ReLU's slope fixes: the :class:`Definition` fields of that name."""

    limits: Callable[[Mapping[str, Any]], Limits]
    kinks: Callable[[Mapping[str, Any]], tuple[Kink, ...]]
    pieces: Callable[[Mapping[str, Any]], tuple[Piece, ...]]


def _leaky_meta(slope_of: Callable[[Mapping[str, Any]], float]) -> _LeakyMeta:
    """limits, kinks and pieces of a leaky ReLU whose slope is ``slope_of(params)``."""
    return _LeakyMeta(
        limits=lambda p: ((_toward_minus_inf(slope_of(p)), INF), (slope_of(p), 1.0), (0.0, 0.0)),
        kinks=lambda p: () if slope_of(p) == 1 else (Kink(0.0, 1, TORCH),),
        pieces=lambda p: (Piece(-INF, 0.0, slope_of(p)), Piece(0.0, INF, 1.0)),
    )


def _at_zero(slope: float, d1: float) -> tuple[fw.Point, ...]:
    """f'(0) = d1 and f''(0) = 0 at the kink of a leaky ReLU of this slope (none at slope 1)."""
    return () if slope == 1 else ((0.0, d1, 0.0),)


def _leaky_at_kinks(p: Mapping[str, Any]) -> dict[str, AtKinks]:
    slope = p["negative_slope"]
    jax = fw.jax("leaky_relu", "jnp.where(x >= 0, x, negative_slope * x), whose gradient is "
                 "the branch taken (jax/_src/lax/lax.py _select_jvp): x at 0",
                 *_at_zero(slope, 1.0))
    return fw.tables(
        torch=fw.torch("torch.nn.functional.leaky_relu, LeakyReluBackward0: negative_slope "
                       "where x <= 0", *_at_zero(slope, slope)),
        keras=fw.keras_as_jax("leaky_relu", jax), jax=jax)


@register(
    "leaky_relu",
    title="Leaky ReLU",
    family=Family.RELU,
    aliases=("leakyrelu", "lrelu"),
    symbol=r"\mathrm{LeakyReLU}",
    latex=r"\mathrm{LeakyReLU}(x) = x\ (x > 0),\ \ a x\ (x \leq 0)",
    latex_d=r"f'(x) = 1\ (x > 0),\ \ a\ (x \leq 0)",
    text="x if x > 0 else negative_slope * x",
    text_d="1 if x > 0 else negative_slope",
    params=(Param("negative_slope", 0.01, "slope for x < 0"),),
    flavors={"keras": {"negative_slope": 0.2}},
    flavor_note="torch.nn.functional.leaky_relu and jax.nn.leaky_relu: 0.01; "
    "keras.activations.leaky_relu: 0.2 (the keras.layers.LeakyReLU layer's 0.3 is not used)",
    reference="Maas, Hannun & Ng (2013), Rectifier Nonlinearities Improve Neural Network "
    "Acoustic Models, ICML Workshop on Deep Learning for Audio, Speech and Language",
    at_kinks=_leaky_at_kinks,
    **_leaky_meta(lambda p: p["negative_slope"]),
)
def leaky_relu(x: np.ndarray, order: int, negative_slope: float,
               out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Leaky ReLU.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}

    Convention: f'(0) = negative_slope, as PyTorch autograd; the jax and keras flavors give
    f'(0) = 1, as ``jax.nn.leaky_relu`` (``where(x >= 0, x, a x)``). Defaults: negative_slope 0.01
    (PyTorch, JAX); ``keras.activations.leaky_relu`` uses 0.2 (``flavor="keras"``, which
    follows ``keras.activations``; the ``keras.layers.LeakyReLU`` layer starts at 0.3).
    """
    return _leaky(x, order, negative_slope, out)


@register(
    "prelu",
    title="Parametric ReLU",
    family=Family.RELU,
    symbol=r"\mathrm{PReLU}",
    latex=r"\mathrm{PReLU}(x) = x\ (x > 0),\ \ w x\ (x \leq 0)",
    latex_d=r"f'(x) = 1\ (x > 0),\ \ w\ (x \leq 0)",
    text="x if x > 0 else weight * x",
    text_d="1 if x > 0 else weight",
    params=(Param("weight", 0.25, "learned slope for x < 0 (a layer's initial value)"),),
    flavors={"keras": {"weight": 0.0}},
    flavor_note="no function gives a default, so the weight is the layer's initial value: "
    "torch.nn.PReLU 0.25, keras.layers.PReLU 0 (alpha_initializer='zeros'; keras.activations "
    "has no prelu); JAX has no prelu",
    reference="He, Zhang, Ren & Sun (2015), Delving Deep into Rectifiers, arXiv:1502.01852",
    at_kinks=lambda p: fw.tables(
        torch=fw.torch("torch.nn.functional.prelu, PreluKernelBackward0: weight where x <= 0",
                       *_at_zero(p["weight"], p["weight"])),
        keras=fw.keras("keras/src/layers/activations/prelu.py PReLU.call (keras.activations "
                       "has no prelu): relu(x) - alpha * relu(-x), with jax.nn.relu's 0 at 0 in "
                       "both terms: 0 at 0 whatever the weight", *_at_zero(p["weight"], 0.0)),
        jax=fw.lacks("jax.nn has no prelu")),
    **_leaky_meta(lambda p: p["weight"]),
)
def prelu(x: np.ndarray, order: int, weight: float,
          out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Parametric ReLU with one learned slope, ``torch.nn.functional.prelu``.

    The default weight 0.25 is ``torch.nn.PReLU``'s initial value; ``flavor="keras"`` uses
    0, the initial value of ``keras.layers.PReLU`` (``keras.activations`` has no prelu).
    Convention: f'(0) = weight, as PyTorch autograd; the keras flavor gives 0 whatever the
    weight, as the layer (relu(x) - weight relu(-x)) on the JAX backend.
    """
    return _leaky(x, order, weight, out)


def _rrelu_slope(p: Mapping[str, Any]) -> float:
    return _midpoint(p["lower"], p["upper"])


def _midpoint(lower: float, upper: float) -> float:
    """(lower + upper)/2, also when the sum overflows (both near the float64 limit)."""
    mid = 0.5 * (lower + upper)
    return mid if math.isfinite(mid) else 0.5 * lower + 0.5 * upper


def _rrelu_check(p: Mapping[str, Any]) -> str | None:
    if p["lower"] > p["upper"]:
        return f"lower must be <= upper, got lower={p['lower']:g}, upper={p['upper']:g}"
    return None


@register(
    "rrelu",
    title="Randomized leaky ReLU (evaluation mode)",
    family=Family.RELU,
    symbol=r"\mathrm{RReLU}",
    latex=r"\mathrm{RReLU}(x) = x\ (x > 0),\ \ \frac{l + u}{2} x\ (x \leq 0)",
    latex_d=r"f'(x) = 1\ (x > 0),\ \ \frac{l + u}{2}\ (x \leq 0)",
    text="x if x > 0 else (lower + upper)/2 * x   (evaluation mode)",
    text_d="1 if x > 0 else (lower + upper)/2",
    params=(Param("lower", 1.0 / 8.0, "lower bound of the random slope"),
            Param("upper", 1.0 / 3.0, "upper bound of the random slope")),
    check=_rrelu_check,
    band=lambda p: Band(-INF, 0.0, p["lower"], p["upper"], "training slopes"),
    reference="Xu, Wang, Chen & Li (2015), Empirical Evaluation of Rectified Activations in "
    "Convolutional Network, arXiv:1505.00853",
    at_kinks=lambda p: fw.tables(
        torch=fw.torch("torch.nn.functional.rrelu(training=False), RreluWithNoiseBackward0: "
                       "(lower + upper)/2 where x <= 0",
                       *_at_zero(_rrelu_slope(p), _rrelu_slope(p))),
        keras=fw.lacks("Keras 3 has no rrelu"), jax=fw.lacks("jax.nn has no rrelu")),
    **_leaky_meta(_rrelu_slope),
)
def rrelu(x: np.ndarray, order: int, lower: float, upper: float,
          out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Randomized leaky ReLU in evaluation mode: the slope is (lower + upper)/2.

    In training, each negative input gets a slope drawn from U(lower, upper); plots shade
    that band. Convention: f'(0) = (lower + upper)/2, as PyTorch autograd.
    """
    return _leaky(x, order, _midpoint(lower, upper), out)


def _elu_at_kinks(name: str, alpha: float, scale: float = 1.0) -> dict[str, AtKinks]:
    """ELU and SELU: f'(0) = scale alpha everywhere; f''(0) = 0 in PyTorch, whose double
    backward takes x < 0 only, and scale alpha in JAX, whose where takes the left branch."""
    left = scale * alpha if scale != 1.0 else alpha
    jax = fw.jax(name, "jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0., x))), whose "
                 "gradient is the branch taken: alpha e^x at 0, also for f''"
                 if name == "elu" else "scale * elu(x, alpha), and elu's where takes alpha e^x "
                 "at 0, also for f''", (0.0, left, left))
    return fw.tables(
        torch=fw.torch(f"torch.nn.functional.{name}, EluBackward0: {'scale ' * (scale != 1)}"
                       "alpha e^x where x <= 0; its double backward (elu_double_backward, "
                       "torch/csrc/autograd/FunctionsManual.cpp) takes x < 0 only: f''(0) = 0",
                       (0.0, left, 0.0)),
        keras=fw.keras_as_jax(name, jax), jax=jax)


def _elu(x: np.ndarray, order: int, alpha: float, scale: float = 1.0,
         out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """scale * (x if x > 0 else alpha * expm1(x)); f'(0) = scale*alpha, f''(0) = 0 (PyTorch)."""
    ex, em = expm1_minus(np.minimum(x, 0.0))
    # for x > 0, em = 0 and the sum is x; for x <= 0 it is alpha expm1(x): no select needed
    em *= alpha
    f = np.maximum(x, 0.0, out=at(out, 0))
    f += em
    if scale != 1.0:
        f *= scale
    if order == 0:
        return (f,)
    ex = times_exp(scale * alpha, np.minimum(x, 0.0)) if scale * alpha > 1 else ex * (
        scale * alpha)
    d = choose(np.greater(x, 0.0), scale, ex, out=at(out, 1))
    if order == 1:
        return f, d
    return f, d, choose(np.greater_equal(x, 0.0), 0.0, ex, out=at(out, 2))


@register(
    "elu",
    title="Exponential linear unit",
    family=Family.RELU,
    symbol=r"\mathrm{ELU}",
    latex=r"\mathrm{ELU}(x) = x\ (x > 0),\ \ \alpha(e^{x} - 1)\ (x \leq 0)",
    latex_d=r"f'(x) = 1\ (x > 0),\ \ \alpha e^{x}\ (x \leq 0)",
    text="x if x > 0 else alpha * (exp(x) - 1)",
    text_d="1 if x > 0 else alpha * exp(x)",
    params=(Param("alpha", 1.0, "value of the negative saturation is -alpha", minimum=0.0),),
    limits=lambda p: ((0.0 - p["alpha"], INF), (0.0, 1.0), (0.0, 0.0)),
    # f'(0-) = alpha, f'(0+) = 1: a corner, unless alpha == 1 and only f'' jumps.
    kinks=lambda p: (Kink(0.0, 2 if p["alpha"] == 1 else 1, TORCH),),
    pieces=lambda p: ((Piece(-INF, 0.0, 0.0),) if p["alpha"] == 0 else ())
    + (Piece(0.0, INF, 1.0),),
    at_kinks=lambda p: _elu_at_kinks("elu", p["alpha"]),
    reference="Clevert, Unterthiner & Hochreiter (2016), Fast and Accurate Deep Network "
    "Learning by Exponential Linear Units (ELUs), ICLR, arXiv:1511.07289",
)
def elu(x: np.ndarray, order: int, alpha: float,
        out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Exponential linear unit.

    .. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha(e^x - 1) & x \le 0 \end{cases}, \quad
              f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^x & x \le 0 \end{cases}

    ``expm1`` keeps full accuracy near 0. Convention: f'(0) = alpha (the left side) and
    f''(0) = 0, as PyTorch autograd; the jax and keras flavors give f''(0) = alpha, the left
    side, as ``jax.nn.elu``. With alpha = 1 the function is C1 (only f'' jumps).
    """
    return _elu(x, order, alpha, out=out)


def _celu_at_kinks(alpha: float) -> dict[str, AtKinks]:
    jax = fw.jax("celu", "jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha), "
                 "and a tie of maximum or minimum takes half the gradient (jax/_src/lax/lax.py "
                 "_balanced_eq): f'(0) = 1/2 + 1/2, f''(0) = (1/2)^2 / alpha",
                 (0.0, 1.0, 0.25 / alpha))
    return fw.tables(
        torch=fw.torch("torch.nn.functional.celu, CeluBackward0: e^(x/alpha) where x <= 0; its "
                       "double backward (elu_double_backward) takes x < 0 only: f''(0) = 0",
                       (0.0, 1.0, 0.0)),
        keras=fw.keras_as_jax("celu", jax), jax=jax)


@register(
    "celu",
    title="Continuously differentiable ELU",
    family=Family.RELU,
    symbol=r"\mathrm{CELU}",
    latex=r"\mathrm{CELU}(x) = x\ (x > 0),\ \ \alpha(e^{x/\alpha} - 1)\ (x \leq 0)",
    latex_d=r"f'(x) = 1\ (x > 0),\ \ e^{x/\alpha}\ (x \leq 0)",
    text="x if x > 0 else alpha * (exp(x/alpha) - 1)",
    text_d="1 if x > 0 else exp(x/alpha)",
    params=(Param("alpha", 1.0, "negative saturation value is -alpha", minimum=1e-300,
                  why="f'' jumps by 1/alpha at 0, which must stay inside float64"),),
    limits=lambda p: ((-p["alpha"], INF), (0.0, 1.0), (0.0, 0.0)),
    kinks=(Kink(0.0, 2, TORCH),),
    pieces=(Piece(0.0, INF, 1.0),),
    at_kinks=lambda p: _celu_at_kinks(p["alpha"]),
    reference="Barron (2017), Continuously Differentiable Exponential Linear Units, "
    "arXiv:1704.07483",
)
def celu(x: np.ndarray, order: int, alpha: float) -> tuple[np.ndarray, ...]:
    r"""Continuously differentiable exponential linear unit.

    .. math:: f(x) = \max(0, x) + \min(0, \alpha(e^{x/\alpha} - 1))

    f' is continuous (1 at 0 from both sides); f'' jumps from 1/alpha to 0. Convention:
    f''(0) = 0, as PyTorch autograd; the jax and keras flavors give 1/(4 alpha), as
    ``jax.nn.celu``, whose maximum and minimum each take half the gradient at 0.
    alpha >= 1e-300 so that 1/alpha is a float64; for a large alpha, where x/alpha is tiny,
    alpha(e^{x/alpha} - 1) is summed as x(1 + t/2 + t^2/6 + t^3/24), t = x/alpha, so that a
    subnormal t loses no digits.
    """
    pos = x > 0
    neg = np.minimum(x, 0.0)
    t = neg / alpha  # -inf where it overflows: e^t is then exactly 0
    ex, em = expm1_minus(t)
    em *= alpha
    if alpha > 1.0:
        fix(em, (t > -1e-3) & (neg < 0.0),  # also where t underflowed to 0
            lambda u, v: u * (1.0 + v * (0.5 + v * (1.0 / 6.0 + v / 24.0))), neg, t)
    f = np.maximum(x, 0.0)
    f += em
    if order == 0:
        return (f,)
    d = np.where(pos, 1.0, ex)
    if order == 1:
        return f, d
    return f, d, np.where(x >= 0, 0.0, times_exp(1.0 / alpha, t))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@register(
    "selu",
    title="Scaled exponential linear unit",
    family=Family.RELU,
    symbol=r"\mathrm{SELU}",
    latex=r"\mathrm{SELU}(x) = \lambda x\ (x > 0),\ \ \lambda\alpha(e^{x} - 1)\ (x \leq 0)",
    latex_d=r"f'(x) = \lambda\ (x > 0),\ \ \lambda\alpha e^{x}\ (x \leq 0)",
    text="scale * (x if x > 0 else alpha * (exp(x) - 1)),"
    " alpha = 1.6732632423543772, scale = 1.0507009873554805",
    text_d="scale if x > 0 else scale * alpha * exp(x)",
    limits=((-SELU_SCALE * SELU_ALPHA, INF), (0.0, SELU_SCALE), (0.0, 0.0)),
    kinks=(Kink(0.0, 1, TORCH),),
    pieces=(Piece(0.0, INF, SELU_SCALE),),
    at_kinks=_elu_at_kinks("selu", SELU_ALPHA, SELU_SCALE),
    reference="Klambauer, Unterthiner, Mayr & Hochreiter (2017), Self-Normalizing Neural "
    "Networks, NeurIPS, arXiv:1706.02515",
)
def selu(x: np.ndarray, order: int, out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Scaled exponential linear unit: ``scale * elu(x, alpha)`` with the fixed constants
    alpha = 1.6732632423543772848 and scale = 1.0507009873554804934 that make zero mean and
    unit variance a fixed point for standard normal inputs.

    Convention: f'(0) = scale * alpha (the left side) and f''(0) = 0, as PyTorch autograd;
    the jax and keras flavors give f''(0) = scale * alpha, the left side, as ``jax.nn.selu``.
    """
    return _elu(x, order, SELU_ALPHA, SELU_SCALE, out)


@register(
    "isrlu",
    title="Inverse square root linear unit",
    family=Family.RELU,
    symbol=r"\mathrm{ISRLU}",
    latex=r"\mathrm{ISRLU}(x) = x\ (x \geq 0),\ \ \frac{x}{\sqrt{1 + \alpha x^2}}\ (x < 0)",
    latex_d=r"f'(x) = 1\ (x \geq 0),\ \ (1 + \alpha x^2)^{-3/2}\ (x < 0)",
    text="x if x >= 0 else x / sqrt(1 + alpha x^2)",
    text_d="1 if x >= 0 else (1 + alpha x^2)^(-3/2)",
    params=(Param("alpha", 1.0, "negative saturation value is -1/sqrt(alpha)", minimum=0.0,
                  strict=True),),
    limits=lambda p: ((-1 / math.sqrt(p["alpha"]), INF), (0.0, 1.0), (0.0, 0.0)),
    kinks=(Kink(0.0, 3),),
    pieces=(Piece(0.0, INF, 1.0),),
    at_kinks=fw.tables(
        torch=fw.torch("PyTorch has no isrlu; f' and f'' are continuous at 0 (1 and 0)",
                       (0.0, 1.0, 0.0), label=""),
        keras=fw.lacks("Keras 3 has no isrlu"), jax=fw.lacks("jax.nn has no isrlu")),
    reference="Carlile, Delamarter, Kinney, Marti & Whitney (2017), Improving Deep Learning "
    "by Inverse Square Root Linear Units (ISRLUs), arXiv:1710.09967",
)
def isrlu(x: np.ndarray, order: int, alpha: float) -> tuple[np.ndarray, ...]:
    r"""Inverse square root linear unit.

    .. math:: f(x) = \begin{cases} x & x \ge 0 \\ x/\sqrt{1+\alpha x^2} & x < 0 \end{cases}

    C2 at 0: f, f' and f'' are continuous there (0, 1, 0); f''' jumps from -3 alpha to 0.
    """
    neg, inv = _isru_parts(x, alpha)
    pos = x >= 0
    f = np.where(pos, x, neg)
    if order == 0:
        return (f,)
    d = np.where(pos, 1.0, inv * inv * inv)
    if order == 1:
        return f, d
    return f, d, np.where(pos, 0.0, _isru_second(neg, inv, alpha))


@register(
    "crelu",
    title="Concatenated ReLU",
    family=Family.RELU,
    symbol=r"\mathrm{CReLU}",
    latex=r"\mathrm{CReLU}(x) = (\max(0, x),\ \max(0, -x))",
    latex_d=r"f'(x) = ([x > 0],\ -[x < 0])",
    text="(max(0, x), max(0, -x))",
    text_d="(1 if x > 0 else 0, -1 if x < 0 else 0)",
    limits=(((0.0, INF), (INF, 0.0)), ((0.0, -1.0), (1.0, 0.0)), ((0.0, 0.0), (0.0, 0.0))),
    kinks=(Kink(0.0, 1, TORCH),),
    pieces=(Piece(-INF, 0.0, (0.0, -1.0)), Piece(0.0, INF, (1.0, 0.0))),
    at_kinks=fw.tables(
        torch=fw.torch("PyTorch has no crelu: relu(x) and relu(-x), whose ReluBackward0 gives 0 "
                       "at 0 in both outputs"),
        keras=fw.lacks("Keras 3 has no crelu"), jax=fw.lacks("jax.nn has no crelu")),
    outputs=2,
    reference="Shang, Sohn, Almeida & Lee (2016), Understanding and Improving Convolutional "
    "Neural Networks via Concatenated Rectified Linear Units, ICML, arXiv:1603.05201",
)
def crelu(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Concatenated ReLU: two outputs, relu(x) and relu(-x), stacked on a new last axis.

    Convention: both derivatives are 0 at x = 0, as PyTorch autograd of relu.
    """
    f = np.stack([np.maximum(x, 0.0), np.maximum(-x, 0.0)], axis=-1)
    if order == 0:
        return (f,)
    d = np.stack([np.where(x > 0, 1.0, 0.0), np.where(x < 0, -1.0, 0.0)], axis=-1)
    if order == 1:
        return f, d
    return f, d, np.zeros_like(f)


@register(
    "relu_squared",
    title="Squared ReLU",
    family=Family.RELU,
    aliases=("squared_relu", "relu2"),
    symbol=r"\mathrm{ReLU}^2",
    latex=r"f(x) = \max(0, x)^2",
    latex_d=r"f'(x) = 2\max(0, x)",
    text="max(0, x)^2",
    text_d="2 max(0, x)",
    limits=((0.0, INF), (0.0, INF), (0.0, 2.0)),
    kinks=(Kink(0.0, 2, TORCH),),
    pieces=(Piece(-INF, 0.0, 0.0),),
    at_kinks=fw.tables(
        torch=fw.torch("PyTorch has no squared ReLU: relu(x)**2, PowBackward0 of ReluBackward0, "
                       "0 at 0, and its derivative 0 at 0", (0.0, 0.0, 0.0)),
        keras=fw.lacks("Keras 3 has no squared ReLU"), jax=fw.lacks("jax.nn has no squared ReLU")),
    reference="So, Manke, Liu, Dai, Shazeer & Le (2021), Primer: Searching for Efficient "
    "Transformers for Language Modeling, arXiv:2109.08668",
)
def relu_squared(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Squared ReLU.

    .. math:: f(x) = \max(0, x)^2, \quad f'(x) = 2\max(0, x), \quad f''(x) = 2[x > 0]

    C1: f'' jumps from 0 to 2 at 0; f''(0) = 0, as PyTorch autograd of ``relu(x)**2``.
    For x > 1.3e154 the value exceeds the float64 range and is inf, as it should be.
    """
    p = np.maximum(x, 0.0)
    f = p * p  # inf above 1.3e154, under evaluate's errstate: the true value is beyond float64
    if order == 0:
        return (f,)
    d = 2.0 * p
    if order == 1:
        return f, d
    return f, d, np.where(x > 0, 2.0, 0.0)


@register(
    "threshold",
    title="Threshold (thresholded identity)",
    family=Family.RELU,
    aliases=("thresholded_relu",),
    symbol=r"\mathrm{Threshold}",
    latex=r"f(x) = x\ (x > \theta),\ \ v\ (x \leq \theta)",
    latex_d=r"f'(x) = 1\ (x > \theta),\ \ 0\ (x \leq \theta)",
    text="x if x > threshold else value",
    text_d="1 if x > threshold else 0",
    params=(Param("threshold", 1.0, "inputs at or below it are replaced"),
            Param("value", 0.0, "what replaces them")),
    limits=lambda p: ((p["value"], INF), (0.0, 1.0), (0.0, 0.0)),
    kinks=lambda p: (Kink(p["threshold"], 1 if p["value"] == p["threshold"] else 0, TORCH),),
    pieces=lambda p: (Piece(-INF, p["threshold"], 0.0), Piece(p["threshold"], INF, 1.0)),
    at_kinks=lambda p: fw.tables(
        torch=fw.torch("torch.nn.functional.threshold, ThresholdBackward0: 0 where x <= threshold",
                       (p["threshold"], 0.0, 0.0)),
        keras=fw.keras("keras/src/backend/jax/nn.py threshold: jnp.where(x > threshold, x, "
                       "default_value), whose gradient is the branch taken: 0 at the threshold",
                       (p["threshold"], 0.0, 0.0)),
        jax=fw.lacks("jax.nn has no threshold")),
    reference="Konda, Memisevic & Krueger (2015), Zero-bias autoencoders and the benefits of "
    "co-adapting features, ICLR, arXiv:1402.3337",
)
def threshold(x: np.ndarray, order: int, threshold: float, value: float) -> tuple[np.ndarray, ...]:
    r"""Threshold, ``torch.nn.functional.threshold``: x where x > threshold, else value.

    Neither PyTorch nor Keras 3 (``keras.activations.threshold(x, threshold,
    default_value)``) gives defaults; threshold = 1, value = 0 is the example in
    ``keras.ops.threshold``'s documentation and the theta = 1 of Keras 2's ThresholdedReLU
    layer (in Keras 3 only a legacy layer). Jumps at the threshold unless value equals it.
    Convention: f(threshold) = value and f'(threshold) = 0, as PyTorch autograd.
    """
    above = x > threshold
    f = np.where(above, x, value)
    if order == 0:
        return (f,)
    d = np.where(above, 1.0, 0.0)
    if order == 1:
        return f, d
    return f, d, np.zeros_like(x)
