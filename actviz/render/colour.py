"""Colour science for the figures, in plain NumPy: how a colour reads against its
background (WCAG 2 contrast), how far apart two colours look (CIE Lab, ΔE 1976), as seen with
each of the three colour-vision deficiencies (Machado, Oliveira & Fernandes 2009, severity
1), and the nearest colour of a hue that reaches a contrast.

Colours are sRGB triples in [0, 1] (matplotlib's ``to_rgb``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RGB = Sequence[float] | np.ndarray

# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of
# color vision deficiency", IEEE TVCG 15(6), Table of the supplementary data at severity
# 1.0, applied to linear sRGB.
CVD = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
CONFUSED = 15.0
"""ΔE (CIE Lab, 1976) below which two curves' colours count as alike, with normal vision or
under a simulated deficiency: then they must differ in line style as well."""

# sRGB (D65) to XYZ, and the D65 white point
_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                 [0.2126729, 0.7151522, 0.0721750],
                 [0.0193339, 0.1191920, 0.9503041]])
_WHITE = _XYZ @ np.ones(3)


def linear(rgb: RGB) -> np.ndarray:
    """sRGB in [0, 1] to linear light."""
    c = np.asarray(rgb, dtype=float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def encoded(lin: np.ndarray) -> np.ndarray:
    """Linear light to sRGB in [0, 1] (clipped to the gamut)."""
    c = np.clip(lin, 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def luminance(rgb: RGB) -> np.ndarray:
    """WCAG 2's relative luminance."""
    return np.asarray(linear(rgb) @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a: RGB, b: RGB) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 to 21."""
    la, lb = float(luminance(a)), float(luminance(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def lab(rgb: RGB) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB colours (the last axis holds r, g, b)."""
    xyz = linear(rgb) @ _XYZ.T / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def simulate(rgb: RGB, deficiency: str) -> np.ndarray:
    """How a colour looks with ``deficiency`` (a key of :data:`CVD`), as sRGB."""
    return encoded(linear(rgb) @ CVD[deficiency].T)


def distances(a: RGB, b: RGB) -> dict[str, float]:
    """ΔE of two colours with normal vision and under each simulated deficiency."""
    found = {"normal": float(np.linalg.norm(lab(a) - lab(b)))}
    for name in CVD:
        found[name] = float(np.linalg.norm(lab(simulate(a, name)) - lab(simulate(b, name))))
    return found


def alike(a: RGB, b: RGB, within: float = CONFUSED) -> bool:
    """Whether two colours come within ``within`` (ΔE) for someone, with normal vision or
    any of the three deficiencies."""
    return min(distances(a, b).values()) < within


def reaching(rgb: RGB, background: RGB, ratio: float) -> np.ndarray:
    """The colour of the same hue and chroma, darker on a light ``background`` or lighter on a
    dark one, nearest to ``rgb`` that has at least ``ratio`` contrast against it (``rgb``
    itself where it already has). The colour is mixed in linear light with black (or white)
    in steps of half a percent, which keeps its hue."""
    colour = np.asarray(rgb, dtype=float)
    if contrast(colour, background) >= ratio:
        return colour
    target = np.zeros(3) if float(luminance(background)) > 0.18 else np.ones(3)
    t = np.linspace(0.0, 1.0, 201)[1:, None]
    candidates = encoded((1 - t) * linear(colour) + t * linear(target))
    lum, ground = luminance(candidates), float(luminance(background))
    ratios = (np.maximum(lum, ground) + 0.05) / (np.minimum(lum, ground) + 0.05)
    enough = np.flatnonzero(ratios >= ratio)
    return candidates[enough[0]] if len(enough) else target


def to_hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(255 * float(c)):02x}" for c in np.asarray(rgb)[:3])
