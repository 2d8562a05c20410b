"""The main window: data panel, tabbed views, jobs and log panels, menus built from plugins.

It knows datasets, results, jobs and plugins - no specific analysis.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from .. import api
from ..data.base import Dataset
from ..data.result import Result
from ..errors import LayoutChoiceNeeded
from ..plugin_api.contributions import Analysis, View
from ..plugin_api.lazy import resolve
from ..plugin_api.manager import PluginManager
from ..readers import open_path
from ..session import Entry, Session
from . import workspace_actions
from .about import show_about
from .data_panel import DataPanel
from .jobs import Job, JobManager
from .jobs_panel import JobsPanel
from .layout_dialog import LayoutDialog
from .log_panel import LogPanel
from .param_dialog import ParamDialog
from .plugin_dialog import PluginDialog
from .prefs_dialog import PrefsDialog, pref
from .views import ArraysView, SummaryView, views_for

log = logging.getLogger("neurodeck")


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, pm: PluginManager, session: Session | None = None):
        super().__init__()
        self.pm = pm
        self.settings = pm.settings
        self.session = session or Session()
        self.jobs = JobManager(self)
        self.setWindowTitle("neurodeck")
        self.resize(1400, 900)
        self.setAcceptDrops(True)

        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        self.tabs.setObjectName("views")
        self.setCentralWidget(self.tabs)
        self.setDockNestingEnabled(True)

        self.data_panel = DataPanel(self.session)
        self.data_panel.activated_entry.connect(self.show_entry)
        self.data_panel.context_requested.connect(self._entry_menu)
        self.jobs_panel = JobsPanel(self.jobs)
        self.jobs_panel.show_error.connect(self._show_job_error)
        self.log_panel = LogPanel()
        logging.getLogger("neurodeck").addHandler(self.log_panel.handler)
        logging.getLogger("neurodeck").setLevel(logging.INFO)
        self.docks = {
            "data": self._dock("Data", self.data_panel, QtCore.Qt.LeftDockWidgetArea),
            "jobs": self._dock("Jobs", self.jobs_panel, QtCore.Qt.BottomDockWidgetArea),
            "log": self._dock("Log", self.log_panel, QtCore.Qt.BottomDockWidgetArea),
        }
        self.tabifyDockWidget(self.docks["jobs"], self.docks["log"])
        self.docks["jobs"].raise_()
        self.resizeDocks([self.docks["data"]], [300], QtCore.Qt.Horizontal)
        self.resizeDocks([self.docks["jobs"]], [180], QtCore.Qt.Vertical)

        self.jobs.finished.connect(self._job_finished)
        self._build_menus()
        self.statusBar().showMessage("Ready")
        for err in pm.errors():
            log.error("%s", err)
        workspace_actions.install(self)

    # -- layout helpers ----------------------------------------------------------
    def _dock(self, title: str, widget: QtWidgets.QWidget, area) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu: QtWidgets.QMenu, text: str, slot, shortcut=None,
                name: str | None = None) -> QtGui.QAction:
        act = menu.addAction(text)
        act.triggered.connect(lambda _=False: slot())
        if shortcut is not None:
            act.setShortcut(QtGui.QKeySequence(shortcut))
        if name:
            act.setObjectName(name)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        K = QtGui.QKeySequence
        self._action(m, "&Open\u2026", self.open_dialog, K.Open, "action-open")
        self.sample_menu = m.addMenu("Open &Sample")
        for sample in self.pm.contributions("sample_data"):
            act = self.sample_menu.addAction(sample.title)
            act.setToolTip(sample.description)
            act.triggered.connect(lambda _=False, s=sample: self.open_sample(s))
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addSeparator()
        self._action(m, "&Save Result\u2026", self.save_result_dialog, K.Save, "action-save")
        self._action(m, "E&xport Data\u2026", self.export_data_dialog, "Ctrl+Shift+E")
        self._action(m, "Export &Figure\u2026", self.export_figure_dialog, "Ctrl+E",
                     "action-export-figure")
        m.addSeparator()
        self._action(m, "&Close Dataset", self.close_current, K.Close)
        self._action(m, "&Quit", self.close, K.Quit)

        m = bar.addMenu("&Edit")
        self._action(m, "&Copy Values", self.copy_values, K.Copy)
        self._action(m, "&Preferences\u2026", self.preferences, K.Preferences)

        self.analyses_menu = bar.addMenu("&Analyses")
        categories: dict[str, QtWidgets.QMenu] = {}
        for spec in sorted(self.pm.contributions("analyses"), key=lambda a: (a.category, a.title)):
            sub = categories.get(spec.category)
            if sub is None:
                sub = categories[spec.category] = self.analyses_menu.addMenu(spec.category)
            act = sub.addAction(spec.title + "\u2026")
            act.setObjectName(f"analysis-{spec.id}")
            act.setToolTip(spec.description)
            act.triggered.connect(lambda _=False, s=spec: self.analysis_dialog(s))

        m = bar.addMenu("&View")
        for dock in self.docks.values():
            m.addAction(dock.toggleViewAction())
        self._action(m, "&Detach Current View", self.detach_current)

        m = bar.addMenu("&Plugins")
        self._action(m, "&Plugin Manager\u2026", self.plugin_dialog, None, "action-plugins")

        m = bar.addMenu("&Help")
        self._action(m, "&About neurodeck", lambda: show_about(self))

    # -- opening ------------------------------------------------------------------
    def open_dialog(self) -> None:
        exts = sorted({e for r in self.pm.contributions("readers") for e in r.extensions})
        filt = f"Supported files ({' '.join('*' + e for e in exts)});;All files (*)"
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Open", "", filt)
        for p in paths:
            self.open_file(p)

    def open_file(self, path: str | Path, reader: str | None = None,
                  **options: Any) -> Job:
        path = str(path)
        origin = {"op": "open", "path": path, "reader": reader, "options": options}

        def done(out: Dataset | list[Dataset]) -> None:
            first = None
            for ds in out if isinstance(out, list) else [out]:
                entry = self.session.add(ds, origin=origin)
                first = first or entry
            self._remember(path)
            if first is not None:
                self.show_entry(first.id)
                self.statusBar().showMessage(f"Opened {path}", 5000)
                log.info("opened %s", path)

        def ask(exc: BaseException) -> bool:
            if not isinstance(exc, LayoutChoiceNeeded):
                return False
            QtCore.QTimer.singleShot(0, self, lambda: self._ask_layout(exc, reader, options))
            return True

        return self.jobs.submit(f"Open {Path(path).name}",
                                lambda progress: open_path(self.pm, path, reader, **options),
                                done, ask)

    def _ask_layout(self, exc: LayoutChoiceNeeded, reader: str | None,
                    options: dict[str, Any]) -> LayoutDialog:
        """The reader needs the user to say which array holds the data: ask, then reopen."""
        dialog = LayoutDialog(exc, self)
        dialog.setObjectName("layout-dialog")

        def reopen() -> None:
            try:
                chosen = dialog.options()
            except ValueError as err:
                self._error("Open", f"Sampling rate: {err}")
                return
            self.open_file(exc.path, reader, **{**options, **chosen})

        dialog.accepted.connect(reopen)
        dialog.open()
        return dialog

    def open_sample(self, sample) -> Job | None:
        try:
            path = sample.resolve_path()
        except Exception as exc:  # noqa: BLE001 - a broken sample must not break the app
            self._error("Sample data unavailable", f"{sample.title}: {exc}")
            return None
        return self.open_file(path)

    def _remember(self, path: str) -> None:
        self.settings.add_recent(str(Path(path).resolve()),
                                 int(pref(self.settings, "recent_limit")))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.settings.recent_files():
            act = self.recent_menu.addAction(p)
            act.triggered.connect(lambda _=False, p=p: self.open_file(p))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802 - Qt API
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_file(url.toLocalFile())
        event.acceptProposedAction()

    # -- analyses -------------------------------------------------------------------
    def analysis_dialog(self, spec: Analysis) -> ParamDialog:
        candidates = [e for e in self.session.entries.values() if spec.accepts_dataset(e.dataset)]
        current = self.data_panel.current_entry()
        pre = current if current in candidates else (candidates[-1] if candidates else None)
        dialog = ParamDialog(spec, candidates, pre, parent=self)
        dialog.setObjectName(f"dialog-{spec.id}")
        dialog.accepted.connect(lambda: self.run_analysis(spec, dialog.inputs(), dialog.values()))
        dialog.open()
        return dialog

    def run_analysis(self, spec: Analysis, input_ids: list[int],
                     values: dict[str, Any]) -> Job:
        """Run ``spec`` on session entries as a job; the result joins the session."""
        entries = [self.session.entries[i] for i in input_ids]
        datasets = [e.dataset for e in entries]
        version = self.pm.plugin_version(spec.plugin)
        origin = {"op": "run", "analysis": spec.id, "inputs": input_ids,
                  "params": dict(values)}

        def work(progress):
            return api.execute(spec, datasets, values, progress, version)

        # Edits made so far precede this run in the history; edits made while it runs
        # are recorded after it.
        self.session.sync_edits()

        def done(result: Result) -> None:
            entry = self.session.add(result, parent=entries[0].id if entries else None,
                                     origin=origin, sync=False)
            self.show_entry(entry.id)
            log.info("%s finished on %s", spec.id, ", ".join(e.name for e in entries))

        return self.jobs.submit(f"{spec.title}: {', '.join(e.name for e in entries)}", work,
                                done)

    # -- views ------------------------------------------------------------------------
    def show_entry(self, entry_id: int, view: View | None = None) -> QtWidgets.QWidget | None:
        entry = self.session.entries.get(entry_id)
        if entry is None:
            return None
        self.data_panel.select(entry_id)
        candidates = views_for(self.pm, entry.dataset)
        chosen = view or (candidates[0] if candidates else None)
        widget = self._make_view(chosen, entry)
        widget.setProperty("entry_id", entry.id)
        title = entry.name if chosen is None else f"{entry.name} \u2013 {chosen.title}"
        index = self.tabs.addTab(widget, title[:60])
        self.tabs.setTabToolTip(index, title)
        self.tabs.setCurrentIndex(index)
        return widget

    def _make_view(self, view: View | None, entry: Entry) -> QtWidgets.QWidget:
        if view is not None:
            try:
                return resolve(view.widget)(entry.dataset, parent=None)
            except Exception as exc:  # noqa: BLE001 - a broken view falls back, app lives
                log.exception("view %s (plugin %s) failed", view.id, view.plugin)
                self._error(f"View {view.title} failed",
                            f"Plugin {view.plugin!r}: {type(exc).__name__}: {exc}")
        if isinstance(entry.dataset, Result):
            return ArraysView(entry.dataset)
        return SummaryView(entry.dataset)

    def current_view(self) -> QtWidgets.QWidget | None:
        return self.tabs.currentWidget()

    def _close_tab(self, index: int) -> None:
        w = self.tabs.widget(index)
        self.tabs.removeTab(index)
        if w is not None:
            w.deleteLater()

    def detach_current(self) -> None:
        index = self.tabs.currentIndex()
        if index < 0:
            return
        title = self.tabs.tabText(index)
        w = self.tabs.widget(index)
        self.tabs.removeTab(index)
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(f"view-{id(w)}")
        dock.setWidget(w)
        dock.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        self.addDockWidget(QtCore.Qt.RightDockWidgetArea, dock)
        dock.setFloating(True)

    # -- saving and export ----------------------------------------------------------------
    def save_result_dialog(self) -> None:
        entry = self.data_panel.current_entry()
        if entry is None or not isinstance(entry.dataset, Result):
            self._error("Save result", "Select a result in the data panel first.")
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save result", f"{entry.dataset.analysis or 'result'}.h5", "HDF5 (*.h5)")
        if path:
            self.save_result(entry.id, path)

    def save_result(self, entry_id: int, path: str | Path) -> Path:
        result = self.session.entries[entry_id].dataset
        out = result.save(path)
        self.session.record({"op": "save", "entry": entry_id, "path": str(out)})
        self.statusBar().showMessage(f"Saved {out}", 5000)
        log.info("saved %s", out)
        return out

    def export_data_dialog(self) -> None:
        entry = self.data_panel.current_entry()
        if entry is None:
            return
        writers = [w for w in self.pm.contributions("writers")
                   if any(entry.dataset.is_a(k) for k in w.accepts)]
        if not writers:
            self._error("Export data", f"No writer accepts {entry.dataset.kind} data.")
            return
        filters = ";;".join(f"{w.title} ({' '.join('*' + e for e in w.extensions)})"
                            for w in writers)
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(self, "Export data", "", filters)
        if not path:
            return
        writer = writers[[f.split(" (")[0] for f in filters.split(";;")].index(
            chosen.split(" (")[0])] if chosen else writers[0]
        self.jobs.submit(f"Export {Path(path).name}",
                         lambda progress: resolve(writer.write)(entry.dataset, Path(path)))

    def export_figure_dialog(self) -> None:
        view = self.current_view()
        if view is None or not hasattr(view, "export"):
            self._error("Export figure", "The current view cannot be exported.")
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export figure", "figure.png", "PNG image (*.png);;SVG vector (*.svg)")
        if path:
            self.export_figure(path)

    def export_figure(self, path: str | Path) -> Path:
        out = self.current_view().export(path)
        self.statusBar().showMessage(f"Exported {out}", 5000)
        return out

    def copy_values(self) -> None:
        view = self.current_view()
        if view is not None and hasattr(view, "copy_values") and view.copy_values():
            self.statusBar().showMessage("Values copied to the clipboard", 3000)

    # -- other dialogs -------------------------------------------------------------------
    def preferences(self) -> None:
        PrefsDialog(self.settings, self).exec()

    def plugin_dialog(self) -> PluginDialog:
        dialog = PluginDialog(self.pm, self)
        dialog.open()
        return dialog

    def close_current(self) -> None:
        entry = self.data_panel.current_entry()
        if entry is not None:
            self._close_views_of(entry.id)
            self.session.remove(entry.id)

    def _close_views_of(self, entry_id: int) -> None:
        doomed = {entry_id} | {e.id for e in self.session.children(entry_id)}
        for i in reversed(range(self.tabs.count())):
            if self.tabs.widget(i).property("entry_id") in doomed:
                self._close_tab(i)

    def _entry_menu(self, entry_id: int, pos: QtCore.QPoint) -> None:
        entry = self.session.entries[entry_id]
        menu = QtWidgets.QMenu(self)
        views = menu.addMenu("Open View")
        for v in views_for(self.pm, entry.dataset):
            views.addAction(v.title).triggered.connect(
                lambda _=False, v=v: self.show_entry(entry_id, v))
        views.addAction("Summary").triggered.connect(lambda: self._summary(entry))
        runs = menu.addMenu("Run Analysis")
        for spec in self.pm.contributions("analyses"):
            if spec.accepts_dataset(entry.dataset):
                runs.addAction(spec.title + "\u2026").triggered.connect(
                    lambda _=False, s=spec: self.analysis_dialog(s))
        if isinstance(entry.dataset, Result):
            menu.addAction("Save Result\u2026").triggered.connect(self.save_result_dialog)
        menu.addAction("Close").triggered.connect(self.close_current)
        menu.popup(pos)

    def _summary(self, entry: Entry) -> None:
        w = SummaryView(entry.dataset)
        w.setProperty("entry_id", entry.id)
        self.tabs.setCurrentIndex(self.tabs.addTab(w, f"{entry.name} \u2013 Summary"))

    # -- errors ------------------------------------------------------------------------------
    def _job_finished(self, job: Job) -> None:
        if job.status == "failed":
            log.error("%s failed: %s", job.title, job.error)
            self._show_job_error(job)
        elif job.status == "cancelled":
            log.info("%s cancelled", job.title)
            self.statusBar().showMessage(f"{job.title}: cancelled", 5000)

    def _show_job_error(self, job: Job) -> None:
        self._error(job.title, job.error, job.traceback)

    def _error(self, title: str, text: str, details: str = "") -> None:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, title, text,
                                    QtWidgets.QMessageBox.Ok, self)
        box.setObjectName("error-box")
        if details:
            box.setDetailedText(details)
        box.setModal(False)
        box.show()
        self.statusBar().showMessage(f"{title}: {text}", 8000)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        for job in self.jobs.active_jobs():
            self.jobs.cancel(job.id)
        logging.getLogger("neurodeck").removeHandler(self.log_panel.handler)
        super().closeEvent(event)
