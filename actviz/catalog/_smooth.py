"""Smooth ReLUs: close to 0 for x << 0, close to x (or a multiple) for x >> 0."""

from __future__ import annotations

import math

import numpy as np

from . import _frameworks as fw
from ._core import Family, Kink, Param, Piece, register
from ._math import (
    at,
    choose,
    expm1_minus,
    fix,
    log1p_small,
    logistic,
    normal_cdf,
    phi,
    scaled,
    tanh_half,
    tanh_sech2,
    times_exp,
)

INF = math.inf
TORCH = "PyTorch autograd"

GELU_C = math.sqrt(2.0 / math.pi)
GELU_K = 0.044715
GELU_TANH_FORMS = {
    "latex": r"\mathrm{GELU}_{\tanh}(x) = \frac{x}{2}\left(1 + \tanh\left("
             r"\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)",
    "latex_d": r"f'(x) = \frac{1}{2}(1 + t) + \frac{x}{2}(1 - t^2)\,\sqrt{2/\pi}\,"
               r"(1 + 0.134145\,x^2),\ t = \tanh(u)",
    "text": "x/2 * (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)",
    "text_d": "(1 + tanh(u))/2 + x/2 (1 - tanh(u)^2) sqrt(2/pi) (1 + 0.134145 x^2)",
}
"""GELU's tanh approximation (Hendrycks & Gimpel), as JAX's default."""


@register(
    "gelu",
    title="Gaussian error linear unit",
    family=Family.SMOOTH,
    symbol=r"\mathrm{GELU}",
    latex=r"\mathrm{GELU}(x) = x\,\Phi(x)",
    latex_d=r"f'(x) = \Phi(x) + x\,\varphi(x)",
    text="x * Phi(x) = x/2 * erfc(-x/sqrt(2))",
    text_d="Phi(x) + x * phi(x)   (phi the standard normal density)",
    forms=lambda p: GELU_TANH_FORMS if p["approximate"] == "tanh" else {},
    params=(Param("approximate", "none", "'none' is exact; 'tanh' the tanh approximation",
                  choices=("none", "tanh"), synonyms=(("false", "none"), ("true", "tanh"),
                                                      ("exact", "none"))),),
    flavors={"jax": {"approximate": "tanh"}},
    flavor_note="torch.nn.functional.gelu and keras.activations.gelu: exact; jax.nn.gelu: "
    "tanh (keras.ops.gelu's tanh default is not used: the keras flavor follows "
    "keras.activations)",
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    reference="Hendrycks & Gimpel (2016), Gaussian Error Linear Units (GELUs), "
    "arXiv:1606.08415",
)
def gelu(x: np.ndarray, order: int, approximate: str,
         out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Gaussian error linear unit.

    .. math:: f(x) = x\Phi(x) = \tfrac{x}{2}\operatorname{erfc}(-x/\sqrt2), \quad
              f'(x) = \Phi(x) + x\varphi(x), \quad f''(x) = \varphi(x)(2 - x^2)

    ``erfc`` rather than ``1 + erf``, which cancels to 0 for x < -6. With
    ``approximate="tanh"``: :math:`f(x) = \tfrac{x}{2}(1 + \tanh u)`,
    :math:`u = \sqrt{2/\pi}(x + 0.044715x^3)`, evaluated as x*sigmoid(2u).
    Defaults: exact in PyTorch and ``keras.activations.gelu``; JAX's default is the tanh
    form (``flavor="jax"``). ``keras.ops.gelu`` defaults to the tanh form too, but the keras
    flavor follows ``keras.activations``.
    """
    if approximate == "tanh":
        return _gelu_tanh(x, order, out)
    cdf = normal_cdf(x)
    f = np.multiply(x, cdf, out=at(out, 0))
    if order == 0:
        return (f,)
    pdf = phi(x)
    d = np.multiply(x, pdf, out=at(out, 1))
    d += cdf
    if order == 1:
        return f, d
    xc = np.clip(x, -40.0, 40.0)
    return f, d, np.multiply(pdf, 2.0 - xc * xc, out=at(out, 2))


def _gelu_tanh(x: np.ndarray, order: int,
               out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    # Beyond |x| = 1e5, sigmoid(2u) is exactly 0 or 1 and its derivatives exactly 0, so the
    # clipped xc serves everywhere but in f = x * g.
    xc = np.clip(x, -1e5, 1e5)
    x2 = xc * xc
    u = GELU_C * xc * (1.0 + GELU_K * x2)
    g, gn = logistic(2.0 * u)
    f = np.multiply(x, g, out=at(out, 0))
    if order == 0:
        return (f,)
    du = GELU_C * (1.0 + 3.0 * GELU_K * x2)
    p = g * gn
    d = np.multiply(xc, 2.0 * du * p, out=at(out, 1))
    d += g
    if order == 1:
        return f, d
    ddu = (6.0 * GELU_C * GELU_K) * xc
    return f, d, np.multiply(2.0 * p, 2.0 * du + xc * (ddu - 2.0 * du * du * (g - gn)),
                             out=at(out, 2))


def _swish(x: np.ndarray, order: int, beta: float,
           out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """x * sigmoid(beta x) with f' = s (1 + beta x s(-)), f'' = beta s s(-) (2 - beta x tanh)."""
    y = x if beta == 1.0 else scaled(x, beta)
    s, sn = logistic(y)
    f = np.multiply(x, s, out=at(out, 0))
    if order == 0:
        return (f,)
    d = np.multiply(y, sn, out=at(out, 1))
    d += 1.0
    d *= s
    if order == 1:
        return f, d
    return f, d, np.multiply(beta * s * sn, 2.0 - y * tanh_half(y), out=at(out, 2))


@register(
    "silu",
    title="Sigmoid linear unit",
    family=Family.SMOOTH,
    symbol=r"\mathrm{SiLU}",
    latex=r"\mathrm{SiLU}(x) = x\,\sigma(x)",
    latex_d=r"f'(x) = \sigma(x)\,(1 + x\,\sigma(-x))",
    text="x * sigmoid(x)",
    text_d="sigmoid(x) * (1 + x * sigmoid(-x))",
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    reference="Elfwing, Uchibe & Doya (2018), Sigmoid-Weighted Linear Units for Neural "
    "Network Function Approximation in Reinforcement Learning, arXiv:1702.03118",
)
def silu(x: np.ndarray, order: int, out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Sigmoid linear unit (swish with beta = 1).

    .. math:: f(x) = x\sigma(x), \quad f'(x) = \sigma(x)(1 + x\sigma(-x)), \quad
              f''(x) = \sigma(x)\sigma(-x)(2 - x\tanh(x/2))
    """
    return _swish(x, order, 1.0, out)


@register(
    "swish",
    title="Swish",
    family=Family.SMOOTH,
    symbol=r"\mathrm{Swish}",
    latex=r"\mathrm{Swish}(x) = x\,\sigma(\beta x)",
    latex_d=r"f'(x) = \sigma(\beta x)\,(1 + \beta x\,\sigma(-\beta x))",
    text="x * sigmoid(beta x)   (beta = 1 is silu)",
    text_d="sigmoid(beta x) * (1 + beta x * sigmoid(-beta x))",
    params=(Param("beta", 1.0, "sharpness; beta = 1 is silu", minimum=0.0, strict=True),),
    reduce=lambda p: ("silu", {}) if p["beta"] == 1.0 else None,
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    reference="Ramachandran, Zoph & Le (2017), Searching for Activation Functions, "
    "arXiv:1710.05941",
)
def swish(x: np.ndarray, order: int, beta: float,
          out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Swish with a sharpness parameter; ``swish`` with beta = 1 resolves to ``silu``
    (as in Keras and JAX, whose ``swish`` is silu).

    .. math:: f(x) = x\sigma(\beta x), \quad
              f''(x) = \beta\sigma(\beta x)\sigma(-\beta x)(2 - \beta x\tanh(\beta x/2))
    """
    return _swish(x, order, beta, out)


QUICK_GELU_BETA = 1.702


@register(
    "quick_gelu",
    title="Quick GELU (sigmoid approximation)",
    family=Family.SMOOTH,
    aliases=("quickgelu",),
    symbol=r"\mathrm{QuickGELU}",
    latex=r"f(x) = x\,\sigma(1.702\,x)",
    latex_d=r"f'(x) = \sigma(1.702x)\,(1 + 1.702x\,\sigma(-1.702x))",
    text="x * sigmoid(1.702 x)",
    text_d="sigmoid(1.702 x) * (1 + 1.702 x * sigmoid(-1.702 x))",
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    reference="Hendrycks & Gimpel (2016), arXiv:1606.08415; used in Radford et al. (2021), "
    "CLIP, arXiv:2103.00020",
)
def quick_gelu(x: np.ndarray, order: int,
               out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""The sigmoid approximation of GELU used by CLIP: :math:`x\sigma(1.702x)`."""
    return _swish(x, order, QUICK_GELU_BETA, out)


@register(
    "mish",
    title="Mish",
    family=Family.SMOOTH,
    symbol=r"\mathrm{Mish}",
    latex=r"\mathrm{Mish}(x) = x\,\tanh(\mathrm{softplus}(x))",
    latex_d=r"f'(x) = \tanh(\mathrm{sp}(x)) + x\,\mathrm{sech}^2(\mathrm{sp}(x))\,\sigma(x)",
    text="x * tanh(softplus(x)) = x * tanh(log(1 + exp(x)))",
    text_d="tanh(sp(x)) + x * sech(sp(x))^2 * sigmoid(x)",
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    reference="Misra (2019), Mish: A Self Regularized Non-Monotonic Neural Activation "
    "Function, arXiv:1908.08681",
)
def mish(x: np.ndarray, order: int, out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Mish.

    .. math:: f(x) = x\,t, \quad t = \tanh(\log(1 + e^x)) = \frac{n}{n + 2},\ n = e^x(e^x + 2)

    t is evaluated in that rational form (in e^{-x} for x > 0, so nothing overflows), and
    1 - t as 2/(n+2), so neither f nor sech^2 = (1 - t)(1 + t) cancels.
    With t' = sech^2(sp)\sigma(x):
    :math:`f' = t + x t'`, :math:`f'' = 2t' + x\,\mathrm{sech}^2\sigma(\sigma(-x) - 2t\sigma)`.
    """
    u = np.exp(-np.abs(x))  # e^x for x <= 0, e^-x for x > 0
    p = np.greater(x, 0.0).astype(np.float64)
    q = 1.0 - p
    u2 = u * u
    # x <= 0: t = n/(n + 2) with n = u^2 + 2u;  x > 0: t = (1 + 2u)/(1 + 2u + 2u^2).
    # The float masks p, q (1 or 0) choose the terms exactly, without branching.
    num = q * u2
    num += p
    num += u + u
    w = p * u2
    w += q
    w += w  # 2u^2 or 2: then 1 - t = w / den, without cancellation
    den = num + w
    t = num / den
    f = np.multiply(x, t, out=at(out, 0))
    if order == 0:
        return (f,)
    w /= den
    sech2 = 2.0 - w
    sech2 *= w
    one_u = u + 1.0
    s = q * u
    s += p
    s /= one_u  # sigma(x)
    dt = sech2 * s
    d = np.multiply(x, dt, out=at(out, 1))
    d += t
    if order == 1:
        return f, d
    sn = (p * u + q) / one_u  # sigma(-x)
    return f, d, np.add(2.0 * dt, x * (dt * (sn - 2.0 * t * s)), out=at(out, 2))


@register(
    "softplus",
    title="Softplus",
    family=Family.SMOOTH,
    symbol=r"\mathrm{softplus}",
    latex=r"\mathrm{softplus}(x) = \frac{1}{\beta}\log(1 + e^{\beta x})",
    latex_d=r"f'(x) = \sigma(\beta x)",
    text="log(1 + exp(beta x)) / beta",
    text_d="sigmoid(beta x)",
    params=(Param("beta", 1.0, "sharpness", minimum=0.0, strict=True),),
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    reference="Dugas, Bengio, Belisle, Nadeau & Garcia (2001), Incorporating Second-Order "
    "Functional Knowledge for Better Option Pricing, NeurIPS",
)
def softplus(x: np.ndarray, order: int, beta: float,
             out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Softplus, exact at every input.

    .. math:: f(x) = \max(x, 0) + \frac{1}{\beta}\log(1 + e^{-\beta|x|}), \quad
              f'(x) = \sigma(\beta x), \quad f''(x) = \beta\sigma(\beta x)\sigma(-\beta x)

    PyTorch switches to the identity where beta*x > threshold (20), an error of up to 2e-9;
    actviz has no such cut-off, so it takes no ``threshold`` parameter. f >= log(2)/beta,
    so below beta = 3.9e-309 every value exceeds float64 and is inf.
    """
    y = scaled(x, beta)
    u = np.exp(-np.abs(y))
    f = np.maximum(x, 0.0, out=at(out, 0))
    f += log1p_small(u) / beta if beta != 1.0 else log1p_small(u)
    if order == 0:
        return (f,)
    one_u = u + 1.0
    up = np.greater_equal(y, 0.0)
    s = choose(up, 1.0, u, out=at(out, 1))
    s /= one_u  # sigma(beta x), from the same exp
    if order == 1:
        return f, s
    return f, s, np.multiply(beta * s, choose(up, u, 1.0) / one_u, out=at(out, 2))


HARD_SILU_JAX = fw.jax("hard_silu", "x * hard_sigmoid(x), with relu6's custom_jvp: f' = "
                       "hard_sigmoid(x) + x hard_sigmoid'(x) is 0 at -3 and 1 at 3, f'' = "
                       "2 hard_sigmoid'(x) is 0 at both", (-3.0, 0.0, 0.0), (3.0, 1.0, 0.0))


@register(
    "hard_swish",
    title="Hard swish",
    family=Family.SMOOTH,
    aliases=("hardswish", "hard_silu", "hardsilu"),
    symbol=r"\mathrm{HardSwish}",
    latex=r"\mathrm{HardSwish}(x) = x\,\min(\max(x + 3, 0), 6)\,/\,6",
    latex_d=r"f'(x) = 0\ (x \leq -3),\ \ (2x + 3)/6\ (|x| < 3),\ \ 1\ (x \geq 3)",
    text="x * relu6(x + 3) / 6",
    text_d="0 if x <= -3; (2x + 3)/6 if -3 < x < 3; 1 if x >= 3",
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    kinks=(Kink(-3.0, 1, TORCH), Kink(3.0, 1, TORCH)),
    pieces=(Piece(-INF, -3.0, 0.0), Piece(3.0, INF, 1.0)),
    at_kinks=fw.tables(
        torch=fw.torch("torch.nn.functional.hardswish, HardswishBackward0: 0 where x <= -3, 1 "
                       "where x >= 3, and its derivative 0 there", (-3.0, 0.0, 0.0),
                       (3.0, 1.0, 0.0)),
        keras=fw.keras_as_jax("hard_silu", HARD_SILU_JAX), jax=HARD_SILU_JAX),
    reference="Howard et al. (2019), Searching for MobileNetV3, arXiv:1905.02244",
)
def hard_swish(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Hard swish (hard SiLU), PyTorch's ``hardswish``.

    f' jumps at both ends: from 0 to -1/2 at -3 and from 3/2 to 1 at 3.
    Convention: f'(-3) = 0, f'(3) = 1, and f''(+-3) = 0, as PyTorch autograd.
    """
    f = x * (np.clip(x + 3.0, 0.0, 6.0) / 6.0)
    if order == 0:
        return (f,)
    xc = np.clip(x, -3.0, 3.0)
    d = np.where(x <= -3.0, 0.0, np.where(x >= 3.0, 1.0, (2.0 * xc + 3.0) / 6.0))
    if order == 1:
        return f, d
    return f, d, np.where((x > -3.0) & (x < 3.0), 1.0 / 3.0, 0.0)


@register(
    "squareplus",
    title="Squareplus",
    family=Family.SMOOTH,
    symbol=r"\mathrm{squareplus}",
    latex=r"\mathrm{squareplus}(x) = \frac{x + \sqrt{x^2 + b}}{2}",
    latex_d=r"f'(x) = \frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
    text="(x + sqrt(x^2 + b)) / 2",
    text_d="(1 + x / sqrt(x^2 + b)) / 2",
    params=(Param("b", 4.0, "curvature at 0; b -> 0 gives relu", minimum=0.0, strict=True),),
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    reference="Barron (2021), Squareplus: A Softplus-Like Algebraic Rectifier, "
    "arXiv:2112.11687",
)
def squareplus(x: np.ndarray, order: int, b: float) -> tuple[np.ndarray, ...]:
    r"""Squareplus, with JAX's and Keras 3's default b = 4.

    .. math:: f(x) = \frac{x + h}{2}, \quad h = \sqrt{x^2 + b}, \quad f'(x) = \frac{f(x)}{h},
              \quad f''(x) = \frac{b}{2h^3}

    For x < 0 the value is written b / (2(h + |x|)), which does not cancel, and h is
    ``hypot(x, sqrt(b))``, which does not overflow. b enters only through sqrt(b)
    (:math:`b/(2h^3) = (\sqrt b/h)^2/(2h)`), so a subnormal b keeps its digits.
    """
    root = math.sqrt(b)
    h = np.hypot(x, root)
    half = 0.5 * h + 0.5 * np.abs(x)
    f = np.where(x >= 0, half, (0.5 * root) * ((0.5 * root) / half))
    if order == 0:
        return (f,)
    d = f / h
    if order == 1:
        return f, d
    q = root / h
    return f, d, 0.5 * (q * q) / h


@register(
    "tanhexp",
    title="TanhExp",
    family=Family.SMOOTH,
    symbol=r"\mathrm{TanhExp}",
    latex=r"\mathrm{TanhExp}(x) = x\,\tanh(e^{x})",
    latex_d=r"f'(x) = \tanh(e^{x}) + x\,e^{x}\,\mathrm{sech}^2(e^{x})",
    text="x * tanh(exp(x))",
    text_d="tanh(exp(x)) + x * exp(x) * sech(exp(x))^2",
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    reference="Liu & Di (2020), TanhExp: A Smooth Activation Function with High Convergence "
    "Speed for Lightweight Neural Networks, arXiv:2003.09855",
)
def tanhexp(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""TanhExp.

    .. math:: f(x) = x\tanh(e^x), \quad f'(x) = T + x u S, \quad f''(x) = uS(2 + x(1 - 2uT))

    with u = e^x, T = tanh u, S = sech^2 u. Beyond x = 40, T = 1 and uS = 0 exactly.
    """
    xc = np.minimum(x, 40.0)
    u = np.exp(xc)
    t, s2 = tanh_sech2(u)
    f = x * t
    if order == 0:
        return (f,)
    us = u * s2
    d = t + x * us
    if order == 1:
        return f, d
    return f, d, us * (2.0 + xc * (1.0 - 2.0 * u * t))


@register(
    "smish",
    title="Smish",
    family=Family.SMOOTH,
    symbol=r"\mathrm{Smish}",
    latex=r"\mathrm{Smish}(x) = \alpha x\,\tanh(\log(1 + \sigma(\beta x)))",
    latex_d=r"f'(x) = \alpha\left(T + \beta x\,(1 - T^2)\,"
    r"\frac{\sigma'(\beta x)}{1 + \sigma(\beta x)}\right)",
    text="alpha * x * tanh(log(1 + sigmoid(beta x)))",
    text_d="alpha * (T + beta x (1 - T^2) sigmoid'(beta x) / (1 + sigmoid(beta x))),"
    "  T = tanh(log(1 + sigmoid(beta x)))",
    params=(Param("alpha", 1.0, "output scale", minimum=0.0, strict=True),
            Param("beta", 1.0, "input scale", minimum=0.0, strict=True)),
    limits=lambda p: ((0.0, INF), (0.0, 0.6 * p["alpha"]), (0.0, 0.0)),
    reference="Wang, Ren & Wang (2022), Smish: A Novel Activation Function for Deep Learning "
    "Methods, Electronics 11(4), 540",
)
def smish(x: np.ndarray, order: int, alpha: float, beta: float) -> tuple[np.ndarray, ...]:
    r"""Smish, with the paper's output and input scales alpha and beta (both 1 by default,
    the values the paper found best).

    .. math:: f(x) = \alpha xT, \quad T = \tanh(\log(1 + a)) = \frac{n}{n+2},\
              n = a(a + 2),\ a = \sigma(y),\ y = \beta x

    :math:`f' = \alpha(T + ySq)` with :math:`S = 1 - T^2 = 4(n+1)/(n+2)^2`,
    :math:`q = \sigma'(y)/(1+a)`;
    :math:`f'' = \alpha\beta(2Sq + yS(\sigma''(y)/(1+a) - q^2(1+2T)))`.
    As x -> +inf the slope tends to alpha tanh(log 2) = 0.6 alpha.
    """
    y = x if beta == 1.0 else scaled(x, beta)
    a, an = logistic(y)
    n = a * (a + 2.0)
    den = n + 2.0
    t = n / den
    if alpha == 1.0:
        f = x * t
    else:  # alpha x first, so that a tiny x t does not underflow before a large alpha
        f = (alpha * x) * t
        fix(f, ~np.isfinite(f), lambda v, w: alpha * (v * w), x, t)
    far = _smish_tail(f, alpha, beta, x, y, 0)
    if order == 0:
        return (f,)
    s = 4.0 * (n + 1.0) / (den * den)
    da = a * an
    q = da / (1.0 + a)
    g = s * q
    d = t + y * g
    if alpha != 1.0:
        d *= alpha
    _smish_tail(d, alpha, beta, x, y, 1, far)
    if order == 1:
        return f, d
    dda = -da * tanh_half(y)
    dd = 2.0 * g + y * (s * (dda / (1.0 + a) - q * q * (1.0 + 2.0 * t)))
    scale = alpha * beta
    dd = dd * scale if math.isfinite(scale) else alpha * (beta * dd)
    _smish_tail(dd, alpha, beta, x, y, 2, far)
    if alpha > 1.0:  # the right tail of f'': (8/25) alpha beta (2 - y) e^{-y}, as above
        fix(dd, y > 700.0, lambda v: beta * ((0.32 * (2.0 - v)) * times_exp(alpha, -v)), y)
    return f, d, dd


def _smish_tail(out: np.ndarray, alpha: float, beta: float, x: np.ndarray, y: np.ndarray,
                order: int, far: np.ndarray | None = None) -> np.ndarray | None:
    """Where beta x < -700 and alpha > 1: sigma(y) = e^y has (nearly) underflowed, but
    alpha e^y may not have. There T = sigma(y) exactly in float64, so f = x E,
    f' = (1 + y) E, f'' = beta (2 + y) E with E = alpha e^y (:func:`times_exp`). (Beyond
    y = 700 only f'' decays, as (8/25) beta (2 - y) alpha e^{-y}.)"""
    if alpha <= 1.0:
        return None
    if far is None:
        far = np.flatnonzero(y < -700.0)
    if far.size:
        e = times_exp(alpha, y[far])
        xf, yf = x[far], y[far]
        out[far] = (xf * e, (1.0 + yf) * e, beta * ((2.0 + yf) * e))[order]
    return far


@register(
    "elish",
    title="ELiSH",
    family=Family.SMOOTH,
    symbol=r"\mathrm{ELiSH}",
    latex=r"\mathrm{ELiSH}(x) = x\,\sigma(x)\ (x \geq 0),\ \ (e^{x} - 1)\,\sigma(x)\ (x < 0)",
    latex_d=r"f'(x) = \sigma(x)(1 + x\sigma(-x))\ (x \geq 0),\ \ "
    r"e^{x}\sigma(x) + (e^{x} - 1)\sigma'(x)\ (x < 0)",
    text="x * sigmoid(x) if x >= 0 else (exp(x) - 1) * sigmoid(x)",
    text_d="silu'(x) if x >= 0 else exp(x) sigmoid(x) + (exp(x) - 1) sigmoid'(x)",
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    kinks=(Kink(0.0, 2, "the x >= 0 branch"),),
    at_kinks=fw.tables(
        torch=fw.torch("PyTorch has no elish: the x >= 0 branch, as autograd gives for "
                       "where(x >= 0, ...)", (0.0, 0.5, 0.5), label="the x >= 0 branch"),
        keras=fw.lacks("Keras 3 has no elish"), jax=fw.lacks("jax.nn has no elish")),
    reference="Basirat & Roth (2018), The Quest for the Golden Activation Function, "
    "arXiv:1808.00783",
)
def elish(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Exponential linear sigmoid squashing.

    C1 at 0: f'(0) = 1/2 from both sides, f'' jumps from 1 to 1/2. Convention: f''(0) = 1/2,
    the x >= 0 branch (what autograd gives for ``where(x >= 0, ...)``).
    """
    s, sn = logistic(x)
    pos = x >= 0
    ex, em = expm1_minus(np.minimum(x, 0.0))
    f = np.where(pos, x * s, em * s)
    if order == 0:
        return (f,)
    p = s * sn
    d = np.where(pos, s + x * p, ex * s + em * p)
    if order == 1:
        return f, d
    th = tanh_half(x)
    return f, d, np.where(pos, p * (2.0 - x * th), ex * s + 2.0 * ex * p - em * p * th)


SPARSE_PLUS_JAX = fw.jax("sparse_plus", "jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, "
                         "(x + 1.0)**2/4)), whose gradient is the branch taken: 0 at -1 and 1 "
                         "at 1, f'' 0 at both", (-1.0, 0.0, 0.0), (1.0, 1.0, 0.0))


@register(
    "sparse_plus",
    title="Sparse plus",
    family=Family.SMOOTH,
    aliases=("sparseplus",),
    symbol=r"\mathrm{SparsePlus}",
    latex=r"f(x) = 0\ (x \leq -1),\ \ (x + 1)^2/4\ (|x| < 1),\ \ x\ (x \geq 1)",
    latex_d=r"f'(x) = 0\ (x \leq -1),\ \ (x + 1)/2\ (|x| < 1),\ \ 1\ (x \geq 1)",
    text="0 if x <= -1; (x + 1)^2 / 4 if -1 < x < 1; x if x >= 1",
    text_d="0 if x <= -1; (x + 1) / 2 if -1 < x < 1; 1 if x >= 1",
    limits=((0.0, INF), (0.0, 1.0), (0.0, 0.0)),
    kinks=(Kink(-1.0, 2, "JAX autograd"), Kink(1.0, 2, "JAX autograd")),
    pieces=(Piece(-INF, -1.0, 0.0), Piece(1.0, INF, 1.0)),
    at_kinks=fw.tables(
        torch=fw.torch("PyTorch has no sparse_plus: JAX's values, which Keras 3 on PyTorch "
                       "(keras/src/backend/torch/nn.py sparse_plus, torch.where) gives too",
                       *SPARSE_PLUS_JAX.values, label=fw.JAX),
        keras=fw.keras_as_jax("sparse_plus", SPARSE_PLUS_JAX), jax=SPARSE_PLUS_JAX),
    reference="Blondel, Martins & Niculae (2020), Learning with Fenchel-Young Losses, "
    "JMLR 21(35)",
)
def sparse_plus(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Sparse plus (JAX's and Keras 3's ``sparse_plus``), a C1 piecewise quadratic softplus.

    Convention: f''(-1) = f''(1) = 0, as JAX autograd of its ``where`` form.
    """
    q = np.clip(x, -1.0, 1.0) + 1.0
    low, high = x <= -1.0, x >= 1.0
    f = np.where(low, 0.0, np.where(high, x, 0.25 * q * q))
    if order == 0:
        return (f,)
    d = np.where(low, 0.0, np.where(high, 1.0, 0.5 * q))
    if order == 1:
        return f, d
    return f, d, np.where(low | high, 0.0, 0.5)
