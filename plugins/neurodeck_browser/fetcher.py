"""A background fetcher that only ever works on the newest request.

While the user holds an arrow key, requests arrive faster than the disk can
serve them; every request but the newest is dropped, so the view catches up
with the user instead of replaying the whole history. Finished pages are kept
in a small LRU cache and neighbouring pages can be prefetched when idle.
Qt-free: results are handed to a callback (the view marshals them to its thread).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

Job = Callable[[], Any]
Deliver = Callable[[Hashable, Any, BaseException | None], None]


class LatestFetcher:
    """One worker thread, one pending foreground slot, a queue of prefetches.

    ``request(key, job)`` replaces any pending foreground request; when the job
    finishes, ``deliver(key, result, error)`` is called from the worker thread
    unless a newer request was made meanwhile (the result is still cached).
    ``prefetch(key, job)`` runs only when no foreground request waits.
    """

    def __init__(self, deliver: Deliver, cache_size: int = 16):
        self._deliver = deliver
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_size = int(cache_size)
        self._cond = threading.Condition()
        self._pending: tuple[int, Hashable, Job] | None = None
        self._prefetch: list[tuple[Hashable, Job]] = []
        self._generation = 0
        self._closed = False
        self._busy = False
        self.dropped = 0  # foreground requests superseded before they ran (for tests)
        self._thread = threading.Thread(target=self._loop, name="neurodeck-fetch", daemon=True)
        self._thread.start()

    # -- API (any thread) -------------------------------------------------------------
    def cached(self, key: Hashable) -> Any | None:
        with self._cond:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        return None

    def request(self, key: Hashable, job: Job) -> int:
        """Ask for ``key``; returns the request's generation number."""
        with self._cond:
            self._generation += 1
            if self._pending is not None:
                self.dropped += 1
            self._pending = (self._generation, key, job)
            self._cond.notify()
            return self._generation

    def prefetch(self, key: Hashable, job: Job) -> None:
        with self._cond:
            if key in self._cache or any(k == key for k, _ in self._prefetch):
                return
            self._prefetch.append((key, job))
            del self._prefetch[:-4]  # only the most recent neighbours matter
            self._cond.notify()

    def clear_cache(self) -> None:
        with self._cond:
            self._cache.clear()
            self._prefetch.clear()

    @property
    def idle(self) -> bool:
        with self._cond:
            return self._pending is None and not self._busy

    def close(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._closed = True
            self._pending = None
            self._prefetch.clear()
            self._cond.notify()
        self._thread.join(timeout)

    # -- worker -------------------------------------------------------------------------
    def _store(self, key: Hashable, value: Any) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and self._pending is None and not self._prefetch:
                    self._cond.wait()
                if self._closed:
                    return
                foreground = self._pending is not None
                if foreground:
                    gen, key, job = self._pending
                    self._pending = None
                else:
                    gen = -1
                    key, job = self._prefetch.pop()
                hit = self._cache.get(key)
                self._busy = True
            result, error = hit, None
            if hit is None:
                try:
                    result = job()
                except BaseException as exc:  # noqa: BLE001 - reported to the view
                    error = exc
            with self._cond:
                self._busy = False
                if error is None:
                    self._store(key, result)
                stale = gen != self._generation
            if foreground and not stale:
                self._deliver(key, result, error)
