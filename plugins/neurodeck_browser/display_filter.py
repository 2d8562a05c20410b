"""An optional display filter: high/low-pass applied to the shown window only (Qt-free).

Like MNE's ``raw.plot(highpass=..., lowpass=...)``: a 4th-order Butterworth IIR designed by
MNE (``mne.filter.create_filter``, ``method="iir"``) and run forward and backward (zero
phase, ``scipy.signal.sosfiltfilt``) the way ``mne.filter.filter_data`` runs it (odd
reflection, limited, at the data's ends), on the window being shown, never on the
recording. So that the window's edges come out as
if the whole recording had been filtered, the window is read with ``pad`` samples of real
data on each side and those are cut off after filtering. ``pad`` is where the filter's
impulse response has lost all but ``TAIL`` of its mass (MNE's own ringing estimate is
too short for cut-offs near 0.1 Hz), measured once per filter. The dataset is untouched:
this is a way of looking at it, not a transform (use the ``filter`` transform for that).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

ORDER = 4
TAIL = 1e-4  # impulse-response mass left beyond the padding
MAX_PAD_S = 120.0
#: Rows never filtered: trigger codes are steps, not signals.
UNFILTERED_TYPES = frozenset({"stim"})


def _iir_params() -> dict:
    return {"order": ORDER, "ftype": "butter", "output": "sos"}


@lru_cache(maxsize=32)
def _design(sfreq: float, l_freq: float | None, h_freq: float | None
            ) -> tuple[np.ndarray, int, int]:
    """(second-order sections, context samples read per side, MNE's edge padding)."""
    import mne
    from scipy import signal

    params = mne.filter.create_filter(None, sfreq, l_freq, h_freq, method="iir",
                                      iir_params=_iir_params(), verbose=False)
    sos = np.asarray(params["sos"])
    n = int(min(MAX_PAD_S * sfreq, 4_000_000))
    impulse = np.zeros(max(n, 16))
    impulse[0] = 1.0
    h = np.abs(signal.sosfilt(sos, impulse))
    left = h.sum() - np.cumsum(h)  # mass beyond each sample
    beyond = np.flatnonzero(left <= TAIL * h.sum())
    pad = int(beyond[0]) + 1 if beyond.size else h.size
    return sos, max(pad, int(params["padlen"])), int(params["padlen"])


def _reflect_limited(x: np.ndarray, n: int) -> np.ndarray:
    """``x`` extended by ``n`` samples at each end by odd reflection (as MNE pads before
    ``sosfiltfilt``)."""
    if n <= 0:
        return x
    return np.concatenate([2 * x[:, :1] - x[:, n:0:-1], x, 2 * x[:, -1:] - x[:, -2:-n - 2:-1]],
                          axis=1)


@dataclass(frozen=True)
class DisplayFilter:
    """High-pass at ``l_freq`` and/or low-pass at ``h_freq`` (Hz) for data at ``sfreq``."""

    sfreq: float
    l_freq: float | None = None
    h_freq: float | None = None

    def __post_init__(self) -> None:
        nyq = self.sfreq / 2
        for name in ("l_freq", "h_freq"):
            f = getattr(self, name)
            if f is not None and not 0 < f < nyq:
                raise ValueError(f"{name} must be between 0 and {nyq:g} Hz, got {f}")
        if self.l_freq is None and self.h_freq is None:
            raise ValueError("a display filter needs l_freq, h_freq or both")
        if self.l_freq is not None and self.h_freq is not None and self.l_freq >= self.h_freq:
            raise ValueError(f"l_freq ({self.l_freq}) must be below h_freq ({self.h_freq})")

    @property
    def pad(self) -> int:
        """Samples of context read on each side of the window."""
        return _design(float(self.sfreq), self.l_freq, self.h_freq)[1]

    def band(self) -> str:
        """``"1–40 Hz band-pass"``, ``"1 Hz high-pass"`` or ``"40 Hz low-pass"``."""
        if self.l_freq is not None and self.h_freq is not None:
            return f"{self.l_freq:g}\u2013{self.h_freq:g} Hz band-pass"
        if self.l_freq is not None:
            return f"{self.l_freq:g} Hz high-pass"
        return f"{self.h_freq:g} Hz low-pass"

    def describe(self) -> str:
        return f"display filter: {self.band()} (Butterworth order {ORDER}, zero phase)"

    def apply(self, block: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``block`` (rows x samples, with the padding) filtered along time; only ``rows``
        (a boolean mask) when given. Returns a new array."""
        out = np.array(block, dtype=np.float64, copy=True)
        if out.shape[1] < 2:
            return out
        picks = np.arange(out.shape[0]) if rows is None else np.flatnonzero(rows)
        if picks.size == 0:
            return out
        nan = ~np.isfinite(out[picks]).all(axis=1)
        picks = picks[~nan]  # missing data (NaN) stays missing
        if picks.size:
            from scipy import signal

            sos, _, edge = _design(float(self.sfreq), self.l_freq, self.h_freq)
            n = out.shape[1]
            e = min(edge, n - 1)
            ext = _reflect_limited(out[picks], e)
            out[picks] = signal.sosfiltfilt(sos, ext, axis=-1, padlen=0)[:, e:e + n]
        return out


def filterable(types: list[str]) -> np.ndarray:
    """Mask of the rows a display filter applies to."""
    return np.asarray([t not in UNFILTERED_TYPES for t in types], dtype=bool)
