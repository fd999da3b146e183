"""Figures a reader can publish untouched, checked on their drawn artists (after the
figure is drawn and settled), at the default size and at a journal column (3.3 in wide):
labels inside their axes and clear of each other, of markers, leader lines and the legend;
no label and no leader line across a curve; every mark's label either in its panel or in
the notes under the panels; markers on their curves; the legend inside the figure; no two
translucent regions of different colours on top of each other; one label grammar."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox

import actviz
from actviz.analysis import difference
from actviz.render import plot_difference
from actviz.render.labels import crossings

FIGURES = {
    "relu elu": (["relu", "elu"], {}),
    "sigmoid tanh": (["sigmoid", "tanh"], {}),
    "gelu silu mish": (["gelu", "silu", "mish"], {}),
    "six sigmoid-like": (["sigmoid", "tanh", "hard_sigmoid", "softsign", "arctan",
                          "lecun_tanh"], {}),
    "eight relu-like": (["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
                         "softplus"], {}),
    "elu sweep": (["elu"], {"sweep": "alpha=0.5,1,2"}),
    "elu sweep grid": (["elu"], {"sweep": "alpha=0.5,1,2", "layout": "grid"}),
    "hard_swish": (["hard_swish"], {}),
    "softmax num 101": (["softmax"], {"num": 101}),
    "crelu": (["crelu"], {}),
    "relu6": (["relu6"], {}),
    "softplus wide": (["softplus"], {"range": (-1000, 1000)}),
    "gelu second": (["gelu"], {"second_derivative": True}),
    "jumps": (["binary_step", "sign", "hardshrink", "threshold"], {}),
    "grid of six": (["relu", "relu6", "leaky_relu", "elu", "selu", "celu"], {"layout": "grid"}),
}
SIZES = {"default": None, "column": "column"}


def _diff_figure(size):
    a, b = actviz.get("gelu"), actviz.get("gelu:approximate=tanh")
    return plot_difference(difference(a, b), a, b, size=size)


@pytest.fixture(scope="module", params=[(name, size) for name in [*FIGURES, "diff"]
                                        for size in SIZES], ids=lambda p: f"{p[0]}@{p[1]}")
def drawn(request):
    name, size = request.param
    if name == "diff":
        fig = _diff_figure(SIZES[size])
    else:
        specs, options = FIGURES[name]
        fig = actviz.plot(specs, **options, **({"size": SIZES[size]} if SIZES[size] else {}))
    fig.draw_without_rendering()
    return fig, fig.canvas.get_renderer()


def labels_of(ax, kind="label"):
    return [a for child in ax.get_children() for a in child.get_children()
            if (a.get_gid() or "") == kind]


def label_box(note, renderer) -> Bbox:
    note.update_positions(renderer)
    return note.get_bbox_patch().get_window_extent(renderer)


def markers_of(ax):
    found = []
    for line in ax.get_lines():
        if line.get_marker() not in (None, "None", "", " ") and line.get_linestyle() == "None":
            found.append(line)
    return found


def marker_boxes(ax) -> list[Bbox]:
    pixels = ax.figure.dpi / 72
    boxes = []
    for line in markers_of(ax):
        half = line.get_markersize() * pixels / 2
        for x, y in line.get_transform().transform(line.get_xydata()):
            boxes.append(Bbox.from_extents(x - half, y - half, x + half, y + half))
    return boxes


def curve_lines(ax):
    return [line for line in ax.get_lines() if (line.get_gid() or "").startswith("curve:")]


def curve_segments(ax) -> np.ndarray:
    parts = []
    for line in curve_lines(ax):
        points = line.get_transform().transform(line.get_xydata())
        pairs = np.hstack([points[:-1], points[1:]])
        parts.append(pairs[np.isfinite(pairs).all(axis=1)])
    return np.concatenate(parts) if parts else np.empty((0, 4))


def overlap(a: Bbox, b: Bbox, slack: float = 0.5) -> bool:
    return (a.x0 < b.x1 - slack and b.x0 < a.x1 - slack and a.y0 < b.y1 - slack
            and b.y0 < a.y1 - slack)


def legends(fig):
    return [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]


def reach(ax) -> float:
    """Half the widest curve's line, in pixels: a box that grazes a line hides half of it."""
    return max((line.get_linewidth() for line in curve_lines(ax)), default=0.0) \
        * ax.figure.dpi / 72 / 2


def test_labels_stay_inside_their_axes_and_clear_of_labels_markers_legend(drawn):
    fig, renderer = drawn
    boxes_of_legends = [legend.get_window_extent(renderer) for legend in legends(fig)]
    for ax in fig.axes:
        frame = ax.get_window_extent(renderer)
        boxes = [label_box(note, renderer) for note in labels_of(ax) + labels_of(ax, "tag")]
        for i, box in enumerate(boxes):
            assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, (box, frame)
            assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, (box, frame)
            assert not any(overlap(box, other) for other in boxes[i + 1:])
            assert not any(overlap(box, marker) for marker in marker_boxes(ax))
            assert not any(overlap(box, legend) for legend in boxes_of_legends)


def leader_segments(note):
    path = note.arrow_patch.get_path().transformed(note.arrow_patch.get_transform())
    points = path.vertices
    return np.hstack([points[:-1], points[1:]])


def test_no_leader_line_crosses_another_label(drawn):
    fig, renderer = drawn
    for ax in fig.axes:
        notes = labels_of(ax) + labels_of(ax, "tag")
        for note in notes:
            if note.arrow_patch is None:
                continue
            segments = leader_segments(note)
            for other in notes:
                if other is note:
                    continue
                box = label_box(other, renderer)
                assert not crossings(np.array([[box.x0 + 0.5, box.y0 + 0.5, box.x1 - 0.5,
                                                box.y1 - 0.5]]), segments).any()


def test_no_leader_line_crosses_a_curve(drawn):
    """A leader runs from its mark to its label crossing no curve (a line as wide as it is
    drawn) once clear of the mark's own markers (and 2 pixels around them): where no such
    place exists, the label goes to the notes instead."""
    fig, _ = drawn
    for ax in fig.axes:
        segments = curve_segments(ax)
        width = reach(ax)
        own = marker_boxes(ax)
        for note in labels_of(ax):
            if note.arrow_patch is None:
                continue
            x, y = ax.transData.transform(note.xy)
            start = max([width + 1.5] + [max(b.x1 - x, y - b.y0) + 2 + width + 1.5
                                         for b in own if b.contains(x, y)])
            for sx, sy, ex, ey in leader_segments(note):
                steps = np.linspace(0.0, 1.0, 200)
                px, py = sx + steps * (ex - sx), sy + steps * (ey - sy)
                far = np.hypot(px - x, py - y) > start
                probes = np.column_stack([px[far] - width, py[far] - width,
                                          px[far] + width, py[far] + width])
                assert not crossings(probes, segments).any(), note.get_text()


def test_every_marker_lies_on_a_curve_of_its_panel(drawn):
    fig, _ = drawn
    for ax in fig.axes:
        if ax.get_gid() != "panel":
            continue
        segments = curve_segments(ax)
        for line in markers_of(ax):
            for x, y in line.get_transform().transform(line.get_xydata()):
                a, b = segments[:, :2], segments[:, 2:]
                d = b - a
                t = np.clip(((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1])
                            / np.maximum((d ** 2).sum(axis=1), 1e-12), 0, 1)
                nearest = a + t[:, None] * d
                distance = np.hypot(nearest[:, 0] - x, nearest[:, 1] - y).min()
                assert distance < 1.5, (line.get_gid(), x, y, distance)


def test_no_label_crosses_a_curve(drawn):
    """A label's box covers no curve (as wide as its line): where a label has no such place
    in its panel, it goes to the notes under the panels, a numbered tag beside its mark."""
    fig, renderer = drawn
    for ax in fig.axes:
        segments = curve_segments(ax)
        grown = np.array([-1, -1, 1, 1]) * reach(ax)
        for note in labels_of(ax):
            box = label_box(note, renderer)
            assert not crossings(np.array([[box.x0, box.y0, box.x1, box.y1]]) + grown,
                                 segments)[0], note.get_text()


def test_every_mark_is_labelled_in_its_panel_or_in_the_notes(drawn):
    """No label is dropped: each is in its panel, or in the notes (the legend under the
    panels) under its number, with a tag of that number beside its mark where one fits."""
    fig, _ = drawn
    for labels in fig.label_sets:
        placed = {note.label for note in labels.notes if note.get_gid() == "label"}
        for label in labels.queued:
            assert (label in placed) != (label in fig.keyed), label.text
    if fig.keyed:
        notes = fig.notes
        texts = [t.get_text() for t in notes.get_texts()]
        assert sorted(t for t in texts if t.strip()) == sorted(
            label.text for label in fig.keyed)
        numbers = sorted(fig.keyed.values())
        assert numbers == list(range(1, len(numbers) + 1))


def test_every_note_has_its_number_by_its_mark(drawn):
    """Each label in the notes has its numbered tag in its panel: right by its mark (nearer to
    it than to any other marker) or joined to it by a leader line."""
    fig, renderer = drawn
    tags = {}
    for labels in fig.label_sets:
        ax = labels.axes
        centres = [(b.x0 + b.x1) / 2 for b in marker_boxes(ax)], [(b.y0 + b.y1) / 2
                                                                   for b in marker_boxes(ax)]
        for note in labels.notes:
            if note.get_gid() != "tag":
                continue
            tags[note.label] = note.get_text()
            if note.arrow_patch is not None:
                continue
            box = label_box(note, renderer)
            cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
            px, py = ax.transData.transform(note.xy)
            own = np.hypot(cx - px, cy - py)
            others = [np.hypot(cx - x, cy - y) for x, y in zip(*centres, strict=True)
                      if np.hypot(x - px, y - py) > 1.0]
            assert all(own < d for d in others), note.get_text()
    assert {label: str(number) for label, number in fig.keyed.items()} == tags


def test_the_legend_lies_inside_the_figure(drawn):
    fig, renderer = drawn
    whole = fig.bbox
    for legend in legends(fig):
        box = legend.get_window_extent(renderer)
        assert whole.x0 - 0.5 <= box.x0 and box.x1 <= whole.x1 + 0.5
        assert whole.y0 - 0.5 <= box.y0 and box.y1 <= whole.y1 + 0.5


def test_no_two_translucent_regions_of_different_colours_overlap(drawn):
    fig, renderer = drawn
    for ax in fig.axes:
        regions = []
        for artist in ax.get_children():
            if isinstance(artist, (Rectangle, PolyCollection)) and artist is not ax.patch:
                face = artist.get_facecolor()
                face = face[0] if np.ndim(face) == 2 and len(face) else face
                if len(face) and to_rgba(face)[3] > 0 and (artist.get_alpha() or 1) < 1:
                    regions.append((to_rgba(face)[:3], artist.get_window_extent(renderer)))
        for (c1, b1), (c2, b2) in itertools.combinations(regions, 2):
            if c1 != c2:
                assert not overlap(b1, b2, slack=0.01), (c1, c2)


def all_texts(fig):
    """Every label's text, in its panel or in the notes."""
    fig.draw_without_rendering()
    return [note.get_text() for labels in fig.label_sets for note in labels.notes
            if note.get_gid() == "label"] + [label.text for label in fig.keyed]


NUMBER = r"[\u2212-]?\d+(?:\.\d+)?(?:e[\u2212-]?\d+)?"


def significant(text: str) -> int:
    mantissa = text.replace("\u2212", "").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def test_one_label_grammar_per_figure(drawn):
    """With several functions every label names its function(s) before a colon; a computed
    value and the x where it is taken have 4 significant digits (an exact integer or a
    given end of the range as it is); a point is always 'at x = ...'."""
    fig, _ = drawn
    texts = [note.get_text() for labels in fig.label_sets for note in labels.notes
             if note.get_gid() == "label"] + [label.text for label in fig.keyed]
    many = any(len(stretches.curves) > 1 for stretches in fig.shared)
    for text in texts:
        if many:
            assert re.match(r"^[\w\[\]=.,: -]+?: (max|min|sup) ", text), text
        assert " at " not in text.replace(" at x = ", ""), text
        for value in re.findall(rf"= ({NUMBER})(?! \(range edge\))", text):
            if not re.fullmatch(r"[\u2212-]?\d+", value):
                assert significant(value) == 4, (text, value)


@pytest.mark.parametrize("specs", [["relu", "elu"], ["gelu", "silu", "mish"]])
def test_regions_of_several_functions_are_named(specs):
    fig = actviz.plot(specs)
    tracks = [ax for ax in fig.axes if ax.get_gid() == "track"]
    assert len(tracks) == 2
    named = [t.get_text() for t in tracks[0].get_yticklabels()]
    with_regions = [s for s in specs if actviz.analyze(s).saturation
                    or actviz.analyze(s).dead]
    assert named == with_regions
    colours = {line.get_gid().split(":")[1]: line.get_color()
               for line in curve_lines(fig.panel_axes[0])}
    for tick in tracks[0].get_yticklabels():  # in its function's colour, darkened for text
        hue = to_rgba(colours[tick.get_text()])
        text = to_rgba(tick.get_color())
        assert np.allclose(np.array(text[:3]) / max(text[:3]), np.array(hue[:3]) / max(hue[:3]),
                           atol=0.08)


# --- the marks that must say the right thing -----------------------------------------------------

@pytest.mark.parametrize("num", [101, 1001, 4001])
def test_softmax_marker_lies_on_its_plotted_curve(num):
    fig = actviz.plot("softmax", num=num)
    ax = fig.panel_axes[1]
    (curve,) = curve_lines(ax)
    (peak,) = [line for line in markers_of(ax) if line.get_gid() == "max_gradient:softmax"]
    x, y = peak.get_xdata()[0], peak.get_ydata()[0]
    i = int(np.argmin(np.abs(curve.get_xdata() - x)))
    assert curve.get_xdata()[i] == x and curve.get_ydata()[i] == y
    assert y == curve.get_ydata().max()


def test_softplus_on_a_wide_range_marks_no_point():
    fig = actviz.plot("softplus", range=(-1000, 1000))
    assert "sup f\u2032 = 1 as x \u2192 \u221e" in all_texts(fig)
    assert not [line for ax in fig.axes for line in markers_of(ax)
                if (line.get_gid() or "").startswith("max_gradient")]


def test_crelu_outputs_are_told_apart_in_their_lanes():
    fig = actviz.plot("crelu")
    (track, *_) = [ax for ax in fig.axes if ax.get_gid() == "track"]
    hatches = {artist.get_hatch() for artist in track.get_children()
               if (artist.get_gid() or "").startswith("dead:")}
    assert len(hatches) == 2
    assert [t.get_text() for t in track.get_yticklabels()] == ["crelu[0]", "crelu[1]"]


def test_relu6_default_range_shows_its_cap():
    fig = actviz.plot("relu6")
    lo, hi = fig.panel_axes[0].get_xlim()
    assert lo == -5 and hi > 6
    assert actviz.plot("relu").panel_axes[0].get_xlim() == (-5.0, 5.0)


def test_the_gelu_tanh_figure_carries_the_tanh_formula():
    title = actviz.plot("gelu:approximate=tanh").get_suptitle()
    assert "tanh" in title and "Phi" not in title


def test_a_notebook_shows_the_figure_as_a_picture():
    """Jupyter calls _repr_png_ on a cell's value; the figure stays a matplotlib Figure."""
    from matplotlib.figure import Figure

    fig = actviz.plot("gelu")
    data = fig._repr_png_()
    assert isinstance(fig, Figure)
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def test_grid_layout_wraps_into_rows():
    fig = actviz.plot(["relu", "relu6", "leaky_relu", "elu", "selu", "celu"], layout="grid")
    assert fig.get_size_inches()[0] <= 10 and len(fig.panel_axes) == 12
    two = actviz.plot(["relu", "relu6", "elu"], layout="grid", columns=2)
    assert len(two.panel_axes) == 6


def test_a_crowded_overlay_is_split_into_rows_of_overlays():
    """Eight relu-like functions hide one another in one panel (relu under leaky_relu, elu,
    gelu, ... on most of its length): they are drawn as rows of overlays, every function in
    one of them, the panels of each derivative with the same y limits."""
    specs = ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus"]
    fig = actviz.plot(specs)
    assert len(fig.panel_axes) > 2
    drawn = sorted(line.get_gid().split(":")[1] for ax in fig.panel_axes[::2]
                   for line in curve_lines(ax) if not line.get_gid().endswith(":shared"))
    assert drawn == sorted(specs)
    assert len({ax.get_ylim() for ax in fig.panel_axes[::2]}) == 1
    assert len({ax.get_ylim() for ax in fig.panel_axes[1::2]}) == 1
    for ax in fig.panel_axes[::2]:  # each row titled with its functions
        named = sorted(line.get_gid().split(":")[1] for line in curve_lines(ax)
                       if not line.get_gid().endswith(":shared"))
        assert sorted(ax.get_title(loc="left").split(", ")) == named
    assert len(actviz.plot(["relu", "elu"]).panel_axes) == 2


def dash_pattern(line) -> tuple:
    """The line's dash pattern as given (offset, on/off lengths); (0, None) when solid.
    (matplotlib's get_linestyle says '--' for every custom pattern.)"""
    offset, pattern = line._unscaled_dash_pattern
    return offset, tuple(pattern) if pattern else None


def test_grayscale_tells_curves_apart_by_line_style():
    fig = actviz.plot(["sigmoid", "tanh", "gelu"], style="grayscale")
    lines = [line for line in curve_lines(fig.panel_axes[0])
             if not line.get_gid().endswith(":shared")]
    styles = {dash_pattern(line) for line in lines}
    assert len(styles) == 3
    for line in lines:
        r, g, b, _ = to_rgba(line.get_color())
        assert r == g == b


def test_dark_background_draws_the_key_in_light_ink():
    fig = actviz.plot(["gelu"], style="dark_background")
    keys = [h for h in fig.legends[0].legend_handles
            if isinstance(h, Line2D) and h.get_marker() not in (None, "None", "")]
    assert keys and all(to_rgba(h.get_markeredgecolor())[0] > 0.5 for h in keys)


@pytest.mark.parametrize(("spec", "jumps"), [
    ("binary_step", [(0.0, 1.0)]), ("sign", [(0.0, 2.0)]),
    ("hardshrink", [(-0.5, 0.5), (0.5, 0.5)]), ("threshold", [(1.0, 1.0)]),
])
def test_a_jump_of_f_is_a_delta_in_f_prime(spec, jumps):
    """Where f jumps by s, f' holds s times a Dirac delta (autograd sees none of it): an
    arrow up (s > 0) on the f' panel at each jump, and a legend entry with s."""
    fig = actviz.plot(spec)
    arrows = [line for line in fig.panel_axes[1].get_lines()
              if (line.get_gid() or "") == f"delta:{spec}"]
    assert sorted(line.get_xdata()[0] for line in arrows) == [x for x, _ in jumps]
    for line in arrows:
        base, tip = line.get_ydata()
        assert tip > base and line.get_marker() == "^"
    fig.draw_without_rendering()
    heights = {round(line.get_ydata()[1] - line.get_ydata()[0], 9) for line in arrows}
    assert len(heights) == 1  # one height for every jump: its size is in the legend
    entries = [t.get_text() for t in fig.legends[0].get_texts()]
    sizes = " or ".join(sorted({f"{s:g}" for _, s in jumps}))
    where = " and ".join(f"x = {x:g}".replace("-", "\u2212") for x, _ in jumps)
    assert f"\u03b4 in f\u2032: f jumps by {sizes} at {where}" in entries


def test_deltas_at_one_x_stand_side_by_side():
    fig = actviz.plot(["binary_step", "sign"])
    fig.draw_without_rendering()
    ax = fig.panel_axes[1]
    xs = [line.get_transform().transform(line.get_xydata())[0][0] for line in ax.get_lines()
          if (line.get_gid() or "").startswith("delta:")]
    assert len(xs) == 2 and abs(xs[0] - xs[1]) >= 6 * fig.dpi / 72


def test_a_narrow_range_keeps_f_prime_readable():
    """On [-0.01, 0.01] gelu' and silu' lie near 0.5: the f' axis does not reach down to 0
    (they would span a fiftieth of it); the steepest points at the range's right end are
    drawn whole, over the frame."""
    fig = actviz.plot(["gelu", "silu"], range=(-0.01, 0.01))
    ax = fig.panel_axes[1]
    low, high = ax.get_ylim()
    ys = np.concatenate([line.get_ydata() for line in curve_lines(ax)])
    assert np.ptp(ys[np.isfinite(ys)]) >= (high - low) / 5
    assert low > 0.4
    edge = [line for line in markers_of(ax) if line.get_xdata()[0] == 0.01]
    assert edge and all(not line.get_clip_on() for line in edge)
    assert "gelu: max f\u2032 = 0.5080 at x = 0.01 (range edge)" in all_texts(fig)


def test_a_panel_whose_curves_span_a_fifth_of_the_axis_from_zero_keeps_zero():
    ax = actviz.plot("sigmoid").panel_axes[1]
    assert ax.get_ylim()[0] < 0 < ax.get_ylim()[1]


@pytest.mark.parametrize(("specs", "options", "height"), [
    (["sigmoid"], {}, 2.5), (["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
                              "softplus"], {}, 1.9),
    (["gelu", "silu"], {"size": "column"}, 1.3), (["relu6", "elu"], {"layout": "grid"}, 1.9),
])
def test_a_figure_grows_to_keep_its_panels_height(specs, options, height):
    """Without a height asked for, the panels keep theirs (2.5 in for an overlay, 1.9 in for
    a grid or rows of overlays, 1.3 in in a journal column), however long the legend and
    the notes; --size W H keeps the figure's size and the panels share what is left."""
    fig = actviz.plot(specs, **options)
    fig.draw_without_rendering()
    for ax in fig.panel_axes:
        assert ax.get_position().height * fig.get_figheight() == pytest.approx(height, abs=0.01)
    fixed = actviz.plot(specs, size=(8.0, 7.0) if len(specs) > 2 else (6.0, 3.0))
    fixed.draw_without_rendering()
    assert tuple(fixed.get_size_inches()) == ((8.0, 7.0) if len(specs) > 2 else (6.0, 3.0))


def test_a_size_too_small_for_its_panels_is_refused():
    from actviz.errors import ParameterError

    specs = ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus"]
    with pytest.raises(ParameterError, match=r"does not fit in 3 x 1\.5 inches; give a larger "
                       r"--size, at least 3 \d+(\.\d)?$") as refused:
        actviz.plot(specs, size=(3.0, 1.5)).draw_without_rendering()
    width, height = (float(v) for v in str(refused.value).split("at least ")[1].split())
    actviz.plot(specs, size=(width, height)).draw_without_rendering()  # and that size does
