"""Events and annotations in the browser: spans in the traces, ticks in the overview.

Only events inside the visible window get graphics items (a long sleep recording
can hold thousands); edits go through the browser, which writes them back to
the dataset (``Recording.set_events``) and redraws from what the dataset holds.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neurodeck.data import Events

from .style import event_colour

MAX_DRAWN = 300


class _EventRegion(pg.LinearRegionItem):
    """One annotation span: drag to move (edges to resize), click to select,
    double-click to rename, right-click for a menu."""

    def __init__(self, layer: AnnotationLayer, index: int, span: tuple[float, float],
                 colour: str, editable: bool):
        c = QtGui.QColor(colour)
        super().__init__(span, movable=editable, brush=(c.red(), c.green(), c.blue(), 45),
                         pen=pg.mkPen(colour, width=1.5),
                         hoverBrush=(c.red(), c.green(), c.blue(), 90))
        self.layer = weakref.proxy(layer)
        self.index = index
        self.setZValue(-10)
        self.sigRegionChangeFinished.connect(self._moved)

    def _moved(self) -> None:
        a, b = self.getRegion()
        self.layer.browser.move_annotation(self.index, float(a), float(b - a))

    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph API
        if ev.button() == QtCore.Qt.LeftButton:
            ev.accept()
            self.layer.select(self.index)
            if ev.double() and self.layer.editable:
                self.layer.ask_rename(self.index)
        elif ev.button() == QtCore.Qt.RightButton and self.layer.editable:
            ev.accept()
            self.layer.select(self.index)
            menu = QtWidgets.QMenu()
            menu.addAction("Rename\u2026").triggered.connect(
                lambda: self.layer.ask_rename(self.index))
            menu.addAction("Delete").triggered.connect(
                lambda: self.layer.browser.delete_annotation(self.index))
            menu.exec(ev.screenPos().toPoint())
        else:
            super().mouseClickEvent(ev)


class AnnotationLayer:
    """Draws ``events`` over the browser's traces and overview bar."""

    def __init__(self, browser: Any, plot: pg.PlotItem, overview: pg.PlotItem):
        self.browser = weakref.proxy(browser)
        self.plot = plot
        self.overview = overview
        self.events = Events.empty()
        self.editable = False
        self.selected: int | None = None
        self.items: list[pg.GraphicsObject] = []
        self.overview_items: list[pg.GraphicsObject] = []
        self._preview = pg.LinearRegionItem((0, 0), movable=False, brush=(255, 0, 0, 40))
        self._preview.setVisible(False)
        plot.addItem(self._preview)
        self._window = (0.0, 0.0)
        self._drawn: tuple | None = None  # what self.items show (see draw)

    def set_events(self, events: Events) -> None:
        self.events = events
        self._drawn = None
        if self.selected is not None and self.selected >= len(events):
            self.selected = None
        self._draw_overview()

    def set_editable(self, on: bool) -> None:
        self.editable = bool(on)
        self.draw(*self._window)

    def labels(self) -> list[str]:
        return self.events.unique_labels()

    def draw(self, t0: float, t1: float) -> None:
        self._window = (t0, t1)
        ev = self.events
        inside = (np.flatnonzero((ev.onset + ev.duration >= t0) & (ev.onset <= t1))[:MAX_DRAWN]
                  if len(ev) else np.zeros(0, dtype=int))
        drawn = (id(ev), tuple(inside.tolist()), self.selected, self.editable)
        if drawn == self._drawn:
            # Same spans as before (scrolling within them): only the labels follow t0,
            # instead of rebuilding every item on each frame.
            for text in self.items[1::2]:
                text.setPos(max(text.onset, t0), -0.5)
            return
        self._drawn = drawn
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []
        if not len(ev):
            return
        labels = self.labels()
        for i in inside.tolist():
            onset, dur, label = float(ev.onset[i]), float(ev.duration[i]), ev.label[i]
            colour = event_colour(label, labels)
            region = _EventRegion(self, i, (onset, onset + dur), colour, self.editable)
            if i == self.selected:
                region.setBrush(pg.mkBrush(255, 200, 0, 90))
            text = pg.TextItem(label, color=colour, anchor=(0, 0))
            text.onset = onset
            text.setPos(max(onset, t0), -0.5)
            for item in (region, text):
                self.plot.addItem(item)
                self.items.append(item)

    def _draw_overview(self) -> None:
        for item in self.overview_items:
            self.overview.removeItem(item)
        self.overview_items = []
        ev = self.events
        labels = self.labels()
        for label in labels:
            mask = np.asarray([lab == label for lab in ev.label])
            on = ev.onset[mask]
            x = np.repeat(on, 2)
            y = np.tile([0.1, 0.9], on.size)
            curve = pg.PlotCurveItem(x, y, connect="pairs",
                                     pen=pg.mkPen(event_colour(label, labels), width=1))
            self.overview.addItem(curve)
            self.overview_items.append(curve)

    def preview(self, a: float | None, b: float | None) -> None:
        if a is None or b is None:
            self._preview.setVisible(False)
            return
        self._preview.setRegion(sorted((a, b)))
        self._preview.setVisible(True)

    def select(self, i: int | None) -> None:
        self.selected = i
        self.draw(*self._window)

    def delete_selected(self) -> None:
        if self.selected is not None and self.editable:
            i, self.selected = self.selected, None
            self.browser.delete_annotation(i)

    def ask_rename(self, i: int) -> None:
        text, ok = QtWidgets.QInputDialog.getText(
            None, "Rename annotation", "Label:", text=self.events.label[i])
        if ok and text:
            self.browser.rename_annotation(i, text)
