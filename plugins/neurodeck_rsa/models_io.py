"""Model RDMs from files (.npy, .h5/.hdf5, .mat), stacked as ``n_models x n x n``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurodeck.errors import ReadError
from neurodeck.safety import guarded

H5_KEYS = ("model_rdms", "rdms", "RDMs", "models")


def _square(arr: np.ndarray, path: Path) -> np.ndarray:
    arr = np.asarray(arr, float)
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
        raise ReadError(path, f"model RDMs must be n x n or n_models x n x n, got {arr.shape}")
    if not np.allclose(arr, np.swapaxes(arr, 1, 2), equal_nan=True):
        raise ReadError(path, "model RDMs must be symmetric")
    return arr


def _names(raw, n: int, stem: str) -> list[str]:
    if raw is None:
        return [f"{stem} {i + 1}" for i in range(n)] if n > 1 else [stem]
    names = [x.decode() if isinstance(x, bytes) else str(x) for x in np.asarray(raw).ravel()]
    if len(names) != n:
        raise ValueError(f"{len(names)} names for {n} models")
    return names


@guarded  # scipy's MAT parser segfaults on crafted files: probe them in a worker
def read_models(path: str | Path) -> tuple[np.ndarray, list[str]]:
    """Return (model RDMs n_models x n x n, model names)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            arr = _square(np.load(path, allow_pickle=False), path)
            return arr, _names(None, arr.shape[0], path.stem)
        if suffix in (".h5", ".hdf5"):
            import h5py

            with h5py.File(path, "r") as f:
                key = next((k for k in H5_KEYS if k in f), None)
                if key is None:
                    raise ReadError(path, f"no model RDM dataset (looked for {', '.join(H5_KEYS)})")
                arr = _square(f[key][()], path)
                names = next((f[k][()] for k in ("model_names", "names", "rdm_names")
                              if k in f), None)
            return arr, _names(names, arr.shape[0], path.stem)
        if suffix == ".mat":
            return _read_mat(path)
    except ReadError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise ReadError(path, f"not a readable model RDM file ({exc})") from exc
    raise ReadError(path, f"unsupported model file type {suffix or '(none)'}; "
                          "use .npy, .h5 or .mat")


def _read_mat(path: Path) -> tuple[np.ndarray, list[str]]:
    """A numeric array, or an rsatoolbox/RSA-toolbox struct array with RDM and name."""
    from scipy.io import loadmat

    data = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    for value in data.values():
        if value.dtype.names and "RDM" in value.dtype.names:
            flat = value.ravel()
            arr = _square(np.stack([np.asarray(e["RDM"], float) for e in flat]), path)
            names = ([str(np.asarray(e["name"]).ravel()[0]) for e in flat]
                     if "name" in value.dtype.names else None)
            return arr, _names(names, arr.shape[0], path.stem)
    numeric = [v for v in data.values() if isinstance(v, np.ndarray) and v.dtype.kind in "fiu"]
    if len(numeric) != 1:
        raise ReadError(path, "expected one numeric array or a struct array with an RDM field")
    arr = _square(numeric[0] if numeric[0].ndim == 2 else np.moveaxis(numeric[0], -1, 0), path)
    return arr, _names(None, arr.shape[0], path.stem)


@guarded
def read_features(path: str | Path) -> tuple[np.ndarray, list[str] | None, np.ndarray | None]:
    """A condition x feature table: (features, feature names, condition labels or None).

    ``.npy``: a numeric array, rows in the data's condition order. ``.csv``/``.tsv``:
    a header row of feature names; a first column of text (or named ``condition``)
    holds condition labels that the rows are matched by.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            arr = np.load(path, allow_pickle=False)
            if arr.dtype.kind not in "fiub" or arr.ndim not in (1, 2):
                raise ReadError(path, f"features must be a numeric 2-D array, got {arr.dtype} "
                                      f"{arr.shape}")
            return np.asarray(arr, float).reshape(arr.shape[0], -1), None, None
        if suffix in (".csv", ".tsv", ".txt"):
            import pandas as pd

            table = pd.read_csv(path, sep="\t" if suffix == ".tsv" else None, engine="python")
            first = table.columns[0]
            conds = None
            if str(first).lower() in ("condition", "conditions", "stimulus", "label") or \
                    table[first].dtype.kind not in "fiub":
                conds = table[first].astype(str).to_numpy()
                table = table.drop(columns=first)
            bad = [c for c in table.columns if table[c].dtype.kind not in "fiub"]
            if bad:
                raise ReadError(path, f"non-numeric feature column(s): {', '.join(map(str, bad))}")
            if table.shape[1] == 0:
                raise ReadError(path, "no feature columns")
            return table.to_numpy(float), [str(c) for c in table.columns], conds
    except ReadError:
        raise
    except (OSError, ValueError) as exc:
        raise ReadError(path, f"not a readable feature table ({exc})") from exc
    raise ReadError(path, f"unsupported feature file type {suffix or '(none)'}; "
                          "use .npy, .csv or .tsv")
