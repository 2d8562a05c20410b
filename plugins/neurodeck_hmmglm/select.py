"""Choosing the number of states by cross-validated held-out log-likelihood."""

from __future__ import annotations

import numpy as np

from neurodeck.jobs.progress import Progress

from . import fit as fitting
from . import hmm


def split_blocks(data: fitting.Data, n_folds: int) -> fitting.Data:
    """With fewer sequences than folds, cut each sequence into ``n_folds`` contiguous
    blocks. The history X was filtered on the whole sequence, so blocks keep it."""
    if len(data.lengths) >= n_folds:
        return data
    lengths = []
    for n in data.lengths:
        edges = np.linspace(0, n, n_folds + 1).astype(int)
        lengths.extend(np.diff(edges))
    return fitting.Data(data.y, data.x, np.asarray(lengths, dtype=np.int64))


def bits_per_spike(train: fitting.Data, test: fitting.Data, p: fitting.Params,
                   link: str) -> float:
    """Held-out log-likelihood gain over a homogeneous Poisson model with the training
    mean rates, in bits per held-out spike."""
    log_em = fitting.emissions(test, p, link)
    ll = float(hmm.log_likelihood(log_em, test.lengths, p.transition, p.initial).sum())
    rate = np.maximum(train.y.mean(axis=0), 1e-12)
    ll0 = float(np.sum(test.y * np.log(rate) - rate) - test.lgam.sum())
    n_spikes = float(test.y.sum())
    return (ll - ll0) / (n_spikes * np.log(2.0)) if n_spikes else float("nan")


def cross_validate(data: fitting.Data, n_states_list: list[int], opts: fitting.FitOptions,
                   n_folds: int, n_restarts: int, seed: int, progress: Progress
                   ) -> np.ndarray:
    """Held-out bits/spike, len(n_states_list) x n_folds; folds are whole sequences
    (or blocks), assigned round-robin."""
    blocks = split_blocks(data, n_folds)
    fold_of = np.arange(len(blocks.lengths)) % n_folds
    out = np.full((len(n_states_list), n_folds), np.nan)
    total = len(n_states_list) * n_folds
    for i, k in enumerate(n_states_list):
        for f in range(n_folds):
            step = i * n_folds + f
            sub = progress.sub(step / total, (step + 1) / total)
            sub.update(0.0, f"cross-validating K={k}, fold {f + 1}/{n_folds}")
            train = blocks.subset(np.flatnonzero(fold_of != f))
            test = blocks.subset(np.flatnonzero(fold_of == f))
            res = fitting.fit(train, k, opts, n_restarts, seed + step, sub)
            out[i, f] = bits_per_spike(train, test, res.params, opts.link)
    return out
