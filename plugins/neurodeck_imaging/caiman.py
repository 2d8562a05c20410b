"""CaImAn results: the HDF5 file ``CNMF.save`` writes (read back by ``load_CNMF``).

Layout (CaImAn's ``save_dict_to_hdf5``): ``estimates/A`` is a group holding a CSC
sparse matrix (``data``, ``indices``, ``indptr``, ``shape``: pixels x components, pixels
in Fortran order of ``dims``); ``estimates/C`` (denoised calcium), ``S`` (deconvolved),
``YrA`` (residual), ``F_dff`` (when computed), ``idx_components`` (accepted components),
``Cn`` (correlation image), ``b``/``f`` (background); ``None`` is the string
``"NoneType"``. The frame rate is ``params/data/fr``.

The plane's main trace is ``C + YrA`` (the component's fluorescence before denoising,
what CaImAn's own ``detrend_df_f`` starts from); ``C``, ``S``, ``F_dff`` and ``YrA`` are
its other signals. Components outside ``idx_components`` are "not cells".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.errors import NotMine, ReadError
from neurodeck.safety.limits import check_array

from . import rates
from .dataset import ImagingPlane
from .rois import RoiSet


def sniff(path: Path) -> bool:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            est = f.get("estimates")
            return isinstance(est, h5py.Group) and "A" in est and "C" in est
    except Exception:  # noqa: BLE001 - not HDF5, or damaged: not ours
        return False


def _dataset(group: Any, key: str) -> Any:
    """A dataset's value, None for CaImAn's ``"NoneType"`` placeholder or absence."""
    import h5py

    item = group.get(key)
    if not isinstance(item, h5py.Dataset):
        return None
    if item.dtype.kind in "SOU" and item.shape == ():
        return None  # "NoneType" (or another string where an array should be)
    return item


def _array(path: Path, group: Any, key: str, what: str) -> np.ndarray | None:
    item = _dataset(group, key)
    if item is None:
        return None
    if item.dtype.kind not in "biuf":
        raise ReadError(path, f"estimates/{key} is not numeric ({item.dtype})")
    check_array(path, item.shape, item.dtype, what)
    return np.asarray(item[()])


def read(path: str | Path, *, sfreq: float | None = None) -> ImagingPlane:
    import h5py
    import scipy.sparse as sp

    path = Path(path)
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise NotMine(path, f"not an HDF5 file ({exc})") from None
    with f:
        est = f.get("estimates")
        if not isinstance(est, h5py.Group) or "A" not in est or "C" not in est:
            raise NotMine(path, "not a CaImAn results file (no estimates/A and estimates/C)")
        agroup = est["A"]
        if not isinstance(agroup, h5py.Group):
            raise ReadError(path, "estimates/A is not a sparse-matrix group")
        parts = {k: _array(path, agroup, k, f"estimates/A/{k}")
                 for k in ("data", "indices", "indptr", "shape")}
        if any(v is None for v in parts.values()):
            raise ReadError(path, "estimates/A lacks data/indices/indptr/shape")
        shape = tuple(int(s) for s in np.asarray(parts["shape"]).reshape(-1))
        if len(shape) != 2:
            raise ReadError(path, f"estimates/A/shape is {shape}")
        try:
            a = sp.csc_matrix((parts["data"], parts["indices"], parts["indptr"]), shape=shape)
            a.check_format(full_check=True)
        except (ValueError, TypeError, IndexError) as exc:
            raise ReadError(path, f"estimates/A is not a valid sparse matrix ({exc})") from None
        dims = _dims(path, f, est, shape[0])
        C = _array(path, est, "C", "estimates/C")
        if C is None or C.ndim != 2 or C.shape[0] != shape[1]:
            raise ReadError(path, f"estimates/C has shape {None if C is None else C.shape} "
                                  f"for {shape[1]} components")
        signals: dict[str, np.ndarray] = {"C": C}
        for key, name in (("S", "spks"), ("F_dff", "F_dff"), ("YrA", "YrA")):
            arr = _array(path, est, key, f"estimates/{key}")
            if arr is not None:
                if arr.shape != C.shape:
                    raise ReadError(path, f"estimates/{key} has shape {arr.shape}, C {C.shape}")
                signals[name] = arr
        F = C + signals["YrA"] if "YrA" in signals else C
        accepted = _array(path, est, "idx_components", "estimates/idx_components")
        iscell = None
        if accepted is not None:
            idx = np.asarray(accepted, dtype=np.int64).reshape(-1)
            if idx.size and (idx.min() < 0 or idx.max() >= shape[1]):
                raise ReadError(path, "estimates/idx_components points past the components")
            iscell = np.zeros(shape[1], dtype=bool)
            iscell[idx] = True
        images = _images(path, est, dims, a)
        fr = _scalar(f, "params/data/fr")
        rate, source = rates.resolve(path, sfreq, (fr, "CaImAn params/data/fr") if fr
                                     else None, "this CaImAn file (params/data/fr is missing)")
    try:
        roiset = RoiSet.from_sparse(a, dims, order="F")
        return ImagingPlane(F, rate, roiset, iscell=iscell, signals=signals, images=images,
                            labels=[f"comp{i}" for i in range(shape[1])], name=path.name,
                            source=path, meta={"format": "CaImAn", "sfreq_source": source})
    except ValueError as exc:
        raise ReadError(path, str(exc)) from None


def _scalar(f: Any, key: str) -> float | None:
    import h5py

    item = f.get(key)
    if not isinstance(item, h5py.Dataset) or item.dtype.kind not in "iuf" or item.size != 1:
        return None
    value = float(np.asarray(item[()]).reshape(-1)[0])
    return value if np.isfinite(value) and value > 0 else None


def _dims(path: Path, f: Any, est: Any, n_pixels: int) -> tuple[int, int]:
    for group, key in ((est, "dims"), (f, "dims"), (f, "params/data/dims")):
        item = _dataset(group, key) if key == "dims" else f.get(key)
        if item is None or getattr(item, "dtype", np.dtype("S")).kind not in "iuf":
            continue
        dims = tuple(int(v) for v in np.asarray(item[()]).reshape(-1))
        if len(dims) == 2 and dims[0] * dims[1] == n_pixels and min(dims) > 0:
            return dims  # type: ignore[return-value]
        if len(dims) == 3:
            raise ReadError(path, f"3-D components (dims {dims}) are not supported: "
                                  "open one plane's results")
    raise ReadError(path, f"no dims matching the {n_pixels} pixels of estimates/A")


def _images(path: Path, est: Any, dims: tuple[int, int], a: Any) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    cn = _array(path, est, "Cn", "estimates/Cn")
    if cn is not None and cn.shape == dims:
        out["correlation"] = cn.astype(np.float32)
    b = _array(path, est, "b", "estimates/b")
    if b is not None and b.ndim == 2 and b.shape[0] == dims[0] * dims[1]:
        out["background"] = b[:, 0].reshape(dims, order="F").astype(np.float32)
    footprint = np.asarray(a.max(axis=1).todense()).reshape(dims, order="F")
    out["footprints (max)"] = footprint.astype(np.float32)
    return out
