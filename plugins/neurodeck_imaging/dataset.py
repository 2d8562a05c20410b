"""Datasets of calcium imaging: a segmented plane (ROIs, their traces, curation) and a movie.

:class:`ImagingPlane` is a :class:`~neurodeck.Traces` (one row per ROI, the raw
fluorescence ``F``), so every traces analysis and view takes it; it also holds the
neuropil trace ``Fneu``, the tool's deconvolved ``spks``, the ROI pixels, the
cell/not-cell classification and the plane's images (mean, max, correlation). The
classification is an in-place *edit* (``set_cells``): the session makes each change an
undoable command and workspaces save it.

:class:`Movie` is frames x rows x columns of one plane and channel, left on disk
(memory-mapped or read page by page, see :mod:`neurodeck_imaging.tiff`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from neurodeck.data import ArrayTimeSeries, Dataset, Events, Traces

from .rois import RoiSet

#: Names of the signals an ImagingPlane may hold, in words.
SIGNALS = {"F": "raw fluorescence", "Fneu": "neuropil fluorescence",
           "spks": "deconvolved (by the segmenting tool)", "C": "denoised calcium",
           "F_dff": "dF/F (by the segmenting tool)", "YrA": "residual"}


class ImagingPlane(Traces):
    """ROIs of one imaging plane (or a combined view of planes) and their traces.

    ``F`` is ROIs x frames (array-like; memory-mapped ``.npy`` stays on disk). ``iscell``
    is one bool per ROI; ``cell_prob`` the classifier's probability (NaN when unknown).
    ``images`` maps a name (``mean``, ``max``, ``corr``...) to a 2-D array in the plane's
    pixel grid ``rois.shape`` (cropped images are padded with NaN by the readers).
    ``signals`` holds further ROIs x frames arrays by name (``Fneu``, ``spks``...).
    """

    kinds: ClassVar[tuple[str, ...]] = ("imaging", "traces", "timeseries")
    edit_ops: ClassVar[dict[str, str]] = {"set_annotations": "annotations",
                                          "set_cells": "cell curation"}

    def __init__(self, F: Any, sfreq: float, rois: RoiSet, *,
                 iscell: Sequence[bool] | np.ndarray | None = None,
                 cell_prob: Sequence[float] | np.ndarray | None = None,
                 signals: Mapping[str, Any] | None = None,
                 images: Mapping[str, np.ndarray] | None = None,
                 labels: Sequence[str] | None = None,
                 events: Events | None = None, name: str | None = None,
                 source: str | Path | None = None, meta: Mapping[str, Any] | None = None):
        n = int(F.shape[0]) if hasattr(F, "shape") else len(F)
        labels = list(labels) if labels is not None else [f"roi{i}" for i in range(n)]
        super().__init__(F, labels, sfreq, events=events, name=name, source=source, meta=meta)
        if rois.n != n:
            raise ValueError(f"{rois.n} ROIs for {n} traces")
        self.rois = rois
        flags = np.ones(n, dtype=bool) if iscell is None else \
            np.asarray(iscell, dtype=float).reshape(-1) > 0.5
        if flags.shape != (n,):
            raise ValueError(f"{flags.size} cell flags for {n} ROIs")
        self._iscell = flags
        #: The classification as the file gave it (what "revert" goes back to).
        self.iscell_original = flags.copy()
        prob = np.full(n, np.nan) if cell_prob is None else \
            np.asarray(cell_prob, dtype=float).reshape(-1)
        if prob.shape != (n,):
            raise ValueError(f"{prob.size} cell probabilities for {n} ROIs")
        self.cell_prob = prob
        self.signals: dict[str, Any] = {}
        for key, arr in (signals or {}).items():
            if tuple(arr.shape) != tuple(F.shape):
                raise ValueError(f"{key} has shape {tuple(arr.shape)}, F {tuple(F.shape)}")
            self.signals[key] = arr
        self.images: dict[str, np.ndarray] = {}
        for key, img in (images or {}).items():
            img = np.asarray(img, dtype=np.float32)
            if img.shape != rois.shape:
                raise ValueError(f"image {key!r} is {img.shape}, the plane {rois.shape}")
            self.images[key] = img

    # -- cells ---------------------------------------------------------------------------
    @property
    def iscell(self) -> np.ndarray:
        """One bool per ROI (a copy: change it with :meth:`set_cells`)."""
        return self._iscell.copy()

    @property
    def n_rois(self) -> int:
        return self.rois.n

    @property
    def cells(self) -> np.ndarray:
        """Indices of the ROIs classified as cells."""
        return np.flatnonzero(self._iscell)

    def set_cells(self, iscell: Sequence[bool] | np.ndarray) -> None:
        """Replace the classification (curation): an undoable edit."""
        flags = np.asarray(iscell, dtype=bool).reshape(-1)
        if flags.shape != self._iscell.shape:
            raise ValueError(f"{flags.size} cell flags for {self.n_rois} ROIs")
        if np.array_equal(flags, self._iscell):
            return
        self._iscell = flags.copy()
        self._edited("set_cells")

    def toggle_cell(self, index: int) -> None:
        """Cell <-> not cell for ROI ``index``."""
        flags = self._iscell.copy()
        flags[int(index)] = not flags[int(index)]
        with self.editing(f"Mark {self.labels[int(index)]} as "
                          f"{'cell' if flags[int(index)] else 'not a cell'}"):
            self.set_cells(flags)

    def edit_state(self) -> dict[str, dict[str, Any]]:
        out = super().edit_state()
        out["set_cells"] = {"iscell": [int(v) for v in self._iscell]}
        return out

    def apply_edit(self, op: str, values: Mapping[str, Any]) -> None:
        if op == "set_cells":
            self.set_cells(np.asarray(values["iscell"], dtype=int) > 0)
        else:
            super().apply_edit(op, values)

    # -- signals ---------------------------------------------------------------------------
    def signal(self, key: str = "F") -> ArrayTimeSeries:
        """One of the plane's signals (``F``, ``Fneu``, ``spks``...) as a time series."""
        arr = self.arrays[0] if key == "F" else self.signals.get(key)
        if arr is None:
            have = ", ".join(["F", *self.signals])
            raise KeyError(f"{self.name} has no signal {key!r} (it has {have})")
        return ArrayTimeSeries(arr, self.labels, self.sfreq, name=f"{self.name} {key}")

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update(rois=self.n_rois, cells=int(self._iscell.sum()),
                   image_shape="x".join(str(s) for s in self.rois.shape),
                   signals=", ".join(["F", *self.signals]))
        if self.images:
            out["images"] = ", ".join(self.images)
        if "sfreq_source" in self.meta:
            out["sfreq_source"] = self.meta["sfreq_source"]
        return out


class Movie(Dataset):
    """Frames x rows x columns of one plane and channel, read only where asked.

    ``data`` is any array-like with that shape (a ``np.memmap`` or a page reader);
    ``frame(i)`` and ``frames(a, b)`` read only those frames.
    """

    kinds: ClassVar[tuple[str, ...]] = ("movie",)

    def __init__(self, data: Any, sfreq: float, *, name: str | None = None,
                 source: str | Path | None = None, meta: Mapping[str, Any] | None = None):
        super().__init__(name=name, source=source, meta=meta)
        if len(data.shape) != 3:
            raise ValueError(f"a movie is frames x rows x columns, got {tuple(data.shape)}")
        self.data = data
        if not np.isfinite(sfreq) or sfreq <= 0:
            raise ValueError(f"frame rate must be positive, got {sfreq}")
        self.sfreq = float(sfreq)

    @property
    def n_frames(self) -> int:
        return int(self.data.shape[0])

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.data.shape)  # type: ignore[return-value]

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.data.dtype)

    def frame(self, index: int) -> np.ndarray:
        return np.asarray(self.data[int(index)])

    def frames(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(self.data[int(start):int(stop)])

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        t, y, x = self.shape
        out.update(frames=t, height=y, width=x, dtype=str(self.dtype),
                   sfreq=round(self.sfreq, 6), duration_s=round(t / self.sfreq, 3))
        for key in ("sfreq_source", "format", "plane", "channel", "storage"):
            if key in self.meta:
                out[key] = self.meta[key]
        return out
