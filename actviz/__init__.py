"""actviz: activation functions of neural networks, their derivatives, what matters about
them, as exact numbers, tables and figures.

>>> import actviz
>>> act = actviz.get("elu:alpha=0.5")
>>> float(act(-1.0)), float(act.derivative(-1.0))
(-0.31606027941427883, 0.18393972058572117)
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import Any

from .catalog import (
    Activation,
    Definition,
    Param,
    check_finite,
    define,
    get,
    names,
    register,
    unregister,
)
from .errors import (
    ActvizError,
    FormulaError,
    NotFiniteError,
    ParameterError,
    PluginError,
    SpecError,
    UnknownActivationError,
)

MEANFIELD = ("EdgeOfChaos", "Gains", "Propagation", "PropagationError", "Simulation",
             "edge_of_chaos", "edge_of_chaos_curve", "gains", "phase_diagram", "propagation",
             "simulate")
"""The names of :mod:`actviz.meanfield` (signal propagation), imported on first use."""


def __getattr__(name: str) -> Any:
    # actviz.plot needs matplotlib: import it on first use, not with actviz.
    if name == "plot":
        from .api import plot

        return plot
    if name in MEANFIELD:
        from . import meanfield

        return getattr(meanfield, name)
    if name in ("jacobian_spectrum", "simulate_jacobian", "JacobianSpectrum"):
        from .meanfield import spectrum

        return getattr(spectrum, name)
    if name in ("precision", "Precision"):  # numbers in low precision, loaded on first use
        from . import lowprecision

        return getattr(lowprecision, name)
    if name in ("Analysis", "analyze"):  # loaded when first asked for (start-up time)
        from . import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'actviz' has no attribute {name!r}")


__all__ = [
    "Activation",
    "ActvizError",
    "Analysis",
    "Definition",
    "EdgeOfChaos",
    "FormulaError",
    "Gains",
    "JacobianSpectrum",
    "NotFiniteError",
    "Param",
    "ParameterError",
    "PluginError",
    "Precision",
    "Propagation",
    "PropagationError",
    "Simulation",
    "SpecError",
    "UnknownActivationError",
    "__version__",
    "analyze",
    "check_finite",
    "define",
    "edge_of_chaos",
    "edge_of_chaos_curve",
    "gains",
    "get",
    "jacobian_spectrum",
    "names",
    "plot",
    "precision",
    "propagation",
    "register",
    "simulate",
    "simulate_jacobian",
    "unregister",
]
