"""Evoked responses: a butterfly plot of every channel and topographic maps at chosen
latencies (by default the three largest peaks of the global field power)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.gui.widgets.base import ViewWidget, plot_widget

from ..datasets import EvokedSet
from ..spectra import channel_facts
from ..units import common_unit
from .topomap import TopoRow, plain_axes


def gfp_peaks(data: np.ndarray, times: np.ndarray, n: int = 3) -> list[float]:
    """Latencies of the ``n`` highest peaks of the global field power (std over channels),
    after time 0 when there is a post-stimulus part."""
    from scipy.signal import find_peaks

    gfp = data.std(axis=0)
    after = times >= 0 if (times >= 0).sum() > 2 else np.ones(times.size, bool)
    idx, _ = find_peaks(np.where(after, gfp, 0))
    if idx.size == 0:
        return [float(times[int(np.argmax(np.where(after, gfp, -1)))])]
    top = idx[np.argsort(gfp[idx])[::-1][:n]]
    return sorted(float(times[i]) for i in top)


class EvokedView(ViewWidget):
    """Butterfly (amplitude in the channels' unit against time) with topomaps below."""

    def __init__(self, ds: EvokedSet, parent: QtWidgets.QWidget | None = None):
        super().__init__(ds, parent)
        self.ds = ds
        self.condition = QtWidgets.QComboBox()
        self.condition.addItems([f"{c} (n={ev.nave})" for c, ev in zip(
            ds.conditions, ds.evokeds, strict=True)])
        self.latencies = QtWidgets.QLineEdit()
        self.latencies.setObjectName("latencies")
        self.latencies.setToolTip("Latencies of the maps (s), comma-separated; click the "
                                  "plot to add one")
        self.auto = QtWidgets.QPushButton("Peaks")
        self.auto.setToolTip("The three largest peaks of the global field power")
        bar = QtWidgets.QHBoxLayout()
        for w in (QtWidgets.QLabel("Condition"), self.condition,
                  QtWidgets.QLabel("Maps at (s)"), self.latencies, self.auto):
            bar.addWidget(w)
        bar.addStretch(1)
        self.plot_widget = plot_widget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "Time (s)")
        plain_axes(self.plot)
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        self.splitter.addWidget(self.plot_widget)
        self.maps: TopoRow | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        self.condition.currentIndexChanged.connect(self._condition_changed)
        self.latencies.editingFinished.connect(self.redraw_maps)
        self.auto.clicked.connect(self._peaks)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self._condition_changed()

    # -- data of the current condition ------------------------------------------------------
    def evoked(self):
        return self.ds.evokeds[self.condition.currentIndex()]

    def _rows(self):
        ev = self.evoked()
        facts = channel_facts(ev.info, list(ev.ch_names))
        factor, unit, main = common_unit([str(t) for t in facts["ch_types"]])
        bads = set(ev.info["bads"])
        rows = [i for i, (t, n) in enumerate(zip(facts["ch_types"], ev.ch_names,
                                                  strict=True)) if t == main and n not in bads]
        return np.asarray(rows, int), factor, unit, facts

    def _condition_changed(self) -> None:
        rows, factor, unit, _ = self._rows()
        ev = self.evoked()
        self.data = ev.data[rows] * factor
        self.times = np.asarray(ev.times)
        self.unit = unit
        self.plot.clear()
        xs = np.tile(np.append(self.times, np.nan), len(rows))
        ys = np.hstack([self.data, np.full((len(rows), 1), np.nan)]).ravel()
        self.plot.addItem(pg.PlotCurveItem(xs, ys, connect="finite",
                                           pen=pg.mkPen((40, 90, 160, 120), width=1)))
        self.plot.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen((90, 90, 90),
                                                                    style=QtCore.Qt.DashLine)))
        self.plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen((150, 150, 150))))
        self.plot.setLabel("left", f"Amplitude ({unit})")
        self.plot.setTitle(f"{self.ds.conditions[self.condition.currentIndex()]}: "
                           f"{len(rows)} channels, {ev.nave} epochs", size="10pt")
        self.lines: list[pg.InfiniteLine] = []
        self._peaks()

    def _peaks(self) -> None:
        self.latencies.setText(", ".join(f"{t:.3f}" for t in gfp_peaks(self.data,
                                                                         self.times)))
        self.redraw_maps()

    def _clicked(self, event) -> None:
        pos = self.plot.vb.mapSceneToView(event.scenePos())
        if not self.plot.vb.sceneBoundingRect().contains(event.scenePos()):
            return
        t = float(np.clip(pos.x(), self.times[0], self.times[-1]))
        self.latencies.setText(", ".join([*(f"{x:.3f}" for x in self.chosen()), f"{t:.3f}"]))
        self.redraw_maps()

    def chosen(self) -> list[float]:
        out = []
        for part in self.latencies.text().split(","):
            try:
                t = float(part)
            except ValueError:
                continue
            if self.times[0] <= t <= self.times[-1]:
                out.append(t)
        return out[:8]

    def redraw_maps(self) -> None:
        for line in self.lines:
            self.plot.removeItem(line)
        self.lines = []
        rows, factor, unit, facts = self._rows()
        maps = []
        for t in self.chosen():
            k = int(np.argmin(np.abs(self.times - t)))
            line = pg.InfiniteLine(self.times[k], angle=90, pen=pg.mkPen((200, 60, 40),
                                                                          width=1.5))
            self.plot.addItem(line)
            self.lines.append(line)
            maps.append((f"{self.times[k] * 1000:.0f} ms", self.data[:, k]))
        if self.maps is not None:
            self.maps.setParent(None)
            self.maps.deleteLater()
        self.maps = TopoRow(facts["positions"][rows], maps, unit=unit, per_row=8,
                            names=[str(x) for x in facts["labels"][rows]])
        self.splitter.addWidget(self.maps)
        self.splitter.setSizes([int(self.height() * 0.55) or 400, int(self.height() * 0.45)
                                or 300])

    def export_item(self):
        return self.plot

    def values_table(self):
        rows, _, _, facts = self._rows()
        return [str(x) for x in facts["labels"][rows]], [f"{t:.4g}" for t in self.times], \
            self.data
