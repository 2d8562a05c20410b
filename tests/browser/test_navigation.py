"""The browser's viewport: window and rows stay valid whatever the user does (no Qt)."""

import pytest
from neurodeck_browser.navigation import MAX_VISIBLE, Viewport


def test_window_stays_inside_the_data():
    v = Viewport(duration=60.0, n_rows=10, span=10.0)
    v.scroll_time(10)
    assert (v.t0, v.t1) == (50.0, 60.0)
    v.scroll_time(-100)
    assert v.t0 == 0.0
    v.set_time(55.0, 30.0)  # longer window near the end: the start moves back
    assert (v.t0, v.span) == (30.0, 30.0)
    v.set_time(0.0, 1e-6)  # shorter than the shortest window worth showing
    assert v.span == v.min_span
    v.set_time(0.0, 1e6)
    assert (v.t0, v.span) == (0.0, 60.0)


def test_zoom_keeps_the_centre_and_change_span_keeps_the_start():
    v = Viewport(duration=100.0, n_rows=4, span=10.0, t0=40.0)
    v.zoom_time(0.5)
    assert (v.t0, v.span) == (42.5, 5.0)
    v.change_span(0.25)  # MNE's End: +25 % of the window, the end moves
    assert v.t0 == 42.5 and v.span == pytest.approx(6.25)
    v.change_span(-0.2)  # MNE's Home
    assert v.span == pytest.approx(5.0)
    v.set_time(98.0, 2.0)
    v.change_span(0.25)  # at the end of the data the start moves back
    assert v.t1 == pytest.approx(100.0) and v.span == pytest.approx(2.5)


def test_rows_stay_inside_the_selection():
    v = Viewport(duration=10.0, n_rows=30, n_visible=8)
    v.scroll_rows(1)
    assert v.visible_rows == list(range(8, 16))
    v.scroll_rows(10)
    assert v.visible_rows == list(range(22, 30))
    v.change_n_visible(5)  # more rows at the bottom of the list: the offset moves up
    assert v.n_visible == 13 and v.visible_rows[-1] == 29
    v.change_n_visible(-100)
    assert v.n_visible == 1
    v.set_selection([5, 3, 99, -1])  # invalid indices dropped, order kept
    assert v.selection == [5, 3] and v.row_offset == 0 and v.n_visible == 2
    v.set_selection([])
    assert v.selection == list(range(30))
    v.set_n_visible(10_000)
    assert v.n_visible == min(30, MAX_VISIBLE)
