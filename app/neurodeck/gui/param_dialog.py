"""The parameter dialog, generated from an analysis's schema.

It only collects values: inputs picked from the open datasets, parameters
validated by the same :class:`~neurodeck.plugin_api.params.ParamSchema` the CLI uses.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtWidgets

from ..errors import ParameterError
from ..plugin_api import params as P
from ..plugin_api.contributions import Analysis
from ..session import Entry


def _editor(param: P.Param) -> QtWidgets.QWidget:
    """A widget for one parameter, with ``value()`` and ``set_value()`` helpers."""
    if isinstance(param, P.Bool):
        w = QtWidgets.QCheckBox()
        w.setChecked(bool(param.default))
        w.value = w.isChecked
        w.set_value = w.setChecked
    elif isinstance(param, P.Choice):
        w = QtWidgets.QComboBox()
        w.addItems(list(param.choices))
        if param.default is not None:
            w.setCurrentText(str(param.default))
        w.value = w.currentText
        w.set_value = lambda v, w=w: w.setCurrentText(str(v))
    elif isinstance(param, P.Int) and not param.optional:
        w = QtWidgets.QSpinBox()
        w.setRange(param.minimum if param.minimum is not None else -2**31 + 1,
                   param.maximum if param.maximum is not None else 2**31 - 1)
        w.setValue(int(param.default or 0))
        w.value = w.value
        w.set_value = lambda v, w=w: w.setValue(int(v))
    elif isinstance(param, P.FilePath):
        w = QtWidgets.QWidget()
        line = QtWidgets.QLineEdit("" if param.default is None else str(param.default))
        browse = QtWidgets.QPushButton("Browse\u2026")

        def pick(_=False, line=line, param=param) -> None:
            path, _f = QtWidgets.QFileDialog.getOpenFileName(
                w, param.title, line.text(), param.filter or "All files (*)")
            if path:
                line.setText(path)

        browse.clicked.connect(pick)
        row = QtWidgets.QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(line, 1)
        row.addWidget(browse)
        w.value = line.text
        w.set_value = lambda v, line=line: line.setText("" if v is None else str(v))
    else:  # Float, optional Int, IntList, Text: a line edit validated by the schema
        w = QtWidgets.QLineEdit("" if param.default is None else _fmt(param.default))
        if param.optional:
            w.setPlaceholderText("(not set)")
        w.value = w.text
        w.set_value = lambda v, w=w: w.setText("" if v is None else _fmt(v))
    tip = param.help
    if getattr(param, "minimum", None) is not None or getattr(param, "maximum", None) is not None:
        tip += f"  [range {param.minimum} \u2013 {param.maximum}]"
    w.setToolTip(tip)
    w.setObjectName(f"param-{param.name}")
    return w


def _fmt(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    return str(v)


class ParamDialog(QtWidgets.QDialog):
    """Choose inputs and parameters for one analysis."""

    def __init__(self, spec: Analysis, candidates: list[Entry], preselected: Entry | None = None,
                 values: dict[str, Any] | None = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.candidates = candidates
        self.setWindowTitle(spec.title)
        self.setMinimumWidth(520)
        layout = QtWidgets.QVBoxLayout(self)

        about = QtWidgets.QLabel(f"<b>{spec.title}</b><br>{spec.description}"
                                 + (f"<br><i>{spec.reference}</i>" if spec.reference else ""))
        about.setWordWrap(True)
        about.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        layout.addWidget(about)

        form = QtWidgets.QFormLayout()
        self.input_boxes: list[QtWidgets.QComboBox] = []
        lo, hi = spec.n_inputs
        for i in range(hi):
            box = QtWidgets.QComboBox()
            box.setObjectName(f"input-{i}")
            if i >= lo:
                box.addItem("(none)", None)
            for e in candidates:
                box.addItem(f"{e.name}  [{e.dataset.kind}]", e.id)
            if i == 0 and preselected is not None:
                box.setCurrentIndex(max(box.findData(preselected.id), 0))
            form.addRow(f"Input {i + 1}" if hi > 1 else "Input", box)
            self.input_boxes.append(box)
        self.editors: dict[str, QtWidgets.QWidget] = {}
        for p in spec.params:
            ed = _editor(p)
            if values and p.name in values:
                ed.set_value(values[p.name])
            label = QtWidgets.QLabel(p.title)
            label.setToolTip(p.help)
            form.addRow(label, ed)
            self.editors[p.name] = ed
        layout.addLayout(form)

        self.error = QtWidgets.QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.setObjectName("param-error")
        layout.addWidget(self.error)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel
            | QtWidgets.QDialogButtonBox.RestoreDefaults)
        buttons.button(QtWidgets.QDialogButtonBox.Ok).setText("Run")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QtWidgets.QDialogButtonBox.RestoreDefaults).clicked.connect(self.defaults)
        self.buttons = buttons
        layout.addWidget(buttons)
        if not candidates:
            self.error.setText(f"No open dataset is of a kind this analysis accepts "
                               f"({', '.join(spec.accepts)}). Open one first.")
            buttons.button(QtWidgets.QDialogButtonBox.Ok).setEnabled(False)

    def defaults(self) -> None:
        for p in self.spec.params:
            self.editors[p.name].set_value(p.default)

    def raw_values(self) -> dict[str, Any]:
        return {name: ed.value() for name, ed in self.editors.items()}

    def values(self) -> dict[str, Any]:
        """Validated parameter values (raises ParameterError)."""
        return self.spec.schema.resolve(self.raw_values())

    def inputs(self) -> list[int]:
        return [b.currentData() for b in self.input_boxes if b.currentData() is not None]

    def accept(self) -> None:
        try:
            self.values()
        except ParameterError as exc:
            self.error.setText(str(exc))
            return
        if len(self.inputs()) < self.spec.n_inputs[0]:
            self.error.setText("Choose the input dataset(s).")
            return
        super().accept()
