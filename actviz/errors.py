"""Exceptions raised by actviz.

Every error a user can cause derives from :class:`ActvizError`, so a caller (the command-line
interface among them) can catch that one class and show its message. The subclasses also derive
from the built-in exception that fits, ``KeyError`` or ``ValueError``.
"""

from __future__ import annotations


class ActvizError(Exception):
    """Base class of every error actviz raises on bad input."""

    def __str__(self) -> str:
        # KeyError would wrap the message in quotes; a message is a message.
        return str(self.args[0]) if self.args else ""


class UnknownActivationError(ActvizError, KeyError):
    """No activation function has this name or alias."""


class ParameterError(ActvizError, ValueError):
    """A parameter is unknown, of the wrong type, or outside its domain."""


class SpecError(ActvizError, ValueError):
    """A spec string such as ``elu:alpha=0.5`` is malformed."""


class OutputError(ActvizError, OSError):
    """A file cannot be written where it was asked to go (a runtime error, exit code 1)."""


class FormulaError(SpecError):
    """A formula cannot be used: a syntax error, an unknown name, something not on the list of
    what a formula may contain, or a limit (length, nesting, size) exceeded. The message points
    at the column."""


class PluginError(ActvizError):
    """A plugin (an ``actviz.activations`` entry point, or a function given to
    ``actviz.register``) cannot be loaded or does not keep the kernel's contract."""


class NotFiniteError(ActvizError, ValueError):
    """A user function gives NaN or inf at a finite input where a value is needed."""
