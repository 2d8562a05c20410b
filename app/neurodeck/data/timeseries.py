"""Channels x time data: the common ground of recordings, traces and ROI series."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Dataset
from .events import Events


def _labels(labels: Sequence[Any] | None, n: int, prefix: str) -> list[str]:
    if labels is None:
        return [f"{prefix}{i}" for i in range(n)]
    out = [str(x) for x in labels]
    if len(out) != n:
        raise ValueError(f"{len(out)} labels given for {n} rows")
    return out


def _rate(sfreq: float | None, what: str = "a time series") -> float:
    if sfreq is None:  # never a silent 1 Hz: every number in seconds would be wrong
        raise ValueError(f"{what} needs its sampling rate: pass sfreq=<samples per second>")
    if not np.isfinite(sfreq) or sfreq <= 0:
        raise ValueError(f"sampling rate must be positive, got {sfreq}")
    return float(sfreq)


def _as_2d(data: Any, what: str) -> Any:
    """Keep array-likes lazy (h5py datasets, memmaps) but check their shape."""
    if not hasattr(data, "shape") or not hasattr(data, "__getitem__"):
        data = np.asarray(data, dtype=float)
    if len(data.shape) != 2:
        raise ValueError(f"{what} must be 2-D (rows x time), got shape {tuple(data.shape)}")
    return data


class TimeSeries(Dataset, ABC):
    """Rows (channels, neurons, regions) sampled at a fixed rate.

    ``get_data`` reads only the requested window, so subclasses may keep the
    samples on disk.
    """

    kinds: ClassVar[tuple[str, ...]] = ("timeseries",)

    @property
    @abstractmethod
    def labels(self) -> list[str]:
        """One label per row."""

    @property
    @abstractmethod
    def sfreq(self) -> float:
        """Sampling rate in Hz."""

    @property
    @abstractmethod
    def n_times(self) -> int:
        """Number of samples."""

    @property
    def row_types(self) -> list[str]:
        """One type per row (``eeg``, ``neuron``, ``roi``...): views scale per type."""
        return [self.kinds[0]] * len(self.labels)

    @property
    def events(self) -> Events:
        return Events.empty()

    @property
    def n_rows(self) -> int:
        return len(self.labels)

    @property
    def duration(self) -> float:
        return self.n_times / self.sfreq

    @property
    def times(self) -> np.ndarray:
        return np.arange(self.n_times) / self.sfreq

    @abstractmethod
    def get_data(
        self, start: int = 0, stop: int | None = None, picks: Sequence[int] | None = None
    ) -> np.ndarray:
        """Samples ``start:stop`` of rows ``picks`` as a float array (rows x samples)."""

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update(
            rows=self.n_rows,
            samples=self.n_times,
            sfreq=round(float(self.sfreq), 6),
            duration_s=round(self.duration, 3),
        )
        source = self.meta.get("sfreq_source") if isinstance(self.meta, dict) else None
        if source:  # where the rate came from (a header, a time column, the user...)
            out["sfreq_from"] = source
        return out


class ArrayTimeSeries(TimeSeries):
    """A time series held in one array-like (numpy, memmap or h5py dataset)."""

    edit_ops: ClassVar[dict[str, str]] = {"set_annotations": "annotations"}

    row_prefix: ClassVar[str] = "ch"

    def __init__(
        self,
        data: Any,
        labels: Sequence[Any] | None = None,
        sfreq: float | None = None,
        *,
        events: Events | None = None,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        super().__init__(name=name, source=source, meta=meta)
        self._data = _as_2d(data, type(self).__name__)
        self._labels = _labels(labels, self._data.shape[0], self.row_prefix)
        self._sfreq = _rate(sfreq)
        self._events = events if events is not None else Events.empty()

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def sfreq(self) -> float:
        return self._sfreq

    @property
    def n_times(self) -> int:
        return int(self._data.shape[1])

    @property
    def events(self) -> Events:
        return self._events

    def set_events(self, events: Events) -> None:
        """Replace the events (the browser's annotation editing)."""
        self._events = events
        self._edited("set_annotations")

    def edit_state(self) -> dict[str, dict[str, Any]]:
        return {"set_annotations": self._events.to_json()}

    def apply_edit(self, op: str, values: Mapping[str, Any]) -> None:
        if op == "set_annotations":
            self.set_events(Events.from_json(values))
        else:
            super().apply_edit(op, values)

    @property
    def data(self) -> np.ndarray:
        """All samples (rows x time) as a numpy array (reads lazy data into memory)."""
        return np.asarray(self._data, dtype=float)

    def get_data(self, start=0, stop=None, picks=None) -> np.ndarray:
        stop = self.n_times if stop is None else min(int(stop), self.n_times)
        start = max(int(start), 0)
        if picks is None:
            block = self._data[:, start:stop]
        else:
            idx = np.asarray(picks, dtype=int)
            # h5py wants increasing indices; read sorted then restore the order.
            order = np.argsort(idx)
            block = np.asarray(self._data[np.sort(idx).tolist(), start:stop])
            block = block[np.argsort(order)]
        return np.asarray(block, dtype=float)


class Traces(TimeSeries):
    """Neural activity traces (neurons x time), from one or several animals.

    ``Traces(data, labels, sfreq)`` holds one animal. For several animals pass
    lists: ``Traces([a1, a2], [labels1, labels2], sfreq, animals=["w1", "w2"])``.
    Neuron labels are aligned by name across animals by :meth:`aligned`.
    """

    kinds: ClassVar[tuple[str, ...]] = ("traces", "timeseries")
    edit_ops: ClassVar[dict[str, str]] = {"set_annotations": "annotations"}

    def __init__(
        self,
        data: Any,
        labels: Sequence[Any] | Sequence[Sequence[Any]] | None = None,
        sfreq: float | None = None,
        *,
        animals: Sequence[str] | None = None,
        events: Events | None = None,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        super().__init__(name=name, source=source, meta=meta)
        several = isinstance(data, (list, tuple))
        arrays = list(data) if several else [data]
        if not arrays:
            raise ValueError("Traces needs at least one array")
        if several:
            label_sets = list(labels) if labels is not None else [None] * len(arrays)
            if len(label_sets) != len(arrays):
                raise ValueError(f"{len(label_sets)} label lists for {len(arrays)} animals")
        else:
            label_sets = [labels]
        self.arrays: list[Any] = [_as_2d(a, "Traces") for a in arrays]
        self.animal_labels: list[list[str]] = [
            _labels(lab, a.shape[0], "n") for lab, a in zip(label_sets, self.arrays, strict=True)
        ]
        self.animals: list[str] = (
            [str(a) for a in animals] if animals is not None
            else [f"animal{i}" for i in range(len(self.arrays))]
        )
        if len(self.animals) != len(self.arrays):
            raise ValueError(f"{len(self.animals)} animal names for {len(self.arrays)} arrays")
        self._sfreq = _rate(sfreq)
        self._events = events if events is not None else Events.empty()
        self._current = 0

    # -- several animals ------------------------------------------------------
    @property
    def n_animals(self) -> int:
        return len(self.arrays)

    def animal(self, index: int | str) -> Traces:
        """One animal as its own single-animal ``Traces``."""
        i = self.animals.index(index) if isinstance(index, str) else int(index)
        return Traces(
            self.arrays[i], self.animal_labels[i], self._sfreq, animals=[self.animals[i]],
            events=self._events, name=f"{self.name}:{self.animals[i]}", source=self.source,
            meta=self.meta,
        )

    @classmethod
    def combine(cls, datasets: Sequence[Traces], names: Sequence[str] | None = None,
                name: str | None = None) -> Traces:
        """Several (single- or multi-animal) ``Traces`` as one multi-animal dataset.

        Animal names: ``names``, else each input's study member key or name. All must share
        one sampling rate (resample first, e.g. with a transform, and say so).
        """
        datasets = list(datasets)
        if not datasets:
            raise ValueError("nothing to combine")
        rates = {round(ds.sfreq, 9) for ds in datasets}
        if len(rates) > 1:
            raise ValueError("the animals have different sampling rates ("
                             + ", ".join(f"{ds.name}: {ds.sfreq:g} Hz" for ds in datasets)
                             + "); resample them to one rate first")
        arrays, labels, animals = [], [], []
        for k, ds in enumerate(datasets):
            key = (ds.meta.get("study") or {}).get("member") if isinstance(
                ds.meta.get("study"), dict) else None
            base = names[k] if names is not None else (key or ds.name)
            for i in range(ds.n_animals):
                arrays.append(ds.arrays[i])
                labels.append(ds.animal_labels[i])
                animals.append(base if ds.n_animals == 1 else f"{base}:{ds.animals[i]}")
        seen: dict[str, int] = {}
        for i, a in enumerate(animals):  # distinct names, in order
            if a in seen:
                seen[a] += 1
                animals[i] = f"{a} ({seen[a]})"
            else:
                seen[a] = 1
        return cls(arrays, labels, datasets[0].sfreq, animals=animals,
                   events=datasets[0].events, name=name or f"{len(animals)} animals")

    def all_labels(self) -> list[str]:
        """The union of neuron labels in first-seen order."""
        seen: dict[str, None] = {}
        for labs in self.animal_labels:
            for lab in labs:
                seen.setdefault(lab, None)
        return list(seen)

    def aligned(self, labels: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
        """Animals x neurons x time with NaN where a neuron is missing in an animal.

        Animals shorter than the longest are NaN-padded at the end.
        """
        labels = list(labels) if labels is not None else self.all_labels()
        n_t = max(a.shape[1] for a in self.arrays)
        out = np.full((self.n_animals, len(labels), n_t), np.nan, dtype=np.float32)
        for k, (arr, labs) in enumerate(zip(self.arrays, self.animal_labels, strict=True)):
            where = {lab: i for i, lab in enumerate(labs)}
            rows = [(j, where[lab]) for j, lab in enumerate(labels) if lab in where]
            if rows:
                dst, src = zip(*rows, strict=True)
                block = np.asarray(arr, dtype=np.float32)
                out[k, list(dst), : arr.shape[1]] = block[list(src)]
        return out, labels

    # -- the TimeSeries view shows the first animal ---------------------------
    @property
    def labels(self) -> list[str]:
        return list(self.animal_labels[self._current])

    @property
    def sfreq(self) -> float:
        return self._sfreq

    @property
    def n_times(self) -> int:
        return int(self.arrays[self._current].shape[1])

    @property
    def events(self) -> Events:
        return self._events

    def set_events(self, events: Events) -> None:
        """Replace the events (the browser's annotation editing)."""
        self._events = events
        self._edited("set_annotations")

    def edit_state(self) -> dict[str, dict[str, Any]]:
        return {"set_annotations": self._events.to_json()}

    def apply_edit(self, op: str, values: Mapping[str, Any]) -> None:
        if op == "set_annotations":
            self.set_events(Events.from_json(values))
        else:
            super().apply_edit(op, values)

    @property
    def row_types(self) -> list[str]:
        return ["neuron"] * self.n_rows

    @property
    def data(self) -> np.ndarray:
        """Neurons x time of a single-animal dataset."""
        if self.n_animals != 1:
            raise ValueError(
                f"{self.name} holds {self.n_animals} animals: use .arrays, .animal(i) or .aligned()"
            )
        return np.asarray(self.arrays[0], dtype=float)

    def get_data(self, start=0, stop=None, picks=None) -> np.ndarray:
        arr = self.arrays[self._current]
        view = ArrayTimeSeries(arr, self.animal_labels[self._current], self._sfreq)
        return view.get_data(start, stop, picks)

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        if self.n_animals > 1:
            out["animals"] = self.n_animals
            out["neurons_total"] = len(self.all_labels())
        return out


class RoiTimeSeries(ArrayTimeSeries):
    """Regions x time BOLD (or other) signals, one row per atlas region.

    ``tr`` is the repetition time in seconds; ``atlas`` names the parcellation.
    """

    kinds: ClassVar[tuple[str, ...]] = ("roi_timeseries", "timeseries")
    row_prefix: ClassVar[str] = "roi"

    def __init__(
        self,
        data: Any,
        regions: Sequence[Any] | None = None,
        tr: float | None = None,
        *,
        atlas: str | None = None,
        events: Events | None = None,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        if tr is None:
            raise ValueError("ROI time series need their repetition time: pass tr=<seconds>")
        if not np.isfinite(tr) or tr <= 0:
            raise ValueError(f"TR must be positive, got {tr}")
        super().__init__(
            data, regions, 1.0 / tr, events=events, name=name, source=source, meta=meta
        )
        self.tr = float(tr)
        self.atlas = atlas

    @property
    def regions(self) -> list[str]:
        return self.labels

    @property
    def row_types(self) -> list[str]:
        return ["roi"] * self.n_rows

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["tr_s"] = self.tr
        if self.atlas:
            out["atlas"] = self.atlas
        return out
