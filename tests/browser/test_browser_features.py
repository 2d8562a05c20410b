"""Browser features on synthetic data: annotation gestures, edits heard from outside,
butterfly, scale bars in µV, the display filter, label layout, help, several animals,
and reading only the windows shown."""

import mne
import numpy as np
import pytest
from neurodeck_browser import population as pop
from neurodeck_browser.browser import BrowserView
from neurodeck_browser.decimate import minmax_decimate
from PySide6 import QtCore, QtTest

from neurodeck.data import ArrayTimeSeries, Events, Recording, Traces
from neurodeck.data.windowed import WindowedArray

pytestmark = pytest.mark.gui
SFREQ = 500.0


def _recording(n_ch=16, seconds=60.0, seed=0, annotations=None):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((n_ch, int(seconds * SFREQ))).cumsum(axis=1) * 1e-6
    types = ["eeg"] * (n_ch - 2) + ["eog", "stim"]
    raw = mne.io.RawArray(data, mne.create_info([f"C{i}" for i in range(n_ch)], SFREQ, types),
                          verbose=False)
    raw.set_annotations(annotations or mne.Annotations([2.0, 30.0], [1.0, 0.0],
                                                       ["blink", "stim"]))
    return Recording(raw, name="synthetic"), data


def _open(qtbot, ds, width=1000, height=600):
    view = BrowserView(ds)
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitUntil(lambda: view.page is not None, timeout=5000)
    return view


def _settled(qtbot, view):
    """Wait until the page on screen is the one for what the view now wants."""
    qtbot.waitUntil(lambda: view.page is not None
                    and view.page is view.fetcher.cached(view._want(view.t0).key()),
                    timeout=5000)


def _drag(qtbot, view, t_from, t_to, lane, shift=False):
    """A real mouse drag on the traces from time ``t_from`` to ``t_to`` in ``lane``."""
    vb = view.plot.vb
    a = view.glw.mapFromScene(vb.mapViewToScene(QtCore.QPointF(t_from, lane)))
    b = view.glw.mapFromScene(vb.mapViewToScene(QtCore.QPointF(t_to, lane)))
    vp = view.glw.viewport()
    mod = QtCore.Qt.ShiftModifier if shift else QtCore.Qt.NoModifier
    move = QtTest.QTest.MouseAction.MouseMove
    QtTest.QTest.mouseEvent(move, vp, QtCore.Qt.NoButton, mod, a)  # hover first
    qtbot.wait(20)
    qtbot.mousePress(vp, QtCore.Qt.LeftButton, mod, a)
    for k in range(1, 11):
        QtTest.QTest.mouseEvent(move, vp, QtCore.Qt.LeftButton, mod, a + (b - a) * (k / 10))
    qtbot.mouseRelease(vp, QtCore.Qt.LeftButton, mod, b)


# -- annotation gestures ---------------------------------------------------------------------
def test_drag_inside_an_annotation_adds_one_and_shift_drag_moves_it(qtbot):
    rec, _ = _recording()
    view = _open(qtbot, rec)
    view.set_annotating(True)
    _drag(qtbot, view, 2.2, 2.8, 3.0)  # inside "blink" (2-3 s): a new annotation
    qtbot.waitUntil(lambda: len(rec.events) == 3, timeout=3000)
    assert rec.events.label == ["blink", "BAD_", "stim"]
    assert rec.events.onset[0] == 2.0  # blink did not move
    assert rec.events.onset[1] == pytest.approx(2.2, abs=0.05)
    # Shift+drag on a span moves it, and says so
    _drag(qtbot, view, 5.0, 6.0, 3.0)  # a third span at 5-6 s, clear of the others
    qtbot.waitUntil(lambda: len(rec.events) == 4, timeout=3000)
    _drag(qtbot, view, 5.5, 7.5, 5.0, shift=True)
    qtbot.waitUntil(lambda: 7.0 in np.round(rec.events.onset, 1), timeout=3000)
    k = int(np.flatnonzero(np.round(rec.events.onset, 1) == 7.0)[0])
    assert rec.events.duration[k] == pytest.approx(1.0, abs=0.05)  # moved, not resized
    assert len(rec.events) == 4 and "Moved annotation 'BAD_'" in view.status.text()


def test_a_task_event_never_moves_by_a_plain_drag(qtbot):
    ann = mne.Annotations([1.0, 5.0], [0.0, 0.0], ["T1", "T2"])
    rec, _ = _recording(annotations=ann)
    view = _open(qtbot, rec)
    view.set_annotating(True)
    _drag(qtbot, view, 5.0, 6.5, 2.0)  # starts on the T2 trigger
    qtbot.waitUntil(lambda: len(rec.events) == 3, timeout=3000)
    np.testing.assert_allclose(rec.events.onset[[0, 2]], [1.0, 5.0])  # triggers in place
    assert rec.events.duration[rec.events.label.index("T2")] == 0.0


def test_edits_made_elsewhere_show_at_once(qtbot):
    """The dataset's setters (another view, a script, undo) reach the open browser."""
    rec, _ = _recording()
    view = _open(qtbot, rec)
    rec.bads = ["C3"]
    ticks = dict(view.plot.getAxis("left")._tickLevels[0])
    assert ticks[3] == "\u2717 C3"
    assert view.trace_image.colours.count("#c8c8c8") == 1  # drawn in the bad colour
    assert 3 in view.trace_image.params.bads
    rec.set_events(Events([4.0], [2.0], ["moved"]))
    assert [t.full for t in view.annotations.texts] == ["moved"]
    assert view.annotations.regions[0].getRegion() == (4.0, 6.0)


# -- display ---------------------------------------------------------------------------------
def test_butterfly_overlays_each_type_in_one_lane(qtbot):
    rec, _ = _recording()
    view = _open(qtbot, rec)
    qtbot.keyClick(view, QtCore.Qt.Key_B)
    _settled(qtbot, view)
    assert view.butterfly and view.page.picks == tuple(range(16))
    params = view.page.render.params
    assert params.n_lanes == 3 and set(params.lanes) == {0.0, 1.0, 2.0}
    ticks = [t for _, t in view.plot.getAxis("left")._tickLevels[0]]
    assert ticks == ["eeg (14)", "eog (1)", "stim (1)"]
    view.toggle_bad_at(0.0)  # a lane is a type, not a channel: nothing to mark
    assert rec.bads == []
    qtbot.keyClick(view, QtCore.Qt.Key_B)
    _settled(qtbot, view)
    assert view.page.render.params.n_lanes == 16


def test_scale_bars_say_microvolts_and_have_their_length(qtbot):
    rec, _ = _recording()
    view = _open(qtbot, rec)
    shown = {kind: (value, text) for kind, value, text in view.canvas.scalebars.shown}
    assert set(shown) == {"eeg", "eog"}  # the trigger channel has no unit: no bar
    value, text = shown["eeg"]
    scale = view.scales["eeg"]
    assert value <= 0.8 * scale < 2.5 * value  # a 1-2-5 value of at most 0.8 lane
    assert text == f"{value * 1e6:.3g} \u00b5V"
    line = next(i for i in view.canvas.scalebars.items if hasattr(i, "line"))
    lane_px = view.vb.height() / view.n_visible
    assert line.line().length() == pytest.approx(value / scale * lane_px, rel=1e-6)
    view.set_mode("heatmap")
    _settled(qtbot, view)
    assert view.canvas.heatmap.colorbar.getAxis("left").labelText == "bin mean (\u00b5V)"
    np.testing.assert_allclose(view.page.image[0, 0], 1e6 * rec.get_data(
        0, int(view.page.x[1] * SFREQ), [0]).mean(), rtol=1e-5)  # levels in µV


def test_display_filter_pages_equal_mne_filtering_of_the_whole_recording(qtbot):
    rec, data = _recording(seconds=120.0)
    view = _open(qtbot, rec)
    view.set_filter(1.0, 40.0)
    view.set_window(50.0)
    qtbot.waitUntil(lambda: view.page.t0 == 50.0 and view.page.n_read > view.page.n_samples,
                    timeout=5000)
    whole = mne.filter.filter_data(data[:15], SFREQ, 1.0, 40.0, method="iir",
                                   iir_params={"order": 4, "ftype": "butter",
                                               "output": "sos"}, verbose=False)
    _, expect = minmax_decimate(whole[:, 25000:30000], view.n_px())
    err = np.abs(view.page.y[:15] - expect).max() / whole.std()
    assert err < 1e-3
    np.testing.assert_array_equal(view.page.y[15], minmax_decimate(
        data[15:, 25000:30000], view.n_px())[1][0].astype(np.float32))  # stim untouched
    assert "1\u201340 Hz band-pass" in view.info.text() and "padding" in view.info.text()
    state = view.state()
    assert state["filter"] == [1.0, 40.0] and state["filter_on"]
    qtbot.keyClick(view, QtCore.Qt.Key_F)  # off again
    qtbot.waitUntil(lambda: view.page.n_read == view.page.n_samples, timeout=5000)


def test_event_labels_10_ms_apart_do_not_overlap(qtbot):
    onsets = 2.0 + 0.01 * np.arange(80)
    ann = mne.Annotations(onsets, np.zeros(80), [f"stimulus_{i}" for i in range(80)])
    rec, _ = _recording(annotations=ann)
    view = _open(qtbot, rec)
    texts = view.annotations.texts
    assert 0 < len(texts) < 80  # thinned
    boxes = sorted((t.sceneBoundingRect() for t in texts), key=lambda r: r.left())
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert a.right() <= b.left() + 0.5
    assert len(view.annotations.regions) == 80
    assert all(r.toolTip().startswith(f"stimulus_{i}\n")
               for i, r in enumerate(view.annotations.regions))  # full text on hover


def test_shortcuts_for_the_help_menu(qtbot):
    rec, _ = _recording(seconds=40.0)
    view = _open(qtbot, rec)
    rows = view.shortcuts()
    assert ("Shift+\u2192", "Scroll right (full page)") in rows
    assert ("Home", "Decrease duration (\u00bc page)") in rows
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in rows)
    dlg = view.show_help()
    qtbot.addWidget(dlg)
    table = dlg.findChild(QtCore.QObject, None) and dlg.layout().itemAt(0).widget()
    assert table.rowCount() == len(rows) and table.item(0, 1).text() == rows[0][1]


# -- several animals -------------------------------------------------------------------------
def _animals():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((3, 200)), rng.standard_normal((4, 150)),
              rng.standard_normal((2, 200))]
    labels = [["AVAL", "x1", "RIML"], ["AVAL", "AVAR", "y1", "AVAR"], ["AVAR", "z1"]]
    tr = Traces(arrays, labels, sfreq=2.0, animals=["w1", "w2", "w3"])
    tr.meta["resampled"] = {"w2": 1.5}
    return tr, arrays


def test_every_animal_and_the_aligned_view_are_reachable(qtbot):
    tr, arrays = _animals()
    view = _open(qtbot, tr)
    box = view.controls.animal_box
    assert box.count() == 4 and "(resampled from 1.5 Hz)" in box.itemText(1)
    assert "animal 1 of 3 (w1)" in view.info.text() and "w2 was resampled" in view.info.text()
    box.setCurrentIndex(1)  # the user picks the second animal
    _settled(qtbot, view)
    assert view.labels == ["AVAL", "AVAR", "y1", "AVAR"]
    np.testing.assert_allclose(view.values_table()[2][1], arrays[1][1, :view.values_table()[2]
                                                                     .shape[1]])
    dlg = view.row_dialog()
    qtbot.addWidget(dlg)
    dlg.filter.setText("ava")
    assert "also 2 rows in 2 other animals" in dlg.count.text()
    box.setCurrentIndex(3)  # all animals, aligned by neuron name
    _settled(qtbot, view)
    assert view.animal == pop.ALIGNED and view.labels[0] == "AVAL \u00b7 w1"
    ticks = dict(view.plot.getAxis("left")._tickLevels[0])
    assert ticks[2] == "AVAL \u00b7 w3 (missing)"
    assert len(view.canvas.missing.items) == 2  # AVAL in w3, AVAR in w1: hatched lanes
    dlg = view.row_dialog()
    qtbot.addWidget(dlg)
    assert dlg.apply_filter("AVA") == 7  # every animal's row of AVAL and AVAR
    state = view.state()
    other = _open(qtbot, _animals()[0])
    other.restore_state(state)
    _settled(qtbot, other)
    assert other.animal == pop.ALIGNED and other.labels == view.labels


def test_missing_data_is_shown_not_hidden_in_the_heatmap(qtbot):
    tr, _ = _animals()
    view = _open(qtbot, tr)
    view.set_animal(pop.ALIGNED)
    view.set_mode("heatmap")
    view.set_window(60.0, 40.0)  # w2 ends at 75 s
    _settled(qtbot, view)
    img = view.page.image
    rows = view.page.picks
    al = view.source.ds
    for r, k in enumerate(rows):
        if not al.present[k]:
            assert np.isnan(img[r]).all()
        elif al.rows[k][1] == 1:  # w2: data until 75 s, missing after
            assert np.isfinite(img[r, :5]).all() and np.isnan(img[r, -5:]).all()
    assert view.canvas.heatmap.backdrop.isVisible()  # NaN is transparent over the hatching


# -- lazy datasets: only the windows shown are read ------------------------------------------
class _Counting(ArrayTimeSeries):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads: list[tuple[int, int, int]] = []

    def get_data(self, start=0, stop=None, picks=None):
        stop = self.n_times if stop is None else stop
        self.reads.append((int(start), int(stop), len(picks) if picks is not None else -1))
        return super().get_data(start, stop, picks)


def test_a_lazy_filtered_series_is_read_one_window_at_a_time(qtbot):
    """A dataset computing windows on demand (WindowedArray over a counting source):
    paging, the display filter and copying read only windows near the one shown."""
    sf, n = 1000.0, 3_600_000  # one hour at 1 kHz, 32 rows: never read whole
    base = _Counting(np.lib.stride_tricks.as_strided(np.zeros(1), (32, n), (0, 0)),
                     sfreq=sf)
    lazy = ArrayTimeSeries(WindowedArray(base, lambda b, a, z: b * 2.0, pad=50),
                           sfreq=sf, name="lazy")
    view = _open(qtbot, lazy)
    view.set_n_visible(32)
    for t in (10.0, 20.0, 1800.0, 3590.0):
        view.set_window(t)
        _settled(qtbot, view)
    view.set_filter(0.5, None)
    _settled(qtbot, view)
    view.values_table()
    qtbot.waitUntil(lambda: view.fetcher.idle, timeout=5000)
    longest = max(stop - start for start, stop, _ in base.reads)
    pad = view.filt.pad
    assert longest <= 10 * sf + 2 * pad + 2 * 50 + 2  # a page, its filter and lazy padding
    assert all(rows <= 32 for *_, rows in base.reads)
    assert not any(stop - start >= n for start, stop, _ in base.reads)
