"""Ranges of x: the default range of a figure or a page, widened to show every kink, and
ranges rounded outward to a round step. No matplotlib here (figures and the page use them)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .catalog import Activation
from .checks import DEFAULT_RANGE, MAX_X


def round_outward(lo: float, hi: float) -> tuple[float, float]:
    """``[lo, hi]`` widened to multiples of a round step (1, 2 or 5 times a power of ten,
    about a tenth of the span): range ends a reader takes in at a glance."""
    raw = (hi - lo) / 10
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 5, 10) if f * power >= raw)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def auto_range(acts: Sequence[Activation]) -> tuple[float, float]:
    """[-5, 5], widened to show every kink and jump of the functions with room on its
    other side, its ends rounded outward (relu6: [-5, 8])."""
    lo, hi = DEFAULT_RANGE
    points = [k.x for act in acts if not act.definition.vector for k in act.kinks
              if math.isfinite(k.x) and abs(k.x) <= MAX_X / 2]
    if not points or (lo <= min(points) and max(points) <= hi):
        return DEFAULT_RANGE
    left, right = min(min(points), lo), max(max(points), hi)
    margin = max(1.0, 0.15 * (right - left))
    wide_left, wide_right = round_outward(left - margin, right + margin)
    # only a side widened for a kink is moved (and rounded); the other keeps -5 or 5
    left = max(wide_left, -MAX_X) if min(points) < lo else lo
    right = min(wide_right, MAX_X) if max(points) > hi else hi
    return left, right
