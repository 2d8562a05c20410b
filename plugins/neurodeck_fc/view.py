"""The connectivity result as a labelled heatmap (reusing the shell's matrix widget); for
spectral measures, a band selector swaps the matrix shown."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from neurodeck.data import Result
from neurodeck.gui.widgets.matrix import MatrixHeatmap

#: Spectral measures bounded to [0, 1] (the colour scale then spans exactly that).
UNIT_INTERVAL = ("coh", "plv", "ciplv", "pli", "wpli")


def _levels(matrices: np.ndarray, method: str) -> tuple[float, float]:
    finite = matrices[np.isfinite(matrices)]
    if method in UNIT_INTERVAL:
        return (0.0, 1.0)
    lim = float(np.abs(finite).max()) if finite.size else 1.0
    return (-lim, lim) if lim > 0 else (-1.0, 1.0)


class ConnectivityView(MatrixHeatmap):
    def __init__(self, result: Result, parent=None):
        params = result.provenance.get("parameters", {})
        method = params.get("method", "pearson")
        z = params.get("fisher_z", False)
        matrix = result["matrix"]
        self.band_matrices = result.get("band_matrices")
        if self.band_matrices is not None:
            unit = method
            levels = _levels(np.asarray(self.band_matrices, float), method)
        else:
            unit = "z" if z else ("partial r" if method == "partial" else "r")
            limit = 1.0 if not z else float(max(abs(matrix[abs(matrix) < 1e6]).max(), 1e-9))
            levels = (-limit, limit)
        super().__init__(matrix, [str(x) for x in result["labels"]], parent=parent,
                         symmetric=True, levels=levels, value_name=unit, title=result.name,
                         cmap="viridis" if method in UNIT_INTERVAL else None)
        self.band_box: QtWidgets.QComboBox | None = None
        if self.band_matrices is not None:
            names = [str(n) for n in result["band_names"]]
            edges = np.asarray(result["bands"], float)
            self.band_box = QtWidgets.QComboBox()
            self.band_box.setObjectName("band")
            self.band_box.addItems([f"{n} ({lo:g}-{hi:g} Hz)" for n, (lo, hi) in
                                    zip(names, edges, strict=True)])
            self.band_box.currentIndexChanged.connect(self.set_band)
            bar = self.layout().itemAt(0).layout()
            bar.insertWidget(0, QtWidgets.QLabel("Band"))
            bar.insertWidget(1, self.band_box)

    def set_band(self, index: int) -> None:
        """Show band ``index`` (the current row/column order is kept)."""
        self.matrix = np.asarray(self.band_matrices[index], float)
        if self.band_box is not None and self.band_box.currentIndex() != index:
            self.band_box.setCurrentIndex(index)
        self._refresh()
