"""Choosing a view for a dataset, and the fallback views every dataset gets."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from ..data.base import Dataset
from ..data.result import Result
from ..plugin_api.contributions import View
from ..plugin_api.manager import PluginManager
from .widgets.base import ViewWidget, plot_widget
from .widgets.matrix import MatrixHeatmap


def views_for(pm: PluginManager, ds: Dataset) -> list[View]:
    """Plugin views accepting ``ds``, most specific kind first, then by priority."""
    def rank(v: View) -> tuple[int, int]:
        kinds = list(ds.kinds)
        best = min((kinds.index(k) for k in v.accepts if k in kinds), default=len(kinds))
        return (best, -v.priority)

    return sorted((v for v in pm.contributions("views") if v.accepts_dataset(ds)), key=rank)


class SummaryView(ViewWidget):
    """What the reader saw: the dataset's summary as a table (every dataset has one)."""

    def __init__(self, ds: Dataset, parent: QtWidgets.QWidget | None = None):
        super().__init__(ds, parent)
        tree = QtWidgets.QTreeWidget()
        tree.setHeaderLabels(["Property", "Value"])
        for key, value in ds.summary().items():
            QtWidgets.QTreeWidgetItem(tree, [str(key), str(value)])
        if isinstance(ds, Result):
            prov = QtWidgets.QTreeWidgetItem(tree, ["provenance", ""])
            for key, value in ds.provenance.items():
                QtWidgets.QTreeWidgetItem(prov, [str(key), str(value)])
        tree.resizeColumnToContents(0)
        self.tree = tree
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(tree)


class ArraysView(ViewWidget):
    """Any result: pick an array; 2-D arrays as heatmaps, 1-D as curves, others as text."""

    def __init__(self, result: Result, parent: QtWidgets.QWidget | None = None):
        super().__init__(result, parent)
        self.result = result
        self.picker = QtWidgets.QComboBox()
        numeric = [k for k, v in result.items() if v.dtype.kind in "biuf"]
        self.picker.addItems(numeric or list(result))
        self.picker.currentTextChanged.connect(self._show)
        self.stack = QtWidgets.QVBoxLayout()
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addLayout(self.stack, 1)
        self.current: QtWidgets.QWidget | None = None
        self._show(self.picker.currentText())

    def _show(self, key: str) -> None:
        if self.current is not None:
            self.current.setParent(None)
            self.current.deleteLater()
        arr = self.result[key] if key else np.zeros(0)
        if arr.ndim == 2 and arr.dtype.kind in "biuf":
            labels = self.result.get("labels")
            rows = [str(x) for x in labels] if labels is not None and len(labels) == \
                arr.shape[0] else None
            w: QtWidgets.QWidget = MatrixHeatmap(arr, rows, symmetric=arr.shape[0] ==
                                                 arr.shape[1], value_name=key)
        elif arr.ndim == 1 and arr.dtype.kind in "biuf":
            w = plot_widget()
            w.plot(np.arange(arr.size), arr.astype(float), pen=pg.mkPen("#1f77b4", width=2))
            w.setLabel("left", key)
        else:
            w = QtWidgets.QPlainTextEdit(np.array2string(arr, threshold=2000), readOnly=True)
        self.current = w
        self.stack.addWidget(w)

    def export_widget(self):
        return self.current or self

    def values_table(self):
        if isinstance(self.current, MatrixHeatmap):
            return self.current.values_table()
        return None
