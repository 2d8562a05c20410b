"""What a person would see wrong on a screen, found by code: overlapping tick labels,
numeric axes without a unit, windows larger than the screen.

Used by the screenshot tests (every view and dialog of every built-in plugin) and
available to plugin authors for their own views.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .axes import axis_unit
from .labels import CategoryAxis


@dataclass(frozen=True)
class Defect:
    kind: str  # "overlap", "unit", "size"
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.detail}"


def _shown(item: QtWidgets.QGraphicsItem) -> bool:
    return item.isVisible() and item.scene() is not None


def graphics_views(widget: QtWidgets.QWidget) -> list[pg.GraphicsView]:
    """The pyqtgraph canvases of ``widget`` a person can see (not hidden tabs)."""
    found = [widget] if isinstance(widget, pg.GraphicsView) else []
    found += widget.findChildren(pg.GraphicsView)
    return [v for v in found if v.isVisible() and v.width() > 0 and v.height() > 0]


def visible_axes(widget: QtWidgets.QWidget) -> list[pg.AxisItem]:
    axes = []
    for view in graphics_views(widget):
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem) and _shown(item) and item.style.get(
                    "showValues", True) and item.width() > 0 and item.height() > 0:
                axes.append(item)
    return axes


def tick_text_boxes(axis: pg.AxisItem) -> list[tuple[QtCore.QRectF, str]]:
    """Each drawn tick label of ``axis`` with its box in scene coordinates."""
    image = QtGui.QImage(8, 8, QtGui.QImage.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        if axis.style.get("tickFont") is not None:
            painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    clip = axis.boundingRect()
    boxes = []
    for rect, _flags, text in specs[2]:
        if text and rect.intersects(clip):
            boxes.append((axis.mapRectToScene(rect), str(text)))
    return boxes


def _describe(axis: pg.AxisItem) -> str:
    text = str(getattr(axis, "labelText", "") or "").strip() or "(no label)"
    return f"{axis.orientation} axis {text!r}"


def overlapping_ticks(widget: QtWidgets.QWidget, tolerance: float = 0.5) -> list[Defect]:
    """Tick labels whose boxes overlap another label of the same axis."""
    out = []
    for axis in visible_axes(widget):
        boxes = tick_text_boxes(axis)
        for a in range(len(boxes)):
            ra, ta = boxes[a]
            for b in range(a + 1, len(boxes)):
                rb, tb = boxes[b]
                inter = ra.intersected(rb)
                if inter.width() > tolerance and inter.height() > tolerance:
                    out.append(Defect("overlap", _describe(axis), f"{ta!r} overlaps {tb!r}"))
                    break
    return out


def _categorical(axis: pg.AxisItem) -> bool:
    if isinstance(axis, CategoryAxis):
        return True
    levels = getattr(axis, "_tickLevels", None)
    if not levels:
        return False
    for level in levels:
        for _value, text in level:
            try:
                float(str(text).replace("\u2212", "-"))
            except ValueError:
                return True
    return False


def _colour_bar_axes(widget: QtWidgets.QWidget) -> set[int]:
    ids = set()
    for view in graphics_views(widget):
        for item in view.scene().items():
            if isinstance(item, pg.ColorBarItem):  # a PlotItem: all four of its axes
                ids.update(id(item.getAxis(side)) for side in ("left", "right", "top",
                                                               "bottom"))
            elif isinstance(item, pg.HistogramLUTItem):  # an image's levels, a colour bar
                ids.add(id(item.axis))
    return ids


def axes_without_unit(widget: QtWidgets.QWidget) -> list[Defect]:
    """Numeric axes (not categories, not colour bars or level histograms) that do not
    state a unit."""
    bars = _colour_bar_axes(widget)
    out = []
    for axis in visible_axes(widget):
        if id(axis) in bars or _categorical(axis) or not tick_text_boxes(axis):
            continue
        if axis_unit(axis) is None:
            out.append(Defect("unit", _describe(axis), "states no unit (label_axis)"))
    return out


def larger_than_screen(window: QtWidgets.QWidget, screen: QtCore.QRect | None = None
                       ) -> list[Defect]:
    """A window (dialog) whose size or minimum size does not fit the screen."""
    if screen is None:
        scr = window.screen() or QtGui.QGuiApplication.primaryScreen()
        screen = scr.availableGeometry()
    out = []
    name = window.windowTitle() or type(window).__name__
    for what, size in (("size", window.size()), ("minimum size", window.minimumSizeHint())):
        if size.width() > screen.width() or size.height() > screen.height():
            out.append(Defect("size", name, f"{what} {size.width()}x{size.height()} > "
                                            f"screen {screen.width()}x{screen.height()}"))
    return out


def audit(widget: QtWidgets.QWidget) -> list[Defect]:
    """Every defect of a shown view: overlapping tick labels and axes without units."""
    return overlapping_ticks(widget) + axes_without_unit(widget)
