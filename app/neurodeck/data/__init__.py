"""The data model: what a neuroscientist opens, builds and gets back (no Qt, no MNE import)."""

from .base import Dataset
from .connectome import Connectome
from .events import Events
from .image import Atlas, FmriRun
from .patterns import Patterns
from .recording import Epochs, Recording
from .result import Result
from .spikes import SpikeTrains
from .study import Member, Study
from .timeseries import ArrayTimeSeries, RoiTimeSeries, TimeSeries, Traces
from .windowed import WindowedArray

__all__ = [
    "ArrayTimeSeries", "Atlas", "Connectome", "Dataset", "Epochs", "Events", "FmriRun",
    "Member", "Patterns", "Recording", "Result", "RoiTimeSeries", "SpikeTrains", "Study",
    "TimeSeries", "Traces", "WindowedArray",
]
