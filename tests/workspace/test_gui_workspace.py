"""The GUI side: File menu actions, save/open with views, export vs the GUI's results,
autosave and the recovery prompt, and the batch dialog."""

import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

from neurodeck.data.result import Result
from neurodeck.gui.batch_dialog import BatchDialog
from neurodeck.gui.main_window import MainWindow
from neurodeck.workspace import export_script
from neurodeck.workspace.autosave import autosave_dir

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, neurodeck_plugins):
    w = MainWindow(neurodeck_plugins)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.jobs.wait_idle(10)


def _wait(qtbot, job):
    qtbot.waitUntil(lambda: job.status != "running", timeout=60000)
    assert job.status == "done", job.error


def _gui_session(qtbot, window, data_dir):
    """Open the EEG copy, mark channels bad as the browser does, run FC twice."""
    _wait(qtbot, window.open_file(data_dir / "eegmmidb_S001R04.edf"))
    rec = window.session.entries[1].dataset
    spec = window.pm.analysis("fc")
    _wait(qtbot, window.run_analysis(spec, [1], spec.schema.resolve({"tmax": 30})))
    rec.bads = ["Fp1.", "Fpz.", "Fp2."]
    _wait(qtbot, window.run_analysis(spec, [1], spec.schema.resolve(
        {"tmax": 30, "method": "partial"})))


def test_file_menu_has_the_actions(window):
    for name in ("action-open-workspace", "action-save-workspace", "action-export-script",
                 "action-batch"):
        assert window.menuBar().findChild(QtGui.QAction, name) is not None, name


def test_exported_script_reproduces_the_gui_results(qtbot, window, data_dir, tmp_path):
    _gui_session(qtbot, window, data_dir)
    script = window.workspace_actions.export(tmp_path / "s.py")
    outputs = export_script(window.session.history).outputs
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert sorted(outputs) == [2, 3]
    for entry_id, name in outputs.items():
        gui = window.session.entries[entry_id].dataset
        script_result = Result.load(tmp_path / "out" / name)
        assert list(script_result["labels"]) == list(gui["labels"])
        np.testing.assert_allclose(script_result["matrix"], gui["matrix"], rtol=1e-12,
                                   atol=1e-15)
    assert window.session.entries[3].dataset["matrix"].shape == (61, 61)  # bads applied


def test_save_and_open_restores_entries_and_views(qtbot, window, data_dir, tmp_path,
                                                  neurodeck_plugins):
    _gui_session(qtbot, window, data_dir)
    n_tabs = window.tabs.count()
    path = window.workspace_actions.save(tmp_path / "w.ndws")
    other = MainWindow(neurodeck_plugins)
    qtbot.addWidget(other)
    done = []
    job = other.workspace_actions.open(path, on_done=done.append)
    _wait(qtbot, job)
    assert done and done[0].problems == []
    assert sorted(other.session.entries) == [1, 2, 3]
    assert other.session.entries[1].dataset.bads == ["Fp1.", "Fpz.", "Fp2."]
    assert other.tabs.count() == n_tabs
    assert [other.tabs.widget(i).property("entry_id") for i in range(n_tabs)] == [
        window.tabs.widget(i).property("entry_id") for i in range(n_tabs)]
    assert type(other.tabs.widget(n_tabs - 1)) is type(window.tabs.widget(n_tabs - 1))
    np.testing.assert_array_equal(other.session.entries[3].dataset["matrix"],
                                  window.session.entries[3].dataset["matrix"])
    assert other.data_panel.topLevelItemCount() == 1


def test_view_layout_inside_a_tab_is_restored(qtbot, window, data_dir, tmp_path,
                                              neurodeck_plugins):
    _wait(qtbot, window.open_file(data_dir / "eegmmidb_S001R04.edf"))
    browser = window.current_view()
    assert hasattr(browser, "state")
    state = {**browser.state(), "t0": 40.0, "n_visible": 12}
    browser.restore_state(state)
    saved = browser.state()
    path = window.workspace_actions.save(tmp_path / "layout.ndws")
    other = MainWindow(neurodeck_plugins)
    qtbot.addWidget(other)
    _wait(qtbot, other.workspace_actions.open(path))
    restored = other.current_view().state()
    assert restored["t0"] == pytest.approx(saved["t0"])
    assert restored["n_visible"] == saved["n_visible"] and restored["mode"] == saved["mode"]


def test_autosave_then_crash_is_offered_for_recovery(qtbot, window, data_dir,
                                                     neurodeck_plugins):
    _wait(qtbot, window.open_file(data_dir / "eegmmidb_S001R04.edf"))
    saved = window.workspace_actions.autosave()
    assert saved is not None and saved.parent == autosave_dir()
    # Pretend the process that wrote it died: rename to a pid that is not running.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    crashed = saved.with_name(f"autosave-{dead.pid}.ndws")
    saved.rename(crashed)
    assert not saved.with_name(saved.name + ".d").exists()  # no results yet: no folder
    fresh = MainWindow(neurodeck_plugins)
    qtbot.addWidget(fresh)
    qtbot.waitUntil(lambda: fresh.findChild(QtWidgets.QMessageBox, "recover-box") is not None)
    box = fresh.findChild(QtWidgets.QMessageBox, "recover-box")
    box.button(QtWidgets.QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: 1 in fresh.session.entries, timeout=30000)
    fresh.jobs.wait_idle(10)
    assert fresh.session.entries[1].name == "eegmmidb_S001R04.edf"
    qtbot.waitUntil(lambda: not crashed.exists())
    # A clean close removes this window's own autosave.
    window.workspace_actions.autosave()
    own = window.workspace_actions.autosaver.path
    window.close()
    assert not own.exists()


def test_batch_dialog_shows_each_input(qtbot, window, data_dir, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.csv").write_bytes((data_dir / "nitime_rest_roi_timeseries.csv")
                                             .read_bytes())
        (folder / f"{name}.json").write_bytes((data_dir / "nitime_rest_roi_timeseries.json")
                                              .read_bytes())
    (folder / "c.csv").write_text("broken\n")
    dialog = window.workspace_actions.batch_dialog()
    assert isinstance(dialog, BatchDialog)
    dialog.processes = False
    dialog.analysis.setCurrentIndex(dialog.analysis.findData("fc"))
    dialog.folder.setText(str(folder))
    dialog.pattern.setText("*.csv")
    dialog.workers.setValue(2)
    dialog.editors["fisher_z"].setChecked(True)
    with qtbot.waitSignal(dialog.finished, timeout=60000) as sig:
        dialog.run_button.click()
    report = sig.args[0]
    assert [i.status for i in report.items] == ["ok", "ok", "failed"]
    assert [dialog.state_of(folder / n) for n in ("a.csv", "b.csv", "c.csv")] == [
        "ok", "ok", "failed"]
    assert Result.load(tmp_path / "many" / "neurodeck-batch" / "a.h5").provenance[
        "parameters"]["fisher_z"] is True
    assert dialog.table.cellWidget(0, 2).value() == 1000
