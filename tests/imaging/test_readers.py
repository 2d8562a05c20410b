"""Each reader equals the owning tool's own loading of the same files."""

from __future__ import annotations

import time

import h5py
import numpy as np
import pytest
import scipy.sparse
from neurodeck_imaging.dataset import ImagingPlane, Movie

import neurodeck
from neurodeck import LayoutChoiceNeeded, ReadError


# -- suite2p -------------------------------------------------------------------------------
def _suite2p_reference(folder):
    """How suite2p's docs load a plane (our fixture: trusted here, never in the reader)."""
    out = {k: np.load(folder / f"{k}.npy") for k in ("F", "Fneu", "spks", "iscell")}
    out["stat"] = np.load(folder / "stat.npy", allow_pickle=True)
    return out


@pytest.mark.parametrize("plane", ["plane0", "plane1", "combined"])
def test_suite2p_plane_equals_suite2p_arrays(s2p, plane, neurodeck_plugins):
    ds = neurodeck.open(s2p / plane)
    ref = _suite2p_reference(s2p / plane)
    assert isinstance(ds, ImagingPlane) and ds.sfreq == 15.0
    np.testing.assert_array_equal(ds.get_data(), ref["F"])
    np.testing.assert_array_equal(ds.signal("Fneu").get_data(), ref["Fneu"])
    np.testing.assert_array_equal(ds.signal("spks").get_data(), ref["spks"])
    np.testing.assert_array_equal(ds.iscell, ref["iscell"][:, 0] > 0.5)
    np.testing.assert_array_equal(ds.cell_prob, ref["iscell"][:, 1])
    for k, s in enumerate(ref["stat"]):
        y, x, lam = ds.rois.pixels(k)
        np.testing.assert_array_equal(y, s["ypix"])
        np.testing.assert_array_equal(x, s["xpix"])
        np.testing.assert_allclose(lam, s["lam"], rtol=1e-7)
    assert ds.meta["sfreq_source"].startswith("suite2p")


def test_suite2p_images_come_from_ops(s2p, neurodeck_plugins):
    ds = neurodeck.open(s2p / "plane0")
    ops = np.load(s2p / "plane0" / "ops.npy", allow_pickle=True).item()
    assert set(ds.images) == {"mean", "mean (enhanced)", "max", "correlation"}
    np.testing.assert_array_equal(ds.images["mean"], ops["meanImg"])
    y0, y1 = ops["yrange"]
    x0, x1 = ops["xrange"]
    np.testing.assert_array_equal(ds.images["max"][y0:y1, x0:x1], ops["max_proj"])


def test_fall_mat_equals_the_plane_folder(s2p, neurodeck_plugins):
    mat = neurodeck.open(s2p / "plane0" / "Fall.mat")
    npy = neurodeck.open(s2p / "plane0")
    np.testing.assert_array_equal(mat.get_data(), npy.get_data())
    for key in ("Fneu", "spks"):
        np.testing.assert_array_equal(mat.signal(key).get_data(), npy.signal(key).get_data())
    np.testing.assert_array_equal(mat.iscell, npy.iscell)
    np.testing.assert_array_equal(mat.rois.ypix, npy.rois.ypix)
    np.testing.assert_array_equal(mat.rois.xpix, npy.rois.xpix)
    np.testing.assert_allclose(mat.rois.lam, npy.rois.lam, rtol=1e-6)
    assert mat.sfreq == npy.sfreq == 15.0
    np.testing.assert_array_equal(mat.images["mean"], npy.images["mean"])


def test_suite2p_folder_is_a_study_of_planes_each_opening_alone(s2p, neurodeck_plugins):
    study = neurodeck.open_study(s2p)
    assert study.keys() == ["plane0", "plane1", "combined"]
    assert [r["rois"] for r in study.table()] == [16, 15, 31]
    one = neurodeck.open(s2p, member="plane1")
    np.testing.assert_array_equal(one.get_data(), np.load(s2p / "plane1" / "F.npy"))
    # the combined view holds the planes' ROIs, in plane order
    combined = study.member("combined")
    np.testing.assert_array_equal(combined.get_data()[:16], study.member("plane0").get_data())


def test_suite2p_found_and_classified_every_planted_cell(s2p, truth, neurodeck_plugins):
    for plane in ("plane0", "plane1"):
        ds = neurodeck.open(s2p / plane)
        centres = ds.rois.centers()[ds.cells]
        planted = truth[f"{plane}_centres"]
        d = np.linalg.norm(centres[:, None] - planted[None], axis=2)
        assert (d.min(axis=0) < 2.5).all()  # every planted cell has a cell ROI on it
        assert (d.min(axis=1) < 2.5).all()  # and every cell ROI sits on a planted cell


def test_suite2p_without_a_rate_asks(tmp_path, s2p, neurodeck_plugins):
    import shutil

    plane = tmp_path / "plane0"
    shutil.copytree(s2p / "combined", plane)
    (plane / "settings.npy").unlink()
    with pytest.raises(LayoutChoiceNeeded, match="frame rate.*sfreq=") as asked:
        neurodeck.open(plane)
    assert asked.value.option == "sfreq"
    assert neurodeck.open(plane, sfreq=30.0).sfreq == 30.0


# -- CaImAn ---------------------------------------------------------------------------------
def _caiman_reference(path):
    """The fields load_CNMF fills, read as CaImAn's load_dict_from_hdf5 does."""
    with h5py.File(path, "r") as f:
        e = f["estimates"]
        a = scipy.sparse.csc_matrix((e["A/data"][:], e["A/indices"][:], e["A/indptr"][:]),
                                    shape=e["A/shape"][:])
        return {"A": a, **{k: e[k][()] for k in ("C", "S", "YrA", "idx_components", "dims",
                                                  "Cn")}, "fr": f["params/data/fr"][()],
                "F_dff": e["F_dff"][()]}


def test_caiman_equals_load_cnmf_fields(caiman_file, neurodeck_plugins):
    ds = neurodeck.open(caiman_file)
    ref = _caiman_reference(caiman_file)
    assert isinstance(ds, ImagingPlane) and ds.sfreq == ref["fr"] == 20.0
    np.testing.assert_array_equal(ds.signal("C").get_data(), ref["C"])
    np.testing.assert_array_equal(ds.signal("spks").get_data(), ref["S"])
    np.testing.assert_array_equal(ds.get_data(), ref["C"] + ref["YrA"])
    assert ref["F_dff"] in (b"NoneType", "NoneType") and "F_dff" not in ds.signals
    np.testing.assert_array_equal(ds.cells, np.sort(ref["idx_components"]))
    dims = tuple(ref["dims"])
    dense = ref["A"].toarray()
    for k in range(ds.n_rois):
        y, x, lam = ds.rois.pixels(k)
        img = np.zeros(dims)
        img[y, x] = lam
        np.testing.assert_allclose(img.reshape(-1, order="F"), dense[:, k])
    np.testing.assert_array_equal(ds.images["correlation"], ref["Cn"].astype(np.float32))


def test_caiman_reader_leaves_other_hdf5_to_the_tables_reader(tmp_path, neurodeck_plugins):
    path = tmp_path / "traces.h5"
    with h5py.File(path, "w") as f:
        f["traces"] = np.ones((3, 20))
        f["traces"].attrs["sfreq"] = 5.0
    assert neurodeck.open(path).kind == "traces"


# -- TIFF -----------------------------------------------------------------------------------
@pytest.fixture
def movies(tmp_path):
    import tifffile

    rng = np.random.default_rng(0)
    a = rng.integers(0, 4000, (24, 3, 2, 20, 18), dtype=np.uint16)  # T Z C Y X
    tifffile.imwrite(tmp_path / "ij.tif", a, imagej=True,
                     metadata={"axes": "TZCYX", "finterval": 0.1})
    tifffile.imwrite(tmp_path / "ome.ome.tif", a[:, 0], ome=True,
                     metadata={"axes": "TCYX", "TimeIncrement": 0.05})
    tifffile.imwrite(tmp_path / "plain.tif", a[:, 0, 0])
    tifffile.imwrite(tmp_path / "zlib.tif", a[:, 0, 0], compression="zlib")
    si = "\n".join(["SI.hRoiManager.scanFrameRate = 30.04", "SI.hRoiManager.scanVolumeRate = "
                    "10.01", "SI.hStackManager.numSlices = 3", "SI.hChannels.channelSave = [1;2]"])
    tifffile.imwrite(tmp_path / "si.tif", a.reshape(-1, 20, 18), software=si)
    return tmp_path, a


def test_tiff_movies_equal_tifffile(movies, neurodeck_plugins):
    import tifffile

    root, a = movies
    ij = neurodeck.open_study(root / "ij.tif")
    assert ij.keys() == [f"plane{z}_ch{c}" for z in range(3) for c in range(2)]
    m = ij.member("plane2_ch1")
    assert isinstance(m, Movie) and m.sfreq == pytest.approx(10.0)
    assert m.meta["storage"] == "memory-mapped" and m.meta["sfreq_source"] == "ImageJ finterval"
    ref = tifffile.imread(root / "ij.tif")
    np.testing.assert_array_equal(m.frames(0, 24), ref[:, 2, 1])
    ome = neurodeck.open(root / "ome.ome.tif", channel=1)
    assert ome.sfreq == pytest.approx(20.0) and ome.meta["format"] == "OME-TIFF"
    np.testing.assert_array_equal(ome.frames(0, 24), a[:, 0, 1])
    si = neurodeck.open(root / "si.tif", plane=1, channel=0)
    assert si.sfreq == pytest.approx(10.01) and si.meta["format"] == "ScanImage"
    np.testing.assert_array_equal(si.frames(0, 24), a[:, 1, 0])  # channel fastest, then slice
    z = neurodeck.open(root / "zlib.tif", sfreq=5.0)
    assert z.meta["storage"] == "read by page"
    np.testing.assert_array_equal(z.frames(3, 9), tifffile.imread(root / "zlib.tif")[3:9])
    np.testing.assert_array_equal(z.frame(7), a[7, 0, 0])


def test_tiff_without_a_frame_rate_asks(movies, neurodeck_plugins):
    root, _ = movies
    with pytest.raises(LayoutChoiceNeeded, match="frame rate") as asked:
        neurodeck.open(root / "plain.tif")
    assert asked.value.option == "sfreq"
    (root / "plain.tif.json").write_text('{"sfreq": 12.5}')
    got = neurodeck.open(root / "plain.tif")
    assert got.sfreq == 12.5 and got.meta["sfreq_source"] == "sidecar"


def test_a_large_movie_opens_without_reading_its_frames(tmp_path, neurodeck_plugins):
    import tifffile

    path = tmp_path / "big.tif"
    n, h, w = 4000, 256, 256  # 500 MB, written sparsely
    with tifffile.TiffWriter(path, bigtiff=True) as tw:
        tw.write(shape=(n, h, w), dtype=np.uint16, metadata={"axes": "TYX", "fps": 30.0})
    t0 = time.perf_counter()
    m = neurodeck.open(path)
    opened = time.perf_counter() - t0
    assert m.meta["storage"] == "memory-mapped" and m.n_frames == n and m.sfreq == 30.0
    assert opened < 30  # the open reads headers only (timings are in the benchmark)
    assert m.frame(n - 1).shape == (h, w)


def test_imagej_roi_set_to_traces(movies, tmp_path, neurodeck_plugins):
    import roifile

    root, a = movies
    movie = neurodeck.open(root / "plain.tif", sfreq=10.0)
    rect = roifile.ImagejRoi.frompoints([[2, 3], [7, 3], [7, 9], [2, 9]])  # x, y
    rect.name = "box"
    oval = roifile.ImagejRoi(roitype=roifile.ROI_TYPE.OVAL, left=10, top=8, right=16,
                             bottom=16, name="oval")
    zpath = tmp_path / "RoiSet.zip"
    roifile.roiwrite(zpath, [rect, oval])
    plane = neurodeck.transform("roi-traces", movie, rois=str(zpath), ring_px=3.0)
    assert plane.labels == ["box", "oval"] and plane.kind == "imaging"
    frames = a[:, 0, 0].astype(float)
    y, x, _ = plane.rois.pixels(0)
    # pixel centres inside the polygon: columns 2..6, rows 3..8
    assert set(zip(y.tolist(), x.tolist(), strict=True)) == {
        (r, c) for r in range(3, 9) for c in range(2, 7)}
    np.testing.assert_allclose(plane.get_data()[0], frames[:, y, x].mean(axis=1), rtol=1e-6)
    yn, xn, _ = plane.rois.subset([0]).pixels(0)
    ring = neurodeck_imaging_ring(plane, 0)
    assert not (set(zip(*ring, strict=True)) & set(zip(yn.tolist(), xn.tolist(), strict=True)))
    np.testing.assert_allclose(plane.signal("Fneu").get_data()[0],
                               frames[:, ring[0], ring[1]].mean(axis=1), rtol=1e-6)
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ReadError, match="broken.zip"):
        neurodeck.transform("roi-traces", movie, rois=str(bad))


def neurodeck_imaging_ring(plane, k):
    from neurodeck_imaging.roiset import ring_masks

    y, x, _ = ring_masks(plane.rois, 3.0).pixels(k)
    return y, x


def test_curation_saves_in_suite2ps_iscell_and_reopens(tmp_path, s2p, neurodeck_plugins):
    import shutil

    from neurodeck.plugin_api.lazy import resolve

    plane_dir = tmp_path / "plane0"
    shutil.copytree(s2p / "plane0", plane_dir)
    plane = neurodeck.open(plane_dir)
    plane.toggle_cell(0)
    plane.toggle_cell(15)
    writer = next(w for w in neurodeck_plugins.contributions("writers")
                  if w.id == "suite2p-iscell")
    resolve(writer.write)(plane, plane_dir / "iscell.npy")
    saved = np.load(plane_dir / "iscell.npy")  # suite2p's own format: ROIs x 2 floats
    assert saved.shape == (16, 2)
    np.testing.assert_array_equal(saved[:, 0] > 0.5, plane.iscell)
    np.testing.assert_array_equal(saved[:, 1], np.load(s2p / "plane0" / "iscell.npy")[:, 1])
    np.testing.assert_array_equal(neurodeck.open(plane_dir).iscell, plane.iscell)
