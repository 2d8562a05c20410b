"""Leave-one-subject-out identification of regions/layers from (transformed) RDMs over a
grid of (l, u), with bootstrap intervals (Lin & Kriegeskorte 2024, PNAS).

Each subject's RDMs are assigned to the group whose centroid (the mean RDM of that group
over the other subjects) is nearest. Two classifiers:

* ``'correlation'``: nearest centroid in correlation distance; accuracy is the mean over
  subjects of each subject's fraction correct.
* ``'euclidean'``: the authors' ``loo_eval``: scikit-learn's ``NearestCentroid``
  (Euclidean), accuracy pooled over all RDMs (``accuracy_score``).

Bootstraps (the same draws for every grid cell):

* ``'subjects'``: subjects resampled with replacement, their per-subject correctness
  re-averaged; the classification is not re-run (fast; stimuli are treated as fixed).
* ``'subjects_stimuli'``: subjects (with all their RDMs) and stimuli resampled, the
  identification re-run on every sample.
* ``'reference'``: the authors' ``bootstrap`` + ``inner_boots``: RDMs (their "sessions",
  each a subject's RDM of one region) and stimuli resampled independently, pairs of a
  stimulus with its own copy dropped, the identification re-run on every sample.

A resampled stimulus set repeats pair (i, j) c_i c_j times; both classifiers are computed
from the pair-weighted Gram matrix of the original vectors, which equals working on the
expanded vectors without building them.
"""

from __future__ import annotations

import warnings

import numpy as np

from neurodeck.errors import ParameterError
from neurodeck.jobs.progress import Progress

from . import topology
from .inference import pair_weights
from .rdm import n_from_pairs

CLASSIFIERS = ("correlation", "euclidean")
BOOTSTRAPS = ("subjects", "subjects_stimuli", "reference")


def predict(x: np.ndarray, groups: np.ndarray, subjects: np.ndarray, n_groups: int, *,
            classifier: str = "correlation", counts: np.ndarray | None = None,
            w: np.ndarray | None = None, min_groups: int = 1) -> np.ndarray:
    """Leave-one-subject-out nearest-centroid prediction for every row of ``x``.

    ``groups``/``subjects``: integer ids per row; ``counts``: how often each row occurs
    (a bootstrap sample; 0 = absent, default 1); ``w``: weight of each pair (a stimulus
    bootstrap, default 1). Returns the predicted group per row (-1 where the row is absent,
    its fold has fewer than ``min_groups`` groups to train on, or all its training RDMs
    are the same vector).
    """
    x = np.asarray(x, float)
    n = x.shape[0]
    counts = np.ones(n) if counts is None else np.asarray(counts, float)
    if w is None:
        gram = x @ x.T
        sums = x.sum(axis=1)
        total = float(x.shape[1])
    else:
        gram = (x * w) @ x.T
        sums = x @ w
        total = float(w.sum())
    present = counts > 0
    folds = np.unique(subjects[present])
    # a[f, g, r]: weight of row r in the centroid of group g when fold f is left out
    train = (subjects[None, :] != folds[:, None]) & present[None, :]
    a = (train[:, None, :] & (groups[None, None, :] == np.arange(n_groups)[None, :, None])
         ) * counts[None, None, :]
    size = a.sum(axis=2)
    have = size > 0
    a = a / np.where(have, size, 1.0)[..., None]
    ag = a @ gram                                  # f x g x n: <x_t, c_fg>_w
    cc = np.einsum("fgr,fgr->fg", ag, a)           # <c_fg, c_fg>_w
    fold_of = np.searchsorted(folds, subjects)
    fold_of = np.clip(fold_of, 0, folds.size - 1)
    rows = np.arange(n)
    xc = ag[fold_of, :, rows]                       # n x g
    cf = cc[fold_of]                                # n x g
    if classifier == "euclidean":
        score = -(np.diag(gram)[:, None] - 2.0 * xc + cf)
    elif classifier == "correlation":
        cs = (a @ sums)[fold_of]                    # <c_fg, 1>_w
        xs = sums[:, None]
        cov = xc - xs * cs / total
        vx = np.diag(gram)[:, None] - xs * xs / total
        vc = cf - cs * cs / total
        with np.errstate(invalid="ignore", divide="ignore"):
            score = cov / np.sqrt(vx * vc)
        score = np.nan_to_num(score, nan=-2.0)      # a constant RDM matches nothing
    else:
        raise ParameterError(f"classifier must be one of {', '.join(CLASSIFIERS)}")
    score = np.where(have[fold_of], score, -np.inf)
    out = np.argmax(score, axis=1)
    # a fold whose training RDMs are all the same vector carries no information (and
    # NearestCentroid refuses it: "all features have zero variance")
    dg = np.diag(gram)
    d2 = dg[:, None] + dg[None, :] - 2.0 * gram
    spread = np.array([d2[np.ix_(t, t)].max() if t.any() else 0.0 for t in train])
    flat = spread <= 1e-12 * max(float(dg.max()), 1e-300)
    out[~present | (have[fold_of].sum(axis=1) < min_groups) | flat[fold_of]] = -1
    return out


def accuracy(pred: np.ndarray, groups: np.ndarray, subjects: np.ndarray,
             counts: np.ndarray | None = None, *, pooled: bool) -> float:
    """Fraction correct, pooled over rows (``pooled``) or averaged over subjects."""
    counts = np.ones(pred.size) if counts is None else np.asarray(counts, float)
    hit = (pred == groups) * counts
    if pooled:
        return float(hit.sum() / counts.sum())
    present = counts > 0
    per = [hit[subjects == s].sum() / counts[subjects == s].sum()
           for s in np.unique(subjects[present])]
    return float(np.mean(per))


def draw(n_rdm: int, subjects: np.ndarray, n_cond: int, mode: str, n_boot: int,
         rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Bootstrap draws: (row counts, resampled stimuli or None) per sample.

    ``'subjects'`` and ``'subjects_stimuli'`` resample subjects (copies keep their label,
    so they leave together); ``'reference'`` resamples rows (RDMs) as the authors do."""
    uniq, s_idx = np.unique(subjects, return_inverse=True)
    out = []
    for _ in range(n_boot):
        if mode == "reference":
            counts = np.bincount(rng.integers(0, n_rdm, n_rdm), minlength=n_rdm)
        else:
            pick = np.bincount(rng.integers(0, uniq.size, uniq.size), minlength=uniq.size)
            counts = pick[s_idx]
        stims = rng.integers(0, n_cond, n_cond) if mode != "subjects" else None
        out.append((counts.astype(float), stims))
    return out


def _cell(t: np.ndarray, g_idx: np.ndarray, s_idx: np.ndarray, n_groups: int,
          classifier: str, pooled: bool, draws: list, n_cond: int
          ) -> tuple[float, np.ndarray, np.ndarray]:
    """Accuracy of one grid cell, per-subject (hits, rows), and the re-run bootstrap."""
    pred = predict(t, g_idx, s_idx, n_groups, classifier=classifier)
    acc = accuracy(pred, g_idx, s_idx, pooled=pooled) if np.all(pred >= 0) else np.nan
    n_subj = s_idx.max() + 1
    hits = np.bincount(s_idx, weights=(pred == g_idx).astype(float), minlength=n_subj)
    rows = np.bincount(s_idx, minlength=n_subj).astype(float)
    boot = np.full(len(draws), np.nan)
    for b, (counts, stims) in enumerate(draws):
        w = pair_weights(stims, n_cond)
        if not np.any(w):
            continue
        p = predict(t, g_idx, s_idx, n_groups, classifier=classifier, counts=counts, w=w,
                    min_groups=2)
        if np.any(p[counts > 0] < 0):
            continue  # a fold with < 2 groups to train on: NearestCentroid refuses it
        boot[b] = accuracy(p, g_idx, s_idx, counts, pooled=pooled)
    return acc, np.stack([hits, rows]), boot


def identification(rdms: np.ndarray, groups: np.ndarray, subjects: np.ndarray,
                   lowers: np.ndarray, uppers: np.ndarray, *, scale: str = "rank",
                   pooled: bool = False, geodesic: str | None = None,
                   classifier: str = "correlation", bootstrap: str = "subjects",
                   n_bootstrap: int = 1000, seed: int = 0,
                   draws: list | None = None,
                   progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Identification accuracy over the (l, u) grid (cells with l > u are NaN).

    ``geodesic``: None identifies from GT RDMs, otherwise from geodesic RDMs of that
    method (:func:`topology.geodesic`; not ``'rsatoolbox'``, whose ``inf`` has no
    distance). Cells whose transformed RDMs are not finite are NaN. Transforms are
    computed on the full data; the bootstrap resamples the transformed RDMs (as the
    authors' code does). ``draws`` overrides the random draws (a list of (row counts,
    stimuli) as :func:`draw` makes). The 95% interval is the percentile interval of the
    bootstrap accuracies.
    """
    if classifier not in CLASSIFIERS:
        raise ParameterError(f"identify must be one of {', '.join(CLASSIFIERS)}")
    if bootstrap not in BOOTSTRAPS:
        raise ParameterError(f"bootstrap must be one of {', '.join(BOOTSTRAPS)}")
    if geodesic == "rsatoolbox":
        raise ParameterError("identification needs finite distances: rsatoolbox's geodesic "
                             "keeps inf for disconnected pairs; use geodesic = zero_edges "
                             "or reference with evaluate = rgdm")
    progress = progress or Progress()
    rdms = np.asarray(rdms, float)
    g_names, g_idx = np.unique(np.asarray(groups), return_inverse=True)
    s_names, s_idx = np.unique(np.asarray(subjects), return_inverse=True)
    if g_names.size < 2 or s_names.size < 2:
        raise ParameterError("identification needs RDMs of at least 2 groups (ROIs) from "
                             "at least 2 subjects")
    n_cond = n_from_pairs(rdms.shape[1])
    pooled_acc = classifier == "euclidean"
    rng = np.random.default_rng(seed)
    if draws is None:
        draws = draw(rdms.shape[0], s_idx, n_cond, bootstrap, n_bootstrap, rng) \
            if bootstrap != "subjects" else []
    subj_boots = rng.integers(0, s_names.size, (n_bootstrap, s_names.size)) \
        if bootstrap == "subjects" else None
    n_l, n_u = len(lowers), len(uppers)
    acc = np.full((n_l, n_u), np.nan)
    boot = np.full((n_l, n_u, max(len(draws), n_bootstrap if subj_boots is not None else 0)),
                   np.nan)
    for a, lo in enumerate(lowers):
        progress.update(a / n_l, f"identification at lower = {lo:.2f}")
        for b, hi in enumerate(uppers):
            if lo > hi:
                continue
            t = topology.gt_transform(rdms, lo, hi, scale=scale, pooled=pooled)
            if geodesic is not None:
                t = topology.geodesic(t, method=geodesic)
            if not np.isfinite(t).all():
                # a constant GT RDM has no min-max scaling in the reference geodesic (NaN)
                continue
            acc[a, b], per_subj, boot_ab = _cell(t, g_idx, s_idx, g_names.size, classifier,
                                                 pooled_acc, draws, n_cond)
            if subj_boots is not None and np.isfinite(acc[a, b]):
                hits, rows = per_subj[0][subj_boots], per_subj[1][subj_boots]
                boot_ab = (hits.sum(axis=1) / rows.sum(axis=1) if pooled_acc
                           else (hits / rows).mean(axis=1))
            boot[a, b, :boot_ab.size] = boot_ab
    with warnings.catch_warnings():  # cells with l > u (or no valid sample) are all-NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = (np.nanpercentile(boot, [2.5, 97.5], axis=2) if boot.shape[2]
              else np.stack([acc, acc]))
    return {"grid_lower": np.asarray(lowers, float), "grid_upper": np.asarray(uppers, float),
            "accuracy": acc, "accuracy_ci": ci, "group_names": g_names.astype(str),
            "chance": np.float64(1.0 / g_names.size)}
