"""What ``actviz depth`` reports: each function at one or two settings of (σ_w, σ_b), with the
mean-field quantities of this package at each, and the rows of its table. No
matplotlib here (:mod:`actviz.render.depth` draws the figure).

A setting is the σ_w the user gave, or, without one, the function's edge of chaos at the
given σ_b and its standard initialisation: PyTorch's ``calculate_gain`` where PyTorch defines
one, else the forward gain 1/√E[φ(z)²] that keeps the signal's variance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._numbers import text_number
from ..catalog import Named
from ..errors import ParameterError
from .chaos import Ratios, eoc_at
from .gains import standard_gain_of
from .model import PropagationError, unitwise
from .propagation import propagation_of, sequences_of

Q0 = 1.0
"""The mean square of the inputs, q^0, from which the sequences across layers start."""

GIVEN, EDGE, TORCH, FORWARD = "given", "edge of chaos", "PyTorch gain", "forward gain"
"""The kinds of setting."""


@dataclass(frozen=True, eq=False)
class Setting:
    """One function at one (σ_w, σ_b): ``propagation`` (a :class:`actviz.meanfield.Propagation`)
    and the theory's ``q`` and ``grad_sq`` across ``layers`` layers from q^0 = 1 (arrays of
    layers + 1 values; grad_sq relative to the last layer's). Where there is no fixed point
    to describe, ``propagation`` is None and ``status`` says why: "no sigma_w" (no edge of
    chaos: ``sigma_w`` is None too), "diverges" (q grows without bound: the sequences are
    still there) or "unstable" (q^0 = 1 sits on a fixed point that repels). ``notes`` say
    how kinks were treated and what is special."""

    named: Named
    kind: str
    sigma_b: float
    layers: int
    sigma_w: float | None = None
    propagation: Any = None
    q: np.ndarray | None = None
    grad_sq: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    status: str = ""

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
        elif self.status:
            data["fixed_point"] = self.status
        if self.q is not None and self.grad_sq is not None:
            data |= {"q_last": float(self.q[-1]), "grad_sq_ratio": float(self.grad_sq[0])}
        return data | {"notes": list(self.notes)}


def _at(named: Named, kind: str, sigma_w: float, sigma_b: float, layers: int,
        q0: float = Q0, notes: tuple[str, ...] = ()) -> Setting:
    """``named`` propagated at (sigma_w, sigma_b), or without a fixed point the sequences
    and the reason."""

    try:
        p = propagation_of(named.act, sigma_w, sigma_b, q0)
    except PropagationError as exc:
        status = exc.reason or "none"
        if status != "diverges":
            # on a repelling fixed point, the theory's q^l stays put: a knife edge that no
            # network walks, so no sequences
            return Setting(named, kind, sigma_b, layers, sigma_w, None, None, None,
                           (*notes, str(exc)), status)
        q, grad = sequences_of(named.act, sigma_w, sigma_b, layers, Q0)
        return Setting(named, kind, sigma_b, layers, sigma_w, None, q, grad,
                       (*notes, str(exc)), status)
    q, grad = sequences_of(named.act, sigma_w, sigma_b, layers, Q0)
    notes += p.notes
    if layers / 3 < p.xi_q < math.inf and p.q_star > 0:
        notes += (f"q settles slowly (xi_q = {p.xi_q:.3g} layers): after {layers} layers "
                  f"it is {q[-1]:.6g}, not yet q* = {p.q_star:.6g}",)
    return Setting(named, kind, sigma_b, layers, sigma_w, p, q, grad, notes)


def _edge(named: Named, sigma_b: float, layers: int) -> Setting:

    eoc = eoc_at(Ratios(named.act), sigma_b)
    if eoc.sigma_w is None:
        return Setting(named, EDGE, sigma_b, layers, notes=(f"no edge of chaos: {eoc.reason}",),
                       status="no sigma_w")
    notes: tuple[str, ...] = ()
    if eoc.q_star == 0:
        notes = ("at sigma_b = 0 this edge of chaos is q* = 0: q and the gradient still "
                 "shrink, slowly (like a power of the depth, not exponentially); a small "
                 "--sigma-b such as 0.05 gives an edge of chaos with q* > 0",)
    elif eoc.reason:
        notes = (eoc.reason,)
    return _at(named, EDGE, eoc.sigma_w, sigma_b, layers, eoc.q_star or Q0, notes)


def _standard(named: Named, sigma_b: float, layers: int) -> Setting:

    which, gain = standard_gain_of(named.act)
    kind = TORCH if which == "torch" else FORWARD
    if not math.isfinite(gain):
        return Setting(named, kind, sigma_b, layers, notes=(
            f"no {kind}: E[f(z)^2] = 0, so no gain keeps the signal's variance",),
            status="no sigma_w")
    return _at(named, kind, gain, sigma_b, layers)


def settings(functions: Sequence[Named], sigma_w: float | None, sigma_b: float,
             layers: int) -> list[Setting]:
    """Each function at the given σ_w, or at its edge of chaos and its standard init. A
    vector function is a :class:`~actviz.meanfield.PropagationError` naming it; so is a
    given σ_w at which no function has a fixed point (with several functions, those
    without one show their q and gradient across the layers and the reason)."""

    if not functions:
        raise ParameterError("no function to propagate; give at least one SPEC")
    found: list[Setting] = []
    for named in functions:
        try:
            unitwise(named.act)
        except PropagationError as exc:
            raise PropagationError(f"{named.label}: {exc}", exc.reason) from None
        if sigma_w is not None:
            found.append(_at(named, GIVEN, sigma_w, sigma_b, layers))
        else:
            found += [_edge(named, sigma_b, layers), _standard(named, sigma_b, layers)]
    if sigma_w is not None and all(s.propagation is None for s in found):
        first = found[0]
        raise PropagationError(f"{first.label}: {first.notes[-1]}" if len(found) == 1 else
                               f"no function has a fixed point at sigma_w = {sigma_w:g}, "
                               f"sigma_b = {sigma_b:g}; {first.label}: {first.notes[-1]}",
                               first.status)
    return found


# --- the table ----------------------------------------------------------------------------------

def _number(get: Callable[[Setting], Any]) -> Callable[[Setting, int | None], str]:
    """A number of the propagation, "-" where there is none."""
    def show(s: Setting, digits: int | None) -> str:
        if s.propagation is None:
            return "-"
        value = get(s)
        return "-" if value is None else text_number(float(value), digits)

    return show


STATUS = {"diverges": "none (q grows)", "unstable": "unstable", "oscillates": "none (q oscillates)"}
"""What the q* cell says where there is no fixed point to describe."""


def _q_star(s: Setting, digits: int | None) -> str:
    if s.propagation is None:
        return STATUS.get(s.status, "-")
    return text_number(s.propagation.q_star, digits)


def _q_last(s: Setting, digits: int | None) -> str:
    """q at the last layer: there even where q grows without bound."""
    return "-" if s.q is None else text_number(float(s.q[-1]), digits)


def _gradient(s: Setting, digits: int | None) -> str:
    return "-" if s.grad_sq is None else text_number(float(s.grad_sq[0]), digits)


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
    DepthRow("q*", "$q^*$", _q_star),
    DepthRow("chi_1", r"$\chi_1$", _number(lambda s: s.propagation.chi_1)),
    DepthRow("phase", "phase", lambda s, digits: "-" if s.propagation is None
             else s.propagation.phase),
    DepthRow("c*", "$c^*$", _number(lambda s: s.propagation.c_star)),
    DepthRow("chi_c", r"$\chi_c$", _number(lambda s: s.propagation.chi_c)),
    DepthRow("xi_q", r"$\xi_q$", _number(lambda s: s.propagation.xi_q)),
    DepthRow("xi_c", r"$\xi_c$", _number(lambda s: s.propagation.xi_c)),
    DepthRow("q at layer {L}", "$q$ at layer {L}", _q_last),
    DepthRow("E[grad^2], layer 0 / layer {L}",
             "$\\mathrm{E}[\\mathrm{grad}^2]$, layer 0 / layer {L}",
             _gradient),
)
"""The rows of ``actviz depth``, in order: q at layer L starts from q^0 = 1; the gradient
row is the mean squared gradient with respect to the pre-activations at the input over that
at layer L (autograd's f', as a real network backpropagates)."""


def depth_rows(found: Sequence[Setting], digits: int | None
               ) -> list[tuple[str, str, list[str]]]:
    """(label, LaTeX label, one cell per setting) for every row of the depth table."""
    layers = str(found[0].layers) if found else ""
    return [(row.label.replace("{L}", layers), row.latex.replace("{L}", layers),
             [row.show(s, digits) for s in found]) for row in DEPTH_ROWS]
