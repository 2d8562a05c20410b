"""The NTF analysis: traces -> affinity tensor -> non-negative CP -> communities."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import Traces
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress
from neurodeck.safety.limits import require_finite

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


def _order_components(fit: cp.CPFit, frames: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pairs x K scaled, animal x K, time x K): time and animal factors scaled to a
    maximum of 1, their scale carried by the pair factor; components by weight.
    Frames outside ``frames`` (no animal has data there) are set to 0 first: the fit
    never saw them, so their values are only the random start."""
    pairs, animals, times = (f.copy() for f in fit.factors)
    if frames is not None:
        times[~frames] = 0.0
    for f in (animals, times):
        top = f.max(axis=0)
        top[top == 0] = 1.0
        f /= top
        pairs *= top
    order = np.argsort(-np.linalg.norm(pairs, axis=0))
    return pairs[:, order], animals[:, order], times[:, order]


def _rank_spans(ranks: list[int], lo: float, hi: float) -> list[tuple[float, float]]:
    """Progress span of each rank, wider for higher ranks (a HALS iteration costs
    about rank + 2 products of the data's size: R columns plus the passes)."""
    weights = np.array([r + 2.0 for r in ranks])
    edges = lo + (hi - lo) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    return list(zip(edges[:-1], edges[1:], strict=True))


def run(inputs: list[Traces], params: dict[str, Any], progress: Progress) -> dict:
    if any(not isinstance(ds, Traces) for ds in inputs):
        bad = next(ds for ds in inputs if not isinstance(ds, Traces))
        raise InputError(f"NTF needs neural traces; {bad.name} is {bad.kind}")
    # Several inputs (or a study's members) are several animals, aligned by neuron label.
    traces = inputs[0] if len(inputs) == 1 else Traces.combine(list(inputs))
    ranks = _ranks(params["rank"])
    data, labels = aligned_traces(traces, params["min_animals"])
    # NaN marks a neuron an animal does not have (the alignment's doing); inf is damage.
    require_finite(data, traces.name, ("animal", "neuron", "frame"), allow_nan=True)
    n_animals, n_neurons, n_times = data.shape
    progress.update(0.0, f"differentiating traces ({n_neurons} neurons, {n_animals} "
                         f"animal(s), {n_times} frames)")
    try:
        deriv = aff.derivatives(data, traces.sfreq, params["smooth_frames"],
                                params["normalize"])
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    # A frame is data for an animal when at least one pair of neurons has a value there.
    observed = np.isfinite(deriv).sum(1) >= 2  # animals x time
    frames = observed.any(0)
    tensor = aff.AffinityTensor(deriv, params["affinity"], params["affinity_scale"],
                                max_bytes=int(params["max_memory_mb"] * 2**20))
    n_pairs = tensor.n_pairs
    stage = progress.sub(0.01, 0.04)
    label = (f"affinity tensor ({n_pairs} pairs x {n_animals} x {n_times}, "
             f"{tensor.nbytes / 2**20:.0f} MiB)")
    tensor.materialize(progress.check, report=lambda f: stage.update(f, label))
    if not tensor.cached:
        stage.update(1.0, f"{label}: larger than max_memory_mb, recomputed at every "
                          "iteration")
    fits_by_rank: dict[int, list[cp.CPFit]] = {}
    iters = cp.IterationProgress()
    for k, (r, (lo, hi)) in enumerate(zip(ranks, _rank_spans(ranks, 0.04, 0.9),
                                          strict=True)):
        try:
            fits_by_rank[r] = cp.fit_restarts(
                tensor, r, n_restarts=params["n_restarts"], solver=params["solver"],
                tol=params["tol"], max_iter=params["max_iter"], seed=params["seed"],
                progress=progress.sub(lo, hi), iters=iters,
                label=f"rank {r} ({k + 1} of {len(ranks)})")
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
    if not best.converged and params["solver"] == "hals":
        # Shown above the result's view and logged, not only visible in an array.
        progress.warn(f"the rank-{chosen} fit stopped at max_iter={params['max_iter']} "
                      f"before its relative error settled (tol {params['tol']:g}); raise "
                      "max_iter or loosen tol")
    pairs, animals, times = _order_components(best, frames)
    k_comp = pairs.shape[1]
    affinity = np.stack([aff.pairs_to_matrix(pairs[:, c], n_neurons)
                         for c in range(k_comp)]).astype(np.float32)
    comms = np.full((k_comp, n_neurons), -1, dtype=np.int64)
    for c in range(k_comp):
        progress.update(0.9 + 0.1 * c / k_comp,
                        f"communities of component {c + 1} of {k_comp} "
                        f"({params['community_method']})")
        comms[c] = communities.detect(
            affinity[c], params["community_method"], min_strength=params["min_strength"],
            resolution=params["resolution"], sbm_weights=params["sbm_weights"],
            sbm_model=params.get("sbm_model", "select"), seed=params["seed"],
            check=progress.check)
    times = times.T.astype(np.float32)
    times[:, ~frames] = np.nan  # no animal recorded there: not data, not drawn
    ev = traces.events
    out.update(
        affinity=affinity,
        time_factors=times,
        observed=observed,
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
