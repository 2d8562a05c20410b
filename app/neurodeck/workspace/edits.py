"""Apply recorded in-place edits (bad channels, annotations, ...) to a dataset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..data.base import Dataset
from .format import WorkspaceError

#: Keys of a history record that are not the edit's values.
RECORD_KEYS = ("op", "entry", "time")


def apply_edit(ds: Dataset, op: str, values: Mapping[str, Any]) -> None:
    """Replay one edit record (or one op of a saved edit state) on ``ds``, as its type
    declares it (``Dataset.apply_edit``)."""
    if op not in ds.edit_ops:
        raise WorkspaceError(f"{ds.name} ({ds.kind}) has no edit {op!r}")
    try:
        ds.apply_edit(op, {k: v for k, v in values.items() if k not in RECORD_KEYS})
    except (KeyError, TypeError, ValueError) as exc:
        raise WorkspaceError(f"{ds.name}: the saved {op} is malformed ({exc})") from None


def apply_state(ds: Dataset, state: Mapping[str, Any]) -> None:
    """Bring ``ds`` to a saved edit state (``Dataset.edit_state`` output)."""
    for op, values in state.items():
        apply_edit(ds, op, values)
