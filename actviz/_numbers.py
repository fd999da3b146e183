"""Numbers as text: every way actviz writes a number, in one place.

- :func:`format_number`: the shortest text that reads back as the same float (parameters,
  x values, messages, full-precision CSV and JSON);
- :func:`text_number`: ``precision`` significant digits for tables;
- :func:`label_number`: 4 significant digits with a true minus sign, for figure labels;
- :func:`show_value`: 6 significant digits for the terminal (``actviz info``, ``list``);
- :func:`latex_number`: a table cell in math mode.
"""

from __future__ import annotations

import math
import re
from typing import Any

MINUS = "\u2212"


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float: 1 -> '1', 0.1 -> '0.1', inf -> 'inf'
    (an integer too large for a float: its first digits and exponent, 1e400)."""
    if isinstance(value, int) and abs(value) > 2**1023:
        return short_integer(value)
    value = float(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def short_integer(value: Any) -> str:
    """An integer as it is written when short, else as ``1.2345e400``: the exact digits of a
    number too large for a float are no help in a one-line message."""
    text = str(value)
    if not isinstance(value, int) or len(text) <= 24:
        return text
    digits = text.lstrip("-")
    mantissa = f"{digits[0]}.{digits[1:5]}".rstrip("0").rstrip(".")
    return f"{text[:len(text) - len(digits)]}{mantissa}e{len(digits) - 1}"


def param_text(value: Any) -> str:
    """A parameter value as spec text: ``0.5``, ``tanh``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return format_number(value) if isinstance(value, (int, float)) else str(value)


def text_number(value: float, precision: int | None) -> str:
    """``precision`` significant digits, or the shortest text that reads back exactly."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if precision is None:
        return format_number(value)
    text = f"{value:.{precision}g}"
    return "0" if text in ("-0", "0") else text


def round_to(values: Any, precision: int) -> Any:
    """A number, or nested lists of them, rounded to ``precision`` significant digits."""
    if isinstance(values, list):
        return [round_to(v, precision) for v in values]
    return float(f"{values:.{precision}g}") if math.isfinite(values) else values


def round_data(data: Any, precision: int | None, keep: frozenset[str] = frozenset()) -> Any:
    """Every float in ``data`` (nested dicts and lists) rounded to ``precision`` significant
    digits (None: left as it is), but for the values of the keys in ``keep`` (inputs such as
    ``params`` and ``range``, written as given)."""
    if precision is None:
        return data
    if isinstance(data, bool):
        return data
    if isinstance(data, float):
        return round_to(data, precision)
    if isinstance(data, dict):
        return {k: v if k in keep else round_data(v, precision, keep) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [round_data(v, precision, keep) for v in data]
    return data


def label_number(value: float, digits: int = 4, exact: bool = False) -> str:
    """A computed value to ``digits`` significant digits, trailing zeros kept: ``1.129``,
    ``1.100``, ``-0.7518`` (with a true minus sign); ``1`` for exact integers. ``exact``
    values (parameters, catalog breakpoints) drop trailing zeros: ``0.5``, ``0.05``."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e6:
        text = str(int(value))
    elif abs(value) < 1e-3 or abs(value) >= 1e6:
        text = f"{value:.{digits - 1}e}"
    elif exact:
        text = f"{value:.{digits}g}"
    else:
        text = f"{value:#.{digits}g}".rstrip(".")
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"
    return text.replace("-", MINUS)


def show_value(value: Any) -> str:
    """A value for the terminal: 6 significant digits, inf spelled out, pairs in brackets."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(show_value(v) for v in value) + ")"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def latex_number(text: str) -> str:
    """A number cell in math mode: ``$-0.5$``, ``$1.2\\times10^{-5}$``, ``$\\infty$``."""
    if text in ("inf", "-inf"):
        return "$" + text.replace("inf", r"\infty") + "$"
    if text == "nan":
        return "NaN"
    match = re.fullmatch(r"(-?[\d.]+)e([+-]\d+)", text)
    if match:
        return f"${match[1]}\\times10^{{{int(match[2])}}}$"
    return f"${text}$"
