"""The ``brainmae`` analysis: check inputs against the checkpoint, run each subject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurodeck.data import Result, RoiTimeSeries
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress

from . import checkpoint
from .config import BrainMAEConfig
from .infer import n_masked, run_scan
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
    rng = np.random.default_rng(int(params["seed"]))
    results = []
    for k, ds in enumerate(inputs):
        progress.update(k / len(inputs), f"subject {k + 1}/{len(inputs)}: {ds.name}")
        results.append(run_scan(model, ds.data, ratio, rng, check=progress.check))
    progress.update(1.0, "collecting results")

    frames = np.array([r.z.shape[1] for r in results])
    weights = frames / frames.sum()
    out: dict[str, np.ndarray] = {
        "reconstruction": np.concatenate([r.reconstruction for r in results], axis=1),
        "original": np.concatenate([np.asarray(ds.data, float) for ds in inputs], axis=1),
        "reconstruction_error": np.einsum("s,sr->r", weights,
                                          np.stack([r.error for r in results])),
        "subject_reconstruction_error": np.stack([r.error for r in results]),
        "baseline_error_mean": np.einsum("s,sr->r", weights,
                                         np.stack([r.error_mean for r in results])),
        "baseline_error_nearest": np.einsum("s,sr->r", weights,
                                            np.stack([r.error_nearest for r in results])),
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
    pred = model.predict(out["embedding"].astype(np.float32))
    if pred is not None:
        out["prediction"] = pred.astype(np.float64)
        out["prediction_names"] = np.array(list(config.head.outputs))
    return out
