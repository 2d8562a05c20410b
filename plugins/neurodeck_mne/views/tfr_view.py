"""The time-frequency result: one channel's power image with baseline modes, and every
channel's image laid out at its position on the head."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.data import Result
from neurodeck.gui.widgets.base import LayoutView, TabbedView, ViewWidget, colormap
from neurodeck.gui.widgets.scales import symmetric_limit

from ..spectra import BASELINE_MODES
from ..topo import has_positions, head_outline, project
from ..units import power_unit
from .topomap import NO_MONTAGE, plain_axes

MODE_UNITS = {"mean": "{unit} (minus baseline)", "ratio": "ratio to baseline",
              "logratio": "log10 ratio to baseline", "percent": "% change from baseline",
              "zscore": "z (baseline)", "zlogratio": "z of log10 ratio (baseline)"}


class TfrModel:
    """The result's power with a baseline correction chosen in the view (MNE's rescale)."""

    def __init__(self, result: Result):
        self.result = result
        self.freqs = np.asarray(result["freqs"], float)
        self.times = np.asarray(result["times"], float)
        self.labels = [str(x) for x in result["labels"]]
        self.types = [str(x) for x in result["ch_types"]]
        raw = result.get("power_raw")
        self.raw = np.asarray(raw if raw is not None else result["power"], float)
        params = result.provenance.get("parameters", {})
        self.baseline_text = str(params.get("baseline") or "none")
        self.mode = str(params.get("mode", "logratio"))

    def power(self, baseline: str, mode: str) -> tuple[np.ndarray, str]:
        """Power (channels x freqs x times) and its unit, with ``baseline``/``mode``."""
        import mne

        from .. import options

        base = options.baseline(baseline)
        if base is None:
            factor, unit = power_unit(self.types[0], per_hz=False)
            return self.raw * factor, unit
        with mne.utils.use_log_level("error"):
            data = mne.baseline.rescale(self.raw, self.times, base, mode=mode, copy=True,
                                        verbose="error")
        _, unit = power_unit(self.types[0], per_hz=False)
        if mode == "mean":
            factor, _ = power_unit(self.types[0], per_hz=False)
            data = data * factor
        return data, MODE_UNITS[mode].format(unit=unit)


def _levels(data: np.ndarray, diverging: bool) -> tuple[float, float]:
    finite = data[np.isfinite(data)]
    if not finite.size:
        return (0.0, 1.0)
    if diverging:
        lim = symmetric_limit(finite, 99.0)
        return (-lim, lim)
    lo, hi = np.percentile(finite, [1, 99])
    return (float(lo), float(hi) if hi > lo else float(lo) + 1.0)


class ChannelTfr(ViewWidget):
    """One channel (or the mean of all): time x frequency power with a colour bar."""

    def __init__(self, model: TfrModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(model.result, parent)
        self.model = model
        self.channel = QtWidgets.QComboBox()
        self.channel.addItems(["Mean of all channels", *model.labels])
        self.baseline = QtWidgets.QLineEdit(model.baseline_text)
        self.baseline.setToolTip("Baseline 'start, end' in s (None = edge), or 'none'")
        self.mode = QtWidgets.QComboBox()
        self.mode.addItems(BASELINE_MODES)
        self.mode.setCurrentText(model.mode)
        self.error = QtWidgets.QLabel("")
        self.error.setStyleSheet("color: #a00;")
        bar = QtWidgets.QHBoxLayout()
        for w in (QtWidgets.QLabel("Channel"), self.channel, QtWidgets.QLabel("Baseline"),
                  self.baseline, QtWidgets.QLabel("Mode"), self.mode, self.error):
            bar.addWidget(w)
        bar.addStretch(1)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.plot = self.glw.addPlot()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.plot.setLabel("bottom", "Time (s)")
        self.plot.setLabel("left", "Frequency (Hz)")
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=colormap("RdBu_r"),
                                        interactive=False)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        plain_axes(self.plot, self.colorbar)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)
        self.channel.currentIndexChanged.connect(self.redraw)
        self.mode.currentIndexChanged.connect(self.redraw)
        self.baseline.editingFinished.connect(self.redraw)
        self.redraw()

    def current(self) -> tuple[np.ndarray, str]:
        data, unit = self.model.power(self.baseline.text(), self.mode.currentText())
        k = self.channel.currentIndex()
        return (data.mean(axis=0) if k == 0 else data[k - 1]), unit

    def redraw(self) -> None:
        from neurodeck.errors import ParameterError

        try:
            tf, unit = self.current()
            self.error.setText("")
        except (ParameterError, ValueError) as exc:
            self.error.setText(str(exc))
            return
        from .. import options

        diverging = options.baseline(self.baseline.text()) is not None and \
            self.mode.currentText() != "ratio"
        levels = _levels(tf, diverging)
        self.colorbar.setColorMap(colormap("RdBu_r" if diverging else "viridis"))
        self.image.setImage(tf, autoLevels=False, levels=levels)
        t, f = self.model.times, self.model.freqs
        dt = (t[-1] - t[0]) / max(len(t) - 1, 1)
        df = (f[-1] - f[0]) / max(len(f) - 1, 1) if len(f) > 1 else 1.0
        self.image.setRect(QtCore.QRectF(t[0] - dt / 2, f[0] - df / 2, t[-1] - t[0] + dt,
                                         f[-1] - f[0] + df))
        self.colorbar.setLevels(levels)
        self.colorbar.setLabel("right", unit)
        self.plot.setTitle(self.channel.currentText(), size="10pt")
        self.unit = unit

    def export_item(self):
        return self.glw.scene()

    def values_table(self):
        tf, _ = self.current()
        return [f"{f:g} Hz" for f in self.model.freqs], [f"{t:.4g}" for t in
                                                         self.model.times], tf


class TopoTfr(LayoutView):
    """Every channel's power image placed at its head position (MNE's plot_topo layout)."""

    def __init__(self, model: TfrModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(model.result, parent)
        self.model = model
        positions = np.asarray(model.result["positions"], float)
        ok = has_positions(positions)
        self.message = None
        if ok.sum() < 3:
            self.message = QtWidgets.QLabel(NO_MONTAGE)
            self.message.setObjectName("no-montage")
            self.message.setAlignment(QtCore.Qt.AlignCenter)
            self.message.setStyleSheet("color: #8a2a0a; font-size: 11pt; padding: 16px;")
            self.layout().insertWidget(0, self.message)
            self.glw.hide()
            return
        data, unit = model.power(model.baseline_text, model.mode)
        xy = project(positions[ok])
        # Spread the sensors over the head (as MNE's topo layouts do): the outermost at 1.
        xy = xy / max(float(np.abs(xy).max()), 1e-9)
        index = np.flatnonzero(ok)
        self.plot = self.glw.addPlot()
        self.plot.setAspectLocked(True)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        from .. import options

        diverging = options.baseline(model.baseline_text) is not None and model.mode != "ratio"
        levels = _levels(data[index], diverging)
        lut = colormap("RdBu_r" if diverging else "viridis").getLookupTable(nPts=256)
        # Each tile's size: a fraction of the median distance to the nearest sensor.
        d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
        np.fill_diagonal(d, np.inf)
        size = 1.05 * float(np.median(d.min(axis=1)))
        self.tiles = []
        for (x, y), k in zip(xy, index, strict=True):
            img = pg.ImageItem(axisOrder="row-major")
            img.setLookupTable(lut)
            img.setImage(data[k], autoLevels=False, levels=levels)
            img.setRect(QtCore.QRectF(x - size / 2, y - size * 0.35, size, size * 0.7))
            self.plot.addItem(img)
            text = pg.TextItem(model.labels[k], color=(60, 60, 60), anchor=(0.5, 0.85))
            text.setFont(_small_font())
            text.setPos(x, y + size * 0.35)
            self.plot.addItem(text)
            self.tiles.append(img)
        pen = pg.mkPen((120, 120, 120), width=1)
        for line in head_outline(1.0 + 0.6 * size):
            self.plot.addItem(pg.PlotCurveItem(line[:, 0], line[:, 1], pen=pen))
        bar = pg.ColorBarItem(values=levels, colorMap=colormap("RdBu_r" if diverging else
                                                                "viridis"),
                              label=unit, interactive=False)
        bar.setImageItem(self.tiles, insert_in=self.plot)
        plain_axes(bar)
        self.note = self.glw.addLabel(
            f"each tile: time {model.times[0]:.2f} to {model.times[-1]:.2f} s (left to right), "
            f"{model.freqs[0]:g} to {model.freqs[-1]:g} Hz (bottom to top)", row=1, col=0)


def _small_font():
    from PySide6 import QtGui

    font = QtGui.QFont()
    font.setPointSize(7)
    return font


class TfrView(TabbedView):
    def __init__(self, result: Result, parent: QtWidgets.QWidget | None = None):
        super().__init__(result, parent)
        model = TfrModel(result)
        self.channel_page = self.add_page(ChannelTfr(model), "Channel")
        self.topo_page = self.add_page(TopoTfr(model), "Topographic layout")
