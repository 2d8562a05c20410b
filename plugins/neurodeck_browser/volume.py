"""Qt-free helpers of the fMRI viewer: RAS display orientation, lazy reads, labels.

The display keeps the file's voxel grid but permutes and flips axes to the
closest RAS orientation (``nibabel.orientations.io_orientation``), one 3-D
volume at a time, so a 4-D run is never reoriented (or read) as a whole.
"""

from __future__ import annotations

import threading

import numpy as np


class OrientedRun:
    """An :class:`~neurodeck.data.FmriRun` seen in RAS display axes."""

    def __init__(self, run):
        from nibabel.orientations import io_orientation

        self.run = run
        self.img = run.img
        self.affine = np.asarray(run.affine, dtype=float)
        self.shape3 = tuple(int(s) for s in run.shape[:3])
        self.n_volumes = int(run.n_volumes)
        self.tr = float(run.tr)
        self.ornt = io_orientation(self.affine)  # rows: (display axis, flip) per file axis
        zooms = [float(z) for z in run.img.header.get_zooms()[:3]]
        self.display_shape = [0, 0, 0]
        self.display_zooms = [1.0, 1.0, 1.0]
        for a in range(3):
            out = int(self.ornt[a, 0])
            self.display_shape[out] = self.shape3[a]
            self.display_zooms[out] = zooms[a] if zooms[a] > 0 else 1.0
        self._full: np.ndarray | None = None
        self._lock = threading.Lock()
        name = str(getattr(run.img, "get_filename", lambda: "")() or "")
        self.compressed = name.endswith((".gz", ".bz2", ".zst"))
        # Held in memory as the file stores it (int16 for most scanners: half of float32),
        # scaled to float32 per read.
        self._slope, self._inter, dtype = _scaling(self.img)
        self.nbytes = int(np.prod(run.shape)) * _held_dtype(dtype).itemsize

    # -- index mapping -----------------------------------------------------------------
    def to_display(self, ijk) -> list[int]:
        out = [0, 0, 0]
        for a in range(3):
            axis, flip = int(self.ornt[a, 0]), self.ornt[a, 1] < 0
            out[axis] = self.shape3[a] - 1 - int(ijk[a]) if flip else int(ijk[a])
        return out

    def to_file(self, display_ijk) -> tuple[int, int, int]:
        out = [0, 0, 0]
        for a in range(3):
            axis, flip = int(self.ornt[a, 0]), self.ornt[a, 1] < 0
            d = int(display_ijk[axis])
            out[a] = self.shape3[a] - 1 - d if flip else d
        return tuple(out)

    def orient(self, vol3: np.ndarray) -> np.ndarray:
        from nibabel.orientations import apply_orientation

        return np.ascontiguousarray(apply_orientation(vol3, self.ornt))

    # -- reads (worker thread) ----------------------------------------------------------------
    @property
    def in_memory(self) -> bool:
        """Whether :meth:`load_all` has read the whole run."""
        return self._full is not None

    def load_all(self) -> bool:
        """Read the whole run into memory once (used for compressed files), in the file's
        own data type (:attr:`nbytes`; its scaling is applied per read)."""
        with self._lock:
            if self._full is None:
                proxy = self.img.dataobj
                if self._slope is None:  # no scaling to undo: float32 (as every read)
                    data = np.asarray(proxy, dtype=np.float32)
                else:
                    data = _read_unscaled(proxy)
                    data = data.astype(_held_dtype(data.dtype), copy=False)
                self._full = data if data.ndim == 4 else data[..., None]
        return True

    def _scaled(self, raw: np.ndarray) -> np.ndarray:
        out = np.asarray(raw, dtype=np.float32)
        if self._slope is not None and (self._slope != 1.0 or self._inter != 0.0):
            out = out * np.float32(self._slope) + np.float32(self._inter)
        return out

    def display_volume(self, t: int) -> np.ndarray:
        full = self._full
        vol = self._scaled(full[..., int(t)]) if full is not None else self.run.volume(int(t))
        return self.orient(vol)

    def display_series(self, display_ijk) -> np.ndarray:
        i, j, k = self.to_file(display_ijk)
        full = self._full
        if full is not None:
            return np.array(self._scaled(full[i, j, k, :]), dtype=np.float32)
        return self.run.voxel_series(i, j, k)

    def region_series(self, display_mask: np.ndarray) -> np.ndarray:
        """Mean over the voxels of a display-space mask at every volume."""
        self.load_all()
        file_mask = _unorient(display_mask, self.ornt)
        mean = self._full[file_mask].mean(axis=0, dtype=np.float64)
        return self._scaled(mean)  # the scaling is linear: the mean's = the scaled mean


def _scaling(img) -> tuple[float | None, float, np.dtype]:
    """(slope, intercept, stored dtype) of the image's data, or slope None when its proxy
    cannot give the unscaled values (an in-memory array, an unusual proxy)."""
    proxy = img.dataobj
    dtype = np.dtype(getattr(proxy, "dtype", np.float32))
    if not hasattr(proxy, "get_unscaled"):
        return None, 0.0, np.dtype(np.float32)
    slope = getattr(proxy, "slope", 1.0)
    inter = getattr(proxy, "inter", 0.0)
    slope = 1.0 if slope is None or not np.isfinite(slope) or slope == 0 else float(slope)
    inter = 0.0 if inter is None or not np.isfinite(inter) else float(inter)
    return slope, inter, dtype


def read_error(img, error: BaseException) -> str:
    """What a failed read says: the file, the cause, and for data that end early (a
    compressed stream cut short raises EOFError, as :func:`_read_unscaled` does), why."""
    name = str(getattr(img, "get_filename", lambda: "")() or "the image")
    text = f"read failed: {name}: {type(error).__name__}: {error}"
    if isinstance(error, EOFError):
        text += " (the file is truncated: its data end before the header says)"
    return text


READ_CHUNK = 16 * 2**20


def _read_unscaled(proxy) -> np.ndarray:
    """The proxy's stored values, read in chunks straight into the array: a compressed
    file read whole would first be decompressed into a second buffer of the same size
    (``GzipFile.readinto`` reads, then copies), doubling the peak."""
    from nibabel.openers import ImageOpener

    shape, dtype = tuple(int(n) for n in proxy.shape), np.dtype(proxy.dtype)
    offset, order = getattr(proxy, "offset", None), getattr(proxy, "order", "F")
    file_like = getattr(proxy, "file_like", None)
    if offset is None or file_like is None or proxy.__class__.__name__ != "ArrayProxy":
        return np.asarray(proxy.get_unscaled())
    out = np.empty(shape, dtype=dtype.newbyteorder("="), order=order)
    view = memoryview(out.reshape(-1, order="A")).cast("B")
    with ImageOpener(file_like) as fh:
        fh.seek(int(offset))
        done = 0
        while done < view.nbytes:
            n = fh.readinto(view[done:done + READ_CHUNK])
            if not n:
                raise EOFError(f"the image data end after {done} of {view.nbytes} bytes")
            done += n
    if not dtype.isnative:  # the file's byte order: swap in place
        out.byteswap(inplace=True)
    return out


def _held_dtype(dtype: np.dtype) -> np.dtype:
    """What a run is held as in memory: its integers as they are, floats as float32."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iub" and dtype.itemsize <= 4:
        return dtype
    return np.dtype(np.float32)


def _unorient(arr: np.ndarray, ornt: np.ndarray) -> np.ndarray:
    from nibabel.orientations import apply_orientation

    return apply_orientation(arr, _invert(ornt))


def _invert(ornt: np.ndarray) -> np.ndarray:
    """The orientation undoing ``ornt`` (display axes -> file axes)."""
    inv = np.zeros_like(ornt)
    for a in range(ornt.shape[0]):
        out = int(ornt[a, 0])
        inv[out] = (a, ornt[a, 1])
    return inv


def resample_labels(img, shape3, affine) -> np.ndarray:
    """Integer labels of ``img`` on the grid (shape3, affine), nearest neighbour."""
    data_affine = np.asarray(img.affine, dtype=float)
    if tuple(img.shape[:3]) == tuple(shape3) and np.allclose(data_affine, affine, atol=1e-4):
        return np.asarray(img.dataobj).astype(np.int32).reshape(shape3)
    from nilearn.image import resample_img

    out = resample_img(img, target_affine=affine, target_shape=tuple(shape3),
                       interpolation="nearest", force_resample=True, copy_header=True)
    return np.asarray(out.dataobj).astype(np.int32).reshape(shape3)


def label_lut(n_labels: int) -> np.ndarray:
    """RGBA colours for labels 0..n (0 transparent), well-spread hues."""
    import colorsys

    lut = np.zeros((n_labels + 1, 4), dtype=np.ubyte)
    for v in range(1, n_labels + 1):
        h = (v * 0.618033988749895) % 1.0
        r, g, b = colorsys.hsv_to_rgb(h, 0.75, 0.95)
        lut[v] = (int(r * 255), int(g * 255), int(b * 255), 255)
    return lut
