"""The fMRI slice viewer against nibabel: voxel under the cursor, time courses, atlas."""

import json

import nibabel as nib
import numpy as np
import pytest
from neurodeck_browser.fmri import PLANE_AXES, FmriView
from PySide6 import QtCore

from neurodeck.data import Atlas, FmriRun

pytestmark = pytest.mark.gui


@pytest.fixture
def run_file(tmp_path):
    rng = np.random.default_rng(0)
    data = (rng.standard_normal((9, 11, 7, 15)) + 100).astype(np.float32)
    # LPS-like axes (x and y flipped) with a shift: the view must reorient to RAS
    # and still report the file's own voxel indices and world coordinates.
    affine = np.array([[-2.0, 0, 0, 30], [0, -2.5, 0, 40], [0, 0, 3.0, -10], [0, 0, 0, 1]])
    img = nib.Nifti1Image(data, affine)
    img.header.set_zooms((2.0, 2.5, 3.0, 1.5))
    path = tmp_path / "run.nii.gz"
    nib.save(img, path)
    labels = np.zeros((9, 11, 7), np.int16)
    labels[:4] = 1
    labels[4:, :5] = 2
    atlas = Atlas(nib.Nifti1Image(labels, affine), {1: "alpha", 2: "beta"})
    return path, data, labels, atlas, affine


def _open(qtbot, ds):
    view = FmriView(ds)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitUntil(lambda: view.volume is not None and view.series is not None, timeout=10000)
    return view


def test_time_course_under_cursor_matches_nibabel(qtbot, run_file):
    path, data, *_ = run_file
    run = FmriRun(nib.load(path))
    view = _open(qtbot, run)
    ref = nib.load(path).get_fdata()
    for ijk in [(0, 0, 0), (8, 10, 6), (3, 7, 2)]:
        view.set_cursor_voxel(*ijk)
        qtbot.waitUntil(lambda ijk=ijk: view.series is not None and np.allclose(
            view.series, ref[ijk]), timeout=10000)
        assert view.cursor_voxel() == ijk
        np.testing.assert_allclose(view.series, ref[ijk], rtol=1e-6)
    # the axial slice shown is the file's volume reoriented (x and y flipped here)
    view.set_time(4)
    qtbot.waitUntil(lambda: view.t == 4 and np.allclose(
        view.volume, ref[::-1, ::-1, :, 4]), timeout=10000)
    img = view.images["axial"].image
    np.testing.assert_allclose(img, ref[::-1, ::-1, view.cursor[2], 4], rtol=1e-6)


def test_hover_reads_voxel_world_value_and_region(qtbot, run_file):
    path, data, labels, atlas, affine = run_file
    view = _open(qtbot, FmriRun(nib.load(path)))
    view.set_atlas(atlas)
    # hover over file voxel (6, 2, cursor z) in the axial plane with the real mouse
    target = (6, 2, view.cursor_voxel()[2])
    d = view.run.to_display(target)
    h, v, _ = PLANE_AXES["axial"]
    zooms = view.run.display_zooms
    vb = view.plots["axial"].vb
    scene = vb.mapViewToScene(QtCore.QPointF((d[h] + 0.5) * zooms[h], (d[v] + 0.5) * zooms[v]))
    qtbot.mouseMove(view.glw.viewport(), view.glw.mapFromScene(scene))
    qtbot.waitUntil(lambda: "voxel (6, 2," in view.readout_text, timeout=3000)
    x, y, z = affine[:3, :3] @ target + affine[:3, 3]
    assert f"world ({x:.1f}, {y:.1f}, {z:.1f})" in view.readout_text
    assert f"value {data[target + (0,)]:.4g}" in view.readout_text
    assert "region 2: beta" in view.readout_text  # labels[6, 2, :] == 2
    # ROI mean time course equals the nibabel mean over the region's voxels
    view.set_cursor_voxel(1, 1, 1)  # region 1
    view.set_roi_mode(True)
    expected = data[labels == 1].mean(axis=0)
    qtbot.waitUntil(lambda: view.roi_series is not None and np.allclose(
        view.roi_series, expected, rtol=1e-5), timeout=10000)


def test_atlas_on_another_grid_is_resampled(qtbot, run_file):
    path, data, labels, atlas, affine = run_file
    # the same labels written at half the voxel size: nearest-neighbour resampling
    fine_aff = affine.copy()
    fine_aff[:3, :3] /= 2
    fine = np.repeat(np.repeat(np.repeat(labels, 2, 0), 2, 1), 2, 2)
    fine_aff[:3, 3] -= np.diag(fine_aff[:3, :3]) * 0.5  # centres of the sub-voxels
    view = _open(qtbot, FmriRun(nib.load(path)))
    view.set_atlas(Atlas(nib.Nifti1Image(fine, fine_aff), {1: "alpha", 2: "beta"}))
    back = view.run.orient(labels.astype(np.int32))
    agree = np.mean(view.labels_display == back)
    assert agree > 0.95  # only boundary voxels may differ


def test_colour_limits_state_and_export(qtbot, run_file, tmp_path):
    path, *_ = run_file
    view = _open(qtbot, FmriRun(nib.load(path)))
    view.set_levels(90.0, 110.0)
    assert view.images["coronal"].levels.tolist() == [90.0, 110.0]
    with pytest.raises(ValueError):
        view.set_levels(5.0, 1.0)
    view.set_cursor_voxel(2, 3, 4)
    view.set_time(7)
    state = json.loads(json.dumps(view.state()))
    other = _open(qtbot, FmriRun(nib.load(path)))
    other.restore_state(state)
    assert other.cursor_voxel() == (2, 3, 4) and other.t == 7 and other.levels == (90.0, 110.0)
    qtbot.waitUntil(lambda: other.series is not None and other.values_table() is not None,
                    timeout=10000)
    rows, cols, values = other.values_table()
    assert rows == ["voxel 2,3,4"] and len(cols) == 15
    assert view.export(tmp_path / "f.png").stat().st_size > 1000


def test_atlas_dataset_opens_as_labels(qtbot, run_file):
    *_, atlas, _ = run_file
    view = FmriView(atlas)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.volume is not None, timeout=10000)
    assert view.region_at(view.run.to_display((0, 0, 0))) == (1, "alpha")


@pytest.mark.parametrize("slope, inter, endian", [(1.0, 0.0, "<"), (0.5, 100.0, "<"),
                                                  (0.5, 100.0, ">")])
def test_a_compressed_int16_run_is_held_as_int16_and_read_scaled(qtbot, tmp_path, slope,
                                                                  inter, endian):
    """A .nii.gz is decompressed once into memory in the file's own type (int16: half of
    float32), whatever its byte order; volumes, time courses and region means come out
    scaled as nibabel's ``get_fdata`` (float32 display: rtol 1e-6)."""
    rng = np.random.default_rng(1)
    raw = rng.integers(-3000, 3000, (8, 9, 6, 12)).astype(np.int16)
    header = nib.Nifti1Header(endianness=endian)
    header.set_data_dtype(np.int16)
    img = nib.Nifti1Image(raw, np.diag([2.0, 2.0, 2.0, 1.0]), header)
    img.header.set_slope_inter(slope, inter)
    path = tmp_path / "run16.nii.gz"
    nib.save(img, path)
    assert nib.load(path).dataobj.dtype.byteorder in ("=", "|", endian)
    ref = nib.load(path).get_fdata()
    assert not np.allclose(ref, raw) or slope == 1.0  # the scaling is real
    view = _open(qtbot, FmriRun(nib.load(path)))
    qtbot.waitUntil(lambda: view.run._full is not None, timeout=10000)
    assert view.run._full.dtype == np.int16
    assert view.run.nbytes == raw.nbytes
    view.set_time(7)
    qtbot.waitUntil(lambda: view.t == 7 and np.allclose(view.volume, ref[..., 7]),
                    timeout=10000)
    np.testing.assert_allclose(view.volume, ref[..., 7], rtol=1e-6)
    view.set_cursor_voxel(3, 4, 2)
    qtbot.waitUntil(lambda: view.series is not None and np.allclose(
        view.series, ref[3, 4, 2]), timeout=10000)
    np.testing.assert_allclose(view.series, ref[3, 4, 2], rtol=1e-6)
    mask = np.zeros(raw.shape[:3], bool)
    mask[2:5, 1:7, 3] = True  # axes already RAS here: display mask = file mask
    np.testing.assert_allclose(view.run.region_series(mask), ref[mask].mean(axis=0),
                               rtol=1e-6)


def test_a_truncated_compressed_run_says_which_file_and_why(qtbot, tmp_path):
    """A .nii.gz cut short (a copy interrupted): the first volume still shows; reads past
    the end say the file's name and that it is truncated, and the view stays up."""
    raw = np.random.default_rng(2).integers(0, 3000, (12, 12, 12, 40)).astype(np.int16)
    whole = tmp_path / "whole.nii.gz"
    nib.save(nib.Nifti1Image(raw, np.eye(4)), whole)
    cut = tmp_path / "cut.nii.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    view = FmriView(FmriRun(nib.load(cut)))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.volume is not None, timeout=10000)
    view.set_time(39)
    qtbot.waitUntil(lambda: "read failed" in view.readout.text(), timeout=10000)
    text = view.readout.text()
    assert str(cut) in text and "truncated" in text
    assert view.isVisible()
