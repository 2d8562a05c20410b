"""The imaging view: the plane's image with ROI outlines, the ROI table and its traces.

Outlines are green for cells and magenta for not-cells (the selected ROI is yellow and
filled); they are drawn as one RGBA image over the reference image, so thousands of ROIs
cost one texture. Clicking a pixel selects the ROI on top there (the one weighing most),
the table row and the trace plot follow, and the other way round. ``C`` (or the button)
toggles the selected ROI between cell and not cell: the dataset's ``set_cells`` edit, so
Edit > Undo reverts it and workspaces keep it; the view redraws on every edit, undo too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neurodeck.gui.widgets.base import ViewWidget, plot_widget

from .dataset import ImagingPlane

CELL = (40, 200, 70, 255)
NOT_CELL = (230, 60, 200, 255)
SELECTED = (255, 220, 0, 255)
SELECTED_FILL = (255, 220, 0, 90)
TRACE_PENS = {"F": "#1f77b4", "Fneu": "#ff7f0e", "spks": "#2ca02c", "C": "#9467bd",
              "F_dff": "#8c564b", "YrA": "#7f7f7f"}


class ImagingView(ViewWidget):
    """ROIs over the mean/max/correlation image; curation by click and key."""

    def __init__(self, plane: ImagingPlane, parent: QtWidgets.QWidget | None = None):
        super().__init__(plane, parent)
        self.plane = plane
        self.selected: int | None = None
        self._labels = plane.rois.label_image()
        self._outline = plane.rois.outline()

        self.image_choice = QtWidgets.QComboBox()
        self.image_choice.setObjectName("imaging-image")
        names = list(plane.images) or ["ROIs"]
        self.image_choice.addItems(names)
        self.image_choice.currentTextChanged.connect(self._draw_image)
        self.show_choice = QtWidgets.QComboBox()
        self.show_choice.setObjectName("imaging-show")
        self.show_choice.addItems(["all ROIs", "cells", "not cells"])
        self.show_choice.currentTextChanged.connect(lambda _: self.redraw())
        self.toggle_button = QtWidgets.QPushButton("Toggle cell (C)")
        self.toggle_button.setObjectName("imaging-toggle")
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.status = QtWidgets.QLabel()

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.vb = self.glw.addViewBox(lockAspect=True, invertY=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.overlay = pg.ImageItem(axisOrder="row-major")
        self.vb.addItem(self.image)
        self.vb.addItem(self.overlay)
        self.image.mouseClickEvent = self._image_clicked  # type: ignore[method-assign]

        self.table = QtWidgets.QTableWidget(plane.n_rois, 3)
        self.table.setObjectName("imaging-rois")
        self.table.setHorizontalHeaderLabels(["ROI", "Cell", "P(cell)"])
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._table_selected)

        self.traces = plot_widget()
        self.traces.setObjectName("imaging-traces")
        self.traces.addLegend(offset=(5, 5))
        self.traces.setLabel("bottom", "time", units="s")

        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Image"))
        top.addWidget(self.image_choice)
        top.addWidget(QtWidgets.QLabel("Show"))
        top.addWidget(self.show_choice)
        top.addWidget(self.toggle_button)
        top.addStretch(1)
        top.addWidget(self.status)
        upper = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        upper.addWidget(self.glw)
        upper.addWidget(self.table)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 1)
        split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        split.addWidget(upper)
        split.addWidget(self.traces)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        QtGui.QShortcut(QtGui.QKeySequence("C"), self, self.toggle_selected)

        plane.subscribe_edits(self._on_edit)
        self._draw_image(self.image_choice.currentText())
        self._fill_table()
        self.redraw()
        if plane.n_rois:
            self.select(int(plane.cells[0]) if plane.cells.size else 0)

    # -- drawing ------------------------------------------------------------------------
    def _draw_image(self, name: str) -> None:
        img = self.plane.images.get(name)
        if img is None:
            img = (self._labels >= 0).astype(np.float32)
        finite = img[np.isfinite(img)]
        lo, hi = (np.percentile(finite, [1, 99.5]) if finite.size else (0.0, 1.0))
        self.image.setImage(np.nan_to_num(img, nan=float(lo)), levels=(lo, hi if hi > lo
                                                                        else lo + 1))

    def _visible(self) -> np.ndarray:
        flags = self.plane.iscell
        mode = self.show_choice.currentText()
        if mode == "cells":
            return flags
        if mode == "not cells":
            return ~flags
        return np.ones_like(flags)

    def redraw(self) -> None:
        """Outlines coloured by the current classification (after any edit or undo)."""
        flags = self.plane.iscell
        visible = self._visible()
        rgba = np.zeros((*self._outline.shape, 4), dtype=np.ubyte)
        on = self._outline >= 0
        ids = self._outline[on]
        colours = np.where(flags[ids, None], np.array(CELL), np.array(NOT_CELL))
        colours[~visible[ids]] = 0
        rgba[on] = colours
        if self.selected is not None:
            fill = self._labels == self.selected
            rgba[fill & ~on] = SELECTED_FILL
            rgba[self._outline == self.selected] = SELECTED
        self.overlay.setImage(rgba, levels=(0, 255))
        n = int(flags.sum())
        self.status.setText(f"{n} cells, {self.plane.n_rois - n} not cells")
        for row in range(self.plane.n_rois):
            item = self.table.item(row, 1)
            if item is not None:
                item.setText("yes" if flags[row] else "no")

    def _fill_table(self) -> None:
        flags, prob = self.plane.iscell, self.plane.cell_prob
        for row, label in enumerate(self.plane.labels):
            cells = (label, "yes" if flags[row] else "no",
                     "" if not np.isfinite(prob[row]) else f"{prob[row]:.2f}")
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QtWidgets.QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _draw_traces(self) -> None:
        self.traces.clear()
        if self.selected is None:
            return
        k = self.selected
        t = np.arange(self.plane.n_times) / self.plane.sfreq
        for key in ["F", *self.plane.signals]:
            y = np.asarray(self.plane.signal(key).get_data(0, None, picks=[k])[0])
            self.traces.plot(t, y, pen=pg.mkPen(TRACE_PENS.get(key, "k"), width=1), name=key)
        self.traces.setTitle(f"{self.plane.labels[k]} "
                             f"({'cell' if self.plane.iscell[k] else 'not a cell'})")

    # -- selection ------------------------------------------------------------------------
    def select(self, index: int | None) -> None:
        """Select ROI ``index``: outline, table row and traces follow."""
        if index is not None and not 0 <= int(index) < self.plane.n_rois:
            return
        self.selected = None if index is None else int(index)
        if self.selected is not None and self.table.currentRow() != self.selected:
            self.table.blockSignals(True)
            self.table.selectRow(self.selected)
            self.table.blockSignals(False)
        self.redraw()
        self._draw_traces()

    def roi_at(self, row: float, col: float) -> int | None:
        r, c = int(np.floor(row)), int(np.floor(col))
        ly, lx = self._labels.shape
        if not (0 <= r < ly and 0 <= c < lx):
            return None
        k = int(self._labels[r, c])
        return k if k >= 0 and self._visible()[k] else None

    def _image_clicked(self, event: Any) -> None:
        pos = event.pos()
        k = self.roi_at(pos.y(), pos.x())
        if k is not None:
            self.select(k)
            event.accept()

    def _table_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if rows:
            self.select(min(rows))

    # -- curation ---------------------------------------------------------------------------
    def toggle_selected(self) -> None:
        if self.selected is not None:
            self.plane.toggle_cell(self.selected)

    def _on_edit(self, ds: Any, op: str, label: str | None) -> None:
        if op == "set_cells":
            self.redraw()
            self._draw_traces()

    # -- export -------------------------------------------------------------------------------
    def export_item(self) -> Any:
        return self.glw.scene()

    def export_widget(self) -> QtWidgets.QWidget:
        return self.glw

    def values_table(self) -> tuple[list[str], list[str], np.ndarray]:
        centres = self.plane.rois.centers()
        values = np.column_stack([self.plane.iscell.astype(float), self.plane.cell_prob,
                                  centres, np.diff(self.plane.rois.ptr)])
        return (self.plane.labels, ["cell", "p_cell", "row", "column", "pixels"], values)
