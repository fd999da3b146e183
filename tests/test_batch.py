"""actviz batch: every validation problem with its line, parallel runs equal to serial ones
and to the single commands, faults, interruption."""

from __future__ import annotations

from pathlib import Path

import pytest

from actviz.config import ConfigError, load

from .helpers import invoke

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "configs" / "gallery.yaml"


run = invoke


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


GOOD = """\
output_dir: out
defaults:
  range: [-3, 3]
  num: 201
  format: png
jobs:
  - kind: plot
    name: relu-family
    functions: [relu, "leaky_relu:negative_slope=0.1", {name: elu, params: {alpha: 0.5}}]
    layout: grid
  - kind: table
    functions: [sigmoid, tanh]
    num: 11
    format: markdown
  - kind: plot
    functions: [elu]
    sweep: {alpha: [0.5, 1, 2]}
  - kind: compare
    functions: [relu, gelu]
    cost: false
    format: json
  - kind: diff
    functions: [gelu, "gelu:approximate=tanh"]
    image: svg
"""


def test_a_good_config_runs_every_job(tmp_path):
    (tmp_path / "c.yaml").write_text(GOOD)
    result = run("batch", "c.yaml", "--jobs", "1", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    written = ["out/compare_relu_gelu.json", "out/diff_gelu_gelu_approximate-tanh.svg",
               "out/diff_gelu_gelu_approximate-tanh.txt", "out/elu_alpha-0.5_1_2.png",
               "out/relu-family.png", "out/table_sigmoid_tanh.md"]
    assert files_under(tmp_path) == sorted(["c.yaml", *written])
    lines = result.output.splitlines()
    assert sorted(lines[:-1]) == written  # not a terminal: one line per file
    assert lines[-1].startswith("6 files written, 0 failed in ")
    table = (tmp_path / "out/table_sigmoid_tanh.md").read_text().splitlines()
    # defaults apply, jobs override; "-3" ends in a punctuation and a figure space, which
    # align it on the point with "-1.2" when rendered (issue 19)
    assert len(table) == 13 and table[2].startswith("| -3\u2008\u2007 |")


def test_dry_run_lists_and_writes_nothing(tmp_path):
    (tmp_path / "c.yaml").write_text(GOOD)
    result = run("batch", "c.yaml", "--dry-run", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "out/relu-family.png"
    assert result.output.splitlines()[-1] == "6 files would be written by 5 jobs"
    assert files_under(tmp_path) == ["c.yaml"]


def test_quiet_prints_nothing(tmp_path):
    (tmp_path / "c.yaml").write_text(GOOD)
    result = run("batch", "c.yaml", "--quiet", "--jobs", "2", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.output == ""
    assert len(files_under(tmp_path / "out")) == 6


def test_a_batch_plot_job_equals_the_single_command(tmp_path):
    (tmp_path / "c.yaml").write_text("jobs:\n  - kind: plot\n    functions: [gelu, silu]\n"
                                     "    second_derivative: true\n"
                                     "  - kind: plot\n    functions: [elu]\n"
                                     "    sweep: {alpha: [0.5, 1]}\n")
    assert run("batch", "c.yaml", "--output-dir", "batch", cwd=tmp_path).exit_code == 0
    assert run("plot", "gelu", "silu", "--second-derivative", cwd=tmp_path).exit_code == 0
    assert run("plot", "elu", "--sweep", "alpha=0.5,1", cwd=tmp_path).exit_code == 0
    for name in ("gelu_silu.png", "elu_alpha-0.5_1.png"):
        assert (tmp_path / "batch" / name).read_bytes() == (tmp_path / "output" / name).read_bytes()


def test_a_batch_table_job_equals_the_single_command(tmp_path):
    (tmp_path / "c.yaml").write_text("jobs:\n  - kind: table\n    name: t\n"
                                     "    functions: [gelu]\n    step: 0.25\n"
                                     "    format: csv\n")
    assert run("batch", "c.yaml", cwd=tmp_path).exit_code == 0
    assert run("table", "gelu", "--step", "0.25", "-o", "t.csv", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "output/t.csv").read_bytes() == (tmp_path / "t.csv").read_bytes()


# --- validation: every problem, with its line, nothing written ---------------------------------

PROBLEMS = [
    ("jobs:\n  - kind: plot\n    functions: [relu\n", "c.yaml:4: YAML syntax error: "),
    ("- just\n- a list\n", "c.yaml:1: the top level must be a mapping with a 'jobs' list"),
    ("", "c.yaml:1: the top level must be a mapping"),
    ("output: x\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: output: unknown key (did you mean 'output_dir'?)"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    rnage: [0, 1]\n",
     "c.yaml:4: jobs[0]: unknown key 'rnage' (did you mean 'range'?)"),
    ("jobs:\n  - kind: table\n    functions: [relu]\n    layout: grid\n",
     "c.yaml:4: jobs[0]: 'layout' is not an option of a table job (it is of plot)"),
    ("jobs:\n  - functions: [relu]\n", "c.yaml:2: jobs[0]: missing 'kind' (plot, table, "
     "compare, diff, depth, spectrum, precision, page)"),
    ("jobs:\n  - kind: plot\n", "c.yaml:2: jobs[0]: missing 'functions': a list of specs"),
    ("jobs:\n  - kind: plt\n    functions: [relu]\n",
     "c.yaml:2: jobs[0].kind: must be one of plot, table, compare, diff, depth, spectrum, "
     "precision, page, got 'plt' (did you mean 'plot'?)"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    num: ten\n",
     "c.yaml:4: jobs[0].num: must be a whole number, got 'ten'"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    range: 5\n",
     "c.yaml:4: jobs[0].range: must be a list of numbers, got 5"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    derivative: maybe\n",
     "c.yaml:4: jobs[0].derivative: must be true or false, got 'maybe'"),
    ("jobs:\n  - kind: plot\n    functions: relu\n",
     "c.yaml:3: jobs[0].functions: must be a non-empty list of functions"),
    ("jobs:\n  - kind: plot\n    functions:\n      - relu\n      - rleu\n",
     "c.yaml:5: jobs[0].functions[1]: unknown activation 'rleu' (did you mean 'relu'?)"),
    ("jobs:\n  - kind: plot\n    functions: [{name: elu, params: {alhpa: 1}}]\n",
     "c.yaml:3: jobs[0].functions[0]: elu has no parameter 'alhpa' (did you mean 'alpha'?); "
     "it takes: alpha (default 1)"),
    ("jobs:\n  - kind: plot\n    functions: [\"softplus:beta=0\"]\n",
     "c.yaml:3: jobs[0].functions[0]: softplus: beta must be > 0, got 0"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    range: [5, -5]\n",
     "c.yaml:4: jobs[0].range: range MIN must be below MAX, got 5 -5"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    saturation_threshold: -1\n",
     "c.yaml:4: jobs[0].saturation_threshold: saturation threshold must be a finite number >= "
     "0 (|f'| below it is saturation), got -1"),
    ("jobs:\n  - kind: plot\n    functions: [relu, elu]\n    sweep: {alpha: [1, 2]}\n",
     "c.yaml:3: jobs[0].functions: sweep works with one function; got relu elu"),
    ("jobs:\n  - kind: diff\n    functions: [relu]\n",
     "c.yaml:3: jobs[0].functions: diff compares exactly two functions, got 1"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n  - kind: plot\n    functions: [relu]\n",
     "c.yaml:4: jobs[1]: writes relu.png, as jobs[0] (line 2) does; give one of them "
     "another name"),
    ("jobs:\n  - kind: plot\n    name: a/b\n    functions: [relu]\n",
     "c.yaml:3: jobs[0].name: must be a file stem of letters, digits, - _ and ., got 'a/b'"),
    ("jobs:\n  - kind: plot\n    name: ..\n    functions: [relu]\n",
     "c.yaml:3: jobs[0].name: must be a file stem of letters, digits, - _ and ., got '..'"),
    ("output_dir: /tmp/elsewhere\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: output_dir: must be a relative folder inside the current directory, got "
     "'/tmp/elsewhere'"),
    ("output_dir: ../up\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: output_dir: must be a relative folder inside the current directory, got "
     "'../up'"),
    ("defaults: {format: gif}\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: defaults.format: must be one of png, svg, pdf, got 'gif'"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    kind: table\n",
     "c.yaml:4: jobs[0]: 'kind' is given twice (first on line 2)"),
    ("jobs:\n  - kind: plot\n    functions: [!!python/object:os.system relu]\n",
     "c.yaml:3: unsupported YAML tag tag:yaml.org,2002:python/object:os.system"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    1: x\n",
     "c.yaml:4: jobs[0]: keys must be text, got 1"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    saturation_threshold: [1]\n",
     "c.yaml:4: jobs[0].saturation_threshold: must be a number, got a list"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    dpi: {a: 1}\n",
     "c.yaml:4: jobs[0].dpi: must be a number, got a mapping"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    title: [a]\n",
     "c.yaml:4: jobs[0].title: must be text, got a list"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    range: [1, 2, 3]\n",
     "c.yaml:4: jobs[0].range: must be a list of 2 numbers, got 3"),
    ("jobs:\n  - kind: plot\n    functions: [elu]\n    sweep: [1, 2]\n",
     "c.yaml:4: jobs[0].sweep: must be one parameter and its values, e.g. {alpha: [0.5, 1, 2]}"),
    ("jobs:\n  - kind: plot\n    functions: [elu]\n    sweep: {alpha: []}\n",
     "c.yaml:4: jobs[0].sweep.alpha: must be a non-empty list of values"),
    ("jobs:\n  - kind: plot\n    functions: [[relu]]\n",
     "c.yaml:3: jobs[0].functions[0]: must be a spec string or {name: ..., params: {...}}"),
    ("jobs:\n  - kind: plot\n    functions: [{name: elu, parms: {alpha: 1}}]\n",
     "c.yaml:3: jobs[0].functions[0]: unknown key 'parms' in a function entry; use name and "
     "params"),
    ("jobs:\n  - kind: plot\n    functions: [{params: {alpha: 1}}]\n",
     "c.yaml:3: jobs[0].functions[0]: a function entry needs a 'name'"),
    ("jobs:\n  - kind: plot\n    functions: [{name: elu, params: [1]}]\n",
     "c.yaml:3: jobs[0].functions[0].params: must be a mapping of parameter names to values"),
    ("jobs:\n  - kind: plot\n    functions: [{name: elu, params: {alpha: [1]}}]\n",
     "c.yaml:3: jobs[0].functions[0].params.alpha: must be a number or a word"),
    ("output_dir: out\n", "c.yaml:1: missing 'jobs': a list of jobs to run"),
    ("jobs: []\n", "c.yaml:1: jobs: must be a non-empty list of jobs"),
    ("jobs: 5\n", "c.yaml:1: jobs: must be a non-empty list of jobs"),
    ("output_dir: [a]\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: output_dir: must be text, got a list"),
    ("defaults: [1]\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: defaults: must be a mapping of option names to values"),
    ("defaults: {range: [0, 1], range: [0, 2]}\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: defaults: 'range' is given twice (first on line 1)"),
    ("defaults: {rnage: [0, 1]}\njobs: [{kind: plot, functions: [relu]}]\n",
     "c.yaml:1: defaults: unknown key 'rnage' (did you mean 'range'?)"),
    ("jobs:\n  - just a string\n",
     "c.yaml:2: jobs[0]: a job must be a mapping with kind and functions"),
    ("defaults: {num: 5000000}\njobs: [{kind: table, functions: [relu]}]\n",
     "c.yaml:1: defaults.num: num must be between 2 and 1000000, got 5000000"),
    ("jobs:\n  - kind: plot\n    functions: [relu]\n    output: x.png\n",
     "c.yaml:4: jobs[0]: 'output' is an option of the command line only; in a config, 'name' "
     "and output_dir say where a job writes"),
    ("jobs:\n  - kind: diff\n    functions: [relu, elu]\n    image: gif\n",
     "c.yaml:4: jobs[0].image: must be one of png, svg, pdf, got 'gif'"),
    ("jobs:\n  - {kind: plot, functions: [relu], size: [0, 1]}\n",
     "c.yaml:2: jobs[0].size: size must be between 1 and 100 inches, got 0"),
    ("jobs:\n  - {kind: plot, functions: [relu], style: nope}\n",
     "c.yaml:2: jobs[0].style: unknown matplotlib style 'nope'. See matplotlib.style.available."),
    ("jobs:\n  - {kind: table, functions: [relu], step: 0.1, num: 5}\n",
     "c.yaml:2: jobs[0].functions: give one of num, step and points, not num and step"),
    ("jobs:\n  - {kind: table, functions: [relu], precision: 20}\n",
     "c.yaml:2: jobs[0].precision: precision must be between 1 and 17, got 20"),
    ("jobs:\n  - {kind: plot, functions: [relu], flavor: tf}\n",
     "c.yaml:2: jobs[0].flavor: must be one of torch, keras, jax, got 'tf'"),
    ("jobs:\n  - {kind: compare, functions: [relu], cost: yes please}\n",
     "c.yaml:2: jobs[0].cost: must be true or false, got 'yes please'"),
    ("jobs:\n  - {kind: plot, functions: [\"leaky_relu:negative_slope=0.1\"], "
     "sweep: {negative_slope: [1, 2]}}\n",
     "c.yaml:2: jobs[0].functions: negative_slope is both set in "
     "'leaky_relu:negative_slope=0.1' and swept"),
    ("jobs:\n  - {kind: plot, functions: [relu], layout: grid, layout: overlay}\n",
     "c.yaml:2: jobs[0]: 'layout' is given twice (first on line 2)"),
]


@pytest.mark.parametrize(("text", "message"), PROBLEMS, ids=[m[:60] for _, m in PROBLEMS])
def test_every_problem_is_reported_with_its_line_and_nothing_is_written(tmp_path, text,
                                                                        message):
    (tmp_path / "c.yaml").write_text(text)
    result = run("batch", "c.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith(message), lines
    assert lines[-1].startswith("Error: ") and lines[-1].endswith("in c.yaml; nothing was run")
    assert "Traceback" not in result.output
    assert files_under(tmp_path) == ["c.yaml"]


def test_yaml_spellings_of_options_equal_the_command_line(tmp_path):
    """A sweep as text, points as a list, and the YAML key no_annotations (the inverse of
    the annotations option) give the bytes the command line gives."""
    (tmp_path / "c.yaml").write_text(
        "jobs:\n  - {kind: plot, name: a, functions: [elu], sweep: 'alpha=0.5,2'}\n"
        "  - {kind: plot, name: b, functions: [relu], no_annotations: true}\n"
        "  - {kind: table, name: c, functions: [relu], points: [-1, 0, 2], format: csv}\n")
    assert run("batch", "c.yaml", "--jobs", "1", cwd=tmp_path).exit_code == 0
    singles = [("plot", "elu", "--sweep", "alpha=0.5,2", "-o", "a.png"),
               ("plot", "relu", "--no-annotations", "-o", "b.png"),
               ("table", "relu", "--points", "-1,0,2", "-o", "c.csv")]
    for args in singles:
        assert run(*args, cwd=tmp_path).exit_code == 0
        name = args[-1]
        assert (tmp_path / name).read_bytes() == (tmp_path / "output" / name).read_bytes()


@pytest.mark.parametrize("config", sorted((ROOT / "configs").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_every_shipped_config_passes_a_dry_run(tmp_path, config):
    import actviz

    result = run("batch", config, "--dry-run", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert files_under(tmp_path) == []
    if config.name == "gallery.yaml":  # a figure of every function of the catalog
        listed = {line.rsplit("/", 1)[-1] for line in result.output.splitlines()}
        assert {f"{name}.png" for name in actviz.names()} <= listed


def test_all_problems_at_once_in_line_order(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "defualts: {}\njobs:\n  - kind: plot\n    functions: [rleu]\n"
        "  - kind: table\n    functions: [relu]\n    step: 0\n")
    with pytest.raises(ConfigError) as info:
        load(tmp_path / "c.yaml")
    problems = [p.split(":", 2)[1] for p in info.value.problems]
    assert problems == ["1", "4", "7"]


def test_output_dir_on_the_command_line_may_be_anywhere(tmp_path):
    (tmp_path / "c.yaml").write_text("output_dir: ../not-allowed\n"
                                     "jobs: [{kind: table, name: t, functions: [relu]}]\n")
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    result = run("batch", "c.yaml", "--output-dir", elsewhere, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (elsewhere / "t.txt").is_file()


# --- faults --------------------------------------------------------------------------------------

FAULTY = """\
jobs:
  - {kind: table, name: a, functions: [relu]}
  - {kind: table, name: b, functions: [elu]}
  - {kind: table, name: c, functions: [gelu]}
"""


def test_a_failing_job_does_not_stop_the_others(tmp_path):
    (tmp_path / "c.yaml").write_text(FAULTY)
    (tmp_path / "output/b.txt").mkdir(parents=True)  # a folder where the file must go
    result = run("batch", "c.yaml", "--jobs", "1", cwd=tmp_path)
    assert result.exit_code == 1
    assert "Error: jobs[1] (line 3): cannot write" in result.output
    assert result.output.splitlines()[-1] == "Error: 1 of 3 jobs failed: jobs[1]"
    assert (tmp_path / "output/a.txt").is_file() and (tmp_path / "output/c.txt").is_file()
    assert not list((tmp_path / "output").glob(".*.tmp"))


def test_fail_fast_stops_at_the_first_failure(tmp_path):
    (tmp_path / "c.yaml").write_text(FAULTY)
    (tmp_path / "output/b.txt").mkdir(parents=True)
    result = run("batch", "c.yaml", "--jobs", "1", "--fail-fast", cwd=tmp_path)
    assert result.exit_code == 1
    assert (tmp_path / "output/a.txt").is_file()
    assert not (tmp_path / "output/c.txt").exists()


# --- parallel runs equal serial ones ------------------------------------------------------------

SMALL = """\
jobs:
  - {kind: plot, functions: [relu, elu]}
  - {kind: plot, functions: [gelu], second_derivative: true, format: svg}
  - {kind: plot, functions: [elu], sweep: {alpha: [0.5, 2]}, format: pdf}
  - {kind: table, functions: [sigmoid, crelu], num: 41, format: csv}
  - {kind: compare, functions: [relu, tanh], format: latex}
  - {kind: diff, functions: [gelu, silu], format: json, image: png}
"""


def test_parallel_and_serial_runs_of_a_small_config_write_the_same_bytes(tmp_path):
    (tmp_path / "c.yaml").write_text(SMALL)
    for jobs in ("1", "2"):
        result = run("batch", "c.yaml", "--jobs", jobs, "--output-dir", f"j{jobs}",
                     cwd=tmp_path)
        assert result.exit_code == 0, result.output
    names = files_under(tmp_path / "j1")
    assert len(names) == 7 and names == files_under(tmp_path / "j2")
    for name in names:
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes()


# --- the gallery, in parallel and serially (slow: pytest -m slow) ------------------------------

@pytest.fixture(scope="module")
def galleries(tmp_path_factory):
    root = tmp_path_factory.mktemp("gallery")
    parallel = run("batch", GALLERY, "--jobs", "2", "--output-dir", "parallel", cwd=root)
    serial = run("batch", GALLERY, "--jobs", "1", "--output-dir", "serial", cwd=root)
    return root, parallel, serial


@pytest.mark.slow
def test_the_gallery_writes_a_figure_per_function_and_the_tables(galleries):
    import actviz

    root, parallel, _ = galleries
    assert parallel.exit_code == 0, parallel.output
    names = files_under(root / "parallel")
    figures = [n for n in names if n.endswith(".png")]
    assert len(figures) >= 40
    assert {f"{name}.png" for name in actviz.names()} <= set(figures)
    assert "values.csv" in names and "properties.md" in names


@pytest.mark.slow
def test_parallel_and_serial_runs_write_the_same_bytes(galleries):
    root, _, serial = galleries
    assert serial.exit_code == 0
    names = files_under(root / "parallel")
    assert names == files_under(root / "serial")
    for name in names:
        first, second = ((root / run_ / name).read_bytes() for run_ in ("parallel", "serial"))
        assert first == second, name


# --- workers: never more than the jobs or the CPUs ----------------------------------------------

def test_no_more_workers_than_jobs_or_cpus(tmp_path, monkeypatch):
    """``--jobs 64`` on 2 jobs started 64 worker processes (4.2 GB for 8 jobs)."""
    import actviz.batch as batch

    started: list[int] = []

    class Pool(batch.ProcessPoolExecutor):
        def __init__(self, max_workers: int, **options):
            started.append(max_workers)
            super().__init__(max_workers=max_workers, **options)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(batch, "cores", lambda: 2)
    (tmp_path / "c.yaml").write_text(FAULTY)  # 3 jobs
    for asked, expected in (("64", 2), ("2", 2), ("1", None)):
        result = run("batch", "c.yaml", "--jobs", asked, "--output-dir", f"j{asked}",
                     cwd=tmp_path)
        assert result.exit_code == 0, result.output
        assert started.pop() == expected if expected else not started
    assert [batch.worker_count(asked, jobs) for asked, jobs in
            ((64, 8), (None, 8), (None, 1), (1, 8), (3, 2))] == [2, 2, 1, 1, 2]
    monkeypatch.setattr(batch, "cores", lambda: 16)
    assert [batch.worker_count(asked, jobs) for asked, jobs in
            ((64, 8), (None, 8), (None, 30), (4, 30))] == [8, 8, 16, 4]
