"""Saving a session as a workspace: JSON beside a folder of result files, atomically.

Order of writing makes every moment of a save safe to die in: result files are
written first under content-derived names (each atomically), then the JSON is
written to a temporary file and renamed over the old one, and only then are result
files the new JSON no longer names deleted. Until the rename the old JSON and every
file it names are untouched.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._version import __version__
from ..atomic import write_text_atomic
from ..data.result import Result
from ..hashing import array_sha256, file_sha256
from ..session import Entry, Session, edit_state
from .format import FORMAT, VERSION, results_dir


def save_workspace(session: Session, path: str | Path, *,
                   layout: Mapping[str, Any] | None = None, mark_saved: bool = True) -> Path:
    """Write ``session`` to ``path`` (``.ndws``) with its results in ``path.d/``.

    Returns the path. Datasets are referenced by path and sha256; results are stored.
    Entries that are neither opened from a file nor results are left out and listed in
    the document's ``"unsaved"`` field. ``mark_saved=False`` (autosave) leaves the session's
    unsaved-work state alone: an autosave is not the user's save.
    """
    path = Path(path).absolute()
    session.sync_edits()
    rdir = results_dir(path)
    entries, keep, unsaved = [], set(), []
    for entry in session.entries.values():
        doc = _entry_doc(entry, session, path.parent, rdir)
        if doc is None:
            unsaved.append(entry.name)
            continue
        if "result" in doc:
            keep.add(doc["result"])
        entries.append(doc)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "neurodeck_version": __version__,
        "saved": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "entries": entries,
        "history": list(session.history),
        "layout": dict(layout or {}),
        "unsaved": unsaved,
    }
    write_text_atomic(path, json.dumps(document, indent=1, default=_json_default))
    if mark_saved:
        session.mark_saved()
    _collect_garbage(rdir, keep)
    for torn in path.parent.glob(f".{path.name}.*.tmp"):  # left by a save that was killed
        with contextlib.suppress(OSError):
            torn.unlink()
    return path


def _entry_doc(entry: Entry, session: Session, base: Path, rdir: Path) -> dict | None:
    doc: dict[str, Any] = {"id": entry.id, "name": entry.name, "kind": entry.dataset.kind,
                           "parent": entry.parent, "origin": entry.origin}
    if isinstance(entry.dataset, Result):
        doc["result"] = _write_result(entry, rdir)
        return doc
    if entry.origin.get("op") in ("transform", "study", "member"):
        doc["edits"] = edit_state(entry.dataset)  # made again from its inputs when opened
        return doc
    source = _source(entry, base)
    if source is None:
        return None
    doc["source"] = source
    doc["edits"] = edit_state(entry.dataset)
    return doc


def _source(entry: Entry, base: Path) -> dict[str, Any] | None:
    origin = entry.origin
    if origin.get("op") != "open" or not origin.get("path"):
        return None
    p = Path(origin["path"]).absolute()
    out: dict[str, Any] = {"path": str(p), "relpath": None, "sha256": None, "size": None,
                           "reader": origin.get("reader"), "options": origin.get("options", {}),
                           "name": origin.get("name", entry.name)}
    with contextlib.suppress(ValueError):  # no relative path across Windows drives
        out["relpath"] = Path(os.path.relpath(p, base)).as_posix()
    if p.is_file():
        out["sha256"] = file_sha256(p)
        out["size"] = p.stat().st_size
    return out


def result_digest(result: Result) -> str:
    """A hash of a result's arrays, provenance and metadata (names its file)."""
    h = hashlib.sha256()
    h.update(json.dumps([result.provenance, result.meta], sort_keys=True,
                        default=_json_default).encode())
    h.update(array_sha256(*(result[k] for k in sorted(result))).encode())
    h.update(json.dumps(sorted(result)).encode())
    return h.hexdigest()


def _write_result(entry: Entry, rdir: Path) -> str:
    name = f"e{entry.id}-{result_digest(entry.dataset)[:20]}.h5"
    target = rdir / name
    if not target.is_file():  # content-addressed: an existing file is this result
        entry.dataset.save(target)  # atomic (temporary file + rename)
    return name


def _collect_garbage(rdir: Path, keep: set[str]) -> None:
    """Delete result files the new document does not name, and torn temporaries."""
    if not rdir.is_dir():
        return
    for f in rdir.iterdir():
        if f.name not in keep and (f.suffix == ".h5" or f.name.endswith(".tmp")):
            with contextlib.suppress(OSError):
                f.unlink()


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(value)
