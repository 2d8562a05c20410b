"""The browser's drawing surface: the plot, its layers and the overview bar.

One ``GraphicsLayoutWidget`` holds the main plot (rows top to bottom, time across; the
left axis names the rows, the right margin holds the scale bars) and the overview bar
(the whole recording, events as ticks, the window as a draggable region). Each mode's
items live in their own layer (:mod:`.traces`, :mod:`.modes`); the canvas only places
them and moves the window. No data logic here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from neurodeck.gui.widgets.labels import CategoryAxis

from .axes import TimeAxis
from .labels import row_ticks
from .modes import HeatmapLayer, MissingRows, RasterLayer, ScaleBars
from .paths import complete_scales, draw_params, lanes_for
from .sources import Page
from .traces import TraceLayer, build_render
from .units import Unit
from .viewbox import BrowserViewBox

OVERVIEW_PX = 70


@dataclass
class Look:
    """What decides how the rows are drawn, as the view has it now. ``scales`` is the
    view's own dict: scales missing for a type are filled in from the first page."""

    mode: str
    types: Sequence[str]
    labels: Sequence[str]
    bads: frozenset[str]
    scales: dict[str, float]
    remove_dc: bool
    butterfly: bool  # in effect (traces mode)
    antialias: bool
    dpr: float
    units: dict[str, Unit]
    recording: bool  # a recording's types without a unit (stim) get no scale bar
    present: Sequence[bool] | None  # rows with data (None: all)
    n_visible: int

    def n_lanes(self, picks: Sequence[int]) -> int:
        if self.butterfly:
            return max(len({self.types[k] for k in picks}), 1)
        return max(self.n_visible, 1)


class Canvas:
    """The plot and overview of browser ``view`` (its mouse gestures go to ``view``)."""

    def __init__(self, view: Any, duration: float, heat_label: str,
                 on_levels: Callable[[tuple[float, float]], None],
                 on_region: Callable[[float], None], on_jump: Callable[[float], None]):
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.glw.ci.setSpacing(0)
        self.vb = BrowserViewBox(view)
        # Row names with the shell's one label-layout mechanism: thinned to every k-th
        # when lines do not fit, long names elided, the full name on hover. It is redone
        # when the rows or the plot's height change, never when paging in time.
        self.rows = CategoryAxis("left", offset=0.0, max_extent=230.0, rotate=False)
        self.plot = self.glw.addPlot(row=0, col=0, viewBox=self.vb,
                                     axisItems={"bottom": TimeAxis(), "left": self.rows})
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setClipToView(False)
        self.rows.setStyle(tickLength=0)
        # Labels on the major ticks only: pyqtgraph measures every candidate label of each
        # level it may draw, about a third of the GUI thread's work per page.
        self.plot.getAxis("bottom").setStyle(maxTextLevel=0, maxTickLevel=1)
        self.traces = TraceLayer(self.plot)
        self.raster = RasterLayer(self.plot)
        self.heatmap = HeatmapLayer(self.plot, heat_label, on_levels)
        self.scalebars = ScaleBars(self.plot)
        self.missing = MissingRows(self.plot)
        self.layers = {"traces": self.traces, "raster": self.raster, "heatmap": self.heatmap}
        self._bars: tuple | None = None  # what the scale bars show

        self.overview = self.glw.addPlot(row=1, col=0, axisItems={"bottom": TimeAxis()},
                                         enableMenu=False)  # no menu: none is shown
        self.overview.setMaximumHeight(OVERVIEW_PX)
        self.overview.hideButtons()
        self.overview.setMouseEnabled(False, False)
        self.overview.setMenuEnabled(False)
        self.overview.hideAxis("left")
        self.overview.setYRange(0, 1, padding=0)
        self.region = pg.LinearRegionItem((0, 1), brush=(80, 120, 200, 60), movable=True)
        for line in self.region.lines:
            line.setMovable(False)  # drag the body, not the edges
        self.region.sigRegionChangeFinished.connect(
            lambda: on_region(float(self.region.getRegion()[0])))
        self.overview.addItem(self.region)

        def clicked(ev) -> None:
            if self.overview.sceneBoundingRect().contains(ev.scenePos()):
                on_jump(float(self.overview.vb.mapSceneToView(ev.scenePos()).x()))

        self.overview.scene().sigMouseClicked.connect(clicked)
        self.glw.ci.layout.setRowStretchFactor(0, 10)
        # Axes that paging does not change are painted from a cached pixmap: the row
        # names (64+ texts), the scale bars' margin and the overview's ruler.
        self.cached = (self.rows, self.plot.getAxis("right"), self.overview.getAxis("bottom"))
        for axis in self.cached:
            axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.set_duration(duration)

    @contextlib.contextmanager
    def vector(self) -> Iterator[None]:
        """Axes drawn as vectors (not from their pixmap cache) inside the block: SVG."""
        for axis in self.cached:
            axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.NoCache)
        try:
            yield
        finally:
            for axis in self.cached:
                axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_duration(self, duration: float) -> None:
        self.overview.setXRange(0, duration, padding=0)

    def show_window(self, t0: float, t1: float) -> None:
        """Move the plot to ``[t0, t1)`` now (with the data, never before it)."""
        self.plot.setXRange(t0, t1, padding=0)
        # pyqtgraph applies a range change to the item transform at paint time, which
        # dirties the plot again and costs a second full paint of it per frame; apply it
        # now so that one paint shows the page.
        self.vb.updateMatrix()

    def set_region(self, t0: float, t1: float) -> None:
        self.region.blockSignals(True)
        self.region.setRegion((t0, t1))
        self.region.blockSignals(False)

    # -- drawing -------------------------------------------------------------------------
    def layout_rows(self, picks: Sequence[int], look: Look, duration: float) -> None:
        """Row names, missing-row marks and scale bars for rows ``picks``."""
        ticks, missing = row_ticks(picks, look.labels, look.types, set(look.bads),
                                   look.present, look.butterfly)
        self.set_rows(ticks, look.n_lanes(picks))
        if missing and look.mode == "traces":
            self.missing.show(missing, 0.0, duration)
        else:
            self.missing.hide()
        self.update_scalebars(picks, look)

    def update_scalebars(self, picks: Sequence[int], look: Look) -> None:
        if look.mode != "traces" or not look.types:
            self.scalebars.clear()
            self._bars = None
            return
        lanes, _, _ = lanes_for(picks, look.types, look.butterfly)
        first: dict[str, float] = {}
        for k, lane in zip(picks, lanes, strict=True):
            first.setdefault(look.types[k], lane)
        units = {t: (None if look.recording and not u.name else u)
                 for t, u in look.units.items()}
        n_lanes = look.n_lanes(picks)
        spec = (tuple(first.items()), n_lanes, tuple(sorted(look.scales.items())),
                tuple(sorted((k, v) for k, v in units.items())), self.scalebars.visible,
                self.vb.height())
        if spec == self._bars:
            return  # paging: nothing to redraw (the margin stays in its pixmap cache)
        self._bars = spec
        self.scalebars.update(list(first.items()), n_lanes, look.scales, units)

    def draw_page(self, page: Page, look: Look, heat_levels: tuple[float, float] | None,
                  signal: bool) -> tuple[float, float] | None:
        """Show ``page`` in its mode's layer; returns the heatmap levels (set from the
        page's 1st-99th percentiles when there were none)."""
        self.only(page.mode)
        if page.mode == "traces" and page.y is not None:
            look.scales.update(complete_scales(page, look.types, look.scales))
            self.traces.show(self.fitting_render(page, look), look.n_lanes(page.picks))
            self.update_scalebars(page.picks, look)
        elif page.mode == "raster":
            self.raster.show(page)
        elif page.mode == "heatmap" and page.image is not None:
            if heat_levels is None:
                finite = page.image[np.isfinite(page.image)]
                if finite.size:
                    lo, hi = np.percentile(finite, [1, 99])
                    heat_levels = (float(lo), float(hi if hi > lo else lo + 1))
            width = page.t1 - page.t0
            if signal and page.image.shape[1] > 1:
                width = page.image.shape[1] * (page.x[1] - page.x[0])
            self.heatmap.show(page, heat_levels or (0.0, 1.0), width)
        return heat_levels

    def fitting_render(self, page: Page, look: Look):
        """The page's drawing, made again here if what decides it changed since."""
        size = self.size(look.dpr)
        want = draw_params(page, look.types, look.labels, look.bads, look.scales,
                           look.remove_dc, look.butterfly, size if not look.antialias else
                           (0, 0), look.antialias)
        if page.render is None or page.render.params != want:
            page.render = build_render(page, look.types, look.labels, look.bads, look.scales,
                                       look.remove_dc, look.butterfly, size, look.dpr,
                                       look.antialias)
        return page.render

    def set_rows(self, ticks: Sequence[tuple[int, str]], n_lanes: int) -> None:
        """Lanes ``0 .. n_lanes - 1`` top to bottom, named by ``ticks`` (lane, name)."""
        self.plot.setYRange(-0.5, max(n_lanes, 1) - 0.5, padding=0)
        ticks = list(ticks)
        self.rows.set_labels([t for _, t in ticks], positions=[float(r) for r, _ in ticks])

    def only(self, mode: str) -> None:
        """Hide every layer but ``mode``'s."""
        for name, layer in self.layers.items():
            if name != mode:
                layer.hide()

    def set_overview_visible(self, on: bool) -> None:
        self.overview.setVisible(bool(on))
        self.glw.ci.layout.setRowMaximumHeight(1, OVERVIEW_PX if on else 0)

    def size(self, dpr: float) -> tuple[int, int]:
        """The plot area in device pixels (what a trace image must fill)."""
        return (max(int(round(self.vb.width() * dpr)), 1),
                max(int(round(self.vb.height() * dpr)), 1))
