"""Model evaluation: fixed scores, noise ceilings, bootstrap over conditions and/or
subjects, and model tests (Nili et al. 2014; Schuett et al. 2023, rsatoolbox's
``eval_fixed``/``eval_bootstrap*``/``boot_noise_ceiling`` semantics)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from neurodeck.errors import ParameterError
from neurodeck.jobs.progress import Progress

from .compare import FAST_WEIGHTED, _demean, compare, cosine, rank, weighted_compare
from .models import Model, crossval_scores
from .rdm import n_from_pairs

BOOTSTRAP = ("none", "conditions", "subjects", "both")


# -- pooling and noise ceiling -----------------------------------------------------------
def pool(v: np.ndarray, method: str, w: np.ndarray | None = None) -> np.ndarray:
    """The RDM that best represents a group under ``method`` (rsatoolbox's pool_rdm):
    mean of RMS-normalised RDMs (cosine), z-scored RDMs (correlations) or ranks."""
    v = np.asarray(v, float)
    missing = np.nan  # expanded vectors keep NaN where pairs are missing
    if w is None:
        w = np.where(np.isnan(v).any(axis=0), 0.0, 1.0)
    else:
        missing = 0.0  # weighted vectors: weight 0 already leaves the pair out
    vz = np.where(w > 0, v, 0.0)
    total = w.sum()
    if method in ("cosine", "cosine_cov"):
        vz = vz / np.sqrt(((vz * vz) @ w) / total)[:, None]
    elif method in ("corr", "corr_cov"):
        vz = vz - ((vz @ w) / total)[:, None]
        vz = vz / np.sqrt(((vz * vz) @ w) / total)[:, None]
    elif method in ("spearman", "rho-a", "kendall", "tau-a"):
        # ranks of the observed entries (weights are 0/1 here: expanded vectors)
        vz = np.full_like(v, np.nan)
        ok = w > 0
        vz[:, ok] = rank(v[:, ok])
    else:
        raise ParameterError(f"unknown comparison {method!r}")
    out = vz.mean(axis=0)
    return np.where(w > 0, out, missing)


def noise_ceiling(data: np.ndarray, method: str, groups: np.ndarray | None = None,
                  w: np.ndarray | None = None) -> tuple[float, float]:
    """Leave-one-out lower bound and upper bound of the model score (Nili et al. 2014).

    Lower: mean over groups of the similarity of the group's RDM(s) to the pooled RDM
    of all other groups; upper: the same against the pool of all RDMs. ``groups``
    (one id per RDM) makes copies of one RDM in a bootstrap sample leave together.
    """
    groups = np.arange(data.shape[0]) if groups is None else np.asarray(groups)
    uniq = np.unique(groups)
    if uniq.size < 2:
        return float("nan"), float("nan")
    missing = np.isnan(data)
    if w is None and method in ("spearman", "rho-a") and (missing == missing[:1]).all():
        return _noise_ceiling_ranks(rank(data[:, ~missing[0]]), method, groups, uniq)
    sim = _scorer(method, w)
    upper_pool = pool(data, method, w)
    lo, hi = [], []
    for g in uniq:
        test = data[groups == g]
        lo.append(np.mean(sim(pool(data[groups != g], method, w)[None], test)))
        hi.append(np.mean(sim(upper_pool[None], test)))
    return float(np.mean(lo)), float(np.mean(hi))


def _noise_ceiling_ranks(r: np.ndarray, method: str, groups: np.ndarray,
                         uniq: np.ndarray) -> tuple[float, float]:
    """:func:`noise_ceiling` for spearman/rho-a from the ranks ``r`` of RDMs missing the
    same pairs (given without them): each RDM is ranked once, not once per pool it enters
    (the same operations otherwise, so the same numbers)."""
    rc = _demean(r)
    n = r.shape[1]

    def sim(pool: np.ndarray, test: np.ndarray) -> float:  # pool: its demeaned ranks
        s = cosine(pool, rc[test]) if method == "spearman" else \
            12.0 * (pool @ rc[test].T) / (n**3 - n)
        return float(np.mean(s))

    def ranked(pool: np.ndarray) -> np.ndarray:
        return _demean(rank(pool[None]))

    upper = ranked(r.mean(axis=0))
    lo = [sim(ranked(r[groups != g].mean(axis=0)), groups == g) for g in uniq]
    hi = [sim(upper, groups == g) for g in uniq]
    return float(np.mean(lo)), float(np.mean(hi))


def _shared_ranks(method: str, w: np.ndarray | None, m: np.ndarray, d: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """Ranks of the models and of the RDMs on their observed pairs, for spearman/rho-a
    when every vector misses the same pairs (expanded copies): the scores and the noise
    ceiling then share them. None where that does not hold."""
    if w is not None or method not in ("spearman", "rho-a"):
        return None
    miss = np.isnan(d[0])
    if not ((np.isnan(d) == miss).all() and (np.isnan(m) == miss).all()):
        return None
    return (rank(m[:, ~miss]) if m.shape[0] else m[:, ~miss]), rank(d[:, ~miss])


def _rank_similarity(ra: np.ndarray, rb: np.ndarray, method: str) -> np.ndarray:
    """``compare(a, b, method)`` for spearman/rho-a from the ranks (the same operations)."""
    a, b = _demean(ra), _demean(rb)
    if method == "spearman":
        return cosine(a, b)
    n = a.shape[1]
    return 12.0 * (a @ b.T) / (n**3 - n)


def _scorer(method: str, w: np.ndarray | None):
    if w is None:
        return lambda a, b: compare(a, b, method)
    return lambda a, b: weighted_compare(a, b, w, method)


def evaluate_fixed(models: np.ndarray, data: np.ndarray, method: str) -> np.ndarray:
    """n_models x n_rdm similarities of each model to each data RDM."""
    return compare(models, data, method)


# -- bootstrap -------------------------------------------------------------------------------
@dataclass
class BootstrapResult:
    scores: np.ndarray        # n_models x n_boot (NaN where a sample had < 3 conditions)
    noise_ceiling: np.ndarray  # 2 x n_boot
    dof: int


def draw_samples(n_rdm: int, n_cond: int, mode: str, n_boot: int,
                 rng: np.random.Generator) -> list[tuple[np.ndarray | None, np.ndarray | None]]:
    """(rdm indices, condition indices) per bootstrap sample; None = not resampled."""
    out = []
    for _ in range(n_boot):
        rows = rng.integers(0, n_rdm, n_rdm) if mode in ("subjects", "both") else None
        conds = rng.integers(0, n_cond, n_cond) if mode in ("conditions", "both") else None
        out.append((rows, conds))
    return out


def pair_weights(conds: np.ndarray, n_cond: int) -> np.ndarray:
    """Times each pair (i < j) occurs among resampled conditions: c_i * c_j."""
    c = np.bincount(conds, minlength=n_cond).astype(float)
    iu = np.triu_indices(n_cond, 1)
    return c[iu[0]] * c[iu[1]]


def expand(v: np.ndarray, conds: np.ndarray) -> np.ndarray:
    """RDM vectors of the resampled conditions (sorted; a condition against its own
    copy is NaN), exactly the vectors rsatoolbox's ``subsample_pattern`` builds."""
    n = n_from_pairs(v.shape[1])
    sel = np.sort(conds)
    ia, ib = np.triu_indices(sel.size, 1)
    i, j = sel[ia], sel[ib]
    same = i == j
    j = np.where(same, i + 1, j)  # any valid index; overwritten with NaN below
    idx = np.where(same, 0, i * n - i * (i + 1) // 2 + (j - i - 1))
    out = v[:, idx]
    out[:, same] = np.nan
    return out


# -- batched fixed-model bootstrap (cosine/corr) ----------------------------------------------
def _blas_threads():
    """BLAS threads for the batched bootstrap's GEMMs (policy measured in
    benchmarks/bench_rsa.py: see docs/rsa.md)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(BOOT_BLAS_THREADS, user_api="blas")


BOOT_BLAS_THREADS = 1
# entries of one block of samples' per-sample arrays (pairs of vectors, n x n); bounds the
# batched bootstrap's memory at any number of samples and RDMs
SAMPLE_BLOCK = 1 << 22

def _moment_columns(data: np.ndarray, fixed: np.ndarray, method: str
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectors whose pair-weighted sums give every similarity of a bootstrap sample.

    Returns ``(v, pairs_a, pairs_b)`` with ``v`` the stacked data and model vectors
    (centred for ``corr``, which is shift-invariant, and scaled to unit RMS, which both
    measures ignore: the moments are then well conditioned) and the index pairs (a, b)
    whose products ``v_a * v_b`` are needed: data x data (a <= b), model x data and
    model x model (diagonal)."""
    v = np.vstack([data, fixed])
    if method == "corr":
        v = v - v.mean(axis=1, keepdims=True)
    rms = np.sqrt(np.mean(v * v, axis=1, keepdims=True))
    v = v / np.where(rms > 0, rms, 1.0)
    n, k = data.shape[0], fixed.shape[0]
    da, db = np.triu_indices(n)
    ma, mb = np.repeat(np.arange(n, n + k), n), np.tile(np.arange(n), k)
    mm = np.arange(n, n + k)
    return v, np.concatenate([da, ma, mm]), np.concatenate([db, mb, mm]), np.array([n, k])


def _sample_moments(v: np.ndarray, pa: np.ndarray, pb: np.ndarray,
                    conds: list[np.ndarray | None], n_cond: int,
                    block: int = 1 << 22) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair-weighted sums for every sample: total weight (s), sum w v_a (s x q) and
    sum w v_a v_b (s x n_pairs_ab), as GEMMs of the samples' pair weights with the
    products, in blocks of pairs that keep each operand under ``block`` entries."""
    q, n_pairs = v.shape
    iu, ju = np.triu_indices(n_cond, 1)
    counts = np.array([np.ones(n_cond) if c is None else np.bincount(c, minlength=n_cond)
                       for c in conds], float)
    total = np.zeros(len(conds))
    lin = np.zeros((len(conds), q))
    quad = np.zeros((len(conds), pa.size))
    step = max(1, min(n_pairs, block // max(pa.size + q, len(conds))))
    for a in range(0, n_pairs, step):
        sl = slice(a, a + step)
        w = counts[:, iu[sl]] * counts[:, ju[sl]]           # samples x pairs: c_i c_j
        x = v[:, sl]
        total += w.sum(axis=1)
        lin += w @ x.T
        quad += w @ (x[pa] * x[pb]).T
    return total, lin, quad


def _fast_bootstrap(data: np.ndarray, fixed: np.ndarray, method: str,
                    samples: list[tuple[np.ndarray | None, np.ndarray | None]]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-model scores (k x s) and noise ceilings (2 x s) of every bootstrap sample for
    ``cosine``/``corr`` without NaN, from the pair-weighted similarity matrix R of the
    original RDMs and models per sample.

    A sample that holds RDM r k_r times has the pooled RDM of a set with counts a
    (pool = mean of normalised RDMs) at similarity a.R[:, t] / sqrt(a.R.a) to RDM t, so
    the leave-one-out lower bound (a = k without t's copies) and the upper bound (a = k)
    need no pooled vectors; the model score is sum_r k_r R[m, r] / sum_r k_r. This is
    :func:`noise_ceiling` and ``weighted_compare`` on the sample, done at once.
    """
    n_rdm, n_pairs = data.shape
    n_cond = n_from_pairs(n_pairs)
    v, pa, pb, (n, k) = _moment_columns(data, fixed, method)
    scores = np.full((k, len(samples)), np.nan)
    nc = np.full((2, len(samples)), np.nan)
    once = None
    if all(c is None for _, c in samples):  # no condition resampling: one set of sums
        once = _sample_moments(v, pa, pb, [None], n_cond)
    # chunks of samples keep the per-sample arrays (pairs of vectors, n x n) small
    step = max(1, SAMPLE_BLOCK // max(pa.size, n * n))
    for a in range(0, len(samples), step):
        chunk = samples[a:a + step]
        sums = once if once is not None else \
            _sample_moments(v, pa, pb, [c for _, c in chunk], n_cond)
        scores[:, a:a + step], nc[:, a:a + step] = _fast_chunk(sums, pa, pb, n, k, n_rdm,
                                                               chunk, method)
    return scores, nc


def _fast_chunk(sums: tuple[np.ndarray, np.ndarray, np.ndarray], pa: np.ndarray,
                pb: np.ndarray, n: int, k: int, n_rdm: int,
                samples: list[tuple[np.ndarray | None, np.ndarray | None]], method: str
                ) -> tuple[np.ndarray, np.ndarray]:
    """Scores and noise ceilings of a chunk of samples from their pair-weighted sums
    (one row per sample, or one row shared by all)."""
    s = len(samples)
    total, lin, quad = (np.broadcast_to(x, (s, *x.shape[1:])) for x in sums)
    total = np.where(total > 0, total, np.nan)
    mean = lin / total[:, None]
    cov = quad / total[:, None]
    if method == "corr":
        cov = cov - mean[:, pa] * mean[:, pb]
    # variances of every vector (the a == b entries are among the pairs)
    diag = np.full((s, n + k), np.nan)
    is_diag = pa == pb
    diag[:, pa[is_diag]] = cov[:, is_diag]
    sd = np.sqrt(np.maximum(diag, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / (sd[:, pa] * sd[:, pb])
    r = np.where((sd[:, pa] > 0) & (sd[:, pb] > 0), r, 0.0)  # a constant RDM scores 0
    n_dd = n * (n + 1) // 2
    rdd = np.zeros((s, n, n))
    rdd[:, pa[:n_dd], pb[:n_dd]] = r[:, :n_dd]
    rdd[:, pb[:n_dd], pa[:n_dd]] = r[:, :n_dd]
    rmd = r[:, n_dd:n_dd + k * n].reshape(s, k, n)
    kk = np.array([np.ones(n_rdm) if rows is None else np.bincount(rows, minlength=n_rdm)
                   for rows, _ in samples], float)
    scores = np.einsum("skr,sr->ks", rmd, kk) / kk.sum(axis=1)[None, :]
    rk = np.einsum("srt,sr->st", rdd, kk)                  # sum_r k_r R[r, t]
    krk = np.einsum("st,st->s", rk, kk)
    rtt = np.einsum("stt->st", rdd)
    present = kk > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        upper = rk / np.sqrt(krk)[:, None]
        lower = (rk - kk * rtt) / np.sqrt(krk[:, None] - 2 * kk * rk + kk * kk * rtt)
    n_present = present.sum(axis=1)
    nc = np.stack([np.where(present, lower, 0.0).sum(axis=1),
                   np.where(present, upper, 0.0).sum(axis=1)]) / n_present
    nc[:, n_present < 2] = np.nan
    valid = np.array([c is None or np.unique(c).size >= 3 for _, c in samples])
    scores[:, ~valid] = np.nan
    nc[:, ~valid] = np.nan
    return scores, nc


def bootstrap(models: np.ndarray | list[Model], data: np.ndarray, method: str,
              samples: list[tuple[np.ndarray | None, np.ndarray | None]],
              progress: Progress | None = None, fitter: str = "nnls") -> BootstrapResult:
    """Scores and noise ceilings over bootstrap samples of subjects (RDMs) and/or
    conditions; as rsatoolbox's eval_bootstrap(_pattern/_rdm) with boot_noise_ceil.

    ``models``: fixed model RDM vectors (n_models x n_pairs), or :class:`Model`s. A
    weighted model is scored in every sample by leave-one-subject-out cross-validation
    within the sample (copies of a subject leave together), as rsatoolbox's
    ``bootstrap_crossval`` does over RDMs (it also cross-validates over conditions;
    we do not: a condition bootstrap refits the weights on the resampled conditions).
    """
    if not isinstance(models, list):
        models = [Model(str(i), m[None]) for i, m in enumerate(np.atleast_2d(models))]
    fixed_idx = [i for i, m in enumerate(models) if not m.weighted]
    fixed_vecs = np.array([models[i].components[0] for i in fixed_idx]).reshape(
        len(fixed_idx), data.shape[1])
    n_rdm = data.shape[0]
    n_cond = n_from_pairs(data.shape[1])
    fast = method in FAST_WEIGHTED and not np.isnan(data).any() and \
        not any(np.isnan(m.components).any() for m in models)
    scores = np.full((len(models), len(samples)), np.nan)
    nc = np.full((2, len(samples)), np.nan)
    progress = progress or Progress()
    batched = fast and len(samples) > 0
    if batched:
        with _blas_threads():
            scores[fixed_idx], nc = _fast_bootstrap(data, fixed_vecs, method, samples)
    loop = [] if batched and len(fixed_idx) == len(models) else samples
    for s, (rows, conds) in enumerate(loop):
        if s % 20 == 0:
            progress.update(s / max(len(samples), 1), f"bootstrap sample {s}/{len(samples)}")
        rows_ = np.arange(n_rdm) if rows is None else np.asarray(rows)
        d = data[rows_]
        m = fixed_vecs
        w = None
        expanded = False
        if conds is not None:
            if np.unique(conds).size < 3:
                continue
            if fast:
                w = pair_weights(conds, n_cond)
            else:
                d, m, expanded = expand(d, conds), expand(fixed_vecs, conds), True
        sim = _scorer(method, w)
        ranked = None if batched else _shared_ranks(method, w, m, d)
        if fixed_idx and not batched:
            sc = sim(m, d) if ranked is None else _rank_similarity(*ranked, method)
            scores[fixed_idx, s] = sc.mean(axis=1)
        for i, model in enumerate(models):
            if model.weighted:
                if np.unique(rows_).size < 2:
                    continue  # nothing to train on: this sample cannot score the model
                mod = Model(model.name, expand(model.components, conds), True) if expanded \
                    else model
                scores[i, s] = np.mean(crossval_scores(mod, d, rows_, method, fitter, w)[0])
        if not batched and ranked is not None:
            uniq = np.unique(rows_)
            nc[:, s] = (np.nan, np.nan) if uniq.size < 2 else \
                _noise_ceiling_ranks(ranked[1], method, rows_, uniq)
        elif not batched:
            nc[:, s] = noise_ceiling(d, method, rows_, w)
    mode_rdm = any(r is not None for r, _ in samples)
    mode_cond = any(c is not None for _, c in samples)
    dof = (min(n_rdm, n_cond) if mode_rdm and mode_cond else
           (n_rdm if mode_rdm else n_cond)) - 1
    return BootstrapResult(scores, nc, dof)


# -- tests -------------------------------------------------------------------------------
def fdr(p: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Benjamini-Hochberg: which of the p-values are significant at FDR ``alpha``."""
    flat = np.asarray(p, float).ravel()
    ok = np.isfinite(flat)
    out = np.zeros(flat.shape, bool)
    if ok.any():
        pv = flat[ok]
        order = np.argsort(pv)
        m = pv.size
        passed = pv[order] <= alpha * np.arange(1, m + 1) / m
        k = np.max(np.nonzero(passed)[0]) + 1 if passed.any() else 0
        sig = np.zeros(m, bool)
        sig[order[:k]] = True
        out[np.nonzero(ok)[0]] = sig
    return out.reshape(np.shape(p))


def model_tests(scores: np.ndarray, nc_lower: np.ndarray, dof: int
                ) -> dict[str, np.ndarray]:
    """Bootstrap t-tests as rsatoolbox's Result.test_pairwise/test_zero/test_noise:
    t = mean / bootstrap SD, two-sided p from Student's t with ``dof``; pairwise
    differences are corrected for multiple comparisons with Benjamini-Hochberg FDR.
    Bootstrap variances are scaled by n / (n - 1) with n = dof + 1 (the number of
    resampled units), as rsatoolbox does. The noise-ceiling test is one-sided against
    the lower bound per sample (rsatoolbox: two-sided against its mean)."""
    ok = np.isfinite(scores).all(axis=0) & np.isfinite(nc_lower)
    sc = scores[:, ok]
    if sc.shape[1] < 2 or dof < 1:
        n = scores.shape[0]
        nan = np.full(n, np.nan)
        return {"p_pairwise": np.full((n, n), np.nan), "p_zero": nan, "p_noise_ceiling": nan,
                "significant_pairwise": np.zeros((n, n), bool)}
    mean = sc.mean(axis=1)
    eps = np.finfo(float).eps
    corr = (dof + 1) / dof
    diff = sc[:, None, :] - sc[None, :, :]
    t_pair = (mean[:, None] - mean[None, :]) / np.sqrt(
        np.maximum(corr * diff.var(axis=2, ddof=1), eps))
    p_pair = 2 * stats.t.sf(np.abs(t_pair), dof)
    np.fill_diagonal(p_pair, np.nan)
    t_zero = mean / np.sqrt(np.maximum(corr * sc.var(axis=1, ddof=1), eps))
    p_zero = stats.t.sf(t_zero, dof)  # one-sided: model better than 0
    to_nc = sc - nc_lower[ok][None, :]
    t_nc = to_nc.mean(axis=1) / np.sqrt(np.maximum(corr * to_nc.var(axis=1, ddof=1), eps))
    p_nc = stats.t.cdf(t_nc, dof)  # one-sided: model below the lower noise ceiling
    iu = np.triu_indices(scores.shape[0], 1)
    sig = np.zeros_like(p_pair, bool)
    sig[iu] = fdr(p_pair[iu])
    sig = sig | sig.T
    return {"p_pairwise": p_pair, "p_zero": p_zero, "p_noise_ceiling": p_nc,
            "significant_pairwise": sig}
