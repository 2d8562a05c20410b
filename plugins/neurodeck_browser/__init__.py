"""Views for data: the time-series browser (recordings, traces, ROI series, spike
rasters), the fMRI slice viewer and the connectome view.

Declarations only: the Qt widgets are imported by the GUI on first use.
"""

from neurodeck.plugin_api import View, hookimpl

VIEWS = [
    View(id="browser", title="Browser", accepts=("recording", "timeseries", "spikes"),
         widget="neurodeck_browser.browser:BrowserView", priority=100),
    View(id="fmri-slices", title="Slices", accepts=("fmri", "atlas"),
         widget="neurodeck_browser.fmri:FmriView", priority=100),
    View(id="connectome", title="Connectome", accepts=("connectome",),
         widget="neurodeck_browser.connectome:ConnectomeView", priority=100),
]


@hookimpl
def neurodeck_views():
    return list(VIEWS)
