"""Display units per channel type: MNE stores SI units (V, T, T/m); people read uV, fT."""

from __future__ import annotations

from collections.abc import Sequence

#: channel type -> (factor from SI, unit shown)
UNITS = {
    "eeg": (1e6, "\u00b5V"), "eog": (1e6, "\u00b5V"), "ecg": (1e6, "\u00b5V"),
    "emg": (1e6, "\u00b5V"), "seeg": (1e6, "\u00b5V"), "ecog": (1e6, "\u00b5V"),
    "dbs": (1e6, "\u00b5V"), "bio": (1e6, "\u00b5V"),
    "mag": (1e15, "fT"), "grad": (1e13, "fT/cm"),
    "hbo": (1e6, "\u00b5M"), "hbr": (1e6, "\u00b5M"),
}


def unit(ch_type: str) -> tuple[float, str]:
    """``(factor, unit)`` to show data of ``ch_type`` (a.u. for anything else)."""
    return UNITS.get(str(ch_type), (1.0, "a.u."))


def common_unit(types: Sequence[str]) -> tuple[float, str, str]:
    """``(factor, unit, type)`` of the most frequent type among ``types``: data of several
    types are shown in the unit of the commonest (the others are left out by the views)."""
    counts: dict[str, int] = {}
    for t in types:
        counts[str(t)] = counts.get(str(t), 0) + 1
    main = max(counts, key=lambda t: (counts[t], t in UNITS)) if counts else "eeg"
    factor, name = unit(main)
    return factor, name, main


def power_unit(ch_type: str, per_hz: bool = True) -> tuple[float, str]:
    """``(factor, unit)`` of power: the square of the amplitude unit (per Hz)."""
    factor, name = unit(ch_type)
    return factor**2, f"{name}\u00b2/Hz" if per_hz else f"{name}\u00b2"
