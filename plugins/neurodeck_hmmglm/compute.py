"""The ``hmmglm`` analysis: inputs -> counts -> (cross-validated K) -> EM fit -> arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import Dataset, SpikeTrains, Traces
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress

from . import counts as counting
from . import fit as fitting
from . import glm, hmm, select


def load_counts(ds: Dataset, params: dict[str, Any]) -> tuple[list[np.ndarray], np.ndarray]:
    if isinstance(ds, SpikeTrains):
        return counting.from_spikes(ds, params["bin_width"])
    if isinstance(ds, Traces):
        return counting.from_traces(ds, params["bin_width"], params["event_threshold"])
    raise InputError(f"{ds.name}: the HMM-GLM needs spike trains or traces, "
                     f"not {type(ds).__name__}")


def consensus(p: fitting.Params, prior: str) -> np.ndarray:
    """The state-shared coupling: the Gaussian prior mean, the one-hot prior's expected
    sign P(exc) - P(inh), or (no prior) the mean weight over states."""
    if prior == "gaussian":
        return p.prior_mean
    if prior == "onehot":
        return p.adjacency_prior[..., 2] - p.adjacency_prior[..., 0]
    return p.weights.mean(axis=0)


def fit_options(params: dict[str, Any]) -> fitting.FitOptions:
    """The fit's options from the analysis parameters (the rest keep their defaults)."""
    return fitting.FitOptions(prior=params["prior"], link=params["link"],
                              share_bias=bool(params["share_bias"]),
                              prior_scale=params["prior_scale"], max_iter=params["max_iter"],
                              agree=params["restart_agree"],
                              weight_scale=params["weight_scale"]
                              if params["prior"] == "onehot" else 0.0,
                              ridge_auto=bool(params["fit_weight_scale"]))


def run(inputs: list[Dataset], params: dict[str, Any], progress: Progress) -> dict:
    ds = inputs[0]
    seqs, bin_times = load_counts(ds, params)
    n_neurons = seqs[0].shape[1]
    if n_neurons < 1:
        raise InputError(f"{ds.name} has no neurons")
    total = sum(len(s) for s in seqs)
    if total < 10 * params["history_lags"]:
        raise ParameterError(f"only {total} bins at bin_width {params['bin_width']} s: "
                             "too few to fit a history GLM")
    basis = glm.exp_basis(params["history_lags"])
    y, x, lengths = glm.stack(seqs, basis)
    data = fitting.Data(y, x, lengths)
    opts = fit_options(params)
    ks = params["n_states"]
    ks = sorted(set(ks)) if isinstance(ks, list) else [ks]
    out: dict[str, Any] = {}
    fit_progress = progress
    if len(ks) > 1:
        folds = params["cv_folds"]
        scores = select.cross_validate(data, ks, opts, folds, params["n_restarts"],
                                       params["seed"], progress.sub(0.0, 0.7))
        best = ks[int(np.nanargmax(np.nanmean(scores, axis=1)))]
        out["cv_n_states"] = np.asarray(ks)
        out["heldout_bits_per_spike"] = scores
        fit_progress = progress.sub(0.7, 1.0)
        ks = [best]
    res = fitting.fit(data, ks[0], opts, params["n_restarts"], params["seed"], fit_progress)
    for note in res.notes:  # stored with the result, logged, shown above its view
        progress.warn(note)
    p = res.params
    log_em = fitting.emissions(data, p, opts.link)
    gamma = res.gamma  # the posteriors at the returned parameters
    states = hmm.viterbi(log_em, lengths, p.transition, p.initial)
    labels = list(getattr(ds, "labels", [str(i) for i in range(n_neurons)]))
    out.update(
        states=states, posteriors=gamma, weights=p.weights, bias=p.bias,
        transition=p.transition, initial=p.initial, log_likelihood=res.log_likelihood,
        log_posterior=res.log_posterior, restart_log_posterior=res.restart_objectives,
        restart_agreement=res.restart_agreement, restarts_agree=np.bool_(res.restarts_agree),
        fit_notes=np.asarray(res.notes, dtype=str).reshape(-1),
        consensus=consensus(p, opts.prior), n_states=np.int64(p.n_states),
        labels=np.asarray(labels, dtype=str), counts=y.astype(np.int32),
        bin_times=bin_times, sequence_lengths=lengths, basis=basis,
        converged=np.bool_(res.converged),
        ridge_scale=np.float64(res.ridge_scales.get("final", opts.weight_scale)),
    )
    if opts.prior == "gaussian":
        out["prior_mean"] = p.prior_mean
    if opts.prior == "onehot":
        out["adjacency"] = p.adjacency.astype(np.int8)
        out["adjacency_prior"] = p.adjacency_prior
    progress.update(1.0, "done")
    return out
