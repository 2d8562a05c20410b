"""Qt views of an NTF result: components (affinity matrix by community, time course with
events shaded, animal bars, community graph) and the rank-selection plot."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neurodeck.data import Result
from neurodeck.gui.widgets.axes import label_axis
from neurodeck.gui.widgets.base import ViewWidget, plot_widget
from neurodeck.gui.widgets.matrix import MatrixHeatmap

from .graph import force_layout, top_edges

COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
          (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
GREY = (200, 200, 200)


def community_order(labels: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """Neurons grouped by community (members first, -1 last), strongest first within."""
    key = np.where(labels < 0, labels.max() + 1, labels)
    return np.lexsort((-strength, key))


def category_ticks(labels: list[str], slot_px: float, width, elide,
                   pad_px: float = 8.0, min_chars: int = 4) -> list[tuple[int, str]]:
    """Tick labels for categories ``slot_px`` pixels apart that never overlap.

    Each label is elided (``elide(text, px)``) to its slot; when even ``min_chars``
    characters do not fit, only every k-th category is labelled, with k slots of room.
    When eliding makes two labels the same (names differing only in the middle), the
    categories are numbered 1, 2, ... instead, so a short label never names the wrong
    category. ``width(text)`` is the text's width in pixels. Full names stay available
    as tool tips (the caller's job).
    """
    if not labels:
        return []
    shortest = max(width(lab[:min_chars] + "\u2026") for lab in labels)
    step = max(1, int(np.ceil((shortest + pad_px) / max(slot_px, 1e-9))))
    room = step * slot_px - pad_px
    ticks = [(i, elide(lab, room)) for i, lab in enumerate(labels) if i % step == 0]
    shown = [t for _, t in ticks]
    if len(set(shown)) < len(shown):
        ticks = [(i, str(i + 1)) for i, _ in ticks]
    return ticks


def _color(label: int) -> tuple[int, int, int]:
    return GREY if label < 0 else COLORS[label % len(COLORS)]


class NtfView(ViewWidget):
    """One component at a time; click a neuron in the matrix or graph to highlight it."""

    def __init__(self, result: Result, parent: QtWidgets.QWidget | None = None):
        super().__init__(result, parent)
        self.result = result
        self.labels = [str(x) for x in result["neuron_labels"]]
        self.selected: int | None = None
        self.component = 0
        self.heatmap: MatrixHeatmap | None = None

        self.comp_box = QtWidgets.QComboBox()
        self.comp_box.addItems([f"Component {k + 1}" for k in range(len(result["affinity"]))])
        self.comp_box.currentIndexChanged.connect(self.set_component)
        self.neuron_box = QtWidgets.QComboBox()
        self.neuron_box.addItems(["(no neuron highlighted)", *self.labels])
        self.neuron_box.currentIndexChanged.connect(
            lambda i: self.highlight(i - 1 if i > 0 else None))
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.comp_box)
        bar.addWidget(QtWidgets.QLabel("Highlight"))
        bar.addWidget(self.neuron_box)
        bar.addStretch(1)
        bar.addWidget(QtWidgets.QLabel(
            f"rank {int(result['rank'])}, relative error {float(result['relative_error']):.3f}"))

        self.matrix_holder = QtWidgets.QVBoxLayout()
        self.time_plot = plot_widget(title="Time course")
        label_axis(self.time_plot, "bottom", "time", "s")
        label_axis(self.time_plot, "left", "time factor", "a.u.")
        self.animal_plot = plot_widget(title="Animals")
        self.animal_plot.setLabel("left", "animal factor (max 1)")
        self.animal_plot.setLabel("bottom", "animal (names in the tool tip)")
        self.animal_names = [str(a) for a in result["animals"]]
        self.animal_plot.setToolTip("\n".join(
            f"{i + 1}. {a}" for i, a in enumerate(self.animal_names)))
        self.animal_plot.getViewBox().sigResized.connect(self._animal_ticks)
        self.animal_plot.getViewBox().sigXRangeChanged.connect(self._animal_ticks)
        self.graph_plot = plot_widget(title="Community graph")
        self.graph_plot.setAspectLocked(True)
        self.graph_plot.hideAxis("left")
        self.graph_plot.hideAxis("bottom")
        self.graph = pg.GraphItem()
        self.graph_plot.addItem(self.graph)
        self.graph.scatter.sigClicked.connect(self._graph_clicked)

        right = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        for w in (self.time_plot, self.animal_plot, self.graph_plot):
            right.addWidget(w)
        left = QtWidgets.QWidget()
        left.setLayout(self.matrix_holder)
        split = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([600, 500])
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.set_component(0)

    # -- drawing ---------------------------------------------------------------------
    def set_component(self, k: int) -> None:
        self.component = k
        res = self.result
        mat = np.asarray(res["affinity"][k], float)
        comm = np.asarray(res["communities"][k])
        self.order = community_order(comm, mat.sum(1))
        names = [f"{self.labels[i]} [{comm[i]}]" for i in self.order]
        if self.heatmap is not None:
            self.heatmap.setParent(None)
            self.heatmap.deleteLater()
        self.heatmap = MatrixHeatmap(mat[np.ix_(self.order, self.order)], names,
                                     value_name="affinity", cmap="magma",
                                     title=f"Component {k + 1}: affinity by community")
        self.heatmap.plot.scene().sigMouseClicked.connect(self._matrix_clicked)
        self.matrix_holder.addWidget(self.heatmap)
        self._draw_time(k)
        self._draw_animals(k)
        self._draw_graph(k, mat, comm)
        self.highlight(self.selected)

    def _draw_time(self, k: int) -> None:
        res = self.result
        self.time_plot.clear()
        times = np.asarray(res["times"], float)
        values = np.asarray(res["time_factors"][k], float).copy()
        if "observed" in res:
            observed = np.asarray(res["observed"], bool)
            # Animals are padded to the longest: a frame no animal recorded is not data
            # (results from before NaN-marking hold the fit's random start there).
            values[~observed.any(0)] = np.nan
            present = observed[observed.any(1)]  # animals with any neuron kept
            partial = present.any(0) & ~present.all(0)
            for lo, hi in _runs(partial):
                region = pg.LinearRegionItem((times[lo], times[hi - 1]), movable=False,
                                             brush=pg.mkBrush(150, 150, 150, 40),
                                             pen=pg.mkPen(None))
                region.setToolTip(f"only {int(present[:, lo].sum())} of {len(present)} "
                                  "animals recorded here")
                self.time_plot.addItem(region)
        for onset, dur, lab in zip(res["event_onsets"], res["event_durations"],
                                   res["event_labels"], strict=True):
            region = pg.LinearRegionItem((onset, onset + max(dur, 0.0)), movable=False,
                                         brush=pg.mkBrush(255, 180, 0, 60), pen=pg.mkPen(None))
            region.setToolTip(str(lab))
            self.time_plot.addItem(region)
        self.time_curve = self.time_plot.plot(times, values, connect="finite",
                                              pen=pg.mkPen(COLORS[k % len(COLORS)], width=1.5))
        finite = np.flatnonzero(np.isfinite(values))
        if len(finite):
            self.time_plot.setXRange(times[finite[0]], times[finite[-1]], padding=0.02)

    def _draw_animals(self, k: int) -> None:
        self.animal_plot.clear()
        vals = self.result["animal_factors"][k]
        self.animal_plot.addItem(pg.BarGraphItem(x=np.arange(len(vals)), height=vals, width=0.7,
                                                 brush=COLORS[k % len(COLORS)]))
        self.animal_plot.setXRange(-0.6, len(vals) - 0.4, padding=0)
        self._animal_ticks()

    def _animal_ticks(self, *_args) -> None:
        """Animal names elided or thinned to the bars' spacing, so they never overlap."""
        axis = self.animal_plot.getAxis("bottom")
        font = axis.style.get("tickFont") or self.animal_plot.font()
        metrics = QtGui.QFontMetrics(font)
        vb = self.animal_plot.getViewBox()
        (x0, x1), width = vb.viewRange()[0], vb.sceneBoundingRect().width()
        slot = width / max(x1 - x0, 1e-9)  # pixels between neighbouring bars
        ticks = category_ticks(
            self.animal_names, slot, metrics.horizontalAdvance,
            lambda text, px: metrics.elidedText(text, QtCore.Qt.ElideMiddle, int(px)))
        self.animal_ticks = ticks
        axis.setTicks([ticks])

    def _draw_graph(self, k: int, mat: np.ndarray, comm: np.ndarray) -> None:
        n = len(comm)
        # Layout: force-directed on every positive edge, weighted, so weak members are
        # still pulled towards their community (seeded: a component always looks the
        # same). Drawn: the strongest edges only (top 5 %, at most 300).
        all_edges, all_weights = top_edges(mat, fraction=1.0, cap=n * n)
        self.pos = force_layout(n, all_edges, all_weights, seed=0)
        edges, _ = top_edges(mat)
        self._graph_kw = dict(pos=self.pos, adj=edges,
                              symbolBrush=[pg.mkBrush(*_color(c)) for c in comm],
                              pen=pg.mkPen(120, 120, 120, 90), pxMode=True)
        self.graph.setData(size=np.full(n, 9.0), **self._graph_kw)

    # -- neuron highlight ------------------------------------------------------------------
    def highlight(self, neuron: int | None) -> None:
        """Mark ``neuron`` (index into neuron_labels) in the matrix and the graph."""
        self.selected = neuron
        if self.neuron_box.currentIndex() != (0 if neuron is None else neuron + 1):
            self.neuron_box.setCurrentIndex(0 if neuron is None else neuron + 1)
        for item in getattr(self, "_marks", []):
            self.heatmap.plot.removeItem(item)
        self._marks = []
        sizes = np.full(len(self.labels), 9.0)
        if neuron is not None:
            row = int(np.flatnonzero(self.order == neuron)[0]) + 0.5
            for angle in (0, 90):
                line = pg.InfiniteLine(row, angle=angle, pen=pg.mkPen("c", width=2))
                self.heatmap.plot.addItem(line)
                self._marks.append(line)
            sizes[neuron] = 20.0
        self.graph.setData(size=sizes, **self._graph_kw)

    def _matrix_clicked(self, event) -> None:
        p = self.heatmap.plot.vb.mapSceneToView(event.scenePos())
        row = int(np.floor(p.y()))
        if 0 <= row < len(self.order):
            self.highlight(int(self.order[row]))

    def _graph_clicked(self, _item, points, *args) -> None:
        if len(points):
            self.highlight(int(points[0].index()))

    # -- ViewWidget --------------------------------------------------------------------------
    def values_table(self):
        k = self.component
        names = [self.labels[i] for i in self.order]
        return names, names, self.result["affinity"][k][np.ix_(self.order, self.order)]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a 1-D mask."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


class RankView(ViewWidget):
    """Relative error and restart similarity per rank, the suggested rank marked."""

    def __init__(self, result: Result, parent: QtWidgets.QWidget | None = None):
        super().__init__(result, parent)
        layout = QtWidgets.QVBoxLayout(self)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        layout.addWidget(self.glw)
        if "ranks" not in result:
            layout.addWidget(QtWidgets.QLabel(
                f"A single rank ({int(result['rank'])}) was fitted: give a range of ranks "
                "(e.g. 1-8) to compare them."))
            self.table = None
            return
        ranks = np.asarray(result["ranks"], float)
        chosen = int(result["rank"])
        self.table = (ranks, result["rank_errors"], result["rank_similarity"])
        for row, (key, title) in enumerate((("rank_errors", "Relative error"),
                                            ("rank_similarity", "Similarity to best fit"))):
            plot = self.glw.addPlot(row=row, col=0, title=title)
            label_axis(plot, "bottom", "rank (number of components)", "")
            label_axis(plot, "left", title.lower(), "")
            vals = np.asarray(result[key], float)
            xs = np.repeat(ranks, vals.shape[1])
            jitter = np.tile(np.linspace(-0.08, 0.08, vals.shape[1]), len(ranks))
            plot.plot(xs + jitter, vals.ravel(), pen=None, symbol="o", symbolSize=6,
                      symbolBrush=(80, 80, 80, 160))
            plot.plot(ranks, vals[:, 0] if key == "rank_errors" else np.nanmean(vals, 1),
                      pen=pg.mkPen((31, 119, 180), width=2))
            plot.addItem(pg.InfiniteLine(chosen, angle=90, pen=pg.mkPen((214, 39, 40),
                                                                        style=QtCore.Qt.DashLine),
                                         label=f"suggested {chosen}",
                                         labelOpts={"position": 0.9, "color": (214, 39, 40)}))
            if key == "rank_similarity":
                plot.setYRange(0, 1.05)

    def export_item(self):
        return self.glw.scene()

    def values_table(self):
        if self.table is None:
            return None
        ranks, err, sim = self.table
        cols = [f"error {k + 1}" for k in range(err.shape[1])] + [
            f"similarity {k + 1}" for k in range(sim.shape[1])]
        return [str(int(r)) for r in ranks], cols, np.hstack([err, sim])
