"""Every command, run in-process through click's CliRunner with option sets, specs and batch
configs that hypothesis generates, valid and invalid alike: the answer is a success or
actviz's own error (one ``Error:`` line, exit code 2 for bad input and 1 for a file that
cannot be written or a batch job that failed), never another exception or a traceback, never
a warning, never a file left half-written, nothing written outside the folder it runs in.

The default run tries a few dozen cases; ``pytest -m slow`` tries many more."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from actviz.cli import cli
from actviz.jobs import COMMANDS, KINDS
from actviz.options import BATCH, Command, Option

from .test_formula_accuracy import _trees as formula_trees
from .test_formula_accuracy import text as formula_text

VALID = [
    # names, parameters, aliases, vector and two-output functions
    "relu", "elu:alpha=0.5", "gelu:approximate=tanh", "leaky_relu:negative_slope=0.1",
    "sigmoid", "tanh", "softmax", "crelu", "swish:beta=2", "hardtanh", "softshrink",
    "LOGISTIC", "celu:alpha=1e-300", "prelu", "relu\n", "elu",
    # formulas
    "x*sigmoid(x)", "x*tanh(softplus(x))", "--x", "-x", "abs(x)", "where(x > 0, x, 0.1*x)",
    "x**2", "x*sigmoid(beta*x); beta=1.5", "exp(-x*x)", "max(x, 0)", "relu(x) - relu(x - 1)",
    # formulas of issue 20: poles, idioms that overflow as typed, digits lost, not finite
    "tan(x)", "log1p(exp(x))", "exp(x)/(1+exp(x))", "x/(1+abs(x))", "1-cos(x)", "log(x)",
    "sqrt(x)", "1/x", "1e300/x", "exp(exp(exp(x)))", "where(x*x < 4, x, 0)", "abs(sin(x))",
]
INVALID = [
    # unknown names, parameters and words, broken syntax, empty, too long
    "rleu", "elu:alpha=abc", "elu:beta=1", "elu:alpha=-1", "x +* 2", "exp", "", " ",
    "x; a=", "foo(x)", "1e400*x", "relu:", ":alpha=1", "x" * 5000, "elu:alpha=1\r2",
]
specs = st.one_of(st.sampled_from(VALID), st.sampled_from(VALID), st.sampled_from(VALID),
                  st.sampled_from(INVALID), st.text(max_size=12),
                  st.builds(formula_text, formula_trees(4)))

BAD_NUMBERS = ["inf", "-inf", "nan", "1e400", "-1", "0", "abc", "", "1e300"]


def valid_or_not(valid: list[Any], invalid: list[Any] | None = None,
                 ) -> st.SearchStrategy[Any]:
    """One of ``valid`` three times in four, else one of ``invalid`` or any short text."""
    bad = st.one_of(st.sampled_from(invalid or BAD_NUMBERS), st.text(max_size=6))
    good = st.sampled_from(valid)
    return st.one_of(good, good, good, bad)


VALUES: dict[str, list[Any]] = {
    "saturation_threshold": ["0.01", "0.05", "0.2"], "dpi": ["50", "100"],
    "sigma_w": ["0.5", "1.5"], "sigma_b": ["0", "0.05", "0.3"],
    "num": ["2", "3", "11", "41"], "layers": ["1", "3", "20", "1000"],
    "width": ["10", "30", "4000"], "networks": ["1", "2", "64"],
    "precision": ["1", "3", "17"], "columns": ["1", "2"], "seed": ["0", "1"],
    "points": ["-1,0,2", "0.5", "1,1e300"],
    "sweep": ["alpha=0.5,1", "beta=1,2", "negative_slope=0.1,0.2"],
    "step": ["0.5", "1", "0.25"], "style": ["default", "classic", "ggplot"],
    "title": ["T", "$x^2$", "cost in $"],
    "dtype": ["bfloat16", "float16,float8_e4m3fn", "float8_e5m2", "bf16,fp32"],
}


def value_words(option: Option) -> st.SearchStrategy[list[str]]:
    """What follows ``option``'s flag on the command line: the words of a value, mostly
    valid (and small where the work grows with it), sometimes not."""
    kind = option.kind.name
    if kind == "pair":
        return valid_or_not([["-3", "3"], ["0", "1"], ["-1e15", "1e15"], ["-1e-3", "1e-3"]],
                            [["5", "-5"], ["0", "0"], ["-1e16", "1"], ["nan", "1"],
                             ["1", "inf"]])
    if kind == "size":
        return valid_or_not([["column"], ["page"], ["8", "3"], ["5", "4"]],
                            [["0.1", "1"], ["abc", "1"], ["1", "1"], ["100", "100"]])
    if kind == "choice":
        valid = list(option.kind.choices)
    else:
        valid = VALUES.get(option.name, ["0.5", "1", "2"])
    invalid = ["alpha=", "x", "=1,2"] if kind == "sweep" else ["$\\frac{$"] \
        if option.name == "title" else None
    return valid_or_not(valid, invalid).map(lambda word: [word])


def flag_words(option: Option) -> st.SearchStrategy[list[str]]:
    if option.kind.name != "flag":
        return value_words(option).map(lambda value: [option.flag, *value])
    if option.negatable:
        return st.sampled_from([[option.flag], ["--no-" + option.flag[2:]]])
    return st.just([option.flag])


OUTPUTS = {
    "plot": ["out.png", "out.svg", "sub/out.pdf", "noext", ".png", "t.csv"],
    "table": ["t.csv", "t.md", "t.tex", "t.json", "t.txt", "sub/deeper/t.csv", "t.bogus"],
    "compare": ["t.csv", "t.md", "t.json", "t.txt", ".md"],
    "diff": ["d.png", "d.svg", "d.csv"],
    "depth": ["d.csv", "d.md", "d.json", "d.txt", "d.png", "d.bogus"],
    "spectrum": ["s.csv", "s.tex", "s.json", "s.png", "s.bogus"],
    "precision": ["p.csv", "p.json", "p.png", "p.tex", "p.bogus"],
}


@st.composite
def command_lines(draw: Any, command: Command) -> list[str]:
    """``actviz COMMAND ...``: some of its options, then its arguments (after '--' when one
    starts with '-'), mostly as many as it takes, sometimes too few or too many."""
    options = [o for o in command.options if o.cli and o.name not in ("output", "jobs",
                                                                       "output_dir")]
    chosen = draw(st.lists(st.sampled_from(options), max_size=3, unique_by=lambda o: o.name))
    args = [command.name]
    for option in chosen:
        args += draw(flag_words(option))
    if command.name in OUTPUTS and draw(st.booleans()):
        args += ["-o", draw(st.sampled_from(OUTPUTS[command.name]))]
    low, high = {"specs...": (1, 3), "a": (2, 2), "spec": (1, 1)}.get(
        command.arguments[0] if command.arguments else "", (0, 0))
    count = draw(st.one_of(st.integers(low, high), st.integers(low, high),
                           st.integers(max(0, low - 1), high + 1)))
    given = draw(st.lists(specs, min_size=count, max_size=count))
    if any(spec.startswith("-") for spec in given):
        args.append("--")
    return args + given


NUMBERS = [-3.0, -1.0, 0.0, 0.25, 1.0, 2.5, 1e-300, 1e300, 1e16, float("inf"),
           float("-inf"), float("nan")]
numbers = st.sampled_from(NUMBERS)


def yaml_value(option: Option) -> st.SearchStrategy[Any]:
    """A value of ``option`` in a YAML job, valid or not."""
    kind = option.kind.name
    if option.name in VALUES or kind == "choice":
        valid = list(option.kind.choices) if kind == "choice" else VALUES[option.name]
        read = [yaml.safe_load(v) for v in valid]  # 0.5 as a number, alpha=0.5,1 as text
        return st.one_of(st.sampled_from(read), st.sampled_from(read), st.none(),
                         st.booleans(), numbers, st.text(max_size=5), st.just(10**400))
    plain = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=5),
                      st.just(10**400))
    if kind in ("number", "step"):
        return st.one_of(numbers, plain)
    if kind == "integer":
        return st.one_of(st.sampled_from([1, 2, 3, 11, 0, -1]), plain)
    if kind == "flag":
        return st.one_of(st.booleans(), plain)
    if kind in ("pair", "size"):
        return st.one_of(st.lists(numbers, min_size=2, max_size=2),
                         st.sampled_from(["column", [-2, 2], [8, 3]]), plain)
    if kind == "points":
        return st.one_of(st.lists(numbers, max_size=3), plain)
    if kind == "sweep":
        return st.one_of(st.sampled_from([{"alpha": [0.5, 1]}, "alpha=1,2", {"beta": []}]),
                         plain)
    if kind == "choice":
        return st.one_of(st.sampled_from(option.kind.choices), plain)
    return plain


@st.composite
def configs(draw: Any) -> str:
    """A batch config: a few jobs of every kind with some of their options, maybe defaults,
    definitions and an output folder; sometimes not YAML at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=60))
    jobs = []
    for _ in range(draw(st.one_of(st.integers(1, 3), st.integers(0, 3)))):
        command = draw(st.sampled_from([kind.command for kind in KINDS.values()]))
        job: dict[str, Any] = {"kind": command.name}
        count = 2 if command.name == "diff" else draw(st.integers(1, 2))
        valid = st.sampled_from(VALID)
        job["functions"] = draw(st.lists(st.one_of(valid, valid, specs, st.just("mine")),
                                         min_size=count, max_size=count))
        for option in draw(st.lists(st.sampled_from(command.yaml_options), max_size=2,
                                    unique_by=lambda o: o.name)):
            job[option.name] = draw(yaml_value(option))
        if draw(st.booleans()):
            job["name"] = draw(st.sampled_from(["a", "b", "c", "x/y", ".."]))
        jobs.append(job)
    document: dict[str, Any] = {"jobs": jobs}
    if draw(st.integers(0, 3)) == 0:
        document["output_dir"] = draw(st.sampled_from(["out", "out", "a/b", "../up", "/abs",
                                                       ""]))
    if draw(st.booleans()):
        document["define"] = {"mine": draw(st.sampled_from(
            ["x*sigmoid(x)", "x*sigmoid(x)", "relu(x)*a; a=2", "mine(x)", "x +* 1", "exp"]))}
    if draw(st.integers(0, 3)) == 0:
        document["defaults"] = {"range": draw(st.sampled_from([[-2, 2], [3, -3], "x"]))}
    return yaml.safe_dump(document, allow_unicode=True)


def invocations() -> st.SearchStrategy[tuple[list[str], str | None]]:
    """(command line, config text or None): every command, batch with a config."""
    singles = st.one_of(*(command_lines(c) for c in COMMANDS if c is not BATCH)).map(
        lambda args: (args, None))
    batches = st.tuples(st.lists(st.sampled_from(["--dry-run", "--quiet", "--fail-fast"]),
                                 max_size=2, unique=True), configs()).map(
        lambda drawn: (["batch", "c.yaml", "--jobs", "1", *drawn[0]], drawn[1]))
    return st.one_of(singles, batches)


def files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def check(root: Path, args: list[str], config: str | None) -> None:
    """Run ``actviz ARGS`` in a new folder below ``root`` and check what it did."""
    work = Path(os.path.join(root, str(len(list(root.iterdir()))), "work"))
    work.mkdir(parents=True)
    if config is not None:
        (work / "c.yaml").write_text(config)
    before = files(root)
    cwd = os.getcwd()
    os.chdir(work)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            result = CliRunner().invoke(cli, args, prog_name="actviz")
    finally:
        os.chdir(cwd)
    shown = f"actviz {' '.join(map(repr, args))}\n{config or ''}\n{result.output}"
    assert not isinstance(result.exception, BaseException) or \
        isinstance(result.exception, SystemExit), shown
    assert [str(w.message) for w in seen] == [], shown
    assert "Traceback" not in result.output, shown
    inside = work.relative_to(root)
    assert all(Path(new).is_relative_to(inside) for new in files(root) - before), shown
    assert not [p for p in work.rglob("*") if p.name.endswith(".tmp")], shown
    errors = result.stderr.splitlines()
    event(f"{args[0]}: exit {result.exit_code}")
    if result.exit_code == 0:
        # the one warning a command that succeeds gives: a table with values that are not
        # finite is written as asked and says so in one line (issue 19)
        notices = [line for line in errors if NOT_FINITE.match(line)]
        if args[0] != "batch":
            assert len(notices) <= 1, shown
        assert not [line for line in errors if line.startswith(("Error", "Warning"))
                    and line not in notices], shown
        return
    assert result.exit_code in (1, 2), shown
    assert errors and errors[-1].startswith("Error: "), shown
    if args[0] != "batch":
        assert len(errors) == 1, shown  # one line
    else:  # each problem of the config on its line, then the one error
        assert all(line.startswith(("Error: ", "c.yaml:")) for line in errors), shown


NOT_FINITE = re.compile(r"Warning: (jobs\[\d+\] \(line \d+\): )?\d+ of \d+ points have values "
                        r"that are not finite \(in .+\), the first at x = \S+; they are "
                        r"written as nan, inf or -inf \(null in JSON\)$")
"""The line a table of values that are not finite writes on stderr (README, issue 19)."""

HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
          HealthCheck.data_too_large]


@settings(max_examples=1, deadline=None, suppress_health_check=HEALTH)
@given(st.just((["table", "log(x)"], None)))
def test_a_table_not_finite_somewhere_warns_once_and_answers(tmp_path, invocation):
    """The case the slow run drew (table 'log(x)'): the notice is the one warning allowed."""
    check(tmp_path, *invocation)


@settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
@given(invocations())
# what CI drew: exp's f' overflows far out, and its steepest point was (1e12, inf) in JSON
@example(invocation=(["page", "exponential", "--range", "-1e15", "1e15"], None))
@example(invocation=(["plot", "exponential", "--range", "-1e15", "1e15"], None))
# a title with a character the font has not: matplotlib warned and drew a box
@example(invocation=(["plot", "--title", "\x1f", "relu"], None))
# what CI drew next: relu below its edge of chaos has lambda_max < 1, and the foot of the
# density's grid, 1e-300 lambda_max, underflowed to 0 ("math domain error")
@example(invocation=(["spectrum", "--sigma-w", "0.5", "relu"], None))
def test_every_command_answers_every_input(tmp_path, invocation):
    check(tmp_path, *invocation)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=HEALTH)
@given(invocations())
def test_every_command_answers_every_input_at_length(tmp_path, invocation):
    check(tmp_path, *invocation)
