"""The kinds of job: what ``plot``, ``table``, ``compare``, ``diff`` and ``depth`` do, once, for the
command line and for batch configs alike (so that a batch job writes exactly the bytes the
single command writes).

A kind is one entry of :data:`KINDS`: its command declaration (:mod:`actviz.options`), its
default format, the prefix of its default file name, the checks only a whole job can make,
and how it runs. Drawing, table and writer code are imported when a job runs, not before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ._files import special, write_atomically
from ._numbers import param_text
from .catalog import get, once, resolve_specs, sweep
from .checks import check_drawable_range, check_simulation, points_of
from .errors import OutputError, ParameterError
from .options import (
    BATCH,
    COMPARE,
    DEPTH,
    DIFF,
    FIGURE_OPTIONS,
    INFO,
    LIST,
    PAGE,
    PLOT,
    PRECISION_COMMAND,
    SPECTRUM,
    TABLE,
    Command,
    Options,
)
from .paths import (
    EXTENSIONS,
    FIGURE_FORMATS,
    FORMATS,
    OUTPUT_DIR,
    extension,
    file_stem,
    output_format,
    writable_path,
)

if TYPE_CHECKING:
    from .writers import Writer

Sink = Path | IO[str]
"""Where a table goes: a file (written whole or not at all) or an open stream."""


@dataclass(frozen=True)
class Target:
    """Where a job writes: its main output in ``fmt`` and, for diff, an optional image."""

    main: Sink
    fmt: str
    image: tuple[Path, str] | None = None
    notice: Callable[[str], None] | None = None
    """Where a warning goes (a table of values that are not finite), one line each."""

    def warn(self, message: str | None) -> None:
        if message is not None and self.notice is not None:
            self.notice(message)


def deliver(sink: Sink, write: Callable[[IO[str]], None]) -> list[Path]:
    """``write`` to a stream, or to a file atomically; the files written."""
    if isinstance(sink, Path):
        return [write_atomically(sink, write, mode="w")]
    write(sink)
    return []


def _writer(fmt: str) -> Writer:
    """The writer of table format ``fmt`` (imported here: a figure needs none)."""
    from .writers import writer

    return writer(fmt)


# --- the runs ---------------------------------------------------------------------------------

def run_plot(functions: Sequence[str], opts: Options, target: Target) -> list[Path]:
    from . import render

    assert isinstance(target.main, Path)
    figure = render.draw(list(functions), Options({o.name: opts[o.name] for o in FIGURE_OPTIONS},
                                                  explicit=opts.explicit, scope=opts.scope))
    return [render.save(figure, target.main, target.fmt)]


def run_table(functions: Sequence[str], opts: Options, target: Target) -> list[Path]:
    from .tables import ValueTable

    xs = points_of(opts.range, opts.num, opts.step, opts.points)
    table = ValueTable(xs, resolve_specs(functions, opts.flavor, opts.scope), opts.derivative,
                       opts.second_derivative)
    table.check()
    written = deliver(target.main, lambda out: _writer(target.fmt).values(out, table,
                                                                          opts.precision))
    target.warn(table.not_finite())
    return written


def run_compare(functions: Sequence[str], opts: Options, target: Target) -> list[Path]:
    from .analysis import records as compare_records

    records = compare_records(resolve_specs(functions, opts.flavor, opts.scope), opts.range,
                              opts.saturation_threshold, opts.cost)
    return deliver(target.main, lambda out: _writer(target.fmt).properties(
        out, records, opts.precision, opts.rows, opts.functions_as))


def with_image(target: Target, figure: Callable[[], Any],
               table: Callable[[IO[str]], None]) -> list[Path]:
    """The table to ``target.main`` and, where ``target.image`` asks for one, the figure
    ``figure()`` draws: drawn first, so that a figure that cannot be written stops all."""
    written = []
    if target.image is not None:
        from . import render

        path, fmt = target.image
        written.append(render.save(figure(), path, fmt))
    return deliver(target.main, table) + written


def run_diff(functions: Sequence[str], opts: Options, target: Target) -> list[Path]:
    from .analysis.diff import difference_of

    a, b = resolve_specs(functions, opts.flavor, opts.scope)  # one input, one output: checked
    result = difference_of(a.act, b.act, opts.range, (a.label, b.label))

    def figure() -> Any:
        from . import render

        return render.draw_difference(result, a.act, b.act, dpi=opts.dpi, size=opts.size,
                                      style=opts.style, title=opts.title)

    return with_image(target, figure, lambda out: _writer(target.fmt).difference(
        out, result, opts.precision))


def run_depth(functions: Sequence[str], opts: Options, target: Target) -> list[Path]:
    from .meanfield.report import settings

    found = settings(resolve_specs(functions, opts.flavor, opts.scope), opts.sigma_w,
                     opts.sigma_b, opts.layers)

    def figure() -> Any:
        from .render.depth import depth_figure

        return depth_figure(found, opts.simulate, opts.width, opts.seed, opts.networks,
                            opts.dpi, opts.size, opts.style, opts.title)

    return with_image(target, figure, lambda out: _writer(target.fmt).depth(
        out, found, opts.precision, opts.functions_as))


def run_spectrum(functions: Sequence[str], opts: Options, target: Target) -> list[Path]:
    from .meanfield.spectrum import spectra

    found = spectra(resolve_specs(functions, opts.flavor, opts.scope), opts.sigma_w,
                    opts.sigma_b, opts.layers, opts.weights)

    def figure() -> Any:
        from .render.spectrum import spectrum_figure

        return spectrum_figure(found, opts.simulate, opts.width, opts.seed, opts.networks,
                               opts.dpi, opts.size, opts.style, opts.title)

    return with_image(target, figure, lambda out: _writer(target.fmt).spectrum(
        out, found, opts.precision, opts.functions_as))


def run_precision(functions: Sequence[str], opts: Options, target: Target) -> list[Path]:
    from .lowprecision import sweeps

    records = sweeps(resolve_specs(functions, opts.flavor, opts.scope), opts.dtype, opts.mode,
                     opts.range)

    def figure() -> Any:
        from .render.lowprecision import precision_figure

        return precision_figure(records, opts.dpi, opts.size, opts.style, opts.title)

    return with_image(target, figure, lambda out: _writer(target.fmt).precision(
        out, records, opts.precision, opts.functions_as))


def run_page(functions: Sequence[str], opts: Options, target: Target) -> list[Path]:
    from .page import page_data
    from .page_html import page_html

    assert isinstance(target.main, Path)
    data = page_data(functions, opts.range, opts.num, opts.saturation_threshold, opts.flavor,
                     opts.scope)
    text = page_html(data, opts.title or "actviz: activation functions")

    def write(out: IO[str]) -> None:
        out.write(text)

    return deliver(target.main, write)


# --- checks of a whole job, before it runs -----------------------------------------------------

def _check_functions(functions: Sequence[str], opts: Options) -> None:
    for spec in functions:
        get(spec, flavor=opts.flavor, scope=opts.scope)


def check_plot(functions: Sequence[str], opts: Options) -> None:
    if not functions:
        raise ParameterError("no function to plot; give at least one SPEC")
    if opts.sweep is not None:
        if len(functions) != 1:
            raise ParameterError("sweep works with one function; got " + " ".join(functions))
        sweep(functions[0], opts.sweep, opts.flavor, opts.scope)
    _check_functions(functions, opts)


def check_table(functions: Sequence[str], opts: Options) -> None:
    if opts.points is not None and "range" in opts.explicit:
        raise ParameterError("give points or range, not both: points are the x values")
    points_of(opts.range, opts.num, opts.step, opts.points)
    _check_functions(functions, opts)


def check_compare(functions: Sequence[str], opts: Options) -> None:
    if opts.rows is not None and "cost" in opts.rows and not opts.cost:
        raise ParameterError("the cost row is measured only with --cost; give --cost, or "
                             "leave cost out of --rows")
    _check_functions(functions, opts)


def check_diff(functions: Sequence[str], opts: Options) -> None:
    if len(functions) != 2:
        raise ParameterError(f"diff compares exactly two functions, got {len(functions)}")
    if draws(opts):  # a figure too
        check_drawable_range(*opts.range)
    for spec in functions:
        definition = get(spec, flavor=opts.flavor, scope=opts.scope).definition
        if definition.vector or definition.outputs > 1:
            raise ParameterError(f"diff compares functions of one input and one output; "
                                 f"{definition.name} is not one")


def check_depth(functions: Sequence[str], opts: Options) -> None:
    """Every function acts unit by unit (the theory's assumption)."""
    from .meanfield import unitwise

    if not functions:
        raise ParameterError("no function to propagate; give at least one SPEC")
    for spec in functions:
        unitwise(get(spec, flavor=opts.flavor, scope=opts.scope))
    output = opts.get("output")
    figure = opts.get("image") is not None or (
        output is not None and Path(output).suffix.lstrip(".").lower() in FIGURE_FORMATS)
    if figure and opts.simulate:
        check_simulation(opts.layers, opts.width, opts.networks)


def check_spectrum(functions: Sequence[str], opts: Options) -> None:
    """Every function acts unit by unit; the figure's simulation stays quick."""
    from .meanfield import unitwise
    from .meanfield.spectrum import check_spectrum_simulation

    if not functions:
        raise ParameterError("no function to propagate; give at least one SPEC")
    for spec in functions:
        unitwise(get(spec, flavor=opts.flavor, scope=opts.scope))
    if draws(opts) and opts.simulate:
        check_spectrum_simulation(opts.layers, opts.width, opts.networks)


def check_precision_job(functions: Sequence[str], opts: Options) -> None:
    """Functions of one input and one output (the dtypes and the mode were checked as
    options)."""
    from .lowprecision import check_function

    if not functions:
        raise ParameterError("no function to sweep; give at least one SPEC")
    named = resolve_specs(functions, opts.flavor, opts.scope)
    once(named, "a table shows each function once")
    for n in named:
        check_function(n.act, n.label)
    if draws(opts):
        check_drawable_range(*opts.range)


def check_page(functions: Sequence[str], opts: Options) -> None:
    """Each spec (a function given twice is refused where the page is made, as a figure
    refuses it: actviz.page.once)."""
    _check_functions(functions, opts)


# --- where the single command writes -----------------------------------------------------------

def figure_path(stem: str, output: str | None, fmt: str | None) -> tuple[Path, str]:
    """Where a figure goes and in which format: ``-o`` as given (its extension names the
    format unless ``fmt`` does), else ``output/<stem>.<format>``."""
    fmt = output_format(output, fmt, FIGURE_FORMATS, "png")
    if output is None:
        return writable_path(OUTPUT_DIR / f"{stem}.{fmt}"), fmt
    path = Path(output)
    if not path.suffix and not special(path):  # /dev/null is written as named, not beside
        path = path.with_suffix(f".{fmt}")
    return writable_path(path), fmt


def _figure_target(stem: str, opts: Options, stdout: IO[str] | None) -> Target:
    return Target(*figure_path(stem, opts.output, opts.format))


def _page_target(stem: str, opts: Options, stdout: IO[str] | None) -> Target:
    """``-o`` as given, a .html (or .htm) file, else output/<stem>.html. A name without
    that extension is refused, not written under another name."""
    if opts.output is None:
        return Target(writable_path(OUTPUT_DIR / f"{stem}.html"), "html")
    path = Path(opts.output)
    if path.suffix.lower() not in (".html", ".htm") and not special(path):
        raise ParameterError(f"a page is HTML; give -o with .html, such as -o "
                             f"{path.with_suffix('.html').as_posix()}")
    return Target(writable_path(path), "html")


def _open(stdout: IO[str] | None) -> IO[str]:
    """The terminal's stream, or an error now, before any work, when it is closed."""
    if stdout is None or stdout.closed:
        raise OutputError("standard output is closed; give -o FILE to write to a file")
    return stdout


def _table_target(stem: str, opts: Options, stdout: IO[str] | None) -> Target:
    fmt = output_format(opts.output, opts.format, FORMATS, "text", EXTENSIONS)
    if opts.output is not None:
        return Target(writable_path(opts.output), fmt)
    return Target(_open(stdout), fmt)


def draws(opts: Options) -> bool:
    """Whether a diff or depth job draws its figure: ``image`` in a batch, or ``-o`` with a
    figure's extension."""
    return opts.get("image") is not None or (
        opts.output is not None and Path(opts.output).suffix.lstrip(".").lower()
        in FIGURE_FORMATS)


def _table_or_figure_target(stem: str, opts: Options, stdout: IO[str] | None) -> Target:
    """diff and depth: -o with a figure's extension draws the figure and prints the table;
    -o with a table's extension (or any -o with --format) is the table's file."""
    if opts.output is not None:
        if draws(opts):
            image = figure_path(stem, opts.output, None)
            return Target(_open(stdout), opts.format or "text", image)
        if Path(opts.output).suffix.lstrip(".").lower() not in EXTENSIONS and (
                opts.format is None):
            tables = ", ".join("." + ext for ext in EXTENSIONS)
            figures = ", ".join("." + ext for ext in FIGURE_FORMATS)
            raise ParameterError(f"cannot tell what to write from the extension of "
                                 f"{opts.output}: a table ({tables}) or the figure "
                                 f"({figures}); or give --format for a table")
    return _table_target(stem, opts, stdout)


# --- the table of kinds -----------------------------------------------------------------------

def tidy(spec: str) -> str:
    """A spec as legends, headers and file names show it: each run of white space (a newline,
    a tab) one space, none at the ends. White space never changes what a spec means."""
    return " ".join(spec.split()) if isinstance(spec, str) else spec



def sweep_text(swept: tuple[str, Sequence[Any]]) -> str:
    """``alpha=0.5,1,2``: a sweep as the command line writes it."""
    name, values = swept
    return f"{name}=" + ",".join(param_text(v) for v in values)


@dataclass(frozen=True)
class JobKind:
    """One kind of job: a command that batch configs can run."""

    command: Command
    default_format: str
    stem_prefix: str
    check: Callable[[Sequence[str], Options], None]
    run: Callable[[Sequence[str], Options, Target], list[Path]]
    target: Callable[[str, Options, IO[str] | None], Target]
    """Where the single command writes: from its -o and --format, else the terminal or
    output/<stem>."""
    weight: int
    """How long a job of this kind takes per function, roughly: batches start the heaviest
    first so that the workers finish together."""

    @property
    def name(self) -> str:
        return self.command.name

    def stem(self, functions: Sequence[str], opts: Options) -> str:
        """The default file stem, as the single command names its file: ``relu_elu``;
        tables, comparisons and differences get a prefix so that they do not collide with
        the figures."""
        labels = list(functions)
        if opts.get("sweep") is not None:
            labels.append(sweep_text(opts.sweep))
        return self.stem_prefix + file_stem(labels)

    def files(self, stem: str, opts: Options) -> list[str]:
        """The file names a job of this kind writes in its folder."""
        fmt = opts.get("format") or self.default_format
        files = [f"{stem}.{extension(fmt)}"]
        if opts.get("image") is not None:
            files.append(f"{stem}.{opts.image}")
        return files


KINDS: dict[str, JobKind] = {kind.name: kind for kind in (
    JobKind(PLOT, "png", "", check_plot, run_plot, _figure_target, weight=0),
    JobKind(TABLE, "text", "table_", check_table, run_table, _table_target, weight=1),
    JobKind(COMPARE, "text", "compare_", check_compare, run_compare, _table_target,
            weight=3),
    JobKind(DIFF, "text", "diff_", check_diff, run_diff, _table_or_figure_target, weight=1),
    JobKind(DEPTH, "text", "depth_", check_depth, run_depth, _table_or_figure_target, weight=4),
    JobKind(SPECTRUM, "text", "spectrum_", check_spectrum, run_spectrum,
            _table_or_figure_target, weight=3),
    JobKind(PRECISION_COMMAND, "text", "precision_", check_precision_job, run_precision,
            _table_or_figure_target, weight=1),
    JobKind(PAGE, "html", "", check_page, run_page, _page_target, weight=2),
)}
"""Every kind of job, by name."""

COMMANDS: tuple[Command, ...] = (*(kind.command for kind in KINDS.values()), BATCH, LIST, INFO)
"""Every command: the kinds of job, then those that are not one."""
