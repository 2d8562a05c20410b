"""Batch over a folder or a study: pick an analysis and its parameters (or a pipeline) and
the inputs; each input's state and progress is shown in a table while they run (in this
process for small batches, else on dask.distributed)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from ..errors import NeurodeckError
from .param_dialog import _editor

COLUMNS = ("Input", "State", "Progress", "Seconds", "Message")


class BatchDialog(QtWidgets.QDialog):
    """Runs :func:`neurodeck.batch.run_batch` as a job of the main window."""

    moved = QtCore.Signal(str, str, float, str)  # input, state, fraction, message
    finished = QtCore.Signal(object)  # BatchReport or None

    def __init__(self, window, folder: str | Path | None = None, *, pipeline=None,
                 study=None):
        super().__init__(window)
        self.window = window
        self.pipeline = pipeline  # a neurodeck.pipeline.Pipeline to run instead of an analysis
        self.study = study  # a Study whose file members are the inputs
        self.processes = True  # real parallelism; tests use threads
        self.report = None
        self.job = None
        self._rows: dict[str, int] = {}
        self.setWindowTitle("Batch run")
        self.resize(860, 560)
        lay = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        self.analysis = QtWidgets.QComboBox()
        self.analysis.setObjectName("batch-analysis")
        for spec in sorted(window.pm.contributions("analyses"), key=lambda a: a.title):
            if spec.n_inputs[0] <= 1:
                self.analysis.addItem(spec.title, spec.id)
        self.analysis.currentIndexChanged.connect(self._build_params)
        if pipeline is not None:
            steps = QtWidgets.QLabel(f"<b>{pipeline.name or 'pipeline'}</b><br>"
                                     + "<br>".join(pipeline.describe()))
            steps.setObjectName("batch-pipeline")
            steps.setWordWrap(True)
            form.addRow("Pipeline", steps)
        else:
            form.addRow("Analysis", self.analysis)
        self.folder = QtWidgets.QLineEdit(str(folder or ""))
        self.folder.setObjectName("batch-folder")
        browse = QtWidgets.QPushButton("Browse\u2026")
        browse.clicked.connect(self._browse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.pattern = QtWidgets.QLineEdit("*.edf")
        self.pattern.setObjectName("batch-pattern")
        self.pattern.setToolTip("Files to run on, as a pattern inside the folder "
                                "(** matches sub-folders)")
        if study is not None:
            label = QtWidgets.QLabel(f"{study.name}: {len(study)} members")
            label.setObjectName("batch-study")
            form.addRow("Study", label)
            self.folder.setText(str(study.source or ""))
        else:
            form.addRow("Folder", row)
            form.addRow("Files", self.pattern)
        self.out = QtWidgets.QLineEdit()
        self.out.setObjectName("batch-out")
        self.out.setPlaceholderText("(folder)/neurodeck-batch")
        form.addRow("Results to", self.out)
        self.workers = QtWidgets.QSpinBox()
        self.workers.setObjectName("batch-workers")
        self.workers.setRange(1, 256)
        self.workers.setValue(os.cpu_count() or 1)
        form.addRow("Workers", self.workers)
        lay.addLayout(form)
        self.param_box = QtWidgets.QGroupBox("Parameters")
        self.param_form = QtWidgets.QFormLayout(self.param_box)
        lay.addWidget(self.param_box)
        self.editors: dict[str, QtWidgets.QWidget] = {}
        self._build_params()

        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("batch-table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        lay.addWidget(self.table, 1)
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("batch-status")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        buttons = QtWidgets.QDialogButtonBox()
        self.run_button = buttons.addButton("Run", QtWidgets.QDialogButtonBox.AcceptRole)
        self.cancel_button = buttons.addButton("Cancel", QtWidgets.QDialogButtonBox.RejectRole)
        self.cancel_button.setEnabled(False)
        close = buttons.addButton(QtWidgets.QDialogButtonBox.Close)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        close.clicked.connect(self.close)
        lay.addWidget(buttons)
        self.moved.connect(self._on_moved)

    # -- form --------------------------------------------------------------------------------
    def spec(self):
        return self.window.pm.analysis(self.analysis.currentData())

    def _build_params(self) -> None:
        while self.param_form.rowCount():
            self.param_form.removeRow(0)
        self.editors = {}
        if self.analysis.currentData() is None or self.pipeline is not None:
            self.param_box.setVisible(self.pipeline is None)
            return
        for p in self.spec().params:
            ed = _editor(p)
            self.param_form.addRow(p.title, ed)
            self.editors[p.name] = ed

    def _browse(self) -> None:
        d = QtWidgets.QFileDialog.getExistingDirectory(self, "Folder of inputs", self.folder.text())
        if d:
            self.folder.setText(d)

    def out_dir(self) -> Path:
        if self.out.text():
            return Path(self.out.text())
        base = Path(self.folder.text() or ".")
        return (base if base.is_dir() else base.parent) / "neurodeck-batch"

    def _pipeline(self):
        """The pipeline to run: the given one, or the chosen analysis with its values."""
        from .. import engine
        from ..pipeline import Pipeline

        if self.pipeline is not None:
            return self.pipeline
        step = engine.prepare(self.spec(), {k: ed.value() for k, ed in self.editors.items()})
        return Pipeline([step], name=step.id)

    def _sources(self):
        from ..batch.plan import expand_sources, study_sources

        if self.study is not None:
            return study_sources(self.study)
        return expand_sources(str(Path(self.folder.text()) / self.pattern.text()))

    # -- running -----------------------------------------------------------------------------
    def start(self):
        try:
            pipeline = self._pipeline()  # parameters are validated once, here
            sources = self._sources()
        except NeurodeckError as exc:
            self.status.setText(str(exc))
            return None
        self._fill(sources)
        out, n = self.out_dir(), self.workers.value()
        processes = self.processes
        inputs = sources
        analysis = pipeline.name or pipeline.steps[-1].id

        def work(progress):
            from ..batch import run_pipeline

            progress.update(0.0, "starting")
            return run_pipeline(pipeline, sources, out, workers=n, processes=processes,
                                on_progress=self.moved.emit, progress=progress)

        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Running {analysis} on {len(inputs)} inputs\u2026")
        self.job = self.window.jobs.submit(f"Batch {analysis} ({len(inputs)} inputs)", work,
                                           self._done)
        self.window.jobs.finished.connect(self._job_finished)
        return self.job

    def cancel(self) -> None:
        if self.job is not None:
            self.job.progress.cancel()  # inputs not started are skipped, running ones finish
        self.status.setText("Cancelling: inputs already running finish first\u2026")

    def _fill(self, sources) -> None:
        self.table.setRowCount(len(sources))
        self._rows = {}
        for r, src in enumerate(sources):
            self._rows[src.label] = r
            name = src.member if src.member else src.path.name
            self.table.setItem(r, 0, QtWidgets.QTableWidgetItem(name))
            self.table.item(r, 0).setToolTip(src.label)
            self.table.setItem(r, 1, QtWidgets.QTableWidgetItem("queued"))
            bar = QtWidgets.QProgressBar()
            bar.setRange(0, 1000)
            self.table.setCellWidget(r, 2, bar)
            for c in (3, 4):
                self.table.setItem(r, c, QtWidgets.QTableWidgetItem(""))

    def state_of(self, path: str | Path) -> str:
        return self.table.item(self._rows[str(path)], 1).text()

    def values(self) -> dict:
        return self.spec().schema.resolve({k: ed.value() for k, ed in self.editors.items()})

    def _on_moved(self, path: str, state: str, fraction: float, message: str) -> None:
        r = self._rows.get(path)
        if r is None or self.table.item(r, 1).text() in ("ok", "failed", "skipped"):
            return  # final states stay
        self.table.item(r, 1).setText(state)
        self.table.cellWidget(r, 2).setValue(int(round(fraction * 1000)))
        self.table.item(r, 4).setText(message)

    def _done(self, report) -> None:
        self.report = report
        for item in report.items:
            r = self._rows.get(item.input)
            if r is not None:
                self.table.item(r, 1).setText("skipped" if item.reused else item.status)
                self.table.item(r, 3).setText(f"{item.seconds:.2f}")
                self.table.item(r, 4).setText(item.error)
        n_failed = len(report.failed)
        self.status.setText(f"{len(report.items) - n_failed} ok, {n_failed} failed in "
                            f"{report.wall_seconds:.1f} s. Summary: {report.summary}")
        self.finished.emit(report)

    def _job_finished(self, job) -> None:
        if job is not self.job:
            return
        self.window.jobs.finished.disconnect(self._job_finished)
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if job.status != "done":
            self.status.setText(f"Batch {job.status}: {job.error}")
            self.finished.emit(None)
