"""Limits at +-inf read from far-out values, and the check that a user function's values are
finite where they should be (the catalog's are, by its tests)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .._numbers import format_number, text_number
from ..errors import NotFiniteError

if TYPE_CHECKING:
    from ._core import Activation, Limits

FAR = 10.0 ** np.array([20.0, 40.0, 80.0, 160.0, 300.0])
"""Where limits at +-inf are read when a function does not declare them."""


# --- limits by sampling ------------------------------------------------------------------------

def _limit_of(values: np.ndarray) -> float:
    """The limit of a sequence read at ever larger |x|: see :func:`sampled_limits`."""
    if np.isnan(values).any():
        return math.nan
    last = float(values[-1])
    signs = set(np.sign(values).tolist())
    magnitude = np.abs(values)
    if np.isfinite(values).all():
        gaps = np.abs(values - last)
        if gaps[-2] <= 1e-12 * max(1.0, abs(last)) and np.all(gaps[1:] <= gaps[:-1]):
            return 0.0 if abs(last) < 1e-100 else last
    if len(signs) == 1 and 0.0 not in signs and np.all(magnitude[1:] >= magnitude[:-1]) and \
            magnitude[-1] / 2 >= magnitude[0]:
        return math.copysign(math.inf, last)
    return math.nan


def sampled_limits(evaluate: Callable[[np.ndarray, int], Sequence[np.ndarray]]) -> Limits:
    """((f(-inf), f(+inf)), (f'(-inf), f'(+inf)), (f''(-inf), f''(+inf))) read from the values
    at x = +-1e20, 1e40, 1e80, 1e160, 1e300.

    A finite limit when the values approach the last one monotonically in distance and the
    last two agree to 1e-12 relative to max(1, |value|) (a limit below 1e-100 is taken as 0:
    x^(-1/2) at 1e300 is 5e-151); +-inf when they keep one sign and grow in magnitude to at
    least twice the first (or overflow to inf); NaN, "no limit known", otherwise: for an
    oscillating function (sin), a function undefined there (log at -inf), or one that
    converges too slowly to tell (1 + 1/log(x))."""
    xs = np.concatenate([-FAR, FAR])
    with np.errstate(all="ignore"):
        outs = evaluate(xs, 2)
    n = len(FAR)
    return cast("Limits", tuple(
        tuple(_limit_of(np.asarray(out, dtype=np.float64).reshape(-1)[side * n:(side + 1) * n])
              for side in (0, 1))
        for out in outs[:3]))


# --- checking results --------------------------------------------------------------------------

NAMES = ("f", "f'", "f''")


def check_finite(act: Activation, x: Any, outs: Sequence[np.ndarray] | None = None,
                 order: int = 2, why: str = "") -> None:
    """Raise :class:`NotFiniteError` ``'log(x)': f is not finite at x = 0 (it is -inf
    there)`` at the first finite x where f, f' or f'' (up to ``order``) is NaN or +-inf;
    where a formula as typed cannot give the value in float64, the message says why instead.

    ``outs`` are the results of ``act.evaluate(x, order)`` when the caller has them (the
    check then costs one pass over them); built-in functions return at once. ``why`` ends the
    message (why these x are needed) in place of "choose a range where ..."."""
    if act.definition.origin == "catalog":
        return
    x = np.asarray(x, dtype=np.float64)
    if outs is None:
        outs = act.evaluate(x, order)
    finite_x = np.isfinite(x)
    for k, out in enumerate(outs[:order + 1]):
        out = np.asarray(out, dtype=np.float64)
        bad = ~np.isfinite(out)
        if out.ndim > x.ndim:
            bad = bad.reshape(*x.shape, -1).any(axis=-1)
        bad &= finite_x
        if bad.any():
            flat = np.flatnonzero(bad.reshape(-1))
            i = int(flat[0])
            value = out.reshape(x.size, -1)[i]
            explain = getattr(act, "why", None)
            if explain is not None and np.isnan(value).any():
                told = explain(float(x.reshape(-1)[i]), k, len(flat), int(finite_x.sum()))
                if told is not None:
                    raise NotFiniteError(told + (f"; {why}" if why else ""))
            shown = "NaN" if np.isnan(value).any() else format_number(value[~np.isfinite(value)][0])
            raise NotFiniteError(f"'{act.spec}': {NAMES[k]} is not finite at x = "
                                 f"{text_number(x.reshape(-1)[i], 6)} (it is {shown} there); "
                                 + (why or "choose a range where the function is defined"))
