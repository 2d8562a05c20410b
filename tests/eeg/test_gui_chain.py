"""Clicked through in the main window: open an EDF, set the montage, filter, epoch,
average, and look at the evoked view's topographic maps; a long chain keeps the window
responsive and cancels. Screenshots of each dialog and view at 1366x768 go to
$NEURODECK_SHOTS when that is set (for looking at them)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from neurodeck.gui.main_window import MainWindow
from neurodeck.gui.param_dialog import ParamDialog

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SCREEN = QtCore.QSize(1366, 768)


@pytest.fixture
def window(qtbot, neurodeck_plugins):
    w = MainWindow(neurodeck_plugins)
    qtbot.addWidget(w)
    w.resize(SCREEN)
    w.show()
    yield w
    w.jobs.wait_idle(10)


def _shot(widget: QtWidgets.QWidget, name: str) -> None:
    folder = os.environ.get("NEURODECK_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def _wait(qtbot, job):
    qtbot.waitUntil(lambda: not job.active, timeout=120_000)
    assert job.status == "done", job.error


def _newest(window):
    return max(window.session.entries.values(), key=lambda e: e.id)


def _transform(qtbot, window, step_id: str, **texts) -> object:
    """Transforms > <step>: fill the dialog's boxes, press OK, wait for the new entry."""
    act = window.menuBar().findChild(QtGui.QAction, f"transform-{step_id}")
    assert act is not None, step_id
    before = len(window.session.entries)
    act.trigger()
    dialog = window.findChild(ParamDialog, f"dialog-transform-{step_id}")
    qtbot.waitUntil(dialog.isVisible)
    size = dialog.frameGeometry().size()
    assert size.width() <= SCREEN.width() and size.height() <= SCREEN.height()
    for name, value in texts.items():
        editor = dialog.editors[name]
        if isinstance(editor, QtWidgets.QComboBox):
            editor.setCurrentText(value)
        elif isinstance(editor, QtWidgets.QCheckBox):
            editor.setChecked(bool(value))
        else:
            editor.setText(str(value))
    _shot(dialog, f"dialog-{step_id}")
    dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: len(window.session.entries) > before, timeout=120_000)
    return _newest(window)


def test_edf_to_filter_epochs_evoked_view_and_topomaps(qtbot, window, motor_edf):
    _wait(qtbot, window.open_file(motor_edf))
    raw = _newest(window)
    window.data_panel.select(raw.id)
    montaged = _transform(qtbot, window, "set-montage", montage="standard_1005",
                          standardize=True)
    filt = _transform(qtbot, window, "filter", l_freq="1", h_freq="40")
    assert filt.parent == montaged.id and filt.dataset.raw.info["lowpass"] == 40.0
    _shot(window, "window-filtered-browser")
    epochs = _transform(qtbot, window, "epochs", tmin="-0.2", tmax="0.6",
                        reject="eeg=250e-6")
    assert epochs.dataset.is_a("epochs") and epochs.parent == filt.id
    view = window.current_view()
    assert type(view).__name__ == "EpochsImageView"
    _shot(window, "window-epochs-image")
    evoked = _transform(qtbot, window, "average")
    view = window.current_view()
    assert type(view).__name__ == "EvokedView"
    assert view.maps is not None and view.maps.message is None and view.maps.images
    ev = evoked.dataset.evokeds[0]
    t = view.chosen()[0]
    k = int(np.argmin(np.abs(ev.times - t)))
    np.testing.assert_allclose(view.maps.maps[0][1], ev.data[:, k] * 1e6)
    _shot(window, "window-evoked")
    ops = [h["op"] for h in window.session.history]
    assert ops == ["open", "transform", "transform", "transform", "transform"]
    window.undo()  # the average leaves, its view closes
    assert evoked.id not in window.session.entries


def test_a_long_chain_reports_progress_keeps_the_window_responsive_and_cancels(
        qtbot, window, tmp_path):
    import mne

    rng = np.random.default_rng(0)
    info = mne.create_info([f"E{i}" for i in range(32)], 500.0, "eeg")
    raw = mne.io.RawArray(rng.normal(size=(32, 500 * 600)) * 1e-5, info, verbose="error")
    path = tmp_path / "long_raw.fif"
    raw.save(path, verbose="error")
    _wait(qtbot, window.open_file(path))
    from .conftest import T

    chain = T("notch", T("filter", _newest(window).dataset, l_freq=0.5, h_freq=40.0),
              freqs="50")
    entry = window.session.add(chain, parent=_newest(window).id)
    from neurodeck import engine

    from .conftest import mne_spec

    step = engine.prepare(mne_spec("transform", "epochs"), {"tmin": -0.5, "tmax": 1.0})
    events = mne.make_fixed_length_events(raw, duration=1.0)
    chain.raw.set_annotations(mne.Annotations(events[:, 0] / 500.0, 0.0, "tick"))
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    job = window.run_step(step, [entry.id])
    qtbot.waitUntil(lambda: job.progress.fraction > 0.05, timeout=60_000)
    t0 = time.monotonic()
    button = window.jobs_panel.findChild(QtWidgets.QPushButton, f"cancel-job-{job.id}")
    button.click()
    qtbot.waitUntil(lambda: job.status in ("cancelled", "abandoned"), timeout=10_000)
    assert time.monotonic() - t0 < 5.0
    timer.stop()
    gaps = np.diff(ticks)
    assert len(ticks) > 10 and gaps.max() < 1.0, gaps.max()  # never frozen for a second
    assert not any(e.dataset.is_a("epochs") for e in window.session.entries.values())
    assert not chain.raw.preload
