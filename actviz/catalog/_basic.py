"""Linear, step and other classic functions."""

from __future__ import annotations

import math

import numpy as np

from . import _frameworks as fw
from ._core import Family, Kink, Param, Piece, register
from ._math import polynomial, sinpi_cospi

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
def identity(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Identity (Keras's ``linear``): f(x) = x."""
    f = x.copy()
    if order == 0:
        return (f,)
    if order == 1:
        return f, np.ones_like(x)
    return f, np.ones_like(x), np.zeros_like(x)


def _step_pieces() -> tuple[Piece, ...]:
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
    at_kinks=fw.tables(
        torch=fw.torch("the step gives no gradient (PyTorch's torch.heaviside has none)",
                       (0.0, 0.0, 0.0), label="by definition"),
        keras=fw.lacks("Keras 3 has no step function"),
        jax=fw.lacks("jax.nn has no step function")),
)
def binary_step(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
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
    at_kinks=fw.tables(
        torch=fw.torch("torch.sign, SignBackward0: 0", (0.0, 0.0, 0.0)),
        keras=fw.lacks("keras.activations has no sign"), jax=fw.lacks("jax.nn has no sign")),
)
def sign(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
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
def exponential(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
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
def gaussian(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
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


SINC_NORMALIZED_FORMS = {
    "latex": r"\mathrm{sinc}(x) = \frac{\sin \pi x}{\pi x}",
    "latex_d": r"f'(x) = \frac{\cos \pi x}{x} - \frac{\sin \pi x}{\pi x^2}",
    "text": "sin(pi x) / (pi x)  (1 at x = 0)",
    "text_d": "(cos(pi x) - f(x)) / x  (0 at x = 0)",
}


@register(
    "sinc",
    title="Sinc",
    family=Family.OTHER,
    symbol=r"\mathrm{sinc}",
    latex=r"\mathrm{sinc}(x) = \frac{\sin x}{x}",
    latex_d=r"f'(x) = \frac{\cos x}{x} - \frac{\sin x}{x^2}",
    text="sin(x) / x  (1 at x = 0)",
    text_d="cos(x)/x - sin(x)/x^2  (0 at x = 0)",
    forms=lambda p: SINC_NORMALIZED_FORMS if p["normalized"] == "true" else {},
    params=(Param("normalized", "false", "'true' is NumPy's and PyTorch's sin(pi x)/(pi x)",
                  choices=("false", "true"), synonyms=(("no", "false"), ("yes", "true"),
                                                       ("0", "false"), ("1", "true"))),),
    limits=((0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),
)
def sinc(x: np.ndarray, order: int, normalized: str) -> tuple[np.ndarray, ...]:
    r"""Sinc, sin(x)/x with sinc(0) = 1; ``normalized="true"`` gives sin(pi x)/(pi x), the
    sinc of NumPy (``np.sinc``) and PyTorch (``torch.sinc``), which is this function at pi x
    and is 0 at every nonzero integer.

    .. math:: f'(x) = \frac{\cos x - f(x)}{x}, \quad f''(x) = -\frac{\sin x + 2f'(x)}{x};
              \quad \text{normalized: } f'(x) = \frac{\cos\pi x - f(x)}{x}, \quad
              f''(x) = -\pi^2 f(x) - \frac{2f'(x)}{x}

    For |x| < 1 (|pi x| < 1 normalized) the derivatives are summed from the Taylor series;
    the closed forms cancel. The normalized form takes sin(pi x) and cos(pi x) from an exact
    reduction of x (:func:`sinpi_cospi`), so its zeros at the integers are exact zeros.
    """
    if normalized == "true":
        return _sinc_normalized(x, order)
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


def _sinc_normalized(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    """sin(pi x)/(pi x) and its derivatives: the series in u = pi x for |u| < 1."""
    sin, cos = sinpi_cospi(x)
    xs = np.where(x == 0, 1.0, x)
    f = np.where(x == 0, 1.0, sin / (np.pi * xs))
    if order == 0:
        return (f,)
    small = np.abs(x) < 1.0 / np.pi
    u = np.where(small, np.pi * x, 0.0)
    z = u * u
    xb = np.where(small, 1.0, x)
    d_big = (cos - f) / xb
    d = np.where(small, np.pi * u * polynomial(z, _SINC_D), d_big)
    if order == 1:
        return f, d
    dd_big = -(np.pi * np.pi) * f - 2.0 * d_big / xb
    return f, d, np.where(small, (np.pi * np.pi) * polynomial(z, _SINC_DD), dd_big)


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
def bent_identity(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
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


LOG2 = math.log(2.0)


@register(
    "log1mexp",
    title="log(1 - exp(-|x|))",
    family=Family.OTHER,
    symbol=r"\mathrm{log1mexp}",
    latex=r"f(x) = \log(1 - e^{-|x|})",
    latex_d=r"f'(x) = \frac{\mathrm{sign}(x)}{e^{|x|} - 1}",
    text="log(1 - exp(-|x|))   (-inf at 0)",
    text_d="sign(x) / (exp(|x|) - 1)",
    limits=((0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),
    reference="Maechler (2012), Accurately Computing log(1 - exp(-|a|)), assessed by the "
    "Rmpfr package, CRAN vignette",
    poles=(0.0,),
)
def log1mexp(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""JAX's ``log1mexp``: log(1 - e^{-|x|}), even in x, -inf at 0 (a pole, not a kink).

    .. math:: f(x) = \log(1 - e^{-|x|}), \quad f'(x) = \frac{\mathrm{sign}\,x}{e^{|x|} - 1},
              \quad f''(x) = \frac{-1}{(e^{|x|} - 1)(1 - e^{-|x|})}
              = \frac{-1}{4\sinh^2(x/2)}

    For x >= 0 this is ``jax.nn.log1mexp``, including f(0) = -inf and f'(0) = +inf (the
    right side, as its custom derivative 1/expm1(x)). JAX leaves x < 0 undefined (NaN);
    actviz takes |x| there, as TensorFlow Probability's ``log1mexp``, which JAX's cites.
    Maechler's two branches keep every digit: log(-expm1(-a)) below a = log 2,
    log1p(-exp(-a)) above.
    """
    a = np.abs(x)
    near = a < LOG2
    em_neg = -np.expm1(-a)  # 1 - e^{-a}, exact relative
    f = np.where(near, np.log(em_neg), np.log1p(-np.exp(-a)))  # log(0) = -inf at 0
    if order == 0:
        return (f,)
    em = np.expm1(a)  # inf beyond 709.78: f' = 0 there, as it should (it is below 1e-308)
    d = np.where(x == 0, np.inf, np.sign(x) / em)
    if order == 1:
        return f, d
    return f, d, -1.0 / (em * em_neg)
