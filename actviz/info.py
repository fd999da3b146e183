"""The text of ``actviz list`` and ``actviz info``, from the catalog's plain data
(:func:`actviz.catalog.describe`, :func:`actviz.catalog.summary`)."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from ._numbers import show_value
from ._text import columns, json_text
from .catalog import REGISTRY, Activation, describe, names, summary


def list_rows() -> list[dict[str, Any]]:
    return [summary(REGISTRY[name]) for name in names()]


def list_text(fmt: str) -> str:
    """Every function: name, family, parameters (with other flavors' defaults), aliases."""
    rows = list_rows()
    if fmt == "json":
        return json_text(rows)
    table = [("NAME", "FAMILY", "PARAMETERS", "ALIASES")]
    for row in rows:
        params = []
        for key, value in row["params"].items():
            text = f"{key}={show_value(value)}"
            others = [f"{flavor}: {show_value(over[key])}"
                      for flavor, over in row["flavors"].items() if key in over]
            params.append(text + (f" [{', '.join(others)}]" if others else ""))
        table.append((row["name"], row["family"], ", ".join(params) or "-",
                      ", ".join(row["aliases"]) or "-"))
    return (columns(table)
            + f"\n\n{len(rows)} functions. 'actviz info NAME' tells more about one.")


def info_text(act: Activation, fmt: str) -> str:
    """Formulas, parameters, kinks with the convention there, limits, flavors, reference."""
    data = describe(act)
    if fmt == "json":
        return json_text(data)
    rows: list[tuple[str, str]] = [
        ("family", data["family"]),
        ("f(x)", data["formula"]["f"]),
        ("f'(x)", data["formula"]["derivative"]),
    ]
    rows += [("stable forms" if i == 0 else "", text)
             for i, text in enumerate(data.get("rewrites", ()))]
    for i, p in enumerate(data["params"]):
        domain = f"{p['domain']}; " if p["domain"] else ""
        default = "" if p["value"] == p["default"] else f", default {show_value(p['default'])}"
        rows.append(("parameters" if i == 0 else "",
                     f"{p['name']} = {show_value(p['value'])}  ({domain}{p['doc']}{default})"))
    smooth = "none: C-infinity " + ("off its pole" if data["poles"] else "everywhere")
    kinks = [_kink_text(k) for k in data["kinks"]] or [smooth]
    rows += [("kinks" if i == 0 else "", text) for i, text in enumerate(kinks)]
    rows += _at_kinks_rows(data["at_kinks"])
    rows += [("poles" if i == 0 else "", f"x = {show_value(x)}: |f| grows without bound; "
              "analyses take a range on one side") for i, x in enumerate(data["poles"])]
    rows += _limit_rows(data["limits"])
    for i, (flavor, values) in enumerate(data["flavors"].items()):
        rows.append(("flavors" if i == 0 else "", f"{flavor}: " + ", ".join(
            f"{k} = {show_value(v)}" for k, v in values.items())))
    for i, line in enumerate(textwrap.wrap(data.get("flavor_note", ""), 76)):
        rows.append(("flavors" if i == 0 and not data["flavors"] else "", line))
    rows.append(("aliases", ", ".join(data["aliases"]) or "-"))
    rows.append(("reference", data["reference"] or "-"))
    head = f"{data['spec']}: {data['title']}"
    return head + "\n\n" + columns([("  " + label, text) for label, text in rows])


def _at_kinks_rows(at: dict[str, Any]) -> list[tuple[str, str]]:
    """f' and f'' at the kinks for the chosen flavor, where its framework fixes them (or that
    it has no such function), then the other flavors' values."""
    if not at["values"]:
        return []
    own = f"{at['flavor']}: {_derivatives_at(at['values'])}"
    if at["lacks"]:
        own += f", the torch flavor's values ({at['lacks']})"
    lines = textwrap.wrap(own, 76)
    if at["source"]:
        lines += textwrap.wrap(f"({at['source']})", 76)
    others = [f"{flavor}: {_derivatives_at(other['values'])}"
              for flavor, other in at.get("flavors", {}).items() if flavor != at["flavor"]]
    if others:
        lines += textwrap.wrap("; ".join(others), 76)
    return [("at kinks" if i == 0 else "", line) for i, line in enumerate(lines)]


def _derivatives_at(values: list[dict[str, Any]]) -> str:
    """``f'(0) = 1, f''(0) = 0`` for each kink."""
    return ", ".join(f"f'({show_value(v['x'])}) = {show_value(v['derivative'])}, "
                     f"f''({show_value(v['x'])}) = {show_value(v['second_derivative'])}"
                     for v in values)


def _limit_rows(limits: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not limits:
        return [("limits", "none: a function of the whole vector, along the last axis")]
    rows = []
    for i, (key, label) in enumerate((("f", "f"), ("derivative", "f'"))):
        sides = [f"{label} has no limit" if isinstance(v, float) and math.isnan(v)
                 else f"{label} -> {show_value(v)}" for v in limits[key]]
        rows.append(("limits" if i == 0 else "",
                     f"{sides[0]} as x -> -inf, {sides[1]} as x -> +inf"))
    return rows


def _kink_text(kink: dict[str, Any]) -> str:
    x = show_value(kink["x"])
    source = f" ({kink['source']})" if kink["source"] else ""
    order = kink["order"]
    if order == 0:
        return (f"x = {x}: jump, f goes from {show_value(kink['left'])} to "
                f"{show_value(kink['right'])}; f({x}) = {show_value(kink['at'])}, "
                f"f'({x}) = {show_value(kink['derivative_at'])}{source}")
    if order == 3:
        return f"x = {x}: f''' jumps; f, f' and f'' are continuous (C2)"
    d = "'" * order
    kind = "kink, " if order == 1 else ""
    return (f"x = {x}: {kind}f{d} jumps from {show_value(kink['left'])} to "
            f"{show_value(kink['right'])}; f{d}({x}) = {show_value(kink['at'])}{source}")
