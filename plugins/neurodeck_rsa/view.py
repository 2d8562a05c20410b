"""Qt views of RSA/tRSA results: RDM heatmaps, MDS, model bars, time courses, (l, u) map."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.data import Result
from neurodeck.gui.widgets.axes import label_axis
from neurodeck.gui.widgets.base import ViewWidget, plot_widget
from neurodeck.gui.widgets.labels import PointLabels, install_category_axis
from neurodeck.gui.widgets.matrix import MatrixHeatmap

PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def _labels(result: Result) -> list[str]:
    return [str(c) for c in result["conditions"]]


def _stacks(result: Result) -> dict[str, np.ndarray]:
    out = {"rdms": result["rdms"]}
    for key in ("rgtm", "rgdm"):
        if key in result:
            out[key] = result[key]
    return out


class _Chooser(ViewWidget):
    """A view with a row of combo boxes above its content."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        self.bar = QtWidgets.QHBoxLayout()
        self.body = QtWidgets.QVBoxLayout(self)
        self.body.setContentsMargins(2, 2, 2, 2)
        self.body.addLayout(self.bar)

    def combo(self, label: str, items: list[str], slot) -> QtWidgets.QComboBox:
        box = QtWidgets.QComboBox()
        box.addItems(items)
        box.currentIndexChanged.connect(slot)
        self.bar.addWidget(QtWidgets.QLabel(label))
        self.bar.addWidget(box)
        return box


def _rdm_names(result: Result) -> list[str]:
    if "rdm_names" in result:
        return [str(x) for x in result["rdm_names"]]
    return [str(i) for i in range(result["rdms"].shape[0])]


def _window_times(result: Result) -> np.ndarray | None:
    """The window times when there is one RDM per time window (time-resolved RSA)."""
    if "times" not in result:
        return None
    times = np.asarray(result["times"], float)
    return times if times.ndim == 1 and times.size == result["rdms"].shape[0] else None


class RDMView(_Chooser):
    """One RDM at a time (choose the RDM and, for tRSA, raw/GT/geodesic). Time-resolved
    results get a time slider and, under the RDM, the model time courses with the
    current time marked (drag the marker or click the plot to move in time)."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        self.stacks = _stacks(result)
        self.which = self.combo("RDM", _rdm_names(result), self._show)
        self.kind = self.combo("Values", list(self.stacks), self._show)
        self.times = _window_times(result)
        self.slider: QtWidgets.QSlider | None = None
        self.time_plot = None
        if self.times is not None:
            self._build_time_controls(result)
        self.bar.addStretch(1)
        self.heat: MatrixHeatmap | None = None
        self._show()

    def _build_time_controls(self, result: Result) -> None:
        for i in range(2):  # the RDM drop-down gives way to the slider
            self.bar.itemAt(i).widget().hide()
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal, minimum=0,
                                        maximum=len(self.times) - 1)
        self.slider.setObjectName("rsa-time-slider")
        self.slider.setMinimumWidth(240)
        self.slider.valueChanged.connect(self.set_time_index)
        self.time_label = QtWidgets.QLabel()
        self.time_label.setObjectName("rsa-time-label")
        self.bar.insertWidget(0, QtWidgets.QLabel("Time"))
        self.bar.insertWidget(1, self.slider, 1)
        self.bar.insertWidget(2, self.time_label)
        self.time_plot = plot_widget()
        self.time_plot.setMaximumHeight(170)
        p = self.time_plot.getPlotItem()
        p.addLegend(offset=(-10, 5))
        if "model_timecourse" in result:
            names = [str(x) for x in result["model_names"]]
            for k, (name, y) in enumerate(zip(names, result["model_timecourse"],
                                               strict=True)):
                p.plot(self.times, y, pen=pg.mkPen(PALETTE[k % len(PALETTE)], width=2),
                       name=name)
            method = result.provenance.get("parameters", {}).get("compare", "")
            label_axis(p, "left", "model similarity", method or "")
        else:
            iu = np.triu_indices(result["rdms"].shape[1], 1)
            p.plot(self.times, result["rdms"][:, iu[0], iu[1]].mean(axis=1),
                   pen=pg.mkPen(PALETTE[0], width=2), name="mean dissimilarity")
            label_axis(p, "left", "mean dissimilarity", "")
        label_axis(p, "bottom", "time", "s")
        self.cursor = pg.InfiniteLine(float(self.times[0]), movable=True,
                                      pen=pg.mkPen((214, 39, 40), width=2))
        self.cursor.sigPositionChangeFinished.connect(
            lambda line: self.set_time(float(line.value())))
        p.addItem(self.cursor)
        p.scene().sigMouseClicked.connect(self._time_clicked)
        self.body.addWidget(self.time_plot)

    def set_time(self, seconds: float) -> None:
        """Show the RDM of the window nearest ``seconds``."""
        self.set_time_index(int(np.argmin(np.abs(self.times - seconds))))

    def set_time_index(self, index: int) -> None:
        index = int(min(max(index, 0), len(self.times) - 1))
        if self.slider.value() != index:
            self.slider.setValue(index)  # comes back here through valueChanged
            return
        self.which.setCurrentIndex(index)

    def _time_clicked(self, event) -> None:
        vb = self.time_plot.getPlotItem().vb
        if vb.sceneBoundingRect().contains(event.scenePos()):
            self.set_time(vb.mapSceneToView(event.scenePos()).x())

    def _show(self, *_):
        index = self.which.currentIndex()
        stack = self.stacks[self.kind.currentText()]
        mat = stack[index]
        title = self.which.currentText()
        if self.times is not None:
            title = f"RDM at {self.times[index]:.3f} s ({index + 1} of {len(self.times)})"
            self.time_label.setText(f"{self.times[index]:.3f} s ({index + 1} of "
                                    f"{len(self.times)})")
            self.cursor.setValue(float(self.times[index]))
            if self.heat is not None and self._heat_kind == self.kind.currentText():
                self.heat.set_matrix(mat, title)  # one colour range across time
                return
        if self.heat is not None:
            self.body.removeWidget(self.heat)
            self.heat.deleteLater()
        finite = stack[np.isfinite(stack)]
        levels = (float(finite.min()), float(finite.max()) or 1.0) if (
            self.times is not None and finite.size) else None
        self.heat = MatrixHeatmap(mat, _labels(self.obj), symmetric=True, cmap="viridis",
                                  value_name="dissimilarity", title=title, levels=levels)
        self._heat_kind = self.kind.currentText()
        self.body.insertWidget(1, self.heat, 1)

    def export_target(self):
        return self.heat


def classical_mds(d: np.ndarray, dims: int = 2) -> np.ndarray:
    """Torgerson MDS of a dissimilarity matrix (eigenvectors of the centred -D/2)."""
    d = np.nan_to_num(np.asarray(d, float))
    n = d.shape[0]
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ d @ j
    vals, vecs = np.linalg.eigh((b + b.T) / 2)
    order = np.argsort(vals)[::-1][:dims]
    return vecs[:, order] * np.sqrt(np.maximum(vals[order], 0.0))


class MDSView(_Chooser):
    """2-D classical MDS of one RDM; conditions drawn as labelled points."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        self.stacks = _stacks(result)
        self.which = self.combo("RDM", _rdm_names(result), self._show)
        self.kind = self.combo("Values", list(self.stacks), self._show)
        self.bar.addStretch(1)
        self.plot = plot_widget()
        self.plot.setAspectLocked(True)
        # Classical MDS axes are in the RDM's own dissimilarity units.
        label_axis(self.plot, "bottom", "MDS dimension 1", "dissimilarity")
        label_axis(self.plot, "left", "MDS dimension 2", "dissimilarity")
        self.body.addWidget(self.plot, 1)
        self._show()

    def _show(self, *_):
        mat = self.stacks[self.kind.currentText()][self.which.currentIndex()]
        self.xy = classical_mds(mat)
        if not hasattr(self, "points"):
            self.points = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(PALETTE[0]))
            self.plot.addItem(self.points)
            # Condition names through the shared layout: as many as fit without
            # colliding (zoom in for more); every point's name is its tool tip.
            self.names = PointLabels(self.plot.getPlotItem(), _labels(self.obj),
                                     color=(60, 60, 60))
        self.points.setData(self.xy[:, 0], self.xy[:, 1], data=_labels(self.obj),
                            tip=lambda x, y, data: str(data))
        self.plot.getPlotItem().autoRange()
        # Points far from the centre win collisions: the structure's extremes get named.
        self.names.set_positions(self.xy, priority=np.linalg.norm(self.xy, axis=1))
        self.plot.setTitle(f"MDS of {self.which.currentText()}")

    def export_item(self):
        return self.plot.getPlotItem()

    def values_table(self):
        return _labels(self.obj), ["dim 1", "dim 2"], self.xy


class ModelBarView(ViewWidget):
    """Model scores (bars) with 95% bootstrap intervals (or SEM over RDMs), the noise
    ceiling as a grey band, and FDR-significant pairwise differences as lines above."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        layout = QtWidgets.QVBoxLayout(self)
        self.plot = plot_widget()
        layout.addWidget(self.plot)
        if "model_names" not in result or "model_mean" not in result:
            self.plot.setTitle("This result has no model comparison (give model RDMs as a "
                               "second input)" + (": see the time-resolved view"
                                                  if "model_timecourse" in result else ""))
            self.plot.hideAxis("left")
            self.plot.hideAxis("bottom")
            self.table = None
            return
        names = [str(x) for x in result["model_names"]]
        mean = result["model_mean"]
        if "model_scores" in result:
            sc = result["model_scores"]
            lo = np.nanpercentile(sc, 2.5, axis=1)
            hi = np.nanpercentile(sc, 97.5, axis=1)
        else:
            fixed = result["model_fixed"]
            sem = fixed.std(axis=1, ddof=1) / np.sqrt(fixed.shape[1]) if fixed.shape[1] > 1 \
                else np.zeros(len(names))
            lo, hi = mean - sem, mean + sem
        order = np.argsort(-mean)
        x = np.arange(len(names))
        p = self.plot.getPlotItem()
        nc = result["noise_ceiling"]
        if np.all(np.isfinite(nc)):
            band = pg.LinearRegionItem(values=(float(nc[0]), float(nc[1])),
                                       orientation="horizontal", movable=False,
                                       brush=pg.mkBrush(180, 180, 180, 120))
            p.addItem(band)
        p.addItem(pg.BarGraphItem(x=x, height=mean[order], width=0.6,
                                  brush=pg.mkBrush(PALETTE[0])))
        p.addItem(pg.ErrorBarItem(x=x, y=mean[order], top=hi[order] - mean[order],
                                  bottom=mean[order] - lo[order], beam=0.2,
                                  pen=pg.mkPen("k", width=1.5)))
        if "significant_pairwise" in result:
            sig = result["significant_pairwise"][np.ix_(order, order)]
            top = float(np.nanmax(np.r_[hi, nc[np.isfinite(nc)]])) if len(hi) else 1.0
            step = 0.04 * max(top, 1e-6)
            level = top + step
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    if sig[i, j]:
                        p.plot([i, j], [level, level], pen=pg.mkPen((90, 90, 90), width=1))
                        level += step
        install_category_axis(p, "bottom", [names[k] for k in order], offset=0.0,
                              rotate=False).setLabel("model")
        method = result.provenance.get("parameters", {}).get("compare", "")
        label_axis(p, "left", "RDM similarity", method or "")
        p.setTitle("Models (bars: mean; whiskers: 95% bootstrap CI or SEM; grey: noise "
                   "ceiling; lines: FDR-significant differences)")
        self.table = ([names[k] for k in order], ["mean", "low", "high"],
                      np.c_[mean[order], lo[order], hi[order]])

    def export_item(self):
        return self.plot.getPlotItem()

    def values_table(self):
        return self.table


class TimeCourseView(ViewWidget):
    """Model similarity over time (time-resolved RSA of epochs): one curve per model,
    its 95% bootstrap band when there is one, and the noise ceiling over time (grey)
    when several subjects were given."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        layout = QtWidgets.QVBoxLayout(self)
        self.plot = plot_widget()
        layout.addWidget(self.plot)
        p = self.plot.getPlotItem()
        p.addLegend()
        self.table = None
        if "times" not in result:
            p.setTitle("This result is not time-resolved")
            return
        t = result["times"]
        if "model_timecourse" in result:
            curves = result["model_timecourse"]
            names = [str(x) for x in result["model_names"]]
            method = result.provenance.get("parameters", {}).get("compare", "")
            label_axis(p, "left", "model similarity", method or "")
        else:  # no models: mean dissimilarity over pairs as a summary
            iu = np.triu_indices(result["rdms"].shape[1], 1)
            curves = result["rdms"][:, iu[0], iu[1]].mean(axis=1)[None]
            names = ["mean dissimilarity"]
            label_axis(p, "left", "mean dissimilarity", "")
        columns, values = list(names), [np.asarray(curves).T]
        if "noise_ceiling_timecourse" in result:
            nc = result["noise_ceiling_timecourse"]
            lo_c = p.plot(t, nc[0], pen=pg.mkPen((150, 150, 150)))
            hi_c = p.plot(t, nc[1], pen=pg.mkPen((150, 150, 150)), name="noise ceiling")
            p.addItem(pg.FillBetweenItem(lo_c, hi_c, brush=pg.mkBrush(180, 180, 180, 90)))
            columns += ["noise ceiling low", "noise ceiling high"]
            values.append(nc.T)
        ci = result.get("model_timecourse_ci")
        for k, (name, y) in enumerate(zip(names, curves, strict=True)):
            colour = PALETTE[k % len(PALETTE)]
            if ci is not None:
                lo = p.plot(t, ci[0, k], pen=pg.mkPen(colour + (90,)))
                hi = p.plot(t, ci[1, k], pen=pg.mkPen(colour + (90,)))
                p.addItem(pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(colour + (50,))))
                columns += [f"{name} CI low", f"{name} CI high"]
                values.append(ci[:, k].T)
            p.plot(t, y, pen=pg.mkPen(colour, width=2), name=name)
        p.addLine(y=0, pen=pg.mkPen((120, 120, 120), style=pg.QtCore.Qt.PenStyle.DashLine))
        label_axis(p, "bottom", "time", "s")
        self.table = ([f"{v:.4f}" for v in t], columns, np.hstack(values))

    def export_item(self):
        return self.plot.getPlotItem()

    def values_table(self):
        return self.table


class GridMapView(ViewWidget):
    """Identification accuracy over the (l, u) grid of the GT transform."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        layout = QtWidgets.QVBoxLayout(self)
        if "accuracy" not in result:
            self.heat = None
            layout.addWidget(QtWidgets.QLabel(
                "No (l, u) evaluation: it needs RDMs of at least 2 regions from at least 2 "
                "subjects and grid >= 2."))
            return
        lows = [f"l={v:.2f}" for v in result["grid_lower"]]
        ups = [f"u={v:.2f}" for v in result["grid_upper"]]
        self.heat = MatrixHeatmap(result["accuracy"], lows, ups, symmetric=False,
                                  levels=(0.0, 1.0), cmap="viridis", value_name="accuracy",
                                  title=f"Identification accuracy (chance "
                                        f"{float(result['chance']):.2f})")
        layout.addWidget(self.heat)

    def export_target(self):
        return self.heat
