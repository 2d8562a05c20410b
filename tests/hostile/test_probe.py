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


def _send_unanswered(w: probe.Worker, request: dict) -> None:
    """Write a request as an abandoned ask would have (nobody waits for its answer)."""
    import pickle
    import struct

    data = pickle.dumps({**request, "request": -1})
    w.proc.stdin.write(struct.pack("<Q", len(data)) + data)
    w.proc.stdin.flush()


def test_a_late_answer_to_an_abandoned_request_is_never_taken_for_the_next(tmp_path,
                                                                          fresh_worker):
    """A job cancelled while the worker read a file leaves that file's answer coming: the
    next request must get its own answer, not that one (it would open the wrong verdict)."""
    slow = tmp_path / "slowmod_probe_test.py"
    slow.write_text("import time\ntime.sleep(1.0)\n")
    w = probe.Worker()
    try:
        _send_unanswered(w, {"op": "warm", "modules": ["slowmod_probe_test"],
                             "sys_path": [str(tmp_path)]})  # answers "ok" after 1 s
        bad = tmp_path / "two.npz"
        np.savez(bad, a=np.ones((3, 50)), b=np.ones((4, 60)))
        request = {"op": "open", "readers": probe.reader_specs(neurodeck.api.plugin_manager()),
                   "reader": None, "options": {"sfreq": 10.0}, "path": str(bad),
                   "sys_path": [], "policy": {"memory_budget": 1 << 30,
                                              "allow_external": False, "timeout_s": 30.0}}
        import sys

        request["sys_path"] = list(sys.path)
        reply = w.ask(request, 30.0, 1 << 62)
        assert reply["status"] == "error", reply  # the npz's own answer, not the warm "ok"
        assert "data_key" in str(reply)
    finally:
        w.kill()


def test_an_interrupted_wait_stops_the_busy_worker(monkeypatch, fresh_worker):
    w = probe.Worker()

    class Interrupted(Exception):
        pass

    def interrupted(*args, **kwargs):
        raise Interrupted

    monkeypatch.setattr(w._replies, "get", interrupted)
    with pytest.raises(Interrupted):
        w.ask({"op": "warm", "modules": [], "sys_path": []}, 5.0, 1 << 62)
    assert not w.alive()


def test_the_bundled_samples_are_part_of_the_app_and_not_probed(tmp_path, fresh_worker,
                                                               monkeypatch):
    from neurodeck.paths import resource_path

    sample = resource_path("samples", "eegmmidb_S001R04.edf")
    assert probe.shipped(sample)
    copy = tmp_path / sample.name
    copy.write_bytes(sample.read_bytes())
    link = tmp_path / "link.edf"
    link.symlink_to(sample)
    assert not probe.shipped(copy) and not probe.shipped(link)  # a user's file: probed
    asked = []
    monkeypatch.setattr(probe.Worker, "ask", lambda self, *a, **k: asked.append(a) or {
        "status": "ok"})
    neurodeck.open(sample)
    assert asked == []
    neurodeck.open(copy)
    assert len(asked) == 1
