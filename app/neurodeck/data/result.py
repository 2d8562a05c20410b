"""Analysis results: named arrays plus the provenance that produced them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_path
from .base import Dataset

FORMAT = "neurodeck-result/1"


def _as_array(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object:
        flat = arr.reshape(-1)
        if not all(isinstance(v, (str, bytes, np.str_)) for v in flat):
            raise TypeError(f"result array {name!r} holds objects that are not text; results "
                            "hold numbers and text only, so reading them never unpickles")
        arr = np.asarray([v.decode() if isinstance(v, bytes) else str(v) for v in flat],
                         dtype=str).reshape(arr.shape)
    if arr.dtype.kind not in "biufcUSM":
        raise TypeError(f"result array {name!r} has unsupported dtype {arr.dtype}")
    return arr


class Result(Dataset, Mapping[str, np.ndarray]):
    """A mapping of named arrays (``result["matrix"]``) with ``result.provenance``.

    The array names an analysis produces are part of its public API. Results are
    datasets too, so they can be viewed, saved and fed into further analyses.
    """

    def __init__(
        self,
        arrays: Mapping[str, Any],
        provenance: Mapping[str, Any] | None = None,
        *,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        self.provenance: dict[str, Any] = dict(provenance or {})
        name = name or self.provenance.get("analysis") or "result"
        super().__init__(name=name, source=source, meta=meta)
        self._arrays = {str(k): _as_array(str(k), v) for k, v in arrays.items()}

    @property
    def analysis(self) -> str | None:
        return self.provenance.get("analysis")

    @property
    def kinds(self) -> tuple[str, ...]:  # type: ignore[override]
        a = self.analysis
        return (f"result:{a}", "result") if a else ("result",)

    def __getitem__(self, key: str) -> np.ndarray:
        try:
            return self._arrays[key]
        except KeyError:
            names = ", ".join(self._arrays)
            raise KeyError(f"{key!r} is not in this result (has: {names})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["arrays"] = {k: list(v.shape) for k, v in self._arrays.items()}
        return out

    # -- files -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write HDF5: one dataset per array, provenance as JSON attributes. Atomic."""
        import h5py

        path = Path(path)
        with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["provenance"] = json.dumps(self.provenance, default=str)
            f.attrs["meta"] = json.dumps(self.meta, default=str)
            for key in ("analysis", "plugin", "neurodeck_version", "created"):
                if key in self.provenance:
                    f.attrs[key] = str(self.provenance[key])
            arrays = f.create_group("arrays")
            for key, arr in self._arrays.items():
                if arr.dtype.kind in "US":
                    arrays.create_dataset(
                        key, data=arr.astype(object), dtype=h5py.string_dtype("utf-8")
                    )
                else:
                    gzip = "gzip" if arr.size > 4096 else None
                    arrays.create_dataset(key, data=arr, compression=gzip)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Result:
        """Read a result file. Only arrays and JSON are read; nothing is unpickled."""
        import h5py

        from ..errors import ReadError

        path = Path(path)
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("format") != FORMAT or "arrays" not in f:
                    raise ReadError(path, "not a neurodeck result file")
                prov = json.loads(f.attrs.get("provenance", "{}"))
                meta = json.loads(f.attrs.get("meta", "{}"))
                arrays: dict[str, np.ndarray] = {}
                for key, ds in f["arrays"].items():
                    if h5py.check_string_dtype(ds.dtype) is not None:
                        arrays[key] = np.asarray(ds.asstr()[()], dtype=str)
                    else:
                        arrays[key] = ds[()]
        except ReadError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise ReadError(path, f"not a readable result file ({exc})") from exc
        return cls(arrays, prov, name=path.stem, source=path, meta=meta)

    @staticmethod
    def sniff(path: str | Path) -> bool:
        import h5py

        try:
            with h5py.File(path, "r") as f:
                return f.attrs.get("format") == FORMAT
        except (OSError, ValueError):
            return False
