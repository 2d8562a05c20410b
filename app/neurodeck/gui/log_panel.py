"""The log panel: Python logging records shown in the window."""

from __future__ import annotations

import contextlib
import logging

from PySide6 import QtCore, QtGui, QtWidgets


class _Emitter(QtCore.QObject):
    record = QtCore.Signal(str, int)


class QtLogHandler(logging.Handler):
    """Forwards log records (from any thread) to the GUI thread through a signal."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.emitter = _Emitter()
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                                            "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(RuntimeError):  # the window is gone at shutdown
            self.emitter.record.emit(self.format(record), record.levelno)


class LogPanel(QtWidgets.QPlainTextEdit):
    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(5000)
        self.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.FixedFont))
        self.handler = QtLogHandler()
        self.handler.emitter.record.connect(self.append_line)

    def append_line(self, text: str, level: int = logging.INFO) -> None:
        if level >= logging.ERROR:
            text = f"\u26a0 {text}"
        self.appendPlainText(text)
