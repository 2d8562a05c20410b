"""The imaging transforms: neuropil correction, dF/F, z-score, OASIS deconvolution, events.

Each takes traces (an :class:`~neurodeck_imaging.dataset.ImagingPlane` or any
:class:`~neurodeck.Traces`, one or several animals) and returns a new dataset; the input
is never changed. On an imaging plane ``rois="cells"`` keeps the ROIs classified as cells
*when the transform runs* (curate first); the output's ``meta["roi_index"]`` maps its
rows back to the plane's ROIs. Storage: neuropil, dF/F and z-score are lazy (each window
computed when read); deconvolution and events are computed in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from neurodeck.data import SpikeTrains, TimeSeries, Traces
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress

from . import baseline as bl
from . import deconv
from . import events as ev
from .dataset import ImagingPlane
from .lazy import RowWindowedArray

#: Rows read at a time when a transform needs a pass over the whole recording.
_ROWS_PER_PASS = 64


def _animals(ts: TimeSeries) -> list[TimeSeries]:
    if isinstance(ts, Traces) and not isinstance(ts, ImagingPlane) and ts.n_animals > 1:
        return [ts.animal(i) for i in range(ts.n_animals)]
    return [ts]


def _rows(ts: TimeSeries, which: str) -> np.ndarray | None:
    """Source rows to keep: the cells of an imaging plane (``which="cells"``), else all."""
    if isinstance(ts, ImagingPlane) and which == "cells":
        rows = ts.cells
        if not rows.size:
            raise InputError(f"{ts.name} has no ROI classified as a cell; curate some, or "
                             "use rois=all")
        return rows
    return None


def _output(ts: TimeSeries, parts: list[tuple[Any, list[str], np.ndarray | None]],
            what: str, name: str) -> Traces:
    """A Traces from one (array, labels, rows) per animal, meta saying what it holds."""
    meta: dict[str, Any] = {"signal": what}
    if isinstance(ts, ImagingPlane):
        rows = parts[0][2]
        meta["roi_index"] = (np.arange(ts.n_rois) if rows is None else rows).tolist()
        meta["plane"] = ts.name
    names = list(ts.animals) if isinstance(ts, Traces) and len(parts) > 1 else None
    events = ts.events
    if len(parts) == 1:
        data, labels, _ = parts[0]
        return Traces(data, labels, ts.sfreq, events=events, name=name, meta=meta)
    return Traces([p[0] for p in parts], [p[1] for p in parts], ts.sfreq, animals=names,
                  events=events, name=name, meta=meta)


def _labels(ts: TimeSeries, rows: np.ndarray | None) -> list[str]:
    labels = ts.labels
    return labels if rows is None else [labels[i] for i in rows]


def _lazy(ts: TimeSeries, which: str, fn_for: Callable[[TimeSeries, np.ndarray | None], Any],
          what: str, name: str) -> Traces:
    parts = []
    for animal in _animals(ts):
        rows = _rows(animal, which)
        parts.append((fn_for(animal, rows), _labels(animal, rows), rows))
    return _output(ts, parts, what, name)


# -- neuropil ------------------------------------------------------------------------------
def run_neuropil(inputs: list[Any], params: dict[str, Any], progress: Progress) -> Traces:
    ts = inputs[0]
    if not isinstance(ts, ImagingPlane) or "Fneu" not in ts.signals:
        raise InputError(f"{ts.name} has no neuropil trace (Fneu): neuropil correction "
                         "needs a segmented plane from suite2p (or ROIs extracted with "
                         "a neuropil ring)")
    r = float(params["r"])
    fneu = ts.signal("Fneu")

    def make(plane: TimeSeries, rows: np.ndarray | None) -> RowWindowedArray:
        return RowWindowedArray(
            plane.signal("F"),
            lambda b, lo, hi, src: b - r * fneu.get_data(lo, hi, picks=src.tolist()),
            rows=rows, dtype=np.float32)

    return _lazy(ts, params["rois"], make, f"F - {r:g} Fneu", f"{ts.name} neuropil r={r:g}")


# -- dF/F ----------------------------------------------------------------------------------
def baseline_frames(ts: TimeSeries, params: dict[str, Any]) -> tuple[int, int]:
    window = int(round(params["window_s"] * ts.sfreq))
    if window < 3:
        raise ParameterError(f"window_s {params['window_s']} s is under 3 frames at "
                             f"{ts.sfreq:g} Hz")
    if window > 2 * ts.n_times:
        window = 2 * ts.n_times  # the whole recording: a constant percentile
    step = max(int(round(params["step_s"] * ts.sfreq)), 1)
    return window, step


def run_dff(inputs: list[Any], params: dict[str, Any], progress: Progress) -> Traces:
    ts = inputs[0]
    window, step = baseline_frames(ts, params)
    q = float(params["percentile"])
    pad = window // 2 + step

    def make(animal: TimeSeries, rows: np.ndarray | None) -> RowWindowedArray:
        n = animal.n_times

        def fn(block, lo, hi, src):
            base = bl.running_percentile(block, lo, n, window, q, step)
            return bl.dff(block, base)

        return RowWindowedArray(animal, fn, pad=pad, rows=rows, dtype=np.float32)

    return _lazy(ts, params["rois"], make, f"dF/F (F0: {q:g}th percentile, "
                 f"{params['window_s']:g} s)", f"{ts.name} dF/F")


# -- z-score -------------------------------------------------------------------------------
def row_stats(ts: TimeSeries, rows: np.ndarray | None, progress: Progress
              ) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (ddof 0) of each row, over all frames, NaN ignored."""
    idx = np.arange(ts.n_rows) if rows is None else np.asarray(rows)
    mu, sd = np.empty(len(idx)), np.empty(len(idx))
    for a in range(0, len(idx), _ROWS_PER_PASS):
        progress.update(a / max(len(idx), 1), "row statistics")
        block = ts.get_data(0, ts.n_times, picks=idx[a:a + _ROWS_PER_PASS].tolist())
        mu[a:a + len(block)] = np.nanmean(block, axis=1)
        sd[a:a + len(block)] = np.nanstd(block, axis=1)
    return mu, sd


def run_zscore(inputs: list[Any], params: dict[str, Any], progress: Progress) -> Traces:
    ts = inputs[0]

    def make(animal: TimeSeries, rows: np.ndarray | None) -> RowWindowedArray:
        mu, sd = row_stats(animal, rows, progress)
        sd = np.where(sd > 0, sd, np.nan)  # a constant row has no z-score
        lookup = dict(zip((np.arange(animal.n_rows) if rows is None else rows).tolist(),
                          range(len(mu)), strict=True))

        def fn(block, lo, hi, src):
            k = np.array([lookup[int(r)] for r in src], dtype=int)
            return (block - mu[k, None]) / sd[k, None]

        return RowWindowedArray(animal, fn, rows=rows, dtype=np.float32)

    return _lazy(ts, params["rois"], make, "z-score", f"{ts.name} z")


# -- deconvolution ---------------------------------------------------------------------------
def run_deconvolve(inputs: list[Any], params: dict[str, Any], progress: Progress) -> Traces:
    ts = inputs[0]
    parts = []
    fits: list[dict[str, Any]] = []
    animals = _animals(ts)
    for k, animal in enumerate(animals):
        rows = _rows(animal, params["rois"])
        idx = np.arange(animal.n_rows) if rows is None else rows
        data = animal.get_data(0, animal.n_times, picks=idx.tolist())
        sub = progress.sub(k / len(animals), (k + 1) / len(animals))
        res = deconv.oasis(data, animal.sfreq, model=params["model"],
                           tau_d=params.get("tau_d"), tau_r=params.get("tau_r"),
                           penalty=params["penalty"], progress=sub)
        out = res.spikes if params["output"] == "spikes" else res.calcium
        parts.append((out, _labels(animal, rows), rows))
        fits.append({"g": [list(g) for g in res.g], "baseline": res.baseline.tolist(),
                     "lam": res.lam.tolist()})
    what = ("deconvolved spikes" if params["output"] == "spikes" else "denoised calcium") + \
        f" (OASIS {params['model'].upper()}, {params['penalty'].upper()})"
    out = _output(ts, parts, what, f"{ts.name} OASIS {params['output']}")
    out.meta["oasis"] = fits if len(fits) > 1 else fits[0]
    return out


# -- events ---------------------------------------------------------------------------------
def run_events(inputs: list[Any], params: dict[str, Any], progress: Progress) -> SpikeTrains:
    ts = inputs[0]
    if isinstance(ts, Traces) and not isinstance(ts, ImagingPlane) and ts.n_animals > 1:
        raise InputError(f"{ts.name} holds {ts.n_animals} animals: detect events per animal "
                         "(open one member, or apply to the study)")
    rows = _rows(ts, params["rois"])
    idx = np.arange(ts.n_rows) if rows is None else rows
    labels = _labels(ts, rows)
    method = params["method"]
    if method == "auto":
        method = "deconvolved" if "deconvolved" in str(ts.meta.get("signal", "")) else "zscore"
    min_gap = max(int(round(params["min_interval_s"] * ts.sfreq)), 1)
    trains = []
    for a in range(0, len(idx), _ROWS_PER_PASS):
        progress.update(a / max(len(idx), 1), "detecting events")
        block = ts.get_data(0, ts.n_times, picks=idx[a:a + _ROWS_PER_PASS].tolist())
        for row in block:
            if method == "deconvolved":
                frames, counts = ev.spike_counts(row, params["min_fraction"])
                frames = np.repeat(frames, counts)
            else:
                frames = ev.crossings(row, params["threshold"], min_gap)
            trains.append(frames / ts.sfreq)
    meta = {"method": method, "sfreq": ts.sfreq, "threshold": params["threshold"] if
            method == "zscore" else params["min_fraction"]}
    if isinstance(ts, ImagingPlane):
        meta["roi_index"] = idx.tolist()
    elif "roi_index" in ts.meta:
        meta["roi_index"] = ts.meta["roi_index"]
    return SpikeTrains(trains, labels, ts.n_times / ts.sfreq, events=ts.events,
                       name=f"{ts.name} events", meta=meta)
