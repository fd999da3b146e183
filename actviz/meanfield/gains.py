"""Initialisation gains: forward, backward, edge of chaos and PyTorch's."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..catalog import Activation
from .chaos import Ratios, eoc_at
from .model import Model, PropagationError, unitwise

# --- gains ---------------------------------------------------------------------------------------

def _torch_gain(act: Activation) -> float | None:
    """``torch.nn.init.calculate_gain`` for this function, where PyTorch defines one (as
    data: PyTorch is not imported). leaky_relu takes the function's own slope."""
    table = {"identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0),
             "selu": 0.75}
    if act.name == "leaky_relu":
        slope = float(act.params["negative_slope"])
        return math.sqrt(2.0 / (1.0 + slope * slope))
    return table.get(act.name)


@dataclass(frozen=True)
class Gains:
    r"""Three gains (weight standard deviation times √fan_in) for z ~ N(0, 1):
    ``forward`` = 1/√E[φ(z)²] (the variance of the signal is kept; None, like the others,
    where the expectation is beyond float64: f = 1e300 x), ``backward`` =
    1/√E[φ′(z)²] (the variance of the gradient is kept) with autograd's φ′, the one
    backpropagation multiplies by: 0 at a jump, where the mean-field φ′ holds a Dirac delta
    (so hardshrink's is 1/√0.617, beside the E[f'²] = 0.617 that ``compare`` shows; inf where
    E[φ′²] = 0, binary_step),
    ``edge_of_chaos`` = the σ_w with χ₁ = 1 at σ_b = 0 (None with ``edge_of_chaos_reason``),
    and ``torch`` = ``torch.nn.init.calculate_gain`` where PyTorch defines it."""

    spec: str
    forward: float | None
    backward: float | None
    edge_of_chaos: float | None
    edge_of_chaos_reason: str
    torch: float | None


def standard_gain(spec: str | Activation, flavor: str = "torch") -> tuple[str, float]:
    """The gain of a standard init: ("torch", PyTorch's ``calculate_gain``) where PyTorch
    defines one, else ("forward", 1/√E[φ(z)²]) (inf where E[φ(z)²] = 0); without the edge
    of chaos that :func:`gains` also computes."""
    return standard_gain_of(unitwise(spec, flavor))


def standard_gain_of(act: Activation) -> tuple[str, float]:
    """:func:`standard_gain` of a function :func:`unitwise` accepted already."""
    torch = _torch_gain(act)
    if torch is not None:
        return "torch", torch
    model = Model(act)
    square = float(model.expect(model.square, 1.0)[0, 0])
    if math.isinf(square):
        raise PropagationError(f"{act.spec}: E[f(z)^2] is beyond the largest double, so the "
                               "forward gain 1/sqrt(E[f(z)^2]) is not computed", "function")
    return "forward", 1.0 / math.sqrt(square) if square > 0 else math.inf


def _gain(expectation: float) -> float | None:
    """1/sqrt(E): inf where E = 0, None where E overflowed float64."""
    if math.isinf(expectation):
        return None
    return 1.0 / math.sqrt(expectation) if expectation > 0 else math.inf


def gains(spec: str | Activation, flavor: str = "torch") -> Gains:
    """The forward, backward and edge-of-chaos gains of ``spec`` beside PyTorch's
    ``calculate_gain``; see :class:`Gains`."""
    act = unitwise(spec, flavor)
    ratios = Ratios(act)
    square, slope = ratios.at(1.0)
    eoc = eoc_at(ratios, 0.0)
    return Gains(  # None where the expectation is beyond float64 (f = 1e300 x)
        spec=act.spec if not isinstance(spec, str) else spec,
        forward=_gain(square), backward=_gain(slope),
        edge_of_chaos=eoc.sigma_w, edge_of_chaos_reason=eoc.reason, torch=_torch_gain(act))
