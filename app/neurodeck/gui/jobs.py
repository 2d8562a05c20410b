"""Running work off the GUI thread: a job per analysis or file opening.

Each job runs a plain function in a worker thread with a
:class:`~neurodeck.jobs.progress.Progress`; its signals reach the GUI thread
queued. Cancel sets the progress's flag (the function stops at its next
``progress.update``/``check``). A job that has not stopped a second later is stopped by
force: ``Cancelled`` is raised inside its thread at the next Python instruction, so code
that never checks its progress stops too (a single long call into a C library finishes
that call first). One that still runs after that is abandoned: shown as cancelled, its
late result dropped.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6 import QtCore

from ..errors import Cancelled, NeurodeckError
from ..jobs import activity, collector
from ..jobs.progress import Progress

#: After Cancel: when to stop a job that did not stop itself, and when to give up on it.
FORCE_AFTER_MS = 1000
ABANDON_AFTER_MS = 4000


@dataclass
class Job:
    id: int
    title: str
    progress: Progress = field(default_factory=Progress)
    status: str = "queued"  # queued, running, done, failed, cancelled
    started: float = 0.0
    ended: float = 0.0
    error: str = ""
    traceback: str = ""
    on_done: Callable[[Any], None] | None = None
    # Called in the GUI thread with the exception; returns True when it handled it.
    on_error: Callable[[BaseException], bool] | None = None
    exception: BaseException | None = None
    thread: threading.Thread | None = None

    @property
    def elapsed(self) -> float:
        if not self.started:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


class JobManager(QtCore.QObject):
    """Starts jobs on threads and reports their life to the GUI thread."""

    added = QtCore.Signal(object)  # Job
    progressed = QtCore.Signal(object)  # Job
    finished = QtCore.Signal(object)  # Job (done, failed or cancelled)
    _result = QtCore.Signal(int, object, str, str)  # id, value, error, traceback

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._result.connect(self._on_result)
        self._progress_signal = _ProgressRelay()
        self._progress_signal.moved.connect(self._on_progress)

    def submit(self, title: str, fn: Callable[[Progress], Any],
               on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], bool] | None = None) -> Job:
        """Run ``fn(progress)`` on a worker thread; ``on_done(value)`` runs in the GUI thread."""
        job = Job(next(self._ids), title, on_done=on_done, on_error=on_error)
        self.jobs[job.id] = job
        relay = self._progress_signal
        job.progress.add_listener(lambda f, m, jid=job.id: relay.moved.emit(jid, f, m))
        job.status, job.started = "running", time.monotonic()
        self.added.emit(job)
        thread = threading.Thread(target=self._work, args=(job, fn), daemon=True,
                                  name=f"neurodeck-job-{job.id}")
        job.thread = thread
        thread.start()
        return job

    def _work(self, job: Job, fn: Callable[[Progress], Any]) -> None:
        try:
            with activity.running():  # background prefetches wait meanwhile
                value = fn(job.progress)
                if not activity.others_running():  # here, not in the GUI thread's turn
                    collector.settle()  # that makes the result's view: two short stalls
            self._result.emit(job.id, value, "", "")
        except Cancelled:
            self._result.emit(job.id, None, "cancelled", "")
        except NeurodeckError as exc:
            job.exception = exc
            self._result.emit(job.id, None, str(exc), traceback.format_exc())
        except BaseException as exc:  # noqa: BLE001 - any failure is reported, never fatal
            job.exception = exc
            self._result.emit(job.id, None, f"{type(exc).__name__}: {exc}",
                              traceback.format_exc())

    def cancel(self, job_id: int) -> None:
        job = self.jobs.get(job_id)
        if job is None or not job.active:
            return
        job.progress.cancel()
        QtCore.QTimer.singleShot(FORCE_AFTER_MS, self, lambda: self._force(job_id))
        QtCore.QTimer.singleShot(ABANDON_AFTER_MS, self, lambda: self._abandon(job_id))

    def _force(self, job_id: int) -> None:
        """Raise Cancelled in a job's thread that ignored the flag (a loop that never
        reports progress keeps allocating otherwise)."""
        job = self.jobs.get(job_id)
        if job is None or not job.active or job.thread is None or not job.thread.is_alive():
            return
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(job.thread.ident),
                                                   ctypes.py_object(Cancelled))

    def _abandon(self, job_id: int) -> None:
        job = self.jobs.get(job_id)
        if job is not None and job.active:
            job.status, job.ended = "cancelled", time.monotonic()
            job.error = "cancelled (the job did not stop in time; its result will be dropped)"
            self.finished.emit(job)

    def _on_progress(self, job_id: int, fraction: float, message: str) -> None:
        job = self.jobs.get(job_id)
        if job is not None and job.active:
            self.progressed.emit(job)

    def _on_result(self, job_id: int, value: Any, error: str, tb: str) -> None:
        job = self.jobs.get(job_id)
        if job is None or not job.active:
            return  # abandoned after cancel: drop the late result
        job.ended = time.monotonic()
        if error == "cancelled":
            job.status, job.error = "cancelled", "cancelled"
        elif error and job.on_error is not None and job.exception is not None \
                and job.on_error(job.exception):
            job.status, job.error = "cancelled", "needs a choice: " + error
        elif error:
            job.status, job.error, job.traceback = "failed", error, tb
        else:
            job.status = "done"
            if job.on_done is not None:
                try:
                    job.on_done(value)
                except Exception as exc:  # noqa: BLE001
                    job.status, job.error, job.traceback = "failed", str(exc), \
                        traceback.format_exc()
        self.finished.emit(job)

    def active_jobs(self) -> list[Job]:
        return [j for j in self.jobs.values() if j.active]

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Process events until no job is active (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        app = QtCore.QCoreApplication.instance()
        while self.active_jobs() and time.monotonic() < deadline:
            app.processEvents(QtCore.QEventLoop.AllEvents, 50)
            time.sleep(0.005)
        return not self.active_jobs()


class _ProgressRelay(QtCore.QObject):
    moved = QtCore.Signal(int, float, str)
