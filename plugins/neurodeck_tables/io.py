"""Readers for traces tables and arrays.

Layout conventions (documented in docs/formats.md):

* CSV/TSV: a header row of neuron labels, one row per time point. A column named
  ``time``/``time_s``/``t`` gives sample times (the sampling rate is inferred from
  them); otherwise the rate comes from ``sfreq=`` or a sidecar ``<file>.json``
  (``{"sfreq": 10}``). There is no default: without one the reader raises
  :class:`~neurodeck.errors.LayoutChoiceNeeded` (option ``sfreq``), so the GUI asks and
  scripts get a message naming the option.
* CSV/TSV spike tables: exactly two columns, a unit column (``unit``, ``neuron``,
  ``cluster``...) and a spike-time column (``time``, ``spike_time``, ``time_s``...), one
  row per spike -> :class:`~neurodeck.SpikeTrains`.
* Spike-time text files: one numeric column of non-decreasing times (``#`` comment
  lines allowed), one unit -> :class:`~neurodeck.SpikeTrains`. The unit of the times is
  ``time_unit=`` (``s``, ``ms``, ``us``), else inferred from the column name
  (``spike_time_ms``) or a comment naming it (``# spike times in ms``), else asked: the
  question lists what each unit would make of the file (duration, mean rate).
* NPY: a 2-D array, neurons x time; labels and ``sfreq`` from ``sfreq=`` or the sidecar.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from tokenize import TokenError
from typing import Any

import numpy as np

from neurodeck.atomic import atomic_path
from neurodeck.data import SpikeTrains, TimeSeries, Traces
from neurodeck.errors import LayoutChoiceNeeded, ReadError
from neurodeck.safety.limits import SFREQ_HZ, check_range, check_text
from neurodeck.textfiles import json_sidecar, text_lines

TIME_COLUMNS = ("time", "time_s", "times", "t", "seconds")
UNIT_COLUMNS = ("unit", "units", "unit_id", "neuron", "cluster", "cluster_id", "cell")
SPIKE_TIME_COLUMNS = (*TIME_COLUMNS, "spike_time", "spike_times", "spike_time_s", "spike_s")
#: Units of spike times, in seconds, by the names a header or comment may use.
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
_UNIT_WORDS = {"s": ("s", "sec", "secs", "second", "seconds"),
               "ms": ("ms", "msec", "msecs", "millisecond", "milliseconds"),
               "us": ("us", "usec", "usecs", "µs", "microsecond", "microseconds")}


class RateNeeded(LayoutChoiceNeeded):
    """The file does not say its sampling rate: the reader needs ``sfreq=`` (Hz)."""

    def __init__(self, path: Path, what: str = "this table"):
        super().__init__(path, f"{what} does not record its sampling rate, and neurodeck "
                               "does not guess one: pass sfreq=<Hz> (neurodeck.open(..., "
                               "sfreq=10.0); CLI: --option sfreq=10), or add a sidecar "
                               f'{path.name}.json with {{"sfreq": 10.0}} (an fMRI ROI '
                               "table: tr=<seconds> instead)", "sfreq", [])


def rate_or_ask(path: Path, rate: Any, what: str = "this table") -> float:
    """``rate`` checked as a plausible sampling rate, or :class:`RateNeeded` when None."""
    if rate is None:
        raise RateNeeded(path, what)
    return check_range(path, "sampling rate", rate, *SFREQ_HZ, unit="Hz")


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


def read_table(path: Path, sfreq: float | None = None, time_unit: str | None = None
               ) -> Traces | SpikeTrains:
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
    if len(header) == 1 and (_all_numeric(header) or lower[0] in SPIKE_TIME_COLUMNS
                             or _unit_in_name(lower[0]) is not None):
        times = _spike_column(path, rows if _all_numeric(header) else rows[1:])
        if times is not None:
            name = None if _all_numeric(header) else lower[0]
            return _spike_times(path, times, name, time_unit)
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
    rate = rate_or_ask(path, rate)
    return Traces(values.T, header, rate, name=path.name, source=path,
                  meta={"sfreq_source": "parameter" if sfreq else "sidecar" if
                        meta.get("sfreq") else "time column"})


# -- spike-time text files -----------------------------------------------------------------
class TextSpikeTrains(SpikeTrains):
    """Spike trains read from a text file, saying which unit its times were in."""

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["time_unit"] = f"{self.meta.get('time_unit')} ({self.meta.get('time_unit_source')})"
        return out


def _spike_column(path: Path, rows: list[list[str]]) -> np.ndarray | None:
    """The column as times if it is one (numbers, non-negative, non-decreasing), else None."""
    try:
        t = np.array([float(r[0]) for r in rows if r])
    except (ValueError, IndexError):
        return None
    if t.size < 2 or not np.all(np.isfinite(t)) or t.min() < 0 or np.any(np.diff(t) < 0):
        return None
    return t


def _unit_in_name(name: str) -> str | None:
    words = re.split(r"[^a-zµ]+", name.lower())
    for unit, names in _UNIT_WORDS.items():
        if unit != "s" and any(w in names for w in words):
            return unit
    return "s" if name.endswith(("_s", "(s)", "[s]")) or "seconds" in words else None


def _unit_in_comments(path: Path) -> str | None:
    """A unit named by a comment about the spike times (``# spike times (ms)``)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = [next(fh, "") for _ in range(200)]
    except OSError:
        return None
    for line in head:
        text = line.strip().lower()
        if text.startswith("#") and re.search(r"\b(spike|spikes|spike[ _]?times?)\b", text):
            unit = _unit_in_name(text)
            if unit is not None:
                return unit
    return None


def _spike_times(path: Path, t: np.ndarray, column: str | None, time_unit: str | None
                 ) -> TextSpikeTrains:
    if time_unit is not None:
        unit, source = str(time_unit).lower().replace("µ", "u"), "given (time_unit=)"
        if unit not in TIME_UNITS:
            raise ReadError(path, f"time_unit must be one of {', '.join(TIME_UNITS)}, "
                                  f"got {time_unit!r}")
    else:
        unit = _unit_in_name(column) if column else None
        source = f"column name {column!r}"
        if unit is None:
            unit, source = _unit_in_comments(path), "a comment line"
    if unit is None:
        raise LayoutChoiceNeeded(
            path, f"{t.size} spike times (one column) but no unit: pass time_unit=s, ms or "
                  "us (CLI: --option time_unit=ms). Each unit would make the recording: "
                  + "; ".join(f"{u}: {_implied(t, u)}" for u in TIME_UNITS),
            "time_unit", [{"key": u, "shape": [int(t.size)], "dtype": "spike times",
                           "role": _implied(t, u)} for u in TIME_UNITS])
    seconds = t * TIME_UNITS[unit]
    try:
        return TextSpikeTrains([seconds], [path.stem], name=path.name, source=path,
                               meta={"time_unit": unit, "time_unit_source": source})
    except ValueError as exc:
        raise ReadError(path, str(exc)) from exc


def _implied(t: np.ndarray, unit: str) -> str:
    span = float(t[-1]) * TIME_UNITS[unit]
    rate = t.size / span if span > 0 else float("inf")
    return f"{span:.4g} s long, {rate:.3g} spikes/s"


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


def read_npy(path: Path, sfreq: float | None = None) -> Traces:
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
    rate = rate_or_ask(path, sfreq if sfreq is not None else meta.get("sfreq"),
                       "this .npy array")
    return Traces(arr, labels, rate, name=path.name, source=path,
                  meta={"sfreq_source": "parameter" if sfreq is not None else "sidecar"})


def write_csv(ts: TimeSeries, path: Path) -> None:
    """Time column plus one column per row, written atomically."""
    data = ts.get_data()
    with atomic_path(path) as tmp:
        cols = ["time_s", *ts.labels]
        table = np.column_stack([ts.times, data.T])
        np.savetxt(tmp, table, delimiter=",", header=",".join(cols), comments="", fmt="%.17g")
