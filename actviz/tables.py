"""What the tables hold, whatever their format: value tables (``actviz table``), property
tables (``actviz compare``) and differences (``actviz diff``). :mod:`actviz.writers` writes
them as text, CSV, Markdown, LaTeX or JSON. No matplotlib here.

Value tables stream: rows are computed in blocks, so a table of a million rows never sits in
memory as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._numbers import format_number, text_number
from .analysis import Difference, Properties
from .catalog import Activation, Named
from .errors import ParameterError

BLOCK = 50_000


# --- value tables -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a value table: derivative ``order`` of a function (its ``output``)."""

    header: str
    latex: str
    function: Named
    order: int
    output: int | None = None


GREEK = {"alpha": r"\alpha", "beta": r"\beta", "lambd": r"\lambda"}


def latex_header(act: Activation, order: int, output: int | None = None) -> str:
    """``$\\sigma'(x)$``; parameters that differ from the (torch) defaults as a subscript, so
    that a keras-flavoured leaky_relu says its slope."""
    d = act.definition
    defaults = d.defaults()
    changed = [f"{_tex_name(k)}={_tex_value(v)}" for k, v in act.params.items()
               if v != defaults[k]]
    symbol = d.symbol + (f"_{{{','.join(changed)}}}" if changed else "")
    index = "_i" if d.vector else (f"_{{{output + 1}}}" if output is not None else "")
    return f"${symbol}{chr(39) * order}(x){index}$"


def _tex_name(name: str) -> str:
    escaped = name.replace("_", r"\_")
    return GREEK.get(name, r"\mathrm{" + escaped + "}")


def _tex_value(value: Any) -> str:
    return value if isinstance(value, str) else format_number(value)


class ValueTable:
    """x, then for each function its value and derivatives: columns ``spec``, ``spec'``."""

    def __init__(self, xs: np.ndarray, functions: Sequence[Named], derivative: bool = True,
                 second_derivative: bool = False):
        if not functions:
            raise ParameterError("no function to tabulate; give at least one SPEC")
        self.xs = xs
        self.functions = list(functions)
        self.orders = [0] + [1] * derivative + [2] * second_derivative
        self.columns: list[Column] = []
        for named in self.functions:
            outputs = named.act.definition.outputs
            for order in self.orders:
                for k in [None] if outputs == 1 else list(range(outputs)):
                    name = named.label if k is None else f"{named.label}[{k}]"
                    self.columns.append(Column(name + "'" * order,
                                               latex_header(named.act, order, k),
                                               named, order, k))

    @property
    def headers(self) -> list[str]:
        return ["x", *(c.header for c in self.columns)]

    def blocks(self) -> Iterator[list[np.ndarray]]:
        """Blocks of rows: [x, column 1, column 2, ...] arrays of at most ``BLOCK`` rows.

        Vector functions need the whole x column at once (their value at one x depends on
        all), so they are evaluated once up front; element-wise ones block by block.
        """
        cols = self.columns
        whole = _evaluate([c for c in cols if c.function.act.definition.vector], self.xs)
        elementwise = [c for c in cols if not c.function.act.definition.vector]
        for start in np.arange(0, len(self.xs), BLOCK).tolist():
            rows = slice(start, start + BLOCK)
            part = self.xs[rows]
            local = _evaluate(elementwise, part)
            yield [part, *(_column(c, whole, rows) if c.function.label in whole
                           else _column(c, local) for c in cols)]

    def arrays(self) -> Iterator[tuple[Named, dict[int, np.ndarray]]]:
        """Each function with its columns as whole arrays, by derivative order."""
        results = _evaluate(self.columns, self.xs)
        for label, values in results.items():
            named = next(c.function for c in self.columns if c.function.label == label)
            orders = sorted({c.order for c in self.columns if c.function.label == label})
            yield named, {order: values[order] for order in orders}


def _evaluate(cols: Sequence[Column], x: np.ndarray) -> dict[str, tuple[np.ndarray, ...]]:
    """Each function of ``cols`` evaluated once at x, f' and f'' with f as far as a column
    asks (so that they share their work)."""
    top: dict[str, tuple[Activation, int]] = {}
    for c in cols:
        act, order = top.get(c.function.label, (c.function.act, 0))
        top[c.function.label] = (act, max(order, c.order))
    return {label: act.evaluate(x, order) for label, (act, order) in top.items()}


def _column(c: Column, results: dict[str, tuple[np.ndarray, ...]],
            rows: slice = slice(None)) -> np.ndarray:
    values = results[c.function.label][c.order][rows]
    return values if c.output is None else values[:, c.output]


# --- property tables (compare) ------------------------------------------------------------------

def interval_text(intervals: Sequence[Sequence[float]], precision: int | None) -> str:
    if not intervals:
        return "-"
    return "; ".join("(" + ", ".join(text_number(v, precision) for v in iv) + ")"
                     for iv in intervals)


def value_text(value: Any, precision: int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(value_text(v, precision) for v in value) + ")"
    return text_number(float(value), precision)


def _gradient(p: Properties, precision: int | None) -> str:
    m = p.max_gradient
    if m.interval is not None:
        where = f"on {interval_text([m.interval], precision)}"
    else:
        assert m.x is not None
        where = f"at x = {text_number(m.x, precision)}" + (" (edge)" if m.at_edge else "")
    return f"{text_number(m.value, precision)} {where}"


def _output_range(p: Properties, precision: int | None) -> str:
    nested = isinstance(p.output_range[0], list)
    return interval_text(p.output_range if nested else [p.output_range], precision)


def _statistic(key: str) -> Callable[[Properties, int | None], str]:
    def show(p: Properties, precision: int | None) -> str:
        return "-" if p.gaussian is None else value_text(getattr(p.gaussian, key), precision)

    return show


def _plain(field: str) -> Callable[[Properties, int | None], str]:
    return lambda p, precision: value_text(getattr(p, field), precision)


def _intervals(field: str) -> Callable[[Properties, int | None], str]:
    return lambda p, precision: interval_text(getattr(p, field), precision)


@dataclass(frozen=True)
class Row:
    """One property of the compare table: the record's ``field``, its label as text and as
    LaTeX (``{tau}`` stands for the saturation threshold), and how its value is written."""

    field: str
    label: str
    latex: str
    show: Callable[[Properties, int | None], str]

    def labels(self, records: Sequence[Properties]) -> tuple[str, str]:
        tau = format_number(records[0].saturation_threshold) if records else ""
        return self.label.replace("{tau}", tau), self.latex.replace("{tau}", tau)


ROWS = (
    Row("output_range", "output range", "output range", _output_range),
    Row("bounds", "f(-inf), f(+inf)", r"$f(-\infty)$, $f(+\infty)$", _plain("bounds")),
    Row("f0", "f(0)", "$f(0)$", _plain("f0")),
    Row("df0", "f'(0)", "$f'(0)$", _plain("df0")),
    Row("monotonic", "monotonic", "monotonic", _plain("monotonic")),
    Row("smoothness", "smoothness", "smoothness", lambda p, precision: p.smoothness),
    Row("zero_centred", "zero-centred", "zero-centred", _plain("zero_centred")),
    Row("lipschitz", "Lipschitz (sup |f'|)", r"Lipschitz ($\sup|f'|$)", _plain("lipschitz")),
    Row("max_gradient", "max f'", r"$\max f'$", _gradient),
    Row("minima", "minima (x, f)", r"minima $(x, f)$", _intervals("minima")),
    Row("saturation", "saturation |f'| < {tau}", "saturation $|f'| < {tau}$",
        _intervals("saturation")),
    Row("dead", "dead zones", "dead zones", _intervals("dead")),
    Row("kinks", "kinks", "kinks",
        lambda p, precision: value_text(p.kinks, precision) if p.kinks else "-"),
    Row("gaussian.mean", "E[f(z)]", r"$\mathrm{E}[f(z)]$", _statistic("mean")),
    Row("gaussian.var", "Var[f(z)]", r"$\mathrm{Var}[f(z)]$", _statistic("var")),
    Row("gaussian.grad_sq", "E[f'(z)^2]", r"$\mathrm{E}[f'(z)^2]$", _statistic("grad_sq")),
    Row("gaussian.gain", "gain 1/sqrt(E[f^2])", r"gain $1/\sqrt{\mathrm{E}[f^2]}$",
        _statistic("gain")),
    Row("cost", "cost (x relu)", r"cost ($\times$ relu)",
        lambda p, precision: value_text(p.cost, 3) if p.cost is not None else "-"),
)
"""The rows of ``actviz compare``, in order."""


def compare_records(functions: Sequence[Named], range: tuple[float, float],
                    saturation_threshold: float, cost: bool = False) -> list[Properties]:
    """One property record per function (see :func:`actviz.analysis.properties`), with the
    cost measured on this machine when ``cost`` is set."""
    from dataclasses import replace

    from .analysis import properties

    if not functions:
        raise ParameterError("no function to compare; give at least one SPEC")
    records = []
    for named in functions:
        record = properties(named.act, range, saturation_threshold, label=named.label)
        if cost:
            from .timing import cost as measure

            record = replace(record, cost=measure(named.act))
        records.append(record)
    return records


# --- differences ----------------------------------------------------------------------------------

def difference_rows(diff: Difference, precision: int | None) -> list[tuple[str, str, str]]:
    """(quantity, value, where) of a difference."""
    p = precision
    return [
        ("max |f_A - f_B|", text_number(diff.max_abs, p),
         f"at x = {text_number(diff.max_abs_x, p)}"),
        ("max |f'_A - f'_B|", text_number(diff.max_abs_derivative, p),
         f"at x = {text_number(diff.max_abs_derivative_x, p)}"),
        ("mean |f_A - f_B|", text_number(diff.mean_abs, p), ""),
    ]
