"""The time-series browser: recordings, traces, ROI series and spike rasters.

Only the visible window is ever read: every page is requested from a
:class:`~neurodeck_browser.fetcher.LatestFetcher` worker that drops stale
requests, reduced to min/max peaks at two points per pixel (or one raster tick
per occupied pixel) and drawn as one curve per (row type, bad) group, so a
frame costs the same for a 10-s page of a 10-min or a 10-hour recording.
Neighbouring pages are prefetched while the user reads.

Keys: Left/Right quarter page, Shift+Left/Right or PageUp/PageDown full page,
Home/End start/end, Up/Down previous/next rows, +/- amplitude, [ ] time zoom,
H traces/heatmap, A annotate mode, Delete removes the selected annotation.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.data import Events
from neurodeck.gui.widgets.base import ViewWidget, colormap

from .annotations import AnnotationLayer
from .axes import TimeAxis
from .fetcher import LatestFetcher
from .paths import TraceItem, build_paths, complete_scales, draw_params, lane_arrays, page_groups
from .sources import Page, SignalSource, source_for
from .style import BAD_COLOUR, type_colour

HEATMAP_ROWS = 64  # populations with more rows than this open as a heatmap
MAX_VISIBLE = 512


class _BrowserViewBox(pg.ViewBox):
    """A ViewBox whose mouse gestures page, zoom, mark bads and draw annotations."""

    def __init__(self, browser: BrowserView):
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
        p = self.mapSceneToView(ev.scenePos())
        if self._browser.annotating:
            return
        self._browser.toggle_bad_at(p.y())

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


class BrowserView(ViewWidget):
    """Scroll through any time series or spike trains; see the module docstring."""

    page_shown = QtCore.Signal()
    PREFETCH_AFTER_PAINT = True
    _arrived = QtCore.Signal(object, object, object)

    def __init__(self, ds: Any, parent: QtWidgets.QWidget | None = None):
        super().__init__(ds, parent)
        self.source = source_for(ds)
        self.labels = self.source.labels
        self.types = self.source.row_types
        n = len(self.labels)
        self.selection: list[int] = list(range(n))
        self.row_offset = 0
        self.n_visible = min(n, 20 if self.source.kind == "signal" else 50) or 1
        self.duration = self.source.duration
        base_span = 10.0
        if isinstance(self.source, SignalSource):
            base_span = max(base_span, 300 * self.source.unit_step)  # >= 300 samples
        self.span = min(self.duration, base_span)
        self.t0 = 0.0
        many = n > HEATMAP_ROWS and getattr(ds, "kind", "") != "recording"
        self.mode = "heatmap" if many else ("raster" if self.source.kind == "spikes" else "traces")
        self.remove_dc = True
        self.antialias = False  # 1-px traces: antialiasing doubles the paint time
        self.scales: dict[str, float] = {}
        self.heat_levels: tuple[float, float] | None = None
        self._bads: set[str] = set(getattr(ds, "bads", []) or [])
        self.page: Page | None = None
        self._wanted: tuple | None = None
        self._direction = 1.0  # of the last move in time: where to prefetch
        self._last_t0 = 0.0
        self.error: str | None = None

        self._build_ui()
        self.annotations = AnnotationLayer(self, self.plot, self.overview)
        self.annotations.set_events(self.source.events)

        ref = weakref.ref(self)

        def deliver(key, page, error, ref=ref):
            me = ref()
            if me is None:
                return
            # RuntimeError/TypeError (at interpreter exit): the widget went away meanwhile
            with contextlib.suppress(RuntimeError, TypeError):
                me._arrived.emit(key, page, error)

        self.fetcher = LatestFetcher(deliver, cache_size=24)
        self._arrived.connect(self._on_arrived, QtCore.Qt.QueuedConnection)
        fetcher = self.fetcher
        self.destroyed.connect(lambda *_: fetcher.close(0.5))
        self.setFocusPolicy(QtCore.Qt.StrongFocus)
        self._layout_rows()
        self.request()

    # -- UI ---------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.glw.ci.setSpacing(0)
        self.vb = _BrowserViewBox(self)
        self.plot = self.glw.addPlot(row=0, col=0, viewBox=self.vb,
                                     axisItems={"bottom": TimeAxis()})
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setClipToView(False)
        self.plot.getAxis("left").setStyle(tickLength=0)
        self.plot.setLabel("bottom", "time", units=None)
        self.curves: dict[tuple[str, bool], TraceItem] = {}
        self.raster = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen("#1a1a1a", width=1),
                                       skipFiniteCheck=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(colormap("viridis"))
        for item in (self.raster, self.image):
            self.plot.addItem(item)
            item.setVisible(False)
        # Heatmap colour scale: shown in heatmap mode only; dragging it sets heat_levels.
        unit = "rate (spikes/s)" if self.source.kind == "spikes" else "bin mean"
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=colormap("viridis"),
                                        interactive=True, label=unit)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.colorbar.sigLevelsChangeFinished.connect(self._colorbar_dragged)
        self.colorbar.setVisible(False)

        self.overview = self.glw.addPlot(row=1, col=0, axisItems={"bottom": TimeAxis()})
        self.overview.setMaximumHeight(70)
        self.overview.hideButtons()
        self.overview.setMouseEnabled(False, False)
        self.overview.setMenuEnabled(False)
        self.overview.hideAxis("left")
        self.overview.setXRange(0, self.duration, padding=0)
        self.overview.setYRange(0, 1, padding=0)
        self.window_region = pg.LinearRegionItem((0, 1), brush=(80, 120, 200, 60),
                                                 movable=True)
        self.window_region.lines[0].setMovable(False)  # drag the body, not the edges
        self.window_region.lines[1].setMovable(False)
        self.window_region.sigRegionChangeFinished.connect(self._overview_dragged)
        self.overview.addItem(self.window_region)
        self.overview.scene().sigMouseClicked.connect(self._overview_clicked)
        self.glw.ci.layout.setRowStretchFactor(0, 10)

        bar = QtWidgets.QHBoxLayout()
        self.mode_box = QtWidgets.QComboBox()
        modes = ["raster", "heatmap"] if self.source.kind == "spikes" else ["traces", "heatmap"]
        self.mode_box.addItems(modes)
        self.mode_box.setCurrentText(self.mode)
        self.mode_box.currentTextChanged.connect(self.set_mode)
        self.span_box = QtWidgets.QDoubleSpinBox(decimals=3, minimum=1e-3,
                                                 maximum=max(self.duration, 1e-3))
        self.span_box.setSuffix(" s")
        self.span_box.setValue(self.span)
        self.span_box.editingFinished.connect(lambda: self.set_window(self.t0,
                                                                      self.span_box.value()))
        self.rows_box = QtWidgets.QSpinBox(minimum=1, maximum=MAX_VISIBLE)
        self.rows_box.setValue(self.n_visible)
        self.rows_box.editingFinished.connect(lambda: self.set_n_visible(self.rows_box.value()))
        channels = QtWidgets.QPushButton("Rows\u2026")
        channels.clicked.connect(self._choose_rows)
        smaller = QtWidgets.QToolButton(text="\u2212")
        smaller.setToolTip("Smaller amplitude (-)")
        smaller.clicked.connect(lambda: self.scale_all(1.25))
        larger = QtWidgets.QToolButton(text="+")
        larger.setToolTip("Larger amplitude (+)")
        larger.clicked.connect(lambda: self.scale_all(0.8))
        self.annotate_button = QtWidgets.QToolButton(text="Annotate", checkable=True)
        self.annotate_button.setToolTip("Drag on the traces to add an annotation (A)")
        self.annotate_button.toggled.connect(self.set_annotating)
        self.label_edit = QtWidgets.QLineEdit("BAD_")
        self.label_edit.setMaximumWidth(120)
        self.label_edit.setToolTip("Label of new annotations")
        self.status = QtWidgets.QLabel(" ")
        for w in (QtWidgets.QLabel("Mode"), self.mode_box, QtWidgets.QLabel("Window"),
                  self.span_box, QtWidgets.QLabel("Rows"), self.rows_box, channels,
                  smaller, larger, self.annotate_button, self.label_edit):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.status)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)
        for w in (self.mode_box, self.span_box, self.rows_box, channels, smaller, larger,
                  self.annotate_button):
            w.setFocusPolicy(QtCore.Qt.ClickFocus)

    # -- what is visible ------------------------------------------------------------------
    @property
    def visible_rows(self) -> list[int]:
        """Dataset row indices shown, top to bottom."""
        return self.selection[self.row_offset: self.row_offset + self.n_visible]

    @property
    def bads(self) -> list[str]:
        return [lab for lab in self.labels if lab in self._bads]

    @property
    def annotating(self) -> bool:
        return self.annotate_button.isChecked()

    def n_px(self) -> int:
        return int(max(self.vb.width(), 200))

    def _clamp(self, t0: float) -> float:
        return float(min(max(t0, 0.0), max(self.duration - self.span, 0.0)))

    # -- navigation -----------------------------------------------------------------------
    def set_window(self, t0: float, span: float | None = None) -> None:
        if span is not None:
            self.span = float(min(max(span, 10 * getattr(self.source, "unit_step", 1e-3)),
                                  self.duration))
        self.t0 = self._clamp(t0)
        self.request()

    def scroll_time(self, pages: float) -> None:
        self.set_window(self.t0 + pages * self.span)

    def zoom_time(self, factor: float) -> None:
        centre = self.t0 + self.span / 2
        span = min(max(self.span * factor, 1e-3), self.duration)
        self.set_window(centre - span / 2, span)

    def scroll_rows(self, pages: float) -> None:
        top = max(len(self.selection) - self.n_visible, 0)
        self.row_offset = int(min(max(self.row_offset + round(pages * self.n_visible), 0), top))
        self._layout_rows()
        self.request()

    def set_n_visible(self, n: int) -> None:
        self.n_visible = int(min(max(n, 1), MAX_VISIBLE, max(len(self.selection), 1)))
        self.row_offset = min(self.row_offset, max(len(self.selection) - self.n_visible, 0))
        self._layout_rows()
        self.request()

    def set_selection(self, rows: Sequence[int]) -> None:
        """Show only these dataset rows (indices), in this order."""
        rows = [int(r) for r in rows if 0 <= int(r) < len(self.labels)]
        self.selection = rows or list(range(len(self.labels)))
        self.row_offset = 0
        self.n_visible = min(self.n_visible if self.n_visible > 1 else 20,
                             len(self.selection))
        self.rows_box.setValue(self.n_visible)
        self._layout_rows()
        self.request()

    def set_mode(self, mode: str) -> None:
        allowed = ("raster", "heatmap") if self.source.kind == "spikes" else ("traces", "heatmap")
        if mode not in allowed:
            raise ValueError(f"mode must be one of {allowed}, got {mode!r}")
        self.mode = mode
        if self.mode_box.currentText() != mode:
            self.mode_box.setCurrentText(mode)
        self.request()

    # -- scaling ------------------------------------------------------------------------------
    def set_scale(self, kind: str, value: float) -> None:
        """Data units spanning one row's lane for rows of type ``kind``."""
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"scale must be positive, got {value}")
        self.scales[kind] = float(value)
        self._redraw()

    def scale_all(self, factor: float) -> None:
        for kind in list(self.scales):
            self.scales[kind] *= factor
        if self.heat_levels is not None:
            lo, hi = self.heat_levels
            mid = (lo + hi) / 2
            self.heat_levels = (mid - (mid - lo) * factor, mid + (hi - mid) * factor)
        self._redraw()

    # -- bads ---------------------------------------------------------------------------------
    def toggle_bad(self, row: int) -> None:
        label = self.labels[row]
        self._bads.symmetric_difference_update({label})
        if hasattr(type(self.obj), "bads"):
            # Recording.bads writes through to raw.info["bads"] (saved with the dataset).
            self.obj.bads = self.bads
        self._layout_rows()
        self._redraw()

    def toggle_bad_at(self, y: float) -> None:
        r = int(round(y))
        rows = self.visible_rows
        if 0 <= r < len(rows) and self.mode != "heatmap":
            self.toggle_bad(rows[r])

    # -- annotations (edits are written back with Recording.set_events) -----------------------
    @property
    def events(self) -> Events:
        return self.annotations.events

    @property
    def can_edit_events(self) -> bool:
        return hasattr(self.obj, "set_events")

    def set_annotating(self, on: bool) -> None:
        if on and not self.can_edit_events:
            self.status.setText("annotations of this dataset are read-only")
            self.annotate_button.setChecked(False)
            return
        if self.annotate_button.isChecked() != on:
            self.annotate_button.setChecked(on)
        self.annotations.set_editable(on)

    def add_annotation(self, onset: float, duration: float, label: str | None = None) -> int:
        label = label or self.label_edit.text() or "annotation"
        ev = self.events
        i = int(np.searchsorted(ev.onset, onset, side="right"))
        new = Events(np.insert(ev.onset, i, onset), np.insert(ev.duration, i, max(duration, 0)),
                     ev.label[:i] + [label] + ev.label[i:])
        self._commit_events(new)
        return i

    def move_annotation(self, i: int, onset: float, duration: float) -> None:
        ev = self.events
        onset_ = ev.onset.copy()
        dur = ev.duration.copy()
        onset_[i], dur[i] = onset, max(duration, 0.0)
        order = np.argsort(onset_, kind="stable")
        self._commit_events(Events(onset_[order], dur[order], [ev.label[k] for k in order]))

    def rename_annotation(self, i: int, label: str) -> None:
        ev = self.events
        labels = list(ev.label)
        labels[i] = str(label)
        self._commit_events(Events(ev.onset, ev.duration, labels))

    def delete_annotation(self, i: int) -> None:
        ev = self.events
        keep = np.arange(len(ev)) != i
        self._commit_events(Events(ev.onset[keep], ev.duration[keep],
                                   [lab for lab, k in zip(ev.label, keep, strict=True) if k]))

    def _commit_events(self, events: Events) -> None:
        if not self.can_edit_events:
            raise PermissionError(f"{type(self.obj).__name__} has no set_events: read-only")
        self.obj.set_events(events)
        self.annotations.set_events(self.source.events)
        self.annotations.draw(self.t0, self.t0 + self.span)

    # -- fetching ---------------------------------------------------------------------------------
    def _key(self, t0: float) -> tuple:
        step = self.source.unit_step
        return (round(t0 / step), round(self.span / step), tuple(self.visible_rows),
                self.n_px(), self.mode)

    def _job(self, t0: float):
        source, picks, n_px, mode = self.source, tuple(self.visible_rows), self.n_px(), self.mode
        t1 = t0 + self.span
        # Snapshot of what decides the geometry: the worker builds the trace paths
        # with the page, so the GUI thread only swaps them in (see paths.py).
        types, labels = self.types, self.labels
        bads, scales, remove_dc = frozenset(self._bads), dict(self.scales), self.remove_dc

        def job() -> Page:
            page = source.fetch(t0, t1, picks, n_px, mode)
            if page.mode == "traces" and page.y is not None:
                page.render = build_paths(page, types, labels, bads, scales, remove_dc)
            return page

        return job

    def request(self) -> None:
        """Show the current window: from the cache at once, else via the worker."""
        if self.t0 != self._last_t0:
            self._direction = 1.0 if self.t0 > self._last_t0 else -1.0
            self._last_t0 = self.t0
        self._sync_controls()
        key = self._key(self.t0)
        self._wanted = key
        page = self.fetcher.cached(key)
        if page is not None:
            self._show(page)
        else:
            self.fetcher.request(key, self._job(self.t0))
        if not self.PREFETCH_AFTER_PAINT:
            self._prefetch_neighbours()

    def _prefetch_neighbours(self) -> None:
        # Read the neighbours while the user looks at this page: two pages ahead in
        # the direction of travel (paging keeps the worker one step ahead), one behind.
        # The fetcher runs the newest prefetch first, so queue the nearest last.
        ahead = self._direction * self.span
        for t in (self.t0 - ahead, self.t0 + 2 * ahead, self.t0 + ahead):
            t = self._clamp(t)
            if t != self.t0:
                self.fetcher.prefetch(self._key(t), self._job(t))

    @QtCore.Slot(object, object, object)
    def _on_arrived(self, key, page, error) -> None:
        if key != self._wanted:
            return  # stale: the user moved on (the page stays cached)
        if error is not None:
            self.error = f"{type(error).__name__}: {error}"
            self.status.setText(f"read failed: {self.error}")
            return
        self._show(page)

    # -- drawing -----------------------------------------------------------------------------------
    def _sync_controls(self) -> None:
        for box, value in ((self.span_box, self.span), (self.rows_box, self.n_visible)):
            if box.value() != value:  # setValue re-renders the box even when unchanged
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        self.window_region.blockSignals(True)
        self.window_region.setRegion((self.t0, self.t0 + self.span))
        self.window_region.blockSignals(False)

    def _layout_rows(self) -> None:
        rows = self.visible_rows
        self.plot.setYRange(-0.5, max(self.n_visible, 1) - 0.5, padding=0)
        ticks = [(r, ("\u2717 " if self.labels[k] in self._bads else "") + self.labels[k])
                 for r, k in enumerate(rows)]
        step = max(1, int(np.ceil(len(ticks) / max(self.vb.height() / 12, 1))))
        self.plot.getAxis("left").setTicks([ticks[::step]])

    def _show(self, page: Page) -> None:
        self.page = page
        self.error = None
        # The x range moves with the data, never before it: no blank intermediate frame
        # (and no wasted repaint) while the worker reads the page.
        self.plot.setXRange(page.t0, page.t1, padding=0)
        # pyqtgraph applies a range change to the item transform at paint time, which
        # dirties the plot again and costs a second full paint of it per frame; apply it
        # now so that one paint shows the page.
        self.vb.updateMatrix()
        if page.mode == "traces" and page.y is not None:
            self._auto_scales(page)
        if page.mode == "heatmap" and self.heat_levels is None and page.image is not None:
            finite = page.image[np.isfinite(page.image)]
            if finite.size:
                lo, hi = np.percentile(finite, [1, 99])
                self.heat_levels = (float(lo), float(hi if hi > lo else lo + 1))
        self._redraw()
        self.annotations.draw(self.t0, self.t0 + self.span)
        self.status.setText(
            f"{self.t0:.3f}\u2013{self.t0 + self.span:.3f} s of {self.duration:.1f} s; "
            f"rows {self.row_offset + 1}\u2013{self.row_offset + len(page.picks)} of "
            f"{len(self.selection)}")
        self.page_shown.emit()
        if self.PREFETCH_AFTER_PAINT:
            # Start reading the neighbours once this page is painted: a worker running
            # Python during the paint makes the GUI thread wait for the GIL (up to the
            # 5-ms switch interval, again and again).
            QtCore.QTimer.singleShot(0, self, self._prefetch_neighbours)  # dropped if deleted

    def _auto_scales(self, page: Page) -> None:
        self.scales.update(complete_scales(page, self.types, self.scales))

    def _redraw(self) -> None:
        page = self.page
        self.raster.setVisible(page is not None and page.mode == "raster")
        heat = page is not None and page.mode == "heatmap"
        self.image.setVisible(heat)
        if self.colorbar.isVisible() != heat:
            self.colorbar.setVisible(heat)
        if page is None or page.mode != "traces":
            for curve in self.curves.values():
                curve.setVisible(False)
        if page is None:
            return
        if page.mode == "traces":
            self._draw_traces(page)
        elif page.mode == "raster":
            self._draw_raster(page)
        else:
            self._draw_heatmap(page)

    def trace_lanes(self, page: Page) -> dict[tuple[str, bool], tuple[np.ndarray, np.ndarray]]:
        """Per (type, bad) group: x (points,) and screen y (rows x points) (for tests)."""
        return {group: (page.x, lane_arrays(page, rows, self.scales.get(group[0], 1.0),
                                            self.remove_dc))
                for group, rows in page_groups(page, self.types, self.labels,
                                               self._bads).items()}

    def _trace_paths(self, page: Page) -> dict:
        """The page's worker-built paths, rebuilt here only if scales/bads changed since."""
        want = draw_params(page, self.types, self.labels, self._bads, self.scales,
                           self.remove_dc)
        if page.render is None or page.render.params != want:
            page.render = build_paths(page, self.types, self.labels, self._bads,
                                      self.scales, self.remove_dc)
        return page.render.paths

    def _draw_traces(self, page: Page) -> None:
        paths = self._trace_paths(page)
        for key, path in paths.items():
            curve = self.curves.get(key)
            if curve is None:
                curve = TraceItem(BAD_COLOUR if key[1] else type_colour(key[0]))
                self.curves[key] = curve
                self.plot.addItem(curve, ignoreBounds=True)
            curve.setPath(path)
            curve.setVisible(True)
        for key, curve in self.curves.items():
            if key not in paths:
                curve.setVisible(False)

    def set_antialias(self, on: bool) -> None:
        """Antialiased drawing: smoother traces, about twice the paint time."""
        self.antialias = bool(on)
        self.glw.setAntialiasing(self.antialias)

    def _draw_raster(self, page: Page) -> None:
        xs, ys = [], []
        for r, ticks in enumerate(page.ticks):
            xs.append(np.repeat(ticks, 2))
            ys.append(np.tile([r - 0.4, r + 0.4], ticks.size))
        x = np.concatenate(xs) if xs else np.zeros(0)
        y = np.concatenate(ys) if ys else np.zeros(0)
        self.raster.setData(x, y)

    def _draw_heatmap(self, page: Page) -> None:
        img = page.image
        if img is None or img.size == 0:
            self.image.clear()
            return
        levels = self.heat_levels or (float(np.nanmin(img)), float(np.nanmax(img)))
        self.image.setImage(np.nan_to_num(img, nan=levels[0]), autoLevels=False, levels=levels)
        self.colorbar.setLevels(levels)
        width = page.t1 - page.t0
        if isinstance(self.source, SignalSource):
            width = img.shape[1] * (page.x[1] - page.x[0]) if img.shape[1] > 1 else width
        self.image.setRect(QtCore.QRectF(page.t0, -0.5, width, img.shape[0]))

    def _colorbar_dragged(self, bar) -> None:
        lo, hi = bar.levels()
        self.heat_levels = (float(lo), float(hi))

    # -- overview ----------------------------------------------------------------------------------
    def _overview_dragged(self) -> None:
        a, _ = self.window_region.getRegion()
        self.set_window(a)

    def _overview_clicked(self, ev) -> None:
        if not self.overview.sceneBoundingRect().contains(ev.scenePos()):
            return
        t = self.overview.vb.mapSceneToView(ev.scenePos()).x()
        self.set_window(t - self.span / 2)

    # -- rows dialog -------------------------------------------------------------------------------
    def _choose_rows(self) -> None:
        dlg = RowDialog(self.labels, self.types, self.selection, self)
        if dlg.exec() == QtWidgets.QDialog.Accepted:
            self.set_selection(dlg.chosen())

    # -- keys --------------------------------------------------------------------------------------
    def keyPressEvent(self, ev) -> None:  # noqa: N802 - Qt API
        key, mods = ev.key(), ev.modifiers()
        shift = bool(mods & QtCore.Qt.ShiftModifier)
        k = QtCore.Qt
        actions = {
            k.Key_Right: lambda: self.scroll_time(1.0 if shift else 0.25),
            k.Key_Left: lambda: self.scroll_time(-1.0 if shift else -0.25),
            k.Key_PageDown: lambda: self.scroll_time(1.0),
            k.Key_PageUp: lambda: self.scroll_time(-1.0),
            k.Key_Home: lambda: self.set_window(0.0),
            k.Key_End: lambda: self.set_window(self.duration),
            k.Key_Down: lambda: self.scroll_rows(1.0),
            k.Key_Up: lambda: self.scroll_rows(-1.0),
            k.Key_Plus: lambda: self.scale_all(0.8),
            k.Key_Equal: lambda: self.scale_all(0.8),
            k.Key_Minus: lambda: self.scale_all(1.25),
            k.Key_BracketLeft: lambda: self.zoom_time(0.5),
            k.Key_BracketRight: lambda: self.zoom_time(2.0),
            k.Key_H: lambda: self.set_mode(
                "heatmap" if self.mode != "heatmap" else
                ("raster" if self.source.kind == "spikes" else "traces")),
            k.Key_A: lambda: self.set_annotating(not self.annotating),
            k.Key_Delete: self.annotations.delete_selected,
            k.Key_Backspace: self.annotations.delete_selected,
        }
        action = actions.get(key)
        if action is None:
            super().keyPressEvent(ev)
            return
        ev.accept()
        action()

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(ev)
        # New width: new decimation; coalesce the burst of resize events.
        QtCore.QTimer.singleShot(50, self, self._after_resize)  # dropped if deleted

    def _after_resize(self) -> None:
        try:
            self._layout_rows()
            if self.page is not None and self._key(self.t0) != self._wanted:
                self.request()
        except RuntimeError:  # deleted meanwhile
            pass

    def closeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self.fetcher.close(0.5)
        super().closeEvent(ev)

    # -- workspace layout --------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The layout as JSON-able data (see :meth:`restore_state`)."""
        return {
            "t0": self.t0, "span": self.span, "n_visible": self.n_visible,
            "row_offset": self.row_offset, "mode": self.mode, "remove_dc": self.remove_dc,
            "antialias": self.antialias,
            "selection": [self.labels[k] for k in self.selection],
            "scales": dict(self.scales),
            "heat_levels": list(self.heat_levels) if self.heat_levels else None,
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Re-apply a :meth:`state`; labels no longer present are skipped."""
        where = {lab: i for i, lab in enumerate(self.labels)}
        sel = [where[lab] for lab in state.get("selection", []) if lab in where]
        if sel:
            self.selection = sel
        self.scales.update({str(k): float(v) for k, v in state.get("scales", {}).items()
                            if float(v) > 0})
        if state.get("heat_levels"):
            lo, hi = state["heat_levels"]
            self.heat_levels = (float(lo), float(hi))
        self.remove_dc = bool(state.get("remove_dc", True))
        self.set_antialias(bool(state.get("antialias", False)))
        mode = state.get("mode", self.mode)
        allowed = ("raster", "heatmap") if self.source.kind == "spikes" else ("traces", "heatmap")
        if mode in allowed:
            self.mode = mode
            self.mode_box.blockSignals(True)
            self.mode_box.setCurrentText(mode)
            self.mode_box.blockSignals(False)
        self.n_visible = int(min(max(int(state.get("n_visible", self.n_visible)), 1),
                                 MAX_VISIBLE, len(self.selection)))
        self.row_offset = int(min(max(int(state.get("row_offset", 0)), 0),
                                  max(len(self.selection) - self.n_visible, 0)))
        self._layout_rows()
        self.set_window(float(state.get("t0", self.t0)), float(state.get("span", self.span)))

    # -- ViewWidget --------------------------------------------------------------------------------
    def export_item(self):
        return self.glw.scene()

    def export_widget(self):
        return self.glw

    def values_table(self):
        """The visible window's samples (signals) or spike counts (spikes)."""
        rows = self.visible_rows
        labels = [self.labels[k] for k in rows]
        if isinstance(self.source, SignalSource):
            start, stop = self.source.samples(self.t0, self.t0 + self.span)
            stop = min(stop, start + max(1_000_000 // max(len(rows), 1), 1))
            data = self.obj.get_data(start, stop, rows)
            times = [f"{(start + i) / self.obj.sfreq:.6g}" for i in range(data.shape[1])]
            return labels, times, data
        t1 = self.t0 + self.span
        counts = np.array([[np.count_nonzero((u >= self.t0) & (u < t1))]
                           for u in (self.obj.unit(k) for k in rows)], dtype=float)
        return labels, [f"spikes {self.t0:.3f}-{t1:.3f} s"], counts


class RowDialog(QtWidgets.QDialog):
    """Pick rows by name or type; the order of the dataset is kept."""

    def __init__(self, labels: list[str], types: list[str], selected: list[int], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Rows to show")
        self.list = QtWidgets.QListWidget()
        chosen = set(selected)
        for i, (lab, kind) in enumerate(zip(labels, types, strict=True)):
            item = QtWidgets.QListWidgetItem(f"{lab}  [{kind}]")
            item.setFlags(item.flags() | QtCore.Qt.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.Checked if i in chosen else QtCore.Qt.Unchecked)
            self.list.addItem(item)
        filt = QtWidgets.QLineEdit(placeholderText="filter")
        filt.textChanged.connect(lambda text: [
            self.list.item(i).setHidden(text.lower() not in self.list.item(i).text().lower())
            for i in range(self.list.count())])
        by_type = QtWidgets.QHBoxLayout()
        for kind in sorted(set(types)):
            b = QtWidgets.QPushButton(f"only {kind}")
            b.clicked.connect(lambda _=False, kind=kind: self._only(types, kind))
            by_type.addWidget(b)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        for w in (filt, self.list):
            layout.addWidget(w)
        layout.addLayout(by_type)
        layout.addWidget(buttons)

    def _only(self, types: list[str], kind: str) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(
                QtCore.Qt.Checked if types[i] == kind else QtCore.Qt.Unchecked)

    def chosen(self) -> list[int]:
        return [i for i in range(self.list.count())
                if self.list.item(i).checkState() == QtCore.Qt.Checked]
