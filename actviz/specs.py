"""Spec resolution: a spec (a name with parameters, or a formula) to its activation function.

Above both the catalog and the formula engine: a name is looked up in a scope, the registry,
then the plugins (:func:`actviz.catalog._plugins.definition`), and a spec that is not a name
is parsed as a formula, which is handed that same lookup for the functions it calls. The
formula engine is imported only when a formula is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .catalog._core import (
    MAX_SPEC,
    Activation,
    Definition,
    check_flavor,
    in_scope,
    instantiate,
    is_name_spec,
    normalize,
    parse_spec,
    registered,
)
from .catalog._plugins import SEE_ALL, definition
from .errors import SpecError, UnknownActivationError


def get(spec: str | Activation, /, flavor: str = "torch",
        scope: Mapping[str, Definition] | None = None, **params: Any) -> Activation:
    """The activation function for a spec string, with parameters resolved.

    ``get("elu:alpha=0.5")`` and ``get("elu", alpha=0.5)`` are the same function. Names are
    case-insensitive, '-' equals '_', aliases resolve to canonical names, and ``flavor``
    ("torch", "keras" or "jax") picks that framework's defaults where they differ.

    A spec that is not a name is a formula in x, with parameters and their defaults after
    ';': ``get("x*sigmoid(beta*x); beta=1.5", beta=2)``. ``scope`` maps names to definitions
    (from :func:`actviz.catalog.define`) that work like catalog names, and come first.

    Raises :class:`UnknownActivationError`, :class:`ParameterError`, :class:`SpecError` (a
    :class:`FormulaError` for a formula) with a message that says what is wrong and what would
    be right.
    """
    if isinstance(spec, Activation):
        if not params:
            return spec
        return instantiate(spec.definition, {**spec.params, **params}, flavor)
    if isinstance(spec, str) and len(spec) > MAX_SPEC:
        raise SpecError(f"a spec is at most {MAX_SPEC} characters long, got {len(spec)}")
    if not isinstance(spec, str) or not spec.strip() or is_name_spec(spec):
        name, given = parse_spec(spec)
        for key in params:
            if normalize(key) in given:
                raise SpecError(f"parameter '{key}' is given both in '{spec}' and as an "
                                "argument")
        raw = {**given, **params}
        if ":" not in spec:
            found = in_scope(normalize(name), scope) or registered(normalize(name))
            if found is None:
                from .formula.compile import formula_definition_or_none

                formula = formula_definition_or_none(spec, scope, definition)
                if formula is not None:  # 'x', 'x - 1', 'pi'
                    return instantiate(formula, params, flavor)
            else:
                return instantiate(found, raw, flavor)
        return resolve(name, raw, flavor, scope)
    from .formula.compile import formula_definition

    return instantiate(formula_definition(spec, scope, definition), params, flavor)


FORMULA_EXAMPLES = {"min": "min(x, 0)", "max": "max(x, 0)", "where": "where(x > 0, x, 0)"}


def _formula_hint(exc: UnknownActivationError, key: str) -> UnknownActivationError:
    """``exc``, for a name that is a function of the formula language (erf, sin, max), with
    the formula to write instead."""
    from .formula.elementary import ELEMENTARY

    example = FORMULA_EXAMPLES.get(key) or (f"{key}(x)" if key in ELEMENTARY else None)
    if example is None:
        return exc
    text = str(exc).removesuffix(SEE_ALL)
    return UnknownActivationError(f"{text} {key} is a function of formulas: write "
                                  f"'{example}'.")


def resolve(name: str, raw: Mapping[str, Any], flavor: str = "torch",
            scope: Mapping[str, Definition] | None = None) -> Activation:
    """Look up ``name``, check and convert the parameters ``raw``, apply the flavor."""
    check_flavor(flavor)
    try:
        found = definition(name, scope)
    except UnknownActivationError as exc:
        raise _formula_hint(exc, normalize(name)) from None
    return instantiate(found, raw, flavor)
