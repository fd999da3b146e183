"""Checks of the options shared by the commands, the Python API and batch configs, in one
place so that ``--range 5 -5``, ``range=(5, -5)`` and ``range: [5, -5]`` get the same
message."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .catalog import Activation, format_number, get, parse_spec
from .catalog._core import normalize
from .errors import OutputError, ParameterError

PLOT_FORMATS = ("png", "svg", "pdf")
MAX_NUM = 10**7
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
