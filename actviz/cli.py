"""The ``actviz`` command line: parse, call, print. No numerics and no drawing here."""

from __future__ import annotations

import json
import math
import os
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from ._text import columns, json_ready
from .catalog import FLAVORS, REGISTRY, describe, get, names, summary
from .errors import ActvizError, OutputError
from .options import (
    PLOT_FORMATS,
    TABLE_EXTENSIONS,
    TABLE_FORMATS,
    figure_target,
    output_format,
    sample_points,
    writable_folder,
    writable_path,
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class BadInput(click.ClickException):
    """A one-line ``Error: ...`` and exit code 2, for input actviz cannot use."""

    exit_code = 2


class ActvizGroup(click.Group):
    """Turns every :class:`ActvizError` from the core into a one-line error, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
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
      actviz batch configs/gallery.yaml    every job of a YAML file, in parallel
      actviz list                      all 46 functions, their families and parameters
      actviz info gelu                 formulas, kinks, limits and reference of one
      actviz info elu:alpha=0.5        a spec sets parameters: NAME:KEY=VALUE,...

    Run 'actviz COMMAND -h' for the options of a command.
    """


# --- shared options ------------------------------------------------------------------------

def flavor_option(command: Callable) -> Callable:
    return click.option(
        "--flavor", type=click.Choice(FLAVORS), default="torch", show_default=True,
        help="Whose defaults to use where frameworks differ (leaky_relu slope 0.2 in keras, "
        "tanh gelu in jax). Example: --flavor keras",
    )(command)


def format_option(*choices: str) -> Callable[[Callable], Callable]:
    def decorate(command: Callable) -> Callable:
        return click.option(
            "-f", "--format", "fmt", type=click.Choice(choices), default=choices[0],
            show_default=True, help=f"Output format. Example: --format {choices[-1]}",
        )(command)

    return decorate


def range_option(command: Callable) -> Callable:
    return click.option(
        "--range", "x_range", type=float, nargs=2, default=(-5.0, 5.0), show_default=True,
        metavar="MIN MAX", help="The interval of x. Example: --range -10 10",
    )(command)


# --- plot -----------------------------------------------------------------------------------

@cli.command(short_help="Annotated figure of f and f' (and f'').")
@click.argument("specs", nargs=-1, required=True)
@range_option
@click.option("--num", type=int, default=1001, show_default=True,
              help="Points sampled on the range; kinks are added exactly. Example: --num 4001")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="File to write; its extension picks the format. Example: -o figs/elu.svg")
@click.option("--format", "fmt", type=click.Choice(PLOT_FORMATS),
              help="png, svg or pdf (default: from the -o extension, else png). "
              "Example: --format pdf")
@click.option("--layout", type=click.Choice(["overlay", "grid"]), default="overlay",
              show_default=True, help="overlay: all functions in each panel; grid: one column "
              "per function, f above f'. Example: --layout grid")
@click.option("--derivative/--no-derivative", default=True, show_default=True,
              help="Draw the f' panel. Example: --no-derivative")
@click.option("--second-derivative", is_flag=True,
              help="Also draw f''. Example: --second-derivative")
@click.option("--saturation-threshold", type=float, default=0.05, show_default=True,
              help="Saturation is where |f'| < T. Example: --saturation-threshold 0.01")
@click.option("--no-annotations", is_flag=True,
              help="Plain curves: no regions, markers or labels. Example: --no-annotations")
@click.option("--sweep", metavar="PARAM=V1,V2,...",
              help="One curve per parameter value, of one function. Example: "
              "--sweep alpha=0.5,1,2")
@click.option("--style", help="Any matplotlib style. Example: --style seaborn-v0_8-paper")
@click.option("--dpi", type=float, default=150, show_default=True,
              help="Resolution of PNG output. Example: --dpi 300")
@click.option("--size", type=float, nargs=2, metavar="W H",
              help="Figure size in inches. Example: --size 8 3")
@click.option("--title", help="Figure title instead of the formula. Example: --title 'ReLU'")
@flavor_option
def plot(specs: tuple[str, ...], x_range: tuple[float, float], num: int, output: str | None,
         fmt: str | None, layout: str, derivative: bool, second_derivative: bool,
         saturation_threshold: float, no_annotations: bool, sweep: str | None,
         style: str | None, dpi: float, size: tuple[float, float] | None, title: str | None,
         flavor: str) -> None:
    """Draw f and f' of each SPEC side by side, with saturation regions, dead zones, the
    steepest point, minima and kinks marked, and write the figure.

    SPEC is a name with optional parameters (NAME:KEY=VALUE,...). The file goes to
    output/<specs joined by _>.png unless -o says otherwise; its path is printed.

    \b
    Examples:
      actviz plot relu elu
      actviz plot gelu silu mish --second-derivative -o smooth.pdf
      actviz plot relu6 hardtanh softshrink --layout grid
      actviz plot elu --sweep alpha=0.5,1,2
    """
    from . import render

    path, fmt = figure_target(list(specs) + ([sweep] if sweep else []), output, fmt)
    fig = render.plot(
        list(specs), range=x_range, num=num, layout=layout, derivative=derivative,
        second_derivative=second_derivative, saturation_threshold=saturation_threshold,
        annotations=not no_annotations, sweep=sweep, style=style, dpi=dpi, size=size,
        title=title, flavor=flavor,
    )
    render.save(fig, path, fmt)
    click.echo(str(path))


# --- table, compare, diff -------------------------------------------------------------------

def table_format_option(command: Callable) -> Callable:
    return click.option(
        "-f", "--format", "fmt", type=click.Choice(TABLE_FORMATS),
        help="text, csv, markdown, latex or json (default: from the -o extension "
        ".txt .csv .md .tex .json, else text). Example: -f markdown",
    )(command)


def precision_option(command: Callable) -> Callable:
    return click.option(
        "-p", "--precision", type=click.IntRange(1, 17),
        help="Significant digits (default 6 in text, Markdown and LaTeX; CSV and JSON carry "
        "every digit). Example: -p 3",
    )(command)


def table_output_option(command: Callable) -> Callable:
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False),
        help="Write to this file instead of the terminal. Example: -o table.csv",
    )(command)


def saturation_option(command: Callable) -> Callable:
    return click.option(
        "--saturation-threshold", type=float, default=0.05, show_default=True,
        help="Saturation is where |f'| < T. Example: --saturation-threshold 0.01",
    )(command)


def emit(output: str | None, write: Callable[[Any], None]) -> None:
    """Run ``write(stream)`` on the terminal, or on the file ``output`` (written whole or not
    at all) and print its path."""
    if output is None:
        write(sys.stdout)
        return
    from ._files import write_atomically

    path = write_atomically(writable_path(output), write, mode="w")
    click.echo(str(path))


@cli.command(short_help="Values of f, f' (and f'') on a range, in five formats.")
@click.argument("specs", nargs=-1, required=True)
@range_option
@click.option("--num", type=int, help="Evenly spaced points on the range (default 11). "
              "Example: --num 21")
@click.option("--step", help="A point every STEP from MIN, MAX included when a step lands "
              "on it. Example: --step 0.1")
@click.option("--points", metavar="X1,X2,...", help="These x values instead of a range. "
              "Example: --points -1,0,0.5,2")
@table_format_option
@precision_option
@table_output_option
@click.option("--derivative/--no-derivative", default=True, show_default=True,
              help="Add the f' column. Example: --no-derivative")
@click.option("--second-derivative", is_flag=True, help="Add the f'' column. "
              "Example: --second-derivative")
@flavor_option
def table(specs: tuple[str, ...], x_range: tuple[float, float], num: int | None,
          step: str | None, points: str | None, fmt: str | None, precision: int | None,
          output: str | None, derivative: bool, second_derivative: bool, flavor: str) -> None:
    """Tabulate x, then for each SPEC its value and derivative: columns x, SPEC, SPEC'.

    \b
    Examples:
      actviz table sigmoid --range -5 5
      actviz table relu elu --step 0.5 -f markdown
      actviz table gelu gelu:approximate=tanh --points -3,-1,0,1,3 -o gelu.csv
      actviz table tanh --second-derivative -f latex -o tanh.tex
    """
    from . import tables

    fmt = output_format(output, fmt, TABLE_FORMATS, "text", TABLE_EXTENSIONS)
    xs = sample_points(x_range, num, step, points)
    cols = tables.value_columns(list(specs), derivative, second_derivative, flavor)
    emit(output, lambda out: tables.write_values(out, fmt, xs, cols, precision))


@cli.command(short_help="Computed properties of functions, side by side.")
@click.argument("specs", nargs=-1, required=True)
@range_option
@saturation_option
@table_format_option
@precision_option
@table_output_option
@click.option("--cost/--no-cost", default=True, show_default=True,
              help="Measure the time of f and f' relative to relu (varies run to run; "
              "--no-cost makes the output reproducible). Example: --no-cost")
@flavor_option
def compare(specs: tuple[str, ...], x_range: tuple[float, float], saturation_threshold: float,
            fmt: str | None, precision: int | None, output: str | None, cost: bool,
            flavor: str) -> None:
    """Compare what each SPEC is: output range and bounds, f(0), f'(0), monotonic,
    smoothness, zero-centred, Lipschitz constant, steepest point, minima, saturation, dead
    zones, kinks, statistics under a standard normal input (mean, variance, E[f'^2], the
    variance-preserving gain) and the cost of f and f' relative to relu.

    \b
    Examples:
      actviz compare relu gelu silu
      actviz compare relu leaky_relu elu selu -f markdown
      actviz compare sigmoid tanh --range -10 10 -f json -o props.json
    """
    from .tables import compare_records, write_compare

    fmt = output_format(output, fmt, TABLE_FORMATS, "text", TABLE_EXTENSIONS)
    records = compare_records(list(specs), x_range, saturation_threshold, flavor, cost)
    emit(output, lambda out: write_compare(out, fmt, records, precision))


@cli.command(short_help="How far two definitions of a function drift apart.")
@click.argument("a")
@click.argument("b")
@range_option
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format. Example: -f json")
@precision_option
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Also draw f_A - f_B and f'_A - f'_B, maxima marked, to this image "
              "(.png, .svg, .pdf). Example: -o gelu-diff.png")
@flavor_option
def diff(a: str, b: str, x_range: tuple[float, float], fmt: str, precision: int | None,
         output: str | None, flavor: str) -> None:
    """Print the largest |f_A - f_B| and |f'_A - f'_B| on the range, where they occur, and
    the mean |f_A - f_B|.

    \b
    Examples:
      actviz diff gelu gelu:approximate=tanh
      actviz diff gelu quick_gelu --range -8 8 -f json
      actviz diff silu swish:beta=1.5 -o silu-vs-swish.png
    """
    from .analysis import difference
    from .tables import write_difference

    target = figure_target([], output, None) if output is not None else None
    result = difference(a, b, x_range, flavor)
    write_difference(sys.stdout, fmt, result, precision)
    if target is not None:
        from . import render

        path, image_format = target
        render.save(render.plot_difference(result, flavor=flavor), path, image_format)
        click.echo(str(path))


# --- batch ----------------------------------------------------------------------------------

@cli.command(short_help="Many figures and tables from one YAML file, in parallel.")
@click.argument("config_file", metavar="CONFIG", type=click.Path(exists=True, dir_okay=False))
@click.option("-j", "--jobs", "workers", type=click.IntRange(1, 512),
              help="Worker processes (default: one per CPU; 1 runs the jobs in this process). "
              "Example: --jobs 2")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Write here instead of the config's output_dir; may be anywhere. "
              "Example: --output-dir build/figures")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors. Example: --quiet")
@click.option("--fail-fast", is_flag=True,
              help="Stop at the first failed job. Example: --fail-fast")
@click.option("--dry-run", is_flag=True,
              help="Check the config and list the files it would write. Example: --dry-run")
def batch(config_file: str, workers: int | None, output_dir: str | None, quiet: bool,
          fail_fast: bool, dry_run: bool) -> None:
    """Run every job of a YAML config: figures, tables, comparisons, differences. The whole
    file is checked first (every problem reported with its line; nothing runs if there is
    one), then the jobs run in parallel; files appear whole or not at all.

    \b
    Examples:
      actviz batch configs/gallery.yaml
      actviz batch configs/paper-figures.yaml --output-dir paper/figures
      actviz batch configs/relu-family.yaml --dry-run
    """
    import time

    from .config import ConfigError, load

    start = time.perf_counter()
    try:
        config = load(config_file, output_dir)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        count = len(exc.problems)
        raise BadInput(f"{count} problem{'s' * (count != 1)} in {config_file}; "
                       "nothing was run") from None
    files = [config.output_dir / name for job in config.jobs for name in job.files]
    if dry_run:
        for path in files:
            click.echo(str(path))
        click.echo(f"{len(files)} files would be written by {len(config.jobs)} jobs")
        return
    writable_folder(config.output_dir)
    from . import batch as runner

    tty = sys.stdout.isatty() and not quiet
    bar = click.progressbar(length=len(files), label="actviz batch") if tty else None

    def report(outcome: Any) -> None:
        if outcome.error:
            click.echo(f"Error: {outcome.job.path} (line {outcome.job.line}): {outcome.error}",
                       err=True)
        if bar is not None:
            bar.update(len(outcome.job.files))
        elif not quiet:
            for path in outcome.files:
                click.echo(str(path))

    try:
        if bar is not None:
            bar.__enter__()
        outcomes = runner.run(config, workers or os.cpu_count() or 1, fail_fast, report)
    except runner.Interrupted as stop:
        click.echo("Error: interrupted; no partial or temporary file was left", err=True)
        raise click.exceptions.Exit(128 + stop.signum) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    written = sum(len(o.files) for o in outcomes)
    failed = [o for o in outcomes if o.error]
    missed = len(files) - written
    if not quiet:
        click.echo(f"{written} files written, {missed} failed in "
                   f"{time.perf_counter() - start:.1f} s")
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(config.jobs)} jobs failed: "
                                   + ", ".join(o.job.path for o in failed))


# --- list -----------------------------------------------------------------------------------

@cli.command("list", short_help="Every activation function, its family and parameters.")
@format_option("text", "json")
def list_command(fmt: str) -> None:
    """List every activation function: name, family, parameters and aliases.

    \b
    Examples:
      actviz list
      actviz list --format json
    """
    rows = [summary(REGISTRY[name]) for name in names()]
    if fmt == "json":
        click.echo(json.dumps(json_ready(rows), indent=2))
        return
    table = [("NAME", "FAMILY", "PARAMETERS", "ALIASES")]
    for row in rows:
        params = []
        for key, value in row["params"].items():
            text = f"{key}={_show(value)}"
            others = [f"{flavor}: {_show(over[key])}"
                      for flavor, over in row["flavors"].items() if key in over]
            params.append(text + (f" [{', '.join(others)}]" if others else ""))
        table.append((row["name"], row["family"], ", ".join(params) or "-",
                      ", ".join(row["aliases"]) or "-"))
    click.echo(columns(table))
    click.echo(f"\n{len(rows)} functions. 'actviz info NAME' tells more about one.")


# --- info -----------------------------------------------------------------------------------

@cli.command(short_help="Formulas, parameters, kinks and limits of one function.")
@click.argument("spec")
@flavor_option
@format_option("text", "json")
def info(spec: str, flavor: str, fmt: str) -> None:
    """Show the formulas of f and f', parameters, kinks and the derivative there, limits,
    and the reference of one activation function.

    SPEC is a name or alias, optionally with parameters: NAME:KEY=VALUE[,KEY=VALUE...].

    \b
    Examples:
      actviz info relu
      actviz info leaky_relu:negative_slope=0.2
      actviz info gelu --flavor jax --format json
    """
    data = describe(get(spec, flavor=flavor))
    if fmt == "json":
        click.echo(json.dumps(json_ready(data), indent=2))
        return
    click.echo(_info_text(data))


def _show(value: Any) -> str:
    """A value for the terminal: 6 significant digits, inf spelled out, pairs in brackets."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def _kink_text(kink: dict[str, Any]) -> str:
    x = _show(kink["x"])
    source = f" ({kink['source']})" if kink["source"] else ""
    order = kink["order"]
    if order == 0:
        return (f"x = {x}: jump, f goes from {_show(kink['left'])} to {_show(kink['right'])}; "
                f"f({x}) = {_show(kink['at'])}, f'({x}) = {_show(kink['derivative_at'])}"
                f"{source}")
    if order == 3:
        return f"x = {x}: f''' jumps; f, f' and f'' are continuous (C2)"
    d = "'" * order
    kind = "kink, " if order == 1 else ""
    return (f"x = {x}: {kind}f{d} jumps from {_show(kink['left'])} to {_show(kink['right'])}; "
            f"f{d}({x}) = {_show(kink['at'])}{source}")


def _info_text(data: dict[str, Any]) -> str:
    rows: list[tuple[str, str]] = [
        ("family", data["family"]),
        ("f(x)", data["formula"]["f"]),
        ("f'(x)", data["formula"]["derivative"]),
    ]
    for i, p in enumerate(data["params"]):
        domain = f"{p['domain']}; " if p["domain"] else ""
        default = "" if p["value"] == p["default"] else f", default {_show(p['default'])}"
        rows.append(("parameters" if i == 0 else "",
                     f"{p['name']} = {_show(p['value'])}  ({domain}{p['doc']}{default})"))
    kinks = [_kink_text(k) for k in data["kinks"]] or ["none: C-infinity everywhere"]
    rows += [("kinks" if i == 0 else "", text) for i, text in enumerate(kinks)]
    if data["limits"]:
        for i, (key, label) in enumerate((("f", "f"), ("derivative", "f'"))):
            lo, hi = data["limits"][key]
            rows.append(("limits" if i == 0 else "",
                         f"{label} -> {_show(lo)} as x -> -inf, {label} -> {_show(hi)} "
                         "as x -> +inf"))
    else:
        rows.append(("limits", "none: a function of the whole vector, along the last axis"))
    for i, (flavor, values) in enumerate(data["flavors"].items()):
        rows.append(("flavors" if i == 0 else "",
                     f"{flavor}: " + ", ".join(f"{k} = {_show(v)}" for k, v in values.items())))
    for i, line in enumerate(textwrap.wrap(data.get("flavor_note", ""), 76)):
        rows.append(("flavors" if i == 0 and not data["flavors"] else "", line))
    rows.append(("aliases", ", ".join(data["aliases"]) or "-"))
    rows.append(("reference", data["reference"] or "-"))
    head = f"{data['spec']}: {data['title']}"
    return head + "\n\n" + columns([("  " + label, text) for label, text in rows])


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="actviz")
