"""Lazy outputs whose function needs to know which rows it is given.

:class:`~neurodeck.data.WindowedArray` calls ``fn(block, start, stop)``; a z-score or a
neuropil correction also needs each row's own statistics or partner trace, so
:class:`RowWindowedArray` passes the source row indices too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neurodeck.data import WindowedArray
from neurodeck.data.timeseries import TimeSeries

#: ``fn(block, start, stop, rows) -> block``; ``rows`` are the source rows of ``block``.
RowFn = Callable[[np.ndarray, int, int, np.ndarray], np.ndarray]


class RowWindowedArray(WindowedArray):
    """``fn`` applied window by window, told the source rows (always row-wise)."""

    def __init__(self, source: Any, fn: RowFn, *, pad: int = 0,
                 rows: Sequence[int] | None = None, dtype: Any = np.float64):
        super().__init__(source, lambda b, s, e: b, pad=pad, row_wise=True, rows=rows,
                         dtype=dtype)
        self.row_fn = fn

    def window(self, start: int, stop: int, picks: Sequence[int] | None = None) -> np.ndarray:
        n = self.shape[1]
        start, stop = max(int(start), 0), min(int(stop), n)
        want = np.arange(self.shape[0]) if picks is None else np.asarray(picks, dtype=int)
        if stop <= start:
            return np.zeros((len(want), 0), dtype=self.dtype)
        lo, hi = max(start - self.pad, 0), min(stop + self.pad, n)
        src = want if self.rows is None else self.rows[want]
        block = self.source.get_data(lo, hi, picks=src.tolist())
        out = np.asarray(self.row_fn(block, lo, hi, src), dtype=self.dtype)
        return out[:, start - lo: stop - lo]


class ArraySeries(TimeSeries):
    """A bare rows x frames array-like as a time series (the source of lazy outputs)."""

    def __init__(self, data: Any, sfreq: float, labels: Sequence[str] | None = None):
        super().__init__(name="array")
        self._data = data
        self._sfreq = float(sfreq)
        self._labels = list(labels) if labels is not None else \
            [str(i) for i in range(data.shape[0])]

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def sfreq(self) -> float:
        return self._sfreq

    @property
    def n_times(self) -> int:
        return int(self._data.shape[1])

    def get_data(self, start=0, stop=None, picks=None) -> np.ndarray:
        stop = self.n_times if stop is None else min(int(stop), self.n_times)
        if picks is None:
            return np.asarray(self._data[:, start:stop], dtype=np.float64)
        idx = np.asarray(picks, dtype=int)
        order = np.argsort(idx, kind="stable")
        block = np.asarray(self._data[np.sort(idx).tolist(), start:stop], dtype=np.float64)
        out = np.empty_like(block)
        out[order] = block
        return out
