"""Why a formula as typed cannot be evaluated at a point in float64: the part of it where the
digits are lost, in words, and the stable spelling where one is known.

Run only when a command reports such a point (:meth:`.bound.Bound.why`): it evaluates each
node of the bound tree at that one point and finds the innermost one whose error bound (see
:mod:`.jet`) first exceeds the tolerance.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._numbers import text_number
from .chain import DEEP_ZEROS
from .jet import unreliable
from .nodes import (
    CallNode,
    ElementaryNode,
    ExponentialNode,
    GeneralPowerNode,
    Node,
    PowerNode,
    ProductNode,
    SumNode,
)
from .rewrite import stable_hint

NAMES = ("f", "f'", "f''")


def _nodes(node: Any) -> Iterator[Any]:
    """Every bound node below ``node`` and itself, children first."""
    for child in node.children():
        if isinstance(child, Node):
            yield from _nodes(child)
    yield node


def _bad(node: Any, x: np.ndarray, k: int) -> bool:
    """Whether a component up to f^(k) of the node is not right (or NaN) at the point."""
    with np.errstate(all="ignore"):
        comps = node.jet(x, k)
    for value, error in comps:
        if value is None:
            continue
        out = np.broadcast_to(np.asarray(value, dtype=np.float64), x.shape)
        if np.isnan(out).any() or (error is not None and unreliable(out, error).any()):
            return True
    return False


def _text(bound: Any, node: Any) -> str:
    if node.src is None:
        return ""
    start, end = node.src
    return " ".join(bound.text[start:end].split())


def explain(bound: Any, x: float, k: int) -> str | None:
    """Why f^(k) of ``bound`` is not given at x (None if it is, or if it simply has no value
    there: NaN in exact arithmetic too, as log(-1)). Values that decayed to 0 count as the
    underflows they are here (0/0 of two of them has a value)."""
    token = DEEP_ZEROS.set(False)
    try:
        return _explain(bound, float(x), k)
    finally:
        DEEP_ZEROS.reset(token)


def _explain(bound: Any, x: float, k: int) -> str | None:
    at = np.array([x])
    if not _bad(bound.root, at, k):
        return None
    found = _culprit(bound.root, at, k)
    if found is None:
        return None
    node, children = found
    with np.errstate(all="ignore"):
        values = [0.0 if v is None else np.asarray(v, dtype=np.float64).reshape(-1)[0]
                  for v, _ in node.jet(at, k)]
        child_values = [float(np.asarray(c.jet(at, 0)[0][0], dtype=np.float64).reshape(-1)[0])
                        for c in children]
    overflowing = _overflows(node, at, k)
    if np.isnan(values[0]) and all(np.isfinite(v) for v in child_values) and \
            not overflowing and not _underflowed(node, children, child_values, at):
        return None  # no value in exact arithmetic either (log(-1), x/x at 0)
    if np.isfinite(values[0]) and any(np.isnan(v) for v in values[1:]):
        where = f"'{_text(bound, node) or 'the formula'}'"
        return (f"in the derivatives of {where}, a term that underflows to 0 meets one that "
                "overflows (0 * inf, or inf - inf), which leaves no digits")
    reason = _reason(bound, node, children, child_values, overflowing)
    hint = _hint(bound, node)
    return reason + (f"; write {hint}" if hint else "")


def _culprit(root: Any, at: np.ndarray, k: int) -> tuple[Any, list[Any]] | None:
    """The first node (children first) that is not right at the point while its children
    are."""
    for node in _nodes(root):
        if not _bad(node, at, k):
            continue
        children = [c for c in node.children() if isinstance(c, Node)]
        if not any(_bad(c, at, k) for c in children):
            return node, children
    return None


def _reason(bound: Any, node: Any, children: list[Any], child_values: list[float],
            overflowing: bool) -> str:
    """What goes wrong at ``node``, in words."""
    where = f"'{_text(bound, node) or 'the formula'}'"
    inf = [_text(bound, c) for c, v in zip(children, child_values, strict=True)
           if np.isinf(v)]
    tiny = [_text(bound, c) for c, v in zip(children, child_values, strict=True)
            if abs(v) < 2.3e-308]
    if inf or overflowing:
        inner = f"'{inf[0]}'" if inf and inf[0] else where
        return f"{inner} overflows (beyond 1.8e308), and {where} has no digits left"
    if tiny and any(v == 0 for v in child_values):
        return (f"'{tiny[0]}' underflows to 0 (its true value is below 4.9e-324), and "
                f"{where} is left with 0/0 or less")
    if isinstance(node, SumNode):
        return f"the terms of {where} cancel: only their rounding errors are left"
    if isinstance(node, (ElementaryNode, CallNode, PowerNode, ExponentialNode, GeneralPowerNode)):
        arg = _text(bound, children[0]) if children else ""
        return (f"{where} magnifies the rounding error of its argument"
                + (f" '{arg}'" if arg else ""))
    if isinstance(node, ProductNode) and tiny:
        return f"'{tiny[0]}' underflows (below 2.2e-308) and {where} magnifies what is left"
    return f"the rounding errors in {where} grow beyond 1e-10 of the result"


def _underflowed(node: Any, children: list[Any], values: list[float],
                 at: np.ndarray) -> bool:
    """Whether a NaN of a product or quotient comes from a factor that is 0 only because it
    underflowed (0/0 of two values decayed to 0, whose true ratio exists)."""
    return isinstance(node, ProductNode) and any(
        v == 0 and not _exact(c, at) for c, v in zip(children, values, strict=True))


def _exact(node: Any, at: np.ndarray) -> bool:
    """Whether the node's value at the point is exact (its error bound is 0)."""
    with np.errstate(all="ignore"):
        _, error = node.jet(at, 0)[0]
    return error is None or not np.any(np.asarray(error) > 0)


def _overflows(node: Any, at: np.ndarray, k: int) -> bool:
    """Whether some component of the node is infinite at the point."""
    with np.errstate(all="ignore"):
        comps = node.jet(at, k)
    return any(v is not None and np.isinf(np.asarray(v, dtype=np.float64)).any()
               for v, _ in comps)


def _hint(bound: Any, node: Any) -> str:
    """A stable spelling of the node, for the shapes that have one."""
    return stable_hint(bound.text, node)


def message(spec: str, bound: Any, x: float, k: int, count: int, total: int) -> str | None:
    """The one line a command prints for such a point (None if f^(k) has no value there)."""
    reason = explain(bound, x, k)
    if reason is None:
        return None
    more = f" (and {count - 1} more of the {total} points)" if count > 1 else ""
    return (f"'{spec}': {NAMES[k]} cannot be evaluated at x = {text_number(x, 6)}{more} in "
            f"float64 as the formula is typed: {reason}")
