"""Regions of interest of an imaging plane: pixel lists with weights, held compactly.

Every source is brought to one representation (suite2p ``stat`` ypix/xpix/lam, CaImAn's
sparse spatial footprints ``A``, ImageJ polygons rasterised): ROI ``k`` owns pixels
``ypix[ptr[k]:ptr[k+1]]``, ``xpix[...]`` with weights ``lam[...]`` in an image of
``shape`` (rows, columns). Outlines and the label image used by the views are derived
from it on demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RoiSet:
    """ROIs as concatenated pixel lists (CSR by ROI)."""

    shape: tuple[int, int]
    ptr: np.ndarray
    ypix: np.ndarray
    xpix: np.ndarray
    lam: np.ndarray

    @classmethod
    def from_lists(cls, shape: tuple[int, int], ypix: Sequence[np.ndarray],
                   xpix: Sequence[np.ndarray], lam: Sequence[np.ndarray] | None = None
                   ) -> RoiSet:
        ys = [np.asarray(y, dtype=np.int64).reshape(-1) for y in ypix]
        xs = [np.asarray(x, dtype=np.int64).reshape(-1) for x in xpix]
        if lam is None:
            ls = [np.ones(len(y)) for y in ys]
        else:
            ls = [np.asarray(v, dtype=np.float64).reshape(-1) for v in lam]
        for k, (y, x, v) in enumerate(zip(ys, xs, ls, strict=True)):
            if not len(y) == len(x) == len(v):
                raise ValueError(f"ROI {k}: {len(y)} ypix, {len(x)} xpix, {len(v)} weights")
        ptr = np.concatenate([[0], np.cumsum([len(y) for y in ys])]).astype(np.int64)
        def cat(a, dt):
            return (np.concatenate(a).astype(dt) if a else np.zeros(0, dt))
        return cls.checked(shape, ptr, cat(ys, np.int64), cat(xs, np.int64),
                           cat(ls, np.float64))

    @classmethod
    def checked(cls, shape, ptr, ypix, xpix, lam) -> RoiSet:
        """Build one, dropping pixels outside the image (suite2p keeps none; crafted or
        cropped inputs may)."""
        ly, lx = int(shape[0]), int(shape[1])
        if ly < 1 or lx < 1:
            raise ValueError(f"image shape {shape} is empty")
        inside = (ypix >= 0) & (ypix < ly) & (xpix >= 0) & (xpix < lx) & np.isfinite(lam)
        if not inside.all():
            ids = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
            counts = np.bincount(ids[inside], minlength=len(ptr) - 1)
            ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            ypix, xpix, lam = ypix[inside], xpix[inside], lam[inside]
        return cls((ly, lx), ptr, ypix, xpix, lam)

    @classmethod
    def from_sparse(cls, a, shape: tuple[int, int], order: str = "F") -> RoiSet:
        """Columns of a (pixels x ROIs) scipy sparse matrix, pixels in ``order``
        (CaImAn: Fortran order, ``dims`` = (d1, d2))."""
        csc = a.tocsc()
        csc.sort_indices()
        rows = csc.indices.astype(np.int64)
        if order == "F":
            ypix, xpix = rows % shape[0], rows // shape[0]
        else:
            ypix, xpix = rows // shape[1], rows % shape[1]
        return cls.checked(shape, csc.indptr.astype(np.int64), ypix, xpix,
                           csc.data.astype(np.float64))

    @property
    def n(self) -> int:
        return len(self.ptr) - 1

    def __len__(self) -> int:
        return self.n

    def pixels(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = self.ptr[k], self.ptr[k + 1]
        return self.ypix[a:b], self.xpix[a:b], self.lam[a:b]

    def centers(self) -> np.ndarray:
        """(n, 2) weighted centre (row, column) of each ROI (NaN for an empty one)."""
        out = np.full((self.n, 2), np.nan)
        w = np.abs(self.lam)
        ids = np.repeat(np.arange(self.n), np.diff(self.ptr))
        tot = np.bincount(ids, w, self.n)
        ok = tot > 0
        out[ok, 0] = np.bincount(ids, w * self.ypix, self.n)[ok] / tot[ok]
        out[ok, 1] = np.bincount(ids, w * self.xpix, self.n)[ok] / tot[ok]
        return out

    def label_image(self) -> np.ndarray:
        """Each pixel's ROI (-1: none); where ROIs overlap the one weighing most there."""
        ly, lx = self.shape
        out = np.full(ly * lx, -1, dtype=np.int64)
        ids = np.repeat(np.arange(self.n), np.diff(self.ptr))
        flat = self.ypix * lx + self.xpix
        order = np.argsort(self.lam, kind="stable")  # heaviest written last wins
        out[flat[order]] = ids[order]
        return out.reshape(ly, lx)

    def outline(self) -> np.ndarray:
        """Each pixel's ROI when it lies on that ROI's boundary (-1 elsewhere)."""
        ly, lx = self.shape
        out = np.full((ly, lx), -1, dtype=np.int64)
        for k in range(self.n):
            y, x, _ = self.pixels(k)
            if not len(y):
                continue
            y0, x0 = y.min(), x.min()
            mask = np.zeros((y.max() - y0 + 3, x.max() - x0 + 3), dtype=bool)
            mask[y - y0 + 1, x - x0 + 1] = True
            inner = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & \
                mask[1:-1, :-2] & mask[1:-1, 2:]
            edge = mask[1:-1, 1:-1] & ~inner
            ey, ex = np.nonzero(edge)
            out[ey + y0, ex + x0] = k
        return out

    def masks_matrix(self, normalise: bool = True):
        """(pixels x ROIs) sparse weights, C order, columns summing to 1 when
        ``normalise`` (so ``movie_frames @ W`` is each ROI's weighted mean)."""
        import scipy.sparse as sp

        ly, lx = self.shape
        ids = np.repeat(np.arange(self.n), np.diff(self.ptr))
        w = self.lam.astype(np.float64)
        if normalise:
            tot = np.bincount(ids, w, self.n)
            tot[tot == 0] = 1.0
            w = w / tot[ids]
        return sp.csc_matrix((w, (self.ypix * lx + self.xpix, ids)), shape=(ly * lx, self.n))

    def subset(self, index: Sequence[int]) -> RoiSet:
        index = np.asarray(index, dtype=np.int64)
        parts = [self.pixels(int(k)) for k in index]
        return RoiSet.from_lists(self.shape, [p[0] for p in parts], [p[1] for p in parts],
                                 [p[2] for p in parts])
