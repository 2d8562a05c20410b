"""One scan through BrainMAE: normalise, cut into segments, mask, reconstruct, embed.

Masked reconstruction covers every region at every frame: within each segment the
regions are shuffled and split into blocks of ``round(mask_ratio * N)``; pass ``p``
masks block ``p``, so ``ceil(N / m)`` passes mask each region at least once per
segment. A frame's reconstruction is the mean of the predictions made while that
region was hidden. Errors are in normalised (z) units, where predicting the scan
mean scores 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import gaussian
from .model_np import NumpyBrainMAE


def normalise(data: np.ndarray, eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-region z-score over the scan: (z, mean, std)."""
    data = np.asarray(data, dtype=np.float64)
    mean = data.mean(axis=1, keepdims=True)
    std = data.std(axis=1, keepdims=True)
    z = (data - mean) / np.maximum(std, eps)
    return z.astype(np.float32), mean[:, 0], std[:, 0]


def segment_starts(n_times: int, tau: int) -> np.ndarray:
    """Non-overlapping segments from frame 0; a last one ending at the final frame
    covers a remainder (it overlaps its neighbour)."""
    starts = list(range(0, n_times - tau + 1, tau))
    if n_times % tau:
        starts.append(n_times - tau)
    return np.asarray(starts, dtype=int)


def n_masked(n_regions: int, mask_ratio: float) -> int:
    """Regions hidden per segment: at least one, and two always stay visible (each
    visible region needs another one to attend to, self-loops being removed)."""
    return int(min(max(round(mask_ratio * n_regions), 1), n_regions - 2))


def mask_passes(n_segments: int, n_regions: int, mask_ratio: float,
                rng: np.random.Generator) -> np.ndarray:
    """(P, S, N) visibility: every region hidden at least once per segment."""
    m = n_masked(n_regions, mask_ratio)
    n_pass = -(-n_regions // m)
    visible = np.ones((n_pass, n_segments, n_regions), dtype=bool)
    for s in range(n_segments):
        perm = rng.permutation(n_regions)
        for p in range(n_pass):
            visible[p, s, perm[(p * m + np.arange(m)) % n_regions]] = False
    return visible


def cut(z: np.ndarray, starts: np.ndarray, tau: int) -> np.ndarray:
    """(S, N, tau) segments of a (N, T) scan."""
    return np.stack([z[:, s:s + tau] for s in starts])


def _accumulate(pred: np.ndarray, visible: np.ndarray, starts: np.ndarray,
                shape: tuple[int, int]) -> np.ndarray:
    """Average (P, S, N, tau) predictions over the (pass, segment) pairs where each
    region was hidden, onto a (N, T) grid."""
    total = np.zeros(shape)
    count = np.zeros(shape)
    tau = pred.shape[-1]
    for p in range(pred.shape[0]):
        for k, s in enumerate(starts):
            hidden = ~visible[p, k]
            total[hidden, s:s + tau] += pred[p, k, hidden]
            count[hidden, s:s + tau] += 1
    return total / np.maximum(count, 1)


def nearest_in_time(z: np.ndarray, visible: np.ndarray, starts: np.ndarray,
                    tau: int) -> np.ndarray:
    """Baseline: each hidden frame takes the value of the nearest frame of the same
    region that is visible in the same pass (ties go to the earlier frame)."""
    n, t = z.shape
    pred = np.zeros((visible.shape[0], len(starts), n, tau))
    frames = np.arange(t)
    for p in range(visible.shape[0]):
        seen = np.ones((n, t), dtype=bool)
        for k, s in enumerate(starts):
            seen[~visible[p, k], s:s + tau] = False
        for i in range(n):
            idx = frames[seen[i]]
            if idx.size == 0:
                continue
            pos = np.clip(np.searchsorted(idx, frames), 1, idx.size - 1) if idx.size > 1 \
                else np.zeros(t, dtype=int)
            if idx.size > 1:
                left, right = idx[pos - 1], idx[pos]
                nearest = np.where(frames - left <= right - frames, left, right)
            else:
                nearest = np.full(t, idx[0])
            filled = z[i, nearest]
            for k, s in enumerate(starts):
                pred[p, k, i] = filled[s:s + tau]
    return _accumulate(pred, visible, starts, (n, t))


@dataclass
class ScanResult:
    reconstruction: np.ndarray  # (N, T) in the input's units
    reconstruction_z: np.ndarray  # (N, T) normalised
    z: np.ndarray  # (N, T) normalised input
    error: np.ndarray  # (N,) MSE in z units
    error_mean: np.ndarray  # (N,) mean-imputation baseline
    error_nearest: np.ndarray  # (N,) nearest-in-time baseline
    error_gaussian: np.ndarray  # (N,) Gaussian conditional-mean baseline (NaN without one)
    reconstruction_gaussian: np.ndarray | None  # (N, T) that baseline, in the input's units
    segment_embeddings: np.ndarray  # (S, d)
    segment_starts: np.ndarray  # (S,) frames
    embedding: np.ndarray  # (d,)


def run_scan(model: NumpyBrainMAE, data: np.ndarray, mask_ratio: float,
             rng: np.random.Generator, baselines: bool = True,
             check: Callable[[], None] | None = None,
             covariance: np.ndarray | None = None) -> ScanResult:
    """Reconstruct and embed one (N, T) scan (already checked against the model).

    ``check`` is called between forward passes (a job's cancel check). With a
    ``covariance`` (N, N, z units) the Gaussian conditional-mean baseline runs on the
    same masks."""
    check = check or (lambda: None)
    tau = model.arch.segment_length
    eps = float(model.config.normalisation.get("eps", 1e-6))
    z, mean, std = normalise(data, eps)
    n, t = z.shape
    starts = segment_starts(t, tau)
    segs = cut(z, starts, tau)
    positions = starts / tau
    # Embeddings come from the unmasked scan: they do not depend on the mask draw.
    _, ctx = model.forward(segs[None], None, positions[None], decode=False)
    visible = mask_passes(len(starts), n, mask_ratio, rng)
    pred = np.empty((visible.shape[0], *segs.shape), dtype=np.float32)
    for p in range(visible.shape[0]):
        check()
        pred[p] = model.forward(segs[None], visible[p:p + 1], positions[None])[0][0]
    recon_z = _accumulate(pred.astype(np.float64), visible, starts, (n, t))
    err = ((recon_z - z) ** 2).mean(axis=1)
    err_mean = (z.astype(np.float64) ** 2).mean(axis=1)
    err_nn = (((nearest_in_time(z, visible, starts, tau) - z) ** 2).mean(axis=1)
              if baselines else np.full(n, np.nan))
    scale = np.maximum(std, eps)[:, None]
    recon_g, err_g = None, np.full(n, np.nan)
    if covariance is not None:
        g_z = _accumulate(gaussian.impute(segs, visible, covariance), visible, starts, (n, t))
        err_g = ((g_z - z) ** 2).mean(axis=1)
        recon_g = g_z * scale + mean[:, None]
    return ScanResult(
        reconstruction=recon_z * scale + mean[:, None],
        reconstruction_z=recon_z, z=z, error=err, error_mean=err_mean, error_nearest=err_nn,
        error_gaussian=err_g, reconstruction_gaussian=recon_g,
        segment_embeddings=ctx[0].astype(np.float64), segment_starts=starts,
        embedding=ctx[0].mean(axis=0).astype(np.float64),
    )
