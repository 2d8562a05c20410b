"""The dialog of an analysis or a transform, generated from its declaration.

It only collects choices: the inputs (one box, or one multi-select list for steps taking
several - a study counts as its members), and the parameters, validated once by the same
schema the CLI uses (the :class:`~neurodeck.engine.Prepared` step it accepts with is what
runs). Parameters scroll, so every dialog fits a laptop screen.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from .. import engine
from ..data.study import Study
from ..errors import ParameterError
from ..plugin_api import params as P
from ..plugin_api.contributions import Analysis, Transform
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


def input_candidates(spec: Analysis | Transform, entries: list[Entry]) -> list[Entry]:
    """Entries a step can take: accepted datasets, and studies whose members it takes (a
    one-input transform maps over a study; a one-input analysis does not take one)."""
    out = []
    for e in entries:
        ds = e.dataset
        if spec.accepts_dataset(ds):
            out.append(e)
        elif isinstance(ds, Study) and (spec.takes_many or isinstance(spec, Transform)):
            mk = ds.member_kind
            if not mk or any(k == mk or k in ("dataset", "timeseries") for k in spec.accepts):
                out.append(e)
    return out


def _describe(e: Entry) -> str:
    ds = e.dataset
    if isinstance(ds, Study):
        return f"{e.name}  [study of {len(ds)} {ds.member_kind or 'datasets'}]"
    return f"{e.name}  [{ds.kind}]"


class ParamDialog(QtWidgets.QDialog):
    """Choose inputs and parameters for one analysis or transform."""

    def __init__(self, spec: Analysis | Transform, candidates: list[Entry],
                 preselected: Entry | list[Entry] | None = None,
                 values: dict[str, Any] | None = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.candidates = candidates
        self.prepared: engine.Prepared | None = None
        pre = preselected if isinstance(preselected, list) else (
            [preselected] if preselected is not None else [])
        self.setWindowTitle(spec.title)
        self.setMinimumWidth(520)
        layout = QtWidgets.QVBoxLayout(self)

        about = QtWidgets.QLabel(f"<b>{spec.title}</b><br>{spec.description}"
                                 + (f"<br><i>{spec.reference}</i>" if spec.reference else ""))
        about.setWordWrap(True)
        about.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        about.setObjectName("step-about")
        layout.addWidget(about)

        inputs = QtWidgets.QFormLayout()
        self.input_boxes: list[QtWidgets.QComboBox] = []
        self.input_list: QtWidgets.QListWidget | None = None
        if spec.takes_many:
            self.input_list = QtWidgets.QListWidget()
            self.input_list.setObjectName("input-list")
            chosen = {e.id for e in pre}
            for e in candidates:
                item = QtWidgets.QListWidgetItem(_describe(e))
                item.setData(QtCore.Qt.UserRole, e.id)
                item.setFlags(item.flags() | QtCore.Qt.ItemIsUserCheckable)
                item.setCheckState(QtCore.Qt.Checked if e.id in chosen else
                                   QtCore.Qt.Unchecked)
                item.setToolTip(e.name)
                self.input_list.addItem(item)
            rows = min(max(len(candidates), 2), 6)
            self.input_list.setMaximumHeight(self.input_list.sizeHintForRow(0) * rows + 8
                                             if candidates else 60)
            self.input_list.itemChanged.connect(lambda _i: self._count())
            self.input_count = QtWidgets.QLabel()
            self.input_count.setObjectName("input-count")
            box = QtWidgets.QVBoxLayout()
            box.addWidget(self.input_list)
            box.addWidget(self.input_count)
            inputs.addRow("Inputs", box)
        else:
            for i in range(spec.n_inputs[1] or 1):
                box = QtWidgets.QComboBox()
                box.setObjectName(f"input-{i}")
                if i >= spec.n_inputs[0]:
                    box.addItem("(none)", None)
                for e in candidates:
                    box.addItem(_describe(e), e.id)
                if i < len(pre):
                    box.setCurrentIndex(max(box.findData(pre[i].id), 0))
                inputs.addRow(f"Input {i + 1}" if (spec.n_inputs[1] or 1) > 1 else "Input", box)
                self.input_boxes.append(box)
        layout.addLayout(inputs)

        self.editors: dict[str, QtWidgets.QWidget] = {}
        self.param_scroll: QtWidgets.QScrollArea | None = None
        if spec.params:
            form_host = QtWidgets.QWidget()
            form = QtWidgets.QFormLayout(form_host)
            form.setFieldGrowthPolicy(QtWidgets.QFormLayout.AllNonFixedFieldsGrow)
            for p in spec.params:
                ed = _editor(p)
                if values and p.name in values:
                    ed.set_value(values[p.name])
                label = QtWidgets.QLabel(p.title)
                label.setToolTip(p.help)
                form.addRow(label, ed)
                self.editors[p.name] = ed
            self.param_scroll = QtWidgets.QScrollArea()
            self.param_scroll.setObjectName("param-scroll")
            self.param_scroll.setWidgetResizable(True)
            self.param_scroll.setFrameShape(QtWidgets.QFrame.NoFrame)
            self.param_scroll.setWidget(form_host)
            self.param_scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
            layout.addWidget(self.param_scroll, 1)

        self.estimate = QtWidgets.QLabel()
        self.estimate.setObjectName("step-estimate")
        self.estimate.setWordWrap(True)
        layout.addWidget(self.estimate)
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
            what = ", ".join(spec.accepts)
            self.error.setText(f"No open dataset is of a kind this {_what(spec)} accepts "
                               f"({what}). Open one first.")
            buttons.button(QtWidgets.QDialogButtonBox.Ok).setEnabled(False)
        self._count()
        self._estimate_timer = QtCore.QTimer(self, singleShot=True, interval=300)
        self._estimate_timer.timeout.connect(self.update_estimate)
        if spec.estimate is not None:
            for ed in self.editors.values():
                for sig in ("textChanged", "currentTextChanged", "valueChanged",
                            "toggled"):
                    if hasattr(ed, sig):
                        getattr(ed, sig).connect(lambda *_a: self._estimate_timer.start())
            if self.input_list is not None:
                self.input_list.itemChanged.connect(lambda _i: self._estimate_timer.start())
            for box in self.input_boxes:
                box.currentIndexChanged.connect(lambda _i: self._estimate_timer.start())
            self.update_estimate()
        self._fit_screen()

    def _fit_screen(self) -> None:
        """Size to the content, but never beyond the screen (the parameters scroll)."""
        screen = (self.parent().screen() if isinstance(self.parent(), QtWidgets.QWidget)
                  else QtGui.QGuiApplication.primaryScreen())
        avail = screen.availableGeometry() if screen is not None else QtCore.QRect(0, 0, 1366,
                                                                                    768)
        hint = self.sizeHint()
        if self.param_scroll is not None:
            inner = self.param_scroll.widget().sizeHint()
            hint.setHeight(hint.height() + inner.height() - self.param_scroll.sizeHint().height())
        w = min(max(hint.width(), 560), int(avail.width() * 0.9))
        h = min(hint.height(), int(avail.height() * 0.9))
        self.resize(w, h)
        self.setMaximumHeight(avail.height())

    def update_estimate(self) -> None:
        """Say how long a run will take with these inputs and values (the step's own
        estimate, from sizes): long runs are announced before they start."""
        from ..jobs.progress import duration
        from ..plugin_api.lazy import resolve

        if self.spec.estimate is None:
            return
        by_id = {e.id: e for e in self.candidates}
        try:
            datasets = [by_id[i].dataset for i in self.inputs()]
            values = self.spec.schema.resolve(self.raw_values())
            got = resolve(self.spec.estimate)(datasets, values) if datasets else None
        except Exception:  # noqa: BLE001 - a bad value is reported on Run; no guess now
            got = None
        if got is None:
            self.estimate.setText("")
            return
        seconds, hint = got if isinstance(got, tuple) else (float(got), "")
        long = seconds > 60
        text = f"Estimated time on this machine: about {duration(seconds)}."
        if long and hint:
            text += f" {hint}"
        self.estimate.setText(text)
        self.estimate.setStyleSheet("color: #8a5a00; font-weight: bold" if long else
                                    "color: #555")

    def _count(self) -> None:
        if self.input_list is None:
            return
        ids = self.inputs()
        by_id = {e.id: e for e in self.candidates}
        n = sum(len(by_id[i].dataset) if isinstance(by_id[i].dataset, Study) else 1
                for i in ids)
        lo, hi = self.spec.n_inputs
        text = f"{len(ids)} selected, {n} input dataset(s); this {_what(self.spec)} takes " \
               f"{self.spec.n_inputs_text}"
        bad = n < lo or (hi is not None and n > hi)
        self.input_count.setText(text)
        self.input_count.setStyleSheet("color: #b00020" if bad else "")

    def defaults(self) -> None:
        for p in self.spec.params:
            self.editors[p.name].set_value(p.default)

    def raw_values(self) -> dict[str, Any]:
        return {name: ed.value() for name, ed in self.editors.items()}

    def values(self) -> dict[str, Any]:
        """Validated parameter values (raises ParameterError)."""
        return dict(self.prepare().values)

    def prepare(self) -> engine.Prepared:
        """The step with validated values (the only validation of this run)."""
        return engine.prepare(self.spec, self.raw_values())

    def inputs(self) -> list[int]:
        if self.input_list is not None:
            return [self.input_list.item(i).data(QtCore.Qt.UserRole)
                    for i in range(self.input_list.count())
                    if self.input_list.item(i).checkState() == QtCore.Qt.Checked]
        return [b.currentData() for b in self.input_boxes if b.currentData() is not None]

    def accept(self) -> None:
        try:
            self.prepared = self.prepare()
        except ParameterError as exc:
            self.error.setText(str(exc))
            return
        if not self.inputs():
            self.error.setText("Choose the input dataset(s).")
            return
        super().accept()


def _what(spec: Analysis | Transform) -> str:
    return "transform" if isinstance(spec, Transform) else "analysis"
