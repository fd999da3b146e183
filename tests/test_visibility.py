"""What a reader sees, read off the rendered pixels (Agg output is deterministic) and checked
with colour science independent of actviz's own (tests/pixels.py: WCAG 2's formulas written
out, colorspacious for CIE Lab and the deficiency simulations of Machado et al. 2009):

- every function shows: at least a quarter of each curve's own pixels (where it would be
  drawn alone, solid) shows its own colour, stretches where curves coincide included;
- curves keep 3:1 contrast against their panel and label texts 4.5:1 against what is behind
  them, in the default style, grayscale and dark_background;
- no two curves of a panel share colour and line style, and two colours that come within
  ΔE 15 for a reader with normal vision or a deficiency differ in line style as well.

The figures of the README, docs/ and configs/ and overlays of up to ten functions; the
slow run (pytest -m slow) takes every figure of configs/ and more overlays."""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb

import actviz
from actviz.analysis import difference
from actviz.render import plot_difference
from actviz.render.figure import ActvizFigure

from .pixels import Seen, curves_seen, cvd_distance, wcag_contrast

ROOT = Path(__file__).resolve().parent.parent
RELU_LIKE = ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus"]
TEN = [*RELU_LIKE, "celu", "relu6"]
FIGURES = {
    "README relu elu": (["relu", "elu"], {}),
    "README gelu silu mish": (["gelu", "silu", "mish"], {}),
    "README formula": (["x*tanh(softplus(x))", "mish"], {}),
    "README sweep": (["elu"], {"sweep": "alpha=0.5,1,2"}),
    "relu leaky_relu": (["relu", "leaky_relu"], {}),
    "eight relu-like": (RELU_LIKE, {}),
    "eight relu-like column": (RELU_LIKE, {"size": "column"}),
    "ten": (TEN, {}),
    "jumps": (["binary_step", "sign", "hardshrink", "threshold"], {}),
}
STYLES = [None, "grayscale", "dark_background"]


def _seen(fig):
    seen = curves_seen(fig)
    assert seen
    return seen


@functools.cache
def _default(name: str) -> tuple[ActvizFigure, list[Seen]]:
    """A figure of FIGURES in the default style and its curves as seen, made once for the
    tests that read them (reading the pixels draws on scratch figures, not on this one)."""
    specs, options = FIGURES[name]
    fig = actviz.plot(specs, **options)
    return fig, _seen(fig)


def _styled(name: str, style: str | None) -> tuple[ActvizFigure, list[Seen]]:
    if style is None:
        return _default(name)
    specs, options = FIGURES[name]
    fig = actviz.plot(specs, style=style, **options)
    return fig, _seen(fig)


@pytest.mark.parametrize("name", FIGURES)
def test_every_curve_shows_a_quarter_of_itself(name):
    for s in _default(name)[1]:
        assert s.shown >= 0.25, (name, s.label, s.panel, s.shown)


@pytest.mark.parametrize(("name", "style"), [(n, s) for n in ("README gelu silu mish",
                                                               "eight relu-like")
                                              for s in STYLES])
def test_curves_and_labels_keep_their_contrast(name, style):
    fig, seen = _styled(name, style)
    for s in seen:  # on pixels: the curve drawn alone against its panel
        assert wcag_contrast(s.colour, s.background) >= 3.0, (style, s.label, s.colour)
        assert s.shown >= 0.25, (style, s.label, s.shown)
    for labels in fig.label_sets:
        face = to_rgb(labels.face)
        for note in labels.notes:  # labels and tags on their box
            assert wcag_contrast(to_rgb(note.get_color()), face) >= 4.5, note.get_text()
    ground = to_rgb(fig.get_facecolor())
    for ax in fig.axes:
        if ax.get_gid() == "track":  # the lanes' names, beside the track on the figure
            for tick in ax.get_yticklabels():
                assert wcag_contrast(to_rgb(tick.get_color()), ground) >= 4.5, tick.get_text()
    for legend in [fig.notes] if fig.notes else []:  # the numbers of the notes
        for handle in legend.legend_handles:
            if hasattr(handle, "get_text") and handle.get_text().strip():
                assert wcag_contrast(to_rgb(handle.get_color()), ground) >= 4.5


def line_style(line):
    offset, pattern = line._unscaled_dash_pattern  # (get_linestyle says '--' for all)
    return offset, tuple(pattern) if pattern else None


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("count", [2, 4, 6, 8, 10])
def test_curves_a_reader_may_confuse_differ_in_line_style(count, style):
    """Within a panel: never the same colour and line style twice; where two colours come
    within ΔE 15 (CIE Lab) with normal vision or under a simulated deuteranopia, protanopia
    or tritanopia, different line styles; under grayscale, every curve its own."""
    fig = actviz.plot(TEN[:count], style=style)
    for ax in fig.panel_axes:
        lines = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("curve:")
                 and not line.get_gid().endswith(":shared")]
        for a, b in itertools.combinations(lines, 2):
            ca, cb = to_rgb(a.get_color()), to_rgb(b.get_color())
            assert (ca, line_style(a)) != (cb, line_style(b))
            if min(cvd_distance(ca, cb).values()) < 15 or style == "grayscale":
                assert line_style(a) != line_style(b), (a.get_gid(), b.get_gid())


@pytest.mark.parametrize("style", STYLES)
def test_a_sweep_keeps_the_contrast_of_its_palette(style):
    fig = actviz.plot("elu", sweep="alpha=0.25,0.5,1,2,4,8", style=style)
    ground = to_rgb(fig.panel_axes[0].get_facecolor())
    for line in fig.panel_axes[0].get_lines():
        if (line.get_gid() or "").startswith("curve:"):
            assert wcag_contrast(to_rgb(line.get_color()), ground) >= 3.0, line.get_gid()


def test_the_depth_figure_shows_every_curve():
    from actviz.catalog import resolve_specs
    from actviz.meanfield.report import settings
    from actviz.render.depth import depth_figure

    fig = depth_figure(settings(resolve_specs(["sigmoid", "tanh", "relu"]), None, 0.0, 30),
                       simulate=False)
    for s in _seen(fig):
        assert s.shown >= 0.25, (s.label, s.panel, s.shown)


def test_the_diff_figure_shows_its_curves():
    a, b = actviz.get("gelu"), actviz.get("gelu:approximate=tanh")
    fig = plot_difference(difference(a, b), a, b)
    fig.shared = []  # one curve per panel: nothing can hide it but labels and markers
    from actviz.render.curves import SharedStretches

    for ax in fig.panel_axes:
        stretches = SharedStretches(ax)
        for line in ax.get_lines():
            if (line.get_gid() or "").startswith("curve:"):
                stretches.add(line)
        fig.shared.append(stretches)
    for s in _seen(fig):
        assert s.shown >= 0.9, (s.label, s.shown)


# --- every figure of configs/ and more overlays (slow) ----------------------------------------

def config_plots():
    """(file, job) of every plot job of configs/, as the batch runs it."""
    from actviz.config import load

    for path in sorted((ROOT / "configs").glob("*.yaml")):
        for job in load(path).jobs:
            if job.kind == "plot":
                yield path.name, job


def figure_of(job):
    from actviz.options import FIGURE_OPTIONS

    return actviz.plot(list(job.functions), scope=job.options.scope,
                       **{o.name: job.options[o.name] for o in FIGURE_OPTIONS})


@pytest.mark.slow
@pytest.mark.parametrize(("file", "job"), list(config_plots()),
                         ids=[f"{f}:{j.stem}" for f, j in config_plots()])
def test_every_figure_of_the_configs_shows_every_curve(file, job):
    for s in _seen(figure_of(job)):
        assert s.shown >= 0.25, (file, job.stem, s.label, s.panel, s.shown)


GROUPS = [
    ["sigmoid", "tanh", "hard_sigmoid", "softsign", "arctan", "lecun_tanh", "isru",
     "hardtanh", "log_sigmoid", "tanhshrink"],
    ["relu", "relu6", "leaky_relu", "prelu", "rrelu", "elu", "celu", "selu", "threshold",
     "relu_squared"],
    ["gelu", "gelu:approximate=tanh", "quick_gelu", "silu", "swish:beta=2", "mish",
     "tanhexp", "smish", "elish", "squareplus"],
    ["softplus", "softshrink", "hardshrink", "bent_identity", "gaussian", "isrlu",
     "sinc", "exponential", "sparse_plus", "identity"],
]


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("count", [3, 5, 7, 10])
@pytest.mark.parametrize("group", range(len(GROUPS)))
def test_overlays_of_up_to_ten_functions_show_every_curve(group, count, style):
    fig = actviz.plot(GROUPS[group][:count], style=style)
    for s in _seen(fig):
        assert s.shown >= 0.25, (GROUPS[group][:count], style, s.label, s.panel, s.shown)
        assert wcag_contrast(s.colour, s.background) >= 3.0, (style, s.label)


def test_the_colour_science_of_the_tests_is_right():
    """The oracle itself: WCAG 2's published anchors (black on white 21:1, #777 on white
    4.48:1) and a deuteranope's red and green (ΔE under 15 for pure red and a green of
    the same lightness, far apart with normal vision)."""
    assert wcag_contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21.0)
    assert wcag_contrast(to_rgb("#777777"), (1, 1, 1)) == pytest.approx(4.48, abs=0.01)
    red, green = to_rgb("#d62728"), to_rgb("#7f7f00")
    distances = cvd_distance(red, green)
    assert distances["normal"] > 40 and distances["deuteranomaly"] < distances["normal"] / 2
    assert np.isclose(cvd_distance(red, red)["protanomaly"], 0.0)


@pytest.mark.parametrize("colour", ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                    "#56B4E9", "#F0E442", "#7B4FA6", "#000000", "#ffffff"])
def test_actviz_colour_science_agrees_with_colorspacious(colour):
    """actviz.render.colour (which chooses line styles at run time, without colorspacious)
    against colorspacious: CIE Lab to 0.05 (their D65 white point has fewer digits), the
    full deficiencies to 1e-6, WCAG contrast."""
    import colorspacious

    from actviz.render import colour as ours

    rgb = to_rgb(colour)
    np.testing.assert_allclose(ours.lab(rgb), colorspacious.cspace_convert(
        rgb, "sRGB1", "CIELab"), atol=0.05)
    for name, theirs in (("deuteranopia", "deuteranomaly"), ("protanopia", "protanomaly"),
                         ("tritanopia", "tritanomaly")):
        space = {"name": "sRGB1+CVD", "cvd_type": theirs, "severity": 100}
        np.testing.assert_allclose(ours.simulate(rgb, name), np.clip(
            colorspacious.cspace_convert(rgb, space, "sRGB1"), 0, 1), atol=1e-6)
    assert ours.contrast(rgb, (1, 1, 1)) == pytest.approx(wcag_contrast(rgb, (1, 1, 1)))


def gaps_where_alone(fig):
    """For each curve of each panel, among the columns where it runs alone (no other curve's
    centre line within 1.5 line widths of its own), the share where the figure shows no
    pixel of its colour within half a line width of its centre line, and the share its own
    dashes leave bare (0 for a solid line): a curve must be drawn wherever nothing lies on it
    (but in the gaps of its own dashes, and under a marker or a tag)."""
    from matplotlib.colors import to_rgb as rgb

    from .pixels import lab, render

    with fig.settled(fig.dpi):
        full = render(fig)
    height = full.shape[0]
    found = []
    for stretches in fig.shared:
        ax = stretches.ax
        width = max(c.line.get_linewidth() for c in stretches.curves) * fig.dpi / 72
        box = ax.get_window_extent()
        columns = np.arange(int(box.x0) + 2, int(box.x1) - 2)
        ys = np.array([_at_columns(ax, curve, columns) for curve in stretches.curves])
        for i, curve in enumerate(stretches.curves):
            others = np.delete(ys, i, axis=0)
            with np.errstate(invalid="ignore"):
                alone = np.isfinite(ys[i]) & np.all(
                    ~(np.abs(others - ys[i]) < 1.5 * width), axis=0)
            alone &= (ys[i] > box.y0 + width) & (ys[i] < box.y1 - width)
            for x0, y0, x1, y1 in _covers(fig, ax, width):  # markers, labels and tags
                alone &= ~((columns >= x0) & (columns <= x1) & (ys[i] >= y0) & (ys[i] <= y1))
            colour = lab(rgb(curve.line.get_color()))
            bare = np.zeros(len(columns), bool)
            for k in np.flatnonzero(alone):
                y = ys[i][k]
                patch = full[int(height - y - width / 2):int(height - y + width / 2) + 1,
                             columns[k]]
                bare[k] = not (np.linalg.norm(lab(patch) - colour, axis=-1) < 20).any()
            if alone.sum() < 12:
                continue
            _, pattern = curve.line._unscaled_dash_pattern
            gaps = sum(pattern[1::2]) / sum(pattern) if pattern else 0.0
            found.append((curve.line.get_gid(), float(bare[alone].mean()), gaps))
    return found


def _covers(fig, ax, width):
    """Boxes (display pixels) of what may cover a curve in a panel: its markers, and its
    labels' and tags' boxes, each grown by a line width."""
    renderer = fig.canvas.get_renderer()
    pixels = fig.dpi / 72
    boxes = []
    for line in ax.get_lines():
        if line.get_marker() in (None, "None", "", " "):
            continue
        half = line.get_markersize() * pixels / 2 + width
        for x, y in line.get_transform().transform(np.asarray(line.get_xydata(), float)):
            boxes.append((x - half, y - half, x + half, y + half))
    for labels in fig.label_sets:
        if labels.axes is not ax:
            continue
        for note in labels.notes:
            note.update_positions(renderer)
            note.update_bbox_position_size(renderer)
            b = note.get_bbox_patch().get_window_extent(renderer)
            boxes.append((b.x0 - width, b.y0 - width, b.x1 + width, b.y1 + width))
    return boxes


def _at_columns(ax, curve, columns):
    """The curve's display y at each column (NaN off its stretches)."""
    points = ax.transData.transform(np.column_stack([curve.x, curve.y]))
    finite = np.isfinite(points).all(axis=1)
    y = np.full(len(columns), np.nan)
    for piece in np.split(np.arange(len(points)), np.flatnonzero(~finite)):
        piece = piece[finite[piece]]
        if len(piece) < 2:
            continue
        xs, ys = points[piece, 0], points[piece, 1]
        order = np.argsort(xs)
        inside = (columns >= xs[order][0]) & (columns <= xs[order][-1])
        y[inside] = np.interp(columns[inside], xs[order], ys[order])
    return y


@pytest.mark.parametrize(("specs", "options"), [
    (["binary_step", "sign", "hardshrink", "threshold"], {}),
    (["elu"], {"sweep": "alpha=0.5,1,2"}),
    (["relu", "leaky_relu", "elu", "selu", "gelu", "silu"], {}),
    (["gelu", "silu", "mish"], {"size": "column"}),
])
def test_a_curve_is_drawn_wherever_it_runs_alone(specs, options):
    """Taking turns on a shared stretch never leaves a curve undrawn where no other curve
    lies on it: bare there no more than its own dashes leave bare, and 15 % for markers and
    tags."""
    for gid, bare, gaps in gaps_where_alone(actviz.plot(specs, **options)):
        assert bare <= gaps + 0.15, (gid, bare, gaps)
