"""The Poisson GLM emission of the HMM-GLM: history basis, links and per-state
log-likelihoods (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import gammaln

LINKS = ("softplus", "exp", "sigmoid")


def exp_basis(n_lags: int, decay: float = 1.0) -> np.ndarray:
    """The paper's exponential history basis: ``phi_l ~ exp(-decay * l)`` for lags
    l = 1..n_lags bins, normalised to sum to 1 (so a weight is "per spike")."""
    if n_lags < 1:
        raise ValueError(f"history_lags must be >= 1, got {n_lags}")
    phi = np.exp(-decay * np.arange(1, n_lags + 1, dtype=float))
    return phi / phi.sum()


def history(counts: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Causal filtering of counts (T x N): ``x[t] = sum_l basis[l-1] * y[t-l]``.

    Bins before the start of a sequence count as silent (zero padding), as in the
    reference implementation.
    """
    y = np.asarray(counts, dtype=float)
    x = np.zeros_like(y)
    for lag, phi in enumerate(basis, start=1):
        if lag >= y.shape[0]:
            break
        x[lag:] += phi * y[:-lag]
    return x


def rate_terms(eta: np.ndarray, link: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(f, log f, f' / f)`` of the inverse link at the linear predictor ``eta``."""
    if link == "exp":
        eta = np.minimum(eta, 50.0)  # exp overflows beyond; counts never need it
        f = np.exp(eta)
        return f, eta, np.ones_like(eta)
    e = np.abs(eta)
    np.negative(e, out=e)
    np.exp(e, out=e)  # exp(-|eta|), in place: these are the fits' most frequent passes
    if link == "sigmoid":
        # The paper's synthetic generator: a rate bounded by 1 spike per bin.
        logf = np.log1p(e)
        np.subtract(np.minimum(eta, 0.0), logf, out=logf)  # log sigmoid
        f = np.exp(logf)
        return f, logf, 1.0 - f
    # softplus, computed from exp(-|eta|) once so it never overflows
    f = np.maximum(eta, 0.0) + np.log1p(e)
    sig = np.where(eta >= 0, 1.0, e) / (1.0 + e)
    tiny = eta < -30.0  # softplus(eta) = exp(eta) to double precision there
    with np.errstate(divide="ignore"):
        logf = np.where(tiny, eta, np.log(np.where(tiny, 1.0, f)))
    dlog = np.where(tiny, 1.0, sig / np.where(tiny, 1.0, f))
    return f, logf, dlog


def inverse_link(rate: np.ndarray, link: str) -> np.ndarray:
    rate = np.maximum(np.asarray(rate, dtype=float), 1e-6)
    if link == "softplus":
        return np.where(rate > 30, rate, np.log(np.expm1(np.minimum(rate, 30))))
    if link == "exp":
        return np.log(rate)
    if link == "sigmoid":
        rate = np.minimum(rate, 1 - 1e-6)
        return np.log(rate) - np.log1p(-rate)
    raise ValueError(f"unknown link {link!r}")


def state_log_likelihoods(y: np.ndarray, x: np.ndarray, weights: np.ndarray,
                          bias: np.ndarray, link: str,
                          lgam: np.ndarray | None = None) -> np.ndarray:
    """Log p(y_t | state k, history) summed over neurons: T x K.

    ``weights`` is K x N x N (post x pre), ``bias`` K x N, ``x`` the filtered history.
    """
    if lgam is None:
        lgam = gammaln(y + 1.0).sum(axis=1)
    out = np.empty((y.shape[0], weights.shape[0]))
    step = max(256, 2 ** 13 // max(y.shape[1], 1))  # small chunks: no large temporaries
    for a in range(0, y.shape[0], step):
        xc, yc = x[a:a + step], y[a:a + step]
        for k in range(weights.shape[0]):
            f, logf, _ = rate_terms(bias[k] + xc @ weights[k].T, link)
            out[a:a + step, k] = np.einsum("tn,tn->t", yc, logf) - f.sum(axis=1)
    out -= lgam[:, None]
    return out


def stack(sequences: Sequence[np.ndarray], basis: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate sequences (each T_s x N counts): (Y, X history, lengths)."""
    ys = [np.asarray(s, dtype=float) for s in sequences]
    xs = [history(s, basis) for s in ys]
    lengths = np.array([len(s) for s in ys], dtype=np.int64)
    return np.concatenate(ys), np.concatenate(xs), lengths
