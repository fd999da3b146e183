"""What matters about an activation function on a range: dead zones, saturation, the steepest
point, minima, stretches where it decreases, kinks.

Pure NumPy. A dense grid only brackets each feature; boundaries and extrema are then refined
by bisection on the analytic f' and f'' to a few ulps, and dead zones come from the catalog's
piecewise definition, never from a derivative that happens to underflow to 0.

Three modules: :mod:`.regions` (:func:`analyze`: what a function does on a range),
:mod:`.compare` (:func:`properties` and :func:`records`: what ``actviz compare`` reports) and
:mod:`.diff` (:func:`difference`: what ``actviz diff`` reports).

Definitions (docs/design.md, "What the annotations mean"):

- dead zone: an interval where f' is identically 0;
- saturation: an interval reaching an edge of the range, on a side where f'(x) -> 0 as
  x -> +-inf, on which |f'| < tau, outside dead zones;
- max gradient: the largest f' on the range: a point, a plateau (a linear piece), or an edge;
- minima (maxima): where f' changes sign from - to + (+ to -);
- non-monotonic: where f' < 0.
"""


from __future__ import annotations

from .compare import Gaussian, Properties, properties, records
from .diff import Difference, difference
from .regions import Analysis, Interval, MaxGradient, Span, analyze

__all__ = ["Analysis", "Difference", "Gaussian", "Interval", "MaxGradient", "Properties", "Span",
           "analyze", "difference", "properties", "records"]
