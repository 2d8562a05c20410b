"""The mapping dialog: when a reader cannot tell which array holds the data, the user picks.

It also asks what a file does not record and neurodeck never guesses: the sampling rate
(``sfreq``, Hz) or repetition time (``tr``, s) - either may be typed as a rate or as a
period - and the unit of spike times (``time_unit``). The answer is remembered for that
file (its path, size and modification time), so opening it again does not ask again
unless "Remember" was unticked; answers live in the settings file under
``reader_answers``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from ..errors import LayoutChoiceNeeded

#: Options that are a sampling rate or period: option -> (its unit, the question).
RATE_OPTIONS = {"sfreq": ("Hz", "Sampling rate"), "tr": ("s", "Repetition time (TR)")}
ANSWERS_KEY = "reader_answers"
MAX_ANSWERS = 500


def _file_key(path: str) -> str:
    try:
        st = os.stat(path)
        return f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}"
    except OSError:
        return os.path.realpath(path)


def remembered(path: str, option: str) -> Any:
    """The answer given for ``option`` of this file (None if never answered)."""
    from ..settings import Settings

    answers = Settings().get(ANSWERS_KEY, {}) or {}
    entry = answers.get(_file_key(path)) if isinstance(answers, dict) else None
    return entry.get(option) if isinstance(entry, dict) else None


def remember(path: str, option: str, value: Any) -> None:
    from ..settings import Settings

    settings = Settings()
    answers = settings.get(ANSWERS_KEY, {}) or {}
    if not isinstance(answers, dict):
        answers = {}
    key = _file_key(path)
    answers.pop(key, None)
    answers[key] = {**(answers.get(key) or {}), option: value}
    while len(answers) > MAX_ANSWERS:  # oldest first (dicts keep insertion order)
        answers.pop(next(iter(answers)))
    settings.set(ANSWERS_KEY, answers)


class LayoutDialog(QtWidgets.QDialog):
    """Choose the candidate the reader asked about (and optionally a sampling rate)."""

    def __init__(self, error: LayoutChoiceNeeded, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.error = error
        self.setWindowTitle("How should this file be read?")
        self.setMinimumWidth(560)
        intro = QtWidgets.QLabel(f"<b>{error.path}</b><br>{error.cause}")
        intro.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(len(error.candidates), 4)
        self.table.setObjectName("layout-candidates")
        self.table.setHorizontalHeaderLabels(["Array", "Shape", "Type", "Looks like"])
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, cand in enumerate(error.candidates):
            cells = (cand.get("key", ""), "x".join(str(s) for s in cand.get("shape", [])),
                     cand.get("dtype", ""), cand.get("role", ""))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QtWidgets.QTableWidgetItem(str(text)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        if error.candidates:
            self.table.selectRow(0)
        self.orientation = QtWidgets.QComboBox()
        self.orientation.addItems(["auto", "neurons_x_time", "time_x_neurons"])
        self.sfreq = QtWidgets.QLineEdit()
        self.sfreq.setPlaceholderText("from the file")
        form = QtWidgets.QFormLayout()
        self.rate_question = error.option in RATE_OPTIONS
        self.rate = QtWidgets.QLineEdit()
        self.rate.setObjectName("layout-rate")
        self.rate_unit = QtWidgets.QComboBox()
        self.rate_unit.setObjectName("layout-rate-unit")
        self.rate_unit.addItems(["Hz (samples per second)", "s (seconds per sample, TR)"])
        if self.rate_question:
            unit, question = RATE_OPTIONS[error.option]
            self.setWindowTitle(f"{question} of {Path(error.path).name}?")
            self.rate_unit.setCurrentIndex(0 if unit == "Hz" else 1)
            row = QtWidgets.QHBoxLayout()
            row.addWidget(self.rate, 1)
            row.addWidget(self.rate_unit)
            form.addRow(question, row)
            if not error.candidates:
                self.table.hide()
        else:
            form.addRow("Orientation", self.orientation)
            form.addRow("Sampling rate (Hz)", self.sfreq)
            if error.option != "data_key":
                self.orientation.hide()
                self.sfreq.hide()
                form.labelForField(self.orientation).hide()
                form.labelForField(self.sfreq).hide()
        self.remember_box = QtWidgets.QCheckBox("Remember for this file (do not ask again)")
        self.remember_box.setObjectName("layout-remember")
        self.remember_box.setChecked(True)
        form.addRow("", self.remember_box)
        self._prefill()
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Open
                                             | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _prefill(self) -> None:
        self._known = remembered(self.error.path, self.error.option)
        if self._known is None:
            return
        if self.rate_question:
            self.rate.setText(f"{float(self._known):g}")
            self.rate_unit.setCurrentIndex(0 if RATE_OPTIONS[self.error.option][0] == "Hz"
                                           else 1)
        else:
            keys = [c.get("key") for c in self.error.candidates]
            if self._known in keys:
                self.table.selectRow(keys.index(self._known))

    def open(self) -> None:  # noqa: A003 - QDialog API
        """Ask, unless this file's answer was remembered: then accept it at once."""
        if self._known is not None:
            QtCore.QTimer.singleShot(0, self, self.accept)
            return
        super().open()

    def accept(self) -> None:
        try:
            chosen = self.options()
        except ValueError:
            chosen = {}
        value = chosen.get(self.error.option)
        if value is not None and self.remember_box.isChecked() and self.error.option in (
                *RATE_OPTIONS, "time_unit"):
            remember(self.error.path, self.error.option, value)
        super().accept()

    def _rate_value(self) -> float:
        text = self.rate.text().strip()
        value = float(text)
        if not value > 0 or value != value or value == float("inf"):
            raise ValueError(f"{text!r} is not a positive number")
        want_hz = RATE_OPTIONS[self.error.option][0] == "Hz"
        typed_hz = self.rate_unit.currentIndex() == 0
        return value if want_hz == typed_hz else 1.0 / value

    def options(self) -> dict[str, Any]:
        """Keyword options for the reader."""
        if self.rate_question:
            return {self.error.option: self._rate_value()}
        row = self.table.currentRow()
        out: dict[str, Any] = {}
        if 0 <= row < len(self.error.candidates):
            out[self.error.option] = self.error.candidates[row]["key"]
        if self.error.option == "data_key":
            if self.orientation.currentText() != "auto":
                out["orientation"] = self.orientation.currentText()
            if self.sfreq.text().strip():
                out["sfreq"] = float(self.sfreq.text())
        return out
