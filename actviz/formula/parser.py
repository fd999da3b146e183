"""The recursive-descent parser of formulas, and the parameters after ';'."""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from .._suggest import did_you_mean
from ..catalog._core import (
    ALIASES,
    REGISTRY,
    Definition,
    Param,
    in_scope,
    normalize,
    registered,
    unknown_parameter,
)
from ..errors import ActvizError, FormulaError, UnknownActivationError
from .elementary import ELEMENTARY
from .syntax import (
    AND,
    CONSTANTS,
    KEYWORD_HINTS,
    LOGICAL,
    MAX_DEPTH,
    MAX_NODES,
    NOT,
    OR,
    RESERVED,
    SPECIAL_FUNCTIONS,
    VARIABLE,
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
    error_at,
    tokens,
)

# --- the parser --------------------------------------------------------------------------------

_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")

Lookup = Callable[[str, Mapping[str, Definition] | None], Definition]
"""How a formula finds a function it calls by name, handed down from above: the scope, the
catalog, then the plugins (:func:`actviz.catalog._plugins.definition`); it raises
:class:`UnknownActivationError` for a name found nowhere."""


class Parser:
    """Recursive descent over the tokens of ``text[start:stop]``; depth and size bounded."""

    def __init__(self, text: str, start: int, stop: int, params: Mapping[str, Any],
                 scope: Mapping[str, Definition] | None, lookup: Lookup):
        self.text = text
        self.tokens = tokens(text, start, stop)
        self.i = 0
        self.depth = 0
        self.nodes = 0
        self.params = params
        self.used: set[str] = set()
        self.scope = scope
        self.lookup = lookup

    # -- helpers

    def peek(self, offset: int = 0) -> tuple[str, str, int]:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, col: int, tail: str = ".") -> FormulaError:
        return error_at(self.text, message, col, tail)

    def node(self, node: Expr, col: int) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(f"the formula has more than {MAX_NODES} parts", col)
        node.col = col
        node.end = self.tokens[self.i - 1][2] + len(self.tokens[self.i - 1][1])
        return node

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the formula nests more than {MAX_DEPTH} levels deep", col)

    def value(self, node: Expr) -> Expr:
        if node.condition:
            raise self.error("a comparison can only be the condition of where(condition, a, b)",
                             node.col)
        return node

    def cond(self, node: Expr) -> Expr:
        if not node.condition:
            raise self.error("a condition such as x > 0 is needed here", node.col)
        return node

    def unexpected(self, tok: tuple[str, str, int]) -> FormulaError:
        kind, text, col = tok
        if kind == "end":
            return self.error("the formula ends where an expression is expected", col)
        if text == ")":
            return self.error("unbalanced ')'", col)
        if text == "(":
            return self.error("unexpected '('", col, "; write * for a product, as in x*(x + 1)")
        if kind == "name" and text in LOGICAL:
            return self.error(f"unexpected '{text}'", col)
        if kind == "name":
            self.refuse_word(text, col)
        if kind in ("num", "name"):
            return self.error(f"expected an operator before '{text}'", col,
                              "; write * for a product, as in 2*x")
        return self.error(f"unexpected '{text}'", col)

    # -- grammar

    def formula(self) -> Expr:
        node = self.value(self.expr())
        if self.peek()[0] != "end":
            raise self.unexpected(self.peek())
        return node

    def expr(self) -> Expr:
        self.enter(self.peek()[2])
        node = self.disjunction()
        self.depth -= 1
        return node

    def disjunction(self) -> Expr:
        col = self.peek()[2]
        items = [self.conjunction()]
        while self.peek()[:2] == ("name", OR):
            self.take()
            items.append(self.cond(self.conjunction()))
        if len(items) == 1:
            return items[0]
        return self.node(BoolOp(OR, [self.cond(items[0]), *items[1:]]), col)

    def conjunction(self) -> Expr:
        col = self.peek()[2]
        items = [self.negation()]
        while self.peek()[:2] == ("name", AND):
            self.take()
            items.append(self.cond(self.negation()))
        if len(items) == 1:
            return items[0]
        return self.node(BoolOp(AND, [self.cond(items[0]), *items[1:]]), col)

    def negation(self) -> Expr:
        if self.peek()[:2] == ("name", NOT):
            col = self.take()[2]
            self.enter(col)
            arg = self.cond(self.negation())
            self.depth -= 1
            return self.node(NotOp(arg), col)
        return self.comparison()

    def comparison(self) -> Expr:
        col = self.peek()[2]
        operands = [self.sum()]
        ops = []
        while self.peek()[0] == "op" and self.peek()[1] in _COMPARISONS:
            ops.append(self.take()[1])
            operands.append(self.sum())
        if not ops:
            return operands[0]
        return self.node(Compare(ops, [self.value(o) for o in operands]), col)

    def sum(self) -> Expr:
        col = self.peek()[2]
        terms = [(1, self.term())]
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            sign = 1 if self.take()[1] == "+" else -1
            terms.append((sign, self.value(self.term())))
        if len(terms) == 1:
            return terms[0][1]
        self.value(terms[0][1])
        return self.node(Sum(terms), col)

    def term(self) -> Expr:
        col = self.peek()[2]
        factors = [("*", self.unary())]
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            factors.append((op, self.value(self.unary())))
        if len(factors) == 1:
            return factors[0][1]
        self.value(factors[0][1])
        return self.node(Prod(factors), col)

    def unary(self) -> Expr:
        kind, text, col = self.peek()
        if kind == "op" and text in "+-":
            self.take()
            self.enter(col)
            arg = self.value(self.unary())
            self.depth -= 1
            return arg if text == "+" else self.node(Neg(arg), col)
        return self.power()

    def power(self) -> Expr:
        col = self.peek()[2]
        base = self.atom()
        if self.peek()[0] == "op" and self.peek()[1] in ("**", "^"):
            self.take()
            self.enter(self.peek()[2])
            exponent = self.value(self.unary())
            self.depth -= 1
            return self.node(Pow(self.value(base), exponent), col)
        return base

    def atom(self) -> Expr:
        tok = self.take()
        kind, text, col = tok
        if kind == "num":
            value = float(text)
            if not math.isfinite(value):
                raise self.error(f"the number {text} is too large", col)
            return self.node(Num(value), col)
        if kind == "name":
            if self.peek()[:2] == ("op", "("):
                return self.call(text, col)
            return self.name(text, col)
        if (kind, text) == ("op", "("):
            if self.peek()[:2] == ("op", ")"):
                raise self.error("empty parentheses", col)
            node = self.expr()
            if self.peek()[:2] != ("op", ")"):
                if self.peek()[0] == "end":
                    raise self.error("'(' is never closed", col, "; add ')'")
                raise self.unexpected(self.peek())
            self.take()
            return node
        raise self.unexpected(tok)

    def refuse_word(self, text: str, col: int) -> None:
        if "__" in text:
            raise self.error(f"'{text}' is not allowed: names with '__' are refused", col)
        if keyword.iskeyword(text):
            raise self.error(f"'{text}' is not allowed", col, KEYWORD_HINTS.get(
                text, "; a formula is an expression in x, not Python code"))

    def name(self, text: str, col: int) -> Expr:
        self.refuse_word(text, col)
        if text == VARIABLE:
            return self.node(Var(), col)
        if text in CONSTANTS:
            return self.node(NamedConstant(text), col)
        if text in self.params:
            self.used.add(text)
            return self.node(ParamRef(text), col)
        key = normalize(text)
        if key in ELEMENTARY or key in SPECIAL_FUNCTIONS or _known_function(key, self.scope):
            raise self.error(f"'{text}' is a function", col, f"; call it, as in {text}(x)")
        hint = did_you_mean(text, [VARIABLE, *CONSTANTS, *self.params])
        raise self.error(f"unknown name '{text}'", col, "." + hint if hint else
                         f"; a formula is in x, and a parameter needs a default after ';' "
                         f"(as in '...; {text}=1')")

    def arguments(self, col: int) -> tuple[list[Expr], list[tuple[str, Any, int]]]:
        """The arguments after '(' up to ')': positional, then keywords."""
        self.take()  # '('
        args: list[Expr] = []
        keywords: list[tuple[str, Any, int]] = []
        if self.peek()[:2] == ("op", ")"):
            self.take()
            return args, keywords
        while True:
            kind, text, at = self.peek()
            if kind == "name" and self.peek(1)[:2] == ("op", "="):
                self.refuse_word(text, at)
                self.take()
                self.take()
                vkind, vtext, _ = self.peek()
                if vkind == "name" and self.peek(1)[1] in (",", ")") and \
                        vtext not in (VARIABLE, *CONSTANTS) and vtext not in self.params:
                    self.refuse_word(vtext, self.peek()[2])
                    self.take()
                    keywords.append((text, vtext, at))
                else:
                    keywords.append((text, self.value(self.expr()), at))
            else:
                if keywords:
                    raise self.error("an argument without a name follows a keyword argument",
                                     at)
                args.append(self.expr())
            if self.peek()[:2] == ("op", ","):
                self.take()
                if self.peek()[:2] == ("op", ")"):
                    raise self.error("an argument is missing after ','", self.peek()[2])
                continue
            if self.peek()[:2] == ("op", ")"):
                self.take()
                return args, keywords
            if self.peek()[0] == "end":
                raise self.error("'(' is never closed", col, "; add ')'")
            raise self.unexpected(self.peek())

    def call(self, text: str, col: int) -> Expr:
        key, found = self.callee(text, col)
        args, keywords = self.arguments(self.peek()[2])
        if found is not None:
            return self.node(self.catalog_call(found, text, col, args, keywords), col)
        if keywords:
            raise self.error(f"{key} takes no keyword arguments", keywords[0][2])
        return self.node(self.builtin_call(key, col, args), col)

    def callee(self, text: str, col: int) -> tuple[str, Definition | None]:
        """The normalised name of the function called ``text``, and its definition; None for
        the formula's own functions (elementary ones, min, max, where)."""
        self.refuse_word(text, col)
        if text == VARIABLE or text in CONSTANTS or text in self.params:
            raise self.error(f"'{text}' is not a function", col,
                             "; write * for a product, as in x*(x + 1)")
        key = normalize(text)
        if key in ELEMENTARY or key in SPECIAL_FUNCTIONS:
            return key, None
        found = _function(key, self.scope, self.lookup)
        if found is None:
            candidates = [*ELEMENTARY, *SPECIAL_FUNCTIONS, *REGISTRY, *ALIASES,
                          *(normalize(k) for k in self.scope or ())]
            hint = did_you_mean(key, candidates)
            raise self.error(f"unknown function '{text}'", col, "." + hint if hint else
                             ". Run 'actviz list' to see the catalog's functions.")
        return key, found

    def builtin_call(self, key: str, col: int, args: list[Expr]) -> Expr:
        """where(condition, a, b), min(a, b), max(a, b) or an elementary function of one."""
        if key == "where":
            if len(args) != 3:
                raise self.error(f"where takes 3 arguments (condition, a, b), got {len(args)}",
                                 col)
            return Where(self.cond(args[0]), self.value(args[1]), self.value(args[2]))
        if key in ("min", "max"):
            if len(args) != 2:
                raise self.error(f"{key} takes 2 arguments, got {len(args)}", col)
            return MinMax(key, self.value(args[0]), self.value(args[1]))
        if len(args) != 1:
            raise self.error(f"{key} takes 1 argument, got {len(args)}", col)
        return Elem(key, self.value(args[0]))

    def catalog_call(self, found: Definition, text: str, col: int, args: list[Expr],
                     keywords: list[tuple[str, Any, int]]) -> Expr:
        if found.vector or found.outputs > 1:
            what = "works on whole vectors" if found.vector else "has two outputs"
            raise self.error(f"{found.name} {what} and cannot be part of a formula", col)
        if len(args) != 1:
            raise self.error(f"{text} takes 1 argument (and its parameters as keywords, as "
                             f"in {text}(x{_example_keyword(found)})), got {len(args)}", col)
        seen: set[str] = set()
        checked = []
        for key, value, at in keywords:
            param = self.keyword_param(found, key, at)
            if param.name in seen:
                raise self.error(f"the parameter '{key}' is given twice", at)
            seen.add(param.name)
            self.check_keyword(found, param, key, value, at)
            checked.append((param.name, value, at))
        return Call(found, self.value(args[0]), checked)

    def keyword_param(self, found: Definition, key: str, at: int) -> Param:
        """The parameter of ``found`` that the keyword ``key`` names."""
        param = found.param(normalize(key))
        if param is None:
            raise self.error(unknown_parameter(found, key).rstrip("."), at)
        return param

    def check_keyword(self, found: Definition, param: Param, key: str, value: str | Expr,
                      at: int) -> None:
        """Refuse a keyword value that ``param`` cannot take: a word for a number, an
        expression for a choice, an expression in x, or a constant that ``param`` refuses."""
        if isinstance(value, str) and not param.choices:
            raise self.error(f"the parameter '{key}' of {found.name} must be a number, "
                             f"got '{value}'", at)
        if isinstance(value, Expr) and param.choices:
            raise self.error(f"the parameter '{key}' of {found.name} is one of "
                             f"{', '.join(param.choices)}", at,
                             f"; write {key}={param.choices[-1]}")
        if isinstance(value, Expr) and value.uses_x():
            raise self.error(f"the parameter '{key}' of {found.name} cannot depend on x", at)
        if isinstance(value, (str, Num)):
            try:
                param.coerce(value if isinstance(value, str) else value.value, found.name)
            except ActvizError as exc:
                raise self.error(str(exc), at) from None


def _example_keyword(found: Definition) -> str:
    numeric = [p for p in found.params if not p.choices]
    return f", {numeric[0].name}={numeric[0].show_default()}" if numeric else ""


def _known_function(key: str, scope: Mapping[str, Definition] | None) -> bool:
    """Whether ``key`` names a function of the scope or the registry (no plugin loaded)."""
    return in_scope(key, scope) is not None or registered(key) is not None


def _function(key: str, scope: Mapping[str, Definition] | None,
              lookup: Lookup) -> Definition | None:
    """The definition a function name in a formula calls: scope, catalog, then plugins."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
        return None
    try:
        return lookup(key, scope)
    except UnknownActivationError:
        return None


# --- parameters after ';' ----------------------------------------------------------------------

_ITEM = re.compile(r"\s*([^=,;]*?)\s*(=)\s*([^,;]*?)\s*(?:[,;]|$)")


def parse_params(text: str, start: int) -> dict[str, tuple[float, int]]:
    """``beta=1.5, gamma=2`` from text[start:] -> {name: (default, column)}."""
    found: dict[str, tuple[float, int]] = {}
    pos = start
    if not text[start:].strip():
        raise error_at(text, "nothing follows ';'", start, "; write NAME=VALUE, as in "
                     "'x*sigmoid(beta*x); beta=1.5'")
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _ITEM.match(text, pos)
        if match is None:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise error_at(text, "expected NAME=VALUE", col, ", as in 'beta=1.5'")
        name, ncol = match.group(1), match.start(1)
        _check_param_name(text, name, ncol)
        if name in found:
            raise error_at(text, f"the parameter '{name}' is given twice", ncol)
        found[name] = (_param_default(text, name, match.group(3), match.start(3)), ncol)
        pos = match.end()
    return found


def _check_param_name(text: str, name: str, col: int) -> None:
    """Refuse ``name`` (at ``col`` of ``text``) as the name of a formula's parameter."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise error_at(text, f"'{name}' is not a parameter name", col)
    if "__" in name or keyword.iskeyword(name):
        raise error_at(text, f"'{name}' is not allowed as a parameter name", col)
    if name != normalize(name):
        raise error_at(text, f"parameter names are lowercase, got '{name}'", col)
    if name in RESERVED:
        raise error_at(text, f"'{name}' cannot be a parameter name", col)


def _param_default(text: str, name: str, value: str, col: int) -> float:
    """The default ``value`` (at ``col`` of ``text``) of the parameter ``name``: a finite
    number."""
    try:
        number = float(value)
    except ValueError:
        raise error_at(text, f"the parameter '{name}' must be a number, got '{value}'",
                     col) from None
    if not math.isfinite(number):
        raise error_at(text, f"the parameter '{name}' must be finite, got '{value}'", col)
    return number


