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
#: Options for which the reader can use several candidates at once, and what it makes of
#: them (the tables reader opens several trace arrays together, one animal each).
SEVERAL = {"data_key": "one animal each"}
#: What each candidate role looks like, in the user's words.
ROLES = {"traces": "traces (rows \u00d7 time points)", "labels": "names",
         "vector": "a list of numbers", "scalar": "one number", "spike_times": "spike times",
         "unit_ptr": "where each unit's spikes start", "other": ""}
ORIENTATIONS = (("auto", "Decide from the sizes (more time points than rows)"),
                ("neurons_x_time", "Rows are neurons or channels, columns are time points"),
                ("time_x_neurons", "Rows are time points, columns are neurons or channels"))


def describe_size(shape: Any) -> str:
    """[120, 6000] -> "120 \u00d7 6,000"; [4000] -> "4,000 values"."""
    dims = [int(s) for s in (shape or [])]
    if not dims:
        return ""
    if len(dims) == 1:
        return f"{dims[0]:,} values"
    return " \u00d7 ".join(f"{d:,}" for d in dims)


def describe_dtype(dtype: Any) -> str:
    """numpy type names in words: float32 -> "decimal numbers (float32)"."""
    text = str(dtype or "")
    words = {"f": "decimal numbers", "i": "whole numbers", "u": "whole numbers",
             "b": "yes/no values", "c": "complex numbers", "U": "text", "S": "text",
             "O": "mixed values"}
    try:
        import numpy as np

        kind = np.dtype(text).kind
    except (TypeError, ValueError):
        return text
    return f"{words.get(kind, 'values')} ({text})"


def _question(error: LayoutChoiceNeeded) -> str:
    name = Path(error.path).name
    if error.option == "data_key":
        several = (" Choose several (Ctrl-click) to open them together, "
                   f"{SEVERAL['data_key']}." if len(error.candidates) > 1 else "")
        return (f"<b>{name}</b> holds several tables of numbers, and neurodeck cannot tell "
                "which one is your recording. Choose the table of traces: one row per "
                "neuron or channel, one column per time point (or the other way round)."
                + several)
    if error.option == "time_unit":
        return (f"<b>{name}</b> lists spike times without saying their unit. Choose the "
                "unit: each line says how long the recording and how high the firing "
                "rate would then be.")
    if error.option in RATE_OPTIONS:
        return (f"<b>{name}</b> does not say how fast it was sampled, and neurodeck does "
                "not guess. Give the sampling rate, or the time between two samples.")
    return f"<b>{name}</b> can be read in more than one way: choose how."


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
        # The user's question first; the reader's own words (and the script equivalent)
        # one click away, for those who will script it.
        intro = QtWidgets.QLabel(_question(error))
        intro.setObjectName("layout-question")
        intro.setWordWrap(True)
        self.details = QtWidgets.QLabel(
            f"{error.path}<br>{error.cause}<br><i>In a script: neurodeck.open(path, "
            f"{error.option}=...)</i>")
        self.details.setObjectName("layout-details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.details.setStyleSheet("color: #555")
        self.details.hide()
        details_button = QtWidgets.QToolButton(text="Details", checkable=True)
        details_button.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)
        details_button.setArrowType(QtCore.Qt.RightArrow)
        details_button.setAutoRaise(True)

        def toggle(on: bool) -> None:
            self.details.setVisible(on)
            details_button.setArrowType(QtCore.Qt.DownArrow if on else QtCore.Qt.RightArrow)

        details_button.toggled.connect(toggle)
        self.several = error.option in SEVERAL and len(error.candidates) > 1
        self.table = QtWidgets.QTableWidget(len(error.candidates), 4)
        self.table.setObjectName("layout-candidates")
        self.table.setHorizontalHeaderLabels(
            ["Name in the file", "Size", "Holds", "Looks like"] if error.option != "time_unit"
            else ["Unit", "Spike times", "", "The recording would be"])
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.ExtendedSelection
                                    if self.several else
                                    QtWidgets.QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, cand in enumerate(error.candidates):
            role = str(cand.get("role", ""))
            cells = (cand.get("key", ""), describe_size(cand.get("shape", [])),
                     describe_dtype(cand.get("dtype", "")) if error.option != "time_unit"
                     else "", ROLES.get(role, role))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QtWidgets.QTableWidgetItem(str(text)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        if error.option == "time_unit":
            self.table.hideColumn(2)
        if error.candidates:
            self.table.selectRow(0)
        self.orientation = QtWidgets.QComboBox()
        self.orientation.setObjectName("layout-orientation")
        for value, text in ORIENTATIONS:
            self.orientation.addItem(text, value)
        self.sfreq = QtWidgets.QLineEdit()
        self.sfreq.setObjectName("layout-sfreq")
        self.sfreq.setPlaceholderText("as the file says (leave empty)")
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
            form.addRow("Which way round", self.orientation)
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
        layout.addWidget(details_button, 0, QtCore.Qt.AlignLeft)
        layout.addWidget(self.details)
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

    def chosen_keys(self) -> list[str]:
        """The candidates chosen, in the file's order (several only where allowed)."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and 0 <= self.table.currentRow() < len(self.error.candidates):
            rows = [self.table.currentRow()]
        if not self.several:
            rows = rows[:1]
        return [self.error.candidates[r]["key"] for r in rows]

    def options(self) -> dict[str, Any]:
        """Keyword options for the reader."""
        if self.rate_question:
            return {self.error.option: self._rate_value()}
        out: dict[str, Any] = {}
        keys = self.chosen_keys()
        if len(keys) > 1:
            out[self.error.option] = keys  # the reader opens them together
        elif keys:
            out[self.error.option] = keys[0]
        if self.error.option == "data_key":
            if self.orientation.currentData() != "auto":
                out["orientation"] = self.orientation.currentData()
            if self.sfreq.text().strip():
                out["sfreq"] = float(self.sfreq.text())
        return out
