"""The movie player: frame slider, play/pause, contrast, ROI outlines.

Only the shown frame is read (a memory-mapped page or one TIFF page), so a 10,000-frame
512 x 512 movie plays without loading. Playback shows at most 60 frames per second of
screen time and skips frames to keep the movie's own rate; the contrast (levels) is set
once from a sample of frames and then changed by the histogram's handles, never
recomputed per frame (that is what keeps the display fluid).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neurodeck.gui.widgets.base import ViewWidget

from .dataset import Movie
from .rois import RoiSet

MAX_DISPLAY_FPS = 60.0
#: Frames sampled (evenly) to set the initial contrast.
LEVEL_SAMPLES = 16


def initial_levels(movie: Movie) -> tuple[float, float]:
    """1st and 99.8th percentiles over a few frames spread through the movie."""
    n = movie.n_frames
    idx = np.unique(np.linspace(0, n - 1, min(LEVEL_SAMPLES, n)).astype(int))
    sample = np.stack([movie.frame(int(i))[::4, ::4] for i in idx]).astype(np.float64)
    lo, hi = np.percentile(sample, [1, 99.8])
    return float(lo), float(hi if hi > lo else lo + 1)


class MovieView(ViewWidget):
    """One plane and channel of a movie, frame by frame."""

    def __init__(self, movie: Movie, parent: QtWidgets.QWidget | None = None):
        super().__init__(movie, parent)
        self.movie = movie
        self.index = 0
        self.rois: RoiSet | None = None

        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("k")
        self.vb = self.glw.addViewBox(lockAspect=True, invertY=True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.overlay = pg.ImageItem(axisOrder="row-major")
        self.vb.addItem(self.image)
        self.vb.addItem(self.overlay)
        self.levels = initial_levels(movie)
        self.hist = pg.HistogramLUTWidget(image=None)
        self.hist.setObjectName("movie-contrast")
        self.hist.item.setImageItem(self.image)
        # The histogram would be recomputed on every frame: keep it from the first frame.
        self.image.sigImageChanged.disconnect(self.hist.item.imageChanged)
        self.hist.item.sigLevelsChanged.connect(self._levels_changed)

        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.slider.setObjectName("movie-slider")
        self.slider.setRange(0, max(movie.n_frames - 1, 0))
        self.slider.valueChanged.connect(self.show_frame)
        self.play_button = QtWidgets.QPushButton("Play")
        self.play_button.setObjectName("movie-play")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self.play)
        self.rois_button = QtWidgets.QPushButton("ROIs\u2026")
        self.rois_button.setToolTip("Overlay ROIs: an ImageJ ROI set (.zip/.roi) or a "
                                    "suite2p plane folder")
        self.rois_button.clicked.connect(self._choose_rois)
        self.label = QtWidgets.QLabel()
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._clock = 0.0

        controls = QtWidgets.QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.label)
        controls.addWidget(self.rois_button)
        body = QtWidgets.QHBoxLayout()
        body.addWidget(self.glw, 1)
        body.addWidget(self.hist)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(body, 1)
        layout.addLayout(controls)
        self.show_frame(0)
        self.hist.item.imageChanged(autoLevel=False)
        self.hist.item.setLevels(*self.levels)

    # -- frames ------------------------------------------------------------------------------
    def show_frame(self, index: int) -> None:
        self.index = int(np.clip(index, 0, self.movie.n_frames - 1))
        self.image.setImage(self.movie.frame(self.index), autoLevels=False, levels=self.levels)
        if self.slider.value() != self.index:
            self.slider.blockSignals(True)
            self.slider.setValue(self.index)
            self.slider.blockSignals(False)
        self.label.setText(f"{self.index + 1}/{self.movie.n_frames}  "
                           f"{self.index / self.movie.sfreq:.2f} s")

    def _levels_changed(self) -> None:
        self.levels = tuple(float(v) for v in self.hist.item.getLevels())

    # -- playback -------------------------------------------------------------------------------
    def play(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            self._clock = time.perf_counter() - self.index / self.movie.sfreq
            self.timer.start(int(1000 / min(self.movie.sfreq, MAX_DISPLAY_FPS)))
        else:
            self.timer.stop()

    def _tick(self) -> None:
        # Frames follow the wall clock, so a slow disk drops frames instead of slowing time.
        target = int((time.perf_counter() - self._clock) * self.movie.sfreq)
        if target >= self.movie.n_frames:
            self.play_button.setChecked(False)
            return
        if target != self.index:
            self.show_frame(target)

    # -- ROI overlay ------------------------------------------------------------------------------
    def set_rois(self, rois: RoiSet | None, iscell: np.ndarray | None = None) -> None:
        self.rois = rois
        if rois is None:
            self.overlay.clear()
            return
        outline = rois.outline()
        rgba = np.zeros((*outline.shape, 4), dtype=np.ubyte)
        on = outline >= 0
        flags = np.ones(rois.n, bool) if iscell is None else np.asarray(iscell, bool)
        rgba[on] = np.where(flags[outline[on], None], np.array([40, 220, 70, 255]),
                            np.array([230, 60, 200, 255]))
        self.overlay.setImage(rgba, levels=(0, 255))

    def _choose_rois(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "ROIs to overlay", str(self.movie.source.parent if self.movie.source else ""),
            "ImageJ ROIs or suite2p stat (*.zip *.roi stat.npy)")
        if path:
            self.load_rois(path)

    def load_rois(self, path: str | Path) -> None:
        path = Path(path)
        if path.name == "stat.npy" or path.is_dir():
            from .suite2p import read_plane

            plane = read_plane(path.parent if path.is_file() else path,
                               sfreq=self.movie.sfreq)
            self.set_rois(plane.rois, plane.iscell)
        else:
            from .roiset import read_rois

            rois, _ = read_rois(path, self.movie.shape[1:])
            self.set_rois(rois)

    # -- export --------------------------------------------------------------------------------
    def export_item(self) -> Any:
        return self.glw.scene()

    def export_widget(self) -> QtWidgets.QWidget:
        return self.glw
