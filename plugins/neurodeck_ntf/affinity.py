"""Stage 1: differential affinities between neuron pairs, built chunk by chunk.

For every animal ``a``, neuron ``i`` and frame ``t`` we estimate the time derivative
``d_i(t)`` of the trace (Savitzky-Golay, so smoothing and differentiation are one
filter) and scale it to unit RMS over the animal's valid frames, so neurons with
different dynamic ranges weigh alike. The instantaneous affinity of a pair is

* ``concurrent`` (the paper's principle): ``sqrt(max(0, d_i d_j))`` - non-zero only
  when both traces rise together or fall together; anti-correlated changes give 0;
* ``absolute``: ``sqrt(|d_i d_j|)`` - anti-correlated changes count as well.

``scale="product"`` drops the square root (the raw product of derivatives).
The square root is the default because it keeps affinities in the units of the
scaled derivative (geometric mean of the two changes), so one large transient does
not dominate the least-squares tensor fit.

The tensor is pairs x animals x time (float32). It is never required in memory: a
block of pairs is computed on demand from the derivatives (N x T per animal), and
:class:`AffinityTensor` keeps the whole tensor only if it fits a memory budget.
Neurons missing in an animal (NaN traces) and NaN padding give *missing* entries
(reported in a mask), never zeros.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

KINDS = ("concurrent", "absolute")
SCALES = ("sqrt", "product")
CHUNK_BYTES = 32 * 2**20  # one block of pairs; a few such temporaries live at once


def derivatives(traces: np.ndarray, sfreq: float, window: int = 5,
                normalize: bool = True) -> np.ndarray:
    """Smoothed time derivative of ``traces`` (animals x neurons x time, NaN = missing).

    ``window`` (frames, odd) is the Savitzky-Golay window (polynomial order 2); a
    window below 3 gives plain central differences. NaN frames stay NaN and the
    filter spreads them over their window, so derivatives never mix in padding.
    With ``normalize`` each neuron's derivative is divided by its RMS over the
    animal's valid frames.
    """
    from scipy.signal import savgol_filter

    x = np.asarray(traces, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"traces must be animals x neurons x time, got shape {x.shape}")
    if window >= 3:
        window = window + 1 if window % 2 == 0 else window
        if window > x.shape[-1]:
            raise ValueError(f"smoothing window ({window} frames) is longer than the "
                             f"recording ({x.shape[-1]} frames)")
        nan = np.isnan(x)
        # Filter zero-filled data, then blank every output whose window saw a NaN.
        d = savgol_filter(np.where(nan, 0.0, x), window, polyorder=2, deriv=1,
                          delta=1.0 / sfreq, axis=-1, mode="interp")
        if nan.any():
            from scipy.ndimage import maximum_filter1d

            d[maximum_filter1d(nan.astype(np.uint8), window, axis=-1) > 0] = np.nan
    else:
        d = np.gradient(x, 1.0 / sfreq, axis=-1)
    if normalize:
        valid = np.isfinite(d)
        count = valid.sum(-1, keepdims=True)
        sq = np.where(valid, d * d, 0.0).sum(-1, keepdims=True)
        rms = np.sqrt(sq / np.maximum(count, 1))
        rms[~np.isfinite(rms) | (rms == 0)] = 1.0  # flat or absent neurons stay as they are
        d = d / rms
    return d.astype(np.float32)


def pair_values(di: np.ndarray, dj: np.ndarray, kind: str = "concurrent",
                scale: str = "sqrt") -> np.ndarray:
    """Affinity of derivative arrays ``di``, ``dj`` (same shape; NaN propagates)."""
    prod = di * dj
    if kind == "concurrent":
        out = np.maximum(prod, 0.0, out=prod, where=~np.isnan(prod))
    elif kind == "absolute":
        out = np.abs(prod, out=prod)
    else:
        raise ValueError(f"affinity kind must be one of {KINDS}, got {kind!r}")
    if scale == "sqrt":
        out = np.sqrt(out, out=out)
    elif scale != "product":
        raise ValueError(f"affinity scale must be one of {SCALES}, got {scale!r}")
    return out


def pair_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row/column of each pair in the order used for the pair mode (upper triangle)."""
    return np.triu_indices(n, 1)


def pairs_to_matrix(values: np.ndarray, n: int) -> np.ndarray:
    """A pair vector (length n(n-1)/2) as a symmetric n x n matrix, zero diagonal."""
    i, j = pair_index(n)
    out = np.zeros((n, n), dtype=values.dtype)
    out[i, j] = values
    out[j, i] = values
    return out


@dataclass
class Block:
    """Pairs ``lo:hi`` of the tensor: values (pairs x animals*time) and missing mask."""

    lo: int
    hi: int
    values: np.ndarray  # float32 (hi-lo, A*T), missing entries hold 0 or an imputed value
    missing: np.ndarray | None  # bool, same shape, or None when nothing is missing


class AffinityTensor:
    """The pairs x animals x time affinity tensor, computed block by block.

    ``deriv`` is animals x neurons x time (float32, NaN = missing). When the whole
    tensor fits in ``max_bytes`` it is computed once and kept (iterations then read
    it); otherwise every pass recomputes blocks, so peak memory stays at a few blocks.
    """

    def __init__(self, deriv: np.ndarray, kind: str = "concurrent", scale: str = "sqrt",
                 max_bytes: int = 2 * 2**30, chunk_bytes: int = CHUNK_BYTES):
        self.deriv = np.ascontiguousarray(deriv, dtype=np.float32)
        self.n_animals, self.n_neurons, self.n_times = self.deriv.shape
        self.kind, self.scale = kind, scale
        pair_values(np.ones(1, np.float32), np.ones(1, np.float32), kind, scale)  # validate
        self.rows, self.cols = pair_index(self.n_neurons)
        self.n_pairs = len(self.rows)
        self.nan = np.isnan(self.deriv)
        self.has_missing = bool(self.nan.any())
        per_pair = self.n_animals * self.n_times * 4
        self.chunk = int(max(1, min(self.n_pairs, chunk_bytes // max(per_pair, 1))))
        self.nbytes = self.n_pairs * per_pair
        self.cached = self.nbytes <= max_bytes
        self._data: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.n_pairs, self.n_animals, self.n_times

    def _compute(self, lo: int, hi: int, out: np.ndarray | None = None) -> Block:
        i, j = self.rows[lo:hi], self.cols[lo:hi]
        # (A, Pc, T) -> (Pc, A, T): the pair mode first, animals then time.
        di = self.deriv[:, i, :].transpose(1, 0, 2)
        dj = self.deriv[:, j, :].transpose(1, 0, 2)
        vals = pair_values(np.ascontiguousarray(di), dj, self.kind, self.scale)
        vals = vals.reshape(hi - lo, -1)
        missing = None
        if self.has_missing:
            miss = (self.nan[:, i, :] | self.nan[:, j, :]).transpose(1, 0, 2).reshape(hi - lo, -1)
            if miss.any():
                missing = miss
                vals[miss] = 0.0
        if out is not None:
            out[...] = vals
            vals = out
        return Block(lo, hi, vals, missing)

    def materialize(self, check=None, report=None) -> None:
        """Compute and keep the whole tensor (only when it fits the budget);
        ``report(fraction)`` after each block."""
        if not self.cached or self._data is not None:
            return
        data = np.empty((self.n_pairs, self.n_animals * self.n_times), np.float32)
        missing: list[np.ndarray | None] = []
        for lo in range(0, self.n_pairs, self.chunk):
            if report is not None:
                report(lo / self.n_pairs)
            if check is not None:
                check()
            hi = min(lo + self.chunk, self.n_pairs)
            missing.append(self._compute(lo, hi, out=data[lo:hi]).missing)
        self._data, self._missing = data, missing

    def blocks(self) -> Iterator[Block]:
        """Every block of pairs in order (views into the cache when it is kept)."""
        self.materialize()
        for k, lo in enumerate(range(0, self.n_pairs, self.chunk)):
            hi = min(lo + self.chunk, self.n_pairs)
            if self._data is not None:
                yield Block(lo, hi, self._data[lo:hi], self._missing[k])
            else:
                yield self._compute(lo, hi)

    @property
    def n_blocks(self) -> int:
        return -(-self.n_pairs // self.chunk)

    def dense(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The whole tensor (pairs x animals x time) and its missing mask, in memory."""
        vals = np.empty((self.n_pairs, self.n_animals * self.n_times), np.float32)
        miss = np.zeros(vals.shape, bool) if self.has_missing else None
        for blk in self.blocks():
            vals[blk.lo:blk.hi] = blk.values
            if miss is not None and blk.missing is not None:
                miss[blk.lo:blk.hi] = blk.missing
        shape = (self.n_pairs, self.n_animals, self.n_times)
        return vals.reshape(shape), (miss.reshape(shape) if miss is not None else None)

    def peak_bytes(self) -> int:
        """Memory this tensor needs at most: the cache (if kept) plus ~4 blocks."""
        block = self.chunk * self.n_animals * self.n_times * 4
        return (self.nbytes if self.cached else 0) + 4 * block + self.deriv.nbytes * 2
