"""The data panel: open datasets as a tree, with their results underneath."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ..session import Entry, Session


class DataPanel(QtWidgets.QTreeWidget):
    activated_entry = QtCore.Signal(int)
    context_requested = QtCore.Signal(int, QtCore.QPoint)

    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setHeaderLabels(["Name", "Kind"])
        self.setColumnWidth(0, 230)
        self.setContextMenuPolicy(QtCore.Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context)
        self.itemActivated.connect(lambda item, _c: self.activated_entry.emit(self._id(item)))
        self._items: dict[int, QtWidgets.QTreeWidgetItem] = {}
        session.subscribe(self._on_session)

    @staticmethod
    def _id(item: QtWidgets.QTreeWidgetItem) -> int:
        return int(item.data(0, QtCore.Qt.UserRole))

    def _on_session(self, event: str, entry: Entry) -> None:
        if event == "added":
            parent = self._items.get(entry.parent) if entry.parent else None
            item = QtWidgets.QTreeWidgetItem([entry.name, entry.dataset.kind])
            item.setData(0, QtCore.Qt.UserRole, entry.id)
            item.setToolTip(0, "\n".join(f"{k}: {v}" for k, v in entry.dataset.summary().items()))
            if entry.dataset.is_a("result"):
                item.setForeground(1, QtGui.QBrush(QtGui.QColor("#1565c0")))
            if parent is not None:
                parent.addChild(item)
                parent.setExpanded(True)
            else:
                self.addTopLevelItem(item)
            self._items[entry.id] = item
            self.setCurrentItem(item)
        elif event == "removed":
            item = self._items.pop(entry.id, None)
            if item is not None:
                (item.parent() or self.invisibleRootItem()).removeChild(item)
        elif event == "changed":
            item = self._items.get(entry.id)
            if item is not None:
                item.setText(0, entry.name)

    def current_entry(self) -> Entry | None:
        item = self.currentItem()
        return self.session.entries.get(self._id(item)) if item is not None else None

    def select(self, entry_id: int) -> None:
        item = self._items.get(entry_id)
        if item is not None:
            self.setCurrentItem(item)

    def _context(self, pos: QtCore.QPoint) -> None:
        item = self.itemAt(pos)
        if item is not None:
            self.context_requested.emit(self._id(item), self.viewport().mapToGlobal(pos))
