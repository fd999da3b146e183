"""Numbers aligned on the decimal point within a column, in every text format.

A number as the tables write it (:func:`actviz._numbers.text_number`: ``-0.5``, ``3``,
``2.06115e-09``, ``inf``, ``nan``) has an integer part, a fraction (``.`` and digits) and an
exponent. A :class:`Column` learns the widest of each part over a column's numbers; then each
cell is padded so that its decimal point (or where it would be) sits where the others' do:

- plain text (monospace): spaces, after the number in a right-aligned column and before it in
  a left-aligned one;
- Markdown: FIGURE SPACE (U+2007, the width of a digit) and PUNCTUATION SPACE (U+2008, that of
  a point) after the number, which a renderer keeps (it drops ordinary spaces) and
  ``float()`` ignores;
- LaTeX: see :func:`actviz.latex.pad_integer`.

Cells that are not a plain number (``1 on (0, 5]``, ``yes``) are left as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = re.compile(r"(?P<int>-?(?:\d+|inf)|nan)(?P<frac>\.\d+)?(?:e(?P<exp>[+-]\d+))?")

FIGURE_SPACE = "\u2007"
PUNCTUATION_SPACE = "\u2008"


@dataclass(frozen=True)
class Parts:
    """A number's text in parts: ``-0.5e-07`` -> integer ``-0``, fraction ``.5``, exponent
    ``-7`` (as an integer, the way LaTeX writes it: ``\\times10^{-7}``) and its text
    ``e-07``."""

    integer: str
    fraction: str
    exponent: int | None
    exponent_text: str

    @property
    def special(self) -> bool:
        """inf, -inf or nan."""
        return self.integer.endswith(("inf", "nan"))

    @property
    def digits(self) -> int:
        """Digits after the point."""
        return max(0, len(self.fraction) - 1)


def parts(text: str) -> Parts | None:
    """``text`` in parts, or None if it is not a plain number."""
    match = NUMBER.fullmatch(text)
    if match is None:
        return None
    exponent = match["exp"]
    return Parts(match["int"], match["frac"] or "", None if exponent is None else int(exponent),
                 "" if exponent is None else "e" + exponent)


class Column:
    """The widest integer part, fraction and exponent over the numbers of one column."""

    def __init__(self) -> None:
        self.integer = 0
        """Characters of the longest integer part of digits."""
        self.special = 0
        """Characters of the longest inf, -inf or nan."""
        self.tail = 0
        """Characters of the longest fraction and exponent together."""
        self.point = False
        self.digits = 0
        self.negative = False
        """Whether an integer part of digits has a minus sign."""
        self.integer_digits = 0
        """Digits of the longest integer part, its sign aside."""
        self.specials: set[str] = set()
        """Which of inf, -inf and nan the column holds."""
        self.plain_digits = 0
        """Characters of the longest fraction (the point included) of a number written
        without an exponent; ``scientific_digits``: digits after the point of one with."""
        self.scientific_digits = 0
        self.exponent_text = 0
        self.exponent_minus = False
        self.exponent_digits = 0
        """The exponent as LaTeX writes it: a minus sign (in any number) and its digits."""

    def add(self, text: str) -> None:
        p = parts(text)
        if p is None:
            return
        if p.special:
            self.special = max(self.special, len(p.integer))
            self.specials.add(p.integer)
        else:
            self.integer = max(self.integer, len(p.integer))
            self.negative = self.negative or p.integer.startswith("-")
            self.integer_digits = max(self.integer_digits, len(p.integer.lstrip("-")))
        self.tail = max(self.tail, len(p.fraction) + len(p.exponent_text))
        self.point = self.point or bool(p.fraction)
        self.digits = max(self.digits, p.digits)
        if p.exponent is None:
            self.plain_digits = max(self.plain_digits, p.digits + int(bool(p.fraction)))
        else:
            self.scientific_digits = max(self.scientific_digits, p.digits)
        self.exponent_text = max(self.exponent_text, len(p.exponent_text))
        if p.exponent is not None:
            self.exponent_minus = self.exponent_minus or p.exponent < 0
            self.exponent_digits = max(self.exponent_digits, len(str(abs(p.exponent))))

    def add_all(self, texts: list[str] | tuple[str, ...]) -> Column:
        for text in texts:
            self.add(text)
        return self

    def right(self, text: str) -> str:
        """Monospace text for a right-aligned column: spaces after the number."""
        p = parts(text)
        if p is None:
            return text
        return text + " " * (self.tail - len(p.fraction) - len(p.exponent_text))

    @property
    def width(self) -> int:
        """Characters of the widest cell as :meth:`right` pads it."""
        return max(self.integer, self.special) + self.tail

    def left(self, text: str) -> str:
        """Monospace text for a left-aligned column: spaces before the number (not before
        inf or nan, which have no digits to align)."""
        p = parts(text)
        return text if p is None or p.special else " " * (self.integer - len(p.integer)) + text

    def markdown(self, text: str) -> str:
        """A right-aligned Markdown cell: figure and punctuation spaces after the number."""
        p = parts(text)
        if p is None:
            return text
        point = PUNCTUATION_SPACE * (self.point and not p.fraction)
        digits = FIGURE_SPACE * (self.digits - p.digits + self.exponent_text
                                 - len(p.exponent_text))
        return text + point + digits
