"""The fMRI viewer: three orthogonal slices, crosshair, time course, atlas overlay.

Volumes are shown in RAS orientation (nibabel's closest canonical axes, applied
to each 3-D volume as it is read, never to the whole 4-D run) and sized by the
voxel dimensions. Reads happen on a worker thread: the first volume as soon as
the view opens; a compressed (.nii.gz) run is then decompressed once in the
background so the time slider and time courses answer from memory.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.data import Atlas, FmriRun
from neurodeck.gui.widgets.axes import label_axis
from neurodeck.gui.widgets.base import ViewWidget, colormap

from .fetcher import LatestFetcher
from .volume import OrientedRun, label_lut, read_error, resample_labels

PLANES = ("sagittal", "coronal", "axial")
# Display axes (horizontal, vertical) of each plane and the axis it cuts.
PLANE_AXES = {"sagittal": (1, 2, 0), "coronal": (0, 2, 1), "axial": (0, 1, 2)}
FULL_LOAD_MAX_BYTES = 2 * 1024**3
# Ends of each RAS display axis (low, high): the letters at the slices' edges.
AXIS_ENDS = (("L", "R"), ("P", "A"), ("I", "S"))
# What a slice's position is called along the axis it cuts.
CUT_NAMES = ("x", "y", "z")
TEXT = (235, 235, 235)
MARK = (255, 214, 10)


class FmriView(ViewWidget):
    """Slices of an :class:`~neurodeck.data.FmriRun` (or an :class:`~neurodeck.data.Atlas`)."""

    volume_shown = QtCore.Signal()
    timecourse_shown = QtCore.Signal()
    _arrived = QtCore.Signal(object, object, object)

    def __init__(self, ds: Any, parent: QtWidgets.QWidget | None = None):
        super().__init__(ds, parent)
        self.atlas: Atlas | None = None
        if isinstance(ds, Atlas):
            run = FmriRun(ds.img, name=ds.name)
            self.atlas = ds
        else:
            run = ds
        self.run = OrientedRun(run)
        shape = self.run.display_shape
        self.cursor = [s // 2 for s in shape]  # display (RAS) voxel indices
        self.t = 0
        self.levels: tuple[float, float] | None = None
        self.volume: np.ndarray | None = None
        self.series: np.ndarray | None = None
        self.roi_series: np.ndarray | None = None
        self.labels_display: np.ndarray | None = None
        self.opacity = 0.35
        self.roi_mode = False
        self.readout_text = ""

        self._build_ui()
        ref = weakref.ref(self)

        def deliver(key, value, error, ref=ref):
            me = ref()
            if me is not None:
                with contextlib.suppress(RuntimeError):  # deleted meanwhile
                    me._arrived.emit(key, value, error)

        self.fetcher = LatestFetcher(deliver, cache_size=8)
        fetcher = self.fetcher
        self.destroyed.connect(lambda *_: fetcher.close(0.5))
        self._arrived.connect(self._on_arrived, QtCore.Qt.QueuedConnection)
        self._tc_fetcher = LatestFetcher(deliver, cache_size=64)
        tc = self._tc_fetcher
        self.destroyed.connect(lambda *_: tc.close(0.5))
        if self.atlas is not None:
            self.set_atlas(self.atlas)
        self.request_volume()
        self.request_timecourse()

    # -- UI -----------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("k")
        self.plots: dict[str, pg.PlotItem] = {}
        self.images: dict[str, pg.ImageItem] = {}
        self.overlays: dict[str, pg.ImageItem] = {}
        self.cross: dict[str, tuple[pg.InfiniteLine, pg.InfiniteLine]] = {}
        self.orientation_marks: dict[str, dict[str, pg.TextItem]] = {}
        zooms = self.run.display_zooms
        for col, plane in enumerate(PLANES):
            p = self.glw.addPlot(row=0, col=col)
            p.setAspectLocked(True)
            p.hideAxis("left")
            p.hideAxis("bottom")
            p.hideButtons()
            p.setMenuEnabled(False)
            h, v, _ = PLANE_AXES[plane]
            img = pg.ImageItem(axisOrder="col-major")
            img.setColorMap(colormap("gray"))
            over = pg.ImageItem(axisOrder="col-major")
            over.setZValue(5)
            for item in (img, over):
                p.addItem(item)
                item.setTransform(_scale(zooms[h], zooms[v]))
            pen = pg.mkPen((0, 220, 0, 160), width=1)
            lines = (pg.InfiniteLine(angle=90, pen=pen), pg.InfiniteLine(angle=0, pen=pen))
            for line in lines:
                line.setZValue(10)
                p.addItem(line)
            self.plots[plane], self.images[plane] = p, img
            self.overlays[plane], self.cross[plane] = over, lines
            self.orientation_marks[plane] = self._orientation_marks(p, plane)
        self._proxy = pg.SignalProxy(self.glw.scene().sigMouseMoved, rateLimit=60,
                                     slot=lambda ev: self._on_hover(ev[0]))
        self.glw.scene().sigMouseClicked.connect(self._on_click)

        self.tc_plot = pg.PlotWidget(background="w")
        label_axis(self.tc_plot, "bottom", "time", "s")
        # Scanner intensities carry no physical unit.
        label_axis(self.tc_plot, "left", "BOLD", "a.u.")
        self.tc_plot.setMaximumHeight(180)
        self.tc_curve = self.tc_plot.plot(pen=pg.mkPen("#1f4f8f", width=1.5), name="voxel")
        self.roi_curve = self.tc_plot.plot(pen=pg.mkPen("#d62728", width=1.5), name="ROI")
        self.t_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", style=QtCore.Qt.DashLine))
        self.tc_plot.addItem(self.t_line)

        n_vol = self.run.n_volumes
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal, minimum=0, maximum=n_vol - 1)
        self.slider.valueChanged.connect(self.set_time)
        self.slider.setEnabled(n_vol > 1)
        self.t_label = QtWidgets.QLabel()
        self.t_label.setObjectName("fmri-volume")
        self.lo_box = QtWidgets.QDoubleSpinBox(decimals=3, minimum=-1e12, maximum=1e12)
        self.hi_box = QtWidgets.QDoubleSpinBox(decimals=3, minimum=-1e12, maximum=1e12)
        for box in (self.lo_box, self.hi_box):
            box.editingFinished.connect(
                lambda: self.set_levels(self.lo_box.value(), self.hi_box.value()))
        self.atlas_button = QtWidgets.QPushButton("Atlas\u2026")
        self.atlas_button.clicked.connect(self._choose_atlas)
        self.opacity_slider = QtWidgets.QSlider(QtCore.Qt.Horizontal, minimum=0, maximum=100)
        self.opacity_slider.setValue(int(self.opacity * 100))
        self.opacity_slider.setMaximumWidth(100)
        self.opacity_slider.valueChanged.connect(lambda v: self.set_opacity(v / 100))
        self.roi_box = QtWidgets.QCheckBox("ROI mean")
        self.roi_box.setToolTip("Also plot the mean time course of the atlas region at the cursor")
        self.roi_box.toggled.connect(self.set_roi_mode)
        # The read-out has its one line from the start (the cursor's voxel), and a long
        # text never widens or heightens it: the plots above do not move.
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setObjectName("fmri-readout")
        self.readout.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.readout.setSizePolicy(QtWidgets.QSizePolicy.Ignored,
                                   QtWidgets.QSizePolicy.Fixed)
        self.readout.setFixedHeight(self.readout.fontMetrics().height() + 6)

        bar = QtWidgets.QHBoxLayout()
        for w in (QtWidgets.QLabel("Volume"), self.slider, self.t_label,
                  QtWidgets.QLabel("Colour limits"), self.lo_box, self.hi_box,
                  self.atlas_button, QtWidgets.QLabel("opacity"), self.opacity_slider,
                  self.roi_box):
            bar.addWidget(w)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.readout)
        layout.addWidget(self.glw, 3)
        layout.addWidget(self.tc_plot, 1)
        self._update_volume_label()

    # -- cursor and time ------------------------------------------------------------------
    def set_cursor(self, display_ijk) -> None:
        """Move the crosshair to display (RAS) voxel indices."""
        shape = self.run.display_shape
        self.cursor = [int(min(max(int(c), 0), s - 1)) for c, s in zip(display_ijk, shape,
                                                                       strict=True)]
        self._draw_slices()
        self.request_timecourse()

    def set_cursor_voxel(self, i: int, j: int, k: int) -> None:
        """Move the crosshair to a voxel of the file (its own i, j, k indices)."""
        self.set_cursor(self.run.to_display((i, j, k)))

    def cursor_voxel(self) -> tuple[int, int, int]:
        return self.run.to_file(self.cursor)

    def set_time(self, t: int) -> None:
        self.t = int(min(max(int(t), 0), self.run.n_volumes - 1))
        if self.slider.value() != self.t:
            self.slider.blockSignals(True)
            self.slider.setValue(self.t)
            self.slider.blockSignals(False)
        self._update_volume_label()
        self.t_line.setValue(self.t * self.run.tr)
        self.request_volume()

    def _update_volume_label(self) -> None:
        n = self.run.n_volumes
        self.t_label.setText(f"{self.t + 1} of {n} ({self.t * self.run.tr:.1f} s)")

    def _orientation_marks(self, plot: pg.PlotItem, plane: str) -> dict[str, pg.TextItem]:
        """L/R, P/A, I/S at the edges of a slice (RAS display: right is R, up is S or A)."""
        h, v, _ = PLANE_AXES[plane]
        shape, zooms = self.run.display_shape, self.run.display_zooms
        w, hgt = shape[h] * zooms[h], shape[v] * zooms[v]
        marks = {}
        for letter, pos, anchor in ((AXIS_ENDS[h][0], (0, hgt / 2), (0, 0.5)),
                                    (AXIS_ENDS[h][1], (w, hgt / 2), (1, 0.5)),
                                    (AXIS_ENDS[v][1], (w / 2, hgt), (0.5, 0)),
                                    (AXIS_ENDS[v][0], (w / 2, 0), (0.5, 1))):
            item = pg.TextItem(letter, color=MARK, anchor=anchor)
            item.setFont(_bold())
            item.setPos(*pos)
            item.setZValue(20)
            plot.addItem(item, ignoreBounds=True)
            marks[letter] = item
        return marks

    def slice_title(self, plane: str) -> str:
        """The plane's name and where it cuts: "axial  z = 12 of 18 (6.0 mm)"."""
        _, _, cut = PLANE_AXES[plane]
        n = self.run.display_shape[cut]
        world = self._cursor_world()[cut]
        return (f"{plane}  {CUT_NAMES[cut]} = {self.cursor[cut] + 1} of {n} "
                f"({world:.1f} mm)")

    def _cursor_world(self) -> np.ndarray:
        ijk = self.run.to_file(self.cursor)
        return self.run.affine[:3, :3] @ np.asarray(ijk, float) + self.run.affine[:3, 3]

    def set_levels(self, lo: float, hi: float) -> None:
        if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
            raise ValueError(f"colour limits need lo < hi, got {lo}, {hi}")
        self.levels = (float(lo), float(hi))
        for box, v in ((self.lo_box, lo), (self.hi_box, hi)):
            box.blockSignals(True)
            box.setValue(v)
            box.blockSignals(False)
        self._draw_slices()

    # -- atlas ------------------------------------------------------------------------------
    def set_atlas(self, atlas: Atlas | None) -> None:
        """Overlay a label atlas (resampled to the run's grid, nearest neighbour)."""
        self.atlas = atlas
        if atlas is None:
            self.labels_display = None
        else:
            labels = resample_labels(atlas.img, self.run.shape3, self.run.affine)
            self.labels_display = self.run.orient(labels)
            self._lut = label_lut(int(self.labels_display.max(initial=0)))
        self._draw_slices()
        self.request_timecourse()

    def set_opacity(self, value: float) -> None:
        self.opacity = float(min(max(value, 0.0), 1.0))
        self._draw_slices()

    def set_roi_mode(self, on: bool) -> None:
        self.roi_mode = bool(on)
        if self.roi_box.isChecked() != self.roi_mode:
            self.roi_box.setChecked(self.roi_mode)
        self.request_timecourse()

    def region_at(self, display_ijk) -> tuple[int, str]:
        if self.labels_display is None or self.atlas is None:
            return 0, ""
        value = int(self.labels_display[tuple(display_ijk)])
        return value, self.atlas.region_names.get(value, f"label {value}") if value else ""

    def _choose_atlas(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Label atlas", "", "NIfTI (*.nii *.nii.gz)")
        if not path:
            return
        try:
            import nibabel as nib

            self.set_atlas(Atlas(nib.load(path)))
        except Exception as exc:  # noqa: BLE001 - shown to the user
            QtWidgets.QMessageBox.warning(self, "Atlas", f"{path}: {exc}")

    # -- reading (worker) ----------------------------------------------------------------------
    def request_volume(self) -> None:
        run, t = self.run, self.t
        key = ("volume", t)
        hit = self.fetcher.cached(key)
        if hit is not None:
            self._show_volume(t, hit)
        else:
            self.fetcher.request(key, lambda: run.display_volume(t))

    def request_timecourse(self) -> None:
        run = self.run
        ijk = tuple(self.cursor)
        label = self.region_at(ijk)[0] if self.roi_mode else 0
        labels = self.labels_display
        key = ("tc", ijk, label)

        def job():
            series = run.display_series(ijk)
            roi = run.region_series(labels == label) if label else None
            return series, roi

        self._tc_fetcher.request(key, job)

    @QtCore.Slot(object, object, object)
    def _on_arrived(self, key, value, error) -> None:
        if error is not None:
            self.readout.setText(read_error(self.run.img, error))
            return
        if key[0] == "volume" and key[1] == self.t:
            self._show_volume(key[1], value)
            if self.run.compressed and self.run.nbytes <= FULL_LOAD_MAX_BYTES:
                # Decompress once in the background; later reads come from memory.
                self.fetcher.prefetch(("load",), self.run.load_all)
        elif key[0] == "tc" and tuple(key[1]) == tuple(self.cursor):
            self.series, self.roi_series = value
            self._draw_timecourse()

    # -- drawing --------------------------------------------------------------------------------
    def _show_volume(self, t: int, vol: np.ndarray) -> None:
        self.volume = vol
        if self.levels is None:
            nz = vol[np.isfinite(vol) & (vol != 0)]
            lo, hi = np.percentile(nz, [2, 99.5]) if nz.size else (0.0, 1.0)
            self.set_levels(float(lo), float(hi if hi > lo else lo + 1))
        else:
            self._draw_slices()
        self.volume_shown.emit()

    def _slice(self, arr: np.ndarray, plane: str) -> np.ndarray:
        _, _, cut = PLANE_AXES[plane]
        return np.take(arr, self.cursor[cut], axis=cut)

    def _draw_slices(self) -> None:
        if self.volume is None:
            return
        zooms = self.run.display_zooms
        for plane in PLANES:
            h, v, _ = PLANE_AXES[plane]
            self.images[plane].setImage(self._slice(self.volume, plane), autoLevels=False,
                                        levels=self.levels)
            over = self.overlays[plane]
            if self.labels_display is not None and self.opacity > 0:
                rgba = self._lut[self._slice(self.labels_display, plane)].copy()
                rgba[..., 3] = (rgba[..., 3] > 0) * int(255 * self.opacity)
                over.setImage(rgba, autoLevels=False)
                over.setVisible(True)
            else:
                over.setVisible(False)
            vline, hline = self.cross[plane]
            vline.setValue((self.cursor[h] + 0.5) * zooms[h])
            hline.setValue((self.cursor[v] + 0.5) * zooms[v])
            self.plots[plane].setTitle(self.slice_title(plane), color=TEXT, size="10pt")
        if not self.readout_text:  # the cursor's voxel until the mouse points elsewhere
            self.readout.setText("cursor: " + self.describe(self.cursor))

    def _draw_timecourse(self) -> None:
        tr = self.run.tr
        if self.series is not None:
            self.tc_curve.setData(np.arange(self.series.size) * tr, self.series)
        if self.roi_series is not None:
            self.roi_curve.setData(np.arange(self.roi_series.size) * tr, self.roi_series)
        self.roi_curve.setVisible(self.roi_series is not None)
        self.timecourse_shown.emit()

    # -- mouse ------------------------------------------------------------------------------------
    def _display_at(self, scene_pos) -> tuple[int, int, int] | None:
        zooms = self.run.display_zooms
        for plane, p in self.plots.items():
            if not p.vb.sceneBoundingRect().contains(scene_pos):
                continue
            pt = p.vb.mapSceneToView(scene_pos)
            h, v, cut = PLANE_AXES[plane]
            ijk = list(self.cursor)
            ijk[h] = int(np.floor(pt.x() / zooms[h]))
            ijk[v] = int(np.floor(pt.y() / zooms[v]))
            shape = self.run.display_shape
            if all(0 <= c < s for c, s in zip(ijk, shape, strict=True)):
                return tuple(ijk)
        return None

    def describe(self, display_ijk) -> str:
        """The read-out for a display voxel: file voxel, world mm, value, region."""
        i, j, k = self.run.to_file(display_ijk)
        x, y, z = self.run.affine[:3, :3] @ [i, j, k] + self.run.affine[:3, 3]
        value = float(self.volume[tuple(display_ijk)]) if self.volume is not None else np.nan
        text = (f"voxel ({i}, {j}, {k})  world ({x:.1f}, {y:.1f}, {z:.1f}) mm  "
                f"value {value:.4g}")
        label, name = self.region_at(display_ijk)
        if label:
            text += f"  region {label}: {name}"
        return text

    def _on_hover(self, scene_pos) -> None:
        ijk = self._display_at(scene_pos)
        if ijk is not None:
            self.readout_text = self.describe(ijk)
            self.readout.setText(self.readout_text)

    def _on_click(self, ev) -> None:
        if ev.button() != QtCore.Qt.LeftButton:
            return
        ijk = self._display_at(ev.scenePos())
        if ijk is not None:
            self.set_cursor(ijk)

    def closeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self.fetcher.close(0.5)
        self._tc_fetcher.close(0.5)
        super().closeEvent(ev)

    # -- workspace layout / ViewWidget -------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"cursor_voxel": list(self.cursor_voxel()), "t": self.t,
                "levels": list(self.levels) if self.levels else None,
                "opacity": self.opacity, "roi_mode": self.roi_mode}

    def restore_state(self, state: dict[str, Any]) -> None:
        if state.get("levels"):
            self.set_levels(*map(float, state["levels"]))
        self.opacity = float(state.get("opacity", self.opacity))
        self.roi_mode = bool(state.get("roi_mode", False))
        self.set_time(int(state.get("t", 0)))
        if state.get("cursor_voxel"):
            self.set_cursor_voxel(*map(int, state["cursor_voxel"]))

    def export_item(self):
        return self.glw.scene()

    def export_widget(self):
        return self.glw

    def values_table(self):
        if self.series is None:
            return None
        i, j, k = self.cursor_voxel()
        rows, values = [f"voxel {i},{j},{k}"], [self.series]
        if self.roi_series is not None:
            rows.append(f"region {self.region_at(self.cursor)[1]}")
            values.append(self.roi_series)
        cols = [f"{t * self.run.tr:.6g}" for t in range(self.series.size)]
        return rows, cols, np.vstack(values)


def _bold():
    from PySide6 import QtGui

    font = QtGui.QFont()
    font.setBold(True)
    return font


def _scale(sx: float, sy: float):
    from PySide6 import QtGui

    return QtGui.QTransform.fromScale(float(sx), float(sy))
