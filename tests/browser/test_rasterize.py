"""Trace images: each column covers what Qt draws for the same polyline (1-pixel pen)."""

import numpy as np
import pytest
from neurodeck_browser.decimate import minmax_decimate
from neurodeck_browser.rasterize import column_extents, connect, fill_spans, render
from PySide6 import QtCore, QtGui


def _qt_coverage(x, y, t0, t1, width, height, y_range):
    """Pixels Qt's raster engine sets drawing polyline (x, y) with a cosmetic 1-px pen."""
    img = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    img.fill(0)
    p = QtGui.QPainter(img)
    top, bottom = y_range
    tr = QtGui.QTransform()
    tr.scale(width / (t1 - t0), height / (bottom - top))
    tr.translate(-t0, -top)
    p.setTransform(tr)
    pen = QtGui.QPen(QtGui.QColor("black"))
    pen.setWidth(0)
    pen.setCosmetic(True)
    p.setPen(pen)
    poly = QtGui.QPolygonF([QtCore.QPointF(a, b) for a, b in zip(x, y, strict=True)])
    p.drawPolyline(poly)
    p.end()
    arr = np.frombuffer(img.constBits(), dtype=np.uint32).reshape(height, width)
    return arr != 0


@pytest.mark.parametrize("n, width", [(10_000, 700), (500, 700), (2000, 1300)])
def test_image_matches_qt_drawing_of_the_same_polyline(qapp, n, width):
    """Decimated (n >> px) and zoomed-in (n < px) pages against Qt's own aliased drawing
    of the same polyline: in each column the painted rows end within 1 px of Qt's in at
    least 95 % of columns (never more than 3 px off: ours span the whole column, Qt
    steps along the line), and at least 99 % of Qt's pixels are ours or touch ours."""
    rng = np.random.default_rng(n)
    data = rng.standard_normal((1, n)).cumsum(axis=1)
    idx, vals = minmax_decimate(data, width)
    x = idx / n * 10.0
    height = 120
    lo, hi = vals.min(), vals.max()
    lane = (vals - (lo + hi) / 2) / (hi - lo) * -0.9  # screen y inside lane 0
    img = render(x, vals, 0.0, 10.0, width, height, (-0.5, 0.5),
                 [([0], [0.0], [(hi - lo) / 0.9], 1)], remove_dc=True)
    qt = _qt_coverage(x, lane[0], 0.0, 10.0, width, height, (-0.5, 0.5))
    ours = img == 1
    assert not (qt.any(axis=0) & ~ours.any(axis=0)).any()  # no column Qt paints is empty
    cols = np.flatnonzero(qt.any(axis=0) & ours.any(axis=0))
    assert cols.size > 0.95 * width
    ends = []
    for a, b in ((qt, ours),):
        top = np.abs(a.argmax(axis=0)[cols] - b.argmax(axis=0)[cols])
        bottom = np.abs(a[::-1].argmax(axis=0)[cols] - b[::-1].argmax(axis=0)[cols])
        ends += [top, bottom]
    for diff in ends:
        assert (diff <= 1).mean() >= 0.95 and diff.max() <= 3
    grown = ours.copy()  # ours, grown by one pixel in every direction
    grown[1:] |= ours[:-1]
    grown[:-1] |= ours[1:]
    grown[:, 1:] |= grown[:, :-1].copy()
    grown[:, :-1] |= grown[:, 1:].copy()
    assert (qt & grown).sum() >= 0.99 * qt.sum()


def test_column_extents_by_hand():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([[0.0, 2.0, -1.0, -1.0]])
    lo, hi = column_extents(x, y, 0.0, 3.0, 3)  # columns [0,1) [1,2) [2,3)
    np.testing.assert_allclose(lo, [[0.0, -1.0, -1.0]])
    np.testing.assert_allclose(hi, [[2.0, 2.0, -1.0]])
    lo, hi = column_extents(x, y, 0.0, 3.0, 6)  # half-unit columns: edges interpolated
    np.testing.assert_allclose(hi, [[1.0, 2.0, 2.0, 0.5, -1.0, -1.0]])
    np.testing.assert_allclose(lo, [[0.0, 1.0, 0.5, -1.0, -1.0, -1.0]])
    y_nan = np.array([[0.0, np.nan, -1.0, -1.0]])  # missing data: nothing drawn there
    lo, _ = column_extents(x, y_nan, 0.0, 3.0, 3)
    assert np.isnan(lo[0, 1])


def test_fill_spans_paints_inclusive_ranges_and_skips_nan():
    img_t = np.zeros((3, 10), dtype=np.uint8)  # 3 columns x 10 rows
    top = np.array([[1.2, 8.9, np.nan]])
    bottom = np.array([[3.7, 12.0, 5.0]])
    fill_spans(img_t, top, bottom, 7)
    assert np.flatnonzero(img_t[0]).tolist() == [1, 2, 3]
    assert np.flatnonzero(img_t[1]).tolist() == [8, 9]  # clipped to the image
    assert not img_t[2].any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fill_spans_equals_a_span_by_span_loop(dtype):
    """Random spans (row-major and column-major inputs, NaN, above, below and across the
    image edges) set exactly the pixels a plain loop sets: floor(top)..floor(bottom),
    clipped, at least one pixel per span that reaches into the image."""
    rng = np.random.default_rng(3)
    rows, width, height = 9, 40, 30
    top = rng.uniform(-8, height + 4, (rows, width)).astype(dtype)
    bottom = top + rng.exponential(3.0, (rows, width)).astype(dtype)
    top[2, 5:9] = bottom[2, 5:9] = np.nan
    for t, b in ((top, bottom), (np.asfortranarray(top), np.asfortranarray(bottom))):
        img_t = np.zeros((width, height), dtype=np.uint8)
        fill_spans(img_t, t, b, 5)
        want = np.zeros_like(img_t)
        for r in range(rows):
            for c in range(width):
                lo, hi = top[r, c], bottom[r, c]
                if not (np.isfinite(lo) and hi >= 0 and lo < height):
                    continue
                a = int(np.floor(min(max(lo, 0), height - 1)))
                z = int(np.floor(min(max(hi, 0), height - 1)))
                want[c, a:z + 1] = 5
        np.testing.assert_array_equal(img_t, want)


@pytest.mark.parametrize("gap", [False, True])
def test_connect_reaches_the_previous_column_as_a_loop_does(gap):
    """Each column's span widened to touch the previous one's, columns of NaN left empty
    and connecting nothing, with and without gaps (two code paths)."""
    rng = np.random.default_rng(4)
    lo = rng.normal(size=(5, 60)).astype(np.float32)
    hi = lo + rng.exponential(0.5, lo.shape).astype(np.float32)
    if gap:
        lo[1, 10:14] = hi[1, 10:14] = np.nan
        lo[3, 0] = hi[3, 0] = np.nan
    want_lo, want_hi = lo.copy(), hi.copy()
    for r in range(lo.shape[0]):
        for c in range(1, lo.shape[1]):
            if np.isnan(lo[r, c]) or np.isnan(lo[r, c - 1]):
                continue
            want_hi[r, c] = max(hi[r, c], lo[r, c - 1])
            want_lo[r, c] = min(lo[r, c], hi[r, c - 1])
    connect(lo, hi)
    np.testing.assert_array_equal(lo, want_lo)
    np.testing.assert_array_equal(hi, want_hi)


@pytest.mark.parametrize("n, width", [(10_000, 700), (7_001, 1300), (3_000, 1480)])
def test_decimated_page_shows_every_sample_in_its_column(n, width):
    """Reference: the raw samples. A decimated page is drawn as its envelope: each column
    paints at least the range of the samples whose times fall in it (within a pixel of
    rounding) and nothing beyond the samples of the bins around it, and a trace stays
    connected from column to column."""
    from neurodeck_browser.rasterize import envelope_extents

    rng = np.random.default_rng(n)
    data = rng.standard_normal((2, n)).cumsum(axis=1)
    data[1, n // 3] += 40.0  # a one-sample spike must show
    sf = n / 10.0
    idx, vals = minmax_decimate(data, width)
    step = int(idx[2] - idx[0])
    height = 200
    scale = np.ptp(data, axis=1) / 0.9
    mids = 0.5 * (data.max(axis=1) + data.min(axis=1))
    img = render(idx / sf, vals, 0.0, 10.0, width, height, (-0.5, 1.5),
                 [([0, 1], [0.0, 1.0], scale, 1)], remove_dc=True, bin_s=step / sf)
    px = height / 2.0
    for r in range(2):
        def pix(v, r=r):
            return (r + 0.5) * px - (v - mids[r]) / scale[r] * px

        lane = img[int(r * px): int((r + 1) * px)] == 1
        painted = [np.flatnonzero(lane[:, c]) + int(r * px) for c in range(width)]
        for c in range(width):
            a, z = int(np.ceil(c * n / width)), int(np.ceil((c + 1) * n / width))
            if z <= a:
                continue
            rows = painted[c]
            assert rows.size, (r, c)
            assert rows.min() <= np.floor(pix(data[r, a:z].max())) + 1
            assert rows.max() >= np.floor(pix(data[r, a:z].min())) - 1
            near = data[r, max(a - step, 0): z + step]
            prev = painted[c - 1] if c else rows
            assert rows.min() >= min(np.floor(pix(near.max())), prev.max()) - 1
            assert rows.max() <= max(np.floor(pix(near.min())), prev.min()) + 1
            if c:  # connected: touches the previous column
                assert rows.min() <= prev.max() + 1 and rows.max() >= prev.min() - 1
    spike_col = int((n // 3) / n * width)
    assert painted_top(img, spike_col) <= np.floor((1.5 * px) - (data[1, n // 3] - mids[1])
                                                   / scale[1] * px) + 1
    lo, hi = envelope_extents(np.array([0.0, 1.0]), np.array([[0.0, np.nan]]),
                              np.array([[1.0, np.nan]]), 1.0, 0.0, 2.0, 4)
    assert np.isnan(lo[0, 2:]).all() and (lo[0, :2] == 0.0).all()  # missing: nothing drawn


def painted_top(img, col):
    return int(np.flatnonzero(img[:, col] == 1).min())
