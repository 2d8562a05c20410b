"""Readers for traces tables and arrays.

Layout conventions (documented in docs/formats.md):

* CSV/TSV: a header row of neuron labels, one row per time point. A column named
  ``time``/``time_s``/``t`` gives sample times (the sampling rate is inferred from
  them); otherwise the rate comes from a sidecar ``<file>.json`` (``{"sfreq": 10}``)
  or defaults to 1 Hz.
* CSV/TSV spike tables: exactly two columns, a unit column (``unit``, ``neuron``,
  ``cluster``...) and a spike-time column (``time``, ``spike_time``, ``time_s``...), one
  row per spike -> :class:`~neurodeck.SpikeTrains`.
* NPY: a 2-D array, neurons x time; labels and ``sfreq`` may come from the sidecar.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from tokenize import TokenError

import numpy as np

from neurodeck.atomic import atomic_path
from neurodeck.data import SpikeTrains, TimeSeries, Traces
from neurodeck.errors import ReadError
from neurodeck.safety.limits import SFREQ_HZ, check_range, check_text
from neurodeck.textfiles import json_sidecar, text_lines

TIME_COLUMNS = ("time", "time_s", "times", "t", "seconds")
UNIT_COLUMNS = ("unit", "units", "unit_id", "neuron", "cluster", "cluster_id", "cell")
SPIKE_TIME_COLUMNS = (*TIME_COLUMNS, "spike_time", "spike_times", "spike_time_s", "spike_s")


def sidecar(path: Path) -> dict:
    """``<file>.json`` beside the data file, if any (sfreq, labels, animal)."""
    return json_sidecar((path.with_name(path.name + ".json"), path.with_suffix(".json")))


def _rate_from_times(path: Path, t: np.ndarray) -> float:
    dt = np.diff(t)
    if t.size < 2 or not np.all(np.isfinite(dt)) or np.any(dt <= 0):
        raise ReadError(path, "the time column is not strictly increasing")
    step = float(np.median(dt))
    if np.max(np.abs(dt - step)) > 0.01 * step:
        raise ReadError(path, "the time column is not evenly sampled")
    return 1.0 / step


def read_table(path: Path, sfreq: float | None = None) -> Traces | SpikeTrains:
    path = Path(path)
    if sfreq is not None and (not np.isfinite(float(sfreq)) or float(sfreq) <= 0):
        raise ReadError(path, f"sfreq must be a positive number, got {sfreq}")
    check_text(path)
    lines = text_lines(path)
    delim = "\t" if path.suffix.lower() == ".tsv" or lines[0].count("\t") > lines[0].count(",") \
        else ","
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
    except csv.Error as exc:
        raise ReadError(path, f"malformed CSV ({exc})") from exc
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    if len(header) == 2 and lower[0] in UNIT_COLUMNS and lower[1] in SPIKE_TIME_COLUMNS:
        return _spike_table(path, rows[1:])
    if _all_numeric(header):
        body_rows, header = rows, [f"n{i}" for i in range(len(header))]
    else:
        body_rows = rows[1:]
    if not body_rows:
        raise ReadError(path, "the table has a header but no data rows")
    ncol = len(header)
    bad = next((i for i, r in enumerate(body_rows) if len(r) != ncol), None)
    if bad is not None:
        raise ReadError(path, f"row {bad + 2} has {len(body_rows[bad])} fields, expected {ncol}")
    try:
        values = np.array([[float(x) if x.strip() else np.nan for x in r] for r in body_rows])
        if values.size and not np.all(np.isfinite(values[~np.isnan(values)])):
            raise ValueError("infinite value")
    except ValueError as exc:
        raise ReadError(path, f"non-numeric value in the table ({exc})") from exc
    meta = sidecar(path)
    lower = [h.lower() for h in header]
    time_col = next((lower.index(c) for c in TIME_COLUMNS if c in lower), None)
    rate = sfreq or meta.get("sfreq")
    if time_col is not None:
        t = values[:, time_col]
        rate = rate or _rate_from_times(path, t)
        values = np.delete(values, time_col, axis=1)
        header = [h for i, h in enumerate(header) if i != time_col]
    if not header:
        raise ReadError(path, "the table has only a time column")
    rate = check_range(path, "sampling rate", rate or 1.0, *SFREQ_HZ, unit="Hz")
    return Traces(values.T, header, rate, name=path.name, source=path,
                  meta={"sfreq_source": "time column" if time_col is not None else
                        ("sidecar" if meta.get("sfreq") else "default 1 Hz")})


def _spike_table(path: Path, rows: list[list[str]]) -> SpikeTrains:
    bad = next((i for i, r in enumerate(rows) if len(r) != 2), None)
    if bad is not None:
        raise ReadError(path, f"row {bad + 2} has {len(rows[bad])} fields, expected 2")
    try:
        times = np.array([float(r[1]) for r in rows])
    except ValueError as exc:
        raise ReadError(path, f"non-numeric spike time ({exc})") from exc
    units = [r[0].strip() for r in rows]
    try:
        return SpikeTrains(times, units, name=path.name, source=path)
    except ValueError as exc:
        raise ReadError(path, str(exc)) from exc


def _all_numeric(cells: list[str]) -> bool:
    try:
        [float(c) for c in cells]
    except ValueError:
        return False
    return True


def sniff_npy(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(6) == b"\x93NUMPY"


def sniff_npz(path: Path) -> bool:
    from .layout import container_format

    return container_format(path) == "npz"


def sniff_hdf5(path: Path) -> bool:
    from .layout import container_format

    return container_format(path) == "hdf5"


def sniff_mat(path: Path) -> bool:
    from .layout import container_format

    return container_format(path) in ("mat5", "mat73")


def read_npy(path: Path) -> Traces:
    path = Path(path)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError, SyntaxError, OverflowError, TokenError) as exc:
        raise ReadError(path, f"not a plain numeric .npy array ({exc})") from exc
    if arr.ndim != 2:
        raise ReadError(path, f"expected a 2-D array (neurons x time), got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ReadError(path, f"expected numbers, got dtype {arr.dtype}")
    meta = sidecar(path)
    labels = meta.get("labels")
    if labels is not None and len(labels) != arr.shape[0]:
        raise ReadError(path, f"sidecar has {len(labels)} labels for {arr.shape[0]} rows")
    rate = check_range(path, "sfreq (sampling rate, in the sidecar)", meta.get("sfreq", 1.0),
                       *SFREQ_HZ, unit="Hz")
    return Traces(arr, labels, rate, name=path.name, source=path)


def write_csv(ts: TimeSeries, path: Path) -> None:
    """Time column plus one column per row, written atomically."""
    data = ts.get_data()
    with atomic_path(path) as tmp:
        cols = ["time_s", *ts.labels]
        table = np.column_stack([ts.times, data.T])
        np.savetxt(tmp, table, delimiter=",", header=",".join(cols), comments="", fmt="%.17g")
