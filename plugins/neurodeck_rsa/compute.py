"""The ``rsa`` and ``trsa`` analyses: datasets in, named arrays out."""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import Dataset, Result
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress

from . import identification, inference, models, rdm, timecourse, topology
from .inputs import _from_result, _split_inputs, gather, to_rdms
from .models import Model


def _load_models(inputs: list[Dataset], p: dict[str, Any], conditions: np.ndarray
                 ) -> list[Model]:
    n_cond = conditions.size
    out: list[Model] = []
    for ds in inputs:
        if not isinstance(ds, Result) or ("rdms" not in ds and "features" not in ds):
            raise InputError(f"the model input {ds.name} must be a result with an 'rdms' "
                             "or a 'features' array")
        if "features" in ds:
            names = [str(x) for x in ds["feature_names"]] if "feature_names" in ds else None
            conds = np.asarray(ds["conditions"]).astype(str) if "conditions" in ds else None
            out += _feature_models(np.asarray(ds["features"], float), names, conds,
                                   conditions, p, ds.name)
            continue
        m = _from_result(ds)
        names = [str(x) for x in ds["model_names"]] if "model_names" in ds else m.names
        out += [Model(nm, v[None]) for nm, v in zip(names, m.vectors, strict=True)]
    if p.get("models"):
        from .models_io import read_models

        arr, nm = read_models(p["models"])
        out += [Model(n, v[None]) for n, v in zip(nm, rdm.to_vectors(arr), strict=True)]
    if p.get("features"):
        from .models_io import read_features

        feats, names, conds = read_features(p["features"])
        out += _feature_models(feats, names, conds, conditions, p, "features")
    for m in out:
        if rdm.n_from_pairs(m.components.shape[1]) != n_cond:
            n = rdm.n_from_pairs(m.components.shape[1])
            raise InputError(f"model {m.name!r} is {n} x {n} but the data have {n_cond} "
                             "conditions")
    if p.get("weighted") and out:
        fixed = [m for m in out if not m.weighted]
        if len(fixed) < 2:
            raise ParameterError("weighted=True combines the model RDMs into one weighted "
                                 "model; it needs at least 2 model RDMs")
        out.append(Model("weighted: " + " + ".join(m.name for m in fixed),
                         np.concatenate([m.components for m in fixed]), True,
                         tuple(m.name for m in fixed)))
    return out


def _feature_models(feats: np.ndarray, names: list[str] | None, conds: np.ndarray | None,
                    conditions: np.ndarray, p: dict[str, Any], stem: str) -> list[Model]:
    """Rows matched to the data's conditions by label when the table names them."""
    feats = np.atleast_2d(feats.T).T if feats.ndim == 1 else feats
    if conds is not None:
        index = {c: i for i, c in enumerate(conds)}
        missing = [c for c in conditions if c not in index]
        if missing:
            raise InputError(f"{stem}: no features for condition(s) {', '.join(missing[:5])}")
        feats = feats[[index[c] for c in conditions]]
    elif feats.shape[0] != conditions.size:
        raise InputError(f"{stem}: {feats.shape[0]} feature rows for {conditions.size} "
                         "conditions (add a condition column to match them by label)")
    names = names or [f"feature {i + 1}" for i in range(feats.shape[1])]
    kind = p.get("feature_model", "per_feature")
    comps = models.feature_rdms(feats, kind)
    if kind != "per_feature":
        return [Model(f"{stem} ({kind})", comps)]
    if comps.shape[0] == 1:
        return [Model(f"{stem}: {names[0]}", comps)]
    return [Model(f"{stem} (weighted: {', '.join(names)})", comps, True, tuple(names))]


# -- rsa -----------------------------------------------------------------------------------
def run_rsa(inputs: list[Dataset], params: dict[str, Any], progress: Progress) -> dict:
    data_in, model_in = _split_inputs(inputs)
    data = gather(data_in, params, progress.sub(0.0, 0.4))
    out: dict[str, Any] = {"conditions": data.conditions}
    if data.times is not None:
        out["times"] = data.times
    if "span" in data.extra:
        out["span"] = data.extra["span"]
    subjects = np.asarray(data.subjects)
    if data.times is not None and np.unique(subjects).size > 1:
        # one RDM per subject and window would be n_subj x n_win x n x n: keep the
        # subject mean per window (per-subject scores are in model_fixed)
        n_win = data.times.size
        out["rdms"] = rdm.to_matrices(data.vectors.reshape(-1, n_win, data.vectors.shape[1])
                                      .mean(axis=0))
        out["rdm_names"] = np.array([f"mean | {t:.3f} s" for t in data.times])
        out["subject_names"] = rdm.first_seen(subjects)[0]
    else:
        out["rdms"] = rdm.to_matrices(data.vectors)
        out["rdm_names"] = np.asarray(data.names)
        out["rdm_subjects"] = subjects
    mlist = _load_models(model_in, params, data.conditions)
    if not mlist:
        return out
    method = params["compare"]
    fitter = params.get("fitter", "nnls")
    out["model_names"] = np.asarray([m.name for m in mlist])
    out["model_rdms"] = rdm.to_matrices(np.array([
        models.predict(m, models.fit_weights(m.components, data.vectors, method, fitter)
                       if m.weighted else None) for m in mlist]))
    k_max = max(m.n_components for m in mlist)
    if any(m.weighted for m in mlist):
        # weights fitted to all data RDMs (what model_rdms shows); scores are
        # cross-validated over subjects
        weights = np.full((len(mlist), k_max), np.nan)
        for i, m in enumerate(mlist):
            if m.weighted:
                weights[i, :m.n_components] = models.fit_weights(
                    m.components, data.vectors, method, fitter)
        out["model_weights"] = weights
        out["model_components"] = np.array(
            [list(m.component_names) + [""] * (k_max - len(m.component_names)) for m in mlist])
    if data.times is not None:
        out.update(timecourse.evaluate(mlist, data, params, inputs=data_in,
                                       progress=progress.sub(0.4, 1.0)))
        return out
    fixed = np.array([models.crossval_scores(m, data.vectors, subjects, method, fitter)[0]
                      for m in mlist])
    out["model_fixed"] = fixed
    out["model_mean"] = fixed.mean(axis=1)
    out["noise_ceiling"] = np.array(inference.noise_ceiling(data.vectors, method))
    mode = params["bootstrap"]
    if mode == "fixed":
        return out
    if mode == "epochs":
        raise ParameterError("bootstrap='epochs' is for time-resolved RSA of epochs; use "
                             "conditions, subjects or both here")
    if mode in ("subjects", "both") and data.vectors.shape[0] < 2:
        raise ParameterError("bootstrapping subjects needs at least 2 RDMs")
    rng = np.random.default_rng(params["seed"])
    samples = inference.draw_samples(data.vectors.shape[0], data.conditions.size, mode,
                                     params["n_bootstrap"], rng)
    boot = inference.bootstrap(mlist, data.vectors, method, samples, progress.sub(0.4, 1.0),
                               fitter=fitter)
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
    scale = params.get("scale", "rank")
    geo = params.get("geodesic", "reference")
    gt = topology.gt_transform(vecs, params["lower"], params["upper"], scale=scale,
                               pooled=pooled)
    progress.update(0.3, "geodesic distances")
    gd = topology.geodesic(gt, method=geo)
    out: dict[str, Any] = {
        "rdms": rdm.to_matrices(vecs), "rgtm": rdm.to_matrices(gt), "rgdm": rdm.to_matrices(gd),
        "conditions": conds, "rdm_names": np.concatenate([s.names for s in sets]).astype(str),
        "rdm_subjects": subjects, "rdm_groups": groups}
    times = [s.times for s in sets if s.times is not None]
    if times:
        # per-window transforms; identification needs one RDM per subject and region,
        # so it is done on a tmin..tmax span instead
        out["times"] = times[0]
        return out
    n_grid = params["grid"]
    if n_grid >= 2 and np.unique(groups).size >= 2 and np.unique(subjects).size >= 2:
        steps = np.linspace(0.0, 1.0, n_grid)
        result = identification.identification(
            vecs, groups, subjects, steps, steps, scale=scale, pooled=pooled,
            geodesic=geo if params["evaluate"] == "rgdm" else None,
            classifier=params.get("identify", "correlation"),
            bootstrap=params.get("bootstrap", "subjects"), n_bootstrap=params["n_bootstrap"],
            seed=params["seed"], progress=progress.sub(0.35, 1.0))
        out.update(result)
    return out
