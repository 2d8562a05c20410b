"""Events and annotations in the browser: spans in the traces, ticks in the overview.

Only events inside the visible window get graphics items (a long sleep recording can hold
thousands). Labels are laid out so that none overlaps another (:mod:`.labels`: thinned or
elided, the full text on the span's tooltip).

Editing (annotation tool on): a drag anywhere — inside an existing annotation too — adds a
new annotation; **Shift**+drag starting on an annotation moves it; its edge handles resize
it (events without a duration, such as task triggers, have no handles: they move only
with Shift, never by accident). Every change goes through the view's
:class:`~neurodeck_browser.edits.AnnotationEditor`, which names it for Edit > Undo and says
what happened in the status bar; the layer redraws from what the dataset then holds.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neurodeck.data import Events

from .labels import layout
from .style import event_colour

MAX_DRAWN = 300
MOVE_MODIFIER = QtCore.Qt.KeyboardModifier.ShiftModifier
GRAB_PX = 4  # how close to a task event (no duration) a Shift+drag must start


class _EventRegion(pg.LinearRegionItem):
    """One annotation span; its edges resize it. Its body takes no mouse event: the plot's
    ViewBox (drawn above it) adds, moves (Shift), selects and renames through the layer."""

    def __init__(self, layer: AnnotationLayer, index: int, span: tuple[float, float],
                 colour: str, editable: bool):
        c = QtGui.QColor(colour)
        super().__init__(span, movable=False, brush=(c.red(), c.green(), c.blue(), 45),
                         pen=pg.mkPen(colour, width=1.5),
                         hoverBrush=(c.red(), c.green(), c.blue(), 90))
        self.layer = weakref.proxy(layer)
        self.index = index
        self.setZValue(-10)
        # Edge handles resize; a task event (no duration) has none to grab by accident.
        for line in self.lines:
            line.setMovable(editable and span[1] > span[0])
        self.sigRegionChangeFinished.connect(self._changed)

    def _changed(self) -> None:
        a, b = self.getRegion()
        self.layer.browser.change_annotation(self.index, float(a), float(b - a))


class AnnotationLayer:
    """Draws ``events`` over the browser's traces and overview bar."""

    def __init__(self, browser: Any, plot: pg.PlotItem, overview: pg.PlotItem):
        self.browser = weakref.proxy(browser)
        self.plot = plot
        self.overview = overview
        self.events = Events.empty()
        self.editable = False
        self.visible = True
        self.selected: int | None = None
        self.regions: list[_EventRegion] = []
        self.texts: list[pg.TextItem] = []
        self.overview_items: list[pg.GraphicsObject] = []
        self._preview = pg.LinearRegionItem((0, 0), movable=False, brush=(255, 0, 0, 40))
        self._preview.setVisible(False)
        plot.addItem(self._preview)
        self._window = (0.0, 0.0)
        self._drawn: tuple | None = None  # what the items show (see draw)
        self._font = QtGui.QFont()
        self._metrics = QtGui.QFontMetricsF(self._font)

    @property
    def items(self) -> list[pg.GraphicsObject]:
        return [*self.regions, *self.texts]

    def set_events(self, events: Events) -> None:
        self.events = events
        self._drawn = None
        if self.selected is not None and self.selected >= len(events):
            self.selected = None
        self._draw_overview()

    def set_editable(self, on: bool) -> None:
        self.editable = bool(on)
        self._drawn = None
        self.draw(*self._window)

    def set_visible(self, on: bool) -> None:
        self.visible = bool(on)
        self._drawn = None
        self.draw(*self._window)
        for item in self.overview_items:
            item.setVisible(self.visible)

    def labels(self) -> list[str]:
        return self.events.unique_labels()

    def _clear(self) -> None:
        for item in self.items:
            self.plot.removeItem(item)
        self.regions, self.texts = [], []

    def draw(self, t0: float, t1: float) -> None:
        self._window = (t0, t1)
        ev = self.events
        inside = (np.flatnonzero((ev.onset + ev.duration >= t0) & (ev.onset <= t1))[:MAX_DRAWN]
                  if len(ev) and self.visible else np.zeros(0, dtype=int))
        width_px = float(self.plot.vb.width()) or 1.0
        drawn = (id(ev), tuple(inside.tolist()), self.selected, self.editable,
                 round((t1 - t0) / width_px, 12))
        if drawn == self._drawn:
            # Same spans at the same zoom (scrolling within them): only labels of spans
            # that began before the window follow its left edge.
            for text in self.texts:
                text.setPos(max(text.onset, t0), -0.5)
            return
        self._drawn = drawn
        self._clear()
        if not inside.size:
            return
        labels = self.labels()
        per_px = (t1 - t0) / width_px
        starts = [(max(float(ev.onset[i]), t0) - t0) / per_px for i in inside.tolist()]
        widths = [self._metrics.horizontalAdvance(ev.label[i]) + 6 for i in inside.tolist()]
        placed = layout(starts, widths, end_px=width_px)
        for i, where in zip(inside.tolist(), placed, strict=True):
            onset, dur, label = float(ev.onset[i]), float(ev.duration[i]), ev.label[i]
            colour = event_colour(label, labels)
            region = _EventRegion(self, i, (onset, onset + dur), colour, self.editable)
            region.setToolTip(f"{label}\n{onset:.3f} s" + (f" + {dur:.3f} s" if dur else ""))
            if i == self.selected:
                region.setBrush(pg.mkBrush(255, 200, 0, 90))
            self.plot.addItem(region)
            self.regions.append(region)
            if where.width == 0.0:
                continue  # thinned out: the tooltip has it
            shown = label if where.width is None else self._metrics.elidedText(
                label, QtCore.Qt.TextElideMode.ElideRight, where.width - 6)
            text = pg.TextItem(shown, color=colour, anchor=(0, 0))
            text.setToolTip(label)
            text.onset = onset
            text.full = label
            text.setPos(max(onset, t0), -0.5)
            self.plot.addItem(text)
            self.texts.append(text)

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
            curve.setVisible(self.visible)
            self.overview.addItem(curve)
            self.overview_items.append(curve)

    def preview(self, a: float | None, b: float | None) -> None:
        if a is None or b is None:
            self._preview.setVisible(False)
            return
        self._preview.setRegion(sorted((a, b)))
        self._preview.setVisible(True)

    def at(self, t: float) -> int | None:
        """The annotation under time ``t``: the shortest span holding it, or a task
        event within a few pixels; None if there is none (or none is drawn)."""
        if not self.regions:
            return None
        t0, t1 = self._window
        slack = GRAB_PX * (t1 - t0) / max(float(self.plot.vb.width()), 1.0)
        best, length = None, np.inf
        for region in self.regions:
            a, b = region.getRegion()
            if a - (slack if b <= a else 0) <= t <= b + (slack if b <= a else 0) \
                    and b - a < length:
                best, length = region.index, b - a
        return best

    def select(self, i: int | None) -> None:
        self.selected = i
        self.draw(*self._window)

    def click(self, t: float, button, double: bool, screen_pos) -> bool:
        """A click at time ``t`` with the annotation tool on: select the annotation there
        (double-click: rename; right-click: Rename/Delete menu). Returns whether one was
        hit."""
        i = self.at(t)
        if button == QtCore.Qt.MouseButton.LeftButton:
            self.select(i)
            if double and i is not None and self.editable:
                self.ask_rename(i)
        elif button == QtCore.Qt.MouseButton.RightButton and i is not None and self.editable:
            self.select(i)
            menu = QtWidgets.QMenu()
            menu.addAction("Rename\u2026").triggered.connect(lambda: self.ask_rename(i))
            menu.addAction("Delete").triggered.connect(
                lambda: self.browser.delete_annotation(i))
            menu.exec(screen_pos.toPoint())
        return i is not None

    def ask_rename(self, i: int) -> None:
        text, ok = QtWidgets.QInputDialog.getText(
            None, "Rename annotation", "Label:", text=self.events.label[i])
        if ok and text:
            self.browser.rename_annotation(i, text)
