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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._version import __version__
from ..atomic import write_text_atomic
from ..data.result import Result
from ..hashing import array_sha256, file_sha256, folder_sha256
from ..session import Entry, Session, edit_state
from .format import FORMAT, VERSION, WorkspaceError, results_dir


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
    names = {e.id: f"e{e.id}-{result_digest(e.dataset)[:20]}.h5"
             for e in session.entries.values() if isinstance(e.dataset, Result)}
    planned = set(names.values())
    rdir = _results_folder(path, create=bool(planned))
    before = _manifest(rdir) if rdir.is_dir() else set()
    if rdir.is_dir():
        _write_manifest(rdir, before | planned)  # a save killed now leaves nothing unlisted
    entries, keep, unsaved = [], set(), []
    for entry in session.entries.values():
        doc = _entry_doc(entry, path.parent, rdir, names.get(entry.id))
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
    if rdir.is_dir():
        _collect_garbage(rdir, before | planned, keep)
        _write_manifest(rdir, keep)
    for torn in path.parent.glob(f".{path.name}.*.tmp"):  # left by a save that was killed
        with contextlib.suppress(OSError):
            torn.unlink()
    return path


def _entry_doc(entry: Entry, base: Path, rdir: Path, result_name: str | None) -> dict | None:
    doc: dict[str, Any] = {"id": entry.id, "name": entry.name, "kind": entry.dataset.kind,
                           "parent": entry.parent, "origin": entry.origin}
    if isinstance(entry.dataset, Result):
        doc["result"] = _write_result(entry, rdir, result_name or "")
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
    elif p.is_dir():  # a study folder: its listing identifies it
        out["sha256"] = folder_sha256(p)
    return out


def result_digest(result: Result) -> str:
    """A hash of a result's arrays, provenance and metadata (names its file)."""
    h = hashlib.sha256()
    h.update(json.dumps([result.provenance, result.meta], sort_keys=True,
                        default=_json_default).encode())
    h.update(array_sha256(*(result[k] for k in sorted(result))).encode())
    h.update(json.dumps(sorted(result)).encode())
    return h.hexdigest()


#: The list of files this workspace wrote into its results folder: the only files a save
#: ever deletes there.
MANIFEST = "manifest.json"
RESULT_RE = re.compile(r"^e\d+-[0-9a-f]{20}\.h5$")


def _results_folder(path: Path, create: bool) -> Path:
    """The results folder beside ``path``: a real folder, never a link to elsewhere (saving
    through a link would write, and clean up, files the workspace does not own)."""
    rdir = results_dir(path)
    if rdir.is_symlink() or (rdir.exists() and not rdir.is_dir()):
        raise WorkspaceError(f"{rdir} is a link or a file, not the workspace's own results "
                             "folder; neurodeck does not save through it (remove it, or save "
                             "the workspace elsewhere)")
    if create:
        rdir.mkdir(parents=True, exist_ok=True)
    return rdir


def _manifest(rdir: Path) -> set[str]:
    """Names this workspace wrote (older workspaces: the names its saves give files)."""
    try:
        names = json.loads((rdir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {f.name for f in rdir.iterdir() if RESULT_RE.match(f.name)}
    return {n for n in names if isinstance(n, str) and RESULT_RE.match(n)} \
        if isinstance(names, list) else set()


def _write_manifest(rdir: Path, names: set[str]) -> None:
    write_text_atomic(rdir / MANIFEST, json.dumps(sorted(names)))


def _write_result(entry: Entry, rdir: Path, name: str) -> str:
    target = rdir / name
    if not target.is_file():  # content-addressed: an existing file is this result
        entry.dataset.save(target)  # atomic (temporary file + rename)
    return name


def _collect_garbage(rdir: Path, ours: set[str], keep: set[str]) -> None:
    """Delete files this workspace wrote that the new document no longer names, and the
    temporaries of killed saves of them; nothing else, and never through a link."""
    if not rdir.is_dir() or rdir.is_symlink():
        return
    for f in rdir.iterdir():
        name = f.name
        mine = name in ours or any(name.startswith(f".{n}.") and name.endswith(".tmp")
                                   for n in ours)
        if mine and name not in keep and not f.is_symlink() and f.is_file():
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
