"""Re-running a session's history from the raw files, and the lineage of its entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import api
from ..data.base import Dataset
from ..jobs.progress import Progress
from ..session import EDIT_OPS, Session
from .edits import apply_edit
from .format import WorkspaceError
from .load import pick

#: Operations that change nothing a replay reproduces.
PASSIVE_OPS = ("save", "export", "view")


def alive(history: Sequence[Mapping[str, Any]]) -> list[int]:
    """Entries present at the end of the history, in creation order."""
    out: dict[int, None] = {}
    for rec in history:
        if rec["op"] in ("open", "run") and "entry" in rec:
            out[rec["entry"]] = None
        elif rec["op"] == "close":
            out.pop(rec.get("entry"), None)
    return list(out)


def lineage(history: Sequence[Mapping[str, Any]], targets: Iterable[int]) -> set[int]:
    """Every entry the ``targets`` were computed from (the targets included)."""
    made = {rec["entry"]: rec for rec in history
            if rec["op"] in ("open", "run") and "entry" in rec}
    todo, seen = list(targets), set()
    while todo:
        e = todo.pop()
        if e in seen or e not in made:
            continue
        seen.add(e)
        todo.extend(made[e].get("inputs", []))
    return seen


def needed_records(history: Sequence[Mapping[str, Any]],
                   targets: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The records that make ``targets`` (default: every entry alive at the end),
    in history order: opens, edits and runs of their lineage."""
    keep = lineage(history, alive(history) if targets is None else targets)
    return [dict(rec) for rec in history
            if rec.get("entry") in keep and (rec["op"] in ("open", "run") or rec["op"] in EDIT_OPS)]


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
    paths = dict(paths or {})
    ids: dict[int, int] = {}
    opened: dict[tuple, list[Dataset]] = {}
    for i, rec in enumerate(records):
        progress.update(i / max(len(records), 1), f"{rec['op']} {rec.get('analysis', '')}")
        op = rec["op"]
        if op == "open":
            path = paths.get(rec["path"], rec["path"])
            options = dict(rec.get("options") or {})
            key = (path, rec.get("reader"), repr(sorted(options.items())))
            if not opened.get(key):
                got = api.open(path, reader=rec.get("reader"), **options)
                opened[key] = got if isinstance(got, list) else [got]
            ds = pick(opened[key], rec.get("name", ""))
            opened[key].remove(ds)
            origin = {"op": "open", "path": path, "reader": rec.get("reader"),
                      "options": options}
            ids[rec["entry"]] = session.add(ds, origin=origin).id
        elif op in EDIT_OPS:
            apply_edit(session.entries[_mapped(ids, rec["entry"])].dataset, op, rec)
            session.sync_edits()
        elif op == "run":
            inputs = [_mapped(ids, e) for e in rec.get("inputs", [])]
            datasets = [session.entries[e].dataset for e in inputs]
            result = api.run(rec["analysis"], *datasets, **dict(rec.get("params") or {}))
            origin = {"op": "run", "analysis": rec["analysis"], "inputs": inputs,
                      "params": dict(rec.get("params") or {})}
            ids[rec["entry"]] = session.add(result, parent=inputs[0] if inputs else None,
                                            origin=origin).id
    progress.update(1.0, "replayed")
    return session, ids


def _mapped(ids: Mapping[int, int], entry: int) -> int:
    try:
        return ids[entry]
    except KeyError:
        raise WorkspaceError(f"the history uses entry {entry} before it is made") from None
