"""Apply recorded in-place edits (bad channels, annotations) to a dataset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..data.base import Dataset
from ..data.events import Events
from .format import WorkspaceError


def apply_edit(ds: Dataset, op: str, values: Mapping[str, Any]) -> None:
    """Replay one ``set_bads`` / ``set_annotations`` record (or saved edit state) on ``ds``."""
    if op == "set_bads":
        ds.bads = [str(b) for b in values["bads"]]  # type: ignore[attr-defined]
    elif op == "set_annotations":
        if not hasattr(ds, "set_events"):
            raise WorkspaceError(f"{ds.name} has no editable annotations")
        ds.set_events(Events(values["onset"], values["duration"], values["label"]))
    else:
        raise WorkspaceError(f"unknown edit {op!r}")


def apply_state(ds: Dataset, state: Mapping[str, Any]) -> None:
    """Bring ``ds`` to a saved edit state (``session.edit_state`` output)."""
    for op, values in state.items():
        apply_edit(ds, op, values)
