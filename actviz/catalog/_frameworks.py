"""What PyTorch, Keras 3 and JAX return at the kinks of the functions they have, and where each
framework fixes it: the helpers with which the catalog declares each function's ``at_kinks``
table (see :class:`~actviz.catalog.AtKinks`).

The values were measured with torch 2.13, Keras 3.15.1 and JAX 0.10.2 in float64, f'' by nested
autograd (``tools/frameworks_at_kinks.py`` measures them again and compares them with the
catalog). Keras is Keras 3 on its JAX backend: ``keras.activations.NAME`` calls
``keras.ops.NAME`` (keras/src/ops/nn.py), which calls NAME in keras/src/backend/jax/nn.py, for
most functions ``jax.nn``'s. The rules the values come from:

- JAX: the gradient of ``jnp.where`` is the branch the condition picks (``lax.select_n``,
  jax/_src/lax/lax.py ``_select_jvp``); ``lax.max`` and ``lax.min`` give each argument half the
  gradient at a tie (jax/_src/lax/lax.py, the jvp of ``max_p`` and ``min_p``,
  ``_balanced_eq``), and so do ``jnp.maximum``, ``jnp.minimum`` and ``jnp.clip`` (maximum
  then minimum, jax/_src/numpy/lax_numpy.py ``clip``); the gradient of ``jnp.abs`` is
  ``select(x >= 0, g, -g)``, 1 at 0 (jax/_src/lax/lax.py ``_abs_jvp_rule``); ``jax.nn.relu``
  and ``jax.nn.relu6`` have a ``custom_jvp`` that gives 0 at their kinks.
- PyTorch: each function's backward node (``LeakyReluBackward0``, ...), and its derivative
  for f''.
"""

from __future__ import annotations

from ._core import AtKinks

TORCH = "PyTorch autograd"
JAX = "JAX autograd"
KERAS = "Keras 3 autograd, JAX backend"

JAX_NN = "jax/_src/nn/functions.py"
KERAS_JAX = "keras/src/backend/jax/nn.py"

Point = tuple[float, float, float]
"""(x, f'(x), f''(x)) at one kink."""


def tables(torch: AtKinks, keras: AtKinks, jax: AtKinks) -> dict[str, AtKinks]:
    """One function's table: what each flavor's framework returns at its kinks."""
    return {"torch": torch, "keras": keras, "jax": jax}


def torch(source: str, *values: Point, label: str = TORCH) -> AtKinks:
    """PyTorch's values (the kernel's), from ``source``; ``label`` for a function PyTorch
    lacks, whose torch flavor follows another framework."""
    return AtKinks(label, source, values)


def jax(function: str, rule: str, *values: Point) -> AtKinks:
    """``jax.nn``'s values, from ``function`` in jax/_src/nn/functions.py and ``rule``."""
    return AtKinks(JAX, f"{JAX_NN} {function}: {rule}", values)


def keras(source: str, *values: Point) -> AtKinks:
    """Keras 3's values on the JAX backend, from ``source`` (file and function)."""
    return AtKinks(KERAS, source, values)


def keras_as_jax(name: str, of_jax: AtKinks) -> AtKinks:
    """Keras's function NAME, which is ``jax.nn``'s on the JAX backend: JAX's values, from
    JAX's source."""
    return AtKinks(KERAS, f"keras.activations.{name} -> keras.ops.{name} -> {KERAS_JAX} "
                   f"{name} -> {of_jax.source}", of_jax.values)


def lacks(what: str) -> AtKinks:
    """A framework without the function: the flavor keeps the torch flavor's values."""
    return AtKinks(lacks=what)
