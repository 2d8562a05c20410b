"""Qt view of an HMM-GLM result: state raster with posteriors under the spike raster,
per-state coupling matrices, the consensus adjacency, the transition matrix and the
likelihood curves (over EM iterations and, when cross-validated, over K)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.data import Result
from neurodeck.gui.widgets.axes import label_axis
from neurodeck.gui.widgets.base import LayoutView, TabbedView
from neurodeck.gui.widgets.labels import install_category_axis
from neurodeck.gui.widgets.matrix import MatrixHeatmap

STATE_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
                 (148, 103, 189), (140, 86, 75), (227, 119, 194), (127, 127, 127),
                 (188, 189, 34), (23, 190, 207)]
MAX_RASTER_BINS = 20000  # drawn at most; the first bins of the recording


def _colour(k: int) -> tuple[int, int, int]:
    return STATE_COLOURS[k % len(STATE_COLOURS)]


def bin_width(result: Result) -> float:
    """Seconds per bin: from the bins' start times, else the run's parameter."""
    times = np.asarray(result["bin_times"], float) if "bin_times" in result else np.zeros(0)
    steps = np.diff(times)
    steps = steps[steps > 0]
    if steps.size:
        return float(np.median(steps))
    return float(result.provenance.get("parameters", {}).get("bin_width", 1.0))


class StateRaster(LayoutView):
    """Spike raster (neurons x time) over the Viterbi state band and posterior curves,
    with a legend of the state colours; time in seconds of fitted bins (sequences
    placed end to end, their joins dashed)."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        counts = np.asarray(result["counts"])[:MAX_RASTER_BINS]
        post = np.asarray(result["posteriors"])[:MAX_RASTER_BINS]
        states = np.asarray(result["states"])[:MAX_RASTER_BINS]
        width = bin_width(result)
        self.bin_width = width
        t = np.arange(len(counts)) * width
        raster = self.glw.addPlot(row=0, col=0, title="Spikes and Viterbi states")
        raster.invertY(True)
        b, n = np.nonzero(counts)
        brushes = [pg.mkBrush(*_colour(int(states[i]))) for i in b]
        raster.addItem(pg.ScatterPlotItem((b + 0.5) * width, n + 0.5, size=3, pen=None,
                                          brush=brushes))
        labels = [str(x) for x in result["labels"]]
        install_category_axis(raster, "left", labels).setLabel("neuron")
        raster.hideAxis("bottom")
        n_states = post.shape[1]
        self.legend = raster.addLegend(offset=(-10, 10), colCount=min(n_states, 5))
        self.legend.setLabelTextColor((40, 40, 40))
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        for k in range(n_states):
            swatch = pg.ScatterPlotItem(symbol="s", size=10, pen=None,
                                        brush=pg.mkBrush(*_colour(k)))
            self.legend.addItem(swatch, f"state {k}")
        band = self.glw.addPlot(row=1, col=0)
        band.setXLink(raster)
        rgb = np.array([_colour(int(s)) for s in states], dtype=np.ubyte)[None]
        image = pg.ImageItem(rgb, axisOrder="row-major")
        image.setRect(QtCore.QRectF(0, 0, len(states) * width, 1))
        band.addItem(image)
        band.hideAxis("left")
        band.hideAxis("bottom")
        band.setMaximumHeight(30)
        prob = self.glw.addPlot(row=2, col=0)
        prob.setXLink(raster)
        for k in range(n_states):
            prob.plot(t + 0.5 * width, post[:, k], pen=pg.mkPen(_colour(k), width=1.5),
                      name=f"state {k}")
        label_axis(prob, "left", "P(state)", "")
        label_axis(prob, "bottom", "time (fitted bins end to end)", "s")
        prob.setYRange(0, 1)
        for start in np.cumsum(result["sequence_lengths"])[:-1]:
            if start < len(counts):
                dash = pg.mkPen("k", style=QtCore.Qt.PenStyle.DashLine)
                raster.addItem(pg.InfiniteLine(start * width, pen=dash))
        self.glw.ci.layout.setRowStretchFactor(0, 5)
        self.glw.ci.layout.setRowStretchFactor(2, 2)


class CurvesView(LayoutView):
    """EM objective per iteration and, when cross-validated, held-out bits/spike per K."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        em = self.glw.addPlot(row=0, col=0, title="EM objective")
        em.plot(np.asarray(result["log_posterior"]), pen=pg.mkPen("k", width=2),
                symbol="o", symbolSize=4)
        label_axis(em, "bottom", "EM iteration", "")
        label_axis(em, "left", "log-lik + log prior", "nats")
        if "heldout_bits_per_spike" in result:
            ks = np.asarray(result["cv_n_states"])
            scores = np.asarray(result["heldout_bits_per_spike"])
            cv = self.glw.addPlot(row=0, col=1, title="Held-out likelihood across K")
            for f in range(scores.shape[1]):
                cv.plot(ks, scores[:, f], pen=pg.mkPen((150, 150, 150)), symbol="o",
                        symbolSize=4)
            cv.plot(ks, np.nanmean(scores, axis=1), pen=pg.mkPen("k", width=2), symbol="s")
            label_axis(cv, "bottom", "number of states K", "")
            label_axis(cv, "left", "held-out gain", "bits/spike")


def fit_notes(result: Result) -> list[str]:
    """What the user must know about the fit (results saved before the notes existed
    still say when EM did not converge)."""
    if "fit_notes" in result:
        return [str(n) for n in np.asarray(result["fit_notes"]).reshape(-1) if str(n)]
    if "converged" in result and not bool(result["converged"]):
        return ["EM did not converge before max_iter"]
    return []


class HmmGlmView(TabbedView):
    """Tabs: states, one coupling matrix per state, consensus, transitions, curves;
    above them, a warning band when the fit did not converge or its restarts disagree."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        self.notes = fit_notes(result)
        # Notes the run gave as warnings are shown above every view by the window; this
        # band is for the others (results saved before the notes became warnings).
        shown = set(result.meta.get("warnings", []) if isinstance(result.meta, dict) else [])
        self.note_label: QtWidgets.QLabel | None = None
        own = [n for n in self.notes if n not in shown]
        if own:
            self.note_label = QtWidgets.QLabel("\n".join(f"\u26a0 {n}" for n in own))
            self.note_label.setWordWrap(True)
            self.note_label.setStyleSheet("background: #fff3cd; color: #664d03; "
                                          "border: 1px solid #ffe69c; padding: 6px;")
            self.layout().insertWidget(0, self.note_label)
        labels = [str(x) for x in result["labels"]]
        weights = np.asarray(result["weights"])
        lim = float(np.abs(weights).max()) or 1.0
        self.add_page(StateRaster(result), "States")
        for k in range(weights.shape[0]):
            self.add_page(MatrixHeatmap(
                weights[k], labels, symmetric=False, levels=(-lim, lim), cmap="RdBu_r",
                value_name="weight (post \u2190 pre)",
                title=f"State {k} coupling (rows: post, columns: pre)"), f"State {k}")
        cons = np.asarray(result["consensus"])
        clim = float(np.abs(cons).max()) or 1.0
        self.add_page(MatrixHeatmap(
            cons, labels, symmetric=False, levels=(-clim, clim), cmap="RdBu_r",
            value_name="shared coupling", title="Consensus adjacency (shared prior)"),
            "Consensus")
        k_names = [f"state {k}" for k in range(weights.shape[0])]
        self.add_page(MatrixHeatmap(
            np.asarray(result["transition"]), k_names, symmetric=False, levels=(0.0, 1.0),
            cmap="viridis", value_name="P(to | from)", title="Transition matrix (rows: from)"),
            "Transitions")
        self.add_page(CurvesView(result), "Likelihood")
