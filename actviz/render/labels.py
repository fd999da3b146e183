"""Text labels of the marks, placed where they hide nothing.

A label is placed when the figure is drawn (then the layout is final) by a search over
places near its point and, failing those, anywhere in the axes: it must stay inside the
axes and overlap no other label, no marker (its own included), no leader line and no legend;
among the places that qualify it crosses as few curves as it can, then lies as near its
point as it can, joined to it by a thin leader line when set apart. Each label comes in
variants, longest first ("gelu: max f′ = 1.129 at x = 1.414", then without the name, then
shorter); a shorter one is used only where the longer one would cross a curve.

A library made for this, adjustText, was considered: it imports pyplot (which actviz never
does) and nudges labels by forces without a guarantee that they end clear of markers and
curves, which is what a figure for a paper needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox, IdentityTransform


@dataclass(frozen=True)
class Label:
    """What a mark wants written near its ``anchor`` (data coordinates): ``texts`` from the
    longest to the shortest, in ``color``, owned by the curve ``owner``."""

    anchor: tuple[float, float]
    texts: tuple[str, ...]
    color: str
    owner: str


GREY = "#404040"
PAD = 0.15
"""The label box's padding, in font sizes."""


def merge_labels(queued: Sequence[Label], many: bool) -> list[Label]:
    """Name the function in each label when a panel shows several (``many``), and say once
    what several share: ``relu, elu: max f′ = 1 on (0, 5]``. The unnamed texts stay as
    shorter variants."""
    groups: dict[tuple[Any, str], list[Label]] = {}
    for label in queued:
        groups.setdefault((label.anchor, label.texts[0]), []).append(label)
    merged = []
    for members in groups.values():
        first = members[0]
        if not many:
            merged.append(first)
            continue
        names = ", ".join(m.owner for m in members)
        color = first.color if len(members) == 1 else GREY
        merged.append(Label(first.anchor, (*(f"{names}: {t}" for t in first.texts[:1]),
                                           *first.texts), color, names))
    return merged


class Labels(Artist):
    """The labels of one axes, placed when the figure is drawn (see the module docstring);
    ``size`` is the font size in points, ``face`` the colour behind the text and ``ink``
    gives the text's colour for a curve's colour (fixed now, under the figure's style; the
    drawing happens later, when the figure is saved). ``floor`` is the fraction of the axes'
    height at the bottom kept for the strips of regions."""

    def __init__(self, queued: list[Label], size: float, face: str,
                 ink: Callable[[str], str], floor: float = 0.0):
        super().__init__()
        self.queued = queued
        self.floor = floor
        self.size = size
        self.face = face
        self.inks = {label.color: ink(label.color) for label in queued}
        self.notes: list[Annotation] = []
        self.set_in_layout(False)
        self.set_zorder(7)

    def get_children(self) -> list[Artist]:
        return list(self.notes)

    def draw(self, renderer: Any) -> None:
        assert isinstance(self.axes, Axes)
        self.notes = place_labels(self.axes, self.queued, renderer, self)
        for note in self.notes:
            note.draw(renderer)
        self.stale = False


# --- what a label must avoid ------------------------------------------------------------------

@dataclass
class Obstacles:
    """In display coordinates: the axes' inside, curve segments (N x 4), boxes of markers
    and legends, and the labels and leader lines placed so far."""

    frame: Bbox
    ink: Ink
    blocks: np.ndarray
    taken: list[Bbox]
    leaders: list[np.ndarray]


def obstacles(ax: Axes, renderer: Any, floor: float = 0.0) -> Obstacles:
    inside = ax.get_window_extent(renderer)
    bottom = inside.y0 + floor * inside.height
    frame = Bbox.from_extents(inside.x0 + 2, bottom + 2, inside.x1 - 2, inside.y1 - 2)
    pixels_per_point = ax.figure.dpi / 72.0
    segments, solid = [], []
    thickest = 0.0
    for line in ax.get_lines():
        data = np.asarray(line.get_xydata(), dtype=float)
        if not len(data):
            continue
        points = line.get_transform().transform(data)
        marker = line.get_marker()
        if (line.get_gid() or "").startswith("curve:"):
            segments.append(_segments(points))
            thickest = max(thickest, line.get_linewidth() * pixels_per_point)
        if marker not in (None, "None", "", " ") and line.get_linestyle() in ("None", "none",
                                                                            "", " "):
            half = line.get_markersize() * pixels_per_point / 2 + 0.5
            for x, y in points[np.isfinite(points).all(axis=1)]:
                solid.append(Bbox.from_extents(x - half, y - half, x + half, y + half))
    figure = ax.figure
    for legend in [*getattr(figure, "legends", []), ax.get_legend()]:
        if legend is not None:
            solid.append(legend.get_window_extent(renderer))
    stacked = np.concatenate(segments) if segments else np.empty((0, 4))
    return Obstacles(frame, Ink(inside, stacked, thickest / 2 + 0.5), _array(solid), [], [])


def _segments(points: np.ndarray) -> np.ndarray:
    """Consecutive finite points of a polyline as segments (N x 4)."""
    finite = np.isfinite(points).all(axis=1)
    pairs = np.hstack([points[:-1], points[1:]])
    return pairs[finite[:-1] & finite[1:]]


class Ink:
    """Where the curves run, as a map of the axes' pixels (a summed-area table), so that
    the number of curve pixels under any box is four lookups. The map holds the curves'
    centre lines; ``reach`` (half the thickest line, in pixels) widens each box looked up,
    so that a box that only grazes a thick line counts as crossing it."""

    def __init__(self, frame: Bbox, segments: np.ndarray, reach: float = 0.0):
        self.reach = reach
        self.x0, self.y0 = math.floor(frame.x0), math.floor(frame.y0)
        width = math.ceil(frame.x1) - self.x0 + 1
        height = math.ceil(frame.y1) - self.y0 + 1
        grid = np.zeros((height + 1, width + 1), np.int32)
        if len(segments):
            lengths = np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1])
            steps = np.minimum(np.ceil(lengths * 2).astype(int) + 1, 100_000)
            owner = np.repeat(np.arange(len(segments)), steps)
            t = (np.arange(len(owner)) - np.repeat(np.cumsum(steps) - steps, steps)) \
                / np.repeat(np.maximum(steps - 1, 1), steps)
            xs = segments[owner, 0] + t * (segments[owner, 2] - segments[owner, 0])
            ys = segments[owner, 1] + t * (segments[owner, 3] - segments[owner, 1])
            col = np.floor(xs - self.x0).astype(int)
            row = np.floor(ys - self.y0).astype(int)
            inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
            grid[row[inside] + 1, col[inside] + 1] = 1
        self.table = grid.cumsum(axis=0).cumsum(axis=1)

    def under(self, boxes: np.ndarray) -> np.ndarray:
        """Curve pixels under each box (M x 4: x0, y0, x1, y1)."""
        h, w = self.table.shape
        r = self.reach
        c0 = np.clip(np.floor(boxes[:, 0] - r - self.x0).astype(int), 0, w - 1)
        c1 = np.clip(np.floor(boxes[:, 2] + r - self.x0).astype(int) + 1, 0, w - 1)
        r0 = np.clip(np.floor(boxes[:, 1] - r - self.y0).astype(int), 0, h - 1)
        r1 = np.clip(np.floor(boxes[:, 3] + r - self.y0).astype(int) + 1, 0, h - 1)
        t = self.table
        return t[r1, c1] - t[r0, c1] - t[r1, c0] + t[r0, c0]


def crossings(boxes: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """For each box (M x 4: x0, y0, x1, y1), how many segments (N x 4) pass through it."""
    return np.count_nonzero(hits(boxes, segments), axis=1)


def hits(boxes: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Whether each segment (N x 4) passes through each box (M x 4): M x N, by Liang-Barsky
    clipping of all pairs at once."""
    if not len(segments) or not len(boxes):
        return np.zeros((len(boxes), len(segments)), bool)
    px, py = segments[:, 0][None, :], segments[:, 1][None, :]
    dx, dy = (segments[:, 2] - segments[:, 0])[None, :], (segments[:, 3] - segments[:, 1])[None, :]
    x0, y0 = boxes[:, 0][:, None], boxes[:, 1][:, None]
    x1, y1 = boxes[:, 2][:, None], boxes[:, 3][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.stack([(x0 - px) / dx, (x1 - px) / dx])
        ty = np.stack([(y0 - py) / dy, (y1 - py) / dy])
    inside_x = (px >= x0) & (px <= x1)
    inside_y = (py >= y0) & (py <= y1)
    low_x = np.where(dx == 0, np.where(inside_x, -np.inf, np.inf), tx.min(axis=0))
    high_x = np.where(dx == 0, np.where(inside_x, np.inf, -np.inf), tx.max(axis=0))
    low_y = np.where(dy == 0, np.where(inside_y, -np.inf, np.inf), ty.min(axis=0))
    high_y = np.where(dy == 0, np.where(inside_y, np.inf, -np.inf), ty.max(axis=0))
    enter = np.maximum(np.maximum(low_x, low_y), 0.0)
    leave = np.minimum(np.minimum(high_x, high_y), 1.0)
    return np.asarray(enter <= leave)


def _leader(box: Bbox, x: float, y: float) -> np.ndarray:
    """The leader line from the point (x, y) towards the box's centre, as matplotlib draws
    it (its part inside the box is hidden by the box)."""
    return np.array([x, y, (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])


# --- the search -------------------------------------------------------------------------------

NEAR = [(dx * r, dy * r) for r in (0.7, 1.4, 2.4, 3.6)
        for dx, dy in ((1, 1), (1, -1), (-1, 1), (-1, -1), (0, 1.2), (0, -1.2), (1.3, 0),
                       (-1.3, 0))]
"""Offsets (in units of 10 points) of the places tried first, around the point."""
LEADER_GAP = 6.0
"""Pixels: a label farther from its point than this gets a leader line."""


def _candidates(px: float, py: float, width: float, height: float, frame: Bbox,
                step: float) -> np.ndarray:
    """Boxes (M x 4: x0, y0, x1, y1) near the point, clamped inside the frame, then on a
    grid over the frame."""
    near = []
    for dx, dy in NEAR:
        x, y = px + dx * step, py + dy * step
        x0 = x if dx > 0 else x - width if dx < 0 else x - width / 2
        y0 = y if dy > 0 else y - height if dy < 0 else y - height / 2
        x0 = min(max(x0, frame.x0), frame.x1 - width)
        y0 = min(max(y0, frame.y0), frame.y1 - height)
        near.append((x0, y0))
    xs = np.arange(frame.x0, frame.x1 - width + 1e-9, 2.0)
    ys = np.arange(frame.y0, frame.y1 - height + 1e-9, 2.0)
    gx, gy = np.meshgrid(xs, ys)
    spread = np.column_stack([gx.ravel(), gy.ravel()])
    corners = np.vstack([np.array(near), spread])
    return np.hstack([corners, corners + np.array([width, height])])


def _overlapping(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each box, whether it overlaps any of ``others`` (both M x 4 / K x 4)."""
    if not len(others):
        return np.zeros(len(boxes), bool)
    hits = ((boxes[:, None, 0] < others[None, :, 2]) & (boxes[:, None, 2] > others[None, :, 0])
            & (boxes[:, None, 1] < others[None, :, 3]) & (boxes[:, None, 3] > others[None, :, 1]))
    return np.asarray(hits.any(axis=1))


def _gaps(boxes: np.ndarray, x: float, y: float) -> np.ndarray:
    """How far the point (x, y) lies from each box, 0 inside."""
    dx = np.maximum(np.maximum(boxes[:, 0] - x, 0.0), x - boxes[:, 2])
    dy = np.maximum(np.maximum(boxes[:, 1] - y, 0.0), y - boxes[:, 3])
    return np.hypot(dx, dy)


def _array(boxes: Sequence[Bbox]) -> np.ndarray:
    return np.array([[b.x0, b.y0, b.x1, b.y1] for b in boxes]).reshape(-1, 4)


def _best(px: float, py: float, width: float, height: float, found: Obstacles,
          step: float) -> tuple[Bbox, int, bool] | None:
    """The best place for a box of this size: (box, curves crossed, leader needed), or None
    when no place inside the axes is clear of labels, markers, leaders and legends."""
    frame = found.frame
    if width > frame.width or height > frame.height:
        return None
    boxes = _candidates(px, py, width, height, frame, step)
    clear = ~_overlapping(boxes, _array(found.taken)) & ~_overlapping(boxes, found.blocks)
    for seg in found.leaders:
        clear &= crossings(boxes, seg[None, :]) == 0
    gaps = _gaps(boxes, px, py)
    boxes, gaps = boxes[clear], gaps[clear]
    centres = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2,
                               (boxes[:, 1] + boxes[:, 3]) / 2])
    leaders = np.column_stack([np.full(len(boxes), px), np.full(len(boxes), py), centres])
    if len(found.taken) and len(boxes):  # a leader must not cross a placed label
        crossing = hits(_array(found.taken), leaders).any(axis=0)
        ok = ~(crossing & (gaps > LEADER_GAP))
        boxes, gaps, leaders = boxes[ok], gaps[ok], leaders[ok]
    if not len(boxes):
        return None
    # nor, where it can be helped, another marker (its own, and those it sits on, aside)
    blocks = found.blocks
    own = ((blocks[:, 0] <= px) & (px <= blocks[:, 2]) & (blocks[:, 1] <= py)
           & (py <= blocks[:, 3]))
    through = (hits(blocks[~own], leaders).any(axis=0) & (gaps > LEADER_GAP)
               if (~own).any() else np.zeros(len(boxes), bool))
    crossed = found.ink.under(boxes)
    best = int(np.argmin(crossed * 10000.0 + through * 5000.0 + gaps))
    return Bbox(boxes[best].reshape(2, 2)), int(crossed[best]), bool(gaps[best] > LEADER_GAP)


def place_labels(ax: Axes, queued: list[Label], renderer: Any,
                 look: Labels) -> list[Annotation]:
    """Place each label (see the module docstring); the annotations to draw."""
    size = look.size
    found = obstacles(ax, renderer, look.floor)
    pixels_per_point = ax.figure.dpi / 72.0
    pad = PAD * size * pixels_per_point
    notes = []
    if not (np.isfinite(found.frame.bounds).all() and found.frame.width > 0
            and found.frame.height > 0):
        return []
    for label in queued:
        px, py = ax.transData.transform(label.anchor)
        if not (math.isfinite(px) and math.isfinite(py)):
            continue
        choice = None
        for text in label.texts:
            extent = _annotation(ax, label, text, look, 0, 0).get_window_extent(renderer)
            spot = _best(px, py, extent.width + 2 * pad, extent.height + 2 * pad, found,
                         10 * pixels_per_point)
            if spot is not None and (choice is None or spot[1] < choice[1][1]):
                choice = (text, spot)
            if spot is not None and spot[1] == 0:
                break
        if choice is None:  # nowhere clear, even for the value alone: leave it out rather
            continue        # than hide a marker, another label or the frame
        text, (box, _, leader) = choice
        offset = ((box.x0 + pad - px) / pixels_per_point, (box.y0 + pad - py) / pixels_per_point)
        notes.append(_annotation(ax, label, text, look, *offset, leader=leader))
        found.taken.append(box)
        if leader:
            found.leaders.append(_leader(box, px, py))
    return notes


def _annotation(ax: Axes, label: Label, text: str, look: Labels, dx: float, dy: float,
                leader: bool = False) -> Annotation:
    """A label's text ``dx, dy`` points from its anchor, its lower left corner there (not
    added to the axes: :class:`Labels` draws it)."""
    arrow = {"arrowstyle": "-", "color": label.color, "lw": 0.6, "shrinkA": 0, "shrinkB": 2}
    note = Annotation(text, xy=label.anchor, xytext=(dx, dy), textcoords="offset points",
                      ha="left", va="bottom", fontsize=look.size,
                      color=look.inks.get(label.color, label.color), zorder=7,
                      bbox={"boxstyle": f"round,pad={PAD}", "fc": look.face, "ec": "none",
                            "alpha": 0.85},
                      arrowprops=arrow if leader else None, annotation_clip=False)
    note.set_transform(IdentityTransform())
    note.axes = ax
    note.set_figure(ax.figure)
    note.set_in_layout(False)
    note.set_gid("label")
    return note
