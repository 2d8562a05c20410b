"""How many jobs are computing in this process now (Qt-free, any thread).

Speculative background work - a view prefetching the pages next to the one shown - asks
:func:`busy` first and waits while a job runs: on a laptop's few cores the user's job gets
them, and a page of a lazily filtered recording costs as much CPU as a slice of the job.
Work the user is waiting for (the page on screen) never waits.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

_lock = threading.Lock()
_running = 0
_ended = float("-inf")  # time.monotonic() when the last job ended


def busy() -> bool:
    """Whether a job is computing now."""
    return _running > 0  # one int read: no lock needed, a stale answer only delays a prefetch


def others_running() -> bool:
    """Inside :func:`running`: whether another job is computing too."""
    return _running > 1


def idle_for() -> float:
    """Seconds since the last job ended (0 while one runs; infinite when none has run).
    Background work that is costly to stop (a view's display cache) waits for a quiet
    spell, so that it does not start between two jobs the user runs back to back."""
    return 0.0 if _running > 0 else time.monotonic() - _ended


@contextlib.contextmanager
def running() -> Iterator[None]:
    """Marks the enclosed work as a running job."""
    global _running, _ended
    with _lock:
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            _ended = time.monotonic()
