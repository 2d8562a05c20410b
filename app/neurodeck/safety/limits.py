"""Checks readers and analyses call before trusting what a file declares.

* :func:`check_nbytes` - an allocation the file asks for, against the memory budget.
* :func:`declared_nbytes` - shape x item size, without overflowing.
* :func:`check_range` - a header value within what real data have (names the field).
* :func:`require_finite` - analysis inputs hold no NaN/inf (names the input).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError
from . import policy
from .errors import Implausible, MemoryBudgetExceeded


def declared_nbytes(shape: Iterable[Any], itemsize: int) -> float:
    """Bytes an array of ``shape`` takes (a float: crafted shapes overflow int64)."""
    out = float(itemsize)
    for s in shape:
        out *= max(float(s), 0.0)
    return out


def check_nbytes(path: str | Path, nbytes: float, what: str = "reading it") -> None:
    """Raise :class:`MemoryBudgetExceeded` when ``nbytes`` exceeds the budget in force."""
    budget = policy.current().memory_budget
    if not nbytes <= budget:  # also refuses NaN
        raise MemoryBudgetExceeded(path, what, nbytes, budget)


def check_array(path: str | Path, shape: Iterable[Any], dtype: Any, what: str) -> None:
    """:func:`check_nbytes` for an array the file declares."""
    shape, dt = tuple(shape), np.dtype(dtype)
    kind = dt.name if dt.kind != "V" else f"elements of {dt.itemsize} bytes"
    check_nbytes(path, declared_nbytes(shape, dt.itemsize),
                 f"{what} ({' x '.join(str(int(s)) for s in shape) or 'scalar'} {kind})")


#: Memory a text table takes while parsed, per byte of text (lines, cells as Python
#: strings, then floats): measured ~20-40x on the bundled CSVs.
TEXT_EXPANSION = 32


def check_text(path: str | Path, expansion: float = TEXT_EXPANSION) -> None:
    """Refuse a text table whose parsing would exceed the budget (read whole in memory)."""
    size = Path(path).stat().st_size
    check_nbytes(path, float(size) * expansion,
                 f"parsing this {size / 2**20:.0f} MiB text table")


def check_range(path: str | Path, field: str, value: Any, low: float, high: float,
                unit: str = "") -> float:
    """``value`` as a float when finite and within [low, high], else :class:`Implausible`."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise Implausible(path, field, value, "not a number") from None
    if not (math.isfinite(out) and low <= out <= high):
        u = f" {unit}" if unit else ""
        raise Implausible(path, field, out, f"expected {low:g} to {high:g}{u}")
    return out


# Plausible ranges, shared by the readers (wide: they reject nonsense, not rare setups).
SFREQ_HZ = (1e-3, 1e6)  # slow calcium imaging ... fast ultrasound-range recordings
TR_S = (1e-3, 3600.0)  # fast multiband fMRI ... one volume an hour
MAX_CHANNELS = 100_000
MAX_DURATION_S = 3e7  # about a year


class NonFiniteInput(ParameterError):
    """An analysis input holds NaN or infinite values (a :class:`ParameterError`, as the
    analyses reported it before the check was shared: the chosen span is unusable)."""

    def __init__(self, what: str, count: int, total: int, where: str = "",
                 kind: str = "NaN or infinite"):
        self.what = what
        self.count = count
        super().__init__(
            f"{what} holds {count} {kind} value{'s' if count != 1 else ''} "
            f"(of {total}){where}; the analysis would return only NaN. Remove or "
            "interpolate them (e.g. mark the channel bad, or crop the segment) first")


def require_finite(data: Any, what: str = "the input", axis_names: tuple[str, ...] = (),
                   allow_nan: bool = False) -> Any:
    """Return ``data`` unchanged if every value is finite, else raise :class:`NonFiniteInput`.

    ``axis_names`` (e.g. ``("channel", "sample")``) let the message point at the first bad
    entry. ``allow_nan`` is for analyses where NaN means "not recorded" (then only
    infinities are refused). Analyses call this on what they are about to compute with.
    """
    arr = np.asarray(data)
    if arr.dtype.kind not in "fc":
        return data
    bad_mask = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if not bad_mask.any():
        return data
    bad = int(np.count_nonzero(bad_mask))
    where = ""
    if axis_names and arr.ndim == len(axis_names):
        first = np.argwhere(bad_mask)[0]
        where = " - first at " + ", ".join(f"{n} {int(i)}" for n, i in
                                            zip(axis_names, first, strict=True))
    raise NonFiniteInput(what, bad, int(arr.size), where,
                         "infinite" if allow_nan else "NaN or infinite")
