"""How long a function takes on this machine, for ``actviz compare --cost``. Kept apart from
the analysis: a timing is a measurement of the machine, not a property of the function, and it
differs from run to run."""

from __future__ import annotations

import time

import numpy as np

from .catalog import Activation, get


def cost(act: Activation, baseline: Activation | None = None, repeats: int = 7,
         size: int = 100_000) -> float:
    """Time of f and f' together per element, relative to relu, on this machine: the median
    of ``repeats`` interleaved runs on ``size`` points in [-5, 5]."""
    baseline = baseline or get("relu")
    if act == baseline:
        return 1.0  # by definition, not by a measurement that would say 0.99 or 1.17
    x = np.linspace(-5.0, 5.0, size)
    ratios = []
    for _ in range(repeats):
        times = []
        for fn in (act, baseline):
            start = time.perf_counter()
            fn.evaluate(x, 1)
            times.append(time.perf_counter() - start)
        ratios.append(times[0] / times[1])
    return float(np.median(ratios))
