"""suite2p output: a ``plane*/`` or ``combined/`` folder, a whole ``suite2p/`` folder, or
``Fall.mat``.

A plane folder holds ``F.npy``, ``Fneu.npy``, ``spks.npy`` (ROIs x frames, float32),
``iscell.npy`` (ROIs x 2: cell flag, classifier probability), ``stat.npy`` (one dict per
ROI: ``ypix``, ``xpix``, ``lam``...) and ``ops.npy`` (a dict: ``fs``, ``Ly``, ``Lx``,
``meanImg``, ``max_proj``, ``Vcorr``...). The traces stay memory-mapped; ``stat`` and
``ops`` are pickles, read with :mod:`~neurodeck_imaging.safe_pickle` (never
``np.load(allow_pickle=True)``). A folder holding several planes opens as a study, one
member per plane (and ``combined``), each also opened alone with ``plane="plane1"``.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.data import Study
from neurodeck.data.study import FileMember
from neurodeck.errors import NotMine, ReadError
from neurodeck.safety import guarded
from neurodeck.safety.limits import check_array, check_nbytes

from . import rates
from .dataset import ImagingPlane
from .rois import RoiSet
from .safe_pickle import load_npy

TRACE_FILES = {"F": "F.npy", "Fneu": "Fneu.npy", "spks": "spks.npy"}
_PLANE = re.compile(r"^(plane\d+|combined)$")


def is_plane_folder(path: Path) -> bool:
    return path.is_dir() and (path / "F.npy").is_file() and (path / "stat.npy").is_file()


def plane_folders(path: Path) -> list[Path]:
    """The plane folders under a suite2p output folder (``plane0``.. then ``combined``)."""
    if not path.is_dir():
        return []
    roots = [path, path / "suite2p"]
    for root in roots:
        if not root.is_dir():
            continue
        found = [p for p in root.iterdir() if _PLANE.match(p.name) and is_plane_folder(p)]
        if found:
            return sorted(found, key=lambda p: (p.name == "combined",
                                                int(p.name[5:]) if p.name != "combined" else 0))
    return []


def sniff(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return is_plane_folder(path) or bool(plane_folders(path))
    return path.name.lower() == "fall.mat"


@guarded  # called on files before they are opened (studies): probed first
def members(path: str | Path) -> list[dict[str, Any]]:
    """One member per plane folder (and ``combined``), opened with ``plane=NAME``."""
    out = []
    for p in plane_folders(Path(path)):
        meta: dict[str, Any] = {"plane": p.name}
        with contextlib.suppress(OSError, ValueError):
            meta["rois"] = int(np.load(p / "F.npy", mmap_mode="r", allow_pickle=False).shape[0])
        out.append({"key": p.name, "options": {"plane": p.name}, "meta": meta,
                    "kind": "imaging"})
    return out


def read(path: str | Path, *, plane: str | None = None, sfreq: float | None = None,
         rois: str = "all") -> ImagingPlane | Study:
    """A suite2p plane (folder or ``Fall.mat``), or a study of the planes of a folder."""
    path = Path(path)
    if path.is_file():
        from .fall import read_fall

        return read_fall(path, sfreq=sfreq)
    if is_plane_folder(path):
        return read_plane(path, sfreq=sfreq)
    folders = plane_folders(path)
    if not folders:
        raise NotMine(path, "not a suite2p output folder (no plane*/ with F.npy and stat.npy)")
    if plane is not None:
        chosen = [p for p in folders if p.name == plane]
        if not chosen:
            raise ReadError(path, f"no plane {plane!r}; planes: "
                                  f"{', '.join(p.name for p in folders)}")
        return read_plane(chosen[0], sfreq=sfreq, name=f"{path.name}:{plane}")
    if len(folders) == 1:
        return read_plane(folders[0], sfreq=sfreq, name=f"{path.name}:{folders[0].name}")
    options = {} if sfreq is None else {"sfreq": sfreq}
    specs = members(path)
    return Study([FileMember(s["key"], s["meta"], "imaging", path=path, reader="suite2p",
                             options={**options, **s["options"]}) for s in specs],
                 name=path.name, source=path)


def _ops(folder: Path) -> dict[str, Any]:
    """``ops.npy``; suite2p 1.x's ``combined/`` has none, only ``settings.npy`` (with
    ``fs``) and ``db.npy``: their union then."""
    files = ["ops.npy"] if (folder / "ops.npy").is_file() else ["db.npy", "settings.npy"]
    ops: dict[str, Any] = {}
    for name in files:
        f = folder / name
        if not f.is_file():
            continue
        arr = load_npy(f)
        item = arr.item() if arr.shape == () else (arr.reshape(-1)[0] if arr.size == 1
                                                   else None)
        if not isinstance(item, dict):
            raise ReadError(f, f"{name} does not hold a dict")
        ops.update(item)
    return ops


def read_plane(folder: Path, *, sfreq: float | None = None, name: str | None = None
               ) -> ImagingPlane:
    folder = Path(folder)
    arrays: dict[str, np.ndarray] = {}
    for key, fname in TRACE_FILES.items():
        f = folder / fname
        if f.is_file():
            arr = load_npy(f)
            if arr.ndim != 2 or arr.dtype.kind not in "fiu":
                raise ReadError(f, f"expected a 2-D numeric array (ROIs x frames), got "
                                   f"{arr.dtype} {arr.shape}")
            arrays[key] = arr
    F = arrays.pop("F")
    for key, arr in arrays.items():
        if arr.shape != F.shape:
            raise ReadError(folder / TRACE_FILES[key], f"shape {arr.shape} differs from "
                                                       f"F.npy {F.shape}")
    stat = load_npy(folder / "stat.npy")
    if stat.ndim != 1 or stat.shape[0] != F.shape[0]:
        raise ReadError(folder / "stat.npy", f"{stat.size} ROI entries for {F.shape[0]} traces")
    ops = _ops(folder)
    iscell, prob = None, None
    if (folder / "iscell.npy").is_file():
        ic = np.asarray(load_npy(folder / "iscell.npy"), dtype=float)
        if ic.ndim == 1:
            ic = ic[:, None]
        if ic.shape[0] != F.shape[0] or ic.ndim != 2:
            raise ReadError(folder / "iscell.npy", f"shape {ic.shape} for {F.shape[0]} ROIs")
        iscell = ic[:, 0]
        prob = ic[:, 1] if ic.shape[1] > 1 else None
    shape = _plane_shape(folder, ops, stat)
    roiset = _rois(folder / "stat.npy", stat, shape)
    fs = ops.get("fs")
    rate, source = rates.resolve(folder, sfreq, (fs, "suite2p ops['fs']") if fs is not None
                                 else None, "this suite2p output (ops.npy has no 'fs')")
    images = images_from_ops(ops, shape)
    meta = {"format": "suite2p", "sfreq_source": source, "plane": folder.name,
            "tau": _float(ops.get("tau")), "neucoeff": _float(ops.get("neucoeff"))}
    try:
        return ImagingPlane(F, rate, roiset, iscell=iscell, cell_prob=prob, signals=arrays,
                            images=images, name=name or folder.name, source=folder, meta=meta)
    except ValueError as exc:
        raise ReadError(folder, str(exc)) from None


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def _plane_shape(folder: Path, ops: dict[str, Any], stat: np.ndarray) -> tuple[int, int]:
    ly, lx = ops.get("Ly"), ops.get("Lx")
    try:
        shape = (int(ly), int(lx))
    except (TypeError, ValueError):
        ys = [np.max(s["ypix"]) for s in stat if isinstance(s, dict) and len(s.get("ypix", []))]
        xs = [np.max(s["xpix"]) for s in stat if isinstance(s, dict) and len(s.get("xpix", []))]
        shape = (int(max(ys, default=0)) + 1, int(max(xs, default=0)) + 1)
    if not (0 < shape[0] <= 65536 and 0 < shape[1] <= 65536):
        raise ReadError(folder / "ops.npy", f"implausible image size Ly x Lx = {shape}")
    check_array(folder, shape, np.float32, "the plane's images")
    return shape


def _rois(path: Path, stat: np.ndarray, shape: tuple[int, int]) -> RoiSet:
    ys, xs, ls = [], [], []
    total = 0
    for k, s in enumerate(stat):
        if not isinstance(s, dict) or "ypix" not in s or "xpix" not in s:
            raise ReadError(path, f"ROI {k} has no ypix/xpix")
        y = np.asarray(s["ypix"]).reshape(-1)
        x = np.asarray(s["xpix"]).reshape(-1)
        lam = np.asarray(s.get("lam", np.ones(len(y))), dtype=float).reshape(-1)
        if y.dtype.kind not in "iuf" or x.dtype.kind not in "iuf":
            raise ReadError(path, f"ROI {k}: pixel coordinates are not numbers")
        if not len(y) == len(x) == len(lam):
            raise ReadError(path, f"ROI {k}: {len(y)} ypix, {len(x)} xpix, {len(lam)} lam")
        total += len(y)
        ys.append(y.astype(np.int64))
        xs.append(x.astype(np.int64))
        ls.append(lam)
    check_nbytes(path, total * 24.0, "the ROI pixel lists")
    try:
        return RoiSet.from_lists(shape, ys, xs, ls)
    except ValueError as exc:
        raise ReadError(path, str(exc)) from None


def images_from_ops(ops: dict[str, Any], shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """suite2p's reference images in the plane's full grid (``max_proj`` and ``Vcorr``
    cover only the registered crop ``yrange`` x ``xrange``: NaN outside it)."""
    out: dict[str, np.ndarray] = {}
    names = {"meanImg": "mean", "meanImgE": "mean (enhanced)", "max_proj": "max",
             "Vcorr": "correlation"}
    yr, xr = ops.get("yrange"), ops.get("xrange")
    for key, label in names.items():
        img = ops.get(key)
        if not isinstance(img, np.ndarray) or img.ndim != 2 or img.dtype.kind not in "fiu":
            continue
        if img.shape == shape:
            out[label] = img.astype(np.float32)
            continue
        try:
            y0, y1 = int(yr[0]), int(yr[1])
            x0, x1 = int(xr[0]), int(xr[1])
        except (TypeError, ValueError, IndexError):
            continue
        if img.shape == (y1 - y0, x1 - x0) and 0 <= y0 < y1 <= shape[0] and \
                0 <= x0 < x1 <= shape[1]:
            full = np.full(shape, np.nan, dtype=np.float32)
            full[y0:y1, x0:x1] = img
            out[label] = full
    return out
