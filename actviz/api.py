"""The figure functions of the Python API: options as keyword arguments, checked here (as
the command line's are by :mod:`actviz.options`), then drawn by :mod:`actviz.render`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .catalog import Activation, Named
from .errors import ParameterError

if TYPE_CHECKING:
    from .render import ActvizFigure


def plot(specs: str | Activation | Named | Sequence[str | Activation | Named],
         scope: Any = None, **options: Any) -> ActvizFigure:
    """A figure of f (and f', f'') for each spec, annotated.

    Options: ``range=(-5, 5)`` (default: [-5, 5] widened to show every kink), ``num=1001``,
    ``layout="overlay"|"grid"``, ``columns`` (grid), ``sharey=False`` (grid),
    ``derivative=True``, ``second_derivative=False``, ``saturation_threshold=0.05``,
    ``annotations=True``, ``sweep="alpha=0.5,1,2"`` (or ``("alpha", [0.5, 1, 2])``),
    ``style`` (a matplotlib style name), ``dpi=150``, ``size=(w, h)`` in inches or
    ``"column"``/``"page"``, ``title``, ``flavor="torch"``. ``scope`` maps names a config
    defines to their definitions. The figure the ``actviz plot`` command draws.
    """
    if isinstance(specs, (str, Activation, Named)):
        specs = [specs]
    if not isinstance(specs, Sequence):
        raise ParameterError(f"plot takes a spec or a list of specs, got {specs!r}")
    from .options import figure_options
    from .render import draw

    opts = figure_options(options)
    opts.scope = scope
    return draw(list(specs), opts)
