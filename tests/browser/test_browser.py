"""The time-series browser on synthetic MNE recordings, traces and spike trains."""

import json

import mne
import numpy as np
import pytest
from neurodeck_browser import VIEWS
from neurodeck_browser.browser import BrowserView
from neurodeck_browser.paths import path_points, trace_lanes
from PySide6 import QtCore, QtGui

from neurodeck.data import Events, Recording, RoiTimeSeries, SpikeTrains, Traces

pytestmark = pytest.mark.gui
SFREQ = 500.0


def _recording(n_ch=16, seconds=60.0, seed=0):
    rng = np.random.default_rng(seed)
    n = int(seconds * SFREQ)
    data = rng.standard_normal((n_ch, n)).cumsum(axis=1) * 1e-6
    types = ["eeg"] * (n_ch - 2) + ["eog", "stim"]
    info = mne.create_info([f"C{i}" for i in range(n_ch)], SFREQ, types)
    raw = mne.io.RawArray(data, info, verbose=False)
    if seconds > 30:
        raw.set_annotations(mne.Annotations([2.0, 30.0], [1.0, 0.0], ["blink", "stim"]))
    return Recording(raw, name="synthetic"), data


def _open(qtbot, ds, width=1000):
    view = BrowserView(ds)
    qtbot.addWidget(view)
    view.resize(width, 600)
    view.show()
    qtbot.waitUntil(lambda: view.page is not None, timeout=5000)
    return view


def _wait_page(qtbot, view, t0):
    qtbot.waitUntil(lambda: view.page is not None and abs(view.page.t0 - t0) < 1e-9,
                    timeout=5000)


def test_first_page_window_and_decimated_values(qtbot):
    rec, data = _recording()
    view = _open(qtbot, rec)
    page = view.page
    assert (view.t0, view.span) == (0.0, 10.0)
    np.testing.assert_allclose(view.plot.vb.viewRange()[0], [0.0, 10.0])
    assert page.picks == tuple(range(16))
    assert page.n_samples == 5000
    # the page is min/max per pixel bin: compare with numpy on the same samples
    n_px = view.n_px()
    assert page.y.shape[1] <= 2 * n_px + 2
    idx = np.round(page.x[0::2] * SFREQ).astype(int)
    stops = np.append(idx[1:], 5000)
    for b in (0, 1, len(idx) // 2, len(idx) - 1):
        a, z = idx[b], stops[b]
        np.testing.assert_allclose(page.y[:, 2 * b], data[:16, a:z].min(axis=1), rtol=1e-6)
        np.testing.assert_allclose(page.y[:, 2 * b + 1], data[:16, a:z].max(axis=1), rtol=1e-6)
    # what is drawn is that page, placed in lanes: lane - (value - mid) / scale
    x, ys = trace_lanes(page, view.types, view.labels, set(view.bads), view.scales,
                        True)[("eeg", False)]
    lane0 = page.y[0].astype(float)
    mid = 0.5 * (lane0.max() + lane0.min())
    np.testing.assert_allclose(ys[0], -(lane0 - mid) / view.scales["eeg"])
    # what is on screen is that page drawn by the worker into an image the size of the
    # plot. Reference: the raw samples. In each lane, every column shows (at least) the
    # range of the samples whose times fall in it, and nothing beyond the samples of the
    # bins around it (one bin, a pixel of rounding).
    img = view.trace_image
    w_px, h_px = view.canvas.size(view.devicePixelRatioF())
    assert img is not None and img.pixels.shape == (h_px, w_px)
    h, w = img.pixels.shape
    px = h / view.n_visible
    step = page.step
    eeg = img.pixels == 1 + img.colours.index("#1a1a1a")
    for r in (0, 6, 13):
        row = data[r, :5000]
        mid = 0.5 * (page.y[r].max() + page.y[r].min())

        def pix(v, r=r, mid=mid):
            return (r + 0.5) * px - (v - mid) / view.scales["eeg"] * px

        for c in range(1, w - 1, 97):
            a, z = int(np.floor(c * 5000 / w)), int(np.ceil((c + 1) * 5000 / w))
            rows = np.flatnonzero(eeg[:, c])
            lane = rows[(rows >= r * px - 1) & (rows <= (r + 1) * px + 1)]
            want_top, want_bottom = pix(row[a:z].max()), pix(row[a:z].min())
            assert lane.min() <= max(np.floor(want_top), 0) + 1
            assert lane.max() >= min(np.floor(want_bottom), h - 1) - 1
            near = row[max(a - 2 * step, 0): z + 2 * step]
            assert lane.min() >= np.floor(pix(near.max())) - 1
            assert lane.max() <= np.floor(pix(near.min())) + 1


def test_paging_keys_and_rows(qtbot):
    """mne-qt-browser's keys: arrows scroll (Shift: full page), Home/End change the window
    length, PgUp/PgDn the number of channels; Ctrl+Home/End jump (ours)."""
    rec, _ = _recording()
    view = _open(qtbot, rec)
    view.setFocus()
    qtbot.keyClick(view, QtCore.Qt.Key_Right, QtCore.Qt.ShiftModifier)
    _wait_page(qtbot, view, 10.0)
    qtbot.keyClick(view, QtCore.Qt.Key_Right)  # a quarter page
    _wait_page(qtbot, view, 12.5)
    qtbot.keyClick(view, QtCore.Qt.Key_End)  # window +25 %
    qtbot.waitUntil(lambda: view.page.t1 - view.page.t0 == pytest.approx(12.5), timeout=5000)
    qtbot.keyClick(view, QtCore.Qt.Key_Home)  # -20 %
    qtbot.waitUntil(lambda: view.page.t1 - view.page.t0 == pytest.approx(10.0), timeout=5000)
    qtbot.keyClick(view, QtCore.Qt.Key_End, QtCore.Qt.ControlModifier)
    _wait_page(qtbot, view, 50.0)
    assert view.page.t1 == pytest.approx(60.0)
    qtbot.keyClick(view, QtCore.Qt.Key_Home, QtCore.Qt.ControlModifier)
    _wait_page(qtbot, view, 0.0)
    view.set_n_visible(5)
    qtbot.keyClick(view, QtCore.Qt.Key_Down)
    qtbot.waitUntil(lambda: view.page.picks == (5, 6, 7, 8, 9), timeout=5000)
    qtbot.keyClick(view, QtCore.Qt.Key_PageUp)  # one more channel
    qtbot.waitUntil(lambda: view.page.picks == (5, 6, 7, 8, 9, 10), timeout=5000)
    qtbot.keyClick(view, QtCore.Qt.Key_PageDown, QtCore.Qt.ShiftModifier)  # ten fewer
    qtbot.waitUntil(lambda: view.page.picks == (5,), timeout=5000)
    view.set_selection([3, 1])
    qtbot.waitUntil(lambda: view.page.picks == (3, 1), timeout=5000)
    qtbot.keyClick(view, QtCore.Qt.Key_BracketLeft)  # zoom in around the centre
    qtbot.waitUntil(lambda: view.page.t1 - view.page.t0 == pytest.approx(5.0), timeout=5000)


@pytest.mark.filterwarnings("ignore:libpyside.*disconnect:RuntimeWarning")
def test_keys_do_what_mne_qt_browser_does(qtbot):
    """Reference: mne-qt-browser 0.7.5 itself. Every key we mark as MNE's is bound there to
    the same key and modifier with the same description, and the same key presses leave
    both browsers on the same window (start, length) and channels (first, count)."""
    from neurodeck_browser import keys

    rec, _ = _recording(n_ch=40)
    mne.viz.set_browser_backend("qt", verbose=False)
    fig = rec.raw.plot(duration=10.0, n_channels=20, show=False, block=False,
                       precompute=False, verbose=False)
    qtbot.addWidget(fig)
    shortcuts = fig.mne.keyboard_shortcuts
    shift = QtCore.Qt.KeyboardModifier.ShiftModifier
    for b in keys.BINDINGS:
        if not b.mne:
            continue
        found = False
        for entry in shortcuts.values():
            mods = entry.get("modifier", [None])
            for m, desc in zip(mods, entry.get("description", []), strict=False):
                want = shift if m == "Shift" else QtCore.Qt.KeyboardModifier.NoModifier
                if any(k == entry["qt_key"] and mm == want for k, mm in b.keys):
                    assert b.description == desc, (b.text, desc)
                    found = True
        assert found, b.text
    view = _open(qtbot, rec)
    view.set_n_visible(20)
    view.setFocus()
    presses = [(QtCore.Qt.Key_Right, None), (QtCore.Qt.Key_Right, "Shift"),
               (QtCore.Qt.Key_End, None), (QtCore.Qt.Key_End, None), (QtCore.Qt.Key_Home, None),
               (QtCore.Qt.Key_Left, None), (QtCore.Qt.Key_PageUp, None),
               (QtCore.Qt.Key_PageUp, "Shift"), (QtCore.Qt.Key_PageDown, None),
               (QtCore.Qt.Key_Down, None), (QtCore.Qt.Key_Up, None), (QtCore.Qt.Key_Down, None)]
    for key, mod in presses:
        m = shift if mod else QtCore.Qt.KeyboardModifier.NoModifier
        qtbot.keyClick(fig, key, m)
        qtbot.keyClick(view, key, m)
        xmin, xmax = fig.mne.viewbox.viewRange()[0]
        assert view.t0 == pytest.approx(xmin, abs=1e-6), key
        assert view.span == pytest.approx(xmax - xmin, abs=1e-6), key
        assert (view.row_offset, view.n_visible) == (fig.mne.ch_start, fig.mne.n_channels), key
    fig.close()


def test_scaling_is_per_row_type(qtbot):
    rec, _ = _recording()
    view = _open(qtbot, rec)
    assert set(view.scales) == {"eeg", "eog", "stim"}
    before = dict(view.scales)
    view.set_scale("eog", 1e-3)
    assert view.scales["eeg"] == before["eeg"] and view.scales["eog"] == 1e-3
    view.setFocus()
    qtbot.keyClick(view, QtCore.Qt.Key_Minus)
    assert view.scales["eeg"] == pytest.approx(before["eeg"] * 1.25)
    with pytest.raises(ValueError):
        view.set_scale("eeg", 0.0)


def test_bad_marking_writes_to_the_recording(qtbot):
    rec, _ = _recording()
    view = _open(qtbot, rec)
    view.toggle_bad(2)
    assert rec.bads == ["C2"] and rec.raw.info["bads"] == ["C2"]
    lanes = trace_lanes(view.page, view.types, view.labels, set(view.bads), view.scales, True)
    assert ("eeg", True) in lanes  # drawn in the bad colour
    # a click on lane 4 toggles that channel (the ViewBox maps the click to a row)
    vb = view.plot.vb
    scene = vb.mapViewToScene(QtCore.QPointF(5.0, 4.0))
    pos = view.glw.mapFromScene(scene)
    qtbot.mouseClick(view.glw.viewport(), QtCore.Qt.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: rec.bads == ["C2", "C4"], timeout=3000)
    view.toggle_bad(2)
    assert rec.bads == ["C4"]


def test_annotation_round_trip(qtbot):
    rec, _ = _recording()
    view = _open(qtbot, rec)
    view.set_annotating(True)
    i = view.add_annotation(4.0, 1.5, "BAD_move")
    assert rec.raw.annotations.description.tolist() == ["blink", "BAD_move", "stim"]
    np.testing.assert_allclose(rec.events.onset, [2.0, 4.0, 30.0])
    view.move_annotation(i, 35.0, 2.0)  # moves past "stim": order by onset is kept
    assert rec.events.label == ["blink", "stim", "BAD_move"]
    np.testing.assert_allclose(rec.events.duration, [1.0, 0.0, 2.0])
    view.rename_annotation(2, "BAD_muscle")
    view.delete_annotation(0)
    assert rec.events.label == ["stim", "BAD_muscle"]
    np.testing.assert_allclose(rec.raw.annotations.onset, [30.0, 35.0])
    # a drag in annotate mode adds one through the mouse
    vb = view.plot.vb
    a = view.glw.mapFromScene(vb.mapViewToScene(QtCore.QPointF(6.0, 3.0)))
    b = view.glw.mapFromScene(vb.mapViewToScene(QtCore.QPointF(8.0, 3.0)))
    vp = view.glw.viewport()
    qtbot.mousePress(vp, QtCore.Qt.LeftButton, pos=a)
    for k in range(1, 11):
        qtbot.mouseMove(vp, a + (b - a) * (k / 10))
    qtbot.mouseRelease(vp, QtCore.Qt.LeftButton, pos=b)
    qtbot.waitUntil(lambda: len(rec.events) == 3, timeout=3000)
    k = rec.events.label.index("BAD_")
    assert rec.events.onset[k] == pytest.approx(6.0, abs=0.05)
    assert rec.events.duration[k] == pytest.approx(2.0, abs=0.05)


def test_traces_events_are_editable(qtbot):
    tr = Traces(np.random.default_rng(0).standard_normal((5, 400)), sfreq=10.0,
                events=Events([1.0], [0.0], ["odour"]))
    view = _open(qtbot, tr)
    view.set_annotating(True)
    assert view.annotating
    view.add_annotation(2.0, 1.0)
    assert len(tr.events) == 2 and "odour" in tr.events.label  # saved with the dataset


def test_spike_raster_and_heatmap(qtbot):
    rng = np.random.default_rng(2)
    trains = [np.sort(rng.uniform(0, 50, 200 + 50 * k)) for k in range(8)]
    sp = SpikeTrains(trains, [f"u{k}" for k in range(8)], duration=50.0)
    view = _open(qtbot, sp)
    assert view.mode == "raster"
    page = view.page
    for k, ticks in enumerate(page.ticks):
        inside = trains[k][(trains[k] >= 0) & (trains[k] < 10)]
        np.testing.assert_array_equal(ticks, inside)  # fewer spikes than pixels: exact
    x, y = view.canvas.raster.item.getData()
    assert x.size == 2 * sum(t.size for t in page.ticks)
    raster_width = view.vb.width()
    view.set_mode("heatmap")
    qtbot.waitUntil(lambda: view.page.mode == "heatmap", timeout=5000)
    rates = view.page.image.astype(np.float64)
    width = 10.0 / rates.shape[1]
    counts = rates * width
    # rates are stored as float32: rtol 1e-5 on counts of ~50-400 spikes
    np.testing.assert_allclose(counts.sum(axis=1),
                               [np.count_nonzero(t < 10) for t in trains], rtol=1e-5)
    labels, cols, values = view.values_table()
    assert values[:, 0].tolist() == [np.count_nonzero(t < 10) for t in trains]
    # the colour bar shows the heatmap's levels, and dragging it sets them
    assert view.canvas.heatmap.colorbar.isVisible()
    np.testing.assert_allclose(view.canvas.heatmap.colorbar.levels(), view.heat_levels)
    np.testing.assert_allclose(view.canvas.heatmap.image.getLevels(), view.heat_levels)
    view.canvas.heatmap.colorbar.setLevels((0.0, 5.0))
    view.canvas.heatmap.colorbar.sigLevelsChangeFinished.emit(view.canvas.heatmap.colorbar)
    assert view.heat_levels == (0.0, 5.0)
    np.testing.assert_allclose(view.canvas.heatmap.image.getLevels(), (0.0, 5.0))
    qtbot.waitUntil(lambda: view.vb.width() < raster_width, timeout=2000)  # bar takes room
    view.set_mode("raster")
    qtbot.waitUntil(lambda: view.page.mode == "raster", timeout=5000)
    assert not view.canvas.heatmap.colorbar.isVisible()
    # given back (the row-label axis may also have narrowed meanwhile)
    qtbot.waitUntil(lambda: view.vb.width() >= raster_width, timeout=2000)


def test_population_opens_as_heatmap(qtbot):
    data = np.random.default_rng(4).standard_normal((120, 3000))
    tr = Traces(data, sfreq=20.0)
    view = _open(qtbot, tr)
    assert view.mode == "heatmap"
    view.set_n_visible(120)
    qtbot.waitUntil(lambda: len(view.page.picks) == 120, timeout=5000)
    img = view.page.image
    start = 0
    step = int(np.ceil(int(view.span * 20) / view.n_px()))
    np.testing.assert_allclose(img[:, 0], data[:, start:start + step].mean(axis=1), rtol=1e-5)


def test_state_round_trip(qtbot):
    rec, _ = _recording()
    view = _open(qtbot, rec)
    view.set_selection([0, 2, 4, 6, 8])
    view.set_window(20.0, 5.0)
    view.set_scale("eeg", 3e-5)
    view.set_antialias(True)
    state = json.loads(json.dumps(view.state()))
    other = _open(qtbot, _recording()[0])
    other.restore_state(state)
    qtbot.waitUntil(lambda: other.page.t0 == 20.0 and other.page.picks == (0, 2, 4, 6, 8),
                    timeout=5000)
    assert other.span == 5.0 and other.scales["eeg"] == 3e-5
    assert other.antialias and other.glw.renderHints() & QtGui.QPainter.Antialiasing


def test_roi_series_and_view_registration(qtbot, neurodeck_plugins):
    roi = RoiTimeSeries(np.random.default_rng(5).standard_normal((10, 200)), tr=2.0)
    view = _open(qtbot, roi)
    assert view.span == pytest.approx(min(400.0, 600.0))  # >= 300 samples when TR is long
    ids = {v.id for v in neurodeck_plugins.contributions("views")}
    assert {v.id for v in VIEWS} <= ids
    from neurodeck.gui.views import views_for

    rec, _ = _recording()
    assert views_for(neurodeck_plugins, rec)[0].id == "browser"
    assert views_for(neurodeck_plugins, roi)[0].id == "browser"


def test_export_and_copy(qtbot, tmp_path):
    rec, data = _recording(n_ch=4, seconds=4.0)
    view = _open(qtbot, rec)
    rows, cols, values = view.values_table()
    np.testing.assert_allclose(values[:3], data[:3, :2000] * 1e6)  # shown and copied in µV
    np.testing.assert_allclose(values[3], data[3, :2000])
    assert rows[0] == "C0 (\u00b5V)" and rows[3] == "C3"  # a trigger channel has no unit
    assert view.export(tmp_path / "b.png").stat().st_size > 1000
    svg = view.export(tmp_path / "b.svg").read_text()
    assert svg.count("<path") >= 2 and "<image" not in svg  # traces as vector paths
    assert view.trace_image is not None  # back to the image on screen


def test_long_paging_session_256_channels(qtbot):
    """Regression guard for PySide6 6.12's reference-count crash during long scrolls."""
    rng = np.random.default_rng(6)
    info = mne.create_info(256, 200.0, "eeg")
    raw = mne.io.RawArray(rng.standard_normal((256, 200 * 200)).astype(np.float64) * 1e-5,
                          info, verbose=False)
    view = _open(qtbot, Recording(raw), width=800)
    view.set_n_visible(64)
    view.set_window(0.0, 1.0)
    view.setFocus()
    shown = 0
    for k in range(160):
        key = QtCore.Qt.Key_Right if (k // 40) % 2 == 0 else QtCore.Qt.Key_Left
        qtbot.keyClick(view, key, QtCore.Qt.ShiftModifier)
        if k % 20 == 19:
            qtbot.keyClick(view, QtCore.Qt.Key_Down)
        qtbot.waitUntil(lambda: view.page.t0 == view.t0
                        and view.page.picks == tuple(view.visible_rows), timeout=5000)
        shown += 1
    qtbot.waitUntil(lambda: view.fetcher.idle, timeout=5000)
    assert shown == 160 and view.page is not None and len(view.page.picks) == 64


def test_worker_built_drawing_and_antialiased_paths(qtbot):
    """The trace image is made on a fetch worker; in antialiased mode the drawing is one
    vector polyline per row holding, per pixel bin, the min/max of the raw samples
    (numpy on the same samples, float32 display: atol 1e-5 lanes), placed in the row's
    lane; a rescale makes the drawing again on the GUI thread."""
    import threading


    rec, data = _recording()
    view = _open(qtbot, rec)
    view.set_window(10.0)  # prefetched with the first page's scales
    _wait_page(qtbot, view, 10.0)
    assert view.page.render.thread != threading.get_ident()  # built off the GUI thread
    view.set_antialias(True)
    view.set_window(20.0)
    _wait_page(qtbot, view, 20.0)
    qtbot.waitUntil(lambda: ("eeg", False) in view.canvas.traces.curves, timeout=5000)
    page = view.page
    drawn = path_points(view.canvas.traces.curves[("eeg", False)].path())
    assert len(drawn) == 14  # one polyline per EEG row, rows not joined
    scale = view.scales["eeg"]
    idx = np.round(page.x[0::2] * SFREQ).astype(int)
    edges = np.append(idx, 15000)
    for r in (0, 5, 13):
        block = data[r]
        expect = np.empty(2 * idx.size)
        expect[0::2] = [block[a:b].min() for a, b in zip(edges[:-1], edges[1:], strict=True)]
        expect[1::2] = [block[a:b].max() for a, b in zip(edges[:-1], edges[1:], strict=True)]
        mid = 0.5 * (expect.max() + expect.min())
        np.testing.assert_allclose(drawn[r][:, 0], page.x, rtol=0, atol=1e-9)
        np.testing.assert_allclose(drawn[r][:, 1], r - (expect - mid) / scale, rtol=0,
                                   atol=1e-5)
    view.set_scale("eeg", 2 * scale)  # geometry changed: the GUI makes the paths again
    assert view.page.render.thread == threading.get_ident()
    again = path_points(view.canvas.traces.curves[("eeg", False)].path())
    np.testing.assert_allclose(again[5][:, 1] - 5, (drawn[5][:, 1] - 5) / 2, atol=1e-9)
    # the other groups (one eog, one stim row) are drawn in their own lanes
    assert [p[:, 1].mean().round() for p in path_points(
        view.canvas.traces.curves[("eog", False)].path())] == [14]
    view.set_antialias(False)
    assert view.trace_image is not None and not view.canvas.traces.curves[("eeg", False)
                                                                        ].isVisible()


def test_polyline_path_edge_cases(qapp):
    from neurodeck_browser.paths import path_points, polyline_path

    x = np.array([0.0, 1.0, 2.0])
    ys = np.array([[0.0, 1.0, 0.5], [2.0, 2.5, 3.0]])
    pts = path_points(polyline_path(x, ys))
    assert len(pts) == 2
    np.testing.assert_array_equal(pts[1], np.c_[x, ys[1]])
    assert polyline_path(np.zeros(0), np.zeros((2, 0))).isEmpty()
    single = polyline_path(np.array([4.0]), np.array([[1.0]]))
    assert single.elementCount() == 1
    assert (single.elementAt(0).x, single.elementAt(0).y) == (4.0, 1.0)
    gap = polyline_path(np.arange(5.0), np.array([[0.0, 0.5, np.nan, 1.0, 2.0]]))
    assert [gap.elementAt(i).isMoveTo() for i in range(gap.elementCount())] == \
        [True, False, True, False]  # NaN breaks the line: no segment across it


def test_neighbours_are_prefetched_in_the_direction_of_travel(qtbot):
    rec, _ = _recording()
    view = _open(qtbot, rec)
    view.set_window(20.0)  # moving forward: 30 and 40 s ahead, 10 s behind
    _wait_page(qtbot, view, 20.0)
    qtbot.waitUntil(lambda: all(view.fetcher.cached(view._want(t).key()) is not None
                                for t in (30.0, 40.0, 10.0)), timeout=5000)
    view.set_window(30.0)  # a prefetched page is shown at once, without the worker
    assert view.page.t0 == 30.0 and view.page.render is not None


def test_one_paint_per_page(qtbot):
    """Paging repaints the plot once: the new x range reaches the item transform before
    the paint (pyqtgraph would otherwise apply it during the paint and paint again)."""
    rec, _ = _recording()
    view = _open(qtbot, rec)
    view.set_window(10.0)
    _wait_page(qtbot, view, 10.0)
    qtbot.wait(300)  # settle: neighbours prefetched, pending paints done
    paints = []

    class Counter(QtCore.QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 - Qt API
            if ev.type() == QtCore.QEvent.Paint:
                paints.append(ev.region().boundingRect())
            return False

    counter = Counter()
    view.glw.viewport().installEventFilter(counter)
    view.set_window(20.0)  # prefetched: shown at once
    assert view.page.t0 == 20.0
    qtbot.wait(300)
    assert len(paints) == 1


def test_a_hidden_browser_prefetches_nothing_until_shown_again(qtbot):
    """Behind another tab a browser's prefetches wait (they would take the cores from the
    job or the view in front); shown again, they are made."""
    import time

    ds, _ = _recording(seconds=120.0)
    view = _open(qtbot, ds)
    qtbot.waitUntil(lambda: view.pager.fetcher.idle, timeout=5000)  # first prefetches
    made = []
    job = view.pager.job
    view.pager.job = lambda want: (lambda: made.append(want.t0) or job(want)())
    view.hide()
    view.set_window(60.0)  # a foreground page, made at once though hidden
    _wait_page(qtbot, view, 60.0)
    view._prefetch_neighbours()
    time.sleep(0.6)  # two of the fetcher's deferral re-checks
    qtbot.wait(10)
    assert made == [60.0]
    view.show()
    qtbot.waitUntil(lambda: len(made) == 4, timeout=5000)
    assert sorted(made[1:]) == [50.0, 70.0, 80.0]


def test_a_shown_browser_reads_its_first_page_once_at_its_size(qtbot):
    """The first page waits for the view's layout: read once, for the plot's real size (not
    at the size before the layout, then again)."""
    ds, _ = _recording()
    view = BrowserView(ds)
    qtbot.addWidget(view)
    made = []
    job = view.pager.job
    view.pager.job = lambda want: (lambda: made.append(want) or job(want)())
    view.resize(1000, 600)
    view.restore_state({"n_visible": 16, "t0": 0.0, "span": 10.0})  # before it is shown
    view.show()
    qtbot.waitUntil(lambda: view.page is not None, timeout=5000)
    qtbot.waitUntil(lambda: view.pager.fetcher.idle, timeout=5000)
    first = [w for w in made if w.t0 == 0.0]
    assert len(first) == 1
    assert first[0].n_px == view.n_px()
    assert first[0].size == view.canvas.size(view.devicePixelRatioF())


def test_a_step_in_time_reads_the_next_page_beside_it(qtbot):
    """Paging: while the page stepped to is read, the next one in the direction of travel
    is queued for the second worker at once (not only after the paint)."""
    ds, _ = _recording(seconds=120.0)
    view = _open(qtbot, ds)
    qtbot.waitUntil(lambda: view.pager.fetcher.idle, timeout=5000)
    view.pager.fetcher.clear_cache()
    asked = []
    prefetch = view.pager.prefetch
    view.pager.prefetch = lambda wants: asked.append([w.t0 for w in wants]) or prefetch(wants)
    view.set_window(50.0)
    assert asked == [[60.0]]  # synchronously, with the request for 50 s
    asked.clear()
    view.set_window(40.0)  # backwards: the one before
    assert asked == [[30.0]]
    _wait_page(qtbot, view, 40.0)
