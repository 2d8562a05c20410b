"""Edit > Undo / Redo in the real main window round-trips every browser edit, and the open
browser shows each state at once (one test per kind of edit, real mouse where the
gesture is the point)."""

import mne
import numpy as np
import pytest
from neurodeck_browser.browser import BrowserView
from PySide6 import QtCore, QtTest, QtWidgets

from neurodeck.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def opened(qtbot, neurodeck_plugins, tmp_path):
    """The main window with a FIF recording open in the browser."""
    rng = np.random.default_rng(1)
    info = mne.create_info([f"C{i}" for i in range(8)], 250.0, "eeg")
    raw = mne.io.RawArray(rng.standard_normal((8, 250 * 60)).cumsum(axis=1) * 1e-6, info,
                          verbose=False)
    raw.set_annotations(mne.Annotations([2.0, 6.0], [1.0, 0.0], ["blink", "T1"]))
    path = tmp_path / "rec_raw.fif"
    raw.save(path, verbose=False)
    window = MainWindow(neurodeck_plugins)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    job = window.open_file(path)
    qtbot.waitUntil(lambda: job.status == "done", timeout=30000)
    view = window.current_view()
    assert isinstance(view, BrowserView)
    qtbot.waitUntil(lambda: view.page is not None, timeout=5000)
    view.setFocus()
    yield window, view, view.obj
    window.jobs.wait_idle(5)


def _pos(view, t, lane):
    return view.glw.mapFromScene(view.plot.vb.mapViewToScene(QtCore.QPointF(t, lane)))


def _drag(qtbot, view, a, b, shift=False):
    vp = view.glw.viewport()
    mod = QtCore.Qt.ShiftModifier if shift else QtCore.Qt.NoModifier
    move = QtTest.QTest.MouseAction.MouseMove
    QtTest.QTest.mouseEvent(move, vp, QtCore.Qt.NoButton, mod, a)
    qtbot.wait(20)
    qtbot.mousePress(vp, QtCore.Qt.LeftButton, mod, a)
    for k in range(1, 11):
        QtTest.QTest.mouseEvent(move, vp, QtCore.Qt.LeftButton, mod, a + (b - a) * (k / 10))
        qtbot.wait(20)  # pyqtgraph drops mouse moves faster than its rate limit
    qtbot.mouseRelease(vp, QtCore.Qt.LeftButton, mod, b)


def _undo_redo(qtbot, window, label, before, after, shown):
    """Edit > Undo names the edit and restores ``before`` (and the view shows it), Redo
    brings ``after`` back."""
    assert window.undo_action.text() == f"&Undo {label}"
    window.undo_action.trigger()
    assert before() and shown(before=True)
    assert window.redo_action.text() == f"&Redo {label}"
    window.redo_action.trigger()
    assert after() and shown(before=False)


def _ticks(view):
    return dict(view.plot.getAxis("left")._tickLevels[0])


def test_mark_a_bad_channel_by_clicking_then_undo_redo(qtbot, opened):
    window, view, rec = opened
    qtbot.mouseClick(view.glw.viewport(), QtCore.Qt.LeftButton, pos=_pos(view, 5.0, 3.0))
    qtbot.waitUntil(lambda: rec.bads == ["C3"], timeout=3000)
    assert _ticks(view)[3] == "\u2717 C3"
    _undo_redo(qtbot, window, "Mark bad channel", lambda: rec.bads == [],
               lambda: rec.bads == ["C3"],
               lambda before: (_ticks(view)[3] == "C3") == before
               and (3 in view.trace_image.params.bads) != before)


def test_unmark_a_bad_channel_then_undo_redo(qtbot, opened):
    window, view, rec = opened
    view.toggle_bad(5)
    view.toggle_bad(5)
    assert rec.bads == []
    _undo_redo(qtbot, window, "Unmark bad channel", lambda: rec.bads == ["C5"],
               lambda: rec.bads == [],
               lambda before: (_ticks(view)[5] == "\u2717 C5") == before)


def _spans(view):
    return sorted(tuple(round(v, 2) for v in r.getRegion()) for r in view.annotations.regions)


def test_add_an_annotation_inside_another_then_undo_redo(qtbot, opened):
    window, view, rec = opened
    view.set_annotating(True)
    _drag(qtbot, view, _pos(view, 2.2, 2.0), _pos(view, 2.8, 2.0))  # inside "blink"
    qtbot.waitUntil(lambda: len(rec.events) == 3, timeout=3000)
    assert rec.events.onset[0] == 2.0  # the drag did not move blink
    _undo_redo(qtbot, window, "Add annotation", lambda: rec.events.label == ["blink", "T1"],
               lambda: rec.events.label == ["blink", "BAD_", "T1"],
               lambda before: (len(view.annotations.regions) == 2) == before)


def test_move_an_annotation_with_shift_drag_then_undo_redo(qtbot, opened):
    window, view, rec = opened
    view.set_annotating(True)
    _drag(qtbot, view, _pos(view, 2.5, 2.0), _pos(view, 4.5, 2.0), shift=True)
    qtbot.waitUntil(lambda: rec.events.onset[0] != 2.0, timeout=3000)
    moved = float(rec.events.onset[0])
    assert moved == pytest.approx(4.0, abs=0.1) and rec.events.duration[0] == 1.0
    assert "Moved annotation 'blink' from 2.000 s" in view.status.text()  # never silent
    _undo_redo(qtbot, window, "Move annotation", lambda: rec.events.onset[0] == 2.0,
               lambda: rec.events.onset[0] == moved,
               lambda before: (_spans(view)[0] == (2.0, 3.0)) == before)


def test_resize_an_annotation_by_its_edge_then_undo_redo(qtbot, opened):
    window, view, rec = opened
    view.set_annotating(True)
    _drag(qtbot, view, _pos(view, 3.0, 2.0), _pos(view, 4.0, 2.0))  # blink's right edge
    qtbot.waitUntil(lambda: rec.events.duration[0] != 1.0, timeout=3000)
    assert rec.events.onset[0] == 2.0 and rec.events.duration[0] == pytest.approx(2.0, abs=0.1)
    assert len(rec.events) == 2  # the edge resized it; nothing was added
    _undo_redo(qtbot, window, "Resize annotation", lambda: rec.events.duration[0] == 1.0,
               lambda: rec.events.duration[0] != 1.0,
               lambda before: (_spans(view)[0] == (2.0, 3.0)) == before)


def test_rename_an_annotation_by_double_click_then_undo_redo(qtbot, opened, monkeypatch):
    window, view, rec = opened
    view.set_annotating(True)
    monkeypatch.setattr(QtWidgets.QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("saccade", True)))
    vp, at = view.glw.viewport(), _pos(view, 2.5, 2.0)
    qtbot.mouseClick(vp, QtCore.Qt.LeftButton, pos=at)  # a double click as Qt delivers it:
    qtbot.mouseDClick(vp, QtCore.Qt.LeftButton, pos=at)  # click, double-click press,
    qtbot.mouseRelease(vp, QtCore.Qt.LeftButton, pos=at)  # release
    qtbot.waitUntil(lambda: rec.events.label[0] == "saccade", timeout=3000)
    _undo_redo(qtbot, window, "Rename annotation", lambda: rec.events.label[0] == "blink",
               lambda: rec.events.label[0] == "saccade",
               lambda before: ("blink" in [t.full for t in view.annotations.texts]) == before)


def test_delete_an_annotation_with_the_key_then_undo_redo(qtbot, opened):
    window, view, rec = opened
    view.set_annotating(True)
    qtbot.mouseClick(view.glw.viewport(), QtCore.Qt.LeftButton, pos=_pos(view, 2.5, 2.0))
    qtbot.waitUntil(lambda: view.annotations.selected == 0, timeout=3000)
    view.setFocus()
    qtbot.keyClick(view, QtCore.Qt.Key_Delete)
    qtbot.waitUntil(lambda: rec.events.label == ["T1"], timeout=3000)
    _undo_redo(qtbot, window, "Delete annotation",
               lambda: rec.events.label == ["blink", "T1"], lambda: rec.events.label == ["T1"],
               lambda before: (len(view.annotations.regions) == 2) == before)
