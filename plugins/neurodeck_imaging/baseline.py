"""Running-percentile baselines and dF/F on plain arrays (rows x frames).

The baseline ``F0[t]`` is the ``q``-th percentile (numpy's linear definition) of the
frames ``[t - h, t + h]`` (``h = window // 2``), the window shrinking at the ends of the
recording. Evaluating it at every frame costs ``O(T * window)`` per row, so it is
evaluated exactly at every ``step``-th frame (anchored at frame 0, plus the last frame)
and linearly interpolated between; ``step = 1`` is exact everywhere. Because the grid is
anchored to the recording, not to the window read, any window of the output equals the
same frames of the whole output (what :class:`~neurodeck.data.WindowedArray` needs).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: Rough bytes of scratch one grid row may take before rows are processed in chunks.
_CHUNK_BYTES = 64 * 2**20


def grid(lo: int, hi: int, n: int, step: int) -> np.ndarray:
    """Grid frames in ``[lo, hi)``: multiples of ``step`` and the last frame ``n - 1``."""
    first = -(-lo // step) * step
    pts = np.arange(first, hi, step, dtype=np.int64)
    if lo <= n - 1 < hi and (not pts.size or pts[-1] != n - 1):
        pts = np.append(pts, n - 1)
    return pts


def _percentile_at(block: np.ndarray, lo: int, n: int, points: np.ndarray, half: int,
                   q: float) -> np.ndarray:
    """rows x len(points): percentile ``q`` of each window (clipped to [0, n) and to the
    block) around each grid point."""
    rows, m = block.shape
    out = np.empty((rows, len(points)), dtype=np.float64)
    w = 2 * half + 1
    rel = points - lo
    full = (rel - half >= 0) & (rel + half < m)
    if w <= m and full.any():
        view = sliding_window_view(block, w, axis=1)  # rows x (m - w + 1) x w, no copy
        idx = rel[full] - half
        per_row = max(len(idx) * w * 8, 1)
        chunk = max(1, _CHUNK_BYTES // per_row)
        for r0 in range(0, rows, chunk):
            win = view[r0:r0 + chunk][:, idx, :]
            out[r0:r0 + chunk, full] = np.percentile(win, q, axis=-1)
    for j in np.flatnonzero(~full):
        a = max(rel[j] - half, 0, -lo)
        b = min(rel[j] + half + 1, m, n - lo)
        out[:, j] = np.percentile(block[:, a:b], q, axis=1)
    return out


def running_percentile(block: np.ndarray, lo: int, n: int, window: int, q: float,
                       step: int = 1) -> np.ndarray:
    """Baseline of ``block`` (rows x frames ``lo:lo+m`` of a recording of ``n`` frames).

    Exact where the block holds each grid point's whole window (callers pad by
    ``window // 2 + step`` frames).
    """
    block = np.asarray(block, dtype=np.float64)
    rows, m = block.shape
    if m == 0:
        return block.copy()
    half = max(int(window) // 2, 0)
    step = max(int(step), 1)
    pts = grid(lo, lo + m, n, step) if step > 1 else np.zeros(0, np.int64)
    if step == 1 or not pts.size:
        return _percentile_at(block, lo, n, np.arange(lo, lo + m), half, q)
    values = _percentile_at(block, lo, n, pts, half, q)
    t = np.arange(lo, lo + m)
    out = np.empty((rows, m))
    for r in range(rows):
        out[r] = np.interp(t, pts, values[r])
    return out


def dff(block: np.ndarray, baseline: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """``(F - F0) / F0``; frames whose baseline is at or below ``floor`` are NaN (a
    baseline near zero - neuropil-corrected or already normalised traces - would make
    the ratio meaningless; shift those traces first)."""
    base = np.where(baseline > floor, baseline, np.nan)
    return (np.asarray(block, dtype=np.float64) - base) / base
