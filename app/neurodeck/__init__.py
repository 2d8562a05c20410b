"""neurodeck: open neuroscience data, run modern analyses, look at the results.

The headless API::

    import neurodeck
    rec = neurodeck.open("sub-01_eeg.edf")
    res = neurodeck.run("fc", rec, method="pearson")
    res["matrix"], res.provenance
    res.save("fc.h5")
    filt = neurodeck.transform("filter", rec, l_freq=1.0, h_freq=40.0)  # a new dataset
    study = neurodeck.open_study("bids_root/")          # many subjects, opened lazily

Nothing here imports Qt, MNE or any analysis code at import time.
"""

from ._version import __version__
from .api import analyses, open, open_study, plugins, run, study, transform, transforms
from .data import (
    Atlas,
    Connectome,
    Dataset,
    Epochs,
    Events,
    FmriRun,
    Patterns,
    Recording,
    Result,
    RoiTimeSeries,
    SpikeTrains,
    Study,
    TimeSeries,
    Traces,
)
from .errors import (
    Cancelled,
    InputError,
    LayoutChoiceNeeded,
    NeurodeckError,
    ParameterError,
    PluginError,
    ReadError,
)
from .jobs.progress import Progress

__all__ = [
    "Atlas", "Cancelled", "Connectome", "Dataset", "Epochs", "Events", "FmriRun", "InputError",
    "LayoutChoiceNeeded",
    "NeurodeckError", "ParameterError", "Patterns", "PluginError", "Progress", "ReadError",
    "Recording", "Result", "RoiTimeSeries", "SpikeTrains", "Study", "TimeSeries", "Traces",
    "__version__", "analyses", "open", "open_study", "plugins", "run", "study", "transform",
    "transforms",
]
