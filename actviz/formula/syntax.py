"""The formula language: limits, tokens, the reserved words (derived once from the grammar's
tables), and the parse tree."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..catalog._core import Definition, format_number, instantiate
from ..errors import ActvizError, FormulaError, ParameterError
from .elementary import ELEMENTARY
from .latex import TEX_COMPARISONS, tex_name, tex_number, wrap
from .nodes import (
    AllOf,
    AnyOf,
    CallNode,
    Comparison,
    Condition,
    ConstNode,
    ElementaryNode,
    ExponentialNode,
    GeneralPowerNode,
    MinMaxNode,
    NegNode,
    Node,
    NotCondition,
    PowerNode,
    ProductNode,
    SumNode,
    WhereNode,
    XNode,
    constant_value,
)

MAX_LENGTH = 4096
MAX_DEPTH = 32
MAX_NODES = 500
MAX_EXPONENT = 1000.0

SPECIAL_FUNCTIONS = ("min", "max", "where")
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLE = "x"
AND, OR, NOT = "and", "or", "not"
LOGICAL = (AND, OR, NOT)
RESERVED = frozenset({VARIABLE, *CONSTANTS, *LOGICAL, *SPECIAL_FUNCTIONS, *ELEMENTARY})
"""The words the grammar gives a meaning (the variable, the constants, the logical operators,
the formula's own functions), derived from its tables: none of them can name a function or a
parameter."""
KEYWORD_HINTS = {
    "if": "; write where(condition, a, b)", "else": "; write where(condition, a, b)",
    "lambda": "; a formula is an expression in x, not Python code",
    "import": "; a formula is an expression in x, not Python code",
}


# --- errors ------------------------------------------------------------------------------------

def shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 100 else text[:97] + "..."


def error_at(text: str, message: str, col: int, tail: str = ".") -> FormulaError:
    """``in 'TEXT': MESSAGE at column N.`` (1-based column) with an optional tail."""
    return FormulaError(f"in '{shown(text)}': {message} at column {col + 1}{tail}")


# --- tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|<=|>=|==|!=|[-+*/^(),<>=])"
)
_SPACE = re.compile(r"\s+")
_CHAR_HINTS = {
    "'": "strings are not allowed", '"': "strings are not allowed",
    "[": "brackets are not allowed; group with parentheses",
    "]": "brackets are not allowed; group with parentheses",
    "{": "braces are not allowed; group with parentheses",
    "}": "braces are not allowed; group with parentheses",
    ":": "':' is not allowed; parameters follow ';', as in 'x*sigmoid(beta*x); beta=1.5'",
    "&": "'&' is not allowed; write 'and' in a condition",
    "|": "'|' is not allowed; write 'or' in a condition, abs(...) for an absolute value",
    "~": "'~' is not allowed; write 'not' in a condition",
    "#": "comments are not allowed", "@": "'@' is not allowed", "%": "'%' is not allowed",
    "!": "'!' is not allowed; write 'not' or '!='", ";": "a second ';' is not allowed",
    "\\": "backslashes are not allowed",
}


def tokens(text: str, start: int, stop: int) -> list[tuple[str, str, int]]:
    """(kind, text, column) for text[start:stop]; kind is num, name, op or end."""
    found: list[tuple[str, str, int]] = []
    pos = start
    while True:
        space = _SPACE.match(text, pos, stop)
        if space:
            pos = space.end()
        if pos >= stop:
            found.append(("end", "", pos))
            return found
        match = _TOKEN.match(text, pos, stop)
        if match is None:
            char = text[pos]
            if char == "." and found and (found[-1][0] == "name" or found[-1][1] == ")"):
                message = "attribute access ('.') is not allowed"
            else:
                message = _CHAR_HINTS.get(char, f"unexpected character {char!r}")
            raise error_at(text, message, pos)
        found.append((match.lastgroup or "", match.group(), pos))
        pos = match.end()


# --- the parsed expression ---------------------------------------------------------------------

class Expr:
    """A node of a parsed formula; ``col`` and ``end`` delimit its text."""

    col: int = 0
    end: int = 0
    condition = False

    def children(self) -> tuple[Expr, ...]:
        return ()

    def bind(self, env: Binding) -> Any:
        raise NotImplementedError

    def tex(self) -> tuple[str, int]:
        raise NotImplementedError

    def uses_x(self) -> bool:
        return any(child.uses_x() for child in self.children())



def _leaf(bound: Node, node: Expr) -> Node:
    bound.src = (node.col, node.end)
    return bound


class Num(Expr):
    def __init__(self, value: float) -> None:
        self.value = value

    def bind(self, env: Binding) -> Any:
        return _leaf(ConstNode(self.value), self)

    def tex(self) -> tuple[str, int]:
        return tex_number(self.value), 9


class Var(Expr):
    def uses_x(self) -> bool:
        return True

    def bind(self, env: Binding) -> Any:
        return _leaf(XNode(), self)

    def tex(self) -> tuple[str, int]:
        return "x", 9


class NamedConstant(Expr):
    """pi or e."""

    def __init__(self, name: str) -> None:
        self.name = name

    def bind(self, env: Binding) -> Any:
        return _leaf(ConstNode(CONSTANTS[self.name]), self)

    def tex(self) -> tuple[str, int]:
        return (r"\pi" if self.name == "pi" else "e"), 9


class ParamRef(Expr):
    def __init__(self, name: str) -> None:
        self.name = name

    def bind(self, env: Binding) -> Any:
        return _leaf(ConstNode(float(env.params[self.name])), self)

    def tex(self) -> tuple[str, int]:
        return tex_name(self.name), 9


class Neg(Expr):
    def __init__(self, arg: Expr) -> None:
        self.arg = arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)

    def bind(self, env: Binding) -> Any:
        return env.fold(NegNode(self.arg.bind(env)), self)

    def tex(self) -> tuple[str, int]:
        return "-" + wrap(self.arg, 7), 6


class Sum(Expr):
    def __init__(self, terms: list[tuple[int, Expr]]) -> None:
        self.terms = terms

    def children(self) -> tuple[Any, ...]:
        return tuple(t for _, t in self.terms)

    def bind(self, env: Binding) -> Any:
        return env.fold(SumNode([(s, t.bind(env)) for s, t in self.terms]), self)

    def tex(self) -> tuple[str, int]:
        parts = []
        for i, (sign, term) in enumerate(self.terms):
            if i == 0:
                parts.append(("-" + wrap(term, 7)) if sign < 0 else wrap(term, 4))
            else:
                parts.append((" - " if sign < 0 else " + ") + wrap(term, 5, no_sign=True))
        return "".join(parts), 4


class Prod(Expr):
    def __init__(self, factors: list[tuple[str, Expr]]) -> None:
        self.factors = factors

    def children(self) -> tuple[Any, ...]:
        return tuple(f for _, f in self.factors)

    def bind(self, env: Binding) -> Any:
        factors = [(op, f.bind(env)) for op, f in self.factors]
        for (op, bound), (_, node) in zip(factors, self.factors, strict=True):
            if op == "/" and bound.const == 0.0:
                raise env.error("division by 0", node)
        return env.fold(ProductNode(factors), self)

    def tex(self) -> tuple[str, int]:
        raw, prec = self.factors[0][1].tex()
        text = rf"\left({raw}\right)" if prec < 5 else raw
        for op, factor in self.factors[1:]:
            if op == "/":
                text, prec = rf"\frac{{{raw}}}{{{factor.tex()[0]}}}", 8
                raw = text
            else:
                right = wrap(factor, 5, no_sign=True)
                sep = r" \cdot " if right[:1].isdigit() or right.startswith(r"\frac") else r"\,"
                text, prec = text + sep + right, 5
                raw = text
        return text, min(prec, 5) if len(self.factors) > 1 else prec


class Pow(Expr):
    def __init__(self, base: Expr, exponent: Expr) -> None:
        self.base, self.exponent = base, exponent

    def children(self) -> tuple[Any, ...]:
        return (self.base, self.exponent)

    def bind(self, env: Binding) -> Any:
        base, exponent = self.base.bind(env), self.exponent.bind(env)
        if exponent.const is not None:
            c = exponent.const
            if abs(c) > MAX_EXPONENT:
                raise env.error(f"the exponent {format_number(c)} is too large (at most "
                                f"{format_number(MAX_EXPONENT)} in magnitude)",
                                self.exponent)
            if c == 1.0:
                return base
            if c == 0.0:
                return ConstNode(1.0)
            return env.fold(PowerNode(base, c), self)
        if base.const is not None:
            if base.const <= 0.0:
                raise env.error(f"a power of {format_number(base.const)} with an exponent that "
                                "depends on x is not a real function", self)
            return env.fold(ExponentialNode(base.const, exponent), self)
        return env.fold(GeneralPowerNode(base, exponent), self)

    def tex(self) -> tuple[str, int]:
        return f"{{{wrap(self.base, 9)}}}^{{{self.exponent.tex()[0]}}}", 7


class Elem(Expr):
    def __init__(self, name: str, arg: Expr) -> None:
        self.name, self.arg = name, arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)

    def bind(self, env: Binding) -> Any:
        return env.fold(ElementaryNode(self.name, self.arg.bind(env)), self)

    def tex(self) -> tuple[str, int]:
        inner = self.arg.tex()[0]
        if self.name == "sqrt":
            return rf"\sqrt{{{inner}}}", 9
        if self.name == "abs":
            return rf"\left|{inner}\right|", 9
        return rf"{ELEMENTARY[self.name][1]}\left({inner}\right)", 9


class MinMax(Expr):
    def __init__(self, name: str, a: Expr, b: Expr) -> None:
        self.name, self.a, self.b = name, a, b

    def children(self) -> tuple[Any, ...]:
        return (self.a, self.b)

    def bind(self, env: Binding) -> Any:
        return env.fold(MinMaxNode(self.name, self.a.bind(env), self.b.bind(env)), self)

    def tex(self) -> tuple[str, int]:
        return rf"\{self.name}\left({self.a.tex()[0]},\ {self.b.tex()[0]}\right)", 9


class Where(Expr):
    def __init__(self, cond: Expr, a: Expr, b: Expr) -> None:
        self.cond, self.a, self.b = cond, a, b

    def children(self) -> tuple[Any, ...]:
        return (self.cond, self.a, self.b)

    def bind(self, env: Binding) -> Any:
        cond = self.cond.bind(env)
        if cond.const is not None:
            return self.a.bind(env) if cond.const else self.b.bind(env)
        return env.fold(WhereNode(cond, self.a.bind(env), self.b.bind(env)), self)

    def tex(self) -> tuple[str, int]:
        return (rf"{wrap(self.a, 4)}\ \mathrm{{if}}\ {self.cond.tex()[0]}\ "
                rf"\mathrm{{else}}\ {wrap(self.b, 4)}"), 0


class Call(Expr):
    """A catalog (or scope, or plugin) function applied to one argument, with keywords."""

    def __init__(self, found: Definition, arg: Expr, keywords: list[tuple[str, Any, int]]) -> None:
        self.found, self.arg, self.keywords = found, arg, keywords

    def children(self) -> tuple[Any, ...]:
        return (self.arg, *(v for _, v, _ in self.keywords if isinstance(v, Expr)))

    def bind(self, env: Binding) -> Any:
        raw = {}
        for key, value, at in self.keywords:
            raw[key] = value if isinstance(value, str) else value.bind(env).const
            param = self.found.param(key)
            assert param is not None  # the parser took only the function's parameters
            try:
                param.coerce(raw[key], self.found.name)
            except ActvizError as exc:
                raise ParameterError(f"in '{shown(env.text)}': {exc} at column {at + 1}."
                                     ) from None
        try:
            act = instantiate(self.found, raw, env.flavor)
        except ActvizError as exc:
            raise ParameterError(f"in '{shown(env.text)}': {exc} at column {self.col + 1}."
                                 ) from None
        return env.fold(CallNode(act, self.arg.bind(env)), self)

    def tex(self) -> tuple[str, int]:
        inner = self.arg.tex()[0]
        if self.keywords:
            shown = [rf"{tex_name(k)} = " + (rf"\mathrm{{{v}}}" if isinstance(v, str)
                                              else v.tex()[0]) for k, v, _ in self.keywords]
            inner += r";\ " + r",\ ".join(shown)
        return rf"{self.found.symbol}\left({inner}\right)", 9


class Compare(Expr):
    condition = True

    def __init__(self, ops: list[str], operands: list[Expr]) -> None:
        self.ops, self.operands = ops, operands

    def children(self) -> tuple[Any, ...]:
        return tuple(self.operands)

    def bind(self, env: Binding) -> Any:
        bound = [o.bind(env) for o in self.operands]
        parts: list[Condition] = [Comparison(op, a, b) for op, a, b in
                          zip(self.ops, bound, bound[1:], strict=False)]
        cond = parts[0] if len(parts) == 1 else AllOf(parts)
        return env.fold_condition(cond)

    def tex(self) -> tuple[str, int]:
        text = wrap(self.operands[0], 4)
        for op, operand in zip(self.ops, self.operands[1:], strict=True):
            text += f" {TEX_COMPARISONS[op]} {wrap(operand, 4)}"
        return text, 3



class BoolOp(Expr):
    condition = True

    def __init__(self, op: str, items: list[Expr]) -> None:
        self.op, self.items = op, items

    def children(self) -> tuple[Any, ...]:
        return tuple(self.items)

    def bind(self, env: Binding) -> Any:
        items = [i.bind(env) for i in self.items]
        return env.fold_condition(AllOf(items) if self.op == AND else AnyOf(items))

    def tex(self) -> tuple[str, int]:
        level = 1 if self.op == AND else 0
        sep = r" \wedge " if self.op == AND else r" \vee "
        return sep.join(wrap(i, level + 1) for i in self.items), level


class NotOp(Expr):
    condition = True

    def __init__(self, arg: Expr) -> None:
        self.arg = arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)

    def bind(self, env: Binding) -> Any:
        return env.fold_condition(NotCondition(self.arg.bind(env)))

    def tex(self) -> tuple[str, int]:
        return r"\neg " + wrap(self.arg, 3), 2


# --- binding: the parse tree to the bound tree -------------------------------------------------

class Binding:
    def __init__(self, text: str, params: Mapping[str, Any], flavor: str) -> None:
        self.text, self.params, self.flavor = text, params, flavor

    def error(self, message: str, node: Expr) -> FormulaError:
        return error_at(self.text, message, node.col)

    def fold(self, bound: Node, node: Expr) -> Node:
        """A node of constants is computed here, once: it must be finite, and its value is
        its ``const`` (for the checks that need one: a division by 0, a constant exponent, a
        keyword). The node stays, so that the rewriter sees 1 - tanh(40)^2 whole (as typed
        it rounds to 0); :func:`fold` makes it a constant after the rewriting."""
        if bound.src is None:
            bound.src = (node.col, node.end)
        if all(child.const is not None for child in bound.children()):
            value = constant_value(bound)
            if not math.isfinite(value):
                part = self.text[node.col:node.end]
                raise error_at(self.text, f"the constant part '{part}' is {format_number(value)}",
                             node.col)
            bound.const = value
        return bound

    def fold_condition(self, cond: Condition) -> Condition:
        if all(child.const is not None for child in cond.children()):
            with np.errstate(all="ignore"):
                cond.const = bool(cond.truth(np.zeros(1))[0])
        return cond
