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


#: A workspace document larger than this is not one (results live in their own files).
MAX_BYTES = 200_000_000
#: Operations a history record may name (edits: any ``set_*`` a dataset type declares).
OPS = ("open", "run", "transform", "member", "study", "close", "rename", "save", "export",
       "view")


def read_document(path: str | Path) -> dict[str, Any]:
    """Parse and validate a workspace file; raise :class:`WorkspaceError` if it is not one."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise WorkspaceError(f"{path} is too large to be a workspace "
                                 f"({path.stat().st_size / 1e6:.0f} MB)")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkspaceError(f"Cannot read workspace {path}: {exc}") from exc
    except RecursionError:
        raise WorkspaceError(f"{path} is not a workspace (its JSON is nested too deeply)") \
            from None
    except ValueError as exc:
        raise WorkspaceError(f"{path} is not a workspace (invalid JSON: {exc})") from exc
    return validate(doc, path)


class _Checker:
    """Field-by-field checks of a workspace document; every failure names where it is."""

    def __init__(self, path: str | Path):
        self.path = path

    def bad(self, why: str) -> WorkspaceError:
        return WorkspaceError(f"{self.path} is not a valid workspace: {why}")

    def need(self, ok: bool, why: str) -> None:
        if not ok:
            raise self.bad(why)

    def opt(self, d: dict, key: str, kinds: tuple[type, ...], where: str) -> Any:
        v = d.get(key)
        self.need(v is None or (isinstance(v, kinds) and not (
            isinstance(v, bool) and bool not in kinds)),
                  f"{where}: {key!r} must be {' or '.join(k.__name__ for k in kinds)}")
        return v

    def ids(self, v: Any, where: str) -> list[int]:
        self.need(isinstance(v, list) and all(isinstance(i, int) and not isinstance(i, bool)
                                               for i in v), f"{where} must be a list of ids")
        return v

    def json_like(self, v: Any, where: str, depth: int = 0) -> None:
        self.need(depth < 32, f"{where} is nested too deeply")
        if isinstance(v, dict):
            for k, x in v.items():
                self.need(isinstance(k, str), f"{where} has a non-text key")
                self.json_like(x, where, depth + 1)
        elif isinstance(v, list):
            for x in v:
                self.json_like(x, where, depth + 1)
        else:
            self.need(v is None or isinstance(v, (str, int, float, bool)),
                      f"{where} holds a value that is not JSON")


def validate(doc: Any, path: str | Path = "<workspace>") -> dict[str, Any]:
    """Check the whole document's structure (types, references, no cycles) before any of it
    is used, so a malformed or hostile file is refused with the reason."""
    c = _Checker(path)
    c.need(isinstance(doc, dict) and doc.get("format") == FORMAT,
           "no 'format': 'neurodeck-workspace' field")
    version = doc.get("version")
    c.need(isinstance(version, int) and not isinstance(version, bool) and version <= VERSION,
           f"format version {version!r}; this neurodeck reads up to {VERSION}")
    for key, kind in (("entries", list), ("history", list), ("layout", dict),
                      ("unsaved", list)):
        c.need(isinstance(doc.get(key, kind()), kind), f"{key!r} must be a {kind.__name__}")
    ids: list[int] = []
    for n, e in enumerate(doc.get("entries", [])):
        where = f"entry {n + 1}"
        c.need(isinstance(e, dict), f"{where} must be an object")
        eid = e.get("id")
        c.need(isinstance(eid, int) and not isinstance(eid, bool) and eid >= 1,
               f"{where} needs a positive integer 'id'")
        c.need(eid not in ids, f"entry id {eid} appears twice")
        where = f"entry {eid}"
        for key in ("name", "kind"):
            c.opt(e, key, (str,), where)
        parent = c.opt(e, "parent", (int,), where)
        # Entries are made after what they are made from: a parent has a smaller id, which
        # also rules out an entry being its own parent and any cycle.
        c.need(parent is None or (parent < eid and parent in ids),
               f"{where}: parent {parent} is not an earlier entry")
        origin = c.opt(e, "origin", (dict,), where) or {}
        c.json_like(origin, f"{where} origin")
        c.need(isinstance(origin.get("op", ""), str), f"{where}: origin op must be text")
        for key in ("inputs",):
            if key in origin:
                refs = c.ids(origin[key], f"{where} origin inputs")
                c.need(all(i < eid for i in refs), f"{where}: made from a later entry")
        if "study" in origin:
            c.need(isinstance(origin["study"], int) and origin["study"] < eid,
                   f"{where}: its study is not an earlier entry")
        c.json_like(e.get("edits", {}), f"{where} edits")
        c.need(isinstance(e.get("edits", {}), dict) and all(
            isinstance(v, dict) for v in e.get("edits", {}).values()),
               f"{where}: edits must map each edit to its values")
        if "result" in e:
            safe_relative(e["result"], path)
        elif "source" in e:
            src = e["source"]
            c.need(isinstance(src, dict), f"{where}: source must be an object")
            c.need(isinstance(src.get("path"), str) and src["path"],
                   f"{where}: source needs a path")
            for key, kinds in (("relpath", (str,)), ("sha256", (str,)), ("size", (int,)),
                               ("reader", (str,)), ("name", (str,)), ("options", (dict,))):
                c.opt(src, key, kinds, f"{where} source")
            c.json_like(src.get("options") or {}, f"{where} source options")
        else:
            c.need(origin.get("op") in ("transform", "study", "member"),
                   f"{where} has neither a result file, a source nor a recipe")
        ids.append(eid)
    for n, rec in enumerate(doc.get("history", [])):
        where = f"history record {n + 1}"
        c.need(isinstance(rec, dict) and isinstance(rec.get("op"), str),
               f"every history record needs an 'op' ({where})")
        c.need(rec["op"] in OPS or (rec["op"].startswith("set_")
                                    and rec["op"][4:].isidentifier()),
               f"{where}: unknown operation {rec['op'][:40]!r}")
        c.opt(rec, "entry", (int,), where)
        if "inputs" in rec:
            c.ids(rec["inputs"], f"{where} inputs")
        c.opt(rec, "params", (dict,), where)
        c.opt(rec, "options", (dict,), where)
        c.json_like(rec, where)
    layout = doc.get("layout", {})
    c.json_like(layout, "layout")
    views = layout.get("views", [])
    c.need(isinstance(views, list) and all(isinstance(v, dict) for v in views),
           "layout views must be a list of objects")
    return doc


def safe_relative(name: Any, path: str | Path = "<workspace>") -> PurePosixPath:
    """A result file name from the document: relative, inside the results folder."""
    p = PurePosixPath(name) if isinstance(name, str) else None
    if p is None or p.is_absolute() or ".." in p.parts or len(p.parts) != 1 or "\\" in name:
        raise WorkspaceError(f"{path}: result file {name!r} is not a plain file name")
    return p
