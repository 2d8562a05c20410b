"""Plugins dialog: Install from wheel / Remove act on the per-user folder, off the GUI
thread, and say that a restart is needed."""

from __future__ import annotations

import pytest

from neurodeck.gui.plugin_dialog import PluginDialog
from neurodeck.plugin_api import installer
from neurodeck.plugin_api.manager import PluginManager


@pytest.fixture
def folder(tmp_path, monkeypatch):
    target = tmp_path / "plugins"
    monkeypatch.setenv("NEURODECK_PLUGIN_DIR", str(target))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    return target


def test_install_and_remove_from_the_dialog(qtbot, folder, make_wheel, tmp_path, monkeypatch):
    wheel = make_wheel(tmp_path, "nd-dialog-plugin", "0.2", {"nd_dialog_plugin.py": ""},
                       plugin=("nddialog", "nd_dialog_plugin"))
    pm = PluginManager()
    pm.discover()
    dialog = PluginDialog(pm)
    qtbot.addWidget(dialog)
    assert dialog.wheel_button.isEnabled() and not dialog.remove_button.isEnabled()

    worker = dialog.install(str(wheel))
    assert not dialog.wheel_button.isEnabled()  # no second install meanwhile
    qtbot.waitUntil(lambda: worker.isFinished() and "Installed" in dialog.status.text(),
                    timeout=60_000)
    assert "nd-dialog-plugin==0.2" in dialog.status.text()
    assert "Restart" in dialog.status.text()
    assert [p.name for p in installer.installed()] == ["nd-dialog-plugin"]

    # After a restart (a fresh manager) it is listed, marked as a user install.
    monkeypatch.setattr("sys.path", list(__import__("sys").path))
    pm2 = PluginManager()
    pm2.discover()
    dialog2 = PluginDialog(pm2)
    qtbot.addWidget(dialog2)
    row = next(r for r in range(dialog2.table.rowCount())
               if dialog2.table.item(r, 1).text() == "nddialog")
    assert dialog2.table.item(row, 4).text() == "nd-dialog-plugin (user)"
    dialog2.table.selectRow(row)
    assert dialog2.remove_button.isEnabled()

    worker = dialog2.remove("nd-dialog-plugin")
    qtbot.waitUntil(lambda: worker.isFinished() and "Removed" in dialog2.status.text(),
                    timeout=60_000)
    assert installer.installed() == []


def test_a_failed_install_is_reported(qtbot, folder, tmp_path):
    dialog = PluginDialog(PluginManager())
    qtbot.addWidget(dialog)
    worker = dialog.install(str(tmp_path / "missing.whl"))
    qtbot.waitUntil(lambda: worker.isFinished() and "Failed" in dialog.status.text(),
                    timeout=30_000)
    assert "no such file" in dialog.status.text()
    assert dialog.wheel_button.isEnabled()
