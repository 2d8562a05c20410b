"""Choosing a view for a dataset, and the fallback views every dataset gets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ..data.base import Dataset
from ..data.result import Result
from ..data.study import Study
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

    title = "Summary"

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

    title = "Arrays"

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


class _StudyModel(QtCore.QAbstractTableModel):
    """The members table of a study (a model: 10,000 members cost no widgets)."""

    def __init__(self, study: Study):
        super().__init__()
        self.rows = study.table()
        self.columns = ["member", "kind", *study.columns]

    def rowCount(self, parent=QtCore.QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QtCore.QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=QtCore.Qt.DisplayRole) -> Any:
        if role in (QtCore.Qt.DisplayRole, QtCore.Qt.ToolTipRole) and index.isValid():
            value = self.rows[index.row()].get(self.columns[index.column()])
            return "" if value is None else str(value)
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.DisplayRole) -> Any:  # noqa: N802
        if role == QtCore.Qt.DisplayRole and orientation == QtCore.Qt.Horizontal:
            return self.columns[section]
        return None


class StudyView(ViewWidget):
    """A study's members and their metadata; double-click (or Enter) opens a member."""

    member_activated = QtCore.Signal(str)  # the member's key
    title = "Members"

    def __init__(self, study: Study, parent: QtWidgets.QWidget | None = None):
        super().__init__(study, parent)
        self.study = study
        self.model = _StudyModel(study)
        self.proxy = QtCore.QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(QtCore.Qt.CaseInsensitive)
        self.filter = QtWidgets.QLineEdit()
        self.filter.setObjectName("study-filter")
        self.filter.setPlaceholderText("Filter members (any column)\u2026")
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QtWidgets.QTableView()
        self.table.setObjectName("study-table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.activated.connect(self._activated)
        self.table.sortByColumn(0, QtCore.Qt.AscendingOrder)
        header = self.table.horizontalHeader()
        for c in range(self.model.columnCount()):  # readable member keys, bounded widths
            width = max(self.table.sizeHintForColumn(c) if len(study) <= 2000 else 0,
                        header.sectionSizeHint(c))
            header.resizeSection(c, min(width + 12, 420))
        kinds = ", ".join(f"{n} {k}" for k, n in study.summary()["member_kinds"].items())
        self.caption = QtWidgets.QLabel(
            f"<b>{study.name}</b>: {len(study)} members ({kinds}). Members open when an "
            "analysis or a view needs them; double-click one to open it here. Analyses that "
            "take several inputs take the whole study; transforms apply to every member.")
        self.caption.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)

    def _activated(self, index) -> None:
        row = self.proxy.mapToSource(index).row()
        self.member_activated.emit(str(self.model.rows[row]["member"]))

    def copy_values(self) -> str:
        """The members table as tab-separated text (to paste into a spreadsheet)."""
        cols = self.model.columns
        lines = ["\t".join(cols)]
        lines += ["\t".join("" if r.get(c) is None else str(r.get(c)) for c in cols)
                  for r in self.model.rows]
        text = "\n".join(lines) + "\n"
        QtWidgets.QApplication.clipboard().setText(text)
        return text
