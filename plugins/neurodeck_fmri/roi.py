"""ROI time-series extraction with nilearn maskers (``roi-extract``).

A label atlas (3-D, one integer per region) goes through ``NiftiLabelsMasker``
(mean of the voxels of each label); a probabilistic atlas (4-D, one map per region)
through ``NiftiMapsMasker`` (least-squares fit of the maps to each volume). The
atlas is resampled to the run's grid (nearest neighbour for labels, continuous for
maps). Cleaning (detrend, confound regression, band-pass, standardisation) is
nilearn's ``signal.clean``, applied in that order.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.data import FmriRun
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress

from .io import _load, label_names

STANDARDIZE = {"off": False, "zscore": "zscore_sample", "psc": "psc"}


def run(inputs: list[Any], params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    (fmri,) = inputs
    if not isinstance(fmri, FmriRun) or len(fmri.shape) != 4:
        raise InputError(f"{fmri.name} is not a 4-D fMRI run")
    atlas_path = Path(params["atlas"])
    progress.update(0.05, "loading the atlas")
    atlas_img = _load(atlas_path)
    kind = params["atlas_kind"]
    if kind == "auto":
        kind = "probabilistic" if len(atlas_img.shape) == 4 else "labels"
    if kind == "labels" and len(atlas_img.shape) != 3:
        raise ParameterError(f"a label atlas must be 3-D; {atlas_path.name} has shape "
                             f"{tuple(atlas_img.shape)}")
    if kind == "probabilistic" and len(atlas_img.shape) != 4:
        raise ParameterError(f"a probabilistic atlas must be 4-D (one map per region); "
                             f"{atlas_path.name} has shape {tuple(atlas_img.shape)}")
    confounds = _confounds(params.get("confounds"), fmri.n_volumes)
    options = dict(
        standardize=STANDARDIZE[params["standardize"]], detrend=params["detrend"],
        low_pass=params.get("low_pass"), high_pass=params.get("high_pass"), t_r=fmri.tr,
    )
    _check_band(options, fmri.tr)
    progress.update(0.15, "extracting region signals")
    from nilearn.maskers import NiftiLabelsMasker, NiftiMapsMasker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nilearn's resampling/future notices
        if kind == "labels":
            masker = NiftiLabelsMasker(atlas_img, resampling_target="data", **options)
        else:
            masker = NiftiMapsMasker(atlas_img, resampling_target="data", **options)
        series = masker.fit_transform(fmri.img, confounds=confounds)
    progress.check()
    progress.update(0.9, "naming regions")
    regions = _region_names(params.get("labels"), atlas_path, masker, kind,
                            series.shape[1])
    return {"timeseries": np.asarray(series.T, dtype=np.float64),
            "regions": np.asarray(regions, dtype=str),
            "tr": np.float64(fmri.tr)}


def _check_band(options: dict[str, Any], tr: float) -> None:
    nyquist = 0.5 / tr
    lo, hi = options["high_pass"], options["low_pass"]
    for name, f in (("low_pass", hi), ("high_pass", lo)):
        if f is not None and f >= nyquist:
            raise ParameterError(f"{name} {f} Hz is at or above the Nyquist frequency "
                                 f"{nyquist:.4g} Hz (TR {tr} s)")
    if lo is not None and hi is not None and lo >= hi:
        raise ParameterError(f"high_pass {lo} Hz must be below low_pass {hi} Hz")


def _confounds(path: str | None, n_volumes: int) -> np.ndarray | None:
    if not path:
        return None
    import pandas as pd

    p = Path(path)
    sep = "\t" if p.suffix.lower() in (".tsv", ".txt") else ","
    try:
        table = pd.read_csv(p, sep=sep)
    except (OSError, ValueError) as exc:
        raise ParameterError(f"confounds {p.name}: {exc}") from exc
    values = table.select_dtypes("number").to_numpy(dtype=float)
    if values.shape[0] != n_volumes:
        raise ParameterError(f"confounds {p.name} has {values.shape[0]} rows for "
                             f"{n_volumes} volumes")
    # fMRIPrep derivatives are NaN in the first row: the usual fill is zero.
    return np.nan_to_num(values, nan=0.0)


def _region_names(lut: str | None, atlas_path: Path, masker: Any, kind: str, n: int) -> list[str]:
    if kind == "labels":
        values = [int(v) for v in masker.labels_ if int(v) != 0] if hasattr(
            masker, "labels_") else None
        names = label_names(Path(lut) if lut else None, atlas_path) or {}
        if values is not None and len(values) == n:
            return [names.get(v, f"region{v}") for v in values]
        return [f"region{i + 1}" for i in range(n)]
    names = label_names(Path(lut), atlas_path) if lut else None
    if names and len(names) == n:
        return [names[k] for k in sorted(names)]
    return [f"map{i}" for i in range(n)]
