"""NIfTI, atlas and ROI-table readers against nibabel; roi-extract against numpy."""

import nibabel as nib
import numpy as np
import pytest

import neurodeck
from neurodeck import ParameterError, ReadError

RUN = "fmri/nitime_fmri1.nii.gz"


def test_run_is_lazy_with_header_tr(shared_data, neurodeck_plugins):
    run = neurodeck.open(shared_data / RUN)
    ref = nib.load(shared_data / RUN)
    assert run.kind == "fmri" and run.shape == (10, 10, 18, 40)
    assert run.tr == pytest.approx(1.35, abs=1e-6) and not run.img.in_memory
    np.testing.assert_array_equal(run.volume(7), ref.get_fdata()[..., 7])
    np.testing.assert_array_equal(run.voxel_series(4, 5, 9), ref.get_fdata()[4, 5, 9])
    assert neurodeck.open(shared_data / RUN, tr=2.0).tr == 2.0


def _atlas(tmp_path, shared_data):
    """A label atlas on the run's grid: three slabs along x, label 0 elsewhere."""
    ref = nib.load(shared_data / RUN)
    labels = np.zeros(ref.shape[:3], dtype=np.int16)
    labels[0:3, :, 2:16], labels[3:6, :, 2:16], labels[6:9, :, 2:16] = 1, 2, 5
    path = tmp_path / "slabs.nii.gz"
    nib.save(nib.Nifti1Image(labels, ref.affine), path)
    (tmp_path / "slabs.tsv").write_text("index\tname\n1\tleft\n2\tmiddle\n5\tright\n")
    return path, labels, ref.get_fdata()


def test_atlas_reader(tmp_path, shared_data, neurodeck_plugins):
    path, _, _ = _atlas(tmp_path, shared_data)
    atlas = neurodeck.open(path)
    assert atlas.kind == "atlas" and atlas.region_names == {1: "left", 2: "middle", 5: "right"}


def test_roi_extract_matches_numpy_means(tmp_path, shared_data, neurodeck_plugins):
    path, labels, data = _atlas(tmp_path, shared_data)
    res = neurodeck.run("roi-extract", shared_data / RUN, atlas=str(path))
    assert list(res["regions"]) == ["left", "middle", "right"]
    ref = np.stack([data[labels == v].mean(axis=0) for v in (1, 2, 5)])
    # float32 accumulation inside nilearn: relative tolerance 1e-5.
    np.testing.assert_allclose(res["timeseries"], ref, rtol=1e-5)
    z = neurodeck.run("roi-extract", shared_data / RUN, atlas=str(path), standardize="zscore",
                      detrend=True)
    t = np.arange(ref.shape[1])
    resid = np.stack([r - np.polyval(np.polyfit(t, r, 1), t) for r in ref])
    zref = resid / resid.std(axis=1, ddof=1, keepdims=True)
    np.testing.assert_allclose(z["timeseries"], zref, atol=1e-4)
    roi = neurodeck.RoiTimeSeries(res["timeseries"], res["regions"], float(res["tr"]))
    assert roi.n_rows == 3 and roi.tr == pytest.approx(1.35, abs=1e-6)


def test_roi_extract_confounds_and_bad_params(tmp_path, shared_data, neurodeck_plugins):
    path, labels, data = _atlas(tmp_path, shared_data)
    conf = np.random.default_rng(0).normal(size=(40, 2))
    cpath = tmp_path / "conf.tsv"
    cpath.write_text("a\tb\n" + "\n".join(f"{x}\t{y}" for x, y in conf))
    res = neurodeck.run("roi-extract", shared_data / RUN, atlas=str(path), confounds=str(cpath))
    ref = np.stack([data[labels == v].mean(axis=0) for v in (1, 2, 5)])
    # nilearn regresses the confounds out (OLS on [1, confounds]) and, without
    # standardisation, keeps each region's mean: residual + mean.
    design = np.column_stack([np.ones(40), conf])
    beta, *_ = np.linalg.lstsq(design, ref.T, rcond=None)
    expected = (ref.T - design @ beta + ref.mean(axis=1)).T
    np.testing.assert_allclose(res["timeseries"], expected, rtol=1e-5)
    with pytest.raises(ParameterError, match="Nyquist"):
        neurodeck.run("roi-extract", shared_data / RUN, atlas=str(path), low_pass=0.5)


def test_probabilistic_atlas(tmp_path, shared_data, neurodeck_plugins):
    path, labels, data = _atlas(tmp_path, shared_data)
    maps = np.stack([(labels == v).astype(np.float32) for v in (1, 2, 5)], axis=-1)
    mpath = tmp_path / "maps.nii.gz"
    nib.save(nib.Nifti1Image(maps, nib.load(path).affine), mpath)
    res = neurodeck.run("roi-extract", shared_data / RUN, atlas=str(mpath))
    # Disjoint binary maps: the least-squares fit is the mean within each map.
    ref = np.stack([data[labels == v].mean(axis=0) for v in (1, 2, 5)])
    np.testing.assert_allclose(res["timeseries"], ref, rtol=1e-4)


def test_roi_tables(tmp_path, shared_data, neurodeck_plugins):
    csv = shared_data / "fmri" / "nitime_fmri_timeseries.csv"
    roi = neurodeck.open(csv, tr=1.89)
    ref = np.genfromtxt(csv, delimiter=",", names=True)
    assert roi.kind == "roi_timeseries" and roi.regions == list(ref.dtype.names)
    np.testing.assert_allclose(roi.data, np.stack([ref[n] for n in ref.dtype.names]))
    with pytest.raises(neurodeck.LayoutChoiceNeeded) as asked:  # no TR known: never 1 Hz
        neurodeck.open(csv)
    assert asked.value.option == "sfreq" and "tr=" in str(asked.value)
    assert neurodeck.open(csv, sfreq=1 / 1.89).kind == "traces"  # a rate given: a plain table
    one_d = tmp_path / "rois.1D"
    vals = np.random.default_rng(0).normal(size=(20, 4))
    np.savetxt(one_d, vals, header="AFNI 1D", comments="# ")
    (tmp_path / "rois.json").write_text('{"RepetitionTime": 2.5}')
    got = neurodeck.open(one_d)
    np.testing.assert_allclose(got.data, vals.T)
    assert got.tr == 2.5


def test_truncated_nifti(tmp_path, shared_data, neurodeck_plugins):
    raw = (shared_data / "fmri" / "nibabel_functional.nii").read_bytes()
    bad = tmp_path / "cut.nii"
    bad.write_bytes(raw[: len(raw) - 100])
    with pytest.raises(ReadError, match="cut.nii.*truncated"):
        neurodeck.open(bad)
