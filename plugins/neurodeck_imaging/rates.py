"""The sampling rate of imaging data: from the file, from the user, never a silent default.

Readers look for the rate in the file's own metadata first (suite2p ``ops['fs']``,
CaImAn ``params/data/fr``, ScanImage ``scanFrameRate``/``scanVolumeRate``, OME
``TimeIncrement``, ImageJ ``finterval``/``fps``, a JSON sidecar). When none is there,
they raise :class:`RateNeeded`: the GUI asks the user (and remembers the answer for that
file), the CLI and the API fail with a message saying which option to pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neurodeck.errors import LayoutChoiceNeeded, ReadError
from neurodeck.safety.limits import SFREQ_HZ, check_range
from neurodeck.textfiles import json_sidecar

RATE_KEYS = ("sfreq", "fs", "sampling_rate", "sampling_rate_hz", "frame_rate", "fps",
             "SamplingFrequency", "fr")


class RateNeeded(LayoutChoiceNeeded):
    """The file does not say its sampling rate; the reader needs ``sfreq=`` (Hz)."""

    def __init__(self, path: str | Path, what: str):
        super().__init__(
            path, f"{what} does not record its frame rate, and neurodeck does not guess one: "
                  "pass sfreq=<frames per second> (neurodeck.open(..., sfreq=30.0); "
                  "CLI: --option sfreq=30), or add a sidecar <file>.json with "
                  '{"sfreq": 30.0}', "sfreq", [])


def checked(path: str | Path, value: Any, field: str) -> float:
    """A plausible rate in Hz from ``value`` (names ``field`` when it is not)."""
    return check_range(Path(path), field, value, *SFREQ_HZ, unit="Hz")


def sidecar_rate(path: Path) -> float | None:
    """A rate from ``<file>.json`` / ``<stem>.json`` (or ``<folder>/neurodeck.json``)."""
    candidates = [path.with_name(path.name + ".json"), path.with_suffix(".json")]
    if path.is_dir():
        candidates = [path / "neurodeck.json", path.with_name(path.name + ".json")]
    side = json_sidecar(tuple(candidates))
    for key in RATE_KEYS:
        if key in side:
            return checked(path, side[key], f"{key} (in the sidecar)")
    return None


def resolve(path: Path, given: Any, found: tuple[Any, str] | None, what: str
            ) -> tuple[float, str]:
    """(rate, where it came from): the ``sfreq=`` option, else what the file says
    (``found`` = (value, field)), else a sidecar, else :class:`RateNeeded`."""
    if given is not None:
        try:
            return checked(path, given, "sfreq"), "given (sfreq=)"
        except ReadError:
            raise
    if found is not None and found[0] is not None:
        return checked(path, found[0], found[1]), found[1]
    side = sidecar_rate(path)
    if side is not None:
        return side, "sidecar"
    raise RateNeeded(path, what)
