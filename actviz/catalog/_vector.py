"""Output functions on vectors: softmax, softmin, log_softmax, along the last axis."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import Family, register

REFERENCE = ("Bridle (1990), Probabilistic Interpretation of Feedforward Classification "
             "Network Outputs, with Relationships to Statistical Pattern Recognition, "
             "Neurocomputing, NATO ASI Series F68")


def _parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def _vector(x: np.ndarray,
            kernel: Callable[[np.ndarray], tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
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
def softmax(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Softmax along the last axis; the derivatives are the diagonal of the Jacobian.

    .. math:: s_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \quad
              \frac{\partial s_i}{\partial x_i} = s_i(1 - s_i), \quad
              \frac{\partial^2 s_i}{\partial x_i^2} = s_i(1 - s_i)(1 - 2s_i)

    Shifted by the maximum m; 1 - s_i is computed as a sum of the other terms, so it keeps
    its digits when s_i is close to 1. An entry of +inf takes all the mass (shared equally
    between several), -inf entries get 0; a row containing NaN is NaN.
    """
    return _softmax(x, order, 1.0)


def _softmax(x: np.ndarray, order: int, sign: float) -> tuple[np.ndarray, ...]:
    """softmax(sign * x) and its derivatives in x (d/dx_i flips with the sign, the second
    derivative does not)."""
    def kernel(v: np.ndarray) -> tuple[np.ndarray, ...]:
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
def softmin(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
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
def log_softmax(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Log-softmax along the last axis.

    .. math:: f_i = (x_i - m) - \log\left(1 + \sum_{j \ne k} e^{x_j - m}\right), \quad
              \frac{\partial f_i}{\partial x_i} = 1 - s_i, \quad
              \frac{\partial^2 f_i}{\partial x_i^2} = -s_i(1 - s_i)

    with k the position of the maximum m, so the logarithm is a ``log1p`` that keeps the tiny
    differences of a dominant entry.
    """
    def kernel(v: np.ndarray) -> tuple[np.ndarray, ...]:
        z, s, comp, log_total = _parts(v)
        f = z - log_total
        if order == 0:
            return (f,)
        return (f, comp) if order == 1 else (f, comp, -s * comp)

    return _vector(x, kernel)


@register(
    "sparsemax",
    title="Sparsemax",
    aliases=("sparse_max",),
    symbol=r"\mathrm{sparsemax}",
    latex=r"\mathrm{sparsemax}(x)_i = \max(x_i - \tau(x), 0)",
    latex_d=r"\partial_i\,\mathrm{sparsemax}_i = [x_i > \tau]\,(1 - 1/k)",
    text="max(x_i - tau, 0), tau such that the outputs sum to 1   (along the last axis)",
    text_d="1 - 1/k on the support {i: x_i > tau} of k entries, else 0   (diagonal of the "
    "Jacobian)",
    family=Family.VECTOR,
    limits=None,
    vector=True,
    flavor_note="the derivative at the edge of the support (x_i = tau) is 0 in every flavor "
    "(the edge moves with the input: it is no fixed kink). Keras 3 on JAX gives "
    "1/2 there (jnp.maximum's tie, keras/src/backend/jax/nn.py sparsemax), on PyTorch 1, but "
    "its tau is wrong for supports of two entries or more (keras-team/keras#23425)",
    reference="Martins & Astudillo (2016), From Softmax to Sparsemax: A Sparse Model of "
    "Attention and Multi-Label Classification, ICML, arXiv:1602.02068",
)
def sparsemax(x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    r"""Sparsemax along the last axis (Keras 3's ``sparsemax``): the Euclidean projection of
    x onto the probability simplex.

    .. math:: s_i = \max(x_i - \tau, 0), \quad
              \tau = \frac{\sum_{j \le k} x_{(j)} - 1}{k}, \quad
              k = \max\{j : 1 + j\,x_{(j)} > \textstyle\sum_{l \le j} x_{(l)}\}

    with x_(1) >= x_(2) >= ... sorted. It is piecewise linear: the Jacobian is
    diag(u) - u u^T / k with u the indicator of the support, so the derivative (the diagonal)
    is 1 - 1/k on the support and 0 off it, and the second derivative is 0.
    Convention: at the edge of the support (x_i = tau, s_i = 0) the derivative is 0, the side
    where i is outside (PyTorch autograd of Keras's formula gives 1 there, JAX's 1/2), in every
    flavor: the edge moves with the input, and no flavor carries a value there.
    Shifted by the maximum, as softmax; an entry of +inf takes all the mass (shared equally
    between several), -inf entries get 0; a row containing NaN is NaN. Each value is exact
    to about k ulps absolute (s_i = x_i - tau subtracts). Keras 3 up to at least 3.15.1
    computes tau wrongly whenever the support has two entries or more (its outputs do not
    sum to 1; keras-team/keras#23425).
    """
    return _vector(x, lambda v: _sparsemax(v, order))


def _sparsemax(v: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
    m = np.max(v, axis=-1, keepdims=True)
    finite = np.isfinite(m)
    # z = x - max, exactly 0 at the maxima (also an infinite maximum); entries below -1 are
    # never in the support, so -2 stands for them all (also an x - max that overflows to
    # -inf, as -1e308 - 1e308) and no -inf enters the sums.
    with np.errstate(over="ignore"):
        z = np.where(v == m, 0.0, np.where(finite, v - np.where(finite, m, 0.0), -2.0))
    np.maximum(z, -2.0, out=z)
    ordered = -np.sort(-z, axis=-1)
    total = np.cumsum(ordered, axis=-1)
    rank = np.arange(1, z.shape[-1] + 1, dtype=np.float64)
    k = np.sum(1.0 + rank * ordered > total, axis=-1, keepdims=True)  # >= 1: the maximum
    tau = (np.take_along_axis(total, k - 1, axis=-1) - 1.0) / k
    s = np.maximum(z - tau, 0.0)
    if order == 0:
        return (s,)
    d = np.where(z > tau, 1.0 - 1.0 / k, 0.0)
    return (s, d) if order == 1 else (s, d, np.zeros_like(s))
