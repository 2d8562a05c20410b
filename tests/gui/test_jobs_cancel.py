"""Cancel stops a job's work, even a job that never checks its progress (issue 17, 11)."""

import threading
import time

import pytest

from neurodeck.gui.jobs import JobManager

pytestmark = pytest.mark.gui


def test_cancel_stops_a_job_that_never_checks_its_progress(qtbot):
    manager = JobManager()
    state = {"blocks": 0, "stopped": threading.Event()}

    def greedy(progress):  # never calls progress.update/check: a non-cooperative plugin
        held = []
        try:
            t0 = time.monotonic()
            while time.monotonic() - t0 < 60:
                held.append(bytearray(1 << 16))
                state["blocks"] += 1
                if len(held) > 2000:  # bounded, so a failing test cannot exhaust memory
                    held.clear()
        finally:
            state["stopped"].set()

    job = manager.submit("greedy", greedy)
    qtbot.waitUntil(lambda: state["blocks"] > 100, timeout=10000)
    t0 = time.monotonic()
    manager.cancel(job.id)
    qtbot.waitUntil(lambda: not job.active, timeout=10000)
    # The thread stops well before the job's own 60 s loop would end (about 1 s after the
    # cancel on a quiet machine; the bound is loose because CI machines may be loaded).
    assert state["stopped"].wait(20), "the job's thread is still working"
    assert job.status == "cancelled" and time.monotonic() - t0 < 30
    job.thread.join(5)  # the event is set in the job's finally; the thread ends just after
    assert not job.thread.is_alive()
    n = state["blocks"]
    time.sleep(0.3)
    assert state["blocks"] == n  # no more allocation after the cancel
