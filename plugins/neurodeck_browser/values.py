"""What Edit > Copy values copies from the browser: the window as shown (Qt-free).

Signals: the window's samples (display-filtered when the filter is on), in display units
(µV for EEG), each row label saying its unit; capped at 10^6 values. Spikes: the spike
count of each unit in the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .sources import SignalSource, Source
from .units import Unit

MAX_VALUES = 1_000_000


def window_table(source: Source, rows: Sequence[int], t0: float, t1: float,
                 units: dict[str, Unit], filt: Any = None
                 ) -> tuple[list[str], list[str], np.ndarray]:
    """(row labels, column labels, values) of rows ``rows`` in ``[t0, t1)``."""
    rows = list(rows)
    labels, types = source.labels, source.row_types
    if isinstance(source, SignalSource):
        start, stop = source.samples(t0, t1)
        stop = min(stop, start + max(MAX_VALUES // max(len(rows), 1), 1))
        data, _ = source.read(start, stop, rows, filt, exact=True)  # not the display copy
        factors = np.asarray([units.get(types[k], Unit()).factor for k in rows])
        data = data * factors[:, None]
        note = f"{filt.band()} display filter" if filt is not None else ""
        names = []
        for k in rows:
            extra = ", ".join(x for x in (units.get(types[k], Unit()).name, note) if x)
            names.append(f"{labels[k]} ({extra})" if extra else labels[k])
        sfreq = source.ds.sfreq
        times = [f"{(start + i) / sfreq:.6g}" for i in range(data.shape[1])]
        return names, times, data
    counts = np.array([[np.count_nonzero((u >= t0) & (u < t1))]
                       for u in (source.ds.unit(k) for k in rows)], dtype=float)
    return [labels[k] for k in rows], [f"spikes {t0:.3f}-{t1:.3f} s"], counts
