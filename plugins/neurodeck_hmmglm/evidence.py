"""The ridge's scale from the data: type-II maximum likelihood (empirical Bayes).

A zero-mean Gaussian prior of precision ``lam`` on the coupling weights is only as good
as its scale: the panel's couplings range from r.m.s. 0.04 (weak, dense, softplus at 40
neurons) to ~1 (strong sigmoid), and no fixed scale serves both (docs/hmmglm.md). The
scale that makes the observed counts most probable is chosen instead, as in MacKay's
evidence framework (MacKay 1992, Neural Comput. 4:415; Bishop 2006, PRML section 3.5).

Each state's GLM of one post-synaptic neuron is replaced by its Laplace (quadratic)
approximation around the fitted weights ``w`` (fitted at precision ``lam0``): the
likelihood is Gaussian in the weights with the Fisher information ``F`` as precision,
centred on the unpenalised optimum ``m = w + lam0 F^-1 w`` (the penalised optimum's
stationarity, ``F (m - w) = lam0 w``). In ``F``'s eigenbasis (values ``e_i``, ``w``'s
coordinates ``c_i``) the log evidence of ``lam`` is, up to a constant,

    sum_i  -1/2 c_i^2 (e_i + lam0)^2 lam / (e_i (e_i + lam))
           + 1/2 log lam - 1/2 log(e_i + lam)

summed over every state, neuron and free weight (the bias is held at its fit). It is
maximised over ``log lam`` on a bounded interval. No refit is needed: the quadratic
model carries the weights to any ``lam``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from . import newton

SCALE_RANGE = (1e-3, 10.0)  # the s.d. chosen lies here (10: the weights' bound W_MAX)
EIG_FLOOR = 1e-9  # Fisher eigenvalues below this (directions no bin informs) are left out


def spectra(rows: list[newton.Rows], weights: np.ndarray, bias: np.ndarray, link: str,
            free: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per state and post-synaptic neuron, the Fisher eigenvalues of its free weights
    and the fitted weights' coordinates in that eigenbasis. ``free`` (K x N x N bool):
    the weights the model leaves free (one-hot: the present connections); None: all."""
    out = []
    for s, r in enumerate(rows):
        theta = np.column_stack([weights[s], bias[s]])
        fisher = newton.fisher_at(r, theta, link)[:, :-1, :-1]  # weights, bias held
        for n in range(weights.shape[1]):
            idx = np.arange(weights.shape[2]) if free is None else np.flatnonzero(free[s, n])
            if len(idx) == 0:
                continue
            e, v = np.linalg.eigh(fisher[n][np.ix_(idx, idx)])
            keep = e > EIG_FLOOR * max(float(e[-1]), 1.0)
            out.append((e[keep], (v[:, keep].T @ weights[s, n, idx])))
    return out


def log_evidence(lam: float, lam0: float, blocks: list[tuple[np.ndarray, np.ndarray]]
                 ) -> float:
    """The log evidence of precision ``lam`` (module docstring), up to a constant."""
    total = 0.0
    for e, c in blocks:
        fit_term = c * c * (e + lam0) ** 2 * lam / (e * (e + lam))
        total += float(np.sum(-0.5 * fit_term + 0.5 * np.log(lam) - 0.5 * np.log(e + lam)))
    return total


def ridge_scale(rows: list[newton.Rows], weights: np.ndarray, bias: np.ndarray, link: str,
                scale0: float, free: np.ndarray | None = None) -> float:
    """The ridge s.d. of largest evidence for weights fitted at s.d. ``scale0`` (> 0).
    With no informative weight at all, ``scale0`` is kept."""
    blocks = spectra(rows, weights, bias, link, free)
    if not blocks or sum(len(e) for e, _ in blocks) == 0:
        return scale0
    lam0 = 1.0 / scale0 ** 2
    lo, hi = (-2 * np.log(SCALE_RANGE[1]), -2 * np.log(SCALE_RANGE[0]))  # log precision
    res = minimize_scalar(lambda t: -log_evidence(float(np.exp(t)), lam0, blocks),
                          bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    return float(np.exp(-0.5 * res.x))
