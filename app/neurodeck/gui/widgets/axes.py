"""Axis labels that say what and in which unit.

Every numeric axis of a view is labelled with :func:`label_axis`: the quantity and its
unit. SI units (s, Hz, V, m, T) go to pyqtgraph, which scales them with prefixes (ms, µV,
kHz) as the range changes; other units are written in parentheses ("z", "bits/spike");
a dimensionless quantity (a probability, a rank, an iteration count) says so with
``unit=""``. :func:`axis_unit` reads it back, so a test can fail on an axis without one.
"""

from __future__ import annotations

import re

import pyqtgraph as pg

#: Units pyqtgraph may prefix (ms, kHz, µV): given as ``units=`` so the prefix follows.
SI_UNITS = frozenset({"s", "Hz", "V", "m", "T", "A", "W"})
_UNIT_IN_TEXT = re.compile(r"\s[(\[]([^()\[\]]+)[)\]]\s*$")
_TAG = re.compile(r"<[^>]+>")


def label_axis(plot: pg.PlotItem | pg.PlotWidget, side: str, quantity: str,
               unit: str) -> pg.AxisItem:
    """Label ``side`` of ``plot`` with ``quantity`` in ``unit`` ("" = dimensionless)."""
    item = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
    axis = item.getAxis(side)
    if unit in SI_UNITS:
        axis.setLabel(quantity, units=unit)
        if unit == "s":  # ms and µs for short spans, never "ks" for long ones
            axis.setSIPrefixEnableRanges(((0.0, 1.0),))
    else:
        # No SI prefix for other units: pyqtgraph would scale 0.15 to "150" and show the
        # factor only as "(x0.001)".
        axis.enableAutoSIPrefix(False)
        axis.setLabel(f"{quantity} ({unit})" if unit else quantity)
    axis.dimensionless = not unit
    return axis


def mark_dimensionless(axis: pg.AxisItem) -> pg.AxisItem:
    """Declare that ``axis`` (already labelled) shows a quantity without a unit."""
    axis.dimensionless = True
    return axis


def axis_unit(axis: pg.AxisItem) -> str | None:
    """The unit ``axis`` states: pyqtgraph's units, a trailing "(unit)" or "[unit]" in its
    label, "" when declared dimensionless; None when it states none."""
    if getattr(axis, "labelUnits", ""):
        return str(axis.labelUnits)
    text = _TAG.sub("", str(getattr(axis, "labelText", "") or "")).strip()
    found = _UNIT_IN_TEXT.search(text)
    if found:
        return found.group(1).strip()
    if getattr(axis, "dimensionless", False) and text:
        return ""
    return None
