"""fmri-qc on planted runs: tSNR, DVARS and the global signal take known values."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest

import neurodeck
from neurodeck.data import FmriRun


def _run(data, tmp_path, tr=2.0):
    img = nib.Nifti1Image(data.astype(np.float32), np.diag([3.0, 3.0, 3.0, 1.0]))
    img.header.set_zooms((3.0, 3.0, 3.0, tr))
    path = tmp_path / "run.nii.gz"
    nib.save(img, path)
    return FmriRun(nib.load(path))


def test_planted_jump_and_noise(tmp_path, neurodeck_plugins):
    shape, n = (12, 12, 10), 30
    brain = np.zeros(shape, bool)
    brain[3:9, 3:9, 2:8] = True
    data = np.zeros((*shape, n))
    data[brain] = 1000.0
    data[..., 15:] += 5.0 * brain[..., None]  # every brain voxel steps up by 5 at t = 15
    res = neurodeck.run("fmri-qc", _run(data, tmp_path))
    # nilearn's EPI mask (with its morphological opening) stays inside the bright block
    assert res["mask"].sum() > 0 and not (res["mask"] & ~brain).any()
    expected = np.zeros(n - 1)
    expected[14] = 5.0  # RMS over the mask of a uniform change of 5
    np.testing.assert_allclose(res["dvars"], expected, atol=1e-9)
    np.testing.assert_allclose(res["global_signal"], np.where(np.arange(n) < 15, 1000, 1005))
    t = np.arange(n)
    step = (t >= 15) * 5.0
    sd = step.std(ddof=1)
    np.testing.assert_allclose(res["tsnr"][brain], (1000 + step.mean()) / sd, rtol=1e-6)
    assert res["median_tsnr"] == pytest.approx((1000 + step.mean()) / sd, rel=1e-6)
    np.testing.assert_allclose(res["times"], t * 2.0)


def test_bundled_run_with_defaults(neurodeck_plugins):
    s = next(s for s in neurodeck_plugins.contributions("sample_data") if s.id == "fmri-run")
    run = neurodeck.open(s.resolve_path())
    res = neurodeck.run("fmri-qc", run)
    ref = np.asarray(run.img.get_fdata(), float)
    np.testing.assert_allclose(res["std"], ref.std(axis=3, ddof=1), rtol=1e-5, atol=1e-3)
    m = res["mask"]
    np.testing.assert_allclose(res["dvars"], np.sqrt(np.mean(np.diff(ref[m], axis=1) ** 2,
                                                             axis=0)), rtol=1e-6)
    assert 5 < res["median_tsnr"] < 500
