"""Gaussian expectations of one function, split at its kinks and jumps (the numerics
section of :mod:`actviz.meanfield`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._quadrature import integrate_tasks as _integrate
from ..catalog import Activation, Kink

Z_REACH = 38.0
"""Integration range |z| <= Z_REACH: the standard normal density is below 1e-313 beyond."""

_RTOL = 1e-12
"""Accept an interval when |K15 - G7| <= _RTOL * (integral of |f| over the task)."""


_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _intervals(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of break points (n, p) -> the intervals [a, b] between consecutive sorted points,
    with their row as task; intervals of zero length are dropped."""
    points = np.sort(points, axis=1)
    a, b = points[:, :-1], points[:, 1:]
    task = np.broadcast_to(np.arange(points.shape[0])[:, None], a.shape)
    keep = b > a
    return a[keep], b[keep], task[keep]


_BASE = np.array([-Z_REACH, -16.0, -8.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 8.0, 16.0, Z_REACH])
_BASE_HALF = np.array([0.0, 1.0, 2.0, 4.0, 8.0, 16.0, Z_REACH])


_FEATURES = np.array([-16.0, -4.0, -1.0, -0.25, 0.0, 0.25, 1.0, 4.0, 16.0])
"""Break points in u as well as in z: the functions change character at |u| ~ 1, which is a
narrow stretch of z when q is large (a width 1/sqrt(q)) and would slip between the nodes."""


def _gauss(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / _SQRT_2PI


# --- the function's kinks, and expectations split there ------------------------------------------

def kinks_between(act: Activation, lo: float, hi: float) -> tuple[Kink, ...]:
    """The kinks and jumps of ``act`` in [lo, hi], sorted: the one place the integrals learn
    where to split (for user formulas, found on that range)."""
    return tuple(act.kinks_in(lo, hi))


def one_sided(act: Activation, x: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    """f, f', ... (up to ``order``) just left and just right of x: two arrays (order + 1,)."""
    points = np.array([np.nextafter(x, -math.inf), np.nextafter(x, math.inf)])
    values = np.array(list(act.evaluate(points, order)))
    return values[:, 0], values[:, 1]


def jump_size(act: Activation, kink: Kink) -> float:
    """phi(k+) - phi(k-): nonzero only at a jump."""
    if kink.order != 0:
        return 0.0
    left, right = one_sided(act, kink.x, 0)
    return float(right[0] - left[0])


def normal_density(x: float, q: float) -> float:
    """The N(0, q) density at x."""
    return math.exp(-x * x / (2 * q)) / math.sqrt(2 * math.pi * q)


Fn = Callable[[np.ndarray], list[np.ndarray]]
Fn2 = Callable[[np.ndarray, np.ndarray], list[np.ndarray]]


def expect(fn: Fn, kinks: np.ndarray, mean: Any, std: Any,
            rtol: float = _RTOL) -> np.ndarray:
    r"""E[g(m + s z)] for z ~ N(0, 1) and every pair (m, s) at once: an array (k, n), where
    ``fn(u)`` returns the k integrands g at the points u.

    The integral over |z| <= Z_REACH is split at the ``kinks`` mapped into z, (k - m)/s, so that
    every piece is smooth. Where s = 0 the expectation is g(m) (the mean of the one-sided
    values when m is a kink: the limit s -> 0)."""
    mean, std = np.broadcast_arrays(np.atleast_1d(np.asarray(mean, dtype=float)),
                                    np.atleast_1d(np.asarray(std, dtype=float)))
    n = mean.size
    spread = std > 0
    parts: dict[str, np.ndarray] = {}
    if spread.any():
        m, s = mean[spread], std[spread]
        cuts = np.concatenate([kinks, np.setdiff1d(_FEATURES, kinks)])
        with np.errstate(all="ignore"):
            mapped = np.clip((cuts[None, :] - m[:, None]) / s[:, None], -Z_REACH, Z_REACH)
        a, b, task = _intervals(np.concatenate(
            [np.broadcast_to(_BASE, (m.size, _BASE.size)), mapped], axis=1))
        a, b = (a + b) / 2, (b - a) / 2

        def integrand(x: np.ndarray, t: np.ndarray) -> np.ndarray:
            weight = _gauss(x)
            values = fn(m[t][:, None] + s[t][:, None] * x)
            return np.stack([np.where(weight > 0, g * weight, 0.0) for g in values])

        parts["spread"] = _integrate(integrand, a, b, task, m.size, rtol)
    if not spread.all():
        points = mean[~spread]
        values = np.stack(fn(points))
        for j, x in enumerate(points):
            if np.any(kinks == x):
                sides = np.stack(fn(np.array([np.nextafter(x, -math.inf),
                                              np.nextafter(x, math.inf)])))
                values[:, j] = sides.mean(axis=1)
        parts["point"] = values
    k = next(iter(parts.values())).shape[0]
    out = np.empty((k, n))
    if "spread" in parts:
        out[:, spread] = parts["spread"]
    if "point" in parts:
        out[:, ~spread] = parts["point"]
    return out


def expect2(fn: Fn2, kinks: np.ndarray, q: float, delta: Any,
             rtol: float = _RTOL) -> np.ndarray:
    r"""E[g(u_1, u_2)] with u_{1,2} = sqrt(q) (a x ± b y), a = sqrt(1 - δ/2), b = sqrt(δ/2),
    x, y ~ N(0, 1) independent (variance q, correlation c = 1 - δ), for each δ in (0, 2]:
    an array (k, n).

    ``fn(m, e)`` returns k integrands at u_{1,2} = m ± e (e = sqrt(q) b y >= 0 exactly, so
    that u_1 - u_2 = 2e carries no rounding), each symmetric under u_1 <-> u_2 (y -> -y): the
    outer integral runs over y >= 0 and doubles. The inner integral over x is split where u_1
    or u_2 crosses a kink, the outer one where two of those lines cross,
    y = (k_i - k_j) / (2 b sqrt q)."""
    delta = np.atleast_1d(np.asarray(delta, dtype=float))
    n = delta.size
    root = math.sqrt(q)
    a_all, b_all = np.sqrt(1.0 - delta / 2), np.sqrt(delta / 2)
    cuts = np.concatenate([kinks, np.setdiff1d(_FEATURES, kinks)])
    gaps = np.array(sorted({ki - kj for ki in kinks for kj in kinks if ki > kj}
                           | {2.0 * f for f in _FEATURES if f > 0}))
    with np.errstate(all="ignore"):
        meet = np.clip(gaps[None, :] / (2 * root * b_all)[:, None], 0.0, Z_REACH)
    oa, ob, otask = _intervals(np.concatenate(
        [np.broadcast_to(_BASE_HALF, (n, _BASE_HALF.size)), meet], axis=1))
    oa, ob = (oa + ob) / 2, (ob - oa) / 2

    def outer(y: np.ndarray, t: np.ndarray) -> np.ndarray:
        ys = y.ravel()
        ts = np.repeat(t, y.shape[1])
        a, shift = a_all[ts], root * b_all[ts] * ys
        slope = root * a
        with np.errstate(all="ignore"):
            lo = (cuts[None, :] - shift[:, None]) / slope[:, None]
            hi = (cuts[None, :] + shift[:, None]) / slope[:, None]
            lo = np.clip(np.nan_to_num(lo, nan=Z_REACH), -Z_REACH, Z_REACH)
            hi = np.clip(np.nan_to_num(hi, nan=Z_REACH), -Z_REACH, Z_REACH)
            middle = kinks[None, :] / slope[:, None]
            width = shift / slope
        # Between the lines u_1 = k and u_2 = k lies a band of width 2 shift / slope. Its
        # width is set exactly, not taken from two rounded end points (1e-10 apart near
        # x = 10, say). A band narrower than 1e-13 of its centre, where x cannot resolve it,
        # is integrated apart: 2 width g(k+, k-) density(centre), with g taken at the one-sided
        # values (u_1 - k and k - u_2 are then below 1e-13 |k|).
        thin = width[:, None] <= 1e-13 * np.maximum(1.0, np.abs(middle))
        thin &= np.abs(middle) < Z_REACH
        nk = kinks.size
        lo[:, :nk] = np.where(thin, middle, lo[:, :nk])
        hi[:, :nk] = np.where(thin, middle, hi[:, :nk])
        ia, ib, itask = _intervals(np.concatenate(
            [np.broadcast_to(_BASE, (ys.size, _BASE.size)), lo, hi], axis=1))
        centre, half = (ia + ib) / 2, (ib - ia) / 2
        for j in range(nk):
            band = (ia == lo[itask, j]) & (ib == hi[itask, j])
            centre[band] = middle[itask[band], j]
            half[band] = width[itask[band]]
        rows, cols = np.nonzero(thin & (width[:, None] > 0))

        def inner(x: np.ndarray, s: np.ndarray) -> np.ndarray:
            base = slope[s][:, None] * x
            offset = shift[s][:, None]
            weight = _gauss(x)
            values = fn(base, np.broadcast_to(offset, base.shape))
            return np.stack([np.where(weight > 0, g * weight, 0.0) for g in values])

        values = _integrate(inner, centre, half, itask, ys.size, rtol * 1e-2, budget=200)
        if rows.size:
            at = kinks[cols]
            sides = np.stack(fn(at, np.spacing(np.abs(at))))
            band = 2.0 * width[rows] * _gauss(middle[rows, cols]) * sides
            for i in range(values.shape[0]):
                values[i] += np.bincount(rows, band[i], ys.size)
        return (values * (2.0 * _gauss(ys))).reshape((values.shape[0], *y.shape))

    return _integrate(outer, oa, ob, otask, n, rtol, budget=100)
