"""Calcium imaging: suite2p / CaImAn / TIFF readers, the imaging view and movie player, and
the transforms from fluorescence to events (neuropil, dF/F, z-score, OASIS, events).

Declarations only: nothing heavy is imported here (see docs/imaging.md).
"""

from neurodeck.plugin_api import (
    Choice,
    FilePath,
    Float,
    Reader,
    Transform,
    View,
    Writer,
    hookimpl,
)

ROIS = Choice("rois", "cells", choices=("cells", "all"),
              help="Imaging planes: keep the ROIs classified as cells (as curated when the "
                   "transform runs) or all ROIs; other traces keep every row")


@hookimpl
def neurodeck_readers():
    return [
        Reader(id="suite2p", title="suite2p output (plane folder, suite2p/ folder, Fall.mat)",
               extensions=("suite2p", "fall.mat"), read="neurodeck_imaging.suite2p:read",
               sniff="neurodeck_imaging.suite2p:sniff", produces=("imaging", "study"),
               members="neurodeck_imaging.suite2p:members", priority=20),
        Reader(id="caiman", title="CaImAn results (HDF5 saved by CNMF.save)",
               extensions=(".hdf5", ".h5"), read="neurodeck_imaging.caiman:read",
               sniff="neurodeck_imaging.caiman:sniff", produces=("imaging",), priority=20),
        Reader(id="tiff-movie", title="Imaging movie (TIFF: ScanImage, OME, ImageJ)",
               extensions=(".tif", ".tiff", ".ome.tif", ".ome.tiff"),
               read="neurodeck_imaging.tiff:read", sniff="neurodeck_imaging.tiff:sniff",
               produces=("movie", "study"), members="neurodeck_imaging.tiff:members"),
    ]


@hookimpl
def neurodeck_writers():
    return [Writer(id="suite2p-iscell", title="suite2p cell classification (iscell.npy)",
                   extensions=("iscell.npy",), accepts=("imaging",),
                   write="neurodeck_imaging.writers:write_iscell")]


@hookimpl
def neurodeck_transforms():
    ref_oasis = ("Friedrich, Zhou & Paninski (2017) Fast online deconvolution of calcium "
                 "imaging data, PLoS Comput Biol 13:e1005423 (OASIS; oasis-deconv).")
    return [
        Transform(
            id="neuropil", title="Neuropil correction", category="Imaging",
            description="F - r x Fneu for every ROI: subtracts the neuropil signal "
                        "(surrounding ring) scaled by r (suite2p's default 0.7).",
            reference="Pachitariu et al. (2017) Suite2p, bioRxiv 061507; Chen et al. "
                      "(2013) Nature 499:295 (r = 0.7).",
            accepts=("imaging",), produces=("traces",), storage="lazy",
            run="neurodeck_imaging.transforms:run_neuropil",
            params=[Float("r", 0.7, minimum=0.0, maximum=2.0,
                          help="Neuropil coefficient"), ROIS],
        ),
        Transform(
            id="dff", title="dF/F (running-percentile baseline)", category="Imaging",
            description="(F - F0) / F0 with F0 the running percentile of F over a "
                        "centred window (shrinking at the ends), evaluated exactly every "
                        "step_s and linearly interpolated between. Frames whose F0 <= 0 "
                        "are NaN (subtract neuropil after, or shift, such traces).",
            reference="Jia, Rochefort, Chen & Konnerth (2011) In vivo two-photon imaging "
                      "of sensory-evoked dendritic calcium signals in cortical neurons, "
                      "Nat Protoc 6:28 (percentile baselines: Dombeck et al. 2007).",
            accepts=("traces",), produces=("traces",), storage="lazy",
            run="neurodeck_imaging.transforms:run_dff",
            params=[Float("percentile", 8.0, minimum=0.0, maximum=100.0,
                          help="Percentile of the window taken as the baseline F0"),
                    Float("window_s", 60.0, minimum=0.0, help="Baseline window (s)"),
                    Float("step_s", 1.0, minimum=0.0,
                          help="Baseline evaluated exactly every step_s seconds and "
                               "interpolated between (0: at every frame)"),
                    ROIS],
        ),
        Transform(
            id="zscore", title="z-score", category="Imaging",
            description="(x - mean) / SD of each row over the whole recording (SD with "
                        "ddof 0, NaN ignored); a constant row becomes NaN.",
            accepts=("traces",), produces=("traces",), storage="lazy",
            run="neurodeck_imaging.transforms:run_zscore", params=[ROIS],
        ),
        Transform(
            id="deconvolve", title="Deconvolution (OASIS)", category="Imaging",
            description="OASIS spike inference per trace: AR(1) or AR(2) calcium dynamics, "
                        "L1 (noise-constrained) or L0 sparsity, baseline and noise "
                        "estimated by oasis-deconv; time constants given or estimated "
                        "from the autocovariance. Output: spike estimates (or the "
                        "denoised calcium) per frame.",
            reference=ref_oasis, accepts=("traces",), produces=("traces",),
            storage="memory", run="neurodeck_imaging.transforms:run_deconvolve",
            params=[Choice("model", "ar1", choices=("ar1", "ar2"),
                           help="AR(1): decay only; AR(2): rise and decay"),
                    Float("tau_d", None, optional=True, minimum=1e-3,
                          help="Decay time constant (s); empty: estimated per trace"),
                    Float("tau_r", None, optional=True, minimum=1e-4,
                          help="Rise time constant (s), AR(2) only; empty: estimated"),
                    Choice("penalty", "l1", choices=("l1", "l0"),
                           help="l1: convex, noise-constrained; l0: thresholded"),
                    Choice("output", "spikes", choices=("spikes", "calcium"),
                           help="Spike estimates s, or the denoised calcium c"),
                    ROIS],
        ),
        Transform(
            id="detect-events", title="Event detection", category="Imaging",
            description="Events as spike trains (for the HMM-GLM and raster views). "
                        "zscore: onsets where the robust z-score (median, 1.4826 MAD) "
                        "rises through the threshold, at least min_interval_s apart. "
                        "deconvolved: runs of consecutive frames with spike estimates "
                        "(above 0.1 x the row's unit amplitude, the mass-weighted median "
                        "estimate) are bursts of round(sum / unit) events at the run's peak "
                        "(none below min_fraction x unit). auto: deconvolved for OASIS output, "
                        "else zscore.",
            accepts=("traces",), produces=("spikes",), storage="memory",
            run="neurodeck_imaging.transforms:run_events",
            params=[Choice("method", "auto", choices=("auto", "zscore", "deconvolved")),
                    Float("threshold", 3.0, minimum=0.0,
                          help="zscore: onset threshold in robust SDs"),
                    Float("min_fraction", 0.5, minimum=0.0,
                          help="deconvolved: smallest burst counted, as a fraction of the "
                               "unit amplitude"),
                    Float("min_interval_s", 0.2, minimum=0.0,
                          help="zscore: minimum time between onsets (s)"),
                    ROIS],
        ),
        Transform(
            id="roi-traces", title="ROI traces from a movie (ImageJ ROI set)",
            category="Imaging",
            description="Mean of each ROI of an ImageJ ROI set (.roi or .zip, read by "
                        "roifile) in every frame, and of a neuropil ring around it; the "
                        "result is an imaging plane (curate, neuropil-correct, dF/F).",
            accepts=("movie",), produces=("imaging",), storage="memory",
            run="neurodeck_imaging.roiset:run",
            params=[FilePath("rois", None, help="ImageJ ROI set (.zip) or ROI (.roi)",
                             filter="ImageJ ROIs (*.zip *.roi)"),
                    Float("ring_px", 6.0, minimum=0.0,
                          help="Neuropil ring width in pixels (0: no neuropil trace)")],
        ),
    ]


@hookimpl
def neurodeck_views():
    return [
        View(id="imaging", title="Imaging (ROIs)", accepts=("imaging",),
             widget="neurodeck_imaging.view:ImagingView", priority=20),
        View(id="movie", title="Movie", accepts=("movie",),
             widget="neurodeck_imaging.movie_view:MovieView", priority=20),
    ]
