"""The browser's edits of its dataset: bad channels and annotations (Qt-free).

Every edit goes to the dataset through its own setters (``Recording.bads = ...``,
``set_events(...)``) inside ``with ds.editing("Move annotation"):``, so the session turns it
into an undoable command named for the Edit menu, and every open view of the dataset hears
of it (``Dataset.subscribe_edits``). The browser redraws from what the dataset then holds,
never from its own copy: an undo in the main window shows at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from neurodeck.data import Events

Message = Callable[[str], None]

LABELS = {"add": "Add annotation", "move": "Move annotation", "resize": "Resize annotation",
          "rename": "Rename annotation", "delete": "Delete annotation",
          "bad": "Mark bad channel", "good": "Unmark bad channel"}


@contextlib.contextmanager
def _named(ds: Any, label: str) -> Iterator[None]:
    editing = getattr(ds, "editing", None)
    with editing(label) if editing is not None else contextlib.nullcontext():
        yield


# -- annotations as values -------------------------------------------------------------
def add(ev: Events, onset: float, duration: float, label: str) -> tuple[Events, int]:
    """``ev`` with a new annotation, kept in onset order; returns its index."""
    i = int(np.searchsorted(ev.onset, onset, side="right"))
    new = Events(np.insert(ev.onset, i, float(onset)),
                 np.insert(ev.duration, i, max(float(duration), 0.0)),
                 ev.label[:i] + [str(label)] + ev.label[i:])
    return new, i


def change(ev: Events, i: int, onset: float, duration: float) -> tuple[Events, int]:
    """Annotation ``i`` moved to ``onset`` with ``duration``; returns its new index."""
    onsets, durs = ev.onset.copy(), ev.duration.copy()
    onsets[i], durs[i] = float(onset), max(float(duration), 0.0)
    order = np.argsort(onsets, kind="stable")
    return Events(onsets[order], durs[order], [ev.label[k] for k in order]), \
        int(np.flatnonzero(order == i)[0])


def rename(ev: Events, i: int, label: str) -> Events:
    labels = list(ev.label)
    labels[i] = str(label)
    return Events(ev.onset.copy(), ev.duration.copy(), labels)


def delete(ev: Events, i: int) -> Events:
    keep = np.arange(len(ev)) != i
    return Events(ev.onset[keep], ev.duration[keep],
                  [lab for lab, k in zip(ev.label, keep, strict=True) if k])


class AnnotationEditor:
    """Annotation edits of one dataset, each named and reported in words."""

    def __init__(self, ds: Any, message: Message | None = None):
        self.ds = ds
        self.message = message or (lambda _text: None)

    @property
    def events(self) -> Events:
        return getattr(self.ds, "events", None) or Events.empty()

    @property
    def editable(self) -> bool:
        return hasattr(self.ds, "set_events")

    def _commit(self, events: Events, what: str) -> None:
        if not self.editable:
            raise PermissionError(f"{type(self.ds).__name__} has no set_events: read-only")
        with _named(self.ds, LABELS[what]):
            self.ds.set_events(events)

    def add(self, onset: float, duration: float, label: str) -> int:
        new, i = add(self.events, onset, duration, label)
        self._commit(new, "add")
        self.message(f"Added annotation '{label}' at {onset:.3f} s")
        return i

    def change(self, i: int, onset: float, duration: float) -> int:
        """Move (same duration) or resize annotation ``i``; says which, undoably."""
        ev = self.events
        old_onset, old_dur = float(ev.onset[i]), float(ev.duration[i])
        if abs(onset - old_onset) < 1e-9 and abs(duration - old_dur) < 1e-9:
            return i
        what = "move" if abs(duration - old_dur) < 1e-9 else "resize"
        new, j = change(ev, i, onset, duration)
        self._commit(new, what)
        if what == "move":
            self.message(f"Moved annotation '{ev.label[i]}' from {old_onset:.3f} s to "
                         f"{onset:.3f} s (Edit > Undo puts it back)")
        else:
            self.message(f"Resized annotation '{ev.label[i]}' to {onset:.3f}\u2013"
                         f"{onset + duration:.3f} s")
        return j

    def rename(self, i: int, label: str) -> None:
        old = self.events.label[i]
        self._commit(rename(self.events, i, label), "rename")
        self.message(f"Renamed annotation '{old}' to '{label}'")

    def delete(self, i: int) -> None:
        ev = self.events
        label, onset = ev.label[i], float(ev.onset[i])
        self._commit(delete(ev, i), "delete")
        self.message(f"Deleted annotation '{label}' at {onset:.3f} s")


class BadChannels:
    """Which rows are bad: the dataset's ``bads`` when it has them, else the view's own."""

    def __init__(self, ds: Any, labels: list[str], message: Message | None = None):
        self.ds = ds
        self.labels = labels
        self.message = message or (lambda _text: None)
        self._own: set[str] = set()

    @property
    def saved(self) -> bool:
        """Whether marks are written to the dataset (a ``Recording``) and undoable."""
        return isinstance(getattr(type(self.ds), "bads", None), property) and \
            type(self.ds).bads.fset is not None

    @property
    def names(self) -> set[str]:
        return set(getattr(self.ds, "bads", None) or []) if self.saved else set(self._own)

    def toggle(self, label: str) -> bool:
        """Mark ``label`` bad (or good again); returns whether it is now bad."""
        now = self.names
        bad = label not in now
        now = (now | {label}) if bad else (now - {label})
        if self.saved:
            with _named(self.ds, LABELS["bad" if bad else "good"]):
                self.ds.bads = [lab for lab in self.labels if lab in now]
        else:
            self._own = now
        self.message(f"{label} marked bad" if bad else f"{label} no longer bad")
        return bad
