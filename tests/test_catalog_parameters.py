"""Every parameterised function at extreme but accepted parameter values (huge, tiny,
subnormal, negative where allowed) and extreme inputs: no floating-point warning, and f, f',
f'' right (finite wherever the true value is) against closed forms in mpmath. Parameter
values a function cannot honour are refused with their valid range."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from actviz import ParameterError
from actviz.catalog import get

from .reference import EXACT

MAX = 1.7976931348623157e308
POSITIVE = [5e-324, 1e-310, 1e-300, 1e-200, 1e-20, 1e-5, 0.5, 2.0, 1e5, 1e20, 1e200, 1e300,
            1e308, MAX]
ANY = [-v for v in reversed(POSITIVE)] + [0.0] + POSITIVE
INPUTS = [-1e308, -1e300, -1e200, -1e100, -1e20, -800.0, -40.0, -3.0, -1.0, -1e-5, -1e-300,
          -5e-324, 0.0, 5e-324, 1e-300, 1e-5, 1.0, 3.0, 40.0, 800.0, 1e20, 1e100, 1e200, 1e300,
          1e308]


def _sweep() -> list[tuple[str, dict[str, float]]]:
    cases: list[tuple[str, dict[str, float]]] = []
    cases += [("leaky_relu", {"negative_slope": a}) for a in ANY]
    cases += [("prelu", {"weight": a}) for a in ANY]
    cases += [("rrelu", {"lower": a, "upper": a}) for a in ANY]
    cases += [("rrelu", {"lower": -MAX, "upper": MAX}), ("rrelu", {"lower": -MAX, "upper": 0.0})]
    cases += [("rrelu", {"lower": 0.0, "upper": 2 * a}) for a in POSITIVE[2:-2]]
    cases += [("elu", {"alpha": a}) for a in [0.0, *POSITIVE]]
    cases += [("celu", {"alpha": a}) for a in POSITIVE if a >= 1e-300]
    cases += [("swish", {"beta": a}) for a in POSITIVE]
    cases += [("softplus", {"beta": a}) for a in POSITIVE]
    cases += [("squareplus", {"b": a}) for a in POSITIVE]
    cases += [("isru", {"alpha": a}) for a in POSITIVE]
    cases += [("isrlu", {"alpha": a}) for a in POSITIVE]
    cases += [("softshrink", {"lambd": a}) for a in [0.0, *POSITIVE]]
    cases += [("hardshrink", {"lambd": a}) for a in [0.0, *POSITIVE]]
    cases += [("threshold", {"threshold": a, "value": v}) for a in ANY for v in (-a, a, 0.0)]
    cases += [("hardtanh", {"min_val": -a, "max_val": a}) for a in POSITIVE]
    cases += [("hardtanh", {"min_val": a, "max_val": MAX}) for a in ANY[:-1]]
    cases += [("hardtanh", {"min_val": -MAX, "max_val": a}) for a in ANY[1:]]
    cases += [("smish", {"alpha": a, "beta": 1.0}) for a in POSITIVE]
    cases += [("smish", {"alpha": 1.0, "beta": b}) for b in POSITIVE]
    cases += [("smish", {"alpha": a, "beta": a}) for a in (1e-300, 1e300, MAX)]
    cases += [("relu", {"negative_slope": a, "threshold": 1.0}) for a in ANY]
    cases += [("relu", {"negative_slope": a, "max_value": 3.0}) for a in ANY]
    cases += [("relu", {"max_value": m}) for m in POSITIVE]
    cases += [("relu", {"threshold": t, "negative_slope": 0.5}) for t in [0.0, *POSITIVE[:-1]]]
    cases += [("relu", {"threshold": t, "max_value": MAX, "negative_slope": -2.0})
              for t in POSITIVE[:-1]]
    return cases


CASES = _sweep()


def _inputs(params: dict[str, float]) -> list[float]:
    """The fixed extremes, and points on the scale each parameter sets (p and 1/p)."""
    xs = set(INPUTS)
    for p in params.values():
        for scale in (abs(p), 1 / abs(p) if abs(p) > 1e-308 else 0.0):
            for c in (0.5, 1.0, 2.0, 40.0):
                if 0 < scale * c < MAX:
                    xs.update((scale * c, -scale * c))
        xs.update((p, math.nextafter(p, -math.inf), math.nextafter(p, math.inf)))
    return sorted(x for x in xs if math.isfinite(x))


def _digits(x: float, params: dict[str, float]) -> int:
    """Enough digits for the cancellations at this scale: sqrt(x^2 + b) + x for x << 0 loses
    2 log10(|x| / sqrt(b)), 1 + e^(-t) loses nothing that mpmath's expm1 and log1p keep."""
    decades = [abs(math.log10(abs(v))) for v in (x, *params.values()) if v != 0]
    return min(1500, 40 + 2 * int(sum(decades)))


OVERFLOW = mp.mpf(2) ** 1024 - mp.mpf(2) ** 970  # MAX + half an ulp: rounds to inf from here


def _matches(ours: float, true: mp.mpf, rtol: float) -> bool:
    if abs(true) >= OVERFLOW:  # the true value is beyond float64: inf of its sign
        return math.isinf(ours) and (ours > 0) == (true > 0)
    if abs(true) <= 1e-300:  # only absolutely close below that
        return abs(ours - float(true)) <= 1e-300
    return math.isfinite(ours) and abs((mp.mpf(ours) - true) / true) <= rtol


def _spec(name: str, params: dict[str, float]) -> str:
    return name + ":" + ",".join(f"{k}={v!r}" for k, v in params.items())


@pytest.mark.parametrize(("name", "params"), CASES, ids=[_spec(*c) for c in CASES])
def test_extreme_parameters_give_the_true_values_without_warnings(name, params):
    xs = _inputs(params)
    with np.errstate(all="raise"):
        act = get(name, **params)
        outs = act.evaluate(np.array(xs), 2)
        ends = act.evaluate(np.array([-math.inf, math.inf, math.nan]), 2)
    exact = EXACT[act.name]
    wrong = []
    for i, x in enumerate(xs):
        with mp.workdps(_digits(x, params)):
            true = exact({k: mp.mpf(v) for k, v in act.params.items()
                          if not isinstance(v, str)})(mp.mpf(x))
            for order in range(3):
                ours = float(outs[order][i])
                if not _matches(ours, true[order], 1e-12):
                    wrong.append((order, x, ours, mp.nstr(true[order], 10)))
    assert not wrong, wrong[:8]
    for order, (at_minus, at_plus) in enumerate(act.limits):
        assert ends[order][0] == at_minus and ends[order][1] == at_plus
        assert math.isnan(ends[order][2])
    with np.errstate(all="raise"):  # the metadata is computed from the parameters, too
        assert all(math.isfinite(k.x) for k in act.kinks)
        assert all(not math.isnan(v) for pair in act.limits for v in pair)


@pytest.mark.parametrize(("spec", "message"), [
    ("celu:alpha=5e-324", "celu: alpha must be >= 1e-300 (f'' jumps by 1/alpha at 0, which "
                          "must stay inside float64), got 5e-324"),
    ("celu:alpha=9.9e-301", "celu: alpha must be >= 1e-300"),
    ("celu:alpha=0", "celu: alpha must be >= 1e-300"),
    ("celu:alpha=-1", "celu: alpha must be >= 1e-300"),
])
def test_parameters_that_cannot_be_honoured_are_refused_with_their_range(spec, message):
    with pytest.raises(ParameterError) as info:
        get(spec)
    assert str(info.value).startswith(message)


def test_the_reported_cases_of_issue_21():
    """leaky_relu:negative_slope=1e308 gave f(3) = NaN, prelu:weight=2 NaN at 1e308, celu
    with a subnormal alpha NaN everywhere."""
    assert float(get("leaky_relu:negative_slope=1e308")(3.0)) == 3.0
    assert float(get("leaky_relu:negative_slope=1e308")(-3.0)) == -math.inf  # -3e308
    assert float(get("prelu:weight=2")(1e308)) == 1e308
    assert float(get("prelu:weight=2")(-1e308)) == -math.inf  # -2e308
    assert float(get("prelu:weight=2")(-1e307)) == -2e307
    with pytest.raises(ParameterError):
        get("celu:alpha=1e-310")
    assert float(get("celu:alpha=1e-300")(-1.0)) == -1e-300
