"""The raster and heatmap modes' items, the scale bars and the missing-row marks.

Each layer takes a page and shows it (``show``) or hides its items (``hide``); the view
decides which is visible. The traces mode lives in :mod:`.traces`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neurodeck.gui.widgets.base import colormap

from .sources import Page
from .units import Unit, nice_below

MISSING_BRUSH = QtGui.QBrush(QtGui.QColor(200, 200, 200, 110), QtCore.Qt.BrushStyle.BDiagPattern)


class RasterLayer:
    """Spike trains: one tick per spike (or per occupied pixel column)."""

    def __init__(self, plot: pg.PlotItem):
        self.item = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen("#1a1a1a", width=1),
                                     skipFiniteCheck=True)
        self.item.setVisible(False)
        plot.addItem(self.item)

    def show(self, page: Page) -> None:
        xs, ys = [], []
        for r, ticks in enumerate(page.ticks):
            xs.append(np.repeat(ticks, 2))
            ys.append(np.tile([r - 0.4, r + 0.4], ticks.size))
        x = np.concatenate(xs) if xs else np.zeros(0)
        y = np.concatenate(ys) if ys else np.zeros(0)
        self.item.setData(x, y)
        self.item.setVisible(True)

    def hide(self) -> None:
        self.item.setVisible(False)


class HeatmapLayer:
    """Rows x time bins as colours, with a colour bar whose handles set the levels.

    NaN (missing data) is transparent: the hatched backdrop shows through it.
    """

    def __init__(self, plot: pg.PlotItem, label: str, on_levels):
        self.plot = plot
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(colormap("viridis"))
        self.backdrop = QtWidgets.QGraphicsRectItem()
        self.backdrop.setBrush(MISSING_BRUSH)
        self.backdrop.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.backdrop.setZValue(-20)
        for item in (self.backdrop, self.image):
            plot.addItem(item)
            item.setVisible(False)
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=colormap("viridis"),
                                        interactive=True, label=label)
        self.colorbar.setImageItem(self.image, insert_in=plot)
        self.colorbar.sigLevelsChangeFinished.connect(
            lambda bar: on_levels(tuple(float(v) for v in bar.levels())))
        self.colorbar.setVisible(False)

    def set_label(self, text: str) -> None:
        self.colorbar.getAxis("left").setLabel(text)  # where ColorBarItem puts its label

    def show(self, page: Page, levels: tuple[float, float], width: float) -> None:
        img = page.image
        if img is None or img.size == 0:
            self.image.clear()
            return
        self.image.setImage(img, autoLevels=False, levels=levels)
        self.colorbar.setLevels(levels)
        rect = QtCore.QRectF(page.t0, -0.5, width, img.shape[0])
        self.image.setRect(rect)
        self.backdrop.setRect(rect)
        for item in (self.image, self.backdrop):
            item.setVisible(True)
        if not self.colorbar.isVisible():
            self.colorbar.setVisible(True)

    def hide(self) -> None:
        self.image.setVisible(False)
        self.backdrop.setVisible(False)
        if self.colorbar.isVisible():
            self.colorbar.setVisible(False)


class ScaleBars:
    """One vertical bar per row type beside the traces (in the plot's right margin): how
    many µV (or the type's unit) it spans. Drawn in the margin's own pixels, so paging
    neither moves nor repaints them. Types without a unit in a recording (stim) get none."""

    WIDTH = 64

    def __init__(self, plot: pg.PlotItem):
        plot.showAxis("right")
        self.axis = plot.getAxis("right")
        self.axis.setStyle(showValues=False, tickLength=0)
        self.axis.setPen(pg.mkPen(None))
        self.axis.setWidth(self.WIDTH)
        self.items: list[QtWidgets.QGraphicsItem] = []
        self.visible = True
        self.shown: list[tuple[str, float, str]] = []  # (type, value, text) for tests

    def clear(self) -> None:
        for item in self.items:
            if item.scene() is not None:
                item.scene().removeItem(item)
            item.setParentItem(None)
        self.items = []
        self.shown = []

    def update(self, lanes: Sequence[tuple[str, float]], n_lanes: int,
               scales: dict[str, float], units: dict[str, Unit | None]) -> None:
        """``lanes``: (type, lane) of the first row of each type on screen; a type whose
        unit is None gets no bar."""
        self.clear()
        if not self.visible:
            return
        # The margin's own coordinates: y 0 is the top of the plot (its bounding rect
        # may reach beyond, for tick text), and its height is the plot's.
        height = self.axis.linkedView().height() if self.axis.linkedView() is not None \
            else self.axis.geometry().height()
        rect = QtCore.QRectF(0.0, 0.0, self.WIDTH, height)
        lane_px = rect.height() / max(n_lanes, 1)
        x = rect.left() + 6
        pen = QtGui.QPen(QtGui.QColor("#c0392b"), 2)
        for kind, lane in lanes:
            scale = scales.get(kind)
            unit = units.get(kind)
            if not scale or scale <= 0 or unit is None:
                continue
            value = nice_below(0.8 * scale)  # at most 0.8 of a lane
            length = value / scale * lane_px
            centre = rect.top() + (lane + 0.5) * lane_px
            line = QtWidgets.QGraphicsLineItem(x, centre - length / 2, x, centre + length / 2,
                                               self.axis)
            line.setPen(pen)
            text_value = unit.show(value)
            text = QtWidgets.QGraphicsSimpleTextItem(text_value, self.axis)
            text.setBrush(QtGui.QColor("#c0392b"))
            text.setPos(x + 4, centre - text.boundingRect().height() / 2)
            self.items += [line, text]
            self.shown.append((kind, value, text_value))


class MissingRows:
    """Hatched bands over the lanes of rows with no data (a neuron not found in an animal)."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.items: list[QtWidgets.QGraphicsRectItem] = []

    def show(self, lanes: Sequence[int], t0: float, t1: float) -> None:
        self.hide()
        for lane in lanes:
            item = QtWidgets.QGraphicsRectItem(QtCore.QRectF(t0, lane - 0.45, t1 - t0, 0.9))
            item.setBrush(MISSING_BRUSH)
            item.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
            item.setZValue(-20)
            self.plot.addItem(item, ignoreBounds=True)
            self.items.append(item)

    def hide(self) -> None:
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []
