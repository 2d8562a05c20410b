"""The functional-connectivity analysis against independent references:
numpy's corrcoef (Pearson) and scikit-learn's Ledoit-Wolf estimator (partial correlation)."""

import numpy as np
import pytest
from sklearn.covariance import LedoitWolf, ShrunkCovariance

import neurodeck
from neurodeck import InputError, ParameterError, Traces

TOL = 1e-10  # both references compute the same formulas in double precision


@pytest.fixture
def traces():
    rng = np.random.default_rng(7)
    mixing = rng.normal(size=(6, 6))
    data = mixing @ rng.normal(size=(6, 3000)) + 5.0  # correlated rows, non-zero mean
    return Traces(data, [f"n{i}" for i in range(6)], sfreq=100.0)


def test_pearson_matches_numpy(traces, neurodeck_plugins):
    res = neurodeck.run("fc", traces)
    np.testing.assert_allclose(res["matrix"], np.corrcoef(traces.data), atol=TOL)
    assert res["labels"].tolist() == traces.labels and int(res["n_samples"]) == 3000


def test_time_span_selects_samples(traces, neurodeck_plugins):
    res = neurodeck.run("fc", traces, tmin=5.0, tmax=12.5)
    np.testing.assert_allclose(res["matrix"], np.corrcoef(traces.data[:, 500:1250]), atol=TOL)


def test_partial_correlation_matches_sklearn_ledoit_wolf(traces, neurodeck_plugins):
    res = neurodeck.run("fc", traces, method="partial")
    lw = LedoitWolf().fit(traces.data.T)
    assert float(res["shrinkage"]) == pytest.approx(lw.shrinkage_, abs=1e-12)
    prec = np.linalg.inv(lw.covariance_)
    d = np.sqrt(np.diag(prec))
    expected = -prec / np.outer(d, d)
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(res["matrix"], expected, atol=1e-9)


def test_fixed_shrinkage_matches_sklearn(traces, neurodeck_plugins):
    res = neurodeck.run("fc", traces, method="partial", shrinkage=0.3)
    prec = np.linalg.inv(ShrunkCovariance(shrinkage=0.3).fit(traces.data.T).covariance_)
    d = np.sqrt(np.diag(prec))
    np.testing.assert_allclose(res["matrix"][0, 1], -prec[0, 1] / (d[0] * d[1]), atol=1e-9)


def test_hand_derived_partial_correlation_removes_a_common_driver(neurodeck_plugins):
    # x and y are both driven by z and otherwise independent: r(x, y) is large,
    # the partial correlation given z is ~0.
    rng = np.random.default_rng(3)
    z = rng.normal(size=20000)
    x = z + 0.5 * rng.normal(size=z.size)
    y = z + 0.5 * rng.normal(size=z.size)
    tr = Traces(np.vstack([x, y, z]), ["x", "y", "z"], sfreq=1.0)
    r = neurodeck.run("fc", tr)["matrix"][0, 1]
    pr = neurodeck.run("fc", tr, method="partial", shrinkage=0.0)["matrix"][0, 1]
    assert r == pytest.approx(0.8, abs=0.02)  # var(z) / (var(z) + 0.25)
    assert abs(pr) < 0.03


def test_chunked_streaming_equals_one_block(traces, neurodeck_plugins, monkeypatch):
    import neurodeck_fc.compute as compute

    whole = neurodeck.run("fc", traces, method="partial")["matrix"]
    monkeypatch.setattr(compute, "CHUNK_SAMPLES", 257)
    chunked = neurodeck.run("fc", traces, method="partial")["matrix"]
    np.testing.assert_allclose(chunked, whole, atol=1e-10)


def test_fisher_z(traces, neurodeck_plugins):
    r = neurodeck.run("fc", traces)["matrix"]
    z = neurodeck.run("fc", traces, fisher_z=True)["matrix"]
    off = ~np.eye(6, dtype=bool)
    np.testing.assert_allclose(z[off], np.arctanh(r[off]), atol=1e-12)


def test_recording_excludes_bad_and_non_data_channels(neurodeck_plugins):
    import mne  # a core dependency

    rng = np.random.default_rng(0)
    info = mne.create_info(["a", "b", "c", "STI"], 100.0, ["eeg", "eeg", "eeg", "stim"])
    raw = mne.io.RawArray(rng.normal(size=(4, 1000)), info, verbose="error")
    raw.info["bads"] = ["b"]
    res = neurodeck.run("fc", neurodeck.Recording(raw))
    assert res["labels"].tolist() == ["a", "c"]
    data = raw.get_data()
    np.testing.assert_allclose(res["matrix"], np.corrcoef(data[[0, 2]]), atol=TOL)


def test_clear_errors(traces, neurodeck_plugins):
    with pytest.raises(ParameterError, match="tmax"):
        neurodeck.run("fc", traces, tmin=10, tmax=5)
    flat = Traces(np.vstack([np.ones(10), np.arange(10.0)]), ["flat", "ramp"], 1.0)
    with pytest.raises(ParameterError, match="constant rows.*flat"):
        neurodeck.run("fc", flat)
    with pytest.raises(InputError, match="accepts timeseries"):
        neurodeck.run("fc", neurodeck.Connectome(np.eye(2)))
    nan = Traces(np.array([[1.0, np.nan, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0]]), sfreq=1.0)
    with pytest.raises(ParameterError, match="NaN"):
        neurodeck.run("fc", nan)


def test_a_span_outside_the_recording_says_so_in_the_users_terms():
    """`--param tmin=100` on a 16 s recording: the start is past the end (not 'tmax (16.0)
    must be after tmin (100.0)')."""
    ts = neurodeck.Traces(np.random.default_rng(0).normal(size=(3, 160)), sfreq=10.0)
    with pytest.raises(neurodeck.ParameterError,
                       match=r"Start \(tmin = 100 s\) is at or after the end of the "
                             r"recording \(16 s\)"):
        neurodeck.run("fc", ts, tmin=100)
    with pytest.raises(neurodeck.ParameterError,
                       match=r"End \(tmax = 2 s\) must be after the start \(tmin = 5 s\); "
                             r"the recording is 16 s"):
        neurodeck.run("fc", ts, tmin=5, tmax=2)
    with pytest.raises(neurodeck.ParameterError, match="holds 1 sample"):
        neurodeck.run("fc", ts, tmin=5, tmax=5.1)
