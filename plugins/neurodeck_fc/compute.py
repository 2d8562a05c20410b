"""Correlation and shrinkage partial correlation, streamed over the time span in chunks
so a long recording never has to be in memory at once."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import TimeSeries
from neurodeck.errors import ParameterError
from neurodeck.jobs.progress import Progress
from neurodeck.plugin_api import sample_span
from neurodeck.safety.limits import require_finite

NON_DATA_TYPES = {
    "stim", "misc", "syst", "chpi", "exci", "ias", "resp", "bio", "gsr", "temperature"}
CHUNK_SAMPLES = 200_000


def pick_rows(ts: TimeSeries, channel_types: str, exclude_bads: bool) -> list[int]:
    types = ts.row_types
    wanted = {t.strip() for t in channel_types.split(",") if t.strip()}
    bads = set(getattr(ts, "bads", []) or []) if exclude_bads else set()
    picks = []
    for i, (label, t) in enumerate(zip(ts.labels, types, strict=True)):
        if label in bads:
            continue
        if "all" in wanted or (("data" in wanted and t not in NON_DATA_TYPES) or t in wanted):
            picks.append(i)
    return picks


def covariance(ts: TimeSeries, picks: list[int], start: int, stop: int,
               progress: Progress) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean and (biased) covariance of rows ``picks`` over samples [start, stop),
    accumulated chunk by chunk (shifted sums for numerical stability)."""
    n = len(picks)
    total = stop - start
    shift = None
    s1 = np.zeros(n)
    s2 = np.zeros((n, n))
    for lo in range(start, stop, CHUNK_SAMPLES):
        hi = min(lo + CHUNK_SAMPLES, stop)
        x = require_finite(ts.get_data(lo, hi, picks), f"{ts.name} (samples {lo}-{hi})",
                           ("row", "sample"))
        if shift is None:
            shift = x[:, :1].copy()  # shifting by the first sample keeps sums small
        x = x - shift
        s1 += x.sum(axis=1)
        s2 += x @ x.T
        progress.update((hi - start) / total * 0.9, f"reading samples {lo}-{hi}")
    mean = s1 / total
    cov = s2 / total - np.outer(mean, mean)
    return mean + shift[:, 0], cov, total


def ledoit_wolf_shrinkage(ts: TimeSeries, picks: list[int], start: int, stop: int,
                          cov: np.ndarray, mean: np.ndarray) -> float:
    """Ledoit & Wolf (2004) optimal shrinkage towards mu*I for the biased covariance."""
    n = len(picks)
    total = stop - start
    mu = np.trace(cov) / n
    delta2 = np.sum((cov - mu * np.eye(n)) ** 2) / n
    beta_sum = 0.0
    for lo in range(start, stop, CHUNK_SAMPLES):
        hi = min(lo + CHUNK_SAMPLES, stop)
        x = ts.get_data(lo, hi, picks) - mean[:, None]
        # sum_t ||x_t x_t^T - S||_F^2 = sum_t |x_t|^4 - 2 x_t^T S x_t + |S|_F^2
        sq = np.sum(x * x, axis=0)
        beta_sum += np.sum(sq**2) - 2 * np.sum(x * (cov @ x)) + x.shape[1] * np.sum(cov**2)
    beta2 = min(beta_sum / total**2 / n, delta2)
    return float(beta2 / delta2) if delta2 > 0 else 0.0


def run(inputs: list[TimeSeries], params: dict[str, Any], progress: Progress) -> dict:
    ts = inputs[0]
    picks = pick_rows(ts, params["channel_types"], params["exclude_bads"])
    if len(picks) < 2:
        raise ParameterError(
            f"{ts.name}: fewer than 2 rows of type {params['channel_types']!r} to correlate")
    start, stop = sample_span(ts, params["tmin"], params["tmax"], min_samples=3)

    mean, cov, n_samples = covariance(ts, picks, start, stop, progress)
    std = np.sqrt(np.diag(cov))
    labels = [ts.labels[i] for i in picks]
    if np.any(std == 0):
        flat = [lab for lab, s in zip(labels, std, strict=True) if s == 0]
        raise ParameterError(
            f"{ts.name}: constant rows cannot be correlated: {', '.join(flat[:5])}")

    if params["method"] == "pearson":
        matrix = cov / np.outer(std, std)
    else:
        shrink = params["shrinkage"]
        if shrink is None:
            progress.update(0.9, "estimating Ledoit-Wolf shrinkage")
            shrink = ledoit_wolf_shrinkage(ts, picks, start, stop, cov, mean)
        n = len(picks)
        target = np.trace(cov) / n * np.eye(n)
        precision = np.linalg.inv((1 - shrink) * cov + shrink * target)
        d = np.sqrt(np.diag(precision))
        matrix = -precision / np.outer(d, d)
    np.fill_diagonal(matrix, 1.0)
    matrix = np.clip((matrix + matrix.T) / 2, -1.0, 1.0)
    if params["fisher_z"]:
        with np.errstate(divide="ignore"):
            matrix = np.arctanh(matrix)
    out = {"matrix": matrix, "labels": np.asarray(labels), "n_samples": np.int64(n_samples)}
    if params["method"] == "partial":
        out["shrinkage"] = np.float64(shrink)
    return out
