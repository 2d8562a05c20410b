"""Qt view of an HMM-GLM result: state raster with posteriors under the spike raster,
per-state coupling matrices, the consensus adjacency, the transition matrix and the
likelihood curves (over EM iterations and, when cross-validated, over K)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.data import Result
from neurodeck.gui.widgets.base import LayoutView, TabbedView
from neurodeck.gui.widgets.matrix import MatrixHeatmap

STATE_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
                 (148, 103, 189), (140, 86, 75), (227, 119, 194), (127, 127, 127),
                 (188, 189, 34), (23, 190, 207)]
MAX_RASTER_BINS = 20000  # drawn at most; the first bins of the recording


def _colour(k: int) -> tuple[int, int, int]:
    return STATE_COLOURS[k % len(STATE_COLOURS)]


class StateRaster(LayoutView):
    """Spike raster (neurons x bins) over the Viterbi state band and posterior curves."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        counts = np.asarray(result["counts"])[:MAX_RASTER_BINS]
        post = np.asarray(result["posteriors"])[:MAX_RASTER_BINS]
        states = np.asarray(result["states"])[:MAX_RASTER_BINS]
        t = np.arange(len(counts))
        raster = self.glw.addPlot(row=0, col=0, title="Spikes and Viterbi states")
        raster.invertY(True)
        b, n = np.nonzero(counts)
        brushes = [pg.mkBrush(*_colour(int(states[i]))) for i in b]
        raster.addItem(pg.ScatterPlotItem(b + 0.5, n + 0.5, size=3, pen=None, brush=brushes))
        raster.setLabel("left", "neuron")
        labels = [str(x) for x in result["labels"]]
        step = max(1, len(labels) // 30)
        raster.getAxis("left").setTicks([[(i + 0.5, lab) for i, lab in enumerate(labels)
                                          if i % step == 0]])
        band = self.glw.addPlot(row=1, col=0)
        band.setXLink(raster)
        rgb = np.array([_colour(int(s)) for s in states], dtype=np.ubyte)[None]
        band.addItem(pg.ImageItem(rgb, axisOrder="row-major"))
        band.hideAxis("left")
        band.setMaximumHeight(40)
        prob = self.glw.addPlot(row=2, col=0)
        prob.setXLink(raster)
        for k in range(post.shape[1]):
            prob.plot(t + 0.5, post[:, k], pen=pg.mkPen(_colour(k), width=1.5),
                      name=f"state {k}")
        prob.setLabel("left", "P(state)")
        prob.setLabel("bottom", "bin")
        prob.setYRange(0, 1)
        for start in np.cumsum(result["sequence_lengths"])[:-1]:
            if start < len(t):
                dash = pg.mkPen("k", style=QtCore.Qt.PenStyle.DashLine)
                raster.addItem(pg.InfiniteLine(start, pen=dash))
        self.glw.ci.layout.setRowStretchFactor(0, 5)
        self.glw.ci.layout.setRowStretchFactor(2, 2)


class CurvesView(LayoutView):
    """EM objective per iteration and, when cross-validated, held-out bits/spike per K."""

    def __init__(self, result: Result, parent=None):
        super().__init__(result, parent)
        em = self.glw.addPlot(row=0, col=0, title="EM objective")
        em.plot(np.asarray(result["log_posterior"]), pen=pg.mkPen("k", width=2),
                symbol="o", symbolSize=4)
        em.setLabel("bottom", "EM iteration")
        em.setLabel("left", "log-lik + log prior (nats)")
        if "heldout_bits_per_spike" in result:
            ks = np.asarray(result["cv_n_states"])
            scores = np.asarray(result["heldout_bits_per_spike"])
            cv = self.glw.addPlot(row=0, col=1, title="Held-out likelihood across K")
            for f in range(scores.shape[1]):
                cv.plot(ks, scores[:, f], pen=pg.mkPen((150, 150, 150)), symbol="o",
                        symbolSize=4)
            cv.plot(ks, np.nanmean(scores, axis=1), pen=pg.mkPen("k", width=2), symbol="s")
            cv.setLabel("bottom", "number of states K")
            cv.setLabel("left", "bits / spike")


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
        self.note_label: QtWidgets.QLabel | None = None
        if self.notes:
            self.note_label = QtWidgets.QLabel("\n".join(f"\u26a0 {n}" for n in self.notes))
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
