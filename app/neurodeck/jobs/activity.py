"""How many jobs are computing in this process now (Qt-free, any thread).

Speculative background work - a view prefetching the pages next to the one shown - asks
:func:`busy` first and waits while a job runs: on a laptop's few cores the user's job gets
them, and a page of a lazily filtered recording costs as much CPU as a slice of the job.
Work the user is waiting for (the page on screen) never waits.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_running = 0


def busy() -> bool:
    """Whether a job is computing now."""
    return _running > 0  # one int read: no lock needed, a stale answer only delays a prefetch


@contextlib.contextmanager
def running() -> Iterator[None]:
    """Marks the enclosed work as a running job."""
    global _running
    with _lock:
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
