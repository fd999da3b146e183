"""Linear, step and other classic functions."""

from __future__ import annotations

import math

import numpy as np

from ._core import Family, Kink, Piece, register
from ._math import polynomial

INF = math.inf


@register(
    "identity",
    title="Identity",
    family=Family.LINEAR,
    aliases=("linear",),
    symbol=r"\mathrm{id}",
    latex=r"f(x) = x",
    latex_d=r"f'(x) = 1",
    text="x",
    text_d="1",
    limits=((-INF, INF), (1.0, 1.0), (0.0, 0.0)),
    pieces=(Piece(-INF, INF, 1.0),),
)
def identity(x, order):
    r"""Identity (Keras's ``linear``): f(x) = x."""
    f = x.copy()
    if order == 0:
        return (f,)
    if order == 1:
        return f, np.ones_like(x)
    return f, np.ones_like(x), np.zeros_like(x)


def _step_pieces():
    return (Piece(-INF, 0.0, 0.0), Piece(0.0, INF, 0.0))


@register(
    "binary_step",
    title="Binary step",
    family=Family.STEP,
    aliases=("heaviside", "step", "unit_step"),
    symbol=r"H",
    latex=r"H(x) = 1\ (x \geq 0),\ \ 0\ (x < 0)",
    latex_d=r"H'(x) = 0",
    text="1 if x >= 0 else 0",
    text_d="0",
    limits=((0.0, 1.0), (0.0, 0.0), (0.0, 0.0)),
    kinks=(Kink(0.0, 0, "by definition"),),
    pieces=_step_pieces(),
)
def binary_step(x, order):
    r"""Binary (Heaviside) step: 1 for x >= 0, else 0; f jumps at 0.

    Convention: f(0) = 1 (as the seed article and ``torch.heaviside(x, 1)``); f' = 0
    everywhere, including 0 (the step gives no gradient).
    """
    f = np.where(x >= 0, 1.0, 0.0)
    zeros = [np.zeros_like(x) for _ in range(order)]
    return (f, *zeros)


@register(
    "sign",
    title="Sign",
    family=Family.STEP,
    aliases=("signum", "sgn"),
    symbol=r"\mathrm{sign}",
    latex=r"\mathrm{sign}(x) = -1\ (x < 0),\ \ 0\ (x = 0),\ \ 1\ (x > 0)",
    latex_d=r"f'(x) = 0",
    text="-1 if x < 0; 0 if x == 0; 1 if x > 0",
    text_d="0",
    limits=((-1.0, 1.0), (0.0, 0.0), (0.0, 0.0)),
    kinks=(Kink(0.0, 0, "PyTorch autograd"),),
    pieces=_step_pieces(),
)
def sign(x, order):
    r"""Sign; f jumps from -1 to 1 at 0, where f(0) = 0.

    Convention: f' = 0 everywhere, including 0, as PyTorch autograd of ``torch.sign``.
    """
    f = np.sign(x)
    zeros = [np.zeros_like(x) for _ in range(order)]
    return (f, *zeros)


@register(
    "exponential",
    title="Exponential",
    family=Family.OTHER,
    aliases=("exp",),
    symbol=r"\exp",
    latex=r"f(x) = e^{x}",
    latex_d=r"f'(x) = e^{x}",
    text="exp(x)",
    text_d="exp(x)",
    limits=((0.0, INF), (0.0, INF), (0.0, INF)),
)
def exponential(x, order):
    r"""Exponential (Keras's ``exponential``); above x = 709.78 the value is inf, as it
    should be: it exceeds the float64 range."""
    e = np.exp(x)  # inf above 709.78 (under evaluate's errstate): beyond float64
    return (e, *(e.copy() for _ in range(order)))


@register(
    "gaussian",
    title="Gaussian",
    family=Family.OTHER,
    symbol=r"\mathrm{Gaussian}",
    latex=r"f(x) = e^{-x^2}",
    latex_d=r"f'(x) = -2x\,e^{-x^2}",
    text="exp(-x^2)",
    text_d="-2x exp(-x^2)",
    limits=((0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),
)
def gaussian(x, order):
    r"""Gaussian bump, the radial basis activation.

    .. math:: f(x) = e^{-x^2}, \quad f'(x) = -2xe^{-x^2}, \quad f''(x) = (4x^2 - 2)e^{-x^2}

    Beyond |x| = 40 all three are 0 (they underflow), computed without overflowing x^2.
    """
    xc = np.clip(x, -40.0, 40.0)
    g = np.exp(-xc * xc)
    if order == 0:
        return (g,)
    d = -2.0 * xc * g
    if order == 1:
        return g, d
    return g, d, (4.0 * xc * xc - 2.0) * g


# Taylor coefficients of sinc'(x)/x and sinc''(x) in z = x^2, used for |x| < 1 where the
# closed forms cancel: sinc(x) = sum (-1)^n x^(2n) / (2n+1)!.
_SINC_D = tuple((-1) ** n * 2 * n / math.factorial(2 * n + 1) for n in range(1, 13))
_SINC_DD = tuple((-1) ** n * 2 * n * (2 * n - 1) / math.factorial(2 * n + 1) for n in range(1, 13))


@register(
    "sinc",
    title="Sinc (unnormalised)",
    family=Family.OTHER,
    symbol=r"\mathrm{sinc}",
    latex=r"\mathrm{sinc}(x) = \frac{\sin x}{x}",
    latex_d=r"f'(x) = \frac{\cos x}{x} - \frac{\sin x}{x^2}",
    text="sin(x) / x  (1 at x = 0)",
    text_d="cos(x)/x - sin(x)/x^2  (0 at x = 0)",
    limits=((0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),
)
def sinc(x, order):
    r"""Unnormalised sinc, sin(x)/x with sinc(0) = 1. (NumPy's and PyTorch's ``sinc`` are
    the normalised sin(pi x)/(pi x), i.e. this function at pi x.)

    .. math:: f'(x) = \frac{\cos x - f(x)}{x}, \quad f''(x) = -\frac{\sin x + 2f'(x)}{x}

    For |x| < 1 the derivatives are summed from the Taylor series; the closed forms cancel.
    """
    small = np.abs(x) < 1.0
    xs = np.where(x == 0, 1.0, x)
    sin = np.sin(x)
    f = np.where(x == 0, 1.0, sin / xs)
    if order == 0:
        return (f,)
    xs_small = np.where(small, x, 0.0)
    z = xs_small * xs_small
    xb = np.where(small, 1.0, x)
    d_big = (np.cos(x) - sin / xb) / xb
    d = np.where(small, xs_small * polynomial(z, _SINC_D), d_big)
    if order == 1:
        return f, d
    return f, d, np.where(small, polynomial(z, _SINC_DD), -(sin + 2.0 * d_big) / xb)


@register(
    "bent_identity",
    title="Bent identity",
    family=Family.OTHER,
    symbol=r"\mathrm{BentId}",
    latex=r"f(x) = \frac{\sqrt{x^2 + 1} - 1}{2} + x",
    latex_d=r"f'(x) = \frac{x}{2\sqrt{x^2 + 1}} + 1",
    text="(sqrt(x^2 + 1) - 1) / 2 + x",
    text_d="x / (2 sqrt(x^2 + 1)) + 1",
    limits=((-INF, INF), (0.5, 1.5), (0.0, 0.0)),
)
def bent_identity(x, order):
    r"""Bent identity.

    .. math:: f(x) = \frac{x^2}{2(h + 1)} + x, \quad h = \sqrt{x^2+1}, \quad
              f'(x) = \frac{x}{2h} + 1, \quad f''(x) = \frac{1}{2h^3}

    (sqrt(x^2+1) - 1 rewritten as x^2/(h + 1) so that it does not cancel near 0.)
    """
    h = np.hypot(x, 1.0)
    f = 0.5 * x * (x / (h + 1.0)) + x
    if order == 0:
        return (f,)
    d = 0.5 * (x / h) + 1.0
    if order == 1:
        return f, d
    return f, d, 0.5 / h / h / h
