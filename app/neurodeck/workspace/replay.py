"""Re-running a session's history from the raw files, and the lineage of its entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import api
from ..data.base import Dataset
from ..data.study import Study
from ..jobs.progress import Progress
from ..safety.policy import refuse_from_file
from ..session import MAKING_OPS, Session, is_edit
from .edits import apply_edit
from .format import WorkspaceError
from .load import pick

#: Operations that change nothing a replay reproduces.
PASSIVE_OPS = ("save", "export", "view")


def sources_of(rec: Mapping[str, Any]) -> list[int]:
    """The entries a record's entry was made from (inputs, or the study of a member)."""
    out = list(rec.get("inputs") or [])
    if rec.get("op") == "member" and rec.get("study") is not None:
        out.append(rec["study"])
    return out


def alive(history: Sequence[Mapping[str, Any]]) -> list[int]:
    """Entries present at the end of the history, in creation order."""
    out: dict[int, None] = {}
    for rec in history:
        if rec["op"] in MAKING_OPS and "entry" in rec:
            out[rec["entry"]] = None
        elif rec["op"] == "close":
            out.pop(rec.get("entry"), None)
    return list(out)


def lineage(history: Sequence[Mapping[str, Any]], targets: Iterable[int]) -> set[int]:
    """Every entry the ``targets`` were made from (the targets included)."""
    made = {rec["entry"]: rec for rec in history
            if rec["op"] in MAKING_OPS and "entry" in rec}
    todo, seen = list(targets), set()
    while todo:
        e = todo.pop()
        if e in seen or e not in made:
            continue
        seen.add(e)
        todo.extend(sources_of(made[e]))
    return seen


def needed_records(history: Sequence[Mapping[str, Any]],
                   targets: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The records that make ``targets`` (default: every entry alive at the end),
    in history order: what made them, their edits and renames."""
    keep = lineage(history, alive(history) if targets is None else targets)
    return [dict(rec) for rec in history if rec.get("entry") in keep and (
        rec["op"] in MAKING_OPS or is_edit(rec["op"]) or rec["op"] == "rename")]


class Replayer:
    """Executes history records into a session (replay, and restoring workspaces)."""

    def __init__(self, session: Session, paths: Mapping[str, str] | None = None):
        self.session = session
        self.paths = dict(paths or {})
        self.ids: dict[int, int] = {}
        self._opened: dict[tuple, list[Dataset]] = {}

    def dataset(self, old_id: int) -> Dataset:
        return self.session.entries[self.mapped(old_id)].dataset

    def mapped(self, entry: int) -> int:
        try:
            return self.ids[entry]
        except KeyError:
            raise WorkspaceError(f"the history uses entry {entry} before it is made") from None

    def make(self, rec: Mapping[str, Any]) -> tuple[Dataset, int | None, dict[str, Any]]:
        """The dataset a making record makes, its parent (new id) and its new origin."""
        op = rec["op"]
        if op == "open":
            path = self.paths.get(rec["path"], rec["path"])
            options = dict(rec.get("options") or {})
            refuse_from_file(options, f"the history's record of {Path(str(path)).name}")
            key = (path, rec.get("reader"), repr(sorted(options.items())))
            if not self._opened.get(key):
                got = api.open(path, reader=rec.get("reader"), **options)
                self._opened[key] = got if isinstance(got, list) else [got]
            ds = pick(self._opened[key], rec.get("name", ""))
            self._opened[key].remove(ds)
            return ds, None, {"op": "open", "path": path, "reader": rec.get("reader"),
                              "options": options}
        inputs = [self.mapped(e) for e in rec.get("inputs", [])]
        datasets = [self.session.entries[e].dataset for e in inputs]
        parent = inputs[0] if inputs else None
        if op == "member":
            study = self.dataset(rec["study"])
            if not isinstance(study, Study):
                raise WorkspaceError(f"entry {rec['study']} is not a study")
            return study.member(rec["member"]), self.mapped(rec["study"]), {
                "op": "member", "study": self.mapped(rec["study"]), "member": rec["member"]}
        if op == "study":
            ds = api.study(datasets, name=str(rec.get("name") or "study"))
            return ds, None, {"op": "study", "inputs": inputs, "name": ds.name}
        kind = "analysis" if op == "run" else "transform"
        params = dict(rec.get("params") or {})
        fn = api.run if op == "run" else api.transform
        ds = fn(rec[kind], *datasets, **params)
        return ds, parent, {"op": op, kind: rec[kind], "inputs": inputs, "params": params}

    def apply(self, rec: Mapping[str, Any]) -> None:
        op = rec["op"]
        if op in MAKING_OPS:
            ds, parent, origin = self.make(rec)
            if op == "open" and rec.get("name"):
                ds.name = str(rec["name"])
            self.ids[rec["entry"]] = self.session.add(ds, parent=parent, origin=origin).id
        elif is_edit(op):
            apply_edit(self.dataset(rec["entry"]), op, rec)
        elif op == "rename":
            self.session.rename(self.mapped(rec["entry"]), str(rec.get("name", "")))


def replay(history: Sequence[Mapping[str, Any]], *, session: Session | None = None,
           paths: Mapping[str, str] | None = None, targets: Iterable[int] | None = None,
           progress: Progress | None = None) -> tuple[Session, dict[int, int]]:
    """Execute the history again from the raw files into ``session`` (a new one).

    ``paths`` maps saved file paths to where they are now. Returns the session and the
    map from the history's entry ids to the new ones.
    """
    session = session or Session()
    progress = progress or Progress()
    records = needed_records(history, targets)
    player = Replayer(session, paths)
    for i, rec in enumerate(records):
        progress.update(i / max(len(records), 1),
                        f"{rec['op']} {rec.get('analysis') or rec.get('transform') or ''}")
        player.apply(rec)
    progress.update(1.0, "replayed")
    return session, player.ids
