"""fMRI: NIfTI runs and atlases (nibabel), ROI time series (tables, nilearn maskers).

Views (slices, atlas overlay) live in ``neurodeck_browser``.
"""

from neurodeck.plugin_api import (
    Analysis,
    Bool,
    Choice,
    FilePath,
    Float,
    Reader,
    SampleData,
    hookimpl,
)

ROI_EXTRACT = Analysis(
    id="roi-extract",
    title="ROI time series from an atlas",
    category="fMRI",
    description=(
        "Average the BOLD signal within each region of a user-provided label atlas "
        "(nilearn NiftiLabelsMasker) or fit the maps of a probabilistic atlas "
        "(NiftiMapsMasker), after resampling the atlas to the run; optional detrending, "
        "confound regression, band-pass filtering and standardisation (nilearn "
        "signal.clean). Open the result as neurodeck.RoiTimeSeries(res['timeseries'], "
        "res['regions'], float(res['tr']))."
    ),
    reference=(
        "Abraham et al. (2014) Machine learning for neuroimaging with scikit-learn, "
        "Front Neuroinform 8:14 (nilearn)."
    ),
    accepts=("fmri",),
    run="neurodeck_fmri.roi:run",
    params=[
        FilePath("atlas", None, help="Label atlas (3-D NIfTI, one integer per region) or "
                 "probabilistic atlas (4-D NIfTI, one map per region)",
                 filter="NIfTI (*.nii *.nii.gz)"),
        Choice("atlas_kind", "auto", choices=("auto", "labels", "probabilistic"),
               help="auto: 3-D -> labels, 4-D -> probabilistic"),
        FilePath("labels", None, optional=True, help="Region names table ('index name' "
                 "rows); empty = the .tsv/.csv/.txt beside the atlas, if any"),
        Choice("standardize", "off", choices=("off", "zscore", "psc"),
               help="zscore: each region to mean 0, SD 1 (n-1); psc: percent signal change"),
        Bool("detrend", False, help="Remove a linear trend from each region"),
        FilePath("confounds", None, optional=True, help="Confound table (TSV/CSV, one row "
                 "per volume; numeric columns are regressed out)"),
        Float("low_pass", None, optional=True, minimum=0.0, help="Low-pass cut-off (Hz)"),
        Float("high_pass", None, optional=True, minimum=0.0, help="High-pass cut-off (Hz)"),
    ],
    outputs={
        "timeseries": "regions x time signals",
        "regions": "region names, in row order",
        "tr": "repetition time of the run (s)",
    },
)


@hookimpl
def neurodeck_readers():
    return [
        Reader(id="nifti", title="NIfTI image (fMRI run or label atlas)",
               extensions=(".nii", ".nii.gz"), read="neurodeck_fmri.io:read_nifti",
               sniff="neurodeck_fmri.io:sniff_nifti", produces=("fmri", "atlas")),
        # Claims a CSV/TSV only when a TR is known (tr= or a sidecar); otherwise the
        # traces reader takes it.
        Reader(id="roi-table", title="ROI time series (CSV/TSV with TR, AFNI .1D)",
               extensions=(".1d", ".csv", ".tsv"), read="neurodeck_fmri.io:read_roi_table",
               produces=("roi_timeseries",), priority=10),
    ]


FMRI_QC = Analysis(
    id="fmri-qc",
    title="fMRI quality: tSNR, global signal, DVARS",
    category="fMRI",
    description=(
        "Per voxel: temporal mean, standard deviation and signal-to-noise ratio (mean / "
        "SD); per volume: the global signal and DVARS (RMS over the brain mask of the "
        "change from the previous volume). The mask is nilearn's compute_epi_mask of the "
        "mean image. Needs nothing but the run."
    ),
    reference=(
        "Triantafyllou et al. (2005) NeuroImage 26:243 (tSNR); Power et al. (2012) "
        "NeuroImage 59:2142 (DVARS)."
    ),
    accepts=("fmri",),
    run="neurodeck_fmri.qc:run",
    params=[],
    outputs={
        "mean": "temporal mean per voxel", "std": "temporal SD (n - 1) per voxel",
        "tsnr": "mean / SD per voxel (0 where SD is 0)", "mask": "brain mask (EPI mask)",
        "global_signal": "mean over the mask of each volume",
        "dvars": "RMS over the mask of each volume's change from the previous one",
        "median_tsnr": "median tSNR in the mask", "times": "volume onsets (s)",
        "tr": "repetition time (s)",
    },
)


@hookimpl
def neurodeck_analyses():
    return [ROI_EXTRACT, FMRI_QC]


@hookimpl
def neurodeck_sample_data():
    return [
        SampleData(
            id="fmri-run", title="fMRI: 4-D BOLD run, 10x10x18x40 (nitime)",
            path="neurodeck_fmri.samples:fmri_run", kind="fmri",
            description="A small human BOLD run, TR 1.35 s, from nitime's example data "
                        "(BSD-3-Clause).",
        ),
        SampleData(
            id="fmri-roi-series", title="fMRI: resting-state ROI time series, 31 regions "
            "(nitime)", path="neurodeck_fmri.samples:roi_series", kind="roi_timeseries",
            description="250 volumes, TR 1.89 s, one subject (nitime example data, "
                        "BSD-3-Clause).",
        ),
    ]
