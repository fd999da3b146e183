"""Text labels of the marks, placed where they hide nothing and cross nothing.

A label is placed when the figure is drawn (then the layout is final) by a search over
places near its point and, failing those, anywhere in the axes: it must stay inside the
axes, overlap no other label, marker, leader line or legend, and cross no curve; a label
set apart from its point is joined to it by a thin leader line, which must cross no curve,
marker or label either. Among the places that qualify, the nearest to its point wins.

A label with no such place is not shortened and not dropped: it goes to the figure's key
(the legend, under a number) and a small numbered tag goes next to its mark where one
fits; so every label of a figure has one form ("gelu: min −0.1700 at x = −0.7518").

A library made for this, adjustText, was considered: it imports pyplot (which actviz never
does) and nudges labels by forces without a guarantee that they end clear of markers and
curves, which is what a figure for a paper needs.
"""

from __future__ import annotations

import copy
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
    """What a mark wants written near its ``anchor`` (data coordinates): ``text``, in
    ``color``, owned by the curve(s) ``owner``."""

    anchor: tuple[float, float]
    text: str
    color: str
    owner: str
    others: tuple[tuple[float, float], ...] = ()
    """Other points the label may point to where its own has no room (a slope taken on a
    whole interval is at any of its points)."""
    marked: bool = True
    """Whether a marker of its own sits on its anchor; one that has none (a slope taken on an
    interval) never points at a point where another curve's marker sits."""


PAD = 0.15
"""The label box's padding, in font sizes."""


def merge_labels(queued: Sequence[Label], many: bool, ink: str) -> list[Label]:
    """Name the function in each label when a panel shows several (``many``), and say once
    what several share, naming each: ``relu, relu6: max f′ = 1 on (0, 5]``, in ``ink``
    (the text colour), as it belongs to no one curve."""
    groups: dict[tuple[Any, str], list[Label]] = {}
    for label in queued:
        groups.setdefault((label.anchor, label.text), []).append(label)
    merged = []
    for members in groups.values():
        first = members[0]
        if not many:
            merged.append(first)
            continue
        names = ", ".join(m.owner for m in members)
        color = first.color if len(members) == 1 else ink
        merged.append(Label(first.anchor, f"{names}: {first.text}", color, names,
                            first.others, first.marked))
    return merged


class Labels(Artist):
    """The labels of one axes, placed when the figure is drawn (see the module docstring):
    :meth:`settle` finds their places once the layout is final, :meth:`draw` draws them.
    ``size`` is the font size in points, ``face`` the colour behind the text and ``ink``
    gives the text's colour for a curve's colour (fixed now, under the figure's style; the
    drawing happens later, when the figure is saved)."""

    def __init__(self, queued: list[Label], size: float, face: str,
                 ink: Callable[[str], str]):
        super().__init__()
        self.queued = queued
        self.size = size
        self.face = face
        self.inks = {label.color: ink(label.color) for label in queued}
        self.notes: list[Annotation] = []
        self.found: Obstacles | None = None
        """What the labels placed last avoided and took: what the tags placed later avoid."""
        self.sizes: dict[tuple[str, float], tuple[float, float]] = {}
        self.set_in_layout(False)
        self.set_zorder(7)

    def get_children(self) -> list[Artist]:
        return list(self.notes)

    def settle(self, renderer: Any, keyed: dict[Label, int],
               tags_only: bool = False) -> list[Label]:
        """Place the labels on the axes as they now lie; a label in ``keyed`` (its number
        in the figure's notes) gets a numbered tag instead. Returns the labels that found
        no place (for the notes). ``tags_only``: keep the labels placed, and place the tags
        of the keyed labels that have none yet."""
        assert isinstance(self.axes, Axes)
        if tags_only and self.found is not None:
            done = {note.label for note in self.notes}  # type: ignore[attr-defined]
            found = self.found.moved(self.axes.get_window_extent(renderer))
            more, _, _ = place_labels(self.axes, [q for q in self.queued if q not in done],
                                      renderer, self, keyed, found)
            self.notes += more
            return []
        self.notes, failed, self.found = place_labels(self.axes, self.queued, renderer, self,
                                                      keyed)
        return failed

    def extent(self, ax: Axes, label: Label, text: str, renderer: Any) -> tuple[float, float]:
        """(width, height) in pixels of a label's ``text`` (measured once)."""
        key = (text, ax.get_figure(root=True).dpi)  # type: ignore[union-attr]
        if key not in self.sizes:
            box = _annotation(ax, label, text, self, 0, 0).get_window_extent(renderer)
            self.sizes[key] = (box.width, box.height)
        return self.sizes[key]

    def draw(self, renderer: Any) -> None:
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

    def moved(self, frame: Bbox) -> Obstacles:
        """The same obstacles, for the same axes moved (not resized) to ``frame``: what a
        layout does when the notes under the panels make the figure taller."""
        dx, dy = frame.x0 + 2 - self.frame.x0, frame.y0 + 2 - self.frame.y0
        shift = np.array([dx, dy, dx, dy])
        ink = copy.copy(self.ink)
        ink.x0, ink.y0 = self.ink.x0 + dx, self.ink.y0 + dy
        return Obstacles(self.frame.translated(dx, dy), ink, self.blocks + shift,
                         [box.translated(dx, dy) for box in self.taken],
                         [leader + shift for leader in self.leaders])


def obstacles(ax: Axes, renderer: Any) -> Obstacles:
    inside = ax.get_window_extent(renderer)
    frame = Bbox.from_extents(inside.x0 + 2, inside.y0 + 2, inside.x1 - 2, inside.y1 - 2)
    pixels_per_point = ax.figure.dpi / 72.0
    segments, solid = [], []
    thickest = 0.0
    for line in ax.get_lines():
        data = np.asarray(line.get_xydata(), dtype=float)
        if not len(data):
            continue
        points = line.get_transform().transform(data)
        marker = line.get_marker()
        if (line.get_gid() or "").startswith(("curve:", "delta:")):  # (a delta's arrow too)
            segments.append(_segments(points))
            thickest = max(thickest, line.get_linewidth() * pixels_per_point)
        if marker not in (None, "None", "", " ") and line.get_linestyle() in ("None", "none",
                                                                            "", " "):
            half = line.get_markersize() * pixels_per_point / 2 + CLEARANCE
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
            steps = np.minimum(np.ceil(lengths).astype(int) + 1, 100_000)  # a point a pixel
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
CLEARANCE = 2.0
"""Pixels kept free around a marker (beyond its size)."""
GRID_PLACES = 4000
"""Places on the grid over the whole axes tried beyond those near the point (every 2 pixels
in a small panel, sparser in a large one)."""
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
    pitch = max(2.0, math.sqrt(frame.width * frame.height / GRID_PLACES))
    xs = np.arange(frame.x0, frame.x1 - width + 1e-9, pitch)
    ys = np.arange(frame.y0, frame.y1 - height + 1e-9, pitch)
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
          step: float, start: float) -> tuple[Bbox, bool] | None:
    """The nearest place for a box of this size that crosses no curve and hides nothing,
    joined to its point (``px``, ``py``) by a leader that crosses no curve, marker or label
    beyond ``start`` pixels from the point: (box, leader needed), or None."""
    frame = found.frame
    if width > frame.width or height > frame.height:
        return None
    boxes = _candidates(px, py, width, height, frame, step)
    clear = ~_overlapping(boxes, _array(found.taken)) & ~_overlapping(boxes, found.blocks)
    clear &= found.ink.under(boxes) == 0
    for seg in found.leaders:
        clear &= crossings(boxes, seg[None, :]) == 0
    boxes = boxes[clear]
    gaps = _gaps(boxes, px, py)
    order = np.argsort(gaps, kind="stable")
    near = order[gaps[order] <= LEADER_GAP]
    if len(near):
        return Bbox(boxes[near[0]].reshape(2, 2)), False
    far = order[gaps[order] > LEADER_GAP]
    blocks = found.blocks
    own = ((blocks[:, 0] <= px) & (px <= blocks[:, 2]) & (blocks[:, 1] <= py)
           & (py <= blocks[:, 3]))
    others = np.vstack([blocks[~own], _array(found.taken)])
    for batch in range(0, min(len(far), MAX_LEADERS), 128):
        picked = boxes[far[batch:batch + 128]]
        ok = _leaders_clear(px, py, picked, others, found, start)
        if ok.any():
            return Bbox(picked[int(np.argmax(ok))].reshape(2, 2)), True
    return None


MAX_LEADERS = 512
"""Places farther than a leader's length tried at most, nearest first."""


def _leaders_clear(px: float, py: float, boxes: np.ndarray, others: np.ndarray,
                   found: Obstacles, start: float) -> np.ndarray:
    """For each box, whether the leader from the point to it crosses no marker or label of
    ``others`` and no curve, from ``start`` pixels off the point to the box's edge."""
    ends = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    leaders = np.column_stack([np.full(len(boxes), px), np.full(len(boxes), py), ends])
    ok: np.ndarray = np.asarray(~hits(others, leaders).any(axis=0) if len(others)
                                else np.ones(len(boxes), bool))
    kept = np.flatnonzero(ok)
    if not len(kept):
        return ok
    boxes, ends = boxes[kept], ends[kept]
    t = np.linspace(0.0, 1.0, 160)[None, :]
    dx, dy = ends[:, :1] - px, ends[:, 1:] - py
    xs, ys = px + t * dx, py + t * dy  # K x 160 points along each leader
    length = np.hypot(dx, dy)
    outside = ~((xs >= boxes[:, :1]) & (xs <= boxes[:, 2:3]) & (ys >= boxes[:, 1:2])
                & (ys <= boxes[:, 3:4]))
    probe = outside & (t * length > start)
    flat = np.column_stack([xs.ravel(), ys.ravel(), xs.ravel(), ys.ravel()])
    inked = (found.ink.under(flat) > 0).reshape(xs.shape)
    ok[kept] = ~(inked & probe).any(axis=1)
    return ok


def place_labels(ax: Axes, queued: list[Label], renderer: Any, look: Labels,
                 keyed: dict[Label, int], found: Obstacles | None = None,
                 ) -> tuple[list[Annotation], list[Label], Obstacles]:
    """Place each label (see the module docstring): the annotations to draw, the labels
    that found no place, and what they avoided and took. A label of ``keyed`` gets its
    number as a tag instead. ``found``: what labels placed before avoided and took, in a
    panel that has not moved since."""
    if found is None:
        found = obstacles(ax, renderer)
    notes: list[Annotation] = []
    failed: list[Label] = []
    if not (np.isfinite(found.frame.bounds).all() and found.frame.width > 0
            and found.frame.height > 0):
        return notes, failed, found
    for label in sorted(queued, key=lambda label: label in keyed):
        placed_now = _place(ax, label, keyed.get(label), renderer, look, found)
        if placed_now is not None:
            notes.append(placed_now)
        elif label not in keyed:
            failed.append(label)
    return notes, failed, found


def _place(ax: Axes, label: Label, number: int | None, renderer: Any, look: Labels,
           found: Obstacles) -> Annotation | None:
    """The label placed (its numbered tag, given a ``number``) at the first of its anchors
    where it has room, or None; what it takes is added to ``found``."""
    pixels_per_point = ax.figure.dpi / 72.0
    pad = PAD * look.size * pixels_per_point
    text = label.text if number is None else str(number)
    width, height = (v + 2 * pad for v in look.extent(ax, label, text, renderer))
    blocks = found.blocks
    for anchor in (label.anchor, *label.others):
        px, py = ax.transData.transform(anchor)
        if not (math.isfinite(px) and math.isfinite(py)):
            continue
        if not label.marked and ((blocks[:, 0] <= px) & (px <= blocks[:, 2])
                                 & (blocks[:, 1] <= py) & (py <= blocks[:, 3])).any():
            continue  # a leader ending there would point at another curve's marker
        if number is not None:
            spot = _tag(px, py, width, height, found)
        else:
            start = _marker_reach(found.blocks, px, py) + found.ink.reach + 1.0
            spot = _best(px, py, width, height, found, 10 * pixels_per_point, start)
        if spot is None:
            continue
        box, leader = spot
        offset = ((box.x0 + pad - px) / pixels_per_point, (box.y0 + pad - py) / pixels_per_point)
        note = _annotation(ax, label, text, look, *offset, leader=leader, anchor=anchor)
        note.label = label  # type: ignore[attr-defined]
        if number is not None:
            note.set_gid("tag")
        found.taken.append(box)
        if leader:
            found.leaders.append(_leader(box, px, py))
        return note
    return None


def _tag(px: float, py: float, width: float, height: float,
         found: Obstacles) -> tuple[Bbox, bool] | None:
    """A place for a label's numbered tag, never over a label, marker or leader: right next
    to its point, nearer to it than to any other marker, over no curve if it can be, else
    over as few curve pixels as it can; failing that, a little farther with a leader line
    that crosses no label or marker; failing that, anywhere in the axes with one."""
    frame = found.frame
    if width > frame.width or height > frame.height:
        return None
    reach = _marker_reach(found.blocks, px, py) + 1.0
    rings = [_ring(px, py, width, height, frame, d) for d in
             (reach, reach + 0.5 * height, reach + height)]
    boxes = np.vstack(rings)
    clear = _free(boxes, found) & _nearest_own(boxes, px, py, found.blocks)
    if clear.any():
        boxes = boxes[clear]
        own = np.hypot((boxes[:, 0] + boxes[:, 2]) / 2 - px, (boxes[:, 1] + boxes[:, 3]) / 2 - py)
        ink = found.ink.under(boxes)
        best = int(np.lexsort((np.round(own / height), ink > 0))[0])
        return Bbox(boxes[best].reshape(2, 2)), False
    far = np.vstack([_ring(px, py, width, height, frame, reach + k * height)
                     for k in (2, 3, 4, 6)] + [_candidates(px, py, width, height, frame, 1.0)])
    far = far[_free(far, found)]
    if not len(far):
        return None
    blocks = found.blocks
    own = ((blocks[:, 0] <= px) & (px <= blocks[:, 2]) & (blocks[:, 1] <= py)
           & (py <= blocks[:, 3]))
    ends = np.column_stack([(far[:, 0] + far[:, 2]) / 2, (far[:, 1] + far[:, 3]) / 2])
    leaders = np.column_stack([np.full(len(far), px), np.full(len(far), py), ends])
    others = np.vstack([blocks[~own], _array(found.taken)])
    ok = ~hits(others, leaders).any(axis=0) if len(others) else np.ones(len(far), bool)
    if not ok.any():
        return None
    far, ends = far[ok], ends[ok]
    gaps = np.hypot(ends[:, 0] - px, ends[:, 1] - py)
    best = int(np.lexsort((gaps, found.ink.under(far) > 0))[0])
    return Bbox(far[best].reshape(2, 2)), True


def _ring(px: float, py: float, width: float, height: float, frame: Bbox,
          distance: float) -> np.ndarray:
    """16 boxes of a size around the point, their nearest sides ``distance`` from it,
    clamped inside the frame."""
    boxes = []
    for angle in np.linspace(0.0, 2 * np.pi, 16, endpoint=False):
        # the box's side nearest the point lies ``distance`` off it, along the angle
        cx = px + np.cos(angle) * (distance + width / 2 * abs(np.cos(angle)))
        cy = py + np.sin(angle) * (distance + height / 2 * abs(np.sin(angle)))
        x0 = min(max(cx - width / 2, frame.x0), frame.x1 - width)
        y0 = min(max(cy - height / 2, frame.y0), frame.y1 - height)
        boxes.append((x0, y0, x0 + width, y0 + height))
    return np.array(boxes)


def _free(boxes: np.ndarray, found: Obstacles) -> np.ndarray:
    """Whether each box overlaps no label, marker or legend and no leader runs through it."""
    clear = ~_overlapping(boxes, _array(found.taken)) & ~_overlapping(boxes, found.blocks)
    for seg in found.leaders:
        clear &= crossings(boxes, seg[None, :]) == 0
    return clear


def _nearest_own(boxes: np.ndarray, px: float, py: float, blocks: np.ndarray) -> np.ndarray:
    """Whether each box's centre lies nearer the point (px, py) than any other marker's."""
    centres = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    own = np.hypot(centres[:, 0] - px, centres[:, 1] - py)
    mids = np.column_stack([(blocks[:, 0] + blocks[:, 2]) / 2, (blocks[:, 1] + blocks[:, 3]) / 2])
    mids = mids[np.hypot(mids[:, 0] - px, mids[:, 1] - py) > 1.0]  # (its own: on the point)
    if not len(mids):
        return np.ones(len(boxes), bool)
    nearest = np.hypot(centres[:, None, 0] - mids[None, :, 0],
                       centres[:, None, 1] - mids[None, :, 1]).min(axis=1)
    return np.asarray(own < nearest)


def _marker_reach(blocks: np.ndarray, px: float, py: float) -> float:
    """How far the markers drawn on the point (px, py) reach from it, in pixels."""
    own = ((blocks[:, 0] <= px) & (px <= blocks[:, 2]) & (blocks[:, 1] <= py)
           & (py <= blocks[:, 3]))
    if not own.any():
        return 0.0
    mine = blocks[own]
    return float(np.max(np.maximum(mine[:, 2] - px, py - mine[:, 1]).clip(min=0)))


def _annotation(ax: Axes, label: Label, text: str, look: Labels, dx: float, dy: float,
                leader: bool = False, anchor: tuple[float, float] | None = None,
                ) -> Annotation:
    """A label's text ``dx, dy`` points from its ``anchor`` (default: the label's own), its
    lower left corner there (not added to the axes: :class:`Labels` draws it)."""
    color = look.inks.get(label.color, label.color)
    arrow = {"arrowstyle": "-", "color": color, "lw": 0.6, "shrinkA": 0, "shrinkB": 2}
    note = Annotation(text, xy=anchor or label.anchor, xytext=(dx, dy), textcoords="offset points",
                      ha="left", va="bottom", fontsize=look.size, color=color, zorder=7,
                      bbox={"boxstyle": f"round,pad={PAD}", "fc": look.face, "ec": "none",
                            "alpha": 0.85},
                      arrowprops=arrow if leader else None, annotation_clip=False)
    note.set_transform(IdentityTransform())
    note.axes = ax
    note.set_figure(ax.figure)
    note.set_in_layout(False)
    note.set_gid("label")
    return note
