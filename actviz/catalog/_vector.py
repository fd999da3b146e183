"""Output functions on vectors: softmax, softmin, log_softmax, along the last axis."""

from __future__ import annotations

import numpy as np

from ._core import Family, register

REFERENCE = ("Bridle (1990), Probabilistic Interpretation of Feedforward Classification "
             "Network Outputs, with Relationships to Statistical Pattern Recognition, "
             "Neurocomputing, NATO ASI Series F68")


def _parts(x):
    """Softmax along the last axis, its complement 1 - s, and log of the normaliser.

    Returns ``(z, s, comp, log_total)`` where z = x - max (exactly 0 at the maxima, also when
    the maximum is +-inf), s = softmax, comp = 1 - s computed without cancellation (at the
    first maximum as the sum of the other terms), and log_total = log(sum(exp(z))).
    """
    m = np.max(x, axis=-1, keepdims=True)
    finite = np.isfinite(m)
    shifted = x - np.where(finite, m, 0.0)
    z = np.where(x == m, 0.0, np.where(finite, shifted, -np.inf))
    e = np.exp(z)
    first = np.argmax(z, axis=-1)[..., np.newaxis]
    others = e.copy()
    np.put_along_axis(others, first, 0.0, axis=-1)
    rest = others.sum(axis=-1, keepdims=True)
    total = 1.0 + rest
    s = e / total
    comp = (total - e) / total
    np.put_along_axis(comp, first, rest / total, axis=-1)
    return z, s, comp, np.log1p(rest)


def _vector(x, kernel):
    """Run ``kernel`` on rows without NaN; a row with a NaN gives NaN throughout."""
    bad = np.isnan(x).any(axis=-1, keepdims=True)
    if not bad.any():
        return kernel(x)
    outs = kernel(np.where(bad, 0.0, x))
    return tuple(np.where(bad, np.nan, out) for out in outs)


VECTOR_META = dict(family=Family.VECTOR, limits=None, vector=True, reference=REFERENCE)


@register(
    "softmax",
    title="Softmax",
    aliases=("soft_max",),
    symbol=r"\mathrm{softmax}",
    latex=r"\mathrm{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
    latex_d=r"\partial_i\,\mathrm{softmax}_i = s_i (1 - s_i)",
    text="exp(x_i) / sum_j exp(x_j)   (along the last axis)",
    text_d="s_i * (1 - s_i)   (diagonal of the Jacobian)",
    **VECTOR_META,
)
def softmax(x, order):
    r"""Softmax along the last axis; the derivatives are the diagonal of the Jacobian.

    .. math:: s_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \quad
              \frac{\partial s_i}{\partial x_i} = s_i(1 - s_i), \quad
              \frac{\partial^2 s_i}{\partial x_i^2} = s_i(1 - s_i)(1 - 2s_i)

    Shifted by the maximum m; 1 - s_i is computed as a sum of the other terms, so it keeps
    its digits when s_i is close to 1. An entry of +inf takes all the mass (shared equally
    between several), -inf entries get 0; a row containing NaN is NaN.
    """
    return _softmax(x, order, 1.0)


def _softmax(x, order, sign):
    """softmax(sign * x) and its derivatives in x (d/dx_i flips with the sign, the second
    derivative does not)."""
    def kernel(v):
        _, s, comp, _ = _parts(sign * v)
        if order == 0:
            return (s,)
        d = s * comp
        return (s, sign * d) if order == 1 else (s, sign * d, d * (comp - s))

    return _vector(x, kernel)


@register(
    "softmin",
    title="Softmin",
    aliases=("soft_min",),
    symbol=r"\mathrm{softmin}",
    latex=r"\mathrm{softmin}(x)_i = \frac{e^{-x_i}}{\sum_j e^{-x_j}}",
    latex_d=r"\partial_i\,\mathrm{softmin}_i = -s_i (1 - s_i)",
    text="exp(-x_i) / sum_j exp(-x_j)   (along the last axis)",
    text_d="-s_i * (1 - s_i)   (diagonal of the Jacobian)",
    **VECTOR_META,
)
def softmin(x, order):
    r"""Softmin along the last axis: softmax(-x).

    .. math:: \frac{\partial s_i}{\partial x_i} = -s_i(1 - s_i), \quad
              \frac{\partial^2 s_i}{\partial x_i^2} = s_i(1 - s_i)(1 - 2s_i)
    """
    return _softmax(x, order, -1.0)


@register(
    "log_softmax",
    title="Log-softmax",
    aliases=("logsoftmax",),
    symbol=r"\log\mathrm{softmax}",
    latex=r"\log\mathrm{softmax}(x)_i = x_i - \log\sum_j e^{x_j}",
    latex_d=r"\partial_i\,\log\mathrm{softmax}_i = 1 - s_i",
    text="x_i - log(sum_j exp(x_j))   (along the last axis)",
    text_d="1 - softmax(x)_i   (diagonal of the Jacobian)",
    **VECTOR_META,
)
def log_softmax(x, order):
    r"""Log-softmax along the last axis.

    .. math:: f_i = (x_i - m) - \log\left(1 + \sum_{j \ne k} e^{x_j - m}\right), \quad
              \frac{\partial f_i}{\partial x_i} = 1 - s_i, \quad
              \frac{\partial^2 f_i}{\partial x_i^2} = -s_i(1 - s_i)

    with k the position of the maximum m, so the logarithm is a ``log1p`` that keeps the tiny
    differences of a dominant entry.
    """
    def kernel(v):
        z, s, comp, log_total = _parts(v)
        f = z - log_total
        if order == 0:
            return (f,)
        return (f, comp) if order == 1 else (f, comp, -s * comp)

    return _vector(x, kernel)
