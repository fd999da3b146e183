r"""LaTeX tables that go into a paper as they are: booktabs alone, numbers aligned on the decimal
point, laid out to fit a two-column article.

Where a table goes: a value table, a difference, and a comparison or depth table of up to
three functions are laid out for one column (``\columnwidth``, 229.5 pt in
``\documentclass[twocolumn]{article}``: ``\begin{table}``) where they fit there; a comparison or
depth table of more functions, and any table that needs it, for the width of the page
(``\textwidth``, 469 pt: ``\begin{table*}``, said in the file's last line), with a second
layout for a one-column article's 345 pt that TeX picks by ``\linewidth``; at most about
500 pt high, so that a caption fits too. What does not fit side by side comes in blocks under
each other (a value table's functions, a comparison's functions or quantities), in a smaller
type (``\small``, ``\footnotesize``, ``\scriptsize``) where that saves stacking.

Layouts are chosen from the widths of the cells, estimated here from the metrics of Computer
Modern at 10 pt (measured with ``\settowidth``; the tests compare the estimates with TeX's own
widths and compile every default table). Columns that wrap (``p``) are given as shares of
``\linewidth``, so a table also fills a wider float; no word is hyphenated
(``\hyphenpenalty=10000``), and a cell breaks only at spaces, after a comma or after a binary
operator or a relation of its formula.

Numbers align on the decimal point without a package: a column of numbers is two columns,
``r@{}l``, the integer part right-aligned and the point, fraction and exponent left-aligned
after it; in a column that wraps text, each number is preceded by a ``\phantom`` of the sign
and integer digits it lacks against the column's widest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from ._align import Column, parts
from ._numbers import format_number, latex_number

if TYPE_CHECKING:
    from .catalog import Activation
    from .tables import Grid

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


# --- cells -----------------------------------------------------------------------------------

def latex_text(text: str) -> str:
    for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
        text = text.replace(char, "\\" + char if char != "\\" else r"\textbackslash{}")
    return text.replace("^", r"\^{}").replace("|", r"$|$")


CELL_TOKEN = re.compile(r"(?P<num>-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(?P<inf>-?inf\b)|(?P<arrow>->)"
                        r"|(?P<word>[A-Za-z][A-Za-z-]*)|(?P<space>\s+)|(?P<other>.)")


def _number_tex(token: str) -> str:
    mantissa, _, exponent = token.partition("e")
    return mantissa + (f"\\times10^{{{int(exponent)}}}" if exponent else "")


MATH: dict[str | None, Callable[[str], str]] = {
    "num": _number_tex,
    "inf": lambda token: token.replace("inf", r"\infty"),
    "arrow": lambda token: r"\to",
}


def latex_cell(text: str) -> str:
    r"""A table cell as LaTeX: numbers, intervals and formulas in math mode (with ``\infty``,
    ``\to`` and ``\times10^{-5}``), words as text between them, so that a narrow column can
    break the line there: ``1 on (0, 5]`` -> ``$1$ on $(0, 5]$``. Needs no package."""
    smooth = re.fullmatch(r"C(\d|-inf)", text)
    if smooth:
        return "$C^{" + smooth[1].replace("-inf", r"\infty") + "}$"
    if text == "-":
        return "--"
    cells: list[tuple[bool, str]] = []  # (math?, text)
    words = False  # inside parentheses of words: "(range edge)"
    for match in CELL_TOKEN.finditer(text):
        kind, token = match.lastgroup, match[0]
        if kind == "word" and token != "x":
            cells.append((False, latex_text(token)))
        elif kind == "space":
            cells.append((cells[-1][0] if cells else False, " "))
        elif kind in MATH:
            cells.append((True, MATH[kind](token)))
        elif token == ";" or (token == ")" and words):
            cells.append((False, token))
            words = False
        elif token == "(" and not _math_follows(text, match.end()):
            cells.append((False, token))
            words = True
        elif token == ",":
            cells.append((True, ",\\allowbreak"))  # a narrow column may break a pair
        else:
            cells.append((True, latex_text(token) if token in "&%$#_{}|" else token))
    return _join(cells)


def _math_follows(text: str, position: int) -> bool:
    """Whether the text after an opening parenthesis is a number or x (an interval or a
    point), not words (``(range edge)``)."""
    return bool(re.match(r"\s*(-?\d|-?inf|x\b)", text[position:]))


def _join(cells: list[tuple[bool, str]]) -> str:
    """Math runs wrapped in ``$...$``, with the spaces at their edges moved outside."""
    out, run = [], []
    for in_math, token in [*cells, (False, "")]:
        if in_math:
            run.append(token)
            continue
        if run:
            body = "".join(run)
            core = body.strip()
            out.append(body[:len(body) - len(body.lstrip())] + f"${core}$"
                       + body[len(body.rstrip()):])
            run = []
        out.append(token)
    return "".join(out)


def tex_value(value: Any) -> str:
    return value if isinstance(value, str) else format_number(value)


OPERATORS = {r"\tanh", r"\exp", r"\arctan", r"\log", r"\sin", r"\cos", r"\sinh", r"\cosh"}
"""Symbols that are a function's name as it is printed (an operator), kept as heads."""


def function_name(act: Activation) -> str:
    r"""A function's name in a head, never mistakable for a symbol of the rows
    (``$\sigma_w$`` below ``$\sigma$``): its symbol where that is a name (``$\mathrm{ReLU}$``,
    ``$\tanh$``), else its own name upright (``$\mathrm{sigmoid}$``,
    ``$\mathrm{log\_sigmoid}$``), or for a formula the formula in typewriter type, breakable
    after its operators."""
    d = act.definition
    if re.fullmatch(r"\\mathrm\{[A-Za-z][A-Za-z0-9]*\}", d.symbol) or d.symbol in OPERATORS:
        return f"${d.symbol}$"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]+", d.name):  # not the formula x
        return "$\\mathrm{" + d.name.replace("_", "\\_") + "}$"
    body = latex_text(d.name).replace("$|$", "|")
    for op in ("*", "+", "/", ",", ";"):
        body = body.replace(op, op + "\\allowbreak ")
    return "\\texttt{" + body.replace("\\allowbreak  ", "\\allowbreak ") + "}"


def function_cell(act: Activation) -> str:
    """A function's name for a head that may be narrow (:func:`function_name`), then on a
    line of its own, small, the parameters that differ from the (torch) defaults, breakable
    at ``_``."""
    d = act.definition
    defaults = d.defaults()
    changed = [latex_text(k).replace("\\_", "\\_\\allowbreak ") + "${}=" + tex_value(v) + "$"
               for k, v in act.params.items() if k not in defaults or v != defaults[k]]
    head = function_name(act)
    return head + ("\\newline{\\footnotesize " + ", ".join(changed) + "}" if changed else "")


# --- numbers aligned on the point ------------------------------------------------------------

def split_number(text: str) -> tuple[str, str]:
    r"""A number as the two cells of a column ``r@{}l``, which align it on the point: the
    integer part (``$-0$``, ``$\infty$``) and the rest (``$.5$``,
    ``$.06{}\times10^{-9}$``, empty for an integer)."""
    p = parts(text)
    if p is None:
        return latex_number(text), ""
    integer = {"inf": "$\\infty$", "-inf": "$-\\infty$", "nan": "NaN"}.get(
        p.integer, f"${p.integer}$")
    rest = p.fraction + ("" if p.exponent is None else f"{{}}\\times10^{{{p.exponent}}}")
    return integer, f"${rest}$" if rest else ""


def pad_integer(text: str, column: Column) -> str:
    r"""The number ``text`` for a left-aligned column: a ``\phantom`` of the sign and
    integer digits it lacks against the column's widest, then ``latex_number(text)``."""
    cell = latex_number(text)
    p = parts(text)
    if p is None or p.special:
        return cell
    sign = p.integer.startswith("-")
    missing = "$-$" * (column.negative and not sign) + "0" * (
        column.integer_digits - len(p.integer.lstrip("-")))
    return ("\\phantom{" + missing + "}" if missing else "") + cell


def number_width(column: Column) -> tuple[float, float]:
    """The widths of the integer parts and of the rest of a column's numbers as
    :func:`split_number` writes them, at 10 pt (at most)."""
    integer = width("$" + "-" * column.negative + "0" * column.integer_digits + "$")
    special = {"inf": "$\\infty$", "-inf": "$-\\infty$", "nan": "NaN"}
    integer = max([integer, *(width(special[s]) for s in column.specials)])
    rest = width("$" + "0" * column.plain_digits + "$") if column.plain_digits else 0.0
    if column.exponent_digits:
        rest = max(rest, width("$." + "0" * column.scientific_digits + "{}\\times10^{"
                               + "-" * column.exponent_minus + "0" * column.exponent_digits
                               + "}$"))
    return integer, rest


# --- layouts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """How a table is set: its size, its blocks (the columns of each, after the first
    column, which every block repeats), the width of each position of the tabular in pt
    (paragraph columns; none for columns of numbers), its estimated height and the width it
    was laid out for."""

    size: Size
    blocks: list[list[int]]
    widths: list[float]
    height: float
    target: float


def _blocks(groups: Sequence[list[int]], count: int) -> list[list[int]]:
    """The groups in ``count`` blocks (or fewer) of nearly equal numbers of groups, in
    order."""
    per = math.ceil(len(groups) / count)
    return [[i for group in groups[k:k + per] for i in group]
            for k in range(0, len(groups), per)]


def _pack(units: Sequence[list[int]], widths: Sequence[float], budget: float
          ) -> list[list[int]]:
    """The units (lists of columns) in order, as few blocks as hold them within ``budget``
    (each unit fits alone)."""
    blocks: list[list[int]] = []
    used = budget
    for unit in units:
        need = sum(widths[j] for j in unit)
        if used + need > budget:
            blocks.append([])
            used = 0.0
        blocks[-1] += unit
        used += need
    return blocks


def _joint(units: Sequence[list[int]], widths: Sequence[float], budget: float
           ) -> list[list[int]] | None:
    """Units packed into blocks whose columns, which the blocks share (a position of the
    tabular is as wide as its widest cell in any block), fit ``budget`` together; None if
    they cannot."""
    room = budget
    while room > 0:
        blocks = _pack(units, widths, room)
        count = max(len(block) for block in blocks)
        joint = sum(max((widths[b[k]] for b in blocks if k < len(b)), default=0.0)
                    for k in range(count))
        if joint <= budget:
            return blocks
        if all(len(block) == 1 for block in blocks):
            return None
        room = min(room - 1.0, room - (joint - budget))
    return None


# value tables: right-aligned columns of numbers, the x column repeated in each block


def value_layout(heads: Sequence[str], columns: Sequence[Column], groups: Sequence[list[int]],
                 rows: int, targets: Sequence[float] = (COLUMN_WIDTH, TEXT_WIDTH)) -> Layout:
    """A value table's layout: in a column if it fits there, else across the page; at the
    largest size, and in it the fewest blocks, that fit the width and the float's height
    (failing the height: the largest size that fits the width). ``groups`` are each
    function's columns, kept together in a block where they fit (the x column, 0, is in
    every block); a function whose columns do not fit side by side is split."""
    natural = [max(measure(h).longest_line, sum(number_width(c)))
               for h, c in zip(heads, columns, strict=True)]
    fallback: Layout | None = None
    for target in targets:
        for size in SIZES:
            scaled = [w * size.scale + 2 * TABCOLSEP for w in natural]
            budget = target - SLACK - scaled[0]
            units = [g for group in groups for g in (
                [group] if sum(scaled[j] for j in group) <= budget else [[j] for j in group])]
            if any(scaled[u[0]] > budget for u in units):
                continue
            blocks = _joint(units, scaled, budget)
            if blocks is None:
                continue
            height = len(blocks) * (rows + 1) * size.line + (len(blocks) + 2) * RULES
            layout = Layout(size, blocks, [], height, target)
            if height <= FLOAT_HEIGHT:
                return layout
            fallback = fallback or layout
    return fallback or Layout(SIZES[-1], [[j] for group in groups for j in group], [],
                              math.inf, targets[-1])


# tables whose cells wrap: compare, depth, diff


def paragraph_layout(cells: Sequence[Sequence[str]], groups: Sequence[list[int]],
                     target: float, blocks: bool = True) -> Layout | None:
    """The fewest blocks, and for them the largest size, in which the table of ``cells``
    (rows of LaTeX, the heads first, the labels in the first column) fits ``target`` wide
    and the float's height; if none fits the height, the lowest of those that fit the width;
    None if none does. ``groups`` are the other columns, in the order they go into blocks."""
    measures = [[measure(row[j]) for row in cells] for j in range(len(cells[0]))]
    least = [max(m.widest for m in column) for column in measures]
    most = [max(m.natural for m in column) for column in measures]
    best: Layout | None = None
    for count in range(1, (len(groups) if blocks else 1) + 1):
        parts_ = _blocks(groups, count)
        positions = [[0, *block] for block in parts_]
        for size in SIZES:
            widths = _widths(positions, least, most, size.scale, target - SLACK)
            if widths is None:
                continue
            height = _height(measures, positions, widths, size)
            layout = Layout(size, parts_, widths, height, target)
            if height <= FLOAT_HEIGHT:
                return layout
            if best is None or height < best.height:
                best = layout
    return best


def _widths(positions: Sequence[list[int]], least: Sequence[float], most: Sequence[float],
            scale: float, budget: float) -> list[float] | None:
    """The width of each position of the tabular (the blocks share them): at least the
    widest piece of every cell there, the room left shared in proportion to what they would
    take on one line; None if they do not fit ``budget``."""
    count = max(len(p) for p in positions)
    low = [max(least[p[k]] for p in positions if k < len(p)) * scale for k in range(count)]
    high = [max(max(most[p[k]] for p in positions if k < len(p)) * scale, low[k])
            for k in range(count)]
    free = budget - GAP * (count - 1)
    if sum(low) > free:
        return None
    if sum(high) <= free:
        return high
    spare = free - sum(low)
    want = sum(h - lo for h, lo in zip(high, low, strict=True))
    return [lo + spare * (h - lo) / want for h, lo in zip(high, low, strict=True)]


def _height(measures: Sequence[Sequence[Measure]], positions: Sequence[list[int]],
            widths: Sequence[float], size: Size) -> float:
    total = (len(positions) * 2 + 1) * RULES
    for columns in positions:
        for r in range(len(measures[0])):
            lines = max(measures[j][r].lines(widths[k], size.scale)
                        for k, j in enumerate(columns))
            total += lines * size.line
    return total


RAGGED = "\\raggedright\\hspace{0pt}"
"""Left-aligned, unjustified text in a narrow paragraph column (safe because the rows end
with ``\\tabularnewline``, not ``\\\\``, which \\raggedright redefines)."""


def write_paragraphs(out: IO[str], cells: Sequence[Sequence[str]], layout: Layout) -> None:
    """The table of ``cells`` in ``layout``: paragraph columns as shares of ``\\linewidth``,
    blocks under each other."""
    size = layout.size
    count = len(layout.widths)
    gaps = GAP * (count - 1)
    free = layout.target - SLACK - gaps
    spec = f"@{{\\hspace{{{format_number(GAP)}pt}}}}".join(
        f"p{{\\dimexpr(\\linewidth-{format_number(gaps)}pt)*{math.floor(1000 * w / free)}"
        f"/1000\\relax}}" for w in layout.widths)
    out.write("{" + size.command + "\\hyphenpenalty=10000\n")
    out.write(f"\\begin{{tabular}}{{@{{}}{spec}@{{}}}}\n\\toprule\n")
    for n, block in enumerate(layout.blocks):
        columns = [0, *block]
        pad = [""] * (count - len(columns))
        if n:
            out.write("\\midrule\n")
        for r, row in enumerate(cells):
            line = [RAGGED + _sized(row[j], size) if row[j] else "" for j in columns]
            out.write(" & ".join(line + pad) + " \\tabularnewline\n")
            if r == 0:
                out.write("\\midrule\n")
    out.write("\\bottomrule\n\\end{tabular}}\n")


def write_fitting(out: IO[str], layout: Layout, narrow: Layout | None,
                  write: Callable[[IO[str], Layout], None], comments: Sequence[str] = ()
                  ) -> None:
    """A table in ``layout``; one laid out for the page of a two-column article also in
    ``narrow``, for the 345 pt of a one-column article, chosen by TeX from ``\\linewidth``;
    then the ``comments`` and, for a table wider than a column, a line that says so."""
    if layout.target > COLUMN_WIDTH and narrow is not None:
        out.write(f"\\ifdim\\linewidth<{format_number(layout.target - SLACK)}pt% "
                  f"a one-column page: {format_number(narrow.target)} pt\n")
        write(out, narrow)
        out.write("\\else% the page of a two-column article\n")
        write(out, layout)
        out.write("\\fi\n")
    else:
        write(out, layout)
    out.write("".join(f"% {line}\n" for line in comments))
    out.write(fits(layout.target))


def _sized(cell: str, size: Size) -> str:
    """The parameters under a function's name one size below a table in small type, never
    larger than the table's own."""
    if size.scale < 0.9:
        return cell.replace("\\newline{\\footnotesize ", "\\newline{\\scriptsize ")
    return cell


def fits(target: float) -> str:
    """The comment that says that a table needs the width of the page (a table without it
    fits a column)."""
    if target <= COLUMN_WIDTH:
        return ""
    return ("% actviz: fits \\textwidth, not a column: in a two-column article "
            "\\begin{table*}...\\input{this file}...\\end{table*}\n")


def grid_cells(grid: Grid) -> list[list[str]]:
    """A compare or depth table as rows of LaTeX cells, heads first, whichever way round, its
    numbers aligned on the point. Quantities no record has (all "-") are left out unless
    they were chosen."""
    keep = [(latex, cells) for _, latex, cells in grid.rows
            if grid.chosen or any(c != "-" for c in cells)]
    heads = [function_cell(act) for act in grid.functions]
    if grid.functions_as == "rows":
        top = ["", *(latex for latex, _ in keep)]
        body = [[head, *(cells[i] for _, cells in keep)] for i, head in enumerate(heads)]
    else:
        top = ["", *heads]
        body = [[latex, *cells] for latex, cells in keep]
    return [top, *aligned(body)]


def aligned(body: Sequence[Sequence[str]]) -> list[list[str]]:
    """Rows of text cells (a LaTeX label first) as LaTeX, the plain numbers of each column
    aligned on the point (:func:`pad_integer`), the rest through :func:`latex_cell`."""
    count = len(body[0]) if body else 0
    columns = [Column().add_all([row[j] for row in body]) for j in range(count)]
    return [[row[0], *(pad_integer(c, columns[j]) if parts(c) is not None else latex_cell(c)
                       for j, c in enumerate(row) if j)] for row in body]


def write_grid(out: IO[str], grid: Grid) -> None:
    """A compare or depth table: for up to three functions in a column if it fits there,
    else across the page (and for a one-column page)."""
    cells = grid_cells(grid)
    groups = [[j] for j in range(1, len(cells[0]))]
    functions = len({act.spec for act in grid.functions})
    layout = None
    for target in ([COLUMN_WIDTH] if functions <= 3 else []) + [TEXT_WIDTH]:
        layout = paragraph_layout(cells, groups, target) or crammed(cells, groups, target)
        if layout.height <= FLOAT_HEIGHT:
            break
    assert layout is not None
    narrow = paragraph_layout(cells, groups, ONE_COLUMN) or crammed(cells, groups, ONE_COLUMN)
    notes = grid.grouped_notes()
    write_fitting(out, layout, narrow, lambda o, lay: write_paragraphs(o, cells, lay),
                  ["Notes:", *notes] if notes else [])


def crammed(cells: Sequence[Sequence[str]], groups: Sequence[list[int]], target: float
             ) -> Layout:
    """When nothing fits: one column per block, in the smallest type."""
    size = SIZES[-1]
    least = [max(measure(row[j]).widest for row in cells) * size.scale
             for j in range(len(cells[0]))]
    return Layout(size, [list(g) for g in groups], [least[0], max(least[1:], default=0.0)],
                  math.inf, target)
