"""NWB (Neurodata Without Borders) through pynwb: ROI responses, units, trials.

* ``RoiResponseSeries`` (inside ``DfOverF`` / ``Fluorescence`` or anywhere) ->
  :class:`~neurodeck.Traces` (ROIs x time), ROI labels from a text column of the
  plane segmentation (``neuron_label``, ``label``, ``name``...) or the ROI ids.
* ``Units`` -> :class:`~neurodeck.SpikeTrains`.
* ``trials`` and other ``TimeIntervals`` -> :class:`~neurodeck.Events` on each.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.atomic import atomic_path
from neurodeck.data import Dataset, Events, SpikeTrains, Traces
from neurodeck.errors import ReadError

from .layout import LAZY_BYTES

LABEL_COLUMNS = ("neuron_label", "label", "labels", "name", "roi_name", "cell_name")
TRIAL_LABEL_COLUMNS = ("condition", "trial_type", "stimulus", "label", "name", "stim_name")
UNIT_NAME_COLUMNS = ("unit_name", "name", "label", "cluster_id")


def read_nwb(path: str | Path, series: str | None = None) -> Dataset | list[Dataset]:
    """Every ROI response series and the units table of an NWB file.

    ``series`` picks one RoiResponseSeries (or ``"units"``) by name.
    """
    from pynwb import NWBHDF5IO

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            io = NWBHDF5IO(str(path), "r", load_namespaces=True)
            nwb = io.read()
            out = _datasets(path, nwb, series)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pynwb/hdmf raise many types on bad files
        raise ReadError(path, f"not a readable NWB file ({type(exc).__name__}: {exc})") from exc
    io.close()  # every array was read into memory
    if not out:
        what = f"no series named {series!r}" if series else (
            "no RoiResponseSeries and no units to open")
        raise ReadError(path, what)
    return out[0] if len(out) == 1 else out


def _datasets(path: Path, nwb: Any, series: str | None) -> list[Dataset]:
    from pynwb.ophys import RoiResponseSeries

    events = _events(nwb)
    out: list[Dataset] = []
    for obj in nwb.objects.values():
        if not isinstance(obj, RoiResponseSeries) or (series and obj.name != series):
            continue
        parent = obj.parent.name if obj.parent is not None else ""
        data = obj.data
        nbytes = int(np.prod(data.shape, dtype=float)) * data.dtype.itemsize
        if len(data.shape) == 1:
            arr = np.asarray(data[()], dtype=float)[None, :]
        elif nbytes > LAZY_BYTES:
            raise ReadError(path, f"{obj.name} is {nbytes / 2**30:.1f} GiB: NWB series this "
                                  "large are not supported yet")
        else:
            arr = np.asarray(data[()]).T  # NWB stores time first
        rate, t0 = _rate(path, obj)
        out.append(Traces(arr, _roi_labels(obj, arr.shape[0]), rate, events=events,
                          name=f"{path.name}:{parent}/{obj.name}", source=path,
                          meta={"nwb_series": f"{parent}/{obj.name}", "starting_time_s": t0,
                                "unit": getattr(obj, "unit", "")}))
    if nwb.units is not None and series in (None, "units"):
        out.append(_units(path, nwb.units, events))
    return out


def _rate(path: Path, series: Any) -> tuple[float, float]:
    if series.rate is not None:
        rate = float(series.rate)
        t0 = float(series.starting_time or 0.0)
    else:
        ts = np.asarray(series.timestamps[()], dtype=float)
        dt = np.diff(ts)
        if ts.size < 2 or not np.all(np.isfinite(dt)) or np.any(dt <= 0):
            raise ReadError(path, f"{series.name}: timestamps are not strictly increasing")
        rate, t0 = 1.0 / float(np.median(dt)), float(ts[0])
    if not np.isfinite(rate) or rate <= 0:
        raise ReadError(path, f"{series.name}: sampling rate {rate} is not positive")
    return rate, t0


def _roi_labels(series: Any, n: int) -> list[str]:
    rois = getattr(series, "rois", None)
    if rois is None:
        return [f"roi{i}" for i in range(n)]
    idx = np.asarray(rois.data[()], dtype=int).reshape(-1)
    table = rois.table
    for col in LABEL_COLUMNS:
        if col in table.colnames:
            values = np.asarray(table[col][:], dtype=object)[idx]
            return [str(v.decode() if isinstance(v, bytes) else v) for v in values]
    return [f"roi{int(i)}" for i in np.asarray(table.id[:])[idx]]


def _units(path: Path, units: Any, events: Events) -> SpikeTrains:
    ids = np.asarray(units.id[:])
    names = [str(i) for i in ids]
    for col in UNIT_NAME_COLUMNS:
        if col in units.colnames:
            names = [str(v) for v in units[col][:]]
            break
    if "spike_times" not in units.colnames:
        raise ReadError(path, "the units table has no spike_times column")
    trains = [np.asarray(units["spike_times"][i], dtype=float) for i in range(len(ids))]
    try:
        return SpikeTrains(trains, names, events=events, name=f"{path.name}:units",
                           source=path)
    except ValueError as exc:
        raise ReadError(path, f"units: {exc}") from exc


def _events(nwb: Any) -> Events:
    onset: list[float] = []
    duration: list[float] = []
    label: list[str] = []
    for name, table in (nwb.intervals or {}).items():
        start = np.asarray(table["start_time"][:], dtype=float)
        stop = np.asarray(table["stop_time"][:], dtype=float)
        col = next((c for c in TRIAL_LABEL_COLUMNS if c in table.colnames), None)
        labs = [str(v) for v in table[col][:]] if col else [name.rstrip("s")] * len(start)
        onset += start.tolist()
        duration += (stop - start).tolist()
        label += labs
    order = np.argsort(onset, kind="stable")
    return Events(np.asarray(onset)[order], np.asarray(duration)[order],
                  [label[i] for i in order])


# -- writing -------------------------------------------------------------------------------
def write_nwb(ds: Traces | SpikeTrains, path: str | Path) -> None:
    """One animal's traces as a ``DfOverF`` RoiResponseSeries, or spike trains as Units.

    ROI masks are unknown here: each ROI gets an empty pixel mask and its label in a
    ``neuron_label`` column. Events become the trials table. Written atomically.
    """
    from pynwb import NWBHDF5IO, NWBFile

    path = Path(path)
    nwb = NWBFile(session_description=f"exported by neurodeck from {ds.name}",
                  identifier=f"neurodeck-{ds.fingerprint()[:16]}",
                  session_start_time=datetime.now(UTC))
    if isinstance(ds, SpikeTrains):
        nwb.add_unit_column("unit_name", "unit label")
        for k, name in enumerate(ds.unit_names):
            nwb.add_unit(spike_times=ds.unit(k).tolist(), unit_name=name)
        events = ds.events
    elif isinstance(ds, Traces):
        if ds.n_animals != 1:
            raise ValueError(f"{ds.name} holds {ds.n_animals} animals; an NWB file holds one "
                             "session: save each animal, or save as HDF5")
        _add_traces(nwb, ds)
        events = ds.events
    else:
        raise TypeError(f"cannot write {ds.kind} to NWB")
    for onset, dur, lab in events:
        if "condition" not in (nwb.trials.colnames if nwb.trials is not None else ()):
            nwb.add_trial_column("condition", "event label")
        nwb.add_trial(start_time=onset, stop_time=onset + dur, condition=lab)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwb)


def _add_traces(nwb: Any, ds: Traces) -> None:
    from pynwb.ophys import DfOverF, ImageSegmentation, OpticalChannel, RoiResponseSeries

    device = nwb.create_device(name="unknown_device")
    channel = OpticalChannel(name="channel", description="unknown", emission_lambda=np.nan)
    plane = nwb.create_imaging_plane(
        name="imaging_plane", optical_channel=channel, description="unknown", device=device,
        excitation_lambda=np.nan, indicator="unknown", location="unknown",
        imaging_rate=ds.sfreq)
    module = nwb.create_processing_module(name="ophys", description="traces from neurodeck")
    seg = ImageSegmentation()
    module.add(seg)
    ps = seg.create_plane_segmentation(name="rois", description="ROI masks unknown",
                                       imaging_plane=plane)
    ps.add_column("neuron_label", "neuron label")
    for label in ds.labels:
        ps.add_roi(pixel_mask=np.zeros((0, 3)), neuron_label=label)
    region = ps.create_roi_table_region(region=list(range(ds.n_rows)), description="all ROIs")
    series = RoiResponseSeries(name="traces", data=np.asarray(ds.data).T, rois=region,
                               unit="a.u.", rate=float(ds.sfreq))
    module.add(DfOverF(roi_response_series=series))
