"""Continuous electrophysiology recordings, with an MNE ``Raw`` underneath."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .events import Events
from .timeseries import TimeSeries


class Recording(TimeSeries):
    """A continuous recording: channels x time, channel types, annotations, bad channels.

    Wraps an ``mne.io.BaseRaw``; readers open it with ``preload=False`` so that
    :meth:`get_data` reads only the requested window from disk.
    """

    kinds: ClassVar[tuple[str, ...]] = ("recording", "timeseries")
    edit_ops: ClassVar[dict[str, str]] = {"set_bads": "bad channels",
                                          "set_annotations": "annotations"}

    def __init__(
        self,
        raw: Any,
        *,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        if source is None and getattr(raw, "filenames", None):
            first = raw.filenames[0]
            source = Path(first) if first is not None else None
        super().__init__(name=name, source=source, meta=meta)
        self.raw = raw

    @classmethod
    def from_mne(cls, raw: Any, **kwargs: Any) -> Recording:
        return cls(raw, **kwargs)

    @property
    def labels(self) -> list[str]:
        return list(self.raw.ch_names)

    @property
    def sfreq(self) -> float:
        return float(self.raw.info["sfreq"])

    @property
    def n_times(self) -> int:
        return int(self.raw.n_times)

    @property
    def row_types(self) -> list[str]:
        return list(self.raw.get_channel_types())

    @property
    def bads(self) -> list[str]:
        return list(self.raw.info["bads"])

    @bads.setter
    def bads(self, names: list[str]) -> None:
        self.raw.info["bads"] = [n for n in names if n in self.raw.ch_names]
        self._edited("set_bads")

    @property
    def events(self) -> Events:
        ann = self.raw.annotations
        # Annotation onsets are relative to meas_date; first_time aligns them to sample 0.
        onset = np.asarray(ann.onset, float) - float(self.raw.first_time)
        return Events(onset, np.asarray(ann.duration, float), list(ann.description))

    def set_events(self, events: Events) -> None:
        """Replace the annotations (used by the browser's annotation editing)."""
        import mne

        self.raw.set_annotations(
            mne.Annotations(
                events.onset + float(self.raw.first_time), events.duration, events.label,
                orig_time=self.raw.annotations.orig_time,
            )
        )
        self._edited("set_annotations")

    def edit_state(self) -> dict[str, dict[str, Any]]:
        return {"set_bads": {"bads": self.bads}, "set_annotations": self.events.to_json()}

    def apply_edit(self, op: str, values: Mapping[str, Any]) -> None:
        if op == "set_bads":
            self.bads = [str(b) for b in values["bads"]]
        elif op == "set_annotations":
            self.set_events(Events.from_json(values))
        else:
            super().apply_edit(op, values)

    def display_copy(self) -> Any | None:
        """A copy of the samples made for views only, when the raw offers one (a raw
        computed window by window, e.g. a filtered recording: ``raw.display_copy()``, a
        float32 file built by the view in the background; see
        ``neurodeck_mne.display_cache``); None when it offers none. The same object on each
        call until it is closed. Analyses never read it: they read :meth:`get_data`."""
        copy = self.__dict__.get("_display_copy")
        if copy is None or getattr(copy, "closed", False):
            maker = getattr(self.raw, "display_copy", None)
            copy = maker() if callable(maker) else None
            self.__dict__["_display_copy"] = copy
        return copy

    def get_data(self, start=0, stop=None, picks=None) -> np.ndarray:
        stop = self.n_times if stop is None else min(int(stop), self.n_times)
        start = max(int(start), 0)
        if stop <= start:
            n = len(self.labels) if picks is None else len(picks)
            return np.zeros((n, 0))
        picks = None if picks is None else np.asarray(picks, dtype=int)
        return self.raw.get_data(picks=picks, start=start, stop=stop)

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        types: dict[str, int] = {}
        for t in self.row_types:
            types[t] = types.get(t, 0) + 1
        out["channel_types"] = types
        out["annotations"] = len(self.raw.annotations)
        if self.bads:
            out["bads"] = self.bads
        return out


class Epochs(TimeSeries):
    """Trials cut around events: epochs x channels x time with a condition label per epoch.

    Built from arrays (``Epochs(data, conditions, sfreq, labels, tmin)``) or from an
    ``mne.Epochs`` with :meth:`from_mne`.
    """

    kinds: ClassVar[tuple[str, ...]] = ("epochs",)

    def __init__(
        self,
        data: Any,
        conditions: Any,
        sfreq: float,
        labels: list[str] | None = None,
        tmin: float = 0.0,
        *,
        runs: Any = None,
        mne_epochs: Any = None,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        super().__init__(name=name, source=source, meta=meta)
        self._data = data
        shape = tuple(data.shape)
        if len(shape) != 3:
            raise ValueError(f"epochs must be 3-D (epochs x channels x time), got {shape}")
        self.conditions = np.asarray([str(c) for c in conditions])
        if len(self.conditions) != shape[0]:
            raise ValueError(f"{len(self.conditions)} conditions for {shape[0]} epochs")
        self.runs = None if runs is None else np.asarray(runs)
        self._labels = labels or [f"ch{i}" for i in range(shape[1])]
        self._sfreq = float(sfreq)
        self.tmin = float(tmin)
        self.mne_epochs = mne_epochs

    @classmethod
    def from_mne(cls, epochs: Any, **kwargs: Any) -> Epochs:
        inv = {v: k for k, v in epochs.event_id.items()}
        conditions = [inv.get(int(code), str(code)) for code in epochs.events[:, 2]]
        data = epochs.get_data(copy=False) if epochs.preload else _LazyEpochs(epochs)
        return cls(data, conditions, epochs.info["sfreq"], list(epochs.ch_names),
                   float(epochs.tmin), mne_epochs=epochs, **kwargs)

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def sfreq(self) -> float:
        return self._sfreq

    @property
    def n_times(self) -> int:
        return int(self._data.shape[2])

    @property
    def n_epochs(self) -> int:
        return int(self._data.shape[0])

    @property
    def times(self) -> np.ndarray:
        return self.tmin + np.arange(self.n_times) / self._sfreq

    @property
    def data(self) -> np.ndarray:
        return np.asarray(self._data[:], dtype=float)

    def get_data(self, start=0, stop=None, picks=None) -> np.ndarray:
        """The average over epochs (a quick look; analyses use :attr:`data`)."""
        block = self.data[:, :, start:stop]
        if picks is not None:
            block = block[:, np.asarray(picks, int)]
        return block.mean(axis=0)

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["epochs"] = self.n_epochs
        out["conditions"] = sorted(set(self.conditions.tolist()))
        return out


class _LazyEpochs:
    """Reads epochs from an unloaded ``mne.Epochs`` only when indexed."""

    def __init__(self, epochs: Any):
        self._epochs = epochs
        self.shape = (len(epochs.events), len(epochs.ch_names), len(epochs.times))

    def __getitem__(self, item: Any) -> np.ndarray:
        return self._epochs.get_data(copy=True)[item]
