"""Turn input datasets into count sequences (bins x neurons) for the HMM-GLM."""

from __future__ import annotations

import numpy as np

from neurodeck.data import SpikeTrains, Traces
from neurodeck.errors import InputError, ParameterError


def from_spikes(spikes: SpikeTrains, bin_width: float) -> tuple[list[np.ndarray], np.ndarray]:
    """One sequence per segment (or the whole recording): counts and bin start times."""
    spans = spikes.segments or [(0.0, spikes.duration)]
    seqs, times = [], []
    for a, b in spans:
        c = spikes.binned(bin_width, a, b).T
        if len(c):
            seqs.append(c)
            times.append(a + bin_width * np.arange(len(c)))
    if not seqs:
        raise ParameterError(f"bin_width {bin_width} s is longer than every sequence")
    return seqs, np.concatenate(times)


def events_from_trace(trace: np.ndarray, threshold: float) -> np.ndarray:
    """Event onsets of one trace: samples where the robust z-score of the first
    difference crosses ``threshold`` upwards (a rise of the indicator)."""
    d = np.diff(np.asarray(trace, dtype=float), prepend=trace[0])
    d = np.nan_to_num(d)
    med = np.median(d)
    mad = 1.4826 * np.median(np.abs(d - med))
    if mad == 0:
        return np.zeros(len(d), dtype=bool)
    above = (d - med) / mad > threshold
    return above & ~np.concatenate([[False], above[:-1]])


def from_traces(traces: Traces, bin_width: float, threshold: float
                ) -> tuple[list[np.ndarray], np.ndarray]:
    """Event counts per bin of every neuron; several animals become several sequences
    when they share the same neuron labels."""
    step = int(round(bin_width * traces.sfreq))
    if step < 1:
        raise ParameterError(f"bin_width {bin_width} s is shorter than one sample "
                             f"({1 / traces.sfreq:.4g} s)")
    labels = traces.animal_labels[0]
    if any(lab != labels for lab in traces.animal_labels[1:]):
        raise InputError("the animals in these traces have different neurons; pick one "
                         "animal (Traces.animal(i)) for the HMM-GLM")
    seqs, times = [], []
    for arr in traces.arrays:
        data = np.asarray(arr, dtype=float)
        ev = np.stack([events_from_trace(row, threshold) for row in data])
        n_bins = data.shape[1] // step
        if n_bins < 2:
            raise ParameterError(f"bin_width {bin_width} s leaves fewer than 2 bins")
        c = ev[:, :n_bins * step].reshape(len(data), n_bins, step).sum(axis=2)
        seqs.append(c.T.astype(np.int64))
        times.append(bin_width * np.arange(n_bins))
    return seqs, np.concatenate(times)
