"""Opening a workspace: find the raw files, re-open them, read the stored results.

Split in three so the GUI can ask the user about moved files on its own thread
(:func:`locate_sources`), open data in a background job (:func:`restore`) and fill
its session on the GUI thread (:func:`apply`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import api
from ..data.base import Dataset
from ..data.result import Result
from ..errors import NeurodeckError
from ..jobs.progress import Progress
from ..safety.policy import refuse_from_file
from ..session import Entry, Session
from .edits import apply_state
from .format import WorkspaceError, read_document, results_dir, safe_relative
from .locate import Ask, Locator, SourceRef


@dataclass
class Restored:
    """What a workspace restores: entries (not yet in a session), history, layout."""

    path: Path
    entries: list[Entry] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    layout: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what could not be restored, and why


def source_refs(doc: Mapping[str, Any]) -> list[SourceRef]:
    return [SourceRef.from_doc(e["id"], e["source"]) for e in doc["entries"] if "source" in e]


def locate_sources(doc: Mapping[str, Any], path: str | Path, *, ask: Ask | None = None,
                   search_dirs: Iterable[str | Path] = ()) -> tuple[dict[int, Path], list[str]]:
    """Where each raw file is now (entry id -> path), and why any could not be found."""
    locator = Locator(Path(path), search_dirs, ask)
    found, problems = {}, []
    for ref in source_refs(doc):
        p, why = locator.locate(ref)
        if p is None:
            problems.append(f"{ref.name or ref.filename}: not found ({why})")
        else:
            found[ref.entry] = p
    return found, problems


def restore(doc: Mapping[str, Any], path: str | Path, located: Mapping[int, Path],
            progress: Progress | None = None) -> Restored:
    """Re-open datasets from ``located`` files, apply their saved edits, read results."""
    path = Path(path).absolute()
    progress = progress or Progress()
    out = Restored(path, history=list(doc.get("history", [])),
                   layout=dict(doc.get("layout", {})))
    opened: dict[tuple, list[Dataset]] = {}
    made: dict[int, Dataset] = {}
    for i, e in enumerate(sorted(doc["entries"], key=lambda e: e["id"])):  # inputs first
        progress.update(i / max(len(doc["entries"]), 1), f"restoring {e.get('name', e['id'])}")
        try:
            if "result" in e:
                ds = _result(e, path)
            elif "source" in e:
                ds = _dataset(e, located, opened)
            else:
                ds = _recompute(e, made)
        except (NeurodeckError, OSError, KeyError, TypeError, ValueError) as exc:
            out.problems.append(f"{e.get('name', e['id'])}: {exc}")
            continue
        if ds is not None:
            made[e["id"]] = ds
            out.entries.append(Entry(e["id"], ds, e.get("parent"), dict(e.get("origin") or {})))
    ids = {en.id for en in out.entries}
    for en in out.entries:
        if en.parent is not None and en.parent not in ids:
            en.parent = None  # its input could not be restored; the result still is
    return out


def _recompute(e: Mapping[str, Any], made: Mapping[int, Dataset]) -> Dataset | None:
    """Data made by a transform, a study or a study member: made again from its inputs
    (restored before it), as the history recorded it; edits saved with it are applied."""
    origin = e.get("origin") or {}
    op = origin.get("op")
    missing = [i for i in [*origin.get("inputs", []), origin.get("study")]
               if i is not None and i not in made]
    if missing:
        raise WorkspaceError(f"made from entry {missing[0]}, which could not be restored")
    inputs = [made[i] for i in origin.get("inputs", [])]
    if op == "transform":
        ds = api.transform(origin["transform"], *inputs, **dict(origin.get("params") or {}))
    elif op == "study":
        ds = api.study(inputs, name=str(origin.get("name") or e.get("name") or "study"))
    elif op == "member":
        ds = made[origin["study"]].member(origin["member"])  # type: ignore[attr-defined]
    else:
        raise WorkspaceError(f"entry {e['id']} has neither a result file nor a source")
    apply_state(ds, e.get("edits") or {})
    ds.name = str(e.get("name") or ds.name)
    return ds


def _result(e: Mapping[str, Any], path: Path) -> Result:
    name = safe_relative(e["result"], path)
    res = Result.load(results_dir(path) / name.name)
    res.name = str(e.get("name") or res.name)
    return res


def _dataset(e: Mapping[str, Any], located: Mapping[int, Path],
             opened: dict[tuple, list[Dataset]]) -> Dataset | None:
    if e["id"] not in located:
        return None  # reported by locate_sources
    ref = SourceRef.from_doc(e["id"], e["source"])
    refuse_from_file(ref.options, f"the workspace entry {ref.name or ref.filename!r}")
    p = located[e["id"]]
    key = (str(p), ref.reader, repr(sorted(ref.options.items())))
    if key not in opened:
        got = api.open(p, reader=ref.reader, **ref.options)
        opened[key] = got if isinstance(got, list) else [got]
    items = opened[key]
    ds = pick(items, ref.name)
    items.remove(ds)  # a second entry from the same file takes another dataset
    if not items:
        del opened[key]
    apply_state(ds, e.get("edits") or {})
    ds.name = str(e.get("name") or ds.name)  # the name the user knew it by, even if renamed
    return ds


def pick(items: list[Dataset], name: str) -> Dataset:
    """The dataset called ``name`` among a file's datasets (the only one, whatever its name)."""
    if not items:
        raise WorkspaceError("the file holds fewer datasets than the workspace used")
    for d in items:
        if d.name == name:
            return d
    if len(items) == 1:
        return items[0]
    raise WorkspaceError(f"the file holds no dataset named {name!r} (it holds: "
                         f"{', '.join(d.name for d in items)})")


def apply(restored: Restored, session: Session) -> Session:
    """Replace ``session``'s contents by the restored entries and history (a fresh start
    for undo: the workspace is what was saved)."""
    session.clear()
    for entry in sorted(restored.entries, key=lambda e: e.id):  # parents come first
        session.adopt(entry)
    session.history[:] = restored.history
    session.mark_saved()
    return session


def load_workspace(path: str | os.PathLike[str], session: Session | None = None, *,
                   ask: Ask | None = None, search_dirs: Iterable[str | Path] = (),
                   progress: Progress | None = None) -> tuple[Session, Restored]:
    """Open a workspace into ``session`` (a new one by default).

    Raw files that moved are searched for (see :mod:`.locate`); ``ask(ref, reason)`` is
    called for those not found. What cannot be restored is listed in ``problems``.
    """
    doc = read_document(path)
    located, problems = locate_sources(doc, path, ask=ask, search_dirs=search_dirs)
    restored = restore(doc, path, located, progress)
    restored.problems[:0] = problems
    return apply(restored, session or Session()), restored
