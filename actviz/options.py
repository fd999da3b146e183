"""Every option of every command, declared once.

An :class:`Option` says its name, type, default, check and help (with an example). From these
declarations come the click options of the command line (:mod:`actviz.cli`), the keys of a
YAML job and their validation (:mod:`actviz.config`), the defaults of a batch job, and the
keyword arguments of the Python API (``actviz.plot(range=..., num=...)``). Adding an option to
a command, to YAML and to the API is one declaration here plus the code that uses it.

No click and no YAML here: the types below are descriptions that those modules read.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._suggest import did_you_mean
from .catalog import FLAVORS
from .checks import (
    DEFAULT_RANGE,
    check_count,
    check_dpi,
    check_figure_range,
    check_output,
    check_path,
    check_plot_num,
    check_points,
    check_precision,
    check_range,
    check_sigma,
    check_size,
    check_step,
    check_style,
    check_sweep,
    check_table_num,
    check_threshold,
    check_title,
)
from .compare_rows import check_rows, rows_help
from .errors import ParameterError
from .lowprecision import DEFAULT_DTYPES, DTYPES, MODES, check_dtypes, check_mode
from .lowprecision import DEFAULT_RANGE as PRECISION_RANGE
from .paths import EXTENSIONS, FIGURE_FORMATS, FORMATS
from .resolved import Options

# --- value types --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """The type of an option's value, as both the command line and YAML read it."""

    name: str
    """number, integer, flag, text, choice, pair, points, sweep or step."""
    choices: tuple[str, ...] = ()


NUMBER = Kind("number")
INTEGER = Kind("integer")
FLAG = Kind("flag")
TEXT = Kind("text")
PAIR = Kind("pair")
"""Two numbers: ``--range -3 3`` and ``range: [-3, 3]``."""
POINTS = Kind("points")
"""``--points -1,0,2`` and ``points: [-1, 0, 2]`` (or the same text)."""
SWEEP = Kind("sweep")
"""``--sweep alpha=0.5,1,2`` and ``sweep: {alpha: [0.5, 1, 2]}`` (or the same text)."""
STEP = Kind("step")
"""A number read as a decimal: ``--step 0.1``, ``step: 0.1``."""
SIZE = Kind("size")
"""Two numbers or a name: ``--size 8 3``, ``--size column``, ``size: [8, 3]``."""
NAMES = Kind("names")
"""Names: ``--rows f0,df0`` and ``rows: [f0, df0]`` (or the same text)."""


def choice(*choices: str) -> Kind:
    return Kind("choice", tuple(choices))


# --- options ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    """One option: its name is the keyword argument, the YAML key and, with '-' for '_', the
    long flag. ``check`` converts and checks a value (raising :class:`ParameterError`);
    ``cli``/``yaml`` say where the option exists; ``short`` is a one-letter flag; a
    ``negatable`` flag has a ``--no-`` form; ``inverse`` names a YAML key that sets the
    opposite (``no_annotations: true``)."""

    name: str
    kind: Kind
    default: Any
    help: str
    check: Callable[[Any], Any] | None = None
    short: str | None = None
    metavar: str | None = None
    negatable: bool = False
    inverse: str | None = None
    cli: bool = True
    yaml: bool = True

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def convert(self, value: Any) -> Any:
        """``value`` checked against its kind, then by ``check``; None stays None (not
        given)."""
        if value is None:
            return value
        kind = self.kind.name
        if kind == "choice":
            if not isinstance(value, str) or value.lower() not in self.kind.choices:
                raise ParameterError(f"{self.name} must be one of "
                                     f"{', '.join(self.kind.choices)}, got {value!r}")
            value = value.lower()
        elif kind == "flag" and not isinstance(value, bool):
            raise ParameterError(f"{self.name} must be True or False, got {value!r}")
        elif kind == "text" and not isinstance(value, str):
            raise ParameterError(f"{self.name} must be text, got {value!r}")
        return value if self.check is None else self.check(value)


@dataclass(frozen=True)
class Command:
    """A command's declaration: its options, its one-line summary and its help text."""

    name: str
    summary: str
    help: str
    options: tuple[Option, ...]
    arguments: tuple[str, ...] = ()
    """click argument declarations, e.g. ``specs...`` or ``a``, ``b``."""

    def option(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)

    @property
    def yaml_options(self) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.yaml)

    def resolve(self, given: Mapping[str, Any], *, only: tuple[Option, ...] | None = None,
                ) -> Options:
        """Every option of ``only`` (default: all) with the given values checked and the
        others at their defaults; an unknown name is a :class:`ParameterError`."""
        options = self.options if only is None else only
        known = {o.name: o for o in options}
        for name in given:
            if name not in known:
                hint = did_you_mean(name, known)
                raise ParameterError(f"{self.name} has no option '{name}'.{hint} It takes: "
                                     + ", ".join(known))
        return Options({name: o.convert(given[name]) if name in given else o.default
                        for name, o in known.items()}, explicit=given)

    def filled(self, given: Mapping[str, Any], explicit: Iterable[str] = (),
               scope: Mapping[str, Any] | None = None) -> Options:
        """Every option, with the ``given`` values (already checked) and the defaults;
        ``explicit`` names the options set where the job itself is written, ``scope`` the
        names its config defines."""
        return Options({o.name: given.get(o.name, o.default) for o in self.options},
                       explicit=explicit, scope=scope)


def _help(text: str, *examples: str) -> str:
    """A command's help: its text, then its examples (kept as they are by click)."""
    return (inspect.cleandoc(text) + "\n\n\b\nExamples:\n"
            + "\n".join(f"  {line}" for line in examples))


# Options that several commands share.

RANGE = Option("range", PAIR, DEFAULT_RANGE, "The interval of x. Example: --range -10 10",
               check=check_range, metavar="MIN MAX")
FLAVOR = Option("flavor", choice(*FLAVORS), "torch",
                "Whose defaults and values at kinks to use where frameworks differ (leaky_relu "
                "slope 0.2 in keras, tanh gelu in jax, leaky_relu'(0) = 1 in both). Example: "
                "--flavor keras")
SATURATION = Option("saturation_threshold", NUMBER, 0.05,
                    "Saturation is where |f'| < T. Example: --saturation-threshold 0.01",
                    check=check_threshold)
DERIVATIVE = Option("derivative", FLAG, True, "Draw the f' panel. Example: --no-derivative",
                    negatable=True)
SECOND = Option("second_derivative", FLAG, False,
                "Also draw f''. Example: --second-derivative")
PRECISION = Option("precision", INTEGER, None,
                   "Significant digits, in every format (default: 6 in text, Markdown and "
                   "LaTeX; every digit in CSV and JSON). Example: -p 3", check=check_precision,
                   short="-p")
FUNCTIONS_AS = Option(
    "functions_as", choice("columns", "rows"), "columns",
    "In text, Markdown and LaTeX: a column per function and a row per quantity, or a row "
    "per function (CSV has a row per function either way). Example: --functions-as rows")
TABLE_FORMAT = Option(
    "format", choice(*FORMATS), None,
    f"{', '.join(FORMATS[:-1])} or {FORMATS[-1]} (default: from the -o extension "
    f"{' '.join('.' + ext for ext, fmt in EXTENSIONS.items() if ext != fmt)}, else text). "
    "Example: -f markdown", short="-f")

IMAGE = Option("image", choice(*FIGURE_FORMATS), None, "In a batch job: also draw the "
               "figure in this format. Example: image: pdf", cli=False)

# Options of the commands that model deep random networks (depth, spectrum).

LAYERS = Option("layers", INTEGER, 30, "Layers of the network (1 to 1000). Example: "
                "--layers 50", check=lambda value: check_count(value, "layers", 1, 1000))
SEED = Option("seed", INTEGER, 0, "Seed of the first simulated network (the next ones take "
              "seed + 1, ...). Example: --seed 1",
              check=lambda value: check_count(value, "seed", 0, 2**32 - 1))

# plot

FIGURE_OPTIONS = (
    Option("range", PAIR, None, "The interval of x (default: -5 5, widened to show every "
           "kink). Example: --range -10 10", check=check_figure_range, metavar="MIN MAX"),
    Option("num", INTEGER, 1001, "Points sampled on the range; kinks are added exactly. "
           "Example: --num 4001", check=check_plot_num),
    Option("layout", choice("overlay", "grid"), "overlay",
           "overlay: all functions in each panel; grid: one column per function, f above f'. "
           "Example: --layout grid"),
    DERIVATIVE,
    SECOND,
    SATURATION,
    Option("annotations", FLAG, True, "Regions, markers and labels; --no-annotations draws "
           "plain curves. Example: --no-annotations", negatable=True,
           inverse="no_annotations"),
    Option("sweep", SWEEP, None, "One curve per parameter value, of one function. Example: "
           "--sweep alpha=0.5,1,2", check=check_sweep, metavar="PARAM=V1,V2,..."),
    Option("style", TEXT, None, "Any matplotlib style. Example: --style seaborn-v0_8-paper",
           check=check_style),
    Option("dpi", NUMBER, 150.0, "Resolution of PNG output. Example: --dpi 300",
           check=check_dpi),
    Option("size", SIZE, None, "Figure size: W H in inches, or column (3.3 in wide) or page "
           "(7 in wide). Example: --size 8 3", check=check_size, metavar="W H|column|page"),
    Option("columns", INTEGER, None, "In the grid layout, functions side by side before the "
           "next row (default 3). Example: --columns 2",
           check=lambda value: check_count(value, "columns", 1, 12)),
    Option("sharey", FLAG, False, "In the grid layout, one y axis for the panels of each "
           "derivative (default: each panel its own). Example: --sharey"),
    Option("title", TEXT, None, "Figure title instead of the formula. Example: --title 'ReLU'",
           check=check_title),
    FLAVOR,
)
"""What a figure is drawn with: the options of :func:`actviz.plot`."""

FIGURE_FORMAT = Option(
    "format", choice(*FIGURE_FORMATS), None,
    "png, svg or pdf (default: from the -o extension, else png). Example: --format pdf",
    short="-f")

PLOT = Command(
    "plot", "Annotated figure of f and f' (and f'').",
    _help("""Draw f and f' of each SPEC side by side, with saturation regions, dead zones, the
    steepest point, minima and kinks marked, and write the figure.

    SPEC is a name with optional parameters (NAME:KEY=VALUE,...). The file goes to
    output/<specs joined by _>.png unless -o says otherwise; its path is printed.
    """, "actviz plot relu elu",
                    "actviz plot gelu silu mish --second-derivative -o smooth.pdf",
                    "actviz plot relu6 hardtanh softshrink --layout grid",
                    "actviz plot elu --sweep alpha=0.5,1,2"),
    (*FIGURE_OPTIONS,
     Option("output", TEXT, None, "File to write; its extension picks the format. "
            "Example: -o figs/elu.svg", short="-o", yaml=False, check=check_output),
     FIGURE_FORMAT),
    arguments=("specs...",),
)

# table

TABLE = Command(
    "table", "Values of f, f' (and f'') on a range, in five formats.",
    _help("""Tabulate x, then for each SPEC its value and derivative: columns x, SPEC, SPEC'.
    """, "actviz table sigmoid --range -5 5",
                    "actviz table relu elu --step 0.5 -f markdown",
                    "actviz table gelu gelu:approximate=tanh --points -3,-1,0,1,3 -o gelu.csv",
                    "actviz table tanh --second-derivative -f latex -o tanh.tex"),
    (
        RANGE,
        Option("num", INTEGER, None, "Evenly spaced points on the range (default 11). "
               "Example: --num 21", check=check_table_num),
        Option("step", STEP, None, "A point every STEP from MIN, MAX included when a step "
               "lands on it. Example: --step 0.1", check=check_step),
        Option("points", POINTS, None, "These x values instead of a range. "
               "Example: --points -1,0,0.5,2", check=check_points, metavar="X1,X2,..."),
        TABLE_FORMAT,
        PRECISION,
        Option("output", TEXT, None, "Write to this file instead of the terminal. "
               "Example: -o table.csv", short="-o", yaml=False, check=check_output),
        Option("derivative", FLAG, True, "Add the f' column. Example: --no-derivative",
               negatable=True),
        Option("second_derivative", FLAG, False,
               "Add the f'' column. Example: --second-derivative"),
        FLAVOR,
    ),
    arguments=("specs...",),
)

# compare

COMPARE = Command(
    "compare", "Computed properties of functions, side by side.",
    _help("""Compare what each SPEC is: output range and bounds, f(0), f'(0), monotonic,
    smoothness, zero-centred, Lipschitz constant, steepest point, minima, saturation, dead
    zones, kinks, statistics under a standard normal input (mean, variance, E[f'^2], the
    variance-preserving gain) and, with --cost, the time of f and f' relative to relu. A row
    that applies to no function given is left out; a "-" says that it does not apply to
    that function, or that there is none (no minimum, no dead zone).
    """, "actviz compare relu gelu silu",
                    "actviz compare relu leaky_relu elu selu -f markdown",
                    "actviz compare relu gelu silu mish elu selu -o props.tex",
                    "actviz compare relu gelu silu --rows f0,lipschitz,gaussian --functions-as "
                    "rows",
                    "actviz compare sigmoid tanh --range -10 10 -f json -o props.json")
    + "\n\n" + rows_help(),
    (
        RANGE,
        SATURATION,
        TABLE_FORMAT,
        PRECISION,
        Option("rows", NAMES, None, "The rows to show, in this order, by name (above; JSON "
               "always has every key). Example: --rows f0,df0,lipschitz,gaussian",
               check=check_rows, metavar="NAME,..."),
        FUNCTIONS_AS,
        Option("output", TEXT, None, "Write to this file instead of the terminal. "
               "Example: -o props.md", short="-o", yaml=False, check=check_output),
        Option("cost", FLAG, False, "Also measure the time of f and f' relative to relu on "
               "this machine (it varies from run to run). Example: --cost", negatable=True),
        FLAVOR,
    ),
    arguments=("specs...",),
)

# diff

DIFF = Command(
    "diff", "How far two definitions of a function drift apart.",
    _help("""Print the largest |f_A - f_B| and |f'_A - f'_B| on the range, where they occur, and
    the mean |f_A - f_B|. The table goes to the terminal, or to -o FILE (.csv, .md, .tex,
    .json, .txt); -o FILE.png (.svg, .pdf) draws the differences instead, the table still
    on the terminal.
    """, "actviz diff gelu gelu:approximate=tanh",
                    "actviz diff gelu gelu:approximate=tanh -o gelu-diff.tex",
                    "actviz diff gelu quick_gelu --range -8 8 -f json",
                    "actviz diff silu swish:beta=1.5 -o silu-vs-swish.png"),
    (
        RANGE,
        TABLE_FORMAT,
        PRECISION,
        Option("output", TEXT, None, "Write the table to this file (.txt, .csv, .md, .tex, "
               ".json), or draw f_A - f_B and f'_A - f'_B, maxima marked, to this image "
               "(.png, .svg, .pdf; the table still goes to the terminal). "
               "Example: -o gelu-diff.png", short="-o", yaml=False, check=check_output),
        Option("image", choice(*FIGURE_FORMATS), None, "In a batch job: also draw the "
               "difference as an image of this format. Example: image: svg", cli=False),
        *(o for o in FIGURE_OPTIONS if o.name in ("dpi", "size", "style")),
        Option("title", TEXT, None, "Figure title instead of 'A = SPEC_A,  B = SPEC_B'. "
               "Example: --title 'GELU: exact minus tanh'", check=check_title),
        FLAVOR,
    ),
    arguments=("a", "b"),
)

# depth

DEPTH = Command(
    "depth", "Signals and gradients through many layers (mean-field theory).",
    _help("""What a deep random network does with each SPEC (mean-field theory): the fixed
    point q* of the pre-activations' mean square, chi_1, the factor by which the mean squared
    gradient grows per layer, and the phase it means (ordered: gradients vanish; chaotic:
    they explode; critical: the edge of chaos), the stable correlation c* and the slope
    chi_c there, the depth scales xi_q and xi_c, and q and the gradient after --layers
    layers from inputs of mean square 1.

    Weights are N(0, sigma_w^2/fan_in) and biases N(0, sigma_b^2): sigma_w and sigma_b are
    standard deviations; the table gives their squares too. Without --sigma-w, each
    function is shown at its edge of chaos for --sigma-b and at its standard init
    (PyTorch's calculate_gain where PyTorch has one, else the forward gain
    1/sqrt(E[f(z)^2])). The table goes to the terminal, or to -o FILE (.csv, .md, .tex,
    .json, .txt); -o FILE.png (.svg, .pdf) draws the figure instead: the phase diagram, q
    and the gradient layer by layer beside a simulated random network, and the correlation
    map.
    """, "actviz depth relu tanh",
                    "actviz depth tanh --sigma-w 1.5 --sigma-b 0.05 -f markdown",
                    "actviz depth tanh selu silu --sigma-b 0.3 -o depth.png",
                    "actviz depth relu elu --sigma-w 1.3 --layers 50 -o depth.pdf"),
    (
        Option("sigma_w", NUMBER, None, "Standard deviation of the weights times "
               "sqrt(fan_in) (default: each function's edge of chaos and standard init). "
               "Example: --sigma-w 1.5", check=lambda value: check_sigma(value, "sigma_w")),
        Option("sigma_b", NUMBER, 0.0, "Standard deviation of the biases. "
               "Example: --sigma-b 0.05", check=lambda value: check_sigma(value, "sigma_b")),
        LAYERS,
        Option("width", INTEGER, 1000, "Units per layer of the simulated networks in the "
               "figure (10 to 4000). Example: --width 500",
               check=lambda value: check_count(value, "width", 10, 4000)),
        SEED,
        Option("networks", INTEGER, 4, "Simulated networks in the figure (1 to 64), drawn "
               "as their mean and spread. Example: --networks 8",
               check=lambda value: check_count(value, "networks", 1, 64)),
        Option("simulate", FLAG, True, "Draw simulated random networks as markers beside "
               "the theory's lines. Example: --no-simulate", negatable=True),
        TABLE_FORMAT,
        PRECISION,
        FUNCTIONS_AS,
        Option("output", TEXT, None, "Write the table to this file, or draw the figure to "
               "this image (.png, .svg, .pdf; the table still goes to the terminal). "
               "Example: -o depth.png", short="-o", yaml=False, check=check_output),
        IMAGE,
        *(o for o in FIGURE_OPTIONS if o.name in ("dpi", "size", "style")),
        Option("title", TEXT, None, "Figure title instead of 'Through L layers at sigma_b = "
               "B'. Example: --title 'Deep tanh'", check=check_title),
        FLAVOR,
    ),
    arguments=("specs...",),
)

# spectrum

SPECTRUM = Command(
    "spectrum", "The Jacobian's singular values through depth (dynamical isometry).",
    _help("""The spectrum of J J^T, J the input-output Jacobian of a deep random network of
    each SPEC at the fixed point q* of its pre-activations (Pennington, Schoenholz & Ganguli
    2017, 2018): chi_1, mu_k = E[f'(h)^(2k)], the mean chi_1^L and the variance of the
    squared singular values, the isometry depth (where the variance reaches the squared
    mean), the upper edge lambda_max of the spectrum, its mass at 0 (where f' = 0), its
    other atoms and its 5, 50 and 95 % quantiles, by free probability (S-transforms
    multiplied).

    Weights are sigma_w times a Haar orthogonal matrix (--weights orthogonal) or
    N(0, sigma_w^2/fan_in) (--weights gaussian), biases N(0, sigma_b^2). Without --sigma-w,
    each function is at its edge of chaos for --sigma-b. The table goes to the terminal, or
    to -o FILE (.csv, .md, .tex, .json, .txt); -o FILE.png (.svg, .pdf) draws the figure,
    the table still on the terminal: the density at depth L beside the eigenvalues of
    simulated networks, and the variance against depth for both kinds of weights.
    relu has an edge of chaos only without biases (--sigma-b 0, the default).
    """, "actviz spectrum relu tanh",
                    "actviz spectrum tanh --sigma-b 0.1 --weights gaussian -f markdown",
                    "actviz spectrum hardtanh tanh --sigma-b 0.05 --layers 10 -o spectrum.png"),
    (
        Option("sigma_w", NUMBER, None, "Standard deviation of the weights times "
               "sqrt(fan_in) (default: each function's edge of chaos). "
               "Example: --sigma-w 1.5", check=lambda value: check_sigma(value, "sigma_w")),
        Option("sigma_b", NUMBER, 0.0, "Standard deviation of the biases. "
               "Example: --sigma-b 0.1", check=lambda value: check_sigma(value, "sigma_b")),
        LAYERS,
        Option("weights", choice("orthogonal", "gaussian"), "orthogonal",
               "Weight matrices: sigma_w times a Haar orthogonal matrix, or Gaussian entries. "
               "Example: --weights gaussian"),
        Option("width", INTEGER, 200, "Units per layer of the simulated networks in the "
               "figure (10 to 2000). Example: --width 400",
               check=lambda value: check_count(value, "width", 10, 2000)),
        SEED,
        Option("networks", INTEGER, 2, "Simulated networks per function in the figure (1 to "
               "64). Example: --networks 4",
               check=lambda value: check_count(value, "networks", 1, 64)),
        Option("simulate", FLAG, True, "Draw the eigenvalues of simulated networks beside the "
               "theory's density. Example: --no-simulate", negatable=True),
        TABLE_FORMAT,
        PRECISION,
        FUNCTIONS_AS,
        Option("output", TEXT, None, "Write the table to this file, or draw the figure to "
               "this image (.png, .svg, .pdf; the table still goes to the terminal). "
               "Example: -o spectrum.png", short="-o", yaml=False, check=check_output),
        IMAGE,
        *(o for o in FIGURE_OPTIONS if o.name in ("dpi", "size", "style")),
        Option("title", TEXT, None, "Figure title instead of 'J J^T through L layers'. "
               "Example: --title 'Dynamical isometry'", check=check_title),
        FLAVOR,
    ),
    arguments=("specs...",),
)

# precision

PRECISION_COMMAND = Command(
    "precision", "What f and f' become in bfloat16, float16, float8 and float32.",
    _help("""Sweep every finite value of each --dtype in the range (float32: a dense sample)
    and compare f and f' computed there with the exact values: the largest error in ulps
    (units in the last place of the format, at the exact value) and where it is taken, the
    intervals where f' flushes to 0 although the exact f' rounded is not 0, where the exact
    f' itself underflows, and the first x where f overflows. --mode rounded rounds the
    exact value once (the best any implementation can do); float32 rounds it to float32,
    then to the dtype: a model of a correctly rounded kernel that computes in float32
    (PyTorch's for half types; a real kernel's own errors are not modelled); autograd
    takes f' as PyTorch's backward computes it from the saved, rounded output for
    sigmoid, tanh and exponential (sigmoid' = y(1-y), tanh' = 1-y^2, exp' = y), the
    others as float32. The table goes to the terminal, or to -o FILE (.csv, .md, .tex, .json, .txt);
    -o FILE.png (.svg, .pdf) draws the ulp errors against x per dtype instead, the table
    still on the terminal.
    """, "actviz precision sigmoid gelu --mode autograd",
                    "actviz precision tanh --dtype bfloat16,float16 --mode autograd -o tanh.png",
                    "actviz precision exponential --dtype float16,float8_e4m3fn -f markdown",
                    "actviz precision silu --dtype float32 --range -100 0 -f json"),
    (
        Option("dtype", NAMES, DEFAULT_DTYPES, f"Formats, separated by commas: "
               f"{', '.join(DTYPES)}. Example: --dtype "
               "bfloat16,float8_e4m3fn", check=check_dtypes, metavar="NAME,..."),
        Option("mode", choice(*MODES), "float32", "rounded: the exact value rounded once; "
               "float32: as a correctly rounded float32 kernel computes it, then rounded; "
               "autograd: f' from the saved output as PyTorch's backward computes it "
               "(sigmoid, tanh, exponential; the others as float32). Example: --mode autograd",
               check=check_mode),
        Option("range", PAIR, PRECISION_RANGE, "The interval of x. Example: --range -10 10",
               check=check_range, metavar="MIN MAX"),
        TABLE_FORMAT,
        PRECISION,
        FUNCTIONS_AS,
        Option("output", TEXT, None, "Write the table to this file, or draw the figure to "
               "this image (.png, .svg, .pdf; the table still goes to the terminal). "
               "Example: -o sigmoid-bf16.png", short="-o", yaml=False, check=check_output),
        Option("image", choice(*FIGURE_FORMATS), None, "In a batch job: also draw the "
               "figure in this format. Example: image: png", cli=False),
        *(o for o in FIGURE_OPTIONS if o.name in ("dpi", "size", "style")),
        Option("title", TEXT, None, "Figure title instead of 'ulp error in DTYPES (mode "
               "MODE)'. Example: --title 'sigmoid in bf16'", check=check_title),
        FLAVOR,
    ),
    arguments=("specs...",),
)

# page

PAGE = Command(
    "page", "One offline HTML page to explore functions in a browser.",
    _help("""Write one self-contained HTML file (no network, works from file://): f, f' and f''
    of each SPEC (no SPEC: every catalog function) in panes with one linked cursor that
    reads actviz's exact values, a toggle per function, zoom by dragging, the frameworks'
    defaults where they differ, parameter presets, the figures' marks (saturation, dead
    zones, kinks, minima, the steepest point) and the properties of compare. The data is
    embedded as JSON (docs/page.md). The file goes to output/actviz.html (or
    output/<specs joined by _>.html) unless -o says otherwise; its path is printed.
    """, "actviz page", "actviz page relu gelu silu -o activations.html",
                    "actviz page elu leaky_relu --range -3 3 --flavor keras"),
    (
        Option("range", PAIR, None, "The interval of x (default: -5 5, widened to show every "
               "kink). Example: --range -10 10", check=check_figure_range, metavar="MIN MAX"),
        Option("num", INTEGER, 201, "At least this many evenly spaced points on the range "
               "and at most twice as many and one: the step is the largest of 1, 2, 2.5 or 5 "
               "x 10^k not above (MAX - MIN)/(NUM - 1). Each kink is added exactly, with the "
               "float on either side. "
               "Example: --num 801", check=lambda value: check_count(value, "num", 11, 4001)),
        SATURATION,
        Option("title", TEXT, None, "Page title instead of 'actviz: activation functions'. "
               "Example: --title 'ReLU family'", check=check_title),
        Option("flavor", choice(*FLAVORS), "torch",
               "The framework whose defaults the page shows first (it can switch to the "
               "others where they differ). Example: --flavor keras"),
        Option("output", TEXT, None, "File to write (.html). Example: -o page.html",
               short="-o", yaml=False, check=check_output),
    ),
    arguments=("specs",),
)

# batch, list, info

BATCH = Command(
    "batch", "Many figures and tables from one YAML file, in parallel.",
    _help("""Run every job of a YAML config: figures, tables, comparisons, differences. The whole
    file is checked first (every problem reported with its line; nothing runs if there is
    one), then the jobs run in parallel; files appear whole or not at all.
    """, "actviz batch configs/gallery.yaml",
                    "actviz batch configs/paper-figures.yaml --output-dir paper/figures",
                    "actviz batch configs/relu-family.yaml --dry-run"),
    (
        Option("jobs", INTEGER, None, "Worker processes (default: one per CPU; never more "
               "than the jobs or the CPUs; 1 runs the jobs in this process). Example: --jobs 2",
               short="-j", yaml=False,
               check=lambda v: check_count(v, "jobs", 1, 512)),
        Option("output_dir", TEXT, None, "Write here instead of the config's output_dir; may "
               "be anywhere. Example: --output-dir build/figures", yaml=False,
               check=lambda value: check_path(value, "--output-dir", "a folder")),
        Option("quiet", FLAG, False, "Print only errors. Example: --quiet", short="-q",
               yaml=False),
        Option("fail_fast", FLAG, False, "Stop at the first failed job. Example: --fail-fast",
               yaml=False),
        Option("dry_run", FLAG, False, "Check the config and list the files it would write. "
               "Example: --dry-run", yaml=False),
    ),
    arguments=("config",),
)


INFO_FORMAT = Option("format", choice("text", "json"), "text",
                     "Output format. Example: --format json", short="-f", yaml=False)

LIST = Command(
    "list", "Every activation function, its family and parameters.",
    _help("""List every activation function: name, family, parameters and aliases.
    """, "actviz list", "actviz list --format json"),
    (INFO_FORMAT,),
)

INFO = Command(
    "info", "Formulas, parameters, kinks and limits of one function.",
    _help("""Show the formulas of f and f', parameters, kinks and the derivative there, limits,
    and the reference of one activation function.

    SPEC is a name or alias, optionally with parameters: NAME:KEY=VALUE[,KEY=VALUE...].
    """, "actviz info relu", "actviz info leaky_relu:negative_slope=0.2",
                    "actviz info gelu --flavor jax --format json"),
    (FLAVOR, INFO_FORMAT),
    arguments=("spec",),
)



def figure_options(given: Mapping[str, Any]) -> Options:
    """The figure options of :func:`actviz.plot`, checked, defaults filled in."""
    return PLOT.resolve(given, only=FIGURE_OPTIONS)
