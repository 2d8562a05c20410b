"""Batched Newton (Fisher scoring) for the M-step's weighted Poisson GLMs.

Given one state's bins (posterior weight ``g``), every post-synaptic neuron n is an
independent weighted Poisson GLM with parameters ``theta[n] = (w[n, :], b[n])`` on the
design ``x1 = [x, 1]``. All neurons of a state are solved at once: value and gradient
in chunks of bins, the N small Newton systems by one batched ``numpy.linalg.solve``,
and a per-neuron backtracking line search keeps every neuron's objective from
decreasing (so the EM objective stays monotone even for the non-concave sigmoid link).
Box constraints (the one-hot model's signs) are handled by projected Newton: variables
held at a bound by their gradient are fixed, the step is clipped to the box.

The Fisher information (the metric of the steps) costs ~D/4 times a gradient at D
parameters per neuron, so it is computed once per call and reused by the following
steps, and a caller may pass one from an earlier call (``metric``): it only steers the
step, the line search guards the value. A neuron whose step fell short of what its
metric predicted (gain ratio outside ``RATIO_LOW..RATIO_HIGH``, or a shortened step)
gets a fresh metric before its next step.

Work is chunked over bins so temporaries stay small.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import glm

MAX_HALVINGS = 12  # step sizes 1, 1/4, ..., ~6e-8; a neuron that fails keeps its point
# A metric whose step gained outside RATIO_LOW..RATIO_HIGH times the gain it predicted
# (a quadratic model at the true curvature predicts exactly; 1.5 means the curvature was
# overestimated ~2x, steps too short) is refreshed before the neuron's next step.
RATIO_LOW, RATIO_HIGH = 0.5, 1.25
REFRESH_RTOL = 1e-7  # ... when the step gained more than this, relative to the value


@dataclass
class Rows:
    """One state's bins: design ``x1`` (T x D, last column 1), counts ``y`` (T x N),
    posterior weights ``g`` (T)."""

    x1: np.ndarray
    y: np.ndarray
    g: np.ndarray
    # The Fisher information's bins (posterior weight > HESS_FLOOR) once selected: the
    # mask, their design rows and a float32 copy, shared by the neurons' views.
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def neurons(self, idx: np.ndarray) -> Rows:
        return Rows(self.x1, self.y[:, idx], self.g, self.cache)

    def hess_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if "hess" not in self.cache:
            keep = self.g > HESS_FLOOR
            xk = self.x1[keep]
            self.cache["hess"] = (keep, xk, xk.astype(np.float32))
        return self.cache["hess"]


@dataclass
class Prior:
    """Gaussian penalty ``-0.5 * precision * ||w - mean||^2`` on the weights (not the
    bias); ``mean`` is N x N (post x pre)."""

    precision: float
    mean: np.ndarray

    def neurons(self, idx: np.ndarray) -> Prior:
        return Prior(self.precision, self.mean[idx])


CHUNK = 2 ** 13  # elements per temporary (64 kB): stays in cache
HESS_BUF = 2 ** 22  # elements of the float32 outer-product buffer (16 MB)
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
    fisher_diag: np.ndarray | None  # N x D
    fisher: np.ndarray | None  # N x D x D


def fisher_information(x1: np.ndarray, c: np.ndarray, free: np.ndarray | None = None,
                       base: np.ndarray | None = None) -> np.ndarray:
    """``F[n] = sum_t c[t, n] x1[t] x1[t]^T`` (N x D x D) in float32 products with
    float64 accumulation (the metric only steers the step: ~1e-6 relative is plenty).
    Many neurons: one matrix product of the rows' upper-triangle outer products with
    the weights (half the flops); few neurons: one product per neuron (no outer-product
    buffer to build; measured faster below ~D/3 neurons).

    ``free`` (N x D bool), few neurons: per neuron only the block between its free
    variables (``free[n]``) and the whole diagonal are formed, every other entry is
    taken from ``base`` (an earlier metric of these neurons; 0 without one). A projected
    Newton step never uses the others (its fixed variables leave the system); the
    one-hot model's refreshed neurons have ~1/2-4/5 of their variables free at 100
    neurons, so a refresh costs ~(m / D)^2 of the whole matrix."""
    t, d = x1.shape
    n = c.shape[1]
    out = np.empty((n, d, d))
    if t == 0:
        out[...] = 0.0 if base is None else base
        return out
    x32 = x1 if x1.dtype == np.float32 else x1.astype(np.float32)
    c32 = c.astype(np.float32)
    if free is not None and 3 * n < d + 24 and not free.all():
        return _fisher_blocks(x32, c32, free, base)
    if 3 * n < d + 24:
        for j in range(n):
            out[j] = (x32 * c32[:, j:j + 1]).T @ x32
        return out
    iu, ju = np.triu_indices(d)
    offsets = np.concatenate([[0], np.cumsum(np.arange(d, 0, -1))])
    block = int(np.clip(HESS_BUF // len(iu), 256, 8192))
    buf = np.empty((min(block, t), len(iu)), dtype=np.float32)
    flat = np.zeros((len(iu), n))
    for a in range(0, t, block):
        xb = x32[a:a + block]
        m = len(xb)
        for i in range(d):  # upper-triangle outer products of the design rows
            np.multiply(xb[:, i:i + 1], xb[:, i:], out=buf[:m, offsets[i]:offsets[i + 1]])
        flat += buf[:m].T @ c32[a:a + block]
    out[:, iu, ju] = flat.T
    out[:, ju, iu] = flat.T
    return out


def _fisher_blocks(x32: np.ndarray, c32: np.ndarray, free: np.ndarray,
                   base: np.ndarray | None) -> np.ndarray:
    """``fisher_information`` on each neuron's free block and the diagonal only."""
    d = x32.shape[1]
    n = c32.shape[1]
    out = np.zeros((n, d, d)) if base is None else np.array(base, dtype=float)
    diag = np.arange(d)
    out[:, diag, diag] = ((x32 * x32).T @ c32).T
    for j in range(n):
        idx = np.flatnonzero(free[j])
        if len(idx):
            xs = x32[:, idx]
            out[j, idx[:, None], idx[None, :]] = (xs * c32[:, j:j + 1]).T @ xs
    return out


def local(rows: Rows, theta: np.ndarray, link: str, prior: Prior | None = None,
          hessian: bool = True, diag: bool = True, free: np.ndarray | None = None,
          base: np.ndarray | None = None) -> Local:
    """Objective, gradient and (``hessian``) the Fisher information (the expected
    negative Hessian, positive semi-definite for every link) of every neuron at
    ``theta``; ``diag`` alone gives its diagonal. Value and gradient use every bin; the
    Fisher information only the bins whose posterior weight exceeds HESS_FLOOR.
    ``free``, ``base``: see ``fisher_information``."""
    n, d = theta.shape
    t_all = len(rows.g)
    value = np.zeros(n)
    grad = np.zeros((n, d))
    fdiag = np.zeros((n, d)) if (diag and not hessian) else None
    step = _chunk(t_all, d)
    keep = rows.hess_rows()[0] if hessian else None
    weights = np.empty((int(keep.sum()), n)) if hessian else None
    fill = 0
    for a in range(0, t_all, step):
        y, g, f, logf, dlog = _terms(rows, theta, a, a + step, link)
        x1 = rows.x1[a:a + step]
        value += np.einsum("tn,tn->n", g * y, logf) - g[:, 0] @ f
        grad += ((g * (y - f)) * dlog).T @ x1
        if fdiag is None and not hessian:
            continue
        c = g * f * dlog * dlog  # Fisher weight of each bin and neuron
        if hessian:
            k = keep[a:a + step]
            m = int(k.sum())
            weights[fill:fill + m] = c[k]
            fill += m
        else:
            fdiag += c.T @ (x1 * x1)
    fisher = None
    if hessian:
        fisher = fisher_information(rows.hess_rows()[2], weights, free, base)
        fdiag = np.diagonal(fisher, axis1=1, axis2=2).copy()
    if prior is not None:
        dw = theta[:, :-1] - prior.mean
        value -= 0.5 * prior.precision * np.einsum("nm,nm->n", dw, dw)
        grad[:, :-1] -= prior.precision * dw
        if fdiag is not None:
            fdiag[:, :-1] += prior.precision
        if fisher is not None:
            k = np.arange(d - 1)
            fisher[:, k, k] += prior.precision
    return Local(value, grad, fdiag, fisher)


def fisher_at(rows: Rows, theta: np.ndarray, link: str, prior: Prior | None = None,
              free: np.ndarray | None = None, base: np.ndarray | None = None
              ) -> np.ndarray:
    """``local(...).fisher`` alone: the link terms on the Fisher information's bins only,
    no value or gradient (a refresh of the metric at a point whose value and gradient
    are known)."""
    n, d = theta.shape
    keep, xk, x32 = rows.hess_rows()
    g = rows.g[keep]
    c = np.empty((len(xk), n))
    step = _chunk(len(xk), d)
    for a in range(0, len(xk), step):
        f, _, dlog = glm.rate_terms(xk[a:a + step] @ theta.T, link)
        c[a:a + step] = g[a:a + step, None] * f * dlog * dlog
    fisher = fisher_information(x32, c, free, base)
    if prior is not None:
        k = np.arange(d - 1)
        fisher[:, k, k] += prior.precision
    return fisher


def maximise(rows: Rows, theta: np.ndarray, link: str, lower: np.ndarray | None = None,
             upper: np.ndarray | None = None, prior: Prior | None = None,
             max_steps: int = 3, rtol: float = 1e-9, start: Local | None = None,
             metric: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Projected Newton ascent of every neuron's objective from ``theta`` (N x D) within
    ``lower <= theta <= upper``; returns (theta, per-neuron value). No neuron's value
    ever decreases. ``start`` reuses an already computed ``local`` at ``theta``;
    ``metric`` (N x D x D) a Fisher information from elsewhere."""
    return ascend(rows, theta, link, lower, upper, prior, max_steps, rtol, start,
                  metric)[:2]


def ascend(rows: Rows, theta: np.ndarray, link: str, lower: np.ndarray | None = None,
           upper: np.ndarray | None = None, prior: Prior | None = None,
           max_steps: int = 3, rtol: float = 1e-9, start: Local | None = None,
           metric: np.ndarray | None = None, atol: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``maximise``, also returning the metric it ended with (fresh where it was
    refreshed), for the caller to reuse at its next call. ``atol``: a neuron whose step
    would gain fewer nats than this (as well as less than ``rtol`` of its value) is left
    where it is (the EM loop sets it so that all such steps together could not change
    its stopping decision)."""
    theta = theta.copy()
    n, d = theta.shape
    if lower is not None:
        theta = np.clip(theta, lower, upper)
    fixed_box = None if lower is None else (lower == upper)
    if start is not None:
        cur = start
    else:
        cur = local(rows, theta, link, prior, hessian=metric is None, diag=False)
    if metric is None and cur.fisher is None:
        cur = local(rows, theta, link, prior)
    metric = cur.fisher if metric is None else metric.copy()
    value = cur.value.copy()
    grad_all = cur.grad.copy()
    active = np.ones(n, dtype=bool)
    for _ in range(max_steps):
        idx = np.flatnonzero(active)
        th = theta[idx]
        grad = grad_all[idx]
        fixed = None
        if lower is not None:
            lo, hi = lower[idx], upper[idx]
            eps = 1e-12
            fixed = (fixed_box[idx] | ((th <= lo + eps) & (grad < 0))
                     | ((th >= hi - eps) & (grad > 0)))
        delta, predicted = newton_step(metric[idx], grad, fixed)
        scale = np.maximum(np.abs(value[idx]), 1.0)
        floor = np.maximum(rtol * scale, atol)
        # A neuron whose step would gain (relatively) less than rtol has converged; in
        # the late EM iterations that is most of them, and they cost no line search.
        pending = predicted > floor
        alpha = np.ones(len(idx))
        old = value[idx].copy()
        for _ in range(MAX_HALVINGS):
            if not pending.any():
                break
            p = np.flatnonzero(pending)
            cand = th[p] + alpha[p, None] * delta[p]
            if lower is not None:
                cand = np.clip(cand, lower[idx[p]], upper[idx[p]])
            sub_prior = prior.neurons(idx[p]) if prior is not None else None
            # Value and gradient together: a candidate is usually accepted, and its
            # gradient is the next step's.
            loc = local(rows.neurons(idx[p]), cand, link, sub_prior, hessian=False,
                        diag=False)
            ok = loc.value >= old[p]
            theta[idx[p[ok]]] = cand[ok]
            value[idx[p[ok]]] = loc.value[ok]
            grad_all[idx[p[ok]]] = loc.grad[ok]
            pending[p[ok]] = False
            alpha[p[~ok]] *= 0.25
        gain = value[idx] - old
        # Neurons that gained (relatively) nothing have converged for this call.
        still = gain > floor
        active[idx[~still]] = False
        # A metric that mispredicted a step that mattered is refreshed for the next step
        # (on flat, non-quadratic directions, such as a saturated sigmoid rate, tiny
        # steps mispredict every time and a fresh metric would not help).
        ratio = gain / np.maximum(predicted, 1e-300)
        poor = ((gain > REFRESH_RTOL * scale)
                & ((alpha < 1.0) | (ratio < RATIO_LOW) | (ratio > RATIO_HIGH)))
        if poor.any() and active.any():
            j = idx[poor]
            sub_prior = prior.neurons(j) if prior is not None else None
            # Only the entries the next steps can use: variables the box does not fix.
            free = None if fixed_box is None else ~fixed_box[j]
            metric[j] = fisher_at(rows.neurons(j), theta[j], link, sub_prior, free,
                                  metric[j])
        if not active.any():
            break
    return theta, value, metric


def newton_step(metric: np.ndarray, grad: np.ndarray, fixed: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Each neuron's Newton step ``metric^-1 grad`` (the metric regularised by 1e-9 of
    its largest diagonal entry) with the ``fixed`` variables (N x D bool) out of the
    system (their step is 0), and the gain the quadratic model predicts for the step.
    With fixed variables the systems are solved on the free ones only, gathered into
    systems as large as the most free neuron's (padded with identity rows): the same
    solution as the full systems with identity rows for the fixed variables, at
    ``(m / D)^3`` of the cost (the one-hot model fixes its absent classes at 0)."""
    n, d = grad.shape
    scale = np.max(np.diagonal(metric, axis1=1, axis2=2), axis=1)
    reg = 1e-9 * scale + 1e-12
    if fixed is None or not fixed.any():
        hess = metric + np.eye(d) * reg[:, None, None]
        delta = np.linalg.solve(hess, grad[..., None])[..., 0]
        predicted = np.einsum("nd,nd->n", grad, delta) - 0.5 * np.einsum(
            "nd,nde,ne->n", delta, hess, delta)
        return delta, predicted
    counts = d - fixed.sum(axis=1)
    m = max(int(counts.max()), 1)
    # Per neuron its free variables first (in order), then fixed ones as padding.
    order = np.argsort(fixed, axis=1, kind="stable")[:, :m]
    valid = np.arange(m)[None, :] < counts[:, None]
    h = metric[np.arange(n)[:, None, None], order[:, :, None], order[:, None, :]]
    h *= valid[:, :, None] & valid[:, None, :]
    k = np.arange(m)
    h[:, k, k] += np.where(valid, reg[:, None], 1.0)
    g = np.where(valid, np.take_along_axis(grad, order, axis=1), 0.0)
    step = np.linalg.solve(h, g[..., None])[..., 0]
    predicted = np.einsum("nm,nm->n", g, step) - 0.5 * np.einsum(
        "nm,nmk,nk->n", step, h, step)
    delta = np.zeros((n, d))
    np.put_along_axis(delta, order, step, axis=1)  # padding writes 0 to fixed slots
    return delta, predicted
