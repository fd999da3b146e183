"""What ``actviz compare`` reports of a function: :class:`Properties`, from :func:`analyze`
and the Gaussian statistics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from .._quadrature import integrate
from ..catalog import Activation, Named, get
from ..checks import DEFAULT_RANGE
from ..errors import ParameterError
from .regions import GRID, Analysis, Interval, MaxGradient, Scalar, Span, analysis_of, analyze

REAL_LINE = ("compare's Gaussian statistics (E[f(z)], ...) and Lipschitz constant need f, f' "
             "and f'' on the whole real line, not only on the range")
"""Why :func:`properties` needs a function finite beyond the range asked for."""

WIDE = (-50.0, 50.0)
"""Where sup |f'| over the reals is searched (with the limits at +-inf): every feature of the
catalog's functions lies well inside."""


@dataclass(frozen=True)
class Gaussian:
    """Statistics of f(z) for z ~ N(0, 1): E[f], Var[f], E[f'^2] and 1/sqrt(E[f^2]).

    For crelu, ``mean`` and ``var`` are per output and the squares are of the output vector's
    length (so ``gain`` is still one number)."""

    mean: float | list[float]
    var: float | list[float]
    grad_sq: float
    gain: float


def smoothness(act: Activation) -> str:
    """``discontinuous``, ``C0``, ``C1``, ``C2`` or ``C-inf``, from the catalog's kinks;
    ``C-inf off its pole`` (log1mexp: not defined at its pole, smooth elsewhere)."""
    if act.poles and not act.kinks:
        return "C-inf off its pole" + "s" * (len(act.poles) > 1)
    if not act.kinks:
        return "C-inf"
    lowest = min(k.order for k in act.kinks)
    return "discontinuous" if lowest == 0 else f"C{lowest - 1}"


def gaussian(act: Activation) -> Gaussian | None:
    """E[f(z)], Var[f(z)], E[f'(z)^2], 1/sqrt(E[f(z)^2]) for z ~ N(0, 1), integrated piece
    by piece between the kinks with adaptive Gauss-Kronrod quadrature, every piece's points
    in one evaluation (:mod:`actviz._quadrature`; accurate to about 1e-12); None for vector
    functions, whose value at z depends on the rest of a vector, and for functions with a
    pole, where E[f'(z)^2] diverges."""
    if act.definition.vector or act.poles:
        return None
    cuts = sorted({-40.0, 0.0, 40.0, *(k.x for k in act.kinks_in(-40.0, 40.0) if -40 < k.x < 40)})
    outputs = act.definition.outputs
    # every expectation is divided by the mass of the density as the same rule integrates it
    # (1 + 2e-16), so that a constant's mean is the constant and its variance 0
    mass, _ = integrate(lambda z: np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi), cuts)

    def expect(order: int, power: int, output: int | None, shift: float = 0.0,
               scaled: bool = False) -> Any:
        """E[(f^(order)(z) - shift)^power] (summed over outputs unless ``output`` picks
        one). f is divided by S, its size at a few points, before the power, so that f^2
        does not overflow where E[f^2] fits (leaky_relu with a slope of 1e300); where the
        expectation itself exceeds float64, it is inf, as it truly is. A first power below
        1e-14 of E[|f|] is 0: the quadrature's rounding (E[1e300 x] = 0, not 1e283). With
        ``scaled``, (E[...] / S^power, S)."""
        probe = act.evaluate(np.array([-8.0, -1.0, 0.0, 1.0, 8.0]), order)[order] - shift
        top = float(np.max(np.abs(probe)))
        scale = top if math.isfinite(top) and top > 1.0 else 1.0

        def integrand(z: np.ndarray) -> np.ndarray:
            value = (act.evaluate(z, order)[order] - shift) / scale
            value = value ** power if output is None else value[..., output] ** power
            if value.ndim > z.ndim:
                value = np.sum(value, axis=-1)
            weight = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
            return np.where(weight == 0.0, 0.0, value * weight)

        part = integrate(integrand, cuts)[0] / mass
        if power == 1:
            size, _ = integrate(lambda z: np.abs(integrand(z)), cuts)
            part = _clean(part, size / mass)
        if scaled:
            return part, scale
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.float64(part) * np.float64(scale) ** power)

    part, scale = expect(0, 2, None, scaled=True)
    mean: float | list[float]
    var: float | list[float]
    if outputs == 1:
        single = float(expect(0, 1, None))
        mean = single
        var = expect(0, 2, None, single)  # E[(f - mean)^2]: no cancellation of E[f^2] - mean^2
    else:
        means = [expect(0, 1, k) for k in range(outputs)]
        mean = means
        var = [expect(0, 2, k, m) for k, m in enumerate(means)]
    gain = 1.0 / (math.sqrt(part) * scale) if part > 0 else math.inf  # 1e-300 for 1e300*x
    return Gaussian(mean=mean, var=var, grad_sq=expect(1, 2, None), gain=gain)


def _clean(mean: float, size: float) -> float:
    """A mean below the quadrature's accuracy, 1e-14 of E[|f|], is 0: selu's is 0 by
    construction and comes out as 5.6e-17, which is noise, not information."""
    return 0.0 if abs(mean) < 1e-14 * size else mean


def sup_slope(act: Activation) -> float:
    """sup |f'| over the reals (inf when f' is unbounded): the steepest slopes on a wide
    interval, refined, and the limits of f' at +-inf. Jumps of f are not slopes: see
    :func:`lipschitz`. Next to a pole f' is unbounded: inf."""
    assert act.limits is not None
    if act.poles:
        return math.inf
    limits = [abs(v) for v in np.ravel(act.limits[1]) if not math.isnan(v)]  # NaN: none
    slopes = []
    for k in range(act.definition.outputs):
        scan = Scalar(act, WIDE, 0.0, k)
        slopes += [abs(scan.extreme_slope(+1)[0]), abs(scan.extreme_slope(-1)[0])]
    return float(max(limits + slopes))


def lipschitz(act: Activation, slope: float | None = None) -> float:
    """The Lipschitz constant over the reals: sup |f'| (``slope`` where it is known
    already: :func:`sup_slope`), or inf when f jumps anywhere (no constant bounds
    |f(a) - f(b)| / |a - b| across a jump)."""
    if any(k.order == 0 for k in act.kinks_in(*WIDE)) or any(k.order == 0 for k in act.kinks):
        return math.inf
    return sup_slope(act) if slope is None else slope


def output_range(act: Activation, result: Analysis, output: int = 0) -> Span:
    """The smallest and largest f on the range (the infimum and supremum, at jumps) as a
    span whose ends are closed where f takes them: edges, minima and maxima found by
    root-finding, the values at kinks (taken) and their one-sided limits (approached)."""
    lo, hi = result.range
    pick = (lambda v: float(np.ravel(v)[output])) if act.definition.outputs > 1 else float
    candidates = [(pick(act(lo)), True), (pick(act(hi)), True)]
    candidates += [(y, True) for _, y in (*result.minima, *result.maxima)]
    for kink in act.kinks_in(lo, hi):
        if lo <= kink.x <= hi:
            left, at, right = (pick(v) for v in act.one_sided(kink.x, 0))
            candidates += [(at, True)]
            candidates += [(left, left == at)] if kink.x > lo else []
            candidates += [(right, right == at)] if kink.x < hi else []
    xs = np.linspace(lo, hi, GRID)
    values = act(xs).reshape(GRID, -1)[:, output]
    candidates += [(float(values.min()), True), (float(values.max()), True)]
    low = min(v for v, _ in candidates)
    high = max(v for v, _ in candidates)
    taken = [any(t for v, t in candidates if v == end) for end in (low, high)]
    return Span(low, high, (taken[0], taken[1]))


def monotonic(act: Activation, result: Analysis) -> bool:
    """Whether f is non-decreasing on the range (the sense of the activation-function
    literature): f' >= 0 everywhere, and every jump goes up (the value at the jump lying
    between its one-sided limits)."""
    if result.non_monotonic:
        return False
    lo, hi = result.range
    for x in result.jumps:
        left, at, right = act.one_sided(x, 0)
        below = np.all(left <= at) if x > lo else True
        above = np.all(at <= right) if x < hi else True
        if not (below and above):
            return False
    return True


@dataclass(frozen=True)
class Properties:
    """What ``actviz compare`` reports of one function (docs/design.md, properties).

    ``output_range`` is a :class:`Span` (one per output for crelu) closed where f takes its
    bound; ``bounds`` (the limits of f at -inf and +inf), f(0), f'(0), ``lipschitz`` and
    ``sup_slope`` are None for vector functions, which are read on ``vector``; ``cost`` is
    set only when it was measured (:mod:`actviz.timing`)."""

    spec: str
    name: str
    params: dict[str, Any]
    range: Interval
    saturation_threshold: float
    output_range: Span | list[Span]
    bounds: Any
    f0: float | list[float] | None
    df0: float | list[float] | None
    monotonic: bool
    smoothness: str
    zero_centred: bool
    lipschitz: float | None
    sup_slope: float | None
    max_gradient: MaxGradient
    minima: tuple[tuple[float, float], ...]
    saturation: tuple[Span, ...]
    low_gradient: tuple[Span, ...]
    dead: tuple[Span, ...]
    kinks: tuple[float, ...]
    jumps: tuple[float, ...]
    gaussian: Gaussian | None
    act: Activation = field(repr=False, compare=False)
    """The function itself, with its flavor's parameters (for headers such as LaTeX's)."""
    vector: str | None = None
    cost: float | None = None
    gains: Any = None
    """The three gains beside PyTorch's (:class:`actviz.meanfield.Gains`), None for vector
    and two-output functions, which the mean-field theory does not cover."""

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data (JSON-ready but for infinities, which stay floats)."""
        spans = self.output_range if isinstance(self.output_range, list) else [
            self.output_range]
        return {
            "spec": self.spec, "name": self.name, "params": self.params,
            "range": list(self.range),
            "output_range": [s.to_dict() for s in spans] if len(spans) > 1
            else spans[0].to_dict(),
            "bounds": self.bounds, "f0": self.f0,
            "df0": self.df0, "monotonic": self.monotonic, "smoothness": self.smoothness,
            "zero_centred": self.zero_centred, "lipschitz": self.lipschitz,
            "sup_slope": self.sup_slope, "max_gradient": self.max_gradient.to_dict(),
            "minima": [list(m) for m in self.minima],
            "saturation": [iv.to_dict() for iv in self.saturation],
            "low_gradient": [iv.to_dict() for iv in self.low_gradient],
            "dead": [iv.to_dict() for iv in self.dead],
            "kinks": list(self.kinks), "jumps": list(self.jumps),
            "gaussian": asdict(self.gaussian) if self.gaussian is not None else None,
            "gains": _gains_dict(self.gains),
            "vector": self.vector, "cost": self.cost,
            "saturation_threshold": self.saturation_threshold,
        }


def _gains_dict(gains: Any) -> dict[str, Any] | None:
    if gains is None:
        return None
    return {key: getattr(gains, key) for key in ("forward", "backward", "edge_of_chaos",
                                                "edge_of_chaos_reason", "torch")}


def properties(spec: str | Activation, range: Interval = DEFAULT_RANGE,
               saturation_threshold: float = 0.05, flavor: str = "torch",
               label: str | None = None) -> Properties:
    """What ``actviz compare`` reports of one function; ``label`` is the spec to show
    (default: the spec as given, or the activation's own)."""
    act = get(spec, flavor=flavor)
    result = analyze(act, range, saturation_threshold)
    if label is None:
        label = spec if isinstance(spec, str) else act.spec
    return _properties(act, result, label)


def properties_of(act: Activation, range: Interval, saturation_threshold: float,
                  label: str) -> Properties:
    """:func:`properties` for a range and threshold checked already (as the commands check
    their options): a pole in the range is still refused."""
    if not act.definition.vector:
        act.check_poles(*range)
    return _properties(act, analysis_of(act, range, saturation_threshold), label)


def _properties(act: Activation, result: Analysis, label: str) -> Properties:
    vector = act.definition.vector
    bounds = None if act.limits is None else [
        np.ravel(v).tolist() if act.definition.outputs > 1 else float(v)
        for v in act.limits[0]]
    f0, df0 = act.evaluate(np.array([0.0]), 1)
    if not vector and not act.poles:
        act.check_finite(np.linspace(*WIDE, 4001), why=REAL_LINE)
    stats = gaussian(act)
    if vector:
        values = act(np.linspace(*result.range, GRID))
        spans = [Span(float(values.min()), float(values.max()))]
    else:
        outputs = np.arange(act.definition.outputs).tolist()
        spans = [output_range(act, result, k) for k in outputs]
    jumps = set(result.jumps)
    slope = None if vector else sup_slope(act)
    return Properties(
        spec=label, name=act.name, params=act.params, range=result.range,
        saturation_threshold=result.saturation_threshold,
        output_range=spans[0] if len(spans) == 1 else spans,
        bounds=bounds, f0=None if vector else _scalar_or_list(f0[0]),
        df0=None if vector else _scalar_or_list(df0[0]),
        monotonic=monotonic(act, result), smoothness=smoothness(act),
        zero_centred=stats is not None and _zero(stats.mean),
        lipschitz=None if slope is None else lipschitz(act, slope),
        sup_slope=slope, max_gradient=result.max_gradient,
        minima=result.minima, saturation=result.saturation,
        low_gradient=result.low_gradient, dead=result.dead,
        kinks=tuple(x for x in result.kinks if x not in jumps), jumps=result.jumps,
        gaussian=stats, act=act, vector=result.vector,
    )


def _scalar_or_list(value: np.ndarray) -> float | list[float]:
    return float(value) if np.ndim(value) == 0 else np.asarray(value).tolist()


def _zero(mean: float | list[float]) -> bool:
    """Zero-centred: E[f(z)] = 0 for z ~ N(0, 1), to 1e-9 (every output, for crelu)."""
    return all(abs(m) < 1e-9 for m in np.ravel(mean))


def records(functions: Sequence[Named], range: tuple[float, float],
            saturation_threshold: float, cost: bool = False) -> list[Properties]:
    """One property record per function (see :func:`properties`; ``range`` and
    ``saturation_threshold`` as the command's options checked them), with its gains
    (:func:`actviz.meanfield.gains`) where the mean-field theory covers it and the cost
    measured on this machine when ``cost`` is set: the records ``actviz compare`` reports."""
    from ..meanfield import gains

    if not functions:
        raise ParameterError("no function to compare; give at least one SPEC")
    found = []
    for named in functions:
        record = properties_of(named.act, range, saturation_threshold, named.label)
        d = named.act.definition
        if not d.vector and d.outputs == 1 and not named.act.poles:
            record = replace(record, gains=gains(named.act))
        if cost:
            from ..timing import cost as measure

            record = replace(record, cost=measure(named.act))
        found.append(record)
    return found
