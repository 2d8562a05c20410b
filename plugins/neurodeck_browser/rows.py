"""Choosing rows: by name (a filter over every row, across animals too) or by type."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets


class RowDialog(QtWidgets.QDialog):
    """Pick rows by name or type; the order of the dataset is kept.

    ``labels`` are what the filter searches: in the aligned view of several animals each
    row reads ``"AVAL · 2022-07-26-31"``, so typing ``AVA`` finds that neuron in every
    animal (rows marked missing included: they say where it was not found). ``hint(text)``
    adds a note to the count (for one animal: where else the text matches).
    """

    def __init__(self, labels: list[str], types: list[str], selected: list[int], parent=None,
                 notes: list[str] | None = None, hint: Callable[[str], str] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Rows to show")
        self.list = QtWidgets.QListWidget()
        chosen = set(selected)
        notes = notes or [""] * len(labels)
        for i, (lab, kind, note) in enumerate(zip(labels, types, notes, strict=True)):
            item = QtWidgets.QListWidgetItem(f"{lab}  [{kind}]" + (f"  {note}" if note else ""))
            item.setFlags(item.flags() | QtCore.Qt.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.Checked if i in chosen else QtCore.Qt.Unchecked)
            self.list.addItem(item)
        self.filter = QtWidgets.QLineEdit(placeholderText="filter by name, e.g. AVA")
        self.filter.textChanged.connect(self.apply_filter)
        self.count = QtWidgets.QLabel("")
        self._hint = hint
        only = QtWidgets.QPushButton("Check only the shown")
        only.clicked.connect(self._only_shown)
        by_type = QtWidgets.QHBoxLayout()
        for kind in sorted(set(types)):
            b = QtWidgets.QPushButton(f"only {kind}")
            b.clicked.connect(lambda _=False, kind=kind: self._only(types, kind))
            by_type.addWidget(b)
        by_type.addWidget(only)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        for w in (self.filter, self.count, self.list):
            layout.addWidget(w)
        layout.addLayout(by_type)
        layout.addWidget(buttons)
        self.apply_filter("")

    def apply_filter(self, text: str) -> int:
        """Show only rows whose label contains ``text`` (case-insensitive); returns how many."""
        text = text.lower()
        shown = 0
        for i in range(self.list.count()):
            hide = text not in self.list.item(i).text().lower()
            self.list.item(i).setHidden(hide)
            shown += not hide
        extra = self._hint(text) if self._hint is not None else ""
        self.count.setText(f"{shown} of {self.list.count()} rows match"
                           + (f"; {extra}" if extra else ""))
        return shown

    def _only(self, types: list[str], kind: str) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(
                QtCore.Qt.Checked if types[i] == kind else QtCore.Qt.Unchecked)

    def _only_shown(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setCheckState(QtCore.Qt.Unchecked if item.isHidden() else QtCore.Qt.Checked)

    def chosen(self) -> list[int]:
        return [i for i in range(self.list.count())
                if self.list.item(i).checkState() == QtCore.Qt.Checked]
