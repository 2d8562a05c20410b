"""Text parameters (dialog boxes, ``--param K=V``) turned into the values MNE takes.

Each parser accepts what a user types and raises :class:`~neurodeck.ParameterError` naming
the parameter, so a typo is reported before anything runs.
"""

from __future__ import annotations

import math
import re
from typing import Any

from neurodeck.errors import ParameterError


def names(text: str | None) -> list[str]:
    """``"Fp1, Fp2"`` -> ``["Fp1", "Fp2"]`` (empty or None -> [])."""
    if text is None:
        return []
    return [p.strip() for p in str(text).split(",") if p.strip()]


def picks(text: str | None) -> list[str] | str | None:
    """Channel names or types for MNE's ``picks``: None (MNE's default) when empty."""
    items = names(text)
    if not items:
        return None
    return items[0] if len(items) == 1 and items[0] in ("all", "data", "eeg", "meg") \
        else items


def mapping(text: str | None, what: str) -> dict[str, str]:
    """``"T1=left, T2=right"`` -> ``{"T1": "left", "T2": "right"}``."""
    out: dict[str, str] = {}
    for part in names(text):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ParameterError(f"{what}: {part!r} is not of the form old=new")
        out[key.strip()] = value.strip()
    return out


def number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ParameterError(f"{what}: {text!r} is not a finite number")
    return value


def optional_number(text: str, what: str) -> float | None:
    return None if text.strip().lower() in ("", "none") else number(text, what)


def auto_or_number(text: str | None, what: str, *, integer: bool = False,
                   words: tuple[str, ...] = ("auto",)) -> Any:
    """``"auto"`` (or another allowed word, or a ``"10s"`` duration) as is, else a number."""
    text = str(text if text is not None else "auto").strip()
    if text in words or re.fullmatch(r"\d+(\.\d+)?\s*(s|ms)", text):
        return text
    value = number(text, what)
    if integer:
        if not value.is_integer():
            raise ParameterError(f"{what}: {text!r} is not a whole number")
        return int(value)
    return value


def freq_list(text: str, what: str) -> list[float]:
    """``"50"``, ``"50, 100"`` or a range ``"50:250:50"`` (start:stop:step, stop included
    when a step lands on it)."""
    text = str(text).strip()
    if ":" in text:
        parts = [number(p, what) for p in text.split(":")]
        if len(parts) != 3 or parts[2] <= 0 or parts[1] < parts[0]:
            raise ParameterError(f"{what}: {text!r} is not start:stop:step with step > 0")
        start, stop, step = parts
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        if count > 10_000:
            raise ParameterError(f"{what}: {text!r} gives more than 10000 frequencies")
        return [start + i * step for i in range(count)]
    out = [number(p, what) for p in names(text)]
    if not out:
        raise ParameterError(f"{what}: give at least one frequency")
    return out


def baseline(text: str | None) -> tuple[float | None, float | None] | None:
    """MNE's ``baseline``: ``"None, 0"`` -> ``(None, 0.0)``; ``"none"``/empty -> None."""
    if text is None or str(text).strip().lower() in ("", "none", "off", "no"):
        return None
    parts = [p.strip() for p in str(text).strip("()[] ").split(",")]
    if len(parts) != 2:
        raise ParameterError(f"baseline: {text!r} is not 'start, end' (None for the edge)")
    a, b = (optional_number(p, "baseline") for p in parts)
    if a is not None and b is not None and b < a:
        raise ParameterError(f"baseline: the end ({b}) is before the start ({a})")
    return a, b


def thresholds(text: str | None, what: str) -> dict[str, float] | None:
    """MNE's ``reject``/``flat``: ``"eeg=150e-6, eog=250e-6"`` (volts) -> a dict."""
    if text is None or not str(text).strip():
        return None
    out: dict[str, float] = {}
    for key, value in mapping(text, what).items():
        v = number(value, what)
        if v <= 0:
            raise ParameterError(f"{what}: the threshold for {key} must be positive")
        out[key] = v
    return out


def int_or_fraction(value: float | None, what: str) -> int | float | None:
    """``n_components``: a whole number of components, or a fraction of variance (0-1)."""
    if value is None:
        return None
    if 0 < value < 1:
        return float(value)
    if value >= 1 and float(value).is_integer():
        return int(value)
    raise ParameterError(f"{what}: {value} is neither a count (1, 2, ...) nor a fraction of "
                         "explained variance between 0 and 1")
