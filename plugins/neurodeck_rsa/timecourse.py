"""Time-resolved model evaluation: model scores per time window, bootstrap intervals
over subjects, conditions or epochs, and the noise ceiling over time."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import Dataset, Epochs
from neurodeck.errors import ParameterError
from neurodeck.jobs.progress import Progress

from . import inference
from .compare import FAST_WEIGHTED, compare, weighted_compare
from .inputs import _from_epochs, epoch_labels
from .models import Model, crossval_scores, fit_weights


def scores(mlist: list[Model], vecs: np.ndarray, n_subj: int, method: str, fitter: str,
           progress: Progress, w: np.ndarray | None = None) -> np.ndarray:
    """n_models x n_subj x n_win scores; ``vecs`` rows are subject-major (subject,
    window). Weighted models are fitted per window, leaving one subject out."""
    n_win = vecs.shape[0] // n_subj
    out = np.empty((len(mlist), n_subj, n_win))
    fixed = [i for i, m in enumerate(mlist) if not m.weighted]
    if fixed:
        mv = np.array([mlist[i].components[0] for i in fixed])
        sim = compare(mv, vecs, method) if w is None else weighted_compare(mv, vecs, w, method)
        out[fixed] = sim.reshape(len(fixed), n_subj, n_win)
    cube = vecs.reshape(n_subj, n_win, -1)
    groups = np.arange(n_subj)
    for i, m in enumerate(mlist):
        if not m.weighted:
            continue
        for t in range(n_win):
            if t % 20 == 0:
                progress.update(t / n_win, f"{m.name}: window {t}/{n_win}")
            out[i, :, t] = crossval_scores(m, cube[:, t], groups, method, fitter, w)[0]
    return out


def _epoch_draw(labels: list[np.ndarray | None], rng: np.random.Generator) -> np.ndarray:
    """Epochs resampled with replacement within each (subject, run, condition) cell, so
    every cell keeps its size (cross-validated methods keep their folds)."""
    keys = np.unique(np.stack([np.unique(a, return_inverse=True)[1].reshape(-1)
                               for a in labels if a is not None]), axis=1, return_inverse=True)[1]
    keys = keys.reshape(-1)
    idx = np.empty(keys.size, int)
    for k in np.unique(keys):
        cell = np.nonzero(keys == k)[0]
        idx[cell] = rng.choice(cell, cell.size)
    return idx


def evaluate(mlist: list[Model], data, params: dict[str, Any], inputs: list[Dataset],
             progress: Progress) -> dict[str, np.ndarray]:

    method, fitter = params["compare"], params.get("fitter", "nnls")
    subjects = np.asarray(data.subjects)
    n_win = data.times.size
    n_subj = data.vectors.shape[0] // n_win
    if n_subj * n_win != data.vectors.shape[0] or np.unique(subjects).size != n_subj:
        raise ParameterError("every subject needs the same time windows")
    if any(m.weighted for m in mlist) and n_subj < 2:
        raise ParameterError("weighted models are cross-validated over subjects: time-resolved "
                             "RSA with weighted models needs epochs of at least 2 subjects")
    sc = scores(mlist, data.vectors, n_subj, method, fitter, progress.sub(0.0, 0.2))
    out: dict[str, np.ndarray] = {"model_fixed": sc.reshape(len(mlist), -1),
                                  "model_timecourse": sc.mean(axis=1)}
    cube = data.vectors.reshape(n_subj, n_win, -1)
    weighted = [m for m in mlist if m.weighted]
    if weighted:
        # weights per window, fitted to all subjects (the scores are cross-validated)
        k_max = max(m.n_components for m in weighted)
        wt = np.full((len(mlist), n_win, k_max), np.nan)
        for i, m in enumerate(mlist):
            if m.weighted:
                for t in range(n_win):
                    wt[i, t, :m.n_components] = fit_weights(m.components, cube[:, t], method,
                                                            fitter)
        out["model_weights_timecourse"] = wt
    if n_subj >= 2:
        nc = np.empty((2, n_win))
        for t in range(n_win):
            if t % 50 == 0:
                progress.update(0.2 + 0.1 * t / n_win, "noise ceiling over time")
            nc[:, t] = inference.noise_ceiling(cube[:, t], method)
        out["noise_ceiling_timecourse"] = nc
    mode = params["bootstrap"]
    if mode == "fixed":
        return out
    n_boot = params["n_bootstrap"]
    rng = np.random.default_rng(params["seed"])
    boot = np.full((len(mlist), n_boot, n_win), np.nan)
    prog = progress.sub(0.3, 1.0)
    if mode in ("subjects", "both") and n_subj < 2:
        raise ParameterError("bootstrapping subjects over time needs epochs of at least 2 "
                             "subjects (more inputs, or a subject_field)")
    if mode != "subjects" and any(m.weighted for m in mlist):
        raise ParameterError("time-resolved weighted models are refitted per window; their "
                             "intervals come from bootstrap='subjects' only")
    if mode == "subjects":
        draws = rng.integers(0, n_subj, (n_boot, n_subj))
        boot = sc[:, draws, :].mean(axis=2)  # held-out scores resampled over subjects
    elif mode in ("conditions", "both"):
        n_cond = data.conditions.size
        fast = method in FAST_WEIGHTED
        mv = np.array([m.components[0] for m in mlist])
        for b in range(n_boot):
            if b % 10 == 0:
                prog.update(b / n_boot, f"bootstrap sample {b}/{n_boot}")
            rows = rng.integers(0, n_subj, n_subj) if mode == "both" else np.arange(n_subj)
            conds = rng.integers(0, n_cond, n_cond)
            if np.unique(conds).size < 3:
                continue
            v = cube[rows].reshape(-1, cube.shape[2])
            if fast:
                s = weighted_compare(mv, v, inference.pair_weights(conds, n_cond), method)
            else:
                s = compare(inference.expand(mv, conds), inference.expand(v, conds), method)
            boot[:, b] = s.reshape(len(mlist), n_subj, n_win).mean(axis=1)
    elif mode == "epochs":
        if not all(isinstance(ds, Epochs) for ds in inputs):
            raise ParameterError("bootstrap='epochs' needs epochs inputs")
        labels = [list(epoch_labels(ds, params)) for ds in inputs]
        if all(np.unique(np.asarray(lab[0]), return_counts=True)[1].max() == 1
               for lab in labels):
            raise ParameterError("bootstrap='epochs' resamples the epochs of each condition; "
                                 "these epochs have one per condition")
        for b in range(n_boot):
            prog.update(b / n_boot, f"bootstrap sample {b}/{n_boot}")
            vecs = np.concatenate([
                _from_epochs(ds, params, Progress(), _epoch_draw(lab, rng)).vectors
                for ds, lab in zip(inputs, labels, strict=True)])
            boot[:, b] = scores(mlist, vecs, n_subj, method, fitter, Progress()).mean(axis=1)
    else:
        raise ParameterError(f"unknown bootstrap {mode!r}")
    out["model_timecourse_ci"] = np.nanpercentile(boot, [2.5, 97.5], axis=1)
    # one-sided bootstrap p of score <= 0 per window (uncorrected over windows)
    n_ok = np.sum(np.isfinite(boot), axis=1)
    out["p_zero_timecourse"] = (1 + np.sum(boot <= 0, axis=1)) / (1 + n_ok)
    return out
