"""Functions as the user named them: a label (the spec as typed, or a swept parameter's value)
and the resolved activation. Commands resolve every spec once, with the flavor, and pass these
on; nothing downstream looks a function up again by its name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._numbers import format_number
from ..errors import ParameterError
from ..specs import get
from ._core import Activation, normalize, parse_spec


@dataclass(frozen=True)
class Named:
    """An activation and the label it is shown with (legend, column header, record)."""

    label: str
    act: Activation


def resolve_specs(specs: Sequence[str | Activation | Named], flavor: str = "torch",
                  scope: Mapping[str, Any] | None = None) -> list[Named]:
    """Each spec resolved once (names of ``scope``, a config's definitions, first); an
    :class:`Activation` is labelled with its own spec."""
    named = []
    for spec in specs:
        if isinstance(spec, Named):
            named.append(spec)
        elif isinstance(spec, Activation):
            named.append(Named(spec.spec, spec))
        else:
            named.append(Named(spec, get(spec, flavor=flavor, scope=scope)))
    return named


def once(named: Sequence[Named], shows: str, where: str = "") -> None:
    """Refuse a function given twice, under the same name or another (elu and elu:alpha=1,
    relu and ReLU, alpha=1,1.0 in a sweep): it would be one curve under another, or the
    same column twice. ``shows`` says what the output does ("a figure draws each curve
    once"), ``where`` where the names were given (" in the sweep")."""
    seen: dict[str, str] = {}
    for n in named:
        earlier = seen.get(n.act.spec)
        if earlier is not None:
            what = (f"{n.label} is given twice{where}" if earlier == n.label else
                    f"{n.label} is {earlier} again{where}")
            raise ParameterError(f"{what}; {shows}: name it once")
        seen[n.act.spec] = n.label


def sweep(spec: str, swept: tuple[str, Sequence[Any]], flavor: str = "torch",
          scope: Mapping[str, Any] | None = None) -> list[Named]:
    """One function per swept value, labelled ``alpha=0.5``, ...: ``spec`` with the parameter
    ``swept[0]`` set to each of ``swept[1]``."""
    name, values = normalize(swept[0]), swept[1]
    base = get(spec, flavor=flavor, scope=scope)
    if base.definition.param(name) is None:
        get(spec, flavor=flavor, scope=scope, **{name: values[0]})  # the catalog's message
    if name in parse_spec(spec)[1]:
        raise ParameterError(f"{name} is both set in '{spec}' and swept")
    result = []
    for value in values:
        act = get(spec, flavor=flavor, scope=scope, **{name: value})
        shown = value if isinstance(value, str) else format_number(value)
        result.append(Named(f"{name}={shown}", act))
    return result
