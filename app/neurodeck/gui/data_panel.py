"""The data panel: open datasets as a tree, with what was made from them underneath."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ..data.study import Study
from ..session import Entry, Session


class DataPanel(QtWidgets.QTreeWidget):
    activated_entry = QtCore.Signal(int)
    context_requested = QtCore.Signal(int, QtCore.QPoint)

    def __init__(self, session: Session, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setHeaderLabels(["Name", "Kind"])
        self.setColumnWidth(0, 230)
        # Long names that differ at the end (sub-01_task-x_run-1 ... run-9) stay distinct.
        self.setTextElideMode(QtCore.Qt.ElideMiddle)
        self.setSelectionMode(QtWidgets.QAbstractItemView.ExtendedSelection)
        self.setContextMenuPolicy(QtCore.Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context)
        self.itemActivated.connect(lambda item, _c: self.activated_entry.emit(self._id(item)))
        self._items: dict[int, QtWidgets.QTreeWidgetItem] = {}
        session.subscribe(self._on_session)

    @staticmethod
    def _id(item: QtWidgets.QTreeWidgetItem) -> int:
        return int(item.data(0, QtCore.Qt.UserRole))

    @staticmethod
    def _texts(entry: Entry) -> tuple[str, str]:
        ds = entry.dataset
        if isinstance(ds, Study):
            return entry.name, f"study ({len(ds)})"
        made = (entry.origin or {}).get("transform")
        return entry.name, f"{ds.kind} \u2190 {made}" if made else ds.kind

    def _tooltip(self, entry: Entry) -> str:
        return "\n".join(f"{k}: {v}" for k, v in entry.dataset.summary().items()
                         if k != "member_kinds" or isinstance(v, dict))

    def _on_session(self, event: str, entry: Entry | None) -> None:
        if event == "added" and entry is not None:
            parent = self._items.get(entry.parent) if entry.parent else None
            item = QtWidgets.QTreeWidgetItem(list(self._texts(entry)))
            item.setData(0, QtCore.Qt.UserRole, entry.id)
            item.setToolTip(0, self._tooltip(entry))
            if entry.dataset.is_a("result"):
                item.setForeground(1, QtGui.QBrush(QtGui.QColor("#1565c0")))
            elif entry.dataset.derivation is not None:
                item.setForeground(1, QtGui.QBrush(QtGui.QColor("#2e7d32")))
            if parent is not None:
                parent.addChild(item)
                parent.setExpanded(True)
            else:
                self.addTopLevelItem(item)
            self._items[entry.id] = item
            self.setCurrentItem(item)
        elif event == "removed" and entry is not None:
            item = self._items.pop(entry.id, None)
            if item is not None:
                (item.parent() or self.invisibleRootItem()).removeChild(item)
        elif event == "changed" and entry is not None:
            item = self._items.get(entry.id)
            if item is not None:
                name, kind = self._texts(entry)
                item.setText(0, name)
                item.setText(1, kind)
                item.setToolTip(0, self._tooltip(entry))

    def current_entry(self) -> Entry | None:
        item = self.currentItem()
        return self.session.entries.get(self._id(item)) if item is not None else None

    def selected_entries(self) -> list[Entry]:
        """The selected entries, in the order they were opened."""
        ids = {self._id(i) for i in self.selectedItems()}
        return [e for e in self.session.entries.values() if e.id in ids]

    def select(self, entry_id: int) -> None:
        item = self._items.get(entry_id)
        if item is not None:
            self.setCurrentItem(item)

    def _context(self, pos: QtCore.QPoint) -> None:
        item = self.itemAt(pos)
        if item is not None:
            self.context_requested.emit(self._id(item), self.viewport().mapToGlobal(pos))
