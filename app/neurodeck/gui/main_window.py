"""The main window: data panel, tabbed views, jobs and log panels, menus built from plugins.

It knows datasets, results, jobs and plugins - no specific analysis.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from .. import api, engine
from ..data.base import Dataset
from ..data.result import Result
from ..data.study import Study
from ..errors import LayoutChoiceNeeded
from ..plugin_api.contributions import Analysis, Transform, View
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
from .param_dialog import ParamDialog, input_candidates
from .plugin_dialog import PluginDialog
from .prefs_dialog import PrefsDialog, pref
from .views import ArraysView, StudyView, SummaryView, views_for

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
        self.data_panel.activated_entry.connect(lambda i: self.show_entry(i))
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
        # The jobs list gets a seventh of the screen's height (110 px on a 768-px laptop),
        # at most 180 px: the views need the room more.
        screen = QtGui.QGuiApplication.primaryScreen()
        height = screen.availableGeometry().height() if screen is not None else 1080
        self.resizeDocks([self.docks["jobs"]], [max(100, min(180, height // 7))],
                         QtCore.Qt.Vertical)

        self.jobs.finished.connect(self._job_finished)
        self.session.subscribe(self._on_session)
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
        self._action(m, "Open Folder as &Study\u2026", self.open_folder_dialog, "Ctrl+Alt+O",
                     "action-open-study")
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
        self._action(m, "&Close Dataset", self.close_current, K.Close, "action-close")
        self._action(m, "&Quit", self.close, K.Quit)

        m = bar.addMenu("&Edit")
        self.undo_action = self._action(m, "&Undo", self.undo, K.Undo, "action-undo")
        self.redo_action = self._action(m, "&Redo", self.redo, K.Redo, "action-redo")
        m.addSeparator()
        self._action(m, "Re&name\u2026", self.rename_current, "F2", "action-rename")
        self._action(m, "Make S&tudy from Selection", self.study_from_selection, None,
                     "action-make-study")
        m.addSeparator()
        self._action(m, "&Copy Values", self.copy_values, K.Copy)
        self._action(m, "&Preferences\u2026", self.preferences, K.Preferences)
        self._update_undo()

        self.transforms_menu = bar.addMenu("&Transforms")
        self._step_menu(self.transforms_menu, self.pm.contributions("transforms"), "transform")
        self.transforms_menu.addSeparator()
        from . import pipeline_actions

        pipeline_actions.install(self, self.transforms_menu)

        self.analyses_menu = bar.addMenu("&Analyses")
        self._step_menu(self.analyses_menu, self.pm.contributions("analyses"), "analysis")

        m = bar.addMenu("&View")
        for dock in self.docks.values():
            m.addAction(dock.toggleViewAction())
        self._action(m, "&Detach Current View", self.detach_current)

        m = bar.addMenu("&Plugins")
        self._action(m, "&Plugin Manager\u2026", self.plugin_dialog, None, "action-plugins")

        m = bar.addMenu("&Help")
        self._action(m, "&Manual\u2026", lambda: self.help("manual"), K.HelpContents,
                     "action-manual")
        self._action(m, "&Keyboard Shortcuts\u2026", lambda: self.help("keys"), "Ctrl+/",
                     "action-shortcuts")
        self._action(m, "&Where Files Live\u2026", lambda: self.help("files"), None,
                     "action-files")
        m.addSeparator()
        self._action(m, "&About neurodeck", lambda: show_about(self))

    def _step_menu(self, menu: QtWidgets.QMenu, specs, prefix: str) -> None:
        categories: dict[str, QtWidgets.QMenu] = {}
        for spec in sorted(specs, key=lambda a: (a.category, a.title)):
            sub = categories.get(spec.category)
            if sub is None:
                sub = categories[spec.category] = menu.addMenu(spec.category)
            act = sub.addAction(spec.title + "\u2026")
            act.setObjectName(f"{prefix}-{spec.id}")
            act.setToolTip(spec.description)
            act.triggered.connect(lambda _=False, s=spec: self.step_dialog(s))
        if not specs:
            menu.addAction("(none installed)").setEnabled(False)

    # -- opening ------------------------------------------------------------------
    def _last_dir(self) -> str:
        last = self.settings.get("last_open_dir")
        return last if isinstance(last, str) and Path(last).is_dir() else ""

    def _remember_dir(self, path: str) -> None:
        p = Path(path)
        self.settings.set("last_open_dir", str(p if p.is_dir() else p.parent))

    def open_dialog(self) -> None:
        exts = sorted({e for r in self.pm.contributions("readers") for e in r.extensions})
        filt = f"Supported files ({' '.join('*' + e for e in exts)});;All files (*)"
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Open", self._last_dir(), filt)
        if paths:
            self._remember_dir(paths[0])
        for p in paths:
            self.open_file(p)

    def open_folder_dialog(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Open a folder as a study (one member per file; BIDS roots too)",
            self._last_dir())
        if folder:
            self._remember_dir(folder)
            self.open_file(folder)

    def open_file(self, path: str | Path, reader: str | None = None,
                  **options: Any) -> Job:
        path = str(path)
        from ..safety.policy import split_options

        # Consent to relax a safety check is for this open only: not recorded, so a saved
        # workspace never carries it (reopening asks again).
        _consent, recorded = split_options(options)
        origin = {"op": "open", "path": path, "reader": reader, "options": recorded}

        def done(out: Dataset | list[Dataset]) -> None:
            added = self.session.add_many(out if isinstance(out, list) else [out],
                                          origin=origin)
            first = added[0] if added else None
            self._remember(path)
            if first is not None:
                self.show_entry(first.id)
                self.statusBar().showMessage(f"Opened {path}", 5000)
                log.info("opened %s", path)

        def ask(exc: BaseException) -> bool:
            from ..safety.errors import ExternalReference, MemoryBudgetExceeded

            if isinstance(exc, (MemoryBudgetExceeded, ExternalReference)):
                QtCore.QTimer.singleShot(0, self, lambda: self._ask_consent(exc, reader,
                                                                          options))
                return True
            if not isinstance(exc, LayoutChoiceNeeded):
                return False
            QtCore.QTimer.singleShot(0, self, lambda: self._ask_layout(exc, reader, options))
            return True

        return self.jobs.submit(f"Open {Path(path).name}",
                                lambda progress: self._view_ready(
                                    open_path(self.pm, path, reader, **options)),
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

    def _ask_consent(self, exc, reader: str | None, options: dict[str, Any]) -> str:
        """A file over the memory budget, or pointing outside its folder: say so, and open
        it only if the user agrees (for this open only)."""
        from ..safety.errors import MemoryBudgetExceeded, human_bytes

        if isinstance(exc, MemoryBudgetExceeded):
            need = exc.nbytes or exc.budget * 2
            text = (f"{Path(exc.path).name} needs about {human_bytes(need)} of memory, more "
                    f"than the budget of {human_bytes(exc.budget)} (Edit > Preferences). "
                    "Opening it may make the computer slow or stop the app. Open it anyway?")
            change = {"memory_budget": int(need * 1.25)}
        else:
            text = (f"{Path(exc.path).name} refers to {exc.target}, outside its own folder. "
                    "neurodeck reads only files in the folder of the file you open, unless you "
                    "trust this one. Open it and read that file too?")
            change = {"allow_external": True}
        answer = self.ask_consent(text)
        if answer == "yes":
            self.open_file(exc.path, reader, **{**options, **change})
        return answer

    def ask_consent(self, text: str) -> str:
        """Yes / No question about a file (tests answer it)."""
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Question, "Open this file?", text,
                                    QtWidgets.QMessageBox.Yes | QtWidgets.QMessageBox.No,
                                    self)
        box.setObjectName("consent-box")
        box.setDefaultButton(QtWidgets.QMessageBox.No)
        return "yes" if box.exec() == QtWidgets.QMessageBox.Yes else "no"

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

    # -- analyses and transforms -----------------------------------------------------------
    def step_dialog(self, spec: Analysis | Transform) -> ParamDialog:
        """The dialog of an analysis or a transform; Run submits it as a job."""
        candidates = input_candidates(spec, list(self.session.entries.values()))
        selected = [e for e in self.data_panel.selected_entries() if e in candidates]
        current = self.data_panel.current_entry()
        pre = selected or ([current] if current in candidates else
                           ([candidates[-1]] if candidates else []))
        kind = "transform" if isinstance(spec, Transform) else "analysis"
        dialog = ParamDialog(spec, candidates, pre, parent=self)
        dialog.setObjectName(f"dialog-{spec.id}" if kind == "analysis"
                             else f"dialog-transform-{spec.id}")
        dialog.accepted.connect(lambda: self.run_step(dialog.prepared, dialog.inputs()))
        dialog.open()
        return dialog

    analysis_dialog = step_dialog

    def run_analysis(self, spec: Analysis | Transform, input_ids: list[int],
                     values: dict[str, Any]) -> Job:
        """Run ``spec`` with already validated ``values`` (scripts, tests)."""
        return self.run_step(engine.trusted(spec, values), input_ids)

    def run_step(self, step: engine.Prepared, input_ids: list[int]) -> Job:
        """Run a prepared step on session entries as a job; the output joins the session
        under its first input, recorded where the job was submitted."""
        entries = [self.session.entries[i] for i in input_ids]
        datasets = [e.dataset for e in entries]
        op = "run" if step.kind == "analysis" else "transform"
        origin = {"op": op, step.kind: step.id, "inputs": list(input_ids),
                  "params": engine.jsonable(dict(step.values))}
        mark = self.session.mark()  # edits made from now on follow this step

        def work(progress):
            return self._view_ready(engine.execute(step, datasets, progress))

        def done(out: Dataset) -> None:
            entry = self.session.add(out, parent=entries[0].id if entries else None,
                                     origin=origin, after=mark)
            self.show_entry(entry.id)
            log.info("%s finished on %s", step.id, ", ".join(e.name for e in entries))

        return self.jobs.submit(f"{step.spec.title}: {', '.join(e.name for e in entries)}",
                                work, done)

    # -- undo, rename, studies ------------------------------------------------------------------
    def undo(self) -> None:
        label = self.session.undo()
        self.statusBar().showMessage(f"Undid {label}" if label else "Nothing to undo", 4000)

    def redo(self) -> None:
        label = self.session.redo()
        self.statusBar().showMessage(f"Redid {label}" if label else "Nothing to redo", 4000)

    def _update_undo(self) -> None:
        s = self.session
        self.undo_action.setEnabled(s.can_undo)
        self.undo_action.setText(f"&Undo {s.undo_label}" if s.can_undo else "&Undo")
        self.redo_action.setEnabled(s.can_redo)
        self.redo_action.setText(f"&Redo {s.redo_label}" if s.can_redo else "&Redo")

    def _on_session(self, event: str, entry: Entry | None) -> None:
        if event == "removed" and entry is not None:
            for i in reversed(range(self.tabs.count())):
                if self.tabs.widget(i).property("entry_id") == entry.id:
                    self._close_tab(i)
        elif event == "changed" and entry is not None:  # e.g. renamed
            for i in range(self.tabs.count()):
                tab = self.tabs.widget(i)
                if tab.property("entry_id") == entry.id:
                    title = _tab_title(entry, tab.property("view_title"))
                    self.tabs.setTabText(i, title[:60])
                    self.tabs.setTabToolTip(i, title)
        elif event == "history":
            self._update_undo()

    def rename_current(self) -> None:
        entry = self.data_panel.current_entry()
        if entry is None:
            return
        name, ok = QtWidgets.QInputDialog.getText(self, "Rename", "New name:",
                                                  text=entry.name)
        if ok and name.strip():
            self.session.rename(entry.id, name)

    def study_from_selection(self) -> Entry | None:
        """The selected entries as one study (e.g. subjects opened one by one)."""
        chosen = [e for e in self.data_panel.selected_entries()
                  if not isinstance(e.dataset, Result)]
        if len(chosen) < 2:
            self._error("Make study", "Select two or more datasets in the data panel "
                        "(Ctrl+click) to make a study of them.")
            return None
        name = f"study of {len(chosen)}"
        ds = api.study([e.dataset for e in chosen], name=name)
        entry = self.session.add(ds, origin={"op": "study", "inputs": [e.id for e in chosen],
                                             "name": name})
        self.show_entry(entry.id)
        return entry

    def open_member(self, study_entry: int, key: str) -> Job:
        """Open one member of a study entry as its own entry (under the study)."""
        study = self.session.entries[study_entry].dataset
        origin = {"op": "member", "study": study_entry, "member": key}
        for e in self.session.children(study_entry):
            if e.origin.get("op") == "member" and e.origin.get("member") == key:
                self.show_entry(e.id)
                return None  # already open

        def done(ds: Dataset) -> None:
            entry = self.session.add(ds, parent=study_entry, origin=origin)
            self.show_entry(entry.id)

        return self.jobs.submit(f"Open {key} of {study.name}",
                                lambda progress: study.member(key), done)

    # -- views ------------------------------------------------------------------------
    def _view_ready(self, out: Any) -> Any:
        """Import the module of the view that will show ``out`` (on the job's thread, so
        the first view of a kind does not stall the window with its imports); ``out``
        unchanged. A view that cannot be imported fails later, where it is reported."""
        first = out[0] if isinstance(out, list) and out else out
        if isinstance(first, Dataset):
            try:
                candidates = views_for(self.pm, first)
                if candidates:
                    resolve(candidates[0].widget)
            except Exception:  # noqa: BLE001 - reported when the view is made
                log.debug("view module of %s not preloaded", first.name, exc_info=True)
        return out

    def show_entry(self, entry_id: int, view: View | None = None) -> QtWidgets.QWidget | None:
        entry = self.session.entries.get(entry_id)
        if entry is None:
            return None
        self.data_panel.select(entry_id)
        candidates = views_for(self.pm, entry.dataset)
        chosen = view or (candidates[0] if candidates else None)
        for i in range(self.tabs.count()):  # already shown: bring it forward, no duplicate
            tab = self.tabs.widget(i)
            if tab.property("entry_id") == entry_id and (
                    view is None or tab.property("view_id") == view.id):
                self.tabs.setCurrentIndex(i)
                return tab
        view_widget = self._make_view(chosen, entry)
        if isinstance(view_widget, StudyView):
            view_widget.member_activated.connect(
                lambda key, e=entry.id: self.open_member(e, key))
        widget = _with_warnings(view_widget, entry.dataset)
        widget.setProperty("view_id", chosen.id if chosen is not None else None)
        widget.setProperty("entry_id", entry.id)
        widget.setProperty("view_title", chosen.title if chosen is not None else
                           getattr(view_widget, "title", ""))
        title = _tab_title(entry, widget.property("view_title"))
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
        if isinstance(entry.dataset, Study):
            return StudyView(entry.dataset)
        return SummaryView(entry.dataset)

    def current_view(self) -> QtWidgets.QWidget | None:
        tab = self.tabs.currentWidget()
        return getattr(tab, "view", tab)  # the view inside a frame with warnings

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

    def help(self, page: str = "manual"):
        from .help_dialog import HelpDialog

        dialog = HelpDialog(self, page)
        dialog.setObjectName("help-dialog")
        dialog.show()
        return dialog

    def plugin_dialog(self) -> PluginDialog:
        dialog = PluginDialog(self.pm, self)
        dialog.open()
        return dialog

    def close_current(self) -> None:
        entry = self.data_panel.current_entry()
        if entry is None:
            return
        if self.session.entry_modified(entry.id):
            answer = self.ask_unsaved(f"{entry.name} has unsaved changes (edits or results "
                                      "made from it).")
            if answer == "cancel" or (answer == "save" and not self._save_workspace()):
                return
        self._close_views_of(entry.id)
        self.session.remove(entry.id)

    def ask_unsaved(self, text: str) -> str:
        """Save / Discard / Cancel: ``"save"``, ``"discard"`` or ``"cancel"``."""
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, "Unsaved changes",
                                    text + " Save them in a workspace first?",
                                    QtWidgets.QMessageBox.Save | QtWidgets.QMessageBox.Discard
                                    | QtWidgets.QMessageBox.Cancel, self)
        box.setObjectName("unsaved-box")
        box.setDefaultButton(QtWidgets.QMessageBox.Save)
        answer = box.exec()
        return {QtWidgets.QMessageBox.Save: "save",
                QtWidgets.QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def _save_workspace(self) -> bool:
        """Save the session as a workspace (asking where if it has none); True if saved."""
        actions = self.workspace_actions
        if actions.path is None:
            actions.save_dialog()
        else:
            actions.save(actions.path)
        return not self.session.modified

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
            if input_candidates(spec, [entry]):
                runs.addAction(spec.title + "\u2026").triggered.connect(
                    lambda _=False, s=spec: self.analysis_dialog(s))
        steps = menu.addMenu("Transform")
        for spec in self.pm.contributions("transforms"):
            if input_candidates(spec, [entry]):
                steps.addAction(spec.title + "\u2026").triggered.connect(
                    lambda _=False, s=spec: self.step_dialog(s))
        steps.setEnabled(bool(steps.actions()))
        if isinstance(entry.dataset, Result):
            menu.addAction("Save Result\u2026").triggered.connect(self.save_result_dialog)
        menu.addAction("Rename\u2026").triggered.connect(self.rename_current)
        if len(self.data_panel.selected_entries()) > 1:
            menu.addAction("Make Study from Selection").triggered.connect(
                self.study_from_selection)
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
        if self.session.modified:
            answer = self.ask_unsaved("This session has unsaved work (edits, results or "
                                      "derived data).")
            if answer == "cancel" or (answer == "save" and not self._save_workspace()):
                event.ignore()  # the autosave stays until the user has chosen
                return
        for job in self.jobs.active_jobs():
            self.jobs.cancel(job.id)
        self.workspace_actions.shutdown()
        logging.getLogger("neurodeck").removeHandler(self.log_panel.handler)
        super().closeEvent(event)


def _tab_title(entry: Entry, view_title: str | None) -> str:
    return f"{entry.name} \u2013 {view_title}" if view_title else entry.name


class _WarningFrame(QtWidgets.QWidget):
    """A view under a banner of the warnings its result carries (did not converge...)."""

    def __init__(self, view: QtWidgets.QWidget, warnings: list[str]):
        super().__init__()
        self.view = view
        banner = QtWidgets.QLabel("\u26a0 " + "<br>\u26a0 ".join(
            w.replace("&", "&amp;").replace("<", "&lt;") for w in warnings))
        banner.setObjectName("result-warnings")
        banner.setWordWrap(True)
        banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px; "
                             "border-bottom: 1px solid #e0c36b;")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(banner)
        lay.addWidget(view, 1)

    def __getattr__(self, name: str):  # export, copy_values, state... act on the view
        return getattr(self.__dict__.get("view") or super(), name)


def _with_warnings(view: QtWidgets.QWidget, ds: Dataset) -> QtWidgets.QWidget:
    warnings = ds.meta.get("warnings") if isinstance(ds.meta, dict) else None
    if isinstance(warnings, list) and warnings:
        return _WarningFrame(view, [str(w) for w in warnings])
    return view
