"""The formula language: limits, tokens, the reserved words (derived once from the grammar's
tables), and the parse tree."""

from __future__ import annotations

import math
import re
from typing import Any

from ..catalog._core import Definition
from ..errors import FormulaError
from .elementary import ELEMENTARY

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

    def uses_x(self) -> bool:
        return any(child.uses_x() for child in self.children())


class Num(Expr):
    def __init__(self, value: float) -> None:
        self.value = value


class Var(Expr):
    def uses_x(self) -> bool:
        return True


class NamedConstant(Expr):
    """pi or e."""

    def __init__(self, name: str) -> None:
        self.name = name


class ParamRef(Expr):
    def __init__(self, name: str) -> None:
        self.name = name


class Neg(Expr):
    def __init__(self, arg: Expr) -> None:
        self.arg = arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)


class Sum(Expr):
    def __init__(self, terms: list[tuple[int, Expr]]) -> None:
        self.terms = terms

    def children(self) -> tuple[Any, ...]:
        return tuple(t for _, t in self.terms)


class Prod(Expr):
    def __init__(self, factors: list[tuple[str, Expr]]) -> None:
        self.factors = factors

    def children(self) -> tuple[Any, ...]:
        return tuple(f for _, f in self.factors)


class Pow(Expr):
    def __init__(self, base: Expr, exponent: Expr) -> None:
        self.base, self.exponent = base, exponent

    def children(self) -> tuple[Any, ...]:
        return (self.base, self.exponent)


class Elem(Expr):
    def __init__(self, name: str, arg: Expr) -> None:
        self.name, self.arg = name, arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)


class MinMax(Expr):
    def __init__(self, name: str, a: Expr, b: Expr) -> None:
        self.name, self.a, self.b = name, a, b

    def children(self) -> tuple[Any, ...]:
        return (self.a, self.b)


class Where(Expr):
    def __init__(self, cond: Expr, a: Expr, b: Expr) -> None:
        self.cond, self.a, self.b = cond, a, b

    def children(self) -> tuple[Any, ...]:
        return (self.cond, self.a, self.b)


class Call(Expr):
    """A catalog (or scope, or plugin) function applied to one argument, with keywords."""

    def __init__(self, found: Definition, arg: Expr, keywords: list[tuple[str, Any, int]]) -> None:
        self.found, self.arg, self.keywords = found, arg, keywords

    def children(self) -> tuple[Any, ...]:
        return (self.arg, *(v for _, v, _ in self.keywords if isinstance(v, Expr)))


class Compare(Expr):
    condition = True

    def __init__(self, ops: list[str], operands: list[Expr]) -> None:
        self.ops, self.operands = ops, operands

    def children(self) -> tuple[Any, ...]:
        return tuple(self.operands)


class BoolOp(Expr):
    condition = True

    def __init__(self, op: str, items: list[Expr]) -> None:
        self.op, self.items = op, items

    def children(self) -> tuple[Any, ...]:
        return tuple(self.items)


class NotOp(Expr):
    condition = True

    def __init__(self, arg: Expr) -> None:
        self.arg = arg

    def children(self) -> tuple[Any, ...]:
        return (self.arg,)
