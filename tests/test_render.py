"""Figures, inspected through their artists (never their pixels), and the plot command."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import actviz
from actviz import plot
from actviz._numbers import label_number as number
from actviz.analysis import analyze

from .helpers import invoke


def by_gid(ax, prefix):
    """Artists of ``ax`` whose gid starts with ``prefix``; labels are placed when the figure
    is drawn, so draw it first."""
    if prefix == "label":
        ax.figure.draw_without_rendering()
    found = []
    for artist in ax.get_children():
        found += [a for a in (artist, *artist.get_children())
                  if (a.get_gid() or "").startswith(prefix) and a not in found]
    return found


def legend_texts(fig):
    """The legend's entries in reading order (row by row), blanks left out."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.legends[0].get_texts() if t.get_text().strip()]
    place = {id(t): t.get_window_extent(renderer) for t in texts}
    texts.sort(key=lambda t: (-round(place[id(t)].y0), place[id(t)].x0))
    return [t.get_text() for t in texts]


def curves(ax):
    """The lines of the curves of a panel (not the dashed pieces they get where they share
    a stretch, added when the figure is drawn)."""
    return [line for line in ax.get_lines() if (line.get_gid() or "").startswith("curve:")
            and not line.get_gid().endswith(":shared")]


def track(fig, k=0):
    """The k-th track of regions (under a panel of several functions)."""
    return [ax for ax in fig.axes if ax.get_gid() == "track"][k]


def all_label_texts(fig):
    """Every label's text: those placed in the panels, and those in the notes under them."""
    fig.draw_without_rendering()
    placed = [a.get_text() for labels in fig.label_sets for a in labels.notes
              if a.get_gid() == "label"]
    return placed + [label.text for label in fig.keyed]


def test_overlay_has_f_and_derivative_panels_with_one_curve_per_function():
    fig = plot(["relu", "elu", "gelu"])
    assert isinstance(fig, Figure)
    assert len(fig.panel_axes) == 2
    for order, ax in enumerate(fig.panel_axes):
        assert sorted(line.get_gid() for line in curves(ax)) == [
            f"curve:{name}:{order}" for name in ("elu", "gelu", "relu")]
    assert [ax.get_ylabel() for ax in fig.panel_axes] == ["f(x)", "f\u2032(x)"]


def test_second_derivative_and_no_derivative():
    assert len(plot("gelu", second_derivative=True).panel_axes) == 3
    assert len(plot("gelu", derivative=False).panel_axes) == 1


def test_grid_layout_one_column_per_function_own_y_axes():
    """Each panel of a grid has the y limits of its own curve (hardtanh's -1 to 1 is not
    a thin band in relu6's 0 to 6); --sharey gives the panels of each derivative one."""
    fig = plot(["relu6", "hardtanh", "softshrink"], layout="grid")
    axes = np.array(fig.panel_axes).reshape(3, 2).T  # f above f', one column per function
    assert [ax.get_title() for ax in axes[0]] == ["relu6", "hardtanh", "softshrink"]
    for ax in axes.flat:
        assert len(curves(ax)) == 1
    low, high = axes[0, 1].get_ylim()
    assert -1.5 < low < -1 and 1 < high < 1.5  # hardtanh's own
    assert axes[0, 0].get_ylim()[1] > 6
    assert len({ax.get_xlim() for ax in axes.flat}) == 1
    shared = plot(["relu6", "hardtanh", "softshrink"], layout="grid", sharey=True)
    axes = np.array(shared.panel_axes).reshape(3, 2).T
    for row in axes:
        assert len({ax.get_ylim() for ax in row}) == 1
    assert axes[0, 1].get_ylim()[1] > 6


@pytest.mark.parametrize(("specs", "options", "lowest"), [
    (["elu"], {"sweep": "alpha=0.5,1,2", "layout": "grid"}, [(1, 0)]),
    (["relu6", "hardtanh", "softshrink"], {"layout": "grid", "columns": 2}, [(1, 1), (3, 0)]),
    (["relu6", "hardtanh", "softshrink", "relu"], {"layout": "grid"}, [(1, 1), (1, 2), (3, 0)]),
])
def test_the_lowest_panel_of_each_column_has_x_and_its_numbers(specs, options, lowest):
    """An x label only under the lowest panel of a column (also above an empty cell of a
    wrapped grid; under its track of regions where it has one), and always with the tick
    numbers (hidden elsewhere, but in tracks)."""
    fig = plot(specs, **options)
    fig.canvas.draw()
    labelled = []
    for cell in fig.panel_layout.cells:
        below = cell.track or cell.panel
        numbers = [t.get_text() for t in below.get_xticklabels() if t.get_visible()]
        assert bool(below.get_xlabel()) == any(numbers), (cell.row, cell.column)
        if below.get_xlabel():
            labelled.append((cell.row, cell.column))
    assert sorted(labelled) == lowest


def test_one_colour_per_function_in_every_panel():
    fig = plot(["sigmoid", "tanh"])
    colours = [{line.get_gid().split(":")[1]: line.get_color() for line in curves(ax)}
               for ax in fig.panel_axes]
    assert colours[0] == colours[1]
    assert colours[0]["sigmoid"] != colours[0]["tanh"]


def test_regions_match_the_analysis():
    """With several functions, regions are drawn in a track under each panel, a lane per
    function, named at the left in the function's colour."""
    fig = plot(["sigmoid", "relu"])
    f_panel = track(fig, 0)
    assert [t.get_text() for t in f_panel.get_yticklabels()] == ["sigmoid", "relu"]
    spans = by_gid(f_panel, "saturation:sigmoid")
    got = sorted(tuple(np.round(p.get_x() + np.array([0, p.get_width()]), 9)) for p in spans)
    want = [tuple(np.round(iv, 9)) for iv in analyze("sigmoid").saturation]
    assert got == want
    dead = by_gid(f_panel, "dead:relu")
    assert len(dead) == 1 and dead[0].get_hatch()
    assert dead[0].get_x() == -5.0 and dead[0].get_width() == 5.0


def test_max_gradient_and_minimum_markers_sit_where_the_analysis_says():
    fig = plot("gelu")
    a = analyze("gelu")
    (peak,) = by_gid(fig.axes[1], "max_gradient:gelu")
    assert peak.get_xdata()[0] == a.max_gradient.x
    assert peak.get_ydata()[0] == a.max_gradient.value
    assert peak.get_markerfacecolor() != "white"  # filled
    (low,) = by_gid(fig.axes[0], "minimum:gelu")
    assert (low.get_xdata()[0], low.get_ydata()[0]) == a.minima[0]
    assert low.get_markerfacecolor() == "white"  # open
    (on_f,) = by_gid(fig.axes[0], "max_gradient:gelu")
    assert on_f.get_xdata()[0] == a.max_gradient.x
    texts = [t.get_text() for t in by_gid(fig.axes[1], "label")]
    assert texts == ["max f\u2032 = 1.129 at x = 1.414"]
    assert [t.get_text() for t in by_gid(fig.axes[0], "label")] == [
        "min \u22120.1700 at x = \u22120.7518"]


def test_plateau_label_and_band():
    fig = plot("relu")
    # relu'(0) = 0: the plateau of f' = 1 is (0, 5], open at 0 as the open dot there shows
    assert [t.get_text() for t in by_gid(fig.axes[1], "label")] == [
        "max f\u2032 = 1 on (0, 5]"]
    (band,) = by_gid(fig.axes[1], "plateau:relu")
    assert list(band.get_xdata()) == [0.0, 5.0]


def test_a_supremum_not_taken_is_labelled_as_such():
    fig = plot("hard_swish")
    assert [t.get_text() for t in by_gid(fig.axes[1], "label")] == [
        "sup f\u2032 = 1.500 as x \u2192 3"]


def test_labels_name_the_function_and_merge_when_shared():
    fig = plot(["relu", "leaky_relu"])
    assert all_label_texts(fig) == ["relu, leaky_relu: max f\u2032 = 1 on (0, 5]"]
    fig = plot(["relu", "elu"])  # elu'(0) = 1: elu's plateau includes 0, relu's does not
    assert sorted(all_label_texts(fig)) == [
        "elu: max f\u2032 = 1 on [0, 5]", "relu: max f\u2032 = 1 on (0, 5]"]


def test_labels_do_not_overlap_and_stay_inside():
    fig = plot(["gelu", "silu", "mish"])
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    found = 0
    for ax in fig.panel_axes:
        inside = ax.get_window_extent(renderer)
        boxes = []
        for note in by_gid(ax, "label") + by_gid(ax, "tag"):
            # the text's own box: an Annotation's extent would include its leader line
            note.update_positions(renderer)
            boxes.append(Text.get_window_extent(note, renderer))
        found += len(boxes)
        for i, box in enumerate(boxes):
            assert inside.x0 <= box.x0 and box.x1 <= inside.x1
            assert inside.y0 <= box.y0 and box.y1 <= inside.y1
            assert not any(box.overlaps(other) for other in boxes[i + 1:])
    assert found == 6  # gelu, silu and mish each have a minimum and a steepest point


def test_kinks_are_marked_on_the_f_panel():
    """hard_swish's corners at -3 and 3; at 3 the steepest-slope marker sits already, so the
    kink's diamond (which it would hide) is not drawn there."""
    fig = plot("hard_swish")
    (kinks,) = by_gid(fig.axes[0], "kink:hard_swish")
    assert list(kinks.get_xdata()) == [-3.0]
    (steepest,) = by_gid(fig.axes[0], "max_gradient:hard_swish")
    assert list(steepest.get_xdata()) == [3.0]


def test_jumps_have_no_vertical_segment_and_open_closed_ends():
    fig = plot("binary_step")
    (line,) = curves(fig.axes[0])
    x, y = line.get_xdata(), line.get_ydata()
    gaps = np.flatnonzero(np.isnan(y))
    assert list(x[gaps]) == [0.0]  # the line is broken at the jump, and only there
    for piece in np.split(y, gaps):  # no segment joins 0 to 1: each piece is flat
        piece = piece[np.isfinite(piece)]
        assert np.ptp(piece) == 0.0
    (closed,) = by_gid(fig.axes[0], "closed:binary_step:0")
    (opened,) = by_gid(fig.axes[0], "open:binary_step:0")
    assert (closed.get_xdata()[0], closed.get_ydata()[0]) == (0.0, 1.0)
    assert (opened.get_xdata()[0], opened.get_ydata()[0]) == (0.0, 0.0)
    assert opened.get_markerfacecolor() == "white"


def test_derivative_jump_shows_the_convention():
    fig = plot("relu")
    (closed,) = by_gid(fig.axes[1], "closed:relu:1")
    (opened,) = by_gid(fig.axes[1], "open:relu:1")
    assert closed.get_ydata()[0] == 0.0  # relu'(0) = 0, as PyTorch
    assert opened.get_ydata()[0] == 1.0


def test_kinks_are_sampled_exactly():
    fig = plot("relu", num=10)  # 0 is not on the 10-point grid; the corner is still sharp
    (line,) = curves(fig.axes[0])
    assert 0.0 in line.get_xdata()


def test_sweep_draws_one_curve_per_value_with_a_sequential_colormap():
    fig = plot("elu", sweep="alpha=0.5,1,2")
    lines = curves(fig.axes[0])
    assert [line.get_gid() for line in lines] == [
        "curve:alpha=0.5:0", "curve:alpha=1:0", "curve:alpha=2:0"]
    assert len({line.get_color() for line in lines}) == 3
    assert legend_texts(fig)[:3] == ["alpha=0.5", "alpha=1", "alpha=2"]
    assert plot("elu", sweep=("alpha", [0.5, 2])).axes


def test_vector_function_is_labelled_as_such():
    fig = plot("softmax")
    assert "sampled vector" in fig.get_suptitle()
    assert "softmax (over the sampled vector)" in legend_texts(fig)
    (line,) = curves(fig.axes[0])
    np.testing.assert_allclose(np.nansum(line.get_ydata()), 1.0)


def test_rrelu_band_and_crelu_outputs():
    fig = plot("rrelu")
    assert len(by_gid(fig.axes[0], "band:rrelu")) == 1
    fig = plot("crelu")
    assert [line.get_gid() for line in curves(fig.axes[0])] == ["curve:crelu[0]:0",
                                                                "curve:crelu[1]:0"]
    assert [line.get_linestyle() for line in curves(fig.axes[0])] == ["-", "--"]


def test_title_is_the_formula_for_one_function_and_can_be_replaced():
    assert plot("gelu").get_suptitle() == r"$\mathrm{GELU}(x) = x\,\Phi(x)$"
    assert plot(["relu", "elu"]).get_suptitle() == ""
    assert plot("gelu", title="GELU").get_suptitle() == "GELU"


def test_no_annotations():
    fig = plot(["sigmoid", "relu"], annotations=False)
    for ax in fig.axes:
        assert not by_gid(ax, "saturation") and not by_gid(ax, "dead")
        assert not by_gid(ax, "label") and not by_gid(ax, "max_gradient")


def test_style_size_and_dpi():
    fig = plot("relu", style="seaborn-v0_8-whitegrid", size=(6, 2.5), dpi=80)
    assert tuple(fig.get_size_inches()) == (6, 2.5)
    assert fig.dpi == 80


def test_number_format():
    assert number(1.128904145) == "1.129"
    assert number(1.0998) == "1.100"
    assert number(-0.751791525) == "\u22120.7518"
    assert number(5.0) == "5"
    assert number(0.05, exact=True) == "0.05"


def test_api_plot_is_lazy():
    assert actviz.plot is plot


# --- the command ------------------------------------------------------------------------------

run = invoke


def test_plot_writes_the_default_path(tmp_path):
    result = run("plot", "relu", "elu", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output == "output/relu_elu.png\n"
    assert (tmp_path / "output/relu_elu.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in (tmp_path / "output").iterdir()] == ["relu_elu.png"]


def test_default_path_is_file_safe(tmp_path):
    result = run("plot", "elu:alpha=0.5", "--sweep", "beta=1,2", cwd=tmp_path)
    assert result.exit_code == 2  # elu has no beta
    result = run("plot", "leaky_relu:negative_slope=0.1", cwd=tmp_path)
    assert result.output == "output/leaky_relu_negative_slope-0.1.png\n"


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_each_format_twice_gives_identical_bytes(tmp_path, fmt):
    first = run("plot", "gelu", "relu", "--format", fmt, "-o", "a", cwd=tmp_path)
    second = run("plot", "gelu", "relu", "-o", f"b.{fmt}", cwd=tmp_path)
    assert first.exit_code == 0 and second.exit_code == 0
    a, b = (tmp_path / f"a.{fmt}").read_bytes(), (tmp_path / f"b.{fmt}").read_bytes()
    assert a == b
    magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[fmt]
    assert a.startswith(magic)


def test_output_extension_picks_the_format_and_folders_are_created(tmp_path):
    result = run("plot", "relu", "-o", "figs/deep/relu.svg", cwd=tmp_path)
    assert result.exit_code == 0
    assert (tmp_path / "figs/deep/relu.svg").read_text().startswith("<?xml")


BAD = [
    (["plot", "rleu"], 2, "Error: unknown activation 'rleu'. Did you mean 'relu'?"),
    (["plot", "relu", "--range", "5", "-5"], 2, "Error: range MIN must be below MAX, got 5 -5"),
    (["plot", "relu", "--range", "0", "inf"], 2, "Error: range must be finite, got 0 inf"),
    (["plot", "relu", "--range", "nan", "1"], 2, "Error: range must be finite, got nan 1"),
    (["plot", "relu", "--num", "1"], 2, "Error: num must be between 2 and 10000000, got 1"),
    (["plot", "relu", "--num", "10000001"], 2,
     "Error: num must be between 2 and 10000000, got 10000001"),
    (["plot", "relu", "-o", "fig.gif"], 2,
     "Error: cannot tell the format from the extension '.gif' of fig.gif; "
     "use one of .png, .svg, .pdf or give --format"),
    (["plot", "relu", "-o", "afile/fig.png"], 1,
     "Error: cannot write afile/fig.png: afile is a file, not a folder"),
    (["plot", "elu", "--sweep", "alpha"], 2, "Error: sweep must be PARAM=V1,V2,..., got 'alpha'"),
    (["plot", "elu", "--sweep", "alpha="], 2,
     "Error: sweep must be PARAM=V1,V2,..., got 'alpha='"),
    (["plot", "sigmoid", "--sweep", "alpha=1,2"], 2,
     "Error: sigmoid takes no parameters, got 'alpha'"),
    (["plot", "elu", "relu", "--sweep", "alpha=1,2"], 2,
     "Error: sweep works with one function; got elu relu"),
    (["plot", "elu", "--sweep", "alpha=1,x"], 2, "Error: elu: alpha must be a number, got 'x'"),
    (["plot", "softplus:beta=-1"], 2, "Error: softplus: beta must be > 0, got -1"),
    (["plot", "relu", "--saturation-threshold", "-1"], 2,
     "Error: saturation threshold must be a finite number >= 0 (|f'| below it is saturation), "
     "got -1"),
    (["plot", "relu", "--style", "nope"], 2,
     "Error: unknown matplotlib style 'nope'. See matplotlib.style.available."),
    (["plot", "relu", "--dpi", "0"], 2, "Error: dpi must be between 20 and 2400, got 0"),
    (["plot", "relu", "--size", "0", "3"], 2,
     "Error: size must be between 1 and 100 inches, got 0"),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD, ids=[" ".join(a) for a, _, _ in BAD])
def test_bad_input_one_line_error_no_file(tmp_path, args, code, message):
    (tmp_path / "afile").write_text("not a folder")
    result = run(*args, cwd=tmp_path)
    assert result.exit_code == code
    assert result.output == message + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_click_level_errors_are_usage_errors(tmp_path):
    result = run("plot", "relu", "--format", "gif", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith("Error: Invalid value for '-f' / '--format'")


PROBE = """
import sys
import actviz
fig = actviz.plot(["relu", "gelu"])
assert "matplotlib.pyplot" not in sys.modules
from matplotlib.figure import Figure
assert isinstance(fig, Figure)
print(type(fig).__module__, type(fig.canvas).__name__)
"""


def test_no_pyplot_anywhere():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["actviz.render.figure", "FigureCanvasAgg"]


def test_import_actviz_does_not_import_matplotlib():
    code = "import sys, actviz; print('matplotlib' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


def test_markers_at_edges_are_not_clipped():
    fig = plot("softplus")
    (peak,) = by_gid(fig.axes[1], "max_gradient:softplus")
    assert not peak.get_clip_on()
    assert math.isclose(peak.get_xdata()[0], 5.0)


def test_pdf_embeds_truetype_fonts(tmp_path):
    """The save-time settings (TrueType in PDFs, fixed SVG ids) apply when the file is
    written, which is after plot() has returned."""
    assert run("plot", "relu", "-o", "f.pdf", cwd=tmp_path).exit_code == 0
    data = (tmp_path / "f.pdf").read_bytes()
    assert b"/FontFile2" in data
    assert b"/Type3" not in data
