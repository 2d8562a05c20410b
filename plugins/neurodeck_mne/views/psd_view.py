"""The power spectrum result: per channel and averaged, dB/log/linear, frequency bands, and
band-power topographic maps."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from neurodeck.data import Result
from neurodeck.gui.widgets.base import TabbedView, ViewWidget, plot_widget

from ..units import common_unit, power_unit
from .topomap import TopoRow, plain_axes

#: The conventional EEG bands (Hz).
BANDS = (("delta", 1.0, 4.0), ("theta", 4.0, 8.0), ("alpha", 8.0, 13.0),
         ("beta", 13.0, 30.0), ("gamma", 30.0, 45.0))
BAND_COLORS = ((120, 160, 220, 40), (120, 200, 150, 40), (240, 200, 90, 50),
               (230, 140, 90, 40), (190, 120, 200, 40))


def main_type_rows(result: Result) -> tuple[np.ndarray, str]:
    """Rows of the commonest channel type (one unit on the axis) and that type."""
    types = [str(t) for t in result["ch_types"]]
    _, _, main = common_unit(types)
    return np.array([i for i, t in enumerate(types) if t == main], int), main


class SpectrumPlot(ViewWidget):
    """PSD curves of every channel (thin) and their mean (thick)."""

    def __init__(self, result: Result, parent: QtWidgets.QWidget | None = None):
        super().__init__(result, parent)
        self.result = result
        self.rows, self.ch_type = main_type_rows(result)
        self.factor, self.unit = power_unit(self.ch_type)
        self.freqs = np.asarray(result["freqs"], float)
        self.psd = np.asarray(result["psd"], float)[self.rows] * self.factor
        self.labels = [str(x) for x in np.asarray(result["labels"])[self.rows]]

        self.show_box = QtWidgets.QComboBox()
        self.show_box.addItems(["Channels and average", "Channels", "Average"])
        self.scale_box = QtWidgets.QComboBox()
        self.scale_box.addItems(["dB", "log", "linear"])
        self.logx = QtWidgets.QCheckBox("Log frequency")
        self.bands = QtWidgets.QCheckBox("Bands")
        self.bands.setChecked(True)
        for w in (self.show_box, self.scale_box):
            w.currentIndexChanged.connect(self.redraw)
        for w in (self.logx, self.bands):
            w.toggled.connect(self.redraw)
        bar = QtWidgets.QHBoxLayout()
        for w in (QtWidgets.QLabel("Show"), self.show_box, QtWidgets.QLabel("Power"),
                  self.scale_box, self.logx, self.bands):
            bar.addWidget(w)
        bar.addStretch(1)
        self.readout = QtWidgets.QLabel(f"{len(self.rows)} {self.ch_type} channels")
        bar.addWidget(self.readout)
        self.plot_widget = plot_widget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        plain_axes(self.plot)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget, 1)
        self.redraw()

    def shown(self) -> np.ndarray:
        """The curves as plotted (channels x freqs) in the chosen power scale."""
        scale = self.scale_box.currentText()
        if scale == "dB":
            with np.errstate(divide="ignore"):
                return 10 * np.log10(self.psd)
        return self.psd

    def redraw(self) -> None:
        plot = self.plot
        plot.clear()
        scale = self.scale_box.currentText()
        logx = self.logx.isChecked()
        freqs = self.freqs
        keep = freqs > 0 if logx else np.ones(freqs.size, bool)
        x = freqs[keep]
        y = self.shown()[:, keep]
        plot.setLogMode(x=logx, y=scale == "log")
        what = self.show_box.currentIndex()
        if what in (0, 1) and len(y):
            xs = np.tile(np.append(x, np.nan), len(y))
            ys = np.hstack([y, np.full((len(y), 1), np.nan)]).ravel()
            plot.addItem(pg.PlotCurveItem(xs, ys, connect="finite",
                                          pen=pg.mkPen((70, 110, 170, 110), width=1)))
        if what in (0, 2) and len(y):
            mean = self.psd[:, keep].mean(axis=0)
            if scale == "dB":
                with np.errstate(divide="ignore"):
                    mean = 10 * np.log10(mean)
            plot.addItem(pg.PlotCurveItem(x, mean, pen=pg.mkPen("k", width=2.5)))
        if self.bands.isChecked():
            finite = y[np.isfinite(y)]
            top = float(finite.max()) if finite.size else 1.0
            if scale == "log":
                top = float(np.log10(top)) if top > 0 else 0.0
            self._draw_bands(x, logx, top)
        unit = self.unit
        ylabel = {"dB": f"PSD (dB re 1 {unit})", "log": f"PSD ({unit})",
                  "linear": f"PSD ({unit})"}[scale]
        plot.setLabel("left", ylabel)
        plot.setLabel("bottom", "Frequency (Hz)")
        plot.enableAutoRange()

    def _draw_bands(self, x: np.ndarray, logx: bool, top: float) -> None:
        if not x.size:
            return
        for (name, lo, hi), color in zip(BANDS, BAND_COLORS, strict=True):
            if hi <= x[0] or lo >= x[-1]:
                continue
            a, b = max(lo, x[0]), min(hi, x[-1])
            if logx:
                a, b = np.log10(a), np.log10(b)
            region = pg.LinearRegionItem((a, b), movable=False, brush=pg.mkBrush(*color),
                                         pen=pg.mkPen(None))
            region.setZValue(-10)
            self.plot.addItem(region)
            label = pg.TextItem(name, color=(80, 80, 80), anchor=(0.5, 1.0))
            label.setPos((a + b) / 2, top)
            self.plot.addItem(label)

    def export_item(self):
        return self.plot

    def values_table(self):
        return self.labels, [f"{f:g}" for f in self.freqs], self.shown()


def band_power(result: Result) -> list[tuple[str, np.ndarray]]:
    """Mean power in each band within the spectrum's range, per channel (dB re 1 unit^2/Hz)."""
    rows, ch_type = main_type_rows(result)
    factor, _ = power_unit(ch_type)
    freqs = np.asarray(result["freqs"], float)
    psd = np.asarray(result["psd"], float)[rows] * factor
    out = []
    for name, lo, hi in BANDS:
        sel = (freqs >= lo) & (freqs < hi)
        if sel.any():
            with np.errstate(divide="ignore"):
                out.append((f"{name} {lo:g}-{hi:g} Hz", 10 * np.log10(psd[:, sel].mean(1))))
    return out


class PsdView(TabbedView):
    """Spectrum curves, and band-power maps on the head."""

    def __init__(self, result: Result, parent: QtWidgets.QWidget | None = None):
        super().__init__(result, parent)
        self.spectrum = self.add_page(SpectrumPlot(result), "Spectrum")
        rows, ch_type = main_type_rows(result)
        _, unit = power_unit(ch_type)
        maps = band_power(result)
        self.topomaps = self.add_page(
            TopoRow(np.asarray(result["positions"])[rows], maps, unit=f"dB re 1 {unit}",
                    cmap="viridis", names=[str(x) for x in np.asarray(result["labels"])[rows]]),
            "Band topographies")
