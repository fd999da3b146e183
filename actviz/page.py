"""What ``actviz page`` shows, as data: each function's exact f, f' and f'' on one grid that
resolves every kink, its variants (the flavours where they differ, the parameter presets),
the annotations of the figures (from :func:`actviz.analysis.analyze`, as
:mod:`actviz.render.marks` draws them) and the rows of ``compare``. No HTML here:
:mod:`actviz.page_html` writes the page around this data.

The data is plain JSON (format in ``docs/page.md``): every number is the shortest text that
reads back as the same float (Python's ``repr``), so that the page's values are actviz's to
the last bit and other tools can read them from the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import __version__
from .catalog import FLAVORS, Activation, Named, get, once, resolve_specs, sweep
from .errors import ActvizError
from .ranges import auto_range

FORMAT = "actviz-page 1"
"""The name and version of the data format (``docs/page.md``)."""

PRESETS: dict[str, tuple[str, tuple[float | str, ...]]] = {
    "celu": ("alpha", (0.5, 1, 2)),
    "elu": ("alpha", (0.5, 1, 2)),
    "gelu": ("approximate", ("none", "tanh")),
    "hardshrink": ("lambd", (0.25, 0.5, 1)),
    "isru": ("alpha", (0.5, 1, 2)),
    "leaky_relu": ("negative_slope", (0.01, 0.1, 0.2, 0.3)),
    "prelu": ("weight", (0, 0.1, 0.25, 0.5)),
    "softplus": ("beta", (0.5, 1, 2, 5)),
    "softshrink": ("lambd", (0.25, 0.5, 1)),
    "squareplus": ("b", (1, 4, 9)),
}
"""The parameter presets of a page: the sweeps of the example configs (``configs/``: elu's
alpha, leaky_relu's slope, softplus's beta, ...) and their like for the other functions with
one main parameter; offered where a function is given by its bare name."""

POINTS = 201
"""The default least number of evenly spaced points on the range (kinks are added): a step
of 0.05 on [-5, 5] and on the [-5, 8] of a page of every function (which stays under 1.5 MB;
0.025 would not)."""

POLE_GAP = 0.01
"""Half the gap left around a pole, as a share of the range (as the figures leave it,
:data:`actviz.render.series.POLE_GAP`)."""

PRECISION = 6
"""Significant digits of the properties table (``compare``'s default in text)."""

HIDDEN_ROWS = ("gains.backward", "gains.edge_of_chaos", "gains.torch", "cost")
"""Rows of ``compare`` the page leaves out: the mean-field gains (``actviz depth``'s
subject, and more time than the rest of the page together) and the measured cost."""


# --- the grid ----------------------------------------------------------------------------------

def nice_step(lo: float, hi: float, num: int) -> tuple[int, int]:
    """The step of at least ``num`` points on [lo, hi] as ``(a, e)``: ``a * 10**e`` with
    ``a`` 1, 2, 25 (with e one lower) or 5, the largest such step not above
    (hi - lo)/(num - 1): with the range's ends, from ``num`` points to ``2 num + 1``."""
    target = (hi - lo) / (num - 1)
    e = math.floor(math.log10(target))
    for a, shift in ((5, 0), (25, -1), (2, 0), (1, 0)):
        if a * 10.0 ** (e + shift) <= target * (1 + 1e-12):
            return a, e + shift
    return 5, e - 1  # (10**e <= target always, to rounding: then 0.5 * 10**e)


def decimal_points(lo: float, hi: float, num: int) -> np.ndarray:
    """Multiples of a round step (0.025, 0.05, ...) in [lo, hi], each the float nearest to
    its decimal value (an integer divided by a power of ten), so that each is written
    shortly (-4.975, not -4.9750000000000005)."""
    a, e = nice_step(lo, hi, num)
    step = a * 10.0**e
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    ks = np.arange(first, last + 1, dtype=np.int64) * a
    points = ks / 10.0 ** -e if e < 0 else ks * 10.0**e
    return points[(points >= lo) & (points <= hi)]


def page_grid(lo: float, hi: float, num: int, acts: Sequence[Activation]) -> np.ndarray:
    """The page's x: round points of the range, its ends, and each kink of the functions
    with the float on either side of it, so that a jump or a corner is drawn at its place
    and its one-sided values can be read there."""
    extra = [lo, hi]
    for act in acts:
        if act.definition.vector:
            continue
        for kink in act.kinks_in(lo, hi):
            extra += [np.nextafter(kink.x, -np.inf), kink.x, np.nextafter(kink.x, np.inf)]
    xs = np.unique(np.concatenate([decimal_points(lo, hi, num), np.asarray(extra, float)]))
    return xs[(xs >= lo) & (xs <= hi)]


def without_poles(xs: np.ndarray, act: Activation) -> np.ndarray:
    """``xs`` without the points within :data:`POLE_GAP` of the range of a pole of ``act``
    (nothing there is finite, and the values near it would flatten every other curve)."""
    lo, hi = float(xs[0]), float(xs[-1])
    poles = () if act.definition.vector else act.poles_in(lo, hi)
    keep = np.ones(len(xs), bool)
    for pole in poles:
        keep &= np.abs(xs - pole) >= POLE_GAP * (hi - lo)
    return xs[keep]


# --- numbers as JSON -----------------------------------------------------------------------

def numbers(values: np.ndarray) -> list[Any]:
    """An array as JSON numbers (nested lists for crelu's two outputs), ``null`` where a
    value is not finite (JSON has no inf or NaN)."""
    out: list[Any] = np.asarray(values, dtype=float).tolist()
    if np.isfinite(values).all():
        return out
    return _finite_or_none(out)


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, list):
        return [_finite_or_none(v) for v in value]
    return value if math.isfinite(value) else None


# --- the marks -------------------------------------------------------------------------------

def marks(act: Activation, rng: tuple[float, float], tau: float, output: int | None,
          found: Any = None) -> dict[str, Any] | None:
    """The annotations of one curve, as the figures draw them (:mod:`actviz.render.marks`):
    saturation and dead zones, local minima, the steepest point or plateau, corners (f'
    jumps) other than the steepest point, from :func:`actviz.analysis.analyze` (``found``:
    its result, or the ``compare`` record that holds it); and the discontinuities of f, f'
    and f'' with their one-sided values. None where the figures leave the analysis out (a
    pole in the range)."""
    lo, hi = rng
    vector = act.definition.vector
    if not vector and act.poles_in(lo, hi):
        return None
    if found is None:
        from .analysis.regions import analysis_of

        found = analysis_of(act, rng, tau, output)
    pick = (lambda v: v) if output is None else (lambda v: v[..., output])
    m = found.max_gradient
    steepest = None
    if m.interval is None and m.toward is None and m.x is not None and not m.approached:
        f0, f1 = (float(pick(v)[0]) for v in act.evaluate(np.array([m.x]), 1))
        if math.isfinite(f0) and math.isfinite(f1):  # (exp far out: f' overflows, no point)
            steepest = [m.x, f0, f1]
    corners = [] if vector else [k.x for k in act.kinks_in(lo, hi)
                                 if k.order == 1 and lo < k.x < hi and k.x != m.x]
    return {
        "saturation": [[s[0], s[1]] for s in found.saturation],
        "dead": [[s[0], s[1]] for s in found.dead],
        "minima": [[x, y] for x, y in found.minima],
        "steepest": steepest,
        "plateau": [[s[0], s[1], m.value] for s in m.intervals] if m.value != 0 else [],
        "corners": [[x, float(pick(act(np.array([x])))[0])] for x in corners],
        "ends": [] if vector else ends(act, lo, hi, pick),
    }


def ends(act: Activation, lo: float, hi: float, pick: Any) -> list[list[Any]]:
    """Each discontinuity of f, f' or f'' inside the range as ``[order, x, value there,
    [the one-sided limits that differ from it]]``, from :meth:`Activation.one_sided` (as
    :func:`actviz.render.series.breaks` finds them for the figures)."""
    found = []
    for kink in act.kinks_in(lo, hi):
        if not lo < kink.x < hi:
            continue
        for order in range(kink.order, 3):
            left, at, right = (float(pick(v)) for v in act.one_sided(kink.x, order))
            others = sorted({v for v in (left, right) if v != at})
            if others and all(map(math.isfinite, [at, *others])):
                found.append([order, kink.x, at, others])
    return found


# --- the properties --------------------------------------------------------------------------

def property_rows(records: Sequence[Any]) -> list[list[str]]:
    """``[name, label]`` of every row of ``compare`` the page shows."""
    from .tables import ROWS

    return [[row.field, row.labels(records)[0]] for row in ROWS
            if row.field not in HIDDEN_ROWS]


def property_cells(act: Activation, label: str, rng: tuple[float, float],
                   tau: float) -> tuple[dict[str, str] | None, str | None, Any]:
    """The cells of ``compare`` for one function (row name -> text, the rows that apply
    to it), or None and why not (a pole in the range); and the record."""
    from .analysis.compare import properties_of
    from .tables import ROWS

    try:
        record = properties_of(act, rng, tau, label)
    except ActvizError as exc:
        return None, str(exc), None
    cells = {row.field: row.show(record, PRECISION) for row in ROWS
             if row.field not in HIDDEN_ROWS and row.applies(record)}
    return cells, None, record


# --- the page's data -----------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    """One curve set the page can show for a function: its default, a flavour where that
    differs, or a preset."""

    group: int
    act: Activation
    spec: str
    flavor: str
    preset: str | None


def variants(index: int, named: Named,
             scope: Mapping[str, Any] | None = None) -> list[Variant]:
    """The other flavours of ``named`` (kept where they differ: :func:`differs`) and its
    presets."""
    spec = named.label
    found = [Variant(index, get(spec, flavor=flavor, scope=scope), spec, flavor, None)
             for flavor in FLAVORS[1:]]
    preset = PRESETS.get(named.act.name)
    if preset is not None and spec.strip().lower() in (named.act.name, *_aliases(named.act)):
        param, values = preset
        for member in sweep(spec, (param, values), scope=scope):
            if member.act.spec != named.act.spec:
                found.append(Variant(index, member.act, f"{spec}:{member.label}", "torch",
                                     member.label))
    return found


def differs(v: Variant, named: Named, xs: np.ndarray, base: tuple[np.ndarray, ...]) -> bool:
    """Whether a flavour's function differs from the torch flavour's: other defaults (gelu
    in jax, leaky_relu in keras) or other values on the grid (relu'(0) = 1 in keras)."""
    if v.preset is not None:
        return True
    return v.act.spec != named.act.spec or not all(
        np.array_equal(a, b, equal_nan=True)
        for a, b in zip(v.act.evaluate(xs, 2), base, strict=True))


def _aliases(act: Activation) -> tuple[str, ...]:
    return act.definition.aliases


def curve(v: Variant, xs: np.ndarray, rng: tuple[float, float], tau: float,
          values: tuple[np.ndarray, ...] | None = None) -> tuple[dict[str, Any], Any]:
    """One entry of ``functions``: the variant's x, f, f', f'', marks and properties."""
    x = without_poles(xs, v.act)
    f, df, d2f = values if values is not None and len(x) == len(xs) else v.act.evaluate(x, 2)
    outputs = v.act.definition.outputs
    per_output = [None] if outputs == 1 else list(range(outputs))
    cells, why, record = property_cells(v.act, v.spec, rng, tau)
    entry = {
        "spec": v.spec, "name": v.act.name, "flavor": v.flavor, "group": v.group,
        "preset": v.preset, "params": {k: _param(p) for k, p in v.act.params.items()},
        "outputs": outputs, "vector": v.act.definition.vector,
        "x": numbers(x), "f": numbers(f), "df": numbers(df), "d2f": numbers(d2f),
        "marks": [marks(v.act, rng, tau, k, record if outputs == 1 else None)
                  for k in per_output],
        "properties": cells, "no_properties": why,
    }
    return entry, record


def _param(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "inf" if value > 0 else "-inf"
    return value


def default_shown(labels: Sequence[str]) -> list[int]:
    """The functions shown when the page opens: all of them up to six, else a few
    well-known ones."""
    if len(labels) <= 6:
        return list(range(len(labels)))
    preferred = ("relu", "gelu", "silu", "sigmoid", "tanh")
    shown = [i for i, label in enumerate(labels) if label in preferred]
    return shown or list(range(5))


def page_data(specs: Sequence[str], rng: tuple[float, float] | None = None,
              num: int = POINTS, saturation_threshold: float = 0.05,
              flavor: str = "torch", scope: Mapping[str, Any] | None = None
              ) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data (``docs/page.md``). With no specs,
    every catalog function; without a range, [-5, 5] widened to show every kink."""
    from .catalog import names

    labels = list(specs) or names()
    named = resolve_specs(labels, "torch", scope)
    if specs:  # (every catalog name is on a page of all: swish, whose beta=1 is silu, too)
        once(named, "a page shows each function once")
    if rng is None:
        rng = auto_range([n.act for n in named])
    candidates = [variants(i, n, scope) for i, n in enumerate(named)]
    xs = page_grid(*rng, num, [n.act for n in named] + [v.act for c in candidates for v in c])
    functions: list[dict[str, Any]] = []
    records: list[Any] = []
    groups = []
    for i, n in enumerate(named):
        base = n.act.evaluate(xs, 2)
        members = [Variant(i, n.act, n.label, "torch", None),
                   *(v for v in candidates[i] if differs(v, n, xs, base))]
        ids = []
        for v in members:
            entry, record = curve(v, xs, rng, saturation_threshold,
                                  base if v.act is n.act else None)
            ids.append(len(functions))
            functions.append(entry)
            if record is not None:
                records.append(record)
        groups.append(_group(n.label, members, ids))
    return {
        "format": FORMAT, "actviz": __version__, "range": list(rng),
        "saturation_threshold": saturation_threshold, "flavor": flavor,
        "flavors": list(FLAVORS), "shown": default_shown(labels),
        "rows": property_rows(records), "groups": groups, "functions": functions,
    }


def _group(label: str, members: Sequence[Variant], ids: Sequence[int]) -> dict[str, Any]:
    flavors = {v.flavor: i for v, i in zip(members, ids, strict=True) if v.preset is None}
    presets = [[v.preset, i] for v, i in zip(members, ids, strict=True) if v.preset]
    return {"label": label, "default": ids[0], "flavors": flavors, "presets": presets}
