"""File menu actions for workspaces: save / open, export as Python script, batch runs,
plus autosave on a timer and the crash-recovery prompt at start.

``install(window)`` wires it all into a :class:`~neurodeck.gui.main_window.MainWindow`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from ..workspace import (
    SUFFIX,
    Autosaver,
    WorkspaceError,
    apply,
    export_script,
    locate_sources,
    read_document,
    recoverable,
    restore,
    save_workspace,
)
from ..workspace.autosave import discard
from ..workspace.locate import SourceRef
from .views import views_for

log = logging.getLogger("neurodeck")
FILTER = f"neurodeck workspace (*{SUFFIX})"
AUTOSAVE_S = 60


def install(window) -> WorkspaceActions:
    """Add the workspace actions to ``window``'s File menu and start autosaving."""
    actions = WorkspaceActions(window)
    window.workspace_actions = actions
    return actions


class WorkspaceActions(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.path: Path | None = None
        self._build_menu()
        self.autosaver = Autosaver(window.session, layout=self.layout)
        self.timer = QtCore.QTimer(self)
        self.timer.setObjectName("autosave-timer")
        seconds = window.settings.get("autosave_seconds", AUTOSAVE_S)
        self.timer.setInterval(int(max(float(seconds), 5.0) * 1000))
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        found = recoverable()
        if found:
            QtCore.QTimer.singleShot(0, window, lambda: self.offer_recovery(found))

    # -- menu ---------------------------------------------------------------------------
    def _build_menu(self) -> None:
        file_menu = self.window.menuBar().actions()[0].menu()
        before = next((a for a in file_menu.actions() if a.text() == "&Close Dataset"), None)
        # The separator above "Close Dataset", so the new group sits before it.
        acts = file_menu.actions()
        if before is not None and acts.index(before) > 0:
            before = acts[acts.index(before) - 1]
        specs = [("Open &Workspace\u2026", self.open_dialog, "Ctrl+Shift+O",
                  "action-open-workspace"),
                 ("Save Works&pace\u2026", self.save_dialog, "Ctrl+Shift+S",
                  "action-save-workspace"),
                 ("Export as &Python Script\u2026", self.export_dialog, None,
                  "action-export-script"),
                 ("&Batch Run\u2026", self.batch_dialog, None, "action-batch")]
        new = []
        for text, slot, key, name in specs:
            act = QtGui.QAction(text, file_menu)
            act.setObjectName(name)
            if key:
                act.setShortcut(QtGui.QKeySequence(key))
            act.triggered.connect(lambda _=False, slot=slot: slot())
            new.append(act)
        sep = QtGui.QAction(file_menu)
        sep.setSeparator(True)
        if before is not None:
            file_menu.insertActions(before, [sep, *new])
        else:
            file_menu.addActions([sep, *new])
        self.actions = {a.objectName(): a for a in new}

    # -- layout ---------------------------------------------------------------------------
    def layout(self) -> dict[str, Any]:
        """Open views (entry and view id), the current tab and the dock layout."""
        w = self.window
        views = []
        for i in range(w.tabs.count()):
            tab = w.tabs.widget(i)
            entry_id = tab.property("entry_id")
            entry = w.session.entries.get(entry_id)
            if entry is None:
                continue
            item: dict[str, Any] = {"entry": entry_id, "view": tab.property("view_id")}
            if hasattr(tab, "state"):
                # A view's own layout (window, scaling, selection); a failing one is skipped.
                with contextlib.suppress(Exception):
                    item["state"] = tab.state()
            views.append(item)
        state = bytes(w.saveState().toBase64()).decode("ascii")
        return {"views": views, "current": w.tabs.currentIndex(), "window_state": state}

    def restore_layout(self, layout: dict[str, Any]) -> None:
        w = self.window
        for i in reversed(range(w.tabs.count())):
            w._close_tab(i)
        for item in layout.get("views", []):
            entry = w.session.entries.get(item.get("entry"))
            if entry is None:
                continue
            view = next((v for v in views_for(w.pm, entry.dataset) if v.id == item.get("view")),
                        None)
            widget = w.show_entry(entry.id, view)
            if isinstance(item.get("state"), dict) and hasattr(widget, "restore_state"):
                try:
                    widget.restore_state(item["state"])
                except Exception:  # noqa: BLE001 - an old or foreign state must not stop opening
                    log.warning("could not restore the layout of %s", entry.name, exc_info=True)
        cur = layout.get("current")
        if isinstance(cur, int) and 0 <= cur < w.tabs.count():
            w.tabs.setCurrentIndex(cur)
        state = layout.get("window_state")
        if isinstance(state, str):
            w.restoreState(QtCore.QByteArray.fromBase64(state.encode("ascii")))

    # -- save / open ------------------------------------------------------------------------
    def save_dialog(self) -> None:
        start = str(self.path or Path.home() / f"analysis{SUFFIX}")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save workspace", start,
                                                        FILTER)
        if path:
            self.save(path if path.endswith(SUFFIX) else path + SUFFIX)

    def save(self, path: str | Path) -> Path:
        out = save_workspace(self.window.session, path, layout=self.layout())
        self.path = out
        self.window.setWindowTitle(f"neurodeck \u2013 {out.name}")
        self.window.statusBar().showMessage(f"Saved workspace {out}", 5000)
        log.info("saved workspace %s", out)
        return out

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open workspace", "",
                                                        FILTER + ";;All files (*)")
        if path:
            self.open(path)

    def ask_for_file(self, ref: SourceRef, reason: str) -> str | None:
        """Ask the user where a raw file went (tests replace this)."""
        QtWidgets.QMessageBox.information(
            self.window, "Find a moved file",
            f"{ref.filename} was not found: {reason}.\nPlease locate it.")
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, f"Where is {ref.filename}?",
                                                        str(Path(ref.path).parent))
        return path or None

    def open(self, path: str | Path, *, on_done=None):
        """Open a workspace: find files (asking if needed), then re-open them in a job."""
        path = Path(path)
        try:
            doc = read_document(path)
        except WorkspaceError as exc:
            self.window._error("Open workspace", str(exc))
            return None
        located, problems = locate_sources(doc, path, ask=self.ask_for_file)

        def done(restored) -> None:
            apply(restored, self.window.session)
            self.restore_layout(restored.layout)
            self.path = path
            self.window.setWindowTitle(f"neurodeck \u2013 {path.name}")
            all_problems = problems + restored.problems
            if all_problems:
                self.window._error("Open workspace", "Some items could not be restored.",
                                   "\n".join(all_problems))
            log.info("opened workspace %s", path)
            if on_done is not None:
                on_done(restored)

        return self.window.jobs.submit(f"Open workspace {path.name}",
                                       lambda progress: restore(doc, path, located, progress),
                                       done)

    # -- export ---------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        start = (self.path.with_suffix(".py") if self.path else Path.home() / "analysis.py")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Export as Python script",
                                                        str(start), "Python (*.py)")
        if path:
            self.export(path)

    def export(self, path: str | Path) -> Path:
        self.window.session.sync_edits()
        export_script(self.window.session.history, path)
        self.window.statusBar().showMessage(f"Exported script {path}", 5000)
        return Path(path)

    # -- batch ----------------------------------------------------------------------------------
    def batch_dialog(self):
        from .batch_dialog import BatchDialog

        dialog = BatchDialog(self.window)
        dialog.setObjectName("batch-dialog")
        dialog.show()
        return dialog

    # -- autosave and recovery --------------------------------------------------------------------
    def autosave(self) -> Path | None:
        try:
            return self.autosaver.save()
        except Exception as exc:  # noqa: BLE001 - autosave must never break the app
            log.warning("autosave failed: %s", exc)
            return None

    def offer_recovery(self, paths: list[Path]) -> QtWidgets.QMessageBox:
        newest = paths[0]
        when = _dt.datetime.fromtimestamp(newest.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Question, "Recover unsaved work",
            f"neurodeck did not close properly last time. Recover the work autosaved at "
            f"{when}?", QtWidgets.QMessageBox.Yes | QtWidgets.QMessageBox.Discard,
            self.window)
        box.setObjectName("recover-box")

        def answered(button) -> None:
            if box.standardButton(button) == QtWidgets.QMessageBox.Yes:
                self.open(newest, on_done=lambda _r: [discard(p) for p in paths])
            else:
                for p in paths:
                    discard(p)

        box.buttonClicked.connect(answered)
        box.setModal(False)
        box.show()
        return box

    def shutdown(self) -> None:
        """The window closes for good (the user chose Save or Discard): a clean exit leaves
        nothing to recover."""
        self.timer.stop()
        with contextlib.suppress(OSError):
            self.autosaver.discard()

