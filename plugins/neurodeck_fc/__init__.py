"""Functional connectivity: correlation and partial correlation between rows of any
time series (EEG channels, neurons, brain regions), and spectral measures per frequency band
(coherence, imaginary coherence, PLV, PLI/wPLI, envelope correlation) through
mne-connectivity, on epochs or a continuous span."""

from neurodeck.plugin_api import Analysis, Bool, Choice, Float, Text, View, hookimpl, optional

#: mne-connectivity's measures offered (neurodeck_fc.spectral.METHODS, repeated here so the
#: declaration imports nothing).
SPECTRAL_METHODS = ("coh", "imcoh", "plv", "ciplv", "pli", "wpli", "wpli2_debiased",
                    "envelope")

FC = Analysis(
    id="fc",
    title="Functional connectivity",
    category="Connectivity",
    description=(
        "Pairwise Pearson correlation between channels, neurons or regions over a chosen "
        "time span, or partial correlation from a shrinkage (Ledoit-Wolf) estimate of the "
        "covariance, which removes the shared influence of all other rows. Spectral "
        "measures per frequency band through mne-connectivity: coherence (coh), imaginary "
        "coherence (imcoh), phase-locking value (plv, ciplv), phase lag index (pli), "
        "weighted PLI (wpli, wpli2_debiased), amplitude envelope correlation (envelope); on "
        "epochs, or on a continuous span cut into segments."
    ),
    reference=(
        "Smith et al. (2011) Network modelling methods for FMRI, NeuroImage 54:875; "
        "Ledoit & Wolf (2004) A well-conditioned estimator for large-dimensional "
        "covariance matrices, J Multivar Anal 88:365; Nolte et al. (2004) Clin "
        "Neurophysiol 115:2292; Lachaux et al. (1999) Hum Brain Mapp 8:194; Stam et al. "
        "(2007) Hum Brain Mapp 28:1178; Vinck et al. (2011) NeuroImage 55:1548; Hipp et "
        "al. (2012) Nat Neurosci 15:884."
    ),
    accepts=("timeseries", "epochs"),
    run="neurodeck_fc.methods:run",
    params=[
        Choice("method", "pearson", choices=("pearson", "partial", *SPECTRAL_METHODS),
               help="pearson: correlation; partial: partial correlation (shrinkage "
                    "covariance); coh, imcoh, plv, ciplv, pli, wpli, wpli2_debiased, "
                    "envelope: spectral measures per band (mne-connectivity)"),
        Float("shrinkage", None, optional=True, minimum=0.0, maximum=1.0,
              help="Covariance shrinkage for partial correlation, 0-1; empty = Ledoit-Wolf"),
        Float("tmin", None, optional=True, minimum=0.0, label="Start (s)",
              help="Start of the span (s); empty = start"),
        Float("tmax", None, optional=True, minimum=0.0, label="End (s)",
              help="End of the span (s); empty = end"),
        Text("channel_types", "data", label="Row types", help="Comma-separated row types to keep "
             "(e.g. 'eeg' or 'eeg,eog'); 'data' keeps data rows (no stim/misc), 'all' keeps all"),
        Bool("exclude_bads", True, help="Leave out channels marked bad"),
        Bool("fisher_z", False, label="Fisher z", help="Return Fisher z (arctanh) instead of r"),
        Text("bands", "delta=1-4, theta=4-8, alpha=8-13, beta=13-30, gamma=30-45",
             help="Spectral: frequency bands, name=low-high in Hz"),
        Choice("mode", "multitaper", choices=("multitaper", "fourier", "cwt_morlet"),
               help="Spectral: how spectra are estimated (mne-connectivity's mode)"),
        Float("mt_bandwidth", None, optional=True, minimum=0.0,
              help="Spectral, multitaper: bandwidth (Hz); empty = mne-connectivity's default"),
        Float("cwt_n_cycles", 7.0, minimum=1.0, help="Spectral, cwt_morlet: wavelet cycles"),
        Float("segment", 2.0, minimum=0.05, help="Spectral, continuous data: length (s) of "
              "the segments used as epochs"),
        Bool("orthogonalize", True, help="envelope: pairwise orthogonalisation (Hipp et "
             "al. 2012), removing zero-lag leakage"),
    ],
    outputs={
        "matrix": "n x n connectivity (r, partial r, or Fisher z); diagonal 1 (inf for z -> 0)",
        "labels": "n row labels, in matrix order",
        "n_samples": "number of time points used",
        "shrinkage": optional("partial: the covariance shrinkage used (0-1; the Ledoit-Wolf "
                              "estimate unless given)"),
        "band_matrices": optional("spectral: n_bands x n x n, one matrix per band (matrix "
                                  "is the first band)"),
        "band_names": optional("spectral: the bands' names"),
        "bands": optional("spectral: n_bands x 2 band edges (Hz)"),
        "n_epochs": optional("spectral: epochs (or segments) averaged"),
    },
)


@hookimpl
def neurodeck_analyses():
    return [FC]


@hookimpl
def neurodeck_views():
    return [View(id="fc-matrix", title="Connectivity matrix", accepts=("result:fc",),
                 widget="neurodeck_fc.view:ConnectivityView", priority=10)]
