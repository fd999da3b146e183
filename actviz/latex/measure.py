r"""TeX's widths of a cell, estimated from the metrics of Computer Modern at 10 pt
(:func:`measure`, :func:`width`), and the page and type sizes a table may take."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

COLUMN_WIDTH = 229.5
"""``\\columnwidth`` of ``\\documentclass[twocolumn]{article}`` (10 pt, letter paper), in pt."""
TEXT_WIDTH = 469.0
"""Its ``\\textwidth``."""
ONE_COLUMN = 345.0
"""``\\textwidth`` of ``\\documentclass{article}``: a table laid out for the page of a
two-column article comes laid out for this width too (TeX picks by ``\\linewidth``)."""
FLOAT_HEIGHT = 500.0
"""The height a table may take: ``\\textheight`` (550 pt) less room for a caption."""
SLACK = 2.0
"""Points kept free of the width, for the estimates' rounding."""
GAP = 6.0
"""Space between the columns of a table whose cells wrap."""
TABCOLSEP = 6.0
"""LaTeX's ``\\tabcolsep``: space on each side of a column of numbers."""
RULES = 6.0
"""Height of a booktabs rule with the space around it, at most."""


@dataclass(frozen=True)
class Size:
    """A type size: its command, its width relative to 10 pt, its baseline skip in pt."""

    command: str
    scale: float
    line: float


SIZES = (Size("", 1.0, 12.0), Size("\\small", 0.925, 11.0), Size("\\footnotesize", 0.85, 9.5),
         Size("\\scriptsize", 0.8, 8.0))
"""The sizes a table may take, largest first (widths: cmr9, cmr8, cmr7 against cmr10)."""

# --- widths ------------------------------------------------------------------------------------


def _table(groups: dict[float, str]) -> dict[str, float]:
    return {char: width for width, chars in groups.items() for char in chars}


ROMAN = _table({
    2.78: "!',.:;[]`ilj<", 3.06: "fj", 3.34: "-", 3.62: "I", 3.75: "_", 3.89: "()t",
    3.92: "r", 3.95: "s", 4.45: "cez", 4.73: ">?", 5.01: "\"*/0123456789\\^ago{}~$",
    5.14: "J", 5.28: "kqvxy", 5.56: "bdhnpuS", 6.12: "Z", 6.26: "L", 6.53: "F", 6.81: "EP",
    7.09: "B", 7.23: "CTw", 7.37: "R", 7.51: "AHNUVXY", 7.64: "D", 7.78: "&+=@KOQ",
    7.85: "G", 8.34: "#%m", 9.17: "M", 10.01: "|", 10.28: "W",
})
"""cmr10 widths, in pt (text, and \\mathrm)."""
ITALIC = _table({
    3.19: "l", 3.45: "i", 3.62: "t", 4.3: "b", 4.33: "c", 4.66: "e", 4.69: "s", 4.7: "j",
    4.79: "r", 4.83: "q", 4.85: "o", 5.04: "p", 5.1: "z", 5.13: "g", 5.19: "I", 5.21: "dv",
    5.27: "y", 5.29: "a", 5.53: "k", 5.72: "x", 5.73: "u", 5.77: "h", 5.98: "f", 6.01: "n",
    6.51: "J", 6.71: "S", 6.81: "L", 7.24: "T", 7.43: "w", 7.51: "A", 7.55: "Z", 7.68: "R",
    7.81: "P", 7.82: "F", 7.87: "CG", 7.91: "OQ", 7.92: "U", 7.96: "E", 8.03: "Y", 8.06: "V",
    8.09: "B", 8.56: "D", 8.79: "m", 9.07: "X", 9.13: "HN", 9.21: "K", 10.8: "M", 10.84: "W",
})
"""cmmi10 widths: letters in math."""
TYPEWRITER = 5.25
"""cmtt10: every character."""
KERNING = 1.01
"""Words of text are up to this much wider than their letters (cmr10's kerns: ``smoothness``
is 49.89 pt where its letters add up to 49.67 pt)."""
THIN, MEDIUM, THICK = 1.67, 2.23, 2.78
"""TeX's math spaces at 10 pt (3, 4 and 5 mu)."""
SCRIPT = 0.85
"""Script size (7 pt) against text size, at most (cmmi7's letters are wider than 0.7 of
cmmi10's), and the ``\\scriptspace`` after a script."""
SCRIPT_SPACE = 0.5
ITALIC_CORRECTION = 1.08
"""The largest italic correction of a cmmi10 letter before a superscript (f's)."""

MATH_CHARS: dict[str, tuple[float, str]] = {
    "+": (7.78, "bin"), "-": (7.78, "bin"), "*": (5.01, "bin"), "=": (7.78, "rel"),
    "<": (7.78, "rel"), ">": (7.78, "rel"), ":": (2.78, "rel"), ",": (2.78, "punct"),
    ";": (2.78, "punct"), "(": (3.89, "open"), "[": (2.78, "open"), ")": (3.89, "close"),
    "]": (2.78, "close"), "|": (2.78, "ord"), "/": (5.01, "ord"), ".": (2.78, "ord"),
    "'": (4.41, "ord"),  # a superscript prime, after an italic correction "!": (2.78, "close"),
}
MATH_COMMANDS: dict[str, tuple[float, str]] = {
    "infty": (10.01, "ord"), "to": (10.01, "rel"), "times": (7.78, "bin"),
    "cdot": (2.78, "bin"), "sigma": (6.08, "ord"), "chi": (6.26, "ord"), "xi": (4.84, "ord"),
    "alpha": (6.44, "ord"), "beta": (6.19, "ord"), "lambda": (5.84, "ord"),
    "gamma": (5.18, "ord"), "mu": (6.03, "ord"), "phi": (5.96, "ord"), "pi": (5.71, "ord"),
    "sup": (15.07, "op"), "max": (18.62, "op"), "min": (16.12, "op"), "log": (12.79, "op"),
    "exp": (15.29, "op"), "tanh": (20.01, "op"), "arctan": (27.79, "op"), "ln": (8.34, "op"),
    "le": (7.78, "rel"), "ge": (7.78, "rel"), "prime": (2.75, "ord"), "_": (3.75, "ord"),
    "{": (5.01, "open"), "}": (5.01, "close"), "%": (8.34, "ord"), "&": (7.78, "ord"),
    "#": (8.34, "ord"), "$": (5.01, "ord"),
}
TEXT_COMMANDS: dict[str, float] = {
    "_": 3.75, "&": 7.78, "%": 8.34, "$": 5.01, "#": 8.34, "{": 5.01, "}": 5.01,
    "textbackslash": 5.01, "^": 5.01, "textasciitilde": 5.01,
}
SPACING = {("ord", "op"): THIN, ("op", "ord"): THIN, ("op", "op"): THIN,
           ("close", "op"): THIN, ("ord", "bin"): MEDIUM, ("close", "bin"): MEDIUM,
           ("bin", "ord"): MEDIUM, ("bin", "open"): MEDIUM, ("bin", "op"): MEDIUM,
           ("ord", "rel"): THICK, ("close", "rel"): THICK, ("op", "rel"): THICK,
           ("rel", "ord"): THICK, ("rel", "open"): THICK, ("rel", "op"): THICK,
           ("punct", "ord"): THIN, ("punct", "open"): THIN, ("punct", "op"): THIN,
           ("punct", "rel"): THIN, ("punct", "punct"): THIN, ("punct", "close"): THIN,
           ("op", "open"): 0.0}
"""The spaces TeX puts between atoms of these classes in text style (The TeXbook, ch. 18)."""
SWITCHES = {"small": 0.925, "footnotesize": 0.85, "scriptsize": 0.8, "scriptstyle": SCRIPT}
IGNORED = {"raggedright", "relax", "centering", "mathord", "leavevmode"}
UNKNOWN = 10.0
"""The width taken for a command these tables do not write (an overestimate)."""

TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)
"""A LaTeX token: a command, an escaped character, spaces or one character."""


@dataclass
class Measure:
    """A cell's width: its ``pieces`` (what it cannot break inside), each with whether a
    forced line break (``\\newline``) precedes it, and the glue between them."""

    pieces: list[tuple[float, bool]]
    glue: float

    @property
    def natural(self) -> float:
        """The width on one line (forced breaks aside)."""
        return sum(w for w, _ in self.pieces) + self.glue

    @property
    def longest_line(self) -> float:
        """The widest line between forced breaks."""
        lines = [0.0]
        for w, forced in self.pieces:
            if forced:
                lines.append(0.0)
            lines[-1] += w + (SPACE if lines[-1] else 0.0)
        return max(lines)

    @property
    def widest(self) -> float:
        """The widest piece: a column narrower than this overflows."""
        return max((w for w, _ in self.pieces), default=0.0)

    def lines(self, width: float, scale: float = 1.0) -> int:
        """How many lines the cell takes in a column ``width`` wide at ``scale``."""
        count, used = 1, 0.0
        for piece, forced in self.pieces:
            w = piece * scale
            if forced or (used > 0 and used + SPACE * scale + w > width):
                count += 1
                used = w
            else:
                used += (SPACE * scale if used > 0 else 0.0) + w
        return count


SPACE = 3.34
"""An interword space (at its natural width)."""


def _argument(tokens: Sequence[str], i: int) -> tuple[list[str], int]:
    """The argument at ``tokens[i]``: a braced group's tokens or one token, and the index
    after it."""
    if i >= len(tokens):
        return [], i
    if tokens[i] != "{":
        return [tokens[i]], i + 1
    depth, j = 1, i + 1
    while j < len(tokens) and depth:
        depth += {"{": 1, "}": -1}.get(tokens[j], 0)
        j += 1
    return list(tokens[i + 1:j - 1]), j


def _formula(tokens: Sequence[str], i: int) -> tuple[list[str], int]:
    """The tokens of a formula opened by the ``$`` before ``tokens[i]``, and the index after
    its closing ``$``."""
    depth, j = 0, i
    while j < len(tokens) and not (tokens[j] == "$" and depth == 0):
        depth += {"{": 1, "}": -1}.get(tokens[j], 0)
        j += 1
    return list(tokens[i:j]), j + 1


def _skip(name: str, tokens: Sequence[str], i: int) -> int:
    """The index after the arguments of a command that takes no width: ``\\hspace{..}``,
    ``\\end{..}``, ``\\begin{tabular}[t]{..}`` (a head of two lines)."""
    environment, i = _argument(tokens, i)
    if name == "begin" and i < len(tokens) and tokens[i] == "[":
        i = list(tokens).index("]", i) + 1
    if name == "begin" and "".join(environment) == "tabular":
        _, i = _argument(tokens, i)
    return i


class _Walker:
    """Measures LaTeX of the kind these tables write: text and math, the commands of
    :data:`MATH_COMMANDS` and :data:`TEXT_COMMANDS`, groups, scripts, ``\\mathrm``,
    ``\\texttt``, ``\\phantom``, ``\\sqrt`` and the places where a line may break. Size
    switches inside a cell (the parameters under a function's name) are taken at the size of
    the table, an overestimate: :func:`function_cell` never makes them larger."""

    def __init__(self) -> None:
        self.pieces: list[tuple[float, bool]] = [(0.0, False)]
        self.glue = 0.0

    def add(self, width: float) -> None:
        w, forced = self.pieces[-1]
        self.pieces[-1] = (w + width, forced)

    def brk(self, glue: float = 0.0, forced: bool = False) -> None:
        self.glue += glue
        self.pieces.append((0.0, forced))

    @property
    def natural(self) -> float:
        return sum(w for w, _ in self.pieces) + self.glue

    def text(self, tokens: Sequence[str], scale: float, font: str, breakable: bool) -> None:
        """Text mode: spaces, ``\\allowbreak`` and ``\\newline`` break a line (inside a
        box, nothing does)."""
        i = 0
        while i < len(tokens):
            token = tokens[i]
            i += 1
            if token == "{":
                inner, i = _argument(tokens, i - 1)
                self.text(inner, scale, font, breakable)
            elif token == "}":
                continue
            elif token == "$":
                inner, i = _formula(tokens, i)
                self.math(inner, scale, breakable)
            elif token.isspace():
                if breakable:
                    self.brk(SPACE * scale)
                else:
                    self.add(SPACE * scale)
            elif token.startswith("\\"):
                i = self.text_command(token[1:], tokens, i, scale, font, breakable)
            else:
                self.add((TYPEWRITER if font == "tt" else ROMAN.get(token, UNKNOWN) * KERNING)
                         * scale)
                following = tokens[i] if i < len(tokens) else ""
                if breakable and token == "-" and following.isalpha():
                    self.brk()  # an explicit hyphen may end a line

    def text_command(self, name: str, tokens: Sequence[str], i: int, scale: float, font: str,
                     breakable: bool) -> int:
        if name in ("newline", "\\", "allowbreak"):
            if breakable:
                self.brk(forced=name != "allowbreak")
        elif name in ("hspace", "vspace", "begin", "end"):
            i = _skip(name, tokens, i)
        elif name in ("texttt", "mathrm", "textrm", "mbox"):
            inner, i = _argument(tokens, i)
            self.text(inner, scale, "tt" if name == "texttt" else "rm",
                      breakable and name != "mbox")
        elif name == "phantom":
            inner, i = _argument(tokens, i)
            self.add(box(inner, scale, math=False))
        elif name in TEXT_COMMANDS:
            self.add((TYPEWRITER if font == "tt" else TEXT_COMMANDS[name]) * scale)
        elif name not in IGNORED and name not in SWITCHES:
            self.add(UNKNOWN * scale)
        return i

    def math(self, tokens: Sequence[str], scale: float, breakable: bool,
             script: bool = False) -> None:
        """A formula: its atoms with TeX's spaces between them (none around operators and
        relations in a ``script``); at its outer level a line may break after a binary
        operator or a relation."""
        formula = _Formula(self, scale, breakable)
        formula.spaced = not script
        i, stacked = 0, 0.0  # the width of the script just set, if any
        while i < len(tokens):
            token = tokens[i]
            i += 1
            stacked = 0.0 if token not in ("^", "_") else stacked
            if token == "{":
                inner, i = _argument(tokens, i - 1)
                formula.atom(box(inner, formula.size, math=True, script=formula.script)
                             / scale, "ord")
            elif token in ("^", "_"):
                inner, i = _argument(tokens, i)
                wide = box(inner, formula.size * SCRIPT, math=True, script=True)
                if token == "^" and formula.italic:  # TeX adds the letter's italic correction
                    wide += ITALIC_CORRECTION * scale
                # a subscript and a superscript of one atom stand one above the other
                self.add(max(0.0, wide - stacked) + (0.0 if stacked else SCRIPT_SPACE * scale))
                stacked = 0.0 if stacked else wide
            elif token.startswith("\\"):
                i = formula.command(token[1:], tokens, i)
            elif token in MATH_CHARS:
                formula.atom(*MATH_CHARS[token])
            elif token.isalpha():
                formula.atom(ITALIC.get(token, UNKNOWN), "ord")
                formula.italic = True
            elif not (token.isspace() or token == "}"):
                formula.atom(ROMAN.get(token, UNKNOWN), "ord")
        formula.end()


class _Formula:
    """The state of a formula being measured: the class of its last atom (for TeX's spaces:
    a binary operator after an operator, a relation, an opening or the start is unary) and
    its style."""

    def __init__(self, walker: _Walker, scale: float, breakable: bool):
        self.walker, self.scale, self.breakable = walker, scale, breakable
        self.previous, self.style = "start", 1.0
        self.spaced = True  # False in a script: no spaces around operators and relations
        self.italic = False  # whether the last atom is an italic letter
        self.left = 0.0  # the space before the last atom, if it is a binary operator

    @property
    def size(self) -> float:
        return self.scale * self.style

    @property
    def script(self) -> bool:
        """Whether the formula is set in script style (no spaces around operators)."""
        return not self.spaced or self.style != 1.0

    def atom(self, width: float, kind: str) -> None:
        self.italic = False
        if kind == "bin" and self.previous in ("start", "bin", "op", "rel", "open", "punct"):
            kind = "ord"
        if self.previous == "bin" and kind in ("rel", "close", "punct"):
            self.walker.add(-self.left)  # the operator before was not binary after all
            self.previous = "ord"
        text_style = self.spaced and self.style == 1.0
        space = SPACING.get((self.previous, kind), 0.0) if text_style else 0.0
        if kind == "op" and not text_style and self.previous != "start":
            space = THIN
        self.walker.add(space * self.scale)
        self.walker.add(width * self.size)
        if self.breakable and kind in ("bin", "rel"):
            self.walker.brk()
        self.left = space * self.scale if kind == "bin" else 0.0
        self.previous = kind

    def command(self, name: str, tokens: Sequence[str], i: int) -> int:
        if name in ("scriptstyle", "scriptscriptstyle"):
            self.style = SCRIPT
        elif name in ("mathrm", "text", "textrm", "mathit", "mbox", "phantom", "sqrt"):
            inner, i = _argument(tokens, i)
            inside = box(inner, self.size, math=name in ("phantom", "sqrt"),
                         script=self.script) / self.scale
            self.atom(inside + (10.01 * self.style if name == "sqrt" else 0.0), "ord")
        elif name == "allowbreak":
            if self.breakable:
                self.walker.brk()
        elif name in (",", ";"):
            self.walker.add((THIN if name == "," else THICK) * self.scale)
        elif name in MATH_COMMANDS:
            self.atom(*MATH_COMMANDS[name])
        elif name not in IGNORED:
            self.atom(UNKNOWN, "ord")
        return i

    def end(self) -> None:
        if self.previous == "bin":
            self.walker.add(-self.left)  # a trailing operator is not binary


def box(tokens: Sequence[str], scale: float, math: bool, script: bool = False) -> float:
    """The width of ``tokens`` set in a box (a phantom, a script, a group in a formula):
    nothing inside breaks."""
    walker = _Walker()
    if math:
        walker.math(tokens, scale, breakable=False, script=script)
    else:
        walker.text(tokens, scale, "rm", breakable=False)
    return walker.natural


def measure(latex: str) -> Measure:
    """The width of a cell, at 10 pt, as TeX would set it in Computer Modern (an estimate
    that errs on the wide side)."""
    walker = _Walker()
    walker.text(TOKEN.findall(latex), 1.0, "rm", breakable=True)
    return Measure(walker.pieces, walker.glue)


def width(latex: str) -> float:
    """The width of ``latex`` on one line, at 10 pt."""
    return measure(latex).natural
