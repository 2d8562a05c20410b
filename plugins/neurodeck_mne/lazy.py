"""Lazy MNE raws: a transform of a recording, computed window by window when read.

A :class:`LazyRaw` is an ``mne.io.BaseRaw`` opened with ``preload=False`` whose samples are
made by applying one MNE operation (``raw.filter(...)``, ``raw.set_eeg_reference(...)``,
``ica.apply(raw)``...) to its source raw, which it never modifies. MNE and neurodeck read it
like any unloaded file:

* **a window** (``get_data(start, stop)``: a browser page, an epoch) is the operation applied
  to the source's window. Temporal operations (filters) read ``pad`` samples of context on
  each side, the support of the operation's impulse response measured once, so the window
  equals the same samples of the whole filtered recording (to rounding). Spatial operations
  (references, interpolation, ICA) are affine maps across channels at each sample: probed
  once, applied to the source's window as one matrix product.
* **the whole recording** (``load_data()``, :func:`materialize`) is computed exactly as MNE
  computes it on loaded data, by MNE itself: the chain of lazy raws is fused into one buffer
  (the root read once, then each operation applied in place - on blocks of rows for temporal
  operations, blocks of samples for spatial ones), so a filter -> notch -> reference chain
  holds one copy of the data, as the in-place MNE script does, with progress and cancel.
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Bytes of float64 processed per block when a whole recording is computed (bounds the
#: temporary memory of an operation to a fraction of the data).
BLOCK_BYTES = 64 * 2**20
#: At most this many channels per block of a temporal operation (filters).
BLOCK_ROWS = 8
#: Samples per chunk of a reference's common row (the mean) kept once computed for windows
#: (8 bytes a sample: 29 MB for an hour at 1 kHz, when every chunk has been seen).
COMMON_CHUNK = 1024
#: A response below this fraction of its peak counts as zero when measuring a filter's reach.
SUPPORT_TOL = 1e-13

_PROGRESS: contextvars.ContextVar[Any] = contextvars.ContextVar("neurodeck_mne_progress",
                                                                default=None)


@contextlib.contextmanager
def reporting(progress: Any) -> Iterator[None]:
    """Whole-recording computations in this block report to ``progress`` (and stop when it
    is cancelled)."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def _tick(fraction: float, message: str) -> None:
    progress = _PROGRESS.get()
    if progress is not None:
        progress.update(fraction, message)


# -- operations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Method:
    """``raw.<name>(**kwargs)`` applied in place to a loaded raw (picklable, and readable as
    the MNE call it is)."""

    name: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, raw: Any) -> Any:
        out = getattr(raw, self.name)(**dict(self.kwargs), verbose="error")
        return raw if out is None or isinstance(out, tuple) else out

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"raw.{self.name}({args})"


@dataclass(frozen=True)
class Function:
    """``func(raw, **kwargs)`` returning the new raw (``mne.set_bipolar_reference``...)."""

    func: Callable[..., Any]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""

    def __call__(self, raw: Any) -> Any:
        out = self.func(raw, **dict(self.kwargs))
        return raw if out is None else out

    def __str__(self) -> str:
        return self.text or getattr(self.func, "__name__", "operation")


class _Shared:
    """Holds a value that ``raw.copy()`` (a deep copy) must share, not copy: the recipe and
    its source raw, which may be a loaded recording of gigabytes."""

    def __init__(self, value: Any):
        self.value = value

    def __deepcopy__(self, memo: dict) -> _Shared:
        return self


@dataclass(eq=False)
class Step:
    """One operation on a source raw: what a :class:`LazyRaw` computes."""

    source: Any
    op: Callable[[Any], Any] | None
    kind: str  # "temporal" (per channel, local in time) or "spatial" (per sample)
    label: str
    in_info: Any
    out_info: Any
    annotations: Any
    first_samp: int
    n_times: int
    pad: int = 0
    touched: np.ndarray | None = None  # temporal: the source rows the operation changes
    #: temporal, linear time-invariant: the impulse response (2 pad - 1 samples), applied by
    #: FFT convolution to windows away from the ends and from ``skips``.
    kernel: np.ndarray | None = None
    #: temporal: sample spans ``[a, b]`` where MNE filters in separate pieces (EDGE and
    #: other skip_by_annotation annotations): windows touching them take MNE's own path.
    skips: np.ndarray | None = None
    affine: tuple[np.ndarray, np.ndarray] | None = None  # spatial: out = A @ x + b
    _low: tuple | None = field(default=None, repr=False)  # cache of low_rank()
    _common: dict = field(default_factory=dict, repr=False)  # chunks of the common row
    _fused: dict = field(default_factory=dict, repr=False)  # lti(): the fused kernel

    @property
    def n_out(self) -> int:
        return len(self.out_info["ch_names"])

    @property
    def same_channels(self) -> bool:
        return list(self.out_info["ch_names"]) == list(self.in_info["ch_names"])

    def depth(self) -> int:
        """Operations fused when the whole recording is computed (the root read counts)."""
        src = self.source
        return 1 + (src._step.depth() if is_lazy(src) and src._whole() else 1)

    # -- windows -----------------------------------------------------------------------
    def window(self, lo: int, hi: int, rows: np.ndarray) -> np.ndarray:
        """Output rows ``rows`` of samples ``lo:hi`` (indices local to this step)."""
        if self.op is None:
            return _read(self.source, lo, hi, rows)
        if self.kind == "temporal":
            return self._temporal_window(lo, hi, rows)
        if self.affine is not None:
            fast = self._commuted(lo, hi, rows)
            if fast is not None:
                return fast
            a, b = self.affine
            a = a[rows]
            cols = np.flatnonzero(np.any(a != 0, axis=0))
            out = np.repeat(b[rows, None], hi - lo, axis=1)
            if cols.size:
                out += a[:, cols] @ _read(self.source, lo, hi, cols)
            return out
        raw = self._wrap(_read(self.source, lo, hi, None), self.in_info, lo)
        return _data(self.op(raw))[rows]

    def _interior(self, plo: int, phi: int) -> bool:
        """``[plo, phi)`` lies inside the recording and clear of every skip span."""
        if plo < 0 or phi > self.n_times:
            return False
        s = self.skips
        return s is None or not len(s) or not np.any((s[:, 0] <= phi) & (s[:, 1] >= plo - 1))

    def lti(self) -> tuple[Any, np.ndarray, list[Step]] | None:
        """``(base, kernel, steps)``: this linear time-invariant filter fused with those
        below it that filter the same channels (one convolution of the base's samples
        instead of one per filter); None when this step is not such a filter."""
        if self.kind != "temporal" or self.kernel is None:
            return None
        from scipy.signal import fftconvolve

        steps, src = [self], self.source
        while is_lazy(src) and src._whole():
            inner = src._step
            if inner.kind != "temporal" or inner.kernel is None or \
                    not np.array_equal(inner.touched, self.touched):
                break
            steps.append(inner)
            src = inner.source
        key = tuple(id(st) for st in steps)
        kernel = self._fused.get(key)
        if kernel is None:  # fused once per chain, not for every window
            kernel = self.kernel
            for inner in steps[1:]:
                kernel = fftconvolve(kernel, inner.kernel)
            self._fused = {key: kernel}
        return src, kernel, steps

    def _clear(self, steps: list[Step], plo: int, phi: int) -> bool:
        return all(st._interior(plo, phi) for st in steps)

    def _temporal_window(self, lo: int, hi: int, rows: np.ndarray) -> np.ndarray:
        plan = self.lti()
        if plan is not None:
            base, kernel, steps = plan
            reach = len(kernel) // 2
            if self._clear(steps, lo - reach, hi + reach):
                return self._convolved(base, kernel, lo, hi, rows, reach)
        plo, phi = max(lo - self.pad, 0), min(hi + self.pad, self.n_times)
        block = _read(self.source, plo, phi, rows)
        sub = np.flatnonzero(self.touched[rows])
        if sub.size:
            import mne

            info = mne.pick_info(self.in_info, rows[sub].tolist())
            raw = self._wrap(np.ascontiguousarray(block[sub]), info, plo, annotate=True)
            block[sub] = _data(self.op(raw))
        return block[:, lo - plo: hi - plo]

    def _convolved(self, base: Any, kernel: np.ndarray, lo: int, hi: int, rows: np.ndarray,
                   reach: int) -> np.ndarray:
        """The window by FFT convolution of the base's samples with the impulse response
        (equal to MNE's overlap-add away from the ends and skips, to rounding)."""
        from scipy.signal import fftconvolve

        block = _read(base, lo - reach, hi + reach, rows)
        out = block[:, reach: reach + hi - lo].copy()
        sub = np.flatnonzero(self.touched[rows])
        if sub.size:
            out[sub] = fftconvolve(block[sub], kernel[None, :], mode="valid", axes=1)
        return out

    def _commuted(self, lo: int, hi: int, rows: np.ndarray) -> np.ndarray | None:
        """An affine map with no offset over linear filters of the same channels: the map
        first (on the unfiltered samples), then the filters on the rows asked for only, not
        on every channel the map mixes (one convolution away from the ends and skips, MNE's
        own filters at them: both linear and the same on each channel, so they commute with
        the map). None when that does not hold."""
        a, b = self.affine
        src = self.source
        if not (is_lazy(src) and src._whole()) or np.any(b[rows] != 0):
            return None
        plan = src._step.lti()
        if plan is None:
            return None
        base, kernel, steps = plan
        touched = steps[0].touched
        nz = a[rows] != 0
        filtered = nz[:, touched].any(axis=1)
        if np.any(filtered & nz[:, ~touched].any(axis=1)):
            return None  # a row mixing filtered and unfiltered channels
        reach = len(kernel) // 2
        interior = self._clear(steps, lo - reach, hi + reach)
        if interior:
            plo, phi = lo - reach, hi + reach
        else:
            pad = sum(st.pad for st in steps)
            plo, phi = max(lo - pad, 0), min(hi + pad, steps[0].n_times)
        mixed = self._mix(rows, base, plo, phi)
        out = mixed[:, lo - plo: hi - plo].copy()
        sub = np.flatnonzero(filtered)
        if sub.size and interior:
            from scipy.signal import fftconvolve

            out[sub] = fftconvolve(mixed[sub], kernel[None, :], mode="valid", axes=1)
        elif sub.size:
            out[sub] = _filter_rows(steps, mixed[sub], plo)[:, lo - plo: hi - plo]
        return out

    def _mix(self, rows: np.ndarray, base: Any, lo: int, hi: int) -> np.ndarray:
        """``A[rows] @ x`` for the base's samples ``lo:hi``: a map that is a sparse matrix
        plus one common row (the average reference: each channel minus the mean) reads the
        channels of the sparse part and adds the common row once, not a dense product."""
        a = self.affine[0][rows]
        low = self.low_rank()
        if low is None:
            cols = np.flatnonzero((a != 0).any(axis=0))
            if not cols.size:
                return np.zeros((len(rows), hi - lo))
            return a[:, cols] @ _read(base, lo, hi, cols)
        sparse, w, r = low
        part = sparse[rows]
        w = w[rows]
        scols = np.unique(part.indices)
        common = None
        if w.any():
            # The common row (r @ x: minus the mean) is kept in chunks once computed, so a
            # page seen again, or next to one seen, reads only the channels it shows.
            size, cache = COMMON_CHUNK, self._common
            c0, c1 = lo // size, (hi - 1) // size + 1
            if all(c in cache for c in range(c0, c1)):
                known = np.concatenate([cache[c] for c in range(c0, c1)])
                common = known[lo - c0 * size: hi - c0 * size]
                need = scols
                x = _read(base, lo, hi, need)
            else:
                need = np.union1d(scols, np.flatnonzero(r))
                elo, ehi = c0 * size, min(c1 * size, int(base.n_times))
                wide = _read(base, elo, ehi, need)
                row = wide.T @ r[need]  # (the faster layout for BLAS' gemv)
                for c in range(c0, c1):
                    cache[c] = row[c * size - elo: min((c + 1) * size, ehi) - elo].copy()
                out = np.asarray(part[:, need] @ wide)[:, lo - elo: hi - elo] \
                    if scols.size else np.zeros((len(rows), hi - lo))
                out[w] += row[lo - elo: hi - elo]
                return out
        else:
            need = scols
            x = _read(base, lo, hi, need)
        out = np.asarray(part[:, need] @ x) if scols.size else np.zeros((len(rows), hi - lo))
        if common is not None:
            out[w] += common
        return out

    def low_rank(self) -> tuple[Any, np.ndarray, np.ndarray] | None:
        """``(S, w, r)`` with the map ``A = S + w r^T``: ``S`` sparse (at most two entries
        a row on average), ``w`` 0/1 per row, ``r`` the row most rows share (the median of
        each column); None when the map is not of that form."""
        if self._low is None:
            self._low = (_low_rank(self.affine[0]),)
        return self._low[0]

    def _wrap(self, data: np.ndarray, info: Any, start: int, annotate: bool = False) -> Any:
        """A RawArray on ``data`` (no copy) at sample ``start`` of this step."""
        import mne

        with mne.utils.use_log_level("error"):
            raw = mne.io.RawArray(data, info, first_samp=self.first_samp + start,
                                  copy="auto", verbose="error")
            if annotate and len(self.annotations):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    raw.set_annotations(self.annotations, emit_warning=False)
        return raw

    # -- the whole recording, exactly as MNE computes it ------------------------------------
    def fill(self, buf: np.ndarray, span: tuple[float, float] = (0.0, 1.0)) -> None:
        """Write the whole output (``n_out x n_times``) into ``buf``, computed by the MNE
        operation itself on the loaded source (in place, block by block)."""
        lo, hi = span
        depth = self.depth()
        mid = lo + (hi - lo) * (depth - 1) / depth
        if self.op is None or self.same_channels:
            _fill_source(self.source, buf, (lo, mid))
            if self.op is None:
                return
            if self.kind == "temporal":
                self._temporal_fill(buf, (mid, hi))
            else:
                self._spatial_fill(buf, buf, (mid, hi))
        else:  # the operation changes the channels (bipolar): source in its own buffer
            src = np.empty((len(self.in_info["ch_names"]), self.n_times))
            _fill_source(self.source, src, (lo, mid))
            self._spatial_fill(src, buf, (mid, hi))

    def _temporal_fill(self, buf: np.ndarray, span: tuple[float, float]) -> None:
        import mne

        rows = np.flatnonzero(self.touched)
        # A few channels per block: each block is a point where Cancel is honoured.
        per_block = max(1, min(BLOCK_ROWS, BLOCK_BYTES // max(8 * self.n_times, 1)))
        runs = [r for run in _runs(rows) for r in _split(run, per_block)]
        for i, (a, b) in enumerate(runs):
            _tick(span[0] + (span[1] - span[0]) * i / len(runs),
                  f"{self.label}: channels {a + 1}-{b} of {buf.shape[0]}")
            view = buf[a:b]
            raw = self._wrap(view, mne.pick_info(self.in_info, list(range(a, b))), 0,
                             annotate=True)
            out = _data(self.op(raw))
            if not np.shares_memory(out, view):
                view[:] = out
        _tick(span[1], f"{self.label}: done")

    def _spatial_fill(self, src: np.ndarray, buf: np.ndarray,
                      span: tuple[float, float]) -> None:
        # ``src`` may hold only some samples (see :func:`cover`): a spatial operation is
        # applied to each sample on its own, so which ones does not matter.
        n = src.shape[1]
        per_block = max(1, BLOCK_BYTES // max(8 * src.shape[0], 1))
        starts = list(range(0, n, per_block))
        for i, a in enumerate(starts):
            b = min(a + per_block, n)
            _tick(span[0] + (span[1] - span[0]) * i / len(starts),
                  f"{self.label}: samples {a}-{b} of {n}")
            view = src[:, a:b]
            out = _data(self.op(self._wrap(view, self.in_info, a)))
            if buf is not src or not np.shares_memory(out, view):
                buf[:, a:b] = out
        _tick(span[1], f"{self.label}: done")


def _low_rank(a: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray] | None:
    from scipy import sparse

    r = np.median(a, axis=0)
    if not r.any():
        return None
    w = np.count_nonzero(a - r, axis=1) < np.count_nonzero(a, axis=1)
    s = a - np.outer(w, r)
    if not w.any() or np.count_nonzero(s) > 2 * a.shape[0]:
        return None
    return sparse.csr_matrix(s), w, r


def _filter_rows(steps: list[Step], block: np.ndarray, start: int) -> np.ndarray:
    """The temporal ``steps`` (outermost first) applied by MNE, innermost first, to rows of
    samples from ``start`` on, each row filtered as a channel the steps filter (they filter
    every such channel alike)."""
    import mne

    block = np.array(block)
    chans = np.flatnonzero(steps[0].touched).tolist()
    for st in steps[::-1]:
        for i in range(0, len(block), len(chans)):
            part = np.ascontiguousarray(block[i: i + len(chans)])
            info = mne.pick_info(st.in_info, chans[: len(part)])
            block[i: i + len(part)] = _data(st.op(st._wrap(part, info, start, annotate=True)))
    return block


def _data(raw: Any) -> np.ndarray:
    return raw._data  # the loaded samples of an MNE raw (RawArray keeps the array given)


def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive runs ``[a, b)`` of sorted indices."""
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts = np.r_[rows[0], rows[breaks + 1]]
    stops = np.r_[rows[breaks] + 1, rows[-1] + 1]
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def _split(run: tuple[int, int], size: int) -> list[tuple[int, int]]:
    a, b = run
    return [(s, min(s + size, b)) for s in range(a, b, size)]


def _read(source: Any, lo: int, hi: int, rows: np.ndarray | None) -> np.ndarray:
    """Samples ``lo:hi`` (local to the source) of source rows ``rows`` (None: all)."""
    picks = None if rows is None else np.asarray(rows, dtype=int)
    if picks is not None and picks.size == 0:
        return np.zeros((0, hi - lo))
    with mne_quiet():
        return source.get_data(picks=picks, start=lo, stop=hi)


def _fill_source(source: Any, buf: np.ndarray, span: tuple[float, float]) -> None:
    """The whole source into ``buf``: fused if the source is a whole lazy raw, else read in
    blocks of samples (a file, or loaded data)."""
    if is_lazy(source) and source._whole():
        source._step.fill(buf, span)
        return
    n = buf.shape[1]
    per_block = max(1, BLOCK_BYTES // max(8 * buf.shape[0], 1))
    starts = list(range(0, n, per_block))
    for i, a in enumerate(starts):
        b = min(a + per_block, n)
        _tick(span[0] + (span[1] - span[0]) * i / len(starts), f"reading samples {a}-{b}")
        buf[:, a:b] = _read(source, a, b, None)


@contextlib.contextmanager
def mne_quiet() -> Iterator[None]:
    import mne

    with mne.utils.use_log_level("error"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# -- the raw ---------------------------------------------------------------------------------
def _base_raw() -> type:
    import mne

    return mne.io.BaseRaw


def lazy_class() -> type:
    """The :class:`LazyRaw` class (created on first use, so that importing this module does
    not import MNE)."""
    global LazyRaw
    if not isinstance(LazyRaw, type) or not issubclass(LazyRaw, _base_raw()):
        LazyRaw = _make_class()
    return LazyRaw


def _make_class() -> type:
    base = _base_raw()

    class LazyRaw(base):  # type: ignore[misc, valid-type]
        """An unloaded MNE raw computed from another by one operation (see module doc)."""

        def __init__(self, step: Step):
            self._step = step
            info = step.out_info.copy()
            with mne_quiet():
                super().__init__(info, preload=False, first_samps=(step.first_samp,),
                                 last_samps=(step.first_samp + step.n_times - 1,),
                                 filenames=(None,), raw_extras=[{"step": _Shared(step)}],
                                 orig_format="double", verbose="error")
                self._raw_extras[0]["cals"] = self._cals.copy()
                if len(step.annotations):
                    self.set_annotations(step.annotations, emit_warning=False)

        def __repr__(self) -> str:
            return (f"<LazyRaw | {self._step.label} | {len(self.ch_names)} x {self.n_times} "
                    "(computed when read)>")

        def display_copy(self) -> Any:
            """A :class:`~neurodeck_mne.display_cache.DisplayCache` of this raw for views
            (not built yet), or None when nothing is computed when it is read."""
            from .display_cache import DisplayCache, offered

            return DisplayCache(self) if offered(self) else None

        def _whole(self) -> bool:
            """Still exactly its step's output (not cropped, picked or projected since)."""
            step = self._step
            return (self._first_samps[0] == step.first_samp and self.n_times == step.n_times
                    and len(self._read_picks[0]) == step.n_out
                    and bool(np.all(self._read_picks[0] == np.arange(step.n_out)))
                    and self._projector is None and self._comp is None and not self.preload)

        def _read_segment_file(self, data, idx, fi, start, stop, cals, mult):  # noqa: ANN001
            extras = self._raw_extras[fi]
            step: Step = extras["step"].value
            rows = np.arange(extras["orig_nchan"])[idx]
            lo, hi = int(start) - step.first_samp, int(stop) - step.first_samp
            whole = lo == 0 and hi == step.n_times and rows.size == step.n_out \
                and bool(np.all(rows == np.arange(step.n_out)))
            if mult is None and whole and data.flags.c_contiguous:
                step.fill(data)  # loading the whole recording: exactly MNE's computation
                return
            block = step.window(lo, hi, rows)
            if mult is None:
                data[:] = block
            else:  # projections applied while reading: ``mult`` includes the calibrations
                data[:] = mult @ (block / extras["cals"][rows][:, None])

    return LazyRaw


LazyRaw: Any = None  # replaced by the real class on first use (see lazy_class)


# -- building lazy raws -----------------------------------------------------------------------
def lazy_raw(source: Any, op: Callable[[Any], Any] | None, kind: str, label: str) -> Any:
    """A :class:`LazyRaw` computing ``op`` (in place on a loaded raw) from ``source``.

    ``kind`` is ``"temporal"`` (each channel on its own, local in time: filters) or
    ``"spatial"`` (each sample on its own: references, interpolation, ICA). Errors in the
    parameters surface here, from MNE, before anything is computed.
    """
    import mne

    cls = lazy_class()
    in_info = source.info.copy()
    step = Step(source=source, op=op, kind=kind, label=label, in_info=in_info,
                out_info=in_info, annotations=source.annotations.copy(),
                first_samp=int(source.first_samp), n_times=int(source.n_times))
    if op is None:
        return cls(step)
    n = len(in_info["ch_names"])
    if kind == "temporal":
        rng = np.random.default_rng(0)
        m = 64
        probe = rng.standard_normal((n, m))
        out = op(step._wrap(probe.copy(), in_info, 0))
        if list(out.ch_names) != list(in_info["ch_names"]):
            raise ValueError(f"{label}: a temporal operation must keep the channels")
        step.out_info = out.info.copy()
        step.touched = np.any(_data(out) != probe, axis=1)
        rows = np.flatnonzero(step.touched)
        if rows.size:
            step.pad, response = support(op, in_info, int(rows[0]))
            step.kernel = lti_kernel(op, in_info, sorted({int(rows[0]), int(rows[-1])}),
                                     response)
            step.skips = skip_spans(op, step)
    elif kind == "spatial":
        probe = np.hstack([np.eye(n), np.zeros((n, 1))])
        out = op(step._wrap(probe, in_info, 0))
        step.out_info = out.info.copy()
        y = _data(out)
        b = y[:, -1].copy()
        a = y[:, :n] - b[:, None]
        # Check the operation is the affine map it was probed as (on random data).
        check = np.random.default_rng(1).standard_normal((n, 8)) * 1e-5
        got = _data(op(step._wrap(check.copy(), in_info, 0)))
        if got.shape == (a.shape[0], 8) and np.allclose(got, a @ check + b[:, None],
                                                        rtol=1e-9, atol=1e-18):
            step.affine = (a, b)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    with mne.utils.use_log_level("error"):
        return cls(step)


def support(op: Callable[[Any], Any], info: Any, row: int, *, max_s: float = 600.0) -> int:
    """Samples on each side through which one input sample reaches the output of ``op``
    (the half-width of its impulse response, to :data:`SUPPORT_TOL` of its peak)."""
    import mne

    sub = mne.pick_info(info, [row])
    sfreq = float(info["sfreq"])
    half = int(8 * sfreq)
    while True:
        x = np.zeros((1, 2 * half + 1))
        x[0, half] = 1.0
        with mne.utils.use_log_level("error"):
            raw = mne.io.RawArray(x, sub, copy="auto", verbose="error")
        response = _data(op(raw))[0]
        y = np.abs(response)
        nz = np.flatnonzero(y > SUPPORT_TOL * y.max())
        reach = int(max(half - nz[0], nz[-1] - half)) if nz.size else 0
        if reach < 0.8 * half or half >= max_s * sfreq:
            return reach + 1, response[half - reach: half + reach + 1].copy()
        half *= 2


def lti_kernel(op: Callable[[Any], Any], info: Any, rows: Sequence[int], response: np.ndarray
               ) -> np.ndarray | None:
    """``response`` if ``op`` is that convolution on these channels (a linear time-invariant
    filter, the same on each: MNE's FIR filters are), checked on random signals away from
    their ends; else None."""
    import mne
    from scipy.signal import oaconvolve

    reach = len(response) // 2
    n = 6 * reach + 2048
    x = np.random.default_rng(2).standard_normal((len(rows), n))
    with mne.utils.use_log_level("error"):
        raw = mne.io.RawArray(x.copy(), mne.pick_info(info, list(rows)), copy="auto",
                              verbose="error")
    want = _data(op(raw))[:, 2 * reach: n - 2 * reach]
    got = oaconvolve(x[:, reach: n - reach], response[None, :], mode="valid", axes=1)
    if got.shape != want.shape:
        return None
    scale = max(float(np.abs(want).max()), 1e-300)
    return response if float(np.abs(got - want).max()) <= 1e-10 * scale else None


def skip_spans(op: Callable[[Any], Any], step: Step) -> np.ndarray:
    """Sample spans of the annotations at which MNE filters in separate pieces: those whose
    description starts with one of the operation's ``skip_by_annotation`` (MNE's default
    'edge' and 'bad_acq_skip' when it does not say), as local samples ``[a, b]``."""
    kinds = getattr(op, "kwargs", {}).get("skip_by_annotation", ("edge", "bad_acq_skip"))
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or ())
    ann = step.annotations
    if not len(ann) or not kinds:
        return np.zeros((0, 2), int)
    sfreq = float(step.in_info["sfreq"])
    first_time = step.first_samp / sfreq
    meas = step.in_info["meas_date"]
    offset = 0.0
    if ann.orig_time is not None and meas is not None:
        offset = (ann.orig_time - meas).total_seconds()
    spans = []
    for onset, duration, desc in zip(ann.onset, ann.duration, ann.description, strict=True):
        if any(str(desc).lower().startswith(k.lower()) for k in kinds):
            start = onset + offset - (first_time if ann.orig_time is not None else 0.0)
            a = int(np.floor(start * sfreq)) - 1
            spans.append((a, int(np.ceil((start + duration) * sfreq)) + 1))
    return np.asarray(spans, int).reshape(-1, 2)


def materialize(raw: Any, progress: Any = None) -> Any:
    """A loaded copy of ``raw`` (lazy or a file): for a lazy raw, the chain computed exactly
    as MNE computes it on loaded data (see the module doc), reporting to ``progress``."""
    with reporting(progress), mne_quiet():
        out = raw.copy()
        out.load_data()
    return out



# -- some spans of the recording, computed once (the samples epochs read) --------------------
#: Bytes of float64 per block of whole channels when spans are computed (:func:`cover`): a
#: temporary, freed after each block; larger blocks design each filter fewer times.
ROW_BLOCK_BYTES = 256 * 2**20
#: At most this many channels per such block (a block is a point where Cancel is honoured).
ROW_BLOCK_ROWS = 64
#: At most this many blocks: each reads the whole file (a file stores all channels sample by
#: sample), so a long recording takes larger blocks (at most 1/16 of the data), not more reads.
ROW_BLOCK_PASSES = 16


class _Cover:
    """The samples of some spans of ``raw``, computed once; reads inside one span are served
    from them, any other read from ``raw`` itself (the same numbers, computed again)."""

    def __init__(self, raw: Any, spans: np.ndarray, buf: np.ndarray):
        self.raw = raw
        self.info = raw.info
        self.annotations = raw.annotations
        self.first_samp = int(raw.first_samp)
        self.n_times = int(raw.n_times)
        self.starts, self.stops = spans[:, 0], spans[:, 1]
        self.offsets = np.r_[0, np.cumsum(self.stops - self.starts)[:-1]]
        self.buf = buf

    def get_data(self, picks: Any = None, start: int = 0, stop: int | None = None) -> np.ndarray:
        stop = self.n_times if stop is None else int(stop)
        i = int(np.searchsorted(self.stops, stop))  # the first span ending at or after stop
        if i < len(self.starts) and self.starts[i] <= start:
            a = int(self.offsets[i] + start - self.starts[i])
            rows = slice(None) if picks is None else np.asarray(picks, dtype=int)
            return np.array(self.buf[rows, a: a + stop - start])
        with mne_quiet():
            return self.raw.get_data(picks=picks, start=start, stop=stop)


def merge_spans(spans: np.ndarray, n_times: int) -> np.ndarray:
    """Sample spans ``[a, b)`` clipped to ``[0, n_times)``, sorted, overlapping and touching
    ones merged."""
    spans = np.clip(np.asarray(spans, dtype=int).reshape(-1, 2), 0, n_times)
    spans = spans[spans[:, 1] > spans[:, 0]]
    if not len(spans):
        return spans
    spans = spans[np.argsort(spans[:, 0], kind="stable")]
    out = [list(spans[0])]
    for a, b in spans[1:].tolist():
        if a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return np.asarray(out, dtype=int)


def coverable(raw: Any) -> bool:
    """Whether :func:`cover` computes ``raw`` without the whole recording in memory: each
    temporal operation of its chain lies on temporal operations only, down to the file."""
    if not (is_lazy(raw) and raw._whole()):
        return not is_lazy(raw)
    step = raw._step
    if step.op is not None and step.kind == "temporal":
        return _row_chain(step.source)
    return coverable(step.source)


def _row_chain(raw: Any) -> bool:
    """A chain of temporal operations (or none) on a file or loaded data."""
    if not is_lazy(raw):
        return True
    step = raw._step
    return raw._whole() and (step.op is None or step.kind == "temporal") and \
        _row_chain(step.source)


def cover(raw: Any, spans: np.ndarray, progress: Any = None) -> Any:
    """A lazy raw equal to ``raw`` whose samples in ``spans`` (local ``[a, b)`` pairs, e.g.
    the windows of epochs) are computed once and held, the rest read from ``raw``.

    The chain is computed as :func:`materialize` computes it, by the MNE operations
    themselves, but never whole: temporal operations (filters) run on blocks of whole
    channels read from the file, of which only the spans are kept; spatial operations
    (references) then run on the kept samples. Memory: the spans' samples and one block,
    not the recording (when the chain is not :func:`coverable`, it is materialized first).
    """
    spans = merge_spans(spans, int(raw.n_times))
    idx = np.concatenate([np.arange(a, b) for a, b in spans]) if len(spans) else \
        np.zeros(0, int)
    with reporting(progress), mne_quiet():
        if coverable(raw):
            buf = _cover_fill(raw, spans, idx, (0.0, 1.0))
        else:
            whole = materialize(raw, progress)
            buf = np.ascontiguousarray(_data(whole)[:, idx])
            del whole
    return lazy_raw(_Cover(raw, spans, buf), None, "spatial", "spans")


def _cover_fill(raw: Any, spans: np.ndarray, idx: np.ndarray,
                span: tuple[float, float]) -> np.ndarray:
    """Rows x ``len(idx)``: the samples ``idx`` of ``raw`` (a :func:`coverable` raw)."""
    if is_lazy(raw) and raw._whole():
        step = raw._step
        if step.op is None:
            return _cover_fill(step.source, spans, idx, span)
        if step.kind == "temporal":
            return _cover_rows(raw, idx, span)
        lo, hi = span
        mid = lo + (hi - lo) * 0.9
        src = _cover_fill(step.source, spans, idx, (lo, mid))
        buf = src if step.same_channels else np.empty((step.n_out, len(idx)))
        step._spatial_fill(src, buf, (mid, hi))
        return buf
    out = np.empty((len(raw.ch_names), len(idx)))
    at = 0
    for i, (a, b) in enumerate(spans.tolist()):
        if i % 64 == 0:
            _tick(span[0] + (span[1] - span[0]) * i / len(spans), f"reading span {i + 1}")
        out[:, at: at + b - a] = _read(raw, a, b, None)
        at += b - a
    return out


def _cover_rows(raw: Any, idx: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    """The samples ``idx`` of a chain of temporal operations, block of channels by block:
    each block read whole from the file and filtered as :meth:`Step._temporal_fill` does."""
    n, n_times = len(raw.ch_names), int(raw.n_times)
    per_block = max(1, min(ROW_BLOCK_ROWS, ROW_BLOCK_BYTES // max(8 * n_times, 1)),
                    -(-n // ROW_BLOCK_PASSES))
    out = np.empty((n, len(idx)))
    blocks = _split((0, n), per_block)
    label = raw._step.label
    for i, (a, b) in enumerate(blocks):
        _tick(span[0] + (span[1] - span[0]) * i / len(blocks),
              f"{label}: channels {a + 1}-{b} of {n}")
        x = _rows_whole(raw, a, b)
        np.take(x, idx, axis=1, out=out[a:b])
        del x
    _tick(span[1], f"{label}: done")
    return out


def _rows_whole(raw: Any, a: int, b: int) -> np.ndarray:
    """Channels ``a:b`` of a chain of temporal operations, whole: read, then each operation
    applied in place to its touched channels in runs (as :meth:`Step._temporal_fill`)."""
    import mne

    if not is_lazy(raw):
        return _read(raw, 0, int(raw.n_times), np.arange(a, b))
    step = raw._step
    x = _rows_whole(step.source, a, b)
    if step.op is None:
        return x
    rows = np.flatnonzero(step.touched[a:b]) + a
    for c, d in _runs(rows):
        view = x[c - a: d - a]
        out = _data(step.op(step._wrap(view, mne.pick_info(step.in_info, list(range(c, d))),
                                       0, annotate=True)))
        if not np.shares_memory(out, view):
            view[:] = out
    return x

def is_lazy(raw: Any) -> bool:
    return LazyRaw is not None and isinstance(raw, LazyRaw)


def chain(raw: Any) -> list[str]:
    """The operations behind a lazy raw, from the file outwards (for summaries)."""
    out: list[str] = []
    while is_lazy(raw):
        out.append(raw._step.label)
        raw = raw._step.source
    return out[::-1]


def pad_of(raw: Any) -> int:
    """Context samples a window of ``raw`` reads beyond itself, over the whole chain."""
    total = 0
    while is_lazy(raw):
        total += raw._step.pad
        raw = raw._step.source
    return total
