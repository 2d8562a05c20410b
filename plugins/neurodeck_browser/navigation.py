"""Where the browser looks: the time window and the rows on screen (Qt-free).

A :class:`Viewport` holds the window start and length in seconds, the selected rows (dataset
row indices in display order), the first row on screen and how many rows are shown. Every
move keeps it valid: the window stays inside the data, the rows inside the selection. The
browser asks it what to fetch and tells it what the user did; nothing here draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_VISIBLE = 512


@dataclass
class Viewport:
    """The time window ``[t0, t0 + span)`` and the rows ``selection[row_offset:][:n_visible]``.

    ``min_span`` is the shortest window worth showing (ten samples); ``n_rows`` the number
    of rows of the data.
    """

    duration: float
    n_rows: int
    min_span: float = 1e-2
    span: float = 10.0
    t0: float = 0.0
    n_visible: int = 20
    row_offset: int = 0
    selection: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.duration = max(float(self.duration), 1e-9)
        if not self.selection:
            self.selection = list(range(self.n_rows))
        self.span = float(min(max(self.span, self.min_span), self.duration))
        self.n_visible = self._rows_fit(self.n_visible)
        self.t0 = self.clamp(self.t0)

    # -- what is shown ---------------------------------------------------------------
    @property
    def t1(self) -> float:
        return self.t0 + self.span

    @property
    def visible_rows(self) -> list[int]:
        """Dataset row indices on screen, top to bottom."""
        return self.selection[self.row_offset: self.row_offset + self.n_visible]

    def clamp(self, t0: float) -> float:
        """``t0`` moved so that the window lies inside the data."""
        return float(min(max(t0, 0.0), max(self.duration - self.span, 0.0)))

    def _rows_fit(self, n: int) -> int:
        return int(min(max(int(n), 1), MAX_VISIBLE, max(len(self.selection), 1)))

    def _offset_fit(self, offset: int) -> int:
        return int(min(max(int(offset), 0), max(len(self.selection) - self.n_visible, 0)))

    # -- time ------------------------------------------------------------------------
    def set_time(self, t0: float, span: float | None = None) -> None:
        if span is not None:
            self.span = float(min(max(span, self.min_span), self.duration))
        self.t0 = self.clamp(t0)

    def scroll_time(self, pages: float) -> None:
        """Move by ``pages`` windows (negative: back)."""
        self.set_time(self.t0 + pages * self.span)

    def zoom_time(self, factor: float) -> None:
        """Window length times ``factor``, around the window's centre."""
        centre = self.t0 + self.span / 2
        span = min(max(self.span * factor, self.min_span), self.duration)
        self.set_time(centre - span / 2, span)

    def change_span(self, fraction: float) -> None:
        """Window length grown by ``fraction`` of itself, keeping its start (MNE's Home/End):
        the end moves; at the end of the data the start moves back instead."""
        span = min(max(self.span * (1.0 + fraction), self.min_span), self.duration)
        self.set_time(self.t0, span)

    # -- rows ------------------------------------------------------------------------
    def scroll_rows(self, pages: float) -> None:
        """Move by ``pages`` screens of rows."""
        self.row_offset = self._offset_fit(self.row_offset + round(pages * self.n_visible))

    def set_row_offset(self, offset: int) -> None:
        self.row_offset = self._offset_fit(offset)

    def set_n_visible(self, n: int) -> None:
        self.n_visible = self._rows_fit(n)
        self.row_offset = self._offset_fit(self.row_offset)

    def change_n_visible(self, step: int) -> None:
        """Show ``step`` more rows (fewer when negative), at least one."""
        self.set_n_visible(self.n_visible + int(step))

    def set_selection(self, rows: Sequence[int]) -> None:
        """Show only these dataset rows, in this order (an empty or invalid list: all)."""
        rows = [int(r) for r in rows if 0 <= int(r) < self.n_rows]
        keep = self.n_visible if self.n_visible > 1 else 20
        self.selection = rows or list(range(self.n_rows))
        self.row_offset = 0
        self.n_visible = self._rows_fit(keep)
