"""Planted-truth HMM-GLM data in the synthetic setting of Li et al. (ICLR 2024), and
the scores used to compare a fit with the truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import glm


@dataclass
class Truth:
    weights: np.ndarray  # K x N x N (post x pre)
    bias: np.ndarray  # K x N
    transition: np.ndarray
    adjacency_prior: np.ndarray  # N x N x 3 (inh, none, exc)
    basis: np.ndarray
    link: str


def paper_truth(n_states: int = 5, n_neurons: int = 20, n_lags: int = 5, seed: int = 0,
                sparsity: float = 0.2, p_exc: float = 0.5, concentration: float = 2.0,
                stickiness: float = 0.98, link: str = "sigmoid") -> Truth:
    """Connections per pair drawn from Dirichlet(concentration * (s(1-p), 1-s, s p))
    over (inhibitory, absent, excitatory), each state's category sampled from it,
    a sigmoid rate (at most one spike per bin, as in the paper's generator),
    strengths log(1 + 3u) with u ~ U(0, 1), bias 0.1 (u - 0.5) shared by the states,
    exponential history basis over ``n_lags`` bins, sticky transitions."""
    rng = np.random.default_rng(seed)
    alpha = concentration * np.array([sparsity * (1 - p_exc), 1 - sparsity, sparsity * p_exc])
    prior = rng.dirichlet(alpha, size=(n_neurons, n_neurons))
    cum = np.cumsum(prior, axis=-1)
    u = rng.random((n_states, n_neurons, n_neurons, 1))
    category = np.minimum((u > cum[None]).sum(axis=-1), 2) - 1  # -1, 0, 1
    strength = np.log1p(3 * rng.random((n_states, n_neurons, n_neurons)))
    bias = np.broadcast_to(0.1 * (rng.random(n_neurons) - 0.5), (n_states, n_neurons)).copy()
    transition = np.full((n_states, n_states), (1 - stickiness) / max(n_states - 1, 1))
    np.fill_diagonal(transition, stickiness)
    return Truth(category * strength, bias, transition, prior, glm.exp_basis(n_lags), link)


STABLE_RADIUS = 0.9  # softplus generator: spectral radius of each state's W+ at most this


def panel_truth(n_states: int, n_neurons: int, link: str, coupling: float,
                sparsity: float, seed: int) -> Truth:
    """The paper's generator (``paper_truth``) with its coupling strengths times
    ``coupling``. For the unbounded softplus rate each state's weights are first scaled
    down, where needed, so that the spectral radius of their excitatory part W+ is at
    most ``STABLE_RADIUS``: softplus is monotone and softplus(a + c) <= softplus(a) + c
    for c >= 0, so the rate is dominated by a linear Hawkes process with baseline
    softplus(b) and branching matrix W+ (the history basis sums to 1), which is stable
    when that radius is below 1 (Hawkes & Oakes 1974, J. Appl. Probab. 11:493). The
    paper's strengths make the softplus rate explode at 8 neurons already. The sigmoid
    rate is bounded and needs no scaling."""
    t = paper_truth(n_states, n_neurons, seed=seed, sparsity=sparsity, link=link)
    w = t.weights
    if link != "sigmoid":
        rho = np.array([np.max(np.abs(np.linalg.eigvals(np.maximum(wk, 0.0)))) for wk in w])
        w = w * np.minimum(1.0, STABLE_RADIUS / np.maximum(rho, 1e-12))[:, None, None]
    t.weights = w * coupling
    return t


def sample(truth: Truth, n_sequences: int, n_bins: int, seed: int = 1
           ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Spike counts (each n_bins x N) and true state paths, started from uniform.
    All sequences are simulated together, bin by bin."""
    rng = np.random.default_rng(seed)
    k, n = truth.bias.shape
    lags = len(truth.basis)
    cum = np.cumsum(truth.transition, axis=1)
    z = np.empty((n_sequences, n_bins), dtype=np.int64)
    z[:, 0] = rng.integers(k, size=n_sequences)
    for t in range(1, n_bins):
        u = rng.random((n_sequences, 1))
        z[:, t] = np.minimum((u > cum[z[:, t - 1]]).sum(axis=1), k - 1)
    y = np.zeros((n_sequences, n_bins + lags, n))
    for t in range(n_bins):
        x = np.einsum("l,sln->sn", truth.basis, y[:, t:t + lags][:, ::-1])  # lag 1 first
        zt = z[:, t]
        eta = truth.bias[zt] + np.einsum("sij,sj->si", truth.weights[zt], x)
        y[:, t + lags] = rng.poisson(glm.rate_terms(eta, truth.link)[0])
    return [y[s, lags:].astype(np.int64) for s in range(n_sequences)], list(z)


def match_states(true: np.ndarray, pred: np.ndarray, n_states: int) -> np.ndarray:
    """Permutation ``perm`` with ``perm[true_state] = learned_state`` maximising the
    agreement of the paths (Hungarian algorithm on the confusion matrix)."""
    conf = np.zeros((n_states, n_states))
    np.add.at(conf, (true, pred), 1)
    rows, cols = linear_sum_assignment(conf, maximize=True)
    perm = np.empty(n_states, dtype=np.int64)
    perm[rows] = cols
    return perm


def state_accuracy(true: np.ndarray, pred: np.ndarray, n_states: int) -> float:
    perm = match_states(true, pred, n_states)
    return float(np.mean(perm[true] == pred))


def sign_accuracy(true_w: np.ndarray, est_w: np.ndarray, threshold: float = 0.0) -> float:
    """Fraction of connections whose class (inhibitory / absent / excitatory) is right;
    |w| <= threshold counts as absent."""
    est = np.where(np.abs(est_w) <= threshold, 0, np.sign(est_w))
    return float(np.mean(np.sign(true_w) == est))


def balanced_sign_accuracy(true_w: np.ndarray, est_w: np.ndarray,
                           threshold: float = 0.0) -> float:
    """``sign_accuracy`` as the mean over the true classes (inhibitory, absent,
    excitatory) of the fraction of that class recovered: with ~80% absent connections
    a fit that calls every connection absent scores 0.8 on plain accuracy, 1/3 here."""
    true = np.sign(true_w)
    est = np.where(np.abs(est_w) <= threshold, 0, np.sign(est_w))
    recalls = [np.mean(est[true == c] == c) for c in (-1, 0, 1) if np.any(true == c)]
    return float(np.mean(recalls))


def matched_weights(true_states: np.ndarray, path: np.ndarray, weights: np.ndarray,
                    n_states: int) -> np.ndarray:
    """A fit's weights reordered to the true states (by their paths' best matching)."""
    return np.asarray(weights)[match_states(true_states, path, n_states)]
