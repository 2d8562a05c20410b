"""The traces mode: trace images (or vector paths) made with the page, and their items.

A page is drawn by the worker that read it (:func:`build_render`): by default an 8-bit
image of the page's traces at the view's pixel size (:mod:`.rasterize`), which the GUI
thread blits in about a millisecond whatever the number of rows; with antialiasing on (or
for SVG export) one vector path per row group instead (:mod:`.paths`), which Qt draws
smoothly but at about 100 ns a segment. Each render carries the :class:`DrawParams` it
was made for; when the user rescales, marks a bad channel or resizes meanwhile the GUI
makes it again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from . import rasterize
from .paths import (
    DrawParams,
    TraceItem,
    TracePaths,
    build_paths,
    complete_scales,
    draw_params,
    page_groups,
)
from .sources import Page
from .style import BAD_COLOUR, type_colour


@dataclass
class TraceImage:
    """A page's traces as colour indices (height x width, 0 = background)."""

    params: DrawParams
    pixels: np.ndarray
    colours: list[str]  # colour of index 1, 2, ...
    t0: float
    t1: float
    dpr: float = 1.0
    thread: int = field(default_factory=threading.get_ident)  # where it was made (tests)

    def nbytes(self) -> int:
        return int(self.pixels.nbytes)

    def qimage(self) -> QtGui.QImage:
        """The image, ready to blit (premultiplied ARGB32; a copy owning its pixels)."""
        h, w = self.pixels.shape
        img = QtGui.QImage(self.pixels.data, w, h, w, QtGui.QImage.Format.Format_Indexed8)
        table = [0] + [QtGui.QColor(c).rgba() for c in self.colours]
        img.setColorTable(table)
        out = img.convertToFormat(QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        out.setDevicePixelRatio(self.dpr)
        return out


Render = TraceImage | TracePaths


def group_colour(group: tuple[str, bool]) -> str:
    return BAD_COLOUR if group[1] else type_colour(group[0])


def build_image(page: Page, types: Sequence[str], labels: Sequence[str],
                bads: set[str] | frozenset[str], scales: Mapping[str, float],
                remove_dc: bool, butterfly: bool, size: tuple[int, int],
                dpr: float = 1.0) -> TraceImage:
    """The page's traces drawn into an image of ``size`` device pixels (any thread)."""
    scales = complete_scales(page, types, scales)
    params = draw_params(page, types, labels, bads, scales, remove_dc, butterfly, size)
    layers, colours = [], []
    for i, (group, rows) in enumerate(page_groups(page, types, labels, bads).items()):
        scale = scales.get(group[0], 1.0)
        layers.append((rows, [params.lanes[r] for r in rows], np.full(len(rows), scale), i + 1))
        colours.append(group_colour(group))
    width, height = params.size
    sfreq = getattr(page, "sfreq", None)
    bin_s = page.step / sfreq if page.step > 1 and sfreq else None
    pixels = rasterize.render(page.x, page.y, page.t0, page.t1, width, height,
                              (-0.5, params.n_lanes - 0.5), layers, remove_dc, bin_s)
    return TraceImage(params, pixels, colours, page.t0, page.t1, dpr)


def build_render(page: Page, types: Sequence[str], labels: Sequence[str],
                 bads: set[str] | frozenset[str], scales: Mapping[str, float],
                 remove_dc: bool, butterfly: bool, size: tuple[int, int], dpr: float,
                 vector: bool) -> Render:
    if vector:
        return build_paths(page, types, labels, bads, scales, remove_dc, butterfly)
    return build_image(page, types, labels, bads, scales, remove_dc, butterfly, size, dpr)


class TraceImageItem(QtWidgets.QGraphicsObject):
    """Blits a :class:`TraceImage` over its window, pixel for pixel (no scaling)."""

    def __init__(self) -> None:
        super().__init__()
        self._image: QtGui.QImage | None = None
        self._rect = QtCore.QRectF()

    def set_image(self, image: QtGui.QImage | None, rect: QtCore.QRectF) -> None:
        self.prepareGeometryChange()
        self._image, self._rect = image, QtCore.QRectF(rect)
        self.update()

    def image(self) -> QtGui.QImage | None:
        return self._image

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        if self._image is None:
            return
        origin = painter.worldTransform().map(self._rect.topLeft())
        painter.save()
        painter.resetTransform()  # device (logical) pixels: the image is made at this size
        painter.drawImage(QtCore.QPointF(round(origin.x()), round(origin.y())), self._image)
        painter.restore()


class TraceLayer:
    """The items of the traces mode in a plot: one image item, or paths per group."""

    def __init__(self, plot) -> None:
        self.plot = plot
        self.image_item = TraceImageItem()
        self.image_item.setZValue(-5)  # under annotations' labels, over their spans
        plot.addItem(self.image_item, ignoreBounds=True)
        self.curves: dict[tuple[str, bool], TraceItem] = {}
        self.render: Render | None = None

    def show(self, render: Render, n_lanes: int) -> None:
        self.render = render
        if isinstance(render, TraceImage):
            rect = QtCore.QRectF(render.t0, -0.5, render.t1 - render.t0, n_lanes)
            self.image_item.set_image(render.qimage(), rect)
            self.image_item.setVisible(True)
            for curve in self.curves.values():
                curve.setVisible(False)
            return
        self.image_item.setVisible(False)
        for key, path in render.paths.items():
            curve = self.curves.get(key)
            if curve is None:
                curve = TraceItem(group_colour(key))
                self.curves[key] = curve
                self.plot.addItem(curve, ignoreBounds=True)
            curve.setPath(path)
            curve.setVisible(True)
        for key, curve in self.curves.items():
            if key not in render.paths:
                curve.setVisible(False)

    def hide(self) -> None:
        self.image_item.setVisible(False)
        for curve in self.curves.values():
            curve.setVisible(False)
