"""Building a dataset's display copy in the background, when nothing else needs the cores.

A dataset computed window by window (a filtered, re-referenced recording) may offer a
display copy (``ds.display_copy()``: an object with ``build(progress)``, ``read(start,
stop, picks)``, ``ready``, ``close()``; the MNE plugin's is a float32 file of the whole
chain). Once it is built, the browser's pages read it and cost what pages of a raw file
cost. A :class:`CopyBuilder` decides when it is built (Qt-free; the view polls it):

* only while its view is shown, no job is computing, and none has for :data:`QUIET_S`
  seconds (jobs run back to back are not slowed: the build would start between two);
* a job starting, or the view hidden, cancels the build (what was written is deleted); it
  starts again later, from the beginning;
* at most one build at a time in the process (the first view shown that wants one);
* on a thread of its own at the lowest CPU priority (Linux: ``nice`` 19 for that thread);
* a refusal (disk space) or a failure is logged and ends it: the view keeps reading the
  dataset itself, as without a copy.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from typing import Any

from neurodeck.errors import Cancelled
from neurodeck.jobs import activity
from neurodeck.jobs.progress import Progress

log = logging.getLogger(__name__)

#: Seconds without a running job before a build starts.
QUIET_S = 3.0

_lock = threading.Lock()
_active: CopyBuilder | None = None  # the builder whose thread is running, if any
_users: dict[int, int] = {}  # id(copy) -> builders (views) using it


def offered(ds: Any) -> Any | None:
    """The display copy ``ds`` offers (None: none; errors are logged, never raised)."""
    maker = getattr(ds, "display_copy", None)
    if not callable(maker):
        return None
    try:
        return maker()
    except Exception:  # noqa: BLE001 - a display nicety must never break the view
        log.exception("display copy of %s not offered", getattr(ds, "name", ds))
        return None


def building() -> bool:
    """Whether a display copy is being built now (by any view)."""
    return _active is not None


def _lower_priority() -> None:
    """This thread (only) at the lowest CPU priority, where the platform allows it."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class CopyBuilder:
    """Builds one display copy when allowed (see the module doc); :meth:`poll` is called
    by the view every so often and says where the copy stands."""

    def __init__(self, copy: Any):
        self.copy = copy
        with _lock:  # views sharing the dataset's copy: the last one closed drops it
            _users[id(copy)] = _users.get(id(copy), 0) + 1
        self._closed = False
        self.fraction = 0.0
        self.failed: str | None = None
        self.starts = 0  # builds started (restarts after a cancel count; for tests)
        self._progress: Progress | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def done(self) -> bool:
        """Nothing more to do: ready, refused, failed or closed."""
        c = self.copy
        return bool(c.ready or c.closed or getattr(c, "refused", None) or self.failed)

    def poll(self, shown: bool) -> str:
        """Start, keep or cancel the build; returns the state: ``"ready"``, ``"building"``,
        ``"waiting"`` or ``"off"`` (refused, failed or closed: never again)."""
        if self.copy.ready:
            return "ready"
        if self.done or self._closed:
            return "off"
        if not shown or activity.busy() or activity.idle_for() < QUIET_S:
            if self.running:
                self.cancel()
            return "waiting"
        if self.running:
            return "building"
        return "building" if self._start() else "waiting"

    def _start(self) -> bool:
        global _active
        with _lock:
            if _active is not None:
                return False
            _active = self
        self.fraction = 0.0
        self.starts += 1
        self._progress = Progress(lambda f, _m: setattr(self, "fraction", f))
        self._thread = threading.Thread(target=self._run, args=(self._progress,),
                                        name="neurodeck-display-copy", daemon=True)
        self._thread.start()
        return True

    def _run(self, progress: Progress) -> None:
        global _active
        _lower_priority()
        try:
            self.copy.build(progress)
            if getattr(self.copy, "refused", None):
                log.info("%s", self.copy.refused)
        except Cancelled:
            log.debug("display copy cancelled (restarted later)")
        except Exception as exc:  # noqa: BLE001 - logged; the view keeps the lazy path
            self.failed = f"{type(exc).__name__}: {exc}"
            log.warning("display copy failed, pages keep computing the recording: %s",
                        self.failed, exc_info=True)
        finally:
            with _lock:
                if _active is self:
                    _active = None

    def cancel(self, wait: float = 0.0) -> None:
        """Stop the build at its next block (what it wrote is deleted)."""
        if self._progress is not None:
            self._progress.cancel()
        if wait and self._thread is not None:
            self._thread.join(wait)

    def close(self, wait: float = 0.0) -> None:
        """The view is going away: cancel the build, and drop the copy (its file) unless
        another view still shows the same dataset."""
        self.cancel(wait)
        with _lock:
            if self._closed:
                return
            self._closed = True
            left = _users.get(id(self.copy), 1) - 1
            if left > 0:
                _users[id(self.copy)] = left
            else:
                _users.pop(id(self.copy), None)
        if left <= 0:
            self.copy.close()

    def note(self, state: str) -> str:
        """What the status line says about the copy ("" when nothing worth saying)."""
        if state == "building":
            return f"preparing fast browsing {self.fraction * 100:.0f}%"
        return ""
