"""Event detection on traces: calcium transients (dF/F) or deconvolved spike estimates.

* ``zscore``: an event starts where the trace's robust z-score (median, 1.4826 x MAD)
  rises through ``threshold`` after having been below it; events closer than
  ``min_interval`` frames to the previous one are merged into it.
* ``deconvolved``: the row's unit amplitude is the mass-weighted median of its spike
  estimates; estimates below ``FLOOR`` x unit are noise; each run of consecutive
  remaining frames is one burst whose summed estimate ``m`` gives ``round(m / unit)``
  events (none when ``m < threshold x unit``), placed at the run's largest estimate - an
  L1 solution often splits one spike over two frames, and this counts it once.
"""

from __future__ import annotations

import numpy as np


def robust_z(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    med = np.nanmedian(x)
    mad = 1.4826 * np.nanmedian(np.abs(x - med))
    if not np.isfinite(mad) or mad == 0:
        return np.zeros_like(x)
    return (x - med) / mad


def crossings(x: np.ndarray, threshold: float, min_interval: int = 1) -> np.ndarray:
    """Frames where ``robust_z(x)`` rises through ``threshold`` (onsets)."""
    above = np.nan_to_num(robust_z(x), nan=-np.inf) >= threshold
    onsets = np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))
    if min_interval > 1 and onsets.size > 1:
        keep = [onsets[0]]
        for t in onsets[1:]:
            if t - keep[-1] >= min_interval:
                keep.append(t)
        onsets = np.asarray(keep)
    return onsets


#: Estimates below this fraction of the unit amplitude are taken as noise.
FLOOR = 0.1


def spike_counts(s: np.ndarray, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(frames, counts) of a deconvolved row (see the module docstring)."""
    from .deconv import unit_amplitude

    s = np.nan_to_num(np.asarray(s, dtype=np.float64), nan=0.0)
    unit = unit_amplitude(s)
    idx = np.flatnonzero(s > FLOOR * unit) if unit > 0 else np.zeros(0, np.int64)
    if not idx.size:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    mass = np.array([s[r].sum() for r in runs])
    peak = np.array([r[np.argmax(s[r])] for r in runs], dtype=np.int64)
    counts = np.floor(mass / unit + 0.5).astype(np.int64)
    counts[mass < threshold * unit] = 0
    keep = counts > 0
    return peak[keep], counts[keep]
