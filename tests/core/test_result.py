"""Results: named arrays, provenance, HDF5 files that never unpickle, atomic saves."""

import os

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


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_follow_the_umask(tmp_path, umask):
    """Results, workspaces, scripts and summaries are written through atomic_path: they get
    0666 less the umask, like any file the user's programs write, not a private 0600."""
    from neurodeck.atomic import write_text_atomic

    old = os.umask(umask)
    try:
        res = Result({"x": np.zeros(3)}, {"analysis": "t"}).save(tmp_path / "r.h5")
        txt = write_text_atomic(tmp_path / "s.py", "print(1)\n")
    finally:
        os.umask(old)
    for p in (res, txt):
        assert p.stat().st_mode & 0o777 == 0o666 & ~umask, oct(p.stat().st_mode)
    os.chmod(txt, 0o640)  # an existing file keeps its own mode when rewritten
    write_text_atomic(txt, "print(2)\n")
    assert txt.stat().st_mode & 0o777 == 0o640
