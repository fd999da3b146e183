"""The command line's quicker import of matplotlib (actviz._startup): the same figures, byte
for byte, matplotlib's own functions put back, and ordinary imports for the library."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest


def python(code: str, *args: str) -> str:
    """What ``python -c CODE ARGS...`` prints, in a fresh process (which must succeed)."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


PROBE = textwrap.dedent("""
    import json, sys
    from actviz import _startup
    _startup.LEAN = {lean}
    import actviz.render  # imports matplotlib through _startup
    from matplotlib import _docstring, artist
    from matplotlib.lines import Line2D

    class Later(artist.Artist):  # an artist defined after the import
        def set_shade(self, value):
            "Set the shade."

    fig = actviz.plot(["gelu", "elu"], size="column")
    for fmt in ("png", "svg", "pdf"):
        actviz.render.save(fig, sys.argv[1] + "." + fmt, fmt)
    print(json.dumps({{
        "line_doc": Line2D.set.__doc__ or "",
        "later_doc": Later.set.__doc__ or "",
        "kwdoc": artist.kwdoc.__module__ + "." + artist.kwdoc.__qualname__,
        "update": artist.Artist.__dict__["_update_set_signature_and_docstring"]
                  .__func__.__qualname__,
        "empty_cached": [k for k, v in _docstring.interpd.params.items()
                         if k.endswith(":kwdoc") and not v],
        "patch_doc": "linewidth" in (__import__("matplotlib.patches").patches
                                     .Rectangle.__init__.__doc__ or ""),
    }}))
""")


def _run(lean: bool, out) -> dict:
    return json.loads(python(PROBE.format(lean=lean), str(out)))


def test_lean_import_draws_the_same_bytes_and_restores_matplotlib(tmp_path):
    lean = _run(True, tmp_path / "lean")
    full = _run(False, tmp_path / "full")
    for fmt in ("png", "svg", "pdf"):
        assert ((tmp_path / f"lean.{fmt}").read_bytes()
                == (tmp_path / f"full.{fmt}").read_bytes()), fmt
    # matplotlib's own functions are back, and documentation written after the import is
    # whole: an artist defined later lists its properties, no property list stays empty
    for found in (lean, full):
        assert found["kwdoc"] == "matplotlib.artist.kwdoc"
        assert found["update"] == "Artist._update_set_signature_and_docstring"
        assert "shade" in found["later_doc"]
        assert found["empty_cached"] == []
    # the ordinary import documents every artist; the lean one skipped it (where this
    # matplotlib still writes its docstrings that way, which is what the lean import needs)
    assert "linewidth" in full["line_doc"] and full["patch_doc"]
    assert lean["line_doc"] == ""


def test_the_library_imports_matplotlib_as_usual():
    """``import actviz`` and ``actviz.plot`` never take the lean path: only the console
    command sets it."""
    code = ("import actviz, actviz.render; from matplotlib.lines import Line2D; "
            "from actviz import _startup; print(_startup.LEAN, 'linewidth' in Line2D.set.__doc__)")
    assert python(code).split() == ["False", "True"]


COMMAND = textwrap.dedent("""
    import gc, json, sys
    from actviz import cli
    sys.argv = ["actviz", *json.loads(sys.argv[1])]
    try:
        cli.main()
    except SystemExit as stop:
        assert not stop.code, stop.code
    from matplotlib.lines import Line2D
    print(json.dumps([Line2D.set.__doc__, gc.isenabled(), gc.get_freeze_count() > 0]))
""")


@pytest.mark.parametrize("extra", [[], ["--style", "ggplot"], ["--title", "$x^2$ and more"]])
def test_the_console_command_takes_the_lean_path(tmp_path, extra):
    """The command imports matplotlib lean and sets the imported objects aside, also when
    an option check has imported part of matplotlib first (a style, a title with math)."""
    args = ["plot", "relu", "-o", str(tmp_path / "r.png"), *extra]
    assert json.loads(python(COMMAND, json.dumps(args)).splitlines()[-1]) == [None, False, True]
    assert (tmp_path / "r.png").stat().st_size > 0


def test_batch_workers_start_as_the_command_does(tmp_path):
    """Each worker of ``batch --jobs 2`` imports matplotlib lean, runs with the collector off
    and frees each job's objects (what it reports from inside every job)."""
    config = tmp_path / "two.yaml"
    config.write_text("jobs:\n  - {kind: plot, functions: [relu]}\n"
                      "  - {kind: plot, functions: [elu]}\n"
                      "  - {kind: table, functions: [tanh]}\n")
    code = textwrap.dedent(f"""
        import gc, json, os, sys
        from actviz import batch, cli

        run = batch.execute
        def execute(job, folder):  # forked workers inherit this
            from matplotlib.lines import Line2D
            with open({str(tmp_path / "seen.jsonl")!r}, "a") as seen:
                seen.write(json.dumps([os.getpid(), Line2D.set.__doc__, gc.isenabled(),
                                       gc.get_freeze_count() > 0]) + "\\n")
            return run(job, folder)
        batch.execute = execute
        print(os.getpid())
        sys.argv = ["actviz", "batch", {str(config)!r}, "--jobs", "2", "--quiet",
                    "--output-dir", {str(tmp_path / "out")!r}]
        cli.main()
    """)
    parent = int(python(code).split()[0])
    seen = [json.loads(line) for line in (tmp_path / "seen.jsonl").read_text().splitlines()]
    assert len(seen) == 3 and parent not in {pid for pid, *_ in seen}
    assert all(state == [None, False, True] for _, *state in seen)
    assert len(list((tmp_path / "out").iterdir())) == 3


def test_matplotlib_functions_come_back_when_the_import_fails(tmp_path):
    """An import that fails half-way still puts matplotlib's functions back."""
    code = textwrap.dedent("""
        from actviz import _startup
        _startup.LEAN = True
        _startup.MODULES = ("matplotlib.figure", "actviz_no_such_module")
        try:
            _startup.import_matplotlib()
        except ImportError:
            pass
        from matplotlib import artist
        print(artist.kwdoc.__qualname__,
              artist.Artist.__dict__[_startup.DOCUMENT].__func__.__qualname__)
    """)
    assert python(code).split() == ["kwdoc", "Artist._update_set_signature_and_docstring"]


def test_the_command_runs_without_the_cycle_collector_and_a_batch_frees_each_job(tmp_path):
    """The console command turns Python's cycle collector off; a serial batch of many figures
    in one process still frees each one (figures are reference cycles), and writes what an
    ordinary process writes."""
    config = tmp_path / "many.yaml"
    config.write_text("jobs:\n" + "".join(
        f"  - {{kind: plot, functions: [{name}]}}\n"
        for name in ("relu", "elu", "gelu", "silu", "tanh", "sigmoid")))
    code = textwrap.dedent(f"""
        import gc, sys
        from actviz import _startup
        {{setup}}
        from actviz.batch import run
        from actviz.config import load as load_config
        from matplotlib.figure import Figure
        outcomes = run(load_config({str(config)!r}, output_dir=sys.argv[1]), workers=1)
        assert all(not o.error for o in outcomes), outcomes
        print(gc.isenabled(), sum(isinstance(o, Figure) for o in gc.get_objects()))
    """)
    found = {}
    for name, setup in (("command", "_startup.command()"), ("library", "pass")):
        out = tmp_path / name
        found[name] = python(code.format(setup=setup), str(out)).split()
    assert found["command"] == ["False", "0"]  # collector off, yet no figure left behind
    assert found["library"][0] == "True"        # the library leaves the collector alone
    written = sorted(p.name for p in (tmp_path / "command").iterdir())
    assert len(written) == 6
    for name in written:
        assert ((tmp_path / "command" / name).read_bytes()
                == (tmp_path / "library" / name).read_bytes())
