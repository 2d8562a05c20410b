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
        """Read a result file. Only arrays and JSON are read; nothing is unpickled.

        A result file may come from anyone, so it is opened like any other file: in the
        probe worker first (:mod:`neurodeck.safety.probe`), then here with its structure,
        dtypes and sizes checked against the memory budget before anything is read.
        """
        from ..safety import policy, probe

        path = Path(path)
        if policy.current().probe and not probe.in_worker():
            probe.check_call(path, "neurodeck.data.result:Result.read_unprobed")
        out = cls.read_unprobed(path)
        assert isinstance(out, cls)
        return out

    @classmethod
    def read_unprobed(cls, path: str | Path) -> Result:
        """:meth:`load` without the probe (the readers call this after probing)."""
        import h5py

        from ..errors import ReadError
        from ..safety.errors import MemoryBudgetExceeded
        from ..safety.references import check_hdf5

        path = Path(path)
        try:
            check_hdf5(path)
            with h5py.File(path, "r") as f:
                if _text_attr(f, "format") != FORMAT or "arrays" not in f:
                    raise ReadError(path, "not a neurodeck result file")
                prov = _json_attr(path, f, "provenance")
                meta = _json_attr(path, f, "meta")
                _check_provenance(path, prov)
                arrays = _read_arrays(path, f)
            return cls(arrays, prov, name=path.stem, source=path, meta=meta)
        except (ReadError, MemoryBudgetExceeded):
            raise
        except MemoryError:
            raise ReadError(path, "the result's arrays do not fit in memory") from None
        except RecursionError:
            raise ReadError(path, "not a readable result file (nested too deeply)") from None
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError,
                IndexError, UnicodeError) as exc:
            raise ReadError(path, f"not a readable result file ({type(exc).__name__}: "
                                  f"{str(exc)[:300]})") from exc

    @staticmethod
    def sniff(path: str | Path) -> bool:
        import h5py

        try:
            with h5py.File(path, "r") as f:
                return _text_attr(f, "format") == FORMAT
        except Exception:  # noqa: BLE001 - any unreadable file is simply not a result
            return False


# -- checks on load (a result file may have been crafted) -----------------------------------
MAX_JSON_CHARS = 16 * 2**20
MAX_ARRAYS = 100_000
MAX_NDIM = 32
#: Memory a variable-length string element is assumed to take, for the budget check.
STRING_BYTES = 64


def _text_attr(f: Any, key: str) -> str | None:
    value = f.attrs.get(key)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _json_attr(path: Path, f: Any, key: str) -> dict[str, Any]:
    from ..errors import ReadError

    if key not in f.attrs:
        return {}
    text = _text_attr(f, key)
    if text is None:
        raise ReadError(path, f"the result's {key} is not JSON text")
    if len(text) > MAX_JSON_CHARS:
        raise ReadError(path, f"the result's {key} is {len(text)} characters long (the "
                              f"limit is {MAX_JSON_CHARS})")
    try:
        value = json.loads(text)
    except RecursionError:
        raise ReadError(path, f"the result's {key} is nested too deeply") from None
    except ValueError as exc:
        raise ReadError(path, f"the result's {key} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ReadError(path, f"the result's {key} must be a JSON object, not "
                              f"{type(value).__name__}")
    return value


_PROVENANCE_TYPES = {"analysis": str, "plugin": str, "plugin_version": str, "parameters": dict,
                     "inputs": list, "neurodeck_version": str, "created": str}


def _check_provenance(path: Path, prov: dict[str, Any]) -> None:
    from ..errors import ReadError

    for key, kind in _PROVENANCE_TYPES.items():
        if key in prov and prov[key] is not None and not isinstance(prov[key], kind):
            raise ReadError(path, f"the result's provenance field {key!r} must be a "
                                  f"{kind.__name__}, not {type(prov[key]).__name__}")


def _read_arrays(path: Path, f: Any) -> dict[str, np.ndarray]:
    import h5py

    from ..errors import ReadError
    from ..safety.limits import check_nbytes, declared_nbytes

    group = f["arrays"]
    if not isinstance(group, h5py.Group):
        raise ReadError(path, "the result's 'arrays' is not a group")
    names = list(group.keys())
    if len(names) > MAX_ARRAYS:
        raise ReadError(path, f"the result holds {len(names)} arrays (the limit is "
                              f"{MAX_ARRAYS})")
    plan, total = [], 0.0
    for key in names:
        link = group.get(key, getlink=True)
        if not isinstance(link, h5py.HardLink):
            raise ReadError(path, f"result array {key!r} is a {type(link).__name__}, not "
                                  "an array stored in the file")
        ds = group.get(key)
        if not isinstance(ds, h5py.Dataset):
            raise ReadError(path, f"result entry {key!r} is not an array")
        shape = ds.shape
        if shape is None or len(shape) > MAX_NDIM:
            raise ReadError(path, f"result array {key!r} has an unsupported shape {shape}")
        is_text = h5py.check_string_dtype(ds.dtype) is not None
        if not is_text and ds.dtype.kind not in "biufc":
            raise ReadError(path, f"result array {key!r} has unsupported dtype {ds.dtype} "
                                  "(results hold numbers and text only)")
        if not is_text and ds.dtype.fields is not None:
            raise ReadError(path, f"result array {key!r} is a compound type")
        size = STRING_BYTES if is_text else ds.dtype.itemsize
        total += declared_nbytes(shape, size)
        plan.append((key, ds, is_text))
    check_nbytes(path, total, "loading the result's arrays")
    arrays: dict[str, np.ndarray] = {}
    for key, ds, is_text in plan:
        arrays[key] = np.asarray(ds.asstr()[()], dtype=str) if is_text else ds[()]
    return arrays
