"""A parsed formula as LaTeX (matplotlib mathtext)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalog._core import format_number

if TYPE_CHECKING:
    from .syntax import Expr

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
    text, prec = node.tex()
    if prec < level or (no_sign and text.startswith("-")):
        return rf"\left({text}\right)"
    return text


