"""The browser's tool bar: mode, window, rows, amplitude, butterfly, display filter,
annotation tool, animal and help. Widgets only: each calls one method of the view, and
:meth:`Controls.show_state` puts the view's state back into them without echoing."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

from PySide6 import QtCore, QtWidgets

from .navigation import MAX_VISIBLE


@contextlib.contextmanager
def _quiet(*widgets: QtWidgets.QWidget) -> Iterator[None]:
    for w in widgets:
        w.blockSignals(True)
    try:
        yield
    finally:
        for w in widgets:
            w.blockSignals(False)


class Controls(QtWidgets.QWidget):
    """The tool bar of ``view`` (a :class:`~neurodeck_browser.browser.BrowserView`)."""

    def __init__(self, view: Any, *, signal: bool, modes: Sequence[str],
                 animals: Sequence[str] | None, duration: float, nyquist: float):
        super().__init__()
        v = weakref.proxy(view)
        bar = QtWidgets.QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.animal_box = QtWidgets.QComboBox()
        if animals:
            self.animal_box.addItems(list(animals))
            self.animal_box.setToolTip("Which animal, or all of them aligned by neuron name")
            n = len(animals) - 1
            self.animal_box.currentIndexChanged.connect(
                lambda i: v.set_animal("aligned" if i == n else i))
            bar.addWidget(self.animal_box)
        self.mode_box = QtWidgets.QComboBox()
        self.mode_box.addItems(list(modes))
        self.mode_box.currentTextChanged.connect(lambda m: v.set_mode(m))
        self.span_box = QtWidgets.QDoubleSpinBox(decimals=3, minimum=1e-3,
                                                 maximum=max(duration, 1e-3))
        self.span_box.setSuffix(" s")
        self.span_box.editingFinished.connect(lambda: v.set_window(v.t0, self.span_box.value()))
        self.rows_box = QtWidgets.QSpinBox(minimum=1, maximum=MAX_VISIBLE)
        self.rows_box.editingFinished.connect(lambda: v.set_n_visible(self.rows_box.value()))
        rows = QtWidgets.QPushButton("Rows\u2026")
        rows.setToolTip("Choose rows by name (across animals too) or type")
        rows.clicked.connect(lambda: v.choose_rows())
        smaller = QtWidgets.QToolButton(text="\u2212")
        smaller.setToolTip("Smaller amplitude (-)")
        smaller.clicked.connect(lambda: v.scale_all(1.25))
        larger = QtWidgets.QToolButton(text="+")
        larger.setToolTip("Larger amplitude (+)")
        larger.clicked.connect(lambda: v.scale_all(0.8))
        self.butterfly = QtWidgets.QToolButton(text="Butterfly", checkable=True)
        self.butterfly.setToolTip("All channels of a type in one lane (b)")
        self.butterfly.toggled.connect(lambda on: v.set_butterfly(on))
        self.filter_on = QtWidgets.QCheckBox("Filter")
        self.filter_on.setToolTip("Display filter: applied to the shown window only (f)")
        self.hp = self._freq_box("High-pass (Hz); off at 0", nyquist)
        self.lp = self._freq_box("Low-pass (Hz); off at 0", nyquist)
        self.filter_on.toggled.connect(lambda _on: v.filter_edited())
        for box in (self.hp, self.lp):
            box.editingFinished.connect(lambda: v.filter_edited())
        self.annotate = QtWidgets.QToolButton(text="Annotate", checkable=True)
        self.annotate.setToolTip("Drag on the traces to add an annotation (a); "
                                 "Shift+drag an annotation to move it")
        self.annotate.toggled.connect(lambda on: v.set_annotating(on))
        self.label_edit = QtWidgets.QLineEdit("BAD_")
        self.label_edit.setMaximumWidth(90)
        self.label_edit.setToolTip("Label of new annotations")
        help_button = QtWidgets.QToolButton(text="?")
        help_button.setToolTip("Keys and mouse (?)")
        help_button.clicked.connect(lambda: v.show_help())
        widgets: list[QtWidgets.QWidget] = [
            self.mode_box, QtWidgets.QLabel("Window"), self.span_box, QtWidgets.QLabel("Rows"),
            self.rows_box, rows, smaller, larger]
        if signal:
            widgets += [self.butterfly, self.filter_on, QtWidgets.QLabel("HP"), self.hp,
                        QtWidgets.QLabel("LP"), self.lp]
        widgets += [self.annotate, self.label_edit, help_button]
        for w in widgets:
            bar.addWidget(w)
            if not isinstance(w, QtWidgets.QLineEdit | QtWidgets.QLabel):
                w.setFocusPolicy(QtCore.Qt.ClickFocus)  # keys stay with the traces
        self.animal_box.setFocusPolicy(QtCore.Qt.ClickFocus)
        bar.addStretch(1)

    @staticmethod
    def _freq_box(tip: str, nyquist: float) -> QtWidgets.QDoubleSpinBox:
        box = QtWidgets.QDoubleSpinBox(decimals=2, minimum=0.0, maximum=max(nyquist, 0.01))
        box.setSpecialValueText("off")
        box.setToolTip(tip)
        box.setMaximumWidth(72)
        return box

    @property
    def label(self) -> str:
        return self.label_edit.text()

    def filter_values(self) -> tuple[float, float, bool]:
        return self.hp.value(), self.lp.value(), self.filter_on.isChecked()

    def show_state(self, v: Any) -> None:
        """Put the view's state into the widgets (no signal fires)."""
        with _quiet(self.span_box, self.rows_box, self.mode_box, self.butterfly, self.hp,
                    self.lp, self.filter_on, self.annotate, self.animal_box):
            if self.span_box.value() != v.span:  # setValue re-renders even when unchanged
                self.span_box.setValue(v.span)
            if self.rows_box.value() != v.n_visible:
                self.rows_box.setValue(v.n_visible)
            if self.mode_box.currentText() != v.mode:
                self.mode_box.setCurrentText(v.mode)
            self.butterfly.setChecked(v.butterfly)
            band = v.filter_band or (None, None)
            self.hp.setValue(band[0] or 0.0)
            self.lp.setValue(band[1] or 0.0)
            self.filter_on.setChecked(v.filter_enabled)
            self.annotate.setChecked(v.annotating)
            if v.population is not None:
                self.animal_box.setCurrentIndex(
                    v.population.n_animals if v.animal == "aligned" else int(v.animal))

    def set_duration(self, duration: float) -> None:
        self.span_box.setMaximum(max(duration, 1e-3))
