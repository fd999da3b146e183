"""The activation of a formula: bound once, kinks and pieces from its structure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..catalog._core import INF, Activation, Definition, Kink, Piece, format_number
from ..errors import NotFiniteError
from .bound import Bound, as_output
from .explain import message


class FormulaActivation(Activation):
    """An :class:`Activation` of a formula: bound once, kinks and pieces from its structure
    (see the module's docstring), limits sampled far out."""

    def __init__(self, definition: Definition, params: Mapping[str, Any], flavor: str,
                 bound: Bound):
        kinks, pieces, exact = bound.structure(-INF, INF)
        poles = bound.poles(-INF, INF)
        if poles:  # a pole is not a kink (log(abs(x)) at 0)
            kinks = tuple(k for k in kinks if k.x not in poles)
        super().__init__(definition, params, flavor, kinks=kinks, pieces=pieces, poles=poles,
                         limits=bound.limits())
        self._bound = bound
        self._kernel = bound.kernel
        self.kinks_exact = exact
        self._poles: dict[tuple[float, float], tuple[float, ...]] = {}
        self._ranges: dict[tuple[float, float], tuple[tuple[Kink, ...], tuple[Piece, ...]]] = {}

    def check_given(self, x: Any, outs: Sequence[np.ndarray]) -> None:
        """Raise :class:`NotFiniteError` with :meth:`why` where a value in ``outs`` (the
        results of ``evaluate(x, order)``) is NaN because the formula as typed cannot give
        it in float64; a NaN where the function has no value (log(-1)) passes, as in a
        table of values."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        for k, out in enumerate(outs):
            nan = np.flatnonzero(np.isnan(np.asarray(out).reshape(-1)) & np.isfinite(x))
            if not nan.size:
                continue
            with np.errstate(all="ignore"):
                raw = self._bound.root.jet(x[nan], k)[k][0]
            raw = np.broadcast_to(np.asarray(0.0 if raw is None else raw, dtype=np.float64),
                                  nan.shape)
            flagged = nan[~np.isnan(raw)]  # given by the formula, refused by the check
            probes = [(int(i), int(flagged.size)) for i in flagged[:1]]
            probes += [(int(i), 1) for i in nan[:3] if i not in flagged[:1]]  # 0 * inf inside
            for i, count in probes:
                told = self.why(float(x[i]), k, count, int(x.size))
                if told is not None:
                    raise NotFiniteError(told)

    def signs(self, x: Any, order: int) -> np.ndarray:
        """f^(order) at finite x from the first pass alone, without the accuracy check: for
        root finding, which needs only signs (right wherever the value is not within its
        error of 0), at a fraction of the cost near a zero, where the check works hardest."""
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            value = self._bound.root.fast_jet(x.reshape(-1), order)[order][0]
        return as_output(value, x.reshape(-1), []).reshape(x.shape)

    @property
    def rewrites(self) -> tuple[str, ...]:
        """The idioms evaluated in their stable forms (:mod:`.rewrite`), in words."""
        return self._bound.rewrites

    def why(self, x: float, k: int, count: int = 1, total: int = 1) -> str | None:
        """The one-line message for a point where f^(k) is NaN because the formula as typed
        cannot be evaluated there in float64 (None if it has no value there at all);
        ``count`` of ``total`` points are concerned."""
        return message(self.spec, self._bound, x, k, count, total)

    def _on(self, lo: float, hi: float) -> tuple[tuple[Kink, ...], tuple[Piece, ...]]:
        key = (float(lo), float(hi))
        if key not in self._ranges:
            self._ranges[key] = self._bound.structure(*key)[:2]
        return self._ranges[key]

    def kinks_in(self, lo: float, hi: float) -> tuple[Kink, ...]:
        found = super().kinks_in(lo, hi) if self.kinks_exact else self._on(lo, hi)[0]
        poles = self.poles_in(lo, hi)
        return tuple(k for k in found if k.x not in poles) if poles else found

    def poles_in(self, lo: float, hi: float) -> tuple[float, ...]:
        """The poles in [lo, hi], found on that range (tan(x) has them everywhere)."""
        key = (float(lo), float(hi))
        if key not in self._poles:
            self._poles[key] = self._bound.poles(*key)
        return self._poles[key]

    def pieces_in(self, lo: float, hi: float) -> tuple[Piece, ...]:
        if self.kinks_exact:
            return super().pieces_in(lo, hi)
        return self._on(lo, hi)[1]

    @property
    def spec(self) -> str:
        formula = self.definition.formula
        if not formula.anonymous:
            return super().spec
        if not self._params:
            return formula.body
        values = ", ".join(f"{k}={format_number(v)}" for k, v in self._params.items())
        return f"{formula.body}; {values}"

    def _identity(self) -> tuple[Any, ...]:
        flavor = self.flavor if self.definition.formula.flavored else None
        return (self.name, tuple(sorted(self._params.items())), flavor)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FormulaActivation):
            return NotImplemented if not isinstance(other, Activation) else False
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reactivate, (self.definition, self._params, self.flavor))


def _reactivate(definition: Definition, params: Mapping[str, Any],
                flavor: str) -> Activation:
    return definition.formula.activate(definition, params, flavor)


