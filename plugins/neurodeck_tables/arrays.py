"""Traces and spike trains from container files (NPZ, HDF5, MATLAB v5/v7.3).

The reader guesses the layout (documented in docs/formats.md); when it cannot, it
raises a :class:`LayoutError` naming the candidate arrays, and the same call with
explicit keywords (``data_key=``, ``labels_key=``, ``sfreq=``, ``orientation=``,
``spikes_key=``...) opens the file. :func:`~neurodeck_tables.layout.describe_layout`
lists the candidates for a mapping dialog.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.data import Events, SpikeTrains, Traces
from neurodeck.errors import LayoutChoiceNeeded, ReadError
from neurodeck.safety import guarded
from neurodeck.safety.limits import SFREQ_HZ, check_range

from .layout import ArrayInfo, Layout, describe_layout

ORIENTATIONS = ("auto", "neurons_x_time", "time_x_neurons")
RATE_NAMES = ("sampling_rate_hz", "sampling_rate", "sfreq", "fs", "rate", "frame_rate",
              "fps", "sampling_frequency")
#: Sampling periods (seconds per sample): the rate is their inverse (HCP-style ``tr_s``).
PERIOD_NAMES = ("tr_s", "tr", "repetition_time", "RepetitionTime", "sampling_interval_s",
                "dt_s", "frame_period_s")
TIME_NAMES = ("time_s", "time", "times", "t", "timestamps", "frame_times")
LABEL_NAMES = ("neuron_label", "neuron_labels", "labels", "label", "names", "neuron_names",
               "unit_names", "roi_names", "channel_names", "cell_names")
UNIT_ID_NAMES = ("unit_names", "unit_id", "unit_ids", "units", "cluster_id")
DURATION_NAMES = ("recording_length_s", "duration_s", "duration", "t_stop")
# Among several 2-D arrays, a normalised fluorescence is what users want first.
_PREFERRED = re.compile(r"(^|_)(traces|data|activity|dff|df_?f|f_?over_?f\w*|deltaf\w*)$",
                        re.IGNORECASE)
_DFF = re.compile(r"dff|df_?f|f_?over_?f|deltaf", re.IGNORECASE)


class LayoutError(LayoutChoiceNeeded):
    """The file's layout is ambiguous; ``candidates`` lists the arrays to choose from."""

    def __init__(self, path: Path, what: str, candidates: Sequence[ArrayInfo], option: str):
        listing = ", ".join(f"{c.key} {tuple(c.shape)}" for c in candidates)
        super().__init__(path, f"{what}: candidates are {listing}; pass {option}=<key> "
                               "(neurodeck_tables.describe_layout lists every array)",
                         option, [c.to_json() for c in candidates])


def read_container(
    path: str | Path,
    *,
    data_key: str | Sequence[str] | None = None,
    labels_key: str | None = None,
    sfreq: float | None = None,
    sfreq_key: str | None = None,
    time_key: str | None = None,
    orientation: str = "auto",
    animals: Sequence[str] | str | None = None,
    resample: bool = True,
    spikes_key: str | Sequence[str] | None = None,
    unit_ptr_key: str | None = None,
    recording: str | None = None,
) -> Traces | SpikeTrains | list[SpikeTrains]:
    """Open an NPZ/HDF5/MAT file as :class:`Traces` or :class:`SpikeTrains`.

    ``data_key`` names the neurons x time array (a short name present in several
    groups makes a multi-animal dataset, one group per animal; a list of arrays opens
    them together, one animal each); ``orientation``
    is ``auto``, ``neurons_x_time`` or ``time_x_neurons``. ``spikes_key`` (and
    ``unit_ptr_key``) name CSR spike arrays; ``recording`` picks one recording of
    a multi-recording spike file.
    """
    path = Path(path)
    if orientation not in ORIENTATIONS:
        raise ReadError(path, f"orientation must be one of {', '.join(ORIENTATIONS)}")
    if sfreq is not None and (not np.isfinite(float(sfreq)) or float(sfreq) <= 0):
        raise ReadError(path, f"sfreq must be a positive number, got {sfreq}")
    layout = describe_layout(path)
    try:
        if spikes_key is not None or (data_key is None and _csr_pair(layout) is not None):
            return _spikes(layout, spikes_key, unit_ptr_key, recording)
        return _traces(layout, data_key, labels_key, sfreq, sfreq_key, time_key, orientation,
                       animals, resample)
    except ReadError:
        raise
    except (OSError, ValueError, KeyError, IndexError, TypeError, EOFError, RuntimeError,
            zipfile.BadZipFile, zlib.error, NotImplementedError, OverflowError) as exc:
        # Headers listed fine but the array bytes are damaged (CRC, inflate, short read).
        raise ReadError(path, f"the {layout.format} file's data are damaged "
                              f"({type(exc).__name__}: {exc})") from exc


# -- traces --------------------------------------------------------------------------------
def _traces(layout: Layout, data_key, labels_key, sfreq, sfreq_key, time_key, orientation,
            animals, resample) -> Traces:
    path = layout.path
    groups = _animal_groups(layout, data_key)
    if isinstance(animals, str):
        animals = [a.strip() for a in animals.split(",") if a.strip()]
    if animals:
        missing = [a for a in animals if a not in groups]
        if missing:
            raise ReadError(path, f"no group(s) {', '.join(missing)}; groups: "
                                  f"{', '.join(groups) or 'none'}")
        groups = {a: groups[a] for a in animals}
    several = len(groups) > 1 or (len(groups) == 1 and next(iter(groups)) != "")
    arrays, label_sets, rates, names = [], [], [], []
    for animal, key in groups.items():
        data, labels, rate = _one_animal(layout, animal, key, labels_key, sfreq, sfreq_key,
                                         time_key, orientation, several)
        arrays.append(data)
        label_sets.append(labels)
        rates.append(rate)
        names.append(animal or path.stem)
    meta: dict[str, Any] = {"data_keys": list(groups.values()), "format": layout.format}
    ref_rate, how = _reference_rate(path, rates, names, resample, meta)
    if how == "resampled":
        arrays = [a if abs(r[0] / ref_rate - 1) <= 0.01 else _resample(a, r[0], ref_rate)
                  for a, r in zip(arrays, rates, strict=True)]
    meta["sfreq_source"] = sorted({r[1] for r in rates})
    events = _events(layout)
    try:
        if several:
            return Traces(arrays, label_sets, ref_rate, animals=names, events=events,
                          name=path.name, source=path, meta=meta)
        return Traces(arrays[0], label_sets[0], ref_rate, events=events, name=path.name,
                      source=path, meta=meta)
    except ValueError as exc:
        raise ReadError(path, str(exc)) from exc


def _animal_groups(layout: Layout, data_key: str | None) -> dict[str, str]:
    """{animal name: key of its traces array}; name "" is a single-animal file."""
    path = layout.path
    if isinstance(data_key, (list, tuple)):  # several arrays chosen: one animal each
        keys = [str(k) for k in data_key]
        if len(keys) == 1:
            data_key = keys[0]
        else:
            missing = [k for k in keys if k not in layout.arrays]
            if missing:
                raise LayoutError(path, f"no array {missing[0]!r}", _candidates(layout.arrays),
                                  "data_key")
            groups = [k.rpartition("/")[0] for k in keys]
            names = groups if all(groups) and len(set(groups)) == len(keys) else keys
            return dict(zip(names, keys, strict=True))
    if data_key is not None:
        if data_key in layout.arrays:
            return {"": data_key}
        if data_key in layout.groups:  # one 2-D array per animal inside this group
            inside = {n: a.key for n, a in layout.children(data_key).items()
                      if a.role == "traces"}
            if inside:
                return inside
        hits = {k.rpartition("/")[0]: k for k in layout.arrays
                if k.rpartition("/")[2] == data_key and "/" in k}
        if not hits:
            raise LayoutError(path, f"no array {data_key!r}", _candidates(layout.arrays),
                              "data_key")
        return hits
    root = {k: a for k, a in layout.children("").items() if a.role == "traces"}
    if root:
        return {"": _pick(path, list(root.values()))}
    # One group per animal: groups directly under the root holding a 2-D array each.
    per_group: dict[str, list[ArrayInfo]] = {}
    for key, info in layout.arrays.items():
        group, _, _ = key.rpartition("/")
        if info.role == "traces" and group and "/" not in group:
            per_group.setdefault(group, []).append(info)
    if not per_group:
        raise LayoutError(path, "no 2-D numeric array (neurons x time) found",
                          _candidates(layout.arrays), "data_key")
    names = Counter(a.key.rpartition("/")[2] for infos in per_group.values() for a in infos)
    common = [n for n, c in names.items() if c == len(per_group)]
    if not common:
        what = ("the groups share no array name" if len(per_group) > 1 else
                "several 2-D arrays could be the traces")
        raise LayoutError(path, f"{what} (data_key may also name a group whose arrays are "
                                "one animal each)", _candidates(layout.arrays), "data_key")
    first = per_group[next(iter(per_group))]
    chosen = _pick(path, [next(a for a in first if a.key.rpartition("/")[2] == n)
                          for n in common])
    short = chosen.rpartition("/")[2]
    return {g: f"{g}/{short}" for g in per_group}


def _pick(path: Path, infos: list[ArrayInfo]) -> str:
    if len(infos) == 1:
        return infos[0].key
    short = [i.key.rpartition("/")[2] for i in infos]
    for pattern in (_DFF, _PREFERRED):
        hits = [i for i, s in zip(infos, short, strict=True) if pattern.search(s)]
        if len(hits) == 1:
            return hits[0].key
    raise LayoutError(path, "several 2-D arrays could be the traces", infos, "data_key")


def _candidates(arrays: dict[str, ArrayInfo]) -> list[ArrayInfo]:
    good = [a for a in arrays.values() if a.role in ("traces", "spike_times")]
    return good or list(arrays.values())[:20]


def _sibling(layout: Layout, group: str, names: Sequence[str], roles: Sequence[str]) -> Any:
    children = layout.children(group)
    for n in names:
        if n in children and children[n].role in roles:
            return children[n]
    return None


def _one_animal(layout, animal, key, labels_key, sfreq, sfreq_key, time_key, orientation,
                several) -> tuple[Any, list[str], tuple[float, str]]:
    path = layout.path
    info = layout.arrays[key]
    group = key.rpartition("/")[0]
    if info.dtype.startswith(("U", "S", "O", "<U", "|S")) or len(info.shape) != 2:
        raise ReadError(path, f"{key!r} is not a 2-D numeric array (shape {info.shape})")
    labels = _labels(layout, group, labels_key)
    times = _time_vector(layout, group, time_key)
    rows_first = _rows_first(path, key, info.shape, orientation, labels, times)
    data = info.load()
    if not hasattr(data, "dtype") or data.dtype.kind not in "biuf":
        raise ReadError(path, f"{key!r} is not numeric")
    if not rows_first:
        data = np.asarray(data).T
    n_rows = data.shape[0]
    if labels is not None and len(labels) != n_rows:
        raise ReadError(path, f"{len(labels)} labels for {n_rows} rows of {key!r}")
    # Unidentified neurons ('' or no labels) are kept but never aligned across animals.
    tag = f"{animal}#" if several else "n"
    if labels is None:
        labels = [""] * n_rows
    labels = [lab.strip() or f"{tag}{i}" for i, lab in enumerate(labels)]
    rate = _rate(layout, group, sfreq, sfreq_key, times, data.shape[1], key)
    return data, labels, rate


def _labels(layout: Layout, group: str, labels_key: str | None) -> list[str] | None:
    if labels_key is not None:
        key = labels_key if labels_key in layout.arrays else (
            f"{group}/{labels_key}" if group else labels_key)
        if key not in layout.arrays:
            raise LayoutError(layout.path, f"no labels array {labels_key!r}",
                              [a for a in layout.arrays.values() if a.role == "labels"],
                              "labels_key")
        info = layout.arrays[key]
    else:
        info = _sibling(layout, group, LABEL_NAMES, ("labels",))
        if info is None and group:
            info = _sibling(layout, group.rpartition("/")[0], LABEL_NAMES + ("region_names",),
                            ("labels",))
        if info is None:
            return None
    values = np.asarray(info.load()).reshape(-1)
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]


def _time_vector(layout: Layout, group: str, time_key: str | None) -> np.ndarray | None:
    if time_key is not None:
        key = time_key if time_key in layout.arrays else f"{group}/{time_key}".lstrip("/")
        if key not in layout.arrays:
            raise ReadError(layout.path, f"no time array {time_key!r}")
        info = layout.arrays[key]
    else:
        info = _sibling(layout, group, TIME_NAMES, ("vector",))
        if info is None:
            return None
    return np.asarray(info.load(), dtype=float).reshape(-1)


def _rows_first(path: Path, key: str, shape: tuple[int, ...], orientation: str,
                labels: list[str] | None, times: np.ndarray | None) -> bool:
    if orientation != "auto":
        return orientation == "neurons_x_time"
    for n, rows_if in ((len(labels) if labels is not None else None, True),
                       (len(times) if times is not None else None, False)):
        if n is not None and (shape[0] == n) != (shape[1] == n):
            return (shape[0] == n) == rows_if
    if shape[0] == shape[1]:
        raise ReadError(path, f"{key!r} is square {shape}: pass orientation="
                              "'neurons_x_time' or 'time_x_neurons'")
    return shape[0] < shape[1]  # recordings have more samples than neurons


def _rate(layout: Layout, group: str, sfreq, sfreq_key, times, n_times,
          key: str = "") -> tuple[float, str]:
    path = layout.path
    if sfreq is not None:
        return check_range(path, "sfreq", sfreq, *SFREQ_HZ, unit="Hz"), "parameter"
    if sfreq_key is not None:
        for k in (sfreq_key, f"{group}/{sfreq_key}", f"@{sfreq_key}", f"{group}/@{sfreq_key}"):
            if k in layout.attrs:
                return _positive(path, layout.attrs[k], k), "file"
            if k in layout.arrays:
                return _positive(path, layout.arrays[k].load(), k), "file"
        raise ReadError(path, f"no sampling-rate attribute or array {sfreq_key!r}")
    # The group's own attributes first, then each enclosing group's (a TR stored once on
    # a group of subjects applies to each of them).
    scopes = [group.rsplit("/", i)[0] for i in range(group.count("/") + 1)] if group else []
    for scope in dict.fromkeys([key, *scopes, ""]):  # the data array's own attributes too
        for n in RATE_NAMES:
            k = f"{scope}/@{n}" if scope else f"@{n}"
            if k in layout.attrs and _finite(layout.attrs[k]):
                return _positive(path, layout.attrs[k], k), "file"
        for n in PERIOD_NAMES:
            k = f"{scope}/@{n}" if scope else f"@{n}"
            if k in layout.attrs and _finite(layout.attrs[k]):
                return 1.0 / _positive(path, layout.attrs[k], k, "period", 1.0 / SFREQ_HZ[1],
                                       1.0 / SFREQ_HZ[0]), f"file ({k}, a period)"
        info = _sibling(layout, scope, RATE_NAMES, ("scalar",))
        if info is not None:
            return _positive(path, info.load(), info.key), "file"
    if times is not None:
        if len(times) != n_times:
            raise ReadError(path, f"time vector has {len(times)} samples, traces {n_times}")
        dt = np.diff(times)
        if times.size < 2 or not np.all(np.isfinite(dt)) or np.any(dt <= 0):
            raise ReadError(path, "the time vector is not strictly increasing")
        rate = check_range(path, "sampling rate (from the time vector)",
                           1.0 / float(np.median(dt)), *SFREQ_HZ, unit="Hz")
        return rate, "time vector"
    # Never a silent default: the GUI asks, scripts are told which option to pass.
    raise LayoutChoiceNeeded(
        path, f"{group or 'the file'} does not record its sampling rate (no "
              f"{'/'.join(RATE_NAMES[:4])} or tr_s attribute, no time vector), and "
              "neurodeck does not guess one: pass sfreq=<Hz> (CLI: --option sfreq=10)",
        "sfreq", [])


def _finite(value: Any) -> bool:
    """False for NaN/inf placeholders (a file saying "rate unknown")."""
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return True  # not a number: let _positive name the problem


def _positive(path: Path, value: Any, key: str, what: str = "rate",
              low: float = SFREQ_HZ[0], high: float = SFREQ_HZ[1]) -> float:
    try:
        out = float(np.asarray(value, dtype=float).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        raise ReadError(path, f"{key!r} is not a number") from None
    if not np.isfinite(out) or out <= 0:
        raise ReadError(path, f"{key!r} is not a positive sampling {what} ({out})")
    return check_range(path, f"sampling {what} {key!r}", out, low, high,
                       unit="Hz" if what == "rate" else "s")


def _reference_rate(path: Path, rates: list[tuple[float, str]], names: list[str],
                    resample: bool, meta: dict[str, Any]) -> tuple[float, str]:
    values = [r[0] for r in rates]
    # The most common rate (to 0.1 %) is the dataset's; others are off by > 1 %.
    rounded = Counter(round(v, 3 - int(np.floor(np.log10(v)))) for v in values)
    ref = float(np.median([v for v in values if round(v, 3 - int(np.floor(np.log10(v))))
                           == rounded.most_common(1)[0][0]]))
    odd = [(n, v) for n, v in zip(names, values, strict=True) if abs(v / ref - 1) > 0.01]
    if len(names) > 1:
        meta["animal_sfreq"] = dict(zip(names, values, strict=True))
    if not odd:
        return ref, "same"
    if not resample:
        raise ReadError(path, "animals have different sampling rates ("
                        + ", ".join(f"{n}: {v:.4g} Hz" for n, v in odd)
                        + f" vs {ref:.4g} Hz); pass animals=... or resample=True")
    meta["resampled"] = {n: v for n, v in odd}
    return ref, "resampled"


def _resample(data: Any, rate: float, ref: float) -> np.ndarray:
    """Linear interpolation onto the reference rate's grid over the animal's own span."""
    arr = np.asarray(data, dtype=np.float64)
    t_old = np.arange(arr.shape[1]) / rate
    t_new = np.arange(int(np.floor(t_old[-1] * ref)) + 1) / ref
    return np.stack([np.interp(t_new, t_old, row) for row in arr]).astype(np.float32)


# -- spikes ---------------------------------------------------------------------------------
def _csr_pair(layout: Layout) -> tuple[ArrayInfo, ArrayInfo] | None:
    for key, info in layout.arrays.items():
        if info.role != "spike_times":
            continue
        group = key.rpartition("/")[0]
        ptr = _sibling(layout, group, ("unit_ptr", "unit_pointer", "indptr"), ("vector",
                                                                                "unit_ptr"))
        if ptr is not None:
            return info, ptr
    return None


def _spikes(layout: Layout, spikes_key, unit_ptr_key, recording) -> SpikeTrains | list:
    path = layout.path
    keys = [spikes_key] if isinstance(spikes_key, str) else list(spikes_key or [])
    if len(keys) == 1 and "," in keys[0]:
        keys = [k.strip() for k in keys[0].split(",")]
    for k in keys:
        if k not in layout.arrays:
            raise LayoutError(path, f"no array {k!r}", [a for a in layout.arrays.values()
                                                        if a.role == "spike_times"], "spikes_key")
    if not keys:
        times_info, ptr_info = _csr_pair(layout)  # type: ignore[misc]
    elif len(keys) == 1 and (unit_ptr_key or _sibling(layout, keys[0].rpartition("/")[0],
                                                      ("unit_ptr",), ("vector", "unit_ptr"))):
        times_info = layout.arrays[keys[0]]
        ptr_info = layout.arrays.get(unit_ptr_key or "") or _sibling(
            layout, keys[0].rpartition("/")[0], ("unit_ptr",), ("vector", "unit_ptr"))
        if ptr_info is None:
            raise ReadError(path, f"no unit pointer array {unit_ptr_key!r}")
    else:  # each key is one unit's spike times
        trains = [_finite_times(path, layout.arrays[k]) for k in keys]
        return _make_spikes(path, trains, keys, None, {})
    times = _finite_times(path, times_info)
    ptr = np.asarray(ptr_info.load()).reshape(-1)
    if ptr.dtype.kind not in "iu" and not np.all(np.mod(ptr, 1) == 0):
        raise ReadError(path, f"{ptr_info.key!r} must hold integers")
    ptr = ptr.astype(np.int64)
    if ptr.size < 1 or ptr[0] != 0 or ptr[-1] != times.size or np.any(np.diff(ptr) < 0):
        raise ReadError(path, f"{ptr_info.key!r} is not a valid CSR pointer for "
                              f"{times.size} spikes (must rise from 0 to {times.size})")
    group = times_info.key.rpartition("/")[0]
    n_units = ptr.size - 1
    ids = _per_unit(layout, group, UNIT_ID_NAMES, n_units)
    names = [str(v) for v in ids] if ids is not None else [str(i) for i in range(n_units)]
    duration = _scalar(layout, group, DURATION_NAMES)
    trains = [times[ptr[k]:ptr[k + 1]] for k in range(n_units)]
    rec_idx = _per_unit(layout, group, ("unit_recording",), n_units)
    rec_names = _sibling(layout, group, ("recording_names",), ("labels",))
    if rec_idx is None:
        return _make_spikes(path, trains, names, duration, {}, _events(layout))
    labels = [str(x) for x in np.asarray(rec_names.load()).reshape(-1)] if rec_names else None
    out = []
    for r in dict.fromkeys(int(x) for x in rec_idx):
        rname = labels[r] if labels is not None and 0 <= r < len(labels) else f"recording{r}"
        if recording is not None and rname != recording:
            continue
        sel = [k for k in range(n_units) if int(rec_idx[k]) == r]
        ds = _make_spikes(path, [trains[k] for k in sel], [names[k] for k in sel], duration,
                          {"recording": rname})
        ds.name = f"{path.name}:{rname}"
        out.append(ds)
    if not out:
        raise ReadError(path, f"no recording {recording!r}; recordings: {', '.join(labels or [])}")
    return out[0] if len(out) == 1 else out


def _finite_times(path: Path, info: ArrayInfo) -> np.ndarray:
    arr = np.asarray(info.load(), dtype=float).reshape(-1)
    if arr.size and not np.all(np.isfinite(arr)):
        raise ReadError(path, f"{info.key!r} holds non-finite spike times")
    return arr


def _per_unit(layout: Layout, group: str, names, n: int) -> np.ndarray | None:
    for name in names:
        info = layout.children(group).get(name)
        if info is not None and tuple(info.shape) == (n,):
            return np.asarray(info.load()).reshape(-1)
    return None


def _scalar(layout: Layout, group: str, names) -> float | None:
    info = _sibling(layout, group, names, ("scalar",))
    if info is None:
        return None
    value = float(np.asarray(info.load(), dtype=float).reshape(-1)[0])
    return value if np.isfinite(value) and value > 0 else None


def _events(layout: Layout) -> Events | None:
    """``events/{onset,duration,label}`` as written by neurodeck_tables.writers."""
    parts = [layout.arrays.get(f"events/{k}") for k in ("onset", "duration", "label")]
    if any(p is None for p in parts):
        return None
    onset, duration, label = (np.asarray(p.load()).reshape(-1) for p in parts)
    try:
        return Events(onset.astype(float), duration.astype(float), [str(x) for x in label])
    except ValueError as exc:
        raise ReadError(layout.path, f"events: {exc}") from exc


def _make_spikes(path: Path, trains, names, duration, meta, events=None) -> SpikeTrains:
    last = max((float(t.max()) for t in trains if t.size), default=0.0)
    if duration is not None and duration < last:
        duration = None  # the file's stated length is wrong; the last spike bounds it
    try:
        return SpikeTrains(list(trains), list(names), duration, events=events,
                           name=path.name, source=path, meta=meta)
    except ValueError as exc:
        raise ReadError(path, str(exc)) from exc


@guarded  # called on files before they are opened (studies): parse them in the probe first
def members(path: str | Path, *, data_key: str | None = None) -> list[dict[str, Any]]:
    """The animals (groups) of a multi-animal file, each opened alone with ``animals=``.

    Reads the layout only (no array data); one member per group holding traces.
    """
    layout = describe_layout(Path(path))
    if data_key is None and _csr_pair(layout) is not None:
        return []  # spike files: one dataset per recording, listed by the reader itself
    groups = _animal_groups(layout, data_key)
    if len(groups) < 2:
        return []
    out = []
    for animal, key in groups.items():
        info = layout.arrays.get(key)
        meta: dict[str, Any] = {"animal": animal}
        if info is not None:
            meta["shape"] = "x".join(str(s) for s in info.shape)
        out.append({"key": animal, "options": {"animals": animal}, "meta": meta,
                    "kind": "traces"})
    return out
