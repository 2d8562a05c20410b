"""Traces drawn into an image with numpy, on the worker: what the GUI thread only blits.

Qt's raster engine draws 1-pixel polylines segment by segment on the GUI thread: 256 rows
of 3,000 min/max points are 768,000 segments per page, whatever the workers do. Here every
row's trace becomes, in each pixel column, one vertical span from its lowest to its
highest value over that column, computed for all rows and columns at once, and the spans
are filled into an 8-bit image (one colour index per row group) with one ``np.repeat``.

- A decimated page (min/max bins, each at least a pixel wide) is drawn as its envelope
  (:func:`envelope_extents`): a column spans the extremes of the bins it overlaps, so
  every sample's value is drawn in (or, where a bin straddles two columns, next to) the
  column of its time; nothing is lost and nothing is invented between bins.
- A zoomed-in page (samples more than a pixel apart) is drawn as the polyline through its
  samples (:func:`column_extents`): a column spans the polyline's values where it enters
  and leaves the column and at the samples inside it, as Qt would draw the line.

Neighbouring columns touch (a span is widened to reach the previous column's), so a trace
is connected; NaN (missing data) leaves its columns empty. No Qt here; ``TraceImage``
turns the result into a ``QImage`` (a plain value class, safe on any thread).
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


def envelope_extents(starts: np.ndarray, lo: np.ndarray, hi: np.ndarray, bin_s: float,
                     t0: float, t1: float, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest value (rows x ``width``) over each of ``width`` equal columns of
    ``[t0, t1)`` of bins starting at ``starts`` (seconds, increasing), each ``bin_s`` long,
    with per-row extremes ``lo``/``hi`` (rows x bins): the extremes of the bins a column
    overlaps. NaN where no bin overlaps."""
    starts = np.asarray(starts, dtype=np.float64)
    # Row-major inputs give row-major columns below (gathering from a strided view makes
    # a column-major array, which every later pass and ``ravel`` would pay for).
    lo, hi = np.ascontiguousarray(lo), np.ascontiguousarray(hi)
    rows = lo.shape[0]
    if starts.size == 0 or width < 1 or t1 <= t0:
        nan = np.full((rows, width), np.nan, dtype=np.float32)
        return nan, nan.copy()
    dt = (t1 - t0) / width
    left = t0 + dt * np.arange(width)
    right = left + dt * (1 - 1e-9)  # a column's own end belongs to the next
    b0 = np.searchsorted(starts, left, side="right") - 1
    b1 = np.searchsorted(starts, right, side="right") - 1
    outside = (b1 < 0) | (left >= starts[-1] + bin_s)
    b0 = np.clip(b0, 0, starts.size - 1)
    b1 = np.clip(b1, 0, starts.size - 1)
    with np.errstate(invalid="ignore"):
        col_lo = np.minimum(lo[:, b0], lo[:, b1])
        col_hi = np.maximum(hi[:, b0], hi[:, b1])
    if outside.any():
        col_lo[:, outside] = np.nan
        col_hi[:, outside] = np.nan
    return col_lo, col_hi


def connect(lo: np.ndarray, hi: np.ndarray) -> None:
    """Widen each column's span (in place) to reach the previous column's, so that a
    trace stepping by more than a pixel between columns stays one connected line. A
    column without data (NaN) stays empty and connects nothing."""
    if not np.isnan(lo).any():  # the usual page: no gaps, three passes
        new_lo = np.minimum(lo[:, 1:], hi[:, :-1])  # from the previous column's old top
        np.maximum(hi[:, 1:], lo[:, :-1], out=hi[:, 1:])
        lo[:, 1:] = new_lo
        return
    prev_lo, prev_hi = lo[:, :-1].copy(), hi[:, :-1].copy()  # before either changes
    prev_lo[np.isnan(prev_lo)] = -np.inf
    prev_hi[np.isnan(prev_hi)] = np.inf
    np.maximum(hi[:, 1:], prev_lo, out=hi[:, 1:])  # below the previous: reach up to it
    np.minimum(lo[:, 1:], prev_hi, out=lo[:, 1:])  # above it: reach down to it


def fill_spans(image_t: np.ndarray, top: np.ndarray, bottom: np.ndarray, value: int) -> None:
    """Set pixels of ``image_t`` (columns x height, uint8) from row ``top`` to ``bottom``
    (pixel coordinates, rows x columns, ``top <= bottom``) in each column to ``value``.
    At least one pixel is set per finite span inside the image; NaN spans set none."""
    width, height = image_t.shape
    # int32 offsets (an image holds < 2**31 pixels): half the memory traffic of int64
    idx = np.int32 if image_t.size < 2**31 else np.int64
    with np.errstate(invalid="ignore"):
        ok = (bottom >= 0) & (top < height)  # False for NaN too
        # clipped to the image, so truncation is the floor (NaN casts to garbage, but
        # its span gets length 0 below and is never used)
        a = np.clip(top, 0, height - 1).astype(idx)
        length = np.clip(bottom, 0, height - 1).astype(idx)
    length -= a
    length += 1
    length *= ok  # spans not drawn: length 0
    a += (np.arange(top.shape[1], dtype=idx) * idx(height))[None, :]
    lengths = length.ravel()
    ends = np.cumsum(lengths, dtype=idx)
    if not ends.size or ends[-1] == 0:
        return
    base = a.ravel()
    base -= ends
    base += lengths  # each span's start less the offset of its first pixel in the run
    offsets = np.repeat(base, lengths)
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
           remove_dc: bool, bin_s: float | None = None) -> np.ndarray:
    """An 8-bit image (height x width) of the page's traces.

    ``x``/``y`` are the page's points: with ``bin_s`` (a decimated page) interleaved
    min/max per bin, ``x[0::2]`` the bins' start times; without, the samples. ``layers``:
    (page rows, their lanes, their scales, colour index) drawn in order (later on top).
    Row ``r`` is drawn at screen y ``lane - (value - mid) / scale`` where ``mid`` is its
    mid-range when ``remove_dc`` (else 0); ``y_range`` is (top, bottom) of the view in
    those units. Index 0 is background.
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
        if bin_s is not None:
            lo, hi = envelope_extents(x[0::2], ys[:, 0::2], ys[:, 1::2], bin_s, t0, t1,
                                      int(width))
        else:
            lo, hi = column_extents(x, ys, t0, t1, int(width))
        connect(lo, hi)
        # float32 is ample for pixel positions and halves the memory traffic
        k = (px / np.asarray(scales, dtype=np.float64)).astype(np.float32)[:, None]
        centre = ((np.asarray(lanes, dtype=np.float64) - top_y) * px
                  + mids * k[:, 0]).astype(np.float32)[:, None]
        # larger values go up (smaller pixel rows)
        top = centre - hi.astype(np.float32, copy=False) * k
        bottom = centre - lo.astype(np.float32, copy=False) * k
        fill_spans(image_t, top, bottom, int(value))
    return np.ascontiguousarray(image_t.T)
