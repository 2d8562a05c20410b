"""How long an NTF run will take, from sizes only (never reading the traces).

A HALS iteration of rank r costs about (r + 2) passes over the affinity tensor
(pairs x animals x frames); each rank is fitted ``n_restarts`` times for about
``TYPICAL_ITERATIONS`` iterations (the median seen by :class:`cp.IterationProgress`,
capped by max_iter); then communities are found in each component of the chosen rank.
Constants measured here with one BLAS thread in CPU seconds (the load of a shared
machine stretches wall time, not CPU time): planted traces of 60-200 neurons, 2-3
animals, 400-800 frames, ranks 2 and 4, 30 forced iterations gave 2.7-3.5e-10 s per
unit; the SBM took 0.24-0.99 s per component at 60-200 neurons.
"""

from __future__ import annotations

from typing import Any

SECONDS_PER_UNIT = 3.5e-10  # per (rank + 2) x pair x animal x frame x iteration
TYPICAL_ITERATIONS = 50
SBM_SECONDS_PER_NEURON = 0.006  # per component (sbm); leiden is far cheaper
OVERHEAD = 1.0
HINT = ("Fewer ranks (one rank instead of a range), fewer restarts, community_method="
        "leiden, or fewer neurons (min_animals) make it faster.")


def sizes(inputs: list[Any]) -> tuple[int, int, int]:
    """(animals, neurons, frames) of the traces, read from their shapes and labels."""
    animals, labels, frames = 0, set(), 0
    for ds in inputs:
        arrays = getattr(ds, "arrays", None)
        if arrays is not None:
            animals += len(arrays)
            labels.update(ds.all_labels())
            frames = max(frames, max(int(a.shape[1]) for a in arrays))
        else:
            animals += 1
            labels.update(ds.labels)
            frames = max(frames, int(ds.n_times))
    return animals, len(labels), frames


def estimate(inputs: list[Any], params: dict[str, Any]) -> tuple[float, str]:
    animals, neurons, frames = sizes(inputs)
    ranks = sorted(set(params["rank"] if isinstance(params["rank"], list)
                       else [params["rank"]]))
    pairs = neurons * (neurons - 1) / 2
    iterations = min(int(params["max_iter"]), TYPICAL_ITERATIONS)
    work = sum(r + 2 for r in ranks) * int(params["n_restarts"]) * iterations * pairs * \
        animals * frames
    community = (SBM_SECONDS_PER_NEURON if params.get("community_method", "sbm") == "sbm"
                 else SBM_SECONDS_PER_NEURON / 20) * neurons * max(ranks)
    return OVERHEAD + SECONDS_PER_UNIT * work + community, HINT
