"""User formulas in every command and in batch configs (define:), with sweeps over their
parameters, byte-identical reruns, and one-line errors that point into the formula."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

import actviz

from .helpers import invoke

PSWISH = "x*sigmoid(beta*x); beta=1.5"


def test_plot_table_compare_diff_info_take_formulas(tmp_path):
    plotted = invoke("plot", "x*tanh(softplus(x))", "mish", cwd=tmp_path)
    assert plotted.exit_code == 0, plotted.output
    (path,) = plotted.output.split()
    assert (tmp_path / path).read_bytes()[:4] == b"\x89PNG"
    table = invoke("table", "x*sigmoid(1.702*x)", "quick_gelu", "--points", "-1,0,2", "-f",
                   "csv").output
    rows = list(csv.reader(io.StringIO(table)))[1:]
    for row in rows:  # the formula and the catalog's quick_gelu agree to the last digit
        assert float(row[1]) == pytest.approx(float(row[3]), rel=1e-15)
        assert float(row[2]) == pytest.approx(float(row[4]), rel=1e-15)
    records = json.loads(invoke("compare", "gelu", "x*sigmoid(1.702*x)", "-f", "json").output)
    assert records[1]["spec"] == "x*sigmoid(1.702*x)" and records[1]["smoothness"] == "C-inf"
    diff = json.loads(invoke("diff", "silu", "x*sigmoid(x)", "-f", "json").output)
    assert diff["max_abs"] < 1e-15
    info = invoke("info", "x*tanh(softplus(x))").output
    assert "computed exactly from the formula" in info


def test_a_formula_with_kinks_gets_them_and_its_dead_zone():
    p = actviz.analysis.properties("max(x, 0)")
    assert p.kinks == (0.0,) and p.dead == ((-5.0, 0.0),)
    assert p.max_gradient.intervals == ((0.0, 5.0),)
    assert p.max_gradient.intervals[0].closed == (False, True)  # max'(0) = 0, as relu'(0)


def test_sweeps_over_a_formula_parameter(tmp_path):
    result = invoke("plot", PSWISH, "--sweep", "beta=0.5,1,2", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    fig = actviz.plot(PSWISH, sweep="beta=0.5,1,2")
    gids = [line.get_gid() for line in fig.axes[0].get_lines()
            if (line.get_gid() or "").startswith("curve:")]
    assert gids == ["curve:beta=0.5:0", "curve:beta=1:0", "curve:beta=2:0"]


CONFIG = """\
output_dir: out
define:
  pswish: {formula: "x*sigmoid(beta*x)", params: {beta: 1.5}, title: "Parametric swish"}
  twice: "2*pswish(x, beta=1)"
jobs:
  - {kind: plot, functions: [pswish, "pswish:beta=3", silu]}
  - {kind: plot, functions: [pswish], sweep: {beta: [0.5, 1, 2]}}
  - {kind: table, functions: [pswish, twice, "pswish:beta=1"], points: [-1, 0, 2], format: csv}
  - {kind: compare, functions: [pswish, twice], format: json}
  - {kind: diff, functions: [pswish, silu], image: png}
"""


def test_a_config_defines_functions_that_work_like_catalog_names(tmp_path):
    (tmp_path / "c.yaml").write_text(CONFIG)
    for jobs in ("1", "2"):
        result = invoke("batch", "c.yaml", "--jobs", jobs, "--output-dir", f"j{jobs}",
                        cwd=tmp_path)
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "j1").iterdir())
    assert len(names) == 6
    for name in names:  # reproducible, and the same in worker processes
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes()
    rows = list(csv.reader(io.StringIO((tmp_path / "j1/table_pswish_twice_pswish_beta-1.csv")
                                       .read_text())))
    silu = actviz.get("silu")
    for row in rows[1:]:
        x = float(row[0])
        assert float(row[3]) == pytest.approx(2 * float(silu(x)), rel=1e-15)  # twice
        assert float(row[5]) == pytest.approx(float(silu(x)), rel=1e-15)  # pswish:beta=1
        assert float(row[1]) == pytest.approx(x / (1 + math.exp(-1.5 * x)), rel=1e-14)


@pytest.mark.parametrize(("text", "message"), [
    ("define:\n  bad: \"x*tanh(sofplus(x))\"\njobs: [{kind: plot, functions: [bad]}]\n",
     "c.yaml:2: define.bad: in 'x*tanh(sofplus(x))': unknown function 'sofplus' at column 8 "
     "(did you mean 'softplus'?)"),
    ("define:\n  p: {formula: \"x\", params: {beta: x}}\njobs: [{kind: plot, functions: [p]}]\n",
     "c.yaml:2: define.p.params.beta: must be a number, got 'x'"),
    ("define:\n  p: {formla: x}\njobs: [{kind: plot, functions: [p]}]\n",
     "c.yaml:2: define.p: unknown key 'formla' (did you mean 'formula'?); a definition takes "
     "formula, params, title"),
    ("define: [x]\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: define: must be a mapping of names to formulas"),
    ("jobs: [{kind: plot, functions: [pswish]}]\n",
     "c.yaml:1: jobs[0].functions[0]: unknown activation 'pswish'"),
])
def test_define_problems_are_reported_with_their_line(tmp_path, text, message):
    (tmp_path / "c.yaml").write_text(text)
    result = invoke("batch", "c.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith(message), result.output


ERRORS = [
    (["plot", "x*tanh(sofplus(x))"],
     "Error: in 'x*tanh(sofplus(x))': unknown function 'sofplus' at column 8. Did you mean "
     "'softplus'?"),
    (["table", "x*(x+1"], "Error: in 'x*(x+1': "),
    (["compare", "__import__('os')"], "Error: in '__import__('os')': "),
    (["diff", "relu", "x.real"], "Error: in 'x.real': "),
    (["plot", "log(x)"], "Error: 'log(x)': f is not finite at x = -5 (it is NaN there)"),
    (["plot", "exp(exp(exp(x)))"],  # the first grid point past log(log(709.78)) = 1.8817
     "Error: 'exp(exp(exp(x)))': f is not finite at x = 1.89 (it is inf there)"),
]


@pytest.mark.parametrize(("args", "start"), ERRORS, ids=[a[1] for a, _ in ERRORS])
def test_a_bad_formula_is_one_line_and_exit_2(tmp_path, args, start):
    result = invoke(*args, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith(start) and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
