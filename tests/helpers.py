"""What several test modules need: running the command line in a folder, and seeing which
heavy modules a command imports."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from actviz.cli import cli


def invoke(*args: object, cwd: Path | None = None) -> Result:
    """``actviz ARGS...`` through click's CliRunner, in ``cwd`` if given."""
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        return CliRunner().invoke(cli, [str(a) for a in args])


PROBE = """
import json, sys
from click.testing import CliRunner
from actviz.cli import cli
result = CliRunner().invoke(cli, {args!r})
assert result.exit_code == 0, result.output
print(json.dumps(sorted(m for m in ("matplotlib", "scipy", "yaml", "actviz.formula.compile",
                                   "actviz.writers") if m in sys.modules)))
"""


def heavy_imports(*args: str) -> list[str]:
    """Which of matplotlib, scipy, yaml, the formula engine (``actviz.formula.compile``) and
    the table writers (``actviz.writers``) ``actviz ARGS...`` imports, in a fresh process."""
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)
