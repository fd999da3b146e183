"""Adaptive Gauss-Kronrod quadrature (G7/K15, QUADPACK's qk15) on many intervals at once, in
NumPy: every open interval of a round is evaluated in one call of the integrand, so that a
formula (whose evaluation costs the same for one point as for a hundred) is integrated in a
few dozen calls instead of thousands, and no warning is ever printed.

:func:`integrate` gives one integral (analysis: Gaussian statistics, diff's integrals);
:func:`integrate_tasks` many at once, several integrands per task (meanfield: the variance
and correlation maps at every q and c of a grid). One rule, one module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

_XK_HALF = (0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
            0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
            0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
            0.207784955007898467600689403773245, 0.0)
_WK_HALF = (0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
            0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
            0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
            0.204432940075298892414161999234649, 0.209482141084727828012999174891714)
_WG_HALF = (0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
            0.381830050505118944950369775488975, 0.417959183673469387755102040816327)
XK = np.array([-x for x in _XK_HALF[:-1]] + list(_XK_HALF[::-1]))
WK = np.array(list(_WK_HALF[:-1]) + list(_WK_HALF[::-1]))
WG = np.zeros(15)
WG[1::2] = list(_WG_HALF) + list(_WG_HALF[-2::-1])


def integrate(f: Callable[[np.ndarray], np.ndarray], edges: Sequence[float],
              rtol: float = 1e-13, atol: float = 1e-15, rounds: int = 60,
              budget: int = 5000) -> tuple[float, bool]:
    """The integral of f over [edges[0], edges[-1]], split at the edges (where f is not smooth),
    and whether every piece met the tolerance.

    ``f(x)`` takes an array of points and returns f at each. Each round evaluates K15 and G7
    on every open interval; one is accepted when |K15 - G7| <= max(atol, rtol * S), S the
    integral of |f| over the whole range so far, or when the difference is at the level of
    rounding (1e-14 of the interval's own integral of |f|), and halved otherwise. An interval
    where f is not finite is accepted as it is (the integral is then inf or NaN). After
    ``rounds`` halvings, or with more than ``budget`` intervals open, the rest are accepted
    and the integral is reported as not converged."""
    points = np.asarray(sorted(set(edges)), dtype=np.float64)
    centre = (points[1:] + points[:-1]) / 2
    half = (points[1:] - points[:-1]) / 2
    keep = half > 0
    centre, half = centre[keep], half[keep]
    parts: list[np.ndarray] = []
    absolute = 0.0
    converged = True
    for step in range(rounds):
        if centre.size == 0:
            break
        x = centre[:, None] + half[:, None] * XK
        with np.errstate(all="ignore"):
            y = np.asarray(f(x.reshape(-1)), dtype=np.float64).reshape(x.shape)
            kron = (y @ WK) * half
            gauss = (y @ WG) * half
            magnitude = (np.abs(y) @ WK) * half
            err = np.abs(kron - gauss)
            scale = absolute + float(np.sum(magnitude[np.isfinite(magnitude)]))
        finite = np.isfinite(kron) & np.isfinite(err)
        good = (err <= max(atol, rtol * scale)) | (err <= 1e-14 * magnitude)
        tiny = half <= 1e-13 * np.maximum(np.abs(centre), 1e-300)
        last = step == rounds - 1 or 2 * np.count_nonzero(~good) > budget
        if last and not (good | ~finite | tiny).all():
            converged = False
        done = good | ~finite | tiny | last
        parts.append(kron[done])
        absolute += float(np.sum(magnitude[done & np.isfinite(magnitude)]))
        centre, half = centre[~done], half[~done] / 2
        centre = np.concatenate([centre - half, centre + half])
        half = np.concatenate([half, half])
    values = np.concatenate(parts) if parts else np.zeros(0)
    if np.isfinite(values).all():
        return math.fsum(values.tolist()), converged
    with np.errstate(all="ignore"):
        return float(np.sum(values)), converged


def integrate_tasks(f: Callable[[np.ndarray, np.ndarray], np.ndarray], centre: np.ndarray,
               half: np.ndarray, task: np.ndarray, ntasks: int, rtol: float = 1e-12,
               rounds: int = 40, budget: int = 1000) -> np.ndarray:
    """Integrals over the intervals [centre_i - half_i, centre_i + half_i], summed per
    ``task``: an array (k, ntasks). Intervals are kept as centre and half-width, so that a
    narrow interval far from 0 keeps its width exactly.

    ``f(x, task)`` takes nodes x of shape (m, 15) and their tasks (m,) and returns the k
    integrands at once, shape (k, m, 15). Each round evaluates K15 and G7 on every open
    interval in one call; an interval is accepted when |K15 - G7| <= rtol times the integral
    of |f| over its whole task, for every component, or when the difference is at the level
    of rounding (1e-14 of the interval's own integral of |f|), and halved otherwise.
    Intervals with a non-finite value are accepted as they are (the integral is then inf or
    nan). After ``rounds`` halvings, or when more than ``budget`` intervals per task would be
    open, every open interval is accepted: a safeguard against an integrand whose own
    rounding noise no tolerance can meet.
    """
    total: np.ndarray | None = None
    absolute: np.ndarray | None = None
    for step in range(rounds):
        if centre.size == 0:
            break
        x = centre[:, None] + half[:, None] * XK
        with np.errstate(all="ignore"):
            y = f(x, task)
            kron = (y @ WK) * half
            gauss = (y @ WG) * half
            magnitude = (np.abs(y) @ WK) * half
            err = np.abs(kron - gauss)
        k = y.shape[0]
        if total is None:
            total = np.zeros((k, ntasks))
            absolute = np.zeros((k, ntasks))
        assert absolute is not None
        scale = absolute + np.stack([np.bincount(task, magnitude[i], ntasks)
                                     for i in range(k)])
        finite = np.isfinite(kron).all(axis=0) & np.isfinite(err).all(axis=0)
        good = ((err <= rtol * scale[:, task]) | (err <= 1e-14 * magnitude)).all(axis=0)
        tiny = half <= 1e-13 * np.maximum(np.abs(centre), 1e-300)
        last = step == rounds - 1 or 2 * np.count_nonzero(~good) > budget * ntasks
        done = good | ~finite | tiny | last
        for i in range(k):
            total[i] += np.bincount(task[done], kron[i, done], ntasks)
            absolute[i] += np.bincount(task[done], magnitude[i, done], ntasks)
        split = ~done
        centre, half, task = centre[split], half[split] / 2, task[split]
        centre = np.concatenate([centre - half, centre + half])
        half, task = np.concatenate([half, half]), np.concatenate([task, task])
    assert total is not None
    return total
