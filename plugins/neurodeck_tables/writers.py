"""Writing traces, spike trains and results to HDF5 and CSV (atomically).

The HDF5 layout is the one :func:`neurodeck_tables.arrays.read_container` reads
back: one group per animal with ``traces`` (neurons x time), ``neuron_label`` and
a ``sampling_rate_hz`` attribute; spike trains as CSR ``spike_times_s`` +
``unit_ptr`` + ``unit_names``; events as ``events/{onset,duration,label}``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from neurodeck.atomic import atomic_path
from neurodeck.data import Events, Result, SpikeTrains, Traces


def write_hdf5(ds: Traces | SpikeTrains, path: str | Path) -> None:
    import h5py

    text = h5py.string_dtype("utf-8")
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["writer"] = "neurodeck"
        f.attrs["name"] = ds.name
        if isinstance(ds, SpikeTrains):
            f.create_dataset("spike_times_s", data=ds.spike_times)
            f.create_dataset("unit_ptr", data=ds.unit_ptr)
            f.create_dataset("unit_names", data=np.asarray(ds.unit_names, dtype=object),
                             dtype=text)
            f.create_dataset("duration_s", data=float(ds.duration))
        elif isinstance(ds, Traces):
            several = ds.n_animals > 1
            for i, animal in enumerate(ds.animals):
                g = f.create_group(animal) if several else f
                g.create_dataset("traces", data=np.asarray(ds.arrays[i]),
                                 compression="gzip" if np.size(ds.arrays[i]) > 4096 else None)
                g.create_dataset("neuron_label", dtype=text,
                                 data=np.asarray(ds.animal_labels[i], dtype=object))
                g.attrs["sampling_rate_hz"] = float(ds.sfreq)
        else:
            raise TypeError(f"cannot write {ds.kind} to this HDF5 layout")
        _write_events(f, ds.events, text)


def _write_events(f, events: Events, text) -> None:  # noqa: ANN001
    if not len(events):
        return
    g = f.create_group("events")
    g.create_dataset("onset", data=events.onset)
    g.create_dataset("duration", data=events.duration)
    g.create_dataset("label", data=np.asarray(events.label, dtype=object), dtype=text)


def write_result_hdf5(result: Result, path: str | Path) -> None:
    result.save(path)


def write_result_csv(result: Result, path: str | Path) -> None:
    """A tidy table: one row per value, ``array,index,value`` (index is ``i`` or ``i;j``)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["array", "index", "value"])
        for key, arr in result.items():
            a = np.asarray(arr)
            if a.ndim == 0:
                writer.writerow([key, "", _fmt(a.item())])
                continue
            for idx in np.ndindex(a.shape):
                writer.writerow([key, ";".join(map(str, idx)), _fmt(a[idx])])


def _fmt(v) -> str:  # noqa: ANN001
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)
