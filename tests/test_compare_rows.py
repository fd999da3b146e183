"""compare's rows: chosen by name (the keys of its JSON) with --rows, functions as rows or as
columns, a row only where it applies, and a sentence on each in compare --help."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actviz.compare_rows import GROUPS, ROWS, check_rows
from actviz.errors import ParameterError
from actviz.tables import ROWS as COMPUTED

from .helpers import invoke

NAMES = [*ROWS, *GROUPS]


def test_the_rows_are_the_keys_of_the_json_in_the_table_s_order():
    """Every row's name is a key of compare's JSON (a dotted path into gaussian or gains),
    and every key of the JSON but the record's identity has its row."""
    assert [row.field for row in COMPUTED] == list(ROWS)
    (record,) = json.loads(invoke("compare", "relu", "--cost", "-f", "json").stdout)
    paths = {key for key in record if not isinstance(record[key], dict) or key in (
        "output_range", "max_gradient")}
    paths |= {f"{key}.{inner}" for key in ("gaussian", "gains") for inner in record[key]}
    for name in ROWS:
        assert name in paths, name
    identity = {"spec", "name", "params", "range", "saturation_threshold"}
    same = {"gains.forward": "gaussian.gain",  # the forward gain, once
            "gains.edge_of_chaos_reason": "gains.edge_of_chaos"}  # said by its "none"
    assert paths - identity - set(ROWS) == set(same)


names = st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True)
spelled = st.sampled_from([str, str.upper, lambda s: s.replace("_", "-"),
                           lambda s: f"  {s} "])


@settings(max_examples=300, deadline=None)
@given(names, spelled, st.booleans())
def test_check_rows_reads_names_in_any_spelling_and_keeps_their_order(chosen, spell, as_list):
    """Names in the order given, a group standing for its rows; the same from a YAML list
    as from the command line's text; refused when a row comes twice."""
    expanded = [row for name in chosen for row in GROUPS.get(name, (name,))]
    value = [spell(n) for n in chosen] if as_list else ",".join(spell(n) for n in chosen)
    if len(set(expanded)) < len(expanded):
        with pytest.raises(ParameterError, match="twice"):
            check_rows(value)
        return
    assert check_rows(value) == tuple(expanded)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=30), st.lists(st.text(max_size=12), max_size=4),
                 st.integers(), st.none(), st.lists(st.integers(), min_size=1, max_size=2)))
def test_check_rows_accepts_only_row_names(value):
    """Anything else is one ParameterError that names what would be right."""
    items = value.split(",") if isinstance(value, str) else value
    good = (isinstance(items, list) and items and all(
        isinstance(i, str) and i.strip().lower().replace("-", "_") in NAMES for i in items))
    try:
        rows = check_rows(value)
    except ParameterError as exc:
        message = str(exc)
        assert "\n" not in message
        assert message.startswith(("unknown row", "rows must", "rows names"))
        if message.startswith("unknown row"):
            assert "The rows are: output_range, bounds" in message
        return
    assert good and rows


ERRORS = [
    (["compare", "relu", "--rows", "f1"], "Error: unknown row 'f1'. Did you mean 'f0'? The "
     "rows are: " + ", ".join(NAMES)),
    (["compare", "relu", "--rows", "f0,,df0"], "Error: rows must be names separated by "
     "commas, got an empty name in 'f0,,df0'"),
    (["compare", "relu", "--rows", "gaussian,gaussian.var"], "Error: rows names "
     "'gaussian.var' twice"),
    (["compare", "relu", "--rows", "cost"], "Error: the cost row is measured only with "
     "--cost; give --cost, or leave cost out of --rows"),
    (["compare", "relu", "--functions-as", "diagonal"], "Error: Invalid value for "
     "'--functions-as': 'diagonal' is not one of 'columns', 'rows'. See '"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_bad_rows_are_one_line_errors(tmp_path, args, message):
    result = invoke(*args, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert result.output.endswith("compare -h'.\n" if message.endswith("See '") else "\n")
    assert list(tmp_path.iterdir()) == []


def test_a_yaml_job_takes_rows_and_functions_as(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "jobs:\n  - {kind: compare, name: c, functions: [relu, elu], rows: [f0, gaussian.gain],"
        " functions_as: rows, format: markdown}\n"
        "  - {kind: compare, name: d, functions: [relu], rows: [f7]}\n")
    result = invoke("batch", "c.yaml", "--jobs", "1", cwd=tmp_path)
    assert result.exit_code == 2
    assert "jobs[1].rows: unknown row 'f7'. Did you mean 'f0'?" in result.output
    (tmp_path / "c.yaml").write_text(
        "jobs:\n  - {kind: compare, name: c, functions: [relu, elu], rows: 'f0, gaussian.gain',"
        " functions_as: rows, format: markdown}\n")
    assert invoke("batch", "c.yaml", "--jobs", "1", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "output/c.md").read_text() == invoke(
        "compare", "relu", "elu", "--rows", "f0,gaussian.gain", "--functions-as", "rows",
        "-f", "markdown").stdout


# --- the chosen rows in every format -------------------------------------------------------------

def test_rows_chosen_by_name_in_their_order_in_every_format():
    args = ["compare", "relu", "elu", "--rows", "lipschitz,f0,gaussian"]
    text = invoke(*args).stdout.splitlines()
    assert [line.split("  ")[0] for line in text[1:]] == [
        "Lipschitz constant", "f(0)", "E[f(z)]", "Var[f(z)]", "E[f'(z)^2]",
        "forward gain 1/sqrt(E[f^2])"]
    rows = list(csv.DictReader(io.StringIO(invoke(*args, "-f", "csv").stdout)))
    assert list(rows[0]) == ["spec", "Lipschitz constant", "f(0)", "E[f(z)]", "Var[f(z)]",
                             "E[f'(z)^2]", "forward gain 1/sqrt(E[f^2])"]
    assert rows[1]["Lipschitz constant"] == "1" and float(rows[1]["f(0)"]) == 0
    md = invoke(*args, "-f", "markdown").stdout.splitlines()
    assert md[2].startswith("| Lipschitz constant | 1") and len(md) == 8
    tex = invoke(*args, "-f", "latex").stdout
    assert tex.index("Lipschitz") < tex.index("$f(0)$") < tex.index("E}[f(z)]")
    assert "max f'" not in tex and "smoothness" not in tex
    # JSON always holds every key
    (record, _) = json.loads(invoke(*args, "-f", "json").stdout)
    assert "smoothness" in record and "max_gradient" in record


def test_a_chosen_row_is_shown_even_where_nothing_has_it():
    """Unchosen, LaTeX leaves out a row no function has (relu has no minimum); chosen, it
    stays."""
    assert "minima" not in invoke("compare", "relu", "-f", "latex").stdout
    assert "minima" in invoke("compare", "relu", "--rows", "minima,f0", "-f", "latex").stdout


def test_functions_as_rows_in_text_markdown_and_latex():
    args = ["compare", "relu", "gelu", "softmax", "--rows", "f0,df0,lipschitz",
            "--functions-as", "rows"]
    text = invoke(*args).stdout.splitlines()
    assert text[0].split() == ["function", "f(0)", "f'(0)", "Lipschitz", "constant"]
    assert [line.split()[0] for line in text[1:]] == ["relu", "gelu", "softmax"]
    assert text[2].split() == ["gelu", "0", "0.5", "1.1289"]
    md = invoke(*args, "-f", "markdown").stdout.splitlines()
    assert md[0] == "| function | f(0) | f'(0) | Lipschitz constant |"
    assert md[4] == "| softmax | - | - | - |"
    tex = invoke(*args, "-f", "latex").stdout
    first = tex.split("\\midrule")[1]
    assert "$\\mathrm{ReLU}$" in first and "$\\mathrm{GELU}$" in first
    assert "$f(0)$" in tex.split("\\midrule")[0]
    # CSV is a row per function either way
    assert invoke(*args, "-f", "csv").stdout == invoke(*args[:-2], "-f", "csv").stdout


def test_depth_takes_functions_as_rows():
    text = invoke("depth", "relu", "tanh", "--functions-as", "rows").stdout.splitlines()
    assert text[0].split()[:3] == ["function", "setting", "sigma_w"]
    assert [line.split()[0] for line in text[1:5]] == ["relu", "relu", "tanh", "tanh"]


# --- a row only where it applies -----------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "latex"])
def test_evaluated_on_and_cost_only_where_they_apply(fmt):
    plain = invoke("compare", "relu", "gelu", "-f", fmt).stdout
    assert "evaluated on" not in plain and "cost" not in plain
    vector = invoke("compare", "relu", "softmax", "-f", fmt).stdout
    assert "evaluated on" in vector and "cost" not in vector
    measured = invoke("compare", "relu", "--cost", "-f", fmt).stdout
    assert "cost" in measured and "evaluated on" not in measured


def test_rows_of_a_vector_function_alone_are_left_out():
    """softmax has no f(0), Lipschitz constant or Gaussian statistics (its value at x
    depends on the whole vector): alone, it gets none of those rows."""
    text = invoke("compare", "softmax").stdout
    for label in ("f(0)", "Lipschitz", "E[f(z)]", "backward gain", "f(-inf)"):
        assert label not in text
    assert "evaluated on" in text and "output range" in text


def test_compare_help_explains_every_row_in_a_sentence():
    help_text = invoke("compare", "--help").stdout
    assert "Rows (--rows takes their names" in help_text
    block = help_text.split("Rows (--rows")[1]
    for name, sentence in ROWS.items():
        assert f"  {name} " in block, name
        assert sentence.split()[0] in block
    assert "--functions-as" in help_text and "--rows NAME,..." in help_text
