"""Linked selection between views: rows (channels, neurons, ROIs) picked in one view are
highlighted in every other view of the same dataset (an ROI clicked in the imaging view
shows its trace in the browser).

A view calls ``selection().select(dataset, rows, source=self)`` and connects to
``selection().changed`` (``dataset, rows, source``), ignoring its own emissions and
datasets it does not show. Rows are the dataset's row indices.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore


class Selection(QtCore.QObject):
    changed = QtCore.Signal(object, object, object)  # dataset, list of row indices, source

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[int, list[int]] = {}

    def select(self, dataset: Any, rows: list[int], source: Any = None) -> None:
        rows = [int(r) for r in rows]
        if self._rows.get(id(dataset)) == rows:
            return
        self._rows[id(dataset)] = rows
        self.changed.emit(dataset, rows, source)

    def rows(self, dataset: Any) -> list[int]:
        return list(self._rows.get(id(dataset), []))


_SELECTION: Selection | None = None


def selection() -> Selection:
    """The application's one selection hub."""
    global _SELECTION
    if _SELECTION is None:
        _SELECTION = Selection()
    return _SELECTION
