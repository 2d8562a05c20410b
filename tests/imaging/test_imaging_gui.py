"""In the real main window: open a suite2p folder, curate two ROIs in the imaging view,
undo one, run dF/F then NTF, save the workspace, and reopen it with the curation kept.

Screenshots of each stage are written to ``$NEURODECK_SHOTS`` when it is set (the
imaging issue's report describes them); the assertions do not depend on them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from neurodeck_imaging.movie_view import MovieView
from neurodeck_imaging.view import ImagingView
from PySide6 import QtCore, QtGui, QtWidgets

from neurodeck import engine
from neurodeck.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, neurodeck_plugins):
    w = MainWindow(neurodeck_plugins)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    yield w
    w.jobs.wait_idle(10)


def _wait(qtbot, job):
    qtbot.waitUntil(lambda: job is None or not job.active, timeout=60000)
    assert job is None or job.status == "done", job.error


def _shot(widget: QtWidgets.QWidget, name: str) -> None:
    folder = os.environ.get("NEURODECK_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def _imaging_view(window) -> ImagingView:
    view = window.tabs.currentWidget()
    found = view if isinstance(view, ImagingView) else view.findChild(ImagingView)
    assert found is not None
    return found


def _click_roi(qtbot, view: ImagingView, k: int) -> None:
    """A real mouse click on ROI k's centre pixel in the image."""
    y, x, _ = view.plane.rois.pixels(k)
    row, col = np.median(y), np.median(x)
    if view.roi_at(row, col) != k:  # the median may fall outside a crescent: any own pixel
        row, col = next((r, c) for r, c in zip(y, x, strict=True) if view.roi_at(r, c) == k)
    scene = view.vb.mapViewToScene(QtCore.QPointF(col + 0.5, row + 0.5))
    pos = view.glw.mapFromScene(scene)
    qtbot.mouseClick(view.glw.viewport(), QtCore.Qt.LeftButton, pos=pos)


def test_curate_undo_dff_ntf_and_the_workspace_keeps_the_curation(qtbot, window, s2p,
                                                                  tmp_path, neurodeck_plugins):
    _wait(qtbot, window.open_file(s2p))
    study = max(window.session.entries.values(), key=lambda e: e.id)
    assert study.dataset.kind == "study" and study.dataset.keys()[0] == "plane0"
    _wait(qtbot, window.open_member(study.id, "plane0"))
    entry = max(window.session.entries.values(), key=lambda e: e.id)
    plane = entry.dataset
    view = _imaging_view(window)
    qtbot.waitExposed(view)
    before = plane.iscell
    _shot(window, "1-opened")

    not_cell = int(np.flatnonzero(~before)[0])
    _click_roi(qtbot, view, not_cell)
    assert view.selected == not_cell and view.table.currentRow() == not_cell
    qtbot.keyClick(view, QtCore.Qt.Key_C)  # the shortcut
    assert plane.iscell[not_cell]
    cell = int(plane.cells[0])
    _click_roi(qtbot, view, cell)
    view.toggle_button.click()
    assert not plane.iscell[cell]
    assert view.status.text().startswith(f"{before.sum()} cells")  # +1 -1
    _shot(window, "2-curated")

    undo = window.menuBar().findChild(QtGui.QAction, "action-undo")
    assert "cell" in undo.text().lower()
    undo.trigger()  # the second toggle only
    assert plane.iscell[cell] and plane.iscell[not_cell]
    assert view.table.item(cell, 1).text() == "yes"  # the view followed the undo
    curated = plane.iscell

    pm = window.pm
    _wait(qtbot, window.run_step(engine.prepare(pm.transform("dff"), {"window_s": 20.0}),
                                 [entry.id]))
    dff = max(window.session.entries.values(), key=lambda e: e.id)
    assert dff.parent == entry.id and dff.dataset.n_rows == int(curated.sum())
    assert dff.dataset.meta["roi_index"] == np.flatnonzero(curated).tolist()
    _wait(qtbot, window.run_step(engine.prepare(pm.analysis("ntf"), {
        "rank": [1, 2], "n_restarts": 1, "max_iter": 20}), [dff.id]))
    ntf = max(window.session.entries.values(), key=lambda e: e.id)
    assert ntf.dataset.is_a("result") and ntf.parent == dff.id
    _shot(window, "3-ntf")

    path = window.workspace_actions.save(tmp_path / "imaging.ndws")
    other = MainWindow(neurodeck_plugins)
    qtbot.addWidget(other)
    other.resize(1366, 768)
    other.show()
    done = []
    _wait(qtbot, other.workspace_actions.open(path, on_done=done.append))
    assert done and done[0].problems == []
    planes = [e.dataset for e in other.session.entries.values() if e.dataset.is_a("imaging")]
    assert len(planes) == 1
    np.testing.assert_array_equal(planes[0].iscell, curated)
    restored_dff = [e.dataset for e in other.session.entries.values()
                    if e.dataset.meta.get("roi_index") is not None]
    assert restored_dff and restored_dff[0].meta["roi_index"] == np.flatnonzero(curated).tolist()
    plane_entry = next(e for e in other.session.entries.values() if e.dataset.is_a("imaging"))
    other.show_entry(plane_entry.id)
    restored_view = _imaging_view(other)
    assert restored_view.status.text().startswith(f"{int(curated.sum())} cells")
    _shot(other, "4-reopened")
    other.jobs.wait_idle(10)


def test_movie_player_plays_and_overlays_rois(qtbot, tmp_path, s2p, neurodeck_plugins):
    import tifffile

    import neurodeck

    rng = np.random.default_rng(0)
    frames = rng.integers(100, 2000, (120, 64, 64), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "m.tif", frames, imagej=True, metadata={"fps": 30.0})  # CYX
    movie = neurodeck.open(tmp_path / "m.tif")
    view = MovieView(movie)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    view.slider.setValue(57)
    np.testing.assert_array_equal(view.image.image, frames[57])
    lo, hi = view.levels
    assert lo < hi
    view.load_rois(s2p / "plane0")
    assert view.rois is not None and view.overlay.image is not None
    view.play_button.setChecked(True)
    qtbot.waitUntil(lambda: view.index > 70, timeout=10000)
    view.play_button.setChecked(False)
    assert not view.timer.isActive()
    _shot(view, "5-movie")
