"""Binding: the parse tree to the bound tree (:mod:`.nodes`), with the parameters' values
substituted, the catalog functions called made activations of the flavor, and the parts
without x computed once, checked finite, and kept whole for the rewriter."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..catalog._core import format_number, instantiate
from ..errors import ActvizError, FormulaError, ParameterError
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
from .syntax import (
    AND,
    CONSTANTS,
    MAX_EXPONENT,
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
    shown,
)


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


def bind(expr: Expr, env: Binding) -> Any:
    """The bound node (a :class:`Node`, or a :class:`Condition` for a condition) of ``expr``."""
    return _BINDERS[type(expr)](expr, env)


def _leaf(bound: Node, node: Expr) -> Node:
    bound.src = (node.col, node.end)
    return bound


def _bind_num(expr: Num, env: Binding) -> Node:
    return _leaf(ConstNode(expr.value), expr)


def _bind_var(expr: Var, env: Binding) -> Node:
    return _leaf(XNode(), expr)


def _bind_named_constant(expr: NamedConstant, env: Binding) -> Node:
    return _leaf(ConstNode(CONSTANTS[expr.name]), expr)


def _bind_param_ref(expr: ParamRef, env: Binding) -> Node:
    return _leaf(ConstNode(float(env.params[expr.name])), expr)


def _bind_neg(expr: Neg, env: Binding) -> Node:
    return env.fold(NegNode(bind(expr.arg, env)), expr)


def _bind_sum(expr: Sum, env: Binding) -> Node:
    return env.fold(SumNode([(s, bind(t, env)) for s, t in expr.terms]), expr)


def _bind_prod(expr: Prod, env: Binding) -> Node:
    factors = [(op, bind(f, env)) for op, f in expr.factors]
    for (op, bound), (_, node) in zip(factors, expr.factors, strict=True):
        if op == "/" and bound.const == 0.0:
            raise env.error("division by 0", node)
    return env.fold(ProductNode(factors), expr)


def _bind_pow(expr: Pow, env: Binding) -> Node:
    base, exponent = bind(expr.base, env), bind(expr.exponent, env)
    if exponent.const is not None:
        c = exponent.const
        if abs(c) > MAX_EXPONENT:
            raise env.error(f"the exponent {format_number(c)} is too large (at most "
                            f"{format_number(MAX_EXPONENT)} in magnitude)",
                            expr.exponent)
        if c == 1.0:
            return base
        if c == 0.0:
            return ConstNode(1.0)
        return env.fold(PowerNode(base, c), expr)
    if base.const is not None:
        if base.const <= 0.0:
            raise env.error(f"a power of {format_number(base.const)} with an exponent that "
                            "depends on x is not a real function", expr)
        return env.fold(ExponentialNode(base.const, exponent), expr)
    return env.fold(GeneralPowerNode(base, exponent), expr)


def _bind_elem(expr: Elem, env: Binding) -> Node:
    return env.fold(ElementaryNode(expr.name, bind(expr.arg, env)), expr)


def _bind_min_max(expr: MinMax, env: Binding) -> Node:
    return env.fold(MinMaxNode(expr.name, bind(expr.a, env), bind(expr.b, env)), expr)


def _bind_where(expr: Where, env: Binding) -> Node:
    cond = bind(expr.cond, env)
    if cond.const is not None:
        return bind(expr.a, env) if cond.const else bind(expr.b, env)
    return env.fold(WhereNode(cond, bind(expr.a, env), bind(expr.b, env)), expr)


def _bind_call(expr: Call, env: Binding) -> Node:
    raw = {}
    for key, value, at in expr.keywords:
        raw[key] = value if isinstance(value, str) else bind(value, env).const
        param = expr.found.param(key)
        assert param is not None  # the parser took only the function's parameters
        try:
            param.coerce(raw[key], expr.found.name)
        except ActvizError as exc:
            raise ParameterError(f"in '{shown(env.text)}': {exc} at column {at + 1}."
                                 ) from None
    try:
        act = instantiate(expr.found, raw, env.flavor)
    except ActvizError as exc:
        raise ParameterError(f"in '{shown(env.text)}': {exc} at column {expr.col + 1}."
                             ) from None
    return env.fold(CallNode(act, bind(expr.arg, env)), expr)


def _bind_compare(expr: Compare, env: Binding) -> Condition:
    bound = [bind(o, env) for o in expr.operands]
    parts: list[Condition] = [Comparison(op, a, b) for op, a, b in
                      zip(expr.ops, bound, bound[1:], strict=False)]
    cond = parts[0] if len(parts) == 1 else AllOf(parts)
    return env.fold_condition(cond)


def _bind_bool_op(expr: BoolOp, env: Binding) -> Condition:
    items = [bind(i, env) for i in expr.items]
    return env.fold_condition(AllOf(items) if expr.op == AND else AnyOf(items))


def _bind_not_op(expr: NotOp, env: Binding) -> Condition:
    return env.fold_condition(NotCondition(bind(expr.arg, env)))


_BINDERS: dict[type, Callable[[Any, Binding], Any]] = {
    Num: _bind_num,
    Var: _bind_var,
    NamedConstant: _bind_named_constant,
    ParamRef: _bind_param_ref,
    Neg: _bind_neg,
    Sum: _bind_sum,
    Prod: _bind_prod,
    Pow: _bind_pow,
    Elem: _bind_elem,
    MinMax: _bind_min_max,
    Where: _bind_where,
    Call: _bind_call,
    Compare: _bind_compare,
    BoolOp: _bind_bool_op,
    NotOp: _bind_not_op,
}
