"""What a fuzzer found, tried as a hostile user would (issue 20, section 2): numbers too big
for a float, configs that expand without bound, figures that would take minutes, files that
must not be written or replaced, specs with stray white space, and a formula that starts with
'-'. Each case is a one-line error that says what would be right, or the right output."""

from __future__ import annotations

from pathlib import Path

import pytest

import actviz
from actviz import checks
from actviz.config import ConfigError, load

from .helpers import invoke

BIG = "1" + "0" * 400
"""An integer YAML reads exactly and no float holds (1e400)."""


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(path)
    return caught.value.problems


# --- 1. numbers too big for a float -------------------------------------------------------------

@pytest.mark.parametrize(("job", "problem"), [
    ("{kind: table, functions: [relu], range: [-5, BIG]}",
     "jobs[0].range[1]: must be a number within +-1.8e308, got 1e400"),
    ("{kind: depth, functions: [relu], sigma_b: BIG}",
     "jobs[0].sigma_b: must be a number within +-1.8e308, got 1e400"),
    ("{kind: plot, functions: [relu], dpi: -BIG}",
     "jobs[0].dpi: must be a number within +-1.8e308, got -1e400"),
    ("{kind: table, functions: [relu], num: BIG}",
     "jobs[0].num: num must be between 2 and 1000000, got 1e400"),
    ("{kind: table, functions: [relu], points: [0, BIG]}",
     "jobs[0].points[1]: must be a number within +-1.8e308, got 1e400"),
    ("{kind: table, functions: [{name: elu, params: {alpha: BIG}}]}",
     "jobs[0].functions[0]: elu: alpha must be finite, got inf"),
    ("{kind: plot, functions: [elu], sweep: {alpha: [1, -BIG]}}",
     "jobs[0].functions: elu: alpha must be finite, got -inf"),
])
def test_a_yaml_number_too_big_for_a_float_is_one_line(tmp_path, job, problem):
    (tmp_path / "c.yaml").write_text(f"jobs:\n  - {job.replace('BIG', BIG)}\n")
    assert problems(tmp_path / "c.yaml") == [f"{tmp_path / 'c.yaml'}:2: {problem}"]
    result = invoke("batch", "c.yaml", cwd=tmp_path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.splitlines()[-1] == "Error: 1 problem in c.yaml; nothing was run"


def test_a_define_parameter_too_big_for_a_float(tmp_path):
    (tmp_path / "c.yaml").write_text(f"define:\n  f: {{formula: 'a*x', params: {{a: {BIG}}}}}\n"
                                     "jobs: [{kind: table, functions: [relu]}]\n")
    assert problems(tmp_path / "c.yaml")[0].endswith(
        ":2: define.f.params.a: must be a number within +-1.8e308, got 1e400")


def test_the_api_and_the_checks_take_integers_beyond_float64():
    messages = []
    for call in (lambda: actviz.get("elu", alpha=10**400),
                 lambda: checks.check_dpi(12345 * 10**396),
                 lambda: checks.check_count(-(10**30), "layers", 1, 1000)):
        with pytest.raises(actviz.ParameterError) as caught:
            call()
        messages.append(str(caught.value))
    assert messages == ["elu: alpha must be finite, got inf",
                        "dpi must be a number within +-1.8e308, got 1.2345e400",
                        "layers must be between 1 and 1000, got -1e30"]


@pytest.mark.parametrize("args", [["plot", "relu", "--saturation-threshold", "inf"],
                                  ["compare", "relu", "--saturation-threshold", "nan"],
                                  ["batch", "c.yaml", "--output-dir", ""]])
def test_messages_say_what_the_value_must_be(tmp_path, args):
    """'inf' was told 'must be >= 0', and an empty --output-dir 'must name a file'."""
    (tmp_path / "c.yaml").write_text("jobs: [{kind: table, functions: [relu]}]\n")
    result = invoke(*args, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output == {
        "inf": "Error: saturation threshold must be a finite number >= 0 (|f'| below it is "
               "saturation), got inf\n",
        "nan": "Error: saturation threshold must be a finite number >= 0 (|f'| below it is "
               "saturation), got nan\n",
        "": "Error: --output-dir must name a folder, got ''\n"}[args[-1]]
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]
