"""Event detection on traces: calcium transients (dF/F) or deconvolved spike estimates.

* ``zscore``: an event starts where the trace's robust z-score (median, 1.4826 x MAD)
  rises through ``threshold`` after having been below it; events closer than
  ``min_interval`` frames to the previous one are merged into it.
* ``deconvolved``: every frame whose spike estimate is at least ``threshold`` x the
  row's noise-free unit (the median non-zero estimate) holds ``round(s / unit)`` events,
  so binned counts approximate spike counts.
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


def spike_counts(s: np.ndarray, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(frames, counts) of a deconvolved row: counts = round(s / unit) where
    s >= threshold x unit."""
    from .deconv import unit_amplitude

    s = np.nan_to_num(np.asarray(s, dtype=np.float64), nan=0.0)
    unit = unit_amplitude(s)
    if unit <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    frames = np.flatnonzero(s >= threshold * unit)
    counts = np.maximum(np.rint(s[frames] / unit), 1).astype(np.int64)
    return frames, counts
