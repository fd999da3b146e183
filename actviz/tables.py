"""What the tables hold, whatever their format: value tables (``actviz table``), property
tables (``actviz compare``) and differences (``actviz diff``). :mod:`actviz.writers` writes
them as text, CSV, Markdown, LaTeX or JSON. No matplotlib here.

Value tables stream: rows are computed in blocks, so a table of a million rows never sits in
memory as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._numbers import format_number, text_number
from .catalog import Activation, Named
from .errors import ParameterError

if TYPE_CHECKING:  # the analysis loads when a comparison or a difference is made
    from .analysis import Difference, Properties, Span

BLOCK = 50_000


# --- value tables -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a value table: derivative ``order`` of a function (its ``output``)."""

    header: str
    function: Named
    order: int
    output: int | None = None

    @property
    def latex(self) -> str:
        """The head in LaTeX (:func:`latex_header`)."""
        return latex_header(self.function.act, self.order, self.output)


GREEK = {"alpha": r"\alpha", "beta": r"\beta", "lambd": r"\lambda"}


def latex_header(act: Activation, order: int, output: int | None = None) -> str:
    """``$\\sigma'(x)$``; parameters that differ from the (torch) defaults as a subscript
    where they have a Greek letter (``$\\mathrm{ELU}_{\\alpha=0.5}(x)$``), else on a second
    line in small type, so that a keras-flavoured leaky_relu says its slope in a narrow
    column; a formula by its text (the symbol f would not tell two apart)."""
    from .latex import function_name, latex_text

    d = act.definition
    defaults = d.defaults()
    changed = [(k, v) for k, v in act.params.items() if k not in defaults or v != defaults[k]]
    index = "_i" if d.vector else (f"_{{{output + 1}}}" if output is not None else "")
    primes = chr(39) * order
    formula = d.symbol == "f"
    greek = not formula and all(k in GREEK for k, _ in changed)
    if formula:
        head = function_name(act) + (f"${primes}{index}$" if primes or index else "")
    else:
        subscript = ",".join(f"{GREEK[k]}={_tex_value(v)}" for k, v in changed) if greek else ""
        head = f"${d.symbol}" + (f"_{{{subscript}}}" if subscript else "") + \
            f"{primes}(x){index}$"
    if not changed or greek:
        return head
    params = ", ".join(latex_text(k) + "${}=" + _tex_value(v) + "$" for k, v in changed)
    return "\\begin{tabular}[t]{@{}c@{}}" + head + "\\\\\\scriptsize " + params + \
        "\\end{tabular}"


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
        self._tally = _Tally()
        for named in self.functions:
            outputs = named.act.definition.outputs
            for order in self.orders:
                for k in [None] if outputs == 1 else list(range(outputs)):
                    name = named.label if k is None else f"{named.label}[{k}]"
                    self.columns.append(Column(name + "'" * order, named, order, k))

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
        self._tally = tally = _Tally()
        for start in np.arange(0, len(self.xs), BLOCK).tolist():
            rows = slice(start, start + BLOCK)
            part = self.xs[rows]
            local = _evaluate(elementwise, part)
            block = [part, *(_column(c, whole, rows) if c.function.label in whole
                             else _column(c, local) for c in cols)]
            tally.add(part, [c.header for c in cols], block[1:])
            yield block

    def not_finite(self) -> str | None:
        """What the last pass over the table (:meth:`blocks` or :meth:`arrays`) found not
        finite, in one line: how many points, the first x and the columns; None if every
        value was finite."""
        return self._tally.message(len(self.xs))

    def check(self) -> None:
        """Raise, before anything is written, where a formula's value in the table is NaN
        because the formula as typed cannot give it in float64 (it says why); a NaN where
        the function has no value (log(-1)) stays in the table."""
        formulas = [c for c in self.columns if c.function.act.definition.origin == "formula"]
        for act, order in _orders(formulas).values():
            act.check_given(self.xs, act.evaluate(self.xs, order))

    def arrays(self) -> Iterator[tuple[Named, dict[int, np.ndarray]]]:
        """Each function with its columns as whole arrays, by derivative order."""
        results = _evaluate(self.columns, self.xs)
        self._tally = _Tally()
        self._tally.add(self.xs, [c.header for c in self.columns],
                        [_column(c, results) for c in self.columns])
        for label, values in results.items():
            named = next(c.function for c in self.columns if c.function.label == label)
            orders = sorted({c.order for c in self.columns if c.function.label == label})
            yield named, {order: values[order] for order in orders}


class _Tally:
    """Points of a value table where some value is not finite, counted block by block."""

    def __init__(self) -> None:
        self.count = 0
        self.first: float | None = None
        self.headers: list[str] = []

    def add(self, xs: np.ndarray, headers: Sequence[str], columns: Sequence[np.ndarray]
            ) -> None:
        bad = np.zeros(len(xs), dtype=bool)
        for header, values in zip(headers, columns, strict=True):
            wrong = ~np.isfinite(values)
            if wrong.ndim > 1:  # a function of two outputs (crelu)
                wrong = wrong.any(axis=tuple(range(1, wrong.ndim)))
            if wrong.any():
                bad |= wrong
                if header not in self.headers:
                    self.headers.append(header)
        if bad.any():
            if self.first is None:
                self.first = float(xs[bad][0])
            self.count += int(bad.sum())

    def message(self, total: int) -> str | None:
        if not self.count:
            return None
        assert self.first is not None
        return (f"{self.count} of {total} points have values that are not finite (in "
                f"{', '.join(self.headers)}), the first at x = {format_number(self.first)}; "
                "they are written as nan, inf or -inf (null in JSON)")


def _orders(cols: Sequence[Column]) -> dict[str, tuple[Activation, int]]:
    """Each function of ``cols`` with the highest derivative a column asks of it."""
    top: dict[str, tuple[Activation, int]] = {}
    for c in cols:
        act, order = top.get(c.function.label, (c.function.act, 0))
        top[c.function.label] = (act, max(order, c.order))
    return top


def _evaluate(cols: Sequence[Column], x: np.ndarray) -> dict[str, tuple[np.ndarray, ...]]:
    """Each function of ``cols`` evaluated once at x, f' and f'' with f as far as a column
    asks (so that they share their work)."""
    return {label: act.evaluate(x, order) for label, (act, order) in _orders(cols).items()}


def _column(c: Column, results: dict[str, tuple[np.ndarray, ...]],
            rows: slice = slice(None)) -> np.ndarray:
    values = results[c.function.label][c.order][rows]
    return values if c.output is None else values[:, c.output]


# --- property tables (compare) ------------------------------------------------------------------

def span_text(span: Span, precision: int | None) -> str:
    """``[0, 5]``, ``(0, 5]``: an interval with the ends it really includes."""
    left, right = span.brackets()
    return f"{left}{text_number(span[0], precision)}, {text_number(span[1], precision)}{right}"


def spans_text(spans: Sequence[Span], precision: int | None) -> str:
    return "; ".join(span_text(s, precision) for s in spans) if spans else "-"


def numbers_text(values: Any, precision: int | None) -> str:
    """``0.5``; a pair as ``0, inf``; one entry per output (crelu) joined by ``; ``."""
    if values is None:
        return "-"
    if isinstance(values, bool):
        return "yes" if values else "no"
    if isinstance(values, str):
        return values
    if isinstance(values, (list, tuple)):
        if not values:
            return "-"
        nested = any(isinstance(v, (list, tuple)) for v in values)
        return ("; " if nested else ", ").join(numbers_text(v, precision) for v in values)
    return text_number(float(values), precision)


def _gradient(p: Properties, precision: int | None) -> str:
    m = p.max_gradient
    value = text_number(m.value, precision)
    if m.intervals:
        return f"{value} on {spans_text(m.intervals, precision)}"
    if m.toward is not None:
        return f"{value} as x -> {text_number(m.toward, precision)} (not reached)"
    assert m.x is not None
    if m.approached:
        return f"{value} as x -> {text_number(m.x, precision)} (not reached)"
    edge = " (range edge)" if m.at_edge else ""
    return f"{value} at x = {text_number(m.x, precision)}{edge}"


def _output_range(p: Properties, precision: int | None) -> str:
    spans = p.output_range if isinstance(p.output_range, list) else [p.output_range]
    return spans_text(spans, precision)


def outputs_text(values: Any, precision: int | None) -> str:
    """A number, or one per output (crelu) joined by ``; ``."""
    if isinstance(values, (list, tuple)):
        return "; ".join(numbers_text(v, precision) for v in values)
    return numbers_text(values, precision)


def _statistic(key: str) -> Callable[[Properties, int | None], str]:
    def show(p: Properties, precision: int | None) -> str:
        return "-" if p.gaussian is None else outputs_text(getattr(p.gaussian, key), precision)

    return show


def _gain(key: str) -> Callable[[Properties, int | None], str]:
    """One of the gains; "none" where the edge of chaos or a finite backward gain does not
    exist, "-" where the function is outside the theory or PyTorch has no gain for it."""
    def show(p: Properties, precision: int | None) -> str:
        if p.gains is None:
            return "-"
        value = getattr(p.gains, key)
        if value is None:
            return "-" if key == "torch" else "none"
        return text_number(value, precision)

    return show


def _outputs(field: str) -> Callable[[Properties, int | None], str]:
    return lambda p, precision: outputs_text(getattr(p, field), precision)


def _plain(field: str) -> Callable[[Properties, int | None], str]:
    return lambda p, precision: numbers_text(getattr(p, field), precision)


def _spans(field: str) -> Callable[[Properties, int | None], str]:
    return lambda p, precision: spans_text(getattr(p, field), precision)


def _bounds(p: Properties, precision: int | None) -> str:
    """The limits of f at -inf and +inf; 'none' where f has no limit (sin)."""
    def limit(value: Any) -> Any:
        if isinstance(value, list):
            return [limit(v) for v in value]
        return "none" if isinstance(value, float) and math.isnan(value) else value

    return numbers_text(limit(p.bounds), precision)


def _minima(p: Properties, precision: int | None) -> str:
    return "; ".join(f"({text_number(x, precision)}, {text_number(y, precision)})"
                     for x, y in p.minima) or "-"


def _always(p: Properties) -> bool:
    return True


def _given(field: str) -> Callable[[Properties], bool]:
    """A row that applies where the record has the value (vector functions have no f(0); a
    cost is there only when it was measured)."""
    return lambda p: getattr(p, field) is not None


@dataclass(frozen=True)
class Row:
    """One property of the compare table: the record's ``field`` (its name, the key of the
    JSON, :data:`actviz.compare_rows.ROWS`), its label as text and as LaTeX (``{tau}``
    stands for the saturation threshold), how its value is written, and to which records it
    applies (the others show "-")."""

    field: str
    label: str
    latex: str
    show: Callable[[Properties, int | None], str]
    applies: Callable[[Properties], bool] = _always

    def labels(self, records: Sequence[Properties]) -> tuple[str, str]:
        tau = format_number(records[0].saturation_threshold) if records else ""
        return self.label.replace("{tau}", tau), self.latex.replace("{tau}", tau)


ROWS = (
    Row("output_range", "output range", "output range", _output_range),
    Row("bounds", "f(-inf), f(+inf)", r"$f(-\infty)$, $f(+\infty)$", _bounds, _given("bounds")),
    Row("f0", "f(0)", "$f(0)$", _outputs("f0"), _given("f0")),
    Row("df0", "f'(0)", "$f'(0)$", _outputs("df0"), _given("df0")),
    Row("monotonic", "monotonic (non-decreasing)", "monotonic (non-decreasing)",
        _plain("monotonic")),
    Row("smoothness", "smoothness", "smoothness", lambda p, precision: p.smoothness),
    Row("zero_centred", "zero-centred", "zero-centred", _plain("zero_centred")),
    Row("lipschitz", "Lipschitz constant", "Lipschitz constant", _plain("lipschitz"),
        _given("lipschitz")),
    Row("sup_slope", "sup |f'|", r"$\sup|f'|$", _plain("sup_slope"), _given("sup_slope")),
    Row("max_gradient", "max f'", r"$\max f'$", _gradient),
    Row("minima", "minima (x, f)", r"minima $(x, f)$", _minima),
    Row("saturation", "saturation: f' -> 0, |f'| < {tau}",
        r"saturation: $f' \to 0$, $|f'| < {tau}$", _spans("saturation")),
    Row("low_gradient", "low gradient: |f'| < {tau} elsewhere",
        r"low gradient: $|f'| < {tau}$ elsewhere", _spans("low_gradient")),
    Row("dead", "dead zones: f' = 0", "dead zones: $f' = 0$", _spans("dead")),
    Row("kinks", "kinks", "kinks", _plain("kinks")),
    Row("jumps", "jumps", "jumps", _plain("jumps")),
    Row("gaussian.mean", "E[f(z)]", r"$\mathrm{E}[f(z)]$", _statistic("mean"),
        _given("gaussian")),
    Row("gaussian.var", "Var[f(z)]", r"$\mathrm{Var}[f(z)]$", _statistic("var"),
        _given("gaussian")),
    Row("gaussian.grad_sq", "E[f'(z)^2]", r"$\mathrm{E}[f'(z)^2]$", _statistic("grad_sq"),
        _given("gaussian")),
    Row("gaussian.gain", "forward gain 1/sqrt(E[f^2])",
        r"forward gain $1/\sqrt{\mathrm{E}[f^2]}$", _statistic("gain"), _given("gaussian")),
    Row("gains.backward", "backward gain 1/sqrt(E[f'^2])",
        r"backward gain $1/\sqrt{\mathrm{E}[f'^2]}$", _gain("backward"), _given("gains")),
    Row("gains.edge_of_chaos", "edge-of-chaos sigma_w (sigma_b = 0)",
        r"edge-of-chaos $\sigma_w$ ($\sigma_b = 0$)", _gain("edge_of_chaos"), _given("gains")),
    Row("gains.torch", "PyTorch calculate_gain", r"PyTorch \texttt{calculate\_\allowbreak gain}",
        _gain("torch"), _given("gains")),
    Row("vector", "evaluated on", "evaluated on", lambda p, precision: p.vector or "-",
        _given("vector")),
    Row("cost", "cost (x relu)", r"cost ($\times$ relu)",
        lambda p, precision: numbers_text(p.cost, 3 if precision is None else precision),
        _given("cost")),
)
"""The rows of ``actviz compare``, in order."""


@dataclass(frozen=True)
class Grid:
    """A table with one column per record (a function, or a function at one setting) and one
    row per quantity, as ``compare`` and ``depth`` write it: transposed (a row per quantity)
    in text, Markdown and LaTeX, a row per record in CSV. ``rows`` are (label, LaTeX label,
    one cell per record); ``functions`` give LaTeX its column heads and ``digits`` the width of
    its columns; ``notes`` hold each
    record's notes, which ``names`` name (default: the heads)."""

    heads: Sequence[str]
    functions: Sequence[Activation]
    rows: Sequence[tuple[str, str, Sequence[str]]]
    digits: int | None
    """The significant digits of its numbers (None: every digit)."""
    notes: Sequence[Sequence[str]] = ()
    names: Sequence[str] = ()
    functions_as: str = "columns"
    """``columns``: a column per record, a row per quantity; ``rows``: the other way round."""
    chosen: bool = False
    """Whether the quantities were chosen by name (and are all shown, whatever they hold)."""

    def matrix(self) -> tuple[list[str], list[list[str]]]:
        """The table as text, whichever way round: the column heads, and each row with its
        label first (:meth:`corner` heads the labels)."""
        if self.functions_as == "rows":
            return ([label for label, _, _ in self.rows],
                    [[head, *(cells[i] for _, _, cells in self.rows)]
                     for i, head in enumerate(self.heads)])
        return list(self.heads), [[label, *cells] for label, _, cells in self.rows]

    def corner(self) -> str:
        """The head of the first column: empty where it holds the quantities, ``function``
        where it holds the records."""
        return "function" if self.functions_as == "rows" else ""

    def grouped_notes(self) -> list[str]:
        """Each distinct note once, after the records it concerns, in order of first use:
        ``relu (edge of chaos), relu (PyTorch gain): corner at x = 0: ...``."""
        names = self.names or self.heads
        who: dict[str, list[str]] = {}
        for name, notes in zip(names, self.notes, strict=False):  # notes may be ()
            for note in notes:
                if name not in who.setdefault(note, []):
                    who[note].append(name)
        return [f"{', '.join(records)}: {note}" for note, records in who.items()]


ROW_NAMES = {row.field: row for row in ROWS}


def property_grid(records: Sequence[Properties], precision: int | None,
                  rows: Sequence[str] | None = None, functions_as: str = "columns") -> Grid:
    """The compare table of ``records`` with numbers to ``precision`` digits: the ``rows``
    named (:func:`actviz.compare_rows.check_rows`), or every row that applies to one of
    the records at least."""
    chosen = [ROW_NAMES[name] for name in rows] if rows is not None else [
        row for row in ROWS if any(row.applies(r) for r in records)]
    cells = []
    for row in chosen:
        label, latex = row.labels(records)
        cells.append((label, latex, [row.show(r, precision) for r in records]))
    return Grid([r.spec for r in records], [r.act for r in records], cells, precision,
                functions_as=functions_as, chosen=rows is not None)


# --- differences ----------------------------------------------------------------------------------

DIFFERENCE_LABELS = (("max |f_A - f_B|", r"$\max|f_A - f_B|$"),
                     ("max |f'_A - f'_B|", r"$\max|f'_A - f'_B|$"),
                     ("mean |f_A - f_B|", r"mean $|f_A - f_B|$"))
"""The quantities of a difference, as text and as LaTeX."""


def difference_rows(diff: Difference, precision: int | None) -> list[tuple[str, str, str]]:
    """(quantity, value, where) of a difference; quantities as in :data:`DIFFERENCE_LABELS`."""
    p = precision
    labels = [text for text, _ in DIFFERENCE_LABELS]

    def where(points: tuple[float, ...], spans: tuple[Span, ...], approached: bool) -> str:
        parts = []
        if spans:
            whole = spans == (diff.range,)
            parts.append("on the whole range" if whole else "on " + " and ".join(
                span_text(span, p) for span in spans))
        if points:
            at = " and ".join(text_number(x, p) for x in points)
            parts.append(f"as x -> {at} (not reached)" if approached else f"at x = {at}")
        return ", ".join(parts)

    return [
        (labels[0], text_number(diff.max_abs, p),
         where(diff.max_abs_at, diff.max_abs_on, diff.max_abs_approached)),
        (labels[1], text_number(diff.max_abs_derivative, p),
         where(diff.max_abs_derivative_at, diff.max_abs_derivative_on,
               diff.max_abs_derivative_approached)),
        (labels[2], text_number(diff.mean_abs, p), ""),
    ]
