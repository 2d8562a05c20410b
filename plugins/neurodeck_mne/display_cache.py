"""A display cache: a lazy recording computed once into a float32 file, for browsing only.

A :class:`~neurodeck_mne.lazy.LazyRaw` (a filter, notch or reference of a recording)
computes every window it is asked for: a browser page of a 256-channel average reference
reads all 256 channels plus the filters' padding. A :class:`DisplayCache` computes the
whole chain once, block by block, into a ``float32`` :class:`numpy.memmap` (channels x
samples, C order: a row of a page is one contiguous run) in a private temporary directory
(``tempfile.mkdtemp(prefix="neurodeck-display-")``), so that pages then cost what pages
of the raw file cost. Disk: channels x samples x 4 bytes. Memory: one block.

How the chain is computed (by :mod:`neurodeck_mne.lazy`'s own machinery, never a copy of
MNE's operations):

* a chain that :func:`~neurodeck_mne.lazy.coverable` accepts (temporal operations on
  temporal operations down to the file, spatial operations on top, e.g. filter -> notch ->
  average reference or a bipolar reference): blocks of whole channels are read and
  filtered as :func:`~neurodeck_mne.lazy._rows_whole` does (MNE's filter on whole rows,
  exactly as on loaded data) and written as float32; a spatial operation on top then runs
  on blocks of samples over all channels read back from the file (float64 in memory, the
  MNE operation applied as :meth:`~neurodeck_mne.lazy.Step._spatial_fill` does) and
  written back (a bipolar reference, which changes the channels, goes through a second,
  temporary float32 file);
* any other lazy raw (a filter on a reference, a cropped or picked lazy raw): blocks of
  samples read through the lazy raw itself (``get_data``: its window path, padding
  included), blocks several times the padding long. Memory stays bounded either way.

Values equal the lazy raw's own ``get_data`` to float32 rounding (intermediate results of
a chain with a spatial operation on top are stored as float32 too: the error is at most a
few float32 roundings of the data's scale). Analyses never read this cache: they read the
exact float64 chain; only views do.

Before writing, the free disk space is checked: a cache that would leave less than
:data:`RESERVE_BYTES` + :data:`RESERVE_FRACTION` of the disk free is refused (nothing is
written; :attr:`DisplayCache.refused` says why). The directory is deleted when the cache
is closed, when it is garbage-collected and at interpreter exit; a cancelled or failed
build deletes what it wrote. Nothing is written anywhere else.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import lazy as lz

log = logging.getLogger(__name__)

#: Free disk space a cache must leave: this many bytes ...
RESERVE_BYTES = 2 * 2**30
#: ... plus this fraction of the disk's size.
RESERVE_FRACTION = 0.10
#: Bytes of float64 per block of samples (spatial operations, the generic path): a block
#: is a point where Cancel is honoured.
SAMPLE_BLOCK_BYTES = 32 * 2**20
#: Bytes of float64 per block of whole channels (temporal operations) ...
ROW_BLOCK_BYTES = 64 * 2**20
#: ... but at most this many blocks (each reads the whole file: a file stores all channels
#: sample by sample), so a long recording takes larger blocks, not more reads ...
ROW_BLOCK_PASSES = 32
#: ... and at most this many channels a block.
ROW_BLOCK_ROWS = 64
#: Generic path: a block of samples is at least this many times the chain's padding long
#: (the padding is read again for every block).
PAD_FACTOR = 8
PREFIX = "neurodeck-display-"


def offered(raw: Any) -> bool:
    """Whether ``raw`` is worth a display cache: a lazy raw whose chain computes something
    (not a mere view of loaded data, or a file MNE reads itself)."""
    while lz.is_lazy(raw):
        if raw._step.op is not None:
            return True
        raw = raw._step.source
    return False


def _remove(directory: str) -> None:
    shutil.rmtree(directory, ignore_errors=True)


class DisplayCache:
    """The samples of a lazy raw as a float32 file, built once by :meth:`build`.

    Thread-safe: :meth:`build` runs on a background thread while views call :meth:`read`
    (which answers None until the cache is ready, and after :meth:`close`).
    """

    def __init__(self, raw: Any):
        self.raw = raw
        self.shape = (len(raw.ch_names), int(raw.n_times))
        self.nbytes = self.shape[0] * self.shape[1] * 4
        self.ready = False
        self.closed = False
        self.refused: str | None = None  # why no cache was built (disk space)
        self.error: str | None = None  # a failed build (logged; views keep the lazy path)
        self.path: str | None = None  # the samples' file once built
        self._mm: np.memmap | None = None
        self._dir: str | None = None
        self._finalizer: weakref.finalize | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "ready" if self.ready else "closed" if self.closed else "not built"
        return (f"<DisplayCache {self.shape[0]} x {self.shape[1]} float32 "
                f"({self.nbytes / 1e6:.0f} MB), {state}>")

    # -- reading ---------------------------------------------------------------------------
    def read(self, start: int, stop: int, picks: Sequence[int] | None = None
             ) -> np.ndarray | None:
        """Samples ``start:stop`` of rows ``picks`` (all when None) as float32 (a copy),
        or None when the cache is not ready (the caller reads the lazy raw)."""
        mm = self._mm if self.ready else None
        if mm is None:
            return None
        start, stop = max(int(start), 0), min(int(stop), self.shape[1])
        stop = max(stop, start)
        if picks is None:
            return np.array(mm[:, start:stop])
        return np.asarray(mm[np.asarray(picks, dtype=int), start:stop])  # a copy

    # -- building --------------------------------------------------------------------------
    def space_needed(self) -> int:
        """Bytes written while building: the file, and a temporary one for a spatial
        operation that changes the channels (a bipolar reference) on a computed chain."""
        extra = 0
        raw = self.raw
        if lz.coverable(raw):
            while lz.is_lazy(raw) and raw._whole():
                step = raw._step
                if step.op is not None and step.kind == "spatial" and not step.same_channels \
                        and offered(step.source):
                    extra = max(extra, len(step.in_info["ch_names"]) * step.n_times * 4)
                raw = step.source
        return self.nbytes + extra

    def check_space(self, directory: str | None = None) -> str | None:
        """Why the disk cannot take the cache (None: it can)."""
        where = directory or tempfile.gettempdir()
        usage = shutil.disk_usage(where)
        need = self.space_needed()
        keep = RESERVE_BYTES + RESERVE_FRACTION * usage.total
        if usage.free - need < keep:
            return (f"display cache not built: {need / 1e9:.2f} GB would leave "
                    f"{max(usage.free - need, 0) / 1e9:.1f} GB free in {where} (at least "
                    f"{keep / 1e9:.1f} GB must stay free)")
        return None

    def build(self, progress: Any = None) -> bool:
        """Compute the whole chain into the file (blocks; ``progress.update`` each block,
        which raises :class:`~neurodeck.errors.Cancelled` when cancelled: what was written
        is then deleted and the cache can be built again later). True when ready; False
        when refused for disk space or closed meanwhile. Other errors propagate (after
        clean-up), with :attr:`error` set."""
        with self._lock:
            if self.ready or self.closed:
                return self.ready
            self.refused = self.check_space()
            if self.refused:
                log.info(self.refused)
                return False
            directory = tempfile.mkdtemp(prefix=PREFIX)
            finalizer = weakref.finalize(self, _remove, directory)
            try:
                path = os.path.join(directory, "samples.f32")
                mm = np.memmap(path, dtype=np.float32, mode="w+", shape=self.shape)
                _compute(self.raw, mm, directory, _reporter(progress))
                mm.flush()
            except BaseException as exc:
                finalizer()  # removes the directory now
                if not _is_cancel(exc):
                    self.error = f"{type(exc).__name__}: {exc}"
                    log.warning("display cache failed: %s", self.error)
                raise
            self._dir, self._finalizer = directory, finalizer
            self.path, self._mm, self.ready = path, mm, True
            if self.closed:  # closed while building (close() may not have seen the file)
                self.close()
                return False
            return True

    def close(self) -> None:
        """Drop the cache: its directory is deleted (a read in progress keeps its mapping
        until it returns; later reads answer None)."""
        self.closed = True
        self.ready = False
        self._mm = None
        if self._finalizer is not None:
            self._finalizer()


def _is_cancel(exc: BaseException) -> bool:
    from neurodeck.errors import Cancelled

    return isinstance(exc, Cancelled)


def _reporter(progress: Any) -> Callable[[float, str], None]:
    if progress is None:
        return lambda fraction, message: None
    return lambda fraction, message: progress.update(fraction, message)


# -- the computation ---------------------------------------------------------------------------
def _compute(raw: Any, out: np.ndarray, directory: str, tick: Callable[[float, str], None]
             ) -> None:
    with lz.mne_quiet():
        if lz.coverable(raw):
            _fill(raw, out, directory, tick, (0.0, 1.0))
        else:
            _windows(raw, out, tick, (0.0, 1.0))
    tick(1.0, "display cache ready")


def _part(span: tuple[float, float], i: int, n: int) -> float:
    return span[0] + (span[1] - span[0]) * i / max(n, 1)


def _fill(raw: Any, out: np.ndarray, directory: str, tick: Callable[[float, str], None],
          span: tuple[float, float]) -> None:
    """All of a :func:`~neurodeck_mne.lazy.coverable` raw into ``out`` (float32)."""
    if not (lz.is_lazy(raw) and raw._whole()):  # a file, or loaded data
        _samples(lambda a, b: lz._read(raw, a, b, None), None, out, tick, span, "reading")
        return
    step = raw._step
    if step.op is None:
        _fill(step.source, out, directory, tick, span)
        return
    if step.kind == "temporal":
        _rows(raw, out, tick, span)
        return
    lo, hi = span
    src = step.source
    if not offered(src):  # on a file: one pass, the operation on each block read
        _samples(lambda a, b: lz._read(src, a, b, None), step, out, tick, span, step.label)
        return
    mid = lo + (hi - lo) * 0.8
    if step.same_channels:  # computed into ``out``, then the operation in place
        _fill(src, out, directory, tick, (lo, mid))
        _samples(lambda a, b: np.array(out[:, a:b], dtype=np.float64), step, out, tick,
                 (mid, hi), step.label)
        return
    path = os.path.join(directory, f"step-{id(step)}.f32")
    tmp = np.memmap(path, dtype=np.float32, mode="w+",
                    shape=(len(step.in_info["ch_names"]), step.n_times))
    try:
        _fill(src, tmp, directory, tick, (lo, mid))
        _samples(lambda a, b: np.array(tmp[:, a:b], dtype=np.float64), step, out, tick,
                 (mid, hi), step.label)
    finally:
        os.unlink(path)  # (its mapping goes with ``tmp``; the disk space then too)


def _rows(raw: Any, out: np.ndarray, tick: Callable[[float, str], None],
          span: tuple[float, float]) -> None:
    """A chain of temporal operations, block of whole channels by block, each read and
    filtered as :func:`~neurodeck_mne.lazy._rows_whole` does."""
    n, n_times = out.shape
    per_block = max(1, min(ROW_BLOCK_ROWS, ROW_BLOCK_BYTES // max(8 * n_times, 1)),
                    -(-n // ROW_BLOCK_PASSES))
    blocks = lz._split((0, n), per_block)
    label = raw._step.label
    for i, (a, b) in enumerate(blocks):
        tick(_part(span, i, len(blocks)), f"{label}: channels {a + 1}-{b} of {n}")
        out[a:b] = lz._rows_whole(raw, a, b)


def _samples(read: Callable[[int, int], np.ndarray], step: Any, out: np.ndarray,
             tick: Callable[[float, str], None], span: tuple[float, float], label: str
             ) -> None:
    """Blocks of samples over all channels: ``read(a, b)`` (float64), the spatial
    ``step``'s MNE operation applied as :meth:`~neurodeck_mne.lazy.Step._spatial_fill`
    does (none when ``step`` is None), written to ``out``."""
    n_in = out.shape[0] if step is None else len(step.in_info["ch_names"])
    n_times = out.shape[1]
    per_block = max(1, SAMPLE_BLOCK_BYTES // max(8 * max(n_in, out.shape[0]), 1))
    starts = list(range(0, n_times, per_block))
    for i, a in enumerate(starts):
        b = min(a + per_block, n_times)
        tick(_part(span, i, len(starts)), f"{label}: samples {a}-{b} of {n_times}")
        x = np.ascontiguousarray(read(a, b), dtype=np.float64)
        if step is not None:
            x = lz._data(step.op(step._wrap(x, step.in_info, a)))
        out[:, a:b] = x


def _windows(raw: Any, out: np.ndarray, tick: Callable[[float, str], None],
             span: tuple[float, float]) -> None:
    """Any raw, read through its own ``get_data`` in blocks of samples (a lazy raw's
    window path: each block reads the chain's padding on both sides)."""
    n, n_times = out.shape
    per_block = max(SAMPLE_BLOCK_BYTES // max(8 * n, 1), PAD_FACTOR * lz.pad_of(raw), 1)
    starts = list(range(0, n_times, per_block))
    for i, a in enumerate(starts):
        b = min(a + per_block, n_times)
        tick(_part(span, i, len(starts)), f"samples {a}-{b} of {n_times}")
        out[:, a:b] = raw.get_data(start=a, stop=b)
