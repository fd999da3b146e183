"""Stop signals and dying parents, deterministically: each test runs actviz in a subprocess
with a job (or a table writer) that starts writing its file, says "ready" on stdout and then
waits forever, so the signal always arrives in the middle of a write; no race against files
appearing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# A job kind that writes part of its file and waits: registered the way any kind is, by one
# entry in actviz.jobs.KINDS, before the command line starts (workers fork from here).
BATCH = """
import os, sys, time
from actviz import jobs
from actviz._files import write_atomically
from actviz.options import Command

def run_wait(functions, opts, target):
    def write(handle):
        handle.write("partial")
        handle.flush()
        os.write(1, f"ready {os.getpid()}\\n".encode())
        while True:
            time.sleep(0.01)
    return [write_atomically(target.main, write, mode="w")]

jobs.KINDS["wait"] = jobs.JobKind(Command("wait", "", "", ()), "text", "wait_",
                                  lambda functions, opts: None, run_wait, jobs._table_target,
                                  weight=9)
from actviz.cli import main
sys.argv = ["actviz", *sys.argv[1:]]
main()
"""

CONFIG = """\
output_dir: out/deep
jobs:
  - {kind: wait, name: a, functions: [relu]}
  - {kind: wait, name: b, functions: [elu]}
  - {kind: table, name: t, functions: [tanh]}
"""

# A single command whose CSV writer stops half way through the table and waits.
SINGLE = """
import os, sys, time
from actviz import writers

def values(self, out, table, precision=None):
    out.write("x,relu\\n")
    out.flush()
    os.write(1, f"ready {os.getpid()}\\n".encode())
    while True:
        time.sleep(0.01)

writers.Csv.values = values
from actviz.cli import main
sys.argv = ["actviz", *sys.argv[1:]]
main()
"""


def start(script: str, args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_ready(process: subprocess.Popen, count: int) -> list[int]:
    """The pids of the first ``count`` processes that said they are waiting mid-write."""
    pids = []
    assert process.stdout is not None
    while len(pids) < count:
        line = process.stdout.readline()
        assert line, f"actviz ended before it was ready: {process.stderr.read()}"
        if line.startswith("ready "):
            pids.append(int(line.split()[1]))
    return pids


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting to be reaped has stopped running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def gone(pids: list[int], within: float = 20.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.02)
    return False


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".")
                  or p.suffix == ".tmp")


STOPS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("signum", STOPS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("group", [False, True], ids=["parent", "group"])
def test_a_stopped_batch_leaves_nothing_half_written(tmp_path, jobs, signum, group):
    """To the parent alone (kill PID) or to the whole process group (Ctrl-C at a terminal):
    exit 128 + signal, one line on stderr, no traceback, no temporary or partial file, no
    worker left running."""
    (tmp_path / "c.yaml").write_text(CONFIG)
    process = start(BATCH, ["batch", "c.yaml", "--jobs", jobs], tmp_path)
    waiting = wait_ready(process, int(jobs))
    if group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert err.splitlines()[-1] == "Error: interrupted; no partial or temporary file was left"
    assert "Traceback" not in err
    out = tmp_path / "out"
    assert leftovers(tmp_path) == []
    assert not (out / "deep" / "a.txt").exists() and not (out / "deep" / "b.txt").exists()
    assert gone(waiting)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path):
    """SIGKILL cannot be caught: the workers must notice their parent is gone, remove their
    unfinished files and stop, rather than hold the caller's pipes forever."""
    (tmp_path / "c.yaml").write_text(CONFIG)
    process = start(BATCH, ["batch", "c.yaml", "--jobs", "2"], tmp_path)
    workers = wait_ready(process, 2)
    assert process.pid not in workers
    process.kill()
    process.wait(timeout=60)
    assert gone(workers)
    process.communicate(timeout=60)  # the pipes are closed: no worker holds them
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("signum", STOPS, ids=lambda s: signal.Signals(s).name)
def test_a_stopped_command_removes_its_file_and_the_folders_it_made(tmp_path, signum):
    process = start(SINGLE, ["table", "relu", "-o", "new/dir/t.csv"], tmp_path)
    wait_ready(process, 1)
    assert (tmp_path / "new" / "dir").is_dir()
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum
    assert err == "Error: interrupted\n"
    assert list(tmp_path.iterdir()) == []  # no t.csv, no temporary file, no new folders


# --- killed outright: the next run sweeps what the dead process left ----------------------------

def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_next_run_sweeps_what_a_killed_command_left(tmp_path):
    """SIGKILL cannot be caught: the temporary file stays, named after its process. The next
    run into the folder removes it, and only what it may: the temporary files of processes
    of this machine that no longer run."""
    from actviz._files import host

    from .helpers import invoke

    process = start(SINGLE, ["table", "relu", "-o", "out/t.csv"], tmp_path)
    wait_ready(process, 1)
    process.kill()
    process.communicate(timeout=60)
    out = tmp_path / "out"
    left = temporaries(out)
    assert len(left) == 1 and left[0].startswith(f".t.csv.{host()}-{process.pid}.")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        others = [f".t.csv.{host()}-{sleeper.pid}.abcdefgh.tmp",  # a process still running
                  f".t.csv.{'0' if host()[0] != '0' else '1'}{host()[1:]}-{process.pid}"
                  ".abcdefgh.tmp",  # another machine's process
                  ".t.csv.abcdefgh.tmp",  # not actviz's pattern
                  f"t.csv.{host()}-{process.pid}.abcdefgh.tmp"]
        for name in others:
            (out / name).write_text("")
        result = invoke("plot", "relu", "-o", out / "p.png")
        assert result.exit_code == 0, result.output
        assert temporaries(out) == sorted(others)
        assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".tmp")) == [
            "p.png"]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_every_folder_is_swept_once_by_its_own_name(tmp_path):
    """The same relative name in two working folders is two folders."""
    from actviz._files import host

    from .helpers import invoke

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for name in ("a", "b"):
        out = tmp_path / name / "output"
        out.mkdir(parents=True)
        (out / f".t.csv.{host()}-{dead.pid}.abcdefgh.tmp").write_text("")
        assert invoke("table", "relu", "-o", "output/t.csv", cwd=tmp_path / name).exit_code == 0
        assert sorted(p.name for p in out.iterdir()) == ["t.csv"]


def test_a_folder_removed_by_another_writer_is_made_again(tmp_path, monkeypatch):
    """Two workers of a batch into a new folder: the first makes it, its job fails and it
    removes the folder it made, just after the second found the folder there and before it
    made its temporary file ('cannot write output/table_relu.txt: No such file or
    directory'). The second makes the folder again."""
    import tempfile

    from actviz import _files

    mkstemp = tempfile.mkstemp
    removed = []

    def other_writer_first(dir, **names):
        if not removed:  # the other writer removes the folder it made, now empty
            Path(dir).rmdir()
            removed.append(dir)
        return mkstemp(dir=dir, **names)

    monkeypatch.setattr(_files.tempfile, "mkstemp", other_writer_first)
    target = tmp_path / "output" / "t.txt"
    _files.write_atomically(target, lambda handle: handle.write("done"), mode="w")
    assert removed == [tmp_path / "output"] and target.read_text() == "done"


# A job kind that writes part of its file, says "ready", and finishes when the file "go"
# appears in the current folder.
BATCH_GO = BATCH.replace("""        while True:
            time.sleep(0.01)""", """        while not os.path.exists("go"):
            time.sleep(0.01)
        handle.write(" and done")""")


def test_two_batches_into_one_folder_keep_each_others_files(tmp_path):
    """Before, a batch ending removed every '.NAME.*.tmp' of its own file names in its
    folder, those another batch was still writing included (3 of 6 runs failed)."""
    from .helpers import invoke

    (tmp_path / "a.yaml").write_text("output_dir: shared\njobs: [{kind: wait, name: a, "
                                     "functions: [relu]}]\n")
    (tmp_path / "b.yaml").write_text("output_dir: shared\njobs: [{kind: table, name: a, "
                                     "functions: [relu]}, {kind: table, name: b, "
                                     "functions: [elu]}]\n")
    first = start(BATCH_GO, ["batch", "a.yaml", "--jobs", "1"], tmp_path)
    try:
        wait_ready(first, 1)
        assert len(temporaries(tmp_path / "shared")) == 1
        second = invoke("batch", "b.yaml", "--jobs", "2", cwd=tmp_path)
        assert second.exit_code == 0, second.output
        assert len(temporaries(tmp_path / "shared")) == 1  # the first batch's, unfinished
        (tmp_path / "go").write_text("")
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert (tmp_path / "shared" / "a.txt").read_text() == "partial and done"
    assert temporaries(tmp_path / "shared") == []


# --- a signal after the work is done ------------------------------------------------------------

# The command runs, then SIGTERM arrives at two moments after its work is done: as the command
# returns (after its own signal handling ended), or while Python shuts down (atexit).
LATE = """
import atexit, os, signal, sys
when = sys.argv.pop(1)
if when == "shutdown":
    atexit.register(lambda: os.kill(os.getpid(), signal.SIGTERM))
else:
    from actviz import cli
    invoke = cli.ActvizGroup.invoke

    def late(self, ctx):
        result = invoke(self, ctx)
        os.kill(os.getpid(), signal.SIGTERM)
        return result

    cli.ActvizGroup.invoke = late
from actviz.cli import main
sys.argv = ["actviz", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("when", ["return", "shutdown"])
@pytest.mark.parametrize("args", [["table", "relu", "-o", "t.csv"], ["plot", "relu"],
                                  ["table", "relu", "--num", "3"]], ids=" ".join)
def test_a_signal_after_the_work_leaves_the_result_as_it_is(tmp_path, when, args):
    """Before, the process died by the signal (-15, no message) with its files written."""
    done = subprocess.run([sys.executable, "-c", LATE, when, *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    if "-o" in args:
        assert done.stdout == "t.csv\n" and (tmp_path / "t.csv").read_text().startswith("x,")
    elif args[0] == "plot":
        assert done.stdout == "output/relu.png\n"
        assert (tmp_path / "output" / "relu.png").read_bytes()[:4] == b"\x89PNG"
    else:
        assert done.stdout.split() == ["x", "relu", "relu'", "-5", "0", "0", "0", "0", "0",
                                       "5", "5", "1"]
