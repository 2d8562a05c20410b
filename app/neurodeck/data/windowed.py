"""Lazy arrays: a transform's output computed window by window from its input.

A :class:`WindowedArray` looks like a ``rows x samples`` array (``shape``, ``dtype``,
slicing, ``np.asarray``) but holds no samples: indexing reads the requested window of the
input time series (with ``pad`` samples of context on each side, for filters and kernels),
applies the function and returns that window. A :class:`~neurodeck.data.timeseries.Traces`
or :class:`ArrayTimeSeries` built on one stays lazy, so browsing a filtered 1-hour recording
reads only what is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: ``fn(block, start, stop) -> block``: ``block`` holds input samples ``start:stop`` (rows
#: as read); the result must have the same shape.
WindowFn = Callable[[np.ndarray, int, int], np.ndarray]


class WindowedArray:
    """``fn`` applied to a time series, one window at a time.

    ``row_wise=False`` for functions that mix rows (an average reference): every row is
    then read for any selection of rows.
    """

    def __init__(self, source: Any, fn: WindowFn, *, pad: int = 0, row_wise: bool = True,
                 rows: Sequence[int] | None = None, dtype: Any = np.float64):
        self.source = source
        self.fn = fn
        self.pad = int(pad)
        self.row_wise = row_wise
        self.rows = None if rows is None else np.asarray(rows, dtype=int)
        self.dtype = np.dtype(dtype)
        n_rows = source.n_rows if self.rows is None else len(self.rows)
        self.shape = (int(n_rows), int(source.n_times))
        self.ndim = 2

    def __len__(self) -> int:
        return self.shape[0]

    def window(self, start: int, stop: int, picks: Sequence[int] | None = None) -> np.ndarray:
        """Rows ``picks`` (of this array) of samples ``start:stop``."""
        n = self.shape[1]
        start, stop = max(int(start), 0), min(int(stop), n)
        if stop <= start:
            k = self.shape[0] if picks is None else len(picks)
            return np.zeros((k, 0), dtype=self.dtype)
        lo, hi = max(start - self.pad, 0), min(stop + self.pad, n)
        want = np.arange(self.shape[0]) if picks is None else np.asarray(picks, dtype=int)
        src_rows = want if self.rows is None else self.rows[want]
        if self.row_wise:
            block = self.source.get_data(lo, hi, picks=src_rows.tolist())
            out = np.asarray(self.fn(block, lo, hi), dtype=self.dtype)
        else:
            all_rows = None if self.rows is None else self.rows.tolist()
            block = self.source.get_data(lo, hi, picks=all_rows)
            out = np.asarray(self.fn(block, lo, hi), dtype=self.dtype)[want]
        return out[:, start - lo: stop - lo]

    def __getitem__(self, key: Any) -> np.ndarray:
        rows, cols = key if isinstance(key, tuple) else (key, slice(None))
        if not isinstance(cols, slice) or cols.step not in (None, 1):
            block = self.window(0, self.shape[1])
            return block[:, cols] if rows is Ellipsis else block[rows][:, cols] \
                if not isinstance(rows, (int, np.integer)) else block[rows, cols]
        start, stop, _ = cols.indices(self.shape[1])
        if isinstance(rows, (int, np.integer)):
            return self.window(start, stop, [int(rows) % self.shape[0]])[0]
        if isinstance(rows, slice) or rows is Ellipsis:
            idx = np.arange(self.shape[0])[rows if isinstance(rows, slice) else slice(None)]
            picks = None if len(idx) == self.shape[0] and (idx == np.arange(
                self.shape[0])).all() else idx.tolist()
        else:
            picks = np.asarray(rows, dtype=int).tolist()
        return self.window(start, stop, picks)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self.window(0, self.shape[1])
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        return f"<WindowedArray {self.shape[0]} x {self.shape[1]} (lazy, pad {self.pad})>"
