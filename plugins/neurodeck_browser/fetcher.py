"""Background fetchers that only ever work on the newest request.

While the user holds an arrow key, requests arrive faster than the disk can serve them;
every request but the newest is dropped, so the view catches up with the user instead of
replaying the whole history. Finished pages are kept in a small LRU cache bounded in
bytes (a page of 256 channels weighs more than one of 8), and neighbouring pages are
prefetched while the user reads. With ``workers=2`` two pages are read at once: paging
back to back is bound by how fast pages are made, and reading (file I/O, numpy) leaves
the interpreter lock free most of the time. A request for a page a worker is already
making waits for it instead of making it again.
Qt-free: results are handed to a callback (the view marshals them to its thread).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

Job = Callable[[], Any]
Deliver = Callable[[Hashable, Any, BaseException | None], None]
Sizer = Callable[[Any], int]


class LatestFetcher:
    """Worker threads, one pending foreground slot, a queue of prefetches.

    ``request(key, job)`` replaces any pending foreground request; when the job
    finishes, ``deliver(key, result, error)`` is called from a worker thread
    unless a newer request was made meanwhile (the result is still cached).
    ``prefetch(key, job)`` runs only when no foreground request waits and
    ``defer_prefetch()`` is false. The cache holds
    at most ``cache_size`` results and ``cache_bytes`` bytes as ``sizer`` weighs them.
    """

    def __init__(self, deliver: Deliver, cache_size: int = 16, *, workers: int = 1,
                 cache_bytes: int | None = None, sizer: Sizer | None = None,
                 defer_prefetch: Callable[[], bool] | None = None):
        self._deliver = deliver
        # Prefetches wait while this says so (a job computing: it gets the cores).
        self._defer = defer_prefetch or (lambda: False)
        self._cache: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._cache_size = int(cache_size)
        self._cache_bytes = cache_bytes
        self._sizer = sizer or (lambda _value: 0)
        self._bytes = 0
        self._cond = threading.Condition()
        self._pending: tuple[int, Hashable, Job] | None = None
        self._prefetch: list[tuple[Hashable, Job]] = []
        self._running: dict[Hashable, int] = {}  # key -> generation wanting it (-1: none)
        self._generation = 0
        self._closed = False
        self._busy = 0
        self.dropped = 0  # foreground requests superseded before they ran (for tests)
        self._threads = [threading.Thread(target=self._loop, name=f"neurodeck-fetch-{i}",
                                          daemon=True) for i in range(max(int(workers), 1))]
        for t in self._threads:
            t.start()

    # -- API (any thread) -------------------------------------------------------------
    def cached(self, key: Hashable) -> Any | None:
        with self._cond:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key][0]
        return None

    def request(self, key: Hashable, job: Job) -> int:
        """Ask for ``key``; returns the request's generation number."""
        with self._cond:
            self._generation += 1
            if self._pending is not None:
                self.dropped += 1
                self._pending = None
            # not also as a prefetch (two workers on one key would lose the delivery)
            self._prefetch = [(k, j) for k, j in self._prefetch if k != key]
            if key in self._running:  # a worker is making it: deliver that one
                self._running[key] = self._generation
            else:
                self._pending = (self._generation, key, job)
            self._cond.notify_all()
            return self._generation

    def prefetch(self, key: Hashable, job: Job) -> None:
        with self._cond:
            if key in self._cache or key in self._running or \
                    any(k == key for k, _ in self._prefetch):
                return
            self._prefetch.append((key, job))
            del self._prefetch[:-4]  # only the most recent neighbours matter
            self._cond.notify_all()

    def clear_cache(self) -> None:
        with self._cond:
            self._cache.clear()
            self._bytes = 0
            self._prefetch.clear()

    @property
    def cache_bytes(self) -> int:
        with self._cond:
            return self._bytes

    @property
    def idle(self) -> bool:
        with self._cond:
            return self._pending is None and not self._busy and not self._prefetch

    def close(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._closed = True
            self._pending = None
            self._prefetch.clear()
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout)

    # -- workers ------------------------------------------------------------------------
    def _store(self, key: Hashable, value: Any) -> None:
        if key in self._cache:
            self._bytes -= self._cache.pop(key)[1]
        size = int(self._sizer(value))
        self._cache[key] = (value, size)
        self._bytes += size
        while len(self._cache) > 1 and (
                len(self._cache) > self._cache_size
                or (self._cache_bytes is not None and self._bytes > self._cache_bytes)):
            _, (_, old) = self._cache.popitem(last=False)
            self._bytes -= old

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and self._pending is None and (
                        not self._prefetch or self._defer()):
                    # deferred prefetches are looked at again every quarter second
                    self._cond.wait(0.25 if self._prefetch else None)
                if self._closed:
                    return
                if self._pending is not None:
                    gen, key, job = self._pending
                    self._pending = None
                else:
                    gen = -1
                    key, job = self._prefetch.pop()
                    if key in self._running:  # already being made by another worker
                        continue
                hit = self._cache.get(key)
                if hit is None:
                    self._running[key] = max(gen, self._running.get(key, -1))
                self._busy += 1
            result, error = (hit[0] if hit is not None else None), None
            if hit is None:
                try:
                    result = job()
                except BaseException as exc:  # noqa: BLE001 - reported to the view
                    error = exc
            with self._cond:
                self._busy -= 1
                if hit is None:
                    gen = self._running.pop(key, gen)
                if error is None:
                    self._store(key, result)
                wanted = gen != -1 and gen == self._generation
                self._cond.notify_all()
            if wanted:
                self._deliver(key, result, error)
