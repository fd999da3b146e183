"""The rows of ``actviz compare``: their names, which are the keys of its JSON (``gaussian.gain``
is the key ``gain`` of ``gaussian``), a sentence on each for ``compare --help``, and the check of
``--rows``. Data only, no numerics: the option declarations read it without loading the
analysis; :data:`actviz.tables.ROWS` computes the rows, in this order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._suggest import did_you_mean
from .errors import ParameterError

ROWS: dict[str, str] = {
    "output_range": "the lowest and highest f on the range, with [ ] where f takes the end and "
                    "( ) where it only approaches it (one range per output for crelu)",
    "bounds": "the limits of f as x -> -inf and as x -> +inf ('none' where f has no limit)",
    "f0": "f(0)",
    "df0": "f'(0), at a kink the value PyTorch's autograd returns",
    "monotonic": "whether f never decreases on the range, jumps included",
    "smoothness": "discontinuous, C0 (a corner), C1, C2 or C-inf, from the kinks",
    "zero_centred": "whether E[f(z)] = 0 for a standard normal z",
    "lipschitz": "the Lipschitz constant over the reals: sup |f'|, or inf where f jumps",
    "sup_slope": "sup |f'| over the reals, jumps left out",
    "max_gradient": "the largest f' on the range and where: at a point, on a plateau, at the "
                    "range edge, or a limit not reached",
    "minima": "every local minimum (x, f(x)) on the range",
    "saturation": "the tails, reaching the range edge, where f' -> 0 and |f'| is below the "
                  "saturation threshold",
    "low_gradient": "the other stretches where |f'| is below the threshold but not 0 "
                    "(leaky_relu's 0.01 slope)",
    "dead": "the intervals where f' is exactly 0",
    "kinks": "the points where f' or a higher derivative jumps",
    "jumps": "the points where f jumps",
    "gaussian.mean": "E[f(z)] for z ~ N(0, 1)",
    "gaussian.var": "Var[f(z)] for z ~ N(0, 1)",
    "gaussian.grad_sq": "E[f'(z)^2] for z ~ N(0, 1)",
    "gaussian.gain": "the forward gain 1/sqrt(E[f(z)^2]), which keeps the signal's variance "
                     "through a layer",
    "gains.backward": "the backward gain 1/sqrt(E[f'(z)^2]), which keeps the gradient's "
                      "('none' where f jumps)",
    "gains.edge_of_chaos": "the sigma_w of the edge of chaos at sigma_b = 0, as actviz depth "
                           "finds it ('none' where there is none)",
    "gains.torch": "torch.nn.init.calculate_gain, where PyTorch has one",
    "vector": "the vector a vector function (softmax) was evaluated on; only for those",
    "cost": "the time of f and f' relative to relu on this machine; only with --cost",
}
"""Every row of ``actviz compare`` by name, in order, with what it says (a sentence each)."""

GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(name for name in ROWS if name.startswith(group + "."))
    for group in ("gaussian", "gains")
}
"""Names that stand for several rows: the keys of the JSON objects ``gaussian`` and ``gains``."""


def check_rows(value: Any) -> tuple[str, ...]:
    """The rows named by ``value``: names separated by commas (``f0,df0,gaussian``) or a list
    of them, a group name standing for its rows, in the order given, each once."""
    if isinstance(value, str):
        items: Sequence[Any] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise ParameterError(f"rows must be names separated by commas, got {value!r}")
    if not items:
        raise ParameterError("rows must name at least one row, such as f0,df0")
    rows: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ParameterError(f"rows must be names of rows, got {item!r}")
        name = item.strip().lower().replace("-", "_")
        if not name:
            raise ParameterError("rows must be names separated by commas, got an empty name "
                                 f"in {value!r}")
        if name not in ROWS and name not in GROUPS:
            hint = did_you_mean(name, [*ROWS, *GROUPS])
            raise ParameterError(f"unknown row {item.strip()!r}.{hint} The rows are: "
                                 + ", ".join([*ROWS, *GROUPS]))
        for row in GROUPS.get(name, (name,)):
            if row in rows:
                raise ParameterError(f"rows names '{row}' twice")
            rows.append(row)
    return tuple(rows)


def rows_help(width: int = 96) -> str:
    """Each row's name and sentence, for ``compare --help`` (a block click keeps as it is)."""
    import textwrap

    name_width = max(map(len, ROWS)) + 2
    lines = ["\b", "Rows (--rows takes their names, the keys of the JSON; gaussian and gains "
             "stand", "for their rows):"]
    for name, text in ROWS.items():
        wrapped = textwrap.wrap(text, width - name_width - 2)
        lines.append(f"  {name.ljust(name_width)}{wrapped[0]}")
        lines += [" " * (name_width + 2) + more for more in wrapped[1:]]
    return "\n".join(lines)
