"""Checks of option values, shared by the commands, the Python API and batch configs, so that
``--range 5 -5``, ``range=(5, -5)`` and ``range: [5, -5]`` get the same message. Pure (but
for :func:`check_output`, which asks whether -o names an existing folder): no files, no
formats (see :mod:`actviz.paths`), no click, no YAML.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from ._numbers import format_number, short_integer
from .errors import ParameterError

DEFAULT_RANGE = (-5.0, 5.0)
"""The interval of x when none is given, for every command and function."""
MAX_NUM = 10**7
"""Points a figure samples in all (num times the number of curves)."""
MAX_ROWS = 10**6
MIN_DPI, MAX_DPI = 20, 2400
MIN_INCHES, MAX_INCHES = 1.0, 100.0
MAX_PIXELS = 10**8
"""Pixels of a figure's canvas, width times height at its dpi (400 MB of RGBA)."""
MAX_SWEEP = 12
MAX_X = 1e15
"""How far from 0 a range may reach: beyond, the spacing of float64 numbers is too coarse
for a grid or a root-finder to mean anything (at 1e15 it is 0.125)."""


def number(value: Any, what: str) -> float:
    """``value`` as a float, or a :class:`ParameterError` naming ``what``."""
    if isinstance(value, bool):
        raise ParameterError(f"{what} must be a number, got {value!r}")
    try:
        return float(value)
    except OverflowError:  # an integer beyond float64 (a YAML 1 followed by 400 zeros)
        raise ParameterError(f"{what} must be a number within +-1.8e308, got "
                             f"{short_integer(value)}") from None
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a number, got {value!r}") from None


def check_range(value: Any) -> tuple[float, float]:
    """``(min, max)``: two finite numbers, min below max."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise ParameterError(f"range must be two numbers MIN MAX, got {value!r}")
    lo, hi = (number(v, "range") for v in value)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ParameterError(
            f"range must be finite, got {format_number(lo)} {format_number(hi)}"
        )
    if max(abs(lo), abs(hi)) > MAX_X:
        raise ParameterError("range must lie within -1e15 and 1e15, got "
                             f"{format_number(lo)} {format_number(hi)}")
    if lo >= hi:
        raise ParameterError(
            f"range MIN must be below MAX, got {format_number(lo)} {format_number(hi)}"
        )
    return lo, hi


MIN_DRAWN_WIDTH = 1e-280
MIN_DRAWN_RELATIVE = 1e-9


def check_drawable_range(lo: float, hi: float) -> None:
    """A figure's x range: matplotlib collapses axes narrower than about 1e-287 to
    [-0.05, 0.05] and cannot label ticks that differ in the 15th digit, so a figure's range
    must be wider than 1e-280 and than 1e-9 of its largest |x| (tables take any range)."""
    width = hi - lo
    if width < MIN_DRAWN_WIDTH or width < MIN_DRAWN_RELATIVE * max(abs(lo), abs(hi)):
        raise ParameterError(
            f"range {format_number(lo)} {format_number(hi)} is too narrow to draw: a figure's "
            f"range must be wider than 1e-280 and than 1e-9 of its largest |x| (table and "
            "compare take it)")


def check_figure_range(value: Any) -> tuple[float, float]:
    """A figure's ``(min, max)``: a range (:func:`check_range`) wide enough to draw
    (:func:`check_drawable_range`)."""
    lo, hi = check_range(value)
    check_drawable_range(lo, hi)
    return lo, hi


def check_count(value: Any, what: str, lowest: int, highest: int | None) -> int:
    """An integer in [lowest, highest] (no upper bound where ``highest`` is None)."""
    if isinstance(value, bool) or not isinstance(value, int):
        count = number(value, what)
        if not count.is_integer():
            raise ParameterError(f"{what} must be a whole number, got {value!r}")
        value = int(count)
    if highest is None:
        if value < lowest:
            raise ParameterError(f"{what} must be a whole number >= {lowest}, got "
                                 f"{short_integer(value)}")
        return value
    if not lowest <= value <= highest:
        raise ParameterError(f"{what} must be between {lowest} and {highest}, got "
                             f"{short_integer(value)}")
    return value


def check_threshold(value: Any) -> float:
    """The saturation threshold tau: finite and >= 0."""
    tau = number(value, "saturation threshold")
    if not math.isfinite(tau) or tau < 0:
        raise ParameterError("saturation threshold must be a finite number >= 0 (|f'| below "
                             f"it is saturation), got {format_number(tau)}")
    return tau


def check_between(value: Any, what: str, lowest: float, highest: float,
                  unit: str = "") -> float:
    """A number in [lowest, highest]."""
    checked = number(value, what)
    if not (lowest <= checked <= highest):
        raise ParameterError(f"{what} must be between {format_number(lowest)} and "
                             f"{format_number(highest)}{unit}, got {format_number(checked)}")
    return checked


MAX_SIGMA = 100.0
"""The largest sigma_w and sigma_b the commands take: the edge of chaos is searched for
fixed points q up to 1e8, which sigma_b^2 <= 1e4 leaves room for."""


def check_sigma(value: Any, what: str) -> float:
    """A standard deviation (sigma_w, sigma_b): a number from 0 to :data:`MAX_SIGMA`."""
    sigma = number(value, what)
    if not 0 <= sigma <= MAX_SIGMA:  # NaN fails too
        raise ParameterError(f"{what} must be a standard deviation from 0 to "
                             f"{format_number(MAX_SIGMA)}; got {format_number(sigma)}")
    return sigma


def check_dpi(value: Any) -> float:
    """Dots per inch: below 20, text cannot be drawn (FreeType refuses the sizes)."""
    return check_between(value, "dpi", MIN_DPI, MAX_DPI)


SIZES = ("column", "page")
"""Named figure sizes: a journal's single column (3.3 in wide) and its full text width
(7 in); the height follows the panels."""


def check_size(value: Any) -> tuple[float, float] | str:
    """A figure size: WIDTH HEIGHT in inches, or the name of one of :data:`SIZES`."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and value[0] == value[1] \
            and value[0] in SIZES:  # the command line's one-word form, --size column
        value = value[0]
    if isinstance(value, str):
        if value in SIZES:
            return value
        raise ParameterError(f"size must be WIDTH HEIGHT in inches or one of "
                             f"{', '.join(SIZES)}, got {value!r}")
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ParameterError(f"size must be WIDTH HEIGHT in inches or one of "
                             f"{', '.join(SIZES)}, got {value!r}")
    width, height = (check_between(v, "size", MIN_INCHES, MAX_INCHES, " inches")
                     for v in value)
    return width, height


def check_canvas(width: float, height: float, dpi: float) -> None:
    """A figure of that size at that dpi must fit in memory."""
    pixels = round(width * dpi) * round(height * dpi)
    if pixels > MAX_PIXELS:
        raise ParameterError(f"the figure would have {pixels} pixels ({width:g} x {height:g} "
                             f"in at {dpi:g} dpi); at most {MAX_PIXELS} are drawn: lower "
                             "--dpi or --size")


MAX_SIMULATED = 5 * 10**8
"""Weights the simulated networks of a depth figure may draw in all (layers x width^2 x
networks; the default 30 layers of 1000 units and 4 networks draw 1.2e8, the most 6.4e10):
about 40 s on a shared 2-core machine, where 1e9 took 89 s and the default 11 s."""


def check_simulation(layers: int, width: int, networks: int, flags: bool = True) -> None:
    """The simulated networks of a depth figure must finish in reasonable time: refuse, before
    any work, more than :data:`MAX_SIMULATED` weights, with the settings that would fit (as
    command-line options, or with ``flags`` False as the API's arguments)."""
    weights = layers * width * width * networks
    if weights <= MAX_SIMULATED:
        return

    def setting(name: str, value: int) -> str:
        return f"--{name} {value}" if flags else f"{name}={value}"

    fits = []
    widest = math.isqrt(MAX_SIMULATED // (layers * networks))
    if widest >= 10:
        fits.append(setting("width", widest))
    deepest = MAX_SIMULATED // (width * width * networks)
    if deepest >= 1:
        fits.append(setting("layers", deepest))
    most = MAX_SIMULATED // (layers * width * width)
    if most >= 1:
        fits.append(setting("networks", most) if flags else f"at most {most} networks")
    fits.append("--no-simulate" if flags else "no simulation")
    give = f"{', '.join(fits[:-1])} or {fits[-1]}" if len(fits) > 1 else fits[0]
    raise ParameterError(
        f"simulating {networks} network{'s' * (networks != 1)} of {short_integer(layers)} "
        f"layers x {short_integer(width)} units draws {_short(weights)} weights; at most "
        f"{_short(MAX_SIMULATED)} are drawn (the default draws 1.2e8): give {give}")


def _short(count: int) -> str:
    """``6.4e10``: a large count in two digits (beyond a float's range, as
    :func:`short_integer` writes it)."""
    if count.bit_length() > 1000:
        return short_integer(count)
    return f"{count:.2g}".replace("e+0", "e").replace("e+", "e")


def check_title(title: Any) -> str:
    """A figure title: text, with $...$ parts that matplotlib's mathtext can typeset."""
    if not isinstance(title, str):
        raise ParameterError(f"title must be text, got {title!r}")
    if title.count("$") - title.count(r"\$") >= 2:
        from ._startup import import_matplotlib

        import_matplotlib()  # as a figure imports it (the command's quicker import)
        from matplotlib.mathtext import MathTextParser

        try:
            MathTextParser("path").parse(title)
        except ValueError as exc:
            first = str(exc).strip().splitlines()[-1].strip() if str(exc).strip() else ""
            raise ParameterError(f"title is not valid mathtext ({first}): {title!r}; "
                                 "write $...$ as matplotlib's mathtext, or \\$ for a "
                                 "dollar sign") from None
    return title


def check_path(value: Any, what: str, names: str = "a file") -> str:
    """A file (or, as ``names`` says, a folder) name given on the command line."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{what} must name {names}, got {value!r}")
    if "\0" in value:
        raise ParameterError(f"{what} must not contain a NUL character")
    return value


def check_output(value: Any) -> str:
    """A file name given with -o: not a folder (``.``, ``out/``, an existing folder)."""
    value = check_path(value, "-o")
    path = Path(value)
    folder = value.endswith(("/", os.sep)) or path.name in ("", ".", "..")
    if not folder:
        try:
            folder = path.is_dir()
        except OSError:  # a name too long for the file system: writing it will say so
            folder = False
    if path.name.startswith(".") and path.name.count(".") == 1 and len(path.name) > 1:
        raise ParameterError(f"-o {value} has no name before its extension; give one, such "
                             f"as -o {(path.parent / ('result' + path.name)).as_posix()}")
    if folder:
        base = value.rstrip("/" + os.sep) or "/"
        base = "" if base == "." else base.rstrip("/") + "/"
        raise ParameterError(f"-o {value} is a folder; name a file in it, such as "
                             f"-o {base}result.png for a figure or {base}result.csv for a "
                             "table")
    return value


def check_precision(value: Any) -> int:
    return check_count(value, "precision", 1, 17)


def check_plot_num(value: Any) -> int:
    return check_count(value, "num", 2, MAX_NUM)


def check_table_num(value: Any) -> int:
    return check_count(value, "num", 2, MAX_ROWS)


def parse_sweep(text: str) -> tuple[str, tuple[str, ...]]:
    """``alpha=0.5,1,2`` -> ``("alpha", ("0.5", "1", "2"))``."""
    name, equals, rest = text.partition("=")
    values = tuple(v.strip() for v in rest.split(",")) if equals else ()
    if not name.strip() or not values or not all(values):
        raise ParameterError(f"sweep must be PARAM=V1,V2,..., got '{text}'")
    return name.strip(), values


def check_sweep(value: Any) -> tuple[str, tuple[Any, ...]]:
    """``alpha=0.5,1,2``, ``("alpha", [0.5, 1, 2])`` or ``{"alpha": [0.5, 1, 2]}`` as
    ``(name, values)``."""
    if isinstance(value, str):
        value = parse_sweep(value)
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.items()))
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not isinstance(value[0], str)):
        raise ParameterError("sweep must be PARAM=V1,V2,..., (name, values) or "
                             f"{{name: values}}, got {value!r}")
    name, values = value
    if not isinstance(values, (list, tuple)) or not values:
        raise ParameterError(f"sweep of {name} needs a list of values")
    if len(values) > MAX_SWEEP:
        raise ParameterError(f"sweep takes at most {MAX_SWEEP} values (more curves cannot be "
                             f"told apart in one panel), got {len(values)}")
    return name, tuple(values)


def available_styles() -> list[str]:
    """matplotlib's style names (imports matplotlib, not pyplot)."""
    from ._startup import import_matplotlib

    import_matplotlib()  # as a figure imports it (the command's quicker import)
    import matplotlib.style

    return sorted({*matplotlib.style.available, "default", "classic"})


def check_style(style: Any) -> str:
    if not isinstance(style, str):
        raise ParameterError(f"style must be the name of a matplotlib style, got {style!r}")
    styles = available_styles()
    if style not in styles:
        from ._suggest import did_you_mean

        hint = did_you_mean(style, styles) or " See matplotlib.style.available."
        raise ParameterError(f"unknown matplotlib style '{style}'.{hint}")
    return style


# --- the x column of a value table -------------------------------------------------------------

def _decimal(value: Any, what: str) -> Decimal:
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation:
        raise ParameterError(f"{what} must be numbers, got '{value}'") from None
    if not parsed.is_finite():
        raise ParameterError(f"{what} must be finite, got '{value}'")
    return parsed


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


def check_points(points: Any) -> tuple[float, ...]:
    """A table's x values: ``X1,X2,...`` or a list of numbers, at most ``MAX_ROWS``."""
    if isinstance(points, str):
        items = points.split(",")
    elif isinstance(points, (list, tuple)):
        items = list(points)
    elif isinstance(points, np.ndarray):
        items = points.ravel().tolist()
    else:
        raise ParameterError(f"points must be X1,X2,... or a list of numbers, got "
                             f"{points!r}")
    values = tuple(float(_decimal(item, "points")) for item in items)
    if not values:
        raise ParameterError("points must list at least one number")
    _check_rows(len(values))
    return values


def sample_points(range: tuple[float, float] = DEFAULT_RANGE,
                  num: int | None = None, step: float | str | None = None,
                  points: str | Sequence[Any] | None = None) -> np.ndarray:
    """The x column: ``num`` evenly spaced points (default 11), every ``step`` from the start
    (the end included when a step lands on it), or the given ``points``. Steps are counted in
    decimal, so ``step=0.1`` gives 0.3, not 0.30000000000000004. Each value is checked here
    (:func:`points_of` takes them checked, as the ``table`` command's options are)."""
    _one_of(num, step, points)
    if points is not None:
        return np.array(check_points(points), dtype=float)
    return _grid(check_range(range), None if num is None else check_table_num(num),
                 None if step is None else check_step(step))


def _one_of(num: Any, step: Any, points: Any) -> None:
    chosen = [name for name, value in (("num", num), ("step", step), ("points", points))
              if value is not None]
    if len(chosen) > 1:
        raise ParameterError(f"give one of num, step and points, not {' and '.join(chosen)}")


def points_of(range: tuple[float, float], num: int | None, step: Decimal | None,
              points: Sequence[float] | None) -> np.ndarray:
    """:func:`sample_points` for values checked already (``range`` by :func:`check_range`,
    ``num`` by :func:`check_table_num`, ``step`` by :func:`check_step`, ``points`` by
    :func:`check_points`); refuses only what no single value says: two of num, step and
    points, and a step that gives too many rows."""
    _one_of(num, step, points)
    if points is not None:
        return np.array(points, dtype=float)
    return _grid(range, num, step)


def _grid(range: tuple[float, float], num: int | None, step: Decimal | None) -> np.ndarray:
    """The x column of a range: every ``step`` from its start, or ``num`` points (11)."""
    lo, hi = range
    start, end = _decimal(repr(lo), "range"), _decimal(repr(hi), "range")
    if step is not None:
        steps = (end - start) / step
        if steps >= 10**15:  # too many to count as an int, far too many to write
            raise ParameterError(f"the table would have more than 10**15 rows; at most "
                                 f"{MAX_ROWS} are written")
        count = int(steps) + 1
        _check_rows(count)
        return np.array([float(start + i * step) for i in np.arange(count).tolist()])
    count = 11 if num is None else num
    # (start (n - i) + end i) / n: exact wherever the point is exact in decimal (0 on [-1, 1]
    # with 7 points, not -1e-28 as start + i (end - start) / n gives)
    n = count - 1
    return np.array([float((start * (n - i) + end * i) / n)
                     for i in np.arange(count).tolist()])
