"""suite2p's ``Fall.mat``: the plane's arrays saved with ``scipy.io.savemat`` (MAT v5).

Same content as the plane folder (``F``, ``Fneu``, ``spks``, ``iscell``, ``stat`` as a
cell array of structs, ``ops`` as a struct). MAT v5 holds no pickles; the declared size
of every variable is checked against the memory budget before anything is inflated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.errors import NotMine, ReadError
from neurodeck.safety.limits import check_nbytes, declared_nbytes

from . import rates
from .dataset import ImagingPlane
from .suite2p import _float, _plane_shape, _rois, images_from_ops

_ITEMSIZE = {"double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2,
             "int32": 4, "uint32": 4, "int64": 8, "uint64": 8, "logical": 1, "char": 2}


def read_fall(path: str | Path, *, sfreq: float | None = None) -> ImagingPlane:
    import scipy.io

    path = Path(path)
    try:
        listing = scipy.io.whosmat(str(path))
    except Exception as exc:  # noqa: BLE001 - scipy raises many types on bad headers
        raise ReadError(path, f"not a readable MAT v5 file ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
    names = {n for n, _, _ in listing}
    if not {"F", "stat"} <= names:
        raise NotMine(path, "not a suite2p Fall.mat (no F and stat variables)")
    total = sum(declared_nbytes(shape, _ITEMSIZE.get(cls, 8)) for _, shape, cls in listing
                if cls in _ITEMSIZE)
    check_nbytes(path, 2.0 * total, "reading the MAT variables")
    try:
        mat = scipy.io.loadmat(str(path), simplify_cells=True)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged compressed elements, bad tags
        raise ReadError(path, f"the MAT file's data are damaged ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
    F = _matrix(path, mat, "F")
    signals = {k: _matrix(path, mat, k) for k in ("Fneu", "spks") if k in mat}
    for key, arr in signals.items():
        if arr.shape != F.shape:
            raise ReadError(path, f"{key} has shape {arr.shape}, F {F.shape}")
    stat = mat["stat"]
    stat = np.asarray([stat] if isinstance(stat, dict) else list(stat), dtype=object)
    if stat.shape != (F.shape[0],):
        raise ReadError(path, f"{stat.size} stat entries for {F.shape[0]} traces")
    ops = mat.get("ops") if isinstance(mat.get("ops"), dict) else {}
    iscell, prob = None, None
    if "iscell" in mat:
        ic = np.asarray(mat["iscell"], dtype=float)
        ic = ic.reshape(F.shape[0], -1) if ic.size in (F.shape[0], 2 * F.shape[0]) else None
        if ic is None:
            raise ReadError(path, f"iscell has {np.size(mat['iscell'])} values for "
                                  f"{F.shape[0]} ROIs")
        iscell = ic[:, 0]
        prob = ic[:, 1] if ic.shape[1] > 1 else None
    shape = _plane_shape(path, ops, stat)
    roiset = _rois(path, stat, shape)
    fs = ops.get("fs")
    rate, source = rates.resolve(path, sfreq, (fs, "suite2p ops.fs") if fs is not None
                                 else None, "this Fall.mat (ops has no 'fs')")
    meta = {"format": "suite2p Fall.mat", "sfreq_source": source,
            "tau": _float(ops.get("tau")), "neucoeff": _float(ops.get("neucoeff"))}
    try:
        return ImagingPlane(F, rate, roiset, iscell=iscell, cell_prob=prob, signals=signals,
                            images=images_from_ops(ops, shape), name=path.name, source=path,
                            meta=meta)
    except ValueError as exc:
        raise ReadError(path, str(exc)) from None


def _matrix(path: Path, mat: dict[str, Any], key: str) -> np.ndarray:
    arr = np.asarray(mat[key])
    if arr.ndim == 1:  # one ROI: squeezed by loadmat
        arr = arr[None, :]
    if arr.ndim != 2 or arr.dtype.kind not in "fiu":
        raise ReadError(path, f"{key} is not a 2-D numeric array ({arr.dtype} {arr.shape})")
    return arr
