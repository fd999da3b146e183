"""What compare and table report, checked against the definitions computed independently
(mpmath references sampled around every jump, fractions for the x column, pdflatex for the
LaTeX): monotonicity and Lipschitz constants across jumps, interval ends, the x grid,
reproducible and honest output."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import shutil
import subprocess
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import actviz
from actviz.analysis import properties
from actviz.checks import sample_points

from .helpers import invoke
from .reference import SCALAR

ONE_OUTPUT = sorted(spec for spec in SCALAR if actviz.get(spec).definition.outputs == 1)


def reference_samples(spec: str, lo: float = -5.0, hi: float = 5.0) -> list[mp.mpf]:
    """f from the mpmath reference on a fine grid of [lo, hi] plus both sides of every
    kink and jump (1e-9 away) and the kink itself."""
    fn = SCALAR[spec]
    xs = {mp.mpf(x) for x in np.linspace(lo, hi, 801)}
    for kink in actviz.get(spec).kinks:
        if lo <= kink.x <= hi:
            xs |= {mp.mpf(kink.x) + d for d in (mp.mpf("-1e-9"), 0, mp.mpf("1e-9"))}
    with mp.workdps(30):
        return [fn(x) for x in sorted(x for x in xs if lo <= x <= hi)]


@pytest.mark.parametrize("spec", ONE_OUTPUT)
def test_monotonic_means_non_decreasing_across_jumps(spec):
    """threshold:threshold=1,value=5 drops from 5 to 1 at x = 1: not monotonic, although
    f' >= 0 everywhere; binary_step and hardshrink only jump up: monotonic. A function with
    a pole (log1mexp at 0) is read on one side of it."""
    lo, hi = (0.1, 5.0) if actviz.get(spec).poles else (-5.0, 5.0)
    values = reference_samples(spec, lo, hi)
    expected = all(b >= a for a, b in itertools.pairwise(values))
    assert properties(spec, (lo, hi)).monotonic == expected


@pytest.mark.parametrize(("spec", "monotonic"), [
    ("threshold:threshold=1,value=5", False), ("threshold:threshold=-1,value=0", False),
    ("threshold", True), ("binary_step", True), ("hardshrink", True), ("sign", True),
    ("gelu", False)])
def test_monotonic_cases_named_in_the_issue(spec, monotonic):
    assert properties(spec).monotonic is monotonic


JUMPING = ["binary_step", "sign", "threshold", "hardshrink",
           "threshold:threshold=0.5,value=-1", "hardshrink:lambd=1"]


@pytest.mark.parametrize("spec", JUMPING)
def test_a_jump_has_no_lipschitz_constant(spec):
    """|f(k + h) - f(k - h)| / 2h grows without bound at a jump k (mpmath, h -> 1e-30)."""
    act = actviz.get(spec)
    (k, *_) = [kink.x for kink in act.kinks if kink.order == 0]
    with mp.workdps(50):
        h = mp.mpf("1e-30")
        ratio = abs(SCALAR[spec](k + h) - SCALAR[spec](k - h)) / (2 * h)
    assert ratio > 1e25
    p = properties(spec)
    assert p.lipschitz == math.inf
    assert p.jumps and k in p.jumps and k not in p.kinks
    slope = 0.0 if spec in ("binary_step", "sign") else 1.0
    assert p.sup_slope == slope


def test_jumps_are_listed_apart_from_kinks():
    p = properties("hard_swish")
    assert p.kinks == (-3.0, 3.0) and p.jumps == ()
    assert properties("binary_step").kinks == () and properties("binary_step").jumps == (0.0,)


def cells(*args):
    rows = list(csv.reader(io.StringIO(invoke("compare", *args, "-f", "csv").output)))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_every_plateau_and_the_ends_that_belong_to_it():
    """hardshrink'(+-0.5) = 0 (PyTorch), so its plateaus of f' = 1 exclude +-0.5; relu's
    includes 5 (the range end) but not 0; relu's output range [0, 5] includes both ends."""
    hardshrink, softshrink, relu, threshold = cells(
        "hardshrink", "softshrink", "relu", "threshold:threshold=1,value=5")
    assert hardshrink["max f'"] == "1 on [-5, -0.5); (0.5, 5]"
    assert softshrink["max f'"] == "1 on [-5, -0.5); (0.5, 5]"
    assert softshrink["dead zones: f' = 0"] == "[-0.5, 0.5]"
    assert relu["max f'"] == "1 on (0, 5]"
    assert relu["output range"] == "[0, 5]" and relu["dead zones: f' = 0"] == "[-5, 0]"
    # f(1) = 5 and f -> 1 from the right, never taking it: (1, 5]
    assert threshold["output range"] == "(1, 5]"


def test_interval_ends_are_written_the_same_way_in_every_format():
    markdown = invoke("compare", "relu", "-f", "markdown").output
    assert "| max f' | 1 on (0, 5] |" in markdown
    text = invoke("compare", "relu").output
    assert "1 on (0, 5]" in text
    latex = invoke("compare", "relu", "-f", "latex").output
    assert "$1$ on $(0,\\allowbreak 5]$" in latex
    record = json.loads(invoke("compare", "relu", "-f", "json").output)[0]
    assert record["max_gradient"]["intervals"] == [
        {"start": 0.0, "end": 5.0, "closed": [False, True]}]


def test_saturation_and_low_gradient_are_named_apart():
    """Saturation is the tails where f' -> 0 (sigmoid beyond 2.887); tanhshrink's flat
    stretch around 0, where tanh(x)^2 < 0.05, and leaky_relu's 0.01 slope are low gradient
    but not saturation."""
    with mp.workdps(30):
        edge = float(mp.atanh(mp.sqrt(mp.mpf("0.05"))))
    tanhshrink = properties("tanhshrink")
    assert tanhshrink.saturation == ()
    (low,) = tanhshrink.low_gradient
    assert low == pytest.approx((-edge, edge), abs=1e-9)
    assert low.closed == (False, False)
    leaky = properties("leaky_relu")
    assert leaky.saturation == () and leaky.low_gradient == ((-5.0, 0.0),)
    sigmoid = properties("sigmoid")
    assert len(sigmoid.saturation) == 2 and sigmoid.low_gradient == ()
    header = invoke("compare", "sigmoid").output
    assert "saturation: f' -> 0, |f'| < 0.05" in header
    assert "low gradient: |f'| < 0.05 elsewhere" in header


def test_softplus_slope_only_approaches_its_limit():
    p = properties("softplus", range=(-1000, 1000))
    m = p.max_gradient
    assert (m.value, m.x, m.toward) == (1.0, None, math.inf)
    (row,) = cells("softplus", "--range", "-1000", "1000")
    assert row["max f'"] == "1 as x -> inf (not reached)"


# --- the x column -------------------------------------------------------------------------------

def test_decimal_points_of_the_grid_are_exact():
    out = invoke("table", "sign", "binary_step", "relu", "--range", "-1", "1", "--num", "7",
                 "-f", "csv").output
    rows = list(csv.reader(io.StringIO(out)))[1:]
    middle = rows[3]
    assert middle[0] == "0" and middle[1] == "0" and middle[3] == "1"  # sign(0), step(0)
    text = invoke("table", "gelu", "--num", "7").output.splitlines()
    assert text[4].split() == ["0", "0", "0.5"]
    assert text[2].split()[0] == "-3.33333"  # x in the table's precision


fractions = st.fractions(min_value=-1000, max_value=1000, max_denominator=1000).map(
    lambda f: Fraction(round(f * 1000), 1000))


@settings(max_examples=200, deadline=None)
@given(fractions, fractions, st.integers(min_value=2, max_value=60))
def test_grid_points_are_the_correctly_rounded_fractions(a, b, num):
    """Every x of --range A B --num N is lo + (hi - lo) i / (N - 1), rounded once: equal to
    the exact fraction rounded to a float (within an ulp where the fraction is not a short
    decimal, exactly where it is)."""
    if a == b:
        return
    lo, hi = sorted((a, b))
    xs = sample_points((float(lo), float(hi)), num=num)
    for i, x in enumerate(xs.tolist()):
        exact = lo + (hi - lo) * Fraction(i, num - 1)
        decimal = exact.denominator in (1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 100, 125, 200, 250,
                                        500, 1000)
        if decimal:
            assert x == float(exact)
        else:
            assert abs(x - float(exact)) <= math.ulp(float(exact))


# --- reproducible and honest output -------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "csv", "markdown", "latex", "json"])
def test_compare_twice_gives_the_same_bytes(fmt):
    args = ("compare", "relu", "gelu", "softmax", "crelu", "-f", fmt)
    assert invoke(*args).output == invoke(*args).output


def test_cost_is_opt_in_and_relu_is_one():
    record = json.loads(invoke("compare", "relu", "-f", "json").output)[0]
    assert record["cost"] is None
    measured = json.loads(invoke("compare", "relu", "--cost", "-f", "json").output)[0]
    assert measured["cost"] == 1.0


def test_csv_writes_the_shortest_text_that_reads_back():
    (row,) = cells("leaky_relu:negative_slope=0.6")
    assert row["f'(0)"] == "0.6"


def test_latex_needs_no_amsmath():
    for args in (["compare", "relu", "gelu", "softmax", "crelu"],
                 ["diff", "gelu", "silu"], ["table", "gelu", "--num", "3"]):
        tex = invoke(*args, "-f", "latex").output
        assert "\\text{" not in tex and "\\text " not in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_compiles_with_booktabs_alone_and_fits_the_text_width(tmp_path):
    tables = {
        "compare": ["compare", "relu", "elu", "selu", "gelu", "silu", "-p", "4"],
        "many": ["compare", "leaky_relu", "gelu", "hardshrink", "crelu", "softmax",
                 "threshold:threshold=1,value=5", "--flavor", "keras"],
        "values": ["table", "sigmoid", "tanh", "relu", "gelu", "--points", "-3,-1,0,1,3",
                   "-p", "4"],
        "wide": ["table", "sigmoid", "tanh", "relu", "gelu", "elu", "--num", "5",
                 "--second-derivative"],
        "diff": ["diff", "gelu", "gelu:approximate=tanh"],
    }
    body = []
    for name, args in tables.items():
        (tmp_path / f"{name}.tex").write_text(invoke(*args, "-f", "latex").output)
        body.append(f"\\begin{{table}}\\centering\\input{{{name}}}\\end{{table}}\\clearpage")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
        + "\n".join(body) + "\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "doc.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert done.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log, [line for line in log.splitlines()
                                          if "Overfull" in line]
