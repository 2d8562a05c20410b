"""Fetching pages: what the view wants, made on worker threads, delivered on the GUI thread.

The view describes what it needs as a :class:`Want` (window, rows, pixels, mode, display
filter, and everything that decides the drawing); :func:`make_page` turns a want into a
:class:`~neurodeck_browser.sources.Page` on a :class:`~neurodeck_browser.fetcher.
LatestFetcher` worker: read the window (``get_data(start, stop, picks)``, nothing more),
decimate it, and draw it (trace image or paths), so the GUI thread only shows it. Pages
are cached by what was read (:meth:`Want.key`); a cached page whose drawing no longer
fits (rescaled, resized, a channel marked bad) is drawn again by the view. Neighbouring
windows are prefetched once a page is painted.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from PySide6 import QtCore

from neurodeck.jobs import activity

from .fetcher import LatestFetcher
from .sources import Page, Source
from .traces import build_render

CACHE_BYTES = 96 * 2**20  # pages kept for going back; bounded whatever the row count
WORKERS = 2


@dataclass(frozen=True)
class Want:
    """One page as the view wants it."""

    t0: float
    span: float
    picks: tuple[int, ...]
    n_px: int
    mode: str
    unit_step: float
    filt: Any = None
    # what decides the drawing (traces mode), not what is read:
    size: tuple[int, int] = (0, 0)
    dpr: float = 1.0
    vector: bool = False
    remove_dc: bool = True
    butterfly: bool = False
    scales: tuple[tuple[str, float], ...] = ()
    bads: frozenset[str] = frozenset()
    types: tuple[str, ...] = field(default=(), compare=False, hash=False)
    labels: tuple[str, ...] = field(default=(), compare=False, hash=False)
    factors: tuple[float, ...] = field(default=(), compare=False, hash=False)

    def key(self) -> Hashable:
        """What was read and reduced: pages are cached under it."""
        step = self.unit_step
        return (round(self.t0 / step), round(self.span / step), self.picks, self.n_px,
                self.mode, self.filt)

    def at(self, t0: float) -> Want:
        return replace(self, t0=float(t0))


def make_page(source: Source, want: Want) -> Page:
    """Read, reduce and draw one page (runs on a worker thread)."""
    page = source.fetch(want.t0, want.t0 + want.span, want.picks, want.n_px, want.mode,
                        want.filt)
    if page.mode == "traces" and page.y is not None:
        page.render = build_render(page, want.types, want.labels, want.bads,
                                   dict(want.scales), want.remove_dc, want.butterfly,
                                   want.size, want.dpr, want.vector)
    elif page.mode == "heatmap" and page.image is not None and want.factors:
        factors = np.asarray([want.factors[k] for k in page.picks], dtype=np.float32)
        page.image = page.image * factors[:, None]  # display units (µV, fT...)
    return page


class Pager(QtCore.QObject):
    """Asks the workers for pages and hands them to ``on_page`` on the GUI thread."""

    _arrived = QtCore.Signal(object, object, object)

    def __init__(self, source: Source, on_page: Callable[[Want, Page], None],
                 on_error: Callable[[Want, BaseException], None], *,
                 workers: int = WORKERS, cache_bytes: int = CACHE_BYTES):
        super().__init__()
        self.source = source
        self._on_page = on_page
        self._on_error = on_error
        self.wanted: Want | None = None
        ref = weakref.ref(self)

        def deliver(key, page, error, ref=ref):
            me = ref()
            if me is None:
                return
            # RuntimeError/TypeError (at interpreter exit): the view went away meanwhile
            with contextlib.suppress(RuntimeError, TypeError):
                me._arrived.emit(key, page, error)

        # Prefetches wait while a job computes and while the view is hidden (another tab
        # in front): a hidden view's neighbours are of no use until it is shown again,
        # and its workers would only take the cores from the job or the visible view.
        # A copy of the view's visibility, set from its show / hide events: the fetcher's
        # threads read it, and a widget may only be asked on the GUI thread.
        self.shown = True
        self.fetcher = LatestFetcher(deliver, cache_size=64, workers=workers,
                                     cache_bytes=cache_bytes, sizer=lambda p: p.nbytes(),
                                     defer_prefetch=lambda: activity.busy() or not
                                     getattr(ref(), "shown", False))
        self._arrived.connect(self._delivered, QtCore.Qt.QueuedConnection)
        self.closed = False

    def set_source(self, source: Source) -> None:
        """Another source (another animal): nothing cached is valid any more."""
        self.source = source
        self.fetcher.clear_cache()
        self.wanted = None

    def job(self, want: Want) -> Callable[[], Page]:
        source = self.source
        return lambda: make_page(source, want)

    def request(self, want: Want) -> Page | None:
        """The page for ``want``: returned at once when cached, else delivered later."""
        self.wanted = want
        page = self.fetcher.cached(want.key())
        if page is None:
            self.fetcher.request(want.key(), self.job(want))
        return page

    def prefetch(self, wants: Sequence[Want]) -> None:
        """Make these pages in the background; the last is made first."""
        for want in wants:
            self.fetcher.prefetch(want.key(), self.job(want))

    @QtCore.Slot(object, object, object)
    def _delivered(self, key, page, error) -> None:
        if self.closed:  # queued before the view was deleted: nothing left to draw into
            return
        want = self.wanted
        if want is None or key != want.key():
            return  # stale: the user moved on (the page stays cached)
        if error is not None:
            self._on_error(want, error)
        else:
            self._on_page(want, page)

    def close(self, timeout: float = 0.5) -> None:
        self.closed = True
        self.fetcher.close(timeout)
