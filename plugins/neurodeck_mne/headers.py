"""Checks on recording headers before MNE parses them, with messages that name the field.

* :func:`check_edf` - the fixed EDF/BDF header (numbers where numbers belong, sizes that
  agree, a plausible sampling rate), so a damaged file is described instead of failing
  inside MNE with an empty ``AssertionError``.
* :func:`check_brainvision` - the data and marker files a ``.vhdr`` names stay in its
  folder.
* :func:`check_raw` - what MNE read: sampling rate, channel count, duration.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from neurodeck.errors import ReadError
from neurodeck.safety.limits import MAX_CHANNELS, MAX_DURATION_S, SFREQ_HZ, check_range
from neurodeck.safety.references import check_reference

# (name in the EDF specification, offset, width) of the fixed header.
_FIXED = (("number of bytes in the header", 184, 8), ("number of data records", 236, 8),
          ("duration of a data record", 244, 8), ("number of signals", 252, 4))
# Per-signal fields, each ns x width bytes, in file order after the fixed header.
_SIGNAL = (("label", 16), ("transducer type", 80), ("physical dimension", 8),
           ("physical minimum", 8), ("physical maximum", 8), ("digital minimum", 8),
           ("digital maximum", 8), ("prefiltering", 80), ("samples per data record", 8),
           ("reserved", 32))


def _number(path: Path, field: str, raw: bytes, integer: bool) -> float:
    text = raw.decode("latin-1").strip()
    try:
        value = float(int(text)) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ReadError(path, f"the EDF header field '{field}' is {text!r}, not {kind} "
                              "(the file is damaged or not EDF)") from None
    return value


def check_edf(path: Path) -> None:
    """Validate the header of an EDF/BDF file (raise :class:`ReadError` naming the field)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(256)
        if len(head) < 256:
            raise ReadError(path, f"the file holds {size} bytes, less than the 256-byte EDF "
                                  "header (truncated)")
        if head[:8] not in (b"0       ", b"\xffBIOSEMI"):
            raise ReadError(path, "not a readable recording: it does not start like an EDF "
                                  f"or BDF file (version field {head[:8]!r})")
        values = {f: _number(path, f, head[o:o + w], f != "duration of a data record")
                  for f, o, w in _FIXED}
        ns = int(values["number of signals"])
        if not 1 <= ns <= MAX_CHANNELS:
            raise ReadError(path, f"the EDF header field 'number of signals' is {ns} "
                                  f"(expected 1 to {MAX_CHANNELS})")
        if values["number of bytes in the header"] != 256 * (ns + 1):
            raise ReadError(path, "the EDF header field 'number of bytes in the header' is "
                                  f"{int(values['number of bytes in the header'])}, but "
                                  f"{ns} signals make {256 * (ns + 1)} (damaged header)")
        if size < 256 * (ns + 1):
            raise ReadError(path, f"the file ends inside its header ({size} of "
                                  f"{256 * (ns + 1)} bytes: truncated)")
        fields = fh.read(256 * ns)
    records = int(values["number of data records"])
    if records != -1 and records < 1:
        raise ReadError(path, f"the EDF header field 'number of data records' is {records} "
                              "(expected a positive whole number, or -1 for unknown)")
    duration = values["duration of a data record"]
    if not duration > 0:
        raise ReadError(path, f"the EDF header field 'duration of a data record' is "
                              f"{duration:g} s (must be positive)")
    at = sum(w for _, w in _SIGNAL[:8]) * ns
    spr = [_number(path, f"samples per data record (signal {i + 1})",
                   fields[at + 8 * i:at + 8 * i + 8], True) for i in range(ns)]
    if min(spr) < 1:
        bad = spr.index(min(spr)) + 1
        raise ReadError(path, f"the EDF header field 'samples per data record' of signal "
                              f"{bad} is {int(min(spr))} (must be at least 1)")
    check_range(path, "sampling rate (samples per data record / duration of a data record)",
                max(spr) / duration, *SFREQ_HZ, unit="Hz")


def check_brainvision(path: Path) -> None:
    """The DataFile and MarkerFile a BrainVision header names stay in its folder."""
    text = path.read_bytes()[:1 << 20].decode("latin-1")
    for key in ("DataFile", "MarkerFile"):
        m = re.search(rf"^\s*{key}\s*=\s*(.+?)\s*$", text, re.MULTILINE)
        if m:
            name = m.group(1).replace("$b", path.stem)
            check_reference(path, name, f"the header's {key}")


def check_raw(path: Path, raw: Any) -> None:
    """Plausible sampling rate, channel count and duration of what MNE read."""
    sfreq = check_range(path, "sampling rate (info['sfreq'])", raw.info["sfreq"], *SFREQ_HZ,
                        unit="Hz")
    check_range(path, "number of channels", len(raw.ch_names), 1, MAX_CHANNELS)
    check_range(path, "duration", raw.n_times / sfreq, 0, MAX_DURATION_S, unit="s")


def check_fif(path: Path) -> None:
    """Follow the FIF tag chain as MNE's directory scan does and refuse a chain that
    comes back on itself (MNE would loop, growing its tag list without end)."""
    import struct

    size = path.stat().st_size
    seen: set[int] = set()
    pos = 0
    with open(path, "rb") as fh:
        while pos >= 0 and pos + 16 <= size:
            if pos in seen:
                raise ReadError(path, f"the FIF tag chain loops back to byte {pos}: "
                                      "following it would never end (damaged or crafted)")
            seen.add(pos)
            fh.seek(pos)
            _kind, _type, length, nxt = struct.unpack(">iiii", fh.read(16))
            if length < 0:
                return  # MNE reports the damage itself
            if nxt == 0:
                pos = pos + 16 + length
            elif nxt > 0:
                pos = nxt
            else:
                return
