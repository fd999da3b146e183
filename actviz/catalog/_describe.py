"""What ``actviz info`` and ``actviz list`` show, as plain data (JSON-ready but for infinities,
which stay floats here: the writer decides how to spell them)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import ALIASES, FLAVOR_SOURCES, FLAVORS, Activation, Definition, Kink, instantiate

FORMULA_AT_KINKS = ("a formula's own abs, min, max and where follow one convention in every "
                    "flavor: abs'(0) = 0, min and max take the second argument's derivatives at "
                    "a tie, where the branch its condition picks; a catalog function in it "
                    "takes the flavor's values at its kinks")
"""What a formula returns at its kinks, whatever the flavor."""


def aliases_of(definition: Definition) -> list[str]:
    """Every alias that resolves to this definition, sorted."""
    return sorted(alias for alias, name in ALIASES.items() if name == definition.name)


def _plain(value: Any) -> Any:
    """numpy scalars and small arrays as Python floats and lists."""
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else array.tolist()


def describe_kink(act: Activation, kink: Kink) -> dict[str, Any]:
    """The kink with the one-sided values of the derivative that jumps there, and the value
    actviz returns at the point itself (for jumps: f on both sides, f and f' at the point)."""
    record: dict[str, Any] = {"x": kink.x, "kind": kink.kind, "order": kink.order,
                              "source": kink.source}
    if kink.order <= 2:
        left, at, right = act.one_sided(kink.x, kink.order)
        record.update(left=_plain(left), right=_plain(right), at=_plain(at))
    if kink.order == 0:
        record["derivative_at"] = _plain(act.derivative(kink.x))
    return record


def describe_params(act: Activation) -> list[dict[str, Any]]:
    return [
        {"name": p.name, "value": act.params[p.name], "default": p.default,
         "domain": p.domain, "doc": p.doc}
        for p in act.definition.params
    ]


def describe(act: Activation) -> dict[str, Any]:
    """Everything ``actviz info`` shows about one activation function.

    ``kinks_exact`` is False for a formula whose kinks were found numerically (on the window
    [-50, 50] for these, see :meth:`Activation.kinks_in` for a range); ``origin`` is
    ``catalog``, ``formula``, ``python`` or ``plugin DISTRIBUTION``; ``rewrites`` lists the
    idioms of a formula evaluated in their stable forms ("log(1 + exp(x)) as softplus(x)")."""
    d = act.definition
    limits = None
    if act.limits is not None:
        limits = {key: [_plain(v) for v in pair] for key, pair in
                  zip(("f", "derivative", "second_derivative"), act.limits, strict=True)}
    return {
        "name": act.name,
        "spec": act.spec,
        "title": d.title,
        "family": d.family,
        "aliases": aliases_of(d),
        "formula": {"f": act.text, "derivative": act.text_d},
        "latex": {"f": act.latex, "derivative": act.latex_d, "symbol": d.symbol},
        "params": describe_params(act),
        "kinks": [describe_kink(act, k) for k in act.kinks],
        "poles": list(act.poles),
        "kinks_exact": act.kinks_exact,
        "dead_zones": [list(zone) for zone in act.dead_zones],
        "limits": limits,
        "vector": d.vector,
        "outputs": d.outputs,
        "flavors": {name: dict(values) for name, values in d.flavors.items()},
        "flavor_note": _flavor_note(d),
        "flavor": act.flavor,
        "at_kinks": describe_at_kinks(act),
        "reference": d.reference,
        "origin": d.origin,
        "rewrites": list(getattr(act, "rewrites", ())),
        "doc": d.doc,
    }


def _values_at_kinks(act: Activation) -> list[dict[str, Any]]:
    """f' and f'' at each kink, as ``act`` computes them."""
    if not act.kinks:
        return []
    xs = np.array([k.x for k in act.kinks])
    _, d1, d2 = act.evaluate(xs, 2)
    return [{"x": float(x), "derivative": _plain(a), "second_derivative": _plain(b)}
            for x, a, b in zip(xs, d1, d2, strict=True)]


def describe_at_kinks(act: Activation) -> dict[str, Any]:
    """What ``act`` returns at its kinks (f' and f''), for its flavor and the others, with
    where each framework fixes it: ``source`` for the flavor's own framework, ``lacks`` when
    that framework has no such function and the flavor keeps the torch flavor's values."""
    d = act.definition
    record: dict[str, Any] = {"flavor": act.flavor, "values": _values_at_kinks(act),
                              "source": "", "lacks": ""}
    if d.formula is not None:
        record["source"] = FORMULA_AT_KINKS
        return record
    if d.at_kinks is None or not act.kinks:
        return record
    tables = act.flavors_at_kinks
    record["flavors"] = {}
    for flavor in FLAVORS:
        table = tables.get(flavor)
        if table is None:
            continue
        other = act if flavor == act.flavor else instantiate(d, act.params, flavor)
        record["flavors"][flavor] = {"values": _values_at_kinks(other),
                                     "source": table.source, "lacks": table.lacks}
    own = record["flavors"].get(act.flavor, {})
    record["source"], record["lacks"] = own.get("source", ""), own.get("lacks", "")
    if record["lacks"]:
        record["source"] = record["flavors"]["torch"]["source"]
    return record


def _flavor_note(d: Definition) -> str:
    """Where the defaults of a function with flavors come from; '' for one without."""
    if not d.flavors and not d.flavor_note:
        return ""
    return f"{d.flavor_note}. {FLAVOR_SOURCES}." if d.flavor_note else f"{FLAVOR_SOURCES}."


def summary(definition: Definition) -> dict[str, Any]:
    """One row of ``actviz list``."""
    return {
        "name": definition.name,
        "family": definition.family,
        "title": definition.title,
        "aliases": aliases_of(definition),
        "params": {p.name: p.default for p in definition.params},
        "flavors": {name: dict(values) for name, values in definition.flavors.items()},
    }
