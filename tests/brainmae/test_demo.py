"""The demo input shipped with BrainMAE: it opens into the analysis with its defaults, it is
rebuilt byte for byte from the training data, and its statistics are the training scans'."""

from __future__ import annotations

import h5py
import numpy as np
from neurodeck_brainmae import checkpoint, demo, gaussian
from neurodeck_brainmae.infer import normalise

import neurodeck


def _training_scans(shared_data):
    config, _ = checkpoint.load()
    with h5py.File(shared_data / "fmri" / "rest_roi_timeseries_aal2.h5", "r") as f:
        return [f[name][:] for name in config.training["data"]]


def test_demo_sample_opens_into_brainmae_with_defaults(neurodeck_plugins):
    sample = next(s for s in neurodeck_plugins.contributions("sample_data")
                  if s.id == "brainmae-demo")
    ds = neurodeck.open(sample.resolve_path())
    assert ds.kind == sample.kind == "roi_timeseries"
    config, _ = checkpoint.load()
    assert list(ds.regions) == list(config.regions) and ds.tr == config.tr
    r = neurodeck.run("brainmae", ds)  # every parameter at its default
    assert r["reconstruction"].shape == (94, 400)
    # The network reconstructs hidden regions far better than either naive baseline.
    assert r["reconstruction_error"].mean() < 0.8 * r["baseline_error_mean"].mean()
    assert r["reconstruction_error"].mean() < 0.8 * r["baseline_error_nearest"].mean()
    assert str(r["baseline_gaussian_covariance"]).startswith("checkpoint")


def test_demo_is_rebuilt_byte_for_byte(shared_data, tmp_path):
    config, _ = checkpoint.load()
    held = ",".join(name.split("/")[-1] for name in config.training["heldout"])
    rc = demo.main([str(shared_data / "fmri" / "rest_roi_timeseries_aal2.h5"), "--group", "hcp",
                    "--exclude", held, "--out", str(tmp_path / "demo")])
    assert rc == 0
    assert (tmp_path / "demo.csv").read_bytes() == demo.demo_path().read_bytes()


def test_twin_has_the_training_scans_covariance_and_spectrum(shared_data):
    scans = _training_scans(shared_data)
    zs = [normalise(s)[0] for s in scans]
    want = gaussian.pooled_covariance(zs)
    x = demo.twin(scans, 1200, seed=1)
    got = gaussian.pooled_covariance([normalise(x)[0]])
    upper = np.triu_indices(94, 1)
    # 1,200 autocorrelated frames: sampling error of a correlation ~0.04 on average
    assert np.corrcoef(want[upper], got[upper])[0, 1] > 0.95
    assert np.abs(want - got)[upper].mean() < 0.06
    # lag-1 autocorrelation as in the scans (0.58 pooled)
    z = normalise(x)[0]
    lag1 = np.mean([np.corrcoef(s[:, :-1].ravel(), s[:, 1:].ravel())[0, 1] for s in zs])
    assert abs(np.corrcoef(z[:, :-1].ravel(), z[:, 1:].ravel())[0, 1] - lag1) < 0.05
    # region means and standard deviations are the scans' averages
    np.testing.assert_allclose(x.mean(1), np.mean([s.mean(1) for s in scans], 0), rtol=1e-9)
    np.testing.assert_allclose(x.std(1), np.mean([s.std(1) for s in scans], 0), rtol=1e-9)
