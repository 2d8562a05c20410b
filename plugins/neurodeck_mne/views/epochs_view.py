"""Epochs: the epochs image of one channel (every epoch as a row, sorted by condition, with
its average below) and the drop log (why epochs were dropped)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.data import Epochs
from neurodeck.gui.widgets.base import ViewWidget, colormap, plot_widget
from neurodeck.gui.widgets.scales import symmetric_limit

from ..units import unit
from .topomap import plain_axes


def _types(ds: Epochs) -> list[str]:
    ep = getattr(ds, "mne_epochs", None)
    return list(ep.get_channel_types()) if ep is not None else ["eeg"] * len(ds.labels)


class EpochsImageView(ViewWidget):
    """Epochs x time image of one channel (amplitude in uV for EEG) and its evoked trace."""

    def __init__(self, ds: Epochs, parent: QtWidgets.QWidget | None = None):
        super().__init__(ds, parent)
        self.ds = ds
        self.types = _types(ds)
        self.channel = QtWidgets.QComboBox()
        self.channel.addItems(ds.labels)
        self.sort = QtWidgets.QCheckBox("Sort by condition")
        self.sort.setChecked(True)
        bar = QtWidgets.QHBoxLayout()
        for w in (QtWidgets.QLabel("Channel"), self.channel, self.sort):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(QtWidgets.QLabel(f"{ds.n_epochs} epochs, "
                                       f"{len(set(ds.conditions.tolist()))} conditions"))
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.image_plot = self.glw.addPlot(row=0, col=0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image_plot.addItem(self.image)
        self.image_plot.setLabel("left", "Epoch")
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=colormap("RdBu_r"),
                                        interactive=False)
        self.colorbar.setImageItem(self.image, insert_in=self.image_plot)
        self.erp = self.glw.addPlot(row=1, col=0)
        self.erp.setXLink(self.image_plot)
        self.erp.setLabel("bottom", "Time (s)")
        self.erp.showGrid(x=True, y=True, alpha=0.2)
        plain_axes(self.image_plot, self.erp, self.colorbar)
        self.glw.ci.layout.setRowStretchFactor(0, 3)
        self.glw.ci.layout.setRowStretchFactor(1, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)
        self.channel.currentIndexChanged.connect(self.redraw)
        self.sort.toggled.connect(self.redraw)
        self.redraw()

    def order(self) -> np.ndarray:
        if not self.sort.isChecked():
            return np.arange(self.ds.n_epochs)
        return np.argsort(self.ds.conditions, kind="stable")

    def current(self) -> np.ndarray:
        k = self.channel.currentIndex()
        factor, _ = unit(self.types[k])
        return self.ds.data[:, k, :][self.order()] * factor

    def redraw(self) -> None:
        k = self.channel.currentIndex()
        factor, name = unit(self.types[k])
        data = self.current()
        times = self.ds.times
        lim = symmetric_limit(data, 98.0)
        self.image.setImage(data, autoLevels=False, levels=(-lim, lim))
        dt = 1.0 / self.ds.sfreq
        self.image.setRect(QtCore.QRectF(times[0] - dt / 2, 0, times[-1] - times[0] + dt,
                                         data.shape[0]))
        self.colorbar.setLevels((-lim, lim))
        self.colorbar.setLabel("right", name)
        self.image_plot.setTitle(self.ds.labels[k], size="10pt")
        self.erp.clear()
        conds = self.ds.conditions[self.order()]
        colors = [(40, 90, 160), (200, 80, 40), (40, 150, 80), (140, 70, 170), (120, 120, 40)]
        self.erp.addLegend(offset=(5, 5))
        for i, c in enumerate(sorted(set(conds.tolist()))):
            sel = conds == c
            self.erp.plot(times, data[sel].mean(axis=0), pen=pg.mkPen(colors[i % 5], width=2),
                          name=f"{c} (n={int(sel.sum())})")
        self.erp.setLabel("left", f"Mean ({name})")
        self.image_plot.getAxis("bottom").setStyle(showValues=False)

    def export_item(self):
        return self.glw.scene()

    def values_table(self):
        conds = self.ds.conditions[self.order()]
        rows = [f"{i}: {c}" for i, c in zip(self.order(), conds, strict=True)]
        return rows, [f"{t:.4g}" for t in self.ds.times], self.current()


def drop_counts(drop_log) -> tuple[Counter, int, int]:
    """Reasons counted over dropped epochs, the number dropped and the number of epochs
    selected (IGNORED ones, events of other conditions, left out as MNE does)."""
    reasons: Counter = Counter()
    dropped = total = 0
    for log in drop_log:
        if log == ("IGNORED",):
            continue
        total += 1
        if log:
            dropped += 1
            reasons.update(log)
    return reasons, dropped, total


class DropLogView(ViewWidget):
    """Why epochs were dropped: per channel or reason, the percentage of epochs."""

    def __init__(self, ds: Epochs, parent: QtWidgets.QWidget | None = None):
        super().__init__(ds, parent)
        ep = getattr(ds, "mne_epochs", None)
        self.log = tuple(ep.drop_log) if ep is not None else ()
        self.reasons, self.dropped, self.total = drop_counts(self.log)
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("drop-summary")
        pct = 100 * self.dropped / self.total if self.total else 0.0
        self.summary.setText(
            f"{self.dropped} of {self.total} epochs dropped ({pct:.1f}%)" if self.total
            else "No drop log: these epochs were not cut by MNE in this session")
        self.plot_widget = plot_widget()
        self.plot = self.plot_widget.getPlotItem()
        names = [r for r, _ in self.reasons.most_common(30)]
        values = [100 * self.reasons[r] / max(self.total, 1) for r in names]
        self.names, self.values = names, np.asarray(values, float)
        if names:
            self.plot.addItem(pg.BarGraphItem(x=np.arange(len(names)), height=values,
                                              width=0.7, brush=(90, 120, 180)))
            self.plot.getAxis("bottom").setTicks([list(enumerate(names))])
        self.plot.setLabel("left", "Epochs dropped (%)")
        self.plot.setLabel("bottom", "Reason (channel exceeding reject, BAD_ annotation...)")
        self.plot.showGrid(y=True, alpha=0.2)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.plot_widget, 1)

    def export_item(self):
        return self.plot

    def values_table(self):
        return self.names, ["% of epochs"], self.values[:, None]
