"""actviz table, compare and diff: the seed article's tables, every format parsed back,
Gaussian statistics against mpmath quadrature, errors."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
import sys

import mpmath as mp
import pytest

from actviz.analysis import difference, properties
from actviz.catalog import resolve_specs

from .helpers import heavy_imports, invoke
from .reference import SCALAR

SEED_X = list(range(-5, 6))
# ../shared/seeds/activation-functions-article-with-tables.md, its printed outputs:
SEED = {
    "sigmoid": (3, [0.007, 0.018, 0.047, 0.119, 0.269, 0.5, 0.731, 0.881, 0.953, 0.982,
                    0.993]),
    "tanh": (2, [-1.0, -1.0, -1.0, -0.96, -0.76, 0.0, 0.76, 0.96, 1.0, 1.0, 1.0]),
    "relu": (None, [0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]),
    "leaky_relu": (None, [-0.05, -0.04, -0.03, -0.02, -0.01, 0.0, 1, 2, 3, 4, 5]),
    "softmax": (3, [0.0, 0.0, 0.0, 0.001, 0.002, 0.004, 0.012, 0.031, 0.086, 0.233, 0.632]),
}


run = invoke


def parse_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], [[float(c) for c in row] for row in rows[1:]]


@pytest.mark.parametrize("name", sorted(SEED))
def test_seed_article_tables_are_reproduced(name):
    decimals, expected = SEED[name]
    result = run("table", name, "--range", "-5", "5", "-f", "csv", "--no-derivative")
    assert result.exit_code == 0
    header, rows = parse_csv(result.output)
    assert header == ["x", name]
    assert [row[0] for row in rows] == SEED_X
    values = [row[1] for row in rows]
    if decimals is None:
        assert values == pytest.approx(expected, abs=1e-15)
    else:
        assert [round(v, decimals) for v in values] == expected


def test_default_text_table_has_x_then_value_then_derivative():
    lines = run("table", "sigmoid", "--range", "-5", "5").output.splitlines()
    assert lines[0].split() == ["x", "sigmoid", "sigmoid'"]
    assert len(lines) == 12
    assert lines[6].split() == ["0", "0.5", "0.25"]
    assert lines[1].split() == ["-5", "0.00669285", "0.00664806"]  # 6 significant digits


def test_step_prints_decimal_x_without_drift():
    result = run("table", "relu", "--range", "-1", "1", "--step", "0.1", "--no-derivative")
    xs = [line.split()[0] for line in result.output.splitlines()[1:]]
    assert len(xs) == 21
    assert xs[0] == "-1" and xs[13] == "0.3" and xs[-1] == "1"
    assert "0.30000000000000004" not in result.output
    # the end point only when a step lands on it
    out = run("table", "relu", "--range", "0", "1", "--step", "0.3", "-f", "csv").output
    assert [row[0] for row in parse_csv(out)[1]] == [0, 0.3, 0.6, 0.9]


def test_points_and_second_derivative_columns():
    out = run("table", "gelu", "--points", "-1,0,2.5", "--second-derivative", "-f", "csv")
    header, rows = parse_csv(out.output)
    assert header == ["x", "gelu", "gelu'", "gelu''"]
    assert [r[0] for r in rows] == [-1.0, 0.0, 2.5]
    assert rows[1][1:] == [0.0, 0.5, pytest.approx(2 / math.sqrt(2 * math.pi), rel=1e-15)]


def test_csv_full_precision_round_trips_exactly():
    out = run("table", "gelu", "tanh", "--num", "101", "-f", "csv").output
    header, rows = parse_csv(out)
    import actviz

    xs = [r[0] for r in rows]
    assert [r[1] for r in rows] == actviz.get("gelu")(xs).tolist()
    assert [r[4] for r in rows] == actviz.get("tanh").derivative(xs).tolist()
    assert header == ["x", "gelu", "gelu'", "tanh", "tanh'"]


def test_precision_option():
    out = run("table", "sigmoid", "--points", "1", "-f", "csv", "-p", "3").output
    assert out.splitlines()[1] == "1,0.731,0.197"
    out = run("table", "sigmoid", "--points", "1", "-p", "2").output
    assert out.splitlines()[1].split() == ["1", "0.73", "0.2"]


def test_json_structure_and_values():
    data = json.loads(run("table", "elu:alpha=0.5", "crelu", "--points", "-1,1", "-f",
                          "json", "--second-derivative").output)
    assert data["x"] == [-1.0, 1.0]
    elu, crelu = data["functions"]
    assert elu["spec"] == "elu:alpha=0.5" and elu["name"] == "elu"
    assert elu["params"] == {"alpha": 0.5}
    assert elu["value"][0] == pytest.approx(0.5 * (math.exp(-1) - 1), rel=1e-15)
    assert set(elu) == {"spec", "name", "params", "value", "derivative", "second_derivative"}
    assert crelu["value"] == [[0.0, 1.0], [1.0, 0.0]]


def test_markdown_rows_parse_back():
    out = run("table", "relu", "elu", "--num", "5", "-f", "markdown").output
    lines = out.splitlines()
    assert lines[0] == "| x | relu | relu' | elu | elu' |"
    assert lines[1] == "|---:|---:|---:|---:|---:|"
    rows = [[float(c) for c in line.strip("| ").split(" | ")] for line in lines[2:]]
    assert [r[0] for r in rows] == [-5.0, -2.5, 0.0, 2.5, 5.0]
    assert rows[1][3] == pytest.approx(math.exp(-2.5) - 1, abs=5e-7)


def parse_latex_rows(text):
    """Numbers of a value table; each is two cells, its integer part and the rest (columns
    r@{}l, aligned on the point: issue 19)."""
    body = text.split("\\midrule\n")[1].split("\\bottomrule")[0]
    rows = []
    for line in body.strip().splitlines():
        cells = [c.strip().strip("$") for c in line.rstrip("\\ ").split("&")]
        numbers = [a + b for a, b in zip(cells[::2], cells[1::2], strict=True)]
        rows.append([float(re.sub(r"(\{\})?\\times10\^\{(-?\d+)\}", r"e\2", c))
                     for c in numbers])
    return rows


def test_latex_booktabs_with_math_headers_parses_back():
    out = run("table", "sigmoid", "--points", "-20,0,3", "-f", "latex").output
    # issue 19: each column of numbers is r@{}l, aligned on the point, its head over both
    assert out.startswith("\\begin{tabular}{r@{}lr@{}lr@{}l}\n\\toprule\n")
    assert ("\\multicolumn{2}{c}{$x$} & \\multicolumn{2}{c}{$\\sigma(x)$} & "
            "\\multicolumn{2}{c}{$\\sigma'(x)$} \\\\") in out
    assert out.endswith("\\bottomrule\n\\end{tabular}\n")
    rows = parse_latex_rows(out)
    assert rows[0][0] == -20.0
    assert rows[0][1] == pytest.approx(2.06115e-9, rel=1e-6)  # written as 2.06115\times10^{-9}
    assert rows[2][1] == pytest.approx(0.952574, rel=1e-6)
    head = run("table", "elu:alpha=0.5", "--points", "0", "-f", "latex").output
    assert r"$\mathrm{ELU}_{\alpha=0.5}(x)$" in head


def test_output_file_format_from_extension_and_path_printed(tmp_path):
    result = run("table", "relu", "-o", "tables/relu.md", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.output == "tables/relu.md\n"
    assert (tmp_path / "tables/relu.md").read_text().startswith("| x | relu | relu' |")
    assert run("table", "relu", "-o", "r.tex", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "r.tex").read_text().startswith("\\begin{tabular}")
    run("table", "relu", "-o", "r.json", cwd=tmp_path)
    assert json.loads((tmp_path / "r.json").read_text())["x"][0] == -5.0
    run("table", "relu", "-o", "r.txt", "-f", "csv", cwd=tmp_path)  # --format wins
    assert (tmp_path / "r.txt").read_text().startswith("x,relu,relu'")


NOT_FINITE = ("Warning: 6 of 11 points have values that are not finite (in log(x), log(x)'), "
              "the first at x = -1; they are written as nan, inf or -inf (null in JSON)\n")


@pytest.mark.parametrize("fmt", ["text", "csv", "markdown", "latex", "json"])
def test_a_table_of_values_that_are_not_finite_says_so_and_is_still_written(tmp_path, fmt):
    """log(x) on [-1, 1] at 11 points: NaN at the five x < 0 and -inf at 0 (math.log refuses
    all six), finite elsewhere. One line on stderr, exit 0, the table whole."""
    xs = [i / 5 for i in range(-5, 6)]
    bad = [x for x in xs if x <= 0]  # where math.log has no finite value
    assert len(bad) == 6 and bad[0] == -1
    result = run("table", "log(x)", "--range", "-1", "1", "-f", fmt)
    assert result.exit_code == 0
    assert result.stderr == NOT_FINITE
    assert "nan" in result.stdout.lower() or "null" in result.stdout
    written = run("table", "log(x)", "--range", "-1", "1", "-o", f"t.{fmt}", "-f", fmt,
                  cwd=tmp_path)
    assert written.exit_code == 0 and written.stderr == NOT_FINITE
    assert (tmp_path / f"t.{fmt}").read_text() == result.stdout


def test_a_finite_table_says_nothing_and_a_batch_job_warns_with_its_line(tmp_path):
    assert run("table", "log(x)", "--range", "0.5", "1").stderr == ""
    (tmp_path / "c.yaml").write_text("jobs:\n  - {kind: table, name: t, functions: [relu]}\n"
                                     "  - {kind: table, name: u, functions: ['log(x)'], "
                                     "range: [-1, 1], format: csv}\n")
    result = run("batch", "c.yaml", "--jobs", "1", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stderr == "Warning: jobs[1] (line 3): " + NOT_FINITE[len("Warning: "):]
    assert (tmp_path / "output/u.csv").read_text().count("nan") == 10


def test_vector_functions_over_the_sampled_vector():
    _, rows = parse_csv(run("table", "softmax", "--num", "11", "-f", "csv").output)
    assert sum(r[1] for r in rows) == pytest.approx(1.0, rel=1e-15)


def test_large_tables_stream_in_blocks(tmp_path):
    result = run("table", "sigmoid", "--range", "0", "12", "--step", "0.0001", "-f", "csv",
                 "-o", "big.csv", cwd=tmp_path)
    assert result.exit_code == 0
    lines = (tmp_path / "big.csv").read_text().splitlines()
    assert len(lines) == 120002
    assert lines[-1].startswith("12,")
    assert lines[30001].startswith("3,")


TABLE_ERRORS = [
    (["table", "relu", "--step", "0"], 2, "Error: step must be > 0, got 0"),
    (["table", "relu", "--step", "-1"], 2, "Error: step must be > 0, got -1"),
    (["table", "relu", "--step", "x"], 2, "Error: step must be numbers, got 'x'"),
    (["table", "relu", "--points", "a,b"], 2, "Error: points must be numbers, got 'a'"),
    (["table", "relu", "--points", "1,inf"], 2, "Error: points must be finite, got 'inf'"),
    (["table", "relu", "--num", "0"], 2, "Error: num must be between 2 and 1000000, got 0"),
    (["table", "relu", "--range", "1", "1"], 2, "Error: range MIN must be below MAX, got 1 1"),
    (["table", "relu", "--num", "5", "--step", "1"], 2,
     "Error: give one of num, step and points, not num and step"),
    (["table", "relu", "--range", "0", "1", "--step", "1e-7"], 2,
     "Error: the table would have 10000001 rows; at most 1000000 are written"),
    (["table", "relu", "-o", "t.xlsx"], 2,
     "Error: cannot tell the format from the extension '.xlsx' of t.xlsx; use one of .txt, "
     ".text, .csv, .md, .markdown, .tex, .latex, .json or give --format"),
    (["table", "rleu"], 2, "Error: unknown activation 'rleu'. Did you mean 'relu'?"),
    (["diff", "gelu", "softmax"], 2,
     "Error: diff compares functions of one input and one output; softmax is not one"),
    (["compare", "relu", "--range", "3", "-3"], 2,
     "Error: range MIN must be below MAX, got 3 -3"),
    # a format that contradicts the extension, a figure's included (issue 19)
    (["table", "relu", "-f", "csv", "-o", "t.png"], 2,
     "Error: --format csv contradicts the extension of t.png, a png figure; give -o t.csv"),
    (["compare", "relu", "-f", "latex", "-o", "c.pdf"], 2,
     "Error: --format latex contradicts the extension of c.pdf, a pdf figure; give -o c.tex"),
    (["plot", "relu", "-f", "svg", "-o", "p.json"], 2,
     "Error: --format svg contradicts the extension of p.json, a json table; give -o p.svg"),
    (["diff", "relu", "elu", "-f", "csv", "-o", "d.json"], 2,
     "Error: --format csv contradicts the extension of d.json, which is json; give one of "
     "them, or make them agree"),
    (["diff", "relu", "elu", "-o", "d.xlsx"], 2,
     "Error: cannot tell what to write from the extension of d.xlsx: a table (.txt, .text, "
     ".csv, .md, .markdown, .tex, .latex, .json) or the figure (.png, .svg, .pdf); or give "
     "--format for a table"),
]


@pytest.mark.parametrize(("args", "code", "message"), TABLE_ERRORS,
                         ids=[" ".join(a) for a, _, _ in TABLE_ERRORS])
def test_bad_input(tmp_path, args, code, message):
    result = run(*args, cwd=tmp_path)
    assert result.exit_code == code
    assert result.output == message + "\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["table", "relu", "-f", "xml"], ["diff", "gelu"],
                                  ["compare"]])
def test_usage_errors(tmp_path, args):
    result = run(*args, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith("Error: ")
    assert list(tmp_path.iterdir()) == []


# --- compare ------------------------------------------------------------------------------------

def normal_expectation(fn, power=1, order=0):
    """E[g(z)^power], z ~ N(0, 1), by mpmath quadrature split at 0 (where the catalog's
    piecewise functions have their kinks)."""
    with mp.workdps(30):
        def integrand(z):
            value = fn(z) if order == 0 else mp.diff(fn, z, order)
            return value**power * mp.npdf(z)

        return float(mp.quad(integrand, [-mp.inf, 0, mp.inf]))


def test_gaussian_statistics_against_mpmath():
    selu = properties("selu").gaussian
    assert selu.mean == pytest.approx(0.0, abs=1e-8)  # the self-normalising fixed point
    assert selu.var == pytest.approx(1.0, abs=1e-8)
    assert selu.mean == pytest.approx(normal_expectation(SCALAR["selu"]), abs=1e-8)
    relu = properties("relu").gaussian
    assert relu.gain == pytest.approx(math.sqrt(2), abs=1e-8)
    a = 0.2
    leaky = properties(f"leaky_relu:negative_slope={a}").gaussian
    assert leaky.gain == pytest.approx(math.sqrt(2 / (1 + a * a)), abs=1e-8)
    tanh = properties("tanh").gaussian
    e_f2 = normal_expectation(SCALAR["tanh"], 2)
    assert e_f2 == pytest.approx(0.3942944904, abs=1e-10)
    assert tanh.var + tanh.mean ** 2 == pytest.approx(e_f2, abs=1e-8)
    sigmoid = properties("sigmoid").gaussian
    e_d2 = normal_expectation(SCALAR["sigmoid"], 2, order=1)
    assert e_d2 == pytest.approx(0.04483624135, abs=1e-10)
    assert sigmoid.grad_sq == pytest.approx(e_d2, abs=1e-8)
    gelu = properties("gelu").gaussian
    assert gelu.mean == pytest.approx(normal_expectation(SCALAR["gelu"]), abs=1e-8)


def test_compare_json_keys_and_values():
    result = run("compare", "relu", "gelu", "-f", "json")
    assert result.exit_code == 0
    relu, gelu = json.loads(result.output)
    assert set(relu) >= {"spec", "name", "params", "range", "output_range", "bounds", "f0",
                         "df0", "monotonic", "smoothness", "zero_centred", "lipschitz",
                         "sup_slope", "max_gradient", "minima", "saturation", "low_gradient",
                         "dead", "kinks", "jumps", "gaussian", "vector", "cost"}
    assert relu["bounds"] == [0.0, None]  # JSON has no infinity: +inf is written as null
    assert relu["smoothness"] == "C0" and relu["monotonic"] is True
    # relu'(0) = 0, so the plateau of f' = 1 is (0, 5], open at 0
    assert relu["max_gradient"]["intervals"] == [{"start": 0.0, "end": 5.0,
                                                  "closed": [False, True]}]
    assert relu["dead"] == [{"start": -5.0, "end": 0.0, "closed": [True, True]}]
    assert relu["output_range"] == {"start": 0.0, "end": 5.0, "closed": [True, True]}
    assert relu["kinks"] == [0.0] and relu["jumps"] == []
    assert relu["cost"] is None  # measured only with --cost: the output is reproducible
    assert gelu["smoothness"] == "C-inf" and gelu["monotonic"] is False
    assert gelu["lipschitz"] == pytest.approx(1.128904145, abs=1e-9)
    assert gelu["output_range"]["start"] == pytest.approx(-0.169971207, abs=1e-9)
    assert gelu["zero_centred"] is False
    assert json.loads(run("compare", "tanh", "-f", "json").output)[0]["zero_centred"] is True


def test_smoothness_classes():
    expected = {"binary_step": "discontinuous", "relu": "C0", "elu": "C1", "isrlu": "C2",
                "tanh": "C-inf", "celu": "C1", "hardshrink": "discontinuous"}
    for spec, cls in expected.items():
        assert properties(spec).smoothness == cls


def test_lipschitz_is_over_the_reals():
    assert properties("relu_squared").lipschitz == math.inf
    assert properties("leaky_relu:negative_slope=-2").lipschitz == 2.0
    assert properties("hard_swish").lipschitz == 1.5


def test_every_table_format_has_its_writer_with_its_extensions():
    """The formats and extensions the options check (actviz.paths, read without importing
    the writers) are those the writers write."""
    from actviz.paths import EXTENSIONS, FORMATS, TABLE_FORMATS
    from actviz.writers import WRITERS

    assert tuple(WRITERS) == FORMATS == ("text", "csv", "markdown", "latex", "json")
    assert {name: w.extensions for name, w in WRITERS.items()} == TABLE_FORMATS
    assert EXTENSIONS == {"txt": "text", "text": "text", "csv": "csv", "md": "markdown",
                          "markdown": "markdown", "tex": "latex", "latex": "latex",
                          "json": "json"}


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_compare_text_fits_the_terminal_and_formats_parse(monkeypatch):
    from actviz.analysis import records as compare_records
    from actviz.writers import WRITERS

    specs = ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish"]
    records = compare_records(resolve_specs(specs), (-5.0, 5.0), 0.05)
    monkeypatch.setenv("COLUMNS", "100")
    screen = Terminal()
    WRITERS["text"].properties(screen, records)
    assert max(len(line) for line in screen.getvalue().splitlines()) <= 100
    monkeypatch.setenv("COLUMNS", "80")
    narrow = Terminal()
    WRITERS["text"].properties(narrow, records)
    assert max(len(line) for line in narrow.getvalue().splitlines()) <= 80
    text = run("compare", *specs).output  # not a terminal: one block, however wide
    assert text.splitlines()[0].split() == specs
    assert all(spec in text for spec in specs)
    md = run("compare", "relu", "elu", "-f", "markdown").output.splitlines()
    assert md[0] == "| property | relu | elu |"
    assert any(line.startswith("| smoothness | C0 | C1 |") for line in md)
    rows = list(csv.DictReader(io.StringIO(run("compare", "relu", "elu", "-f", "csv").output)))
    assert [r["spec"] for r in rows] == ["relu", "elu"]
    assert float(rows[0]["forward gain 1/sqrt(E[f^2])"]) == pytest.approx(math.sqrt(2), rel=1e-15)
    tex = run("compare", "relu", "elu", "-f", "latex").output
    assert "$\\mathrm{ReLU}$ & \\raggedright\\hspace{0pt}$\\mathrm{ELU}$ \\tabularnewline" in tex
    cell = "\\raggedright\\hspace{0pt}"
    assert f"smoothness & {cell}$C^{{0}}$ & {cell}$C^{{1}}$" in tex


# --- diff ---------------------------------------------------------------------------------------

def test_diff_exact_and_tanh_gelu():
    d = difference("gelu", "gelu:approximate=tanh")
    assert d.max_abs == pytest.approx(4.732e-4, abs=5e-8)
    # independently: where d/dx (gelu - gelu_tanh) = 0, by mpmath
    with mp.workdps(30):
        def gap(t):
            return SCALAR["gelu"](t) - SCALAR["gelu:approximate=tanh"](t)

        x0 = float(mp.findroot(lambda t: mp.diff(gap, t), d.max_abs_x))
        peak = float(abs(gap(mp.mpf(x0))))
    assert d.max_abs_x == pytest.approx(x0, abs=1e-7)
    assert d.max_abs == pytest.approx(peak, rel=1e-9)
    assert abs(d.max_abs_x) == pytest.approx(2.6989, abs=1e-3)
    assert 0 < d.mean_abs < d.max_abs


def test_diff_where_the_functions_agree_is_a_stretch_not_every_grid_point():
    """relu and elu agree for x > 0; relu6 - hardtanh is 5 on [6, 8] (6 - 1) and its slope
    differs by 1 on (-1, 0] (hardtanh'(-1) = 0 by PyTorch's convention, relu6' = 0 there) and
    [1, 6) (relu6'(6) = 0); relu and relu(x) + 1 differ by 1 everywhere."""
    out = run("diff", "relu", "elu", "--range", "0.5", "5").output.splitlines()
    assert out[1].split() == ["max", "|f_A", "-", "f_B|", "0", "on", "the", "whole", "range"]
    assert out[2].split()[-5:] == ["0", "on", "the", "whole", "range"]
    d = difference("relu6", "hardtanh", (-3, 8))
    assert (d.max_abs, d.max_abs_at, d.max_abs_on) == (5.0, (), ((6.0, 8.0),))
    assert d.max_abs_derivative == 1.0 and d.max_abs_derivative_at == ()
    assert d.max_abs_derivative_on == ((-1.0, 0.0), (1.0, 6.0))
    assert [s.closed for s in d.max_abs_derivative_on] == [(False, True), (True, False)]
    assert d.max_abs_derivative_x == 0.0  # taken there; -1, the open end, is not
    data = json.loads(run("diff", "relu6", "hardtanh", "--range", "-3", "8", "-f",
                          "json").output)
    assert data["max_abs_derivative_on"] == [
        {"start": -1.0, "end": 0.0, "closed": [False, True]},
        {"start": 1.0, "end": 6.0, "closed": [True, False]}]
    text = run("diff", "relu6", "hardtanh", "--range", "-3", "8").output
    assert "1  on (-1, 0] and [1, 6)" in text
    shifted = difference("relu", "relu(x) + 1")
    assert (shifted.max_abs, shifted.max_abs_on, shifted.mean_abs) == (1.0, ((-5.0, 5.0),), 1.0)
    # a peak is still a point: gelu and its tanh form differ most at two points
    peaks = difference("gelu", "gelu:approximate=tanh")
    assert len(peaks.max_abs_at) == 2 and peaks.max_abs_on == ()


def test_diff_command_text_json_and_image(tmp_path):
    out = run("diff", "gelu", "gelu:approximate=tanh").output
    assert out.splitlines()[0] == "A = gelu, B = gelu:approximate=tanh, on [-5, 5]"
    assert "max |f_A - f_B|" in out and "0.000473236" in out
    data = json.loads(run("diff", "gelu", "quick_gelu", "-f", "json").output)
    assert set(data) == {"a", "b", "range", "max_abs", "max_abs_x", "max_abs_derivative",
                         "max_abs_derivative_x", "mean_abs", "max_abs_at",
                         "max_abs_derivative_at", "max_abs_approached",
                         "max_abs_derivative_approached", "max_abs_on",
                         "max_abs_derivative_on"}
    result = run("diff", "relu", "softplus", "-o", "d.png", cwd=tmp_path)
    assert result.exit_code == 0
    # the table on stdout stays parseable: the file written is said on stderr
    assert result.stderr == "d.png\n" and "d.png" not in result.stdout
    assert (tmp_path / "d.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(("name", "fmt"), [("d.json", "json"), ("d.csv", "csv"),
                                           ("d.md", "markdown"), ("d.tex", "latex"),
                                           ("d.txt", "text")])
def test_diff_output_extension_picks_the_table_format(tmp_path, name, fmt):
    """-o with a table's extension writes the table there, as a batch diff job does, and
    nothing on the terminal but its path; the same bytes as -f on the terminal."""
    result = run("diff", "gelu", "gelu:approximate=tanh", "-o", name, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output == name + "\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]
    terminal = run("diff", "gelu", "gelu:approximate=tanh", "-f", fmt).stdout
    assert (tmp_path / name).read_text() == terminal


def test_depth_output_extension_picks_the_table_format(tmp_path):
    result = run("depth", "relu", "--layers", "3", "-o", "d.csv", cwd=tmp_path)
    assert result.exit_code == 0 and result.output == "d.csv\n"
    assert (tmp_path / "d.csv").read_text() == run("depth", "relu", "--layers", "3", "-f",
                                                   "csv").stdout


@pytest.mark.parametrize("args", [["diff", "gelu", "relu", "-o", "f.pdf"],
                                  ["diff", "gelu", "relu", "-o", "f.svg"],
                                  ["plot", "gelu", "-o", "f.pdf"],
                                  ["depth", "relu", "--layers", "3", "-o", "f.pdf"]])
def test_figures_say_nothing_but_their_path(tmp_path, args):
    """matplotlib's PDF font subsetting (fontTools) logs that a font's 'created' timestamp
    looks low; nothing of it may reach the user's terminal. A fresh process: pytest's own
    logging set-up would catch the message in process."""
    result = subprocess.run([sys.executable, "-m", "actviz", *args], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ("" if args[0] == "plot" else args[-1] + "\n")
    assert (tmp_path / args[-1]).stat().st_size > 0


def test_diff_figure_takes_size_dpi_style_and_title(tmp_path):
    """A diff figure sized for a journal column, in greys, with its own title."""
    from matplotlib.colors import to_rgb
    from PIL import Image

    from actviz.analysis import difference
    from actviz.catalog import get
    from actviz.render import plot_difference

    result = run("diff", "gelu", "gelu:approximate=tanh", "--size", "column", "--dpi", "200",
                 "--style", "grayscale", "--title", "GELU: exact - tanh", "-o", "d.png",
                 cwd=tmp_path)
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "d.png") as image:
        assert image.size[0] == round(3.3 * 200)
    a, b = get("gelu"), get("gelu:approximate=tanh")
    fig = plot_difference(difference(a, b), a, b, dpi=200, size="column", style="grayscale",
                          title="GELU: exact - tanh")
    assert fig.get_size_inches()[0] == pytest.approx(3.3)
    assert fig.get_suptitle() == "GELU: exact - tanh"
    drawn = [line for ax in fig.axes for line in ax.get_lines()
             if (line.get_gid() or "").startswith(("curve:", "max_difference"))]
    assert len(drawn) == 2 + 4  # two curves, two marks in each panel
    for line in drawn:
        r, g, b_ = to_rgb(line.get_color())
        assert max(r, g, b_) - min(r, g, b_) < 0.02, line.get_gid()
    plain = plot_difference(difference(a, b), a, b)
    assert plain.get_suptitle() == "A = gelu,  B = gelu:approximate=tanh"
    assert plot_difference(difference(a, b), a, b, title="").get_suptitle() == ""


@pytest.mark.parametrize("args", [["table", "sigmoid"], ["compare", "relu", "gelu"],
                                  ["diff", "gelu", "silu"]])
def test_tables_never_import_matplotlib(args):
    assert "matplotlib" not in heavy_imports(*args)


def test_table_of_sigmoid_imports_neither_matplotlib_nor_scipy():
    assert heavy_imports("table", "sigmoid") == ["actviz.writers"]


def test_a_reader_that_stops_early_gets_no_error():
    """`actviz table ... | head -2`: quiet exit with the SIGPIPE status, no message. (30000
    rows, about 1 MB, are 16 times a pipe's 64 KiB buffer: the command must write into a
    closed pipe; 300000 rows cost 8 CPU-seconds for no more checking.)"""
    process = subprocess.Popen([sys.executable, "-m", "actviz", "table", "sigmoid", "--num",
                                "30000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().split() == [b"x", b"sigmoid", b"sigmoid'"]
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    assert err == b""
