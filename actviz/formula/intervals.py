"""Linear pieces on intervals, and crossings found by bisection."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

# --- intervals ---------------------------------------------------------------------------------
GRID = 2049

Affine = tuple[float, float, float, float]
"""(start, end, a, b): the expression is a*x + b on the open interval (start, end)."""


def point_inside(s: float, t: float) -> float:
    """A finite point strictly inside (s, t)."""
    if math.isinf(s) and math.isinf(t):
        return 0.0
    if math.isinf(s):
        return t - max(1.0, abs(t))
    if math.isinf(t):
        return s + max(1.0, abs(s))
    return s / 2 + t / 2


def overlay(first: list[Affine], second: list[Affine],
             combine: Callable[[tuple[float, float], tuple[float, float]],
                               tuple[float, float] | None]) -> list[Affine]:
    """Pieces where both are linear, combined (or dropped where ``combine`` gives None)."""
    out = []
    i = j = 0
    first, second = sorted(first), sorted(second)
    while i < len(first) and j < len(second):
        s1, t1, a1, b1 = first[i]
        s2, t2, a2, b2 = second[j]
        lo, hi = max(s1, s2), min(t1, t2)
        if lo < hi:
            got = combine((a1, b1), (a2, b2))
            if got is not None and all(math.isfinite(v) for v in got):
                out.append((lo, hi, float(got[0]), float(got[1])))
        if t1 <= t2:
            i += 1
        else:
            j += 1
    return out


def clip_pieces(pieces: list[Affine], s: float, t: float) -> list[Affine]:
    return [(max(s, p[0]), min(t, p[1]), p[2], p[3]) for p in pieces
            if max(s, p[0]) < min(t, p[1])]


def complement_of(pieces: list[Affine], lo: float, hi: float) -> list[tuple[float, float]]:
    gaps = []
    at = lo
    for s, t, _, _ in sorted(pieces):
        if s > at:
            gaps.append((at, s))
        at = max(at, t)
    if at < hi:
        gaps.append((at, hi))
    return gaps


def merge_pieces(pieces: list[Affine]) -> list[Affine]:
    out: list[Affine] = []
    for piece in sorted(pieces):
        if out and out[-1][1] >= piece[0] and out[-1][2:] == piece[2:]:
            out[-1] = (out[-1][0], max(out[-1][1], piece[1]), *piece[2:])
        elif out and out[-1][1] > piece[0]:
            continue  # overlaps an earlier piece (only from rounding): keep the first
        else:
            out.append(piece)
    return out


def side_step(x: np.ndarray) -> np.ndarray:
    """The step used on either side of a point to read one-sided values (about 1e-6
    relative)."""
    return 2.0 ** -20 * np.maximum(1.0, np.abs(x))


def crossings(truth: Callable[[np.ndarray], np.ndarray], lo: float, hi: float,
               nearer: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
               ) -> list[float]:
    """Where ``truth`` changes on [lo, hi]: brackets on a grid of ``GRID`` points, all bisected
    together down to neighbouring floats a < b; the point returned is a where ``nearer(a, b)``
    says the true crossing is nearer a, else b (the first float with the truth of the right
    side), so that it is the double nearest the true crossing (-2.0 for x*x < 4, the double
    nearest pi for sin(x) > 0); or 0 when the last bracket, narrower than 1e-15, holds 0."""
    xs = np.linspace(lo, hi, GRID)
    t = truth(xs)
    index = np.flatnonzero(t[1:] != t[:-1])
    if not index.size:
        return []
    a, b = xs[index], xs[index + 1]
    at_a = t[index]
    for _ in range(200):
        mid = a + (b - a) / 2
        zero = (a <= 0) & (b >= 0)
        open_ = (mid > a) & (mid < b) & ~(zero & (b - a <= 1e-15))
        if not open_.any():
            break
        same = truth(mid) == at_a
        a = np.where(open_ & same, mid, a)
        b = np.where(open_ & ~same, mid, b)
    roots = b
    if nearer is not None:  # the correctly rounded crossing: the neighbour nearer the true one
        roots = np.where(nearer(a, b), a, b)
    roots = np.where((a <= 0) & (b >= 0) & (b - a <= 1e-15), 0.0, roots)
    return [float(r) for r in roots]


