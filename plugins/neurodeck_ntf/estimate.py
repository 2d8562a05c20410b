"""How long an NTF run will take, from sizes and labels only (never reading the traces).

The tensor is pairs x animals x frames over the neurons seen in at least ``min_animals``
animals. A HALS iteration of rank r costs about (r + 8) passes over it (two products with
the Khatri-Rao matrix and the float32 copies; with missing entries the model is also
formed to fill them, about 2.5x the cost). Each rank is fitted ``n_restarts`` times for a
typical number of iterations (capped by max_iter); then communities are found in each
component of the largest rank.

Constants measured here with one BLAS thread in CPU seconds (the load of a shared machine
stretches wall time, not CPU time), in a process that has run NTF once (the first run
also pays about 1 s of imports and compilation):
- cost per pass: planted traces of 80-400 neurons, 2-3 animals, 500-1,500 frames, ranks
  2 and 6 and 10-40 forced iterations gave 0.7-0.8e-10 s per unit and pass; the 7
  NeuroPAL C. elegans animals with neurons seen in 3 of them (missing entries) 2.0e-10;
- iterations: the complete C. elegans tensor (neurons in all 7 animals) needed 3-57
  iterations per fit (median 29); with missing entries 31-500 (most stopped at the
  default max_iter of 500); planted traces converge in 6-14, so on them the estimate is
  several times too long. An estimate is there to warn before a long run;
- the SBM took 0.002-0.006 s per neuron and component; leiden is far cheaper.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

SECONDS_PER_PASS = 0.8e-10  # per pair x animal x frame x iteration x (rank + 8)
MISSING_FACTOR = 2.5  # a tensor with missing entries (neurons absent in some animals)
TYPICAL_ITERATIONS = 50  # complete tensors
TYPICAL_ITERATIONS_MISSING = 300  # the imputing iterations converge slowly
AFFINITY_SECONDS_PER_UNIT = 5e-9  # building the affinity tensor, once
SBM_SECONDS_PER_NEURON = 0.006  # per component (sbm); leiden is far cheaper
OVERHEAD = 0.3
HINT = ("Fewer ranks (one rank instead of a range), fewer restarts, community_method="
        "leiden, or fewer neurons (min_animals) make it faster.")


def sizes(inputs: list[Any], min_animals: int = 1) -> tuple[int, int, int, bool]:
    """(animals, neurons, frames, missing) of the tensor NTF builds, from the traces'
    shapes and labels: neurons are those labelled in at least ``min_animals`` animals,
    and ``missing`` says whether some of them are absent from some animal."""
    animals, frames, seen = 0, 0, Counter()
    for ds in inputs:
        arrays = getattr(ds, "arrays", None)
        if arrays is not None:
            animals += len(arrays)
            for labels in ds.animal_labels:
                seen.update(set(labels))
            frames = max(frames, max(int(a.shape[1]) for a in arrays))
        else:
            animals += 1
            seen.update(set(ds.labels))
            frames = max(frames, int(ds.n_times))
    need = min(min_animals, animals)
    kept = [n for n in seen.values() if n >= need]
    return animals, len(kept), frames, any(n < animals for n in kept)


def estimate(inputs: list[Any], params: dict[str, Any]) -> tuple[float, str]:
    animals, neurons, frames, missing = sizes(inputs, int(params.get("min_animals", 1)))
    ranks = sorted(set(params["rank"] if isinstance(params["rank"], list)
                       else [params["rank"]]))
    units = neurons * (neurons - 1) / 2 * animals * frames
    typical = TYPICAL_ITERATIONS_MISSING if missing else TYPICAL_ITERATIONS
    iterations = min(int(params["max_iter"]), typical)
    per_pass = SECONDS_PER_PASS * (MISSING_FACTOR if missing else 1.0)
    fits = sum(r + 8 for r in ranks) * int(params["n_restarts"]) * iterations * units
    community = (SBM_SECONDS_PER_NEURON if params.get("community_method", "sbm") == "sbm"
                 else SBM_SECONDS_PER_NEURON / 20) * neurons * max(ranks)
    return (OVERHEAD + AFFINITY_SECONDS_PER_UNIT * units + per_pass * fits + community,
            HINT)
