"""The workspace file: one JSON document, checked field by field on reading.

Reading a workspace parses JSON and nothing else - no pickle, no code: results are
HDF5 files read by :meth:`neurodeck.data.result.Result.load` (arrays and JSON only),
datasets are re-opened from their raw files by the installed readers.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import NeurodeckError

FORMAT = "neurodeck-workspace"
VERSION = 1
SUFFIX = ".ndws"


class WorkspaceError(NeurodeckError):
    """A workspace file cannot be read or restored; the message says why."""


def results_dir(path: str | Path) -> Path:
    """The folder beside a workspace that holds its results (``name.ndws.d``)."""
    path = Path(path)
    return path.with_name(path.name + ".d")


def read_document(path: str | Path) -> dict[str, Any]:
    """Parse and validate a workspace file; raise :class:`WorkspaceError` if it is not one."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkspaceError(f"Cannot read workspace {path}: {exc}") from exc
    except ValueError as exc:
        raise WorkspaceError(f"{path} is not a workspace (invalid JSON: {exc})") from exc
    return validate(doc, path)


def validate(doc: Any, path: str | Path = "<workspace>") -> dict[str, Any]:
    def bad(why: str) -> WorkspaceError:
        return WorkspaceError(f"{path} is not a valid workspace: {why}")

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad("no 'format': 'neurodeck-workspace' field")
    version = doc.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise bad(f"format version {version!r}; this neurodeck reads up to {VERSION}")
    for key, kind in (("entries", list), ("history", list), ("layout", dict)):
        if not isinstance(doc.get(key, kind()), kind):
            raise bad(f"{key!r} must be a {kind.__name__}")
    ids = set()
    for e in doc.get("entries", []):
        if not isinstance(e, dict) or not isinstance(e.get("id"), int):
            raise bad("every entry needs an integer 'id'")
        if e["id"] in ids:
            raise bad(f"entry id {e['id']} appears twice")
        ids.add(e["id"])
        if "result" in e:
            safe_relative(e["result"], path)
        elif not isinstance(e.get("source"), dict) and not (
                isinstance(e.get("origin"), dict)
                and e["origin"].get("op") in ("transform", "study", "member")):
            raise bad(f"entry {e['id']} has neither a result file, a source nor a recipe")
    for rec in doc.get("history", []):
        if not isinstance(rec, dict) or not isinstance(rec.get("op"), str):
            raise bad("every history record needs an 'op'")
    return doc


def safe_relative(name: Any, path: str | Path = "<workspace>") -> PurePosixPath:
    """A result file name from the document: relative, inside the results folder."""
    p = PurePosixPath(name) if isinstance(name, str) else None
    if p is None or p.is_absolute() or ".." in p.parts or len(p.parts) != 1 or "\\" in name:
        raise WorkspaceError(f"{path}: result file {name!r} is not a plain file name")
    return p
