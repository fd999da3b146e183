"""One declaration per option: the command line, YAML jobs and the Python API all come from
actviz.options, and cannot drift apart. Also: --flavor reaches every command."""

from __future__ import annotations

import json

import pytest

import actviz
from actviz.cli import cli
from actviz.config import load
from actviz.jobs import COMMANDS, KINDS
from actviz.options import FIGURE_OPTIONS, PLOT

from .helpers import invoke


@pytest.mark.parametrize("declared", COMMANDS, ids=lambda c: c.name)
def test_click_options_are_the_declared_ones(declared):
    command = cli.commands[declared.name]
    assert command.help == declared.help
    assert command.short_help == declared.summary
    options = {p.name: p for p in command.params if p.param_type_name == "option"}
    options.pop("help", None)
    wanted = [o for o in declared.options if o.cli]
    assert sorted(options) == sorted(o.name for o in wanted)
    for option in wanted:
        param = options[option.name]
        assert param.help == option.help
        assert "Example" in param.help
        assert option.flag in param.opts
        if option.short:
            assert option.short in param.opts
        if option.negatable:
            assert param.secondary_opts == ["--no-" + option.flag[2:]]
        if option.default is not None:
            assert param.default == option.default
    arguments = [p.name for p in command.params if p.param_type_name == "argument"]
    assert arguments == [a.rstrip(".") for a in declared.arguments]


@pytest.mark.parametrize("kind", KINDS.values(), ids=lambda k: k.name)
def test_yaml_keys_are_the_declared_ones(tmp_path, kind):
    """Every declared YAML option of a kind is accepted by a job of that kind with its
    default value (or a valid one), and command-line-only options are refused."""
    samples = {"range": "[-2, 2]", "num": "11", "step": "0.5", "points": "[0, 1]",
               "format": "text" if kind.name != "plot" else "svg", "sweep": "{alpha: [1, 2]}",
               "image": "png", "size": "[3, 2]", "rows": "[f0, df0]"}
    functions = "[elu, relu]" if kind.name == "diff" else "[elu]"
    for option in kind.command.options:
        value = samples.get(option.name)
        if value is None:
            value = json.dumps(option.default) if option.default is not None else "1"
        if option.name in ("title", "style"):
            value = "default" if option.name == "style" else "T"
        if option.name == "precision":
            value = "3"
        (tmp_path / "c.yaml").write_text(f"jobs:\n  - kind: {kind.name}\n"
                                         f"    functions: {functions}\n"
                                         f"    {option.name}: {value}\n")
        if option.yaml:
            job = load(tmp_path / "c.yaml").jobs[0]
            assert option.name in job.options
        else:
            with pytest.raises(actviz.ActvizError, match="command line only"):
                load(tmp_path / "c.yaml")
    yaml_names = {o.name for o in kind.command.options if o.yaml}
    job = load_job(tmp_path, kind.name, functions)
    assert set(job.options) == {o.name for o in kind.command.options}
    assert yaml_names <= set(job.options)


def load_job(folder, kind, functions):
    (folder / "c.yaml").write_text(f"jobs:\n  - kind: {kind}\n    functions: {functions}\n")
    return load(folder / "c.yaml").jobs[0]


def test_the_python_api_takes_the_figure_options():
    assert {o.name for o in FIGURE_OPTIONS} <= {o.name for o in PLOT.options}
    with pytest.raises(actviz.ParameterError, match=r"plot has no option 'rnage'\. "
                       r"Did you mean 'range'\?"):
        actviz.plot("relu", rnage=(0, 1))


# --- --flavor reaches every command -------------------------------------------------------------

def test_flavor_in_table_info_and_compare(tmp_path):
    out = invoke("table", "leaky_relu", "--points", "-1", "-f", "csv", "--flavor", "keras")
    assert out.output.splitlines()[1] == "-1,-0.2,0.2"
    out = invoke("info", "leaky_relu", "--flavor", "keras")
    assert "negative_slope = 0.2" in out.output
    data = json.loads(invoke("compare", "leaky_relu", "-f", "json", "--flavor", "keras").output)
    assert data[0]["params"] == {"negative_slope": 0.2}
    assert data[0]["f0"] == 0.0 and data[0]["lipschitz"] == 1.0
    tex = invoke("compare", "leaky_relu", "-f", "latex", "--flavor", "keras").output
    # the header names the slope that was used, not the torch default
    assert r"$\mathrm{LeakyReLU}$\newline{\footnotesize negative\_\allowbreak slope${}=0.2$}" \
        in tex


def test_flavor_in_diff_and_plot(tmp_path):
    # under jax, gelu is the tanh approximation: it differs from the exact one
    data = json.loads(invoke("diff", "gelu", "gelu:approximate=none", "-f", "json",
                             "--flavor", "jax").output)
    assert data["max_abs"] > 4e-4
    same = json.loads(invoke("diff", "gelu", "gelu:approximate=none", "-f", "json").output)
    assert same["max_abs"] == 0.0
    fig = actviz.plot("leaky_relu", flavor="keras", range=(-2, 2))
    (line,) = [ln for ln in fig.axes[1].get_lines() if ln.get_gid() == "curve:leaky_relu:1"]
    assert line.get_ydata()[0] == 0.2


def test_flavor_in_batch(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "defaults: {flavor: keras}\n"
        "jobs:\n  - {kind: table, name: t, functions: [leaky_relu], points: [-1], "
        "format: csv}\n")
    assert invoke("batch", "c.yaml", "--jobs", "1", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "output/t.csv").read_text().splitlines()[1] == "-1,-0.2,0.2"


# --- each value checked once on its way to the figure or table (issue 21) ---------------------

def _checks_run(args: list[str], cwd) -> tuple[int, dict[str, int]]:
    """Run ``actviz ARGS`` in this process and count the calls of every check of
    actviz.checks (read off the interpreter's call events, so a check is counted however it
    is reached: by name, through an Option's ``check``, or from another check)."""
    import collections
    import sys

    from actviz import checks

    counts: collections.Counter[str] = collections.Counter()

    def count(frame, event, arg):
        if (event == "call" and frame.f_code.co_filename == checks.__file__
                and frame.f_code.co_name.startswith("check_")):
            counts[frame.f_code.co_name] += 1

    sys.setprofile(count)
    try:
        result = invoke(*args, cwd=cwd)
    finally:
        sys.setprofile(None)
    assert result.exit_code == 0, result.output
    return result.exit_code, dict(counts)


ONCE = [
    (["plot", "relu", "elu", "--range", "-3", "3", "--saturation-threshold", "0.01",
      "--num", "301", "-o", "f.png"],
     # (a check that calls another is counted in both: check_figure_range runs check_range
     # and check_drawable_range, check_plot_num check_count, check_output check_path)
     {"check_figure_range": 1, "check_range": 1, "check_drawable_range": 1,
      "check_threshold": 1, "check_plot_num": 1, "check_count": 1, "check_output": 1,
      "check_path": 1, "check_canvas": 1}),
    (["plot", "elu", "--sweep", "alpha=0.5,1,2", "-o", "f.png"],
     # no range given: the one found to show every kink is checked to be drawable
     {"check_sweep": 1, "check_drawable_range": 1, "check_output": 1, "check_path": 1,
      "check_canvas": 1}),
    (["table", "relu", "elu", "--range", "-3", "3", "--num", "7"],
     {"check_range": 1, "check_table_num": 1, "check_count": 1}),
    (["table", "relu", "--points", "-1,0,2", "-p", "3"],
     {"check_points": 1, "check_precision": 1, "check_count": 1}),
    (["compare", "relu", "gelu", "silu", "--range", "-4", "4", "--saturation-threshold", "0.1"],
     {"check_range": 1, "check_threshold": 1}),
    (["diff", "gelu", "silu", "--range", "-4", "4", "-o", "d.png"],
     {"check_range": 1, "check_drawable_range": 1, "check_output": 1, "check_path": 1,
      "check_canvas": 1}),
    (["depth", "tanh", "relu", "--sigma-w", "1.3", "--sigma-b", "0.1", "--layers", "8",
      "-f", "csv"],
     {"check_sigma": 2, "check_count": 1}),  # sigma_w and sigma_b: one check each
    (["depth", "tanh", "--layers", "8", "--width", "50", "--networks", "2", "--no-simulate",
      "-o", "d.png"],
     {"check_count": 3, "check_output": 1, "check_path": 1, "check_canvas": 1}),
    (["spectrum", "tanh", "elu", "--sigma-w", "1.2", "--sigma-b", "0.1", "--layers", "8",
      "-f", "csv"],
     {"check_sigma": 2, "check_count": 1}),  # sigma_w and sigma_b: one check each
    # layers, width, networks and seed, each once
    (["spectrum", "tanh", "--sigma-b", "0.1", "--layers", "8", "--width", "50", "--networks",
      "2", "--seed", "3", "-o", "s.png"],
     {"check_sigma": 1, "check_count": 4, "check_output": 1, "check_path": 1,
      "check_canvas": 1}),
]


@pytest.mark.parametrize(("args", "expected"), ONCE, ids=lambda v: " ".join(v[:3])
                         if isinstance(v, list) else "")
def test_each_value_is_checked_once_from_the_command_line_to_the_output(tmp_path, args,
                                                                        expected):
    """The command line checks each option where it is read (actviz.options), and the
    science and drawing below take the values as checked: no layer checks them again (on
    plot, the range went through check_range three times and the threshold five)."""
    _, counts = _checks_run(args, tmp_path)
    assert counts == expected
