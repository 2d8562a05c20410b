"""Choosing a writer for a dataset and a file name (the export formats plugins declare)."""

from __future__ import annotations

import os
from pathlib import Path

from .data.base import Dataset
from .data.result import Result
from .errors import NeurodeckError
from .plugin_api.contributions import Writer
from .plugin_api.lazy import resolve
from .plugin_api.manager import PluginManager


def writers_for(pm: PluginManager, ds: Dataset) -> list[Writer]:
    return [w for w in pm.contributions("writers") if any(ds.is_a(k) for k in w.accepts)]


def choose_writer(pm: PluginManager, ds: Dataset, path: str | os.PathLike[str],
                  writer: str | None = None) -> Writer:
    """The writer named ``writer``, or the one whose extension ends ``path`` (longest)."""
    fitting = writers_for(pm, ds)
    if writer is not None:
        named = [w for w in fitting if w.id == writer]
        if not named:
            raise NeurodeckError(f"no writer {writer!r} for {ds.kind} data (writers: "
                                 f"{', '.join(w.id for w in fitting) or 'none'})")
        return named[0]
    name = Path(path).name.lower()
    matching = [(max(len(e) for e in w.extensions if name.endswith(e.lower())), w)
                for w in fitting if any(name.endswith(e.lower()) for e in w.extensions)]
    if not matching:
        exts = sorted({e for w in fitting for e in w.extensions})
        raise NeurodeckError(f"cannot write {ds.kind} data to {Path(path).name}: use one of "
                             f"{', '.join(exts) or '(no writer for this kind)'}")
    return max(matching, key=lambda t: t[0])[1]


def write_dataset(pm: PluginManager, ds: Dataset, path: str | os.PathLike[str],
                  writer: str | None = None) -> Path:
    """Write ``ds`` to ``path`` with the writer that fits (results: HDF5 with provenance)."""
    path = Path(path)
    if isinstance(ds, Result) and writer is None and path.suffix.lower() in (".h5", ".hdf5"):
        return ds.save(path)
    resolve(choose_writer(pm, ds, path, writer).write)(ds, path)
    return path
