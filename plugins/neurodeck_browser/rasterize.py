"""Traces drawn into an image with numpy, on the worker: what the GUI thread only blits.

Qt's raster engine draws a 1-pixel polyline at about 100 ns a segment: 256 rows of 3,000
min/max points cost the GUI thread 50-90 ms a page here, whatever the worker does. Each
row's trace is a polyline through the page's points (the min/max of each pixel bin, or the
samples themselves when zoomed in); at one-pixel resolution a polyline covers, in each
pixel column, the vertical span between its lowest and highest value over that column:
the values where it enters and leaves the column (linear interpolation at the column's
edges) and the points inside it. That span is computed for every row and column at once,
and the spans are filled into an 8-bit image (one colour index per row group) with one
``np.repeat``. Neighbouring columns share their edge value, so the trace is connected;
NaN (missing data) leaves its columns empty. No Qt here; ``TraceImage`` turns the result
into a ``QImage`` (a plain value class, safe on any thread).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np


def column_extents(x: np.ndarray, y: np.ndarray, t0: float, t1: float, width: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest value (rows x ``width``) of the polylines ``(x, y[r])`` over each
    of ``width`` equal columns of ``[t0, t1)``; NaN where a row has no data there.

    ``x`` is increasing (the points' times), ``y`` rows x points.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    rows, n = y.shape
    lo = np.full((rows, width), np.nan)
    hi = np.full((rows, width), np.nan)
    if n == 0 or width < 1 or t1 <= t0:
        return lo, hi
    dt = (t1 - t0) / width
    edges = t0 + dt * np.arange(width + 1)
    # Polyline value at each column edge; outside the points' range there is no line.
    j = np.clip(np.searchsorted(x, edges, side="right"), 1, max(n - 1, 1))
    if n == 1:
        ev = np.full((rows, width + 1), np.nan)
    else:
        xa, xb = x[j - 1], x[j]
        w = np.where(xb > xa, (edges - xa) / np.where(xb > xa, xb - xa, 1.0), 0.0)
        ev = y[:, j - 1] + w * (y[:, j] - y[:, j - 1])
        outside = (edges < x[0]) | (edges > x[-1])
        ev[:, outside] = np.nan
    with np.errstate(invalid="ignore"):
        lo[:] = np.fmin(ev[:, :-1], ev[:, 1:])
        hi[:] = np.fmax(ev[:, :-1], ev[:, 1:])
        # a column the line only enters or leaves: its edge values, not NaN
        # (fmin/fmax ignore one NaN); the points inside each column widen the span.
        col = np.floor((x - t0) / dt).astype(np.int64)
        inside = np.flatnonzero((col >= 0) & (col < width))
        if inside.size:
            c = col[inside]
            first = np.r_[True, c[1:] != c[:-1]]
            rank = np.arange(c.size) - np.maximum.accumulate(np.where(first, np.arange(c.size),
                                                                      0))
            for k in range(int(rank.max()) + 1):  # points per column: ~2 (min/max) or fewer
                pick = rank == k
                cols, pts = c[pick], inside[pick]
                lo[:, cols] = np.fmin(lo[:, cols], y[:, pts])
                hi[:, cols] = np.fmax(hi[:, cols], y[:, pts])
        # A NaN point breaks the line: its columns show nothing of that row.
        bad = ~np.isfinite(y)
        if bad.any():
            r, p = np.nonzero(bad[:, inside]) if inside.size else (np.zeros(0, int),) * 2
            if r.size:
                lo[r, col[inside][p]] = np.nan
                hi[r, col[inside][p]] = np.nan
    return lo, hi


def fill_spans(image_t: np.ndarray, top: np.ndarray, bottom: np.ndarray, value: int) -> None:
    """Set pixels of ``image_t`` (columns x height, uint8) from row ``top`` to ``bottom``
    (pixel coordinates, rows x columns, ``top <= bottom``) in each column to ``value``.
    At least one pixel is set per finite span inside the image."""
    width, height = image_t.shape
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(top) & np.isfinite(bottom) & (bottom >= 0) & (top < height)
    if not ok.any():
        return
    # int32 offsets (an image holds < 2**31 pixels): half the memory traffic of int64
    idx = np.int32 if image_t.size < 2**31 else np.int64
    cols = np.broadcast_to(np.arange(top.shape[1], dtype=idx), top.shape)[ok]
    a = np.clip(np.floor(top[ok]), 0, height - 1).astype(idx)
    b = np.clip(np.floor(bottom[ok]), 0, height - 1).astype(idx)
    np.maximum(a, b, out=b)
    lengths = b - a + 1
    starts = cols * idx(height) + a
    ends = np.cumsum(lengths, dtype=idx)
    offsets = np.repeat(starts - (ends - lengths), lengths)
    offsets += np.arange(int(ends[-1]), dtype=idx)
    image_t.reshape(-1)[offsets] = value


def row_mids(y: np.ndarray) -> np.ndarray:
    """Each row's mid-range (the DC removed when ``remove_dc``); 0 for rows of only NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        mid = 0.5 * (np.nanmax(y, axis=1) + np.nanmin(y, axis=1)) if y.shape[1] else \
            np.zeros(y.shape[0])
    return np.nan_to_num(mid, nan=0.0)


def render(x: np.ndarray, y: np.ndarray, t0: float, t1: float, width: int, height: int,
           y_range: tuple[float, float], layers: Sequence[tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray, int]],
           remove_dc: bool) -> np.ndarray:
    """An 8-bit image (height x width) of the page's traces.

    ``layers``: (page rows, their lanes, their scales, colour index) drawn in order (later
    on top). Row ``r`` is drawn at screen y ``lane - (value - mid) / scale`` where ``mid``
    is its mid-range when ``remove_dc`` (else 0); ``y_range`` is (top, bottom) of the view
    in those units. Index 0 is background.
    """
    image_t = np.zeros((int(width), int(height)), dtype=np.uint8)
    top_y, bottom_y = y_range
    px = height / (bottom_y - top_y)
    for rows, lanes, scales, value in layers:
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            continue
        ys = y[rows]
        mids = row_mids(ys) if remove_dc else np.zeros(rows.size)
        lo, hi = column_extents(x, ys, t0, t1, int(width))
        k = (px / np.asarray(scales, dtype=np.float64))[:, None]
        centre = ((np.asarray(lanes, dtype=np.float64) - top_y) * px)[:, None]
        # larger values go up (smaller pixel rows)
        top = centre - (hi - mids[:, None]) * k
        bottom = centre - (lo - mids[:, None]) * k
        fill_spans(image_t, top, bottom, int(value))
    return np.ascontiguousarray(image_t.T)
