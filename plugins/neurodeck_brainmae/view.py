"""BrainMAE result view: reconstruction vs original, per-region errors, region
attention, embeddings (tabs; each exports as PNG/SVG and copies its values)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from neurodeck.data import Result
from neurodeck.gui.widgets.axes import label_axis
from neurodeck.gui.widgets.base import TabbedView, ViewWidget, plot_widget
from neurodeck.gui.widgets.labels import install_category_axis
from neurodeck.gui.widgets.matrix import MatrixHeatmap

SUBJECT_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
                   (148, 103, 189), (140, 86, 75), (227, 119, 194), (127, 127, 127)]


class _PlotPage(ViewWidget):
    """A page holding one pyqtgraph plot under an optional row of controls."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        self.result = result
        self.controls = QtWidgets.QHBoxLayout()
        self.plot_widget = plot_widget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.addLegend(offset=(10, 10), brush=(255, 255, 255, 210))
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.controls)
        layout.addWidget(self.plot_widget, 1)

    def export_item(self):
        return self.plot_widget.scene()

    def export_widget(self):
        return self.plot_widget


class ReconstructionPage(_PlotPage):
    """One region of one subject: original signal and its masked reconstruction."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        self.regions = [str(x) for x in result["regions"]]
        self.subjects = [str(x) for x in result["subjects"]]
        self.bounds = np.r_[0, np.cumsum(result["subject_frames"])]
        self.subject_box = QtWidgets.QComboBox()
        self.subject_box.addItems(self.subjects)
        self.region_box = QtWidgets.QComboBox()
        self.region_box.addItems(self.regions)
        self.error_label = QtWidgets.QLabel()
        for w in (QtWidgets.QLabel("Subject"), self.subject_box, QtWidgets.QLabel("Region"),
                  self.region_box):
            self.controls.addWidget(w)
        self.controls.addStretch(1)
        self.controls.addWidget(self.error_label)
        label_axis(self.plot, "bottom", "time", "s")
        label_axis(self.plot, "left", "signal", "z")  # each region z-scored
        self.original = self.plot.plot(pen=pg.mkPen((40, 40, 40), width=1), name="original")
        self.recon = self.plot.plot(pen=pg.mkPen((214, 39, 40), width=1.5),
                                    name="reconstruction (region hidden)")
        # results saved before the Gaussian baseline existed lack it
        self.gaussian = ("baseline_reconstruction_gaussian" in result
                         and self.plot.plot(pen=pg.mkPen((44, 160, 44), width=1,
                                                         style=pg.QtCore.Qt.DashLine),
                                            name="linear Gaussian baseline"))
        self.subject_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.region_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh()

    def select(self, subject: int, region: int) -> None:
        self.subject_box.setCurrentIndex(subject)
        self.region_box.setCurrentIndex(region)
        self.refresh()

    def shown(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, original, reconstruction) of the selected subject and region."""
        k, i = self.subject_box.currentIndex(), self.region_box.currentIndex()
        lo, hi = self.bounds[k], self.bounds[k + 1]
        t = np.arange(hi - lo) * float(self.result["tr"])
        return t, self.result["original"][i, lo:hi], self.result["reconstruction"][i, lo:hi]

    def refresh(self) -> None:
        t, orig, rec = self.shown()
        self.original.setData(t, orig)
        self.recon.setData(t, rec)
        k, i = self.subject_box.currentIndex(), self.region_box.currentIndex()
        err = float(self.result["subject_reconstruction_error"][k, i])
        text = f"masked MSE {err:.3f} (z units; mean imputation = 1)"
        if self.gaussian:
            lo, hi = self.bounds[k], self.bounds[k + 1]
            self.gaussian.setData(t, self.result["baseline_reconstruction_gaussian"][i, lo:hi])
            text += (f", Gaussian baseline "
                     f"{float(self.result['subject_baseline_error_gaussian'][k, i]):.3f}")
        self.error_label.setText(text)

    def values_table(self):
        t, orig, rec = self.shown()
        return [f"{x:.2f}" for x in t], ["original", "reconstruction"], np.c_[orig, rec]


class ErrorPage(_PlotPage):
    """Per-region masked-reconstruction error next to the two baselines."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        self.regions = [str(x) for x in result["regions"]]
        n = len(self.regions)
        x = np.arange(n)
        err = np.asarray(result["reconstruction_error"], float)
        self.plot.addItem(pg.BarGraphItem(x=x, height=err, width=0.8,
                                          brush=(31, 119, 180), name="BrainMAE"))
        self.plot.plot(x, np.asarray(result["baseline_error_nearest"], float),
                       pen=None, symbol="t", symbolSize=6, symbolBrush=(214, 39, 40),
                       name="nearest frame in time")
        self.plot.plot(x, np.asarray(result["baseline_error_mean"], float),
                       pen=pg.mkPen((90, 90, 90), style=pg.QtCore.Qt.DashLine),
                       name="mean imputation")
        self.has_gaussian = "baseline_error_gaussian" in result
        if self.has_gaussian:
            self.plot.plot(x, np.asarray(result["baseline_error_gaussian"], float),
                           pen=None, symbol="o", symbolSize=6, symbolBrush=(44, 160, 44),
                           name="linear Gaussian conditional mean")
        label_axis(self.plot, "left", "masked-reconstruction MSE", "z²")
        # AAL2 names are long: the shared layout turns, elides or thins them to the room.
        install_category_axis(self.plot, "bottom", self.regions, offset=0.0).setLabel(
            "region")
        gauss = (f", Gaussian conditional mean {np.mean(result['baseline_error_gaussian']):.3f}"
                 if self.has_gaussian else "")
        self.controls.addWidget(QtWidgets.QLabel(
            f"mean over regions: BrainMAE {err.mean():.3f}{gauss}, nearest in time "
            f"{np.mean(result['baseline_error_nearest']):.3f}, mean imputation "
            f"{np.mean(result['baseline_error_mean']):.3f}"))
        self.controls.addStretch(1)

    def values_table(self):
        r = self.result
        cols = ["brainmae", "nearest_in_time", "mean_imputation"]
        vals = [r["reconstruction_error"], r["baseline_error_nearest"], r["baseline_error_mean"]]
        if self.has_gaussian:
            cols.append("gaussian_conditional_mean")
            vals.append(r["baseline_error_gaussian"])
        return self.regions, cols, np.column_stack(vals)


class EmbeddingPage(_PlotPage):
    """Segment embeddings on their first two principal components, one colour per
    subject; large markers are the scan-level embeddings."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        seg = np.asarray(result["segment_embeddings"], float)
        mean = seg.mean(0)
        _, s, vt = np.linalg.svd(seg - mean, full_matrices=False)
        if vt.shape[0] < 2:  # a single segment: pad to two (zero) components
            vt = np.vstack([vt, np.zeros((2 - vt.shape[0], vt.shape[1]))])
            s = np.r_[s, np.zeros(2 - s.size)]
        self.components = vt[:2]
        self.coords = (seg - mean) @ self.components.T
        scans = (np.asarray(result["embedding"], float) - mean) @ self.components.T
        explained = s[:2] ** 2 / max((s ** 2).sum(), 1e-300)
        who = np.asarray(result["segment_subject"])
        for k, name in enumerate(result["subjects"]):
            colour = SUBJECT_COLOURS[k % len(SUBJECT_COLOURS)]
            pts = self.coords[who == k]
            self.plot.plot(pts[:, 0], pts[:, 1], pen=pg.mkPen(colour + (90,)), symbol="o",
                           symbolSize=5, symbolBrush=colour, symbolPen=None, name=str(name))
            self.plot.plot([scans[k, 0]], [scans[k, 1]], pen=None, symbol="star",
                           symbolSize=16, symbolBrush=colour, symbolPen="k")
        label_axis(self.plot, "bottom", f"PC1, {100 * explained[0]:.0f}% of variance", "a.u.")
        label_axis(self.plot, "left", f"PC2, {100 * explained[1]:.0f}% of variance", "a.u.")

    def values_table(self):
        r = self.result
        rows = [f"{r['subjects'][k]}@{s}" for k, s in zip(r["segment_subject"],
                                                          r["segment_start"], strict=True)]
        return rows, ["PC1", "PC2"], self.coords


class BrainMAEView(TabbedView):
    """Tabs: reconstruction, per-region error, region attention, embeddings."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        regions = [str(x) for x in result["regions"]]
        att = np.asarray(result["attention"], float)
        self.add_page(ReconstructionPage(result), "Reconstruction")
        self.add_page(ErrorPage(result), "Error per region")
        self.add_page(MatrixHeatmap(
            att, regions, symmetric=False, levels=(0.0, float(att.max()) or 1.0),
            cmap="viridis", value_name="attention (row \u2190 column)",
            title="Region-aware attention (rows draw from columns)"), "Attention")
        self.add_page(EmbeddingPage(result), "Embeddings")
