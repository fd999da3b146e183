r"""LaTeX tables that go into a paper as they are: every default table compiled with pdflatex in
``\documentclass[twocolumn]{article}`` with booktabs alone, in the float it says it fits
(``table`` for a column, ``table*`` across the page), with no overfull box and no float too
large; widths measured by TeX, numbers aligned on the point as TeX sets them, heads that
cannot be mistaken for the symbols of the rows, and the escapes of LaTeX's special
characters."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actviz import latex
from actviz._align import Column, parts
from actviz._numbers import text_number

from .helpers import invoke

TEX = shutil.which("pdflatex")
needs_tex = pytest.mark.skipif(TEX is None, reason="pdflatex is not installed (.ci/run "
                                                   "installs it with apt-get)")
ROOT = Path(__file__).parent.parent

PREAMBLE = "\\documentclass[{columns}]{{article}}\n\\usepackage{{booktabs}}\n\\begin{{document}}\n"


def pdflatex(folder: Path, body: str, columns: str = "twocolumn") -> str:
    """Compile ``body`` in an article (two-column unless ``columns`` says ``onecolumn``)
    with booktabs; its log."""
    (folder / "doc.tex").write_text(PREAMBLE.format(columns=columns) + body
                                    + "\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    log = (folder / "doc.log").read_text(errors="replace")
    assert done.returncode == 0, log[-3000:]
    return log


def float_of(tex: str) -> str:
    """The float a table says it fits: ``table`` or ``table*``."""
    last = tex.splitlines()[-1]
    return "table*" if last.startswith("% actviz: fits \\textwidth") else "table"


def typeset(folder: Path, tables: dict[str, str], columns: str = "twocolumn"
            ) -> dict[str, dict[str, float | str]]:
    r"""Each table in its float, a page each, then its size as TeX sets it with
    ``\linewidth`` of that float. Per table: its float, its width and height (pt), and what
    the log says while it is set (overfull boxes, floats too large)."""
    body = []
    for name, tex in tables.items():
        (folder / f"{name}.tex").write_text(tex)
        env = float_of(tex) if columns == "twocolumn" else "table"
        line = "\\textwidth" if env == "table*" else "\\columnwidth"
        body.append(
            f"\\typeout{{BEGIN {name}}}\n"
            f"\\begin{{{env}}}[p]\\centering\\input{{{name}}}\\caption{{The table {name}, "
            f"with a caption of two lines as a paper has, to see that it fits the page "
            f"with its caption.}}\\end{{{env}}}\n\\clearpage\n"
            f"\\setbox0=\\hbox{{\\linewidth={line}\\input{{{name}}}\\unskip}}"
            f"\\typeout{{SIZE {name} W=\\the\\wd0;H=\\the\\ht0;D=\\the\\dp0;}}\n"
            f"\\typeout{{END {name}}}")
    log = pdflatex(folder, "\n".join(body), columns)
    found: dict[str, dict[str, float | str]] = {}
    for name, tex in tables.items():
        part = log.split(f"BEGIN {name}\n")[1].split(f"END {name}\n")[0]
        w, h, d = re.search(rf"SIZE {re.escape(name)} W=([\d.]+)pt;H=([\d.]+)pt;D=([\d.]+)pt;",
                            part).groups()
        problems = [line for line in part.splitlines()
                    if "Overfull" in line or "Float too large" in line
                    or "Underfull \\vbox" in line]
        found[name] = {"float": float_of(tex), "width": float(w),
                       "height": float(h) + float(d), "problems": "\n".join(problems)}
    return found


def latex_of(*args: str) -> str:
    result = invoke(*args, "-f", "latex")
    assert result.exit_code == 0, result.output
    return result.stdout


# --- the acceptance list: each default table fits where it says --------------------------------

COLUMN = {  # up to 3 functions at 11 rows, diff, compare and depth of up to 3: \columnwidth
    "table-1": ["table", "sigmoid"],
    "table-2": ["table", "relu", "elu"],
    "table-3": ["table", "sigmoid", "tanh", "relu"],
    "table-3-p4": ["table", "sigmoid", "tanh", "gelu", "-p", "4"],
    "table-3-far": ["table", "softplus", "elu:alpha=0.5", "leaky_relu:negative_slope=0.2",
                    "--range", "-1000", "1000"],
    "table-3-small": ["table", "sigmoid", "gelu", "selu", "--range", "-40", "-30"],
    "table-issue": ["table", "relu", "elu", "--step", "0.5"],
    "table-crelu": ["table", "crelu", "softmax", "log(x)", "--range", "-1", "1"],
    "diff": ["diff", "gelu", "gelu:approximate=tanh"],
    "diff-stretches": ["diff", "relu6", "hardtanh", "--range", "-3", "8"],
    "diff-limit": ["diff", "softplus", "relu", "--range", "-1000", "1000"],
    "diff-jump": ["diff", "binary_step", "sign"],
    "compare-1": ["compare", "relu"],
    "compare-3": ["compare", "relu", "gelu", "silu"],
    "compare-3-sat": ["compare", "sigmoid", "tanh", "softshrink"],
    "compare-3-keras": ["compare", "leaky_relu", "gelu", "threshold:threshold=1,value=5",
                        "--flavor", "keras"],
    "compare-3-vector": ["compare", "softmax", "crelu", "log1mexp", "--range", "0.5", "5"],
    "compare-3-formula": ["compare", "x*tanh(softplus(x))", "mish", "hardshrink"],
    "compare-3-p4": ["compare", "relu", "elu", "selu", "-p", "4"],
    "compare-3-rows": ["compare", "relu", "gelu", "silu", "--rows",
                       "f0,df0,lipschitz,gaussian.gain", "--functions-as", "rows"],
    "depth-1": ["depth", "tanh", "--sigma-w", "1.5", "--sigma-b", "0.05"],
    "depth-3": ["depth", "sigmoid", "tanh", "relu"],
    "depth-3-bias": ["depth", "relu", "tanh", "selu", "--sigma-b", "0.3"],
}
PAGE = {  # compare of up to 8 functions: \textwidth and the page's height (table*)
    "compare-issue": ["compare", "relu", "gelu", "silu", "mish", "elu", "selu"],
    "compare-8": ["compare", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
                  "softplus"],
    "compare-8-mixed": ["compare", "sigmoid", "tanh", "hardtanh", "softsign", "binary_step",
                        "softmax", "crelu", "hard_swish"],
    "compare-8-rows": ["compare", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
                       "softplus", "--functions-as", "rows", "--rows",
                       "output_range,f0,df0,smoothness,lipschitz,gaussian,gains"],
}


EITHER = {  # beyond the list: wherever they say they fit
    "table-3-second": ["table", "gelu", "silu", "mish", "--second-derivative"],
    "table-5-second": ["table", "sigmoid", "tanh", "relu", "gelu", "elu", "--num", "5",
                       "--second-derivative"],
    "table-formula": ["table", "x*tanh(softplus(x))", "x*sigmoid(beta*x); beta=1.5",
                      "--points", "-3,0,1e-5,3"],
    "table-21": ["table", "gelu", "silu", "--num", "21", "-p", "3"],
    "compare-2-page": ["compare", "gelu", "gelu:approximate=tanh", "--rows",
                       "output_range,max_gradient,minima,saturation,gaussian,gains",
                       "--functions-as", "rows"],
    "compare-8-p4": ["compare", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
                     "softplus", "-p", "4"],
    "depth-6": ["depth", "relu", "tanh", "selu", "elu", "gelu", "silu"],
    "depth-rows": ["depth", "relu", "tanh", "--functions-as", "rows"],
    "diff-quick": ["diff", "gelu", "quick_gelu", "--range", "-8", "8", "-p", "3"],
}


@pytest.fixture(scope="module")
def generated():
    """Every table above, as actviz writes it."""
    return {name: latex_of(*args) for name, args in {**COLUMN, **PAGE, **EITHER}.items()}


@pytest.fixture(scope="module")
def typeset_defaults(generated, tmp_path_factory):
    """The tables and what TeX makes of them."""
    if TEX is None:
        pytest.skip("pdflatex is not installed (.ci/run installs it with apt-get)")
    return generated, typeset(tmp_path_factory.mktemp("latex"), generated)


@pytest.mark.parametrize("name", [*COLUMN, *PAGE, *EITHER])
def test_no_word_is_hyphenated_and_the_page_wide_ones_say_so(generated, name):
    tex = generated[name]
    if latex.RAGGED in tex:  # cells that wrap
        assert tex.count("\\hyphenpenalty=10000") == tex.count("\\begin{tabular}{@{}p")
    assert ("% actviz: fits \\textwidth" in tex) == (float_of(tex) == "table*")


@needs_tex
@pytest.mark.parametrize("name", list(COLUMN))
def test_fits_a_column_of_a_two_column_article(typeset_defaults, name):
    _, found = typeset_defaults
    got = found[name]
    assert got["float"] == "table"
    assert got["problems"] == ""
    assert got["width"] <= latex.COLUMN_WIDTH + 0.01
    assert got["height"] <= latex.FLOAT_HEIGHT


@needs_tex
@pytest.mark.parametrize("name", list(PAGE))
def test_fits_the_text_width_and_the_page_height(typeset_defaults, name):
    _, found = typeset_defaults
    got = found[name]
    assert got["float"] == "table*"
    assert got["problems"] == ""
    assert got["width"] <= latex.TEXT_WIDTH + 0.01
    assert got["height"] <= latex.FLOAT_HEIGHT


@needs_tex
@pytest.mark.parametrize("name", list(EITHER))
def test_fits_the_float_it_names(typeset_defaults, name):
    _, found = typeset_defaults
    got = found[name]
    assert got["problems"] == ""
    width = latex.TEXT_WIDTH if got["float"] == "table*" else latex.COLUMN_WIDTH
    assert got["width"] <= width + 0.01
    assert got["height"] <= latex.FLOAT_HEIGHT


@pytest.fixture(scope="module")
def typeset_one_column(typeset_defaults, tmp_path_factory):
    tables, _ = typeset_defaults
    return typeset(tmp_path_factory.mktemp("one"), tables, "onecolumn")


@needs_tex
@pytest.mark.parametrize("name", [name for name in [*COLUMN, *PAGE, *EITHER]
                                  if "-8" not in name])
def test_fits_a_one_column_article_too(typeset_one_column, name):
    """345 pt: a table laid out for a column is wider there; one laid out for the page of a
    two-column article carries a layout for this width, which TeX picks (up to six
    functions in a comparison: eight need the width of a two-column page)."""
    got = typeset_one_column[name]
    assert got["problems"] == ""
    assert got["width"] <= latex.ONE_COLUMN + 0.01
    assert got["height"] <= latex.FLOAT_HEIGHT


# --- the widths the layouts are chosen from are TeX's, or a little more -----------------------

def cells_of(tex: str) -> list[str]:
    """Every cell of a table as actviz writes it, as LaTeX to set on one line."""
    found = []
    for line in tex.splitlines():
        if "&" not in line or line.startswith("\\begin"):
            continue
        line = re.sub(r" (\\tabularnewline|\\\\)$", "", line)
        for cell in line.split(" & "):
            cell = cell.replace(latex.RAGGED, "").replace("\\newline", " ").strip()
            wrapped = re.fullmatch(r"\\multicolumn\{2\}\{c\}\{(.*)\}", cell)
            cell = wrapped[1] if wrapped else cell
            if cell and "\\begin{tabular}" not in cell:
                found.append(cell)
    return sorted(set(found))


@needs_tex
def test_estimated_widths_are_texs_or_a_little_more(typeset_defaults, tmp_path):
    """Every cell of every table above, set by TeX on one line (\\settowidth) and estimated
    from Computer Modern's metrics: never narrower (a layout chosen on the estimate cannot
    overflow), at most 15 % and 3 pt wider but where a size switch makes a part smaller
    (the estimate keeps the table's size there)."""
    tables, _ = typeset_defaults
    cells = sorted({cell for tex in tables.values() for cell in cells_of(tex)})
    assert len(cells) > 300
    body = "\n".join(f"\\setbox0=\\hbox{{{cell}}}\\typeout{{W{i}=\\the\\wd0;}}"
                     for i, cell in enumerate(cells))
    log = pdflatex(tmp_path, body)
    for i, cell in enumerate(cells):
        tex = float(re.search(rf"W{i}=([\d.]+)pt;", log)[1])
        estimate = latex.width(cell)
        assert tex - 0.01 <= estimate, (cell, tex, estimate)
        if "size" not in cell:
            assert estimate <= 1.15 * tex + 3, (cell, tex, estimate)


# --- numbers aligned on the point --------------------------------------------------------------

NUMBER_CELL = re.compile(r"(\\phantom\{[^}]*\})?\$(-?\d+)(\.\d+)?(\\times10\^\{-?\d+\})?\$")


@needs_tex
@pytest.mark.parametrize("name", ["compare-3", "depth-3", "depth-3-bias", "compare-8-rows"])
def test_numbers_in_a_column_that_wraps_align_on_the_point(typeset_defaults, tmp_path, name):
    """The integer part of each number, with the phantom before it, is as wide as TeX sets
    it in every row of a column: the points line up."""
    tex = typeset_defaults[0][name]
    if "\\else" in tex:
        tex = tex.split("\\else")[1]
    pieces: dict[tuple[int, int], list[str]] = {}  # (block, column): integer parts
    lines = tex.splitlines()
    block = 0
    for n, line in enumerate(lines):
        if " & " not in line:
            continue
        if lines[n - 1] in ("\\toprule", "\\midrule") and lines[n + 1] == "\\midrule":
            block += 1  # the heads of a block
            continue
        for j, cell in enumerate(line.split(" & ")):
            match = NUMBER_CELL.fullmatch(cell.replace(latex.RAGGED, "").split(" \\")[0])
            if match and j:
                pieces.setdefault((block, j), []).append((match[1] or "") + f"${match[2]}$")
    assert sum(len(v) for v in pieces.values()) > 5
    flat = [(j, piece) for j, column in pieces.items() for piece in column]
    body = "\n".join(f"\\setbox0=\\hbox{{{piece}}}\\typeout{{W{i}=\\the\\wd0;}}"
                     for i, (_, piece) in enumerate(flat))
    log = pdflatex(tmp_path, body)
    widths: dict[tuple[int, int], list[float]] = {}
    for i, (j, _) in enumerate(flat):
        widths.setdefault(j, []).append(float(re.search(rf"W{i}=([\d.]+)pt;", log)[1]))
    assert any(len({piece for j2, piece in flat if j2 == j}) > 1 for j in widths)
    for j, column in widths.items():
        assert max(column) - min(column) < 0.01, (j, pieces[j], column)


def test_columns_of_numbers_are_split_at_the_point():
    """A value table's numbers: each the integer part in an r column and the rest in the l
    column after it (r@{}l), heads over both; read back, the numbers are the table's."""
    tex = latex_of("table", "sigmoid", "log(x)", "--points", "-20,0,0.5,3")
    specs = re.findall(r"\\begin\{tabular\}\{(.*)\}\n", tex)
    assert specs and all(re.fullmatch(r"(r@\{\}l)+", spec) for spec in specs)
    rows = [line[:-3].split(" & ") for line in tex.splitlines() if line.endswith(" \\\\")
            and not line.startswith("\\multicolumn")]
    integer = re.compile(r"\$-?\d+\$|\$-?\\infty\$|NaN")
    rest = re.compile(r"(\$(\.\d+)?(\{\}\\times10\^\{-?\d+\})?\$)?")
    assert len(rows) % 4 == 0  # 4 points, in as many blocks as the layout takes
    for row in rows:
        assert all(integer.fullmatch(c) for c in row[::2]), row
        assert all(rest.fullmatch(c) for c in row[1::2]), row
    sigmoid = float(rows[0][2].strip("$") + rows[0][3].strip("$").replace(
        "{}\\times10^{", "e").rstrip("}"))
    assert sigmoid == pytest.approx(2.06115e-9, rel=1e-6)
    cells = [cell for row in rows for cell in row]
    assert "$-\\infty$" in cells and "NaN" in cells  # log(0), log(-20)


def markdown_tails(line: str) -> list[tuple[int, int]]:
    """For each cell of a Markdown row: (points, digits) after its integer part, counting
    FIGURE SPACE as a digit and PUNCTUATION SPACE as a point."""
    tails = []
    for cell in line.strip("| ").split(" | "):
        p = parts(cell.rstrip("\u2007\u2008"))
        tail = cell[len(p.integer):] if p else ""
        tails.append((sum(c in ".\u2008" for c in tail), sum(c not in ".\u2008" for c in tail)))
    return tails


def test_markdown_and_text_numbers_align_on_the_point():
    md = invoke("table", "sigmoid", "elu", "--points", "-20,0,0.5,3", "-p", "4", "-f",
                "markdown").stdout.splitlines()[2:]
    columns = list(zip(*(markdown_tails(line) for line in md), strict=True))
    assert all(len(set(column)) == 1 for column in columns), columns
    assert float(md[1].split(" | ")[1]) == 0.5  # float() reads past the padding
    text = invoke("table", "sigmoid", "elu", "--points", "-20,0,0.5,3", "-p", "4").stdout
    lines = text.splitlines()[1:]
    for k in range(5):  # the point, or where it would be, at one place in every row
        ends = set()
        for line in lines:
            cell = re.finditer(r"\S+", line)
            match = list(cell)[k]
            p = parts(match[0])
            ends.add(match.start() + len(p.integer))
        assert len(ends) == 1, (k, text)
    grid = invoke("depth", "tanh", "relu").stdout.splitlines()
    column = [line[grid[0].index("tanh") + 15:].split()[1] for line in grid[2:14]
              if "tanh" not in line]
    assert "340.319" in text or column  # the depth grid: see the README's table


# --- heads that cannot be taken for the symbols of the rows --------------------------------------

def test_function_heads_are_names_not_symbols_of_the_rows():
    tex = latex_of("depth", "sigmoid", "tanh")
    heads = tex.split("\\midrule")[0]
    assert "$\\mathrm{sigmoid}$" in heads and "$\\tanh$" in heads
    assert "$\\sigma$" not in heads
    assert "$\\sigma_w$" in tex  # the row the old head $\sigma$ stood above
    compare = latex_of("compare", "sigmoid", "log_sigmoid", "binary_step", "x*tanh(x)",
                       "relu_squared")
    heads = compare.split("\\midrule")[0]
    for name in ("$\\mathrm{sigmoid}$", "$\\mathrm{log\\_sigmoid}$",
                 "$\\mathrm{binary\\_step}$", "\\texttt{x*\\allowbreak tanh(x)}",
                 "$\\mathrm{relu\\_squared}$"):
        assert name in heads
    two = latex_of("table", "x*tanh(x)", "x*sigmoid(x)", "--points", "0")
    assert "\\texttt{x*\\allowbreak tanh(x)}" in two
    assert "\\texttt{x*\\allowbreak sigmoid(x)}" in two


# --- escapes (issue 20: dropping the escape of _ passed every test) ------------------------------

def test_every_name_that_reaches_latex_has_its_underscores_escaped():
    """Parameter names, function names and formulas hold '_', which LaTeX reads as a
    subscript outside math: each place that writes one escapes it."""
    values = latex_of("table", "leaky_relu:negative_slope=0.2", "--points", "0")
    assert "\\scriptsize negative\\_slope${}=0.2$" in values
    grid = latex_of("compare", "log_sigmoid", "log_sigmoid(x)*2", "--rows", "f0")
    assert "$\\mathrm{log\\_sigmoid}$" in grid
    assert "\\texttt{log\\_sigmoid(x)*\\allowbreak 2}" in grid
    depth = latex_of("depth", "leaky_relu:negative_slope=0.2", "--layers", "3")
    assert "negative\\_\\allowbreak slope" in depth
    assert "calculate\\_\\allowbreak gain" in latex_of("compare", "relu")
    for tex in (values, grid, depth):
        outside_math = re.sub(r"\$[^$]*\$", "", tex.split("% Notes")[0])
        assert re.search(r"(?<!\\)_", outside_math) is None


@needs_tex
def test_names_with_underscores_compile(tmp_path):
    tables = {
        "values": latex_of("table", "leaky_relu:negative_slope=0.2", "log_sigmoid",
                           "--points", "0,1"),
        "grid": latex_of("compare", "log_sigmoid", "log_sigmoid(x)*2", "--rows", "f0,df0"),
        "depth": latex_of("depth", "leaky_relu:negative_slope=0.2", "--layers", "3"),
    }
    found = typeset(tmp_path, tables)
    assert all(got["problems"] == "" for got in found.values()), found


# --- configs/paper-figures.yaml ----------------------------------------------------------------

@needs_tex
def test_the_tables_of_the_paper_config_compile_in_a_two_column_article(tmp_path):
    """Its table jobs, run as the batch runs them (its figures left out: they take a while
    and are not tables), each in the float its file names."""
    config = yaml.safe_load((ROOT / "configs/paper-figures.yaml").read_text())
    jobs = [job for job in config["jobs"] if job["kind"] in ("table", "compare")]
    assert {job["name"] for job in jobs} == {"tab1-values", "tab2-properties"}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({**config, "jobs": jobs}))
    result = invoke("batch", "c.yaml", "--jobs", "1", "--output-dir", "out", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    tables = {job["name"]: (tmp_path / "out" / f"{job['name']}.tex").read_text()
              for job in jobs}
    found = typeset(tmp_path, tables)
    assert found["tab1-values"]["float"] == "table"
    assert found["tab2-properties"]["float"] == "table*"
    for got in found.values():
        assert got["problems"] == ""
        assert got["height"] <= latex.FLOAT_HEIGHT
        width = latex.TEXT_WIDTH if got["float"] == "table*" else latex.COLUMN_WIDTH
        assert got["width"] <= width + 0.01


# --- the aligner, on any numbers -----------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
values = st.lists(st.one_of(finite, st.sampled_from([math.inf, -math.inf, math.nan, 0.0])),
                  min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(values, st.one_of(st.none(), st.integers(min_value=1, max_value=17)))
def test_any_column_of_numbers_aligns_on_the_point(numbers, precision):
    """Numbers as the tables write them, at any precision: in monospace text the point (or
    where it would be) is at one place in every padded cell, in Markdown every cell has as
    many digits (or figure spaces) after its integer part, and in LaTeX every phantom-padded
    integer part has the same sign and number of digits; LaTeX splits each into an integer
    part and the rest that read back as the number."""
    texts = [text_number(x, precision) for x in numbers]
    column = Column().add_all(texts)
    right = [column.right(t) for t in texts]
    width = max(map(len, right))
    ends = {width - len(r) + len(parts(t).integer) for r, t in zip(right, texts, strict=True)}
    assert len(ends) == 1
    tails = set()
    for t in texts:
        p = parts(t)
        padded = column.markdown(t)[len(p.integer):]
        tails.add((sum(c in ".\u2008" for c in padded), sum(c not in ".\u2008" for c in padded)))
    assert len(tails) == 1
    shapes = set()
    for t in texts:
        p = parts(t)
        if p.special:
            continue
        cell = latex.pad_integer(t, column)
        phantom = re.match(r"\\phantom\{([^}]*)\}", cell)
        integer = (phantom[1] if phantom else "").replace("$-$", "-") + p.integer
        shapes.add((integer.count("-"), sum(c.isdigit() for c in integer)))
        whole, rest = latex.split_number(t)
        back = (whole + rest).replace("$", "").replace("{}\\times10^{", "e").rstrip("}")
        assert float(back) == float(t)
    assert len(shapes) <= 1


@pytest.mark.parametrize("args", [["table", "sigmoid", "gelu", "--second-derivative"],
                                  ["compare", "relu", "gelu", "silu", "mish", "elu"],
                                  ["depth", "tanh", "relu"], ["diff", "gelu", "silu"]])
def test_the_same_command_twice_writes_the_same_latex(args):
    assert latex_of(*args) == latex_of(*args)
