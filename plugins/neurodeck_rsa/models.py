"""Model RDMs: fixed and weighted models, model RDMs from condition features, weight
fits and leave-one-subject-out cross-validated evaluation.

A *fixed* model is one RDM. A *weighted* model predicts ``theta @ components`` from
k component RDMs; ``theta`` is fitted to the training RDMs. The fit maximises the mean
similarity to the training RDMs exactly for the measures where that has a closed form
(``cosine``, ``corr`` and the whitened ``cosine_cov``/``corr_cov``):

    mean_k cos(T X theta, T d_k) = <T X theta, y> / |T X theta|,  y = mean_k T d_k / |T d_k|

with T the measure's linear transform (identity, centring, whitening). The direction
that maximises it is the least-squares fit of ``y`` by ``T X theta``, over theta >= 0
for ``nnls`` (the projection onto a convex cone is the cone's direction of largest
cosine) or unconstrained for ``regress``. For cosine/corr ``y`` is proportional to
rsatoolbox's ``pool_rdm``, so the weights equal those of rsatoolbox's ``fit_regress_nn``
/ ``fit_regress``; rsatoolbox's default ``fit_optimize`` (BFGS from random starts)
reaches the same optimum up to its tolerance. Weights are returned with unit norm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from neurodeck.errors import InputError, ParameterError

from .compare import _demean, compare, valid_pairs, weighted_compare, whiten
from .rdm import to_vectors

FITTABLE = ("cosine", "corr", "cosine_cov", "corr_cov")
FITTERS = ("nnls", "regress")
FEATURE_MODELS = ("per_feature", "euclidean", "correlation")


@dataclass
class Model:
    """A fixed (one component, not fitted) or weighted (k components) model."""

    name: str
    components: np.ndarray  # k x n_pairs
    weighted: bool = False
    component_names: tuple[str, ...] = ()

    @property
    def n_components(self) -> int:
        return self.components.shape[0]


# -- models from condition features ------------------------------------------------------
def feature_rdms(features: np.ndarray, kind: str = "per_feature") -> np.ndarray:
    """Model RDM vectors from a condition x feature matrix.

    ``per_feature``: one RDM per feature, d_ij = (f_i - f_j)^2; for 0/1 category
    vectors this is 1 between categories and 0 within. Their sum is the squared
    euclidean feature distance, so a weighted model of them is a feature space with
    fitted feature scales. ``euclidean``: one RDM, squared distance / n_features (the
    convention of our ``euclidean`` dissimilarity). ``correlation``: one RDM, 1 - r.
    """
    f = np.asarray(features, float)
    if f.ndim == 1:
        f = f[:, None]
    if f.ndim != 2 or f.shape[0] < 3:
        raise InputError(f"features must be conditions x features with >= 3 conditions, "
                         f"got shape {f.shape}")
    if not np.all(np.isfinite(f)):
        raise InputError("features have NaN or infinite values")
    iu, ju = np.triu_indices(f.shape[0], 1)
    diff2 = (f[iu] - f[ju]) ** 2  # n_pairs x n_features
    if kind == "per_feature":
        return diff2.T.copy()
    if kind == "euclidean":
        return diff2.mean(axis=1)[None]
    if kind == "correlation":
        c = f - f.mean(axis=1, keepdims=True)
        norm = np.sqrt((c * c).sum(axis=1))
        if np.any(norm == 0):
            raise InputError("a condition has constant features: its correlation is undefined")
        c = c / norm[:, None]
        return to_vectors(1.0 - c @ c.T)[None]
    raise ParameterError(f"unknown feature model {kind!r}; use one of {', '.join(FEATURE_MODELS)}")


# -- fitting ---------------------------------------------------------------------------------
def _transform(v: np.ndarray, method: str, ok: np.ndarray) -> np.ndarray:
    """The linear map T of ``method`` (on the observed pairs ``ok``), as ``compare``."""
    a = v if ok.all() else v[:, ok]
    if method in ("corr", "corr_cov"):
        a = _demean(a)
    if method in ("cosine_cov", "corr_cov"):
        a = whiten(a, None if ok.all() else ok)
    return a


def fit_weights(components: np.ndarray, data: np.ndarray, method: str = "corr",
                fitter: str = "nnls", w: np.ndarray | None = None) -> np.ndarray:
    """Unit-norm weights theta maximising the mean similarity of ``theta @ components``
    to the RDMs ``data`` (see the module docstring). ``w``: pair weights (a condition
    bootstrap without copies; ``cosine``/``corr`` only)."""
    if method not in FITTABLE:
        raise ParameterError(
            f"weighted models need a comparison with a least-squares fit "
            f"({', '.join(FITTABLE)}); {method!r} is rank-based, so its mean score is "
            "piecewise constant in the weights and has no gradient to fit")
    if fitter not in FITTERS:
        raise ParameterError(f"unknown fitter {fitter!r}; use one of {', '.join(FITTERS)}")
    x = np.atleast_2d(np.asarray(components, float))
    d = np.atleast_2d(np.asarray(data, float))
    if w is None:
        ok = valid_pairs(x, d)
        tx, td = _transform(x, method, ok), _transform(d, method, ok)
        sw = None
    else:
        if method not in ("cosine", "corr"):
            raise ParameterError(f"no weighted fit for {method!r}")
        tx, td = x, d
        if method == "corr":
            total = w.sum()
            tx = tx - ((tx @ w) / total)[:, None]
            td = td - ((td @ w) / total)[:, None]
        sw = np.sqrt(w)
        tx, td = tx * sw, td * sw  # weighted inner products become plain ones
    norms = np.sqrt(np.einsum("ij,ij->i", td, td))
    keep = norms > 0
    if not keep.any():
        return np.zeros(x.shape[0])
    y = (td[keep] / norms[keep, None]).mean(axis=0)
    solve = (lambda a, b: nnls(a, b)[0]) if fitter == "nnls" else \
        (lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0])
    theta = solve(tx.T, y)
    norm = np.sqrt(np.sum(theta**2))
    return theta / norm if norm > 0 else theta


def predict(model: Model, theta: np.ndarray | None) -> np.ndarray:
    return model.components[0] if theta is None else theta @ model.components


# -- cross-validated evaluation ---------------------------------------------------------------
def crossval_scores(model: Model, data: np.ndarray, groups: np.ndarray, method: str,
                    fitter: str = "nnls", w: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-group-out score of each RDM in ``data`` (groups: subject of each row).

    A weighted model is fitted to the RDMs of all other groups and scored on the
    held-out group's RDMs; a fixed model is scored as it is. Returns (per-row scores,
    n_groups x k fitted weights, rows in sorted group order; NaN for fixed models).
    """
    groups = np.asarray(groups)
    uniq = np.unique(groups)
    scores = np.full(data.shape[0], np.nan)
    thetas = np.full((uniq.size, model.n_components), np.nan)
    sim = (lambda a, b: compare(a, b, method)) if w is None else \
        (lambda a, b: weighted_compare(a, b, w, method))
    if not model.weighted:
        return sim(model.components[:1], data)[0], thetas
    if uniq.size < 2:
        raise ParameterError(f"the weighted model {model.name!r} is cross-validated over "
                             "subjects and needs RDMs from at least 2 subjects")
    for g_i, g in enumerate(uniq):
        test = groups == g
        theta = fit_weights(model.components, data[~test], method, fitter, w)
        thetas[g_i] = theta
        scores[test] = sim(predict(model, theta)[None], data[test])[0]
    return scores, thetas
