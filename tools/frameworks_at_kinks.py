"""Measure what PyTorch, Keras 3 and JAX return at the kinks of actviz's catalog, and compare
it with actviz's flavors. A developer's oracle, not a test: it needs the frameworks,

    pip install torch==2.13.0 jax jaxlib keras
    python tools/frameworks_at_kinks.py            # the table, then the mismatches (exit 1)

``tools/frameworks_at_kinks.txt`` is its output with torch 2.13, JAX 0.10.2 and Keras 3.15.1,
the measurements behind the catalog's tables and tests/test_flavors.py.

For each spec below and each kink x of ``actviz.get(spec)`` it evaluates, in float64, f(x),
f'(x) and f''(x) by the framework's autograd (f'' by nested autograd: ``jax.grad(jax.grad(f))``,
``torch.autograd.grad(..., create_graph=True)`` twice), and f' 1e-9 away on each side of x
(whether the framework's kinks are where actviz's are). The frameworks' functions are called
with the parameters actviz resolved for that flavor. Keras runs on its JAX backend (the keras
flavor's reference); another process runs Keras on its PyTorch backend, the torch flavor's
source for the functions PyTorch lacks (sparse_sigmoid, relu with Keras's parameters). A
framework without the function shows '-', and actviz's flavor must then give the torch
flavor's values.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

SPECS = [
    "relu", "relu:max_value=3", "relu:threshold=1", "relu:negative_slope=0.2,max_value=3",
    "relu:negative_slope=0.2,threshold=1,max_value=3",
    "relu:negative_slope=-0.5,threshold=0.5,max_value=2", "relu:negative_slope=0.2,max_value=6",
    "relu:threshold=1,max_value=1.5", "relu:negative_slope=1,max_value=3", "relu6",
    "leaky_relu", "leaky_relu:negative_slope=0.2", "leaky_relu:negative_slope=2",
    "leaky_relu:negative_slope=1", "prelu", "prelu:weight=0", "prelu:weight=0.25", "rrelu",
    "hardtanh", "hardtanh:min_val=-2,max_val=3", "elu", "elu:alpha=0.5", "elu:alpha=3",
    "elu:alpha=0", "celu", "celu:alpha=2", "celu:alpha=3", "celu:alpha=0.1", "selu",
    "softshrink", "softshrink:lambd=1", "softshrink:lambd=0", "hardshrink", "hardshrink:lambd=1",
    "threshold", "threshold:threshold=2,value=-1", "threshold:threshold=1,value=1",
    "hard_sigmoid", "hard_swish", "softsign", "sparse_plus", "sparse_sigmoid", "relu_squared",
    "binary_step", "sign", "elish", "isrlu",
]
INF = math.inf
KNOWN = {
    ("celu:alpha=0.1", "torch", 1): "PyTorch's celu backward is off by 1.5e-8 relative for "
    "every x <= 0 when 1/alpha is not a power of 2 (0.999999985 at 0, in float64); actviz "
    "keeps the exact value",
}
"""Where a framework's value is not a convention but a rounding, and actviz stays exact."""
SPECS_BY_ACT: dict[tuple, str] = {}
"""The spec of SPECS that made each activation (filled by main)."""


# --- the frameworks' functions, by actviz name, called with actviz's resolved parameters ----

def torch_functions() -> dict[str, Callable[[Any, dict], Any]]:
    import torch
    import torch.nn.functional as F

    def prelu(x, p):
        return F.prelu(x.reshape(1), torch.tensor([p["weight"]], dtype=torch.float64))[0]

    return {
        "relu": lambda x, p: F.relu(x) if _plain_relu(p) else None,
        "relu6": lambda x, p: F.relu6(x),
        "leaky_relu": lambda x, p: F.leaky_relu(x, p["negative_slope"]),
        "prelu": prelu,
        "rrelu": lambda x, p: F.rrelu(x, p["lower"], p["upper"], training=False),
        "hardtanh": lambda x, p: F.hardtanh(x, p["min_val"], p["max_val"]),
        "elu": lambda x, p: F.elu(x, p["alpha"]),
        "celu": lambda x, p: F.celu(x, p["alpha"]),
        "selu": lambda x, p: F.selu(x),
        "softshrink": lambda x, p: F.softshrink(x, p["lambd"]),
        "hardshrink": lambda x, p: F.hardshrink(x, p["lambd"]),
        "threshold": lambda x, p: F.threshold(x, p["threshold"], p["value"]),
        "hard_sigmoid": lambda x, p: F.hardsigmoid(x),
        "hard_swish": lambda x, p: F.hardswish(x),
        "softsign": lambda x, p: F.softsign(x),
        "relu_squared": lambda x, p: F.relu(x) ** 2,  # PyTorch has none: relu(x)**2
        "sign": lambda x, p: torch.sign(x),
    }


def keras_functions() -> dict[str, Callable[[Any, dict], Any]]:
    import keras

    K = keras.activations

    def relu(x, p):
        cap = None if p["max_value"] == INF else p["max_value"]
        return K.relu(x, negative_slope=p["negative_slope"], max_value=cap,
                      threshold=p["threshold"])

    layer = keras.layers.PReLU()  # keras.activations has no prelu: the layer
    layer.build(())

    def prelu(x, p):
        layer.alpha.assign(p["weight"])
        return layer(x)

    return {
        "relu": relu,
        "relu6": lambda x, p: K.relu6(x),
        "leaky_relu": lambda x, p: K.leaky_relu(x, p["negative_slope"]),
        "prelu": prelu,
        "hardtanh": lambda x, p: K.hard_tanh(x) if _unit(p) else None,
        "elu": lambda x, p: K.elu(x, p["alpha"]),
        "celu": lambda x, p: K.celu(x, p["alpha"]),
        "selu": lambda x, p: K.selu(x),
        "softshrink": lambda x, p: K.soft_shrink(x, p["lambd"]),
        "hardshrink": lambda x, p: K.hard_shrink(x, p["lambd"]),
        "threshold": lambda x, p: K.threshold(x, p["threshold"], p["value"]),
        "hard_sigmoid": lambda x, p: K.hard_sigmoid(x),
        "hard_swish": lambda x, p: K.hard_silu(x),
        "softsign": lambda x, p: K.softsign(x),
        "sparse_plus": lambda x, p: K.sparse_plus(x),
        "sparse_sigmoid": lambda x, p: K.sparse_sigmoid(x),
    }


def jax_functions() -> dict[str, Callable[[Any, dict], Any]]:
    import jax

    nn = jax.nn
    return {
        "relu": lambda x, p: nn.relu(x) if _plain_relu(p) else None,
        "relu6": lambda x, p: nn.relu6(x),
        "leaky_relu": lambda x, p: nn.leaky_relu(x, p["negative_slope"]),
        "hardtanh": lambda x, p: nn.hard_tanh(x) if _unit(p) else None,
        "elu": lambda x, p: nn.elu(x, p["alpha"]),
        "celu": lambda x, p: nn.celu(x, p["alpha"]),
        "selu": lambda x, p: nn.selu(x),
        "hard_sigmoid": lambda x, p: nn.hard_sigmoid(x),
        "hard_swish": lambda x, p: nn.hard_silu(x),
        "softsign": lambda x, p: nn.soft_sign(x),
        "sparse_plus": lambda x, p: nn.sparse_plus(x),
        "sparse_sigmoid": lambda x, p: nn.sparse_sigmoid(x),
    }


def _plain_relu(p: dict) -> bool:
    return (p["negative_slope"], p["max_value"], p["threshold"]) == (0.0, INF, 0.0)


def _unit(p: dict) -> bool:
    return (p["min_val"], p["max_val"]) == (-1.0, 1.0)


# --- autograd, f'' by nested autograd ---------------------------------------------------------

def jax_derivatives(fn: Callable, x: float) -> tuple[float, float, float | str]:
    import jax
    import jax.numpy as jnp

    def f(t):
        return jnp.asarray(fn(t)).reshape(())

    d1 = jax.grad(f)
    return float(f(jnp.float64(x))), float(d1(jnp.float64(x))), float(
        jax.grad(d1)(jnp.float64(x)))


def torch_derivatives(fn: Callable, x: float) -> tuple[float, float, float | str]:
    import torch

    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(t).reshape(())
    (d1,) = torch.autograd.grad(y, t, create_graph=True)
    try:
        (d2,) = torch.autograd.grad(d1, t, allow_unused=True) if d1.requires_grad else (None,)
    except RuntimeError:  # no double backward (hardsigmoid_backward)
        d2 = "no 2nd backward"
    else:
        d2 = 0.0 if d2 is None else float(d2)
    return float(y.detach()), float(d1.detach()), d2


def measure(framework: str) -> dict[str, Any]:
    """{spec: {x: [f, f', f'', f'(x-), f'(x+)]}} for every spec the framework has."""
    import actviz

    if framework == "torch":
        functions, derivatives = torch_functions(), torch_derivatives
    else:
        functions = keras_functions() if framework.startswith("keras") else jax_functions()
        derivatives = jax_derivatives if framework in ("jax", "keras") else torch_derivatives
    flavor = "torch" if framework == "keras/torch" else framework
    out: dict[str, Any] = {}
    for spec in SPECS:
        act = actviz.get(spec, flavor=flavor)
        make = functions.get(act.name)
        if make is None:
            continue
        params = act.params
        if make(_probe(framework), params) is None:  # not with these parameters
            continue
        rows = {}
        for kink in act.kinks:
            x = kink.x
            row = list(derivatives(lambda t, make=make, params=params: make(t, params), x))
            for side in _sides(x):
                row.append(derivatives(lambda t, make=make, params=params: make(t, params),
                                       side)[1])
            rows[repr(x)] = row
        out[spec] = rows
    return out


def _sides(x: float) -> tuple[float, float]:
    """Points just left and right of x: far enough that x - 3 or x + 1 inside a framework's
    formula does not round back onto a kink, and no subnormal (XLA on a CPU flushes those to
    0, so jax.nn.relu'(5e-324) is 0)."""
    h = 1e-9 * max(1.0, abs(x))
    return x - h, x + h


def _probe(framework: str):
    if framework in ("jax", "keras"):
        import jax.numpy as jnp

        return jnp.float64(0.5)
    import torch

    return torch.tensor(0.5, dtype=torch.float64)


def _setup(framework: str) -> None:
    if framework.startswith("keras"):
        os.environ["KERAS_BACKEND"] = "torch" if framework == "keras/torch" else "jax"
    if framework in ("jax", "keras"):
        import jax

        jax.config.update("jax_enable_x64", True)
    if framework.startswith("keras"):
        import keras

        keras.config.set_floatx("float64")


def _in_process(framework: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, __file__, "--measure", framework],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


# --- the comparison with actviz ----------------------------------------------------------------

def _show(v: Any) -> str:
    return v if isinstance(v, str) else f"{v:.17g}"


def compare(measured: dict[str, dict[str, Any]]) -> list[str]:
    """Print every measured row beside actviz's f' and f''; return the disagreements."""
    import actviz

    problems: list[str] = []
    d1, d2 = "f'", "f''"
    print(f"{'spec':50} {'x':>5}  {'framework':12} {'f':>8} {d1:>20} {d2:>20}  "
          f"{d1 + '(x-)':>10} {d1 + '(x+)':>10}   actviz {d1}, {d2}")
    for spec in SPECS:
        for flavor, framework in (("torch", "torch"), ("torch", "keras/torch"),
                                  ("keras", "keras"), ("jax", "jax")):
            act = actviz.get(spec, flavor=flavor)
            got = measured[framework].get(spec)
            if got is None and framework == "keras/torch":
                continue
            for kink in act.kinks:
                line = f"{spec:50} {kink.x:>5g}  {framework:12}"
                if got is None:
                    problems += _without(act, kink.x, line)
                else:
                    problems += _with(act, kink.x, line, got[repr(kink.x)], framework)
    return problems


def _without(act: Any, x: float, line: str) -> list[str]:
    """A framework without the function: actviz's flavor gives the torch flavor's values."""
    from actviz.catalog import instantiate

    ours = [float(v) for v in act.evaluate(x, 2)]
    torch = [float(v) for v in instantiate(act.definition, act.params, "torch").evaluate(x, 2)]
    print(f"{line} {'-':>8} {'(no such function)':>20} {'':>20}  {'':>10} {'':>10}   "
          f"{ours[1]:.17g}, {ours[2]:.17g}")
    if ours != torch:
        return [f"{act.spec} at {x} ({act.flavor}): {ours} but the torch flavor gives {torch}"]
    return []


def _with(act: Any, x: float, line: str, got: list, framework: str) -> list[str]:
    """f, f', f'' at x and f' beside it, from actviz and from the framework."""
    f, d1, d2, left, right = got
    ours = [float(v) for v in act.evaluate(x, 2)]
    print(f"{line} {f:8.4g} {_show(d1):>20} {_show(d2):>20}  {left:10.4g} {right:10.4g}   "
          f"{ours[1]:.17g}, {ours[2]:.17g}")
    if framework == "keras/torch":
        return []  # the torch flavor's source only where PyTorch lacks the function
    problems = []
    spec = SPECS_BY_ACT.get((act.name, tuple(sorted(act.params.items()))), act.spec)
    for k, (a, b) in enumerate(zip(ours, [f, d1, d2], strict=True)):
        if isinstance(b, str):
            continue
        if (spec, framework, k) in KNOWN:
            print(f"  known: {KNOWN[spec, framework, k]}")
        elif not (a == b or abs(a - b) <= 1e-15 * max(1.0, abs(b))):
            problems.append(f"{spec} at {x} ({framework}): order {k}: actviz {a!r}, "
                            f"{framework} {b!r}")
    sides = act.derivative(np.array(_sides(x)))
    if not np.allclose(sides, [left, right], rtol=1e-6, atol=1e-8):
        problems.append(f"{spec} at {x} ({framework}): f' beside x: actviz {sides.tolist()}, "
                        f"{framework} {[left, right]}")
    return problems


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        _setup(sys.argv[2])
        print(json.dumps(measure(sys.argv[2])))
        return 0
    measured = {name: _in_process(name) for name in ("torch", "keras", "keras/torch", "jax")}
    import actviz

    for spec in SPECS:
        for flavor in ("torch", "keras", "jax"):
            act = actviz.get(spec, flavor=flavor)
            SPECS_BY_ACT.setdefault((act.name, tuple(sorted(act.params.items()))), spec)
    version = importlib.metadata.version
    print(f"torch {version('torch')}, jax {version('jax')}, keras {version('keras')}; "
          "f' and f'' by autograd (f'' nested), f'(x-) and f'(x+) 1e-9 away\n")
    problems = compare(measured)
    print("\n" + ("\n".join(problems) if problems else "actviz's flavors agree at every kink"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
