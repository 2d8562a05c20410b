"""Spectra equal MNE (compute_psd, compute_tfr with mne.baseline.rescale); spectral
connectivity equals mne-connectivity (1e-10), on epochs and on a continuous span."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from mne_connectivity import envelope_correlation, spectral_connectivity_epochs

import neurodeck

from .conftest import T, mne_motor


@pytest.mark.parametrize("params, kw", [
    ({"fmax": 60.0}, {"fmax": 60.0}),
    ({"method": "multitaper", "fmin": 2.0, "fmax": 40.0, "bandwidth": 2.0, "tmax": 10.0},
     {"method": "multitaper", "fmin": 2.0, "fmax": 40.0, "bandwidth": 2.0, "tmax": 10.0}),
    ({"tmin": 10.0, "tmax": 70.0, "n_fft": 512, "n_overlap": 256, "window": "hann"},
     {"tmin": 10.0, "tmax": 70.0, "n_fft": 512, "n_overlap": 256, "window": "hann"}),
])
def test_psd_of_a_recording_equals_compute_psd(rec, motor_edf, params, kw):
    res = neurodeck.run("psd", rec, **params)
    ref = mne_motor(motor_edf).compute_psd(picks="data", exclude="bads", verbose="error",
                                           **kw)
    np.testing.assert_allclose(res["psd"], ref.get_data(), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(res["freqs"], ref.freqs)
    assert list(res["labels"]) == ref.ch_names and set(res["ch_types"]) == {"eeg"}


def test_psd_of_epochs_and_positions(montaged):
    ep = T("epochs", montaged, tmin=0.0, tmax=2.0, baseline="none")
    res = neurodeck.run("psd", ep, method="multitaper", fmax=40.0)
    ref = ep.mne_epochs.compute_psd(method="multitaper", fmax=40.0, picks="data",
                                    exclude="bads", verbose="error").average()
    np.testing.assert_allclose(res["psd"], ref.get_data(), rtol=1e-12, atol=0)
    locs = np.array([ch["loc"][:3] for ch in ep.mne_epochs.info["chs"]])
    np.testing.assert_allclose(res["positions"], locs)
    assert np.isfinite(res["positions"]).all()


def test_psd_says_nan_positions_without_a_montage(rec):
    res = neurodeck.run("psd", rec, fmax=20.0)
    assert np.isnan(res["positions"]).all()


@pytest.mark.parametrize("params, kw", [
    ({"freqs": "4:30:2", "n_cycles": "freqs/2"}, {"method": "morlet"}),
    ({"method": "multitaper", "freqs": "6, 10, 14, 20", "n_cycles": "4",
      "time_bandwidth": 3.0, "decim": 2}, {"method": "multitaper", "time_bandwidth": 3.0,
                                           "decim": 2}),
])
def test_tfr_equals_compute_tfr_and_baseline_equals_rescale(rec, params, kw):
    ep = T("epochs", rec, tmin=-0.5, tmax=1.0, baseline="none")
    res = neurodeck.run("tfr", ep, baseline="-0.5, 0", mode="logratio", **params)
    freqs = np.asarray([float(x) for x in params["freqs"].split(",")]) if "," in \
        params["freqs"] else np.arange(4.0, 30.1, 2.0)
    n_cycles = freqs / 2 if params["n_cycles"] == "freqs/2" else float(params["n_cycles"])
    ref = ep.mne_epochs.compute_tfr(freqs=freqs, n_cycles=n_cycles, average=True,
                                    verbose="error", **kw)
    np.testing.assert_allclose(res["power_raw"], ref.data, rtol=1e-12, atol=0)
    based = ref.copy().apply_baseline((-0.5, 0.0), mode="logratio", verbose="error")
    np.testing.assert_allclose(res["power"], based.data, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(res["times"], ref.times)


def test_tfr_of_evoked_and_itc(rec):
    ep = T("epochs", rec, tmin=-0.2, tmax=0.8)
    res = neurodeck.run("tfr", ep, freqs="8:20:4", n_cycles="3", return_itc=True)
    power, itc = ep.mne_epochs.compute_tfr("morlet", np.arange(8.0, 20.1, 4.0), n_cycles=3.0,
                                           average=True, return_itc=True, verbose="error")
    np.testing.assert_allclose(res["itc"], itc.data, rtol=1e-12, atol=1e-15)
    av = T("average", ep)
    res = neurodeck.run("tfr", av, freqs="8:20:4", n_cycles="3", condition="T1")
    ref = av.evoked("T1").compute_tfr("morlet", np.arange(8.0, 20.1, 4.0), n_cycles=3.0,
                                      verbose="error")
    np.testing.assert_allclose(res["power"], ref.data, rtol=1e-12, atol=0)


# -- connectivity --------------------------------------------------------------------------
BANDS = "theta=4-8, alpha=8-13, beta=13-30"
FMIN, FMAX = (4.0, 8.0, 13.0), (8.0, 13.0, 30.0)


def _lower(x):
    n = x.shape[0]
    return x[np.tril_indices(n, -1)]


@pytest.fixture
def short_epochs(rec):
    return T("epochs", T("pick", rec, picks=", ".join(rec.labels[:8])), tmin=0.0, tmax=2.0,
             baseline="none")


@pytest.mark.parametrize("method", ["coh", "imcoh", "plv", "ciplv", "pli", "wpli",
                                    "wpli2_debiased"])
def test_spectral_connectivity_on_epochs_equals_mne_connectivity(short_epochs, method):
    res = neurodeck.run("fc", short_epochs, method=method, bands=BANDS)
    con = spectral_connectivity_epochs(short_epochs.data, method=method,
                                       sfreq=short_epochs.sfreq, fmin=FMIN, fmax=FMAX,
                                       faverage=True, mode="multitaper", verbose="error")
    dense = con.get_data(output="dense")
    assert res["band_matrices"].shape == (3, 8, 8)
    for k in range(3):
        np.testing.assert_allclose(_lower(res["band_matrices"][k]), _lower(dense[:, :, k]),
                                   rtol=0, atol=1e-10)
        m = res["band_matrices"][k]
        np.testing.assert_allclose(m, -m.T if method == "imcoh" else m.T, atol=0)
    np.testing.assert_array_equal(res["matrix"], res["band_matrices"][0])
    assert list(res["band_names"]) == ["theta", "alpha", "beta"]


def test_spectral_connectivity_on_a_continuous_span(rec):
    res = neurodeck.run("fc", rec, method="wpli", bands="alpha=8-13", tmin=10.0, tmax=70.0,
                        segment=2.0, mode="fourier")
    data = rec.get_data(1600, 1600 + 30 * 320)  # 30 segments of 2 s at 160 Hz
    epochs = data.reshape(64, 30, 320).transpose(1, 0, 2)
    con = spectral_connectivity_epochs(epochs, method="wpli", sfreq=160.0, fmin=8.0,
                                       fmax=13.0, faverage=True, mode="fourier",
                                       verbose="error")
    np.testing.assert_allclose(_lower(res["matrix"]), _lower(con.get_data("dense")[:, :, 0]),
                               rtol=0, atol=1e-10)
    assert int(res["n_epochs"]) == 30


def test_envelope_correlation_equals_mne_connectivity(short_epochs):
    from scipy.signal import hilbert

    res = neurodeck.run("fc", short_epochs, method="envelope", bands="alpha=8-13")
    filt = mne.filter.filter_data(short_epochs.data, short_epochs.sfreq, 8.0, 13.0,
                                  verbose="error")
    ref = envelope_correlation(hilbert(filt, axis=-1), orthogonalize="pairwise",
                               verbose="error").combine()
    np.testing.assert_allclose(res["matrix"], ref.get_data("dense")[:, :, 0], rtol=0,
                               atol=1e-10)


def test_correlation_methods_refuse_epochs_in_words(short_epochs):
    with pytest.raises(neurodeck.InputError, match="choose a spectral method"):
        neurodeck.run("fc", short_epochs, method="pearson")
