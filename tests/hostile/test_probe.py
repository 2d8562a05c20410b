"""The probe worker itself: verdicts, the cache, and a worker that cannot start."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import neurodeck
from neurodeck.errors import LayoutChoiceNeeded, ReadError
from neurodeck.safety import probe


@pytest.fixture
def fresh_worker():
    probe.shutdown()
    probe._PASSED.clear()
    yield
    probe.shutdown()
    probe._PASSED.clear()


def test_a_clean_error_in_the_worker_is_raised_as_the_same_type(tmp_path, neurodeck_plugins,
                                                                 fresh_worker):
    path = tmp_path / "two.npz"
    np.savez(path, a=np.ones((3, 50)), b=np.ones((4, 60)))
    with pytest.raises(LayoutChoiceNeeded) as err:  # rebuilt from the worker's JSON
        neurodeck.open(path, sfreq=10.0)
    assert err.value.option == "data_key" and {c["key"] for c in err.value.candidates} == {
        "a", "b"}
    assert neurodeck.open(path, data_key="a", sfreq=10.0).n_rows == 3


def test_a_file_that_passed_is_not_probed_again_until_it_changes(tmp_path, neurodeck_plugins,
                                                                 fresh_worker, monkeypatch):
    path = tmp_path / "t.npy"
    np.save(path, np.ones((2, 30)))
    asked = []
    real = probe.Worker.ask
    monkeypatch.setattr(probe.Worker, "ask", lambda self, *a: asked.append(1) or real(self, *a))
    neurodeck.open(path, sfreq=10.0)
    neurodeck.open(path, sfreq=10.0)
    assert len(asked) == 1
    np.save(path, np.ones((2, 31)))  # new size and time: probed again
    assert neurodeck.open(path, sfreq=10.0).n_times == 31 and len(asked) == 2


def test_a_worker_that_cannot_start_leaves_the_app_usable(tmp_path, neurodeck_plugins,
                                                         fresh_worker, monkeypatch, caplog):
    import sys

    monkeypatch.setattr(probe, "START_TIMEOUT_S", 5.0)
    monkeypatch.setattr(probe, "worker_command",
                        lambda: ([sys.executable, "-c", "raise SystemExit(3)"], {}))
    path = tmp_path / "t.npy"
    np.save(path, np.ones((2, 30)))
    with caplog.at_level(logging.WARNING, logger="neurodeck.safety"):
        assert neurodeck.open(path, sfreq=10.0).n_rows == 2
    assert "without the probe" in caplog.text
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ReadError, match="bad.npy"):  # the in-process checks still apply
        neurodeck.open(bad, sfreq=10.0)
