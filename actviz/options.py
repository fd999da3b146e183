"""Checks of the options shared by the commands, the Python API and batch configs, in one
place so that ``--range 5 -5``, ``range=(5, -5)`` and ``range: [5, -5]`` get the same
message."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import Activation, format_number, get, parse_spec
from .catalog._core import normalize
from .errors import OutputError, ParameterError

PLOT_FORMATS = ("png", "svg", "pdf")
TABLE_FORMATS = ("text", "csv", "markdown", "latex", "json")
TABLE_EXTENSIONS = {"txt": "text", "csv": "csv", "md": "markdown", "markdown": "markdown",
                    "tex": "latex", "json": "json"}
"""File extensions of the table formats, where they differ from the format's name."""
MAX_NUM = 10**7
MAX_ROWS = 10**6
MAX_DPI = 2400
MAX_INCHES = 100.0


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ParameterError(f"{what} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a number, got {value!r}") from None


def check_range(value: Any) -> tuple[float, float]:
    """``(min, max)``: two finite numbers, min below max."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise ParameterError(f"range must be two numbers MIN MAX, got {value!r}")
    lo, hi = (_number(v, "range") for v in value)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ParameterError(
            f"range must be finite, got {format_number(lo)} {format_number(hi)}"
        )
    if lo >= hi:
        raise ParameterError(
            f"range MIN must be below MAX, got {format_number(lo)} {format_number(hi)}"
        )
    return lo, hi


def check_count(value: Any, what: str, lowest: int, highest: int) -> int:
    """An integer in [lowest, highest]."""
    if isinstance(value, bool) or not isinstance(value, int):
        number = _number(value, what)
        if not number.is_integer():
            raise ParameterError(f"{what} must be a whole number, got {value!r}")
        value = int(number)
    if not lowest <= value <= highest:
        raise ParameterError(f"{what} must be between {lowest} and {highest}, got {value}")
    return value


def check_threshold(value: Any) -> float:
    """The saturation threshold tau: finite and >= 0."""
    tau = _number(value, "saturation threshold")
    if not math.isfinite(tau) or tau < 0:
        raise ParameterError(f"saturation threshold must be >= 0, got {format_number(tau)}")
    return tau


def check_positive(value: Any, what: str, highest: float) -> float:
    number = _number(value, what)
    if not (0 < number <= highest):
        raise ParameterError(f"{what} must be > 0 and <= {format_number(highest)}, "
                             f"got {format_number(number)}")
    return number


def parse_sweep(text: str) -> tuple[str, tuple[str, ...]]:
    """``alpha=0.5,1,2`` -> ``("alpha", ("0.5", "1", "2"))``."""
    name, equals, rest = text.partition("=")
    values = tuple(v.strip() for v in rest.split(",")) if equals else ()
    if not name.strip() or not values or not all(values):
        raise ParameterError(f"sweep must be PARAM=V1,V2,..., got '{text}'")
    return name.strip(), values


def sweep_activations(spec: str, sweep: tuple[str, Sequence[Any]],
                      flavor: str = "torch") -> list[tuple[str, Activation]]:
    """One (label, activation) per swept value: ``("alpha=0.5", elu(alpha=0.5))``, ..."""
    name, values = normalize(sweep[0]), sweep[1]
    base = get(spec, flavor=flavor)
    if base.definition.param(name) is None:
        get(spec, flavor=flavor, **{name: values[0]})  # raises the catalog's own message
    if name in parse_spec(spec)[1]:
        raise ParameterError(f"{name} is both set in '{spec}' and swept")
    result = []
    for value in values:
        act = get(spec, flavor=flavor, **{name: value})
        shown = value if isinstance(value, str) else format_number(value)
        result.append((f"{name}={shown}", act))
    return result


def file_stem(labels: Sequence[str]) -> str:
    """A file-safe stem from specs: ``relu elu`` -> ``relu_elu``, ``elu:alpha=0.5`` ->
    ``elu_alpha-0.5``."""
    parts = []
    for label in labels:
        text = label.strip().lower().replace(":", "_").replace("=", "-").replace(",", "_")
        parts.append(re.sub(r"[^a-z0-9._-]+", "-", text).strip("-."))
    stem = "_".join(p for p in parts if p) or "actviz"
    if len(stem) > 120:
        import hashlib

        digest = hashlib.sha1(stem.encode()).hexdigest()[:8]
        stem = f"{stem[:100]}-{digest}"
    return stem


def output_format(path: str | Path | None, fmt: str | None, choices: Sequence[str],
                  default: str, extensions: dict[str, str] | None = None) -> str:
    """The format: ``fmt`` if given, else from the extension of ``path``, else ``default``.

    ``extensions`` maps file extensions to formats where they differ (``.md`` -> markdown).
    """
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in choices:
            raise ParameterError(f"unknown format '{fmt}'; choose one of {', '.join(choices)}")
        return fmt
    if path is None:
        return default
    ext = Path(path).suffix.lower().lstrip(".")
    if not ext:
        return default
    fmt = (extensions or {}).get(ext, ext)
    if fmt not in choices:
        raise ParameterError(
            f"cannot tell the format from the extension '.{ext}' of {path}; "
            f"use one of {', '.join('.' + c for c in choices)} or give --format"
        )
    return fmt


OUTPUT_DIR = Path("output")


def writable_path(path: str | Path) -> Path:
    """``path``, after checking that no folder on the way to it is a file."""
    path = Path(path)
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"cannot write {path}: {parent} is a file, not a folder")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    return path


def writable_folder(folder: str | Path) -> Path:
    """``folder``, after checking that neither it nor a folder above it is a file."""
    folder = Path(folder)
    for path in (folder, *folder.parents):
        if path.exists() and not path.is_dir():
            raise OutputError(f"cannot write into {folder}: {path} is a file, not a folder")
    return folder


def figure_target(labels: Sequence[str], output: str | Path | None,
                  fmt: str | None) -> tuple[Path, str]:
    """Where a figure goes and in which format: ``-o`` as given (its extension names the
    format unless ``fmt`` does), else ``output/<labels joined by _>.<format>``."""
    fmt = output_format(output, fmt, PLOT_FORMATS, "png")
    if output is None:
        return writable_path(OUTPUT_DIR / f"{file_stem(labels)}.{fmt}"), fmt
    path = Path(output)
    if not path.suffix:
        path = path.with_suffix(f".{fmt}")
    return writable_path(path), fmt


def available_styles() -> list[str]:
    """matplotlib's style names (imports matplotlib, not pyplot)."""
    import matplotlib.style

    return sorted({*matplotlib.style.available, "default", "classic"})


def check_style(style: str) -> str:
    styles = available_styles()
    if style not in styles:
        from ._suggest import did_you_mean

        hint = did_you_mean(style, styles) or " See matplotlib.style.available."
        raise ParameterError(f"unknown matplotlib style '{style}'.{hint}")
    return style


@dataclass
class PlotOptions:
    """Checked options of a figure (see :func:`actviz.render.plot`)."""

    range: tuple[float, float] = (-5.0, 5.0)
    num: int = 1001
    layout: str = "overlay"
    derivative: bool = True
    second_derivative: bool = False
    saturation_threshold: float = 0.05
    annotations: bool = True
    sweep: tuple[str, tuple[Any, ...]] | None = None
    style: str | None = None
    dpi: float = 150.0
    size: tuple[float, float] | None = None
    title: str | None = None
    flavor: str = "torch"

    def __post_init__(self) -> None:
        self.range = check_range(self.range)
        self.num = check_count(self.num, "num", 2, MAX_NUM)
        if self.layout not in ("overlay", "grid"):
            raise ParameterError(f"layout must be overlay or grid, got '{self.layout}'")
        self.saturation_threshold = check_threshold(self.saturation_threshold)
        if isinstance(self.sweep, str):
            self.sweep = parse_sweep(self.sweep)
        elif self.sweep is not None:
            name, values = self.sweep
            if isinstance(values, (str, bytes)) or not values:
                raise ParameterError(f"sweep of {name} needs a list of values")
            self.sweep = (name, tuple(values))
        if self.style is not None:
            check_style(self.style)
        self.dpi = check_positive(self.dpi, "dpi", MAX_DPI)
        if self.size is not None:
            if len(self.size) != 2:
                raise ParameterError(f"size must be WIDTH HEIGHT in inches, got {self.size!r}")
            self.size = tuple(check_positive(v, "size", MAX_INCHES) for v in self.size)

    @property
    def orders(self) -> list[int]:
        return [0] + [1] * self.derivative + [2] * self.second_derivative


# --- the x column of a value table -------------------------------------------------------------

def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ParameterError(f"{what} must be numbers, got '{value}'") from None
    if not number.is_finite():
        raise ParameterError(f"{what} must be finite, got '{value}'")
    return number


def sample_points(range: tuple[float, float] = (-5.0, 5.0),
                  num: int | None = None, step: float | str | None = None,
                  points: str | Sequence[Any] | None = None) -> np.ndarray:
    """The x column: ``num`` evenly spaced points (default 11), every ``step`` from the start
    (the end included when a step lands on it), or the given ``points``. Steps are counted in
    decimal, so ``step=0.1`` gives 0.3, not 0.30000000000000004."""
    chosen = [name for name, value in (("num", num), ("step", step), ("points", points))
              if value is not None]
    if len(chosen) > 1:
        raise ParameterError(f"give one of num, step and points, not {' and '.join(chosen)}")
    if points is not None:
        items = points.split(",") if isinstance(points, str) else list(points)
        values = [float(_decimal(item, "points")) for item in items]
        if not values:
            raise ParameterError("points must list at least one number")
        _check_rows(len(values))
        return np.array(values, dtype=float)
    lo, hi = check_range(range)
    start, end = _decimal(repr(lo), "range"), _decimal(repr(hi), "range")
    if step is not None:
        size = check_step(step)
        count = int((end - start) / size) + 1
        _check_rows(count)
        return np.array([float(start + i * size) for i in np.arange(count).tolist()])
    count = check_count(11 if num is None else num, "num", 2, MAX_ROWS)
    width = (end - start) / (count - 1)
    return np.array([float(start + i * width) for i in np.arange(count).tolist()])


def check_step(step: Any) -> Decimal:
    """The step of a table's x column, as a decimal: a finite number > 0."""
    size = _decimal(step, "step")
    if size <= 0:
        raise ParameterError(f"step must be > 0, got {format_number(float(size))}")
    return size


def _check_rows(count: int) -> None:
    if count > MAX_ROWS:
        raise ParameterError(f"the table would have {count} rows; at most {MAX_ROWS} "
                             "are written")
