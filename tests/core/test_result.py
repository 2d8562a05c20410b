"""Results: named arrays, provenance, HDF5 files that never unpickle, atomic saves."""

import h5py
import numpy as np
import pytest

import neurodeck
from neurodeck import ReadError, Result, Traces


def test_run_result_roundtrip_with_provenance(tmp_path, neurodeck_plugins):
    rng = np.random.default_rng(1)
    tr = Traces(rng.normal(size=(5, 200)), [f"n{i}" for i in range(5)], sfreq=20.0)
    res = neurodeck.run("fc", tr)
    prov = res.provenance
    assert prov["analysis"] == "fc" and prov["plugin"] == "fc"
    assert prov["parameters"]["method"] == "pearson"
    assert prov["neurodeck_version"] == neurodeck.__version__
    assert prov["inputs"][0]["sha256"].startswith("sha256:")
    path = res.save(tmp_path / "fc.h5")
    back = Result.load(path)
    assert set(back) == set(res)
    np.testing.assert_array_equal(back["matrix"], res["matrix"])
    assert back["labels"].tolist() == [f"n{i}" for i in range(5)]
    assert back.provenance == prov
    with h5py.File(path) as f:  # arrays are plain named datasets
        assert f["arrays/matrix"].shape == (5, 5)


def test_result_rejects_objects_that_would_need_pickle():
    with pytest.raises(TypeError, match="not text|unsupported"):
        Result({"bad": np.array([{"a": 1}], dtype=object)})


def test_result_keyerror_lists_names():
    with pytest.raises(KeyError, match="has: matrix"):
        Result({"matrix": np.eye(2)})["labels"]


def test_loading_a_non_result_file_is_a_read_error(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(ReadError, match="other.h5"):
        Result.load(path)
    garbage = tmp_path / "garbage.h5"
    garbage.write_bytes(b"\x00" * 100)
    with pytest.raises(ReadError, match="garbage.h5"):
        Result.load(garbage)


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "r.h5"
    Result({"a": np.arange(3)}).save(path)
    before = path.read_bytes()

    class Boom(Exception):
        pass

    def explode(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(h5py.Group, "create_dataset", explode)
    with pytest.raises(Boom):
        Result({"a": np.arange(5)}).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.h5"]  # no temporary left behind
