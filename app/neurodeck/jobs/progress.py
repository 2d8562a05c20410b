"""Progress reporting and cooperative cancellation for analyses (no Qt).

An analysis calls ``progress.update(fraction, message)`` as it goes and
``progress.check()`` (or iterates with ``progress.iter``) at points where it may
stop. The GUI, the CLI and batch runs attach their own listeners.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from ..errors import Cancelled

T = TypeVar("T")
Listener = Callable[[float, str], None]


class Progress:
    """A fraction in [0, 1] and a message, with a cancel flag shared across threads."""

    def __init__(self, listener: Listener | None = None, *, _parent: Progress | None = None,
                 _span: tuple[float, float] = (0.0, 1.0)):
        self._listeners: list[Listener] = [listener] if listener else []
        self._cancel = _parent._cancel if _parent else threading.Event()
        #: Messages for the user about the result (did not converge, restarts disagree...):
        #: shared by a progress and its children; the engine stores them with the result.
        self.warnings: list[str] = _parent.warnings if _parent else []
        self._parent = _parent
        self._span = _span
        self.fraction = 0.0
        self.message = ""
        self.started = time.monotonic()

    # -- reporting --------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def update(self, fraction: float | None = None, message: str | None = None) -> None:
        """Report progress (fraction of this span) and check for cancellation."""
        self.report(fraction, message)
        self.check()

    def report(self, fraction: float | None = None, message: str | None = None) -> None:
        """Report progress without checking for cancellation (from callbacks on other
        threads, where raising ``Cancelled`` would reach the wrong code)."""
        if fraction is not None:
            self.fraction = min(max(float(fraction), 0.0), 1.0)
        if message is not None:
            self.message = message
        if self._parent is not None:
            lo, hi = self._span
            self._parent.report(lo + (hi - lo) * self.fraction, self.message)
        for listener in self._listeners:
            listener(self.fraction, self.message)

    def sub(self, start: float, stop: float) -> Progress:
        """A child covering ``[start, stop]`` of this progress (nested stages)."""
        return Progress(_parent=self, _span=(start, stop))

    def iter(self, items: Iterable[T], total: int | None = None, message: str = "") -> Iterator[T]:
        """Iterate, updating the fraction and checking for cancel at each item."""
        if total is None:
            try:
                total = len(items)  # type: ignore[arg-type]
            except TypeError:
                total = None
        for i, item in enumerate(items):
            self.update(i / total if total else None, message or None)
            yield item
        self.update(1.0)

    def warn(self, message: str) -> None:
        """Say something the user must know about the result (shown with it, logged)."""
        if message not in self.warnings:
            self.warnings.append(str(message))

    def remaining(self) -> float | None:
        """Seconds left, from the elapsed time and the fraction done (None: too early)."""
        if self.fraction < 0.02 or self.elapsed < 2.0 or self.fraction >= 1.0:
            return None
        return self.elapsed * (1.0 - self.fraction) / self.fraction

    # -- cancellation ---------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`~neurodeck.errors.Cancelled` if the user cancelled."""
        if self._cancel.is_set():
            raise Cancelled("cancelled by the user")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min 20 s"``, ``"1 h 05 min"``: how people read a wait."""
    seconds = max(float(seconds), 0.0)
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


class TextProgressBar:
    """A progress listener printing a one-line bar to a stream (the CLI's stderr)."""

    def __init__(self, stream, width: int = 30, min_interval: float = 0.1):
        self.stream = stream
        self.width = width
        self.min_interval = min_interval
        self._last = 0.0
        self._started = time.monotonic()

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last < self.min_interval and fraction < 1.0:
            return
        self._last = now
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = now - self._started
        left = elapsed * (1 - fraction) / fraction if 0.02 < fraction < 1 and elapsed > 2 \
            else None
        eta = f" ~{duration(left)} left" if left is not None else ""
        text = f"\r[{bar}] {fraction * 100:5.1f}% {elapsed:6.1f}s{eta} {message[:40]:<40}"
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
