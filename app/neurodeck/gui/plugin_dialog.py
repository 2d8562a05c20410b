"""The plugin manager dialog: installed plugins, versions, status, errors, enable/disable."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from ..plugin_api.manager import PluginManager


class PluginDialog(QtWidgets.QDialog):
    COLUMNS = ("Enabled", "Plugin", "Version", "Status", "Origin", "Contributes")

    def __init__(self, pm: PluginManager, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.pm = pm
        self.setWindowTitle("Plugins")
        self.resize(820, 480)
        self.table = QtWidgets.QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(5, QtWidgets.QHeaderView.Stretch)
        self.details = QtWidgets.QPlainTextEdit(readOnly=True)
        self.details.setPlaceholderText("Select a plugin to see its errors.")
        note = QtWidgets.QLabel("Enabling or disabling a plugin takes effect at the next start."
                                + ("  Safe mode: third-party plugins are off." if pm.safe_mode
                                   else ""))
        split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setSizes([320, 120])
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._fill()
        self.table.itemSelectionChanged.connect(self._show_details)

    def _fill(self) -> None:
        counts: dict[str, list[str]] = {}
        for kind in ("readers", "writers", "analyses", "views", "sample_data", "commands"):
            for c in self.pm.contributions(kind):
                counts.setdefault(c.plugin, []).append(kind)
        infos = sorted(self.pm.info.values(), key=lambda i: (not i.builtin, i.name))
        self.table.setRowCount(len(infos))
        for row, info in enumerate(infos):
            box = QtWidgets.QCheckBox()
            box.setChecked(info.enabled)
            box.setObjectName(f"enable-{info.name}")
            box.toggled.connect(lambda on, name=info.name: self.pm.set_enabled(name, on))
            cell = QtWidgets.QWidget()
            lay = QtWidgets.QHBoxLayout(cell)
            lay.setContentsMargins(8, 0, 0, 0)
            lay.addWidget(box)
            self.table.setCellWidget(row, 0, cell)
            kinds = counts.get(info.name, [])
            summary = ", ".join(f"{kinds.count(k)} {k.replace('_', ' ')}"
                                for k in dict.fromkeys(kinds))
            origin = "built-in" if info.builtin else (info.distribution or "registered")
            for col, text in enumerate((info.name, info.version, info.status, origin, summary), 1):
                item = QtWidgets.QTableWidgetItem(text)
                item.setData(QtCore.Qt.UserRole, info.name)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()

    def _show_details(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        info = self.pm.info[items[0].data(QtCore.Qt.UserRole)]
        self.details.setPlainText("\n\n".join(info.errors) or f"{info.name}: no errors.")
