"""A parsed formula as LaTeX (matplotlib mathtext)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..catalog._core import format_number
from .elementary import ELEMENTARY
from .syntax import (
    AND,
    BoolOp,
    Call,
    Compare,
    Elem,
    Expr,
    MinMax,
    NamedConstant,
    Neg,
    NotOp,
    Num,
    ParamRef,
    Pow,
    Prod,
    Sum,
    Var,
    Where,
)

TEX_COMPARISONS = {"<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq", "==": "=", "!=": r"\neq"}


_GREEK = set("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi rho "
             "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi "
             "Omega".split())


def tex_name(name: str) -> str:
    if name in _GREEK:
        return "\\" + name
    if len(name) == 1:
        return name
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def tex_number(value: float) -> str:
    text = format_number(value)
    if "e" not in text:
        return text
    mantissa, _, exponent = text.partition("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \times {power}"


def wrap(node: Expr, level: int, no_sign: bool = False) -> str:
    text, prec = tex(node)
    if prec < level or (no_sign and text.startswith("-")):
        return rf"\left({text}\right)"
    return text


def tex(expr: Expr) -> tuple[str, int]:
    """``expr`` as LaTeX, and the precedence of its outermost operation (9: an atom; 0: where)
    for :func:`wrap` to parenthesise by."""
    return _WRITERS[type(expr)](expr)


def _tex_num(expr: Num) -> tuple[str, int]:
    return tex_number(expr.value), 9


def _tex_var(expr: Var) -> tuple[str, int]:
    return "x", 9


def _tex_named_constant(expr: NamedConstant) -> tuple[str, int]:
    return (r"\pi" if expr.name == "pi" else "e"), 9


def _tex_param_ref(expr: ParamRef) -> tuple[str, int]:
    return tex_name(expr.name), 9


def _tex_neg(expr: Neg) -> tuple[str, int]:
    return "-" + wrap(expr.arg, 7), 6


def _tex_sum(expr: Sum) -> tuple[str, int]:
    parts = []
    for i, (sign, term) in enumerate(expr.terms):
        if i == 0:
            parts.append(("-" + wrap(term, 7)) if sign < 0 else wrap(term, 4))
        else:
            parts.append((" - " if sign < 0 else " + ") + wrap(term, 5, no_sign=True))
    return "".join(parts), 4


def _tex_prod(expr: Prod) -> tuple[str, int]:
    raw, prec = tex(expr.factors[0][1])
    text = rf"\left({raw}\right)" if prec < 5 else raw
    for op, factor in expr.factors[1:]:
        if op == "/":
            text, prec = rf"\frac{{{raw}}}{{{tex(factor)[0]}}}", 8
            raw = text
        else:
            right = wrap(factor, 5, no_sign=True)
            sep = r" \cdot " if right[:1].isdigit() or right.startswith(r"\frac") else r"\,"
            text, prec = text + sep + right, 5
            raw = text
    return text, min(prec, 5) if len(expr.factors) > 1 else prec


def _tex_pow(expr: Pow) -> tuple[str, int]:
    return f"{{{wrap(expr.base, 9)}}}^{{{tex(expr.exponent)[0]}}}", 7


def _tex_elem(expr: Elem) -> tuple[str, int]:
    inner = tex(expr.arg)[0]
    if expr.name == "sqrt":
        return rf"\sqrt{{{inner}}}", 9
    if expr.name == "abs":
        return rf"\left|{inner}\right|", 9
    return rf"{ELEMENTARY[expr.name][1]}\left({inner}\right)", 9


def _tex_min_max(expr: MinMax) -> tuple[str, int]:
    return rf"\{expr.name}\left({tex(expr.a)[0]},\ {tex(expr.b)[0]}\right)", 9


def _tex_where(expr: Where) -> tuple[str, int]:
    return (rf"{wrap(expr.a, 4)}\ \mathrm{{if}}\ {tex(expr.cond)[0]}\ "
            rf"\mathrm{{else}}\ {wrap(expr.b, 4)}"), 0


def _tex_call(expr: Call) -> tuple[str, int]:
    inner = tex(expr.arg)[0]
    if expr.keywords:
        shown = [rf"{tex_name(k)} = " + (rf"\mathrm{{{v}}}" if isinstance(v, str)
                                          else tex(v)[0]) for k, v, _ in expr.keywords]
        inner += r";\ " + r",\ ".join(shown)
    return rf"{expr.found.symbol}\left({inner}\right)", 9


def _tex_compare(expr: Compare) -> tuple[str, int]:
    text = wrap(expr.operands[0], 4)
    for op, operand in zip(expr.ops, expr.operands[1:], strict=True):
        text += f" {TEX_COMPARISONS[op]} {wrap(operand, 4)}"
    return text, 3


def _tex_bool_op(expr: BoolOp) -> tuple[str, int]:
    level = 1 if expr.op == AND else 0
    sep = r" \wedge " if expr.op == AND else r" \vee "
    return sep.join(wrap(i, level + 1) for i in expr.items), level


def _tex_not_op(expr: NotOp) -> tuple[str, int]:
    return r"\neg " + wrap(expr.arg, 3), 2


_WRITERS: dict[type, Callable[[Any], tuple[str, int]]] = {
    Num: _tex_num,
    Var: _tex_var,
    NamedConstant: _tex_named_constant,
    ParamRef: _tex_param_ref,
    Neg: _tex_neg,
    Sum: _tex_sum,
    Prod: _tex_prod,
    Pow: _tex_pow,
    Elem: _tex_elem,
    MinMax: _tex_min_max,
    Where: _tex_where,
    Call: _tex_call,
    Compare: _tex_compare,
    BoolOp: _tex_bool_op,
    NotOp: _tex_not_op,
}
