r"""The text of a cell in LaTeX: numbers, arrows and names as TeX writes them, and numbers
aligned on the decimal point (``r@{}l``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._align import Column, parts
from .._numbers import format_number, latex_number
from .measure import width

if TYPE_CHECKING:
    from ..catalog import Activation

def latex_text(text: str) -> str:
    for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
        text = text.replace(char, "\\" + char if char != "\\" else r"\textbackslash{}")
    return text.replace("^", r"\^{}").replace("|", r"$|$")


CELL_TOKEN = re.compile(r"(?P<num>-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(?P<inf>-?inf\b)|(?P<arrow>->)"
                        r"|(?P<word>[A-Za-z][A-Za-z-]*)|(?P<space>\s+)|(?P<other>.)")


def _number_tex(token: str) -> str:
    mantissa, _, exponent = token.partition("e")
    return mantissa + (f"\\times10^{{{int(exponent)}}}" if exponent else "")


MATH: dict[str | None, Callable[[str], str]] = {
    "num": _number_tex,
    "inf": lambda token: token.replace("inf", r"\infty"),
    "arrow": lambda token: r"\to",
}


def latex_cell(text: str) -> str:
    r"""A table cell as LaTeX: numbers, intervals and formulas in math mode (with ``\infty``,
    ``\to`` and ``\times10^{-5}``), words as text between them, so that a narrow column can
    break the line there: ``1 on (0, 5]`` -> ``$1$ on $(0, 5]$``. Needs no package."""
    smooth = re.fullmatch(r"C(\d|-inf)", text)
    if smooth:
        return "$C^{" + smooth[1].replace("-inf", r"\infty") + "}$"
    if text == "-":
        return "--"
    cells: list[tuple[bool, str]] = []  # (math?, text)
    words = False  # inside parentheses of words: "(range edge)"
    for match in CELL_TOKEN.finditer(text):
        kind, token = match.lastgroup, match[0]
        if kind == "word" and token != "x":
            cells.append((False, latex_text(token)))
        elif kind == "space":
            cells.append((cells[-1][0] if cells else False, " "))
        elif kind in MATH:
            cells.append((True, MATH[kind](token)))
        elif token == ";" or (token == ")" and words):
            cells.append((False, token))
            words = False
        elif token == "(" and not _math_follows(text, match.end()):
            cells.append((False, token))
            words = True
        elif token == ",":
            cells.append((True, ",\\allowbreak"))  # a narrow column may break a pair
        else:
            cells.append((True, latex_text(token) if token in "&%$#_{}|" else token))
    return _join(cells)


def _math_follows(text: str, position: int) -> bool:
    """Whether the text after an opening parenthesis is a number or x (an interval or a
    point), not words (``(range edge)``)."""
    return bool(re.match(r"\s*(-?\d|-?inf|x\b)", text[position:]))


def _join(cells: list[tuple[bool, str]]) -> str:
    """Math runs wrapped in ``$...$``, with the spaces at their edges moved outside."""
    out, run = [], []
    for in_math, token in [*cells, (False, "")]:
        if in_math:
            run.append(token)
            continue
        if run:
            body = "".join(run)
            core = body.strip()
            out.append(body[:len(body) - len(body.lstrip())] + f"${core}$"
                       + body[len(body.rstrip()):])
            run = []
        out.append(token)
    return "".join(out)


def tex_value(value: Any) -> str:
    return value if isinstance(value, str) else format_number(value)


OPERATORS = {r"\tanh", r"\exp", r"\arctan", r"\log", r"\sin", r"\cos", r"\sinh", r"\cosh"}
"""Symbols that are a function's name as it is printed (an operator), kept as heads."""


def function_name(act: Activation) -> str:
    r"""A function's name in a head, never mistakable for a symbol of the rows
    (``$\sigma_w$`` below ``$\sigma$``): its symbol where that is a name (``$\mathrm{ReLU}$``,
    ``$\tanh$``), else its own name upright (``$\mathrm{sigmoid}$``,
    ``$\mathrm{log\_sigmoid}$``), or for a formula the formula in typewriter type, breakable
    after its operators."""
    d = act.definition
    if re.fullmatch(r"\\mathrm\{[A-Za-z][A-Za-z0-9]*\}", d.symbol) or d.symbol in OPERATORS:
        return f"${d.symbol}$"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]+", d.name):  # not the formula x
        return "$\\mathrm{" + d.name.replace("_", "\\_") + "}$"
    body = latex_text(d.name).replace("$|$", "|")
    for op in ("*", "+", "/", ",", ";"):
        body = body.replace(op, op + "\\allowbreak ")
    return "\\texttt{" + body.replace("\\allowbreak  ", "\\allowbreak ") + "}"


def function_cell(act: Activation) -> str:
    """A function's name for a head that may be narrow (:func:`function_name`), then on a
    line of its own, small, the parameters that differ from the (torch) defaults, breakable
    at ``_``."""
    d = act.definition
    defaults = d.defaults()
    changed = [latex_text(k).replace("\\_", "\\_\\allowbreak ") + "${}=" + tex_value(v) + "$"
               for k, v in act.params.items() if k not in defaults or v != defaults[k]]
    head = function_name(act)
    return head + ("\\newline{\\footnotesize " + ", ".join(changed) + "}" if changed else "")


# --- numbers aligned on the point ------------------------------------------------------------

def split_number(text: str) -> tuple[str, str]:
    r"""A number as the two cells of a column ``r@{}l``, which align it on the point: the
    integer part (``$-0$``, ``$\infty$``) and the rest (``$.5$``,
    ``$.06{}\times10^{-9}$``, empty for an integer)."""
    p = parts(text)
    if p is None:
        return latex_number(text), ""
    integer = {"inf": "$\\infty$", "-inf": "$-\\infty$", "nan": "NaN"}.get(
        p.integer, f"${p.integer}$")
    rest = p.fraction + ("" if p.exponent is None else f"{{}}\\times10^{{{p.exponent}}}")
    return integer, f"${rest}$" if rest else ""


def pad_integer(text: str, column: Column) -> str:
    r"""The number ``text`` for a left-aligned column: a ``\phantom`` of the sign and
    integer digits it lacks against the column's widest, then ``latex_number(text)``."""
    cell = latex_number(text)
    p = parts(text)
    if p is None or p.special:
        return cell
    sign = p.integer.startswith("-")
    missing = "$-$" * (column.negative and not sign) + "0" * (
        column.integer_digits - len(p.integer.lstrip("-")))
    return ("\\phantom{" + missing + "}" if missing else "") + cell


def number_width(column: Column) -> tuple[float, float]:
    """The widths of the integer parts and of the rest of a column's numbers as
    :func:`split_number` writes them, at 10 pt (at most)."""
    integer = width("$" + "-" * column.negative + "0" * column.integer_digits + "$")
    special = {"inf": "$\\infty$", "-inf": "$-\\infty$", "nan": "NaN"}
    integer = max([integer, *(width(special[s]) for s in column.specials)])
    rest = width("$" + "0" * column.plain_digits + "$") if column.plain_digits else 0.0
    if column.exponent_digits:
        rest = max(rest, width("$." + "0" * column.scientific_digits + "{}\\times10^{"
                               + "-" * column.exponent_minus + "0" * column.exponent_digits
                               + "}$"))
    return integer, rest
