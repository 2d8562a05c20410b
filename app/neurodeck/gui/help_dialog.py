"""Help: the manual (the docs, bundled and offline), the keys of the current view and of
the menus, and where settings, logs, autosaves and plugins live."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ..paths import docs_dir

#: Manual pages in reading order (title, file); other pages follow alphabetically.
FIRST_PAGES = (("Architecture", "architecture.md"), ("Workspaces, pipelines and batch",
                                                     "workspaces.md"),
               ("Views", "views.md"), ("File formats", "formats.md"),
               ("Writing plugins", "plugins.md"))


def manual_pages() -> list[tuple[str, Path]]:
    root = docs_dir()
    if root is None:
        return []
    named = [(t, root / f) for t, f in FIRST_PAGES if (root / f).is_file()]
    seen = {p.name for _, p in named}
    rest = sorted(p for p in root.glob("*.md") if p.name not in seen)
    return named + [(_title(p), p) for p in rest]


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip().replace("`", "")
    return path.stem


def menu_shortcuts(window: QtWidgets.QMainWindow) -> list[tuple[str, str]]:
    """Every menu action with a shortcut: (keys, what it does)."""
    out = []

    def walk(menu: QtWidgets.QMenu, prefix: str) -> None:
        for act in menu.actions():
            if act.menu() is not None:
                walk(act.menu(), f"{prefix}{act.menu().title().replace('&', '')} > ")
            elif not act.shortcut().isEmpty():
                keys = act.shortcut().toString(QtGui.QKeySequence.NativeText)
                out.append((keys, prefix + act.text().replace("&", "").rstrip("\u2026")))

    for act in window.menuBar().actions():
        if act.menu() is not None:
            walk(act.menu(), act.menu().title().replace("&", "") + " > ")
    return out


def file_locations() -> list[tuple[str, str]]:
    from ..plugin_api.installer import plugin_dir
    from ..settings import config_dir
    from ..workspace.autosave import autosave_dir
    from .app import log_path

    return [("Settings", str(config_dir() / "settings.json")),
            ("Log file", str(log_path())),
            ("Autosaves (crash recovery)", str(autosave_dir())),
            ("Plugins installed for you", str(plugin_dir())),
            ("Manual", str(docs_dir() or "(not installed)"))]


class HelpDialog(QtWidgets.QDialog):
    def __init__(self, window: QtWidgets.QMainWindow, page: str = "manual"):
        super().__init__(window)
        self.setWindowTitle("neurodeck help")
        self.resize(900, 640)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self._manual(), "Manual")
        self.tabs.addTab(self._keys(window), "Keyboard")
        self.tabs.addTab(self._files(), "Where files live")
        self.tabs.setCurrentIndex({"manual": 0, "keys": 1, "files": 2}.get(page, 0))
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.tabs)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _manual(self) -> QtWidgets.QWidget:
        w = QtWidgets.QSplitter()
        self.pages = QtWidgets.QListWidget()
        self.pages.setObjectName("help-pages")
        self.browser = QtWidgets.QTextBrowser()
        self.browser.setObjectName("help-text")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)
        self._paths = manual_pages()
        for title, _path in self._paths:
            self.pages.addItem(title)
        self.pages.currentRowChanged.connect(self._show)
        w.addWidget(self.pages)
        w.addWidget(self.browser)
        w.setSizes([220, 680])
        if self._paths:
            self.pages.setCurrentRow(0)
        else:
            self.browser.setPlainText("The manual is not part of this installation.")
        return w

    def _show(self, row: int) -> None:
        if 0 <= row < len(self._paths):
            path = self._paths[row][1]
            self.browser.setSearchPaths([str(path.parent)])
            self.browser.setMarkdown(path.read_text(encoding="utf-8"))

    def _link(self, url: QtCore.QUrl) -> None:
        name = Path(url.path()).name
        for i, (_t, p) in enumerate(self._paths):
            if p.name == name:
                self.pages.setCurrentRow(i)
                return
        QtGui.QDesktopServices.openUrl(url)  # an outside link: the user's browser

    def _keys(self, window) -> QtWidgets.QWidget:
        rows: list[tuple[str, str, str]] = []
        view = window.current_view() if hasattr(window, "current_view") else None
        if view is not None and hasattr(view, "shortcuts"):
            rows += [("Current view", k, what) for k, what in view.shortcuts()]
        rows += [("Menus", k, what) for k, what in menu_shortcuts(window)]
        table = QtWidgets.QTableWidget(len(rows), 3)
        table.setObjectName("help-keys")
        table.setHorizontalHeaderLabels(["Where", "Keys", "Does"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.setItem(r, c, QtWidgets.QTableWidgetItem(text))
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnsToContents()
        table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        return table

    def _files(self) -> QtWidgets.QWidget:
        w = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(w)
        for label, path in file_locations():
            field = QtWidgets.QLineEdit(path)
            field.setReadOnly(True)
            form.addRow(label, field)
        return w
