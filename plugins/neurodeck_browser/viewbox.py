"""The browser's mouse: wheel scrolls (Ctrl: zooms), a click marks a bad channel, a drag
with the annotation tool on adds an annotation (also inside an existing one), a Shift+drag
that starts on an annotation moves it, a click selects one (double: rename; right: menu)."""

from __future__ import annotations

import weakref
from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore


class BrowserViewBox(pg.ViewBox):
    """A ViewBox whose mouse gestures page, zoom, mark bads and draw annotations."""

    def __init__(self, browser: Any):
        super().__init__(enableMenu=False)
        self._browser = weakref.proxy(browser)
        self.setMouseEnabled(False, False)
        self._drag_start: float | None = None
        self._moving: int | None = None  # annotation a Shift+drag moves

    def wheelEvent(self, ev, axis=None):  # noqa: N802 - Qt API
        ev.accept()
        steps = ev.delta() / 120.0
        if ev.modifiers() & QtCore.Qt.ControlModifier:
            self._browser.zoom_time(0.8 ** steps)
        else:
            self._browser.scroll_time(-0.1 * steps)

    def mouseClickEvent(self, ev):  # noqa: N802 - Qt API
        p = self.mapSceneToView(ev.scenePos())
        if self._browser.annotating:
            ev.accept()
            self._browser.annotations.click(p.x(), ev.button(), ev.double(), ev.screenPos())
            return
        if ev.button() == QtCore.Qt.LeftButton:
            ev.accept()
            self._browser.toggle_bad_at(p.y())

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - Qt API
        if not self._browser.annotating or ev.button() != QtCore.Qt.LeftButton:
            ev.ignore()
            return
        ev.accept()
        layer = self._browser.annotations
        x = self.mapSceneToView(ev.scenePos()).x()
        if ev.isStart():
            self._drag_start = self.mapSceneToView(ev.buttonDownScenePos()).x()
            self._moving = layer.at(self._drag_start) \
                if ev.modifiers() & QtCore.Qt.ShiftModifier else None
        if self._drag_start is None:
            return
        shift = x - self._drag_start
        if self._moving is not None:  # Shift+drag on an annotation: move it
            ev_ = layer.events
            onset, dur = float(ev_.onset[self._moving]), float(ev_.duration[self._moving])
            layer.preview(onset + shift, onset + shift + dur)
        else:
            layer.preview(self._drag_start, x)
        if ev.isFinish():
            start, moving = self._drag_start, self._moving
            self._drag_start = self._moving = None
            layer.preview(None, None)
            if moving is not None:
                self._browser.change_annotation(moving, onset + shift, dur)
            else:
                a, b = sorted((start, x))
                self._browser.add_annotation(a, b - a)
