"""How long an HMM-GLM fit will take, from sizes only (never reading the spikes).

An EM iteration costs about c x bins x neurons x states (the forward-backward pass and
up to ``m_iter`` Newton steps per neuron and state); each K fits up to ``n_restarts``
screened starts (each until its states settle, typically ``SCREEN_ITERATIONS``; they
stop early once ``restart_agree`` agree, about ``TYPICAL_STARTS``), then the best one
runs on to max_iter; a list of K is also fitted
on each cross-validation fold. c was measured here with one BLAS thread in CPU seconds
on simulated couplings (8-16 neurons, 2,000-4,000 bins, K = 3-5, 5-11 iterations):
1.0-3.2e-6 s; the upper middle is used.
"""

from __future__ import annotations

from typing import Any

SECONDS_PER_UNIT = 2.0e-6  # per bin x neuron x state x EM iteration
SCREEN_ITERATIONS = 10
TYPICAL_STARTS = 4
OVERHEAD = 1.0
HINT = ("A larger bin_width, fewer n_restarts, a lower max_iter or a single n_states "
        "make it faster.")


def sizes(inputs: list[Any], bin_width: float) -> tuple[int, int]:
    """(bins, neurons): the recording's duration over the bin width, and its rows."""
    bins, neurons = 0, 0
    for ds in inputs:
        duration = float(getattr(ds, "duration", 0.0) or 0.0)
        arrays = getattr(ds, "arrays", None)
        if arrays is not None and hasattr(ds, "sfreq"):  # traces: every animal in turn
            duration = sum(int(a.shape[1]) for a in arrays) / float(ds.sfreq)
        bins += int(duration / bin_width)
        n = getattr(ds, "n_units", None) or len(getattr(ds, "labels", []) or [])
        neurons = max(neurons, int(n))
    return bins, neurons


def estimate(inputs: list[Any], params: dict[str, Any]) -> tuple[float, str]:
    bins, neurons = sizes(inputs, float(params["bin_width"]))
    ks = params["n_states"] if isinstance(params["n_states"], list) else [params["n_states"]]
    starts = min(int(params["n_restarts"]), TYPICAL_STARTS if params.get("restart_agree", 2)
                 else int(params["n_restarts"]))
    max_iter = int(params["max_iter"])
    total = 0.0
    for k in ks:
        iterations = (1 if k == 1 else starts) * min(SCREEN_ITERATIONS, max_iter) + max(
            max_iter - SCREEN_ITERATIONS, 0)
        total += iterations * bins * neurons * k
    if len(ks) > 1:  # each fold refits every K on (folds - 1) / folds of the bins
        folds = int(params.get("cv_folds", 3))
        total *= 1 + (folds - 1)
    return OVERHEAD + SECONDS_PER_UNIT * total, HINT
