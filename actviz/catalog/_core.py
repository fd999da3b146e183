"""The registry of activation functions: definitions, parameters, spec parsing and ``get``.

A *definition* describes one activation function once: a kernel that evaluates f, f' and f''
together, its parameters, formulas and metadata. An :class:`Activation` is a definition bound
to resolved parameter values; it is what :func:`get` returns and what the rest of actviz uses.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

from .._numbers import format_number
from .._suggest import did_you_mean
from ..errors import ParameterError, SpecError
from ._limits import check_finite

FLAVORS = ("torch", "keras", "jax")
"""Frameworks whose defaults can be chosen with ``flavor=``; torch is the default."""

FLAVOR_SOURCES = ("The flavors follow torch.nn.functional, keras.activations (Keras 3) and "
                  "jax.nn")
"""What each flavor's defaults are taken from."""

INF = math.inf
CHUNK = 32768
"""Elements per block in :meth:`Activation.evaluate`: 256 KiB per array, so that a kernel's
intermediates stay in the L2 cache."""


class Family:
    """Families of activation functions, as shown by ``actviz list``."""

    LINEAR = "linear"
    STEP = "step"
    SIGMOID = "sigmoid-like"
    RELU = "ReLU-like"
    SMOOTH = "smooth ReLU"
    SHRINK = "shrink"
    VECTOR = "output (vector)"
    OTHER = "other"


def normalize(name: str) -> str:
    """Names are case-insensitive and '-' equals '_'."""
    return name.strip().lower().replace("-", "_")


@dataclass(frozen=True)
class Param:
    """One parameter of an activation function.

    ``choices`` makes it a string parameter (``gelu``'s ``approximate``); otherwise it is a
    finite real number, optionally bounded below by ``minimum`` (excluded when ``strict``).
    ``synonyms`` maps other accepted spellings of a choice to the choice itself. ``why``
    says, in the error message, why the bound is where it is. ``unbounded`` also accepts
    ``None``, ``none`` and ``inf`` for a bound that is not there (stored as +inf).
    """

    name: str
    default: float | str
    doc: str
    choices: tuple[str, ...] = ()
    synonyms: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    strict: bool = False
    why: str = ""
    unbounded: bool = False

    @property
    def domain(self) -> str:
        """The allowed values in words, e.g. ``> 0`` or ``none or tanh``; '' if any real."""
        if self.choices:
            return " or ".join(self.choices)
        if self.minimum is None:
            return "a number or none" if self.unbounded else ""
        bound = f"{'>' if self.strict else '>='} {format_number(self.minimum)}"
        return f"{bound} or none" if self.unbounded else bound

    def show_default(self) -> str:
        """The default as text."""
        if isinstance(self.default, str):
            return self.default
        return "none" if self.unbounded and self.default == INF else format_number(self.default)

    def coerce(self, value: Any, owner: str) -> float | str:
        """Convert ``value`` (a spec string or a Python value) or raise :class:`ParameterError`."""
        if self.choices:
            return self._coerce_choice(value, owner)
        if self.unbounded and (value is None or value == INF or (
                isinstance(value, str) and value.strip().lower() in ("none", "inf", "+inf"))):
            return INF
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise ParameterError(
                    f"{owner}: {self.name} must be a number, got '{value}'"
                ) from None
        elif isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ParameterError(f"{owner}: {self.name} must be a number, got {value!r}")
        else:
            try:
                number = float(value)
            except OverflowError:  # an integer beyond float64: as '1e400' reads
                number = INF if value > 0 else -INF
        if not math.isfinite(number):
            raise ParameterError(
                f"{owner}: {self.name} must be finite, got {format_number(number)}"
            )
        if self.minimum is not None and (
            number < self.minimum or (self.strict and number == self.minimum)
        ):
            why = f" ({self.why})" if self.why else ""
            raise ParameterError(
                f"{owner}: {self.name} must be {self.domain}{why}, got {format_number(number)}"
            )
        return number

    def _coerce_choice(self, value: Any, owner: str) -> str:
        if isinstance(value, bool):
            key = "true" if value else "false"
        elif isinstance(value, str):
            key = value.strip().lower()
        else:
            key = None
        if key is not None:
            key = dict(self.synonyms).get(key, key)
        if key not in self.choices:
            shown = f"'{value}'" if isinstance(value, str) else repr(value)
            raise ParameterError(f"{owner}: {self.name} must be {self.domain}, got {shown}")
        return key


@dataclass(frozen=True)
class Kink:
    """A point where the function is not smooth.

    ``order`` is the lowest derivative that jumps there: 0 means f itself jumps (a
    discontinuity), 1 a corner (f' jumps), 2 or 3 a jump of f'' or f'''. ``source`` names who
    fixes the value of the derivatives at the point itself (e.g. ``PyTorch autograd``).
    """

    x: float
    order: int
    source: str = ""

    @property
    def kind(self) -> str:
        return {0: "jump", 1: "kink"}.get(self.order, "f" + "'" * self.order + " jump")


@dataclass(frozen=True)
class AtKinks:
    """What one framework returns at the kinks of a function, for resolved parameters: the
    values a flavor carries there.

    ``values`` holds ``(x, f'(x), f''(x))`` for each kink x, as the framework's autograd gives
    them (f'' by nested autograd). ``label`` names the framework briefly, as a :class:`Kink`'s
    ``source`` (``JAX autograd``); ``source`` cites where the framework fixes the values (file
    and function). ``lacks`` says instead that the framework has no such function (or none
    with these parameters): the flavor then keeps the torch flavor's values.
    """

    label: str = ""
    source: str = ""
    values: tuple[tuple[float, float, float], ...] = ()
    lacks: str = ""


@dataclass(frozen=True)
class Piece:
    """On the open interval (start, end) the function is linear with this slope (a tuple of
    slopes, one per output, for a function with several outputs)."""

    start: float
    end: float
    slope: float | tuple[float, ...]

    def slope_of(self, output: int = 0) -> float:
        return self.slope[output] if isinstance(self.slope, tuple) else self.slope


@dataclass(frozen=True)
class Band:
    """Where a function's slope is random in training: on (start, end), f = s x with s drawn
    between ``low`` and ``high`` (rrelu). Figures shade it; ``label`` names it."""

    start: float
    end: float
    low: float
    high: float
    label: str


Limits = tuple[tuple[Any, Any], tuple[Any, Any], tuple[Any, Any]]
"""((f(-inf), f(+inf)), (f'(-inf), f'(+inf)), (f''(-inf), f''(+inf))); +-inf where unbounded."""


def _nothing(_params: Mapping[str, Any]) -> tuple[()]:
    return ()


def _as_function(value: Any) -> Callable[[Mapping[str, Any]], Any]:
    if callable(value):
        return value
    return lambda _params: value


@dataclass(frozen=True, eq=False)
class Definition:
    """Everything known about one activation function, independent of parameter values.

    ``kernel(x, order, **params)`` receives a finite float64 array (at least 1-d) and returns
    a tuple ``(f,)``, ``(f, f')`` or ``(f, f', f'')`` for order 0, 1 or 2, computing shared
    intermediates once. ``limits``, ``kinks`` and ``pieces`` take the resolved parameters.

    ``origin`` says where the definition comes from: ``catalog`` (built in), ``formula`` (a
    user formula), ``python`` (:func:`actviz.register` with a kernel) or ``plugin NAME`` (an
    entry point of the distribution NAME). ``formula`` is the parsed formula of a user
    formula (see :mod:`actviz.formula`), None otherwise.
    """

    name: str
    kernel: Callable[..., tuple[np.ndarray, ...]]
    title: str
    family: str
    symbol: str
    latex: str
    latex_d: str
    text: str
    text_d: str
    limits: Callable[[Mapping[str, Any]], Limits] | None
    params: tuple[Param, ...] = ()
    kinks: Callable[[Mapping[str, Any]], tuple[Kink, ...]] = _nothing
    pieces: Callable[[Mapping[str, Any]], tuple[Piece, ...]] = _nothing
    poles: Callable[[Mapping[str, Any]], tuple[float, ...]] = _nothing
    """Points where |f| grows without bound (log1mexp at 0): nothing is finite there, so
    analyses refuse a range that holds one and figures leave a gap around it."""
    aliases: tuple[str, ...] = ()
    reference: str | None = None
    flavors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    check: Callable[[Mapping[str, Any]], str | None] | None = None
    reduce: Callable[[Mapping[str, Any]], tuple[str, dict[str, Any]] | None] | None = None
    vector: bool = False
    outputs: int = 1
    band: Callable[[Mapping[str, Any]], Band] | None = None
    forms: Callable[[Mapping[str, Any]], Mapping[str, str]] | None = None
    """The formulas (``latex``, ``latex_d``, ``text``, ``text_d``) that differ for some
    parameter values (gelu's tanh approximation): what titles and ``info`` show is always the
    formula of the function evaluated."""
    flavor_note: str = ""
    """Where the frameworks' defaults come from and what differs (a layer's initial value, an
    op's other default), when it is more than ``FLAVOR_SOURCES`` says."""
    at_kinks: Callable[[Mapping[str, Any]], Mapping[str, AtKinks]] | None = None
    """For each flavor, what its framework returns at the kinks (:class:`AtKinks`), given the
    resolved parameters. The kernel computes the torch flavor's values; another flavor's
    values replace them at the kinks where they differ (see :class:`Activation`)."""
    formula: Any = None
    origin: str = "catalog"

    @property
    def writes_out(self) -> bool:
        """Whether the kernel takes ``out=[...]`` arrays and writes its results there."""
        return "out" in inspect.signature(self.kernel).parameters

    @property
    def doc(self) -> str:
        """The kernel's docstring: formula, derivative, and the convention at kinks."""
        return inspect.getdoc(self.kernel) or ""

    def param(self, name: str) -> Param | None:
        for param in self.params:
            if param.name == name:
                return param
        return None

    @property
    def flavored(self) -> bool:
        """Whether the flavor changes anything: a default, or a value at a kink."""
        return bool(self.flavors) or self.at_kinks is not None

    def defaults(self, flavor: str = "torch") -> dict[str, Any]:
        """Parameter defaults, with the flavor's overrides applied."""
        values = {p.name: p.default for p in self.params}
        values.update(self.flavors.get(flavor, {}))
        return values

    def describe_params(self) -> str:
        """``alpha (default 1)`` and so on, for messages."""
        return ", ".join(f"{p.name} (default {p.show_default()})" for p in self.params)


REGISTRY: dict[str, Definition] = {}
ALIASES: dict[str, str] = {}

_KernelT = TypeVar("_KernelT", bound=Callable[..., tuple[np.ndarray, ...]])


def register(name: str, **meta: Any) -> Callable[[_KernelT], _KernelT]:
    """Decorator: register ``kernel`` as the activation function ``name``.

    ``limits``, ``kinks``, ``pieces``, ``poles`` and ``at_kinks`` may be given as constants or
    as functions of the resolved parameters.
    """

    def decorate(kernel: _KernelT) -> _KernelT:
        for key in ("limits", "kinks", "pieces", "poles", "at_kinks"):
            if key in meta and meta[key] is not None:
                meta[key] = _as_function(meta[key])
        definition = Definition(name=name, kernel=kernel, **meta)
        for key in (name, *definition.aliases):
            if key in REGISTRY or key in ALIASES or key != normalize(key):
                raise RuntimeError(f"activation name {key!r} is taken or not normalized")
        REGISTRY[name] = definition
        for alias in definition.aliases:
            ALIASES[alias] = name
        return kernel

    return decorate


class Activation:
    """An activation function with resolved parameters; see :func:`actviz.get`.

    ``act(x)`` is f(x), ``act.derivative(x)`` f'(x), ``act.second_derivative(x)`` f''(x), and
    ``act.evaluate(x, order)`` returns all of them up to ``order`` at once. Every result is a
    float64 array of the shape of ``x`` (``x.shape + (2,)`` for crelu); vector functions
    (softmax, softmin, log_softmax) work along the last axis and their derivatives are the
    diagonal of the Jacobian. Inputs of +-inf give the limits there, NaN gives NaN.

    At a kink, f' and f'' are what the flavor's framework returns there (PyTorch autograd for
    the default torch flavor, computed by the kernel itself): the definition's ``at_kinks``
    table gives the other flavors' values, and where one differs from the torch flavor's, it
    replaces the kernel's result at exactly that x (see :attr:`at_kinks`).
    """

    def __init__(self, definition: Definition, params: Mapping[str, Any],
                 flavor: str = "torch", *, kinks: Sequence[Kink] | None = None,
                 pieces: Sequence[Piece] | None = None,
                 poles: Sequence[float] | None = None, limits: Limits | None = None):
        """``kinks``, ``pieces``, ``poles`` and ``limits``, when given, are what the caller
        has computed already (a formula's, from its structure) in place of the
        definition's."""
        self.definition = definition
        self._params = dict(params)
        self.flavor = flavor
        kinks = sorted(definition.kinks(self._params) if kinks is None else kinks,
                       key=lambda k: k.x)
        if flavor != "torch" and definition.at_kinks is not None:  # the kernel's are torch's
            self._overrides = _overrides(self.flavors_at_kinks, flavor)
            framework = self.at_kinks
            if framework is not None and framework.values and framework.label:
                kinks = [replace(k, source=framework.label) for k in kinks]
        self.kinks: tuple[Kink, ...] = tuple(kinks)
        self.pieces: tuple[Piece, ...] = tuple(
            definition.pieces(self._params) if pieces is None else pieces)
        self.poles: tuple[float, ...] = tuple(sorted(
            definition.poles(self._params) if poles is None else poles))
        self.limits: Limits | None = limits if limits is not None else (
            definition.limits(self._params) if definition.limits is not None else None
        )
        self.band: Band | None = (
            definition.band(self._params) if definition.band is not None else None
        )
        own = dict(definition.forms(self._params)) if definition.forms is not None else {}
        self.latex: str = own.get("latex", definition.latex)
        """f as LaTeX (matplotlib mathtext), for these parameters."""
        self.latex_d: str = own.get("latex_d", definition.latex_d)
        self.text: str = own.get("text", definition.text)
        self.text_d: str = own.get("text_d", definition.text_d)
        self.__doc__ = definition.doc
        self._kernel = definition.kernel
        self._writes_out = definition.writes_out

    poles: tuple[float, ...] = ()
    """Where |f| grows without bound (declared by the catalog; a formula's are found as
    points where it is not finite, by :meth:`check_finite`)."""

    flavor: str = "torch"
    """The flavor it was made for (its defaults, and its values at kinks)."""

    @functools.cached_property
    def flavors_at_kinks(self) -> Mapping[str, AtKinks]:
        """What each flavor's framework returns at the kinks, for these parameters (empty
        when the definition declares nothing)."""
        at_kinks = self.definition.at_kinks
        return at_kinks(self._params) if at_kinks is not None else {}

    @property
    def at_kinks(self) -> AtKinks | None:
        """What this flavor's framework returns at the kinks, and where it says so (None when
        the definition declares nothing)."""
        return self.flavors_at_kinks.get(self.flavor)

    _overrides: tuple[tuple[float, float, float], ...] = ()
    """(x, f'(x), f''(x)) where the flavor's values at a kink differ from the kernel's (the
    torch flavor's): empty for the torch flavor, so that its kernels pay nothing."""

    kinks_exact: bool = True
    """Whether :attr:`kinks` and :attr:`pieces` are exact on the whole real line (always, for
    the catalog). A formula whose kinks are roots of a non-linear expression has them found
    numerically on a window instead; see :meth:`kinks_in`."""

    def kinks_in(self, lo: float, hi: float) -> tuple[Kink, ...]:
        """The kinks in the closed interval [lo, hi], sorted.

        For the catalog, the declared kinks that lie there; a formula computes them on that
        range (exactly where its arguments are linear, by bisection elsewhere)."""
        return tuple(k for k in self.kinks if lo <= k.x <= hi)

    def poles_in(self, lo: float, hi: float) -> tuple[float, ...]:
        """The poles in the closed interval [lo, hi]."""
        return tuple(p for p in self.poles if lo <= p <= hi)

    def check_poles(self, lo: float, hi: float) -> None:
        """A :class:`ParameterError` when a pole lies in [lo, hi], where the analyses (maxima,
        integrals, differences) have nothing finite to work with; it says which side to
        take."""
        inside = self.poles_in(lo, hi)
        if not inside:
            return
        if len(inside) == 1:
            pole = inside[0]
            right = pole + max(0.1, 0.02 * (hi - lo))
            side = (f"{format_number(right)} {format_number(hi)}" if hi > right else
                    f"{format_number(lo)} {format_number(pole - 0.1)}")
            raise ParameterError(
                f"{self.spec} has a pole at x = {format_number(pole)} (|f| grows without "
                f"bound there), inside the range [{format_number(lo)}, {format_number(hi)}]; "
                f"give a range on one side of it, e.g. --range {side}")
        # several (tan): the widest stretch of the range between them, less a margin
        ends = [lo, *inside, hi]
        start, end = max(itertools.pairwise(ends),  # the widest; of equal ones, the most central
                         key=lambda p: (round((p[1] - p[0]) * 1e6), -abs(p[0] + p[1])))
        margin = 0.05 * (end - start)
        start = float(f"{start + margin:.4g}") if start in inside else start
        end = float(f"{end - margin:.4g}") if end in inside else end
        raise ParameterError(
            f"{self.spec} has {len(inside)} poles in the range [{format_number(lo)}, "
            f"{format_number(hi)}], the one nearest 0 at x = {format_number(min(inside, key=abs))} "
            f"(|f| grows without bound there); give a range between two of them, e.g. "
            f"--range {format_number(start)} {format_number(end)}")

    def pieces_in(self, lo: float, hi: float) -> tuple[Piece, ...]:
        """The linear pieces clipped to [lo, hi] (those of positive length)."""
        found = []
        for piece in self.pieces:
            start, end = max(piece.start, lo), min(piece.end, hi)
            if start < end:
                found.append(Piece(float(start), float(end), piece.slope))
        return tuple(found)

    def check_finite(self, x: Any, outs: tuple[np.ndarray, ...] | None = None,
                     order: int = 2, why: str = "") -> None:
        """Raise :class:`NotFiniteError` (``f' is not finite at x = 0``) where a user function
        gives NaN or inf at a finite x on which it should have a value; ``outs`` are the
        results of ``evaluate(x, order)`` if the caller has them; ``why`` says why these x
        are needed (default: they are the range asked for). Free for the catalog, whose
        tests guarantee finite values: it returns at once."""
        if self.definition.origin == "catalog":
            return
        check_finite(self, x, outs, order, why)

    def check_given(self, x: Any, outs: Sequence[np.ndarray]) -> None:
        """Raise where a value in ``outs`` (of ``evaluate(x, order)``) is NaN because a user
        formula as typed cannot give it in float64 (see the formula's ``why``); nothing to
        check for other functions."""

    @property
    def name(self) -> str:
        """The canonical name."""
        return self.definition.name

    @property
    def params(self) -> dict[str, Any]:
        """All parameters with their resolved values (a copy)."""
        return dict(self._params)

    @property
    def spec(self) -> str:
        """A spec string that gives this function back: parameters differing from the
        (torch) defaults are written out, e.g. ``elu:alpha=0.5``."""
        return self._spec("torch")

    def _spec(self, flavor: str) -> str:
        """The spec that gives this function back with ``flavor``'s defaults."""
        defaults = self.definition.defaults(flavor)
        parts = [
            f"{key}={value if isinstance(value, str) else format_number(value)}"
            for key, value in self._params.items()
            if value != defaults[key]
        ]
        return self.name + (":" + ",".join(parts) if parts else "")

    @property
    def dead_zones(self) -> tuple[tuple[float, float], ...]:
        """Intervals on which f' is identically zero (every output's, for crelu), from the
        piecewise definition, never from a derivative that underflowed."""
        return tuple((p.start, p.end) for p in self.pieces if not np.any(p.slope))

    def evaluate(self, x: Any, order: int = 1) -> tuple[np.ndarray, ...]:
        """``(f,)``, ``(f, f')`` or ``(f, f', f'')`` at ``x`` for order 0, 1 or 2.

        Element-wise functions run in blocks of ``CHUNK`` elements, so that the kernel's
        intermediates stay in the processor's cache (a large array otherwise makes every
        step a trip to memory), under ``np.errstate(all="ignore")``: the kernels let an exp
        overflow where the formula built on it gives the exact limit, and the results are
        what the catalog's tests check.
        """
        if order not in (0, 1, 2):
            raise ParameterError(f"order must be 0, 1 or 2, got {order!r}")
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(f"x must be numbers (anything numpy.asarray(x, float) takes), "
                                 f"got {type(x).__name__}") from None
        shape = x.shape
        definition = self.definition
        tail = (definition.outputs,) if definition.outputs > 1 else ()
        if definition.vector:
            rows = definition.kernel(x.reshape(1) if x.ndim == 0 else x, order,
                                     **self._params)
            return tuple(np.asarray(out, dtype=np.float64).reshape(shape) for out in rows)
        flat = x.reshape(-1)
        with np.errstate(all="ignore"):
            if flat.size <= CHUNK:
                outs = self._block(flat, order)
            else:
                outs = [np.empty((flat.size, *tail)) for _ in range(order + 1)]
                for start in range(0, flat.size, CHUNK):
                    stop = start + CHUNK
                    self._block(flat[start:stop], order, [out[start:stop] for out in outs])
        return tuple(np.asarray(out, dtype=np.float64).reshape(shape + tail) for out in outs)

    def _block(self, x: np.ndarray, order: int,
               out: list[np.ndarray] | None = None) -> list[np.ndarray]:
        """The kernel on one block, into ``out`` if given; +-inf and NaN inputs take the
        limits and NaN."""
        finite = np.isfinite(x)
        clean = bool(finite.all())
        given = x if clean else np.where(finite, x, 0.0)
        kernel, params = self._kernel, self._params
        if out is not None and self._writes_out:
            results = list(kernel(given, order, out=out, **params))
            for k, (target, result) in enumerate(zip(out, results, strict=True)):
                if result is not target:  # a code path that allocated instead: keep it
                    target[...] = result
                    results[k] = target
        else:
            results = list(kernel(given, order, **params))
            if out is not None:
                for target, result in zip(out, results, strict=True):
                    target[...] = result
                results = out
        if self._overrides and order:
            self._at_kinks(results, x, order)
        if not clean:
            self._at_non_finite(results, x)
        return results

    def _at_kinks(self, outs: list[np.ndarray], x: np.ndarray, order: int) -> None:
        """Put the flavor's f' and f'' where x is exactly a kink at which they differ from the
        torch flavor's, in place."""
        for at, d1, d2 in self._overrides:
            hit = x == at
            if hit.any():
                outs[1][hit] = d1
                if order == 2:
                    outs[2][hit] = d2

    def _at_non_finite(self, outs: list[np.ndarray], x: np.ndarray) -> None:
        """Put the limits where x is +-inf and NaN where x is NaN, in place."""
        assert self.limits is not None
        minus, plus, nan = x == -INF, x == INF, np.isnan(x)
        for (at_minus, at_plus), out in zip(self.limits, outs, strict=False):
            out[minus] = at_minus
            out[plus] = at_plus
            out[nan] = np.nan

    def one_sided(self, x: float, order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``order``-th derivative's limit from the left of x, its value at x, and its
        limit from the right: the values one float step away, corrected to first order by
        the next derivative (exact on linear pieces; for order 2, the values one step away)."""
        points = np.array([np.nextafter(x, -INF), x, np.nextafter(x, INF)])
        if order == 2:
            values = self.evaluate(points, 2)[2]
            return values[0], values[1], values[2]
        outs = self.evaluate(points, order + 1)
        values, slopes = outs[order], outs[order + 1]
        # the limits, not the values one step away: f(x-) = f(x - e) + f'(x - e) e, which
        # is exact on a linear piece (threshold -> 1 from the right, not 1.0000000000000002)
        steps = (points - x).reshape((3,) + (1,) * (values.ndim - 1))
        sides = []
        for i in (0, 2):
            change = slopes[i] * steps[i]
            # below one ulp of the value, a correction cannot be told from its rounding
            sides.append(np.where(np.abs(change) >= np.spacing(np.abs(values[i])),
                                  values[i] - change, values[i]))
        return sides[0], values[1], sides[1]

    def __call__(self, x: Any) -> np.ndarray:
        """f(x)."""
        return self.evaluate(x, 0)[0]

    def derivative(self, x: Any) -> np.ndarray:
        """f'(x); at a kink, the value the flavor's framework gives (PyTorch autograd by
        default; see the docstring)."""
        return self.evaluate(x, 1)[1]

    def second_derivative(self, x: Any) -> np.ndarray:
        """f''(x)."""
        return self.evaluate(x, 2)[2]

    def __repr__(self) -> str:
        if self._overrides:  # the values at kinks are the flavor's
            return f"actviz.get({self._spec(self.flavor)!r}, flavor={self.flavor!r})"
        return f"actviz.get({self.spec!r})"

    def __eq__(self, other: object) -> bool:
        """The same function with the same parameters and the same values at its kinks."""
        if not isinstance(other, Activation):
            return NotImplemented
        return (self.name == other.name and self._params == other._params
                and self._overrides == other._overrides)

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self._params.items())), self._overrides))


def _overrides(tables: Mapping[str, AtKinks],
               flavor: str) -> tuple[tuple[float, float, float], ...]:
    """The (x, f', f'') of ``flavor``'s table that differ from the torch flavor's, which the
    kernel computes; none for the torch flavor or a framework without the function."""
    own = tables.get(flavor)
    if flavor == "torch" or own is None:
        return ()
    torch = {x: (d1, d2) for x, d1, d2 in tables["torch"].values} if "torch" in tables else {}
    return tuple(v for v in own.values if torch.get(v[0]) != (v[1], v[2]))


def in_scope(key: str, scope: Mapping[str, Definition] | None) -> Definition | None:
    if not scope:
        return None
    for name, found in scope.items():
        if normalize(name) == key:
            return found
    return None


def registered(key: str) -> Definition | None:
    canonical = key if key in REGISTRY else ALIASES.get(key)
    return None if canonical is None else REGISTRY[canonical]


MAX_SPEC = 4096
"""The longest spec accepted (a formula included), checked before anything else."""

_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_\- ]*")


def is_name_spec(spec: str) -> bool:
    """Whether ``spec`` reads as ``NAME[:KEY=VALUE,...]`` (anything else is a formula)."""
    head = spec.partition(":")[0].strip()
    return ":" in spec or _NAME_LIKE.fullmatch(head) is not None


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """Split ``NAME[:KEY=VALUE[,KEY=VALUE...]]`` into the name and the raw parameter strings.

    A formula (a spec that is not a name, see :func:`is_name_spec`) comes back whole, with no
    parameters: its own follow ';' and are its defaults."""
    if not isinstance(spec, str):
        raise SpecError(f"an activation spec must be a string, got {spec!r}")
    text = spec.strip()
    if not text:
        raise SpecError("empty activation spec; write NAME or NAME:KEY=VALUE")
    if not is_name_spec(text):
        return text, {}
    name, colon, rest = text.partition(":")
    if not name.strip():
        raise SpecError(f"spec '{text}' has no function name; write NAME:KEY=VALUE")
    if _NAME_LIKE.fullmatch(name.strip()) is None:
        raise SpecError(f"spec '{text}': a formula takes no ':'; its parameters follow ';', "
                        "as in 'x*sigmoid(beta*x); beta=1.5'")
    return name.strip(), _spec_params(text, rest) if colon else {}


def _spec_params(text: str, rest: str) -> dict[str, str]:
    """The raw ``KEY=VALUE`` pairs of ``rest``, what follows ':' in the spec ``text``."""
    if not rest.strip():
        raise SpecError(f"spec '{text}' has nothing after ':'; write NAME:KEY=VALUE")
    params: dict[str, str] = {}
    for item in rest.split(","):
        key, equals, value = item.partition("=")
        key, value = normalize(key), value.strip()
        if not equals or not key or not value:
            raise SpecError(f"spec '{text}': '{item.strip()}' is not KEY=VALUE")
        if key in params:
            raise SpecError(f"spec '{text}': parameter '{key}' is given twice")
        params[key] = value
    return params


def check_flavor(flavor: str) -> None:
    if flavor not in FLAVORS:
        raise ParameterError(f"unknown flavor '{flavor}'; choose one of {', '.join(FLAVORS)}")


def instantiate(found: Definition, raw: Mapping[str, Any], flavor: str = "torch") -> Activation:
    """``found`` with the parameters ``raw`` checked and converted, the flavor applied."""
    check_flavor(flavor)
    values = found.defaults(flavor)
    for key, value in raw.items():
        norm = normalize(key)
        param = found.param(norm)
        if param is None:
            raise ParameterError(unknown_parameter(found, key))
        values[norm] = param.coerce(value, found.name)
    if found.check is not None:
        problem = found.check(values)
        if problem:
            raise ParameterError(f"{found.name}: {problem}")
    if found.reduce is not None:
        reduced = found.reduce(values)
        if reduced is not None:  # another catalog function (leaky_relu for a keras relu)
            return instantiate(REGISTRY[reduced[0]], reduced[1], flavor)
    if found.formula is not None:
        return found.formula.activate(found, values, flavor)
    return Activation(found, values, flavor)


def unknown_parameter(found: Definition, key: str) -> str:
    if not found.params:
        return f"{found.name} takes no parameters, got '{key}'"
    hint = did_you_mean(normalize(key), [p.name for p in found.params])
    return f"{found.name} has no parameter '{key}'.{hint} It takes: {found.describe_params()}"
