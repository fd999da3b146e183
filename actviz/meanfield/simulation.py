"""A seeded random network that checks the theory: :func:`simulate`, :func:`simulate_many`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..catalog import Activation
from ..checks import check_simulation
from .model import count_arg, sigma_arg, unitwise, variance_arg
from .propagation import correlations_arg

# --- a simulated network -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Simulation:
    r"""What a seeded random network measured, layer by layer (arrays of ``layers + 1``
    values, index l = 0 the input pre-activations):

    - ``q``: the mean squared pre-activation :math:`\tfrac1N \sum_i (h^l_i)^2`, averaged over
      the two inputs (theory: :meth:`Propagation.q_sequence`);
    - ``c``: the correlation :math:`h^l_a \cdot h^l_b / (|h^l_a| |h^l_b|)` of the two inputs
      (theory: :meth:`Propagation.c_sequence` with ``q0``);
    - ``grad_sq``: the mean squared gradient :math:`\tfrac1N \sum_i (\partial E/\partial
      h^l_i)^2` by backpropagation from a random output gradient of mean square 1, averaged
      over the two inputs (theory: :meth:`Propagation.gradient_sequence`).
    """

    spec: str
    sigma_w: float
    sigma_b: float
    layers: int
    width: int
    seed: int
    q0: float
    c0: float
    q: np.ndarray
    c: np.ndarray
    grad_sq: np.ndarray


def simulate(spec: str | Activation, sigma_w: float, sigma_b: float, layers: int,
             width: int = 1000, seed: int = 0, q0: float = 1.0, c0: float = 0.5,
             flavor: str = "torch") -> Simulation:
    r"""Run a random fully connected network of ``layers`` layers and ``width`` units:
    :math:`h^l = W^l \phi(h^{l-1}) + b^l`, :math:`W^l_{ij} \sim N(0, \sigma_w^2/N)`,
    :math:`b^l_i \sim N(0, \sigma_b^2)` (standard deviations given), on two inputs h^0_a, h^0_b
    of mean square exactly ``q0`` and correlation exactly ``c0``; then backpropagate a random
    output gradient (two independent ones, one per input, each scaled to mean square 1)
    through the catalog's φ' (autograd's convention at kinks). See :class:`Simulation` for
    what is measured.

    The weight matrices are never formed: the network is drawn exactly in distribution by
    conditioning on what the two inputs see of each W (Gaussian conditioning). For the
    N x 2 matrix F = φ(h^{l-1}), the rows of W F are independent N(0, FᵀF/N), so W F = Z
    (FᵀF/N)^(1/2) with Z an N x 2 standard normal draw; given W F = Y, W is
    Y (FᵀF)⁺ Fᵀ + W' (I - P) with W' a fresh copy and P the projection on F's columns, so
    the backward pass needs Wᵀ G = F (FᵀF)⁺ Yᵀ G + (I - P) Z' (GᵀG/N)^(1/2), Z' another
    N x 2 draw. A layer costs O(N) draws and work instead of O(N²) (width 1000: 80 times
    less), and the result is that of a dense network of the same distribution (tested
    against one, statistically). Deterministic for a seed: each layer draws Z, b and Z'
    from its own generator (``SeedSequence(seed).spawn``).
    """
    return simulate_many([(spec, sigma_w, sigma_b)], layers, width, seed, q0, c0, flavor)[0]


def _root(gram: np.ndarray) -> np.ndarray:
    """The symmetric square root of a 2 x 2 positive semi-definite matrix (exact for a
    singular one: two inputs a layer maps to one)."""
    values, vectors = np.linalg.eigh(gram)
    return np.asarray((vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T)


def simulate_many(networks: Sequence[tuple[str | Activation, float, float]], layers: int,
                  width: int = 1000, seed: int = 0, q0: float = 1.0, c0: float = 0.5,
                  flavor: str = "torch") -> list[Simulation]:
    """:func:`simulate` for several (spec, sigma_w, sigma_b) on the same random draws: the
    results are those of :func:`simulate` with the same seed, each network's."""
    acts = [unitwise(spec, flavor) for spec, _, _ in networks]
    sigmas = [(sigma_arg("sigma_w", w), sigma_arg("sigma_b", b)) for _, w, b in networks]
    layers = count_arg("layers", layers, 1)
    width = count_arg("width", width, 2)
    seed = count_arg("seed", seed, 0)
    check_simulation(layers, width, len(networks), flags=False)  # as depth bounds its work
    specs = [act.spec if not isinstance(spec, str) else spec
             for act, (spec, _, _) in zip(acts, networks, strict=True)]
    return simulate_many_of(list(zip(acts, sigmas, strict=True)), layers, width, seed,
                            variance_arg("q0", q0), float(correlations_arg(c0)), specs)


def simulate_many_of(networks: Sequence[tuple[Activation, tuple[float, float]]], layers: int,
                     width: int, seed: int, q0: float = 1.0, c0: float = 0.5,
                     specs: Sequence[str] | None = None) -> list[Simulation]:
    """:func:`simulate_many` of functions :func:`unitwise` accepted, each with its (σ_w, σ_b),
    the arguments checked already (``actviz depth``'s figure: its options were checked where
    they were given); ``specs`` name the networks (default: their functions' specs)."""
    if specs is None:
        specs = [act.spec for act, _ in networks]
    acts = [act for act, _ in networks]
    sigmas = [pair for _, pair in networks]
    streams = np.random.SeedSequence(seed).spawn(layers + 1)
    rng = np.random.default_rng(streams[0])
    # two inputs with exact mean square q0 and correlation c0 (Gram-Schmidt)
    raw = rng.standard_normal((width, 2))
    e1 = raw[:, 0] / np.linalg.norm(raw[:, 0])
    other = raw[:, 1] - (raw[:, 1] @ e1) * e1
    e2 = other / np.linalg.norm(other)
    scale = math.sqrt(width * q0)
    start = np.stack([e1, c0 * e1 + math.sqrt(max(0.0, 1.0 - c0 * c0)) * e2], axis=1) * scale
    grad = rng.standard_normal((width, 2))
    grad /= np.sqrt(np.mean(grad * grad, axis=0))
    draws = []
    for layer in range(1, layers + 1):  # Z, b and Z' of each layer, shared by the networks
        generator = np.random.default_rng(streams[layer])
        draws.append((generator.standard_normal((width, 2)), generator.standard_normal(width),
                      generator.standard_normal((width, 2))))
    count = len(networks)
    q = np.empty((layers + 1, count))
    c = np.empty((layers + 1, count))
    grad_sq = np.empty((layers + 1, count))
    with np.errstate(all="ignore"):
        for k, (act, (sigma_w, sigma_b)) in enumerate(zip(acts, sigmas, strict=True)):
            q[:, k], c[:, k], grad_sq[:, k] = _one_network(act, sigma_w, sigma_b, start,
                                                            grad, draws)
    return [Simulation(spec=spec, sigma_w=w, sigma_b=b, layers=layers, width=width,
                       seed=seed, q0=q0, c0=c0, q=q[:, k].copy(), c=c[:, k].copy(),
                       grad_sq=grad_sq[:, k].copy())
            for k, (spec, (w, b)) in enumerate(zip(specs, sigmas, strict=True))]


def _one_network(act: Activation, sigma_w: float, sigma_b: float, start: np.ndarray,
                 grad: np.ndarray, draws: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """q, c and the mean squared gradient of one network, layer by layer (see
    :func:`simulate`): the forward pass keeps F and Y = W F of each layer, the backward pass
    draws the rest of W^T G from them."""
    width = len(start)
    h = start
    q, c = [_mean_square(h)], [_correlation(h)]
    kept = []
    for normal, noise, _ in draws:
        f, d = act.evaluate(h, 1)
        y = normal @ _root(f.T @ f / width)  # W f: rows independent N(0, f^T f / N)
        kept.append((f, d, y))
        h = sigma_w * y + sigma_b * noise[:, None]
        q.append(_mean_square(h))
        c.append(_correlation(h))
    back = grad
    squares = [float(np.mean(back * back))]
    for (f, d, y), (_, _, fresh) in zip(reversed(kept), reversed(draws), strict=True):
        inverse = np.linalg.pinv(f.T @ f)
        seen = f @ (inverse @ (y.T @ back))  # the part of W^T g that W f fixes
        unseen = fresh @ _root(back.T @ back / width)  # W'^T g, then off the span of f
        unseen -= f @ (inverse @ (f.T @ unseen))
        back = d * (sigma_w * (seen + unseen))
        squares.append(float(np.mean(back * back)))
    return np.array(q), np.array(c), np.array(squares[::-1])


def _mean_square(h: np.ndarray) -> float:
    """The mean square of the two inputs' pre-activations, averaged over the two."""
    return float(np.mean(h * h))


def _correlation(h: np.ndarray) -> float:
    a, b = h[:, 0], h[:, 1]
    return float(a @ b / math.sqrt((a @ a) * (b @ b)))
