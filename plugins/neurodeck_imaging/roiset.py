"""ImageJ ROI sets (``.roi`` / ``RoiSet.zip``, read by roifile) and traces from a movie.

Each ROI's outline (polygon, rectangle, oval, freehand: roifile's ``coordinates()``, in
pixel units with x to the right) is filled by pixel centres (a pixel belongs to the ROI
when its centre lies inside the outline). A ROI's trace is the mean of its pixels in each
frame; its neuropil trace the mean of the ring ``ring_px`` pixels wide around it, without
any ROI's pixels (the scheme of suite2p and of the ImageJ/FIJI practice it follows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.errors import ParameterError, ReadError
from neurodeck.jobs.progress import Progress

from .dataset import ImagingPlane, Movie
from .rois import RoiSet

#: Frames read per pass of the extraction (bounded memory on long movies).
FRAMES_PER_PASS = 256


def read_rois(path: str | Path, shape: tuple[int, int]) -> tuple[RoiSet, list[str]]:
    """An ImageJ ROI file or ROI-set zip as pixel masks in an image of ``shape``."""
    import roifile
    from matplotlib.path import Path as Polygon

    path = Path(path)
    try:
        rois = roifile.roiread(path)
    except Exception as exc:  # noqa: BLE001 - roifile raises many types on bad bytes
        raise ReadError(path, f"not an ImageJ ROI file or set ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
    rois = rois if isinstance(rois, list) else [rois]
    if not rois:
        raise ReadError(path, "the ROI set is empty")
    ly, lx = shape
    ys, xs, names = [], [], []
    for k, roi in enumerate(rois):
        try:
            xy = np.asarray(roi.coordinates(), dtype=np.float64).reshape(-1, 2)
        except Exception as exc:  # noqa: BLE001 - an unsupported shape (text, line...)
            raise ReadError(path, f"ROI {k} ({getattr(roi, 'name', '')}): no outline "
                                  f"({exc})") from None
        if len(xy) < 3 or not np.all(np.isfinite(xy)):
            raise ReadError(path, f"ROI {k} is not an area (lines and points have no pixels)")
        x0, y0 = np.floor(xy.min(axis=0)).astype(int)
        x1, y1 = np.ceil(xy.max(axis=0)).astype(int)
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, lx - 1), min(y1, ly - 1)
        if x1 < x0 or y1 < y0:
            ys.append(np.zeros(0, int))
            xs.append(np.zeros(0, int))
        else:
            gy, gx = np.mgrid[y0:y1 + 1, x0:x1 + 1]
            inside = Polygon(xy).contains_points(np.column_stack([gx.ravel() + 0.5,
                                                                  gy.ravel() + 0.5]))
            ys.append(gy.ravel()[inside])
            xs.append(gx.ravel()[inside])
        names.append(str(getattr(roi, "name", "") or f"roi{k}"))
    seen: dict[str, int] = {}
    for i, n in enumerate(names):  # ImageJ allows repeated names; labels must differ
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            names[i] = f"{n} ({seen[n]})"
    return RoiSet.from_lists(shape, ys, xs), names


def ring_masks(rois: RoiSet, width: float) -> RoiSet:
    """The neuropil ring of each ROI: pixels within ``width`` of it, outside every ROI."""
    from scipy import ndimage

    ly, lx = rois.shape
    taken = np.zeros((ly, lx), dtype=bool)
    taken[rois.ypix, rois.xpix] = True
    r = int(np.ceil(width))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disk = yy ** 2 + xx ** 2 <= width ** 2
    ys, xs = [], []
    for k in range(rois.n):
        y, x, _ = rois.pixels(k)
        if not len(y):
            ys.append(np.zeros(0, int))
            xs.append(np.zeros(0, int))
            continue
        y0, y1 = max(y.min() - r, 0), min(y.max() + r + 1, ly)
        x0, x1 = max(x.min() - r, 0), min(x.max() + r + 1, lx)
        mask = np.zeros((y1 - y0, x1 - x0), dtype=bool)
        mask[y - y0, x - x0] = True
        ring = ndimage.binary_dilation(mask, disk) & ~taken[y0:y1, x0:x1]
        ry, rx = np.nonzero(ring)
        ys.append(ry + y0)
        xs.append(rx + x0)
    return RoiSet.from_lists(rois.shape, ys, xs)


def extract(movie: Movie, rois: RoiSet, ring: RoiSet | None, progress: Progress | None = None
            ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """(F, Fneu, mean image, max image): each ROI's (and ring's) mean per frame."""
    t, ly, lx = movie.shape
    w = rois.masks_matrix(normalise=True).T.tocsr()  # ROIs x pixels
    wn = ring.masks_matrix(normalise=True).T.tocsr() if ring is not None else None
    F = np.empty((rois.n, t), dtype=np.float32)
    Fneu = np.empty((rois.n, t), dtype=np.float32) if wn is not None else None
    total = np.zeros(ly * lx)
    peak = np.full(ly * lx, -np.inf)
    for a in range(0, t, FRAMES_PER_PASS):
        if progress is not None:
            progress.update(a / max(t, 1), f"frames {a} to {min(a + FRAMES_PER_PASS, t)}")
        block = np.asarray(movie.frames(a, a + FRAMES_PER_PASS), dtype=np.float64)
        flat = block.reshape(len(block), -1)
        F[:, a:a + len(block)] = (w @ flat.T)
        if wn is not None:
            Fneu[:, a:a + len(block)] = (wn @ flat.T)
        total += flat.sum(axis=0)
        peak = np.maximum(peak, flat.max(axis=0))
    return F, Fneu, (total / max(t, 1)).reshape(ly, lx), peak.reshape(ly, lx)


def run(inputs: list[Any], params: dict[str, Any], progress: Progress) -> ImagingPlane:
    movie = inputs[0]
    if not isinstance(movie, Movie):
        raise ParameterError(f"{movie.name} is not a movie")
    path = params["rois"]
    if not path:
        raise ParameterError("choose an ImageJ ROI set (.zip or .roi)")
    rois, names = read_rois(path, movie.shape[1:])
    empty = [names[k] for k in range(rois.n) if rois.ptr[k + 1] == rois.ptr[k]]
    if empty:
        raise ParameterError(f"ROIs outside the {movie.shape[2]} x {movie.shape[1]} image: "
                             f"{', '.join(empty[:5])}")
    ring = ring_masks(rois, params["ring_px"]) if params["ring_px"] > 0 else None
    F, Fneu, mean, peak = extract(movie, rois, ring, progress)
    signals = {"Fneu": Fneu} if Fneu is not None else {}
    return ImagingPlane(F, movie.sfreq, rois, signals=signals,
                        images={"mean": mean, "max": peak}, labels=names,
                        name=f"{movie.name} ROIs ({Path(path).name})",
                        meta={"format": "ImageJ ROI set", "rois_file": str(path),
                              "sfreq_source": movie.meta.get("sfreq_source", "movie")})
