"""The base every view widget can derive from: export to PNG/SVG, copy values.

A view is any ``QWidget`` built as ``View(obj, parent=None)``. Deriving from
:class:`ViewWidget` gives it File > Export figure and Edit > Copy values for free:
override :meth:`export_item` (the pyqtgraph item to export) and
:meth:`values_table` (what to copy). A view made of other views (tabs, a heatmap it
swaps in) overrides only :meth:`ViewWidget.export_target` instead: export and copy then
act on that inner view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets


class ViewWidget(QtWidgets.QWidget):
    """A view of one dataset or result."""

    def __init__(self, obj: Any = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.obj = obj

    # -- export ---------------------------------------------------------------------
    def export_target(self) -> ViewWidget | None:
        """The inner view that export and copy act on (the current tab, a swapped-in
        heatmap), or None for this view itself. The one forwarding mechanism: override
        this rather than forwarding each of the methods below."""
        return None

    def export_item(self) -> Any:
        """The pyqtgraph item (PlotItem or scene) to export as PNG; None = grab the widget."""
        target = self.export_target()
        return target.export_item() if target is not None else None

    def export_widget(self) -> QtWidgets.QWidget:
        """The widget rendered into SVG (vector paths via QSvgGenerator)."""
        target = self.export_target()
        return target.export_widget() if target is not None else self

    def export(self, path: str | Path) -> Path:
        """Write the figure as PNG or SVG (by extension)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            self._render_svg(path)
        elif suffix == ".png":
            item = self.export_item()
            if item is None:
                self.grab().save(str(path))
            else:
                from pyqtgraph import exporters

                exporter = exporters.ImageExporter(item)
                exporter.parameters()["width"] = int(max(exporter.parameters()["width"], 1200))
                exporter.export(str(path))
        else:
            raise ValueError(f"cannot export to {suffix or 'no extension'}: use .png or .svg")
        return path

    def _render_svg(self, path: Path) -> None:
        # pyqtgraph's SVGExporter fails on colour bars; Qt's SVG paint device renders
        # the graphics scene as vector paths instead.
        from PySide6 import QtSvg

        widget = self.export_widget()
        gen = QtSvg.QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(widget.size())
        gen.setViewBox(widget.rect())
        gen.setTitle(self.windowTitle() or "neurodeck figure")
        painter = QtGui.QPainter(gen)
        if isinstance(widget, QtWidgets.QGraphicsView):
            widget.render(painter)  # the scene as vector items
        else:
            widget.render(painter, QtCore.QPoint())  # a widget tree (splitters, panels)
        painter.end()

    # -- copy -------------------------------------------------------------------------
    def values_table(self) -> tuple[list[str], list[str], np.ndarray] | None:
        """(row labels, column labels, values) to copy as a table, or None."""
        target = self.export_target()
        return target.values_table() if target is not None else None

    def copy_values(self) -> str:
        """Copy the view's values to the clipboard as tab-separated text."""
        table = self.values_table()
        if table is None:
            return ""
        rows, cols, values = table
        lines = ["\t".join(["", *cols])]
        lines += ["\t".join([r, *(f"{v:.6g}" for v in row)]) for r, row in zip(rows, values,
                                                                               strict=True)]
        text = "\n".join(lines)
        QtWidgets.QApplication.clipboard().setText(text)
        return text


def plot_widget(**kwargs: Any) -> pg.PlotWidget:
    """A PlotWidget with neurodeck's defaults (white background, antialiasing)."""
    w = pg.PlotWidget(**kwargs)
    w.setBackground("w")
    return w


COLORMAPS = ("RdBu_r", "viridis", "magma", "inferno", "cividis", "coolwarm", "gray")


def colormap(name: str) -> pg.ColorMap:
    """A pyqtgraph colour map by name; ``_r`` reverses; matplotlib names without matplotlib."""
    reverse = name.endswith("_r")
    base = name[:-2] if reverse else name
    if base in ("RdBu", "coolwarm"):
        # Diverging blue-white-red built in, so no matplotlib is needed.
        stops = [(0.0, (5, 48, 97)), (0.25, (67, 147, 195)), (0.5, (247, 247, 247)),
                 (0.75, (214, 96, 77)), (1.0, (103, 0, 31))]
        pos = np.array([s[0] for s in stops])
        cols = np.array([s[1] for s in stops], dtype=np.ubyte)
        cmap = pg.ColorMap(pos, cols)
        # Our stops already run blue->red (the "_r" look); plain RdBu is red->blue.
        reverse = not reverse
    elif base == "gray":
        cmap = pg.ColorMap(np.array([0.0, 1.0]), np.array([[0, 0, 0], [255, 255, 255]],
                                                          dtype=np.ubyte))
    else:
        cmap = pg.colormap.get(base)
    if reverse:
        cmap = cmap.reverse() if hasattr(cmap, "reverse") else cmap
    return cmap


class TabbedView(ViewWidget):
    """A view made of several pages in tabs; export and copy act on the visible page."""

    def __init__(self, obj: Any = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(obj, parent)
        self.pages: list[ViewWidget] = []
        self.tabs = QtWidgets.QTabWidget()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def add_page(self, page: ViewWidget, title: str) -> ViewWidget:
        self.pages.append(page)
        self.tabs.addTab(page, title)
        return page

    def current(self) -> ViewWidget:
        return self.pages[self.tabs.currentIndex()]

    def export_target(self) -> ViewWidget | None:
        return self.current()


class LayoutView(ViewWidget):
    """A view drawn in one pyqtgraph ``GraphicsLayoutWidget`` (``self.glw``), exported whole."""

    def __init__(self, obj: Any = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(obj, parent)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.glw)

    def export_item(self) -> Any:
        return self.glw.scene()

    def export_widget(self) -> QtWidgets.QWidget:
        return self.glw
