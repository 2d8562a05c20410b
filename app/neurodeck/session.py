"""The open datasets and results of one working session, and how each came to be.

Qt-free: the GUI observes a ``Session`` through listeners; scripts can use it too.
Every operation is recorded as a structured record (not a string) so a session
can be replayed or exported as a script.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .data.base import Dataset

Listener = Callable[[str, "Entry"], None]


@dataclass
class Entry:
    """One dataset or result in the session. ``parent`` is the id of the dataset a
    result was computed from (its first input)."""

    id: int
    dataset: Dataset
    parent: int | None = None
    origin: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.dataset.name


class Session:
    """Datasets in the order they were opened, results under their inputs."""

    def __init__(self) -> None:
        self.entries: dict[int, Entry] = {}
        self.history: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """``listener(event, entry)`` with event ``"added"``, ``"removed"`` or ``"changed"``."""
        self._listeners.append(listener)

    def _emit(self, event: str, entry: Entry) -> None:
        for listener in list(self._listeners):
            listener(event, entry)

    # -- contents ----------------------------------------------------------------
    def add(self, dataset: Dataset, parent: int | None = None,
            origin: dict[str, Any] | None = None) -> Entry:
        entry = Entry(next(self._ids), dataset, parent, dict(origin or {}))
        self.entries[entry.id] = entry
        if origin:
            self.record({**origin, "entry": entry.id})
        self._emit("added", entry)
        return entry

    def remove(self, entry_id: int) -> None:
        """Remove an entry and the results computed from it."""
        for child in [e for e in self.entries.values() if e.parent == entry_id]:
            self.remove(child.id)
        entry = self.entries.pop(entry_id, None)
        if entry is not None:
            self.record({"op": "close", "entry": entry_id})
            self._emit("removed", entry)

    def changed(self, entry_id: int, edit: dict[str, Any] | None = None) -> None:
        """Tell listeners an entry's data changed (e.g. annotations edited)."""
        if edit:
            self.record({**edit, "entry": entry_id})
        self._emit("changed", self.entries[entry_id])

    def find(self, dataset: Dataset) -> Entry | None:
        return next((e for e in self.entries.values() if e.dataset is dataset), None)

    def datasets(self, kind: str | None = None) -> list[Entry]:
        return [e for e in self.entries.values() if kind is None or e.dataset.is_a(kind)]

    def children(self, entry_id: int | None) -> list[Entry]:
        return [e for e in self.entries.values() if e.parent == entry_id]

    def record(self, op: dict[str, Any]) -> None:
        self.history.append({**op, "time": _dt.datetime.now(_dt.UTC).isoformat(
            timespec="seconds")})
