"""The mapping dialog: when a reader cannot tell which array holds the data, the user picks."""

from __future__ import annotations

from typing import Any

from PySide6 import QtWidgets

from ..errors import LayoutChoiceNeeded


class LayoutDialog(QtWidgets.QDialog):
    """Choose the candidate the reader asked about (and optionally a sampling rate)."""

    def __init__(self, error: LayoutChoiceNeeded, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.error = error
        self.setWindowTitle("How should this file be read?")
        self.setMinimumWidth(560)
        intro = QtWidgets.QLabel(f"<b>{error.path}</b><br>{error.cause}")
        intro.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(len(error.candidates), 4)
        self.table.setObjectName("layout-candidates")
        self.table.setHorizontalHeaderLabels(["Array", "Shape", "Type", "Looks like"])
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, cand in enumerate(error.candidates):
            cells = (cand.get("key", ""), "x".join(str(s) for s in cand.get("shape", [])),
                     cand.get("dtype", ""), cand.get("role", ""))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QtWidgets.QTableWidgetItem(str(text)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        if error.candidates:
            self.table.selectRow(0)
        self.orientation = QtWidgets.QComboBox()
        self.orientation.addItems(["auto", "neurons_x_time", "time_x_neurons"])
        self.sfreq = QtWidgets.QLineEdit()
        self.sfreq.setPlaceholderText("from the file")
        form = QtWidgets.QFormLayout()
        form.addRow("Orientation", self.orientation)
        form.addRow("Sampling rate (Hz)", self.sfreq)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Open
                                             | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def options(self) -> dict[str, Any]:
        """Keyword options for the reader."""
        row = self.table.currentRow()
        out: dict[str, Any] = {}
        if 0 <= row < len(self.error.candidates):
            out[self.error.option] = self.error.candidates[row]["key"]
        if self.error.option == "data_key":
            if self.orientation.currentText() != "auto":
                out["orientation"] = self.orientation.currentText()
            if self.sfreq.text().strip():
                out["sfreq"] = float(self.sfreq.text())
        return out
