"""What a fuzzer found, tried as a hostile user would (issue 20, section 2): numbers too big
for a float, configs that expand without bound, figures that would take minutes, files that
must not be written or replaced, specs with stray white space, and a formula that starts with
'-'. Each case is a one-line error that says what would be right, or the right output."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import actviz
from actviz import checks
from actviz.cli import cli
from actviz.config import MAX_NODES, ConfigError, load

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


# --- 4. aliases: the work is bounded by the expanded size ---------------------------------------

JOB = "{kind: table, functions: [relu, elu, gelu, silu, tanh, sigmoid, mish, selu]}"
"""13 nodes: the mapping, 2 for kind, 1 for the key functions, the list and its 8 names."""


def aliases(count: int) -> str:
    """A config of 9 nodes and ``count`` jobs: one anchored job and its aliases."""
    return ("defaults: {range: [-1, 1]}\njobs: [&j " + JOB + "".join([", *j"] * (count - 1))
            + "]\n")


def test_aliases_that_expand_past_the_limit_are_refused_early(tmp_path):
    """260,000 aliases of one job in a 1 MB file took 123 s and 3.7 GB before: each alias
    counts as the 13 nodes of the job it names, so the limit is passed after about 1,500 of
    them, whatever follows, and reading that far takes little memory."""
    config = tmp_path / "c.yaml"
    config.write_text(aliases(260_000)[:2**20 - 2].rpartition(",")[0] + "]\n")
    assert config.stat().st_size > 1_000_000
    tracemalloc.start()
    try:
        found = problems(config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == [f"{config}:2: the YAML expands to more than {MAX_NODES} nodes (each alias "
                     "counts as the node it names); a config is at most that large (split it "
                     "into several files)"]
    assert peak < 64 * 2**20


def test_a_billion_laughs_is_refused(tmp_path):
    lines = ["a0: &a0 [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "c.yaml").write_text("\n".join(lines) + "\njobs: [{kind: table, functions: "
                                     "*a8}]\n")
    assert problems(tmp_path / "c.yaml")[0].split(": ", 1)[1].startswith(
        f"the YAML expands to more than {MAX_NODES} nodes")


def test_aliases_below_the_limit_are_counted_at_each_use(tmp_path):
    """An alias is its whole node: 9 + 13 x 1537 = 19,990 nodes pass (then their files
    collide), 9 + 13 x 1538 = 20,003 do not."""
    assert MAX_NODES == 20_000
    (tmp_path / "ok.yaml").write_text(aliases(1537))
    found = problems(tmp_path / "ok.yaml")
    assert len(found) == 1536
    assert found[0].endswith(":2: jobs[1]: writes table_relu_elu_gelu_silu_tanh_sigmoid_mish_"
                             "selu.txt, as jobs[0] (line 2) does; give one of them another "
                             "name")
    (tmp_path / "big.yaml").write_text(aliases(1538))
    assert problems(tmp_path / "big.yaml")[0].endswith(
        f":2: the YAML expands to more than {MAX_NODES} nodes (each alias counts as the node "
        "it names); a config is at most that large (split it into several files)")


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path):
    (tmp_path / "c.yaml").write_text("jobs: &a [{kind: table, functions: *a}]\n")
    assert problems(tmp_path / "c.yaml") == [
        f"{tmp_path / 'c.yaml'}:1: YAML syntax error: the alias *a is inside the node &a it "
        "names (a cycle)"]


def test_a_job_key_in_defaults_is_named_as_such(tmp_path):
    (tmp_path / "c.yaml").write_text("defaults: {kind: plot}\njobs: [{kind: table, "
                                     "functions: [relu]}]\n")
    assert problems(tmp_path / "c.yaml") == [
        f"{tmp_path / 'c.yaml'}:1: defaults.kind: 'kind' belongs to each job, not to defaults"]


def test_a_control_character_in_a_config_is_one_line(tmp_path):
    """PyYAML's message took two lines ('... not allowed' then 'in "<unicode string>",
    position 23')."""
    (tmp_path / "c.yaml").write_text("jobs:\n  - {kind: plot,\b functions: [relu]}\n")
    result = invoke("batch", "c.yaml", cwd=tmp_path)
    assert (result.exit_code, result.output) == (2, (
        "c.yaml:2: YAML syntax error: character #x0008 at column 17 is not allowed in YAML (a "
        "control character)\nError: 1 problem in c.yaml; nothing was run\n"))


# --- 5. a depth figure that would take minutes ---------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--layers", "1000", "--width", "4000"],
     "simulating 4 networks of 1000 layers x 4000 units draws 6.4e10 weights; at most 5e8 are "
     "drawn (the default draws 1.2e8): give --width 353, --layers 7 or --no-simulate"),
    (["--layers", "1000"],
     "simulating 4 networks of 1000 layers x 1000 units draws 4e9 weights; at most 5e8 are "
     "drawn (the default draws 1.2e8): give --width 353, --layers 125 or --no-simulate"),
    (["--layers", "200", "--networks", "64"],
     "simulating 64 networks of 200 layers x 1000 units draws 1.3e10 weights; at most 5e8 are "
     "drawn (the default draws 1.2e8): give --width 197, --layers 7, --networks 2 or "
     "--no-simulate"),
])
def test_a_simulation_too_long_is_refused_before_any_work(tmp_path, args, message):
    result = invoke("depth", "tanh", *args, "-o", "d.png", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output == f"Error: {message}\n"
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "c.yaml").write_text("jobs: [{kind: depth, functions: [tanh], image: svg, "
                                     + ", ".join(f"{k[2:]}: {v}" for k, v in
                                                 zip(args[::2], args[1::2], strict=True))
                                     + "}]\n")
    assert problems(tmp_path / "c.yaml") == [f"{tmp_path / 'c.yaml'}:1: jobs[0].functions: "
                                             f"{message}"]


def test_the_limit_is_that_of_the_figure_only():
    """The suggested settings fit; the table alone, or --no-simulate, simulates nothing."""
    checks.check_simulation(125, 1000, 4)
    checks.check_simulation(1000, 353, 4)
    for args in (["-f", "csv"], ["--no-simulate", "-o", "d.svg"]):
        result = invoke("depth", "tanh", "--layers", "1000", "--width", "4000", *args)
        if "-o" in args:
            Path("d.svg").unlink()
        assert result.exit_code == 0, result.output


# --- 8, 9, 16, 17: where files may and may not go -----------------------------------------------

@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder everyone may enter (pytest's own are root's alone), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="actviz-test-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def unprivileged(*owned: Path) -> Iterator[None]:
    """Run the block as an ordinary user: as root (who writes anywhere), as nobody (uid and
    gid 65534), owning ``owned``, and root again afterwards; as anyone else, as they are."""
    if os.geteuid() != 0:
        yield
        return
    for path in owned:
        os.chown(path, 65534, 65534)
    os.setresgid(65534, 65534, 0)
    os.setresuid(65534, 65534, 0)
    try:
        yield
    finally:
        os.setresuid(0, 0, 0)
        os.setresgid(0, 0, 0)


def test_a_read_only_file_is_refused_as_echo_refuses_it(open_dir):
    """Before, a 444 file in the user's own folder was replaced and its mode reset to 644."""
    tmp_path = open_dir
    folder = tmp_path / "mine"
    folder.mkdir()
    target = folder / "t.csv"
    target.write_text("keep me\n")
    os.chmod(target, 0o444)
    batch = "output_dir: .\njobs: [{kind: table, name: t, functions: [relu], format: csv}]\n"
    (tmp_path / "c.yaml").write_text(batch)  # imported as root, what nobody could not
    assert invoke("batch", "c.yaml", "--jobs", "1", cwd=tmp_path).exit_code == 0
    with unprivileged(folder, target):
        result = invoke("table", "relu", "-o", "t.csv", cwd=folder)
        (folder / "c.yaml").write_text(batch)
        run = invoke("batch", "c.yaml", "--jobs", "1", cwd=folder)
    assert result.exit_code == 1
    assert result.output == ("Error: cannot write t.csv: Permission denied (the file is "
                             "read-only; make it writable or choose another name)\n")
    assert run.exit_code == 1 and "jobs[0] (line 2): cannot write t.csv: Permission denied" \
        in run.output
    assert target.read_text() == "keep me\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert sorted(p.name for p in folder.iterdir()) == ["c.yaml", "t.csv"]


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    assert invoke("table", "relu", "-o", target).exit_code == 0
    assert target.read_text().startswith("x,relu,relu'")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_an_unwritable_folder_is_named_not_the_temporary_file(open_dir):
    tmp_path = open_dir
    folder = tmp_path / "theirs"
    folder.mkdir()
    os.chmod(folder, 0o755)
    invoke("plot", "relu", "-o", tmp_path / "warm.png")
    with unprivileged():
        results = [invoke("table", "relu", "-o", folder / "t.csv"),
                   invoke("plot", "relu", "-o", folder / "p.png"),
                   invoke("table", "relu", "-o", folder / "new" / "t.csv")]
    assert [r.exit_code for r in results] == [1, 1, 1]
    assert results[0].output == f"Error: cannot write {folder}/t.csv: Permission denied\n"
    assert results[1].output == f"Error: cannot write {folder}/p.png: Permission denied\n"
    assert results[2].output == f"Error: cannot write {folder}/new/t.csv: Permission denied\n"
    assert list(folder.iterdir()) == []


def test_a_fifo_or_device_without_extension_is_written_not_beside(tmp_path):
    """-o naming an existing FIFO or character device is written through (as tables have
    been since issue 10), whatever its name: before, a figure went to NAME.png beside it."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = invoke("plot", "relu", "-o", fifo)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert received[0].startswith(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "null").symlink_to(os.devnull)
    result = invoke("plot", "relu", "-f", "svg", "-o", tmp_path / "null")
    assert result.exit_code == 0, result.output
    assert result.output == f"{tmp_path / 'null'}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "pipe"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root makes device files")
def test_a_block_device_is_never_written(tmp_path):
    disk = tmp_path / "disk"
    try:
        os.mknod(disk, 0o600 | stat.S_IFBLK, os.makedev(7, 250))
    except OSError:
        pytest.skip("this machine does not let root make a block device")
    result = invoke("table", "relu", "-o", disk)
    assert result.exit_code == 1
    assert result.output == (f"Error: cannot write {disk}: it is a block device; write to a "
                             "file, a FIFO or a character device such as /dev/stdout\n")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["batch", "c.yaml", "--output-dir", os.devnull], 1,
     f"Error: cannot write into {os.devnull}: {os.devnull} is a character device, not a "
     "folder"),
    (["batch", "c.yaml", "--output-dir", "c.yaml/x"], 1,
     "Error: cannot write into c.yaml/x: c.yaml is a file, not a folder"),
])
def test_a_folder_that_is_a_device_or_a_file(tmp_path, args, code, message):
    (tmp_path / "c.yaml").write_text("jobs: [{kind: table, functions: [relu]}]\n")
    result = invoke(*args, cwd=tmp_path)
    assert (result.exit_code, result.output) == (code, message + "\n")
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


# --- 12. white space in a spec ------------------------------------------------------------------

def test_a_spec_with_a_trailing_newline_is_the_spec(tmp_path):
    """'relu\\n' was drawn with the newline in its legend, and written into CSV headers."""
    table = invoke("table", "relu\n", "x\t+ 1", "--num", "3", "-f", "csv")
    assert table.output.splitlines()[0] == "x,relu,relu',x + 1,x + 1'"
    for name, spec in (("a.png", "relu\n"), ("b.png", "relu")):
        assert invoke("plot", spec, "elu", "-o", name, cwd=tmp_path).exit_code == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    (tmp_path / "c.yaml").write_text('jobs: [{kind: table, functions: ["relu\\n"], '
                                     "format: csv}]\n")
    assert invoke("batch", "c.yaml", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "output" / "table_relu.csv").read_text().startswith("x,relu,relu'\n")


# --- a formula that starts with '-' --------------------------------------------------------------

def test_minus_minus_x_is_a_formula_after_the_double_dash(tmp_path):
    """``--x`` is -(-x) = x, exactly: f' = 1 and f'' = 0; on the command line it goes after
    '--' (before, click takes it for an option), and the error says so."""
    x = np.array([-3.0, -0.0, 0.0, 2.5, 1e300])
    f, d1, d2 = actviz.get("--x").evaluate(x, 2)
    assert np.array_equal(f, x) and np.all(d1 == 1.0) and np.all(d2 == 0.0)
    table = invoke("table", "--points", "-3,0,2.5", "-f", "csv", "--", "--x", "-x")
    assert table.exit_code == 0, table.output
    assert table.output == "x,--x,--x',-x,-x'\n-3,-3,1,3,-1\n0,0,1,0,-1\n2.5,2.5,1,-2.5,-1\n"
    refused = CliRunner().invoke(cli, ["table", "--x"], prog_name="actviz")
    assert refused.exit_code == 2
    assert refused.output == ("Error: No such option '--x'. A SPEC that starts with '-' goes "
                              "after '--', as in: actviz table -- --x. See 'actviz table "
                              "-h'.\n")
    assert CliRunner().invoke(cli, ["table", "--nmu", "3", "relu"],
                              prog_name="actviz").output == (
        "Error: No such option '--nmu'. Did you mean '--num'? See 'actviz table -h'.\n")
    (tmp_path / "c.yaml").write_text('jobs: [{kind: table, functions: ["--x"], format: csv, '
                                     "points: [-1, 2]}]\n")
    assert invoke("batch", "c.yaml", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "output" / "table_x.csv").read_text() == "x,--x,--x'\n-1,-1,1\n2,2,1\n"



# --- an error is one line, whatever the user typed ----------------------------------------------

def test_control_characters_in_what_was_typed_are_shown_not_acted_on(tmp_path):
    """A carriage return or a newline echoed in a message split the 'Error:' line (the
    hypothesis test of every command found 'info relu $'\\r'')."""
    cases = {("info", "relu", "\r"): "Error: Got unexpected extra argument (\\r) See 'actviz "
                                     "info -h'.",
             ("info", "elu:al\npha=1"): "Error: elu has no parameter 'al\\npha'. Did you mean "
                                       "'alpha'? It takes: alpha (default 1)",
             ("plot", "relu", "--style", "a\bb"): "Error: unknown matplotlib style 'a\\x08b'. "
                                                  "See matplotlib.style.available."}
    for args, message in cases.items():
        result = CliRunner().invoke(cli, list(args), prog_name="actviz")
        assert (result.exit_code, result.output) == (2, message + "\n")
    (tmp_path / "c.yaml").write_text('jobs: [{kind: table, name: t, functions: [relu]}]\n')
    (tmp_path / "output" / "t.txt").mkdir(parents=True)
    failed = invoke("batch", "c.yaml", cwd=tmp_path)
    assert failed.exit_code == 1
    assert failed.output.splitlines()[0].startswith("Error: jobs[0] (line 1): cannot write")


# --- the same curve twice -----------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("relu", "relu"), "relu is given twice; a figure draws each curve once: name it once"),
    (("relu\n", "relu"), "relu is given twice; a figure draws each curve once: name it once"),
    (("elu", "--sweep", "alpha=1,2,1"),
     "alpha=1 is given twice in the sweep; a figure draws each curve once: name it once"),
    (("elu", "elu:alpha=1"), "elu:alpha=1 is elu again; a figure draws each curve once: "
                             "name it once"),
    (("elu", "--sweep", "alpha=1,1.0"),
     "alpha=1.0 is alpha=1 again in the sweep; a figure draws each curve once: name it once"),
])
def test_a_figure_refuses_the_same_curve_twice(tmp_path, args, message):
    """``plot relu relu`` ended in a KeyError (the tracks of regions name their lanes by the
    curves' names): one curve would be drawn under another with one name for both."""
    result = invoke("plot", *args, "-o", "f.png", cwd=tmp_path)
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_a_batch_refuses_the_same_curve_twice_and_other_commands_answer(tmp_path):
    """The same refusal from a batch job; two different curves of one function are drawn;
    tables, compare and diff of the same function twice are well defined and answer (once
    for all the spellings above: none of this depends on them)."""
    (tmp_path / "c.yaml").write_text("jobs: [{kind: plot, functions: [relu, relu]}]\n")
    result = invoke("batch", "c.yaml", cwd=tmp_path)
    assert result.exit_code != 0 and "relu is given twice" in result.output
    assert invoke("plot", "elu", "elu:alpha=2", "-o", "g.png", cwd=tmp_path).exit_code == 0
    for command in ("table", "compare", "diff"):
        assert invoke(command, "relu", "relu", cwd=tmp_path).exit_code == 0
