"""The ``actviz`` command line: parse, call, print. No numerics and no drawing here.

Every command's options come from its declaration in :mod:`actviz.options`; the commands that
are also batch jobs run through :data:`actviz.jobs.KINDS`, exactly as a batch runs them.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from . import __version__, _interrupt, _startup
from ._interrupt import stop_on_signals
from .checks import SIZES
from .errors import ActvizError, OutputError
from .jobs import KINDS, JobKind, tidy
from .options import BATCH, INFO, LIST, Command, Option

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class BadInput(click.ClickException):
    """A one-line ``Error: ...`` and exit code 2, for input actviz cannot use."""

    exit_code = 2


class ActvizGroup(click.Group):
    """Turns every :class:`ActvizError` from the core into a one-line error, no traceback,
    and stops cleanly on SIGINT, SIGTERM and SIGHUP."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """``--size column`` is one word where ``--size 8 3`` is two: repeat the name, so
        that click reads two (the check takes ``column column`` as ``column``)."""
        words = list(args)
        for i, word in enumerate(words[:-1]):
            if word == "--size" and words[i + 1] in SIZES and (
                    i + 2 >= len(words) or words[i + 2] != words[i + 1]):
                words.insert(i + 2, words[i + 1])
                break
        return super().parse_args(ctx, words)

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        """click's main, but a usage error (a missing argument, an unknown option, a value
        click cannot read) is one ``Error:`` line like every other error, not click's three
        lines of usage, hint and message."""
        def run() -> Any:
            return super(ActvizGroup, self).main(
                args=args, prog_name=prog_name, complete_var=complete_var,
                standalone_mode=False, windows_expand_args=windows_expand_args, **extra)

        _interrupt.begin()
        if not standalone_mode:
            return run()
        try:
            code = run()
        except click.UsageError as exc:
            hint = f" See '{exc.ctx.command_path} -h'." if exc.ctx is not None else ""
            click.echo(f"Error: {one_line(exc.format_message())}{_dash_hint(exc)}{hint}",
                       err=True)
            code = exc.exit_code
        except click.ClickException as exc:
            click.echo(f"Error: {one_line(exc.format_message())}", err=True)
            code = exc.exit_code
        except click.Abort:
            click.echo("Aborted!", err=True)
            code = 1
        code = code if isinstance(code, int) else 0
        _interrupt.finished(code)
        sys.exit(code)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with stop_on_signals():
                result = super().invoke(ctx)
                # the work is done: a signal from now on ends the process as it would end
                _interrupt.finished(result if isinstance(result, int) else 0)
                return result
        except OutputError as exc:
            raise click.ClickException(str(exc)) from None
        except ActvizError as exc:
            raise BadInput(str(exc)) from None
        except BrokenPipeError:  # `actviz table ... | head`: the reader has had enough
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes
            raise click.exceptions.Exit(128 + 13) from None
        except OSError as exc:  # the disk said no: a runtime error, exit code 1
            where = f" {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"cannot write{where}: {exc.strerror or exc}") from None


def one_line(message: str) -> str:
    """A message as one line: the control characters of what the user typed (a newline, a
    carriage return, a backspace) shown as escapes, ``\\r``, not acted on."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def _dash_hint(exc: click.UsageError) -> str:
    """For ``actviz table --x``: the unknown option is a formula (-(-x)), which click took for
    an option; say that a SPEC starting with '-' goes after '--'."""
    if not isinstance(exc, click.NoSuchOption) or exc.ctx is None or \
            exc.ctx.command.name not in KINDS:
        return ""
    from .catalog import get

    try:
        get(exc.option_name)
    except ActvizError:
        return ""
    return (f" A SPEC that starts with '-' goes after '--', as in: {exc.ctx.command_path} -- "
            f"{exc.option_name}.")


@click.group(cls=ActvizGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="actviz",
                      help="Show the version and exit. Example: actviz --version")
def cli() -> None:
    """Plot, tabulate and compare neural-network activation functions and their derivatives,
    with exact numbers at any input.

    \b
    Examples:
      actviz plot relu elu             annotated f and f' panels -> output/relu_elu.png
      actviz table sigmoid --range -5 5    values on the terminal (or CSV, Markdown, ...)
      actviz compare relu gelu silu    computed properties, side by side
      actviz diff gelu gelu:approximate=tanh   how far two definitions drift apart
      actviz depth sigmoid tanh relu   signals and gradients through many layers
      actviz plot "x*tanh(softplus(x))" mish   your own formula, exact derivatives
      actviz batch configs/gallery.yaml    every job of a YAML file, in parallel
      actviz list                      all the functions, their families and parameters
      actviz info gelu                 formulas, kinks, limits and reference of one
      actviz info elu:alpha=0.5        a spec sets parameters: NAME:KEY=VALUE,...

    Run 'actviz COMMAND -h' for the options of a command.
    """


# --- options and arguments from the declarations ---------------------------------------------

CLICK_TYPES: dict[str, Any] = {"number": float, "integer": int, "text": str, "pair": float,
                               "points": str, "sweep": str, "step": str, "size": str,
                               "names": str}
PAIRS = ("pair", "size")
"""Kinds of value that take two words on the command line."""


def click_option(option: Option) -> Callable[[Callable], Callable]:
    """The click option of a declared :class:`Option`."""
    names = [option.flag] if option.short is None else [option.short, option.flag]
    settings: dict[str, Any] = {"help": option.help, "metavar": option.metavar}
    if option.kind.name == "flag":
        if option.negatable:
            names = [f"{option.flag}/--no-{option.flag[2:]}"]
        else:
            settings["is_flag"] = True
        settings.update(default=option.default, show_default=option.negatable)
    else:
        kind = option.kind
        settings.update(
            type=click.Choice(kind.choices) if kind.name == "choice" else CLICK_TYPES[kind.name],
            nargs=2 if kind.name in PAIRS else 1,
            default=option.default, show_default=option.default is not None)
    return click.option(*names, option.name, **settings)


ARGUMENTS: dict[str, Callable[[Callable], Callable]] = {
    "specs...": click.argument("specs", nargs=-1, required=True),
    "specs": click.argument("specs", nargs=-1, required=False),
    "a": click.argument("a"),
    "b": click.argument("b"),
    "spec": click.argument("spec"),
    "config": click.argument("config", metavar="CONFIG",
                             type=click.Path(exists=True, dir_okay=False)),
}


def command(declared: Command) -> Callable[[Callable], click.Command]:
    """Register ``callback`` as the command ``declared`` with its arguments and options."""
    def decorate(callback: Callable) -> click.Command:
        for option in reversed([o for o in declared.options if o.cli]):
            callback = click_option(option)(callback)
        for argument in reversed(declared.arguments):
            callback = ARGUMENTS[argument](callback)
        return cli.command(declared.name, short_help=declared.summary,
                           help=declared.help)(callback)

    return decorate


# --- plot, table, compare, diff ---------------------------------------------------------------

def run_job(kind: JobKind, functions: list[str], given: dict[str, Any]) -> None:
    """What every job command does: check, run, print the files written. Only the options
    the user gave are passed on; the declarations fill in the rest."""
    context = click.get_current_context()
    opts = kind.command.resolve({
        k: v for k, v in given.items()
        if v is not None and context.get_parameter_source(k) is not ParameterSource.DEFAULT})
    functions = [tidy(spec) for spec in functions]  # 'relu\n' is drawn as relu
    kind.check(functions, opts)
    target = replace(kind.target(kind.stem(functions, opts), opts, sys.stdout),
                     notice=lambda message: click.echo(f"Warning: {message}", err=True))
    beside = not isinstance(target.main, Path)  # a table on stdout: keep it parseable
    for path in kind.run(functions, opts, target):
        click.echo(str(path), err=beside)


def _job_command(kind: JobKind) -> None:
    if kind.command.arguments == ("a", "b"):
        @command(kind.command)
        def pair(a: str, b: str, **given: Any) -> None:
            run_job(kind, [a, b], given)
    else:
        @command(kind.command)
        def many(specs: tuple[str, ...], **given: Any) -> None:
            run_job(kind, list(specs), given)


for _kind in KINDS.values():
    _job_command(_kind)


# --- batch ----------------------------------------------------------------------------------

@command(BATCH)
def batch(config: str, jobs: int | None, output_dir: str | None, quiet: bool,
          fail_fast: bool, dry_run: bool) -> None:
    from .config import ConfigError, load
    from .paths import writable_folder

    start = time.perf_counter()
    workers = BATCH.option("jobs").convert(jobs)
    output_dir = BATCH.option("output_dir").convert(output_dir)
    try:
        loaded = load(config, output_dir)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(one_line(problem), err=True)
        raise BadInput(f"{plural(len(exc.problems), 'problem')} in {config}; "
                       "nothing was run") from None
    files = [loaded.output_dir / name for job in loaded.jobs for name in job.files]
    if dry_run:
        for path in files:
            click.echo(str(path))
        click.echo(f"{plural(len(files), 'file')} would be written by "
                   f"{plural(len(loaded.jobs), 'job')}")
        return
    writable_folder(loaded.output_dir)
    outcomes = _run_batch(loaded, workers, fail_fast, quiet, len(files))
    written = sum(len(o.files) for o in outcomes)
    failed = [o for o in outcomes if o.error]
    if not quiet:
        click.echo(f"{plural(written, 'file')} written, {len(files) - written} failed in "
                   f"{time.perf_counter() - start:.1f} s")
    if failed:
        raise click.ClickException(f"{len(failed)} of {plural(len(loaded.jobs), 'job')} failed: "
                                   + ", ".join(o.job.path for o in failed))


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def _run_batch(config: Any, workers: int | None, fail_fast: bool, quiet: bool,
               count: int) -> list[Any]:
    """Run the jobs with a progress bar on a terminal, else one line per file written."""
    from . import batch as runner

    bar = (click.progressbar(length=count, label="actviz batch")
           if sys.stdout.isatty() and not quiet else None)

    def report(outcome: Any) -> None:
        for warning in outcome.warnings:
            click.echo(f"Warning: {outcome.job.path} (line {outcome.job.line}): {warning}",
                       err=True)
        if outcome.error:
            click.echo(f"Error: {outcome.job.path} (line {outcome.job.line}): "
                       f"{one_line(outcome.error)}", err=True)
        if bar is not None:
            bar.update(len(outcome.job.files))
        elif not quiet:
            for path in outcome.files:
                click.echo(str(path))

    if bar is None:
        return runner.run(config, workers, fail_fast, report)
    with bar:
        return runner.run(config, workers, fail_fast, report)


# --- list, info -----------------------------------------------------------------------------

@command(LIST)
def list_command(format: str) -> None:
    from .catalog._plugins import load_all_plugins
    from .info import list_text

    for problem, message in load_all_plugins():  # the others are listed all the same
        if problem == "broken":
            click.echo(f"Warning: {one_line(message).rstrip('.')} (not listed)", err=True)
        else:
            click.echo(f"Note: {one_line(message)}", err=True)
    click.echo(list_text(format))


@command(INFO)
def info(spec: str, flavor: str, format: str) -> None:
    from .catalog import get
    from .info import info_text

    click.echo(info_text(get(spec, flavor=flavor), format))


def main() -> None:
    """Console-script entry point."""
    _interrupt.guard_process()  # a stop signal, before or after the work: see _interrupt
    _startup.command()  # a quicker start: see actviz._startup
    try:
        cli(prog_name="actviz")
    except SystemExit as exc:
        _interrupt.exiting(exc.code)  # a signal now changes nothing: the result stands
        raise
