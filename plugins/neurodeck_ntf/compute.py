"""The NTF analysis: traces -> affinity tensor -> non-negative CP -> communities."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import Traces
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress

from . import affinity as aff
from . import communities, cp, rank


def aligned_traces(traces: Traces, min_animals: int) -> tuple[np.ndarray, list[str]]:
    """Animals x neurons x time (NaN = missing) for neurons seen in >= ``min_animals``."""
    data, labels = traces.aligned()
    present = np.any(np.isfinite(data), axis=2).sum(0)
    keep = present >= min(min_animals, traces.n_animals)
    if keep.sum() < 3:
        raise ParameterError(
            f"{traces.name}: only {int(keep.sum())} neurons are recorded in at least "
            f"{min_animals} animal(s); NTF needs 3 or more")
    return data[:, keep], [lab for lab, k in zip(labels, keep, strict=True) if k]


def _ranks(value: Any) -> list[int]:
    ranks = sorted(set(value if isinstance(value, list) else [value]))
    if ranks[0] < 1:
        raise ParameterError("ranks must be 1 or more")
    return ranks


def _order_components(fit: cp.CPFit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pairs x K scaled, animal x K, time x K): time and animal factors scaled to a
    maximum of 1, their scale carried by the pair factor; components by weight."""
    pairs, animals, times = (f.copy() for f in fit.factors)
    for f in (animals, times):
        top = f.max(axis=0)
        top[top == 0] = 1.0
        f /= top
        pairs *= top
    order = np.argsort(-np.linalg.norm(pairs, axis=0))
    return pairs[:, order], animals[:, order], times[:, order]


def run(inputs: list[Traces], params: dict[str, Any], progress: Progress) -> dict:
    traces = inputs[0]
    if not isinstance(traces, Traces):
        raise InputError(f"NTF needs neural traces; {traces.name} is {traces.kind}")
    ranks = _ranks(params["rank"])
    data, labels = aligned_traces(traces, params["min_animals"])
    n_animals, n_neurons, n_times = data.shape
    progress.update(0.01, "differentiating traces")
    try:
        deriv = aff.derivatives(data, traces.sfreq, params["smooth_frames"],
                                params["normalize"])
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    tensor = aff.AffinityTensor(deriv, params["affinity"], params["affinity_scale"],
                                max_bytes=int(params["max_memory_mb"] * 2**20))
    tensor.materialize(progress.check)
    fits_by_rank: dict[int, list[cp.CPFit]] = {}
    span = 0.85 / len(ranks)
    for k, r in enumerate(ranks):
        sub = progress.sub(0.05 + k * span, 0.05 + (k + 1) * span)
        try:
            fits_by_rank[r] = cp.fit_restarts(
                tensor, r, n_restarts=params["n_restarts"], solver=params["solver"],
                tol=params["tol"], max_iter=params["max_iter"], seed=params["seed"],
                progress=sub)
        except ValueError as exc:
            raise ParameterError(str(exc)) from None
    out: dict[str, Any] = {}
    if len(ranks) > 1:
        rk, errors, sims = rank.rank_table(fits_by_rank)
        chosen = rank.suggest_rank(rk, errors, sims, params["min_similarity"])
        out.update(ranks=rk, rank_errors=errors, rank_similarity=sims)
    else:
        chosen = ranks[0]
    best = fits_by_rank[chosen][0]
    pairs, animals, times = _order_components(best)
    k_comp = pairs.shape[1]
    affinity = np.stack([aff.pairs_to_matrix(pairs[:, c], n_neurons)
                         for c in range(k_comp)]).astype(np.float32)
    comms = np.full((k_comp, n_neurons), -1, dtype=np.int64)
    for c in range(k_comp):
        progress.update(0.9 + 0.1 * c / k_comp, f"communities of component {c + 1}")
        comms[c] = communities.detect(
            affinity[c], params["community_method"], min_strength=params["min_strength"],
            resolution=params["resolution"], sbm_weights=params["sbm_weights"],
            seed=params["seed"], check=progress.check)
    ev = traces.events
    out.update(
        affinity=affinity,
        time_factors=times.T.astype(np.float32),
        animal_factors=animals.T.astype(np.float32),
        communities=comms,
        neuron_labels=np.asarray(labels, dtype=str),
        animals=np.asarray(traces.animals, dtype=str),
        times=(np.arange(n_times) / traces.sfreq),
        rank=np.int64(chosen),
        relative_error=np.float64(best.rel_error),
        event_onsets=np.asarray(ev.onset, float),
        event_durations=np.asarray(ev.duration, float),
        event_labels=np.asarray(ev.label, dtype=str),
        tensor_peak_mb=np.float64(tensor.peak_bytes() / 2**20),
    )
    return out
