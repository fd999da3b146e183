"""What ``actviz depth`` reports: each function at one or two settings of (σ_w, σ_b), with the
mean-field quantities of :mod:`actviz.meanfield` at each, and the rows of its table. No
matplotlib here (:mod:`actviz.render.depth` draws the figure).

A setting is the σ_w the user gave, or, without one, the function's edge of chaos at the
given σ_b and its standard initialisation: PyTorch's ``calculate_gain`` where PyTorch defines
one, else the forward gain 1/√E[φ(z)²] that keeps the signal's variance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._numbers import text_number
from .catalog import Named
from .errors import ParameterError

Q0 = 1.0
"""The mean square of the inputs, q^0, from which the sequences across layers start."""

GIVEN, EDGE, TORCH, FORWARD = "given", "edge of chaos", "PyTorch gain", "forward gain"
"""The kinds of setting."""


@dataclass(frozen=True, eq=False)
class Setting:
    """One function at one (σ_w, σ_b): ``propagation`` (a :class:`actviz.meanfield.Propagation`)
    and the theory's ``q`` and ``grad_sq`` across ``layers`` layers from q^0 = 1 (arrays of
    layers + 1 values; grad_sq relative to the last layer's), or ``sigma_w``/``propagation``
    None with the ``reason`` there is none. ``notes`` say how kinks were treated and what was
    special."""

    named: Named
    kind: str
    sigma_b: float
    layers: int
    sigma_w: float | None = None
    propagation: Any = None
    q: np.ndarray = field(default_factory=lambda: np.empty(0))
    grad_sq: np.ndarray = field(default_factory=lambda: np.empty(0))
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.named.label

    @property
    def name(self) -> str:
        """``tanh (edge of chaos)``: the function and its setting, for notes and legends."""
        return f"{self.label} ({self.kind})"

    def to_dict(self) -> dict[str, Any]:
        """The numbers as plain data (JSON-ready but for infinities)."""
        act = self.named.act
        data: dict[str, Any] = {"spec": self.label, "name": act.name, "params": act.params,
                                "setting": self.kind, "sigma_w": self.sigma_w,
                                "sigma_b": self.sigma_b, "layers": self.layers}
        p = self.propagation
        if p is not None:
            data |= {key: getattr(p, key) for key in (
                "q_star", "chi_1", "phase", "c_star", "chi_c", "v_slope", "xi_q", "xi_c")}
            data |= {"q_last": float(self.q[-1]), "grad_sq_ratio": float(self.grad_sq[0])}
        return data | {"notes": list(self.notes)}


def _at(named: Named, kind: str, sigma_w: float, sigma_b: float, layers: int,
        q0: float = Q0, notes: tuple[str, ...] = ()) -> Setting:
    """``named`` propagated at (sigma_w, sigma_b); PropagationError as it comes."""
    from .meanfield import propagation

    p = propagation(named.act, sigma_w, sigma_b, q0=q0)
    q = p.q_sequence(Q0, layers)
    return Setting(named, kind, sigma_b, layers, sigma_w, p, q, p.gradient_sequence(Q0, layers),
                   notes + p.notes)


def _none(named: Named, kind: str, sigma_b: float, layers: int, reason: str,
          sigma_w: float | None = None) -> Setting:
    """A setting the theory has no numbers for: no σ_w (no edge of chaos), or a σ_w where
    q has no fixed point."""
    return Setting(named, kind, sigma_b, layers, sigma_w, notes=(
        f"no {kind}: {reason}" if sigma_w is None else reason,))


def _edge(named: Named, sigma_b: float, layers: int) -> Setting:
    from .meanfield import PropagationError, edge_of_chaos

    eoc = edge_of_chaos(named.act, sigma_b)
    if eoc.sigma_w is None:
        return _none(named, EDGE, sigma_b, layers, eoc.reason)
    q0 = eoc.q_star if eoc.q_star else Q0
    notes = (eoc.reason,) if eoc.reason else ()
    try:
        return _at(named, EDGE, eoc.sigma_w, sigma_b, layers, q0, notes)
    except PropagationError as exc:
        return _none(named, EDGE, sigma_b, layers, str(exc), eoc.sigma_w)


def _standard(named: Named, sigma_b: float, layers: int) -> Setting:
    from .meanfield import PropagationError, gains

    g = gains(named.act)
    kind, gain = (TORCH, g.torch) if g.torch is not None else (FORWARD, g.forward)
    if not math.isfinite(gain):
        return _none(named, kind, sigma_b, layers, "E[phi(z)^2] = 0: no gain keeps the "
                     "signal's variance")
    try:
        return _at(named, kind, gain, sigma_b, layers)
    except PropagationError as exc:
        return _none(named, kind, sigma_b, layers, str(exc), gain)


def settings(functions: Sequence[Named], sigma_w: float | None, sigma_b: float,
             layers: int) -> list[Setting]:
    """Each function at the given σ_w, or at its edge of chaos and its standard init. A
    given σ_w where the theory has no answer (no fixed point, a vector function) is a
    :class:`~actviz.meanfield.PropagationError` naming the function; a vector function is
    one in any case."""
    from .meanfield import PropagationError, unitwise

    if not functions:
        raise ParameterError("no function to propagate; give at least one SPEC")
    found = []
    for named in functions:
        try:
            unitwise(named.act)
            if sigma_w is not None:
                found.append(_at(named, GIVEN, sigma_w, sigma_b, layers))
                continue
        except PropagationError as exc:
            raise PropagationError(f"{named.label}: {exc}") from None
        found += [_edge(named, sigma_b, layers), _standard(named, sigma_b, layers)]
    return found


# --- the table ----------------------------------------------------------------------------------

def _number(get: Callable[[Setting], Any], none: str = "-",
            ) -> Callable[[Setting, int | None], str]:
    """A number of the propagation; ``none`` where a σ_w has no fixed point."""
    def show(s: Setting, digits: int | None) -> str:
        if s.propagation is None:
            return none if s.sigma_w is not None else "-"
        value = get(s)
        return "-" if value is None else text_number(float(value), digits)

    return show


def _sigma_w(s: Setting, digits: int | None) -> str:
    return "none" if s.sigma_w is None else text_number(s.sigma_w, digits)


def _square(s: Setting, digits: int | None) -> str:
    return "-" if s.sigma_w is None else text_number(s.sigma_w**2, digits)


@dataclass(frozen=True)
class DepthRow:
    """One quantity of the depth table: its label as text (``{L}`` the number of layers) and
    as LaTeX, and how a setting shows it."""

    label: str
    latex: str
    show: Callable[[Setting, int | None], str]


DEPTH_ROWS = (
    DepthRow("setting", "setting", lambda s, digits: s.kind),
    DepthRow("sigma_w", r"$\sigma_w$", _sigma_w),
    DepthRow("sigma_w^2", r"$\sigma_w^2$", _square),
    DepthRow("sigma_b", r"$\sigma_b$", lambda s, digits: text_number(s.sigma_b, digits)),
    DepthRow("sigma_b^2", r"$\sigma_b^2$", lambda s, digits: text_number(s.sigma_b**2, digits)),
    DepthRow("q*", "$q^*$", _number(lambda s: s.propagation.q_star, "none")),
    DepthRow("chi_1", r"$\chi_1$", _number(lambda s: s.propagation.chi_1)),
    DepthRow("phase", "phase", lambda s, digits: "-" if s.propagation is None
             else s.propagation.phase),
    DepthRow("c*", "$c^*$", _number(lambda s: s.propagation.c_star)),
    DepthRow("chi_c", r"$\chi_c$", _number(lambda s: s.propagation.chi_c)),
    DepthRow("xi_q", r"$\xi_q$", _number(lambda s: s.propagation.xi_q)),
    DepthRow("xi_c", r"$\xi_c$", _number(lambda s: s.propagation.xi_c)),
    DepthRow("q at layer {L}", "$q$ at layer {L}", _number(lambda s: s.q[-1])),
    DepthRow("grad^2 ratio, layer 0 / {L}", "gradient$^2$ ratio, layer 0 / {L}",
             _number(lambda s: s.grad_sq[0])),
)
"""The rows of ``actviz depth``, in order: q at layer L starts from q^0 = 1; the gradient
ratio is the mean squared gradient at the input over that at layer L."""


def depth_rows(found: Sequence[Setting], digits: int | None
               ) -> list[tuple[str, str, list[str]]]:
    """(label, LaTeX label, one cell per setting) for every row of the depth table."""
    layers = str(found[0].layers) if found else ""
    return [(row.label.replace("{L}", layers), row.latex.replace("{L}", layers),
             [row.show(s, digits) for s in found]) for row in DEPTH_ROWS]
