"""The data model: what a neuroscientist opens, builds and gets back (no Qt, no MNE import)."""

from .base import Dataset
from .connectome import Connectome
from .events import Events
from .image import Atlas, FmriRun
from .patterns import Patterns
from .recording import Epochs, Recording
from .result import Result
from .spikes import SpikeTrains
from .timeseries import ArrayTimeSeries, RoiTimeSeries, TimeSeries, Traces

__all__ = [
    "ArrayTimeSeries", "Atlas", "Connectome", "Dataset", "Epochs", "Events", "FmriRun",
    "Patterns", "Recording", "Result", "RoiTimeSeries", "SpikeTrains", "TimeSeries", "Traces",
]
