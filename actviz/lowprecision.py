r"""What an activation function and its derivative become in bfloat16, float16, float8 and
float32: ``actviz precision``. Pure NumPy: each format is its bit layout, its values
decoded from their bit patterns and float64 values rounded to it exactly (scaled by a power
of two, rounded to an integer, scaled back: every step exact); the tests check both against
exact rationals and against ml_dtypes, the library made for these formats, which is not
needed to run (its 0.7 import takes about a second; 0.6 rounds float64 to bfloat16 through
float32, twice). No matplotlib here (:mod:`actviz.render.lowprecision` draws the figure).

The sweep is every finite value of the format in the range (-0 merged with +0); float32,
whose range holds about 2e9 values, is sampled: every float32 whose last 13 bits are zero
(a 10-bit significand, float16's, with float32's exponents: about 270,000 values in
[-20, 20]). At each point the exact f and f' are actviz's own float64 evaluation, and

- ``rounded``: the exact value rounded once to the format (nearest, ties to even): the best
  any implementation can do;
- ``float32``: the exact value rounded to float32 (a correctly rounded float32 kernel), then
  to the format, as PyTorch's kernels for half types compute in float32 and round the result;
- ``autograd``: f as in ``float32``; f' as PyTorch's backward computes it where it uses the
  saved output y, already rounded to the format (:data:`BACKWARD`); other functions as in
  ``float32``.

The error of a computed value c is :math:`|c - e| / \mathrm{ulp}(e)` for the exact e, where
ulp(e) is the format's spacing at |e| (the subnormal spacing below the smallest normal).

How exact is "exact"? The float64 value v of a catalog function is within k units of the
53rd bit of the true t, k a few at most. Rounding v instead of t to a format of p significand
bits changes the result only where a midpoint of the format lies between t and v, and then by
one ulp; in ulps of the format, |v - t| <= k 2^(p-53): 2^-45 k for bfloat16 (p = 8),
2^-42 k for float16, 2^-29 k for float32. So ``rounded`` is within 0.5 + k 2^(p-53) ulp of the
true value, and ``float32``, which rounds twice (exact -> float32 -> format), within
0.5 + 2^(p-25) + k 2^(p-53) ulp: the float32 rounding moves the value by at most half a
float32 ulp, 2^(p-25) ulp of a format of p bits (2^-17 for bfloat16, 2^-14 for float16).
:func:`float32_bound` is that bound against the float64 value (k = 0); the tests check it
for every catalog function and format, and check the roundings themselves against an
independent rounding of mpmath values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ParameterError

DTYPES = ("bfloat16", "float16", "float8_e4m3fn", "float8_e5m2", "float32")
"""The formats, as ``--dtype`` names them (ml_dtypes' and NumPy's names for them)."""
DEFAULT_DTYPES = ("bfloat16", "float16")
MODES = ("rounded", "float32", "autograd")
DEFAULT_RANGE = (-20.0, 20.0)
FLOAT32_SKIP = 13
"""float32 is swept at every bit pattern whose last FLOAT32_SKIP bits are zero."""


def check_dtypes(value: Any) -> tuple[str, ...]:
    """Formats named by ``value``: names separated by commas (``bfloat16,float16``) or a
    list of them, each once, in the order given. ``bf16``, ``fp16`` and ``fp32`` are read as
    their names."""
    if isinstance(value, str):
        items: Sequence[Any] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise ParameterError(f"dtype must be names separated by commas, such as "
                             f"bfloat16,float16; got {value!r}")
    if not items:
        raise ParameterError("dtype must name at least one format, such as bfloat16")
    found: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ParameterError(f"dtype must be names separated by commas, such as "
                                 f"bfloat16,float16; got {value!r}")
        name = item.strip().lower().replace("-", "_")
        name = SHORT.get(name, name)
        if name not in DTYPES:
            from ._suggest import did_you_mean

            raise ParameterError(f"unknown dtype {item.strip()!r}.{did_you_mean(name, DTYPES)}"
                                 f" The dtypes are: {', '.join(DTYPES)}")
        if name in found:
            raise ParameterError(f"dtype names '{name}' twice")
        found.append(name)
    return tuple(found)


SHORT = {"bf16": "bfloat16", "fp16": "float16", "half": "float16", "fp32": "float32",
         "float": "float32", "e4m3fn": "float8_e4m3fn", "e5m2": "float8_e5m2"}


def check_mode(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in MODES:
        raise ParameterError(f"mode must be one of {', '.join(MODES)}, got {value!r}")
    return value.strip().lower()


# --- the formats -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Format:
    """A binary floating-point format: ``bits`` in all, ``mantissa`` stored significand bits
    (p - 1), ``min_exponent`` the exponent of the smallest normal, ``max`` the largest finite
    value, ``inf`` whether it has infinities (float8_e4m3fn has none: a value beyond its
    range becomes NaN, as ml_dtypes and the OCP FP8 format convert it)."""

    name: str
    bits: int
    mantissa: int
    min_exponent: int
    max: float
    inf: bool

    @property
    def precision(self) -> int:
        """Significand bits p, the implicit one included."""
        return self.mantissa + 1

    def round(self, values: np.ndarray) -> np.ndarray:
        """float64 values rounded once to this format (nearest, ties to even), as float64:
        scaled by 2^-q so that the format's ulp at the value, 2^q, becomes 1, rounded to an
        integer (np.rint: ties to even), scaled back; beyond the largest value (after
        rounding) inf, or NaN in a format without inf."""
        x = np.asarray(values, dtype=np.float64)
        with np.errstate(all="ignore"):
            _, e = np.frexp(x)
            q = np.maximum(e - 1, self.min_exponent) - self.mantissa
            rounded = np.ldexp(np.rint(np.ldexp(x, -q)), q)
            beyond = np.abs(rounded) > self.max
            return np.where(beyond, np.copysign(np.inf if self.inf else np.nan, x), rounded)

    def ulp(self, values: np.ndarray) -> np.ndarray:
        """The spacing of the format at |values|: 2^(e - mantissa) for 2^e <= |v| < 2^(e+1),
        the subnormal spacing below the smallest normal (and at 0)."""
        with np.errstate(all="ignore"):
            _, e = np.frexp(np.abs(np.asarray(values, dtype=np.float64)))
        return np.ldexp(1.0, np.maximum(e - 1, self.min_exponent) - self.mantissa)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """The values of bit patterns (sign, exponent, significand) read as normal and
        subnormal numbers; the patterns of inf and NaN decode beyond ``max``."""
        codes = np.asarray(codes, dtype=np.int64)
        fraction = codes & ((1 << self.mantissa) - 1)
        field = (codes >> self.mantissa) & ((1 << (self.bits - 1 - self.mantissa)) - 1)
        sign = np.where((codes >> (self.bits - 1)) & 1, -1.0, 1.0)
        significand = np.where(field > 0, fraction + (1 << self.mantissa), fraction)
        exponent = np.maximum(field - 1, 0) + self.min_exponent - self.mantissa
        return sign * np.ldexp(significand.astype(np.float64), exponent)

    def values(self, lo: float, hi: float) -> np.ndarray:
        """Every finite value of the format in [lo, hi], sorted, -0 merged with +0 (float32:
        the sample of :data:`FLOAT32_SKIP`)."""
        if self.bits <= 16:
            codes = np.arange(2**self.bits, dtype=np.int64)
        else:
            codes = np.arange(2 ** (32 - FLOAT32_SKIP), dtype=np.int64) << FLOAT32_SKIP
        x = self.decode(codes)
        x = x[(np.abs(x) <= self.max) & (x >= lo) & (x <= hi)]
        return np.unique(x + 0.0)  # + 0.0: -0 is +0


def _format(name: str, bits: int, exponent_bits: int, inf: bool) -> Format:
    """A format from its layout: the bias is 2^(exponent_bits - 1) - 1; the largest value has
    the largest exponent field below all ones (IEEE: all ones is inf and NaN), or, without
    inf, all ones with the significand's last pattern left for NaN (OCP FP8 E4M3)."""
    mantissa = bits - 1 - exponent_bits
    bias = 2 ** (exponent_bits - 1) - 1
    top = 2**exponent_bits - 1 - inf
    significand = 2 * 2**mantissa - 1 - (not inf)
    return Format(name, bits, mantissa, 1 - bias, float(np.ldexp(significand,
                                                                  top - bias - mantissa)), inf)


FORMATS = {format.name: format for format in (
    _format("bfloat16", 16, 8, True), _format("float16", 16, 5, True),
    _format("float8_e4m3fn", 8, 4, False), _format("float8_e5m2", 8, 5, True),
    _format("float32", 32, 8, True))}
"""Every format by name: bfloat16 (Google Brain's), IEEE 754 binary16 and binary32, and the
OCP 8-bit formats E4M3 (no inf) and E5M2."""


def dtype_format(name: str) -> Format:
    """The :class:`Format` named ``name`` (one of :data:`DTYPES`)."""
    return FORMATS[name]


# --- PyTorch's backward forms -----------------------------------------------------------------

def _sigmoid_backward(y: np.ndarray, fmt: Format) -> np.ndarray:
    """grad * (1 - y) * y with grad = 1: in float32 for bfloat16 (the kernel's BFloat16
    branch), in the format's own arithmetic, each operation rounded, for the others (its
    scalar_t branch). 1 - y and the product of two values of at most 24 bits are exact in
    float64, so rounding them once to the format is the format's operation."""
    if fmt.name == "bfloat16":
        y32 = y.astype(np.float32)
        return ((np.float32(1) - y32) * y32).astype(np.float64)
    return fmt.round(fmt.round(1.0 - y) * y)


def _tanh_backward(y: np.ndarray, fmt: Format) -> np.ndarray:
    """grad * (1 - y * y) with grad = 1, in float32 for the half types (the kernel's
    reduced-floating-point branch) and in the format's arithmetic for float32."""
    y32 = y.astype(np.float32)
    return (np.float32(1) - y32 * y32).astype(np.float64)


def _exp_backward(y: np.ndarray, fmt: Format) -> np.ndarray:
    """grad * result, with grad = 1: the saved output itself."""
    return y


@dataclass(frozen=True)
class Backward:
    """How PyTorch's autograd computes f' of one function: ``form`` from the saved output
    y (already in the format), as its derivatives definition says (``source``)."""

    form: str
    source: str
    compute: Callable[[np.ndarray, Format], np.ndarray]


BACKWARD: dict[str, Backward] = {
    "sigmoid": Backward(
        "y(1 - y)", "tools/autograd/derivatives.yaml, entry 'sigmoid(Tensor self)': "
        "self: sigmoid_backward(grad, result); CPU kernel aten/src/ATen/native/cpu/"
        "BinaryOpsKernel.cpp, sigmoid_backward_kernel: a0 * (1 - b0) * b0 in float for "
        "BFloat16, a * (scalar_t(1) - b) * b in the type itself otherwise (Half)",
        _sigmoid_backward),
    "tanh": Backward(
        "1 - y^2", "tools/autograd/derivatives.yaml, entry 'tanh(Tensor self)': self: "
        "tanh_backward(grad, result); CPU kernel BinaryOpsKernel.cpp, tanh_backward_kernel: "
        "a * (1 - b * b), in float for BFloat16 and Half", _tanh_backward),
    "exponential": Backward(
        "y", "tools/autograd/derivatives.yaml, entry 'exp(Tensor self)': self: grad * "
        "result.conj()", _exp_backward),
}
"""The functions whose PyTorch backward uses the saved output; every other function's
backward (elu, gelu, silu, mish, softplus, hardsigmoid, ... : ``self`` in derivatives.yaml)
works from the input, which ``autograd`` takes as ``float32``. relu's (threshold_backward on
the result) gives the same 0 and 1 as its input would. The kernels' arithmetic was checked
against PyTorch 2.13 on every bfloat16 and float16 value of [-20, 20]: the same bits."""


def float32_bound(fmt: Format) -> float:
    """The largest error, in ulps of ``fmt``, of ``float32`` mode against the float64 value:
    half an ulp, plus half a float32 ulp (2^(p - 25) ulps of a format of p bits) from the
    first rounding (see the module's docstring)."""
    return 0.5 + 2.0 ** (fmt.precision - 25)


# --- the sweep ----------------------------------------------------------------------------------

Interval = tuple[float, float]


@dataclass(frozen=True)
class Curves:
    """What the figure draws: the points, the errors of f and f' at each (NaN where the
    exact value is not finite or overflows the format), and where f overflows."""

    x: np.ndarray
    ulp_f: np.ndarray
    ulp_df: np.ndarray
    f_overflow: list[Interval] | None


@dataclass(frozen=True, eq=False)
class Precision:
    """One function in one format and mode (see the module's docstring): ``points`` swept,
    the largest ulp error of f and of f' (None where no point has a finite exact value) and
    the first x where it is taken, the intervals (first and last point swept) where the
    computed f' is 0 although the exact f' rounded is not (``df_flush``) and where the
    exact f' itself rounds to 0 (``df_underflow``), and the first x where the computed f is
    infinite (NaN in float8_e4m3fn, which has no infinity) though its float64 value is a
    number (``f_overflow``); None where there is none."""

    spec: str
    dtype: str
    mode: str
    points: int
    max_ulp_f: float | None
    max_ulp_df: float | None
    at_f: float | None
    at_df: float | None
    df_flush: list[Interval] | None
    df_underflow: list[Interval] | None
    f_overflow: float | None
    act: Any = field(default=None, repr=False)
    curves: Curves | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    KEYS = ("spec", "dtype", "mode", "points", "max_ulp_f", "max_ulp_df", "at_f", "at_df",
            "df_flush", "df_underflow", "f_overflow")

    def to_dict(self) -> dict[str, Any]:
        """The keys of ``KEYS``; intervals as [lo, hi] lists."""
        data = {key: getattr(self, key) for key in self.KEYS}
        for key in ("df_flush", "df_underflow"):
            if data[key] is not None:
                data[key] = [list(pair) for pair in data[key]]
        return data


def runs(x: np.ndarray, mask: np.ndarray) -> list[Interval] | None:
    """The runs of consecutive points where ``mask`` holds, as (first x, last x)."""
    where = np.flatnonzero(mask)
    if not len(where):
        return None
    cut = np.flatnonzero(np.diff(where) > 1)
    starts = np.concatenate([where[:1], where[cut + 1]])
    ends = np.concatenate([where[cut], where[-1:]])
    return [(float(x[a]), float(x[b])) for a, b in zip(starts, ends, strict=True)]


def ulp_errors(computed: np.ndarray, exact: np.ndarray, fmt: Format) -> np.ndarray:
    """|computed - exact| / ulp(exact) where the exact value is finite and rounds to a
    finite value of the format, infinite where the computed one is not finite there, NaN
    elsewhere."""
    valid = np.isfinite(exact) & np.isfinite(fmt.round(exact))
    with np.errstate(all="ignore"):
        err = np.abs(computed - exact) / fmt.ulp(exact)
    err = np.where(valid & ~np.isfinite(computed), np.inf, err)
    return np.where(valid, err, np.nan)


def _largest(x: np.ndarray, err: np.ndarray) -> tuple[float | None, float | None]:
    known = ~np.isnan(err)
    if not known.any():
        return None, None
    top = float(err[known].max())
    return top, float(x[np.flatnonzero(err == top)[0]])


def computed(f: np.ndarray, df: np.ndarray, fmt: Format, mode: str, name: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """f and f' as ``mode`` computes them in ``fmt``, from the exact (float64) values."""
    if mode == "rounded":
        return fmt.round(f), fmt.round(df)
    with np.errstate(all="ignore"):
        fc = fmt.round(f.astype(np.float32).astype(np.float64))
        dfc = fmt.round(df.astype(np.float32).astype(np.float64))
        if mode == "autograd" and name in BACKWARD:
            dfc = fmt.round(BACKWARD[name].compute(fc, fmt))
    return fc, dfc


def sweep(act: Any, spec: str, fmt: Format, mode: str, lo: float, hi: float) -> Precision:
    """``act`` (an :class:`~actviz.catalog.Activation`) at every value of ``fmt`` in
    [lo, hi], computed as ``mode`` says."""
    x = fmt.values(lo, hi)
    if not len(x):
        raise ParameterError(f"no finite {fmt.name} value lies in [{lo:g}, {hi:g}]; give a "
                             "wider --range")
    f, df = act.evaluate(x, 1)
    fc, dfc = computed(f, df, fmt, mode, act.name)
    err_f, err_df = ulp_errors(fc, f, fmt), ulp_errors(dfc, df, fmt)
    df_rounded = fmt.round(df)
    over = ~np.isfinite(fc) & ~np.isnan(f)
    max_f, at_f = _largest(x, err_f)
    max_df, at_df = _largest(x, err_df)
    notes: tuple[str, ...] = ()
    if mode == "autograd" and act.name in BACKWARD:
        notes = (f"autograd's f' = {BACKWARD[act.name].form}, from the saved output y "
                 "already rounded to the format (PyTorch's backward)",)
    return Precision(
        spec, fmt.name, mode, len(x), max_f, max_df, at_f, at_df,
        runs(x, (dfc == 0) & (df_rounded != 0) & ~np.isnan(df)),
        runs(x, (df_rounded == 0) & (df != 0) & ~np.isnan(df)),
        float(x[np.flatnonzero(over)[0]]) if over.any() else None,
        act, Curves(x, err_f, err_df, runs(x, over)), notes)


def check_function(act: Any, label: str) -> None:
    """A function of one input and one output (a sweep of x values is no vector)."""
    definition = act.definition
    if definition.vector or definition.outputs > 1:
        raise ParameterError(f"precision sweeps functions of one input and one output; "
                             f"{label} is not one")


def precision(spec: str, dtype: str = "bfloat16", mode: str = "float32",
              range: tuple[float, float] = DEFAULT_RANGE, flavor: str = "torch") -> Precision:
    """What ``spec`` and its derivative become in ``dtype`` computed as ``mode`` says, on
    every value of ``dtype`` in ``range`` (see the module's docstring).

    >>> r = precision("sigmoid", "bfloat16", "autograd")
    >>> r.points, r.df_flush
    (33601, [(6.25, 20.0)])
    """
    from .catalog import get
    from .checks import check_range

    (name,) = check_dtypes([dtype]) if isinstance(dtype, str) else check_dtypes(dtype)
    lo, hi = check_range(range)
    act = get(spec, flavor=flavor)
    check_function(act, spec)
    return sweep(act, spec, dtype_format(name), check_mode(mode), lo, hi)


def sweeps(functions: Sequence[Any], dtypes: Sequence[str], mode: str,
           range: tuple[float, float]) -> list[Precision]:
    """A record per function (a :class:`~actviz.catalog.Named`) and format, in that order."""
    formats = [dtype_format(name) for name in dtypes]
    for named in functions:
        check_function(named.act, named.label)
    return [sweep(named.act, named.label, fmt, mode, *range)
            for named in functions for fmt in formats]


# --- the table ----------------------------------------------------------------------------------

def _number(value: float | None, digits: int | None) -> str:
    from ._numbers import text_number

    return "-" if value is None else text_number(value, digits)


def _intervals(spans: list[Interval] | None, digits: int | None) -> str:
    if spans is None:
        return "none"
    return ", ".join(f"[{_number(a, digits)}, {_number(b, digits)}]" for a, b in spans)


PRECISION_ROWS: tuple[tuple[str, str, Callable[[Precision, int | None], str]], ...] = (
    ("dtype", "dtype", lambda r, d: r.dtype),
    ("mode", "mode", lambda r, d: r.mode),
    ("points swept", "points swept", lambda r, d: str(r.points)),
    ("max ulp error of f", "max ulp error of $f$", lambda r, d: _number(r.max_ulp_f, d)),
    ("at x (f)", "at $x$", lambda r, d: _number(r.at_f, d)),
    ("max ulp error of f'", "max ulp error of $f'$", lambda r, d: _number(r.max_ulp_df, d)),
    ("at x (f')", "at $x$", lambda r, d: _number(r.at_df, d)),
    ("f' flushes to 0 on", "$f'$ flushes to 0 on", lambda r, d: _intervals(r.df_flush, d)),
    ("f' underflows on", "$f'$ underflows on", lambda r, d: _intervals(r.df_underflow, d)),
    ("f overflows from x", "$f$ overflows from $x$",
     lambda r, d: "none" if r.f_overflow is None else _number(r.f_overflow, d)),
)
"""The rows of ``actviz precision``: (label, LaTeX label, how a record shows it)."""


def precision_rows(records: Sequence[Precision], digits: int | None
                   ) -> list[tuple[str, str, list[str]]]:
    """(label, LaTeX label, one cell per record) for every row of the table."""
    return [(label, latex, [show(r, digits) for r in records])
            for label, latex, show in PRECISION_ROWS]
