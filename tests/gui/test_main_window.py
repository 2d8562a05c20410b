"""End-to-end GUI workflows, clicked through offscreen with pytest-qt."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

from neurodeck.gui.main_window import MainWindow
from neurodeck.gui.param_dialog import ParamDialog
from neurodeck.gui.views import ArraysView
from neurodeck.plugin_api import Analysis, Float, View, hookimpl

pytestmark = pytest.mark.gui


def _slow(inputs, params, progress):
    t0 = time.monotonic()
    while time.monotonic() - t0 < params["seconds"]:
        progress.update((time.monotonic() - t0) / params["seconds"], "working")
        time.sleep(0.01)
    return {"x": np.zeros(1)}


def _boom(inputs, params, progress):
    return 1 / 0


class BrokenView:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("view is broken")


class TestPlugin:
    @hookimpl
    def neurodeck_analyses(self):
        common = dict(description="test", accepts=("traces",), category="Test")
        return [Analysis(id="slow", title="Slow", run=_slow,
                         params=[Float("seconds", 30.0)], **common),
                Analysis(id="boom", title="Boom", run=_boom, **common)]

    @hookimpl
    def neurodeck_views(self):
        return [View(id="broken", title="Broken", accepts=("result:slow",), widget=BrokenView,
                     priority=100)]


@pytest.fixture
def window(qtbot, neurodeck_plugins):
    neurodeck_plugins.register(TestPlugin(), "test-plugin")
    w = MainWindow(neurodeck_plugins)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.jobs.wait_idle(5)


@pytest.fixture
def traces_file(tmp_path):
    rng = np.random.default_rng(11)
    data = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))
    path = tmp_path / "cells.csv"
    np.savetxt(path, np.column_stack([np.arange(300) / 5, data]), delimiter=",",
               header="time,AVAL,AVAR,RIML,RIMR,SMDV", comments="")
    return path, data.T


def _open(qtbot, window, path):
    job = window.open_file(path)
    qtbot.waitUntil(lambda: job.status == "done", timeout=30000)
    return next(e for e in window.session.entries.values() if str(e.dataset.source) == str(path))


def _dialog(qtbot, window, analysis_id) -> ParamDialog:
    window.menuBar().findChild(QtGui.QAction, f"analysis-{analysis_id}").trigger()
    dialog = window.findChild(ParamDialog, f"dialog-{analysis_id}")
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_open_run_from_menu_view_save_export(qtbot, window, traces_file, tmp_path):
    path, data = traces_file
    entry = _open(qtbot, window, path)
    assert window.data_panel.current_entry().id == entry.id
    dialog = _dialog(qtbot, window, "fc")
    dialog.editors["method"].setCurrentText("pearson")
    dialog.editors["tmin"].setText("10")
    dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: any(e.dataset.is_a("result") for e in window.session.entries.values()),
                    timeout=30000)
    result_entry = next(e for e in window.session.entries.values() if e.dataset.is_a("result"))
    assert result_entry.parent == entry.id
    view = window.current_view()
    assert type(view).__name__ == "ConnectivityView"
    np.testing.assert_allclose(view.matrix, np.corrcoef(data[:, 50:]), atol=1e-10)
    assert view.row_labels == ["AVAL", "AVAR", "RIML", "RIMR", "SMDV"]
    view.set_clustered(True)
    rows, cols, shown = view.values_table()
    order = [view.row_labels.index(r) for r in rows]
    np.testing.assert_allclose(shown, view.matrix[np.ix_(order, order)])
    png = window.export_figure(tmp_path / "fc.png")
    svg = window.export_figure(tmp_path / "fc.svg")
    assert png.stat().st_size > 5000 and b"<svg" in svg.read_bytes()[:500]
    saved = window.save_result(result_entry.id, tmp_path / "fc.h5")
    from neurodeck import Result

    assert Result.load(saved).provenance["parameters"]["tmin"] == 10.0
    ops = [h["op"] for h in window.session.history]
    assert ops == ["open", "run", "save"]


def test_dialog_validates_and_stays_open(qtbot, window, traces_file):
    _open(qtbot, window, traces_file[0])
    dialog = _dialog(qtbot, window, "fc")
    dialog.editors["tmin"].setText("abc")
    dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok).click()
    assert dialog.isVisible() and "not a number" in dialog.error.text()
    dialog.defaults()
    assert dialog.editors["tmin"].text() == ""
    dialog.reject()


def test_cancel_stops_a_running_job_within_a_second(qtbot, window, traces_file):
    entry = _open(qtbot, window, traces_file[0])
    spec = window.pm.analysis("slow")
    job = window.run_analysis(spec, [entry.id], spec.schema.resolve({}))
    qtbot.waitUntil(lambda: job.progress.fraction > 0, timeout=10000)
    button = window.jobs_panel.findChild(QtWidgets.QPushButton, f"cancel-job-{job.id}")
    t0 = time.monotonic()
    button.click()
    qtbot.waitUntil(lambda: job.status == "cancelled", timeout=3000)
    assert time.monotonic() - t0 < 1.0
    assert job.error == "cancelled"  # the job itself stopped (not abandoned)
    assert not any(e.dataset.is_a("result") for e in window.session.entries.values())


def test_failing_job_reports_traceback_and_app_keeps_working(qtbot, window, traces_file):
    entry = _open(qtbot, window, traces_file[0])
    job = window.run_analysis(window.pm.analysis("boom"), [entry.id], {})
    qtbot.waitUntil(lambda: job.status == "failed", timeout=10000)
    assert "ZeroDivisionError" in job.error and "_boom" in job.traceback
    box = window.findChild(QtWidgets.QMessageBox, "error-box")
    assert box is not None and box.isVisible() and "ZeroDivisionError" in box.detailedText()
    spec = window.pm.analysis("fc")
    ok = window.run_analysis(spec, [entry.id], spec.schema.resolve({}))
    qtbot.waitUntil(lambda: ok.status == "done", timeout=30000)


def test_broken_view_falls_back_to_the_generic_view(qtbot, window, traces_file):
    entry = _open(qtbot, window, traces_file[0])
    spec = window.pm.analysis("slow")
    job = window.run_analysis(spec, [entry.id], spec.schema.resolve({"seconds": 0.05}))
    qtbot.waitUntil(lambda: job.status == "done", timeout=10000)
    assert isinstance(window.current_view(), ArraysView)


def test_unreadable_file_shows_error_and_keeps_other_datasets(qtbot, window, traces_file,
                                                                tmp_path):
    _open(qtbot, window, traces_file[0])
    bad = tmp_path / "corrupt.edf"
    bad.write_bytes(b"\x00garbage" * 50)
    job = window.open_file(bad)
    qtbot.waitUntil(lambda: job.status == "failed", timeout=30000)
    assert "corrupt.edf" in job.error
    assert len(window.session.entries) == 1


def test_plugin_manager_dialog_lists_and_disables(qtbot, window):
    dialog = window.plugin_dialog()
    names = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert {"fc", "mne", "tables", "test-plugin"} <= names
    dialog.findChild(QtWidgets.QCheckBox, "enable-fc").setChecked(False)
    assert "fc" in window.pm.settings.disabled_plugins
    dialog.close()


def test_gui_start_imports_no_heavy_library_and_exits_cleanly(tmp_path):
    code = (
        "import sys, time; t = time.perf_counter();"
        "from neurodeck.gui.app import create_app, build_window;"
        "app = create_app(); w = build_window(open_sample=False); w.show(); app.processEvents();"
        "print(round(time.perf_counter() - t, 3));"
        "print([m for m in ('mne', 'nilearn', 'torch', 'sklearn', 'tensorly') "
        "if m in sys.modules])")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "NEURODECK_CONFIG_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[1] == "[]"


def test_app_starts_on_sample_data_and_quits(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "NEURODECK_CONFIG_DIR": str(tmp_path),
           "NEURODECK_QUIT_WHEN_IDLE": "1"}
    out = subprocess.run([sys.executable, "-m", "neurodeck"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    recent = (tmp_path / "settings.json").read_text()
    assert "eegmmidb_S001R04.edf" in recent  # the bundled sample was opened


def test_drop_a_file_opens_it_and_recent_menu_lists_it(qtbot, window, traces_file):
    from PySide6 import QtCore

    path, _ = traces_file
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    pos = QtCore.QPointF(50, 50)
    drop = QtGui.QDropEvent(pos, QtCore.Qt.CopyAction, mime, QtCore.Qt.LeftButton,
                            QtCore.Qt.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: len(window.session.entries) == 1, timeout=30000)
    window._fill_recent()
    assert str(path.resolve()) in [a.text() for a in window.recent_menu.actions()]


def test_ambiguous_file_asks_which_array_then_opens(qtbot, window, tmp_path):
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(4, 50)), rng.normal(size=(6, 50))
    path = tmp_path / "two_arrays.npz"
    np.savez(path, first=a, second=b)
    job = window.open_file(path)
    dialog = None

    def asked():
        nonlocal dialog
        dialog = window.findChild(QtWidgets.QDialog, "layout-dialog")
        return dialog is not None and dialog.isVisible()

    qtbot.waitUntil(asked, timeout=30000)
    assert job.status == "cancelled" and not window.session.entries
    keys = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    dialog.table.selectRow(keys.index("second"))
    dialog.sfreq.setText("20")
    dialog.accept()
    qtbot.waitUntil(lambda: len(window.session.entries) == 1, timeout=30000)
    ds = next(iter(window.session.entries.values())).dataset
    np.testing.assert_array_equal(ds.data, b)
    assert ds.sfreq == 20.0
