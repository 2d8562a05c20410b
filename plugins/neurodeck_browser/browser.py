"""The time-series browser: recordings, traces (one animal or many), ROI series, spikes.

:class:`BrowserView` only puts together parts that each do one job and are read and
tested alone:

- :mod:`.navigation` — the window and the rows on screen (Qt-free);
- :mod:`.keys` — the key map (mne-qt-browser's, plus ours), :func:`~.keys.shortcuts`;
- :mod:`.edits` — bad channels and annotation edits, named for Edit > Undo (Qt-free);
- :mod:`.pager` / :mod:`.fetcher` — pages read, reduced and drawn on worker threads;
- :mod:`.sources`, :mod:`.display_filter`, :mod:`.population` — what is read, and how;
- :mod:`.canvas` (plot and overview), :mod:`.traces` / :mod:`.rasterize` and
  :mod:`.modes` (the traces, raster and heatmap modes, scale bars, missing rows),
  :mod:`.annotations` (events over the traces), :mod:`.controls` (the tool bar);
- :mod:`.units` (µV and friends), :mod:`.labels` (text that never overlaps),
  :mod:`.state` (the layout as JSON), :mod:`.values` (what Copy values copies).

Only the visible window is ever read (``get_data(start, stop, picks)``), so a 10-s page
costs the same in a 10-minute or a 10-hour recording, and a lazily filtered recording
computes only what is shown. The view listens to its dataset's edits: an undo in the main
window (a bad channel, a moved annotation) shows at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6 import QtCore, QtWidgets

from neurodeck.gui.widgets.base import ViewWidget

from . import keys as keymap
from . import population as pop
from .annotations import AnnotationLayer
from .canvas import Canvas, Look
from .controls import Controls
from .display_copy import CopyBuilder
from .display_copy import offered as copy_offered
from .display_filter import DisplayFilter
from .edits import AnnotationEditor, BadChannels
from .navigation import MAX_VISIBLE, Viewport
from .pager import Pager, Want
from .rows import RowDialog
from .sources import Page, SignalSource, Source, source_for
from .state import restore_view_state, view_state
from .traces import TraceImage
from .units import Unit, units_for
from .values import window_table

HEATMAP_ROWS = 64  # populations with more rows than this open as a heatmap


class BrowserView(ViewWidget):
    """Scroll through any time series or spike trains; see the module docstring."""

    page_shown = QtCore.Signal()
    PREFETCH_AFTER_PAINT = True
    #: While a page is read for a step in time, the next one is read beside it.
    PREFETCH_ON_REQUEST = True
    #: Build the dataset's display copy when it offers one (see :mod:`.display_copy`).
    DISPLAY_COPY = True
    COPY_POLL_MS = 500

    def __init__(self, ds: Any, parent: QtWidgets.QWidget | None = None):
        super().__init__(ds, parent)
        self._sized = False  # laid out (or off screen): pages may be asked for
        self.population = ds if pop.is_population(ds) else None
        self.animal: int | str | None = 0 if self.population is not None else None
        self.remove_dc = True
        self.antialias = False  # on: vector paths drawn by Qt (smooth, slower)
        self.butterfly = False
        self.scalebars_visible = True
        self.zen = False
        self.annotating = False
        self.filter_band: tuple[float | None, float | None] | None = None
        self.filter_enabled = False
        self.page: Page | None = None
        self.error: str | None = None
        self._direction = 1.0  # of the last move in time: where to prefetch
        self._last_t0 = 0.0
        self.editor = AnnotationEditor(ds, self.say)
        self._bind(self._make_source())
        self._build_ui()
        self.annotations = AnnotationLayer(self, self.canvas.plot, self.canvas.overview)
        self.annotations.set_events(self.editor.events)
        self.pager = Pager(self.source, lambda _want, page: self._show(page), self._failed)
        pager = self.pager
        self.destroyed.connect(lambda *_: pager.close(0.5))
        self.copy_builder: CopyBuilder | None = None
        self._page_text = ""
        self._start_copy()
        if hasattr(ds, "subscribe_edits"):
            ds.subscribe_edits(self._on_edited)  # held weakly by the dataset
        self.setFocusPolicy(QtCore.Qt.StrongFocus)
        self._layout_rows()
        # The first page is asked for once the view is up: its worker then does not
        # compete for the interpreter with the view's construction and first paint (on a
        # lazy chain, a page takes 100+ ms of Python-heavy work), and it is read and drawn
        # for the plot's real size, once (not at the size before the layout, then again).
        QtCore.QTimer.singleShot(0, self, self._first_request)

    def _first_request(self) -> None:
        if not self.isVisible():
            self._sized = True  # not on screen (yet): any size will do until it is
        if self._sized and self.page is None and self.pager.wanted is None:
            self.request()
        # else: shown, and its layout settles first (the first page comes with the
        # resize, in _after_resize)

    # -- the data shown ------------------------------------------------------------------------
    def _make_source(self) -> Source:
        if self.population is None:
            return source_for(self.obj)
        if self.animal == pop.ALIGNED:
            return SignalSource(pop.AlignedTraces(self.population))
        return SignalSource(self.population.animal(int(self.animal)))

    def _bind(self, source: Source) -> None:
        """Start showing ``source``: its rows, units, bad channels and a fresh viewport."""
        self.source = source
        self.labels = source.labels
        self.types = source.row_types
        self.units: dict[str, Unit] = units_for(self.obj, self.types)
        self.scales: dict[str, float] = {}
        self.heat_levels: tuple[float, float] | None = None
        self.bad_channels = BadChannels(self.obj, self.labels, self.say)
        n = len(self.labels)
        span = 10.0
        if isinstance(source, SignalSource):
            span = max(span, 300 * source.unit_step)  # >= 300 samples
        self.viewport = Viewport(source.duration, n, min_span=10 * source.unit_step,
                                 span=min(source.duration, span),
                                 n_visible=min(n, 20 if source.kind == "signal" else 50) or 1)
        many = n > HEATMAP_ROWS and getattr(self.obj, "kind", "") != "recording"
        self.mode = "heatmap" if many else self.allowed_modes[0]

    def _build_ui(self) -> None:
        self.canvas = Canvas(self, self.duration, self._heat_label(),
                             lambda levels: setattr(self, "heat_levels", levels),
                             self.set_window, lambda t: self.set_window(t - self.span / 2))
        self.vb, self.plot, self.glw = self.canvas.vb, self.canvas.plot, self.canvas.glw
        # The plot changes size without the widget doing so (the heatmap's colour bar,
        # the information line, zen mode): the page must follow its pixels.
        self.vb.sigResized.connect(lambda *_: self._resized())
        self.overview = self.canvas.overview
        names = pop.animal_names(self.population) if self.population is not None else None
        self.controls = Controls(self, signal=self.source.kind == "signal",
                                 modes=self.allowed_modes, animals=names,
                                 duration=self.duration,
                                 nyquist=getattr(self.obj, "sfreq", 2.0) / 2)
        self.status = QtWidgets.QLabel(" ")
        self.info = QtWidgets.QLabel("")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #555;")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        for w in (self.controls, self.info):
            layout.addWidget(w)
        layout.addWidget(self.glw, 1)
        layout.addWidget(self.status)
        self.controls.show_state(self)
        self._update_info()

    def set_animal(self, which: int | str, request: bool = True) -> None:
        """Show one animal (its index) or all of them aligned by neuron (``"aligned"``)."""
        if self.population is None:
            raise ValueError("this dataset holds one animal")
        if which != pop.ALIGNED:
            which = int(which)
            if not 0 <= which < self.population.n_animals:
                raise ValueError(f"no animal {which}")
        self.animal = which
        self._bind(self._make_source())
        self.pager.set_source(self.source)
        self.page = None
        self.canvas.heatmap.set_label(self._heat_label())
        self.canvas.set_duration(self.duration)
        self.controls.set_duration(self.duration)
        self._update_info()
        self._layout_rows()
        if request:
            self.request()

    def _heat_label(self) -> str:
        if self.source.kind == "spikes":
            return "rate (spikes/s)"
        names = sorted({self.units.get(t, Unit()).name for t in set(self.types)} - {""})
        return "bin mean" + (f" ({', '.join(names)})" if names else "")

    def _update_info(self) -> None:
        parts = []
        if self.population is not None:
            parts.append(pop.facts(self.population, self.animal))
        if self.filt is not None:
            parts.append(f"{self.filt.describe()}; {self.filt.pad} samples of padding read "
                         "on each side so the edges are right")
        self.info.setText("; ".join(parts))
        self.info.setVisible(bool(parts) and not self.zen)

    def say(self, text: str) -> None:
        """A message in the status line (edits say what they did)."""
        self.status.setText(text)

    # -- what is visible -----------------------------------------------------------------------
    t0 = property(lambda self: self.viewport.t0)
    span = property(lambda self: self.viewport.span)
    duration = property(lambda self: self.viewport.duration)
    n_visible = property(lambda self: self.viewport.n_visible)
    row_offset = property(lambda self: self.viewport.row_offset)
    selection = property(lambda self: self.viewport.selection)
    visible_rows = property(lambda self: self.viewport.visible_rows,
                            doc="Dataset row indices shown, top to bottom.")

    @property
    def allowed_modes(self) -> tuple[str, ...]:
        return ("raster", "heatmap") if self.source.kind == "spikes" else ("traces", "heatmap")

    @property
    def bads(self) -> list[str]:
        names = self.bad_channels.names
        return [lab for lab in self.labels if lab in names]

    @property
    def events(self):
        return self.annotations.events

    @property
    def annotations_visible(self) -> bool:
        return self.annotations.visible

    @property
    def filt(self) -> DisplayFilter | None:
        """The display filter in use (None when off)."""
        if not (self.filter_enabled and self.filter_band and self.source.kind == "signal"):
            return None
        return DisplayFilter(float(self.source.ds.sfreq), *self.filter_band)

    @property
    def trace_image(self) -> TraceImage | None:
        """The trace image on screen (None in antialiased mode or another mode)."""
        layer = self.canvas.traces
        return layer.render if isinstance(layer.render, TraceImage) and \
            layer.image_item.isVisible() else None

    def n_px(self) -> int:
        return int(max(self.vb.width(), 200))

    def _butterfly_now(self) -> bool:
        return self.butterfly and self.mode == "traces"

    def _picks(self) -> list[int]:
        return self.selection[:MAX_VISIBLE] if self._butterfly_now() else self.visible_rows

    # -- navigation (the viewport decides, the view fetches) -----------------------------------
    def _moved(self, change, *args) -> None:
        change(*args)
        self.request()

    def set_window(self, t0: float, span: float | None = None) -> None:
        self._moved(self.viewport.set_time, t0, span)

    def scroll_time(self, pages: float) -> None:
        self._moved(self.viewport.scroll_time, pages)

    def zoom_time(self, factor: float) -> None:
        self._moved(self.viewport.zoom_time, factor)

    def change_span(self, fraction: float) -> None:
        self._moved(self.viewport.change_span, fraction)

    def _rows(self, change, *args) -> None:
        change(*args)
        self._layout_rows()
        self.request()

    def scroll_rows(self, pages: float) -> None:
        self._rows(self.viewport.scroll_rows, pages)

    def set_n_visible(self, n: int) -> None:
        self._rows(self.viewport.set_n_visible, n)

    def change_n_visible(self, step: int) -> None:
        self._rows(self.viewport.change_n_visible, step)

    def set_selection(self, rows: Sequence[int]) -> None:
        """Show only these dataset rows (indices), in this order."""
        self._rows(self.viewport.set_selection, rows)

    # -- display -------------------------------------------------------------------------------
    def set_mode(self, mode: str, request: bool = True) -> None:
        if mode not in self.allowed_modes:
            raise ValueError(f"mode must be one of {self.allowed_modes}, got {mode!r}")
        self.mode = mode
        self.controls.show_state(self)
        if request:
            self._rows(lambda: None)

    def toggle_heatmap(self) -> None:
        self.set_mode("heatmap" if self.mode != "heatmap" else self.allowed_modes[0])

    def set_butterfly(self, on: bool) -> None:
        """All rows of a type overlaid in one lane per type (MNE's butterfly mode)."""
        on = bool(on) and self.source.kind == "signal"
        if on != self.butterfly:
            self.butterfly = on
            if on and self.mode != "traces":
                self.mode = "traces"
            self._rows(lambda: None)
        self.controls.show_state(self)

    def toggle_butterfly(self) -> None:
        self.set_butterfly(not self.butterfly)

    def set_remove_dc(self, on: bool) -> None:
        self.remove_dc = bool(on)
        self._redraw()

    def set_antialias(self, on: bool, request: bool = True) -> None:
        """Antialiased traces: Qt draws vector paths (smoother, several times the paint
        time); off, the worker's trace image is blitted."""
        self.antialias = bool(on)
        self.glw.setAntialiasing(self.antialias)
        if request:
            self._redraw()

    def set_overview_visible(self, on: bool) -> None:
        self.canvas.set_overview_visible(on)

    def set_scalebars_visible(self, on: bool) -> None:
        self.scalebars_visible = self.canvas.scalebars.visible = bool(on)
        self.canvas.update_scalebars(self._picks(), self.look())

    def set_zen(self, on: bool) -> None:
        """Only the traces: tool bar, information line and overview hidden (MNE's zen)."""
        self.zen = bool(on)
        self.controls.setVisible(not self.zen)
        self._update_info()
        self.canvas.set_overview_visible(not self.zen)

    def set_annotations_visible(self, on: bool) -> None:
        self.annotations.set_visible(on)

    # -- display filter ------------------------------------------------------------------------
    def set_filter(self, l_freq: float | None, h_freq: float | None, enabled: bool = True,
                   request: bool = True) -> None:
        """High-pass ``l_freq`` / low-pass ``h_freq`` (Hz; None or 0: none) on the shown
        window only. Raises ValueError for a band the sampling rate does not allow."""
        l_freq, h_freq = (float(l_freq) if l_freq else None), (float(h_freq) if h_freq else None)
        band = None
        if l_freq is not None or h_freq is not None:
            DisplayFilter(float(self.source.ds.sfreq), l_freq, h_freq)  # validates
            band = (l_freq, h_freq)
        enabled = bool(enabled) and band is not None
        if (band, enabled) != (self.filter_band, self.filter_enabled):
            self.scales.clear()  # a filtered signal is smaller: scales fit it again
        self.filter_band, self.filter_enabled = band, enabled
        self.controls.show_state(self)
        self._update_info()
        if request:
            self.request()

    def set_filter_enabled(self, on: bool) -> None:
        if on and not self.filter_band:
            self.say("set a high-pass or low-pass frequency first")
        self.set_filter(*(self.filter_band or (None, None)), enabled=on)

    def filter_edited(self) -> None:
        """The tool bar's filter boxes changed."""
        try:
            self.set_filter(*self.controls.filter_values())
        except ValueError as exc:
            self.say(f"display filter: {exc}")

    # -- scaling -------------------------------------------------------------------------------
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

    # -- edits: bad channels and annotations ---------------------------------------------------
    def toggle_bad(self, row: int) -> None:
        """Mark dataset row ``row`` bad (or good again); undoable for a recording."""
        self.bad_channels.toggle(self.labels[row])
        self._bads_changed()

    def toggle_bad_at(self, y: float) -> None:
        r = int(round(y))
        rows = self.visible_rows
        if 0 <= r < len(rows) and self.mode == "traces" and not self.butterfly:
            self.toggle_bad(rows[r])

    def _bads_changed(self) -> None:
        self._layout_rows()
        self._redraw()

    def set_annotating(self, on: bool) -> None:
        if on and not self.editor.editable:
            self.say("annotations of this dataset are read-only")
            on = False
        self.annotating = bool(on)
        self.controls.show_state(self)
        self.annotations.set_editable(on)

    def add_annotation(self, onset: float, duration: float, label: str | None = None) -> int:
        return self.editor.add(onset, duration, label or self.controls.label or "annotation")

    def change_annotation(self, i: int, onset: float, duration: float) -> int:
        """Move or resize annotation ``i`` (what changed decides which; both undoable and
        said in the status line)."""
        return self.editor.change(i, onset, duration)

    move_annotation = change_annotation

    def rename_annotation(self, i: int, label: str) -> None:
        self.editor.rename(i, label)

    def delete_annotation(self, i: int) -> None:
        self.annotations.selected = None
        self.editor.delete(i)

    def delete_selected_annotation(self) -> None:
        if self.annotations.selected is not None and self.annotations.editable:
            self.delete_annotation(self.annotations.selected)

    def _on_edited(self, ds: Any, op: str, label: str | None) -> None:
        """The dataset changed in place (here, in another view, or by undo): redraw."""
        with contextlib.suppress(RuntimeError):  # the widget is being deleted
            if op == "set_bads":
                self._bads_changed()
            elif op == "set_annotations":
                self.annotations.set_events(self.editor.events)
                self.annotations.draw(self.t0, self.t0 + self.span)

    # -- fetching ------------------------------------------------------------------------------
    def _want(self, t0: float) -> Want:
        dpr = float(self.devicePixelRatioF()) or 1.0
        return Want(
            t0=float(t0), span=self.span, picks=tuple(self._picks()), n_px=self.n_px(),
            mode=self.mode, unit_step=self.source.unit_step, filt=self.filt,
            size=self.canvas.size(dpr), dpr=dpr, vector=self.antialias,
            remove_dc=self.remove_dc, butterfly=self._butterfly_now(),
            scales=tuple(sorted(self.scales.items())),
            bads=frozenset(self.bad_channels.names), types=tuple(self.types),
            labels=tuple(self.labels),
            factors=tuple(self.units.get(t, Unit()).factor for t in self.types)
            if self.mode == "heatmap" else ())

    @property
    def fetcher(self):
        return self.pager.fetcher

    def request(self) -> None:
        """Show the current window: from the cache at once, else via the workers."""
        moved = self.t0 != self._last_t0
        if moved:
            self._direction = 1.0 if self.t0 > self._last_t0 else -1.0
            self._last_t0 = self.t0
        self.controls.show_state(self)
        if not self._sized:
            return  # the view is being set up: its first page is asked for once sized
        want = self._want(self.t0)
        page = self.pager.request(want)
        if page is not None:
            self._show(page)
        elif self.PREFETCH_ON_REQUEST and moved and self.page is not None:
            # Paging: while this page is read, the other worker reads the next one, so
            # paging back to back finds it ready (the rest waits for the paint, below).
            self._prefetch(want, (1,))
        if not self.PREFETCH_AFTER_PAINT:
            self._prefetch_neighbours()

    def _prefetch(self, want: Want, steps: Sequence[int]) -> None:
        """Prefetch the windows ``steps`` pages away in the direction of travel (inside
        the recording; the current window is never among them)."""
        times = [self.viewport.clamp(self.t0 + k * self._direction * self.span)
                 for k in steps]
        self.pager.prefetch([want.at(t) for t in times if t != self.t0])

    def _prefetch_neighbours(self) -> None:
        # Read the neighbours while the user looks at this page: two pages ahead in
        # the direction of travel (paging keeps the workers ahead), one behind.
        # The fetcher runs the newest prefetch first, so queue the nearest last.
        self._prefetch(self._want(self.t0), (-1, 2, 1))

    # -- the display copy (a precomputed copy of a recording computed on demand) ------------
    def _start_copy(self) -> None:
        if not self.DISPLAY_COPY or self.population is not None or \
                not isinstance(self.source, SignalSource):
            return
        copy = copy_offered(self.obj)
        if copy is None:
            return
        builder = self.copy_builder = CopyBuilder(copy)
        self.destroyed.connect(lambda *_: builder.close())
        self._copy_timer = QtCore.QTimer(self)
        self._copy_timer.setInterval(self.COPY_POLL_MS)
        self._copy_timer.timeout.connect(self._poll_copy)
        self._copy_timer.start()
        self._poll_copy()

    def _poll_copy(self) -> None:
        builder = self.copy_builder
        if builder is None:
            return
        try:
            state = builder.poll(self.isVisible())
        except Exception as exc:  # noqa: BLE001 - never breaks the browser
            builder.failed, state = f"{type(exc).__name__}: {exc}", "off"
        shown = self.status.text()
        if state == "ready":
            self.source.fast = builder.copy  # the pages from now on
        if state in ("ready", "off"):
            self._copy_timer.stop()
        if shown == self._with_note(self._page_text, self._copy_text):
            self._copy_text = builder.note(state)
            self.say(self._with_note(self._page_text, self._copy_text))
        else:
            self._copy_text = builder.note(state)

    _copy_text = ""

    @staticmethod
    def _with_note(text: str, note: str) -> str:
        return f"{text}; {note}" if note and text else text

    def _failed(self, want: Want, error: BaseException) -> None:
        self.error = f"{type(error).__name__}: {error}"
        self.say(f"read failed: {self.error}")

    # -- drawing (the canvas draws, from the view's look) --------------------------------------
    def look(self) -> Look:
        """What decides the drawing now."""
        return Look(mode=self.mode, types=self.types, labels=self.labels,
                    bads=frozenset(self.bad_channels.names), scales=self.scales,
                    remove_dc=self.remove_dc, butterfly=self._butterfly_now(),
                    antialias=self.antialias, dpr=float(self.devicePixelRatioF()) or 1.0,
                    units=self.units, recording=getattr(self.obj, "kind", "") == "recording",
                    present=getattr(self.source.ds, "present", None), n_visible=self.n_visible)

    def _layout_rows(self) -> None:
        self.canvas.layout_rows(self._picks(), self.look(), self.duration)

    def _show(self, page: Page) -> None:
        import shiboken6

        if not shiboken6.isValid(self) or not shiboken6.isValid(self.canvas.plot):
            return  # the view was closed while the page was on its way
        self.page = page
        self.error = None
        # The x range moves with the data, never before it: no blank intermediate frame
        # (and no wasted repaint) while the worker reads the page.
        self.canvas.show_window(page.t0, page.t1)
        self.canvas.set_region(page.t0, page.t1)  # with the data: one paint per page
        self._redraw()
        self.annotations.draw(self.t0, self.t0 + self.span)
        note = f"; {self.filt.band()} display filter" if self.filt else ""
        self._page_text = (
            f"{self.t0:.3f}\u2013{self.t0 + self.span:.3f} s of {self.duration:.1f} s; "
            f"rows {self.row_offset + 1}\u2013{self.row_offset + self.n_visible} of "
            f"{len(self.selection)}{note}")
        self.say(self._with_note(self._page_text, self._copy_text))
        self.page_shown.emit()
        if self.PREFETCH_AFTER_PAINT:
            # Start reading the neighbours once this page is painted: a worker running
            # Python during the paint makes the GUI thread wait for the GIL (up to the
            # 5-ms switch interval, again and again).
            QtCore.QTimer.singleShot(0, self, self._prefetch_neighbours)  # dropped if deleted

    def _redraw(self) -> None:
        if self.page is not None:
            self.heat_levels = self.canvas.draw_page(self.page, self.look(), self.heat_levels,
                                                     isinstance(self.source, SignalSource))

    # -- rows dialog, keys and help ------------------------------------------------------------
    def row_dialog(self) -> RowDialog:
        """The Rows dialog: filter by name (for one animal of several, where else the
        name is found), pick by type."""
        hint = None
        if self.population is not None and self.animal != pop.ALIGNED:
            ds, current = self.population, int(self.animal)
            hint = lambda text: pop.elsewhere(ds, current, text)  # noqa: E731
        present = getattr(self.source.ds, "present", None)
        notes = None if present is None else ["" if p else "(missing)" for p in present]
        return RowDialog(self.labels, self.types, self.selection, self, notes=notes, hint=hint)

    def choose_rows(self) -> None:
        dlg = self.row_dialog()
        if dlg.exec() == QtWidgets.QDialog.Accepted:
            self.set_selection(dlg.chosen())

    def keyPressEvent(self, ev) -> None:  # noqa: N802 - Qt API
        binding = keymap.find(ev.key(), ev.modifiers())
        if binding is None:
            super().keyPressEvent(ev)
            return
        ev.accept()
        binding.action(self)

    def shortcuts(self) -> list[tuple[str, str]]:
        """(keys, what they do) for the Help menu: every key and mouse gesture."""
        return keymap.shortcuts()

    def show_help(self) -> QtWidgets.QDialog:
        """A window listing :meth:`shortcuts` (non-modal)."""
        return keymap.help_dialog(self, self.shortcuts())

    # -- size and life -------------------------------------------------------------------------
    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(ev)
        self._resized()

    def _resized(self) -> None:
        # New size: new decimation and trace image; coalesce the burst of resize events.
        QtCore.QTimer.singleShot(50, self, self._after_resize)  # dropped if deleted

    def _after_resize(self) -> None:
        try:
            self._sized = True
            self._layout_rows()
            if self.page is None:
                if self.pager.wanted is None:
                    self.request()  # the first page, at the size it is shown at
                return
            wanted = self.pager.wanted
            if wanted is None or self._want(self.t0).key() != wanted.key():
                self.request()
            else:
                self._redraw()
        except RuntimeError:  # deleted meanwhile
            pass

    def showEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self.pager.shown = True  # prefetches of pages around this one may run again
        super().showEvent(ev)

    def hideEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self.pager.shown = False  # another tab in front: prefetches wait
        super().hideEvent(ev)

    def closeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self.pager.close(0.5)
        if self.copy_builder is not None:  # cancelled, and its file deleted
            self._copy_timer.stop()
            self.copy_builder.close()
        if hasattr(self.obj, "unsubscribe_edits"):
            self.obj.unsubscribe_edits(self._on_edited)
        super().closeEvent(ev)

    # -- workspace layout and export -----------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The layout as JSON-able data (see :meth:`restore_state`)."""
        return view_state(self)

    def restore_state(self, state: dict[str, Any]) -> None:
        """Re-apply a :meth:`state`; labels no longer present are skipped."""
        restore_view_state(self, state)
        self.controls.show_state(self)
        self._update_info()
        self._layout_rows()

    def export_item(self):
        return self.glw.scene()

    def export_widget(self):
        return self.glw

    def export(self, path: str | Path) -> Path:
        """PNG as shown; SVG with the traces as vector paths (not the on-screen image)."""
        if Path(path).suffix.lower() != ".svg" or self.antialias or self.page is None:
            return super().export(path)
        self.set_antialias(True)
        try:
            with self.canvas.vector():
                return super().export(path)
        finally:
            self.set_antialias(False)

    def values_table(self):
        """The visible window's samples in display units (signals) or spike counts."""
        return window_table(self.source, self.visible_rows, self.t0, self.t0 + self.span,
                            self.units, self.filt)
