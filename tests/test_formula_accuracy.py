"""Every value a formula yields is right, or NaN with the reason: formulas generated at random
(with the idioms that lose digits as typed, in their different spellings) against mpmath at
high precision, f, f' and f'' at ordinary, tiny and huge inputs.

"Right" (README, "Your own functions"): within 1e-9 of the exact value, relatively, or, next to
a zero of that value, within what moving x by 2^-40 of itself changes it (no formula keeps
relative digits there; the catalog does not either); below 1e-300 absolutely; an exact value
beyond the largest double is +-inf. A NaN where the exact value is a finite real number must
come with the reason (``act.why``), which commands print.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actviz
from actviz import ActvizError

from .reference import digits_for
from .stored import Needed, stored

SLACK = 2.0 ** -40
POINTS = [-1e300, -1e16, -1e3, -37.5, -2.3, -0.6, -1e-8, 0.0, 1e-20, 0.4, 1.7, 19.0, 40.0,
          710.5, 1e16, 1e300]
LIGHT_POINTS = [-1e300, -1e3, -2.3, -0.6, 0.0, 1e-20, 0.4, 1.7, 40.0, 710.5, 1e16]


def _sigmoid(u):
    return 1 / (1 + mp.exp(-u))


def _softplus(u):
    return mp.log1p(mp.exp(u)) if u < 0 else u + mp.log1p(mp.exp(-u))


# name: (formula template, mpmath function of the argument(s))
UNARY: dict[str, tuple[str, Callable]] = {
    "exp": ("exp({})", mp.exp), "sin": ("sin({})", mp.sin), "cos": ("cos({})", mp.cos),
    "tanh": ("tanh({})", mp.tanh), "sigmoid": ("sigmoid({})", _sigmoid),
    "softplus": ("softplus({})", _softplus), "erf": ("erf({})", mp.erf),
    "sqrt": ("sqrt({})", mp.sqrt), "log": ("log({})", mp.log), "square": ("({})^2", None),
    "neg": ("-({})", None), "arctan": ("arctan({})", mp.atan),
    # the idioms, each in more than one spelling
    "log(1+exp)": ("log(1 + exp({}))", _softplus),
    "log(exp+1)": ("log(exp({}) + 1)", _softplus),
    "log1p(exp)": ("log1p(exp({}))", _softplus),
    "exp/(1+exp)": ("exp({0})/(1 + exp({0}))", _sigmoid),
    "1/(1+exp(-))": ("1/(1 + exp(-({})))", _sigmoid),
    "1/(exp(0-)+1)": ("1/(exp(0 - ({})) + 1)", _sigmoid),
    "softsign": ("({0})/(1 + abs({0}))", lambda u: u / (1 + abs(u))),
    "log(1+u)": ("log(1 + {})", mp.log1p),
    "exp-1": ("exp({}) - 1", mp.expm1),
    "1-tanh^2": ("1 - tanh({})^2", lambda u: mp.sech(u) ** 2),
    "1-tanh*tanh": ("1 - tanh({0})*tanh({0})", lambda u: mp.sech(u) ** 2),
    "sqrt(u^2+1)": ("sqrt(({})^2 + 1)", lambda u: mp.sqrt(u * u + 1)),
    "sqrt(4+u*u)": ("sqrt(4 + ({0})*({0}))", lambda u: mp.sqrt(u * u + 4)),
}
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b}
CONSTANTS = [0.5, 1.5, 2.0, 3.0, 0.1, 1e-3, 40.0]


def _trees(max_leaves: int):
    leaf = st.one_of(st.just(("x",)), st.sampled_from(CONSTANTS).map(lambda c: ("c", c)))
    return st.recursive(leaf, lambda kids: st.one_of(
        st.tuples(st.sampled_from(sorted(BINARY)), kids, kids),
        st.tuples(st.sampled_from(sorted(UNARY)), kids)), max_leaves=max_leaves)


def text(node) -> str:
    kind = node[0]
    if kind == "x":
        return "x"
    if kind == "c":
        return repr(node[1])
    if kind in BINARY:
        return f"({text(node[1])}) {kind} ({text(node[2])})"
    return UNARY[kind][0].format(text(node[1]))


def reference(node) -> Callable:
    kind = node[0]
    if kind == "x":
        return lambda t: t
    if kind == "c":
        value = mp.mpf(node[1])
        return lambda t: value
    if kind in BINARY:
        a, b, op = reference(node[1]), reference(node[2]), BINARY[kind]
        return lambda t: op(a(t), b(t))
    inner = reference(node[1])
    if kind == "square":
        return lambda t: inner(t) ** 2
    if kind == "neg":
        return lambda t: -inner(t)
    g = UNARY[kind][1]
    return lambda t: g(inner(t))


def _grows(node) -> int:
    """How many exponentials are nested (exp(exp(exp(x))) at 1e300 is beyond mpmath)."""
    if node[0] in ("x", "c"):
        return 0
    inner = max(_grows(child) for child in node[1:])
    return inner + ("exp" in node[0] or node[0] in ("sigmoid", "softplus", "tanh"))


def exact_jet(fn: Callable, x: float, orders: int = 3, extra: int = 0) -> list | None:
    """f(x), f'(x), ... (up to f^(orders)) by mpmath at a precision raised until two rounds
    agree to 20 digits; None where f is not a finite real number near x. ``extra`` digits to
    start with save rounds where a derivative lies that many decades below f (softplus'' at
    600 is e^-600)."""
    digits = digits_for(x) + 20 + extra
    previous = values = None
    for _ in range(4):
        try:
            with mp.workdps(digits):
                xm = mp.mpf(x)
                values = [fn(xm)] + [mp.diff(fn, xm, k) for k in range(1, orders + 1)]
        except (ZeroDivisionError, OverflowError, ValueError, MemoryError, TypeError):
            return None  # (TypeError: a complex number compared, log of a negative one)
        if any(not isinstance(v, mp.mpf) or not mp.isfinite(v) for v in values):
            return None
        if previous is not None and all(
                abs(v - p) <= mp.mpf(10) ** -20 * max(abs(v), mp.mpf(10) ** -330)
                for v, p in zip(values, previous, strict=True)):
            return values
        previous, digits = values, digits + 60
    # a derivative that never settled is the differentiation's noise around an exact 0
    # (sigmoid''(0) comes out as 1e-74, 1e-134, 1e-194, 1e-254): below 1e-200 of the
    # others, it is 0
    assert values is not None and previous is not None
    scale = max(abs(v) for v in previous) + 1
    return [v if abs(v) > mp.mpf(10) ** -200 * scale else mp.mpf(0) for v in previous]


def decades(outs, i: int) -> int:
    """How many decades our f^(k) at point i lie below our f (a starting precision for the
    reference, nothing more)."""
    sizes = [abs(float(out[i])) for out in outs]
    top = max([s for s in sizes if math.isfinite(s)] + [1.0])
    low = min([s for s in sizes if math.isfinite(s) and s > 0] + [top])
    return int(min(700.0, math.log10(top / low)))


def right(ours: float, exact, slope, x: float) -> bool:
    """Within 1e-9 relative, or the slack next to a zero (what moving x by 2^-40 of |x|, or by
    2^-40 at x = 0, changes), or absolutely below 1e-300, or an
    overflow where the exact value is beyond the largest double."""
    if abs(exact) > mp.mpf(np.finfo(float).max):
        return ours == math.copysign(math.inf, float(mp.sign(exact)))
    if not math.isfinite(ours):
        return False
    err = abs(mp.mpf(ours) - exact)
    if abs(exact) <= mp.mpf(1e-300) and err <= mp.mpf(1e-300):
        return True
    return err <= 1e-9 * abs(exact) + SLACK * (abs(x) if x != 0 else 1.0) * abs(slope)


def check(tree, points) -> None:
    spec = text(tree)
    try:
        act = actviz.get(spec)
    except ActvizError:
        return  # a constant part that is not finite: refused, with a message
    fn = reference(tree)
    xs = np.array(points, dtype=np.float64)
    if _grows(tree) >= 2:
        xs = xs[np.abs(xs) <= 40]
    outs = act.evaluate(xs, 2)
    for i, x in enumerate(xs.tolist()):
        near = 1e-6 * max(1.0, abs(x))
        if act.kinks_in(x - near, x + near) or act.poles_in(x - near, x + near):
            continue
        exact = exact_jet(fn, x, extra=decades(outs, i))
        if exact is None:
            continue
        for k in range(3):
            ours = float(outs[k][i])
            if math.isnan(ours):
                assert act.why(x, k) is not None, (spec, x, k, "NaN without a reason")
                continue
            assert right(ours, exact[k], exact[k + 1], x), (spec, x, k, ours, exact[k])


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_trees(4))
def test_random_formulas_are_right_or_say_why(tree):
    check(tree, LIGHT_POINTS)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_trees(6))
def test_many_more_random_formulas_are_right_or_say_why(tree):
    check(tree, POINTS)


# --- the README's claims about formulas ------------------------------------------------------

EXTREMES = [-1e300, -1e16, -800.0, -709.9, -40.0, -19.5, -1.0, -1e-8, 0.0, 1e-20, 0.5, 19.5,
            355.0, 600.0, 709.9, 710.0, 800.0, 1e8, 1e16, 1e300]

# (spellings, the stable form info names, mpmath reference)
IDIOMS = [
    (["log1p(exp(x))", "log(1 + exp(x))", "log(exp(x) + 1)"], "softplus(x)", _softplus),
    (["exp(x)/(1 + exp(x))", "exp(x)/(exp(x) + 1)", "1/(1 + exp(-x))", "1/(1 + exp(0 - x))",
      "1/(exp(-1*x) + 1)", "1/(1 + e^(-x))", "(1 + exp(-x))^(-1)"], "sigmoid(", _sigmoid),
    (["x/(1 + abs(x))", "x/(abs(x) + 1)"], "softsign(x)", lambda t: t / (1 + abs(t))),
    (["log(1 + 3*x)", "log(3*x + 1)"], "log1p(", lambda t: mp.log1p(3 * t)),
    (["exp(x/4) - 1", "-1 + exp(x/4)"], "expm1(", lambda t: mp.expm1(t / 4)),
    (["1 - tanh(x)^2", "1 - tanh(x)*tanh(x)", "-tanh(x)^2 + 1"], "sech^2(x)",
     lambda t: mp.sech(t) ** 2),
    (["sqrt(x^2 + 4)", "sqrt(4 + x*x)", "(x^2 + 4)^0.5"], "hypot(x, sqrt(4))",
     lambda t: mp.sqrt(t * t + 4)),
    (["x + sqrt(x^2 + 4)", "sqrt(x*x + 4) + x"], "squareplus(x, b=4)",
     lambda t: t + mp.sqrt(t * t + 4)),
]


def _jets(key: str, ref: Callable, spellings: list[str]) -> Needed:
    """f, f', f'', f^(3) of an mpmath reference at the EXTREMES away from every spelling's
    kinks (the first spelling's values only set the starting precision)."""
    acts = [actviz.get(spec) for spec in spellings]
    xs = [x for x in EXTREMES if not any(
        act.kinks_in(x - 1e-6 * max(1.0, abs(x)), x + 1e-6 * max(1.0, abs(x))) for act in acts)]

    def compute() -> list[list[mp.mpf] | None]:
        outs = acts[0].evaluate(np.array(xs), 2)
        return [exact_jet(ref, x, extra=decades(outs, i)) for i, x in enumerate(xs)]

    return Needed(key, "jet", xs, compute)


def references() -> list[Needed]:
    """The mpmath jets the tests of the README's claims read (tests/stored.py)."""
    return ([_jets(spellings[0], ref, spellings) for spellings, _, ref in IDIOMS]
            + [_jets(spec, fn, [spec]) for spec, fn in OVERFLOWING.items()])


def _stored_jet(key: str, x: float) -> list[mp.mpf] | None:
    return stored("formula_accuracy", key, "jet", x)


@pytest.mark.parametrize(("spellings", "stable"), [(sp, st) for sp, st, _ in IDIOMS],
                         ids=[spellings[0] for spellings, _, _ in IDIOMS])
def test_the_readme_idioms_are_stable_whatever_their_spelling(spellings, stable):
    """Every spelling is recognised (info lists it) and gives f, f', f'' right at every one of
    EXTREMES (against mpmath, stored): log1p(exp(x)) is x above 709.78 with f'' below 1e-154
    from 355 on (once inf and -inf, 1.0 and 0), x/(1 + abs(x)) has f' = 1e-32 at 1e16 (once
    0)."""
    xs = np.array(EXTREMES)
    for spec in spellings:
        act = actviz.get(spec)
        assert any(stable in note for note in act.rewrites), (spec, act.rewrites)
        outs = act.evaluate(xs, 2)
        for i, x in enumerate(EXTREMES):
            near = 1e-6 * max(1.0, abs(x))
            if act.kinks_in(x - near, x + near):
                continue  # softsign'' jumps at 0
            exact = _stored_jet(spellings[0], x)
            if exact is None:
                continue
            for k in range(3):
                ours = float(outs[k][i])
                assert right(ours, exact[k], exact[k + 1], x), (spec, x, k, ours, exact[k])


def test_the_readme_numbers_of_the_idioms():
    softplus = actviz.get("log(1 + exp(x))")
    f, d, dd = softplus.evaluate(np.array([400.0, 709.9, 800.0]), 2)
    assert f.tolist() == [400.0, 709.9, 800.0] and d.tolist() == [1.0, 1.0, 1.0]
    assert np.all((dd >= 0) & (dd < 1e-154))
    softsign = actviz.get("x/(1 + abs(x))")
    assert float(softsign.derivative(1e16)) == pytest.approx(1e-32, rel=1e-12)


def test_a_nan_comes_with_its_reason_from_python():
    act = actviz.get("1-cos(x)")
    value = act(np.array([1e-8, 0.5]))
    assert math.isnan(value[0]) and value[1] == pytest.approx(1 - math.cos(0.5), rel=1e-15)
    reason = act.why(1e-8, 0)
    assert reason is not None and "the terms of '1-cos(x)' cancel" in reason
    assert act.why(0.5, 0) is None and actviz.get("log(x)").why(-1.0, 0) is None


def test_the_readme_kinks_are_the_doubles_nearest_the_true_points():
    assert [k.x for k in actviz.get("where(x*x < 4, x, 2*x)").kinks_in(-5, 5)] == [-2.0, 2.0]
    assert [k.x for k in actviz.get("abs(sin(x))").kinks_in(1, 5)] == [math.pi]
    nearest = float(mp.sqrt(2))  # correctly rounded, at mpmath's 15+ digits
    assert [k.x for k in actviz.get("abs(x*x - 2)").kinks_in(-5, 5)] == [-nearest, nearest]
    with mp.workdps(50):
        assert list(actviz.get("tan(x)").poles_in(-5, 5)) == [
            float(s * mp.pi / 2) for s in (-3, -1, 1, 3)]


# formulas with an intermediate that overflows far out, and their mpmath references
OVERFLOWING: dict[str, Callable] = {
    "log(1 + 2*exp(x))": lambda t: mp.log(1 + 2 * mp.exp(t)),
    "exp(x)/(2 + exp(x))": lambda t: mp.exp(t) / (2 + mp.exp(t)),
    "1/(1 + exp(x))^2": lambda t: 1 / (1 + mp.exp(t)) ** 2,
    "x*exp(x)*exp(-x)": lambda t: t * mp.exp(t) * mp.exp(-t),
    "exp(2*x)/(1 + exp(x))^2": lambda t: mp.exp(2 * t) / (1 + mp.exp(t)) ** 2,
    "(exp(x) - exp(-x))/(exp(x) + exp(-x))": mp.tanh,
    "log(exp(x))": lambda t: t,
}


@pytest.mark.parametrize("spec", list(OVERFLOWING))
def test_an_overflow_inside_is_never_a_wrong_number(spec):
    """Not idioms: an intermediate (exp(x), its square in f'') overflows far out, and inf*0
    or inf - inf would once have made f, f' or f'' a wrong finite number. Each value is now
    right (against mpmath, stored) or NaN with a reason that names the overflow."""
    act = actviz.get(spec)
    xs = np.array(EXTREMES)
    outs = act.evaluate(xs, 2)
    for i, x in enumerate(EXTREMES):
        exact = _stored_jet(spec, x)
        if exact is None:
            continue
        for k in range(3):
            ours = float(outs[k][i])
            if math.isnan(ours):
                assert act.why(x, k) is not None, (spec, x, k)
            else:
                assert right(ours, exact[k], exact[k + 1], x), (spec, x, k, ours, exact[k])
