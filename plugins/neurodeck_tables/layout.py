"""What arrays a container file holds, without reading them: NPZ, HDF5, MATLAB v5/v7.3.

:func:`describe_layout` lists every array with its shape and dtype and a guess of its
role; the GUI's mapping dialog shows it and passes the user's choice back to the
reader as keyword options (``data_key=``, ``labels_key=``...).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from tokenize import TokenError
from typing import Any

import numpy as np

from neurodeck.errors import ReadError
from neurodeck.safety.limits import check_array
from neurodeck.safety.references import walk_hdf5

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
MAT5_MARK = b"MATLAB 5.0 MAT-file"
# Arrays above this size stay on disk (h5py datasets) instead of being read at open.
LAZY_BYTES = 256 * 2**20


@dataclass
class ArrayInfo:
    """One array in a container: its key (``group/name``), shape, dtype and role guess."""

    key: str
    shape: tuple[int, ...]
    dtype: str
    role: str  # "traces", "labels", "vector", "scalar", "spike_times", "unit_ptr", "other"
    load: Callable[[], Any] = field(repr=False, default=lambda: None)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "shape": list(self.shape), "dtype": self.dtype,
                "role": self.role}


@dataclass
class Layout:
    """Arrays and scalar attributes of a container file, keyed by their path inside it."""

    path: Path
    format: str  # "npz", "hdf5", "mat5", "mat73"
    arrays: dict[str, ArrayInfo]
    attrs: dict[str, Any]  # "group/@name" -> value (HDF5 attributes)
    groups: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format,
                "arrays": [a.to_json() for a in self.arrays.values()],
                "groups": list(self.groups)}

    def children(self, group: str) -> dict[str, ArrayInfo]:
        """Arrays directly inside ``group`` ("" for the root), keyed by their short name."""
        prefix = f"{group}/" if group else ""
        return {k[len(prefix):]: a for k, a in self.arrays.items()
                if k.startswith(prefix) and "/" not in k[len(prefix):]}


def container_format(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if head.startswith(ZIP_MAGIC):
        return "npz"
    if head.startswith(MAT5_MARK):
        # v7.3 files are HDF5 with a 512-byte MATLAB user block in front.
        return "mat73" if head[512:520] == HDF5_MAGIC else "mat5"
    if head.startswith(HDF5_MAGIC) or head[512:520] == HDF5_MAGIC:
        return "hdf5"
    return None


def _role(shape: tuple[int, ...], dtype: np.dtype, name: str) -> str:
    low = name.lower().rsplit("/", 1)[-1]
    if dtype.kind in "USO":
        return "labels" if len(shape) == 1 else "other"
    if dtype.kind not in "biuf":
        return "other"
    if "unit_ptr" in low:
        return "unit_ptr"
    if "spike" in low and len(shape) == 1:
        return "spike_times"
    if len(shape) == 0 or (len(shape) <= 2 and int(np.prod(shape)) == 1):
        return "scalar"
    if len(shape) == 1 or (len(shape) == 2 and min(shape) == 1):
        return "vector"
    if len(shape) == 2:
        return "traces"
    return "other"


def describe_layout(path: str | Path) -> Layout:
    """Every array in an NPZ, HDF5 (incl. NWB) or MATLAB file, with shape, dtype and role.

    Raises :class:`~neurodeck.errors.ReadError` when the file is none of these.
    """
    path = Path(path)
    fmt = container_format(path)
    try:
        if fmt == "npz":
            return _scan_npz(path)
        if fmt == "mat5":
            return _scan_mat5(path)
        if fmt in ("hdf5", "mat73"):
            return _scan_hdf5(path, fmt)
    except ReadError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError, IndexError,
            RuntimeError, NotImplementedError, OverflowError, UnicodeDecodeError,
            zlib.error, TokenError) as exc:
        raise ReadError(path, f"not a readable {fmt} file ({type(exc).__name__}: {exc})") from exc
    raise ReadError(path, "not an NPZ, HDF5 or MATLAB file")


# -- NPZ -------------------------------------------------------------------------------
def _scan_npz(path: Path) -> Layout:
    arrays: dict[str, ArrayInfo] = {}
    with zipfile.ZipFile(path) as zf:
        for member in zf.infolist():
            if not member.filename.endswith(".npy"):
                continue
            key = member.filename[:-4]
            with zf.open(member) as fh:
                version = np.lib.format.read_magic(fh)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read_header(fh)
            arrays[key] = ArrayInfo(key, tuple(shape), str(dtype), _role(shape, dtype, key),
                                    _npz_loader(path, key, tuple(shape), dtype))
    if not arrays:
        raise ReadError(path, "the NPZ archive holds no arrays")
    return Layout(path, "npz", arrays, {}, [])


def _npz_loader(path: Path, key: str, shape: tuple[int, ...], dtype: Any) -> Callable[[], Any]:
    def load() -> np.ndarray:
        # The member's header declares the shape; inflating it is what a bomb relies on.
        check_array(path, shape, dtype, f"array {key!r}")
        with np.load(path, allow_pickle=False) as z:
            return z[key]
    return load


# -- MATLAB v5 ---------------------------------------------------------------------------
def _scan_mat5(path: Path) -> Layout:
    import scipy.io

    arrays: dict[str, ArrayInfo] = {}
    for name, shape, cls in scipy.io.whosmat(path):
        if cls == "struct":
            # Struct fields are arrays too: list them as "struct/field".
            value = scipy.io.loadmat(path, variable_names=[name], squeeze_me=True,
                                     struct_as_record=False)[name]
            for fname in getattr(value, "_fieldnames", []) or []:
                arr = _mat5_value(getattr(value, fname))
                if arr is not None:
                    key = f"{name}/{fname}"
                    arrays[key] = ArrayInfo(key, arr.shape, str(arr.dtype),
                                            _role(arr.shape, arr.dtype, key), _const(arr))
            continue
        dtype = np.dtype("U1") if cls in ("char", "cell") else np.dtype(float)
        shape = tuple(int(s) for s in shape)
        squeezed = tuple(s for s in shape if s != 1) if cls != "char" else (max(shape[0], 1),)
        arrays[name] = ArrayInfo(name, squeezed, cls, _role(squeezed, dtype, name),
                                 _mat5_loader(path, name, shape, cls))
    if not arrays:
        raise ReadError(path, "the MATLAB file holds no numeric or text arrays (arrays of "
                              "structs and cells of non-text values are not supported)")
    return Layout(path, "mat5", arrays, {}, sorted({k.split("/")[0] for k in arrays
                                                    if "/" in k}))


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


def _mat5_value(value: Any) -> np.ndarray | None:
    arr = np.asarray(value)
    if arr.dtype == object:
        flat = arr.reshape(-1)
        if all(isinstance(v, str) for v in flat):
            return flat.astype(str)
        return None
    if arr.dtype.kind in "US":
        return np.atleast_1d(arr)
    return arr if arr.dtype.kind in "biuf" else None


#: Bytes per element of each MATLAB class (cells and structs: at least a pointer).
_MAT_ITEMSIZE = {"double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2,
                 "int32": 4, "uint32": 4, "int64": 8, "uint64": 8, "logical": 1, "char": 4}


def _mat5_loader(path: Path, name: str, shape: tuple[int, ...] = (),
                 cls: str = "double") -> Callable[[], Any]:
    def load() -> np.ndarray:
        import scipy.io

        # What the variable header declares, before scipy inflates it.
        check_array(path, shape, f"V{_MAT_ITEMSIZE.get(cls, 8)}", f"variable {name!r}")

        value = scipy.io.loadmat(path, variable_names=[name], squeeze_me=True,
                                 chars_as_strings=True)[name]
        arr = _mat5_value(value)
        if arr is None:
            raise ReadError(path, f"variable {name!r} is not a numeric or text array")
        return arr
    return load


# -- HDF5 / MATLAB v7.3 / NWB --------------------------------------------------------------
def _scan_hdf5(path: Path, fmt: str) -> Layout:
    import h5py

    arrays: dict[str, ArrayInfo] = {}
    attrs: dict[str, Any] = {}
    groups: list[str] = []
    with h5py.File(path, "r") as f:
        _attrs_of(f, "", attrs)
        for name, obj in walk_hdf5(f):
            if isinstance(obj, h5py.Group):
                groups.append(name)
                _attrs_of(obj, name, attrs)
                continue
            if not isinstance(obj, h5py.Dataset) or name.startswith("#refs#"):
                continue
            _attrs_of(obj, name, attrs)  # a dataset's own attributes (its sampling rate)
            shape, dtype = tuple(obj.shape), obj.dtype
            is_char = fmt == "mat73" and obj.attrs.get("MATLAB_class", b"") in (b"char", "char")
            if fmt == "mat73":
                shape = shape[::-1]  # MATLAB is column-major: h5py sees the transpose
            if is_char or h5py.check_string_dtype(dtype) is not None:
                dtype = np.dtype("U1")
                if is_char:
                    shape = (1,)
            arrays[name] = ArrayInfo(name, shape, str(dtype), _role(shape, dtype, name),
                                     _h5_loader(path, name, fmt, is_char))
    if not arrays:
        raise ReadError(path, "the HDF5 file holds no arrays")
    return Layout(path, fmt, arrays, attrs, groups)


def _attrs_of(obj: Any, group: str, out: dict[str, Any]) -> None:
    for k in obj.attrs:
        try:
            v = obj.attrs[k]
        except (OSError, TypeError, ValueError):  # unreadable attribute types are skipped
            continue
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if isinstance(v, np.ndarray) and v.size == 1:
            v = v.reshape(-1)[0]
        if isinstance(v, (str, int, float, np.integer, np.floating)):
            out[f"{group}/@{k}" if group else f"@{k}"] = v.item() if hasattr(v, "item") else v


def _h5_loader(path: Path, name: str, fmt: str, is_char: bool) -> Callable[[], Any]:
    def load() -> Any:
        import h5py

        f = h5py.File(path, "r")
        ds = f[name]
        nbytes = int(np.prod(ds.shape, dtype=float)) * ds.dtype.itemsize
        if nbytes > LAZY_BYTES and not is_char and fmt == "hdf5":
            return ds  # stays on disk; the file stays open while the dataset lives
        try:
            check_array(path, ds.shape, ds.dtype if ds.dtype.kind != "O" else "V64",
                        f"array {name!r}")
            if is_char:
                codes = np.asarray(ds[()]).reshape(-1)
                return np.asarray(["".join(chr(int(c)) for c in codes)])
            if h5py.check_string_dtype(ds.dtype) is not None:
                return np.asarray(ds.asstr(errors="replace")[()], dtype=str)
            if ds.dtype.kind == "O":
                raise ReadError(path, f"{name!r} holds references/objects, not numbers")
            arr = np.asarray(ds[()])
            if fmt == "mat73":
                arr = arr.T
            return arr
        finally:
            f.close()
    return load
