"""Trace geometry built off the GUI thread: lanes, then one ``QPainterPath`` per colour.

A page of 64 channels x ~3000 min/max points costs ~8 ms in pyqtgraph's
``arrayToQPath`` and must then be drawn; doing that on the GUI thread blew the
16-ms frame budget. Here the geometry is computed where the page is read (the
fetcher's worker): ``QPainterPath`` is a plain value class (not a ``QObject``,
reentrant), so it may be built on any thread and handed to the GUI, which only
swaps it into a :class:`TraceItem`. Each row is added as one ``QPolygonF``
filled in place through a numpy view (~1 ms per page, no per-point Python).

Paths are tagged with the :class:`DrawParams` they were built for; when the
user rescales or marks a bad channel meanwhile the GUI rebuilds them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from .sources import Page, robust_scale

Group = tuple[str, bool]  # (row type, bad)


@dataclass(frozen=True)
class DrawParams:
    """Everything besides the page that decides where traces are drawn."""

    scales: tuple[tuple[str, float], ...]
    bads: frozenset[int]  # page row positions drawn as bad
    remove_dc: bool


@dataclass
class TracePaths:
    """Worker output for a traces page: the paths and what they were built for."""

    params: DrawParams
    paths: dict[Group, QtGui.QPainterPath]
    thread: int = field(default_factory=threading.get_ident)  # where it was built (tests)


def page_groups(page: Page, types: Sequence[str], labels: Sequence[str],
                bads: set[str] | frozenset[str]) -> dict[Group, list[int]]:
    """Page row positions per (type, bad) group, in page order."""
    groups: dict[Group, list[int]] = {}
    for r, k in enumerate(page.picks):
        groups.setdefault((types[k], labels[k] in bads), []).append(r)
    return groups


def complete_scales(page: Page, types: Sequence[str], scales: Mapping[str, float]
                    ) -> dict[str, float]:
    """``scales`` plus a robust scale for every type on the page that lacks one."""
    out = dict(scales)
    if page.y is None:
        return out
    kinds = np.asarray([types[k] for k in page.picks])
    for kind in sorted(set(kinds.tolist()) - set(out)):
        out[kind] = robust_scale(page.y[kinds == kind])
    return out


def draw_params(page: Page, types: Sequence[str], labels: Sequence[str],
                bads: set[str] | frozenset[str], scales: Mapping[str, float],
                remove_dc: bool) -> DrawParams:
    kinds = {types[k] for k in page.picks}
    return DrawParams(
        scales=tuple(sorted((k, float(v)) for k, v in scales.items() if k in kinds)),
        bads=frozenset(r for r, k in enumerate(page.picks) if labels[k] in bads),
        remove_dc=bool(remove_dc))


def lane_arrays(page: Page, rows: Sequence[int], scale: float, remove_dc: bool
                ) -> np.ndarray:
    """Screen y (rows x points) of page rows ``rows``: ``lane - (value - mid) / scale``.

    ``mid`` is the row's mid-range in the window when ``remove_dc`` (cheap, and keeps
    DC-offset channels inside their lane like MNE's ``remove_dc``), else 0. Row ``r``
    of the page sits in lane ``r`` (the y axis is inverted: larger values go up).
    """
    y = page.y[list(rows)].astype(np.float64)
    if remove_dc and y.shape[1]:
        y -= 0.5 * (y.max(axis=1, keepdims=True) + y.min(axis=1, keepdims=True))
    return np.asarray(rows, dtype=np.float64)[:, None] - y / scale


def polyline_path(x: np.ndarray, ys: np.ndarray) -> QtGui.QPainterPath:
    """One path holding one open polyline per row of ``ys`` over the shared ``x``."""
    path = QtGui.QPainterPath()
    n = x.size
    if n == 0:
        return path
    path.reserve(ys.shape[0] * n)
    for row in ys:
        poly = pg.functions.create_qpolygonf(n)
        view = pg.functions.ndarray_from_qpolygonf(poly)  # writes into the polygon
        view[:, 0] = x
        view[:, 1] = row
        path.addPolygon(poly)  # one point is a bare moveTo: nothing to draw, as in Qt
    return path


def build_paths(page: Page, types: Sequence[str], labels: Sequence[str],
                bads: set[str] | frozenset[str], scales: Mapping[str, float],
                remove_dc: bool) -> TracePaths:
    """All trace paths of a traces page (safe on a worker thread)."""
    scales = complete_scales(page, types, scales)
    params = draw_params(page, types, labels, bads, scales, remove_dc)
    paths = {}
    for group, rows in page_groups(page, types, labels, bads).items():
        ys = lane_arrays(page, rows, scales.get(group[0], 1.0), remove_dc)
        paths[group] = polyline_path(np.asarray(page.x, dtype=np.float64), ys)
    return TracePaths(params, paths)


def path_points(path: QtGui.QPainterPath) -> list[np.ndarray]:
    """The polylines of ``path`` as (points x 2) arrays (tests and export)."""
    return [pg.functions.ndarray_from_qpolygonf(poly).copy()
            for poly in path.toSubpathPolygons()]


class TraceItem(QtWidgets.QGraphicsPathItem):
    """A path drawn with a 1-pixel cosmetic pen; the GUI thread only swaps paths.

    Qt's own C++ ``paint`` draws it (no Python call per paint). The pen has width 0
    (Qt's 1-pixel cosmetic pen): with a non-zero width ``boundingRect`` strokes the
    whole path to find its extent, which costs more than drawing it.
    """

    def __init__(self, colour: str):
        super().__init__()
        pen = pg.mkPen(colour)
        pen.setWidth(0)
        pen.setCosmetic(True)
        self.setPen(pen)
