"""Synthetic data with known answers: weighted LFR graphs and planted calcium traces.

Used by the tests, the benchmark and the docs; nothing here runs in an analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


# -- weighted LFR benchmark graphs ---------------------------------------------------------
def _powerlaw_ints(rng, n, exponent, lo, hi):
    """n integers from p(x) ~ x^-exponent on [lo, hi] (inverse-CDF sampling)."""
    u = rng.random(n)
    if abs(exponent - 1.0) < 1e-9:
        x = lo * (hi / lo) ** u
    else:
        a = 1.0 - exponent
        x = (lo**a + u * (hi**a - lo**a)) ** (1 / a)
    return np.floor(x + 0.5).astype(int)


def _min_degree(avg, kmax, exponent):
    """k_min giving the requested mean of a power law truncated at kmax (bisection)."""
    def mean(kmin):
        k = np.arange(kmin, kmax + 1, dtype=float)
        p = k**-exponent
        return float((k * p).sum() / p.sum())

    lo, hi = 1.0, float(kmax)
    for _ in range(60):
        mid = (lo + hi) / 2
        if mean(int(round(mid))) < avg:
            lo = mid
        else:
            hi = mid
    return max(1, int(round(hi)))


def _wire(rng, stubs_per_node, forbid=None, tries=50):
    """Configuration-model edges from stub counts; self-loops, multi-edges and
    forbidden pairs are dropped after a few reshuffles of the leftovers."""
    stubs = np.repeat(np.arange(len(stubs_per_node)), stubs_per_node)
    edges: set[tuple[int, int]] = set()
    for _ in range(tries):
        if len(stubs) < 2:
            break
        rng.shuffle(stubs)
        if len(stubs) % 2:
            stubs = stubs[:-1]
        left = []
        for u, v in stubs.reshape(-1, 2):
            e = (min(u, v), max(u, v))
            if u == v or e in edges or (forbid is not None and forbid(u, v)):
                left += [u, v]
            else:
                edges.add(e)
        stubs = np.array(left, dtype=int)
    return edges, stubs


def _place_leftovers(rng, edges, stubs, allowed):
    """Pair leftover stubs with each other where allowed, else give a stub a random
    allowed partner (ignoring that partner's budget): keeps degrees and the mixing
    fraction near their targets when large communities leave few valid partners."""
    n = allowed.shape[0]
    left = list(rng.permutation(stubs))
    while left:
        u = left.pop()
        v = next((x for x in left if allowed[u, x] and (min(u, x), max(u, x)) not in edges),
                 None)
        if v is not None:
            left.remove(v)
        else:
            v = next((x for x in rng.permutation(n) if allowed[u, x] and
                      (min(u, x), max(u, x)) not in edges), None)
        if v is not None:
            edges.add((min(u, v), max(u, v)))
    return edges


def weighted_lfr(n: int = 125, avg_degree: float = 25, max_degree: int = 100,
                 mu_t: float = 0.5, mu_w: float = 0.5, tau1: float = 2.0, tau2: float = 1.0,
                 beta: float = 2.0, min_community: int = 10, max_community: int = 100,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A weighted LFR-style benchmark graph (Lancichinetti & Fortunato 2009,
    Phys Rev E 80:016118): returns (n x n symmetric weights, community labels).

    Degrees follow a power law (``tau1``) with the given mean and maximum, community
    sizes another (``tau2``). A fraction ``mu_t`` of each node's edges leave its
    community. Each node's strength is ``k^beta``, a fraction ``mu_w`` of it on
    external edges; weights are fitted to these strengths by iterative proportional
    scaling (LFR minimises the squared strength mismatch; both aim at the same
    targets). The parameters default to the paper's benchmark (N=125, k=25,
    kmax=100, tau1=2, tau2=1, beta=2).
    """
    rng = np.random.default_rng(seed)
    kmin = _min_degree(avg_degree, max_degree, tau1)
    support = np.arange(kmin, min(max_degree, n - 1) + 1)
    pmf = support.astype(float) ** -tau1
    # Heavy tails make one draw's mean wander: keep the draw closest to the target.
    draws = [rng.choice(support, n, p=pmf / pmf.sum()) for _ in range(50)]
    deg = min(draws, key=lambda d: abs(d.mean() - avg_degree))
    sizes: list[int] = []
    hi_size = min(max_community, n)
    while sum(sizes) < n:
        sizes.append(int(_powerlaw_ints(rng, 1, tau2, min_community, hi_size)[0]))
    excess = sum(sizes) - n
    sizes[-1] -= excess
    if sizes[-1] < min_community:  # fold a too-small last community into the others
        extra = sizes.pop()
        for i in range(extra):
            sizes[i % len(sizes)] += 1
    k_in = np.round((1 - mu_t) * deg).astype(int)
    # Assign nodes (largest internal degree first) to communities with room for them.
    labels = np.full(n, -1)
    room = np.array(sizes)
    for v in np.argsort(-k_in):
        fits = np.flatnonzero((room > 0) & (np.array(sizes) - 1 >= k_in[v]))
        if fits.size == 0:
            fits = np.flatnonzero(room > 0)
            c = fits[np.argmax(np.array(sizes)[fits])]
            k_in[v] = sizes[c] - 1
        else:
            c = rng.choice(fits)
        labels[v] = c
        room[c] -= 1
    k_out = np.maximum(deg - k_in, 0)
    edges_in: set[tuple[int, int]] = set()
    for c in range(len(sizes)):
        members = np.flatnonzero(labels == c)
        stubs = np.zeros(n, int)
        stubs[members] = k_in[members]
        got, left = _wire(rng, stubs)
        same = np.zeros((n, n), bool)
        same[np.ix_(members, members)] = True
        edges_in |= _place_leftovers(rng, got, left, same & ~np.eye(n, dtype=bool))
    edges_out, left = _wire(rng, k_out, forbid=lambda u, v: labels[u] == labels[v])
    edges_out = _place_leftovers(rng, edges_out, left, labels[:, None] != labels[None, :])
    w = np.zeros((n, n))
    internal = np.zeros((n, n), bool)
    for u, v in edges_in:
        internal[u, v] = internal[v, u] = True
    for (u, v) in edges_in | edges_out:
        w[u, v] = w[v, u] = 1.0
    adj = w > 0
    k_real = adj.sum(1)
    strength = k_real.astype(float) ** beta
    targets = {True: (1 - mu_w) * strength, False: mu_w * strength}
    for _ in range(200):
        for inside in (True, False):
            sel = adj & (internal if inside else ~internal)
            cur = (w * sel).sum(1)
            ratio = np.where(cur > 0, targets[inside] / np.where(cur > 0, cur, 1), 1.0)
            f = np.sqrt(np.outer(ratio, ratio))
            w = np.where(sel, w * f, w)
    return w, labels


# -- planted calcium-like traces -------------------------------------------------------------
@dataclass
class Planted:
    """Ground truth of :func:`planted_traces`."""

    groups: np.ndarray  # neuron -> component (all neurons belong to one)
    intervals: list[tuple[int, int]]  # frames [start, stop) of each component
    animal_active: np.ndarray  # components x animals, 1 where the component is present
    drivers: np.ndarray  # components x time, the shared signal (zero outside intervals)


def _transients(rng, n_times, sfreq, rate_hz, tau_s):
    """Calcium-like signal: Poisson events convolved with a rise/decay kernel."""
    events = rng.poisson(rate_hz / sfreq, n_times).astype(float)
    events *= rng.uniform(0.5, 1.5, n_times)
    t = np.arange(int(8 * tau_s * sfreq)) / sfreq
    kernel = (1 - np.exp(-t / (0.15 * tau_s))) * np.exp(-t / tau_s)
    return np.convolve(events, kernel)[:n_times]


def planted_traces(n_neurons: int = 30, n_animals: int = 4, n_times: int = 600,
                   sfreq: float = 2.0, n_components: int = 3, noise: float = 0.05,
                   seed: int = 0, missing: int = 0):
    """Traces in which known neuron groups co-fluctuate during known intervals in
    known animals. Returns (neurodeck Traces, :class:`Planted`).

    Component k drives group k (equal split of the neurons) with one shared
    calcium-like signal during its interval, in the animals where it is present
    (every component is present in at least one animal and absent in at least one
    when there are two or more animals). Every neuron also carries independent
    slow fluctuations and white noise of relative size ``noise``. With ``missing``
    > 0, that many neurons are absent (not recorded) in the last animal.
    """
    from neurodeck.data import Traces

    rng = np.random.default_rng(seed)
    groups = np.arange(n_neurons) % n_components
    groups = np.sort(groups)
    edges = np.linspace(0, n_times, n_components + 1).astype(int)
    intervals = []
    for k in range(n_components):
        # Intervals overlap their neighbours a little, as stimulus epochs may.
        lo = max(0, edges[k] - n_times // 20)
        hi = min(n_times, edges[k + 1] + n_times // 20)
        intervals.append((int(lo), int(hi)))
    active = np.ones((n_components, n_animals))
    if n_animals > 1:
        for k in range(n_components):
            off = rng.choice(n_animals, size=max(1, n_animals // 3), replace=False)
            active[k, off] = 0
    drivers = np.zeros((n_components, n_times))
    for k, (lo, hi) in enumerate(intervals):
        sig = _transients(rng, n_times, sfreq, rate_hz=0.15, tau_s=3.0)
        ramp = np.zeros(n_times)
        ramp[lo:hi] = 1.0
        drivers[k] = sig * ramp
        drivers[k] /= max(drivers[k].std(), 1e-12)
    arrays, labels = [], []
    names = [f"n{i:03d}" for i in range(n_neurons)]
    for a in range(n_animals):
        slow = np.cumsum(rng.standard_normal((n_neurons, n_times)), axis=1)
        slow -= np.linspace(slow[:, :1], slow[:, -1:], n_times, axis=1)[..., 0]  # detrend walk
        slow /= slow.std(axis=1, keepdims=True) + 1e-12
        x = noise * (0.5 * slow + rng.standard_normal((n_neurons, n_times)))
        for k in range(n_components):
            if active[k, a]:
                gain = rng.uniform(0.8, 1.2, (groups == k).sum())
                x[groups == k] += gain[:, None] * drivers[k]
        keep = np.arange(n_neurons)
        if missing and a == n_animals - 1:
            keep = np.sort(rng.choice(n_neurons, n_neurons - missing, replace=False))
        arrays.append(x[keep].astype(np.float32) + 1.0)
        labels.append([names[i] for i in keep])
    traces = Traces(arrays, labels, sfreq, animals=[f"w{a}" for a in range(n_animals)],
                    name="planted")
    return traces, Planted(groups, intervals, active, drivers)
