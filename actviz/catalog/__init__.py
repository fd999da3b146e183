"""The catalog of activation functions.

Importing this package registers every function (one module per family); nothing here
imports SciPy or matplotlib. User formulas (:mod:`actviz.formula`) are parsed only when one is used,
and plugins (:mod:`._plugins`) are looked for only when a name is not found or when every name
is listed.
"""

from .._numbers import format_number
from ..specs import get
from . import _basic, _relu, _shrink, _sigmoid, _smooth, _vector  # noqa: F401  (registration)
from ._core import (
    ALIASES,
    FLAVORS,
    REGISTRY,
    Activation,
    AtKinks,
    Band,
    Definition,
    Family,
    Kink,
    Param,
    Piece,
    instantiate,
    is_name_spec,
    parse_spec,
)
from ._describe import describe, summary
from ._limits import check_finite
from ._named import Named, once, resolve_specs, sweep
from ._plugins import (
    ENTRY_POINT_GROUP,
    define,
    definition,
    names,
    plugin_names,
    register,
    unregister,
)

__all__ = [
    "ALIASES",
    "ENTRY_POINT_GROUP",
    "FLAVORS",
    "REGISTRY",
    "Activation",
    "AtKinks",
    "Band",
    "Definition",
    "Family",
    "Kink",
    "Named",
    "Param",
    "Piece",
    "check_finite",
    "define",
    "definition",
    "describe",
    "format_number",
    "get",
    "instantiate",
    "is_name_spec",
    "names",
    "once",
    "parse_spec",
    "plugin_names",
    "register",
    "resolve_specs",
    "summary",
    "sweep",
    "unregister",
]
