"""Paths of the bundled fMRI samples (provenance: resources/samples/README.md)."""

from pathlib import Path

from neurodeck.paths import resource_path


def fmri_run() -> Path:
    return resource_path("samples", "nitime_fmri1.nii.gz")


def roi_series() -> Path:
    return resource_path("samples", "nitime_rest_roi_timeseries.csv")
