"""Reading pickled ``.npy`` object arrays (suite2p's ``stat.npy``/``ops.npy``) without
trusting them.

An ``.npy`` file with an object dtype stores a pickle after its header, and
``np.load(allow_pickle=True)`` would run whatever callable that pickle names. Here the
header is parsed by numpy's format module (no pickle) and the body by
:class:`RestrictedUnpickler`, whose ``find_class`` hands out only what rebuilds numpy
arrays, dtypes and scalars (plus Python 2's ``_codecs.encode`` for latin-1 bytes). Dicts,
lists, tuples, strings, numbers, booleans and ``None`` need no class lookup at all. Any
other global (``os.system``, ``builtins.eval``, a class with ``__reduce__``) is refused
*before* it is imported or called, so a crafted file executes nothing.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.errors import ReadError
from neurodeck.safety.limits import check_nbytes

try:  # numpy >= 2 keeps the pickle helpers in numpy._core; old pickles name numpy.core
    from numpy._core import multiarray as _multiarray
    from numpy._core import numeric as _numeric
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _multiarray  # type: ignore[no-redef]
    from numpy.core import numeric as _numeric  # type: ignore[no-redef]


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as Python 2-era numpy pickles use it: latin-1 only."""
    if not isinstance(text, str) or encoding.lower().replace("-", "") != "latin1":
        raise pickle.UnpicklingError("refused: _codecs.encode outside latin-1 bytes")
    return text.encode("latin1")


def _as_text(*parts: object) -> str:
    """Stand-in for classes suite2p leaves in ``ops`` (``pathlib.PosixPath``,
    ``datetime.datetime``): the value comes back as text, the class is never loaded."""
    if all(isinstance(p, str) for p in parts):
        return "/".join(parts)
    return " ".join(p.hex() if isinstance(p, bytes) else repr(p) for p in parts)


def _as_dict(*args: object) -> dict:
    """``collections.OrderedDict`` as a plain dict."""
    return dict(*args)  # type: ignore[arg-type]


_NUMPY_MODULES = ("numpy.core.multiarray", "numpy._core.multiarray")
#: (module, name) -> the object the pickle may use. Nothing here runs code of the file's
#: choosing: ``_reconstruct`` builds an empty ndarray (its subtype argument can only be
#: ``numpy.ndarray``, the one class handed out), ``scalar`` a numpy scalar from bytes.
ALLOWED: dict[tuple[str, str], Any] = {
    **{(m, "_reconstruct"): _multiarray._reconstruct for m in _NUMPY_MODULES},
    **{(m, "scalar"): _multiarray.scalar for m in _NUMPY_MODULES},
    # protocol-5 pickles rebuild arrays from an in-band buffer
    **{(m.replace("multiarray", "numeric"), "_frombuffer"): _numeric._frombuffer
       for m in _NUMPY_MODULES},
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
    # Inert stand-ins (our functions, returning text or a dict), never the named class:
    **{("pathlib", n): _as_text for n in ("Path", "PosixPath", "WindowsPath",
                                           "PurePosixPath", "PureWindowsPath")},
    ("datetime", "datetime"): _as_text,
    ("datetime", "date"): _as_text,
    ("datetime", "timezone"): _as_text,
    ("datetime", "timedelta"): _as_text,
    ("collections", "OrderedDict"): _as_dict,
}


class RefusedPickle(pickle.UnpicklingError):
    """The pickle names a global outside :data:`ALLOWED`."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that admits only numpy arrays/dtypes/scalars and plain containers.

    ``find_class`` is overridden without calling the base class: the base class would
    import the module first, and importing is already doing what the file asks.
    """

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise RefusedPickle(f"refused to load {module}.{name} (only numpy arrays, "
                                "dtypes, scalars, dicts, lists and numbers are read)") from None

    def persistent_load(self, pid: Any) -> Any:
        raise RefusedPickle("refused a persistent reference")


def loads(data: bytes) -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler` (latin-1 for Python 2 strings,
    as numpy does)."""
    return RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()


def load_npy(path: str | Path) -> np.ndarray:
    """An ``.npy`` file, numeric (memory-mapped) or object (restricted unpickling).

    Raises :class:`~neurodeck.errors.ReadError` naming the file for anything that is not
    a well-formed array of admitted content.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            offset = fh.tell()
            if not dtype.hasobject:
                count = int(np.prod(shape, dtype=np.float64)) if shape else 1
                if path.stat().st_size < offset + count * dtype.itemsize:
                    raise ValueError("the file is shorter than its header declares")
                return np.load(path, mmap_mode="r", allow_pickle=False)
            size = path.stat().st_size - offset
            check_nbytes(path, 20.0 * size, f"unpickling {size / 2**20:.0f} MiB of objects")
            body = fh.read()
    except ReadError:
        raise
    except (ValueError, OSError, EOFError, SyntaxError, OverflowError, TypeError) as exc:
        raise ReadError(path, f"not a readable .npy array ({exc})") from None
    try:
        out = loads(body)
    except RefusedPickle as exc:
        raise ReadError(path, f"the file's pickle names a callable: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any malformed pickle is a read error
        raise ReadError(path, f"damaged pickled array ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
    if not isinstance(out, np.ndarray):
        raise ReadError(path, f"the pickle holds a {type(out).__name__}, not an array")
    if tuple(out.shape) != tuple(shape):
        raise ReadError(path, f"the pickled array has shape {out.shape}, the header "
                              f"declares {shape}")
    return out
