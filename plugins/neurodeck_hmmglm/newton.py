"""Batched Newton (Fisher scoring) for the M-step's weighted Poisson GLMs.

Given one state's bins (posterior weight ``g``), every post-synaptic neuron n is an
independent weighted Poisson GLM with parameters ``theta[n] = (w[n, :], b[n])`` on the
design ``x1 = [x, 1]``. All neurons of a state are solved at once: the Fisher
information of all of them comes from one matrix product per chunk of bins
(upper-triangle outer products of the design rows times the per-neuron weights), the
N small systems are solved by one batched ``numpy.linalg.solve``, and a per-neuron
backtracking line search keeps every neuron's objective from decreasing (so the EM
objective stays monotone even for the non-concave sigmoid link). Box constraints (the
one-hot model's signs) are handled by projected Newton: variables held at a bound by
their gradient are fixed, the step is clipped to the box.

Work is chunked over bins so temporaries stay small (large fresh arrays cost page
faults that dominate elementwise work on some machines).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import glm

MAX_HALVINGS = 12  # step sizes 1, 1/2, ..., ~2e-4; a neuron that fails keeps its point


@dataclass
class Rows:
    """One state's bins: design ``x1`` (T x D, last column 1), counts ``y`` (T x N),
    posterior weights ``g`` (T)."""

    x1: np.ndarray
    y: np.ndarray
    g: np.ndarray

    def neurons(self, idx: np.ndarray) -> Rows:
        return Rows(self.x1, self.y[:, idx], self.g)


@dataclass
class Prior:
    """Gaussian penalty ``-0.5 * precision * ||w - mean||^2`` on the weights (not the
    bias); ``mean`` is N x N (post x pre)."""

    precision: float
    mean: np.ndarray

    def neurons(self, idx: np.ndarray) -> Prior:
        return Prior(self.precision, self.mean[idx])


CHUNK = 2 ** 13  # elements per temporary (64 kB): stays in cache and in the heap
HESS_CHUNK = 2 ** 20  # elements of the float32 outer-product buffer (4 MB)
HESS_FLOOR = 1e-3  # bins weighted less are left out of the Fisher information


def _chunk(n_rows: int, width: int) -> int:
    return int(np.clip(CHUNK // max(width, 1), 32, 8192))


def _terms(rows: Rows, theta: np.ndarray, a: int, b: int, link: str):
    eta = rows.x1[a:b] @ theta.T
    f, logf, dlog = glm.rate_terms(eta, link)
    g = rows.g[a:b, None]
    y = rows.y[a:b]
    return y, g, f, logf, dlog


def values(rows: Rows, theta: np.ndarray, link: str, prior: Prior | None = None
           ) -> np.ndarray:
    """Per-neuron objective ``sum_t g_t (y log f - f)`` (+ prior), length N."""
    out = np.zeros(theta.shape[0])
    step = _chunk(len(rows.g), theta.shape[0])
    for a in range(0, len(rows.g), step):
        y, g, f, logf, _ = _terms(rows, theta, a, a + step, link)
        out += np.einsum("tn,tn->n", g * y, logf) - g[:, 0] @ f
    if prior is not None:
        d = theta[:, :-1] - prior.mean
        out -= 0.5 * prior.precision * np.einsum("nm,nm->n", d, d)
    return out


@dataclass
class Local:
    value: np.ndarray  # N
    grad: np.ndarray  # N x D
    fisher_diag: np.ndarray  # N x D
    fisher: np.ndarray | None  # N x D x D


def local(rows: Rows, theta: np.ndarray, link: str, prior: Prior | None = None,
          hessian: bool = True) -> Local:
    """Objective, gradient and Fisher information (the expected negative Hessian,
    positive semi-definite for every link) of every neuron at ``theta``."""
    n, d = theta.shape
    t_all = len(rows.g)
    iu, ju = np.triu_indices(d)
    value = np.zeros(n)
    grad = np.zeros((n, d))
    fdiag = np.zeros((n, d))
    step = _chunk(t_all, d)
    # The Fisher information only steers the step (the line search guards the value),
    # so (1) its products run in float32 (twice the speed, ~1e-6 relative error), over
    # larger blocks than the elementwise work so the matrix products stay efficient,
    # and (2) bins whose posterior weight is below HESS_FLOOR are left out of it (at
    # 100 neurons these O(N^3)-per-bin products dominate; value and gradient stay exact).
    block = max(int(np.clip(HESS_CHUNK // len(iu), 256, 4096)), step)
    if hessian:
        hflat = np.zeros((len(iu), n))
        buf = np.empty((block, len(iu)), dtype=np.float32)
        xb = np.empty((block, d), dtype=np.float32)
        cb = np.empty((block, n), dtype=np.float32)
        tmp = np.empty((len(iu), n), dtype=np.float32)
        offsets = np.concatenate([[0], np.cumsum(np.arange(d, 0, -1))])
        fill = 0

        def flush(m: int) -> None:
            for i in range(d):  # upper-triangle outer products of the design rows
                np.multiply(xb[:m, i:i + 1], xb[:m, i:], out=buf[:m, offsets[i]:offsets[i + 1]])
            np.matmul(buf[:m].T, cb[:m], out=tmp)
            hflat[...] += tmp

    for a in range(0, t_all, step):
        y, g, f, logf, dlog = _terms(rows, theta, a, a + step, link)
        x1 = rows.x1[a:a + step]
        value += np.einsum("tn,tn->n", g * y, logf) - g[:, 0] @ f
        grad += ((g * (y - f)) * dlog).T @ x1
        c = g * f * dlog * dlog  # Fisher weight of each bin and neuron
        if not hessian:
            fdiag += c.T @ (x1 * x1)
            continue
        keep = g[:, 0] > HESS_FLOOR
        m = int(keep.sum())
        if fill + m > block:
            flush(fill)
            fill = 0
        xb[fill:fill + m] = x1[keep]
        cb[fill:fill + m] = c[keep]
        fill += m
    if hessian and fill:
        flush(fill)
    fisher = None
    if hessian:
        fisher = np.empty((n, d, d))
        fisher[:, iu, ju] = hflat.T
        fisher[:, ju, iu] = hflat.T
        fdiag = np.diagonal(fisher, axis1=1, axis2=2).copy()
    if prior is not None:
        dw = theta[:, :-1] - prior.mean
        value -= 0.5 * prior.precision * np.einsum("nm,nm->n", dw, dw)
        grad[:, :-1] -= prior.precision * dw
        fdiag[:, :-1] += prior.precision
        if fisher is not None:
            k = np.arange(d - 1)
            fisher[:, k, k] += prior.precision
    return Local(value, grad, fdiag, fisher)


def maximise(rows: Rows, theta: np.ndarray, link: str, lower: np.ndarray | None = None,
             upper: np.ndarray | None = None, prior: Prior | None = None,
             max_steps: int = 3, rtol: float = 1e-9, start: Local | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Projected Newton ascent of every neuron's objective from ``theta`` (N x D) within
    ``lower <= theta <= upper``; returns (theta, per-neuron value). No neuron's value
    ever decreases. ``start`` reuses an already computed ``local`` at ``theta``."""
    theta = theta.copy()
    n, d = theta.shape
    if lower is not None:
        theta = np.clip(theta, lower, upper)
    fixed_box = None if lower is None else (lower == upper)
    cur = start if start is not None else local(rows, theta, link, prior)
    value = cur.value.copy()
    active = np.ones(n, dtype=bool)
    eye = np.eye(d)
    for it in range(max_steps):
        if it > 0:
            idx = np.flatnonzero(active)
            sub_prior = prior.neurons(idx) if prior is not None else None
            cur = local(rows.neurons(idx), theta[idx], link, sub_prior)
        else:
            idx = np.arange(n)
        th = theta[idx]
        grad = cur.grad
        hess = cur.fisher + eye * (1e-9 * np.max(cur.fisher_diag, axis=1)[:, None, None]
                                   + 1e-12)
        if lower is not None:
            lo, hi = lower[idx], upper[idx]
            eps = 1e-12
            fixed = (fixed_box[idx] | ((th <= lo + eps) & (grad < 0))
                     | ((th >= hi - eps) & (grad > 0)))
            if fixed.any():  # take fixed variables out of the system
                grad = np.where(fixed, 0.0, grad)
                keep = ~fixed
                hess = hess * (keep[:, :, None] & keep[:, None, :])
                r, c = np.nonzero(fixed)
                hess[r, c, c] = 1.0
        delta = np.linalg.solve(hess, grad[..., None])[..., 0]
        alpha = np.ones(len(idx))
        pending = np.ones(len(idx), dtype=bool)
        old = value[idx].copy()
        for _ in range(MAX_HALVINGS):
            p = np.flatnonzero(pending)
            cand = th[p] + alpha[p, None] * delta[p]
            if lower is not None:
                cand = np.clip(cand, lower[idx[p]], upper[idx[p]])
            sub_prior = prior.neurons(idx[p]) if prior is not None else None
            v = values(rows.neurons(idx[p]), cand, link, sub_prior)
            ok = v >= old[p]
            theta[idx[p[ok]]] = cand[ok]
            value[idx[p[ok]]] = v[ok]
            pending[p[ok]] = False
            alpha[p[~ok]] *= 0.25
            if not pending.any():
                break
        gain = value[idx] - old
        # Neurons that gained (relatively) nothing have converged for this M-step.
        still = gain > rtol * np.maximum(np.abs(old), 1.0)
        active[idx[~still]] = False
        if not active.any():
            break
    return theta, value
