"""The jobs panel: one row per job with progress, elapsed time, status and Cancel."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from ..jobs.progress import duration
from .jobs import Job, JobManager


class JobsPanel(QtWidgets.QWidget):
    show_error = QtCore.Signal(object)  # Job

    COLUMNS = ("Job", "Progress", "Elapsed", "Status", "")

    def __init__(self, manager: JobManager, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.manager = manager
        self.table = QtWidgets.QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.Stretch)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.Interactive)
        self.table.setColumnWidth(1, 220)
        self.table.setColumnWidth(2, 170)
        self.table.cellDoubleClicked.connect(self._details)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self._rows: dict[int, int] = {}
        manager.added.connect(self._add)
        manager.progressed.connect(self._update)
        manager.finished.connect(self._update)
        self._timer = QtCore.QTimer(self, interval=250, timeout=self._tick)
        self._timer.start()

    def _add(self, job: Job) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._rows[job.id] = row
        self.table.setItem(row, 0, QtWidgets.QTableWidgetItem(job.title))
        bar = QtWidgets.QProgressBar()
        bar.setRange(0, 1000)
        self.table.setCellWidget(row, 1, bar)
        self.table.setItem(row, 2, QtWidgets.QTableWidgetItem("0.0 s"))
        self.table.setItem(row, 3, QtWidgets.QTableWidgetItem(job.status))
        button = QtWidgets.QPushButton("Cancel")
        button.setObjectName(f"cancel-job-{job.id}")
        button.clicked.connect(lambda _=False, jid=job.id: self.manager.cancel(jid))
        self.table.setCellWidget(row, 4, button)
        self.table.scrollToBottom()

    def _update(self, job: Job) -> None:
        row = self._rows.get(job.id)
        if row is None:
            return
        bar: QtWidgets.QProgressBar = self.table.cellWidget(row, 1)
        bar.setValue(int(job.progress.fraction * 1000) if job.status != "done" else 1000)
        bar.setFormat(f"%p%  {job.progress.message}" if job.active else "%p%")
        status = job.status if not job.error or job.status == "cancelled" else \
            f"failed: {job.error}"
        self.table.item(row, 3).setText(status)
        self.table.item(row, 3).setToolTip(job.traceback or job.error)
        self.table.item(row, 2).setText(_elapsed(job))
        button = self.table.cellWidget(row, 4)
        if button is not None and not job.active:
            button.setEnabled(False)

    def _tick(self) -> None:
        for job in self.manager.active_jobs():
            row = self._rows.get(job.id)
            if row is not None:
                self.table.item(row, 2).setText(_elapsed(job))

    def _details(self, row: int, _col: int) -> None:
        for jid, r in self._rows.items():
            if r == row and self.manager.jobs[jid].status == "failed":
                self.show_error.emit(self.manager.jobs[jid])


def _elapsed(job: Job) -> str:
    """Elapsed time, and while it runs an estimate of what is left (from its progress)."""
    text = duration(job.elapsed)
    left = job.progress.remaining() if job.active else None
    return f"{text}, ~{duration(left)} left" if left is not None else text
