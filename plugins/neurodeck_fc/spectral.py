"""Spectral connectivity per frequency band through mne-connectivity.

Coherence (``coh``), imaginary coherence (``imcoh``), phase-locking value (``plv``),
corrected imaginary PLV (``ciplv``), phase lag index (``pli``), weighted PLI (``wpli``) and
its debiased square (``wpli2_debiased``) come from
``mne_connectivity.spectral_connectivity_epochs`` averaged within each band
(``faverage=True``); the amplitude envelope correlation (``envelope``) from
``mne_connectivity.envelope_correlation`` of each band's analytic signal (band-pass with
``mne.filter.filter_data``, then the Hilbert transform), averaged over epochs.

Epochs are used as they are; a continuous span is cut into consecutive segments of
``segment`` seconds, the epochs of the estimators. mne-connectivity returns the lower
triangle; the matrix is completed by symmetry (antisymmetry for ``imcoh``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import Dataset
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress
from neurodeck.plugin_api import sample_span

from .compute import pick_rows

SPECTRAL = ("coh", "imcoh", "plv", "ciplv", "pli", "wpli", "wpli2_debiased")
METHODS = (*SPECTRAL, "envelope")
#: Measures whose matrix is antisymmetric (i, j) = -(j, i).
ANTISYMMETRIC = ("imcoh",)


def parse_bands(text: str) -> list[tuple[str, float, float]]:
    """``"alpha=8-13, beta=13-30"`` (or ``"8-13"``) -> ``[("alpha", 8.0, 13.0), ...]``."""
    out = []
    for i, part in enumerate(p.strip() for p in str(text).split(",") if p.strip()):
        name, sep, span = part.partition("=")
        if not sep:
            name, span = f"band{i + 1}", part
        lo, dash, hi = span.strip().partition("-")
        try:
            fmin, fmax = float(lo), float(hi)
        except ValueError:
            raise ParameterError(f"bands: {part!r} is not name=low-high (Hz)") from None
        if not dash or not 0 <= fmin < fmax:
            raise ParameterError(f"bands: {part!r} needs 0 <= low < high")
        out.append((name.strip(), fmin, fmax))
    if not out:
        raise ParameterError("bands: give at least one band, e.g. 'alpha=8-13'")
    return out


def epochs_array(ds: Dataset, params: dict[str, Any]) -> tuple[np.ndarray, list[str], float]:
    """``n_epochs x n_channels x n_times`` data, the channel labels and the rate."""
    if ds.is_a("epochs"):
        types = _epoch_types(ds)
        picks = [i for i in _pick(ds, types, params)]
        data = np.asarray(ds.data, float)[:, picks]
        return data, [ds.labels[i] for i in picks], float(ds.sfreq)
    picks = pick_rows(ds, params["channel_types"], params["exclude_bads"])
    start, stop = sample_span(ds, params["tmin"], params["tmax"], min_samples=3)
    seg = int(round(params["segment"] * ds.sfreq))
    n_seg = (stop - start) // seg
    if n_seg < 2:
        raise ParameterError(f"{ds.name}: the span holds {n_seg} segment(s) of "
                             f"{params['segment']:g} s; spectral measures need at least 2 "
                             "(shorten segment or widen the span)")
    data = ds.get_data(start, start + n_seg * seg, picks)
    data = data.reshape(len(picks), n_seg, seg).transpose(1, 0, 2)
    return np.ascontiguousarray(data), [ds.labels[i] for i in picks], float(ds.sfreq)


def _epoch_types(ds: Dataset) -> list[str]:
    ep = getattr(ds, "mne_epochs", None)
    return list(ep.get_channel_types()) if ep is not None else ["data"] * len(ds.labels)


def _pick(ds: Dataset, types: list[str], params: dict[str, Any]) -> list[int]:
    from .compute import NON_DATA_TYPES

    wanted = {t.strip() for t in params["channel_types"].split(",") if t.strip()}
    ep = getattr(ds, "mne_epochs", None)
    bads = set(ep.info["bads"]) if (ep is not None and params["exclude_bads"]) else set()
    return [i for i, (lab, t) in enumerate(zip(ds.labels, types, strict=True))
            if lab not in bads and ("all" in wanted or t in wanted or (
                "data" in wanted and t not in NON_DATA_TYPES))]


def complete(lower: np.ndarray, method: str) -> np.ndarray:
    """A full ``n x n`` matrix from mne-connectivity's lower triangle."""
    if np.allclose(np.triu(lower, 1), 0):
        sign = -1.0 if method in ANTISYMMETRIC else 1.0
        return lower + sign * np.tril(lower, -1).T
    return lower


def spectral(data: np.ndarray, sfreq: float, method: str, bands, params) -> np.ndarray:
    """``n_bands x n x n`` from ``spectral_connectivity_epochs``."""
    from mne_connectivity import spectral_connectivity_epochs

    kw: dict[str, Any] = {"mode": params["mode"]}
    if params["mode"] == "multitaper" and params["mt_bandwidth"] is not None:
        kw["mt_bandwidth"] = params["mt_bandwidth"]
    if params["mode"] == "cwt_morlet":
        kw["cwt_freqs"] = cwt_freqs(bands)
        kw["cwt_n_cycles"] = params["cwt_n_cycles"]
    con = spectral_connectivity_epochs(
        data, method=method, sfreq=sfreq, fmin=tuple(b[1] for b in bands),
        fmax=tuple(b[2] for b in bands), faverage=True, verbose="error", **kw)
    dense = np.asarray(con.get_data(output="dense"), float)  # n x n x n_bands
    return np.stack([complete(dense[:, :, k], method) for k in range(dense.shape[2])])


def cwt_freqs(bands) -> np.ndarray:
    lo = min(b[1] for b in bands)
    hi = max(b[2] for b in bands)
    return np.arange(max(lo, 1.0), hi + 0.5, 1.0)


def envelope(data: np.ndarray, sfreq: float, bands, params, progress: Progress
             ) -> np.ndarray:
    """``n_bands x n x n`` envelope correlations, each band averaged over epochs."""
    import mne
    from mne_connectivity import envelope_correlation
    from scipy.signal import hilbert

    out = []
    for k, (name, lo, hi) in enumerate(bands):
        progress.update(0.1 + 0.8 * k / len(bands), f"envelope correlation, {name}")
        with mne.utils.use_log_level("error"):
            filt = mne.filter.filter_data(data, sfreq, lo, hi, verbose="error")
        analytic = hilbert(filt, axis=-1)
        corr = envelope_correlation(analytic, orthogonalize=(
            "pairwise" if params["orthogonalize"] else False), verbose="error").combine()
        out.append(np.asarray(corr.get_data(output="dense"), float)[:, :, 0])
    return np.stack(out)


def run(inputs, params: dict[str, Any], progress: Progress) -> dict[str, np.ndarray]:
    ds = inputs[0]
    method = params["method"]
    bands = parse_bands(params["bands"])
    data, labels, sfreq = epochs_array(ds, params)
    if len(labels) < 2:
        raise ParameterError(f"{ds.name}: fewer than 2 channels of type "
                             f"{params['channel_types']!r}")
    if not np.all(np.isfinite(data)):
        raise InputError(f"{ds.name} has NaN or infinite values in the chosen data")
    nyq = sfreq / 2
    if any(b[2] > nyq for b in bands):
        raise ParameterError(f"bands: {max(b[2] for b in bands):g} Hz is above the Nyquist "
                             f"frequency ({nyq:g} Hz)")
    progress.update(0.1, f"{method} in {len(bands)} band(s)")
    try:
        mats = envelope(data, sfreq, bands, params, progress) if method == "envelope" else \
            spectral(data, sfreq, method, bands, params)
    except ValueError as exc:
        raise ParameterError(f"fc ({method}): {exc}") from exc
    return {"matrix": mats[0], "band_matrices": mats, "labels": np.asarray(labels),
            "band_names": np.asarray([b[0] for b in bands]),
            "bands": np.asarray([[b[1], b[2]] for b in bands], float),
            "n_samples": np.int64(data.shape[0] * data.shape[2]),
            "n_epochs": np.int64(data.shape[0])}
