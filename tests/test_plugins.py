"""Functions added from Python (actviz.register) and by installed packages (the entry-point
group actviz.activations): found like built-ins, checked, loaded only when needed."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import actviz
from actviz import NotFiniteError, PluginError
from actviz.catalog import REGISTRY, Kink, Param, Piece

INF = math.inf
X = np.linspace(-4, 4, 33)


@pytest.fixture
def registered():
    """Names registered by a test, removed afterwards (the registry is process-wide)."""
    added: list[str] = []
    yield added
    for name in added:
        if name in REGISTRY:
            actviz.unregister(name)


def test_register_a_formula(registered):
    found = actviz.register("pswish", "x*sigmoid(beta*x)", params={"beta": 1.5},
                            title="Parametric swish")
    registered.append("pswish")
    assert found.origin == "formula" and "pswish" in actviz.names()
    act = actviz.get("pswish:beta=2")
    np.testing.assert_array_equal(act(X), actviz.get("swish:beta=2")(X))
    assert act.spec == "pswish:beta=2" and act.definition.title == "Parametric swish"
    np.testing.assert_array_equal(actviz.get("x*pswish(x, beta=2)")(X), X * act(X))
    actviz.unregister("pswish")
    assert "pswish" not in actviz.names()
    with pytest.raises(actviz.UnknownActivationError):
        actviz.get("pswish")
    with pytest.raises(actviz.FormulaError, match="unknown function 'pswish'"):
        actviz.get("x*pswish(x)")


def test_register_a_kernel_as_a_decorator(registered):
    @actviz.register("cube", title="Cube", latex=r"f(x) = a x^3", symbol=r"\mathrm{cube}",
                     aliases=("x3",))
    def cube(x, order, a=1.0):
        """f(x) = a x^3."""
        return a * x**3, 3 * a * x**2, 6 * a * x

    registered.append("cube")
    assert cube(np.array([2.0]), 0)[0][0] == 8.0  # the decorator gives the function back
    act = actviz.get("cube:a=2")
    f, d, dd = act.evaluate(np.array([-1.0, 2.0]), 2)
    assert f.tolist() == [-2.0, 16.0] and d.tolist() == [6.0, 24.0]
    assert dd.tolist() == [-12.0, 24.0]
    assert len(act.evaluate(np.array([1.0]), 0)) == 1  # extra results are dropped
    assert actviz.get("x3").name == "cube"
    assert act.definition.params == (Param("a", 1.0, ""),)
    assert act.__doc__ == "f(x) = a x^3."
    # limits not declared: read far out
    assert act.limits == ((-INF, INF), (INF, INF), (-INF, INF))
    from matplotlib.mathtext import MathTextParser

    for text in (act.definition.latex, act.definition.latex_d, act.definition.symbol):
        MathTextParser("path").parse(f"${text}$")


def test_a_kernel_brings_the_built_ins_metadata(registered):
    def clipped(x, order, top=2.0):
        f = np.clip(x, 0.0, top)
        d = ((x > 0) & (x < top)).astype(float)
        return f, d, np.zeros_like(x)

    actviz.register(
        "clipped", clipped, title="Clipped identity", family="ReLU-like",
        params=(Param("top", 2.0, "upper end", minimum=0.0, strict=True),),
        limits=lambda p: ((0.0, p["top"]), (0.0, 0.0), (0.0, 0.0)),
        kinks=lambda p: (Kink(0.0, 1), Kink(p["top"], 1)),
        pieces=lambda p: (Piece(-INF, 0.0, 0.0), Piece(0.0, p["top"], 1.0),
                          Piece(p["top"], INF, 0.0)),
        reference="none, a test")
    registered.append("clipped")
    act = actviz.get("clipped:top=3")
    assert [k.x for k in act.kinks] == [0.0, 3.0]
    assert act.dead_zones == ((-INF, 0.0), (3.0, INF))
    assert act.limits == ((0.0, 3.0), (0.0, 0.0), (0.0, 0.0))
    with pytest.raises(actviz.ParameterError, match="top must be > 0"):
        actviz.get("clipped:top=0")
    # inside a formula, its kinks and pieces map through a linear argument
    composed = actviz.get("clipped(2*x + 1, top=3)")
    assert [(k.x, k.order) for k in composed.kinks] == [(-0.5, 1), (1.0, 1)]
    assert composed.dead_zones == ((-INF, -0.5), (1.0, INF))


def test_names_that_cannot_be_taken(registered):
    with pytest.raises(PluginError, match="'relu' is a built-in activation"):
        actviz.register("relu", "max(x, 0)")
    with pytest.raises(PluginError, match="'logistic' is a built-in activation"):
        actviz.register("mysig", "sigmoid(x)", aliases=("logistic",))
    with pytest.raises(actviz.ParameterError, match="a formula uses that word"):
        actviz.register("sin", "x")
    with pytest.raises(actviz.ParameterError, match="cannot name a function"):
        actviz.register("my act", "x")
    actviz.register("twice", "2*x")
    registered.append("twice")
    with pytest.raises(PluginError, match=r"'twice' is already registered .* replace=True"):
        actviz.register("twice", "3*x")
    actviz.register("twice", "3*x", replace=True)
    assert float(actviz.get("twice")(1.0)) == 3.0
    with pytest.raises(PluginError, match="'relu' is a built-in activation and cannot be"):
        actviz.unregister("relu")


def test_a_kernel_that_breaks_its_contract_is_named(registered):
    actviz.register("short", lambda x, order: (x,), limits=((-INF, INF), (1, 1), (0, 0)))
    registered.append("short")
    with pytest.raises(PluginError) as info:
        actviz.get("short").derivative(X)
    assert str(info.value) == ("activation 'short': the kernel returned 1 for order 1; it must "
                               "return a tuple of 2 arrays (f, f')")

    def failing(x, order):
        raise ZeroDivisionError("no\nway")

    actviz.register("failing", failing)
    registered.append("failing")
    with pytest.raises(PluginError) as info:
        actviz.get("failing")  # its limits are read far out at once
    assert str(info.value) == ("activation 'failing': the kernel failed: ZeroDivisionError: "
                               "no way")
    with pytest.raises(PluginError, match="needs a default"):
        actviz.register("nodefault", lambda x, order, a: (x,))


def test_check_finite_looks_at_plugins_too(registered):
    actviz.register("inverse", lambda x, order: (1 / x, -1 / x**2, 2 / x**3),
                    limits=((0, 0), (0, 0), (0, 0)))
    registered.append("inverse")
    with pytest.raises(NotFiniteError, match="'inverse': f is not finite at x = 0"):
        actviz.get("inverse").check_finite(np.array([-1.0, 0.0, 1.0]))


# --- entry points ------------------------------------------------------------------------------

PACKAGE = '''
"""A tiny plugin package, as a user would ship one."""
import numpy as np
from actviz.catalog import define

pswish = define("pswish", "x*sigmoid(beta*x)", params={"beta": 1.5},
                title="Parametric swish")
halfx = "x/2"


def cube(x, order, a=1.0):
    """f(x) = a x^3."""
    return a * x**3, 3 * a * x**2, 6 * a * x


wrong_type = 42
misnamed = define("othername", "x")
'''

ENTRY_POINTS = """
[actviz.activations]
pswish = tinyacts:pswish
halfx = tinyacts:halfx
cube = tinyacts:cube
"""


def _dist(site: Path, name: str, entry_points: str) -> None:
    """A distribution as pip leaves it in site-packages: NAME-VERSION.dist-info with METADATA
    and entry_points.txt."""
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)
    (info / "INSTALLER").write_text("pip\n")
    (info / "RECORD").write_text("")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "tinyacts").mkdir()
    (root / "tinyacts" / "__init__.py").write_text(PACKAGE)
    _dist(root, "tinyacts", ENTRY_POINTS)
    return root


def _run(site: Path, *args: str, extra: Path | None = None) -> subprocess.CompletedProcess:
    """A fresh interpreter that sees the package (and ``extra``) on its path."""
    paths = [str(site), *([str(extra)] if extra else []), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          cwd=site)


def test_entry_points_are_found_and_loaded_only_when_needed(site):
    script = textwrap.dedent("""
        import sys, actviz
        assert float(actviz.get("relu")(2.0)) == 2.0
        assert float(actviz.get("x/3")(3.0)) == 1.0
        # nothing looked for plugins yet: the catalog and formulas do not need them
        assert "importlib.metadata" not in sys.modules and "tinyacts" not in sys.modules
        act = actviz.get("cube:a=2")
        assert act.evaluate(2.0, 2)[1] == 24.0 and act.definition.origin == "plugin tinyacts"
        assert float(actviz.get("x*cube(x)")(2.0)) == 16.0
        assert float(actviz.get("pswish:beta=2").derivative(0.0)) == 0.5
        assert float(actviz.get("halfx")(3.0)) == 1.5
        names = actviz.names()
        assert {"cube", "halfx", "pswish", "relu"} <= set(names)
        print("ok")
    """)
    result = _run(site, "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_command_line_lists_and_describes_plugins(site):
    listed = _run(site, "-m", "actviz", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line for line in listed.stdout.splitlines() if line.strip()}
    assert "cube" in rows and "pswish" in rows and "halfx" in rows
    assert "a=1" in rows["cube"] and "beta=1.5" in rows["pswish"]
    info = _run(site, "-m", "actviz", "info", "pswish:beta=2")
    assert info.returncode == 0, info.stderr
    assert info.stdout.startswith("pswish:beta=2: Parametric swish")
    assert "x*sigmoid(beta*x)" in info.stdout
    table = _run(site, "-m", "actviz", "table", "cube:a=2", "--range", "-1", "1", "--step", "1")
    assert table.returncode == 0, table.stderr
    assert table.stdout.split()[-2:] == ["2", "6"]


BROKEN = {
    "missing": ("missing = tinyacts_nowhere:thing",
                "Error: plugin 'missing' (tinyacts_nowhere:thing in brokenacts) cannot be "
                "loaded: ModuleNotFoundError: No module named 'tinyacts_nowhere'"),
    "wrong_type": ("wrong_type = tinyacts:wrong_type",
                   "Error: plugin 'wrong_type' (tinyacts:wrong_type in brokenacts) is a int; "
                   "expected a Definition (actviz.catalog.define), a formula string or a "
                   "kernel function"),
    "misnamed": ("misnamed = tinyacts:misnamed",
                 "Error: plugin 'misnamed' (tinyacts:misnamed in brokenacts) gives the "
                 "activation 'othername'; the entry point must carry the function's name"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_plugin_is_one_line_naming_it(site, tmp_path, name):
    line, message = BROKEN[name]
    _dist(tmp_path, "brokenacts", f"[actviz.activations]\n{line}\n")
    result = _run(site, "-m", "actviz", "info", name, extra=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert "Traceback" not in result.stderr
    # a command that does not need the plugin does not load it, and works
    fine = _run(site, "-m", "actviz", "info", "relu", extra=tmp_path)
    assert fine.returncode == 0, fine.stderr
    # one broken plugin does not stop 'actviz list': the rest are listed, it is named
    listed = _run(site, "-m", "actviz", "list", extra=tmp_path)
    assert listed.returncode == 0
    assert listed.stderr == f"Warning: {message[len('Error: '):]} (not listed)\n"
    rows = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    assert {"relu", "cube", "pswish", "halfx"} <= rows and name not in rows


LOOPS = """
[actviz.activations]
loop = tinyloops:loop
ping = tinyloops:ping
pong = tinyloops:pong
calls_loop = tinyloops:calls_loop
badformula = tinyloops:badformula
exp = tinyloops:halfx
relu = tinyloops:halfx
logistic = tinyloops:halfx
"""

LOOPS_PACKAGE = """
loop = "loop(x) + 1"
ping = "pong(x)"
pong = "ping(x)"
calls_loop = "2*loop(x)"
badformula = "x +* 2"
halfx = "x/2"
"""


@pytest.fixture(scope="module")
def loops(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("loops")
    (root / "tinyloops.py").write_text(LOOPS_PACKAGE)
    _dist(root, "tinyloops", LOOPS)
    return root


def label(name: str) -> str:
    return f"plugin '{name}' (tinyloops:{name} in tinyloops)"


def test_a_formula_that_calls_itself_is_one_line(site, loops):
    """Before: RecursionError, in 'actviz info loop' and in 'actviz list' alike."""
    cycles = {
        "loop": f"{label('loop')} refers to itself (loop -> loop)",
        "ping": f"{label('ping')} refers to itself (ping -> pong -> ping)",
        "pong": f"{label('pong')} refers to itself (pong -> ping -> pong)",
        "calls_loop": f"{label('calls_loop')}: {label('loop')} refers to itself (loop -> "
                      "loop)",
    }
    for name, message in cycles.items():
        result = _run(site, "-m", "actviz", "info", name, extra=loops)
        assert result.returncode == 2
        assert result.stderr == (f"Error: {message}; a formula cannot call the function it "
                                 "defines\n")
    table = _run(site, "-m", "actviz", "table", "2*pong(x)", extra=loops)
    assert table.returncode == 2 and "Traceback" not in table.stderr
    assert table.stderr.startswith(f"Error: {label('pong')} refers to itself")


def test_list_lists_the_plugins_that_load_and_names_the_others(site, loops):
    listed = _run(site, "-m", "actviz", "list", extra=loops)
    assert listed.returncode == 0
    rows = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    assert {"cube", "pswish", "halfx", "relu"} <= rows
    assert not rows & {"loop", "ping", "pong", "calls_loop", "badformula"}
    cycle = "; a formula cannot call the function it defines (not listed)"
    shadowed = "is a built-in activation; rename its entry point"
    assert sorted(listed.stderr.splitlines()) == sorted([
        f"Warning: {label('loop')} refers to itself (loop -> loop){cycle}",
        f"Warning: {label('ping')} refers to itself (ping -> pong -> ping){cycle}",
        f"Warning: {label('pong')} refers to itself (pong -> ping -> pong){cycle}",
        f"Warning: {label('calls_loop')}: {label('loop')} refers to itself (loop -> "
        f"loop){cycle}",
        f"Warning: {label('badformula')}: in 'x +* 2': unexpected '*' at column 4 (not "
        "listed)",
        f"Note: plugin 'exp' (tinyloops:halfx in tinyloops) is not used: 'exp' {shadowed}",
        f"Note: plugin 'relu' (tinyloops:halfx in tinyloops) is not used: 'relu' {shadowed}",
        f"Note: plugin 'logistic' (tinyloops:halfx in tinyloops) is not used: 'logistic' "
        f"{shadowed}",
    ])
    as_json = _run(site, "-m", "actviz", "list", "-f", "json", extra=loops)
    assert as_json.returncode == 0 and as_json.stderr == listed.stderr
    import json

    assert {"cube", "relu"} <= {row["name"] for row in json.loads(as_json.stdout)}
    names = _run(site, "-c", "import actviz; print(' '.join(actviz.names()))", extra=loops)
    assert names.returncode == 0 and "cube" in names.stdout.split()
    assert "loop" not in names.stdout.split()


# --- a kernel that ends the process --------------------------------------------------------------

def test_a_kernel_that_calls_sys_exit_is_a_failed_call(registered, tmp_path):
    def leaving(x, order):
        sys.exit(3)

    actviz.register("leaving", leaving, limits=((-INF, INF), (1, 1), (0, 0)))
    registered.append("leaving")
    with pytest.raises(PluginError, match=r"^activation 'leaving': the kernel called "
                                          r"sys.exit\(3\)$"):
        actviz.get("leaving")(X)
    from .helpers import invoke

    result = invoke("table", "leaving", "-o", "t.csv", cwd=tmp_path)
    assert (result.exit_code, result.output) == (
        2, "Error: activation 'leaving': the kernel called sys.exit(3)\n")
    assert list(tmp_path.iterdir()) == []


def _in_a_worker() -> bool:
    import multiprocessing

    return multiprocessing.parent_process() is not None


def quits_in_a_worker(x, order):
    """x itself, but a worker process calls sys.exit(3)."""
    if _in_a_worker():
        sys.exit(3)
    return x, np.ones_like(x), np.zeros_like(x)


def dies_in_a_worker(x, order):
    """x itself, but a worker process ends at once (os._exit cannot be caught)."""
    if _in_a_worker():
        os._exit(3)
    return x, np.ones_like(x), np.zeros_like(x)


WORKERS = """jobs:
  - {kind: table, functions: [KERNEL]}
  - {kind: table, functions: [relu]}
  - {kind: table, functions: [elu]}
  - {kind: table, functions: [tanh]}
"""


@pytest.mark.skipif(sys.platform != "linux", reason="workers inherit the registry by fork")
@pytest.mark.parametrize(("kernel", "error"), [
    (quits_in_a_worker, "activation 'worker_kernel': the kernel called sys.exit(3)"),
    (dies_in_a_worker, "its worker process died before the job ended (a plugin that calls "
                       "os._exit, a crash, or the out-of-memory killer); nothing was written "
                       "for it"),
])
def test_a_kernel_that_ends_its_worker_fails_its_job_alone(registered, tmp_path, kernel,
                                                            error):
    """Before: sys.exit(3) in a worker ended the whole batch with status 3 and no word, and
    os._exit a traceback (BrokenProcessPool); the jobs the dead worker took down with it run
    again, one at a time."""
    from .helpers import invoke

    actviz.register("worker_kernel", kernel, limits=((-INF, INF), (1, 1), (0, 0)))
    registered.append("worker_kernel")
    (tmp_path / "c.yaml").write_text(WORKERS.replace("KERNEL", "worker_kernel"))
    result = invoke("batch", "c.yaml", "--jobs", "2", cwd=tmp_path)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert f"Error: jobs[0] (line 2): {error}" in lines, result.output
    assert lines[-1] == "Error: 1 of 4 jobs failed: jobs[0]", result.output
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == [
        "table_elu.txt", "table_relu.txt", "table_tanh.txt"], result.output
