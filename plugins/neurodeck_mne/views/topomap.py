"""Topographic maps in pyqtgraph: a row of head maps sharing one colour scale.

Used by the evoked view (maps at latencies), the spectrum view (band power), the
time-frequency view and the ICA view (component patterns). When the channels have no
positions, the maps are replaced by a message saying how to set a montage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.gui.widgets.base import LayoutView, colormap

from ..topo import grid, has_positions, head_outline, project

NO_MONTAGE = ("No channel positions: these channels have no montage, so there is no "
              "topographic map.\nSet one with Transforms > Set montage (channel positions), "
              "then recompute.")


def plain_axes(*items) -> None:
    """No automatic SI prefix on these plots' or colour bars' axes: the labels already say
    the unit (uV, dB), and a "(x0.001)" added by pyqtgraph would contradict them."""
    for item in items:
        axes = [item.axis] if hasattr(item, "axis") and not hasattr(item, "getAxis") else [
            item.getAxis(name) for name in ("left", "bottom", "right")]
        for axis in axes:
            axis.enableAutoSIPrefix(False)


def positions_ok(positions: np.ndarray, min_sensors: int = 3) -> bool:
    return int(has_positions(positions).sum()) >= min_sensors


def draw_map(plot: pg.PlotItem, positions: np.ndarray, values: np.ndarray, *,
             levels: tuple[float, float], cmap: str = "RdBu_r", title: str = "",
             sensors: bool = True, resolution: int = 128, marked: Sequence[int] = ()
             ) -> pg.ImageItem:
    """One head map into ``plot`` (cleared first); returns its image item."""
    plot.clear()
    plot.setAspectLocked(True)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    if title:
        plot.setTitle(title, size="9pt")
    ok = has_positions(positions)
    xy = project(np.asarray(positions, float)[ok])
    img_data, (x0, y0, w, h) = grid(xy, np.asarray(values, float)[ok], n=resolution)
    image = pg.ImageItem(axisOrder="row-major")
    image.setLookupTable(colormap(cmap).getLookupTable(nPts=256))
    image.setImage(img_data, levels=levels, autoLevels=False)
    image.setRect(QtCore.QRectF(x0, y0, w, h))
    plot.addItem(image)
    pen = pg.mkPen((40, 40, 40), width=1.5)
    for line in head_outline():
        plot.addItem(pg.PlotCurveItem(line[:, 0], line[:, 1], pen=pen))
    if sensors and len(xy):
        plot.addItem(pg.ScatterPlotItem(xy[:, 0], xy[:, 1], size=3, pen=None,
                                        brush=pg.mkBrush(20, 20, 20)))
    index = np.flatnonzero(ok)
    hot = [int(np.searchsorted(index, m)) for m in marked if m in set(index.tolist())]
    if hot:
        plot.addItem(pg.ScatterPlotItem(xy[hot, 0], xy[hot, 1], size=8, symbol="x",
                                        pen=pg.mkPen("k", width=2)))
    plot.setRange(xRange=(-1.2, 1.2), yRange=(-1.15, 1.25), padding=0)
    return image


def symmetric_levels(values: np.ndarray) -> tuple[float, float]:
    finite = np.asarray(values, float)[np.isfinite(values)]
    lim = float(np.abs(finite).max()) if finite.size else 1.0
    return (-lim, lim) if lim > 0 else (-1.0, 1.0)


class TopoRow(LayoutView):
    """Head maps in a row (wrapping after ``per_row``), one colour bar labelled in ``unit``."""

    def __init__(self, positions: np.ndarray, maps: Sequence[tuple[str, np.ndarray]], *,
                 unit: str = "", cmap: str = "RdBu_r", levels: tuple[float, float] | None = None,
                 per_row: int = 6, names: Sequence[str] | None = None,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(maps, parent)
        self.positions = np.asarray(positions, float)
        self.names = list(names) if names is not None else [
            f"sensor {i}" for i in range(len(self.positions))]
        self.maps = [(str(t), np.asarray(v, float)) for t, v in maps]
        self.unit = unit
        self.message: QtWidgets.QLabel | None = None
        self.plots: list[pg.PlotItem] = []
        self.images: list[pg.ImageItem] = []
        if not positions_ok(self.positions):
            self.message = QtWidgets.QLabel(NO_MONTAGE)
            self.message.setObjectName("no-montage")
            self.message.setWordWrap(True)
            self.message.setAlignment(QtCore.Qt.AlignCenter)
            self.message.setStyleSheet("color: #8a2a0a; font-size: 11pt; padding: 16px;")
            self.layout().insertWidget(0, self.message)
            self.glw.hide()
            return
        stacked = np.concatenate([v for _, v in self.maps]) if self.maps else np.zeros(1)
        symmetric = cmap in ("RdBu_r", "coolwarm")
        if levels is None:
            if symmetric:
                levels = symmetric_levels(stacked)
            else:
                finite = stacked[np.isfinite(stacked)]
                levels = (float(finite.min()), float(finite.max())) if finite.size else (0, 1)
                if levels[0] == levels[1]:
                    levels = (levels[0], levels[0] + 1)
        self.levels = levels
        for i, (title, values) in enumerate(self.maps):
            plot = self.glw.addPlot(row=i // per_row, col=i % per_row)
            self.images.append(draw_map(plot, self.positions, values, levels=levels,
                                        cmap=cmap, title=title))
            self.plots.append(plot)
        n_cols = min(len(self.maps), per_row)
        for col in range(n_cols):
            self.glw.ci.layout.setColumnStretchFactor(col, 10)
        if self.images:
            bar = pg.ColorBarItem(values=levels, colorMap=colormap(cmap), label=unit,
                                  interactive=False)
            bar.setImageItem(self.images, insert_in=None)
            plain_axes(bar)
            self.glw.addItem(bar, row=0, col=min(len(self.maps), per_row),
                             rowspan=max(1, (len(self.maps) - 1) // per_row + 1))
            self.colorbar = bar

    def values_table(self):
        if not self.maps:
            return None
        return self.names, [t for t, _ in self.maps], np.column_stack([v for _, v in self.maps])
