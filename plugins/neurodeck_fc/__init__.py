"""Functional connectivity: correlation and partial correlation between rows of any
time series (EEG channels, neurons, brain regions)."""

from neurodeck.plugin_api import Analysis, Bool, Choice, Float, Text, View, hookimpl, optional

FC = Analysis(
    id="fc",
    title="Functional connectivity",
    category="Connectivity",
    description=(
        "Pairwise Pearson correlation between channels, neurons or regions over a chosen "
        "time span, or partial correlation from a shrinkage (Ledoit-Wolf) estimate of the "
        "covariance, which removes the shared influence of all other rows."
    ),
    reference=(
        "Smith et al. (2011) Network modelling methods for FMRI, NeuroImage 54:875; "
        "Ledoit & Wolf (2004) A well-conditioned estimator for large-dimensional "
        "covariance matrices, J Multivar Anal 88:365."
    ),
    accepts=("timeseries",),
    run="neurodeck_fc.compute:run",
    params=[
        Choice("method", "pearson", choices=("pearson", "partial"),
               help="pearson: correlation; partial: partial correlation (shrinkage covariance)"),
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
    ],
    outputs={
        "matrix": "n x n connectivity (r, partial r, or Fisher z); diagonal 1 (inf for z -> 0)",
        "labels": "n row labels, in matrix order",
        "n_samples": "number of time points used",
        "shrinkage": optional("partial: the covariance shrinkage used (0-1; the Ledoit-Wolf "
                              "estimate unless given)"),
    },
)


@hookimpl
def neurodeck_analyses():
    return [FC]


@hookimpl
def neurodeck_views():
    return [View(id="fc-matrix", title="Connectivity matrix", accepts=("result:fc",),
                 widget="neurodeck_fc.view:ConnectivityView", priority=10)]
