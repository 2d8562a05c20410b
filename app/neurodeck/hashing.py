"""Content hashes that identify the data behind a result (provenance)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .data.base import Dataset

_CACHE: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, cached by (path, size, mtime) so re-runs do not re-read it."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while block := fh.read(chunk):
                h.update(block)
        _CACHE[key] = h.hexdigest()
    return _CACHE[key]


def array_sha256(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for arr in arrays:
        a = np.ascontiguousarray(arr)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes() if a.dtype.kind not in "OU" else repr(a.tolist()).encode())
    return h.hexdigest()


def dataset_fingerprint(ds: Dataset) -> str:
    """``sha256:<hex>`` of the recipe that made a derived dataset (its inputs' fingerprints,
    the transform and its parameters), of the source file, or of the in-memory arrays."""
    if getattr(ds, "derivation", None):
        import json

        recipe = json.dumps(ds.derivation, sort_keys=True, default=str)
        return "sha256:" + hashlib.sha256(recipe.encode()).hexdigest()
    custom = getattr(type(ds), "content_fingerprint", None)
    if custom is not None:
        return custom(ds)
    src = ds.source
    if src is not None and os.path.isfile(src):
        return "sha256:" + file_sha256(src)
    arrays = [v for v in vars(ds).values() if isinstance(v, np.ndarray)]
    for attr in ("arrays", "_arrays"):
        val = getattr(ds, attr, None)
        if isinstance(val, list):
            arrays += [np.asarray(a) for a in val]
        elif isinstance(val, dict):
            arrays += [np.asarray(val[k]) for k in sorted(val)]
    data = getattr(ds, "_data", None)
    if data is not None:
        arrays.append(np.asarray(data))
    return "sha256:" + array_sha256(*arrays) if arrays else "unknown"


def folder_sha256(path: str | Path, limit: int = 200_000) -> str:
    """``dir:<hex>``: a hash of a folder's file names and sizes (not their bytes: a study
    folder can hold terabytes), stable when the folder is copied or moved."""
    root = Path(path)
    h = hashlib.sha256()
    seen = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            try:
                size = p.stat().st_size
            except OSError:
                continue
            h.update(f"{p.relative_to(root).as_posix()}\0{size}\n".encode())
            seen += 1
            if seen >= limit:
                return "dir:" + h.hexdigest()
    return "dir:" + h.hexdigest()
