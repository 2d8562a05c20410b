"""The shell around the views: help, honest progress, warnings shown with results."""

import numpy as np
import pytest
from PySide6 import QtWidgets

import neurodeck
from neurodeck.gui.main_window import MainWindow
from neurodeck.jobs.progress import Progress, duration
from neurodeck.plugin_api import Analysis, hookimpl

pytestmark = pytest.mark.gui


def _warns(inputs, params, progress):
    progress.warn("EM did not converge in 3 iterations (relative change 2e-3 > 1e-6)")
    return {"x": np.zeros(2)}


def _estimate(inputs, params):
    # 2 ms per sample per restart: sizes only, no data read
    seconds = 0.002 * sum(ds.n_times for ds in inputs) * params["restarts"]
    return seconds, "Fewer restarts make it faster."


class WarnPlugin:
    @hookimpl
    def neurodeck_analyses(self):
        from neurodeck.plugin_api import Int

        return [Analysis(id="warns", title="Warns", description="d", accepts=("timeseries",),
                         run=_warns, outputs={"x": "zeros"}, category="Test"),
                Analysis(id="slowish", title="Slowish", description="d",
                         accepts=("timeseries",), run=_warns, outputs={"x": "zeros"},
                         category="Test", estimate=_estimate,
                         params=[Int("restarts", 10, minimum=1)])]


@pytest.fixture
def window(qtbot, neurodeck_plugins):
    neurodeck_plugins.register(WarnPlugin(), "warn-plugin")
    w = MainWindow(neurodeck_plugins)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.jobs.wait_idle(10)


def test_help_has_the_manual_the_keys_and_where_files_live(qtbot, window):
    dialog = window.help("manual")
    pages = [dialog.pages.item(i).text() for i in range(dialog.pages.count())]
    assert pages[0] == "Architecture" and "Writing plugins" in pages and len(pages) >= 8
    assert "Transforms, studies and pipelines" in dialog.browser.toPlainText()
    dialog.tabs.setCurrentIndex(1)
    keys = dialog.tabs.widget(1)
    rows = {keys.item(r, 2).text() for r in range(keys.rowCount())}
    assert any("Undo" in r for r in rows) and any("Open" in r for r in rows)
    files = dialog.tabs.widget(2).findChildren(QtWidgets.QLineEdit)
    assert any(f.text().endswith("settings.json") for f in files)
    assert any(f.text().endswith("neurodeck.log") for f in files)
    dialog.close()


def test_a_warning_of_the_analysis_is_shown_with_its_result_and_logged(qtbot, window,
                                                                        caplog):
    tr = neurodeck.Traces(np.ones((2, 20)), sfreq=1.0)
    entry = window.session.add(tr)
    job = window.run_step(neurodeck.engine.prepare(window.pm.analysis("warns")), [entry.id])
    qtbot.waitUntil(lambda: not job.active, timeout=20000)
    res = max(window.session.entries.values(), key=lambda e: e.id).dataset
    assert res.provenance["warnings"] == res.meta["warnings"] and "converge" in \
        res.meta["warnings"][0]
    banner = window.tabs.currentWidget().findChild(QtWidgets.QLabel, "result-warnings")
    assert banner is not None and "did not converge" in banner.text()
    assert window.current_view() is not window.tabs.currentWidget()  # the view inside
    assert any("did not converge" in r.message for r in caplog.records)


def test_progress_estimates_the_time_left(monkeypatch):
    import neurodeck.jobs.progress as prog

    clock = [100.0]
    monkeypatch.setattr(prog.time, "monotonic", lambda: clock[0])
    p = Progress()
    p.update(0.01)
    assert p.remaining() is None  # too early to say
    clock[0] += 30.0
    p.update(0.25)
    assert p.remaining() == pytest.approx(90.0)
    assert duration(90) == "1 min 30 s" and duration(4.2) == "4.2 s"
    assert duration(3 * 3600 + 65) == "3 h 01 min"


def test_the_open_dialog_remembers_the_last_folder(qtbot, window, tmp_path, monkeypatch):
    seen = []

    def fake(parent, title, start, filt):
        seen.append(start)
        return [str(tmp_path / "a.csv")], ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileNames", fake)
    monkeypatch.setattr(MainWindow, "open_file", lambda self, p, *a, **k: None)
    window.open_dialog()
    window.open_dialog()
    assert seen[1] == str(tmp_path)


def test_a_long_run_is_announced_before_it_starts(qtbot, window):
    tr = neurodeck.Traces(np.ones((2, 5000)), sfreq=100.0)
    window.session.add(tr)
    dialog = window.step_dialog(window.pm.analysis("slowish"))
    assert "about 1 min 40 s" in dialog.estimate.text()
    assert "Fewer restarts" in dialog.estimate.text()
    dialog.editors["restarts"].setValue(1)
    qtbot.waitUntil(lambda: "10 s" in dialog.estimate.text(), timeout=3000)
    assert "Fewer restarts" not in dialog.estimate.text()  # short: no advice needed
    dialog.reject()


def test_a_file_over_the_memory_budget_is_opened_only_if_the_user_agrees(
        qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("NEURODECK_MEMORY_BUDGET", str(200_000))
    path = tmp_path / "big.npz"
    np.savez_compressed(path, traces=np.zeros((4, 100_000)))  # inflates to 3.2 MB
    asked = []
    monkeypatch.setattr(MainWindow, "ask_consent", lambda self, text: asked.append(text)
                        or "no")
    job = window.open_file(path, sfreq=10.0)
    qtbot.waitUntil(lambda: not job.active and bool(asked), timeout=30000)
    assert "more than the budget" in asked[0] and not window.session.entries
    monkeypatch.setattr(MainWindow, "ask_consent", lambda self, text: "yes")
    window.open_file(path, sfreq=10.0)
    qtbot.waitUntil(lambda: bool(window.session.entries), timeout=30000)
    entry = next(iter(window.session.entries.values()))
    assert entry.dataset.n_times == 100_000
    # The consent is not recorded: a saved workspace never carries it.
    assert "memory_budget" not in entry.origin["options"]
    assert "memory_budget" not in window.session.history[-1]["options"]
