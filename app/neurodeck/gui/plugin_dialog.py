"""The plugin manager dialog: installed plugins, versions, status, errors, enable/disable,
install (wheel file or package name) into the per-user plugin folder, remove."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from ..plugin_api import installer
from ..plugin_api.manager import PluginManager


class _Worker(QtCore.QThread):
    """Runs pip off the GUI thread; ``done(result, error)`` arrives on the GUI thread."""

    done = QtCore.Signal(object, object)

    def __init__(self, fn, parent: QtCore.QObject):
        super().__init__(parent)
        self.fn = fn

    def run(self) -> None:
        try:
            self.done.emit(self.fn(), None)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.done.emit(None, exc)


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
        note = QtWidgets.QLabel("Enabling, disabling, installing or removing a plugin takes effect "
                                "at the next start."
                                + ("  Safe mode: third-party plugins are off." if pm.safe_mode
                                   else ""))
        split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setSizes([320, 120])
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        role = QtWidgets.QDialogButtonBox.ActionRole
        self.wheel_button = buttons.addButton("Install from wheel…", role)
        self.name_button = buttons.addButton("Install by name…", role)
        self.remove_button = buttons.addButton("Remove", role)
        self.remove_button.setEnabled(False)
        self.wheel_button.clicked.connect(self._ask_wheel)
        self.name_button.clicked.connect(self._ask_name)
        self.remove_button.clicked.connect(self._ask_remove)
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("install-status")
        self.worker: _Worker | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(note)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._fill()
        self.table.itemSelectionChanged.connect(self._show_details)

    def _fill(self) -> None:
        counts: dict[str, list[str]] = {}
        for kind in ("readers", "writers", "analyses", "views", "sample_data", "commands"):
            for c in self.pm.contributions(kind):
                counts.setdefault(c.plugin, []).append(kind)
        infos = sorted(self.pm.info.values(), key=lambda i: (not i.builtin, i.name))
        self.user_dists = {p.name.lower() for p in installer.installed()}
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
            summary = ", ".join(_count(kinds.count(k), k) for k in dict.fromkeys(kinds))
            origin = "built-in" if info.builtin else (info.distribution or "registered")
            if info.distribution.lower() in self.user_dists:
                origin += " (user)"
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
        self.remove_button.setEnabled(info.distribution.lower() in self.user_dists)
        self.details.setPlainText("\n\n".join(info.errors) or f"{info.name}: no errors.")

    # -- install / remove (take effect at the next start) ------------------------------
    def _ask_wheel(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Install plugin from wheel", "", "Python wheels (*.whl)")
        if path:
            self.install(path)

    def _ask_name(self) -> None:
        text, ok = QtWidgets.QInputDialog.getText(
            self, "Install plugin", "Package name (from PyPI), e.g. neurodeck-foo:")
        if ok and text.strip():
            self.install(text.strip())

    def _ask_remove(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        info = self.pm.info[items[0].data(QtCore.Qt.UserRole)]
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Question, "Remove plugin",
            f"Remove {info.distribution}? It stays loaded until neurodeck restarts.",
            QtWidgets.QMessageBox.Yes | QtWidgets.QMessageBox.No, self)
        box.accepted.connect(lambda: self.remove(info.distribution))
        box.open()

    def install(self, spec: str) -> _Worker:
        """Install in the background; the status line reports the outcome."""
        return self._start(f"Installing {spec}…", lambda: installer.install(spec),
                           "Installed {}. Restart neurodeck to load it.")

    def remove(self, name: str) -> _Worker:
        return self._start(f"Removing {name}…", lambda: installer.remove(name),
                           "Removed {}. Restart neurodeck for it to take effect.")

    def _start(self, message: str, fn, success: str) -> _Worker:
        for b in (self.wheel_button, self.name_button, self.remove_button):
            b.setEnabled(False)
        self.status.setText(message)
        self.worker = _Worker(fn, self)
        self.worker.done.connect(lambda result, error: self._finished(result, error, success))
        self.worker.start()
        return self.worker

    def _finished(self, result, error, success: str) -> None:
        self.wheel_button.setEnabled(True)
        self.name_button.setEnabled(True)
        if error is not None:
            self.status.setText(f"Failed: {str(error).splitlines()[0]}")
            QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, "Plugins", str(error),
                                  parent=self).open()
            return
        self.status.setText(success.format(", ".join(result)))
        self.user_dists = {p.name.lower() for p in installer.installed()}


_SINGULAR = {"readers": "reader", "writers": "writer", "analyses": "analysis", "views": "view",
             "sample_data": "sample", "commands": "command"}
_PLURAL = {"sample_data": "samples"}


def _count(n: int, kind: str) -> str:
    return f"{n} {_SINGULAR[kind] if n == 1 else _PLURAL.get(kind, kind)}"
