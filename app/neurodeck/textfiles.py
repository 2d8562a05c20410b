"""Reading small text tables the same way in every reader."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import ReadError


def text_lines(path: str | Path) -> list[str]:
    """Non-empty, non-comment (``#``) lines of a text file.

    UTF-8 (with or without BOM), falling back to Latin-1 so odd headers never stop a
    read; binary content is refused with a clear error.
    """
    path = Path(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ReadError(path, "binary content, not a text table")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ReadError(path, "the table has no rows")
    return lines


def json_sidecar(candidates: Iterable[Path]) -> dict[str, Any]:
    """The first existing JSON sidecar among ``candidates`` (``{}`` if none).

    A sidecar that is not a JSON object is a :class:`ReadError` naming the sidecar.
    """
    for side in candidates:
        if not side.exists():
            continue
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReadError(side, f"sidecar is not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ReadError(side, "sidecar must hold a JSON object")
        return data
    return {}
