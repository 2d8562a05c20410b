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

#: Records of edits made in place on a dataset (by a view, e.g. the browser).
EDIT_OPS = ("set_bads", "set_annotations")


def edit_state(ds: Dataset) -> dict[str, Any]:
    """What a user edits in place on a dataset (bad channels, annotations), as JSON values."""
    state: dict[str, Any] = {}
    prop = getattr(type(ds), "bads", None)
    if isinstance(prop, property) and prop.fset is not None:
        state["set_bads"] = {"bads": list(ds.bads)}
    if hasattr(ds, "set_events"):
        ev = ds.events
        state["set_annotations"] = {"onset": ev.onset.tolist(),
                                    "duration": ev.duration.tolist(), "label": list(ev.label)}
    return state


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
        self._edit_state: dict[int, dict[str, Any]] = {}

    def subscribe(self, listener: Listener) -> None:
        """``listener(event, entry)`` with event ``"added"``, ``"removed"`` or ``"changed"``."""
        self._listeners.append(listener)

    def _emit(self, event: str, entry: Entry) -> None:
        for listener in list(self._listeners):
            listener(event, entry)

    # -- contents ----------------------------------------------------------------
    def add(self, dataset: Dataset, parent: int | None = None,
            origin: dict[str, Any] | None = None, *, sync: bool = True) -> Entry:
        """Add a dataset; ``origin`` is recorded. ``sync=False`` leaves in-place edits to be
        recorded after it (a job's result: its edits were synced when it was submitted)."""
        entry = Entry(next(self._ids), dataset, parent, dict(origin or {}))
        self.entries[entry.id] = entry
        if origin:
            rec = {**origin, "entry": entry.id}
            if rec.get("op") == "open":  # which of a file's datasets (lineage, replay)
                rec.setdefault("name", dataset.name)
                rec.setdefault("kind", dataset.kind)
            self.record(rec, sync=sync)
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

    def record(self, op: dict[str, Any], *, sync: bool = True) -> None:
        if sync and op.get("op") not in EDIT_OPS:
            self.sync_edits()  # edits made before this operation come first in the history
        self.history.append({**op, "time": _dt.datetime.now(_dt.UTC).isoformat(
            timespec="seconds")})

    # -- edits made in place and restored entries ----------------------------------------
    def sync_edits(self) -> list[dict[str, Any]]:
        """Record edits made directly on datasets (views change bad channels and
        annotations in place) since the last record; returns the new records."""
        new = []
        for entry_id, entry in list(self.entries.items()):
            state = edit_state(entry.dataset)
            before = self._edit_state.get(entry_id)
            self._edit_state[entry_id] = state
            if before is None:  # first sight: the state it was opened with
                continue
            for op, values in state.items():
                if before.get(op) != values:
                    rec = {"op": op, "entry": entry_id, **values}
                    self.record(rec)
                    new.append(rec)
        return new

    def adopt(self, entry: Entry) -> Entry:
        """Add an entry that keeps its id (restoring a workspace); records nothing."""
        if entry.id in self.entries:
            raise ValueError(f"entry {entry.id} already exists")
        self.entries[entry.id] = entry
        self._edit_state[entry.id] = edit_state(entry.dataset)
        nxt = next(self._ids)
        self._ids = itertools.count(max(nxt, entry.id + 1))
        self._emit("added", entry)
        return entry
