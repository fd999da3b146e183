"""Figures a reader can publish untouched, checked on their drawn artists (after the
figure is drawn), at the default size and at a journal column (3.3 x 2.5 in): labels inside
their axes and clear of each other, of markers, leader lines and the legend; labels off the
curves wherever the axes have room; markers on their curves; the legend inside the figure;
no two translucent regions of different colours on top of each other."""

from __future__ import annotations

import itertools

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
    "elu sweep": (["elu"], {"sweep": "alpha=0.5,1,2"}),
    "elu sweep grid": (["elu"], {"sweep": "alpha=0.5,1,2", "layout": "grid"}),
    "hard_swish": (["hard_swish"], {}),
    "softmax num 101": (["softmax"], {"num": 101}),
    "crelu": (["crelu"], {}),
    "relu6": (["relu6"], {}),
    "softplus wide": (["softplus"], {"range": (-1000, 1000)}),
    "gelu second": (["gelu"], {"second_derivative": True}),
    "grid of six": (["relu", "relu6", "leaky_relu", "elu", "selu", "celu"], {"layout": "grid"}),
}
SIZES = {"default": None, "column": (3.3, 2.5)}


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


def labels_of(ax):
    return [a for child in ax.get_children() for a in child.get_children()
            if (a.get_gid() or "") == "label"]


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


def test_labels_stay_inside_their_axes_and_clear_of_labels_markers_legend(drawn):
    fig, renderer = drawn
    legends = [legend.get_window_extent(renderer) for legend in fig.legends]
    for ax in fig.axes:
        frame = ax.get_window_extent(renderer)
        boxes = [label_box(note, renderer) for note in labels_of(ax)]
        for i, box in enumerate(boxes):
            assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, (box, frame)
            assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, (box, frame)
            assert not any(overlap(box, other) for other in boxes[i + 1:])
            assert not any(overlap(box, marker) for marker in marker_boxes(ax))
            assert not any(overlap(box, legend) for legend in legends)


def test_no_leader_line_crosses_another_label(drawn):
    fig, renderer = drawn
    for ax in fig.axes:
        notes = labels_of(ax)
        for note in notes:
            if note.arrow_patch is None:
                continue
            path = note.arrow_patch.get_path().transformed(note.arrow_patch.get_transform())
            points = path.vertices
            segments = np.hstack([points[:-1], points[1:]])
            for other in notes:
                if other is note:
                    continue
                box = label_box(other, renderer)
                assert not crossings(np.array([[box.x0 + 0.5, box.y0 + 0.5, box.x1 - 0.5,
                                                box.y1 - 0.5]]), segments).any()


def test_every_marker_lies_on_a_curve_of_its_panel(drawn):
    fig, _ = drawn
    for ax in fig.axes:
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


def test_no_label_crosses_a_curve_where_the_axes_have_room_for_it(drawn):
    """A label that crosses a curve is allowed only where no place of its size in the axes
    is clear of curves, labels, markers and the legend (searched here on a 3-pixel grid).
    A curve is as wide as its line: a box that only grazes it hides half of it."""
    fig, renderer = drawn
    legends = [legend.get_window_extent(renderer) for legend in fig.legends]
    for ax in fig.axes:
        segments = curve_segments(ax)
        reach = max((line.get_linewidth() for line in curve_lines(ax)), default=0.0) \
            * fig.dpi / 72 / 2
        grown = np.array([-reach, -reach, reach, reach])
        notes = labels_of(ax)
        boxes = [label_box(note, renderer) for note in notes]
        frame = ax.get_window_extent(renderer)
        for i, box in enumerate(boxes):
            crossed = crossings(np.array([[box.x0, box.y0, box.x1, box.y1]]) + grown,
                                segments)[0]
            if not crossed:
                continue
            others = boxes[:i] + boxes[i + 1:] + marker_boxes(ax) + legends
            xs = np.arange(frame.x0 + 2, frame.x1 - box.width - 2, 3.0)
            ys = np.arange(frame.y0 + 2, frame.y1 - box.height - 2, 3.0)
            spots = np.array([[x, y, x + box.width, y + box.height] for y in ys for x in xs])
            if not len(spots):
                continue
            free = crossings(spots + grown, segments) == 0
            for k in np.flatnonzero(free):
                spot = Bbox(spots[k].reshape(2, 2))
                assert any(overlap(spot, other) for other in others), (
                    notes[i].get_text(), "crosses a curve, but", spots[k], "is free")


def test_the_legend_lies_inside_the_figure(drawn):
    fig, renderer = drawn
    whole = fig.bbox
    for legend in fig.legends:
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


# --- the marks that must say the right thing -----------------------------------------------------

def texts(fig):
    fig.draw_without_rendering()
    return [note.get_text() for ax in fig.axes for note in labels_of(ax)]


@pytest.mark.parametrize("num", [101, 1001, 4001])
def test_softmax_marker_lies_on_its_plotted_curve(num):
    fig = actviz.plot("softmax", num=num)
    ax = fig.axes[1]
    (curve,) = curve_lines(ax)
    (peak,) = [line for line in markers_of(ax) if line.get_gid() == "max_gradient:softmax"]
    x, y = peak.get_xdata()[0], peak.get_ydata()[0]
    i = int(np.argmin(np.abs(curve.get_xdata() - x)))
    assert curve.get_xdata()[i] == x and curve.get_ydata()[i] == y
    assert y == curve.get_ydata().max()


def test_softplus_on_a_wide_range_marks_no_point():
    fig = actviz.plot("softplus", range=(-1000, 1000))
    assert "sup f\u2032 = 1 as x \u2192 \u221e" in texts(fig)
    assert not [line for ax in fig.axes for line in markers_of(ax)
                if (line.get_gid() or "").startswith("max_gradient")]


def test_crelu_outputs_are_told_apart_in_their_strips():
    fig = actviz.plot("crelu")
    hatches = {artist.get_hatch() for artist in fig.axes[0].get_children()
               if (artist.get_gid() or "").startswith("dead:")}
    assert len(hatches) == 2


def test_relu6_default_range_shows_its_cap():
    fig = actviz.plot("relu6")
    lo, hi = fig.axes[0].get_xlim()
    assert lo == -5 and hi > 6
    assert actviz.plot("relu").axes[0].get_xlim() == (-5.0, 5.0)


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
    assert fig.get_size_inches()[0] <= 10 and len(fig.axes) == 12
    two = actviz.plot(["relu", "relu6", "elu"], layout="grid", columns=2)
    assert len(two.axes) == 6


def test_grayscale_tells_curves_apart_by_line_style():
    fig = actviz.plot(["sigmoid", "tanh", "gelu"], style="grayscale")
    styles = {line.get_linestyle() for line in curve_lines(fig.axes[0])}
    assert len(styles) == 3
    for line in curve_lines(fig.axes[0]):
        r, g, b, _ = to_rgba(line.get_color())
        assert r == g == b


def test_dark_background_draws_the_key_in_light_ink():
    fig = actviz.plot(["gelu"], style="dark_background")
    keys = [h for h in fig.legends[0].legend_handles
            if isinstance(h, Line2D) and h.get_marker() not in (None, "None", "")]
    assert keys and all(to_rgba(h.get_markeredgecolor())[0] > 0.5 for h in keys)
