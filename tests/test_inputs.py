"""Every input answered: what a fuzzer of the command line, the API and configs found, each
case a one-line error or the right output; and property-based tests (hypothesis) of the spec
parser, the option checks and the config loader: random input gives a result or an
ActvizError, never another exception."""

from __future__ import annotations

import json
import os
import stat
import threading
import warnings
from contextlib import suppress
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actviz
from actviz import checks
from actviz.catalog import parse_spec
from actviz.config import ConfigError, load
from actviz.jobs import COMMANDS

from .helpers import invoke

# --- one-line errors ----------------------------------------------------------------------------

ERRORS = [
    (["plot", "relu", "--range", "-1e308", "1e308"], 2,
     "Error: range must lie within -1e15 and 1e15, got -1e+308 1e+308"),
    (["compare", "relu", "--range", "-1e308", "1e308"], 2,
     "Error: range must lie within -1e15 and 1e15, got -1e+308 1e+308"),
    (["plot", "relu", "--dpi", "2"], 2, "Error: dpi must be between 20 and 2400, got 2"),
    (["plot", "relu", "--dpi", "0.5"], 2, "Error: dpi must be between 20 and 2400, got 0.5"),
    (["plot", "relu", "-o", ""], 2, "Error: -o must name a file, got ''"),
    (["diff", "relu", "elu", "-o", ""], 2, "Error: -o must name a file, got ''"),
    (["plot", "relu", "--range", "1e-300", "2e-300"], 2,
     "Error: range 1e-300 2e-300 is too narrow to draw: a figure's range must be wider than "
     "1e-280 and than 1e-9 of its largest |x| (table and compare take it)"),
    (["diff", "relu", "elu", "--range", "1", "1.000000000001", "-o", "d.png"], 2,
     "Error: range 1 1.000000000001 is too narrow to draw: a figure's range must be wider "
     "than 1e-280 and than 1e-9 of its largest |x| (table and compare take it)"),
    (["plot", "relu", "-o", ".png"], 2,
     "Error: -o .png has no name before its extension; give one, such as -o result.png"),
    (["table", "relu", "-o", "sub/.csv"], 2,
     "Error: -o sub/.csv has no name before its extension; give one, such as -o "
     "sub/result.csv"),
    (["plot", "relu", "-o", "."], 2, "Error: -o . is a folder; name a file in it, such as "
     "-o result.png for a figure or result.csv for a table"),
    (["table", "relu", "-o", ".."], 2, "Error: -o .. is a folder; name a file in it, such as "
     "-o ../result.png for a figure or ../result.csv for a table"),
    (["diff", "gelu", "relu", "-o", "figs/"], 2, "Error: -o figs/ is a folder; name a file in "
     "it, such as -o figs/result.png for a figure or figs/result.csv for a table"),
    (["depth", "tanh", "-o", "/"], 2, "Error: -o / is a folder; name a file in it, such as "
     "-o /result.png for a figure or /result.csv for a table"),
    (["plot", "relu", "--size", "0.1", "1e-300"], 2,
     "Error: size must be between 1 and 100 inches, got 0.1"),
    (["plot", "relu", "--size", "1", "1"], 2,
     "Error: the figure does not fit in 1 x 1 inches; give a larger --size, at least 1.7 3.7"),
    (["table", "relu", "--step", "1e-30000"], 2,
     "Error: the table would have more than 10**15 rows; at most 1000000 are written"),
    (["plot", "relu", "--format", "pdf", "-o", "x.png"], 2,
     "Error: --format pdf contradicts the extension of x.png, which is png; give one of them, "
     "or make them agree"),
    (["table", "relu", "-f", "csv", "-o", "t.md"], 2,
     "Error: --format csv contradicts the extension of t.md, which is markdown; give one of "
     "them, or make them agree"),
    (["table", "relu", "--points", "0", "--range", "1", "2"], 2,
     "Error: give points or range, not both: points are the x values"),
    (["plot", "relu", "--size", "100", "100", "--dpi", "600"], 2,
     "Error: the figure would have 3600000000 pixels (100 x 100 in at 600 dpi); at most "
     "100000000 are drawn: lower --dpi or --size"),
    (["plot", "relu", "elu", "--num", "6000000"], 2,
     "Error: a figure samples at most 10000000 points in all; num 6000000 times 2 curves is "
     "12000000"),
    (["plot", "elu", "--sweep", "alpha=" + ",".join(str(i) for i in range(1, 14))], 2,
     "Error: sweep takes at most 12 values (more curves cannot be told apart in one panel), "
     "got 13"),
    (["plot", "relu", "--title", "$\\frac{$"], 2,
     "Error: title is not valid mathtext (ParseSyntaxException: Expected \\frac{num}{den}, "
     "found '{'  (at char 5), (line:1, col:6)): '$\\\\frac{$'; write $...$ as matplotlib's "
     "mathtext, or \\$ for a dollar sign"),
    (["batch", "c.yaml", "--output-dir", "a\x01b\x00"], 2,
     "Error: --output-dir must not contain a NUL character"),
]


@pytest.mark.parametrize(("args", "code", "message"), ERRORS, ids=[" ".join(a)[:50]
                                                                   for a, _, _ in ERRORS])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, code, message):
    (tmp_path / "c.yaml").write_text("jobs: [{kind: plot, functions: [relu]}]\n")
    result = invoke(*args, cwd=tmp_path)
    assert result.exit_code == code, result.output
    assert result.output == message + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


def test_a_range_too_narrow_to_draw_is_still_a_table():
    """matplotlib draws [1e-300, 2e-300] as [-0.05, 0.05] with no curve; the numbers are
    fine: relu is x and relu' is 1 there."""
    out = invoke("table", "relu", "--range", "1e-300", "2e-300", "--num", "3", "-f", "csv")
    assert out.exit_code == 0
    assert out.output.splitlines()[1:] == ["1e-300,1e-300,1", "1.5e-300,1.5e-300,1",
                                           "2e-300,2e-300,1"]
    with pytest.raises(actviz.ActvizError, match="too narrow to draw"):
        actviz.plot("relu", range=(1.0, 1.0 + 1e-12))
    assert actviz.plot("tanh", range=(0.0, 1e-250)).axes[0].get_xlim() == (0.0, 1e-250)


def test_an_existing_folder_is_not_taken_for_a_file_name(tmp_path):
    (tmp_path / "figs").mkdir()
    result = invoke("plot", "relu", "-o", "figs", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith("Error: -o figs is a folder; name a file in it")
    assert list(tmp_path.rglob("*")) == [tmp_path / "figs"]


def test_a_title_with_a_dollar_sign_is_text(tmp_path):
    assert invoke("plot", "relu", "--title", "cost in $", cwd=tmp_path).exit_code == 0


def test_configs_too_big_or_too_deep_or_with_a_nul(tmp_path):
    (tmp_path / "big.yaml").write_bytes(b"jobs:\n" + b"#" * (2**20 + 10))
    with pytest.raises(ConfigError, match="a config is at most 1 MB"):
        load(tmp_path / "big.yaml")
    (tmp_path / "deep.yaml").write_text("jobs: " + "[" * 500 + "]" * 500)
    with pytest.raises(ConfigError, match="YAML nested too deeply"):
        load(tmp_path / "deep.yaml")
    (tmp_path / "nul.yaml").write_text('output_dir: "a\\0b"\njobs: [{kind: plot, '
                                       'functions: [relu]}]\n')
    with pytest.raises(ConfigError, match="output_dir: must not contain a NUL character"):
        load(tmp_path / "nul.yaml")


def test_a_closed_standard_output_is_an_error_before_any_work():
    import subprocess
    import sys

    for args in (["table", "relu"], ["compare", "relu"], ["diff", "relu", "elu"]):
        done = subprocess.run([sys.executable, "-m", "actviz", *args], capture_output=False,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              preexec_fn=lambda: os.close(1))
        assert done.returncode == 1
        assert done.stderr == "Error: standard output is closed; give -o FILE to write to a " \
                              "file\n"


# --- files that are not regular files are written, not replaced ---------------------------------

def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    for target in (fifo, link):
        received: list[str] = []
        reader = threading.Thread(target=lambda out=received: out.append(
            Path(fifo).read_text()))
        reader.start()
        result = invoke("table", "relu", "--points", "1", "-f", "csv", "-o", str(target))
        reader.join(timeout=30)
        assert result.exit_code == 0, result.output
        assert received == ["x,relu,relu'\n1,1,1\n"]
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        assert link.is_symlink()


def test_a_failed_write_names_the_file_asked_for_and_leaves_no_folder(tmp_path):
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o500)
    try:
        result = invoke("table", "relu", "-o", "ro/new/t.csv", cwd=tmp_path)
        if os.geteuid() == 0:  # root writes anywhere: nothing to refuse
            assert result.exit_code == 0
            return
        assert result.exit_code == 1
        assert result.output.startswith("Error: cannot write ro/new/t.csv") or \
            "ro/new" in result.output
        assert ".tmp" not in result.output
        assert not (tmp_path / "ro" / "new").exists()
    finally:
        os.chmod(tmp_path / "ro", 0o700)


def test_diff_draws_its_figure_before_printing(tmp_path):
    """A figure that cannot be written stops the command before it prints its numbers."""
    (tmp_path / "afile").write_text("")
    result = invoke("diff", "gelu", "silu", "-o", "afile/d.png", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output == "Error: cannot write afile/d.png: afile is a file, not a folder\n"


# --- the API raises ActvizError -----------------------------------------------------------------

API = [
    lambda: actviz.get("relu").evaluate([1.0], 3),
    lambda: actviz.get("relu").evaluate("abc"),
    lambda: actviz.get("relu")({"a": 1}),
    lambda: actviz.analyze("softmax", num=0),
    lambda: actviz.analyze("crelu", output=5),
    lambda: actviz.plot("relu", layout="x"),
    lambda: actviz.plot("relu", sweep=5),
    lambda: actviz.plot("relu", sweep=("alpha",)),
    lambda: actviz.plot("relu", derivative="no"),
    lambda: actviz.plot(None),
    lambda: actviz.plot(3),
    lambda: actviz.plot("relu", style=5),
    lambda: actviz.plot("relu", bogus=1),
]


@pytest.mark.parametrize("call", API, ids=range(len(API)))
def test_the_api_raises_actviz_errors(call):
    with pytest.raises(actviz.ActvizError):
        call()


def test_extreme_parameters_give_no_warning_in_compare():
    """E[f^2] beyond float64 is inf, without an overflow warning, and the gain 1/sqrt(E[f^2])
    is its true value, not 1/sqrt(inf) = 0: E[f^2] = (1 + s^2)/2 for leaky_relu of slope s;
    a constant's variance is 0 (computed as E[(f - mean)^2], not E[f^2] - mean^2)."""
    import mpmath as mp

    import actviz.analysis

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = actviz.analysis.properties("leaky_relu:negative_slope=1e300").gaussian
        gain = 1 / mp.sqrt((1 + mp.mpf(1e300) ** 2) / 2)
        assert stats.var == np.inf and stats.gain == pytest.approx(float(gain), rel=1e-12)
        flat = actviz.analysis.properties("threshold:threshold=1e10,value=-1e300").gaussian
        assert flat.mean == -1e300 and flat.var == 0.0


# --- property-based: random input gives a result or an ActvizError ------------------------------

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
spec_like = st.from_regex(r"[A-Za-z_\-]{1,12}(:[A-Za-z_]{0,8}=[-0-9.eEinfa]{0,8}"
                          r"(,[A-Za-z_]{0,8}=[-0-9.e]{0,6}){0,2})?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, spec_like))
def test_spec_parsing_never_fails_otherwise(text):
    with suppress(actviz.ActvizError):
        parse_spec(text)
        actviz.get(text)


values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                   texts, st.lists(st.floats(), max_size=3),
                   st.tuples(st.floats(), st.floats()), st.dictionaries(texts, st.floats(),
                                                                        max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, st.sampled_from([o for c in COMMANDS for o in c.options if o.name != "style"]))
def test_option_checks_never_fail_otherwise(value, option):
    with suppress(actviz.ActvizError):
        option.convert(value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(values, st.tuples(values, values)), st.integers(1, 3))
def test_value_checks_never_fail_otherwise(value, which):
    for check in (checks.check_range, checks.check_threshold, checks.check_dpi,
                  checks.check_size, checks.check_sweep, checks.check_step,
                  checks.check_plot_num, checks.check_precision, checks.check_title):
        with suppress(actviz.ActvizError):
            check(value)
    with suppress(actviz.ActvizError):
        checks.sample_points(num=value if which == 1 else None,
                             step=value if which == 2 else None,
                             points=value if which == 3 else None)


yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6),
                         st.floats(allow_nan=False, allow_infinity=False), texts,
                         st.sampled_from(["relu", "elu:alpha=2", "png", "csv", "grid",
                                          "plot", "table", "compare", "diff"]))
yaml_values = st.recursive(yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["kind", "functions", "name", "range", "num", "format", "sweep", "output_dir",
         "defaults", "jobs", "alpha", "points", "step", "image", "layout", "flavor"]),
        inner, max_size=4)), max_leaves=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(yaml_values)
def test_config_loading_never_fails_otherwise(tmp_path, document):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(document) if not isinstance(document, str) else document)
    with suppress(actviz.ActvizError):
        load(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_config_text_never_fails_otherwise(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with suppress(actviz.ActvizError):
        load(path)


def test_json_writes_infinity_as_null():
    data = json.loads(invoke("info", "relu", "-f", "json").output)
    assert data["limits"]["f"] == [0.0, None]
