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
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.sample)
        form.addRow("Default colour map", self.cmap)
        form.addRow("Recent files to remember", self.recent)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        self.settings.set("pref.open_sample_at_start", self.sample.isChecked())
        self.settings.set("pref.default_colormap", self.cmap.currentText())
        self.settings.set("pref.recent_limit", self.recent.value())
        super().accept()
