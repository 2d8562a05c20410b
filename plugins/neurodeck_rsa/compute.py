"""The ``rsa`` and ``trsa`` analyses: datasets in, named arrays out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurodeck.data import Dataset, Epochs, Patterns, Result, TimeSeries
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress

from . import inference, rdm, topology
from .compare import compare


@dataclass
class RDMSet:
    """RDM vectors (n_rdm x n_pairs) with their condition labels and per-RDM labels."""

    vectors: np.ndarray
    conditions: np.ndarray
    names: list[str]
    subjects: np.ndarray
    groups: np.ndarray | None = None
    times: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)


# -- inputs -----------------------------------------------------------------------------
def _from_patterns(ds: Patterns, p: dict[str, Any], progress: Progress) -> RDMSet:
    if not np.all(np.isfinite(ds.data)):
        raise InputError(f"{ds.name} has NaN or infinite values")
    conds, cidx = rdm.first_seen(ds.conditions)
    if conds.size < 3:
        raise InputError(f"{ds.name}: RSA needs at least 3 conditions, got {conds.size}")
    subjects = ds.subjects if ds.subjects is not None else np.zeros(ds.n_observations, int)
    s_names, s_idx = rdm.first_seen(subjects)
    vecs = []
    for k in range(s_names.size):
        progress.update(k / s_names.size, f"RDM of subject {s_names[k]}")
        sel = s_idx == k
        if np.unique(cidx[sel]).size != conds.size:
            raise InputError(f"{ds.name}: subject {s_names[k]} lacks some conditions")
        vecs.append(_rdm(ds.data[sel], cidx[sel], conds.size,
                         None if ds.runs is None else ds.runs[sel], p))
    names = [ds.name] if s_names.size == 1 and ds.subjects is None else \
        [f"{ds.name} | {s}" for s in s_names]
    return RDMSet(np.array(vecs), conds.astype(str), names, s_names.astype(str))


def _rdm(x: np.ndarray, cidx: np.ndarray, n_cond: int, runs: np.ndarray | None,
         p: dict[str, Any]) -> np.ndarray:
    noise = None if p.get("noise", "identity") == "identity" else p["noise"]
    if p["method"] == "mahalanobis" and noise is None:
        noise = "shrinkage_diag"
    return rdm.calc_rdm(x, cidx, n_cond, p["method"], runs, noise, p.get("noise_per_run", False),
                        p.get("prior_lambda", 1.0), p.get("prior_weight", 0.1))


def _from_epochs(ds: Epochs, p: dict[str, Any], progress: Progress) -> RDMSet:
    """Time-resolved RDMs: channel patterns averaged in a sliding window."""
    data = ds.data
    if not np.all(np.isfinite(data)):
        raise InputError(f"{ds.name} has NaN or infinite values")
    conds, cidx = rdm.first_seen(ds.conditions)
    if conds.size < 3:
        raise InputError(f"{ds.name}: RSA needs at least 3 conditions, got {conds.size}")
    win, step = int(p.get("window", 1)), int(p.get("step", 1))
    if win > ds.n_times:
        raise ParameterError(f"window ({win} samples) is longer than the epochs ({ds.n_times})")
    starts = np.arange(0, ds.n_times - win + 1, step)
    if win == 1:
        binned = data if step == 1 else data[:, :, starts]
    else:
        # window means via a cumulative sum: one pass over the data for every window
        csum = np.concatenate([np.zeros(data.shape[:2] + (1,)), np.cumsum(data, axis=2)],
                              axis=2)
        binned = (csum[:, :, starts + win] - csum[:, :, starts]) / win  # ep x ch x win
    times = ds.times[starts] + (win - 1) / (2 * ds.sfreq)
    method = p["method"]
    if method in ("euclidean", "correlation", "poisson"):
        means = np.ascontiguousarray(  # t x c x ch, contiguous for batched matmul
            np.moveaxis(rdm.group_means(binned, cidx, conds.size), 2, 0))
        if method == "euclidean":
            vecs = rdm.euclidean(means)
        elif method == "correlation":
            vecs = rdm.correlation(means)
        else:
            vecs = np.array([rdm.poisson(m, p["prior_lambda"], p["prior_weight"]) for m in means])
    else:
        if method in ("crossnobis", "poisson_cv") and ds.runs is None:
            raise ParameterError(f"{method} needs runs (folds); these epochs have none")
        vecs = []
        for i in range(starts.size):
            if i % 10 == 0:
                progress.update(i / starts.size, f"window {i}/{starts.size}")
            vecs.append(_rdm(binned[:, :, i], cidx, conds.size, ds.runs, p))
        vecs = np.array(vecs)
    names = [f"{ds.name} | {t:.3f} s" for t in times]
    return RDMSet(vecs, conds.astype(str), names, np.zeros(len(names), int).astype(str),
                  times=times)


def _from_timeseries(ds: TimeSeries, p: dict[str, Any], progress: Progress) -> RDMSet:
    """Observations = mean of each row over each event (conditions = event labels)."""
    ev = ds.events
    if len(ev) == 0:
        raise InputError(f"{ds.name} has no events to define conditions; RSA on traces needs "
                         "events (onset, duration, label)")
    span = float(p.get("event_window", 0.0))
    obs, labels = [], []
    for onset, dur, label in ev:
        length = dur if dur > 0 else span
        a = int(round(onset * ds.sfreq))
        b = max(a + 1, int(round((onset + length) * ds.sfreq)))
        if a < 0 or b > ds.n_times:
            continue
        obs.append(ds.get_data(a, b).mean(axis=1))
        labels.append(label)
    if not obs:
        raise InputError(f"{ds.name}: no event lies inside the recording")
    pat = Patterns(np.array(obs), labels, name=ds.name)
    if p["method"] in ("crossnobis", "poisson_cv"):
        raise ParameterError(f"{p['method']} needs runs; events of a time series have none")
    return _from_patterns(pat, p, progress)


def _from_result(ds: Result) -> RDMSet:
    if "rdms" not in ds:
        raise InputError(f"{ds.name} is a result without an 'rdms' array")
    arr = np.asarray(ds["rdms"], float)
    vecs = rdm.to_vectors(arr if arr.ndim == 3 else arr[None]) if arr.shape[-1] == arr.shape[-2] \
        else np.atleast_2d(arr)
    n = rdm.n_from_pairs(vecs.shape[1])
    conds = np.asarray(ds["conditions"]).astype(str) if "conditions" in ds else \
        np.array([str(i) for i in range(n)])
    names = [str(x) for x in ds["rdm_names"]] if "rdm_names" in ds else \
        [f"{ds.name} {i}" for i in range(vecs.shape[0])]
    subjects = np.asarray(ds["rdm_subjects"]).astype(str) if "rdm_subjects" in ds else \
        np.arange(vecs.shape[0]).astype(str)
    groups = np.asarray(ds["rdm_groups"]).astype(str) if "rdm_groups" in ds else None
    times = np.asarray(ds["times"], float) if "times" in ds else None
    return RDMSet(vecs, conds, names, subjects, groups, times)


def to_rdms(ds: Dataset, p: dict[str, Any], progress: Progress) -> RDMSet:
    if isinstance(ds, Result):
        return _from_result(ds)
    if isinstance(ds, Patterns):
        return _from_patterns(ds, p, progress)
    if isinstance(ds, Epochs):
        return _from_epochs(ds, p, progress)
    if isinstance(ds, TimeSeries):
        return _from_timeseries(ds, p, progress)
    raise InputError(f"RSA cannot use {ds.kind} data ({ds.name})")


def _load_models(inputs: list[Dataset], p: dict[str, Any], n_cond: int
                 ) -> tuple[np.ndarray, list[str]] | None:
    mats, names = [], []
    for ds in inputs:
        if not isinstance(ds, Result) or "rdms" not in ds:
            raise InputError(f"the model input {ds.name} must be a result with an 'rdms' array")
        m = _from_result(ds)
        mats.append(m.vectors)
        names += [str(x) for x in ds["model_names"]] if "model_names" in ds else m.names
    if p.get("models"):
        from .models_io import read_models

        arr, nm = read_models(p["models"])
        mats.append(rdm.to_vectors(arr))
        names += nm
    if not mats:
        return None
    vecs = np.concatenate(mats)
    if rdm.n_from_pairs(vecs.shape[1]) != n_cond:
        raise InputError(f"model RDMs are {rdm.n_from_pairs(vecs.shape[1])} x "
                         f"{rdm.n_from_pairs(vecs.shape[1])} but the data have {n_cond} "
                         "conditions")
    return vecs, names


# -- rsa -----------------------------------------------------------------------------------
def run_rsa(inputs: list[Dataset], params: dict[str, Any], progress: Progress) -> dict:
    data = to_rdms(inputs[0], params, progress.sub(0.0, 0.4))
    n_cond = data.conditions.size
    out: dict[str, Any] = {
        "rdms": rdm.to_matrices(data.vectors), "conditions": data.conditions,
        "rdm_names": np.asarray(data.names), "rdm_subjects": np.asarray(data.subjects)}
    if data.times is not None:
        out["times"] = data.times
    models = _load_models(inputs[1:], params, n_cond)
    if models is None:
        return out
    mvec, mnames = models
    method = params["compare"]
    out["model_names"] = np.asarray(mnames)
    out["model_rdms"] = rdm.to_matrices(mvec)
    fixed = compare(mvec, data.vectors, method)
    out["model_fixed"] = fixed
    if data.times is not None:
        # time-resolved: one score per model and time point, no bootstrap
        out["model_timecourse"] = fixed
        return out
    out["model_mean"] = fixed.mean(axis=1)
    out["noise_ceiling"] = np.array(inference.noise_ceiling(data.vectors, method))
    mode = params["bootstrap"]
    if mode == "fixed":
        return out
    if mode in ("subjects", "both") and data.vectors.shape[0] < 2:
        raise ParameterError("bootstrapping subjects needs at least 2 RDMs")
    rng = np.random.default_rng(params["seed"])
    samples = inference.draw_samples(data.vectors.shape[0], n_cond, mode,
                                     params["n_bootstrap"], rng)
    boot = inference.bootstrap(mvec, data.vectors, method, samples, progress.sub(0.4, 1.0))
    out["model_scores"] = boot.scores
    out["noise_ceiling_boot"] = boot.noise_ceiling
    out.update(inference.model_tests(boot.scores, boot.noise_ceiling[0], boot.dof))
    return out


# -- trsa ------------------------------------------------------------------------------------
def run_trsa(inputs: list[Dataset], params: dict[str, Any], progress: Progress) -> dict:
    sets = [to_rdms(ds, params, progress.sub(0.0, 0.2)) for ds in inputs]
    conds = sets[0].conditions
    for s, ds in zip(sets[1:], inputs[1:], strict=True):
        if not np.array_equal(s.conditions, conds):
            raise InputError(f"{ds.name} has other conditions than {inputs[0].name}")
    vecs = np.concatenate([s.vectors for s in sets])
    groups = np.concatenate([
        s.groups if s.groups is not None else np.full(s.vectors.shape[0], ds.name)
        for s, ds in zip(sets, inputs, strict=True)]).astype(str)
    subjects = np.concatenate([s.subjects for s in sets]).astype(str)
    pooled = params["quantiles"] == "pooled"
    gt = topology.gt_transform(vecs, params["lower"], params["upper"], scale=params["scale"],
                               pooled=pooled)
    progress.update(0.3, "geodesic distances")
    gd = topology.geodesic(gt)
    out: dict[str, Any] = {
        "rdms": rdm.to_matrices(vecs), "rgtm": rdm.to_matrices(gt), "rgdm": rdm.to_matrices(gd),
        "conditions": conds, "rdm_names": np.concatenate([s.names for s in sets]).astype(str),
        "rdm_subjects": subjects, "rdm_groups": groups}
    n_grid = params["grid"]
    if n_grid >= 2 and np.unique(groups).size >= 2 and np.unique(subjects).size >= 2:
        steps = np.linspace(0.0, 1.0, n_grid)
        ident = topology.identification(
            vecs, groups, subjects, steps, steps, scale=params["scale"], pooled=pooled,
            use_geodesic=params["evaluate"] == "rgdm", n_bootstrap=params["n_bootstrap"],
            seed=params["seed"], progress=progress.sub(0.35, 1.0))
        out.update(ident)
    return out
