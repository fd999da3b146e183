"""The command line through click's CliRunner: output, exit codes and exact error messages."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import actviz
from actviz.cli import cli

from .helpers import heavy_imports


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"actviz, version {actviz.__version__}\n"


@pytest.mark.parametrize("command", [[], ["list"], ["info"]])
def test_help_with_examples_and_short_flag(command):
    result = run(*command, "-h")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert result.output == run(*command, "--help").output


def test_every_option_help_carries_an_example():
    for name, command in cli.commands.items():
        for param in command.params:
            if getattr(param, "help", None) and param.name != "help":
                assert "Example" in param.help, (name, param.name)


def test_list_text_has_one_row_per_function():
    result = run("list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "FAMILY", "PARAMETERS", "ALIASES"]
    rows = {line.split()[0]: line for line in lines[1:] if line and not line.startswith(" ")}
    assert set(actviz.names()) <= set(rows)
    assert "negative_slope=0.01 [keras: 0.2]" in rows["leaky_relu"]
    assert "logistic" in rows["sigmoid"]
    assert f"{len(actviz.names())} functions." in result.output


def test_list_json():
    data = json.loads(run("list", "--format", "json").output)
    assert [row["name"] for row in data] == actviz.names()
    elu = next(row for row in data if row["name"] == "elu")
    assert elu["params"] == {"alpha": 1.0}
    assert elu["family"] == "ReLU-like"


def test_info_text_states_the_convention_at_the_kink():
    result = run("info", "relu")
    assert result.exit_code == 0
    assert "f(x)        max(0, x)" in result.output
    assert "x = 0: kink, f' jumps from 0 to 1; f'(0) = 0 (PyTorch autograd)" in result.output
    assert "Nair & Hinton (2010)" in result.output


def test_info_with_parameters_and_flavor():
    out = run("info", "leaky_relu", "--flavor", "keras").output
    assert "negative_slope = 0.2" in out
    assert out.startswith("leaky_relu:negative_slope=0.2: Leaky ReLU")
    out = run("info", "selu").output
    assert "f'(0) = 1.7581 (PyTorch autograd)" in out


def test_info_json_spells_infinity_as_null():
    data = json.loads(run("info", "elu:alpha=0.5", "-f", "json").output)
    assert data["spec"] == "elu:alpha=0.5"
    assert data["params"][0] == {"name": "alpha", "value": 0.5, "default": 1.0,
                                 "domain": ">= 0",
                                 "doc": "value of the negative saturation is -alpha"}
    assert data["limits"]["f"] == [-0.5, None]
    assert data["kinks"] == [{"x": 0.0, "kind": "kink", "order": 1,
                              "source": "PyTorch autograd", "left": 0.5, "right": 1.0,
                              "at": 0.5}]


ERRORS = [
    (["info", "rleu"], "Error: unknown activation 'rleu'. Did you mean 'relu'?"),
    (["info", "xyzzy"], "Error: unknown activation 'xyzzy'. Run 'actviz list' to see them all."),
    (["spectrum", "erf"],
     "Error: unknown activation 'erf'. erf is a function of formulas: write 'erf(x)'."),
    (["info", "elu:alhpa=1"],
     "Error: elu has no parameter 'alhpa'. Did you mean 'alpha'? It takes: alpha (default 1)"),
    (["info", "rrelu:slope=1"],
     "Error: rrelu has no parameter 'slope'. It takes: lower (default 0.125), "
     "upper (default 0.3333333333333333)"),
    (["info", "sigmoid:alpha=1"], "Error: sigmoid takes no parameters, got 'alpha'"),
    (["info", "softplus:beta=0"], "Error: softplus: beta must be > 0, got 0"),
    (["info", "swish:beta=-1"], "Error: swish: beta must be > 0, got -1"),
    (["info", "elu:alpha=abc"], "Error: elu: alpha must be a number, got 'abc'"),
    (["info", "elu:alpha=inf"], "Error: elu: alpha must be finite, got inf"),
    (["info", "rrelu:lower=0.5,upper=0.2"],
     "Error: rrelu: lower must be <= upper, got lower=0.5, upper=0.2"),
    (["info", "hardtanh:min_val=1,max_val=-1"],
     "Error: hardtanh: min_val must be < max_val, got min_val=1, max_val=-1"),
    (["info", "gelu:approximate=foo"],
     "Error: gelu: approximate must be none or tanh, got 'foo'"),
    (["info", "elu:"], "Error: spec 'elu:' has nothing after ':'; write NAME:KEY=VALUE"),
    (["info", "elu:alpha"], "Error: spec 'elu:alpha': 'alpha' is not KEY=VALUE"),
    (["info", "elu:alpha=1,alpha=2"],
     "Error: spec 'elu:alpha=1,alpha=2': parameter 'alpha' is given twice"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_bad_input_is_one_line_with_exit_code_2(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output == message + "\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "actviz", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out == f"actviz, version {actviz.__version__}\n"


@pytest.mark.parametrize("args", [["--help"], ["list"], ["info", "relu"], ["info", "gelu"],
                                  ["list", "-f", "json"]])
def test_light_commands_import_neither_matplotlib_nor_scipy(args):
    assert heavy_imports(*args) == []


def test_compare_of_catalog_functions_imports_no_scipy():
    """Gaussian statistics by actviz._quadrature, edges of chaos by actviz._roots, gelu's
    erfc from the C library: compare of six functions takes 0.4x the CPU time it took when
    it imported scipy.optimize."""
    assert "scipy" not in heavy_imports("compare", "relu", "gelu", "silu", "mish", "elu",
                                        "selu")


@pytest.mark.parametrize("args", [["plot", "relu", "-o", "r.png"], ["compare", "gelu", "relu"],
                                  ["table", "sigmoid", "elu:alpha=2"],
                                  ["diff", "gelu", "gelu:approximate=tanh"]])
def test_commands_without_a_formula_do_not_load_the_formula_engine(args, tmp_path):
    """Issue 12: a command that uses no formula pays no start-up cost for them."""
    with contextlib.chdir(tmp_path):
        assert "actviz.formula.compile" not in heavy_imports(*args)


def test_a_figure_loads_no_table_writer(tmp_path):
    """The plot command's start-up is measured (benchmarks/run.py): it imports what it draws
    with and no table code."""
    with contextlib.chdir(tmp_path):
        assert heavy_imports("plot", "sigmoid", "-o", "s.png") == ["matplotlib"]
        assert "actviz.writers" in heavy_imports("table", "sigmoid", "-o", "s.csv")
        # gelu's erfc comes from the C library on a figure's few thousand points: no scipy
        assert heavy_imports("plot", "gelu", "silu", "mish", "-o", "g.png") == ["matplotlib"]


def test_a_formula_loads_the_formula_engine():
    assert "actviz.formula.compile" in heavy_imports("table", "x*sigmoid(x)")


def test_a_function_of_formulas_given_as_a_name_is_told_the_formula_to_write():
    """Every function word of the formula language (its grammar's tables) is a catalog name,
    or its error names a formula, and that formula is one actviz takes."""
    import re

    import actviz
    from actviz.formula.elementary import ELEMENTARY
    from actviz.formula.syntax import SPECIAL_FUNCTIONS

    for word in (*ELEMENTARY, *SPECIAL_FUNCTIONS):
        try:
            actviz.get(word)
        except actviz.UnknownActivationError as exc:
            (formula,) = re.findall(r"is a function of formulas: write '(.+)'\.$", str(exc))
            assert actviz.get(formula).name, word
