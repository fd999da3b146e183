"""Shrinkage functions: pull small inputs to (or towards) zero."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypedDict

import numpy as np

from . import _frameworks as fw
from ._core import AtKinks, Family, Kink, Limits, Param, Piece, register
from ._math import at, fix, polynomial, tanh_sech2

INF = math.inf
TORCH = "PyTorch autograd"
SHRINKAGE = ("Donoho & Johnstone (1994), Ideal spatial adaptation by wavelet shrinkage, "
             "Biometrika 81(3)")

# x - tanh(x) = x^3 * sum(c[k] * x^(2k)) from the Taylor series of tanh; used for |x| < 0.1,
# where x - tanh(x) would cancel. Seven terms leave a truncation error below 1e-17 relative.
_TANHSHRINK_SERIES = (1 / 3, -2 / 15, 17 / 315, -62 / 2835, 1382 / 155925,
                      -21844 / 6081075, 929569 / 638512875)


def _series(x: np.ndarray) -> np.ndarray:
    z = x * x
    return x * z * polynomial(z, _TANHSHRINK_SERIES)


@register(
    "tanhshrink",
    title="Tanhshrink",
    family=Family.SHRINK,
    aliases=("tanh_shrink",),
    symbol=r"\mathrm{Tanhshrink}",
    latex=r"\mathrm{Tanhshrink}(x) = x - \tanh(x)",
    latex_d=r"f'(x) = \tanh^2(x)",
    text="x - tanh(x)",
    text_d="tanh(x)^2",
    limits=((-INF, INF), (1.0, 1.0), (0.0, 0.0)),
)
def tanhshrink(x: np.ndarray, order: int,
               out: list[np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    r"""Tanhshrink.

    .. math:: f(x) = x - \tanh x, \quad f'(x) = \tanh^2 x, \quad
              f''(x) = 2\tanh x\,\operatorname{sech}^2 x

    For |x| < 0.1 the difference x - tanh x (about x^3/3) is summed from its Taylor series,
    since the subtraction would lose up to all digits.
    """
    t, s2 = tanh_sech2(x)
    f = np.subtract(x, t, out=at(out, 0))
    fix(f, np.abs(x) < 0.1, _series, x)
    if order == 0:
        return (f,)
    d = np.multiply(t, t, out=at(out, 1))
    if order == 1:
        return f, d
    return f, d, np.multiply(2.0 * t, s2, out=at(out, 2))


class _ShrinkMeta(TypedDict):
    """What softshrink and hardshrink share: the :class:`Definition` fields of that name."""

    params: tuple[Param, ...]
    limits: Limits
    kinks: Callable[[Mapping[str, Any]], tuple[Kink, ...]]
    pieces: Callable[[Mapping[str, Any]], tuple[Piece, ...]]
    at_kinks: Callable[[Mapping[str, Any]], dict[str, AtKinks]]


def _shrink_meta(jump: int, torch: str, keras: str) -> _ShrinkMeta:
    """limits, kinks, pieces and values at kinks shared by softshrink and hardshrink (order 0 =
    jumps): torch and keras cite the frameworks' sources; both give 0 at +-lambd."""
    def kinks(p: Mapping[str, Any]) -> tuple[Kink, ...]:
        lam = p["lambd"]
        return (Kink(-lam, jump, TORCH), Kink(lam, jump, TORCH)) if lam > 0 else ()

    def pieces(p: Mapping[str, Any]) -> tuple[Piece, ...]:
        lam = p["lambd"]
        inner = (Piece(-lam, lam, 0.0),) if lam > 0 else ()
        return (Piece(-INF, -lam, 1.0), *inner, Piece(lam, INF, 1.0))

    def at_kinks(p: Mapping[str, Any]) -> dict[str, AtKinks]:
        lam = p["lambd"]
        points = ((-lam, 0.0, 0.0), (lam, 0.0, 0.0)) if lam > 0 else ()
        return fw.tables(torch=fw.torch(torch, *points), keras=fw.keras(keras, *points),
                         jax=fw.lacks("jax.nn has no shrinkage functions"))

    return _ShrinkMeta(
        params=(Param("lambd", 0.5, "half-width of the zero band", minimum=0.0),),
        limits=((-INF, INF), (1.0, 1.0), (0.0, 0.0)),
        kinks=kinks,
        pieces=pieces,
        at_kinks=at_kinks,
    )


def _outside(x: np.ndarray, lambd: float) -> np.ndarray:
    return np.abs(x) > lambd


@register(
    "softshrink",
    title="Soft shrinkage",
    family=Family.SHRINK,
    aliases=("soft_shrink",),
    symbol=r"\mathrm{Softshrink}",
    latex=r"f(x) = x - \lambda\ (x > \lambda),\ \ x + \lambda\ (x < -\lambda),\ \ 0\ "
    r"\mathrm{otherwise}",
    latex_d=r"f'(x) = 1\ (|x| > \lambda),\ \ 0\ \mathrm{otherwise}",
    text="x - lambd if x > lambd; x + lambd if x < -lambd; else 0",
    text_d="1 if |x| > lambd else 0",
    reference=SHRINKAGE,
    **_shrink_meta(
        jump=1,
        torch="torch.nn.functional.softshrink, SoftshrinkBackward0: 1 only where |x| > lambd",
        keras="keras/src/backend/jax/nn.py soft_shrink (lambd is Keras's threshold): "
        "jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, 0.0)), "
        "whose gradient is the branch taken: 0 at +-threshold"),
)
def softshrink(x: np.ndarray, order: int, lambd: float) -> tuple[np.ndarray, ...]:
    r"""Soft shrinkage (soft thresholding).

    Convention: f'(-lambd) = f'(lambd) = 0, as PyTorch autograd.
    """
    f = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0))
    if order == 0:
        return (f,)
    d = np.where(_outside(x, lambd), 1.0, 0.0)
    if order == 1:
        return f, d
    return f, d, np.zeros_like(x)


@register(
    "hardshrink",
    title="Hard shrinkage",
    family=Family.SHRINK,
    aliases=("hard_shrink",),
    symbol=r"\mathrm{Hardshrink}",
    latex=r"f(x) = x\ (|x| > \lambda),\ \ 0\ \mathrm{otherwise}",
    latex_d=r"f'(x) = 1\ (|x| > \lambda),\ \ 0\ \mathrm{otherwise}",
    text="x if |x| > lambd else 0",
    text_d="1 if |x| > lambd else 0",
    reference=SHRINKAGE,
    **_shrink_meta(
        jump=0,
        torch="torch.nn.functional.hardshrink, HardshrinkBackward0: 1 only where |x| > lambd",
        keras="keras/src/backend/jax/nn.py hard_shrink (lambd is Keras's threshold): "
        "jnp.where(jnp.abs(x) > threshold, x, 0.0), whose gradient is the branch taken: 0 at "
        "+-threshold"),
)
def hardshrink(x: np.ndarray, order: int, lambd: float) -> tuple[np.ndarray, ...]:
    r"""Hard shrinkage (hard thresholding); f jumps at +-lambd.

    Convention: f(+-lambd) = 0 and f'(+-lambd) = 0, as PyTorch.
    """
    outside = _outside(x, lambd)
    f = np.where(outside, x, 0.0)
    if order == 0:
        return (f,)
    d = np.where(outside, 1.0, 0.0)
    if order == 1:
        return f, d
    return f, d, np.zeros_like(x)
