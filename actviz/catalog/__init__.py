"""The catalog of activation functions.

Importing this package registers every function (one module per family); nothing here
imports SciPy or matplotlib.
"""

from . import _basic, _relu, _shrink, _sigmoid, _smooth, _vector  # noqa: F401  (registration)
from ._core import (
    ALIASES,
    FLAVORS,
    REGISTRY,
    Activation,
    Band,
    Definition,
    Family,
    Kink,
    Param,
    Piece,
    definition,
    format_number,
    get,
    names,
    parse_spec,
)
from ._describe import describe, summary
from ._named import Named, resolve_specs, sweep

__all__ = [
    "ALIASES",
    "FLAVORS",
    "REGISTRY",
    "Activation",
    "Band",
    "Definition",
    "Family",
    "Kink",
    "Named",
    "Param",
    "Piece",
    "definition",
    "describe",
    "format_number",
    "get",
    "names",
    "parse_spec",
    "resolve_specs",
    "summary",
    "sweep",
]
