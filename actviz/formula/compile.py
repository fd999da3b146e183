"""A formula from text to a definition: parse, check, bind; the definitions of formulas."""

from __future__ import annotations

import functools
import keyword
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..catalog._core import INF, Definition, Kink, Limits, Param, Piece, normalize
from ..errors import ActvizError, FormulaError, ParameterError
from .activation import FormulaActivation
from .bind import Binding, bind
from .bound import Bound
from .latex import tex
from .nodes import fold
from .parser import Lookup, Parser, parse_params
from .rewrite import rewrite
from .syntax import MAX_LENGTH, RESERVED, Call, Expr, shown

# --- the formula -------------------------------------------------------------------------------
FAMILY = "formula"
TEXT_D = "computed exactly from the formula (forward-mode differentiation of second order)"
LATEX_D = r"f'(x):\ \mathrm{computed\ exactly\ from\ the\ formula}"


Declared = dict[str, tuple[float, int]]
"""A formula's parameters: name -> (default, column of its name after ';', -1 if given in
``params``)."""


class Formula:
    """A parsed formula: its text, parameters, and the expression tree (unbound).

    Made in named steps, each of which may refuse the formula with a one-line message: the
    text checked (:func:`_check_text`), the parameters gathered from after ';' and from
    ``params`` (:func:`_declared`), the body parsed (:class:`Parser`), every parameter
    checked to be used (:func:`_check_used`), the dependence on the flavor detected
    (:func:`_flavored`), and a first binding with the defaults, which checks the constant
    parts. ``lookup`` finds the functions the formula calls (see :data:`Lookup`)."""

    def __init__(self, name: str | None, text: str, scope: Mapping[str, Definition] | None,
                 params: Mapping[str, float] | None, lookup: Lookup):
        self.name, self.text, self.scope, self.lookup = name, text, scope, lookup
        _check_text(text)
        declared = _declared(text, params)
        self.extra = {normalize(k): float(v) for k, v in (params or {}).items()}
        body_end = text.find(";")
        stop = body_end if body_end >= 0 else len(text)
        self.body = text[:stop].strip()
        if not self.body:
            raise FormulaError(f"in '{shown(text)}': the formula is empty")
        parser = Parser(text, 0, stop, {k: v for k, (v, _) in declared.items()}, scope, lookup)
        self.root = parser.formula()
        _check_used(text, declared, parser.used)
        self.params = tuple(Param(key, value, "a parameter of the formula")
                            for key, (value, _) in declared.items())
        self.flavored = _flavored(self.root)
        self.bind({p.name: p.default for p in self.params}, "torch")  # checks the constants

    @property
    def anonymous(self) -> bool:
        return self.name is None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Formula, (self.name, self.text, self.scope, self.extra, self.lookup))

    def bind(self, values: Mapping[str, Any], flavor: str) -> Bound:
        """The formula with these parameter values and flavor, constants folded and its
        idioms in their stable forms (:mod:`.rewrite`)."""
        root, notes = rewrite(bind(self.root, Binding(self.text, values, flavor)), self.text,
                              flavor)
        return Bound(fold(root), self.text, notes)

    def kernel(self, x: np.ndarray, order: int, **params: Any) -> tuple[np.ndarray, ...]:
        """The formula evaluated with its derivatives (binds on every call; an
        :class:`Activation` binds once)."""
        return self.bind(params, "torch").kernel(x, order)

    def limits(self, params: Mapping[str, Any]) -> Limits:
        return self.bind(params, "torch").limits()

    def kinks(self, params: Mapping[str, Any]) -> tuple[Kink, ...]:
        return self.bind(params, "torch").structure(-INF, INF)[0]

    def pieces(self, params: Mapping[str, Any]) -> tuple[Piece, ...]:
        return self.bind(params, "torch").structure(-INF, INF)[1]

    def latex_body(self) -> str:
        return tex(self.root)[0]

    def activate(self, definition: Definition, values: Mapping[str, Any],
                 flavor: str) -> FormulaActivation:
        return FormulaActivation(definition, values, flavor, self.bind(values, flavor))


def _check_text(text: Any) -> None:
    """Refuse what is not a string, or is longer than ``MAX_LENGTH``."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, got {text!r}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"a formula is at most {MAX_LENGTH} characters long, got "
                           f"{len(text)}")


def _declared(text: str, params: Mapping[str, float] | None) -> Declared:
    """The parameters after ';' in ``text``, then those of ``params`` (finite numbers, not
    given twice)."""
    body_end = text.find(";")
    declared = parse_params(text, body_end + 1) if body_end >= 0 else {}
    for key, value in (params or {}).items():
        if normalize(key) in declared:
            raise FormulaError(f"in '{shown(text)}': the parameter '{key}' is given both "
                               "after ';' and in params")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or \
                not math.isfinite(value):
            raise FormulaError(f"in '{shown(text)}': the parameter '{key}' must be a "
                               f"finite number, got {value!r}")
        declared[normalize(key)] = (float(value), -1)
    return declared


def _check_used(text: str, declared: Declared, used: set[str]) -> None:
    """Refuse a parameter that the formula does not use."""
    for key, (_, col) in declared.items():
        if key not in used:
            where = f" at column {col + 1}" if col >= 0 else ""
            raise FormulaError(f"in '{shown(text)}': the parameter '{key}' is not used in "
                               f"the formula{where}.")


def _flavored(root: Expr) -> bool:
    """Whether the formula calls a function whose values depend on the flavor."""
    return any(isinstance(n, Call) and n.found.flavored for n in _walk(root))


def _walk(node: Expr) -> Iterator[Expr]:
    yield node
    for child in node.children():
        yield from _walk(child)


# --- definitions -------------------------------------------------------------------------------

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def check_name(name: str) -> str:
    """The normalised name, or :class:`ParameterError` if it cannot name a function."""
    if not isinstance(name, str):
        raise ParameterError(f"a function's name must be a string, got {name!r}")
    key = normalize(name)
    if not _NAME.fullmatch(key) or "__" in key:
        raise ParameterError(f"'{name}' cannot name a function: use letters, digits and '_', "
                             "starting with a letter")
    if key in RESERVED or keyword.iskeyword(key):
        raise ParameterError(f"'{name}' cannot name a function: a formula uses that word")
    return key


class FormulaKernel:
    """``kernel(x, order, **params)`` of a formula's :class:`Definition` (picklable)."""

    def __init__(self, formula: Formula):
        self.formula = formula
        self.__doc__ = (f"The user formula f(x) = {formula.body}; f' and f'' are computed "
                        "exactly from it by forward-mode differentiation of second order.")

    def __call__(self, x: np.ndarray, order: int, **params: Any) -> tuple[np.ndarray, ...]:
        return self.formula.kernel(x, order, **params)


def make_definition(formula: Formula, name: str, title: str | None = None,
                    **meta: Any) -> Definition:
    symbol = r"f" if formula.anonymous else r"\mathrm{" + name.replace("_", r"\_") + "}"
    meta.setdefault("reference", None)
    return Definition(
        name=name, kernel=FormulaKernel(formula), title=title or formula.body,
        family=FAMILY, symbol=symbol, latex=f"{symbol}(x) = {formula.latex_body()}",
        latex_d=LATEX_D, text=formula.body, text_d=TEXT_D, limits=formula.limits,
        params=formula.params, kinks=formula.kinks, pieces=formula.pieces,
        formula=formula, origin="formula", **meta)


def define_formula(name: str, formula: str, params: Mapping[str, float] | None = None,
                   title: str | None = None, scope: Mapping[str, Definition] | None = None,
                   *, lookup: Lookup, **meta: Any) -> Definition:
    """A formula as a named :class:`Definition`, not registered (``define:`` in YAML)."""
    key = check_name(name)
    return make_definition(Formula(key, formula, scope, params, lookup), key, title,
                           **meta)


@functools.lru_cache(maxsize=256)
def _anonymous(text: str, lookup: Lookup) -> Definition:
    return make_definition(Formula(None, text, None, None, lookup), text.split(";")[0].strip())


def formula_definition(spec: str, scope: Mapping[str, Definition] | None,
                       lookup: Lookup) -> Definition:
    """The definition of the formula ``spec`` (a spec that is not a name)."""
    text = spec.strip()
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"a formula is at most {MAX_LENGTH} characters long, got "
                           f"{len(text)}")
    if scope:
        return make_definition(Formula(None, text, scope, None, lookup),
                               text.split(";")[0].strip())
    return _anonymous(text, lookup)


def formula_definition_or_none(spec: str,
                               scope: Mapping[str, Definition] | None,
                               lookup: Lookup) -> Definition | None:
    """The definition of ``spec`` as a formula, or None if it is not a valid one."""
    try:
        return formula_definition(spec, scope, lookup)
    except ActvizError:
        return None


def forget() -> None:
    """Drop the cached anonymous formulas (after the registry changed)."""
    _anonymous.cache_clear()
