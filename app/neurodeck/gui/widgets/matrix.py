"""A labelled matrix heatmap: colour map, colour bar, hover read-out, clustering order.

Used by every view that shows an N x N (or N x M) matrix: connectivity, RDMs,
coupling weights, affinity factors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from . import scales
from .base import COLORMAPS, ViewWidget, colormap
from .labels import CategoryAxis


def cluster_order(matrix: np.ndarray) -> np.ndarray:
    """Leaf order of average-linkage clustering on rows (1 - r distances for symmetric
    similarity matrices, euclidean otherwise)."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import pdist, squareform

    m = np.nan_to_num(np.asarray(matrix, float))
    n = m.shape[0]
    if n < 3:
        return np.arange(n)
    if m.shape[0] == m.shape[1] and np.allclose(m, m.T):
        dist = np.clip(1.0 - m, 0.0, None) if np.allclose(np.diag(m), 1) else \
            squareform(pdist(m))
        np.fill_diagonal(dist, 0.0)
        condensed = squareform((dist + dist.T) / 2, checks=False)
    else:
        condensed = pdist(m)
    return leaves_list(linkage(condensed, method="average"))


class MatrixHeatmap(ViewWidget):
    """Heatmap of ``matrix[i, j]`` with row/column labels.

    ``symmetric`` orders rows and columns together. ``levels`` fixes the colour
    limits (default: symmetric around 0 for signed data, min-max otherwise). ``scale``
    is the colour scale (linear, log, rank; default: log for non-negative heavy-tailed
    values such as synapse counts, linear otherwise); the read-out always shows the
    value itself.
    """

    hovered = QtCore.Signal(int, int, float)

    def __init__(self, matrix: np.ndarray, labels: Sequence[str] | None = None,
                 col_labels: Sequence[str] | None = None, parent: QtWidgets.QWidget | None = None,
                 *, symmetric: bool = True, levels: tuple[float, float] | None = None,
                 cmap: str | None = None, value_name: str = "value", title: str = "",
                 scale: str | None = None):
        super().__init__(matrix, parent)
        self.matrix = np.asarray(matrix, dtype=float)
        n, m = self.matrix.shape
        self.row_labels = [str(x) for x in (labels if labels is not None else range(n))]
        self.col_labels = [str(x) for x in (
            col_labels if col_labels is not None else (self.row_labels if n == m else range(m)))]
        self.symmetric = symmetric and n == m
        self.value_name = value_name
        finite = self.matrix[np.isfinite(self.matrix)]
        signed = bool(finite.size and finite.min() < 0 < finite.max())
        if levels is not None and np.isclose(levels[0], -levels[1]):
            signed = True  # symmetric limits (correlations): a diverging map
        if levels is None:
            if finite.size == 0:
                levels = (0.0, 1.0)
            elif signed:
                lim = float(np.abs(finite).max())
                levels = (-lim, lim)
            else:
                levels = (float(finite.min()), float(finite.max()) or 1.0)
        self.levels = levels
        self.scale_names = scales.scales_for(self.matrix)
        self.scale = scale or (scales.default_scale(self.matrix) if levels_given(levels, finite)
                               else scales.LINEAR)
        if self.scale not in self.scale_names:
            raise ValueError(f"scale {self.scale!r} does not suit these values; "
                             f"choose from {', '.join(self.scale_names)}")
        self.row_order = np.arange(n)
        self.col_order = np.arange(m)

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        # Row and column names laid out by the shared label mechanism: upright, elided
        # or thinned to the room they have, the full name on hover.
        self.row_axis = CategoryAxis("left", max_extent=160)
        self.col_axis = CategoryAxis("bottom", max_extent=120)
        self.plot = self.glw.addPlot(title=title or None, axisItems={
            "left": self.row_axis, "bottom": self.col_axis})
        self.plot.setAspectLocked(n == m)
        self.plot.invertY(True)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=levels, colorMap=colormap(
            cmap or ("RdBu_r" if signed else "viridis")), label=value_name, interactive=True)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)

        self.cmap_box = QtWidgets.QComboBox()
        self.cmap_box.addItems(COLORMAPS)
        self.cmap_box.setCurrentText(cmap or ("RdBu_r" if signed else "viridis"))
        self.cmap_box.currentTextChanged.connect(self.set_colormap)
        self.order_box = QtWidgets.QComboBox()
        self.order_box.addItems(["Original order", "Clustered order"])
        self.order_box.currentIndexChanged.connect(lambda i: self.set_clustered(i == 1))
        self.scale_box = QtWidgets.QComboBox()
        self.scale_box.setObjectName("matrix-scale")
        for name in self.scale_names:
            self.scale_box.addItem(scales.SCALE_TITLES[name], name)
        self.scale_box.setCurrentIndex(self.scale_names.index(self.scale))
        self.scale_box.currentIndexChanged.connect(
            lambda i: self.set_scale(self.scale_box.itemData(i)))
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        # A long read-out is cut, never widening the view.
        self.readout.setSizePolicy(QtWidgets.QSizePolicy.Ignored,
                                   QtWidgets.QSizePolicy.Preferred)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("Colour map"))
        bar.addWidget(self.cmap_box)
        bar.addWidget(self.scale_box)
        bar.addWidget(self.order_box)
        bar.addWidget(self.readout, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)

        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse)
        self._refresh()

    # -- state ------------------------------------------------------------------------
    def displayed(self) -> np.ndarray:
        return self.matrix[np.ix_(self.row_order, self.col_order)]

    def set_colormap(self, name: str) -> None:
        self.colorbar.setColorMap(colormap(name))

    def set_matrix(self, matrix: np.ndarray, title: str | None = None) -> None:
        """Show another matrix of the same shape and names (a time step, a subject),
        keeping the colour limits, scale and order (reclustered when clustered)."""
        matrix = np.asarray(matrix, dtype=float)
        if matrix.shape != self.matrix.shape:
            raise ValueError(f"matrix shape {matrix.shape} != {self.matrix.shape}")
        self.matrix = self.obj = matrix
        if title is not None:
            self.plot.setTitle(title)
        if self.order_box.currentIndex() == 1:
            self.set_clustered(True)
        else:
            self._refresh()

    def set_scale(self, name: str) -> None:
        """Colour by ``name`` (linear, log or rank); the read-out keeps the raw values."""
        if name not in self.scale_names:
            raise ValueError(f"scale must be one of {', '.join(self.scale_names)}, "
                             f"got {name!r}")
        self.scale = name
        if self.scale_box.currentIndex() != self.scale_names.index(name):
            self.scale_box.setCurrentIndex(self.scale_names.index(name))
        self._refresh()

    def shown_levels(self) -> tuple[float, float]:
        """The colour limits on the current scale."""
        return scales.levels(self.matrix, self.scale, self.levels)

    def set_clustered(self, on: bool) -> None:
        n, m = self.matrix.shape
        if on:
            self.row_order = cluster_order(self.matrix)
            self.col_order = self.row_order if self.symmetric else cluster_order(self.matrix.T)
        else:
            self.row_order, self.col_order = np.arange(n), np.arange(m)
        if self.order_box.currentIndex() != int(on):
            self.order_box.setCurrentIndex(int(on))
        self._refresh()

    def _refresh(self) -> None:
        lim = self.shown_levels()
        self.image.setImage(scales.transform(self.displayed(), self.scale), autoLevels=False,
                            levels=lim)
        self.colorbar.setLevels(values=lim)
        ticks = scales.ticks(self.scale, lim)
        self.colorbar.axis.setTicks([ticks] if ticks is not None else None)
        label = {scales.LINEAR: self.value_name, scales.LOG: f"{self.value_name} (log scale)",
                 scales.RANK: f"{self.value_name} (percentile rank)"}[self.scale]
        # ColorBarItem writes its label on the axis opposite its ticks (left, vertical).
        self.colorbar.getAxis("left").setLabel(label)
        self._update_ticks()

    def _update_ticks(self) -> None:
        """Hand the displayed order of names to the axes (they fit them to their room)."""
        self.row_axis.set_labels([self.row_labels[i] for i in self.row_order])
        self.col_axis.set_labels([self.col_labels[i] for i in self.col_order])

    # -- hover ----------------------------------------------------------------------------
    def _on_mouse(self, event) -> None:
        pos = event[0]
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        p = self.plot.vb.mapSceneToView(pos)
        j, i = int(np.floor(p.x())), int(np.floor(p.y()))
        n, m = self.matrix.shape
        if 0 <= i < n and 0 <= j < m:
            ri, cj = int(self.row_order[i]), int(self.col_order[j])
            value = float(self.matrix[ri, cj])
            self.readout.setText(
                f"{self.row_labels[ri]} \u2192 {self.col_labels[cj]}: "
                f"{self.value_name} = {value:.4g}")
            self.hovered.emit(ri, cj, value)

    # -- ViewWidget -------------------------------------------------------------------------
    def export_item(self):
        return self.glw.scene()

    def export_widget(self):
        return self.glw

    def values_table(self):
        rows = [self.row_labels[i] for i in self.row_order]
        cols = [self.col_labels[i] for i in self.col_order]
        return rows, cols, self.displayed()


def levels_given(levels, finite: np.ndarray) -> bool:
    """True when the limits are the data's own range (a scale may then be chosen for the
    data); limits a view fixed (correlations in -1..1) keep a linear scale."""
    if not finite.size:
        return False
    return bool(np.isclose(levels[0], finite.min()) and np.isclose(levels[1], finite.max()))
