"""Sigmoid-like functions: bounded, S-shaped, saturating on both sides."""

from __future__ import annotations

import math

import numpy as np

from . import _frameworks as fw
from ._core import Family, Kink, Param, Piece, register
from ._math import at, log1p_small, logistic, scaled, tanh_half, tanh_sech2

TORCH = "PyTorch autograd"


@register(
    "sigmoid",
    title="Logistic sigmoid",
    family=Family.SIGMOID,
    aliases=("logistic", "expit"),
    symbol=r"\sigma",
    latex=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    latex_d=r"\sigma'(x) = \sigma(x)\,\sigma(-x)",
    text="1 / (1 + exp(-x))",
    text_d="sigmoid(x) * sigmoid(-x)",
    limits=((0.0, 1.0), (0.0, 0.0), (0.0, 0.0)),
)
def sigmoid(x: np.ndarray, order: int,
            out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Logistic sigmoid.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}, \quad
              \sigma'(x) = \sigma(x)\sigma(-x), \quad
              \sigma''(x) = -\sigma'(x)\tanh(x/2)

    sigma(x) = 1/(1 + e^{-x}) and sigma(-x) = 1/(1 + e^{x}) from one exp: full relative
    accuracy in both tails, and sigma' written as sigma(x)sigma(-x), never sigma(1 - sigma),
    which loses every digit for x > 37.
    """
    s, sn = logistic(x, out=at(out, 0))
    if order == 0:
        return (s,)
    d = np.multiply(s, sn, out=at(out, 1))
    if order == 1:
        return s, d
    return s, d, np.multiply(-d, tanh_half(x), out=at(out, 2))


@register(
    "tanh",
    title="Hyperbolic tangent",
    family=Family.SIGMOID,
    symbol=r"\tanh",
    latex=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    latex_d=r"\tanh'(x) = 1 - \tanh^2(x)",
    text="(exp(x) - exp(-x)) / (exp(x) + exp(-x))",
    text_d="1 - tanh(x)^2 = sech(x)^2",
    limits=((-1.0, 1.0), (0.0, 0.0), (0.0, 0.0)),
)
def tanh(x: np.ndarray, order: int, out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Hyperbolic tangent.

    .. math:: \tanh'(x) = \operatorname{sech}^2 x, \quad
              \tanh''(x) = -2\tanh x\,\operatorname{sech}^2 x

    The derivative is computed as sech^2 = 4e/(1+e)^2 with e = exp(-2|x|), not as
    1 - tanh^2, which cancels to 0 for |x| > 19; near 0, tanh from its Taylor series.
    """
    t, s2 = tanh_sech2(x, out)
    if order == 0:
        return (t,)
    if order == 1:
        return t, s2
    return t, s2, np.multiply(-2.0 * t, s2, out=at(out, 2))


HARD_SIGMOID_JAX = fw.jax("hard_sigmoid", "relu6(x + 3.) / 6., and relu6's custom_jvp gives 0 "
                          "at 0 and 6", (-3.0, 0.0, 0.0), (3.0, 0.0, 0.0))


@register(
    "hard_sigmoid",
    title="Hard sigmoid",
    family=Family.SIGMOID,
    aliases=("hardsigmoid",),
    symbol=r"\mathrm{HardSigmoid}",
    latex=r"\mathrm{HardSigmoid}(x) = \min(\max(x + 3, 0), 6)\,/\,6",
    latex_d=r"f'(x) = 1/6 \ \mathrm{on}\ (-3, 3),\ 0\ \mathrm{elsewhere}",
    text="relu6(x + 3) / 6 = min(max(x + 3, 0), 6) / 6",
    text_d="1/6 for -3 < x < 3, else 0",
    limits=((0.0, 1.0), (0.0, 0.0), (0.0, 0.0)),
    kinks=(Kink(-3.0, 1, TORCH), Kink(3.0, 1, TORCH)),
    pieces=(Piece(-math.inf, -3.0, 0.0), Piece(-3.0, 3.0, 1.0 / 6.0), Piece(3.0, math.inf, 0.0)),
    at_kinks=fw.tables(
        torch=fw.torch("torch.nn.functional.hardsigmoid, HardsigmoidBackward0: 1/6 only inside "
                       "(-3, 3); it has no double backward (hardsigmoid_backward is not "
                       "differentiable), and f'' is 0, its value on both sides",
                       (-3.0, 0.0, 0.0), (3.0, 0.0, 0.0)),
        keras=fw.keras_as_jax("hard_sigmoid", HARD_SIGMOID_JAX), jax=HARD_SIGMOID_JAX),
    reference="Howard et al. (2019), Searching for MobileNetV3, arXiv:1905.02244",
)
def hard_sigmoid(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Hard sigmoid, PyTorch's ``hardsigmoid`` (and Keras 3's and JAX's).

    .. math:: f(x) = \mathrm{ReLU6}(x + 3)/6, \quad f'(x) = 1/6 \text{ on } (-3, 3)

    Convention: f'(-3) = f'(3) = 0, as PyTorch autograd.
    """
    f = np.clip(x + 3.0, 0.0, 6.0) / 6.0
    if order == 0:
        return (f,)
    d = np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0)
    if order == 1:
        return f, d
    return f, d, np.zeros_like(x)


SOFTSIGN_JAX = fw.jax("soft_sign", "x / (jnp.abs(x) + 1), and the gradient of jnp.abs is "
                      "select(x >= 0, g, -g), 1 at 0 (jax/_src/lax/lax.py _abs_jvp_rule): "
                      "f''(0) = -2, the right side", (0.0, 1.0, -2.0))


@register(
    "softsign",
    title="Softsign",
    family=Family.SIGMOID,
    aliases=("soft_sign",),
    symbol=r"\mathrm{softsign}",
    latex=r"\mathrm{softsign}(x) = \frac{x}{1 + |x|}",
    latex_d=r"f'(x) = \frac{1}{(1 + |x|)^2}",
    text="x / (1 + |x|)",
    text_d="1 / (1 + |x|)^2",
    limits=((-1.0, 1.0), (0.0, 0.0), (0.0, 0.0)),
    kinks=(Kink(0.0, 2, TORCH),),
    at_kinks=fw.tables(
        torch=fw.torch("torch.nn.functional.softsign = x / (1 + |x|), and the gradient of |x| is "
                       "sgn(x), 0 at 0 (AbsBackward0): f''(0) = 0", (0.0, 1.0, 0.0)),
        keras=fw.keras_as_jax("softsign", SOFTSIGN_JAX), jax=SOFTSIGN_JAX),
    reference="Glorot & Bengio (2010), Understanding the difficulty of training deep "
    "feedforward neural networks, AISTATS",
)
def softsign(x: np.ndarray, order: int,
             out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Softsign.

    .. math:: f(x) = \frac{x}{1+|x|}, \quad f'(x) = \frac{1}{(1+|x|)^2}, \quad
              f''(x) = \frac{-2\,\mathrm{sign}(x)}{(1+|x|)^3}

    C1: f'' jumps from 2 to -2 at 0. Convention: f''(0) = 0, as PyTorch autograd; the jax
    and keras flavors give -2, the right side, as ``jax.nn.soft_sign``, whose ``jnp.abs`` has
    gradient 1 at 0.
    """
    r = np.abs(x)
    r += 1.0
    np.reciprocal(r, out=r)
    f = np.multiply(x, r, out=at(out, 0))
    if order == 0:
        return (f,)
    d = np.multiply(r, r, out=at(out, 1))
    if order == 1:
        return f, d
    return f, d, np.multiply(-2.0 * np.sign(x) * d, r, out=at(out, 2))


@register(
    "log_sigmoid",
    title="Log-sigmoid",
    family=Family.SIGMOID,
    aliases=("logsigmoid",),
    symbol=r"\log\sigma",
    latex=r"\log\sigma(x) = -\log(1 + e^{-x})",
    latex_d=r"f'(x) = \sigma(-x)",
    text="log(sigmoid(x)) = -softplus(-x)",
    text_d="sigmoid(-x)",
    limits=((-math.inf, 0.0), (1.0, 0.0), (0.0, 0.0)),
)
def log_sigmoid(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Log-sigmoid, the logarithm of the logistic function.

    .. math:: f(x) = \min(x, 0) - \log(1 + e^{-|x|}), \quad f'(x) = \sigma(-x), \quad
              f''(x) = -\sigma(x)\sigma(-x)
    """
    u = np.exp(-np.abs(x))
    f = np.minimum(x, 0.0) - log1p_small(u)
    if order == 0:
        return (f,)
    s, sn = logistic(x)
    if order == 1:
        return f, sn
    return f, sn, -s * sn


LECUN_A = 1.7159
LECUN_B = 2.0 / 3.0


@register(
    "lecun_tanh",
    title="LeCun's scaled tanh",
    family=Family.SIGMOID,
    symbol=r"\mathrm{LeCunTanh}",
    latex=r"f(x) = 1.7159\,\tanh(2x/3)",
    latex_d=r"f'(x) = 1.1439\,\mathrm{sech}^2(2x/3)",
    text="1.7159 * tanh(2x/3)",
    text_d="1.7159 * 2/3 * sech(2x/3)^2",
    limits=((-LECUN_A, LECUN_A), (0.0, 0.0), (0.0, 0.0)),
    reference="LeCun, Bottou, Orr & Mueller (1998), Efficient BackProp, "
    "Neural Networks: Tricks of the Trade",
)
def lecun_tanh(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""LeCun's scaled hyperbolic tangent, chosen so that f(+-1) = +-1.

    .. math:: f(x) = 1.7159\tanh(2x/3)
    """
    t, s2 = tanh_sech2(LECUN_B * x)
    f = LECUN_A * t
    if order == 0:
        return (f,)
    d = (LECUN_A * LECUN_B) * s2
    if order == 1:
        return f, d
    return f, d, (-2.0 * LECUN_B) * t * d


@register(
    "arctan",
    title="Arctangent",
    family=Family.SIGMOID,
    aliases=("atan",),
    symbol=r"\arctan",
    latex=r"f(x) = \arctan(x)",
    latex_d=r"f'(x) = \frac{1}{1 + x^2}",
    text="arctan(x)",
    text_d="1 / (1 + x^2)",
    limits=((-math.pi / 2, math.pi / 2), (0.0, 0.0), (0.0, 0.0)),
)
def arctan(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Arctangent.

    .. math:: f'(x) = \frac{1}{1+x^2}, \quad f''(x) = \frac{-2x}{(1+x^2)^2}

    For |x| > 1 the derivatives are written in r = 1/x so that x^2 never overflows.
    """
    f = np.arctan(x)
    if order == 0:
        return (f,)
    big = np.abs(x) > 1.0
    r = 1.0 / np.where(big, x, 1.0)
    small = np.where(big, 0.0, x)
    r2, s2 = r * r, small * small
    d = np.where(big, r2 / (1.0 + r2), 1.0 / (1.0 + s2))
    if order == 1:
        return f, d
    dd = np.where(big, -2.0 * r * r2 / (1.0 + r2) ** 2, -2.0 * small / (1.0 + s2) ** 2)
    return f, d, dd


def _isru_parts(x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(x_c / h, 1 / h) with h = sqrt(1 + alpha x^2), x clipped where f has reached its limit."""
    root = math.sqrt(alpha)
    bound = 1e300 / max(root, 1.0)
    xc = np.clip(x, -bound, bound)
    inv = 1.0 / np.hypot(1.0, scaled(xc, root))
    return xc * inv, inv


def _isru_second(f: np.ndarray, inv: np.ndarray, alpha: float) -> np.ndarray:
    """f'' = -3 alpha x h^-5 = -3 sqrt(alpha) (sqrt(alpha) f) h^-4, from f = x/h and 1/h:
    sqrt(alpha) f lies in (-1, 1), so nothing overflows for alpha up to the float64 limit
    (where -3 alpha would already be -inf)."""
    root = math.sqrt(alpha)
    inv2 = inv * inv
    return (-3.0 * root) * (root * f) * inv2 * inv2  # left to right: no early underflow


@register(
    "isru",
    title="Inverse square root unit",
    family=Family.SIGMOID,
    symbol=r"\mathrm{ISRU}",
    latex=r"\mathrm{ISRU}(x) = \frac{x}{\sqrt{1 + \alpha x^2}}",
    latex_d=r"f'(x) = (1 + \alpha x^2)^{-3/2}",
    text="x / sqrt(1 + alpha x^2)",
    text_d="(1 + alpha x^2)^(-3/2)",
    params=(Param("alpha", 1.0, "output range is (-1/sqrt(alpha), 1/sqrt(alpha))",
                  minimum=0.0, strict=True),),
    limits=lambda p: ((-1 / math.sqrt(p["alpha"]), 1 / math.sqrt(p["alpha"])),
                      (0.0, 0.0), (0.0, 0.0)),
    reference="Carlile, Delamarter, Kinney, Marti & Whitney (2017), Improving Deep Learning "
    "by Inverse Square Root Linear Units (ISRLUs), arXiv:1710.09967",
)
def isru(x: np.ndarray, order: int, alpha: float) -> tuple[np.ndarray, ...]:
    r"""Inverse square root unit.

    .. math:: f(x) = \frac{x}{\sqrt{1+\alpha x^2}}, \quad f'(x) = (1+\alpha x^2)^{-3/2},
              \quad f''(x) = -3\alpha x (1+\alpha x^2)^{-5/2}
    """
    f, inv = _isru_parts(x, alpha)
    if order == 0:
        return (f,)
    d = inv * inv * inv
    if order == 1:
        return f, d
    return f, d, _isru_second(f, inv, alpha)


KERAS = "Keras autograd, torch backend"


SPARSE_SIGMOID_JAX = fw.jax("sparse_sigmoid", "0.5 * jnp.clip(x + 1.0, 0.0, 2.0), and a tie of "
                            "jnp.clip (maximum then minimum, jax/_src/numpy/lax_numpy.py clip) "
                            "takes half the gradient (jax/_src/lax/lax.py _balanced_eq): 1/4 "
                            "at -1 and 1",
                            (-1.0, 0.25, 0.0), (1.0, 0.25, 0.0))


@register(
    "sparse_sigmoid",
    title="Sparse sigmoid",
    family=Family.SIGMOID,
    aliases=("sparsesigmoid",),
    symbol=r"\mathrm{SparseSigmoid}",
    latex=r"f(x) = 0\ (x \leq -1),\ \ (x + 1)/2\ (|x| < 1),\ \ 1\ (x \geq 1)",
    latex_d=r"f'(x) = 1/2\ \mathrm{on}\ (-1, 1),\ 0\ \mathrm{elsewhere}",
    text="clip(x + 1, 0, 2) / 2",
    text_d="1/2 if -1 < x < 1 else 0",
    limits=((0.0, 1.0), (0.0, 0.0), (0.0, 0.0)),
    kinks=(Kink(-1.0, 1, KERAS), Kink(1.0, 1, KERAS)),
    pieces=(Piece(-math.inf, -1.0, 0.0), Piece(-1.0, 1.0, 0.5), Piece(1.0, math.inf, 0.0)),
    at_kinks=fw.tables(
        torch=fw.torch("PyTorch has no sparse_sigmoid: Keras 3 on PyTorch, "
                       "keras/src/backend/torch/nn.py sparse_sigmoid, torch.where(x <= -1, 0, "
                       "torch.where(x >= 1, 1, (x + 1)/2)), a constant branch at -1 and 1",
                       (-1.0, 0.0, 0.0), (1.0, 0.0, 0.0), label=KERAS),
        keras=fw.keras_as_jax("sparse_sigmoid", SPARSE_SIGMOID_JAX), jax=SPARSE_SIGMOID_JAX),
    reference="Blondel, Martins & Niculae (2020), Learning with Fenchel-Young Losses, "
    "JMLR 21(35)",
)
def sparse_sigmoid(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Sparse sigmoid (JAX's and Keras 3's ``sparse_sigmoid``), the derivative of
    ``sparse_plus``.

    .. math:: f(x) = \tfrac12\,\mathrm{clip}(x + 1, 0, 2)

    Convention: f'(-1) = f'(1) = 0, as PyTorch autograd of Keras's (a ``where`` on
    x <= -1 and x >= 1), like sparse_plus''(+-1) = 0; the jax and keras flavors give 1/4
    there, as JAX's autograd of its ``clip``.
    """
    f = np.clip(x + 1.0, 0.0, 2.0)
    f *= 0.5
    if order == 0:
        return (f,)
    d = np.where(np.abs(x) < 1.0, 0.5, 0.0)
    if order == 1:
        return f, d
    return f, d, np.zeros_like(x)
