"""The connectome view: labelled adjacency heatmap beside a node-link layout,
with a neuron search that highlights the match (and its partners) in both."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.data import Connectome
from neurodeck.gui.widgets.base import ViewWidget
from neurodeck.gui.widgets.labels import PointLabels
from neurodeck.gui.widgets.matrix import MatrixHeatmap

from .layout import spectral_layout, spring_layout, undirected

HIGHLIGHT = "#d62728"


class ConnectomeView(ViewWidget):
    """Heatmap + graph of a :class:`~neurodeck.data.Connectome`."""

    def __init__(self, ds: Connectome, parent: QtWidgets.QWidget | None = None):
        super().__init__(ds, parent)
        self.cx = ds
        self.labels = ds.labels
        self.layer = "all"
        self.layout_name = "spring"
        self.highlighted: list[int] = []
        self.positions = np.zeros((ds.n_nodes, 2))

        self.layer_box = QtWidgets.QComboBox()
        self.layer_box.addItems(["all", *sorted(ds.layers)])
        self.layer_box.setEnabled(bool(ds.layers))
        self.layer_box.currentTextChanged.connect(self.set_layer)
        self.layout_box = QtWidgets.QComboBox()
        self.layout_box.addItems(["spring", "spectral"])
        self.layout_box.currentTextChanged.connect(self.set_layout)
        self.search_edit = QtWidgets.QLineEdit(placeholderText="find neuron / node")
        completer = QtWidgets.QCompleter(self.labels)
        completer.setCaseSensitivity(QtCore.Qt.CaseInsensitive)
        completer.setFilterMode(QtCore.Qt.MatchContains)
        self.search_edit.setCompleter(completer)
        self.search_edit.returnPressed.connect(lambda: self.search(self.search_edit.text()))
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.readout.setSizePolicy(QtWidgets.QSizePolicy.Ignored,
                                   QtWidgets.QSizePolicy.Preferred)

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.graph = self.glw.addPlot()
        self.graph.setAspectLocked(True)
        self.graph.hideAxis("left")
        self.graph.hideAxis("bottom")
        self.graph.hideButtons()
        self.edge_items: list[pg.PlotCurveItem] = []
        self.hi_edges = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(HIGHLIGHT, width=1.5))
        self.hi_edges.setZValue(5)
        self.nodes = pg.ScatterPlotItem(pxMode=True, hoverable=True, tip=None)
        self.nodes.setZValue(10)
        self.nodes.sigHovered.connect(self._node_hovered)
        self.nodes.sigClicked.connect(self._node_clicked)
        self.graph.addItem(self.hi_edges)
        self.graph.addItem(self.nodes)
        # Node names through the shared label layout: as many as fit without colliding,
        # best-connected first; zooming in shows more, hovering a node names it.
        self.node_labels = PointLabels(self.graph, self.labels)

        self.splitter = QtWidgets.QSplitter()
        self.heatmap = self._make_heatmap()
        self.splitter.addWidget(self.heatmap)
        self.splitter.addWidget(self.glw)

        bar = QtWidgets.QHBoxLayout()
        for w in (QtWidgets.QLabel("Layer"), self.layer_box, QtWidgets.QLabel("Layout"),
                  self.layout_box, self.search_edit):
            bar.addWidget(w)
        bar.addWidget(self.readout, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        self._hi_lines: list[pg.InfiniteLine] = []
        self.set_layout(self.layout_name)

    # -- data -------------------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        return self.cx.weights if self.layer == "all" else self.cx.layers[self.layer]

    def _make_heatmap(self) -> MatrixHeatmap:
        # Weights are counts (synapses) or strengths spanning orders of magnitude: the
        # matrix picks a log colour scale for heavy-tailed values (switchable).
        hm = MatrixHeatmap(self.weights, self.labels, symmetric=True, value_name="weight",
                           title=self.cx.name)
        hm.order_box.currentIndexChanged.connect(lambda _: self._highlight_heatmap())
        return hm

    def set_layer(self, name: str) -> None:
        if name != "all" and name not in self.cx.layers:
            raise ValueError(f"no layer {name!r}; layers: {sorted(self.cx.layers)}")
        self.layer = name
        old = self.heatmap
        self.heatmap = self._make_heatmap()
        self.splitter.replaceWidget(0, self.heatmap)
        old.deleteLater()
        self._hi_lines = []
        self.set_layout(self.layout_name)

    def set_layout(self, name: str) -> None:
        if name not in ("spring", "spectral"):
            raise ValueError(f"layout must be spring or spectral, got {name!r}")
        self.layout_name = name
        if self.layout_box.currentText() != name:
            self.layout_box.setCurrentText(name)
        w = self.weights
        self.positions = spring_layout(w) if name == "spring" else spectral_layout(w)
        self._draw_graph()

    # -- drawing ---------------------------------------------------------------------------------
    def _draw_graph(self) -> None:
        for item in self.edge_items:
            self.graph.removeItem(item)
        self.edge_items = []
        w = undirected(self.weights)
        i, j = np.nonzero(np.triu(w))
        xy = self.positions
        if i.size:
            # Three weight tiers (by tercile) so strong edges stand out without one
            # pen per edge (thousands of edges would make drawing slow).
            wt = w[i, j]
            cuts = np.quantile(wt, [1 / 3, 2 / 3])
            tier = np.searchsorted(cuts, wt, side="right")
            for t, (alpha, width) in enumerate(((35, 0.6), (70, 1.0), (130, 1.6))):
                sel = tier == t
                if not sel.any():
                    continue
                x = np.column_stack([xy[i[sel], 0], xy[j[sel], 0]]).ravel()
                y = np.column_stack([xy[i[sel], 1], xy[j[sel], 1]]).ravel()
                item = pg.PlotCurveItem(x, y, connect="pairs",
                                        pen=pg.mkPen((60, 60, 60, alpha), width=width))
                self.graph.addItem(item)
                self.edge_items.append(item)
        degree = (w > 0).sum(axis=1)
        self.sizes = 5 + 10 * np.sqrt(degree / max(degree.max(), 1))
        self._style_nodes()
        self.graph.autoRange()
        self.node_labels.set_positions(xy, priority=degree)

    def _style_nodes(self) -> None:
        hi = set(self.highlighted)
        partners = set(self.partners(self.highlighted)) - hi
        brushes = [pg.mkBrush(HIGHLIGHT) if k in hi else
                   pg.mkBrush("#ff9f40") if k in partners else pg.mkBrush("#1f77b4")
                   for k in range(len(self.labels))]
        sizes = [s * (1.8 if k in hi else 1.0) for k, s in enumerate(self.sizes)]
        self.nodes.setData(pos=self.positions, size=sizes, brush=brushes,
                           pen=pg.mkPen("w", width=0.5), data=np.arange(len(self.labels)))
        if self.highlighted:
            w = undirected(self.weights)
            xs, ys = [], []
            for k in self.highlighted:
                for m in np.flatnonzero(w[k]):
                    xs += [self.positions[k, 0], self.positions[m, 0]]
                    ys += [self.positions[k, 1], self.positions[m, 1]]
            self.hi_edges.setData(np.asarray(xs, float), np.asarray(ys, float))
        else:
            self.hi_edges.setData(np.zeros(0), np.zeros(0))

    def _highlight_heatmap(self) -> None:
        plot = self.heatmap.plot
        for line in self._hi_lines:
            plot.removeItem(line)
        self._hi_lines = []
        pen = pg.mkPen(HIGHLIGHT, width=1.5)
        for k in self.highlighted:
            pos_r = int(np.flatnonzero(self.heatmap.row_order == k)[0]) + 0.5
            pos_c = int(np.flatnonzero(self.heatmap.col_order == k)[0]) + 0.5
            for line in (pg.InfiniteLine(pos=pos_r, angle=0, pen=pen),
                         pg.InfiniteLine(pos=pos_c, angle=90, pen=pen)):
                plot.addItem(line)
                self._hi_lines.append(line)

    # -- search ------------------------------------------------------------------------------------
    def partners(self, nodes: list[int]) -> list[int]:
        """Nodes sharing an edge (either direction) with any of ``nodes``."""
        w = undirected(self.weights)
        out: set[int] = set()
        for k in nodes:
            out.update(np.flatnonzero(w[k]).tolist())
        return sorted(out)

    def search(self, text: str) -> list[int]:
        """Highlight nodes whose label matches ``text`` (exact, else contains; case-
        insensitive). Returns their indices."""
        q = text.strip().lower()
        if not q:
            matches: list[int] = []
        else:
            lower = [lab.lower() for lab in self.labels]
            matches = [k for k, lab in enumerate(lower) if lab == q] or \
                [k for k, lab in enumerate(lower) if q in lab]
        self.highlight(matches)
        if text and not matches:
            self.readout.setText(f"no node matches {text!r}")
        return matches

    def highlight(self, nodes: list[int]) -> None:
        self.highlighted = [int(k) for k in nodes]
        self._style_nodes()
        self._highlight_heatmap()
        if len(self.highlighted) == 1:
            self.readout.setText(self.describe(self.highlighted[0]))
        elif self.highlighted:
            self.readout.setText(f"{len(self.highlighted)} nodes match")

    def describe(self, k: int) -> str:
        w = self.weights
        out_n, in_n = int(np.count_nonzero(w[k])), int(np.count_nonzero(w[:, k]))
        if self.cx.directed:
            return f"{self.labels[k]}: {out_n} targets, {in_n} sources"
        return f"{self.labels[k]}: {out_n} partners"

    def _node_hovered(self, item, points, ev) -> None:
        if len(points):
            self.readout.setText(self.describe(int(points[0].data())))

    def _node_clicked(self, item, points, ev) -> None:
        if len(points):
            self.highlight([int(points[0].data())])

    # -- workspace layout / ViewWidget -------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"layer": self.layer, "layout": self.layout_name,
                "highlighted": [self.labels[k] for k in self.highlighted],
                "clustered": self.heatmap.order_box.currentIndex() == 1}

    def restore_state(self, state: dict[str, Any]) -> None:
        layer = state.get("layer", "all")
        if layer != self.layer and (layer == "all" or layer in self.cx.layers):
            self.layer_box.setCurrentText(layer)
        if state.get("layout") in ("spring", "spectral") and state["layout"] != self.layout_name:
            self.set_layout(state["layout"])
        self.heatmap.set_clustered(bool(state.get("clustered", False)))
        where = {lab: k for k, lab in enumerate(self.labels)}
        self.highlight([where[lab] for lab in state.get("highlighted", []) if lab in where])

    def export_item(self):
        return self.glw.scene()

    def export_widget(self):
        # The node-link graph (the heatmap exports from its own view); the shell's SVG
        # writer renders QGraphicsViews only.
        return self.glw

    def values_table(self):
        return self.heatmap.values_table()
