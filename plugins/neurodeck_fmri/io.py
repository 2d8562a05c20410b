"""NIfTI images (fMRI runs, label atlases) and ROI time-series tables.

* 4-D NIfTI -> :class:`~neurodeck.FmriRun`, voxels left on disk (nibabel proxy). TR
  from, in order: the ``tr=`` option, a BIDS sidecar (``RepetitionTime``), the
  header's 4th zoom in its time unit.
* 3-D integer NIfTI -> :class:`~neurodeck.Atlas` (``as_atlas=True`` forces it);
  region names from a look-up table beside it (``<name>.tsv``/``.csv``/``.txt``:
  ``index name`` per row, or a BIDS ``index``/``name`` header).
* ROI tables (CSV/TSV with ROI names as the header, or AFNI ``.1D``: whitespace,
  no header, one column per ROI) -> :class:`~neurodeck.RoiTimeSeries`, time down the
  rows. The TR comes from ``tr=``, a JSON sidecar (``RepetitionTime``, ``tr`` or
  ``SamplingFrequency``); a ``.1D`` without one asks for ``tr=`` (no default TR).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.data import Atlas, FmriRun, RoiTimeSeries
from neurodeck.errors import LayoutChoiceNeeded, NotMine, ReadError
from neurodeck.safety import policy
from neurodeck.safety.limits import TR_S, check_array, check_range, check_text, declared_nbytes
from neurodeck.textfiles import json_sidecar, text_lines

NIFTI_EXTENSIONS = (".nii", ".nii.gz")
# Reading a whole label image to list its labels; a larger one is surely not an atlas.
MAX_ATLAS_VOXELS = 512**3
_TIME_UNIT_S = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6}


def _strip_nifti(path: Path) -> str:
    name = path.name
    for ext in (".nii.gz", ".nii", ".1D", ".csv", ".tsv", ".txt"):
        if name.lower().endswith(ext.lower()):
            return name[: -len(ext)]
    return path.stem


def bids_sidecar(path: Path) -> dict[str, Any]:
    """``<name>.json`` beside an image or table (BIDS style), or ``{}``."""
    return json_sidecar((path.with_name(_strip_nifti(path) + ".json"),
                         path.with_name(path.name + ".json")))


def _positive(path: Path, value: Any, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ReadError(path, f"{what} {value!r} is not a number") from None
    if not np.isfinite(out) or out <= 0:
        raise ReadError(path, f"{what} must be positive, got {out}")
    return out


def _tr(path: Path, value: Any, what: str) -> float:
    """A repetition time in seconds, positive and plausible."""
    return check_range(path, what, _positive(path, value, what), *TR_S, unit="s")


def _tr_needed(path: Path, what: str) -> LayoutChoiceNeeded:
    """Never a silent default TR: the GUI asks, scripts are told which option to pass."""
    return LayoutChoiceNeeded(path, f"{what} do not record the repetition time, and "
                                    "neurodeck does not guess one: pass tr=<seconds> (CLI: "
                                    "--option tr=2.0), or add a sidecar with RepetitionTime",
                              "tr", [])


def _declared_bytes(img: Any) -> float:
    return declared_nbytes(img.shape, np.dtype(img.get_data_dtype()).itemsize)


def sniff_nifti(path: Path) -> bool:
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(348)
    except OSError:
        return False
    return len(head) == 348 and head[344:348] in (b"n+1\x00", b"ni1\x00")


def _load(path: Path) -> Any:
    import nibabel as nib

    try:
        img = nib.load(str(path))
    except Exception as exc:  # noqa: BLE001 - nibabel raises many types on bad headers
        raise ReadError(path, f"not a readable NIfTI image ({type(exc).__name__}: {exc})") \
            from exc
    shape = tuple(int(s) for s in img.shape)
    if len(shape) not in (3, 4) or min(shape) < 1:
        raise ReadError(path, f"expected a 3-D or 4-D image, got shape {shape}")
    itemsize = np.dtype(img.get_data_dtype()).itemsize
    expected = int(np.prod(shape, dtype=np.int64)) * itemsize
    if not path.name.lower().endswith(".gz"):
        # The header declares the data size; a shorter file is truncated (or lies).
        offset = int(getattr(img.dataobj, "offset", 0))
        if path.stat().st_size < offset + expected:
            raise ReadError(path, f"the file is truncated: the header declares {shape} "
                                  f"voxels ({expected} bytes), the file holds "
                                  f"{path.stat().st_size - offset}")
    return img


def _probe(path: Path, img: Any) -> None:
    """Read the first and last voxel: catches truncated or corrupt compressed data.

    A compressed image declaring more than the memory budget stays lazy: reaching its
    last voxel would inflate all of it (4 MB of gzip can declare 4 GB), so only the
    first voxel is read at open."""
    try:
        proxy = img.dataobj
        first = tuple(0 for _ in img.shape)
        last = tuple(int(s) - 1 for s in img.shape)
        np.asarray(proxy[first])
        gz = path.name.lower().endswith(".gz")
        if not gz or _declared_bytes(img) <= policy.current().memory_budget:
            np.asarray(proxy[last])
    except Exception as exc:  # noqa: BLE001 - zlib/EOF/OSError on damaged data
        raise ReadError(path, f"the image data are damaged ({type(exc).__name__}: {exc})") \
            from exc


def read_nifti(path: str | Path, *, tr: float | None = None,
               as_atlas: bool | None = None) -> FmriRun | Atlas:
    """A 4-D run (or a 3-D image) as FmriRun; a 3-D integer label image as Atlas."""
    path = Path(path)
    img = _load(path)
    _probe(path, img)
    is_int = np.issubdtype(img.get_data_dtype(), np.integer)
    if as_atlas or (as_atlas is None and len(img.shape) == 3 and is_int
                    and _looks_like_labels(img)):
        return read_atlas(path, img=img)
    side = bids_sidecar(path)
    if tr is not None:
        tr_s, source = _tr(path, tr, "tr"), "parameter"
    elif "RepetitionTime" in side:
        tr_s, source = _tr(path, side["RepetitionTime"], "RepetitionTime"), "sidecar"
    else:
        zooms = img.header.get_zooms()
        unit = img.header.get_xyzt_units()[1] if hasattr(img.header, "get_xyzt_units") \
            else "sec"
        scale = _TIME_UNIT_S.get(unit, 1.0)
        if len(zooms) > 3 and np.isfinite(zooms[3]) and zooms[3] > 0:
            tr_s = check_range(path, "TR (pixdim[4], the 4th voxel size)",
                               float(zooms[3]) * scale, *TR_S, unit="s")
            source = f"header ({unit or 'unknown'} unit)"
        elif len(img.shape) == 4 and img.shape[3] > 1:
            raise _tr_needed(path, "this 4-D image's header (pixdim[4] is 0) and its sidecar")
        else:
            tr_s, source = 1.0, "none (a single volume)"
    return FmriRun(img, tr_s, name=path.name, source=path, meta={"tr_source": source})


def _looks_like_labels(img: Any) -> bool:
    if int(np.prod(img.shape, dtype=np.int64)) > MAX_ATLAS_VOXELS:
        return False
    if _declared_bytes(img) > policy.current().memory_budget:
        return False  # reading it whole to list its values would exceed the budget
    values = np.unique(np.asarray(img.dataobj))
    # Label atlases hold few distinct values (background 0 plus regions).
    return values.size <= 2048 and values.min() >= 0


def read_atlas(path: str | Path, *, img: Any = None, labels: str | Path | None = None) -> Atlas:
    """A 3-D label image with region names from a look-up table beside it."""
    path = Path(path)
    img = _load(path) if img is None else img
    if len(img.shape) != 3:
        raise ReadError(path, f"a label atlas must be 3-D, got shape {tuple(img.shape)}")
    if int(np.prod(img.shape, dtype=np.int64)) > MAX_ATLAS_VOXELS:
        raise ReadError(path, "the image is too large to be a label atlas")
    check_array(path, img.shape, img.get_data_dtype(), "reading the label image")
    data = np.asarray(img.dataobj)
    if not np.all(np.isfinite(data)) or not np.allclose(data, np.round(data)) or data.min() < 0:
        raise ReadError(path, "a label atlas must hold non-negative integer labels")
    names = label_names(Path(labels) if labels else None, path)
    return Atlas(img, names, name=path.name, source=path,
                 meta={"labels_file": str(labels) if labels else None})


def label_names(lut: Path | None, image: Path) -> dict[int, str] | None:
    """``{label value: name}`` from a look-up table (explicit, or beside the image)."""
    if lut is None:
        stem = _strip_nifti(image)
        lut = next((image.with_name(stem + ext) for ext in (".tsv", ".csv", ".txt", "_lut.txt")
                    if image.with_name(stem + ext).exists()), None)
        if lut is None:
            return None
    try:
        text = lut.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ReadError(lut, f"cannot read the label table ({exc})") from exc
    out: dict[int, str] = {}
    delim = "\t" if "\t" in text else ("," if "," in text.splitlines()[0] else None)
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in (line.split(delim) if delim else line.split(None, 1))]
        if len(cells) < 2:
            continue
        try:
            out[int(float(cells[0]))] = cells[1]
        except ValueError:
            continue  # a header row ("index name")
    if not out:
        raise ReadError(lut, "no 'index name' rows in the label table")
    return out


# -- ROI tables ------------------------------------------------------------------------------
def read_roi_table(path: str | Path, *, tr: float | None = None,
                   atlas: str | None = None) -> RoiTimeSeries:
    """A ROI time-series table (time down the rows, one column per ROI)."""
    path = Path(path)
    afni = path.name.lower().endswith(".1d")
    side = bids_sidecar(path)
    if tr is not None:
        tr_s, source = _tr(path, tr, "tr"), "parameter"
    elif "RepetitionTime" in side or "tr" in side:
        tr_s = _tr(path, side.get("RepetitionTime", side.get("tr")), "RepetitionTime")
        source = "sidecar"
    elif "SamplingFrequency" in side:
        tr_s = _tr(path, 1.0 / _positive(path, side["SamplingFrequency"], "SamplingFrequency"),
                   "1 / SamplingFrequency")
        source = "sidecar"
    elif afni:
        raise _tr_needed(path, "this AFNI .1D table (it has no header) and its sidecar")
    else:
        # Without a TR a CSV is just a table: let the traces reader take it.
        raise NotMine(path, "not an ROI table (no TR: pass tr= or add a sidecar "
                              "with RepetitionTime)")
    names, values = _parse_table(path, afni)
    return RoiTimeSeries(values.T, names, tr_s, atlas=atlas or side.get("atlas"),
                         name=path.name, source=path, meta={"tr_source": source})


def _parse_table(path: Path, afni: bool) -> tuple[list[str] | None, np.ndarray]:
    check_text(path)
    lines = text_lines(path)
    if afni:
        rows = [ln.split() for ln in lines]
    else:
        delim = "\t" if lines[0].count("\t") > lines[0].count(",") else ","
        try:
            rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO("\n".join(lines)),
                                                               delimiter=delim)]
        except csv.Error as exc:
            raise ReadError(path, f"malformed CSV ({exc})") from exc
    header: list[str] | None = None
    try:
        [float(c) for c in rows[0]]
    except ValueError:
        header, rows = rows[0], rows[1:]
    if not rows:
        raise ReadError(path, "the table has no data rows")
    width = len(rows[0])
    bad = next((i for i, r in enumerate(rows) if len(r) != width), None)
    if bad is not None:
        raise ReadError(path, f"data row {bad + 1} has {len(rows[bad])} fields, expected {width}")
    if header is not None and len(header) != width:
        raise ReadError(path, f"the header has {len(header)} names for {width} columns")
    try:
        values = np.array([[float(x) for x in r] for r in rows])
    except ValueError as exc:
        raise ReadError(path, f"non-numeric value in the table ({exc})") from exc
    if not np.all(np.isfinite(values)):
        raise ReadError(path, "the table holds NaN or infinite values")
    return header, values
