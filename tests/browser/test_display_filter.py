"""The display filter: the shown window equals the whole recording filtered by MNE."""

import mne
import numpy as np
import pytest
from neurodeck_browser.display_filter import DisplayFilter
from neurodeck_browser.sources import SignalSource

from neurodeck.data import Recording

IIR = {"order": 4, "ftype": "butter", "output": "sos"}


def _raw(sfreq, seconds, seed=0):
    rng = np.random.default_rng(seed)
    n = int(seconds * sfreq)
    data = rng.standard_normal((3, n)).cumsum(axis=1) * 1e-6 + 50e-6  # drift and offset
    info = mne.create_info(["a", "b", "trig"], sfreq, ["eeg", "eeg", "stim"])
    return mne.io.RawArray(data, info, verbose=False)


@pytest.mark.parametrize("sfreq, l_freq, h_freq", [(1000.0, 0.1, None), (1000.0, 1.0, 40.0),
                                                   (160.0, 0.5, 30.0), (160.0, None, 10.0)])
def test_window_equals_whole_recording_filtered_by_mne(sfreq, l_freq, h_freq):
    """Reference: mne.filter.filter_data (IIR, same design) on the whole recording. The
    window is read with ``pad`` samples of context; tolerance 1e-3 of the filtered
    signal's SD, at the recording's start, in the middle and at its end."""
    raw = _raw(sfreq, 300.0)
    whole = mne.filter.filter_data(raw.get_data()[:2], sfreq, l_freq, h_freq, method="iir",
                                   iir_params=dict(IIR), verbose=False)
    src = SignalSource(Recording(raw))
    filt = DisplayFilter(sfreq, l_freq, h_freq)
    n = raw.n_times
    for start in (0, n // 2, n - int(10 * sfreq)):
        stop = start + int(10 * sfreq)
        data, n_read = src.read(start, stop, [0, 1, 2], filt)
        assert n_read == min(stop + filt.pad, n) - max(start - filt.pad, 0)
        err = np.abs(data[:2] - whole[:, start:stop]).max() / whole.std()
        assert err < 1e-3, (start, err)
        # the trigger channel is never filtered
        np.testing.assert_array_equal(data[2], raw.get_data(picks=[2], start=start,
                                                            stop=stop)[0])


def test_padding_reaches_the_impulse_response_tail():
    from scipy import signal

    filt = DisplayFilter(1000.0, 0.1, None)
    sos = mne.filter.create_filter(None, 1000.0, 0.1, None, method="iir",
                                   iir_params=dict(IIR), verbose=False)["sos"]
    impulse = np.zeros(200_000)
    impulse[0] = 1.0
    h = np.abs(signal.sosfilt(sos, impulse))
    assert h[filt.pad:].sum() <= 1e-4 * h.sum() < h[filt.pad // 2:].sum()
    assert filt.pad > 10 * mne.filter.create_filter(
        None, 1000.0, 0.1, None, method="iir", iir_params=dict(IIR), verbose=False)["padlen"]


def test_invalid_bands_are_refused():
    with pytest.raises(ValueError, match="between 0 and 80"):
        DisplayFilter(160.0, None, 90.0)
    with pytest.raises(ValueError, match="below"):
        DisplayFilter(160.0, 30.0, 10.0)
    with pytest.raises(ValueError, match="needs"):
        DisplayFilter(160.0)
    assert DisplayFilter(160.0, 1.0, 40.0).band() == "1\u201340 Hz band-pass"
