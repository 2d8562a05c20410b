"""stat.npy/ops.npy are pickles: read with a restricted unpickler that runs nothing."""

from __future__ import annotations

import os
import pickle
import shutil
import struct

import numpy as np
import pytest
from neurodeck_imaging.safe_pickle import RefusedPickle, load_npy, loads

import neurodeck
from neurodeck import ReadError


class _Payload:
    """Unpickling this runs ``os.system('touch CANARY')``."""

    def __init__(self, canary):
        self.canary = canary

    def __reduce__(self):
        return (os.system, (f"touch {self.canary}",))


def _npy_with_pickle(path, body: bytes, shape=(1,)):
    text = f"{{'descr': '|O', 'fortran_order': False, 'shape': {shape}, }}".encode()
    text += b" " * ((-(len(text) + 11)) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body)


def test_real_stat_and_ops_equal_numpys_own_unpickling(s2p):
    # The reference is numpy's own loader on our fixture (a file we made with suite2p):
    # trusted here, never in the reader.
    for name in ("stat.npy", "ops.npy"):
        ours = load_npy(s2p / "plane0" / name)
        ref = np.load(s2p / "plane0" / name, allow_pickle=True)
        assert ours.shape == ref.shape and ours.dtype == ref.dtype
    stat = load_npy(s2p / "plane0" / "stat.npy")
    ref = np.load(s2p / "plane0" / "stat.npy", allow_pickle=True)
    for a, b in zip(stat, ref, strict=True):
        assert a.keys() == b.keys()
        for k in ("ypix", "xpix", "lam", "med", "npix"):
            np.testing.assert_array_equal(a[k], b[k])
    ops = load_npy(s2p / "plane0" / "ops.npy").item()
    ref = np.load(s2p / "plane0" / "ops.npy", allow_pickle=True).item()
    assert ops.keys() == ref.keys() and ops["fs"] == ref["fs"] == 15.0
    np.testing.assert_array_equal(ops["meanImg"], ref["meanImg"])
    assert isinstance(ops["date_proc"], str)  # a datetime in the file, text here


@pytest.mark.parametrize("target", [os.system, eval, exec, shutil.rmtree, print])
def test_any_callable_is_refused_before_it_runs(tmp_path, target):
    canary = tmp_path / "canary"

    class Call:
        def __reduce__(self):
            return (target, (f"touch {canary}",))

    with pytest.raises(RefusedPickle, match="refused to load"):
        loads(pickle.dumps([{"ypix": np.arange(3)}, Call()], protocol=4))
    assert not canary.exists()


def test_crafted_stat_npy_in_a_suite2p_folder_is_refused_and_executes_nothing(tmp_path, s2p,
                                                                             neurodeck_plugins):
    plane = tmp_path / "suite2p" / "plane0"
    shutil.copytree(s2p / "plane0", plane)
    canary = tmp_path / "canary"
    body = pickle.dumps(np.array([_Payload(canary)] * 16, dtype=object), protocol=2)
    _npy_with_pickle(plane / "stat.npy", body, shape=(16,))
    with pytest.raises(ReadError, match="stat.npy.*(names a callable|refused)"):
        neurodeck.open(plane)  # through the probe worker and then the app
    with pytest.raises(ReadError, match="names a callable"):
        load_npy(plane / "stat.npy")  # the loader itself, with no guard around it
    assert not canary.exists()


def test_malformed_pickles_are_read_errors(tmp_path):
    for i, body in enumerate([b"", b"\x80\x04", b"garbage", pickle.dumps("text")]):
        path = tmp_path / f"x{i}.npy"
        _npy_with_pickle(path, body)
        with pytest.raises(ReadError, match=f"x{i}.npy"):
            load_npy(path)
