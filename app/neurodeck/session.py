"""The open datasets and results of one working session, how each came to be, and undo.

Qt-free: the GUI observes a ``Session`` through listeners; scripts can use it too.

Every operation is a command object (open, close, rename, transform, run, an in-place edit)
that knows how to undo itself; :meth:`Session.undo` / :meth:`Session.redo` walk the stack.
Each command appends structured history records (not strings) when done and takes them out
when undone, so the history is always the story of what the session holds now: it replays,
exports as a script and saves as a workspace.

In-place edits (bad channels, annotations) are declared by the dataset types
(``Dataset.edit_state`` / ``apply_edit``) and reported by their setters as they happen, so
an edit made in a view becomes an undoable command without the view knowing the session.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .data.base import Dataset
from .jobs import collector

Listener = Callable[[str, "Entry"], None]

#: Operations that create entries; their records carry ``entry`` (and ``inputs``).
MAKING_OPS = ("open", "run", "transform", "member", "study")


def edit_state(ds: Dataset) -> dict[str, Any]:
    """What a user edits in place on a dataset (as its type declares), as JSON values."""
    return ds.edit_state()


def is_edit(op: str) -> bool:
    """Whether a history record's op is an in-place edit (declared by a dataset type)."""
    return op.startswith("set_")


@dataclass
class Entry:
    """One dataset or result in the session. ``parent`` is the id of the dataset it was
    made from (its first input)."""

    id: int
    dataset: Dataset
    parent: int | None = None
    origin: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.dataset.name


# -- commands -------------------------------------------------------------------------------
class Command:
    """One undoable operation: ``do`` (first time and redo) and ``undo``."""

    label = "change"
    #: Whether losing it loses work (opening a file again costs nothing: not work).
    is_work = True

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def entries(self) -> set[int]:
        """Ids of the entries this command touches (unsaved-work questions)."""
        return set()

    def do(self, s: Session) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def undo(self, s: Session) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class AddEntries(Command):
    """Datasets joining the session: opened, computed, transformed, a study member."""

    def __init__(self, entries: list[Entry], label: str, records: list[dict[str, Any]],
                 after: dict[str, Any] | None = None):
        super().__init__()
        self.added = entries
        self.label = label
        self.records = records
        self.after = after  # history record these follow (a job: where it was submitted)
        self.is_work = any(r.get("op") not in ("open", "member") for r in records)

    def entries(self) -> set[int]:
        return {e.id for e in self.added}

    def do(self, s: Session) -> None:
        for e in self.added:
            if e.parent is not None and e.parent not in s.entries:
                e.parent = None  # its input was closed meanwhile: it stands alone
            s._insert(e)
        s._append(self.records, self.after)

    def undo(self, s: Session) -> None:
        s._drop(self.records)
        for e in reversed(self.added):
            s._detach(e.id)


class RemoveEntries(Command):
    """Closing an entry, with everything made from it."""

    def __init__(self, entries: list[Entry]):
        super().__init__()
        self.removed = entries  # parents first
        self.label = f"Close {entries[0].name}"
        self.records = [Session._stamp({"op": "close", "entry": e.id})
                        for e in reversed(entries)]

    def entries(self) -> set[int]:
        return {e.id for e in self.removed}

    def do(self, s: Session) -> None:
        for e in reversed(self.removed):
            s._detach(e.id)
        s._append(self.records)

    def undo(self, s: Session) -> None:
        s._drop(self.records)
        for e in self.removed:
            s._insert(e)


class Rename(Command):
    def __init__(self, entry: Entry, new: str):
        super().__init__()
        self.entry, self.old, self.new = entry, entry.dataset.name, new
        self.label = f"Rename {self.old}"
        self.records = [Session._stamp({"op": "rename", "entry": entry.id, "name": new})]

    def entries(self) -> set[int]:
        return {self.entry.id}

    def do(self, s: Session) -> None:
        self.entry.dataset.name = self.new
        s._append(self.records)
        s._emit("changed", self.entry)

    def undo(self, s: Session) -> None:
        s._drop(self.records)
        self.entry.dataset.name = self.old
        s._emit("changed", self.entry)


class Edit(Command):
    """An in-place edit of one dataset: its state for ``op`` before and after."""

    def __init__(self, entry: Entry, op: str, before: Any, after: Any, label: str | None):
        super().__init__()
        self.entry, self.op, self.before, self.after = entry, op, before, after
        what = entry.dataset.edit_ops.get(op, op.removeprefix("set_").replace("_", " "))
        self.label = label or f"Edit {what}"
        self.records = [Session._stamp({"op": op, "entry": entry.id, **after})]
        self._first = True

    def entries(self) -> set[int]:
        return {self.entry.id}

    def do(self, s: Session) -> None:
        if not self._first:  # the first time, the view has already applied it
            s._apply(self.entry, self.op, self.after)
        self._first = False
        s._append(self.records)

    def undo(self, s: Session) -> None:
        s._drop(self.records)
        s._apply(self.entry, self.op, self.before)


# -- the session ---------------------------------------------------------------------------
class Session:
    """Datasets in the order they were opened, results and derived data under their inputs."""

    def __init__(self) -> None:
        self.entries: dict[int, Entry] = {}
        self.history: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._listeners: list[Listener] = []
        self._edit_state: dict[int, dict[str, Any]] = {}
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._applying = False
        self._saved: list[Command] = []  # the undo stack when last saved

    def subscribe(self, listener: Listener) -> None:
        """``listener(event, entry)``: ``"added"``, ``"removed"``, ``"changed"`` or
        ``"history"`` (the undo stack moved; ``entry`` may be None)."""
        self._listeners.append(listener)

    def _emit(self, event: str, entry: Entry | None) -> None:
        for listener in list(self._listeners):
            listener(event, entry)  # type: ignore[arg-type]

    # -- operations (each one undoable) ----------------------------------------------------
    def add(self, dataset: Dataset, parent: int | None = None,
            origin: dict[str, Any] | None = None, *, label: str | None = None,
            after: dict[str, Any] | None = None) -> Entry:
        """Add a dataset; ``origin`` (an ``open``/``run``/``transform``... record) is kept
        on the entry and appended to the history. ``after`` places the record right after
        that earlier record (a job's result goes where the job was submitted)."""
        return self.add_many([dataset], parent, origin, label=label, after=after)[0]

    def add_many(self, datasets: Iterable[Dataset], parent: int | None = None,
                 origin: dict[str, Any] | None = None, *, label: str | None = None,
                 after: dict[str, Any] | None = None) -> list[Entry]:
        """Several datasets as one command (a file holding several)."""
        entries, records = [], []
        for ds in datasets:
            entry = Entry(next(self._ids), ds, parent, dict(origin or {}))
            if entry.origin.get("op") == "open":
                entry.origin.setdefault("name", ds.name)  # which of a file's datasets
            entries.append(entry)
            if origin:
                rec = {**origin, "entry": entry.id}
                if rec.get("op") == "open":  # which of a file's datasets (lineage, replay)
                    rec.setdefault("name", ds.name)
                    rec.setdefault("kind", ds.kind)
                records.append(self._stamp(rec))
        if not entries:
            return []
        self._push(AddEntries(entries, label or _label(origin, entries), records, after))
        return entries

    def remove(self, entry_id: int) -> None:
        """Close an entry and everything made from it (undoable)."""
        if entry_id not in self.entries:
            return
        self._push(RemoveEntries(self._subtree(entry_id)))

    def rename(self, entry_id: int, name: str) -> None:
        name = str(name).strip()
        entry = self.entries[entry_id]
        if name and name != entry.dataset.name:
            self._push(Rename(entry, name))

    def record(self, op: dict[str, Any]) -> None:
        """Append a passive record (``save``, ``export``...): nothing to undo."""
        self.history.append(self._stamp(op))

    # -- undo / redo ---------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str:
        return self._undo[-1].label if self._undo else ""

    @property
    def redo_label(self) -> str:
        return self._redo[-1].label if self._redo else ""

    def undo(self) -> str | None:
        """Undo the last operation; returns its label (None when there is nothing)."""
        self.sync_edits()
        if not self._undo:
            return None
        cmd = self._undo.pop()
        cmd.undo(self)
        self._redo.append(cmd)
        self._emit("history", None)
        return cmd.label

    def redo(self) -> str | None:
        if not self._redo:
            return None
        cmd = self._redo.pop()
        cmd.do(self)
        self._undo.append(cmd)
        self._emit("history", None)
        return cmd.label

    def _push(self, cmd: Command) -> None:
        if not isinstance(cmd, Edit):
            self.sync_edits()  # edits made without notice come first
        cmd.do(self)
        self._undo.append(cmd)
        if self._redo:  # undone additions are dropped for good
            self._redo.clear()
            collector.release()
        self._emit("history", None)

    # -- unsaved work ---------------------------------------------------------------------------
    def mark_saved(self) -> None:
        """The current state is saved (a workspace was written or opened)."""
        self.sync_edits()
        self._saved = list(self._undo)

    def _since_saved(self) -> list[Command]:
        now = {id(c) for c in self._undo}
        then = {id(c) for c in self._saved}
        return [c for c in self._undo if id(c) not in then] + \
            [c for c in self._saved if id(c) not in now]

    @property
    def modified(self) -> bool:
        """Whether work (edits, results, derived data...) was done or undone since the last
        :meth:`mark_saved`; opening files alone is not work to lose."""
        self.sync_edits()
        return any(c.is_work for c in self._since_saved())

    def unsaved_entries(self) -> set[int]:
        """Present entries touched by operations done or undone since the last save."""
        self.sync_edits()
        touched: set[int] = set()
        for cmd in self._since_saved():
            if cmd.is_work:
                touched |= cmd.entries()
        return touched & set(self.entries)

    def entry_modified(self, entry_id: int) -> bool:
        """Unsaved changes in this entry or anything made from it (closing it asks)."""
        return bool({e.id for e in self._subtree(entry_id)} & self.unsaved_entries())

    # -- queries -----------------------------------------------------------------------------
    def find(self, dataset: Dataset) -> Entry | None:
        return next((e for e in self.entries.values() if e.dataset is dataset), None)

    def datasets(self, kind: str | None = None) -> list[Entry]:
        return [e for e in self.entries.values() if kind is None or e.dataset.is_a(kind)]

    def children(self, entry_id: int | None) -> list[Entry]:
        return [e for e in self.entries.values() if e.parent == entry_id]

    def _subtree(self, entry_id: int) -> list[Entry]:
        out, todo, seen = [], [entry_id], set()
        while todo:
            e = todo.pop(0)
            if e in seen or e not in self.entries:
                continue
            seen.add(e)
            out.append(self.entries[e])
            todo += [c.id for c in self.children(e)]
        return out

    # -- in-place edits ------------------------------------------------------------------------
    def _on_edit(self, ds: Dataset, op: str, label: str | None) -> None:
        if self._applying:
            return
        entry = self.find(ds)
        if entry is None:
            return
        self._edit_command(entry, label)

    def _edit_command(self, entry: Entry, label: str | None) -> list[dict[str, Any]]:
        state = edit_state(entry.dataset)
        before = self._edit_state.get(entry.id, {})
        self._edit_state[entry.id] = state
        new = []
        for op, values in state.items():
            if op in before and before[op] != values:
                cmd = Edit(entry, op, before[op], values, label)
                cmd.do(self)
                self._undo.append(cmd)
                self._redo.clear()
                new += cmd.records
        if new:
            self._emit("changed", entry)
            self._emit("history", None)
        return new

    def sync_edits(self) -> list[dict[str, Any]]:
        """Record edits made without the dataset's notice (scripts changing an MNE ``info``
        directly); views' edits are recorded as they happen. Returns the new records."""
        new: list[dict[str, Any]] = []
        for entry in list(self.entries.values()):
            new += self._edit_command(entry, None)
        return new

    def _apply(self, entry: Entry, op: str, values: Mapping[str, Any]) -> None:
        self._applying = True
        try:
            entry.dataset.apply_edit(op, values)
        finally:
            self._applying = False
        self._edit_state.setdefault(entry.id, {})[op] = edit_state(entry.dataset).get(op)
        self._emit("changed", entry)

    # -- primitives used by the commands ------------------------------------------------------
    def _insert(self, entry: Entry) -> None:
        self.entries[entry.id] = entry
        self._edit_state[entry.id] = edit_state(entry.dataset)
        entry.dataset.subscribe_edits(self._on_edit)
        self._emit("added", entry)

    def _detach(self, entry_id: int) -> None:
        entry = self.entries.pop(entry_id, None)
        if entry is not None:
            entry.dataset.unsubscribe_edits(self._on_edit)
            collector.release()  # a cycle through the dataset must stay collectable
            self._emit("removed", entry)

    def _append(self, records: list[dict[str, Any]], after: dict[str, Any] | None = None
                ) -> None:
        if after is not None:
            at = next((i for i, r in enumerate(self.history) if r is after), None)
            if at is not None:
                self.history[at + 1:at + 1] = records
                return
        self.history.extend(records)

    def _drop(self, records: list[dict[str, Any]]) -> None:
        ids = {id(r) for r in records}
        self.history[:] = [r for r in self.history if id(r) not in ids]

    @staticmethod
    def _stamp(op: dict[str, Any]) -> dict[str, Any]:
        return {**op, "time": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}

    def mark(self) -> dict[str, Any] | None:
        """The last history record (pass it as ``after=`` to place a later result here)."""
        self.sync_edits()
        return self.history[-1] if self.history else None

    # -- restored entries ------------------------------------------------------------------------
    def adopt(self, entry: Entry) -> Entry:
        """Add an entry that keeps its id (restoring a workspace); records nothing."""
        if entry.id in self.entries:
            raise ValueError(f"entry {entry.id} already exists")
        self._insert(entry)
        nxt = next(self._ids)
        self._ids = itertools.count(max(nxt, entry.id + 1))
        return entry

    def clear(self) -> None:
        """Remove everything, history and undo stack included (a workspace replaces it)."""
        for entry_id in list(self.entries):
            self._detach(entry_id)
        self.history.clear()
        self._undo.clear()
        self._redo.clear()
        collector.release()
        self._edit_state.clear()
        self._saved = []
        self._emit("history", None)


def _label(origin: Mapping[str, Any] | None, entries: list[Entry]) -> str:
    op = (origin or {}).get("op", "add")
    what = {"open": "Open", "run": "Run", "transform": "Transform", "member": "Open member",
            "study": "Make study"}.get(op, "Add")
    detail = (origin or {}).get("analysis") or (origin or {}).get("transform")
    name = entries[0].name if len(entries) == 1 else f"{len(entries)} datasets"
    return f"{what} {detail}" if detail else f"{what} {name}"
