"""Where each row is drawn, and the traces as vector paths (antialiased mode, SVG export).

Rows sit in lanes: page row ``r`` at lane ``lanes[r]`` (its position on screen; in
butterfly mode every row of a type shares its type's lane), drawn at screen y
``lane - (value - mid) / scale`` with one scale per row type. The default drawing is an
image made on the worker (:mod:`.rasterize`, :mod:`.traces`); this module also builds the
same traces as one ``QPainterPath`` per (row type, bad) group, for antialiased drawing
and for vector export. ``QPainterPath`` is a plain value class (not a ``QObject``,
reentrant), so it may be built on any thread. Each row is added as one ``QPolygonF``
filled in place through a numpy view; NaN (missing data) breaks the line.
"""

from __future__ import annotations

import threading
import warnings
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
    lanes: tuple[float, ...]  # lane of each page row
    n_lanes: int
    size: tuple[int, int] = (0, 0)  # image pixels (width, height); (0, 0) for paths
    vector: bool = False


def page_groups(page: Page, types: Sequence[str], labels: Sequence[str],
                bads: set[str] | frozenset[str]) -> dict[Group, list[int]]:
    """Page row positions per (type, bad) group, in page order; bad groups first (drawn
    underneath)."""
    groups: dict[Group, list[int]] = {}
    for r, k in enumerate(page.picks):
        groups.setdefault((types[k], labels[k] in bads), []).append(r)
    return dict(sorted(groups.items(), key=lambda kv: not kv[0][1]))


def lanes_for(picks: Sequence[int], types: Sequence[str], butterfly: bool
              ) -> tuple[tuple[float, ...], int, list[str]]:
    """(lane of each row of ``picks``, number of lanes, the lanes' types in butterfly)."""
    if not butterfly:
        return tuple(float(r) for r in range(len(picks))), max(len(picks), 1), []
    order: list[str] = []
    for k in picks:
        if types[k] not in order:
            order.append(types[k])
    where = {t: i for i, t in enumerate(order)}
    return tuple(float(where[types[k]]) for k in picks), max(len(order), 1), order


def complete_scales(page: Page, types: Sequence[str], scales: Mapping[str, float]
                    ) -> dict[str, float]:
    """``scales`` plus a robust scale for every type on the page that lacks one."""
    out = dict(scales)
    if page.y is None:
        return out
    kinds = np.asarray([types[k] for k in page.picks])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows of only NaN (missing)
        for kind in sorted(set(kinds.tolist()) - set(out)):
            out[kind] = robust_scale(page.y[kinds == kind])
    return out


def draw_params(page: Page, types: Sequence[str], labels: Sequence[str],
                bads: set[str] | frozenset[str], scales: Mapping[str, float],
                remove_dc: bool, butterfly: bool = False, size: tuple[int, int] = (0, 0),
                vector: bool = False) -> DrawParams:
    kinds = {types[k] for k in page.picks}
    lanes, n_lanes, _ = lanes_for(page.picks, types, butterfly)
    return DrawParams(
        scales=tuple(sorted((k, float(v)) for k, v in scales.items() if k in kinds)),
        bads=frozenset(r for r, k in enumerate(page.picks) if labels[k] in bads),
        remove_dc=bool(remove_dc), lanes=lanes, n_lanes=n_lanes,
        size=(int(size[0]), int(size[1])), vector=bool(vector))


def lane_arrays(page: Page, rows: Sequence[int], scale: float, remove_dc: bool,
                lanes: Sequence[float] | None = None) -> np.ndarray:
    """Screen y (rows x points) of page rows ``rows``: ``lane - (value - mid) / scale``.

    ``mid`` is the row's mid-range in the window when ``remove_dc`` (cheap, and keeps
    DC-offset channels inside their lane like MNE's ``remove_dc``), else 0. Row ``r``
    sits in lane ``lanes[r]`` (default ``r``; the y axis is inverted: larger values go up).
    """
    from .rasterize import row_mids

    y = page.y[list(rows)].astype(np.float64)
    if remove_dc and y.shape[1]:
        y -= row_mids(y)[:, None]
    where = np.asarray(rows if lanes is None else [lanes[r] for r in rows], dtype=np.float64)
    return where[:, None] - y / scale


def polyline_path(x: np.ndarray, ys: np.ndarray) -> QtGui.QPainterPath:
    """One path holding one open polyline per row of ``ys`` over the shared ``x``
    (a NaN ends a polyline; the next finite point starts another)."""
    path = QtGui.QPainterPath()
    n = x.size
    if n == 0:
        return path
    path.reserve(ys.shape[0] * n)
    for row in ys:
        finite = np.isfinite(row)
        if finite.all():
            runs = [(0, n)]
        else:
            edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(np.int8), 0]))
            runs = list(zip(edges[0::2], edges[1::2], strict=True))
        for a, b in runs:
            poly = pg.functions.create_qpolygonf(int(b - a))
            view = pg.functions.ndarray_from_qpolygonf(poly)  # writes into the polygon
            view[:, 0] = x[a:b]
            view[:, 1] = row[a:b]
            path.addPolygon(poly)  # one point is a bare moveTo: nothing to draw, as in Qt
    return path


@dataclass
class TracePaths:
    """Vector drawing of a traces page: one path per group, and what it was built for."""

    params: DrawParams
    paths: dict[Group, QtGui.QPainterPath]
    thread: int = field(default_factory=threading.get_ident)  # where it was made (tests)

    def nbytes(self) -> int:
        return sum(24 * p.elementCount() for p in self.paths.values())  # x, y, type


def build_paths(page: Page, types: Sequence[str], labels: Sequence[str],
                bads: set[str] | frozenset[str], scales: Mapping[str, float],
                remove_dc: bool, butterfly: bool = False) -> TracePaths:
    """All trace paths of a traces page (safe on a worker thread)."""
    scales = complete_scales(page, types, scales)
    params = draw_params(page, types, labels, bads, scales, remove_dc, butterfly, vector=True)
    paths = {}
    for group, rows in page_groups(page, types, labels, bads).items():
        ys = lane_arrays(page, rows, scales.get(group[0], 1.0), remove_dc, params.lanes)
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


def trace_lanes(page: Page, types: Sequence[str], labels: Sequence[str],
                bads: set[str] | frozenset[str], scales: Mapping[str, float],
                remove_dc: bool, butterfly: bool = False
                ) -> dict[Group, tuple[np.ndarray, np.ndarray]]:
    """Per (type, bad) group: x (points,) and screen y (rows x points) of a traces page:
    where its rows are drawn, as numbers (tests, export)."""
    lanes, _, _ = lanes_for(page.picks, types, butterfly)
    return {group: (page.x, lane_arrays(page, rows, scales.get(group[0], 1.0), remove_dc,
                                        lanes))
            for group, rows in page_groups(page, types, labels, bads).items()}
