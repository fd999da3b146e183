"""Figures of activation functions: matplotlib ``Figure`` objects on the Agg backend, never
pyplot, and deterministic saving to PNG, SVG or PDF.

Computation comes first (:mod:`.series`: the curves, their analyses, the range), drawing
second: :mod:`.marks` (each annotation kind), :mod:`.labels` (where their text goes),
:mod:`.figure` (panels, legend, saving), :mod:`.style` (the look).
"""

from .._startup import import_matplotlib

import_matplotlib()  # before any module of this package imports matplotlib

from .figure import (  # noqa: E402
    ActvizFigure,
    Layout,
    draw,
    draw_difference,
    draw_series,
    plot_difference,
    save,
)
from .labels import Label, Labels, merge_labels, place_labels  # noqa: E402
from .marks import MARKS, Mark, Panel  # noqa: E402
from .series import Series, auto_range, breaks, grid, prepare  # noqa: E402
from .style import (  # noqa: E402
    HOUSE_STYLE,
    PALETTE,
    SAVE_METADATA,
    SAVE_STYLE,
    SIZE_PRESETS,
)

__all__ = [
    "HOUSE_STYLE",
    "MARKS",
    "PALETTE",
    "SAVE_METADATA",
    "SAVE_STYLE",
    "SIZE_PRESETS",
    "ActvizFigure",
    "Label",
    "Labels",
    "Layout",
    "Mark",
    "Panel",
    "Series",
    "auto_range",
    "breaks",
    "draw",
    "draw_difference",
    "draw_series",
    "grid",
    "merge_labels",
    "place_labels",
    "plot_difference",
    "prepare",
    "save",
]
