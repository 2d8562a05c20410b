"""Edit > Preferences: a few per-user choices, saved in the settings file."""

from __future__ import annotations

from PySide6 import QtWidgets

from ..settings import Settings
from .widgets.base import COLORMAPS

DEFAULTS = {"open_sample_at_start": True, "default_colormap": "RdBu_r", "recent_limit": 10}


def pref(settings: Settings, key: str):
    return settings.get(f"pref.{key}", DEFAULTS[key])


class PrefsDialog(QtWidgets.QDialog):
    def __init__(self, settings: Settings, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Preferences")
        self.sample = QtWidgets.QCheckBox("Open sample data when started without a file")
        self.sample.setChecked(bool(pref(settings, "open_sample_at_start")))
        self.cmap = QtWidgets.QComboBox()
        self.cmap.addItems(COLORMAPS)
        self.cmap.setCurrentText(str(pref(settings, "default_colormap")))
        self.recent = QtWidgets.QSpinBox()
        self.recent.setRange(1, 50)
        self.recent.setValue(int(pref(settings, "recent_limit")))
        from ..safety.policy import default_policy

        pol = default_policy()
        self.budget = QtWidgets.QDoubleSpinBox()
        self.budget.setObjectName("pref-memory-budget")
        self.budget.setRange(0.1, 4096.0)
        self.budget.setDecimals(1)
        self.budget.setSuffix(" GiB")
        self.budget.setValue(pol.memory_budget / 2**30)
        self.budget.setToolTip("Files that would need more memory than this are not read "
                               "whole: neurodeck asks first (default: 1/8 of this machine's "
                               "memory)")
        self.timeout = QtWidgets.QSpinBox()
        self.timeout.setObjectName("pref-probe-timeout")
        self.timeout.setRange(1, 3600)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(int(pol.timeout_s))
        self.timeout.setToolTip("A file whose first safe opening (in a separate worker) "
                                "takes longer is refused as hanging")
        self._initial = (self.budget.value(), self.timeout.value())
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.sample)
        form.addRow("Default colour map", self.cmap)
        form.addRow("Recent files to remember", self.recent)
        form.addRow("Memory budget per file", self.budget)
        form.addRow("Time limit to check a file", self.timeout)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        self.settings.set("pref.open_sample_at_start", self.sample.isChecked())
        self.settings.set("pref.default_colormap", self.cmap.currentText())
        self.settings.set("pref.recent_limit", self.recent.value())
        if self.budget.value() != self._initial[0]:  # else the default keeps following RAM
            self.settings.set("memory_budget", int(self.budget.value() * 2**30))
        if self.timeout.value() != self._initial[1]:
            self.settings.set("probe_timeout_s", float(self.timeout.value()))
        super().accept()
