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

from .analysis import Analysis, analyze
from .catalog import Activation, get, names
from .errors import ActvizError, ParameterError, SpecError, UnknownActivationError

# Imported at once, not on first use like plot: actviz.propagation is both this module and its
# main function, and only an import here makes the name the function whatever is imported
# later. It costs no heavy import: the module imports SciPy inside its functions.
from .propagation import (
    EdgeOfChaos,
    Gains,
    Propagation,
    PropagationError,
    Simulation,
    edge_of_chaos,
    edge_of_chaos_curve,
    gains,
    propagation,
    simulate,
)


def __getattr__(name: str) -> Any:
    # actviz.plot needs matplotlib: import it on first use, not with actviz.
    if name == "plot":
        from .render import plot

        return plot
    raise AttributeError(f"module 'actviz' has no attribute {name!r}")


__all__ = [
    "Activation",
    "ActvizError",
    "Analysis",
    "EdgeOfChaos",
    "Gains",
    "ParameterError",
    "Propagation",
    "PropagationError",
    "Simulation",
    "SpecError",
    "UnknownActivationError",
    "__version__",
    "analyze",
    "edge_of_chaos",
    "edge_of_chaos_curve",
    "gains",
    "get",
    "names",
    "plot",
    "propagation",
    "simulate",
]
