"""Volumetric images: fMRI runs and atlases (nibabel images underneath)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Dataset


class FmriRun(Dataset):
    """A 3-D or 4-D image (x, y, z[, time]) with an affine and a TR.

    Holds a nibabel image whose voxels stay on disk until sliced (nibabel's
    array proxy), so opening a large run costs only its header.
    """

    kinds: ClassVar[tuple[str, ...]] = ("fmri",)

    def __init__(
        self,
        img: Any,
        tr: float | None = None,
        *,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        if source is None and getattr(img, "get_filename", None):
            source = img.get_filename()
        super().__init__(name=name, source=source, meta=meta)
        self.img = img
        if tr is None:
            zooms = img.header.get_zooms()
            tr = float(zooms[3]) if len(zooms) > 3 and zooms[3] > 0 else 1.0
        self.tr = float(tr)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.img.shape)

    @property
    def n_volumes(self) -> int:
        return self.shape[3] if len(self.shape) > 3 else 1

    @property
    def affine(self) -> np.ndarray:
        return np.asarray(self.img.affine)

    def volume(self, t: int = 0) -> np.ndarray:
        """One 3-D volume, read from disk on demand."""
        proxy = self.img.dataobj
        if len(self.shape) > 3:
            return np.asarray(proxy[..., int(t)], dtype=np.float32)
        return np.asarray(proxy, dtype=np.float32)

    def voxel_series(self, i: int, j: int, k: int) -> np.ndarray:
        proxy = self.img.dataobj
        if len(self.shape) > 3:
            return np.asarray(proxy[i, j, k, :], dtype=np.float32)
        return np.asarray([proxy[i, j, k]], dtype=np.float32)

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update(shape=list(self.shape), tr_s=self.tr,
                   voxel_mm=[round(float(z), 3) for z in self.img.header.get_zooms()[:3]])
        return out


class Atlas(Dataset):
    """A label atlas: a 3-D integer image plus region names per label value."""

    kinds: ClassVar[tuple[str, ...]] = ("atlas",)

    def __init__(
        self,
        img: Any,
        region_names: Mapping[int, str] | Sequence[str] | None = None,
        *,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        if source is None and getattr(img, "get_filename", None):
            source = img.get_filename()
        super().__init__(name=name, source=source, meta=meta)
        self.img = img
        values = np.unique(np.asarray(img.dataobj, dtype=np.int64))
        values = values[values != 0]
        if region_names is None:
            names = {int(v): f"region{int(v)}" for v in values}
        elif isinstance(region_names, Mapping):
            names = {int(k): str(v) for k, v in region_names.items()}
        else:
            names = {int(v): str(n) for v, n in zip(values, region_names, strict=False)}
        self.region_names: dict[int, str] = names

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update(shape=list(self.img.shape), regions=len(self.region_names))
        return out
