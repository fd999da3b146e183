"""Tables as text, CSV, Markdown, LaTeX and JSON: value tables (``actviz table``), property
tables (``actviz compare``) and differences (``actviz diff``). No matplotlib here.

Value tables stream: rows are computed and written in blocks, so a table of a million rows
never sits in memory as text.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from ._text import columns, json_ready
from .catalog import Activation, format_number, get
from .errors import ParameterError
from .options import TABLE_FORMATS

BLOCK = 50_000
DEFAULT_PRECISION = 6


# --- value tables -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a value table: derivative ``order`` of ``act`` (its ``output``)."""

    header: str
    latex: str
    act: Activation
    spec: str
    order: int
    output: int | None = None


def value_columns(specs: Sequence[str], derivative: bool = True,
                  second_derivative: bool = False, flavor: str = "torch") -> list[Column]:
    """For each function its value, then its derivative (then f''): ``spec``, ``spec'``."""
    if not specs:
        raise ParameterError("no function to tabulate; give at least one SPEC")
    orders = [0] + [1] * derivative + [2] * second_derivative
    cols = []
    for spec in specs:
        act = get(spec, flavor=flavor)
        outputs = [None] if act.definition.outputs == 1 else list(
            np.arange(act.definition.outputs).tolist())
        for order in orders:
            for k in outputs:
                name = spec if k is None else f"{spec}[{k}]"
                cols.append(Column(name + "'" * order, latex_header(act, order, k), act, spec,
                                   order, k))
    return cols


GREEK = {"alpha": r"\alpha", "beta": r"\beta", "lambd": r"\lambda"}


def latex_header(act: Activation, order: int, output: int | None = None) -> str:
    """``$\\sigma'(x)$``; parameters that differ from the defaults as a subscript."""
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


def _evaluate(cols: Sequence[Column], x: np.ndarray) -> dict[str, tuple[np.ndarray, ...]]:
    """Each function of ``cols`` evaluated once at x, f' and f'' with f as far as a column
    asks (so that they share their work)."""
    top: dict[str, tuple[Activation, int]] = {}
    for c in cols:
        act, order = top.get(c.spec, (c.act, 0))
        top[c.spec] = (act, max(order, c.order))
    return {spec: act.evaluate(x, order) for spec, (act, order) in top.items()}


def _column(c: Column, results: dict[str, tuple[np.ndarray, ...]],
            rows: slice = slice(None)) -> np.ndarray:
    values = results[c.spec][c.order][rows]
    return values if c.output is None else values[:, c.output]


def value_blocks(xs: np.ndarray, cols: Sequence[Column]) -> Iterator[list[np.ndarray]]:
    """Blocks of rows: [x, column 1, column 2, ...] arrays of at most ``BLOCK`` rows.

    Vector functions need the whole x column at once (their value at one x depends on all),
    so they are evaluated once up front; element-wise ones block by block.
    """
    whole = _evaluate([c for c in cols if c.act.definition.vector], xs)
    elementwise = [c for c in cols if not c.act.definition.vector]
    for start in np.arange(0, len(xs), BLOCK).tolist():
        rows = slice(start, start + BLOCK)
        part = xs[rows]
        local = _evaluate(elementwise, part)
        yield [part, *(_column(c, whole, rows) if c.spec in whole else _column(c, local)
                       for c in cols)]


def text_number(value: float, precision: int | None) -> str:
    """``precision`` significant digits, or the shortest text that reads back exactly."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if precision is None:
        return format_number(value)
    text = f"{value:.{precision}g}"
    return "0" if text in ("-0", "0") else text


def x_text(value: float) -> str:
    """x as given: ``-5``, ``0.3``, never ``0.30000000000000004`` (x comes from decimals)."""
    return format_number(value)


def write_values(out: IO[str], fmt: str, xs: np.ndarray, cols: Sequence[Column],
                 precision: int | None = None) -> None:
    """Write a value table to ``out`` in ``fmt``, row block by row block."""
    headers = ["x", *(c.header for c in cols)]
    blocks = value_blocks(xs, cols)
    if fmt == "json":
        _write_values_json(out, xs, cols, precision)
        return
    digits = DEFAULT_PRECISION if precision is None and fmt != "csv" else precision
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(headers)
        for block in blocks:
            writer.writerows(_rows(block, digits))
        return
    if fmt == "text":
        width = [max(len(h), (digits or 17) + 7) for h in headers]
        width[0] = max(len(headers[0]), max(len(x_text(x)) for x in xs))
        out.write("  ".join(h.rjust(w) for h, w in zip(headers, width, strict=True)) + "\n")
        for block in blocks:
            for row in _rows(block, digits):
                out.write("  ".join(c.rjust(w) for c, w in zip(row, width, strict=True))
                          + "\n")
        return
    if fmt == "markdown":
        out.write("| " + " | ".join(headers) + " |\n")
        out.write("|" + "|".join("---:" for _ in headers) + "|\n")
        for block in blocks:
            for row in _rows(block, digits):
                out.write("| " + " | ".join(row) + " |\n")
        return
    if fmt == "latex":
        out.write("\\begin{tabular}{" + "r" * len(headers) + "}\n\\toprule\n")
        out.write(" & ".join(["$x$", *(c.latex for c in cols)]) + " \\\\\n\\midrule\n")
        for block in blocks:
            for row in _rows(block, digits):
                out.write(" & ".join(latex_number(cell) for cell in row) + " \\\\\n")
        out.write("\\bottomrule\n\\end{tabular}\n")
        return
    raise ParameterError(f"unknown format '{fmt}'; choose one of {', '.join(TABLE_FORMATS)}")


def _rows(block: list[np.ndarray], digits: int | None) -> Iterator[list[str]]:
    xs, *values = block
    for i, x in enumerate(xs.tolist()):
        yield [x_text(x), *(text_number(float(v[i]), digits) for v in values)]


def latex_number(text: str) -> str:
    """A number cell in math mode: ``$-0.5$``, ``$1.2\\times10^{-5}$``, ``$\\infty$``."""
    if text in ("inf", "-inf"):
        return "$" + text.replace("inf", r"\infty") + "$"
    if text == "nan":
        return "NaN"
    match = re.fullmatch(r"(-?[\d.]+)e([+-]\d+)", text)
    if match:
        return f"${match[1]}\\times10^{{{int(match[2])}}}$"
    return f"${text}$"


def _write_values_json(out: IO[str], xs: np.ndarray, cols: Sequence[Column],
                       precision: int | None) -> None:
    """``{"x": [...], "functions": [{spec, name, params, value, derivative, ...}]}``,
    written array by array."""
    keys = ("value", "derivative", "second_derivative")

    def numbers(values: np.ndarray) -> str:
        flat = values.tolist()
        if precision is not None:
            flat = _round(flat, precision)
        return json.dumps(json_ready(flat))

    out.write('{"x": ' + numbers(xs) + ', "functions": [')
    results = _evaluate(cols, xs)
    for n, spec in enumerate(results):
        act = next(c.act for c in cols if c.spec == spec)
        head = {"spec": spec, "name": act.name, "params": act.params}
        out.write((", " if n else "") + json.dumps(head)[:-1])
        for order in sorted({c.order for c in cols if c.spec == spec}):
            out.write(f', "{keys[order]}": ' + numbers(results[spec][order]))
        out.write("}")
    out.write("]}\n")


def _round(values: Any, precision: int) -> Any:
    if isinstance(values, list):
        return [_round(v, precision) for v in values]
    return float(f"{values:.{precision}g}") if math.isfinite(values) else values


# --- compare ------------------------------------------------------------------------------------

def compare_records(specs: Sequence[str], range: tuple[float, float] = (-5.0, 5.0),
                    saturation_threshold: float = 0.05, flavor: str = "torch",
                    cost: bool = True) -> list[dict[str, Any]]:
    """One property record per function (see :func:`actviz.analysis.properties`)."""
    from .analysis import properties

    if not specs:
        raise ParameterError("no function to compare; give at least one SPEC")
    records = []
    for spec in specs:
        record = properties(spec, range, saturation_threshold, flavor, measure_cost=cost)
        record["saturation_threshold"] = saturation_threshold
        records.append(record)
    return records


def _interval_text(intervals: Sequence[Sequence[float]], precision: int) -> str:
    if not intervals:
        return "-"
    return "; ".join("(" + ", ".join(text_number(v, precision) for v in iv) + ")"
                     for iv in intervals)


def _value_text(value: Any, precision: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_value_text(v, precision) for v in value) + ")"
    return text_number(float(value), precision)


def compare_rows(records: Sequence[dict[str, Any]], precision: int) -> list[tuple[str, ...]]:
    """The properties of each record as (property, value text): the transposed table."""
    def gradient(r: dict[str, Any]) -> str:
        m = r["max_gradient"]
        where = (f"on {_interval_text([m['interval']], precision)}" if m["interval"]
                 else f"at x = {text_number(m['x'], precision)}"
                 + (" (edge)" if m["at_edge"] else ""))
        return f"{text_number(m['value'], precision)} {where}"

    def stat(r: dict[str, Any], key: str) -> str:
        return "-" if r["gaussian"] is None else _value_text(r["gaussian"][key], precision)

    rows: list[tuple[Callable[[dict[str, Any]], str], str]] = [
        (lambda r: _interval_text([r["output_range"]] if not isinstance(
            r["output_range"][0], list) else r["output_range"], precision), "output range"),
        (lambda r: _value_text(r["bounds"], precision), "f(-inf), f(+inf)"),
        (lambda r: _value_text(r["f0"], precision), "f(0)"),
        (lambda r: _value_text(r["df0"], precision), "f'(0)"),
        (lambda r: _value_text(r["monotonic"], precision), "monotonic"),
        (lambda r: r["smoothness"], "smoothness"),
        (lambda r: _value_text(r["zero_centred"], precision), "zero-centred"),
        (lambda r: _value_text(r["lipschitz"], precision), "Lipschitz (sup |f'|)"),
        (gradient, "max f'"),
        (lambda r: _interval_text(r["minima"], precision), "minima (x, f)"),
        (lambda r: _interval_text(r["saturation"], precision),
         f"saturation |f'| < {format_number(records[0]['saturation_threshold'])}"),
        (lambda r: _interval_text(r["dead"], precision), "dead zones"),
        (lambda r: _value_text(r["kinks"], precision) if r["kinks"] else "-", "kinks"),
        (lambda r: stat(r, "mean"), "E[f(z)]"),
        (lambda r: stat(r, "var"), "Var[f(z)]"),
        (lambda r: stat(r, "grad_sq"), "E[f'(z)^2]"),
        (lambda r: stat(r, "gain"), "gain 1/sqrt(E[f^2])"),
        (lambda r: _value_text(r["cost"], 3) if r["cost"] is not None else "-",
         "cost (x relu)"),
    ]
    return [(label, *(fn(r) for r in records)) for fn, label in rows]


def write_compare(out: IO[str], fmt: str, records: Sequence[dict[str, Any]],
                  precision: int | None = None, width: int = 100) -> None:
    """Property table: text and Markdown/LaTeX transposed (a column per function), CSV one
    row per function, JSON the records themselves."""
    if fmt == "json":
        out.write(json.dumps(json_ready(list(records)), indent=2) + "\n")
        return
    digits = DEFAULT_PRECISION if precision is None else precision
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        table = compare_rows(records, 17 if precision is None else precision)
        writer.writerow(["spec", *(label for label, *_ in table)])
        for i, r in enumerate(records):
            writer.writerow([r["spec"], *(row[i + 1] for row in table)])
        return
    table = compare_rows(records, digits)
    specs = [r["spec"] for r in records]
    if fmt == "markdown":
        out.write("| property | " + " | ".join(specs) + " |\n")
        out.write("|:---|" + "|".join("---:" for _ in specs) + "|\n")
        for row in table:
            out.write("| " + " | ".join(cell.replace("|", r"\|") for cell in row) + " |\n")
        return
    if fmt == "latex":
        out.write("\\begin{tabular}{l" + "r" * len(specs) + "}\n\\toprule\n")
        out.write(" & ".join(["property", *(latex_header(get(s), 0) for s in specs)])
                  + " \\\\\n\\midrule\n")
        for label, *cells in table:
            if label.startswith("saturation |f'| < "):
                label_tex = f"saturation $|f'| < {label.rsplit(' ', 1)[1]}$"
            else:
                label_tex = LATEX_LABELS.get(label, _latex_text(label))
            out.write(" & ".join([label_tex,
                                  *(_latex_cell(c) for c in cells)]) + " \\\\\n")
        out.write("\\bottomrule\n\\end{tabular}\n")
        return
    if fmt == "text":
        _write_transposed_text(out, table, specs, width)
        return
    raise ParameterError(f"unknown format '{fmt}'; choose one of {', '.join(TABLE_FORMATS)}")


LATEX_LABELS = {
    "f(-inf), f(+inf)": r"$f(-\infty)$, $f(+\infty)$",
    "f(0)": "$f(0)$",
    "f'(0)": "$f'(0)$",
    "Lipschitz (sup |f'|)": r"Lipschitz ($\sup|f'|$)",
    "max f'": r"$\max f'$",
    "minima (x, f)": r"minima $(x, f)$",
    "E[f(z)]": r"$\mathrm{E}[f(z)]$",
    "Var[f(z)]": r"$\mathrm{Var}[f(z)]$",
    "E[f'(z)^2]": r"$\mathrm{E}[f'(z)^2]$",
    "gain 1/sqrt(E[f^2])": r"gain $1/\sqrt{\mathrm{E}[f^2]}$",
    "cost (x relu)": r"cost ($\times$ relu)",
}
"""Property names as LaTeX, for the compare table of a paper."""


def _latex_cell(text: str) -> str:
    r"""Numbers, intervals and ``1.13 at x = 1.41`` in math mode, with ``\infty`` and
    ``\times10^{-5}``; words (yes, no, C-inf) as text."""
    smooth = re.fullmatch(r"C(\d|-inf)", text)
    if smooth:
        return "$C^{" + smooth[1].replace("-inf", r"\infty") + "}$"
    if not re.match(r"[-(\d]", text) or text == "-":
        return _latex_text(text)
    body = re.sub(r"\binf\b", r"\\infty", text)
    body = re.sub(r"(\d(?:\.\d+)?)e([+-]?\d+)", lambda m: f"{m[1]}\\times10^{{{int(m[2])}}}",
                  body)
    body = re.sub(r" (at|on|\(edge\)) ?", lambda m: rf"\ \text{{{m[1]}}}\ ", body)
    return f"${body.strip()}$"


def _latex_text(text: str) -> str:
    for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
        text = text.replace(char, "\\" + char if char != "\\" else r"\textbackslash{}")
    return text.replace("^", r"\^{}").replace("|", r"$|$")


def _write_transposed_text(out: IO[str], table: list[tuple[str, ...]], specs: list[str],
                           width: int) -> None:
    """Property rows, function columns; as many function columns per block as fit."""
    label_width = max(len(row[0]) for row in table)
    start = 0
    while start < len(specs):
        used, end = label_width, start
        while end < len(specs):
            col = max(len(specs[end]), *(len(row[end + 1]) for row in table))
            if end > start and used + 2 + col > width:
                break
            used += 2 + col
            end += 1
        rows = [("", *specs[start:end])] + [(row[0], *row[start + 1:end + 1]) for row in table]
        out.write(columns(rows) + "\n")
        start = end
        if start < len(specs):
            out.write("\n")


# --- diff ---------------------------------------------------------------------------------------

def write_difference(out: IO[str], fmt: str, diff: Any, precision: int | None = None) -> None:
    """The difference of two functions as text or JSON."""
    data = diff.to_dict()
    if fmt == "json":
        if precision is not None:
            data = {k: _round(v, precision) if isinstance(v, float) else v
                    for k, v in data.items()}
        out.write(json.dumps(json_ready(data), indent=2) + "\n")
        return
    if fmt != "text":
        raise ParameterError(f"diff writes text or json, not {fmt}")
    p = DEFAULT_PRECISION if precision is None else precision
    lo, hi = diff.range
    rows = [
        ("max |f_A - f_B|", text_number(diff.max_abs, p),
         f"at x = {text_number(diff.max_abs_x, p)}"),
        ("max |f'_A - f'_B|", text_number(diff.max_abs_derivative, p),
         f"at x = {text_number(diff.max_abs_derivative_x, p)}"),
        ("mean |f_A - f_B|", text_number(diff.mean_abs, p), ""),
    ]
    out.write(f"A = {diff.a}, B = {diff.b}, on [{format_number(lo)}, {format_number(hi)}]\n")
    out.write(columns([("  " + a, b, c) for a, b, c in rows], right=(False, True)) + "\n")
