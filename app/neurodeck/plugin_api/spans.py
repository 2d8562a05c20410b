"""A time span of a recording from user parameters, with errors in the user's terms."""

from __future__ import annotations

from typing import Any

from ..errors import ParameterError


def sample_span(ts: Any, tmin: float | None, tmax: float | None, *, min_samples: int = 1,
                what: str = "recording", names: tuple[str, str] = ("tmin", "tmax")
                ) -> tuple[int, int]:
    """Samples ``start:stop`` of ``ts`` between ``tmin`` and ``tmax`` seconds (``None``: the
    start / the end), or a ParameterError that says what is wrong and what the data allow:
    ``"Start (tmin = 100 s) is at or after the end of the recording (16 s)"``; ``names``
    are the parameters' names (as typed on the command line)."""
    duration = ts.n_times / ts.sfreq
    lo = 0.0 if tmin is None else float(tmin)
    hi = duration if tmax is None else float(tmax)
    length = f"the {what} is {duration:g} s long"
    if lo >= duration:
        raise ParameterError(f"Start ({names[0]} = {lo:g} s) is at or after the end of the "
                             f"{what} "
                             f"({duration:g} s): choose a start below {duration:g} s")
    if hi <= lo:
        raise ParameterError(f"End ({names[1]} = {hi:g} s) must be after the start "
                             f"({names[0]} = {lo:g} s); {length}")
    start = int(round(lo * ts.sfreq))
    stop = min(int(round(hi * ts.sfreq)), ts.n_times)
    if stop - start < min_samples:
        raise ParameterError(f"{lo:g}-{hi:g} s holds {max(stop - start, 0)} sample(s), fewer "
                             f"than the {min_samples} needed ({ts.sfreq:g} Hz; {length})")
    return start, stop
