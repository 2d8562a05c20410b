"""ICA components: every component's topography with its ICLabel suggestion, and for the
selected one its pattern, source time course, spectrum and explained variance; marking a
component (or accepting the suggestions) is an undoable edit of the ICA solution."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.gui.widgets.base import ViewWidget

from ..datasets import IcaSolution
from ..spectra import channel_facts
from ..units import common_unit
from .topomap import NO_MONTAGE, draw_map, plain_axes, positions_ok, symmetric_levels

WINDOW_S = 10.0
SPECTRUM_S = 60.0


class IcaView(ViewWidget):
    """The components of an ICA solution, to inspect and mark for removal."""

    per_row = 5

    def __init__(self, sol: IcaSolution, parent: QtWidgets.QWidget | None = None):
        super().__init__(sol, parent)
        self.sol = sol
        ica = sol.ica
        facts = channel_facts(ica.info, list(ica.ch_names))
        _, _, self.main_type = common_unit([str(t) for t in facts["ch_types"]])
        self.rows = np.array([i for i, t in enumerate(facts["ch_types"])
                              if str(t) == self.main_type], int)
        self.positions = facts["positions"][self.rows]
        self.patterns = ica.get_components()[self.rows]  # channels x components
        self.selected = 0

        # Left: the grid of component maps.
        self.grid = pg.GraphicsLayoutWidget()
        self.grid.setBackground("w")
        self.grid_plots: list[pg.PlotItem] = []
        self.has_map = positions_ok(self.positions)
        # Right: details of the selected component.
        self.title = QtWidgets.QLabel()
        self.title.setObjectName("component-title")
        self.title.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.facts = QtWidgets.QLabel()
        self.facts.setWordWrap(True)
        self.exclude_box = QtWidgets.QCheckBox("Remove this component (mark as artefact)")
        self.exclude_box.setObjectName("exclude-component")
        self.accept = QtWidgets.QPushButton("Accept ICLabel suggestions")
        self.accept.setObjectName("accept-suggestions")
        self.accept.setEnabled(bool(sol.suggestions.get("labels")))
        self.clear = QtWidgets.QPushButton("Clear marks")
        self.marked = QtWidgets.QLabel()
        self.start = QtWidgets.QDoubleSpinBox()
        self.start.setSuffix(" s")
        self.start.setDecimals(1)
        self.detail = pg.GraphicsLayoutWidget()
        self.detail.setBackground("w")
        self.map_plot = self.detail.addPlot(row=0, col=0)
        self.spec_plot = self.detail.addPlot(row=0, col=1)
        self.spec_plot.setLabel("bottom", "Frequency (Hz)")
        self.spec_plot.setLabel("left", "Power (dB, a.u.)")
        self.time_plot = self.detail.addPlot(row=1, col=0, colspan=2)
        self.time_plot.setLabel("bottom", "Time (s)")
        self.time_plot.setLabel("left", "Source (a.u.)")
        plain_axes(self.spec_plot, self.time_plot)
        self.detail.ci.layout.setRowStretchFactor(0, 3)
        self.detail.ci.layout.setRowStretchFactor(1, 2)

        right = QtWidgets.QWidget()
        rlay = QtWidgets.QVBoxLayout(right)
        rlay.setContentsMargins(4, 0, 0, 0)
        rlay.addWidget(self.title)
        rlay.addWidget(self.facts)
        rlay.addWidget(self.exclude_box)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.accept)
        row.addWidget(self.clear)
        row.addWidget(QtWidgets.QLabel("Time course from"))
        row.addWidget(self.start)
        row.addStretch(1)
        rlay.addLayout(row)
        rlay.addWidget(self.marked)
        rlay.addWidget(self.detail, 1)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        if self.has_map:
            splitter.addWidget(self.grid)
        else:
            msg = QtWidgets.QLabel(NO_MONTAGE)
            msg.setObjectName("no-montage")
            msg.setWordWrap(True)
            msg.setStyleSheet("color: #8a2a0a; padding: 12px;")
            splitter.addWidget(msg)
        splitter.addWidget(right)
        splitter.setSizes([560, 800])
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

        self._data = self._source_data()
        duration = self._data[1] if self._data else 0.0
        self.start.setRange(0.0, max(duration - WINDOW_S, 0.0))
        self.start.valueChanged.connect(lambda _: self._draw_time())
        self.exclude_box.toggled.connect(self._toggle)
        self.accept.clicked.connect(self.sol.accept_suggestions)
        self.clear.clicked.connect(lambda: self._set_exclude([]))
        self.grid.scene().sigMouseClicked.connect(self._grid_clicked)
        sol.subscribe_edits(self._on_edit)
        self._draw_grid()
        self.select(0)

    # -- data -------------------------------------------------------------------------------
    def _source_data(self):
        """(inst, duration s) of the data the ICA was fitted on, if it is known."""
        inst = self.sol.inst
        if inst is None:
            return None
        if hasattr(inst, "raw"):
            return inst.raw, inst.raw.n_times / inst.raw.info["sfreq"]
        ep = getattr(inst, "mne_epochs", None)
        if ep is None:
            return None
        return ep, len(ep) * (ep.times[-1] - ep.times[0])

    def sources(self, start_s: float, length_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Times and sources (components x samples) over a span of the fitted data."""
        if self._data is None:
            return np.zeros(0), np.zeros((self.sol.n_components, 0))
        inst, _ = self._data
        ica = self.sol.ica
        sfreq = float(inst.info["sfreq"])
        import mne

        with mne.utils.use_log_level("error"):
            if hasattr(inst, "n_times"):
                a = int(start_s * sfreq)
                b = min(a + int(length_s * sfreq), inst.n_times)
                src = ica.get_sources(inst, start=a, stop=b).get_data()
                return a / sfreq + np.arange(src.shape[1]) / sfreq, src
            n_ep = max(1, int(np.ceil(length_s / (inst.times[-1] - inst.times[0]))))
            first = int(start_s / (inst.times[-1] - inst.times[0]))
            src = ica.get_sources(inst[first:first + n_ep]).get_data()
        src = np.concatenate(list(src), axis=1) if src.size else np.zeros((ica.n_components_,
                                                                           0))
        return start_s + np.arange(src.shape[1]) / sfreq, src

    # -- drawing ----------------------------------------------------------------------------
    def _label(self, k: int) -> str:
        labels = self.sol.suggestions.get("labels") or []
        proba = self.sol.suggestions.get("proba") or []
        if k < len(labels):
            return f"{labels[k]} {100 * max(proba[k]):.0f}%"
        return ""

    def _draw_grid(self) -> None:
        if not self.has_map:
            return
        self.grid.clear()
        self.grid_plots = []
        marked = set(self.sol.exclude)
        for k in range(self.sol.n_components):
            plot = self.grid.addPlot(row=k // self.per_row, col=k % self.per_row)
            values = self.patterns[:, k]
            name = self.sol.component_names[k]
            color = "#b00" if k in marked else "#222"
            tag = " \u2715" if k in marked else ""
            draw_map(plot, self.positions, values, levels=symmetric_levels(values),
                     resolution=48, sensors=False)
            plot.setTitle(f"<span style='color:{color}'>{name}{tag}<br>"
                          f"<small>{self._label(k)}</small></span>", size="8pt")
            self.grid_plots.append(plot)

    def _grid_clicked(self, event) -> None:
        for k, plot in enumerate(self.grid_plots):
            if plot.sceneBoundingRect().contains(event.scenePos()):
                self.select(k)
                return

    def select(self, k: int) -> None:
        self.selected = int(k)
        sol = self.sol
        name = sol.component_names[k]
        self.title.setText(f"{name} of {sol.n_components}")
        facts = []
        for ch_type, ratios in sol.explained.items():
            facts.append(f"explains {100 * ratios[k]:.1f}% of the {ch_type} variance")
        labels = sol.suggestions.get("labels") or []
        if k < len(labels):
            proba = sol.suggestions["proba"][k]
            classes = sol.suggestions.get("classes", [])
            best = sorted(zip(proba, classes, strict=False), reverse=True)[:3]
            facts.append("ICLabel suggests: " + ", ".join(f"{c} {100 * p:.0f}%"
                                                         for p, c in best))
        self.facts.setText("; ".join(facts) or "no ICLabel suggestions (no montage, or "
                                                "not asked)")
        self.exclude_box.blockSignals(True)
        self.exclude_box.setChecked(k in sol.exclude)
        self.exclude_box.blockSignals(False)
        self._draw_detail()

    def _draw_detail(self) -> None:
        k = self.selected
        values = self.patterns[:, k]
        if self.has_map:
            draw_map(self.map_plot, self.positions, values, levels=symmetric_levels(values),
                     title="pattern (a.u.)")
        else:
            self.map_plot.clear()
            self.map_plot.setTitle("no montage: no map", size="9pt")
        self._draw_spectrum()
        self._draw_time()
        self.marked.setText("Marked for removal: " + (", ".join(
            self.sol.component_names[i] for i in self.sol.exclude) or "none"))

    def _draw_spectrum(self) -> None:
        from scipy.signal import welch

        self.spec_plot.clear()
        if self._data is None:
            return
        sfreq = float(self._data[0].info["sfreq"])
        _, src = self.sources(0.0, SPECTRUM_S)
        x = src[self.selected]
        if x.size < 8:
            return
        f, p = welch(x, fs=sfreq, nperseg=min(x.size, int(2 * sfreq)))
        with np.errstate(divide="ignore"):
            self.spec_plot.plot(f, 10 * np.log10(p), pen=pg.mkPen((40, 90, 160), width=1.5))
        self.spectrum = (f, p)

    def _draw_time(self) -> None:
        self.time_plot.clear()
        t, src = self.sources(float(self.start.value()), WINDOW_S)
        if src.shape[1]:
            self.time_plot.plot(t, src[self.selected], pen=pg.mkPen((30, 30, 30), width=1))
        self.time_course = (t, src[self.selected] if src.shape[1] else np.zeros(0))

    # -- marking ----------------------------------------------------------------------------
    def _toggle(self, on: bool) -> None:
        marked = set(self.sol.exclude)
        (marked.add if on else marked.discard)(self.selected)
        label = f"{'Mark' if on else 'Unmark'} {self.sol.component_names[self.selected]}"
        with self.sol.editing(label):
            self.sol.exclude = sorted(marked)

    def _set_exclude(self, components: list[int]) -> None:
        with self.sol.editing("Clear ICA marks"):
            self.sol.exclude = components

    def _on_edit(self, ds, op, label) -> None:
        self._draw_grid()
        self.select(self.selected)

    def export_item(self):
        return self.grid.scene() if self.has_map else self.detail.scene()

    def values_table(self):
        names = self.sol.component_names
        cols = [f"{t} variance explained" for t in self.sol.explained]
        values = np.column_stack([self.sol.explained[t] for t in self.sol.explained]) \
            if cols else np.zeros((len(names), 0))
        return names, cols, values
