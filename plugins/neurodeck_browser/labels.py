"""Text labels that never overlap: thinning and elision along one axis (Qt-free).

Event labels 10 ms apart sit on the same pixels at any useful zoom. Left to right, a
label is drawn when it starts clear of the previous one; it gets the room up to the next
label's start and is cut short there with an ellipsis when that leaves at least ``min_px``;
when the next label is closer still, it is drawn whole and the labels it covers are left
out (thinned). Nothing overlaps; every label's full text stays on its span's tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Placed:
    """Where label ``index`` goes: ``width`` pixels of room (``None``: whole, 0: hidden)."""

    index: int
    width: float | None


def layout(starts_px: Sequence[float], widths_px: Sequence[float], *, end_px: float,
           min_px: float = 24.0, gap_px: float = 4.0) -> list[Placed]:
    """Place labels starting at ``starts_px`` (any order) of natural ``widths_px`` on an
    axis ending at ``end_px``. Returns one :class:`Placed` per label, in input order."""
    starts = np.asarray(starts_px, dtype=float)
    widths = np.asarray(widths_px, dtype=float)
    order = np.argsort(starts, kind="stable")
    out: dict[int, Placed] = {}
    taken = -np.inf  # right end of the last label drawn
    for pos, i in enumerate(order.tolist()):
        if starts[i] < taken + gap_px or starts[i] >= end_px:
            out[i] = Placed(i, 0.0)
            continue
        nxt = starts[order[pos + 1]] if pos + 1 < len(order) else np.inf
        room = min(nxt - gap_px, end_px) - starts[i]
        if widths[i] <= room:
            out[i], used = Placed(i, None), widths[i]
        elif room >= min_px:
            out[i], used = Placed(i, float(room)), room
        else:  # the next label is too close to leave room: this one wins, they thin out
            to_end = end_px - starts[i]
            if widths[i] <= to_end:
                out[i], used = Placed(i, None), widths[i]
            elif to_end >= min_px:
                out[i], used = Placed(i, float(to_end)), to_end
            else:
                out[i], used = Placed(i, 0.0), 0.0
        if used:
            taken = starts[i] + used
    return [out[i] for i in range(len(starts))]


def row_ticks(picks: Sequence[int], labels: Sequence[str], types: Sequence[str],
              bads: set[str], present: Sequence[bool] | None, butterfly: bool
              ) -> tuple[list[tuple[int, str]], list[int]]:
    """Names of the lanes on screen, and the lanes of rows with no data (missing).

    A bad row reads ``"✗ name"``, a missing one ``"name (missing)"``; in butterfly mode each
    lane is a row type with its row count (``"eeg (60)"``).
    """
    if butterfly:
        counts: dict[str, int] = {}
        for k in picks:
            counts[types[k]] = counts.get(types[k], 0) + 1
        return [(i, f"{t} ({n})") for i, (t, n) in enumerate(counts.items())], []
    ticks, missing = [], []
    for r, k in enumerate(picks):
        gone = present is not None and not present[k]
        ticks.append((r, ("\u2717 " if labels[k] in bads else "") + labels[k]
                      + (" (missing)" if gone else "")))
        if gone:
            missing.append(r)
    return ticks, missing
