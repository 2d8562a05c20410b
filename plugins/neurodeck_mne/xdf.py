"""XDF files (Lab Streaming Layer recordings) through pyxdf: each regularly sampled stream
is a member (pick one with ``stream=``), read as a recording in volts with the file's
marker streams as annotations (onsets relative to the stream's first sample, from the
streams' synchronised time stamps).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurodeck.data import Recording
from neurodeck.errors import ReadError

#: XDF channel unit -> factor to SI (volts).
UNIT_FACTORS = {"microvolts": 1e-6, "microvolt": 1e-6, "uv": 1e-6, "\u00b5v": 1e-6,
                "\u03bcv": 1e-6, "millivolts": 1e-3, "millivolt": 1e-3, "mv": 1e-3,
                "volts": 1.0, "volt": 1.0, "v": 1.0, "nanovolts": 1e-9, "nv": 1e-9}
#: XDF channel type -> MNE channel type.
TYPES = {"eeg": "eeg", "eog": "eog", "ecg": "ecg", "emg": "emg", "misc": "misc",
         "aux": "misc", "stim": "stim", "trigger": "stim", "resp": "resp", "gsr": "gsr",
         "bio": "bio", "exg": "eeg", "seeg": "seeg", "ecog": "ecog"}


def _first(d: Any, key: str, default: Any = None) -> Any:
    try:
        value = d[key]
    except (KeyError, TypeError, IndexError):
        return default
    if isinstance(value, list):
        return value[0] if value else default
    return value


def _streams(path: Path) -> list[dict[str, Any]]:
    import pyxdf

    try:
        return list(pyxdf.resolve_streams(str(path)))
    except Exception as exc:  # noqa: BLE001 - pyxdf raises anything on bad bytes
        raise ReadError(path, f"not a readable XDF file: {exc}") from exc


def _is_signal(s: dict[str, Any]) -> bool:
    return float(s.get("nominal_srate") or 0) > 0 and s.get("channel_format") != "string"


def xdf_members(path: Path) -> list[dict[str, Any]]:
    """One member per regularly sampled stream (markers join them as annotations)."""
    out = []
    for s in _streams(Path(path)):
        if _is_signal(s):
            key = str(s.get("name") or s["stream_id"])
            out.append({"key": key, "options": {"stream": int(s["stream_id"])},
                        "kind": "recording",
                        "meta": {"stream": s.get("name"), "type": s.get("type"),
                                 "channels": s.get("channel_count"),
                                 "sfreq": float(s.get("nominal_srate") or 0)}})
    return out


def _channels(info: dict[str, Any], n: int, stream_type: str) -> tuple[list[str], list[str],
                                                                       np.ndarray]:
    desc = _first(info, "desc") or {}
    chans = _first(desc, "channels") or {}
    items = chans.get("channel", []) if isinstance(chans, dict) else []
    names, types, factors = [], [], []
    default_type = TYPES.get(str(stream_type).lower(), "misc")
    for i in range(n):
        ch = items[i] if i < len(items) else {}
        names.append(str(_first(ch, "label") or f"ch{i + 1}"))
        kind = str(_first(ch, "type") or default_type).lower()
        types.append(TYPES.get(kind, default_type))
        unit = str(_first(ch, "unit") or ("microvolts" if default_type in (
            "eeg", "eog", "ecg", "emg") else "")).lower()
        factors.append(UNIT_FACTORS.get(unit, 1.0))
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # MNE needs unique channel names
        if name in seen:
            seen[name] += 1
            names[i] = f"{name}-{seen[name]}"
        else:
            seen[name] = 0
    return names, types, np.asarray(factors, float)


def read_xdf(path: Path, stream: int | str | None = None) -> Recording | list[Recording]:
    """The signal streams (or the one chosen by id or name) as recordings."""
    import mne
    import pyxdf

    path = Path(path)
    listed = _streams(path)
    signals = [s for s in listed if _is_signal(s)]
    if stream is not None:
        want = [s for s in signals if str(s["stream_id"]) == str(stream)
                or s.get("name") == str(stream)]
        if not want:
            names = ", ".join(f"{s['stream_id']} ({s.get('name')})" for s in signals)
            raise ReadError(path, f"no signal stream {stream!r} (there are: {names or 'none'})")
        signals = want
    if not signals:
        raise ReadError(path, "the file has no regularly sampled stream (only markers?)")
    markers = [s for s in listed if s.get("channel_format") == "string"]
    ids = [int(s["stream_id"]) for s in signals + markers]
    try:
        loaded, _ = pyxdf.load_xdf(str(path), select_streams=ids, verbose=False)
    except Exception as exc:  # noqa: BLE001 - as above
        raise ReadError(path, f"pyxdf could not read it: {exc}") from exc
    by_id = {int(_first(s["info"], "stream_id", -1)): s for s in loaded}
    marks = [by_id[int(m["stream_id"])] for m in markers if int(m["stream_id"]) in by_id]
    out = []
    for s in signals:
        st = by_id.get(int(s["stream_id"]))
        if st is None or len(st["time_stamps"]) == 0:
            continue
        info = st["info"]
        data = np.asarray(st["time_series"], float).T  # channels x samples
        names, types, factors = _channels(info, data.shape[0], str(s.get("type")))
        sfreq = float(s["nominal_srate"])
        with mne.utils.use_log_level("error"):
            raw = mne.io.RawArray(data * factors[:, None],
                                  mne.create_info(names, sfreq, types), verbose="error")
            t0 = float(st["time_stamps"][0])
            onsets, labels = [], []
            for m in marks:
                for ts, value in zip(m["time_stamps"], m["time_series"], strict=False):
                    t = float(ts) - t0
                    if 0 <= t < raw.n_times / sfreq:
                        onsets.append(t)
                        labels.append(str(value[0]) if len(value) else "")
            if onsets:
                raw.set_annotations(mne.Annotations(onsets, np.zeros(len(onsets)), labels))
        name = f"{path.name}:{s.get('name') or s['stream_id']}" if len(signals) > 1 or \
            stream is not None else path.name
        out.append(Recording(raw, source=path, name=name,
                             meta={"xdf_stream": {"id": int(s["stream_id"]),
                                                  "name": s.get("name"),
                                                  "type": s.get("type"),
                                                  "first_timestamp": t0}}))
    if not out:
        raise ReadError(path, "the signal streams hold no samples")
    return out[0] if len(out) == 1 else out
