"""Reading ROI time series for training: HDF5 groups of scans, or any file
``neurodeck.open`` reads as ROI time series."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurodeck.errors import ReadError


@dataclass
class Scan:
    name: str
    data: np.ndarray  # regions x time
    tr: float | None
    regions: list[str] | None


def _h5_scans(path: Path, group: str | None) -> list[Scan]:
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ReadError(path, f"not a readable HDF5 file ({exc})") from None
    with f:
        where = f[group] if group else f
        if group and not isinstance(where, h5py.Group):
            raise ReadError(path, f"{group!r} is not a group")
        tr = where.attrs.get("tr_s", where.attrs.get("tr"))
        names = None
        if "region_names" in f:
            names = [x.decode() if isinstance(x, bytes) else str(x) for x in f["region_names"][:]]
        out = []
        for key, ds in where.items():
            if isinstance(ds, h5py.Dataset) and ds.ndim == 2 and ds.dtype.kind in "fiu":
                data = np.asarray(ds[:], dtype=np.float64)
                regions = names if names and len(names) == data.shape[0] else None
                out.append(Scan(f"{group + '/' if group else ''}{key}", data,
                                float(tr) if tr is not None else None, regions))
    if not out:
        raise ReadError(path, f"no 2-D (regions x time) arrays in {group or 'the file root'}")
    return out


def _opened_scans(path: Path) -> list[Scan]:
    import neurodeck
    from neurodeck.data import RoiTimeSeries

    opened = neurodeck.open(path)
    out = []
    for ds in opened if isinstance(opened, list) else [opened]:
        if isinstance(ds, RoiTimeSeries):
            out.append(Scan(ds.name, ds.data, ds.tr, ds.regions))
        elif hasattr(ds, "data") and getattr(ds, "data", None) is not None:
            out.append(Scan(ds.name, np.asarray(ds.data, float), None, None))
    if not out:
        raise ReadError(path, "holds no ROI time series")
    return out


def load_scans(paths: list[str], group: str | None = None) -> list[Scan]:
    scans: list[Scan] = []
    for p in paths:
        path = Path(p)
        if path.suffix.lower() in (".h5", ".hdf5"):
            scans += _h5_scans(path, group)
        else:
            scans += _opened_scans(path)
    return scans
