"""Display units: what a number on screen means (µV for EEG, fT for magnetometers...).

MNE hands recordings over in SI units (volts, tesla); scientists read EEG in µV. The
browser keeps data and scales in the dataset's own units and converts only what it
writes on screen (scale bars, read-outs, the heatmap's colour bar, copied values), with
MNE's own table (``mne.defaults.DEFAULTS['units']`` and ``['scalings']``: EEG x 1e6 in µV,
magnetometers x 1e15 in fT, gradiometers x 1e13 in fT/cm...). Rows of other datasets are
shown in their own units: the dataset's ``meta['unit']`` when it has one, else unlabelled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unit:
    """Shown value = ``factor`` x stored value, written with ``name`` ("" = no unit)."""

    factor: float = 1.0
    name: str = ""

    def show(self, value: float, digits: int = 3) -> str:
        """``value`` (stored units) as text with its unit: ``"20 µV"``."""
        text = f"{value * self.factor:.{digits}g}"
        return f"{text} {self.name}".rstrip()


NONE = Unit()


def _mne_table() -> tuple[dict[str, str], dict[str, float]]:
    from mne.defaults import DEFAULTS

    return dict(DEFAULTS["units"]), dict(DEFAULTS["scalings"])


def units_for(ds: Any, types: Iterable[str]) -> dict[str, Unit]:
    """The display unit of each row type of ``ds``."""
    types = sorted(set(types))
    if getattr(ds, "is_a", None) and ds.is_a("recording"):
        names, factors = _mne_table()
        out = {}
        for kind in types:
            name = names.get(kind, "")
            # "AU" (misc) and types MNE has no unit for stay as stored.
            out[kind] = Unit(float(factors.get(kind, 1.0)), "" if name == "AU" else name) \
                if name else NONE
        return out
    meta = getattr(ds, "meta", {}) or {}
    unit = meta.get("unit") if isinstance(meta.get("unit"), str) else ""
    return {kind: Unit(1.0, unit) for kind in types}


def nice_below(value: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``value`` (> 0): a scale bar's length."""
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"need a positive value, got {value}")
    k = math.floor(math.log10(value))
    for mant in (5.0, 2.0, 1.0):
        if mant * 10.0 ** k <= value * (1 + 1e-12):
            return mant * 10.0 ** k
    return 10.0 ** k  # pragma: no cover - 1 x 10^k always fits
