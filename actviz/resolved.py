"""Resolved option values, as the science and drawing layers take them: checked once where
they enter (:mod:`actviz.options` for the command line and batch configs, the public
functions of the API for Python callers), never again below. No help texts here, so that
:mod:`actviz.render` need not load the command line's declarations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class Options(dict):
    """Resolved option values, read as attributes: ``opts.range``. ``explicit`` holds the
    names the user set for this one command or job (not defaults), for checks of options
    that exclude each other (--points and --range)."""

    def __init__(self, values: Mapping[str, Any], explicit: Iterable[str] = (),
                 scope: Mapping[str, Any] | None = None):
        super().__init__(values)
        self.explicit = frozenset(explicit)
        self.scope = scope
        """Names a config defines (its ``define:`` section), resolved like catalog names."""

    def __reduce__(self) -> tuple[Any, ...]:
        return Options, (dict(self), self.explicit, self.scope)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def orders(opts: Mapping[str, Any]) -> list[int]:
    """The derivative orders a figure or table shows: 0, then 1 and 2 as asked."""
    return [0] + [1] * bool(opts["derivative"]) + [2] * bool(opts["second_derivative"])

