"""The ``brainmae`` analysis: check inputs against the checkpoint, run each subject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurodeck.data import Result, RoiTimeSeries
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress
from neurodeck.safety.limits import require_finite

from . import checkpoint, gaussian
from .config import BrainMAEConfig
from .infer import n_masked, normalise, run_scan
from .model_np import NumpyBrainMAE


def check_input(ds: RoiTimeSeries, config: BrainMAEConfig) -> None:
    """Refuse data the checkpoint was not trained for; nothing is resampled silently."""
    arch = config.architecture
    where = f"{ds.name}: "
    if ds.n_rows != arch.n_regions:
        raise InputError(
            f"{where}{ds.n_rows} regions, but the checkpoint was trained on {arch.n_regions} "
            f"({config.atlas or 'its atlas'}); extract ROI time series with that atlas")
    if abs(ds.tr - config.tr) > config.tr_tolerance * config.tr:
        raise InputError(
            f"{where}TR {ds.tr:g} s, but the checkpoint was trained at TR {config.tr:g} s; "
            "BrainMAE does not resample: use a checkpoint trained at this TR, or resample "
            "the data yourself")
    if ds.n_times < arch.segment_length:
        raise InputError(f"{where}{ds.n_times} frames, fewer than one segment "
                         f"({arch.segment_length} frames)")
    if config.regions and sorted(ds.regions) == sorted(config.regions) \
            and list(ds.regions) != list(config.regions):
        raise InputError(f"{where}the regions are the checkpoint's but in another order; "
                         "reorder the rows to the checkpoint's region order")


def as_roi_series(ds: Any) -> RoiTimeSeries:
    """ROI time series from a dataset, or from the fMRI plugin's ``roi-extract`` result
    (4D NIfTI + atlas -> regions x time), so the two analyses chain."""
    if isinstance(ds, RoiTimeSeries):
        return ds
    if isinstance(ds, Result) and ds.analysis == "roi-extract":
        return RoiTimeSeries(ds["timeseries"], [str(r) for r in ds["regions"]],
                             tr=float(ds["tr"]), name=ds.name)
    raise InputError(f"{ds.name} is {ds.kind}, not ROI time series")


def _load(path: str) -> tuple[BrainMAEConfig, NumpyBrainMAE]:
    config, weights = checkpoint.load(path)
    return config, NumpyBrainMAE(config, weights)


#: Shrinkage of a subject's own covariance when the checkpoint does not name one.
DEFAULT_SHRINKAGE = 0.1


def baseline_covariances(inputs: Sequence[RoiTimeSeries], config: BrainMAEConfig,
                         model: NumpyBrainMAE, source: str) -> tuple[list[np.ndarray], str]:
    """The Gaussian baseline's covariance for each subject, and a sentence saying where
    it came from. ``checkpoint``: the training scans' (stored with the checkpoint; a
    checkpoint without one falls back to ``subject``); ``subject``: each subject's own
    scan, which has seen the hidden frames (an optimistic, in-sample reference)."""
    stored = model.w.get(checkpoint.BASELINE_COVARIANCE)
    info = config.baseline or {}
    if source == "checkpoint" and stored is not None:
        scans = info.get("scans") or []
        text = (f"checkpoint: pooled over its {len(scans)} training scans"
                f"{' (' + str(info['frames']) + ' frames)' if info.get('frames') else ''}, "
                f"shrinkage {info['shrinkage']:g}")
        return [stored.astype(np.float64)] * len(inputs), text
    amount = float(info.get("shrinkage", DEFAULT_SHRINKAGE))
    eps = float(config.normalisation.get("eps", 1e-6))
    covs = [gaussian.shrink(gaussian.pooled_covariance([normalise(ds.data, eps)[0]]), amount)
            for ds in inputs]
    text = (f"subject: each subject's own scan (in-sample, it includes the hidden frames), "
            f"shrinkage {amount:g}")
    if source == "checkpoint":
        text += "; the checkpoint stores no covariance"
    return covs, text


def run(inputs: Sequence[RoiTimeSeries], params: dict[str, Any],
        progress: Progress) -> dict[str, np.ndarray]:
    progress.update(0.0, "loading checkpoint")
    config, model = _load(params["checkpoint"])
    n = config.architecture.n_regions
    ratio = float(params["mask_ratio"])
    if n_masked(n, ratio) != round(ratio * n):
        raise ParameterError(f"parameter 'mask_ratio': {ratio} hides "
                             f"{round(ratio * n)} of {n} regions; between 1 and {n - 2} "
                             "must be hidden (two stay visible)")
    inputs = [as_roi_series(ds) for ds in inputs]
    for ds in inputs:
        check_input(ds, config)
        require_finite(ds.data, ds.name, ("region", "frame"))
    covs, cov_source = baseline_covariances(inputs, config, model,
                                            str(params.get("gaussian_covariance",
                                                           "checkpoint")))
    rng = np.random.default_rng(int(params["seed"]))
    results = []
    for k, ds in enumerate(inputs):
        progress.update(k / len(inputs), f"subject {k + 1}/{len(inputs)}: {ds.name}")
        results.append(run_scan(model, ds.data, ratio, rng, check=progress.check,
                                covariance=covs[k]))
    progress.update(1.0, "collecting results")

    frames = np.array([r.z.shape[1] for r in results])
    weights = frames / frames.sum()
    per_subject = {
        "reconstruction_error": np.stack([r.error for r in results]),
        "baseline_error_mean": np.stack([r.error_mean for r in results]),
        "baseline_error_nearest": np.stack([r.error_nearest for r in results]),
        "baseline_error_gaussian": np.stack([r.error_gaussian for r in results]),
    }
    out: dict[str, np.ndarray] = {
        "reconstruction": np.concatenate([r.reconstruction for r in results], axis=1),
        "original": np.concatenate([np.asarray(ds.data, float) for ds in inputs], axis=1),
        "baseline_reconstruction_gaussian": np.concatenate(
            [r.reconstruction_gaussian for r in results], axis=1),
        "baseline_gaussian_covariance": np.array(cov_source),
        "embedding": np.stack([r.embedding for r in results]),
        "segment_embeddings": np.concatenate([r.segment_embeddings for r in results]),
        "segment_subject": np.concatenate([np.full(len(r.segment_starts), k)
                                           for k, r in enumerate(results)]),
        "segment_start": np.concatenate([r.segment_starts for r in results]),
        "attention": model.attention().astype(np.float64),
        "subjects": np.array([ds.name for ds in inputs]),
        "subject_frames": frames,
        "regions": np.array(list(config.regions) or list(inputs[0].regions)),
        "tr": np.array(config.tr),
    }
    for name, errors in per_subject.items():
        # frame-weighted over subjects, and per subject
        out[name] = np.einsum("s,sr->r", weights, errors)
        out["subject_" + name] = errors
    pred = model.predict(out["embedding"].astype(np.float32))
    if pred is not None:
        out["prediction"] = pred.astype(np.float64)
        out["prediction_names"] = np.array(list(config.head.outputs))
    return out
