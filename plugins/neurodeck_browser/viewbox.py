"""The browser's mouse: wheel scrolls (Ctrl: zooms), a click marks a bad channel, a drag
with the annotation tool on adds an annotation (also inside an existing one)."""

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

    def wheelEvent(self, ev, axis=None):  # noqa: N802 - Qt API
        ev.accept()
        steps = ev.delta() / 120.0
        if ev.modifiers() & QtCore.Qt.ControlModifier:
            self._browser.zoom_time(0.8 ** steps)
        else:
            self._browser.scroll_time(-0.1 * steps)

    def mouseClickEvent(self, ev):  # noqa: N802 - Qt API
        if ev.button() != QtCore.Qt.LeftButton:
            return
        ev.accept()
        if self._browser.annotating:
            return
        self._browser.toggle_bad_at(self.mapSceneToView(ev.scenePos()).y())

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - Qt API
        if not self._browser.annotating or ev.button() != QtCore.Qt.LeftButton:
            ev.ignore()
            return
        ev.accept()
        x = self.mapSceneToView(ev.scenePos()).x()
        if ev.isStart():
            self._drag_start = self.mapSceneToView(ev.buttonDownScenePos()).x()
        if self._drag_start is None:
            return
        self._browser.annotations.preview(self._drag_start, x)
        if ev.isFinish():
            a, b = sorted((self._drag_start, x))
            self._drag_start = None
            self._browser.annotations.preview(None, None)
            self._browser.add_annotation(a, b - a)
