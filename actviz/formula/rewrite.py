r"""Stable forms of common idioms: a stage between binding a formula and evaluating it.

A formula is evaluated as typed, and some spellings lose every digit somewhere:
``log(1 + exp(x))`` overflows past x = 709.78 (true value x), ``1 - tanh(x)^2`` cancels to 0
past x = 19 (true value 4 e^{-2x}), ``x/(1 + abs(x))`` has f' = 0 past 1e16. Here the bound
tree (:mod:`actviz.formula`) is rewritten bottom-up, each idiom in place of itself, whatever its
spelling: sums and products in any order (``1 + exp(u)`` is ``exp(u) + 1``), negations in
any form (``exp(-u)``, ``exp(0 - u)``, ``exp(-1*u)``, ``e^(-u)``), ``u^2`` or ``u*u``:

=================================================  =========================================
idiom (u any expression, c a constant)              evaluated as
=================================================  =========================================
log1p(exp(u)), log(1 + exp(u))                      softplus(u)
exp(u)/(1 + exp(u)), 1/(1 + exp(-u)), a/(1+exp(u))  sigmoid(u), sigmoid(u), a*sigmoid(-u)
1 - sigmoid(u)                                      sigmoid(-u)
log(sigmoid(u))                                     log_sigmoid(u)
u/(1 + abs(u))                                      softsign(u)
log(1 + u)                                          log1p(u)
exp(u) - 1                                          expm1(u)
1 - tanh(u)^2                                       sech^2(u), from exp(-2|u|)
sqrt(u^2 + c)                                       hypot(u, sqrt(c)) (c > 0; c < 0 and c = 0
                                                    as sqrt((|u| - s)(|u| + s)) and abs(u))
u + sqrt(u^2 + c), sqrt(u^2 + c) - u (c > 0)        2 squareplus(u, b=c), 2 squareplus(-u, b=c)
=================================================  =========================================

Each rewrite is recorded as a line for ``actviz info`` ("log(1 + exp(x)) as softplus(x)").
The rewritten function is the same function: only its rounding changes (and, at the kink of
softsign, the convention: softsign''(0) = 0 as PyTorch's autograd gives it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ..catalog._core import REGISTRY, instantiate
from .elementary import root_of_square_plus, sech2
from .nodes import (
    CHILD_FIELDS,
    CallNode,
    CancelNode,
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
)


class Rewriter:
    """One pass over a bound tree; ``notes`` are the rewrites made, in words."""

    def __init__(self, text: str, flavor: str):
        self.text, self.flavor = text, flavor
        self.notes: list[str] = []

    # -- helpers ------------------------------------------------------------------------------

    def show(self, node: Node) -> str:
        """The text of a node as typed, or a rendering of it."""
        if node.src is not None:
            return " ".join(self.text[node.src[0]:node.src[1]].split())
        if isinstance(node, NegNode):
            return "-" + _paren(self.show(node.arg))
        if isinstance(node, ConstNode):
            return f"{node.const:g}"
        if isinstance(node, XNode):
            return "x"
        if isinstance(node, CallNode):
            return f"{node.act.name}({self.show(node.arg)})"
        if isinstance(node, ElementaryNode):
            return f"{node.name}({self.show(node.arg)})"
        return "u"

    def catalog(self, name: str, arg: Node, **params: Any) -> CallNode:
        return CallNode(instantiate(REGISTRY[name], params, self.flavor), arg)

    def note(self, old: Node, new: Node, shown: str) -> Node:
        new.src = old.src
        typed = self.show(old)
        self.notes.append(f"{typed} as {shown}")
        return new

    # -- the pass -----------------------------------------------------------------------------

    def node(self, node: Node) -> Node:
        """``node`` with its children rewritten, normalised, then rewritten itself."""
        node = self.children(node)
        node = _normalise(node)
        for rule in RULES:
            got = rule(self, node)
            if got is not None:
                return self.node(got) if got is not node else got
        return node

    def children(self, node: Node) -> Node:
        if isinstance(node, SumNode):
            node.terms = [(s, self.node(t)) for s, t in node.terms]
        elif isinstance(node, ProductNode):
            node.factors = [(op, self.node(f)) for op, f in node.factors]
        elif isinstance(node, (NegNode, ElementaryNode, CallNode, CancelNode)):
            node.arg = self.node(node.arg)
        elif isinstance(node, PowerNode):
            node.base = self.node(node.base)
        elif isinstance(node, ExponentialNode):
            node.exponent = self.node(node.exponent)
        elif isinstance(node, GeneralPowerNode):
            node.base, node.exponent = self.node(node.base), self.node(node.exponent)
        elif isinstance(node, MinMaxNode):
            node.a, node.b = self.node(node.a), self.node(node.b)
            node.cond = Comparison(">" if node.name == "max" else "<", node.a, node.b)
        elif isinstance(node, WhereNode):
            node.cond = self.condition(node.cond)
            node.a, node.b = self.node(node.a), self.node(node.b)
        return node

    def condition(self, cond: Condition) -> Condition:
        if isinstance(cond, Comparison):
            cond.left, cond.right = self.node(cond.left), self.node(cond.right)
        elif isinstance(cond, NotCondition):
            cond.arg = self.condition(cond.arg)
        else:
            for i, item in enumerate(cond.children()):
                cond.items[i] = self.condition(item)  # type: ignore[attr-defined]
        return cond


def rewrite(root: Node, text: str, flavor: str) -> tuple[Node, tuple[str, ...]]:
    """The tree with every idiom in its stable form, and the rewrites made, in words."""
    rewriter = Rewriter(text, flavor)
    out = rewriter.node(root)
    return out, tuple(dict.fromkeys(rewriter.notes))


# --- structure ---------------------------------------------------------------------------------

_KEYS: dict[type, Callable[[Any], Any]] = {
    ConstNode: lambda n: ("c", n.value),
    XNode: lambda n: ("x",),
    NegNode: lambda n: ("neg", key(n.arg)),
    CancelNode: lambda n: ("cancel", key(n.arg)),
    SumNode: lambda n: ("sum", tuple(sorted(((s, key(t)) for s, t in n.terms), key=repr))),
    ProductNode: lambda n: ("prod", tuple(sorted(((op, key(f)) for op, f in n.factors), key=repr))),
    PowerNode: lambda n: ("pow", key(n.base), n.c),
    ExponentialNode: lambda n: ("powb", n.a, key(n.exponent)),
    GeneralPowerNode: lambda n: ("powg", key(n.base), key(n.exponent)),
    ElementaryNode: lambda n: ("elem", n.name, key(n.arg)),
    CallNode: lambda n: ("call", n.act.name, tuple(sorted((k, repr(v)) for k, v in
                                                       n.act.params.items())), key(n.arg)),
}


def key(node: Any) -> Any:
    """A structural key: equal for the same expression, whatever the order of a sum's terms or
    a product's factors."""
    make = _KEYS.get(type(node))
    return ("node", id(node)) if make is None else make(node)


def same(a: Node, b: Node) -> bool:
    return key(a) == key(b)


def negate(node: Node) -> Node:
    """-node, without a double negation."""
    if isinstance(node, NegNode):
        return node.arg
    if isinstance(node, ConstNode):
        return ConstNode(-node.value)
    return NegNode(node)


def _normalise(node: Node) -> Node:
    """Negations in sums turned into signs, a leading inner sum flattened, zeros dropped, and
    u - u exactly 0 (:class:`CancelNode`); -1, 1 and negated factors of products pulled out as
    one negation; e^u as exp(u); --u as u. Nothing that changes a rounding: the order of the
    operations stays as typed."""
    if isinstance(node, NegNode):
        if isinstance(node.arg, NegNode):
            return node.arg.arg
        if isinstance(node.arg, ConstNode):
            return ConstNode(-node.arg.value)
        return node
    if isinstance(node, SumNode):
        out = _normal_sum(node)
    elif isinstance(node, ProductNode):
        out = _normal_product(node)
    elif isinstance(node, ExponentialNode) and node.a == np.e:
        out = ElementaryNode("exp", node.exponent)
    else:
        return node
    if out.src is None:
        out.src = node.src
    return out


def _normal_sum(node: SumNode) -> Node:
    flat: list[tuple[int, Node]] = []
    for i, (sign, term) in enumerate(node.terms):
        while isinstance(term, NegNode):
            sign, term = -sign, term.arg
        if i == 0 and isinstance(term, SumNode):  # (a + b) + c is a + b + c, in that order
            flat += [(sign * s, t) for s, t in term.terms]
        elif not _is(term, 0.0):
            flat.append((sign, term))
    flat = _cancel(flat)
    if not flat:
        return ConstNode(0.0)
    if len(flat) == 1:
        sign, term = flat[0]
        return term if sign > 0 else negate(term)
    return SumNode(flat)


def _normal_product(node: ProductNode) -> Node:
    kept: list[tuple[str, Node]] = []
    negative = False
    for op, factor in node.factors:
        while isinstance(factor, NegNode):
            negative, factor = not negative, factor.arg
        if isinstance(factor, ConstNode) and abs(factor.value) == 1.0:
            negative ^= factor.value < 0
        else:
            kept.append((op, factor))
    out = _product_of(node, kept)
    if negative:
        return NegNode(out)
    return out


def _cancel(terms: list[tuple[int, Node]]) -> list[tuple[int, Node]]:
    """u - u (the same expression with both signs) as one exact 0, where u is finite."""
    out: list[tuple[int, Node]] = []
    open_: dict[Any, list[int]] = {}
    for sign, term in terms:
        k = key(term)
        if k[0] == "node":
            out.append((sign, term))
            continue
        waiting = open_.setdefault(k, [])
        match = next((i for i in waiting if out[i][0] == -sign and
                      not isinstance(out[i][1], CancelNode)), None)
        if match is None:
            waiting.append(len(out))
            out.append((sign, term))
        else:
            waiting.remove(match)
            out[match] = (1, CancelNode(out[match][1]))
    return out


def _paren(text: str) -> str:
    return text if text.replace("_", "").isalnum() else f"({text})"


# --- recognisers -------------------------------------------------------------------------------

def _is(node: Node, value: float) -> bool:
    return isinstance(node, ConstNode) and node.value == value


def _exp_of(node: Node) -> Node | None:
    return node.arg if isinstance(node, ElementaryNode) and node.name == "exp" else None


def _square_of(node: Node) -> Node | None:
    """u for u^2 or u*u."""
    if isinstance(node, PowerNode) and node.c == 2.0:
        return node.base
    if isinstance(node, ProductNode) and len(node.factors) == 2 and \
            all(op == "*" for op, _ in node.factors) and same(node.factors[0][1],
                                                              node.factors[1][1]):
        return node.factors[0][1]
    return None


def _one_plus(node: Node) -> Node | None:
    """u for 1 + u (the terms in any order): a sum with the constant 1 and the rest."""
    if not isinstance(node, SumNode):
        return None
    ones = [i for i, (s, t) in enumerate(node.terms) if _is(t, float(s))]
    if not ones:
        return None
    rest = [term for i, term in enumerate(node.terms) if i != ones[0]]
    if len(rest) == 1:
        sign, term = rest[0]
        return term if sign > 0 else negate(term)
    return SumNode(rest)


def _one_plus_exp(node: Node) -> Node | None:
    """w for 1 + exp(w)."""
    rest = _one_plus(node)
    return None if rest is None else _exp_of(rest)


def _call_of(node: Node, name: str) -> Node | None:
    return node.arg if isinstance(node, CallNode) and node.act.name == name and \
        _default_params(node) else None


def _default_params(node: CallNode) -> bool:
    defaults = node.act.definition.defaults()
    return all(defaults.get(k) == v for k, v in node.act.params.items())


# --- rules: each returns the rewritten node, or None -------------------------------------------

def _softplus(rw: Rewriter, node: Node) -> Node | None:
    if not isinstance(node, ElementaryNode):
        return None
    if node.name == "log1p":
        w = _exp_of(node.arg)
    elif node.name == "log":
        w = _one_plus_exp(node.arg)
    else:
        return None
    if w is None:
        return None
    return rw.note(node, rw.catalog("softplus", w, beta=1.0), f"softplus({rw.show(w)})")


def _log1p(rw: Rewriter, node: Node) -> Node | None:
    if isinstance(node, ElementaryNode) and node.name == "log":
        u = _one_plus(node.arg)
        if u is not None:
            return rw.note(node, ElementaryNode("log1p", u), f"log1p({rw.show(u)})")
    return None


def _log_sigmoid(rw: Rewriter, node: Node) -> Node | None:
    if isinstance(node, ElementaryNode) and node.name == "log":
        w = _call_of(node.arg, "sigmoid")
        if w is not None:
            return rw.note(node, rw.catalog("log_sigmoid", w), f"log_sigmoid({rw.show(w)})")
    return None


def _sum_pairs(rw: Rewriter, node: Node) -> Node | None:
    """In a sum: exp(u) - 1 -> expm1(u); 1 - sigmoid(u) -> sigmoid(-u); 1 - tanh(u)^2 ->
    sech^2(u); u + sqrt(u^2 + c) -> 2 squareplus(u, b=c), sqrt(u^2 + c) - u -> 2
    squareplus(-u, b=c)."""
    if not isinstance(node, SumNode):
        return None
    terms = list(node.terms)
    constants = [i for i, (_, t) in enumerate(terms) if isinstance(t, ConstNode)]
    for i, (sign, term) in enumerate(terms):
        for j in constants:
            c = terms[j][0] * _constant(terms[j][1])
            found = _pair_with_constant(rw, sign, term, c)
            if found is not None:
                new_sign, replacement = found
                rest = [t for k, t in enumerate(terms) if k not in (i, j)]
                return _sum_of(node, [*rest, (new_sign, replacement)])
    for i, (sign, term) in enumerate(terms):
        if not (isinstance(term, ElementaryNode) and term.name.startswith("sqrt(u^2")):
            continue
        c = term.c  # type: ignore[attr-defined]
        if sign < 0 or c <= 0:
            continue
        for j, (other_sign, other) in enumerate(terms):
            if j != i and same(other, term.arg):
                u = term.arg if other_sign > 0 else negate(term.arg)
                shown = f"2*squareplus({rw.show(u)}, b={c:g})"
                new = ProductNode([("*", ConstNode(2.0)), ("*", rw.catalog("squareplus", u, b=c))])
                pair = SumNode([(sign, term), (other_sign, other)])
                pair.src = None
                rw.notes.append(f"{rw.show(other)} {'+' if other_sign > 0 else '-'} "
                                f"{rw.show(term)} as {shown}")
                rest = [t for k, t in enumerate(terms) if k not in (i, j)]
                return _sum_of(node, [*rest, (1, new)])
    return None


def _pair_with_constant(rw: Rewriter, sign: int, term: Node, c: float
                        ) -> tuple[int, Node] | None:
    """(sign, replacement) for the terms ``sign*term + c`` when they make an idiom."""
    w = _exp_of(term)
    if w is not None and c == -sign * 1.0:  # exp(u) - 1, 1 - exp(u)
        new = ElementaryNode("expm1", w)
        new.src = None
        rw.notes.append(f"{'' if sign > 0 else '1 - '}{rw.show(term)}"
                        f"{' - 1' if sign > 0 else ''} as {'' if sign > 0 else '-'}"
                        f"expm1({rw.show(w)})")
        return sign, new
    if sign < 0 and c == 1.0:
        w = _call_of(term, "sigmoid")
        if w is not None:
            rw.notes.append(f"1 - {rw.show(term)} as sigmoid({rw.show(negate(w))})")
            return 1, rw.catalog("sigmoid", negate(w))
        base = _square_of(term)
        w = None if base is None else _call_of(base, "tanh")
        if w is not None:
            rw.notes.append(f"1 - {rw.show(term)} as sech^2({rw.show(w)})")
            return 1, ElementaryNode("sech^2", w, sech2)
    return None


def _constant(node: Node) -> float:
    return node.value if isinstance(node, ConstNode) else float("nan")


def _sum_of(node: Node, terms: list[tuple[int, Node]]) -> Node:
    if len(terms) == 1:
        sign, term = terms[0]
        out = term if sign > 0 else negate(term)
    else:
        out = SumNode(terms)
    out.src = node.src
    return out


def _quotients(rw: Rewriter, node: Node) -> Node | None:
    """In a product: a/(1 + exp(w)) -> a*sigmoid(-w); exp(w)*sigmoid(-w) -> sigmoid(w);
    u/(1 + abs(u)) -> softsign(u); and (1 + exp(w))^-1 -> sigmoid(-w)."""
    if isinstance(node, PowerNode) and node.c == -1.0:
        w = _one_plus_exp(node.base)
        if w is not None:
            return rw.note(node, rw.catalog("sigmoid", negate(w)),
                           f"sigmoid({rw.show(negate(w))})")
        return None
    if not isinstance(node, ProductNode):
        return None
    factors = list(node.factors)
    for i, (op, factor) in enumerate(factors):
        if op == "/":
            found = _over_one_plus(rw, node, factors, i, factor)
            if found is not None:
                return found
    for i, (op, factor) in enumerate(factors):
        w = _exp_of(factor)
        if op == "*" and w is not None:
            found = _exp_times_sigmoid(rw, node, factors, i, factor, w)
            if found is not None:
                return found
    return None


def _over_one_plus(rw: Rewriter, node: Node, factors: list[tuple[str, Node]], i: int,
                   factor: Node) -> Node | None:
    """The factor ``/ factor`` at i: 1 + exp(w) (a sigmoid) or 1 + abs(u) with u a factor
    (a softsign)."""
    w = _one_plus_exp(factor)
    if w is not None:
        rw.notes.append(f"1/({rw.show(factor)}) as sigmoid({rw.show(negate(w))})")
        factors[i] = ("*", rw.catalog("sigmoid", negate(w)))
        return _product_of(node, factors)
    rest = _one_plus(factor)
    if not (isinstance(rest, ElementaryNode) and rest.name == "abs"):
        return None
    for j, (other_op, other) in enumerate(factors):
        if other_op == "*" and same(other, rest.arg):
            rw.notes.append(f"{rw.show(other)}/({rw.show(factor)}) as "
                            f"softsign({rw.show(other)})")
            kept = [f for k, f in enumerate(factors) if k not in (i, j)]
            return _product_of(node, [*kept, ("*", rw.catalog("softsign", other))])
    return None


def _exp_times_sigmoid(rw: Rewriter, node: Node, factors: list[tuple[str, Node]], i: int,
                       factor: Node, w: Node) -> Node | None:
    for j, (other_op, other) in enumerate(factors):
        inner = _call_of(other, "sigmoid")
        if other_op == "*" and inner is not None and same(inner, negate(w)):
            rw.notes.append(f"{rw.show(factor)}*sigmoid({rw.show(inner)}) as "
                            f"sigmoid({rw.show(w)})")
            kept = [f for k, f in enumerate(factors) if k not in (i, j)]
            return _product_of(node, [*kept, ("*", rw.catalog("sigmoid", w))])
    return None


def _product_of(node: Node, factors: list[tuple[str, Node]]) -> Node:
    """The product of ``factors`` in place of ``node`` (factors 1 dropped)."""
    factors = [f for f in factors if not (f[0] == "*" and _is(f[1], 1.0))]
    if not factors:
        out: Node = ConstNode(1.0)
    elif len(factors) == 1 and factors[0][0] == "*":
        out = factors[0][1]
    else:
        if factors[0][0] == "/":
            factors.insert(0, ("*", ConstNode(1.0)))
        out = ProductNode(factors)
    out.src = node.src
    return out


def _roots(rw: Rewriter, node: Node) -> Node | None:
    """sqrt(u^2 + c) -> hypot(u, sqrt(c)) (and its forms for c < 0, c = 0)."""
    if isinstance(node, ElementaryNode) and node.name == "sqrt":
        inner = node.arg
    elif isinstance(node, PowerNode) and node.c == 0.5:
        inner = node.base
    else:
        return None
    if not isinstance(inner, SumNode) or len(inner.terms) != 2:
        return None
    (s1, t1), (s2, t2) = inner.terms
    if isinstance(t1, ConstNode):
        (s1, t1), (s2, t2) = (s2, t2), (s1, t1)
    u = _square_of(t1)
    if u is None or s1 < 0 or not isinstance(t2, ConstNode):
        return None
    c = s2 * t2.value
    if c == 0.0:
        return rw.note(node, ElementaryNode("abs", u), f"abs({rw.show(u)})")
    new = ElementaryNode(f"sqrt(u^2{c:+g})", u, root_of_square_plus(c))
    new.c = c  # type: ignore[attr-defined]
    return rw.note(node, new, (f"hypot({rw.show(u)}, sqrt({c:g}))" if c > 0 else
                               f"sqrt((|{rw.show(u)}| - s)(|{rw.show(u)}| + s)), "
                               f"s = sqrt({-c:g})"))


def _inline(rw: Rewriter, node: Node) -> Node | None:
    """A named formula (a scope's ``define:``, a plugin formula) called in a formula is put
    in place with its argument for x, so that its idioms and cancellations are seen whole:
    pswish(x, beta=2) - x*sigmoid(2*x) is exactly 0."""
    inner = getattr(node, "act", None)
    bound = getattr(inner, "_bound", None)
    if not isinstance(node, CallNode) or bound is None:
        return None
    out = substitute(bound.root, node.arg)
    out.src = node.src
    rw.notes.extend(note for note in bound.rewrites if note not in rw.notes)
    return out


def substitute(node: Any, arg: Node) -> Any:
    """A copy of the tree ``node`` with ``arg`` for x (texts dropped: they are another
    formula's)."""
    if isinstance(node, XNode):
        return arg
    if isinstance(node, ConstNode):
        return ConstNode(node.value)
    new = copy.copy(node)
    new.src = None
    for name in CHILD_FIELDS.get(type(node), ()):
        setattr(new, name, _substituted(getattr(node, name), arg))
    if isinstance(node, MinMaxNode):
        new.cond = Comparison(">" if node.name == "max" else "<", new.a, new.b)
    return new


def _substituted(value: Any, arg: Node) -> Any:
    if isinstance(value, list):
        return [(v[0], substitute(v[1], arg)) if isinstance(v, tuple) else substitute(v, arg)
                for v in value]
    return substitute(value, arg)


RULES: tuple[Callable[[Rewriter, Node], Node | None], ...] = (
    _inline, _softplus, _log_sigmoid, _log1p, _roots, _quotients, _sum_pairs)
"""The rules, tried in this order on every node after its children."""


# --- hints for what is not rewritten -----------------------------------------------------------

def stable_hint(text: str, node: Any) -> str:
    """A stable spelling of ``node`` (where digits are lost), for the shapes that have one; ''
    otherwise."""
    if isinstance(node, SumNode) and len(node.terms) == 2:
        (s1, t1), (s2, t2) = node.terms
        for (sa, a), (sb, b) in (((s1, t1), (s2, t2)), ((s2, t2), (s1, t1))):
            if isinstance(b, ConstNode) and sa * sb * b.value == -1.0 and \
                    isinstance(a, ElementaryNode) and a.name == "cos":
                arg = _paren(_typed(text, a.arg))
                sign = "" if sa < 0 else "-"
                return f"{sign}2*sin({arg}/2)^2 for {_typed(text, node)}"
    if isinstance(node, ElementaryNode) and node.name == "log":
        arg = _typed(text, node.arg)
        return f"log1p(...) of ({arg}) - 1, which keeps the digits near 1"
    return ""


def _typed(text: str, node: Node) -> str:
    if node.src is None:
        return "u"
    return " ".join(text[node.src[0]:node.src[1]].split())
