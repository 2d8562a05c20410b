"""What the browser shows, behind one interface: sampled signals or spike times.

A source answers "rows ``picks`` between ``t0`` and ``t1`` at ``n_px`` pixels"
with a :class:`Page` holding only what can be drawn: min/max peaks for signals,
one tick per occupied pixel for spikes, or a rows x bins image for the heatmap
mode. Sources read only the requested window (``TimeSeries.get_data``) and run
on the fetcher's worker thread. No Qt here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurodeck.data import Events, SpikeTrains, TimeSeries

from .decimate import bin_means, minmax_decimate, pixel_spikes


@dataclass
class Page:
    """The drawable content of one window.

    ``mode`` is ``"traces"`` (``x`` seconds, ``y`` rows x points), ``"raster"``
    (``ticks``: one array of times per row) or ``"heatmap"`` (``image`` rows x
    bins covering ``[t0, t1)``).
    """

    t0: float
    t1: float
    picks: tuple[int, ...]
    mode: str
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    ticks: list[np.ndarray] = field(default_factory=list)
    image: np.ndarray | None = None
    n_samples: int = 0  # raw samples shown (for the status bar and tests)
    step: int = 1  # samples per min/max bin (1: the samples themselves)
    sfreq: float | None = None  # of the samples (signals): a bin lasts step / sfreq
    n_read: int = 0  # samples read per row, display-filter padding included
    render: Any = None  # drawing prepared on the worker by the view (trace image/paths)

    def nbytes(self) -> int:
        """Memory the page holds (the fetcher's cache is bounded by it)."""
        arrays = [self.x, self.y, self.image, *self.ticks]
        size = sum(a.nbytes for a in arrays if a is not None)
        return size + (self.render.nbytes() if hasattr(self.render, "nbytes") else 0)


class Source(ABC):
    """The interface the browser talks to."""

    kind: str = "signal"

    def __init__(self, ds: Any):
        self.ds = ds

    @property
    def labels(self) -> list[str]:
        return list(self.ds.labels)

    @property
    def row_types(self) -> list[str]:
        return ["row"] * len(self.labels)

    @property
    @abstractmethod
    def duration(self) -> float:
        """Length of the data in seconds."""

    @property
    def events(self) -> Events:
        return getattr(self.ds, "events", None) or Events.empty()

    @property
    def unit_step(self) -> float:
        """The finest time step worth showing (one sample)."""
        return 1e-3

    @abstractmethod
    def fetch(self, t0: float, t1: float, picks: Sequence[int], n_px: int, mode: str,
              filt: Any = None) -> Page:
        """The page for ``[t0, t1)`` of rows ``picks``, decimated for ``n_px`` pixels
        (``filt``: a display filter, for sources that sample signals)."""


class SignalSource(Source):
    """Any :class:`~neurodeck.data.TimeSeries` (recordings, traces, ROI series)."""

    kind = "signal"
    #: A ready display copy of the dataset (``ds.display_copy()``: a float32 copy of a
    #: recording computed on demand, see :mod:`.display_copy`), set by the view once built;
    #: pages read it instead of computing the window. None: read the dataset.
    fast: Any = None

    @property
    def row_types(self) -> list[str]:
        return list(self.ds.row_types)

    @property
    def duration(self) -> float:
        return self.ds.n_times / self.ds.sfreq

    @property
    def unit_step(self) -> float:
        return 1.0 / self.ds.sfreq

    def samples(self, t0: float, t1: float) -> tuple[int, int]:
        """Sample range covering ``[t0, t1)``, clipped to the recording."""
        sf = self.ds.sfreq
        start = max(int(np.floor(t0 * sf)), 0)
        stop = min(int(np.ceil(t1 * sf)), self.ds.n_times)
        return start, max(stop, start)

    def read(self, start: int, stop: int, picks: Sequence[int], filt: Any = None,
             exact: bool = False) -> tuple[np.ndarray, int]:
        """Samples ``start:stop`` of rows ``picks`` (display-filtered when ``filt``), and
        how many samples per row were read. Only ``TimeSeries.get_data`` is called: a
        lazy dataset (a filtered recording computing windows on demand) computes just
        this window, padding included; once the view has built its display copy
        (:attr:`fast`), pages read that (float32) instead, unless ``exact`` (the values
        the user copies)."""
        if filt is None:
            data = self._rows(start, stop, picks, exact)
            return data, data.shape[1]
        lo = max(start - filt.pad, 0)
        hi = min(stop + filt.pad, self.ds.n_times)
        block = self._rows(lo, hi, picks, exact)
        types = self.row_types
        from .display_filter import filterable

        block = filt.apply(block, filterable([types[k] for k in picks]))
        return block[:, start - lo: stop - lo], hi - lo

    def _rows(self, start: int, stop: int, picks: Sequence[int], exact: bool) -> np.ndarray:
        fast = None if exact else self.fast
        if fast is not None:
            block = fast.read(start, stop, list(picks))
            if block is not None:  # None: closed meanwhile (the view went away)
                return block
        return np.asarray(self.ds.get_data(start, stop, list(picks)))

    def fetch(self, t0, t1, picks, n_px, mode="traces", filt=None) -> Page:
        picks = tuple(int(p) for p in picks)
        start, stop = self.samples(t0, t1)
        if not picks or stop <= start:
            empty = np.zeros((len(picks), 0))
            return Page(t0, t1, picks, mode, x=np.zeros(0), y=empty, image=empty)
        data, n_read = self.read(start, stop, picks, filt)
        if mode == "heatmap":
            starts, means = bin_means(data, n_px)
            return Page(t0, t1, picks, mode, x=(start + starts) / self.ds.sfreq,
                        image=means.astype(np.float32), n_samples=data.shape[1],
                        step=int(starts[1] - starts[0]) if starts.size > 1 else 1,
                        n_read=n_read)
        # float32 first: what is drawn is float32 anyway, min/max commute with the
        # rounding, and the strided passes then move half the bytes.
        index, values = minmax_decimate(np.asarray(data, dtype=np.float32), n_px)
        n = data.shape[1]
        step = 1 if index.size == n else int(np.ceil(n / int(n_px)))
        return Page(t0, t1, picks, mode, x=(start + index) / self.ds.sfreq,
                    y=np.asarray(values, dtype=np.float32), n_samples=data.shape[1],
                    step=step, n_read=n_read, sfreq=float(self.ds.sfreq))


class SpikeSource(Source):
    """:class:`~neurodeck.data.SpikeTrains` as a raster or a spike-count heatmap."""

    kind = "spikes"

    @property
    def row_types(self) -> list[str]:
        return ["unit"] * self.ds.n_units

    @property
    def duration(self) -> float:
        return max(float(self.ds.duration), 1e-3)

    def fetch(self, t0, t1, picks, n_px, mode="raster", filt=None) -> Page:
        picks = tuple(int(p) for p in picks)
        if mode == "heatmap":
            n_bins = max(int(n_px), 1)
            edges = np.linspace(t0, t1, n_bins + 1)
            image = np.zeros((len(picks), n_bins), dtype=np.float32)
            for r, k in enumerate(picks):
                image[r] = np.histogram(self.ds.unit(k), bins=edges)[0]
            # counts -> rate (Hz) so the colour scale survives zooming
            image /= (t1 - t0) / n_bins
            return Page(t0, t1, picks, mode, x=edges[:-1], image=image)
        ticks = [pixel_spikes(self.ds.unit(k), t0, t1, int(n_px)) for k in picks]
        return Page(t0, t1, picks, "raster", ticks=ticks)


def source_for(ds: Any) -> Source:
    if isinstance(ds, SpikeTrains):
        return SpikeSource(ds)
    if isinstance(ds, TimeSeries):
        return SignalSource(ds)
    raise TypeError(f"the browser cannot show {type(ds).__name__}")


def robust_scale(data: np.ndarray) -> float:
    """A row spacing for one channel type: twice the median (over rows) of the
    robust peak-to-peak (1st-99th percentile) range, so that typical rows
    fill about half their lane and artefacts do not shrink everything."""
    data = np.asarray(data, dtype=np.float64)
    if data.size == 0:
        return 1.0
    lo, hi = np.nanpercentile(data, [1, 99], axis=1)
    ptp = hi - lo
    ptp = ptp[np.isfinite(ptp) & (ptp > 0)]
    return float(2.0 * np.median(ptp)) if ptp.size else 1.0
