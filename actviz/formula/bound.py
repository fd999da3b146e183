"""A formula bound to parameter values: its kernel, kinks, pieces, poles and limits."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..catalog._core import Kink, Limits, Piece
from ..catalog._limits import sampled_limits
from .explain import explain
from .intervals import Affine, side_step
from .jet import SLACK, TINY, TOL, slack_scale, unreliable
from .nodes import Node
from .structure import StructureSearch

# --- a formula bound to parameter values -------------------------------------------------------

WINDOW = 50.0

def as_output(value: Any, x: np.ndarray, outs: list[np.ndarray]) -> np.ndarray:
    """``value`` (None for 0, a number or an array) as a fresh float64 array of x's shape."""
    if value is None:
        return np.zeros_like(x)
    if np.ndim(value) == 0:
        return np.full_like(x, float(value))
    out = np.asarray(value, dtype=np.float64)
    if out.shape != x.shape:
        out = np.broadcast_to(out, x.shape)
    if np.may_share_memory(out, x) or any(out is o for o in outs) or not out.flags.writeable:
        out = out.copy()
    return out

class Bound:
    """A formula with its parameters and flavor fixed: the kernel, kinks, pieces, limits.

    The kernel returns f, f', f'' where their error bounds (:mod:`.jet`) show them right;
    at a point where one is not (see :func:`unreliable`), that one is NaN, and :meth:`why`
    says what the formula as typed does there."""

    def __init__(self, root: Node, text: str = "", rewrites: tuple[str, ...] = ()):
        self.root = root
        self.text = text
        self.rewrites = rewrites

    def kernel(self, x: np.ndarray, order: int, **_params: Any) -> tuple[np.ndarray, ...]:
        """f, f', f'' up to ``order`` at x: the first pass (:meth:`Node.fast_jet`) where its bounds
        show the values right (with the slack next to a zero: |x f^(k+1)| from the jet
        itself, or for the highest derivative from central differences of the first pass),
        the precise pass (:meth:`Node.jet`) on the other points."""
        jet = self.root.fast_jet(x, order)
        outs: list[np.ndarray] = []
        for value, _ in jet:
            outs.append(as_output(value, x, outs))
        doubt: np.ndarray | None = None
        for k, (_, rho) in enumerate(jet):
            out = outs[k]
            with np.errstate(all="ignore"):
                finite = np.isfinite(out)
                if rho is None or (isinstance(rho, float) and rho <= TOL):
                    sure = finite  # the same relative bound everywhere, and small enough
                else:
                    sure = finite & (rho * np.abs(out) <= TOL * np.maximum(np.abs(out), TINY))
            if sure.all():
                continue
            index = np.flatnonzero(~sure & finite & np.isfinite(
                np.broadcast_to(np.asarray(0.0 if rho is None else rho), x.shape)))
            if index.size:
                err = np.broadcast_to(np.asarray(rho, dtype=np.float64), x.shape)[index] * \
                    np.abs(out[index])
                slope = (np.abs(outs[k + 1][index]) if k < order else
                         self._first_pass_slope(x[index], k))
                within = err <= TOL * np.maximum(np.abs(out[index]), TINY) + \
                    SLACK * slack_scale(x[index]) * np.where(np.isfinite(slope), slope, 0.0)
                sure = sure.copy()
                sure[index[within]] = True
            doubt = ~sure if doubt is None else doubt | ~sure
        if doubt is not None and doubt.any():
            index = np.flatnonzero(np.broadcast_to(doubt, x.shape))
            precise = self.precise(x[index], order)
            for out, again in zip(outs, precise, strict=True):
                out[index] = again
        return tuple(outs)

    def _first_pass_slope(self, x: np.ndarray, k: int) -> np.ndarray:
        """|f^(k+1)| at x by central differences over x -+ 2^-30 |x| (2^-30 at x = 0) of the
        first pass, less their error bounds (0 where those say nothing)."""
        step = 2.0 ** -30 * slack_scale(x)
        sides = []
        with np.errstate(all="ignore"):
            for s in (-1.0, 1.0):
                value, rho = self.root.fast_jet(x + s * step, k)[k]
                value = np.broadcast_to(np.asarray(0.0 if value is None else value,
                                                   dtype=np.float64), x.shape)
                err = np.abs(value) * np.broadcast_to(
                    np.asarray(0.0 if rho is None else rho, dtype=np.float64), x.shape)
                sides.append((value, err))
            change = np.abs(sides[1][0] - sides[0][0]) - sides[0][1] - sides[1][1]
            slope = np.maximum(change, 0.0) / np.where(step > 0, 2.0 * step, 1.0)
        return np.where(np.isfinite(slope), slope, 0.0)

    def precise(self, x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
        """The precise pass alone: each value with its error bound, NaN where that exceeds
        ``TOL`` (beyond the slack next to a zero)."""
        jet = self.root.jet(x, order)
        outs: list[np.ndarray] = []
        for k, (value, error) in enumerate(jet):
            out = as_output(value, x, outs)
            if error is not None:
                bad = unreliable(out, error)
                if bad.any():
                    bad = self._beyond_slack(x, k, order, bad, out, error)
                    if bad.any():
                        if not out.flags.writeable or np.may_share_memory(out, x):
                            out = out.copy()
                        out[bad] = np.nan
            outs.append(out)
        return tuple(outs)

    def _beyond_slack(self, x: np.ndarray, k: int, order: int, bad: np.ndarray,
                      out: np.ndarray, error: Any) -> np.ndarray:
        """``bad`` without the points where the error is within what moving x by ``SLACK``
        of itself (SLACK at x = 0) moves the value (next to a zero of f^(k), where no formula
        keeps relative digits); |f^(k+1)| from central differences over x -+ 2^-30 |x|
        (2^-30 at x = 0), less their error bounds."""
        index = np.flatnonzero(bad & np.isfinite(out))
        if not index.size:
            return bad
        at = x[index]
        step = 2.0 ** -30 * slack_scale(at)
        sides = [self.root.jet(at + s * step, order)[k] for s in (-1.0, 1.0)]
        values = [np.broadcast_to(np.asarray(0.0 if v is None else v, dtype=np.float64),
                                  at.shape) for v, _ in sides]
        errors = [np.broadcast_to(np.asarray(0.0 if e is None else e, dtype=np.float64),
                                  at.shape) for _, e in sides]
        change = np.abs(values[1] - values[0]) - errors[0] - errors[1]
        slack = SLACK * slack_scale(at) * np.maximum(change, 0.0) / (2.0 * step)
        err = np.broadcast_to(np.asarray(error, dtype=np.float64), x.shape)[index]
        within = err <= TOL * np.maximum(np.abs(out[index]), TINY) + slack
        bad = bad.copy()
        bad[index[within]] = False
        return bad

    def evaluate(self, x: np.ndarray, order: int) -> tuple[np.ndarray, ...]:
        """The kernel at finite x of any shape."""
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            return tuple(out.reshape(x.shape) for out in self.kernel(x.reshape(-1), order))

    def why(self, x: float, k: int) -> str | None:
        """Why f^(k) is NaN at x, when the formula as typed cannot give it there in float64
        (its error bound exceeds ``TOL``): the part of the formula where its digits are lost
        and, where one is known, the stable spelling; None if f^(k) is NaN for another reason
        (no value there)."""
        return explain(self, x, k)

    def limits(self) -> Limits:
        return sampled_limits(self.evaluate)

    def structure(self, lo: float, hi: float
                  ) -> tuple[tuple[Kink, ...], tuple[Piece, ...], bool]:
        """Kinks in [lo, hi], linear pieces clipped to it, and whether both are exact (no
        crossing had to be searched numerically)."""
        ctx = _search(lo, hi)
        with np.errstate(all="ignore"):
            affine = ctx.affine(self.root)
            candidates = ctx.kink_candidates(self.root)
            kinks = self._orders(candidates, affine, lo, hi)
        pieces = tuple(Piece(float(max(s, lo)), float(min(t, hi)), float(a))
                       for s, t, a, _ in affine if max(s, lo) < min(t, hi))
        return kinks, pieces, not ctx.numeric

    def poles(self, lo: float, hi: float) -> tuple[float, ...]:
        """The poles in [lo, hi] (on the window [-``WINDOW``, ``WINDOW``] where a crossing
        must be searched numerically and the range is infinite): the points of
        :meth:`Node.poles` next to which |f| grows without bound."""
        ctx = _search(lo, hi)
        with np.errstate(all="ignore"):
            found = sorted({float(p) for p in ctx.poles(self.root)
                            if math.isfinite(p) and lo <= p <= hi})
            if not found:
                return ()
            sure = self._unbounded(np.array(found))
        return tuple(p for p, yes in zip(found, sure, strict=True) if yes)

    def _unbounded(self, points: np.ndarray) -> np.ndarray:
        """Whether |f| grows without bound toward each point, from one side at least: at
        2^-8, 2^-16, ..., 2^-48 (relative) from it, |f| grows at every step by no less than
        half its first growth (log(x) by the same amount, 1/x ever more; sin(x)/x and
        x*log(x) do not), or overflows."""
        steps = 2.0 ** -np.arange(8.0, 49.0, 8.0)
        scale = np.maximum(1.0, np.abs(points))
        sure = np.zeros(points.shape, bool)
        for side in (-1.0, 1.0):
            xs = points[:, None] + side * steps[None, :] * scale[:, None]
            size = np.abs(self.evaluate(xs, 0)[0])
            at = np.abs(self.evaluate(points, 0)[0])
            size = np.where(np.isnan(size), -np.inf, size)
            grow = np.diff(size, axis=1)
            rising = np.all((grow > 0) | np.isinf(size[:, 1:]), axis=1)
            steady = (grow[:, -1] >= 0.5 * grow[:, 0]) | np.isinf(size[:, -1])
            sure |= (rising & steady & np.isfinite(size[:, 0])) | (np.isinf(at) & rising)
        return sure

    def _orders(self, candidates: list[tuple[float, str]], affine: list[Affine], lo: float,
                hi: float) -> tuple[Kink, ...]:
        chosen: list[tuple[float, str]] = []
        for x, source in sorted(candidates, key=lambda c: c[0]):
            if not (math.isfinite(x) and lo <= x <= hi):
                continue
            if chosen and x - chosen[-1][0] <= 4 * float(side_step(np.array(x))):
                continue
            chosen.append((x, source))
        if not chosen:
            return ()
        r = np.array([x for x, _ in chosen])
        d = side_step(r)
        outs = self.evaluate(np.concatenate([r - 2 * d, r - d, r + d, r + 2 * d]), 2)
        kinks = []
        for i, (x, source) in enumerate(chosen):
            order = 3
            for k in range(3):
                v = outs[k].reshape(4, len(r))[:, i]
                left, right = 2 * v[1] - v[0], 2 * v[2] - v[3]
                scale = max(1.0, abs(v[1]), abs(v[2]))
                if not abs(left - right) <= 1e-7 * scale:
                    order = k
                    break
            if order == 3 and any(s < x < t for s, t, _, _ in affine):
                continue  # linear across it: no kink
            kinks.append(Kink(float(x), order, source))
        return tuple(kinks)


def _search(lo: float, hi: float) -> StructureSearch:
    """The structure search on [lo, hi]: numerical crossings are searched on the range, or on
    [-``WINDOW``, ``WINDOW``] where the range is infinite."""
    if math.isfinite(lo) and math.isfinite(hi):
        return StructureSearch(lo, hi, lo, hi)
    return StructureSearch(lo, hi, max(lo, -WINDOW), min(hi, WINDOW))
