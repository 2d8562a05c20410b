"""What the hostile suite does with workspace cases, as a user would (run by the driver).

Each loader raises :class:`~neurodeck.errors.ReadError` naming the workspace for what a
correct app refuses (a clean error), returns for what it may accept, and lets anything
else escape (an unclean error, a finding).
"""

from __future__ import annotations

import ast
from pathlib import Path

from neurodeck.errors import NeurodeckError, ReadError

#: Calls the script exporter writes (by their dotted name, an attribute chain's last part
#: for methods of the script's own variables).
EXPORTER_CALLS = {"Path", "check", "pick", "neurodeck.open", "neurodeck.run",
                  "neurodeck.transform", "neurodeck.study", "neurodeck.Events.from_lists",
                  "mne.Annotations", "hashlib.sha256", "open", "iter", "len", "SystemExit",
                  "sys.argv", "save", "set_annotations", "set_events", "apply_edit", "member",
                  "mkdir", "with_name", "resolve", "read", "update", "hexdigest", "join"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _name(node.value)
        return f"{inner}.{node.attr}" if inner in ("neurodeck", "mne", "hashlib", "sys",
                                                   "neurodeck.Events") else node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    return type(node).__name__


def open_workspace(path: Path):
    """Open a workspace; what it could not restore is a (clean) refusal."""
    from neurodeck.workspace import load_workspace

    try:
        session, restored = load_workspace(path)
    except NeurodeckError as exc:
        raise ReadError(path, str(exc)) from None
    if restored.problems:
        raise ReadError(path, "; ".join(restored.problems))
    return session


def export_script(path: Path) -> list[str]:
    """Export the workspace's history as a script and check every call in it is one the
    exporter writes; foreign code in the script is a finding (AssertionError)."""
    from neurodeck.workspace import export_script, read_document

    try:
        doc = read_document(path)
        text = export_script(doc["history"]).text
    except NeurodeckError as exc:
        raise ReadError(path, str(exc)) from None
    except (KeyError, TypeError) as exc:
        raise ReadError(path, f"the history cannot be exported ({exc})") from None
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {a.name for a in node.names}
            assert names <= {"hashlib", "sys", "Path", "mne", "neurodeck"}, names
        if isinstance(node, ast.Call):
            name = _name(node.func)
            assert name in EXPORTER_CALLS, f"the exported script calls {name!r}"
    return []


def save_again(path: Path) -> None:
    """Open a workspace and save it back where it is (what Ctrl+S does)."""
    from neurodeck.workspace import save_workspace

    session = open_workspace(path) if _restorable(path) else None
    if session is None:
        from neurodeck.session import Session

        session = Session()
    try:
        save_workspace(session, path)
    except NeurodeckError as exc:
        raise ReadError(path, str(exc)) from None


def _restorable(path: Path) -> bool:
    try:
        open_workspace(path)
    except ReadError:
        return False
    return True

