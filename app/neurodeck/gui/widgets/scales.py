"""Colour scales for matrices whose values span orders of magnitude (synapse counts,
weights, powers): linear, logarithmic (log(1 + x)) and rank (percentile among the
non-zero values). Qt-free: which scale, what each value maps to, and the colour bar's
ticks in the data's own units.
"""

from __future__ import annotations

import numpy as np

LINEAR, LOG, RANK = "linear", "log", "rank"
SCALE_TITLES = {LINEAR: "Linear scale", LOG: "Log scale (1 + x)",
                RANK: "Rank scale (percentile of non-zero)"}
#: max / median of the positive values above which a linear scale leaves most cells dark.
HEAVY_TAIL = 10.0


def scales_for(matrix: np.ndarray) -> list[str]:
    """The scales that make sense: log only for non-negative values."""
    finite = matrix[np.isfinite(matrix)]
    if finite.size and finite.min() < 0:
        return [LINEAR, RANK]
    return [LINEAR, LOG, RANK]


def default_scale(matrix: np.ndarray) -> str:
    """Log for non-negative heavy-tailed values (most cells would be near the bottom of a
    linear colour range), linear otherwise."""
    finite = matrix[np.isfinite(matrix)]
    if not finite.size or finite.min() < 0:
        return LINEAR
    positive = finite[finite > 0]
    if positive.size < 2 or positive.max() < HEAVY_TAIL:
        # log(1 + x) is near-linear below 1: it only helps counts and large weights
        return LINEAR
    return LOG if positive.max() >= HEAVY_TAIL * float(np.median(positive)) else LINEAR


def transform(matrix: np.ndarray, scale: str) -> np.ndarray:
    """The values the colour map sees under ``scale`` (NaN stays NaN)."""
    m = np.asarray(matrix, float)
    if scale == LINEAR:
        return m
    if scale == LOG:
        with np.errstate(invalid="ignore"):
            return np.log1p(np.clip(m, 0.0, None))
    if scale == RANK:
        out = np.where(np.isfinite(m), 0.0, np.nan)
        nz = np.isfinite(m) & (m != 0)
        if nz.any():
            from scipy.stats import rankdata

            # Percentile among the non-zero values (ties share their mean rank); zero
            # stays at the bottom, absent edges do not dilute the ranks of present ones.
            vals = m[nz]
            ranks = rankdata(np.abs(vals)) / vals.size
            out[nz] = np.sign(vals) * ranks
        return out
    raise ValueError(f"scale must be one of {', '.join(SCALE_TITLES)}, got {scale!r}")


def levels(matrix: np.ndarray, scale: str, linear: tuple[float, float]) -> tuple[float, float]:
    """Colour limits under ``scale`` (``linear``: the limits on the linear scale)."""
    if scale == LINEAR:
        return linear
    if scale == LOG:
        lo, hi = np.log1p(max(linear[0], 0.0)), np.log1p(max(linear[1], 0.0))
        return (float(lo), float(hi if hi > lo else lo + 1.0))
    t = transform(matrix, RANK)
    return (-1.0, 1.0) if np.nanmin(t) < 0 else (0.0, 1.0)


def symmetric_limit(data: np.ndarray, q: float = 98.0, most: int = 100_000) -> float:
    """A diverging colour map's limit: the ``q``-th percentile of |value| over the finite
    values, from an evenly strided sample of at most ``most`` of them (views compute it on
    the GUI thread: over a whole 1,800 x 701 epochs image the exact percentile took 40 ms,
    for a limit the sample gives to ~1%). 1.0 when nothing finite and non-zero is left."""
    flat = np.asarray(data).reshape(-1)
    sample = flat[:: max(1, flat.size // most)]
    sample = np.abs(sample[np.isfinite(sample)])
    lim = float(np.percentile(sample, q)) if sample.size else 0.0
    return lim if lim > 0 else 1.0


def ticks(scale: str, lim: tuple[float, float]) -> list[tuple[float, str]] | None:
    """Colour-bar ticks in the data's units for a log scale (1, 3, 10, 30...); None keeps
    the axis' own ticks (linear, rank)."""
    if scale != LOG:
        return None
    top = float(np.expm1(lim[1]))
    if top < HEAVY_TAIL:  # no decades to show: evenly spaced on screen, rounded
        values = sorted({float(f"{v:.2g}") for v in np.expm1(np.linspace(lim[0], lim[1], 6))})
        return [(float(np.log1p(v)), f"{v:g}") for v in values]
    values = [0.0]
    k = 0
    while 10.0 ** k <= top * 1.0001 and k < 12:
        for mant in (1, 3):
            v = mant * 10.0 ** k
            if v <= top * 1.0001:
                values.append(v)
        k += 1
    return [(float(np.log1p(v)), f"{v:g}") for v in values]
