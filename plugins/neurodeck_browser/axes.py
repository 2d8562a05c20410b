"""The browser's time ruler: seconds, then a clock past a minute, its label saying which."""

from __future__ import annotations

import pyqtgraph as pg


def clock(t: float, spacing: float) -> str:
    """Seconds as ``s``, ``m:ss`` or ``h:mm:ss``, with decimals only when ticks need them."""
    sign = "-" if t < 0 else ""
    t = abs(t)
    decimals = 0 if spacing >= 1 else min(3, len(f"{spacing:.3g}".split(".")[-1]))
    if t < 60:
        return f"{sign}{t:.{decimals}f}"
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    width = 2 + (decimals + 1 if decimals else 0)
    sec = f"{s:0{width}.{decimals}f}"
    return f"{sign}{int(h)}:{int(m):02d}:{sec}" if h else f"{sign}{int(m)}:{sec}"


def clock_unit(t_max: float) -> str:
    """How :func:`clock` writes times up to ``t_max``: ``s``, ``m:ss`` or ``h:mm:ss``."""
    return "s" if t_max < 60 else ("m:ss" if t_max < 3600 else "h:mm:ss")


class TimeAxis(pg.AxisItem):
    """Bottom axis labelling seconds as a clock once past a minute; its label names the
    format shown (``time (s)``, ``time (m:ss)``, ``time (h:mm:ss)``)."""

    def __init__(self, **kwargs):
        super().__init__("bottom", **kwargs)
        # No SI prefix for a clock; the prefix logic also re-renders the axis label's
        # HTML on every range change (~0.5 ms per page).
        self.enableAutoSIPrefix(False)
        self._unit = clock_unit(max(abs(v) for v in self.range))
        self.setLabel(f"time ({self._unit})")  # (pyqtgraph's __init__ hid the first one)

    def setRange(self, mn, mx):  # noqa: N802 - pyqtgraph API
        super().setRange(mn, mx)
        unit = clock_unit(max(abs(mn), abs(mx)))
        # Re-rendering the label costs: only when the format changes (pyqtgraph also
        # sets a range from __init__, before this class's own attributes exist).
        if unit != getattr(self, "_unit", None):
            self._unit = unit
            self.setLabel(f"time ({unit})")

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        return [clock(v * scale, spacing * scale) for v in values]
