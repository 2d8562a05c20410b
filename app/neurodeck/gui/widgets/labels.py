"""One label-layout mechanism for every view: names that never overlap.

Category names (channels, regions, animals, models, nodes) are laid out for the room they
have: in full when they fit, else (on a horizontal axis) turned upright, elided to a
bounded length, and thinned to every k-th name when even one line per name does not fit.
The full name is always one hover away (a tool tip), and the plotted values keep their
own read-outs.

:func:`plan_labels` is the Qt-free decision; :class:`CategoryAxis` is a pyqtgraph axis
that applies it whenever the plot is resized or zoomed; :func:`place_point_labels` keeps
the labels of scattered points (graph nodes, MDS conditions) from colliding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class LabelPlan:
    """Which names to draw and how: ``shown`` holds (index, drawn text)."""

    shown: list[tuple[int, str]]
    rotated: bool  # drawn upright (bottom/top axes only)
    step: int  # every step-th name is drawn
    extent: float  # the longest drawn text, pixels (the axis' room across)


def plan_labels(labels: Sequence[str], slot_px: float, width: Callable[[str], float],
                line_px: float, elide: Callable[[str, float], str], *, horizontal: bool,
                max_extent: float = 140.0, pad_px: float = 6.0, min_chars: int = 4,
                rotate: bool = True) -> LabelPlan:
    """Lay out ``labels`` spaced ``slot_px`` pixels apart along an axis.

    ``width(text)`` measures a text, ``line_px`` is the height of one line and
    ``elide(text, px)`` shortens a text to ``px`` pixels. On a horizontal axis names stay
    level when all of them fit in their slot, else they are drawn upright (when
    ``rotate``), each elided to ``max_extent``; along a vertical axis (or upright) one
    line per name is needed, so every k-th name is kept when lines do not fit. Level
    names that do not fit (``rotate=False``) are elided to their slot, and thinned when
    not even ``min_chars`` characters fit.
    """
    labels = [str(s) for s in labels]
    if not labels:
        return LabelPlan([], False, 1, 0.0)
    slot = max(float(slot_px), 1e-9)
    widest = max(width(s) for s in labels)
    if horizontal and widest + pad_px <= slot:
        return LabelPlan(list(enumerate(labels)), False, 1, line_px)
    if horizontal and not rotate:
        shortest = max(width(s[:min_chars] + ELLIPSIS) for s in labels)
        step = max(1, int(np.ceil((min(shortest, widest) + pad_px) / slot)))
        room = min(step * slot - pad_px, max_extent)
        shown = [(i, elide(s, room)) for i, s in enumerate(labels) if i % step == 0]
        return LabelPlan(shown, False, step, line_px)
    step = max(1, int(np.ceil((line_px + 1.0) / slot)))
    shown = [(i, s if width(s) <= max_extent else elide(s, max_extent))
             for i, s in enumerate(labels) if i % step == 0]
    extent = max((width(t) for _, t in shown), default=0.0)
    return LabelPlan(shown, horizontal, step, extent)


class CategoryAxis(pg.AxisItem):
    """An axis of named categories (one per unit step, at ``index + offset``).

    Replaces a plot's axis with :func:`install_category_axis`. The layout is redone on
    every resize and zoom, so names never overlap at any window size or zoom; hovering
    the axis shows the full name under the cursor.
    """

    def __init__(self, orientation: str, labels: Sequence[str] = (), *, offset: float = 0.5,
                 max_extent: float = 140.0, rotate: bool = True,
                 elide_mode: QtCore.Qt.TextElideMode = QtCore.Qt.ElideMiddle, **kwargs):
        super().__init__(orientation, **kwargs)
        self.offset = float(offset)
        self.max_extent = float(max_extent)
        self.rotate = bool(rotate)
        self.elide_mode = elide_mode
        self.full_labels: list[str] = []
        self.positions = np.zeros(0)
        self.plan = LabelPlan([], False, 1, 0.0)
        self.setAcceptHoverEvents(True)
        self.set_labels(labels)

    # -- data -----------------------------------------------------------------------------
    def set_labels(self, labels: Sequence[str], positions: Sequence[float] | None = None
                   ) -> None:
        """The names, at ``positions`` (default: ``index + offset``)."""
        self.full_labels = [str(s) for s in labels]
        self.positions = (np.asarray(positions, float) if positions is not None
                          else np.arange(len(self.full_labels)) + self.offset)
        self.relayout()

    def label_at(self, value: float) -> str | None:
        """The full name nearest the data coordinate ``value`` (within half a step)."""
        if not self.full_labels:
            return None
        k = int(np.argmin(np.abs(self.positions - value)))
        spacing = float(np.min(np.diff(np.sort(self.positions)))) if len(
            self.positions) > 1 else 1.0
        return self.full_labels[k] if abs(self.positions[k] - value) <= spacing / 2 else None

    # -- layout ---------------------------------------------------------------------------
    def _metrics(self) -> QtGui.QFontMetricsF:
        return QtGui.QFontMetricsF(self.style.get("tickFont") or self.font())

    def _pixels_per_unit(self) -> float:
        lo, hi = self.range
        length = self.geometry().width() if self.orientation in ("top", "bottom") \
            else self.geometry().height()
        return abs(length / (hi - lo)) if hi != lo else 0.0

    def relayout(self) -> None:
        if not hasattr(self, "plan"):  # called by pyqtgraph during __init__
            return
        metrics = self._metrics()
        spacing = float(np.min(np.diff(np.sort(self.positions)))) if len(
            self.positions) > 1 else 1.0
        slot = self._pixels_per_unit() * spacing
        horizontal = self.orientation in ("top", "bottom")
        extent = self.max_extent
        view = self.linkedView()
        # Upright names take at most a third of the plot's height. Only plain geometry
        # is read here: this runs from resize events, also while Qt tears a plot down,
        # when calling a virtual of the parent item (boundingRect) would crash.
        height = float(view.height()) + float(self.height()) if view is not None else 0.0
        if horizontal and height > 0:
            extent = min(extent, max(40.0, height / 3))
        if slot <= 0:  # not laid out yet: draw nothing rather than a pile of names
            plan = LabelPlan([], False, 1, 0.0)
        else:
            plan = plan_labels(
                self.full_labels, slot, metrics.horizontalAdvance, metrics.height(),
                lambda s, px: metrics.elidedText(s, self.elide_mode, px),
                horizontal=horizontal, max_extent=extent, rotate=self.rotate)
        changed = plan != self.plan
        self.plan = plan
        self.setTicks([[(float(self.positions[i]), text) for i, text in plan.shown]])
        if changed:
            self._fit_room()

    def _fit_room(self) -> None:
        """Reserve room across the axis for the longest drawn name (upright or level)."""
        metrics = self._metrics()
        gap = max(0, self.style["tickLength"]) + 2 + self.style["tickTextOffset"][
            0 if self.orientation in ("left", "right") else 1]
        label = self.label.boundingRect().height() * 0.8 if self.label.isVisible() else 0.0
        if self.orientation in ("top", "bottom"):
            text = self.plan.extent if self.plan.rotated else metrics.height()
            self.setHeight(int(np.ceil(text + gap + label)))
        else:
            widest = max((metrics.horizontalAdvance(t) for _, t in self.plan.shown),
                         default=0.0)
            self.setWidth(int(np.ceil(widest + gap + label)))

    def resizeEvent(self, ev=None) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(ev)
        self.relayout()

    def linkedViewChanged(self, view, newRange=None) -> None:  # noqa: N802, N803
        super().linkedViewChanged(view, newRange)
        self.relayout()

    # -- drawing ----------------------------------------------------------------------------
    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph API
        """pyqtgraph's specs, with upright names given their real (upright) boxes."""
        specs = super().generateDrawSpecs(p) if not self.plan.rotated else \
            self._upright_specs(p)
        return specs

    def _upright_specs(self, p):
        # Ticks and the axis line from pyqtgraph (names blanked so it drops none for
        # lack of level room); then one upright box per name, reading bottom to top.
        saved = self._tickLevels
        self._tickLevels = [[(v, "") for v, _ in level] for level in saved or [[]]]
        try:
            axis_spec, tick_specs, _ = super().generateDrawSpecs(p)
        finally:
            self._tickLevels = saved
        metrics = self._metrics()
        bounds = self.mapRectFromParent(self.geometry())
        lo, hi = self.range
        gap = max(0, self.style["tickLength"]) + self.style["tickTextOffset"][1]
        text_specs = []
        for i, text in self.plan.shown:
            v = float(self.positions[i])
            x = bounds.left() + (v - lo) / (hi - lo) * bounds.width()
            w, h = metrics.horizontalAdvance(text), metrics.height()
            if not (bounds.left() - 1 <= x <= bounds.right() + 1):
                continue
            if self.orientation == "bottom":
                rect = QtCore.QRectF(x - h / 2, bounds.top() + gap, h, w)
            else:
                rect = QtCore.QRectF(x - h / 2, bounds.bottom() - gap - w, h, w)
            text_specs.append((rect, QtCore.Qt.AlignCenter, text))
        return axis_spec, tick_specs, text_specs

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802, N803
        if not self.plan.rotated:
            return super().drawPicture(p, axisSpec, tickSpecs, textSpecs)
        super().drawPicture(p, axisSpec, tickSpecs, [])
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        p.setPen(self.textPen())
        for rect, _flags, text in textSpecs:
            p.save()
            p.translate(rect.center())
            p.rotate(-90)
            # Upright text reads bottom to top, its end next to the axis.
            align = QtCore.Qt.AlignRight if self.orientation == "bottom" else \
                QtCore.Qt.AlignLeft
            p.drawText(QtCore.QRectF(-rect.height() / 2, -rect.width() / 2, rect.height(),
                                     rect.width()), int(align | QtCore.Qt.AlignVCenter), text)
            p.restore()
        return None

    # -- hover ------------------------------------------------------------------------------
    def hoverMoveEvent(self, ev) -> None:  # noqa: N802 - Qt API
        view = self.linkedView()
        if view is None:
            return
        pos = view.mapSceneToView(ev.scenePos())
        value = pos.x() if self.orientation in ("top", "bottom") else pos.y()
        name = self.label_at(value)
        self.setToolTip(name or "")


def install_category_axis(plot: pg.PlotItem, side: str, labels: Sequence[str],
                          **kwargs) -> CategoryAxis:
    """Give ``plot`` a :class:`CategoryAxis` on ``side`` (keeping its label text)."""
    old = plot.getAxis(side)
    text = old.labelText
    axis = CategoryAxis(side, labels, **kwargs)
    plot.setAxisItems({side: axis})
    if text:
        axis.setLabel(text)
    return axis


# -- labels of scattered points -------------------------------------------------------------------
def greedy_point_labels(xy_px: np.ndarray, sizes: Sequence[tuple[float, float]],
                        priority: Sequence[float], anchor: tuple[float, float] = (0.5, 1.15)
                        ) -> list[int]:
    """Indices of the points whose label boxes (``sizes`` (w, h) in pixels, placed at
    each point ``xy_px`` by ``anchor`` as pyqtgraph's TextItem does) can be drawn without
    overlapping, most important first."""
    ax, ay = anchor
    taken: list[tuple[float, float, float, float]] = []
    keep: list[int] = []
    for k in np.argsort(-np.asarray(priority, float), kind="stable"):
        if not np.isfinite(priority[k]):
            continue
        w, h = sizes[k]
        x, y = xy_px[k]
        box = (x - ax * w, y - ay * h, x + (1 - ax) * w, y + (1 - ay) * h)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
               for b in taken):
            continue
        taken.append(box)
        keep.append(int(k))
    return sorted(keep)


class PointLabels:
    """Labels of scattered points in a plot that never overlap one another.

    Relaid on every zoom and resize: zooming in reveals more names. ``priority`` (e.g.
    the degree of a node) decides which names win when they collide; each drawn name's
    tool tip is the full name (long names are elided to ``max_extent`` pixels).
    """

    ANCHOR = (0.5, 1.15)

    def __init__(self, plot: pg.PlotItem, names: Sequence[str], *,
                 priority: Sequence[float] | None = None, color=(50, 50, 50),
                 max_extent: float = 120.0):
        self.plot = plot
        self.names = [str(s) for s in names]
        self.priority = np.asarray(priority if priority is not None else
                                   np.zeros(len(self.names)), float)
        self.color = color
        self.max_extent = max_extent
        self.xy = np.zeros((len(self.names), 2))
        self.items: list[pg.TextItem] = []  # the drawn ones, in ``shown`` order
        self.shown: list[int] = []
        self._all: list[pg.TextItem] = []
        plot.vb.sigRangeChanged.connect(lambda *_: self.relayout())
        plot.vb.sigResized.connect(lambda *_: self.relayout())

    def _make_items(self) -> None:
        metrics = QtGui.QFontMetricsF(QtWidgets.QApplication.font())
        for name in self.names:
            text = metrics.elidedText(name, QtCore.Qt.ElideMiddle, self.max_extent)
            item = pg.TextItem(text, color=self.color, anchor=self.ANCHOR,
                               fill=(255, 255, 255, 170))  # legible over edges and nodes
            item.setToolTip(name)
            item.setZValue(20)  # above the markers it names
            item.setVisible(False)
            self.plot.addItem(item, ignoreBounds=True)
            self._all.append(item)

    def set_positions(self, xy: np.ndarray, priority: Sequence[float] | None = None) -> None:
        self.xy = np.asarray(xy, float).reshape(-1, 2)
        if priority is not None:
            self.priority = np.asarray(priority, float)
        if not self._all:
            self._make_items()
        for item, pos in zip(self._all, self.xy, strict=True):
            item.setPos(*pos)
        self.relayout()

    def relayout(self) -> None:
        vb = self.plot.vb
        if not self._all or vb.width() <= 0:
            return
        (x0, x1), (y0, y1) = vb.viewRange()
        sx = vb.width() / (x1 - x0) if x1 != x0 else 1.0
        sy = vb.height() / (y1 - y0) if y1 != y0 else 1.0
        px = np.column_stack([(self.xy[:, 0] - x0) * sx, (y1 - self.xy[:, 1]) * sy])
        inside = (px[:, 0] >= 0) & (px[:, 0] <= vb.width()) & (px[:, 1] >= 0) & (
            px[:, 1] <= vb.height())
        # Each name's real box (text plus the item's margins), in pixels.
        sizes = [(item.boundingRect().width(), item.boundingRect().height())
                 for item in self._all]
        prio = np.where(inside, self.priority, -np.inf)
        keep = greedy_point_labels(px, sizes, prio, self.ANCHOR)
        chosen = set(keep)
        for k, item in enumerate(self._all):
            item.setVisible(k in chosen)
        self.shown = keep
        self.items = [self._all[k] for k in keep]
